"""Performance measures (the "P" of ADEMP), each with its Monte-Carlo s.e.

A metric has two parts. :meth:`Metric.evaluate` turns one fit into one
number (a row of the study's long table); :meth:`Metric.aggregate` turns the
``R`` numbers of a (data-generating mechanism, method) cell into an estimate
and its Monte-Carlo standard error (MCSE). The formulas are those of Morris,
White & Crowther (2019, Table 6):

* mean of a per-repetition value :math:`v`: :math:`\\bar v`, MCSE
  :math:`s_v/\\sqrt{R}`;
* bias of :math:`\\hat\\theta`, with errors :math:`e = \\hat\\theta - \\theta`:
  :math:`\\bar e`, MCSE :math:`s_e/\\sqrt{R}`;
* empirical SE: :math:`s_{\\hat\\theta}`, MCSE
  :math:`s_{\\hat\\theta}/\\sqrt{2(R-1)}`;
* RMSE: :math:`\\sqrt{\\overline{e^2}}`, MCSE
  :math:`s_{e^2}/(2\\sqrt{R}\\,\\mathrm{RMSE})`.

(``s`` is the sample standard deviation with ``R − 1`` in the denominator;
the RMSE's MCSE is the delta method applied to the MCSE of the MSE.) Coverage
is the mean of the per-repetition indicator (or share of coordinates)
covered, so its MCSE is ``s/√R`` — for a single coordinate this is Morris et
al.'s :math:`\\sqrt{c(1-c)/R}` up to the factor :math:`\\sqrt{R/(R-1)}`.

References
----------
.. [1] T. P. Morris, I. R. White and M. J. Crowther. Using simulation studies
   to evaluate statistical methods. Statistics in Medicine 38(11), 2019.
"""

import numbers

import numpy as np

from ._describe import describe_value


class Metric:
    """Base class: a per-repetition value and its aggregate over repetitions.

    Subclasses set ``name`` and implement :meth:`evaluate`; the default
    :meth:`aggregate` is the mean with MCSE ``s/√R``. ``needs`` names what
    the metric reads from a fit (``"coef"``, ``"y_pred"``, ``"conf_int"``)
    so that a study can refuse an impossible combination before it runs.
    """

    name = "metric"
    needs = ()
    reproducible = True

    def evaluate(self, output, data):
        """One number from one fit (a :class:`MethodOutput`) and its data."""
        raise NotImplementedError

    def aggregate(self, values):
        """``(estimate, mcse)`` from the per-repetition values."""
        return _mean_and_se(values)

    def check_data(self, data):
        """Raise ``ValueError`` when a DGM's data lack what this metric reads.

        Called on every data set before the methods are fitted (and by study
        files when they are read), so that a metric that cannot apply stops
        the study at once instead of failing every repetition.
        """
        if "coef" in self.needs or "conf_int" in self.needs:
            if "coef" not in data:
                raise ValueError(
                    f"metric {self.name!r} needs the true 'coef' in the DGM's data."
                )
        if "y_pred" in self.needs and not ("X_test" in data and "y_test" in data):
            raise ValueError(
                f"metric {self.name!r} needs X_test and y_test in the DGM's data "
                "(the n_test argument of the simulators in sktransfer.datasets)."
            )

    def describe(self):
        """A stable text description (for checkpoint fingerprints)."""
        return describe_value(self)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r})"


def _mean_and_se(values):
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return np.nan, np.nan
    mean = float(values.mean())
    se = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return mean, se


def _truth(data, key="coef"):
    if key not in data:
        raise ValueError(f"this metric needs the true {key!r} in the DGM's data.")
    return np.ravel(np.asarray(data[key], dtype=float))


def _support(coef, threshold):
    return np.abs(coef) > threshold


class L2Error(Metric):
    """Estimation error :math:`\\|\\hat\\beta - \\beta\\|_2`."""

    name = "l2_error"
    needs = ("coef",)

    def evaluate(self, output, data):
        return float(np.linalg.norm(_matched(output.coef, data) - _truth(data)))


class L1Error(Metric):
    """Estimation error :math:`\\|\\hat\\beta - \\beta\\|_1`."""

    name = "l1_error"
    needs = ("coef",)

    def evaluate(self, output, data):
        return float(np.abs(_matched(output.coef, data) - _truth(data)).sum())


def _matched(coef, data):
    truth = _truth(data)
    if coef.shape != truth.shape:
        raise ValueError(
            f"the estimate has {coef.size} coefficients, the truth {truth.size}."
        )
    return coef


class PredictionError(Metric):
    """Test error at the DGM's ``X_test``, ``y_test``.

    Parameters
    ----------
    loss : {"auto", "squared", "misclassification"}, default="auto"
        Mean squared error, or the misclassification rate; ``"auto"`` is the
        latter for classifiers.
    """

    name = "prediction_error"
    needs = ("y_pred",)

    def __init__(self, loss="auto"):
        if loss not in ("auto", "squared", "misclassification"):
            raise ValueError(
                "loss must be 'auto', 'squared' or 'misclassification', "
                f"got {loss!r}."
            )
        self.loss = loss

    def evaluate(self, output, data):
        y_pred = np.ravel(output.y_pred)  # first: clear error without X_test
        y_test = np.ravel(np.asarray(data["y_test"]))
        if y_pred.shape != y_test.shape:
            raise ValueError(
                f"{self.name}: {y_pred.size} predictions for {y_test.size} test rows."
            )
        loss = self.loss
        if loss == "auto":
            loss = "misclassification" if output.is_classifier else "squared"
        if loss == "misclassification":
            return float(np.mean(y_pred != y_test))
        return float(np.mean((np.asarray(y_test, float) - y_pred) ** 2))

    def __repr__(self):
        return f"PredictionError(loss={self.loss!r})"


class _SupportRate(Metric):
    needs = ("coef",)

    def __init__(self, threshold=0.0):
        if not isinstance(threshold, numbers.Real) or not threshold >= 0:
            raise ValueError(f"threshold must be a real >= 0, got {threshold!r}.")
        self.threshold = float(threshold)

    def _base(self, data):
        """The true non-zeros (TPR) or zeros (FPR): the rate's denominator."""
        truth = _support(_truth(data), 0.0)
        base = truth if self.on_true_support else ~truth
        if not base.any():
            kind = "non-zero" if self.on_true_support else "zero"
            raise ValueError(
                f"metric {self.name!r} is undefined: the true coefficients have "
                f"no {kind} entries."
            )
        return base

    def check_data(self, data):
        super().check_data(data)
        self._base(data)

    def evaluate(self, output, data):
        base = self._base(data)
        found = _support(_matched(output.coef, data), self.threshold)
        return float(found[base].mean())

    def __repr__(self):
        return f"{type(self).__name__}(threshold={self.threshold!r})"


class TruePositiveRate(_SupportRate):
    """Share of the true non-zeros estimated non-zero (``|β̂_j| > threshold``)."""

    name = "tpr"
    on_true_support = True


class FalsePositiveRate(_SupportRate):
    """Share of the true zeros estimated non-zero (``|β̂_j| > threshold``)."""

    name = "fpr"
    on_true_support = False


class _ScalarEstimand(Metric):
    """A metric of one coefficient, the scalar estimand ``θ = β_j``."""

    needs = ("coef",)

    def __init__(self, coef=0):
        if isinstance(coef, bool) or not isinstance(coef, numbers.Integral):
            raise TypeError(f"coef must be an int index, got {coef!r}.")
        self.coef = int(coef)
        self.name = f"{self.base_name}[{self.coef}]"

    def check_data(self, data):
        super().check_data(data)
        self._check_index(_truth(data).size)

    def _check_index(self, size):
        if not -size <= self.coef < size:
            raise ValueError(
                f"metric {self.name!r}: coef={self.coef} is out of range for "
                f"{size} coefficients."
            )

    def _estimate_and_truth(self, output, data):
        truth = _truth(data)
        self._check_index(truth.size)
        return _matched(output.coef, data)[self.coef], truth[self.coef]

    def __repr__(self):
        return f"{type(self).__name__}(coef={self.coef})"


class Bias(_ScalarEstimand):
    """Bias :math:`E\\hat\\theta - \\theta` of one coefficient (``coef=j``).

    Stored per repetition as the error :math:`\\hat\\theta_r - \\theta_r`.
    """

    base_name = "bias"

    def evaluate(self, output, data):
        estimate, truth = self._estimate_and_truth(output, data)
        return float(estimate - truth)


class EmpiricalSE(_ScalarEstimand):
    """Empirical standard error of one coefficient's estimate.

    Stored per repetition as the estimate; aggregated as its standard
    deviation over repetitions, MCSE :math:`\\hat{SE}/\\sqrt{2(R-1)}`.
    """

    base_name = "empirical_se"

    def evaluate(self, output, data):
        return float(self._estimate_and_truth(output, data)[0])

    def aggregate(self, values):
        values = np.asarray(values, dtype=float)
        if values.size < 2:
            return np.nan, np.nan
        sd = float(values.std(ddof=1))
        return sd, sd / np.sqrt(2 * (values.size - 1))


class RMSE(_ScalarEstimand):
    """Root mean squared error of one coefficient's estimate.

    Stored per repetition as the squared error; MCSE by the delta method.
    """

    base_name = "rmse"

    def evaluate(self, output, data):
        estimate, truth = self._estimate_and_truth(output, data)
        return float((estimate - truth) ** 2)

    def aggregate(self, values):
        mse, mse_se = _mean_and_se(values)
        rmse = float(np.sqrt(mse))
        if rmse == 0.0:
            return rmse, 0.0
        return rmse, mse_se / (2 * rmse)


class _IntervalMetric(Metric):
    """A metric of confidence intervals on a set of coordinates."""

    needs = ("conf_int",)

    def __init__(self, coef="all", level=0.95):
        if isinstance(coef, str):
            if coef not in ("all", "support", "zeros"):
                raise ValueError(
                    "coef must be an int, a list of ints, 'all', 'support' or "
                    f"'zeros', got {coef!r}."
                )
            label = coef
        else:
            indices = np.atleast_1d(np.asarray(coef))
            if indices.ndim != 1 or indices.size == 0 or indices.dtype.kind not in "iu":
                raise TypeError(
                    "coef must be an int, a list of ints, 'all', 'support' or "
                    f"'zeros', got {coef!r}."
                )
            coef = [int(i) for i in indices]
            label = ",".join(map(str, coef))
        if not isinstance(level, numbers.Real) or not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level!r}.")
        self.coef = coef
        self.level = float(level)
        self.name = self.base_name if coef == "all" else f"{self.base_name}[{label}]"

    def _coordinates(self, truth):
        if self.coef == "all":
            return np.arange(truth.size)
        if self.coef == "support":
            return np.flatnonzero(truth != 0)
        if self.coef == "zeros":
            return np.flatnonzero(truth == 0)
        idx = np.asarray(self.coef)
        if np.any(idx >= truth.size) or np.any(idx < -truth.size):
            raise ValueError(f"metric {self.name!r}: coef={self.coef} is out of "
                             f"range for {truth.size} coefficients.")
        return idx

    def check_data(self, data):
        super().check_data(data)
        if self._coordinates(_truth(data)).size == 0:
            raise ValueError(
                f"metric {self.name!r}: coef={self.coef!r} selects no coordinate "
                "of the true coefficients."
            )

    def _intervals(self, output, data):
        truth = _truth(data)
        ci = output.conf_int(self.level)
        if ci.shape != (truth.size, 2):
            raise ValueError(
                f"conf_int has shape {ci.shape}; expected ({truth.size}, 2) "
                "(lower and upper bound of each coefficient)."
            )
        if np.any(ci[:, 0] > ci[:, 1]):
            raise ValueError("conf_int has lower bounds above upper bounds.")
        idx = self._coordinates(truth)
        return ci[idx], truth[idx]

    def __repr__(self):
        return f"{type(self).__name__}(coef={self.coef!r}, level={self.level!r})"


class Coverage(_IntervalMetric):
    """Coverage of the confidence intervals of the selected coefficients.

    Per repetition, the share of the selected coordinates whose interval
    (at ``level``, from the method's ``conf_int``) contains the truth.

    Parameters
    ----------
    coef : int, list of int, {"all", "support", "zeros"}, default="all"
        Which coefficients.
    level : float, default=0.95
        Confidence level of the intervals.
    """

    base_name = "coverage"

    def evaluate(self, output, data):
        ci, truth = self._intervals(output, data)
        return float(np.mean((ci[:, 0] <= truth) & (truth <= ci[:, 1])))


class IntervalWidth(_IntervalMetric):
    """Mean width of the confidence intervals of the selected coefficients.

    Parameters
    ----------
    coef : int, list of int, {"all", "support", "zeros"}, default="all"
        Which coefficients.
    level : float, default=0.95
        Confidence level of the intervals.
    """

    base_name = "interval_width"

    def evaluate(self, output, data):
        ci, _ = self._intervals(output, data)
        return float(np.mean(ci[:, 1] - ci[:, 0]))


class FitTime(Metric):
    """Wall-clock seconds of the fit (``time.perf_counter``).

    The only metric that is not reproducible: it is left out of the
    comparisons that check a study's results are identical across runs.
    """

    name = "fit_time"
    needs = ()
    reproducible = False

    def evaluate(self, output, data):
        return output.fit_time


METRICS = {
    "l2_error": L2Error,
    "l1_error": L1Error,
    "prediction_error": PredictionError,
    "tpr": TruePositiveRate,
    "fpr": FalsePositiveRate,
    "bias": Bias,
    "empirical_se": EmpiricalSE,
    "rmse": RMSE,
    "coverage": Coverage,
    "interval_width": IntervalWidth,
    "fit_time": FitTime,
}


def get_metric(metric):
    """A :class:`Metric` from an instance or a name in ``METRICS``."""
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, str):
        if metric not in METRICS:
            raise ValueError(
                f"metrics: unknown metric {metric!r}; known: "
                f"{', '.join(sorted(METRICS))}."
            )
        return METRICS[metric]()
    raise TypeError(
        f"metrics must hold Metric objects or names, got {type(metric).__name__}."
    )
