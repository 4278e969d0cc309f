"""Scenario discovery: boxes of the parameter space where an outcome holds (PRIM, from EMA Workbench).

Patient Rule Induction Method (Friedman & Fisher 1999) as implemented in the EMA Workbench: peel the box in
small steps towards higher density of cases of interest; we report the box on the peeling trajectory with the
highest coverage among those reaching the density threshold.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.sensitivity import output_values
from experiments.spec import ExperimentError, Output
from experiments.store import SweepStore

#: PRIM's peeling: the share of the remaining cases removed at each step (EMA Workbench's default, 0.05) ...
PEEL_ALPHA = 0.05
#: ... and the smallest box it considers, as a share of all cases (EMA Workbench's default).
MASS_MIN = 0.05
#: Default minimum density of the reported box: at least 80 % of the runs inside it are cases of interest.
DENSITY_THRESHOLD = 0.8


@dataclass
class DiscoveredBox:
    """Limits of the restricted parameters, and the box's coverage, density and mass."""

    limits: pd.DataFrame  # parameter, low, high
    coverage: float
    density: float
    mass: float
    cases_of_interest: int
    cases: int
    threshold: float = DENSITY_THRESHOLD

    @property
    def below_threshold(self) -> bool:
        """True when no box on the peeling trajectory reaches the density threshold (the densest is reported)."""
        return self.density < self.threshold

    @property
    def warning(self) -> str:
        """What a reader must know about the box ('' when it meets the threshold)."""
        if not self.below_threshold:
            return ""
        return (f"no box reaches the density threshold {self.threshold:.0%}: this is the densest box found "
                f"({self.density:.0%}); read it as a weak pattern, or lower --threshold")


def discover(x: pd.DataFrame, of_interest: np.ndarray, threshold: float = DENSITY_THRESHOLD) -> DiscoveredBox:
    """PRIM box for ``of_interest`` (bool per row of ``x``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    of_interest = np.asarray(of_interest, dtype=bool)
    if of_interest.all() or not of_interest.any():
        raise ValueError(f"the outcome holds in {of_interest.sum()} of {len(of_interest)} runs: nothing to discover")
    box = prim.Prim(x.reset_index(drop=True), of_interest, peel_alpha=PEEL_ALPHA, mass_min=MASS_MIN).find_box()
    trajectory = box.peeling_trajectory
    eligible = trajectory[trajectory.density >= threshold]
    chosen = int(eligible.coverage.idxmax()) if len(eligible) else int(trajectory.density.idxmax())
    box.select(chosen)
    limits = box.box_lims[chosen]
    full = box.box_lims[0]
    restricted = [c for c in limits.columns if not np.allclose(limits[c].to_numpy(dtype=float),
                                                              full[c].to_numpy(dtype=float))]
    table = pd.DataFrame({"parameter": restricted, "low": [float(limits[c].iloc[0]) for c in restricted],
                          "high": [float(limits[c].iloc[1]) for c in restricted]})
    row = trajectory.loc[chosen]
    return DiscoveredBox(table, float(row.coverage), float(row.density), float(row["mass"]), int(of_interest.sum()),
                         len(of_interest), threshold)


@dataclass
class Discovery:
    """A PRIM box found in a stored sweep, for the cases where an output is above or below a value."""

    output: Output
    condition: str  # e.g. "> 0.3"
    box: DiscoveredBox
    left_out: int = 0  # runs whose output is undefined (NaN) or infinite, left out of the cases

    def write(self, out: Path) -> Path:
        """Write the box's limits to ``out/discovery.csv``, with its coverage, density and threshold on every row."""
        path = Path(out) / "discovery.csv"
        table = self.box.limits.copy()
        for name in ("coverage", "density", "mass", "threshold"):
            table[name] = getattr(self.box, name)
        table["condition"] = f"{self.output.name} {self.condition}"
        table["warning"] = self.box.warning
        table.to_csv(path, index=False)
        return path


def _outputs_in(manifest: dict) -> dict[str, dict]:
    """Outputs of interest recorded in a manifest.

    A sensitivity analysis stores name -> output, a sweep stores scenario label -> (name -> output); the first
    scenario's are used.
    """
    known = manifest.get("outputs", {})
    first = next(iter(known.values()), {})
    return known if "column" in first else first


def discover_in_sweep(directory: Path, output: str, year: int | None = None, above: float | None = None,
                      below: float | None = None, threshold: float = DENSITY_THRESHOLD) -> Discovery:
    """Scenario discovery (PRIM) over a stored sweep or sensitivity analysis.

    Args:
        directory: the sweep's directory.
        output: an output of interest recorded in the sweep, or a yearly column (then ``year`` is needed).
        year: the year of a yearly column.
        above: cases of interest have the output above this (give exactly one of ``above`` and ``below``).
        below: cases of interest have the output below this.
        threshold: minimum density of the box.

    Raises:
        ExperimentError: not a sweep directory, no varied parameters, an unknown output, or no box to find.

    """
    if not np.isfinite(threshold) or not 0 < threshold <= 1:
        raise ExperimentError(f"threshold (--threshold) {threshold}: expected a density in (0, 1]")
    if above is not None and not np.isfinite(above) or below is not None and not np.isfinite(below):
        raise ExperimentError("above (--above) and below (--below) take finite numbers")
    store = SweepStore(directory)
    manifest = store.manifest()
    if manifest is None:
        raise ExperimentError(f"{directory} has no manifest.json: not a sweep directory")
    if (above is None) == (below is None):
        raise ExperimentError("give exactly one of above or below")
    parameters = manifest["parameters"]
    if not parameters:
        raise ExperimentError("the sweep varied no parameters: nothing to discover")
    known = _outputs_in(manifest)
    if output in known:
        o = known[output]
        if year is not None and year != o["year"]:
            raise ExperimentError(f"year (--year) {year}: output {output!r} is an output of interest of year "
                                  f"{o['year']}; a year goes with a yearly column (leave it out, or name a column)")
        chosen = Output(output, o["column"], o["year"], o["change"])
    elif year is not None and output:
        chosen = Output(output, output, year)
    else:
        raise ExperimentError(f"output {output!r}: expected one of {sorted(known)} or a column with a year")
    rows = store.load()
    if rows.empty:
        raise ExperimentError(store.nothing_stored())
    if chosen.column not in rows.columns:
        columns = [c for c in rows.columns if c not in parameters]
        close = difflib.get_close_matches(chosen.column, columns, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ExperimentError(f"output {chosen.column!r}: not a column of the stored runs{hint}")
    if chosen.year not in set(rows.year):
        raise ExperimentError(f"year {chosen.year}: not a stored year ({rows.year.min()}-{rows.year.max()})")
    values = output_values(rows, chosen)
    undefined = ~np.isfinite(values.value.to_numpy())
    if undefined.all():
        raise ExperimentError(f"{chosen.name}: undefined (NaN) or infinite in every run: nothing to discover")
    values = values[~undefined]
    x = rows.groupby("run_id")[parameters].first().loc[values.run_id]
    cases = values.value.to_numpy() > above if above is not None else values.value.to_numpy() < below
    try:
        box = discover(pd.DataFrame(x.to_numpy(), columns=parameters), cases, threshold)
    except ValueError as exc:
        raise ExperimentError(str(exc)) from None
    condition = f"> {above}" if above is not None else f"< {below}"
    return Discovery(chosen, condition, box, int(undefined.sum()))
