"""Same scenario + seed -> identical outputs; different seeds -> different outputs."""

import pandas as pd
from conftest import SCENARIOS

import sim


def run(seed: int) -> pd.DataFrame:
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), seed=seed, n_farmers=2000,
                              create_agents=False)
    model.run_for(8)
    return model.results()


def test_same_seed_identical():
    pd.testing.assert_frame_equal(run(7), run(7), check_exact=True)


def test_different_seeds_differ():
    a, b = run(7), run(8)
    assert not a["income_mean"].equals(b["income_mean"])
    assert not a["no_till_share"].equals(b["no_till_share"])


def test_default_seed_is_the_scenarios():
    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")
    assert sim.AdoptionModel(scenario, n_farmers=50, create_agents=False).seed == scenario.seed
