"""The simulation design of Li, Cai & Li (JRSSB 2022) for Trans-Lasso."""

import numpy as np
from sklearn.utils import Bunch

from ..utils._validation import check_choice, check_generator, check_int, check_real


def make_trans_lasso_regression(
    n_target=150,
    n_source=100,
    n_sources=20,
    n_informative=12,
    n_features=500,
    n_nonzero=16,
    h=6,
    *,
    signal=0.3,
    perturbation="exact",
    covariance="identical",
    shift_first=True,
    noise=1.0,
    n_test=0,
    random_state=None,
):
    r"""Target and sources of the Trans-Lasso simulations (Li, Cai & Li, 2022).

    The target follows ``y = Xβ + ε`` with ``β = (signal·1_s, 0_{p-s})`` and
    ``ε ~ N(0, noise²)``; source ``k`` follows ``y = X w^{(k)} + ε`` with
    ``w^{(k)} = β`` perturbed as follows (the design of the authors'
    simulation script):

    * ``shift_first=True``: coordinate 0 of every source is shifted by
      ``-2·signal`` (``w_0 = -signal``), as in the authors' script;
    * ``perturbation="exact"`` (the ":math:`|H_k| = h`" design): an
      informative source (``k < n_informative``) has ``h`` coordinates,
      drawn uniformly from all ``p``, shifted by ``-signal``; a
      non-informative source has ``2·n_nonzero`` such coordinates shifted by
      ``-0.5``;
    * ``perturbation="gaussian"``: the first ``min(100, p)`` coordinates get
      ``N(0, sd=h/100)`` noise (informative) or ``N(0, sd=2 n_nonzero/100)``
      (non-informative), R's ``rnorm(·, sd)`` convention.

    Designs: target rows are ``N(0, I_p)``. With ``covariance="identical"``
    source rows are ``N(0, I_p)`` too; with ``"heterogeneous"`` source ``k``
    (from 1) has rows ``N(0, Σ^{(k)})``, ``Σ^{(k)}_{ij} = ρ_k^{|i-j|}`` with
    ``ρ_k = 0.8·k/K``. The paper's heterogeneous design (a band Toeplitz
    matrix with entries ``1/(k+1)``) is only recalled, and as recalled it is
    not positive definite for ``k <= 2`` at ``p = 500``; this AR(1) family is
    this package's substitute.

    Parameters
    ----------
    n_target : int, default=150
        Target rows ``n_0``.
    n_source : int, default=100
        Rows per source ``n_k``.
    n_sources : int, default=20
        Number of sources ``K``.
    n_informative : int, default=12
        Number of informative sources ``|A|`` (the first ones).
    n_features : int, default=500
        Dimension ``p``.
    n_nonzero : int, default=16
        Sparsity ``s`` of ``β``.
    h : float, default=6
        Perturbation level of the informative sources (``|H_k|`` in the
        exact design, ``100·sd`` in the Gaussian one).
    signal : float, default=0.3
        Value of the non-zero entries of ``β``.
    perturbation : {"exact", "gaussian"}, default="exact"
        Source perturbation design.
    covariance : {"identical", "heterogeneous"}, default="identical"
        Source covariance design.
    shift_first : bool, default=True
        Shift coordinate 0 of every source by ``-2·signal``.
    noise : float, default=1.0
        Noise standard deviation ``σ``.
    n_test : int, default=0
        Fresh target rows for measuring prediction error, drawn after all
        other data (so the training data do not depend on ``n_test``).
    random_state : int, Generator, SeedSequence, RandomState or None, default=None
        Source of randomness (see :func:`make_concept_drift`).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` (n_0 + K n_k, p), ``y``, ``sample_domain`` (``-1`` target,
        ``k+1`` source ``k``), ``coef`` (β), ``source_coefs`` (K, p) and
        ``informative`` (bool array of length K); with ``n_test > 0`` also
        ``X_test`` (n_test, p) and ``y_test``.

    References
    ----------
    .. [1] S. Li, T. T. Cai and H. Li. Transfer learning for high-dimensional
       linear regression: prediction, estimation and minimax optimality.
       JRSSB 84(1), 2022.

    Examples
    --------
    >>> from sktransfer.datasets import make_trans_lasso_regression
    >>> data = make_trans_lasso_regression(n_sources=3, n_informative=2,
    ...                                    n_features=50, random_state=0)
    >>> data.X.shape, data.source_coefs.shape
    ((450, 50), (3, 50))
    """
    n_target = check_int(n_target, "n_target", 1)
    n_source = check_int(n_source, "n_source", 1)
    n_sources = check_int(n_sources, "n_sources", 0)
    n_informative = check_int(n_informative, "n_informative", 0)
    if n_informative > n_sources:
        raise ValueError(
            f"n_informative={n_informative} exceeds n_sources={n_sources}."
        )
    p = check_int(n_features, "n_features", 1)
    s = check_int(n_nonzero, "n_nonzero", 0)
    if s > p:
        raise ValueError(f"n_nonzero={s} exceeds n_features={p}.")
    h = check_real(h, "h", 0)
    signal = check_real(signal, "signal")
    check_choice(perturbation, "perturbation", {"exact", "gaussian"})
    check_choice(covariance, "covariance", {"identical", "heterogeneous"})
    noise = check_real(noise, "noise", 0)
    n_test = check_int(n_test, "n_test", 0)
    if perturbation == "exact" and (int(h) != h or h > p):
        raise ValueError(
            f"h must be an integer <= n_features in the exact design, got {h}."
        )
    if perturbation == "exact" and 2 * s > p and n_informative < n_sources:
        raise ValueError("the exact design needs 2·n_nonzero <= n_features.")
    rng = check_generator(random_state)

    beta = np.zeros(p)
    beta[:s] = signal
    source_coefs = np.tile(beta, (n_sources, 1))
    informative = np.arange(n_sources) < n_informative
    for k in range(n_sources):
        if shift_first:
            source_coefs[k, 0] -= 2 * signal
        if perturbation == "exact":
            size, shift = (int(h), signal) if informative[k] else (2 * s, 0.5)
            idx = rng.choice(p, size=size, replace=False)
            source_coefs[k, idx] -= shift
        else:
            sd = h / 100 if informative[k] else 2 * s / 100
            m = min(100, p)
            source_coefs[k, :m] += rng.normal(scale=sd, size=m)

    blocks_X = [rng.standard_normal((n_target, p))]
    blocks_y = [blocks_X[0] @ beta + noise * rng.standard_normal(n_target)]
    for k in range(n_sources):
        Z = rng.standard_normal((n_source, p))
        if covariance == "heterogeneous":
            Z = _ar1_rows(Z, 0.8 * (k + 1) / n_sources)
        blocks_X.append(Z)
        blocks_y.append(Z @ source_coefs[k] + noise * rng.standard_normal(n_source))
    domain = np.concatenate(
        [np.full(n_target, -1)] + [np.full(n_source, k + 1) for k in range(n_sources)]
    )
    data = Bunch(
        X=np.vstack(blocks_X),
        y=np.concatenate(blocks_y),
        sample_domain=domain,
        coef=beta,
        source_coefs=source_coefs,
        informative=informative,
    )
    if n_test:
        data.X_test = rng.standard_normal((n_test, p))
        data.y_test = data.X_test @ beta + noise * rng.standard_normal(n_test)
    return data


def _ar1_rows(Z, rho):
    """Rows with covariance ``ρ^{|i-j|}`` from i.i.d. standard normal rows."""
    out = np.empty_like(Z)
    out[:, 0] = Z[:, 0]
    scale = np.sqrt(1 - rho**2)
    for j in range(1, Z.shape[1]):
        out[:, j] = rho * out[:, j - 1] + scale * Z[:, j]
    return out
