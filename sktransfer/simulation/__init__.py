"""Monte-Carlo simulation studies: DGMs × methods × metrics × repetitions.

The ADEMP structure of Morris, White & Crowther (2019): data-generating
mechanisms (:class:`DGM`), estimands (the truth a DGM returns), methods
(:class:`Method`), performance measures (:class:`Metric` subclasses, each
with its Monte-Carlo standard error). :class:`Study` runs them with joblib
(any backend: loky on a laptop, dask on a cluster via :func:`dask_client`),
streams results to a checkpoint and resumes an interrupted run.
"""

from ._dask import dask_client
from ._dgm import DGM
from ._methods import Method, MethodOutput
from ._metrics import (
    METRICS,
    RMSE,
    Bias,
    Coverage,
    EmpiricalSE,
    FalsePositiveRate,
    FitTime,
    IntervalWidth,
    L1Error,
    L2Error,
    Metric,
    PredictionError,
    TruePositiveRate,
)
from ._result import StudyResult
from ._study import Study
from ._summary import StudySummary

__all__ = [
    "DGM",
    "METRICS",
    "RMSE",
    "Bias",
    "Coverage",
    "EmpiricalSE",
    "FalsePositiveRate",
    "FitTime",
    "IntervalWidth",
    "L1Error",
    "L2Error",
    "Method",
    "MethodOutput",
    "Metric",
    "PredictionError",
    "Study",
    "StudyResult",
    "StudySummary",
    "TruePositiveRate",
    "dask_client",
]
