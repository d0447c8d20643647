"""Exactness of ``alpha_max`` (reference §1.5) for l1_ratio >, <, = 1/2."""

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from _reference import alpha_max_closed_form, centered_design

from sktransfer.datafits import Quadratic
from sktransfer.linear_model import TransferLasso, transfer_lasso_path
from sktransfer.penalties import TransferL1
from sktransfer.solvers import alpha_max

TIGHT = dict(tol=1e-12, max_iter=500)

# β̃ with positive, negative and zero entries; the negative entries with
# l1_ratio > 1/2 are the case the R package gets wrong (reference §1.5).
SOURCE = np.array([0.0, -1.0, 0.3, 0.5, -0.2, 0.8])


def make_data(seed=3, n=30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, SOURCE.size))
    y = X @ np.array([0.5, -0.5, 0.3, 0.0, 0.2, 0.4]) + 2.0
    y += 0.3 * rng.standard_normal(n)
    sample_weight = rng.uniform(0.5, 2.0, n)
    return X, y, sample_weight


def package_alpha_max(X, y, l1_ratio, source_coef, sample_weight, fit_intercept):
    datafit = Quadratic(sample_weight=sample_weight, fit_intercept=fit_intercept)
    return alpha_max(datafit.initialize(X, y), TransferL1(1.0, l1_ratio, source_coef))


def fit(X, y, alpha, l1_ratio, sample_weight, fit_intercept, source_coef=SOURCE):
    return TransferLasso(alpha=alpha, l1_ratio=l1_ratio, source_coef=source_coef,
                         fit_intercept=fit_intercept, **TIGHT).fit(
        X, y, sample_weight=sample_weight
    )


CASES = pytest.mark.parametrize("fit_intercept, weighted, sparse_input", [
    (True, False, False),
    (True, True, False),
    (False, False, False),
    (False, True, True),
    (True, True, True),
])


@CASES
@pytest.mark.parametrize("l1_ratio", [0.55, 0.6, 0.8, 1.0])
def test_above_half_solution_is_zero_exactly_above_alpha_max(
    l1_ratio, fit_intercept, weighted, sparse_input
):
    X, y, sw = make_data()
    sw = sw if weighted else None
    expected, _ = alpha_max_closed_form(X, y, l1_ratio, SOURCE, sw, fit_intercept)
    X_in = sp.csc_matrix(X) if sparse_input else X
    value, limit = package_alpha_max(X_in, y, l1_ratio, SOURCE, sw, fit_intercept)
    assert value == pytest.approx(expected, rel=1e-10)
    np.testing.assert_array_equal(limit, 0.0)
    above = fit(X_in, y, value * (1 + 1e-6), l1_ratio, sw, fit_intercept)
    np.testing.assert_array_equal(above.coef_, 0.0)
    below = fit(X_in, y, value * (1 - 1e-3), l1_ratio, sw, fit_intercept)
    assert np.abs(below.coef_).max() > 1e-8
    # the path starts at alpha_max
    alphas, coefs, _ = transfer_lasso_path(
        X_in, y, l1_ratio=l1_ratio, source_coef=SOURCE, sample_weight=sw,
        fit_intercept=fit_intercept, n_alphas=3, tol=1e-10,
    )
    assert alphas[0] == pytest.approx(expected, rel=1e-10)
    np.testing.assert_array_equal(coefs[:, 0], 0.0)


@CASES
@pytest.mark.parametrize("l1_ratio", [0.0, 0.2, 0.45])
def test_below_half_solution_is_source_exactly_above_alpha_max(
    l1_ratio, fit_intercept, weighted, sparse_input
):
    X, y, sw = make_data()
    sw = sw if weighted else None
    expected, _ = alpha_max_closed_form(X, y, l1_ratio, SOURCE, sw, fit_intercept)
    X_in = sp.csc_matrix(X) if sparse_input else X
    value, limit = package_alpha_max(X_in, y, l1_ratio, SOURCE, sw, fit_intercept)
    assert value == pytest.approx(expected, rel=1e-10)
    np.testing.assert_array_equal(limit, SOURCE)
    above = fit(X_in, y, value * (1 + 1e-6), l1_ratio, sw, fit_intercept)
    np.testing.assert_array_equal(above.coef_, SOURCE)
    below = fit(X_in, y, value * (1 - 1e-3), l1_ratio, sw, fit_intercept)
    assert np.abs(below.coef_ - SOURCE).max() > 1e-8
    alphas, coefs, _ = transfer_lasso_path(
        X_in, y, l1_ratio=l1_ratio, source_coef=SOURCE, sample_weight=sw,
        fit_intercept=fit_intercept, n_alphas=3, tol=1e-10,
    )
    assert alphas[0] == pytest.approx(expected, rel=1e-10)
    np.testing.assert_array_equal(coefs[:, 0], SOURCE)


def _box_least_squares_cvxpy(X, y, source_coef, sample_weight, fit_intercept):
    """Box-constrained LS with cvxpy: an independent check of lsq_linear."""
    Xc, yc = centered_design(X, y, sample_weight, fit_intercept)
    beta = cp.Variable(Xc.shape[1])
    lower, upper = np.minimum(0, source_coef), np.maximum(0, source_coef)
    problem = cp.Problem(cp.Minimize(cp.sum_squares(yc - Xc @ beta)),
                         [beta >= lower, beta <= upper])
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12,
                  tol_feas=1e-12)
    return beta.value


@CASES
def test_half_solution_is_box_least_squares_above_alpha_max(
    fit_intercept, weighted, sparse_input
):
    X, y, sw = make_data()
    sw = sw if weighted else None
    expected, box = alpha_max_closed_form(X, y, 0.5, SOURCE, sw, fit_intercept)
    # the limit is neither 0 nor β̃, and two independent solvers agree on it
    box_cvx = _box_least_squares_cvxpy(X, y, SOURCE, sw, fit_intercept)
    np.testing.assert_allclose(box, box_cvx, atol=1e-7)
    assert np.any((box != 0) & (box != SOURCE))
    X_in = sp.csc_matrix(X) if sparse_input else X
    value, limit = package_alpha_max(X_in, y, 0.5, SOURCE, sw, fit_intercept)
    assert value == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(limit, box, atol=1e-7)
    above = fit(X_in, y, value * (1 + 1e-6), 0.5, sw, fit_intercept)
    np.testing.assert_allclose(above.coef_, box, atol=1e-7)
    # and it stays there for any larger alpha (the limit is alpha-independent)
    far_above = fit(X_in, y, value * 10, 0.5, sw, fit_intercept)
    np.testing.assert_allclose(far_above.coef_, box, atol=1e-7)
    below = fit(X_in, y, value * (1 - 1e-3), 0.5, sw, fit_intercept)
    assert np.abs(below.coef_ - box).max() > 1e-6
    alphas, coefs, _ = transfer_lasso_path(
        X_in, y, l1_ratio=0.5, source_coef=SOURCE, sample_weight=sw,
        fit_intercept=fit_intercept, n_alphas=3, tol=1e-10,
    )
    assert alphas[0] == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(coefs[:, 0], box, atol=1e-6)


def test_zero_source_gives_lasso_alpha_max():
    # β̃ = 0: the penalty is alpha·||β||_1 for every l1_ratio
    X, y, _ = make_data(4)
    Xc, yc = centered_design(X, y)
    expected = np.abs(Xc.T @ yc).max() / X.shape[0]
    for l1_ratio in (0.0, 0.3, 0.5, 0.7, 1.0):
        value, limit = package_alpha_max(X, y, l1_ratio, np.zeros(SOURCE.size), None,
                                         True)
        assert value == pytest.approx(expected, rel=1e-12)
        np.testing.assert_array_equal(limit, 0.0)


def test_r_package_sign_regression():
    # Reference §1.5: for β̃_j < 0 and l1_ratio > 1/2 the R package flips the
    # sign of γ_j in the 1/(2α-1) term and can start below the true λ_max.
    # Here the negative-β̃ coordinate (with γ_j < 0, as β̃ suggests) decides it.
    rng = np.random.default_rng(7)
    X = rng.standard_normal((40, 3))
    y = X @ np.array([0.0, -1.5, 0.2]) + 0.2 * rng.standard_normal(40)
    source = np.array([0.1, -1.0, 0.3])
    l1_ratio = 0.6
    expected, _ = alpha_max_closed_form(X, y, l1_ratio, source)
    Xc, yc = centered_design(X, y)
    gamma = Xc.T @ yc / X.shape[0]
    k = 2 * l1_ratio - 1
    wrong = np.max(np.where(
        source > 0, np.maximum(-gamma, gamma / k),
        np.where(source < 0, np.maximum(gamma, gamma / k), np.abs(gamma)),
    ))
    assert gamma[1] < 0 and wrong < expected  # the design exercises the bug
    value, _ = package_alpha_max(X, y, l1_ratio, source, None, True)
    assert value == pytest.approx(expected, rel=1e-10)
    # at the R package's starting value the solution is not yet zero
    at_wrong = fit(X, y, wrong, l1_ratio, None, True, source_coef=source)
    assert at_wrong.coef_[1] < 0
    above = fit(X, y, value * (1 + 1e-6), l1_ratio, None, True, source_coef=source)
    np.testing.assert_array_equal(above.coef_, 0.0)


@pytest.mark.parametrize("l1_ratio", [0.3, 0.5, 0.8])
def test_path_grid_is_geometric_from_alpha_max(l1_ratio):
    X, y, sw = make_data(5)
    expected, _ = alpha_max_closed_form(X, y, l1_ratio, SOURCE, sw)
    alphas, coefs, gaps = transfer_lasso_path(
        X, y, l1_ratio=l1_ratio, source_coef=SOURCE, sample_weight=sw,
        n_alphas=6, eps=1e-2,
    )
    np.testing.assert_allclose(alphas, np.geomspace(expected, 1e-2 * expected, 6),
                               rtol=1e-6)
    assert coefs.shape == (SOURCE.size, 6)
    assert np.all(gaps <= 1e-4)
