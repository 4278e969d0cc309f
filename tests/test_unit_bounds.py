"""Referee 31 m1: values in a wrong unit passed without a word (a yield in t/ha, a price per kg, a cover crop in kg
DM/ha, clay and SOC as fractions). Each is now outside its field's plausibility bounds (``sim.scenario.farms``, with
their sources in the fields' descriptions), and the error names the file, the field and the bound, and (referee 32
m3) the unit the field is in and the unit the value was likely written in."""

import pytest
from conftest import SCENARIOS

import sim
from sim import ScenarioError
from sim.scenario import scenario_with_overrides
from sim.scenario.farms import (
    MAX_COVER_CROP_SHOOT_DM_T_PER_HA,
    MAX_SOC_PLATEAU_PCT,
    MAX_YIELD_KG_PER_HA,
    MIN_CLAY_PCT,
    MIN_CROP_PRICE_PER_T,
    MIN_SOC_PLATEAU_PCT,
    MIN_YIELD_KG_PER_HA,
)

#: (table, field, the value a wrong unit gives, the bound it crosses, the hint): the referee's files in bad/. Where
#: the value converted from the likely unit is plausible, the hint gives it.
WRONG_UNITS = [
    ("regions.latin_america", "base_yield_kg_per_ha", 3.3, f"greater than or equal to {MIN_YIELD_KG_PER_HA:g}",
     "base_yield_kg_per_ha is in kg/ha: 3.3 looks like t/ha (3,300 kg/ha)"),
    ("regions.latin_america", "base_yield_kg_per_ha", 90.0, f"greater than or equal to {MIN_YIELD_KG_PER_HA:g}",
     "base_yield_kg_per_ha is in kg/ha (a value in t/ha would be x 1,000)"),
    ("regions.latin_america", "base_yield_kg_per_ha", 33_000.0, f"less than or equal to {MAX_YIELD_KG_PER_HA:g}",
     "base_yield_kg_per_ha is in kg/ha: 33000.0 looks like hg/ha (3,300 kg/ha)"),
    ("regions.latin_america", "crop_price_per_t", 0.38, f"greater than or equal to {MIN_CROP_PRICE_PER_T:g}",
     "crop_price_per_t is in currency units per t: 0.38 looks like a price per kg (380 per t)"),
    ("regions.latin_america.rothc", "cover_crop_shoot_dm_t_per_ha", 3300.0,
     f"less than or equal to {MAX_COVER_CROP_SHOOT_DM_T_PER_HA:g}",
     "cover_crop_shoot_dm_t_per_ha is in t DM/ha: 3300.0 looks like kg DM/ha (3.3 t DM/ha)"),
    ("regions.latin_america.rothc", "clay_pct", 0.45, f"greater than or equal to {MIN_CLAY_PCT:g}",
     "clay_pct is in %: 0.45 looks like a fraction (45 %)"),
    ("regions.latin_america.rothc", "clay_pct", 450.0, "less than or equal to 100",
     "clay_pct is in %: 450.0 looks like g/kg (45 %)"),
    ("regions.latin_america", "soc_plateau_pct", 0.02, f"greater than or equal to {MIN_SOC_PLATEAU_PCT:g}",
     "soc_plateau_pct is in % SOC: 0.02 looks like a fraction (2 % SOC)"),
    ("regions.latin_america", "soc_plateau_pct", 12.5, f"less than or equal to {MAX_SOC_PLATEAU_PCT:g}",
     "soc_plateau_pct is in % SOC: 12.5 looks like g C/kg (1.25 % SOC)"),
]


@pytest.mark.parametrize("extends", ["base.toml", "rothc_baseline.toml"])
@pytest.mark.parametrize("table, field, value, bound, hint", WRONG_UNITS)
def test_a_value_in_a_wrong_unit_is_refused_naming_file_field_bound_and_likely_unit(write_scenario, extends, table,
                                                                                   field, value, bound, hint):
    path = write_scenario(f"[{table}]\n{field} = {value}\n", extends=str(SCENARIOS / extends))
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    assert str(info.value) == (f"invalid scenario:\n  {path}: {table}.{field}: Input should be {bound} (got {value})"
                               f"; {hint}")


def test_an_override_in_a_wrong_unit_gets_the_hint_too():
    """A sweep's or an [uncertain] field's value is checked by the same bounds, and told the same."""
    base = sim.load_scenario(SCENARIOS / "base.toml")
    with pytest.raises(ScenarioError, match=r"clay_pct is in %: 0.3 looks like a fraction \(30 %\)"):
        scenario_with_overrides(base, {"regions.africa_dry.rothc.clay_pct": 0.3})


def test_a_bound_without_a_unit_mistake_behind_it_gets_no_unit_guess_but_the_field_s_meaning(write_scenario):
    """Only the plausibility bounds guess a unit: a share above 1 is refused with what the field is, no guess."""
    path = write_scenario("[regions.latin_america]\nyield_cv = 1.5\n")
    with pytest.raises(ScenarioError) as info:
        sim.load_scenario(path)
    assert str(info.value).endswith("yield_cv: Input should be less than or equal to 1 (got 1.5); "
                                    "yield_cv: farm-level yield variation each year (cv)")
    assert "looks like" not in str(info.value)


def test_the_bounds_hold_every_shipped_value_and_the_ranges_they_cite(write_scenario):
    """The shipped values (1,000-7,000 kg/ha, 128-380 per t, 0.5-3.3 t DM, 8-45 % clay, 2 % plateau) load, and so do
    the ends of the ranges the bounds cite: Sahelian millet (400 kg/ha), irrigated maize's potential (18 t/ha), world
    maize at its lowest in dinars (23/t), a 20 t DM cover, a 2 % clay sand, a 1.1 % critical SOC and 10 % SOC."""
    for path in SCENARIOS.glob("*.toml"):
        sim.load_scenario(path)
    body = ("[regions.latin_america]\nbase_yield_kg_per_ha = {y}\ncrop_price_per_t = 23.0\nsoc_plateau_pct = {p}\n"
            "[regions.latin_america.rothc]\ncover_crop_shoot_dm_t_per_ha = 20.0\nclay_pct = 2.0\n")
    for y, p in ((400.0, 1.1), (18_000.0, 10.0)):
        region = sim.load_scenario(write_scenario(body.format(y=y, p=p))).regions["latin_america"]
        assert (region.base_yield_kg_per_ha, region.soc_plateau_pct) == (y, p)
    for table, field, value in [("regions.latin_america", "base_yield_kg_per_ha", MAX_YIELD_KG_PER_HA * 1.01),
                                ("regions.latin_america", "soc_plateau_pct", MAX_SOC_PLATEAU_PCT * 1.01)]:
        with pytest.raises(ScenarioError, match=f"{table}.{field}: Input should be less than or equal to"):
            sim.load_scenario(write_scenario(f"[{table}]\n{field} = {value}\n"))
