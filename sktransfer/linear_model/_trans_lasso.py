"""Trans-Lasso (Li, Cai & Li, JRSSB 2022)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..datafits import Quadratic
from ..penalties import L1
from ..solvers import WorkingSetCD
from ..utils._domains import check_sample_domain, source_labels
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_sample_weight,
    validate_data,
)
from ..utils._threads import single_blas_thread
from ._path import path_on_datafit

#: Grid of the constant c in λ = c·sqrt(2 log p / N) (the authors' code).
C_GRID = np.linspace(1.0, 0.1, 20)


class TransLasso(RegressorMixin, BaseEstimator):
    r"""Trans-Lasso: pool informative sources, then debias on the target.

    Li, Cai & Li (JRSSB 2022). With a set ``A`` of informative sources the
    oracle estimator runs two Lasso steps,

    .. math::

        \hat w^A = \arg\min_w \frac{1}{2(n_A + n_0)}
            \sum_{k \in \{0\} \cup A} \|y^{(k)} - X^{(k)} w\|^2
            + \lambda_w \|w\|_1,
        \qquad
        \hat\delta^A = \arg\min_\delta \frac{1}{2 n_0}
            \|y^{(0)} - X^{(0)} \hat w^A - X^{(0)} \delta\|^2
            + \lambda_\delta \|\delta\|_1,

    and returns ``β̂ = ŵ^A + δ̂^A``, with ``λ_w = c·sqrt(2 log p/(n_A+n_0))``
    and ``λ_δ = c·sqrt(2 log p/n_0)`` sharing one constant ``c``, chosen by
    ``cv``-fold cross-validation over ``c ∈ {1, …, 0.1}`` (20 values) of the
    target-only Lasso. Intercepts are fitted (unpenalised) in both steps and
    added; the authors' script discards them.

    With ``sources="auto"`` the informative set is unknown. The target is
    split into an aggregation part ``I`` (a third of its rows) and the rest;
    sources are ranked by the sparsity index ``R̂_k``, the sum of squares of
    the ``round(n_0'/3)`` largest entries of the marginal-correlation
    contrast ``X^{(k)T} y^{(k)}/n_k - X^{(0)T} y^{(0)}/n_0'``; the nested
    candidate sets ``∅ ⊂ {1st} ⊂ {1st, 2nd} ⊂ …`` are fitted by the oracle
    estimator; and their predictions are combined on ``I`` by
    Q-aggregation (exponential weights with the authors' ten refinement
    steps, temperature ``2σ̂²`` with ``σ̂²`` the residual variance of the
    target-only Lasso — the authors' script assumes ``σ² = 1``). This is done
    for ``I`` = the first and the last third of the target rows, and the two
    estimates are averaged.

    Parameters
    ----------
    sources : "auto", list of int or None, default="auto"
        ``"auto"``: detect informative sources as above; a list of source
        labels (values ``> 0`` of ``sample_domain``): the oracle estimator
        with that ``A``; ``None``: the target-only Lasso.
    fit_intercept : bool, default=True
        Fit unpenalised intercepts.
    cv : int, default=8
        Folds of the cross-validation choosing ``c``.
    max_iter : int, default=50
        Outer iterations of each Lasso solve.
    tol : float, default=1e-4
        Relative duality gap of each Lasso solve.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffled cross-validation folds.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        ``β̂``.
    intercept_ : float
        Intercept.
    coef_pooled_ : ndarray of shape (n_features,)
        ``ŵ`` (aggregated with the same weights as ``coef_`` in auto mode).
    delta_ : ndarray of shape (n_features,)
        ``δ̂ = coef_ - coef_pooled_``.
    c_ : float or ndarray of shape (2,)
        Selected constant(s) ``c``.
    candidate_sets_ : list of list of tuple
        Per aggregation split, the distinct candidate source sets (auto only).
    aggregation_weights_ : list of ndarray
        Per split, the Q-aggregation weights of the candidates (auto only).
    sparsity_index_ : ndarray of shape (2, n_sources)
        ``R̂_k`` per split (auto only).
    sources_ : ndarray
        Labels of the sources present in the data.
    n_iter_ : int
        Largest number of solver iterations over the final Lasso fits.
    n_features_in_ : int
        Number of features seen during ``fit``.

    References
    ----------
    .. [1] S. Li, T. T. Cai and H. Li. Transfer learning for high-dimensional
       linear regression: prediction, estimation and minimax optimality.
       JRSSB 84(1), 2022.

    Examples
    --------
    >>> from sktransfer.datasets import make_trans_lasso_regression
    >>> from sktransfer.linear_model import TransLasso
    >>> data = make_trans_lasso_regression(n_sources=4, n_informative=2,
    ...                                    n_features=60, random_state=0)
    >>> model = TransLasso(sources=[1, 2], random_state=0).fit(
    ...     data.X, data.y, sample_domain=data.sample_domain)
    >>> model.coef_.shape
    (60,)
    """

    _parameter_constraints: dict = {
        "sources": [StrOptions({"auto"}), list, tuple, np.ndarray, None],
        "fit_intercept": ["boolean"],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, sources="auto", fit_intercept=True, cv=8, max_iter=50,
                 tol=1e-4, random_state=None):
        self.sources = sources
        self.fit_intercept = fit_intercept
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, sample_domain=None):
        """Fit Trans-Lasso.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Stacked target and source rows.
        y : array-like of shape (n_samples,)
            Response.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights.
        sample_domain : array-like of shape (n_samples,), default=None
            ``< 0`` target rows, ``k > 0`` rows of source ``k``; ``None``
            means target rows only (the target Lasso).

        Returns
        -------
        self : TransLasso
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32],
                             y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        domain = check_sample_domain(sample_domain, X.shape[0])
        weights = check_sample_weight(sample_weight, X)
        labels = source_labels(domain)
        self.sources_ = labels
        target = np.flatnonzero(domain < 0)
        if target.size < max(self.cv, 3):
            raise ValueError(
                f"TransLasso needs at least {max(self.cv, 3)} target rows, got "
                f"n_samples={target.size}."
            )
        rng = check_random_state(self.random_state)
        self.n_iter_ = 0
        data = _Domains(X, y, weights, domain, target, labels)
        with single_blas_thread():
            if isinstance(self.sources, str):
                self._fit_auto(data, rng)
            else:
                chosen = self._check_sources(labels)
                c = self._select_c(data, target, chosen, rng)
                pooled, delta, intercept = self._oracle(data, target, chosen, c)
                self.c_ = c
                self.coef_pooled_, self.delta_ = pooled, delta
                self.coef_ = pooled + delta
                self.intercept_ = intercept
        self.coef_ = self.coef_.astype(X.dtype, copy=False)
        return self

    def predict(self, X):
        """Predict ``X β̂ + β̂_0``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return X @ self.coef_ + self.intercept_

    # -- steps -----------------------------------------------------------------
    def _check_sources(self, labels):
        if self.sources is None:
            return ()
        chosen = tuple(int(s) for s in np.asarray(self.sources).ravel())
        unknown = sorted(set(chosen) - set(labels.tolist()))
        if unknown:
            raise ValueError(
                f"sources lists {unknown}, which sample_domain does not mark as "
                f"source labels (present: {labels.tolist()})."
            )
        return chosen

    def _lasso(self, data, rows, alpha, offset=None):
        """Lasso (with intercept) on ``rows``; returns ``(coef, intercept)``."""
        y = data.y[rows] if offset is None else data.y[rows] - offset
        w = None if data.weights is None else data.weights[rows]
        datafit = Quadratic(sample_weight=w, fit_intercept=self.fit_intercept)
        solver = WorkingSetCD(max_iter=self.max_iter, tol=self.tol)
        result = solver.solve(data.X[rows], y, datafit, L1(alpha))
        self.n_iter_ = max(self.n_iter_, result.n_iter)
        return result.coef, result.intercept

    def _oracle(self, data, target, chosen, c):
        """Two-step oracle Trans-Lasso on ``target ∪ chosen`` sources."""
        p = data.X.shape[1]
        if chosen:
            pooled_rows = np.concatenate(
                [target] + [np.flatnonzero(data.domain == k) for k in chosen]
            )
            lam_w = c * np.sqrt(2 * np.log(p) / pooled_rows.size)
            w, w0 = self._lasso(data, pooled_rows, lam_w)
        else:
            w, w0 = np.zeros(p), 0.0
        offset = data.X[target] @ w + w0
        lam_delta = c * np.sqrt(2 * np.log(p) / target.size)
        delta, d0 = self._lasso(data, target, lam_delta, offset=offset)
        return w, delta, w0 + d0

    def _select_c(self, data, target, chosen, rng):
        """``c`` by K-fold CV: of the target Lasso (auto) or pooled Lasso."""
        rows = target
        if chosen:
            rows = np.concatenate(
                [target] + [np.flatnonzero(data.domain == k) for k in chosen]
            )
        c, _ = _cv_constant(data, rows, self.cv, self.fit_intercept, self.tol,
                            self.max_iter, rng)
        return c

    def _fit_auto(self, data, rng):
        target = data.target
        n0 = target.size
        size = max(n0 // 3, 1)
        splits = [target[:size], target[n0 - size:]]
        coefs, pooled, intercepts = [], [], []
        self.candidate_sets_, self.aggregation_weights_ = [], []
        self.sparsity_index_ = np.zeros((2, data.labels.size))
        self.c_ = np.zeros(2)
        for s, held in enumerate(splits):
            train = np.setdiff1d(target, held)
            c, sigma2 = _cv_constant(data, train, self.cv, self.fit_intercept,
                                     self.tol, self.max_iter, rng)
            self.c_[s] = c
            index = _sparsity_index(data, train)
            self.sparsity_index_[s] = index
            order = data.labels[np.argsort(index, kind="stable")]
            candidates, fits = [], []
            for size_l in range(order.size + 1):
                chosen = tuple(int(k) for k in order[:size_l])
                fit = self._oracle(data, train, chosen, c)
                beta = fit[0] + fit[1]
                if any(np.array_equal(beta, f[0] + f[1]) and fit[2] == f[2]
                       for f in fits):
                    continue
                candidates.append(chosen)
                fits.append(fit)
            B = np.column_stack([f[0] + f[1] for f in fits])
            b0 = np.array([f[2] for f in fits])
            weights = _q_aggregation(data.X[held] @ B + b0, data.y[held], sigma2)
            self.candidate_sets_.append(candidates)
            self.aggregation_weights_.append(weights)
            coefs.append(B @ weights)
            pooled.append(np.column_stack([f[0] for f in fits]) @ weights)
            intercepts.append(b0 @ weights)
        self.coef_ = np.mean(coefs, axis=0)
        self.coef_pooled_ = np.mean(pooled, axis=0)
        self.delta_ = self.coef_ - self.coef_pooled_
        self.intercept_ = float(np.mean(intercepts))


class _Domains:
    """The validated data, with row indices of the target and each source."""

    def __init__(self, X, y, weights, domain, target, labels):
        self.X, self.y, self.weights = X, y, weights
        self.domain, self.target, self.labels = domain, target, labels


def _cv_constant(data, rows, n_folds, fit_intercept, tol, max_iter, rng):
    """CV choice of ``c`` for ``λ = c sqrt(2 log p / N)`` on ``rows``.

    Returns ``(c, sigma2)``, ``sigma2`` the mean held-out squared error at the
    chosen ``c`` (a noise-variance estimate for the aggregation step).
    """
    p = data.X.shape[1]
    n_folds = min(n_folds, rows.size)
    folds = KFold(n_folds, shuffle=True,
                  random_state=rng.randint(np.iinfo(np.int32).max))
    mse = np.zeros(C_GRID.size)
    for train, test in folds.split(rows):
        tr, te = rows[train], rows[test]
        alphas = C_GRID * np.sqrt(2 * np.log(p) / tr.size)
        w = None if data.weights is None else data.weights[tr]
        datafit = Quadratic(sample_weight=w, fit_intercept=fit_intercept)
        datafit.initialize(data.X[tr], data.y[tr])
        coefs, intercepts, _ = path_on_datafit(
            datafit, alphas, 1.0, np.zeros(p), tol=tol, max_iter=max_iter
        )
        resid = data.y[te][:, None] - (data.X[te] @ coefs + intercepts)
        mse += (resid**2).sum(axis=0)
    mse /= rows.size
    best = int(np.argmin(mse))
    return float(C_GRID[best]), float(mse[best])


def _sparsity_index(data, train):
    """``R̂_k``: sum of squares of the ``round(n_0'/3)`` largest contrasts."""
    X0, y0 = data.X[train], data.y[train]
    base = X0.T @ y0 / train.size
    top = max(int(round(train.size / 3)), 1)
    out = np.empty(data.labels.size)
    for i, k in enumerate(data.labels):
        rows = data.domain == k
        contrast = data.X[rows].T @ data.y[rows] / np.count_nonzero(rows) - base
        largest = np.sort(np.abs(contrast))[::-1][:top]
        out[i] = float(largest @ largest)
    return out


def _q_aggregation(predictions, y, sigma2, n_steps=10):
    """Q-aggregation weights of the candidate predictions (columns).

    Exponential weights ``θ_l ∝ exp(-SSR_l/(2σ²))``, then up to ``n_steps``
    refinements ``θ_l ∝ exp(-SSR_l/(2σ²) + ||ŷ_agg - ŷ_l||²/(8σ²))`` with
    ``ŷ_agg ← ¾ŷ_agg + ¼ŷ_θ``, stopping when ``||Δθ||_1 < 1e-3`` (the
    scheme of the authors' code, with the temperature made explicit).
    """
    sigma2 = max(sigma2, np.finfo(float).tiny)
    ssr = ((y[:, None] - predictions) ** 2).sum(axis=0)

    def softmax(score):
        score = score - score.max()
        weights = np.exp(score)
        return weights / weights.sum()

    theta = softmax(-ssr / (2 * sigma2))
    aggregate = predictions @ theta
    total = theta.copy()
    for _ in range(n_steps):
        spread = ((aggregate[:, None] - predictions) ** 2).sum(axis=0)
        new = softmax(-ssr / (2 * sigma2) + spread / (8 * sigma2))
        aggregate = 0.75 * aggregate + 0.25 * (predictions @ new)
        total = 0.75 * total + 0.25 * new
        converged = np.abs(new - theta).sum() < 1e-3
        theta = new
        if converged:
            break
    return total
