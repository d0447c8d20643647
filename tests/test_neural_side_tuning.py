"""Ladder Side-Tuning (Sung, Cho & Bansal, NeurIPS 2022) through the torch bridge."""

import copy
import pickle

import numpy as np
import pytest
from _neural import digits, pretrained_backbone, torch

from sktransfer.datasets import make_shifted_tasks
from sktransfer.neural import FineTuningClassifier, TransformerBackbone
from sktransfer.neural._memory import count_trainable_parameters
from sktransfer.neural._side_tuning import (
    LadderSideTuningClassifier,
    LadderSideTuningRegressor,
)

nn = torch.nn


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def _assert_same_state(state, module):
    other = module.state_dict()
    assert state.keys() == other.keys()
    for key, value in state.items():
        assert torch.equal(value, other[key]), key


def _tiny_encoder():
    """Two batch-first transformer encoder layers (d=32, 2 heads, FFN 64,
    dropout 0.1) after a 32 → 32 projection, whose norms and biases carry
    distinct random values (traceable)."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        module = TransformerBackbone(32, width=32, n_layers=2, n_heads=2,
                                     dim_feedforward=64, dropout=0.1)
        with torch.no_grad():
            for name, p in module.named_parameters():
                if "norm" in name or name.endswith("bias"):
                    p.copy_(torch.randn_like(p) * 0.1 + (
                        1.0 if "norm" in name and "weight" in name else 0))
    return module


def _sequences(n=120, seq=5, d=32, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, seq, d)).astype(np.float32)
    y = (X.mean(axis=1) @ rng.standard_normal(d) > 0).astype(np.int64)
    return X, y


class BatchNormBackbone(nn.Module):
    """An MLP whose blocks are Linear → BatchNorm1d → ReLU → Dropout."""

    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(*(
            nn.Sequential(nn.Linear(w_in, 64), nn.BatchNorm1d(64), nn.ReLU(),
                          nn.Dropout(0.5))
            for w_in in (64, 64)
        ))

    def forward(self, x):
        return self.blocks(x)


def _batchnorm_backbone():
    torch.manual_seed(0)
    module = BatchNormBackbone()
    module.train()
    with torch.no_grad():  # give the running statistics non-trivial values
        for _ in range(3):
            module(torch.as_tensor(digits().X_source[:200]))
    return module.eval()


# -- the frozen backbone --------------------------------------------------------


def test_backbone_bit_identical_and_without_gradients():
    data, backbone = digits(), copy.deepcopy(pretrained_backbone())
    backbone.zero_grad(set_to_none=True)  # drop the pretraining's gradients
    before = _state(backbone)
    lst = LadderSideTuningClassifier(backbone, max_epochs=10, random_state=0)
    lst.fit(data.X_target, data.y_target)
    _assert_same_state(before, backbone)  # the given module
    _assert_same_state(before, lst.network_.backbone)  # the fitted copy
    assert lst.module_ is lst.network_.backbone
    for p in (*backbone.parameters(), *lst.network_.backbone.parameters()):
        assert p.grad is None
    assert not any(p.requires_grad for p in lst.network_.backbone.parameters())
    # ...while the side network did train (the gate logits start at 0), and
    # the fit keeps no gradient of it either
    assert torch.count_nonzero(lst.network_.gate_logits) > 0
    assert lst.history_[-1]["train_loss"] < lst.history_[0]["train_loss"]
    assert all(p.grad is None for p in lst.network_.parameters())


def test_batchnorm_and_dropout_stay_in_eval_mode():
    data, backbone = digits(), _batchnorm_backbone()
    before = _state(backbone)
    lst = LadderSideTuningClassifier(backbone, max_epochs=5, side_init="pruned",
                                     random_state=0)
    lst.fit(data.X_target, data.y_target)
    _assert_same_state(before, lst.network_.backbone)  # running stats included
    network = lst.network_.train()
    assert network.blocks.training and not network.backbone.training
    x = torch.as_tensor(data.X_test[:16])
    taps_train = network.taps(x)  # dropout would make these random
    network.eval()
    for a, b in zip(taps_train, network.taps(x)):
        assert torch.equal(a, b)
    # the side block mirrors the backbone block, BatchNorm included
    side = lst.network_.blocks[0]
    assert [type(m) for m in side] == [type(m) for m in backbone.blocks[0]]
    assert side[0].out_features == side[1].num_features == 8


# -- parameter and memory efficiency ----------------------------------------------


@pytest.fixture(scope="module")
def fitted_pair():
    data, backbone = digits(), pretrained_backbone()
    ft = FineTuningClassifier(backbone, max_epochs=1, random_state=0)
    lst = LadderSideTuningClassifier(backbone, max_epochs=1, random_state=0)
    return ft.fit(data.X_target, data.y_target), lst.fit(data.X_target, data.y_target)


def test_trainable_parameters_small_fraction_of_fine_tuning(fitted_pair):
    ft, lst = fitted_pair
    assert lst.n_trainable_params_ == count_trainable_parameters(lst.network_)
    assert lst.n_trainable_params_ < 0.25 * count_trainable_parameters(ft.network_)


def test_backbone_saves_nothing_for_backward(fitted_pair):
    # Only the ladder taps h_0..h_N (inputs of the down-projections) and the
    # side network are saved: a deeper tapped block saves no more.
    ft, lst = fitted_pair
    batch = digits().X_target[:32]
    lst_bytes = lst.saved_activation_bytes(batch)
    assert isinstance(lst_bytes, int) and lst_bytes > 0
    deeper = copy.deepcopy(lst)
    blocks = deeper.network_.backbone.blocks
    blocks[1] = nn.Sequential(*blocks[1], nn.Linear(128, 128), nn.ReLU())
    blocks[1].requires_grad_(False)
    assert deeper.saved_activation_bytes(batch) == lst_bytes
    # while full fine-tuning saves more for the deeper backbone
    deeper_ft = copy.deepcopy(ft)
    blocks = deeper_ft.network_.backbone.blocks
    blocks[1] = nn.Sequential(*blocks[1], nn.Linear(128, 128), nn.ReLU())
    assert deeper_ft.saved_activation_bytes(batch) > ft.saved_activation_bytes(batch)


@pytest.mark.parametrize("batch_size", [32, 64, 120])
def test_saved_activation_bytes_below_half_of_fine_tuning(batch_size):
    # A transformer backbone, the paper's setting: full fine-tuning keeps the
    # attention maps, feed-forward and norm activations of every layer, LST
    # only the ladder taps and its narrow side layers. (On an MLP, whose
    # layers keep no more than their outputs, the taps alone match full
    # fine-tuning; LST's saving there is in gradients and optimizer state,
    # see test_trainable_parameters_small_fraction_of_fine_tuning.)
    X, y = _sequences()
    backbone = _tiny_encoder()
    ft = FineTuningClassifier(backbone, max_epochs=1, random_state=0).fit(X, y)
    lst = LadderSideTuningClassifier(backbone, max_epochs=1, reduction=4,
                                     random_state=0).fit(X, y)
    batch = X[:batch_size]
    assert lst.saved_activation_bytes(batch) < 0.5 * ft.saved_activation_bytes(
        batch)
    assert lst.n_trainable_params_ < 0.25 * count_trainable_parameters(ft.network_)


# -- transfer accuracy ------------------------------------------------------------


def test_transfer_accuracy_close_to_fine_tuning():
    """Digits 0–4 → 5–9, 10 shots per class, 3 seeds (chance is 0.2)."""
    data, backbone = digits(), pretrained_backbone()
    scores = {"ft": [], "random": [], "pruned": []}
    for seed in range(3):
        ft = FineTuningClassifier(backbone, lr=1e-3, max_epochs=60, random_state=seed)
        scores["ft"].append(ft.fit(data.X_target, data.y_target)
                            .score(data.X_test, data.y_test))
        for init in ("random", "pruned"):
            lst = LadderSideTuningClassifier(backbone, side_init=init, max_epochs=60,
                                             random_state=seed)
            scores[init].append(lst.fit(data.X_target, data.y_target)
                                .score(data.X_test, data.y_test))
    ft = np.array(scores["ft"])
    for init in ("random", "pruned"):
        acc = np.array(scores[init])
        se = np.sqrt(ft.var(ddof=1) / 3 + acc.var(ddof=1) / 3)
        # 0.05 defines "close to full fine-tuning" (definitional, not an MC
        # tolerance); the MC error of the difference of means is the 2 SE.
        assert acc.mean() >= ft.mean() - 0.05 - 2 * se, (init, scores)
        assert acc.min() > 0.6, (init, scores)


# -- gates, initialisation, architectures -------------------------------------------


def test_gates_start_at_one_half_and_move():
    data, backbone = digits(), pretrained_backbone()
    still = LadderSideTuningClassifier(backbone, optimizer="sgd", lr=1e-12,
                                       max_epochs=1, random_state=0)
    still.fit(data.X_target, data.y_target)
    assert still.ladder_layers_ == ["blocks.0", "blocks.1"]
    np.testing.assert_allclose(still.gates_, 0.5, atol=1e-6)
    moved = LadderSideTuningClassifier(backbone, max_epochs=30, random_state=0)
    moved.fit(data.X_target, data.y_target)
    assert moved.gates_.shape == (2,)
    assert np.all((moved.gates_ > 0) & (moved.gates_ < 1))
    assert np.max(np.abs(moved.gates_ - 0.5)) > 0.1
    np.testing.assert_allclose(
        moved.gates_,
        torch.sigmoid(moved.network_.gate_logits / 0.1).detach().numpy(), rtol=1e-6,
    )


def _top(scores, k):
    return torch.sort(torch.topk(scores, k).indices).values


def test_pruned_init_copies_largest_l1_rows_of_mlp():
    data, backbone = digits(), pretrained_backbone()
    lst = LadderSideTuningClassifier(backbone, side_init="pruned", optimizer="sgd",
                                     lr=1e-12, max_epochs=1, random_state=0)
    lst.fit(data.X_target, data.y_target)
    w1, b1 = backbone.blocks[0][0].weight, backbone.blocks[0][0].bias
    w2 = backbone.blocks[1][0].weight
    cols = _top(w1.abs().sum(0), 8)  # 64 inputs / 8
    rows1 = _top(w1.abs().sum(1), 16)  # 128 units / 8
    rows2 = _top(w2.abs().sum(1), 16)
    side1, side2 = lst.network_.blocks[0][0], lst.network_.blocks[1][0]
    torch.testing.assert_close(side1.weight, w1[rows1][:, cols], atol=1e-6, rtol=0)
    torch.testing.assert_close(side1.bias, b1[rows1], atol=1e-6, rtol=0)
    torch.testing.assert_close(side2.weight, w2[rows2][:, rows1], atol=1e-6, rtol=0)
    assert isinstance(lst.network_.blocks[0][1], nn.ReLU)


@pytest.mark.parametrize("side_init", ["random", "pruned"])
def test_transformer_backbone(side_init):
    X, y = _sequences(n=200)
    backbone = _tiny_encoder()
    lst = LadderSideTuningClassifier(backbone, side_init=side_init, reduction=4,
                                     max_epochs=15, random_state=0)
    lst.fit(X[:120], y[:120])
    assert lst.ladder_layers_ == ["encoder.layers.0", "encoder.layers.1"]
    side = lst.network_.blocks[0]
    assert isinstance(side, nn.TransformerEncoderLayer)
    assert side.self_attn.embed_dim == 8 and side.self_attn.num_heads == 2
    assert side.linear1.out_features == 16 and side.self_attn.batch_first
    assert lst.score(X[120:], y[120:]) > 0.7
    assert lst.predict_proba(X[:3]).shape == (3, 2)


def _positions(kept, full):
    """Where each value of ``kept`` sits in ``full`` (exactly one match each)."""
    matches = kept.detach()[:, None] == full.detach()[None, :]
    assert torch.all(matches.sum(1) == 1)
    return matches.int().argmax(1)


def test_pruned_init_slices_transformer_layers():
    X, y = _sequences()
    backbone = _tiny_encoder()
    lst = LadderSideTuningClassifier(backbone, side_init="pruned", reduction=4,
                                     optimizer="sgd", lr=1e-12, max_epochs=1,
                                     random_state=0).fit(X, y)
    kept = []
    for layer, side in zip(backbone.encoder.layers, lst.network_.blocks):
        # recover the kept residual dims and FFN units from distinct values
        residual = _positions(side.norm1.weight, layer.norm1.weight)
        units = _positions(side.linear1.bias, layer.linear1.bias)
        assert len(set(residual.tolist())) == 8 and len(set(units.tolist())) == 16
        close = dict(atol=1e-6, rtol=0)
        torch.testing.assert_close(side.norm2.weight, layer.norm2.weight[residual],
                                   **close)
        torch.testing.assert_close(side.linear1.weight,
                                   layer.linear1.weight[units][:, residual], **close)
        torch.testing.assert_close(side.linear2.weight,
                                   layer.linear2.weight[residual][:, units], **close)
        torch.testing.assert_close(side.self_attn.out_proj.bias,
                                   layer.self_attn.out_proj.bias[residual], **close)
        # each kept query row is a row of the backbone's, on the kept columns
        w_q = layer.self_attn.in_proj_weight[:32][:, residual]
        side_q = side.self_attn.in_proj_weight[:8]
        gap = (side_q[:, None] - w_q[None]).abs().amax(-1).min(1).values
        assert gap.max() < 1e-6
        kept.append(residual)
    assert torch.equal(kept[0], kept[1])  # one pruned residual stream


# -- regression, persistence ----------------------------------------------------------


def test_regressor_on_shifted_tasks():
    data = make_shifted_tasks(task="regression", n_target=200, n_test=500,
                              random_state=0)
    reg = LadderSideTuningRegressor(module__hidden_layer_sizes=(64, 64),
                                    max_epochs=40, random_state=0)
    reg.fit(data.X_target, data.y_target)
    assert reg.score(data.X_test, data.y_test) > 0.4
    assert reg.predict(data.X_test[:4]).shape == (4,)
    assert reg.gates_.shape == (2,)


def test_clone_and_pickle_round_trip():
    from sklearn.base import clone

    data, backbone = digits(), pretrained_backbone()
    lst = LadderSideTuningClassifier(backbone, max_epochs=5, random_state=0,
                                     optimizer__weight_decay=1e-4)
    lst.fit(data.X_target, data.y_target)
    proba = lst.predict_proba(data.X_test)
    again = clone(lst).fit(data.X_target, data.y_target)
    np.testing.assert_array_equal(again.predict_proba(data.X_test), proba)
    restored = pickle.loads(pickle.dumps(lst))
    np.testing.assert_array_equal(restored.predict_proba(data.X_test), proba)
    assert restored.saved_activation_bytes(data.X_test[:32]) == (
        lst.saved_activation_bytes(data.X_test[:32]))
    params = lst.get_params()
    assert params["optimizer__weight_decay"] == 1e-4
    for name in ("feature_layer", "regularizers", "linear_probe"):
        assert name not in params


# -- bad input ------------------------------------------------------------------------


class _Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = nn.Linear(64, 64)

    def forward(self, x):
        return torch.relu(self.inner(x))


class _WithCustomBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = _Custom()
        self.second = _Custom()

    def forward(self, x):
        return self.second(self.first(x))


@pytest.mark.parametrize(
    "module, params, error, match",
    [
        ("resnet", {}, TypeError, "module"),
        (None, {"ladder_layers": ["blocks.7"]}, ValueError, "ladder_layers"),
        (None, {"ladder_layers": []}, ValueError, "ladder_layers"),
        (None, {"ladder_layers": "blocks.0"}, ValueError, "ladder_layers"),
        (None, {"ladder_layers": ["blocks.1", "blocks.0"]}, ValueError,
         "ladder_layers"),
        (None, {"ladder_layers": ["blocks.0", "blocks.0"]}, ValueError,
         "ladder_layers"),
        (None, {"reduction": 1000}, ValueError, "reduction"),
        (None, {"reduction": 0}, ValueError, "reduction"),
        (None, {"gate_temperature": 0.0}, ValueError, "gate_temperature"),
        (None, {"side_init": "fisher"}, ValueError, "side_init"),
        (None, {"feature_layer": "blocks.0"}, TypeError, "feature_layer"),
        (_WithCustomBlock(), {}, ValueError, "ladder_layers"),
        (_WithCustomBlock(), {"ladder_layers": ["first", "second"],
                              "side_init": "pruned"}, ValueError, "side_init"),
        (nn.Sequential(nn.Linear(64, 8)), {"ladder_layers": ["0"],
                                           "reduction": 16}, ValueError,
         "reduction"),
    ],
)
def test_bad_input(module, params, error, match):
    data = digits()
    if module is None:
        params = {"module__hidden_layer_sizes": (32, 32), **params}
    else:
        params = {"module": module, **params}
    lst = LadderSideTuningClassifier(max_epochs=1, **params)
    with pytest.raises(error, match=match):
        lst.fit(data.X_target, data.y_target)


def test_bad_transformer_reduction_and_unfitted():
    from sklearn.exceptions import NotFittedError

    X, y = _sequences(n=20)
    with pytest.raises(ValueError, match="reduction=3 must divide"):
        LadderSideTuningClassifier(_tiny_encoder(), reduction=3).fit(X, y)
    with pytest.raises(NotFittedError):
        LadderSideTuningClassifier().saved_activation_bytes(X[:, 0])


def test_custom_ladder_layers_use_generic_side_blocks():
    data = digits()
    lst = LadderSideTuningClassifier(_WithCustomBlock(), ladder_layers=["first",
                                                                        "second"],
                                     max_epochs=2, random_state=0)
    lst.fit(data.X_target, data.y_target)
    block = lst.network_.blocks[1]
    assert isinstance(block[0], nn.Linear) and isinstance(block[1], nn.ReLU)
    assert (block[0].in_features, block[0].out_features) == (8, 8)
