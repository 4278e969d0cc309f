"""One model run, built, overridden and run in one place, and many of them on an ``Executor``.

This module is the experiments packages' only contact with the model's Python API (building a model, applying
scenario overrides, limiting compiled threads, reading the yearly table): when the model's API changes, this is
the file to change.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sim
from experiments.executors import Executor, batch_size, local_for, map_ordered, workers_of
from experiments.posterior import DRAW_COLUMN, posterior_draws
from experiments.spec import ExperimentError
from sim import ensemble, parallel
from sim.farmers import allocate_farmers
from sim.footprint import FIXED_BYTES, Footprint, gigabytes, run_footprint
from sim.outputs import COLUMNS
from sim.scenario import Scenario, scenario_with_overrides
from sim.scenario.farms import Region
from sim.scenario.scenario import MAX_SEED, MAX_YEARS
from sim.soil import check_start

#: Memory of one extra worker process before it builds a model: an interpreter with NumPy, Numba, SciPy,
#: pandas and Mesa imported (measured resident size: 280 MB).
WORKER_PROCESS_BYTES = 300_000_000


class RunTimeout(ExperimentError):
    """A run took longer than its time limit."""


@dataclass(frozen=True)
class RunSpec:
    """One model run: a scenario (with overrides of dotted fields), a seed, a size and an optional time limit.

    ``draw`` numbers the posterior draw whose values are among the overrides (None: no posterior draw).
    """

    scenario: Scenario
    label: str
    seed: int
    farmers: int | None = None
    years: int | None = None
    overrides: tuple[tuple[str, Any], ...] = ()
    _: KW_ONLY  # two optional numbers of different meaning: named at every call, never confused
    draw: int | None = None
    timeout: float | None = None  # seconds (checked after building the model and after every year)


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A validated copy of ``scenario`` with dotted fields replaced (e.g. ``{"carbon.price.path.value": 35.0}``)."""
    return scenario_with_overrides(scenario, dict(overrides)) if overrides else scenario


def _schema_limit(model: type, field: str) -> int:
    """The ``le`` bound of an integer field of the scenario schema (one source for the limits of options)."""
    return next(m.le for m in model.model_fields[field].metadata if getattr(m, "le", None) is not None)


#: Most farmers in one region: the scenario schema's own limit, which ``--farmers`` obeys too (most years a run
#: simulates: ``MAX_YEARS``, the schema's constant).
MAX_REGION_FARMERS = _schema_limit(Region, "farmers")


def available_memory() -> int:
    """Bytes of memory available to new allocations on this machine now (psutil: free + reclaimable)."""
    import psutil

    return int(psutil.virtual_memory().available)


def check_size(scenario: Scenario, farmers: int | None = None, years: int | None = None, workers: int = 1,
               source: str | Path | None = None, available: int | None = None, stacked: int = 1) -> Footprint:
    """Check a run's size before anything is allocated; return its estimated memory footprint.

    Args:
        scenario: the scenario.
        farmers: total farmers (the file's counts when None).
        years: years simulated (the scenario's when None).
        workers: models held in memory at once on this machine (one per local worker process).
        source: the scenario file, named in errors.
        available: bytes available (measured now when None).
        stacked: runs stacked in each of those models (``sim.ensemble``).

    Raises:
        ExperimentError: more years than the schema allows, more farmers in a region than a region may hold,
            fewer farmers than regions, or runs that do not fit in memory (saying by how much, and what fits).

    """
    where = f"{source}: " if source else ""
    if years is not None and not 1 <= years <= MAX_YEARS:
        raise ExperimentError(f"{where}years (--years) {years}: expected 1 to {MAX_YEARS} years (the scenario schema's "
                              "limit)")
    try:
        sizes = allocate_farmers(scenario, farmers)
    except ValueError as exc:
        raise ExperimentError(f"{where}{exc}") from None
    for name, size in zip(scenario.regions, sizes, strict=True):
        if size > MAX_REGION_FARMERS:
            raise ExperimentError(f"{where}farmers (--farmers) {farmers:,} puts {size:,} farmers in region {name!r}; a region "
                                  f"holds at most {MAX_REGION_FARMERS:,} (the scenario schema's limit)")
    footprint = run_footprint(scenario, farmers)
    available = available_memory() if available is None else available
    need = workers * stacked * footprint.bytes + (workers - 1) * WORKER_PROCESS_BYTES
    if need > available:
        per_run = (available - (workers - 1) * WORKER_PROCESS_BYTES) / (workers * stacked)
        scale = (per_run - FIXED_BYTES) / max(footprint.bytes - FIXED_BYTES, 1)  # bytes grow with the farmers
        fits = int(footprint.farmers * scale) if scale > 0 else 0
        held = "one per worker" if stacked == 1 else f"{stacked} stacked in the model of each of {workers} workers"
        runs = f"{workers * stacked} runs at once ({held}) need" if workers * stacked > 1 else "a run needs"
        advice = f"about {fits:,} farmers fit" if fits >= len(sizes) else "no run of this scenario fits"
        raise ExperimentError(f"{where}not enough memory: {runs} {footprint.describe()} each, "
                              f"{gigabytes(need)} in all; {gigabytes(available)} is available, "
                              f"{gigabytes(need - available)} short ({advice}; use fewer farmers (--farmers), fewer "
                              "workers (--workers) or a Dask cluster)")
    return footprint


def build_model(scenario: Scenario, seed: int | None = None, farmers: int | None = None,
                recorded: bool = True) -> sim.AdoptionModel:
    """The model of ``scenario`` at ``seed`` (the scenario's when None) with ``farmers`` in total, no Mesa agents.

    Its size is checked first (``check_size``): a run that cannot fit in memory is refused before it allocates.
    A model not ``recorded`` (to be stacked) has no yearly table until ``start_recording`` (``sim.AdoptionModel``).

    Raises ExperimentError for a size the scenario cannot take (e.g. fewer farmers than regions, too little memory).
    """
    check_size(scenario, farmers)
    try:
        return sim.AdoptionModel(scenario, seed=seed, n_farmers=farmers, recorded=recorded)
    except ValueError as exc:
        raise ExperimentError(str(exc)) from exc


#: Numbers of a scenario named as suspects when a run fails in its arithmetic: non-zero and smaller than this ...
SUSPECT_SMALL = 1e-30
#: ... or larger than this in size (both valid, but squares and products of them underflow or overflow).
SUSPECT_LARGE = 1e9


def extreme_fields(scenario: Scenario) -> list[str]:
    """'field = value' for the scenario's numbers of extreme size (suspects when a run's arithmetic fails)."""
    from sim.scenario.loader import numeric_leaves

    leaves = numeric_leaves(scenario.model_dump(exclude={"uncertain", "outputs"}))
    return [f"{path} = {value!r}" for path, value in leaves.items()
            if value and (abs(value) < SUSPECT_SMALL or abs(value) > SUSPECT_LARGE)]


@contextmanager
def model_arithmetic(scenario: Scenario, label: str) -> Iterator[None]:
    """Turn a failure of the model's arithmetic (a division by zero, an overflow) into a clean ``ExperimentError``.

    Valid numbers can still be too small or too large to compute with (an observation sd of 1e-300 squares to
    zero); the message names the scenario's numbers of extreme size as the likely cause.
    """
    try:
        yield
    except ArithmeticError as exc:
        suspects = extreme_fields(scenario)
        hint = f"; numbers of extreme size: {', '.join(suspects)}" if suspects else ""
        raise ExperimentError(f"{label}: the run failed in the model's arithmetic ({type(exc).__name__}: {exc}): a "
                              f"scenario value is too small or too large to compute with{hint}") from None


def check_finite(table: pd.DataFrame, label: str) -> None:
    """Refuse a yearly table with inf anywhere, or NaN where a value is defined.

    NaN is expected only in the initial row of a flow column (no season yet) and where a column declares when it
    is undefined (``Column.undefined_when``, e.g. a cost per tonne before any tonne).

    Raises:
        ExperimentError: naming the columns, their first bad year and region.

    """
    columns, values, bad = _nonfinite(table, table["year"].to_numpy() == table["year"].min())
    problems = []
    for j in np.flatnonzero(bad.any(axis=0)):
        i = int(np.argmax(bad[:, j]))
        problems.append(f"{columns[j]} is {values[i, j]} in {table['year'].iloc[i]} (region "
                        f"{table['region'].iloc[i]})")
    if problems:
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more columns" if len(problems) > 3 else "")
        raise ExperimentError(f"{label}: the run produced non-finite values: {shown}. A scenario value is too large "
                              "or too small for the model to compute with (check the fields behind these columns)")


def _nonfinite(table: pd.DataFrame, first_year: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(float columns checked, their values (rows, columns), where they are not finite though defined).

    ``first_year`` (rows,) marks the rows of a run's initial year, where flow columns are NaN.
    """
    columns = [c for name, c in COLUMNS.items() if c.rule is not None and c.dtype == "float64" and name in table]
    values = table[[c.name for c in columns]].to_numpy(dtype=np.float64)
    expected_nan = np.array([c.undefined_when is not None for c in columns])[None, :] | (
        first_year[:, None] & np.array([c.flow for c in columns])[None, :])
    return [c.name for c in columns], values, np.isinf(values) | (np.isnan(values) & ~expected_nan)


def nonfinite_runs(specs: Sequence[RunSpec], tables: RunTables) -> dict[int, ExperimentError]:
    """``check_finite`` of many runs' yearly tables at once: position -> error of each table it refuses.

    One check of every row of the joined tables (a check per table costs about half a millisecond of pandas work);
    the tables it finds fault with are checked again alone, for their error.
    """
    frame, owner = tables.frame, tables.owner
    if not len(frame):
        return {}
    year = frame["year"].to_numpy()
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    first = np.repeat(np.minimum.reduceat(year, starts), np.diff(np.r_[starts, len(owner)]))
    _, _, bad = _nonfinite(frame, year == first)
    errors = {}
    for k in np.unique(owner[bad.any(axis=1)]):
        try:
            check_finite(tables.table(k), run_label(specs[k]))
        except ExperimentError as exc:
            errors[int(k)] = exc
    return errors


def model_size(model: sim.AdoptionModel) -> tuple[int, int]:
    """(seed, farmers) of a built model."""
    return model.seed, model.n


def yearly_table(model: sim.AdoptionModel) -> pd.DataFrame:
    """The model's yearly table so far (the content of ``yearly.parquet``)."""
    return model.results()


def one_compiled_thread() -> None:
    """Run the model's compiled kernels on one thread: parallel workers each run one model per core."""
    parallel.set_threads(1)


def run_label(spec: RunSpec) -> str:
    """How a run is named in errors: 'label (seed 7)'."""
    return f"{spec.label} (seed {spec.seed})"


def finish_table(spec: RunSpec, table: pd.DataFrame) -> pd.DataFrame:
    """A run's yearly table, checked for non-finite values, with its ``scenario``, ``seed`` (and ``draw``) columns."""
    if spec.draw is not None:
        table.insert(0, "draw", spec.draw)
    check_finite(table, run_label(spec))
    table.insert(0, "seed", spec.seed)
    table.insert(0, "scenario", spec.label)
    return table


class PartTimes:
    """Seconds a process spent in named parts of its work (``time.perf_counter``), summed over calls.

    A sweep tells the model's own time from its machinery's (``experiments.sweep.Evaluated``): the parts
    ``SCENARIO`` (a run's scenario with its overrides) and ``TABLE`` (a run's yearly table, read and checked).
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        """Add the time spent in the ``with`` block to part ``name``."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


#: Parts of ``PartTimes`` timed by ``run_specs``: the machinery around the model of each run.
SCENARIO, TABLE = "scenario", "table"


def run_one(spec: RunSpec, times: PartTimes | None = None, finish: bool = True) -> pd.DataFrame:
    """Run ``spec`` and return its yearly table with ``scenario`` and ``seed`` columns (one compiled thread).

    A run of a posterior draw also has a ``draw`` column. ``times`` collects the time of the machinery's parts.
    ``finish=False`` returns the table as the model gives it (``finish_table`` not applied).
    """
    one_compiled_thread()
    times = times or PartTimes()
    started = time.monotonic()
    with times.part(SCENARIO):
        scenario = with_overrides(spec.scenario, dict(spec.overrides))
    label = run_label(spec)
    with model_arithmetic(scenario, label):
        model = build_model(scenario, spec.seed, spec.farmers)
        years = spec.years or scenario.years
        for year in range(years + 1):
            if spec.timeout is not None and time.monotonic() - started > spec.timeout:
                raise RunTimeout(f"{label}: stopped after {year} of {years} years: longer than the limit of "
                                 f"{spec.timeout:g} s per run")
            if year < years:
                model.step()
        with times.part(TABLE):
            table = yearly_table(model)
    with times.part(TABLE):
        return finish_table(spec, table) if finish else table


#: Most farmers in one stacked model (runs x farmers of each): enough runs that a year's Python cost is shared by
#: many, few enough that the stacked model stays a few hundred MB.
MAX_STACKED_FARMERS = 200_000


def stack_groups(specs: Sequence[RunSpec]) -> list[list[int]]:
    """Indices of ``specs`` in groups worth stacking in one model.

    A group holds runs of one scenario (any overrides and seeds) of the same size and horizon, without a time limit,
    at most ``MAX_STACKED_FARMERS`` farmers in all.
    """
    groups: dict[tuple, list[int]] = {}
    for i, spec in enumerate(specs):
        alone = spec.timeout is not None  # a time limit is per run: such runs are run one at a time
        groups.setdefault((i,) if alone else (id(spec.scenario), spec.farmers, spec.years), []).append(i)
    out = []
    for members in groups.values():
        size = stack_capacity(specs[members[0]].scenario, specs[members[0]].farmers)
        out += [members[i:i + size] for i in range(0, len(members), size)]
    return out


def stack_capacity(scenario: Scenario, farmers: int | None) -> int:
    """Runs of ``scenario`` with ``farmers`` each (the file's counts when None) one stacked model holds.

    1 for a size the scenario cannot take (``check_size`` says why).
    """
    try:
        return max(1, MAX_STACKED_FARMERS // max(sum(allocate_farmers(scenario, farmers)), 1))
    except ValueError:
        return 1


def run_specs(specs: Sequence[RunSpec], stack: bool = True, times: PartTimes | None = None) -> list[pd.DataFrame | Exception]:
    """Every spec's yearly table (as ``run_one`` gives it), or the exception its run raised, in order.

    Runs of one scenario are stacked in one model (``sim.ensemble``; ``stack_groups``) and give the same tables as
    alone; runs that cannot share a model (``sim.ensemble.NotStackable``: say, a decision parameter that differs)
    are run one at a time, as is a group whose stacked run fails (so the run that fails is found and fails alone).
    ``stack=False`` runs every spec alone (the same tables). ``times`` collects the time of the machinery's parts
    (``SCENARIO``, ``TABLE``); the rest is the models'.
    """
    times = times or PartTimes()
    out: list[pd.DataFrame | Exception] = []
    for spec, result in zip(specs, _run_all(specs, stack, times), strict=True):
        if not isinstance(result, Exception):
            with times.part(TABLE):
                try:
                    result = finish_table(spec, result.table() if isinstance(result, _Rows) else result)
                except ExperimentError as exc:
                    result = exc
        out.append(result)
    return out


@dataclass(frozen=True)
class RunTables:
    """The yearly tables of many runs one after another, as the model gives them (``finish_table`` not applied).

    ``frame`` holds the rows of every run that finished, in the order of the runs; ``owner`` (rows,) the position
    of each row's run among them; ``errors`` the exception of each run that failed (None for a run in ``frame``).
    """

    frame: pd.DataFrame
    owner: np.ndarray
    errors: list[Exception | None]

    @classmethod
    def of(cls, results: Sequence[pd.DataFrame | Exception]) -> RunTables:
        """The tables of runs given one by one (a yearly table or the exception of each run)."""
        tables = [(k, r) for k, r in enumerate(results) if not isinstance(r, Exception)]
        frame = pd.concat([t for _, t in tables], ignore_index=True) if tables else pd.DataFrame()
        owner = np.repeat(np.array([k for k, _ in tables], np.int64), [len(t) for _, t in tables])
        return cls(frame, owner, [r if isinstance(r, Exception) else None for r in results])

    def table(self, k: int) -> pd.DataFrame:
        """The yearly table of run ``k`` (one that finished)."""
        rows = np.flatnonzero(self.owner == k)
        return self.frame.iloc[rows[0]:rows[-1] + 1].reset_index(drop=True)


def run_tables(specs: Sequence[RunSpec], stack: bool = True, times: PartTimes | None = None) -> RunTables:
    """Every spec's yearly table as the model gives it, all in one frame (``RunTables``), or its run's exception.

    The runs are those of ``run_specs`` (stacked where they can share a model), but a stacked model's tables stay
    the one frame it gives, so a sweep checks and stores a batch's rows without a frame per run.
    """
    times = times or PartTimes()
    results = _run_all(specs, stack, times)
    with times.part(TABLE):
        if results and all(isinstance(r, _Rows) and r.frame is results[0].frame for r in results):
            frame, size = results[0].frame, results[0].stop - results[0].start
            if len(frame) == size * len(results) and all(r.start == k * size for k, r in enumerate(results)):
                # every run of one stacked model, in order: its frame as it is
                return RunTables(frame, np.repeat(np.arange(len(results)), size), [None] * len(results))
        return RunTables.of([r.table() if isinstance(r, _Rows) else r for r in results])


@dataclass(frozen=True)
class _Rows:
    """The rows ``start:stop`` of ``frame``: one run's yearly table among a stacked model's."""

    frame: pd.DataFrame
    start: int
    stop: int

    def table(self) -> pd.DataFrame:
        return self.frame.iloc[self.start:self.stop].reset_index(drop=True)


def _run_all(specs: Sequence[RunSpec], stack: bool, times: PartTimes) -> list[pd.DataFrame | _Rows | Exception]:
    """Every spec's yearly table as the model gives it (``_Rows`` of a stacked model's frame), or its exception."""
    one_compiled_thread()
    out: list[pd.DataFrame | _Rows | Exception | None] = [None] * len(specs)
    for group in stack_groups(specs) if stack else [[i] for i in range(len(specs))]:
        if len(group) > 1:
            for i, result in zip(group, _run_stacked([specs[i] for i in group], times), strict=True):
                out[i] = result
        for i in group:
            if out[i] is None:
                try:
                    out[i] = run_one(specs[i], times, finish=False)
                except Exception as exc:  # noqa: BLE001 - a failed run is reported, the others go on
                    out[i] = exc
    return out


def _run_stacked(specs: list[RunSpec], times: PartTimes) -> list[pd.DataFrame | _Rows | Exception | None]:
    """The runs of ``specs`` stacked in one model, or one at a time when they cannot share one.

    Returns each run's table as the model gives it, or its exception, or None for runs to run again alone (the
    stacked run failed).
    """
    out: list[pd.DataFrame | _Rows | Exception | None] = [None] * len(specs)
    models = {}
    scenarios = {}
    with times.part(SCENARIO):  # all at once: between the builds of models they take twice as long
        for i, spec in enumerate(specs):
            try:
                scenarios[i] = with_overrides(spec.scenario, dict(spec.overrides))
            except Exception as exc:  # noqa: BLE001 - reported as this run's failure
                out[i] = exc
    for i, scenario in scenarios.items():
        try:
            with model_arithmetic(scenario, run_label(specs[i])):
                models[i] = build_model(scenario, specs[i].seed, specs[i].farmers, recorded=False)  # stacked
        except Exception as exc:  # noqa: BLE001 - reported as this run's failure
            out[i] = exc
    if not models:
        return out
    horizons = {i: specs[i].years or scenarios[i].years for i in models}  # an override may set the years
    try:
        if len(set(horizons.values())) > 1:
            raise ensemble.NotStackable("the runs' horizons differ")
        model = ensemble.stack(list(models.values()))
    except ensemble.NotStackable:  # the models are built: run each alone
        for i, alone in models.items():
            try:
                with model_arithmetic(alone.config, run_label(specs[i])):
                    alone.start_recording()  # built for the stacked model, which would have recorded it
                    alone.run_for(horizons[i])
                with times.part(TABLE):
                    out[i] = yearly_table(alone)
            except Exception as exc:  # noqa: BLE001 - reported as this run's failure
                out[i] = exc
        return out
    try:
        model.run_for(next(iter(horizons.values())))
    except (ensemble.NotStackable, ArithmeticError):  # a value read only in a year's step differs, or a run failed
        return [None if i in models else result for i, result in enumerate(out)]
    with times.part(TABLE):
        frame = model.recorder.frames(range(len(models)))  # each run's table as sim.ensemble.results gives it
        size = len(frame) // len(models)
        for k, i in enumerate(models):
            out[i] = _Rows(frame, k * size, (k + 1) * size)
    return out


#: Most runs in one task of ``run_many``: a batch of runs of 1,000 farmers takes a few seconds (results never
#: depend on the batch; it only spreads the per-task cost of a process pool or a Dask cluster over its runs).
MAX_RUNS_PER_TASK = 50


def run_batch(specs: Sequence[RunSpec]) -> list[pd.DataFrame]:
    """Every spec's yearly table, in order, in this process (one executor task; runs stacked by ``run_specs``).

    Raises the first failed run's exception.
    """
    tables = run_specs(specs)
    for table in tables:
        if isinstance(table, Exception):
            raise table
    return tables


def run_many(specs: list[RunSpec], executor: Executor | None = None,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Every spec's yearly table, concatenated in the order of ``specs`` (whatever the executor finishes first).

    Runs travel to the workers in batches (``run_batch``; sized by ``experiments.executors.batch_size``), so a Dask
    worker receives many runs per task; every run keeps its own seed, so the table does not depend on the batches.

    Args:
        specs: the runs.
        executor: where they run (default: a local process pool, one worker per run up to the cores).
        progress: ``progress(runs_done, runs_total)`` after each finished batch.

    """
    executor = executor or local_for(len(specs))
    size = batch_size(len(specs), workers_of(executor), MAX_RUNS_PER_TASK)
    batches = [tuple(specs[i:i + size]) for i in range(0, len(specs), size)]
    tables = map_ordered(executor, run_batch, batches, progress, size=len)
    return pd.concat([table for batch in tables for table in batch], ignore_index=True)


def consecutive_seeds(seed: int, replicates: int, where: str = "the scenario") -> list[int]:
    """The seeds of ``replicates`` seed replicates from ``seed``: seed, seed + 1, ..., seed + replicates - 1.

    The one place replicate seeds are made (``replicate_seeds``, ``experiments.plan.run_seeds``), so that every seed
    replicate of sweep, compare, target, report and exchange-groups is one ``casim run --seed`` repeats (a design of
    several samples, and the calibration's predictive check, draw each run's own 63-bit seed instead,
    ``experiments.plan.stream_seed``, which ``casim run --seed`` repeats too).

    Raises:
        ExperimentError: a last seed above ``MAX_SEED`` (which ``casim run --seed`` refuses), before anything runs;
            ``where`` (a scenario file) is what the message tells the user to change.

    """
    last = seed + replicates - 1
    if last > MAX_SEED:
        raise ExperimentError(f"{where}: seed {seed} with {replicates} replicates runs seeds up to {last}, past the "
                              f"largest seed {MAX_SEED} (`casim run --seed` could not repeat those runs); lower `seed` "
                              f"in {where} to at most {MAX_SEED - replicates + 1}, or run fewer replicates")
    return list(range(seed, seed + replicates))


def replicate_seeds(scenario: Scenario, replicates: int, source: str | Path | None = None) -> list[int]:
    """Seeds of ``replicates`` seed replicates: the scenario's seed, then the following integers.

    ``source``: the scenario's file, named in the error when the seeds would pass ``MAX_SEED``
    (``consecutive_seeds``).
    """
    return consecutive_seeds(scenario.seed, replicates, str(source) if source else f"scenario {scenario.name!r}")


@dataclass(frozen=True)
class Replicate:
    """One replicate of a scenario: a seed, and the values of a posterior draw when the scenario names draws."""

    seed: int
    draw: int | None = None
    overrides: tuple[tuple[str, float], ...] = ()


def replicates_of(scenario: Scenario, replicates: int, source: str | Path | None = None) -> list[Replicate]:
    """The replicates of a scenario: its seed replicates, or every posterior draw x every seed replicate.

    When the scenario names ``[posterior]`` draws, replicates run draw-major (draw 0 with every seed, then draw 1
    ...), so results carry parameter uncertainty as well as seed noise.

    Raises ExperimentError for posterior draws that cannot be used (see ``experiments.posterior``).
    """
    seeds = replicate_seeds(scenario, replicates, source)
    if scenario.posterior is None:
        return [Replicate(seed) for seed in seeds]
    draws = posterior_draws(scenario, source)
    fields = [c for c in draws.columns if c != DRAW_COLUMN]
    return [Replicate(seed, int(row[DRAW_COLUMN]), tuple((f, float(row[f])) for f in fields))
            for _, row in draws.iterrows() for seed in seeds]


def replicate_specs(scenario: Scenario, label: str, replicates: list[Replicate], farmers: int | None = None,
                    years: int | None = None, overrides: Mapping[str, Any] | None = None) -> list[RunSpec]:
    """One run per replicate; ``overrides`` (e.g. a policy lever) apply after the draw's values."""
    return [RunSpec(scenario, label, r.seed, farmers, years, (*r.overrides, *(overrides or {}).items()), draw=r.draw)
            for r in replicates]


def describe_replicates(scenario: Scenario, replicates: int) -> str:
    """How a scenario is replicated, for tables: '3 seeds' or '20 posterior draws x 3 seeds'."""
    seeds = f"{replicates} seed{'s' if replicates != 1 else ''}"
    return f"{scenario.posterior.draws} posterior draws x {seeds}" if scenario.posterior else seeds


def labels_of(paths: Sequence[Path]) -> list[str]:
    """A distinct label per file: its stem, or as many parent folders as tell files of one stem apart.

    ``a/baseline.toml`` and ``b/baseline.toml`` become ``a/baseline`` and ``b/baseline``.

    Raises:
        ExperimentError: the same file given twice.

    """
    resolved = [Path(p).resolve() for p in paths]
    seen: dict[Path, Path] = {}
    for given, path in zip(paths, resolved, strict=True):
        if path in seen:
            raise ExperimentError(f"{given}: given twice (as {seen[path]} and {given}); name each scenario once")
        seen[path] = Path(given)
    labels = [p.stem for p in resolved]
    depth = {i: 0 for i in range(len(paths))}
    while len(set(labels)) < len(labels):
        counts = {label: labels.count(label) for label in labels}
        for i, path in enumerate(resolved):
            if counts[labels[i]] > 1:
                depth[i] += 1
                labels[i] = "/".join((*path.parent.parts[len(path.parent.parts) - depth[i]:], path.stem))
    return labels


def load_labelled(paths: Sequence[Path], replicates: int | None = None) -> dict[str, Scenario]:
    """Scenario files by label (``labels_of``: the file stem, with parent folders when stems clash), in order.

    With ``replicates``, each file's seed replicates are checked too (``replicate_seeds``), so that a seed too large
    for them is refused naming its file before anything runs. Each file's soil start-up is checked as every run's
    would be (``sim.soil.check_start``): an impossible RothC start is bad input naming the file, not failed runs.

    Raises sim.ScenarioError for an invalid file (or start) and ExperimentError when a file is given twice, its
    posterior draws cannot be used or its seed leaves no room for ``replicates``.
    """
    scenarios = {label: sim.load_scenario(path) for label, path in zip(labels_of(paths), paths, strict=True)}
    for path, scenario in zip(paths, scenarios.values(), strict=True):
        check_start(scenario, path)
        if scenario.posterior is not None:
            posterior_draws(scenario, path)
        if replicates is not None:
            replicate_seeds(scenario, replicates, path)
    return scenarios
