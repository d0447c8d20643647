r"""Task-diversity diagnostics, subspace distances and the TJJ rates as calculators.

Model (Tripuraneni, Jin & Jordan, ICML 2021): task ``j`` draws
``y = xᵀ B α_j + ε`` with ``B ∈ R^{d×r}`` orthonormal, ``x ~ N(0, I_d)``,
``Var ε = σ²``, and task coefficients ``A = (α_1, …, α_t)ᵀ``. The quantities
that govern how well ``span(B)`` can be learned are

* the **task diversity** ``ν = σ_r(AᵀA/t)`` (the smallest eigenvalue);
* the condition number ``κ = σ_1(AᵀA/t)/ν``;
* the **average condition number** ``κ̄ = tr(AᵀA/t)/(r ν)``, ``1 <= κ̄ <= κ``;
* the effective rank ``tr(AᵀA/t)/σ_1(AᵀA/t)``.

For linear tasks with squared loss, ``ν/‖α_0‖²`` is the diversity constant of
Tripuraneni, Jordan & Jin (NeurIPS 2020): a representation ``B'`` that fits
the training tasks to average excess risk ``ε̄`` fits any new task with
``‖α_0‖ <= c`` to excess risk at most ``c² ε̄/ν``.

Functions here:

* :func:`task_diversity`: ``ν̂, κ̂, κ̄̂`` and the effective rank from
  (estimated) task coefficients, optionally debiased for their estimation
  noise;
* :func:`mom_diversity`: the same from the spectrum of the method-of-moments
  matrix ``M̂ = (1/N) Σ_i y_i² x_i x_iᵀ`` alone;
* :func:`subspace_distance`: ``sin θ`` of the largest principal angle and the
  Frobenius (projection) distance;
* :func:`representation_bound` and :func:`transfer_bound`: the rates of
  TJJ21 (Theorem 3 and Algorithm 2's guarantee) as calculators, with the
  exact Gaussian expectation of the new-task error and the break-even
  against ordinary least squares in ``R^d``.

References
----------
.. [TJJ20] N. Tripuraneni, M. I. Jordan and C. Jin. On the theory of transfer
   learning: the importance of task diversity. NeurIPS 2020, 33:7852-7862.
.. [TJJ21] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
   linear representations. ICML 2021, PMLR 139:10434-10443.
"""

import functools
import inspect
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq

from ..utils._report import Summary
from ..utils._validation import check_choice, check_int, check_real
from ..utils._validation import read_only as _read_only

__all__ = [
    "IdentifiabilityWarning",
    "RepresentationBound",
    "TaskDiversity",
    "TransferBound",
    "mom_diversity",
    "representation_bound",
    "subspace_distance",
    "task_diversity",
    "transfer_bound",
]

#: ``noise_floor`` of :func:`task_diversity` with noise covariances is this many
#: standard deviations of the debiased Gram matrix along a direction no task uses.
_NOISE_FLOOR_Z = 3.0
#: Kurtosis ``E y⁴/(E y²)²`` of a Gaussian response (the default of
#: :func:`mom_diversity`).
_GAUSSIAN_KURTOSIS = 3.0
#: :func:`mom_diversity` calls the r-th moment eigenvalue signal when it exceeds the
#: noise edge by this many fluctuation units (see its docstring for the calibration):
#: the edge computed from the weights y² ("exact") or from mean(y²) and the kurtosis
#: alone ("first-order").
_EDGE_MARGIN_UNITS = {"exact": 4.0, "first-order": 6.0}


class IdentifiabilityWarning(UserWarning):
    """The tasks do not identify a rank-``r`` representation.

    Raised when the estimated task diversity ``ν̂`` is indistinguishable from
    0: the tasks span fewer than ``r`` directions (or there are too few
    samples to tell), so some directions of ``span(B)`` cannot be learned
    from them and a new task that uses those directions is not helped.
    """


# -- validation -------------------------------------------------------------------

def _check_array(value, name, ndim):
    """A finite, non-empty float array with ``ndim`` dimensions."""
    try:
        arr = np.asarray(value)
    except Exception:  # pragma: no cover - exotic objects
        raise TypeError(f"{name} must be an array of real numbers.") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be an array of real numbers, got dtype {arr.dtype}."
        )
    if arr.ndim != ndim:
        shape = {1: "(n,)", 2: "(n, m)", 3: "(t, r, r)"}[ndim]
        raise ValueError(
            f"{name} must be {ndim}-d {shape}, got an array of shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}.")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf).")
    return arr


def _ratio(num, den):
    """``num/den`` with ``x/0 = inf`` (``0/0 = nan``)."""
    if den > 0:
        return num / den
    return math.inf if num > 0 else math.nan


# -- task diversity ------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class TaskDiversity:
    r"""Estimated task diversity and conditioning of ``AᵀA/t``.

    Returned by :func:`task_diversity` (from task coefficients) and
    :func:`mom_diversity` (from the moment spectrum).

    Attributes
    ----------
    diversity : float
        ``ν̂``, the smallest of ``eigenvalues`` (0 when not identified).
    condition_number : float
        ``κ̂ = λ̂_1/ν̂`` (``inf`` when ``ν̂ = 0``).
    avg_condition_number : float
        ``κ̄̂ = tr/(r ν̂)`` (``inf`` when ``ν̂ = 0``).
    effective_rank : float
        ``tr/λ̂_1``, between 1 and ``r`` for a positive semi-definite matrix.
    trace : float
        Estimated ``tr(AᵀA/t)`` (for ``method="moments"``: the trace estimate
        ``(tr M̂ - d·mean(y²))/2``, not the sum of ``eigenvalues``).
    eigenvalues : ndarray of shape (n_components,)
        Estimated eigenvalues of ``AᵀA/t``, in decreasing order (debiased and
        clipped at 0 where a correction was applied).
    raw_eigenvalues : ndarray of shape (n_components,)
        What the correction started from: the eigenvalues of ``ÂᵀÂ/t``
        (``method="coefficients"``) or the top ``r`` eigenvalues of ``M̂``
        (``method="moments"``), decreasing.
    identified : bool
        Whether ``ν̂`` exceeds ``noise_floor``: ``False`` means the tasks do not
        identify a rank-``r`` representation (see
        :class:`IdentifiabilityWarning`).
    noise_floor : float
        The level below which ``ν̂`` is indistinguishable from 0 (see the
        functions for its definition).
    n_components : int
        ``r``.
    method : {"coefficients", "moments"}
        Which function made the estimate.
    debiased : bool
        Whether a noise correction was applied (noise covariances given, or
        any moment estimate).
    n_tasks : int or None
        ``t`` (``method="coefficients"``).
    n_samples, n_features : int or None
        ``N`` and ``d`` (``method="moments"``).
    noise_variance : float or None
        ``σ̂² = mean(y²) - tr`` (``method="moments"``).
    bulk : {"mean", "mp-edge"} or None
        Reference level of the noise bulk (``method="moments"``).
    bulk_level : float or None
        Its value.
    noise_edge : float or None
        Upper edge of the noise eigenvalues of ``M̂`` (``method="moments"``).
    """

    diversity: float
    condition_number: float
    avg_condition_number: float
    effective_rank: float
    trace: float
    eigenvalues: np.ndarray = field(repr=False)
    raw_eigenvalues: np.ndarray = field(repr=False)
    identified: bool
    noise_floor: float
    n_components: int
    method: str
    debiased: bool
    n_tasks: int | None = None
    n_samples: int | None = None
    n_features: int | None = None
    noise_variance: float | None = None
    bulk: str | None = None
    bulk_level: float | None = None
    noise_edge: float | None = None

    def to_frame(self):
        """One row per component: eigenvalue, raw eigenvalue and trace shares.

        Returns
        -------
        pandas.DataFrame
            Indexed by ``component`` (1 to ``r``), with columns
            ``eigenvalue``, ``raw_eigenvalue``, ``share`` (of the sum of the
            eigenvalues) and ``cumulative_share``.
        """
        import pandas as pd

        total = float(np.sum(self.eigenvalues))
        share = self.eigenvalues / total if total > 0 else np.full(
            self.n_components, np.nan)
        return pd.DataFrame({
            "eigenvalue": self.eigenvalues,
            "raw_eigenvalue": self.raw_eigenvalues,
            "share": share,
            "cumulative_share": np.cumsum(share),
        }, index=pd.RangeIndex(1, self.n_components + 1, name="component"))

    def summary(self):
        """A :class:`~sktransfer.utils._report.Summary`."""
        info = [("method", self.method), ("n_components", self.n_components)]
        if self.method == "coefficients":
            info += [("n_tasks", self.n_tasks), ("debiased", self.debiased)]
        else:
            info += [("n_samples", self.n_samples), ("n_features", self.n_features),
                     ("bulk reference", f"{self.bulk} ({self.bulk_level:.4g})"),
                     ("noise edge", self.noise_edge),
                     ("noise variance", self.noise_variance)]
        info += [("diversity (nu)", self.diversity),
                 ("condition number (kappa)", self.condition_number),
                 ("average condition number", self.avg_condition_number),
                 ("effective rank", self.effective_rank),
                 ("trace", self.trace),
                 ("noise floor", self.noise_floor),
                 ("identified", self.identified)]
        notes = []
        if not self.identified:
            notes.append(
                "nu is indistinguishable from 0 (<= noise floor "
                f"{self.noise_floor:.3g}): the tasks span fewer than n_components "
                "directions (or there are too few samples); the representation is "
                "not identified.")
        if self.method == "moments" and self.bulk == "mean":
            notes.append("bulk='mean' is biased upward when the r-th eigenvalue is "
                         "near the noise edge (small N); bulk='mp-edge' corrects "
                         "that there but over-corrects at larger N.")
        return Summary("Task diversity", tuple(info), self.to_frame(), tuple(notes))

    def plot(self, ax=None):
        """Scree plot of the estimated eigenvalues, with ``ν̂`` and the floor.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        comp = np.arange(1, self.n_components + 1)
        ax.plot(comp, self.eigenvalues, "o-", label="estimated eigenvalues")
        if self.debiased:
            ax.plot(comp, self.raw_eigenvalues, "x:", color="gray",
                    label="before correction")
        ax.axhline(self.noise_floor, color="C3", linestyle="--", label="noise floor")
        ax.set_xlabel("component")
        ax.set_ylabel("eigenvalue of AᵀA/t")
        ax.set_xticks(comp)
        ax.legend()
        return ax

    def __str__(self):
        return str(self.summary())


def _describe_spectrum(eigenvalues, trace):
    """``(ν, κ, κ̄, effective rank)`` of decreasing, non-negative eigenvalues."""
    r = eigenvalues.shape[0]
    nu = float(eigenvalues[-1])
    top = float(eigenvalues[0])
    return (nu, _ratio(top, nu), _ratio(trace, r * nu), _ratio(trace, top))


def _warn_not_identified(nu, floor, stacklevel=3):
    warnings.warn(
        f"The estimated task diversity nu = {nu:.3g} is not distinguishable from 0 "
        f"(noise floor {floor:.3g}): the tasks span fewer than n_components "
        "directions, or there are too few samples to tell. A rank-n_components "
        "representation is not identified by these tasks.",
        IdentifiabilityWarning, stacklevel=stacklevel,
    )


def _within_float_range(func):
    """Turn a ZeroDivisionError/OverflowError inside a calculator into a
    ValueError that names the arguments it was given (values so extreme that
    the formulas leave the floating-point range)."""
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            with np.errstate(over="ignore"):
                return func(*args, **kwargs)
        except (ZeroDivisionError, OverflowError) as exc:
            bound = signature.bind_partial(*args, **kwargs).arguments
            given = ", ".join(f"{k}={_short(v)}" for k, v in bound.items())
            raise ValueError(
                f"{func.__name__}: the arguments leave the floating-point range "
                f"({given}): {exc}") from None
    return wrapper


def _short(value):
    text = repr(value) if np.ndim(value) == 0 else f"array of shape {np.shape(value)}"
    return text if len(text) < 40 else text[:37] + "..."


@_within_float_range
def task_diversity(task_coefs, *, noise_covariances=None):
    r"""Task diversity ``ν = σ_r(AᵀA/t)`` and conditioning from task coefficients.

    With ``A = (α_1, …, α_t)ᵀ`` (``t×r``) and ``G = AᵀA/t``:

    * ``ν̂ = λ_r(G)`` (the task diversity of TJJ20/TJJ21),
    * ``κ̂ = λ_1(G)/ν̂``,
    * ``κ̄̂ = tr(G)/(r ν̂)`` (the average condition number of TJJ21),
    * effective rank ``tr(G)/λ_1(G)``.

    **Noise debiasing.** Estimated coefficients ``α̂_j = α_j + e_j`` with
    ``Cov e_j = S_j`` inflate ``G``: ``E[ÂᵀÂ/t] = AᵀA/t + S̄`` with
    ``S̄ = (1/t) Σ_j S_j``. When ``noise_covariances`` are given, the estimate
    is ``G = ÂᵀÂ/t - S̄`` with its eigenvalues clipped at 0. For least squares
    in a representation ``B̂`` on task ``j``'s ``n_j×d`` design ``X_j``,
    ``S_j = σ̂_j² (B̂ᵀX_jᵀX_jB̂)^{-1}`` with ``σ̂_j²`` the residual variance
    of task ``j`` (or, under a common noise level as in the model, the
    pooled residual variance of all tasks, which is what
    :attr:`LinearRepresentation.diversity_` uses); the debiased estimate is
    unbiased for ``AᵀA/t`` (before clipping) when the ``e_j`` are
    independent of ``A``.

    **Identification.** ``identified`` is ``ν̂ > noise_floor``:

    * with ``noise_covariances``, ``noise_floor = 3 sqrt(2 Σ_j ‖S_j‖²)/t``:
      three standard deviations of ``vᵀGv`` along a unit ``v`` no task uses
      (``Av = 0``), for Gaussian ``e_j`` (``(e_jᵀv)²`` is ``vᵀS_jv`` times a
      ``χ²_1``, of variance ``2 (vᵀS_jv)²``);
    * without, only numerical rank deficiency is detected:
      ``noise_floor = (s_1 max(t, r) ε_mach)²/t`` with ``s_1`` the largest
      singular value of ``A`` (the rule of :func:`numpy.linalg.matrix_rank`).
      Noisy estimates ``Â`` always have full rank, so pass their noise
      covariances to detect tasks spanning fewer than ``r`` directions.

    An :class:`IdentifiabilityWarning` is issued when not identified (always
    when ``t < r``).

    Parameters
    ----------
    task_coefs : array-like of shape (n_tasks, n_components)
        Task coefficients ``A`` (true or estimated, e.g. the ``task_coefs_``
        of :class:`LinearRepresentation`).
    noise_covariances : array-like, default=None
        Of shape ``(n_tasks, n_components, n_components)`` or
        ``(n_components, n_components)`` (one for all tasks).
        Covariances ``S_j`` of the estimation noise of each row of
        ``task_coefs`` (one matrix for all tasks, or one per task). Must be
        symmetric.

    Returns
    -------
    TaskDiversity
        With ``method="coefficients"``.

    References
    ----------
    .. [1] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
       linear representations. ICML 2021.
    .. [2] N. Tripuraneni, M. I. Jordan and C. Jin. On the theory of transfer
       learning: the importance of task diversity. NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.representation import task_diversity
    >>> A = np.array([[2.0, 0.0], [0.0, 1.0]])
    >>> res = task_diversity(A)
    >>> res.diversity, res.condition_number, res.avg_condition_number
    (0.5, 4.0, 2.5)
    """
    A = _check_array(task_coefs, "task_coefs", 2)
    t, r = A.shape
    s = np.linalg.svd(A, compute_uv=False)
    raw = np.zeros(r)
    raw[: s.shape[0]] = s**2 / t
    debiased = noise_covariances is not None
    if not debiased:
        eig = raw.copy()
        trace = float(np.sum(eig))
        floor = (s[0] * max(t, r) * np.finfo(float).eps) ** 2 / t
    else:
        ndim = np.ndim(noise_covariances)
        S = _check_array(noise_covariances, "noise_covariances",
                         ndim if ndim in (2, 3) else 3)
        if S.shape == (r, r):
            S = S[None]
        if S.ndim != 3 or S.shape[1:] != (r, r) or S.shape[0] not in (1, t):
            raise ValueError(
                f"noise_covariances must have shape ({r}, {r}) or ({t}, {r}, {r}) "
                f"for task_coefs of shape {A.shape}, got {np.shape(noise_covariances)}."
            )
        scale = max(1.0, float(np.max(np.abs(S))))
        if not np.allclose(S, np.swapaxes(S, 1, 2), rtol=1e-8, atol=1e-12 * scale):
            raise ValueError("noise_covariances must be symmetric matrices.")
        S = 0.5 * (S + np.swapaxes(S, 1, 2))
        norms = np.linalg.norm(S, ord=2, axis=(1, 2))
        if S.shape[0] == 1:
            S_bar = S[0]
            sum_sq = t * norms[0] ** 2
        else:
            S_bar = S.mean(axis=0)
            sum_sq = float(np.sum(norms**2))
        G = A.T @ A / t - S_bar
        eig = np.clip(np.linalg.eigvalsh(0.5 * (G + G.T))[::-1], 0.0, None)
        trace = float(np.trace(G))
        floor = _NOISE_FLOOR_Z * math.sqrt(2.0 * sum_sq) / t
    nu, kappa, kappa_bar, eff = _describe_spectrum(eig, trace)
    identified = bool(t >= r and nu > floor)
    if not identified:
        _warn_not_identified(nu, floor)
    return TaskDiversity(
        diversity=nu, condition_number=kappa, avg_condition_number=kappa_bar,
        effective_rank=eff, trace=trace, eigenvalues=_read_only(eig),
        raw_eigenvalues=_read_only(raw), identified=identified,
        noise_floor=float(floor), n_components=r, method="coefficients",
        debiased=debiased, n_tasks=t,
    )


def _weighted_wishart_edge(w, n_features, n_samples=None):
    """Upper edge of the deterministic equivalent of ``(1/N) Σ_i w_i z_i z_iᵀ``.

    ``z_i ~ N(0, I_p)``, ``p = n_features``, weights ``w_i >= 0`` fixed. The
    non-zero eigenvalues are ``p/N`` times those of a sample covariance
    matrix with population covariance ``diag(w)`` (dimension ``N``) and ``p``
    samples, whose limiting spectrum has support edges at the critical points
    of (Silverstein & Choi 1995)

    .. math::

        x(m) = -1/m + (N/p)\\, \\mathrm{mean}\\big(w/(1 + w m)\\big);

    the upper edge is ``x`` at the root of ``x'(m) = 0`` in
    ``(-1/max(w), 0)``, where ``x`` is convex (so the root is unique).
    ``n_samples`` (default ``len(w)``) is ``N`` when ``w`` is an evenly
    spaced subsample of the weights (the means only need a few thousand).
    """
    N = w.shape[0] if n_samples is None else n_samples
    c = N / n_features
    w_max = float(np.max(w))

    def slope(m):
        return 1.0 / m**2 - c * np.mean((w / (1.0 + w * m)) ** 2)

    root = brentq(slope, -(1.0 - 1e-12) / w_max, -1e-12 / w_max, xtol=1e-300,
                  rtol=1e-13, maxiter=500)
    return (n_features / N) * (-1.0 / root + c * np.mean(w / (1.0 + w * root)))


@_within_float_range
def mom_diversity(eigenvalues, n_components, *, y=None, mean_y2=None,
                  n_samples=None, n_features=None, trace=None, bulk="mean",
                  y_kurtosis=None):
    r"""Task diversity from the spectrum of the method-of-moments matrix.

    For ``x ~ N(0, I_d)`` (Isserlis), ``M̂ = (1/N) Σ_i y_i² x_i x_iᵀ`` has
    expectation

    .. math::

        E \hat M = c_0 I_d + 2 B \Sigma_\alpha B^\top, \qquad
        c_0 = \sigma^2 + \operatorname{tr}\Sigma_\alpha = E y^2,

    with ``Σ_α = AᵀA/t`` for balanced tasks (the sample-share-weighted
    ``Σ_j w_j α_j α_jᵀ`` otherwise). Its top ``r`` eigenvalues are
    ``c_0 + 2 λ_i(Σ_α)`` above a bulk at ``c_0``, so with ``λ_i`` the
    eigenvalues of ``M̂`` (decreasing):

    * ``λ̂_i(Σ_α) = max(0, (λ_i - b)/2)`` for ``i <= r``, ``ν̂ = λ̂_r(Σ_α)``,
      with ``b`` the bulk reference below;
    * ``tr̂ = (tr M̂ - d·mean(y²))/2`` (as ``E tr M̂ = d c_0 + 2 tr Σ_α``);
    * ``σ̂² = mean(y²) - tr̂``.

    **Bulk reference.** ``bulk="mean"``: the mean of the ``d - r`` remaining
    eigenvalues (consistent; the reference's estimator). At small ``N`` the
    noise eigenvalues spread over an interval of width ``O(c_0 sqrt(d/N))``
    and the ``r``-th eigenvalue, pushed up by that spread, biases ``ν̂``
    upward. ``bulk="mp-edge"`` subtracts the Marchenko–Pastur upper edge
    ``mean(y²)·(1 + sqrt(d/N))²`` instead, which removes most of that bias
    at small ``N`` (well-conditioned tasks, ``d=100, r=5``, 300 samples per
    task, mean of 3 data sets: at ``t=100`` tasks the true ``ν`` was 0.124,
    ``"mean"`` gave 0.23 and ``"mp-edge"`` 0.11) but over-corrects once the
    ``r``-th eigenvalue is well clear of the bulk (``t=400``: 0.169, 0.192
    and 0.132; ``t=1600``: 0.184, 0.192 and 0.162): use it when the estimate
    is marginal, ``ν̂`` within a few times ``noise_floor``.

    **Identification.** The noise eigenvalues are those of the weighted
    Wishart matrix ``(1/N) Σ_i y_i² z_i z_iᵀ`` (``z_i ~ N(0, I)`` on
    ``span(B)⊥``, independent of ``y_i``). ``noise_edge`` is its upper edge:

    * given ``y``: the edge of its deterministic equivalent for the observed
      weights ``y_i²`` (Silverstein–Choi critical point; accounts for a few
      large weights, which a moment summary cannot);
    * given only ``mean_y2`` and ``n_samples``: the first-order edge
      ``mean(y²)·(1 + sqrt(m d/N))²`` with ``m = E y⁴/(E y²)²``
      (``y_kurtosis``, 3 for a Gaussian response; ``m = 1`` is
      Marchenko–Pastur). It is too low when ``d/N`` is not small or there
      are few tasks (simulated at ``d/N = 0.05`` with 20 tasks, the top noise
      eigenvalue sat 7 fluctuation units above it on average): pass ``y``.

    The largest noise eigenvalue fluctuates about the edge on the
    Tracy–Widom scale ``s = mean(y²) sqrt(m) (√N + √d)(1/√N + 1/√d)^{1/3}/N``
    (that of a white Wishart matrix, scaled). ``identified`` is
    ``λ_r > noise_edge + k s`` with ``k = 4`` given ``y`` and ``k = 6``
    otherwise, i.e. ``ν̂ > noise_floor = (noise_edge + k s - b)/2``. In a
    calibration on the noise bulk alone (responses ``N(0, 1 + ‖α_j‖²)``,
    ``N`` from 2e3 to 1e5, ``d`` from 20 to 100, 20 to 20,000 tasks; 1,610
    matrices), the top noise eigenvalue exceeded ``edge + 4 s`` once with
    the exact edge (at ``d/N = 0.05`` with 20 tasks), while with the
    first-order edge it exceeded ``edge + 6 s`` 122 times (all at
    ``d/N >= 0.01`` with at most 100 tasks; 106 of them at ``d/N = 0.05``).
    When not identified, the ``r``-th direction is not distinguishable from
    noise (tasks spanning fewer than ``r`` directions, or too few samples)
    and an :class:`IdentifiabilityWarning` is issued.

    Parameters
    ----------
    eigenvalues : array-like of shape (k,)
        Eigenvalues of ``M̂`` (any order; the top ``r`` are used): all ``d`` of
        them, or at least the top ``r`` together with ``trace``. The
        ``moment_eigenvalues_`` of :class:`LinearRepresentation`.
    n_components : int
        ``r`` (``1 <= r < d``).
    y : array-like of shape (n_samples,), default=None
        The responses ``M̂`` was formed from. Gives ``mean_y2``,
        ``n_samples`` and ``y_kurtosis`` (which must then be ``None``) and
        the exact noise edge.
    mean_y2 : float, default=None
        ``mean(y²)`` (``> 0``), when ``y`` is not given.
    n_samples : int, default=None
        ``N``, the number of rows ``M̂`` was formed from, when ``y`` is not
        given.
    n_features : int, default=None
        ``d``; default ``len(eigenvalues)``.
    trace : float, default=None
        ``tr M̂``; default the sum of ``eigenvalues`` (which must then be all
        ``d`` of them).
    bulk : {"mean", "mp-edge"}, default="mean"
        Bulk reference ``b`` (see above).
    y_kurtosis : float, default=None
        ``m = E y⁴/(E y²)²`` for the first-order edge (default 3, a Gaussian
        response; a mixture of tasks with different ``‖α_j‖`` has
        ``m > 3``). Computed from ``y`` when ``y`` is given.

    Returns
    -------
    TaskDiversity
        With ``method="moments"``; ``trace`` is ``tr̂`` and
        ``noise_variance`` is ``σ̂²``.

    References
    ----------
    .. [1] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
       linear representations. ICML 2021 (Algorithm 1).
    .. [2] J. W. Silverstein and S.-I. Choi. Analysis of the limiting spectral
       distribution of large dimensional random matrices. J. Multivariate
       Anal. 54(2):295-309, 1995.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.datasets import make_low_rank_tasks
    >>> from sktransfer.representation import mom_diversity
    >>> X, y, tasks, B, A = make_low_rank_tasks(500, 100, 20, 2, random_state=0)
    >>> M = (X * y[:, None] ** 2).T @ X / len(y)
    >>> res = mom_diversity(np.linalg.eigvalsh(M), 2, y=y)
    >>> res.identified, bool(abs(res.diversity - 0.5) < 0.1)
    (True, True)
    """
    lam = _check_array(eigenvalues, "eigenvalues", 1)
    r = check_int(n_components, "n_components", 1)
    d = lam.shape[0] if n_features is None else check_int(n_features, "n_features", 1)
    check_choice(bulk, "bulk", ("mean", "mp-edge"))
    if y is not None:
        for name, value in (("mean_y2", mean_y2), ("n_samples", n_samples),
                            ("y_kurtosis", y_kurtosis)):
            if value is not None:
                raise ValueError(f"give y or {name}, not both ({name} is computed "
                                 "from y).")
        w = _check_array(y, "y", 1) ** 2
        N = w.shape[0]
        mean_y2 = float(np.mean(w))
        if mean_y2 <= 0:
            raise ValueError("y must not be all zero.")
        m = float(np.mean(w * w)) / mean_y2**2
    else:
        if mean_y2 is None or n_samples is None:
            raise ValueError("give y, or both mean_y2 and n_samples.")
        mean_y2 = check_real(mean_y2, "mean_y2", 0.0, strict=True)
        N = check_int(n_samples, "n_samples", 1)
        m = _GAUSSIAN_KURTOSIS if y_kurtosis is None else check_real(
            y_kurtosis, "y_kurtosis", 1.0)
    if lam.shape[0] > d:
        raise ValueError(
            f"eigenvalues has {lam.shape[0]} entries, more than n_features={d}."
        )
    if r >= d:
        raise ValueError(
            f"n_components must be < n_features={d} (the bulk needs at least one "
            f"eigenvalue), got n_components={r}."
        )
    if lam.shape[0] < r:
        raise ValueError(
            f"eigenvalues must hold at least n_components={r} values, got "
            f"{lam.shape[0]}."
        )
    if trace is None:
        if lam.shape[0] != d:
            raise ValueError(
                f"trace is needed when eigenvalues holds only {lam.shape[0]} of "
                f"the n_features={d} eigenvalues."
            )
        trace = float(np.sum(lam))
    else:
        trace = check_real(trace, "trace")
    lam = np.sort(lam)[::-1]
    top = lam[:r].copy()
    if bulk == "mean":
        b = (trace - float(np.sum(top))) / (d - r)
    else:
        b = mean_y2 * (1.0 + math.sqrt(d / N)) ** 2
    if y is not None:
        edge = float(_weighted_wishart_edge(w, d))
        units = _EDGE_MARGIN_UNITS["exact"]
    else:
        edge = mean_y2 * (1.0 + math.sqrt(m * d / N)) ** 2
        units = _EDGE_MARGIN_UNITS["first-order"]
    rn, rd = math.sqrt(N), math.sqrt(d)
    scale = mean_y2 * math.sqrt(m) * (rn + rd) * (1.0 / rn + 1.0 / rd) ** (1 / 3) / N
    threshold = edge + units * scale
    eig = np.clip((top - b) / 2.0, 0.0, None)
    tr_hat = (trace - d * mean_y2) / 2.0
    nu, kappa, kappa_bar, eff = _describe_spectrum(eig, tr_hat)
    floor = max(0.0, (threshold - b) / 2.0)
    identified = bool(top[-1] > threshold and nu > 0)
    if not identified:
        _warn_not_identified(nu, floor)
    return TaskDiversity(
        diversity=nu, condition_number=kappa, avg_condition_number=kappa_bar,
        effective_rank=eff, trace=tr_hat, eigenvalues=_read_only(eig),
        raw_eigenvalues=_read_only(top), identified=identified,
        noise_floor=float(floor), n_components=r, method="moments", debiased=True,
        n_samples=N, n_features=d, noise_variance=mean_y2 - tr_hat, bulk=bulk,
        bulk_level=float(b), noise_edge=float(edge),
    )


# -- subspace distance -----------------------------------------------------------------

def _orthonormal_columns(B):
    """Q of the QR decomposition, with ``diag(R) >= 0`` (a unique choice),
    and ``|diag(R)|``."""
    Q, R = np.linalg.qr(B)
    signs = np.sign(np.diag(R))
    signs[signs == 0] = 1.0
    return Q * signs, np.abs(np.diag(R))


def _orthonormal_basis(B, name, rtol=None):
    """:func:`_orthonormal_columns`'s ``Q``; a ValueError naming ``name`` when
    ``B`` is rank deficient (``min |R_jj| <= rtol · max |R_jj|``, by default
    ``rtol = max(B.shape) · eps``)."""
    Q, diag = _orthonormal_columns(B)
    if rtol is None:
        rtol = max(B.shape) * np.finfo(float).eps
    if diag.min() <= rtol * max(diag.max(), np.finfo(float).tiny):
        raise ValueError(f"{name} must have full column rank (linearly independent "
                         "columns).")
    return Q


def subspace_distance(B1, B2, kind="sin"):
    r"""Distance between the column spans of two ``d×r`` matrices.

    After orthonormalising both (``Q_1``, ``Q_2``, by QR), with
    ``θ_1 >= … >= θ_r`` the principal angles between the spans:

    * ``kind="sin"``: ``sin θ_1 = ‖(I - Q_1Q_1ᵀ) Q_2‖_op``
      ``= sqrt(1 - σ_min(Q_1ᵀQ_2)²)``, the distance of TJJ21's Theorem 3;
    * ``kind="frobenius"``: ``‖P_1 - P_2‖_F/√2 = sqrt(Σ_i sin² θ_i)``
      ``= ‖(I - Q_1Q_1ᵀ) Q_2‖_F``, with ``P_k = Q_kQ_kᵀ``.

    Both are computed from ``(I - Q_1Q_1ᵀ)Q_2``, not as ``1 - cos²``, so they
    keep full relative accuracy for nearly equal subspaces (``θ`` down to
    about ``1e-15``). Both lie in ``[0, 1]`` resp. ``[0, sqrt(r)]``, are
    symmetric in ``B1, B2``, do not depend on the bases chosen, and
    ``frobenius >= sin``.

    Parameters
    ----------
    B1, B2 : array-like of shape (n_features, n_components)
        Bases (not necessarily orthonormal, but of full column rank) of the
        two subspaces; same shape. A 1-d array is read as one column.
    kind : {"sin", "frobenius"}, default="sin"

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.representation import subspace_distance
    >>> theta = 0.3
    >>> d = subspace_distance([1.0, 0.0], [np.cos(theta), np.sin(theta)])
    >>> bool(np.isclose(d, np.sin(theta)))
    True
    """
    check_choice(kind, "kind", ("sin", "frobenius"))
    mats = []
    for name, B in (("B1", B1), ("B2", B2)):
        arr = np.asarray(B)
        if arr.ndim == 1:
            arr = arr[:, None]
        arr = _check_array(arr, name, 2)
        if arr.shape[1] > arr.shape[0]:
            raise ValueError(
                f"{name} must have at most as many columns as rows (a basis of a "
                f"subspace of R^d, shape (d, r)), got shape {arr.shape}."
            )
        mats.append(arr)
    if mats[0].shape != mats[1].shape:
        raise ValueError(
            f"B1 and B2 must have the same shape (d, r), got {mats[0].shape} and "
            f"{mats[1].shape}."
        )
    Q1 = _orthonormal_basis(mats[0], "B1")
    Q2 = _orthonormal_basis(mats[1], "B2")
    P = Q2 - Q1 @ (Q1.T @ Q2)
    P -= Q1 @ (Q1.T @ P)  # a second projection removes the rounding of the first
    if kind == "sin":
        return float(min(1.0, np.linalg.norm(P, ord=2)))
    return float(min(math.sqrt(Q1.shape[1]), np.linalg.norm(P)))


# -- bounds ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RepresentationBound:
    r"""The MoM subspace-error rate of TJJ21 (Theorem 3) at one configuration.

    Attributes
    ----------
    n_total : float
        Total number of samples ``N`` over all tasks (solved for when asked).
    n_features, n_components : int
        ``d`` and ``r``.
    diversity : float
        ``ν``.
    avg_condition_number : float
        ``κ̄``.
    constant : float
        ``C``.
    rate : float
        ``C sqrt(κ̄ d r/(ν N))`` (an order, not clipped).
    sin_theta : float
        ``min(1, rate)``: predicted ``sin θ(B̂, B)``.
    n_small_angle : float
        ``κ̄ d r/ν``: the sample size from which the theorem applies
        (up to polylog factors).
    small_angle_regime : bool
        ``N >= n_small_angle``.
    """

    n_total: float
    n_features: int
    n_components: int
    diversity: float
    avg_condition_number: float
    constant: float
    rate: float
    sin_theta: float
    n_small_angle: float
    small_angle_regime: bool

    def to_frame(self):
        """The configuration and the bound as a one-row table."""
        import pandas as pd

        return pd.DataFrame([{k: getattr(self, k) for k in self.__dataclass_fields__}])

    def summary(self):
        """A :class:`~sktransfer.utils._report.Summary`."""
        info = (("total samples N", self.n_total), ("n_features d", self.n_features),
                ("n_components r", self.n_components), ("diversity nu", self.diversity),
                ("average condition number", self.avg_condition_number),
                ("constant C", self.constant),
                ("sin theta (order)", self.sin_theta),
                ("N for the small-angle regime", self.n_small_angle),
                ("small-angle regime", self.small_angle_regime))
        notes = ["sin theta <= C sqrt(kappa_bar d r / (nu N)) up to polylog factors "
                 "(Tripuraneni, Jin & Jordan 2021, Thm 3): an order, not a "
                 "calibrated prediction (empirically C is near 1 with c0 = "
                 "sigma^2 + tr Sigma_alpha in place of kappa_bar r)."]
        if not self.small_angle_regime:
            notes.append("N < kappa_bar d r / nu: outside the regime where the "
                         "theorem applies; the subspace may not be learned at all.")
        return Summary("Representation (MoM) subspace-error bound", info, None,
                       tuple(notes))

    def plot(self, ax=None, n_total=None):
        """``sin θ`` against ``N`` (log-log), the configuration marked.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        n_total : array-like, default=None
            Sample sizes on the x axis (default: a log grid around ``N``
            and ``n_small_angle``).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        if n_total is None:
            lo = min(self.n_total, self.n_small_angle) / 10.0
            hi = max(self.n_total, self.n_small_angle) * 10.0
            n_total = np.geomspace(max(lo, 1.0), hi, 200)
        n_total = np.asarray(n_total, dtype=float)
        scale = self.constant * math.sqrt(
            self.avg_condition_number * self.n_features * self.n_components
            / self.diversity)
        ax.loglog(n_total, np.minimum(1.0, scale / np.sqrt(n_total)),
                  label="sin θ bound")
        ax.axvline(self.n_small_angle, color="gray", linestyle=":",
                   label="small-angle regime starts")
        ax.plot([self.n_total], [self.sin_theta], "k*", markersize=12)
        ax.set_xlabel("total samples N")
        ax.set_ylabel("sin θ(B̂, B) (order)")
        ax.legend()
        return ax

    def __str__(self):
        return str(self.summary())


@_within_float_range
def representation_bound(n_total, n_features, n_components, diversity,
                         avg_condition_number=1.0, constant=1.0, *, sin_theta=None):
    r"""Order of the method-of-moments subspace error (TJJ21, Theorem 3).

    If ``N >= κ̄ d r/ν`` (up to polylog factors), the method-of-moments
    estimate ``B̂`` (top-``r`` eigenvectors of ``(1/N) Σ y² x xᵀ``) satisfies,
    with high probability,

    .. math::

        \sin\theta(\hat B, B) \le \tilde O\Big(
            \sqrt{\bar\kappa\, d\, r / (\nu N)}\Big),

    ``N`` being the total sample count over all tasks (one sample per task
    suffices). This function returns ``C sqrt(κ̄ d r/(ν N))`` (clipped at 1):
    an **order**, with the constant ``C`` explicit and the polylog factors
    dropped; not a calibrated prediction. Give ``sin_theta`` instead of
    ``n_total`` to get the ``N`` the rate needs to reach it:
    ``N = C² κ̄ d r/(ν sin²θ)``.

    Parameters
    ----------
    n_total : float or None
        Total number of samples ``N`` (``None`` to solve for it).
    n_features : int
        ``d``.
    n_components : int
        ``r`` (``<= d``).
    diversity : float
        Task diversity ``ν > 0`` (e.g. :func:`task_diversity`).
    avg_condition_number : float, default=1.0
        ``κ̄ >= 1``.
    constant : float, default=1.0
        ``C > 0``.
    sin_theta : float, default=None
        Target ``sin θ`` in ``(0, 1]`` when ``n_total`` is ``None``.

    Returns
    -------
    RepresentationBound

    References
    ----------
    .. [1] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
       linear representations. ICML 2021, Theorem 3.
    """
    d = check_int(n_features, "n_features", 1)
    r = check_int(n_components, "n_components", 1)
    if r > d:
        raise ValueError(f"n_components must be <= n_features={d}, got {r}.")
    nu = check_real(diversity, "diversity", 0.0, strict=True)
    kbar = check_real(avg_condition_number, "avg_condition_number", 1.0)
    C = check_real(constant, "constant", 0.0, strict=True)
    if (n_total is None) == (sin_theta is None):
        raise ValueError("give exactly one of n_total and sin_theta (the other is "
                         "solved for).")
    scale2 = kbar * d * r / nu
    if n_total is None:
        s = check_real(sin_theta, "sin_theta", 0.0, strict=True)
        if s > 1:
            raise ValueError(f"sin_theta must be in (0, 1], got {s!r}.")
        N = C**2 * scale2 / s**2
    else:
        N = check_real(n_total, "n_total", 0.0, strict=True)
    rate = C * math.sqrt(scale2 / N)
    return RepresentationBound(
        n_total=N, n_features=d, n_components=r, diversity=nu,
        avg_condition_number=kbar, constant=C, rate=rate, sin_theta=min(1.0, rate),
        n_small_angle=scale2, small_angle_regime=bool(N >= scale2),
    )


@dataclass(frozen=True, eq=False)
class TransferBound:
    r"""New-task error of least squares in a learned representation (TJJ21, Alg. 2).

    Attributes
    ----------
    n_new, n_components : int
        ``n₂`` and ``r``.
    noise : float
        ``σ``.
    n_features : int or None
        ``d`` (needed for the OLS comparison).
    sin_theta, alpha_norm, b_perp_norm : float or None
        As given.
    bias2 : float
        ``‖b⊥‖²`` used in ``expected_error``: ``b_perp_norm²`` when given,
        else ``(sin_theta·alpha_norm)²`` (its largest value), else 0.
    order_bound : float
        ``C (‖α_0‖² sin²θ + σ² r/n₂)`` (``bias2`` in place of the first term
        when ``sin_theta``/``alpha_norm`` are not both given). An order.
    expected_error : float
        ``E‖β̂ - β_0‖² = ‖b⊥‖² + (σ² + ‖b⊥‖²) r/(n₂ - r - 1)`` (``inf`` for
        ``n₂ <= r + 1``).
    expected_error_is_exact : bool
        ``True`` when ``bias2`` is the actual ``‖b⊥‖²`` (``b_perp_norm``
        given, or a perfect representation assumed); ``False`` when it is
        the worst case ``sin²θ‖α_0‖²`` (then ``expected_error`` is an upper
        bound).
    ols_error : float or None
        ``σ² d/(n₂ - d - 1)`` (``inf`` for ``n₂ <= d + 1``).
    n_new_break_even : float or None
        The ``n₂`` beyond which OLS in ``R^d`` has the smaller expected error
        (``inf``: the representation is better at every ``n₂``).
    representation_better : bool or None
        ``expected_error < ols_error`` at ``n_new``.
    constant : float
        ``C`` of ``order_bound``.
    """

    n_new: int
    n_components: int
    noise: float
    n_features: int | None
    sin_theta: float | None
    alpha_norm: float | None
    b_perp_norm: float | None
    bias2: float
    order_bound: float
    expected_error: float
    expected_error_is_exact: bool
    ols_error: float | None
    n_new_break_even: float | None
    representation_better: bool | None
    constant: float

    def to_frame(self):
        """The configuration and the errors as a one-row table."""
        import pandas as pd

        return pd.DataFrame([{k: getattr(self, k) for k in self.__dataclass_fields__}])

    def summary(self):
        """A :class:`~sktransfer.utils._report.Summary`."""
        info = [("new-task samples n2", self.n_new),
                ("n_components r", self.n_components), ("noise sigma", self.noise)]
        if self.sin_theta is not None:
            info += [("sin theta", self.sin_theta), ("||alpha_0||", self.alpha_norm)]
        info += [("||b_perp||^2 used", self.bias2),
                 ("order bound", self.order_bound),
                 ("expected error (Gaussian)", self.expected_error)]
        if self.n_features is not None:
            info += [("n_features d", self.n_features),
                     ("OLS in R^d expected error", self.ols_error),
                     ("break-even n2", self.n_new_break_even),
                     ("representation better", self.representation_better)]
        notes = ["order bound: C (||alpha_0||^2 sin^2 theta + sigma^2 r / n2), "
                 "Tripuraneni, Jin & Jordan 2021 (needs n2 >~ r log n2): an order.",
                 "expected error: exact for x ~ N(0, I), a fixed representation and "
                 "least squares, ||b_perp|| = ||(I - B B^T) beta_0||."]
        if self.sin_theta is None and self.b_perp_norm is None:
            notes.append("sin_theta and b_perp_norm not given: a perfect "
                         "representation (b_perp = 0) is assumed.")
        elif not self.expected_error_is_exact:
            notes.append("b_perp_norm not given: ||b_perp|| = sin theta ||alpha_0|| "
                         "(its largest value), so the expected error is an upper "
                         "bound.")
        if self.n_new_break_even is not None and math.isinf(self.n_new_break_even):
            notes.append("With b_perp = 0 the representation beats OLS at every n2.")
        return Summary("New-task error in a learned representation", tuple(info), None,
                       tuple(notes))

    def errors(self, n_new):
        """Expected errors at other ``n₂`` (same configuration).

        Returns
        -------
        representation, ols : ndarray
            ``ols`` is ``None`` without ``n_features``.
        """
        n = np.asarray(n_new, dtype=float)
        return _exact_error(n, self.n_components, self.noise**2, self.bias2), (
            None if self.n_features is None
            else _ols_error(n, self.n_features, self.noise**2))

    def plot(self, ax=None, n_new=None):
        """Expected new-task error against ``n₂``: representation vs OLS.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        if n_new is None:
            hi = max(self.n_new, self.n_components + 3, self.n_features or 0) * 10
            if self.n_new_break_even is not None and math.isfinite(
                    self.n_new_break_even):
                hi = max(hi, 3 * self.n_new_break_even)
            n_new = np.unique(np.geomspace(self.n_components + 2, hi, 200).round())
        rep, ols = self.errors(n_new)
        ax.loglog(n_new, rep, label="least squares in the representation")
        if ols is not None:
            ok = np.isfinite(ols)
            ax.loglog(np.asarray(n_new)[ok], ols[ok], label="OLS in R^d")
            if self.n_new_break_even is not None and math.isfinite(
                    self.n_new_break_even):
                ax.axvline(self.n_new_break_even, color="gray", linestyle=":",
                           label="break-even")
        ax.plot([self.n_new], [self.expected_error], "k*", markersize=12)
        ax.set_xlabel("new-task samples n2")
        ax.set_ylabel("E||β̂ - β0||²")
        ax.legend()
        return ax

    def __str__(self):
        return str(self.summary())


def _exact_error(n, r, s2, b2):
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = b2 + (s2 + b2) * r / (n - r - 1)
    return np.where(n > r + 1, out, np.inf)


def _ols_error(n, d, s2):
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = s2 * d / (n - d - 1)
    return np.where(n > d + 1, out, np.inf)


def _break_even(r, d, s2, b2):
    """The ``n > d + 1`` beyond which OLS wins (see :func:`transfer_bound`)."""
    if b2 == 0.0:
        return math.inf if s2 > 0 else float(d + 1)
    if s2 == 0.0:
        return float(d + 1)
    # f(n) = b2 + c r/(n - r - 1) - s2 d/(n - d - 1), c = s2 + b2; times
    # (n - r - 1)(n - d - 1) > 0 gives a2 n² + a1 n + a0 with a2 = b2 > 0, negative
    # at n = d + 1 (value -s2 d (d - r) < 0): the larger root is the one crossing.
    c = s2 + b2
    a2 = b2
    a1 = -b2 * (r + d + 2) + c * r - s2 * d
    a0 = b2 * (r + 1) * (d + 1) - c * r * (d + 1) + s2 * d * (r + 1)
    disc = math.sqrt(max(a1 * a1 - 4.0 * a2 * a0, 0.0))
    q = -0.5 * (a1 + math.copysign(disc, a1))
    roots = [q / a2] + ([a0 / q] if q != 0 else [])
    return float(max(roots))


@_within_float_range
def transfer_bound(n_new, n_components, noise, *, sin_theta=None, alpha_norm=None,
                   b_perp_norm=None, n_features=None, constant=1.0):
    r"""New-task error of least squares in a learned representation, and OLS.

    A new task ``y = xᵀβ_0 + σε`` with ``β_0 = Bα_0`` is fit by least squares
    in a learned ``B̂`` (``d×r``, orthonormal) from ``n₂`` samples
    (Algorithm 2 of TJJ21): ``α̂ = argmin ‖y - XB̂α‖``, ``β̂ = B̂α̂``.

    * **Order** (TJJ21, for ``n₂ ≳ r log n₂``):
      ``‖β̂ - β_0‖² <= Õ(‖α_0‖² sin²θ(B̂, B) + σ² r/n₂)``; returned as
      ``C (‖α_0‖² sin²θ + σ² r/n₂)`` with ``C = constant``: an order, not a
      calibrated prediction.
    * **Exact Gaussian expectation.** For ``x ~ N(0, I_d)`` and ``B̂`` fixed
      (independent of the new task), with ``b⊥ = (I - B̂B̂ᵀ)β_0``:

      .. math::

          E\|\hat\beta - \beta_0\|^2 = \|b_\perp\|^2
              + (\sigma^2 + \|b_\perp\|^2)\,\frac{r}{n_2 - r - 1},
          \qquad n_2 > r + 1,

      because ``x ᵀb⊥`` is independent of ``XB̂`` and acts as extra noise of
      variance ``‖b⊥‖²``, and ``E tr (B̂ᵀXᵀXB̂)^{-1} = r/(n₂ - r - 1)``
      (inverse Wishart). ``‖b⊥‖ <= sin θ ‖α_0‖``; give ``b_perp_norm`` for the
      exact value, else ``sin_theta`` and ``alpha_norm`` give its worst case
      (an upper bound), else ``b⊥ = 0``. For isotropic ``x`` this is also the
      excess prediction risk.
    * **OLS in R^d:** ``E‖β̂_OLS - β_0‖² = σ² d/(n₂ - d - 1)`` for
      ``n₂ > d + 1`` (needs ``n_features``).
    * **Break-even.** Both errors decrease in ``n₂``; the representation's
      tends to ``‖b⊥‖² > 0``, OLS's to 0. Below ``n₂ = d + 2`` OLS has
      infinite expected error, so the representation (``r < d``) always wins
      there; ``n_new_break_even`` is the ``n₂`` where the two are equal (the
      larger root of a quadratic), OLS winning beyond it. With ``b⊥ = 0`` and
      ``σ > 0`` the representation wins at every ``n₂``
      (``r(n - d - 1) < d(n - r - 1)`` for ``n > 1``):
      ``n_new_break_even = inf``. It never wins beyond ``n₂ = d + 1`` when
      ``σ = 0`` and ``b⊥ ≠ 0`` (OLS is exact there): ``d + 1``.

    Parameters
    ----------
    n_new : int
        ``n₂``, samples of the new task.
    n_components : int
        ``r``.
    noise : float
        Noise standard deviation ``σ >= 0`` of the new task.
    sin_theta : float, default=None
        ``sin θ(B̂, B)`` in ``[0, 1]`` (e.g. :func:`subspace_distance` or
        :func:`representation_bound`); needs ``alpha_norm``.
    alpha_norm : float, default=None
        ``‖α_0‖ = ‖β_0‖`` of the new task.
    b_perp_norm : float, default=None
        ``‖(I - B̂B̂ᵀ)β_0‖`` when known (at most ``sin_theta·alpha_norm`` when
        those are given).
    n_features : int, default=None
        ``d > r``, for the comparison with OLS in ``R^d``.
    constant : float, default=1.0
        ``C`` of the order bound.

    Returns
    -------
    TransferBound

    References
    ----------
    .. [1] N. Tripuraneni, C. Jin and M. I. Jordan. Provable meta-learning of
       linear representations. ICML 2021 (Algorithm 2 and its guarantee).

    Examples
    --------
    >>> from sktransfer.representation import transfer_bound
    >>> res = transfer_bound(20, 3, 1.0, sin_theta=0.1, alpha_norm=1.0,
    ...                      n_features=50)
    >>> round(res.expected_error, 4), res.ols_error, res.representation_better
    (0.1994, inf, True)
    """
    n2 = check_int(n_new, "n_new", 1)
    r = check_int(n_components, "n_components", 1)
    sigma = check_real(noise, "noise", 0.0)
    C = check_real(constant, "constant", 0.0, strict=True)
    d = None
    if n_features is not None:
        d = check_int(n_features, "n_features", 1)
        if d <= r:
            raise ValueError(
                f"n_features must be > n_components={r} (a representation that "
                f"does not reduce the dimension is OLS), got n_features={d}."
            )
    if (sin_theta is None) != (alpha_norm is None):
        raise ValueError("sin_theta and alpha_norm go together: give both or neither.")
    worst = None
    if sin_theta is not None:
        sin_theta = check_real(sin_theta, "sin_theta", 0.0)
        if sin_theta > 1:
            raise ValueError(f"sin_theta must be in [0, 1], got {sin_theta!r}.")
        alpha_norm = check_real(alpha_norm, "alpha_norm", 0.0)
        worst = (sin_theta * alpha_norm) ** 2
    if b_perp_norm is not None:
        b_perp_norm = check_real(b_perp_norm, "b_perp_norm", 0.0)
        if worst is not None and b_perp_norm**2 > worst * (1 + 1e-9) + 1e-300:
            raise ValueError(
                f"b_perp_norm={b_perp_norm!r} exceeds sin_theta*alpha_norm="
                f"{math.sqrt(worst)!r}, its largest possible value."
            )
        bias2 = b_perp_norm**2
    else:
        bias2 = 0.0 if worst is None else worst
    s2 = sigma**2
    order = C * ((bias2 if worst is None else worst) + s2 * r / n2)
    exact = float(_exact_error(n2, r, s2, bias2))
    ols = brk = better = None
    if d is not None:
        ols = float(_ols_error(n2, d, s2))
        brk = _break_even(r, d, s2, bias2)
        better = bool(exact < ols)
    return TransferBound(
        n_new=n2, n_components=r, noise=sigma, n_features=d, sin_theta=sin_theta,
        alpha_norm=alpha_norm, b_perp_norm=b_perp_norm, bias2=float(bias2),
        order_bound=float(order), expected_error=exact,
        expected_error_is_exact=bool(b_perp_norm is not None or worst is None),
        ols_error=ols, n_new_break_even=brk, representation_better=better,
        constant=C,
    )
