"""The ``sample_domain`` convention shared with skada.

Rows of a stacked design carry an integer domain label: ``d < 0`` marks
target rows, and each distinct ``d > 0`` is one source. ``None`` means all
rows are target rows. ``0`` is not a valid label.
"""

import numpy as np
import scipy.sparse as sp

TARGET_DOMAIN = -1


def integer_labels(labels, n_samples, noun="integers"):
    """``labels`` as an int64 vector of length ``n_samples``, or a clear error.

    Shared by every ``sample_domain`` reader: a dense 1-d array of integers
    (or of integral floats within the int64 range); ``noun`` names what the
    labels are in the messages.
    """
    if sp.issparse(labels):
        raise TypeError(f"sample_domain must be a dense 1-d array of {noun}.")
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(
            "sample_domain must be 1-d (one label per row), got an array of "
            f"shape {labels.shape}."
        )
    if labels.shape[0] != n_samples:
        raise ValueError(
            f"sample_domain has {labels.shape[0]} entries but X has "
            f"{n_samples} rows."
        )
    if labels.dtype.kind not in "iuf":
        raise TypeError(f"sample_domain must hold {noun}, got dtype {labels.dtype}.")
    if labels.dtype.kind == "f":
        integral = np.all(np.isfinite(labels)) and np.all(labels == np.round(labels))
        if not integral or np.any(np.abs(labels) >= 2.0**62):
            raise ValueError(f"sample_domain must hold {noun} (in the int64 range).")
    return labels.astype(np.int64)


def check_sample_domain(sample_domain, n_samples, *, require_target=True):
    """Validate a ``sample_domain`` vector and return it as an int array.

    Parameters
    ----------
    sample_domain : array-like of shape (n_samples,) or None
        Domain label per row (``< 0`` target, ``> 0`` source). ``None``
        means every row is a target row.
    n_samples : int
        Number of rows of the data it labels.
    require_target : bool, default=True
        Raise if no row is a target row.

    Returns
    -------
    sample_domain : ndarray of shape (n_samples,), dtype int64

    Raises
    ------
    ValueError
        If the length is wrong, a label is 0, non-integer or non-finite, or
        (with ``require_target``) no row is a target row.
    """
    if sample_domain is None:
        return np.full(n_samples, TARGET_DOMAIN, dtype=np.int64)
    domain = integer_labels(sample_domain, n_samples)
    if np.any(domain == 0):
        raise ValueError(
            "sample_domain contains 0; use negative labels for target rows and "
            "positive labels for source rows."
        )
    if require_target and not np.any(domain < 0):
        raise ValueError(
            "sample_domain marks no target rows (labels < 0); at least one "
            "target row is required."
        )
    return domain


def source_labels(domain, min_rows=2):
    """Sorted labels of the sources in a checked ``sample_domain``.

    Parameters
    ----------
    domain : ndarray of int
        Output of :func:`check_sample_domain`.
    min_rows : int, default=2
        Rows each source needs; a source with fewer raises ``ValueError``.

    Returns
    -------
    ndarray
        The distinct positive labels, increasing.
    """
    labels = np.unique(domain[domain > 0])
    for label in labels:
        if np.count_nonzero(domain == label) < min_rows:
            raise ValueError(
                f"sample_domain: source {label} has a single row; each source "
                f"needs at least {min_rows}."
            )
    return labels


def stack_domains(target, sources=()):
    """Stack a target and source data sets into ``(X, y, sample_domain)``.

    Target rows get label ``-1`` and the ``k``-th source (from 0) gets
    ``k + 1``, so nobody hand-codes the sign convention.

    Parameters
    ----------
    target : tuple (X, y)
        Target design of shape (n_0, p) and response of shape (n_0,).
    sources : sequence of tuples (X_k, y_k)
        Source data sets with the same number of features.

    Returns
    -------
    X : ndarray or sparse matrix of shape (n_0 + Σ n_k, p)
        Stacked design (sparse, CSR, if any input is sparse).
    y : ndarray of shape (n_0 + Σ n_k,)
        Stacked response.
    sample_domain : ndarray of shape (n_0 + Σ n_k,)
        ``-1`` on target rows, ``k + 1`` on the rows of source ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.utils import stack_domains
    >>> Xt, yt = np.ones((2, 3)), np.zeros(2)
    >>> Xs, ys = np.zeros((3, 3)), np.ones(3)
    >>> X, y, d = stack_domains((Xt, yt), [(Xs, ys)])
    >>> X.shape, d.tolist()
    ((5, 3), [-1, -1, 1, 1, 1])
    """
    blocks = [_check_pair(target, "target")]
    if isinstance(sources, tuple) and len(sources) == 2 and not isinstance(
        sources[0], tuple | list
    ):
        raise TypeError("sources must be a sequence of (X, y) pairs, e.g. [(X1, y1)].")
    for k, pair in enumerate(sources):
        blocks.append(_check_pair(pair, f"sources[{k}]"))
    n_features = {X.shape[1] for X, _ in blocks}
    if len(n_features) != 1:
        raise ValueError(
            "target and sources must have the same number of features, got "
            f"{[X.shape[1] for X, _ in blocks]}."
        )
    if any(sp.issparse(X) for X, _ in blocks):
        X = sp.vstack([sp.csr_matrix(X) for X, _ in blocks], format="csr")
    else:
        X = np.vstack([X for X, _ in blocks])
    y = np.concatenate([y for _, y in blocks])
    domain = np.concatenate(
        [np.full(Xb.shape[0], TARGET_DOMAIN if k == 0 else k, dtype=np.int64)
         for k, (Xb, _) in enumerate(blocks)]
    )
    return X, y, domain


def _check_pair(pair, name):
    if not isinstance(pair, tuple | list) or len(pair) != 2:
        raise TypeError(f"{name} must be an (X, y) pair.")
    X, y = pair
    if not sp.issparse(X):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"{name}: X must be 2-d, got shape {X.shape}.")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name}: y must be 1-d, got shape {y.shape}.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{name}: X has {X.shape[0]} rows but y has {y.shape[0]} entries."
        )
    return X, y

