"""Restricted Newton steps of WorkingSetCD (dense designs).

Oracles: the KKT conditions at the returned point, the objective of the
solver run without Newton steps at a tight tolerance, and, for a single
step, the exact minimiser of the objective restricted to the current pieces.
"""

import numpy as np
import pytest

from sktransfer._kernels import subdiff_distances
from sktransfer.datafits import Quadratic
from sktransfer.penalties import L1, ElasticNet, TransferL1
from sktransfer.solvers import WorkingSetCD, alpha_max
from sktransfer.solvers import _working_set_cd as wscd


def _problem(seed, n=80, p=200, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1))
    beta = np.zeros(p)
    beta[rng.choice(p, 15, replace=False)] = rng.normal(scale=2.0, size=15)
    y = X @ beta + 0.5 * rng.standard_normal(n) + 1.0
    source = beta + 0.05 * rng.standard_normal(p)  # dense source: many pieces
    return X.astype(dtype), y, source, rng.uniform(0.5, 2.0, n)


def _objective(datafit, penalty, w):
    a, b, c, l2 = penalty.coefficients(w.size)
    r = datafit.residual(datafit.init_state(w))
    return (0.5 * r @ r / datafit.n_samples + a @ np.abs(w) + b @ np.abs(w - c)
            + 0.5 * l2 @ (w * w))


def _kkt(datafit, penalty, w):
    grad = datafit.gradient(datafit.init_state(w))
    return subdiff_distances(w, grad, *penalty.coefficients(w.size)).max()


@pytest.fixture
def count_steps(monkeypatch):
    """Counts Newton steps; the cost model is bypassed (every settled solve
    takes a step when the factor can exist) to exercise the steps often."""
    calls = []
    step = wscd._RestrictedNewton.step
    cost = wscd._RestrictedNewton.cost

    def free(self, active, l2):
        return 0.0 if np.isfinite(cost(self, active, l2)) else np.inf

    monkeypatch.setattr(wscd._RestrictedNewton, "cost", free)

    def counting(self, *args):
        t = step(self, *args)
        calls.append(t)
        return t

    monkeypatch.setattr(wscd._RestrictedNewton, "step", counting)
    return calls


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind", ["transfer", "transfer_low", "lasso", "enet"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("weighted", [False, True])
def test_newton_reaches_the_optimum(seed, kind, fit_intercept, weighted,
                                    count_steps):
    X, y, source, sw = _problem(seed)
    datafit = Quadratic(sample_weight=sw if weighted else None,
                        fit_intercept=fit_intercept).initialize(X, y)
    unit = {"transfer": TransferL1(1.0, 0.5, source),
            "transfer_low": TransferL1(1.0, 0.2, source),
            "lasso": L1(1.0), "enet": ElasticNet(1.0, 0.7)}[kind]
    lam = alpha_max(datafit, unit)[0] / 20 if kind != "transfer_low" else 0.05
    penalty = {"transfer": TransferL1(lam, 0.5, source),
               "transfer_low": TransferL1(lam, 0.2, source),
               "lasso": L1(lam), "enet": ElasticNet(lam, 0.7)}[kind]
    with_newton = WorkingSetCD(tol=1e-12, max_iter=500).solve_initialized(
        datafit, penalty)
    assert with_newton.converged
    assert count_steps, "the cost model never allowed a Newton step"
    plain = WorkingSetCD(tol=1e-12, max_iter=500, newton=False).solve_initialized(
        datafit, penalty)
    scale = np.abs(datafit.gradient(datafit.init_state(np.zeros(X.shape[1])))).max()
    assert _kkt(datafit, penalty, with_newton.coef) <= 1e-9 * scale
    p_newton = _objective(datafit, penalty, with_newton.coef)
    p_plain = _objective(datafit, penalty, plain.coef)
    assert abs(p_newton - p_plain) <= 1e-11 * p_plain
    # the Newton tail needs fewer epochs than coordinate descent alone
    assert with_newton.n_epochs < plain.n_epochs


def test_cost_model_takes_newton_steps_on_a_hard_tail():
    # hundreds of correlated off-kink coordinates, a dense source, tight tol
    rng = np.random.default_rng(0)
    n, p = 250, 800
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    beta[rng.choice(p, 30, replace=False)] = rng.uniform(0.5, 2.0, 30)
    y = X @ beta + rng.standard_normal(n)
    source = beta + 0.05 * rng.standard_normal(p)
    datafit = Quadratic(fit_intercept=False).initialize(X, y)
    lam = alpha_max(datafit, TransferL1(1.0, 0.5, source))[0] / 10
    penalty = TransferL1(lam, 0.5, source)
    steps = []
    step = wscd._RestrictedNewton.step

    def counting(self, *args):
        steps.append(step(self, *args))
        return steps[-1]

    wscd._RestrictedNewton.step = counting
    try:
        res = WorkingSetCD(tol=1e-10, max_iter=500).solve_initialized(
            datafit, penalty)
    finally:
        wscd._RestrictedNewton.step = step
    assert res.converged and steps
    plain = WorkingSetCD(tol=1e-10, max_iter=500, newton=False).solve_initialized(
        datafit, penalty)
    assert res.n_epochs < plain.n_epochs


def test_newton_on_float32_design(count_steps):
    X, y, source, _ = _problem(7, dtype=np.float32)
    datafit = Quadratic().initialize(X, y)
    penalty = TransferL1(0.05, 0.5, source)
    res = WorkingSetCD(tol=1e-10, max_iter=500).solve_initialized(datafit, penalty)
    assert res.converged and count_steps
    plain = WorkingSetCD(tol=1e-10, max_iter=500, newton=False).solve_initialized(
        datafit, penalty)
    # float32 products in the checks: agreement to float32 rounding
    p_newton = _objective(datafit, penalty, res.coef)
    p_plain = _objective(datafit, penalty, plain.coef)
    assert abs(p_newton - p_plain) <= 1e-6 * p_plain
    assert _kkt(datafit, penalty, res.coef) <= 1e-5


def test_no_newton_step_when_there_are_more_active_coordinates_than_rows():
    X, y, source, _ = _problem(3, n=30, p=200)
    datafit = Quadratic().initialize(X, y)
    newton = wscd._RestrictedNewton(datafit)
    l2 = np.zeros(200)
    assert newton.cost(np.arange(31), l2) == np.inf
    assert np.isfinite(newton.cost(np.arange(31), l2 + 1.0))  # ridge: H > 0
    assert newton.cost(np.arange(0), l2) == np.inf


def _pieces_point(seed):
    """A point near the optimum, the active set and the datafit."""
    X, y, source, sw = _problem(seed)
    datafit = Quadratic(sample_weight=sw).initialize(X, y)
    penalty = TransferL1(0.05, 0.5, source)
    w = WorkingSetCD(tol=1e-3, newton=False).solve_initialized(
        datafit, penalty).coef
    a, b, c, l2 = penalty.coefficients(w.size)
    active = np.flatnonzero((w != 0) & (w != c))
    return datafit, penalty, w, active, (a, b, c, l2)


@pytest.mark.parametrize("seed", range(4))
def test_full_step_is_the_restricted_minimiser(seed):
    datafit, penalty, w, active, (a, b, c, l2) = _pieces_point(seed)
    r = datafit.init_state(w)
    before = _objective(datafit, penalty, w)
    pieces = wscd._pieces(w, c)
    t = wscd._RestrictedNewton(datafit).step(w, r, a, b, c, l2, active)
    assert 0 < t <= 1
    assert _objective(datafit, penalty, w) < before
    # the residual was updated consistently with the coefficients
    np.testing.assert_allclose(r, datafit.init_state(w), rtol=0, atol=1e-10)
    if t == 1.0:
        # same pieces and zero restricted gradient: the restricted minimiser
        np.testing.assert_array_equal(wscd._pieces(w, c), pieces)
        grad = datafit.gradient(r)[active]
        wa, ca = w[active], c[active]
        restricted = grad + a[active] * np.sign(wa) + b[active] * np.sign(wa - ca)
        assert np.abs(restricted).max() <= 1e-10
    else:
        # cut at a kink: at least one coordinate landed exactly on one
        moved = active[(w[active] == 0) | (w[active] == c[active])]
        assert moved.size >= 1


def test_extended_factor_equals_a_fresh_one():
    datafit, penalty, w, active, (a, b, c, l2) = _pieces_point(5)
    l2 = np.full_like(a, 0.01)
    grown = wscd._RestrictedNewton(datafit)
    assert grown._factor(active[: active.size // 2], l2)
    assert grown._factor(active, l2)
    cols = grown.cols
    assert set(cols) == set(active) and cols.size == active.size
    XA = np.asarray(datafit.X[:, cols], dtype=np.float64)
    H = XA.T @ XA / datafit.n_samples + np.diag(l2[cols])
    np.testing.assert_allclose(grown.L @ grown.L.T, H, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grown.XA, XA, rtol=0, atol=0)
    # a cheaper estimate for a superset of the factor than for a fresh one
    assert grown.cost(active, l2) < wscd._RestrictedNewton(datafit).cost(active, l2)


@pytest.mark.parametrize("seed", range(3))
def test_step_with_pinned_coordinates_equals_a_fresh_factor(seed):
    # Factor a superset of the active set; the coordinates that left it are
    # pinned (held where they are), and the step must be the one a factor of
    # the active set alone gives.
    datafit, penalty, w, active, (a, b, c, l2) = _pieces_point(seed)
    rng = np.random.default_rng(seed)
    left = rng.choice(active, size=3, replace=False)
    kept = np.setdiff1d(active, left)
    reference = wscd._RestrictedNewton(datafit)
    w_ref, r_ref = w.copy(), datafit.init_state(w)
    t_ref = reference.step(w_ref, r_ref, a, b, c, l2, kept)
    assert reference.cols.size == kept.size
    pinned = wscd._RestrictedNewton(datafit)
    assert pinned._factor(active, l2)
    assert pinned._new_columns(kept) is not None  # reused, not refactorised
    assert pinned.cost(kept, l2) < wscd._RestrictedNewton(datafit).cost(kept, l2)
    w_pin, r_pin = w.copy(), datafit.init_state(w)
    t_pin = pinned.step(w_pin, r_pin, a, b, c, l2, kept)
    assert pinned.cols.size == active.size  # the factor was kept
    assert t_pin == pytest.approx(t_ref, rel=1e-9)
    np.testing.assert_array_equal(w_pin[left], w[left])
    np.testing.assert_allclose(w_pin, w_ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(r_pin, r_ref, rtol=0, atol=1e-10)


def test_many_coordinates_leaving_rebuild_the_factor():
    datafit, penalty, w, active, (a, b, c, l2) = _pieces_point(1)
    newton = wscd._RestrictedNewton(datafit)
    assert newton._factor(active, l2)
    n_left = int(max(newton.MAX_PINNED, newton.MAX_PINNED_SHARE * active.size)) + 1
    assert newton._new_columns(active[n_left:]) is None
