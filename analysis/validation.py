"""Pattern-oriented validation: calibrate on Brazil's no-till history, then check patterns that were not fitted.

1. Calibration (approximate Bayesian computation, rejection): a Latin hypercube over the priors in
   ``scenarios/validation_brazil.toml``'s [uncertain] table; each sample runs with seed replicates through the
   sweep machinery; distance = root mean square error between the simulated no-till share of area and Brazil's
   in 1990, 2000, 2006 and 2011 (no-till area / 36.6 Mha of temporary crops, agricultural census 2006); the
   closest ``accept`` fraction of samples is the posterior (mean, sd, 5-95 % range per parameter).
2. Patterns checked, not fitted, with the posterior median:
   - the pioneer phase: years from the start (1972) until 10 % adoption (Brazil: about 19, take-off ~1991) and
     dis-adoption during it (Brazil: frequent dis-adoption after 1-4 years in the 1970s);
   - Latin America vs sub-Saharan Africa: the base scenario's regions with the calibrated behaviour must give
     majority no-till in Latin America and about 1 % in Africa by 2040 (constraints, not hand-set rates);
   - the global CA area series: its growth rate after 1999 (about 8 %/yr) against the calibrated model's growth
     rate of adopted area once it passes 10 % (a shape comparison only: the model has no regions outside Brazil
     and Africa).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from experiments.designs import Problem, latin_hypercube
from experiments.runs import RunSpec, run_many
from experiments.store import SweepStore
from experiments.sweep import make_plan, run_sweep

BRAZIL_CROPLAND_MHA = 36.6  # temporary crops, agricultural census 2006
FIT_YEARS = (1990, 2000, 2006, 2011)
TAKE_OFF_SHARE = 0.10


def _read(name: str) -> pd.DataFrame:
    text = files("analysis.data").joinpath(name).read_text()
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    return pd.DataFrame(list(csv.DictReader(rows)))


def brazil_series() -> pd.DataFrame:
    """Brazil no-till area (Mha) and share of temporary-crop area, by year."""
    frame = _read("ca_adoption_brazil.csv")
    frame["year"] = frame.year.astype(int)
    frame["no_till_mha"] = frame.no_till_mha.astype(float)
    frame["share"] = frame.no_till_mha / BRAZIL_CROPLAND_MHA
    return frame[["year", "no_till_mha", "share"]]


def global_series() -> pd.DataFrame:
    """World CA area (Mha) by the second year of each season."""
    frame = _read("ca_adoption_global.csv")
    frame["year"] = frame.season.str.split("/").str[0].astype(int) + 1
    frame["area_mha"] = frame.area_mha.astype(float)
    return frame[["year", "area_mha"]]


def growth_rate(years: np.ndarray, values: np.ndarray) -> float:
    """Average relative growth per year (log-linear least squares)."""
    return float(np.exp(np.polyfit(years, np.log(values), 1)[0]) - 1.0)


@dataclass
class Calibration:
    """Posterior summary and the accepted samples."""

    table: pd.DataFrame  # parameter, prior_low, prior_high, mean, sd, p05, p50, p95
    accepted: pd.DataFrame  # parameter values and distance of accepted samples
    all_samples: pd.DataFrame
    median: dict[str, float]


def calibrate(scenario: sim.Scenario, samples: int, replicates: int, farmers: int | None, out: Path, executor,
              accept: float = 0.1, progress=None) -> Calibration:
    """ABC rejection on Brazil's no-till share (see the module docstring); runs stored (and resumable) in ``out``."""
    problem = Problem.of(scenario)
    design = latin_hypercube(problem, samples, scenario.seed)
    plan = make_plan("casim", {"brazil": scenario}, problem.names, {"brazil": design}, replicates, farmers,
                     method="abc-lhs")
    rows = run_sweep(plan, SweepStore(out), executor, progress)
    observed = brazil_series().set_index("year").share.loc[list(FIT_YEARS)]
    simulated = rows[rows.year.isin(FIT_YEARS)].groupby(["sample_id", "year"]).no_till_area_share.mean().unstack()
    distance = np.sqrt(((simulated[list(FIT_YEARS)] - observed.to_numpy()) ** 2).mean(axis=1))
    frame = pd.DataFrame(design, columns=problem.names)
    frame["distance"] = distance.reindex(range(len(design))).to_numpy()
    kept = frame.nsmallest(max(int(round(accept * len(frame))), 2), "distance")
    summary = []
    for name, dist in zip(problem.names, problem.dists, strict=True):
        values = kept[name]
        summary.append({"parameter": name, "prior_low": dist.low, "prior_high": dist.high, "mean": values.mean(),
                        "sd": values.std(ddof=1), "p05": values.quantile(0.05), "p50": values.median(),
                        "p95": values.quantile(0.95)})
    table = pd.DataFrame(summary)
    return Calibration(table, kept, frame, dict(zip(table.parameter, table.p50, strict=True)))


def run_with(scenario: sim.Scenario, overrides: dict[str, float], seeds: list[int], farmers: int | None,
             years: int | None = None) -> pd.DataFrame:
    """Yearly tables of ``scenario`` with ``overrides`` for each seed (with seed and scenario columns), in parallel."""
    base = scenario.model_copy(update={"uncertain": {}})
    return run_many([RunSpec(base, "validation", seed, farmers, years, tuple(overrides.items())) for seed in seeds])


def pioneer_phase(brazil_runs: pd.DataFrame, start_year: int) -> dict[str, float]:
    """Years until 10 % of the area uses no-till, and the mean yearly dis-adoption rate before that."""
    everyone = brazil_runs[brazil_runs.region == "all"].groupby("year").mean(numeric_only=True)
    reached = everyone.index[everyone.no_till_area_share >= TAKE_OFF_SHARE]
    take_off = int(reached[0]) if len(reached) else np.nan
    before = everyone.loc[start_year + 1: (take_off if len(reached) else everyone.index.max())]
    return {"take_off_year": take_off, "years_to_take_off": take_off - start_year if len(reached) else np.nan,
            "disadoption_rate_before_take_off": float(before.disadoption_rate.mean())}


def contrast(base_runs: pd.DataFrame, year: int) -> pd.DataFrame:
    """No-till share of farmers and of area by region in ``year`` (mean over seeds)."""
    at = base_runs[base_runs.year == year]
    return at.groupby("region")[["no_till_share", "no_till_area_share", "full_ca_share"]].mean().reset_index()
