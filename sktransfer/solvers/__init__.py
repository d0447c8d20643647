"""Solvers for penalised problems ``min_β F(β) + g(β)``.

``WorkingSetCD`` is the CPU coordinate-descent solver for the quadratic
datafit, ``ProxNewton`` wraps it for GLM datafits; ``alpha_max`` and
``duality_gap`` are the path start and the stopping criterion it shares with
the estimators and benchmarks.
"""

from ._alpha_max import alpha_max
from ._gap import duality_gap, optimality
from ._prox_newton import PathResult, ProxNewton
from ._working_set_cd import SolverResult, WorkingSetCD

__all__ = [
    "PathResult",
    "ProxNewton",
    "SolverResult",
    "WorkingSetCD",
    "alpha_max",
    "duality_gap",
    "optimality",
]
