"""Duality gap and KKT violation: the solver's scale-free stopping rule."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Optimality:
    """Optimality measures at a point.

    Attributes
    ----------
    primal : float
        Primal objective ``P(β) = F(β) + g(β)``.
    dual : float
        Dual objective ``D(θ)`` at the rescaled residual (``-inf`` when no
        feasible rescaling exists, e.g. an unpenalised coordinate).
    gap : float
        ``P - D`` (non-negative up to rounding).
    relative_gap : float
        ``(P - D) / P``: invariant to rescaling ``y`` (and ``β̃``).
    kkt : ndarray of shape (n_features,)
        Per-coordinate subdifferential distances (KKT violations).
    """

    primal: float
    dual: float
    gap: float
    relative_gap: float
    kkt: np.ndarray


def optimality(datafit, penalty, coef, state=None, grad=None):
    r"""Primal, dual, duality gap and KKT violations at ``coef``.

    For the quadratic datafit and a two-kink penalty
    ``g_j(t) = a_j|t| + b_j|t - c_j|`` the Fenchel dual is

    .. math::

        D(\theta) = \theta^\top \tilde y - \frac n2 \|\theta\|^2
            - \sum_j g_j^*(\tilde x_j^\top \theta),
        \qquad g_j^*(s) = \max(-b_j|c_j|,\; c_j s - a_j |c_j|)
        \text{ for } |s| \le a_j + b_j,

    evaluated at ``θ = r̃ / (n·s)`` with the smallest ``s >= 1`` making it
    feasible (at the optimum ``s = 1`` and the gap is zero).

    Parameters
    ----------
    datafit : Quadratic
        An initialised datafit.
    penalty : object
        A two-kink penalty (:mod:`sktransfer.penalties`).
    coef : ndarray of shape (n_features,)
        The point.
    state, grad : optional
        The residual state and loss gradient at ``coef`` when already known.

    Returns
    -------
    Optimality
    """
    coef = np.asarray(coef, dtype=np.float64)
    if state is None:
        state = datafit.init_state(coef)
    if grad is None:
        grad = datafit.gradient(state)
    a, b, c, l2 = penalty.coefficients(coef.shape[0])
    kkt = penalty.subdiff_distance(coef, grad)
    primal = datafit.value(state) + float(
        a @ np.abs(coef) + b @ np.abs(coef - c) + 0.5 * l2 @ coef**2
    )
    bound = a + b
    abs_grad = np.abs(grad)
    penalised = bound > 0
    dual = -np.inf
    if not np.any(l2 > 0) and not np.any(abs_grad[~penalised] > 0):
        ratio = abs_grad[penalised] / bound[penalised]
        scale = max(1.0, float(ratio.max())) if ratio.size else 1.0
        s = -grad / scale
        s = np.clip(s, -bound, bound)  # guard the last ulp of the rescaling
        conj = float(np.sum(np.maximum(-b * np.abs(c), c * s - a * np.abs(c))))
        dual = datafit.dual_value(state, scale) - conj
    gap = max(primal - dual, 0.0)
    relative_gap = gap / primal if primal > 0 else (0.0 if gap == 0 else np.inf)
    return Optimality(primal, dual, gap, relative_gap, kkt)


def duality_gap(X, y, coef, penalty, sample_weight=None, fit_intercept=True):
    """Relative duality gap ``(P - D)/P`` of ``coef`` on ``(X, y)``.

    The same measure the solver stops on, computed from raw data so that a
    benchmark can score any solver's output identically. With
    ``fit_intercept=True`` the intercept is profiled out (set to its optimum
    for ``coef``).

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    coef : ndarray of shape (n_features,)
    penalty : object
        A two-kink penalty.
    sample_weight : ndarray of shape (n_samples,), default=None
    fit_intercept : bool, default=True

    Returns
    -------
    relative_gap : float
    """
    from ..datafits import Quadratic

    datafit = Quadratic(sample_weight=sample_weight, fit_intercept=fit_intercept)
    datafit.initialize(X, y)
    return optimality(datafit, penalty, coef).relative_gap
