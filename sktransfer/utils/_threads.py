"""One BLAS thread in the solvers' hot paths, cheaply.

On small linear algebra two BLAS threads were measured to slow the 2-core
machines several-fold. ``threadpoolctl.threadpool_limits`` rescans the loaded
libraries at every call (milliseconds, more than a small fit costs), so one
:class:`threadpoolctl.ThreadpoolController` is built on first use and reused.
"""

from threadpoolctl import ThreadpoolController

_CONTROLLER = None


def _controller():
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER


def single_blas_thread():
    """Context manager limiting BLAS to one thread (a cached controller)."""
    return _controller().limit(limits=1, user_api="blas")


def single_thread():
    """Context manager limiting BLAS and OpenMP pools to one thread each.

    Used around each chunk of a simulation study: parallel workers must not
    oversubscribe the cores, and a fixed thread count keeps BLAS results
    bit-identical whatever the number of workers.
    """
    return _controller().limit(limits=1)
