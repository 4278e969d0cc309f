"""Every compiled kernel against a plain NumPy (or per-row Python) implementation of the same rule, on random inputs.

The references are written from the rules' docstrings, not from the kernels: sparse matrix products for the
neighbour sums, array formulas for beliefs, yields, soil, adoption, accounts and histograms, and a loop over
farmers and bundles for the utilities. float32 sums are compared with a float32 tolerance, float64 ones tightly.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sim.behaviour.economic import bundle_utilities
from sim.behaviour.learning import update_beliefs
from sim.behaviour.logit import choose
from sim.behaviour.social import neighbour_sums
from sim.economics import crop_budget
from sim.farmers import advance_practices
from sim.outputs import bundle_histograms
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, USES_BY_MASK
from sim.soil.rothc import MoistureLimits, RothCState, co2_to_biohum_ratio, month_step, temperature_rate
from sim.soil.rothc_model import rothc_year
from sim.soil.tier1 import tier1_advance
from sim.yields import farm_yields

SEEDS = [0, 1, 2]
P = N_PRACTICES


def random_network(rng, n):
    """A symmetric weighted CSR without self-links, as ``sim.network`` builds (float32 weights, int32 indices)."""
    m = 4 * n
    rows, cols = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = rows != cols
    weights = rng.choice([1.0, 3.0], keep.sum()).astype(np.float32)
    a = sp.coo_matrix((weights, (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    a = (a + a.T).tocsr()
    a.indices = a.indices.astype(np.int32)
    a.indptr = a.indptr.astype(np.int32)
    return a


@pytest.mark.parametrize("seed", SEEDS)
def test_neighbour_sums(seed):
    rng = np.random.default_rng(seed)
    n = 300
    a = random_network(rng, n)
    bundle = rng.integers(0, 16, n).astype(np.uint8)
    effects = rng.normal(0, 0.1, (n, P)).astype(np.float32)
    deviation = rng.normal(0, 0.2, n).astype(np.float32)
    degree = np.asarray(a.sum(axis=1), dtype=np.float32).ravel()
    inverse = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
    share, shown = np.empty((n, P), np.float32), np.empty((n, P), np.float32)
    neighbour_sums(a.indptr, a.indices, a.data, bundle, effects, deviation, inverse, share, shown)
    uses = USES_BY_MASK[bundle].astype(np.float64)
    weighted = a.astype(np.float64)
    expected_share = (weighted @ uses) / np.where(degree > 0, degree, np.inf)[:, None]
    expected_shown = weighted @ (uses * (effects + deviation[:, None]))
    assert np.allclose(share, expected_share, rtol=1e-5, atol=1e-6)
    assert np.allclose(shown, expected_shown, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_belief_update(seed):
    rng = np.random.default_rng(seed)
    n = 500
    share = rng.random((n, P)).astype(np.float32)
    degree = rng.uniform(0, 20, n).astype(np.float32)
    shown = rng.normal(0, 1, (n, P)).astype(np.float32)
    uses = rng.random((n, P)) < 0.5
    effects = rng.normal(0, 0.1, (n, P)).astype(np.float32)
    deviation = rng.normal(0, 0.2, n).astype(np.float32)
    mean = rng.normal(0, 0.1, (n, P)).astype(np.float32)
    precision = rng.uniform(50, 500, (n, P)).astype(np.float32)
    prior, memory, inverse_obs = np.float32(100.0), np.float32(0.8), np.float32(1 / 0.15**2)
    count = share * degree[:, None] + uses
    total = shown + uses * (effects + deviation[:, None])
    kept = prior + memory * (precision.astype(np.float64) - prior)
    expected_mean = (kept * mean + total * inverse_obs) / (kept + count * inverse_obs)
    expected_precision = kept + count * inverse_obs
    update_beliefs(share, degree, shown, uses, effects, deviation, mean, precision, prior, memory, inverse_obs)
    assert np.allclose(mean, expected_mean, rtol=1e-5, atol=1e-6)
    assert np.allclose(precision, expected_precision, rtol=1e-5)


@pytest.mark.parametrize("seed", SEEDS)
def test_farm_yields(seed):
    rng = np.random.default_rng(seed)
    n, regions = 400, 3
    years = rng.integers(0, 12, (n, P)).astype(np.int16)
    table = rng.normal(0, 0.1, (6, regions, P)).astype(np.float32)
    full_ca_years = rng.integers(0, 12, n).astype(np.int16)
    synergy, synergy_years = rng.uniform(0, 0.1, regions), rng.integers(1, 10, regions).astype(np.float64)
    bundle = rng.integers(0, 16, n).astype(np.uint8)
    soc = rng.uniform(10, 60, n)
    base, response = rng.uniform(1000, 5000, n), rng.uniform(0, 100, n)
    low, high = np.sort(rng.uniform(20, 45, (2, regions, 16)), axis=0)
    plateau = rng.uniform(30, 50, n)
    region = rng.integers(0, regions, n).astype(np.int16)
    regional = rng.uniform(0.8, 1.2, regions)
    sigma = rng.uniform(0, 0.3, n).astype(np.float32)
    z = rng.standard_normal(n).astype(np.float32)
    effects, yields, deviation = np.empty((n, P), np.float32), np.empty(n), np.empty(n, np.float32)
    farm_yields(years, table, full_ca_years, synergy, synergy_years, bundle, soc, base, response, low, high, plateau,
                region, regional, sigma, z, effects, yields, deviation)
    expected_effects = table[np.minimum(years, table.shape[0] - 1), region[:, None], np.arange(P)]
    multiplier = (np.prod(1.0 + expected_effects.astype(np.float64), axis=1)
                  * (1 + synergy[region] * np.minimum(full_ca_years / synergy_years[region], 1)))
    weather = np.exp(sigma.astype(np.float64) * z - 0.5 * sigma.astype(np.float64) ** 2)
    g = np.minimum(soc, plateau)  # the SOC response counts only SOC outside [low, high] of the farm's bundle
    lo, hi = np.minimum(low[region, bundle], plateau), np.minimum(high[region, bundle], plateau)
    outside = np.where(g > hi, g - hi, np.where(g < lo, g - lo, 0.0))
    potential = np.maximum(base + response * outside, 0.0)
    assert np.array_equal(effects, expected_effects)
    assert np.allclose(deviation, weather - 1, rtol=1e-5, atol=1e-6)
    assert np.allclose(yields, potential * multiplier * regional[region] * weather, rtol=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_tier1_advance(seed):
    rng = np.random.default_rng(seed)
    n = 300
    stock, target = rng.uniform(20, 40, n), rng.uniform(20, 40, n)
    years_left = rng.integers(0, 4, n).astype(np.int16)
    rate = (target - stock) / np.maximum(years_left, 1)
    before, left_before = stock.copy(), years_left.copy()
    change = np.empty(n)
    tier1_advance(stock, target, rate, years_left, change)
    expected = np.where(left_before == 1, target, np.where(left_before > 1, before + rate, before))
    assert np.array_equal(stock, expected)
    assert np.array_equal(change, expected - before)
    assert np.array_equal(years_left, np.maximum(left_before - 1, 0))


@pytest.mark.parametrize("seed", SEEDS)
def test_rothc_year(seed):
    """Twelve ``month_step`` calls per farm (the RothC reference path) on random soils, weather, cover and inputs."""
    rng = np.random.default_rng(seed)
    n, regions = 300, 3
    region = rng.integers(0, regions, n)
    clay, depth = rng.uniform(5, 50, n), rng.uniform(20, 35, n)
    x = co2_to_biohum_ratio(clay)
    limits = MoistureLimits.from_soil(clay, depth, rng.choice(["classic", "wilting_point"]))
    temp, water = rng.normal(18, 6, (regions, 12)), rng.normal(-20, 60, (regions, 12))
    crop_cover, cover_cover = rng.random((regions, 12)) < 0.4, rng.random((regions, 12)) < 0.3
    harvest, cover_month = rng.integers(0, 12, regions), rng.integers(0, 12, regions)
    manure = rng.uniform(0, 0.5, regions)
    crop, cover, uses_cover = rng.uniform(0, 4, n), rng.uniform(0, 2, n), rng.random(n) < 0.5
    tillage = rng.uniform(0.85, 1.0, n)
    state = RothCState.empty(rng.uniform(1, 4, n))
    state.dpm, state.rpm, state.bio, state.hum = (rng.uniform(0, s, n) for s in (0.5, 6, 1, 30))
    state.deficit_mm = rng.uniform(-40, 0, n)
    reference = state.copy()
    rothc_year(state.dpm, state.rpm, state.bio, state.hum, state.deficit_mm, state.co2, region, crop, cover, uses_cover,
               tillage, x, limits.max_deficit, limits.one_bar, limits.bare, temperature_rate(temp), water, crop_cover,
               cover_cover, harvest, cover_month, manure, 1.44)
    for m in range(12):
        month_step(reference, temp[region, m], water[region, m], 0.0,
                   crop_cover[region, m] | (cover_cover[region, m] & uses_cover),
                   np.where(harvest[region] == m, crop, 0.0) + np.where(cover_month[region] == m, cover, 0.0),
                   np.where(harvest[region] == m, manure[region], 0.0), 1.44, x, limits, extra_rate=tillage)
    for name in ("dpm", "rpm", "bio", "hum", "deficit_mm", "co2"):
        assert np.allclose(getattr(state, name), getattr(reference, name), rtol=1e-12, atol=1e-12), name


def reference_utilities(farms, current_k, uses, mean, precision, share, expected_yield, seeder, credit, incentive_pv,
                        incentive_var, bundle_uses, bundle_full_ca, transition_cost, cost_change, penalty, residue, no_till,
                        annuity, risk_aversion, crop_price, production_cost, residue_value, cash_limit, synergy,
                        social_weight, status_quo_bias):
    """The economic rule's U_k (``sim.behaviour.economic`` docstring), one farmer and bundle at a time."""
    out = np.empty(incentive_pv.shape)
    mean, precision, share = (x.astype(np.float64) for x in (mean, precision, share))
    for r, i in enumerate(farms):
        gross = expected_yield[r] * crop_price / 1000
        scale = annuity * max(max(gross - production_cost, 0.1 * gross), 1e-9)
        for k in range(bundle_uses.shape[1]):
            in_k = bundle_uses[:, k] > 0
            new = in_k & ~uses[i]
            npv = annuity * (gross * (mean[i][in_k].sum() + synergy * bundle_full_ca[k])
                             - cost_change[in_k].sum() - (residue_value if in_k[residue] else 0.0))
            npv += incentive_pv[r, k] - transition_cost[new].sum() - gross * penalty[new].sum()
            variance = (annuity * gross) ** 2 * (1 / precision[i][in_k]).sum()
            ce = npv - 0.5 * risk_aversion * (variance + incentive_var[r, k]) / scale
            conformity = np.where(in_k, share[i], 1 - share[i]).mean()
            u = ce / scale + social_weight * conformity
            if k == current_k[r]:
                u += status_quo_bias
            elif (in_k[no_till] and not seeder[i]) or (not credit[i] and transition_cost[new].sum() > cash_limit):
                u = -np.inf
            out[r, k] = u
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_bundle_utilities(seed):
    rng = np.random.default_rng(seed)
    n, m = 200, 120
    masks = np.array([0, 4, 5, 13, 15], np.uint8)
    bundle_uses = USES_BY_MASK[masks].T.astype(np.float64)
    farms = np.sort(rng.choice(n, m, replace=False))
    args = dict(
        farms=farms, current_k=rng.integers(0, masks.size, m), uses=rng.random((n, P)) < 0.4,
        mean=rng.normal(0, 0.05, (n, P)).astype(np.float32), precision=rng.uniform(20, 200, (n, P)).astype(np.float32),
        share=rng.random((n, P)).astype(np.float32), expected_yield=rng.uniform(500, 5000, m),
        seeder=rng.random(n) < 0.7, credit=rng.random(n) < 0.5, incentive_pv=rng.uniform(0, 400, (m, masks.size)),
        incentive_var=rng.uniform(0, 1e4, (m, masks.size)), bundle_uses=bundle_uses,
        bundle_full_ca=FULL_CA_BY_MASK[masks].astype(np.float64), transition_cost=rng.uniform(0, 80, P),
        cost_change=rng.uniform(-30, 50, P), penalty=rng.uniform(0, 0.3, P), residue=2, no_till=0, annuity=6.1,
        risk_aversion=1.5, crop_price=250.0, production_cost=rng.uniform(100, 900), residue_value=20.0,
        cash_limit=40.0, synergy=0.05, social_weight=0.3, status_quo_bias=0.05)
    utility = np.empty((m, masks.size))
    bundle_utilities(*args.values(), 0.1, 1e-9, 1e-9, utility)
    expected = reference_utilities(*args.values())
    assert np.array_equal(np.isinf(utility), np.isinf(expected)) and np.isinf(expected).any()
    finite = np.isfinite(expected)
    assert np.allclose(utility[finite], expected[finite], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_logit_choice_given_draws(seed):
    rng = np.random.default_rng(seed)
    m, k = 1000, 6
    utility = rng.normal(0, 1, (m, k))
    utility[rng.random((m, k)) < 0.2] = -np.inf
    utility[:, 0] = rng.normal(0, 1, m)  # every row keeps one feasible bundle
    draws = rng.random(m)
    chosen = np.empty(m, np.int64)
    choose(utility, 3.0, draws, np.empty_like(utility), chosen)
    weights = np.where(np.isfinite(utility), np.exp(3.0 * (utility - utility.max(axis=1, keepdims=True))), 0.0)
    probabilities = weights / weights.sum(axis=1, keepdims=True)
    # inverse-CDF sampling: the first bundle whose cumulative probability exceeds the draw
    expected = np.argmax((np.cumsum(probabilities, axis=1) > draws[:, None]) & (weights > 0), axis=1)
    assert np.mean(chosen == expected) > 0.999  # only draws within rounding of a boundary may differ
    assert np.all(weights[np.arange(m), chosen] > 0)


@pytest.mark.parametrize("seed", SEEDS)
def test_adoption(seed):
    rng = np.random.default_rng(seed)
    n = 300
    old, new = rng.integers(0, 16, n).astype(np.uint8), rng.integers(0, 16, n).astype(np.uint8)
    years = np.where(USES_BY_MASK[old], rng.integers(1, 10, (n, P)), 0).astype(np.int16)
    full_ca_years = np.where(FULL_CA_BY_MASK[old], rng.integers(1, 10, n), 0).astype(np.int16)
    cost_per_ha, area = rng.uniform(0, 80, P), rng.uniform(1, 100, n)
    expected_years = np.where(USES_BY_MASK[new], years + 1, 0)
    expected_full_ca = np.where(FULL_CA_BY_MASK[new], full_ca_years + 1, 0)
    started = USES_BY_MASK[new] & ~USES_BY_MASK[old]
    new_uses, transition = np.empty((n, P), bool), np.empty(n)
    advance_practices(old, new, USES_BY_MASK, FULL_CA_BY_MASK, cost_per_ha, area, years, full_ca_years, new_uses,
                      transition)
    assert np.array_equal(new_uses, USES_BY_MASK[new])
    assert np.array_equal(years, expected_years) and np.array_equal(full_ca_years, expected_full_ca)
    assert np.allclose(transition, (started * cost_per_ha).sum(axis=1) * area, rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_crop_budget(seed):
    rng = np.random.default_rng(seed)
    n = 300
    yields, price, area = rng.uniform(500, 6000, n), rng.uniform(150, 400, n), rng.uniform(1, 500, n)
    cost, residue_value = rng.uniform(100, 900, n), rng.uniform(0, 30, n)
    uses, cost_change = rng.random((n, P)) < 0.5, rng.uniform(-30, 50, P)
    transition = rng.uniform(0, 1000, n)
    revenue, costs, income = np.empty(n), np.empty(n), np.empty(n)
    crop_budget(yields, price, area, cost, residue_value, uses, cost_change, 2, transition, revenue, costs, income)
    expected_costs = (cost + (uses * cost_change).sum(axis=1) + uses[:, 2] * residue_value) * area
    assert np.allclose(revenue, yields / 1000 * price * area, rtol=1e-12)
    assert np.allclose(costs, expected_costs, rtol=1e-12)
    assert np.allclose(income, revenue - costs - transition, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_bundle_histograms(seed, monkeypatch):
    """One block per region adds in row order (as np.bincount does, exactly); blocks of 64 rows add per block, then
    the blocks in order: the same counts, areas within rounding (1e-12 relative: a few float64 ulps over 500 rows)."""
    from sim import parallel

    rng = np.random.default_rng(seed)
    n, regions = 500, 3
    region = np.sort(rng.integers(0, regions, n))
    starts = np.searchsorted(region, np.arange(regions))
    ends = np.append(starts[1:], n)
    bundle, area = rng.integers(0, 16, n).astype(np.uint8), rng.uniform(1, 100, n)
    cell = region * 16 + bundle
    for size, exact in ((n, True), (64, False)):
        monkeypatch.setattr(parallel, "BLOCK_FARMS", size)
        farmers, farmed = np.empty((regions, 16)), np.empty((regions, 16))
        bundle_histograms(*parallel.segment_blocks(starts, ends), bundle, area, farmers, farmed)
        assert np.array_equal(farmers.ravel(), np.bincount(cell, minlength=regions * 16))
        expected = np.bincount(cell, weights=area, minlength=regions * 16)
        assert np.array_equal(farmed.ravel(), expected) if exact else np.allclose(farmed.ravel(), expected, rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_practice_emissions(seed):
    """The [ghg] rule as array formulas (sim.incentives.ghg's docstring): equal bit for bit, since the kernel does the
    same operations in the same order per farm; SOC gains add no N, a NaN change stays NaN."""
    from sim.incentives.ghg import practice_emissions
    from sim.practices import COVER_CROPS, NO_TILL, RESIDUE_RETENTION
    from sim.units import DIESEL_T_CO2_PER_L, KG_PER_T

    rng = np.random.default_rng(seed)
    n = 400
    bundle, yields = rng.integers(0, 16, n).astype(np.uint8), rng.uniform(0, 9000, n)
    change, mechanised, area = rng.normal(0, 0.3, n), rng.random(n) < 0.5, rng.uniform(1, 80, n)
    change[::9] = np.nan
    hi, residue_n_share, cover_n, c_to_n, no_till_l, cover_l, n2o = 0.45, 0.006, 30.0, 10.0, -25.0, 8.0, 0.0046
    out = np.empty(n)
    practice_emissions(bundle, yields, change, mechanised, area, USES_BY_MASK, 1.0 - hi, hi, residue_n_share,
                       cover_n, c_to_n, no_till_l, cover_l, n2o, out)
    uses = USES_BY_MASK[bundle]
    nitrogen = (np.where(uses[:, RESIDUE_RETENTION], yields * (1.0 - hi) / hi * residue_n_share, 0.0)
                + np.where(uses[:, COVER_CROPS], cover_n, 0.0) + np.maximum(-change, 0.0) * KG_PER_T / c_to_n)
    diesel = np.where(uses[:, NO_TILL], no_till_l, 0.0) + np.where(uses[:, COVER_CROPS], cover_l, 0.0)
    expected = (nitrogen * n2o + np.where(mechanised, diesel * DIESEL_T_CO2_PER_L, 0.0)) * area
    assert np.array_equal(out, expected, equal_nan=True) and np.isnan(out[::9]).all()


def test_fully_mixed_population_sees_what_a_complete_graph_shows():
    """The fully mixed shortcut of ``SocialInformation`` equals the kernel on an explicit complete graph."""
    from types import SimpleNamespace

    from sim.behaviour.social import SocialInformation

    rng = np.random.default_rng(5)
    n = 60
    bundle = rng.integers(0, 16, n).astype(np.uint8)
    effects = rng.normal(0, 0.1, (n, P)).astype(np.float32)
    deviation = rng.normal(0, 0.2, n).astype(np.float32)
    complete = sp.csr_matrix(np.ones((n, n), np.float32) - np.eye(n, dtype=np.float32))
    complete.indices, complete.indptr = complete.indices.astype(np.int32), complete.indptr.astype(np.int32)
    degree = np.full(n, n - 1, np.float32)
    mixed = SocialInformation(SimpleNamespace(adjacency=None, degree=degree), P)
    graph = SocialInformation(SimpleNamespace(adjacency=complete, degree=degree), P)
    for social in (mixed, graph):
        social.observe(bundle, USES_BY_MASK[bundle], effects, deviation)
    assert np.allclose(mixed.share, graph.share, rtol=1e-6)
    assert np.allclose(mixed.shown, graph.shown, rtol=1e-5, atol=1e-5)
