"""Training-memory measurements that need no GPU."""

import torch


class SavedTensorBytes:
    """Count the bytes autograd saves for the backward pass.

    A context manager around a forward pass: every tensor that autograd packs
    for backward goes through :func:`torch.autograd.graph.saved_tensors_hooks`
    and the bytes of its storage are added to :attr:`bytes`, once per
    storage (a ReLU's output that the next layer saves again, or a view of a
    saved tensor, costs memory once). This is the memory a training step
    holds for its backward pass, the quantity parameter-efficient methods
    such as Ladder Side-Tuning save (Sung, Cho & Bansal, NeurIPS 2022),
    measured deterministically on any device. The tensors must stay alive
    while the context is open (keep the forward's output), as they do in a
    training step.

    Autograd also saves weights (a matrix product keeps its weight operand),
    which cost no memory beyond the parameters themselves. Given the
    network's ``parameters``, :attr:`activation_bytes` counts only the saved
    tensors that share no storage with a parameter: the activation memory
    proper, which grows with the batch size.

    Parameters
    ----------
    parameters : iterable of torch.Tensor, optional
        The parameters whose saved views are left out of
        :attr:`activation_bytes`.

    Attributes
    ----------
    bytes : int
        Bytes of all saved storages.
    activation_bytes : int
        Saved bytes outside the parameters' storage (equals :attr:`bytes`
        without ``parameters``).
    count : int
        Number of saved tensors.

    Examples
    --------
    >>> import torch
    >>> from sktransfer.neural import SavedTensorBytes
    >>> layer = torch.nn.Linear(4, 3)
    >>> with SavedTensorBytes() as saved:
    ...     loss = layer(torch.ones(2, 4)).square().sum()
    >>> saved.bytes > 0
    True
    >>> x = torch.ones(2, 4, requires_grad=True)  # its gradient needs the weight
    >>> with SavedTensorBytes(layer.parameters()) as saved:
    ...     loss = layer(x).square().sum()
    >>> saved.activation_bytes < saved.bytes  # the weight is left out
    True
    """

    def __init__(self, parameters=()):
        self.bytes = 0
        self.activation_bytes = 0
        self.count = 0
        self._seen = set()
        self._parameter_storage = {
            p.untyped_storage().data_ptr() for p in parameters
        }
        self._hooks = None

    def _pack(self, tensor):
        storage = tensor.untyped_storage()
        key = storage.data_ptr()
        if key not in self._seen:
            self._seen.add(key)
            size = storage.nbytes()
            self.bytes += size
            if key not in self._parameter_storage:
                self.activation_bytes += size
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
