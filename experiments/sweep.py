"""Sweeps: scenario files x parameter designs x seed replicates, batched, run on any executor, stored as they finish.

The model knows nothing of this: a *plan* (``experiments.plan``) lists runs and cuts them into batches; an
*evaluator* turns a batch into rows; an executor (``experiments.executors``) runs batches; the store
(``experiments.store``) keeps finished ones. Running the same plan again on the same directory runs only the
missing batches.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from experiments.designs import design_matrix
from experiments.executors import Executor, LocalExecutor
from experiments.plan import Batch, Plan, make_plan
from experiments.runs import RunSpec, run_one
from experiments.spec import ExperimentError, outputs_of
from experiments.store import SweepStore
from sim.scenario import Scenario

#: Designs a sweep can run (``design_matrix``).
DESIGNS = ("replicates", "grid", "lhs")


def evaluate_casim(batch: Batch) -> pd.DataFrame:
    """Run the model for every run of the batch; rows = the 'all' region's yearly table plus run columns."""
    tables = []
    integer = {label: {name for name in batch.parameters if _is_int_field(s, name)}
               for label, s in batch.scenarios.items()}
    for run in batch.runs.to_dict(orient="records"):
        scenario = batch.scenarios[run["scenario"]]
        ints = integer[run["scenario"]]
        overrides = tuple((name, int(round(run[name])) if name in ints else float(run[name]))
                          for name in batch.parameters)
        table = run_one(RunSpec(scenario.model_copy(update={"uncertain": {}}), run["scenario"], run["seed"],
                                batch.farmers, batch.years, overrides))
        table = table[table.region == "all"].drop(columns=["region", "scenario", "seed"])
        for name in ("run_id", "scenario", "sample_id", "replicate", "seed", *batch.parameters):
            table.insert(0, name, run[name])
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def evaluate_ishigami(batch: Batch) -> pd.DataFrame:
    """SALib's Ishigami function as the 'model' (a plumbing check of the whole sweep path): one row per run."""
    from SALib.test_functions import Ishigami

    frame = batch.runs.copy()
    frame["year"] = 0
    frame["y"] = Ishigami.evaluate(frame[list(batch.parameters)].to_numpy())
    return frame


def _is_int_field(scenario: Scenario, dotted: str) -> bool:
    """True when the field holds an int (sampled values are rounded: e.g. a number of demonstration farms)."""
    node = scenario.model_dump()
    for part in dotted.split("."):
        node = node[part]
    return isinstance(node, int) and not isinstance(node, bool)


EVALUATORS: dict[str, Callable[[Batch], pd.DataFrame]] = {"casim": evaluate_casim, "ishigami": evaluate_ishigami}


def evaluate(batch: Batch) -> tuple[int, pd.DataFrame]:
    """Evaluate a batch with its model; return (batch id, rows)."""
    return batch.id, EVALUATORS[batch.model](batch)


def run_sweep(plan: Plan, store: SweepStore, executor: Executor,
              progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run the plan's missing batches with ``executor``, storing each as it finishes; return all rows.

    ``progress(runs_done, runs_total)`` is called at the start and after every batch.
    """
    store.prepare(plan.manifest())
    done = store.finished()
    batches = plan.batches()
    todo = [b for b in batches if b.id not in done]
    runs_done = sum(len(b.runs) for b in batches if b.id in done)
    if progress:
        progress(runs_done, len(plan.runs))
    if todo:
        with executor:
            for batch_id, rows in executor.map_unordered(evaluate, todo):
                store.write_batch(batch_id, rows)
                runs_done += len(batches[batch_id].runs)
                if progress:
                    progress(runs_done, len(plan.runs))
    return store.load()


def parallelism(executor: Executor) -> int:
    """Workers of a local executor; this machine's cores for a cluster (used for the default batch size)."""
    return getattr(executor, "workers", None) or os.cpu_count() or 1


@dataclass
class Sweep:
    """A finished sweep: its directory, its plan and every stored row (one per run and year)."""

    directory: Path
    plan: Plan
    rows: pd.DataFrame


def sweep_scenarios(scenarios: Mapping[str, Scenario], directory: Path, design: str = "replicates", levels: int = 3,
                    samples: int | None = None, replicates: int = 1, farmers: int | None = None,
                    years: int | None = None, executor: Executor | None = None, batch_size: int | None = None,
                    progress: Callable[[int, int], None] | None = None) -> Sweep:
    """Run scenarios (label -> scenario) x a design over their uncertain fields x seed replicates into ``directory``.

    Args:
        scenarios: label -> scenario; with a grid or Latin hypercube all must share the same ``[uncertain]`` fields.
        directory: where runs are stored as batches finish; the same call on the same directory resumes.
        design: "replicates" (the scenarios as they are), "grid" or "lhs" (see ``design_matrix``).
        levels: grid values per continuous field.
        samples: Latin-hypercube points.
        replicates: seed replicates per sample.
        farmers: population of every run (each scenario's when None).
        years: horizon of every run (each scenario's when None).
        executor: where batches run (default: a local process pool on every core).
        batch_size: runs per batch (default: ``experiments.plan.make_plan``'s).
        progress: ``progress(runs_done, runs_total)`` at the start and after every batch.

    Raises:
        ExperimentError: invalid outputs of interest, or scenarios a grid or hypercube cannot share.
        experiments.store.SweepMismatch: ``directory`` holds a different sweep.

    """
    if design not in DESIGNS:
        raise ExperimentError(f"design {design!r}: expected one of {', '.join(DESIGNS)}")
    for label, scenario in scenarios.items():
        outputs_of(scenario, years, label)
    fields = {tuple(s.uncertain) for s in scenarios.values()}
    if design != "replicates" and (len(fields) != 1 or not next(iter(fields))):
        raise ExperimentError("a grid or Latin hypercube needs the same non-empty [uncertain] fields in every scenario")
    parameters: tuple[str, ...] = next(iter(fields)) if design != "replicates" else ()
    designs = {label: design_matrix(scenario, design, levels, samples) for label, scenario in scenarios.items()}
    executor = executor or LocalExecutor()
    plan = make_plan("casim", dict(scenarios), parameters, designs, replicates, farmers, years, design, batch_size,
                     parallelism(executor))
    plan.extra = {"outputs": {label: {k: v.model_dump() for k, v in s.outputs.items()}
                              for label, s in scenarios.items()}}
    rows = run_sweep(plan, SweepStore(directory), executor, progress)
    return Sweep(Path(directory), plan, rows)
