"""
Trans-GLM: which sources to transfer from
=========================================

Five source data sets are offered to help a small target sample, but only
three of them follow (nearly) the target's model. Pooling all five hurts;
fitting the target alone wastes the good ones.
:class:`~sktransfer.linear_model.TransGLMRegressor` with
``transfer_sources="auto"`` (the default) runs the transferable-source
detection of Tian & Feng (2023): each source is pooled with part of the
target, the fit is scored on held-out target rows, and a source is kept when
its loss :math:`\\hat L_k` is at most :math:`\\hat L_0 + C_0 \\max(\\hat\\sigma,
0.01)`, with :math:`\\hat L_0` the target-only loss and :math:`\\hat\\sigma` its
standard deviation over the folds.
"""

# %%
# Data: 3 transferable sources out of 5
# -------------------------------------
# :func:`~sktransfer.datasets.make_glm_transfer` draws the glmtrans design: a
# target of 200 rows with 5 non-zero coefficients of 0.5, and five sources of
# 100 rows. Sources 1 to 3 are transferable (their coefficients are within
# :math:`\ell_1` distance ``h`` of the target's); sources 4 and 5 have
# another support and an intercept. The rows come stacked, with
# ``sample_domain`` = -1 on target rows and ``k`` on the rows of source
# ``k``.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sktransfer.datasets import make_glm_transfer
from sktransfer.linear_model import TransGLMRegressor

data = make_glm_transfer("gaussian", n_features=200, n_transferable=3, h=2,
                         random_state=0)
print(data.X.shape, np.unique(data.sample_domain, return_counts=True))
print("truly transferable:", np.flatnonzero(data.transferable) + 1)

# %%
# Fit with automatic detection
# ----------------------------
est = TransGLMRegressor(random_state=0).fit(data.X, data.y,
                                             sample_domain=data.sample_domain)
print("selected sources:", est.selected_sources_)
print("source losses:   ", np.round(est.source_losses_, 3))
print(f"target-only loss {est.target_loss_:.3f} (sd {est.target_loss_sd_:.3f}), "
      f"threshold {est.threshold_:.3f}")

# %%
# The detection at a glance: the transferable sources have validation losses
# near the target-only loss (dotted) and below the threshold (dashed); the
# other two are far above it.
ax = est.plot_source_losses()
ax.set_title("Trans-GLM source detection")
plt.tight_layout()

# %%
# Estimation error against the alternatives
# -----------------------------------------
# The same estimator with ``transfer_sources=None`` is the target-only Lasso
# (the debiasing step alone); ``"all"`` pools every source; the list
# ``[1, 2, 3]`` is the oracle that knows the transferable set.
fits = {"auto (detected)": est}
for label, spec in [("target only", None), ("all sources", "all"),
                    ("oracle [1, 2, 3]", [1, 2, 3])]:
    fits[label] = TransGLMRegressor(transfer_sources=spec, random_state=0).fit(
        data.X, data.y, sample_domain=data.sample_domain)
errors = pd.Series({label: np.linalg.norm(m.coef_ - data.coef)
                    for label, m in fits.items()}, name="l2 error")
print(errors.round(3).to_string())

fig, ax = plt.subplots(figsize=(6, 2.5))
errors.plot.barh(ax=ax, color=["tab:blue", "0.6", "tab:red", "tab:green"])
ax.set_xlabel(r"$\|\hat\beta - \beta\|_2$")
plt.tight_layout()

# %%
# Confidence intervals
# --------------------
# ``summary()`` debiases the estimate (desparsified Lasso, with the nodewise
# regressions on the target and the selected sources pooled) and tabulates
# intervals and p-values; the first five features are the true signal.
print("\n".join(est.summary().splitlines()[:16]))
