"""Data-generating mechanisms (the "D" of ADEMP) and their parameter grids."""

import inspect
from collections.abc import Mapping

import numpy as np
from sklearn.model_selection import ParameterGrid

from ._describe import describe_value


class DGM:
    """A data-generating mechanism: a simulator and a grid of its parameters.

    A simulation study draws one data set per (grid point, repetition) by
    calling ``func`` with a :class:`numpy.random.Generator` and the grid
    point's parameters. ``func`` is either

    * ``func(rng, **params)``, the plain form, or
    * a simulator with a ``random_state`` keyword (every simulator in
      :mod:`sktransfer.datasets`), called as ``func(**params, random_state=rng)``.

    It returns a mapping (a :class:`~sklearn.utils.Bunch` or a ``dict``)
    holding the training data and the truth:

    ``X``, ``y`` (required)
        Training rows (target and source rows stacked).
    ``sample_domain`` (optional)
        The domain label of each row (``< 0`` target, ``> 0`` a source; see
        :func:`sktransfer.utils.stack_domains`).
    ``coef`` (optional)
        The true target coefficients, the estimand of the coefficient
        metrics.
    ``X_test``, ``y_test`` (optional)
        Fresh target rows for the prediction-error metric.

    Parameters
    ----------
    func : callable
        The simulator.
    grid : dict of lists, list of such dicts, or None, default=None
        Parameter grid in the form of :class:`sklearn.model_selection.ParameterGrid`;
        ``None`` is the single point ``{}``.
    name : str, default=None
        Label in tables; by default the function's ``__name__``.
    params : dict, default=None
        Parameters passed at every grid point (fixed settings that are not
        varied); a grid value overrides a fixed one.

    Examples
    --------
    >>> from sktransfer.datasets import make_trans_lasso_regression
    >>> from sktransfer.simulation import DGM
    >>> dgm = DGM(make_trans_lasso_regression, grid={"h": [2, 6]},
    ...           params={"n_features": 50, "n_sources": 2})
    >>> for point in dgm.points():
    ...     print(point)
    {'n_features': 50, 'n_sources': 2, 'h': 2}
    {'n_features': 50, 'n_sources': 2, 'h': 6}
    """

    def __init__(self, func, grid=None, *, name=None, params=None):
        if not callable(func):
            raise TypeError(f"func must be callable, got {type(func).__name__}.")
        if name is None:
            name = getattr(func, "__name__", type(func).__name__)
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}.")
        if params is None:
            params = {}
        if not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict, got {type(params).__name__}.")
        try:
            self._grid = list(ParameterGrid(grid if grid is not None else {}))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"grid of DGM {name!r}: {exc}") from None
        self.func = func
        self.grid = grid
        self.name = name
        self.params = dict(params)
        self._takes_random_state = has_keyword(func, "random_state")

    def points(self):
        """The parameter dicts of the grid, fixed parameters included, in order."""
        return [{**self.params, **point} for point in self._grid]

    def sample(self, rng, params):
        """Draw one data set at ``params`` with generator ``rng``."""
        return check_data(self.draw(rng, params), self.name)

    def draw(self, rng, params):
        """What ``func`` returns at ``params`` (unchecked; see :meth:`sample`)."""
        if self._takes_random_state:
            return self.func(**params, random_state=rng)
        return self.func(rng, **params)

    def renamed(self, name):
        """This DGM under another name (itself if the name is the same)."""
        if name == self.name:
            return self
        return DGM(self.func, self.grid, name=name, params=self.params)

    def describe(self):
        """A stable text description (for checkpoint fingerprints)."""
        return (f"{self.name}|{describe_value(self.func)}|"
                f"grid={describe_value(self.grid)}|params={describe_value(self.params)}")

    def __repr__(self):
        return f"DGM({self.name!r}, grid={self.grid!r}, params={self.params!r})"


def as_dgm(obj):
    """A :class:`DGM` from a DGM or a bare callable (an empty grid)."""
    if isinstance(obj, DGM):
        return obj
    if callable(obj):
        return DGM(obj)
    raise TypeError(
        f"dgms must hold DGM objects or callables, got {type(obj).__name__}."
    )


def check_data(data, dgm_name):
    """The data mapping a DGM returned, with its arrays checked."""
    if not isinstance(data, Mapping):
        raise TypeError(
            f"DGM {dgm_name!r} must return a mapping (dict or Bunch) with X and y, "
            f"got {type(data).__name__}."
        )
    for key in ("X", "y"):
        if key not in data:
            raise ValueError(f"DGM {dgm_name!r} returned no {key!r}.")
    n = np.shape(data["X"])[0]
    if np.shape(data["y"])[0] != n:
        raise ValueError(
            f"DGM {dgm_name!r} returned X with {n} rows and y with "
            f"{np.shape(data['y'])[0]}."
        )
    domain = data.get("sample_domain")
    if domain is not None and np.shape(domain) != (n,):
        raise ValueError(
            f"DGM {dgm_name!r} returned a sample_domain of shape "
            f"{np.shape(domain)} for {n} rows."
        )
    if ("X_test" in data) != ("y_test" in data):
        raise ValueError(f"DGM {dgm_name!r} must return both X_test and y_test.")
    return data


def has_keyword(func, keyword):
    """Whether ``func``'s signature has a parameter named ``keyword``."""
    try:
        parameters = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return keyword in parameters
