"""Named data-generating mechanisms and methods for study files.

A study file (see :func:`sktransfer.simulation._toml.load_study`) refers to
simulators and estimators by name. The names live in two dicts:

* :data:`DGMS` maps a DGM name to a simulator of :mod:`sktransfer.datasets`;
  its parameters are passed through unchanged.
* :data:`METHODS` maps a method name to a *factory*: a function taking
  keyword parameters and returning a :class:`~sktransfer.simulation.Method`.

:func:`get_dgm` and :func:`get_method` build a :class:`DGM` or a
:class:`Method` from a name and parameters, checking the parameter names
(and, for estimators, their values) before anything runs. To add a name,
add an entry to the dict: a simulator taking ``random_state=`` for
:data:`DGMS`, a factory ``f(**params) -> Method`` for :data:`METHODS` that
raises :class:`StudyParameterError` for a bad parameter.
"""

import inspect
import re

from ..datasets import make_glm_transfer, make_trans_lasso_regression
from ._dgm import DGM
from ._methods import Method

FAMILIES = ("gaussian", "poisson", "binomial")


class StudyParameterError(ValueError):
    """A bad parameter of a named DGM or method.

    Parameters
    ----------
    message : str
        What is wrong, naming the DGM or method and the parameter.
    param : str or None, default=None
        The offending parameter, when one is to blame (study files use it
        to point at the key).
    """

    def __init__(self, message, param=None):
        super().__init__(message)
        self.param = param


# ---------------------------------------------------------------------------
# Data-generating mechanisms
# ---------------------------------------------------------------------------

#: Named simulators: the ``name`` of a ``[[dgm]]`` table of a study file.
DGMS = {
    "trans_lasso_regression": make_trans_lasso_regression,
    "glm_transfer": make_glm_transfer,
}


def get_dgm(name, params=None, grid=None, *, label=None):
    """A :class:`DGM` from a name of :data:`DGMS`.

    Parameters
    ----------
    name : str
        A key of :data:`DGMS`: ``"trans_lasso_regression"``
        (:func:`~sktransfer.datasets.make_trans_lasso_regression`, the
        design of Li, Cai & Li, 2022) or ``"glm_transfer"``
        (:func:`~sktransfer.datasets.make_glm_transfer`, the design of Tian
        & Feng, 2023).
    params : dict, default=None
        Fixed arguments of the simulator.
    grid : dict of lists, default=None
        Arguments varied over the study's cells (a grid value overrides a
        fixed one).
    label : str, default=None
        The DGM's name in tables; by default ``name``.

    Returns
    -------
    DGM

    Raises
    ------
    StudyParameterError
        For an unknown name, or an argument the simulator does not take
        (``random_state`` is set by the study and refused too).
    """
    func = _lookup(DGMS, name, "DGM")
    params = {} if params is None else dict(params)
    grid = {} if grid is None else dict(grid)
    accepted = _keywords(func) - {"random_state"}
    for key in [*params, *grid]:
        if key == "random_state":
            raise StudyParameterError(
                f"DGM {name!r}: random_state is set by the study (from its "
                "seed); remove it.", param=key)
        if key not in accepted:
            raise StudyParameterError(
                f"DGM {name!r} ({func.__name__}) has no parameter {key!r}; it "
                f"takes {', '.join(sorted(accepted))}.", param=key)
    return DGM(func, grid or None, name=label or name, params=params)


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------


def lasso(family="gaussian", **params):
    """Target-only Lasso: fitted on the target rows alone.

    For ``family="gaussian"`` this is scikit-learn's
    :class:`~sklearn.linear_model.LassoCV` (``alpha`` minimising the
    cross-validated error), the baseline of the Trans-Lasso paper. For
    ``"poisson"`` and ``"binomial"``, which scikit-learn has no
    cross-validated L1 estimator for, it is
    :class:`~sktransfer.linear_model.TransGLMRegressor` /
    :class:`~sktransfer.linear_model.TransGLMClassifier` with
    ``transfer_sources=None`` (the glmnet-style L1 GLM on the target rows,
    penalty chosen by ``lambda_debias``, ``"lambda_min"`` by default).

    Parameters
    ----------
    family : {"gaussian", "poisson", "binomial"}, default="gaussian"
        Response family.
    **params
        Parameters of the estimator (``transfer_sources`` is fixed).

    Returns
    -------
    Method
        Named ``"Lasso (target)"``, fitted on the target rows.
    """
    estimator = _lasso_estimator("lasso", family, params)
    return Method(estimator, "Lasso (target)", rows="target")


def pooled_lasso(family="gaussian", **params):
    """Pooled Lasso: the estimator of :func:`lasso` fitted on every row.

    Target and source rows are stacked and treated alike (no
    ``sample_domain``), so the fit borrows from every source, helpful or
    not.

    Parameters
    ----------
    family : {"gaussian", "poisson", "binomial"}, default="gaussian"
        Response family.
    **params
        Parameters of the estimator (``transfer_sources`` is fixed).

    Returns
    -------
    Method
        Named ``"Lasso (pooled)"``, fitted on all rows.
    """
    estimator = _lasso_estimator("pooled_lasso", family, params)
    return Method(estimator, "Lasso (pooled)", rows="all")


def transfer_lasso(**params):
    """Transfer Lasso (Takada & Fujisawa, 2020) with a pooled-source Lasso.

    :class:`~sktransfer.linear_model.TransferLassoCV` fitted with the
    study's ``sample_domain``: the source estimate ``β̃`` is a
    cross-validated Lasso on the source rows pooled, and ``alpha`` and
    ``l1_ratio`` are chosen by cross-validation on the target rows (which
    alone enter the Transfer Lasso fit). ``source_coef`` is therefore fixed
    (to ``None``).

    Parameters
    ----------
    **params
        Parameters of :class:`~sktransfer.linear_model.TransferLassoCV`.

    Returns
    -------
    Method
        Named ``"Transfer Lasso"``.
    """
    from ..linear_model import TransferLassoCV

    estimator = _build("transfer_lasso", TransferLassoCV, params,
                       fixed={"source_coef": None})
    return Method(estimator, "Transfer Lasso", rows="auto")


def trans_lasso(**params):
    """Trans-Lasso (Li, Cai & Li, 2022), fitted with ``sample_domain``.

    Parameters
    ----------
    **params
        Parameters of :class:`~sktransfer.linear_model.TransLasso`.

    Returns
    -------
    Method
        Named ``"Trans-Lasso"``.
    """
    from ..linear_model import TransLasso

    return Method(_build("trans_lasso", TransLasso, params), "Trans-Lasso",
                  rows="auto")


def trans_glm(family="gaussian", **params):
    """Trans-GLM (Tian & Feng, 2023), fitted with ``sample_domain``.

    Parameters
    ----------
    family : {"gaussian", "poisson", "binomial"}, default="gaussian"
        Response family: :class:`~sktransfer.linear_model.TransGLMRegressor`
        for ``"gaussian"`` and ``"poisson"``,
        :class:`~sktransfer.linear_model.TransGLMClassifier` for
        ``"binomial"``.
    **params
        Parameters of the estimator, e.g. ``transfer_sources="all"`` for
        Pooled-Trans-GLM.

    Returns
    -------
    Method
        Named ``"Trans-GLM"``.
    """
    from ..linear_model import TransGLMClassifier, TransGLMRegressor

    _check_family("trans_glm", family)
    if family == "binomial":
        estimator = _build("trans_glm", TransGLMClassifier, params)
    else:
        estimator = _build("trans_glm", TransGLMRegressor, params,
                           fixed={"family": family})
    return Method(estimator, "Trans-GLM", rows="auto")


#: Named method factories: the ``name`` of a ``[[method]]`` table of a study
#: file. Each takes keyword parameters and returns a :class:`Method`.
METHODS = {
    "lasso": lasso,
    "pooled_lasso": pooled_lasso,
    "transfer_lasso": transfer_lasso,
    "trans_lasso": trans_lasso,
    "trans_glm": trans_glm,
}


def get_method(name, params=None, *, label=None):
    """A :class:`Method` from a name of :data:`METHODS` and its parameters.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`: ``"lasso"``, ``"pooled_lasso"``,
        ``"transfer_lasso"``, ``"trans_lasso"`` or ``"trans_glm"``.
    params : dict, default=None
        Keyword parameters of the factory (``family`` where it has one,
        otherwise the estimator's parameters).
    label : str, default=None
        The method's name in tables; by default the factory's (e.g.
        ``"Lasso (target)"``).

    Returns
    -------
    Method

    Raises
    ------
    StudyParameterError
        For an unknown name, an unknown parameter or an invalid value; the
        message names the method and the parameter.

    Examples
    --------
    >>> from sktransfer.simulation._registry import get_method
    >>> get_method("trans_glm", {"family": "poisson", "cv": 5}).name
    'Trans-GLM'
    """
    factory = _lookup(METHODS, name, "method")
    params = {} if params is None else dict(params)
    accepted = _keywords(factory)
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD
                    for p in inspect.signature(factory).parameters.values())
    if not takes_any:
        for key in params:
            if key not in accepted:
                raise StudyParameterError(
                    f"method {name!r} has no parameter {key!r}; it takes "
                    f"{', '.join(sorted(accepted)) or 'none'}.", param=key)
    method = factory(**params)
    if not isinstance(method, Method):
        raise TypeError(
            f"the factory of method {name!r} returned "
            f"{type(method).__name__}, not a Method."
        )
    return method if label is None else method.renamed(label)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _lookup(registry, name, what):
    if not isinstance(name, str):
        raise TypeError(f"a {what} name must be a string, got {name!r}.")
    if name not in registry:
        raise StudyParameterError(
            f"unknown {what} {name!r}; known: {', '.join(sorted(registry))}."
        )
    return registry[name]


def _keywords(func):
    return {p.name for p in inspect.signature(func).parameters.values()
            if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          inspect.Parameter.KEYWORD_ONLY)}


def _check_family(method, family):
    if family not in FAMILIES:
        raise StudyParameterError(
            f"method {method!r}: family must be one of {list(FAMILIES)}, got "
            f"{family!r}.", param="family")


def _lasso_estimator(method, family, params):
    from sklearn.linear_model import LassoCV

    from ..linear_model import TransGLMClassifier, TransGLMRegressor

    _check_family(method, family)
    if family == "gaussian":
        return _build(method, LassoCV, params)
    if family == "binomial":
        return _build(method, TransGLMClassifier, params,
                      fixed={"transfer_sources": None})
    return _build(method, TransGLMRegressor, params,
                  fixed={"family": family, "transfer_sources": None})


_SKLEARN_PARAM = re.compile(r"The '([^']+)' parameter")


def _build(method, cls, params, fixed=None):
    """``cls(**fixed, **params)``, its parameter names and values checked."""
    fixed = {} if fixed is None else fixed
    accepted = set(cls().get_params(deep=False))
    for key in params:
        if key in fixed:
            raise StudyParameterError(
                f"method {method!r} sets {cls.__name__}'s {key!r} itself "
                f"(to {fixed[key]!r}); remove it.", param=key)
        if key not in accepted:
            raise StudyParameterError(
                f"method {method!r} ({cls.__name__}) has no parameter {key!r}; "
                f"it takes {', '.join(sorted(accepted - set(fixed)))}.",
                param=key)
    estimator = cls(**fixed, **params)
    # scikit-learn checks parameter values at fit time; check them now so a
    # study file with a bad value fails before anything runs.
    validate = getattr(estimator, "_validate_params", None)
    if validate is not None:
        try:
            validate()
        except (TypeError, ValueError) as exc:
            match = _SKLEARN_PARAM.search(str(exc))
            param = match.group(1) if match else None
            raise StudyParameterError(
                f"method {method!r}: {exc}", param=param) from None
    return estimator
