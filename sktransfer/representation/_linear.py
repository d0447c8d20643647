r"""Shared linear representations learned from many tasks (TJJ20, TJJ21).

Model (Tripuraneni, Jin & Jordan, ICML 2021): task ``j`` draws
``y = xᵀ B α_j + ε`` with a shared ``B ∈ R^{d×r}`` with orthonormal columns,
task coefficients ``α_j ∈ R^r``, ``x ~ N(0, I_d)`` and ``Var ε = σ²``.
:class:`LinearRepresentation` estimates ``span(B)`` from the stacked tasks;
:class:`RepresentationTransferRegressor` fits a new task in the learned
``r``-dimensional space (their Algorithm 2).
"""

import dataclasses
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
)
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import assert_all_finite, check_array, check_random_state

# Not re-exported by utils/_sklearn_compat.py (yet): the one private name used
# here beyond those, for the ``representation`` parameter's constraint.
from sklearn.utils.validation import check_is_fitted

from ..utils import check_sample_domain
from ..utils._domains import integer_labels
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    validate_data,
)
from ..utils._threads import single_blas_thread
from ._diagnostics import (
    IdentifiabilityWarning,
    _orthonormal_basis,
    _orthonormal_columns,
    _weighted_wishart_edge,
    task_diversity,
)

__all__ = ["LinearRepresentation", "RepresentationTransferRegressor"]

#: Rows per block when forming X^T diag(w) X: ~1 MiB blocks stay in cache, so
#: the scaling pass costs little next to the (single-threaded) SYRK.
_BLOCK_BYTES = 2**20
#: Up to this many tasks, per-task sums over rows grouped by task are small
#: batched products (a loop over tasks when their sizes differ); beyond, a
#: sparse one-hot product.
_MAX_LOOP_TASKS = 20_000
#: Rows of X used to estimate the excess kurtosis of its columns (s.e. of a
#: Gaussian column's sample excess kurtosis: sqrt(24/5000) = 0.07).
_KURTOSIS_ROWS = 5_000
#: Weights y_i² used to solve for the noise edge of the moment spectrum.
_EDGE_WEIGHTS = 20_000
#: The per-task Gram matrices (t·d² floats) are precomputed for altmin when they
#: take no more memory than X itself and the d·r normal equations stay small.
_MAX_GRAM_UNKNOWNS = 3000


# -- validation helpers -------------------------------------------------------------

def _check_task_labels(sample_domain, n_samples):
    """Integer task labels -> ``(labels, codes, counts)``.

    ``None`` is one task (label 0). Every distinct integer (any sign, 0
    included) is one task.
    """
    if sample_domain is None:
        return (np.zeros(1, dtype=np.int64), np.zeros(n_samples, dtype=np.intp),
                np.array([n_samples]))
    labels = integer_labels(sample_domain, n_samples, "integer task labels")
    if n_samples and np.all(labels[1:] >= labels[:-1]):
        # rows already grouped by increasing label: no sort needed
        new_task = np.empty(n_samples, dtype=bool)
        new_task[0] = True
        np.not_equal(labels[1:], labels[:-1], out=new_task[1:])
        starts = np.flatnonzero(new_task)
        codes = np.cumsum(new_task, dtype=np.intp) - 1
        counts = np.diff(np.append(starts, n_samples))
        return labels[starts], codes, counts
    tasks, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return tasks, codes.astype(np.intp, copy=False), counts


def _check_task_sizes(tasks, counts):
    small = counts < 2
    if np.any(small):
        k = int(np.flatnonzero(small)[0])
        raise ValueError(
            f"sample_domain: task {tasks[k]} has {counts[k]} sample; each task "
            f"needs at least 2 samples ({int(small.sum())} task(s) have 1 "
            "sample)."
        )


def _check_least_squares_identifiable(tasks, counts, r, d):
    """Least squares identifies ``B`` only if the tasks leave residual rows.

    A task with ``n_j <= r`` rows is fitted exactly by any ``B``; the
    residual degrees of freedom ``Σ_j max(n_j − r, 0)`` must exceed the
    ``r(d − r)`` of the subspace, or the least-squares methods return an
    arbitrary basis.
    """
    spare = int(np.sum(np.maximum(counts - r, 0)))
    if spare <= r * (d - r):
        raise ValueError(
            f"sample_domain: the {tasks.shape[0]} tasks leave {spare} residual "
            f"degrees of freedom (rows beyond n_components={r} per task), not "
            f"more than the r(d - r) = {r * (d - r)} of the subspace: least "
            "squares ('altmin', 'mom+altmin') cannot identify B. Use "
            "method='mom' (it needs no rows per task), fewer components, or "
            "more rows per task."
        )


def _flip_signs(B, A=None):
    """Make the largest-magnitude entry of each column of ``B`` positive."""
    idx = np.argmax(np.abs(B), axis=0)
    signs = np.sign(B[idx, np.arange(B.shape[1])])
    signs[signs == 0] = 1.0
    return B * signs, (None if A is None else A * signs)


# -- the method of moments ------------------------------------------------------------

def _moment_matrix(X, y):
    """``M̂ = (1/N) Σ_i y_i² x_i x_iᵀ`` as ``Σ_blocks Zᵀ Z`` with ``Z = |y| ⊙ X``.

    Row blocks of ~2 MiB are scaled into one reused buffer and accumulated with
    a symmetric rank-k update (NumPy calls SYRK for ``Z.T @ Z``): one pass over
    ``X`` at the cost of one Gram matrix, and no per-sample outer products.
    """
    n, d = X.shape
    scale = np.abs(y)
    rows = max(256, _BLOCK_BYTES // (8 * d))
    rows = min(rows, n)
    buf = np.empty((rows, d))
    M = np.zeros((d, d))
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        Z = np.multiply(X[start:stop], scale[start:stop, None], out=buf[: stop - start])
        M += Z.T @ Z
    M /= n
    return M


def _noise_edge(y, n_features, max_weights=_EDGE_WEIGHTS):
    r"""Bulk level ``ĉ0``, noise edge ``τ`` and detection threshold of ``M̂``.

    On ``span(B)⊥`` the moment matrix is ``(1/N) Σ w_i z_i z_iᵀ`` with weights
    ``w_i = y_i²`` independent of ``z_i ~ N(0, I)``: a weighted Wishart matrix.
    Its limiting spectrum (Marčenko & Pastur 1967; Silverstein & Choi 1995)
    has the upper edge computed by
    :func:`~sktransfer.representation._diagnostics._weighted_wishart_edge`
    (on at most ``max_weights`` evenly spaced weights). With ``γ = d/N``
    and constant ``w = c`` this is the Marchenko–Pastur edge ``c(1 + √γ)²``;
    to first order ``τ ≈ ĉ0(1 + 2 √(γ m))`` with ``m = mean(w²)/ĉ0²``. At
    finite ``d`` and ``N`` the largest noise eigenvalue still overshoots ``τ``
    now and then (by up to ~20% of ``τ − ĉ0`` in simulations with ``d`` from
    10 to 100), so a direction counts as signal above ``ĉ0 + 1.25 (τ − ĉ0)``.
    """
    w = y * y
    c0 = float(np.mean(w))
    if not c0 > 0:
        return c0, c0, c0
    step = max(1, -(-w.shape[0] // max_weights))
    edge = max(float(_weighted_wishart_edge(w[::step], n_features,
                                            n_samples=w.shape[0])), c0)
    return c0, edge, c0 + 1.25 * (edge - c0)


def _excess_kurtosis(X, max_rows=_KURTOSIS_ROWS):
    """Per-column excess kurtosis on evenly spaced rows (at most ``max_rows``)."""
    step = max(1, -(-X.shape[0] // max_rows))
    Z = np.array(X[::step], dtype=np.float64)
    Z -= Z.mean(axis=0)
    Z *= Z
    var = Z.mean(axis=0)
    m4 = np.einsum("ij,ij->j", Z, Z) / Z.shape[0]
    ok = var > 0
    kurt = np.zeros(X.shape[1])
    kurt[ok] = m4[ok] / var[ok] ** 2 - 3.0
    return kurt, Z.shape[0]


# -- per-task least squares ------------------------------------------------------------

class _TaskIndex:
    """Rows grouped by task: ``(codes, counts)`` plus how to reach each task.

    ``order`` is ``None`` when rows are already grouped by increasing code
    (then task ``j`` is the slice ``bounds[j]:bounds[j + 1]``), else the stable
    sort of the codes.
    """

    def __init__(self, codes, counts):
        self.codes, self.counts = codes, counts
        self.t = counts.shape[0]
        n = codes.shape[0]
        grouped = n == 0 or bool(np.all(codes[1:] >= codes[:-1]))
        self.order = None if grouped else np.argsort(codes, kind="stable")
        self.bounds = np.concatenate(([0], np.cumsum(counts)))
        self.balanced = bool(np.all(counts == counts[0]))
        self._onehot = None

    def rows(self, j):
        lo, hi = self.bounds[j], self.bounds[j + 1]
        return slice(lo, hi) if self.order is None else self.order[lo:hi]

    def grams(self, W):
        """Per-task ``W_jᵀW_j``, shape ``(t, k, k)``, for a small ``(N, k)`` W."""
        t, k = self.t, W.shape[1]
        if self.order is not None:
            W = W[self.order]
        if self.balanced:
            Wt = W.reshape(t, -1, k)
            return np.matmul(Wt.transpose(0, 2, 1), Wt)
        if t <= _MAX_LOOP_TASKS:
            out = np.empty((t, k, k))
            for j in range(t):
                Wj = W[self.bounds[j]:self.bounds[j + 1]]
                out[j] = Wj.T @ Wj
            return out
        # many small tasks of unequal sizes: sparse one-hot sums of row products
        if self._onehot is None:
            n = self.codes.shape[0]
            self._onehot = sp.csr_matrix(
                (np.ones(n), (np.repeat(np.arange(t), self.counts), np.arange(n))),
                shape=(t, n),
            )
        iu, ju = np.triu_indices(k)
        acc = self._onehot @ (W[:, iu] * W[:, ju])
        out = np.empty((t, k, k))
        out[:, iu, ju] = acc
        out[:, ju, iu] = acc
        return out


def _task_normal_equations_latent(X, y, B, index):
    """Per-task ``Z_jᵀZ_j`` ``(t, r, r)``, ``Z_jᵀy_j`` ``(t, r)`` and ``y_jᵀy_j``.

    One GEMM ``Z = X B`` (the only pass over ``X``), then the per-task Gram
    matrices of the ``(N, r + 1)`` matrix ``[Z, y]``.
    """
    r = B.shape[1]
    W = np.empty((X.shape[0], r + 1))
    W[:, :r] = X @ B
    W[:, r] = y
    G = index.grams(W)
    return G[:, :r, :r], G[:, :r, r], G[:, r, r]


def _solve_tasks(K, b, alpha, counts):
    """``α_j = (K_j + alpha I)⁺ b_j`` for every task (batched).

    A batched Cholesky factorisation tests positive definiteness; tasks with
    fewer rows than ``r`` (singular ``K_j`` when ``alpha=0``) or a failed
    factorisation take the pseudo-inverse (minimum-norm least squares).
    """
    r = K.shape[1]
    if alpha > 0:
        K = K + alpha * np.eye(r)
    singular = (counts < r) if alpha == 0 else np.zeros(counts.shape, dtype=bool)
    A = np.empty_like(b)
    regular = ~singular
    if np.any(regular):
        Kr, br = K[regular], b[regular]
        try:
            np.linalg.cholesky(Kr)
            A[regular] = np.linalg.solve(Kr, br[..., None])[..., 0]
        except np.linalg.LinAlgError:
            singular = np.ones(counts.shape, dtype=bool)
    if np.any(singular):
        A[singular] = np.einsum(
            "tab,tb->ta", np.linalg.pinv(K[singular], hermitian=True), b[singular]
        )
    return A


def _rss(A, K, b, yy):
    """``Σ_j ‖y_j − Z_j α_j‖²`` from the per-task normal equations."""
    return float(yy.sum() - 2.0 * np.sum(A * b) + np.einsum("ta,tab,tb->", A, K, A))


# -- alternating minimisation ----------------------------------------------------------

class _GramAltMin:
    """Altmin on precomputed per-task Gram matrices ``G_j = X_jᵀX_j``.

    Costs one pass over ``X`` (t SYRKs, about one ``d×d`` Gram matrix of all
    rows) up front, then per iteration ``O(t d² r²)`` flops independent of
    ``N``: the ``d r × d r`` normal equations of the ``B``-step,
    ``Σ_j (α_j α_jᵀ) ⊗ G_j``, are formed by one GEMM of the ``(t, r²)`` outer
    products with the ``(t, d²)`` Gram matrices.
    """

    def __init__(self, X, y, index):
        d = X.shape[1]
        t = index.t
        self.G = np.empty((t, d, d))
        self.c = np.empty((t, d))
        self.yy = np.empty(t)
        for j in range(t):
            rows = index.rows(j)
            Xj, yj = X[rows], y[rows]
            np.matmul(Xj.T, Xj, out=self.G[j])  # a SYRK, written in place
            np.matmul(Xj.T, yj, out=self.c[j])
            self.yy[j] = yj @ yj
        self.d, self.t, self.counts = d, t, index.counts

    def task_step(self, B, alpha):
        d, t = self.d, self.t
        r = B.shape[1]
        GB = (self.G.reshape(t * d, d) @ B).reshape(t, d, r)
        K = np.einsum("ka,tkb->tab", B, GB, optimize=True)
        b = self.c @ B
        A = _solve_tasks(K, b, alpha, self.counts)
        return A, _rss(A, K, b, self.yy), K

    def basis_step(self, A, B_prev):
        d, t = self.d, self.t
        r = A.shape[1]
        W = (A[:, :, None] * A[:, None, :]).reshape(t, r * r)
        H = (W.T @ self.G.reshape(t, d * d)).reshape(r, r, d, d)
        H = H.transpose(2, 0, 3, 1).reshape(d * r, d * r)
        rhs = (self.c.T @ A).ravel()
        try:
            sol = scipy.linalg.solve(H, rhs, assume_a="pos", check_finite=False)
        except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
            sol = scipy.linalg.lstsq(H, rhs, check_finite=False)[0]
        return sol.reshape(d, r)


class _MatrixFreeAltMin:
    """Altmin touching only ``X``: per iteration a few ``N×d×r`` products.

    The ``B``-step solves ``Σ_j X_jᵀX_j B α_jα_jᵀ = Σ_j X_jᵀy_j α_jᵀ`` by
    preconditioned conjugate gradients on the ``d r`` unknowns, warm-started at
    the current ``B`` and stopped at a relative residual of ``1e-4`` (each
    CG step lowers the objective, so inexact steps keep altmin monotone); each
    product is ``Xᵀ((X V α_{t(i)}) α_{t(i)}ᵀ)``, two GEMMs. The
    preconditioner ``V ↦ D⁻¹ V (Σ_j n_j α_jα_jᵀ)⁻¹`` with ``D = diag(XᵀX)/N``
    is exact when ``X_jᵀX_j = n_j D``.
    """

    def __init__(self, X, y, index, max_cg_iter=50, cg_rtol=1e-4):
        self.X, self.y, self.index = X, y, index
        self.codes, self.counts = index.codes, index.counts
        self.col_scale = np.einsum("ij,ij->j", X, X) / X.shape[0]
        self.col_scale[self.col_scale <= 0] = 1.0
        self.max_cg_iter, self.cg_rtol = max_cg_iter, cg_rtol

    def task_step(self, B, alpha):
        K, b, yy = _task_normal_equations_latent(self.X, self.y, B, self.index)
        A = _solve_tasks(K, b, alpha, self.counts)
        return A, _rss(A, K, b, yy), K

    def basis_step(self, A, B_prev):
        X = self.X
        Arows = A[self.codes]

        def apply(V):
            s = np.einsum("ij,ij->i", X @ V, Arows)
            return X.T @ (s[:, None] * Arows)

        rhs = X.T @ (self.y[:, None] * Arows)
        Kw = (A * self.counts[:, None]).T @ A
        try:
            Kinv = np.linalg.inv(Kw)
        except np.linalg.LinAlgError:
            Kinv = np.linalg.pinv(Kw, hermitian=True)

        def precondition(R):
            return (R / self.col_scale[:, None]) @ Kinv

        V = B_prev.copy()
        R = rhs - apply(V)
        norm_rhs = np.linalg.norm(rhs)
        if norm_rhs == 0:
            return V
        P = precondition(R)
        rz = np.sum(R * P)
        for _ in range(self.max_cg_iter):
            if np.linalg.norm(R) <= self.cg_rtol * norm_rhs:
                break
            HP = apply(P)
            curv = np.sum(P * HP)
            if curv <= 0:
                break
            step = rz / curv
            V += step * P
            R -= step * HP
            Zr = precondition(R)
            rz_new = np.sum(R * Zr)
            P = Zr + (rz_new / rz) * P
            rz = rz_new
        return V


# -- the transformer -------------------------------------------------------------------

class LinearRepresentation(ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                           BaseEstimator):
    r"""Shared low-dimensional linear representation of many regression tasks.

    Tasks ``j = 1..t`` follow ``y = xᵀ B α_j + ε`` with one ``B ∈ R^{d×r}``
    (orthonormal columns) and per-task ``α_j ∈ R^r`` (Tripuraneni, Jordan &
    Jin, NeurIPS 2020; Tripuraneni, Jin & Jordan, ICML 2021). The estimator
    learns ``B̂`` (``components_``) from the stacked rows of all tasks and maps
    ``X ↦ X B̂``.

    **Task labels.** ``fit(X, y, sample_domain=labels)`` takes one integer
    label per row; every distinct label (of any sign, 0 included) is one task.
    This reuses the ``sample_domain`` metadata name of the package so that it
    routes through pipelines, but here it carries *task* labels, not the
    target/source sign convention. ``sample_domain=None`` means all rows form a
    single task, for which only ``r = 1`` is identified (``span(B̂) =
    span(β)``). Each task needs at least 2 rows.

    **Methods.**

    ``"mom"`` (method of moments, TJJ21 Algorithm 1): ``B̂`` holds the top
    ``r`` eigenvectors of

    .. math::

        \hat M = \frac{1}{N}\sum_{i=1}^N y_i^2 x_i x_i^\top,
        \qquad
        \mathbb E \hat M = (\sigma^2 + \operatorname{tr}\Sigma_\alpha) I
        + 2 B \Sigma_\alpha B^\top

    for ``x ~ N(0, I)``, where ``Σ_α = Σ_j (n_j/N) α_j α_jᵀ``. ``M̂`` is
    formed in one pass as ``Σ_blocks (|y| ⊙ X)ᵀ(|y| ⊙ X)``, with no per-sample
    outer product. ``sin θ(B̂, B) = Õ(sqrt(κ̄ d r / (ν N)))`` with ``ν =
    σ_r(Σ_α)`` (TJJ21, Thm 3). MoM needs a Gaussian (more precisely,
    isotropic with Gaussian fourth moments) design: for independent
    coordinates with fourth moment ``m4`` the expectation gains ``(m4 − 3)
    diag(β∘β)``, so a warning is issued when the columns of ``X`` have clearly
    non-zero excess kurtosis.

    ``"altmin"`` (alternating minimisation of ``Σ_j ‖y_j − X_j B α_j‖² +
    alpha Σ_j ‖α_j‖²``; Thekumparampil et al. 2021, Collins et al. 2021):
    from a random orthonormal ``B``, repeat (1) per-task ridge/least squares
    ``α_j = (BᵀX_jᵀX_jB + alpha I)⁺BᵀX_jᵀy_j``; (2) the least-squares
    update of ``B`` given all ``α_j``, i.e. the ``d r`` normal equations
    ``Σ_j X_jᵀX_j B α_jα_jᵀ = Σ_j X_jᵀy_j α_jᵀ``; (3) ``B ← QR(B)``. Step
    (3) fixes the ``GL(r)`` gauge at every iteration, which is what the
    balancing regulariser ``‖UᵀU − VᵀV‖²_F`` of TJJ21's factorised objective
    does for gradient methods, so that term is not needed here; with ``B``
    orthonormal, ``alpha Σ_j ‖α_j‖² = alpha ‖V‖²_F`` is the remaining
    (optional) balancing penalty, useful when tasks have about ``r`` rows. It
    stops when the relative decrease of the objective is at most ``tol``.
    This least-squares estimator does not rely on Gaussian moments.

    ``"mom+altmin"`` (default) runs altmin from the MoM estimate.

    **Choosing r** (``n_components="auto"``): the number of eigenvalues of
    ``M̂`` that stand out of the noise bulk. On ``span(B)⊥``, ``M̂`` is a
    weighted Wishart matrix ``(1/N) Σ y_i² z_i z_iᵀ`` with weights independent
    of ``z_i ~ N(0, I)``; its bulk sits at ``ĉ0 = mean(y²)`` (which estimates
    ``σ² + tr Σ_α``) and its limiting upper edge ``τ`` solves the
    Marchenko–Pastur/Silverstein equation for the observed weights (``ĉ0(1 +
    √(d/N))²`` for constant weights, ``≈ ĉ0(1 + 2√(γ m))`` with ``γ = d/N``,
    ``m = mean(y⁴)/ĉ0²`` to first order). A direction is kept when its
    eigenvalue exceeds ``ĉ0 + 1.25 (τ − ĉ0)`` (``signal_threshold_``; the 25%
    allow for finite-sample overshoot of the largest noise eigenvalue), i.e.
    when its eigengap to the noise bulk is clearly positive. This is
    conservative near the detection (BBP) limit, where MoM cannot estimate
    the direction anyway. ``r̂`` is capped by the number of tasks (at least
    1); spectra with signal eigenvalues of very different sizes are handled,
    unlike by the largest-gap rule.

    **Identification warnings.** With an integer ``n_components``, ``"mom"``
    warns when the ``r``-th eigenvalue of ``M̂`` does not exceed the
    threshold; the least-squares methods warn when ``λ_r(ÂᵀÂ/t)``, the task
    variance of the weakest learned direction, is at the noise level of the
    per-task fits (``σ̂² mean_j tr(K_j⁻¹)/r`` with ``K_j = B̂ᵀX_jᵀX_jB̂``,
    inflated by ``(1 + √((d − r + 1)/t))²`` for a direction selected from
    noise, with a 25% margin). Either means the tasks span fewer than
    ``r`` directions (low task diversity ``ν``) or the samples are too few.

    The model has no intercept and assumes ``E[xxᵀ] ∝ I``: center and whiten
    ``X`` (and center ``y``) beforehand if needed.

    Parameters
    ----------
    n_components : int or "auto", default="auto"
        Dimension ``r`` of the representation; at most the number of features
        and the number of tasks.
    method : {"mom", "altmin", "mom+altmin"}, default="mom+altmin"
        Estimator of ``B``.
    alpha : float, default=0.0
        Ridge penalty ``alpha ‖α_j‖²`` on the per-task coefficients (altmin
        steps and ``task_coefs_``); 0 is least squares (minimum-norm when a
        task has fewer than ``r`` rows).
    max_iter : int, default=100
        Maximum number of altmin iterations (``B``-steps).
    tol : float, default=1e-6
        Altmin stops when the relative decrease of the objective is ``<= tol``.
    solver : {"auto", "gram", "cg"}, default="auto"
        How altmin's ``B``-step is solved: ``"gram"`` precomputes the per-task
        ``d×d`` Gram matrices (``t d²`` floats) and solves the ``d r``
        normal equations by Cholesky; ``"cg"`` is matrix-free (conjugate
        gradients, products with ``X`` only). ``"auto"`` picks ``"gram"`` when
        the Gram matrices need no more memory than ``X`` (tasks with at least
        ``d`` rows on average) and ``d r <= 3000``.
    random_state : int, RandomState instance or None, default=None
        Seed of altmin's random initial ``B`` (``method="altmin"``).

    Attributes
    ----------
    components_ : ndarray of shape (n_features, `n_components_`)
        ``B̂``, orthonormal columns, ordered by decreasing task variance (the
        eigenvalues of ``ÂᵀÂ`` for altmin, of ``M̂`` for MoM); each column's
        largest-magnitude entry is positive.
    task_coefs_ : ndarray of shape (n_tasks, `n_components_`)
        Per-task least-squares (ridge) coefficients ``α̂_j`` in the learned
        space, one row per entry of ``tasks_``.
    tasks_ : ndarray of shape (n_tasks,)
        The task labels, sorted.
    n_components_ : int
        The ``r`` used (chosen when ``n_components="auto"``).
    moment_eigenvalues_ : ndarray of shape (n_features,) or None
        Eigenvalues of ``M̂``, decreasing (``None`` for ``method="altmin"``
        with an integer ``n_components``, where ``M̂`` is not formed).
    bulk_level_ : float or None
        ``ĉ0 = mean(y²)``, the level of the noise bulk of ``M̂``.
    noise_edge_ : float or None
        Limiting upper edge ``τ`` of the noise bulk of ``M̂``.
    signal_threshold_ : float or None
        ``ĉ0 + 1.25 (τ − ĉ0)``: eigenvalues of ``M̂`` above it count as signal.
    noise_variance_ : float
        ``σ̂² = RSS / (N − t r − r(d − r))`` from the per-task fits in the
        learned space (the degrees of freedom discount the ``t r`` task
        coefficients and the ``r(d − r)`` of the subspace; NaN when none are
        left).
    diversity_ : TaskDiversity
        :func:`task_diversity` of ``task_coefs_`` (``ν̂ = σ_r(ÂᵀÂ/t)``,
        ``κ̂``, ``κ̄̂``, effective rank), debiased by the per-task noise
        covariances ``σ̂² ((X_j B̂)ᵀ X_j B̂)⁻¹`` when ``noise_variance_`` is
        finite and every task has more than ``n_components_`` rows.
    objective_ : float
        ``RSS / (2N)`` of the per-task fits at ``components_``.
    n_iter_ : int
        Altmin iterations run (0 for ``method="mom"``).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    See Also
    --------
    RepresentationTransferRegressor : Fit a new task in the learned space.

    References
    ----------
    .. [1] N. Tripuraneni, M. I. Jordan and C. Jin. On the theory of transfer
       learning: the importance of task diversity. NeurIPS 2020.
    .. [2] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
       linear representations. ICML 2021.
    .. [3] K. K. Thekumparampil, P. Jain, P. Netrapalli and S. Oh. Sample
       efficient linear meta-learning by alternating minimization. arXiv
       2105.08306, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.representation import LinearRepresentation
    >>> rng = np.random.default_rng(0)
    >>> d, r, t, n = 10, 2, 50, 40
    >>> B = np.linalg.qr(rng.standard_normal((d, r)))[0]
    >>> A = rng.standard_normal((t, r))
    >>> labels = np.repeat(np.arange(t), n)
    >>> X = rng.standard_normal((t * n, d))
    >>> y = np.einsum("ij,ij->i", X @ B, A[labels]) + 0.1 * rng.standard_normal(t * n)
    >>> rep = LinearRepresentation(n_components=2).fit(X, y, sample_domain=labels)
    >>> rep.transform(X).shape
    (2000, 2)
    >>> sin_theta = np.sqrt(1 - np.linalg.svd(rep.components_.T @ B)[1].min() ** 2)
    >>> bool(sin_theta < 0.05)
    True
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left"),
                         StrOptions({"auto"})],
        "method": [StrOptions({"mom", "altmin", "mom+altmin"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "solver": [StrOptions({"auto", "gram", "cg"})],
        "random_state": ["random_state"],
    }

    def __init__(self, n_components="auto", *, method="mom+altmin", alpha=0.0,
                 max_iter=100, tol=1e-6, solver="auto", random_state=None):
        self.n_components = n_components
        self.method = method
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_domain=None):
        """Learn the shared representation from the stacked tasks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Stacked designs of all tasks.
        y : array-like of shape (n_samples,)
            Stacked responses.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Task label of each row (every distinct label is one task);
            ``None``: all rows are one task.

        Returns
        -------
        self : LinearRepresentation
            The fitted estimator.
        """
        # X's finiteness is read off M̂ (or checked) below, saving a pass over X
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True,
                             ensure_all_finite=False)
        y = np.asarray(y, dtype=np.float64)
        n, d = X.shape
        tasks, codes, counts = _check_task_labels(sample_domain, n)
        _check_task_sizes(tasks, counts)
        t = tasks.shape[0]
        auto = isinstance(self.n_components, str)
        if not auto:
            r = int(self.n_components)
            if r > d:
                raise ValueError(
                    f"n_components={r} exceeds the number of features ({d})."
                )
            if r > t:
                raise ValueError(
                    f"n_components={r} exceeds the number of tasks ({t}): t tasks "
                    f"span at most t directions, so a rank-{r} representation is "
                    "not identified. Pass sample_domain with one label per task, "
                    "or lower n_components."
                )
        if self.method != "mom" and not auto:
            _check_least_squares_identifiable(tasks, counts, r, d)
        use_mom = self.method != "altmin" or auto
        if not use_mom:
            assert_all_finite(X, input_name="X")
        with single_blas_thread():
            self.moment_eigenvalues_ = None
            self.bulk_level_ = self.noise_edge_ = self.signal_threshold_ = None
            B = None
            identified = True
            if use_mom:
                M = _moment_matrix(X, y)
                if not np.all(np.isfinite(M)):
                    assert_all_finite(X, input_name="X")
                    raise ValueError(
                        "Input X contains values so large that X^T diag(y^2) X "
                        "overflows (not NaN or infinity); rescale X or y."
                    )
                evals = scipy.linalg.eigh(M, eigvals_only=True, check_finite=False)
                evals = evals[::-1]
                self.moment_eigenvalues_ = evals
                (self.bulk_level_, self.noise_edge_,
                 self.signal_threshold_) = _noise_edge(y, d)
                n_above = int(np.sum(evals > self.signal_threshold_))
                if auto:
                    r = min(max(n_above, 1), t, d)
                    if n_above == 0:
                        warnings.warn(
                            "n_components='auto': no eigenvalue of the moment "
                            "matrix exceeds the detection threshold "
                            f"{self.signal_threshold_:.4g}; "
                            "using n_components=1. The tasks carry no detectable "
                            "shared signal at this sample size.",
                            UserWarning, stacklevel=3,
                        )
                identified = bool(evals[r - 1] > self.signal_threshold_)
                if not auto and self.method == "mom" and not identified:
                    warnings.warn(
                        f"Eigenvalue {r} (in decreasing order) of the moment "
                        f"matrix, {evals[r - 1]:.4g}, does not stand out of the noise "
                        f"bulk (edge {self.noise_edge_:.4g}, detection threshold "
                        f"{self.signal_threshold_:.4g}); only {n_above} direction(s) "
                        "stand out. The representation is not identified beyond "
                        "them: the tasks span fewer directions than n_components "
                        "(low task diversity) or there are too few samples.",
                        UserWarning, stacklevel=3,
                    )
                if self.method == "mom":
                    self._warn_if_non_gaussian(X)
                if self.method != "altmin":  # "altmin" starts at random
                    vecs = scipy.linalg.eigh(
                        M, subset_by_index=[d - r, d - 1], check_finite=False
                    )[1]
                    B = vecs[:, ::-1]
            self.n_iter_ = 0
            if self.method == "mom":
                B, _ = _flip_signs(B)
                K, b, yy = _task_normal_equations_latent(
                    X, y, B, _TaskIndex(codes, counts))
                A = _solve_tasks(K, b, self.alpha, counts)
                rss = _rss(A, K, b, yy)
            else:
                B, A, rss, K = self._altmin(X, y, codes, counts, r, B)
                identified = self._warn_if_not_identified(A, K, rss, counts, d)
        self.components_ = B
        self.task_coefs_ = A
        self.tasks_ = tasks
        self.n_components_ = r
        self.objective_ = rss / (2 * n)
        dof = n - t * r - r * (d - r)
        self.noise_variance_ = max(rss, 0.0) / dof if dof > 0 else float("nan")
        self.diversity_ = self._diversity(A, K, counts, identified)
        return self

    def _diversity(self, A, K, counts, identified):
        """:func:`task_diversity` of ``task_coefs_``, noise-debiased.

        Each ``α̂_j`` carries noise of covariance ``σ̂² K_j⁻¹``
        (``K_j = (X_j B̂)ᵀ X_j B̂``), subtracted from ``ÂᵀÂ/t`` when ``σ̂²``
        is available and every task has more rows than ``r``. The
        identification warnings are the estimator's own (above), so
        :func:`task_diversity` is asked not to repeat them, and its
        ``identified`` flag also holds the estimator's verdict (which allows
        for the weakest direction being chosen among the ``d − r + 1`` left).
        """
        noise = None
        if np.isfinite(self.noise_variance_) and np.all(counts > A.shape[1]):
            noise = self.noise_variance_ * np.linalg.pinv(K, hermitian=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", IdentifiabilityWarning)
            result = task_diversity(A, noise_covariances=noise)
        return dataclasses.replace(result, identified=result.identified and identified)

    def _warn_if_non_gaussian(self, X):
        kurt, n_used = _excess_kurtosis(X)
        # Under a Gaussian column the sample excess kurtosis has s.e. ~ sqrt(24/n):
        # 6 s.e. (union over the columns) or, on large samples, 0.5 in absolute
        # terms (a bias MoM users should know about).
        threshold = max(0.5, 6.0 * np.sqrt(24.0 / n_used))
        worst = int(np.argmax(np.abs(kurt)))
        if abs(kurt[worst]) > threshold:
            warnings.warn(
                f"X looks non-Gaussian: column {worst} has excess kurtosis "
                f"{kurt[worst]:.2f} (threshold {threshold:.2f}). The method of "
                "moments is biased for non-Gaussian designs (E M̂ gains "
                "(m4 - 3) diag(β∘β)); use method='mom+altmin' or 'altmin'.",
                UserWarning, stacklevel=4,
            )
        # MoM also assumes isotropic x (E xxᵀ = I): unequal column scales put
        # them in the top eigenvectors whatever the tasks. The log of a sample
        # variance has s.e. ~ sqrt(2/n); warn beyond 8 s.e. (or a 20% spread).
        step = max(1, -(-X.shape[0] // _KURTOSIS_ROWS))
        log_var = np.log(np.maximum(np.var(X[::step], axis=0), 1e-300))
        spread = float(log_var.max() - log_var.min())
        if spread > max(0.2, 8.0 * np.sqrt(2.0 / n_used)):
            warnings.warn(
                "X does not look isotropic: column variances differ by a factor "
                f"of {np.exp(spread):.2f}. The method of moments assumes "
                "E[x xᵀ] = I and then picks high-variance columns rather than "
                "the shared representation; standardise (or whiten) X first, or "
                "use method='mom+altmin' or 'altmin'.",
                UserWarning, stacklevel=4,
            )

    def _warn_if_not_identified(self, A, K, rss, counts, d):
        """Warn (and return False) when the r-th direction's task variance is
        at the noise level.

        ``α̂_j = α_j + e_j`` with ``Cov e_j ≈ σ² K_j⁻¹``, so pure noise gives
        ``λ(ÂᵀÂ/t) ≈ s² = σ̂² mean_j tr(K_j⁻¹)/r``; a direction fitted to noise
        is the best of the ``d − r + 1`` left, which inflates this to about
        ``s² (1 + sqrt((d − r + 1)/t))²`` (the Marchenko–Pastur edge). The
        warning fires below 1.25 times that level. ``σ̂²`` uses the residual
        degrees of freedom ``N − t r − r(d − r)`` (tasks and the Grassmannian).
        """
        t, r = A.shape
        n = int(counts.sum())
        usable = counts > r
        dof = n - t * r - r * (d - r)
        if r == 0 or dof <= 0 or not np.any(usable):
            return True
        sigma2 = max(rss, 0.0) / dof
        inv_trace = np.trace(np.linalg.pinv(K[usable], hermitian=True),
                             axis1=1, axis2=2)
        s2 = sigma2 * float(np.mean(inv_trace)) / r
        level = 1.25 * s2 * (1.0 + np.sqrt((d - r + 1) / t)) ** 2
        lam = np.linalg.eigvalsh(A.T @ A / t)
        if lam[0] <= level:
            k = int(np.sum(lam > level))
            warnings.warn(
                f"Direction {r} (the weakest) of the representation is not "
                "identified: "
                f"its task variance λ_{r}(ÂᵀÂ/t) = {lam[0]:.3g} is at the noise "
                f"level ({level:.3g}); only {k} direction(s) stand out. The "
                "tasks span fewer directions than n_components (low task "
                "diversity) or there are too few samples per task.",
                UserWarning, stacklevel=4,
            )
            return False
        return True

    def _altmin(self, X, y, codes, counts, r, B):
        n, d = X.shape
        t = counts.shape[0]
        if B is None:
            rng = check_random_state(self.random_state)
            B = _orthonormal_columns(rng.standard_normal((d, r)))[0]
        solver = self.solver
        if solver == "auto":
            small = t * d <= n and d * r <= _MAX_GRAM_UNKNOWNS
            solver = "gram" if small else "cg"
        index = _TaskIndex(codes, counts)
        engine = (_GramAltMin(X, y, index) if solver == "gram"
                  else _MatrixFreeAltMin(X, y, index))
        A, rss, K = engine.task_step(B, self.alpha)
        obj = rss + self.alpha * np.sum(A * A)
        converged = False
        change = np.inf
        for it in range(1, self.max_iter + 1):
            B_new = engine.basis_step(A, B)
            B_new, rdiag = _orthonormal_columns(B_new)
            self.n_iter_ = it
            if not np.all(np.isfinite(B_new)) or rdiag.min() <= 1e-12 * rdiag.max():
                # the B-step lost rank (e.g. all α_j = 0): keep the current B
                converged = True
                break
            A_new, rss_new, K_new = engine.task_step(B_new, self.alpha)
            obj_new = rss_new + self.alpha * np.sum(A_new * A_new)
            change = (obj - obj_new) / max(abs(obj), np.finfo(float).tiny)
            if obj_new <= obj:
                B, A, rss, obj, K = B_new, A_new, rss_new, obj_new, K_new
            if abs(change) <= self.tol or obj_new > obj:
                converged = True
                break
        if not converged:
            warnings.warn(
                f"LinearRepresentation (altmin) did not converge: the relative "
                f"decrease of the objective was {change:.3g} > tol={self.tol:g} "
                f"after max_iter={self.max_iter} iterations. Increase max_iter "
                "or tol.",
                ConvergenceWarning, stacklevel=4,
            )
        # canonical basis: principal axes of the task coefficients
        evals, U = np.linalg.eigh(A.T @ A)
        U = U[:, ::-1]
        B, A = _flip_signs(B @ U, A @ U)
        return B, A, rss, K

    def transform(self, X):
        """Project ``X`` onto the representation: ``X B̂``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, `n_components_`)
            Features in the learned space.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.components_

    @property
    def _n_features_out(self):
        return self.components_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags


# -- the new-task regressor ------------------------------------------------------------

def _is_frozen(estimator):
    try:
        from sklearn.frozen import FrozenEstimator
    except ImportError:  # pragma: no cover - scikit-learn < 1.6
        return False
    return isinstance(estimator, FrozenEstimator)


def _is_fitted(estimator):
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    return True


class RepresentationTransferRegressor(RegressorMixin, BaseEstimator):
    r"""Fit a new task by least squares in a learned linear representation.

    TJJ21's Algorithm 2: given ``B̂`` (``d × r``, orthonormal columns) learned
    from source tasks and ``n₂`` rows ``(X, y)`` of a new task,

    .. math::

        \hat\alpha = (\hat B^\top X^\top X \hat B + \text{alpha}\, I_r)^{-1}
        \hat B^\top X^\top y, \qquad \hat\beta = \hat B \hat\alpha

    (minimum-norm least squares when ``alpha=0`` and ``n₂ < r``). For ``x ~
    N(0, I)``, fixed ``B̂`` and ``alpha=0``, ``E‖β̂ − β₀‖² = ‖b⊥‖² + (σ² +
    ‖b⊥‖²) r/(n₂ − r − 1)`` with ``b⊥ = (I − B̂B̂ᵀ)β₀``, against ``σ² d/(n₂ −
    d − 1)`` for least squares in ``R^d``: the representation pays off when
    ``n₂`` is small and ``B̂`` is accurate (TJJ21, Thm 4; Tripuraneni, Jordan
    & Jin, NeurIPS 2020).

    **Where B̂ comes from.** ``fit(X, y, sample_domain=d)`` follows the
    package's domain convention: rows with ``d < 0`` are the new (target)
    task, and each distinct ``d > 0`` is one source task.

    * ``representation=None``: with source rows, a default
      :class:`LinearRepresentation` is fitted on them (stored as
      ``representation_``); with none (e.g. ``sample_domain=None``), there is
      nothing to learn from and the model is least squares / ridge in ``R^d``
      (``B̂ = I``, ``components_ = None``).
    * an unfitted :class:`LinearRepresentation` (or any estimator whose
      ``fit(X, y, sample_domain=...)`` sets ``components_`` of shape
      ``(n_features, r)``): a clone is fitted on the source rows, which must
      exist. A fitted one is also cloned and refitted when source rows are
      given; without source rows it is used as is.
    * ``FrozenEstimator(fitted_representation)``: used as is; source rows,
      if any, are ignored (scikit-learn's way of passing a pre-fitted step).
    * an array of shape ``(n_features, r)``: a fixed basis, orthonormalised
      by QR (only its column span matters when ``alpha=0``).

    Only the target rows enter the least-squares step.

    Parameters
    ----------
    representation : None, estimator or array-like, default=None
        Source of ``B̂`` (see above).
    alpha : float, default=0.0
        Ridge penalty on ``α``; since ``B̂`` is orthonormal, ``‖α‖ = ‖β‖``.
    fit_intercept : bool, default=False
        Whether to fit an intercept on the target rows (their centred data
        enter the fit); the representation itself has no intercept.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        ``β̂ = B̂ α̂``.
    intercept_ : float
        Intercept (0.0 when ``fit_intercept=False``).
    latent_coef_ : ndarray of shape (`n_components_`,)
        ``α̂``.
    components_ : ndarray of shape (n_features, `n_components_`) or None
        The orthonormal ``B̂`` used; ``None`` for the identity (no source rows
        and ``representation=None``).
    representation_ : estimator or None
        The representation estimator fitted (or used) here; ``None`` for an
        array or the identity.
    n_components_ : int
        ``r`` (``n_features`` for the identity).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    See Also
    --------
    LinearRepresentation : Learn ``B̂`` from many tasks.

    References
    ----------
    .. [1] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
       linear representations. ICML 2021.
    .. [2] N. Tripuraneni, M. I. Jordan and C. Jin. On the theory of transfer
       learning: the importance of task diversity. NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.representation import RepresentationTransferRegressor
    >>> rng = np.random.default_rng(0)
    >>> d, r, t, n, n_new = 20, 2, 100, 30, 8
    >>> B = np.linalg.qr(rng.standard_normal((d, r)))[0]
    >>> A = rng.standard_normal((t + 1, r))
    >>> domain = np.r_[np.full(n_new, -1), np.repeat(np.arange(1, t + 1), n)]
    >>> task = np.where(domain < 0, 0, domain)
    >>> X = rng.standard_normal((domain.size, d))
    >>> y = np.einsum("ij,ij->i", X @ B, A[task])
    >>> y += 0.1 * rng.standard_normal(domain.size)
    >>> model = RepresentationTransferRegressor().fit(X, y, sample_domain=domain)
    >>> model.n_components_
    2
    >>> bool(np.linalg.norm(model.coef_ - B @ A[0]) < 0.2)
    True
    """

    _parameter_constraints: dict = {
        "representation": [None, "array-like", HasMethods(["fit"])],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
    }

    def __init__(self, representation=None, *, alpha=0.0, fit_intercept=False):
        self.representation = representation
        self.alpha = alpha
        self.fit_intercept = fit_intercept

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None):
        """Learn (or take) ``B̂`` and fit the target task in its span.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Target rows, optionally stacked with source rows.
        y : array-like of shape (n_samples,)
            Responses.
        sample_domain : array-like of int of shape (n_samples,), default=None
            ``< 0``: target (new-task) rows; each distinct ``> 0``: one source
            task. ``None``: all rows are target rows.

        Returns
        -------
        self : RepresentationTransferRegressor
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        domain = check_sample_domain(sample_domain, X.shape[0])
        source = domain > 0
        B = self._representation(X, y, domain, source)
        if np.any(source):
            X, y = X[~source], y[~source]
        if self.fit_intercept:
            x_mean, y_mean = X.mean(axis=0), float(y.mean())
            X, y = X - x_mean, y - y_mean
        Z = X if B is None else X @ B
        k = Z.shape[1]
        if self.alpha > 0:
            lhs = Z.T @ Z + self.alpha * np.eye(k)
            latent = scipy.linalg.solve(lhs, Z.T @ y, assume_a="pos",
                                        check_finite=False)
        else:
            latent = scipy.linalg.lstsq(Z, y, check_finite=False,
                                        lapack_driver="gelsd")[0]
        self.latent_coef_ = latent
        self.coef_ = latent if B is None else B @ latent
        self.components_ = B
        self.n_components_ = k
        self.intercept_ = (y_mean - float(x_mean @ self.coef_)
                           if self.fit_intercept else 0.0)
        return self

    def _representation(self, X, y, domain, source):
        """``B̂`` (orthonormal, ``(d, r)``) or ``None`` for the identity."""
        rep = self.representation
        d = X.shape[1]
        self.representation_ = None
        if rep is None:
            if not np.any(source):
                return None
            rep = LinearRepresentation()
        elif not hasattr(rep, "fit"):
            B = check_array(rep, dtype=np.float64, input_name="representation")
            if B.shape[0] != d or B.shape[1] > d:
                raise ValueError(
                    f"representation must have shape (n_features={d}, r) with "
                    f"r <= {d}, got {B.shape}."
                )
            return _orthonormal_basis(B, "representation", rtol=1e-10)
        if _is_frozen(rep) or (not np.any(source) and _is_fitted(rep)):
            if not _is_fitted(rep):
                raise ValueError("representation is a FrozenEstimator of an "
                                 "unfitted estimator; fit it before freezing.")
            fitted = rep
        else:
            if not np.any(source):
                raise ValueError(
                    "representation is an unfitted estimator but sample_domain "
                    "marks no source rows (labels > 0) to fit it on. Pass "
                    "sample_domain with source tasks, a fitted representation, or "
                    "sklearn.frozen.FrozenEstimator(fitted_representation)."
                )
            fitted = clone(rep).fit(X[source], y[source],
                                    sample_domain=domain[source])
        B = getattr(fitted, "components_", None)
        if B is None or np.ndim(B) != 2 or np.shape(B)[0] != d:
            raise ValueError(
                "the representation must expose components_ of shape "
                f"(n_features={d}, r); got "
                f"{None if B is None else np.shape(B)}."
            )
        B = check_array(B, dtype=np.float64, input_name="representation.components_")
        self.representation_ = fitted
        # orthonormalised (as an array basis is) unless it already is, so
        # that the ridge penalty acts in the same coordinates whatever the
        # source of B
        if np.abs(B.T @ B - np.eye(B.shape[1])).max() > 1e-10:
            B = _orthonormal_columns(B)[0]
        return B

    def predict(self, X):
        """Predict ``X β̂ + intercept``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_
