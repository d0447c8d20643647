"""Batch Spectral Shrinkage (BSS): the penalty and its gradient.

For a mini-batch feature matrix :math:`F \\in \\mathbb{R}^{b \\times d}` with
singular values :math:`\\sigma_1 \\ge \\dots \\ge \\sigma_m`, :math:`m = \\min(b, d)`,
Batch Spectral Shrinkage penalises the :math:`k` smallest squared singular
values,

.. math::

    P_k(F) = \\sum_{i=1}^{k} \\sigma_{m+1-i}^2(F),

the spectral directions that carry untransferable, noisy components when the
target data are scarce (Chen, Wang, Fu, Long & Wang, "Catastrophic forgetting
meets negative transfer: Batch Spectral Shrinkage for safe transfer learning",
NeurIPS 2019).

Both functions are written once against the array API standard
(``array_api_compat.array_namespace``), so the same code runs on NumPy, CuPy
and torch tensors (and ``array_api_strict`` arrays). This module imports
neither torch nor CuPy: the namespace comes from the input. On a torch tensor
with ``requires_grad=True`` the penalty goes through ``torch.linalg.svdvals``,
whose backward needs no singular vectors and so stays stable when singular
values are close; the torch bridge relies on autograd of
:func:`spectral_shrinkage_penalty` rather than on
:func:`spectral_shrinkage_gradient`.
"""

import numbers

import array_api_compat

__all__ = ["spectral_shrinkage_gradient", "spectral_shrinkage_penalty"]


def _validate(features, k):
    """Check the inputs; return ``(xp, k, small_batch)``.

    ``small_batch`` is True when ``b <= k < d``: the batch has too few rows to
    leave any singular value unpenalised, and it contributes nothing.
    """
    try:
        xp = array_api_compat.array_namespace(features)
    except TypeError as exc:
        raise TypeError(
            "features must be an array of a namespace supported by "
            f"array-api-compat (NumPy, CuPy, torch, ...); got "
            f"{type(features).__name__}."
        ) from exc
    if features.ndim != 2:
        raise ValueError(
            "features must be a 2-D (batch_size, n_features) array; got "
            f"{features.ndim} dimension(s)."
        )
    if not xp.isdtype(features.dtype, "real floating"):
        raise TypeError(
            f"features must have a real floating dtype; got {features.dtype}."
        )
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be an int; got {type(k).__name__}.")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1; got k={k}.")
    b, d = features.shape
    if k >= d:
        raise ValueError(
            f"k={k} must be smaller than the feature dimension d={d}: with "
            "k >= d every spectral direction of the features is penalised."
        )
    # Read the flag with bool(): isfinite has no gradient, so this does not
    # touch a torch autograd graph.
    if not bool(xp.all(xp.isfinite(features))):
        raise ValueError("features must be finite (no NaN or infinity).")
    return xp, k, k >= b


def _zero_like_scalar(xp, features):
    """A 0-d zero of the input's dtype and device, attached to its graph.

    Summing ``|F| * 0`` (finite entries, so no NaN) rather than allocating a
    fresh zero keeps a torch result differentiable, with a zero gradient.
    """
    return xp.sum(xp.abs(features) * 0.0)


def spectral_shrinkage_penalty(features, k=1, *, normalize=False):
    """Batch Spectral Shrinkage penalty: the ``k`` smallest squared singular values.

    For a batch feature matrix :math:`F \\in \\mathbb{R}^{b \\times d}` with
    singular values :math:`\\sigma_1 \\ge \\dots \\ge \\sigma_m`,
    :math:`m = \\min(b, d)`,

    .. math::

        P_k(F) = \\sum_{i=1}^{k} \\sigma_{m+1-i}^2(F),

    and with ``normalize=True`` the scale-free ratio

    .. math::

        R_k(F) = \\frac{P_k(F)}{\\lVert F \\rVert_F^2}
               = \\frac{\\sum_{i=1}^{k} \\sigma_{m+1-i}^2}
                       {\\sum_{i=1}^{m} \\sigma_i^2} \\in [0, 1],

    with :math:`R_k(0) = 0`. Added to a training loss as
    :math:`\\eta \\, P_k(F)`, it shrinks the spectral components of the
    features that carry untransferable, noisy directions (Chen, Wang, Fu,
    Long & Wang, "Catastrophic forgetting meets negative transfer: Batch
    Spectral Shrinkage for safe transfer learning", NeurIPS 2019).

    The singular values come from ``xp.linalg.svdvals``, so on a torch
    tensor with ``requires_grad=True`` the result is differentiable by
    autograd through ``torch.linalg.svdvals``, whose backward does not use
    the singular vectors.

    Parameters
    ----------
    features : array of shape (batch_size, n_features)
        The batch feature matrix :math:`F`, real floating, finite; any array
        namespace supported by array-api-compat (NumPy, CuPy, torch, ...).
    k : int, default=1
        Number of smallest singular values penalised, ``1 <= k < n_features``.
    normalize : bool, default=False
        Divide by :math:`\\lVert F \\rVert_F^2` so that the penalty is
        invariant to the scale of the features (then in :math:`[0, 1]`).
        The ratio is computed on :math:`F / \\max_{ij} |F_{ij}|`, which
        leaves it unchanged and avoids overflow and underflow.

    Returns
    -------
    penalty : 0-d array
        In the namespace, dtype and device of ``features``.

    Raises
    ------
    TypeError
        If ``features`` is not an array-API array of real floating dtype,
        or ``k`` is not an int.
    ValueError
        If ``features`` is not 2-D or not finite, if ``k < 1``, or if
        ``k >= n_features`` (every spectral direction would be penalised: a
        configuration error).

    Notes
    -----
    Rules for a batch too small for ``k``:

    - ``k >= n_features`` raises a ``ValueError`` naming ``k``;
    - ``batch_size <= k < n_features`` (a small last batch) returns ``0``:
      such a batch has at most ``k`` singular values, so penalising them all
      would shrink the whole spectrum; the batch contributes nothing instead.

    When ``batch_size < n_features`` the smallest singular value is the
    ``batch_size``-th one, so the penalty depends on the batch size; keep
    batches of a fixed size (``drop_last=True``) in training.
    """
    xp, k, small_batch = _validate(features, k)
    if small_batch:
        return _zero_like_scalar(xp, features)
    if normalize:
        scale = xp.max(xp.abs(features))
        if not bool(scale > 0):
            return _zero_like_scalar(xp, features)
        features = features / scale
    sigma = xp.linalg.svdvals(features)  # descending
    squared = sigma * sigma
    m = squared.shape[0]
    penalty = xp.sum(squared[m - k :])
    if normalize:
        penalty = penalty / xp.sum(squared)
    return penalty


def spectral_shrinkage_gradient(features, k=1, *, normalize=False):
    """Gradient of :func:`spectral_shrinkage_penalty` with respect to the features.

    With the thin SVD :math:`F = U \\operatorname{diag}(\\sigma) V^\\top` and
    :math:`U_k, \\sigma_k, V_k` the triplets of the ``k`` smallest singular
    values,

    .. math::

        \\nabla P_k(F) = 2 \\, U_k \\operatorname{diag}(\\sigma_k) V_k^\\top,

    and, for ``normalize=True`` with :math:`S = \\lVert F \\rVert_F^2`,

    .. math::

        \\nabla R_k(F) = \\frac{\\nabla P_k(F) \\, S - P_k(F) \\, 2F}{S^2}.

    This is the gradient wherever :math:`\\sigma_{m-k} > \\sigma_{m-k+1}`
    (the penalised singular values are separated from the others); at a tie
    the penalty is not differentiable and the formula gives a subgradient.
    Chen, Wang, Fu, Long & Wang, "Catastrophic forgetting meets negative
    transfer: Batch Spectral Shrinkage for safe transfer learning",
    NeurIPS 2019.

    Parameters
    ----------
    features : array of shape (batch_size, n_features)
        The batch feature matrix :math:`F`, real floating, finite.
    k : int, default=1
        Number of smallest singular values penalised, ``1 <= k < n_features``.
    normalize : bool, default=False
        Differentiate the scale-free ratio :math:`P_k(F) / \\lVert F
        \\rVert_F^2` instead (zero gradient at :math:`F = 0`).

    Returns
    -------
    gradient : array of shape (batch_size, n_features)
        In the namespace, dtype and device of ``features``.

    Raises
    ------
    TypeError, ValueError
        As :func:`spectral_shrinkage_penalty`; in particular ``k >=
        n_features`` raises, and ``batch_size <= k < n_features`` returns a
        zero gradient (the batch contributes nothing).
    """
    xp, k, small_batch = _validate(features, k)
    if small_batch:
        return xp.zeros_like(features)
    scale = None
    if normalize:
        scale = xp.max(xp.abs(features))
        if not bool(scale > 0):
            return xp.zeros_like(features)
        features = features / scale
    u, sigma, vt = xp.linalg.svd(features, full_matrices=False)
    m = sigma.shape[0]
    sigma_k = sigma[m - k :]
    grad = (2.0 * (u[:, m - k :] * sigma_k)) @ vt[m - k :, :]
    if normalize:
        # Computed on G = F / c: R is scale-free, so grad R(F) = grad R(G) / c.
        penalty = xp.sum(sigma_k * sigma_k)
        total = xp.sum(sigma * sigma)
        grad = (grad - (2.0 * penalty / total) * features) / (total * scale)
    return grad
