"""Transfer Lasso regularisation path."""

import warnings
from numbers import Real

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..datafits import Quadratic
from ..penalties import TransferL1
from ..solvers import WorkingSetCD, alpha_max
from ..utils import check_sample_domain
from ..utils._threads import single_blas_thread
from ._base import check_coef_vector


def alpha_grid(datafit, l1_ratio, source_coef, *, n_alphas=100, eps=1e-3,
               weights_l1=None, weights_transfer=None):
    """Geometric grid from the exact ``alpha_max`` down to ``eps·alpha_max``.

    ``alpha_max`` is :func:`sktransfer.solvers.alpha_max` of the transfer
    penalty: above it the solution is 0 (``l1_ratio > 1/2``), ``β̃``
    (``l1_ratio < 1/2``) or the box-constrained least-squares fit
    (``l1_ratio = 1/2``). If it is 0 (nothing to fit) the grid is constant
    at the float64 resolution, as in scikit-learn.
    """
    penalty = TransferL1(1.0, l1_ratio, source_coef, weights_l1, weights_transfer)
    top, _ = alpha_max(datafit, penalty)
    if not np.isfinite(top):
        raise ValueError(
            "alpha_max is infinite: a coordinate has zero penalty weight but a "
            "non-zero gradient; pass explicit alphas."
        )
    if top <= np.finfo(np.float64).resolution:
        return np.full(n_alphas, np.finfo(np.float64).resolution)
    return np.geomspace(top, top * eps, n_alphas)


def path_on_datafit(datafit, alphas, l1_ratio, source_coef, *, tol, max_iter,
                    coef_init=None, weights_l1=None, weights_transfer=None):
    """Solve along ``alphas`` (in the given order) with warm starts.

    Returns ``coefs`` of shape (n_features, n_alphas), ``intercepts`` of
    shape (n_alphas,) and the list of :class:`~sktransfer.solvers.SolverResult`.
    Warns (one :class:`~sklearn.exceptions.ConvergenceWarning` per path) if
    any ``alpha`` did not reach ``tol``.
    """
    n_features = datafit.X_offset.shape[0]
    coefs = np.empty((n_features, len(alphas)))
    intercepts = np.empty(len(alphas))
    results = []
    solver = WorkingSetCD(max_iter=max_iter, tol=tol)
    coef = coef_init
    for k, alpha in enumerate(alphas):
        penalty = TransferL1(alpha, l1_ratio, source_coef, weights_l1,
                             weights_transfer)
        result = solver.solve_initialized(datafit, penalty, coef_init=coef)
        coef = result.coef
        coefs[:, k] = coef
        intercepts[k] = result.intercept
        results.append(result)
    failed = [r.stop_crit for r in results if not r.converged]
    if failed:
        warnings.warn(
            f"Transfer Lasso path did not converge for {len(failed)} of "
            f"{len(results)} alphas: relative duality gap up to "
            f"{max(failed):.3g} > tol={tol:g} (max_iter={max_iter}; the solver "
            "also stops when rounding halts progress). Increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return coefs, intercepts, results


def transfer_lasso_path(
    X,
    y,
    *,
    l1_ratio=0.5,
    source_coef=None,
    alphas=None,
    n_alphas=100,
    eps=1e-3,
    fit_intercept=True,
    sample_weight=None,
    sample_domain=None,
    max_iter=50,
    tol=1e-4,
    coef_init=None,
    return_intercept=False,
    return_n_iter=False,
):
    """Transfer Lasso solutions along a decreasing grid of ``alpha``.

    Solves the :class:`TransferLasso` objective for each ``alpha`` with warm
    starts, in the manner of :func:`sklearn.linear_model.lasso_path`.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Design.
    y : array-like of shape (n_samples,)
        Response.
    l1_ratio : float, default=0.5
        Weight on ``||β||_1`` in ``[0, 1]``.
    source_coef : array-like of shape (n_features,), default=None
        Source estimate ``β̃``; zero if ``None`` (the Lasso path).
    alphas : array-like, default=None
        Values of ``alpha``, used in decreasing order. By default a geometric
        grid of ``n_alphas`` values from the exact ``alpha_max`` to
        ``eps · alpha_max``.
    n_alphas : int, default=100
        Length of the default grid.
    eps : float, default=1e-3
        Ratio ``alpha_min / alpha_max`` of the default grid.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights.
    sample_domain : array-like of shape (n_samples,), default=None
        If given, only the target rows (labels ``< 0``) are used;
        ``source_coef`` must then be given explicitly.
    max_iter : int, default=50
        Maximum outer iterations per ``alpha``.
    tol : float, default=1e-4
        Tolerance on the relative duality gap.
    coef_init : array-like of shape (n_features,), default=None
        Warm start for the first ``alpha``.
    return_intercept : bool, default=False
        Also return the intercepts.
    return_n_iter : bool, default=False
        Also return the outer-iteration counts.

    Returns
    -------
    alphas : ndarray of shape (n_alphas,)
        The grid, in decreasing order.
    coefs : ndarray of shape (n_features, n_alphas)
        Coefficients along the path.
    dual_gaps : ndarray of shape (n_alphas,)
        Achieved relative duality gaps.
    intercepts : ndarray of shape (n_alphas,)
        Only with ``return_intercept=True``.
    n_iters : ndarray of shape (n_alphas,)
        Only with ``return_n_iter=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.linear_model import transfer_lasso_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 5))
    >>> y = X[:, 0] + 0.1 * rng.standard_normal(30)
    >>> alphas, coefs, gaps = transfer_lasso_path(
    ...     X, y, l1_ratio=0.75, source_coef=np.r_[1.0, 0, 0, 0, 0], n_alphas=5)
    >>> coefs.shape
    (5, 5)
    """
    from ._transfer_lasso import TransferLasso

    if not isinstance(l1_ratio, Real) or not 0 <= l1_ratio <= 1:
        raise ValueError(f"l1_ratio must be a float in [0, 1], got {l1_ratio!r}.")
    if not (isinstance(n_alphas, int | np.integer) and n_alphas >= 1):
        raise ValueError(f"n_alphas must be a positive integer, got {n_alphas!r}.")
    if not isinstance(eps, Real) or not 0 < eps <= 1:
        raise ValueError(f"eps must be in (0, 1], got {eps!r}.")
    estimator = TransferLasso(
        l1_ratio=l1_ratio, source_coef=source_coef, fit_intercept=fit_intercept,
        max_iter=max_iter, tol=tol,
    )
    estimator._validate_params()
    if sample_domain is not None and source_coef is None:
        n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
        if np.any(check_sample_domain(sample_domain, n_rows) > 0):
            raise ValueError(
                "transfer_lasso_path uses the target rows only: pass "
                "source_coef explicitly when sample_domain marks source rows."
            )
    X, y, weights, beta_tilde = estimator._validate_fit_data(
        X, y, sample_weight, sample_domain
    )
    datafit = Quadratic(sample_weight=weights, fit_intercept=fit_intercept)
    datafit.initialize(X, y)
    with single_blas_thread():
        if alphas is None:
            alphas = alpha_grid(datafit, l1_ratio, beta_tilde, n_alphas=n_alphas,
                                eps=eps)
        else:
            alphas = np.sort(np.asarray(alphas, dtype=np.float64).ravel())[::-1]
            if alphas.size == 0 or not np.all(np.isfinite(alphas)) or alphas[-1] < 0:
                raise ValueError("alphas must be finite and non-negative.")
        if coef_init is not None:
            coef_init = check_coef_vector(coef_init, X.shape[1], "coef_init")
        coefs, intercepts, results = path_on_datafit(
            datafit, alphas, l1_ratio, beta_tilde, tol=tol, max_iter=max_iter,
            coef_init=coef_init,
        )
    out = [alphas, coefs, np.array([r.stop_crit for r in results])]
    if return_intercept:
        out.append(intercepts)
    if return_n_iter:
        out.append(np.array([r.n_iter for r in results]))
    return tuple(out)

