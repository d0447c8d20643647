"""The simulation design of Tian & Feng (JASA 2023) for Trans-GLM."""

import numpy as np
from scipy.linalg import toeplitz
from sklearn.utils import Bunch

from ..utils._validation import check_choice, check_generator, check_int, check_real

#: Value of the non-zero target coefficients.
SIGNAL = 0.5
#: Intercept added to the linear predictor of non-transferable sources.
NON_TRANSFERABLE_INTERCEPT = 0.5
#: Standard deviation of the rank-one perturbation ε of the source covariance.
PERTURBATION_SD = 0.3
#: Poisson covariates are clipped to [-CLIP, CLIP].
POISSON_CLIP = 0.5


def make_glm_transfer(
    family="gaussian",
    n_target=200,
    n_source=100,
    n_sources=5,
    n_transferable=None,
    h=5,
    n_nonzero=5,
    n_features=500,
    cov_type=1,
    n_test=0,
    random_state=None,
):
    r"""Target and sources of the Trans-GLM simulations (Tian & Feng, 2023).

    The design of the glmtrans ``models()`` generator (v2.1.0 defaults):

    * target coefficients ``β = (0.5·1_s, 0_{p-s})``, target intercept 0;
    * target rows ``N(0, Σ)`` with ``Σ_ij = 0.5^{|i-j|}`` (``cov_type=1``) or
      ``0.9^{|i-j|}`` (``cov_type=2``);
    * source rows: for ``cov_type=1``, ``N(0, Σ + εεᵀ)`` with
      ``Σ_ij = 0.5^{|i-j|}`` and one ``ε ~ N(0, 0.3² I_p)`` shared by all
      sources; for ``cov_type=2``, i.i.d. ``t_4`` entries (covariate shift);
    * transferable source ``k < n_transferable``:
      ``w^{(k)} = β + (h/p)·R^{(k)}`` with Rademacher ``R^{(k)}``, so
      ``||w^{(k)} - β||_1 = h`` exactly, and no intercept;
    * non-transferable source: ``w^{(k)} = ξ + (2h/p)·R^{(k)}`` where ``ξ``
      is 0.5 on ``{s, …, 2s-1}`` and on ``s`` coordinates drawn without
      replacement from ``{2s, …, p-1}``, plus an intercept 0.5;
    * responses: Gaussian ``y = η + N(0, 1)``, binomial
      ``y ~ Bernoulli(1/(1+e^{-η}))``, Poisson ``y ~ Poisson(e^η)`` with all
      covariates clipped to ``[-0.5, 0.5]``.

    Parameters
    ----------
    family : {"gaussian", "binomial", "poisson"}, default="gaussian"
        Response family.
    n_target : int, default=200
        Target rows.
    n_source : int or sequence of int, default=100
        Rows per source (one value for all, or one per source).
    n_sources : int, default=5
        Number of sources ``K``.
    n_transferable : int, default=None
        Number of transferable sources (the first ones); all of them by
        default (glmtrans's ``Ka = K``).
    h : float, default=5
        ``ℓ1`` distance of transferable sources from ``β``.
    n_nonzero : int, default=5
        Sparsity ``s``.
    n_features : int, default=500
        Dimension ``p`` (at least ``2 s``).
    cov_type : {1, 2}, default=1
        Covariance design (see above).
    n_test : int, default=0
        Fresh target rows for measuring prediction error, drawn after all
        other data (so the training data do not depend on ``n_test``).
    random_state : int, Generator, SeedSequence, RandomState or None, default=None
        Source of randomness (see :func:`make_concept_drift`).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X``, ``y``, ``sample_domain`` (``-1`` target, ``k+1`` source ``k``),
        ``coef`` (β), ``intercept`` (0), ``source_coefs`` (K, p),
        ``source_intercepts`` (K,) and ``transferable`` (bool, K); with
        ``n_test > 0`` also target rows ``X_test`` (n_test, p) and ``y_test``.

    References
    ----------
    .. [1] Y. Tian and Y. Feng. Transfer learning under high-dimensional
       generalized linear models. JASA 118(544), 2023.

    Examples
    --------
    >>> from sktransfer.datasets import make_glm_transfer
    >>> data = make_glm_transfer("binomial", n_features=20, random_state=0)
    >>> data.X.shape, sorted(set(data.y.tolist()))
    ((700, 20), [0.0, 1.0])
    """
    check_choice(family, "family", {"gaussian", "binomial", "poisson"})
    n_target = check_int(n_target, "n_target", 1)
    K = check_int(n_sources, "n_sources", 0)
    if n_transferable is None:
        n_transferable = K
    n_transferable = check_int(n_transferable, "n_transferable", 0)
    if n_transferable > K:
        raise ValueError(f"n_transferable={n_transferable} exceeds n_sources={K}.")
    if np.ndim(n_source) == 0:
        sizes = [check_int(n_source, "n_source", 1)] * K
    else:
        sizes = [check_int(v, "n_source", 1) for v in n_source]
        if len(sizes) != K:
            raise ValueError(f"n_source has {len(sizes)} entries for {K} sources.")
    h = check_real(h, "h", 0)
    s = check_int(n_nonzero, "n_nonzero", 0)
    p = check_int(n_features, "n_features", 1)
    if 2 * s > p:
        raise ValueError(f"n_features={p} must be at least 2·n_nonzero={2 * s}.")
    if cov_type not in (1, 2) or isinstance(cov_type, bool):
        raise ValueError(f"cov_type must be 1 or 2, got {cov_type!r}.")
    n_test = check_int(n_test, "n_test", 0)
    rng = check_generator(random_state)

    beta = np.zeros(p)
    beta[:s] = SIGNAL
    rho = 0.5 if cov_type == 1 else 0.9
    chol = np.linalg.cholesky(toeplitz(rho ** np.arange(p)))
    X_target = rng.standard_normal((n_target, p)) @ chol.T
    if family == "poisson":
        X_target = np.clip(X_target, -POISSON_CLIP, POISSON_CLIP)
    y_target = _respond(family, X_target @ beta, rng)

    if cov_type == 1 and K:
        eps = rng.normal(scale=PERTURBATION_SD, size=p)
        base = toeplitz(0.5 ** np.arange(p))
        source_chol = np.linalg.cholesky(base + np.outer(eps, eps))
    source_coefs = np.empty((K, p))
    source_intercepts = np.zeros(K)
    transferable = np.arange(K) < n_transferable
    blocks_X, blocks_y = [X_target], [y_target]
    for k in range(K):
        signs = rng.choice([-1.0, 1.0], size=p)
        if transferable[k]:
            source_coefs[k] = beta + (h / p) * signs
        else:
            xi = np.zeros(p)
            xi[s:2 * s] = SIGNAL
            xi[rng.choice(np.arange(2 * s, p), size=s, replace=False)] = SIGNAL
            source_coefs[k] = xi + (2 * h / p) * signs
            source_intercepts[k] = NON_TRANSFERABLE_INTERCEPT
        if cov_type == 1:
            Xk = rng.standard_normal((sizes[k], p)) @ source_chol.T
        else:
            Xk = rng.standard_t(4, size=(sizes[k], p))
        if family == "poisson":
            Xk = np.clip(Xk, -POISSON_CLIP, POISSON_CLIP)
        blocks_X.append(Xk)
        blocks_y.append(_respond(family, source_intercepts[k] + Xk @ source_coefs[k],
                                 rng))
    domain = np.concatenate([np.full(n_target, -1)]
                            + [np.full(sizes[k], k + 1) for k in range(K)])
    data = Bunch(
        X=np.vstack(blocks_X),
        y=np.concatenate(blocks_y),
        sample_domain=domain,
        coef=beta,
        intercept=0.0,
        source_coefs=source_coefs,
        source_intercepts=source_intercepts,
        transferable=transferable,
    )
    if n_test:
        X_test = rng.standard_normal((n_test, p)) @ chol.T
        if family == "poisson":
            X_test = np.clip(X_test, -POISSON_CLIP, POISSON_CLIP)
        data.X_test = X_test
        data.y_test = _respond(family, X_test @ beta, rng)
    return data


def _respond(family, eta, rng):
    if family == "gaussian":
        return eta + rng.standard_normal(eta.shape[0])
    if family == "binomial":
        return (rng.random(eta.shape[0]) < 1 / (1 + np.exp(-eta))).astype(float)
    return rng.poisson(np.exp(eta)).astype(float)
