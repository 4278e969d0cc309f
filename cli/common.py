"""Shared pieces of the ``casim`` command line: the Typer app, consoles, scenario loading, progress bars."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from sim.scenario_loader import ScenarioError, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Conservation Agriculture adoption simulator (Mesa, vectorised).")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

ScenarioArg = Annotated[Path, typer.Argument(help="scenario TOML file", show_default=False)]


def error(message: str) -> None:
    """Print an error for the user on stderr, as plain text (brackets in field paths are not markup)."""
    err_console.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)


def load(path: Path):
    """The validated scenario, or a clean error message and exit code 2."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        error(str(exc))
        raise typer.Exit(2) from None


def run_progress() -> Progress:
    """A Rich progress bar counting runs."""
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True)


def sweep_progress(total_label: str):
    """A Rich progress bar showing runs done, runs per second and time left; returns (progress, callback)."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console, transient=False)
    task = progress.add_task(total_label, total=None, rate="")
    started = {"t": time.perf_counter(), "first": None}

    def update(done: int, total: int) -> None:
        if started["first"] is None:
            started["first"] = done
        elapsed = time.perf_counter() - started["t"]
        fresh = done - started["first"]
        rate = f"{fresh / elapsed:.1f} runs/s" if elapsed > 0 and fresh else ""
        progress.update(task, completed=done, total=total, rate=rate)

    return progress, update


def executor(scheduler: str | None, workers: int | None):
    """The Dask executor when a scheduler address is given, else the local process pool."""
    from experiments.executors import executor_for

    return executor_for(scheduler, workers)


def run_plan(plan, out: Path, scheduler: str | None, workers: int | None, label: str):
    """Run a sweep plan into ``out`` with a progress bar; a different sweep already in ``out`` is a clean error."""
    from experiments.store import SweepMismatch, SweepStore
    from experiments.sweep import run_sweep

    progress, update = sweep_progress(label)
    try:
        with progress:
            return run_sweep(plan, SweepStore(out), executor(scheduler, workers), update)
    except SweepMismatch as exc:
        error(str(exc))
        raise typer.Exit(2) from None
