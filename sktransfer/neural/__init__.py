"""Neural fine-tuning through a torch bridge (the ``torch`` extra).

scikit-learn-style estimators around a user's pretrained
:class:`torch.nn.Module`: fine-tuning with composable regularisers (L2-SP,
DELTA, Batch Spectral Shrinkage), a linear probe, Ladder Side-Tuning, and
snapshot ensembles and soups in the pre-train basin (StarSSE).

Importing :mod:`sktransfer` never imports torch; importing this subpackage
without torch raises an :class:`ImportError` that names the extra to install.
"""

try:
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a torch-less env
    raise ImportError(
        "sktransfer.neural needs PyTorch, which is not installed. Install the "
        "'torch' extra: pip install 'sktransfer[torch]' (install a CPU build "
        "first, e.g. pip install torch==2.13.0, to avoid pulling a CUDA build)."
    ) from exc

from ._base import FineTuningClassifier, FineTuningRegressor
from ._memory import SavedTensorBytes, count_trainable_parameters
from ._modules import MLP, TransformerBackbone
from ._regularizers import DELTA, L2SP, BatchSpectralShrinkage
from ._side_tuning import LadderSideTuningClassifier, LadderSideTuningRegressor
from ._snapshot import SnapshotEnsembleClassifier

__all__ = [
    "DELTA",
    "L2SP",
    "MLP",
    "BatchSpectralShrinkage",
    "FineTuningClassifier",
    "FineTuningRegressor",
    "LadderSideTuningClassifier",
    "LadderSideTuningRegressor",
    "SavedTensorBytes",
    "SnapshotEnsembleClassifier",
    "TransformerBackbone",
    "count_trainable_parameters",
]
