"""L1, weighted L1 and transfer-L1 penalties (Takada & Fujisawa, 2020)."""

import numbers

import numpy as np

from .._kernels import prox_two_kink, subdiff_distances


class _TwoKinkPenalty:
    """Base class: ``alpha · Σ_j (â_j|β_j| + b̂_j|β_j - c_j|)``.

    Subclasses define :meth:`unit_coefficients`, the per-coordinate
    ``(â, b̂, c)`` at ``alpha = 1``. Everything else (value, prox,
    subdifferential, ``alpha_max``) is shared; the Fenchel conjugate used by
    the duality gap lives in :func:`sktransfer._kernels.two_kink_gap_terms`.
    """

    def unit_coefficients(self, n_features):
        raise NotImplementedError

    def coefficients(self, n_features):
        """Kernel parameters ``(a, b, c, l2)`` as float64 arrays."""
        a_hat, b_hat, c = self.unit_coefficients(n_features)
        alpha = float(self.alpha)
        return alpha * a_hat, alpha * b_hat, c, np.zeros(n_features)

    def value(self, coef):
        """Penalty value ``Σ_j a_j|β_j| + b_j|β_j - c_j| + (l2_j/2)β_j^2``."""
        coef = np.asarray(coef, dtype=np.float64)
        a, b, c, l2 = self.coefficients(coef.shape[0])
        return float(a @ np.abs(coef) + b @ np.abs(coef - c) + 0.5 * l2 @ coef**2)

    def prox_1d(self, value, stepsize, j):
        """``argmin_t ½(t - value)^2 + stepsize · g_j(t)`` (exact)."""
        a_hat, b_hat, c_j = self._coordinate(j)
        scale = stepsize * float(self.alpha)
        return prox_two_kink(float(value), scale * a_hat, scale * b_hat, c_j)

    def _coordinate(self, j):
        """``(â_j, b̂_j, c_j)`` of one coordinate."""
        raise NotImplementedError

    def subdiff_distance(self, coef, grad):
        """Distance of ``-grad_j`` to ``∂g_j(β_j)`` for every coordinate.

        All zeros exactly when ``coef`` satisfies the KKT conditions of
        ``min F(β) + g(β)`` for a loss ``F`` with gradient ``grad``.
        """
        coef = np.asarray(coef, dtype=np.float64)
        grad = np.asarray(grad, dtype=np.float64)
        a, b, c, l2 = self.coefficients(coef.shape[0])
        return subdiff_distances(coef, grad, a, b, c, l2)

    def limit_coef(self, n_features):
        """Where ``β̂`` goes as ``alpha → ∞``, coordinate by coordinate.

        ``0`` where ``â_j > b̂_j``, ``c_j`` where ``â_j < b̂_j``; where
        ``â_j = b̂_j`` and ``c_j != 0`` the penalty is flat on the box between
        0 and ``c_j`` and the limit depends on the data (NaN is returned
        there; see :func:`sktransfer.solvers.alpha_max`).
        """
        a_hat, b_hat, c = self.unit_coefficients(n_features)
        out = np.where(a_hat > b_hat, 0.0, c)
        out[(a_hat == b_hat) & (c != 0)] = np.nan
        return out

    def alpha_max(self, grad, coef=None):
        """Smallest ``alpha`` at which ``coef`` is optimal, given ``grad``.

        Parameters
        ----------
        grad : ndarray of shape (n_features,)
            Gradient of the loss at ``coef``.
        coef : ndarray of shape (n_features,), default=None
            A limit point of the path (:meth:`limit_coef` by default, which
            must then be free of NaN). Coordinates strictly inside the box
            of a flat (``â = b̂``) coordinate are ignored: their gradient is
            zero at the box-constrained optimum.

        Returns
        -------
        alpha_max : float
            ``max_j ℓ_j`` with ``ℓ_j`` the smallest ``λ >= 0`` such that
            ``-grad_j ∈ λ ∂ĝ_j(coef_j)``; ``inf`` if no such ``λ`` exists.
        """
        grad = np.asarray(grad, dtype=np.float64)
        n_features = grad.shape[0]
        a_hat, b_hat, c = self.unit_coefficients(n_features)
        if coef is None:
            coef = self.limit_coef(n_features)
        coef = np.asarray(coef, dtype=np.float64)
        at_kink = (coef == 0) | (coef == c)
        # ∂ĝ_j at a kink is an interval [lo, hi] that contains 0.
        lo = np.where(coef > 0, a_hat, -a_hat) * (coef != 0) - a_hat * (coef == 0)
        hi = np.where(coef > 0, a_hat, -a_hat) * (coef != 0) + a_hat * (coef == 0)
        d = coef - c
        lo = lo + np.where(d > 0, b_hat, -b_hat) * (d != 0) - b_hat * (d == 0)
        hi = hi + np.where(d > 0, b_hat, -b_hat) * (d != 0) + b_hat * (d == 0)
        target = -grad
        # On a flat coordinate (â = b̂) at a face of its box, a gradient
        # pointing out of the box is the box solution's own KKT residual
        # (zero up to the solver's tolerance), not a constraint on alpha.
        flat = a_hat == b_hat
        with np.errstate(divide="ignore", invalid="ignore"):
            up = np.where(target > 0, target / np.where(hi > 0, hi, 0.0), 0.0)
            down = np.where(target < 0, target / np.where(lo < 0, lo, 0.0), 0.0)
        up[flat & (hi <= 0)] = 0.0
        down[flat & (lo >= 0)] = 0.0
        ell = np.where(at_kink, np.maximum(up, down), 0.0)
        ell = np.nan_to_num(ell, nan=np.inf, posinf=np.inf)
        return float(ell.max()) if n_features else 0.0


def _check_weights(weights, n_features, name):
    if weights is None:
        return np.ones(n_features)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n_features,):
        raise ValueError(
            f"{name} must have shape ({n_features},), got {weights.shape}."
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError(f"{name} must be finite and non-negative.")
    return weights


def _check_alpha(alpha):
    if not isinstance(alpha, numbers.Real) or not np.isfinite(alpha) or alpha < 0:
        raise ValueError(f"alpha must be a finite non-negative number, got {alpha!r}.")


class L1(_TwoKinkPenalty):
    """Lasso penalty ``alpha · ||β||_1``.

    Parameters
    ----------
    alpha : float
        Regularisation strength (non-negative).
    """

    def __init__(self, alpha):
        _check_alpha(alpha)
        self.alpha = alpha

    def unit_coefficients(self, n_features):
        return np.ones(n_features), np.zeros(n_features), np.zeros(n_features)

    def _coordinate(self, j):
        return 1.0, 0.0, 0.0


class WeightedL1(_TwoKinkPenalty):
    """Weighted Lasso penalty ``alpha · Σ_j u_j |β_j|``.

    Parameters
    ----------
    alpha : float
        Regularisation strength (non-negative).
    weights : array-like of shape (n_features,)
        Non-negative weights ``u_j``; a zero weight leaves a coordinate
        unpenalised.
    """

    def __init__(self, alpha, weights):
        _check_alpha(alpha)
        self.alpha = alpha
        self.weights = np.asarray(weights, dtype=np.float64)
        _check_weights(self.weights, self.weights.shape[0], "weights")

    def unit_coefficients(self, n_features):
        u = _check_weights(self.weights, n_features, "weights")
        return u, np.zeros(n_features), np.zeros(n_features)

    def _coordinate(self, j):
        return float(self.weights[j]), 0.0, 0.0


class TransferL1(_TwoKinkPenalty):
    r"""Transfer Lasso penalty (Takada & Fujisawa, NeurIPS 2020).

    .. math::

        \lambda \Big( \alpha \sum_j u_j |\beta_j|
            + (1 - \alpha) \sum_j v_j |\beta_j - \tilde\beta_j| \Big),

    with ``λ = alpha``, ``α = l1_ratio`` and the source estimate
    ``β̃ = source_coef``. Unit weights give the original Transfer Lasso;
    ``u_j = 1/|β̃_j|^{γ1}``, ``v_j = |β̃_j|^{γ2}`` give the adaptive variant
    (Takada & Fujisawa, 2023).

    Each coordinate has two kinks, at 0 and at ``β̃_j``; its exact prox is a
    soft-threshold with two flat pieces (:func:`sktransfer._kernels.prox_two_kink`).

    Parameters
    ----------
    alpha : float
        Overall strength ``λ >= 0``.
    l1_ratio : float in [0, 1]
        Weight ``α`` on the sparsity term; ``1`` is the (weighted) Lasso and
        ``0`` a Lasso on the change ``β - β̃``.
    source_coef : array-like of shape (n_features,)
        The source estimate ``β̃``.
    weights_l1, weights_transfer : array-like of shape (n_features,), default=None
        The weights ``u`` and ``v`` (unit weights when ``None``).
    """

    def __init__(self, alpha, l1_ratio, source_coef, weights_l1=None,
                 weights_transfer=None):
        _check_alpha(alpha)
        if not isinstance(l1_ratio, numbers.Real) or not 0 <= l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
        source_coef = np.asarray(source_coef, dtype=np.float64)
        if source_coef.ndim != 1 or not np.all(np.isfinite(source_coef)):
            raise ValueError("source_coef must be a finite 1-d array.")
        self.alpha = alpha
        self.l1_ratio = float(l1_ratio)
        self.source_coef = source_coef
        n_features = source_coef.shape[0]
        self.weights_l1 = _check_weights(weights_l1, n_features, "weights_l1")
        self.weights_transfer = _check_weights(
            weights_transfer, n_features, "weights_transfer"
        )

    def unit_coefficients(self, n_features):
        if n_features != self.source_coef.shape[0]:
            raise ValueError(
                f"source_coef has {self.source_coef.shape[0]} entries but the "
                f"problem has {n_features} features."
            )
        return (
            self.l1_ratio * self.weights_l1,
            (1.0 - self.l1_ratio) * self.weights_transfer,
            self.source_coef,
        )

    def _coordinate(self, j):
        return (
            self.l1_ratio * float(self.weights_l1[j]),
            (1.0 - self.l1_ratio) * float(self.weights_transfer[j]),
            float(self.source_coef[j]),
        )


class ElasticNet(_TwoKinkPenalty):
    r"""Elastic-net penalty in scikit-learn's parametrisation.

    .. math::

        \text{alpha} \sum_j \Big( \text{l1\_ratio} \, u_j |\beta_j|
            + \frac{1 - \text{l1\_ratio}}{2} u_j^2 \beta_j^2 \Big),

    the penalty of glmnet with its ``alpha`` called ``l1_ratio`` here. With
    ``u_j`` the standard deviation of column ``j`` it is glmnet's penalty on
    standardised coefficients (``standardize=TRUE``) written on the original
    scale.

    Parameters
    ----------
    alpha : float
        Regularisation strength (non-negative).
    l1_ratio : float in [0, 1]
        Mix: 1 is the Lasso, 0 is ridge.
    weights : array-like of shape (n_features,), default=None
        Non-negative per-coordinate scales ``u_j`` (ones by default).
    """

    def __init__(self, alpha, l1_ratio=1.0, weights=None):
        _check_alpha(alpha)
        if not isinstance(l1_ratio, numbers.Real) or not 0 <= l1_ratio <= 1:
            raise ValueError(f"l1_ratio must be in [0, 1], got {l1_ratio!r}.")
        self.alpha = alpha
        self.l1_ratio = float(l1_ratio)
        self.weights = weights

    def _weights(self, n_features):
        return _check_weights(self.weights, n_features, "weights")

    def unit_coefficients(self, n_features):
        return (self.l1_ratio * self._weights(n_features), np.zeros(n_features),
                np.zeros(n_features))

    def coefficients(self, n_features):
        a, b, c, _ = super().coefficients(n_features)
        l2 = float(self.alpha) * (1 - self.l1_ratio) * self._weights(n_features) ** 2
        return a, b, c, l2

    def prox_1d(self, value, stepsize, j):
        u = 1.0 if self.weights is None else float(self.weights[j])
        scale = stepsize * float(self.alpha)
        shrink = 1.0 + scale * (1 - self.l1_ratio) * u * u
        return prox_two_kink(float(value) / shrink,
                             scale * self.l1_ratio * u / shrink, 0.0, 0.0)

    def _coordinate(self, j):
        u = 1.0 if self.weights is None else float(self.weights[j])
        return self.l1_ratio * u, 0.0, 0.0
