"""The Transfer Lasso estimator (Takada & Fujisawa, NeurIPS 2020)."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from ..datafits import Quadratic
from ..penalties import TransferL1
from ..solvers import WorkingSetCD
from ..utils._sklearn_compat import Interval, _fit_context
from ..utils._threads import single_blas_thread
from ._base import TransferLinearRegressorMixin


class TransferLasso(TransferLinearRegressorMixin, BaseEstimator):
    r"""Lasso that shrinks towards zero and towards a source estimate.

    Minimises (Takada & Fujisawa, "Transfer Learning via ℓ1 Regularization",
    NeurIPS 2020)

    .. math::

        \frac{1}{2n} \sum_{i=1}^n w_i (y_i - \beta_0 - x_i^\top\beta)^2
        + \text{alpha} \Big( \text{l1\_ratio} \sum_j u_j |\beta_j|
        + (1 - \text{l1\_ratio}) \sum_j v_j |\beta_j - \tilde\beta_j| \Big)

    over ``(β_0, β)``, with the sample weights ``w`` rescaled to sum to
    ``n``. The solution is sparse both in ``β`` and in the change
    ``β - β̃``: each coordinate sits at 0, sits at ``β̃_j``, or moves.
    ``l1_ratio=1`` is scikit-learn's :class:`~sklearn.linear_model.Lasso`;
    ``l1_ratio=0`` is ``β̃`` plus a Lasso on the residual ``y - Xβ̃``.

    The source estimate ``β̃`` is, in order of precedence:

    1. ``source_coef`` if given;
    2. otherwise, if ``fit`` receives ``sample_domain`` marking source rows
       (labels ``> 0``), a cross-validated Lasso fitted on all source rows
       (stored as ``source_coef_``), and the objective uses the target rows
       (labels ``< 0``) only;
    3. otherwise zero, which gives the plain Lasso.

    ``β̃`` is on the scale of ``X``: if ``X`` is standardised in a pipeline,
    ``source_coef`` must be given on the standardised scale.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall penalty strength ``λ >= 0``.
    l1_ratio : float, default=0.5
        Weight on ``||β||_1`` in ``[0, 1]``; ``1 - l1_ratio`` weighs
        ``||β - β̃||_1``.
    source_coef : array-like of shape (n_features,), default=None
        The source estimate ``β̃``.
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    max_iter : int, default=50
        Maximum number of outer (working-set) iterations of the solver.
    tol : float, default=1e-4
        Tolerance on the relative duality gap ``(P - D)/P``, a scale-free
        stopping criterion.
    warm_start : bool, default=False
        Start from the previous solution when refitting.
    weights_l1 : array-like of shape (n_features,), default=None
        Weights ``u`` of the sparsity term (adaptive Transfer Lasso).
    weights_transfer : array-like of shape (n_features,), default=None
        Weights ``v`` of the transfer term.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Estimated coefficients ``β̂`` (in the float dtype of ``X``).
    intercept_ : float
        Estimated intercept ``β̂_0``.
    source_coef_ : ndarray of shape (n_features,)
        The ``β̃`` used.
    source_intercept_ : float or None
        Intercept of the source Lasso when ``β̃`` was fitted on source rows.
    n_iter_ : int
        Number of outer iterations run by the solver.
    stop_crit_ : float
        Achieved relative duality gap.
    dual_gap_ : float
        Achieved absolute duality gap.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit`` (only when ``X`` has string
        column names).

    See Also
    --------
    TransferLassoCV : Cross-validated ``alpha`` and ``l1_ratio``.
    transfer_lasso_path : The solution along a grid of ``alpha``.

    References
    ----------
    .. [1] M. Takada and H. Fujisawa. Transfer learning via ℓ1
       regularization. NeurIPS 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.linear_model import TransferLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 10))
    >>> beta = np.r_[1.0, -1.0, np.zeros(8)]
    >>> y = X @ beta + 0.1 * rng.standard_normal(50)
    >>> model = TransferLasso(alpha=0.1, l1_ratio=0.5, source_coef=beta).fit(X, y)
    >>> bool(np.all(model.coef_[2:] == 0))
    True
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "source_coef": ["array-like", None],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "weights_l1": ["array-like", None],
        "weights_transfer": ["array-like", None],
    }

    def __init__(
        self,
        alpha=1.0,
        l1_ratio=0.5,
        source_coef=None,
        fit_intercept=True,
        max_iter=50,
        tol=1e-4,
        warm_start=False,
        weights_l1=None,
        weights_transfer=None,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.source_coef = source_coef
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.weights_l1 = weights_l1
        self.weights_transfer = weights_transfer

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, sample_domain=None):
        """Fit the Transfer Lasso.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Design; sparse input is converted to CSC.
        y : array-like of shape (n_samples,)
            Response.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain label per row: ``< 0`` target, ``> 0`` source (one label
            per source). ``None`` means every row is a target row.

        Returns
        -------
        self : TransferLasso
            The fitted estimator.
        """
        coef_init = None
        if self.warm_start and hasattr(self, "coef_"):
            coef_init = np.asarray(self.coef_, dtype=np.float64)
        X, y, weights, source_coef = self._validate_fit_data(
            X, y, sample_weight, sample_domain
        )
        if coef_init is not None and coef_init.shape[0] != X.shape[1]:
            coef_init = None
        penalty = TransferL1(
            self.alpha, self.l1_ratio, source_coef,
            weights_l1=self.weights_l1, weights_transfer=self.weights_transfer,
        )
        solver = WorkingSetCD(max_iter=self.max_iter, tol=self.tol)
        datafit = Quadratic(sample_weight=weights, fit_intercept=self.fit_intercept)
        with single_blas_thread():
            result = solver.solve(X, y, datafit, penalty, coef_init=coef_init)
        if not result.converged:
            warnings.warn(
                f"TransferLasso did not converge: relative duality gap "
                f"{result.stop_crit:.3g} > tol={self.tol:g} after "
                f"{result.n_iter} iterations (max_iter={self.max_iter}; the "
                "solver also stops when rounding halts progress). Increase "
                "max_iter or tol.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.coef_ = result.coef.astype(X.dtype, copy=False)
        self.intercept_ = float(result.intercept)
        self.n_iter_ = result.n_iter
        self.stop_crit_ = result.stop_crit
        self.dual_gap_ = result.duality_gap
        return self
