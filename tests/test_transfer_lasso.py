"""TransferLasso against independent references: limit cases, KKT, cvxpy,
property tests, source handling, warm starts and solver guarantees."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import (
    cvxpy_transfer_lasso,
    kkt_violations,
    objective,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LassoCV

from sktransfer.linear_model import TransferLasso
from sktransfer.penalties import TransferL1
from sktransfer.solvers import duality_gap
from sktransfer.utils import stack_domains

TIGHT = dict(tol=1e-12, max_iter=500)


def make_problem(seed, n=40, p=10, sparse_design=False, intercept=3.0):
    """Gaussian design, sparse truth, a source estimate close to the truth."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    if sparse_design:
        X[rng.random((n, p)) < 0.5] = 0.0
    beta = np.zeros(p)
    beta[:4] = [2.0, -1.5, 1.0, 0.5]
    y = X @ beta + intercept + 0.5 * rng.standard_normal(n)
    source_coef = beta + 0.3 * rng.standard_normal(p)
    sample_weight = rng.uniform(0.2, 2.0, n)
    return X, y, source_coef, sample_weight


# --------------------------------------------------------------------------
# Limit cases: l1_ratio = 1 is the Lasso, l1_ratio = 0 a Lasso on the residual
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse_input", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_l1_ratio_one_is_sklearn_lasso(fit_intercept, weighted, sparse_input, dtype):
    X, y, source_coef, sw = make_problem(0, sparse_design=True)
    sw = sw if weighted else None
    alpha = 0.05
    ref = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14,
                max_iter=100_000).fit(X, y, sample_weight=sw)
    X_in = X.astype(dtype)
    X_in = sp.csc_matrix(X_in) if sparse_input else X_in
    # source_coef must be ignored at l1_ratio=1
    model = TransferLasso(alpha=alpha, l1_ratio=1.0, source_coef=source_coef,
                          fit_intercept=fit_intercept, **TIGHT)
    model.fit(X_in, y, sample_weight=sw)
    assert model.coef_.dtype == dtype
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=0, atol=1e-6)
    # the sparsity pattern is the same
    np.testing.assert_array_equal(model.coef_ == 0, ref.coef_ == 0)
    # same objective value (the Lasso objective is our objective at l1_ratio=1)
    ours = objective(X, y, model.coef_.astype(np.float64), model.intercept_,
                     alpha, 1.0, source_coef, sw)
    theirs = objective(X, y, ref.coef_, ref.intercept_, alpha, 1.0, source_coef, sw)
    assert ours == pytest.approx(theirs, rel=1e-6 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_l1_ratio_zero_is_source_plus_lasso_on_residual(fit_intercept, weighted,
                                                        sparse_input):
    X, y, source_coef, sw = make_problem(1, sparse_design=sparse_input)
    sw = sw if weighted else None
    alpha = 0.05
    ref = Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-14,
                max_iter=100_000).fit(X, y - X @ source_coef, sample_weight=sw)
    X_in = sp.csc_matrix(X) if sparse_input else X
    model = TransferLasso(alpha=alpha, l1_ratio=0.0, source_coef=source_coef,
                          fit_intercept=fit_intercept, **TIGHT)
    model.fit(X_in, y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, source_coef + ref.coef_, rtol=0,
                               atol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=0, atol=1e-6)
    # β - β̃ is exactly sparse where the residual Lasso is
    np.testing.assert_array_equal(model.coef_ == source_coef, ref.coef_ == 0)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.3, 0.5, 0.8])
def test_no_source_is_lasso(l1_ratio):
    # β̃ = 0: α|β| + (1-α)|β - 0| = |β| for every l1_ratio.
    X, y, _, _ = make_problem(2)
    ref = Lasso(alpha=0.1, tol=1e-14, max_iter=100_000).fit(X, y)
    model = TransferLasso(alpha=0.1, l1_ratio=l1_ratio, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(model.source_coef_, np.zeros(X.shape[1]))
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, ref.intercept_, atol=1e-6)


# --------------------------------------------------------------------------
# KKT conditions (reference §1.4), checked with NumPy only
# --------------------------------------------------------------------------


def make_kkt_problem(seed, n=50, p=12):
    """A source estimate that is exact on some coordinates, wrong on others,
    and zero on others, so that coordinates pin at 0 and at β̃_j."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:6] = [2.0, -1.5, 1.0, 0.8, -0.6, 0.4]
    source_coef = beta.copy()
    source_coef[3:6] += rng.normal(scale=0.8, size=3)  # wrong on 3..5
    source_coef[6:9] = rng.normal(scale=0.8, size=3)  # spurious on 6..8
    y = X @ beta + 1.0 + 0.5 * rng.standard_normal(n)
    sample_weight = rng.uniform(0.3, 3.0, n)
    return X, y, source_coef, sample_weight


KKT_CASES = [
    # (seed, alpha, l1_ratio, fit_intercept, weighted, sparse)
    (1, 0.1, 0.3, True, False, False),
    (0, 0.1, 0.5, True, True, False),
    (0, 0.1, 0.4, True, True, True),
    (4, 0.2, 0.6, False, True, True),
    (0, 0.1, 0.7, True, True, False),
]


@pytest.mark.parametrize("seed, alpha, l1_ratio, fit_intercept, weighted, sparse_input",
                         KKT_CASES)
def test_kkt_conditions_hold_with_both_kinks(seed, alpha, l1_ratio, fit_intercept,
                                             weighted, sparse_input):
    X, y, source_coef, sw = make_kkt_problem(seed)
    sw = sw if weighted else None
    X_in = sp.csc_matrix(X) if sparse_input else X
    model = TransferLasso(alpha=alpha, l1_ratio=l1_ratio, source_coef=source_coef,
                          fit_intercept=fit_intercept, **TIGHT)
    model.fit(X_in, y, sample_weight=sw)
    violation, kind, intercept_resid = kkt_violations(
        X, y, model.coef_, model.intercept_, alpha, l1_ratio, source_coef,
        sample_weight=sw, fit_intercept=fit_intercept,
    )
    # the design makes coordinates pin at 0 and at β̃_j (exactly), and move
    kinds = set(kind)
    assert {"zero", "source", "free"} <= kinds, kind
    np.testing.assert_array_less(violation, 1e-7)
    assert abs(intercept_resid) < 1e-9


def test_kkt_with_penalty_weights():
    X, y, source_coef, sw = make_kkt_problem(5)
    rng = np.random.default_rng(5)
    p = X.shape[1]
    u, v = rng.uniform(0.2, 2.0, p), rng.uniform(0.2, 2.0, p)
    source_coef[9] = 0.0  # a coordinate with β̃_j = 0
    alpha, l1_ratio = 0.15, 0.5
    model = TransferLasso(alpha=alpha, l1_ratio=l1_ratio, source_coef=source_coef,
                          weights_l1=u, weights_transfer=v, **TIGHT)
    model.fit(X, y, sample_weight=sw)
    violation, kind, intercept_resid = kkt_violations(
        X, y, model.coef_, model.intercept_, alpha, l1_ratio, source_coef,
        sample_weight=sw, weights_l1=u, weights_transfer=v,
    )
    assert {"zero", "source", "free"} <= set(kind), kind
    np.testing.assert_array_less(violation, 1e-7)
    assert abs(intercept_resid) < 1e-9
    # and the weighted objective agrees with cvxpy
    coef, intercept, value = cvxpy_transfer_lasso(
        X, y, alpha, l1_ratio, source_coef, sw, weights_l1=u, weights_transfer=v
    )
    ours = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio,
                     source_coef, sw, u, v)
    assert ours <= value + 1e-9
    np.testing.assert_allclose(model.coef_, coef, atol=1e-6)


def test_kkt_detects_a_wrong_solution():
    # the reference KKT check itself must reject a perturbed solution
    X, y, source_coef, _ = make_kkt_problem(0)
    model = TransferLasso(alpha=0.15, l1_ratio=0.3, source_coef=source_coef,
                          **TIGHT).fit(X, y)
    coef = model.coef_.copy()
    j = np.flatnonzero((coef != 0) & (coef != source_coef))[0]
    coef[j] += 1e-3
    violation, _, _ = kkt_violations(X, y, coef, model.intercept_, 0.15, 0.3,
                                     source_coef)
    assert violation.max() > 1e-5


# --------------------------------------------------------------------------
# Agreement with cvxpy
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_cvxpy(seed, fit_intercept, weighted):
    rng = np.random.default_rng(100 + seed)
    n, p = 25, 8
    X = rng.standard_normal((n, p))
    source_coef = rng.standard_normal(p)
    change = 0.7 * rng.standard_normal(p) * (rng.random(p) < 0.5)
    y = X @ (source_coef + change) + 1.5 + 0.3 * rng.standard_normal(n)
    sw = rng.uniform(0.3, 3.0, n) if weighted else None
    l1_ratio = float(rng.uniform())
    alpha = 0.1
    coef, intercept, value = cvxpy_transfer_lasso(
        X, y, alpha, l1_ratio, source_coef, sw, fit_intercept
    )
    X_in = sp.csc_matrix(X) if seed % 2 else X
    model = TransferLasso(alpha=alpha, l1_ratio=l1_ratio, source_coef=source_coef,
                          fit_intercept=fit_intercept, **TIGHT)
    model.fit(X_in, y, sample_weight=sw)
    ours = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio,
                     source_coef, sw)
    # our objective is never worse than the interior-point optimum
    assert ours <= value + 1e-10
    assert ours == pytest.approx(value, rel=1e-8)
    np.testing.assert_allclose(model.coef_, coef, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, intercept, rtol=0, atol=1e-6)


# --------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                             database=None)


def _random_problem(seed, n, p):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    source_coef = rng.standard_normal(p) * (rng.random(p) < 0.7)
    y = X @ (source_coef + 0.5 * rng.standard_normal(p)) + rng.standard_normal(n)
    return rng, X, y, source_coef


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    p=st.integers(2, 8),
    l1_ratio=st.sampled_from([0.0, 0.2, 0.5, 0.7, 1.0]),
    alpha=st.floats(0.01, 1.0),
    fit_intercept=st.booleans(),
    data=st.data(),
)
def test_feature_permutation_permutes_coef(seed, p, l1_ratio, alpha, fit_intercept,
                                           data):
    _, X, y, source_coef = _random_problem(seed, 3 * p + 5, p)
    perm = np.array(data.draw(st.permutations(range(p))))
    kwargs = dict(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                  **TIGHT)
    full = TransferLasso(source_coef=source_coef, **kwargs).fit(X, y)
    permuted = TransferLasso(source_coef=source_coef[perm], **kwargs).fit(
        X[:, perm], y
    )
    np.testing.assert_allclose(permuted.coef_, full.coef_[perm], rtol=0, atol=1e-7)
    assert permuted.intercept_ == pytest.approx(full.intercept_, abs=1e-7)


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    l1_ratio=st.sampled_from([0.0, 0.3, 0.5, 0.8, 1.0]),
    alpha=st.floats(0.01, 0.5),
    fit_intercept=st.booleans(),
    sparse_input=st.booleans(),
)
def test_duplicated_rows_equal_integer_weights(seed, l1_ratio, alpha, fit_intercept,
                                               sparse_input):
    rng, X, y, source_coef = _random_problem(seed, 20, 5)
    counts = rng.integers(0, 4, size=X.shape[0])
    # keep at least 10 distinct rows (> p) so that the solution is unique
    counts[:10] = np.maximum(counts[:10], 1)
    kwargs = dict(alpha=alpha, l1_ratio=l1_ratio, source_coef=source_coef,
                  fit_intercept=fit_intercept, **TIGHT)
    X_rep, y_rep = np.repeat(X, counts, axis=0), np.repeat(y, counts)
    if sparse_input:
        X, X_rep = sp.csc_matrix(X), sp.csc_matrix(X_rep)
    weighted = TransferLasso(**kwargs).fit(X, y, sample_weight=counts.astype(float))
    repeated = TransferLasso(**kwargs).fit(X_rep, y_rep)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=0, atol=1e-7)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, abs=1e-7)


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    l1_ratio=st.sampled_from([0.0, 0.3, 0.5, 0.8, 1.0]),
    alpha=st.floats(0.01, 0.5),
    scale=st.floats(1e-2, 1e2),
    fit_intercept=st.booleans(),
)
def test_scaling_y_source_and_alpha_scales_coef(seed, l1_ratio, alpha, scale,
                                                fit_intercept):
    _, X, y, source_coef = _random_problem(seed, 25, 6)
    kwargs = dict(l1_ratio=l1_ratio, fit_intercept=fit_intercept, **TIGHT)
    base = TransferLasso(alpha=alpha, source_coef=source_coef, **kwargs).fit(X, y)
    scaled = TransferLasso(alpha=scale * alpha, source_coef=scale * source_coef,
                           **kwargs).fit(X, scale * y)
    np.testing.assert_allclose(scaled.coef_, scale * base.coef_, rtol=1e-6,
                               atol=1e-7 * scale)
    assert scaled.intercept_ == pytest.approx(scale * base.intercept_, rel=1e-6,
                                              abs=1e-7 * scale)
    # the kinks are preserved exactly
    np.testing.assert_array_equal(scaled.coef_ == 0, base.coef_ == 0)


# --------------------------------------------------------------------------
# Source handling through sample_domain
# --------------------------------------------------------------------------


def make_domains(seed=0, p=8):
    rng = np.random.default_rng(seed)
    beta = np.zeros(p)
    beta[:4] = [2.0, -1.5, 1.0, 0.5]
    Xt = rng.standard_normal((30, p))
    yt = Xt @ beta + 1.0 + 0.5 * rng.standard_normal(30)
    Xs1 = rng.standard_normal((50, p))
    ys1 = Xs1 @ (beta + 0.2 * (rng.random(p) < 0.3)) + 0.5 * rng.standard_normal(50)
    Xs2 = rng.standard_normal((40, p))
    ys2 = Xs2 @ beta - 1.0 + 0.5 * rng.standard_normal(40)
    return (Xt, yt), [(Xs1, ys1), (Xs2, ys2)]


def test_sample_domain_fits_source_lasso_and_uses_target_rows():
    target, sources = make_domains()
    X, y, domain = stack_domains(target, sources)
    model = TransferLasso(alpha=0.05, l1_ratio=0.3, tol=1e-10, max_iter=500)
    model.fit(X, y, sample_domain=domain)
    # β̃ is a 5-fold cross-validated Lasso on the pooled source rows: the same
    # grid (100 alphas, eps=1e-3) and unshuffled folds as sklearn's LassoCV.
    X_src = np.vstack([Xs for Xs, _ in sources])
    y_src = np.concatenate([ys for _, ys in sources])
    ref = LassoCV(cv=5, tol=1e-12, max_iter=100_000).fit(X_src, y_src)
    np.testing.assert_allclose(model.source_coef_, ref.coef_, atol=1e-6)
    assert model.source_intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    # the objective data are the target rows only
    target_only = TransferLasso(alpha=0.05, l1_ratio=0.3, tol=1e-10, max_iter=500,
                                source_coef=model.source_coef_).fit(*target)
    np.testing.assert_allclose(model.coef_, target_only.coef_, rtol=0, atol=1e-12)
    assert model.intercept_ == pytest.approx(target_only.intercept_, abs=1e-12)


def test_sample_domain_rows_need_not_be_grouped():
    target, sources = make_domains(1)
    X, y, domain = stack_domains(target, sources)
    order = np.random.default_rng(0).permutation(X.shape[0])
    kwargs = dict(alpha=0.05, l1_ratio=0.3, tol=1e-10, max_iter=500)
    stacked = TransferLasso(**kwargs).fit(X, y, sample_domain=domain)
    shuffled = TransferLasso(source_coef=stacked.source_coef_, **kwargs).fit(
        X[order], y[order], sample_domain=domain[order]
    )
    np.testing.assert_allclose(shuffled.coef_, stacked.coef_, atol=1e-8)


def test_sample_domain_with_sparse_stacked_input():
    target, sources = make_domains(4)
    sparse_target = (sp.csr_matrix(target[0]), target[1])
    X_sp, y, domain = stack_domains(sparse_target, sources)
    assert sp.issparse(X_sp)
    kwargs = dict(alpha=0.05, l1_ratio=0.3, tol=1e-10, max_iter=500)
    sparse = TransferLasso(**kwargs).fit(X_sp, y, sample_domain=domain)
    dense = TransferLasso(**kwargs).fit(X_sp.toarray(), y, sample_domain=domain)
    np.testing.assert_allclose(sparse.source_coef_, dense.source_coef_, atol=1e-8)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)


def test_every_negative_label_is_target():
    X, y, source_coef, _ = make_problem(5)
    labels = np.where(np.arange(len(y)) % 2, -1, -2)
    kwargs = dict(alpha=0.05, l1_ratio=0.4, source_coef=source_coef, **TIGHT)
    np.testing.assert_array_equal(
        TransferLasso(**kwargs).fit(X, y, sample_domain=labels).coef_,
        TransferLasso(**kwargs).fit(X, y).coef_,
    )


def test_source_coef_wins_over_source_rows():
    target, sources = make_domains(2)
    X, y, domain = stack_domains(target, sources)
    source_coef = np.linspace(-1, 1, X.shape[1])
    kwargs = dict(alpha=0.05, l1_ratio=0.3, source_coef=source_coef, **TIGHT)
    with_rows = TransferLasso(**kwargs).fit(X, y, sample_domain=domain)
    np.testing.assert_array_equal(with_rows.source_coef_, source_coef)
    assert with_rows.source_intercept_ is None
    target_only = TransferLasso(**kwargs).fit(*target)
    np.testing.assert_allclose(with_rows.coef_, target_only.coef_, rtol=0, atol=1e-12)


def test_sample_domain_none_means_target_data():
    X, y, source_coef, _ = make_problem(3)
    kwargs = dict(alpha=0.05, l1_ratio=0.4, source_coef=source_coef, **TIGHT)
    plain = TransferLasso(**kwargs).fit(X, y)
    none = TransferLasso(**kwargs).fit(X, y, sample_domain=None)
    all_target = TransferLasso(**kwargs).fit(X, y, sample_domain=-np.ones(len(y)))
    np.testing.assert_array_equal(none.coef_, plain.coef_)
    np.testing.assert_array_equal(all_target.coef_, plain.coef_)


def test_no_source_rows_and_no_source_coef_is_plain_lasso():
    X, y, _, _ = make_problem(4)
    ref = Lasso(alpha=0.05, tol=1e-14, max_iter=100_000).fit(X, y)
    model = TransferLasso(alpha=0.05, l1_ratio=0.2, **TIGHT).fit(
        X, y, sample_domain=np.full(len(y), -3)
    )
    np.testing.assert_array_equal(model.source_coef_, 0.0)
    assert model.source_intercept_ is None
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)


def test_refit_without_sources_forgets_fitted_source():
    target, sources = make_domains(3)
    X, y, domain = stack_domains(target, sources)
    model = TransferLasso(alpha=0.05, l1_ratio=0.3, **TIGHT)
    model.fit(X, y, sample_domain=domain)
    assert np.any(model.source_coef_ != 0)
    model.fit(*target)
    fresh = TransferLasso(alpha=0.05, l1_ratio=0.3, **TIGHT).fit(*target)
    np.testing.assert_array_equal(model.source_coef_, 0.0)
    assert model.source_intercept_ is None
    np.testing.assert_array_equal(model.coef_, fresh.coef_)


# --------------------------------------------------------------------------
# warm_start, refits, convergence, attributes, dtypes
# --------------------------------------------------------------------------


def test_warm_start_reaches_same_solution_in_fewer_iterations():
    X, y, source_coef, _ = make_problem(5, n=40, p=30)
    kwargs = dict(alpha=0.05, l1_ratio=0.4, source_coef=source_coef, tol=1e-8)
    cold = TransferLasso(**kwargs).fit(X, y)
    model = TransferLasso(warm_start=True, **kwargs).fit(X, y)
    first_iter = model.n_iter_
    np.testing.assert_array_equal(model.coef_, cold.coef_)
    model.fit(X, y)
    assert model.n_iter_ <= first_iter
    np.testing.assert_allclose(model.coef_, cold.coef_, atol=1e-6)
    # warm start from a neighbouring alpha
    model.set_params(alpha=0.04).fit(X, y)
    ref = TransferLasso(**{**kwargs, "alpha": 0.04, "tol": 1e-12}).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-5)
    assert model.stop_crit_ <= 1e-8


def test_refit_without_warm_start_forgets_previous_fit():
    X, y, source_coef, _ = make_problem(6)
    X2, y2, _, _ = make_problem(7)
    model = TransferLasso(alpha=0.05, source_coef=source_coef, **TIGHT)
    model.fit(X2, y2)
    model.fit(X, y)
    fresh = TransferLasso(alpha=0.05, source_coef=source_coef, **TIGHT).fit(X, y)
    np.testing.assert_array_equal(model.coef_, fresh.coef_)
    assert model.n_iter_ == fresh.n_iter_


def test_warm_start_after_change_of_n_features():
    X, y, _, _ = make_problem(8, p=10)
    model = TransferLasso(alpha=0.05, warm_start=True, **TIGHT).fit(X, y)
    model.fit(X[:, :6], y)
    fresh = TransferLasso(alpha=0.05, **TIGHT).fit(X[:, :6], y)
    assert model.coef_.shape == (6,)
    np.testing.assert_allclose(model.coef_, fresh.coef_, atol=1e-8)


def test_convergence_warning_with_max_iter_one():
    X, y, source_coef, _ = make_problem(9, n=40, p=30)
    model = TransferLasso(alpha=0.01, l1_ratio=0.4, source_coef=source_coef,
                          max_iter=1, tol=1e-14)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        model.fit(X, y)
    assert model.n_iter_ == 1
    assert model.stop_crit_ > 1e-14


def test_no_warning_when_converged():
    X, y, source_coef, _ = make_problem(9)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = TransferLasso(alpha=0.05, source_coef=source_coef).fit(X, y)
    assert isinstance(model.n_iter_, int | np.integer)
    assert 1 <= model.n_iter_ <= model.max_iter


@pytest.mark.parametrize("sparse_input", [False, True])
def test_float32_input_gives_float32_coef(sparse_input):
    X, y, source_coef, _ = make_problem(10)
    X32 = X.astype(np.float32)
    X32 = sp.csc_matrix(X32) if sparse_input else X32
    model = TransferLasso(alpha=0.05, source_coef=source_coef, **TIGHT).fit(X32, y)
    assert model.coef_.dtype == np.float32
    assert model.predict(X32).dtype in (np.float32, np.float64)
    ref = TransferLasso(alpha=0.05, source_coef=source_coef, **TIGHT).fit(
        X32.astype(np.float64), y
    )
    assert ref.coef_.dtype == np.float64
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-5)


def test_predict_is_linear_model():
    X, y, source_coef, _ = make_problem(11)
    model = TransferLasso(alpha=0.05, source_coef=source_coef).fit(X, y)
    np.testing.assert_allclose(model.predict(X), X @ model.coef_ + model.intercept_)
    np.testing.assert_allclose(model.predict(sp.csr_matrix(X)), model.predict(X))


# --------------------------------------------------------------------------
# Solver guarantees
# --------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("l1_ratio", [0.2, 0.5, 0.9])
def test_sparse_and_dense_give_same_solution(fit_intercept, weighted, l1_ratio):
    X, y, source_coef, sw = make_problem(12, n=40, p=15, sparse_design=True)
    sw = sw if weighted else None
    kwargs = dict(alpha=0.05, l1_ratio=l1_ratio, source_coef=source_coef,
                  fit_intercept=fit_intercept, **TIGHT)
    dense = TransferLasso(**kwargs).fit(X, y, sample_weight=sw)
    sparse = TransferLasso(**kwargs).fit(sp.csc_matrix(X), y, sample_weight=sw)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=0, atol=1e-8)
    assert sparse.intercept_ == pytest.approx(dense.intercept_, abs=1e-8)
    # CSR and COO input are accepted too (converted to CSC)
    csr = TransferLasso(**kwargs).fit(sp.csr_matrix(X), y, sample_weight=sw)
    np.testing.assert_allclose(csr.coef_, sparse.coef_, rtol=0, atol=1e-10)


@pytest.mark.parametrize("tol", [1e-4, 1e-8])
@pytest.mark.parametrize("sparse_input", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_returned_gap_and_recomputed_gap_below_tol(tol, sparse_input, fit_intercept):
    X, y, source_coef, sw = make_problem(13, n=40, p=30, sparse_design=True)
    alpha, l1_ratio = 0.05, 0.4
    X_in = sp.csc_matrix(X) if sparse_input else X
    model = TransferLasso(alpha=alpha, l1_ratio=l1_ratio, source_coef=source_coef,
                          fit_intercept=fit_intercept, tol=tol)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_in, y, sample_weight=sw)
    assert 0 <= model.stop_crit_ <= tol
    assert model.dual_gap_ >= 0
    penalty = TransferL1(alpha, l1_ratio, source_coef)
    gap = duality_gap(X_in, y, model.coef_.astype(np.float64), penalty,
                      sample_weight=sw, fit_intercept=fit_intercept)
    assert gap <= tol
    # the relative gap bounds the true suboptimality (cvxpy optimum)
    _, _, best = cvxpy_transfer_lasso(X, y, alpha, l1_ratio, source_coef, sw,
                                      fit_intercept)
    ours = objective(X, y, model.coef_, model.intercept_, alpha, l1_ratio,
                     source_coef, sw)
    assert (ours - best) / ours <= tol + 1e-9


def test_duality_gap_detects_suboptimal_coef():
    X, y, source_coef, _ = make_problem(14)
    penalty = TransferL1(0.05, 0.4, source_coef)
    model = TransferLasso(alpha=0.05, l1_ratio=0.4, source_coef=source_coef,
                          **TIGHT).fit(X, y)
    assert duality_gap(X, y, model.coef_, penalty) <= 1e-12
    assert duality_gap(X, y, model.coef_ + 0.1, penalty) > 1e-4


def test_huge_but_finite_response_is_fitted_or_rejected_cleanly():
    # DESIGN §4: never a raw numeric traceback. y ~ 1e200 is finite float64;
    # the fit must either work or raise a clear ValueError. Relative to
    # y ~ 1e200, alpha=1 is negligible: the fit is 1e200 × the unpenalised fit.
    X, y, _, _ = make_problem(15)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            model = TransferLasso(alpha=1.0).fit(X, 1e200 * y)
    except ValueError as exc:
        assert "y" in str(exc)
    else:
        assert np.all(np.isfinite(model.coef_))
        ref = TransferLasso(alpha=0.0, tol=1e-10).fit(X, y)
        np.testing.assert_allclose(model.coef_ / 1e200, ref.coef_, rtol=0, atol=1e-3)
