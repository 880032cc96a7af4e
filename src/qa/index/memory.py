"""Hand memory the process has freed back to the system.

A build's vectors arrive as many small arrays (a document's chunks, a chunk's
sentences). glibc keeps small freed blocks in the process's heap for reuse, but
the large arrays they are joined into are mapped fresh, so without this the
freed gigabytes stay resident beside their copy (a 1M-chunk build peaked at
21 GB: objects, the small arrays, and their joined copy all at once).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc's malloc_trim); nothing elsewhere."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
