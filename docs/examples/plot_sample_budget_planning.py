"""
Planning a labelling budget: source or target labels?
=====================================================

Source labels cost 1 and target labels cost 20. With a budget of 10 000,
what should we buy, and what target error will we get? The minimax theory of
Hanneke & Kpotufe (NeurIPS 2019) answers through the *transfer exponent*
``ρ``; :class:`~sktransfer.planning.SampleBudgetPlanner` turns the answer
into an allocation. We then check the plan by simulation on a distribution
whose exponents are known exactly, and finally plan without knowing ``ρ``.
See :ref:`the user guide <planning>`.
"""

# %%
# The calculator
# --------------
# With ``ρ = 2``, no noise on either side (``β = 1``) and a class of VC
# dimension 10, the source-only rate is ``(d/n_P)^{1/2}`` and the
# target-only rate ``d/n_Q``. Below the break-even budget the cheap source
# labels win; above it the target labels do.
import matplotlib.pyplot as plt
import numpy as np

from sktransfer.planning import SampleBudgetPlanner

planner = SampleBudgetPlanner(rho=2, beta_source=1, beta_target=1, vc_dim=10,
                              cost_source=1, cost_target=20)
plan = planner.plan(budget=10_000)
print(plan.summary())
plan.plot()
plt.show()

# %%
# Covariate shift: source and target samples add
# ----------------------------------------------
# Under the covariate-shift rate of Kpotufe & Martinet (2021) a source label
# is worth a diminishing fraction of a target label. The best plan buys
# ``n_P* = (w κ c_Q / c_P)^{1/(1-κ)}`` source labels and spends the rest on
# target labels.
shift = SampleBudgetPlanner(model="covariate-shift", gamma=1, smoothness=1,
                            margin=1, dim=2, cost_source=1, cost_target=20)
for budget in [1e3, 1e5, 1e7]:
    p = shift.plan(budget=budget)
    print(f"budget {budget:>12,.0f}: {p.n_source:>9,} source + {p.n_target:>8,} "
          f"target labels, predicted risk {p.risk:.3g} ({p.regime})")
print(f"break-even budget: {shift.break_even_budget():,.0f}")

# %%
# The value of target labels when source labels are in hand
# ---------------------------------------------------------
# Under the Hanneke-Kpotufe rate, a few target labels are worth nothing: they
# help only once they beat the source sample on their own.
value = planner.value_of_target_data(5_000, target_risk=0.005)
print(value.summary())
value.plot()
plt.show()

# %%
# Checking the plan by simulation
# -------------------------------
# The threshold distributions of :data:`sktransfer.datasets.THRESHOLD_CASES`
# have exactly known exponents; in case ``"S1"``, ``ρ = 2``, ``β_P = 1/2``
# and ``β_Q = 1``. We spend budgets on source only, on target only and as the
# planner recommends (with the case's exponents, ``d = 1``, and default
# constants), fit the exact empirical-risk minimiser over thresholds, and
# measure the exact target excess risk, averaged over repetitions.
from sktransfer.datasets import THRESHOLD_CASES  # noqa: E402
from sktransfer.planning import ThresholdClassifier  # noqa: E402

case = THRESHOLD_CASES["S1"]
source, target = case.source, case.target
s1_planner = SampleBudgetPlanner(rho=case.rho, beta_source=case.beta_source,
                                 beta_target=case.beta_target, vc_dim=1,
                                 cost_source=1, cost_target=20)
rng = np.random.default_rng(0)


def excess_risk_of(n_source, n_target, reps=200):
    risks = []
    for _ in range(reps):
        domain, n = (source, n_source) if n_target == 0 else (target, n_target)
        X, y = domain.sample(n, rng)
        if np.unique(y).size == 1:  # a tiny sample of one class: predict it
            risks.append(target.excess_risk(-np.inf if y[0] else np.inf))
            continue
        h = ThresholdClassifier().fit(X, y)
        risks.append(target.excess_risk(h.threshold_, h.increasing_))
    return np.mean(risks), np.std(risks) / np.sqrt(reps)


budgets = [40, 200, 2_000, 20_000, 200_000]
rows = {"source-only": [], "target-only": [], "planner": []}
for budget in budgets:
    p = s1_planner.plan(budget=budget)
    rows["source-only"].append(excess_risk_of(budget, 0))
    rows["target-only"].append(excess_risk_of(0, budget // 20))
    rows["planner"].append(excess_risk_of(p.n_source, p.n_target))

fig, ax = plt.subplots()
for (name, values), marker in zip(rows.items(), "os^"):
    mean, se = np.array(values).T
    ax.errorbar(budgets, mean, yerr=1.96 * se, marker=marker, capsize=3,
                label=name, linestyle="--" if name != "planner" else "-")
ax.axvline(s1_planner.break_even_budget(), color="gray", linewidth=0.8,
           label="predicted break-even")
ax.set(xscale="log", yscale="log", xlabel="budget",
       ylabel="target excess risk (exact, mean of 200)")
ax.legend()
plt.show()

# %%
# Far from the break-even budget the plan is right: at 40 it buys source
# labels, at 2 000 and above target labels, and each time it matches the
# better single-sample strategy. Near the break-even it can be wrong, and is
# here at a budget of 200: with the default constants of 1 the predicted
# break-even budget is about 90, while in this simulation source labels stay
# better up to a few hundred. The rates fix exponents, not constants; when
# the constants matter, calibrate them (``constants=``) or plan adaptively.

# %%
# Planning without knowing ρ
# --------------------------
# :class:`~sktransfer.planning.SequentialSamplingPlanner` doubles the spend
# on both kinds of labels each round and stops once a held-out certificate
# shows the target error is low enough; its training spend is within four
# times the oracle's. The certificate is not free: its held-out target labels
# are paid for too (``holdout_cost``), and the tighter the requested risk,
# the more of them it needs.
from sktransfer.planning import SequentialSamplingPlanner  # noqa: E402

sequential = SequentialSamplingPlanner(
    ThresholdClassifier(), cost_source=1, cost_target=20,
    target_risk=target.bayes_risk + 0.05, initial_budget=100,
    holdout_size=1000, random_state=0)
run = sequential.run(lambda n, r: source.sample(n, r),
                     lambda n, r: target.sample(n, r))
print(run.summary())
run.plot()
plt.show()
