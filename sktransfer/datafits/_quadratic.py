"""Weighted least squares with an unpenalised, profiled-out intercept."""

import numpy as np
import scipy.sparse as sp

from .._kernels import (
    residual_gradient_dense,
    residual_gradient_sparse,
    sparse_weighted_column_stats,
)


class Quadratic:
    r"""Weighted quadratic loss with an optional unpenalised intercept.

    .. math::

        F(\beta_0, \beta) = \frac{1}{2n} \sum_{i=1}^n w_i
            (y_i - \beta_0 - x_i^\top \beta)^2,

    with the sample weights rescaled to sum to ``n`` (as scikit-learn's
    ``Lasso`` does), so that unit weights give the usual ``(1/2n)·RSS``.
    The intercept is profiled out: for any ``β`` its optimum is
    ``β_0 = ȳ_w - x̄_w^T β`` with weighted means ``ȳ_w`` and ``x̄_w``, so the
    solver works on the centred, row-weighted design
    ``X̃ = diag(√w)(X - 1 x̄_w^T)`` and response ``ỹ = √w ⊙ (y - ȳ_w)``.

    Dense ``X`` is centred explicitly (a Fortran-ordered copy in the input
    float dtype). Sparse ``X`` is never densified: centring is implicit (see
    :mod:`sktransfer._kernels._coordinate_descent`).

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative weights ``w_i``; ``None`` means unit weights.
    fit_intercept : bool, default=True
        Whether to fit the unpenalised intercept ``β_0``.

    Attributes
    ----------
    n_samples : int
        Number of rows ``n``.
    X_offset : ndarray of shape (n_features,)
        Weighted column means (zeros without intercept).
    y_offset : float
        Weighted mean of ``y`` (zero without intercept).
    lipschitz : ndarray of shape (n_features,)
        Coordinate curvatures ``||x̃_j||^2 / n``.
    """

    def __init__(self, sample_weight=None, fit_intercept=True):
        self.sample_weight = sample_weight
        self.fit_intercept = fit_intercept

    # -- preparation ---------------------------------------------------------
    def initialize(self, X, y):
        """Prepare the centred, weighted design for the solver.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Validated, finite design (float32 or float64; sparse is
            converted to CSC).
        y : ndarray of shape (n_samples,)
            Validated, finite response.

        Returns
        -------
        self : Quadratic
        """
        n = X.shape[0]
        y = np.asarray(y, dtype=np.float64)
        if self.sample_weight is None:
            weights = np.ones(n)
        else:
            weights = np.asarray(self.sample_weight, dtype=np.float64)
            weights = weights * (n / weights.sum())
        sq = np.sqrt(weights)
        self.n_samples = n
        self.sparse = sp.issparse(X)
        self.weights = weights
        self.sqrt_weights = sq
        if self.sparse:
            X = X.tocsc() if X.format != "csc" else X
            col_sums, col_sq_sums = sparse_weighted_column_stats(
                X.data, X.indices, X.indptr,
                np.empty(0) if self.sample_weight is None else weights,
            )
        if self.fit_intercept:
            self.y_offset = float(weights @ y / n)
            if self.sparse:
                self.X_offset = col_sums / n
            else:
                self.X_offset = (weights @ X).astype(np.float64) / n
        else:
            self.y_offset = 0.0
            self.X_offset = np.zeros(X.shape[1])
        self.y_tilde = sq * (y - self.y_offset)
        if self.sparse:
            # Row-weighted data diag(sq) X shares the sparsity pattern of X.
            if self.sample_weight is None:
                self.X_data = X.data
            else:
                self.X_data = X.data * sq[X.indices].astype(X.dtype)
            self.X_indices = X.indices
            self.X_indptr = X.indptr
            self._Xw = sp.csc_matrix(
                (self.X_data, self.X_indices, self.X_indptr), shape=X.shape
            )
            # its transpose as a CSR view, built once: the full gradient of
            # every outer iteration multiplies by it
            self._XwT = self._Xw.T
            col_sq = col_sq_sums - n * self.X_offset**2
            self.X = None
        else:
            Xc = X - self.X_offset.astype(X.dtype) if self.fit_intercept else X
            if self.sample_weight is not None:
                Xc = Xc * sq[:, None].astype(X.dtype)
            self.X = np.asfortranarray(Xc, dtype=X.dtype)
            col_sq = np.einsum("ij,ij->j", self.X, self.X, dtype=np.float64)
        self.lipschitz = np.maximum(col_sq, 0.0) / n
        dtype = self.X_data.dtype if self.sparse else self.X.dtype
        self._blas_ready = dtype == np.float64
        return self

    # -- residual states -----------------------------------------------------
    def init_state(self, coef):
        """Residual state at ``coef``: ``r`` (dense) or ``(rho, [S, kappa])``."""
        if self.sparse:
            Xw = self.sparse_design()
            rho = self.y_tilde - Xw @ coef if np.any(coef) else self.y_tilde.copy()
            kappa = float(self.X_offset @ coef)
            return rho, np.array([self.sqrt_weights @ rho, kappa])
        return self.y_tilde - self.X @ coef.astype(self.X.dtype, copy=False)

    def sparse_design(self):
        """The row-weighted sparse design ``diag(√w) X`` (CSC, uncentred)."""
        return self._Xw

    def residual(self, state):
        """The centred, weighted residual ``r̃ = ỹ - X̃ β`` as an array."""
        if self.sparse:
            rho, scalars = state
            return rho + scalars[1] * self.sqrt_weights
        return state

    def residual_sq_norm(self, state):
        """``||r̃||^2`` computed from the state without forming ``r̃``."""
        if self.sparse:
            rho, (S, kappa) = state
            return float(rho @ rho + 2.0 * kappa * S + kappa**2 * self.n_samples)
        return float(state @ state)

    def value(self, state):
        """Loss ``||r̃||^2 / (2n)`` at the state's coefficients."""
        return 0.5 * self.residual_sq_norm(state) / self.n_samples

    def gradient(self, state, ws=None):
        """Loss gradient ``-X̃^T r̃ / n`` on ``ws`` (all features if None)."""
        n_features = self.X_offset.shape[0]
        inv_n = 1.0 / self.n_samples
        if ws is None and self._blas_ready:
            # Full float64 gradient: scipy's / BLAS's matvec beats the loop.
            if self.sparse:
                rho, (S, _) = state
                return -(self._XwT @ rho - self.X_offset * S) * inv_n
            return -(self.X.T @ state) * inv_n
        if ws is None:
            ws = np.arange(n_features)
        if self.sparse:
            rho, (S, _) = state
            return residual_gradient_sparse(
                self.X_data, self.X_indices, self.X_indptr, rho, S,
                self.X_offset, inv_n, ws,
            )
        return residual_gradient_dense(self.X, state, inv_n, ws)

    def dual_value(self, state, scale):
        """Fenchel dual of the loss at ``θ = r̃ / (n · scale)``.

        ``-F^*(-θ) = θ^T ỹ - (n/2)||θ||^2`` for ``F(z) = ||ỹ - z||^2/(2n)``.
        """
        n = self.n_samples
        r_dot_y = float(self.residual(state) @ self.y_tilde)
        # Divide step by step: ``scale`` can be huge (tiny penalty weights).
        return (r_dot_y / n - 0.5 * self.residual_sq_norm(state) / n / scale) / scale

    def intercept(self, coef):
        """Optimal intercept ``ȳ_w - x̄_w^T β`` for the coefficients."""
        if not self.fit_intercept:
            return 0.0
        return self.y_offset - float(self.X_offset @ coef)
