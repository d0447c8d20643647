"""Column statistics of a sparse CSC design, without densifying it."""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def sparse_weighted_column_stats(data, indices, indptr, weights):
    """Per column ``Σ_i w_i x_ij`` and ``Σ_i w_i x_ij^2`` over the non-zeros.

    An empty ``weights`` means unit weights (no gather through ``indices``,
    which is most of the cost on large designs).
    """
    n_features = indptr.shape[0] - 1
    unit = weights.shape[0] == 0
    sums = np.zeros(n_features)
    sq_sums = np.zeros(n_features)
    for j in range(n_features):
        s = 0.0
        q = 0.0
        if unit:
            for k in range(indptr[j], indptr[j + 1]):
                x = data[k]
                s += x
                q += x * x
        else:
            for k in range(indptr[j], indptr[j + 1]):
                wx = weights[indices[k]] * data[k]
                s += wx
                q += wx * data[k]
        sums[j] = s
        sq_sums[j] = q
    return sums, sq_sums
