"""One model run, built, overridden and run in one place, and many of them on an ``Executor``.

This module is the experiments packages' only contact with the model's Python API (building a model, applying
scenario overrides, limiting compiled threads, reading the yearly table): when the model's API changes, this is
the file to change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import sim
from experiments.executors import Executor, local_for, map_ordered
from experiments.posterior import DRAW_COLUMN, posterior_draws
from experiments.spec import ExperimentError
from sim import parallel
from sim.scenario import Scenario, scenario_with_overrides


@dataclass(frozen=True)
class RunSpec:
    """One model run: a scenario (with overrides of dotted fields), a seed and a size.

    ``draw`` numbers the posterior draw whose values are among the overrides (None: no posterior draw).
    """

    scenario: Scenario
    label: str
    seed: int
    farmers: int | None = None
    years: int | None = None
    overrides: tuple[tuple[str, Any], ...] = ()
    draw: int | None = None


def with_overrides(scenario: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """A validated copy of ``scenario`` with dotted fields replaced (e.g. ``{"carbon.price.path.value": 35.0}``)."""
    return scenario_with_overrides(scenario, dict(overrides)) if overrides else scenario


def build_model(scenario: Scenario, seed: int | None = None, farmers: int | None = None) -> sim.AdoptionModel:
    """The model of ``scenario`` at ``seed`` (the scenario's when None) with ``farmers`` in total, no Mesa agents.

    Raises ExperimentError for a size the scenario cannot take (e.g. fewer farmers than regions).
    """
    try:
        return sim.AdoptionModel(scenario, seed=seed, n_farmers=farmers)
    except ValueError as exc:
        raise ExperimentError(str(exc)) from exc


def model_size(model: sim.AdoptionModel) -> tuple[int, int]:
    """(seed, farmers) of a built model."""
    return model.seed, model.n


def yearly_table(model: sim.AdoptionModel) -> pd.DataFrame:
    """The model's yearly table so far (the content of ``yearly.parquet``)."""
    return model.results()


def one_compiled_thread() -> None:
    """Run the model's compiled kernels on one thread: parallel workers each run one model per core."""
    parallel.set_threads(1)


def run_one(spec: RunSpec) -> pd.DataFrame:
    """Run ``spec`` and return its yearly table with ``scenario`` and ``seed`` columns (one compiled thread).

    A run of a posterior draw also has a ``draw`` column.
    """
    one_compiled_thread()
    scenario = with_overrides(spec.scenario, dict(spec.overrides))
    model = build_model(scenario, spec.seed, spec.farmers)
    model.run_for(spec.years or scenario.years)
    table = yearly_table(model)
    if spec.draw is not None:
        table.insert(0, "draw", spec.draw)
    table.insert(0, "seed", spec.seed)
    table.insert(0, "scenario", spec.label)
    return table


def run_many(specs: list[RunSpec], executor: Executor | None = None,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Every spec's yearly table, concatenated in the order of ``specs`` (whatever the executor finishes first).

    Args:
        specs: the runs.
        executor: where they run (default: a local process pool, one worker per run up to the cores).
        progress: ``progress(runs_done, runs_total)`` after each finished run.

    """
    tables = map_ordered(executor or local_for(len(specs)), run_one, specs, progress)
    return pd.concat(tables, ignore_index=True)


def replicate_seeds(scenario: Scenario, replicates: int) -> list[int]:
    """Seeds of ``replicates`` seed replicates: the scenario's seed, then the following integers."""
    return [scenario.seed + r for r in range(replicates)]


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
    seeds = replicate_seeds(scenario, replicates)
    if scenario.posterior is None:
        return [Replicate(seed) for seed in seeds]
    draws = posterior_draws(scenario, source)
    fields = [c for c in draws.columns if c != DRAW_COLUMN]
    return [Replicate(seed, int(row[DRAW_COLUMN]), tuple((f, float(row[f])) for f in fields))
            for _, row in draws.iterrows() for seed in seeds]


def replicate_specs(scenario: Scenario, label: str, replicates: list[Replicate], farmers: int | None = None,
                    years: int | None = None, overrides: Mapping[str, Any] | None = None) -> list[RunSpec]:
    """One run per replicate; ``overrides`` (e.g. a policy lever) apply after the draw's values."""
    return [RunSpec(scenario, label, r.seed, farmers, years, (*r.overrides, *(overrides or {}).items()), r.draw)
            for r in replicates]


def describe_replicates(scenario: Scenario, replicates: int) -> str:
    """How a scenario is replicated, for tables: '3 seeds' or '20 posterior draws x 3 seeds'."""
    seeds = f"{replicates} seed{'s' if replicates != 1 else ''}"
    return f"{scenario.posterior.draws} posterior draws x {seeds}" if scenario.posterior else seeds


def label_of(path: Path) -> str:
    """Short label of a scenario file (its stem)."""
    return Path(path).stem


def load_labelled(paths: Sequence[Path]) -> dict[str, Scenario]:
    """Scenario files by label (file stem), in the given order.

    Raises sim.ScenarioError for an invalid file and ExperimentError when two files share a stem or a file's
    posterior draws cannot be used.
    """
    scenarios = {label_of(path): sim.load_scenario(path) for path in paths}
    if len(scenarios) != len(paths):
        raise ExperimentError("two scenario files share a name; rename one")
    for path, scenario in zip(paths, scenarios.values(), strict=True):
        if scenario.posterior is not None:
            posterior_draws(scenario, path)
    return scenarios
