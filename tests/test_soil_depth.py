"""Referee 31 M1: ``soil.depth_cm`` is the depth the soil model's stock is for, never a label or a parameter.

A Tier 1 scenario took any depth from 0 to 100 cm: its 0-30 cm stock was charted as "0-60 cm", spectral MRV and the
yield plateau converted it over another soil mass, and a sensitivity analysis over the depth found SOC insensitive
to it. RothC's layer (``regions.<r>.rothc.depth_cm``) was not tied to the depth reported. Each refusal below names the
file, the field and what is expected.
"""

import pandas as pd
import pytest
from conftest import SCENARIOS, TEST_SCENARIOS, rothc_at_depth

import sim
from experiments.designs import read_design
from experiments.posterior import posterior_draws
from experiments.spec import ExperimentError
from sim import ScenarioError
from sim.ipcc import IPCC_DEPTH_CM
from sim.scenario import DEPTH_FIELD, scenario_with_overrides


def error_of(path) -> str:
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    return str(info.value)


@pytest.mark.parametrize("depth", [60.0, 0.3, 20.0])
def test_tier1_takes_only_the_ipcc_depth(write_scenario, depth):
    """60 cm relabelled the stock; 0.3 was 30 cm typed in metres."""
    assert IPCC_DEPTH_CM == 30.0  # IPCC 2019 Vol. 4, Tables 2.3 and 5.5: 0-30 cm
    message = error_of(write_scenario(f"[soil]\ndepth_cm = {depth}\n"))
    assert "scenario.toml: soil.depth_cm: model = 'ipcc_tier1' needs depth_cm = 30: the IPCC Tier 1 " in message
    assert "for 0-30 cm (IPCC 2019 Vol. 4, Tables 2.3 and 5.5)" in message and "relabel" in message
    assert message.endswith(f"(got {depth})")
    assert sim.load_scenario(write_scenario("[soil]\ndepth_cm = 30\n")).soil.depth_cm == IPCC_DEPTH_CM


def test_rothc_depth_must_be_every_regions_layer(tmp_path):
    """A 23 cm RothC layer in one region was reported as "0-30 cm" and matched to a 0-30 cm stock."""
    path = tmp_path / "rothc23.toml"
    path.write_text(f'extends = "{SCENARIOS / "rothc_baseline.toml"}"\n[regions.latin_america.rothc]\n'
                    "depth_cm = 23.0\n")
    assert error_of(path) == (f"invalid scenario:\n  {path}: regions.latin_america.rothc.depth_cm: 23 but "
                              "soil.depth_cm = 30; expected the same depth: RothC's pools are for the region's "
                              "rothc.depth_cm layer, and charts, report and spectral MRV label and convert the stock "
                              "as soil.depth_cm")
    scenario = sim.load_scenario(rothc_at_depth(tmp_path, 20.0, extends=SCENARIOS / "rothc_baseline.toml"))
    assert scenario.soil.depth_cm == 20.0
    assert {r.rothc.depth_cm for r in scenario.regions.values()} == {20.0}


def test_depth_is_no_uncertain_field(write_scenario):
    """An [uncertain] depth passed validation; the analysis would have found SOC insensitive to depth."""
    path = write_scenario('[uncertain]\n"soil.depth_cm" = { dist = "uniform", low = 20.0, high = 100.0 }\n',
                          extends=str(SCENARIOS / "carbon_price_35.toml"))
    message = error_of(path)
    assert f'scenario.toml: uncertain."{DEPTH_FIELD}": the depth is the one the soil model\'s stock is for, not a ' \
           "parameter: the Tier 1 stock is a 0-30 cm stock" in message
    assert "an analysis would find SOC insensitive to depth" in message


def test_depth_is_no_design_column_posterior_column_or_override(tmp_path):
    """Every path that varies a field refuses the depth, even at its own value (30 cm here)."""
    scenario = sim.load_scenario(TEST_SCENARIOS / "sweep_small.toml")
    design = tmp_path / "design.csv"
    design.write_text("soil.depth_cm,carbon.farmer_share\n30,0.5\n")
    with pytest.raises(ExperimentError, match="column 'soil.depth_cm': the depth is the one the soil model's stock is "
                                              "for, not a parameter") as info:
        read_design(design, scenario)
    assert str(design) in str(info.value)
    with pytest.raises(ScenarioError, match=r"^soil\.depth_cm: the depth is the one the soil model's stock is for"):
        scenario_with_overrides(scenario, {DEPTH_FIELD: 30.0})
    draws = tmp_path / "posterior.csv"
    pd.DataFrame({"draw": [0, 1], DEPTH_FIELD: [30.0, 30.0]}).to_csv(draws, index=False)
    calibrated = tmp_path / "calibrated.toml"
    calibrated.write_text(f'extends = "{TEST_SCENARIOS / "sweep_small.toml"}"\n[posterior]\nfile = "{draws}"\n'
                          "draws = 2\n")
    with pytest.raises(ExperimentError, match=f"posterior.file: column '{DEPTH_FIELD}' of .*posterior.csv: the depth "
                                              "is the one the soil model's stock is for"):
        posterior_draws(sim.load_scenario(calibrated))
