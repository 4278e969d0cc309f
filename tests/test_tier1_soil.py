"""IPCC Tier 1 soil carbon against the worked example in shared/reference/README.md, the published tables and the
IPCC definitions of the carbon-input categories."""

import csv

import numpy as np
import pytest
from conftest import SCENARIOS, SHARED_REFERENCE, TEST_SCENARIOS

import sim
from sim.ipcc import input_level, tier1_tables
from sim.practices import parse_bundle
from sim.soil import Tier1Soil
from sim.soil.tier1 import management_categories

#: The ODD's worked region: tropical moist, LAC soil, residues returned, soybean (N-fixing) -> 'medium' input.
WORKED = "latin_america"
FULL_TILL_MEDIUM, NO_TILL_MEDIUM = 31.54, 34.694  # 38 x 0.83 and 38 x 0.83 x 1.10 (shared/reference/README.md)


def soil_of(scenario, region_name, bundles, seasons=None):
    """Tier 1 soil of farms of one region using ``bundles`` (masks) for ``seasons`` seasons (0: conventional)."""
    r = list(scenario.regions).index(region_name)
    bundles = np.asarray(bundles, np.uint8)
    seasons = np.zeros(bundles.size, np.int64) if seasons is None else np.asarray(seasons)
    return Tier1Soil(scenario, np.full(bundles.size, r, np.int16), bundles, seasons)


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
    scenario = sim.load_scenario(TEST_SCENARIOS / "one_region.toml")
    soil = Tier1Soil(scenario, np.zeros(1, np.int16), np.zeros(1, np.uint8), np.zeros(1, np.int64))
    soil.set_management(np.array([0]), np.array([1], np.uint8))  # no-till
    for _ in range(10):
        soil.advance_year()
    halfway = soil.stock_t_c_per_ha[0]
    assert halfway == pytest.approx((31.54 + 34.694) / 2, abs=1e-12)
    soil.set_management(np.array([0]), np.array([0], np.uint8))  # back to full tillage
    for _ in range(20):
        soil.advance_year()
    assert soil.stock_t_c_per_ha[0] == pytest.approx(31.54, abs=1e-12)


@pytest.mark.parametrize(("residues", "n_supplied", "low_residue", "c_increasing", "expected"), [
    (False, True, False, True, "low"),  # residues removed (collected, burnt, grazed): low whatever else
    (True, True, False, False, "medium"),  # all residues returned + N (fertiliser or N-fixing crop)
    (True, False, False, False, "low"),  # residues returned, no N, nothing adding carbon
    (True, True, True, False, "low"),  # low-residue crop or bare fallow
    (True, False, False, True, "medium"),  # no N, but a practice adding carbon input
    (True, True, True, True, "medium"),  # bare fallow / low-residue crop + a carbon-adding practice
    (True, True, False, True, "high_without_manure"),  # medium + a carbon-adding practice (cover crop)
])
def test_input_level_follows_the_ipcc_definitions(residues, n_supplied, low_residue, c_increasing, expected):
    """IPCC 2006/2019 Vol. 4 Table 5.5 notes (as the HESTIA engine's IPCC 2019 Tier 1 decision rules state them)."""
    assert input_level(residues, n_supplied, low_residue, c_increasing) == expected


def test_categories_of_the_base_regions():
    """Residue retention changes nothing where residues are returned; rotation brings the legume (N) SSA lacks."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    expect = {  # bundle -> input level, per region
        "latin_america": {"conventional": "medium", "residue_retention": "medium", "rotation": "medium",
                          "no_till+cover_crops+residue_retention": "high_without_manure"},
        "africa_moist": {"conventional": "low", "residue_retention": "medium", "cover_crops": "low",
                         "no_till+cover_crops+residue_retention": "high_without_manure"},
        "africa_dry": {"conventional": "low", "residue_retention": "low", "residue_retention+rotation": "medium",
                       "no_till+cover_crops+residue_retention": "medium", "full_ca": "high_without_manure"},
    }
    for name, bundles in expect.items():
        tillage, inputs = management_categories(scenario, scenario.regions[name])
        for bundle, level in bundles.items():
            assert inputs[parse_bundle(bundle)] == level, (name, bundle)
        assert tillage[parse_bundle("no_till")] == "no_till" and tillage[0] == "full_till"


def test_no_till_with_residues_gains_the_ipcc_worked_example_in_the_worked_region():
    """No-till + residue retention in Latin America: 31.54 -> 34.694 t C/ha, +0.1577 t C/ha/yr for 20 years (the
    IPCC worked example), not more: residues were already returned."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    soil = soil_of(scenario, WORKED, [0])
    soil.set_management(np.array([0]), np.array([parse_bundle("no_till+residue_retention")], np.uint8))
    gains = [soil.advance_year()[0] for _ in range(22)]
    assert np.allclose(gains[:20], (NO_TILL_MEDIUM - FULL_TILL_MEDIUM) / 20, atol=1e-12)
    assert gains[0] == pytest.approx(0.1577, abs=1e-12)
    assert gains[20:] == [0.0, 0.0]


def test_residue_retention_alone_gains_nothing_where_residues_are_returned():
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    soil = soil_of(scenario, WORKED, [0])
    soil.set_management(np.array([0]), np.array([parse_bundle("residue_retention")], np.uint8))
    assert all(soil.advance_year()[0] == 0.0 for _ in range(20))
    assert soil.stock_t_c_per_ha[0] == FULL_TILL_MEDIUM


def test_adding_rotation_to_a_bundle_does_not_slow_the_stocks_approach():
    """No-till + residues for 10 years, then rotation added (same IPCC categories, same equilibrium): the stock keeps
    its rate and lands on 34.694 in year 20, exactly as a farm that never added rotation (a restart would leave it
    at 31.54 + 0.1577 x 10 + (34.694 - 33.117) / 20 x 10 = 33.906)."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    nt_r, with_rotation = parse_bundle("no_till+residue_retention"), parse_bundle("no_till+residue_retention+rotation")
    soil = soil_of(scenario, WORKED, [0, 0])
    soil.set_management(np.array([0, 1]), np.array([nt_r, nt_r], np.uint8))
    paths = []
    for year in range(25):
        if year == 10:
            soil.set_management(np.array([1]), np.array([with_rotation], np.uint8))
        soil.advance_year()
        paths.append(soil.stock_t_c_per_ha.copy())
    paths = np.array(paths)
    assert np.array_equal(paths[:, 0], paths[:, 1])
    assert paths[19, 1] == pytest.approx(NO_TILL_MEDIUM, abs=1e-12)


def test_a_change_of_equilibrium_still_restarts_from_the_current_stock():
    """Cover crops added 10 years into no-till + residues raise the equilibrium (medium -> high input): a new 20-year
    transition from the current stock (the HESTIA rule: a new regime when a category changes)."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    soil = soil_of(scenario, WORKED, [0])
    soil.set_management(np.array([0]), np.array([parse_bundle("no_till+residue_retention")], np.uint8))
    for _ in range(10):
        soil.advance_year()
    halfway = soil.stock_t_c_per_ha[0]
    assert halfway == pytest.approx((FULL_TILL_MEDIUM + NO_TILL_MEDIUM) / 2, abs=1e-12)
    soil.set_management(np.array([0]), np.array([parse_bundle("no_till+cover_crops+residue_retention")], np.uint8))
    high = soil.equilibrium_table[0, parse_bundle("no_till+cover_crops+residue_retention")]
    assert high == pytest.approx(NO_TILL_MEDIUM * 1.11, abs=1e-12)  # F_I high without manure, tropical moist
    gains = [soil.advance_year()[0] for _ in range(20)]
    assert np.allclose(gains, (high - halfway) / 20, atol=1e-12)


@pytest.mark.parametrize("seasons", [1, 7, 19, 20, 30])
def test_existing_adopters_start_where_their_seasons_of_use_took_them(seasons):
    """A farm in no-till + residues for s seasons at the start: s/20 of the way from 31.54 to 34.694, then 20 - s
    more equal steps to the equilibrium (none when s >= 20)."""
    scenario = sim.load_scenario(SCENARIOS / "base.toml")
    soil = soil_of(scenario, WORKED, [parse_bundle("no_till+residue_retention")], [seasons])
    step = (NO_TILL_MEDIUM - FULL_TILL_MEDIUM) / 20
    assert soil.stock_t_c_per_ha[0] == pytest.approx(FULL_TILL_MEDIUM + min(seasons, 20) * step, abs=1e-12)
    gains = np.array([soil.advance_year()[0] for _ in range(25)])
    left = max(20 - seasons, 0)
    assert np.allclose(gains[:left], step, atol=1e-12) and np.all(gains[left:] == 0.0)
    assert soil.stock_t_c_per_ha[0] == pytest.approx(NO_TILL_MEDIUM, abs=1e-12)


def test_an_as_given_start_puts_existing_adopters_at_their_seasons_of_use(write_scenario):
    """Started as given (no behavioural equilibrium, so no drawn past: adopters took up their bundle 1-10 seasons ago
    after conventional practice), initial adopters' stocks match their seasons of use, not their equilibrium:
    s/20 of the way from the conventional equilibrium."""
    path = write_scenario('[decision]\nstart = "as_given"\n')
    model = sim.AdoptionModel(sim.load_scenario(path), seed=3, n_farmers=400)
    r = model.regions.names.index(WORKED)
    rows = np.arange(model.regions.start[r], model.regions.start[r] + model.regions.sizes[r])
    bundle, seasons = model.farms.bundle[rows], model.farms.years_in_use[rows].max(axis=1)
    expected = model.soil.stock_after_seasons(0)[r, 0] + np.minimum(seasons, 20) / 20 * (
        model.soil.equilibrium_table[r, bundle] - model.soil.equilibrium_table[r, 0])
    assert np.allclose(model.soil.stock_t_c_per_ha[rows], expected, atol=1e-12)
    adopters = bundle == parse_bundle("no_till+residue_retention")
    assert adopters.any() and np.all(model.soil.stock_t_c_per_ha[rows][adopters] < NO_TILL_MEDIUM)


def test_an_equilibrium_start_puts_farms_where_their_drawn_past_left_them():
    """The base scenario starts in behavioural equilibrium: each farm's past is drawn from its own chain, so farms
    using no-till for 20 seasons or more are at the no-till equilibrium, younger ones on their way from wherever
    their past left them (above the conventional equilibrium only if they used no-till before: not necessarily
    s/20 of the way), and conventional farms that used no-till in the past still hold some of its carbon."""
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "base.toml"), seed=3, n_farmers=400)
    r = model.regions.names.index(WORKED)
    rows = np.arange(model.regions.start[r], model.regions.start[r] + model.regions.sizes[r])
    stock, bundle = model.soil.stock_t_c_per_ha[rows], model.farms.bundle[rows]
    seasons = model.farms.years_in_use[rows].max(axis=1)
    adopters = bundle == parse_bundle("no_till+residue_retention")
    young, old = adopters & (seasons < 20), adopters & (seasons >= 20)
    assert young.any() and np.all(stock[young] < NO_TILL_MEDIUM)
    assert old.any() and np.all(stock[old] == NO_TILL_MEDIUM)
    linear = FULL_TILL_MEDIUM + seasons / 20 * (NO_TILL_MEDIUM - FULL_TILL_MEDIUM)
    assert np.any(stock[young] > linear[young] + 1e-9)  # no-till before a break: not s/20 from conventional
    assert np.any((bundle == 0) & (stock > FULL_TILL_MEDIUM + 1e-9))


def test_a_baseline_input_the_management_does_not_give_is_a_clear_error(write_scenario):
    """africa_dry says 'low' input; claiming residues are returned with N supplied makes the IPCC rule give 'medium'."""
    from sim.scenario import ScenarioError

    body = "[regions.africa_dry]\nresidues_returned = true\nn_fertiliser_or_n_fixing_crop = true\n"
    with pytest.raises(ScenarioError, match=r"regions\.africa_dry.*baseline_input: 'low' does not follow from "
                                            r"residues_returned = true.*the IPCC rule gives 'medium'"):
        sim.load_scenario(write_scenario(body))


def fresh_equilibrium_table(scenario):
    """The Tier 1 table computed from the categories and factors, with no table kept between calls."""
    tables = tier1_tables(scenario.soil.factor_set)
    return np.array([[tables.equilibrium_t_c_per_ha(spec.climate, spec.soil, t, i)
                      for t, i in zip(*management_categories(scenario, spec), strict=True)]
                     for spec in scenario.regions.values()])


@pytest.mark.parametrize("override", [
    {"soil.factor_set": "2006", "carbon.mrv.approach.relative_sd": 0.275},  # the 2006 table has no uncertainties
    {"regions.latin_america.soil": "HAC"},
    {"regions.latin_america.climate": "warm_temperate_dry"},
    {"regions.latin_america.residues_returned": False, "regions.latin_america.baseline_input": "low"},
    {"practices.cover_crops.increases_carbon_input": False},
    {"practices.no_till.tillage_after": "reduced_till"},
    {"regions.africa_dry.n_fertiliser_or_n_fixing_crop": True},
    {"regions.latin_america.low_residue_crop_or_bare_fallow": True, "regions.latin_america.baseline_input": "low"},
    {"practices.rotation.adds_n_fixing_crop": False},
    {"practices.residue_retention.returns_residues": False},
])
def test_tables_kept_between_builds_are_those_of_their_inputs(override):
    """A table kept for the next build (sweeps build it three times a run) is the one its inputs give: each input it
    reads changes the key, a field it does not read (the seed) shares it, and callers get their own copy."""
    from experiments.runs import with_overrides
    from sim.soil.tier1 import equilibrium_table, table_inputs

    base = sim.load_scenario(SCENARIOS / "base.toml")
    changed = with_overrides(base, override)
    assert table_inputs(with_overrides(base, {"seed": base.seed + 1})) == table_inputs(base) != table_inputs(changed)
    for scenario in (base, changed, base):
        assert np.array_equal(equilibrium_table(scenario), fresh_equilibrium_table(scenario))
    assert not np.array_equal(equilibrium_table(changed), equilibrium_table(base))
    table = equilibrium_table(base)
    table[:] = 0.0
    assert np.array_equal(equilibrium_table(base), fresh_equilibrium_table(base))
