"""Task-diversity diagnostics, subspace distances, TJJ bounds and the simulator.

Monte-Carlo checks use fixed seeds. Each tolerance is a multiple of the
Monte-Carlo standard error, derived in the comment next to it: a test that
fails points at the formula or the code, not at an unlucky seed.
"""

import math
import warnings

import numpy as np
import pytest

from sktransfer.datasets import LowRankTasks, make_low_rank_tasks
from sktransfer.representation import (
    IdentifiabilityWarning,
    RepresentationBound,
    TaskDiversity,
    TransferBound,
    mom_diversity,
    representation_bound,
    subspace_distance,
    task_diversity,
    transfer_bound,
)
from sktransfer.utils._threads import single_blas_thread


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Two BLAS threads on the shared 2-core machines make the large products
    # here several times slower, not faster.
    with single_blas_thread():
        yield


def _moment_eigenvalues(X, y):
    Z = X * np.abs(y)[:, None]
    return np.linalg.eigvalsh(Z.T @ Z / y.shape[0])


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IdentifiabilityWarning)
        return func(*args, **kwargs)


# -- simulator ----------------------------------------------------------------------

def test_simulator_shapes_labels_and_model():
    t, n, d, r = 7, 5, 6, 2
    data = make_low_rank_tasks(t, n, d, r, noise=0.0, random_state=0)
    assert isinstance(data, LowRankTasks)
    X, y, labels, B, A = data
    assert X.shape == (t * n, d) and y.shape == (t * n,)
    assert B.shape == (d, r) and A.shape == (t, r)
    np.testing.assert_array_equal(labels, np.repeat(np.arange(1, t + 1), n))
    assert labels.dtype.kind == "i"
    np.testing.assert_allclose(B.T @ B, np.eye(r), atol=1e-12)
    # noise=0: y is exactly xᵀ B α_label
    np.testing.assert_allclose(y, np.sum((X @ B) * A[labels - 1], axis=1), atol=1e-12)
    assert data.task_labels is labels


def test_simulator_reproducible():
    a = make_low_rank_tasks(4, 3, 5, 2, random_state=3)
    b = make_low_rank_tasks(4, 3, 5, 2, random_state=3)
    c = make_low_rank_tasks(4, 3, 5, 2, random_state=4)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.allclose(a.y, c.y)
    g = np.random.default_rng(5)
    assert not np.allclose(make_low_rank_tasks(4, 3, 5, 2, random_state=g).y,
                           make_low_rank_tasks(4, 3, 5, 2, random_state=g).y)


def test_simulator_noise_level():
    # Var(y | task) = ‖α_j‖² + σ²; residual variance around the true signal is σ²
    # with standard error σ² sqrt(2/N) = 4 * 0.0063 at N = 50_000: 5 s.e. tolerance.
    X, y, labels, B, A = make_low_rank_tasks(100, 500, 4, 2, noise=2.0, random_state=1)
    resid = y - np.sum((X @ B) * A[labels - 1], axis=1)
    assert abs(resid.var() / 4.0 - 1) < 5 * math.sqrt(2 / y.shape[0])


@pytest.mark.parametrize("prior, kwargs, lam", [
    ("well-conditioned", {}, [0.25] * 4),
    ("ill-conditioned", {"diversity": 0.05}, [0.95 / 3] * 3 + [0.05]),
    ("low-diversity", {"n_directions": 2}, [0.5, 0.5, 0.0, 0.0]),
])
def test_simulator_task_prior_matches(prior, kwargs, lam):
    # A = Z Λ^{1/2} with Z i.i.d. N(0, 1): W = ZᵀZ/t - I has E‖W‖_F² = r(r+1)/t.
    # The smallest eigenvalue of AᵀA/t = Λ^{1/2}(I + W)Λ^{1/2} is within
    # ν ‖W‖_op <= ν ‖W‖_F of ν, so |ν̂/ν - 1| <= ‖W‖_F: 4 times its RMS as the
    # tolerance (3.6% at t = 100_000, r = 4).
    t, r = 100_000, 4
    X, y, labels, B, A = make_low_rank_tasks(t, 1, 5, r, task_prior=prior,
                                             random_state=2, **kwargs)
    lam = np.array(lam)
    tol = 4 * math.sqrt(r * (r + 1) / t)
    G = A.T @ A / t
    np.testing.assert_allclose(np.diag(G), lam, rtol=tol, atol=1e-15)
    if prior == "low-diversity":
        np.testing.assert_array_equal(A[:, 2:], 0.0)
        assert np.linalg.matrix_rank(A) == 2
        with pytest.warns(IdentifiabilityWarning):
            res = task_diversity(A)
        assert not res.identified and res.diversity == 0.0
    else:
        res = task_diversity(A)
        assert res.identified
        assert abs(res.diversity / lam.min() - 1) < tol
        np.testing.assert_allclose(res.trace, 1.0, rtol=tol)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"n_tasks": 0}, ValueError, "n_tasks"),
    ({"n_tasks": 2.0}, TypeError, "n_tasks"),
    ({"n_samples_per_task": 0}, ValueError, "n_samples_per_task"),
    ({"n_features": 0}, ValueError, "n_features"),
    ({"n_components": 0}, ValueError, "n_components"),
    ({"n_components": 7}, ValueError, "n_components"),
    ({"noise": -1.0}, ValueError, "noise"),
    ({"noise": "1"}, TypeError, "noise"),
    ({"noise": np.nan}, ValueError, "noise"),
    ({"task_prior": "diverse"}, ValueError, "task_prior"),
    ({"task_prior": 1}, TypeError, "task_prior"),
    ({"task_prior": "ill-conditioned"}, ValueError, "diversity"),
    ({"task_prior": "ill-conditioned", "diversity": 0.0}, ValueError, "diversity"),
    ({"task_prior": "ill-conditioned", "diversity": 0.6}, ValueError, "diversity"),
    ({"diversity": 0.1}, ValueError, "diversity"),
    ({"n_directions": 1}, ValueError, "n_directions"),
    ({"task_prior": "low-diversity", "n_directions": 2}, ValueError, "n_directions"),
    ({"task_prior": "low-diversity", "n_directions": 0}, ValueError, "n_directions"),
    ({"task_prior": "low-diversity", "n_components": 1}, ValueError, "n_components"),
    ({"random_state": "seed"}, TypeError, "random_state"),
])
def test_simulator_bad_input(kwargs, exc, match):
    args = {"n_tasks": 3, "n_samples_per_task": 2, "n_features": 6, "n_components": 2}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        make_low_rank_tasks(**args)


# -- MC-B5: exact Gaussian transfer formula --------------------------------------------

def _transfer_mc(n_new, d, B_hat, beta0, sigma, reps, seed, chunk=2000):
    """‖β̂ - β_0‖² of least squares in B_hat (or OLS when B_hat is None)."""
    rng = np.random.default_rng(seed)
    losses = []
    for start in range(0, reps, chunk):
        m = min(chunk, reps - start)
        X = rng.standard_normal((m, n_new, d))
        y = X @ beta0 + sigma * rng.standard_normal((m, n_new))
        Z = X if B_hat is None else X @ B_hat
        # batched least squares α̂ = argmin ‖y - Zα‖ (normal equations; Z has
        # full column rank and n_new >= r + 10, so they are well conditioned)
        ZtZ = np.einsum("mni,mnj->mij", Z, Z)
        Zty = np.einsum("mni,mn->mi", Z, y)
        coef = np.linalg.solve(ZtZ, Zty[..., None])[..., 0]
        beta = coef if B_hat is None else coef @ B_hat.T
        losses.append(np.sum((beta - beta0) ** 2, axis=1))
    return np.concatenate(losses)


@pytest.mark.parametrize("sin_theta, n_new", [(0.05, 20), (0.2, 20), (0.2, 80)])
def test_mc_b5_exact_transfer_formula(sin_theta, n_new):
    # β_0 = B α_0 with ‖α_0‖ = 1 at angle θ from span(B̂): b⊥ = sin θ e_{r+1}.
    # The loss has finite variance (n_new - r - 3 > 0); the mean of R = 20_000
    # draws is within 4 standard errors std/sqrt(R) of E‖β̂ - β_0‖² unless a
    # 6e-5 two-sided event occurs. In a rotated basis the design is still N(0, I).
    d, r, sigma, reps = 12, 3, 1.0, 20_000
    rng = np.random.default_rng(10)
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    B_hat = Q[:, :r]
    beta0 = math.sqrt(1 - sin_theta**2) * Q[:, 0] + sin_theta * Q[:, r]
    loss = _transfer_mc(n_new, d, B_hat, beta0, sigma, reps, seed=11)
    res = transfer_bound(n_new, r, sigma, sin_theta=sin_theta, alpha_norm=1.0,
                         n_features=d)
    expected = sin_theta**2 + (sigma**2 + sin_theta**2) * r / (n_new - r - 1)
    assert res.expected_error == pytest.approx(expected, rel=1e-12)
    se = loss.std(ddof=1) / math.sqrt(reps)
    assert abs(loss.mean() - res.expected_error) < 4 * se, (loss.mean(), se)


def test_mc_b5_ols_formula():
    # Same standard-error argument; n_new - d - 3 = 17 > 0 keeps the variance finite.
    d, n_new, sigma, reps = 10, 30, 1.5, 20_000
    beta0 = np.linspace(-1, 1, d)
    loss = _transfer_mc(n_new, d, None, beta0, sigma, reps, seed=12)
    res = transfer_bound(n_new, 2, sigma, n_features=d)
    assert res.ols_error == pytest.approx(sigma**2 * d / (n_new - d - 1), rel=1e-12)
    se = loss.std(ddof=1) / math.sqrt(reps)
    assert abs(loss.mean() - res.ols_error) < 4 * se


def test_mc_b5_break_even_against_ols():
    # r = 2, d = 10, ‖b⊥‖ = 0.3: break-even n₂ ≈ 99.9. At half of it the formulas
    # give 0.137 (representation) vs 0.263 (OLS), at twice it 0.101 vs 0.053:
    # gaps of 10+ standard errors with 4_000 draws each.
    d, r, sigma, b = 10, 2, 1.0, 0.3
    B_hat = np.eye(d)[:, :r]
    beta0 = math.sqrt(1 - b**2) * np.eye(d)[0] + b * np.eye(d)[r]
    n_be = transfer_bound(30, r, sigma, b_perp_norm=b, n_features=d).n_new_break_even
    assert 99 < n_be < 101
    for n_new, rep_wins in ((int(n_be / 2), True), (int(2 * n_be), False)):
        rep = _transfer_mc(n_new, d, B_hat, beta0, sigma, 4000, seed=13).mean()
        ols = _transfer_mc(n_new, d, None, beta0, sigma, 4000, seed=14).mean()
        res = transfer_bound(n_new, r, sigma, b_perp_norm=b, n_features=d)
        assert res.representation_better is rep_wins
        assert bool(rep < ols) is rep_wins


# -- MC-B6: diversity from the moment spectrum -----------------------------------------

def test_mc_b6_mom_diversity_consistent():
    # d = 30, r = 3, N = 5e5 well-conditioned tasks. Over 6 pilot seeds the relative
    # error of ν̂ (bulk="mean") against the realised ν = σ_r(AᵀA/t) had mean -0.5%
    # and s.d. 1.1%: a 5% tolerance is 4.5 s.d. The trace estimate (s.d. ~1%) and
    # σ̂² get the same 5%.
    X, y, labels, B, A = make_low_rank_tasks(1000, 500, 30, 3, random_state=0)
    truth = task_diversity(A)
    evals = _moment_eigenvalues(X, y)
    res = mom_diversity(evals, 3, y=y)
    assert isinstance(res, TaskDiversity) and res.method == "moments"
    assert res.identified
    assert abs(res.diversity / truth.diversity - 1) < 0.05
    assert abs(res.trace / truth.trace - 1) < 0.05
    assert abs(res.noise_variance - 1.0) < 0.05
    # the moment summary alone (no y) gives the same estimate, other noise edge
    alone = mom_diversity(evals, 3, mean_y2=float(np.mean(y**2)), n_samples=y.size)
    assert alone.diversity == pytest.approx(res.diversity)
    assert alone.identified
    # the top r eigenvalues plus the trace are enough
    top = mom_diversity(np.sort(evals)[-3:], 3, y=y, n_features=30,
                        trace=float(evals.sum()))
    assert top.diversity == pytest.approx(res.diversity)


def test_mc_b6_mom_diversity_converges():
    # The upward small-N bias shrinks with N: mean relative error over 3 data sets
    # at N = 1e4 vs 5e5 (d = 30, r = 3); pilot: about +25% vs -0.5%.
    def rel_err(t, n, seed):
        X, y, labels, B, A = make_low_rank_tasks(t, n, 30, 3, random_state=seed)
        res = _quiet(mom_diversity, _moment_eigenvalues(X, y), 3, y=y)
        return res.diversity / task_diversity(A).diversity - 1

    small = np.mean([rel_err(100, 100, s) for s in range(3)])
    large = np.mean([rel_err(1000, 500, s) for s in range(20, 23)])
    assert abs(large) < 0.05
    assert small > 0.1 > abs(large)


def test_mc_b6_mp_edge_reduces_small_n_bias():
    # The reference pilot's small-N case (d = 100, r = 5, 300 samples per task,
    # t = 100 well-conditioned tasks; there 0.228 vs 0.131): with the mean bulk ν̂
    # is biased up by ~+0.10, with the Marchenko–Pastur edge by ~-0.02 (s.d. over
    # data sets ~0.015, so the comparison over 3 of them has a wide margin).
    bias_mean, bias_mp = [], []
    for seed in range(3):
        X, y, labels, B, A = make_low_rank_tasks(100, 300, 100, 5, random_state=seed)
        nu = task_diversity(A).diversity
        evals = _moment_eigenvalues(X, y)
        bias_mean.append(_quiet(mom_diversity, evals, 5, y=y).diversity - nu)
        bias_mp.append(_quiet(mom_diversity, evals, 5, y=y, bulk="mp-edge").diversity
                       - nu)
    bias_mean, bias_mp = np.mean(bias_mean), np.mean(bias_mp)
    assert bias_mean > 0.05
    assert abs(bias_mp) < 0.5 * bias_mean


@pytest.mark.parametrize("t, n, d", [(200, 50, 30), (100, 300, 60)])
def test_mom_diversity_low_diversity_not_identified(t, n, d):
    # Tasks span 3 of r = 4 directions: the 4th moment eigenvalue is the top of the
    # noise bulk and must not be called signal.
    X, y, labels, B, A = make_low_rank_tasks(t, n, d, 4, task_prior="low-diversity",
                                             random_state=7)
    evals = _moment_eigenvalues(X, y)
    with pytest.warns(IdentifiabilityWarning, match="not distinguishable"):
        res = mom_diversity(evals, 4, y=y)
    assert not res.identified
    assert res.diversity <= res.noise_floor
    assert "not identified" in str(res.summary())
    # the first three directions are identified
    assert mom_diversity(evals, 3, y=y).identified


# -- task_diversity on known coefficients -------------------------------------------

def test_task_diversity_known_values():
    A = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]])
    res = task_diversity(A)
    # AᵀA/t = diag(1, 0.25)
    np.testing.assert_allclose(res.eigenvalues, [1.0, 0.25])
    assert res.diversity == pytest.approx(0.25)
    assert res.condition_number == pytest.approx(4.0)
    assert res.avg_condition_number == pytest.approx(1.25 / (2 * 0.25))
    assert res.effective_rank == pytest.approx(1.25)
    assert res.trace == pytest.approx(1.25)
    assert res.identified and res.n_tasks == 4 and res.n_components == 2
    # invariant to a rotation of the coefficients (a change of basis of B)
    c, s = math.cos(0.7), math.sin(0.7)
    rot = task_diversity(A @ np.array([[c, -s], [s, c]]))
    assert rot.diversity == pytest.approx(0.25)
    frame = res.to_frame()
    assert list(frame.index) == [1, 2]
    np.testing.assert_allclose(frame["share"], [0.8, 0.2])
    text = str(res.summary())
    assert "Task diversity" in text and "0.25" in text
    assert res.summary().as_html().startswith("<h4>")
    assert str(res) == text


def test_task_diversity_fewer_tasks_than_components():
    with pytest.warns(IdentifiabilityWarning):
        res = task_diversity(np.ones((2, 3)))
    assert not res.identified and res.diversity == 0.0
    assert math.isinf(res.condition_number) and math.isinf(res.avg_condition_number)


def test_task_diversity_noise_debiasing():
    # Â = A + E, E_j ~ N(0, S): raw ν̂ ≈ ν + 0.5; debiased ν̂ ≈ ν. The entries of
    # EᵀE/t - S (and of the cross terms) have s.d. <= sqrt(2/t)·0.5 ≈ 0.0035 at
    # t = 40_000, so 0.03 is > 8 s.d. for each of the r = 3 eigenvalues.
    t, r = 40_000, 3
    rng = np.random.default_rng(20)
    A = rng.standard_normal((t, r)) * np.sqrt([0.5, 0.3, 0.2])
    S = 0.5 * np.eye(r)
    A_hat = A + rng.standard_normal((t, r)) @ np.linalg.cholesky(S).T
    nu = task_diversity(A).diversity
    raw = task_diversity(A_hat)
    assert raw.diversity == pytest.approx(nu + 0.5, abs=0.03)
    deb = task_diversity(A_hat, noise_covariances=S)
    assert deb.debiased and deb.identified
    assert deb.diversity == pytest.approx(nu, abs=0.03)
    np.testing.assert_allclose(deb.raw_eigenvalues, raw.eigenvalues)
    # one covariance per task is the same as their mean here
    per_task = task_diversity(A_hat, noise_covariances=np.broadcast_to(S, (t, r, r)))
    assert per_task.diversity == pytest.approx(deb.diversity)
    assert per_task.noise_floor == pytest.approx(deb.noise_floor)


def test_task_diversity_noisy_low_diversity_not_identified():
    # Noisy estimates of coefficients spanning 2 of 3 directions: full rank, so
    # without noise covariances they look identified; with them, ν̂ falls below
    # the 3-s.d. noise floor.
    t, r = 2_000, 3
    rng = np.random.default_rng(21)
    A = np.zeros((t, r))
    A[:, :2] = rng.standard_normal((t, 2)) / math.sqrt(2)
    S = 0.3 * np.eye(r)
    A_hat = A + math.sqrt(0.3) * rng.standard_normal((t, r))
    assert task_diversity(A_hat).identified
    with pytest.warns(IdentifiabilityWarning):
        res = task_diversity(A_hat, noise_covariances=S)
    assert not res.identified
    assert res.noise_floor == pytest.approx(3 * math.sqrt(2 * t * 0.3**2) / t)


# -- subspace_distance --------------------------------------------------------------

def _rotated_pair(angles, d, seed):
    """Bases of two subspaces with principal angles ``angles``, in random bases."""
    rng = np.random.default_rng(seed)
    r = len(angles)
    Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    B1 = Q[:, :r]
    B2 = np.column_stack([math.cos(a) * Q[:, i] + math.sin(a) * Q[:, r + i]
                          for i, a in enumerate(angles)])
    mix1, mix2 = rng.standard_normal((2, r, r)) + 3 * np.eye(r)
    return B1 @ mix1, B2 @ mix2


def test_subspace_distance_equal_subspaces():
    rng = np.random.default_rng(0)
    B = rng.standard_normal((8, 3))
    assert subspace_distance(B, B @ rng.standard_normal((3, 3))) < 1e-14
    assert subspace_distance(B, -2 * B, kind="frobenius") < 1e-14


@pytest.mark.parametrize("angles", [[0.3], [0.1, 0.5], [0.2, 0.2, 1.2], [1e-9, 1e-7]])
def test_subspace_distance_known_angles(angles):
    B1, B2 = _rotated_pair(angles, 10, seed=len(angles))
    sin = subspace_distance(B1, B2)
    frob = subspace_distance(B1, B2, kind="frobenius")
    assert sin == pytest.approx(math.sin(max(angles)), rel=1e-6)
    assert frob == pytest.approx(math.sqrt(sum(math.sin(a) ** 2 for a in angles)),
                                 rel=1e-6)
    assert frob >= sin
    assert subspace_distance(B2, B1) == pytest.approx(sin, rel=1e-6)
    assert subspace_distance(B2, B1, kind="frobenius") == pytest.approx(frob, rel=1e-6)


def test_subspace_distance_small_angle_accurate():
    # 1 - cos²θ loses everything at θ = 1e-9 (cos²θ rounds to 1); the projection
    # residual keeps it to a few ulps of the bases.
    B1, B2 = _rotated_pair([1e-9], 6, seed=3)
    assert subspace_distance(B1, B2) == pytest.approx(1e-9, rel=1e-6)
    Q1, Q2 = np.linalg.qr(B1)[0], np.linalg.qr(B2)[0]
    naive = math.sqrt(max(0.0, 1 - np.linalg.svd(Q1.T @ Q2)[1].min() ** 2))
    assert abs(naive / 1e-9 - 1) > 0.5  # the naive formula has no correct digit


def test_subspace_distance_extremes_and_vectors():
    assert subspace_distance(np.eye(4)[:, :2], np.eye(4)[:, 2:]) == pytest.approx(1.0)
    assert subspace_distance(np.eye(4)[:, :2], np.eye(4)[:, 2:],
                             kind="frobenius") == pytest.approx(math.sqrt(2))
    assert subspace_distance([1.0, 0.0], [1.0, 1.0]) == pytest.approx(math.sqrt(0.5))
    rng = np.random.default_rng(4)
    for _ in range(20):
        B1, B2 = rng.standard_normal((2, 7, 3))
        s, f = subspace_distance(B1, B2), subspace_distance(B1, B2, kind="frobenius")
        assert 0 <= s <= f <= math.sqrt(3) * s + 1e-12


# -- bounds -------------------------------------------------------------------------

def test_representation_bound_values():
    res = representation_bound(1e6, 100, 5, 0.2, avg_condition_number=1.0)
    assert isinstance(res, RepresentationBound)
    assert res.sin_theta == pytest.approx(math.sqrt(100 * 5 / (0.2 * 1e6)))
    assert res.n_small_angle == pytest.approx(2500)
    assert res.small_angle_regime
    small = representation_bound(1000, 100, 5, 0.2, constant=2.0)
    assert not small.small_angle_regime
    assert small.rate == pytest.approx(2 * math.sqrt(2.5)) and small.sin_theta == 1.0
    assert "outside the regime" in str(small.summary())
    # solving for N inverts the rate
    solved = representation_bound(None, 100, 5, 0.2, 3.0, sin_theta=0.05)
    assert solved.n_total == pytest.approx(3.0 * 100 * 5 / 0.2 / 0.05**2)
    assert solved.sin_theta == pytest.approx(0.05)
    frame = res.to_frame()
    assert frame.shape[0] == 1 and frame["sin_theta"].iloc[0] == res.sin_theta
    assert "order" in str(res)


def test_transfer_bound_values():
    res = transfer_bound(20, 3, 1.0, sin_theta=0.1, alpha_norm=2.0, n_features=50)
    assert isinstance(res, TransferBound)
    assert res.order_bound == pytest.approx(0.04 + 3 / 20)
    assert res.expected_error == pytest.approx(0.04 + 1.04 * 3 / 16)
    assert not res.expected_error_is_exact
    assert math.isinf(res.ols_error) and res.representation_better
    assert "upper bound" in str(res.summary())
    # an exact ‖b⊥‖ below the worst case
    exact = transfer_bound(20, 3, 1.0, sin_theta=0.1, alpha_norm=2.0, b_perp_norm=0.1)
    assert exact.expected_error_is_exact and exact.bias2 == pytest.approx(0.01)
    assert exact.order_bound == pytest.approx(res.order_bound)
    # the break-even equalises the two expected errors
    n_be = res.n_new_break_even
    rep, ols = res.errors([n_be])
    assert rep[0] == pytest.approx(ols[0], rel=1e-9)
    rep, ols = res.errors([n_be * 0.9, n_be * 1.1])
    assert rep[0] < ols[0] and rep[1] > ols[1]
    # perfect representation: better at every n₂
    perfect = transfer_bound(200, 3, 1.0, n_features=10)
    assert math.isinf(perfect.n_new_break_even) and perfect.representation_better
    assert "every n2" in str(perfect.summary())
    # noiseless: OLS is exact beyond d + 1
    assert transfer_bound(30, 3, 0.0, b_perp_norm=0.1,
                          n_features=10).n_new_break_even == 11
    # too few samples: infinite expected errors
    few = transfer_bound(4, 3, 1.0, n_features=10)
    assert math.isinf(few.expected_error) and not few.representation_better
    assert transfer_bound(5, 3, 1.0).ols_error is None
    assert transfer_bound(5, 3, 1.0).to_frame().shape[0] == 1


def test_plots_smoke():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    A = np.random.default_rng(0).standard_normal((50, 3))
    for res in (task_diversity(A, noise_covariances=0.01 * np.eye(3)),
                representation_bound(1e5, 20, 3, 0.3),
                transfer_bound(30, 3, 1.0, sin_theta=0.2, alpha_norm=1.0,
                               n_features=20)):
        ax = res.plot()
        assert ax.get_xlabel()
        plt.close("all")


# -- bad input ----------------------------------------------------------------------

_EVALS = np.linspace(1.0, 3.0, 10)


@pytest.mark.parametrize("func, args, kwargs, exc, match", [
    (task_diversity, ([1.0, 2.0],), {}, ValueError, "task_coefs"),
    (task_diversity, (np.zeros((0, 2)),), {}, ValueError, "task_coefs"),
    (task_diversity, ([["a", "b"]],), {}, TypeError, "task_coefs"),
    (task_diversity, ([[1.0, np.nan]],), {}, ValueError, "task_coefs"),
    (task_diversity, (np.eye(2),), {"noise_covariances": np.eye(3)}, ValueError,
     "noise_covariances"),
    (task_diversity, (np.eye(2),), {"noise_covariances": np.ones((3, 2, 2))},
     ValueError, "noise_covariances"),
    (task_diversity, (np.eye(2),), {"noise_covariances": [[1.0, 0.5], [0.0, 1.0]]},
     ValueError, "symmetric"),
    (task_diversity, (np.eye(2),), {"noise_covariances": [[np.inf, 0], [0, 1.0]]},
     ValueError, "noise_covariances"),
    (task_diversity, (np.eye(2),), {"noise_covariances": np.ones((1, 1, 2, 2))},
     ValueError, "noise_covariances"),
    (mom_diversity, (_EVALS, 2), {}, ValueError, "mean_y2 and n_samples"),
    (mom_diversity, (_EVALS, 2), {"y": [1.0], "mean_y2": 1.0}, ValueError, "mean_y2"),
    (mom_diversity, (_EVALS, 2), {"y": np.zeros(5)}, ValueError, "y"),
    (mom_diversity, (_EVALS, 2), {"y": [[1.0]]}, ValueError, "y"),
    (mom_diversity, (_EVALS, 2), {"mean_y2": 0.0, "n_samples": 10}, ValueError,
     "mean_y2"),
    (mom_diversity, (_EVALS, 2), {"mean_y2": 1.0, "n_samples": 1.5}, TypeError,
     "n_samples"),
    (mom_diversity, (_EVALS, 10), {"mean_y2": 1.0, "n_samples": 10}, ValueError,
     "n_components"),
    (mom_diversity, (_EVALS, 0), {"mean_y2": 1.0, "n_samples": 10}, ValueError,
     "n_components"),
    (mom_diversity, (_EVALS, 2), {"mean_y2": 1.0, "n_samples": 10, "n_features": 5},
     ValueError, "n_features"),
    (mom_diversity, (_EVALS[:3], 2), {"mean_y2": 1.0, "n_samples": 10,
                                      "n_features": 10}, ValueError, "trace"),
    (mom_diversity, (_EVALS[:1], 2), {"mean_y2": 1.0, "n_samples": 10,
                                      "n_features": 10, "trace": 5.0}, ValueError,
     "eigenvalues"),
    (mom_diversity, ([1.0, np.nan, 2.0], 1), {"mean_y2": 1.0, "n_samples": 10},
     ValueError, "eigenvalues"),
    (mom_diversity, (_EVALS, 2), {"mean_y2": 1.0, "n_samples": 10, "bulk": "edge"},
     ValueError, "bulk"),
    (mom_diversity, (_EVALS, 2), {"mean_y2": 1.0, "n_samples": 10,
                                  "y_kurtosis": 0.5}, ValueError, "y_kurtosis"),
    (subspace_distance, (np.eye(3)[:, :2], np.eye(3)[:, :1]), {}, ValueError,
     "same shape"),
    (subspace_distance, (np.eye(3)[:, :2], np.eye(4)[:, :2]), {}, ValueError,
     "same shape"),
    (subspace_distance, (np.ones((2, 3)), np.ones((2, 3))), {}, ValueError, "B1"),
    (subspace_distance, (np.ones((3, 2)), np.eye(3)[:, :2]), {}, ValueError,
     "full column rank"),
    (subspace_distance, (np.eye(3)[:, :2], [[np.nan] * 2] * 3), {}, ValueError, "B2"),
    (subspace_distance, (np.eye(3)[:, :2], np.eye(3)[:, :2]), {"kind": "cos"},
     ValueError, "kind"),
    (subspace_distance, (np.ones((2, 2, 2)), np.ones((2, 2, 2))), {}, ValueError,
     "B1"),
    (representation_bound, (1e5, 10, 11, 0.1), {}, ValueError, "n_components"),
    (representation_bound, (1e5, 10, 2, 0.0), {}, ValueError, "diversity"),
    (representation_bound, (1e5, 10, 2, 0.1, 0.5), {}, ValueError,
     "avg_condition_number"),
    (representation_bound, (1e5, 10, 2, 0.1), {"constant": 0.0}, ValueError,
     "constant"),
    (representation_bound, (-1.0, 10, 2, 0.1), {}, ValueError, "n_total"),
    (representation_bound, ("1e5", 10, 2, 0.1), {}, TypeError, "n_total"),
    (representation_bound, (None, 10, 2, 0.1), {}, ValueError, "sin_theta"),
    (representation_bound, (1e5, 10, 2, 0.1), {"sin_theta": 0.1}, ValueError,
     "exactly one"),
    (representation_bound, (None, 10, 2, 0.1), {"sin_theta": 1.5}, ValueError,
     "sin_theta"),
    (representation_bound, (1e5, 10.0, 2, 0.1), {}, TypeError, "n_features"),
    (transfer_bound, (0, 2, 1.0), {}, ValueError, "n_new"),
    (transfer_bound, (10, 0, 1.0), {}, ValueError, "n_components"),
    (transfer_bound, (10, 2, -1.0), {}, ValueError, "noise"),
    (transfer_bound, (10, 2, 1.0), {"sin_theta": 0.1}, ValueError, "alpha_norm"),
    (transfer_bound, (10, 2, 1.0), {"sin_theta": 1.1, "alpha_norm": 1.0}, ValueError,
     "sin_theta"),
    (transfer_bound, (10, 2, 1.0), {"sin_theta": 0.1, "alpha_norm": -1.0},
     ValueError, "alpha_norm"),
    (transfer_bound, (10, 2, 1.0), {"b_perp_norm": -0.1}, ValueError, "b_perp_norm"),
    (transfer_bound, (10, 2, 1.0), {"sin_theta": 0.1, "alpha_norm": 1.0,
                                    "b_perp_norm": 0.2}, ValueError, "b_perp_norm"),
    (transfer_bound, (10, 2, 1.0), {"n_features": 2}, ValueError, "n_features"),
    (transfer_bound, (10, 2, 1.0), {"constant": -1.0}, ValueError, "constant"),
    (transfer_bound, (10.5, 2, 1.0), {}, TypeError, "n_new"),
])
def test_bad_input(func, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        func(*args, **kwargs)


def test_single_component_diversity_must_be_one():
    from sktransfer.datasets import make_low_rank_tasks

    with pytest.raises(ValueError, match="diversity must be 1"):
        make_low_rank_tasks(10, 5, 4, 1, task_prior="ill-conditioned",
                            diversity=0.5, random_state=0)
    make_low_rank_tasks(10, 5, 4, 1, task_prior="ill-conditioned", diversity=1.0,
                        random_state=0)


@pytest.mark.parametrize("call", [
    lambda: representation_bound(None, 10, 2, 1e-320, sin_theta=1e-300),
    lambda: representation_bound(10**400, 10, 2, 0.1),
    lambda: transfer_bound(20, 2, 1.0, b_perp_norm=1e200, n_features=5),
    lambda: mom_diversity(np.full(5, 1e200), 2, y=np.full(100, 1e200)),
])
def test_calculators_out_of_float_range_are_value_errors(call):
    with pytest.raises(ValueError, match="leave the floating-point range"):
        call()


def test_user_guide_examples_run():
    # The >>> examples of docs/user_guide/representation.rst are doctests.
    import doctest
    from pathlib import Path

    guide = Path(__file__).parents[1] / "docs" / "user_guide" / "representation.rst"
    result = doctest.testfile(str(guide), module_relative=False)
    assert result.attempted >= 3 and result.failed == 0
