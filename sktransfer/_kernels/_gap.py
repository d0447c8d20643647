"""Penalty-side terms of the duality gap, in one pass over the coordinates."""

import numpy as np
from numba import njit

from ._prox import subdiff_distance_two_kink


@njit(cache=True, nogil=True)
def two_kink_gap_terms(w, grad, a, b, c, l2):
    """Penalty value, dual rescaling, conjugate and KKT violations.

    For ``g_j(t) = a_j|t| + b_j|t - c_j| + (l2_j/2)t^2`` and the loss
    gradient ``grad`` at ``w``, returns

    - ``value = Σ_j g_j(w_j)``;
    - ``scale = max(1, max_j |grad_j| / (a_j + b_j))``, the smallest
      rescaling of the residual making the dual point feasible;
    - ``conjugate = Σ_j g_j^*(-grad_j / scale)`` with
      ``g^*(s) = max(-b|c|, c s - a|c|)`` on ``|s| <= a + b``;
    - ``feasible``: False when a rescaling cannot help (an unpenalised
      coordinate with a non-zero gradient, or a ridge part together with a
      transfer kink, whose conjugate is not handled here), in which case
      ``conjugate`` is meaningless;

    Coordinates with a ridge part and no transfer kink (the elastic net,
    ``b_j = 0``) have the finite conjugate ``(|s| - a)_+^2 / (2 l2)`` and
    impose no rescaling.
    - ``kkt``: per-coordinate subdifferential distances.
    """
    p = w.shape[0]
    kkt = np.empty(p)
    value = 0.0
    scale = 1.0
    feasible = True
    for j in range(p):
        t = w[j]
        value += a[j] * abs(t) + b[j] * abs(t - c[j]) + 0.5 * l2[j] * t * t
        kkt[j] = subdiff_distance_two_kink(t, grad[j], a[j], b[j], c[j], l2[j])
        if l2[j] > 0.0:
            if b[j] != 0.0:
                feasible = False
            continue
        bound = a[j] + b[j]
        if bound > 0.0:
            ratio = abs(grad[j]) / bound
            if ratio > scale:
                scale = ratio
        elif grad[j] != 0.0:
            feasible = False
    conjugate = 0.0
    if feasible:
        for j in range(p):
            s = -grad[j] / scale
            if l2[j] > 0.0:
                excess = abs(s) - a[j]
                if excess > 0.0:
                    conjugate += 0.5 * excess * excess / l2[j]
                continue
            bound = a[j] + b[j]
            if s > bound:
                s = bound
            elif s < -bound:
                s = -bound
            abs_c = abs(c[j])
            conjugate += max(-b[j] * abs_c, c[j] * s - a[j] * abs_c)
    return value, scale, conjugate, feasible, kkt
