"""Sweeps: scenario files x parameter designs x seed replicates, batched, run anywhere, stored as they finish.

The model knows nothing of this: a *plan* lists runs (scenario, parameter values, seed), groups them in batches,
and has a fingerprint; an *evaluator* turns a batch into rows; an executor (``experiments.executors``) runs batches;
the store (``experiments.store``) keeps finished ones. Running the same plan again on the same directory runs only
the missing batches.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import sim
from experiments.runs import RunSpec, run_one
from experiments.store import SweepStore
from sim.scenario import Scenario


@dataclass
class Batch:
    """Runs evaluated together (one task)."""

    id: int
    model: str
    scenarios: dict[str, Scenario]
    runs: pd.DataFrame  # run_id, scenario, sample_id, replicate, seed, one column per parameter
    parameters: tuple[str, ...]
    farmers: int | None
    years: int | None


@dataclass
class Plan:
    """Every run of a sweep, its batches and what identifies it."""

    model: str
    scenarios: dict[str, Scenario]
    parameters: tuple[str, ...]
    runs: pd.DataFrame
    batch_size: int
    farmers: int | None
    years: int | None
    method: str
    samples: int
    replicates: int
    extra: dict = field(default_factory=dict)

    def batches(self) -> list[Batch]:
        """The runs cut into batches of ``batch_size`` (the last may be shorter)."""
        n = len(self.runs)
        return [Batch(i, self.model, self.scenarios, self.runs.iloc[start:start + self.batch_size], self.parameters,
                      self.farmers, self.years)
                for i, start in enumerate(range(0, n, self.batch_size))]

    def manifest(self) -> dict:
        """What the sweep is: enough to recognise it, reproduce it and refuse a different one in its directory."""
        design = self.runs.to_csv(index=False).encode()
        scenarios = {label: hashlib.sha256(json.dumps(s.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
                     for label, s in self.scenarios.items()}
        manifest = {
            "model": self.model, "scenarios": scenarios, "method": self.method, "samples": self.samples,
            "replicates": self.replicates, "farmers": self.farmers, "years": self.years,
            "parameters": list(self.parameters), "batch_size": self.batch_size,
            "design_sha256": hashlib.sha256(design).hexdigest(), "runs": len(self.runs),
            "package_version": sim.__version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **self.extra,
        }
        identity = {k: v for k, v in manifest.items() if k not in ("created", "package_version")}
        manifest["fingerprint"] = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        manifest["design"] = self.runs.to_dict(orient="list")
        return manifest


def make_plan(model: str, scenarios: dict[str, Scenario], parameters: tuple[str, ...],
              designs: dict[str, np.ndarray], replicates: int, farmers: int | None = None, years: int | None = None,
              method: str = "design", batch_size: int | None = None, workers: int = 1, seed: int = 0) -> Plan:
    """Runs = scenarios x design rows x replicates; replicate r of every sample uses seed (scenario seed + r).

    Args:
        model: evaluator name (``EVALUATORS``).
        scenarios: label -> scenario.
        parameters: dotted field paths, the columns of each design.
        designs: label -> design matrix (samples x parameters).
        replicates: seed replicates per sample.
        farmers: population of every run (the scenario's when None).
        years: horizon of every run (the scenario's when None).
        method: how the design was made (recorded in the manifest).
        batch_size: runs per batch; by default about 20 batches per worker, at most 200 runs.
        workers: workers the sweep will use (for the default batch size).
        seed: base seed for non-scenario models.

    """
    rows = []
    for label, design in designs.items():
        base_seed = scenarios[label].seed if label in scenarios else seed
        for i, values in enumerate(design):
            for r in range(replicates):
                rows.append({"scenario": label, "sample_id": i, "replicate": r, "seed": base_seed + r,
                             **dict(zip(parameters, map(float, values), strict=True))})
    runs = pd.DataFrame(rows)
    runs.insert(0, "run_id", np.arange(len(runs)))
    if batch_size is None:
        batch_size = int(min(200, max(1, math.ceil(len(runs) / (20 * max(workers, 1))))))
    samples = int(max(len(d) for d in designs.values()))
    return Plan(model, scenarios, parameters, runs, batch_size, farmers, years, method, samples, replicates)


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


def run_sweep(plan: Plan, store: SweepStore, executor, progress: Callable[[int, int], None] | None = None
              ) -> pd.DataFrame:
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
