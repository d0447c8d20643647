r"""Minimax excess-risk rates in the source and target sample sizes.

Two models of how source samples (from P) and target samples (from Q) buy
accuracy on the target:

``"hanneke-kpotufe"`` (Hanneke & Kpotufe, NeurIPS 2019, Thm. 2)
    Classification with a hypothesis class of VC dimension ``d``, a transfer
    exponent ``ρ`` from P to Q (``C_ρ E_P(h) ≥ E_Q(h)^ρ`` for all ``h``) and
    Bernstein class exponents ``β_P, β_Q ∈ [0, 1]``:

    .. math::

        \mathcal E(n_P, n_Q) = \min\{C_P (d/n_P)^{1/((2-β_P)ρ)},\;
                                     C_Q (d/n_Q)^{1/(2-β_Q)}\}.

    The two samples do not add: the rate is reached by ERM on whichever
    sample has the smaller term.

``"covariate-shift"`` (Kpotufe & Martinet, Ann. Statist. 49(6), 2021)
    Covariate shift with a shared ``α``-Hölder regression function, a
    Tsybakov margin exponent ``β`` (``margin``), intrinsic dimension ``d``
    (``dim``) and a transfer exponent ``γ ≥ 0`` (``P_X(B(x, r)) ≥ C_γ r^γ
    Q_X(B(x, r))``):

    .. math::

        \mathcal E(n_P, n_Q) = C\,(w\,n_P^{κ} + n_Q)^{-α(1+β)/(2α+d)},
        \qquad κ = \frac{2α+d}{2α+d+γ}.

    Here the samples add: ``w n_P^κ`` is the source sample's worth in target
    samples.

Both are rates up to constants (and, for the upper bounds, logarithmic
factors): the constants ``C_P, C_Q`` (``constants={"source": ..., "target":
...}``) and ``C, w`` (``constants={"scale": ..., "source_weight": ...}``)
default to 1 and are the user's to set. Predictions are orders of magnitude,
not calibrated risks. A sample size of 0 gives an infinite term.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..utils._validation import check_choice, check_real

MODELS = ("hanneke-kpotufe", "covariate-shift")

#: The parameters of each model and their admissible ranges:
#: name -> (minimum, strict, maximum).
_PARAMETERS = {
    "hanneke-kpotufe": {
        "rho": (0.0, True, None),
        "beta_source": (0.0, False, 1.0),
        "beta_target": (0.0, False, 1.0),
        "vc_dim": (0.0, True, None),
    },
    "covariate-shift": {
        "gamma": (0.0, False, None),
        "smoothness": (0.0, True, None),
        "margin": (0.0, False, None),
        "dim": (0.0, True, None),
    },
}
_CONSTANTS = {
    "hanneke-kpotufe": ("source", "target"),
    "covariate-shift": ("scale", "source_weight"),
}


def _check_constants(constants, model):
    names = _CONSTANTS[model]
    if constants is None:
        return dict.fromkeys(names, 1.0)
    if not isinstance(constants, dict):
        raise TypeError(
            f"constants must be a dict with keys {list(names)}, got "
            f"{type(constants).__name__}."
        )
    unknown = sorted(set(constants) - set(names))
    if unknown:
        raise ValueError(
            f"constants of model={model!r} are {list(names)}; unknown key(s) "
            f"{unknown}."
        )
    checked = dict.fromkeys(names, 1.0)
    for key, value in constants.items():
        checked[key] = check_real(value, f"constants[{key!r}]", minimum=0.0,
                                  strict=True)
    return checked


def rate_model(model="hanneke-kpotufe", constants=None, **params):
    """The validated rate model named ``model`` with its parameters.

    Parameters
    ----------
    model : {"hanneke-kpotufe", "covariate-shift"}
    constants : dict or None
        The model's constants (see the module docstring); missing keys are 1.
    **params
        The model's parameters: ``rho, beta_source, beta_target, vc_dim``
        or ``gamma, smoothness, margin, dim``. ``None`` values count as not
        given.

    Returns
    -------
    HannekeKpotufeRate or CovariateShiftRate
    """
    check_choice(model, "model", MODELS)
    expected = _PARAMETERS[model]
    given = {k: v for k, v in params.items() if v is not None}
    for name in given:
        if name not in expected:
            other = next(m for m, p in _PARAMETERS.items() if name in p)
            raise ValueError(
                f"{name} is a parameter of model={other!r}, not of "
                f"model={model!r} (which takes {', '.join(expected)})."
            )
    missing = [name for name in expected if name not in given]
    if missing:
        raise ValueError(
            f"model={model!r} needs {', '.join(expected)}; missing "
            f"{', '.join(missing)}."
        )
    checked = {name: check_real(given[name], name, minimum=minimum, strict=strict,
                                maximum=maximum)
               for name, (minimum, strict, maximum) in expected.items()}
    constants = _check_constants(constants, model)
    if model == "hanneke-kpotufe":
        return HannekeKpotufeRate(**checked, c_source=constants["source"],
                                   c_target=constants["target"])
    return CovariateShiftRate(**checked, scale=constants["scale"],
                              source_weight=constants["source_weight"])


def _as_sizes(n, name):
    """Sample sizes as a float array (non-negative, finite; ints or reals)."""
    raw = np.asarray(n)
    if raw.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a number or an array of numbers, got "
                        f"{type(n).__name__} of dtype {raw.dtype}.")
    arr = raw.astype(float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite and >= 0.")
    return arr


def _exp(log_value):
    """``exp`` that gives ``inf`` (or 0) beyond the float range, not an error."""
    if log_value > 709.0:
        return math.inf
    return math.exp(log_value)


def _power_term(scale, ratio_num, n, exponent):
    """``scale * (ratio_num / n) ** exponent``, infinite where ``n == 0``."""
    with np.errstate(divide="ignore", over="ignore"):
        return scale * np.power(ratio_num / np.asarray(n, dtype=float), exponent)


@dataclass(frozen=True)
class HannekeKpotufeRate:
    """``min{C_P (d/n_P)^a, C_Q (d/n_Q)^b}``, ``a = 1/((2-β_P)ρ)``, ``b = 1/(2-β_Q)``.

    Hanneke & Kpotufe (NeurIPS 2019), Theorem 2 (the minimax rate, up to
    constants and log factors). See :mod:`sktransfer.planning._rates`.
    """

    rho: float
    beta_source: float
    beta_target: float
    vc_dim: float
    c_source: float = 1.0
    c_target: float = 1.0

    name = "hanneke-kpotufe"

    @property
    def source_exponent(self):
        """``a = 1/((2 - β_P) ρ)``: the source-only rate exponent."""
        return 1.0 / ((2.0 - self.beta_source) * self.rho)

    @property
    def target_exponent(self):
        """``b = 1/(2 - β_Q)``: the target-only rate exponent."""
        return 1.0 / (2.0 - self.beta_target)

    @property
    def additive(self):
        """False: the two samples do not add (a min of two terms)."""
        return False

    def source_term(self, n_source):
        return _power_term(self.c_source, self.vc_dim, n_source, self.source_exponent)

    def target_term(self, n_target):
        return _power_term(self.c_target, self.vc_dim, n_target, self.target_exponent)

    def risk(self, n_source, n_target):
        return np.minimum(self.source_term(n_source), self.target_term(n_target))

    def n_source_for(self, risk, n_target=0.0):
        """Source samples needed so that the rate is at most ``risk`` (may be inf)."""
        if self.target_term(n_target) <= risk:
            return 0.0
        return self.vc_dim * _exp(math.log(self.c_source / risk) / self.source_exponent)

    def n_target_for(self, risk, n_source=0.0):
        """Target samples needed so that the rate is at most ``risk`` (may be inf)."""
        if self.source_term(n_source) <= risk:
            return 0.0
        return self.vc_dim * _exp(math.log(self.c_target / risk) / self.target_exponent)

    def allocate_budget(self, budget, cost_source, cost_target):
        """Continuous optimum for a budget: a corner (all on one sample)."""
        source = self.source_term(budget / cost_source)
        target = self.target_term(budget / cost_target)
        if source <= target:
            return budget / cost_source, 0.0
        return 0.0, budget / cost_target

    def allocate_risk(self, risk, cost_source, cost_target):
        """Continuous cheapest allocation reaching ``risk``: a corner."""
        n_source = self.n_source_for(risk)
        n_target = self.n_target_for(risk)
        if cost_source * n_source <= cost_target * n_target:
            return n_source, 0.0
        return 0.0, n_target

    def break_even_budget(self, cost_source, cost_target):
        r"""Budget at which source-only and target-only rates are equal.

        ``B* = [(C_Q/C_P) (d c_Q)^b (d c_P)^{-a}]^{1/(b-a)}`` for ``a ≠ b``
        (set ``C_P (d c_P/B)^a = C_Q (d c_Q/B)^b``). When ``a < b`` (the
        usual case, ``ρ ≥ 1``) source labels win below ``B*`` and target
        labels above; when ``a > b`` the other way round. When ``a = b`` the
        rates never cross: ``inf`` if the source term is the smaller at every
        budget, ``0.0`` otherwise.
        """
        a, b = self.source_exponent, self.target_exponent
        d = self.vc_dim
        if math.isclose(a, b, rel_tol=1e-12):
            source = self.c_source * (d * cost_source) ** a
            target = self.c_target * (d * cost_target) ** b
            return math.inf if source <= target else 0.0
        log_b = (math.log(self.c_target / self.c_source)
                 + b * math.log(d * cost_target) - a * math.log(d * cost_source))
        return _exp(log_b / (b - a))

    def source_wins_small_budgets(self, cost_source, cost_target):
        """Whether source-only is the better buy below the break-even budget.

        True when ``a < b`` (the usual case, ``ρ ≥ 1``), False when
        ``a > b``; when ``a = b`` the winner never changes and this says
        which it is.
        """
        a, b = self.source_exponent, self.target_exponent
        if math.isclose(a, b, rel_tol=1e-12):
            return self.break_even_budget(cost_source, cost_target) == math.inf
        return a < b


@dataclass(frozen=True)
class CovariateShiftRate:
    """``C (w n_P^κ + n_Q)^{-e}`` with ``κ = (2α+d)/(2α+d+γ)``, ``e = α(1+β)/(2α+d)``.

    Kpotufe & Martinet (Ann. Statist. 2021), the minimax rate under covariate
    shift with transfer exponent ``γ``. See :mod:`sktransfer.planning._rates`.
    """

    gamma: float
    smoothness: float
    margin: float
    dim: float
    scale: float = 1.0
    source_weight: float = 1.0

    name = "covariate-shift"

    @property
    def kappa(self):
        """``κ = (2α+d)/(2α+d+γ) ≤ 1``: the exponent of the source's worth."""
        two_a_d = 2.0 * self.smoothness + self.dim
        return two_a_d / (two_a_d + self.gamma)

    @property
    def exponent(self):
        """``e = α(1+β)/(2α+d)``: the rate exponent in effective samples."""
        alpha = self.smoothness
        return alpha * (1.0 + self.margin) / (2.0 * alpha + self.dim)

    @property
    def additive(self):
        """True: source and target samples add (in effective units)."""
        return True

    def effective_samples(self, n_source, n_target):
        """``w n_P^κ + n_Q``: the sample in target units."""
        return self.source_weight * np.power(n_source, self.kappa) + n_target

    def risk(self, n_source, n_target):
        n_eff = self.effective_samples(n_source, n_target)
        with np.errstate(divide="ignore"):
            return self.scale * np.power(n_eff, -self.exponent)

    def _effective_for(self, risk):
        return _exp(math.log(self.scale / risk) / self.exponent)

    def n_source_for(self, risk, n_target=0.0):
        missing = self._effective_for(risk) - n_target
        if missing <= 0:
            return 0.0
        return _exp(math.log(missing / self.source_weight) / self.kappa)

    def n_target_for(self, risk, n_source=0.0):
        missing = self._effective_for(risk) - self.effective_samples(n_source, 0.0)
        return max(float(missing), 0.0)

    def interior_source(self, cost_source, cost_target):
        r"""``n_P* = (w κ c_Q / c_P)^{1/(1-κ)}``: where one more dollar buys
        as much in source as in target samples (``κ < 1``; ``None`` at
        ``κ = 1``)."""
        kappa = self.kappa
        if kappa >= 1.0:
            return None
        return _exp(math.log(self.source_weight * kappa * cost_target / cost_source)
                    / (1.0 - kappa))

    def allocate_budget(self, budget, cost_source, cost_target):
        """Continuous optimum for a budget: ``n_P*`` then target labels.

        ``w n_P^κ + (B - c_P n_P)/c_Q`` is concave in ``n_P``; its maximiser
        is ``n_P*`` (see :meth:`interior_source`), or all source when
        ``c_P n_P* ≥ B``. At ``κ = 1`` it is a corner: source when
        ``w/c_P > 1/c_Q``.
        """
        n_star = self.interior_source(cost_source, cost_target)
        if n_star is None:
            if self.source_weight / cost_source > 1.0 / cost_target:
                return budget / cost_source, 0.0
            return 0.0, budget / cost_target
        if cost_source * n_star >= budget:
            return budget / cost_source, 0.0
        return n_star, (budget - cost_source * n_star) / cost_target

    def allocate_risk(self, risk, cost_source, cost_target):
        """Continuous cheapest allocation reaching ``risk``.

        Minimising ``c_P n_P + c_Q (N - w n_P^κ)`` over ``n_P`` (convex)
        gives the same ``n_P*`` as the budget problem, capped at the source
        sample that reaches ``N = (C/ε)^{1/e}`` alone.
        """
        n_eff = self._effective_for(risk)
        n_star = self.interior_source(cost_source, cost_target)
        source_only = _exp(math.log(n_eff / self.source_weight) / self.kappa)
        if n_star is None:
            if cost_source * source_only <= cost_target * n_eff:
                return source_only, 0.0
            return 0.0, n_eff
        if n_star >= source_only:
            return source_only, 0.0
        return n_star, n_eff - self.source_weight * n_star ** self.kappa

    def break_even_budget(self, cost_source, cost_target):
        """Budget above which the optimal allocation buys target labels.

        ``c_P n_P*`` for ``κ < 1``. At ``κ = 1``: ``inf`` if source samples
        are the better buy at every budget, ``0.0`` otherwise.
        """
        n_star = self.interior_source(cost_source, cost_target)
        if n_star is None:
            better_source = self.source_weight / cost_source > 1.0 / cost_target
            return math.inf if better_source else 0.0
        return cost_source * n_star

    def source_wins_small_budgets(self, cost_source, cost_target):
        """Always True: small budgets buy only source labels (``κ < 1``);
        at ``κ = 1`` whether source labels are the better buy."""
        if self.kappa < 1.0:
            return True
        return self.source_weight / cost_source > 1.0 / cost_target


def minimax_rate(n_source, n_target, *, model="hanneke-kpotufe", rho=None,
                 beta_source=None, beta_target=None, vc_dim=None, gamma=None,
                 smoothness=None, margin=None, dim=None, constants=None):
    r"""Minimax target excess-risk rate for ``n_source`` and ``n_target`` samples.

    ``model="hanneke-kpotufe"`` (Hanneke & Kpotufe, NeurIPS 2019):

    .. math::

        \min\{C_P (d/n_P)^{1/((2-β_P)ρ)},\; C_Q (d/n_Q)^{1/(2-β_Q)}\}

    ``model="covariate-shift"`` (Kpotufe & Martinet, Ann. Statist. 2021):

    .. math::

        C\,(w\,n_P^{(2α+d)/(2α+d+γ)} + n_Q)^{-α(1+β)/(2α+d)}

    Parameters
    ----------
    n_source, n_target : float or array-like
        Sample sizes (``>= 0``); broadcast against each other.
    model : {"hanneke-kpotufe", "covariate-shift"}, default="hanneke-kpotufe"
    rho : float > 0
        Transfer exponent ``ρ`` (``"hanneke-kpotufe"``).
    beta_source, beta_target : float in [0, 1]
        Bernstein class (noise) exponents ``β_P``, ``β_Q``; 1 is the
        realisable/Massart case, 0 the agnostic one (``"hanneke-kpotufe"``).
    vc_dim : float > 0
        VC dimension ``d`` of the hypothesis class (``"hanneke-kpotufe"``).
    gamma : float >= 0
        Covariate-shift transfer exponent ``γ``; 0 is a bounded density
        ratio (``"covariate-shift"``).
    smoothness : float > 0
        Hölder exponent ``α`` of the regression function (``"covariate-shift"``).
    margin : float >= 0
        Tsybakov margin exponent ``β`` (``"covariate-shift"``).
    dim : float > 0
        Intrinsic dimension ``d`` of the target marginal (``"covariate-shift"``).
    constants : dict, default=None
        ``{"source": C_P, "target": C_Q}`` or ``{"scale": C,
        "source_weight": w}``; missing keys are 1.

    Returns
    -------
    float or ndarray
        The rate (``inf`` where both samples are empty under
        ``"covariate-shift"``, or where the smaller term has an empty sample).
        A rate is an order of magnitude, not a calibrated risk.

    Examples
    --------
    >>> from sktransfer.planning import minimax_rate
    >>> float(minimax_rate(10_000, 100, rho=2, beta_source=1, beta_target=1,
    ...                    vc_dim=10))
    0.03162...
    """
    rates = rate_model(model, constants, rho=rho, beta_source=beta_source,
                       beta_target=beta_target, vc_dim=vc_dim, gamma=gamma,
                       smoothness=smoothness, margin=margin, dim=dim)
    n_source = _as_sizes(n_source, "n_source")
    n_target = _as_sizes(n_target, "n_target")
    out = rates.risk(n_source, n_target)
    return out[()] if np.ndim(out) == 0 else out
