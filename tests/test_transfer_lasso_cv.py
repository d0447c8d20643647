"""TransferLassoCV and transfer_lasso_path."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from _reference import alpha_max_closed_form
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV
from sklearn.model_selection import KFold

from sktransfer.linear_model import TransferLasso, TransferLassoCV, transfer_lasso_path
from sktransfer.model_selection import TargetKFold
from sktransfer.utils import stack_domains


def make_target(seed=0, n=40, p=10):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[:4] = [2.0, -1.5, 1.0, 0.5]
    y = X @ beta + 1.0 + rng.standard_normal(n)
    source_coef = beta + 0.2 * rng.standard_normal(p)
    return X, y, source_coef, rng.uniform(0.5, 2.0, n)


def make_stacked(seed=0, p=10):
    rng = np.random.default_rng(seed)
    beta = np.zeros(p)
    beta[:4] = [2.0, -1.5, 1.0, 0.5]
    Xt = rng.standard_normal((30, p))
    yt = Xt @ beta + rng.standard_normal(30)
    Xs = rng.standard_normal((60, p))
    ys = Xs @ beta + 2.0 + rng.standard_normal(60)
    return stack_domains((Xt, yt), [(Xs, ys)]), (Xt, yt)


# --------------------------------------------------------------------------
# Folds split target rows only
# --------------------------------------------------------------------------


def test_source_rows_feed_only_the_source_estimate():
    (X, y, domain), (Xt, yt) = make_stacked(0)
    kwargs = dict(n_alphas=8, tol=1e-8, cv=4)
    stacked = TransferLassoCV(**kwargs).fit(X, y, sample_domain=domain)
    assert np.any(stacked.source_coef_ != 0)
    target_only = TransferLassoCV(source_coef=stacked.source_coef_, **kwargs)
    target_only.fit(Xt, yt)
    np.testing.assert_array_equal(stacked.alphas_, target_only.alphas_)
    np.testing.assert_array_equal(stacked.mse_path_, target_only.mse_path_)
    assert stacked.alpha_ == target_only.alpha_
    assert stacked.l1_ratio_ == target_only.l1_ratio_
    np.testing.assert_array_equal(stacked.coef_, target_only.coef_)
    assert stacked.intercept_ == target_only.intercept_


def test_source_rows_are_never_scored():
    # Corrupt the source responses wildly: if a source row ever landed in a
    # test fold the held-out errors would change; with source_coef given the
    # source rows must not matter at all.
    (X, y, domain), (Xt, yt) = make_stacked(1)
    source_coef = np.ones(X.shape[1])
    kwargs = dict(n_alphas=6, cv=3, source_coef=source_coef)
    y_bad = y.copy()
    y_bad[domain > 0] = 1e6
    a = TransferLassoCV(**kwargs).fit(X, y_bad, sample_domain=domain)
    b = TransferLassoCV(**kwargs).fit(Xt, yt)
    np.testing.assert_array_equal(a.mse_path_, b.mse_path_)
    np.testing.assert_array_equal(a.coef_, b.coef_)


# --------------------------------------------------------------------------
# Attributes, selection and refit against independent computations
# --------------------------------------------------------------------------


def test_attributes_and_selection():
    X, y, source_coef, _ = make_target(2)
    ratios = (0.0, 0.3, 0.5, 1.0)
    model = TransferLassoCV(l1_ratio=ratios, n_alphas=7, cv=3, source_coef=source_coef,
                            tol=1e-10, max_iter=200).fit(X, y)
    assert model.alphas_.shape == (4, 7)
    assert model.mse_path_.shape == (4, 7, 3)
    assert np.all(np.diff(model.alphas_, axis=1) < 0)
    # each row starts at the exact alpha_max of its l1_ratio
    for k, ratio in enumerate(ratios):
        expected, _ = alpha_max_closed_form(X, y, ratio, source_coef)
        assert model.alphas_[k, 0] == pytest.approx(expected, rel=1e-6)
        assert model.alphas_[k, -1] == pytest.approx(1e-3 * expected, rel=1e-6)
    # the selected pair minimises the mean held-out error
    mean = model.mse_path_.mean(axis=2)
    k, j = np.unravel_index(np.argmin(mean), mean.shape)
    assert model.l1_ratio_ == ratios[k]
    assert model.alpha_ == model.alphas_[k, j]
    # the final model is the TransferLasso at the selected pair on all rows
    ref = TransferLasso(alpha=model.alpha_, l1_ratio=model.l1_ratio_,
                        source_coef=source_coef, tol=1e-12, max_iter=500).fit(X, y)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-6)
    np.testing.assert_array_equal(model.source_coef_, source_coef)
    assert isinstance(model.n_iter_, int | np.integer) and model.n_iter_ >= 1
    assert model.stop_crit_ <= 1e-10


def test_mse_path_matches_manual_cross_validation():
    X, y, source_coef, sw = make_target(3, n=30, p=6)
    model = TransferLassoCV(l1_ratio=(0.25, 0.75), n_alphas=4, cv=3,
                            source_coef=source_coef, tol=1e-12,
                            max_iter=300).fit(X, y, sample_weight=sw)
    for k, ratio in enumerate((0.25, 0.75)):
        for f, (train, test) in enumerate(KFold(3).split(X)):
            for j, alpha in enumerate(model.alphas_[k]):
                fold = TransferLasso(alpha=alpha, l1_ratio=ratio,
                                     source_coef=source_coef, tol=1e-12,
                                     max_iter=300).fit(X[train], y[train],
                                                       sample_weight=sw[train])
                err = (y[test] - fold.predict(X[test])) ** 2
                expected = np.average(err, weights=sw[test])
                assert model.mse_path_[k, j, f] == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("weighted", [False, True])
def test_l1_ratio_one_is_sklearn_lasso_cv(weighted):
    X, y, source_coef, sw = make_target(4)
    sw = sw if weighted else None
    ref = LassoCV(alphas=8, cv=4, tol=1e-12, max_iter=100_000).fit(
        X, y, sample_weight=sw
    )
    model = TransferLassoCV(l1_ratio=1.0, n_alphas=8, cv=4, source_coef=source_coef,
                            tol=1e-12, max_iter=500).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(model.alphas_[0], ref.alphas_, rtol=1e-10)
    np.testing.assert_allclose(model.mse_path_[0], ref.mse_path_, rtol=1e-8)
    assert model.alpha_ == pytest.approx(ref.alpha_, rel=1e-10)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)


def test_default_grid_includes_lasso():
    ratios = np.atleast_1d(TransferLassoCV().get_params()["l1_ratio"])
    assert 1.0 in ratios and 0.0 in ratios
    X, y, source_coef, _ = make_target(5)
    model = TransferLassoCV(n_alphas=5, source_coef=source_coef).fit(X, y)
    assert model.alphas_.shape[0] == ratios.size
    # the l1_ratio=1 row is the Lasso grid max|X̃ᵀỹ|/n
    Xc, yc = X - X.mean(0), y - y.mean()
    row = list(ratios).index(1.0)
    assert model.alphas_[row, 0] == pytest.approx(np.abs(Xc.T @ yc).max() / len(y))


def test_explicit_alphas_shared_and_sorted():
    X, y, source_coef, _ = make_target(7)
    model = TransferLassoCV(l1_ratio=(0.2, 0.8), alphas=[0.01, 0.5, 0.1], cv=3,
                            source_coef=source_coef).fit(X, y)
    np.testing.assert_array_equal(model.alphas_, [[0.5, 0.1, 0.01]] * 2)
    assert model.alpha_ in (0.5, 0.1, 0.01)


def test_scalar_l1_ratio():
    X, y, source_coef, _ = make_target(8)
    model = TransferLassoCV(l1_ratio=0.4, n_alphas=5, cv=3,
                            source_coef=source_coef).fit(X, y)
    assert model.alphas_.shape == (1, 5)
    assert model.mse_path_.shape == (1, 5, 3)
    assert model.l1_ratio_ == 0.4


def test_n_jobs_two_is_identical_to_one():
    (X, y, domain), _ = make_stacked(9)
    kwargs = dict(n_alphas=6, cv=3)
    one = TransferLassoCV(n_jobs=1, **kwargs).fit(X, y, sample_domain=domain)
    two = TransferLassoCV(n_jobs=2, **kwargs).fit(X, y, sample_domain=domain)
    np.testing.assert_array_equal(one.mse_path_, two.mse_path_)
    np.testing.assert_array_equal(one.alphas_, two.alphas_)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    np.testing.assert_array_equal(one.source_coef_, two.source_coef_)
    assert (one.alpha_, one.l1_ratio_) == (two.alpha_, two.l1_ratio_)


def test_cv_accepts_splitter_and_iterable():
    X, y, source_coef, _ = make_target(10)
    kwargs = dict(n_alphas=5, source_coef=source_coef)
    by_int = TransferLassoCV(cv=3, **kwargs).fit(X, y)
    by_kfold = TransferLassoCV(cv=KFold(3), **kwargs).fit(X, y)
    by_list = TransferLassoCV(cv=list(KFold(3).split(X)), **kwargs).fit(X, y)
    by_target = TransferLassoCV(cv=TargetKFold(3), **kwargs).fit(X, y)
    for other in (by_kfold, by_list, by_target):
        np.testing.assert_array_equal(other.mse_path_, by_int.mse_path_)


def test_sparse_and_float32():
    X, y, source_coef, _ = make_target(11)
    kwargs = dict(n_alphas=5, cv=3, source_coef=source_coef, tol=1e-10, max_iter=300)
    dense = TransferLassoCV(**kwargs).fit(X, y)
    sparse = TransferLassoCV(**kwargs).fit(sp.csc_matrix(X), y)
    np.testing.assert_allclose(sparse.mse_path_, dense.mse_path_, rtol=1e-7)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-7)
    single = TransferLassoCV(**{**kwargs, "tol": 1e-6}).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32


def test_cv_without_convergence_warns():
    X, y, source_coef, _ = make_target(12, n=30, p=40)
    with pytest.warns(ConvergenceWarning):
        # the refit reports non-convergence like TransferLasso does
        TransferLassoCV(l1_ratio=0.5, n_alphas=3, eps=1e-4, cv=3, max_iter=1,
                        tol=1e-14, source_coef=source_coef).fit(X, y)


# --------------------------------------------------------------------------
# Statistical claim: with an accurate source, the CV transfer model beats
# the target-only Lasso (Monte-Carlo test, fixed seeds)
# --------------------------------------------------------------------------


def _one_replicate(seed):
    rng = np.random.default_rng(seed)
    p, s, n_target, n_source = 30, 5, 30, 100
    beta = np.zeros(p)
    support = rng.choice(p, s, replace=False)
    beta[support] = rng.choice([-1.0, 1.0], s) * rng.uniform(0.5, 1.5, s)
    Xt = rng.standard_normal((n_target, p))
    yt = Xt @ beta + rng.standard_normal(n_target)
    Xs = rng.standard_normal((n_source, p))
    ys = Xs @ beta + rng.standard_normal(n_source)  # an accurate source
    X, y, domain = stack_domains((Xt, yt), [(Xs, ys)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        transfer = TransferLassoCV(n_alphas=10, eps=1e-2)
        transfer.fit(X, y, sample_domain=domain)
        lasso = LassoCV(alphas=10, eps=1e-2, cv=5).fit(Xt, yt)
    err_transfer = np.sum((transfer.coef_ - beta) ** 2)
    err_lasso = np.sum((lasso.coef_ - beta) ** 2)
    return err_lasso - err_transfer


def test_transfer_beats_target_only_lasso_with_accurate_source():
    n_rep = 20
    diffs = np.array([_one_replicate(1000 + seed) for seed in range(n_rep)])
    mean = diffs.mean()
    se = diffs.std(ddof=1) / np.sqrt(n_rep)
    assert mean - 3 * se > 0, (mean, se)


# --------------------------------------------------------------------------
# transfer_lasso_path
# --------------------------------------------------------------------------


@pytest.mark.parametrize("l1_ratio", [0.2, 0.5, 0.9])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_path_matches_individual_fits(l1_ratio, sparse_input):
    X, y, source_coef, sw = make_target(13)
    X_in = sp.csc_matrix(X) if sparse_input else X
    alphas, coefs, gaps, intercepts, n_iters = transfer_lasso_path(
        X_in, y, l1_ratio=l1_ratio, source_coef=source_coef, sample_weight=sw,
        n_alphas=5, tol=1e-10, max_iter=300, return_intercept=True,
        return_n_iter=True,
    )
    assert alphas.shape == (5,) and coefs.shape == (X.shape[1], 5)
    assert gaps.shape == intercepts.shape == n_iters.shape == (5,)
    assert np.all(gaps <= 1e-10)
    assert np.all(n_iters >= 1)
    for k, alpha in enumerate(alphas):
        ref = TransferLasso(alpha=alpha, l1_ratio=l1_ratio, source_coef=source_coef,
                            tol=1e-12, max_iter=500).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(coefs[:, k], ref.coef_, atol=1e-6)
        assert intercepts[k] == pytest.approx(ref.intercept_, abs=1e-6)


def test_path_explicit_alphas_sorted_and_coef_init():
    X, y, source_coef, _ = make_target(14)
    alphas, coefs, _ = transfer_lasso_path(X, y, l1_ratio=0.5, source_coef=source_coef,
                                           alphas=[0.01, 1.0, 0.1], tol=1e-10)
    np.testing.assert_array_equal(alphas, [1.0, 0.1, 0.01])
    warm = transfer_lasso_path(X, y, l1_ratio=0.5, source_coef=source_coef,
                               alphas=[0.01], coef_init=coefs[:, 1], tol=1e-10)[1]
    np.testing.assert_allclose(warm[:, 0], coefs[:, 2], atol=1e-6)


def test_path_with_sample_domain_uses_target_rows():
    (X, y, domain), (Xt, yt) = make_stacked(15)
    source_coef = np.linspace(-1, 1, X.shape[1])
    stacked = transfer_lasso_path(X, y, l1_ratio=0.3, source_coef=source_coef,
                                  sample_domain=domain, n_alphas=4)
    target = transfer_lasso_path(Xt, yt, l1_ratio=0.3, source_coef=source_coef,
                                 n_alphas=4)
    for a, b in zip(stacked, target):
        np.testing.assert_array_equal(a, b)


def test_path_without_source_is_lasso_path():
    from sklearn.linear_model import lasso_path

    X, y, _, _ = make_target(16)
    Xc, yc = X - X.mean(0), y - y.mean()
    alphas, coefs, _ = transfer_lasso_path(X, y, l1_ratio=0.7, n_alphas=5,
                                           tol=1e-12, max_iter=500)
    ref_alphas, ref_coefs, _ = lasso_path(Xc, yc, alphas=5, tol=1e-14,
                                          max_iter=100_000)
    np.testing.assert_allclose(alphas, ref_alphas, rtol=1e-10)
    np.testing.assert_allclose(coefs, ref_coefs, atol=1e-6)


def test_path_warns_when_not_converged():
    X, y, source_coef, _ = make_target(17, n=30, p=40)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        _, _, gaps = transfer_lasso_path(X, y, source_coef=source_coef, n_alphas=3,
                                         eps=1e-4, max_iter=1, tol=1e-14)
    assert np.any(gaps > 1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        transfer_lasso_path(X, y, source_coef=source_coef, n_alphas=3)
