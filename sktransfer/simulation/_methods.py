"""Methods (the "M" of ADEMP): estimators or callables fitted to one data set."""

import time
from collections.abc import Mapping

import numpy as np
from sklearn.base import clone, is_classifier

from ._describe import describe_value
from ._dgm import has_keyword

_ROWS = ("auto", "target", "all")


class Method:
    """A method of a simulation study: how to fit one data set.

    Parameters
    ----------
    estimator : estimator or callable
        A scikit-learn style estimator, cloned for every data set, or a
        callable ``func(data, rng)`` returning a fitted estimator-like object
        (with ``coef_``, and ``predict``/``conf_int`` where the metrics need
        them) or a mapping with any of the keys ``coef``, ``y_pred`` (the
        prediction at ``data["X_test"]``) and ``conf_int`` (an array of shape
        ``(n_features, 2)`` at the 95% level).
    name : str, default=None
        Label in tables; by default the estimator's class name or the
        callable's ``__name__``.
    rows : {"auto", "target", "all"}, default="auto"
        Which rows an estimator is fitted on when the data carry a
        ``sample_domain``: ``"target"`` the target rows only (``d < 0``);
        ``"all"`` every row, without ``sample_domain`` (a pooled fit);
        ``"auto"`` every row with ``sample_domain=`` when the estimator's
        ``fit`` accepts it (for a :class:`~sklearn.pipeline.Pipeline`: when
        its final step's does, as ``<step>__sample_domain=``), otherwise the
        target rows. Ignored for callables.
    fit_params : dict, default=None
        Extra keyword arguments of ``fit``.

    Notes
    -----
    An estimator whose ``random_state`` (at any depth of ``get_params``) is
    ``None`` gets a seed drawn from the repetition's generator, so a study is
    reproducible from its own ``random_state``.

    Examples
    --------
    >>> from sklearn.linear_model import LassoCV
    >>> from sktransfer.simulation import Method
    >>> target_only = Method(LassoCV(), name="Lasso (target)")
    >>> pooled = Method(LassoCV(), name="Lasso (pooled)", rows="all")
    """

    def __init__(self, estimator, name=None, *, rows="auto", fit_params=None):
        is_estimator = _is_estimator(estimator)
        if is_estimator and isinstance(estimator, type):
            raise TypeError(
                f"estimator must be an estimator instance, got the class "
                f"{estimator.__name__}; pass {estimator.__name__}()."
            )
        if not is_estimator and not callable(estimator):
            raise TypeError(
                "estimator must be a scikit-learn style estimator or a callable, "
                f"got {type(estimator).__name__}."
            )
        if name is None:
            name = (type(estimator).__name__ if is_estimator
                    else getattr(estimator, "__name__", type(estimator).__name__))
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}.")
        if rows not in _ROWS:
            raise ValueError(f"rows must be one of {list(_ROWS)}, got {rows!r}.")
        if fit_params is None:
            fit_params = {}
        if not isinstance(fit_params, Mapping):
            raise TypeError(
                f"fit_params must be a dict, got {type(fit_params).__name__}."
            )
        self.estimator = estimator
        self.name = name
        self.rows = rows
        self.fit_params = dict(fit_params)
        self.is_estimator = is_estimator

    def fit(self, data, rng):
        """Fit one data set; return a :class:`MethodOutput`."""
        if not self.is_estimator:
            start = time.perf_counter()
            fitted = self.estimator(data, rng)
            elapsed = time.perf_counter() - start
            return MethodOutput(fitted, data, elapsed)
        estimator = _seeded_clone(self.estimator, rng)
        X, y, kwargs = self._fit_arguments(estimator, data)
        start = time.perf_counter()
        estimator.fit(X, y, **kwargs, **self.fit_params)
        elapsed = time.perf_counter() - start
        return MethodOutput(estimator, data, elapsed)

    def _fit_arguments(self, estimator, data):
        X, y = data["X"], data["y"]
        domain = data.get("sample_domain")
        if domain is None or self.rows == "all":
            return X, y, {}
        key = _sample_domain_key(estimator) if self.rows == "auto" else None
        if key is not None:
            return X, y, {key: domain}
        target = np.asarray(domain) < 0
        return X[target], np.asarray(y)[target], {}

    def describe(self):
        """A stable text description (for checkpoint fingerprints)."""
        what = describe_value(self.estimator)
        return (f"{self.name}|{what}|rows={self.rows}|"
                f"fit_params={describe_value(self.fit_params)}")

    def renamed(self, name):
        """This method under another name (itself if the name is the same)."""
        if name == self.name:
            return self
        return Method(self.estimator, name, rows=self.rows, fit_params=self.fit_params)

    def __repr__(self):
        return f"Method({self.estimator!r}, name={self.name!r}, rows={self.rows!r})"


def as_method(obj, name=None):
    """A :class:`Method` from a Method, an estimator or a callable."""
    if isinstance(obj, Method):
        return obj if name is None else obj.renamed(name)
    if not _is_estimator(obj) and not callable(obj):
        raise TypeError(
            "methods must hold estimators, callables or Method objects, got "
            f"{type(obj).__name__}."
        )
    return Method(obj, name)


class MethodOutput:
    """What metrics see of one fit: coefficients, predictions, intervals, time.

    Attributes are computed on first use, so a metric that does not need
    ``conf_int`` never pays for it.
    """

    def __init__(self, fitted, data, fit_time):
        self.fitted = fitted
        self.data = data
        self.fit_time = float(fit_time)
        self._cache = {}

    @property
    def is_mapping(self):
        return isinstance(self.fitted, Mapping)

    @property
    def is_classifier(self):
        return not self.is_mapping and is_classifier(self.fitted)

    def _get(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def coef(self):
        """The estimated coefficient vector, raveled."""
        def compute():
            if self.is_mapping:
                if "coef" not in self.fitted:
                    raise ValueError("the method's output has no 'coef'.")
                return np.ravel(np.asarray(self.fitted["coef"], dtype=float))
            est = _final_step(self.fitted)
            if not hasattr(est, "coef_"):
                raise ValueError(
                    f"{type(est).__name__} has no coef_ for a coefficient metric."
                )
            return np.ravel(np.asarray(est.coef_, dtype=float))
        return self._get("coef", compute)

    @property
    def y_pred(self):
        """The prediction at ``data["X_test"]``."""
        def compute():
            if "X_test" not in self.data:
                raise ValueError(
                    "prediction metrics need X_test and y_test in the DGM's data."
                )
            if self.is_mapping:
                if "y_pred" not in self.fitted:
                    raise ValueError("the method's output has no 'y_pred'.")
                return np.asarray(self.fitted["y_pred"])
            return np.asarray(self.fitted.predict(self.data["X_test"]))
        return self._get("y_pred", compute)

    def conf_int(self, level):
        """Confidence intervals at ``level``, an array of shape (n_features, 2)."""
        def compute():
            if self.is_mapping:
                if "conf_int" not in self.fitted:
                    raise ValueError("the method's output has no 'conf_int'.")
                if level != 0.95:
                    raise ValueError(
                        "a mapping output carries 95% intervals only, "
                        f"got level={level}."
                    )
                ci = self.fitted["conf_int"]
            else:
                est = _final_step(self.fitted)
                if not hasattr(est, "conf_int"):
                    raise ValueError(
                        f"{type(est).__name__} has no conf_int for an interval "
                        "metric."
                    )
                ci = est.conf_int(alpha=1 - level)
            return np.asarray(ci, dtype=float)
        return self._get(("conf_int", level), compute)

    @property
    def extras(self):
        """Scalar entries of a mapping output other than the reserved keys."""
        if not self.is_mapping:
            return {}
        return {k: v for k, v in self.fitted.items()
                if k not in ("coef", "y_pred", "conf_int") and np.ndim(v) == 0}


def _final_step(fitted):
    steps = getattr(fitted, "steps", None)
    return steps[-1][1] if steps else fitted


def _sample_domain_key(estimator):
    """The ``fit`` keyword that hands ``sample_domain`` on, or None.

    A Pipeline's ``fit`` takes ``**params``; it passes ``<step>__sample_domain``
    to its final step (DESIGN §4), which then sees every row and its domain.
    """
    if _fit_accepts(estimator, "sample_domain"):
        return "sample_domain"
    steps = getattr(estimator, "steps", None)
    if steps and hasattr(steps[-1][1], "fit") and _fit_accepts(steps[-1][1],
                                                               "sample_domain"):
        return f"{steps[-1][0]}__sample_domain"
    return None


def _fit_accepts(estimator, keyword):
    return has_keyword(estimator.fit, keyword)


def _is_estimator(obj):
    """Duck typing of scikit-learn estimators: ``fit`` and ``get_params``."""
    return hasattr(obj, "fit") and hasattr(obj, "get_params")


def _seeded_clone(estimator, rng):
    """Clone; seed every ``random_state`` that is ``None`` from ``rng``."""
    estimator = clone(estimator)
    unset = sorted(key for key, value in estimator.get_params(deep=True).items()
                   if (key == "random_state" or key.endswith("__random_state"))
                   and value is None)
    if unset:
        seeds = rng.integers(0, 2**31 - 1, size=len(unset))
        estimator.set_params(**{key: int(s) for key, s in zip(unset, seeds)})
    return estimator
