"""Data for the neural bridge: digits class-split transfer, shifted tasks."""

import numpy as np
import pytest
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression, Ridge

from sktransfer.datasets import _shifted_tasks, load_digits_transfer, make_shifted_tasks
from sktransfer.datasets._shifted_tasks import (
    HIDDEN_WIDTH,
    LATENT_WIDTH,
    _feature_map,
)

DIGIT_COUNTS = np.bincount(load_digits().target)

# ---------------------------------------------------------------- digits ---


def test_digits_shapes_dtypes_ranges():
    data = load_digits_transfer(random_state=0)
    n_source = DIGIT_COUNTS[:5].sum()
    n_test = DIGIT_COUNTS[5:].sum() - 50
    assert data.X_source.shape == (n_source, 64)
    assert data.X_target.shape == (50, 64)
    assert data.X_test.shape == (n_test, 64)
    for part in ("source", "target", "test"):
        X, y = data[f"X_{part}"], data[f"y_{part}"]
        assert X.dtype == np.float32
        assert y.dtype == np.int64
        assert y.shape == (X.shape[0],)
        assert X.min() >= 0.0
        assert X.max() <= 1.0
    assert data.X_source.max() == 1.0  # divided by 16, the maximum pixel
    np.testing.assert_array_equal(data.source_classes, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(data.target_classes, [5, 6, 7, 8, 9])
    assert data.image_shape == (8, 8)
    assert isinstance(data.DESCR, str)
    assert "digits" in data.DESCR.lower()


def test_digits_classes_and_counts():
    data = load_digits_transfer(
        source_classes=[7, 1], target_classes=(3, 0, 9), n_target_per_class=4,
        random_state=1,
    )
    np.testing.assert_array_equal(data.source_classes, [1, 7])
    np.testing.assert_array_equal(data.target_classes, [0, 3, 9])
    assert set(data.y_source) == {1, 7}
    assert len(data.y_source) == DIGIT_COUNTS[[1, 7]].sum()
    labels, counts = np.unique(data.y_target, return_counts=True)
    np.testing.assert_array_equal(labels, [0, 3, 9])
    np.testing.assert_array_equal(counts, [4, 4, 4])
    labels, counts = np.unique(data.y_test, return_counts=True)
    np.testing.assert_array_equal(labels, [0, 3, 9])
    np.testing.assert_array_equal(counts, DIGIT_COUNTS[[0, 3, 9]] - 4)
    assert not set(data.y_source) & set(data.y_target)


def test_digits_rows_match_load_digits_and_parts_are_disjoint():
    digits = load_digits()
    data = load_digits_transfer(random_state=2)
    for part in ("source", "target", "test"):
        idx = data[f"{part}_indices"]
        assert np.all(np.diff(idx) > 0)  # original order, no repeats
        np.testing.assert_array_equal(
            data[f"X_{part}"], (digits.data[idx] / 16).astype(np.float32)
        )
        np.testing.assert_array_equal(data[f"y_{part}"], digits.target[idx])
    assert not np.intersect1d(data.target_indices, data.test_indices).size
    assert not np.intersect1d(data.source_indices, data.target_indices).size
    # with test_size=None, target + test are all the target-class images
    all_target = np.flatnonzero(np.isin(digits.target, data.target_classes))
    np.testing.assert_array_equal(
        np.sort(np.concatenate([data.target_indices, data.test_indices])),
        all_target,
    )
    # and no image (as pixels) is in both the target sample and the test set
    target_rows = {row.tobytes() for row in data.X_target}
    assert not any(row.tobytes() in target_rows for row in data.X_test)


def test_digits_reproducible_and_seed_dependent():
    a = load_digits_transfer(random_state=3)
    b = load_digits_transfer(random_state=3)
    c = load_digits_transfer(random_state=4)
    d = load_digits_transfer(random_state=np.random.default_rng(3))
    for key in ("X_target", "y_target", "X_test", "target_indices", "test_indices"):
        np.testing.assert_array_equal(a[key], b[key])
        np.testing.assert_array_equal(a[key], d[key])
    assert not np.array_equal(a.target_indices, c.target_indices)
    np.testing.assert_array_equal(a.X_source, c.X_source)  # not random


@pytest.mark.parametrize("test_size, expected", [(0.1, 85), (1.0, 846), (7, 7),
                                                 (5, 5), (846, 846)])
def test_digits_test_size(test_size, expected):
    data = load_digits_transfer(test_size=test_size, random_state=0)
    assert len(data.y_test) == expected
    labels, counts = np.unique(data.y_test, return_counts=True)
    np.testing.assert_array_equal(labels, data.target_classes)  # stratified
    # one image per class, the rest in proportion to the images left
    spare = DIGIT_COUNTS[5:] - 10 - 1
    share = 1 + (expected - 5) * spare / spare.sum()
    assert np.all(np.abs(counts - share) < 1)
    assert not np.intersect1d(data.target_indices, data.test_indices).size


def test_digits_largest_n_target_per_class_leaves_one_test_image():
    n = DIGIT_COUNTS[8] - 1
    data = load_digits_transfer(source_classes=(0,), target_classes=(8,),
                                n_target_per_class=int(n), random_state=0)
    assert len(data.y_target) == n
    assert len(data.y_test) == 1


@pytest.mark.parametrize("kwargs, error, match", [
    ({"source_classes": 3}, TypeError, "source_classes"),
    ({"source_classes": "01"}, TypeError, "source_classes"),
    ({"source_classes": []}, ValueError, "source_classes"),
    ({"source_classes": (1, 1)}, ValueError, "source_classes"),
    ({"source_classes": (0, 10)}, ValueError, "source_classes"),
    ({"source_classes": (-1,)}, ValueError, "source_classes"),
    ({"source_classes": (1.0,)}, TypeError, "source_classes"),
    ({"source_classes": (True,)}, TypeError, "source_classes"),
    ({"source_classes": np.zeros((1, 1), dtype=int)}, ValueError,
     "source_classes"),
    ({"target_classes": None}, TypeError, "target_classes"),
    ({"target_classes": ()}, ValueError, "target_classes"),
    ({"target_classes": (5, 5)}, ValueError, "target_classes"),
    ({"target_classes": (4, 5)}, ValueError, "disjoint"),
    ({"n_target_per_class": 0}, ValueError, "n_target_per_class"),
    ({"n_target_per_class": 2.0}, TypeError, "n_target_per_class"),
    ({"n_target_per_class": int(DIGIT_COUNTS[8])}, ValueError,
     "n_target_per_class"),
    ({"test_size": 0}, ValueError, "test_size"),
    ({"test_size": 4}, ValueError, "test_size"),
    ({"test_size": 847}, ValueError, "test_size"),
    ({"test_size": 0.0}, ValueError, "test_size"),
    ({"test_size": 1.5}, ValueError, "test_size"),
    ({"test_size": 0.001}, ValueError, "test_size"),
    ({"test_size": "10"}, TypeError, "test_size"),
    ({"test_size": True}, TypeError, "test_size"),
    ({"random_state": -1}, ValueError, "random_state"),
    ({"random_state": "0"}, TypeError, "random_state"),
])
def test_digits_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_digits_transfer(**kwargs)


def test_digits_source_model_features_transfer():
    # Sanity: a source-only model's scores are informative features for the
    # target classes (few-shot transfer beats chance by far).
    data = load_digits_transfer(n_target_per_class=5, random_state=0)
    source_model = LogisticRegression(max_iter=200).fit(data.X_source,
                                                        data.y_source)
    head = LogisticRegression(max_iter=500).fit(
        source_model.decision_function(data.X_target), data.y_target)
    accuracy = head.score(source_model.decision_function(data.X_test),
                          data.y_test)
    assert accuracy > 0.5  # chance is 0.2


# -------------------------------------------------------- shifted tasks ---


def test_shifted_shapes_dtypes_classification():
    data = make_shifted_tasks(n_source=120, n_target=30, n_test=40, n_features=7,
                              n_classes=4, random_state=0)
    for part, n in (("source", 120), ("target", 30), ("test", 40)):
        X, y = data[f"X_{part}"], data[f"y_{part}"]
        assert X.shape == (n, 7)
        assert X.dtype == np.float32
        assert y.shape == (n,)
        assert y.dtype == np.int64
        assert y.min() >= 0
        assert y.max() <= 3
    W1, W2 = data.feature_map_weights
    assert W1.shape == (HIDDEN_WIDTH, 7)
    assert W2.shape == (LATENT_WIDTH, HIDDEN_WIDTH)
    assert data.source_head.shape == data.target_head.shape == (LATENT_WIDTH, 4)
    assert data.shift_direction.shape == (7,)
    assert np.linalg.norm(data.shift_direction) == pytest.approx(1.0)
    assert data.shift == 1.0
    assert data.task == "classification"


def test_shifted_shapes_dtypes_regression():
    data = make_shifted_tasks(n_source=20, n_target=5, n_test=8, n_features=3,
                              task="regression", random_state=0)
    for part, n in (("source", 20), ("target", 5), ("test", 8)):
        assert data[f"X_{part}"].shape == (n, 3)
        assert data[f"X_{part}"].dtype == np.float32
        assert data[f"y_{part}"].shape == (n,)
        assert data[f"y_{part}"].dtype == np.float64
    assert data.source_head.shape == data.target_head.shape == (LATENT_WIDTH,)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_shifted_noiseless_labels_follow_ground_truth(task):
    data = make_shifted_tasks(n_source=200, n_target=50, n_test=200, noise=0.0,
                              task=task, shift=0.7, random_state=1)
    W1, W2 = data.feature_map_weights
    for part, head in (("source", data.source_head), ("target", data.target_head),
                       ("test", data.target_head)):
        scores = _feature_map(data[f"X_{part}"], W1, W2) @ head
        if task == "classification":
            np.testing.assert_array_equal(data[f"y_{part}"], scores.argmax(axis=1))
        else:
            np.testing.assert_allclose(data[f"y_{part}"], scores, rtol=1e-12)


def test_shifted_noise_flips_some_labels():
    data = make_shifted_tasks(noise=0.5, random_state=1)
    W1, W2 = data.feature_map_weights
    clean = (_feature_map(data.X_source, W1, W2) @ data.source_head).argmax(axis=1)
    agreement = np.mean(clean == data.y_source)
    assert 0.5 < agreement < 1.0


def test_shifted_reproducible_and_seed_dependent():
    a = make_shifted_tasks(n_source=50, random_state=0)
    b = make_shifted_tasks(n_source=50, random_state=0)
    c = make_shifted_tasks(n_source=50, random_state=1)
    for key in ("X_source", "y_source", "X_target", "y_target", "X_test", "y_test",
                "source_head", "target_head", "shift_direction"):
        np.testing.assert_array_equal(a[key], b[key])
    for wa, wb in zip(a.feature_map_weights, b.feature_map_weights, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.X_source, c.X_source)
    assert not np.array_equal(a.source_head, c.source_head)
    assert not np.array_equal(a.feature_map_weights[0], c.feature_map_weights[0])


def test_shifted_streams_do_not_depend_on_other_sizes():
    a = make_shifted_tasks(n_source=50, n_test=10, random_state=5)
    b = make_shifted_tasks(n_source=80, n_test=30, random_state=5)
    np.testing.assert_array_equal(a.X_target, b.X_target)
    np.testing.assert_array_equal(a.y_target, b.y_target)
    np.testing.assert_array_equal(a.target_head, b.target_head)
    np.testing.assert_array_equal(a.X_source, b.X_source[:50])


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_shifted_zero_shift_gives_identical_distributions(task):
    data = make_shifted_tasks(n_source=2000, n_test=2000, shift=0.0, task=task,
                              random_state=3)
    # ground truth: same head, target input mean shift * mu = 0
    np.testing.assert_array_equal(data.target_head, data.source_head)
    np.testing.assert_array_equal(data.shift * data.shift_direction, 0.0)
    # and the samples agree in distribution (a loose two-sample check)
    assert stats.ks_2samp(data.X_source[:, 0], data.X_test[:, 0]).pvalue > 1e-3
    if task == "classification":
        p_source = np.bincount(data.y_source, minlength=3) / 2000
        p_test = np.bincount(data.y_test, minlength=3) / 2000
        np.testing.assert_allclose(p_source, p_test, atol=0.05)
    else:
        assert stats.ks_2samp(data.y_source, data.y_test).pvalue > 1e-3


def test_shifted_positive_shift_moves_inputs_and_head():
    data = make_shifted_tasks(n_test=4000, shift=2.0, random_state=4)
    mean = data.X_test.mean(axis=0)
    # mean ~ 2 mu with standard error 1/sqrt(4000) per coordinate
    np.testing.assert_allclose(mean, 2.0 * data.shift_direction, atol=0.07)
    np.testing.assert_allclose(data.X_source.mean(axis=0), 0.0, atol=0.15)
    assert not np.allclose(data.target_head, data.source_head)
    # columns of both heads have norm sqrt(LATENT_WIDTH)
    for head in (data.source_head, data.target_head):
        np.testing.assert_allclose(np.linalg.norm(head, axis=0),
                                   np.sqrt(LATENT_WIDTH))


@pytest.mark.parametrize("seed", range(8))
def test_shifted_every_class_in_small_training_samples(seed):
    data = make_shifted_tasks(n_source=5, n_target=5, n_test=5, n_classes=5,
                              shift=2.0, noise=0.0, random_state=seed)
    np.testing.assert_array_equal(np.sort(data.y_target), np.arange(5))
    np.testing.assert_array_equal(np.sort(data.y_source), np.arange(5))
    # the swapped-in rows are genuine draws: labels still follow the truth
    W1, W2 = data.feature_map_weights
    for part, head in (("source", data.source_head), ("target", data.target_head)):
        scores = _feature_map(data[f"X_{part}"], W1, W2) @ head
        np.testing.assert_array_equal(data[f"y_{part}"], scores.argmax(axis=1))


def test_shifted_unreachable_class_raises(monkeypatch):
    monkeypatch.setattr(_shifted_tasks, "_MAX_REPAIR_DRAWS", 0)
    with pytest.raises(RuntimeError, match="did not occur"):
        make_shifted_tasks(n_source=5, n_target=5, n_classes=5, random_state=0)


def test_shifted_fewer_target_rows_than_classes_is_allowed():
    data = make_shifted_tasks(n_target=2, n_classes=4, random_state=0)
    assert data.y_target.shape == (2,)


def test_shifted_task_is_learnable_and_transfers():
    data = make_shifted_tasks(random_state=0)
    majority = np.bincount(data.y_test).max() / len(data.y_test)
    source_only = LogisticRegression().fit(data.X_source, data.y_source)
    assert source_only.score(data.X_test, data.y_test) > majority + 0.1
    # the shared features carry the target task: a head on the true φ learnt
    # from the few target rows beats a linear model on the raw inputs
    W1, W2 = data.feature_map_weights
    on_features = LogisticRegression().fit(
        _feature_map(data.X_target, W1, W2), data.y_target
    ).score(_feature_map(data.X_test, W1, W2), data.y_test)
    on_inputs = LogisticRegression().fit(data.X_target, data.y_target).score(
        data.X_test, data.y_test)
    assert on_features > on_inputs + 0.1


def test_shifted_regression_is_learnable_and_transfers():
    data = make_shifted_tasks(task="regression", random_state=0)
    model = Ridge().fit(data.X_source, data.y_source)
    assert model.score(data.X_test, data.y_test) > 0.3


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_source": 0}, ValueError, "n_source"),
    ({"n_source": 10.0}, TypeError, "n_source"),
    ({"n_target": 0}, ValueError, "n_target"),
    ({"n_target": "5"}, TypeError, "n_target"),
    ({"n_test": 0}, ValueError, "n_test"),
    ({"n_features": 0}, ValueError, "n_features"),
    ({"n_features": True}, TypeError, "n_features"),
    ({"n_classes": 1}, ValueError, "n_classes"),
    ({"n_classes": 2.5}, TypeError, "n_classes"),
    ({"shift": -0.1}, ValueError, "shift"),
    ({"shift": np.inf}, ValueError, "shift"),
    ({"shift": "1"}, TypeError, "shift"),
    ({"task": "ranking"}, ValueError, "task"),
    ({"task": 1}, TypeError, "task"),
    ({"noise": -1.0}, ValueError, "noise"),
    ({"noise": np.nan}, ValueError, "noise"),
    ({"random_state": -3}, ValueError, "random_state"),
    ({"random_state": 1.5}, TypeError, "random_state"),
])
def test_shifted_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_shifted_tasks(**kwargs)


def test_shifted_regression_ignores_n_classes():
    data = make_shifted_tasks(n_source=10, n_target=5, n_test=5, n_classes=1,
                              task="regression", random_state=0)
    assert data.source_head.shape == (LATENT_WIDTH,)
