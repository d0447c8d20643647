"""Training-memory measurements that need no GPU."""

import torch


class SavedTensorBytes:
    """Count the bytes autograd saves for the backward pass.

    A context manager around a forward pass: every tensor that autograd packs
    for backward goes through :func:`torch.autograd.graph.saved_tensors_hooks`
    and adds ``numel × element_size`` to :attr:`bytes`. This is the
    activation memory of a training step, the quantity parameter-efficient
    methods such as Ladder Side-Tuning save (Sung, Cho & Bansal, NeurIPS
    2022), measured deterministically on any device. A tensor saved twice is
    counted twice (an upper bound on what the caching allocator holds).

    Examples
    --------
    >>> import torch
    >>> from sktransfer.neural import SavedTensorBytes
    >>> layer = torch.nn.Linear(4, 3)
    >>> with SavedTensorBytes() as saved:
    ...     loss = layer(torch.ones(2, 4)).square().sum()
    >>> saved.bytes > 0
    True
    """

    def __init__(self):
        self.bytes = 0
        self.count = 0
        self._hooks = None

    def _pack(self, tensor):
        self.bytes += tensor.numel() * tensor.element_size()
        self.count += 1
        return tensor

    @staticmethod
    def _unpack(tensor):
        return tensor

    def __enter__(self):
        self._hooks = torch.autograd.graph.saved_tensors_hooks(self._pack, self._unpack)
        self._hooks.__enter__()
        return self

    def __exit__(self, *exc):
        self._hooks.__exit__(*exc)
        self._hooks = None
        return False


def count_trainable_parameters(module):
    """The number of scalar parameters of ``module`` that require gradients."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
