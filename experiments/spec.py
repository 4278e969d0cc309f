"""The experiment part of a scenario file: what varies, what is measured and what was observed.

``[uncertain]`` (what varies), ``[outputs]`` (what is measured) and ``[patterns]`` (what was observed).

The scenario schema checks each uncertain field against the field's own allowed range when the file is loaded.
What an output of interest may name depends on the model's outputs and on the experiment's horizon (``--years``),
so it is checked here, by every experiment workflow and by ``casim validate``: each column must be a column of
the yearly table and each year a simulated year.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from sim.scenario import Scenario

#: Columns of the yearly table that identify a row rather than measure something.
KEY_COLUMNS = ("year", "region")


class ExperimentError(ValueError):
    """An experiment that cannot run as asked.

    The message names the file (when known), the field and what was expected.
    """


@dataclass(frozen=True)
class Output:
    """An output of interest: a column of the yearly table (region 'all') in a year, or its change since the start."""

    name: str
    column: str
    year: int
    change: bool = False


def output_columns() -> list[str]:
    """Columns of the yearly table an output of interest can name."""
    from sim.outputs import COLUMNS  # here, not at import: the columns come with the model's kernels (Numba), which
    #                                  this module's other users (the command line's help, the executors) do not need

    return [column for column in COLUMNS if column not in KEY_COLUMNS]


def outputs_of(scenario: Scenario, years: int | None = None, source: str | Path | None = None) -> list[Output]:
    """The scenario's ``[outputs]``, checked against the yearly table's columns and the simulated years.

    Args:
        scenario: a loaded scenario.
        years: the experiment's horizon (the scenario's when None): outputs may name years up to
            ``start_year + years``.
        source: the scenario file, named in error messages.

    Raises:
        ExperimentError: for an unknown column (with the closest valid one) or a year outside the simulation.

    """
    where = f"{source}: " if source else ""
    columns = output_columns()
    last_year = scenario.start_year + (years or scenario.years)
    outputs = []
    for name, output in scenario.outputs.items():
        if output.column not in columns:
            close = difflib.get_close_matches(output.column, columns, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; expected a column of yearly.parquet"
            raise ExperimentError(f"{where}outputs.{name}.column: unknown column {output.column!r}{hint}")
        if not scenario.start_year <= output.year <= last_year:
            raise ExperimentError(f"{where}outputs.{name}.year: {output.year} is outside the simulated years "
                                  f"{scenario.start_year}-{last_year}")
        outputs.append(Output(name, output.column, output.year, output.change))
    return outputs


def check_patterns(scenario: Scenario, source: str | Path | None = None) -> None:
    """Raise ExperimentError for a ``[patterns]`` column that is not a column of the yearly table."""
    where = f"{source}: " if source else ""
    columns = output_columns()
    for name, pattern in scenario.patterns.items():
        if pattern.column not in columns:
            close = difflib.get_close_matches(pattern.column, columns, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; expected a column of yearly.parquet"
            raise ExperimentError(f"{where}patterns.{name}.column: unknown column {pattern.column!r}{hint}")
