"""Stable descriptions of study components, for checkpoint fingerprints.

A checkpoint may only be resumed by the same study, so DGMs, methods and
metrics are described by text that is the same in every process: no memory
addresses (``repr`` of a function or plain object has one), no elided arrays
(numpy's ``repr`` shortens long ones), no truncated estimators (scikit-learn
shortens long ``repr``\\ s).
"""

import functools
import hashlib
from collections.abc import Mapping

import numpy as np


def describe_value(value):
    """Text identifying ``value`` across processes (see the module docstring).

    Scalars and strings by ``repr``; arrays by dtype, shape and a hash of the
    bytes; lists, tuples and dicts element by element; estimators by class
    and parameters; functions and classes by module and qualified name;
    ``functools.partial`` by function and arguments; other objects by class
    and attributes.
    """
    if value is None or isinstance(value, bool | int | float | complex | str):
        return repr(value)
    if isinstance(value, np.generic):
        return repr(value.item())
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value)
        if data.dtype.hasobject:
            return f"ndarray[{', '.join(describe_value(v) for v in data.ravel())}]"
        digest = hashlib.sha256(data.tobytes()).hexdigest()[:16]
        return f"ndarray({data.dtype}, {data.shape}, sha256={digest})"
    if isinstance(value, list | tuple):
        inner = ", ".join(describe_value(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, Mapping):
        items = sorted((str(k), describe_value(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, functools.partial):
        return (f"partial({describe_value(value.func)}, {describe_value(value.args)}, "
                f"{describe_value(value.keywords)})")
    if isinstance(value, type) or callable(value) and not hasattr(value, "get_params"):
        if hasattr(value, "__qualname__"):
            return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    if hasattr(value, "get_params"):
        params = value.get_params(deep=False)
        return f"{_qualname(value)}({describe_value(params)})"
    if hasattr(value, "__dict__"):
        return f"{_qualname(value)}({describe_value(vars(value))})"
    return repr(value)


def _qualname(obj):
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"
