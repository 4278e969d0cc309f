"""Where batches run: the local cores (a process pool) or a Dask distributed cluster. Same interface.

Both are context managers whose ``map_unordered(fn, items)`` yields ``fn(item)`` as each finishes.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any


class LocalExecutor:
    """A process pool on this machine (all cores by default; 1 worker runs in this process)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> LocalExecutor:
        if self.workers > 1:
            # forkserver: workers start from a clean single-threaded process (fork from a threaded one can deadlock)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Results of fn over items, in completion order (a bounded number of tasks in flight)."""
        items = list(items)
        if self._pool is None:
            yield from (fn(item) for item in items)
            return
        pending, queue = set(), iter(items)
        for item in queue:
            pending.add(self._pool.submit(fn, item))
            if len(pending) >= 4 * self.workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                following = next(queue, None)
                if following is not None:
                    pending.add(self._pool.submit(fn, following))


class DaskExecutor:
    """A Dask distributed cluster: ``address`` such as ``tcp://host:8786``, or an existing cluster object."""

    def __init__(self, address: Any) -> None:
        self.address = address
        self._client = None

    def __enter__(self) -> DaskExecutor:
        from distributed import Client

        self._client = Client(self.address)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        """Results of fn over items, in completion order."""
        from distributed import as_completed

        futures = [self._client.submit(fn, item, pure=False) for item in items]
        for future in as_completed(futures):
            yield future.result()
            future.release()


def executor_for(scheduler: str | None, workers: int | None = None) -> LocalExecutor | DaskExecutor:
    """The Dask executor when a scheduler address is given, else the local pool."""
    return DaskExecutor(scheduler) if scheduler else LocalExecutor(workers)
