"""Calibration on observed patterns of several countries: ABC-SMC, predictive checks, leave-one-country-out.

Each calibration scenario is one country: its ``[uncertain]`` table holds the priors of the parameters it takes
from the calibration and its ``[patterns]`` table what it must reproduce (``analysis.patterns``). Parameters
with the same dotted path in several scenarios are one parameter (shared behaviour; their priors must agree);
the others belong to the country that names them. One simulation of a particle runs every country with
``replicates`` seeds and averages each statistic over the seeds.

``calibrate`` then

1. runs ABC-SMC (``experiments.abc_smc``) to the absolute threshold (or the last generation) in ``OUT/abc``,
   resumable, reproducible from the seed on any executor;
2. resamples the last generation by weight into ``posterior_draws`` draws (posterior.csv / .parquet), which a
   scenario can name as replicates (``[posterior]``);
3. checks the fit by simulating the first ``ppc_draws`` draws x ``ppc_seeds`` seeds per country, every run on its
   own seed (``predictive_seeds``; posterior predictive check): per statistic the 5-50-95 % range and whether the
   observed value lies in it, per pattern the RMSE of the median against the observed values; patterns with
   ``fit = false`` are checked only;
4. reports identifiability: each parameter's 90 % posterior interval against its prior's; one the data barely
   narrow (``NOT_IDENTIFIED_WIDTH_RATIO``) is flagged, to be fixed at a sourced value or dropped;
5. with two countries or more, leaves each out in turn: calibrates on the others (``OUT/loco/<country>/abc``) and
   predicts the one left out (its own parameters drawn from its prior).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import patterns as pt
from experiments.abc_smc import AbcRun, AbcSettings, resample, run_abc, settings_dict
from experiments.designs import Problem
from experiments.executors import Executor, LocalExecutor
from experiments.plan import NUMERICAL_LIBRARIES, code_version, library_versions, stream_seed
from experiments.runs import RunSpec, run_batch, run_many
from experiments.single import git_commit, git_uncommitted, scenario_hash
from experiments.spec import ExperimentError, check_patterns
from sim.scenario import Scenario, Uncertain

#: A parameter whose 90 % posterior interval keeps more than this share of its prior's 90 % interval is flagged as
#: not identified by the patterns (the data narrowed it by less than a fifth).
NOT_IDENTIFIED_WIDTH_RATIO = 0.8
#: The central interval reported for predictions and parameters, as (low, high) quantiles.
INTERVAL = (0.05, 0.95)
#: Spawn keys of the calibration's random streams beside ABC's (leave-one-out parameters drawn from a prior).
LOCO_PRIOR_KEY = 1
#: Hex digits of a scenario's SHA-256 kept in posterior.json (64 bits: enough to tell two versions of a file apart).
SCENARIO_DIGEST_DIGITS = 16
#: Progress callback: progress(stage, done, total), e.g. ("generation 2", 40, 100) or ("predictive checks", ...).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Country:
    """One calibration scenario: its label (file stem), the scenario, the parameters it takes, where it came from."""

    label: str
    scenario: Scenario
    parameters: tuple[str, ...]
    source: str = ""

    def runnable(self) -> Scenario:
        """The scenario without its experiment tables (each run gets its parameter values as overrides)."""
        return self.scenario.model_copy(update={"uncertain": {}, "posterior": None})


def countries_of(scenarios: Mapping[str, Scenario], sources: Mapping[str, str | Path] | None = None
                 ) -> tuple[list[Country], tuple[str, ...], tuple[Uncertain, ...]]:
    """The countries, and the union of their parameters with one prior each.

    Raises:
        ExperimentError: a scenario without priors or fitted patterns, a pattern column that is not in the yearly
            table, or a parameter with different priors in two scenarios.

    """
    sources = {label: str(path) for label, path in (sources or {}).items()}
    countries, priors, first_named = [], {}, {}
    for label, scenario in scenarios.items():
        where = sources.get(label, label)
        if not scenario.uncertain:
            raise ExperimentError(f"{where}: no [uncertain] table: nothing to calibrate")
        if not any(p.fit for p in scenario.patterns.values()):
            raise ExperimentError(f"{where}: no [patterns] table with a fitted pattern: nothing to calibrate on")
        check_patterns(scenario, where)
        for path, dist in scenario.uncertain.items():
            if path in priors and priors[path] != dist:
                raise ExperimentError(f"{where}: uncertain.\"{path}\": its prior differs from the one in "
                                      f"{first_named[path]}; a shared parameter needs one prior")
            priors.setdefault(path, dist)
            first_named.setdefault(path, where)
        countries.append(Country(label, scenario, tuple(scenario.uncertain), where))
    return countries, tuple(priors), tuple(priors.values())


@dataclass(frozen=True)
class PatternSimulator:
    """The calibration's model: parameters -> every country's statistics, averaged over seed replicates.

    Seeds come from NumPy's global generator, which the ABC sampler seeds per slot; picklable.
    """

    countries: tuple[Country, ...]
    replicates: int
    farmers: int | None

    def __call__(self, parameters: Mapping[str, float]) -> dict[str, float]:
        """Every country's statistics at ``parameters`` (dotted field -> value), by key."""
        seeds = np.random.randint(0, np.iinfo(np.int32).max, size=(len(self.countries), self.replicates))
        out: dict[str, float] = {}
        for country, row in zip(self.countries, seeds, strict=True):
            overrides = tuple((path, float(parameters[path])) for path in country.parameters)
            scenario = country.runnable()
            tables = run_batch([RunSpec(scenario, country.label, int(seed), self.farmers, None, overrides)
                                for seed in row])  # the seed replicates, stacked in one model
            runs = [pt.statistics(country.label, country.scenario.patterns, table) for table in tables]
            for key in runs[0]:
                values = np.array([run[key] for run in runs], dtype=float)
                out[key] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
        return out


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of weighted values (inverse of the weighted empirical CDF, interpolated at mid-weights)."""
    order = np.argsort(values)
    values, weights = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return float(np.interp(q, cumulative, values))


def identifiability(names: tuple[str, ...], dists: tuple[Uncertain, ...], particles: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: prior and posterior 90 % intervals, the posterior median and mean, their width ratio, a flag."""
    problem = Problem(names, dists)
    prior = problem.from_unit(np.array([[INTERVAL[0]] * len(names), [0.5] * len(names), [INTERVAL[1]] * len(names)]))
    rows = []
    for j, name in enumerate(names):
        values, weights = particles[name].to_numpy(), particles.weight.to_numpy()
        low, median, high = (weighted_quantile(values, weights, q) for q in (INTERVAL[0], 0.5, INTERVAL[1]))
        ratio = (high - low) / (prior[2, j] - prior[0, j])
        rows.append({"parameter": name, "prior_p05": prior[0, j], "prior_p50": prior[1, j], "prior_p95": prior[2, j],
                     "posterior_p05": low, "posterior_p50": median, "posterior_p95": high,
                     "posterior_mean": float(np.average(values, weights=weights)), "width_ratio": ratio,
                     "identified": bool(ratio <= NOT_IDENTIFIED_WIDTH_RATIO)})
    return pd.DataFrame(rows)


def predictive_seeds(scenario_seed: int, draw: int, replicates: int) -> list[int]:
    """The seeds of draw ``draw``'s ``replicates`` runs in a predictive check: one stream per (draw, replicate).

    ``experiments.plan.stream_seed(scenario_seed, draw, replicate)``, as a sweep seeds its samples, so the check's
    runs hold as many realisations of seed noise (network, pioneers) as runs, not ``replicates`` shared by every draw
    (referee 51, finding 1). A seed depends on the scenario's seed, the draw's number and the replicate only (not on
    how many draws run or how they are batched), so draw ``d`` of two posteriors checked on one scenario runs on the
    same seeds: a comparison of two posteriors is paired draw by draw, with independent noise across draws.
    """
    return [stream_seed(scenario_seed, draw, replicate) for replicate in range(replicates)]


def predictive_runs(countries: list[Country], draws: pd.DataFrame, seeds: int, farmers: int | None,
                    executor: Executor, progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Yearly tables of every draw x ``seeds`` seed replicates of every country (``scenario``, ``draw``, ``seed``).

    Each run has its own seed (``predictive_seeds`` of the country's scenario seed, the draw's ``draw`` number and
    the replicate).
    """
    specs = []
    for country in countries:
        base = country.runnable()
        for _, row in draws.iterrows():
            overrides = tuple((path, float(row[path])) for path in country.parameters)
            specs += [RunSpec(base, country.label, seed, farmers, None, overrides, draw=int(row.draw))
                      for seed in predictive_seeds(country.scenario.seed, int(row.draw), seeds)]
    return run_many(specs, executor, progress)


def predictive_check(countries: list[Country], runs: pd.DataFrame) -> pd.DataFrame:
    """Per statistic: observed value, the runs' 5/50/95 % quantiles, z of the median, and whether it is covered.

    Covered: the observed value lies within the 5-95 % range of the runs; for a bound, at least half of the runs
    with a value are on its allowed side (at or below an upper bound, at or above a lower one): ``within_bound`` >=
    0.5, the share of those runs (NaN for a two-sided statistic). That is the predictive median on the allowed side
    except at a tie, when the two middle runs straddle the bound and their mean, the median, may lie outside.
    """
    rows = []
    for country in countries:
        layout = pt.layout(country.label, country.scenario.patterns)
        mine = runs[runs.scenario == country.label]
        per_run = pd.DataFrame([pt.statistics(country.label, country.scenario.patterns, table)
                                for _, table in mine.groupby(["draw", "seed"], sort=True)])
        for statistic in layout:
            values = per_run[statistic.key].to_numpy(dtype=float)
            finite = values[np.isfinite(values)]
            low, median, high = (np.quantile(finite, q) if len(finite) else np.nan for q in (INTERVAL[0], 0.5,
                                                                                             INTERVAL[1]))
            within = _within_bound(finite, statistic)
            covered = within >= 0.5 if statistic.bound != "none" else low <= statistic.observed <= high
            rows.append({"country": statistic.country, "pattern": statistic.pattern, "year": statistic.year,
                         "statistic": statistic.statistic, "column": statistic.column, "fit": statistic.fit,
                         "bound": statistic.bound, "observed": statistic.observed, "scale": statistic.scale,
                         "p05": low, "p50": median, "p95": high, "z_median": pt.z_score(statistic, median),
                         "covered": bool(covered), "within_bound": within, "runs_finite": len(finite),
                         "runs": len(values),
                         "source": statistic.source})
    return pd.DataFrame(rows)


def _within_bound(values: np.ndarray, statistic: pt.Statistic) -> float:
    """Share of ``values`` (finite) on the allowed side of the statistic's bound; NaN without a bound or values."""
    if statistic.bound == "none" or not len(values):
        return float("nan")
    allowed = values <= statistic.observed if statistic.bound == "upper" else values >= statistic.observed
    return float(allowed.mean())


def pattern_summary(check: pd.DataFrame) -> pd.DataFrame:
    """Per pattern: its statistics' RMSE against the observed values, RMS of z, and the share covered.

    The RMSE is of the predictive median, in the statistic's unit, zero on the allowed side of a bound.
    """
    rows = []
    for (country, pattern), part in check.groupby(["country", "pattern"], sort=False):
        error = part.z_median * part.scale
        rows.append({"country": country, "pattern": pattern, "statistic": part.statistic.iloc[0],
                     "column": part.column.iloc[0], "fit": bool(part.fit.iloc[0]), "n": len(part),
                     "rmse": float(np.sqrt((error ** 2).mean())), "rms_z": float(np.sqrt((part.z_median ** 2).mean())),
                     "covered": float(part.covered.mean())})
    return pd.DataFrame(rows)


def prior_draws(names: tuple[str, ...], dists: tuple[Uncertain, ...], draws: int, seed: int) -> pd.DataFrame:
    """``draws`` independent draws from the priors (for parameters a left-out country does not share)."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(LOCO_PRIOR_KEY,)))
    values = Problem(names, dists).from_unit(rng.random((draws, len(names))))
    return pd.DataFrame(values, columns=list(names))


@dataclass
class LeaveOneOut:
    """One country predicted by a calibration on the others."""

    left_out: str
    run: AbcRun
    from_prior: tuple[str, ...]  # its parameters the other countries do not inform
    check: pd.DataFrame  # predictive_check of the left-out country
    runs: pd.DataFrame


@dataclass
class Calibration:
    """A finished calibration (see the module docstring); ``write(out)`` writes its tables, figures and report."""

    countries: list[Country]
    names: tuple[str, ...]
    dists: tuple[Uncertain, ...]
    run: AbcRun
    posterior: pd.DataFrame  # resampled draws: draw, then one column per parameter
    parameters: pd.DataFrame  # identifiability
    check: pd.DataFrame  # predictive check per statistic
    runs: pd.DataFrame  # yearly tables of the predictive runs
    loco: list[LeaveOneOut]
    settings: dict
    seconds: float
    meta: dict = field(default_factory=dict)

    def patterns(self) -> pd.DataFrame:
        """Per pattern fit of the calibration (``pattern_summary``)."""
        return pattern_summary(self.check)

    def loco_table(self) -> pd.DataFrame:
        """Every left-out country's predictive check, with a ``left_out`` column (empty without leave-one-out)."""
        if not self.loco:
            return pd.DataFrame()
        return pd.concat([item.check.assign(left_out=item.left_out) for item in self.loco], ignore_index=True)

    def write(self, out: Path) -> list[Path]:
        """Write the posterior files, tables, figures and report into ``out``; return the paths.

        posterior.{parquet,csv,json}, generations.csv, parameters.csv, ppc.csv, patterns.csv, loco.csv,
        calibration_fit.png, calibration_posterior.png and calibration.md.
        """
        from analysis.calibration_report import write_calibration

        return write_calibration(self, Path(out))


def _fingerprint(countries: list[Country], replicates: int, farmers: int | None) -> dict:
    return {"countries": [{"label": c.label, "scenario": c.scenario.model_dump(mode="json")} for c in countries],
            "replicates": replicates, "farmers": farmers}


def _abc(countries: list[Country], names: tuple[str, ...], dists: tuple[Uncertain, ...], settings: AbcSettings,
         replicates: int, farmers: int | None, directory: Path, executor: Executor, stage: str,
         progress: Progress | None, allow_code_change: bool = False) -> AbcRun:
    """ABC-SMC of ``countries`` in ``directory``, recording (and on resume comparing) this code's ``provenance``."""
    statistics = [s for c in countries for s in pt.layout(c.label, c.scenario.patterns)]
    observed = {s.key: s.observed for s in statistics}
    report = (lambda t, done, n: progress(f"{stage}generation {t}" if t >= 0 else f"{stage}prior sample", done, n)) \
        if progress else None
    return run_abc(PatternSimulator(tuple(countries), replicates, farmers), names, dists, observed,
                   pt.PatternDistance(statistics), settings, directory, executor,
                   _fingerprint(countries, replicates, farmers), report, provenance(), allow_code_change)


def _stage_progress(progress: Progress | None, stage: str) -> Callable[[int, int], None] | None:
    return (lambda done, total: progress(stage, done, total)) if progress else None


def calibrate(scenarios: Mapping[str, Scenario], out: Path, settings: AbcSettings | None = None, replicates: int = 1,
              farmers: int | None = None, posterior_draws: int = 200, ppc_draws: int = 20, ppc_seeds: int = 2,
              leave_one_out: bool = True, executor: Executor | None = None, progress: Progress | None = None,
              sources: Mapping[str, str | Path] | None = None, allow_code_change: bool = False) -> Calibration:
    """Calibrate the countries ``scenarios`` (label -> scenario) on their patterns; see the module docstring.

    The predictive check's seeds derive from each scenario's seed (``predictive_seeds``), not from
    ``settings.seed``: two calibrations that differ only in their ABC seed check on the same seeds.

    Args:
        scenarios: one calibration scenario per country, with ``[uncertain]`` priors and ``[patterns]``.
        out: the calibration directory (ABC histories are kept there; the same call resumes).
        settings: ABC-SMC settings (default ``AbcSettings()`` with the first scenario's seed).
        replicates: seeds per country in each simulation (statistics averaged over them).
        farmers: farmers per run (default: each scenario's).
        posterior_draws: draws written to the posterior file.
        ppc_draws: posterior draws in the predictive check (the posterior file's first ones).
        ppc_seeds: seeds per draw in the predictive check (each run its own, ``predictive_seeds``).
        leave_one_out: calibrate on all countries but one, for each country (needs two countries or more).
        executor: where runs execute (default: a local pool on every core).
        progress: ``progress(stage, done, total)``.
        sources: scenario files by label, named in error messages.
        allow_code_change: continue ABC runs in ``out`` that were started on another model source (``sim/`` hash);
            refused by default. posterior.json records the code that started the main run (``git_commit``,
            ``code_version``, ...) and, where this call's differs, this call's as ``resumed_by``.

    """
    started = time.perf_counter()
    out = Path(out)
    countries, names, dists = countries_of(scenarios, sources)
    settings = settings or AbcSettings(seed=countries[0].scenario.seed)
    if ppc_draws > posterior_draws:
        raise ExperimentError(f"ppc_draws ({ppc_draws}) cannot exceed posterior_draws ({posterior_draws})")
    executor = executor or LocalExecutor()
    with executor:
        run = _abc(countries, names, dists, settings, replicates, farmers, out / "abc", executor, "", progress,
                   allow_code_change)
        posterior = resample(run.particles, names, posterior_draws, settings.seed)
        runs = predictive_runs(countries, posterior.iloc[:ppc_draws], ppc_seeds, farmers, executor,
                               _stage_progress(progress, "predictive checks"))
        loco = []
        if leave_one_out and len(countries) > 1:
            for left in countries:
                loco.append(_leave_out(left, countries, settings, replicates, farmers, ppc_draws, ppc_seeds,
                                       out / "loco" / left.label, executor, progress, allow_code_change))
    check = predictive_check(countries, runs)
    import pyabc

    meta = {"pyabc": pyabc.__version__, "scenario_files": {c.label: c.source for c in countries},
            **(run.fitted_by or {}), **({"resumed_by": run.resumed_by} if run.resumed_by else {})}
    return Calibration(countries, names, dists, run, posterior, identifiability(names, dists, run.particles), check,
                       runs, loco, {**settings_dict(settings), "replicates": replicates, "farmers": farmers,
                                    "posterior_draws": posterior_draws, "ppc_draws": ppc_draws,
                                    "ppc_seeds": ppc_seeds}, time.perf_counter() - started, meta)


def _leave_out(left: Country, countries: list[Country], settings: AbcSettings, replicates: int, farmers: int | None,
               ppc_draws: int, ppc_seeds: int, directory: Path, executor: Executor,
               progress: Progress | None, allow_code_change: bool = False) -> LeaveOneOut:
    """Calibrate on every country but ``left`` and predict ``left``."""
    others = [c for c in countries if c is not left]
    names = tuple(dict.fromkeys(p for c in others for p in c.parameters))
    dists = tuple(next(c.scenario.uncertain[p] for c in others if p in c.parameters) for p in names)
    stage = f"without {left.label}: "
    run = _abc(others, names, dists, settings, replicates, farmers, directory / "abc", executor, stage, progress,
               allow_code_change)
    draws = resample(run.particles, names, ppc_draws, settings.seed)
    own = tuple(p for p in left.parameters if p not in names)
    if own:
        from_prior = prior_draws(own, tuple(left.scenario.uncertain[p] for p in own), ppc_draws, settings.seed)
        draws = pd.concat([draws, from_prior], axis=1)
    runs = predictive_runs([left], draws, ppc_seeds, farmers, executor,
                           _stage_progress(progress, f"{stage}predicting {left.label}"))
    return LeaveOneOut(left.label, run, own, predictive_check([left], runs), runs)


def manifest(calibration: Calibration) -> dict:
    """What the posterior file came from (written beside it as posterior.json)."""
    run = calibration.run
    return {"countries": {c.label: c.source for c in calibration.countries}, "parameters": list(calibration.names),
            "draws": len(calibration.posterior), "resampled_by_weight": True, "epsilon": run.epsilon,
            "threshold": run.settings.threshold, "stop": run.stop, "generations": int(run.generations.t.max()) + 1,
            "simulations": run.simulations, "settings": calibration.settings, **calibration.meta,
            "scenario_hashes": {c.label: scenario_digest(c.scenario) for c in calibration.countries}}


def provenance() -> dict:
    """Which code fitted a posterior (referee 51 m7), as a sweep's manifest records it.

    The git commit and whether the checkout had uncommitted changes (None outside a checkout), the model's source
    hash (``experiments.plan.code_version``, the sweeps' and Dask's code identity) and the versions of the numerical
    libraries and pyabc.

    Recorded in the ABC run directory when it starts and copied from there into posterior.json and the report, so a
    resumed or re-reported calibration names the code that fitted it, with the resuming call's as ``resumed_by``
    where it differs (referee 53 m2). The source hash covers ``sim/`` only: the pattern statistics
    (``analysis/patterns.py``) and the ABC machinery are identified by the commit and the uncommitted-changes flag.
    A posterior.json written before 29 November 2026 has none of it (Brazil's committed one was fitted on main
    b4a28d2, docs/validation.md section 7).
    """
    here = Path(__file__).parent
    return {"git_commit": git_commit(here), "git_uncommitted_changes": git_uncommitted(here),
            "code_version": code_version(), "libraries": library_versions((*NUMERICAL_LIBRARIES, "pyabc"))}


def scenario_digest(scenario: Scenario) -> str:
    """What posterior.json records of a scenario: the start of its ``experiments.single.scenario_hash``.

    ``SCENARIO_DIGEST_DIGITS`` hex digits of the resolved scenario's SHA-256, so a changed default changes it too;
    ``tests/test_calibration.py`` compares a committed posterior's record with its scenario file as it is now.
    """
    return scenario_hash(scenario)[:SCENARIO_DIGEST_DIGITS]

