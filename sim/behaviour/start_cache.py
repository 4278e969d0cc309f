"""A per-process cache of the equilibrium start's fits, keyed on exactly the numbers the fit reads.

The fit of a region (``sim.behaviour.start.equilibrium_bundles``) is a deterministic function of the per-farm arrays
and per-region constants it passes to the compiled chain kernels; runs that share them (same population and seed,
and parameters that do not enter the start, e.g. a policy that pays later) would repeat it to the last bit. The key
is a BLAKE2b digest of those arrays' bytes, dtypes and shapes (fed by ``Key.add``) and of the source of the modules
that compute the fit, so any input that enters the start changes the key, and a digest means the same thing in
every process (no ``hash()`` randomisation, no object identity). Each process holds its own cache (nothing is shared
or written to disk, so there is nothing to go stale or to lock), bounded by ``MAX_BYTES``, oldest entries dropped
first. Draws from the population stream are never cached: they come after the fit, from the same stream.
Runs that cannot share a start (a sweep whose runs all have their own seed, so their populations differ) skip the
cache (``bypassed``): an entry holds what the fit computes, so results are the same either way.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from sim.kernel_cache import SOURCE_HASH

#: Bytes of cached laws and hazards kept per process: a region of m farms whose file names K bundles takes
#: 8 (K + P) m bytes (about 0.1 MB at 1,000 farms, 5 MB at 100,000 with K = 2); a start whose regions take more
#: together is not cached (``sim.behaviour.start.equilibrium_bundles``).
MAX_BYTES = 16 * 2**20

_entries: OrderedDict[bytes, tuple] = OrderedDict()
_bytes = 0  # of the arrays of ``_entries`` (kept as they change: summing them at every store cost a sweep's run 1 ms)
_bypassing = 0  # ``bypassed`` contexts open in this process, counted under ``_bypass_lock``
_bypass_lock = threading.Lock()


@contextmanager
def bypassed(when: bool = True) -> Iterator[None]:
    """Within it (if ``when``), starts neither look up nor store fits (``active`` is False).

    For runs that cannot share a start: in a sweep whose runs all have their own seed no key is ever met twice, and
    computing one (the digest of a region's per-farm inputs) cost a stacked Sobol run 1.2 ms of its 68. Results do
    not change: an entry is what the fit computes. The switch is the process's (threads running batches side by
    side share it: the cache is off while any of them is inside, and on again when the last leaves, whatever order
    they leave in): only the time a start takes is at stake.
    """
    global _bypassing
    if not when:
        yield
        return
    with _bypass_lock:
        _bypassing += 1
    try:
        yield
    finally:
        with _bypass_lock:
            _bypassing -= 1


def active() -> bool:
    """Whether starts look up and store their fits here (no ``bypassed`` context open)."""
    return _bypassing == 0


class Key:
    """A digest fed with arrays and numbers, in order."""

    def __init__(self) -> None:
        self._digest = hashlib.blake2b(SOURCE_HASH.encode(), digest_size=32)  # the fit's code is part of the key

    def add(self, *values: object) -> Key:
        """Feed arrays (dtype, shape and bytes) and Python numbers, strings and booleans (their repr)."""
        for value in values:
            if isinstance(value, np.ndarray | np.generic):
                array = np.ascontiguousarray(value)
                self._digest.update(f"{array.dtype.str}{array.shape}".encode())
                self._digest.update(array.view(np.uint8).reshape(-1) if array.ndim else array.tobytes())
            elif isinstance(value, bool | int | float | str) or value is None:
                self._digest.update(f"{type(value).__name__}:{value!r};".encode())
            else:
                raise TypeError(f"cannot key a {type(value).__name__}")
        return self

    def digest(self) -> bytes:
        """The key: 32 bytes."""
        return self._digest.digest()


def lookup(key: bytes) -> tuple | None:
    """The entry stored under ``key`` (arrays are read-only), or None."""
    entry = _entries.get(key)
    if entry is not None:
        _entries.move_to_end(key)
    return entry


def _size(entry: tuple) -> int:
    return sum(a.nbytes for a in entry if isinstance(a, np.ndarray))


def store(key: bytes, entry: tuple) -> None:
    """Keep ``entry`` (a tuple whose arrays are frozen here) unless it alone exceeds ``MAX_BYTES``."""
    global _bytes
    size = _size(entry)
    if size > MAX_BYTES:
        return
    for a in entry:
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    replaced = _entries.pop(key, None)
    _bytes -= 0 if replaced is None else _size(replaced)
    _entries[key] = entry
    _bytes += size
    while _bytes > MAX_BYTES:
        _bytes -= _size(_entries.popitem(last=False)[1])


def clear() -> None:
    """Forget every entry (tests)."""
    global _bytes
    _entries.clear()
    _bytes = 0
