"""What facilitators show: a representative sample of farms with fixed positions, and their practices year by year.

Large populations are never laid out whole: each region contributes whole villages (and its demonstration farms)
up to a sample size, and only that small subgraph gets a spring layout (NetworkX), computed once. Regions are
placed side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

import sim
from sim.practices import FULL_CA_BY_MASK, USES_BY_MASK

#: Practice categories shown in colour, in legend order.
CATEGORIES = ("conventional", "some CA practices", "no-till + soil cover", "full CA")
COLOURS = ("#b9b9b9", "#f2a541", "#7cc47f", "#1b7837")


def category(bundle: np.ndarray) -> np.ndarray:
    """Category index (see ``CATEGORIES``) of each bundle mask."""
    uses = USES_BY_MASK[bundle]
    no_till_cover = uses[:, 0] & (uses[:, 1] | uses[:, 2])
    return np.select([FULL_CA_BY_MASK[bundle], no_till_cover, bundle != 0], [3, 2, 1], 0)


def sample_farms(model: sim.AdoptionModel, per_region: int = 200) -> np.ndarray:
    """Whole villages from the start of each region up to ``per_region`` farms, plus the region's demo farms."""
    chosen = []
    village = model.network.village
    for start, size in zip(model.region_start, model.region_sizes, strict=True):
        block = np.arange(start, start + size)
        villages = village[block]
        keep = villages <= villages[min(per_region, size) - 1]
        chosen.append(block[keep][: max(per_region, 1)])
    demo = model.network.demo
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


def layout(model: sim.AdoptionModel, farms: np.ndarray, seed: int = 0) -> Layout:
    """Spring layout of the sampled subgraph, one panel per region side by side (x offset 2.6 per region)."""
    n = farms.size
    region = model.params.region[farms].astype(int)
    if model.network.adjacency is None:  # fully mixed: a circle per region, links not drawn
        edges = np.zeros((0, 2), int)
    else:
        sub = model.network.adjacency[farms][:, farms].tocoo()
        keep = sub.row < sub.col
        edges = np.stack([sub.row[keep], sub.col[keep]], axis=1)
    x, y = np.zeros(n), np.zeros(n)
    for r in np.unique(region):
        members = np.flatnonzero(region == r)
        graph = nx.Graph()
        graph.add_nodes_from(members.tolist())
        inside = np.isin(edges[:, 0], members) & np.isin(edges[:, 1], members)
        graph.add_edges_from(edges[inside].tolist())
        positions = nx.spring_layout(graph, seed=seed, k=1.5 / np.sqrt(max(len(members), 1)), iterations=60)
        coords = np.array([positions[m] for m in members])
        span = np.ptp(coords, axis=0)
        coords = (coords - coords.min(axis=0)) / np.where(span > 0, span, 1.0) * 2.0 - 1.0
        x[members], y[members] = coords[:, 0] + 2.6 * r, coords[:, 1]
    demo = np.isin(farms, model.network.demo)
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


def tell(scenario: sim.Scenario, label: str, replicates: int = 1, farmers: int | None = None,
         years: int | None = None, per_region: int = 200) -> Story:
    """Run the scenario (replicates = seeds scenario.seed + r), recording sampled farms of the first run."""
    tables, frames = [], []
    horizon = years or scenario.years
    for r in range(replicates):
        model = sim.AdoptionModel(scenario, seed=scenario.seed + r, n_farmers=farmers, create_agents=False)
        if r == 0:
            farms = sample_farms(model, per_region)
            positions = layout(model, farms, seed=scenario.seed)
            frames.append(category(model.state.bundle[farms]))
        for _ in range(horizon):
            model.step()
            if r == 0:
                frames.append(category(model.state.bundle[farms]))
        table = model.results()
        table.insert(0, "seed", scenario.seed + r)
        tables.append(table)
    results = pd.concat(tables, ignore_index=True)
    return Story(scenario, label, results, positions, np.arange(scenario.start_year, scenario.start_year + horizon + 1),
                 np.array(frames))


def summary_sentences(story: Story, milestone: int | None = None) -> list[str]:
    """Plain-language findings for a forum audience."""
    t = story.results.groupby(["year", "region"], sort=False).mean(numeric_only=True).reset_index()
    first, last = int(t.year.min()), int(t.year.max())
    year = milestone if milestone and first < milestone <= last else last
    sentences = []
    for region in [r for r in t.region.unique() if r != "all"]:
        at, start = t[(t.region == region) & (t.year == year)].iloc[0], t[(t.region == region) & (t.year == first)].iloc[0]
        name = region.replace("_", " ").title()
        sentences.append(
            f"By {year}, {at.no_till_share:.0%} of farmers in {name} use no-till and {at.full_ca_share:.0%} practise "
            f"full Conservation Agriculture (from {start.no_till_share:.0%} and {start.full_ca_share:.0%} in {first}).")
    everyone = t[t.region == "all"].set_index("year")
    soc0, soc1 = everyone.loc[first, "soc_mean_t_c_per_ha"], everyone.loc[last, "soc_mean_t_c_per_ha"]
    yearly = (soc1 / soc0) ** (1 / max(last - first, 1)) - 1
    sentences.append(
        f"Soil carbon on the average hectare goes from {soc0:.1f} to {soc1:.1f} t C/ha by {last}: "
        f"{yearly * 100:+.2f} % a year, {yearly / 0.004:.0%} of the '4 per 1000' ambition.")
    stored = everyone.loc[last, "co2e_stored_cum_t"]
    sentences.append(f"Together the farms store {stored:,.0f} t CO2e more than in {first}.")
    income0, income1 = everyone.iloc[1].income_p50, everyone.loc[last, "income_p50"]
    currency = story.scenario.currency
    sentences.append(f"The median farm income is {income1:,.0f} {currency} a year in {last} "
                     f"({income0:,.0f} {currency} in {first + 1}).")
    if everyone.credits_t_co2e.sum() > 0:
        paid = everyone.carbon_to_farmers.sum()
        sentences.append(f"Carbon credits pay farmers {paid:,.0f} {currency} in total over the period.")
    return sentences
