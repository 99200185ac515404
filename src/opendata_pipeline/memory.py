"""Give memory that a step freed back to the operating system.

A step over a large table allocates and frees a lot: Arrow's memory pool and the C
library's allocator keep freed memory for reuse, so the process would stay as large
as its largest step for the rest of the run (and the next step would add to it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable
from typing import Any


@functools.cache
def _malloc_trim() -> Callable[[int], Any] | None:
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def release_unused() -> None:
    """Return freed memory of Arrow's pool and of the C allocator (glibc) to the system.

    Arrow is not imported for this: a step that read no table (a no-op run) has no pool.
    """
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
