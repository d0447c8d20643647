"""One-coordinate proximal operators of the two-kink penalty.

Every sparse penalty of sktransfer is, coordinate by coordinate, of the form

.. math::

    g_j(t) = a_j |t| + b_j |t - c_j| + \\tfrac{l2_j}{2} t^2,
    \\qquad a_j, b_j, l2_j \\ge 0,

which covers the L1 penalty (``b = l2 = 0``), the weighted L1 penalty, the
transfer penalty of Takada & Fujisawa (2020), ``a = λα u_j``,
``b = λ(1-α) v_j``, ``c = β̃_j``, and an elastic-net ridge part. The kernels
below implement its exact proximal operator and its subdifferential.
"""

import numpy as np
from numba import njit


@njit(cache=True)
def prox_two_kink(x, a, b, c):
    """Exact minimiser of ``0.5 (t - x)^2 + a|t| + b|t - c|``.

    For ``c >= 0`` the solution is piecewise linear in ``x`` with two flat
    pieces (the "kinks" at 0 and at ``c``)::

        x < -(a + b)                 ->  x + a + b
        -(a + b) <= x <= a - b        ->  0
        a - b < x < c + a - b         ->  x - a + b
        c + a - b <= x <= c + a + b   ->  c
        x > c + a + b                ->  x - a - b

    and for ``c < 0`` it is the mirror image ``-prox(-x, a, b, -c)``
    (Takada & Fujisawa, NeurIPS 2020, with the thresholds in the units of
    ``x`` so that any column norm is handled by the caller's scaling).
    """
    if c < 0.0:
        s = -1.0
        x = -x
        c = -c
    else:
        s = 1.0
    # Differences first: with a = b huge (a box constraint) the flat piece
    # between the kinks must survive rounding, so c + (a - b), not c + a - b.
    g1 = a + b
    g2 = a - b
    if x < -g1:
        t = x + g1
    elif x <= g2:
        t = 0.0
    elif x < c + g2:
        t = x - g2
    elif x <= c + g1:
        t = c
    else:
        t = x - g1
    return s * t


@njit(cache=True)
def coordinate_update(w_j, grad_j, lipschitz_j, a, b, c, l2):
    """Exact coordinate-descent step for a datafit with curvature bound L.

    Minimises ``(L/2)(t - w_j + grad_j/L)^2 + a|t| + b|t - c| + (l2/2)t^2``
    over ``t``; for the quadratic datafit with ``L = ||x_j||^2/n`` this is
    the exact minimisation of the objective along coordinate ``j``.
    Returns ``w_j`` unchanged when ``L + l2 == 0`` (an empty column with no
    ridge part); callers fix such coordinates before iterating.
    """
    denom = lipschitz_j + l2
    if denom <= 0.0:
        return w_j
    x = (lipschitz_j * w_j - grad_j) / denom
    return prox_two_kink(x, a / denom, b / denom, c)


@njit(cache=True)
def subdiff_distance_two_kink(t, grad, a, b, c, l2):
    """Distance from ``-grad`` to the subdifferential of ``g`` at ``t``.

    ``∂g(t) = a ∂|t| + b ∂|t - c| + l2 t`` is an interval ``[lo, hi]``; the
    returned value is zero exactly when the KKT condition of coordinate
    ``t`` holds for the loss gradient ``grad``.
    """
    lo = l2 * t
    hi = lo
    if t > 0.0:
        lo += a
        hi += a
    elif t < 0.0:
        lo -= a
        hi -= a
    else:
        lo -= a
        hi += a
    d = t - c
    if d > 0.0:
        lo += b
        hi += b
    elif d < 0.0:
        lo -= b
        hi -= b
    else:
        lo -= b
        hi += b
    g = -grad
    if g < lo:
        return lo - g
    if g > hi:
        return g - hi
    return 0.0


@njit(cache=True)
def subdiff_distances(w, grad, a, b, c, l2):
    """Vector of :func:`subdiff_distance_two_kink` over all coordinates."""
    out = np.empty(w.shape[0])
    for j in range(w.shape[0]):
        out[j] = subdiff_distance_two_kink(w[j], grad[j], a[j], b[j], c[j], l2[j])
    return out
