"""What facilitators show: a representative sample of farms with fixed positions, and their practices year by year.

Large populations are never laid out whole: each region contributes whole villages (and its demonstration farms)
up to a sample size, and only that small subgraph gets a spring layout (NetworkX), computed once. Regions are
placed side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

import sim
from experiments.executors import Executor, batch_size, local_for, map_ordered, workers_of
from experiments.runs import (
    MAX_RUNS_PER_TASK,
    RunSpec,
    build_model,
    one_compiled_thread,
    replicates_of,
    run_batch,
    with_overrides,
    yearly_table,
)
from facilitation import model_view
from facilitation.summary import run_keys

#: Each region's panel spans [-1, 1] in x; panels are this far apart, leaving a gap of 0.6 between regions.
REGION_SPACING = 2.6
#: Spring layout: optimal distance between linked farms, relative to 1/sqrt(farms); 1.5 spreads villages apart
#: while keeping them recognisable as clusters. Iterations: enough for samples of a few hundred farms to settle.
SPRING_DISTANCE = 1.5
SPRING_ITERATIONS = 60
#: Seeds networkx's spring layout takes (it seeds NumPy's legacy generator: 32 bits). A run's seed past them is taken
#: modulo this; seeds below it, which were all there were before seeds of 63 bits, are used as they are.
LAYOUT_SEEDS = 2**32
#: Exchange links drawn per table: one for every this many farms sampled per region (enough to see them, few
#: enough not to hide the villages).
EXCHANGE_SHARE_SHOWN = 4


def category(bundle: np.ndarray) -> np.ndarray:
    """Category index (see ``style.CATEGORIES``) of each bundle mask."""
    no_till_cover = model_view.uses(bundle, "no_till") & (model_view.uses(bundle, "cover_crops")
                                                         | model_view.uses(bundle, "residue_retention"))
    return np.select([model_view.is_full_ca(bundle), no_till_cover, bundle != 0], [3, 2, 1], 0)


def sample_farms(model: sim.AdoptionModel, per_region: int = 200) -> np.ndarray:
    """Whole villages from the start of each region up to ``per_region`` farms, plus the region's demo farms.

    Also both ends of the first ``per_region // EXCHANGE_SHARE_SHOWN`` links of each exchange table, so exchange
    links show (its pairs are sorted by the first region's farm, whose first villages are drawn anyway).
    """
    chosen = [pairs[: per_region // EXCHANGE_SHARE_SHOWN].ravel() for pairs in model_view.exchange_pairs(model)]
    village = model_view.villages(model)
    for start, size in model_view.region_blocks(model):
        block = np.arange(start, start + size)
        villages = village[block]
        keep = villages <= villages[min(per_region, size) - 1]
        chosen.append(block[keep][: max(per_region, 1)])
    demo = model_view.demo_farms(model)
    return np.unique(np.concatenate([*chosen, demo]))


@dataclass
class Layout:
    """Positions of sampled farms and the links among them."""

    farms: np.ndarray  # model indices
    x: np.ndarray
    y: np.ndarray
    region: np.ndarray  # region index
    edges: np.ndarray  # (m, 2) positions in ``farms``
    demo: np.ndarray  # bool per sampled farm

    @property
    def exchange(self) -> np.ndarray:
        """(m,) bool: the edge links two regions (an exchange link; only exchanges link regions)."""
        return self.region[self.edges[:, 0]] != self.region[self.edges[:, 1]]


def layout(model: sim.AdoptionModel, farms: np.ndarray, seed: int = 0) -> Layout:
    """Spring layout of the sampled subgraph, one panel per region side by side (``REGION_SPACING`` apart).

    ``seed``: the run's (up to ``MAX_SEED``), folded into the range networkx's generator takes (``LAYOUT_SEEDS``).
    """
    n = farms.size
    region = model_view.farm_regions(model)[farms].astype(int)
    network = model_view.adjacency(model)
    if network is None:  # fully mixed: a circle per region, links not drawn
        edges = np.zeros((0, 2), int)
    else:
        sub = network[farms][:, farms].tocoo()
        keep = sub.row < sub.col
        edges = np.stack([sub.row[keep], sub.col[keep]], axis=1)
    x, y = np.zeros(n), np.zeros(n)
    for r in np.unique(region):
        members = np.flatnonzero(region == r)
        graph = nx.Graph()
        graph.add_nodes_from(members.tolist())
        inside = np.isin(edges[:, 0], members) & np.isin(edges[:, 1], members)
        graph.add_edges_from(edges[inside].tolist())
        positions = nx.spring_layout(graph, seed=seed % LAYOUT_SEEDS, k=SPRING_DISTANCE / np.sqrt(max(len(members), 1)),
                                     iterations=SPRING_ITERATIONS)
        coords = np.array([positions[m] for m in members])
        span = np.ptp(coords, axis=0)
        coords = (coords - coords.min(axis=0)) / np.where(span > 0, span, 1.0) * 2.0 - 1.0
        x[members], y[members] = coords[:, 0] + REGION_SPACING * r, coords[:, 1]
    demo = np.isin(farms, model_view.demo_farms(model))
    return Layout(farms, x, y, region, edges, demo)


@dataclass
class Story:
    """A run told for an audience: the yearly table, and the practice category of sampled farms each year."""

    scenario: sim.Scenario
    label: str
    results: pd.DataFrame  # yearly table (all replicates, with a seed column)
    layout: Layout
    years: np.ndarray
    categories: np.ndarray  # (years, sampled farms)

    @property
    def scenario_regions(self) -> list[str]:
        """The scenario's region keys, in its order (which fixes each region's colour)."""
        return list(self.scenario.regions)

    @property
    def runs(self) -> int:
        """Runs in ``results`` (seeds, or posterior draws x seeds); the sample is drawn from the first."""
        return len(self.results[run_keys(self.results)].drop_duplicates())


@dataclass(frozen=True)
class _Replicate:
    """One replicate of a story: the recording replicate also draws the sample and records its practices."""

    scenario: sim.Scenario
    seed: int
    farmers: int | None
    years: int
    per_region: int
    record: bool
    draw: int | None = None  # the posterior draw whose values are in overrides (None: no draw)
    overrides: tuple[tuple[str, float], ...] = ()


@dataclass
class _ReplicateRun:
    table: pd.DataFrame
    layout: Layout | None
    categories: np.ndarray | None  # (years + 1, sampled farms)


def _run_recording(task: _Replicate) -> _ReplicateRun:
    """Run the recording replicate: sample farms, lay them out and record their category each year."""
    one_compiled_thread()
    model = build_model(with_overrides(task.scenario, dict(task.overrides)), task.seed, task.farmers)
    farms = sample_farms(model, task.per_region)
    positions = layout(model, farms, seed=task.scenario.seed)
    frames = [category(model_view.bundles(model)[farms])]
    for _ in range(task.years):
        model.step()
        frames.append(category(model_view.bundles(model)[farms]))
    table = yearly_table(model)
    if task.draw is not None:
        table.insert(0, "draw", task.draw)
    table.insert(0, "seed", task.seed)
    return _ReplicateRun(table, positions, np.array(frames))


def _run_replicates(tasks: tuple[_Replicate, ...]) -> list[_ReplicateRun]:
    """Run a batch of replicates in this process (one executor task), in order.

    Replicates that only give their yearly table are stacked in one model where they can share one
    (``experiments.runs.run_batch``); the recording one runs alone.
    """
    plain = [i for i, task in enumerate(tasks) if not task.record]
    tables = run_batch([RunSpec(tasks[i].scenario, "", tasks[i].seed, tasks[i].farmers, tasks[i].years,
                                tasks[i].overrides, draw=tasks[i].draw) for i in plain])
    runs = {i: _ReplicateRun(table.drop(columns="scenario"), None, None) for i, table in zip(plain, tables, strict=True)}
    return [runs[i] if i in runs else _run_recording(task) for i, task in enumerate(tasks)]


def tell_stories(scenarios: Mapping[str, sim.Scenario], replicates: int = 1, farmers: int | None = None,
                 years: int | None = None, per_region: int = 200, executor: Executor | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[Story]:
    """One story per scenario (label -> scenario): every replicate of every scenario runs on ``executor``.

    Replicate r uses seed ``scenario.seed + r`` (with every posterior draw when the scenario names
    ``[posterior]`` draws); farms are sampled and recorded in the first replicate.
    ``progress(runs_done, runs_total)`` is called as runs finish.
    """
    plans = {label: replicates_of(scenario, replicates) for label, scenario in scenarios.items()}
    tasks = [_Replicate(scenario, r.seed, farmers, years or scenario.years, per_region, i == 0, r.draw, r.overrides)
             for label, scenario in scenarios.items() for i, r in enumerate(plans[label])]
    executor = executor or local_for(len(tasks))
    size = batch_size(len(tasks), workers_of(executor), MAX_RUNS_PER_TASK)
    batches = [tuple(tasks[i:i + size]) for i in range(0, len(tasks), size)]
    runs = [run for batch in map_ordered(executor, _run_replicates, batches, progress, size=len) for run in batch]
    stories, first = [], 0
    for label, scenario in scenarios.items():
        mine, first = runs[first:first + len(plans[label])], first + len(plans[label])
        horizon = years or scenario.years
        results = pd.concat([run.table for run in mine], ignore_index=True)
        stories.append(Story(scenario, label, results, mine[0].layout,
                             np.arange(scenario.start_year, scenario.start_year + horizon + 1), mine[0].categories))
    return stories


def tell(scenario: sim.Scenario, label: str, replicates: int = 1, farmers: int | None = None,
         years: int | None = None, per_region: int = 200, executor: Executor | None = None) -> Story:
    """The story of one scenario (see ``tell_stories``)."""
    return tell_stories({label: scenario}, replicates, farmers, years, per_region, executor)[0]
