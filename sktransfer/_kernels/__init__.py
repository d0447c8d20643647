"""Hot loops compiled with Numba (``@njit(cache=True)`` free functions).

Nothing here imports scikit-learn, and nothing is compiled at import time:
Numba compiles (or loads from its on-disk cache) on the first call. The
spectral routines (``_spectral``) are plain array-API code, not Numba: they
run on NumPy, CuPy and torch inputs and import neither torch nor CuPy.
"""

from ._cache import drop_stale_cache

drop_stale_cache()

from ._coordinate_descent import (  # noqa: E402
    inner_solve_dense,
    inner_solve_sparse,
    residual_gradient_dense,
    residual_gradient_sparse,
)
from ._design import sparse_weighted_column_stats  # noqa: E402
from ._gap import two_kink_gap_terms  # noqa: E402
from ._prox import (  # noqa: E402
    coordinate_update,
    prox_two_kink,
    subdiff_distance_two_kink,
    subdiff_distances,
)
from ._spectral import (  # noqa: E402
    spectral_shrinkage_gradient,
    spectral_shrinkage_penalty,
)

__all__ = [
    "coordinate_update",
    "inner_solve_dense",
    "inner_solve_sparse",
    "prox_two_kink",
    "residual_gradient_dense",
    "residual_gradient_sparse",
    "sparse_weighted_column_stats",
    "spectral_shrinkage_gradient",
    "spectral_shrinkage_penalty",
    "subdiff_distance_two_kink",
    "subdiff_distances",
    "two_kink_gap_terms",
]
