"""Bad input gets a ValueError/TypeError naming the argument, never a hang,
a silent coercion or a numeric traceback."""

import signal

import numpy as np
import pytest
import scipy.sparse as sp

from sktransfer.linear_model import TransferLasso, TransferLassoCV, transfer_lasso_path
from sktransfer.penalties import TransferL1
from sktransfer.utils._validation import check_real, read_only

N, P = 20, 4
RNG = np.random.default_rng(0)
X = RNG.standard_normal((N, P))
Y = RNG.standard_normal(N)
SOURCE = np.ones(P)
DOMAIN = np.r_[-np.ones(N // 2), np.ones(N // 2)].astype(int)


@pytest.fixture(autouse=True)
def no_hang():
    """Fail (instead of hanging the suite) if a call takes over 60 s."""

    def handler(signum, frame):
        raise TimeoutError("call did not return within 60 s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def with_value(array, index, value):
    out = np.array(array, dtype=np.float64)
    out[index] = value
    return out


ESTIMATORS = {
    "TransferLasso": lambda **kw: TransferLasso(**kw),
    "TransferLassoCV": lambda **kw: TransferLassoCV(n_alphas=3, cv=3, **kw),
}

# (case id, estimator params, fit args (X, y), fit kwargs, regex naming the argument)
FIT_CASES = [
    ("X-nan", {}, (with_value(X, (0, 0), np.nan), Y), {}, r"\bX\b.*NaN"),
    ("X-inf", {}, (with_value(X, (0, 0), np.inf), Y), {}, r"\bX\b.*infinity"),
    ("X-sparse-nan", {}, (sp.csc_matrix(with_value(X, (0, 0), np.nan)), Y), {},
     r"\bX\b.*NaN"),
    ("X-sparse-inf", {}, (sp.csr_matrix(with_value(X, (1, 1), -np.inf)), Y), {},
     r"\bX\b.*infinity"),
    ("y-nan", {}, (X, with_value(Y, 0, np.nan)), {}, r"\by\b.*NaN"),
    ("y-inf", {}, (X, with_value(Y, 0, np.inf)), {}, r"\by\b.*infinity"),
    ("source-nan", {"source_coef": with_value(SOURCE, 0, np.nan)}, (X, Y), {},
     r"source_coef.*NaN"),
    ("source-inf", {"source_coef": with_value(SOURCE, 0, -np.inf)}, (X, Y), {},
     r"source_coef.*infinity"),
    ("source-short", {"source_coef": np.ones(P - 1)}, (X, Y), {}, r"source_coef"),
    ("source-long", {"source_coef": np.ones(P + 1)}, (X, Y), {}, r"source_coef"),
    ("source-2d", {"source_coef": np.ones((P, 1))}, (X, Y), {}, r"source_coef"),
    ("source-str", {"source_coef": "ones"}, (X, Y), {}, r"source_coef"),
    ("l1_ratio-high", {"l1_ratio": 1.5}, (X, Y), {}, r"l1_ratio"),
    ("l1_ratio-low", {"l1_ratio": -0.1}, (X, Y), {}, r"l1_ratio"),
    ("l1_ratio-nan", {"l1_ratio": np.nan}, (X, Y), {}, r"l1_ratio"),
    ("l1_ratio-str", {"l1_ratio": "0.5"}, (X, Y), {}, r"l1_ratio"),
    ("domain-short", {}, (X, Y), {"sample_domain": DOMAIN[:5]}, r"sample_domain"),
    ("domain-long", {}, (X, Y), {"sample_domain": np.r_[DOMAIN, -1]}, r"sample_domain"),
    ("domain-no-target", {}, (X, Y), {"sample_domain": np.ones(N, dtype=int)},
     r"sample_domain.*target"),
    ("domain-zero", {}, (X, Y), {"sample_domain": np.zeros(N, dtype=int)},
     r"sample_domain.*0"),
    ("domain-fractional", {}, (X, Y), {"sample_domain": np.full(N, -0.5)},
     r"sample_domain.*integer"),
    ("domain-nan", {}, (X, Y), {"sample_domain": with_value(-np.ones(N), 0, np.nan)},
     r"sample_domain"),
    ("domain-str", {}, (X, Y), {"sample_domain": np.array(["t"] * N)},
     r"sample_domain"),
    ("domain-2d", {}, (X, Y), {"sample_domain": -np.ones((N, 1), dtype=int)},
     r"sample_domain"),
    ("single-source-row", {}, (X, Y), {"sample_domain": np.r_[-np.ones(N - 1), 1]},
     r"sample_domain.*single source row"),
    ("empty", {}, (np.empty((0, P)), np.empty(0)), {}, r"\bX\b.*0 sample"),
    ("empty-list", {}, ([], []), {}, r"\bX\b.*0 sample"),
    ("no-features", {}, (np.empty((N, 0)), Y), {}, r"0 feature"),
    ("X-1d", {}, (Y, Y), {}, r"2D array"),
    ("X-complex", {}, (X + 1j, Y), {}, r"[Cc]omplex"),
    ("weight-negative", {}, (X, Y), {"sample_weight": with_value(np.ones(N), 0, -1.0)},
     r"sample_weight"),
    ("weight-all-zero", {}, (X, Y), {"sample_weight": np.zeros(N)},
     r"[Ss]ample[ _]weight"),
    ("weight-short", {}, (X, Y), {"sample_weight": np.ones(N - 1)}, r"sample_weight"),
    ("weight-nan", {}, (X, Y), {"sample_weight": with_value(np.ones(N), 0, np.nan)},
     r"sample_weight"),
    ("weight-zero-on-target", {}, (X, Y),
     {"sample_weight": np.r_[np.zeros(N // 2), np.ones(N // 2)],
      "sample_domain": DOMAIN},
     r"sample_weight.*target"),
    ("weight-zero-on-sources", {}, (X, Y),
     {"sample_weight": np.r_[np.ones(N // 2), np.zeros(N // 2)],
      "sample_domain": DOMAIN},
     r"sample_weight.*source"),
    ("max_iter-zero", {"max_iter": 0}, (X, Y), {}, r"max_iter"),
    ("max_iter-float", {"max_iter": 2.5}, (X, Y), {}, r"max_iter"),
    ("tol-negative", {"tol": -1.0}, (X, Y), {}, r"\btol\b"),
    ("fit_intercept-str", {"fit_intercept": "yes"}, (X, Y), {}, r"fit_intercept"),
]


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("case, params, args, kwargs, match", FIT_CASES,
                         ids=[c[0] for c in FIT_CASES])
def test_fit_rejects_bad_input(name, case, params, args, kwargs, match):
    estimator = ESTIMATORS[name](**params)
    with pytest.raises((ValueError, TypeError), match=match):
        estimator.fit(*args, **kwargs)


@pytest.mark.parametrize("params, match", [
    ({"alpha": -1.0}, r"\balpha\b"),
    ({"alpha": np.nan}, r"\balpha\b"),
    ({"alpha": np.inf}, r"\balpha\b"),
    ({"alpha": "1"}, r"\balpha\b"),
    ({"warm_start": 1}, r"warm_start"),
    ({"weights_l1": np.ones(P - 1)}, r"weights_l1"),
    ({"weights_l1": -np.ones(P)}, r"weights_l1"),
    ({"weights_transfer": with_value(np.ones(P), 0, np.nan)}, r"weights_transfer"),
])
def test_transfer_lasso_rejects_bad_params(params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TransferLasso(**params).fit(X, Y)


@pytest.mark.parametrize("params, match", [
    ({"alphas": [-1.0, 0.1]}, r"alphas"),
    ({"alphas": [np.nan]}, r"alphas"),
    ({"alphas": [np.inf]}, r"alphas"),
    ({"alphas": []}, r"alphas"),
    ({"l1_ratio": [0.5, 2.0]}, r"l1_ratio"),
    ({"l1_ratio": []}, r"l1_ratio"),
    ({"l1_ratio": [[0.5]]}, r"l1_ratio"),
    ({"n_alphas": 0}, r"n_alphas"),
    ({"eps": 0.0}, r"\beps\b"),
    ({"eps": 2.0}, r"\beps\b"),
    ({"cv": "five"}, r"\bcv\b"),
    ({"n_jobs": 1.5}, r"n_jobs"),
])
def test_transfer_lasso_cv_rejects_bad_params(params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        TransferLassoCV(**params).fit(X, Y)


def test_cv_with_too_few_target_rows():
    with pytest.raises(ValueError, match=r"n_splits"):
        TransferLassoCV(cv=5).fit(
            X, Y, sample_domain=np.r_[-np.ones(3), np.ones(N - 3)]
        )


def test_cv_fold_with_zero_weight():
    weights = np.r_[np.ones(N // 2), np.zeros(N // 2)]
    with pytest.raises(ValueError, match=r"sample_weight"):
        TransferLassoCV(cv=2, n_alphas=3).fit(X, Y, sample_weight=weights)


PATH_CASES = [
    ("X-nan", (with_value(X, (0, 0), np.nan), Y), {}, r"\bX\b.*NaN"),
    ("y-inf", (X, with_value(Y, 0, np.inf)), {}, r"\by\b.*infinity"),
    ("source-nan", (X, Y), {"source_coef": with_value(SOURCE, 0, np.nan)},
     r"source_coef"),
    ("source-length", (X, Y), {"source_coef": np.ones(P - 1)}, r"source_coef"),
    ("l1_ratio-high", (X, Y), {"l1_ratio": 2.0}, r"l1_ratio"),
    ("l1_ratio-nan", (X, Y), {"l1_ratio": np.nan}, r"l1_ratio"),
    ("l1_ratio-str", (X, Y), {"l1_ratio": "half"}, r"l1_ratio"),
    ("alphas-negative", (X, Y), {"alphas": [-0.1]}, r"alphas"),
    ("alphas-empty", (X, Y), {"alphas": []}, r"alphas"),
    ("n_alphas-zero", (X, Y), {"n_alphas": 0}, r"n_alphas"),
    ("eps-zero", (X, Y), {"eps": 0.0}, r"\beps\b"),
    ("eps-nan", (X, Y), {"eps": np.nan}, r"\beps\b"),
    ("eps-str", (X, Y), {"eps": "small"}, r"\beps\b"),
    ("domain-without-source_coef", (X, Y), {"sample_domain": DOMAIN}, r"source_coef"),
    ("domain-length", (X, Y), {"sample_domain": DOMAIN[:3], "source_coef": SOURCE},
     r"sample_domain"),
    ("domain-no-target", (X, Y),
     {"sample_domain": np.ones(N, dtype=int), "source_coef": SOURCE},
     r"sample_domain"),
    ("empty", (np.empty((0, P)), np.empty(0)), {}, r"\bX\b.*0 sample"),
    ("weight-negative", (X, Y), {"sample_weight": -np.ones(N)}, r"sample_weight"),
    ("weight-length", (X, Y), {"sample_weight": np.ones(3)}, r"sample_weight"),
    ("coef_init-length", (X, Y), {"coef_init": np.ones(P - 1)}, r"coef_init"),
    ("coef_init-nan", (X, Y), {"coef_init": with_value(SOURCE, 0, np.nan)},
     r"coef_init"),
    ("max_iter-zero", (X, Y), {"max_iter": 0}, r"max_iter"),
    ("tol-negative", (X, Y), {"tol": -1.0}, r"\btol\b"),
]


@pytest.mark.parametrize("case, args, kwargs, match", PATH_CASES,
                         ids=[c[0] for c in PATH_CASES])
def test_path_rejects_bad_input(case, args, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        transfer_lasso_path(*args, **kwargs)


@pytest.mark.parametrize("args, match", [
    ((-1.0, 0.5, SOURCE), r"\balpha\b"),
    ((1.0, 1.5, SOURCE), r"l1_ratio"),
    ((1.0, 0.5, with_value(SOURCE, 0, np.nan)), r"source_coef"),
    ((1.0, 0.5, np.ones((2, 2))), r"source_coef"),
])
def test_penalty_rejects_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        TransferL1(*args)


def test_predict_rejects_bad_input():
    model = TransferLasso(alpha=0.1).fit(X, Y)
    with pytest.raises(ValueError, match=r"\bX\b.*NaN"):
        model.predict(with_value(X, (0, 0), np.nan))
    with pytest.raises(ValueError, match=r"features"):
        model.predict(X[:, :2])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TransferLasso().predict(X)


def test_nothing_is_silently_coerced():
    # inputs are validated, not mutated
    source = SOURCE.copy()
    X_in, y_in = X.copy(), Y.copy()
    domain = DOMAIN.copy()
    model = TransferLasso(alpha=0.1, source_coef=source).fit(X_in, y_in,
                                                             sample_domain=domain)
    np.testing.assert_array_equal(source, SOURCE)
    np.testing.assert_array_equal(X_in, X)
    np.testing.assert_array_equal(y_in, Y)
    np.testing.assert_array_equal(domain, DOMAIN)
    assert model.get_params()["source_coef"] is source


# -- the shared argument checks (sktransfer.utils._validation) ------------------


@pytest.mark.parametrize("kwargs, value, message", [
    # without maximum: the messages the callers have always given
    ({"minimum": 0, "strict": True}, 0.0, "x must be finite and > 0, got 0.0."),
    ({"minimum": 0}, -1, "x must be finite and >= 0, got -1.0."),
    ({}, np.inf, "x must be finite, got inf."),
    # with maximum: the interval, open or closed at each end
    ({"minimum": 0, "strict": True, "maximum": 1, "strict_maximum": True}, 1.0,
     r"x must be in \(0, 1\), got 1.0."),
    ({"minimum": 0, "strict": True, "maximum": 1, "strict_maximum": True}, 0,
     r"x must be in \(0, 1\), got 0.0."),
    ({"minimum": 0.0, "maximum": 1.0}, 1.5, r"x must be in \[0.0, 1.0\], got 1.5."),
    ({"minimum": 0.0, "maximum": 1.0}, -0.5, r"x must be in \[0.0, 1.0\], got -0.5."),
    ({"maximum": 0.5}, np.nan, r"x must be in \(-inf, 0.5\], got nan."),
    ({"minimum": 0, "maximum": 1}, np.inf, r"x must be in \[0, 1\], got inf."),
])
def test_check_real_bounds(kwargs, value, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        check_real(value, "x", **kwargs)


def test_check_real_accepts_the_bounds():
    assert check_real(1, "x", 0, maximum=1) == 1.0
    assert check_real(0, "x", 0, maximum=1) == 0.0
    assert check_real(np.array(0.5), "x", 0, strict=True, maximum=1,
                      strict_maximum=True) == 0.5
    assert check_real(-7.0, "x", maximum=1) == -7.0
    with pytest.raises(TypeError, match="x must be a real number"):
        check_real(True, "x", 0, maximum=1)


def test_read_only_copies():
    source = [1, 2, 3]
    arr = read_only(source)
    assert arr.dtype == np.float64 and not arr.flags.writeable
    with pytest.raises(ValueError):
        arr[0] = 0.0
    flags = np.array([True, False])
    out = read_only(flags, bool)
    assert out.dtype == bool and out is not flags and flags.flags.writeable
