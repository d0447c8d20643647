"""Fine-tuning regularisers: L2-SP, DELTA, Batch Spectral Shrinkage.

Each effect is checked on the digits 0–4 → 5–9 transfer over several seeds,
paired with plain fine-tuning at the same seed (same head initialisation and
batch order), as in the reference demos (neural-methods.md §1).
"""

from types import SimpleNamespace

import numpy as np
import pytest
from _neural import digits, pretrained_backbone, torch

from sktransfer._kernels import spectral_shrinkage_penalty
from sktransfer.neural import (
    DELTA,
    L2SP,
    MLP,
    BatchSpectralShrinkage,
    FineTuningClassifier,
)

SEEDS = range(4)
COMMON = {"optimizer": "sgd", "optimizer__momentum": 0.9, "lr": 1e-2,
          "max_epochs": 60, "batch_size": 16}


def _fit(regularizers=None, seed=0, shots=10, **extra):
    data = digits(shots)
    params = {**COMMON, **extra}
    return FineTuningClassifier(pretrained_backbone(), regularizers=regularizers,
                                random_state=seed, **params).fit(
        data.X_target, data.y_target
    )


def _drift(clf):
    reference = dict(pretrained_backbone().named_parameters())
    with torch.no_grad():
        return float(torch.sqrt(sum(
            (p - reference[name]).square().sum()
            for name, p in clf.module_.named_parameters()
        )))


def _features(clf, X):
    with torch.no_grad():
        return clf.network_.eval().features(torch.as_tensor(X))


def test_l2sp_keeps_the_backbone_closer_to_the_pretrained_weights():
    plain = [_drift(_fit(seed=s)) for s in SEEDS]
    l2sp = [_drift(_fit([L2SP(alpha=1.0, beta=0.0)], seed=s)) for s in SEEDS]
    assert all(a < b for a, b in zip(l2sp, plain))
    # paired over seeds: the mean reduction exceeds 2 MC standard errors
    diff = np.subtract(l2sp, plain)
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    assert diff.mean() + 2 * se < 0


def test_delta_keeps_feature_maps_closer_and_attention_weights_average_one():
    data = digits()
    reference = pretrained_backbone()

    def map_distance(clf):
        x = torch.as_tensor(data.X_test)
        with torch.no_grad():
            fine = clf.module_.blocks[0](x)
            pre = reference.blocks[0](x)
        return float((fine - pre).square().sum(dim=1).mean())

    plain = [map_distance(_fit(seed=s)) for s in SEEDS]
    delta = [map_distance(_fit([DELTA(["blocks.0"], alpha=0.1)], seed=s))
             for s in SEEDS]
    assert all(a < b for a, b in zip(delta, plain))

    attentive = _fit([DELTA(["blocks.0", "blocks.1"], alpha=0.1,
                            channel_attention=True)], max_epochs=5)
    weights = attentive.regularizer_states_[0]["attention_weights"]
    for name in ("blocks.0", "blocks.1"):
        w = weights[name]
        assert w.shape == (128,) and np.all(w > 0)
        np.testing.assert_allclose(w.mean(), 1.0, rtol=1e-5)
        assert w.std() > 0  # channels differ in importance


def test_bss_shrinks_the_smallest_singular_values_without_hurting_accuracy():
    data = digits()
    k = 3
    plain, bss = [], []
    for s in SEEDS:
        for store, regs in ((plain, None),
                            (bss, [BatchSpectralShrinkage(eta=0.1, k=k)])):
            clf = _fit(regs, seed=s)
            sv = torch.linalg.svdvals(_features(clf, data.X_target)).numpy()
            store.append((sv[-k:], clf.score(data.X_test, data.y_test)))
    smallest_plain = np.array([sv for sv, _ in plain])
    smallest_bss = np.array([sv for sv, _ in bss])
    assert np.all(smallest_bss.sum(axis=1) < smallest_plain.sum(axis=1))
    # accuracy: not worse than fine-tuning by more than 2 s.e. of the paired
    # difference (plus 0.01 for the granularity of the test set)
    diff = np.array([b[1] - p[1] for p, b in zip(plain, bss)])
    se = diff.std(ddof=1) / np.sqrt(len(diff))
    assert diff.mean() > -2 * se - 0.01


class _RecordingBSS(BatchSpectralShrinkage):
    """BSS recording ``(rows, penalty)`` of each training batch."""

    def bind(self, context):
        bound = super().bind(context)
        inner = bound.penalty

        def penalty(x, features):
            value = inner(x, features)
            self.record_.append((len(x), value.detach().item(),
                                 value.requires_grad))
            return value

        bound.penalty = penalty
        return bound


def test_normalized_bss_is_scale_free_and_tolerates_tiny_last_batches():
    features = torch.randn(16, 8, dtype=torch.float64)
    value = spectral_shrinkage_penalty(features, 2, normalize=True)
    scaled = spectral_shrinkage_penalty(1e3 * features, 2, normalize=True)
    torch.testing.assert_close(value, scaled)

    # a batch of at most k rows: an exact zero on the graph (zero gradient)
    context = SimpleNamespace(network=SimpleNamespace(head_in_features=8))
    for normalize in (False, True):
        bound = BatchSpectralShrinkage(eta=1.0, k=3, normalize=normalize).bind(
            context
        )
        small = torch.randn(2, 8, dtype=torch.float64, requires_grad=True)
        penalty = bound.penalty(None, small)
        assert isinstance(penalty, torch.Tensor) and penalty.item() == 0.0
        penalty.backward()
        assert small.grad is not None and torch.all(small.grad == 0)

    # a fit whose last batch has 2 rows <= k = 3 (2 rows are not merged)
    data = digits()
    assert len(data.X_target) % 16 == 2  # only a 1-row last batch is merged
    bss = _RecordingBSS(eta=1.0, k=3, normalize=True)
    bss.record_ = []
    clf = FineTuningClassifier(pretrained_backbone(), regularizers=[bss],
                               batch_size=16, max_epochs=2, random_state=0)
    clf.fit(data.X_target, data.y_target)
    assert np.isfinite(clf.history_[-1]["train_loss"])
    tiny = [(value, grad) for rows, value, grad in bss.record_ if rows <= 3]
    assert len(tiny) == 2  # one per epoch
    assert all(value == 0.0 and grad for value, grad in tiny)
    assert all(value > 0 for rows, value, _ in bss.record_ if rows > 3)


def test_regularisers_compose():
    data = digits()
    both = _fit([L2SP(alpha=1.0, beta=0.0), BatchSpectralShrinkage(eta=0.1, k=3)])
    alone = _fit([BatchSpectralShrinkage(eta=0.1, k=3)])
    assert _drift(both) < _drift(alone)
    assert both.score(data.X_test, data.y_test) > 0.6


@pytest.mark.parametrize(
    ("regularizer", "match"),
    [
        (L2SP(alpha=-1.0), "L2SP alpha"),
        (DELTA([]), "DELTA layers"),
        (DELTA(["blocks.7"]), "DELTA layers"),
        (DELTA(["blocks.0"], attention_temperature=0.0, channel_attention=True),
         "attention_temperature"),
        (DELTA(["blocks.0"], attention_lr=0.0, channel_attention=True),
         "DELTA attention_lr"),
        (BatchSpectralShrinkage(k=0), "BatchSpectralShrinkage k must be >= 1"),
        (BatchSpectralShrinkage(k=128), "smaller than the feature dimension 128"),
        (BatchSpectralShrinkage(eta=float("nan")), "eta"),
    ],
)
def test_bad_regulariser_arguments_are_named(regularizer, match):
    data = digits()
    with pytest.raises((ValueError, TypeError), match=match):
        FineTuningClassifier(pretrained_backbone(), regularizers=[regularizer],
                             max_epochs=1).fit(data.X_target, data.y_target)


@pytest.mark.parametrize("channel_attention", [False, True])
def test_delta_layer_after_the_feature_layer_is_an_error(channel_attention):
    data = digits()
    network = MLP(64, (16, 16), n_outputs=3)
    delta = DELTA(["blocks.0", "blocks.1"], channel_attention=channel_attention)
    with pytest.raises(ValueError, match="'blocks.1' did not run .* at or before "
                       "feature_layer"):
        FineTuningClassifier(network, feature_layer="blocks.0",
                             regularizers=[delta],
                             max_epochs=1).fit(data.X_target, data.y_target)


class _TokenNet(torch.nn.Module):
    """Token ids → embedding → dense block, averaged over the sequence."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(12, 6)
        self.block = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU())

    def forward(self, x):
        return self.block(self.embed(x)).mean(dim=1)


def test_delta_attention_on_integer_inputs():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 12, size=(40, 5))
    y = (X[:, 0] < 6).astype(int)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        network = _TokenNet()
    clf = FineTuningClassifier(
        network, regularizers=[DELTA(["embed", "block"], alpha=0.1,
                                         channel_attention=True,
                                         attention_epochs=2)],
        max_epochs=2, batch_size=8, random_state=0,
    ).fit(X, y)
    weights = clf.regularizer_states_[0]["attention_weights"]
    for name, channels in (("embed", 6), ("block", 8)):
        w = weights[name]
        assert w.dtype == np.float32 and w.shape == (channels,)
        np.testing.assert_allclose(w.mean(), 1.0, rtol=1e-5)
    assert np.isfinite(clf.history_[-1]["train_loss"])


_CALLS = []


class _Counted(torch.nn.Module):
    """Wraps a module; records ``(tag, id(self))`` at each forward call."""

    def __init__(self, module, tag):
        super().__init__()
        self.module = module
        self.tag = tag

    def forward(self, x):
        _CALLS.append((self.tag, id(self)))
        return self.module(x)


def test_delta_stops_the_reference_forward_after_its_last_layer():
    data = digits()
    backbone = MLP(64, (16, 16, 16))
    blocks = backbone.blocks
    blocks[1] = _Counted(blocks[1], "delta")  # runs last of the DELTA layers
    blocks[2] = _Counted(blocks[2], "after")
    _CALLS.clear()
    # listed out of forward order: the stop must wait for blocks.1
    clf = FineTuningClassifier(
        backbone, regularizers=[DELTA(["blocks.1", "blocks.0"], alpha=1.0)],
        max_epochs=2, batch_size=16, random_state=0,
    ).fit(data.X_target, data.y_target)
    live = {id(clf.module_.blocks[1]), id(clf.module_.blocks[2])}
    reference = [tag for tag, module in _CALLS if module not in live]
    n_batches = 2 * -(-len(data.X_target) // 16)
    assert reference.count("delta") == n_batches  # the reference did run
    assert reference.count("after") == 0
    assert ("after", id(clf.module_.blocks[2])) in _CALLS  # the live one ran
