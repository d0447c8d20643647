"""Proximal Newton on the logistic and Poisson datafits (with offsets)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, PoissonRegressor

from sktransfer.datafits import Logistic, Poisson
from sktransfer.penalties import L1, ElasticNet
from sktransfer.solvers import ProxNewton


def _logistic_problem(seed=0, n=150, p=30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:4] = 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ beta + 0.3)))).astype(float)
    return X, y


def _poisson_problem(seed=0, n=150, p=20):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) / 2
    beta = np.zeros(p)
    beta[:3] = 0.5
    y = rng.poisson(np.exp(X @ beta + 0.2)).astype(float)
    return X, y, rng


def _numpy_kkt(X, y, coef, intercept, lam, mean, offset=0.0):
    """KKT residuals of (1/n) Σ [ψ(η) - yη] + lam ||β||_1, written out."""
    n = X.shape[0]
    eta = offset + intercept + X @ coef
    grad = X.T @ (mean(eta) - y) / n
    active = coef != 0
    viol = np.where(active, np.abs(grad + lam * np.sign(coef)),
                    np.maximum(np.abs(grad) - lam, 0.0))
    return viol.max(), abs(np.sum(mean(eta) - y) / n)


def test_logistic_l1_matches_sklearn_saga():
    X, y = _logistic_problem()
    n, lam = X.shape[0], 0.02
    res = ProxNewton(tol=1e-10).solve(X, y, Logistic(), L1(lam))
    ref = LogisticRegression(C=1 / (n * lam), l1_ratio=1.0, solver="saga",
                             tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(res.coef, ref.coef_.ravel(), atol=1e-6)
    assert res.intercept == pytest.approx(ref.intercept_[0], abs=1e-6)
    kkt, icpt = _numpy_kkt(X, y, res.coef, res.intercept, lam,
                           lambda e: 1 / (1 + np.exp(-e)))
    assert kkt < 1e-8 and icpt < 1e-8


def test_poisson_ridge_matches_sklearn():
    X, y, _ = _poisson_problem()
    res = ProxNewton(tol=1e-8).solve(X, y, Poisson(), ElasticNet(0.05, 0.0))
    ref = PoissonRegressor(alpha=0.05, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(res.coef, ref.coef_, atol=1e-6)
    assert res.intercept == pytest.approx(ref.intercept_, abs=1e-6)


def test_poisson_offset_kkt_and_sparse_equals_dense():
    X, y, rng = _poisson_problem(seed=1)
    offset = 0.3 * rng.standard_normal(X.shape[0])
    lam = 0.01
    dense = ProxNewton(tol=1e-10).solve(X, y, Poisson(offset=offset), L1(lam))
    kkt, icpt = _numpy_kkt(X, y, dense.coef, dense.intercept, lam, np.exp, offset)
    assert kkt < 1e-8 and icpt < 1e-8
    sparse = ProxNewton(tol=1e-10).solve(sp.csc_matrix(X), y, Poisson(offset=offset),
                                         L1(lam))
    np.testing.assert_allclose(sparse.coef, dense.coef, atol=1e-7)


def test_integer_weights_equal_duplicated_rows():
    X, y = _logistic_problem(seed=2, n=60, p=8)
    weights = np.random.default_rng(3).integers(1, 4, size=X.shape[0])
    weighted = ProxNewton(tol=1e-10).solve(X, y, Logistic(sample_weight=weights),
                                           L1(0.01))
    rows = np.repeat(np.arange(X.shape[0]), weights)
    repeated = ProxNewton(tol=1e-10).solve(X[rows], y[rows], Logistic(), L1(0.01))
    np.testing.assert_allclose(weighted.coef, repeated.coef, atol=1e-7)


@pytest.mark.parametrize("datafit, y", [(Logistic(), np.array([0.0, 2.0, 1.0])),
                                        (Poisson(), np.array([1.0, -1.0, 0.0]))])
def test_invalid_response_raises(datafit, y):
    with pytest.raises(ValueError, match="y must"):
        ProxNewton().solve(np.eye(3), y, datafit, L1(0.1))


def test_offset_shape_checked():
    with pytest.raises(ValueError, match="offset"):
        ProxNewton().solve(np.eye(3), np.ones(3), Poisson(offset=np.ones(2)), L1(0.1))
