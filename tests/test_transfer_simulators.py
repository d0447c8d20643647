"""The Trans-Lasso and Trans-GLM simulators follow their documented designs."""

import numpy as np
import pytest

from sktransfer.datasets import make_glm_transfer, make_trans_lasso_regression


def test_trans_lasso_exact_design():
    data = make_trans_lasso_regression(n_target=30, n_source=20, n_sources=5,
                                       n_informative=3, n_features=80,
                                       n_nonzero=6, h=4, random_state=0)
    assert data.X.shape == (30 + 5 * 20, 80)
    np.testing.assert_array_equal(np.unique(data.sample_domain), [-1, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(data.coef[:6], 0.3)
    assert np.all(data.coef[6:] == 0)
    diff = data.source_coefs - data.coef
    # coordinate 0 is shifted by -0.6 in every source, plus the H_k shifts
    n_shifted = (diff != 0).sum(axis=1)
    assert np.all(n_shifted[:3] <= 4 + 1) and np.all(n_shifted[:3] >= 4)
    assert np.all(n_shifted[3:] >= 12) and np.all(n_shifted[3:] <= 13)
    np.testing.assert_array_equal(data.informative, [True] * 3 + [False] * 2)
    # responses are linear in the documented coefficients (noise sd 1)
    target = data.sample_domain == -1
    resid = data.y[target] - data.X[target] @ data.coef
    assert abs(resid.std() - 1) < 0.35


def test_trans_lasso_gaussian_heterogeneous_and_seed():
    kwargs = dict(n_sources=4, n_informative=2, n_features=120, h=6,
                  perturbation="gaussian", covariance="heterogeneous")
    a = make_trans_lasso_regression(random_state=1, **kwargs)
    b = make_trans_lasso_regression(random_state=1, **kwargs)
    np.testing.assert_array_equal(a.X, b.X)
    diff = a.source_coefs - a.coef
    diff[:, 0] += 0.6
    assert np.all(diff[:, 100:] == 0)
    # informative perturbations are smaller (sd 0.06) than the others (0.32)
    assert diff[:2, 1:100].std() < 0.1 < diff[2:, 1:100].std()
    # the last source has AR(1) correlation 0.8 between neighbours
    rows = a.X[a.sample_domain == 4]
    corr = np.corrcoef(rows[:, :-1].ravel(), rows[:, 1:].ravel())[0, 1]
    assert abs(corr - 0.8) < 0.05


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson"])
@pytest.mark.parametrize("cov_type", [1, 2])
def test_glm_transfer_design(family, cov_type):
    data = make_glm_transfer(family, n_target=50, n_source=[30, 40, 20],
                             n_sources=3, n_transferable=2, h=0.5, n_nonzero=4,
                             n_features=40, cov_type=cov_type, random_state=0)
    assert data.X.shape == (140, 40)
    np.testing.assert_allclose(np.abs(data.source_coefs[:2] - data.coef).sum(1), 0.5)
    np.testing.assert_allclose(np.abs(data.source_coefs[2] - data.coef).min(), 0.025)
    np.testing.assert_array_equal(data.source_intercepts, [0, 0, 0.5])
    support = np.flatnonzero(np.abs(data.source_coefs[2]) > 0.4)
    assert set(range(4, 8)) <= set(support) and len(support) == 8
    if family == "binomial":
        assert set(np.unique(data.y)) <= {0.0, 1.0}
    if family == "poisson":
        assert np.all(np.abs(data.X) <= 0.5) and np.all(data.y >= 0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(family="gamma"), "family"),
    (dict(n_transferable=9), "n_transferable"),
    (dict(n_source=[10, 10]), "n_source"),
    (dict(n_features=6, n_nonzero=4), "n_features"),
    (dict(cov_type=3), "cov_type"),
    (dict(h=-1), "h"),
])
def test_glm_transfer_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make_glm_transfer(**kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(n_informative=30), "n_informative"),
    (dict(perturbation="uniform"), "perturbation"),
    (dict(covariance="diag"), "covariance"),
    (dict(n_target=0), "n_target"),
    (dict(noise=-1.0), "noise"),
    (dict(n_target=2.5), "n_target"),
])
def test_trans_lasso_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make_trans_lasso_regression(**kwargs)


@pytest.mark.parametrize("make, kwargs", [
    (make_trans_lasso_regression, dict(n_sources=2, n_informative=1, n_features=30,
                                       n_nonzero=3, h=2)),
    (make_glm_transfer, dict(family="gaussian", n_sources=2, n_features=30)),
    (make_glm_transfer, dict(family="poisson", n_sources=2, n_features=30)),
])
def test_test_rows_do_not_change_training_data(make, kwargs):
    plain = make(**kwargs, random_state=3)
    with_test = make(**kwargs, n_test=40, random_state=3)
    np.testing.assert_array_equal(plain.X, with_test.X)
    np.testing.assert_array_equal(plain.y, with_test.y)
    assert "X_test" not in plain
    assert with_test.X_test.shape == (40, 30) and with_test.y_test.shape == (40,)
    # the test rows follow the target model: OLS on a large test sample recovers β
    big = make(**{**kwargs, "n_features": 30}, n_test=4000, random_state=4)
    if kwargs.get("family", "gaussian") == "gaussian":
        coef = np.linalg.lstsq(big.X_test, big.y_test, rcond=None)[0]
        assert np.max(np.abs(coef - big.coef)) < 0.1


@pytest.mark.parametrize("make", [make_trans_lasso_regression, make_glm_transfer])
def test_bad_n_test(make):
    with pytest.raises(ValueError, match="n_test"):
        make(n_test=-1)
    with pytest.raises(TypeError, match="n_test"):
        make(n_test=2.5)
