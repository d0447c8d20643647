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
