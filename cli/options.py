"""Option types shared by the ``casim`` commands, so the same option reads the same everywhere.

Limits are the scenario schema's (years, seeds) or a sanity bound; sizes within them are checked against the
memory before a run starts (``experiments.runs.check_size``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from experiments.executors import DASK_TIMEOUT_SECONDS
from sim.scenario.scenario import MAX_SEED, MAX_YEARS

#: Largest --farmers accepted by the parser (a region holds at most 100 million; memory is checked after).
MAX_FARMERS = 10**10
#: Most seed replicates per sample.
MAX_REPLICATES = 10_000

def finite(value: float | None) -> float | None:
    """Refuse nan and inf (a float option's range check lets nan through)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value} is not a finite number")
    return value


ScenarioArg = Annotated[Path, typer.Argument(help="scenario TOML file", show_default=False)]
ScenarioFiles = Annotated[list[Path], typer.Argument(help="scenario files", show_default=False)]
Farmers = Annotated[int | None, typer.Option(min=1, max=MAX_FARMERS, help="total farmers per run, keeping regional "
                                             "shares (default: the scenario's; at most 100 million per region, and "
                                             "what fits in memory)")]
Years = Annotated[int | None, typer.Option(min=1, max=MAX_YEARS, help="years per run (default: the scenario's)")]
Seed = Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="random seed (default: the scenario's)")]
Replicates = Annotated[int, typer.Option(min=1, max=MAX_REPLICATES, help="seed replicates (one seed: the scenario's, "
                                         "+1, +2, ...; in a design of several samples each run draws its own)")]
Out = Annotated[Path, typer.Option(help="output directory")]
ResumableOut = Annotated[Path, typer.Option(help="output directory (run the same command again to resume)")]
Scheduler = Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (default: this "
                                                    "machine's cores)")]
SchedulerTimeout = Annotated[float, typer.Option(min=0.1, max=86_400, callback=finite, help="seconds to reach the "
                                                 "Dask scheduler and to wait for its first worker")]
Workers = Annotated[int | None, typer.Option(min=1, max=4096, help="local worker processes (default: all cores)")]
BatchSize = Annotated[int | None, typer.Option(min=1, max=100_000, help="runs per batch (default: automatic)")]
RunTimeout = Annotated[float | None, typer.Option("--run-timeout", min=0.001, callback=finite, help="seconds a run may "
                                                  "take; a longer run is stopped and recorded as failed (default: no "
                                                  "limit)")]

__all__ = ["DASK_TIMEOUT_SECONDS", "MAX_FARMERS", "BatchSize", "Farmers", "Out", "Replicates", "ResumableOut", "RunTimeout",
           "ScenarioArg", "ScenarioFiles", "Scheduler", "SchedulerTimeout", "Seed", "Workers", "Years"]
