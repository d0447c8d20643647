"""Proximal Newton (IRLS) with coordinate descent for canonical-link GLMs."""

import copy
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .._kernels._glm_cd import glm_path
from ._working_set_cd import SolverResult


@dataclass(frozen=True)
class PathResult:
    """Solutions along a sequence of penalty levels.

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
        Penalty levels, decreasing.
    coefs : ndarray of shape (n_alphas, n_features)
        Coefficients at each level.
    intercepts : ndarray of shape (n_alphas,)
        Intercepts at each level.
    n_iter : ndarray of shape (n_alphas,)
        Newton steps taken at each level.
    stop_crit : ndarray of shape (n_alphas,)
        Relative KKT violation reached at each level.
    n_solved : int
        Levels actually solved; later ones repeat the last solution (the
        path stopped on the explained-deviance rule).
    converged : bool
        Whether every solved level reached the tolerance.
    """

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    n_iter: np.ndarray
    stop_crit: np.ndarray
    n_solved: int
    converged: bool


class ProxNewton:
    r"""Proximal Newton solver for ``F(β_0, β) + g(β)`` with a GLM loss.

    Each outer iteration replaces the loss by its second-order expansion in
    the linear predictor ``η``,

    .. math::

        F(η) ≈ F(η_k) + \nabla F(η_k)^\top (η - η_k)
            + \tfrac12 (η - η_k)^\top H_k (η - η_k),
        \qquad H_k = \operatorname{diag}(\psi''(η_k)) w / n,

    a weighted least-squares problem solved by cyclic coordinate descent on
    a working set, with the intercept as an unpenalised coordinate; the
    step is damped by backtracking on the true objective (the glmnet/IRLS
    scheme of Friedman, Hastie & Tibshirani, 2010, with the safeguard of
    Lee, Sun & Saunders, 2014). Working sets combine the non-zero
    coordinates, the sequential strong rule (Tibshirani et al., 2012) along
    a path, and KKT violators; everything runs in one Numba kernel
    (:func:`sktransfer._kernels._glm_cd.glm_path`).

    The stopping rule is scale-free: the largest KKT violation (including the
    intercept's gradient) divided by the sup-norm of the loss gradient at the
    intercept-only model.

    Parameters
    ----------
    max_iter : int, default=50
        Maximum number of Newton steps per working set.
    tol : float, default=1e-4
        Tolerance on the relative KKT violation.
    max_epochs : int, default=10000
        Maximum coordinate-descent epochs per Newton step.
    """

    def __init__(self, max_iter=50, tol=1e-4, max_epochs=10_000):
        self.max_iter = max_iter
        self.tol = tol
        self.max_epochs = max_epochs

    def solve(self, X, y, datafit, penalty, coef_init=None, intercept_init=None):
        """Minimise ``datafit + penalty`` on ``(X, y)``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        datafit : Gaussian, Logistic or Poisson
            A GLM datafit (initialised here).
        penalty : object
            A two-kink penalty (:mod:`sktransfer.penalties`).
        coef_init : ndarray of shape (n_features,), default=None
            Warm start (zeros by default).
        intercept_init : float, default=None
            Warm start of the intercept (the intercept-only fit by default).

        Returns
        -------
        SolverResult
            ``stop_crit`` is the relative KKT violation; ``duality_gap`` is
            NaN (no dual point is computed for GLM losses).
        """
        problem = self.prepare(X, y, datafit, penalty, coef_init=coef_init,
                               intercept_init=intercept_init)
        path = problem.run([float(penalty.alpha)])
        crit = float(path.stop_crit[0])
        return SolverResult(
            coef=path.coefs[0],
            intercept=float(path.intercepts[0]),
            n_iter=int(path.n_iter[0]),
            n_epochs=0,
            stop_crit=crit,
            duality_gap=float("nan"),
            kkt_violation=crit * problem.scale,
            converged=bool(crit <= self.tol),
        )

    def path(self, X, y, datafit, penalty, alphas, coef_init=None,
             intercept_init=None, dev_ratio_stop=None):
        """Solve along decreasing ``alphas`` with warm starts.

        Parameters
        ----------
        X, y, datafit, coef_init, intercept_init
            As in :meth:`solve`.
        penalty : object
            A two-kink penalty; its ``alpha`` is replaced by each of
            ``alphas`` in turn.
        alphas : array-like of shape (n_alphas,)
            Penalty levels, in decreasing order.
        dev_ratio_stop : float, default=None
            Stop the path once the fraction of the null deviance explained
            reaches this value (glmnet uses 0.999); ``None`` solves every level.

        Returns
        -------
        PathResult
        """
        problem = self.prepare(X, y, datafit, penalty, coef_init=coef_init,
                               intercept_init=intercept_init)
        return problem.run(alphas, dev_ratio_stop=dev_ratio_stop)

    def prepare(self, X, y, datafit, penalty, coef_init=None, intercept_init=None):
        """Set up a problem whose path can be solved in pieces.

        Returns a :class:`GLMPathProblem`; each call of its ``run`` continues
        from the solution of the previous one (warm start), so a path can
        be stopped early by the caller, e.g. on a cross-validation rule.
        """
        return GLMPathProblem(self, X, y, datafit, penalty, coef_init,
                              intercept_init)


class GLMPathProblem:
    """A GLM problem prepared for :func:`~sktransfer._kernels._glm_cd.glm_path`.

    Created by :meth:`ProxNewton.prepare`; holds the kernel's arrays and the
    current (warm-start) solution.
    """

    def __init__(self, solver, X, y, datafit, penalty, coef_init, intercept_init):
        datafit.initialize(X, y)
        n_samples, n_features = X.shape
        unit_penalty = copy.copy(penalty)
        unit_penalty.alpha = 1.0
        self.a, self.b, self.c, self.l2 = (
            np.ascontiguousarray(v, dtype=np.float64)
            for v in unit_penalty.coefficients(n_features))
        self.solver = solver
        self.datafit = datafit
        self.fit_intercept = bool(datafit.fit_intercept)
        null_intercept = datafit.null_intercept() if self.fit_intercept else 0.0
        null_eta = datafit.linear_predictor(np.zeros(n_features), null_intercept)
        self.null_gradient = datafit.gradient(null_eta)
        scale = float(np.abs(self.null_gradient).max(initial=0.0))
        self.scale = scale if scale > 0 else 1.0
        self.loss_null = datafit.value(null_eta)
        self.loss_saturated = datafit.saturated_value()
        self.coef = (np.zeros(n_features) if coef_init is None
                     else np.array(coef_init, dtype=np.float64))
        if intercept_init is not None and self.fit_intercept:
            self.intercept = float(intercept_init)
        else:
            self.intercept = null_intercept
        self.omega = datafit.weights / n_samples
        self.design = _kernel_design(X)
        # Linear predictor, gradients and column norms at the current
        # solution, kept between calls of run (filled by the kernel on the
        # first one; see glm_path).
        self._row_state = np.empty((2, n_samples))
        self._col_state = np.empty((3, n_features))
        self._state_ready = False
        self._last_alpha = float("nan")

    def run(self, alphas, dev_ratio_stop=None):
        """Solve along ``alphas`` (decreasing), starting from the last solution.

        Returns
        -------
        PathResult
        """
        alphas = np.asarray(alphas, dtype=np.float64)
        n_alphas = alphas.shape[0]
        n_features = self.coef.shape[0]
        coefs = np.empty((n_alphas, n_features))
        intercepts = np.empty(n_alphas)
        n_iter = np.zeros(n_alphas, dtype=np.int64)
        crit = np.empty(n_alphas)
        stop = 2.0 if dev_ratio_stop is None else float(dev_ratio_stop)
        solver = self.solver
        dense, data, indices, indptr, is_sparse = self.design
        n_solved = glm_path(
            dense, data, indices, indptr, is_sparse, self.datafit.y, self.omega,
            self.datafit.offset_, int(self.datafit.family_code), alphas, self.a,
            self.b, self.c, self.l2, self.fit_intercept, self.coef,
            self.intercept, self._row_state, self._col_state, self._state_ready,
            self._last_alpha,
            float(solver.tol), self.scale, int(solver.max_iter),
            int(solver.max_epochs), 100, self.loss_null, self.loss_saturated,
            stop, coefs, intercepts, n_iter, crit,
        )
        if n_solved:
            self.intercept = float(intercepts[n_solved - 1])
            self._state_ready = True
            self._last_alpha = float(alphas[n_solved - 1])
        return PathResult(
            alphas=alphas, coefs=coefs, intercepts=intercepts, n_iter=n_iter,
            stop_crit=crit, n_solved=int(n_solved),
            converged=bool(np.all(crit[:n_solved] <= solver.tol)),
        )


_EMPTY_DENSE = np.zeros((2, 2), order="F")
_EMPTY_INDEX = np.zeros(1, dtype=np.int32)


def _kernel_design(X):
    """Arguments ``(X, data, indices, indptr, sparse)`` of the GLM kernel."""
    if sp.issparse(X):
        X = X.tocsc()
        X.sort_indices()
        return (_EMPTY_DENSE, np.asarray(X.data, dtype=np.float64),
                X.indices.astype(np.int32, copy=False),
                X.indptr.astype(np.int32, copy=False), True)
    return (np.asfortranarray(X, dtype=np.float64), np.zeros(0), _EMPTY_INDEX,
            _EMPTY_INDEX, False)
