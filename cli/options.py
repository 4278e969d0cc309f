"""Option types shared by the ``casim`` commands, so the same option reads the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ScenarioArg = Annotated[Path, typer.Argument(help="scenario TOML file", show_default=False)]
ScenarioFiles = Annotated[list[Path], typer.Argument(help="scenario files", show_default=False)]
Farmers = Annotated[int | None, typer.Option(min=1, help="total farmers per run, keeping regional shares "
                                                          "(default: the scenario's)")]
Years = Annotated[int | None, typer.Option(min=1, help="years per run (default: the scenario's)")]
Seed = Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")]
Replicates = Annotated[int, typer.Option(min=1, help="seed replicates (seeds: the scenario's seed, +1, +2, ...)")]
Out = Annotated[Path, typer.Option(help="output directory")]
ResumableOut = Annotated[Path, typer.Option(help="output directory (run the same command again to resume)")]
Scheduler = Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (default: this "
                                                    "machine's cores)")]
Workers = Annotated[int | None, typer.Option(min=1, help="local worker processes (default: all cores)")]
BatchSize = Annotated[int | None, typer.Option(min=1, help="runs per batch (default: automatic)")]
