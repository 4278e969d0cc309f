"""Shared pieces of the ``casim`` command line: the Typer app, consoles, clean user errors, progress bars."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import psutil
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from experiments.executors import DASK_TIMEOUT_SECONDS, Executor, executor_for
from experiments.spec import ExperimentError
from sim.scenario import Scenario, ScenarioError, load_scenario

# rich_markup_mode=None: help text is shown as written (Rich markup would swallow "[uncertain]" and "[outputs]")
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Conservation Agriculture adoption simulator (Mesa, vectorised).")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

#: Exit code of a command stopped by bad input (a scenario, an option, an output directory): a message, no traceback.
USER_ERROR = 2
#: Exit code of a sweep or analysis some of whose runs failed (recorded, retried by the same command): its results are
#: incomplete, which a batch job's script must be able to tell from success (referee 41 m7).
RUNS_FAILED = 1
#: Exit code of a command stopped by Ctrl+C (128 + SIGINT) or SIGTERM (128 + SIGTERM), as shells report them.
INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}


#: Seconds a command has, after Ctrl+C or SIGTERM, to stop its workers and exit by itself before it is made to.
STOP_GRACE_SECONDS = 15.0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that a command stops as after Ctrl+C: workers stopped, results kept."""


def stopped(signum: int) -> str:
    """What a command stopped by ``signum`` (Ctrl+C or SIGTERM) tells the user."""
    return (f"stopped by {signal.Signals(signum).name}; finished results are kept (run the same command again to "
            "resume a sweep)")


def _interrupted(signum: int, frame: object) -> None:
    """Unwind the command as after Ctrl+C; a second signal, or an unwind that hangs, ends the process at once.

    The exception lands wherever the main thread happens to be, possibly inside a library holding a lock that a
    background thread then waits for forever (a process pool's manager thread, joined at exit), so a watchdog
    ends the process after ``STOP_GRACE_SECONDS`` whatever happens. Finished results are on disk already: each
    is written atomically as it arrives.
    """
    global _watchdog
    if _watchdog is not None:
        _stop_now(signum)
    _watchdog = threading.Timer(STOP_GRACE_SECONDS, _stop_now, args=(signum,))
    _watchdog.daemon = True
    _watchdog.start()
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


_watchdog: threading.Timer | None = None


def _stop_now(signum: int) -> None:
    """End this process and its worker processes now, with the exit code and message of a clean stop.

    Writes to the stderr file descriptor directly: the main thread may hang holding the console's lock.
    """
    for child in psutil.Process().children(recursive=True):
        with suppress(psutil.Error):
            child.kill()
    with suppress(OSError):
        os.write(2, f"error: {stopped(signum)}\n".encode())
    os._exit(INTERRUPTED[signum])


def stop_cleanly_on_signals() -> None:
    """Make Ctrl+C and SIGTERM stop this process cleanly and surely (for the ``casim`` program, not a library).

    SIGTERM (kill, a batch scheduler's time limit) unwinds like Ctrl+C instead of killing Python outright, so the
    executor terminates its workers and no process is left behind; a watchdog ends an unwind that hangs.
    """
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)


def error(message: str) -> None:
    """Print an error for the user on stderr, as plain text (brackets in field paths are not markup)."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error; return the exit to raise."""
    error(message)
    return typer.Exit(USER_ERROR)


@contextmanager
def user_errors(*also: type[Exception]) -> Iterator[None]:
    """Turn bad input (invalid scenario, experiment or output directory, plus ``also``) into a clean error, exit 2.

    Ctrl+C and SIGTERM stop the command with a message (finished results are kept) and exit 130 or 143.
    """
    from experiments.store import SweepMismatch  # with pandas and pyarrow: not at import (``cli/__init__``)

    try:
        yield
    except (ScenarioError, ExperimentError, SweepMismatch, *also) as exc:
        raise fail(str(exc)) from None
    except KeyboardInterrupt as exc:
        which = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        error(stopped(which))
        raise typer.Exit(INTERRUPTED[which]) from None


def load(path: Path) -> Scenario:
    """The validated scenario, or a clean error message and exit code 2.

    Its soil start-up is checked too, as every run's start would (``sim.soil.check_start``, under a second): a RothC
    start the inputs cannot reach is bad input naming the file, before any run or output directory.
    """
    from sim.soil import check_start  # with the model: not at import (``cli/__init__``)

    with user_errors():
        scenario = load_scenario(path)
        check_start(scenario, path)
        return scenario


def executor(scheduler: str | None, workers: int | None, tasks: int | None = None,
             timeout: float = DASK_TIMEOUT_SECONDS) -> Executor:
    """The Dask executor when a scheduler address is given, else the local process pool (see ``executor_for``).

    A malformed scheduler address is a clean error here, before any work.
    """
    with user_errors():
        return executor_for(scheduler, workers, tasks, timeout)


def runs_progress(label: str, unit: str = "runs", transient: bool = False
                  ) -> tuple[Progress, Callable[[int, int], None]]:
    """A Rich progress bar showing runs done, runs per second and time left; returns (progress, update).

    ``update(done, total)`` moves it; the rate counts only runs done in this session (not those resumed).
    """
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn(f"{{task.completed}}/{{task.total}} {unit}"),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console, transient=transient)
    started = {"t": time.perf_counter(), "first": None, "task": None}

    def update(done: int, total: int) -> None:
        if started["task"] is None:  # the bar appears with the first count (not before an early error)
            started["task"] = progress.add_task(label, total=total, rate="")
            started["first"] = done
        elapsed = time.perf_counter() - started["t"]
        fresh = done - started["first"]
        rate = f"{fresh / elapsed:.1f} {unit}/s" if elapsed > 0 and fresh else ""
        progress.update(started["task"], completed=done, total=total, rate=rate)

    return progress, update


def stage_progress() -> tuple[Progress, Callable[[str, int, int], None]]:
    """A Rich progress display with one bar per stage; returns (progress, update(stage, done, total))."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                        TimeElapsedColumn(), console=console)
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    return progress, update


@contextmanager
def replicated_runs(paths: list[Path], replicates: int, scheduler: str | None, workers: int | None
                    ) -> Iterator[tuple[dict[str, Scenario], Executor, Callable[[int, int], None]]]:
    """Scenario files by label, an executor sized for their runs, and a progress update under a progress bar.

    Bad input inside the block is a clean error.
    """
    from experiments.runs import load_labelled  # with the model: not at import (``cli/__init__``)

    with user_errors():
        scenarios = load_labelled(paths, replicates)
        progress, update = runs_progress(f"{len(scenarios)} scenarios x {replicates} replicates")
        with progress:
            yield scenarios, executor(scheduler, workers, len(scenarios) * replicates), update
