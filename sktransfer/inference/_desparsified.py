r"""Desparsified (debiased) lasso for canonical-link GLMs.

Inference step of Trans-GLM (Tian & Feng, 2023, Algorithm 3), built on the
desparsified GLM lasso of van de Geer, Bühlmann, Ritov & Dezeure (2014).
"""

import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from joblib import Parallel, delayed
from scipy.special import expit, ndtr
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array

from ..datafits import Quadratic
from ..penalties import WeightedL1
from ..solvers import WorkingSetCD
from ..utils._threads import single_blas_thread
from ..utils._validation import check_choice, check_int, check_real
from ._results import DesparsifiedResult

FAMILIES = ("gaussian", "binomial", "poisson")


def desparsified_glm(
    X_target,
    y_target,
    coef,
    intercept=0.0,
    *,
    family,
    X_pooled=None,
    sample_weight=None,
    offset=None,
    sample_weight_pooled=None,
    offset_pooled=None,
    fit_intercept=True,
    alpha_nodewise=None,
    scale=None,
    level=0.95,
    tol=1e-6,
    max_iter=100,
    n_jobs=None,
    feature_names=None,
):
    r"""Desparsified lasso confidence intervals for a canonical-link GLM.

    Debiases an ``ℓ1``-type estimate ``(β̂_0, β̂)`` — in Trans-GLM the final
    transfer estimate — and returns coordinate-wise standard errors,
    normal-quantile intervals and two-sided p-values. This is the inference
    procedure of Trans-GLM (Tian & Feng, 2023, Algorithm 3; ``glmtrans_inf``
    in the R package glmtrans): the desparsified GLM lasso of van de Geer et
    al. (2014) with its nodewise lassos run on the *pooled* rows (target and
    transferable sources), which estimates the inverse Hessian better than
    the target alone, while the gradient and the variance use the target.

    The loss on a set of rows is
    ``L(β_0, β) = (1/n) Σ_i w_i [ψ(η_i) - y_i η_i]`` with
    ``η_i = o_i + β_0 + x_i^T β`` (``o_i`` the offset, ``w_i`` the sample
    weights rescaled to mean 1) and ``ψ(u) = u²/2`` (gaussian),
    ``log(1 + e^u)`` (binomial) or ``e^u`` (poisson). The steps are:

    1. **Hessian weights** on the ``N`` pooled rows,
       ``h_i = w_i ψ''(η_i)``, and the ``h``-weighted design
       ``X̃ = diag(√h)(X - 1 x̄_h^T)``, with ``x̄_h`` the ``h``-weighted column
       means (``x̄_h = 0`` when ``fit_intercept=False``).
    2. **Nodewise lassos** (van de Geer et al., 2014, Section 3.1.1): for
       each ``j``

       .. math::

           \hat\gamma_j = \arg\min_{\gamma \in \mathbb R^{p-1}}
               \frac1{2N} \|\tilde x_j - \tilde X_{-j}\gamma\|_2^2
               + \lambda_j \hat s_j \sum_{k \ne j} \hat s_k |\gamma_k|,
           \qquad
           \hat\tau_j^2 = \frac1N \tilde x_j^\top
               (\tilde x_j - \tilde X_{-j}\hat\gamma_j),

       i.e. the ``h``-weighted lasso of ``x_j`` on the other columns with an
       unpenalised intercept, penalised in standardised units
       (``ŝ_k² = ||x̃_k||²/N``). ``Θ̂`` has rows ``(e_j - γ̂_j)^T / τ̂_j²``,
       so that ``(Θ̂ X̃^T X̃ / N)_jj = 1`` exactly (the KKT form of
       ``τ̂_j²``; it equals ``||x̃_j - X̃_{-j}γ̂_j||²/N + λ_j ŝ_j Σ ŝ_k|γ̂_jk|``).
    3. **Debiasing** on the ``n`` target rows, with
       ``u_i = w_i (ψ'(η_i) - y_i)``:

       .. math::

           \hat b = \hat\beta - \hat\Theta\, \frac1n
               \sum_{i \in \text{target}} u_i (x_i - \bar x_h),

       which is ``β̂ - Θ̂ ∇L_target`` with the intercept treated as an
       unpenalised nuisance parameter (its row of the gradient is absorbed
       by centring at ``x̄_h``).
    4. **Variance**: ``Cov(b̂) ≈ Θ̂ Σ̂ Θ̂^T / n`` with the target's empirical
       Fisher information
       ``Σ̂ = (φ̂/n) Σ_i w_i ψ''(η_i) (x_i - x̄_h)(x_i - x̄_h)^T``. The
       dispersion ``φ̂`` is 1 for binomial and poisson and, for gaussian,
       ``Σ_i w_i (y_i - η_i)² / (n - df)`` with
       ``df = #{j : β̂_j ≠ 0} + fit_intercept`` (``n`` if ``df >= n``).
       Then ``se_j = sqrt(Cov_jj)``, ``z_j = b̂_j / se_j``,
       ``p_j = 2Φ(-|z_j|)`` and the interval is ``b̂_j ± Φ^{-1}(1-α/2) se_j``.

    Parameters
    ----------
    X_target : {array-like, sparse matrix} of shape (n_target, n_features)
        Target design (sparse input is densified).
    y_target : array-like of shape (n_target,)
        Target response: real (gaussian), 0/1 (binomial) or non-negative
        (poisson).
    coef : array-like of shape (n_features,)
        The estimate ``β̂`` to debias.
    intercept : float, default=0.0
        Its intercept ``β̂_0``. With ``fit_intercept=False`` it is kept as a
        known constant in ``η``.
    family : {"gaussian", "binomial", "poisson"}
        Canonical-link GLM family.
    X_pooled : {array-like, sparse matrix} of shape (n_pooled, n_features)
        Rows of the nodewise lassos: the target rows stacked with the rows of
        the (transferable) sources, as in Tian & Feng's Algorithm 3. ``None``
        uses ``X_target`` (the plain desparsified lasso of van de Geer et
        al.).
    sample_weight : array-like of shape (n_target,), default=None
        Non-negative target weights (rescaled to mean 1); ``None``: ones.
    offset : array-like of shape (n_target,), default=None
        Target offsets ``o_i`` added to ``η``; ``None``: zeros.
    sample_weight_pooled, offset_pooled : array-like of shape (n_pooled,)
        The same for the pooled rows. When ``X_pooled`` is None they must be
        None and the target's are used; otherwise ``None`` means ones/zeros.
    fit_intercept : bool, default=True
        Whether the model has an unpenalised intercept (then the nodewise
        lassos have one too).
    alpha_nodewise : float or array-like of shape (n_features,), default=None
        Nodewise penalty ``λ_j`` in standardised units (a non-negative scalar
        for all ``j``, or one per feature). ``None`` uses
        ``λ_j = sqrt(log(p) / (2N))``, half the universal level
        ``sqrt(2 log(p) / N)`` (van de Geer et al., 2014, take
        ``λ_j ≍ sqrt(log p / N)``). Smaller values reduce the remaining bias
        ``(Θ̂Σ̂ - I)(β̂ - β)``, bounded by ``max_j λ_j ŝ_j max_k ŝ_k / τ̂_j²``
        times ``||β̂ - β||_1``, and raise the variance. In simulations with
        pooled rows from the target model, the full universal level gave
        95% intervals covering about 0.93 in a dense low-dimensional design
        (p = 6, N = 400, n = 150), half of it about 0.945; in sparse
        high-dimensional designs (p = 200, N = 600 and p = 400, N = 300) both
        covered alike (0.93-0.96), half the level with intervals about 6%
        wider. With ``N >> p`` a tiny value makes ``Θ̂`` the exact inverse
        (and ``b̂`` a Newton step from ``β̂``).
    scale : float, default=None
        Dispersion ``φ`` in ``Σ̂``; ``None`` estimates it for gaussian and
        uses 1 for binomial and poisson.
    level : float in (0, 1), default=0.95
        Default confidence level of the result's intervals.
    tol : float, default=1e-6
        Relative duality-gap tolerance of the nodewise lassos.
    max_iter : int, default=100
        Maximum outer iterations of each nodewise lasso.
    n_jobs : int, default=None
        Threads for the nodewise lassos (``None``: 1; ``-1``: all cores).
    feature_names : sequence of str, default=None
        Row labels of the result (default: the columns of ``X_target`` if it
        is a DataFrame, else ``x0, x1, ...``).

    Returns
    -------
    DesparsifiedResult
        ``coef`` (``b̂``), ``std_err``, ``z``, ``pvalues``, ``level``,
        ``conf_int()``, ``summary()``, ``to_frame()``, and the pieces
        ``inverse_hessian`` (``Θ̂``), ``covariance``, ``tau2``, ``scale``.

    Raises
    ------
    ValueError, TypeError
        On invalid input, naming the argument.

    Warns
    -----
    ConvergenceWarning
        If a nodewise lasso did not reach ``tol``.
    RuntimeWarning
        If ``τ̂_j² <= 0`` for some ``j`` (a constant column, or one the others
        determine exactly); those coordinates get NaN statistics.

    Notes
    -----
    The intercept is a nuisance parameter: no interval is given for it.
    Unlike ``glmtrans_inf``, whose nodewise lassos are themselves two-step
    Trans-GLM fits tuned by cross-validation, the nodewise lassos here are
    plain lassos on the pooled rows at a fixed level (cheap: ``p`` solves),
    and the gaussian variance includes the residual variance ``φ̂``.
    When ``N > p`` the lassos run on the ``p × p`` triangular factor ``R`` of
    ``X̃ = QR`` (scaled by ``sqrt(p/N)``), an exact reformulation.

    References
    ----------
    Tian, Y. and Feng, Y. (2023). Transfer learning under high-dimensional
    generalized linear models. *JASA* 118(544), 2684-2697 (Algorithm 3).

    van de Geer, S., Bühlmann, P., Ritov, Y. and Dezeure, R. (2014). On
    asymptotically optimal confidence regions and tests for high-dimensional
    models. *Annals of Statistics* 42(3), 1166-1202.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.inference import desparsified_glm
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5))
    >>> y = X @ np.array([1.0, 0.5, 0.0, 0.0, 0.0]) + rng.standard_normal(200)
    >>> res = desparsified_glm(X, y, np.zeros(5), family="gaussian")
    >>> res.conf_int().shape
    (5, 2)
    """
    family = check_choice(family, "family", FAMILIES)
    fit_intercept = _check_bool(fit_intercept, "fit_intercept")
    level = check_real(level, "level", 0, strict=True, maximum=1, strict_maximum=True)
    if feature_names is None and hasattr(X_target, "columns"):
        feature_names = [str(c) for c in X_target.columns]
    X_target = _check_design(X_target, "X_target")
    n_target, n_features = X_target.shape
    y_target = _check_response(y_target, n_target, family, "y_target")
    coef = _check_vector(coef, n_features, "coef", what="X_target's columns")
    intercept = check_real(intercept, "intercept")
    w_target = _check_weights(sample_weight, n_target, "sample_weight")
    o_target = _check_offset(offset, n_target, "offset")
    if X_pooled is None:
        for value, name in ((sample_weight_pooled, "sample_weight_pooled"),
                            (offset_pooled, "offset_pooled")):
            if value is not None:
                raise ValueError(f"{name} needs X_pooled; got X_pooled=None.")
        X_pool, w_pool, o_pool = X_target, w_target, o_target
    else:
        X_pool = _check_design(X_pooled, "X_pooled")
        if X_pool.shape[1] != n_features:
            raise ValueError(
                f"X_pooled has {X_pool.shape[1]} columns but X_target has "
                f"{n_features}."
            )
        w_pool = _check_weights(sample_weight_pooled, X_pool.shape[0],
                                "sample_weight_pooled")
        o_pool = _check_offset(offset_pooled, X_pool.shape[0], "offset_pooled")
    n_pooled = X_pool.shape[0]
    lambdas = _check_alpha_nodewise(alpha_nodewise, n_features, n_pooled)
    if scale is not None:
        scale = check_real(scale, "scale")
        if scale <= 0:
            raise ValueError(f"scale must be positive, got {scale!r}.")
    tol = check_real(tol, "tol")
    if tol <= 0:
        raise ValueError(f"tol must be positive, got {tol!r}.")
    max_iter = check_int(max_iter, "max_iter", 1)
    if n_jobs is not None:
        n_jobs = check_int(n_jobs, "n_jobs", None)
        if n_jobs == 0:
            raise ValueError("n_jobs must be a non-zero integer or None.")
    if feature_names is None:
        feature_names = [f"x{j}" for j in range(n_features)]
    else:
        feature_names = [str(name) for name in feature_names]
        if len(feature_names) != n_features:
            raise ValueError(
                f"feature_names must have {n_features} entries, got "
                f"{len(feature_names)}."
            )

    with single_blas_thread():
        return _compute(
            X_target, y_target, coef, intercept, family=family, X_pool=X_pool,
            w_pool=w_pool, o_pool=o_pool, w_target=w_target, o_target=o_target,
            fit_intercept=fit_intercept, lambdas=lambdas, scale=scale,
            level=level, tol=tol, max_iter=max_iter, n_jobs=n_jobs,
            feature_names=feature_names,
            pooled_name="X_target" if X_pooled is None else "X_pooled",
        )


def _compute(X_target, y_target, coef, intercept, *, family, X_pool, w_pool,
             o_pool, w_target, o_target, fit_intercept, lambdas, scale, level,
             tol, max_iter, n_jobs, feature_names, pooled_name):
    """Steps 1-4 of :func:`desparsified_glm` on validated inputs."""
    n_target, n_features = X_target.shape
    n_pooled = X_pool.shape[0]
    # 1. Hessian weights and the weighted, centred pooled design.
    _, hess_pool = _mean_and_curvature(
        family, o_pool + intercept + X_pool @ coef, pooled_name)
    h = w_pool * hess_pool
    if fit_intercept:
        total = h.sum()
        center = (h @ X_pool) / total if total > 0 else np.zeros(n_features)
    else:
        center = np.zeros(n_features)
    X_tilde = np.sqrt(h)[:, None] * (X_pool - center)
    gram = X_tilde.T @ X_tilde / n_pooled
    col_sd = np.sqrt(np.maximum(np.diag(gram), 0.0))

    # 2. Nodewise lassos -> Θ̂.
    gammas, failed = _nodewise_lassos(
        X_tilde, col_sd, lambdas, tol=tol, max_iter=max_iter, n_jobs=n_jobs)
    if failed:
        warnings.warn(
            f"{failed} of {n_features} nodewise lassos did not reach "
            f"tol={tol:g} (max_iter={max_iter}); increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=3,
        )
    tau2 = np.diag(gram) - np.einsum("jk,jk->j", gram, gammas)
    degenerate = ~(tau2 > 1e-12 * np.maximum(np.diag(gram), 1e-300)) | (
        col_sd == 0)
    if np.any(degenerate):
        warnings.warn(
            f"{int(degenerate.sum())} feature(s) have a vanishing nodewise "
            "residual variance (a constant column, zero Hessian weights, or a "
            "column the others determine exactly); their statistics are NaN.",
            RuntimeWarning,
            stacklevel=3,
        )
    theta = np.eye(n_features) - gammas
    with np.errstate(divide="ignore", invalid="ignore"):
        theta /= np.where(degenerate, np.nan, tau2)[:, None]

    # 3. Debiasing with the target gradient.
    eta_target = o_target + intercept + X_target @ coef
    mu, hess_target = _mean_and_curvature(family, eta_target, "X_target")
    X_centred = X_target - center
    residual = mu - y_target
    gradient = X_centred.T @ (w_target * residual) / n_target
    theta_safe = np.where(degenerate[:, None], 0.0, theta)
    debiased = coef - theta_safe @ gradient

    # 4. Sandwich variance with the target Fisher information.
    if scale is None:
        if family == "gaussian":
            dof = int(np.count_nonzero(coef)) + int(fit_intercept)
            denom = n_target - dof if dof < n_target else n_target
            scale = float(w_target @ residual**2) / denom
        else:
            scale = 1.0
    root = X_centred * np.sqrt(w_target * hess_target * scale)[:, None]
    A = theta_safe @ root.T
    covariance = A @ A.T / n_target**2
    variance = np.diag(covariance).copy()
    std_err = np.sqrt(np.maximum(variance, 0.0))
    debiased[degenerate] = np.nan
    std_err[degenerate] = np.nan
    covariance[degenerate, :] = np.nan
    covariance[:, degenerate] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z = debiased / std_err
    pvalues = 2.0 * ndtr(-np.abs(z))
    return DesparsifiedResult(
        coef=debiased,
        std_err=std_err,
        z=z,
        pvalues=pvalues,
        level=level,
        initial_coef=coef,
        covariance=covariance,
        inverse_hessian=theta,
        tau2=tau2,
        alpha_nodewise=lambdas,
        scale=float(scale),
        family=family,
        n_target=n_target,
        n_pooled=n_pooled,
        feature_names=tuple(feature_names),
    )


# -- nodewise lassos
def _nodewise_lassos(X_tilde, col_sd, lambdas, *, tol, max_iter, n_jobs):
    """Rows ``γ̂_j`` (zero at ``j``) of all nodewise lassos, and #failures.

    Each solve sees the pooled design with column ``j`` zeroed (the solver
    parks zero-curvature coordinates at 0), so one Fortran buffer per worker
    serves all its columns without copies.
    """
    n_rows, n_features = X_tilde.shape
    if n_rows > n_features:
        # Same Gram matrix with p rows: ||x̃_j - X̃γ||²/N = ||r_j - Rγ||²/p.
        (R,) = scipy.linalg.qr(X_tilde, mode="r", check_finite=False)
        design = R[:n_features] * np.sqrt(n_features / n_rows)
    else:
        design = X_tilde
    columns = np.flatnonzero(col_sd > 0)
    if n_features < 2 or columns.size == 0:
        return np.zeros((n_features, n_features)), 0
    n_workers = 1 if n_jobs is None else n_jobs
    if n_workers < 0:
        import os

        n_workers = max(1, (os.cpu_count() or 1) + 1 + n_workers)
    n_workers = min(n_workers, columns.size)
    chunks = np.array_split(columns, n_workers)
    if n_workers == 1:
        results = [_nodewise_chunk(design, col_sd, lambdas, chunks[0], tol,
                                   max_iter)]
    else:
        results = Parallel(n_jobs=n_workers, prefer="threads")(
            delayed(_nodewise_chunk)(design, col_sd, lambdas, chunk, tol,
                                     max_iter)
            for chunk in chunks
        )
    gammas = np.zeros((n_features, n_features))
    failed = 0
    for chunk, (rows, n_failed) in zip(chunks, results):
        gammas[chunk] = rows
        failed += n_failed
    return gammas, failed


def _nodewise_chunk(design, col_sd, lambdas, columns, tol, max_iter):
    buffer = np.array(design, order="F", dtype=np.float64, copy=True)
    solver = WorkingSetCD(max_iter=max_iter, tol=tol)
    rows = np.zeros((columns.size, design.shape[1]))
    failed = 0
    for k, j in enumerate(columns):
        response = design[:, j].copy()
        buffer[:, j] = 0.0
        try:
            penalty = WeightedL1(float(lambdas[j] * col_sd[j]), col_sd)
            result = solver.solve(buffer, response, Quadratic(fit_intercept=False),
                                  penalty)
        finally:
            buffer[:, j] = response
        rows[k] = result.coef
        rows[k, j] = 0.0
        failed += not result.converged
    return rows, failed


# -- GLM pieces
def _mean_and_curvature(family, eta, name):
    """``ψ'(η)`` and ``ψ''(η)`` of the family."""
    if family == "gaussian":
        return eta, np.ones_like(eta)
    if family == "binomial":
        mu = expit(eta)
        return mu, mu * (1.0 - mu)
    with np.errstate(over="ignore"):
        mu = np.exp(eta)
    if not np.all(np.isfinite(mu)):
        raise ValueError(
            f"The poisson mean exp(eta) overflows on {name}: the linear "
            "predictor of coef/intercept is too large."
        )
    return mu, mu


# -- validation
def _check_bool(value, name):
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a bool, got {value!r}.")
    return bool(value)


def _check_design(X, name):
    if sp.issparse(X):
        X = X.toarray()
    if not hasattr(X, "columns") and np.ndim(X) != 2:
        raise ValueError(
            f"{name} must be a 2-d array (n_samples, n_features), got "
            f"{np.ndim(X)} dimension(s)."
        )
    X = check_array(X, dtype=np.float64, input_name=name)
    return np.asarray(X)


def _check_vector(values, n, name, what="the rows"):
    if sp.issparse(values):
        raise TypeError(f"{name} must be a dense 1-d array.")
    values = check_array(values, ensure_2d=False, dtype=np.float64,
                         input_name=name)
    if values.ndim != 1 or values.shape[0] != n:
        raise ValueError(
            f"{name} must have shape ({n},) to match {what}, got "
            f"{values.shape}."
        )
    return values


def _check_response(y, n, family, name):
    y = _check_vector(y, n, name, what="X_target's rows")
    if family == "binomial" and not np.all((y == 0) | (y == 1)):
        raise ValueError(f"{name} must contain only 0 and 1 for "
                         "family='binomial'.")
    if family == "poisson" and np.any(y < 0):
        raise ValueError(f"{name} must be non-negative (counts) for "
                         "family='poisson'.")
    return y


def _check_weights(weights, n, name):
    if weights is None:
        return np.ones(n)
    weights = _check_vector(weights, n, name)
    if np.any(weights < 0):
        raise ValueError(f"{name} must be non-negative.")
    total = weights.sum()
    if total <= 0:
        raise ValueError(f"{name} must have a positive sum.")
    return weights * (n / total)


def _check_offset(offset, n, name):
    if offset is None:
        return np.zeros(n)
    return _check_vector(offset, n, name)


def _check_alpha_nodewise(alpha, n_features, n_pooled):
    if alpha is None:
        value = np.sqrt(np.log(max(n_features, 2)) / (2.0 * n_pooled))
        return np.full(n_features, value)
    if np.ndim(alpha) == 0:
        value = check_real(alpha, "alpha_nodewise")
        if value < 0:
            raise ValueError(
                f"alpha_nodewise must be non-negative, got {value!r}.")
        return np.full(n_features, value)
    values = _check_vector(alpha, n_features, "alpha_nodewise",
                           what="X_target's columns")
    if np.any(values < 0):
        raise ValueError("alpha_nodewise must be non-negative.")
    return values
