"""sktransfer: statistical transfer learning in the scikit-learn style.

Importing the package is cheap: it compiles no kernel and imports neither
torch, cupy nor dask. Subpackages are imported on first attribute access.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = [
    "datafits",
    "datasets",
    "inference",
    "linear_model",
    "model_selection",
    "penalties",
    "planning",
    "representation",
    "simulation",
    "solvers",
    "utils",
]

# Subpackages of an optional extra: reachable as attributes, but left out of
# __all__ so that walking it (or ``from sktransfer import *``) needs no torch.
_OPTIONAL_SUBMODULES = ["neural"]

__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name):
    if name in _SUBMODULES or name in _OPTIONAL_SUBMODULES:
        return importlib.import_module(f"sktransfer.{name}")
    raise AttributeError(f"module 'sktransfer' has no attribute {name!r}")


def __dir__():
    return __all__
