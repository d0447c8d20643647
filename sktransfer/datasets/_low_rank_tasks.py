r"""Many regression tasks sharing a low-dimensional linear representation.

The design of Tripuraneni, Jin & Jordan (ICML 2021) and of the planning
reference (§C.2): task ``j`` draws

.. math::

    y = x^\top B \alpha_j + \sigma \varepsilon, \qquad
    x \sim N(0, I_d), \quad \varepsilon \sim N(0, 1),

with a shared ``B ∈ R^{d×r}`` with orthonormal columns and task coefficients
``α_j ∈ R^r`` drawn from a *task prior* that sets the task diversity
``ν = σ_r(E[α αᵀ])``.

References
----------
.. [TJJ20] N. Tripuraneni, M. I. Jordan and C. Jin. On the theory of transfer
   learning: the importance of task diversity. NeurIPS 2020.
.. [TJJ21] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
   linear representations. ICML 2021.
"""

from typing import NamedTuple

import numpy as np

from ..utils._threads import single_blas_thread
from ..utils._validation import check_choice, check_generator, check_int, check_real

__all__ = ["LowRankTasks", "make_low_rank_tasks"]

_PRIORS = ("well-conditioned", "ill-conditioned", "low-diversity")


class LowRankTasks(NamedTuple):
    """What :func:`make_low_rank_tasks` returns (unpacks as a 5-tuple).

    Attributes
    ----------
    X : ndarray of shape (n_tasks * n_samples_per_task, n_features)
        Stacked designs, task by task.
    y : ndarray of shape (n_tasks * n_samples_per_task,)
        Stacked responses.
    task_labels : ndarray of int of shape (n_tasks * n_samples_per_task,)
        Task of each row, ``1, …, n_tasks`` (positive, so usable as source
        labels in ``sample_domain``).
    B : ndarray of shape (n_features, n_components)
        The shared representation (orthonormal columns).
    A : ndarray of shape (n_tasks, n_components)
        Task coefficients, row ``j - 1`` for task label ``j``; task ``j``'s
        regression coefficient is ``B @ A[j - 1]``.
    """

    X: np.ndarray
    y: np.ndarray
    task_labels: np.ndarray
    B: np.ndarray
    A: np.ndarray


def task_prior_eigenvalues(n_components, task_prior="well-conditioned",
                           diversity=None, n_directions=None):
    """Eigenvalues ``λ`` of the task-coefficient covariance ``E[α αᵀ] = diag(λ)``.

    See :func:`make_low_rank_tasks` for the priors; ``sum(λ) = 1`` always and
    ``min(λ)`` is the population task diversity ``ν``.

    Returns
    -------
    ndarray of shape (n_components,)
    """
    r = check_int(n_components, "n_components", 1)
    check_choice(task_prior, "task_prior", _PRIORS)
    if task_prior != "ill-conditioned" and diversity is not None:
        raise ValueError(
            "diversity is only used with task_prior='ill-conditioned', got "
            f"diversity={diversity!r} with task_prior={task_prior!r}."
        )
    if task_prior != "low-diversity" and n_directions is not None:
        raise ValueError(
            "n_directions is only used with task_prior='low-diversity', got "
            f"n_directions={n_directions!r} with task_prior={task_prior!r}."
        )
    if task_prior == "well-conditioned":
        return np.full(r, 1.0 / r)
    if task_prior == "ill-conditioned":
        if diversity is None:
            raise ValueError(
                "task_prior='ill-conditioned' needs diversity (the smallest "
                f"eigenvalue ν of E[ααᵀ], 0 < ν <= 1/n_components = {1 / r:.4g})."
            )
        nu = check_real(diversity, "diversity", 0.0, strict=True)
        if nu > 1.0 / r * (1 + 1e-12):
            raise ValueError(
                f"diversity must be <= 1/n_components = {1 / r:.4g} (it is the "
                f"smallest of {r} eigenvalues summing to 1), got {nu!r}."
            )
        if r == 1:
            if abs(nu - 1.0) > 1e-12:
                raise ValueError(
                    "with n_components=1 the only eigenvalue is 1: diversity must "
                    f"be 1, got {nu!r}.")
            return np.ones(1)
        lam = np.full(r, (1.0 - nu) / (r - 1))
        lam[-1] = nu
        return lam
    # low-diversity
    if r < 2:
        raise ValueError(
            "task_prior='low-diversity' needs n_components >= 2 (tasks span "
            f"fewer than n_components directions), got n_components={r}."
        )
    k = r - 1 if n_directions is None else check_int(n_directions, "n_directions", 1)
    if k >= r:
        raise ValueError(
            f"n_directions must be < n_components={r} (tasks spanning fewer "
            f"directions than the representation), got {k}."
        )
    lam = np.zeros(r)
    lam[:k] = 1.0 / k
    return lam


def make_low_rank_tasks(n_tasks, n_samples_per_task, n_features, n_components,
                        noise=1.0, task_prior="well-conditioned", diversity=None,
                        n_directions=None, random_state=None):
    r"""Balanced regression tasks sharing a linear representation (TJJ21).

    Task ``j = 1, …, t`` draws ``n_samples_per_task`` rows

    .. math::

        y = x^\top B \alpha_j + \sigma \varepsilon, \qquad
        x \sim N(0, I_d), \ \varepsilon \sim N(0, 1),

    with ``B`` the Q factor of the QR decomposition of a standard Gaussian
    ``d×r`` matrix (orthonormal columns, a uniformly random subspace) and
    ``α_j = Λ^{1/2} z_j``, ``z_j ~ N(0, I_r)``, so that
    ``E[α αᵀ] = Λ = diag(λ)`` with ``tr Λ = 1`` (``E‖α_j‖² = 1``):

    * ``"well-conditioned"``: ``λ = (1/r, …, 1/r)``, i.e. ``α ~ N(0, I_r/r)``,
      the prior of the authors' code (``ν = 1/r``, ``κ̄ = 1``);
    * ``"ill-conditioned"``: ``λ_r = ν`` (``diversity``) and the other
      ``r - 1`` eigenvalues ``(1 - ν)/(r - 1)``;
    * ``"low-diversity"``: the tasks span only the first ``k = n_directions``
      columns of ``B`` (``λ = (1/k, …, 1/k, 0, …, 0)``), so ``ν = 0`` and
      columns ``k, …, r-1`` of ``B`` carry no signal: the representation is
      not identified beyond ``span(B[:, :k])``.

    The realised task diversity is ``σ_r(AᵀA/t)``, which approaches ``min(λ)``
    as the number of tasks grows (compute it with
    :func:`sktransfer.representation.task_diversity`).

    Parameters
    ----------
    n_tasks : int
        Number of tasks ``t`` (>= 1).
    n_samples_per_task : int
        Rows per task ``n`` (>= 1); ``N = n t`` rows in all.
    n_features : int
        Dimension ``d`` (>= 1).
    n_components : int
        Rank ``r`` of the shared representation (``1 <= r <= d``).
    noise : float, default=1.0
        Noise standard deviation ``σ`` (>= 0).
    task_prior : str, default="well-conditioned"
        Distribution of the task coefficients: ``"well-conditioned"``,
        ``"ill-conditioned"`` or ``"low-diversity"`` (see above).
    diversity : float, default=None
        ``ν`` for ``task_prior="ill-conditioned"`` (required there,
        ``0 < ν <= 1/r``; must be ``None`` otherwise).
    n_directions : int, default=None
        ``k`` for ``task_prior="low-diversity"`` (``1 <= k < r``; default
        ``r - 1``; must be ``None`` otherwise).
    random_state : int, Generator, SeedSequence, RandomState or None, default=None
        Source of randomness. ``B``, ``A``, ``X`` and the noise are drawn in
        that order from one generator.

    Returns
    -------
    LowRankTasks
        A named tuple ``(X, y, task_labels, B, A)``: stacked designs
        ``(N, d)``, responses ``(N,)``, task labels ``1, …, t`` (each
        repeated ``n`` times, in order), the representation ``B`` ``(d, r)``
        and the task coefficients ``A`` ``(t, r)`` (row ``j - 1`` for label
        ``j``).

    References
    ----------
    .. [1] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
       linear representations. ICML 2021.

    Examples
    --------
    >>> from sktransfer.datasets import make_low_rank_tasks
    >>> X, y, tasks, B, A = make_low_rank_tasks(50, 20, 10, 2, random_state=0)
    >>> X.shape, y.shape, tasks.min(), tasks.max(), B.shape, A.shape
    ((1000, 10), (1000,), np.int64(1), np.int64(50), (10, 2), (50, 2))
    """
    t = check_int(n_tasks, "n_tasks", 1)
    n = check_int(n_samples_per_task, "n_samples_per_task", 1)
    d = check_int(n_features, "n_features", 1)
    r = check_int(n_components, "n_components", 1)
    if r > d:
        raise ValueError(
            f"n_components must be <= n_features={d}, got n_components={r}."
        )
    sigma = check_real(noise, "noise", 0.0)
    lam = task_prior_eigenvalues(r, task_prior, diversity, n_directions)
    rng = check_generator(random_state)

    Q, R = np.linalg.qr(rng.standard_normal((d, r)))
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    B = Q * signs
    A = rng.standard_normal((t, r)) * np.sqrt(lam)
    X = rng.standard_normal((n * t, d))
    labels = np.repeat(np.arange(1, t + 1, dtype=np.int64), n)
    with single_blas_thread():  # a thin product: extra threads only cost
        XB = X @ B
    signal = np.einsum("tnr,tr->tn", XB.reshape(t, n, r), A).ravel()
    y = signal + sigma * rng.standard_normal(n * t)
    return LowRankTasks(X, y, labels, B, A)
