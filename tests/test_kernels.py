"""The two-kink prox against brute-force minimisation on a fine grid."""

import numpy as np
import pytest

from sktransfer._kernels import prox_two_kink, subdiff_distance_two_kink


def _brute_force(x, a, b, c):
    lo, hi = min(x, c, 0.0) - a - b - 1, max(x, c, 0.0) + a + b + 1
    grid = np.concatenate([np.linspace(lo, hi, 200_001), [0.0, c]])
    obj = 0.5 * (grid - x) ** 2 + a * np.abs(grid) + b * np.abs(grid - c)
    return grid[np.argmin(obj)], obj.min()


@pytest.mark.parametrize("seed", range(40))
def test_prox_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    x, c = rng.normal(scale=2, size=2)
    a, b = rng.exponential(size=2)
    t = prox_two_kink(x, a, b, c)
    _, best = _brute_force(x, a, b, c)
    obj = 0.5 * (t - x) ** 2 + a * abs(t) + b * abs(t - c)
    assert obj <= best + 1e-9
    # optimality: -(t - x) is in the subdifferential of the penalty at t
    assert subdiff_distance_two_kink(t, t - x, a, b, c, 0.0) < 1e-12


def test_prox_flat_pieces_are_exact():
    # inside the "stay at c" region the prox returns c exactly
    assert prox_two_kink(1.5 + 0.1, 0.3, 0.5, 1.5) == 1.5
    assert prox_two_kink(-1.5 - 0.1, 0.3, 0.5, -1.5) == -1.5
    # inside the zero region it returns exactly 0
    assert prox_two_kink(-0.5, 0.3, 0.5, 1.5) == 0.0


def _piece(t, a, b, c):
    """Closed piece of the two-kink penalty holding ``t`` (weighted kinks only)."""
    kinks = sorted({k for k, on in ((0.0, a > 0 or (b > 0 and c == 0)), (c, b > 0))
                    if on})
    if t in kinks:
        return t, t
    lo = max([k for k in kinks if k < t], default=-np.inf)
    hi = min([k for k in kinks if k > t], default=np.inf)
    return lo, hi


@pytest.mark.parametrize("seed", range(10))
def test_anderson_clip_keeps_the_current_pieces(seed):
    from sktransfer._kernels._coordinate_descent import _clip_to_pieces

    rng = np.random.default_rng(seed)
    m = 60
    c = np.where(rng.random(m) < 0.2, 0.0, rng.normal(size=m))
    a = np.where(rng.random(m) < 0.2, 0.0, rng.exponential(size=m))
    b = np.where(rng.random(m) < 0.2, 0.0, rng.exponential(size=m))
    current = rng.normal(size=m)
    at_zero, at_c = rng.random(m) < 0.2, rng.random(m) < 0.2
    current[at_zero] = 0.0
    current[at_c] = c[at_c]
    proposal = current + rng.normal(scale=2.0, size=m)
    ws = rng.permutation(m)
    w_ws, w_acc = current[ws], proposal[ws]
    clipped = w_acc.copy()
    _clip_to_pieces(clipped, w_ws, ws, a, b, c)
    for jj, j in enumerate(ws):
        lo, hi = _piece(w_ws[jj], a[j], b[j], c[j])
        assert lo <= clipped[jj] <= hi
        # unchanged inside the piece, else moved to the piece's nearest end
        assert clipped[jj] == min(max(w_acc[jj], lo), hi)
