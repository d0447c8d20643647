"""Duality gap and KKT violation: the solver's scale-free stopping rule."""

from dataclasses import dataclass

import numpy as np

from .._kernels import two_kink_gap_terms


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


def optimality(datafit, penalty, coef, state=None, grad=None, coefficients=None):
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
    coefficients : tuple of ndarray, optional
        ``penalty.coefficients(n_features)`` when already computed.

    Returns
    -------
    Optimality
    """
    coef = np.asarray(coef, dtype=np.float64)
    if state is None:
        state = datafit.init_state(coef)
    if grad is None:
        grad = datafit.gradient(state)
    if coefficients is None:
        coefficients = penalty.coefficients(coef.shape[0])
    value, scale, conjugate, feasible, kkt = two_kink_gap_terms(
        coef, grad, *coefficients
    )
    primal = datafit.value(state) + value
    dual = datafit.dual_value(state, scale) - conjugate if feasible else -np.inf
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
