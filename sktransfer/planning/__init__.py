"""Sample-budget planning from transfer exponents.

Minimax rates in the source and target sample sizes (Hanneke & Kpotufe,
NeurIPS 2019; Kpotufe & Martinet, Ann. Statist. 2021), calculators of the
budget-optimal allocation, estimators of the exponents from data, and
learners that adapt to an unknown transfer exponent.
"""

from ._adaptive import AdaptiveTransferClassifier
from ._budget import Allocation, BudgetPlan, SampleBudgetPlanner, TargetDataValue
from ._covariate_shift_exponent import (
    CovariateShiftExponentResult,
    estimate_covariate_shift_exponent,
)
from ._exponents import ResolutionWarning
from ._hypotheses import IntervalClassifier, StumpClassifier, ThresholdClassifier
from ._rates import minimax_rate
from ._sequential import SequentialPlan, SequentialSamplingPlanner
from ._transfer_exponent import TransferExponentResult, estimate_transfer_exponent

__all__ = [
    "AdaptiveTransferClassifier",
    "Allocation",
    "BudgetPlan",
    "CovariateShiftExponentResult",
    "IntervalClassifier",
    "ResolutionWarning",
    "SampleBudgetPlanner",
    "SequentialPlan",
    "SequentialSamplingPlanner",
    "StumpClassifier",
    "TargetDataValue",
    "ThresholdClassifier",
    "TransferExponentResult",
    "estimate_covariate_shift_exponent",
    "estimate_transfer_exponent",
    "minimax_rate",
]
