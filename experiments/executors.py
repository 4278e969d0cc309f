"""Where many runs execute: one ``Executor`` protocol, with a local process pool and a Dask cluster behind it.

Every workflow that runs more than one model (sweeps, sensitivity analysis, comparison, target search, report
replicates, validation) takes an ``Executor``. Results never depend on which executor or how many workers: every
run carries its own seed (seeded per run, not per worker), and ``map_ordered`` returns results in task order. Runs
travel in batches (a sweep's plan, ``experiments.runs.run_many``; ``batch_size``), so a worker receives many runs
per task and the cost of a task (pickling, scheduling) is paid once per batch.

An executor is a context manager that owns its workers, like EMA Workbench's evaluators::

    with LocalExecutor(4) as executor:           # or DaskExecutor("tcp://head:8786")
        tables = map_ordered(executor, run_one, specs)

Entering an executor that is already open is allowed and shares its workers (a workflow can keep one pool
across many calls); the outermost ``with`` block starts and stops them.

Workers never outlive their work: a ``with`` block left by an exception (Ctrl+C, SIGTERM turned into an exception
by the command line) terminates them at once, and each local worker exits by itself within
``PARENT_POLL_SECONDS`` when the process that started it dies, even by SIGKILL. A worker that dies (killed for
memory) does not sink the others: the local pool is restarted and the tasks it held run again, each alone, so
the one that kills its worker is found and reported as lost (``map_unordered(..., lost=...)``) or raised.
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, Protocol, Self, runtime_checkable

from experiments.spec import ExperimentError

#: Tasks per worker when many items are cut into batches: enough that a slow batch does not leave the other workers
#: idle at the end, few enough that each task carries many items (the per-task cost is paid once per batch).
BATCHES_PER_WORKER = 20
#: Tasks kept in flight per local worker: enough to keep every core busy between results, few enough that a
#: long list of tasks is not pickled into the pool at once.
TASKS_IN_FLIGHT_PER_WORKER = 4
#: Modules the forkserver imports once, so that every worker it forks starts with them (NumPy, Numba, pandas,
#: SciPy and the model): a worker then starts in milliseconds instead of importing for seconds, which matters
#: when a pool is replaced after a worker died.
PRELOAD = ["experiments.sweep"]
#: Environment of the forkserver (unless the user set these): one BLAS thread, since each worker runs one model
#: per core, and a process with no idle BLAS threads forks cleanly.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: How often a local worker checks that the process that started it is alive (seconds).
PARENT_POLL_SECONDS = 0.5
#: Seconds a stopped pool's worker has to exit after SIGTERM before it is killed, and its manager thread to end.
POOL_STOP_SECONDS = 5.0
#: Seconds to reach a Dask scheduler, and to wait for its first worker, before giving up with a clear error.
DASK_TIMEOUT_SECONDS = 30.0
#: A Dask scheduler address: protocol://host:port (tcp, tls, ucx, ws, wss, inproc) or host:port.
SCHEDULER_ADDRESS = re.compile(r"^((tcp|tls|ucx|ws|wss)://)?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$|^inproc://\S+$")


class WorkerLost(ExperimentError):
    """A task whose worker process died each time it ran (e.g. killed by the kernel for using too much memory)."""


@runtime_checkable
class Executor(Protocol):
    """Runs a picklable, module-level function over items on some workers.

    ``map_unordered(fn, items)`` yields ``fn(item)`` for every item as each finishes (completion order). Use it
    inside ``with executor:``; ``map_ordered`` does that for you and restores the order of the items.
    ``lost(item, error)``, when given, is yielded in place of ``fn(item)`` for a task whose worker died every
    time it ran (instead of raising ``WorkerLost``).
    """

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def map_unordered[T, R](self, fn: Callable[[T], R], items: Iterable[T],
                            lost: Callable[[T, BaseException], R] | None = None) -> Iterator[R]:
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

    def __exit__(self, exc_type: type[BaseException] | None = None, *exc: object) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._stop(aborted=exc_type is not None)

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self, aborted: bool = False) -> None:
        raise NotImplementedError

    def _check_open(self) -> None:
        if self._depth == 0:
            raise RuntimeError(f"use the {type(self).__name__} inside a 'with' block (or call map_ordered)")


def _start_forkserver(context: multiprocessing.context.BaseContext) -> None:
    """Start this process's forkserver (once) with the model preloaded and one BLAS thread."""
    from multiprocessing import forkserver

    context.set_forkserver_preload(PRELOAD)
    added = {k: v for k, v in ONE_BLAS_THREAD.items() if k not in os.environ}
    os.environ.update(added)
    try:
        forkserver.ensure_running()
    finally:
        for key in added:
            del os.environ[key]


def _worker_start(parent_pid: int, parent_started: float) -> None:
    """Set up a local worker: Ctrl+C is the parent's to handle, and the worker exits when the parent dies.

    The objects the worker starts with (the modules the forkserver preloaded: ~250,000 objects) live as long as it
    does, so the cyclic garbage collector is told to leave them alone (``gc.freeze``): a full collection scanned
    them all, about 150 ms once every 100-200 runs of 1,000 farmers (~1 ms a run).
    """
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent_pid, parent_started), daemon=True,
                     name="casim-parent-watch").start()


def _process_started(pid: int) -> float | None:
    """Start time of a live process (None when it is gone or a zombie)."""
    import psutil

    try:
        process = psutil.Process(pid)
        return None if process.status() == psutil.STATUS_ZOMBIE else process.create_time()
    except psutil.Error:
        return None


def _exit_with_parent(parent_pid: int, parent_started: float) -> None:
    """Exit this worker once the parent process is gone (its pid dead, a zombie, or reused by another process)."""
    while True:
        time.sleep(PARENT_POLL_SECONDS)
        if _process_started(parent_pid) != parent_started:
            os._exit(1)


class LocalExecutor(_Shared):
    """A process pool on this machine (all cores by default); with 1 worker, tasks run in this process."""

    def __init__(self, workers: int | None = None) -> None:
        super().__init__()
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        self.restarts = 0  # pools replaced after a worker died

    def __repr__(self) -> str:
        return f"LocalExecutor(workers={self.workers})"

    def _new_pool(self) -> ProcessPoolExecutor:
        # forkserver: workers start from a clean single-threaded process (fork from a threaded one can deadlock)
        if _QUIET_TRACKER not in sys.warnoptions:
            sys.warnoptions.append(_QUIET_TRACKER)
        me = os.getpid()
        context = multiprocessing.get_context("forkserver")
        _start_forkserver(context)
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=context, initializer=_worker_start,
                                   initargs=(me, _process_started(me)))

    def _start(self) -> None:
        if self.workers > 1:
            self._pool = self._new_pool()

    def _stop(self, aborted: bool = False) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            if aborted:
                _terminate(pool)
            else:
                pool.shutdown(wait=True, cancel_futures=True)

    def _send(self, fn: Callable, item: Any, pending: dict[Future, Any], unsent: list[Any]) -> BaseException | None:
        """Submit ``item`` (into ``pending``); when the pool is already broken, keep it in ``unsent``."""
        try:
            pending[self._pool.submit(fn, item)] = item
        except BrokenProcessPool as exc:
            unsent.append(item)
            return exc
        return None

    def map_unordered[T, R](self, fn: Callable[[T], R], items: Iterable[T],
                            lost: Callable[[T, BaseException], R] | None = None) -> Iterator[R]:
        """Results of fn over items, in completion order (a bounded number of tasks in flight).

        A worker that dies breaks the pool: the pool is replaced and the tasks it held run again one at a time;
        a task that kills its worker when running alone is lost (``lost(item, error)`` or ``WorkerLost``).
        """
        self._check_open()
        if self._pool is None:
            yield from (fn(item) for item in items)
            return
        queue, suspects = iter(items), deque()
        pending: dict[Future, Any] = {}
        capacity = TASKS_IN_FLIGHT_PER_WORKER * self.workers
        alone = False  # the task in flight is a suspect running alone
        while True:
            unsent: list[Any] = []  # tasks the pool refused because it broke while they were being submitted
            broken: BaseException | None = None
            if suspects:  # after a worker died: run each task it may have killed alone
                if not pending:
                    broken = self._send(fn, suspects.popleft(), pending, unsent)
                    alone = True
            else:
                alone = False
                while broken is None and len(pending) < capacity and (item := next(queue, _END)) is not _END:
                    broken = self._send(fn, item, pending, unsent)
            if broken is None:
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        result = future.result()
                    except BrokenProcessPool as exc:
                        broken = exc  # every task the pool held fails with it: collected below
                        continue
                    del pending[future]
                    yield result
                if broken is None:
                    continue
            held = unsent
            for future, item in pending.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    yield future.result()  # finished before the pool broke
                else:
                    held.append(item)
            pending.clear()
            _terminate(self._pool)
            self._pool = self._new_pool()
            self.restarts += 1
            if alone and len(held) == 1:
                error = WorkerLost(f"a worker process died each time it ran this task ({broken}); it may need more "
                                   "memory than the machine has")
                if lost is None:
                    raise error
                yield lost(held[0], error)
            else:
                suspects.extend(held)


_END = object()
#: Passed to multiprocessing's resource tracker (it inherits the warning options): a pool terminated mid-run leaves
#: semaphores that the tracker removes, and its warning about them would follow the user's clean message.
_QUIET_TRACKER = "ignore::UserWarning:multiprocessing.resource_tracker"


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued tasks, terminate its workers (they may be mid-run), wait for its manager thread.

    The manager thread closes the pool's pipes once it sees the workers gone. Waiting for it matters at exit:
    Python's atexit hook for process pools (``concurrent.futures.process._python_exit``, Python 3.12) writes to the
    wake-up pipe of every manager thread still running, checking first, without a lock, that the pipe is open. A
    manager thread that closed the pipe between that check and the write (likely on a loaded machine, where it runs
    late) made a command stopped by Ctrl+C print "Exception ignored in: <module 'threading'> ... OSError: [Errno 9]
    Bad file descriptor" after its clean message. Once the thread has ended, the hook finds the pipe closed and
    writes nothing.
    """
    # private attributes: no public API for the workers before Python 3.14, none for the manager thread
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=POOL_STOP_SECONDS)
        if process.is_alive():
            process.kill()
    if manager is not None:  # it ends once it sees the workers gone (a thread cannot be killed: wait a bounded time)
        manager.join(timeout=POOL_STOP_SECONDS)


def _identity_function() -> Callable[[], dict[str, str]]:
    """``code_identity``, made inside a function so that cloudpickle sends it to a Dask worker by value.

    A module-level function is pickled by reference (module and name): a worker on an older casim, which lacks it,
    fails to unpickle the message and leaves (referee 44 MINOR 2: the sweep then waited for ever). Sent by value, it
    needs only the standard library on the worker, and reports what that worker's casim and libraries are, or
    ``MISSING``.
    """

    def code_identity() -> dict[str, str]:
        """What makes this process compute what it computes: sim/'s source hash, Python, NumPy and Numba versions.

        The same as keys the compiled kernels' cache (``sim.kernel_cache.cache_key``).
        """
        import importlib
        import sys

        def version(module: str, attribute: str = "__version__") -> str:
            try:
                return str(getattr(importlib.import_module(module), attribute))
            except (ImportError, AttributeError):
                return "missing"

        return {"model code (sim/ source hash)": version("sim.kernel_cache", "SOURCE_HASH"),
                "python": sys.version.split()[0], "numpy": version("numpy"), "numba": version("numba")}

    return code_identity


#: This process's code identity (``_identity_function``); ``_WORKER_IDENTITY`` is the same function, the one sent to
#: workers (kept apart so that a test can fake the client's identity alone).
code_identity = _identity_function()
_WORKER_IDENTITY = code_identity


class OtherCode(ExperimentError):
    """A Dask worker runs other model code or numerical libraries than the client."""


#: The first argument of the RuntimeError of a task refused by ``_on_the_clients_code`` (a built-in exception: an older
#: worker may lack ``OtherCode``); its others are the worker's address and code identity.
OTHER_CODE = "casim: a worker with other code"


def other_code(worker: str, mine: dict[str, str], client: dict[str, str]) -> OtherCode:
    """The error for ``worker``, whose code identity ``mine`` is not the ``client``'s: what differs, and the fix."""
    differ = "; ".join(f"{key}: {str(mine.get(key, 'missing'))[:16]} on the worker, {client[key][:16]} here"
                       for key in client if mine.get(key) != client[key])
    return OtherCode(f"Dask worker {worker} runs other code than this client ({differ}); its runs were refused. "
                     "Install the same casim (and libraries) on every worker and restart them")


def _on_the_clients_code[T, R](fn: Callable[[T], R], client: dict[str, str]) -> Callable[[T], R]:
    """``fn`` wrapped to run only on a Dask worker whose ``code_identity`` is the ``client``'s.

    Checked per task for workers that join after the connection's check (``DaskExecutor._start``): their results
    would be stored under the client's code version, and a resume could mix two codes in one directory (referee 41
    m11). The wrapper is made here so that it is sent by value (``_identity_function``); on a mismatch it raises
    ``RuntimeError(OTHER_CODE, worker address, worker identity)``, which ``DaskExecutor`` raises as ``OtherCode``.
    """
    identity, mark = _WORKER_IDENTITY, OTHER_CODE

    def checked(item: T) -> R:
        mine = identity()
        if mine != client:
            try:
                from distributed import get_worker

                worker = get_worker().address
            except (ImportError, ValueError):
                worker = "(address unknown)"
            raise RuntimeError(mark, worker, mine)
        return fn(item)

    return checked


class DaskExecutor(_Shared):
    """A Dask distributed cluster: ``address`` such as ``tcp://host:8786``, or a cluster object (``LocalCluster``).

    Entering it connects within ``timeout`` seconds and waits as long for at least one worker; either failure
    is a clear ``ExperimentError`` rather than a wait without end. The workers' ``code_identity`` is compared with the
    client's once on entering (``OtherCode`` if one differs), and again by every task, for workers that join later.
    """

    def __init__(self, address: Any, timeout: float = DASK_TIMEOUT_SECONDS) -> None:
        super().__init__()
        if isinstance(address, str):
            check_scheduler_address(address)
        self.address = address
        self.timeout = timeout
        self._client = None

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"

    def _start(self) -> None:
        from distributed import Client

        try:
            self._client = Client(self.address, timeout=self.timeout)
        except (OSError, TimeoutError) as exc:
            raise ExperimentError(f"--scheduler {self.address}: cannot reach the Dask scheduler within "
                                  f"{self.timeout:g} s ({type(exc).__name__}: {exc}); is it running?") from None
        try:
            self._client.wait_for_workers(1, timeout=self.timeout)
        except (OSError, TimeoutError):
            self._stop()
            raise ExperimentError(f"--scheduler {self.address}: the scheduler has no workers (waited "
                                  f"{self.timeout:g} s); start some with 'dask worker {self.address}'") from None
        try:
            self._check_workers()
        except BaseException:
            self._stop()
            raise

    def _check_workers(self) -> None:
        """Refuse the cluster if a worker's ``code_identity`` is not this client's, within ``timeout`` seconds.

        Checked once here, by a function sent by value that any worker can run (``_identity_function``), before any
        task: a task's own function is pickled by reference, which a worker on another casim may fail to unpickle and
        leave (referee 44 MINOR 2: the sweep then waited for ever). A worker that cannot even run the check is
        refused too, with its error.
        """
        from distributed import wait

        client = code_identity()
        asked = {worker: self._client.submit(_WORKER_IDENTITY, workers=[worker], pure=False)
                 for worker in self._client.nthreads()}  # one task on each worker, none allowed elsewhere
        try:
            wait(list(asked.values()), timeout=self.timeout)
        except TimeoutError:
            pass  # the late ones are named below
        late = sorted(worker for worker, future in asked.items() if not future.done())
        if late:
            raise ExperimentError(f"--scheduler {self.address}: worker(s) {', '.join(late)} did not report their code "
                                  f"within {self.timeout:g} s; a worker running other code than this client may be "
                                  "stuck: check the workers' logs")
        found = {worker: future.exception() or future.result() for worker, future in asked.items()}
        for worker, mine in sorted(found.items()):
            if isinstance(mine, BaseException):
                raise OtherCode(f"Dask worker {worker} could not report its code ({type(mine).__name__}: {mine}); "
                                "it probably runs another Python or casim than this client. Install the same casim "
                                "(and libraries) on every worker and restart them")
            if mine != client:
                raise other_code(worker, mine, client)

    def _stop(self, aborted: bool = False) -> None:
        if self._client is not None:  # closing the client releases its tasks, so the cluster drops them
            self._client.close()
            self._client = None

    def map_unordered[T, R](self, fn: Callable[[T], R], items: Iterable[T],
                            lost: Callable[[T, BaseException], R] | None = None) -> Iterator[R]:
        """Results of fn over items, in completion order (Dask retries a task whose worker died, then gives up)."""
        from distributed import KilledWorker, as_completed

        self._check_open()
        client = code_identity()
        checked = _on_the_clients_code(fn, client)
        futures = {self._client.submit(checked, item, pure=False): item for item in items}
        for future in as_completed(futures):
            try:
                result = future.result()
            except RuntimeError as exc:
                if exc.args[:1] != (OTHER_CODE,):
                    raise
                raise other_code(exc.args[1], exc.args[2], client) from None
            except KilledWorker as exc:
                error = WorkerLost(f"Dask workers died each time they ran this task ({exc}); it may need more "
                                   "memory than a worker has")
                if lost is None:
                    raise error from None
                result = lost(futures[future], error)
            yield result
            future.release()


def check_scheduler_address(address: str) -> str:
    """Check the form of a Dask scheduler address (``tcp://host:8786`` or ``host:8786``) before connecting."""
    if not SCHEDULER_ADDRESS.match(address) or (address.rsplit(":", 1)[-1].isdigit()
                                                 and not 0 < int(address.rsplit(":", 1)[-1]) < 65536):
        raise ExperimentError(f"--scheduler {address!r}: not a Dask scheduler address; expected tcp://HOST:PORT "
                              "(e.g. tcp://10.0.0.5:8786)")
    return address


def executor_for(scheduler: str | None = None, workers: int | None = None, tasks: int | None = None,
                 timeout: float = DASK_TIMEOUT_SECONDS) -> Executor:
    """The Dask executor when a scheduler address is given, else a local pool.

    The local pool has ``workers`` processes; by default one per core, or one per task when fewer ``tasks``
    are known to come (a single task then runs in this process).
    """
    if scheduler:
        return DaskExecutor(scheduler, timeout)
    if workers is None and tasks is not None:
        return local_for(tasks)
    return LocalExecutor(workers)


def local_for(tasks: int) -> LocalExecutor:
    """The default executor for ``tasks`` tasks: a local pool no larger than needed (one task runs in-process)."""
    return LocalExecutor(max(1, min(tasks, os.cpu_count() or 1)))


def workers_of(executor: Executor) -> int:
    """Workers of a local executor; this machine's cores for a cluster (to size batches)."""
    return getattr(executor, "workers", None) or os.cpu_count() or 1


def batch_size(items: int, workers: int, largest: int) -> int:
    """Items per batch: ``BATCHES_PER_WORKER`` batches per worker, at least 1 and at most ``largest`` items each."""
    return int(min(largest, max(1, math.ceil(items / (BATCHES_PER_WORKER * max(workers, 1))))))


def map_ordered[T, R](executor: Executor, fn: Callable[[T], R], items: Iterable[T],
                progress: Callable[[int, int], None] | None = None,
                size: Callable[[T], int] | None = None,
                finished: Callable[[int, R], None] | None = None) -> list[R]:
    """``[fn(item) for item in items]`` run on ``executor``.

    ``progress(done, total)`` is called at the start and as each task finishes; with ``size`` (e.g. ``len`` when
    each item is a batch of runs) it counts ``size(item)`` per item instead of 1. ``finished(i, result)`` is called
    in this process as item ``i`` finishes, before ``progress`` (e.g. to keep the result on disk at once).
    """
    items = list(items)
    weights = [size(item) for item in items] if size else [1] * len(items)
    total, done = sum(weights), 0
    results: list[Any] = [None] * len(items)
    if progress:
        progress(0, total)
    with executor:
        for i, result in executor.map_unordered(partial(_indexed, fn), enumerate(items)):
            results[i] = result
            if finished:
                finished(i, result)
            done += weights[i]
            if progress:
                progress(done, total)
    return results


def _indexed[T, R](fn: Callable[[T], R], numbered: tuple[int, T]) -> tuple[int, R]:
    i, item = numbered
    return i, fn(item)
