"""Argument checks of plain (non-estimator) entry points: simulators, inference.

Also :func:`read_only`, the read-only copies held by result objects.
"""

import numbers

import numpy as np


def check_int(value, name, minimum):
    """An integer ``>= minimum`` (bools are rejected; ``minimum=None``: any)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int, got {type(value).__name__} {value!r}."
        )
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_real(value, name, minimum=None, strict=False, *, maximum=None,
               strict_maximum=False):
    """A finite real ``>= minimum`` (``> minimum`` when ``strict``).

    With ``maximum``, also ``<= maximum`` (``< maximum`` when
    ``strict_maximum``), and the message names the interval, e.g.
    ``"confidence must be in (0, 1), got 1.0."``. A 0-d array is read as its
    scalar.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__} {value!r}."
        )
    value = float(value)
    bad_bound = minimum is not None and (
        value < minimum or (strict and value == minimum)
    )
    if maximum is not None:
        above = value > maximum or (strict_maximum and value == maximum)
        if not np.isfinite(value) or bad_bound or above:
            low = "(-inf" if minimum is None else f"{'(' if strict else '['}{minimum}"
            high = f"{maximum}{')' if strict_maximum else ']'}"
            raise ValueError(f"{name} must be in {low}, {high}, got {value!r}.")
        return value
    if not np.isfinite(value) or bad_bound:
        bound = "" if minimum is None else f" and {'>' if strict else '>='} {minimum}"
        raise ValueError(f"{name} must be finite{bound}, got {value!r}.")
    return value


def read_only(values, dtype=np.float64):
    """A read-only copy of ``values`` as an ndarray of ``dtype``.

    For the array attributes of frozen result objects.
    """
    values = np.array(values, dtype=dtype)
    values.setflags(write=False)
    return values


def check_choice(value, name, choices):
    """One of ``choices`` (a ``TypeError`` for a non-string among strings)."""
    if all(isinstance(c, str) for c in choices) and not isinstance(value, str):
        raise TypeError(
            f"{name} must be one of {sorted(choices)} (a string), got {value!r}."
        )
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}.")
    return value


def check_generator(random_state):
    """A :class:`numpy.random.Generator` from any accepted ``random_state``.

    Accepts ``None`` (fresh entropy), a non-negative int seed, a
    ``Generator`` (used, not copied), a ``SeedSequence`` (as spawned by
    simulation studies, DESIGN §6) or a legacy ``RandomState`` (which only
    seeds a new ``Generator``).
    """
    if random_state is None or isinstance(
        random_state, np.random.Generator | np.random.SeedSequence
    ):
        return np.random.default_rng(random_state)
    is_int = isinstance(random_state, numbers.Integral)
    if is_int and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(
                f"random_state must be a non-negative int, got {random_state}."
            )
        return np.random.default_rng(int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1, size=4))
    raise TypeError(
        "random_state must be None, an int, a numpy Generator, SeedSequence or "
        f"RandomState, got {type(random_state).__name__}."
    )
