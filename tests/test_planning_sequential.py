"""The sequential (doubling) planner: its cost guarantee against the oracle,
the validity of its held-out certificate, and bad input."""

import math
import warnings

import matplotlib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from sktransfer.datasets import THRESHOLD_CASES
from sktransfer.planning import SequentialSamplingPlanner, ThresholdClassifier
from sktransfer.planning._sequential import clopper_pearson_upper

matplotlib.use("Agg")


class Stream:
    """A sampler serving consecutive slices of one pre-drawn sample, so that
    the oracle can refit on exactly the prefixes the planner bought."""

    def __init__(self, domain, n_max, seed):
        self.X, self.y = domain.sample(n_max, random_state=seed)
        self.used = 0

    def __call__(self, n, rng):
        start, self.used = self.used, self.used + n
        assert self.used <= len(self.y), "stream too short for the test"
        return self.X[start:self.used], self.y[start:self.used]


def _exact_certificate(domain):
    def certificate(model):
        return float(domain.excess_risk(model.threshold_, model.increasing_))
    return certificate


def _oracle_cost(stream, cost, sizes, certificate, eps):
    """``c n*``: ``n*`` is the smallest grid size from which ERM on the
    stream's prefix is certified at every larger grid size (inf if none)."""
    ok = np.array([certificate(ThresholdClassifier().fit(stream.X[:n], stream.y[:n]))
                   <= eps if np.unique(stream.y[:n]).size == 2 else False
                   for n in sizes])
    # the last run of consecutive successes reaching the end of the grid
    if not ok[-1]:
        return math.inf
    first = len(ok) - np.argmin(ok[::-1]) if not ok.all() else 0
    return cost * sizes[first]


@pytest.mark.parametrize("case, costs, eps", [
    ("S1", (1.0, 20.0), 0.01),   # target labels win despite their price
    ("S3", (1.0, 20.0), 0.002),  # super-transfer: source labels win
    ("S1", (1.0, 2.0), 0.02),
])
def test_training_cost_is_below_four_times_the_oracle(case, costs, eps):
    # The guarantee of the module docstring, checked run by run: with the
    # exact excess risk as certificate, n* taken on a grid that contains
    # every round size, the training spend is at most max(4 K*, 2 b0).
    source, target = THRESHOLD_CASES[case]
    b0, growth, n_rounds = 10.0, 2.0, 12
    certificate = _exact_certificate(target)
    for seed in range(6):
        streams = [Stream(d, math.floor(b0 * growth ** n_rounds / c) + 1,
                          100 * seed + i)
                   for i, (d, c) in enumerate(zip((source, target), costs))]
        planner = SequentialSamplingPlanner(
            ThresholdClassifier(), cost_source=costs[0], cost_target=costs[1],
            target_risk=eps, initial_budget=b0, growth=growth,
            certificate=certificate, max_rounds=n_rounds + 1,
            patience=n_rounds + 1,  # the guarantee is for runs not cut short
            random_state=seed)
        plan = planner.run(streams[0], streams[1])
        assert plan.reached
        assert plan.certificate <= eps
        assert plan.holdout_cost == 0.0 and plan.total_cost == plan.training_cost
        # the planner kept everything it bought: the streams were read once
        assert (streams[0].used, streams[1].used) == (plan.n_source, plan.n_target)
        oracle = []
        for stream, cost in zip(streams, costs):
            rounds = [math.floor(b0 * growth ** k / cost + 1e-9)
                      for k in range(n_rounds + 1)]
            fine = np.geomspace(2, rounds[-1], 40).astype(int)
            sizes = np.unique(np.r_[rounds, fine])
            sizes = sizes[sizes >= 2]
            oracle.append(_oracle_cost(stream, cost, sizes, certificate, eps))
        k_star = min(oracle)
        assert plan.training_cost <= max(4 * k_star, 2 * b0) + 1e-9
        # the branch chosen is certified; the table records every round
        assert plan.chosen in ("source", "target")
        assert len(plan.rounds) == plan.rounds["round"].iloc[-1] + 1


def test_holdout_certificates_are_clopper_pearson_at_the_round_level():
    # The rounds table, recomputed by hand: round k's certificate of each
    # branch is the Clopper-Pearson bound of its errors on the holdout at
    # level (1 - confidence) / (2 (k+1)(k+2)), the models refitted on the
    # same prefixes of the same streams.
    source, target = THRESHOLD_CASES["S1"]
    confidence, holdout_size = 0.9, 2000
    streams = [Stream(source, 40_000, 1), Stream(target, 40_000, 2)]
    planner = SequentialSamplingPlanner(
        ThresholdClassifier(), cost_source=1, cost_target=5,
        target_risk=target.bayes_risk + 0.02, initial_budget=50,
        holdout_size=holdout_size, confidence=confidence, max_rounds=8,
        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        plan = planner.run(*streams)
    # the target stream served the holdout first, then the training labels
    X_hold, y_hold = streams[1].X[:holdout_size], streams[1].y[:holdout_size]
    train = [(streams[0].X, streams[0].y),
             (streams[1].X[holdout_size:], streams[1].y[holdout_size:])]
    assert len(plan.rounds) >= 3
    for _, row in plan.rounds.iterrows():
        k = int(row["round"])
        alpha = (1 - confidence) / (2 * (k + 1) * (k + 2))
        for (X, y), branch, n in zip(train, ("source", "target"),
                                     (row["n_source"], row["n_target"])):
            n = int(n)
            if np.unique(y[:n]).size < 2:
                assert row[f"certificate_{branch}"] == math.inf
                continue
            model = ThresholdClassifier().fit(X[:n], y[:n])
            errors = int(np.sum(model.predict(X_hold) != y_hold))
            expected = clopper_pearson_upper(errors, holdout_size, alpha)
            assert row[f"certificate_{branch}"] == pytest.approx(expected, rel=1e-12)


def test_clopper_pearson_bound_covers_exactly():
    # Exact coverage, no Monte Carlo: for X ~ Binomial(n, p) the bound
    # U(X) must satisfy P(U(X) < p) <= alpha for every p; it is tight (the
    # worst p over a fine grid comes within a few percent of alpha).
    from scipy.stats import binom

    n, alpha = 60, 0.1
    bounds = np.array([clopper_pearson_upper(k, n, alpha) for k in range(n + 1)])
    assert np.all(np.diff(bounds) > 0)
    worst = 0.0
    for p in np.linspace(0.001, 0.999, 2000):
        miss = binom.pmf(np.arange(n + 1), n, p)[bounds < p].sum()
        assert miss <= alpha + 1e-12
        worst = max(worst, miss)
    assert worst > 0.9 * alpha


def test_clopper_pearson_upper_bound():
    from scipy.stats import binom

    for n, k, alpha in [(100, 0, 0.05), (100, 7, 0.05), (30, 29, 0.01), (10, 10, 0.1)]:
        upper = clopper_pearson_upper(k, n, alpha)
        if k < n:  # P(X <= k | p = upper) = alpha: the exact one-sided bound
            assert binom.cdf(k, n, upper) == pytest.approx(alpha, rel=1e-8)
        else:
            assert upper == 1.0


def test_unreached_target_warns_and_reports_best():
    source, target = THRESHOLD_CASES["S1"]
    planner = SequentialSamplingPlanner(
        ThresholdClassifier(), cost_source=1, cost_target=5,
        target_risk=target.bayes_risk / 2, initial_budget=20, holdout_size=200,
        max_rounds=3, random_state=0)
    with pytest.warns(UserWarning, match="not certified after max_rounds=3"):
        plan = planner.run(lambda n, rng: source.sample(n, rng),
                           lambda n, rng: target.sample(n, rng))
    assert not plan.reached and len(plan.rounds) == 3
    best = plan.rounds[["certificate_source", "certificate_target"]].min().min()
    assert plan.certificate == best
    text = str(plan.summary())
    assert "False" in text and "holdout cost" in text
    assert plan.to_frame().shape == (3, 6)
    ax = plan.plot()
    assert ax.get_yscale() == "log"
    import matplotlib.pyplot as plt
    plt.close("all")


def test_max_budget_stops_before_overspending():
    source, target = THRESHOLD_CASES["S1"]
    planner = SequentialSamplingPlanner(
        ThresholdClassifier(), cost_source=1, cost_target=5, target_risk=0.05,
        initial_budget=20, holdout_size=100, max_budget=1000, patience=100,
        random_state=0)
    with pytest.warns(UserWarning, match="max_budget"):
        plan = planner.run(lambda n, rng: source.sample(n, rng),
                           lambda n, rng: target.sample(n, rng))
    assert plan.total_cost <= 1000


def test_out_of_reach_risk_stops_after_patience_rounds():
    # Below the target's Bayes risk no model can be certified: the run stops
    # once the best certificate has not improved for `patience` rounds
    # instead of doubling until memory runs out.
    source, target = THRESHOLD_CASES["S1"]
    planner = SequentialSamplingPlanner(
        ThresholdClassifier(), cost_source=1, cost_target=5,
        target_risk=target.bayes_risk - 0.02, initial_budget=20,
        holdout_size=2000, max_rounds=40, patience=3, random_state=0)
    with pytest.warns(UserWarning, match="has not improved for 3 rounds"):
        plan = planner.run(lambda n, rng: source.sample(n, rng),
                           lambda n, rng: target.sample(n, rng))
    assert not plan.reached and len(plan.rounds) < 40


def test_uncertifiable_target_risk_is_refused():
    with pytest.raises(ValueError, match="target_risk=0.001 cannot be certified"):
        SequentialSamplingPlanner(ThresholdClassifier(), cost_source=1,
                                  cost_target=5, target_risk=0.001,
                                  initial_budget=20, holdout_size=1000)


def _sampler(n, rng):
    return rng.normal(size=(n, 1)), rng.integers(0, 2, n)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(cost_source=0), ValueError, "cost_source"),
    (dict(cost_target="5"), TypeError, "cost_target"),
    (dict(target_risk=0), ValueError, "target_risk"),
    (dict(target_risk=1.0), ValueError, "target_risk"),
    (dict(initial_budget=-1), ValueError, "initial_budget"),
    (dict(growth=1.0), ValueError, "growth"),
    (dict(certificate="diameter"), ValueError, "certificate"),
    (dict(holdout_size=0), ValueError, "holdout_size"),
    (dict(confidence=1.0), ValueError, "confidence"),
    (dict(max_rounds=0), ValueError, "max_rounds"),
    (dict(patience=0), ValueError, "patience"),
    (dict(max_budget=0), ValueError, "max_budget"),
    (dict(estimator="erm"), TypeError, "estimator"),
    (dict(estimator=LinearRegression()), TypeError, "classifier"),
])
def test_bad_input(kwargs, error, match):
    params = dict(estimator=ThresholdClassifier(), cost_source=1, cost_target=5,
                  target_risk=0.2, initial_budget=20)
    params.update(kwargs)
    with pytest.raises(error, match=match):
        SequentialSamplingPlanner(**params)


def test_bad_samplers_and_certificates():
    planner = SequentialSamplingPlanner(ThresholdClassifier(), cost_source=1,
                                        cost_target=5, target_risk=0.2,
                                        initial_budget=20)
    with pytest.raises(TypeError, match="sample_source"):
        planner.run(None, _sampler)
    with pytest.raises(ValueError, match=r"sample_target\(1000, rng\) must return"):
        planner.run(_sampler, lambda n, rng: _sampler(n + 1, rng))
    bad = SequentialSamplingPlanner(ThresholdClassifier(), cost_source=1,
                                    cost_target=5, target_risk=0.2,
                                    initial_budget=20,
                                    certificate=lambda model: "small")
    with pytest.raises(TypeError, match="certificate must return a real number"):
        bad.run(_sampler, _sampler)
