"""Shared input handling of the Transfer Lasso estimators."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import RegressorMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted

from ..utils import check_sample_domain
from ..utils._sklearn_compat import check_sample_weight, validate_data


def check_coef_vector(values, n_features, name):
    """Validate a finite float64 vector of length ``n_features``."""
    values = check_array(
        values, ensure_2d=False, dtype=np.float64, input_name=name
    )
    if values.ndim != 1 or values.shape[0] != n_features:
        raise ValueError(
            f"{name} must have shape ({n_features},) to match X, got "
            f"{values.shape}."
        )
    return values


class TransferLinearRegressorMixin(RegressorMixin):
    """Validation, source handling and prediction of linear transfer models.

    Subclasses provide the ``source_coef``, ``fit_intercept``, ``tol`` and
    ``max_iter`` parameters.
    """

    def _validate_fit_data(self, X, y, sample_weight, sample_domain):
        """Validate inputs and split them into target data and ``β̃``.

        Returns ``(X_target, y_target, sample_weight_target, source_coef)``.
        ``β̃`` is ``source_coef`` if given; else a cross-validated Lasso on the
        source rows (stored as ``source_coef_``/``source_intercept_``) if
        ``sample_domain`` marks any; else zero.
        """
        if hasattr(X, "shape"):
            n_rows = X.shape[0] if len(X.shape) else None
        else:  # other array-likes are left to validate_data
            n_rows = len(X) if isinstance(X, list | tuple) else None
        if n_rows == 0:
            raise ValueError(
                f"X has 0 samples (shape={np.shape(X)}) while a minimum of 1 "
                "is required."
            )
        X, y = validate_data(
            self, X, y, accept_sparse="csc", dtype=[np.float64, np.float32],
            y_numeric=True,
        )
        y = np.asarray(y, dtype=np.float64)
        domain = check_sample_domain(sample_domain, X.shape[0])
        weights = check_sample_weight(sample_weight, X)
        target = domain < 0
        source = ~target
        if self.source_coef is not None:
            source_coef = self._check_source_coef(X.shape[1])
            self.source_intercept_ = None
        elif np.any(source):
            if weights is not None and not np.any(weights[source] > 0):
                raise ValueError(
                    "sample_weight is zero on every source row; the source "
                    "model cannot be fitted. Pass source_coef instead."
                )
            source_coef, self.source_intercept_ = self._fit_source(
                X[source], y[source], None if weights is None else weights[source],
                domain[source],
            )
        else:
            source_coef = np.zeros(X.shape[1])
            self.source_intercept_ = None
        self.source_coef_ = source_coef
        if np.any(source):
            X, y = X[target], y[target]
            weights = None if weights is None else weights[target]
            if weights is not None and not np.any(weights > 0):
                raise ValueError("sample_weight is zero on every target row.")
        return X, y, weights, source_coef

    def _check_source_coef(self, n_features):
        return check_coef_vector(self.source_coef, n_features, "source_coef")

    def _fit_source(self, X, y, sample_weight, domain):
        """``β̃``: a cross-validated Lasso on all source rows pooled."""
        from ._transfer_lasso_cv import TransferLassoCV

        n_source = X.shape[0]
        if n_source < 2:
            raise ValueError(
                "sample_domain marks a single source row; at least 2 are needed "
                "to fit the source model."
            )
        model = TransferLassoCV(
            l1_ratio=1.0, cv=min(5, n_source), fit_intercept=self.fit_intercept,
            tol=self.tol, max_iter=self.max_iter,
        )
        model.fit(X, y, sample_weight=sample_weight)
        return model.coef_.astype(np.float64), model.intercept_

    def predict(self, X):
        """Predict ``X β̂ + β̂_0``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted values.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32],
        )
        pred = X @ self.coef_
        if sp.issparse(pred):
            pred = pred.toarray()
        return np.asarray(pred).ravel() + self.intercept_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
