"""Shared data and a pretrained backbone for the torch-bridge tests.

The backbone is an MLP 64→128→128 pretrained on digits 0–4 (the source);
the tests transfer it to digits 5–9 (the target). It is built once per test
process and only ever copied by the estimators.
"""

import functools

import pytest

torch = pytest.importorskip("torch")

from sktransfer.datasets import load_digits_transfer  # noqa: E402

# One torch thread per pytest-xdist worker: two workers share 2 cores.
torch.set_num_threads(1)


@functools.lru_cache(maxsize=None)
def digits(n_target_per_class=10, seed=0):
    """The class-split digits data (source 0–4, target 5–9)."""
    return load_digits_transfer(n_target_per_class=n_target_per_class,
                                random_state=seed)


@functools.lru_cache(maxsize=None)
def pretrained_backbone():
    """An MLP backbone (no head) pretrained on digits 0–4; do not modify."""
    from sktransfer.neural import FineTuningClassifier

    data = digits()
    pretrainer = FineTuningClassifier(
        module__hidden_layer_sizes=(128, 128), lr=1e-2, max_epochs=30,
        random_state=0,
    ).fit(data.X_source, data.y_source)
    backbone = pretrainer.module_
    for parameter in backbone.parameters():
        parameter.requires_grad_(True)
    return backbone
