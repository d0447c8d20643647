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

__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"sktransfer.{name}")
    raise AttributeError(f"module 'sktransfer' has no attribute {name!r}")


def __dir__():
    return __all__
