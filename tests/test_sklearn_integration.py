"""Pipeline, GridSearchCV, cross_validate and metadata routing of sample_domain."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.linear_model import TransferLasso, TransferLassoCV
from sktransfer.model_selection import TargetKFold
from sktransfer.utils import stack_domains


def make_stacked(seed=0, p=6):
    rng = np.random.default_rng(seed)
    beta = np.zeros(p)
    beta[:3] = [2.0, -1.5, 1.0]
    Xt = rng.standard_normal((30, p))
    yt = Xt @ beta + 0.5 * rng.standard_normal(30)
    Xs = rng.standard_normal((40, p)) + 0.5
    ys = Xs @ beta + 0.5 * rng.standard_normal(40)
    return stack_domains((Xt, yt), [(Xs, ys)])


@pytest.fixture(autouse=True)
def routing_off_after_test():
    yield
    assert sklearn.get_config()["enable_metadata_routing"] is False


def manual_pipeline_fit(X, y, domain, **params):
    """What the pipeline must do: scale with all rows, fit with sample_domain."""
    scaler = StandardScaler().fit(X)
    model = TransferLasso(**params).fit(scaler.transform(X), y, sample_domain=domain)
    return scaler, model


def test_pipeline_step_param():
    X, y, domain = make_stacked(0)
    pipe = make_pipeline(StandardScaler(), TransferLasso(alpha=0.05, l1_ratio=0.3))
    pipe.fit(X, y, transferlasso__sample_domain=domain)
    scaler, ref = manual_pipeline_fit(X, y, domain, alpha=0.05, l1_ratio=0.3)
    np.testing.assert_array_equal(pipe[-1].source_coef_, ref.source_coef_)
    np.testing.assert_array_equal(pipe[-1].coef_, ref.coef_)
    np.testing.assert_allclose(pipe.predict(X), ref.predict(scaler.transform(X)))
    # without sample_domain every row is a target row: a different model
    plain = clone(pipe).fit(X, y)
    np.testing.assert_array_equal(plain[-1].source_coef_, 0.0)


def test_pipeline_with_metadata_routing():
    X, y, domain = make_stacked(1)
    with sklearn.config_context(enable_metadata_routing=True):
        est = TransferLasso(alpha=0.05, l1_ratio=0.3)
        est.set_fit_request(sample_domain=True)
        pipe = make_pipeline(StandardScaler(), est).fit(X, y, sample_domain=domain)
    _, ref = manual_pipeline_fit(X, y, domain, alpha=0.05, l1_ratio=0.3)
    np.testing.assert_array_equal(pipe[-1].coef_, ref.coef_)
    np.testing.assert_array_equal(pipe[-1].source_coef_, ref.source_coef_)


@pytest.mark.parametrize("make_estimator", [
    lambda: TransferLasso(alpha=0.05),
    lambda: TransferLassoCV(n_alphas=3, cv=3),
])
def test_unrequested_sample_domain_raises_under_routing(make_estimator):
    X, y, domain = make_stacked(2)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), make_estimator())
        with pytest.raises(UnsetMetadataPassedError, match="sample_domain"):
            pipe.fit(X, y, sample_domain=domain)
        # explicitly not requested and consumed by nobody: sklearn refuses it
        pipe = make_pipeline(
            StandardScaler(), make_estimator().set_fit_request(sample_domain=False)
        )
        with pytest.raises(TypeError, match="sample_domain"):
            pipe.fit(X, y, sample_domain=domain)


def test_sample_weight_and_sample_domain_routed_together():
    X, y, domain = make_stacked(3)
    weights = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        est = TransferLasso(alpha=0.05).set_fit_request(sample_domain=True,
                                                         sample_weight=True)
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False), est)
        pipe.fit(X, y, sample_domain=domain, sample_weight=weights)
    scaled = StandardScaler().fit_transform(X)
    ref = TransferLasso(alpha=0.05).fit(scaled, y, sample_domain=domain,
                                        sample_weight=weights)
    np.testing.assert_array_equal(pipe[-1].coef_, ref.coef_)


def _manual_cv_scores(estimator, X, y, domain, n_splits):
    scores = []
    for train, test in TargetKFold(n_splits).split(X, sample_domain=domain):
        model = clone(estimator).fit(X[train], y[train], sample_domain=domain[train])
        scores.append(r2_score(y[test], model.predict(X[test])))
    return np.array(scores)


def test_cross_validate_with_target_kfold_and_routing():
    X, y, domain = make_stacked(4)
    est = TransferLasso(alpha=0.05, l1_ratio=0.3)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = clone(est).set_fit_request(sample_domain=True)
        result = cross_validate(routed, X, y, params={"sample_domain": domain},
                                cv=TargetKFold(3), return_indices=True)
    for test in result["indices"]["test"]:
        assert np.all(domain[test] < 0)
    np.testing.assert_allclose(result["test_score"],
                               _manual_cv_scores(est, X, y, domain, 3))


def test_cross_validate_without_routing_uses_fit_params_slices():
    X, y, domain = make_stacked(5)
    target = np.flatnonzero(domain < 0)
    cv = list(TargetKFold(3).split(X, sample_domain=domain))
    est = TransferLasso(alpha=0.05, l1_ratio=0.3)
    result = cross_validate(est, X, y, params={"sample_domain": domain}, cv=cv)
    np.testing.assert_allclose(result["test_score"],
                               _manual_cv_scores(est, X, y, domain, 3))
    assert sum(len(t) for _, t in cv) == target.size


def test_grid_search_with_target_kfold_and_routing():
    X, y, domain = make_stacked(6)
    grid = {"transferlasso__l1_ratio": [0.2, 0.8], "transferlasso__alpha": [0.01, 0.1]}
    with sklearn.config_context(enable_metadata_routing=True):
        est = TransferLasso().set_fit_request(sample_domain=True)
        pipe = make_pipeline(StandardScaler(), est)
        search = GridSearchCV(pipe, grid, cv=TargetKFold(3)).fit(X, y,
                                                                 sample_domain=domain)
    # every candidate's split scores are those of a manual TargetKFold loop
    for k, params in enumerate(search.cv_results_["params"]):
        scores = []
        for train, test in TargetKFold(3).split(X, sample_domain=domain):
            assert np.all(domain[test] < 0)
            assert np.all(np.isin(np.flatnonzero(domain > 0), train))
            scaler = StandardScaler().fit(X[train])
            model = TransferLasso(
                alpha=params["transferlasso__alpha"],
                l1_ratio=params["transferlasso__l1_ratio"],
            ).fit(scaler.transform(X[train]), y[train], sample_domain=domain[train])
            scores.append(r2_score(y[test], model.predict(scaler.transform(X[test]))))
        for split, score in enumerate(scores):
            assert search.cv_results_[f"split{split}_test_score"][k] == pytest.approx(
                score
            )
    # the refit used the sources
    assert np.any(search.best_estimator_[-1].source_coef_ != 0)


def test_grid_search_without_routing_step_param():
    X, y, domain = make_stacked(7)
    pipe = make_pipeline(StandardScaler(), TransferLasso(alpha=0.05))
    search = GridSearchCV(pipe, {"transferlasso__l1_ratio": [0.2, 0.8]}, cv=3)
    search.fit(X, y, transferlasso__sample_domain=domain)
    best = search.best_estimator_[-1]
    assert np.any(best.source_coef_ != 0)
    ref = clone(pipe).set_params(**search.best_params_).fit(
        X, y, transferlasso__sample_domain=domain
    )
    np.testing.assert_array_equal(best.coef_, ref[-1].coef_)


def test_transfer_lasso_cv_in_pipeline_with_routing():
    X, y, domain = make_stacked(8)
    with sklearn.config_context(enable_metadata_routing=True):
        est = TransferLassoCV(n_alphas=4, cv=3).set_fit_request(sample_domain=True)
        pipe = make_pipeline(StandardScaler(), est).fit(X, y, sample_domain=domain)
    ref = TransferLassoCV(n_alphas=4, cv=3).fit(StandardScaler().fit_transform(X), y,
                                                sample_domain=domain)
    np.testing.assert_array_equal(pipe[-1].coef_, ref.coef_)
    assert pipe[-1].alpha_ == ref.alpha_


def test_fitted_estimators_pickle():
    X, y, domain = make_stacked(9)
    for est in (TransferLasso(alpha=0.05), TransferLassoCV(n_alphas=3, cv=3)):
        est.fit(X, y, sample_domain=domain)
        clone_ = pickle.loads(pickle.dumps(est))
        np.testing.assert_array_equal(clone_.predict(X), est.predict(X))


def test_pandas_input_and_feature_names():
    pd = pytest.importorskip("pandas")
    X, y, domain = make_stacked(10)
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    model = TransferLasso(alpha=0.05).fit(frame, pd.Series(y),
                                          sample_domain=pd.Series(domain))
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    ref = TransferLasso(alpha=0.05).fit(X, y, sample_domain=domain)
    np.testing.assert_array_equal(model.coef_, ref.coef_)
