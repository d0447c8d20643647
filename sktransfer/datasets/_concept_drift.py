"""A sparse linear model whose coefficients drift sparsely between periods."""

import numpy as np
from sklearn.utils import Bunch

from ..utils._validation import check_generator, check_int, check_real

# Magnitudes of the non-zero coefficients at the start and of every
# coordinate that enters the support later: uniform on this interval, with a
# random sign.
MAGNITUDE_RANGE = (0.5, 1.5)
# A value change never takes a magnitude below this floor (see the docstring).
MIN_MAGNITUDE = 0.25


def make_concept_drift(
    n_periods=10,
    n_samples_per_period=50,
    n_features=200,
    n_informative=10,
    n_drift=2,
    drift_scale=0.5,
    noise=1.0,
    random_state=None,
):
    r"""Generate a sparse regression problem whose coefficients drift.

    Data arrive in ``n_periods`` periods of ``n_samples_per_period`` rows.
    In period :math:`t` the response is

    .. math::

        y_i = x_i^\top \beta^{(t)} + \text{noise} \cdot \varepsilon_i,
        \qquad x_i \sim N(0, I_p), \quad \varepsilon_i \sim N(0, 1),

    all independent, with no intercept. The true coefficients
    :math:`\beta^{(t)}` start sparse and change in a few coordinates between
    consecutive periods ("sparse drift"), the concept-drift setting in which
    Takada & Fujisawa (2020) use the previous period's estimate as the
    source of the Transfer Lasso. Their exact simulation design is not known
    to us; this is a documented stand-in with the same ingredients.

    **Initial coefficients.** :math:`\beta^{(0)}` has ``n_informative``
    non-zero coordinates at uniformly random positions. Each non-zero value
    is :math:`s \cdot m`, with a random sign :math:`s = \pm 1` and a
    magnitude :math:`m` uniform on ``MAGNITUDE_RANGE`` = (0.5, 1.5).

    **Drift.** Going from period :math:`t-1` to :math:`t`, exactly
    ``n_drift`` coordinates change, so
    :math:`\|\beta^{(t)} - \beta^{(t-1)}\|_0 =` ``n_drift``, and the support
    keeps exactly ``n_informative`` coordinates. The changes are made of
    :math:`k` *swaps* and :math:`n_\text{drift} - 2k` *value changes*, where
    :math:`k \sim \text{Binomial}(\lfloor n_\text{drift}/2 \rfloor, 1/2)` is
    drawn afresh in each period (with the default ``n_drift=2``: one swap or
    two value changes, with probability 1/2 each):

    * a **swap** moves one unit of support: a randomly chosen support
      coordinate leaves (becomes 0) and a randomly chosen coordinate outside
      the support enters, with a value drawn like the initial ones (random
      sign, magnitude uniform on ``MAGNITUDE_RANGE``);
    * a **value change** moves a randomly chosen support coordinate (one not
      involved in a swap of the same period) by ``drift_scale`` in
      magnitude, keeping its sign: :math:`|\beta_j|` goes up or down by
      ``drift_scale`` with probability 1/2 each, except that it always goes
      up when going down would leave a magnitude below ``MIN_MAGNITUDE`` =
      0.25, so the support never shrinks by accident.

    Every changed coordinate is distinct within a period.

    Parameters
    ----------
    n_periods : int, default=10
        Number of periods, at least 1.
    n_samples_per_period : int, default=50
        Number of rows in each period, at least 1.
    n_features : int, default=200
        Number of features ``p``, at least 1.
    n_informative : int, default=10
        Number of non-zero coefficients in every period, in
        ``[0, n_features]``.
    n_drift : int, default=2
        Number of coordinates that change between consecutive periods, in
        ``[0, n_informative]``; ``n_drift // 2`` may not exceed
        ``n_features - n_informative`` (room for the entering coordinates).
        ``0`` gives a stationary model.
    drift_scale : float, default=0.5
        Size of a value change (see above), a finite number ``> 0``.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise, finite and ``>= 0``.
    random_state : int, Generator, SeedSequence, RandomState or None, default=None
        Source of randomness: a non-negative int seed, a
        :class:`numpy.random.Generator` (used, not copied), a
        :class:`numpy.random.SeedSequence`, a
        :class:`numpy.random.RandomState` or ``None`` (fresh entropy). The
        coefficient sequence and the data are drawn from two independent
        child streams (:meth:`numpy.random.Generator.spawn`), so with a fixed
        seed the coefficients do not depend on ``n_samples_per_period`` or
        ``noise``. A ``RandomState`` only seeds a new ``Generator``.

    Returns
    -------
    data : sklearn.utils.Bunch
        Dictionary-like object with attributes:

        X : ndarray of shape (n_periods * n_samples_per_period, n_features)
            The design, all periods stacked in time order.
        y : ndarray of shape (n_periods * n_samples_per_period,)
            The response.
        period : ndarray of shape (n_periods * n_samples_per_period,)
            Period of each row (``0, ..., n_periods - 1``, non-decreasing);
            the rows of period ``t`` are ``X[period == t]``.
        coefs : ndarray of shape (n_periods, n_features)
            True coefficients :math:`\beta^{(t)}`, one row per period.

    See Also
    --------
    sktransfer.linear_model.TransferLasso : Fit a period with the previous
        period's estimate as ``source_coef``.

    References
    ----------
    .. [1] M. Takada and H. Fujisawa. Transfer learning via ℓ1
       regularization. NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.datasets import make_concept_drift
    >>> data = make_concept_drift(n_periods=3, n_samples_per_period=20,
    ...                           n_features=30, n_informative=5,
    ...                           random_state=0)
    >>> data.X.shape, data.y.shape, data.coefs.shape
    ((60, 30), (60,), (3, 30))
    >>> data.period[[0, 19, 20, 59]].tolist()
    [0, 0, 1, 2]
    >>> (data.coefs != 0).sum(axis=1).tolist()
    [5, 5, 5]
    >>> (np.diff(data.coefs, axis=0) != 0).sum(axis=1).tolist()
    [2, 2]
    >>> X1, y1 = data.X[data.period == 1], data.y[data.period == 1]
    >>> X1.shape
    (20, 30)
    """
    n_periods = check_int(n_periods, "n_periods", 1)
    n_samples_per_period = check_int(
        n_samples_per_period, "n_samples_per_period", 1
    )
    n_features = check_int(n_features, "n_features", 1)
    n_informative = check_int(n_informative, "n_informative", 0)
    n_drift = check_int(n_drift, "n_drift", 0)
    if n_informative > n_features:
        raise ValueError(
            f"n_informative must be <= n_features={n_features}, got "
            f"{n_informative}."
        )
    if n_drift > n_informative:
        raise ValueError(
            f"n_drift must be <= n_informative={n_informative} (only support "
            f"coordinates change value or leave), got {n_drift}."
        )
    if n_drift // 2 > n_features - n_informative:
        raise ValueError(
            f"n_drift // 2 must be <= n_features - n_informative = "
            f"{n_features - n_informative} (room for entering coordinates), "
            f"got n_drift={n_drift}."
        )
    drift_scale = check_real(drift_scale, "drift_scale", 0, strict=True)
    noise = check_real(noise, "noise", 0)
    rng = check_generator(random_state)

    coef_rng, data_rng = rng.spawn(2)
    coefs = _drifting_coefs(coef_rng, n_periods, n_features, n_informative,
                            n_drift, drift_scale)

    n_samples = n_periods * n_samples_per_period
    period = np.repeat(np.arange(n_periods), n_samples_per_period)
    X = data_rng.standard_normal((n_samples, n_features))
    y = np.einsum("ij,ij->i", X, coefs[period])
    y += noise * data_rng.standard_normal(n_samples)
    return Bunch(X=X, y=y, period=period, coefs=coefs)


def _drifting_coefs(rng, n_periods, n_features, n_informative, n_drift,
                    drift_scale):
    """The sequence of true coefficient vectors, shape (n_periods, p)."""
    low, high = MAGNITUDE_RANGE
    coefs = np.zeros((n_periods, n_features))
    beta = np.zeros(n_features)
    support = rng.choice(n_features, size=n_informative, replace=False)
    beta[support] = rng.choice([-1.0, 1.0], size=n_informative) * rng.uniform(
        low, high, size=n_informative
    )
    coefs[0] = beta
    for t in range(1, n_periods):
        beta = beta.copy()
        active = np.flatnonzero(beta)
        inactive = np.flatnonzero(beta == 0)
        n_swaps = rng.binomial(n_drift // 2, 0.5)
        n_values = n_drift - 2 * n_swaps
        chosen = rng.choice(active, size=n_swaps + n_values, replace=False)
        leaving, moving = chosen[:n_swaps], chosen[n_swaps:]
        entering = rng.choice(inactive, size=n_swaps, replace=False)
        beta[leaving] = 0.0
        beta[entering] = rng.choice([-1.0, 1.0], size=n_swaps) * rng.uniform(
            low, high, size=n_swaps
        )
        magnitude = np.abs(beta[moving])
        step = drift_scale * rng.choice([-1.0, 1.0], size=n_values)
        step[magnitude + step < MIN_MAGNITUDE] = drift_scale
        beta[moving] = np.sign(beta[moving]) * (magnitude + step)
        coefs[t] = beta
    return coefs

