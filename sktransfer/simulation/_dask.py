"""Connect to, or start, a dask cluster for ``joblib``'s dask backend."""

import os

_HINT = ("dask_client needs dask.distributed: pip install 'sktransfer[dist]' "
         "(or pip install 'dask[distributed]').")

# Settings of a local cluster for short CPU-bound tasks (see dask_client).
_BATCH_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}


def dask_client(address=None, *, n_workers=None, threads_per_worker=1,
                batch_settings=True, **kwargs):
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
    batch_settings : bool, default=True
        Start a local cluster's workers for short CPU-bound tasks: without
        dask's ``MALLOC_TRIM_THRESHOLD_`` (setting it switches off glibc's
        adaptive mmap threshold, so every array of 128 KiB or more is mapped
        afresh from the OS; on the simulation benchmark a chunk took 1.5 to
        1.8 times as long in such a worker as in a plain process), with the
        statistical profiler off and slower housekeeping ticks (less idle
        CPU), and with ``NUMBA_NUM_THREADS=1`` beside dask's one-thread
        settings for BLAS and OpenMP. Dask's defaults favour long-running
        workers that must return memory to the OS. Ignored when connecting
        to ``address``, whose workers are already running. Either way, the
        environment variables dask's nanny sets in this process before it
        spawns the workers are removed again once the cluster is up.
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
        import dask
        from distributed import Client
    except ImportError:
        raise ImportError(_HINT) from None
    if address is not None:
        if not isinstance(address, str):
            raise TypeError(f"address must be a string, got {type(address).__name__}.")
        return Client(address, **kwargs)
    if not isinstance(batch_settings, bool):
        raise TypeError(f"batch_settings must be a bool, got {batch_settings!r}.")
    config = {}
    if batch_settings:
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        environ["NUMBA_NUM_THREADS"] = 1  # as dask already does for BLAS/OpenMP
        config = {**_BATCH_CONFIG, "distributed.nanny.pre-spawn-environ": environ}
    saved = dict(os.environ)
    try:
        with dask.config.set(config):
            return Client(n_workers=n_workers, threads_per_worker=threads_per_worker,
                          **kwargs)
    finally:
        # A dask Nanny writes its pre-spawn environment (thread counts, malloc
        # settings) into this process's os.environ and leaves it there, where
        # processes started later (loky workers) would inherit it.
        _restore_environ(saved)


def _restore_environ(saved):
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value
