"""Per-run draws of the IPCC Tier 1 stock-change factors (soil.factor_uncertainty, sim.soil.factor_draws)."""

import csv
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, SHARED_REFERENCE
from test_ensemble import tables_alone_and_stacked

import sim
from experiments.runs import RunSpec, run_specs
from sim.ipcc import tier1_tables
from sim.model import Streams
from sim.scenario import ScenarioError, scenario_with_overrides
from sim.soil import build_soil
from sim.soil.factor_draws import (
    FACTOR_STREAM,
    FACTOR_TABLES,
    drawn_tables,
    draws_factors,
    factor_entries,
    factor_stream,
    for_run,
    run_tables,
)
from sim.soil.tier1 import equilibrium_table

DRAWS = {"soil.factor_uncertainty": "ipcc_tier1"}
RUNS = 4000  # seeds drawn for the moments' test
#: Bound on a sample moment's error, in its standard errors: a correct draw exceeds it with probability 6e-5 per
#: moment (normal tails), about 4e-3 over the table's 30 entries x 2 moments; the seeds are fixed, so the test is
#: deterministic, and a wrong sd (say the 2-sd value taken as 1 sd: twice the sd) is 35 standard errors off.
STANDARD_ERRORS = 4.0
FARMERS, YEARS = 300, 6


def published_rows() -> list[dict[str, str]]:
    """The rows of the shared reference table (IPCC 2019 Table 5.5), read here independently of ``sim.ipcc``."""
    lines = [line for line in (SHARED_REFERENCE / "ipcc_tier1_2019.csv").read_text().splitlines()
             if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


def factor_of(tables, factor: str, climate: str, category: str) -> float:
    table = getattr(tables, FACTOR_TABLES[factor])
    return table[climate] if factor == "F_LU" else table[climate, category]


def test_the_factors_stream_is_the_seed_child_after_the_rooms_streams():
    """``Streams.spawn`` takes the seed's first children, one per room; the factors take the next, shared by none.

    A stream added to ``Streams`` without moving ``FACTOR_STREAM`` would draw the factors' numbers as a room's.
    """
    assert FACTOR_STREAM == len(fields(Streams))
    streams = Streams.spawn(7)
    firsts = [getattr(streams, f.name).random(4) for f in fields(Streams)]
    children = np.random.SeedSequence(7).spawn(FACTOR_STREAM + 1)
    np.testing.assert_array_equal(factor_stream(7).random(4), np.random.default_rng(children[-1]).random(4))
    for first, child in zip(firsts, children, strict=False):
        np.testing.assert_array_equal(first, np.random.default_rng(child).random(4))


def test_draws_have_the_published_mean_and_sd_and_leave_the_rest_alone():
    """Over 4,000 runs' seeds each factor with a published uncertainty has the table's mean and sd = 2-sd % / 200 x
    value (within 4 standard errors: sd / sqrt(N) for the mean, sd / sqrt(2 (N - 1)) for the sd); the reference
    categories (full till, medium input: 1 by definition) and SOC_REF are never drawn."""
    runs = [drawn_tables("2019", seed) for seed in range(RUNS)]
    published = tier1_tables("2019")
    for row in published_rows():
        factor, climate, category = row["factor"], row["climate"], row["category"]
        value = float(row["value"])
        x = np.array([factor_of(t, factor, climate, category) for t in runs])
        if not row["uncertainty_pct_2sd"]:
            assert (x == value).all(), row
            continue
        sd = float(row["uncertainty_pct_2sd"]) / 200.0 * value
        assert abs(x.mean() - value) < STANDARD_ERRORS * sd / np.sqrt(RUNS), row
        assert abs(x.std(ddof=1) / sd - 1.0) < STANDARD_ERRORS / np.sqrt(2.0 * (RUNS - 1)), row
        assert (x > 0.0).all()
    assert all(t.soc_ref_t_c_per_ha == published.soc_ref_t_c_per_ha for t in runs)


def test_wide_entries_are_lognormal_so_no_draw_falls_far_below_the_published_range():
    """Referee 31 m5: the normal truncated at 0 put tropical montane's no-till F_MG (1.08 +- 50 %) down to 0.14 in
    3,000 runs. The draws are lognormal with the published mean and sd: log x has sd s = sqrt(ln(1 + cv^2)) (0.246
    at cv 25 %, within 4 standard errors), and no draw of the +- 50 % entries in 4,000 runs falls below 0.3 x the
    value (probability 2e-7 per draw for the lognormal; a normal puts 0.1 % of its draws there, 5 in 4,000)."""
    runs = [drawn_tables("2019", seed) for seed in range(RUNS)]
    wide = [e for e in factor_entries("2019") if e.sd / e.value > 0.2]
    assert {e.factor for e in wide} == {"F_LU", "F_MG", "F_I"} and all(k[0] == "tropical_montane" if e.factor != "F_LU"
                                                                       else k == "tropical_montane"
                                                                       for e in wide for k in e.keys)
    for entry in wide:
        key = entry.keys[0]
        x = np.array([getattr(t, FACTOR_TABLES[entry.factor])[key] for t in runs]) / entry.value
        s = np.sqrt(np.log1p((entry.sd / entry.value) ** 2))
        assert abs(np.log(x).std(ddof=1) / s - 1.0) < STANDARD_ERRORS / np.sqrt(2.0 * (RUNS - 1)), entry
        assert x.min() > 0.3, entry


def test_climates_the_table_gives_one_estimate_share_one_draw_and_entries_are_otherwise_independent():
    """IPCC gives one input factor per moisture regime for temperate and tropical climates, and one for tropical
    moist and wet: those climates hold the same draw in a run. Distinct entries are uncorrelated over runs."""
    shared = {("F_I", "low"): ("cool_temperate_dry", "warm_temperate_dry", "tropical_dry"),
              ("F_MG", "no_till"): ("tropical_moist", "tropical_wet"),
              ("F_LU", "annual_cropland"): ("tropical_moist", "tropical_wet")}
    groups = {(e.factor, e.category, tuple(k if isinstance(k, str) else k[0] for k in e.keys))
              for e in factor_entries("2019")}
    assert all((f, c, climates) in groups for (f, c), climates in shared.items())
    runs = [drawn_tables("2019", seed) for seed in range(RUNS)]
    for (factor, category), climates in shared.items():
        x = np.array([[factor_of(t, factor, c, category) for c in climates] for t in runs])
        assert (x == x[:, :1]).all()
    no_till = np.array([t.f_mg["tropical_moist", "no_till"] for t in runs])
    land_use = np.array([t.f_lu["tropical_moist"] for t in runs])
    assert abs(np.corrcoef(no_till, land_use)[0, 1]) < STANDARD_ERRORS / np.sqrt(RUNS)


def test_none_is_the_published_table_and_the_scenario_as_it_is():
    """The default ("none"): every run reads the published factors, and a model holds its scenario unchanged."""
    scenario = sim.load_scenario(SCENARIOS / "per_ha_payment.toml")
    assert scenario.soil.factor_uncertainty == "none" and not draws_factors(scenario)
    assert run_tables(scenario) is tier1_tables("2019")
    assert for_run(scenario, 7) is scenario
    model = sim.AdoptionModel(scenario, seed=7, n_farmers=FARMERS)
    assert model.config is scenario
    np.testing.assert_array_equal(model.soil.equilibrium_table[:, 0], [38 * 0.83, 9 * 0.92 * 0.95, 38 * 0.83 * 0.92])


def test_a_design_and_its_baseline_on_one_seed_draw_the_same_factors_and_other_seeds_others():
    """Paired runs stay paired: per-ha payments and the baseline on seed 43 have one equilibrium table (and the
    design's counterfactual too), the yield model reads it, and the equilibrium start's soil (built from the run's
    scenario) is the run's; seed 44 draws another."""
    design = scenario_with_overrides(sim.load_scenario(SCENARIOS / "per_ha_payment.toml"), DRAWS)
    baseline = scenario_with_overrides(sim.load_scenario(SCENARIOS / "baseline.toml"), DRAWS)
    models = {(name, seed): sim.AdoptionModel(s, seed=seed, n_farmers=FARMERS)
              for name, s in (("design", design), ("baseline", baseline)) for seed in (43, 44)}
    table = models["design", 43].soil.equilibrium_table
    np.testing.assert_array_equal(models["baseline", 43].soil.equilibrium_table, table)
    np.testing.assert_array_equal(models["design", 43].counterfactual.model.soil.equilibrium_table, table)
    assert not np.array_equal(models["design", 44].soil.equilibrium_table, table)
    np.testing.assert_array_equal(models["design", 43].yields.reference_t_c_per_ha, table[:, 0])
    published = equilibrium_table(sim.load_scenario(SCENARIOS / "per_ha_payment.toml"))
    assert not np.array_equal(table, published)
    config = models["design", 43].config
    assert config.seed == 43
    region = np.arange(3, dtype=np.int16)
    start_soil = build_soil(config, region, np.zeros(3, np.uint8), np.zeros(3, np.int16))
    np.testing.assert_array_equal(start_soil.equilibrium_table, table)


def test_a_drawing_run_stacked_with_others_is_the_run_alone_bit_for_bit():
    """Runs that draw their factors (per-ha payments: with a counterfactual), stacked with each other and with a run
    of the published factors, give each run's table alone."""
    scenario = sim.load_scenario(SCENARIOS / "per_ha_payment.toml")
    drawing = scenario_with_overrides(scenario, DRAWS)
    built = [sim.AdoptionModel(s, seed=seed, n_farmers=FARMERS + 40 * seed)
             for s, seed in ((drawing, 1), (scenario, 1), (drawing, 2))]
    alone = tables_alone_and_stacked(built, YEARS)
    assert not alone[0].equals(alone[1])  # the draw moves the run's results


def test_the_sweep_path_gives_each_run_its_draw_alone_and_stacked():
    """Through ``run_specs`` (as sweeps and compare run): three seeds alone and stacked give the same tables."""
    scenario = scenario_with_overrides(sim.load_scenario(SCENARIOS / "baseline.toml"), DRAWS)
    specs = [RunSpec(scenario, "draws", seed=seed, farmers=FARMERS, years=YEARS) for seed in range(3)]
    for alone, stacked in zip(run_specs(specs, stack=False), run_specs(specs, stack=True), strict=True):
        pd.testing.assert_frame_equal(alone, stacked, check_exact=True)


def test_under_rothc_the_draw_moves_the_tillage_term_and_not_the_calibrated_start():
    """RothC reads one Tier 1 factor, F_MG (its tillage modifier): in latin_america, where no-till alone changes no
    input, the no-till equilibrium is the conventional one x the run's drawn F_MG (x 1.10 published); the
    conventional stock stays the scenario's calibrated 31.54 t C/ha."""
    scenario = sim.load_scenario(SCENARIOS / "rothc_baseline.toml")
    tables = {option: sim.AdoptionModel(scenario_with_overrides(scenario, {"soil.factor_uncertainty": option}),
                                        seed=43, n_farmers=FARMERS).soil.equilibrium_table[0]
              for option in ("none", "ipcc_tier1")}
    no_till = 1  # bundle mask of no-till alone
    drawn = drawn_tables("2019", 43).f_mg["tropical_moist", "no_till"]
    assert tables["none"][0] == tables["ipcc_tier1"][0] == pytest.approx(31.54)
    assert tables["none"][no_till] / tables["none"][0] == pytest.approx(1.10, abs=1e-9)
    assert tables["ipcc_tier1"][no_till] / tables["ipcc_tier1"][0] == pytest.approx(drawn, abs=1e-9)
    assert abs(drawn - 1.10) > 1e-4


def test_drawing_needs_the_2019_table():
    """The 2006 table shipped has no uncertainties: drawing from it is refused with the reason."""
    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")
    with pytest.raises(ScenarioError, match="needs factor_set = '2019'"):
        scenario_with_overrides(scenario, {**DRAWS, "soil.factor_set": "2006"})
