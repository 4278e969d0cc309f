"""Yields: practice effects by crop and climate from meta-analyses, long-run full CA against them, and an SOC
response that does not count the practices' own SOC effect twice."""

import numpy as np
import pytest
from conftest import SCENARIOS, TEST_SCENARIOS

import sim
from sim.practices import PRACTICES, parse_bundle
from sim.scenario import scenario_with_overrides
from sim.scenario.farms import moisture_class
from sim.units import grain_dry_matter_t_per_ha
from sim.yields import RegionYieldEffects, soc_yield_potential

#: Corbeels et al. 2020's "CA principles implemented concomitantly": minimum tillage, mulch and rotation (no cover crop)
THREE_PRINCIPLES = parse_bundle("no_till+residue_retention+rotation")

# Published numbers the defaults come from (each quoted where it was read; docs/evidence.md lists the sources).
#: Pittelkow et al. 2015, Field Crops Res. 183:156 (abstract): "the negative impacts of no-till were smallest for
#: wheat (-2.6%) and largest for rice (-7.5%) and maize (-7.6%)"; "No-till yields matched conventional tillage yields
#: for oilseed, cotton, and legume crop categories"; after 3-10 years no-till matched conventional tillage "except
#: for maize and wheat in humid climates".
NO_TILL_MAIZE, NO_TILL_WHEAT, NO_TILL_LEGUMES = -0.076, -0.026, 0.0
#: Pittelkow et al. 2015, Nature 517:365, as published (5,463 paired observations from 610 studies): no-till yields
#: 5.7 % lower on average, and 2.5 % lower when no-till was combined with residue retention and crop rotation. Both
#: numbers are read in a secondary summary of the paper (growingresiliencesd.com, "When does no-till work?"); the
#: abstract gives none. They come from one analysis, so their ratio is the synergy: (1 - 0.025) / (1 - 0.057) - 1 =
#: +3.4 %. Referee 33 m2: an earlier version's abstract (AGRIS record US201500107441: 5,551 observations from 613
#: studies) gave -4.7 % (95 % CI -5.7 to -3.7 %) and no figure for the three principles; its -4.7 % against the
#: published -2.5 % would mix two analyses (+2.3 %), so -5.7 % is the published mean, not that interval's lower end.
NO_TILL_ALONE, NO_TILL_WITH_RESIDUES_AND_ROTATION = -0.057, -0.025
#: PLoS One meta-analysis (PMC7185903): "crop residue return increases crop yields by 5.0%".
RESIDUE_RETURN = 0.050
#: Abdalla et al. 2019, Glob. Change Biol. 25:2530: cover crops reduce the main crop's yield by ~4 %; Garba et al.
#: 2022, Agron. Sustain. Dev. 42: -12 % after cover crops in dry climates.
COVER_OVERALL, COVER_DRY = -0.04, -0.12
#: Corbeels et al. 2020, Nature Food 1:447: "When CA principles are implemented concomitantly, maize yield increases
#: by 8.4%. The largest yield benefits from CA occur in combination with low rainfall".
SSA_MAIZE_FULL_CA = 0.084


@pytest.fixture(scope="module")
def base():
    return sim.load_scenario(SCENARIOS / "base.toml")


def test_defaults_carry_the_published_effects(base):
    """The crop table's no-till, synergy, residue and cover-crop effects are the meta-analytic numbers above."""
    crops = base.crops
    assert crops["maize"].humid.no_till.long_run == NO_TILL_MAIZE
    assert crops["wheat"].humid.no_till.long_run == NO_TILL_WHEAT
    for climate in ("humid", "dry"):
        soybean = getattr(crops["soybean"], climate)
        assert soybean.no_till.initial == soybean.no_till.long_run == NO_TILL_LEGUMES
        assert soybean.ca_synergy.long_run == 0.0  # legumes have no no-till penalty for residues and rotation to shrink
    for cereal in ("maize", "wheat"):
        assert crops[cereal].dry.no_till.long_run == 0.0  # matched after 3-10 years outside humid climates
        assert crops[cereal].dry.no_till.years <= 10
        for climate in ("humid", "dry"):  # the shrinking no-till gap: (1 - 0.025) / (1 - 0.057) - 1 = +3.4 %
            synergy = getattr(crops[cereal], climate).ca_synergy.long_run
            assert synergy == pytest.approx((1 + NO_TILL_WITH_RESIDUES_AND_ROTATION) / (1 + NO_TILL_ALONE) - 1, abs=5e-4)
    for crop in crops.values():
        assert crop.dry.residue_retention.long_run == RESIDUE_RETURN
        assert COVER_DRY <= crop.dry.cover_crops.long_run <= COVER_OVERALL


def long_run_effect(scenario, bundle=THREE_PRINCIPLES):
    """Long-run relative yield of ``bundle`` vs conventional in each region: practice multiplier x SOC potential at
    the bundle's equilibrium (no weather), from the model's own yield and soil objects."""
    model = sim.AdoptionModel(scenario, seed=1, n_farmers=60)
    y, soil = model.yields, model.soil
    multiplier = RegionYieldEffects.of(scenario).long_run_multipliers()[:, bundle]
    out = {}
    for r, (name, spec) in enumerate(scenario.regions.items()):
        potential = soc_yield_potential(soil.equilibrium_table[r, bundle], spec.base_yield_kg_per_ha,
                                        y.response_kg_per_t_c[r], y.low_t_c_per_ha[r, bundle],
                                        y.high_t_c_per_ha[r, bundle], y.plateau_t_c_per_ha[r])
        out[name] = multiplier[r] * potential / spec.base_yield_kg_per_ha - 1.0
    return out


#: Region -> (meta-analytic estimate for its crop and climate, what it is).
TARGETS = {
    "latin_america": (NO_TILL_LEGUMES, "soybean, humid: no-till legumes match conventional tillage (Pittelkow 2015 FCR)"),
    "africa_moist": (SSA_MAIZE_FULL_CA, "maize, sub-humid SSA, all CA principles (Corbeels et al. 2020)"),
}
#: Half-width of the interval, points of relative yield. The subgroup confidence intervals of these meta-analyses could
#: not be read here, so it is derived: the global no-till mean's 95 % interval was -5.7 to -3.7 % around -4.7 % with
#: 5,551 observations (Pittelkow et al., the earlier version in AGRIS; the published version's mean is -5.7 %, see
#: NO_TILL_ALONE, its interval unread), +-1 point; a crop x climate subgroup holds about 1/25 of
#: the observations (Corbeels et al. 2020: 933 in all, maize with all principles a fraction of them), and an interval
#: widens with 1/sqrt(n): +-1 x sqrt(25) = +-5 points.
HALF_WIDTH = 0.05


@pytest.mark.parametrize("model", ["ipcc_tier1", "rothc"])
def test_long_run_ca_yield_within_the_meta_analytic_interval(base, model):
    """CA's three principles once established (no-till + residues + rotation, the combination Corbeels et al. 2020
    pool; effects at their long-run values, SOC at the bundle's equilibrium) vs conventional, within HALF_WIDTH of
    the meta-analytic estimate of each region's crop and climate where one exists; the semi-arid region gains more
    than the sub-humid one and at least the pooled estimate's lower end (Corbeels et al. 2020: the largest gains at
    low rainfall; its low-rainfall subgroup's own estimate could not be read here, so no upper bound is tested:
    the model gives +14.0 %, from residues +5 %, rotation +5 % and the dry-climate synergy +3.4 %, docs/evidence.md).
    Referee 22: this test compared the four-practice bundle, whose dry cover-crop penalty (-5 %) brought the
    semi-arid +14.0 % down to +8.3 %, next to the estimate."""
    scenario = base.model_copy(update={"soil": base.soil.model_copy(update={"model": model})})
    effect = long_run_effect(scenario)
    for name, (estimate, what) in TARGETS.items():
        assert abs(effect[name] - estimate) <= HALF_WIDTH, (name, effect[name], what)
    assert effect["africa_dry"] > effect["africa_moist"] and effect["africa_dry"] >= SSA_MAIZE_FULL_CA - HALF_WIDTH


def test_each_regions_crop_and_climate_are_coherent(base):
    """The climate class that selects a region's yield effects (IPCC '_dry' zone or not) matches the aridity of its
    own monthly normals: P / PET < 0.65 is dry (Pittelkow et al. 2015), PET = 0.75 x open-pan evaporation."""
    for name, spec in base.regions.items():
        aridity = sum(spec.rothc.rain_mm) / (0.75 * sum(spec.rothc.evap_mm))
        assert (aridity < 0.65) == (moisture_class(spec.climate) == "dry"), (name, aridity)
    assert base.regions["africa_dry"].crop == "maize"  # the crop of the semi-arid southern African CA trials


def test_residue_retention_has_no_yield_effect_where_residues_are_already_returned(base):
    effects = RegionYieldEffects.of(base)
    residue = PRACTICES.index("residue_retention")
    for r, spec in enumerate(base.regions.values()):
        retained = spec.residues_returned
        assert (effects.initial[r, residue] == 0.0 and effects.long_run[r, residue] == 0.0) or not retained
    assert base.regions["latin_america"].residues_returned


def test_soc_response_counts_only_soc_the_practice_effects_do_not_contain(base):
    """With a slope of 20 kg/ha per t C/ha for soybean (Latin America, Tier 1, crop effects measured over 10
    seasons): no-till + residues adds 3.154 t C/ha over 20 years, half of it in the first 10 seasons, which the
    practice effects already contain. Within [conventional stock, stock after 10 seasons] the potential is the base
    yield; beyond, +20 kg/ha per t C; below the conventional stock, -20 kg/ha per t C; above the plateau, nothing."""
    scenario = scenario_with_overrides(base, {"crops.soybean.soc_yield_response_kg_per_t_c": 20.0})
    model = sim.AdoptionModel(scenario, seed=1, n_farmers=60)
    y, r, b = model.yields, list(scenario.regions).index("latin_america"), 0b0101
    conventional, after_10 = 31.54, 31.54 + 10 / 20 * (34.694 - 31.54)
    assert y.low_t_c_per_ha[r, b] == pytest.approx(conventional, abs=1e-9)
    assert y.high_t_c_per_ha[r, b] == pytest.approx(after_10, abs=1e-9)

    def potential(soc, bundle=b):
        return soc_yield_potential(soc, 3300.0, y.response_kg_per_t_c[r], y.low_t_c_per_ha[r, bundle],
                                   y.high_t_c_per_ha[r, bundle], y.plateau_t_c_per_ha[r])

    assert potential(conventional) == potential(32.5) == potential(after_10) == 3300.0
    assert potential(34.694) == pytest.approx(3300.0 + 20.0 * (34.694 - after_10), abs=1e-9)
    assert potential(29.54) == pytest.approx(3300.0 - 20.0 * 2.0, abs=1e-9)
    assert potential(1e3) == potential(y.plateau_t_c_per_ha[r])


def test_the_seeds_slope_is_a_sensitivity_the_response_can_express(base):
    """The forum's 400-1,000 kg/ha per 10 t C/ha in degraded soils (seed_figures.md) is a statement, not a meta-
    analysis: no crop uses it by default; set as a slope, +10 t C/ha beyond what the practices contain and below the
    plateau gives exactly 400-1,000 kg/ha."""
    assert all(crop.soc_yield_response_kg_per_t_c == 0.0 for crop in base.crops.values())
    for slope in (40.0, 100.0):
        gain = soc_yield_potential(40.0, 1800.0, slope, 25.0, 30.0, 60.0) - 1800.0
        assert gain == pytest.approx(10.0 * slope, abs=1e-9)


def test_fresh_grain_and_dry_matter_are_explicit():
    """3,300 kg/ha of soybean at 13 % moisture is 2.871 t DM/ha; arrays broadcast."""
    assert grain_dry_matter_t_per_ha(3300.0, 0.87) == pytest.approx(2.871, abs=1e-12)
    assert np.allclose(grain_dry_matter_t_per_ha(np.array([1000.0, 2000.0]), 0.9), [0.9, 1.8])


def test_a_region_crop_without_a_crop_table_is_a_clear_error(write_scenario):
    from sim.scenario import ScenarioError

    with pytest.raises(ScenarioError, match=r"regions\.africa_dry\.crop: 'millet' has no \[crops\.millet\] table; "
                                            r"expected one of \['maize', 'soybean', 'wheat'\]"):
        sim.load_scenario(write_scenario('[regions.africa_dry]\ncrop = "millet"\n'))


def test_a_practice_shows_its_initial_effect_in_its_first_season_and_its_long_run_effect_after_its_years():
    """Referee 42 Y2: the ramp's documented rule (``sim.scenario.farms.YieldEffect``: ``initial`` is the change in
    the first season of use, ``years`` the seasons of use until the long-run effect is reached, linear between; 0
    when not in use), evaluated by hand for maize no-till in a humid climate (docs/evidence.md: initial -10 %, long
    run -7.6 %, 5 seasons): seasons 0..6 give 0, -0.100, -0.094, -0.088, -0.082, -0.076, -0.076 (steps of 0.024 / 4).
    Checked on ``ramp`` and on the effect table the yield kernel reads (one-region test scenario: maize, tropical moist).
    """
    from sim.yields import ramp

    by_season = [0.0, -0.100, -0.094, -0.088, -0.082, -0.076, -0.076]
    seasons = np.arange(7)
    assert ramp(-0.1, -0.076, 5, seasons) == pytest.approx(by_season, abs=1e-15)
    model = sim.AdoptionModel(sim.load_scenario(TEST_SCENARIOS / "one_region.toml"), seed=0, n_farmers=4)
    no_till = model.catalogue.effect_table[:, 0, PRACTICES.index("no_till")]
    assert no_till == pytest.approx(by_season[:6], abs=1e-7)  # float32; rows beyond the transition: the last one


def test_the_regional_weather_multiplier_has_mean_one():
    """Referee 42 Y1: the regional weather factor exp(sigma z - sigma^2 / 2), z standard normal, is a lognormal whose
    mean is exactly 1 (the analytic lognormal mean exp(mu + sigma^2 / 2) with mu = -sigma^2 / 2), so weather moves
    yields without raising them on average; its sd is the region's weather_cv (sigma^2 = ln(1 + cv^2)). Measured on
    100,000 seasons of the one-region test scenario (cv 0.1) with no farm weather (yield_cv 0) and no practice in
    use, so yield / the conventional SOC potential is the regional factor. The standard error of the mean is
    cv / sqrt(n) = 3.2e-4: the tolerance (4 of them) is a quarter of the 5.0e-3 that leaving out the -sigma^2 / 2
    would add (exp(sigma^2 / 2) - 1)."""
    scenario = scenario_with_overrides(sim.load_scenario(TEST_SCENARIOS / "one_region.toml"),
                                       {"regions.farms.yield_cv": 0.0})
    cv, seasons = 0.1, 100_000
    assert scenario.regions["farms"].weather_cv == cv
    model = sim.AdoptionModel(scenario, seed=0, n_farmers=2)
    farms, soc = model.farms, model.soil.stock_t_c_per_ha.copy()
    assert not farms.uses.any() and not farms.years_in_use.any()
    potential = model.yields.potential(farms.base_yield_kg_per_ha, 0, soc)
    factor = np.array([model.yields.harvest(farms, soc, model.weather).yield_kg_per_ha[0]
                       for _ in range(seasons)]) / potential[0]
    se = cv / np.sqrt(seasons)
    assert abs(factor.mean() - 1.0) < 4 * se
    assert factor.std() == pytest.approx(cv, rel=0.02)  # the sd's own se: about 0.2 % of it at this n
