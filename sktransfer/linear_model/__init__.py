"""Sparse transfer estimators with the scikit-learn API."""

from ._path import transfer_lasso_path
from ._trans_glm import TransGLMClassifier, TransGLMRegressor
from ._trans_lasso import TransLasso
from ._transfer_lasso import TransferLasso
from ._transfer_lasso_cv import TransferLassoCV

__all__ = [
    "TransGLMClassifier",
    "TransGLMRegressor",
    "TransLasso",
    "TransferLasso",
    "TransferLassoCV",
    "transfer_lasso_path",
]
