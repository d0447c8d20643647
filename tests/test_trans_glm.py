"""Trans-GLM estimators: exact reductions, the two steps, detection, errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import Lasso, LogisticRegression

from sktransfer.datafits import Gaussian, Logistic, Poisson
from sktransfer.datasets import make_glm_transfer
from sktransfer.linear_model import TransGLMClassifier, TransGLMRegressor
from sktransfer.linear_model._glm_path import GLMProblem
from sktransfer.penalties import ElasticNet, WeightedL1
from sktransfer.solvers import ProxNewton
from sktransfer.utils import stack_domains


def _sd(X):
    """Population standard deviation (divisor n), glmnet's standardisation."""
    return X.std(axis=0)


def _glm_data(family, seed=0, n=80, p=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.5, 2.0, p)
    beta = np.zeros(p)
    beta[:3] = [0.6, -0.4, 0.3]
    eta = 0.2 + X @ beta
    if family == "gaussian":
        y = eta + rng.standard_normal(n)
    elif family == "binomial":
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    else:
        y = rng.poisson(np.exp(eta / 2)).astype(float)
    return X, y


def test_target_only_gaussian_is_standardised_lasso():
    X, y = _glm_data("gaussian")
    lam = 0.05
    model = TransGLMRegressor(transfer_sources=None, lambda_debias=lam,
                              tol=1e-10).fit(X, y)
    sd = _sd(X)
    ref = Lasso(alpha=lam, tol=1e-14, max_iter=100_000).fit(X / sd, y)
    np.testing.assert_allclose(model.coef_, ref.coef_ / sd, atol=1e-7)
    assert model.intercept_ == pytest.approx(ref.intercept_, abs=1e-7)
    np.testing.assert_array_equal(model.coef_pooled_, 0.0)
    assert model.lambda_ == {"transfer": None, "debias": lam}


def test_target_only_logistic_is_standardised_l1_logistic():
    X, y = _glm_data("binomial", seed=1, n=120)
    lam = 0.02
    model = TransGLMClassifier(transfer_sources=None, lambda_debias=lam,
                               tol=1e-10).fit(X, y)
    sd = _sd(X)
    ref = LogisticRegression(C=1 / (X.shape[0] * lam), l1_ratio=1.0, solver="saga",
                             tol=1e-13, max_iter=200_000).fit(X / sd, y)
    np.testing.assert_allclose(model.coef_, ref.coef_.ravel() / sd, atol=2e-6)
    assert model.intercept_ == pytest.approx(ref.intercept_[0], abs=2e-6)


def _explicit_two_step(datafit_cls, X, y, domain, chosen, lam_w, lam_d, l1_ratio):
    """The two steps written with the solver directly (numpy sds)."""
    target = domain < 0
    pooled = target | np.isin(domain, chosen)
    solver = ProxNewton(tol=1e-11, max_iter=200)
    Xp, yp = X[pooled], y[pooled]
    step1 = solver.solve(Xp, yp, datafit_cls(),
                         ElasticNet(lam_w, l1_ratio, weights=_sd(Xp)))
    offset = X[target] @ step1.coef + step1.intercept
    step2 = solver.solve(X[target], y[target], datafit_cls(offset=offset),
                         WeightedL1(lam_d, _sd(X[target])))
    return step1, step2


@pytest.mark.parametrize("family, datafit_cls", [
    ("gaussian", Gaussian), ("poisson", Poisson),
])
def test_oracle_two_step_equals_explicit_computation(family, datafit_cls):
    data = make_glm_transfer(family, n_target=60, n_source=50, n_sources=3,
                             n_transferable=2, n_features=20, random_state=3)
    lam_w, lam_d = 0.08, 0.05
    model = TransGLMRegressor(family=family, transfer_sources=[2, 1],
                              lambda_transfer=lam_w, lambda_debias=lam_d,
                              l1_ratio=0.7, tol=1e-11).fit(
        data.X, data.y, sample_domain=data.sample_domain)
    step1, step2 = _explicit_two_step(datafit_cls, data.X, data.y,
                                      data.sample_domain, [1, 2], lam_w, lam_d, 0.7)
    np.testing.assert_array_equal(model.selected_sources_, [1, 2])
    np.testing.assert_allclose(model.coef_pooled_, step1.coef, atol=1e-8)
    np.testing.assert_allclose(model.delta_, step2.coef, atol=1e-8)
    np.testing.assert_allclose(model.coef_, step1.coef + step2.coef, atol=1e-8)
    assert model.intercept_ == pytest.approx(step1.intercept + step2.intercept,
                                             abs=1e-8)


def test_classifier_oracle_two_step_equals_explicit_computation():
    data = make_glm_transfer("binomial", n_target=90, n_source=80, n_sources=2,
                             n_transferable=2, n_features=15, random_state=4)
    labels = np.where(data.y > 0, "yes", "no")
    lam_w, lam_d = 0.03, 0.04
    model = TransGLMClassifier(transfer_sources="all", lambda_transfer=lam_w,
                               lambda_debias=lam_d, tol=1e-11).fit(
        data.X, labels, sample_domain=data.sample_domain)
    step1, step2 = _explicit_two_step(Logistic, data.X, data.y, data.sample_domain,
                                      [1, 2], lam_w, lam_d, 1.0)
    np.testing.assert_allclose(model.coef_, step1.coef + step2.coef, atol=1e-8)
    np.testing.assert_array_equal(model.classes_, ["no", "yes"])
    proba = model.predict_proba(data.X[:5])
    eta = data.X[:5] @ model.coef_ + model.intercept_
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-eta)), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(data.X[:5]),
                                  np.where(eta > 0, "yes", "no"))


def test_final_fit_satisfies_kkt_of_the_debias_step():
    data = make_glm_transfer("poisson", n_target=80, n_source=60, n_sources=2,
                             n_transferable=2, n_features=30, random_state=5)
    model = TransGLMRegressor(family="poisson", transfer_sources="all", tol=1e-9,
                              random_state=0).fit(
        data.X, data.y, sample_domain=data.sample_domain)
    target = data.sample_domain < 0
    X0, y0 = data.X[target], data.y[target]
    eta = X0 @ model.coef_ + model.intercept_
    grad = X0.T @ (np.exp(eta) - y0) / X0.shape[0]
    bound = model.lambda_["debias"] * _sd(X0)
    active = model.delta_ != 0
    scale = np.abs(X0.T @ (y0 - y0.mean())).max() / X0.shape[0]
    assert np.all(np.abs(grad[~active]) <= bound[~active] + 1e-8 * scale)
    np.testing.assert_allclose(grad[active], -bound[active] * np.sign(
        model.delta_[active]), atol=1e-8 * scale)
    assert abs(np.sum(np.exp(eta) - y0)) / X0.shape[0] < 1e-8 * scale


def test_weights_equal_repeated_rows_at_fixed_penalty():
    data = make_glm_transfer("gaussian", n_target=40, n_source=30, n_sources=2,
                             n_transferable=2, n_features=10, random_state=6)
    counts = np.random.default_rng(0).integers(1, 4, size=data.y.size)
    params = dict(transfer_sources="all", lambda_transfer=0.05, lambda_debias=0.04,
                  tol=1e-11)
    weighted = TransGLMRegressor(**params).fit(
        data.X, data.y, sample_weight=counts, sample_domain=data.sample_domain)
    rows = np.repeat(np.arange(data.y.size), counts)
    repeated = TransGLMRegressor(**params).fit(
        data.X[rows], data.y[rows], sample_domain=data.sample_domain[rows])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-8)
    assert weighted.intercept_ == pytest.approx(repeated.intercept_, abs=1e-8)


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_sparse_input_equals_dense(family):
    data = make_glm_transfer(family, n_target=60, n_source=40, n_sources=2,
                             n_transferable=2, n_features=25, random_state=7)
    X = data.X * (np.random.default_rng(1).random(data.X.shape) < 0.4)
    cls = TransGLMClassifier if family == "binomial" else TransGLMRegressor
    params = dict(transfer_sources="all", lambda_transfer=0.03,
                  lambda_debias=0.03, tol=1e-11)
    dense = cls(**params).fit(X, data.y, sample_domain=data.sample_domain)
    sparse = cls(**params).fit(sp.csr_matrix(X), data.y,
                               sample_domain=data.sample_domain)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-8)
    np.testing.assert_allclose(sparse.decision_function(sp.csr_matrix(X[:4]))
                               if family == "binomial"
                               else sparse.predict(sp.csr_matrix(X[:4])),
                               dense.decision_function(X[:4])
                               if family == "binomial" else dense.predict(X[:4]),
                               atol=1e-8)


def test_detection_attributes_follow_the_threshold_rule():
    data = make_glm_transfer("gaussian", n_target=90, n_source=80, n_sources=3,
                             n_transferable=2, h=2, n_features=40, random_state=8)
    model = TransGLMRegressor(C0=2.0, cv=5, random_state=0).fit(
        data.X, data.y, sample_domain=data.sample_domain)
    assert model.source_losses_.shape == (3,)
    expected = model.target_loss_ + 2.0 * max(model.target_loss_sd_, 0.01)
    assert model.threshold_ == pytest.approx(expected)
    np.testing.assert_array_equal(
        model.selected_sources_,
        model.sources_[model.source_losses_ <= model.threshold_])
    ax = model.plot_source_losses()
    assert len(ax.collections) == 2 and len(ax.lines) == 2
    assert ax.lines[1].get_ydata()[0] == pytest.approx(model.threshold_)


def test_no_sources_is_target_only_without_error():
    X, y = _glm_data("gaussian", seed=9)
    auto = TransGLMRegressor(random_state=0).fit(X, y)
    none = TransGLMRegressor(transfer_sources=None, random_state=0).fit(X, y)
    np.testing.assert_array_equal(auto.coef_, none.coef_)
    assert auto.selected_sources_.size == 0 and auto.source_losses_ is None
    with pytest.raises(ValueError, match="transfer_sources='auto'"):
        auto.plot_source_losses()


def test_stack_domains_input_and_random_state_reproducible():
    data = make_glm_transfer("binomial", n_target=60, n_source=50, n_sources=2,
                             n_transferable=1, n_features=20, random_state=10)
    target = data.sample_domain < 0
    X, y, domain = stack_domains(
        (data.X[target], data.y[target]),
        [(data.X[data.sample_domain == k], data.y[data.sample_domain == k])
         for k in (1, 2)])
    first = TransGLMClassifier(cv=4, random_state=3).fit(X, y, sample_domain=domain)
    second = TransGLMClassifier(cv=4, random_state=3).fit(X, y, sample_domain=domain)
    np.testing.assert_array_equal(first.coef_, second.coef_)
    np.testing.assert_array_equal(first.source_losses_, second.source_losses_)


def test_conf_int_and_summary():
    data = make_glm_transfer("gaussian", n_target=100, n_source=80, n_sources=2,
                             n_transferable=2, n_features=8, n_nonzero=2,
                             random_state=11)
    model = TransGLMRegressor(transfer_sources="all", random_state=0).fit(
        data.X, data.y, sample_domain=data.sample_domain)
    ci = model.conf_int(0.1)
    assert ci.shape == (8, 2) and np.all(ci[:, 0] < ci[:, 1])
    wider = model.conf_int(0.01)
    assert np.all(wider[:, 0] < ci[:, 0]) and np.all(wider[:, 1] > ci[:, 1])
    text = model.summary()
    assert "coef" in text and "x7" in text
    assert model.inference() is model.inference()  # computed once


@pytest.mark.parametrize("make, match", [
    (lambda X, y, d: TransGLMRegressor(family="binomial").fit(X, y), "family"),
    (lambda X, y, d: TransGLMRegressor(family="poisson").fit(X, -np.abs(y)),
     "non-negative"),
    (lambda X, y, d: TransGLMClassifier().fit(X, np.arange(y.size) % 3),
     "binary"),
    (lambda X, y, d: TransGLMRegressor().fit(X, y, sample_domain=d[:-1]),
     "sample_domain"),
    (lambda X, y, d: TransGLMRegressor(transfer_sources=[7]).fit(
        X, y, sample_domain=d), "transfer_sources"),
    (lambda X, y, d: TransGLMRegressor(lambda_debias="lambda_max").fit(X, y),
     "lambda_debias"),
    (lambda X, y, d: TransGLMRegressor(C0=-1.0).fit(X, y), "C0"),
])
def test_bad_input_names_the_argument(make, match):
    X, y = _glm_data("gaussian", seed=12, n=40, p=5)
    domain = np.where(np.arange(40) < 25, -1, 1)
    with pytest.raises(ValueError, match=match):
        make(X, y, domain)


def test_source_with_a_single_row_is_rejected():
    X, y = _glm_data("gaussian", seed=13, n=40, p=5)
    domain = -np.ones(40, dtype=int)
    domain[-1] = 2
    with pytest.raises(ValueError, match="single row"):
        TransGLMRegressor().fit(X, y, sample_domain=domain)


def test_path_in_pieces_equals_path_in_one_call():
    X, y = _glm_data("binomial", seed=14, n=100, p=30)
    glm = GLMProblem("binomial", tol=1e-9)
    whole = glm.prepare(X, y)
    alphas = glm.grid(whole, 30, 0.05)
    full = whole.run(alphas)
    pieces = glm.prepare(X, y)
    parts = [pieces.run(alphas[:7]), pieces.run(alphas[7:19]), pieces.run(alphas[19:])]
    coefs = np.vstack([part.coefs for part in parts])
    np.testing.assert_allclose(coefs, full.coefs, atol=1e-10)


def test_auto_selecting_nothing_equals_target_only():
    rng = np.random.default_rng(15)
    X, y = _glm_data("gaussian", seed=15, n=60, p=10)
    X_s = rng.standard_normal((60, 10))
    y_s = -3 * X_s[:, 0] + rng.standard_normal(60)  # signal reversed
    X_all, y_all, domain = stack_domains((X, y), [(X_s, y_s)])
    auto = TransGLMRegressor(C0=0.0, cv=5, random_state=4).fit(
        X_all, y_all, sample_domain=domain)
    none = TransGLMRegressor(transfer_sources=None, cv=5, random_state=4).fit(
        X_all, y_all, sample_domain=domain)
    assert auto.selected_sources_.size == 0
    assert auto.source_losses_[0] > auto.threshold_
    np.testing.assert_array_equal(auto.coef_, none.coef_)
    assert auto.intercept_ == none.intercept_


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_cv_early_stop_keeps_the_full_grid_choice(family):
    from sklearn.model_selection import KFold

    from sktransfer.linear_model._glm_path import cross_validate_glm

    X, y = _glm_data(family, seed=16, n=150, p=40)
    glm = GLMProblem(family, tol=1e-6)
    alphas = glm.grid(glm.prepare(X, y), 60, 0.01)
    folds = list(KFold(5, shuffle=True, random_state=0).split(X))
    full = cross_validate_glm(glm, X, y, folds, alphas, patience=None)
    early = cross_validate_glm(glm, X, y, folds, alphas, patience=5)
    assert full.n_evaluated == 60 and early.n_evaluated < 60
    assert early.index_min == full.index_min
    assert early.index_1se == full.index_1se
    np.testing.assert_allclose(early.cv_mean[:early.n_evaluated],
                               full.cv_mean[:early.n_evaluated])
    # lambda_1se: the largest level within one SE of the minimum.
    best = full.index_min
    within = full.cv_mean[:best + 1] <= full.cv_mean[best] + full.cv_se[best]
    assert full.index_1se == np.flatnonzero(within)[0]
