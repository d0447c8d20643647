"""Loss terms (datafits) of the penalised estimators.

A datafit is a plain Python object: it prepares the design once
(``initialize``), evaluates the loss and its gradient from a residual state,
and exposes the arrays the Numba kernels of :mod:`sktransfer._kernels` need.
"""

from ._glm import Gaussian, Logistic, Poisson
from ._quadratic import Quadratic

__all__ = ["Gaussian", "Logistic", "Poisson", "Quadratic"]
