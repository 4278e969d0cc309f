"""A sweep's plan: every run (scenario, parameter values, seed), cut into batches, with a fingerprint.

Replicate r of every sample uses seed (scenario seed + r): results depend on the plan only, never on how its
batches are executed.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

import sim
from sim.scenario import Scenario

#: Default batching: about this many batches per worker, so a slow batch does not leave other workers idle at the
#: end and a killed sweep loses little ...
BATCHES_PER_WORKER = 20
#: ... and at most this many runs per batch (one Parquet file each), so a resumed sweep never redoes much.
MAX_RUNS_PER_BATCH = 200


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
        batch_size: runs per batch; by default ``BATCHES_PER_WORKER`` batches per worker, at most
            ``MAX_RUNS_PER_BATCH`` runs.
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
        batch_size = int(min(MAX_RUNS_PER_BATCH, max(1, math.ceil(len(runs) / (BATCHES_PER_WORKER * max(workers, 1))))))
    samples = int(max(len(d) for d in designs.values()))
    return Plan(model, scenarios, parameters, runs, batch_size, farmers, years, method, samples, replicates)
