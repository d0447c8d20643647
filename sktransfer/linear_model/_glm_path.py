"""Elastic-net GLM paths and glmnet-style cross-validation of the penalty.

The building blocks of Trans-GLM (Tian & Feng, 2023): a penalised GLM fit
on a geometric grid of penalty levels, K-fold cross-validation of that grid
with ``lambda_min`` / ``lambda_1se`` (Friedman, Hastie & Tibshirani, 2010;
``cv.glmnet``), and the validation losses of the transferable-source
detection.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln

from ..datafits import Gaussian, Logistic, Poisson
from ..penalties import ElasticNet
from ..solvers import ProxNewton

FAMILIES = {"gaussian": Gaussian, "binomial": Logistic, "poisson": Poisson}

def column_scales(X, sample_weight=None):
    """Weighted population standard deviation of each column (divisor ``Σw``).

    glmnet's ``standardize=TRUE`` penalises ``sd_j |β_j|``; constant columns
    get scale 1 (their coefficient stays 0 when an intercept is fitted).
    """
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    w = w / w.sum()
    if sp.issparse(X):
        mean = np.asarray(X.T @ w).ravel()
        second = np.asarray(X.multiply(X).T @ w).ravel()
    else:
        mean = X.T @ w
        second = (X * X).T @ w
    var = np.maximum(second - mean**2, 0.0)
    scales = np.sqrt(var)
    scales[scales <= 1e-12 * max(1.0, float(np.sqrt(second.max(initial=0.0))))] = 1.0
    return scales


def validation_loss(family, y, eta, sample_weight=None):
    """Mean held-out loss of the Trans-GLM source detection (glmtrans v2.1).

    Gaussian ``mean (y - η)^2``; binomial ``mean[log(1 + e^η) - yη]``;
    Poisson ``mean[e^η - yη + log y!]`` (Tian & Feng, 2023, Algorithm 2;
    the constants matter only through the 0.01 floor of the threshold).
    """
    y = np.asarray(y, dtype=np.float64)
    if family == "gaussian":
        loss = (y - eta) ** 2
    elif family == "binomial":
        loss = np.logaddexp(0.0, eta) - y * eta
    else:
        loss = np.exp(np.minimum(eta, 700.0)) - y * eta + gammaln(y + 1.0)
    return float(np.average(loss, weights=sample_weight))


def _deviance_half(family, y, eta, weights):
    """Weighted mean over rows of ``ψ(η) - yη`` minus its saturated value.

    Half the mean unit deviance; ``eta`` may hold one column per level, and
    a vector of one value per column is returned.
    """
    y = y[:, None]
    if family == "gaussian":
        loss = 0.5 * (eta - y) ** 2
    elif family == "binomial":
        loss = np.logaddexp(0.0, eta) - y * eta
    else:
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
        loss = np.exp(np.minimum(eta, 700.0)) - y * eta - (y - ylogy)
    if weights is None:
        return loss.mean(axis=0)
    return weights @ loss / weights.sum()


@dataclass(frozen=True)
class GLMCrossValidation:
    """Outcome of :func:`cross_validate_glm`.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        The grid, decreasing.
    cv_mean : ndarray of shape (n_alphas,)
        Mean held-out deviance (halved) per level; ``inf`` past the point
        where the path was stopped.
    cv_se : ndarray of shape (n_alphas,)
        Its standard error across folds.
    index_min, index_1se : int
        Positions of ``lambda_min`` (lowest mean) and ``lambda_1se`` (largest
        level whose mean is within one standard error of the minimum).
    n_evaluated : int
        Number of levels evaluated on every fold.
    """

    alphas: np.ndarray
    cv_mean: np.ndarray
    cv_se: np.ndarray
    index_min: int
    index_1se: int
    n_evaluated: int

    def index(self, rule):
        """Position in ``alphas`` of ``"lambda_min"`` or ``"lambda_1se"``."""
        return self.index_min if rule == "lambda_min" else self.index_1se


class GLMProblem:
    """A penalised GLM on fixed data: the datafit, penalty and solver.

    Parameters
    ----------
    family : {"gaussian", "binomial", "poisson"}
    l1_ratio : float
        Elastic-net mix (1 is the Lasso).
    standardize : bool
        Penalise ``sd_j |β_j|`` (glmnet's ``standardize=TRUE``).
    fit_intercept : bool
    tol : float
        Relative KKT tolerance of :class:`~sktransfer.solvers.ProxNewton`.
    max_iter : int
        Newton steps per working set.
    """

    def __init__(self, family, *, l1_ratio=1.0, standardize=True,
                 fit_intercept=True, tol=1e-4, max_iter=50):
        self.family = family
        self.l1_ratio = l1_ratio
        self.standardize = standardize
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter

    def prepare(self, X, y, sample_weight=None, offset=None, tol=None):
        """The solver's prepared problem for ``(X, y)`` (``tol`` overrides)."""
        scales = column_scales(X, sample_weight) if self.standardize else None
        datafit = FAMILIES[self.family](sample_weight=sample_weight, offset=offset,
                                        fit_intercept=self.fit_intercept)
        penalty = ElasticNet(1.0, self.l1_ratio, weights=scales)
        solver = ProxNewton(max_iter=self.max_iter,
                            tol=self.tol if tol is None else tol)
        return solver.prepare(X, y, datafit, penalty)

    def alpha_max(self, problem):
        """Smallest level with an all-zero solution (glmnet divides by the mix)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.abs(problem.null_gradient) / problem.a
        ratio = ratio[np.isfinite(ratio)]
        top = float(ratio.max(initial=0.0))
        return top if top > 0 else 1.0

    def grid(self, problem, n_alphas, alpha_min_ratio):
        top = self.alpha_max(problem)
        return np.geomspace(top, top * alpha_min_ratio, n_alphas)


def default_alpha_min_ratio(n_samples, n_features):
    """glmnet's ``lambda.min.ratio``: 0.01 if ``n < p`` else 1e-4."""
    return 0.01 if n_samples < n_features else 1e-4


def cross_validate_glm(glm, X, y, folds, alphas, *, sample_weight=None,
                       offset=None, patience=5, chunk=5, tol=None,
                       executor=None):
    """K-fold cross-validation of a penalised GLM along ``alphas``.

    Every fold solves the path on its training rows with warm starts, and
    the held-out half-deviance is recorded per level. The folds move along
    the grid together, ``chunk`` levels at a time; with ``patience`` set,
    they stop once the mean held-out loss has not reached a new minimum for
    ``patience`` consecutive levels (early stopping: for a unimodal curve
    neither ``lambda_min`` nor ``lambda_1se``, which lies above it, can move
    past that point). ``patience=None`` evaluates the whole grid as
    ``cv.glmnet`` does.

    Parameters
    ----------
    glm : GLMProblem
    X, y : data (validated)
    folds : list of (train, test) index arrays
    alphas : ndarray, decreasing
    sample_weight, offset : ndarray or None
    patience : int or None
    chunk : int
    tol : float, default=None
        Tolerance of the fold fits (``glm.tol`` by default).
    executor : concurrent.futures.Executor, default=None
        Runs the folds of each chunk concurrently (the kernel releases the
        GIL); sequential without one.

    Returns
    -------
    GLMCrossValidation
    """
    n_alphas = alphas.shape[0]
    n_folds = len(folds)
    losses = np.full((n_folds, n_alphas), np.inf)
    fold_weights = np.empty(n_folds)
    problems, held_out = [], []
    for f, (train, test) in enumerate(folds):
        w_train = None if sample_weight is None else sample_weight[train]
        o_train = None if offset is None else offset[train]
        problems.append(glm.prepare(X[train], y[train], w_train, o_train, tol))
        w_test = None if sample_weight is None else sample_weight[test]
        base = 0.0 if offset is None else offset[test][:, None]
        held_out.append((X[test], y[test], w_test, base))
        fold_weights[f] = len(test) if w_test is None else w_test.sum()
    n_done = 0
    while n_done < n_alphas:
        stop = min(n_done + chunk, n_alphas)
        levels = alphas[n_done:stop]
        if executor is None:
            paths = [problem.run(levels) for problem in problems]
        else:
            paths = list(executor.map(lambda problem: problem.run(levels), problems))
        for f, (X_test, y_test, w_test, base) in enumerate(held_out):
            path = paths[f]
            etas = np.asarray(X_test @ path.coefs.T) + path.intercepts + base
            losses[f, n_done:stop] = _deviance_half(glm.family, y_test, etas,
                                                    w_test)
        n_done = stop
        mean, se = _cv_moments(losses[:, :n_done], fold_weights)
        if patience is not None and int(np.argmin(mean)) < n_done - patience:
            break
    best = int(np.argmin(mean))
    within = np.flatnonzero(mean[: best + 1] <= mean[best] + se[best])
    cv_mean = np.full(n_alphas, np.inf)
    cv_se = np.full(n_alphas, np.inf)
    cv_mean[:n_done] = mean
    cv_se[:n_done] = se
    return GLMCrossValidation(alphas=alphas, cv_mean=cv_mean, cv_se=cv_se,
                              index_min=best, index_1se=int(within[0]),
                              n_evaluated=n_done)


def _cv_moments(losses, fold_weights):
    """cv.glmnet's weighted mean over folds and its standard error."""
    w = fold_weights / fold_weights.sum()
    mean = w @ losses
    n_folds = losses.shape[0]
    var = w @ (losses - mean) ** 2
    se = np.sqrt(var / max(n_folds - 1, 1))
    return mean, se
