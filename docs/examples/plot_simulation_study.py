"""
A simulation study: when does transfer pay?
===========================================

A small Monte-Carlo study in the ADEMP structure (Morris, White & Crowther,
2019) with :mod:`sktransfer.simulation`. The target sample is small; four
source samples are offered, of which ``n_informative`` have coefficients
close to the target's. Three methods are compared on the same data sets:

* the Lasso on the target rows alone,
* the Lasso on all rows pooled, as if the sources were target data,
* :class:`~sktransfer.linear_model.TransLasso` (Li, Cai & Li, 2022), which
  pools the sources, corrects the pooled fit on the target and aggregates
  over candidate source sets.

See :ref:`the user guide <simulation>` for the details of every piece.
"""

# %%
# Data-generating mechanism
# -------------------------
# :func:`~sktransfer.datasets.make_trans_lasso_regression` draws the
# Trans-Lasso design: a target of 60 rows with 5 non-zero coefficients among
# 100, and 4 sources of 100 rows. The first ``n_informative`` sources differ
# from the target in ``h = 2`` random coordinates (and in coordinate 0, as
# every source does); the others in ten. The grid makes one *cell* per value
# of ``n_informative``.
from sklearn.linear_model import LassoCV

from sktransfer.datasets import make_trans_lasso_regression
from sktransfer.linear_model import TransLasso
from sktransfer.simulation import DGM, Method, Study

dgm = DGM(
    make_trans_lasso_regression,
    grid={"n_informative": [0, 2, 4]},
    params=dict(n_target=60, n_source=100, n_sources=4, n_features=100,
                n_nonzero=5, h=2),
)
print(dgm.points())

# %%
# Methods and performance measures
# --------------------------------
# A scikit-learn estimator is cloned for every data set; ``rows`` says which
# rows it is fitted on. :class:`~sktransfer.linear_model.TransLasso` takes
# ``sample_domain``, so by default it gets all rows with their domain labels.
# The metrics are the estimation error :math:`\|\hat\beta - \beta\|_2` and
# the true and false positive rates of the estimated support.
methods = {
    "Lasso (target)": Method(LassoCV(), rows="target"),
    "Lasso (pooled)": Method(LassoCV(), rows="all"),
    "Trans-Lasso": TransLasso(),
}
study = Study(dgm, methods, metrics=["l2_error", "tpr", "fpr"], n_reps=12,
              random_state=0)
study

# %%
# Run
# ---
# Two worker processes share the repetitions. Every repetition has its own
# seed (a child of ``SeedSequence(0)``), so ``n_jobs=1`` or a dask cluster
# would give the same table, bit for bit.
result = study.run(n_jobs=2, progress=False)
result.to_frame().head()

# %%
# Every entry of the summary is an estimate over the 12 repetitions and, in
# brackets, its Monte-Carlo standard error. Trans-Lasso finds the whole
# support but its false-positive rate is high: its estimate aggregates
# several fits (and adds a correction fitted on the target), so it is not
# sparse. It is built for estimation and prediction, not support recovery.
print(result.summary())

# %%
# Estimation error against the number of informative sources, with
# :math:`\pm 1.96` Monte-Carlo standard errors. With no informative source,
# pooling hurts (negative transfer) while Trans-Lasso stays close to the
# target-only Lasso. With two informative sources of four, Trans-Lasso
# borrows from them and beats both; when every source is informative, pooling
# everything is about as good.
fig = result.plot("l2_error", x="n_informative")

# %%
# For a paper, ``result.to_latex()`` gives the same table as a LaTeX
# ``tabular``; ``result.summary().to_markdown()`` a Markdown one.
print(result.summary().to_markdown())
