"""Proximal Newton (IRLS) for canonical-link GLM datafits."""

import copy

import numpy as np

from ..datafits import Quadratic
from ._working_set_cd import SolverResult, WorkingSetCD


class ProxNewton:
    r"""Proximal Newton solver for ``F(β_0, β) + g(β)`` with a GLM loss.

    Each outer iteration replaces the loss by its second-order expansion in
    the linear predictor ``η``,

    .. math::

        F(η) ≈ F(η_k) + \nabla F(η_k)^\top (η - η_k)
            + \tfrac12 (η - η_k)^\top H_k (η - η_k),
        \qquad H_k = \operatorname{diag}(\psi''(η_k)) w / n,

    which is a weighted least-squares problem with working response
    ``z = η_k - offset - H_k^{-1} \nabla F(η_k)``. That subproblem is solved
    by :class:`WorkingSetCD` (the intercept is profiled out exactly as for the
    quadratic datafit) and the step to its solution is damped by a
    backtracking line search on the true objective (the glmnet/IRLS scheme
    with the safeguards of Lee, Sun & Saunders, 2014).

    The stopping rule is scale-free: the largest KKT violation (including the
    intercept's gradient) divided by the sup-norm of the loss gradient at the
    intercept-only model.

    Parameters
    ----------
    max_iter : int, default=50
        Maximum number of Newton steps.
    tol : float, default=1e-4
        Tolerance on the relative KKT violation.
    max_backtrack : int, default=30
        Maximum halvings of the step in the line search.
    """

    def __init__(self, max_iter=50, tol=1e-4, max_backtrack=30):
        self.max_iter = max_iter
        self.tol = tol
        self.max_backtrack = max_backtrack

    def solve(self, X, y, datafit, penalty, coef_init=None, intercept_init=None):
        """Minimise ``datafit + penalty`` on ``(X, y)``.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        datafit : Logistic or Poisson
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
        datafit.initialize(X, y)
        n_features = X.shape[1]
        fit_intercept = datafit.fit_intercept
        coef = (np.zeros(n_features) if coef_init is None
                else np.array(coef_init, dtype=np.float64))
        null_intercept = datafit.null_intercept() if fit_intercept else 0.0
        if intercept_init is not None and fit_intercept:
            intercept = float(intercept_init)
        else:
            intercept = null_intercept
        null_eta = datafit.linear_predictor(np.zeros(n_features), null_intercept)
        scale = np.abs(datafit.gradient(null_eta)).max(initial=0.0)
        scale = scale if scale > 0 else 1.0

        eta = datafit.linear_predictor(coef, intercept)
        objective = datafit.value(eta) + penalty.value(coef)
        crit = np.inf
        kkt_max = np.inf
        inner = WorkingSetCD(tol=1e-4)
        for it in range(1, self.max_iter + 1):
            raw_grad = datafit.raw_gradient(eta)
            grad = np.asarray(X.T @ raw_grad).ravel()
            kkt = penalty.subdiff_distance(coef, grad)
            kkt_max = kkt.max(initial=0.0)
            intercept_violation = abs(raw_grad.sum()) if fit_intercept else 0.0
            crit = max(kkt_max, intercept_violation) / scale
            if crit <= self.tol:
                return self._result(coef, intercept, it, crit, kkt_max, True)
            hess = np.maximum(datafit.raw_hessian(eta), 1e-12 * datafit.weights
                              / datafit.n_samples)
            total = hess.sum()
            working = eta - datafit.offset_ - raw_grad / hess
            quad = Quadratic(sample_weight=hess, fit_intercept=fit_intercept)
            quad.initialize(X, working)
            # Quadratic rescales its weights to sum to n: (1/2n) Σ ω (·)^2 with
            # ω = n h / Σh equals (1/(2Σh)) Σ h (·)^2, so the penalty is
            # divided by Σh to keep the subproblem's minimiser.
            sub_penalty = copy.copy(penalty)
            sub_penalty.alpha = float(penalty.alpha) / total
            # The subproblem's relative gap is measured against its own
            # objective, which a warm start makes large compared with the
            # step still to take: ask for a gap of the order of crit^2.
            inner.tol = float(np.clip(1e-2 * crit**2, 1e-14, 1e-6))
            sub = inner.solve_initialized(quad, sub_penalty, coef_init=coef)
            direction = sub.coef - coef
            d_intercept = (sub.intercept - intercept) if fit_intercept else 0.0
            if not np.any(direction) and d_intercept == 0.0:
                break  # the model step vanished: rounding limits any progress
            d_eta = datafit.linear_predictor(direction, d_intercept) - datafit.offset_
            # Armijo condition with the model decrease of the proximal step.
            decrease = (raw_grad @ d_eta + penalty.value(sub.coef)
                        - penalty.value(coef))
            step = 1.0
            for _ in range(self.max_backtrack):
                new_coef = coef + step * direction
                new_eta = eta + step * d_eta
                new_objective = datafit.value(new_eta) + penalty.value(new_coef)
                if new_objective <= objective + 1e-4 * step * min(decrease, 0.0):
                    break
                step *= 0.5
            else:
                break
            coef, intercept, eta = new_coef, intercept + step * d_intercept, new_eta
            objective = new_objective
        return self._result(coef, intercept, self.max_iter, crit, kkt_max,
                            crit <= self.tol)

    @staticmethod
    def _result(coef, intercept, n_iter, crit, kkt_max, converged):
        return SolverResult(
            coef=coef,
            intercept=float(intercept),
            n_iter=n_iter,
            n_epochs=0,
            stop_crit=float(crit),
            duality_gap=float("nan"),
            kkt_violation=float(kkt_max),
            converged=bool(converged),
        )
