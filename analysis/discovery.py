"""Scenario discovery: boxes of the parameter space where an outcome holds (PRIM, from EMA Workbench).

Patient Rule Induction Method (Friedman & Fisher 1999) as implemented in the EMA Workbench: peel the box in
small steps towards higher density of cases of interest; we report the box on the peeling trajectory with the
highest coverage among those reaching the density threshold.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class DiscoveredBox:
    """Limits of the restricted parameters, and the box's coverage, density and mass."""

    limits: pd.DataFrame  # parameter, low, high
    coverage: float
    density: float
    mass: float
    cases_of_interest: int
    cases: int


def discover(x: pd.DataFrame, of_interest: np.ndarray, threshold: float = 0.8) -> DiscoveredBox:
    """PRIM box for ``of_interest`` (bool per row of ``x``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

    of_interest = np.asarray(of_interest, dtype=bool)
    if of_interest.all() or not of_interest.any():
        raise ValueError(f"the outcome holds in {of_interest.sum()} of {len(of_interest)} runs: nothing to discover")
    box = prim.Prim(x.reset_index(drop=True), of_interest, peel_alpha=0.05, mass_min=0.05).find_box()
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
                         len(of_interest))
