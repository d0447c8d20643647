"""Modules and module plumbing shared by the neural estimators.

The default backbone (:class:`MLP`), the lookup of a named sub-module, the
extraction of penultimate features by a forward hook, and the frozen
reference copy of a pretrained network used by L2-SP and DELTA.
"""

import copy

import torch
from torch import nn


class MLP(nn.Module):
    """A plain multi-layer perceptron backbone: ``Linear → ReLU`` blocks.

    The default ``module`` of the bridge estimators, and a convenient
    backbone to pretrain in examples and tests.

    Parameters
    ----------
    n_features : int
        Input width.
    hidden_layer_sizes : tuple of int, default=(64,)
        Width of each hidden block; the last one is the feature width.
    n_outputs : int or None, default=None
        With an int, a final ``Linear(hidden[-1], n_outputs)`` named ``head``
        is appended (a complete network to pretrain); ``None`` gives a
        backbone whose output is the features.

    Attributes
    ----------
    blocks : torch.nn.Sequential
        The hidden blocks; ``blocks.<i>`` is the ``i``-th ``Linear → ReLU``
        pair, a natural ``feature_layer`` or ladder tap.
    """

    def __init__(self, n_features, hidden_layer_sizes=(64,), n_outputs=None):
        super().__init__()
        widths = [int(n_features), *(int(h) for h in hidden_layer_sizes)]
        self.blocks = nn.Sequential(
            *(
                nn.Sequential(nn.Linear(w_in, w_out), nn.ReLU())
                for w_in, w_out in zip(widths[:-1], widths[1:])
            )
        )
        self.head = None if n_outputs is None else nn.Linear(widths[-1], n_outputs)

    def forward(self, x):
        x = self.blocks(x)
        return x if self.head is None else self.head(x)


class TransformerBackbone(nn.Module):
    """A small transformer encoder backbone for sequences of feature vectors.

    ``Linear(n_features, width)`` then ``n_layers`` batch-first
    :class:`torch.nn.TransformerEncoderLayer` blocks (``encoder.layers.<i>``,
    the default ladders of Ladder Side-Tuning). Input ``(batch, sequence,
    n_features)``, output ``(batch, sequence, width)``; the bridge
    estimators average the output over the sequence.

    Parameters
    ----------
    n_features : int
    width : int, default=64
        Model width; must be divisible by ``n_heads``.
    n_layers : int, default=2
    n_heads : int, default=4
    dim_feedforward : int or None, default=None
        ``4 * width`` when None.
    dropout : float, default=0.0
    """

    def __init__(self, n_features, width=64, n_layers=2, n_heads=4,
                 dim_feedforward=None, dropout=0.0):
        super().__init__()
        self.proj = nn.Linear(int(n_features), int(width))
        layer = nn.TransformerEncoderLayer(
            int(width), int(n_heads),
            dim_feedforward=4 * int(width) if dim_feedforward is None
            else int(dim_feedforward),
            dropout=dropout, batch_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, int(n_layers), enable_nested_tensor=False
        )

    def forward(self, x):
        return self.encoder(self.proj(x))


def freeze(module):
    """Switch gradients off for every parameter of ``module``; returns it."""
    return module.requires_grad_(False)


def first_tensor(output):
    """The tensor of a module output (the first item of a tuple or list)."""
    if isinstance(output, tuple | list) and output:
        return output[0]
    return output


def cpu_state(module):
    """A detached CPU copy of ``module``'s state dict."""
    return {
        name: tensor.detach().to("cpu", copy=True)
        for name, tensor in module.state_dict().items()
    }


def get_submodule(module, name, argument="feature_layer"):
    """``module``'s sub-module called ``name``, or a ValueError naming ``argument``."""
    if not isinstance(name, str):
        raise TypeError(f"{argument} must name a sub-module (a str), got {name!r}.")
    try:
        return module.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in module.named_modules() if n]
        shown = ", ".join(repr(n) for n in names[:20])
        more = "" if len(names) <= 20 else f", … ({len(names)} in all)"
        raise ValueError(
            f"{argument}={name!r} is not a sub-module of the given module; "
            f"its sub-modules are {shown}{more}."
        ) from None


def pool_features(features):
    """Penultimate features as a ``(n_samples, n_features)`` matrix.

    A 2-D output is kept; a 3-D output ``(batch, sequence, width)`` (a
    batch-first transformer) is averaged over the sequence; anything of more
    dimensions (convolutional maps) is flattened after the batch axis.
    """
    if features.ndim == 2:
        return features
    if features.ndim == 3:
        return features.mean(dim=1)
    if features.ndim == 1:
        return features[:, None]
    return features.flatten(1)


class _ForwardDone(Exception):
    """Raised by a capture hook to end a forward pass: nothing left to capture."""


def run_captured(module, layers, x, *, stop=True):
    """Run ``module(x)`` and capture what the sub-modules ``layers`` produce.

    The one mechanism behind feature layers, Ladder Side-Tuning's taps and
    DELTA's reference feature maps: forward hooks record each layer's output
    (of its last call, as returned, tuples included) and, with ``stop``, end
    the forward pass as soon as every layer has produced one, so the layers
    after them (e.g. an old head) do not run.

    Returns
    -------
    outputs : list
        Each layer's output, ``None`` for a layer that did not run.
    order : list of int
        The indices of ``layers`` in the order their outputs came.
    first_input : torch.Tensor or None
        The first tensor argument of ``layers[0]``'s first call.
    """
    outputs, order, first_input = [None] * len(layers), [], []

    def record_input(_module, args, kwargs):
        if not first_input:
            first_input.extend(
                a for a in (*args, *kwargs.values()) if torch.is_tensor(a)
            )

    def record_output(index):
        def hook(_module, _inputs, output):
            outputs[index] = output
            order.append(index)
            if stop and all(o is not None for o in outputs):
                raise _ForwardDone

        return hook

    handles = [layers[0].register_forward_pre_hook(record_input, with_kwargs=True)]
    handles += [
        layer.register_forward_hook(record_output(i)) for i, layer in enumerate(layers)
    ]
    try:
        module(x)
    except _ForwardDone:
        pass
    finally:
        for handle in handles:
            handle.remove()
    return outputs, order, (first_input[0] if first_input else None)


def _as_tensor(output, name):
    output = first_tensor(output)  # e.g. an RNN's (output, state)
    if not isinstance(output, torch.Tensor):
        raise TypeError(
            f"{name} must give a tensor of features, got {type(output).__name__}."
        )
    return output


class FeatureNetwork(nn.Module):
    """A backbone, the layer that gives its penultimate features, and a head.

    ``forward(x)`` returns ``(outputs, features)``: the head's outputs and the
    pooled features they were computed from (regularisers such as Batch
    Spectral Shrinkage act on the features).

    Parameters
    ----------
    backbone : torch.nn.Module
    feature_layer : str, callable or None
        ``None``: the backbone's output is the features. A str: the output of
        that sub-module (captured by a forward hook that stops the forward
        pass there, so the layers after it are neither run nor trained). A
        callable ``feature_layer(backbone, x) -> tensor`` (must be picklable
        for the fitted estimator to pickle).
    head : torch.nn.Module
    freeze_backbone : bool, default=False
        Run the backbone in eval mode under :func:`torch.no_grad` (the
        linear probe).
    """

    def __init__(self, backbone, feature_layer, head, freeze_backbone=False):
        super().__init__()
        self.backbone = backbone
        self.feature_layer = feature_layer
        self.head = head
        self.freeze_backbone = freeze_backbone

    @property
    def head_in_features(self):
        """Width of the penultimate features (the head's input)."""
        return self.head.in_features

    def features(self, x):
        """Pooled penultimate features of ``x``."""
        if self.freeze_backbone:
            self.backbone.eval()
            with torch.no_grad():
                return self._features(x)
        return self._features(x)

    def _features(self, x):
        layer = self.feature_layer
        if layer is None:
            return pool_features(_as_tensor(self.backbone(x), "module"))
        if callable(layer):
            return pool_features(_as_tensor(layer(self.backbone, x), "feature_layer"))
        (output,), _, _ = run_captured(
            self.backbone, [self.backbone.get_submodule(layer)], x
        )
        if output is None:
            raise ValueError(
                f"feature_layer={layer!r} was not called in the module's forward "
                "pass."
            )
        return pool_features(_as_tensor(output, "feature_layer"))

    def forward(self, x):
        features = self.features(x)
        return self.head(features), features

    def train(self, mode=True):
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()
        return self


def frozen_copy(module):
    """A deep copy of ``module`` in eval mode with gradients switched off."""
    return freeze(copy.deepcopy(module)).eval()
