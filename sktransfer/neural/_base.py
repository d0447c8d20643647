"""The torch bridge: scikit-learn estimators that fine-tune a pretrained module.

:class:`FineTuningClassifier` and :class:`FineTuningRegressor` wrap a user's
pretrained :class:`torch.nn.Module` (the backbone), read its penultimate
features at ``feature_layer``, put a new head sized from the target labels on
top, and train with mini-batch gradient descent plus any of the composable
regularisers of :mod:`sktransfer.neural` (L2-SP, DELTA, Batch Spectral
Shrinkage). ``linear_probe=True`` freezes the backbone and trains the head
only, the cheap baseline.

The parameter names follow skorch (``module``, ``optimizer``, ``lr``,
``max_epochs``, ``batch_size``, ``device``, and ``optimizer__<name>`` /
``module__<name>`` keyword arguments routed to the optimizer and to the module
class), so users of skorch find the familiar knobs; the training loop is our
own because the methods of this subpackage need non-standard loops (frozen
side paths, snapshot cycles).
"""

import contextlib
import copy
import inspect
import numbers
import time

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
)
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import validate_data
from ._memory import SavedTensorBytes
from ._modules import (
    MLP,
    FeatureNetwork,
    cpu_state,
    freeze,
    frozen_copy,
    get_submodule,
)
from ._regularizers import L2SP, FitContext

_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
}
_ROUTED_PREFIXES = ("optimizer__", "module__")


#: Rows per forward pass at prediction time.
INFERENCE_BATCH = 1024


@contextlib.contextmanager
def _seeded(seed, device):
    """Seed torch's CPU stream (and ``device``'s, on a GPU) inside a fork.

    The global random states are restored on exit, so fitting leaves them as
    they were. Only the CPU generator and the training device are seeded:
    ``torch.manual_seed`` would also queue a seed for every CUDA device.
    """
    devices = [device.index] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.random.default_generator.manual_seed(seed)
        if devices:
            with torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
        yield


def _float_dtype(module):
    """The dtype of ``module``'s floating parameters (float32 without any)."""
    for parameter in module.parameters():
        if parameter.is_floating_point():
            return parameter.dtype
    return torch.float32


def _batch_bounds(n_rows, batch_size):
    """``(begin, end)`` of each mini-batch; a last batch of one row joins the
    previous one (a single row breaks BatchNorm and carries no spectrum)."""
    bounds = [(b, min(b + batch_size, n_rows)) for b in range(0, n_rows, batch_size)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] == 1:
        bounds[-2:] = [(bounds[-2][0], n_rows)]
    return bounds


def _check_module_spec(module):
    if module is None or isinstance(module, torch.nn.Module):
        return
    if isinstance(module, type) and issubclass(module, torch.nn.Module):
        return
    raise TypeError(
        "module must be a torch.nn.Module instance, a torch.nn.Module subclass "
        f"or None, got {type(module).__name__}."
    )


class _TorchEstimator(BaseEstimator):
    """Shared parameters, routing and training loop of the bridge estimators.

    Subclasses set ``_loss`` (the data loss), ``_encode_targets`` /
    ``_n_outputs`` and may override ``_build_network`` (the trained network,
    whose forward returns ``(outputs, features)``) and
    ``_parameter_groups``.
    """

    _parameter_constraints = {
        "module": "no_validation",  # checked by _check_module_spec
        "feature_layer": [None, str, callable],
        "regularizers": [None, list, tuple],
        "linear_probe": ["boolean"],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), type],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "backbone_lr_mult": [Interval(numbers.Real, 0, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None,
                                                      closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "progress_bar": ["boolean"],
        "random_state": ["random_state"],
        "device": [str, torch.device],
    }

    def __init__(
        self,
        module=None,
        *,
        feature_layer=None,
        regularizers=None,
        linear_probe=False,
        optimizer="adam",
        lr=1e-3,
        backbone_lr_mult=1.0,
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
        self.feature_layer = feature_layer
        self.regularizers = regularizers
        self.linear_probe = linear_probe
        self.optimizer = optimizer
        self.lr = lr
        self.backbone_lr_mult = backbone_lr_mult
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

    # -- optimizer__ / module__ keyword routing (skorch's convention) --------

    def _set_routed(self, kwargs):
        # Stored as given, in a private dict (scikit-learn forbids raising in
        # __init__ and set_params, and public attributes outside the
        # signature); names are checked by _check_routed when fitting.
        routed = dict(getattr(self, "_routed_params", {}))
        routed.update(kwargs)
        self._routed_params = routed

    def _check_routed(self):
        for name in self._routed_params:
            if not name.startswith(_ROUTED_PREFIXES) or name.endswith("__"):
                raise TypeError(
                    f"{type(self).__name__} got an unexpected keyword argument "
                    f"{name!r}; only optimizer__<name> and module__<name> are "
                    "routed."
                )

    def _routed(self, prefix):
        return {
            name[len(prefix) :]: value
            for name, value in self._routed_params.items()
            if name.startswith(prefix)
        }

    def get_params(self, deep=True):
        params = super().get_params(deep=deep)
        params.update(self._routed_params)
        return params

    def set_params(self, **params):
        # optimizer__/module__ names are routed; any other unknown name is
        # left to BaseEstimator.set_params, which rejects it (a ValueError),
        # except the names given to __init__ (there stored unchecked).
        routed = {
            k: params.pop(k)
            for k in list(params)
            if k.startswith(_ROUTED_PREFIXES) or k in self._routed_params
        }
        self._set_routed(routed)
        return super().set_params(**params)

    # -- building ------------------------------------------------------------

    @staticmethod
    def _backbone_input_dtype(backbone, X):
        """The tensor dtype ``backbone`` reads ``X`` in.

        Integer inputs stay integer (token ids) for a backbone with an
        embedding layer; otherwise inputs take the dtype of the backbone's
        floating parameters (float32 for a default torch module).
        """
        if np.issubdtype(X.dtype, np.integer) and any(
            isinstance(m, torch.nn.Embedding) for m in backbone.modules()
        ):
            return torch.int64
        return _float_dtype(backbone)

    def _make_backbone(self, n_features):
        """A private copy of the pretrained module: fitting never changes it.

        A module class is built from the ``module__<name>`` arguments, with
        ``n_features`` filled in from the data when the class takes it and it
        is not given (as for :class:`MLP`).
        """
        module, kwargs = self.module, self._routed("module__")
        if module is None:
            module = MLP
        if isinstance(module, type):
            accepts = inspect.signature(module.__init__).parameters
            if "n_features" in accepts and "n_features" not in kwargs:
                kwargs["n_features"] = n_features
            try:
                return module(**kwargs)
            except TypeError as exc:
                raise TypeError(
                    f"module={module.__name__} cannot be built from the "
                    f"module__<name> arguments {sorted(kwargs)}: {exc}"
                ) from None
        if kwargs:
            raise ValueError(
                "module__<name> arguments configure a module class; module is "
                f"an instance, so {sorted('module__' + k for k in kwargs)} "
                "cannot apply."
            )
        return copy.deepcopy(module)

    def _build_network(self, backbone, x_sample, n_outputs):
        """The network trained by ``fit``: backbone features → new head."""
        if self.feature_layer is not None and not callable(self.feature_layer):
            get_submodule(backbone, self.feature_layer)
        probe = FeatureNetwork(backbone, self.feature_layer, torch.nn.Identity())
        with torch.no_grad():
            probe.eval()
            n_features = probe.features(x_sample).shape[1]
        head = torch.nn.Linear(n_features, n_outputs, dtype=_float_dtype(backbone))
        network = FeatureNetwork(
            backbone, self.feature_layer, head, freeze_backbone=self.linear_probe
        )
        if self.linear_probe:
            freeze(backbone)
        return network

    def _parameter_groups(self, network):
        """Backbone parameters at ``lr * backbone_lr_mult``, the rest at ``lr``."""
        backbone_ids = {id(p) for p in network.backbone.parameters()}
        trainable = [p for p in network.parameters() if p.requires_grad]
        backbone = [p for p in trainable if id(p) in backbone_ids]
        rest = [p for p in trainable if id(p) not in backbone_ids]
        groups = [{"params": rest, "lr_mult": 1.0}]
        if backbone:
            groups.append({"params": backbone, "lr_mult": float(self.backbone_lr_mult)})
        return groups

    def _make_optimizer(self, groups, lr):
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = _OPTIMIZERS[optimizer]
        elif not issubclass(optimizer, torch.optim.Optimizer):
            raise TypeError(
                "optimizer must be 'adam', 'adamw', 'sgd' or a "
                f"torch.optim.Optimizer subclass, got {optimizer!r}."
            )
        groups = [
            {"params": g["params"], "lr": lr * g["lr_mult"], "lr_mult": g["lr_mult"]}
            for g in groups
            if g["params"]
        ]
        kwargs = self._routed("optimizer__")
        l2sp = any(isinstance(r, L2SP) for r in self._check_regularizers())
        if l2sp and "weight_decay" not in kwargs and "weight_decay" in (
            inspect.signature(optimizer.__init__).parameters
        ):
            kwargs["weight_decay"] = 0.0  # L2SP replaces it (AdamW's default is not 0)
        try:
            built = optimizer(groups, lr=lr, **kwargs)
        except TypeError as exc:
            raise TypeError(f"optimizer__ arguments rejected: {exc}") from None
        decay = max(g.get("weight_decay", 0.0) for g in built.param_groups)
        if l2sp and decay:
            raise ValueError(
                "L2SP replaces weight decay (it pulls the backbone to the "
                "pretrained weights, weight decay pulls it to 0); set "
                f"optimizer__weight_decay=0, got {decay!r}."
            )
        return built

    def _check_regularizers(self):
        regularizers = list(self.regularizers or ())
        for regularizer in regularizers:
            if not hasattr(regularizer, "bind"):
                raise TypeError(
                    "regularizers must hold L2SP, DELTA, BatchSpectralShrinkage "
                    f"or objects with a bind(context) method, got {regularizer!r}."
                )
        if regularizers and self.linear_probe:
            raise ValueError(
                "regularizers act on the backbone, which linear_probe=True "
                "freezes; use one or the other."
            )
        return regularizers

    def _torch_device(self):
        try:
            device = torch.device(self.device)
        except (RuntimeError, TypeError):
            raise ValueError(f"device={self.device!r} is not a torch device.") from None
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError(f"device={self.device!r} but CUDA is not available.")
            if device.index is None:
                device = torch.device("cuda", torch.cuda.current_device())
            if device.index >= torch.cuda.device_count():
                raise ValueError(
                    f"device={self.device!r} but only {torch.cuda.device_count()} "
                    "CUDA device(s) are present."
                )
        return device

    def _check_batch_size(self, n_train):
        if self.batch_size == "auto":
            return min(32, n_train)
        if self.batch_size > n_train:
            raise ValueError(
                f"batch_size={self.batch_size} is larger than the {n_train} "
                "training rows" + (
                    " left after the early-stopping split." if self.early_stopping
                    else "."
                )
            )
        return int(self.batch_size)

    # -- fitting -------------------------------------------------------------

    def _validate_fit_data(self, X, y):
        _check_module_spec(self.module)
        X, y = validate_data(
            self, X, y, dtype="numeric", allow_nd=True, ensure_all_finite=True,
            multi_output=self._multi_output,
        )
        return X, y

    def _to_tensor(self, X, device=None):
        """``X`` as a tensor of the dtype the fitted backbone reads."""
        dtype = self._input_dtype
        # np.require copies only arrays torch cannot share (read-only, strided).
        X = np.require(X, requirements=["C", "W"])
        return torch.as_tensor(X, dtype=dtype, device=device)

    def _split(self, n_samples, y_encoded, rng):
        """Train/validation row indices (stratified for classifiers)."""
        if not self.early_stopping:
            return np.arange(n_samples), None
        from sklearn.model_selection import train_test_split

        stratify = y_encoded if self._stratify else None
        try:
            train, valid = train_test_split(
                np.arange(n_samples), test_size=self.validation_fraction,
                random_state=rng, stratify=stratify,
            )
        except ValueError as exc:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} cannot split "
                f"{n_samples} rows for early stopping: {exc}"
            ) from None
        return train, valid

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            The backbone's inputs (3-D for batch-first sequence models;
            integer token ids for a backbone with an embedding layer).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels (classifiers) or targets (regressors).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    def _fit(self, X, y):
        self._check_routed()
        regularizers = self._check_regularizers()
        device = self._torch_device()
        X, y = self._validate_fit_data(X, y)
        targets, n_outputs = self._encode_targets(y)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        train, valid = self._split(len(X), targets, np.random.RandomState(seed))
        batch_size = self._check_batch_size(len(train))
        with _seeded(seed, device):
            generator = torch.Generator().manual_seed(seed)
            backbone = self._make_backbone(X.shape[1] if X.ndim > 1 else 1)
            self._input_dtype = self._backbone_input_dtype(backbone, X)
            backbone.to(device)
            X_t = self._to_tensor(X, device=device)
            y_t = torch.as_tensor(targets, device=device)
            if y_t.is_floating_point():  # regression targets: the network's dtype
                y_t = y_t.to(_float_dtype(backbone))
            network = self._build_network(backbone, X_t[:2], n_outputs).to(device)
            bound = []
            try:
                if regularizers:
                    # the pretrained weights, frozen, and the training rows
                    context = FitContext(
                        network, frozen_copy(backbone), X_t[train], y_t[train],
                        self._loss, batch_size, generator,
                    )
                    for regularizer in regularizers:  # close what bound on error
                        bound.append(regularizer.bind(context))
                self.history_ = []
                self._fit_network(
                    network, X_t, y_t, train, valid, batch_size, generator, bound
                )
            finally:
                for b in bound:
                    b.close()
        self.network_ = network
        self.regularizer_states_ = [b.state for b in bound]
        return self

    def _fit_network(self, network, X, y, train, valid, batch_size, generator,
                     bound):
        """Train the built network in place; sets ``n_iter_``.

        The plain loop: one optimizer, a constant learning rate. Snapshot
        ensembles override this with their cycles.
        """
        optimizer = self._make_optimizer(self._parameter_groups(network), self.lr)
        self.n_iter_ = self._train(
            network, optimizer, X, y, train, valid, batch_size, generator, bound,
            epochs=self.max_epochs, lr_at=lambda epoch: self.lr,
        )

    def _train(self, network, optimizer, X, y, train, valid, batch_size, generator,
               bound, *, epochs, lr_at, description="epochs"):
        """Run ``epochs`` epochs; returns how many ran (early stopping may stop).

        ``lr_at(epoch)`` is the base learning rate of each epoch (a schedule);
        each parameter group runs at that rate times its ``lr_mult``.
        """
        from tqdm.auto import tqdm

        train_t = torch.as_tensor(train)
        best_loss, best_state, stale = np.inf, None, 0
        epoch = 0
        bar = tqdm(range(epochs), desc=description, disable=not self.progress_bar,
                   leave=False)
        for epoch in bar:
            start = time.perf_counter()
            lr = float(lr_at(epoch))
            for group in optimizer.param_groups:
                group["lr"] = lr * group["lr_mult"]
            network.train()
            order = train_t[torch.randperm(len(train_t), generator=generator)]
            total = torch.zeros((), device=X.device)
            for begin, end in _batch_bounds(len(order), batch_size):
                rows = order[begin:end].to(X.device)
                xb, yb = X[rows], y[rows]
                optimizer.zero_grad(set_to_none=True)
                outputs, features = network(xb)
                loss = self._loss(outputs, yb)
                for b in bound:
                    loss = loss + b.penalty(xb, features)
                loss.backward()
                optimizer.step()
                total += loss.detach() * len(rows)
            # one host-device synchronisation per epoch, not per batch
            train_loss = float(total) / len(order)
            if not np.isfinite(train_loss):
                raise ValueError(
                    f"The training loss became non-finite in epoch {epoch + 1}; "
                    f"lower lr (now {lr:g}) or the regularisers' strengths."
                )
            record = {"epoch": epoch + 1, "train_loss": train_loss, "lr": lr}
            if valid is not None:
                record["valid_loss"] = self._evaluate_loss(network, X, y, valid,
                                                           batch_size)
                if record["valid_loss"] < best_loss - self.tol:
                    best_loss, stale = record["valid_loss"], 0
                    best_state = cpu_state(network)
                else:
                    stale += 1
            record["duration"] = time.perf_counter() - start
            self.history_.append(record)
            bar.set_postfix(loss=f"{record['train_loss']:.4g}")
            if valid is not None and stale >= self.n_iter_no_change:
                break
        bar.close()
        optimizer.zero_grad(set_to_none=True)  # no gradients kept on the fit
        if best_state is not None:
            network.load_state_dict(best_state)
        return epoch + 1

    def _evaluate_loss(self, network, X, y, rows, batch_size):
        network.eval()
        rows = torch.as_tensor(rows, device=X.device)
        total = 0.0
        with torch.no_grad():
            for begin in range(0, len(rows), batch_size):
                part = rows[begin : begin + batch_size]
                total += float(self._loss(network(X[part])[0], y[part])) * len(part)
        return total / len(rows)

    # -- inference -----------------------------------------------------------

    def _input_tensor(self, X):
        """``X`` validated against the fit and moved to the network's device."""
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype="numeric", allow_nd=True,
                          ensure_all_finite=True)
        device = next(self.network_.parameters()).device
        return self._to_tensor(X, device=device)

    def _batched_outputs(self, X_t, state=None):
        """Head outputs (CPU float64) for ``X_t`` in eval mode, no autograd.

        With ``state`` (a state dict), the network runs with those weights
        (:func:`torch.func.functional_call`) instead of its own.
        """
        network = self.network_
        device = next(network.parameters()).device
        if state is not None:
            state = {name: tensor.to(device) for name, tensor in state.items()}
        network.eval()
        parts = []
        with torch.no_grad():
            for begin in range(0, len(X_t), INFERENCE_BATCH):
                xb = X_t[begin : begin + INFERENCE_BATCH]
                out = network(xb) if state is None else torch.func.functional_call(
                    network, state, (xb,)
                )
                parts.append(out[0].double().cpu())
        return torch.cat(parts)

    def _outputs(self, X):
        """Head outputs for ``X`` as a float64 array."""
        return self._batched_outputs(self._input_tensor(X)).numpy()

    def saved_activation_bytes(self, X):
        """Activation memory one training step holds for its backward pass.

        The fitted network runs on ``X`` as one training batch (train mode;
        a frozen backbone stays in eval mode) inside :class:`SavedTensorBytes`,
        and the bytes of the tensors autograd saves for backward are summed,
        each storage once and the network's own weights left out (they cost
        nothing beyond the parameters). Compare methods at equal batch
        sizes; the data loss and the regularisers' penalties (e.g. Batch
        Spectral Shrinkage's SVD) would add more. The global torch random
        state is left unchanged.

        Parameters
        ----------
        X : array-like of shape (batch_size, ...)
            One batch of inputs.

        Returns
        -------
        n_bytes : int
        """
        X_t = self._input_tensor(X)
        network = self.network_
        with _seeded(0, X_t.device):
            network.train()
            try:
                with SavedTensorBytes(network.parameters()) as saved:
                    outputs = network(X_t)
                del outputs
            finally:
                network.eval()
        return int(saved.activation_bytes)

    @property
    def module_(self):
        """The fine-tuned backbone (a copy: the given ``module`` is untouched)."""
        if not hasattr(self, "network_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet.")
        return self.network_.backbone

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


_SHARED_PARAMETERS = """
    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module subclass or None, default=None
        The pretrained backbone. An instance is deep-copied at ``fit`` (the
        given module is never changed); a class is instantiated with the
        ``module__<name>`` arguments; ``None`` builds a small :class:`MLP`
        (``module__hidden_layer_sizes``, default ``(64,)``) trained from
        scratch.
    feature_layer : str, callable or None, default=None
        Where the penultimate features are read: ``None``, the module's
        output; a sub-module name (e.g. ``"blocks"``), whose output is taken
        by a forward hook that stops the forward pass there (the old head is
        neither run nor trained); or a picklable callable
        ``feature_layer(module, x) -> tensor``. 3-D outputs (batch-first
        sequences) are averaged over the sequence, larger ones flattened.
    regularizers : list or None, default=None
        Fine-tuning regularisers, added to the data loss: any of
        :class:`L2SP`, :class:`DELTA`, :class:`BatchSpectralShrinkage`.
    linear_probe : bool, default=False
        Freeze the backbone (eval mode, no autograd) and train the head only.
    optimizer : {"adam", "adamw", "sgd"} or torch.optim.Optimizer subclass, \
default="adam"
        Configured with ``optimizer__<name>`` keyword arguments, e.g.
        ``optimizer__momentum=0.9``.
    lr : float, default=1e-3
        Learning rate of the head (and any other new layers).
    backbone_lr_mult : float, default=1.0
        The backbone trains at ``lr * backbone_lr_mult`` (0.1 is the common
        fine-tuning convention; 0 keeps it in place while BatchNorm still
        adapts).
    max_epochs : int, default=20
    batch_size : int or "auto", default="auto"
        ``"auto"`` is ``min(32, n_training_rows)``; an int larger than the
        training rows is an error.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for
        classifiers), stop after ``n_iter_no_change`` epochs without the
        validation loss improving by ``tol``, and restore the best weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=5
    tol : float, default=1e-4
    progress_bar : bool, default=False
        A tqdm bar over the epochs.
    random_state : int, RandomState or None, default=None
        Seeds torch (head initialisation, shuffling, dropout) inside a forked
        random state, so the global torch stream is left as it was.
    device : str or torch.device, default="cpu"
        Where the network trains and predicts ("cuda" runs unchanged on a
        GPU; fits there are not bit-reproducible, as cuDNN/cuBLAS kernels
        are not deterministic by default). A fitted estimator pickles with
        its network on that device: to unpickle on a machine without it,
        move it first (``est.network_.cpu(); est.set_params(device="cpu")``).
    **kwargs
        ``optimizer__<name>`` and ``module__<name>`` arguments (routed as
        skorch routes them); any other keyword is a TypeError.
"""

_SHARED_ATTRIBUTES = """
    network_ : FeatureNetwork
        The trained network: ``network_.backbone`` (also ``module_``),
        ``network_.head``; ``network_(x)`` returns ``(outputs, features)``.
    history_ : list of dict
        One record per epoch: ``epoch``, ``train_loss`` (data loss plus
        penalties), ``lr``, ``duration`` and, with early stopping,
        ``valid_loss``.
    n_iter_ : int
        Epochs run.
    regularizer_states_ : list of dict
        What each regulariser computed when bound (DELTA's attention
        weights).
    n_features_in_ : int
"""


class FineTuningClassifier(ClassifierMixin, _TorchEstimator):
    __doc__ = (
        """Fine-tune a pretrained torch module for classification.

    The new head is ``Linear(feature_width, n_classes)`` on the features at
    ``feature_layer``; the loss is the cross-entropy plus the regularisers'
    penalties. See :ref:`neural` in the user guide.
    """
        + _SHARED_PARAMETERS
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
"""
        + _SHARED_ATTRIBUTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.neural import FineTuningClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 4)).astype("float32")
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = FineTuningClassifier(max_epochs=30, lr=1e-2, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """
    )

    _multi_output = False
    _stratify = True

    def _encode_targets(self, y):
        check_classification_targets(y)
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class: {self.classes_[0]!r}."
            )
        return encoded.astype(np.int64), len(self.classes_)

    @staticmethod
    def _loss(outputs, targets):
        return torch.nn.functional.cross_entropy(outputs, targets)

    def predict_proba(self, X):
        """Class probabilities: the softmax of the head's outputs.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            In the order of ``classes_``.
        """
        logits = self._outputs(X)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithms of :meth:`predict_proba`, computed stably.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._outputs(X)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def predict(self, X):
        """The most probable class.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        outputs = self._outputs(X)
        return self.classes_[np.argmax(outputs, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on ``(X, y)``.

        Labels never seen at fit time are an error (a ``ValueError`` naming
        them), not silently counted as misses.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "network_")
        unseen = np.setdiff1d(unique_labels(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y holds labels unseen at fit time: {unseen.tolist()}; the "
                f"classifier knows {self.classes_.tolist()}."
            )
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)


class FineTuningRegressor(RegressorMixin, _TorchEstimator):
    __doc__ = (
        """Fine-tune a pretrained torch module for regression.

    The new head is ``Linear(feature_width, n_outputs)``; the loss is the
    mean squared error on standardised targets (each output centred and
    scaled by its training standard deviation, undone by ``predict``) plus
    the regularisers' penalties. See :ref:`neural` in the user guide.
    """
        + _SHARED_PARAMETERS
        + """
    Attributes
    ----------
"""
        + _SHARED_ATTRIBUTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.neural import FineTuningRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 3)).astype("float32")
    >>> y = X @ np.array([1.0, -2.0, 0.5])
    >>> reg = FineTuningRegressor(max_epochs=60, lr=1e-2, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """
    )

    _multi_output = True
    _stratify = False

    def _encode_targets(self, y):
        y = np.asarray(y, dtype=np.float64)
        self._y_ndim = y.ndim
        y2 = y.reshape(len(y), -1)
        self._y_mean = y2.mean(axis=0)
        scale = y2.std(axis=0)
        self._y_scale = np.where(scale > 0, scale, 1.0)
        return ((y2 - self._y_mean) / self._y_scale).astype(np.float32), y2.shape[1]

    @staticmethod
    def _loss(outputs, targets):
        return torch.nn.functional.mse_loss(outputs, targets)

    def predict(self, X):
        """Predicted targets, on the scale of the training targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        outputs = self._outputs(X) * self._y_scale + self._y_mean
        return outputs.ravel() if self._y_ndim == 1 else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
