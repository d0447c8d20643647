"""Snapshot ensembles and uniform soups in the pre-train basin (StarSSE, SSE).

Fine-tune a pretrained module once (the *first model* θ₁), then run further
short cycles of fine-tuning with a cyclic cosine learning rate, each of which
ends in a new member of an ensemble: StarSSE restarts every cycle from θ₁
(members spread around θ₁ like the points of a star, staying in the basin of
the pretrained weights), SSE continues from the previous member (members
drift along a path). The members are combined by averaging their predicted
probabilities (an ensemble) or their weights (a uniform soup).

After Sadrtdinov, Pozdeev, Vetrov and Lobacheva, "To Stay or Not to Stay in
the Pre-train Basin: Insights on Ensembling in Transfer Learning" (NeurIPS
2023), and, for the soup, Wortsman et al., "Model soups" (ICML 2022).
"""

import copy
import functools
import math
import numbers

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from torch.nn.modules.batchnorm import _BatchNorm

from ._base import INFERENCE_BATCH, FineTuningClassifier
from ._modules import cpu_state

__all__ = ["SnapshotEnsembleClassifier"]


def _cosine_lr(epoch, *, peak, length):
    """``peak · ½(1 + cos(π·epoch/length))`` for the 0-based ``epoch``."""
    return peak * 0.5 * (1.0 + math.cos(math.pi * epoch / length))


def _uniform_soup(states):
    """The entry-wise mean of state dicts.

    Integer buffers, and entries equal in every state (a frozen backbone),
    are taken from the first state exactly.
    """
    soup = {}
    for name, first in states[0].items():
        floating = torch.is_floating_point(first) or torch.is_complex(first)
        if floating and any(not torch.equal(s[name], first) for s in states[1:]):
            soup[name] = torch.stack([state[name] for state in states]).mean(dim=0)
        else:  # e.g. BatchNorm's num_batches_tracked, or a frozen weight
            soup[name] = first.clone()
    return soup


def _refreshable_batchnorms(network):
    """The BatchNorm layers of ``network`` whose statistics a soup recomputes.

    Those that track running statistics, except inside a frozen backbone
    (``linear_probe=True``): it always runs in eval mode, so its statistics
    are the pretrained ones, shared by every member.
    """
    frozen = set()
    if getattr(network, "freeze_backbone", False):
        frozen = {id(m) for m in network.backbone.modules()}
    return [
        module
        for module in network.modules()
        if isinstance(module, _BatchNorm) and module.track_running_stats
        and id(module) not in frozen
    ]


class SnapshotEnsembleClassifier(FineTuningClassifier):
    r"""Snapshot ensembles of fine-tuned models: StarSSE and SSE [1]_.

    Fine-tune a pretrained torch module in ``n_cycles`` cycles and keep the
    model at the end of each cycle as a member of an ensemble:

    1. **First cycle.** From the pretrained weights θ_pt (and a new head),
       train ``max_epochs`` :math:`= E` epochs with the cosine schedule

       .. math:: \eta_e = \mathrm{lr}\cdot\tfrac12\bigl(1 + \cos(\pi e / E)\bigr),
          \qquad e = 0, \dots, E - 1,

       giving the *first model* θ₁ (the first member).
    2. **Further cycles** :math:`i = 2, \dots, K` (``K = n_cycles``). Start from
       θ₁ (``mode="star"``, StarSSE) or from the previous member θ_{i−1}
       (``mode="sequential"``, SSE), with a fresh optimizer (momentum and
       Adam moments reset), and train ``cycle_epochs`` :math:`= E_c` epochs
       with the restarted cosine

       .. math:: \eta_c = \mathrm{cycle\_lr}\cdot\tfrac12
          \bigl(1 + \cos(\pi c / E_c)\bigr), \qquad c = 0, \dots, E_c - 1;

       the weights at the end of the cycle are member θ_i.
    3. **Combining.** ``combine="ensemble"`` predicts the mean of the
       members' softmax probabilities,
       :math:`\hat p(y\mid x) = \frac1K\sum_{i=1}^K
       \operatorname{softmax}(f_{\theta_i}(x))_y`;
       ``combine="soup"`` predicts with the single network of averaged
       weights (a uniform soup [2]_),
       :math:`\bar\theta = \frac1K\sum_{i=1}^K\theta_i`, whose BatchNorm
       statistics are recomputed on the training rows (averaged running
       statistics do not describe the averaged network).

    Like the official code, the learning rate is set once per epoch (a
    ``LambdaLR`` stepped per epoch), so an epoch's rate is the formula above
    at its 0-based index: the first epoch of every cycle runs at the peak
    rate and the last at :math:`\mathrm{peak}\cdot\tfrac12(1+\cos(\pi(E-1)/E))`,
    which is small but not 0. Each parameter group runs at that rate times
    its multiplier (``backbone_lr_mult`` for the backbone). The paper's
    optional warm-up at the start of each cycle is not implemented (its
    configurations set it to 0). The total number of epochs is
    :math:`E + (K - 1)E_c`.

    The paper finds that larger cycles (a larger ``cycle_lr`` or more
    ``cycle_epochs``) explore the pre-train basin better and give stronger
    ensembles, until the members leave the basin and lose the benefit of
    pretraining; StarSSE tolerates larger cycles than SSE, and gives better
    uniform soups. ``disagreement_`` and ``member_distances_`` help to see
    where a setting stands.

    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module subclass or None, default=None
        The pretrained backbone. An instance is deep-copied at ``fit`` (the
        given module is never changed); a class is instantiated with the
        ``module__<name>`` arguments; ``None`` builds a small
        :class:`~sktransfer.neural.MLP` trained from scratch.
    feature_layer : str, callable or None, default=None
        Where the penultimate features are read (see
        :class:`~sktransfer.neural.FineTuningClassifier`).
    regularizers : list or None, default=None
        Fine-tuning regularisers added to the loss in every cycle (L2-SP
        keeps pulling towards the *pretrained* weights, not towards θ₁).
    linear_probe : bool, default=False
        Freeze the backbone; the members then differ only in their heads.
    optimizer : {"adam", "adamw", "sgd"} or type, default="adam"
        A name or a :class:`torch.optim.Optimizer` subclass, configured with
        ``optimizer__<name>`` keyword arguments (the paper uses ``"sgd"`` with
        ``optimizer__momentum=0.9`` for ResNets). A new one is made at the
        start of every cycle.
    lr : float, default=1e-3
        Peak learning rate of the first cycle.
    backbone_lr_mult : float, default=1.0
        The backbone trains at the scheduled rate times this multiplier.
    max_epochs : int, default=20
        :math:`E`, the epochs of the first cycle.
    batch_size : int or "auto", default="auto"
        ``"auto"`` is ``min(32, n_samples)``.
    early_stopping : bool, default=False
        Must be False: every cycle anneals its learning rate to the end and
        the members are the models at the ends of the cycles, so stopping a
        cycle early (and restoring its best epoch) would break the scheme.
        ``True`` raises a ValueError at ``fit``; choose ``n_cycles``,
        ``cycle_lr`` and ``cycle_epochs`` on held-out data instead (e.g.
        with :class:`~sklearn.model_selection.GridSearchCV`).
    validation_fraction : float, default=0.1
        Unused (kept for the signature of
        :class:`~sktransfer.neural.FineTuningClassifier`).
    n_iter_no_change : int, default=5
        Unused, as ``validation_fraction``.
    tol : float, default=1e-4
        Unused, as ``validation_fraction``.
    progress_bar : bool, default=False
        A tqdm bar over the epochs of each cycle.
    random_state : int, RandomState or None, default=None
        Seeds torch (head initialisation, shuffling, dropout) inside a forked
        random state, so the global torch stream is left as it was.
    device : str or torch.device, default="cpu"
        Where the network trains and predicts. The members are kept on the
        CPU and moved to ``device`` to predict.
    n_cycles : int, default=5
        :math:`K`, the number of cycles and of members (θ₁ included);
        ``n_cycles=1`` is a plain cosine fine-tune.
    mode : {"star", "sequential"}, default="star"
        Where each cycle after the first starts: from θ₁ (StarSSE) or from the
        previous member (SSE).
    cycle_lr : float or None, default=None
        Peak learning rate of the cycles after the first; ``None`` uses
        ``lr``. The paper sweeps 0.25 to 4 times ``lr``.
    cycle_epochs : int or None, default=None
        :math:`E_c`, the epochs of each cycle after the first; ``None`` uses
        ``max_epochs``.
    combine : {"ensemble", "soup"}, default="ensemble"
        How ``predict_proba``, ``predict`` and ``score`` combine the members:
        average their probabilities, or predict with the uniform soup
        ``soup_``. Read at prediction time, so it can be switched on a fitted
        estimator (both are computed by ``fit``).
    **kwargs
        ``optimizer__<name>`` and ``module__<name>`` arguments; any other
        keyword is a TypeError at ``fit``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    members_ : list of dict
        The members' state dicts (CPU tensors), θ₁ first, one per cycle.
    soup_ : dict
        The uniform soup: the entry-wise mean of ``members_`` (integer
        buffers, and entries all members share, taken from θ₁), with its
        BatchNorm running statistics recomputed on the training rows (see
        :meth:`refresh_batchnorm`; with ``linear_probe=True`` the frozen
        backbone keeps its pretrained statistics).
    member_distances_ : ndarray of shape (n_cycles,)
        :math:`\lVert\theta_i - \theta_1\rVert_2`, the Euclidean distance of
        each member to the first model over all the network's parameters
        (buffers such as running statistics excluded); the first entry is 0.
        StarSSE members lie at similar distances; SSE members drift away.
    disagreement_ : ndarray of shape (n_cycles, n_cycles)
        :meth:`pairwise_disagreement` on the training rows.
    network_ : FeatureNetwork
        The network holding the first model θ₁ (``module_`` is its
        backbone); the other members and the soup are applied through it
        with their own state dicts.
    history_ : list of dict
        One record per epoch: ``epoch`` (counted over all cycles),
        ``cycle`` (1 to ``n_cycles``), ``cycle_epoch`` (1 to the cycle's
        length), ``train_loss``, ``lr`` and ``duration``.
    n_iter_ : int
        Epochs run in all: ``max_epochs + (n_cycles - 1) * cycle_epochs``.
    regularizer_states_ : list of dict
        What each regulariser computed when bound.
    n_features_in_ : int

    See Also
    --------
    FineTuningClassifier : One fine-tuning run at a constant learning rate.

    Notes
    -----
    The cost is that of ``n_cycles`` fine-tunings at fit time and, for
    ``combine="ensemble"``, ``n_cycles`` forward passes at prediction time;
    the soup predicts at the cost of one network. Soups need the members to
    share one architecture, which they do here, and degrade when the cycles
    are large enough to leave the basin.

    References
    ----------
    .. [1] I. Sadrtdinov, D. Pozdeev, D. Vetrov and E. Lobacheva, "To Stay or
       Not to Stay in the Pre-train Basin: Insights on Ensembling in Transfer
       Learning", NeurIPS 2023.
    .. [2] M. Wortsman et al., "Model soups: averaging weights of multiple
       fine-tuned models improves accuracy without increasing inference
       time", ICML 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.neural import SnapshotEnsembleClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 4)).astype("float32")
    >>> y = (X[:, 0] > 0).astype(int)
    >>> clf = SnapshotEnsembleClassifier(
    ...     n_cycles=3, max_epochs=20, cycle_epochs=5, lr=1e-2, random_state=0
    ... ).fit(X, y)
    >>> len(clf.members_), clf.n_iter_
    (3, 30)
    >>> clf.score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **FineTuningClassifier._parameter_constraints,
        "n_cycles": [Interval(numbers.Integral, 1, None, closed="left")],
        "mode": [StrOptions({"star", "sequential"})],
        "cycle_lr": [None, Interval(numbers.Real, 0, None, closed="neither")],
        "cycle_epochs": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "combine": [StrOptions({"ensemble", "soup"})],
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
        n_cycles=5,
        mode="star",
        cycle_lr=None,
        cycle_epochs=None,
        combine="ensemble",
        **kwargs,
    ):
        super().__init__(
            module,
            feature_layer=feature_layer,
            regularizers=regularizers,
            linear_probe=linear_probe,
            optimizer=optimizer,
            lr=lr,
            backbone_lr_mult=backbone_lr_mult,
            max_epochs=max_epochs,
            batch_size=batch_size,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            tol=tol,
            progress_bar=progress_bar,
            random_state=random_state,
            device=device,
            **kwargs,
        )
        self.n_cycles = n_cycles
        self.mode = mode
        self.cycle_lr = cycle_lr
        self.cycle_epochs = cycle_epochs
        self.combine = combine

    # -- fitting -------------------------------------------------------------

    def fit(self, X, y):
        """Fine-tune the ``n_cycles`` members on ``(X, y)``.

        Runs the cycles, then builds the soup (refreshing its BatchNorm
        statistics on ``X``) and the diagnostics ``member_distances_`` and
        ``disagreement_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs of the target task.
        y : array-like of shape (n_samples,)
            Their class labels (at least two classes).

        Returns
        -------
        self : SnapshotEnsembleClassifier
            The fitted estimator.
        """
        if self.early_stopping:
            raise ValueError(
                "early_stopping=True is not supported by "
                f"{type(self).__name__}: each cycle anneals its learning rate "
                "to the end and its last weights are the member; set "
                "early_stopping=False and choose n_cycles, cycle_lr and "
                "cycle_epochs on held-out data instead."
            )
        super().fit(X, y)
        # The regularisers' hooks are gone now: summarise with clean networks.
        X_t = self._input_tensor(X)
        self.network_.load_state_dict(self.members_[0])
        self.soup_ = self._refreshed(_uniform_soup(self.members_), X_t)
        self.member_distances_ = self._distances_to_first()
        self.disagreement_ = self._disagreement(X_t)
        return self

    def _fit_network(self, network, X, y, train, valid, batch_size, generator,
                     bound):
        """Run the cycles in place; sets ``members_`` and ``n_iter_``."""
        first_epochs = int(self.max_epochs)
        cycle_epochs = first_epochs if self.cycle_epochs is None else int(
            self.cycle_epochs
        )
        first_lr = float(self.lr)
        cycle_lr = first_lr if self.cycle_lr is None else float(self.cycle_lr)
        groups = self._parameter_groups(network)
        members = []
        for cycle in range(self.n_cycles):
            if cycle == 0:
                epochs, peak = first_epochs, first_lr
            else:
                epochs, peak = cycle_epochs, cycle_lr
                if self.mode == "star":
                    network.load_state_dict(members[0])
            # A fresh optimizer: the state of the previous cycle is dropped.
            optimizer = self._make_optimizer(groups, peak)
            start = len(self.history_)
            self._train(
                network, optimizer, X, y, train, valid, batch_size, generator,
                bound, epochs=epochs,
                lr_at=functools.partial(_cosine_lr, peak=peak, length=epochs),
                description=f"cycle {cycle + 1}/{self.n_cycles}",
            )
            for offset, record in enumerate(self.history_[start:]):
                record["cycle_epoch"] = record["epoch"]
                record["epoch"] = start + offset + 1
                record["cycle"] = cycle + 1
            members.append(cpu_state(network))
        self.members_ = members
        self.n_iter_ = len(self.history_)

    # -- member evaluation ---------------------------------------------------

    def _log_proba_of(self, state, X_t):
        """Log-softmax (float64, CPU) of the network with weights ``state``."""
        return torch.log_softmax(self._batched_outputs(X_t, state), dim=1)

    def _outputs(self, X):
        r"""Log-probabilities of the ensemble or the soup, as the head outputs.

        Log-probabilities are logits whose softmax is the probabilities, so
        the classifier's ``predict``, ``predict_proba`` and
        ``predict_log_proba`` apply unchanged: with ``combine="ensemble"``
        the mean of the members' softmax probabilities (its logarithm
        computed stably as a log-sum-exp minus :math:`\log K`), with
        ``combine="soup"`` the softmax of the soup.
        """
        X_t = self._input_tensor(X)
        if self.combine == "soup":
            return self._log_proba_of(self.soup_, X_t).numpy()
        log_probas = torch.stack([self._log_proba_of(s, X_t) for s in self.members_])
        # log( (1/K) Σ_i softmax_i ), computed stably.
        combined = torch.logsumexp(log_probas, dim=0) - math.log(len(self.members_))
        return combined.numpy()

    def _disagreement(self, X_t):
        labels = np.stack(
            [self._log_proba_of(s, X_t).argmax(dim=1).numpy() for s in self.members_]
        )
        return (labels[:, None, :] != labels[None, :, :]).mean(axis=2)

    def _distances_to_first(self):
        names = [name for name, _ in self.network_.named_parameters()]
        first = self.members_[0]
        distances = []
        for member in self.members_:
            squared = sum(
                float((member[n].double() - first[n].double()).square().sum())
                for n in names
            )
            distances.append(math.sqrt(squared))
        return np.asarray(distances)

    def _refreshed(self, state, X_t):
        """``state`` with BatchNorm running statistics recomputed on ``X_t``."""
        network = copy.deepcopy(self.network_)
        network.load_state_dict(state)
        norms = _refreshable_batchnorms(network)
        if not norms:
            return state
        n_rows = len(X_t)
        if n_rows < 2:
            raise ValueError(
                "Refreshing BatchNorm statistics needs at least 2 rows of X, "
                f"got {n_rows}."
            )
        # Eval mode (no dropout, as at prediction time) except for the norms,
        # which see the data in batches of near-equal size (never a batch of
        # one) and average the batch statistics weighted by batch size.
        network.eval()
        for norm in norms:
            norm.reset_running_stats()
            norm.train()
        n_batches = -(-n_rows // INFERENCE_BATCH)
        seen = 0
        with torch.no_grad():
            for rows in np.array_split(np.arange(n_rows), n_batches):
                for norm in norms:
                    norm.momentum = len(rows) / (seen + len(rows))
                network(X_t[torch.as_tensor(rows, device=X_t.device)])
                seen += len(rows)
        return cpu_state(network)

    # -- public methods ------------------------------------------------------

    def refresh_batchnorm(self, X):
        """Recompute the soup's BatchNorm running statistics on ``X``.

        The running mean and variance of every BatchNorm layer of ``soup_``
        (that tracks them) are reset and recomputed from the soup's own
        activations on ``X``: the network runs in eval mode (dropout off)
        with only the BatchNorm layers in training mode, over batches of at
        most 1024 rows whose means and unbiased variances are averaged
        weighted by batch size (with at most 1024 rows, the exact mean and
        unbiased variance of the layer's inputs). ``fit`` does this on the
        training rows. The members keep their own statistics. With
        ``linear_probe=True`` the frozen backbone stays in eval mode and its
        BatchNorm layers keep the pretrained statistics (all members share
        them); only BatchNorm layers outside it are recomputed. A network
        without such layers is left unchanged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs to take the statistics from (at least 2 rows when the
            soup has BatchNorm layers to recompute).

        Returns
        -------
        self : SnapshotEnsembleClassifier
            The estimator, with ``soup_`` updated.
        """
        check_is_fitted(self, "soup_")
        self.soup_ = self._refreshed(self.soup_, self._input_tensor(X))
        return self

    def pairwise_disagreement(self, X):
        """Measure how often each pair of members predicts different classes.

        A diversity diagnostic of the ensemble: members that never disagree
        add nothing to it; the paper relates larger disagreement (from larger
        cycles) to stronger ensembles, as long as the members stay in the
        pre-train basin.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs on which the members' arg-max predictions are compared.

        Returns
        -------
        disagreement : ndarray of shape (n_cycles, n_cycles)
            Entry ``(i, j)`` is :math:`\\frac1n\\sum_r 1[\\hat y_i(x_r) \\ne
            \\hat y_j(x_r)]`, with :math:`\\hat y_i` the arg-max class of member
            ``i``; symmetric with a zero diagonal.
        """
        return self._disagreement(self._input_tensor(X))

    def predict_proba_members(self, X):
        """Predict class probabilities with each member separately.

        Whatever ``combine`` is, every member θ_i predicts on its own (the
        softmax of its head's outputs); with ``combine="ensemble"``,
        :meth:`predict_proba` is the mean over the members. Useful to compare
        the members' own accuracies with the ensemble's and the soup's.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs to classify.

        Returns
        -------
        proba : ndarray of shape (n_cycles, n_samples, n_classes)
            Entry ``[i]`` holds the probabilities of member ``i`` (θ₁ first,
            in the order of ``members_``), classes in the order of
            ``classes_``.
        """
        X_t = self._input_tensor(X)
        return np.stack(
            [torch.exp(self._log_proba_of(s, X_t)).numpy() for s in self.members_]
        )
