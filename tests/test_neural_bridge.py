"""The torch bridge: FineTuningClassifier / FineTuningRegressor."""

import pickle

import numpy as np
import pytest
from _neural import digits, pretrained_backbone, torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.neural import (
    L2SP,
    MLP,
    BatchSpectralShrinkage,
    FineTuningClassifier,
    FineTuningRegressor,
)


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _same_state(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _target():
    data = digits()
    return data.X_target, data.y_target, data.X_test, data.y_test


def test_fine_tuning_transfers_and_leaves_the_given_module_untouched():
    backbone = pretrained_backbone()
    before = _state(backbone)
    X, y, X_test, y_test = _target()
    clf = FineTuningClassifier(backbone, lr=1e-2, max_epochs=30, random_state=0)
    clf.fit(X, y)
    assert _same_state(before, _state(backbone))
    assert not _same_state(before, _state(clf.module_))
    # 5 classes: chance is 0.2 (a network trained from scratch on the same
    # 50 images scores about 0.92: see the gallery example).
    assert clf.score(X_test, y_test) > 0.8
    np.testing.assert_array_equal(clf.classes_, np.arange(5, 10))
    proba = clf.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X_test)), proba,
                               rtol=1e-6, atol=1e-12)


def test_feature_layer_by_name_stops_the_forward_pass_there():
    X, y, _, _ = _target()
    network = MLP(64, (32,), n_outputs=5)  # a complete pretrained-style net
    calls = []
    network.head.register_forward_hook(lambda *args: calls.append(1))
    clf = FineTuningClassifier(network, feature_layer="blocks", max_epochs=2,
                               random_state=0).fit(X, y)
    assert calls == []  # the old head never runs
    assert clf.network_.head.in_features == 32
    # the old head is neither run nor trained
    assert torch.equal(clf.module_.head.weight, network.head.weight)


def _first_block(module, x):
    return module.blocks[0](x)


def test_feature_layer_callable():
    X, y, _, _ = _target()
    clf = FineTuningClassifier(MLP(64, (16, 8)), feature_layer=_first_block,
                               max_epochs=2, random_state=0).fit(X, y)
    assert clf.network_.head.in_features == 16
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X),
                                  clf.predict_proba(X))


def test_linear_probe_freezes_the_backbone_and_trains_only_the_head():
    backbone = pretrained_backbone()
    X, y, X_test, y_test = _target()
    probe = FineTuningClassifier(backbone, linear_probe=True, lr=1e-2,
                                 max_epochs=40, random_state=0).fit(X, y)
    assert _same_state(_state(backbone), _state(probe.module_))
    assert all(p.grad is None for p in probe.module_.parameters())
    trainable = sum(p.numel() for p in probe.network_.parameters()
                    if p.requires_grad)
    assert trainable == 128 * 5 + 5
    assert probe.score(X_test, y_test) > 0.2 + 0.2  # far above chance


def test_random_state_reproduces_and_leaves_the_global_stream_alone():
    X, y, X_test, _ = _target()
    state = torch.get_rng_state()
    first = FineTuningClassifier(max_epochs=3, random_state=3).fit(X, y)
    assert torch.equal(state, torch.get_rng_state())
    torch.manual_seed(1234)  # the global stream must not matter
    second = FineTuningClassifier(max_epochs=3, random_state=3).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X_test),
                                  second.predict_proba(X_test))
    third = FineTuningClassifier(max_epochs=3, random_state=4).fit(X, y)
    assert not np.array_equal(first.predict_proba(X_test),
                              third.predict_proba(X_test))


def test_pickle_clone_and_routed_parameters():
    X, y, X_test, _ = _target()
    clf = FineTuningClassifier(optimizer="sgd", optimizer__momentum=0.9,
                               optimizer__nesterov=True, max_epochs=3,
                               random_state=0)
    params = clf.get_params()
    assert params["optimizer__momentum"] == 0.9
    cloned = clone(clf)
    assert cloned.get_params() == params
    assert "optimizer__momentum=0.9" in repr(clf)
    clf.fit(X, y)
    assert clf.network_ is not None
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X_test),
                                  clf.predict_proba(X_test))
    clf.set_params(optimizer__momentum=0.5, lr=0.1)
    assert clf.get_params()["optimizer__momentum"] == 0.5 and clf.lr == 0.1


def test_module_class_with_module_parameters():
    X, y, _, _ = _target()
    clf = FineTuningClassifier(MLP, module__hidden_layer_sizes=(8,), max_epochs=2,
                               random_state=0).fit(X, y)  # n_features from X
    assert clf.network_.head.in_features == 8
    assert clf.module_.blocks[0][0].in_features == 64
    with pytest.raises(TypeError, match="module__"):
        FineTuningClassifier(MLP, module__bogus=1).fit(X, y)


def test_set_params_rejects_unknown_names():
    clf = FineTuningClassifier()
    with pytest.raises(ValueError, match="lrr"):
        clf.set_params(lrr=0.1)
    clf.set_params(optimizer__momentum=0.5)  # routed names are accepted
    assert clf.get_params()["optimizer__momentum"] == 0.5


def test_l2sp_switches_off_the_optimizers_default_weight_decay():
    X, y, _, _ = _target()
    # AdamW's default weight_decay is 0.01: L2SP replaces it
    clf = FineTuningClassifier(pretrained_backbone(), optimizer="adamw",
                               regularizers=[L2SP()], max_epochs=1,
                               random_state=0)
    original = clf._make_optimizer
    seen = []

    def spy(groups, lr):
        built = original(groups, lr)
        seen.extend(g["weight_decay"] for g in built.param_groups)
        return built

    clf._make_optimizer = spy
    clf.fit(X, y)
    assert seen and all(decay == 0.0 for decay in seen)


def test_a_last_batch_of_one_row_joins_the_previous_batch():
    # 33 rows in batches of 32: a BatchNorm backbone cannot train on 1 row
    X, y, _, _ = _target()
    backbone = torch.nn.Sequential(torch.nn.Linear(64, 16),
                                   torch.nn.BatchNorm1d(16), torch.nn.ReLU())
    clf = FineTuningClassifier(backbone, batch_size=32, max_epochs=2,
                               random_state=0).fit(X[:33], y[:33])
    assert clf.n_iter_ == 2


def test_float64_module_reads_float64_inputs():
    X, y, _, _ = _target()
    backbone = MLP(64, (16,)).double()
    clf = FineTuningClassifier(backbone, max_epochs=2, random_state=0).fit(X, y)
    assert clf.predict_proba(X).shape == (len(X), 5)


def test_grid_search_and_pipeline():
    X, y, _, _ = _target()
    pipe = make_pipeline(StandardScaler(),
                         FineTuningClassifier(max_epochs=5, random_state=0))
    search = GridSearchCV(
        pipe, {"finetuningclassifier__lr": [1e-5, 1e-2],
               "finetuningclassifier__optimizer__weight_decay": [0.0, 1e-4]},
        cv=2,
    ).fit(X, y)
    assert set(search.best_params_) == {
        "finetuningclassifier__lr", "finetuningclassifier__optimizer__weight_decay"
    }
    # the routed value reached the optimizer: 4 distinct candidates, and an
    # lr of 1e-5 for 5 epochs barely moves a random head
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4
    assert search.best_params_["finetuningclassifier__lr"] == 1e-2
    best = search.best_estimator_[-1]
    assert best.get_params()["optimizer__weight_decay"] in (0.0, 1e-4)
    scores = cross_val_score(FineTuningClassifier(max_epochs=5, random_state=0),
                             X, y, cv=2)
    assert scores.shape == (2,)


def test_early_stopping_restores_the_best_epoch():
    data = digits(30)
    clf = FineTuningClassifier(pretrained_backbone(), early_stopping=True,
                               validation_fraction=0.2, n_iter_no_change=3,
                               lr=5e-2, max_epochs=200, random_state=0)
    clf.fit(data.X_target, data.y_target)
    assert clf.n_iter_ < 200
    assert len(clf.history_) == clf.n_iter_
    losses = [record["valid_loss"] for record in clf.history_]
    # stopped n_iter_no_change epochs after the best one
    assert int(np.argmin(losses)) <= clf.n_iter_ - 3
    assert {"epoch", "train_loss", "lr", "duration", "valid_loss"} <= set(
        clf.history_[0]
    )


def test_progress_bar(capsys):
    X, y, _, _ = _target()
    FineTuningClassifier(max_epochs=2, progress_bar=True, random_state=0).fit(X, y)
    assert "epochs" in capsys.readouterr().err


def test_regressor_multi_output_and_target_scale():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5)).astype(np.float32)
    Y = np.column_stack([X @ rng.standard_normal(5), 1e4 * X[:, 0] + 5e4])
    reg = FineTuningRegressor(lr=1e-2, max_epochs=60, random_state=0).fit(X, Y)
    assert reg.predict(X).shape == (120, 2)
    assert reg.score(X, Y) > 0.9
    single = FineTuningRegressor(lr=1e-2, max_epochs=5, random_state=0)
    assert single.fit(X, Y[:, 1]).predict(X).shape == (120,)


class _TokenBackbone(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(20, 8)

    def forward(self, tokens):
        return self.embed(tokens)  # (batch, sequence, 8): mean-pooled


def test_integer_tokens_reach_an_embedding_backbone():
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 20, size=(60, 6))
    y = (tokens < 10).sum(axis=1) > 3
    clf = FineTuningClassifier(_TokenBackbone(), lr=1e-2, max_epochs=20,
                               random_state=0).fit(tokens, y)
    assert clf.network_.head.in_features == 8
    assert clf.score(tokens, y) > 0.6


# -- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"module": "resnet"}, TypeError, "module"),
        ({"module": pretrained_backbone, "feature_layer": "nope"}, ValueError,
         "feature_layer='nope'"),
        ({"batch_size": 10_000}, ValueError, "batch_size"),
        ({"regularizers": [BatchSpectralShrinkage(k=128)]}, ValueError,
         "k must be smaller than the feature dimension 128"),
        ({"bogus": 1}, TypeError, "bogus"),
        ({"optimizer__bogus": 1}, TypeError, "optimizer__"),
        ({"regularizers": [L2SP()], "optimizer__weight_decay": 1e-4}, ValueError,
         "optimizer__weight_decay"),
        ({"regularizers": [L2SP()], "linear_probe": True}, ValueError,
         "linear_probe"),
        ({"regularizers": ["l2sp"]}, TypeError, "regularizers"),
        ({"device": "tpu:9"}, ValueError, "device"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"lr": 1e6, "optimizer": "sgd", "max_epochs": 50}, ValueError, "lr"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    kwargs = dict(kwargs)
    if kwargs.get("module") is pretrained_backbone:
        kwargs["module"] = pretrained_backbone()
    elif "module" not in kwargs:
        kwargs["module"] = pretrained_backbone()
    X, y, _, _ = _target()
    with pytest.raises(error, match=match):
        FineTuningClassifier(**kwargs, random_state=0).fit(X, y)


def test_bad_data_is_named():
    X, y, X_test, y_test = _target()
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        FineTuningClassifier().fit(bad, y)
    clf = FineTuningClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="unseen at fit time"):
        clf.score(X_test, np.where(y_test == 9, 42, y_test))
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :10])
    with pytest.raises(ValueError, match="module__"):
        FineTuningClassifier(MLP(64), module__hidden_layer_sizes=(3,)).fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        FineTuningClassifier().fit(X, np.zeros(len(X)))


def test_module_without_the_feature_layer_in_its_forward():
    class Skips(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.used = torch.nn.Linear(64, 4)
            self.unused = torch.nn.Linear(64, 4)

        def forward(self, x):
            return self.used(x)

    X, y, _, _ = _target()
    with pytest.raises(ValueError, match="not called"):
        FineTuningClassifier(Skips(), feature_layer="unused").fit(X, y)


def test_unfitted_estimator_says_so():
    clf = FineTuningClassifier()
    with pytest.raises(Exception, match="not fitted"):
        clf.module_  # noqa: B018
    with pytest.raises(Exception, match="not fitted"):
        clf.saved_activation_bytes(np.ones((2, 64)))


@pytest.mark.gpu
def test_cuda_device_runs_the_same_loop():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device on this machine")
    X, y, X_test, y_test = _target()
    clf = FineTuningClassifier(pretrained_backbone(), device="cuda", lr=1e-2,
                               max_epochs=30, random_state=0).fit(X, y)
    assert next(clf.network_.parameters()).is_cuda
    assert clf.score(X_test, y_test) > 0.8


def test_user_guide_examples_run():
    # The >>> examples of docs/user_guide/neural.rst are doctests.
    import doctest
    from pathlib import Path

    guide = Path(__file__).parents[1] / "docs" / "user_guide" / "neural.rst"
    result = doctest.testfile(str(guide), module_relative=False)
    assert result.attempted >= 10 and result.failed == 0


@pytest.mark.parametrize("module_name", ["_base", "_memory", "_snapshot",
                                         "_side_tuning"])
def test_docstring_examples_run(module_name):
    import doctest
    import importlib

    module = importlib.import_module(f"sktransfer.neural.{module_name}")
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    attempted = 0
    for test in finder.find(module, module.__name__):
        result = runner.run(test)
        assert result.failed == 0, test.name
        attempted += result.attempted
    assert attempted > 0
