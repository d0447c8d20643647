"""Tests of the desparsified GLM lasso (Trans-GLM inference, Algorithm 3)."""

import dataclasses
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sktransfer.inference import DesparsifiedResult, desparsified_glm

TINY = 1e-8  # nodewise alpha that makes Θ̂ the exact inverse when N >> p


def _glm_mle(X, y, family, n_iter=50):
    """Unpenalised MLE (intercept first) by Newton's method."""
    Z = np.column_stack([np.ones(X.shape[0]), X])
    theta = np.zeros(Z.shape[1])
    for _ in range(n_iter):
        eta = Z @ theta
        if family == "gaussian":
            mu, v = eta, np.ones_like(eta)
        elif family == "binomial":
            mu = 1.0 / (1.0 + np.exp(-eta))
            v = mu * (1.0 - mu)
        else:
            mu = np.exp(eta)
            v = mu
        step = np.linalg.solve(Z.T @ (v[:, None] * Z), Z.T @ (y - mu))
        theta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    return theta[0], theta[1:]


def _simulate(family, n, beta, rng, intercept=0.3):
    p = beta.shape[0]
    X = rng.standard_normal((n, p))
    X[:, 1:] += 0.5 * X[:, :-1]  # correlated columns
    eta = intercept + X @ beta
    if family == "gaussian":
        y = eta + rng.standard_normal(n)
    elif family == "binomial":
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    else:
        y = rng.poisson(np.exp(eta)).astype(float)
    return X, y


BETA = np.array([1.0, -0.5, 0.0, 0.25, 0.0, 0.0])


# -- (a) low-dimensional agreement with statsmodels ---------------------------------
def test_gaussian_matches_ols():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(0)
    X, y = _simulate("gaussian", 200, BETA, rng)
    ols = sm.OLS(y, sm.add_constant(X)).fit()
    # From the OLS fit itself: b̂ = β̂ and the sandwich is σ̂²(X^T X)^{-1}
    # with σ̂² = RSS / (n - p - 1), exactly statsmodels' standard errors.
    res = desparsified_glm(X, y, ols.params[1:], ols.params[0],
                           family="gaussian", alpha_nodewise=TINY)
    np.testing.assert_allclose(res.coef, ols.params[1:], atol=1e-8)
    np.testing.assert_allclose(res.std_err, ols.bse[1:], rtol=1e-5)
    np.testing.assert_allclose(res.pvalues, ols.pvalues[1:], atol=5e-3)
    # From a shrunk estimate: one Newton step on a quadratic loss is OLS.
    res = desparsified_glm(X, y, 0.5 * ols.params[1:], 0.0,
                           family="gaussian", alpha_nodewise=TINY)
    np.testing.assert_allclose(res.coef, ols.params[1:], atol=1e-6)
    # With the default nodewise penalty: close, within a fraction of an SE;
    # the shrunk nodewise coefficients make the SEs somewhat smaller.
    res = desparsified_glm(X, y, ols.params[1:], ols.params[0],
                           family="gaussian")
    assert np.all(np.abs(res.coef - ols.params[1:]) < 0.2 * ols.bse[1:])
    assert np.all(res.std_err <= 1.01 * ols.bse[1:])
    np.testing.assert_allclose(res.std_err, ols.bse[1:], rtol=0.15)


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_glm_matches_statsmodels(family):
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(1)
    X, y = _simulate(family, 300, 0.5 * BETA, rng)
    fam = sm.families.Binomial() if family == "binomial" else sm.families.Poisson()
    glm = sm.GLM(y, sm.add_constant(X), family=fam).fit(tol=1e-12)
    res = desparsified_glm(X, y, glm.params[1:], glm.params[0], family=family,
                           alpha_nodewise=TINY)
    np.testing.assert_allclose(res.coef, glm.params[1:], atol=1e-7)
    np.testing.assert_allclose(res.std_err, glm.bse[1:], rtol=1e-5)
    np.testing.assert_allclose(res.z, glm.tvalues[1:], rtol=1e-4, atol=1e-8)
    np.testing.assert_allclose(res.conf_int(), glm.conf_int()[1:], atol=1e-6)
    # A Newton step from a perturbed estimate lands close to the MLE.
    res = desparsified_glm(X, y, 0.9 * glm.params[1:], glm.params[0],
                           family=family, alpha_nodewise=TINY)
    assert np.all(np.abs(res.coef - glm.params[1:]) < 0.05 * glm.bse[1:])


def test_logit_matches_statsmodels_logit():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(2)
    X, y = _simulate("binomial", 250, BETA, rng)
    logit = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    res = desparsified_glm(X, y, logit.params[1:], logit.params[0],
                           family="binomial", alpha_nodewise=TINY)
    np.testing.assert_allclose(res.std_err, logit.bse[1:], rtol=1e-5)
    np.testing.assert_allclose(res.pvalues, logit.pvalues[1:], rtol=1e-4,
                               atol=1e-10)


def test_pooled_rows_default_to_target():
    rng = np.random.default_rng(3)
    X, y = _simulate("binomial", 150, BETA, rng)
    coef = 0.8 * BETA
    a = desparsified_glm(X, y, coef, 0.1, family="binomial")
    b = desparsified_glm(X, y, coef, 0.1, family="binomial", X_pooled=X)
    np.testing.assert_allclose(a.coef, b.coef)
    np.testing.assert_allclose(a.std_err, b.std_err)
    assert a.n_pooled == b.n_pooled == 150


def test_pooled_rows_change_only_the_inverse_hessian():
    rng = np.random.default_rng(4)
    X, y = _simulate("gaussian", 100, BETA, rng)
    X_src, _ = _simulate("gaussian", 400, BETA, rng)
    X_pool = np.vstack([X, X_src])
    intercept, coef = _glm_mle(X, y, "gaussian")
    res = desparsified_glm(X, y, coef, intercept, family="gaussian",
                           X_pooled=X_pool, alpha_nodewise=TINY)
    # At the target MLE the target gradient vanishes: b̂ = β̂ whatever Θ̂ is.
    np.testing.assert_allclose(res.coef, coef, atol=1e-10)
    assert res.n_target == 100 and res.n_pooled == 500
    # Θ̂ inverts the pooled (not the target) Gram matrix of the centred rows.
    Xc = X_pool - X_pool.mean(axis=0)
    np.testing.assert_allclose(res.inverse_hessian @ (Xc.T @ Xc / 500),
                               np.eye(6), atol=1e-6)


def test_column_scaling_equivariance():
    # The nodewise penalty is in standardised units, so rescaling a column
    # rescales its coefficient and standard error and leaves z unchanged.
    rng = np.random.default_rng(5)
    X, y = _simulate("binomial", 200, BETA, rng)
    coef = 0.7 * BETA
    a = desparsified_glm(X, y, coef, 0.2, family="binomial")
    scale = np.array([1.0, 10.0, 0.1, 1.0, 3.0, 1.0])
    b = desparsified_glm(X * scale, y, coef / scale, 0.2, family="binomial",
                         tol=1e-10)
    np.testing.assert_allclose(b.coef * scale, a.coef, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(b.std_err * scale, a.std_err, rtol=1e-5)
    np.testing.assert_allclose(b.z, a.z, rtol=1e-5, atol=1e-8)


def test_offset_is_an_intercept_shift_and_weights_are_used():
    rng = np.random.default_rng(6)
    X, y = _simulate("poisson", 200, 0.5 * BETA, rng)
    coef = 0.4 * BETA
    a = desparsified_glm(X, y, coef, 0.3, family="poisson")
    b = desparsified_glm(X, y, coef, 0.1, family="poisson",
                         offset=np.full(200, 0.2))
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    np.testing.assert_allclose(a.std_err, b.std_err, rtol=1e-10)
    # Unit weights are no weights; non-uniform weights change the result.
    c = desparsified_glm(X, y, coef, 0.3, family="poisson",
                         sample_weight=np.full(200, 3.0))
    np.testing.assert_allclose(a.coef, c.coef, rtol=1e-10)
    w = rng.uniform(0.5, 2.0, 200)
    d = desparsified_glm(X, y, coef, 0.3, family="poisson", sample_weight=w)
    assert not np.allclose(a.coef, d.coef)


def test_high_dimensional_runs_fast_and_finite():
    import time

    rng = np.random.default_rng(7)
    n_target, n_pool, p = 200, 700, 500
    X_pool = rng.standard_normal((n_pool, p))
    X_pool[:, 1:] += 0.5 * X_pool[:, :-1]
    beta = np.zeros(p)
    beta[:5] = 0.5
    X = X_pool[:n_target]
    y = X @ beta + rng.standard_normal(n_target)
    desparsified_glm(X[:, :20], y, beta[:20], family="gaussian")  # warm-up
    start = time.perf_counter()
    res = desparsified_glm(X, y, 0.8 * beta, 0.0, family="gaussian",
                           X_pooled=X_pool)
    elapsed = time.perf_counter() - start
    assert np.all(np.isfinite(res.coef)) and np.all(res.std_err > 0)
    assert elapsed < 10.0  # about 0.3 s on 2 idle cores
    # The debiased zeros are centred near 0 on the scale of their SE.
    assert abs(np.mean(res.z[5:])) < 0.3


def test_constant_column_gives_nan_with_warning():
    rng = np.random.default_rng(8)
    X, y = _simulate("gaussian", 100, BETA, rng)
    X[:, 2] = 1.0
    with pytest.warns(RuntimeWarning, match="vanishing nodewise"):
        res = desparsified_glm(X, y, BETA, 0.3, family="gaussian")
    assert np.isnan(res.coef[2]) and np.isnan(res.std_err[2])
    keep = np.arange(6) != 2
    assert np.all(np.isfinite(res.coef[keep]))
    assert np.all(np.isfinite(res.std_err[keep]))


def test_non_convergence_warns():
    rng = np.random.default_rng(9)
    X, y = _simulate("gaussian", 100, BETA, rng)
    with pytest.warns(ConvergenceWarning, match="nodewise"):
        desparsified_glm(X, y, BETA, family="gaussian", tol=1e-15, max_iter=1)


# -- (b) Monte-Carlo coverage -------------------------------------------------------
@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_coverage_monte_carlo(family):
    """95% intervals cover the truth at the nominal rate.

    R replications of a target sample (n = 150) and pooled rows (target plus
    250 source rows from the same model); ``β̂`` is the MLE on the pooled
    rows, as a transfer estimate would be. The R·p coverage indicators are
    not independent (the coordinates of one replication share the data), so
    the Monte-Carlo SE of the overall rate is taken conservatively from R
    trials, sqrt(0.95·0.05/R) — the correlation-one bound — and each
    coordinate's own rate (R independent trials) is checked too.
    """
    n_reps, n_target, n_source = 200, 150, 250
    beta = 0.5 * BETA if family == "binomial" else BETA
    rng = np.random.default_rng(2023)
    covered = np.empty((n_reps, beta.shape[0]), dtype=bool)
    for r in range(n_reps):
        X, y = _simulate(family, n_target + n_source, beta, rng)
        intercept, coef = _glm_mle(X, y, family)
        res = desparsified_glm(X[:n_target], y[:n_target], coef, intercept,
                               family=family, X_pooled=X)
        ci = res.conf_int(0.05)
        covered[r] = (ci[:, 0] <= beta) & (beta <= ci[:, 1])
    mc_se = np.sqrt(0.95 * 0.05 / n_reps)
    assert abs(covered.mean() - 0.95) < 3 * mc_se, covered.mean(axis=0)
    per_coordinate = covered.mean(axis=0)
    assert np.all(np.abs(per_coordinate - 0.95) < 3.5 * mc_se), per_coordinate


# -- result object ------------------------------------------------------------------
@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(10)
    X, y = _simulate("binomial", 200, BETA, rng)
    intercept, coef = _glm_mle(X, y, "binomial")
    return desparsified_glm(X, y, coef, intercept, family="binomial",
                            feature_names=[f"f{j}" for j in range(6)])


def test_result_is_frozen_and_read_only(result):
    assert isinstance(result, DesparsifiedResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.coef = np.zeros(6)
    with pytest.raises(ValueError):
        result.coef[0] = 1.0
    assert "n_features=6" in repr(result)


def test_conf_int_and_levels(result):
    ci95 = result.conf_int()
    ci90 = result.conf_int(0.10)
    assert ci95.shape == (6, 2)
    np.testing.assert_allclose(ci95.mean(axis=1), result.coef)
    assert np.all(ci95[:, 1] - ci95[:, 0] > ci90[:, 1] - ci90[:, 0])
    np.testing.assert_allclose((ci95[:, 1] - ci95[:, 0]) / 2,
                               1.959963984540054 * result.std_err)
    np.testing.assert_allclose(result.z, result.coef / result.std_err)
    np.testing.assert_allclose(np.diag(result.covariance), result.std_err**2)


def test_summary_and_frame(result):
    text = result.summary()
    for token in ("coef", "std err", "P>|z|", "[0.025", "0.975]", "f5",
                  "binomial"):
        assert token in text
    assert "[0.05" in result.summary(alpha=0.1)
    assert "g0" in result.summary(feature_names=[f"g{j}" for j in range(6)])
    html = result._repr_html_()
    assert html.startswith("<table") and "f3" in html
    frame = result.to_frame()
    assert list(frame.columns) == ["coef", "std_err", "z", "pvalue",
                                   "ci_lower", "ci_upper", "initial_coef"]
    assert list(frame.index) == [f"f{j}" for j in range(6)]
    np.testing.assert_allclose(frame["ci_lower"], result.conf_int()[:, 0])


def test_plot(result):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = result.plot(features=[0, 1, 3])
    assert len(ax.get_yticklabels()) == 3
    plt.close("all")


def test_dataframe_columns_name_the_features():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(11)
    X, y = _simulate("gaussian", 80, BETA, rng)
    frame = pd.DataFrame(X, columns=list("abcdef"))
    res = desparsified_glm(frame, y, BETA, 0.3, family="gaussian")
    assert res.feature_names == tuple("abcdef")
    assert list(res.to_frame().index) == list("abcdef")


# -- (c) input validation ----------------------------------------------------------
@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(12)
    X, y = _simulate("binomial", 60, BETA, rng)
    return X, y


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"family": "gamma"}, ValueError, "family"),
        ({"family": 1}, TypeError, "family"),
        ({"level": 1.0}, ValueError, "level"),
        ({"level": 0.0}, ValueError, "level"),
        ({"level": "0.9"}, TypeError, "level"),
        ({"intercept": "a"}, TypeError, "intercept"),
        ({"intercept": np.nan}, ValueError, "intercept"),
        ({"coef": np.zeros(5)}, ValueError, "coef"),
        ({"coef": np.full(6, np.nan)}, ValueError, "coef"),
        ({"y_target": np.zeros(59)}, ValueError, "y_target"),
        ({"y_target": np.full(60, 2.0)}, ValueError, "y_target"),
        ({"sample_weight": -np.ones(60)}, ValueError, "sample_weight"),
        ({"sample_weight": np.zeros(60)}, ValueError, "sample_weight"),
        ({"sample_weight": np.ones(3)}, ValueError, "sample_weight"),
        ({"offset": np.ones(3)}, ValueError, "offset"),
        ({"X_pooled": np.ones((10, 5))}, ValueError, "X_pooled"),
        ({"sample_weight_pooled": np.ones(60)}, ValueError,
         "sample_weight_pooled"),
        ({"offset_pooled": np.ones(60)}, ValueError, "offset_pooled"),
        ({"alpha_nodewise": -1.0}, ValueError, "alpha_nodewise"),
        ({"alpha_nodewise": np.ones(4)}, ValueError, "alpha_nodewise"),
        ({"alpha_nodewise": "big"}, TypeError, "alpha_nodewise"),
        ({"scale": 0.0}, ValueError, "scale"),
        ({"fit_intercept": "yes"}, TypeError, "fit_intercept"),
        ({"tol": -1.0}, ValueError, "tol"),
        ({"max_iter": 0}, ValueError, "max_iter"),
        ({"n_jobs": 0}, ValueError, "n_jobs"),
        ({"feature_names": ["a"]}, ValueError, "feature_names"),
    ],
)
def test_bad_input(data, kwargs, error, match):
    X, y = data
    args = {"X_target": X, "y_target": y, "coef": BETA, "intercept": 0.0,
            "family": "binomial"}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        desparsified_glm(**args)


def test_nan_and_shape_of_designs(data):
    X, y = data
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="X_target"):
        desparsified_glm(bad, y, BETA, family="binomial")
    with pytest.raises(ValueError, match="X_pooled"):
        desparsified_glm(X, y, BETA, family="binomial",
                         X_pooled=np.vstack([X, bad]))
    with pytest.raises(ValueError, match="y_target"):
        desparsified_glm(X, np.where(np.arange(60) == 0, np.nan, y), BETA,
                         family="binomial")
    with pytest.raises(ValueError, match="X_target"):
        desparsified_glm(X[:, 0], y, BETA[:1], family="binomial")


def test_poisson_counts_and_overflow():
    rng = np.random.default_rng(13)
    X, y = _simulate("poisson", 50, 0.5 * BETA, rng)
    with pytest.raises(ValueError, match="non-negative"):
        desparsified_glm(X, -y - 1, BETA, family="poisson")
    with pytest.raises(ValueError, match="overflows"):
        desparsified_glm(X, y, BETA, 1000.0, family="poisson")


def test_conf_int_alpha_validation(result):
    for alpha in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="alpha"):
            result.conf_int(alpha)
    with pytest.raises(TypeError, match="alpha"):
        result.conf_int("0.05")
    with pytest.raises(ValueError, match="feature_names"):
        result.summary(feature_names=["a"])


def test_no_warning_on_clean_input(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        desparsified_glm(X, y, 0.5 * BETA, 0.1, family="binomial")
