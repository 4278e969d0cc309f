"""Issue 8: seed figures from the "4 per 1000" forum (the calibration's own tests are in test_calibration.py)."""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.units import CO2_PER_C, soc_pct_to_t_c_per_ha, usd_per_t_c_to_per_t_co2
from sim.yields import soc_yield_potential


def test_societal_value_of_soil_carbon():
    """USD 130 per t C = USD 35 per t CO2 (35.45); 0.5 t C/ha/yr is worth USD 65/ha/yr."""
    assert usd_per_t_c_to_per_t_co2(130.0) == pytest.approx(35.45, abs=0.01)
    assert 0.5 * CO2_PER_C * usd_per_t_c_to_per_t_co2(130.0) == pytest.approx(65.0, abs=1e-9)


def test_default_yield_response_is_within_the_seed_range_in_degraded_soils():
    """+10 t C/ha below the ~2 % SOC plateau raises yield by 400-1,000 kg/ha in every base region."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    for name, region in scenario.regions.items():
        plateau = soc_pct_to_t_c_per_ha(region.soc_plateau_pct, region.bulk_density_g_cm3, scenario.soil.depth_cm)
        degraded = plateau - 15.0
        gain = soc_yield_potential(np.array([degraded + 10.0]), region.base_yield_kg_per_ha,
                                   region.yield_response_kg_per_t_c, degraded, plateau)[0] - region.base_yield_kg_per_ha
        assert 400.0 <= gain <= 1000.0, (name, gain)
