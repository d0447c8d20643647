"""Simulators with known ground truth (the papers' designs)."""

from ._concept_drift import make_concept_drift
from ._digits_transfer import load_digits_transfer
from ._glm_transfer import make_glm_transfer
from ._low_rank_tasks import LowRankTasks, make_low_rank_tasks
from ._shifted_tasks import make_shifted_tasks
from ._threshold_transfer import (
    THRESHOLD_CASES,
    ThresholdCase,
    ThresholdDomain,
    make_covariate_shift,
    make_threshold_transfer,
    threshold_rate_slopes,
    threshold_transfer_exponent,
)
from ._trans_lasso import make_trans_lasso_regression

__all__ = ["make_concept_drift", "make_glm_transfer", "make_trans_lasso_regression"]
__all__ += [
    "THRESHOLD_CASES",
    "ThresholdCase",
    "ThresholdDomain",
    "make_covariate_shift",
    "make_threshold_transfer",
    "threshold_rate_slopes",
    "threshold_transfer_exponent",
]
__all__ += ["LowRankTasks", "make_low_rank_tasks"]
__all__ += ["load_digits_transfer", "make_shifted_tasks"]
