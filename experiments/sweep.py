"""Sweeps: scenario files x parameter designs x seed replicates, batched, run on any executor, stored as they finish.

The model knows nothing of this: a *plan* (``experiments.plan``) lists runs and cuts them into batches; an
*evaluator* turns a batch into rows; an executor (``experiments.executors``) runs batches; the store
(``experiments.store``) keeps finished ones. Running the same plan again on the same directory runs only the
missing runs, with any batch size or worker count.

A run that fails (a combination of values the scenario refuses, a run longer than its time limit, a worker
killed for memory) is recorded in ``failed/`` with its error and the sweep goes on; the next run of the same
command retries it.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.designs import design_matrix
from experiments.executors import Executor, LocalExecutor, workers_of
from experiments.plan import Batch, Plan, make_plan, stored_bytes
from experiments.posterior import refuse_posterior
from experiments.runs import SCENARIO, TABLE, PartTimes, RunSpec, RunTables, check_size, nonfinite_runs, run_tables
from experiments.spec import ExperimentError, outputs_of
from experiments.store import (
    FINISHED,
    INTERRUPTED,
    RUN_COLUMNS,
    RUNNING,
    StoreError,
    SweepStore,
    check_writable,
    parquet_bytes,
)
from sim.behaviour import start_cache
from sim.scenario import Scenario, integer_fields

#: Designs a sweep can run (``design_matrix``, or a design read from a CSV file).
DESIGNS = ("replicates", "grid", "lhs", "csv")


@dataclass
class Evaluated:
    """What a batch gave: the rows of its finished runs, and its failed runs with their errors."""

    batch: Batch
    rows: pd.DataFrame
    failures: list[dict] = field(default_factory=list)
    lost: bool = False  # the worker running it died (its runs are retried one by one)
    model_seconds: float = 0.0  # time the worker spent building and running the models
    #: time the worker spent on the sweep's machinery around the models, by part (``MACHINERY_PARTS``)
    machinery_seconds: dict[str, float] = field(default_factory=dict)
    parquet: bytes | None = None  # the rows as their Parquet file, encoded by the worker (``encoded``)

    def encoded(self) -> Evaluated:
        """Replace the rows by the bytes of their Parquet file (``parquet``), timed as ``ENCODE``; return self.

        Workers encode their batches, so the sweep's process only writes files, and a result travels as its
        compressed file rather than as a pickled frame.
        """
        started = time.perf_counter()
        if len(self.rows):
            self.parquet, self.rows = parquet_bytes(self.rows), pd.DataFrame()
        self.machinery_seconds[ENCODE] = self.machinery_seconds.get(ENCODE, 0.0) + time.perf_counter() - started
        return self


#: Parts of a batch's machinery timed in the worker (``Evaluated.machinery_seconds``): each run's scenario with its
#: overrides, its yearly table read and checked plus the batch's stored rows, the rest of the task (its specs, its
#: failures), and the rows encoded as a Parquet file (``ENCODE``).
MACHINERY_PARTS = ("scenarios", "rows", "other")
ENCODE = "parquet"


def run_columns(run: dict, parameters: tuple[str, ...]) -> dict:
    """The columns that identify a run (id, scenario, sample, replicate, seed, parameter values)."""
    return {name: run[name] for name in (*RUN_COLUMNS, *parameters)}


def evaluate_casim(batch: Batch) -> Evaluated:
    """Run the model for every run of the batch; rows = the 'all' region's yearly table plus run columns.

    Runs are stacked in one model where they can share one (``experiments.runs.run_tables``). A run that raises (an
    invalid combination of values, a time limit, too little memory) is recorded as failed with its error; the
    others go on. The time of the models and of the machinery around them are measured apart (``Evaluated``).
    """
    started = time.perf_counter()
    runs = batch.runs.to_dict(orient="records")
    integer = {label: integer_fields(s) for label, s in batch.scenarios.items()}
    runnable = {label: s.model_copy(update={"uncertain": {}}) for label, s in batch.scenarios.items()}
    specs = [RunSpec(runnable[run["scenario"]], run["scenario"], int(run["seed"]), batch.farmers, batch.years,
                     tuple((name, int(round(run[name])) if name in integer[run["scenario"]] else float(run[name]))
                           for name in batch.parameters), timeout=batch.timeout) for run in runs]
    times = PartTimes()
    models_started = time.perf_counter()
    with start_cache.bypassed(not batch.seeds_shared):  # no run can reuse another's start
        tables = run_tables(specs, batch.stack, times)
    model_seconds = time.perf_counter() - models_started - sum(times.seconds.values())
    rows_started = time.perf_counter()
    errors = list(tables.errors)
    for k, error in nonfinite_runs(specs, tables).items():
        errors[k] = error
    failures = [{**run_columns(run, batch.parameters), "error": f"{type(error).__name__}: {error}"}
                for run, error in zip(runs, errors, strict=True) if error is not None]
    rows = stored_rows(batch, tables, [k for k, error in enumerate(errors) if error is not None])
    rows_seconds = time.perf_counter() - rows_started + times.seconds.get(TABLE, 0.0)
    scenario_seconds = times.seconds.get(SCENARIO, 0.0)
    other = time.perf_counter() - started - model_seconds - scenario_seconds - rows_seconds
    return Evaluated(batch, rows, failures, model_seconds=model_seconds,
                     machinery_seconds=dict(zip(MACHINERY_PARTS, (scenario_seconds, rows_seconds, other), strict=True)))


def stored_rows(batch: Batch, tables: RunTables, failed: Sequence[int] = ()) -> pd.DataFrame:
    """The rows stored for a batch's finished runs: each run's 'all' region rows, after its run columns.

    ``tables`` are the yearly tables of the batch's runs (positions in ``batch.runs``) as the model gives them; the
    runs ``failed`` (e.g. with non-finite values) are left out. Each run's columns (id, scenario, sample, replicate, seed,
    parameter values) are repeated over its rows, in the column order of one ``insert(0, ...)`` per name: the
    parameters (last first), then seed, replicate, sample_id, scenario and run_id.
    """
    frame = tables.frame
    kept = (frame["region"].to_numpy() == "all") & ~np.isin(tables.owner, list(failed)) if len(frame) else []
    if not np.any(kept):
        return pd.DataFrame()
    body = frame.loc[kept].drop(columns="region").reset_index(drop=True)
    names = ("run_id", "scenario", "sample_id", "replicate", "seed", *batch.parameters)[::-1]
    ids = batch.runs[list(names)].iloc[tables.owner[kept]].reset_index(drop=True)
    return pd.concat([ids, body], axis=1)


def evaluate_ishigami(batch: Batch) -> Evaluated:
    """SALib's Ishigami function as the 'model' (a plumbing check of the whole sweep path): one row per run."""
    from SALib.test_functions import Ishigami

    frame = batch.runs.copy()
    frame["year"] = 0
    frame["y"] = Ishigami.evaluate(frame[list(batch.parameters)].to_numpy())
    return Evaluated(batch, frame)


EVALUATORS: dict[str, Callable[[Batch], Evaluated]] = {"casim": evaluate_casim, "ishigami": evaluate_ishigami}


def evaluate(batch: Batch) -> Evaluated:
    """Evaluate a batch with its model: a name in ``EVALUATORS``, or ``module:function`` (tests, plug-ins).

    The rows come back encoded as their Parquet file (``Evaluated.encoded``).
    """
    if batch.model in EVALUATORS:
        return EVALUATORS[batch.model](batch).encoded()
    module, _, name = batch.model.partition(":")
    return getattr(importlib.import_module(module), name)(batch).encoded()


def _lost(batch: Batch, error: BaseException) -> Evaluated:
    failures = [{**run_columns(run, batch.parameters), "error": f"{type(error).__name__}: {error}"}
                for run in batch.runs.to_dict(orient="records")]
    return Evaluated(batch, pd.DataFrame(), failures, lost=True)


def local_workers(executor: Executor) -> int:
    """Runs a local executor holds in this machine's memory at once (1 for a cluster: its workers are elsewhere)."""
    return getattr(executor, "workers", 1) if isinstance(executor, LocalExecutor) else 1


def check_plan(plan: Plan, directory: Path, executor: Executor, runs: int) -> None:
    """Before any run: every scenario's runs fit in memory with this executor, and ``directory`` takes the rows."""
    if plan.model == "casim":
        for label, scenario in plan.scenarios.items():
            check_size(scenario, plan.farmers, plan.years, local_workers(executor), plan.sources.get(label) or label,
                       stacked=plan.batch_size if plan.stack else 1)
    years = max((plan.years or s.years for s in plan.scenarios.values()), default=1)
    check_writable(directory, stored_bytes(runs, years, len(plan.parameters)))


def run_sweep(plan: Plan, store: SweepStore, executor: Executor,
              progress: Callable[[int, int], None] | None = None,
              tables: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Run the plan's missing runs with ``executor``, storing each batch as it finishes; return all stored rows.

    The directory is locked for the session, which the manifest records as it starts and again when it finishes or
    is interrupted (``SweepStore.record_session``); failed runs are recorded (``SweepStore.failures``) and retried by
    the next session; a batch whose worker died is retried run by run, so one bad run fails alone.
    ``progress(runs_done, runs_total)`` is called at the start and after every batch (failed runs count as done).
    ``tables`` (name -> frame) are stored beside the runs as ``name.parquet`` (e.g. a SALib sample).

    Raises:
        SweepMismatch: the directory holds another sweep.
        StoreError: the directory is in use, unwritable, full, or holds files that are not this sweep's.
        ExperimentError: runs that cannot fit in memory.

    """
    manifest = plan.manifest()
    with store.session():
        store.check(manifest)
        planned = set(plan.runs.run_id.tolist())
        stored = store.finished()
        if stored - planned:
            raise StoreError(f"{store.runs} holds runs this sweep does not plan (run ids up to {max(stored):,}, "
                             f"{len(planned):,} planned); it is not this sweep's: use a new --out directory")
        todo = planned - stored
        check_plan(plan, store.directory, executor, len(todo))
        counts = {"done": len(stored), "failed": 0, "model_seconds": 0.0}
        machinery = dict.fromkeys((*MACHINERY_PARTS, ENCODE), 0.0)
        store_seconds = 0.0
        started = time.time()

        def run_round(batches: list[Batch]) -> list[Batch]:
            """Run and store ``batches``; return those of several runs whose worker died (to retry run by run)."""
            nonlocal store_seconds
            lost = []
            for result in executor.map_unordered(evaluate, batches, lost=_lost):
                if result.lost and len(result.batch.runs) > 1:
                    lost.append(result.batch)
                    continue
                writing = time.perf_counter()
                if result.parquet is not None or len(result.rows):
                    store.write_batch(result.batch.id, result.rows if result.parquet is None else result.parquet)
                if result.failures:
                    store.write_batch(result.batch.id, pd.DataFrame(result.failures), failed=True)
                    counts["failed"] += len(result.failures)
                store_seconds += time.perf_counter() - writing
                counts["done"] += len(result.batch.runs)
                counts["model_seconds"] += result.model_seconds
                for part, seconds in result.machinery_seconds.items():
                    machinery[part] = machinery.get(part, 0.0) + seconds
                if progress:
                    progress(counts["done"], len(planned))
            return lost

        def session(status: str) -> dict:
            """The session as the manifest records it, with its ``status`` (``RUNNING``, ``FINISHED``, ``INTERRUPTED``)."""
            return {"command": manifest["command"], "executor": repr(executor), "batch_size": plan.batch_size,
                    "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)), "status": status,
                    "seconds": round(time.time() - started, 3), "runs_to_run": len(todo),
                    "runs_run": counts["done"] - len(stored), "runs_failed": counts["failed"],
                    "model_seconds": round(counts["model_seconds"], 3),
                    "machinery_seconds": {part: round(t, 4) for part, t in machinery.items()},
                    "store_seconds": round(store_seconds, 4)}

        with ExitStack() as running:
            if todo:  # connect first: an unreachable cluster is an error before anything is written
                running.enter_context(executor)
            store.prepare(manifest, plan.runs)
            recorded = store.record_session(session(RUNNING))
            try:
                for name, frame in (tables or {}).items():
                    store.write_table(store.directory / f"{name}.parquet", frame)
                store.clear_failures()
                if progress:
                    progress(counts["done"], len(planned))
                if todo:
                    batches = plan.batches(todo, store.next_batch_id())
                    lost = run_round(batches)
                    if lost:
                        first = batches[-1].id + 1
                        singles = [(b, j) for b in lost for j in range(len(b.runs))]
                        run_round([Batch(first + i, b.model, b.scenarios, b.runs.iloc[[j]], b.parameters, b.farmers,
                                         b.years, b.timeout, b.stack, b.seeds_shared)
                                   for i, (b, j) in enumerate(singles)])
            except BaseException:  # Ctrl+C, SIGTERM (``cli.common.Terminated``) or an error: say what it had done
                with suppress(OSError, StoreError):  # e.g. a full disk: the error that stopped the session matters more
                    store.update_session(recorded, session(INTERRUPTED))
                raise
        finished, loading = session(FINISHED), time.perf_counter()
        rows = store.load()
        store.update_session(recorded, {**finished, "load_seconds": round(time.perf_counter() - loading, 4)})
        return rows


@dataclass
class Sweep:
    """A sweep: its directory, its plan, every stored row (one per run and year) and the failed runs."""

    directory: Path
    plan: Plan
    rows: pd.DataFrame
    failures: pd.DataFrame

    def export_csv(self, path: Path | None = None) -> Path:
        """Write every stored row to ``runs.csv`` in the sweep directory (or ``path``)."""
        path = Path(path or self.directory / "runs.csv")
        self.rows.to_csv(path, index=False)
        return path


def sweep_scenarios(scenarios: Mapping[str, Scenario], directory: Path, design: str = "replicates", levels: int = 3,
                    samples: int | None = None, replicates: int = 1, farmers: int | None = None,
                    years: int | None = None, executor: Executor | None = None, batch_size: int | None = None,
                    progress: Callable[[int, int], None] | None = None, timeout: float | None = None,
                    sources: Mapping[str, str | Path] | None = None,
                    design_table: tuple[tuple[str, ...], np.ndarray] | None = None,
                    design_file: str | Path | None = None) -> Sweep:
    """Run scenarios (label -> scenario) x a design over their uncertain fields x seed replicates into ``directory``.

    Args:
        scenarios: label -> scenario; with a grid or Latin hypercube all must share the same ``[uncertain]`` fields.
        directory: where runs are stored as batches finish; the same call on the same directory resumes.
        design: "replicates" (the scenarios as they are), "grid", "lhs" (see ``design_matrix``) or "csv"
            (``design_table``, e.g. from ``experiments.designs.read_design``).
        levels: grid values per continuous field.
        samples: Latin-hypercube points.
        replicates: seed replicates per sample.
        farmers: population of every run (each scenario's when None).
        years: horizon of every run (each scenario's when None).
        executor: where batches run (default: a local process pool on every core).
        batch_size: runs per batch (default: ``experiments.plan.default_batch_size``).
        progress: ``progress(runs_done, runs_total)`` at the start and after every batch.
        timeout: seconds a run may take; a longer run is stopped and recorded as failed.
        sources: label -> scenario file (recorded in the manifest with its text).
        design_table: (parameter names, values) of a design given as a table (``design = "csv"``).
        design_file: the file ``design_table`` was read from, named in errors about its columns.

    Raises:
        ExperimentError: invalid outputs of interest, scenarios a grid or hypercube cannot share, or a scenario that
            names ``[posterior]`` draws (``experiments.posterior.refuse_posterior``).
        experiments.store.SweepMismatch: ``directory`` holds a different sweep.

    """
    if design not in DESIGNS:
        raise ExperimentError(f"design {design!r}: expected one of {', '.join(DESIGNS)}")
    sources = {label: str(path) for label, path in (sources or {}).items()}
    for label, scenario in scenarios.items():
        refuse_posterior(scenario, sources.get(label, label), "sweep")
        outputs_of(scenario, years, sources.get(label, label))
        check_size(scenario, farmers, years, source=sources.get(label, label))
    if design == "csv":
        if design_table is None:
            raise ExperimentError("design 'csv' needs a design table (casim sweep --design FILE.csv)")
        parameters, matrix = design_table
        designs = {label: matrix for label in scenarios}
    else:
        fields = {tuple(s.uncertain) for s in scenarios.values()}
        if design != "replicates" and (len(fields) != 1 or not next(iter(fields))):
            files = ", ".join(f"{sources.get(label, label)} ({len(s.uncertain)} fields)" for label, s in scenarios.items())
            raise ExperimentError(f"a grid or Latin hypercube needs the same non-empty [uncertain] fields in every "
                                  f"scenario: {files}")
        parameters = next(iter(fields)) if design != "replicates" else ()
        designs = {label: design_matrix(scenario, design, levels, samples) for label, scenario in scenarios.items()}
    executor = executor or LocalExecutor()
    plan = make_plan("casim", dict(scenarios), tuple(parameters), designs, replicates, farmers, years, design,
                     batch_size, workers_of(executor), sources=sources,
                     varied_in=str(design_file) if design == "csv" and design_file else None)
    plan.sources, plan.timeout = sources, timeout
    plan.extra = {"outputs": {label: {k: v.model_dump() for k, v in s.outputs.items()}
                              for label, s in scenarios.items()}}
    store = SweepStore(directory)
    rows = run_sweep(plan, store, executor, progress)
    return Sweep(Path(directory), plan, rows, store.failures())
