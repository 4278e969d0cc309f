"""Threads of the compiled kernels.

Every kernel loops over farmers in parallel with no cross-farmer reduction, so results do not depend on the
number of threads or their scheduling; random numbers are drawn with NumPy beforehand and passed in, so a run
stays reproducible from its seed. Compiled code is cached on disk (``cache=True``): only the first run on a
machine pays the compilation.
"""

from __future__ import annotations

import numba


def set_threads(threads: int) -> None:
    """Limit the kernels' threads (sweep workers run one model per core: use 1)."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
