"""Every scenario file in scenarios/ validates and runs (small population, a few years)."""

import math

import pytest
from conftest import SCENARIOS

import sim

FILES = sorted(SCENARIOS.glob("*.toml"))


def test_there_are_scenarios():
    assert len(FILES) >= 2


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_scenario_validates_and_runs(path):
    scenario = sim.load_scenario(path)
    assert scenario.description.strip(), f"{path.name}: say in `description` what question it answers"
    model = sim.AdoptionModel(scenario, n_farmers=400)
    model.run_for(4)
    table = model.results()
    assert len(table) == 5 * (len(scenario.regions) + 1)
    final = table[table.region == "all"].iloc[-1]
    assert math.isfinite(final.soc_mean_t_c_per_ha) and math.isfinite(final.income_mean)
