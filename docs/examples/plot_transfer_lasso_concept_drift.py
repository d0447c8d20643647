"""
Tracking a drifting sparse model with the Transfer Lasso
========================================================

Data often arrive in periods, and the model that generates them changes a
little from one period to the next ("concept drift"). Refitting a Lasso on
each new, small sample throws away what was learned before; pooling all
periods keeps outdated coefficients. The Transfer Lasso (Takada & Fujisawa,
2020) fits each period on its own sample but uses the previous period's
estimate :math:`\\tilde\\beta` as the source:

.. math::

   \\frac{1}{2n}\\|y - X\\beta\\|_2^2 + \\alpha\\bigl(\\rho\\|\\beta\\|_1
   + (1-\\rho)\\|\\beta - \\tilde\\beta\\|_1\\bigr),

so each coefficient either stays at 0, stays at its previous value, or moves.
When only a few coefficients change per period, few have to move.

This example follows one simulated sequence. To compare estimators over many
repetitions, with Monte-Carlo standard errors, run a simulation study
(:class:`sktransfer.simulation.Study`).
"""

# %%
# A drifting sparse model
# -----------------------
# :func:`~sktransfer.datasets.make_concept_drift` draws 8 periods of 50 rows
# with 200 features. The true coefficient vector has 10 non-zeros, and
# between consecutive periods exactly 2 coordinates change: either one
# coordinate leaves the support and another enters, or two coefficients
# change value by ``drift_scale``.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold

from sktransfer.datasets import make_concept_drift
from sktransfer.linear_model import TransferLassoCV

data = make_concept_drift(n_periods=8, n_samples_per_period=50,
                          n_features=200, n_informative=10, n_drift=2,
                          drift_scale=0.5, noise=1.0, random_state=0)
n_periods = data.coefs.shape[0]
changed = (np.diff(data.coefs, axis=0) != 0).sum(axis=1)
print("coordinates that change between periods:", changed)

# %%
# Refit Lasso versus Transfer Lasso
# ---------------------------------
# Both are tuned the same way: :class:`~sktransfer.linear_model.TransferLassoCV`
# with the same ``alpha`` grid and the same 5-fold split. The Lasso is
# ``l1_ratio=1``; the Transfer Lasso chooses ``l1_ratio`` in
# ``{0.25, 0.5, 1}`` (1 lets it fall back to the Lasso when the source does
# not help) and takes the previous period's Transfer Lasso estimate as
# ``source_coef``. In the first period there is no source, and both are the
# Lasso.
cv = KFold(5, shuffle=True, random_state=0)
settings = dict(n_alphas=20, eps=1e-2, cv=cv)

lasso_coefs, transfer_coefs, ratios = [], [], []
source = None
for t in range(n_periods):
    rows = data.period == t
    X, y = data.X[rows], data.y[rows]
    lasso = TransferLassoCV(l1_ratio=1.0, **settings).fit(X, y)
    if source is None:
        transfer = lasso
    else:
        transfer = TransferLassoCV(l1_ratio=(0.25, 0.5, 1.0),
                                   source_coef=source, **settings).fit(X, y)
    source = transfer.coef_
    lasso_coefs.append(lasso.coef_)
    transfer_coefs.append(transfer.coef_)
    ratios.append(transfer.l1_ratio_)

lasso_coefs, transfer_coefs = np.array(lasso_coefs), np.array(transfer_coefs)
lasso_error = np.linalg.norm(lasso_coefs - data.coefs, axis=1)
transfer_error = np.linalg.norm(transfer_coefs - data.coefs, axis=1)
print("selected l1_ratio per period:", ratios)
print("mean l2 error over periods 1-7: Lasso %.2f, Transfer Lasso %.2f"
      % (lasso_error[1:].mean(), transfer_error[1:].mean()))

# %%
# The Transfer Lasso accumulates information: its error falls over the
# periods, while the refit Lasso starts afresh from 50 rows each time. On
# the right, the four coordinates that drift the most in this sequence: the
# true coefficient (line) and the two estimates per period. The Transfer
# Lasso keeps a coefficient where it was until the data show that it moved;
# the price is a lag, and a small change can go unnoticed for a while, the
# coefficient staying pinned at its previous value.
drifting = np.argsort(np.abs(np.diff(data.coefs, axis=0)).sum(axis=0))[-4:]
periods = np.arange(n_periods)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
ax1.plot(periods, lasso_error, "o-", label="Lasso (refit)")
ax1.plot(periods, transfer_error, "s-", label="Transfer Lasso")
ax1.set_xlabel("period")
ax1.set_ylabel(r"$\|\hat\beta - \beta^{(t)}\|_2$")
ax1.set_ylim(bottom=0)
ax1.set_title("estimation error")
ax1.legend()

for color, j in zip(["C0", "C1", "C2", "C3"], drifting):
    ax2.step(periods, data.coefs[:, j], where="mid", color=color, lw=2,
             alpha=0.5, label=f"feature {j}")
    ax2.plot(periods, transfer_coefs[:, j], "s", color=color)
    ax2.plot(periods, lasso_coefs[:, j], "x", color=color)
ax2.plot([], [], "s", color="0.3", label="Transfer Lasso")
ax2.plot([], [], "x", color="0.3", label="Lasso (refit)")
ax2.axhline(0, color="k", lw=0.5)
ax2.set_xlabel("period")
ax2.set_ylabel("coefficient")
ax2.set_title("drifting coefficients: truth (line) and estimates")
ax2.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
plt.show()

# %%
# One sequence is one draw: averaged over repetitions, with Monte-Carlo
# standard errors, such comparisons are simulation studies
# (:class:`sktransfer.simulation.Study`; ``sktransfer demo`` runs one on the
# Trans-Lasso design).
