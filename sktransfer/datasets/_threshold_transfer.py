r"""One-dimensional threshold problems with exactly known transfer exponents.

The designs of the planning reference (§C.1 and §A.8 E3), built so that the
transfer exponent :math:`\rho` of Hanneke & Kpotufe (2019), the Bernstein
class-condition exponents :math:`\beta_P, \beta_Q` and the covariate-shift
exponent :math:`\gamma` of Kpotufe & Martinet (2021) are known in closed form.

A :class:`ThresholdDomain` is one distribution of :math:`(X, Y)` on
:math:`[-1, 1] \times \{0, 1\}` with

.. math::

    p(x) = \frac{s+1}{2} |x|^s, \qquad
    \eta(x) = P(Y = 1 \mid X = x) = \tfrac12 + a \,\mathrm{sign}(x)\, |x|^q,

so that the Bayes classifier is :math:`1[x \ge 0]` for every domain, and
source and target share the optimum of the threshold class
:math:`H = \{1[x \ge t]\} \cup \{1[x < t]\}` (VC dimension 2; its increasing
half alone has VC dimension 1).

References
----------
.. [HK19] S. Hanneke and S. Kpotufe. On the value of target data in transfer
   learning. NeurIPS 2019.
.. [KM21] S. Kpotufe and G. Martinet. Marginal singularity and the benefits of
   labels in covariate-shift. Ann. Statist. 49(6):3299-3323, 2021.
"""

from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from ..utils._domains import stack_domains
from ..utils._validation import check_choice, check_generator, check_int, check_real

__all__ = [
    "THRESHOLD_CASES",
    "ThresholdCase",
    "ThresholdDomain",
    "make_covariate_shift",
    "make_threshold_transfer",
    "threshold_rate_slopes",
    "threshold_transfer_exponent",
]


def _check_reals(values, name):
    """Real numbers as a float array (``±inf`` allowed; NaN and bools rejected)."""
    if isinstance(values, bool | np.bool_):
        raise TypeError(f"{name} must be a real number or array, got {values!r}.")
    try:
        t = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number or array of reals, got {values!r}."
        ) from None
    if np.asarray(values).dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be a real number or array of reals, got dtype "
            f"{np.asarray(values).dtype}."
        )
    if np.any(np.isnan(t)):
        raise ValueError(f"{name} must not contain NaN.")
    return t


def _check_increasing(increasing):
    """``increasing`` as a bool or a bool array (broadcast against thresholds)."""
    if isinstance(increasing, bool | np.bool_):
        return bool(increasing)
    flags = np.asarray(increasing)
    if flags.dtype != np.bool_:
        raise TypeError(
            f"increasing must be a bool or an array of bools, got {increasing!r}."
        )
    return flags


def _as_output(values, *inputs):
    """A float when every input is a scalar, an array otherwise."""
    if all(np.ndim(x) == 0 for x in inputs):
        return float(values)
    return values


@dataclass(frozen=True)
class ThresholdDomain:
    r"""One distribution on :math:`[-1, 1] \times \{0, 1\}` with known exponents.

    The marginal of :math:`X` has density
    :math:`p(x) = \frac{s+1}{2}|x|^s` on :math:`[-1, 1]` and the regression
    function is :math:`\eta(x) = \frac12 + a\,\mathrm{sign}(x)|x|^q`, where
    :math:`s` = ``density_exponent``, :math:`q` = ``noise_exponent`` and
    :math:`a` = ``amplitude``. The Bayes classifier is :math:`1[x \ge 0]`.

    Writing :math:`k = 1 + q + s` and :math:`h_t = 1[x \ge t]`, the closed
    forms (reference note §C.1, derived by integrating
    :math:`R(h) = \tfrac12 + \int h(x)(1 - 2\eta(x))p(x)\,dx`) are, for
    :math:`|t| \le 1` (thresholds outside :math:`[-1, 1]` act as
    :math:`\pm 1`):

    * risk :math:`R(h_t) = \tfrac12 - \frac{a(s+1)}{k} + \frac{a(s+1)}{k}|t|^k`;
    * Bayes risk :math:`R^* = \tfrac12 - a(s+1)/k`;
    * excess risk :math:`E(h_t) = a(s+1)|t|^k / k`, and for the decreasing
      classifier :math:`1[x < t] = 1 - h_t`, whose risk is
      :math:`1 - R(h_t)`, :math:`E = a(s+1)(2 - |t|^k)/k`;
    * disagreement mass :math:`P_X(h_t \ne h^*) = |t|^{1+s}/2`;
    * Bernstein class-condition exponent
      :math:`\beta = (1+s)/(1+q+s)`, since the disagreement mass is a
      constant times :math:`E^{(1+s)/k}`.

    Parameters
    ----------
    density_exponent : float, default=0.0
        :math:`s \ge 0`. ``0`` is the uniform marginal; larger values thin
        out the mass near the decision boundary :math:`x = 0`.
    noise_exponent : float, default=0.0
        :math:`q \ge 0`. ``0`` is Massart (bounded) noise,
        :math:`|\eta - 1/2| = a`; larger values make labels noisier near
        :math:`x = 0` (a Tsybakov-type margin).
    amplitude : float, default=0.4
        :math:`a \in (0, 1/2]`. With ``noise_exponent=0`` and
        ``amplitude=0.5`` the problem is realizable (noise-free).

    References
    ----------
    .. [1] S. Hanneke and S. Kpotufe. On the value of target data in transfer
       learning. NeurIPS 2019.

    Examples
    --------
    >>> from sktransfer.datasets import ThresholdDomain
    >>> P = ThresholdDomain(density_exponent=0, noise_exponent=1, amplitude=0.5)
    >>> P.bayes_risk, P.bernstein_exponent
    (0.25, 0.5)
    >>> P.excess_risk(0.5)
    0.0625
    >>> X, y = P.sample(5, random_state=0)
    >>> X.shape, y.dtype.kind
    ((5, 1), 'i')
    """

    density_exponent: float = 0.0
    noise_exponent: float = 0.0
    amplitude: float = 0.4

    def __post_init__(self):
        s = check_real(self.density_exponent, "density_exponent", 0)
        q = check_real(self.noise_exponent, "noise_exponent", 0)
        a = check_real(self.amplitude, "amplitude", 0, strict=True, maximum=0.5)
        object.__setattr__(self, "density_exponent", s)
        object.__setattr__(self, "noise_exponent", q)
        object.__setattr__(self, "amplitude", a)

    # -- exponents ----------------------------------------------------------
    @property
    def _k(self):
        return 1.0 + self.noise_exponent + self.density_exponent

    @property
    def _scale(self):
        """:math:`a(s+1)/k`, the coefficient of the excess risk."""
        return self.amplitude * (self.density_exponent + 1.0) / self._k

    @property
    def bayes_risk(self):
        r"""Bayes risk :math:`\tfrac12 - a(s+1)/(1+q+s)`.

        Attained by :math:`1[x \ge 0]`, so also the smallest risk in the class.
        """
        return 0.5 - self._scale

    @property
    def bernstein_exponent(self):
        r"""Bernstein class-condition exponent :math:`\beta = (1+s)/(1+q+s)`."""
        return (1.0 + self.density_exponent) / self._k

    @property
    def erm_slope(self):
        r"""Predicted log-log slope of ERM's excess risk in :math:`n`.

        :math:`-1/(2-\beta)`, that is :math:`-(1+q+s)/(1+2q+s)` [HK19].
        """
        return -1.0 / (2.0 - self.bernstein_exponent)

    # -- distribution -------------------------------------------------------
    def pdf(self, x):
        r"""Marginal density :math:`\frac{s+1}{2}|x|^s` on [-1, 1] (0 outside).

        ``x`` is a real number or an array of them (``±inf`` allowed, NaN
        rejected).
        """
        x = _check_reals(x, "x")
        s = self.density_exponent
        with np.errstate(divide="ignore"):
            dens = 0.5 * (s + 1.0) * np.abs(x) ** s
        return np.where(np.abs(x) <= 1.0, dens, 0.0)

    def regression_function(self, x):
        r"""Regression function :math:`\eta(x) = \tfrac12 + a\,\mathrm{sign}(x)|x|^q`.

        ``x`` is a real number or an array of them (``±inf`` allowed, NaN
        rejected), clipped to [-1, 1].
        """
        return self._eta(_check_reals(x, "x"))

    def _eta(self, x):
        """:meth:`regression_function` without the checks (float array ``x``)."""
        x = np.clip(x, -1.0, 1.0)
        return 0.5 + self.amplitude * np.sign(x) * np.abs(x) ** self.noise_exponent

    def sample(self, n, random_state=None):
        r"""Draw ``n`` labelled points.

        :math:`X = \pm U^{1/(s+1)}` with a fair random sign and
        :math:`U \sim \mathrm{Unif}(0, 1)` (inverse-CDF sampling of
        :math:`|X|`, whose CDF is :math:`u^{s+1}`), then
        :math:`Y \sim \mathrm{Bernoulli}(\eta(X))`.

        Parameters
        ----------
        n : int
            Number of points, at least 1.
        random_state : int, Generator, SeedSequence, RandomState or None
            Source of randomness.

        Returns
        -------
        X : ndarray of shape (n, 1)
        y : ndarray of shape (n,), dtype int64, values in {0, 1}
        """
        n = check_int(n, "n", 1)
        rng = check_generator(random_state)
        x = _signed_power(rng, n, self.density_exponent)
        y = (rng.random(n) < self._eta(x)).astype(np.int64)
        return x[:, None], y

    # -- risks of threshold classifiers --------------------------------------
    def risk(self, threshold, increasing=True):
        r"""Exact 0-1 risk of :math:`1[x \ge t]` (or of :math:`1[x < t]`).

        Parameters
        ----------
        threshold : float or array-like
            Threshold(s) :math:`t`; vectorised. Values outside [-1, 1] act
            as -1 or 1; ``±inf`` is allowed.
        increasing : bool or array-like of bool, default=True
            ``True`` for :math:`1[x \ge t]`, ``False`` for :math:`1[x < t]`;
            an array is broadcast against ``threshold``.

        Returns
        -------
        float or ndarray
        """
        return self.bayes_risk + self.excess_risk(threshold, increasing)

    def excess_risk(self, threshold, increasing=True):
        r"""Exact excess risk :math:`R(h) - R^*` of a threshold classifier.

        :math:`a(s+1)|t|^{1+q+s}/(1+q+s)` for :math:`1[x \ge t]`;
        :math:`a(s+1)(2 - |t|^{1+q+s})/(1+q+s)` for :math:`1[x < t]`
        (:math:`t` clipped to [-1, 1]).

        Parameters
        ----------
        threshold : float or array-like
        increasing : bool or array-like of bool, default=True

        Returns
        -------
        float or ndarray
        """
        flags = _check_increasing(increasing)
        t = np.clip(_check_reals(threshold, "threshold"), -1.0, 1.0)
        power = np.abs(t) ** self._k
        excess = self._scale * np.where(flags, power, 2.0 - power)
        return _as_output(excess, threshold, increasing)

    def disagreement_mass(self, threshold, increasing=True):
        r""":math:`P_X(h \ne h^*)` with :math:`h^* = 1[x \ge 0]`.

        :math:`|t|^{1+s}/2` for :math:`1[x \ge t]` and
        :math:`1 - |t|^{1+s}/2` for :math:`1[x < t]` (:math:`t` clipped to
        [-1, 1]).

        Parameters
        ----------
        threshold : float or array-like
        increasing : bool or array-like of bool, default=True

        Returns
        -------
        float or ndarray
        """
        flags = _check_increasing(increasing)
        t = np.clip(_check_reals(threshold, "threshold"), -1.0, 1.0)
        mass = 0.5 * np.abs(t) ** (1.0 + self.density_exponent)
        return _as_output(np.where(flags, mass, 1.0 - mass), threshold, increasing)


def _signed_power(rng, n, s):
    """``n`` draws of ``sign * U**(1/(s+1))``: density (s+1)/2 |x|^s on [-1, 1]."""
    sign = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    return sign * rng.random(n) ** (1.0 / (s + 1.0))


def _check_domain(domain, name):
    if not isinstance(domain, ThresholdDomain):
        raise TypeError(
            f"{name} must be a ThresholdDomain, got {type(domain).__name__}."
        )
    return domain


def threshold_transfer_exponent(source, target):
    r"""Transfer exponent :math:`\rho` from ``source`` to ``target``.

    For threshold classifiers under two :class:`ThresholdDomain`\ s,
    :math:`E_P(h_t) \propto |t|^{1+q_P+s_P}` and
    :math:`E_Q(h_t) \propto |t|^{1+q_Q+s_Q}`, so the smallest :math:`\rho`
    with :math:`C E_P(h) \ge E_Q(h)^\rho` for all :math:`h` [HK19] is

    .. math:: \rho = \frac{1 + q_P + s_P}{1 + q_Q + s_Q}.

    Parameters
    ----------
    source, target : ThresholdDomain
        :math:`P` and :math:`Q`.

    Returns
    -------
    float
    """
    source = _check_domain(source, "source")
    target = _check_domain(target, "target")
    return source._k / target._k


def threshold_rate_slopes(source, target):
    r"""Predicted log-log slopes of the target excess risk of ERM.

    * source-only ERM, in :math:`n_P`:
      :math:`-1/((2-\beta_P)\rho) = -(1+q_Q+s_Q)/(1+2q_P+s_P)`;
    * target-only ERM, in :math:`n_Q`:
      :math:`-1/(2-\beta_Q) = -(1+q_Q+s_Q)/(1+2q_Q+s_Q)`

    (the exponents of the minimax rate of [HK19], which ERM attains in these
    designs).

    Parameters
    ----------
    source, target : ThresholdDomain

    Returns
    -------
    source_only, target_only : float
    """
    rho = threshold_transfer_exponent(source, target)
    return (-1.0 / ((2.0 - source.bernstein_exponent) * rho),
            -1.0 / (2.0 - target.bernstein_exponent))


class ThresholdCase(NamedTuple):
    """A named (source, target) pair of :class:`ThresholdDomain` with its exponents."""

    source: ThresholdDomain
    target: ThresholdDomain

    @property
    def rho(self):
        """Transfer exponent, see :func:`threshold_transfer_exponent`."""
        return threshold_transfer_exponent(self.source, self.target)

    @property
    def beta_source(self):
        """Bernstein exponent of the source."""
        return self.source.bernstein_exponent

    @property
    def beta_target(self):
        """Bernstein exponent of the target."""
        return self.target.bernstein_exponent

    @property
    def source_only_slope(self):
        """Predicted slope of source-only ERM's target excess risk in ``n_P``."""
        return threshold_rate_slopes(self.source, self.target)[0]

    @property
    def target_only_slope(self):
        """Predicted slope of target-only ERM's target excess risk in ``n_Q``."""
        return threshold_rate_slopes(self.source, self.target)[1]


#: Named designs of the reference note (§C.1); (s, q, a) for P and Q.
#:
#: ====  ============  ============  ====  =====  ===========  ===========
#: case  P             Q             ρ     β_P    source-only  target-only
#: ====  ============  ============  ====  =====  ===========  ===========
#: S0    (0, 0, .5)    (0, 0, .4)    1     1      -1           -1
#: S1    (0, 1, .5)    (0, 0, .4)    2     1/2    -1/3         -1
#: S2    (2, 0, .4)    (0, 0, .4)    3     1      -1/3         -1
#: S3    (0, 0, .4)    (0, 1, .5)    1/2   1      -2           -2/3
#: S4    (1, 0, .4)    (0, 0, .4)    2     1      -1/2         -1
#: ====  ============  ============  ====  =====  ===========  ===========
#:
#: S0 is an equal-exponent pair (a realizable source, a noisy target); S2 and
#: S4 are pure covariate shift (same η); S3 is "super-transfer" (ρ < 1). S1
#: and S4 both have ρ = 2, S1 through a noisier source (β_P = 1/2), S4
#: through a source marginal thin near the boundary.
THRESHOLD_CASES = MappingProxyType({
    "S0": ThresholdCase(ThresholdDomain(0, 0, 0.5), ThresholdDomain(0, 0, 0.4)),
    "S1": ThresholdCase(ThresholdDomain(0, 1, 0.5), ThresholdDomain(0, 0, 0.4)),
    "S2": ThresholdCase(ThresholdDomain(2, 0, 0.4), ThresholdDomain(0, 0, 0.4)),
    "S3": ThresholdCase(ThresholdDomain(0, 0, 0.4), ThresholdDomain(0, 1, 0.5)),
    "S4": ThresholdCase(ThresholdDomain(1, 0, 0.4), ThresholdDomain(0, 0, 0.4)),
})


def make_threshold_transfer(n_source, n_target, *, case="S1", source=None,
                            target=None, random_state=None):
    r"""Sample a source and a target threshold problem with known :math:`\rho`.

    Draws ``n_source`` points from the source :class:`ThresholdDomain`
    :math:`P` and ``n_target`` points from the target :math:`Q` of a named
    design of :data:`THRESHOLD_CASES` (reference note §C.1):

    ====  ============  ============  ====  ===========================
    case  P (s, q, a)   Q (s, q, a)   ρ     note
    ====  ============  ============  ====  ===========================
    S0    (0, 0, .5)    (0, 0, .4)    1     realizable source
    S1    (0, 1, .5)    (0, 0, .4)    2     noisier source
    S2    (2, 0, .4)    (0, 0, .4)    3     pure covariate shift
    S3    (0, 0, .4)    (0, 1, .5)    1/2   super-transfer
    S4    (1, 0, .4)    (0, 0, .4)    2     pure covariate shift
    ====  ============  ============  ====  ===========================

    with :math:`\rho = (1+q_P+s_P)/(1+q_Q+s_Q)` [HK19]. Both share the Bayes
    classifier :math:`1[x \ge 0]`.

    Parameters
    ----------
    n_source, n_target : int
        Numbers of source and target points, each at least 1.
    case : {"S0", "S1", "S2", "S3", "S4"}, default="S1"
        Named design.
    source, target : ThresholdDomain, default=None
        Override the source or the target of ``case``.
    random_state : int, Generator, SeedSequence, RandomState or None
        Source of randomness. Target and source are drawn from two
        independent child streams, so with a fixed seed the target sample
        does not depend on ``n_source``.

    Returns
    -------
    X : ndarray of shape (n_target + n_source, 1)
    y : ndarray of shape (n_target + n_source,), dtype int64
    sample_domain : ndarray of shape (n_target + n_source,)
        ``-1`` on the target rows (first) and ``1`` on the source rows, see
        :func:`sktransfer.utils.stack_domains`.

    References
    ----------
    .. [1] S. Hanneke and S. Kpotufe. On the value of target data in transfer
       learning. NeurIPS 2019.

    Examples
    --------
    >>> from sktransfer.datasets import make_threshold_transfer
    >>> X, y, d = make_threshold_transfer(30, 10, case="S2", random_state=0)
    >>> X.shape, int((d < 0).sum()), int((d > 0).sum())
    ((40, 1), 10, 30)
    """
    n_source = check_int(n_source, "n_source", 1)
    n_target = check_int(n_target, "n_target", 1)
    case = check_choice(case, "case", tuple(THRESHOLD_CASES))
    source = THRESHOLD_CASES[case].source if source is None else _check_domain(
        source, "source")
    target = THRESHOLD_CASES[case].target if target is None else _check_domain(
        target, "target")
    rng = check_generator(random_state)
    target_rng, source_rng = rng.spawn(2)
    return stack_domains(target.sample(n_target, target_rng),
                         [source.sample(n_source, source_rng)])


def make_covariate_shift(n_source, n_target, *, n_features=1, gamma=1.0,
                         random_state=None):
    r"""Covariate shift with a known KM21 transfer exponent :math:`\gamma`.

    The target marginal :math:`Q_X` is uniform on :math:`[-1, 1]^D`. The
    source marginal :math:`P_X` has density
    :math:`\frac{\gamma+1}{2}|x_1|^\gamma` in the first coordinate and is
    uniform (independently) in the others. Both share

    .. math:: \eta(x) = P(Y = 1 \mid x) = \tfrac12 + x_1/2.

    For :math:`\ell_\infty` balls centred at :math:`x` with :math:`x_1 = 0`
    and radius :math:`r \le 1` (inside the cube),
    :math:`P_X(B(x, r)) / Q_X(B(x, r)) = r^\gamma`, and the ratio is larger
    elsewhere, so :math:`\gamma` is the exponent of Kpotufe & Martinet (2021)
    (:math:`P_X(B(x,r)) \ge C r^\gamma Q_X(B(x,r))`); :math:`\gamma = 0` is
    no shift.

    Parameters
    ----------
    n_source, n_target : int
        Numbers of source and target points, each at least 1.
    n_features : int, default=1
        Dimension :math:`D \ge 1`.
    gamma : float, default=1.0
        :math:`\gamma \ge 0`.
    random_state : int, Generator, SeedSequence, RandomState or None
        Source of randomness (independent child streams for target and
        source).

    Returns
    -------
    X : ndarray of shape (n_target + n_source, n_features)
    y : ndarray of shape (n_target + n_source,), dtype int64
    sample_domain : ndarray of shape (n_target + n_source,)
        ``-1`` on the target rows (first), ``1`` on the source rows.

    References
    ----------
    .. [1] S. Kpotufe and G. Martinet. Marginal singularity and the benefits
       of labels in covariate-shift. Ann. Statist. 49(6):3299-3323, 2021.

    Examples
    --------
    >>> from sktransfer.datasets import make_covariate_shift
    >>> X, y, d = make_covariate_shift(50, 20, n_features=2, gamma=2.0,
    ...                                random_state=0)
    >>> X.shape
    (70, 2)
    """
    n_source = check_int(n_source, "n_source", 1)
    n_target = check_int(n_target, "n_target", 1)
    n_features = check_int(n_features, "n_features", 1)
    gamma = check_real(gamma, "gamma", 0)
    rng = check_generator(random_state)
    target_rng, source_rng = rng.spawn(2)

    X_target = target_rng.uniform(-1.0, 1.0, size=(n_target, n_features))
    X_source = source_rng.uniform(-1.0, 1.0, size=(n_source, n_features))
    X_source[:, 0] = _signed_power(source_rng, n_source, gamma)

    def labels(rng, X):
        return (rng.random(X.shape[0]) < 0.5 + 0.5 * X[:, 0]).astype(np.int64)

    return stack_domains((X_target, labels(target_rng, X_target)),
                         [(X_source, labels(source_rng, X_source))])

