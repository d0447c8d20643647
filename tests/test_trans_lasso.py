"""Trans-Lasso: reductions to explicit computations and Monte-Carlo gains."""

import numpy as np
import pytest
from sklearn.linear_model import Lasso

from sktransfer.datasets import make_trans_lasso_regression
from sktransfer.linear_model import TransLasso
from sktransfer.utils import stack_domains


def _small(seed=0, **kwargs):
    params = dict(n_target=60, n_source=80, n_sources=4, n_informative=3,
                  n_features=40, n_nonzero=5, h=2, random_state=seed)
    params.update(kwargs)
    return make_trans_lasso_regression(**params)


def _sk_lasso(X, y, alpha):
    return Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)


def test_oracle_equals_explicit_two_steps():
    data = _small()
    model = TransLasso(sources=[1, 3], tol=1e-12, random_state=0).fit(
        data.X, data.y, sample_domain=data.sample_domain)
    d, p, c = data.sample_domain, data.X.shape[1], model.c_
    pooled = np.isin(d, [-1, 1, 3])
    step1 = _sk_lasso(data.X[pooled], data.y[pooled],
                      c * np.sqrt(2 * np.log(p) / pooled.sum()))
    target = d == -1
    offset = data.X[target] @ step1.coef_ + step1.intercept_
    step2 = _sk_lasso(data.X[target], data.y[target] - offset,
                      c * np.sqrt(2 * np.log(p) / target.sum()))
    np.testing.assert_allclose(model.coef_pooled_, step1.coef_, atol=1e-7)
    np.testing.assert_allclose(model.coef_, step1.coef_ + step2.coef_, atol=1e-7)
    assert model.intercept_ == pytest.approx(
        step1.intercept_ + step2.intercept_, abs=1e-7)


def test_sources_identical_to_target_give_the_pooled_lasso():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((50, 30))
    y = X[:, :3] @ np.ones(3) + rng.standard_normal(50)
    Xa, ya, d = stack_domains((X, y), [(X, y), (X, y)])
    model = TransLasso(sources=[1, 2], tol=1e-12, random_state=0).fit(
        Xa, ya, sample_domain=d)
    # The debiasing Lasso has a larger λ than the pooled one, and the pooled
    # fit's KKT conditions hold on the target rows: δ̂ = 0 exactly.
    assert np.all(model.delta_ == 0)
    lam = model.c_ * np.sqrt(2 * np.log(30) / 150)
    np.testing.assert_allclose(model.coef_, _sk_lasso(Xa, ya, lam).coef_, atol=1e-7)


@pytest.mark.parametrize("sources", [None, []])
def test_no_sources_gives_the_target_lasso(sources):
    data = _small(seed=2)
    model = TransLasso(sources=sources, tol=1e-12, random_state=0).fit(
        data.X, data.y, sample_domain=data.sample_domain)
    target = data.sample_domain == -1
    lam = model.c_ * np.sqrt(2 * np.log(40) / target.sum())
    ref = _sk_lasso(data.X[target], data.y[target], lam)
    np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-7)
    # and with no source rows at all, auto mode is the same target Lasso
    alone = TransLasso(random_state=0).fit(data.X[target], data.y[target])
    assert alone.candidate_sets_ == [[()], [()]]


def test_monte_carlo_trans_lasso_beats_target_only():
    """Most sources informative: auto Trans-Lasso has smaller ℓ2² error.

    Paired differences over 12 seeds; the claim is that their mean is
    positive by more than 3 Monte-Carlo standard errors.
    """
    diffs = []
    for seed in range(12):
        data = _small(seed=seed, n_sources=5, n_informative=4, n_features=80,
                      n_target=60, n_source=150, h=2, signal=0.5,
                      shift_first=False)
        d = data.sample_domain
        auto = TransLasso(random_state=seed).fit(data.X, data.y, sample_domain=d)
        alone = TransLasso(sources=None, random_state=seed).fit(
            data.X, data.y, sample_domain=d)
        diffs.append(np.sum((alone.coef_ - data.coef) ** 2)
                     - np.sum((auto.coef_ - data.coef) ** 2))
    diffs = np.asarray(diffs)
    se = diffs.std(ddof=1) / np.sqrt(diffs.size)
    assert diffs.mean() - 3 * se > 0


def test_auto_ranks_informative_sources_first():
    data = _small(seed=4, n_sources=6, n_informative=3, n_source=200, h=1,
                  signal=0.5, n_features=60, n_target=90, shift_first=False)
    model = TransLasso(random_state=0).fit(data.X, data.y,
                                           sample_domain=data.sample_domain)
    for index in model.sparsity_index_:
        ranked = np.argsort(index)
        assert set(ranked[:3]) == {0, 1, 2}
    for weights in model.aggregation_weights_:
        assert weights.min() >= 0 and weights.sum() == pytest.approx(1)


@pytest.mark.parametrize("kwargs, domain_fix, match", [
    (dict(sources=[9]), None, "sources"),
    (dict(), "single", "single row"),
    (dict(), "short", "sample_domain"),
    (dict(), "no_target", "no target rows"),
])
def test_bad_input(kwargs, domain_fix, match):
    data = _small(seed=5)
    d = data.sample_domain.copy()
    if domain_fix == "single":
        d[-1] = 9
    elif domain_fix == "short":
        d = d[:-1]
    elif domain_fix == "no_target":
        d[d == -1] = 1
    with pytest.raises(ValueError, match=match):
        TransLasso(**kwargs).fit(data.X, data.y, sample_domain=d)
