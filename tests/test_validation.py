"""Issue 8: seed figures from the "4 per 1000" forum (the calibration's own tests are in test_calibration.py)."""

import pytest

from sim.units import CO2_PER_C


def test_societal_value_of_soil_carbon():
    """USD 130 per t C = USD 35 per t CO2 (35.45; docs/evidence.md's carbon_price_35); 0.5 t C/ha/yr is worth USD 65/ha/yr."""
    per_t_co2 = 130.0 / CO2_PER_C
    assert per_t_co2 == pytest.approx(35.45, abs=0.01)
    assert 0.5 * CO2_PER_C * per_t_co2 == pytest.approx(65.0, abs=1e-9)
