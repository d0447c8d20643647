"""scikit-learn's estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from sktransfer.linear_model import (
    TransferLasso,
    TransferLassoCV,
    TransGLMClassifier,
    TransGLMRegressor,
    TransLasso,
)
from sktransfer.planning import (
    AdaptiveTransferClassifier,
    IntervalClassifier,
    StumpClassifier,
    ThresholdClassifier,
)
from sktransfer.representation import (
    LinearRepresentation,
    RepresentationTransferRegressor,
)

try:  # the torch bridge is an optional extra (installed by `make test`)
    from sktransfer.neural import (
        FineTuningClassifier,
        FineTuningRegressor,
        LadderSideTuningClassifier,
        LadderSideTuningRegressor,
        SnapshotEnsembleClassifier,
    )
except ImportError:  # pragma: no cover
    NEURAL_ESTIMATORS = []
else:
    NEURAL_ESTIMATORS = [
        FineTuningClassifier(),
        FineTuningRegressor(),
        LadderSideTuningClassifier(),
        LadderSideTuningRegressor(),
        SnapshotEnsembleClassifier(n_cycles=2),
    ]

# Every public estimator, at its defaults (the CV grid kept short for speed).
ESTIMATORS = [
    TransferLasso(),
    TransferLassoCV(n_alphas=5),
    TransLasso(cv=3),
    TransGLMRegressor(),
    TransGLMRegressor(family="poisson"),
    TransGLMClassifier(),
    ThresholdClassifier(),
    IntervalClassifier(),
    IntervalClassifier(max_candidates=5),
    StumpClassifier(),
    AdaptiveTransferClassifier(),
    AdaptiveTransferClassifier(hypothesis="interval"),
    AdaptiveTransferClassifier(hypothesis="stump"),
    LinearRepresentation(),
    LinearRepresentation(method="mom"),
    LinearRepresentation(n_components=1, method="altmin", solver="cg"),
    RepresentationTransferRegressor(),
    RepresentationTransferRegressor(alpha=1.0, fit_intercept=True),
    *NEURAL_ESTIMATORS,
]


def expected_failed_checks(estimator):
    if isinstance(estimator, TransferLassoCV):
        reason = (
            "Not a bug: at the default tol=1e-4 on the relative duality "
            "gap the weighted and the repeated-rows CV fits agree to about "
            "1e-7 only, above the check's rtol=1e-7. The same check "
            "passes at tol=1e-8 in test_cv_sample_weight_equivalence_at_"
            "tight_tol below."
        )
        return {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
    if isinstance(estimator, TransLasso):
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "TransLasso's internal cross-validation and its aggregation "
                "split (first/last third of the target rows) act on row "
                "positions, so repeated rows and integer weights give "
                "different splits; the Lasso steps themselves are checked "
                "for weight equivalence through TransferLasso."
            ),
        }
    if isinstance(estimator, TransGLMRegressor | TransGLMClassifier):
        reason = (
            "The penalty level is chosen by K-fold cross-validation on row "
            "positions: repeated rows and integer weights give different "
            "folds, hence different levels. With a fixed level the fit is "
            "weight-equivalent (test_trans_glm.py)."
        )
        return {
            "check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason,
        }
    if isinstance(estimator, LinearRepresentation) and estimator.method == "mom":
        return {
            "check_transformer_n_iter": (
                "The method of moments is closed form (one eigendecomposition); "
                "max_iter only bounds the altmin iterations of the other methods, "
                "so n_iter_ is 0 here by design."
            ),
        }
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("check", [
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
])
def test_cv_sample_weight_equivalence_at_tight_tol(check):
    check("TransferLassoCV", TransferLassoCV(n_alphas=5, tol=1e-8))
