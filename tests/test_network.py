"""The direct CSR network generator against NetworkX's Watts-Strogatz generator, and its structure."""

import networkx as nx
import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.network import build_network
from sim.scenario import scenario_with_overrides

BASE = sim.load_scenario(SCENARIOS / "base.toml")


def village_only(k=6, p=0.1, size=40):
    return scenario_with_overrides(BASE, {
        "network.village_size": size, "network.neighbours": k, "network.rewire_probability": p,
        "network.inter_village_links_per_farmer": 0.0, "network.demo_reach": 0,
    }).network


@pytest.mark.parametrize("p", [0.0, 0.1, 0.3])
def test_degree_and_clustering_match_networkx_watts_strogatz(p):
    """50 villages of 40 farmers vs 50 NetworkX graphs: mean degree within 2 %, clustering within 0.03."""
    spec = village_only(k=6, p=p, size=40)
    net = build_network(spec, [2000], ["r"], [0], np.random.default_rng(1))
    ours = net.to_networkx()
    nx_graphs = [nx.watts_strogatz_graph(40, 6, p, seed=s) for s in range(50)]
    nx_degree = np.mean([np.mean([d for _, d in g.degree()]) for g in nx_graphs])
    nx_clustering = np.mean([nx.average_clustering(g) for g in nx_graphs])
    our_degree = np.mean([d for _, d in ours.degree()])
    assert our_degree == pytest.approx(nx_degree, rel=0.02)
    assert nx.average_clustering(ours) == pytest.approx(nx_clustering, abs=0.03)
    if p == 0.0:  # ring lattice: clustering 3(k-2)/(4(k-1)) = 0.6 exactly
        assert nx.average_clustering(ours) == pytest.approx(0.6, abs=1e-12)


def test_villages_are_separate_without_extra_links():
    spec = village_only()
    net = build_network(spec, [400], ["r"], [0], np.random.default_rng(2))
    coo = net.adjacency.tocoo()
    assert np.all(net.village[coo.row] == net.village[coo.col])
    assert nx.number_connected_components(net.to_networkx()) == 10


def test_symmetric_no_self_links_compact_dtypes():
    net = build_network(BASE.network, [3000, 3500, 3500], ["a", "b", "c"], [5 / 3, 10 / 7, 10 / 7], np.random.default_rng(3))
    a = net.adjacency
    assert (a != a.T).nnz == 0
    assert a.diagonal().sum() == 0
    assert a.indices.dtype == np.int32 and a.data.dtype == np.float32
    assert np.allclose(net.degree, np.asarray(a.sum(axis=1)).ravel())


def test_exchange_links_count_and_regions():
    spec = scenario_with_overrides(BASE, {
        "network.inter_village_links_per_farmer": 0.0, "network.demo_reach": 0,
        "network.exchange": [{"regions": ["latin_america", "africa_dry"], "links_per_1000_farms": 50 / 300 * 1000}],
    }).network
    sizes = [300, 300, 300]
    net = build_network(spec, sizes, ["latin_america", "africa_dry", "africa_moist"], [0, 0, 0],
                        np.random.default_rng(4))
    region = np.repeat([0, 1, 2], sizes)
    coo = net.adjacency.tocoo()
    cross = region[coo.row] != region[coo.col]
    pairs = set(zip(region[coo.row][cross], region[coo.col][cross], strict=True))
    assert pairs == {(0, 1), (1, 0)}
    assert 45 <= cross.sum() / 2 <= 50  # 50 random pairs; a rare duplicate merges


def test_demo_farms_are_hubs_with_weight():
    spec = scenario_with_overrides(BASE, {"network.demo_reach": 100, "network.demo_weight": 3.0}).network
    net = build_network(spec, [2000], ["r"], [1.0], np.random.default_rng(5))
    others = np.setdiff1d(np.arange(2000), net.demo)
    assert net.degree[net.demo].min() > 250  # ~100 links of weight 3 plus village links
    assert net.degree[others].mean() < 10


def test_complete_network_neighbour_sum_excludes_self():
    spec = scenario_with_overrides(BASE, {"network.kind": "complete"}).network
    net = build_network(spec, [10], ["r"], [0], np.random.default_rng(0))
    values = np.arange(10, dtype=np.float32)
    assert np.array_equal(net.neighbour_sum(values), 45 - values)
