r"""Estimating transfer exponents from data (diagnostics, not decisions).

Two estimators of the exponents that drive the minimax rates of
:mod:`sktransfer.planning._rates`; neither has a published counterpart, both
are the constructions (E1) and (E3) of the planning reference note (§A.8),
piloted there in simulation:

:func:`~sktransfer.planning.estimate_transfer_exponent` (E1, learning-curve slope ratio)
    Hanneke & Kpotufe's (NeurIPS 2019) transfer exponent :math:`\rho` and the
    source Bernstein exponent :math:`\beta_P` from labelled source data and
    labelled target data. Along the learning curve of a source-trained
    learner, :math:`E_P(\hat h_n) \asymp n^{-1/(2-\beta_P)}` and
    :math:`E_Q(\hat h_n) \asymp n^{-1/((2-\beta_P)\rho)}`, so the ratio of
    the two log-log slopes is :math:`\rho` (:math:`\beta_P` cancels).

:func:`~sktransfer.planning.estimate_covariate_shift_exponent` (E3, ball-mass ratios)
    Kpotufe & Martinet's (Ann. Statist. 2021) covariate-shift exponent
    :math:`\gamma` (:math:`P_X(B(x, r)) \ge C r^\gamma Q_X(B(x, r))`) from
    unlabelled source and target samples.

Hanneke & Kpotufe (arXiv 2408.16189) argue that such exponents are hard to
estimate and that decisions should use adaptive procedures
(:class:`~sktransfer.planning.AdaptiveTransferClassifier`, the sequential
planner); the estimates here are diagnostics. They measure the *effective*
exponent along one learner's path (E1) or at the observed radii (E3): the
definitions take a supremum over all hypotheses or an infimum over all
balls, so these are estimates from below of the worst case.

E1 lives in :mod:`._transfer_exponent` and E3 in
:mod:`._covariate_shift_exponent`; this module holds what they share:
:class:`ResolutionWarning`, the input checks and the slope fit.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array, check_consistent_length

__all__ = ["ResolutionWarning"]

#: Fewest resolved sizes (radii) a slope is fitted on before falling back.
MIN_FIT_POINTS = 3


class ResolutionWarning(UserWarning):
    """An excess risk or a ball-mass ratio is below what the data can resolve.

    Raised by :func:`~sktransfer.planning.estimate_transfer_exponent` when
    the mean target (or source) excess risk at some training size is not
    distinguishable from 0 on the evaluation sample, and by
    :func:`~sktransfer.planning.estimate_covariate_shift_exponent` when
    radii have too few points or balls so large that they hold nearly all
    the target points. The affected sizes (radii) are left out of the slope
    fit.
    """


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


def _named(name, check, *args, **kwargs):
    """``check(*args, **kwargs)``, its ``ValueError`` naming ``name``."""
    try:
        return check(*args, **kwargs)
    except ValueError as exc:
        if name in str(exc):
            raise
        raise ValueError(f"{name}: {exc}") from None


def _check_X(X, name, *, accept_sparse=True, accept_bool=True):
    """A finite numeric 2-d array (CSR when sparse) with a row and a column.

    :func:`sklearn.utils.check_array` does the work; a ``TypeError`` names
    ``name`` for non-numeric (and, unless ``accept_bool``, boolean) data.
    """
    if sp.issparse(X):
        dtype = X.dtype
    else:
        # DataFrame, list, ...: the dtype check_array would see
        dtype = np.asarray(X).dtype
        if dtype.kind == "O":
            try:
                np.asarray(X, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(
                    f"{name} must hold numbers, got dtype object.") from None
            dtype = np.dtype(np.float64)
    if dtype.kind not in "biuf" or (dtype.kind == "b" and not accept_bool):
        kinds = "numbers" if accept_bool else "numbers (not booleans)"
        raise TypeError(f"{name} must hold {kinds}, got dtype {dtype}.")
    return _named(name, check_array, X, accept_sparse="csr" if accept_sparse else False,
                  dtype="numeric", input_name=name)


def _check_y(y, name, X, X_name):
    """1-d labels (a single column is flattened) with one per row of ``X``."""
    y = _named(name, check_array, y, ensure_2d=False, dtype=None, input_name=name,
               ensure_min_samples=0)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-d, got shape {y.shape}.")
    try:
        check_consistent_length(X, y)
    except ValueError:
        raise ValueError(
            f"{name} has {y.shape[0]} entries but {X_name} has {X.shape[0]} rows."
        ) from None
    return y


def _check_increasing_grid(values, name, *, integer, minimum, maximum=None):
    """A 1-d strictly increasing grid of at least ``MIN_FIT_POINTS`` entries."""
    if isinstance(values, str | bytes) or np.ndim(values) != 1:
        raise TypeError(f"{name} must be a 1-d sequence of numbers, got {values!r}.")
    arr = np.asarray(values)
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}.")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite.")
        if integer and np.any(arr != np.round(arr)):
            raise TypeError(f"{name} must hold integers, got {arr.tolist()}.")
    arr = arr.astype(np.int64 if integer else np.float64)
    if arr.size < MIN_FIT_POINTS:
        raise ValueError(
            f"{name} must have at least {MIN_FIT_POINTS} entries to fit a slope, "
            f"got {arr.size}."
        )
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing, got {arr.tolist()}.")
    too_small = arr[0] < minimum if integer else arr[0] <= minimum
    if too_small:
        bound = f">= {minimum}" if integer else f"> {minimum}"
        raise ValueError(f"{name} must be {bound}, got {arr.tolist()}.")
    if maximum is not None and arr[-1] > maximum:
        raise ValueError(
            f"{name} must be <= {maximum:,} (the data available), got "
            f"{arr[-1].item():,}."
        )
    return arr


# ---------------------------------------------------------------------------
# fits and intervals
# ---------------------------------------------------------------------------


def _ols(x, Y):
    """Slopes and intercepts of ``Y[..., j]`` on ``x`` (last axis)."""
    xc = x - x.mean()
    slope = (Y - Y.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)
    return slope, Y.mean(axis=-1) - slope * x.mean()


def _percentile_interval(samples, confidence):
    """Percentile interval; ``inverted_cdf`` so infinite replicates are safe."""
    if samples.size == 0:
        return -np.inf, np.inf
    tail = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(samples, [tail, 1.0 - tail], method="inverted_cdf")
    return float(lower), float(upper)
