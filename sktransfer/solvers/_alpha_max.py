"""Exact start of the regularisation path of a two-kink penalty."""

import numpy as np

from .._kernels import inner_solve_dense, inner_solve_sparse


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
    """Least squares in the ``box`` coordinates, each in ``[min(0,c), max(0,c)]``.

    Solved by the package's own coordinate descent: with ``a_j = b_j = M``
    huge, the two-kink prox is exactly the projection onto the box
    (``clip(x, 0, c_j)``) and the subdifferential distance is the box KKT
    violation, so the kernels solve the bounded problem exactly, with the
    other coordinates held at ``coef``. The tolerance is ``1e-13`` of
    ``||X̃^T ỹ / n||_∞``.
    """
    n_features = coef.shape[0]
    c = penalty.unit_coefficients(n_features)[2]
    curved = box & (datafit.lipschitz > 0)
    ws = np.flatnonzero(curved)
    w = coef.copy()
    if ws.size == 0:
        return w[box]
    big = np.where(curved, _BOX_WEIGHT, 0.0)
    zeros = np.zeros(n_features)
    state = datafit.init_state(np.zeros(n_features))
    scale = np.abs(datafit.gradient(state)).max(initial=0.0)
    tol = 1e-13 * (scale if scale > 0 else 1.0)
    state = datafit.init_state(w)
    inv_n = 1.0 / datafit.n_samples
    if datafit.sparse:
        rho, scalars = state
        inner_solve_sparse(
            datafit.X_data, datafit.X_indices, datafit.X_indptr, datafit.X_offset,
            float(datafit.n_samples), w, rho, scalars, datafit.lipschitz, big,
            big, c, zeros, ws, inv_n, _BOX_MAX_EPOCHS, tol, 0,
        )
    else:
        inner_solve_dense(
            datafit.X, w, state, datafit.lipschitz, big, big, c, zeros, ws,
            inv_n, _BOX_MAX_EPOCHS, tol, 0,
        )
    return w[box]


# Penalty weight making the two-kink prox a projection (finite, so that
# a - b == 0 exactly and no inf/nan arithmetic appears in the kernels).
_BOX_WEIGHT = 1e100
_BOX_MAX_EPOCHS = 100_000
