r"""Ladder Side-Tuning: a small side network on a frozen backbone.

Sung, Cho & Bansal, "LST: Ladder Side-Tuning for parameter and memory
efficient transfer learning", NeurIPS 2022.

The pretrained backbone is frozen and run without building an autograd graph
(``torch.no_grad``, eval mode). Its intermediate activations feed, through
learned down-projections ("ladders"), a side network whose widths are those
of the backbone divided by a reduction factor ``r``. Only the side network,
the ladders, the gates and the new head are trained, so backward never enters
the backbone: the activations saved for backward are the ladder inputs and
the small side network's, not the backbone's.
"""

import copy
import numbers

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from ._base import FineTuningClassifier, FineTuningRegressor, _TorchEstimator
from ._memory import count_trainable_parameters
from ._modules import (
    _as_tensor,
    freeze,
    get_submodule,
    pool_features,
    run_captured,
)

__all__ = ["LadderSideTuningClassifier", "LadderSideTuningRegressor"]

_NORMS = (nn.LayerNorm, nn.BatchNorm1d)


def _side_width(width, reduction):
    """``ceil(width / reduction)``: a narrow input keeps at least one unit."""
    return -(-int(width) // int(reduction))


def _parameter_free(module):
    return (next(module.parameters(), None) is None
            and next(module.buffers(), None) is None)


class LadderSideNetwork(nn.Module):
    r"""A frozen backbone, its ladder taps, a side network and a head.

    With ``h_0`` the input of the first ladder layer and ``h_i`` the output
    of ladder layer ``i`` (``i = 1..N``), all computed under
    :func:`torch.no_grad` with the backbone in eval mode,

    .. math::

        s_0 = D_0(h_0), \qquad
        s_i = \mu_i\, g_i(s_{i-1}) + (1 - \mu_i)\, D_i(h_i), \qquad
        \mu_i = \sigma(\alpha_i / T),

    and the outputs are ``head(pool(LayerNorm(s_N)))``, where ``pool`` is
    :func:`pool_features` (the sequence mean of a 3-D state).

    Parameters
    ----------
    backbone : torch.nn.Module
        Frozen here: its parameters stop requiring gradients and it stays
        in eval mode whatever mode the network is put in.
    ladder_layers : list of str
        Names of the tapped sub-modules, in forward order.
    downs : torch.nn.ModuleList
        The ladders ``D_0, ..., D_N`` (``Linear`` with bias, width ``w → w/r``).
    blocks : torch.nn.ModuleList
        The side blocks ``g_1, ..., g_N``.
    norm : torch.nn.Module
        The final normalisation of the side output (a LayerNorm).
    head : torch.nn.Module
        The new head on the pooled side output.
    gate_temperature : float
        ``T``; the gate logits ``α`` start at 0 (every ``μ_i = 0.5``).

    Notes
    -----
    ``forward(x)`` returns ``(outputs, features)``, the head's outputs and
    its input, as :class:`FeatureNetwork` does.
    """

    def __init__(self, backbone, ladder_layers, downs, blocks, norm, head,
                 gate_temperature):
        super().__init__()
        self.backbone = backbone
        self.ladder_layers = list(ladder_layers)
        self.downs = downs
        self.blocks = blocks
        self.norm = norm
        self.head = head
        self.gate_temperature = float(gate_temperature)
        self.gate_logits = nn.Parameter(torch.zeros(len(blocks)))
        freeze(backbone).eval()

    @property
    def head_in_features(self):
        """Width of the side network's output (the head's input)."""
        return self.head.in_features

    def gates(self):
        """The gates ``μ_i = sigmoid(α_i / T)`` as a tensor of shape ``(N,)``."""
        return torch.sigmoid(self.gate_logits / self.gate_temperature)

    def taps(self, x):
        """``[h_0, h_1, ..., h_N]``: the ladder activations (no autograd graph)."""
        self.backbone.eval()
        layers = [self.backbone.get_submodule(n) for n in self.ladder_layers]
        with torch.no_grad():
            outputs, _, h0 = run_captured(self.backbone, layers, x)
        return [h0] + [_as_tensor(h, "a ladder layer") for h in outputs]

    def forward(self, x):
        h = self.taps(x)
        mu = self.gates()
        s = self.downs[0](h[0])
        for i, block in enumerate(self.blocks):
            s = mu[i] * block(s) + (1.0 - mu[i]) * self.downs[i + 1](h[i + 1])
        features = pool_features(self.norm(s))
        return self.head(features), features

    def train(self, mode=True):
        super().train(mode)
        self.backbone.eval()  # BatchNorm statistics and dropout stay frozen
        return self


# -- side blocks: the backbone's layers at width / r --------------------------


def _mirror_sequential(layer, w_in, w_out, reduction):
    """``layer`` (Linear, norms, activations) at width / r, or None."""
    children = [layer] if isinstance(layer, nn.Linear) else list(layer.children())
    width, mirrored, n_linear = w_in, [], 0
    for child in children:
        if isinstance(child, nn.Linear):
            if child.in_features != width:
                return None
            mirrored.append(nn.Linear(
                _side_width(child.in_features, reduction),
                _side_width(child.out_features, reduction),
                bias=child.bias is not None,
            ))
            width, n_linear = child.out_features, n_linear + 1
        elif isinstance(child, nn.BatchNorm1d) and child.num_features == width:
            mirrored.append(nn.BatchNorm1d(
                _side_width(width, reduction), eps=child.eps, momentum=child.momentum,
                affine=child.affine, track_running_stats=child.track_running_stats,
            ))
        elif (isinstance(child, nn.LayerNorm)
              and tuple(child.normalized_shape) == (width,)):
            mirrored.append(nn.LayerNorm(
                _side_width(width, reduction), eps=child.eps,
                elementwise_affine=child.elementwise_affine,
                bias=getattr(child, "bias", None) is not None,
            ))
        elif _parameter_free(child):
            mirrored.append(copy.deepcopy(child))
        else:
            return None
    if n_linear == 0 or width != w_out:
        return None
    return mirrored[0] if isinstance(layer, nn.Linear) else nn.Sequential(*mirrored)


def _side_heads(d_side, n_heads):
    """The largest head count that divides ``d_side`` and is at most ``n_heads``."""
    return max(h for h in range(1, n_heads + 1) if d_side % h == 0)


def _mirror_transformer(layer, reduction):
    d = layer.self_attn.embed_dim
    d_side = d // reduction
    return nn.TransformerEncoderLayer(
        d_side,
        _side_heads(d_side, layer.self_attn.num_heads),
        dim_feedforward=_side_width(layer.linear1.out_features, reduction),
        dropout=layer.dropout.p,
        activation=layer.activation,
        layer_norm_eps=layer.norm1.eps,
        batch_first=layer.self_attn.batch_first,
        norm_first=layer.norm_first,
        bias=layer.linear1.bias is not None,
    )


def _side_block(layer, w_in, w_out, reduction):
    """``(g_i, kind)`` with kind "transformer", "linear" or "generic"."""
    if isinstance(layer, nn.TransformerEncoderLayer):
        if w_in == w_out == layer.self_attn.embed_dim:
            return _mirror_transformer(layer, reduction), "transformer"
    elif isinstance(layer, nn.Linear | nn.Sequential):
        mirrored = _mirror_sequential(layer, w_in, w_out, reduction)
        if mirrored is not None:
            return mirrored, "linear"
    block = nn.Sequential(
        nn.Linear(_side_width(w_in, reduction), _side_width(w_out, reduction)),
        nn.ReLU(),
    )
    return block, "generic"


# -- pruned initialisation -----------------------------------------------------


def _top(scores, k):
    """Indices of the ``k`` largest ``scores``, in increasing index order."""
    return torch.sort(torch.topk(scores, k).indices).values


@torch.no_grad()
def _prune_sequential(layer, side, index):
    """Copy the kept rows/columns of ``layer``'s Linears and norms into ``side``.

    ``index`` are the input dimensions kept upstream (or None: choose the
    columns of the first Linear with the largest L1 norms). Returns the kept
    output dimensions.
    """
    pairs = ([(layer, side)] if isinstance(layer, nn.Linear)
             else list(zip(layer.children(), side.children())))
    for original, pruned in pairs:
        if isinstance(original, nn.Linear):
            weight = original.weight
            if index is None or len(index) != pruned.in_features:
                index = _top(weight.abs().sum(0), pruned.in_features)
            rows = _top(weight.abs().sum(1), pruned.out_features)
            pruned.weight.copy_(weight[rows][:, index])
            if original.bias is not None:
                pruned.bias.copy_(original.bias[rows])
            index = rows
        elif isinstance(original, _NORMS):
            for name in ("weight", "bias", "running_mean", "running_var"):
                source = getattr(original, name, None)
                if source is not None and getattr(pruned, name, None) is not None:
                    getattr(pruned, name).copy_(source[index])
    return index


def _residual_scores(layer):
    """L1 norm of the weights of ``layer`` that touch each residual dimension."""
    attn = layer.self_attn
    scores = attn.in_proj_weight.abs().sum(0) + attn.out_proj.weight.abs().sum(1)
    scores = scores + layer.linear1.weight.abs().sum(0)
    scores = scores + layer.linear2.weight.abs().sum(1)
    for norm in (layer.norm1, layer.norm2):
        for p in (norm.weight, norm.bias):
            if p is not None:
                scores = scores + p.abs()
    return scores


@torch.no_grad()
def _prune_transformer(layer, side, residual):
    """Copy a structurally pruned ``layer`` into the side layer ``side``.

    ``residual`` are the kept residual dimensions. Per kept head, the query
    and key rows are kept together (they meet in the dot product) and the
    value rows with the matching columns of the output projection; the kept
    feed-forward units are those with the largest L1 norm of their input and
    output weights.
    """
    attn, side_attn = layer.self_attn, side.self_attn
    d, n_heads = attn.embed_dim, attn.num_heads
    head_dim = d // n_heads
    side_heads = side_attn.num_heads
    side_head_dim = side_attn.embed_dim // side_heads
    if side_head_dim > head_dim:
        raise ValueError(
            f"side_init='pruned' cannot keep {side_head_dim} of the {head_dim} "
            f"dimensions per attention head; use side_init='random'."
        )
    wq, wk, wv = (w[:, residual].abs() for w in attn.in_proj_weight.chunk(3))
    out_cols = attn.out_proj.weight[residual].abs()
    qk_rows, v_rows = wq.sum(1) + wk.sum(1), wv.sum(1) + out_cols.sum(0)
    per_head = (qk_rows + v_rows).reshape(n_heads, head_dim).sum(1)
    qk, v = [], []
    for head in _top(per_head, side_heads).tolist():
        span = slice(head * head_dim, (head + 1) * head_dim)
        qk.append(head * head_dim + _top(qk_rows[span], side_head_dim))
        v.append(head * head_dim + _top(v_rows[span], side_head_dim))
    qk, v = torch.cat(qk), torch.cat(v)
    rows = torch.cat([qk, qk + d, v + 2 * d])
    side_attn.in_proj_weight.copy_(attn.in_proj_weight[rows][:, residual])
    if attn.in_proj_bias is not None:
        side_attn.in_proj_bias.copy_(attn.in_proj_bias[rows])
    side_attn.out_proj.weight.copy_(attn.out_proj.weight[residual][:, v])
    if attn.out_proj.bias is not None:
        side_attn.out_proj.bias.copy_(attn.out_proj.bias[residual])
    unit_scores = (layer.linear1.weight[:, residual].abs().sum(1)
                   + layer.linear2.weight[residual].abs().sum(0))
    units = _top(unit_scores, side.linear1.out_features)
    side.linear1.weight.copy_(layer.linear1.weight[units][:, residual])
    side.linear2.weight.copy_(layer.linear2.weight[residual][:, units])
    if layer.linear1.bias is not None:
        side.linear1.bias.copy_(layer.linear1.bias[units])
        side.linear2.bias.copy_(layer.linear2.bias[residual])
    for norm, side_norm in ((layer.norm1, side.norm1), (layer.norm2, side.norm2)):
        side_norm.weight.copy_(norm.weight[residual])
        if norm.bias is not None:
            side_norm.bias.copy_(norm.bias[residual])


def _prune_into(layers, blocks, kinds, names, reduction):
    """Initialise the side blocks from a magnitude-pruned copy of the layers."""
    residual = {}  # model width d -> kept residual dims, shared by the layers
    for layer, kind in zip(layers, kinds):
        if kind == "transformer":
            d = layer.self_attn.embed_dim
            residual[d] = residual.get(d, 0) + _residual_scores(layer)
    residual = {d: _top(s, d // reduction) for d, s in residual.items()}
    index = None
    for i, (layer, block, kind) in enumerate(zip(layers, blocks, kinds)):
        if kind == "generic":
            raise ValueError(
                "side_init='pruned' supports ladder layers that are nn.Linear, "
                "nn.Sequential blocks of Linear/norm/activation layers (MLP "
                "blocks) or nn.TransformerEncoderLayer; ladder layer "
                f"{names[i]!r} is a {type(layer).__name__} (or its widths do "
                "not chain); use side_init='random'."
            )
        if kind == "transformer":
            index = residual[layer.self_attn.embed_dim]
            _prune_transformer(layer, block, index)
        else:
            index = _prune_sequential(layer, block, index)


# -- the estimators ------------------------------------------------------------


def _default_ladder_layers(backbone):
    blocks = getattr(backbone, "blocks", None)
    if isinstance(blocks, nn.Sequential) and len(blocks):
        return [f"blocks.{name}" for name, _ in blocks.named_children()]
    names = [
        name for name, m in backbone.named_modules()
        if isinstance(m, nn.TransformerEncoderLayer)
    ]
    if names:
        return names
    shown = ", ".join(repr(n) for n, _ in list(backbone.named_modules())[1:13])
    raise ValueError(
        "ladder_layers=None finds no default taps: the module has neither a "
        "`blocks` nn.Sequential (an sktransfer MLP) nor nn.TransformerEncoderLayer "
        "sub-modules; pass ladder_layers=[...], the names of the sub-modules "
        f"whose outputs feed the side network (its sub-modules: {shown})."
    )


class _LadderSideTuning:
    """Parameters, network and diagnostics shared by the two LST estimators."""

    _parameter_constraints = {
        key: value
        for key, value in _TorchEstimator._parameter_constraints.items()
        if key not in ("feature_layer", "regularizers", "linear_probe",
                       "backbone_lr_mult")
    }
    _parameter_constraints.update({
        "ladder_layers": [None, list, tuple],
        "reduction": [Interval(numbers.Integral, 1, None, closed="left")],
        "gate_temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "side_init": [StrOptions({"random", "pruned"})],
    })

    def __init__(
        self,
        module=None,
        *,
        ladder_layers=None,
        reduction=8,
        gate_temperature=0.1,
        side_init="random",
        optimizer="adam",
        lr=3e-3,
        max_epochs=20,
        batch_size="auto",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        progress_bar=False,
        random_state=None,
        device="cpu",
        **kwargs,
    ):
        self.module = module
        self.ladder_layers = ladder_layers
        self.reduction = reduction
        self.gate_temperature = gate_temperature
        self.side_init = side_init
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.progress_bar = progress_bar
        self.random_state = random_state
        self.device = device
        self._set_routed(kwargs)

    def _check_regularizers(self):
        return []  # LST trains no backbone weight: nothing to regularise

    def _ladder_names(self, backbone):
        if self.ladder_layers is None:
            return _default_ladder_layers(backbone)
        names = list(self.ladder_layers)
        if not names:
            raise ValueError("ladder_layers must name at least one sub-module.")
        for name in names:
            if not isinstance(name, str):
                raise TypeError(
                    f"ladder_layers must hold sub-module names (str), got {name!r}."
                )
        if len(set(names)) != len(names):
            raise ValueError(f"ladder_layers={names!r} names a sub-module twice.")
        return names

    def _probe(self, backbone, names, layers, x_sample):
        """Activations of the taps on a sample; checks calls and shapes."""
        with torch.no_grad():
            outputs, order, h0 = run_captured(backbone, layers, x_sample, stop=False)
        for i, name in enumerate(names):
            calls = order.count(i)
            if calls != 1:
                raise ValueError(
                    f"ladder_layers: {name!r} ran {calls} times in the module's "
                    "forward pass; every ladder layer must run exactly once."
                )
        if order != sorted(order):
            ran = [names[i] for i in order]
            raise ValueError(
                f"ladder_layers must be listed in the order the forward pass "
                f"runs them: {ran!r}, got {names!r}."
            )
        taps = [h0] + [_as_tensor(h, f"ladder layer {n!r}") for n, h in
                       zip(names, outputs)]
        for name, h in zip(["the input of " + repr(names[0]), *map(repr, names)],
                           taps):
            if not torch.is_tensor(h) or not h.is_floating_point() or h.ndim not in (
                2, 3
            ):
                what = "none" if h is None else f"shape {tuple(h.shape)}"
                raise ValueError(
                    f"ladder_layers: {name} must be a float tensor (batch, width) "
                    f"or (batch, sequence, width), got {what}."
                )
        for name, layer in zip(names, layers):
            if (isinstance(layer, nn.TransformerEncoderLayer)
                    and not layer.self_attn.batch_first):
                raise ValueError(
                    f"ladder_layers: {name!r} has batch_first=False, but the rows "
                    "of X are the batch; build the backbone with batch_first=True."
                )
        return taps

    def _check_reduction(self, names, layers, widths):
        r = self.reduction
        for name, layer, width in zip(names, layers, widths[1:]):
            if r > width:
                raise ValueError(
                    f"reduction={r} is larger than the width {width} of ladder "
                    f"layer {name!r}; use reduction <= {min(widths[1:])}."
                )
            if isinstance(layer, nn.TransformerEncoderLayer) and width % r:
                raise ValueError(
                    f"reduction={r} must divide the model width {width} of the "
                    f"transformer layer {name!r}."
                )

    def _build_network(self, backbone, x_sample, n_outputs):
        freeze(backbone).eval()
        names = self._ladder_names(backbone)
        layers = [get_submodule(backbone, n, argument="ladder_layers") for n in names]
        taps = self._probe(backbone, names, layers, x_sample)
        widths = [int(h.shape[-1]) for h in taps]
        self._check_reduction(names, layers, widths)
        r = self.reduction
        side = [_side_width(w, r) for w in widths]
        built = [
            _side_block(layer, w_in, w_out, r)
            for layer, w_in, w_out in zip(layers, widths[:-1], widths[1:])
        ]
        blocks = nn.ModuleList(block for block, _ in built)
        kinds = [kind for _, kind in built]
        if self.side_init == "pruned":
            _prune_into(layers, blocks, kinds, names, r)
        downs = nn.ModuleList(nn.Linear(w, s) for w, s in zip(widths, side))
        self.ladder_layers_ = names
        return LadderSideNetwork(
            backbone, names, downs, blocks, nn.LayerNorm(side[-1]),
            nn.Linear(side[-1], n_outputs), self.gate_temperature,
        )

    def _parameter_groups(self, network):
        """Every trainable parameter (side, ladders, gates, head) at ``lr``."""
        return [{"params": [p for p in network.parameters() if p.requires_grad],
                 "lr_mult": 1.0}]

    def fit(self, X, y):
        """Train the side network, ladders, gates and head on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            The backbone's inputs (3-D for batch-first sequence models).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classifier) or targets (regressor).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        super().fit(X, y)
        with torch.no_grad():
            self.gates_ = self.network_.gates().cpu().double().numpy()
        self.n_trainable_params_ = count_trainable_parameters(self.network_)
        return self


_LST_DESCRIPTION = r"""

    Ladder Side-Tuning (LST; Sung, Cho & Bansal, "LST: Ladder Side-Tuning for
    parameter and memory efficient transfer learning", NeurIPS 2022). The
    pretrained backbone is frozen: it runs under :func:`torch.no_grad` in
    eval mode (BatchNorm statistics and dropout stay frozen even while the
    side network trains), so backward never enters it. A side network of
    widths ``w / r`` (``r = reduction``) reads the backbone through gated
    ladder connections:

    .. math::

        s_0 = D_0(h_0), \qquad
        s_i = \mu_i\, g_i(s_{i-1}) + (1 - \mu_i)\, D_i(h_i)
        \quad (i = 1, \dots, N), \qquad
        \mu_i = \operatorname{sigmoid}(\alpha_i / T),

    then ``outputs = head(pool(LayerNorm(s_N)))``. Here ``h_0`` is the input
    of the first ladder layer (a forward pre-hook), ``h_i`` the output of
    ladder layer ``i`` (forward hooks; the backbone stops after the last
    one), ``D_i`` a learned ``Linear(w_i, ceil(w_i / r))`` with bias, the
    gate logits ``α_i`` start at 0 (``μ_i = 0.5``) and ``T =
    gate_temperature``; ``pool`` averages a 3-D state ``(batch, sequence,
    width)`` over the sequence. (The side block runs before its gate mixes
    in the ladder, so ``g_i`` maps the widths of layer ``i``'s input to
    those of its output; the paper's code mixes before the block, which
    needs equal widths.)

    The side block ``g_i`` mirrors ladder layer ``i`` at width / ``r``
    (rounded up):

    * ``nn.Linear`` or an ``nn.Sequential`` of Linear, LayerNorm,
      BatchNorm1d and parameter-free layers (an :class:`MLP` block
      ``Linear → ReLU``) whose widths chain from the previous tap: the same
      layers with every width divided by ``r``;
    * ``nn.TransformerEncoderLayer`` of model width ``d``: a
      ``TransformerEncoderLayer(d / r, nhead', dim_feedforward / r)`` with
      the backbone's dropout, activation, norm placement and
      ``batch_first``; ``nhead'`` is the largest head count not above the
      backbone's that divides ``d / r`` (the same count when ``r`` divides
      the head width); ``r`` must divide ``d``;
    * anything else: ``Linear → ReLU`` from the previous tap's width / r to
      this tap's.

    ``side_init="pruned"`` initialises the side blocks from a structurally
    pruned copy of the backbone (magnitude, L1 norms; the "t5-base" variant
    of the paper): a Linear keeps its ``out / r`` rows of largest L1 norm,
    and its input columns are the rows kept in the previous Linear (the
    columns of largest L1 norm for the first one); norms keep the same
    dimensions. A transformer layer keeps the ``d / r`` residual
    dimensions of largest L1 norm over the weights touching them (summed
    over all transformer ladder layers of that width, so the residual
    stream is pruned alike everywhere), per kept head the ``head_dim / r``
    query/key rows (chosen together, as they meet in the dot product) and
    value rows (with the matching columns of the output projection), and
    the ``dim_feedforward / r`` feed-forward units of largest L1 norm; its
    norms are sliced alike. Heads are kept by L1 norm when fewer are used.
    The ladders ``D_i``, gates, final LayerNorm and head start at their
    default (random) initialisation in both modes.

    Trained: the side blocks, ladders, gates, final LayerNorm and head; the
    backbone's copy is bit-identical after ``fit`` and never gets a
    gradient. See :ref:`neural` in the user guide.
"""

_LST_PARAMETERS = """
    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module subclass or None, default=None
        The pretrained backbone. An instance is deep-copied at ``fit`` (the
        given module is never changed); a class is instantiated with the
        ``module__<name>`` arguments; ``None`` builds an :class:`MLP`
        (``module__hidden_layer_sizes``, default ``(64,)``), whose random
        weights then stay frozen.
    ladder_layers : list of str or None, default=None
        Names of the sub-modules whose outputs are tapped, in the order the
        forward pass runs them (each must run exactly once and give a float
        ``(batch, width)`` or batch-first ``(batch, sequence, width)``
        tensor). ``None``: the children of a ``blocks`` ``nn.Sequential``
        (every block of an :class:`MLP`), else every
        ``nn.TransformerEncoderLayer``, else a ValueError asking for the
        names.
    reduction : int, default=8
        The reduction factor ``r`` of the side network's widths; at most the
        width of every ladder layer, and a divisor of the model width of
        transformer layers.
    gate_temperature : float, default=0.1
        The temperature ``T`` of the gates.
    side_init : {"random", "pruned"}, default="random"
        Initialisation of the side blocks: PyTorch's default, or the pruned
        backbone (for Linear/MLP blocks and transformer encoder layers).
    optimizer : {"adam", "adamw", "sgd"} or torch.optim.Optimizer subclass, \
default="adam"
        Configured with ``optimizer__<name>`` keyword arguments.
    lr : float, default=3e-3
        Learning rate of every trained parameter (the paper's).
    max_epochs : int, default=20
        Passes over the training rows.
    batch_size : int or "auto", default="auto"
        ``"auto"`` is ``min(32, n_training_rows)``; an int larger than the
        training rows is an error.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for
        classifiers), stop after ``n_iter_no_change`` epochs without the
        validation loss improving by ``tol``, and restore the best weights.
    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement before early stopping ends the fit.
    tol : float, default=1e-4
        Least decrease of the validation loss that counts as improvement.
    progress_bar : bool, default=False
        A tqdm bar over the epochs.
    random_state : int, RandomState or None, default=None
        Seeds torch (side network initialisation, shuffling, dropout) inside
        a forked random state, so the global torch stream is left as it was.
    device : str or torch.device, default="cpu"
        Where the network trains and predicts.
    **kwargs
        ``optimizer__<name>`` and ``module__<name>`` arguments; any other
        keyword is a TypeError.
"""

_LST_ATTRIBUTES = """
    network_ : LadderSideNetwork
        The trained network: ``network_.backbone`` (also ``module_``, the
        frozen copy), ``network_.downs`` (``D_0..D_N``), ``network_.blocks``
        (``g_1..g_N``), ``network_.gate_logits``, ``network_.norm``,
        ``network_.head``; ``network_(x)`` returns ``(outputs, features)``.
    ladder_layers_ : list of str
        The tapped sub-modules (the default resolved).
    gates_ : ndarray of shape (n_ladder_layers,)
        The learned gates ``μ_i`` (0.5 at the start).
    n_trainable_params_ : int
        Trained scalar parameters (side blocks, ladders, gates, norm, head).
    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss``, ``lr``,
        ``duration`` and, with early stopping, ``valid_loss``.
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
"""


class LadderSideTuningClassifier(_LadderSideTuning, FineTuningClassifier):
    __doc__ = (
        "Ladder Side-Tuning of a frozen pretrained torch module for "
        "classification."
        + _LST_DESCRIPTION
        + _LST_PARAMETERS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
"""
        + _LST_ATTRIBUTES
        + """
    See Also
    --------
    FineTuningClassifier : Full fine-tuning and the linear probe.

    Notes
    -----
    The loss is the cross-entropy; ``predict_proba`` is the softmax of the
    head's outputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.neural import LadderSideTuningClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 16)).astype("float32")
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = LadderSideTuningClassifier(max_epochs=40, random_state=0).fit(X, y)
    >>> clf.gates_.shape
    (1,)
    >>> clf.score(X, y) > 0.9
    True
    """
    )


class LadderSideTuningRegressor(_LadderSideTuning, FineTuningRegressor):
    __doc__ = (
        "Ladder Side-Tuning of a frozen pretrained torch module for regression."
        + _LST_DESCRIPTION
        + _LST_PARAMETERS
        + """
    Attributes
    ----------
"""
        + _LST_ATTRIBUTES
        + """
    See Also
    --------
    FineTuningRegressor : Full fine-tuning and the linear probe.

    Notes
    -----
    The loss is the mean squared error on standardised targets (each output
    centred and scaled by its training standard deviation, undone by
    ``predict``).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.neural import LadderSideTuningRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 8)).astype("float32")
    >>> y = X @ rng.standard_normal(8)
    >>> reg = LadderSideTuningRegressor(max_epochs=60, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """
    )
