"""Where Numba keeps the compiled kernels: one cache directory per version of the ``sim`` sources.

Numba's on-disk cache (``@njit(cache=True)``) checks a cached kernel against the source of its own file only. A kernel
that calls or inlines an @njit function of another module (``economic.choose_practices`` inlines
``valuation.bundle_utility`` and ``priced_move``) or reads another module's globals (frozen into the compiled code,
e.g. ``sim.practices.NO_TILL`` in the choice kernel) keeps the old compiled code when only that other module changes: a known,
documented limitation of Numba (numba/numba#1833, open since 2016; the notes on ``cache`` in Numba's user guide,
user/jit.rst, added by numba/numba#8359: "Cache invalidation fails to recognize changes in symbols defined in a
different file"; the fix proposed upstream, numba/numba#8396 then #9563, was not merged). Tests would then silently
run stale code.

So the package points Numba's cache at ``<user cache dir>/casim/numba/<key>`` (``~/.cache/casim/numba/<key>`` on
Linux), the key a digest of ``source_hash`` (every file of ``sim`` by relative path and content) and of the Python,
NumPy and Numba versions (Numba's typing of NumPy functions depends on the NumPy version): any change in the package
opens an empty directory, every kernel is compiled once more, and none can load code compiled from other sources.
This module calls ``use_keyed_cache`` when it is first imported, and every module of ``sim`` that compiles kernels
imports it before any of them, itself or through its package's ``__init__`` (``tests/test_kernel_cache.py`` checks
both), because Numba chooses a function's cache directory when ``cache=True`` is applied (its locators read
``numba.config.CACHE_DIR`` then, not at each call). ``sim/__init__.py`` does not import it: importing ``sim`` or its
scenario schema alone (the command line's help) imports neither Numba nor the model. Only ``numba.config`` is set,
never the environment (an inherited ``NUMBA_CACHE_DIR`` would tie a child started after an edit to its parent's old
directory): each process (a spawned sweep worker, a Dask worker) hashes the sources it imports itself and so reaches
the directory of the code it runs; forked workers inherit the setting. A user who sets ``NUMBA_CACHE_DIR`` (or
``cache_dir`` in ``.numba_config.yaml``) keeps that directory and owns its invalidation; when the user cache
directory cannot be written (a read-only home), Numba's own locators are used.

Cost at import: ~1.5 ms to hash the package's ~0.6 MB of sources and ~3 ms to import ``platformdirs`` (measured
in-process on the 2-core development machine), against ~2 s for importing the model (``sim.model``). Each import
touches its directory (its time of last use); when a new directory is made, the older ones beyond the
``KEPT_VERSIONS`` most recently used are removed, unless used within ``GRACE_S`` (a process started before an edit
may still be loading from its own).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

import numba
import numpy as np
import platformdirs

#: The package whose sources key the cache.
PACKAGE_ROOT = Path(__file__).parent
#: Where the keyed directories live unless the user chose ``NUMBA_CACHE_DIR``.
CACHE_ROOT = platformdirs.user_cache_path("casim") / "numba"
#: Directories (source versions) kept besides the one in use: a full cache of the package is ~16 MB.
KEPT_VERSIONS = 4
#: A directory used within this many seconds is never removed (a running process may still read or write it).
GRACE_S = 3600.0
#: Hex digits of the key: 64 bits, enough to tell source versions apart and short enough for Windows' path limit.
KEY_DIGITS = 16
_COMPILED_CACHES = "__pycache__"


def source_hash(root: Path = PACKAGE_ROOT) -> str:
    """SHA-256 (hex) of every file under ``root`` by relative path and content.

    Any change to the model's code or packaged data, committed or not, changes it. ``__pycache__`` folders and hidden
    files (an editor's swap file, ``.DS_Store``) are left out: they are not sources.
    """
    files = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != _COMPILED_CACHES and not name.startswith(".")]
        files.extend(os.path.join(folder, name) for name in names if not name.startswith("."))
    digest = hashlib.sha256()
    for path in sorted(files):
        with open(path, "rb") as source:
            digest.update(os.path.relpath(path, root).encode() + b"\0" + source.read() + b"\0")
    return digest.hexdigest()


#: ``source_hash`` of the sources this process imported (the code it runs).
SOURCE_HASH = source_hash()


def cache_key(sources: str = SOURCE_HASH) -> str:
    """Name of the cache directory of ``sources`` (a ``source_hash``) under this Python, NumPy and Numba."""
    versions = f"python {sys.version}; numpy {np.__version__}; numba {numba.__version__}"
    return hashlib.sha256(f"{sources}; {versions}".encode()).hexdigest()[:KEY_DIGITS]


def use_keyed_cache(root: Path = CACHE_ROOT, key: str | None = None) -> Path | None:
    """Point Numba's cache at ``root / key`` (default ``cache_key()``) and return it; None leaves Numba's choice.

    None when the user set a cache directory (``numba.config.CACHE_DIR``) or ``root / key`` cannot be made.
    """
    if numba.config.CACHE_DIR:
        return None
    directory = root / (key or cache_key())
    try:
        new = not directory.is_dir()
        directory.mkdir(parents=True, exist_ok=True)
        os.utime(directory)  # its time of last use, for ``prune``
    except OSError:
        return None
    if new:
        prune(root, keep=directory)
    numba.config.CACHE_DIR = str(directory)
    return directory


def prune(root: Path, keep: Path, now: float | None = None) -> None:
    """Remove the directories of ``root`` other than ``keep`` beyond the ``KEPT_VERSIONS`` most recently used.

    Directories used within ``GRACE_S`` of ``now`` (seconds since the epoch) stay; errors are ignored (another
    process may be removing the same directory).
    """
    now = time.time() if now is None else now
    try:
        entries = [entry for entry in os.scandir(root) if entry.is_dir() and entry.path != str(keep)]
        used = sorted(((entry.stat().st_mtime, entry.path) for entry in entries), reverse=True)
    except OSError:
        return
    for last_use, path in used[KEPT_VERSIONS:]:
        if now - last_use > GRACE_S:
            shutil.rmtree(path, ignore_errors=True)


#: Numba's cache directory for this process (None: the user's own, or Numba's locators), set at the first import.
DIRECTORY = use_keyed_cache()
