r"""Sequential (doubling) sample-budget planning: no transfer exponent needed.

When ``ρ`` and the noise exponents are unknown, the calculators of
:mod:`sktransfer.planning._budget` cannot be used. Hanneke & Kpotufe
(NeurIPS 2019) argue that sampling costs can still be kept within a
constant of the oracle's without knowing them; the scheme here is the
standard doubling argument written out in the planning reference note
(§A.4): buy in rounds, keep everything bought, and stop as soon as one of
the current models can be certified on the target.

:class:`SequentialSamplingPlanner` implements it. In round
``k = 0, 1, …`` the cumulative spend on each kind of label is
``B_k = b_0 g^k`` (``b_0 = initial_budget``, ``g = growth``), i.e. the
planner holds ``⌊B_k/c_P⌋`` source and ``⌊B_k/c_Q⌋`` target labels; it
refits a source-only and a target-only model and stops when the smaller of
their certificates is at most the requested risk.

Cost guarantee. Let ``n_P*`` (``n_Q*``) be the fewest source (target)
labels from which the source-only (target-only) model is certified at every
round size from then on, and ``K* = min(c_P n_P*, c_Q n_Q*)`` the cost of
an oracle who knows which branch to fund and how much. The planner stops no
later than the first round with ``B_k ≥ K*``; the round before spent
``B_{k-1} < K*`` per branch, so the training spend is

    ``2 B_k < 2 g K*``   (``4 K*`` for ``g = 2``),   or ``2 b_0`` if ``k = 0``.

The factor 2 pays for funding both branches, ``g`` for the overshoot of the
last round. The bound is on **training** labels: the held-out certificate's
labels are paid once on top (``holdout_cost``, ``c_Q`` per label), and it
holds for runs that end certified (not those cut short by ``max_rounds``,
``max_budget`` or ``patience``).
"""

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import beta as beta_distribution
from sklearn.base import clone, is_classifier

from ..utils._report import Summary
from ..utils._validation import check_generator, check_int, check_real

_BRANCHES = ("source", "target")


def clopper_pearson_upper(n_errors, n, alpha):
    """One-sided ``1 - alpha`` upper confidence bound of a binomial proportion.

    The Clopper–Pearson bound: the ``1 - alpha`` quantile of
    ``Beta(n_errors + 1, n - n_errors)`` (1 when ``n_errors == n``).
    """
    if n_errors >= n:
        return 1.0
    return float(beta_distribution.ppf(1.0 - alpha, n_errors + 1, n - n_errors))


@dataclass(frozen=True, eq=False)
class SequentialPlan:
    """The record of a sequential sampling run.

    Attributes
    ----------
    reached : bool
        Whether a model was certified at ``target_risk``.
    chosen : {"source", "target"} or None
        The branch whose model was certified (the better certificate when
        both were); ``None`` when no model was fitted.
    estimator : estimator or None
        The fitted model of the chosen branch (the best certificate so far
        when ``reached`` is False).
    certificate : float
        Its certificate (upper confidence bound of its target risk).
    n_source, n_target : int
        Labels bought for training.
    training_cost : float
        ``c_P n_source + c_Q n_target``.
    holdout_cost : float
        ``c_Q`` times the held-out target labels (0 with a callable
        certificate).
    total_cost : float
    target_risk : float
    rounds : pandas.DataFrame
        One row per round: spend per branch, cumulative labels, and both
        certificates.
    """

    reached: bool
    chosen: str | None
    estimator: object = field(repr=False)
    certificate: float
    n_source: int
    n_target: int
    training_cost: float
    holdout_cost: float
    total_cost: float
    target_risk: float
    rounds: object = field(repr=False)

    def to_frame(self):
        """The rounds table."""
        return self.rounds.copy()

    def summary(self):
        """A :class:`~sktransfer.utils._report.Summary`."""
        info = (("target risk", self.target_risk), ("reached", self.reached),
                ("chosen branch", self.chosen), ("certificate", self.certificate),
                ("source labels", self.n_source), ("target labels", self.n_target),
                ("training cost", self.training_cost),
                ("holdout cost", self.holdout_cost), ("total cost", self.total_cost))
        return Summary("Sequential sampling plan", info,
                       self.rounds.set_index("round"))

    def plot(self, ax=None):
        """Certificates of both branches against the spend per branch."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        for branch, style in (("source", "o--"), ("target", "s:")):
            ax.loglog(self.rounds["spend_per_branch"],
                      self.rounds[f"certificate_{branch}"], style,
                      label=f"{branch}-only model")
        ax.axhline(self.target_risk, color="k", linewidth=0.8, label="target risk")
        ax.set_xlabel("spend per branch")
        ax.set_ylabel("certificate of the target risk")
        ax.legend()
        return ax

    def __str__(self):
        return str(self.summary())


class SequentialSamplingPlanner:
    """Buy source and target labels in doubling rounds until a model is certified.

    Needs no knowledge of the transfer exponent: each round doubles the
    cumulative spend on both kinds of labels, refits a source-only and a
    target-only model (clones of ``estimator``), and stops once one of them
    has a certificate at most ``target_risk``. The training spend is below
    ``2 g`` (``4×`` for ``growth=2``) that of an oracle who knew which
    labels to buy and how many, plus the held-out labels of the certificate
    (see :mod:`sktransfer.planning._sequential` for the argument and its
    conditions).

    Parameters
    ----------
    estimator : classifier
        The learner, fitted on each branch's labels (e.g.
        :class:`ThresholdClassifier` for ERM over thresholds).
    cost_source, cost_target : float > 0
        Price of one source and one target label.
    target_risk : float in (0, 1)
        Risk to certify. With ``certificate="holdout"`` this is the target
        error rate itself; to certify an excess risk ``ε`` over a known
        optimal error ``r*``, ask for ``r* + ε``.
    initial_budget : float > 0
        Spend per branch in the first round (``b_0``); it should buy at
        least a few labels of each kind.
    growth : float > 1, default=2.0
        Factor between the cumulative spends of successive rounds.
    certificate : "holdout" or callable, default="holdout"
        ``"holdout"``: a Clopper–Pearson upper bound of the 0-1 target risk
        on ``holdout_size`` target labels bought once at the start, at level
        ``δ_k = (1 - confidence) / (2 (k+1)(k+2))`` in round ``k`` for each
        of the two models, so that all certificates hold together with
        probability at least ``confidence`` (``Σ_k 1/((k+1)(k+2)) = 1``).
        A callable ``certificate(fitted_estimator) -> float`` replaces it
        (e.g. the exact risk in a simulation, or a disagreement-diameter
        bound from unlabeled target data).
    holdout_size : int, default=1000
        Held-out target labels of the ``"holdout"`` certificate.
    confidence : float in (0, 1), default=0.95
    max_rounds : int, default=20
        Rounds at most (the last one holds ``growth**(max_rounds-1)`` times
        the first round's labels).
    patience : int, default=4
        Stop (with a warning) after this many rounds in a row in which the
        best certificate so far did not improve: the requested risk is then
        out of reach of the learner, not of the budget.
    max_budget : float, default=None
        Stop (with a warning) before a round whose total spend, holdout
        included, would exceed this.
    random_state : int, Generator or None, default=None
        Seeds the generator passed to the samplers.
    """

    def __init__(self, estimator, *, cost_source, cost_target, target_risk,
                 initial_budget, growth=2.0, certificate="holdout",
                 holdout_size=1000, confidence=0.95, max_rounds=20, patience=4,
                 max_budget=None, random_state=None):
        if not hasattr(estimator, "fit") or not hasattr(estimator, "predict"):
            raise TypeError("estimator must be an estimator with fit and predict, "
                            f"got {type(estimator).__name__}.")
        self.estimator = estimator
        self.cost_source = check_real(cost_source, "cost_source", 0.0, strict=True)
        self.cost_target = check_real(cost_target, "cost_target", 0.0, strict=True)
        self.target_risk = check_real(target_risk, "target_risk", 0.0, strict=True)
        self.initial_budget = check_real(initial_budget, "initial_budget", 0.0,
                                         strict=True)
        self.growth = check_real(growth, "growth", 1.0, strict=True)
        if certificate != "holdout" and not callable(certificate):
            raise ValueError("certificate must be 'holdout' or a callable, "
                             f"got {certificate!r}.")
        if certificate == "holdout":
            if not is_classifier(estimator):
                raise TypeError("certificate='holdout' bounds the 0-1 risk and "
                                "needs a classifier; pass a callable certificate "
                                "for other estimators.")
            check_real(target_risk, "target_risk", 0.0, strict=True, maximum=1.0,
                       strict_maximum=True)
        self.certificate = certificate
        self.holdout_size = check_int(holdout_size, "holdout_size", 1)
        self.confidence = check_real(confidence, "confidence", 0.0, strict=True,
                                     maximum=1.0, strict_maximum=True)
        self.max_rounds = check_int(max_rounds, "max_rounds", 1)
        self.patience = check_int(patience, "patience", 1)
        if certificate == "holdout":
            # the best the certificate can ever say: no holdout error, in
            # the first round (the least corrected level)
            floor = clopper_pearson_upper(0, self.holdout_size,
                                          (1.0 - self.confidence) / 4.0)
            if self.target_risk < floor:
                raise ValueError(
                    f"target_risk={target_risk!r} cannot be certified with "
                    f"holdout_size={holdout_size} at confidence={confidence!r}: "
                    f"even no held-out error gives an upper bound of {floor:.3g}. "
                    "Raise holdout_size or target_risk.")
        self.max_budget = (None if max_budget is None else
                           check_real(max_budget, "max_budget", 0.0, strict=True))
        self.random_state = random_state

    def _round_sizes(self, k):
        spend = self.initial_budget * self.growth ** k
        return spend, (math.floor(spend / self.cost_source + 1e-9),
                       math.floor(spend / self.cost_target + 1e-9))

    def run(self, sample_source, sample_target):
        """Run the rounds, drawing labels from the two samplers.

        Parameters
        ----------
        sample_source, sample_target : callable
            ``sample(n, rng) -> (X, y)``: ``n`` new labelled examples from the
            source (target) distribution; ``rng`` is a
            :class:`numpy.random.Generator`. Each call buys ``n`` labels.

        Returns
        -------
        SequentialPlan
        """
        import pandas as pd

        for name, sampler in (("sample_source", sample_source),
                              ("sample_target", sample_target)):
            if not callable(sampler):
                raise TypeError(f"{name} must be a callable (n, rng) -> (X, y).")
        rng = check_generator(self.random_state)
        holdout = None
        holdout_cost = 0.0
        if self.certificate == "holdout":
            holdout = _draw(sample_target, self.holdout_size, rng, "sample_target")
            holdout_cost = self.cost_target * self.holdout_size
        data = {"source": None, "target": None}
        samplers = {"source": sample_source, "target": sample_target}
        best = (math.inf, None, None)  # certificate, branch, fitted model
        rows = []
        reached = False
        best_seen, flat_rounds = math.inf, 0
        n_bought = (0, 0)
        for k in range(self.max_rounds):
            spend, sizes = self._round_sizes(k)
            if self.max_budget is not None and (
                    self.cost_source * sizes[0] + self.cost_target * sizes[1]
                    + holdout_cost > self.max_budget):
                warnings.warn(f"stopped before round {k}: its spend would exceed "
                              f"max_budget={self.max_budget!r}; target_risk not "
                              "certified.", UserWarning, stacklevel=2)
                break
            row = {"round": k, "spend_per_branch": spend, "n_source": sizes[0],
                   "n_target": sizes[1]}
            fitted = {}
            for branch, n in zip(_BRANCHES, sizes):
                data[branch] = _top_up(data[branch], n, samplers[branch], rng,
                                       f"sample_{branch}")
                fitted[branch] = self._fit_and_certify(data[branch], holdout, k)
                row[f"certificate_{branch}"] = fitted[branch][1]
            n_bought = sizes
            rows.append(row)
            # the better of this round's two models (source on ties)
            branch = min(_BRANCHES, key=lambda b: fitted[b][1])
            if fitted[branch][0] is not None and (
                    fitted[branch][1] < best[0] or best[1] is None):
                best = (fitted[branch][1], branch, fitted[branch][0])
            if fitted[branch][1] <= self.target_risk:
                reached = True
                best = (fitted[branch][1], branch, fitted[branch][0])
                break
            if fitted[branch][1] < best_seen:
                best_seen, flat_rounds = fitted[branch][1], 0
            else:
                flat_rounds += 1
            if flat_rounds >= self.patience:
                warnings.warn(
                    f"stopped after round {k}: the best certificate "
                    f"({best_seen:.3g}) has not improved for {self.patience} "
                    f"rounds; target_risk={self.target_risk!r} looks out of "
                    "reach of this learner.", UserWarning, stacklevel=2)
                break
        else:
            warnings.warn(f"target_risk={self.target_risk!r} not certified after "
                          f"max_rounds={self.max_rounds} rounds.", UserWarning,
                          stacklevel=2)
        training_cost = self.cost_source * n_bought[0] + self.cost_target * n_bought[1]
        rounds = pd.DataFrame(rows, columns=["round", "spend_per_branch", "n_source",
                                             "n_target", "certificate_source",
                                             "certificate_target"])
        return SequentialPlan(
            reached=reached, chosen=best[1], estimator=best[2],
            certificate=float(best[0]), n_source=int(n_bought[0]),
            n_target=int(n_bought[1]), training_cost=float(training_cost),
            holdout_cost=float(holdout_cost),
            total_cost=float(training_cost + holdout_cost),
            target_risk=self.target_risk, rounds=rounds)

    def _fit_and_certify(self, data, holdout, k):
        """A clone fitted on ``data`` and its certificate (inf if it cannot fit)."""
        if data is None:
            return None, math.inf
        X, y = data
        if (is_classifier(self.estimator) and np.unique(y).size < 2):
            return None, math.inf
        model = clone(self.estimator).fit(X, y)
        if holdout is None:
            bound = self.certificate(model)
            if isinstance(bound, bool) or not isinstance(bound, numbers.Real) \
                    or math.isnan(bound):
                raise TypeError("certificate must return a real number, got "
                                f"{bound!r}.")
            return model, float(bound)
        X_hold, y_hold = holdout
        n_errors = int(np.sum(model.predict(X_hold) != y_hold))
        alpha = (1.0 - self.confidence) / (2.0 * (k + 1) * (k + 2))
        return model, clopper_pearson_upper(n_errors, len(y_hold), alpha)


def _draw(sampler, n, rng, name):
    X, y = sampler(n, rng)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or y.ndim != 1 or len(X) != n or len(y) != n:
        raise ValueError(f"{name}({n}, rng) must return X of shape ({n}, "
                         f"n_features) and y of shape ({n},), got "
                         f"{X.shape} and {y.shape}.")
    return X, y


def _top_up(data, n, sampler, rng, name):
    """Keep what was bought and buy up to ``n`` labels in all."""
    have = 0 if data is None else len(data[1])
    if n <= have:
        return data
    X_new, y_new = _draw(sampler, n - have, rng, name)
    if data is None:
        return X_new, y_new
    return np.vstack([data[0], X_new]), np.concatenate([data[1], y_new])
