"""Posterior draws as an input: the file a calibration writes, read back for a scenario that names it.

``casim calibrate`` writes ``posterior.csv`` and ``posterior.parquet``: one row per draw (resampled by weight, so
every row counts the same), a ``draw`` column and one column per calibrated dotted field. A scenario's
``[posterior]`` table names the file (relative to the scenario file) and how many draws to use; the scenario's
replicates are then each draw x each seed (``experiments.runs.replicates_of``).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from experiments.spec import ExperimentError
from sim.scenario import Scenario, ScenarioError, numeric_fields, scenario_with_overrides

#: The column numbering the draws of a posterior file.
DRAW_COLUMN = "draw"


def write_posterior(draws: pd.DataFrame, directory: Path) -> list[Path]:
    """Write ``draws`` (a ``draw`` column, then one column per dotted field) as posterior.parquet and .csv."""
    directory = Path(directory)
    paths = [directory / "posterior.parquet", directory / "posterior.csv"]
    draws.to_parquet(paths[0], index=False)
    draws.to_csv(paths[1], index=False)
    return paths


def _read(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ExperimentError(f"{path}: cannot read the posterior draws: {exc}") from None


def posterior_draws(scenario: Scenario, source: str | Path | None = None) -> pd.DataFrame:
    """The draws a scenario's ``[posterior]`` table names: ``posterior.draws`` rows, its columns, with ``draw``.

    Raises:
        ExperimentError: naming the scenario file (``source``) and the posterior file, for a file that cannot be
            read, a column that is not a numeric field of the scenario, a missing value, a value the field does
            not allow, or too few draws.

    """
    spec = scenario.posterior
    where = f"{source}: " if source else ""
    path = Path(spec.file)
    table = _read(path)
    available = [c for c in table.columns if c != DRAW_COLUMN]
    columns = spec.columns if spec.columns is not None else available
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ExperimentError(f"{where}posterior.columns: {missing[0]!r} is not a column of {path}; expected some "
                              f"of {available}")
    fields = numeric_fields(scenario.model_dump(exclude={"uncertain", "outputs", "patterns", "posterior"}))
    for column in columns:
        if column not in fields:
            close = difflib.get_close_matches(column, fields, n=1, cutoff=0.5)
            hint = f"; the closest field is '{close[0]}'" if close else ""
            raise ExperimentError(f"{where}posterior.file: column {column!r} of {path} is not a numeric field of "
                                  f"the scenario{hint} (choose the fields with posterior.columns)")
    if len(table) < spec.draws:
        raise ExperimentError(f"{where}posterior.draws: {spec.draws} draws asked but {path} has {len(table)}")
    draws = table.iloc[:spec.draws][columns]
    if draws.isna().any().any():
        raise ExperimentError(f"{path}: a draw has a missing value in its first {spec.draws} rows")
    draws = draws.astype(float).reset_index(drop=True)
    base = scenario.model_copy(update={"uncertain": {}, "posterior": None})
    for i, row in draws.iterrows():
        try:
            scenario_with_overrides(base, row.to_dict())
        except ScenarioError as exc:
            reason = str(exc).split(": ", 2)[-1]
            raise ExperimentError(f"{where}posterior.file: draw {i} of {path} is not a valid value: {reason}") from None
    draws.insert(0, DRAW_COLUMN, table[DRAW_COLUMN].iloc[:spec.draws].to_numpy() if DRAW_COLUMN in table
                 else range(spec.draws))
    return draws
