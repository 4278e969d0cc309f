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
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from analysis.plots import validation_figure
from experiments.designs import Problem, latin_hypercube
from experiments.executors import Executor, LocalExecutor
from experiments.plan import make_plan
from experiments.runs import RunSpec, replicate_seeds, run_many
from experiments.spec import ExperimentError, outputs_of
from experiments.store import SweepStore
from experiments.sweep import run_sweep

BRAZIL_CROPLAND_MHA = 36.6  # temporary crops, agricultural census 2006
FIT_YEARS = (1990, 2000, 2006, 2011)
TAKE_OFF_SHARE = 0.10
#: The regional contrast is read in this year: "majority no-till in Latin America, about 1 % in Africa" by 2040.
CONTRAST_YEAR = 2040
#: The world CA area series grows about 8 %/yr from this season on (FAO, Kassam et al.).
WORLD_GROWTH_FROM = 1999
#: The model's growth of adopted area is measured over its first 20 years after take-off (the world series
#: covers about 20 seasons since 1999).
GROWTH_WINDOW_YEARS = 20
#: A log-linear growth fit needs at least this many years.
MIN_GROWTH_POINTS = 3
#: The unfitted patterns are averaged over at least this many seeds, whatever the calibration's replicates.
MIN_PATTERN_SEEDS = 3
#: The posterior keeps at least two samples (a standard deviation needs two).
MIN_ACCEPTED = 2


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


def calibrate(scenario: sim.Scenario, samples: int, replicates: int, farmers: int | None, out: Path,
              executor: Executor, accept: float = 0.1, progress: Callable[[int, int], None] | None = None
              ) -> Calibration:
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
    kept = frame.nsmallest(max(int(round(accept * len(frame))), MIN_ACCEPTED), "distance")
    summary = []
    for name, dist in zip(problem.names, problem.dists, strict=True):
        values = kept[name]
        summary.append({"parameter": name, "prior_low": dist.low, "prior_high": dist.high, "mean": values.mean(),
                        "sd": values.std(ddof=1), "p05": values.quantile(0.05), "p50": values.median(),
                        "p95": values.quantile(0.95)})
    table = pd.DataFrame(summary)
    return Calibration(table, kept, frame, dict(zip(table.parameter, table.p50, strict=True)))


def run_with(scenario: sim.Scenario, overrides: dict[str, float], seeds: list[int], farmers: int | None,
             years: int | None = None, executor: Executor | None = None,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Yearly tables of ``scenario`` with ``overrides`` for each seed (with seed and scenario columns)."""
    base = scenario.model_copy(update={"uncertain": {}})
    return run_many([RunSpec(base, "validation", seed, farmers, years, tuple(overrides.items())) for seed in seeds],
                    executor, progress)


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


def growth_after_take_off(brazil_runs: pd.DataFrame) -> tuple[pd.Series, float]:
    """Adopted area after take-off and its yearly growth rate.

    The area (ha, mean over seeds) covers the first ``GROWTH_WINDOW_YEARS`` after 10 % adoption (the whole series
    when adoption never takes off); the rate is NaN with fewer than ``MIN_GROWTH_POINTS`` years.
    """
    everyone = brazil_runs[brazil_runs.region == "all"].groupby("year").mean(numeric_only=True)
    adopted = everyone.no_till_area_share * everyone.area_ha
    after = adopted[everyone.no_till_area_share >= TAKE_OFF_SHARE].iloc[:GROWTH_WINDOW_YEARS]
    rate = growth_rate(after.index.to_numpy(), after.to_numpy()) if len(after) >= MIN_GROWTH_POINTS else float("nan")
    return (after if len(after) else adopted), rate


@dataclass
class PatternValidation:
    """Calibration on Brazil and the unfitted patterns checked with the posterior median."""

    scenario_file: Path
    contrast_file: Path
    samples: int
    replicates: int
    farmers: int | None
    accept: float
    start_year: int
    calibration: Calibration
    brazil_runs: pd.DataFrame  # yearly tables of the calibrated Brazil scenario, one per seed
    pioneer: dict[str, float]
    regions: pd.DataFrame  # the regional contrast in CONTRAST_YEAR
    world_growth: float
    model_growth: float
    adopted_after_take_off: pd.Series

    def lines(self) -> list[str]:
        """The report as Markdown lines (the last one embeds validation.png)."""
        la = self.regions[self.regions.region.str.contains("latin")].no_till_area_share
        africa = self.regions[self.regions.region.str.contains("africa")].no_till_share
        pioneer, table = self.pioneer, self.calibration.table
        return [
            f"# Pattern-oriented validation ({self.scenario_file.name})",
            "",
            f"Calibrated by approximate Bayesian computation (rejection): {self.samples} Latin-hypercube samples of "
            f"the priors in `{self.scenario_file}` x {self.replicates} seeds, {self.farmers} farmers; distance = RMSE "
            f"of the no-till share of area in {', '.join(map(str, FIT_YEARS))}; the closest {self.accept:.0%} "
            "accepted.",
            "",
            table.round(4).to_markdown(index=False),
            "",
            f"Best distance {self.calibration.accepted.distance.min():.3f}; accepted up to "
            f"{self.calibration.accepted.distance.max():.3f}.",
            "",
            "## Patterns not fitted (posterior median)",
            "",
            f"- Pioneer phase: 10 % of the area is reached in {pioneer['take_off_year']} "
            f"({pioneer['years_to_take_off']} years after {self.start_year}; Brazil: about 19, take-off around "
            f"1991); mean yearly dis-adoption rate before take-off {pioneer['disadoption_rate_before_take_off']:.1%} "
            "(Brazil: frequent dis-adoption after 1-4 years in the 1970s).",
            f"- Latin America vs Africa in {CONTRAST_YEAR} (`{self.contrast_file}` with the calibrated behaviour): "
            f"no-till on {la.mean():.0%} of Latin American area; {africa.min():.1%}-{africa.max():.1%} of African "
            "farmers (observed: majority vs about 1 % of cropland).",
            f"- Growth of the adopted area: world CA area {self.world_growth:.1%}/yr since {WORLD_GROWTH_FROM} (FAO); "
            f"the calibrated model {self.model_growth:.1%}/yr in its first {GROWTH_WINDOW_YEARS} years after 10 % "
            "adoption (shape only).",
            "",
            "![validation](validation.png)",
        ]

    def write(self, out: Path) -> list[Path]:
        """Write calibration.csv, calibration_samples.csv, contrast_<year>.csv, validation.png and validation.md."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / name for name in ("validation.png", "calibration.csv", "calibration_samples.csv",
                                         f"contrast_{CONTRAST_YEAR}.csv", "validation.md")]
        validation_figure(self.brazil_runs, brazil_series(), self.regions, global_series(),
                          self.adopted_after_take_off, paths[0], BRAZIL_CROPLAND_MHA)
        self.calibration.table.to_csv(paths[1], index=False)
        self.calibration.all_samples.to_csv(paths[2], index=False)
        self.regions.to_csv(paths[3], index=False)
        paths[4].write_text("\n".join(self.lines()) + "\n")
        return paths


def validate_patterns(scenario_file: Path, contrast_file: Path, store: Path, samples: int = 200,
                      replicates: int = 2, farmers: int | None = 2000, accept: float = 0.1,
                      executor: Executor | None = None, progress: Callable[[int, int], None] | None = None
                      ) -> PatternValidation:
    """Calibrate on Brazil's no-till history (ABC), then check the patterns that were not fitted.

    Args:
        scenario_file: the calibration scenario (priors in its ``[uncertain]`` table).
        contrast_file: the scenario whose regions give the Latin America vs Africa contrast.
        store: where calibration runs are stored as they finish (the same call resumes).
        samples: Latin-hypercube samples of the priors.
        replicates: seed replicates per sample.
        farmers: farmers per run.
        accept: share of samples accepted (the closest to Brazil's series).
        executor: where runs execute (default: a local process pool on every core).
        progress: ``progress(runs_done, runs_total)`` over the calibration, then over the pattern runs.

    """
    scenario, base = sim.load_scenario(scenario_file), sim.load_scenario(contrast_file)
    if not scenario.uncertain:
        raise ExperimentError(f"{scenario_file} has no [uncertain] table of parameters to calibrate")
    outputs_of(scenario, source=scenario_file)
    seeds = replicate_seeds(scenario, max(replicates, MIN_PATTERN_SEEDS))
    executor = executor or LocalExecutor()
    with executor:
        result = calibrate(scenario, samples, replicates, farmers, store, executor, accept, progress)
        calibration_runs = samples * replicates

        def pattern_progress(offset: int) -> Callable[[int, int], None] | None:
            total = calibration_runs + 2 * len(seeds)  # Brazil, then the contrast scenario, over the same seeds
            return (lambda done, _: progress(calibration_runs + offset + done, total)) if progress else None

        brazil_runs = run_with(scenario, result.median, seeds, farmers, executor=executor,
                               progress=pattern_progress(0))
        behaviour = {k: v for k, v in result.median.items() if k.startswith("decision.")}
        base_runs = run_with(base, behaviour, seeds, farmers, CONTRAST_YEAR - base.start_year, executor,
                             pattern_progress(len(seeds)))
    world = global_series()
    recent = world[world.year >= WORLD_GROWTH_FROM]
    adopted, model_growth = growth_after_take_off(brazil_runs)
    return PatternValidation(
        Path(scenario_file), Path(contrast_file), samples, replicates, farmers, accept, scenario.start_year, result,
        brazil_runs, pioneer_phase(brazil_runs, scenario.start_year), contrast(base_runs, CONTRAST_YEAR),
        growth_rate(recent.year.to_numpy(), recent.area_mha.to_numpy()), model_growth, adopted)
