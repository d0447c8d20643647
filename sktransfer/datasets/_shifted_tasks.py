r"""A source and a shifted target task sharing a nonlinear feature map.

Synthetic data for the neural bridge: a network pretrained on the source
learns the shared features, which transfer to the target, whose inputs and
labelling are both shifted.
"""

import numpy as np
from sklearn.utils import Bunch

from ..utils._validation import check_choice, check_generator, check_int, check_real

__all__ = ["make_shifted_tasks"]

# Widths of the hidden and latent (feature) layers of the shared map φ.
HIDDEN_WIDTH = 32
LATENT_WIDTH = 8
# Weight scale of φ: W1 ~ N(0, GAIN²/d), W2 ~ N(0, GAIN²/HIDDEN_WIDTH). With
# GAIN = 1.5 the tanh units work in their curved range without saturating:
# φ is clearly nonlinear (with ample data, a linear classifier on x loses
# several points of accuracy to a one-hidden-layer MLP).
GAIN = 1.5
# Size of the head perturbation per unit of ``shift`` (see the docstring).
HEAD_SHIFT_SCALE = 0.5
# Most rows drawn while looking for a class missing from a training sample.
_MAX_REPAIR_DRAWS = 1_000_000
_TASKS = ("classification", "regression")


def _feature_map(X, W1, W2):
    """φ(x) = tanh(W₂ tanh(W₁ x)) of the rows of ``X``, in float64."""
    X = np.asarray(X, dtype=np.float64)
    return np.tanh(np.tanh(X @ W1.T) @ W2.T)


def _normalise_columns(A):
    """Rescale each column of ``A`` to Euclidean norm √LATENT_WIDTH."""
    return A / np.linalg.norm(A, axis=0) * np.sqrt(LATENT_WIDTH)


def _draw(rng, n, mean, W1, W2, head, task, noise):
    """``n`` rows ``(X, y)`` of one domain (X float32, labels from that X)."""
    X = (rng.standard_normal((n, W1.shape[1])) + mean).astype(np.float32)
    scores = _feature_map(X, W1, W2) @ head
    if task == "regression":
        return X, scores + noise * rng.standard_normal(n)
    if noise > 0:
        scores = scores + noise * rng.gumbel(size=scores.shape)
    return X, np.argmax(scores, axis=1).astype(np.int64)


def _ensure_classes(rng, X, y, n_classes, draw):
    """Swap in one row of each class missing from ``y`` (needs ``n >= n_classes``).

    Each missing class ``c`` gets one row drawn from the domain conditional on
    label ``c`` (rejection sampling with ``draw``); it replaces a uniformly
    chosen row of a class that has more than one row.
    """
    counts = np.bincount(y, minlength=n_classes)
    for c in np.flatnonzero(counts == 0):
        n_drawn, found = 0, None
        while found is None and n_drawn < _MAX_REPAIR_DRAWS:
            batch = max(len(y), 1000)
            X_new, y_new = draw(rng, batch)
            n_drawn += batch
            hits = np.flatnonzero(y_new == c)
            if hits.size:
                found = hits[0]
        if found is None:
            raise RuntimeError(
                f"class {c} did not occur in {n_drawn} rows drawn from this "
                "domain (its probability is below about 1e-6): use another "
                "random_state, fewer n_classes or a smaller shift."
            )
        donors = np.flatnonzero(counts[y] > 1)
        row = rng.choice(donors)
        counts[y[row]] -= 1
        counts[c] += 1
        X[row], y[row] = X_new[found], y_new[found]
    return X, y


def make_shifted_tasks(n_source=1000, n_target=50, n_test=1000, n_features=20,
                       n_classes=3, shift=1.0, task="classification", noise=0.1,
                       random_state=None):
    r"""Generate a source task and a shifted target task with shared features.

    Both domains label their inputs through one fixed random two-layer map

    .. math::

        \varphi(x) = \tanh\!\big(W_2 \tanh(W_1 x)\big) \in (-1, 1)^{k},
        \qquad W_1 \in \mathbb{R}^{h \times d}, \ W_2 \in \mathbb{R}^{k \times h},

    with hidden width ``h = HIDDEN_WIDTH = 32``, latent width
    ``k = LATENT_WIDTH = 8``, no biases and independent entries
    :math:`(W_1)_{ij} \sim N(0, g^2/d)`, :math:`(W_2)_{ij} \sim N(0, g^2/h)`,
    ``g = GAIN = 1.5``. A network that learns :math:`\varphi` on the source
    can reuse it on the target.

    **Inputs** (covariate shift). Source :math:`x \sim N(0, I_d)`; target and
    test :math:`x \sim N(s\mu, I_d)`, with ``s = shift`` and :math:`\mu` a
    uniformly random unit vector (``shift_direction``).

    **Heads** (concept shift). Each domain has a linear head on
    :math:`\varphi`. With :math:`R, \Delta` independent standard Gaussian
    ``(k, C)`` matrices (``(k,)`` vectors for regression),

    .. math::

        A_\text{source} = \operatorname{norm}(R), \qquad
        A_\text{target} = \operatorname{norm}(R + c\, s\, \Delta),

    where :math:`\operatorname{norm}` rescales every column to Euclidean norm
    :math:`\sqrt{k}` (equal norms keep the classes roughly balanced) and
    ``c = HEAD_SHIFT_SCALE = 0.5``: at ``shift=1`` the target head is
    correlated about 0.9 with the source head; as the shift grows it
    approaches an independent head.

    **Labels**, with ``σ = noise``:

    * classification: :math:`y = \arg\max_j \big(\varphi(x)^\top A + \sigma
      G\big)_j` with :math:`G_j` i.i.d. standard Gumbel, i.e. :math:`y` is
      drawn from :math:`\operatorname{softmax}(\varphi(x)^\top A / \sigma)`
      (deterministic at ``noise=0``);
    * regression: :math:`y = \varphi(x)^\top a + \sigma \varepsilon`,
      :math:`\varepsilon \sim N(0, 1)`.

    At ``shift=0`` the target head equals the source head exactly and the
    target inputs have mean 0: the two domains have the same distribution.

    **Every class in the training samples.** For classification, when a
    training sample (source or target) has at least ``n_classes`` rows but
    misses a class, each missing class gets one row drawn from that domain's
    distribution conditional on the class (by rejection), which replaces a
    random row of a class having more than one; at most ``n_classes - 1``
    rows change. (A ``RuntimeError`` is raised if a class has probability
    below about 1e-6 there.) The test sample is left i.i.d.

    The ground truth is drawn first, from its own stream, and each sample
    from its own stream (children of one :class:`~numpy.random.SeedSequence`
    spawned from ``random_state``), so for a fixed seed the ground truth does
    not depend on the sample sizes and each sample does not depend on the
    sizes of the others.

    Parameters
    ----------
    n_source : int, default=1000
        Source rows, at least 1.
    n_target : int, default=50
        Labelled target rows, at least 1.
    n_test : int, default=1000
        Test rows (from the target distribution), at least 1.
    n_features : int, default=20
        Input dimension ``d``, at least 1.
    n_classes : int, default=3
        Number of classes ``C`` (at least 2) for classification; not used for
        regression.
    shift : float, default=1.0
        Size ``s >= 0`` of the shift: of the target input mean and of the head
        perturbation.
    task : {"classification", "regression"}, default="classification"
        Kind of labels.
    noise : float, default=0.1
        Label noise ``σ >= 0`` (Gumbel scale for classification, Gaussian
        standard deviation for regression).
    random_state : int, Generator, SeedSequence, RandomState or None, default=None
        Source of randomness (see
        :func:`~sktransfer.utils._validation.check_generator`).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With keys

        - ``X_source``, ``X_target``, ``X_test`` : ndarray of float32 of
          shapes (n_source, d), (n_target, d), (n_test, d).
        - ``y_source``, ``y_target``, ``y_test`` : ndarray of int64 labels in
          ``0, …, n_classes - 1`` (classification) or of float64 responses
          (regression). Labels are computed from the float32 inputs, so the
          ground truth reproduces them exactly at ``noise=0``.
        - ``feature_map_weights`` : tuple ``(W1, W2)`` of ndarray of float64
          of shapes (32, d) and (8, 32).
        - ``source_head``, ``target_head`` : ndarray of float64 of shape
          (8, n_classes) for classification, (8,) for regression.
        - ``shift_direction`` : ndarray of float64 of shape (d,), the unit
          vector :math:`\mu`; the target input mean is
          ``shift * shift_direction``.
        - ``shift``, ``task``, ``noise`` : the arguments.

    Examples
    --------
    >>> from sktransfer.datasets import make_shifted_tasks
    >>> data = make_shifted_tasks(random_state=0)
    >>> data.X_source.shape, data.X_target.shape, data.X_test.shape
    ((1000, 20), (50, 20), (1000, 20))
    >>> data.X_source.dtype, data.y_source.dtype, data.source_head.shape
    (dtype('float32'), dtype('int64'), (8, 3))
    """
    n_source = check_int(n_source, "n_source", 1)
    n_target = check_int(n_target, "n_target", 1)
    n_test = check_int(n_test, "n_test", 1)
    d = check_int(n_features, "n_features", 1)
    task = check_choice(task, "task", _TASKS)
    if task == "classification":
        n_classes = check_int(n_classes, "n_classes", 2)
    s = check_real(shift, "shift", 0.0)
    sigma = check_real(noise, "noise", 0.0)
    rng = check_generator(random_state)
    truth_rng, source_rng, target_rng, test_rng = rng.spawn(4)

    W1 = truth_rng.standard_normal((HIDDEN_WIDTH, d)) * (GAIN / np.sqrt(d))
    W2 = truth_rng.standard_normal((LATENT_WIDTH, HIDDEN_WIDTH)) * (
        GAIN / np.sqrt(HIDDEN_WIDTH)
    )
    mu = truth_rng.standard_normal(d)
    mu /= np.linalg.norm(mu)
    head_shape = (LATENT_WIDTH, n_classes) if task == "classification" else (
        LATENT_WIDTH, 1
    )
    R = truth_rng.standard_normal(head_shape)
    Delta = truth_rng.standard_normal(head_shape)
    source_head = _normalise_columns(R)
    target_head = _normalise_columns(R + (HEAD_SHIFT_SCALE * s) * Delta)
    if task == "regression":
        source_head, target_head = source_head[:, 0], target_head[:, 0]
    target_mean = s * mu

    def draw_source(gen, n):
        return _draw(gen, n, 0.0, W1, W2, source_head, task, sigma)

    def draw_target(gen, n):
        return _draw(gen, n, target_mean, W1, W2, target_head, task, sigma)

    X_source, y_source = draw_source(source_rng, n_source)
    X_target, y_target = draw_target(target_rng, n_target)
    X_test, y_test = draw_target(test_rng, n_test)
    if task == "classification":
        if n_source >= n_classes:
            X_source, y_source = _ensure_classes(
                source_rng, X_source, y_source, n_classes, draw_source)
        if n_target >= n_classes:
            X_target, y_target = _ensure_classes(
                target_rng, X_target, y_target, n_classes, draw_target)

    return Bunch(
        X_source=X_source,
        y_source=y_source,
        X_target=X_target,
        y_target=y_target,
        X_test=X_test,
        y_test=y_test,
        feature_map_weights=(W1, W2),
        source_head=source_head,
        target_head=target_head,
        shift_direction=mu,
        shift=s,
        task=task,
        noise=sigma,
    )
