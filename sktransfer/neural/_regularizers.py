"""Composable fine-tuning regularisers: L2-SP, DELTA, Batch Spectral Shrinkage.

Each regulariser is a small parameter object (cloned with the estimator that
holds it in ``regularizers=[...]``). At fit time the estimator calls
``bind(context)``, which returns a :class:`BoundRegularizer`: the penalty of
one mini-batch, added to the data loss, and any forward hooks it needed,
removed by ``close()`` when fitting ends (so fitted estimators pickle).
"""

import copy
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.base import BaseEstimator

from .._kernels._spectral import spectral_shrinkage_penalty
from ..utils._validation import check_int, check_real
from ._modules import first_tensor, get_submodule, run_captured


@dataclass
class FitContext:
    """What a regulariser may use when it is bound at the start of ``fit``.

    Attributes
    ----------
    network : FeatureNetwork
        The network being trained (backbone, feature layer, new head).
    reference : torch.nn.Module
        A frozen copy of the pretrained backbone (eval mode, no gradients),
        made only when the estimator holds regularisers.
    X, y : torch.Tensor
        The training data, on the training device.
    loss : callable
        ``loss(outputs, y)``, the data loss of the estimator.
    batch_size : int
    generator : torch.Generator
        The fit's random stream (CPU), for any shuffling the binding does.
    """

    network: torch.nn.Module
    reference: torch.nn.Module
    X: torch.Tensor
    y: torch.Tensor
    loss: object
    batch_size: int
    generator: torch.Generator


class BoundRegularizer:
    """A regulariser bound to one fit: ``penalty(x, features)`` and ``close()``.

    ``state`` holds what the binding computed and a user may want to inspect
    (DELTA's attention weights); estimators keep it as ``regularizer_states_``.
    """

    def __init__(self, penalty, handles=(), state=None):
        self._penalty = penalty
        self._handles = list(handles)
        self.state = {} if state is None else state

    def penalty(self, x, features):
        """The penalty of the mini-batch ``x`` with penultimate ``features``."""
        return self._penalty(x, features)

    def close(self):
        """Remove the forward hooks this binding registered."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def _head_l2(network, beta):
    if beta == 0.0:
        return 0.0
    return 0.5 * beta * sum(p.square().sum() for p in network.head.parameters())


class L2SP(BaseEstimator):
    """L2-SP: pull the backbone's weights towards the pretrained ones.

    .. math::

        \\Omega(w) = \\frac{\\alpha}{2}\\lVert w_{\\mathrm{backbone}}
        - w^0\\rVert_2^2 + \\frac{\\beta}{2}\\lVert w_{\\mathrm{head}}\\rVert_2^2

    with :math:`w^0` the pretrained backbone (Li, Grandvalet & Davoine,
    "Explicit inductive bias for transfer learning with convolutional
    networks", ICML 2018). It *replaces* weight decay, which would pull the
    backbone to 0 instead: an estimator holding L2SP refuses a non-zero
    ``optimizer__weight_decay``.

    Parameters
    ----------
    alpha : float, default=0.01
        Strength of the pull to the pretrained backbone.
    beta : float, default=0.01
        Ordinary L2 strength on the new head.

    Notes
    -----
    :class:`L2SP` and :class:`DELTA` each add their own head L2 term
    (``beta``): when composing them, set ``beta=0`` on one of them, or the
    head's L2 counts twice.
    """

    def __init__(self, alpha=0.01, beta=0.01):
        self.alpha = alpha
        self.beta = beta

    def bind(self, context):
        """Bind to one fit: the penalty pulling the backbone to its start.

        The trainable backbone parameters of ``context.network`` are paired,
        in order, with those of ``context.reference`` (the frozen pretrained
        copy); frozen parameters are left out.

        Parameters
        ----------
        context : FitContext

        Returns
        -------
        bound : BoundRegularizer
            ``penalty(x, features)`` is :math:`\\Omega(w)` above, a 0-d
            tensor attached to the graph (it does not depend on the batch).
            No hooks are registered.

        Raises
        ------
        TypeError, ValueError
            If ``alpha`` or ``beta`` is not a finite real ``>= 0``, or the
            backbone and its reference do not have the same parameters.
        """
        alpha = check_real(self.alpha, "L2SP alpha", minimum=0.0)
        beta = check_real(self.beta, "L2SP beta", minimum=0.0)
        pairs = [
            (live, reference)
            for live, reference in zip(
                context.network.backbone.parameters(),
                context.reference.parameters(),
                strict=True,
            )
            if live.requires_grad
        ]

        def penalty(_x, _features):
            drift = sum((live - ref).square().sum() for live, ref in pairs)
            return 0.5 * alpha * drift + _head_l2(context.network, beta)

        return BoundRegularizer(penalty)


def _channel_axis(output):
    """Channels are axis 1 (dense, convolutional) or last (batch-first sequence)."""
    return output.ndim - 1 if output.ndim == 3 else 1


def _per_channel_squared_distance(output, reference):
    """``(batch, channels)`` squared distances between two feature maps."""
    axis = _channel_axis(output)
    squared = (output - reference).square().movedim(axis, 1)
    return squared.reshape(squared.shape[0], squared.shape[1], -1).sum(dim=2)


class _Capture:
    """A forward hook storing a layer's output (the first tensor of a tuple)."""

    def __init__(self):
        self.output = None

    def __call__(self, _module, _inputs, output):
        self.output = first_tensor(output)


def _reference_outputs(reference, layers, x):
    """The outputs of ``layers`` of the frozen reference on ``x``.

    No autograd, and the forward pass stops once every layer has run (the
    layers after them, e.g. an old head, do not).
    """
    with torch.no_grad():
        outputs, _, _ = run_captured(reference, layers, x)
    return [None if o is None else first_tensor(o) for o in outputs]


def _captured(output, name):
    """A DELTA layer's captured ``output``, or the error of a layer not run."""
    if output is None:
        raise ValueError(
            f"DELTA layer {name!r} did not run in the forward pass; "
            "DELTA layers must run at or before feature_layer."
        )
    return output


class DELTA(BaseEstimator):
    """DELTA: keep chosen feature maps close to the pretrained network's.

    .. math::

        \\Omega(w) = \\alpha\\,\\frac{1}{b}\\sum_{i=1}^{b}\\sum_{j}
        \\sum_{c} W_{jc}\\,\\lVert FM_{jc}(w, x_i) - FM_{jc}(w^0, x_i)
        \\rVert_2^2 + \\frac{\\beta}{2}\\lVert w_{\\mathrm{head}}\\rVert_2^2

    over the layers ``j`` of ``layers`` and their channels ``c``, with
    :math:`w^0` the frozen pretrained backbone (Li et al., "DELTA: DEep
    Learning Transfer using feature map with Attention for convolutional
    networks", ICLR 2019). Channels are axis 1 of a dense or convolutional
    output and the last axis of a 3-D (batch-first sequence) output.

    Without attention :math:`W_{jc} = 1`. With ``channel_attention=True``
    the weights come from a pre-pass, as in the paper: a copy of the new
    head is trained on the pretrained features for ``attention_epochs``
    (Adam at ``attention_lr``); for each channel, the increase of the data
    loss when that channel is zeroed is averaged over up to
    ``attention_batches`` batches; per layer the increases are z-scored and
    :math:`W_{j\\cdot} = C_j\\,\\mathrm{softmax}(z_j / T)` (our scaling by the
    channel count :math:`C_j` makes uniform attention equal to no attention,
    so ``alpha`` means the same with and without it).

    Parameters
    ----------
    layers : str or list of str
        Names of backbone sub-modules whose outputs are compared. They must
        run at or before the estimator's ``feature_layer``, once per forward
        pass. The pretrained network runs on each batch only as far as the
        last of them to run.
    alpha : float, default=0.01
        Strength of the feature-map penalty: :math:`\\alpha` above, which
        multiplies the (attention-weighted) squared distances summed over
        layers and channels and averaged over the batch.
    beta : float, default=0.01
        Ordinary L2 strength on the new head.
    channel_attention : bool, default=False
        Weight the channels by their importance to the target task, as
        measured by the pre-pass above; ``False`` weights them equally.
    attention_epochs : int, default=5
        Epochs of the pre-pass that trains a head on the pretrained
        features (0 keeps the new head's initial weights).
    attention_batches : int, default=10
        Number of training batches over which each channel's loss increase
        is averaged.
    attention_temperature : float, default=5.0
        :math:`T` above; a larger one gives more uniform weights.
    attention_lr : float, default=1e-2
        Learning rate of the Adam optimizer that trains the pre-pass head.

    Notes
    -----
    The weights used are kept, per layer, in the fitted estimator's
    ``regularizer_states_[i]["attention_weights"]`` (``None`` without
    attention).

    :class:`L2SP` and :class:`DELTA` each add their own head L2 term
    (``beta``): when composing them, set ``beta=0`` on one of them, or the
    head's L2 counts twice.
    """

    def __init__(
        self,
        layers,
        alpha=0.01,
        beta=0.01,
        channel_attention=False,
        attention_epochs=5,
        attention_batches=10,
        attention_temperature=5.0,
        attention_lr=1e-2,
    ):
        self.layers = layers
        self.alpha = alpha
        self.beta = beta
        self.channel_attention = channel_attention
        self.attention_epochs = attention_epochs
        self.attention_batches = attention_batches
        self.attention_temperature = attention_temperature
        self.attention_lr = attention_lr

    def _layer_names(self):
        layers = [self.layers] if isinstance(self.layers, str) else self.layers
        if not isinstance(layers, list | tuple) or not layers:
            raise ValueError(
                f"DELTA layers must be a non-empty list of sub-module names, "
                f"got {self.layers!r}."
            )
        return list(dict.fromkeys(layers))  # each layer once

    def bind(self, context):
        """Bind to one fit: hooks on the DELTA layers and the batch penalty.

        Forward hooks on each layer of ``layers`` of the trained backbone
        capture their outputs; each batch runs ``context.reference`` (without
        autograd, only as far as the last DELTA layer) for its outputs; with
        ``channel_attention=True`` the channel weights are computed first
        (the pre-pass, on the training data of ``context``).

        Parameters
        ----------
        context : FitContext

        Returns
        -------
        bound : BoundRegularizer
            ``penalty(x, features)`` compares the layer outputs of the
            forward pass that gave ``features`` with those of the reference
            on ``x`` (run without autograd, and stopped once every DELTA
            layer has run), and returns :math:`\\Omega(w)` above as a 0-d
            tensor. ``close()`` removes the hooks; ``state`` holds
            ``"attention_weights"``, a dict from layer name to a NumPy array
            of channel weights (``None`` without attention).

        Raises
        ------
        TypeError, ValueError
            If a parameter is invalid, or a name of ``layers`` is not a
            sub-module of the backbone (naming ``DELTA layers``); a
            ``ValueError`` also when a DELTA layer does not run in the forward
            pass (it comes after ``feature_layer``), from the pre-pass or the
            first batch.
        """
        alpha = check_real(self.alpha, "DELTA alpha", minimum=0.0)
        beta = check_real(self.beta, "DELTA beta", minimum=0.0)
        names = self._layer_names()
        live, handles = {}, []
        reference_layers = [
            get_submodule(context.reference, name, argument="DELTA layers")
            for name in names
        ]
        try:
            for name in names:
                module = get_submodule(context.network.backbone, name,
                                       argument="DELTA layers")
                live[name] = _Capture()
                handles.append(module.register_forward_hook(live[name]))
            weights = (
                self._attention(context, names, reference_layers)
                if self.channel_attention
                else dict.fromkeys(names)
            )
        except BaseException:
            for handle in handles:
                handle.remove()
            raise
        state = {
            "attention_weights": {
                name: None if w is None else w.detach().cpu().numpy()
                for name, w in weights.items()
            }
        }

        def penalty(x, _features):
            outputs = {name: _captured(live[name].output, name) for name in names}
            references = _reference_outputs(context.reference, reference_layers, x)
            total = 0.0
            for name, reference in zip(names, references):
                distance = _per_channel_squared_distance(
                    outputs[name], _captured(reference, name)
                )
                if weights[name] is not None:
                    distance = distance * weights[name]
                total = total + distance.sum(dim=1).mean()
                live[name].output = None
            return alpha * total + _head_l2(context.network, beta)

        return BoundRegularizer(penalty, handles, state)

    def _attention(self, context, names, reference_layers):
        """Channel weights from the loss increase of zeroing each channel."""
        epochs = check_int(self.attention_epochs, "DELTA attention_epochs", 0)
        n_batches = check_int(self.attention_batches, "DELTA attention_batches", 1)
        temperature = check_real(
            self.attention_temperature, "DELTA attention_temperature", 0.0, True
        )
        lr = check_real(self.attention_lr, "DELTA attention_lr", 0.0, True)
        network = copy.deepcopy(context.network)
        network.backbone = context.reference
        head = network.head
        X, y, size = context.X, context.y, context.batch_size
        with torch.no_grad():
            features = torch.cat(
                [network.features(X[i : i + size]) for i in range(0, len(X), size)]
            )
        outputs = {
            name: _captured(output, name)
            for name, output in zip(names, _reference_outputs(
                context.reference, reference_layers, X[:size]))
        }
        optimizer = torch.optim.Adam(head.parameters(), lr=lr)
        for _ in range(epochs):
            order = torch.randperm(len(X), generator=context.generator)
            for start in range(0, len(X), size):
                batch = order[start : start + size].to(X.device)
                optimizer.zero_grad()
                context.loss(head(features[batch]), y[batch]).backward()
                optimizer.step()
        batches = [
            (X[i : i + size], y[i : i + size])
            for i in range(0, min(len(X), n_batches * size), size)
        ]

        def mean_loss():
            with torch.no_grad():
                return np.mean([
                    float(context.loss(network(xb)[0], yb)) for xb, yb in batches
                ])

        baseline = mean_loss()
        weights = {}
        for name in names:
            layer = context.reference.get_submodule(name)
            output = outputs[name]
            n_channels = output.shape[_channel_axis(output)]
            increases = np.empty(n_channels)
            for channel in range(n_channels):
                handle = layer.register_forward_hook(_zero_channel(channel))
                try:
                    increases[channel] = mean_loss() - baseline
                finally:
                    handle.remove()
            spread = increases.std()
            z = (increases - increases.mean()) / spread if spread > 0 else 0 * increases
            # the weights multiply the layer's (floating) output, not the input
            dtype = (
                output.dtype if output.is_floating_point()
                else torch.get_default_dtype()
            )
            scores = torch.as_tensor(z / temperature, dtype=dtype,
                                     device=output.device)
            weights[name] = n_channels * torch.softmax(scores, dim=0)
        return weights


def _zero_channel(channel):
    """A forward hook zeroing one channel of a layer's (first) output."""

    def hook(_module, _inputs, output):
        tensor = first_tensor(output)
        axis = _channel_axis(tensor)
        mask = torch.ones(tensor.shape[axis], dtype=tensor.dtype, device=tensor.device)
        mask[channel] = 0
        shape = [1] * tensor.ndim
        shape[axis] = -1
        zeroed = tensor * mask.reshape(shape)
        if isinstance(output, tuple | list) and output:
            return type(output)([zeroed, *output[1:]])
        return zeroed

    return hook


class BatchSpectralShrinkage(BaseEstimator):
    """Batch Spectral Shrinkage: shrink the smallest singular values of features.

    .. math::

        \\Omega(F) = \\eta \\sum_{i=1}^{k} \\sigma_{m+1-i}^2(F)
        \\quad\\Bigl(\\text{or }\\eta\\,
        \\frac{\\sum_{i=1}^{k}\\sigma_{m+1-i}^2(F)}{\\lVert F\\rVert_F^2}
        \\text{ with normalize}\\Bigr)

    for the ``b × d`` feature matrix ``F`` of a mini-batch, ``m = min(b, d)``
    (Chen, Wang, Fu, Long & Wang, "Catastrophic forgetting meets negative
    transfer: Batch Spectral Shrinkage for safe transfer learning", NeurIPS
    2019). The smallest spectral components carry the directions that do not
    transfer; shrinking them suppresses negative transfer. Computed by
    :func:`sktransfer._kernels.spectral_shrinkage_penalty`, whose
    ``svdvals`` gives a gradient that needs no singular vectors (stable when
    singular values are close).

    Parameters
    ----------
    eta : float, default=1e-3
        Strength (the paper's default; it suits large-norm CNN features: on
        unit-scale features use ``normalize=True`` or a larger ``eta``).
    k : int, default=1
        Number of smallest singular values penalised; must be smaller than
        the feature dimension. A mini-batch of at most ``k`` rows contributes
        no penalty.
    normalize : bool, default=False
        Divide by :math:`\\lVert F\\rVert_F^2`, so ``eta`` does not depend on
        the scale of the features.
    """

    def __init__(self, eta=1e-3, k=1, normalize=False):
        self.eta = eta
        self.k = k
        self.normalize = normalize

    def bind(self, context):
        """Bind to one fit: the penalty of each mini-batch's features.

        Parameters
        ----------
        context : FitContext
            Only ``context.network.head_in_features`` (the feature
            dimension) is read.

        Returns
        -------
        bound : BoundRegularizer
            ``penalty(x, features)`` is ``eta`` times
            :func:`~sktransfer._kernels.spectral_shrinkage_penalty` of the
            ``(batch, d)`` ``features``: a 0-d tensor on their graph. A batch
            of at most ``k`` rows gives an exact zero, still attached to the
            graph (so it backpropagates a zero gradient). No hooks.

        Raises
        ------
        TypeError, ValueError
            If ``eta`` is not a finite real ``>= 0``, ``k`` is not an int
            ``>= 1``, or ``k`` is not smaller than the feature dimension
            (checked here, before any training).
        """
        eta = check_real(self.eta, "BatchSpectralShrinkage eta", minimum=0.0)
        k = check_int(self.k, "BatchSpectralShrinkage k", 1)
        n_features = context.network.head_in_features
        if k >= n_features:
            raise ValueError(
                f"BatchSpectralShrinkage k must be smaller than the feature "
                f"dimension {n_features}, got k={k}."
            )
        normalize = bool(self.normalize)

        def penalty(_x, features):
            return eta * spectral_shrinkage_penalty(features, k, normalize=normalize)

        return BoundRegularizer(penalty)
