"""Statistical inference for sparse (transfer) GLM estimates.

:func:`desparsified_glm` debiases an ``ℓ1``-type estimate of a
canonical-link GLM (gaussian, binomial, poisson) with nodewise lassos on the
pooled target and source rows — the inference step of Trans-GLM (Tian &
Feng, 2023, Algorithm 3; van de Geer et al., 2014) — and returns a
:class:`DesparsifiedResult` with standard errors, confidence intervals and
p-values.
"""

from ._desparsified import desparsified_glm
from ._results import DesparsifiedResult

__all__ = ["DesparsifiedResult", "desparsified_glm"]
