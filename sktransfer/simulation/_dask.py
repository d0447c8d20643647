"""Connect to, or start, a dask cluster for ``joblib``'s dask backend."""

_HINT = ("dask_client needs dask.distributed: pip install 'sktransfer[dist]' "
         "(or pip install 'dask[distributed]').")


def dask_client(address=None, *, n_workers=None, threads_per_worker=1, **kwargs):
    """A :class:`distributed.Client` for running studies on a dask cluster.

    With an ``address`` it connects to a running scheduler; without one it
    starts a local cluster of worker processes (closed with the client).
    Studies then run on the cluster through joblib::

        from joblib import parallel_config
        with dask_client("tcp://scheduler:8786") as client:
            with parallel_config(backend="dask"):
                result = study.run()

    Parameters
    ----------
    address : str, default=None
        Scheduler address (``"tcp://host:8786"``); ``None`` starts a
        :class:`distributed.LocalCluster`.
    n_workers : int, default=None
        Worker processes of a local cluster (dask's default: one per core).
    threads_per_worker : int, default=1
        Threads per worker of a local cluster. One, because simulation
        repetitions are CPU-bound Python and Numba code.
    **kwargs
        Passed to :class:`distributed.Client` (and on to
        :class:`distributed.LocalCluster`), e.g. ``processes=False``.

    Returns
    -------
    distributed.Client

    Raises
    ------
    ImportError
        When dask.distributed is not installed, with the install command.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(_HINT) from None
    if address is not None:
        if not isinstance(address, str):
            raise TypeError(f"address must be a string, got {type(address).__name__}.")
        return Client(address, **kwargs)
    return Client(n_workers=n_workers, threads_per_worker=threads_per_worker, **kwargs)
