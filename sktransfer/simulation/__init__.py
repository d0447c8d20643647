"""Monte-Carlo simulation studies: DGMs × methods × metrics × repetitions.

The ADEMP structure of Morris, White & Crowther (2019): data-generating
mechanisms (:class:`DGM`), estimands (the truth a DGM returns), methods
(:class:`Method`), performance measures (:class:`Metric` subclasses, each
with its Monte-Carlo standard error). :class:`Study` runs them with joblib
(any backend: loky on a laptop, dask on a cluster via :func:`dask_client`),
streams results to a checkpoint and resumes an interrupted run. Study
files (TOML, :func:`load_study`) name DGMs and methods from the registries
``DGMS`` and ``METHODS``; they are what ``sktransfer simulate`` runs.
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
from ._registry import DGMS, METHODS, StudyParameterError, get_dgm, get_method
from ._result import StudyResult
from ._study import DEFAULT_METRICS, Study
from ._summary import StudySummary
from ._toml import StudyFileError, StudySpec, load_study, parse_study

__all__ = [
    "DEFAULT_METRICS",
    "DGM",
    "DGMS",
    "METHODS",
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
    "StudyFileError",
    "StudyParameterError",
    "StudyResult",
    "StudySpec",
    "StudySummary",
    "TruePositiveRate",
    "dask_client",
    "get_dgm",
    "get_method",
    "load_study",
    "parse_study",
]
