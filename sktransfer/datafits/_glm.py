"""Logistic and Poisson datafits with an offset (canonical-link GLMs)."""

import numpy as np
import scipy.sparse as sp


class _CanonicalGLM:
    r"""Base class: ``F(β_0, β) = (1/n) Σ_i w_i [ψ(η_i) - y_i η_i]``.

    With the linear predictor ``η = offset + β_0 + Xβ`` and the weights
    rescaled to sum to ``n``. Subclasses define the cumulant ``ψ``, its
    derivative (the mean) and second derivative (the variance), and the
    check on ``y``. The loss is the negative log-likelihood divided by ``n``
    up to a term free of ``η`` — the convention of glmnet and of Tian & Feng
    (2023), ``L(w) = (1/n) Σ [-y xᵀw + ψ(xᵀw)]``.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights.
    offset : array-like of shape (n_samples,), default=None
        Known part of the linear predictor (e.g. ``X ŵ`` of a pooled fit in
        the debiasing step of Trans-GLM).
    fit_intercept : bool, default=True
        Whether to fit an unpenalised intercept.
    """

    def __init__(self, sample_weight=None, offset=None, fit_intercept=True):
        self.sample_weight = sample_weight
        self.offset = offset
        self.fit_intercept = fit_intercept

    def initialize(self, X, y):
        """Store the design, response, normalised weights and offset.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Validated, finite design.
        y : ndarray of shape (n_samples,)
            Response (checked by the family).

        Returns
        -------
        self
        """
        n = X.shape[0]
        y = np.asarray(y, dtype=np.float64)
        self._check_y(y)
        if self.sample_weight is None:
            weights = np.ones(n)
        else:
            weights = np.asarray(self.sample_weight, dtype=np.float64)
            weights = weights * (n / weights.sum())
        offset = np.zeros(n) if self.offset is None else np.asarray(
            self.offset, dtype=np.float64
        )
        if offset.shape != (n,) or not np.all(np.isfinite(offset)):
            raise ValueError(f"offset must be a finite array of shape ({n},).")
        self.X = X.tocsc() if sp.issparse(X) else X
        self.y = y
        self.weights = weights
        self.offset_ = offset
        self.n_samples = n
        return self

    def linear_predictor(self, coef, intercept):
        """``η = offset + β_0 + Xβ``."""
        return self.offset_ + intercept + np.asarray(self.X @ coef).ravel()

    def value(self, eta):
        """Loss ``(1/n) Σ w_i [ψ(η_i) - y_i η_i]``."""
        loss = self.weights @ (self.cumulant(eta) - self.y * eta)
        return float(loss) / self.n_samples

    def raw_gradient(self, eta):
        """``∂F/∂η_i = w_i (μ_i - y_i) / n``."""
        return self.weights * (self.mean(eta) - self.y) / self.n_samples

    def raw_hessian(self, eta):
        """``∂²F/∂η_i² = w_i ψ''(η_i) / n``."""
        return self.weights * self.variance(eta) / self.n_samples

    def gradient(self, eta):
        """Gradient of the loss in ``β`` (the intercept's is ``sum(raw)``)."""
        return np.asarray(self.X.T @ self.raw_gradient(eta)).ravel()

    def null_intercept(self):
        """The intercept of the intercept-only model with the offset."""
        raise NotImplementedError

    def saturated_value(self):
        """Loss of the saturated model (``μ_i = y_i``), the floor of :meth:`value`."""
        raise NotImplementedError

    def _check_y(self, y):
        raise NotImplementedError


class Gaussian(_CanonicalGLM):
    r"""Squared error written as a GLM loss, ``ψ(η) = η²/2``.

    ``(1/n) Σ w_i [η_i²/2 - y_i η_i]`` equals ``(1/2n) Σ w_i (y_i - η_i)²``
    up to a constant, with an offset; the glmnet Gaussian family.
    """

    family_code = 0

    @staticmethod
    def cumulant(eta):
        return 0.5 * eta**2

    @staticmethod
    def mean(eta):
        return eta

    @staticmethod
    def variance(eta):
        return np.ones_like(eta)

    def _check_y(self, y):
        pass

    def null_intercept(self):
        return float(np.average(self.y - self.offset_, weights=self.weights))

    def saturated_value(self):
        return float(-0.5 * (self.weights @ self.y**2)) / self.n_samples


class Logistic(_CanonicalGLM):
    r"""Binomial deviance with the logit link, ``ψ(η) = log(1 + e^η)``.

    ``y`` must take values in ``{0, 1}``.
    """

    family_code = 1

    @staticmethod
    def cumulant(eta):
        return np.logaddexp(0.0, eta)

    @staticmethod
    def mean(eta):
        return 0.5 * (1.0 + np.tanh(0.5 * eta))

    @classmethod
    def variance(cls, eta):
        mu = cls.mean(eta)
        return mu * (1.0 - mu)

    def _check_y(self, y):
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("y must take values in {0, 1} for the logistic loss.")

    def null_intercept(self):
        p = float(self.weights @ self.y) / self.n_samples
        p = min(max(p, 1e-10), 1 - 1e-10)
        intercept = float(np.log(p / (1 - p))
                          - np.average(self.offset_, weights=self.weights))
        # The closed form is exact without an offset; Newton steps in the
        # intercept (a concave 1-D likelihood) make it exact with one.
        for _ in range(50):
            mu = self.mean(self.offset_ + intercept)
            grad = float(self.weights @ (mu - self.y))
            curvature = float(self.weights @ (mu * (1 - mu)))
            if curvature <= 0 or abs(grad) <= 1e-12 * self.n_samples:
                break
            intercept -= grad / curvature
        return intercept

    def saturated_value(self):
        return 0.0


class Poisson(_CanonicalGLM):
    r"""Poisson deviance with the log link, ``ψ(η) = e^η``.

    ``y`` must be non-negative.
    """

    family_code = 2

    @staticmethod
    def cumulant(eta):
        return np.exp(eta)

    mean = cumulant

    variance = cumulant

    def _check_y(self, y):
        if np.any(y < 0):
            raise ValueError("y must be non-negative for the Poisson loss.")

    def null_intercept(self):
        total = float(self.weights @ self.y)
        exposure = float(self.weights @ np.exp(self.offset_))
        return float(np.log(max(total, 1e-10) / exposure))

    def saturated_value(self):
        y = self.y
        ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0)), 0.0)
        return float(self.weights @ (y - ylogy)) / self.n_samples
