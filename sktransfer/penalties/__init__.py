"""Penalties: plain Python objects with an exact one-coordinate prox.

All penalties here are coordinate-separable two-kink penalties
``g_j(t) = a_j|t| + b_j|t - c_j|`` (see :mod:`sktransfer._kernels._prox`),
plus a ridge part for the elastic net, so one set of kernels serves the
L1, weighted L1, elastic-net and transfer penalties.
"""

from ._two_kink import L1, ElasticNet, TransferL1, WeightedL1

__all__ = ["ElasticNet", "L1", "TransferL1", "WeightedL1"]
