"""The equilibrium start's pasts: each farm's bundles before the start drawn from its own chain run backwards, and the
soil (Tier 1 and RothC) and ages in use that those pasts leave (``sim.behaviour.equilibrium.region_chain_histories``,
``sim.soil.build_soil``)."""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.behaviour.equilibrium import (
    ESTABLISHED_SEASONS,
    ages_in_use,
    reversed_weights,
    sample_past,
    stationary_law_transposed,
    walk_back,
)
from sim.practices import parse_bundle
from sim.soil import RothCSoil, Tier1Soil

H = ESTABLISHED_SEASONS


def random_chain(rng: np.random.Generator, n_states: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """A random irreducible, non-reversible chain: its matrix transposed (moved[to, from]) and stationary law.

    A cycle 0 -> 1 -> ... -> 0 keeps it irreducible; other moves are sparse and random, so flows are far from
    balanced (pi_i P(i -> j) != pi_j P(j -> i)).
    """
    matrix = rng.random((n_states, n_states)) * (rng.random((n_states, n_states)) < 0.3)
    matrix[np.arange(n_states), (np.arange(n_states) + 1) % n_states] += 1.0
    matrix /= matrix.sum(axis=1, keepdims=True)
    moved = matrix.T.copy()
    return moved, stationary_law_transposed(moved)


def test_the_past_is_drawn_from_the_time_reversed_chain():
    """From a present drawn from pi, the year before drawn by ``sample_past`` makes pairs (x_-1 = j, x_0 = i) with
    frequency pi_j P(j -> i), the stationary chain's own pairs. 100,000 independent pairs on a random 16-state chain:
    each of the 256 cells within 5 binomial standard errors (sqrt(p (1 - p) / N)) of its probability (a false alarm
    about 256 x 6e-7 = 1.5e-4 per seed; the seed is fixed). Drawn forwards instead (x_-1 from P(i -> .)), the pairs
    would have frequency pi_i P(i -> j): the chain is made far from reversible, so that would miss some cell by more
    than 20 standard errors (checked)."""
    rng = np.random.default_rng(11)
    moved, law = random_chain(rng)
    pairs = 100_000
    present = rng.choice(law.size, size=pairs, p=law)
    uniforms = rng.random(pairs)
    counts = np.zeros((law.size, law.size))
    past = np.empty(1, np.uint8)
    for now, u in zip(present, uniforms, strict=True):
        sample_past(moved, law, now, u[None], past)
        counts[past[0], now] += 1
    expected = law[:, None] * moved.T  # [j, i] = pi_j P(j -> i)
    error = np.sqrt(expected * (1 - expected) / pairs) + 1e-12
    assert np.all(np.abs(counts / pairs - expected) < 5 * error)
    forwards = law[None, :] * moved  # [j, i] = pi_i P(i -> j)
    assert np.max(np.abs(forwards - expected) / error) > 20


def former_sample_past(moved, law, current, uniforms, history):
    """``sample_past`` as it was at main d748707: each year back, the weights pi_j P(j -> i) and their sum again."""
    i = current
    for back in range(history.size):
        total = 0.0
        for j in range(law.size):
            total += law[j] * moved[i, j]
        if total > 0.0:
            threshold, cumulative, chosen = uniforms[back] * total, 0.0, i
            for j in range(law.size):
                weight = law[j] * moved[i, j]
                if weight > 0.0:
                    cumulative += weight
                    chosen = j
                    if threshold < cumulative:
                        break
            i = chosen
        history[history.size - 1 - back] = i


def test_pasts_walked_from_weights_computed_once_are_the_former_draws_bit_for_bit():
    """``sample_past`` computes the time-reversed weights once per chain (``reversed_weights``) and walks them
    (``walk_back``), rather than again each year: the same products and sums in the same order, so the same past
    for every start and uniform, on 50 random chains (states with no inflow among them) from each of the 16 states,
    uniforms near 0 and 1 included; and ``walk_back`` from several starts with one set of weights, as
    ``region_chain_laws`` draws a farm's pasts from each bundle it may get."""
    rng = np.random.default_rng(17)
    for k in range(50):
        moved, law = random_chain(rng)
        if k % 2:  # a state nobody enters (pi = 0): its past stays in it
            matrix, state = moved.T.copy(), k % 16
            matrix[:, state] = 0.0
            matrix[(state - 1) % 16, (state + 1) % 16] += 1.0
            matrix /= matrix.sum(axis=1, keepdims=True)
            moved = matrix.T.copy()
            law = stationary_law_transposed(moved)
            assert not moved[state].any()  # no weight back from it
        uniforms = rng.random(H)
        uniforms[:3] = (0.0, 1.0 - 2.0**-53, 0.5)
        weights, totals = np.empty((16, 16)), np.empty(16)
        reversed_weights(moved, law, weights, totals)
        for now in range(16):
            got, want, walked = np.empty(H, np.uint8), np.empty(H, np.uint8), np.empty(H, np.uint8)
            sample_past(moved, law, now, uniforms, got)
            former_sample_past(moved, law, now, uniforms, want)
            walk_back(weights, totals, now, uniforms, walked)
            assert np.array_equal(got, want) and np.array_equal(walked, want)


def test_a_long_past_is_a_path_of_the_chain_and_stays_in_a_state_nobody_enters():
    """Every step of a 60-year past is a move the chain can make (P(x_t-1 -> x_t) > 0); a farm in a state the
    stationary chain never enters (pi = 0, no inflow) is kept in it (it has no past under the chain)."""
    rng = np.random.default_rng(3)
    moved, law = random_chain(rng)
    past = np.empty(H, np.uint8)
    sample_past(moved, law, 5, rng.random(H), past)
    path = np.append(past, 5)
    assert np.all(moved[path[1:], path[:-1]] > 0)
    closed = np.zeros((16, 16))
    closed[0, :] = 1.0  # every state goes to 0
    sample_past(closed, stationary_law_transposed(closed), 7, rng.random(H), past)
    assert np.all(past == 7)


def test_ages_in_use_count_the_unbroken_seasons_before():
    """Seasons in use = 1 (this season) + the unbroken run of past years that used the practice, capped at
    ``ESTABLISHED_SEASONS``; 0 for a practice not in use now (whatever its past)."""
    history = np.zeros(H, np.uint8)
    history[-4:] = 0b0001  # no-till the last 4 years
    history[-6:-4] = 0b0011  # with cover crops 2 years before that
    history[:-6] = 0b0010
    ages = np.empty(4, np.int16)
    ages_in_use(np.uint8(0b0101), history, ages)
    assert ages.tolist() == [7, 0, 1, 0]
    ages_in_use(np.uint8(0b0001), np.ones(H, np.uint8), ages)
    assert ages.tolist() == [ESTABLISHED_SEASONS, 0, 0, 0]


def pasts(bundles: np.ndarray, changed_years_ago: np.ndarray) -> np.ndarray:
    """(n, H) pasts: conventional, then each farm's bundle since ``changed_years_ago`` (this season included)."""
    history = np.zeros((bundles.size, H), np.uint8)
    for row, (bundle, k) in enumerate(zip(bundles, changed_years_ago, strict=True)):
        if k > 1:
            history[row, H - (k - 1):] = bundle
    return history


@pytest.mark.parametrize("name", ["base.toml", "rothc_baseline.toml"])
def test_a_constant_past_starts_at_its_equilibrium_and_one_change_where_the_model_would_be(name):
    """A farm that used one bundle for all H years is exactly at that bundle's equilibrium (no replay, no rounding).
    One that changed from conventional k seasons ago (this one included) is where the former start put it: Tier 1 k/D
    of the way (the linear value, with D - k years left), RothC k years from the conventional equilibrium; equal to
    rounding (1e-9 t C/ha: the conventional years before the change are each a year from an equilibrium that is a
    fixed point of the year to rounding, about 1e-14 a year)."""
    scenario = sim.load_scenario(SCENARIOS / name)
    soil_class = RothCSoil if name.startswith("rothc") else Tier1Soil
    r = list(scenario.regions).index("latin_america")
    bundles = np.array([parse_bundle(b) for b in ("conventional", "no_till", "no_till+residue_retention",
                                                  "no_till+cover_crops", "no_till", "no_till")], np.uint8)
    region = np.full(bundles.size, r, np.int16)
    steady = soil_class(scenario, region, bundles, np.zeros(bundles.size, np.int64), np.repeat(bundles[:, None], H, 1))
    assert np.array_equal(steady.stock_t_c_per_ha, steady.equilibrium_table[r, bundles])
    seasons = np.array([0, 1, 5, 12, 20, 35])
    replayed = soil_class(scenario, region, bundles, np.zeros_like(seasons), pasts(bundles, seasons))
    former = soil_class(scenario, region, bundles, seasons)
    assert np.allclose(replayed.stock_t_c_per_ha, former.stock_t_c_per_ha, rtol=0, atol=1e-9)
    if soil_class is Tier1Soil:
        d, table = scenario.soil.transition_years, replayed.equilibrium_table[r]
        linear = table[0] + np.minimum(seasons, d) / d * (table[bundles] - table[0])
        assert np.allclose(replayed.stock_t_c_per_ha, linear, rtol=0, atol=1e-9)
        assert np.array_equal(replayed.years_left, former.years_left)
        moving = former.years_left > 0  # a finished transition's rate is never read again
        assert np.allclose(replayed.rate_t_c_per_ha_yr[moving], former.rate_t_c_per_ha_yr[moving], rtol=0, atol=1e-12)


def test_tier1_lives_through_a_past_of_several_changes_by_the_model_s_rules():
    """No-till for 22 years from 30 years before the start, conventional for the 6 years from 8 years before, no-till
    again for the last 3 seasons (this one included): the stock went up to the no-till equilibrium (20 steps of 1/20
    of the gain), down for 6 years, then up again from there, each change a new D-year transition from the current
    stock (``set_management``), as ``advance_year`` of a farm living those years would have it."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    r = list(scenario.regions).index("latin_america")
    no_till = parse_bundle("no_till")
    history = np.zeros((1, H), np.uint8)
    history[0, H - 30:H - 8] = no_till
    history[0, H - 2:] = no_till
    soil = Tier1Soil(scenario, np.full(1, r, np.int16), np.array([no_till], np.uint8), np.zeros(1), history)
    low, high, d = soil.equilibrium_table[r, 0], soil.equilibrium_table[r, no_till], scenario.soil.transition_years
    after_drop = high + 6 * (low - high) / d
    expected = after_drop + 3 * (high - after_drop) / d
    assert soil.stock_t_c_per_ha[0] == pytest.approx(expected, abs=1e-12)
    assert soil.years_left[0] == d - 3 and soil.target_t_c_per_ha[0] == high


def test_base_soil_is_stationary_without_policy():
    """base.toml has no policy and starts in behavioural equilibrium: its mean SOC per region must stay put where the
    adoption shares do. The ODD documents a behavioural drift of the shares of about 2 pp at 1,000 farmers (the fit's
    tolerance and sampling, ``sim.behaviour.equilibrium.TOLERANCE``; measured here over 25 years and 6 seeds: -2.8 pp
    of no-till farms in latin_america, -3.4 pp of its area); at latin_america's no-till gain (34.694 - 31.54 = 3.15 t
    C/ha) 3.5 pp moves its mean stock by 0.11 t C/ha. Seed noise: the sd of one run's 25-year change is 0.055 t C/ha
    at 1,000 farmers (6 seeds), so 0.032 for the mean of 3 seeds, 3 sd 0.095. Bound: 0.11 + 0.095 ~ 0.2 t C/ha in
    every region (latin_america has the largest gain and share; the African regions' changes are a tenth of it).
    The former start (conventional forever, then the bundle for its seasons) rose by +0.36 t C/ha in latin_america
    (6 seeds, sd 0.076 per run) with the same shares: it fails."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    changes = []
    for seed in range(3):
        model = sim.AdoptionModel(scenario, seed=seed, n_farmers=1000)
        before = area_mean_soc(model)
        model.run_for(25)
        changes.append(area_mean_soc(model) - before)
    assert np.all(np.abs(np.mean(changes, axis=0)) < 0.2)


def area_mean_soc(model: sim.AdoptionModel) -> np.ndarray:
    """(R,) each region's area-weighted mean SOC, t C/ha."""
    area, region, regions = model.farms.area_ha, model.farms.region, len(model.regions.names)
    return np.bincount(region, area * model.soil.stock_t_c_per_ha, regions) / np.bincount(region, area, regions)


def test_pasts_drawn_from_the_fit_s_kept_chains_are_those_of_chains_built_again(monkeypatch):
    """A region fitted on all its farms (at most ``MATRICES_KEPT_UP_TO``: 333 here) draws its farms' pasts from the
    fit's own year matrices and laws (``sample_pasts``); built again farm by farm (``region_chain_histories``, as a
    start found in the cache or a larger region does), the chains, so the pasts, ages and soil, are the same to the
    last bit."""
    from sim.behaviour import start, start_cache

    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    with start_cache.bypassed():
        kept = sim.AdoptionModel(scenario, seed=5, n_farmers=1000)
        monkeypatch.setattr(start, "MATRICES_KEPT_UP_TO", 0)
        built = sim.AdoptionModel(scenario, seed=5, n_farmers=1000)
    assert np.array_equal(kept.farms.years_in_use, built.farms.years_in_use)
    assert np.array_equal(kept.soil.stock_t_c_per_ha, built.soil.stock_t_c_per_ha)
    assert np.array_equal(kept.soil.years_left, built.soil.years_left)


def test_pasts_drawn_in_the_laws_pass_are_those_of_chains_built_again(monkeypatch):
    """A region of more farms than its fit's samples draws each farm's past from every bundle it may get in the pass
    that solves its laws (``region_chain_laws``), and keeps the one of the bundle it gets; with that pass limited to
    the laws (``MAX_PAST_STARTS`` = 0) the chains are built again once the bundles are known
    (``region_chain_histories``, as a start found in the cache does): the same bundles, pasts, ages and soil, to the
    last bit, and the same population stream after the start (the beliefs drawn later). The polish sample is shrunk
    (500 farms) so that regions of 600-700 farms take that pass (it takes regions of over ``POLISH_SAMPLE``)."""
    from sim.behaviour import start, start_cache

    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    drawn_pasts = []
    pick = start.pick_pasts

    def counted(current, starts, pasts, history, ages):
        drawn_pasts.append(current.size)
        pick(current, starts, pasts, history, ages)

    monkeypatch.setattr(start, "pick_pasts", counted)
    monkeypatch.setattr(start, "POLISH_SAMPLE", 500)
    with start_cache.bypassed():
        once = sim.AdoptionModel(scenario, seed=5, n_farmers=2000)
        assert len(drawn_pasts) == len(once.regions.specs) and min(drawn_pasts) > 500
        monkeypatch.setattr(start, "MAX_PAST_STARTS", 0)
        twice = sim.AdoptionModel(scenario, seed=5, n_farmers=2000)
    assert len(drawn_pasts) == len(once.regions.specs)  # the second model drew none in the laws' pass
    assert np.array_equal(once.farms.bundle, twice.farms.bundle)
    assert np.array_equal(once.farms.years_in_use, twice.farms.years_in_use)
    assert np.array_equal(once.farms.belief_mean, twice.farms.belief_mean)
    for name in ("stock_t_c_per_ha", "target_t_c_per_ha", "rate_t_c_per_ha_yr", "years_left"):
        assert np.array_equal(getattr(once.soil, name), getattr(twice.soil, name)), name


def former_tier1_live_through(soil: Tier1Soil, bundles: np.ndarray, history: np.ndarray) -> Tier1Soil:
    """Tier 1's replay of the pasts as it was at main d748707: H NumPy passes of ``set_management`` and
    ``advance_year`` over the farms that changed bundle (its state is written to a copy of ``soil``)."""
    out = object.__new__(Tier1Soil)
    out.__dict__.update({k: v.copy() if isinstance(v, np.ndarray) else v for k, v in vars(soil).items()})
    target = out.equilibrium_table[out.region, bundles]
    out.stock_t_c_per_ha, out.target_t_c_per_ha = target.copy(), target
    out.rate_t_c_per_ha_yr, out.years_left = np.zeros(target.size), np.zeros(target.size, np.int16)
    changed = np.flatnonzero((history != bundles[:, None]).any(axis=1))
    path = np.column_stack([history[changed], bundles[changed]])
    past = object.__new__(Tier1Soil)
    past.transition_years, past.equilibrium_table = out.transition_years, out.equilibrium_table
    past.region = out.region[changed]
    oldest = out.equilibrium_table[past.region, path[:, 0]]
    past.stock_t_c_per_ha, past.target_t_c_per_ha = oldest.copy(), oldest
    past.rate_t_c_per_ha_yr, past.years_left = np.zeros(changed.size), np.zeros(changed.size, np.int16)
    everyone = np.arange(changed.size)
    for year in range(1, path.shape[1]):
        past.set_management(everyone, path[:, year])
        past.advance_year()
    for name in ("stock_t_c_per_ha", "target_t_c_per_ha", "rate_t_c_per_ha_yr", "years_left"):
        getattr(out, name)[changed] = getattr(past, name)
    return out


@pytest.mark.parametrize("threads", [1, 2])
def test_tier1_replays_pasts_in_one_pass_as_its_yearly_rules_bit_for_bit(threads):
    """Tier 1 lives through the farms' pasts farm by farm in one compiled pass (``tier1_live_through``); its stocks,
    targets, rates and years left equal, to the last bit, those of H yearly passes of ``set_management`` and
    ``advance_year`` (the replay it replaced), on 3,000 farms of three regions: pasts from sticky random walks over
    all 16 bundles (spells of every length, changes less than D apart and more), a fifth of them never changed."""
    from sim import parallel

    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    rng = np.random.default_rng(3)
    m = 3000
    region = rng.integers(0, len(scenario.regions), m).astype(np.int16)
    path = np.empty((m, H + 1), np.uint8)
    path[:, 0] = rng.integers(0, 16, m)
    for year in range(1, H + 1):
        stay = rng.random(m) < 0.9
        path[:, year] = np.where(stay, path[:, year - 1], rng.integers(0, 16, m))
    steady = rng.random(m) < 0.2
    path[steady] = path[steady, -1:]
    bundles, history = path[:, -1].copy(), path[:, :-1].copy()
    before = parallel.threads()
    parallel.set_threads(threads)
    try:
        soil = Tier1Soil(scenario, region, bundles, np.zeros(m), history)
    finally:
        parallel.set_threads(before)
    former = former_tier1_live_through(soil, bundles, history)
    assert 0 < (former.years_left > 0).sum() < m  # transitions under way and finished ones
    for name in ("stock_t_c_per_ha", "target_t_c_per_ha", "rate_t_c_per_ha_yr", "years_left"):
        got, want = getattr(soil, name), getattr(former, name)
        assert got.dtype == want.dtype and np.array_equal(got.view(np.uint8), want.view(np.uint8)), name
