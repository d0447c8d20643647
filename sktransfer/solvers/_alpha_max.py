"""Exact start of the regularisation path of a two-kink penalty."""

import numpy as np
from scipy.optimize import lsq_linear
from scipy.sparse.linalg import LinearOperator


def alpha_max(datafit, penalty):
    """Smallest ``alpha`` above which the solution no longer changes.

    As ``alpha → ∞`` each coordinate of ``β̂`` goes to 0 where the sparsity
    weight dominates (``â_j > b̂_j``, e.g. ``l1_ratio > 1/2``), to ``β̃_j``
    where the transfer weight dominates (``l1_ratio < 1/2``), and, where the
    two are equal and ``β̃_j != 0`` (``l1_ratio = 1/2``), the penalty is flat
    on the box between 0 and ``β̃_j`` so the limit is the least-squares fit
    constrained to that box. That limit ``β∞`` is the solution for every
    ``alpha >= alpha_max``, with ``alpha_max`` the smallest value at which
    ``β∞`` satisfies the KKT conditions (Takada & Fujisawa, 2020, for the two
    pure cases; the box case is this package's definition).

    Parameters
    ----------
    datafit : Quadratic
        An initialised datafit.
    penalty : object
        A two-kink penalty; its ``alpha`` is ignored.

    Returns
    -------
    alpha_max : float
    limit_coef : ndarray of shape (n_features,)
        ``β∞``, the solution at and above ``alpha_max``.
    """
    n_features = datafit.X_offset.shape[0]
    limit = penalty.limit_coef(n_features)
    box = np.isnan(limit)
    limit[box] = 0.0
    if np.any(box):
        limit[box] = _box_least_squares(datafit, penalty, limit, box)
    grad = datafit.gradient(datafit.init_state(limit))
    return penalty.alpha_max(grad, limit), limit


def _box_least_squares(datafit, penalty, coef, box):
    """Least squares in the ``box`` coordinates, each in ``[min(0,c), max(0,c)]``."""
    n_features = coef.shape[0]
    c = penalty.unit_coefficients(n_features)[2][box]
    lower, upper = np.minimum(0.0, c), np.maximum(0.0, c)
    residual = datafit.residual(datafit.init_state(coef))
    idx = np.flatnonzero(box)
    if datafit.sparse:
        Xw = datafit.sparse_design()[:, idx]
        mu = datafit.X_offset[idx]
        sq = datafit.sqrt_weights
        A = LinearOperator(
            (datafit.n_samples, idx.size),
            matvec=lambda v: Xw @ v - sq * (mu @ v),
            rmatvec=lambda u: Xw.T @ u - mu * (sq @ u),
            dtype=np.float64,
        )
        result = lsq_linear(A, residual, bounds=(lower, upper), method="trf",
                            tol=1e-12, lsmr_tol="auto", max_iter=10_000)
    else:
        A = np.asarray(datafit.X[:, idx], dtype=np.float64)
        result = lsq_linear(A, residual, bounds=(lower, upper), method="bvls",
                            tol=1e-12)
    solution = np.clip(result.x, lower, upper)
    # Snap to the box faces so that the kink test in alpha_max is exact.
    span = upper - lower
    for face in (lower, upper):
        near = np.abs(solution - face) <= 1e-9 * span
        solution[near] = face[near]
    return solution

