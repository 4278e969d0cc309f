"""Posterior draws as an input: the file a calibration writes, read back for a scenario that names it.

``casim calibrate`` writes ``posterior.csv`` and ``posterior.parquet``: one row per draw (resampled by weight, so
every row counts the same), a ``draw`` column and one column per calibrated dotted field. A scenario's
``[posterior]`` table names the file (relative to the scenario file) and how many draws to use; the scenario's
replicates are then each draw x each seed (``experiments.runs.replicates_of``).
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path

import pandas as pd

from experiments.designs import read_csv_rows
from experiments.spec import ExperimentError
from sim.scenario import (
    FIXED_FIELDS,
    Scenario,
    ScenarioError,
    numeric_fields,
    scenario_with_overrides,
    unread_reason,
)

#: The column numbering the draws of a posterior file.
DRAW_COLUMN = "draw"
#: The commands that replicate a scenario over its ``[posterior]`` draws (each draw x each seed is a run).
POSTERIOR_COMMANDS = ("compare", "target", "report")
#: Most rows a posterior CSV file may have: ``casim calibrate`` writes ``--posterior-draws`` rows (200 by default);
#: a file of more than a million is a wrong path, not draws.
MAX_DRAWS = 1_000_000


def refuse_posterior(scenario: Scenario, source: str | Path, command: str) -> None:
    """Refuse a scenario that names ``[posterior]`` draws in a command that would not use them (a sweep, an analysis).

    A design varies the ``[uncertain]`` fields over one set of values: which draw's values it would vary around is
    not defined, and running the scenario's own values would ignore the table silently.

    Raises:
        ExperimentError: naming the file, the commands that use posterior draws and how to proceed.

    """
    if scenario.posterior is not None:
        raise ExperimentError(f"{source}: [posterior] names draws of {scenario.posterior.file}, which 'casim {command}' "
                              f"does not use: only {', '.join(POSTERIOR_COMMANDS)} replicate over posterior draws "
                              f"(draws x seeds). Remove the [posterior] table to {command} around the scenario's own "
                              "values, or vary the calibrated fields in [uncertain]")


def write_posterior(draws: pd.DataFrame, directory: Path) -> list[Path]:
    """Write ``draws`` (a ``draw`` column, then one column per dotted field) as posterior.parquet and .csv."""
    directory = Path(directory)
    paths = [directory / "posterior.parquet", directory / "posterior.csv"]
    draws.to_parquet(paths[0], index=False)
    draws.to_csv(paths[1], index=False)
    return paths


def _read(path: Path, where: str) -> tuple[pd.DataFrame, list[str]]:
    """The posterior table (a CSV file's cells as text) and where each row is, as errors name it."""
    if path.suffix != ".parquet":
        try:
            header, lines, cells = read_csv_rows(path, MAX_DRAWS)
        except ExperimentError as exc:
            raise ExperimentError(f"{where}posterior.file: {exc}") from None
        return pd.DataFrame(cells, columns=header, dtype=object), [f"line {line}" for line in lines]
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise ExperimentError(f"{path}: cannot read the posterior draws: {exc}") from None
    return table, [f"row {i + 1}" for i in range(len(table))]


def _numbers(table: pd.DataFrame, column: str, rows: list[str], path: Path, where: str,
             whole: bool = False) -> list[float]:
    """The values of ``column`` as finite (``whole``: whole) numbers.

    Raises:
        ExperimentError: naming the file, the row and the column of a value that is not.

    """
    numbers = []
    for value, row in zip(table[column], rows, strict=True):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or (whole and not number.is_integer()):
            kind = "a whole number" if whole else "a finite number"
            raise ExperimentError(f"{where}posterior.file: {path}, {row}, column {column!r}: {value!r} is not {kind}")
        numbers.append(number)
    return numbers


def posterior_draws(scenario: Scenario, source: str | Path | None = None) -> pd.DataFrame:
    """The draws a scenario's ``[posterior]`` table names: ``posterior.draws`` rows, its columns, with ``draw``.

    Raises:
        ExperimentError: naming the scenario file (``source``) and the posterior file, for a file that cannot be
            read, a row with more or fewer values than the header, a column that is not a numeric field of the
            scenario (or is the seed), a value that is not a finite number (naming its row and column), a value the
            field does not allow, or too few draws.

    """
    spec = scenario.posterior
    where = f"{source}: " if source else ""
    path = Path(spec.file)
    table, rows = _read(path, where)
    if table.columns.duplicated().any():
        raise ExperimentError(f"{where}posterior.file: {path} names a column twice in {list(table.columns)}")
    available = [c for c in table.columns if c != DRAW_COLUMN]
    columns = spec.columns if spec.columns is not None else available
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ExperimentError(f"{where}posterior.columns: {missing[0]!r} is not a column of {path}; expected some "
                              f"of {available}")
    fields = numeric_fields(scenario.model_dump(exclude={"uncertain", "outputs", "patterns", "posterior"}))
    for column in columns:
        if column in FIXED_FIELDS:
            raise ExperimentError(f"{where}posterior.file: column {column!r} of {path}: {FIXED_FIELDS[column]} (leave "
                                  "it out with posterior.columns)")
        if unread_reason(scenario, column):
            raise ExperimentError(f"{where}posterior.file: column {column!r} of {path}: {unread_reason(scenario, column)} "
                                  "(leave it out with posterior.columns)")
        if column not in fields:
            close = difflib.get_close_matches(column, fields, n=1, cutoff=0.5)
            hint = f"; the closest field is '{close[0]}'" if close else ""
            raise ExperimentError(f"{where}posterior.file: column {column!r} of {path} is not a numeric field of "
                                  f"the scenario{hint} (choose the fields with posterior.columns)")
    if len(table) < spec.draws:
        raise ExperimentError(f"{where}posterior.draws: {spec.draws} draws asked but {path} has {len(table)}")
    table, rows = table.iloc[:spec.draws], rows[:spec.draws]
    draws = pd.DataFrame({column: _numbers(table, column, rows, path, where) for column in columns})
    base = scenario.model_copy(update={"uncertain": {}, "posterior": None})
    for i, row in draws.iterrows():
        try:
            scenario_with_overrides(base, row.to_dict())
        except ScenarioError as exc:
            reason = str(exc).split(": ", 2)[-1]
            raise ExperimentError(f"{where}posterior.file: draw {i} of {path} is not a valid value: {reason}") from None
    numbers = _numbers(table, DRAW_COLUMN, rows, path, where, whole=True) if DRAW_COLUMN in table else range(spec.draws)
    draws.insert(0, DRAW_COLUMN, [int(number) for number in numbers])
    return draws
