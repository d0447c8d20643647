"""K-fold over target rows only; source rows always stay in training."""

import numpy as np
from sklearn.model_selection import KFold

from ..utils import check_sample_domain
from ..utils._sklearn_compat import _MetadataRequester


class TargetKFold(_MetadataRequester):
    """K-fold cross-validation that splits the target rows only.

    Each split tests on one fold of the target rows (``sample_domain < 0``)
    and trains on the other target folds plus *every* source row, so a
    transfer estimator is always scored on target data and always sees all
    of its sources. With ``sample_domain=None`` all rows are target rows and
    this is plain :class:`~sklearn.model_selection.KFold`.

    The splitter requests ``sample_domain`` for ``split`` under metadata
    routing, so ``GridSearchCV(..., cv=TargetKFold())`` receives it.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds of the target rows (at least 2).
    shuffle : bool, default=False
        Whether to shuffle target rows before splitting.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle (used only when ``shuffle=True``).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import TargetKFold
    >>> X = np.zeros((6, 1))
    >>> d = np.array([-1, -1, -1, -1, 1, 1])
    >>> for train, test in TargetKFold(n_splits=2).split(X, sample_domain=d):
    ...     print(train.tolist(), test.tolist())
    [2, 3, 4, 5] [0, 1]
    [0, 1, 4, 5] [2, 3]
    """

    __metadata_request__split = {"sample_domain": True}

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        if isinstance(n_splits, bool) or not isinstance(n_splits, int | np.integer):
            raise TypeError(f"n_splits must be an integer, got {n_splits!r}.")
        if n_splits < 2:
            raise ValueError(f"n_splits must be at least 2, got {n_splits}.")
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be True or False, got {shuffle!r}.")
        self.n_splits = int(n_splits)
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X, y=None, groups=None, sample_domain=None):
        """Generate ``(train, test)`` index arrays.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data (only its number of rows is used).
        y : array-like, default=None
            Ignored.
        groups : array-like, default=None
            Ignored.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain labels (``< 0`` target, ``> 0`` source).

        Yields
        ------
        train, test : ndarray
            Sorted row indices of the training and test rows.
        """
        n_samples = X.shape[0] if hasattr(X, "shape") else len(X)
        domain = check_sample_domain(sample_domain, n_samples)
        target = np.flatnonzero(domain < 0)
        source = np.flatnonzero(domain > 0)
        if target.size < self.n_splits:
            raise ValueError(
                f"Cannot split {target.size} target rows into "
                f"n_splits={self.n_splits} folds."
            )
        kfold = KFold(
            self.n_splits,
            shuffle=self.shuffle,
            random_state=self.random_state if self.shuffle else None,
        )
        for train_t, test_t in kfold.split(target):
            yield np.sort(np.concatenate([target[train_t], source])), target[test_t]

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of splits (``n_splits``)."""
        return self.n_splits
