"""Snapshot ensembles and soups (StarSSE / SSE) through the torch bridge.

Digits 5–9 (30 shots per class) transferred from the MLP backbone pretrained
on digits 0–4 in ``tests/_neural.py``. Statistical claims are checked over
three seeds against their Monte-Carlo standard errors.
"""

import copy
import functools
import math
import pickle

import numpy as np
import pytest
from _neural import digits, pretrained_backbone, torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, log_loss

from sktransfer.neural import FineTuningClassifier
from sktransfer.neural._snapshot import SnapshotEnsembleClassifier

SEEDS = (0, 1, 2)
LR = 0.05
EPOCHS = 10
N_CYCLES = 5


def _estimator(**params):
    defaults = dict(
        module=pretrained_backbone(), optimizer="sgd", optimizer__momentum=0.9,
        lr=LR, max_epochs=EPOCHS, n_cycles=N_CYCLES,
    )
    return SnapshotEnsembleClassifier(**{**defaults, **params})


@functools.lru_cache(maxsize=None)
def _fitted(mode, lr_mult, seed):
    data = digits(30)
    return _estimator(mode=mode, cycle_lr=lr_mult * LR, random_state=seed).fit(
        data.X_target, data.y_target
    )


def _member_proba(clf, state, X):
    """Softmax of the network ``clf.network_`` loaded with ``state``."""
    network = copy.deepcopy(clf.network_)
    network.load_state_dict(state)
    network.eval()
    with torch.no_grad():
        logits = network(torch.as_tensor(X))[0].double()
    return torch.softmax(logits, dim=1).numpy()


def _mean_se(values):
    values = np.asarray(values, dtype=float)
    return values.mean(), values.std(ddof=1) / math.sqrt(len(values))


def _bn_backbone(pretrained=False):
    """Linear → BatchNorm1d → ReLU; ``pretrained``: non-trivial running stats."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        module = torch.nn.Sequential(
            torch.nn.Linear(64, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU()
        )
    if pretrained:
        module.train()
        with torch.no_grad():
            for _ in range(3):
                module(torch.as_tensor(digits().X_source[:200]))
    return module.eval()


# -- structure and schedule ---------------------------------------------------


def test_members_history_and_schedule():
    data = digits(30)
    clf = _estimator(n_cycles=3, max_epochs=6, cycle_epochs=4, cycle_lr=0.02,
                     random_state=0).fit(data.X_target, data.y_target)
    assert len(clf.members_) == 3
    assert clf.n_iter_ == 6 + 2 * 4 == len(clf.history_)
    assert [r["epoch"] for r in clf.history_] == list(range(1, 15))
    assert [r["cycle"] for r in clf.history_] == [1] * 6 + [2] * 4 + [3] * 4
    assert [r["cycle_epoch"] for r in clf.history_] == [*range(1, 7), *range(1, 5),
                                                        *range(1, 5)]
    expected = [LR * 0.5 * (1 + math.cos(math.pi * e / 6)) for e in range(6)]
    expected += 2 * [0.02 * 0.5 * (1 + math.cos(math.pi * c / 4)) for c in range(4)]
    np.testing.assert_allclose([r["lr"] for r in clf.history_], expected)
    for member in clf.members_:
        assert all(t.device.type == "cpu" for t in member.values())
        assert member.keys() == clf.network_.state_dict().keys()
    # network_ holds the first model θ₁.
    for name, tensor in clf.network_.state_dict().items():
        assert torch.equal(tensor, clf.members_[0][name])
    assert clf.member_distances_.shape == (3,) and clf.member_distances_[0] == 0
    D = clf.disagreement_
    assert D.shape == (3, 3)
    np.testing.assert_array_equal(D, D.T)
    np.testing.assert_array_equal(np.diag(D), 0)
    assert np.all((D >= 0) & (D <= 1))


def test_fresh_optimizer_every_cycle():
    calls = []

    class Counting(SnapshotEnsembleClassifier):
        def _make_optimizer(self, groups, lr):
            optimizer = super()._make_optimizer(groups, lr)
            calls.append(optimizer)
            return optimizer

    data = digits(30)
    Counting(pretrained_backbone(), n_cycles=4, max_epochs=2,
             random_state=0).fit(data.X_target, data.y_target)
    assert len(calls) == 4 and len({id(o) for o in calls}) == 4


def test_star_restarts_from_first_model_and_sequential_continues():
    # Cycle 2 starts from θ₁ in both modes (same random stream), so the second
    # members agree exactly; the third starts from θ₁ (star) or θ₂ (SSE).
    data = digits(30)
    params = dict(n_cycles=3, max_epochs=4, random_state=0)
    star = _estimator(mode="star", **params).fit(data.X_target, data.y_target)
    sse = _estimator(mode="sequential", **params).fit(data.X_target, data.y_target)
    for name in star.members_[0]:
        assert torch.equal(star.members_[0][name], sse.members_[0][name])
        assert torch.equal(star.members_[1][name], sse.members_[1][name])
    assert any(not torch.equal(star.members_[2][n], sse.members_[2][n])
               for n in star.members_[2])


class _CosineFineTune(FineTuningClassifier):
    """A plain fine-tune with the per-epoch cosine schedule, written out."""

    def _fit_network(self, network, X, y, train, valid, batch_size, generator,
                     bound):
        optimizer = self._make_optimizer(self._parameter_groups(network), self.lr)
        epochs = self.max_epochs
        self.n_iter_ = self._train(
            network, optimizer, X, y, train, valid, batch_size, generator, bound,
            epochs=epochs,
            lr_at=lambda e: self.lr * 0.5 * (1 + math.cos(math.pi * e / epochs)),
        )


def test_one_cycle_is_a_plain_cosine_fine_tune():
    data = digits(30)
    common = dict(optimizer="sgd", optimizer__momentum=0.9, lr=LR,
                  max_epochs=EPOCHS, random_state=3)
    single = _estimator(n_cycles=1, **common).fit(data.X_target, data.y_target)
    plain = _CosineFineTune(pretrained_backbone(), **common).fit(
        data.X_target, data.y_target
    )
    np.testing.assert_allclose(single.predict_proba(data.X_test),
                               plain.predict_proba(data.X_test), atol=1e-6)
    assert single.member_distances_.tolist() == [0.0]
    # ... and it is the first member of a longer run with the same seed.
    longer = _estimator(n_cycles=3, **common).fit(data.X_target, data.y_target)
    for name, tensor in single.members_[0].items():
        assert torch.equal(tensor, longer.members_[0][name])
    single.set_params(combine="soup")
    np.testing.assert_allclose(single.predict_proba(data.X_test),
                               plain.predict_proba(data.X_test), atol=1e-6)


# -- the statistical claims -----------------------------------------------------


@pytest.mark.parametrize("mode", ["star", "sequential"])
def test_ensemble_nll_not_worse_than_first_model(mode):
    data = digits(30)
    gains, acc_gaps = [], []
    for seed in SEEDS:
        clf = _fitted(mode, 1.0, seed)
        nll_ensemble = log_loss(data.y_test, clf.predict_proba(data.X_test),
                                labels=clf.classes_)
        nll_first = log_loss(data.y_test,
                             _member_proba(clf, clf.members_[0], data.X_test),
                             labels=clf.classes_)
        assert nll_ensemble <= nll_first
        gains.append(nll_first - nll_ensemble)
        member_accs = [
            accuracy_score(data.y_test, clf.classes_[proba.argmax(axis=1)])
            for proba in clf.predict_proba_members(data.X_test)
        ]
        acc_gaps.append(clf.score(data.X_test, data.y_test) - np.mean(member_accs))
    mean, se = _mean_se(gains)
    assert mean - 2 * se > 0, (gains, mean, se)
    # 0.01 defines "not worse" (within one point; a definitional threshold,
    # not a Monte-Carlo tolerance); the MC error over seeds is the 2 SE.
    mean, se = _mean_se(acc_gaps)
    assert mean >= -0.01 - 2 * se, (acc_gaps, mean, se)


def test_star_members_equidistant_sequential_members_drift():
    for seed in SEEDS:
        star = _fitted("star", 1.0, seed).member_distances_
        assert star[0] == 0
        # CV < 0.2 defines "roughly equal" (definitional, not an MC tolerance).
        assert star[1:].std() / star[1:].mean() < 0.2, star
        sse = _fitted("sequential", 1.0, seed).member_distances_
        assert np.all(np.diff(sse) > 0), sse
        assert sse[-1] > 1.5 * sse[1], sse
        # Cycle 2 is the same run in both modes (see above).
        assert sse[1] == pytest.approx(star[1])


def test_disagreement_grows_with_cycle_lr():
    data = digits(30)

    def mean_disagreement(clf):
        D = clf.pairwise_disagreement(data.X_test)
        return D.sum() / (len(D) * (len(D) - 1))

    differences = [
        mean_disagreement(_fitted("star", 4.0, seed))
        - mean_disagreement(_fitted("star", 0.5, seed))
        for seed in SEEDS
    ]
    mean, se = _mean_se(differences)
    assert mean - 2 * se > 0, (differences, mean, se)
    # Larger cycles also move the members further from θ₁.
    for seed in SEEDS:
        assert (_fitted("star", 4.0, seed).member_distances_[1:].min()
                > _fitted("star", 0.5, seed).member_distances_[1:].max())


def test_predict_proba_members():
    data = digits(30)
    clf = _fitted("star", 1.0, 0)
    members = clf.predict_proba_members(data.X_test)
    assert members.shape == (N_CYCLES, len(data.X_test), len(clf.classes_))
    assert members.dtype == np.float64
    np.testing.assert_allclose(members.sum(axis=2), 1.0)
    for proba, state in zip(members, clf.members_):
        np.testing.assert_allclose(proba, _member_proba(clf, state, data.X_test),
                                   atol=1e-6)
    assert clf.combine == "ensemble"
    np.testing.assert_allclose(members.mean(axis=0), clf.predict_proba(data.X_test),
                               rtol=1e-10, atol=1e-12)
    # ... whatever combine is: the members do not depend on it.
    soup = copy.deepcopy(clf).set_params(combine="soup")
    np.testing.assert_array_equal(soup.predict_proba_members(data.X_test), members)


# -- soups and BatchNorm ------------------------------------------------------------


def test_soup_predicts_with_averaged_weights():
    data = digits(30)
    gaps = []
    for seed in SEEDS:
        # combine is read at prediction time: no refit needed.
        clf = copy.deepcopy(_fitted("star", 1.0, seed)).set_params(combine="soup")
        soup = {
            name: torch.stack([m[name] for m in clf.members_]).mean(dim=0)
            for name in clf.members_[0]
        }
        for name, tensor in soup.items():
            torch.testing.assert_close(clf.soup_[name], tensor)
        proba = clf.predict_proba(data.X_test)
        np.testing.assert_allclose(proba, _member_proba(clf, soup, data.X_test),
                                   atol=1e-6)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_allclose(np.exp(clf.predict_log_proba(data.X_test)),
                                   proba, rtol=1e-10)
        np.testing.assert_array_equal(clf.predict(data.X_test),
                                      clf.classes_[proba.argmax(axis=1)])
        member_accs = [
            accuracy_score(data.y_test, clf.classes_[proba.argmax(axis=1)])
            for proba in clf.predict_proba_members(data.X_test)
        ]
        gaps.append(clf.score(data.X_test, data.y_test) - np.mean(member_accs))
    # At a moderate cycle learning rate the soup stays in the basin: 0.02
    # (two points of accuracy) defines "as accurate as its members" (a
    # definitional threshold, not an MC tolerance); the MC error is the 2 SE.
    mean, se = _mean_se(gaps)
    assert abs(mean) < 0.02 + 2 * se, (gaps, mean, se)


def test_batchnorm_refresh():
    data = digits(30)
    clf = SnapshotEnsembleClassifier(
        _bn_backbone(), n_cycles=3, max_epochs=5, lr=1e-2, combine="soup",
        random_state=0,
    ).fit(data.X_target, data.y_target)
    key = "backbone.1.running_mean"
    averaged_mean = torch.stack([m[key] for m in clf.members_]).mean(dim=0)
    averaged_var = torch.stack(
        [m[key.replace("mean", "var")] for m in clf.members_]
    ).mean(dim=0)
    refreshed_mean = clf.soup_[key]
    refreshed_var = clf.soup_[key.replace("mean", "var")]
    assert torch.isfinite(refreshed_mean).all() and torch.isfinite(refreshed_var).all()
    assert not torch.allclose(refreshed_mean, averaged_mean, atol=1e-4)
    assert not torch.allclose(refreshed_var, averaged_var, atol=1e-4)

    # The refreshed statistics are those of the soup's own BatchNorm inputs.
    network = copy.deepcopy(clf.network_)
    network.load_state_dict(clf.soup_)
    network.eval()
    seen = []
    handle = network.backbone[1].register_forward_hook(
        lambda _m, inputs, _o: seen.append(inputs[0])
    )
    with torch.no_grad():
        network(torch.as_tensor(data.X_target))
    handle.remove()
    torch.testing.assert_close(refreshed_mean, seen[0].mean(dim=0))
    torch.testing.assert_close(refreshed_var, seen[0].var(dim=0, unbiased=True))

    # The public method refreshes on other data; members keep their own.
    members_before = copy.deepcopy(clf.members_)
    assert clf.refresh_batchnorm(data.X_test) is clf
    assert not torch.allclose(clf.soup_[key], refreshed_mean, atol=1e-4)
    assert torch.isfinite(clf.soup_[key]).all()
    for before, after in zip(members_before, clf.members_):
        for name in before:
            assert torch.equal(before[name], after[name])
    proba = clf.predict_proba(data.X_test)
    assert np.all(np.isfinite(proba))
    assert clf.score(data.X_test, data.y_test) > 0.5
    with pytest.raises(ValueError, match="at least 2 rows"):
        clf.refresh_batchnorm(data.X_test[:1])


def test_linear_probe_soup_keeps_pretrained_batchnorm_statistics():
    # The frozen backbone runs in eval mode: its BatchNorm statistics are the
    # pretrained ones in every member, and the soup keeps them (they are
    # neither reset nor re-estimated).
    data = digits(30)
    backbone = _bn_backbone(pretrained=True)
    pretrained = {k: v.clone() for k, v in backbone.state_dict().items()}
    assert not torch.allclose(pretrained["1.running_mean"], torch.zeros(32))
    clf = SnapshotEnsembleClassifier(
        backbone, linear_probe=True, n_cycles=3, max_epochs=4, lr=1e-2,
        combine="soup", random_state=0,
    ).fit(data.X_target, data.y_target)
    for state in (*clf.members_, clf.soup_):
        for name, tensor in pretrained.items():
            assert torch.equal(state["backbone." + name], tensor), name
    # the heads did train and differ, so the soup is a real average
    assert not torch.equal(clf.members_[1]["head.weight"],
                           clf.members_[2]["head.weight"])
    clf.refresh_batchnorm(data.X_test)
    for name, tensor in pretrained.items():
        assert torch.equal(clf.soup_["backbone." + name], tensor), name
    assert clf.score(data.X_test, data.y_test) > 0.5


def test_refresh_is_a_no_op_without_batchnorm():
    clf = copy.deepcopy(_fitted("star", 1.0, 0))
    soup = clf.soup_
    clf.refresh_batchnorm(digits(30).X_test)
    for name in soup:
        assert torch.equal(clf.soup_[name], soup[name])


# -- sklearn plumbing ----------------------------------------------------------------


def test_clone_and_pickle_round_trip():
    data = digits(30)
    clf = _fitted("sequential", 1.0, 1)
    twin = clone(clf)
    assert twin.get_params().keys() == clf.get_params().keys()
    assert twin.get_params()["optimizer__momentum"] == 0.9
    assert twin.get_params()["mode"] == "sequential"
    assert not hasattr(twin, "members_")
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(data.X_test),
                                  clf.predict_proba(data.X_test))
    np.testing.assert_array_equal(restored.member_distances_, clf.member_distances_)
    restored.set_params(combine="soup")
    np.testing.assert_allclose(restored.predict_proba(data.X_test),
                               _member_proba(clf, clf.soup_, data.X_test),
                               atol=1e-6)


def test_independent_of_global_torch_rng():
    data = digits(30)
    params = dict(n_cycles=2, max_epochs=3, random_state=7)
    torch.manual_seed(1)
    first = _estimator(**params).fit(data.X_target, data.y_target)
    torch.manual_seed(12345)
    torch.rand(10)
    state = torch.get_rng_state()
    second = _estimator(**params).fit(data.X_target, data.y_target)
    proba = second.predict_proba(data.X_test)
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(first.predict_proba(data.X_test), proba)
    np.testing.assert_array_equal(first.member_distances_, second.member_distances_)


@pytest.mark.parametrize(
    "name, value",
    [
        ("mode", "parallel"),
        ("combine", "mean"),
        ("n_cycles", 0),
        ("n_cycles", 2.5),
        ("cycle_lr", 0.0),
        ("cycle_lr", -1.0),
        ("cycle_epochs", 0),
        ("max_epochs", 0),
    ],
)
def test_bad_parameters_name_the_argument(name, value):
    data = digits(30)
    with pytest.raises(ValueError, match=name):
        _estimator(**{name: value}).fit(data.X_target, data.y_target)


def test_early_stopping_is_rejected():
    data = digits(30)
    with pytest.raises(ValueError, match="early_stopping"):
        _estimator(early_stopping=True).fit(data.X_target, data.y_target)


def test_unknown_keyword_and_unfitted_and_wrong_width():
    data = digits(30)
    with pytest.raises(TypeError, match="cycle_warmup"):
        _estimator(cycle_warmup=2).fit(data.X_target, data.y_target)
    unfitted = _estimator()
    for method in ("predict", "predict_proba", "predict_proba_members",
                   "pairwise_disagreement", "refresh_batchnorm"):
        with pytest.raises(NotFittedError):
            getattr(unfitted, method)(data.X_test)
    clf = _fitted("star", 1.0, 0)
    for method in ("predict_proba", "predict_proba_members", "pairwise_disagreement",
                   "refresh_batchnorm"):
        with pytest.raises(ValueError, match="features"):
            getattr(clf, method)(data.X_test[:, :10])
