"""One BLAS thread in the solvers' hot paths, cheaply.

On small linear algebra two BLAS threads were measured to slow the 2-core
machines several-fold. ``threadpoolctl.threadpool_limits`` rescans the loaded
libraries at every call (milliseconds, more than a small fit costs), so one
:class:`threadpoolctl.ThreadpoolController` is built on first use and reused.
"""

from threadpoolctl import ThreadpoolController

_CONTROLLER = None


def single_blas_thread():
    """Context manager limiting BLAS to one thread (a cached controller)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
