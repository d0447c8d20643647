"""Task-diversity representation learning (Tripuraneni, Jordan & Jin).

Many related regression tasks sharing a low-dimensional linear
representation ``y = xᵀ B α_j + ε``: learn ``B`` from the tasks
(:class:`LinearRepresentation`) and fit a new task with few samples in the
learned space (:class:`RepresentationTransferRegressor`).
"""

from ._diagnostics import (
    IdentifiabilityWarning,
    RepresentationBound,
    TaskDiversity,
    TransferBound,
    mom_diversity,
    representation_bound,
    subspace_distance,
    task_diversity,
    transfer_bound,
)
from ._linear import LinearRepresentation, RepresentationTransferRegressor

__all__ = [
    "LinearRepresentation",
    "RepresentationTransferRegressor",
]
__all__ += [
    "IdentifiabilityWarning",
    "RepresentationBound",
    "TaskDiversity",
    "TransferBound",
    "mom_diversity",
    "representation_bound",
    "subspace_distance",
    "task_diversity",
    "transfer_bound",
]
