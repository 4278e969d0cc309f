"""The textbook rules as analytic checks: Bass diffusion (discrete recursion) and Granovetter's thresholds."""

import numpy as np
import pytest
from conftest import TEST_SCENARIOS, bass_recursion

import sim


def test_bass_recursion_value_from_issue():
    assert bass_recursion(0.03, 0.38, 5)[5] == pytest.approx(0.272907, abs=5e-7)


def test_bass_fully_mixed_follows_the_discrete_recursion():
    """Mean over 40 seeds of 20,000 fully mixed farmers.

    Early binomial noise is amplified by the imitation term, so one run's F(t) has a between-seed sd of up
    to 0.0075 (measured, at t = 7); the mean of 40 seeds has sd <= 0.0012. The finite-N bias (neighbour
    share A/(N-1) instead of F) is below 1e-4. Tolerance 0.005, about 4 standard errors."""
    path = TEST_SCENARIOS / "bass_mixed.toml"
    scenario = sim.load_scenario(path)
    expected = bass_recursion(0.03, 0.38, 10)
    runs = []
    for seed in range(40):
        model = sim.AdoptionModel(scenario, seed=seed, n_farmers=20_000, create_agents=False)
        model.run()
        table = model.results()
        runs.append(table[table.region == "all"]["target_bundle_share"].to_numpy())
    mean = np.mean(runs, axis=0)
    assert mean[0] == 0.0
    assert np.max(np.abs(mean - expected)) < 0.005
    assert mean[5] == pytest.approx(0.272907, abs=0.005)


def _granovetter_model(write_scenario, thresholds_in_adopters):
    path = write_scenario(
        """
        years = 100
        [decision]
        rule = "threshold"
        target_bundle = "full_ca"
        [decision.threshold]
        mean = 0.5
        sd = 0.0
        [network]
        kind = "complete"
        """,
        extends=str(TEST_SCENARIOS / "one_region.toml"),
    )
    model = sim.AdoptionModel(sim.load_scenario(path), seed=0, n_farmers=100)
    # thresholds as numbers of other adopters, expressed as a share of the 99 others
    model.params.threshold[:] = np.asarray(thresholds_in_adopters, dtype=np.float64) / 99
    model.run()
    return int((model.state.bundle == 15).sum())


def test_granovetter_uniform_thresholds_everyone_adopts(write_scenario):
    assert _granovetter_model(write_scenario, range(100)) == 100


def test_granovetter_one_changed_threshold_stops_the_cascade(write_scenario):
    thresholds = list(range(100))
    thresholds[1] = 2
    assert _granovetter_model(write_scenario, thresholds) == 1
