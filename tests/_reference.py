"""Independent reference computations for the Transfer Lasso tests.

Everything here is written from the mathematics (reference §1 of
``sparse-transfer-math.md``) with NumPy, SciPy and cvxpy only: nothing calls
the package's solver, datafit, penalty or kernels, so a test comparing the
package with these functions compares two independent implementations.
"""

import numpy as np


def normalized_weights(sample_weight, n_samples):
    """Weights rescaled to sum to ``n`` (unit weights when ``None``)."""
    if sample_weight is None:
        return np.ones(n_samples)
    w = np.asarray(sample_weight, dtype=np.float64)
    return w * (n_samples / w.sum())


def centered_design(X, y, sample_weight=None, fit_intercept=True):
    """``(X̃, ỹ)``: weighted-centred, ``√w``-scaled design and response.

    The Transfer Lasso objective with a profiled-out intercept equals
    ``||ỹ - X̃β||² / (2n)`` plus the penalty.
    """
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = X.shape[0]
    w = normalized_weights(sample_weight, n)
    if fit_intercept:
        x_mean, y_mean = w @ X / n, w @ y / n
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), 0.0
    sq = np.sqrt(w)
    return sq[:, None] * (X - x_mean), sq * (y - y_mean)


def objective(X, y, coef, intercept, alpha, l1_ratio, source_coef,
              sample_weight=None, weights_l1=None, weights_transfer=None):
    """Transfer Lasso objective of reference §1.1 (weights summing to ``n``)."""
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)
    n, p = X.shape
    w = normalized_weights(sample_weight, n)
    u = np.ones(p) if weights_l1 is None else np.asarray(weights_l1)
    v = np.ones(p) if weights_transfer is None else np.asarray(weights_transfer)
    resid = y - intercept - X @ coef
    return (w @ resid**2) / (2 * n) + alpha * (
        l1_ratio * u @ np.abs(coef)
        + (1 - l1_ratio) * v @ np.abs(coef - source_coef)
    )


def kkt_violations(X, y, coef, intercept, alpha, l1_ratio, source_coef,
                   sample_weight=None, fit_intercept=True, weights_l1=None,
                   weights_transfer=None):
    """Per-coordinate violation of the KKT conditions of reference §1.4.

    Returns ``(violation, kind)``: ``violation[j] >= 0`` is how far the
    gradient ``r_j = Σ_i w_i x_ij (y_i - β̂_0 - x_iᵀβ̂)/n`` is from satisfying
    the condition of its case, and ``kind[j]`` names the case (``"free"``,
    ``"zero"``, ``"source"``, ``"both"``). Also returns the intercept's
    stationarity residual ``Σ_i w_i e_i / n`` (zero when fitted).
    """
    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)
    n, p = X.shape
    w = normalized_weights(sample_weight, n)
    u = np.ones(p) if weights_l1 is None else np.asarray(weights_l1)
    v = np.ones(p) if weights_transfer is None else np.asarray(weights_transfer)
    coef = np.asarray(coef, dtype=np.float64)
    resid = y - intercept - X @ coef
    r = X.T @ (w * resid) / n
    a = alpha * l1_ratio * u  # λ α u_j
    b = alpha * (1 - l1_ratio) * v  # λ (1-α) v_j
    violation = np.empty(p)
    kind = np.empty(p, dtype=object)
    for j in range(p):
        bj, tj = coef[j], source_coef[j]
        if bj != 0 and bj != tj:
            kind[j] = "free"
            violation[j] = abs(r[j] - a[j] * np.sign(bj) - b[j] * np.sign(bj - tj))
        elif bj == 0 and tj != 0:
            kind[j] = "zero"
            shifted = r[j] - b[j] * np.sign(0.0 - tj)
            violation[j] = max(abs(shifted) - a[j], 0.0)
        elif bj == tj and tj != 0:
            kind[j] = "source"
            shifted = r[j] - a[j] * np.sign(tj)
            violation[j] = max(abs(shifted) - b[j], 0.0)
        else:
            kind[j] = "both"
            violation[j] = max(abs(r[j]) - (a[j] + b[j]), 0.0)
    intercept_resid = float(w @ resid / n) if fit_intercept else 0.0
    return violation, kind, intercept_resid


def cvxpy_transfer_lasso(X, y, alpha, l1_ratio, source_coef, sample_weight=None,
                         fit_intercept=True, weights_l1=None, weights_transfer=None):
    """Solve the Transfer Lasso with cvxpy (Clarabel, tight tolerances).

    Returns ``(coef, intercept, objective_value)``.
    """
    import cvxpy as cp

    X = np.asarray(X.toarray() if hasattr(X, "toarray") else X, dtype=np.float64)
    n, p = X.shape
    w = normalized_weights(sample_weight, n)
    u = np.ones(p) if weights_l1 is None else np.asarray(weights_l1)
    v = np.ones(p) if weights_transfer is None else np.asarray(weights_transfer)
    beta = cp.Variable(p)
    beta0 = cp.Variable()
    fitted = X @ beta + (beta0 if fit_intercept else 0.0)
    loss = cp.sum(cp.multiply(w, cp.square(y - fitted))) / (2 * n)
    penalty = alpha * (
        l1_ratio * cp.sum(cp.multiply(u, cp.abs(beta)))
        + (1 - l1_ratio) * cp.sum(cp.multiply(v, cp.abs(beta - source_coef)))
    )
    problem = cp.Problem(cp.Minimize(loss + penalty))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12,
                  tol_feas=1e-12, max_iter=500)
    assert problem.status == cp.OPTIMAL, problem.status
    intercept = float(beta0.value) if fit_intercept else 0.0
    return np.asarray(beta.value), intercept, float(problem.value)


def alpha_max_closed_form(X, y, l1_ratio, source_coef, sample_weight=None,
                          fit_intercept=True):
    """``(λ_max, β∞)`` from reference §1.5 (unit penalty weights).

    ``l1_ratio > 1/2``: β∞ = 0 and the closed form in ``γ = X̃ᵀỹ/n``;
    ``l1_ratio < 1/2``: β∞ = β̃ and the closed form in ``r̃ = X̃ᵀ(ỹ - X̃β̃)/n``;
    ``l1_ratio = 1/2``: β∞ is the least-squares fit constrained coordinate-wise
    to the box between 0 and β̃_j (``scipy.optimize.lsq_linear``), and λ_max is
    the largest ``|r_j|`` at that point (interior coordinates have ``r_j = 0``).
    """
    from scipy.optimize import lsq_linear

    Xc, yc = centered_design(X, y, sample_weight, fit_intercept)
    n, p = Xc.shape
    bt = np.asarray(source_coef, dtype=np.float64)
    s = np.sign(bt)
    if l1_ratio > 0.5:
        gamma = Xc.T @ yc / n
        ell = np.where(bt == 0, np.abs(gamma),
                       np.maximum(-s * gamma, s * gamma / (2 * l1_ratio - 1)))
        return float(ell.max()), np.zeros(p)
    if l1_ratio < 0.5:
        rt = Xc.T @ (yc - Xc @ bt) / n
        ell = np.where(bt == 0, np.abs(rt),
                       np.maximum(s * rt, -s * rt / (1 - 2 * l1_ratio)))
        return float(ell.max()), bt.copy()
    free = bt != 0
    limit = np.zeros(p)
    if np.any(free):
        lower = np.minimum(0.0, bt[free])
        upper = np.maximum(0.0, bt[free])
        res = lsq_linear(Xc[:, free], yc, bounds=(lower, upper), method="bvls",
                         tol=1e-14)
        limit[free] = res.x
    r = Xc.T @ (yc - Xc @ limit) / n
    return float(np.abs(r).max()), limit
