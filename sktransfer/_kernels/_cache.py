"""Keep Numba's on-disk cache consistent across the kernel modules.

Numba keys a cached function on its own source file only: after an edit of
``_prox.py``, a cached caller in ``_coordinate_descent.py`` would still run
the old, inlined prox. Before the kernels are imported, a hash of all kernel
sources is compared with the one recorded beside the cache, and the cache
is dropped when they differ.
"""

import hashlib
from pathlib import Path

_HERE = Path(__file__).parent
_STAMP = _HERE / "__pycache__" / "kernel-sources.sha1"


def drop_stale_cache():
    """Delete cached kernels compiled from other versions of the sources."""
    digest = hashlib.sha1()
    for source in sorted(_HERE.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    current = digest.hexdigest()
    try:
        if _STAMP.read_text() == current:
            return
    except OSError:
        pass
    try:
        _STAMP.parent.mkdir(exist_ok=True)
        for pattern in ("*.nbi", "*.nbc"):
            for cached in _STAMP.parent.glob(pattern):
                cached.unlink(missing_ok=True)
        _STAMP.write_text(current)
    except OSError:  # a read-only install keeps whatever cache it has
        pass
