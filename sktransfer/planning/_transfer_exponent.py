r"""Estimator E1: the transfer exponent from learning curves.

:func:`estimate_transfer_exponent` and its result; the overview shared with
the covariate-shift estimator is in :mod:`sktransfer.planning._exponents`.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone, is_classifier

from ..utils._report import Summary
from ..utils._validation import (
    check_choice,
    check_generator,
    check_int,
    check_real,
    read_only,
)
from ._exponents import (
    MIN_FIT_POINTS,
    ResolutionWarning,
    _check_increasing_grid,
    _check_X,
    _check_y,
    _ols,
    _percentile_interval,
)

__all__ = ["TransferExponentResult", "estimate_transfer_exponent"]

#: A mean excess risk counts as resolved when it exceeds this multiple of the
#: resolution floor (see :func:`estimate_transfer_exponent`).
RESOLUTION_FACTOR = 2.0
#: ... and, on the target side, this many standard errors.
RESOLUTION_N_SE = 3.0
#: Random half-splits averaged in the refit-optimism floor.
N_FLOOR_SPLITS = 5
#: Default number of learning-curve sizes.
N_DEFAULT_SIZES = 8
_PARAMETER_NAMES = ("rho", "beta_source", "slope_source", "slope_target")


def _rho_from_slopes(slope_source, slope_target):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(slope_target < 0, slope_source / slope_target, np.inf)


def _beta_from_slope(slope_source):
    with np.errstate(divide="ignore"):
        return 2.0 + 1.0 / slope_source


# ---------------------------------------------------------------------------
# E1: transfer exponent from learning curves
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TransferExponentResult:
    r"""Learning-curve estimate of the transfer exponent :math:`\rho`.

    Returned by :func:`estimate_transfer_exponent`; arrays are read-only.

    Attributes
    ----------
    rho : float
        :math:`\hat\rho = s_{PP}/s_{PQ}` (``inf`` when the target learning
        curve does not decrease).
    beta_source : float
        :math:`\hat\beta_P = 2 + 1/s_{PP}`.
    slope_source, slope_target : float
        OLS slopes :math:`s_{PP}, s_{PQ}` of log mean excess risk on the
        source holdout and on the target sample against log training size.
    intercept_source, intercept_target : float
        The intercepts of those fits.
    sizes : ndarray of int
        Training sizes of the learning curve.
    mean_excess_source, mean_excess_target : ndarray
        Mean excess risk over the repeats at each size.
    se_excess_source, se_excess_target : ndarray
        Their standard errors (standard deviation over repeats / sqrt).
    excess_source, excess_target : ndarray of shape (n_sizes, n_repeats)
        Excess risk of every fit.
    resolved_source, resolved_target : ndarray of bool
        Whether the mean excess risk at each size is resolved (see
        :func:`estimate_transfer_exponent`).
    used : ndarray of bool
        Sizes the slopes were fitted on.
    resolution_floor : float
        Target-side resolution floor: excess risks below about this value
        cannot be told apart from 0 on the target sample.
    resolution_floor_source : float
        The same on the source holdout.
    reference_source, reference_target : float
        The reference risks subtracted (holdout risks of the refits, or the
        given class-optimal risks).
    reference : str or tuple
        ``"refit"`` or the given pair.
    n_source_train, n_source_holdout, n_target, n_repeats : int
    confidence : float
        Default level of :meth:`conf_int`.
    bootstrap : ndarray of shape (n_valid, 4)
        Valid bootstrap replicates of ``(rho, beta_source, slope_source,
        slope_target)``.
    n_bootstrap : int
        Replicates drawn (``n_valid`` of them had positive means at every
        size used).
    """

    rho: float
    beta_source: float
    slope_source: float
    slope_target: float
    intercept_source: float
    intercept_target: float
    sizes: np.ndarray
    mean_excess_source: np.ndarray
    mean_excess_target: np.ndarray
    se_excess_source: np.ndarray
    se_excess_target: np.ndarray
    excess_source: np.ndarray
    excess_target: np.ndarray
    resolved_source: np.ndarray
    resolved_target: np.ndarray
    used: np.ndarray
    resolution_floor: float
    resolution_floor_source: float
    reference_source: float
    reference_target: float
    reference: object
    n_source_train: int
    n_source_holdout: int
    n_target: int
    n_repeats: int
    confidence: float
    bootstrap: np.ndarray
    n_bootstrap: int

    def __post_init__(self):
        for name in ("mean_excess_source", "mean_excess_target", "se_excess_source",
                     "se_excess_target", "excess_source", "excess_target",
                     "bootstrap"):
            object.__setattr__(self, name, read_only(getattr(self, name)))
        object.__setattr__(self, "sizes", read_only(self.sizes, np.int64))
        for name in ("resolved_source", "resolved_target", "used"):
            object.__setattr__(self, name, read_only(getattr(self, name), bool))

    def __repr__(self):
        return (f"{type(self).__name__}(rho={self.rho:.4g}, "
                f"beta_source={self.beta_source:.4g}, "
                f"sizes_used={int(self.used.sum())}/{self.sizes.size})")

    def conf_int(self, confidence=None):
        """Bootstrap percentile intervals.

        Each replicate resamples the source-holdout rows, the target rows
        and, at each size, the repeats (the same repeats for the source and
        the target excess risks, which come from the same fits), and refits
        the slopes on the sizes used. The training rows are held fixed, the
        refit reference is not refitted, and repeats of large subsamples
        overlap, so the intervals are somewhat optimistic and do not cover
        the refit reference's bias (see
        :func:`estimate_transfer_exponent`, Notes).

        Parameters
        ----------
        confidence : float in (0, 1), default=None
            Level; ``None`` uses :attr:`confidence`.

        Returns
        -------
        pandas.DataFrame
            Index ``rho``, ``beta_source``, ``slope_source``,
            ``slope_target``; columns ``estimate``, ``lower``, ``upper``.
        """
        if confidence is None:
            confidence = self.confidence
        else:
            confidence = check_real(confidence, "confidence", 0, strict=True,
                                    maximum=1, strict_maximum=True)
        estimates = (self.rho, self.beta_source, self.slope_source,
                     self.slope_target)
        rows = [(est, *_percentile_interval(self.bootstrap[:, j], confidence))
                for j, est in enumerate(estimates)]
        frame = pd.DataFrame(rows, columns=["estimate", "lower", "upper"],
                             index=pd.Index(_PARAMETER_NAMES, name="parameter"))
        frame.attrs["confidence"] = confidence
        return frame

    def to_frame(self):
        """Tidy learning curves: one row per training size.

        Returns
        -------
        pandas.DataFrame
            Columns ``n``, ``mean_excess_source``, ``se_excess_source``,
            ``mean_excess_target``, ``se_excess_target``,
            ``fitted_excess_source``, ``fitted_excess_target`` (the fitted
            power laws), ``resolved_source``, ``resolved_target``, ``used``.
        """
        log_n = np.log(self.sizes)
        return pd.DataFrame({
            "n": self.sizes,
            "mean_excess_source": self.mean_excess_source,
            "se_excess_source": self.se_excess_source,
            "mean_excess_target": self.mean_excess_target,
            "se_excess_target": self.se_excess_target,
            "fitted_excess_source": np.exp(self.intercept_source
                                           + self.slope_source * log_n),
            "fitted_excess_target": np.exp(self.intercept_target
                                           + self.slope_target * log_n),
            "resolved_source": self.resolved_source,
            "resolved_target": self.resolved_target,
            "used": self.used,
        })

    def summary(self):
        """A :class:`~sktransfer.utils._report.Summary` of the estimate."""
        ci = self.conf_int()
        level = f"{100 * self.confidence:g}%"

        def interval(name):
            return f"[{ci.loc[name, 'lower']:.4g}, {ci.loc[name, 'upper']:.4g}]"

        reference = self.reference if isinstance(self.reference, str) else (
            f"given ({self.reference_source:.4g}, {self.reference_target:.4g})")
        info = (
            ("rho", self.rho), (f"rho {level} CI", interval("rho")),
            ("beta_source", self.beta_source),
            (f"beta_source {level} CI", interval("beta_source")),
            ("slope_source", self.slope_source),
            ("slope_target", self.slope_target),
            ("sizes used", f"{int(self.used.sum())} of {self.sizes.size}"),
            ("n_source_train", self.n_source_train),
            ("n_source_holdout", self.n_source_holdout),
            ("n_target", self.n_target), ("n_repeats", self.n_repeats),
            ("reference", reference),
            ("resolution floor (target)", self.resolution_floor),
            ("resolution floor (source)", self.resolution_floor_source),
        )
        frame = self.to_frame().set_index("n")[
            ["mean_excess_source", "se_excess_source", "mean_excess_target",
             "se_excess_target", "used"]]
        notes = [
            "rho = slope_source / slope_target and beta_source = 2 + "
            "1/slope_source (reference note, estimator E1).",
            "An effective exponent along this learner's path, a diagnostic: "
            "base decisions on adaptive procedures.",
        ]
        if not self.used.all():
            notes.append("Sizes not used are below the resolution floor or "
                         f"within {RESOLUTION_N_SE:g} standard errors of 0.")
        if not 0.0 <= self.beta_source <= 1.0:
            lower, upper = ci.loc["beta_source", ["lower", "upper"]]
            overlaps = lower <= 1.0 and upper >= 0.0
            notes.append(
                "beta_source is outside [0, 1], the range of a Bernstein "
                "exponent; " + ("its interval overlaps [0, 1] (sampling noise)."
                                if overlaps else "so is its interval: the source "
                                "curve does not follow the model."))
        if self.used.sum() < MIN_FIT_POINTS or not (
                self.resolved_source[self.used].all()
                and self.resolved_target[self.used].all()):
            notes.append(f"WARNING: fewer than {MIN_FIT_POINTS} resolved sizes; "
                         "the fit uses unresolved sizes and rho is unreliable.")
        return Summary("Transfer exponent (learning-curve slope ratio)", info,
                       frame, tuple(notes))

    def plot(self, ax=None):
        """Log-log learning curves with the fitted power laws.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on (a new figure when ``None``).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        grid = np.geomspace(self.sizes[0], self.sizes[-1], 50)
        sides = (
            ("source", "C0", self.mean_excess_source, self.se_excess_source,
             self.intercept_source, self.slope_source, self.resolution_floor_source),
            ("target", "C1", self.mean_excess_target, self.se_excess_target,
             self.intercept_target, self.slope_target, self.resolution_floor),
        )
        for side, color, mean, se, intercept, slope, floor in sides:
            positive = mean > 0
            for mask, fill in ((self.used & positive, color),
                               (~self.used & positive, "none")):
                if mask.any():
                    ax.errorbar(self.sizes[mask], mean[mask], yerr=se[mask],
                                fmt="o", color=color, mfc=fill, capsize=2)
            ax.plot(grid, np.exp(intercept + slope * np.log(grid)), "-", color=color,
                    label=f"E_{side[0].upper()}: slope {slope:.3g}")
            ax.axhline(floor, color=color, linestyle=":", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("source training size n")
        ax.set_ylabel("mean excess risk")
        ax.set_title(f"rho = {self.rho:.3g}")
        ax.legend()
        return ax

    def __str__(self):
        return str(self.summary())


def _risk(estimator, X, y):
    return float(np.mean(np.asarray(estimator.predict(X)) != y))


def _refit_floor(estimator, X, y, rng):
    """Average two-fold cross-fit gap: a scale of the refit reference's bias.

    For each of ``N_FLOOR_SPLITS`` random half-splits ``(A, B)``,
    ``[R_B(h_A) - R_B(h_B) + R_A(h_B) - R_A(h_A)] / 2`` with ``h_A`` fitted on
    ``A``: the excess risk plus the optimism of the learner at ``n/2``.
    Splits whose halves hold a single class are skipped.
    """
    n = y.shape[0]
    gaps = []
    for _ in range(N_FLOOR_SPLITS):
        perm = rng.permutation(n)
        a, b = perm[: n // 2], perm[n // 2:]
        if np.unique(y[a]).size < 2 or np.unique(y[b]).size < 2:
            continue
        Xa, Xb = X[a], X[b]
        fa = clone(estimator).fit(Xa, y[a])
        fb = clone(estimator).fit(Xb, y[b])
        gaps.append(0.5 * (_risk(fa, Xb, y[b]) - _risk(fb, Xb, y[b])
                           + _risk(fb, Xa, y[a]) - _risk(fa, Xa, y[a])))
    return max(float(np.mean(gaps)) if gaps else 0.0, 0.0)


def _subsample(perm, size, repeat, y, rng):
    """Rows of one repeat: a block of a random permutation (wrapping round).

    Consecutive blocks are disjoint while ``size * (repeat + 1)`` rows fit,
    which keeps the repeats as independent as the data allow. A block with a
    single class is replaced by a random draw (20 tries).
    """
    idx = np.take(perm, np.arange(repeat * size, (repeat + 1) * size), mode="wrap")
    for _ in range(20):
        if np.unique(y[idx]).size >= 2:
            return idx
        idx = rng.choice(perm.size, size, replace=False)
    raise ValueError(
        f"sizes: subsamples of size {size} of the source training rows keep "
        "holding a single class; use larger sizes."
    )


def estimate_transfer_exponent(estimator, X_source, y_source, X_target, y_target, *,
                               sizes=None, n_repeats=20, source_holdout=0.3,
                               reference="refit", n_bootstrap=500, confidence=0.95,
                               random_state=None):
    r"""Estimate the transfer exponent :math:`\rho` from learning curves.

    The learning-curve slope-ratio estimator (E1 of the planning reference
    note, §A.8). Under Hanneke & Kpotufe's (NeurIPS 2019) model, a learner
    trained on ``n`` source points has source excess risk
    :math:`E_P \asymp n^{s_{PP}}` with :math:`s_{PP} = -1/(2-\beta_P)` and
    target excess risk :math:`E_Q \asymp n^{s_{PQ}}` with
    :math:`s_{PQ} = -1/((2-\beta_P)\rho)`, so

    .. math::

        \hat\rho = s_{PP} / s_{PQ}, \qquad \hat\beta_P = 2 + 1/s_{PP}.

    **Procedure.**

    1. A random fraction ``source_holdout`` of the source rows is held out;
       the rest are the training rows.
    2. At each size :math:`n_k` of ``sizes``, ``n_repeats`` clones of
       ``estimator`` are fitted on subsamples (without replacement) of
       :math:`n_k` training rows. The subsamples of one size are
       consecutive blocks of a fresh random permutation of the training
       rows (disjoint while :math:`n_k \cdot` ``n_repeats`` rows fit), so
       the repeats are as independent as the data allow.
    3. Each fit's excess risks are its 0-1 risk on the source holdout
       (:math:`\hat E_P`) and on the whole target sample
       (:math:`\hat E_Q`) minus a reference risk. Target labels are only
       ever used for evaluation: the learning curve never trains on them.
       ``reference="refit"`` subtracts the risk, on that same sample, of
       the estimator refitted on it: for an empirical-risk minimiser,
       :math:`\min_{h \in H} \hat R(h)`, so :math:`\hat E(h) \ge 0` and the
       differences are paired (computed on the same points), as in the
       reference note. A pair of floats subtracts known class-optimal
       risks (e.g. :attr:`ThresholdDomain.bayes_risk
       <sktransfer.datasets.ThresholdDomain.bayes_risk>`), which is
       unbiased but not paired, hence much noisier.
       Every fit is stored by its *paired difference* with a fixed pivot
       hypothesis (the refit, or with known risks a fit on all training
       rows): the evaluation rows where their errors differ (reference
       note: "paired differences on the disagreement region").
    4. OLS of :math:`\log \overline{\hat E}` on :math:`\log n_k` over the
       sizes used gives the two slopes.
    5. Percentile intervals (:meth:`TransferExponentResult.conf_int`) come
       from a bootstrap that resamples the source-holdout rows and the
       target rows (multinomial weights on the paired differences, the
       pivot not refitted) and, independently at each size, the repeats.

    **Resolution floor.** The evaluation samples cannot resolve arbitrarily
    small excess risks. A mean excess risk is *resolved* when it exceeds
    ``2 ×`` the resolution floor of its sample and, on the target side,
    3 standard errors (over repeats). The floor is

    * with ``reference="refit"``: ``max(1/m, δ)`` for a sample of ``m``
      points, with ``δ`` the two-fold cross-fit gap
      :math:`\tfrac12[\hat R_B(h_A) - \hat R_B(h_B) + \hat R_A(h_B) -
      \hat R_A(h_A)]` averaged over 5 random half-splits. The refit
      reference is optimistic (:math:`\min_h \hat R(h) \le \hat R(h^*)`),
      which biases every :math:`\hat E` upwards by about the learner's own
      excess risk at sample size ``m``; ``δ`` is an estimate of that order
      (the excess risk plus optimism at ``m/2``), on the high side;
    * with given reference risks: the standard deviation
      :math:`\sqrt{R^*(1-R^*)/m}` of the holdout risk of a fixed classifier,
      an offset common to every fit.

    Unresolved sizes raise a :class:`ResolutionWarning` and are **dropped
    from the fit**: the refit bias flattens the learning curve where it is
    comparable to the excess risk and pulls :math:`\hat\rho` away from the
    truth (design S1, :math:`\rho = 2`: with sizes up to the training size
    and no size dropped, :math:`\hat\rho` had median 1.2-1.3; dropping the
    unresolved sizes brought it to 1.9). If
    fewer than 3 sizes are resolved, all sizes with positive means are
    used instead, with a warning that :math:`\hat\rho` is unreliable. The
    source side has no standard-error rule because excess risks of
    empirical-risk minimisers are heavy-tailed: with 20 repeats a mean is
    often within 3 standard errors of 0 without being unresolved.

    Parameters
    ----------
    estimator : scikit-learn classifier
        Cloned and refitted (:func:`sklearn.base.is_classifier` must hold);
        an empirical-risk minimiser over a fixed class (e.g.
        :class:`~sktransfer.planning.ThresholdClassifier`) matches the
        theory.
    X_source : array-like or sparse matrix of shape (n_source, n_features)
    y_source : array-like of shape (n_source,)
        At least two classes.
    X_target : array-like or sparse matrix of shape (n_target, n_features)
    y_target : array-like of shape (n_target,)
        Labels among those of ``y_source``.
    sizes : array-like of int, default=None
        Training sizes, strictly increasing, at least 3, between 2 and the
        number of training rows. Default: 8 sizes on a geometric grid from
        ``max(20, 2 n_classes)`` to ``min(n_train, n_holdout // 4)``. The
        top is kept well below the holdout size because the holdout cannot
        resolve excess risks of learners trained on about as many points as
        it holds (see the resolution floor); a ``ValueError`` asks for a
        larger sample when this range spans less than a factor of 4.
    n_repeats : int, default=20
        Fits per size, at least 2.
    source_holdout : float in (0, 1), default=0.3
        Fraction of the source rows held out for :math:`\hat E_P`.
    reference : "refit" or (float, float), default="refit"
        How the excess risk is measured (see above); a pair gives the
        class-optimal risks ``(R*_P, R*_Q)``, each in [0, 1].
    n_bootstrap : int, default=500
        Bootstrap replicates, at least 1.
    confidence : float in (0, 1), default=0.95
        Level of the reported intervals.
    random_state : int, Generator, SeedSequence, RandomState or None
        Randomness of the holdout split, the subsamples and the bootstrap
        (not of ``estimator``, which is cloned as it is).

    Returns
    -------
    TransferExponentResult

    Warns
    -----
    ResolutionWarning
        When some mean excess risks are unresolved, when a learning curve
        does not decrease, or when most bootstrap replicates are invalid.
    UserWarning
        When :math:`\hat\beta_P` falls outside [0, 1], the range of a
        Bernstein exponent (source slope outside :math:`[-1, -1/2]`), and so
        does its whole bootstrap interval at ``confidence``: the source
        learning curve does not follow the model over ``sizes``. An
        estimate outside [0, 1] whose interval overlaps it is common noise
        (with :math:`\beta_P = 1`, as in Massart noise, about half the
        estimates exceed 1) and is only noted in the summary.

    Notes
    -----
    Measured on the threshold designs of
    :func:`sktransfer.datasets.make_threshold_transfer` with
    :class:`~sktransfer.planning.ThresholdClassifier` and the defaults, 40
    data sets each, :math:`2\cdot 10^5` source and :math:`2\cdot 10^4`
    target rows: median :math:`\hat\rho` 1.01, 1.81 and 3.07 for
    :math:`\rho = 1, 2, 3` (S0, S1, S2), with 95% intervals covering
    :math:`\rho` in 95%, 80% and 97% of the data sets. S1 is biased
    downwards (the reference note's pilot: 1.86), so its intervals
    under-cover. With :math:`5\cdot 10^4` and :math:`10^4` rows: medians
    1.02, 1.83, 3.06, coverage 93%, 85%, 93%. Design S4, where :math:`\rho = 2` comes
    from covariate shift rather than from a noisier source, is estimated
    without that bias (median 1.87 over 6 data sets of :math:`5\cdot 10^4`
    and :math:`10^4` rows, 1.98 at :math:`2\cdot 10^5`/:math:`2\cdot 10^4`,
    every interval covering 2). For :math:`\rho = 1/2` (S3)
    the target excess risks of the source-trained learner (about
    :math:`n^{-2}`) are far below the target sample's floor: every size is
    unresolved and 39 of 40 estimates were flagged unreliable (median
    :math:`\hat\rho` 6, meaningless).

    The intervals treat the training rows as fixed and the repeats of one
    size as independent; repeats of subsamples larger than
    ``n_train / n_repeats`` overlap, which makes the intervals somewhat
    optimistic there. They do not cover the bias of the refit reference.

    References
    ----------
    .. [1] S. Hanneke and S. Kpotufe. On the value of target data in transfer
       learning. NeurIPS 2019.
    .. [2] S. Hanneke and S. Kpotufe. A more unified theory of transfer
       learning. arXiv 2408.16189, 2024.

    Examples
    --------
    >>> from sktransfer.datasets import make_threshold_transfer
    >>> from sktransfer.planning import ThresholdClassifier, estimate_transfer_exponent
    >>> X, y, d = make_threshold_transfer(50_000, 10_000, case="S2", random_state=0)
    >>> res = estimate_transfer_exponent(ThresholdClassifier(), X[d > 0], y[d > 0],
    ...                                  X[d < 0], y[d < 0], random_state=0)
    >>> 2 < res.rho < 4
    True
    """
    _check_classifier(estimator)
    X_source = _check_X(X_source, "X_source")
    y_source = _check_y(y_source, "y_source", X_source, "X_source")
    X_target = _check_X(X_target, "X_target")
    y_target = _check_y(y_target, "y_target", X_target, "X_target")
    if X_source.shape[1] != X_target.shape[1]:
        raise ValueError(
            f"X_source has {X_source.shape[1]} features but X_target has "
            f"{X_target.shape[1]}."
        )
    classes = np.unique(y_source)
    n_classes = classes.size
    if n_classes < 2:
        raise ValueError("y_source must hold at least 2 classes, got 1.")
    # Python equality (1 == 1.0, "1" != 1): numpy would cast mixed kinds
    known = set(classes.tolist())
    unknown = [v for v in np.unique(y_target).tolist() if v not in known]
    if unknown:
        shown = ", ".join(repr(v) for v in unknown[:5])
        raise ValueError(
            f"y_target holds labels that y_source does not ({shown}"
            f"{', ...' if len(unknown) > 5 else ''}); a classifier trained on "
            "the source never predicts them. The target labels must be among "
            "the source labels."
        )
    n_repeats = check_int(n_repeats, "n_repeats", 2)
    source_holdout = check_real(source_holdout, "source_holdout", 0, strict=True,
                                maximum=1, strict_maximum=True)
    reference = _check_reference(reference)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", 1)
    confidence = check_real(confidence, "confidence", 0, strict=True, maximum=1,
                            strict_maximum=True)
    rng = check_generator(random_state)

    n_source, n_target = X_source.shape[0], X_target.shape[0]
    n_holdout = int(round(source_holdout * n_source))
    n_train = n_source - n_holdout
    if n_holdout < 1 or n_train < 2:
        raise ValueError(
            f"source_holdout={source_holdout} leaves {n_holdout} holdout and "
            f"{n_train} training rows of {n_source}; both need rows (at least 2 "
            "for training)."
        )
    if sizes is None:
        sizes = _default_sizes(n_classes, n_train, n_holdout)
    else:
        sizes = _check_increasing_grid(sizes, "sizes", integer=True, minimum=2,
                                       maximum=n_train)

    perm = rng.permutation(n_source)
    hold, train = perm[:n_holdout], perm[n_holdout:]
    X_hold, y_hold = X_source[hold], y_source[hold]
    X_train, y_train = X_source[train], y_source[train]
    if np.unique(y_train).size < 2:
        raise ValueError("y_source: the training rows hold a single class.")

    if isinstance(reference, str):
        if np.unique(y_hold).size < 2:
            raise ValueError(
                "reference='refit' needs two classes in the source holdout; "
                "increase source_holdout or pass known reference risks."
            )
        if np.unique(y_target).size < 2:
            raise ValueError(
                "reference='refit' needs two classes in y_target; pass known "
                "reference risks instead."
            )
        # the pivots are the refits themselves: excess = paired difference
        pivot_source = clone(estimator).fit(X_hold, y_hold)
        pivot_target = clone(estimator).fit(X_target, y_target)
        floor_source = max(1.0 / n_holdout, _refit_floor(estimator, X_hold, y_hold,
                                                         rng))
        floor_target = max(1.0 / n_target, _refit_floor(estimator, X_target,
                                                        y_target, rng))
    else:
        # any fixed hypothesis serves as pivot of the paired differences
        pivot_source = pivot_target = clone(estimator).fit(X_train, y_train)
        floor_source = max(1.0 / n_holdout,
                           math.sqrt(reference[0] * (1 - reference[0]) / n_holdout))
        floor_target = max(1.0 / n_target,
                           math.sqrt(reference[1] * (1 - reference[1]) / n_target))
    eval_source = _PairedRisks(pivot_source, X_hold, y_hold)
    eval_target = _PairedRisks(pivot_target, X_target, y_target)
    if isinstance(reference, str):
        ref_source, ref_target = eval_source.pivot_risk, eval_target.pivot_risk
    else:
        ref_source, ref_target = reference

    for k, size in enumerate(sizes):
        order = rng.permutation(n_train)
        for r in range(n_repeats):
            idx = _subsample(order, int(size), r, y_train, rng)
            fitted = clone(estimator).fit(X_train[idx], y_train[idx])
            eval_source.add(fitted)
            eval_target.add(fitted)
    shape = (sizes.size, n_repeats)
    excess_source = eval_source.risks().reshape(shape) - ref_source
    excess_target = eval_target.risks().reshape(shape) - ref_target

    mean_source, mean_target = excess_source.mean(1), excess_target.mean(1)
    se_source = excess_source.std(1, ddof=1) / math.sqrt(n_repeats)
    se_target = excess_target.std(1, ddof=1) / math.sqrt(n_repeats)
    resolved_source = mean_source > RESOLUTION_FACTOR * floor_source
    resolved_target = ((mean_target > RESOLUTION_FACTOR * floor_target)
                       & (mean_target > RESOLUTION_N_SE * se_target))
    _warn_unresolved(sizes, mean_target, resolved_target, floor_target, "target",
                     "the target sample", n_target)
    _warn_unresolved(sizes, mean_source, resolved_source, floor_source, "source",
                     "the source holdout", n_holdout)

    used = resolved_source & resolved_target
    if used.sum() < MIN_FIT_POINTS:
        used = (mean_source > 0) & (mean_target > 0)
        if used.sum() < 2:
            raise ValueError(
                "the mean excess risks are positive at fewer than 2 sizes on "
                "both the source holdout and the target sample; nothing can be "
                "fitted (the evaluation samples cannot resolve these excess "
                "risks: use more data or smaller sizes)."
            )
        warnings.warn(
            f"only {int((resolved_source & resolved_target).sum())} of "
            f"{sizes.size} sizes are resolved on both sides; the slopes are "
            f"fitted on {int(used.sum())} sizes with positive mean excess risks "
            "and rho is unreliable.", ResolutionWarning, stacklevel=2)

    log_n = np.log(sizes[used].astype(np.float64))
    (slope_source, slope_target), (icpt_source, icpt_target) = _ols(
        log_n, np.log(np.vstack([mean_source[used], mean_target[used]])))
    if slope_source >= 0 or slope_target >= 0:
        which = "source" if slope_source >= 0 else "target"
        warnings.warn(
            f"the {which} learning curve does not decrease (slope_source="
            f"{slope_source:.3g}, slope_target={slope_target:.3g}); rho and "
            "beta_source are not meaningful.", ResolutionWarning, stacklevel=2)
    rho = float(_rho_from_slopes(slope_source, slope_target))
    beta_source = float(_beta_from_slope(slope_source))

    boot = _bootstrap_curves(eval_source, eval_target, ref_source, ref_target,
                             isinstance(reference, str), shape, used, log_n,
                             n_bootstrap, rng)
    if boot.shape[0] < n_bootstrap / 2:
        warnings.warn(
            f"only {boot.shape[0]} of {n_bootstrap} bootstrap replicates have "
            "positive mean excess risks at every size used; the intervals are "
            "unreliable.", ResolutionWarning, stacklevel=2)
    _warn_beta_out_of_range(beta_source, slope_source, boot[:, 1], confidence)

    return TransferExponentResult(
        rho=rho, beta_source=beta_source, slope_source=float(slope_source),
        slope_target=float(slope_target), intercept_source=float(icpt_source),
        intercept_target=float(icpt_target), sizes=sizes,
        mean_excess_source=mean_source, mean_excess_target=mean_target,
        se_excess_source=se_source, se_excess_target=se_target,
        excess_source=excess_source, excess_target=excess_target,
        resolved_source=resolved_source, resolved_target=resolved_target,
        used=used, resolution_floor=floor_target,
        resolution_floor_source=floor_source, reference_source=float(ref_source),
        reference_target=float(ref_target), reference=reference,
        n_source_train=n_train, n_source_holdout=n_holdout, n_target=n_target,
        n_repeats=n_repeats, confidence=confidence, bootstrap=boot,
        n_bootstrap=n_bootstrap)


def _warn_beta_out_of_range(beta_source, slope_source, boot_beta, confidence):
    """Warn when beta_source and its whole interval are outside [0, 1].

    A Bernstein exponent lies in [0, 1], but the estimate often strays out
    by sampling noise alone (with beta_P = 1, about half the time), so the
    warning needs the percentile interval to miss [0, 1] too. A source
    curve that does not decrease has its own warning.
    """
    lower, upper = _percentile_interval(boot_beta, confidence)
    if slope_source >= 0 or 0.0 <= beta_source <= 1.0 or (lower <= 1.0
                                                         and upper >= 0.0):
        return
    warnings.warn(
        f"beta_source={beta_source:.3g} and its {confidence:.0%} interval "
        f"[{lower:.3g}, {upper:.3g}] are outside [0, 1], the range of a "
        f"Bernstein exponent (slope_source={slope_source:.3g}; the model "
        "gives slopes between -1 and -1/2): the source learning curve does "
        "not follow the model over these sizes (e.g. the estimator is not an "
        "empirical-risk minimiser over a fixed class). rho does not depend on "
        "beta_source.", UserWarning, stacklevel=3)


def _check_classifier(estimator):
    """A clonable scikit-learn classifier (:func:`sklearn.base.is_classifier`)."""
    try:
        classifier = is_classifier(estimator)
    except (AttributeError, TypeError):  # not a scikit-learn estimator
        classifier = False
    if not classifier:
        raise TypeError(
            "estimator must be a scikit-learn classifier (is_classifier), got "
            f"{type(estimator).__name__}."
        )
    try:
        clone(estimator)
    except TypeError as exc:
        raise TypeError(f"estimator cannot be cloned: {exc}") from None


def _check_reference(reference):
    if isinstance(reference, str):
        return check_choice(reference, "reference", ("refit",))
    if (not isinstance(reference, tuple | list | np.ndarray)
            or len(reference) != 2):
        raise TypeError(
            "reference must be 'refit' or a pair (risk_source, risk_target) of "
            f"floats, got {reference!r}."
        )
    pair = []
    for value, name in zip(reference, ("reference[0]", "reference[1]"), strict=True):
        value = check_real(value, name, 0)
        if value > 1:
            raise ValueError(f"{name} must be a risk in [0, 1], got {value!r}.")
        pair.append(value)
    return tuple(pair)


def _default_sizes(n_classes, n_train, n_holdout):
    low = max(20, 2 * n_classes)
    high = min(n_train, n_holdout // 4)
    if high < 4 * low:
        raise ValueError(
            f"the default learning curve runs from {low} to min(n_train, "
            f"n_holdout // 4) = {high} source rows, less than a factor of 4; "
            "use a larger source sample or pass sizes explicitly."
        )
    return np.unique(np.round(np.geomspace(low, high, N_DEFAULT_SIZES)).astype(
        np.int64))


def _warn_unresolved(sizes, mean, resolved, floor, side, sample, n):
    if resolved.all():
        return
    bad = ", ".join(f"{s:,} ({m:.2g})" for s, m in zip(sizes[~resolved],
                                                        mean[~resolved], strict=True))
    extra = (f" or within {RESOLUTION_N_SE:g} standard errors of 0"
             if side == "target" else "")
    warnings.warn(
        f"mean {side} excess risks at sizes {bad} are not above "
        f"{RESOLUTION_FACTOR:g} x the resolution floor {floor:.2g} of {sample} "
        f"({n:,} rows){extra}: the {side} excess risks fall below what the "
        "holdout can resolve. These sizes are left out of the slope fit.",
        ResolutionWarning, stacklevel=3)


class _PairedRisks:
    """0-1 risks of many fitted hypotheses on one evaluation sample.

    Each hypothesis is stored as its paired difference with a fixed
    *pivot* hypothesis: the rows where their errors differ (the
    disagreement region) with values ``err_h - err_pivot`` in {-1, 1}. A
    risk is ``R(pivot) + sum(diff) / m``; under bootstrap weights ``w`` it is
    ``R_w(pivot) + diff @ w / m``, at the cost of the disagreement regions
    only (reference note, §A.8: "paired differences on the disagreement
    region").
    """

    def __init__(self, pivot, X, y):
        self.X, self.y = X, y
        self.m = y.shape[0]
        self.pivot_errors = np.asarray(pivot.predict(X)) != y
        self.pivot_risk = float(self.pivot_errors.mean())
        self.indices, self.values, self.indptr = [], [], [0]

    def add(self, fitted):
        errors = np.asarray(fitted.predict(self.X)) != self.y
        where = np.flatnonzero(errors != self.pivot_errors)
        self.indices.append(where)
        self.values.append(np.where(errors[where], 1.0, -1.0))
        self.indptr.append(self.indptr[-1] + where.size)

    def matrix(self):
        """The differences as a CSR matrix (float32: entries ±1, exact sums)."""
        return sp.csr_matrix(
            (np.concatenate(self.values).astype(np.float32),
             np.concatenate(self.indices), np.asarray(self.indptr)),
            shape=(len(self.indptr) - 1, self.m))

    def risks(self):
        diff = np.array([v.sum() for v in self.values])
        return self.pivot_risk + diff / self.m


def _bootstrap_curves(eval_source, eval_target, ref_source, ref_target, refit,
                      shape, used, log_n, n_bootstrap, rng, chunk=50):
    """Valid bootstrap replicates of (rho, beta_source, slope_source, slope_target).

    Each replicate resamples the source-holdout rows and the target rows
    (multinomial weights) and, independently at each size, the repeats. With
    ``refit`` the reference is the pivot (the refit) evaluated on the
    resampled rows (not refitted); otherwise the given risks.

    Only the rows in some fit's disagreement region (``U``) enter the paired
    differences, so a resample of ``m`` rows is drawn as: how many draws
    land in ``U``, on pivot errors outside ``U`` and elsewhere (one
    multinomial), then where in ``U`` (uniform). That is the same
    distribution as resampling all ``m`` rows, at the cost of ``|U|``.
    """
    n_sizes, n_repeats = shape
    rows = np.flatnonzero(np.repeat(used, n_repeats))
    sides = []
    for evaluation, reference in ((eval_source, ref_source),
                                  (eval_target, ref_target)):
        diff = evaluation.matrix()[rows].tocsc()
        region = np.flatnonzero(np.diff(diff.indptr))  # columns with entries
        diff = diff[:, region].tocsr()
        pivot_in = evaluation.pivot_errors[region].astype(np.float32)
        errors_out = int(evaluation.pivot_errors.sum() - pivot_in.sum())
        m = evaluation.m
        groups = np.array([region.size, errors_out, m - region.size - errors_out],
                          dtype=np.float64) / m
        sides.append((diff, pivot_in, region.size, m, groups, reference))
    k_used = int(used.sum())
    out = []
    for start in range(0, n_bootstrap, chunk):
        size = min(chunk, n_bootstrap - start)
        means = []
        pick = rng.integers(0, n_repeats, size=(size, k_used, n_repeats))
        for diff, pivot_in, n_region, m, groups, reference in sides:
            landed = rng.multinomial(m, groups, size=size)
            weights = np.zeros((n_region, size), dtype=np.float32)
            for b in range(size):
                weights[:, b] = np.bincount(rng.integers(0, n_region, landed[b, 0]),
                                            minlength=n_region)
            # (size, k_used * n_repeats); float32 sums of ±1 are exact below 2**24
            excess = np.asarray(diff @ weights, dtype=np.float64).T / m
            if not refit:
                pivot = (pivot_in @ weights).astype(np.float64) + landed[:, 1]
                excess += (pivot / m - reference)[:, None]
            excess = excess.reshape(size, k_used, n_repeats)
            means.append(np.take_along_axis(excess, pick, axis=2).mean(-1))
        mean_source, mean_target = means
        valid = np.all(mean_source > 0, axis=1) & np.all(mean_target > 0, axis=1)
        slope_source, _ = _ols(log_n, np.log(mean_source[valid]))
        slope_target, _ = _ols(log_n, np.log(mean_target[valid]))
        out.append(np.column_stack([_rho_from_slopes(slope_source, slope_target),
                                    _beta_from_slope(slope_source), slope_source,
                                    slope_target]))
    return np.concatenate(out, axis=0)

