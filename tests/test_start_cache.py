"""The equilibrium start's cache (sim.behaviour.start_cache): reused only when every number the fit reads is equal."""

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from sim.behaviour import start_cache
from sim.scenario import scenario_with_overrides

FARMERS = 600  # a few hundred farms per region: each fit runs on all of them, a fraction of a second


@pytest.fixture
def scenario():
    start_cache.clear()
    yield sim.load_scenario(SCENARIOS / "carbon_price_35.toml")
    start_cache.clear()


def build(scenario, seed=5):
    return sim.AdoptionModel(scenario, seed=seed, n_farmers=FARMERS)


def test_a_policy_that_does_not_enter_the_start_reuses_it_and_changes_nothing_else(scenario):
    """A carbon price does not enter the start (no incentives in the chain): the second model finds every region's fit
    in the cache, and its results equal, bit for bit, those of the same model built with an empty cache."""
    build(scenario)
    entries = len(start_cache._entries)
    assert entries == len(scenario.regions)
    dearer = scenario_with_overrides(scenario, {"carbon.price.path.value": 80.0})
    cached = build(dearer)
    assert len(start_cache._entries) == entries
    start_cache.clear()
    fresh = build(dearer)
    assert len(start_cache._entries) == entries
    cached.run_for(3)
    fresh.run_for(3)
    pd.testing.assert_frame_equal(cached.results(), fresh.results(), check_exact=True)
    assert np.array_equal(cached.rule.constants, fresh.rule.constants)


@pytest.mark.parametrize("override", [{"regions.latin_america.risk_aversion": 2.5}, {"decision.rule.noise_share": 0.3},
                                      {"decision.unused_combination_share": 0.05}])
def test_an_input_that_enters_the_start_changes_the_key(scenario, override):
    """Risk aversion (one region's valuation), the logit noise and the target's smoothing each enter the fit: a
    changed value is a new key for the regions it touches (one region or all), never a stale hit."""
    build(scenario)
    before = set(start_cache._entries)
    build(scenario_with_overrides(scenario, override))
    new = set(start_cache._entries) - before
    assert len(new) == (1 if override.keys() == {"regions.latin_america.risk_aversion"} else len(scenario.regions))


def test_a_bypassed_cache_is_neither_read_nor_written_and_changes_nothing(scenario):
    """Within ``bypassed`` (a sweep whose runs all have their own seed) a start neither stores its fits nor finds
    them: the model built there equals, bit for bit, one built from the cache's entry of the same fits."""
    with start_cache.bypassed():
        alone = build(scenario)
    assert not start_cache._entries
    build(scenario)
    with start_cache.bypassed(False):  # only when asked
        cached = build(scenario)
    assert len(start_cache._entries) == len(scenario.regions)
    alone.run_for(2)
    cached.run_for(2)
    pd.testing.assert_frame_equal(alone.results(), cached.results(), check_exact=True)


def test_overlapping_bypasses_turn_the_cache_back_on_when_the_last_one_ends():
    """Two batches on one worker's threads may enter and leave ``bypassed`` in any order (referee 19: the second
    restored the first's 'bypassed' as it left, so the cache stayed off for the process's life)."""
    first, second = start_cache.bypassed(), start_cache.bypassed()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not start_cache.active()  # the second batch is still inside
    second.__exit__(None, None, None)
    assert start_cache.active()


def test_a_plan_says_whether_its_runs_share_seeds(scenario):
    """A Sobol design gives every run its own seed (the cache is bypassed); replicates of two scenarios of the same
    seed share theirs (a run may find the other scenario's start)."""
    from experiments.plan import make_plan

    prices = np.array([[10.0], [20.0], [30.0]])
    plan = make_plan("casim", {"s": scenario}, ("carbon.price.path.value",), {"s": prices}, 1, FARMERS, 2, "sobol")
    assert not any(batch.seeds_shared for batch in plan.batches())
    nothing = np.zeros((1, 0))
    two = make_plan("casim", {"a": scenario, "b": scenario}, (), {"a": nothing, "b": nothing}, 2, FARMERS, 2)
    assert all(batch.seeds_shared for batch in two.batches())


def test_another_seed_is_another_population_and_another_key(scenario):
    build(scenario, seed=5)
    build(scenario, seed=6)
    assert len(start_cache._entries) == 2 * len(scenario.regions)


def test_keys_see_dtype_shape_and_values():
    def key(*values):
        return start_cache.Key().add(*values).digest()

    a = np.arange(6.0)
    assert key(a) == key(a.copy())
    assert key(a) != key(a.astype(np.float32)) != key(a.reshape(2, 3))
    assert key(a) != key(a + np.r_[0, 0, 0, 0, 0, 1e-12])
    assert key(1.0) != key(1) != key(True)
    with pytest.raises(TypeError):
        key(object())


def test_a_start_whose_regions_do_not_fit_together_is_not_keyed(scenario, monkeypatch):
    """With room for any one region's entry (laws (m, K), float64) but not for all of them, a
    rebuild of the same model would find its first regions pushed out by its last (oldest out first): no region is
    keyed nor stored (at 1 M farmers the keys cost 0.6 s for no hit), and the model is the one the cache gives."""
    from sim.farmers import Regions, initial_counts

    regions = Regions.of(scenario, FARMERS)
    entries = [size * initial_counts(spec, int(size))[0].size * 8
               for spec, size in zip(regions.specs, regions.sizes, strict=True)]  # with a few demonstration farms
    monkeypatch.setattr(start_cache, "MAX_BYTES", (max(entries) + sum(entries)) // 2)  # short by about a region
    assert max(entries) <= start_cache.MAX_BYTES

    def refuse():
        raise AssertionError("a start that cannot be cached was keyed")

    monkeypatch.setattr(start_cache, "Key", refuse)
    alone = build(scenario)
    assert not start_cache._entries
    monkeypatch.undo()
    cached = build(scenario)
    assert len(start_cache._entries) == len(scenario.regions)
    alone.run_for(2)
    cached.run_for(2)
    pd.testing.assert_frame_equal(alone.results(), cached.results(), check_exact=True)
