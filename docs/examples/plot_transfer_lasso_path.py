"""
Transfer Lasso paths: coefficients pinned at 0 and at the source
================================================================

The Transfer Lasso penalty

.. math::

   \\alpha\\bigl(\\rho\\|\\beta\\|_1
   + (1-\\rho)\\|\\beta - \\tilde\\beta\\|_1\\bigr)

has two kinks per coordinate, at :math:`0` and at the source value
:math:`\\tilde\\beta_j`, so along a path of decreasing ``alpha`` each
coefficient is either *pinned at 0*, *pinned at* :math:`\\tilde\\beta_j`, or
moves freely. ``l1_ratio`` (:math:`\\rho`) sets which kink wins at large
``alpha``:

* ``l1_ratio=1`` is the Lasso: everything starts at 0 and the source is
  ignored;
* ``l1_ratio=0.5`` weighs both kinks equally: at large ``alpha`` each
  coefficient lies between 0 and :math:`\\tilde\\beta_j`;
* ``l1_ratio=0.25`` favours the source: at large ``alpha`` the estimate *is*
  :math:`\\tilde\\beta`, and coefficients leave it only when the data insist.

This example draws the three paths with
:func:`~sktransfer.linear_model.transfer_lasso_path`.
"""

# %%
# A source that is partly wrong
# -----------------------------
# Six features. The source estimate :math:`\tilde\beta` is right about
# features 0, 1 and 5, misses feature 2 and has a spurious feature 3.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sktransfer.linear_model import transfer_lasso_path

rng = np.random.default_rng(0)
beta_true = np.array([2.0, -1.5, 1.0, 0.0, 0.0, 0.5])
beta_source = np.array([2.0, -1.5, 0.0, 0.8, 0.0, 0.5])
n_samples, n_features = 60, beta_true.size
X = rng.standard_normal((n_samples, n_features))
y = X @ beta_true + 0.5 * rng.standard_normal(n_samples)

# %%
# Paths for three values of ``l1_ratio``
# --------------------------------------
# Each panel shares the colours: a solid line is a coefficient along the
# path, the dashed line of the same colour is its source value
# :math:`\tilde\beta_j`. Flat stretches of a solid line on 0 or on its dashed
# line are the kinks at work. The printed table counts, for each
# coefficient and path, the fits (out of 50) in which it is exactly 0 and
# exactly :math:`\tilde\beta_j` (the second count is left out where
# :math:`\tilde\beta_j = 0`, as the two kinks coincide).
l1_ratios = [1.0, 0.5, 0.25]
colors = plt.cm.tab10(np.arange(n_features))

pinned = {}
fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True,
                         layout="constrained")
for ax, l1_ratio in zip(axes, l1_ratios):
    alphas, coefs, _ = transfer_lasso_path(
        X, y, l1_ratio=l1_ratio, source_coef=beta_source, n_alphas=50,
        eps=1e-3,
    )
    at_source = (coefs == beta_source[:, None]).sum(axis=1)
    pinned[l1_ratio, "at 0"] = (coefs == 0).sum(axis=1)
    pinned[l1_ratio, "at source"] = np.where(beta_source != 0, at_source, -1)
    for j in range(n_features):
        ax.plot(alphas, coefs[j], color=colors[j], label=f"$\\beta_{j}$")
        ax.axhline(beta_source[j], color=colors[j], ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("alpha (decreasing)")
    ax.set_title(f"l1_ratio = {l1_ratio}")
axes[0].set_ylabel("coefficient")
axes[-1].legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
plt.show()

table = pd.DataFrame(pinned, index=[f"beta_{j}" for j in range(n_features)])
table.columns.names = ["l1_ratio", "fits"]
print(table.astype(str).replace("-1", "-"))

# %%
# Reading the panels
# ------------------
# * With ``l1_ratio=1`` every coefficient leaves 0 in turn, as in the Lasso;
#   the dashed source values play no role.
# * With ``l1_ratio=0.5`` both kinks weigh the same. At large ``alpha`` each
#   coefficient is the least-squares fit restricted to the interval between
#   0 and :math:`\tilde\beta_j`: features 0 and 1, on which the source is
#   right, start on their dashed lines, the spurious feature 3 starts at 0,
#   and feature 2, whose interval is the single point 0, leaves 0 as
#   ``alpha`` decreases.
# * With ``l1_ratio=0.25`` the path starts exactly at :math:`\tilde\beta`.
#   The correct source values stay pinned over most of the path, the missed
#   feature 2 leaves 0 and the spurious feature 3 is pulled away from 0.8 as
#   ``alpha`` decreases: the data correct the source only where it is
#   wrong.
