"""
Learning a shared representation from many small tasks
=======================================================

Hundreds to thousands of related regression tasks, each with 25 or 50
samples in 20 or 50 dimensions, share a 3-dimensional linear
representation: task ``j`` draws ``y = xᵀ B α_j + ε``. Tripuraneni, Jin &
Jordan (ICML 2021) learn ``B`` from all the tasks together, by the method of
moments (MoM) and by least squares, and then fit a new task with only
``r = 3`` unknowns instead of ``d``. This
works only when the tasks are *diverse*: their coefficients must spread over
all ``r`` directions. We check the three claims that matter in practice:

1. the subspace error ``sin θ(B̂, B)`` falls as ``N^{-1/2}`` in the total
   number of samples ``N``, and altmin started at MoM is more accurate
   than MoM;
2. a new task is learned from a handful of samples, with the error the
   exact Gaussian formula predicts, far better than least squares in
   ``R^d``, up to a break-even sample size;
3. when the tasks span fewer than ``r`` directions the diagnostics say that
   the representation is not identified.

See :ref:`the user guide <representation>`.
"""

# %%
# The subspace error against the total sample size
# -------------------------------------------------
# :func:`~sktransfer.datasets.make_low_rank_tasks` draws ``B`` uniformly at
# random and the task coefficients from ``N(0, I_r/r)`` (the well-conditioned
# prior: task diversity ``ν ≈ 1/r``, average condition number ``κ̄ ≈ 1``).
# We keep 50 samples per task, grow the number of tasks, and measure the
# largest principal angle between ``span(B̂)`` and ``span(B)`` with
# :func:`~sktransfer.representation.subspace_distance`, for MoM alone and for
# the default ``method="mom+altmin"``.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.frozen import FrozenEstimator

from sktransfer.datasets import make_low_rank_tasks
from sktransfer.representation import (
    LinearRepresentation,
    RepresentationTransferRegressor,
    mom_diversity,
    representation_bound,
    subspace_distance,
    task_diversity,
    transfer_bound,
)

d, r, n = 20, 3, 50
n_tasks_grid = np.array([200, 400, 800, 1600, 3200])
n_total = n * n_tasks_grid
methods = ["mom", "mom+altmin"]
n_reps = 3
sin_theta = {m: np.zeros((len(n_tasks_grid), n_reps)) for m in methods}
for i, t in enumerate(n_tasks_grid):
    for seed in range(n_reps):
        X, y, tasks, B, A = make_low_rank_tasks(t, n, d, r, random_state=seed)
        for m in methods:
            with warnings.catch_warnings():
                # at the smallest N the 3rd MoM eigenvalue is close to the noise
                # bulk and "mom" says so; that is the point of the experiment
                warnings.simplefilter("ignore", UserWarning)
                rep = LinearRepresentation(n_components=r, method=m).fit(
                    X, y, sample_domain=tasks)
            sin_theta[m][i, seed] = subspace_distance(rep.components_, B)

fig, ax = plt.subplots(layout="constrained")
for m, marker in zip(methods, "os"):
    mean = sin_theta[m].mean(axis=1)
    se = sin_theta[m].std(axis=1, ddof=1) / np.sqrt(n_reps)
    slope = np.polyfit(np.log(n_total), np.log(mean), 1)[0]
    ax.errorbar(n_total, mean, yerr=2 * se, marker=marker, capsize=3,
                label=f"{m} (fitted slope {slope:.2f})")
    # a slope -1/2 guide through the geometric mean of the points
    level = np.exp(np.mean(np.log(mean) + 0.5 * np.log(n_total)))
    ax.plot(n_total, level / np.sqrt(n_total), color="gray", linestyle="--",
            linewidth=0.8)
    print(f"{m:>10}: sin θ from {mean[0]:.3f} (N = {n_total[0]:,}) to "
          f"{mean[-1]:.3f} (N = {n_total[-1]:,}), log-log slope {slope:.2f}")
ax.plot(n_total, [representation_bound(N, d, r, diversity=1 / r).sin_theta
                  for N in n_total], color="k", linestyle=":",
        label="TJJ21 Thm 3 order, C = 1")
ax.plot([], [], color="gray", linestyle="--", linewidth=0.8,
        label="slope −1/2 guides")
ax.set(xscale="log", yscale="log", xlabel="total samples N = n t",
       ylabel="sin θ(B̂, B), mean of 3 ± 2 s.e.",
       title=f"d = {d}, r = {r}, {n} samples per task")
ax.legend()
plt.show()

# %%
# Both estimators fall at the ``N^{-1/2}`` rate of Theorem 3 of TJJ21, and
# altmin from the MoM start is several times more accurate at every ``N``.
# The theorem's rate ``sqrt(κ̄ d r/(ν N))`` (here with ``C = 1``) has the
# right slope but is an *order*: it does not predict the constant.

# %%
# A new task from a handful of samples
# ------------------------------------
# Now ``d = 50``: 1 000 source tasks of 25 samples (``N = 25 000``) teach the
# representation. A new task with ``‖α_0‖ = 1`` is fitted by least squares in
# ``span(B̂)`` (TJJ21's Algorithm 2,
# :class:`~sktransfer.representation.RepresentationTransferRegressor` with the
# pre-fitted representation wrapped in
# :class:`~sklearn.frozen.FrozenEstimator`) and, for comparison, by ordinary
# least squares in ``R^d`` (the same regressor with no representation and no
# source rows). For a fixed ``B̂`` and ``x ~ N(0, I)`` the expected error is
# exactly
#
# .. math::
#
#    E\|\hat\beta - \beta_0\|^2 = \|b_\perp\|^2
#        + (\sigma^2 + \|b_\perp\|^2)\,\frac{r}{n_2 - r - 1}
#    \quad\text{vs}\quad
#    \frac{\sigma^2 d}{n_2 - d - 1}\ \text{for OLS},
#
# with ``b⊥ = (I − B̂B̂ᵀ)β_0`` the part of the new task that the learned
# representation cannot express; :func:`~sktransfer.representation.transfer_bound`
# computes both and the break-even ``n₂`` beyond which OLS wins.
d, r, t, n, noise = 50, 3, 1000, 25, 1.0
X, y, tasks, B, A = make_low_rank_tasks(t, n, d, r, noise=noise, random_state=0)
fitted = {m: LinearRepresentation(n_components=r, method=m).fit(
    X, y, sample_domain=tasks) for m in methods}

rng = np.random.default_rng(1)
alpha0 = rng.standard_normal(r)
alpha0 /= np.linalg.norm(alpha0)
beta0 = B @ alpha0
bounds = {}
for m, rep in fitted.items():
    B_hat = rep.components_
    b_perp = np.linalg.norm(beta0 - B_hat @ (B_hat.T @ beta0))
    bounds[m] = transfer_bound(20, r, noise, b_perp_norm=b_perp, n_features=d)
    print(f"{m:>10}: sin θ = {subspace_distance(B_hat, B):.3f}, "
          f"‖b⊥‖ = {b_perp:.3f}, break-even n₂ = "
          f"{bounds[m].n_new_break_even:,.0f}")

# %%
# The Monte-Carlo experiment: 150 draws of the new task's data at each
# ``n₂``, the same draws for every method. (OLS starts at ``n₂ = 60``: its
# expected error is infinite for ``n₂ <= d + 1`` and its Monte-Carlo mean
# unstable just above.)
n_new_grid = np.array([8, 12, 20, 40, 60, 100, 200, 400, 800, 1600])
n_draws = 150
models = {m: RepresentationTransferRegressor(FrozenEstimator(rep))
          for m, rep in fitted.items()}
models["OLS in R^d"] = RepresentationTransferRegressor()
errors = {name: np.full((len(n_new_grid), n_draws), np.nan) for name in models}
for i, n_new in enumerate(n_new_grid):
    for k in range(n_draws):
        X0 = rng.standard_normal((n_new, d))
        y0 = X0 @ beta0 + noise * rng.standard_normal(n_new)
        for name, model in models.items():
            if name == "OLS in R^d" and n_new < 60:
                continue
            coef = model.fit(X0, y0).coef_
            errors[name][i, k] = np.sum((coef - beta0) ** 2)

fig, ax = plt.subplots(layout="constrained")
grid = np.geomspace(n_new_grid[0], n_new_grid[-1], 200)
for (name, err), color in zip(errors.items(), ["C0", "C1", "C2"]):
    ok = ~np.isnan(err[:, 0])
    mean = err[ok].mean(axis=1)
    se = err[ok].std(axis=1, ddof=1) / np.sqrt(n_draws)
    ax.errorbar(n_new_grid[ok], mean, yerr=2 * se, marker="o", linestyle="none",
                color=color, capsize=3, label=f"{name} (Monte Carlo)")
rep_mom, ols = bounds["mom"].errors(grid)
rep_alt, _ = bounds["mom+altmin"].errors(grid)
ax.plot(grid, rep_mom, color="C0", label="exact: mom")
ax.plot(grid, rep_alt, color="C1", label="exact: mom+altmin")
ax.plot(grid[grid > 55], ols[grid > 55], color="C2", label="exact: OLS")
ax.axvline(bounds["mom"].n_new_break_even, color="C0", linestyle=":",
           label="break-even (mom)")
ax.set(xscale="log", yscale="log", xlabel="new-task samples n₂",
       ylabel="‖β̂ − β₀‖², mean of 150 ± 2 s.e.",
       title=f"d = {d}, r = {r}, N = {t * n:,} source samples")
ax.legend(fontsize="small")
plt.show()

# %%
# With 20 samples, fewer than the 50 unknowns of OLS, the altmin
# representation brings the error to about 0.2, against ``‖β_0‖² = 1`` for
# predicting 0; OLS needs more than 51 samples for a finite expected error.
# The representation's error levels off at ``‖b⊥‖²``, so OLS eventually
# wins: beyond about 600 samples with the coarser MoM representation, only
# beyond thousands with the altmin one. The Monte-Carlo means sit on the
# exact curves.
print(bounds["mom"].summary())

# %%
# Diagnosing task diversity
# -------------------------
# How diverse were the source tasks? :func:`~sktransfer.representation.task_diversity`
# computes ``ν = σ_r(AᵀA/t)``, ``κ̄`` and the effective rank from task
# coefficients. The true ``A`` is unknown in practice; the estimated
# coefficients are noisy, which inflates ``ÂᵀÂ/t`` by the average noise
# covariance ``S̄``, and ``noise_covariances`` subtracts it. The coefficients
# must come from tasks that did *not* choose ``B̂``: a representation fitted
# to the same tasks picks its weakest direction partly to fit their noise,
# which the subtraction does not undo. So we cross-fit: learn ``B̂`` on half
# of the tasks and estimate the coefficients of the other half in it. The
# fitted estimator's own ``diversity_`` is computed from its ``task_coefs_``
# (debiased), but its ``identified`` flag allows for that selection.
# :func:`~sktransfer.representation.mom_diversity` needs no coefficients: it
# reads ``ν`` off the eigengap of the moment matrix, ``2ν`` above the noise
# bulk.


def task_fits(B_hat, X, y, tasks):
    """Per-task least squares in span(B_hat) and the covariances of its noise."""
    Z = X @ B_hat
    coefs, grams, rss, dof = [], [], 0.0, 0
    for j in np.unique(tasks):
        Zj, yj = Z[tasks == j], y[tasks == j]
        coef = np.linalg.lstsq(Zj, yj, rcond=None)[0]
        coefs.append(coef)
        grams.append(Zj.T @ Zj)
        rss += np.sum((yj - Zj @ coef) ** 2)
        dof += len(yj) - Zj.shape[1]
    return np.array(coefs), rss / dof * np.linalg.inv(np.array(grams))


def diagnose(X, y, tasks, A, r):
    """Diversity from the true A, cross-fitted coefficients and the MoM spectrum."""
    half = tasks <= tasks.max() // 2
    rows = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows["true A"] = task_diversity(A)
        rep = LinearRepresentation(n_components=r).fit(
            X[half], y[half], sample_domain=tasks[half])
        coefs, covs = task_fits(rep.components_, X[~half], y[~half], tasks[~half])
        rows["coefficients, raw"] = task_diversity(coefs)
        rows["coefficients, debiased"] = task_diversity(coefs,
                                                         noise_covariances=covs)
        rep_all = LinearRepresentation(n_components=r).fit(
            X, y, sample_domain=tasks)
        rows["diversity_ of the fit"] = rep_all.diversity_
        rows["moment spectrum"] = mom_diversity(rep_all.moment_eigenvalues_, r,
                                                y=y)
        auto = LinearRepresentation(method="mom").fit(X, y, sample_domain=tasks)
    print(f"{'':>24} {'nu':>7} {'kappa_bar':>9} {'floor':>7}  identified")
    for name, res in rows.items():
        print(f"{name:>24} {res.diversity:7.3f} {res.avg_condition_number:9.3g} "
              f"{res.noise_floor:7.3f}  {res.identified}")
    print(f"n_components='auto' chooses r = {auto.n_components_}")
    for w in caught:
        print(f"{w.category.__name__}: {w.message}")
    return rows


print("Well-conditioned tasks")
well = diagnose(X, y, tasks, A, r)

# %%
# Every estimate is close to the truth and the representation is identified.
# The raw coefficient estimate overstates ``ν`` by the noise level; the
# debiased ones and the moment estimate do not.
#
# When the tasks span fewer directions than ``r``
# ------------------------------------------------
# With ``task_prior="low-diversity"`` the task coefficients use only 2 of the
# 3 columns of ``B``: ``ν = 0``, and the third column carries no signal in any
# task. No amount of data identifies it.
X_low, y_low, tasks_low, B_low, A_low = make_low_rank_tasks(
    t, n, d, r, noise=noise, task_prior="low-diversity", random_state=0)
print("Low-diversity tasks")
low = diagnose(X_low, y_low, tasks_low, A_low, r)

# %%
# The raw coefficient estimate alone would call the tasks diverse (noisy
# estimates always have full rank); the cross-fitted debiased one, the moment
# spectrum and the warnings of
# :class:`~sktransfer.representation.LinearRepresentation` all say the third
# direction is not identified, and ``n_components="auto"`` keeps 2. The
# fit's ``diversity_`` shows the selection effect: its ``ν̂`` stays above its
# noise floor, because the fit chose its third direction to fit the noise of
# these very tasks, but it is flagged as not identified. The scree plot of
# the cross-fitted debiased estimate: the noise correction takes the third
# eigenvalue from the noise level to 0, under the floor.
low["coefficients, debiased"].plot()
plt.show()

# %%
# What this costs a new task: one within the span the source tasks explore is
# still learned from a few samples by a 2-dimensional representation, but one
# that uses the missing direction is not helped at all: its ``b⊥`` is all of
# ``β_0``, the fit in the representation does worse than predicting 0
# (``E‖β̂ − β_0‖² > ‖β_0‖² = 1``), and OLS wins from about 100 samples on.
rep2 = LinearRepresentation(n_components=2).fit(X_low, y_low,
                                                sample_domain=tasks_low)
for label, a0 in [("in the span of the tasks", np.array([0.6, 0.8, 0.0])),
                  ("along the missing direction", np.array([0.0, 0.0, 1.0]))]:
    b0 = B_low @ a0
    b_perp = np.linalg.norm(b0 - rep2.components_ @ (rep2.components_.T @ b0))
    res = transfer_bound(20, 2, noise, b_perp_norm=b_perp, n_features=d)
    print(f"new task {label}: ‖b⊥‖ = {b_perp:.3f}, expected error at n₂ = 20: "
          f"{res.expected_error:.3f}, break-even n₂ = {res.n_new_break_even:,.0f}")
