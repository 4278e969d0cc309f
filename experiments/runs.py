"""Running scenarios with seed replicates, in parallel on the local cores (one process per run)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from sim import kernels
from sim.scenario import Scenario
from sim.scenario_loader import scenario_with_overrides


@dataclass(frozen=True)
class RunSpec:
    """One model run: a scenario (with overrides), a seed and a size."""

    scenario: Scenario
    label: str
    seed: int
    farmers: int | None = None
    years: int | None = None
    overrides: tuple[tuple[str, Any], ...] = ()


def run_one(spec: RunSpec) -> pd.DataFrame:
    """Run ``spec`` and return its yearly table with ``scenario`` and ``seed`` columns (one compiled thread)."""
    kernels.set_threads(1)
    scenario = scenario_with_overrides(spec.scenario, dict(spec.overrides)) if spec.overrides else spec.scenario
    model = sim.AdoptionModel(scenario, seed=spec.seed, n_farmers=spec.farmers, create_agents=False)
    model.run_for(spec.years or scenario.years)
    table = model.results()
    table.insert(0, "seed", spec.seed)
    table.insert(0, "scenario", spec.label)
    return table


def run_many(specs: list[RunSpec], workers: int | None = None, progress=None) -> pd.DataFrame:
    """Run every spec (in parallel unless ``workers`` is 1); ``progress()`` is called after each run."""
    workers = workers or min(len(specs), os.cpu_count() or 1)
    tables = []
    if workers <= 1:
        for spec in specs:
            tables.append(run_one(spec))
            if progress:
                progress()
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
            for table in pool.map(run_one, specs):
                tables.append(table)
                if progress:
                    progress()
    return pd.concat(tables, ignore_index=True)


def label_of(path: Path) -> str:
    """Short label of a scenario file (its stem)."""
    return Path(path).stem
