"""The adaptive transfer rule of Hanneke & Kpotufe (NeurIPS 2019)."""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..utils import check_sample_domain
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context, validate_data
from ._hypotheses import (
    MAX_INTERVAL_ENDPOINTS,
    TIE_TOL,
    IntervalClassifier,
    StumpClassifier,
    ThresholdClassifier,
    _FiniteSpace,
    _first_min,
    _interval_predict,
    _IntervalSpace,
    _StumpSpace,
    _threshold_predict,
    _ThresholdSpace,
    check_binary_target,
    check_feature,
)

__all__ = ["AdaptiveTransferClassifier", "complexity_term"]

#: Warn when every hypothesis within this target disagreement of the target
#: ERM is in the confidence set whatever the labels.
_WIDE_SET_RADIUS = 0.5


def complexity_term(n, delta, vc_dim=None, log_size=None):
    r"""The complexity term :math:`A_n` of the confidence set.

    :math:`A_n = (d \log\max(n/d, e) + \log(1/\delta))/n` for a class of VC
    dimension ``d``, or :math:`(\log|H| + \log(1/\delta))/n` for a finite
    class of ``exp(log_size)`` hypotheses (``vc_dim=None``).

    Parameters
    ----------
    n : int
        Sample size, at least 1.
    delta : float
        Confidence level in (0, 1).
    vc_dim : float or None
        VC dimension ``d > 0``; takes precedence over ``log_size``.
    log_size : float or None
        ``log|H|`` of a finite class.

    Returns
    -------
    float
    """
    if vc_dim is not None:
        capacity = vc_dim * math.log(max(n / vc_dim, math.e))
    else:
        capacity = max(log_size, 0.0)
    return (capacity + math.log(1.0 / delta)) / n


class AdaptiveTransferClassifier(ClassifierMixin, BaseEstimator):
    r"""Source-risk minimiser over a target confidence set (Hanneke & Kpotufe).

    The adaptive rule of Hanneke & Kpotufe [1]_ (§A.3 of the planning
    reference) uses target data to certify a set of nearly target-optimal
    hypotheses and source data to choose inside it, and needs no knowledge
    of the transfer exponent ``ρ`` or of the noise exponents. With target
    rows ``S_Q`` (``sample_domain < 0``) and source rows ``S_P``
    (``sample_domain > 0``, all sources pooled into one ``P``):

    .. math::

        \hat h_Q &= \arg\min_{h \in H} \hat R_Q(h), \\
        \hat H_Q &= \{ h \in H : \hat R_Q(h) - \hat R_Q(\hat h_Q) \le
            c \sqrt{\hat P_{Q,X}(h \ne \hat h_Q)\, A_{n_Q}} + c\, A_{n_Q} \}, \\
        \hat h &= \arg\min_{h \in \hat H_Q} \hat R_P(h),

    where :math:`\hat R` are empirical 0-1 risks, :math:`\hat P_{Q,X}` is the
    empirical target marginal, ``c`` = ``confidence_scale`` and

    .. math::

        A_n = \frac{d \log\max(n/d, e) + \log(1/\delta)}{n}

    with ``d`` the VC dimension (``vc_dim``, or the class's own: 2 for
    thresholds ``{1[x >= t]} ∪ {1[x < t]}``, 3 for intervals and their
    complements, and for stumps on ``p`` features the largest ``n`` with
    ``2^n <= 2np``, a growth-function bound). For a finite class given as
    a list, ``d log(n/d)`` is replaced by ``log|H|`` (the union bound over a
    finite class), unless ``vc_dim`` is given. The ``max(., e)`` keeps the
    log positive when ``n < e d``.

    With probability at least ``1 - δ`` (for ``c`` at least the theory's
    unknown constant) the target excess risk satisfies [1]_

    .. math::

        \mathcal E_Q(\hat h) \lesssim \min\{ A_{n_P}^{1/((2-\beta_P)\rho)},
            A_{n_Q}^{1/(2-\beta_Q)} \},

    the minimax rate up to constants and log factors, where ``ρ`` is the
    transfer exponent from ``P`` to ``Q`` and ``β_P, β_Q`` the Bernstein
    class-condition exponents: the rule does as well as the better of
    source-only and target-only ERM without knowing which that is. The
    rate assumes the in-class optima of ``P`` and ``Q`` coincide
    (``ρ < ∞``).

    **On** ``confidence_scale``. The theory constant in front of the
    confidence width is not known (the structure of the set is recalled
    from [1]_; the constant is not). ``c`` trades the two failure modes:
    a large ``c`` gives a valid but wide set, so the source decides even
    when it should not; a small ``c`` gives a narrow set that can exclude
    the target optimum, so the choice falls back towards (noisy) target
    ERM even when the source is excellent. In the reference's Monte-Carlo
    pilot MC-A4 (threshold designs, ``n_Q = 400``), ``c = 1`` matched
    source-only ERM under super-transfer (target excess risk ``2.9e-6`` vs
    ``3.1e-6`` at ``n_P = 1e3``) but was loose on the target side when the
    source transfers badly (``2.6e-2`` vs ``2.2e-3`` for target-only ERM);
    ``c = 0.1`` was close to target-only ERM in both designs, losing the
    super-transfer gain. The "min" of the guarantee therefore holds only up
    to the constant and log factors; it is the *rates* that adapt.

    **Candidates.** ``H`` is enumerated on the pooled rows (target and
    source). Thresholds and stumps sit at every midpoint between
    consecutive distinct values, so for them (and for a finite class) the
    rule is exact over the class. Intervals have at most
    ``max_candidates`` endpoints (``±inf`` included): every midpoint while
    they fit, otherwise a quantile grid (midpoints evenly spaced in rank),
    and the rule is then exact over the intervals on that grid only, not
    over the class. With ``m`` endpoints ``H`` has ``m (m - 1)`` members.
    All risks and disagreement masses are computed for every candidate at
    once from sorted cumulative sums (``O((n + |H|) log n)``, no
    ``|H| × n`` matrix) except for a finite class, which uses its
    prediction matrix. Ties: target ERM as in :class:`ThresholdClassifier`
    (the first candidate in a fixed order); ties in source risk go to the
    smaller target risk, then to the first candidate.

    Without source rows (``sample_domain=None`` or only negative labels)
    the rule is plain target ERM.

    Parameters
    ----------
    hypothesis : {"threshold", "interval", "stump"} or list, default="threshold"
        The class ``H``: thresholds on column ``feature``, intervals (and
        complements) on column ``feature``, decision stumps on all columns,
        or a finite class given as a list of *fitted* binary classifiers
        whose ``predict`` returns labels among those of ``y`` (they are
        called on the validated float64 array ``X``). Cloning (as
        in ``GridSearchCV`` or ``cross_validate``) unfits a plain list's
        members; wrap each in :class:`sklearn.frozen.FrozenEstimator` to
        keep them fitted.
    confidence_scale : float, default=1.0
        ``c > 0``, the multiplier of the confidence width (see above).
    delta : float, default=0.05
        Confidence level ``δ`` in (0, 1).
    vc_dim : float or None, default=None
        ``d`` in ``A_n``; ``None`` uses the class's own (see above).
    feature : int, default=0
        Column used by ``"threshold"`` and ``"interval"``.
    max_candidates : int, default=100
        Number of interval endpoints (``±inf`` included) for
        ``"interval"``, between 3 and 2,000. Memory and time grow as
        ``max_candidates²`` (the candidate intervals are enumerated): at
        2,000 there are 4 million candidates and a fit needs a few hundred
        MB.

    Attributes
    ----------
    estimator_ : estimator
        The chosen hypothesis ``ĥ`` as a fitted classifier: a
        :class:`ThresholdClassifier`, :class:`IntervalClassifier` or
        :class:`StumpClassifier` (with the fitted attributes set, and
        ``training_risk_`` its empirical target risk), or the chosen member
        of the list.
    target_erm_ : estimator
        The target ERM ``ĥ_Q``, in the same form.
    hypothesis_ : dict
        Parameters of ``ĥ``: ``feature``, ``threshold``, ``increasing``
        (thresholds, stumps); ``feature``, ``lower``, ``upper``, ``inside``
        (intervals); ``index`` (a list).
    threshold_, increasing_ : float, bool
        ``ĥ``'s threshold and direction (thresholds and stumps only;
        ``feature_`` too for stumps).
    lower_, upper_, inside_ : float, float, bool
        ``ĥ``'s interval (intervals only).
    estimator_index_, target_erm_index_ : int
        Positions of ``ĥ`` and ``ĥ_Q`` in the list (finite class only).
    moved_by_source_ : bool
        ``True`` when the source data moved the choice away from the target
        ERM: ``ĥ`` disagrees with ``ĥ_Q`` on at least one target row.
        (Candidates that agree with ``ĥ_Q`` on every target row, e.g.
        thresholds between the same two target points, tie with it; the
        source then refines the choice without "moving" it.)
    target_disagreement_ : float
        ``P̂_{Q,X}(ĥ ≠ ĥ_Q)``, the fraction of target rows on which the
        choice differs from the target ERM.
    n_target_, n_source_ : int
        Numbers of target and source rows.
    complexity_ : float
        ``A_{n_Q}``.
    n_candidates_ : int
        ``|H|`` as enumerated.
    confidence_set_size_ : int
        ``|Ĥ_Q|``.
    confidence_radius_ : float
        ``max_{h ∈ Ĥ_Q} P̂_{Q,X}(h ≠ ĥ_Q)``: the largest fraction of target
        rows on which a member of the set disagrees with the target ERM.
    target_risk_, source_risk_ : float
        Empirical target and source risks of ``ĥ`` (``source_risk_`` is
        NaN without source rows).
    classes_ : ndarray of shape (2,)
        The two labels; the second is the one hypotheses output as 1.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    Warns
    -----
    UserWarning
        When there are source rows and ``n_Q`` is so small that every
        hypothesis disagreeing with ``ĥ_Q`` on at most half of the target
        rows is in ``Ĥ_Q`` whatever the labels (the label-free radius
        ``A·((c + sqrt(c² + 4c))/2)²`` is ``>= 0.5``): the set is then
        (nearly) the whole class and the source alone decides.

    See Also
    --------
    ThresholdClassifier, IntervalClassifier, StumpClassifier :
        Target-only (or pooled) exact ERM over the same classes.

    References
    ----------
    .. [1] S. Hanneke and S. Kpotufe. On the value of target data in transfer
       learning. NeurIPS 2019. arXiv:2002.04747.

    Examples
    --------
    >>> from sktransfer.datasets import THRESHOLD_CASES
    >>> from sktransfer.planning import AdaptiveTransferClassifier
    >>> from sktransfer.utils import stack_domains
    >>> case = THRESHOLD_CASES["S3"]
    >>> target = case.target.sample(400, random_state=0)
    >>> source = case.source.sample(4000, random_state=1)
    >>> X, y, domain = stack_domains(target, [source])
    >>> clf = AdaptiveTransferClassifier().fit(X, y, sample_domain=domain)
    >>> clf.n_target_, clf.n_source_, bool(clf.moved_by_source_)
    (400, 4000, True)
    >>> bool(abs(clf.threshold_) < abs(clf.target_erm_.threshold_))
    True
    """

    _parameter_constraints: dict = {
        "hypothesis": [StrOptions({"threshold", "interval", "stump"}), list, tuple],
        "confidence_scale": [Interval(Real, 0, None, closed="neither")],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "vc_dim": [Interval(Real, 0, None, closed="neither"), None],
        "feature": [Interval(Integral, 0, None, closed="left")],
        "max_candidates": [
            Interval(Integral, 3, MAX_INTERVAL_ENDPOINTS, closed="both")
        ],
    }

    def __init__(
        self,
        hypothesis="threshold",
        confidence_scale=1.0,
        delta=0.05,
        vc_dim=None,
        feature=0,
        max_candidates=100,
    ):
        self.hypothesis = hypothesis
        self.confidence_scale = confidence_scale
        self.delta = delta
        self.vc_dim = vc_dim
        self.feature = feature
        self.max_candidates = max_candidates

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_domain=None):
        """Fit the adaptive rule on stacked target and source rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Stacked target and source rows.
        y : array-like of shape (n_samples,)
            Binary labels (any two values).
        sample_domain : array-like of shape (n_samples,), default=None
            ``< 0`` target rows, ``> 0`` source rows (several sources are
            pooled); ``None`` means every row is a target row (plain ERM).

        Returns
        -------
        self : AdaptiveTransferClassifier
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        classes, y01 = check_binary_target(y)
        domain = check_sample_domain(sample_domain, X.shape[0])
        self.classes_ = classes
        target = domain < 0
        source = ~target
        space = self._make_space(X)

        n_target = int(np.count_nonzero(target))
        n_source = int(np.count_nonzero(source))
        if space.vc_dim is None and self.vc_dim is None:
            complexity = complexity_term(n_target, self.delta, log_size=space.log_size)
        else:
            d = self.vc_dim if self.vc_dim is not None else space.vc_dim
            complexity = complexity_term(n_target, self.delta, vc_dim=d)
        c = float(self.confidence_scale)

        prep_q = space.prepare(X[target])
        risks_q = space.risks(prep_q, y01[target])
        erm = _first_min(risks_q)
        disagreement = space.disagreement(prep_q, erm)
        width = c * np.sqrt(disagreement * complexity) + c * complexity
        in_set = risks_q - risks_q[erm] <= width + TIE_TOL
        members = np.flatnonzero(in_set)

        if n_source:
            risks_p = space.risks(space.prepare(X[source]), y01[source])
            cand = members[risks_p[members] <= risks_p[members].min() + TIE_TOL]
            cand = cand[risks_q[cand] <= risks_q[cand].min() + TIE_TOL]
            chosen = int(cand[0])
            source_risk = float(risks_p[chosen])
            label_free = complexity * ((c + math.sqrt(c * c + 4.0 * c)) / 2.0) ** 2
            if label_free >= _WIDE_SET_RADIUS:
                warnings.warn(
                    f"n_target={n_target} is small for confidence_scale={c:g} "
                    f"and delta={self.delta:g} (A_n={complexity:.3g}): every "
                    "hypothesis that disagrees with the target ERM on up to "
                    f"{min(label_free, 1.0):.0%} of the target rows is in the "
                    "confidence set whatever the labels, so the set is "
                    f"(nearly) the whole class ({members.size} of "
                    f"{space.n_candidates} candidates) and the source alone "
                    "decides. Add target rows or lower confidence_scale.",
                    UserWarning,
                    stacklevel=2,
                )
        else:
            chosen = erm
            source_risk = float("nan")

        self.n_target_ = n_target
        self.n_source_ = n_source
        self.complexity_ = float(complexity)
        self.n_candidates_ = int(space.n_candidates)
        self.confidence_set_size_ = int(members.size)
        self.confidence_radius_ = float(disagreement[members].max())
        self.target_disagreement_ = float(disagreement[chosen])
        self.moved_by_source_ = bool(disagreement[chosen] > 0)
        self.target_risk_ = float(risks_q[chosen])
        self.source_risk_ = source_risk
        self.hypothesis_ = space.describe(chosen)
        self.estimator_ = self._as_estimator(space, chosen, risks_q[chosen])
        self.target_erm_ = self._as_estimator(space, erm, risks_q[erm])
        self._set_shortcuts(space, chosen, erm)
        return self

    # -- hypothesis classes ---------------------------------------------------
    def _kind(self):
        return self.hypothesis if isinstance(self.hypothesis, str) else "finite"

    def _make_space(self, X):
        kind = self._kind()
        if kind in ("threshold", "interval"):
            check_feature(self.feature, X.shape[1])
        if kind == "threshold":
            return _ThresholdSpace(X[:, self.feature], self.feature)
        if kind == "interval":
            return _IntervalSpace(X[:, self.feature], self.feature, self.max_candidates)
        if kind == "stump":
            return _StumpSpace(X)
        return _FiniteSpace(self._check_members(), self.classes_)

    def _check_members(self):
        members = list(self.hypothesis)
        if not members:
            raise ValueError(
                "hypothesis must be a non-empty list of fitted classifiers."
            )
        for k, est in enumerate(members):
            if isinstance(est, str) or not hasattr(est, "predict"):
                raise TypeError(
                    f"hypothesis[{k}] must be a fitted classifier with a predict "
                    f"method, got {type(est).__name__}."
                )
            try:
                check_is_fitted(est)
            except NotFittedError:
                raise ValueError(
                    f"hypothesis[{k}] ({type(est).__name__}) is not fitted. The "
                    "finite class must hold fitted classifiers; note that "
                    "cloning (GridSearchCV, cross_validate) unfits the members "
                    "of a plain list: wrap each in "
                    "sklearn.frozen.FrozenEstimator."
                ) from None
        return members

    def _as_estimator(self, space, index, target_risk):
        params = space.describe(index)
        kind = self._kind()
        if kind == "finite":
            return space.estimators[index]
        if kind == "threshold":
            est = ThresholdClassifier(feature=self.feature)
        elif kind == "stump":
            est = StumpClassifier()
            est.feature_ = params["feature"]
        else:
            est = IntervalClassifier(feature=self.feature)
            est.lower_, est.upper_ = params["lower"], params["upper"]
            est.inside_ = params["inside"]
        if kind in ("threshold", "stump"):
            est.threshold_ = params["threshold"]
            est.increasing_ = params["increasing"]
        est.training_risk_ = float(target_risk)
        est.classes_ = self.classes_
        est.n_features_in_ = self.n_features_in_
        if hasattr(self, "feature_names_in_"):
            est.feature_names_in_ = self.feature_names_in_
        return est

    def _set_shortcuts(self, space, chosen, erm):
        params = self.hypothesis_
        kind = self._kind()
        if kind in ("threshold", "stump"):
            self.threshold_ = params["threshold"]
            self.increasing_ = params["increasing"]
            if kind == "stump":
                self.feature_ = params["feature"]
        elif kind == "interval":
            self.lower_, self.upper_ = params["lower"], params["upper"]
            self.inside_ = params["inside"]
        else:
            self.estimator_index_ = int(chosen)
            self.target_erm_index_ = int(erm)

    # -- prediction -------------------------------------------------------------
    def predict(self, X):
        """Predict with the chosen hypothesis ``ĥ``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        params = self.hypothesis_
        kind = self._kind()
        if kind == "finite":
            return np.asarray(self.estimator_.predict(X))
        x = X[:, params["feature"]]
        if kind == "interval":
            positive = _interval_predict(
                x, params["lower"], params["upper"], params["inside"]
            )
        else:
            positive = _threshold_predict(x, params["threshold"], params["increasing"])
        return self.classes_[positive.astype(np.intp)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # a single feature: the checks' 2-d blobs need not be separable on it
        tags.classifier_tags.poor_score = self._kind() in ("threshold", "interval")
        return tags
