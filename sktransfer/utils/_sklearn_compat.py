"""The few scikit-learn internals sktransfer relies on, imported in one place.

scikit-learn >= 1.6 exposes ``validate_data`` publicly; parameter validation
(``HasMethods``, ``Interval``, ``StrOptions``, ``_fit_context``) and the
metadata-request mixin for splitters are still private there, so every use
goes through this module and a scikit-learn change is fixed once.
"""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metadata_routing import _MetadataRequester
from sklearn.utils.validation import validate_data

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_MetadataRequester",
    "_fit_context",
    "check_sample_weight",
    "validate_data",
]


def check_sample_weight(sample_weight, X):
    """Validate ``sample_weight`` for ``X``: finite, non-negative, not all zero.

    Returns float64 weights, or ``None`` when ``sample_weight`` is ``None``.
    """
    if sample_weight is None:
        return None
    from sklearn.utils.validation import _check_sample_weight

    weights = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight must be finite.")
    if not np.any(weights > 0):
        raise ValueError("sample_weight must not be all zero.")
    return weights
