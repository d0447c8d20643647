"""make_concept_drift: shapes, reproducibility, the documented drift, bad input."""

import numpy as np
import pytest

from sktransfer.datasets import make_concept_drift
from sktransfer.datasets._concept_drift import MAGNITUDE_RANGE, MIN_MAGNITUDE


def test_shapes_and_period_layout():
    data = make_concept_drift(n_periods=4, n_samples_per_period=7,
                              n_features=15, n_informative=3, random_state=0)
    assert set(data) == {"X", "y", "period", "coefs"}
    assert data.X.shape == (28, 15)
    assert data.y.shape == (28,)
    assert data.coefs.shape == (4, 15)
    np.testing.assert_array_equal(data.period, np.repeat(np.arange(4), 7))
    assert data.X.dtype == data.y.dtype == data.coefs.dtype == np.float64


def test_defaults():
    data = make_concept_drift(random_state=0)
    assert data.X.shape == (500, 200)
    assert data.coefs.shape == (10, 200)


def test_reproducible_with_random_state():
    a = make_concept_drift(n_periods=3, random_state=42)
    b = make_concept_drift(n_periods=3, random_state=42)
    c = make_concept_drift(n_periods=3, random_state=43)
    for key in ("X", "y", "coefs"):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a.X, c.X)
    assert not np.array_equal(a.coefs, c.coefs)
    g1 = make_concept_drift(n_periods=3, random_state=np.random.default_rng(5))
    g2 = make_concept_drift(n_periods=3, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(g1.y, g2.y)
    s1 = make_concept_drift(n_periods=3,
                            random_state=np.random.SeedSequence(5))
    s2 = make_concept_drift(n_periods=3,
                            random_state=np.random.SeedSequence(5))
    np.testing.assert_array_equal(s1.y, s2.y)
    r1 = make_concept_drift(n_periods=3,
                            random_state=np.random.RandomState(5))
    r2 = make_concept_drift(n_periods=3,
                            random_state=np.random.RandomState(5))
    np.testing.assert_array_equal(r1.y, r2.y)


def test_coefs_do_not_depend_on_sample_size_or_noise():
    a = make_concept_drift(n_samples_per_period=10, noise=0.0, random_state=1)
    b = make_concept_drift(n_samples_per_period=30, noise=2.0, random_state=1)
    np.testing.assert_array_equal(a.coefs, b.coefs)


def test_noiseless_response_is_the_linear_model():
    data = make_concept_drift(n_periods=3, n_samples_per_period=5, noise=0.0,
                              random_state=0)
    for t in range(3):
        rows = data.period == t
        np.testing.assert_allclose(data.y[rows], data.X[rows] @ data.coefs[t])


def test_noise_level():
    data = make_concept_drift(n_periods=2, n_samples_per_period=2000,
                              n_features=20, n_informative=3, noise=2.0,
                              random_state=0)
    resid = data.y - np.einsum("ij,ij->i", data.X, data.coefs[data.period])
    # sd of a sample sd of 4000 normals is about 2 / sqrt(8000) = 0.022
    assert abs(resid.std() - 2.0) < 0.1


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_drift", [0, 1, 2, 3, 5])
def test_drift_is_sparse_as_documented(seed, n_drift):
    n_informative, drift_scale = 6, 0.4
    data = make_concept_drift(n_periods=30, n_samples_per_period=1,
                              n_features=40, n_informative=n_informative,
                              n_drift=n_drift, drift_scale=drift_scale,
                              random_state=seed)
    coefs = data.coefs
    low, high = MAGNITUDE_RANGE
    beta0 = coefs[0][coefs[0] != 0]
    assert np.all((np.abs(beta0) >= low) & (np.abs(beta0) <= high))
    # every period: exactly n_informative non-zeros, exactly n_drift changes
    np.testing.assert_array_equal((coefs != 0).sum(axis=1), n_informative)
    changed = np.diff(coefs, axis=0) != 0
    np.testing.assert_array_equal(changed.sum(axis=1), n_drift)
    assert np.all(np.abs(coefs[coefs != 0]) >= MIN_MAGNITUDE - 1e-12)
    for t in range(1, 30):
        before, after = coefs[t - 1], coefs[t]
        idx = np.flatnonzero(before != after)
        leaving = idx[(before[idx] != 0) & (after[idx] == 0)]
        entering = idx[(before[idx] == 0) & (after[idx] != 0)]
        moving = idx[(before[idx] != 0) & (after[idx] != 0)]
        assert len(leaving) == len(entering)  # swaps come in pairs
        assert len(moving) + 2 * len(leaving) == n_drift
        assert np.all((np.abs(after[entering]) >= low)
                      & (np.abs(after[entering]) <= high))
        # value changes keep the sign and move the magnitude by drift_scale
        np.testing.assert_array_equal(np.sign(after[moving]),
                                      np.sign(before[moving]))
        np.testing.assert_allclose(
            np.abs(np.abs(after[moving]) - np.abs(before[moving])), drift_scale
        )


def test_both_kinds_of_drift_occur():
    data = make_concept_drift(n_periods=40, n_samples_per_period=1,
                              random_state=0)
    coefs = data.coefs
    enters = (coefs[:-1] == 0) & (coefs[1:] != 0)
    moves = (coefs[:-1] != 0) & (coefs[1:] != 0) & (coefs[:-1] != coefs[1:])
    assert enters.any() and moves.any()


def test_stationary_when_no_drift():
    data = make_concept_drift(n_periods=4, n_drift=0, random_state=0)
    assert np.all(data.coefs == data.coefs[0])


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(n_periods=0), ValueError, "n_periods"),
        (dict(n_periods=2.0), TypeError, "n_periods"),
        (dict(n_periods=True), TypeError, "n_periods"),
        (dict(n_samples_per_period=0), ValueError, "n_samples_per_period"),
        (dict(n_samples_per_period="5"), TypeError, "n_samples_per_period"),
        (dict(n_features=0), ValueError, "n_features"),
        (dict(n_features=None), TypeError, "n_features"),
        (dict(n_informative=-1), ValueError, "n_informative"),
        (dict(n_informative=201), ValueError, "n_informative"),
        (dict(n_informative=1.5), TypeError, "n_informative"),
        (dict(n_drift=-1), ValueError, "n_drift"),
        (dict(n_drift=11), ValueError, "n_drift"),
        (dict(n_features=10, n_informative=10, n_drift=2), ValueError, "n_drift"),
        (dict(n_drift=2.0), TypeError, "n_drift"),
        (dict(drift_scale=0.0), ValueError, "drift_scale"),
        (dict(drift_scale=-1.0), ValueError, "drift_scale"),
        (dict(drift_scale=np.inf), ValueError, "drift_scale"),
        (dict(drift_scale=np.nan), ValueError, "drift_scale"),
        (dict(drift_scale="big"), TypeError, "drift_scale"),
        (dict(noise=-0.1), ValueError, "noise"),
        (dict(noise=np.nan), ValueError, "noise"),
        (dict(noise=[1.0]), TypeError, "noise"),
        (dict(random_state=-3), ValueError, "random_state"),
        (dict(random_state="seed"), TypeError, "random_state"),
        (dict(random_state=1.5), TypeError, "random_state"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        make_concept_drift(**kwargs)


def test_numpy_integer_arguments_are_accepted():
    data = make_concept_drift(n_periods=np.int64(2), n_samples_per_period=np.int32(3),
                              noise=np.float32(0.5), random_state=np.int64(0))
    assert data.X.shape == (6, 200)
