"""Batch Spectral Shrinkage penalty and gradient (array API kernels)."""

import numpy as np
import pytest

from sktransfer._kernels import (
    spectral_shrinkage_gradient,
    spectral_shrinkage_penalty,
)

SHAPES = [(4, 7), (9, 5), (6, 6)]  # b < d, b > d, b = d


def _features(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _reference(features, k, normalize=False):
    sigma = np.linalg.svd(np.asarray(features, dtype=np.float64), compute_uv=False)
    penalty = np.sum(np.sort(sigma)[:k] ** 2)
    if normalize:
        penalty /= np.sum(sigma**2)
    return penalty


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("normalize", [False, True])
def test_penalty_matches_numpy_svd(shape, k, dtype, normalize):
    features = _features(shape, seed=k, dtype=dtype)
    value = spectral_shrinkage_penalty(features, k, normalize=normalize)
    assert np.ndim(value) == 0
    assert value.dtype == dtype
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(value, _reference(features, k, normalize), rtol=rtol)
    if normalize:
        assert 0.0 <= value <= 1.0


def _finite_difference(features, k, normalize, step):
    grad = np.zeros_like(features)
    for idx in np.ndindex(*features.shape):
        plus, minus = features.copy(), features.copy()
        plus[idx] += step
        minus[idx] -= step
        grad[idx] = (
            spectral_shrinkage_penalty(plus, k, normalize=normalize)
            - spectral_shrinkage_penalty(minus, k, normalize=normalize)
        ) / (2 * step)
    return grad


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("normalize", [False, True])
def test_gradient_matches_finite_differences(shape, k, normalize):
    features = _features(shape, seed=10 + k)
    grad = spectral_shrinkage_gradient(features, k, normalize=normalize)
    assert grad.shape == features.shape and grad.dtype == features.dtype
    step = 1e-6
    numeric = _finite_difference(features, k, normalize, step)
    # Central differences: O(step^2) truncation + O(eps / step) rounding.
    scale = 1.0 + np.max(np.abs(grad))
    tol = 10 * (step**2 + np.finfo(np.float64).eps / step) * scale
    np.testing.assert_allclose(grad, numeric, rtol=0, atol=tol)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("normalize", [False, True])
def test_gradient_matches_torch_autograd(shape, k, normalize):
    torch = pytest.importorskip("torch")
    features = _features(shape, seed=20 + k)
    tensor = torch.tensor(features, requires_grad=True)
    value = spectral_shrinkage_penalty(tensor, k, normalize=normalize)
    assert isinstance(value, torch.Tensor) and value.ndim == 0
    assert value.dtype == torch.float64 and value.requires_grad
    (autograd,) = torch.autograd.grad(value, tensor)
    np.testing.assert_allclose(
        value.detach().numpy(), _reference(features, k, normalize), rtol=1e-10
    )
    expected = spectral_shrinkage_gradient(features, k, normalize=normalize)
    np.testing.assert_allclose(autograd.numpy(), expected, rtol=1e-8, atol=1e-10)
    # The gradient function itself also runs on torch tensors.
    torch_grad = spectral_shrinkage_gradient(tensor.detach(), k, normalize=normalize)
    assert isinstance(torch_grad, torch.Tensor)
    np.testing.assert_allclose(torch_grad.numpy(), expected, rtol=1e-8, atol=1e-10)


def test_torch_small_batch_and_zero_stay_differentiable():
    torch = pytest.importorskip("torch")
    small = torch.ones((2, 5), dtype=torch.float32, requires_grad=True)
    value = spectral_shrinkage_penalty(small, k=3)
    assert value.dtype == torch.float32 and value.item() == 0.0
    (grad,) = torch.autograd.grad(value, small)
    assert torch.all(grad == 0)
    zero = torch.zeros((4, 5), dtype=torch.float64, requires_grad=True)
    value = spectral_shrinkage_penalty(zero, normalize=True)
    (grad,) = torch.autograd.grad(value, zero)
    assert value.item() == 0.0 and torch.all(grad == 0)


@pytest.mark.parametrize("normalize", [False, True])
def test_array_api_strict(normalize):
    # array-api-strict >= 2.0 enables the ``linalg`` extension (svd, svdvals)
    # by default; nothing needs to be set.
    xp = pytest.importorskip("array_api_strict")
    features = _features((5, 8), seed=3)
    strict = xp.asarray(features)
    value = spectral_shrinkage_penalty(strict, 2, normalize=normalize)
    grad = spectral_shrinkage_gradient(strict, 2, normalize=normalize)
    assert isinstance(value, type(strict)) and value.ndim == 0
    assert isinstance(grad, type(strict)) and grad.shape == (5, 8)
    assert value.dtype == xp.float64 and grad.dtype == xp.float64
    np.testing.assert_allclose(
        float(value), _reference(features, 2, normalize), rtol=1e-10
    )
    np.testing.assert_allclose(
        np.asarray(grad),
        spectral_shrinkage_gradient(features, 2, normalize=normalize),
        rtol=1e-10,
        atol=1e-12,
    )
    small = spectral_shrinkage_penalty(xp.asarray(features[:2]), 3)
    assert float(small) == 0.0


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("k", [1, 2])
def test_homogeneity(shape, k):
    features = _features(shape, seed=30 + k)
    c = 3.7
    base = spectral_shrinkage_penalty(features, k)
    np.testing.assert_allclose(
        spectral_shrinkage_penalty(c * features, k), c**2 * base, rtol=1e-10
    )
    grad = spectral_shrinkage_gradient(features, k)
    # Degree 2: Euler's identity <grad P, F> = 2 P.
    np.testing.assert_allclose(np.sum(grad * features), 2 * base, rtol=1e-10)

    ratio = spectral_shrinkage_penalty(features, k, normalize=True)
    for c in (1e-30, 0.5, 3.7, 1e30):
        np.testing.assert_allclose(
            spectral_shrinkage_penalty(c * features, k, normalize=True),
            ratio,
            rtol=1e-10,
        )
    grad = spectral_shrinkage_gradient(features, k, normalize=True)
    # Degree 0: the gradient is orthogonal to F.
    assert abs(np.sum(grad * features)) < 1e-12 * np.linalg.norm(grad) * np.linalg.norm(
        features
    )


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("k", [1, 2])
def test_gradient_step_shrinks_smallest_singular_values(normalize, k):
    features = _features((12, 6), seed=40 + k)
    before = np.linalg.svd(features, compute_uv=False)
    grad = spectral_shrinkage_gradient(features, k, normalize=normalize)
    step = 0.1 if not normalize else 0.1 * np.sum(features**2)
    after = np.linalg.svd(features - step * grad, compute_uv=False)
    assert np.all(after[-k:] < before[-k:])
    # The step only moves the penalised triplets (normalize=False: exactly).
    if not normalize:
        np.testing.assert_allclose(after[:-k], before[:-k], rtol=1e-10)
        np.testing.assert_allclose(after[-k:], (1 - 2 * step) * before[-k:])
    assert spectral_shrinkage_penalty(
        features - step * grad, k, normalize=normalize
    ) < spectral_shrinkage_penalty(features, k, normalize=normalize)


@pytest.mark.parametrize("normalize", [False, True])
def test_small_batch_contributes_nothing(normalize):
    features = _features((3, 10), dtype=np.float32)
    for k in (3, 4, 9):  # b <= k < d
        value = spectral_shrinkage_penalty(features, k, normalize=normalize)
        grad = spectral_shrinkage_gradient(features, k, normalize=normalize)
        assert value == 0 and value.dtype == np.float32
        assert grad.dtype == np.float32 and not np.any(grad)
    # k = b - 1 leaves one singular value free: a real penalty.
    assert spectral_shrinkage_penalty(features, 2, normalize=normalize) > 0


@pytest.mark.parametrize(
    "func", [spectral_shrinkage_penalty, spectral_shrinkage_gradient]
)
def test_k_validation(func):
    features = _features((10, 4))
    for k in (4, 5):  # k >= d
        with pytest.raises(ValueError, match="k="):
            func(features, k)
    with pytest.raises(ValueError, match="k"):
        func(features[:2], 4)  # k >= d wins over the small-batch rule
    for k in (0, -1):
        with pytest.raises(ValueError, match="k"):
            func(features, k)
    for k in (1.0, "1", True, None):
        with pytest.raises(TypeError, match="k"):
            func(features, k)
    func(features, np.int64(2))  # NumPy integers are ints


@pytest.mark.parametrize(
    "func", [spectral_shrinkage_penalty, spectral_shrinkage_gradient]
)
def test_features_validation(func):
    with pytest.raises(ValueError, match="features"):
        func(np.ones(5))
    with pytest.raises(ValueError, match="features"):
        func(np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="features"):
        func(np.ones((4, 5), dtype=np.int64))
    with pytest.raises(TypeError, match="features"):
        func(np.ones((4, 5), dtype=np.complex128))
    with pytest.raises(TypeError, match="features"):
        func([[1.0, 2.0], [3.0, 4.0]])
    for bad in (np.nan, np.inf, -np.inf):
        features = _features((4, 5))
        features[1, 2] = bad
        with pytest.raises(ValueError, match="features"):
            func(features)


def test_zero_matrix():
    zero = np.zeros((4, 6))
    with np.errstate(all="raise"):
        assert spectral_shrinkage_penalty(zero) == 0
        assert spectral_shrinkage_penalty(zero, 2, normalize=True) == 0
        grad = spectral_shrinkage_gradient(zero, 2, normalize=True)
    assert np.all(grad == 0) and not np.any(np.isnan(grad))
    assert not np.any(spectral_shrinkage_gradient(zero))
