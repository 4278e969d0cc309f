"""Where many runs execute: one ``Executor`` protocol, with a local process pool and a Dask cluster behind it.

Every workflow that runs more than one model (sweeps, sensitivity analysis, comparison, target search, report
replicates, validation) takes an ``Executor``. Results never depend on which executor or how many workers: every
task carries its own seed (seeded per run, not per worker), and ``map_ordered`` returns results in task order.

An executor is a context manager that owns its workers, like EMA Workbench's evaluators::

    with LocalExecutor(4) as executor:           # or DaskExecutor("tcp://head:8786")
        tables = map_ordered(executor, run_one, specs)

Entering an executor that is already open is allowed and shares its workers (a workflow can keep one pool
across many calls); the outermost ``with`` block starts and stops them.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from functools import partial
from typing import Any, Protocol, Self, runtime_checkable

#: Tasks kept in flight per local worker: enough to keep every core busy between results, few enough that a
#: long list of tasks is not pickled into the pool at once.
TASKS_IN_FLIGHT_PER_WORKER = 4


@runtime_checkable
class Executor(Protocol):
    """Runs a picklable, module-level function over items on some workers.

    ``map_unordered(fn, items)`` yields ``fn(item)`` for every item as each finishes (completion order). Use it
    inside ``with executor:``; ``map_ordered`` does that for you and restores the order of the items.
    """

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def map_unordered[T, R](self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn(item)`` for every item, in completion order."""
        ...


class _Shared:
    """Re-entrant start and stop: the outermost ``with`` block owns the workers."""

    def __init__(self) -> None:
        self._depth = 0

    def __enter__(self) -> Self:
        if self._depth == 0:
            self._start()
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._stop()

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError

    def _check_open(self) -> None:
        if self._depth == 0:
            raise RuntimeError(f"use the {type(self).__name__} inside a 'with' block (or call map_ordered)")


class LocalExecutor(_Shared):
    """A process pool on this machine (all cores by default); with 1 worker, tasks run in this process."""

    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def __repr__(self) -> str:
        return f"LocalExecutor(workers={self.workers})"

    def _start(self) -> None:
        if self.workers > 1:
            # forkserver: workers start from a clean single-threaded process (fork from a threaded one can deadlock)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver"))

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map_unordered[T, R](self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Results of fn over items, in completion order (a bounded number of tasks in flight)."""
        self._check_open()
        if self._pool is None:
            yield from (fn(item) for item in items)
            return
        pending, queue = set(), iter(items)
        for item in queue:
            pending.add(self._pool.submit(fn, item))
            if len(pending) >= TASKS_IN_FLIGHT_PER_WORKER * self.workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                following = next(queue, None)
                if following is not None:
                    pending.add(self._pool.submit(fn, following))


class DaskExecutor(_Shared):
    """A Dask distributed cluster: ``address`` such as ``tcp://host:8786``, or a cluster object (``LocalCluster``)."""

    def __init__(self, address: Any) -> None:
        super().__init__()
        self.address = address
        self._client = None

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"

    def _start(self) -> None:
        from distributed import Client

        self._client = Client(self.address)

    def _stop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def map_unordered[T, R](self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """Results of fn over items, in completion order."""
        from distributed import as_completed

        self._check_open()
        futures = [self._client.submit(fn, item, pure=False) for item in items]
        for future in as_completed(futures):
            yield future.result()
            future.release()


def executor_for(scheduler: str | None = None, workers: int | None = None, tasks: int | None = None) -> Executor:
    """The Dask executor when a scheduler address is given, else a local pool.

    The local pool has ``workers`` processes; by default one per core, or one per task when fewer ``tasks``
    are known to come (a single task then runs in this process).
    """
    if scheduler:
        return DaskExecutor(scheduler)
    if workers is None and tasks is not None:
        return local_for(tasks)
    return LocalExecutor(workers)


def local_for(tasks: int) -> LocalExecutor:
    """The default executor for ``tasks`` tasks: a local pool no larger than needed (one task runs in-process)."""
    return LocalExecutor(max(1, min(tasks, os.cpu_count() or 1)))


def map_ordered[T, R](executor: Executor, fn: Callable[[T], R], items: Iterable[T],
                progress: Callable[[int, int], None] | None = None) -> list[R]:
    """``[fn(item) for item in items]`` run on ``executor``.

    ``progress(done, total)`` is called at the start and as each task finishes.
    """
    items = list(items)
    results: list[Any] = [None] * len(items)
    if progress:
        progress(0, len(items))
    with executor:
        for done, (i, result) in enumerate(executor.map_unordered(partial(_indexed, fn), enumerate(items)), 1):
            results[i] = result
            if progress:
                progress(done, len(items))
    return results


def _indexed[T, R](fn: Callable[[T], R], numbered: tuple[int, T]) -> tuple[int, R]:
    i, item = numbered
    return i, fn(item)
