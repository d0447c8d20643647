"""Simulation-study engine: API, metrics, aggregates, determinism, bad input, output.

Most studies here use tiny pure-numpy DGMs and callable methods (module level,
so loky workers can unpickle them); a few use the package's simulators and
estimators. Statistical checks are Monte-Carlo tests with fixed seeds whose
tolerances come from the Monte-Carlo standard error.
"""

import io
import math
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from joblib import parallel_config  # noqa: E402
from scipy import stats  # noqa: E402
from sklearn.base import BaseEstimator, RegressorMixin  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils import check_random_state  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from sktransfer.simulation import (  # noqa: E402
    DGM,
    RMSE,
    Bias,
    Coverage,
    EmpiricalSE,
    FalsePositiveRate,
    FitTime,
    IntervalWidth,
    L1Error,
    L2Error,
    Method,
    MethodOutput,
    Metric,
    PredictionError,
    Study,
    StudyResult,
    StudySummary,
    TruePositiveRate,
)

P = 4
TRUE_COEF = np.array([1.5, -1.0, 0.0, 0.0])
Z975 = stats.norm.ppf(0.975)


# -- tiny DGMs, methods and metrics (module level: picklable by reference) ----

def linear_dgm(rng, n_obs=30, noise=1.0):
    """Gaussian linear model with a test set; plain ``(rng, **params)`` form."""
    X = rng.standard_normal((n_obs, P))
    y = X @ TRUE_COEF + noise * rng.standard_normal(n_obs)
    X_test = rng.standard_normal((20, P))
    y_test = X_test @ TRUE_COEF + noise * rng.standard_normal(20)
    return {"X": X, "y": y, "coef": TRUE_COEF.copy(), "X_test": X_test,
            "y_test": y_test}


def linear_simulator(n_obs=30, noise=1.0, random_state=None):
    """The same DGM in the ``random_state=`` form of sktransfer.datasets."""
    return linear_dgm(np.random.default_rng(random_state), n_obs, noise)


def ols(data, rng):
    coef = np.linalg.lstsq(data["X"], data["y"], rcond=None)[0]
    return {"coef": coef, "y_pred": data["X_test"] @ coef}


def least_squares(data, rng):
    return {"coef": np.linalg.lstsq(data["X"], data["y"], rcond=None)[0]}


def jittered(data, rng):
    """OLS plus noise from the method's own generator, small entries zeroed."""
    coef = ols(data, rng)["coef"] + 0.2 * rng.standard_normal(P)
    coef[np.abs(coef) < 0.3] = 0.0
    return {"coef": coef, "y_pred": data["X_test"] @ coef}


def flaky(data, rng):
    if data["y"][0] > 0:
        raise ValueError("boom")
    return ols(data, rng)


def warns_once(data, rng):
    warnings.warn("a warning from the fit", UserWarning)
    return ols(data, rng)


def mean_dgm(rng, block=0, n_obs=10, mu=0.5):
    """y_i = mu + N(0, 1): the sample mean estimates ``coef = [mu]``."""
    y = mu + rng.standard_normal(n_obs)
    return {"X": np.ones((n_obs, 1)), "y": y, "coef": np.array([mu])}


def normal_mean(data, rng):
    """Sample mean with its exact 95% interval (known unit variance)."""
    y = data["y"]
    estimate = y.mean()
    half = Z975 / math.sqrt(y.size)
    return {"coef": [estimate], "conf_int": [[estimate - half, estimate + half]]}


def domain_dgm(rng, n_target=7, n_source=11):
    n = n_target + n_source
    X = rng.standard_normal((n, 3))
    domain = np.r_[-np.ones(n_target, dtype=int), np.ones(n_source, dtype=int)]
    return {"X": X, "y": rng.standard_normal(n), "sample_domain": domain,
            "coef": np.zeros(3)}


def no_domain_dgm(rng, n_obs=9):
    return {"X": rng.standard_normal((n_obs, 3)), "y": rng.standard_normal(n_obs),
            "coef": np.zeros(3)}


class Recorder(RegressorMixin, BaseEstimator):
    """Records what ``fit`` saw and one draw from its ``random_state``."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y, sample_domain=None):
        self.n_samples_ = X.shape[0]
        self.got_domain_ = sample_domain is not None
        self.draw_ = check_random_state(self.random_state).uniform()
        self.coef_ = np.full(X.shape[1], self.draw_)  # metrics see the seeding
        return self

    def predict(self, X):
        return X @ self.coef_


class RecorderNoDomain(Recorder):
    """A Recorder whose ``fit`` has no ``sample_domain``."""

    def fit(self, X, y):
        return super().fit(X, y)


class Attr(Metric):
    """A custom metric: an attribute of the fitted estimator."""

    def __init__(self, attr):
        self.attr = attr
        self.name = attr.rstrip("_")

    def evaluate(self, output, data):
        fitted = output.fitted
        if hasattr(fitted, "steps"):
            fitted = fitted.steps[-1][1]
        return float(getattr(fitted, self.attr))

    def __repr__(self):
        return f"Attr({self.attr!r})"


class FirstY(Metric):
    """The first response of the data set (identifies a repetition's data)."""

    name = "y0"

    def evaluate(self, output, data):
        return float(data["y"][0])


REPRODUCIBLE = ["l2_error", "l1_error", "tpr", "fpr", "prediction_error"]


def _study(**kwargs):
    base = dict(
        dgms={"lin": DGM(linear_dgm, grid={"n_obs": [20, 40]}, params={"noise": 1.0})},
        methods={"ols": ols, "jittered": jittered, "recorder": Recorder()},
        metrics=REPRODUCIBLE + ["fit_time"],
        n_reps=6, random_state=0,
    )
    base.update(kwargs)
    return Study(**base)


def _stable(result):
    """The table without the (non-reproducible) fit_time column."""
    return result.to_frame().drop(columns="fit_time")


@pytest.fixture(scope="module")
def reference():
    """The n_jobs=1 run of the standard small study."""
    return _study().run(n_jobs=1, progress=False)


# -- API, determinism ----------------------------------------------------------

def test_to_frame_columns_keys_and_shape(reference):
    frame = reference.to_frame()
    assert list(frame.columns) == (["dgm", "noise", "n_obs", "method", "rep"]
                                   + REPRODUCIBLE + ["fit_time", "error",
                                                     "n_warnings"])
    assert len(frame) == 2 * 3 * 6
    assert not frame.duplicated(["dgm", "n_obs", "method", "rep"]).any()
    assert set(frame["method"]) == {"ols", "jittered", "recorder"}
    assert sorted(set(frame["rep"])) == list(range(6))
    assert (frame["error"] == "").all()
    assert (frame["fit_time"] > 0).all()
    assert isinstance(reference, StudyResult)
    assert reference.n_reps == 6 and reference.entropy == 0
    assert "2 cells" in repr(reference) and "n_reps=6" in repr(_study())


def test_values_follow_the_documented_seeding(reference):
    """Repetition r of cell c: data from child 0, method m from child 1 + m
    of ``SeedSequence(random_state, spawn_key=(c, r))``."""
    frame = reference.to_frame()
    for cell, n_obs in enumerate([20, 40]):
        for rep in (0, 5):
            children = np.random.SeedSequence(0, spawn_key=(cell, rep)).spawn(4)
            data = linear_dgm(np.random.default_rng(children[0]), n_obs, 1.0)
            out = jittered(data, np.random.default_rng(children[2]))
            row = frame[(frame["n_obs"] == n_obs) & (frame["rep"] == rep)
                        & (frame["method"] == "jittered")]
            assert row["l2_error"].item() == np.linalg.norm(out["coef"] - TRUE_COEF)
            mse = np.mean((data["y_test"] - out["y_pred"]) ** 2)
            assert row["prediction_error"].item() == mse


@pytest.mark.parametrize("how", ["loky-2", "threading-2", "chunk-1", "chunk-5",
                                 "chunk-100"])
def test_results_identical_for_any_backend_and_chunking(reference, how):
    study = _study()
    if how == "loky-2":
        result = study.run(n_jobs=2, progress=False, chunk_size=2)
    elif how == "threading-2":
        with parallel_config(backend="threading"):
            result = study.run(n_jobs=2, progress=False, chunk_size=1)
    else:
        result = study.run(n_jobs=1, progress=False, chunk_size=int(how[6:]))
    pd.testing.assert_frame_equal(_stable(result), _stable(reference))


def test_warning_counts_are_exact_under_threads_and_leave_no_hook():
    study = Study(linear_dgm, {"w": warns_once, "ols": ols}, metrics=["l2_error"],
                  n_reps=40, random_state=1)
    with parallel_config(backend="threading"):
        result = study.run(n_jobs=2, progress=False, chunk_size=1)
    frame = result.to_frame()
    assert (frame.loc[frame["method"] == "w", "n_warnings"] == 1).all()
    assert (frame.loc[frame["method"] == "ols", "n_warnings"] == 0).all()
    # The study restored the warnings machinery: a later warning is shown.
    with pytest.warns(UserWarning, match="after the study"):
        warnings.warn("after the study", UserWarning)


class BlasThreads(Metric):
    """BLAS threads while the repetition ran (in its process)."""

    name = "blas_threads"

    def evaluate(self, output, data):
        return float(max(i["num_threads"] for i in threadpool_info()
                         if i["user_api"] == "blas"))


def _blas_threads():
    return {i["filepath"]: i["num_threads"] for i in threadpool_info()
            if i["user_api"] == "blas"}


@pytest.mark.parametrize("backend", ["sequential", "threading"])
def test_blas_limited_to_one_thread_inside_and_restored_after(backend):
    study = Study(linear_dgm, ols, metrics=[BlasThreads()], n_reps=8, random_state=0)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        assert max(before.values()) == 2
        with parallel_config(backend=backend):
            result = study.run(n_jobs=2 if backend == "threading" else 1,
                               progress=False, chunk_size=1)
        assert (result.to_frame()["blas_threads"] == 1).all()
        assert _blas_threads() == before


def test_same_seed_same_results_and_none_records_its_entropy():
    first = _study(n_reps=3).run(progress=False)
    again = _study(n_reps=3, random_state=np.random.SeedSequence(0)).run(
        progress=False)
    pd.testing.assert_frame_equal(_stable(first), _stable(again))
    other = _study(n_reps=3, random_state=1).run(progress=False)
    assert not np.array_equal(other.to_frame()["l2_error"],
                              first.to_frame()["l2_error"])
    fresh = _study(n_reps=3, random_state=None).run(progress=False)
    rerun = _study(n_reps=3, random_state=fresh.entropy).run(progress=False)
    pd.testing.assert_frame_equal(_stable(fresh), _stable(rerun))


def test_more_reps_or_an_appended_method_leave_existing_rows_unchanged(reference):
    bigger = _study(n_reps=9, methods={"ols": ols, "jittered": jittered,
                                       "recorder": Recorder(),
                                       "extra": jittered}).run(progress=False)
    frame = _stable(bigger)
    old = frame[(frame["rep"] < 6) & (frame["method"] != "extra")]
    pd.testing.assert_frame_equal(old.reset_index(drop=True), _stable(reference))
    assert len(frame) == 2 * 4 * 9


def test_dgm_forms_rng_and_random_state_agree():
    common = dict(methods={"ols": ols}, metrics=REPRODUCIBLE, n_reps=4,
                  random_state=3)
    plain = Study({"d": DGM(linear_dgm, grid={"n_obs": [15]})}, **common)
    keyword = Study({"d": DGM(linear_simulator, grid={"n_obs": [15]})}, **common)
    a, b = plain.run(progress=False), keyword.run(progress=False)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    bare = Study(linear_dgm, {"ols": ols}, metrics=["l2_error"], n_reps=2,
                 random_state=0).run(progress=False)
    assert list(bare.to_frame()["dgm"]) == ["linear_dgm"] * 2
    assert "n_obs" not in bare.to_frame().columns


def test_dgm_grid_points_and_params():
    dgm = DGM(linear_dgm, grid={"n_obs": [5, 6]}, params={"n_obs": 9, "noise": 2})
    assert dgm.points() == [{"n_obs": 5, "noise": 2}, {"n_obs": 6, "noise": 2}]
    assert DGM(linear_dgm).points() == [{}]
    assert DGM(linear_dgm, grid=[{"n_obs": [5]}, {"noise": [1, 2]}]).points() == [
        {"n_obs": 5}, {"noise": 1}, {"noise": 2}]
    assert DGM(linear_dgm).name == "linear_dgm"
    assert DGM(linear_dgm, name="x").name == "x"


def test_method_rows_pick_the_right_rows():
    methods = {"auto": Recorder(), "auto-no-domain": RecorderNoDomain(),
               "target": Method(Recorder(), rows="target"),
               "all": Method(Recorder(), rows="all"),
               "pipeline-auto": make_pipeline(StandardScaler(), Recorder()),
               "pipeline-no-domain": make_pipeline(StandardScaler(),
                                                   RecorderNoDomain()),
               "pipeline-target": Method(make_pipeline(Recorder()), rows="target")}
    metrics = [Attr("n_samples_"), Attr("got_domain_")]
    study = Study({"dom": domain_dgm, "plain": no_domain_dgm}, methods,
                  metrics=metrics, n_reps=2, random_state=0)
    agg = study.run(progress=False).aggregate()
    got = {(r.dgm, r.method, r.metric): r.estimate for r in agg.itertuples()}
    expected = {"auto": (18, 1), "auto-no-domain": (7, 0), "target": (7, 0),
                "all": (18, 0), "pipeline-auto": (18, 1),
                "pipeline-no-domain": (7, 0), "pipeline-target": (7, 0)}
    for method, (n, domain) in expected.items():
        assert got["dom", method, "n_samples"] == n
        assert got["dom", method, "got_domain"] == domain
        # Without a sample_domain every method sees all rows and no domain.
        assert got["plain", method, "n_samples"] == 9
        assert got["plain", method, "got_domain"] == 0


def test_unseeded_estimators_are_seeded_reproducibly():
    unseeded = Recorder()
    study = Study(no_domain_dgm, {"unseeded": unseeded,
                                  "seeded": Recorder(random_state=3)},
                  metrics=[Attr("draw_")], n_reps=5, random_state=0)
    first = study.run(progress=False).to_frame()
    second = study.run(progress=False).to_frame()
    pd.testing.assert_frame_equal(first.drop(columns="n_warnings"),
                                  second.drop(columns="n_warnings"))
    draws = first.loc[first["method"] == "unseeded", "draw"]
    assert draws.nunique() == 5  # a different seed in every repetition
    fixed = first.loc[first["method"] == "seeded", "draw"]
    assert (fixed == check_random_state(3).uniform()).all()
    assert unseeded.random_state is None  # the study fitted clones


def test_real_simulator_and_estimators_with_coverage():
    """make_glm_transfer (random_state= form) with TransGLMRegressor (conf_int,
    sample_domain) and a target-only LinearRegression."""
    from sktransfer.datasets import make_glm_transfer
    from sktransfer.linear_model import TransGLMRegressor

    params = dict(n_target=40, n_source=40, n_sources=2, n_features=8, n_nonzero=2,
                  n_test=15)
    dgm = DGM(make_glm_transfer, grid={"h": [1]}, params=params)
    methods = {"trans-glm": TransGLMRegressor(),
               "ols-target": LinearRegression()}
    study = Study(dgm, {"trans-glm": methods["trans-glm"]},
                  metrics=["l2_error", "tpr", "prediction_error", "coverage",
                           "interval_width"], n_reps=2, random_state=4)
    frame = study.run(progress=False).to_frame()
    children = np.random.SeedSequence(4, spawn_key=(0, 1)).spawn(2)
    data = make_glm_transfer(**params, h=1,
                             random_state=np.random.default_rng(children[0]))
    output = Method(methods["trans-glm"]).fit(data,
                                              np.random.default_rng(children[1]))
    ci = output.conf_int(0.95)
    row = frame[frame["rep"] == 1]
    assert row["coverage"].item() == np.mean((ci[:, 0] <= data.coef)
                                             & (data.coef <= ci[:, 1]))
    assert row["interval_width"].item() == pytest.approx(np.mean(ci[:, 1] - ci[:, 0]))
    assert row["l2_error"].item() == pytest.approx(
        np.linalg.norm(output.coef - data.coef))
    # LinearRegression has no sample_domain: it is fitted on the target rows.
    ols_study = Study(dgm, {"ols-target": methods["ols-target"]},
                      metrics=["l2_error"], n_reps=1, random_state=4)
    children = np.random.SeedSequence(4, spawn_key=(0, 0)).spawn(2)
    data = make_glm_transfer(**params, h=1,
                             random_state=np.random.default_rng(children[0]))
    target = data.sample_domain < 0
    coef = LinearRegression().fit(data.X[target], data.y[target]).coef_
    value = ols_study.run(progress=False).to_frame()["l2_error"].item()
    assert value == pytest.approx(np.linalg.norm(coef - data.coef), rel=1e-12)


# -- metrics: per-repetition values by hand -----------------------------------

def _output(fit_time=0.25):
    fitted = {"coef": [0.5, 0.0, -2.5, 0.1, 0.0], "y_pred": [1.5, 2.0, 2.0],
              "conf_int": [[0, 1], [-0.1, 0.1], [-3, -2.1], [0.05, 0.2], [-1, 1]],
              "extra": 7.0}
    data = {"coef": np.array([1.0, 0.0, -2.0, 0.0, 0.0]),
            "y_test": np.array([1.0, 2.0, 3.0]), "X_test": np.zeros((3, 5))}
    return MethodOutput(fitted, data, fit_time), data


@pytest.mark.parametrize("metric, expected", [
    (L2Error(), math.sqrt(0.25 + 0.25 + 0.01)),
    (L1Error(), 1.1),
    (TruePositiveRate(), 1.0),
    (FalsePositiveRate(), 1 / 3),
    (TruePositiveRate(threshold=0.6), 0.5),
    (FalsePositiveRate(threshold=0.2), 0.0),
    (PredictionError(), (0.25 + 0 + 1) / 3),
    (Bias(coef=2), -0.5),
    (Bias(coef=-3), -0.5),
    (EmpiricalSE(coef=2), -2.5),
    (RMSE(coef=0), 0.25),
    (Coverage(), 3 / 5),
    (Coverage(coef="support"), 1 / 2),
    (Coverage(coef="zeros"), 2 / 3),
    (Coverage(coef=[0, 3]), 1 / 2),
    (Coverage(coef=4), 1.0),
    (IntervalWidth(), (1 + 0.2 + 0.9 + 0.15 + 2) / 5),
    (IntervalWidth(coef="support"), (1 + 0.9) / 2),
    (FitTime(), 0.25),
])
def test_metric_values_by_hand(metric, expected):
    output, data = _output()
    assert metric.evaluate(output, data) == pytest.approx(expected, rel=1e-12)


def test_metric_names_and_extras():
    assert [m.name for m in (Bias(), Bias(coef=2), EmpiricalSE(1), RMSE(0),
                             Coverage(), Coverage(coef=[0, 3]), IntervalWidth("zeros"),
                             L2Error(), FitTime())] == [
        "bias[0]", "bias[2]", "empirical_se[1]", "rmse[0]", "coverage",
        "coverage[0,3]", "interval_width[zeros]", "l2_error", "fit_time"]
    output, _ = _output()
    assert output.extras == {"extra": 7.0}
    assert not FitTime.reproducible and L2Error.reproducible


def test_prediction_error_misclassification():
    data = {"y_test": np.array([0, 1, 1, 0]), "X_test": np.zeros((4, 1))}
    output = MethodOutput({"y_pred": np.array([0, 1, 0, 1])}, data, 0.0)
    assert PredictionError(loss="misclassification").evaluate(output, data) == 0.5
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] > 0).astype(int)
    clf = LogisticRegression().fit(X, y)
    X_test = rng.standard_normal((30, 2))
    y_test = (X_test[:, 1] > 0).astype(int)
    data = {"X_test": X_test, "y_test": y_test}
    output = MethodOutput(clf, data, 0.0)
    expected = np.mean(clf.predict(X_test) != y_test)
    assert PredictionError().evaluate(output, data) == expected  # "auto"
    assert 0 < expected < 1


class _Interval(RegressorMixin, BaseEstimator):
    """A fitted 'estimator' whose intervals are coef ± z_{1-alpha/2}."""

    def __init__(self):
        self.coef_ = np.array([0.0, 1.0])

    def fit(self, X, y):
        return self

    def conf_int(self, alpha=0.05):
        z = stats.norm.ppf(1 - alpha / 2)
        return np.c_[self.coef_ - z, self.coef_ + z]


def test_interval_metrics_pass_the_level_to_conf_int():
    data = {"coef": np.array([0.0, 2.5])}
    output = MethodOutput(_Interval(), data, 0.0)
    # |2.5 - 1| = 1.5 is inside the 90% interval (z=1.64), not the 80% (1.28).
    assert Coverage(level=0.9).evaluate(output, data) == 1.0
    assert Coverage(level=0.8).evaluate(output, data) == 0.5
    assert IntervalWidth(level=0.9).evaluate(output, data) == pytest.approx(
        2 * stats.norm.ppf(0.95))
    mapping, data = _output()
    with pytest.raises(ValueError, match="95%"):
        Coverage(level=0.9).evaluate(mapping, data)


def test_metric_errors():
    output, data = _output()
    with pytest.raises(ValueError, match="no non-zero"):
        TruePositiveRate().evaluate(output, {"coef": np.zeros(5)})
    with pytest.raises(ValueError, match="no zero"):
        FalsePositiveRate().evaluate(output, {"coef": np.ones(5)})
    with pytest.raises(ValueError, match="coefficients"):
        L2Error().evaluate(output, {"coef": np.zeros(4)})
    with pytest.raises(ValueError, match="true 'coef'"):
        L2Error().evaluate(output, {})
    with pytest.raises(ValueError, match="out of range"):
        Bias(coef=5).evaluate(output, data)
    with pytest.raises(ValueError, match="out of range"):
        Coverage(coef=[7]).evaluate(output, data)
    with pytest.raises(ValueError, match="X_test"):
        PredictionError().evaluate(MethodOutput({"y_pred": [1]}, {}, 0.0), {})
    with pytest.raises(ValueError, match="no 'coef'"):
        L2Error().evaluate(MethodOutput({}, data, 0.0), data)
    with pytest.raises(ValueError, match="no coef_"):
        L2Error().evaluate(MethodOutput(object(), data, 0.0), data)
    with pytest.raises(TypeError, match="coef"):
        Bias(coef=True)
    with pytest.raises(TypeError, match="coef"):
        Bias(coef=1.0)
    with pytest.raises(ValueError, match="coef"):
        Coverage(coef="some")
    with pytest.raises(TypeError, match="coef"):
        Coverage(coef=[0.5])
    with pytest.raises(ValueError, match="level"):
        Coverage(level=1.0)
    with pytest.raises(ValueError, match="loss"):
        PredictionError(loss="absolute")
    with pytest.raises(ValueError, match="threshold"):
        TruePositiveRate(threshold=-1)


# -- aggregates and their Monte-Carlo standard errors ------------------------

def test_mcse_formulas_by_direct_computation():
    rng = np.random.default_rng(5)
    R = 25
    v = rng.standard_normal(R) + 1.0
    s = v.std(ddof=1)
    for metric in (L2Error(), Bias(), FitTime(), Coverage()):
        est, se = metric.aggregate(v)
        assert est == pytest.approx(v.mean(), rel=1e-14)
        assert se == pytest.approx(s / math.sqrt(R), rel=1e-14)
    est, se = EmpiricalSE().aggregate(v)
    assert est == pytest.approx(s, rel=1e-14)
    assert se == pytest.approx(s / math.sqrt(2 * (R - 1)), rel=1e-14)
    # RMSE: per-repetition squared errors; delta method on the MSE's MCSE.
    sq = v ** 2
    mse, mse_se = sq.mean(), sq.std(ddof=1) / math.sqrt(R)
    est, se = RMSE().aggregate(sq)
    assert est == pytest.approx(math.sqrt(mse), rel=1e-14)
    assert se == pytest.approx(mse_se / (2 * math.sqrt(mse)), rel=1e-14)
    # Coverage of 0/1 indicators: Morris et al.'s sqrt(c(1-c)/R), up to
    # the factor sqrt(R/(R-1)) of the sample standard deviation.
    hits = (rng.uniform(size=R) < 0.8).astype(float)
    c = hits.mean()
    est, se = Coverage().aggregate(hits)
    assert est == c
    assert se == pytest.approx(math.sqrt(c * (1 - c) / R * R / (R - 1)), rel=1e-12)


def test_mcse_edge_cases():
    assert all(np.isnan(L2Error().aggregate([])))
    est, se = L2Error().aggregate([2.0])
    assert est == 2.0 and np.isnan(se)
    assert all(np.isnan(EmpiricalSE().aggregate([1.0])))
    assert RMSE().aggregate([0.0, 0.0, 0.0]) == (0.0, 0.0)


def test_aggregate_matches_the_per_repetition_table(reference):
    frame = reference.to_frame()
    agg = reference.aggregate()
    assert list(agg.columns) == ["dgm", "noise", "n_obs", "method", "metric",
                                 "estimate", "mcse", "n"]
    assert len(agg) == 2 * 3 * len(reference.metrics)
    for metric in reference.metrics:
        for (n_obs, method), group in frame.groupby(["n_obs", "method"]):
            row = agg[(agg["n_obs"] == n_obs) & (agg["method"] == method)
                      & (agg["metric"] == metric.name)]
            est, se = metric.aggregate(group[metric.name].to_numpy())
            assert row["estimate"].item() == pytest.approx(est, rel=1e-14, nan_ok=True)
            assert row["mcse"].item() == pytest.approx(se, rel=1e-14, nan_ok=True)
            assert row["n"].item() == 6


@pytest.fixture(scope="module")
def mean_study():
    """K independent blocks (cells) of R repetitions of the normal-mean study."""
    K, R = 150, 40
    study = Study(DGM(mean_dgm, grid={"block": list(range(K))}), normal_mean,
                  metrics=["bias", "empirical_se", "rmse", "coverage",
                           "interval_width"], n_reps=R, random_state=2024)
    return study.run(progress=False), K, R


@pytest.mark.parametrize("metric", ["bias[0]", "empirical_se[0]", "rmse[0]",
                                    "coverage"])
def test_reported_mcse_matches_the_spread_across_independent_studies(
        mean_study, metric):
    """(K-1) S^2 / sigma^2 ~ chi^2_{K-1} for the K block estimates, with
    sigma^2 estimated by the mean squared reported MCSE (a far more precise
    estimate: it pools K (R-1) degrees of freedom); accept between the 0.05%
    and 99.95% quantiles. A missing factor sqrt(2) in a MCSE (variance ratio
    2 or 1/2) lies far outside."""
    result, K, _ = mean_study
    agg = result.aggregate()
    agg = agg[agg["metric"] == metric]
    assert len(agg) == K
    ratio = agg["estimate"].var(ddof=1) / np.mean(agg["mcse"] ** 2)
    lo, hi = stats.chi2.ppf([0.0005, 0.9995], K - 1) / (K - 1)
    assert lo < ratio < hi, ratio


def test_exact_intervals_cover_at_their_level(mean_study):
    """Pooled over all K R repetitions the coverage of the exact 95% interval
    is 0.95 within 3 MCSE; the bias is 0 within 3 MCSE; the empirical SE is
    1/sqrt(10) within 3 MCSE; the interval width is exact."""
    result, K, R = mean_study
    frame = result.to_frame()
    assert len(frame) == K * R
    cov, cov_se = Coverage().aggregate(frame["coverage"])
    assert abs(cov - 0.95) < 3 * cov_se
    assert cov_se == pytest.approx(math.sqrt(0.95 * 0.05 / (K * R)), rel=0.2)
    bias, bias_se = Bias().aggregate(frame["bias[0]"])
    assert abs(bias) < 3 * bias_se
    emp, emp_se = EmpiricalSE().aggregate(frame["empirical_se[0]"])
    assert abs(emp - 1 / math.sqrt(10)) < 3 * emp_se
    np.testing.assert_allclose(frame["interval_width"], 2 * Z975 / math.sqrt(10),
                               rtol=1e-12)


# -- failures ------------------------------------------------------------------

def _flaky_study(on_error):
    return Study(DGM(linear_dgm, grid={"n_obs": [8, 9]}), {"ols": ols, "flaky": flaky},
                 metrics=["l2_error", FirstY()], n_reps=8, random_state=0,
                 on_error=on_error)


def test_on_error_record_records_warns_and_excludes():
    with pytest.warns(UserWarning, match="fits or their metrics failed"):
        result = _flaky_study("record").run(progress=False)
    frame = result.to_frame()
    ok, bad = frame[frame["method"] == "ols"], frame[frame["method"] == "flaky"]
    failed = (ok["y0"] > 0).to_numpy()
    assert 0 < failed.sum() < len(failed)
    np.testing.assert_array_equal(bad["error"] != "", failed)
    assert (bad.loc[failed, "error"] == "ValueError: boom").all()
    assert bad.loc[failed, "l2_error"].isna().all()
    assert (ok["error"] == "").all()
    agg = result.aggregate()
    for n_obs in (8, 9):
        mask = (bad["n_obs"] == n_obs).to_numpy()
        good = bad[mask & ~failed]
        row = agg[(agg["method"] == "flaky") & (agg["metric"] == "l2_error")
                  & (agg["n_obs"] == n_obs)]
        assert row["n"].item() == len(good)
        assert row["estimate"].item() == pytest.approx(good["l2_error"].mean())
    # The summary shows the repetitions that entered.
    assert "n" in result.summary().to_frame().columns


def test_on_error_raise_names_method_and_repetition():
    record = _flaky_study("record")
    with pytest.warns(UserWarning):
        frame = record.run(progress=False).to_frame()
    first = frame[(frame["method"] == "ols") & (frame["y0"] > 0)].iloc[0]
    with pytest.raises(RuntimeError, match="method 'flaky'") as info:
        _flaky_study("raise").run(n_jobs=1, progress=False)
    message = str(info.value)
    assert f"(repetition {first['rep']})" in message
    assert "ValueError: boom" in message and "on_error='record'" in message
    assert isinstance(info.value.__cause__, ValueError)


def failing_dgm(rng, n_obs=5):
    raise ArithmeticError("no data today")


def test_dgm_and_metric_failures():
    with pytest.raises(RuntimeError, match="DGM 'failing_dgm'.*repetition 0"):
        Study(failing_dgm, ols, metrics=["l2_error"], n_reps=2,
              random_state=0).run(progress=False)
    with pytest.warns(UserWarning, match="4 of 4 fits or their metrics failed"):
        result = Study(failing_dgm, {"a": ols, "b": jittered}, metrics=["l2_error"],
                       n_reps=2, random_state=0, on_error="record").run(progress=False)
    assert (result.to_frame()["error"] == "ArithmeticError: no data today").all()
    assert (result.aggregate()["n"] == 0).all()
    assert "n/a" in result.summary().as_text()
    # A metric the data cannot support is a bad argument of the study: it
    # stops the run at once, whatever on_error says.
    for on_error in ("raise", "record"):
        with pytest.raises(ValueError, match="'prediction_error' needs X_test"):
            Study(no_domain_dgm, ols, metrics=["prediction_error"], n_reps=2,
                  random_state=0, on_error=on_error).run(progress=False)
    with pytest.raises(ValueError, match="coef=7 is out of range"):
        Study(linear_dgm, ols, metrics=[Bias(coef=7)], n_reps=1,
              random_state=0).run(progress=False)
    with pytest.raises(ValueError, match="'tpr' is undefined"):
        Study(no_domain_dgm, least_squares, metrics=["tpr"], n_reps=1,
              random_state=0).run(progress=False)


class FailsOnSecondCoef(Metric):
    """Raises when the estimate's second coefficient is negative."""

    name = "fragile"

    def evaluate(self, output, data):
        if output.coef[1] < 0:
            raise FloatingPointError("negative")
        return 1.0


class ReturnsArray(Metric):
    name = "array_valued"

    def evaluate(self, output, data):
        return output.coef


class ReturnsInf(Metric):
    name = "infinite"

    def evaluate(self, output, data):
        return math.inf if output.coef[0] > 1.5 else 1.0


def test_a_failing_metric_leaves_the_other_metrics_of_the_fit():
    with pytest.warns(UserWarning, match="fits or their metrics failed"):
        result = Study(linear_dgm, ols, metrics=["l2_error", FailsOnSecondCoef()],
                       n_reps=6, random_state=0, on_error="record").run(
                           progress=False)
    frame = result.to_frame()
    assert frame["l2_error"].notna().all()  # TRUE_COEF[1] = -1: fragile fails
    assert frame["fragile"].isna().all()
    assert (frame["error"] == "fragile: FloatingPointError: negative").all()
    agg = result.aggregate().set_index("metric")
    assert agg.loc["l2_error", "n"] == 6 and agg.loc["fragile", "n"] == 0


def test_metric_values_must_be_real_scalars_and_non_finite_ones_warn():
    with pytest.raises(TypeError, match="'array_valued' must return a real scalar"):
        Study(linear_dgm, ols, metrics=[ReturnsArray()], n_reps=1,
              random_state=0, on_error="record").run(progress=False)
    with pytest.warns(UserWarning, match="NaN or infinite"):
        result = Study(linear_dgm, ols, metrics=[ReturnsInf()], n_reps=8,
                       random_state=0).run(progress=False)
    frame = result.to_frame()
    n_inf = int(np.isinf(frame["infinite"]).sum())
    assert 0 < n_inf < 8
    assert result.aggregate()["n"].item() == 8 - n_inf


def test_prediction_and_interval_shapes_are_checked():
    _, data = _output()
    wide = MethodOutput({"y_pred": [[1.0], [2.0], [3.0]]}, data, 0.0)
    assert PredictionError().evaluate(wide, data) == 0.0  # a column is raveled
    short = MethodOutput({"y_pred": [1.0, 2.0]}, data, 0.0)
    with pytest.raises(ValueError, match="2 predictions for 3 test rows"):
        PredictionError().evaluate(short, data)
    transposed = MethodOutput({"conf_int": np.zeros((2, 5))}, data, 0.0)
    with pytest.raises(ValueError, match=r"expected \(5, 2\)"):
        Coverage().evaluate(transposed, data)
    swapped = MethodOutput({"conf_int": np.tile([1.0, -1.0], (5, 1))}, data, 0.0)
    with pytest.raises(ValueError, match="lower bounds above upper"):
        Coverage().evaluate(swapped, data)


def test_warnings_of_a_fit_are_counted():
    result = Study(linear_dgm, {"w": warns_once, "ols": ols}, metrics=["l2_error"],
                   n_reps=3, random_state=0).run(progress=False)
    frame = result.to_frame()
    assert list(frame["n_warnings"]) == [1, 1, 1, 0, 0, 0]


# -- bad input -----------------------------------------------------------------

def not_a_mapping(rng):
    return [1, 2, 3]


def unequal_rows(rng):
    return {"X": np.zeros((4, 2)), "y": np.zeros(3), "coef": np.zeros(2)}


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(n_reps=0), ValueError, "n_reps"),
    (dict(n_reps=2.0), TypeError, "n_reps"),
    (dict(n_reps=True), TypeError, "n_reps"),
    (dict(metrics=["l2_error", "nonsense"]), ValueError, "unknown metric"),
    (dict(metrics=[]), ValueError, "metrics"),
    (dict(metrics=[3]), TypeError, "metrics"),
    (dict(metrics=["l2_error", "l2_error"]), ValueError, "metrics has two"),
    (dict(metrics=["bias", Bias(0)]), ValueError, "metrics has two"),
    (dict(methods=[ols, ols]), ValueError, "methods has two"),
    (dict(methods=[]), ValueError, "methods must not be empty"),
    (dict(methods={"": ols}), TypeError, "names"),
    (dict(methods=3), TypeError, "estimator"),
    (dict(methods=LinearRegression), TypeError, "instance"),
    (dict(dgms=[linear_dgm, linear_dgm]), ValueError, "dgms has two"),
    (dict(dgms={}), ValueError, "dgms must not be empty"),
    (dict(dgms=42), TypeError, "dgms"),
    (dict(dgms=DGM(linear_dgm, grid={"n": [3]})), ValueError, "clash"),
    (dict(dgms=DGM(linear_dgm, grid={"method": [3]})), ValueError, "clash"),
    (dict(dgms=DGM(linear_dgm, grid={"l2_error": [3]})), ValueError, "clash"),
    (dict(random_state=-1), ValueError, "random_state"),
    (dict(random_state=1.5), TypeError, "random_state"),
    (dict(random_state=np.random.default_rng(0)), TypeError, "random_state"),
    (dict(on_error="ignore"), ValueError, "on_error"),
    (dict(methods=LinearRegression(), metrics=["coverage"]), ValueError,
     "needs conf_int.*LinearRegression"),
    (dict(methods=LinearRegression(), metrics=[IntervalWidth(coef=[0])]),
     ValueError, "needs conf_int"),
    (dict(methods=make_pipeline(StandardScaler(), LinearRegression()),
          metrics=["coverage"]), ValueError, "needs conf_int"),
])
def test_study_rejects_bad_arguments(kwargs, error, match):
    base = dict(dgms=linear_dgm, methods=ols, metrics=["l2_error"], n_reps=2,
                random_state=0)
    with pytest.raises(error, match=match):
        Study(**{**base, **kwargs})


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(chunk_size=0), ValueError, "chunk_size"),
    (dict(chunk_size="big"), TypeError, "chunk_size"),
    (dict(chunk_size=1.5), TypeError, "chunk_size"),
    (dict(progress="yes"), TypeError, "progress"),
    (dict(progress=None), TypeError, "progress"),
    (dict(n_jobs=0), ValueError, "n_jobs"),
    (dict(n_jobs="2"), TypeError, "n_jobs"),
    (dict(checkpoint="results.txt"), ValueError, "checkpoint must end in"),
    (dict(checkpoint=7), TypeError, "checkpoint"),
])
def test_run_rejects_bad_arguments(kwargs, error, match, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    study = Study(linear_dgm, ols, metrics=["l2_error"], n_reps=1, random_state=0)
    with pytest.raises(error, match=match):
        study.run(**{"progress": False, **kwargs})
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("dgm, error, match", [
    (not_a_mapping, TypeError, "must return a mapping"),
    (unequal_rows, ValueError, "4 rows and y with 3"),
])
@pytest.mark.parametrize("on_error", ["raise", "record"])
def test_dgm_returning_bad_data_is_a_bad_argument(dgm, error, match, on_error):
    study = Study(dgm, ols, metrics=["l2_error"], n_reps=1, random_state=0,
                  on_error=on_error)
    with pytest.raises(error, match=match):
        study.run(progress=False)


def test_interval_metrics_accept_a_pipeline_ending_in_conf_int():
    pipe = make_pipeline(StandardScaler(with_mean=False, with_std=False), _Fixed())
    result = Study(linear_dgm, {"pipe": pipe}, metrics=["coverage", "interval_width"],
                   n_reps=2, random_state=0).run(progress=False)
    frame = result.to_frame()
    assert (frame["coverage"] == 0.5).all()  # covers 1.5 and -1, not the zeros
    assert (frame["interval_width"] == 1.0).all()


class _Fixed(RegressorMixin, BaseEstimator):
    """Intervals [1, 2] and [-1.5, -0.5] for the first two coefficients, [5, 6] else."""

    def fit(self, X, y):
        self.coef_ = np.zeros(X.shape[1])
        return self

    def predict(self, X):
        return X @ self.coef_

    def conf_int(self, alpha=0.05):
        ci = np.tile([5.0, 6.0], (self.coef_.size, 1))
        ci[:2] = [[1.0, 2.0], [-1.5, -0.5]]
        return ci


def test_dgm_and_method_reject_bad_arguments():
    with pytest.raises(TypeError, match="func must be callable"):
        DGM("not callable")
    with pytest.raises(TypeError, match="params"):
        DGM(linear_dgm, params=[("n_obs", 3)])
    with pytest.raises(TypeError, match="name"):
        DGM(linear_dgm, name="")
    with pytest.raises(TypeError, match="grid of DGM 'linear_dgm'"):
        DGM(linear_dgm, grid={"n_obs": 5})
    with pytest.raises(ValueError, match="rows"):
        Method(LinearRegression(), rows="source")
    with pytest.raises(TypeError, match="fit_params"):
        Method(LinearRegression(), fit_params=[1])
    with pytest.raises(TypeError, match="estimator"):
        Method(42)
    with pytest.raises(TypeError, match="instance"):
        Method(LinearRegression)
    with pytest.raises(TypeError, match="name"):
        Method(ols, name=3)


# -- progress ------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_quiet_when_off_or_not_a_terminal(capsys):
    study = Study(linear_dgm, ols, metrics=["l2_error"], n_reps=3, random_state=0)
    study.run(progress=False)
    study.run(progress=True)  # pytest's captured stderr is not a terminal
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_bar_on_a_terminal(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    study = Study(linear_dgm, ols, metrics=["l2_error"], n_reps=3, random_state=0)
    study.run(progress=True)
    assert "study:" in terminal.getvalue() and "/3 " in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    study.run(progress=False)
    assert quiet.getvalue() == ""


# -- summary, LaTeX, plot --------------------------------------------------------

def _entries(result):
    agg = result.aggregate()
    return [f"{e:.3g} ({s:.2g})" for e, s in zip(agg["estimate"], agg["mcse"])]


def test_summary_formats_contain_methods_metrics_and_aggregates(reference):
    summary = reference.summary()
    assert isinstance(summary, StudySummary)
    wide = summary.to_frame()
    assert list(wide.columns) == [m.name for m in reference.metrics]
    assert list(wide.index.names) == ["dgm", "n_obs", "method"]
    assert len(wide) == 2 * 3
    assert summary.fixed == {"noise": 1.0} and summary.varying == ["n_obs"]
    entries = _entries(reference)
    assert sorted(wide.to_numpy().ravel()) == sorted(entries)
    text, html = summary.as_text(), summary.as_html()
    markdown, latex = summary.to_markdown(), reference.to_latex()
    assert str(summary) == text and summary._repr_html_() == html
    for output in (text, html, markdown, latex):
        for method in ("ols", "jittered", "recorder"):
            assert method in output
        for entry in entries:
            assert entry in output
    for name in REPRODUCIBLE:
        assert name in text and name in html and name in markdown
        assert name.replace("_", r"\_") in latex
    assert "6 repetitions" in text and "noise=1.0" in text
    assert "<table" in html
    assert markdown.count("\n|") >= 2 + 6
    assert latex.startswith("\\begin{tabular}{lll" + "r" * 6 + "}")
    assert "\\toprule" in latex and "\\bottomrule" in latex
    assert latex.count("\\\\") == 1 + 6
    with pytest.raises(ValueError, match="digits"):
        reference.summary(digits=0)
    with pytest.raises(TypeError, match="digits"):
        reference.summary(digits=2.0)


def test_summary_of_dgms_with_different_parameters():
    study = Study({"a": DGM(linear_dgm, grid={"n_obs": [10, 20]}),
                   "b": DGM(no_domain_dgm, grid={"n_obs": [9]}),
                   "c": DGM(mean_dgm, grid={"block": [0, 1]})},
                  {"ls": least_squares}, metrics=["l2_error"], n_reps=2,
                  random_state=0)
    result = study.run(progress=False)
    wide = result.summary().to_frame()
    assert len(wide) == 5  # one row per (cell, method): no spurious combinations
    assert sorted(wide["l2_error"]) == sorted(_entries(result))
    assert result.varying_params == ["n_obs", "block"]


def weighted_dgm(rng, weights=(1.0, 1.0), n_obs=10):
    return linear_dgm(rng, n_obs)


def test_summary_and_plot_with_list_valued_parameters():
    import matplotlib.pyplot as plt

    study = Study(DGM(weighted_dgm, grid={"weights": [[1, 2], [3, 4]]}),
                  {"ols": ols}, metrics=["l2_error"], n_reps=2, random_state=0)
    result = study.run(progress=False)
    assert list(result.to_frame()["weights"][::2]) == [[1, 2], [3, 4]]
    wide = result.summary().to_frame()
    assert list(wide.index.get_level_values("weights")) == ["[1, 2]", "[3, 4]"]
    assert "[3, 4]" in result.summary().as_text()
    plt.close(result.plot("l2_error"))


def test_summary_digits_and_latex_escaping():
    result = Study({"my_dgm": DGM(linear_dgm, grid={"n_obs": [10]})},
                   {"a&b%": ols}, metrics=["l2_error"], n_reps=3,
                   random_state=0).run(progress=False)
    est, se = result.aggregate()[["estimate", "mcse"]].iloc[0]
    assert f"{est:.5g} ({se:.2g})" in result.summary(digits=5).as_text()
    latex = result.to_latex()
    assert r"a\&b\%" in latex and r"my\_dgm" in latex


def test_plot_lines_and_error_bars(reference):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    fig = reference.plot("l2_error", x="n_obs")
    try:
        assert isinstance(fig, Figure)
        axes = [ax for ax in fig.axes if ax.get_visible()]
        assert len(axes) == 1
        ax = axes[0]
        assert len(ax.containers) == 3  # one errorbar line per method
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [
            "ols", "jittered", "recorder"]
        assert ax.get_xlabel() == "n_obs" and ax.get_ylabel() == "l2_error"
        agg = reference.aggregate()
        for container, method in zip(ax.containers, ["ols", "jittered", "recorder"]):
            rows = agg[(agg["method"] == method) & (agg["metric"] == "l2_error")]
            line, _, (bars,) = container.lines
            np.testing.assert_array_equal(line.get_xdata(), [20, 40])
            np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float),
                                       rows["estimate"])
            half = [(seg[1, 1] - seg[0, 1]) / 2 for seg in bars.get_segments()]
            np.testing.assert_allclose(half, 1.96 * rows["mcse"], rtol=1e-12)
    finally:
        plt.close(fig)
    fig = reference.plot("tpr", n_se=1.0)  # x defaults to the varying n_obs
    assert fig.axes[0].get_xlabel() == "n_obs"
    plt.close(fig)


def test_plot_without_varying_parameter_and_bad_arguments(reference):
    import matplotlib.pyplot as plt

    result = Study(linear_dgm, {"ols": ols, "jittered": jittered},
                   metrics=["l2_error"], n_reps=3, random_state=0).run(progress=False)
    fig, ax = plt.subplots()
    try:
        assert result.plot("l2_error", ax=ax) is fig
        assert [t.get_text() for t in ax.get_xticklabels()] == ["ols", "jittered"]
        assert len(ax.containers) == 2
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="metric"):
        reference.plot("nonsense")
    with pytest.raises(ValueError, match="x must be a DGM parameter"):
        reference.plot("l2_error", x="n_features")
    fig, ax = plt.subplots()
    try:
        with pytest.raises(ValueError, match="ax"):
            reference.plot("l2_error", x="noise", ax=ax)  # two panels (n_obs)
    finally:
        plt.close("all")


class Scaled(Metric):
    name = "scaled"

    def __init__(self, scale):
        self.scale = scale

    def evaluate(self, output, data):
        return self.scale * float(np.sum(output.coef))


def test_descriptions_for_fingerprints_are_stable_and_complete():
    import functools

    from sktransfer.simulation._describe import describe_value

    values = [ols, functools.partial(ols, rng=None), Scaled(2.0), Recorder(),
              np.arange(5000.0), {"b": [1, (2.0, None)], "a": np.float32(0.5)}]
    for value in values:
        text = describe_value(value)
        assert " at 0x" not in text and "..." not in text, text
    assert describe_value(ols).endswith("test_simulation.ols")
    # constructor arguments of a metric and every array element count
    assert Scaled(2.0).describe() != Scaled(3.0).describe()
    big = np.zeros(5000)
    changed = big.copy()
    changed[2500] = 1.0
    assert describe_value(big) != describe_value(changed)
    study = Study(linear_dgm, ols, metrics=[Scaled(2.0)], n_reps=1, random_state=0)
    other = Study(linear_dgm, ols, metrics=[Scaled(3.0)], n_reps=1, random_state=0)
    assert study.fingerprint() != other.fingerprint()
