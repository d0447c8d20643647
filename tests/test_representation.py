"""Shared linear representations: Monte-Carlo checks of the theory, API, bad input.

The Monte-Carlo tests follow the designs MC-B1, MC-B2 and MC-B5 of
``shared/reference/planning-and-representation-theory.md`` (§C.2) with fixed
seeds; each tolerance is a multiple of a Monte-Carlo standard error computed
in the test, with the derivation next to it.
"""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sktransfer.model_selection import TargetKFold
from sktransfer.representation import (
    LinearRepresentation,
    RepresentationTransferRegressor,
)

# -- data and metrics (inline until the public simulator and diagnostics land) --------


def make_tasks(rng, n_features, n_components, n_tasks, n_per_task, noise=1.0,
               span=None, design="gaussian"):
    """``y = xᵀ B α_j + σ ε``; ``B`` from QR of a Gaussian matrix, ``α_j ~
    N(0, I_r/r)`` (only the first ``span`` coordinates non-zero if given)."""
    d, r = n_features, n_components
    B = np.linalg.qr(rng.standard_normal((d, r)))[0]
    A = rng.standard_normal((n_tasks, r)) / np.sqrt(r)
    if span is not None:
        A[:, span:] = 0.0
    N = n_tasks * n_per_task
    if design == "gaussian":
        X = rng.standard_normal((N, d))
    elif design == "rademacher":
        X = rng.choice([-1.0, 1.0], size=(N, d))
    elif design == "uniform":
        X = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), size=(N, d))
    else:  # pragma: no cover
        raise ValueError(design)
    labels = np.repeat(np.arange(n_tasks), n_per_task)
    y = np.einsum("ij,ij->i", X @ B, A[labels]) + noise * rng.standard_normal(N)
    return X, y, labels, B, A


def sin_theta(B_hat, B):
    """Largest principal angle: ``sqrt(max(0, 1 - σ_min(B̂ᵀB)²))``."""
    s = np.linalg.svd(B_hat.T @ B, compute_uv=False)
    return float(np.sqrt(max(0.0, 1.0 - s.min() ** 2)))


def ols_slope(x, y):
    """OLS slope of ``log y`` on ``log x`` and its standard error."""
    lx, ly = np.log(x), np.log(y)
    lx_c = lx - lx.mean()
    slope = np.sum(lx_c * (ly - ly.mean())) / np.sum(lx_c**2)
    resid = ly - ly.mean() - slope * lx_c
    se = np.sqrt(np.sum(resid**2) / (lx.size - 2) / np.sum(lx_c**2))
    return slope, se


def mom(X, y, labels, r):
    return LinearRepresentation(r, method="mom").fit(X, y, sample_domain=labels)


# -- MC-B1 / MC-B2: the MoM rate -------------------------------------------------------


def test_mom_sin_theta_slope_in_n_samples():
    # MC-B1: sin θ ∝ N^{-1/2} at fixed d=20, r=3, n=50 rows per task, σ=1,
    # α_j ~ N(0, I/r), in the small-angle regime (mean sin θ ≈ 0.22 < 0.3 at
    # the smallest N). Tolerance: log sin θ has a per-replicate sd of s ≈ 0.12
    # (pilot, 20 replicates), so the OLS slope over R=8 independent replicates
    # at 4 sizes (3 doublings of N) has s.e. s / sqrt(R Σ(x - x̄)²) =
    # 0.12 / sqrt(8 × 5 (ln 2)²) ≈ 0.027; it is recomputed from the residuals
    # below and the test allows 4 s.e. (a false alarm once in ~10⁴ seeds). The
    # second-order (Davis–Kahan) bias of the slope in this range is ≲ 0.01
    # (pilot: −0.499 ± 0.012 over 20 replicates at N = 16k … 256k).
    d, r, n = 20, 3, 50
    sizes = [32_000, 64_000, 128_000, 256_000]
    xs, ys = [], []
    for rep in range(8):
        for N in sizes:
            rng = np.random.default_rng([1, rep, N])
            X, y, labels, B, _ = make_tasks(rng, d, r, N // n, n)
            xs.append(N)
            ys.append(sin_theta(mom(X, y, labels, r).components_, B))
    xs, ys = np.array(xs), np.array(ys)
    assert ys[xs == sizes[0]].mean() < 0.3
    slope, se = ols_slope(xs, ys)
    assert se < 0.045
    assert abs(slope + 0.5) <= 4 * se, (slope, se)


def test_mom_sin_theta_slope_in_n_features():
    # MC-B2: sin θ ∝ d^{1/2} at fixed N=10⁵ (r=3, n=50), d = 10 … 80, mean
    # sin θ ≤ 0.25. Pilot (20 replicates): slope 0.482 ± 0.017, i.e. s ≈ 0.11
    # per replicate; with R=8 the s.e. is 0.11 / sqrt(8 × 3 (ln 2)² × 5/3)
    # ≈ 0.027 (recomputed below), tolerance 4 s.e. The first-order corrections
    # (‖P⊥ E B‖ grows like sqrt(d − r) + sqrt(r), and the gap shrinks by the
    # bulk's width ∝ sqrt(d/N)) move the slope by about ∓0.08 and nearly
    # cancel in this range, within the tolerance.
    r, n, N = 3, 50, 100_000
    dims = [10, 20, 40, 80]
    xs, ys = [], []
    for rep in range(8):
        for d in dims:
            rng = np.random.default_rng([2, rep, d])
            X, y, labels, B, _ = make_tasks(rng, d, r, N // n, n)
            xs.append(d)
            ys.append(sin_theta(mom(X, y, labels, r).components_, B))
    xs, ys = np.array(xs), np.array(ys)
    assert ys[xs == dims[-1]].mean() < 0.3
    slope, se = ols_slope(xs, ys)
    assert se < 0.05
    assert abs(slope - 0.5) <= 4 * se, (slope, se)


@pytest.mark.filterwarnings("ignore:Eigenvalue 3 .* does not stand out:UserWarning")
def test_altmin_from_mom_beats_mom_paired():
    # Paired over 8 seeds at N = 5000 (d=20, r=3, 100 tasks x 50 rows), where
    # MoM's sin θ is ~0.4 and the least-squares (altmin) estimator's ~0.1:
    # altmin must win on every seed, by a factor of 2 on average.
    ratios = []
    for seed in range(8):
        rng = np.random.default_rng([3, seed])
        X, y, labels, B, _ = make_tasks(rng, 20, 3, 100, 50)
        s_mom = sin_theta(mom(X, y, labels, 3).components_, B)
        both = LinearRepresentation(3, method="mom+altmin").fit(
            X, y, sample_domain=labels)
        s_alt = sin_theta(both.components_, B)
        assert s_alt < s_mom
        assert both.n_iter_ >= 1
        # a random start reaches the same estimate here (benign landscape)
        rand = LinearRepresentation(3, method="altmin", random_state=seed).fit(
            X, y, sample_domain=labels)
        assert sin_theta(rand.components_, both.components_) < 1e-3
        ratios.append(s_alt / s_mom)
    assert np.mean(ratios) < 0.5


# -- identification, rank selection and design warnings --------------------------------


def test_low_diversity_is_flagged():
    # The tasks span 2 of the r=3 directions: the 3rd eigenvalue of M̂ stays in
    # the noise bulk (at the edge), the fit warns, "auto" picks 2.
    rng = np.random.default_rng(4)
    X, y, labels, B, _ = make_tasks(rng, 20, 3, 400, 50, span=2)
    with pytest.warns(UserWarning, match="not identified"):
        rep = mom(X, y, labels, 3)
    evals, edge = rep.moment_eigenvalues_, rep.noise_edge_
    assert evals[1] > edge >= evals[2]
    # population bulk c0 = σ² + tr Σ_α and signal c0 + 2 λ_i(Σ_α)
    assert rep.bulk_level_ == pytest.approx(np.mean(y**2))
    auto = LinearRepresentation(method="mom").fit(X, y, sample_domain=labels)
    assert auto.n_components_ == 2
    assert sin_theta(auto.components_, B[:, :2]) < 0.3
    # the least-squares methods say so from the task coefficients: the 3rd
    # eigenvalue of ÂᵀÂ/t is at the (selection-inflated) noise level
    for method in ("altmin", "mom+altmin"):
        with pytest.warns(UserWarning, match="not identified"):
            rep = LinearRepresentation(3, method=method, random_state=0).fit(
                X, y, sample_domain=labels)
        lam = np.linalg.eigvalsh(rep.task_coefs_.T @ rep.task_coefs_ / 400)
        assert lam[0] < 0.1 * lam[1]
        assert sin_theta(rep.components_[:, :2], B[:, :2]) < 0.1
    # the same problem with diverse tasks raises no warning
    rng = np.random.default_rng(4)
    X, y, labels, B, _ = make_tasks(rng, 20, 3, 400, 50)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        rep = mom(X, y, labels, 3)
        LinearRepresentation(3).fit(X, y, sample_domain=labels)
    assert rep.moment_eigenvalues_[2] > rep.noise_edge_


@pytest.mark.parametrize("seed", range(4))
def test_auto_recovers_rank(seed):
    rng = np.random.default_rng([5, seed])
    X, y, labels, B, _ = make_tasks(rng, 30, 4, 400, 100)
    rep = LinearRepresentation("auto").fit(X, y, sample_domain=labels)
    assert rep.n_components_ == 4
    assert rep.components_.shape == (30, 4)
    assert rep.moment_eigenvalues_[3] > rep.noise_edge_ > rep.moment_eigenvalues_[4]


def test_auto_is_capped_by_tasks_and_single_task_default():
    rng = np.random.default_rng(6)
    X, y, labels, _, _ = make_tasks(rng, 10, 3, 2, 500, noise=0.3)
    rep = LinearRepresentation(method="mom").fit(X, y, sample_domain=labels)
    assert rep.n_components_ == 2
    # sample_domain=None: one task, for which r = 1 is span(β)
    beta = rng.standard_normal(10)
    beta /= np.linalg.norm(beta)
    X = rng.standard_normal((2000, 10))
    y = X @ beta + 0.5 * rng.standard_normal(2000)
    one = LinearRepresentation(method="mom").fit(X, y)
    assert one.n_components_ == 1 and one.tasks_.tolist() == [0]
    assert sin_theta(one.components_, beta[:, None]) < 0.3
    # least squares (the default method) is the OLS direction here
    ls = LinearRepresentation().fit(X, y)
    ols = np.linalg.lstsq(X, y, rcond=None)[0]
    assert sin_theta(ls.components_, ols[:, None] / np.linalg.norm(ols)) < 1e-6
    np.testing.assert_allclose(one.task_coefs_[0] * one.components_[:, 0],
                               np.linalg.lstsq(X @ one.components_, y, rcond=None)[0]
                               * one.components_[:, 0])


def non_gaussian_warnings(record):
    return [w for w in record if "non-Gaussian" in str(w.message)]


@pytest.mark.parametrize("design", ["rademacher", "uniform"])
def test_non_gaussian_design_warns(design):
    rng = np.random.default_rng(7)
    X, y, labels, _, _ = make_tasks(rng, 10, 2, 50, 40, noise=0.3, design=design)
    with pytest.warns(UserWarning, match="non-Gaussian"):
        mom(X, y, labels, 2)
    # altmin-based methods do not rely on Gaussian moments: no such warning
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        LinearRepresentation(2).fit(X, y, sample_domain=labels)
    assert non_gaussian_warnings(record) == []


@pytest.mark.parametrize("seed", range(5))
def test_gaussian_design_does_not_warn(seed):
    # 5 s.e. of the sample excess kurtosis (sd sqrt(24/2000) = 0.11) is below
    # the threshold max(0.5, 6 sqrt(24/n)) = 0.66 on every one of the 10
    # columns with probability > 1 - 10⁻⁸.
    rng = np.random.default_rng([8, seed])
    X, y, labels, _, _ = make_tasks(rng, 10, 2, 50, 40, noise=0.3)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        mom(X, y, labels, 2)
    assert non_gaussian_warnings(record) == []


# -- the estimator's own consistency ---------------------------------------------------


def test_fitted_attributes_and_transform():
    rng = np.random.default_rng(9)
    X, y, labels, B, A = make_tasks(rng, 12, 3, 40, 30, noise=0.1)
    rep = LinearRepresentation(3).fit(X, y, sample_domain=labels + 10)
    Bh = rep.components_
    np.testing.assert_allclose(Bh.T @ Bh, np.eye(3), atol=1e-12)
    np.testing.assert_array_equal(rep.tasks_, np.arange(10, 50))
    np.testing.assert_allclose(rep.transform(X), X @ Bh)
    assert rep.task_coefs_.shape == (40, 3)
    # task_coefs_ are per-task least squares in the learned space
    j = 7
    rows = labels == j
    ref = np.linalg.lstsq(X[rows] @ Bh, y[rows], rcond=None)[0]
    np.testing.assert_allclose(rep.task_coefs_[j], ref, rtol=1e-8, atol=1e-10)
    # the learned tasks reproduce the true ones
    np.testing.assert_allclose(rep.task_coefs_ @ Bh.T, A @ B.T, atol=0.05)
    assert rep.noise_variance_ == pytest.approx(0.01, rel=0.1)
    assert rep.get_feature_names_out().tolist() == [
        "linearrepresentation0", "linearrepresentation1", "linearrepresentation2"]


@pytest.mark.parametrize("method", ["mom", "altmin", "mom+altmin"])
def test_row_order_solver_and_label_dtype_invariance(method):
    rng = np.random.default_rng(10)
    X, y, labels, B, _ = make_tasks(rng, 8, 2, 100, 30, noise=0.3)
    base = LinearRepresentation(2, method=method, random_state=0, solver="gram").fit(
        X, y, sample_domain=labels)
    perm = rng.permutation(y.size)
    # the same solver on permuted rows / float labels: the same fit (rounding)
    for lab in (labels[perm], labels[perm].astype(float)):
        other = LinearRepresentation(2, method=method, random_state=0,
                                     solver="gram").fit(X[perm], y[perm],
                                                        sample_domain=lab)
        assert sin_theta(other.components_, base.components_) < 1e-6  # sqrt(eps)
        np.testing.assert_allclose(other.task_coefs_, base.task_coefs_,
                                   rtol=1e-7, atol=1e-10)
    # the matrix-free solver reaches the same optimum up to the stopping rule
    # (relative objective change <= tol = 1e-6 bounds the subspace gap by
    # O(sqrt(tol))), far inside the statistical error
    cg = LinearRepresentation(2, method=method, random_state=0, solver="cg").fit(
        X[perm], y[perm], sample_domain=labels[perm])
    assert sin_theta(cg.components_, base.components_) < 1e-3
    assert sin_theta(base.components_, B) > 10 * sin_theta(cg.components_,
                                                           base.components_)


def test_unbalanced_tasks_and_tasks_smaller_than_r():
    rng = np.random.default_rng(11)
    X, y, labels, B, _ = make_tasks(rng, 10, 3, 60, 25)
    labels = labels.copy()
    labels[:2] = 1000  # a task with 2 < r rows: minimum-norm coefficients
    for solver in ("gram", "cg"):
        rep = LinearRepresentation(3, solver=solver).fit(X, y, sample_domain=labels)
        assert np.all(np.isfinite(rep.task_coefs_))
        assert sin_theta(rep.components_, B) < 0.3
    ridge = LinearRepresentation(3, alpha=1.0).fit(X, y, sample_domain=labels)
    assert np.all(np.isfinite(ridge.task_coefs_))


def test_altmin_convergence_warning():
    rng = np.random.default_rng(12)
    X, y, labels, _, _ = make_tasks(rng, 10, 2, 30, 20)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        rep = LinearRepresentation(2, method="altmin", max_iter=1, tol=0.0,
                                   random_state=0).fit(X, y, sample_domain=labels)
    assert rep.n_iter_ == 1


# -- MC-B5: transfer to a new task -----------------------------------------------------


def rotated_basis(B, s, rng):
    """``B̂`` with ``sin θ(B̂, B) = s``: the last column tilted out of span(B)."""
    d = B.shape[0]
    u = rng.standard_normal(d)
    u -= B @ (B.T @ u)
    u /= np.linalg.norm(u)
    B_hat = B.copy()
    B_hat[:, -1] = np.sqrt(1 - s**2) * B[:, -1] + s * u
    return B_hat


def new_task_errors(B_hat, beta, n_new, reps, noise, rng):
    """``‖β̂ − β₀‖²`` of least squares in span(B̂) and in R^d, batched."""
    d = beta.size
    X = rng.standard_normal((reps, n_new, d))
    y = X @ beta + noise * rng.standard_normal((reps, n_new))
    Z = X @ B_hat
    alpha = np.linalg.solve(Z.transpose(0, 2, 1) @ Z,
                            (Z.transpose(0, 2, 1) @ y[..., None]))[..., 0]
    err_rep = np.sum((alpha @ B_hat.T - beta) ** 2, axis=1)
    err_ols = None
    if n_new > d + 1:
        b = np.linalg.solve(X.transpose(0, 2, 1) @ X,
                            (X.transpose(0, 2, 1) @ y[..., None]))[..., 0]
        err_ols = np.sum((b - beta) ** 2, axis=1)
    return X, y, err_rep, err_ols


@pytest.mark.parametrize(("s", "n_new", "reps"), [
    (0.05, 20, 20_000), (0.2, 20, 20_000), (0.2, 80, 10_000), (0.5, 40, 10_000)])
def test_new_task_error_matches_exact_gaussian_expectation(s, n_new, reps):
    # MC-B5: for x ~ N(0, I_d) and a fixed B̂, E‖β̂ − β₀‖² = ‖b⊥‖² + (σ² + ‖b⊥‖²)
    # r/(n₂ − r − 1), b⊥ = (I − B̂B̂ᵀ)β₀. The MC mean over `reps` replicates
    # has s.e. sd/sqrt(reps) (sd estimated from the same draws, relative sd ≈
    # 0.8-1 here, so ~0.7-1% of the mean); tolerance 4 s.e.
    d, r, noise = 30, 3, 1.0
    rng = np.random.default_rng([13, n_new, int(100 * s)])
    B = np.linalg.qr(rng.standard_normal((d, r)))[0]
    B_hat = rotated_basis(B, s, rng)
    assert sin_theta(B_hat, B) == pytest.approx(s)
    beta = B @ np.r_[0.6, 0.0, 0.8]  # ‖α₀‖ = 1, partly along the tilted column
    b_perp = beta - B_hat @ (B_hat.T @ beta)
    b2 = b_perp @ b_perp
    expected = b2 + (noise**2 + b2) * r / (n_new - r - 1)
    X, y, err, _ = new_task_errors(B_hat, beta, n_new, reps, noise, rng)
    se = err.std(ddof=1) / np.sqrt(reps)
    assert abs(err.mean() - expected) <= 4 * se, (err.mean(), expected, se)
    # the estimator computes the same β̂ (fixed basis given as an array)
    for i in range(3):
        model = RepresentationTransferRegressor(representation=B_hat).fit(X[i], y[i])
        assert np.sum((model.coef_ - beta) ** 2) == pytest.approx(err[i], rel=1e-8)


def test_new_task_beats_ols_at_small_n():
    # n₂ = 40 rows in d = 30: OLS has E‖β̂ − β₀‖² = σ² d/(n₂ − d − 1) = 10/3,
    # the representation (sin θ = 0.2) about 0.03 + 1.03 × 3/36 ≈ 0.12.
    d, r, n_new, reps, noise = 30, 3, 40, 5000, 1.0
    rng = np.random.default_rng(14)
    B = np.linalg.qr(rng.standard_normal((d, r)))[0]
    B_hat = rotated_basis(B, 0.2, rng)
    beta = B @ np.r_[0.6, 0.0, 0.8]
    _, _, err_rep, err_ols = new_task_errors(B_hat, beta, n_new, reps, noise, rng)
    expected_ols = noise**2 * d / (n_new - d - 1)
    se_ols = err_ols.std(ddof=1) / np.sqrt(reps)
    assert abs(err_ols.mean() - expected_ols) <= 4 * se_ols
    assert err_rep.mean() < 0.1 * err_ols.mean()


# -- RepresentationTransferRegressor: where B̂ comes from ------------------------------


def stacked_transfer_data(seed, d=15, r=2, t=60, n=40, n_new=12, noise=0.1):
    rng = np.random.default_rng(seed)
    B = np.linalg.qr(rng.standard_normal((d, r)))[0]
    A = rng.standard_normal((t + 1, r))
    domain = np.r_[np.full(n_new, -1), np.repeat(np.arange(1, t + 1), n)]
    task = np.where(domain < 0, 0, domain)
    X = rng.standard_normal((domain.size, d))
    y = np.einsum("ij,ij->i", X @ B, A[task]) + noise * rng.standard_normal(domain.size)
    return X, y, domain, B, B @ A[0]


def test_regressor_learns_representation_from_sources():
    X, y, domain, B, beta0 = stacked_transfer_data(15)
    model = RepresentationTransferRegressor().fit(X, y, sample_domain=domain)
    assert isinstance(model.representation_, LinearRepresentation)
    np.testing.assert_array_equal(model.representation_.tasks_, np.arange(1, 61))
    assert model.n_components_ == 2
    assert np.linalg.norm(model.coef_ - beta0) < 0.1
    np.testing.assert_allclose(model.coef_, model.components_ @ model.latent_coef_)
    # OLS on the 12 target rows alone, in d = 15, cannot do this
    ols = LinearRegression(fit_intercept=False).fit(X[domain < 0], y[domain < 0])
    assert np.linalg.norm(ols.coef_ - beta0) > 5 * np.linalg.norm(model.coef_ - beta0)
    np.testing.assert_allclose(model.predict(X[:3]), X[:3] @ model.coef_)


def test_regressor_without_sources_is_ols_or_ridge():
    X, y, _, _, _ = stacked_transfer_data(16)
    X, y = X[:80], y[:80]
    model = RepresentationTransferRegressor().fit(X, y)
    assert model.components_ is None and model.representation_ is None
    np.testing.assert_allclose(
        model.coef_, LinearRegression(fit_intercept=False).fit(X, y).coef_, rtol=1e-8)
    model = RepresentationTransferRegressor(alpha=2.0, fit_intercept=True).fit(X, y + 3)
    ref = Ridge(alpha=2.0).fit(X, y + 3)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-8)
    assert model.intercept_ == pytest.approx(ref.intercept_)


def test_regressor_prefitted_frozen_and_array_representations():
    X, y, domain, B, beta0 = stacked_transfer_data(17)
    target, source = domain < 0, domain > 0
    rep = LinearRepresentation(2).fit(X[source], y[source],
                                      sample_domain=domain[source])
    # pre-fitted, no source rows: used as is (not cloned, not refitted)
    model = RepresentationTransferRegressor(rep).fit(X[target], y[target])
    assert model.representation_ is rep
    np.testing.assert_array_equal(model.components_, rep.components_)
    # frozen: used as is even when source rows are passed (they are ignored)
    frozen = RepresentationTransferRegressor(FrozenEstimator(rep)).fit(
        X, y, sample_domain=domain)
    np.testing.assert_array_equal(frozen.coef_, model.coef_)
    # a fitted but unfrozen representation is refitted (a clone) on the sources
    refit = RepresentationTransferRegressor(LinearRepresentation(1)).fit(
        X, y, sample_domain=domain)
    assert refit.n_components_ == 1
    # an array: a fixed basis, orthonormalised (its span is what matters)
    arr = RepresentationTransferRegressor(rep.components_ @ np.array([[2.0, 1.0],
                                                                    [0.0, 3.0]]))
    arr.fit(X[target], y[target])
    np.testing.assert_allclose(arr.coef_, model.coef_, rtol=1e-8, atol=1e-12)
    assert arr.representation_ is None
    # unfitted representation and no sources: nothing to learn it from
    with pytest.raises(ValueError, match="no source rows"):
        RepresentationTransferRegressor(LinearRepresentation(2)).fit(
            X[target], y[target])
    with pytest.raises(ValueError, match="FrozenEstimator of an unfitted"):
        RepresentationTransferRegressor(FrozenEstimator(LinearRepresentation())).fit(
            X[target], y[target])


def test_regressor_pickles_and_clones():
    X, y, domain, _, _ = stacked_transfer_data(18)
    model = RepresentationTransferRegressor(alpha=0.1).fit(X, y, sample_domain=domain)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert not hasattr(clone(model), "coef_")


# -- pipelines, grid search and metadata routing ---------------------------------------


@pytest.fixture
def routing_off_after_test():
    yield
    assert sklearn.get_config()["enable_metadata_routing"] is False


def test_pipeline_step_param_and_routing(routing_off_after_test):
    X, y, domain, _, _ = stacked_transfer_data(19)
    ref = RepresentationTransferRegressor().fit(X, y, sample_domain=domain)
    pipe = make_pipeline(RepresentationTransferRegressor())
    pipe.fit(X, y, representationtransferregressor__sample_domain=domain)
    np.testing.assert_array_equal(pipe[-1].coef_, ref.coef_)
    with sklearn.config_context(enable_metadata_routing=True):
        est = RepresentationTransferRegressor().set_fit_request(sample_domain=True)
        routed = make_pipeline(est).fit(X, y, sample_domain=domain)
    np.testing.assert_array_equal(routed[-1].coef_, ref.coef_)


def test_representation_as_pipeline_transformer(routing_off_after_test):
    rng = np.random.default_rng(20)
    X, y, labels, B, _ = make_tasks(rng, 12, 2, 40, 30, noise=0.1)
    pipe = make_pipeline(LinearRepresentation(2), LinearRegression())
    pipe.fit(X, y, linearrepresentation__sample_domain=labels)
    ref = LinearRepresentation(2).fit(X, y, sample_domain=labels)
    np.testing.assert_array_equal(pipe[0].components_, ref.components_)
    with sklearn.config_context(enable_metadata_routing=True):
        rep = LinearRepresentation(2).set_fit_request(sample_domain=True)
        routed = make_pipeline(rep, LinearRegression()).fit(X, y, sample_domain=labels)
    np.testing.assert_array_equal(routed[0].components_, ref.components_)
    np.testing.assert_allclose(routed.predict(X), pipe.predict(X))


def test_grid_search_with_target_kfold_and_routing(routing_off_after_test):
    X, y, domain, _, _ = stacked_transfer_data(21, n_new=30)
    grid = {"alpha": [0.0, 1.0, 100.0]}
    with sklearn.config_context(enable_metadata_routing=True):
        est = RepresentationTransferRegressor().set_fit_request(sample_domain=True)
        search = GridSearchCV(est, grid, cv=TargetKFold(3)).fit(
            X, y, sample_domain=domain)
    assert search.best_params_["alpha"] < 100.0
    assert isinstance(search.best_estimator_.representation_, LinearRepresentation)
    # the same without routing, via fit params
    plain = GridSearchCV(RepresentationTransferRegressor(), grid,
                         cv=list(TargetKFold(3).split(X, sample_domain=domain)))
    plain.fit(X, y, sample_domain=domain)
    np.testing.assert_allclose(plain.cv_results_["mean_test_score"],
                               search.cv_results_["mean_test_score"])


# -- bad input -------------------------------------------------------------------------


@pytest.fixture
def small_tasks():
    rng = np.random.default_rng(22)
    return make_tasks(rng, 6, 2, 5, 10, noise=0.1)


def test_bad_n_components(small_tasks):
    X, y, labels, _, _ = small_tasks
    with pytest.raises(ValueError, match="exceeds the number of features"):
        LinearRepresentation(7).fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="exceeds the number of tasks"):
        LinearRepresentation(6).fit(X, y, sample_domain=labels % 3)
    with pytest.raises(ValueError, match="n_components"):
        LinearRepresentation(0).fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="n_components"):
        LinearRepresentation("all").fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="n_components"):
        LinearRepresentation(2.5).fit(X, y, sample_domain=labels)


def test_bad_task_labels(small_tasks):
    X, y, labels, _, _ = small_tasks
    bad = labels.copy()
    bad[-1] = 99
    with pytest.raises(ValueError, match="task 99 has 1 sample"):
        LinearRepresentation(2).fit(X, y, sample_domain=bad)
    with pytest.raises(ValueError, match="sample_domain has 49 entries but X has 50"):
        LinearRepresentation(2).fit(X, y, sample_domain=labels[:-1])
    with pytest.raises(ValueError, match="integer task labels"):
        LinearRepresentation(2).fit(X, y, sample_domain=labels + 0.5)
    with pytest.raises(TypeError, match="integer task labels"):
        LinearRepresentation(2).fit(X, y, sample_domain=labels.astype(str))
    with pytest.raises(ValueError, match="1-d"):
        LinearRepresentation(2).fit(X, y, sample_domain=labels[:, None])
    with pytest.raises(ValueError, match="1 sample"):
        LinearRepresentation().fit(X[:1], y[:1])


def test_bad_values(small_tasks):
    X, y, labels, _, _ = small_tasks
    for method in ("mom", "altmin", "mom+altmin"):
        Xn = X.copy()
        Xn[3, 2] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            LinearRepresentation(2, method=method).fit(Xn, y, sample_domain=labels)
        Xn[3, 2] = np.inf
        with pytest.raises(ValueError, match="infinity"):
            LinearRepresentation(2, method=method).fit(Xn, y, sample_domain=labels)
    yn = y.copy()
    yn[0] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        LinearRepresentation(2).fit(X, yn, sample_domain=labels)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LinearRepresentation(2).fit(X, y[:-1], sample_domain=labels)
    with pytest.raises(ValueError, match="method"):
        LinearRepresentation(2, method="pca").fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="solver"):
        LinearRepresentation(2, solver="lbfgs").fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="alpha"):
        LinearRepresentation(2, alpha=-1.0).fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="requires y"):
        LinearRepresentation(2).fit(X, None, sample_domain=labels)
    with pytest.raises(NotFittedError):
        LinearRepresentation(2).transform(X)
    rep = LinearRepresentation(2).fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="features"):
        rep.transform(X[:, :4])


def test_regressor_bad_input(small_tasks):
    X, y, labels, _, _ = small_tasks
    with pytest.raises(ValueError,
                       match=r"representation must have shape \(n_features=6"):
        RepresentationTransferRegressor(np.ones((5, 2))).fit(X, y)
    with pytest.raises(ValueError, match="linearly independent"):
        RepresentationTransferRegressor(np.ones((6, 2))).fit(X, y)
    with pytest.raises(ValueError, match="representation"):
        RepresentationTransferRegressor(np.full((6, 2), np.nan)).fit(X, y)
    with pytest.raises(ValueError, match="no target rows"):
        RepresentationTransferRegressor().fit(X, y, sample_domain=labels + 1)
    with pytest.raises(ValueError, match="contains 0"):
        RepresentationTransferRegressor().fit(X, y, sample_domain=labels)
    with pytest.raises(ValueError, match="alpha"):
        RepresentationTransferRegressor(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="representation"):
        RepresentationTransferRegressor(representation="mom").fit(X, y)
    domain = np.where(labels == 0, -1, labels)
    with pytest.raises(ValueError, match="exceeds the number of tasks"):
        RepresentationTransferRegressor(LinearRepresentation(5)).fit(
            X, y, sample_domain=domain)


def test_diversity_attribute_estimates_nu_and_flags_low_diversity():
    # diversity_ is task_diversity of the fitted coefficients, noise-debiased:
    # nu-hat / sigma_r(A^T A / t) - 1 has mean zero within 3 Monte-Carlo
    # standard errors over 6 seeds (measured: mean 0.003, 3 s.e. 0.04; the
    # raw, undebiased estimate is ~6% high at 60 rows per task), and tasks
    # spanning 2 of 3 directions are reported as not identified.
    from sktransfer.datasets import make_low_rank_tasks

    errors = []
    for seed in range(6):
        X, y, t, B, A = make_low_rank_tasks(400, 60, 20, 3, random_state=seed)
        nu = np.linalg.eigvalsh(A.T @ A / len(A))[0]
        est = LinearRepresentation(n_components=3).fit(X, y, sample_domain=t)
        assert est.diversity_.identified and est.diversity_.debiased
        errors.append(est.diversity_.diversity / nu - 1)
    assert abs(np.mean(errors)) <= 3 * np.std(errors, ddof=1) / np.sqrt(6)
    X, y, t, B, A = make_low_rank_tasks(400, 60, 20, 3, task_prior="low-diversity",
                                        random_state=0)
    with pytest.warns(UserWarning, match="not identified"):
        est = LinearRepresentation(n_components=3).fit(X, y, sample_domain=t)
    assert not est.diversity_.identified


def test_too_few_rows_per_task_for_least_squares_is_refused():
    # 400 tasks of 2 rows and r = 2: every task is fitted exactly by any B,
    # so least squares cannot identify it (MoM can: it needs no spare rows).
    from sktransfer.datasets import make_low_rank_tasks

    X, y, t, B, A = make_low_rank_tasks(400, 2, 10, 2, random_state=0)
    for method in ("altmin", "mom+altmin"):
        with pytest.raises(ValueError, match="cannot identify B"):
            LinearRepresentation(n_components=2, method=method).fit(
                X, y, sample_domain=t)
    LinearRepresentation(n_components=2, method="mom").fit(X, y, sample_domain=t)


def test_anisotropic_design_warns_for_mom():
    from sktransfer.datasets import make_low_rank_tasks

    X, y, t, B, A = make_low_rank_tasks(200, 50, 20, 3, random_state=0)
    LinearRepresentation(n_components=3, method="mom").fit(X, y, sample_domain=t)
    X = X.copy()
    X[:, :3] *= 3.0
    with pytest.warns(UserWarning, match="does not look isotropic"):
        LinearRepresentation(n_components=3, method="mom").fit(X, y, sample_domain=t)


def test_noise_free_tasks_have_zero_noise_variance():
    from sktransfer.datasets import make_low_rank_tasks

    X, y, t, B, A = make_low_rank_tasks(100, 30, 10, 2, noise=0.0, random_state=0)
    est = LinearRepresentation(n_components=2, method="mom+altmin").fit(
        X, y, sample_domain=t)
    assert est.noise_variance_ >= 0.0
