"""Parts of the start made faster for big models, against their former NumPy versions, bit for bit: the assignment of
bundles to farms (sim.behaviour.equilibrium.assign_bundles) picks each bundle's farms by one partition of their keys
where a sort picked the same set, and past seasons' incomes (sim.behaviour.start.past_incomes) come from one compiled
pass per season; the start must stay the same to the last bit."""

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import sim
from sim import parallel
from sim.behaviour.equilibrium import assign_bundles, bundle_keys, largest
from sim.behaviour.start import past_incomes
from sim.farmers import FarmParameters, Regions
from sim.yields import lognormal_sigma

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def former_assign_bundles(laws, masks, counts, rng):
    """``assign_bundles`` as it was at main a456e9c: each bundle's farms by a stable sort of their keys."""
    m = laws.shape[0]
    bundle = np.zeros(m, np.uint8)
    free = np.ones(m, bool)
    gumbel = rng.gumbel(size=(masks.size, m))
    for k in np.argsort(-counts, kind="stable"):
        if counts[k] == 0:
            continue
        with np.errstate(divide="ignore"):
            key = np.log(laws[:, k]) + gumbel[k]
        key[~free] = -np.inf
        chosen = np.argsort(-key, kind="stable")[: counts[k]]
        bundle[chosen] = masks[k]
        free[chosen] = False
    return bundle


@pytest.mark.parametrize("seed", range(4))
def test_largest_is_the_set_a_stable_sort_takes_first(seed):
    """Ties (rounded keys), signed zeros, -inf and NaN keys, and counts of 0, some, all and more than all."""
    rng = np.random.default_rng(seed)
    key = np.round(rng.normal(0, 2, 500))  # many equal values: ties at the threshold are the point
    key[rng.random(500) < 0.1] = -np.inf
    key[rng.random(500) < 0.05] = -0.0
    for count in (0, 1, 37, 250, 440, 499, 500, 600):
        want = np.sort(np.argsort(-key, kind="stable")[:count])
        assert np.array_equal(np.sort(largest(key, count)), want), count
    key[rng.random(500) < 0.02] = np.nan
    for count in (10, 490):
        assert np.array_equal(np.sort(largest(key, count)), np.sort(np.argsort(-key, kind="stable")[:count]))


@pytest.mark.parametrize("seed", range(3))
def test_assign_bundles_is_the_former_sort_bit_for_bit(seed):
    """Laws with zeros (keys of -inf) and repeated rows (tied keys up to the Gumbel draws), counts that leave farms
    conventional and one that needs farms of zero probability; the same draws, the same bundle for every farm.
    (When a bundle needs more farms than remain with a positive probability, the farms it takes among the keys of
    -inf are the lowest rows, already taken ones among them, as the sort did: the counts then fall short.)"""
    rng = np.random.default_rng(seed)
    m, masks = 2000, np.array([1, 3, 9, 15])
    laws = rng.dirichlet(np.ones(masks.size + 1), m)[:, : masks.size]
    laws[rng.random((m, masks.size)) < 0.3] = 0.0
    laws[1::7] = laws[0]
    for counts in (np.array([300, 500, 0, 120]), np.array([1900, 50, 40, 10])):
        got = assign_bundles(laws, masks, counts, bundle_keys(masks, m, np.random.default_rng(seed + 10)))
        want = former_assign_bundles(laws, masks, counts, np.random.default_rng(seed + 10))
        assert np.array_equal(got, want)
    assert [(got == mask).sum() for mask in masks] != counts.tolist()  # the second counts overwrite taken farms
    first = assign_bundles(laws, masks, np.array([300, 500, 0, 120]), bundle_keys(masks, m, np.random.default_rng(seed + 10)))
    assert [(first == mask).sum() for mask in masks] == [300, 500, 0, 120]


def former_past_incomes(setting, years, rng):
    """``sim.behaviour.start.past_incomes`` as it was at main a456e9c (NumPy expressions, season by season)."""
    parameters, regions = setting.parameters, setting.regions
    regional_sigma = lognormal_sigma(np.array([s.weather_cv for s in regions.specs]))
    farm_sigma = lognormal_sigma(regions.per_farm([s.yield_cv for s in regions.specs]))
    for _ in range(years):
        regional = np.exp(regional_sigma * rng.standard_normal(regional_sigma.size) - 0.5 * regional_sigma**2)
        farm = np.exp(farm_sigma * rng.standard_normal(regions.n) - 0.5 * farm_sigma**2)
        gross = parameters.base_yield_kg_per_ha * regional[parameters.region] * farm * parameters.crop_price_per_t / 1000
        yield (gross - parameters.production_cost_per_ha) * parameters.area_ha


@pytest.mark.parametrize("threads", [1, 2])
def test_past_incomes_are_the_former_expressions_bit_for_bit(threads):
    """The baseline's three regions, 60,000 farms (enough for both threads), four seasons, at 1 and 2 threads."""
    scenario = sim.load_scenario(BASELINE)
    regions = Regions.of(scenario, 60_000)
    setting = SimpleNamespace(parameters=FarmParameters.draw(scenario, regions, np.random.default_rng(3)),
                              regions=regions)
    found = parallel.threads()
    parallel.set_threads(threads)
    try:
        got = list(past_incomes(setting, 4, np.random.default_rng(7)))
    finally:
        parallel.set_threads(found)
    want = list(former_past_incomes(setting, 4, np.random.default_rng(7)))
    assert len(got) == 4 and all(np.array_equal(g, w) for g, w in zip(got, want, strict=True))
