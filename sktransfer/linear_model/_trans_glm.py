"""Trans-GLM (Tian & Feng, JASA 2023): transfer learning for sparse GLMs."""

import warnings
from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ..utils._domains import check_sample_domain, source_labels
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _fit_context,
    check_sample_weight,
    validate_data,
)
from ..utils._threads import single_blas_thread
from ._glm_path import (
    GLMProblem,
    cross_validate_glm,
    default_alpha_min_ratio,
    validation_loss,
)

_RULE = [StrOptions({"lambda_min", "lambda_1se"}),
         Interval(Real, 0, None, closed="neither")]


class _BaseTransGLM(BaseEstimator):
    """Shared fitting of :class:`TransGLMRegressor` and :class:`TransGLMClassifier`."""

    _parameter_constraints: dict = {
        "transfer_sources": [StrOptions({"auto", "all"}), list, tuple, np.ndarray,
                             None],
        "l1_ratio": [Interval(Real, 0, 1, closed="right")],
        "standardize": ["boolean"],
        "fit_intercept": ["boolean"],
        "lambda_transfer": _RULE,
        "lambda_debias": _RULE,
        "lambda_detection": _RULE,
        "cv": [Interval(Integral, 3, None, closed="left")],
        "detection_folds": [Interval(Integral, 2, None, closed="left")],
        "C0": [Interval(Real, 0, None, closed="left")],
        "n_alphas": [Interval(Integral, 2, None, closed="left")],
        "alpha_min_ratio": [Interval(Real, 0, 1, closed="neither"), None],
        "cv_patience": [Interval(Integral, 1, None, closed="left"), None],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    _family = None  # set by fit from the subclass

    def __init__(self, transfer_sources="auto", l1_ratio=1.0, standardize=True,
                 fit_intercept=True, lambda_transfer="lambda_1se",
                 lambda_debias="lambda_min", lambda_detection="lambda_1se", cv=10,
                 detection_folds=3, C0=2.0, n_alphas=100, alpha_min_ratio=None,
                 cv_patience=5, tol=1e-4, max_iter=50, n_jobs=None,
                 random_state=None):
        self.transfer_sources = transfer_sources
        self.l1_ratio = l1_ratio
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.lambda_transfer = lambda_transfer
        self.lambda_debias = lambda_debias
        self.lambda_detection = lambda_detection
        self.cv = cv
        self.detection_folds = detection_folds
        self.C0 = C0
        self.n_alphas = n_alphas
        self.alpha_min_ratio = alpha_min_ratio
        self.cv_patience = cv_patience
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -- fitting ----------------------------------------------------------------
    def _fit(self, X, y, weights, sample_domain):
        """Shared fit on validated ``X``, ``y`` and checked ``weights``."""
        domain = check_sample_domain(sample_domain, X.shape[0])
        labels = source_labels(domain)
        target = np.flatnonzero(domain < 0)
        if target.size < 3:
            raise ValueError(
                f"{type(self).__name__} needs at least 3 target rows, got "
                f"n_samples={target.size}."
            )
        if weights is not None and not np.any(weights[target] > 0):
            raise ValueError("sample_weight is zero on every target row.")
        family = self._family
        if sp.issparse(X):
            X = X.tocsr()
        self.sources_ = labels
        self._rng = check_random_state(self.random_state)
        self._data = _Data(X, y, weights, domain, target)
        self.source_losses_ = None
        self.target_loss_ = None
        self.target_loss_sd_ = None
        self.threshold_ = None
        # The final steps' folds are drawn first, so that they do not depend
        # on whether (or how much) detection consumed the generator.
        final_seeds = self._rng.randint(np.iinfo(np.int32).max, size=2)
        with single_blas_thread():
            chosen = self._choose_sources(labels, family)
            self.selected_sources_ = np.asarray(chosen, dtype=labels.dtype)
            pooled, debias, lambdas, n_newton = self._two_step(
                target, chosen, family, final_seeds)
        self.n_iter_ = max(n_newton, 1)
        (self.coef_pooled_, self.intercept_pooled_) = pooled
        (self.delta_, self.intercept_delta_) = debias
        self.coef_ = self.coef_pooled_ + self.delta_
        self.intercept_ = float(self.intercept_pooled_ + self.intercept_delta_)
        self.lambda_ = lambdas
        self._inference = None
        del self._rng
        return self

    def _choose_sources(self, labels, family):
        spec = self.transfer_sources
        if spec is None:
            return ()
        if isinstance(spec, str):
            if spec == "all" or labels.size == 0:
                return tuple(int(k) for k in labels)
            return self._detect(labels, family)
        chosen = tuple(int(s) for s in np.asarray(spec).ravel())
        unknown = sorted(set(chosen) - set(labels.tolist()))
        if unknown:
            raise ValueError(
                f"transfer_sources lists {unknown}, which sample_domain does not "
                f"mark as source labels (present: {labels.tolist()})."
            )
        return tuple(sorted(set(chosen)))

    def _glm(self, family, *, debias=False):
        # Tian & Feng's debiasing step is always a standardised Lasso.
        return GLMProblem(
            family,
            l1_ratio=1.0 if debias else self.l1_ratio,
            standardize=True if debias else self.standardize,
            fit_intercept=self.fit_intercept, tol=self.tol, max_iter=self.max_iter,
        )

    def _fit_cv(self, glm, rows, rule, offset=None, seed=None, executor=None):
        """Penalised GLM on ``rows`` with ``λ`` from ``rule``.

        The cross-validation fits stop at ``10·tol`` (the choice of ``λ``
        does not move at that accuracy), the final fit at ``tol``.
        Returns ``(coef, intercept, alpha, n_newton)``.
        """
        data = self._data
        X, y = data.X[rows], data.y[rows]
        w = None if data.weights is None else data.weights[rows]
        problem = glm.prepare(X, y, w, offset)
        ratio = self.alpha_min_ratio
        if ratio is None:
            ratio = default_alpha_min_ratio(*X.shape)
        alphas = glm.grid(problem, self.n_alphas, ratio)
        if isinstance(rule, str):
            n_folds = min(self.cv, rows.size)
            folds = list(KFold(n_folds, shuffle=True, random_state=seed).split(X))
            cv = cross_validate_glm(glm, X, y, folds, alphas, sample_weight=w,
                                    offset=offset, patience=self.cv_patience,
                                    tol=10 * self.tol, executor=executor)
            alphas = alphas[: cv.index(rule) + 1]
        else:
            alphas = np.append(alphas[alphas > rule], rule)
        path = problem.run(alphas)
        if not path.converged:
            warnings.warn(
                f"{type(self).__name__}: a penalised GLM fit did not reach "
                f"tol={self.tol:g} (relative KKT violation "
                f"{path.stop_crit.max():.3g}); increase max_iter or tol.",
                ConvergenceWarning, stacklevel=3,
            )
        return (path.coefs[-1].copy(), float(path.intercepts[-1]),
                float(alphas[-1]), int(path.n_iter.sum()))

    def _two_step(self, target, chosen, family, seeds):
        """Transferring step on ``target ∪ chosen``, debiasing step on the target."""
        n_threads = effective_n_jobs(self.n_jobs)
        if n_threads > 1:
            with ThreadPoolExecutor(n_threads) as executor:
                return self._two_step_with(target, chosen, family, seeds, executor)
        return self._two_step_with(target, chosen, family, seeds, None)

    def _two_step_with(self, target, chosen, family, seeds, executor):
        data = self._data
        p = data.X.shape[1]
        if chosen:
            rows = np.concatenate([target] + [np.flatnonzero(data.domain == k)
                                              for k in chosen])
            w, w0, lam_w, n_w = self._fit_cv(self._glm(family), rows,
                                             self.lambda_transfer, seed=seeds[0],
                                             executor=executor)
            offset = _linear_predictor(data.X[target], w, w0)
        else:
            w, w0, lam_w, n_w, offset = np.zeros(p), 0.0, None, 0, None
        delta, d0, lam_d, n_d = self._fit_cv(self._glm(family, debias=True), target,
                                             self.lambda_debias, offset=offset,
                                             seed=seeds[1], executor=executor)
        lambdas = {"transfer": lam_w, "debias": lam_d}
        return (w, w0), (delta, d0), lambdas, n_w + n_d

    def _detect(self, labels, family):
        """Transferable-source detection (Tian & Feng, 2023, Algorithm 2)."""
        data = self._data
        target = data.target
        n_folds = min(self.detection_folds, target.size)
        folds = _detection_folds(data.y[target], n_folds, family, self._rng)
        glm = self._glm(family)
        tasks = []
        for r, held_out in enumerate(folds):
            train = np.setdiff1d(target, target[held_out])
            tasks.append((r, 0, train, target[held_out]))
            for i, k in enumerate(labels):
                rows = np.concatenate([train, np.flatnonzero(data.domain == k)])
                tasks.append((r, i + 1, rows, target[held_out]))
        seeds = self._rng.randint(np.iinfo(np.int32).max, size=len(tasks))

        def run(task, seed):
            r, i, rows, test = task
            # BLAS is already limited to one thread by fit (process-wide).
            coef, intercept, _, _ = self._fit_cv(glm, rows, self.lambda_detection,
                                                 seed=seed)
            eta = _linear_predictor(data.X[test], coef, intercept)
            w = None if data.weights is None else data.weights[test]
            return r, i, validation_loss(family, data.y[test], eta, w)

        results = Parallel(n_jobs=self.n_jobs, prefer="threads")(
            delayed(run)(task, seed) for task, seed in zip(tasks, seeds))
        losses = np.empty((n_folds, labels.size + 1))
        for r, i, loss in results:
            losses[r, i] = loss
        mean = losses.mean(axis=0)
        sd = float(losses[:, 0].std(ddof=1)) if n_folds > 1 else 0.0
        self.target_loss_ = float(mean[0])
        self.target_loss_sd_ = sd
        self.source_losses_ = mean[1:]
        self.threshold_ = float(mean[0] + self.C0 * max(sd, 0.01))
        return tuple(int(k) for k in labels[mean[1:] <= self.threshold_])

    # -- inference ---------------------------------------------------------------
    def conf_int(self, alpha=0.05):
        """Confidence intervals for the coefficients (desparsified Lasso).

        The debiased estimator of Tian & Feng (2023, Algorithm 3): nodewise
        Lasso regressions on the target and the selected sources pooled,
        weighted by the GLM curvature at the fitted coefficients, correct
        ``coef_`` with the target's score (van de Geer et al., 2014); the
        intervals are normal.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the confidence level.

        Returns
        -------
        ndarray of shape (n_features, 2)
            Lower and upper bounds.
        """
        return self.inference().conf_int(alpha)

    def summary(self, alpha=0.05, feature_names=None):
        """Table of debiased coefficients, standard errors, intervals, p-values.

        Parameters
        ----------
        alpha : float, default=0.05
            One minus the confidence level.
        feature_names : list of str, default=None
            Row labels; ``feature_names_in_`` or ``x0, x1, …`` by default.

        Returns
        -------
        str
            The table, in the manner of statsmodels.
        """
        return self.inference().summary(alpha=alpha, feature_names=feature_names)

    def inference(self):
        """The desparsified-Lasso results object (computed once, then cached).

        Returns
        -------
        sktransfer.inference.DesparsifiedResult
        """
        check_is_fitted(self)
        if self._inference is None:
            from ..inference import desparsified_glm

            data = self._data
            target = data.target
            rows = np.concatenate([target] + [np.flatnonzero(data.domain == k)
                                              for k in self.selected_sources_])
            weights = data.weights
            self._inference = desparsified_glm(
                data.X[target], data.y[target], self.coef_, self.intercept_,
                family=self._family, X_pooled=data.X[rows],
                sample_weight=None if weights is None else weights[target],
                sample_weight_pooled=None if weights is None else weights[rows],
                fit_intercept=self.fit_intercept,
                feature_names=getattr(self, "feature_names_in_", None),
            )
        return self._inference

    def plot_source_losses(self, ax=None):
        """Plot each source's validation loss against the detection threshold.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure by default.

        Returns
        -------
        matplotlib.axes.Axes
        """
        check_is_fitted(self)
        if self.source_losses_ is None:
            raise ValueError(
                "No source losses: they are computed only with "
                "transfer_sources='auto' and at least one source."
            )
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        positions = np.arange(self.sources_.size)
        selected = np.isin(self.sources_, self.selected_sources_)
        ax.scatter(positions[selected], self.source_losses_[selected],
                   color="tab:blue", label="transferable", zorder=3)
        ax.scatter(positions[~selected], self.source_losses_[~selected],
                   color="tab:red", marker="x", label="not transferable", zorder=3)
        ax.axhline(self.target_loss_, color="0.4", linestyle=":",
                   label="target-only loss")
        ax.axhline(self.threshold_, color="k", linestyle="--", label="threshold")
        ax.set_xticks(positions, [str(k) for k in self.sources_])
        ax.set_xlabel("source")
        ax.set_ylabel("validation loss")
        ax.legend(frameon=False, fontsize="small")
        return ax

    def _decision(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc"],
                          dtype=[np.float64, np.float32])
        return _linear_predictor(X, self.coef_, self.intercept_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class _Data:
    def __init__(self, X, y, weights, domain, target):
        self.X, self.y, self.weights = X, y, weights
        self.domain, self.target = domain, target


def _linear_predictor(X, coef, intercept):
    return np.asarray(X @ coef).ravel() + intercept


def _detection_folds(y, n_folds, family, rng):
    """Held-out index sets of the detection split, balanced in ``y``.

    glmtrans uses ``caret::createFolds``: stratified by class for binary
    ``y`` and by quantile groups of ``y`` otherwise; the same is done here
    with :class:`~sklearn.model_selection.StratifiedKFold`.
    """
    seed = rng.randint(np.iinfo(np.int32).max)
    if family == "binomial":
        strata = y
    else:
        n_groups = max(min(5, y.size // n_folds), 1)
        edges = np.quantile(y, np.linspace(0, 1, n_groups + 1)[1:-1])
        strata = np.searchsorted(edges, y, side="right")
    _, counts = np.unique(strata, return_counts=True)
    if counts.min() >= n_folds:
        splitter = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
        splits = splitter.split(np.zeros(y.size), strata)
    else:
        splits = KFold(n_folds, shuffle=True, random_state=seed).split(y)
    return [test for _, test in splits]


_COMMON_PARAMS = """
    transfer_sources : "auto", "all", list of int or None, default="auto"
        Sources used in the transferring step: ``"auto"`` runs the
        transferable-source detection; ``"all"`` pools every source
        (Pooled-Trans-GLM); a list of source labels (values ``> 0`` of
        ``sample_domain``) is the oracle estimator with that set; ``None``
        fits the target alone.
    l1_ratio : float in (0, 1], default=1.0
        Elastic-net mix of the transferring step (glmnet's ``alpha``).
    standardize : bool, default=True
        Penalise ``sd_j |β_j|`` in the transferring step (glmnet's
        ``standardize=TRUE``; coefficients stay on the original scale). The
        debiasing step is always standardised, as in glmtrans.
    fit_intercept : bool, default=True
        Fit unpenalised intercepts in both steps (they are added).
    lambda_transfer, lambda_debias, lambda_detection : {"lambda_min", \
"lambda_1se"} or float, default="lambda_1se", "lambda_min", "lambda_1se"
        Penalty level of each step: chosen by ``cv``-fold cross-validation
        (the minimiser of the mean held-out deviance, or the largest level
        within one standard error of it), or fixed.
    cv : int, default=10
        Folds of each cross-validation.
    detection_folds : int, default=3
        Folds of the target split of the detection.
    C0 : float, default=2.0
        Detection threshold ``L̂_0 + C0·max(σ̂, 0.01)``.
    n_alphas : int, default=100
        Levels on each penalty grid (geometric, from the smallest level with
        an all-zero fit).
    alpha_min_ratio : float, default=None
        Last level over the first; 0.01 if ``n < p`` else 1e-4 (glmnet).
    cv_patience : int or None, default=5
        Early stopping of each cross-validation: the folds stop descending
        the grid (checked every 5 levels) once the mean held-out loss has
        not reached a new minimum for this many levels; for a unimodal
        curve neither ``lambda_min`` nor ``lambda_1se`` can change past that
        point (on the Tian–Feng designs, p = 300, the choice equalled the
        full grid's in 119 of 120 cross-validations, with 5 as with 10).
        ``None`` evaluates the whole grid, as ``cv.glmnet`` does.
    tol : float, default=1e-4
        Relative KKT tolerance of each final fit
        (:class:`~sktransfer.solvers.ProxNewton`); the cross-validation fits
        that choose ``λ`` stop at ``10·tol``.
    max_iter : int, default=50
        Newton steps per working set.
    n_jobs : int, default=None
        Threads for the detection fits and for the folds of the final
        cross-validations (the solver releases the GIL; ``-1`` uses all
        cores).
    random_state : int, RandomState instance or None, default=None
        Seed of the detection split and the cross-validation folds.
"""

_COMMON_ATTRIBUTES = """
    coef_ : ndarray of shape (n_features,)
        ``β̂ = ŵ + δ̂``.
    intercept_ : float
        Sum of the two steps' intercepts.
    coef_pooled_ : ndarray of shape (n_features,)
        ``ŵ``, the transferring step (zeros when no source is used).
    intercept_pooled_ : float
        Its intercept.
    delta_ : ndarray of shape (n_features,)
        ``δ̂``, the debiasing step (the target-only fit when no source is used).
    intercept_delta_ : float
        Its intercept.
    selected_sources_ : ndarray
        Labels of the sources used in the transferring step.
    sources_ : ndarray
        Labels of all sources present in the data.
    source_losses_ : ndarray of shape (n_sources,) or None
        Detection: mean validation loss of each source's pooled fit
        (``"auto"`` only).
    target_loss_ : float or None
        Detection: mean validation loss of the target-only fit.
    target_loss_sd_ : float or None
        Its standard deviation over the detection folds.
    threshold_ : float or None
        Detection threshold ``target_loss_ + C0·max(target_loss_sd_, 0.01)``.
    lambda_ : dict
        Penalty level of each step: ``{"transfer": float or None,
        "debias": float}``.
    n_iter_ : int
        Newton steps of the two final fits along their paths (at least 1).
    n_features_in_ : int
        Number of features seen during ``fit``.
"""

_REFERENCES = """
    References
    ----------
    .. [1] Y. Tian and Y. Feng. Transfer learning under high-dimensional
       generalized linear models. JASA 118(544), 2023. R package glmtrans.
"""

_ALGORITHM = r"""
    With a set ``A`` of sources the estimator runs two penalised GLM fits
    (the loss is ``(1/n) Σ w_i [ψ(η_i) - y_i η_i]``, ``ψ`` the cumulant):

    .. math::

        \hat w = \arg\min_w \frac{1}{n_A + n_0} \sum_{k \in \{0\} \cup A}
            n_k L_k(w) + \lambda_w P(w), \qquad
        \hat\delta = \arg\min_\delta L_0(\hat w + \delta)
            + \lambda_\delta \|\delta\|_1,

    the second on the target with ``X ŵ + ŵ_0`` as offset, and returns
    ``β̂ = ŵ + δ̂``. With ``transfer_sources="auto"``, ``A`` is detected:
    the target is split into ``detection_folds`` folds; on each, the
    transferring step is fitted on the rest of the target with each source
    alone, and a target-only fit is made; a source is kept when its mean
    validation loss is at most ``L̂_0 + C0·max(σ̂, 0.01)``, with ``L̂_0``
    the target-only mean loss and ``σ̂`` its standard deviation over the
    folds.
"""


class TransGLMRegressor(RegressorMixin, _BaseTransGLM):
    __doc__ = (
        """Trans-GLM for a Gaussian or Poisson response (Tian & Feng, 2023).
"""
        + _ALGORITHM
        + """
    Parameters
    ----------
    family : {"gaussian", "poisson"}, default="gaussian"
        Response distribution (canonical link: identity, log)."""
        + _COMMON_PARAMS
        + """
    Attributes
    ----------"""
        + _COMMON_ATTRIBUTES
        + _REFERENCES
        + """
    Examples
    --------
    >>> from sktransfer.datasets import make_glm_transfer
    >>> from sktransfer.linear_model import TransGLMRegressor
    >>> data = make_glm_transfer("gaussian", n_features=50, random_state=0)
    >>> model = TransGLMRegressor(random_state=0).fit(
    ...     data.X, data.y, sample_domain=data.sample_domain)
    >>> model.coef_.shape
    (50,)
"""
    )

    _parameter_constraints: dict = {
        **_BaseTransGLM._parameter_constraints,
        "family": [StrOptions({"gaussian", "poisson"})],
    }

    def __init__(self, family="gaussian", transfer_sources="auto", l1_ratio=1.0,
                 standardize=True, fit_intercept=True, lambda_transfer="lambda_1se",
                 lambda_debias="lambda_min", lambda_detection="lambda_1se", cv=10,
                 detection_folds=3, C0=2.0, n_alphas=100, alpha_min_ratio=None,
                 cv_patience=5, tol=1e-4, max_iter=50, n_jobs=None,
                 random_state=None):
        super().__init__(
            transfer_sources=transfer_sources, l1_ratio=l1_ratio,
            standardize=standardize, fit_intercept=fit_intercept,
            lambda_transfer=lambda_transfer, lambda_debias=lambda_debias,
            lambda_detection=lambda_detection, cv=cv,
            detection_folds=detection_folds, C0=C0, n_alphas=n_alphas,
            alpha_min_ratio=alpha_min_ratio, cv_patience=cv_patience, tol=tol,
            max_iter=max_iter, n_jobs=n_jobs, random_state=random_state,
        )
        self.family = family

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, sample_domain=None):
        """Fit Trans-GLM.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Stacked target and source rows.
        y : array-like of shape (n_samples,)
            Response (non-negative counts for ``family="poisson"``).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights.
        sample_domain : array-like of shape (n_samples,), default=None
            ``< 0`` target rows, ``k > 0`` rows of source ``k``; ``None``
            means target rows only.

        Returns
        -------
        self : TransGLMRegressor
        """
        self._family = self.family  # validated by _parameter_constraints
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             dtype=[np.float64, np.float32], y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        if self._family == "poisson" and np.any(y < 0):
            raise ValueError("y must be non-negative counts for family='poisson'.")
        weights = check_sample_weight(sample_weight, X)
        return self._fit(X, y, weights, sample_domain)

    def predict(self, X):
        """Predicted mean: ``η`` (gaussian) or ``exp(η)`` (poisson).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        eta = self._decision(X)
        return np.exp(eta) if self._family == "poisson" else eta

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.family == "poisson"
        return tags


class TransGLMClassifier(ClassifierMixin, _BaseTransGLM):
    __doc__ = (
        """Trans-GLM for a binary response: logistic regression (Tian & Feng, 2023).
"""
        + _ALGORITHM
        + """
    Parameters
    ----------"""
        + _COMMON_PARAMS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two class labels; the second is the positive class."""
        + _COMMON_ATTRIBUTES
        + _REFERENCES
        + """
    Examples
    --------
    >>> from sktransfer.datasets import make_glm_transfer
    >>> from sktransfer.linear_model import TransGLMClassifier
    >>> data = make_glm_transfer("binomial", n_features=50, random_state=0)
    >>> model = TransGLMClassifier(random_state=0).fit(
    ...     data.X, data.y, sample_domain=data.sample_domain)
    >>> model.predict_proba(data.X[:2]).shape
    (2, 2)
"""
    )

    _family = "binomial"

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, sample_domain=None):
        """Fit Trans-GLM with the logistic loss.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Stacked target and source rows.
        y : array-like of shape (n_samples,)
            Binary labels (any two values).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights.
        sample_domain : array-like of shape (n_samples,), default=None
            ``< 0`` target rows, ``k > 0`` rows of source ``k``; ``None``
            means target rows only.

        Returns
        -------
        self : TransGLMClassifier
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             dtype=[np.float64, np.float32])
        kind = type_of_target(y, input_name="y", raise_unknown=True)
        if kind != "binary" and np.unique(y).size > 2:
            raise ValueError(
                "Only binary classification is supported. The type of the "
                f"target is {kind}."
            )
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        weights = check_sample_weight(sample_weight, X)
        present = y if weights is None else y[weights > 0]
        if np.unique(present).size < 2:
            raise ValueError(
                "TransGLMClassifier needs 2 classes in y (with positive "
                "weight), got 1 class."
            )
        y = encoder.transform(y).astype(np.float64)
        return self._fit(X, y, weights, sample_domain)

    def decision_function(self, X):
        """Linear predictor ``η = X β̂ + β̂_0`` (log-odds of ``classes_[1]``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        return self._decision(X)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, 2)
        """
        eta = self._decision(X)
        positive = 0.5 * (1.0 + np.tanh(0.5 * eta))
        return np.column_stack([1.0 - positive, positive])

    def predict(self, X):
        """Class labels (``classes_[1]`` where ``η > 0``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        positive = self._decision(X) > 0
        return self.classes_[positive.astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags
