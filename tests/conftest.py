"""Shared fixtures: Numba kernels are warmed once per test session."""

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def warm_kernels():
    """Compile (or load from cache) the solver kernels once per worker."""
    import scipy.sparse as sp

    from sktransfer.linear_model import TransferLasso

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 5))
    y = X[:, 0] + 0.1 * rng.standard_normal(20)
    for dtype in (np.float64, np.float32):
        for design in (X, sp.csc_matrix(X)):
            TransferLasso(alpha=0.01, source_coef=np.ones(5)).fit(
                design.astype(dtype), y
            )
