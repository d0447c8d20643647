"""Fine-tuning regularisers: L2-SP, DELTA, Batch Spectral Shrinkage.

Each effect is checked on the digits 0–4 → 5–9 transfer over several seeds,
paired with plain fine-tuning at the same seed (same head initialisation and
batch order), as in the reference demos (neural-methods.md §1).
"""

import numpy as np
import pytest
from _neural import digits, pretrained_backbone, torch

from sktransfer._kernels import spectral_shrinkage_penalty
from sktransfer.neural import (
    DELTA,
    L2SP,
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
    assert np.mean(l2sp) < 0.8 * np.mean(plain)


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


def test_normalized_bss_is_scale_free_and_tolerates_tiny_last_batches():
    features = torch.randn(16, 8, dtype=torch.float64)
    penalty = BatchSpectralShrinkage(eta=1.0, k=2, normalize=True)
    value = spectral_shrinkage_penalty(features, 2, normalize=True)
    scaled = spectral_shrinkage_penalty(1e3 * features, 2, normalize=True)
    torch.testing.assert_close(value, scaled)
    # 50 rows in batches of 7: the last batch has 1 row <= k, no penalty
    data = digits()
    clf = FineTuningClassifier(pretrained_backbone(), regularizers=[penalty],
                               batch_size=7, max_epochs=2, random_state=0)
    clf.fit(data.X_target, data.y_target)
    assert np.isfinite(clf.history_[-1]["train_loss"])


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
        (BatchSpectralShrinkage(k=0), "k"),
        (BatchSpectralShrinkage(eta=float("nan")), "eta"),
    ],
)
def test_bad_regulariser_arguments_are_named(regularizer, match):
    data = digits()
    with pytest.raises((ValueError, TypeError), match=match):
        FineTuningClassifier(pretrained_backbone(), regularizers=[regularizer],
                             max_epochs=1).fit(data.X_target, data.y_target)


def test_delta_layer_after_the_feature_layer_is_an_error():
    from sktransfer.neural import MLP

    data = digits()
    network = MLP(64, (16, 16), n_outputs=3)
    with pytest.raises(ValueError, match="at or before feature_layer"):
        FineTuningClassifier(network, feature_layer="blocks.0",
                             regularizers=[DELTA(["blocks.1"])],
                             max_epochs=1).fit(data.X_target, data.y_target)
