"""Exact empirical-risk minimisers over small hypothesis classes.

Two layers live here:

* private *hypothesis spaces* (``_ThresholdSpace``, ``_StumpSpace``,
  ``_IntervalSpace``, ``_FiniteSpace``): a finite list of candidate
  hypotheses enumerated on a pooled sample, with the weighted empirical 0-1
  risks of *all* candidates on any sample computed at once. Thresholds,
  stumps and intervals never materialise an ``(n_candidates, n_samples)``
  matrix: one sort of the sample, cumulative label weights and a
  ``searchsorted`` of the candidate endpoints give every risk. The empirical
  disagreement mass ``P̂(h ≠ h_ref)`` is the risk against the labels
  ``h_ref(X)``, so it costs the same. The adaptive transfer rule
  (:class:`~sktransfer.planning.AdaptiveTransferClassifier`) is built on
  them.
* public scikit-learn classifiers (:class:`ThresholdClassifier`,
  :class:`IntervalClassifier`, :class:`StumpClassifier`) that return the
  exact empirical-risk minimiser of their class.

Candidate hypotheses and tie-breaking
-------------------------------------
Cut points are the midpoints between consecutive distinct values of the
feature among the rows with positive weight, plus ``-inf`` and ``+inf``, so
every way of splitting the sorted sample is represented exactly once and
zero-weight rows do not move the cut points (repeating a row ``k`` times and
giving it weight ``k`` fit the same model). A midpoint that rounds onto the
lower value is replaced by the upper value, so a cut always separates the
two values. Candidates are listed in a fixed order and the ERM is the
*first* candidate whose risk is within ``1e-12`` (on the normalised risk, to
absorb rounding) of the minimum; the order is given in each class's
docstring.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import (
    Interval,
    _fit_context,
    check_sample_weight,
    validate_data,
)

__all__ = ["IntervalClassifier", "StumpClassifier", "ThresholdClassifier"]

#: Two normalised risks closer than this are a tie (rounding of the sums).
TIE_TOL = 1e-12
#: Most interval endpoints ``_IntervalSpace`` may enumerate: it lists all
#: ``m (m - 1)`` intervals and complements (4 million candidates, a few hundred
#: MB of risks and disagreement masses, at 2,000; 30,000 exhausted memory).
MAX_INTERVAL_ENDPOINTS = 2_000


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _midpoints(values):
    """Cut points strictly between consecutive sorted distinct ``values``.

    ``lo < cut <= hi`` for every consecutive pair, so ``x >= cut`` is true
    at ``hi`` and false at ``lo``.
    """
    lo, hi = values[:-1], values[1:]
    mid = 0.5 * lo + 0.5 * hi
    bad = (mid <= lo) | (mid > hi)
    mid[bad] = hi[bad]
    return mid


def _first_min(risks, tol=TIE_TOL):
    """Index of the first entry within ``tol`` of the minimum."""
    return int(np.flatnonzero(risks <= risks.min() + tol)[0])


def _weights(y01, sample_weight):
    n = y01.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    return w


class _SortedSample:
    """One feature of a sample, sorted, with the rank of each cut point.

    ``below[k]`` is the number of sample values ``< cuts[k]``.
    """

    __slots__ = ("order", "below", "x")

    def __init__(self, x, cuts):
        self.x = x
        self.order = np.argsort(x, kind="stable")
        self.below = np.searchsorted(x[self.order], cuts, side="left")

    def cumulative(self, y01, weights):
        """Weights of positive and negative labels among values below each cut.

        Returns ``(pos_below, neg_below, pos_total, neg_total)``.
        """
        w = weights[self.order]
        pos = w * y01[self.order]
        neg = w - pos
        cpos = np.concatenate(([0.0], np.cumsum(pos)))
        cneg = np.concatenate(([0.0], np.cumsum(neg)))
        return cpos[self.below], cneg[self.below], cpos[-1], cneg[-1]


# ---------------------------------------------------------------------------
# hypothesis spaces
# ---------------------------------------------------------------------------


class _BaseSpace:
    """A finite list of candidate hypotheses ``h_k : X -> {0, 1}``.

    Subclasses implement ``prepare`` (per-sample precomputation),
    ``risks`` (normalised weighted 0-1 risks of all candidates),
    ``predict`` (0/1 predictions of one candidate) and ``describe``.

    Attributes
    ----------
    n_candidates : int
    vc_dim : float or None
        VC dimension (or an upper bound) of the class the candidates come
        from; ``None`` for a finite class (use ``log_size``).
    log_size : float
        ``log(n_candidates)``.
    """

    vc_dim = None

    @property
    def log_size(self):
        return float(np.log(self.n_candidates))

    def disagreement(self, prepared, index, sample_weight=None):
        """``P̂(h_k ≠ h_index)`` for every candidate ``k`` (weighted)."""
        reference = self.predict(prepared, index).astype(np.float64)
        return self.risks(prepared, reference, sample_weight)


class _ThresholdSpace(_BaseSpace):
    """Thresholds ``1[x_f >= t]`` and ``1[x_f < t]`` on one feature.

    Candidate order: increasing thresholds ``1[x >= t]`` over
    ``t = -inf, cut_1, ..., cut_m, +inf`` (``-inf``: always positive,
    ``+inf``: always negative), then decreasing ones ``1[x < t]`` over
    ``t = cut_1, ..., cut_m`` (the constants are not repeated). With
    ``include_constants=False`` the two constant hypotheses are left out
    (used by the stump space, which lists them once).
    """

    vc_dim = 2.0

    def __init__(self, x, feature=0, include_constants=True):
        self.feature = int(feature)
        self.cuts = _midpoints(np.unique(x))
        if include_constants:
            self.increasing_cuts = np.concatenate(([-np.inf], self.cuts, [np.inf]))
        else:
            self.increasing_cuts = self.cuts
        self.include_constants = include_constants
        self.n_increasing = self.increasing_cuts.size
        self.n_candidates = self.n_increasing + self.cuts.size

    def prepare(self, X):
        x = np.asarray(X[:, self.feature], dtype=np.float64)
        return _SortedSample(x, np.concatenate(([-np.inf], self.cuts, [np.inf])))

    def risks(self, prepared, y01, sample_weight=None):
        w = _weights(y01, sample_weight)
        pos_below, neg_below, pos_total, neg_total = prepared.cumulative(y01, w)
        total = pos_total + neg_total
        # over all cuts [-inf, cuts, +inf]
        increasing = pos_below + (neg_total - neg_below)
        decreasing = neg_below + (pos_total - pos_below)
        if not self.include_constants:
            increasing = increasing[1:-1]
        return np.concatenate((increasing, decreasing[1:-1])) / total

    def describe(self, index):
        if index < self.n_increasing:
            return {"feature": self.feature,
                    "threshold": float(self.increasing_cuts[index]),
                    "increasing": True}
        return {"feature": self.feature,
                "threshold": float(self.cuts[index - self.n_increasing]),
                "increasing": False}

    def predict(self, prepared, index):
        p = self.describe(index)
        return _threshold_predict(prepared.x, p["threshold"], p["increasing"])


def _threshold_predict(x, threshold, increasing):
    return (x >= threshold) if increasing else (x < threshold)


class _StumpSpace(_BaseSpace):
    """Decision stumps: thresholds on any feature.

    Candidate order: the threshold space of feature 0 (with the two
    constants), then features 1, 2, ... (without constants).

    ``vc_dim`` is the largest ``n`` with ``2**n <= 2 n p`` (the growth
    function of stumps on ``n`` points is at most ``2 n p``): 2 for one
    feature, about ``log2(p)`` for many.
    """

    def __init__(self, X):
        self.spaces = [
            _ThresholdSpace(X[:, j], j, include_constants=(j == 0))
            for j in range(X.shape[1])
        ]
        sizes = [s.n_candidates for s in self.spaces]
        self.offsets = np.concatenate(([0], np.cumsum(sizes)))
        self.n_candidates = int(self.offsets[-1])
        p = X.shape[1]
        n = 2
        while 2.0 ** (n + 1) <= 2 * (n + 1) * p:
            n += 1
        self.vc_dim = float(n)

    def prepare(self, X):
        return [s.prepare(X) for s in self.spaces]

    def risks(self, prepared, y01, sample_weight=None):
        return np.concatenate([
            s.risks(prep, y01, sample_weight) for s, prep in zip(self.spaces, prepared)
        ])

    def _locate(self, index):
        j = int(np.searchsorted(self.offsets, index, side="right") - 1)
        return j, int(index - self.offsets[j])

    def describe(self, index):
        j, local = self._locate(index)
        return self.spaces[j].describe(local)

    def predict(self, prepared, index):
        j, local = self._locate(index)
        return self.spaces[j].predict(prepared[j], local)


class _IntervalSpace(_BaseSpace):
    """Intervals ``1[a <= x_f < b]`` and their complements on one feature.

    Endpoints are ``e_0 = -inf < e_1 < ... < e_{m-1} = +inf`` with the
    inner ones the cut points (all of them, or, when there are more than
    ``max_candidates - 2``, ``max_candidates - 2`` of them evenly spaced in
    rank: a quantile grid). Candidate order: the intervals ``[e_i, e_j)``,
    ``i < j``, ordered by ``j`` then ``i``, then their complements in the
    same order. ``[-inf, +inf)`` is the constant positive hypothesis and its
    complement the constant negative one. The class (intervals and
    complements) has VC dimension 3. Memory and time are ``O(m^2)``: keep
    ``m`` at most :data:`MAX_INTERVAL_ENDPOINTS`.
    """

    vc_dim = 3.0

    def __init__(self, x, feature=0, max_candidates=None):
        self.feature = int(feature)
        self.endpoints = _interval_endpoints(x, max_candidates)
        m = self.endpoints.size
        self.right, self.left = np.tril_indices(m, k=-1)
        self.n_pairs = self.right.size
        self.n_candidates = 2 * self.n_pairs

    def prepare(self, X):
        x = np.asarray(X[:, self.feature], dtype=np.float64)
        return _SortedSample(x, self.endpoints)

    def risks(self, prepared, y01, sample_weight=None):
        w = _weights(y01, sample_weight)
        pos_below, neg_below, pos_total, neg_total = prepared.cumulative(y01, w)
        total = pos_total + neg_total
        margin = pos_below - neg_below
        inside = margin[self.right] - margin[self.left]
        return np.concatenate((pos_total - inside, neg_total + inside)) / total

    def describe(self, index):
        positive_inside = index < self.n_pairs
        k = index if positive_inside else index - self.n_pairs
        return {"feature": self.feature,
                "lower": float(self.endpoints[self.left[k]]),
                "upper": float(self.endpoints[self.right[k]]),
                "inside": bool(positive_inside)}

    def predict(self, prepared, index):
        p = self.describe(index)
        return _interval_predict(prepared.x, p["lower"], p["upper"], p["inside"])


def _interval_endpoints(x, max_candidates):
    cuts = _midpoints(np.unique(x))
    if max_candidates is not None and cuts.size + 2 > max_candidates:
        keep = np.unique(
            np.round(np.linspace(0, cuts.size - 1, max_candidates - 2)).astype(int)
        )
        cuts = cuts[keep]
    return np.concatenate(([-np.inf], cuts, [np.inf]))


def _interval_predict(x, lower, upper, inside):
    within = (x >= lower) & (x < upper)
    return within if inside else ~within


class _FiniteSpace(_BaseSpace):
    """A finite class given as a list of fitted classifiers.

    ``prepare`` computes the ``(n_candidates, n_samples)`` matrix of 0/1
    predictions (``1`` where a member predicts ``positive_label``); every
    prediction must be one of ``classes``.
    """

    def __init__(self, estimators, classes):
        self.estimators = list(estimators)
        self.classes = np.asarray(classes)
        self.n_candidates = len(self.estimators)

    def prepare(self, X):
        rows = []
        for k, est in enumerate(self.estimators):
            pred = np.asarray(est.predict(X))
            if pred.shape != (X.shape[0],):
                raise ValueError(
                    f"hypothesis[{k}].predict returned shape {pred.shape}, "
                    f"expected ({X.shape[0]},)."
                )
            unknown = ~np.isin(pred, self.classes)
            if np.any(unknown):
                raise ValueError(
                    f"hypothesis[{k}] predicts labels {np.unique(pred[unknown])[:5]} "
                    f"that are not among the classes of y {self.classes.tolist()}."
                )
            rows.append(pred == self.classes[-1])
        return np.vstack(rows)

    def risks(self, prepared, y01, sample_weight=None):
        w = _weights(y01, sample_weight)
        errors = prepared != (np.asarray(y01) > 0.5)[None, :]
        return (errors @ w) / w.sum()

    def describe(self, index):
        return {"index": int(index)}

    def predict(self, prepared, index):
        return prepared[index]


# ---------------------------------------------------------------------------
# input checks shared by the classifiers
# ---------------------------------------------------------------------------


def check_binary_target(y, name="y"):
    """``(classes, y01)`` for a binary target; clear errors otherwise.

    ``classes`` is sorted; ``y01`` is 1.0 where ``y == classes[1]``.
    """
    kind = type_of_target(y, input_name=name, raise_unknown=True)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: {kind}. {name} must hold class labels of a "
            "binary classification problem."
        )
    classes = np.unique(y)
    if classes.size > 2:
        raise ValueError(
            "Only binary classification is supported. The type of the target "
            f"is {kind} ({classes.size} classes in {name})."
        )
    if classes.size < 2:
        raise ValueError(
            f"{name} must hold 2 classes to fit a classifier, got 1 class "
            f"({classes[0]!r})."
        )
    return classes, (y == classes[1]).astype(np.float64)


def check_feature(feature, n_features):
    if feature >= n_features:
        raise ValueError(
            f"feature={feature} is out of range for X with {n_features} "
            f"feature{'s' if n_features != 1 else ''}."
        )


class _ExactERMMixin(ClassifierMixin):
    """Validation, class handling and tags of the exact-ERM classifiers."""

    def _validate_fit(self, X, y, sample_weight):
        X, y = validate_data(self, X, y, dtype=np.float64)
        classes, y01 = check_binary_target(y)
        weights = check_sample_weight(sample_weight, X)
        if weights is not None:
            keep = weights > 0
            X, y01, weights = X[keep], y01[keep], weights[keep]
        self.classes_ = classes
        return X, y01, weights

    def _validate_predict(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=np.float64)

    def _labels(self, positive):
        return self.classes_[positive.astype(np.intp)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


# ---------------------------------------------------------------------------
# public classifiers
# ---------------------------------------------------------------------------


class ThresholdClassifier(_ExactERMMixin, BaseEstimator):
    """Exact 0-1 empirical-risk minimiser over one-feature thresholds.

    The class is ``{1[x_f >= t]} ∪ {1[x_f < t]}`` over real ``t`` (``f`` =
    ``feature``; ``1`` means ``classes_[1]``), VC dimension 2. The fit sorts
    the feature once and reads the weighted number of errors of every cut
    from cumulative sums: ``O(n log n)``, exact.

    Candidate thresholds are ``-inf``, ``+inf`` and the midpoints between
    consecutive distinct values among the rows with positive weight.
    Ties are broken deterministically: increasing hypotheses (``x >= t``)
    before decreasing ones, and within each direction the smallest
    threshold; the two constant hypotheses are increasing ones with
    ``threshold_ = -inf`` (always ``classes_[1]``) or ``+inf`` (always
    ``classes_[0]``).

    Parameters
    ----------
    feature : int, default=0
        Column of ``X`` the threshold acts on.

    Attributes
    ----------
    threshold_ : float
        Fitted threshold ``t`` (possibly ``±inf``).
    increasing_ : bool
        ``True`` if ``classes_[1]`` is predicted for ``x >= t``, ``False``
        if it is predicted for ``x < t``.
    training_risk_ : float
        Weighted empirical 0-1 risk of the fitted hypothesis.
    classes_ : ndarray of shape (2,)
        The two labels; the second is the "positive" one.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    See Also
    --------
    StumpClassifier : The best threshold over all features.
    IntervalClassifier : Intervals and their complements.
    AdaptiveTransferClassifier : The Hanneke-Kpotufe transfer rule over
        this class.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.planning import ThresholdClassifier
    >>> X = np.array([[0.1], [0.4], [0.5], [0.9]])
    >>> clf = ThresholdClassifier().fit(X, ["a", "a", "b", "b"])
    >>> float(clf.threshold_), bool(clf.increasing_)
    (0.45, True)
    >>> clf.predict([[0.0], [1.0]]).tolist()
    ['a', 'b']
    """

    _parameter_constraints: dict = {
        "feature": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(self, feature=0):
        self.feature = feature

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the exact empirical-risk minimiser.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples (only column ``feature`` is used).
        y : array-like of shape (n_samples,)
            Binary labels (any two values).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; rows with weight 0 are ignored.

        Returns
        -------
        self : ThresholdClassifier
            The fitted classifier.
        """
        X, y01, weights = self._validate_fit(X, y, sample_weight)
        check_feature(self.feature, X.shape[1])
        space = _ThresholdSpace(X[:, self.feature], self.feature)
        risks = space.risks(space.prepare(X), y01, weights)
        best = _first_min(risks)
        params = space.describe(best)
        self.threshold_ = params["threshold"]
        self.increasing_ = params["increasing"]
        self.training_risk_ = float(risks[best])
        return self

    def predict(self, X):
        """Predict ``classes_[1]`` on one side of the threshold.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        X = self._validate_predict(X)
        return self._labels(
            _threshold_predict(X[:, self.feature], self.threshold_, self.increasing_)
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # one feature only: the checks' 2-d blobs need not be separable on it
        tags.classifier_tags.poor_score = True
        return tags


class StumpClassifier(_ExactERMMixin, BaseEstimator):
    """Exact 0-1 empirical-risk minimiser over decision stumps.

    The best :class:`ThresholdClassifier` over all features:
    ``{1[x_j >= t]} ∪ {1[x_j < t]}`` over features ``j`` and real ``t``,
    ``O(p n log n)``, exact. Ties are broken by the lowest feature, then as
    in :class:`ThresholdClassifier` (the two constant hypotheses are listed
    with feature 0).

    Attributes
    ----------
    feature_ : int
        Column the fitted stump acts on.
    threshold_ : float
        Fitted threshold (possibly ``±inf``).
    increasing_ : bool
        ``True`` if ``classes_[1]`` is predicted for ``x_feature_ >=
        threshold_``.
    training_risk_ : float
        Weighted empirical 0-1 risk of the fitted stump.
    classes_ : ndarray of shape (2,)
        The two labels; the second is the "positive" one.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    See Also
    --------
    ThresholdClassifier : A threshold on a fixed feature.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.planning import StumpClassifier
    >>> X = np.array([[0.0, 3.0], [1.0, 1.0], [0.0, 0.0], [1.0, 2.0]])
    >>> clf = StumpClassifier().fit(X, [1, 0, 0, 1])
    >>> int(clf.feature_), float(clf.threshold_)
    (1, 1.5)
    """

    _parameter_constraints: dict = {}

    def __init__(self):
        pass

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the exact empirical-risk minimiser.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        y : array-like of shape (n_samples,)
            Binary labels (any two values).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; rows with weight 0 are ignored.

        Returns
        -------
        self : StumpClassifier
            The fitted classifier.
        """
        X, y01, weights = self._validate_fit(X, y, sample_weight)
        space = _StumpSpace(X)
        risks = space.risks(space.prepare(X), y01, weights)
        best = _first_min(risks)
        params = space.describe(best)
        self.feature_ = params["feature"]
        self.threshold_ = params["threshold"]
        self.increasing_ = params["increasing"]
        self.training_risk_ = float(risks[best])
        return self

    def predict(self, X):
        """Predict with the fitted stump.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        X = self._validate_predict(X)
        return self._labels(
            _threshold_predict(X[:, self.feature_], self.threshold_, self.increasing_)
        )


class IntervalClassifier(_ExactERMMixin, BaseEstimator):
    """Exact 0-1 empirical-risk minimiser over intervals and complements.

    The class is ``{1[a <= x_f < b]} ∪ {1[x_f < a or x_f >= b]}`` (VC
    dimension 3; it contains the thresholds and the constants). Endpoints
    are ``±inf`` and the midpoints between consecutive distinct values among
    the rows with positive weight (all of them, or a quantile grid of
    ``max_candidates`` endpoints). The minimum over all ``O(m^2)`` endpoint
    pairs is found in ``O(m)`` after one sort: with ``D_k`` the weighted
    (positives − negatives) below endpoint ``k``, the errors of
    ``[e_i, e_j)`` are ``W_+ − (D_j − D_i)`` and of its complement
    ``W_- + (D_j − D_i)``, minimised by running extrema of ``D``.

    Ties are broken deterministically: intervals (positive inside) before
    complements, then the smallest upper endpoint, then the smallest lower
    endpoint.

    Parameters
    ----------
    feature : int, default=0
        Column of ``X`` the interval acts on.
    max_candidates : int or None, default=None
        ``None``: endpoints at every midpoint (exact ERM over the class).
        An int ``>= 3``: at most this many endpoints, ``±inf`` and
        ``max_candidates - 2`` midpoints evenly spaced in rank (ERM over
        that grid). The fit is ``O(m)`` in the number ``m`` of endpoints
        after the sort, so there is no upper bound here (unlike
        :class:`AdaptiveTransferClassifier`, which enumerates the
        ``O(m^2)`` endpoint pairs).

    Attributes
    ----------
    lower_, upper_ : float
        Fitted endpoints ``a < b`` (possibly ``±inf``).
    inside_ : bool
        ``True`` if ``classes_[1]`` is predicted inside ``[a, b)``, ``False``
        if it is predicted outside.
    training_risk_ : float
        Weighted empirical 0-1 risk of the fitted hypothesis.
    classes_ : ndarray of shape (2,)
        The two labels; the second is the "positive" one.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.planning import IntervalClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0]])
    >>> clf = IntervalClassifier().fit(X, [0, 1, 1, 0, 0])
    >>> float(clf.lower_), float(clf.upper_), bool(clf.inside_)
    (0.5, 2.5, True)
    """

    _parameter_constraints: dict = {
        "feature": [Interval(Integral, 0, None, closed="left")],
        "max_candidates": [Interval(Integral, 3, None, closed="left"), None],
    }

    def __init__(self, feature=0, max_candidates=None):
        self.feature = feature
        self.max_candidates = max_candidates

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the exact empirical-risk minimiser.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples (only column ``feature`` is used).
        y : array-like of shape (n_samples,)
            Binary labels (any two values).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; rows with weight 0 are ignored.

        Returns
        -------
        self : IntervalClassifier
            The fitted classifier.
        """
        X, y01, weights = self._validate_fit(X, y, sample_weight)
        check_feature(self.feature, X.shape[1])
        x = X[:, self.feature]
        endpoints = _interval_endpoints(x, self.max_candidates)
        w = _weights(y01, weights)
        pos_below, neg_below, pos_total, neg_total = _SortedSample(
            x, endpoints
        ).cumulative(y01, w)
        lower, upper, inside, risk = _best_interval(
            pos_below - neg_below, pos_total, neg_total
        )
        self.lower_ = float(endpoints[lower])
        self.upper_ = float(endpoints[upper])
        self.inside_ = inside
        self.training_risk_ = risk
        return self

    def predict(self, X):
        """Predict ``classes_[1]`` inside (or outside) the interval.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        X = self._validate_predict(X)
        within = _interval_predict(
            X[:, self.feature], self.lower_, self.upper_, self.inside_
        )
        return self._labels(within)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # one feature only: the checks' 2-d blobs need not be separable on it
        tags.classifier_tags.poor_score = True
        return tags


def _best_interval(margin, pos_total, neg_total):
    """First minimiser, in ``_IntervalSpace`` order, of the interval risks.

    ``margin[k]`` is (positives − negatives) below endpoint ``k``. Returns
    ``(i, j, inside, normalised_risk)``. The risks are computed with the
    same floating-point expressions as ``_IntervalSpace.risks``; since
    rounding is monotone, the running extremum of ``margin`` gives the
    minimum over ``i < j`` of those exact expressions.
    """
    total = pos_total + neg_total
    run_min = np.minimum.accumulate(margin)[:-1]
    run_max = np.maximum.accumulate(margin)[:-1]
    tail = margin[1:]  # j = 1 .. m-1
    best_in = (pos_total - (tail - run_min)) / total
    best_out = (neg_total + (tail - run_max)) / total
    target = min(best_in.min(), best_out.min()) + TIE_TOL
    if best_in.min() <= target:
        j = int(np.flatnonzero(best_in <= target)[0]) + 1
        risks_i = (pos_total - (margin[j] - margin[:j])) / total
        inside = True
    else:
        j = int(np.flatnonzero(best_out <= target)[0]) + 1
        risks_i = (neg_total + (margin[j] - margin[:j])) / total
        inside = False
    i = int(np.flatnonzero(risks_i <= target)[0])
    return i, j, inside, float(risks_i[i])
