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


def test_exchange_links_leave_the_rest_of_the_network_as_it_was():
    """With the same stream, adding exchanges adds exactly their links (weight 1, across regions) and moves no other.

    Referee 27 m1: drawn from the network stream itself, the exchange links re-drew every demonstration link, so an
    exchange run and its baseline differed by more than the exchanges. The densities here are fractional (expected
    60.5 links, 1.5 demonstration farms per region), so the stochastic rounding's own child streams are exercised too.
    """
    names, sizes = ["latin_america", "africa_dry", "africa_moist"], [400, 400, 400]
    base = scenario_with_overrides(BASE, {"network.demo_reach": 40, "network.demo_weight": 5.0}).network
    exchange = [{"regions": ["latin_america", "africa_dry"], "links_per_1000_farms": 60.5 / 400 * 1000}]
    linked = base.model_copy(update={"exchange": scenario_with_overrides(
        BASE, {"network.exchange": exchange}).network.exchange})
    demo = [1.5 / 400 * 1000] * 3
    without = build_network(base, sizes, names, demo, np.random.default_rng(6))
    with_links = build_network(linked, sizes, names, demo, np.random.default_rng(6))
    np.testing.assert_array_equal(with_links.demo, without.demo)
    added = (with_links.adjacency - without.adjacency).tocoo()
    added.eliminate_zeros()
    region = np.repeat([0, 1, 2], sizes)
    assert set(zip(region[added.row], region[added.col], strict=True)) == {(0, 1), (1, 0)}
    assert (added.data == 1.0).all()
    pairs = with_links.exchange_pairs[0]
    assert added.nnz == 2 * len(pairs) and 60 <= len(pairs) <= 61
    np.testing.assert_array_equal(np.sort(added.row[region[added.row] == 0]), np.sort(pairs[:, 0]))


def test_demo_farms_are_hubs_with_weight():
    spec = scenario_with_overrides(BASE, {"network.demo_reach": 100, "network.demo_weight": 3.0}).network
    net = build_network(spec, [2000], ["r"], [1.0], np.random.default_rng(5))
    others = np.setdiff1d(np.arange(2000), net.demo)
    assert net.degree[net.demo].min() > 250  # ~100 links of weight 3 plus village links
    assert net.degree[others].mean() < 10


def test_complete_network_neighbour_sum_excludes_self():
    spec = scenario_with_overrides(BASE, {"network.kind": "complete",
                                          "decision.rule": {"kind": "bass", "p": 0.01, "q": 0.3}}).network
    net = build_network(spec, [10], ["r"], [0], np.random.default_rng(0))
    values = np.arange(10, dtype=np.float32)
    assert np.array_equal(net.neighbour_sum(values), 45 - values)


def former_ring_lattice_edges(offsets, sizes, k, p, rng):
    """``sim.network._ring_lattice_edges`` as it was before its lattice and rounds were compiled (main 5bb9918, its
    NumPy body verbatim; the village grouping by a stable argsort, which is its counting sort's order)."""
    from sim.network import _mark_duplicates

    n = int(sizes.sum())
    village_of = np.repeat(np.arange(len(sizes)), sizes)
    start = offsets[village_of]
    size = sizes[village_of]
    local = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    src_l, dst_l, start_l, size_l = [], [], [], []
    for hop in range(1, k // 2 + 1):
        ok = size > 2 * hop if hop > 1 else size > 1
        src_l.append((start + local)[ok])
        dst_l.append(start[ok] + (local[ok] + hop) % size[ok])
        start_l.append(start[ok])
        size_l.append(size[ok])
    src, lattice_dst = np.concatenate(src_l), np.concatenate(dst_l)
    e_start, e_size = np.concatenate(start_l), np.concatenate(size_l)
    e_village = village_of[src]
    by_village = np.argsort(e_village, kind="stable")
    village_bounds = np.concatenate([[0], np.cumsum(np.bincount(e_village, minlength=len(sizes)))])
    rewired = rng.random(src.size) < p
    dst = lattice_dst.copy()
    redraw = rewired
    duplicated = np.zeros(src.size, np.bool_)
    for _ in range(20):
        dst[redraw] = e_start[redraw] + (rng.random(int(redraw.sum())) * e_size[redraw]).astype(np.int64)
        _mark_duplicates(src, dst, by_village, village_bounds, np.unique(e_village[redraw]), duplicated)
        redraw = rewired & (duplicated | (src == dst))
        if not redraw.any():
            break
    dst[redraw] = lattice_dst[redraw]
    return src, dst


@pytest.mark.parametrize(("k", "p"), [(6, 0.1), (4, 0.9), (8, 0.5)])
def test_ring_lattice_edges_are_the_former_numpy_ones_bit_for_bit(k, p):
    """The compiled lattice and rewiring rounds are a pure speed-up (12.7 s of a 10 M-farmer build was the NumPy
    version, serial): the same edges in the same order, and the generator left in the same state, for villages of
    every size from 1 farmer (no link) to 40, rewired rarely, mostly (many rounds of redraws) and half the time."""
    from sim.network import _ring_lattice_edges

    sizes = np.array([40, 1, 2, 3, 5, 9, 40, 17, 4, 40, 7], np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    expected_rng, rng = np.random.default_rng(3), np.random.default_rng(3)
    expected = former_ring_lattice_edges(offsets, sizes, k, p, expected_rng)
    edges = _ring_lattice_edges(offsets, sizes, k, p, rng)
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(edges, expected, strict=True))
    assert rng.random() == expected_rng.random()
