r"""Sample-budget calculators: what to buy, what risk it gives, when target pays.

:class:`SampleBudgetPlanner` answers, under a rate model of
:mod:`sktransfer.planning._rates`, the questions of a practitioner who can
buy source labels at ``c_P`` each and target labels at ``c_Q`` each:

* ``plan(budget=B)``: the allocation ``(n_P, n_Q)`` with
  ``c_P n_P + c_Q n_Q ≤ B`` of smallest predicted risk;
* ``plan(target_risk=ε)``: the cheapest allocation whose predicted risk is at
  most ``ε``;
* ``break_even_budget()``: the budget at which buying target labels starts to
  beat buying source labels;
* ``value_of_target_data(n_source_in_hand)``: what additional target labels
  buy when a source sample is already in hand.

Closed forms (Hanneke & Kpotufe 2019 give a corner solution; the additive
covariate-shift model of Kpotufe & Martinet 2021 an interior optimum
``n_P* = (w κ c_Q/c_P)^{1/(1-κ)}``) are the default; ``method="numerical"``
solves the same problems with a generic one-dimensional search (used to test
the closed forms, and available for checking). Sample sizes are whole
numbers: the continuous optimum is rounded to the best feasible integer
allocation nearby.
"""

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from ..utils._report import Summary
from ..utils._validation import check_choice, check_int, check_real
from ..utils._validation import read_only as _read_only
from ._rates import rate_model

_METHODS = ("closed-form", "numerical")

#: Sample sizes beyond this are reported as unreachable rather than rounded.
MAX_LABELS = 1e15



@dataclass(frozen=True)
class Allocation:
    """One allocation: sample sizes, spend and predicted risk.

    An allocation that cannot reach the asked risk (more than
    :data:`MAX_LABELS` labels) has ``None`` sizes and infinite cost.
    """

    strategy: str
    n_source: int | None
    n_target: int | None
    cost: float
    risk: float


def _regime(n_source, n_target):
    if n_target == 0:
        return "source-only"
    if n_source == 0:
        return "target-only"
    return "mixed"


@dataclass(frozen=True, eq=False)
class BudgetPlan:
    """The planner's answer to one question (a budget or a target risk).

    Attributes
    ----------
    n_source, n_target : int
        The recommended numbers of source and target labels.
    cost : float
        ``c_P n_source + c_Q n_target``.
    risk : float
        Predicted target excess risk (an order of magnitude; see
        :mod:`sktransfer.planning._rates`).
    regime : {"source-only", "target-only", "mixed"}
        Which samples the plan buys.
    budget : float or None
        The budget asked about (``None`` when a risk was asked about).
    target_risk : float or None
        The risk asked about (``None`` when a budget was asked about).
    alternatives : tuple of Allocation
        Source-only, target-only and the optimal allocation for the same
        question (same budget, or cheapest to reach the same risk).
    break_even_budget : float
        See :meth:`SampleBudgetPlanner.break_even_budget`.
    better_below_break_even : {"source", "target"}
        Which labels are the better buy on budgets below the break-even
        budget (the other kind, or a mix, above it).
    planner : SampleBudgetPlanner
        The planner that made the plan (for :meth:`plot`).
    """

    n_source: int
    n_target: int
    cost: float
    risk: float
    regime: str
    budget: float | None
    target_risk: float | None
    alternatives: tuple
    break_even_budget: float
    better_below_break_even: str
    planner: "SampleBudgetPlanner" = field(repr=False)

    def to_frame(self):
        """The alternatives as a table (one row per strategy)."""
        import pandas as pd

        rows = [vars(a) for a in self.alternatives]
        return pd.DataFrame(rows).set_index("strategy")

    def summary(self):
        """A :class:`~sktransfer.utils._report.Summary` of the plan."""
        question = ("budget", self.budget) if self.budget is not None else (
            "target risk", self.target_risk)
        info = (question, ("regime", self.regime), ("n_source", self.n_source),
                ("n_target", self.n_target), ("cost", self.cost),
                ("predicted risk", self.risk),
                ("break-even budget", self.break_even_budget),
                ("better below it", self.better_below_break_even),
                *self.planner._describe())
        notes = ("Risks are minimax rates with the constants given (default 1): "
                 "orders of magnitude, not calibrated predictions.",)
        return Summary("Sample-budget plan", info, self.to_frame(), notes)

    def plot(self, ax=None, budgets=None):
        """Predicted risk against budget for each strategy, plan marked.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        budgets : array-like, default=None
            Budgets on the x axis (default: a log grid around the plan and
            the break-even budget).

        Returns
        -------
        matplotlib.axes.Axes
        """
        planner = self.planner
        if budgets is None:
            anchors = [self.cost] + ([self.break_even_budget] if
                                     0 < self.break_even_budget < math.inf else [])
            low = max(min(anchors) / 30.0, planner.cost_source, planner.cost_target)
            budgets = np.geomspace(low, max(anchors) * 30.0, 200)
        ax = planner.plot_frontier(budgets, ax=ax)
        ax.plot([self.cost], [self.risk], "k*", markersize=12, label="plan")
        ax.legend()
        return ax

    def __str__(self):
        return str(self.summary())


@dataclass(frozen=True, eq=False)
class TargetDataValue:
    """What additional target labels buy, given a source sample in hand.

    Attributes
    ----------
    n_source_in_hand : int
    n_target : ndarray
        Numbers of additional target labels considered.
    risk : ndarray
        Predicted risk with ``n_source_in_hand`` source and ``n_target``
        target labels.
    baseline_risk : float
        Predicted risk with the source sample alone.
    risk_reduction : ndarray
        ``baseline_risk - risk``.
    cost : ndarray
        ``c_Q n_target``.
    n_target_break_even : int
        Fewest target labels that lower the predicted risk (under
        ``"hanneke-kpotufe"`` target labels are worth nothing until they beat
        the source sample on their own; under ``"covariate-shift"`` the first
        one helps).
    target_risk : float or None
        The risk asked about, if any.
    n_target_for_risk : int or None
        Fewest target labels reaching ``target_risk`` (0 if the source sample
        already does).
    planner : SampleBudgetPlanner
    """

    n_source_in_hand: int
    n_target: np.ndarray
    risk: np.ndarray
    baseline_risk: float
    risk_reduction: np.ndarray
    cost: np.ndarray
    n_target_break_even: int
    target_risk: float | None
    n_target_for_risk: int | None
    planner: "SampleBudgetPlanner" = field(repr=False)

    def to_frame(self):
        """One row per number of additional target labels."""
        import pandas as pd

        return pd.DataFrame({"n_target": self.n_target.astype(int),
                             "cost": self.cost, "risk": self.risk,
                             "risk_reduction": self.risk_reduction})

    def summary(self):
        """A :class:`~sktransfer.utils._report.Summary`."""
        info = [("source labels in hand", self.n_source_in_hand),
                ("risk with source alone", self.baseline_risk),
                ("target labels that start to help", self.n_target_break_even)]
        if self.target_risk is not None:
            info += [("target risk", self.target_risk),
                     ("target labels to reach it", self.n_target_for_risk),
                     ("their cost", self.n_target_for_risk * self.planner.cost_target)]
        info += self.planner._describe()
        frame = self.to_frame()
        if len(frame) > 12:
            rows = np.unique(np.linspace(0, len(frame) - 1, 12).astype(int))
            frame = frame.iloc[rows]
        return Summary("Value of target data", tuple(info), frame.set_index("n_target"))

    def plot(self, ax=None):
        """Predicted risk against the number of additional target labels."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        positive = self.n_target > 0
        ax.loglog(self.n_target[positive], self.risk[positive], label="source + target")
        ax.axhline(self.baseline_risk, color="gray", linestyle="--",
                   label=f"{self.n_source_in_hand:,} source labels alone")
        if 0 < self.n_target_break_even <= self.n_target.max():
            ax.axvline(self.n_target_break_even, color="C3", linestyle=":",
                       label="target labels start to help")
        if self.target_risk is not None:
            ax.axhline(self.target_risk, color="k", linewidth=0.8, label="target risk")
        ax.set_xlabel("additional target labels")
        ax.set_ylabel("predicted target excess risk")
        ax.legend()
        return ax

    def __str__(self):
        return str(self.summary())


class SampleBudgetPlanner:
    r"""How many source and target labels to buy, in the manner of a power calculator.

    Under a minimax rate model (see :func:`minimax_rate`), source labels cost
    ``cost_source`` and target labels ``cost_target`` each. Give a budget to
    get the allocation of least predicted risk, or a target risk to get the
    cheapest allocation that reaches it (:meth:`plan`).

    * ``model="hanneke-kpotufe"`` (Hanneke & Kpotufe, NeurIPS 2019): the risk
      is ``min{C_P (d/n_P)^a, C_Q (d/n_Q)^b}`` with ``a = 1/((2-β_P)ρ)``,
      ``b = 1/(2-β_Q)``. Because it is a minimum, the best use of a budget
      ``B`` is a corner: all source when ``C_P (d c_P/B)^a ≤ C_Q (d c_Q/B)^b``,
      else all target; the two cross at the break-even budget
      ``B* = [(C_Q/C_P)(d c_Q)^b (d c_P)^{-a}]^{1/(b-a)}``.
    * ``model="covariate-shift"`` (Kpotufe & Martinet, Ann. Statist. 2021):
      the risk is ``C (w n_P^κ + n_Q)^{-e}``; source labels have diminishing
      worth ``κ < 1``, so the best allocation buys ``n_P* = (w κ
      c_Q/c_P)^{1/(1-κ)}`` source labels and spends the rest on target labels
      (all source when the budget does not reach ``c_P n_P*``).

    Parameters
    ----------
    rho, beta_source, beta_target, vc_dim : float
        Parameters of ``model="hanneke-kpotufe"`` (see :func:`minimax_rate`).
    cost_source, cost_target : float > 0, default=1.0
        Price of one source and one target label.
    model : {"hanneke-kpotufe", "covariate-shift"}, default="hanneke-kpotufe"
    constants : dict, default=None
        The model's constants (see :func:`minimax_rate`); missing keys are 1.
    gamma, smoothness, margin, dim : float
        Parameters of ``model="covariate-shift"``.

    Notes
    -----
    The rates hold up to constants (and log factors in the upper bounds):
    with the default constants of 1, predicted risks are orders of
    magnitude, and allocations are right in how they scale with costs and
    budget, not to the last label. Where the constants are unknown, prefer
    the adaptive procedures (:class:`AdaptiveTransferClassifier`,
    :class:`SequentialSamplingPlanner`).

    Examples
    --------
    >>> from sktransfer.planning import SampleBudgetPlanner
    >>> planner = SampleBudgetPlanner(rho=2, beta_source=1, beta_target=1,
    ...                               vc_dim=10, cost_source=1, cost_target=20)
    >>> plan = planner.plan(budget=10_000)
    >>> plan.n_source, plan.n_target, plan.regime
    (0, 500, 'target-only')
    """

    def __init__(self, rho=None, beta_source=None, beta_target=None, vc_dim=None,
                 cost_source=1.0, cost_target=1.0, model="hanneke-kpotufe",
                 constants=None, *, gamma=None, smoothness=None, margin=None,
                 dim=None):
        self.rates = rate_model(model, constants, rho=rho, beta_source=beta_source,
                                beta_target=beta_target, vc_dim=vc_dim, gamma=gamma,
                                smoothness=smoothness, margin=margin, dim=dim)
        self.model = model
        self.cost_source = check_real(cost_source, "cost_source", 0.0, strict=True)
        self.cost_target = check_real(cost_target, "cost_target", 0.0, strict=True)

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self._describe())
        return f"{type(self).__name__}({params})"

    def _describe(self):
        """(name, value) pairs of the model, its parameters and the costs."""
        skip = {"c_source", "c_target", "scale", "source_weight"}
        params = [(k, v) for k, v in vars(self.rates).items() if k not in skip]
        constants = [(k, v) for k, v in vars(self.rates).items() if k in skip]
        return (("model", self.model), *params, *constants,
                ("cost_source", self.cost_source), ("cost_target", self.cost_target))

    # -- the rate and the integer allocations ------------------------------

    def risk(self, n_source, n_target):
        """Predicted risk of an allocation (vectorised)."""
        return self.rates.risk(np.asarray(n_source, dtype=float),
                               np.asarray(n_target, dtype=float))

    def _allocation(self, strategy, n_source, n_target):
        if n_source is None or n_target is None:
            return Allocation(strategy, None, None, math.inf, math.inf)
        return Allocation(strategy, int(n_source), int(n_target),
                          float(self.cost_source * n_source
                                + self.cost_target * n_target),
                          float(self.risk(n_source, n_target)))

    def _best_within_budget(self, budget, n_source, n_target):
        """Best whole-number allocation near the continuous ``(n_source, n_target)``.

        Candidates: each whole ``n_P`` next to ``n_source`` with all the
        target labels the rest affords, each whole ``n_Q`` next to
        ``n_target`` with all the source labels the rest affords, and the
        two corners. Least risk wins; among equal risks the cheaper.
        """
        c_p, c_q = self.cost_source, self.cost_target
        candidates = {(_affordable(budget, c_p), 0), (0, _affordable(budget, c_q))}
        for n_p in _neighbours(n_source):
            if c_p * n_p <= budget:
                candidates.add((n_p, _affordable(budget - c_p * n_p, c_q)))
        for n_q in _neighbours(n_target):
            if c_q * n_q <= budget:
                candidates.add((_affordable(budget - c_q * n_q, c_p), n_q))
        return min(candidates, key=lambda nn: (float(self.risk(*nn)),
                                               c_p * nn[0] + c_q * nn[1]))

    def _cheapest_reaching(self, risk, n_source, n_target):
        """Cheapest whole-number allocation reaching ``risk`` near the optimum.

        Candidates mirror :meth:`_best_within_budget`: each whole ``n_P``
        next to ``n_source`` with the fewest target labels that then reach
        ``risk``, each whole ``n_Q`` next to ``n_target`` with the fewest
        source labels, and the two corners.
        """
        c_p, c_q = self.cost_source, self.cost_target
        candidates = set()
        for n_p in {*_neighbours(n_source), 0}:
            candidates.add((n_p, self._fewest(risk, n_p, "target")))
        for n_q in {*_neighbours(n_target), 0}:
            candidates.add((self._fewest(risk, n_q, "source"), n_q))
        candidates = {nn for nn in candidates if None not in nn}
        if not candidates:
            raise ValueError(f"target_risk={risk!r} needs more than "
                             f"{MAX_LABELS:.0e} labels under this model.")
        return min(candidates, key=lambda nn: (c_p * nn[0] + c_q * nn[1], nn[1]))

    def _fewest(self, risk, n_other, kind):
        """Fewest ``kind`` labels reaching ``risk`` beside ``n_other`` of the
        other kind; ``None`` beyond :data:`MAX_LABELS`."""
        if kind == "target":
            n = self.rates.n_target_for(risk, n_other)
            def risk_of(k):
                return self.risk(n_other, k)
        else:
            n = self.rates.n_source_for(risk, n_other)
            def risk_of(k):
                return self.risk(k, n_other)
        if not n <= MAX_LABELS:
            return None
        n = max(math.ceil(n - 1e-9 * max(1.0, n)), 0)
        while not _reaches(risk_of(n), risk):
            n += 1
        return n

    # -- the questions ------------------------------------------------------

    def plan(self, budget=None, target_risk=None, *, method="closed-form"):
        """The best allocation for a budget, or the cheapest one for a risk.

        Give exactly one of ``budget`` and ``target_risk``.

        Parameters
        ----------
        budget : float > 0, default=None
            Money to spend; the plan has the least predicted risk among
            whole-number allocations costing at most ``budget``.
        target_risk : float > 0, default=None
            Predicted risk to reach; the plan is the cheapest whole-number
            allocation whose predicted risk is at most ``target_risk``.
        method : {"closed-form", "numerical"}, default="closed-form"
            ``"numerical"`` ignores the closed forms and searches the split
            of the budget numerically (same answers; for checking).

        Returns
        -------
        BudgetPlan
        """
        if (budget is None) == (target_risk is None):
            raise ValueError("give exactly one of budget and target_risk.")
        check_choice(method, "method", _METHODS)
        c_p, c_q = self.cost_source, self.cost_target
        if budget is not None:
            budget = check_real(budget, "budget", 0.0, strict=True)
            if budget < min(c_p, c_q):
                raise ValueError(
                    f"budget={budget!r} buys no label (cost_source={c_p!r}, "
                    f"cost_target={c_q!r})."
                )
            if method == "closed-form":
                continuous = self.rates.allocate_budget(budget, c_p, c_q)
            else:
                continuous = _numerical_budget(self.rates, budget, c_p, c_q)
            best = self._best_within_budget(budget, *continuous)
            source_only = (_affordable(budget, c_p), 0)
            target_only = (0, _affordable(budget, c_q))
        else:
            target_risk = check_real(target_risk, "target_risk", 0.0, strict=True)
            if method == "closed-form":
                continuous = self.rates.allocate_risk(target_risk, c_p, c_q)
            else:
                cheapest = _numerical_min_budget(self.rates, target_risk, c_p, c_q)
                continuous = _numerical_budget(self.rates, cheapest, c_p, c_q)
            if not all(n <= MAX_LABELS for n in continuous):
                raise ValueError(f"target_risk={target_risk!r} needs more than "
                                 f"{MAX_LABELS:.0e} labels under this model.")
            best = self._cheapest_reaching(target_risk, *continuous)
            source_only = (self._fewest(target_risk, 0, "source"), 0)
            target_only = (0, self._fewest(target_risk, 0, "target"))
        alternatives = (self._allocation("source-only", *source_only),
                        self._allocation("target-only", *target_only),
                        self._allocation("optimal", *best))
        optimal = alternatives[-1]
        return BudgetPlan(
            n_source=optimal.n_source, n_target=optimal.n_target, cost=optimal.cost,
            risk=optimal.risk, regime=_regime(*best), budget=budget,
            target_risk=target_risk, alternatives=alternatives,
            break_even_budget=self.break_even_budget(),
            better_below_break_even=self.better_below_break_even(), planner=self)

    def break_even_budget(self):
        """The budget at which buying target labels starts to beat buying source.

        ``"hanneke-kpotufe"``: where source-only and target-only predicted
        risks are equal (source wins below it when ``a < b``, i.e. in the
        usual case ``ρ ≥ 1``; the other way round when ``a > b``); ``inf``
        if source always wins, ``0.0`` if target always wins.
        ``"covariate-shift"``: the budget above which the optimal allocation
        buys target labels, ``c_P n_P*``.

        Returns
        -------
        float

        See Also
        --------
        better_below_break_even : which labels win on smaller budgets.
        """
        return float(self.rates.break_even_budget(self.cost_source, self.cost_target))

    def better_below_break_even(self):
        """``"source"`` or ``"target"``: the better buy below the break-even budget.

        ``"source"`` in the usual case (``ρ ≥ 1`` under
        ``"hanneke-kpotufe"``, always under ``"covariate-shift"`` with
        ``γ > 0``); with a break-even budget of ``inf`` or ``0.0`` it names
        the winner at every budget (``inf``: the one returned wins
        everywhere; ``0.0``: the other one does).
        """
        source = self.rates.source_wins_small_budgets(self.cost_source,
                                                      self.cost_target)
        return "source" if source else "target"

    def value_of_target_data(self, n_source_in_hand, n_target=None, *,
                             target_risk=None):
        """What additional target labels buy, given source labels in hand.

        Parameters
        ----------
        n_source_in_hand : int >= 0
            Source labels already bought.
        n_target : array-like of int, default=None
            Numbers of additional target labels to evaluate (default: 0 and
            a log grid up to the number that divides the risk by ten).
        target_risk : float > 0, default=None
            Also report the fewest target labels reaching this risk.

        Returns
        -------
        TargetDataValue
        """
        n_source_in_hand = check_int(n_source_in_hand, "n_source_in_hand", 0)
        baseline = float(self.risk(n_source_in_hand, 0))
        if target_risk is not None:
            target_risk = check_real(target_risk, "target_risk", 0.0, strict=True)
        if n_target is None:
            # up to the labels that divide the risk by ten (with no source
            # in hand: by ten from the risk of 100 target labels)
            start = baseline if math.isfinite(baseline) else float(self.risk(0, 100))
            needed = self.rates.n_target_for(start / 10.0, n_source_in_hand)
            top = int(min(max(math.ceil(needed), 10), MAX_LABELS))
            n_target = np.unique(np.r_[0, np.geomspace(1, top, 60).round()])
        else:
            n_target = np.asarray(n_target)
            if n_target.ndim != 1 or n_target.size == 0:
                raise ValueError("n_target must be a non-empty 1-d array of counts.")
            if not np.issubdtype(n_target.dtype, np.integer) or (n_target < 0).any():
                raise ValueError("n_target must hold non-negative integers.")
            n_target = np.unique(n_target)
        risk = self.risk(n_source_in_hand, n_target)
        # the fewest target labels that strictly lower the risk
        if math.isinf(baseline):
            break_even = 1
        elif self.rates.additive:
            break_even = 1
        else:
            n_equal = self.rates.n_target_for(baseline * (1 - 1e-12), 0)
            break_even = math.floor(n_equal) + 1
        needed = None
        if target_risk is not None:
            needed = self._fewest(target_risk, n_source_in_hand, "target")
            if needed is None:
                raise ValueError(f"target_risk={target_risk!r} needs more than "
                                 f"{MAX_LABELS:.0e} labels under this model.")
        return TargetDataValue(
            n_source_in_hand=n_source_in_hand, n_target=_read_only(n_target),
            risk=_read_only(risk), baseline_risk=baseline,
            risk_reduction=_read_only(baseline - risk if math.isfinite(baseline)
                                      else np.full(risk.shape, np.inf)),
            cost=_read_only(self.cost_target * n_target),
            n_target_break_even=int(break_even), target_risk=target_risk,
            n_target_for_risk=needed, planner=self)

    def frontier(self, budgets):
        """Predicted risk against budget for each strategy.

        Parameters
        ----------
        budgets : array-like of float > 0

        Returns
        -------
        pandas.DataFrame
            Columns ``budget``, ``source-only``, ``target-only``,
            ``optimal`` (continuous allocations, no rounding).
        """
        import pandas as pd

        budgets = np.asarray(budgets, dtype=float)
        if budgets.ndim != 1 or budgets.size == 0 or not np.all(budgets > 0) \
                or not np.all(np.isfinite(budgets)):
            raise ValueError("budgets must be a non-empty 1-d array of finite "
                             "positive numbers.")
        c_p, c_q = self.cost_source, self.cost_target
        optimal = [float(self.risk(*self.rates.allocate_budget(b, c_p, c_q)))
                   for b in budgets]
        return pd.DataFrame({"budget": budgets,
                             "source-only": self.risk(budgets / c_p, 0.0),
                             "target-only": self.risk(0.0, budgets / c_q),
                             "optimal": optimal})

    def plot_frontier(self, budgets, ax=None):
        """Log-log plot of :meth:`frontier`, the break-even budget marked."""
        import matplotlib.pyplot as plt

        frame = self.frontier(budgets)
        if ax is None:
            _, ax = plt.subplots()
        for column, style in (("source-only", "--"), ("target-only", ":"),
                              ("optimal", "-")):
            ax.loglog(frame["budget"], frame[column], style, label=column)
        break_even = self.break_even_budget()
        if frame["budget"].min() <= break_even <= frame["budget"].max():
            ax.axvline(break_even, color="gray", linewidth=0.8,
                       label=f"break-even budget {break_even:.4g}")
        ax.set_xlabel("budget")
        ax.set_ylabel("predicted target excess risk")
        ax.legend()
        return ax


def _affordable(money, cost):
    """Labels at ``cost`` that ``money`` buys (forgiving floating-point noise)."""
    return max(math.floor(money / cost + 1e-9), 0)


def _neighbours(n):
    """Whole numbers within one of the continuous optimum ``n`` (``>= 0``)."""
    low = math.floor(n)
    return {k for k in (low - 1, low, low + 1, low + 2) if k >= 0}


def _reaches(risk, target_risk):
    """``risk <= target_risk`` up to floating-point noise (relative 1e-9)."""
    return float(risk) <= target_risk * (1.0 + 1e-9)


def _numerical_budget(rates, budget, cost_source, cost_target):
    """Split of ``budget`` of least risk, by search over the source share.

    The risk as a function of the share ``f`` spent on source labels need
    not be unimodal (a minimum of two monotone terms has its minima at the
    ends), so a grid including both ends comes first and a bounded scalar
    minimisation refines the best grid point.
    """
    def risk_of(share):
        return float(np.log(rates.risk(share * budget / cost_source,
                                       (1.0 - share) * budget / cost_target)))

    grid = np.linspace(0.0, 1.0, 2001)
    with np.errstate(divide="ignore"):
        values = np.log(rates.risk(grid * budget / cost_source,
                                   (1.0 - grid) * budget / cost_target))
    k = int(np.argmin(values))
    low, high = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    refined = minimize_scalar(risk_of, bounds=(low, high), method="bounded",
                              options={"xatol": 1e-12})
    share = refined.x if refined.fun <= values[k] else grid[k]
    return share * budget / cost_source, (1.0 - share) * budget / cost_target


def _numerical_min_budget(rates, risk, cost_source, cost_target):
    """Smallest budget whose best split reaches ``risk`` (root in log budget)."""
    def gap(log_budget):
        n_p, n_q = _numerical_budget(rates, math.exp(log_budget), cost_source,
                                     cost_target)
        return math.log(float(rates.risk(n_p, n_q))) - math.log(risk)

    low = math.log(min(cost_source, cost_target)) - 1.0
    while gap(low) <= 0:
        low -= 10.0
    cap = math.log(MAX_LABELS * max(cost_source, cost_target))
    high = low + 10.0
    while gap(high) > 0:
        if high >= cap:
            raise ValueError(f"target_risk={risk!r} needs more than "
                             f"{MAX_LABELS:.0e} labels under this model.")
        high = min(high + 10.0, cap)
    return math.exp(brentq(gap, low, high, xtol=1e-13, rtol=1e-13))


__all__ = ["Allocation", "BudgetPlan", "SampleBudgetPlanner", "TargetDataValue"]
