"""Class-split transfer on scikit-learn's handwritten digits (shipped, no download).

Pretrain on some digit classes (the source), then learn other digit classes
(the target) from a few labelled images each.
"""

import numbers

import numpy as np
from sklearn.utils import Bunch

from ..utils._validation import check_generator, check_int

__all__ = ["load_digits_transfer"]

_N_DIGITS = 10
_IMAGE_SHAPE = (8, 8)
# Pixel intensities of the digits data are integers 0..16.
_MAX_PIXEL = 16.0

_DESCR = """\
Digits class-split transfer
---------------------------

scikit-learn's optical handwritten digits (1797 images of 8x8 pixels, about
180 per digit 0..9, from the UCI repository), split by class into a source
task and a target task. Pixels are scaled to [0, 1] (divided by 16) and stored
as float32, flattened to 64 features (reshape to image_shape, or to
(-1, 1, 8, 8) for a convolutional network). Labels keep their digit values.

- X_source, y_source: every image of the source classes;
- X_target, y_target: n_target_per_class images of each target class, drawn
  at random without replacement (a stratified few-shot sample);
- X_test, y_test: other target-class images (all of them, or a stratified
  draw of test_size of them), never in X_target.

source_indices, target_indices and test_indices give the rows of
sklearn.datasets.load_digits().data that each part holds.
"""


def _check_classes(value, name):
    """A non-empty sequence of distinct digit classes, as a sorted int64 array."""
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise TypeError(
            f"{name} must be a sequence of digit classes (ints in 0..9), got "
            f"{type(value).__name__} {value!r}."
        )
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            raise ValueError(
                f"{name} must be one-dimensional, got an array of shape "
                f"{value.shape}."
            )
        values = value.tolist()
    else:
        values = list(value)
    if not values:
        raise ValueError(f"{name} must contain at least one digit class, got none.")
    for v in values:
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Integral):
            raise TypeError(
                f"{name} must contain ints in 0..9, got {type(v).__name__} {v!r}."
            )
        if not 0 <= v < _N_DIGITS:
            raise ValueError(f"{name} must contain ints in 0..9, got {v!r}.")
    classes = np.array([int(v) for v in values], dtype=np.int64)
    unique, counts = np.unique(classes, return_counts=True)
    if unique.size < classes.size:
        raise ValueError(
            f"{name} must not repeat a class, got {unique[counts > 1].tolist()} "
            "more than once."
        )
    return unique


def _check_test_size(test_size, n_remaining, n_classes):
    """The number of test images, from ``None``, an int or a fraction."""
    if test_size is None:
        return n_remaining
    if isinstance(test_size, bool | np.bool_) or not isinstance(
        test_size, numbers.Real
    ):
        raise TypeError(
            "test_size must be None, an int or a float in (0, 1], got "
            f"{type(test_size).__name__} {test_size!r}."
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    else:
        fraction = float(test_size)
        if not 0.0 < fraction <= 1.0:
            raise ValueError(
                f"test_size as a fraction must be in (0, 1], got {test_size!r}."
            )
        n_test = int(np.ceil(fraction * n_remaining))
    if not n_classes <= n_test <= n_remaining:
        raise ValueError(
            f"test_size must give between {n_classes} (one image per target "
            f"class) and {n_remaining} (all images not in the target sample) "
            f"test images, got test_size={test_size!r} ({n_test} images)."
        )
    return n_test


def _allocate(total, available):
    """Stratified counts: one per class, the rest in proportion to what is left.

    Largest-remainder rounding in integer arithmetic (ties go to the earlier
    class), so ``1 <= counts <= available`` and ``counts.sum() == total``.
    """
    available = np.asarray(available, dtype=np.int64)
    counts = np.ones_like(available)
    rest = total - available.size
    spare = available - 1
    if rest == 0:
        return counts
    scaled = rest * spare
    floors = scaled // spare.sum()
    remainders = scaled - floors * spare.sum()
    extra = rest - int(floors.sum())
    order = np.argsort(-remainders, kind="stable")
    floors[order[:extra]] += 1
    return counts + floors


def load_digits_transfer(*, source_classes=(0, 1, 2, 3, 4),
                         target_classes=(5, 6, 7, 8, 9), n_target_per_class=10,
                         test_size=None, random_state=None):
    """Load a class-split transfer task built from scikit-learn's digits.

    The images of :func:`sklearn.datasets.load_digits` (shipped with
    scikit-learn: nothing is downloaded) are split by digit class. A model
    is pretrained on the *source classes*, where all images are labelled,
    and transferred to the *target classes*, of which only
    ``n_target_per_class`` labelled images per class are given; it is scored
    on held-out target-class images.

    Pixels are divided by 16 (their maximum), so they lie in ``[0, 1]``, and
    stored as ``float32``, the default dtype of torch modules. Each image is
    a row of 64 features; reshape to ``image_shape`` ``(8, 8)`` for an image.
    Labels keep their digit values (``int64``); re-index them (e.g. with
    :class:`~sklearn.preprocessing.LabelEncoder`) where a network needs
    ``0, …, n_classes - 1``.

    The target sample is a stratified random draw: for each target class,
    ``n_target_per_class`` of its images, uniformly without replacement. The
    test set holds the images of the target classes not in the target sample
    (all of them when ``test_size=None``, otherwise a stratified random draw
    of them, with at least one image per class and the rest in proportion to
    the images each class has left). Every part lists its images in the order
    of the original data set.

    Parameters
    ----------
    source_classes : sequence of int, default=(0, 1, 2, 3, 4)
        Digits of the source task: distinct ints in ``0..9``, at least one.
    target_classes : sequence of int, default=(5, 6, 7, 8, 9)
        Digits of the target task: distinct ints in ``0..9``, at least one,
        none of them a source class.
    n_target_per_class : int, default=10
        Labelled target images per target class, at least 1 and small enough
        to leave at least one test image for every target class (each digit
        has between 174 and 183 images).
    test_size : int, float or None, default=None
        Size of the test set: ``None`` takes every target-class image not in
        the target sample; an int is a number of images; a float in
        ``(0, 1]`` is a fraction of those images (rounded up). It must come
        to at least one image per target class.
    random_state : int, Generator, SeedSequence, RandomState or None, default=None
        Source of randomness for the target sample and the test draw (see
        :func:`~sktransfer.utils._validation.check_generator`).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With keys

        - ``X_source`` : ndarray of float32 of shape (n_source, 64), every
          image of the source classes; ``y_source`` : ndarray of int64 of
          shape (n_source,), their digits.
        - ``X_target`` : ndarray of float32 of shape
          (n_target_per_class * len(target_classes), 64); ``y_target`` :
          ndarray of int64, ``n_target_per_class`` of each target digit.
        - ``X_test`` : ndarray of float32 of shape (n_test, 64); ``y_test`` :
          ndarray of int64 of shape (n_test,), target-class images not in
          ``X_target``.
        - ``source_classes``, ``target_classes`` : ndarray of int64, the
          digits of each task, sorted.
        - ``source_indices``, ``target_indices``, ``test_indices`` : ndarray
          of int64, the rows of ``load_digits().data`` in each part.
        - ``image_shape`` : ``(8, 8)``.
        - ``DESCR`` : str, a description of the data.

    Examples
    --------
    >>> from sktransfer.datasets import load_digits_transfer
    >>> data = load_digits_transfer(n_target_per_class=5, random_state=0)
    >>> data.X_source.shape, data.X_target.shape, data.X_test.shape
    ((901, 64), (25, 64), (871, 64))
    >>> data.X_source.dtype, data.y_target.dtype
    (dtype('float32'), dtype('int64'))
    """
    source = _check_classes(source_classes, "source_classes")
    target = _check_classes(target_classes, "target_classes")
    shared = np.intersect1d(source, target)
    if shared.size:
        raise ValueError(
            "source_classes and target_classes must be disjoint, got "
            f"{shared.tolist()} in both."
        )
    n_per_class = check_int(n_target_per_class, "n_target_per_class", 1)

    from sklearn.datasets import load_digits  # shipped data, imported lazily

    digits = load_digits()
    labels = digits.target.astype(np.int64)
    class_rows = [np.flatnonzero(labels == c) for c in target]
    sizes = np.array([rows.size for rows in class_rows])
    if n_per_class >= sizes.min():
        smallest = int(target[np.argmin(sizes)])
        raise ValueError(
            "n_target_per_class must leave at least one test image in every "
            f"target class: it must be < {sizes.min()} (digit {smallest} has "
            f"{sizes.min()} images), got {n_per_class}."
        )
    left = sizes - n_per_class
    n_test = _check_test_size(test_size, int(left.sum()), target.size)
    rng = check_generator(random_state)

    test_counts = _allocate(n_test, left)
    target_parts, test_parts = [], []
    for rows, n_test_class in zip(class_rows, test_counts, strict=True):
        shuffled = rng.permutation(rows)
        target_parts.append(shuffled[:n_per_class])
        test_parts.append(shuffled[n_per_class:n_per_class + n_test_class])
    source_indices = np.flatnonzero(np.isin(labels, source)).astype(np.int64)
    target_indices = np.sort(np.concatenate(target_parts)).astype(np.int64)
    test_indices = np.sort(np.concatenate(test_parts)).astype(np.int64)

    X = (digits.data / _MAX_PIXEL).astype(np.float32)
    return Bunch(
        X_source=X[source_indices],
        y_source=labels[source_indices],
        X_target=X[target_indices],
        y_target=labels[target_indices],
        X_test=X[test_indices],
        y_test=labels[test_indices],
        source_classes=source,
        target_classes=target,
        source_indices=source_indices,
        target_indices=target_indices,
        test_indices=test_indices,
        image_shape=_IMAGE_SHAPE,
        DESCR=_DESCR,
    )
