"""IPCC Tier 1 soil carbon against the worked example in shared/reference/README.md and the published tables."""

import csv

import numpy as np
import pytest
from conftest import SHARED_REFERENCE, TEST_SCENARIOS

import sim
from sim.ipcc import tier1_tables


def test_worked_example_equilibria_2019():
    tables = tier1_tables("2019")
    full_till = tables.equilibrium_t_c_per_ha("tropical_moist", "LAC", "full_till", "medium")
    no_till = tables.equilibrium_t_c_per_ha("tropical_moist", "LAC", "no_till", "medium")
    assert full_till == pytest.approx(31.54, abs=1e-9)  # 38 x 0.83
    assert no_till == pytest.approx(34.694, abs=1e-9)  # 38 x 0.83 x 1.10 = 34.69 in the worked example
    assert (no_till - full_till) / 20 == pytest.approx(0.1577, abs=1e-9)  # "0.158 t C/ha/yr"


def test_2006_set_differs_as_documented():
    tables = tier1_tables("2006")
    assert tables.f_mg["tropical_moist", "no_till"] == 1.22
    assert tables.f_lu["tropical_moist"] == 0.48
    # reduced till below 1 in dry climates is a real loss in 2019 and must not be floored
    assert tier1_tables("2019").f_mg["tropical_dry", "reduced_till"] == 0.99


def test_shipped_2019_tables_equal_shared_reference():
    def rows(path):
        with open(path) as fh:
            return [r for r in csv.reader(line for line in fh if not line.startswith("#"))]

    from importlib.resources import files

    for name in ("ipcc_tier1_2019.csv", "ipcc_soc_ref_2019.csv"):
        shipped = files("sim.data").joinpath(name)
        assert rows(shipped) == rows(SHARED_REFERENCE / name)


def test_model_moves_linearly_to_no_till_equilibrium_then_stops(write_scenario):
    """Everyone switches to no-till in year 1: +0.1577 t C/ha/yr for exactly 20 years, then 0."""
    path = write_scenario(
        """
        years = 25
        [decision]
        target_bundle = "no_till"
        [decision.rule]
        kind = "threshold"
        mean = 0.0
        sd = 0.0
        """,
        extends=str(TEST_SCENARIOS / "one_region.toml"),
    )
    model = sim.AdoptionModel(sim.load_scenario(path), seed=1, n_farmers=200)
    stocks = [model.soil.stock_t_c_per_ha.copy()]
    for _ in range(25):
        model.step()
        stocks.append(model.soil.stock_t_c_per_ha.copy())
    stocks = np.array(stocks)
    assert np.all(stocks[0] == pytest.approx(31.54, abs=1e-12))
    gains = np.diff(stocks, axis=0)
    assert np.allclose(gains[:20], (34.694 - 31.54) / 20, atol=1e-12)
    assert np.all(gains[20:] == 0.0)
    assert np.allclose(stocks[20:], 34.694, atol=1e-12)
    table = model.results()
    everyone = table[table.region == "all"].set_index("year")
    co2 = everyone.loc[2045, "co2e_stored_cum_t"] / everyone.loc[2045, "area_ha"]
    assert co2 == pytest.approx((34.694 - 31.54) * 44 / 12, rel=1e-9)  # 0.578 t CO2/ha/yr x 20


def test_switch_during_transition_restarts_from_current_stock():
    from sim.soil import Tier1Soil

    scenario = sim.load_scenario(TEST_SCENARIOS / "one_region.toml")
    soil = Tier1Soil(scenario, np.zeros(1, np.int16), np.zeros(1, np.uint8))
    soil.set_management(np.array([0]), np.array([1], np.uint8))  # no-till
    for _ in range(10):
        soil.advance_year()
    halfway = soil.stock_t_c_per_ha[0]
    assert halfway == pytest.approx((31.54 + 34.694) / 2, abs=1e-12)
    soil.set_management(np.array([0]), np.array([0], np.uint8))  # back to full tillage
    for _ in range(20):
        soil.advance_year()
    assert soil.stock_t_c_per_ha[0] == pytest.approx(31.54, abs=1e-12)
