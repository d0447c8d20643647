"""Cross-validated Transfer Lasso."""

from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator
from sklearn.model_selection import check_cv

from ..datafits import Quadratic
from ..utils._sklearn_compat import Interval, _fit_context
from ..utils._threads import single_blas_thread
from ._base import TransferLinearRegressorMixin
from ._path import alpha_grid, path_on_datafit


class TransferLassoCV(TransferLinearRegressorMixin, BaseEstimator):
    """Transfer Lasso with ``alpha`` and ``l1_ratio`` chosen by cross-validation.

    For each ``l1_ratio`` of the grid, a path of ``alpha`` values from the
    exact ``alpha_max`` (computed on all target rows) down to
    ``eps · alpha_max`` is fitted on each training fold with warm starts and
    scored by the (weighted) mean squared error on the held-out fold; the
    pair with the smallest mean error is refitted on all target rows.

    Folds split the **target rows only**. When ``sample_domain`` marks source
    rows, they only ever feed the source fit: ``β̃`` is a cross-validated
    Lasso on the pooled source rows, fitted once, and is the same for every
    fold. With ``l1_ratio=1`` in the grid (the default) the model can fall
    back to the target-only Lasso when the source does not help.

    Parameters
    ----------
    l1_ratio : float or array-like of floats, default=(0.0, 0.25, 0.5, 0.75, 1.0)
        Grid of ``l1_ratio`` values in ``[0, 1]`` (the grid of Takada &
        Fujisawa, 2020).
    eps : float, default=1e-3
        Ratio ``alpha_min / alpha_max`` of each path.
    n_alphas : int, default=100
        Number of ``alpha`` values per path.
    alphas : array-like, default=None
        Explicit ``alpha`` grid shared by every ``l1_ratio``.
    source_coef : array-like of shape (n_features,), default=None
        The source estimate ``β̃`` (see :class:`TransferLasso`).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    cv : int, cross-validation generator or iterable, default=5
        Splitting of the target rows (as in scikit-learn; an int is an
        unshuffled K-fold).
    max_iter : int, default=50
        Maximum outer solver iterations per fit.
    tol : float, default=1e-4
        Tolerance on the relative duality gap.
    n_jobs : int, default=None
        Number of threads fitting (l1_ratio, fold) paths in parallel.

    Attributes
    ----------
    alpha_ : float
        Selected ``alpha``.
    l1_ratio_ : float
        Selected ``l1_ratio``.
    alphas_ : ndarray of shape (n_l1_ratio, n_alphas)
        The ``alpha`` grid of each ``l1_ratio``.
    mse_path_ : ndarray of shape (n_l1_ratio, n_alphas, n_folds)
        Held-out mean squared error for every grid point and fold.
    coef_ : ndarray of shape (n_features,)
        Coefficients refitted on all target rows.
    intercept_ : float
        Intercept of the refit.
    source_coef_ : ndarray of shape (n_features,)
        The ``β̃`` used.
    source_intercept_ : float or None
        Intercept of the source Lasso when ``β̃`` was fitted on source rows.
    n_iter_ : int
        Outer iterations of the refit.
    stop_crit_ : float
        Relative duality gap of the refit.
    dual_gap_ : float
        Absolute duality gap of the refit.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (string column names only).

    See Also
    --------
    TransferLasso : The estimator at fixed ``alpha`` and ``l1_ratio``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.linear_model import TransferLassoCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 8))
    >>> beta = np.r_[1.0, -1.0, np.zeros(6)]
    >>> y = X @ beta + 0.1 * rng.standard_normal(60)
    >>> model = TransferLassoCV(source_coef=beta, n_alphas=20).fit(X, y)
    >>> model.mse_path_.shape
    (5, 20, 5)
    """

    _parameter_constraints: dict = {
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), "array-like"],
        "eps": [Interval(Real, 0, 1, closed="right")],
        "n_alphas": [Interval(Integral, 1, None, closed="left")],
        "alphas": ["array-like", None],
        "source_coef": ["array-like", None],
        "fit_intercept": ["boolean"],
        "cv": ["cv_object"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        l1_ratio=(0.0, 0.25, 0.5, 0.75, 1.0),
        eps=1e-3,
        n_alphas=100,
        alphas=None,
        source_coef=None,
        fit_intercept=True,
        cv=5,
        max_iter=50,
        tol=1e-4,
        n_jobs=None,
    ):
        self.l1_ratio = l1_ratio
        self.eps = eps
        self.n_alphas = n_alphas
        self.alphas = alphas
        self.source_coef = source_coef
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, sample_domain=None):
        """Cross-validate, then refit on all target rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Design.
        y : array-like of shape (n_samples,)
            Response.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights (also weight the held-out errors).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain labels: ``< 0`` target, ``> 0`` source.

        Returns
        -------
        self : TransferLassoCV
            The fitted estimator.
        """
        l1_ratios = self._check_l1_ratios()
        X, y, weights, source_coef = self._validate_fit_data(
            X, y, sample_weight, sample_domain
        )
        folds = list(check_cv(self.cv).split(X, y))
        with single_blas_thread():
            full = Quadratic(sample_weight=weights, fit_intercept=self.fit_intercept)
            full.initialize(X, y)
            self.alphas_ = np.vstack([self._alpha_grid(full, r, source_coef)
                                      for r in l1_ratios])
            scores = Parallel(n_jobs=self.n_jobs, prefer="threads")(
                delayed(_fold_mse)(
                    X, y, weights, train, test, self.alphas_[k], ratio,
                    source_coef, self.fit_intercept, self.tol, self.max_iter,
                )
                for k, ratio in enumerate(l1_ratios)
                for train, test in folds
            )
            self.mse_path_ = np.asarray(scores).reshape(
                len(l1_ratios), len(folds), -1
            ).transpose(0, 2, 1)
            mean_mse = self.mse_path_.mean(axis=2)
            best_ratio, best_alpha = np.unravel_index(np.argmin(mean_mse),
                                                      mean_mse.shape)
            self.l1_ratio_ = float(l1_ratios[best_ratio])
            self.alpha_ = float(self.alphas_[best_ratio, best_alpha])
            # Refit along the selected path down to alpha_ (warm starts).
            coefs, intercepts, results = path_on_datafit(
                full, self.alphas_[best_ratio, : best_alpha + 1], self.l1_ratio_,
                source_coef, tol=self.tol, max_iter=self.max_iter,
            )
        self.coef_ = coefs[:, -1].astype(X.dtype, copy=False)
        self.intercept_ = float(intercepts[-1])
        self.stop_crit_ = results[-1].stop_crit
        self.n_iter_ = results[-1].n_iter
        self.dual_gap_ = results[-1].duality_gap
        return self

    def _check_l1_ratios(self):
        ratios = np.atleast_1d(np.asarray(self.l1_ratio, dtype=np.float64))
        if ratios.ndim != 1 or ratios.size == 0:
            raise ValueError("l1_ratio must be a float or a 1-d sequence of floats.")
        if not np.all((ratios >= 0) & (ratios <= 1)):
            raise ValueError(f"l1_ratio values must be in [0, 1], got {ratios}.")
        return ratios

    def _alpha_grid(self, datafit, l1_ratio, source_coef):
        if self.alphas is not None:
            alphas = np.sort(np.asarray(self.alphas, dtype=np.float64).ravel())[::-1]
            if alphas.size == 0 or not np.all(np.isfinite(alphas)) or alphas[-1] < 0:
                raise ValueError("alphas must be finite and non-negative.")
            return alphas
        return alpha_grid(datafit, l1_ratio, source_coef, n_alphas=self.n_alphas,
                          eps=self.eps)


def _fold_mse(X, y, weights, train, test, alphas, l1_ratio, source_coef,
              fit_intercept, tol, max_iter):
    """Held-out (weighted) MSE of a path fitted on ``train``."""
    w_train = None if weights is None else weights[train]
    if w_train is not None and not np.any(w_train > 0):
        raise ValueError("A training fold has zero total sample_weight.")
    datafit = Quadratic(sample_weight=w_train, fit_intercept=fit_intercept)
    datafit.initialize(X[train], y[train])
    coefs, intercepts, _ = path_on_datafit(
        datafit, alphas, l1_ratio, source_coef, tol=tol, max_iter=max_iter
    )
    X_test = X[test]
    pred = np.asarray(X_test @ coefs.astype(X.dtype, copy=False)) + intercepts
    sq_err = (y[test][:, None] - pred) ** 2
    if weights is None or not np.any(weights[test] > 0):
        return sq_err.mean(axis=0)
    w_test = weights[test]
    return (w_test @ sq_err) / w_test.sum()

