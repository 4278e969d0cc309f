"""Runs stacked in one model: each run's yearly table is the table of the run alone, bit for bit."""

import copy
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, TEST_SCENARIOS

import sim
from experiments.runs import RunSpec, run_one, run_specs
from sim.ensemble import NotStackable, results, stack
from sim.outputs import PerRegion, YearlyRecorder, YearRecord
from sim.scenario import scenario_with_overrides


def recorded_run(scenario: sim.Scenario, seed: int, farmers: int, years: int) -> tuple[sim.AdoptionModel, list]:
    """A run alone, and (copies of) the records its recorder was handed each year (some arrays change in place)."""
    model = sim.AdoptionModel(scenario, seed=seed, n_farmers=farmers)
    records, record = [copy.deepcopy(model._record())], model.recorder.record  # the initial row, as recorded

    def keep(r: YearRecord) -> None:
        records.append(copy.deepcopy(r))
        record(r)

    model.recorder.record = keep
    model.run_for(years)
    return model, records


def tables_alone(built: list[sim.AdoptionModel], years: int) -> list[pd.DataFrame]:
    """Each built model's table after ``years``, run alone on a copy (the built models stay unrun, to be stacked)."""
    tables = []
    for model in built:
        model = copy.deepcopy(model)
        model.run_for(years)
        tables.append(model.results())
    return tables


def tables_alone_and_stacked(built: list[sim.AdoptionModel], years: int,
                             stacked: Callable[[sim.AdoptionModel], bool] = lambda model: True) -> list[pd.DataFrame]:
    """Each built model's table run alone (``tables_alone``), checked to be its table when all are stacked in one
    model and run as long, bit for bit; ``stacked`` is asserted of the stacked model before it runs."""
    alone = tables_alone(built, years)
    model = stack(built)
    assert stacked(model)
    model.run_for(years)
    for k, table in enumerate(alone):
        pd.testing.assert_frame_equal(results(model, k), table, check_exact=True)
    return alone


def stacked_state(parts: list) -> np.ndarray | PerRegion:
    """Runs' per-farm state arrays (or values per region) one after another, as a stacked model holds them."""
    if isinstance(parts[0], PerRegion):
        return PerRegion(np.concatenate([part.values for part in parts]))
    return np.concatenate(parts)


def test_a_recorder_of_stacked_runs_gives_each_run_its_own_table():
    """Two runs of a stochastic carbon price (each its own price path), their per-farm arrays stacked: one recorder
    gives every run the rows of its own recorder (sums, shares, percentiles, size groups, running totals)."""
    scenario = sim.load_scenario(SCENARIOS / "volatile_price_floor.toml")
    runs = [recorded_run(scenario, seed, 200 + 50 * seed, 3) for seed in range(2)]
    models = [model for model, _ in runs]
    offsets = np.cumsum([0] + [m.n for m in models])[:-1]
    stacked = YearlyRecorder(models[0].regions.names, np.concatenate([m.regions.start + o for m, o in
                                                                      zip(models, offsets, strict=True)]),
                             np.concatenate([m.farms.area_ha for m in models]),
                             np.array([m.catalogue.target_bundle for m in models]), runs=len(models))
    for records in zip(*(r for _, r in runs), strict=True):
        first = records[0]
        per_farm = None if first.per_farm is None else {
            name: np.concatenate([r.per_farm[name] for r in records]) for name in first.per_farm}
        state = {name: stacked_state([r.state[name] for r in records]) for name in first.state}
        stacked.record(YearRecord(first.year, np.array([r.carbon_price for r in records]),
                                  np.concatenate([r.bundle for r in records]),
                                  np.concatenate([r.soc_t_c_per_ha for r in records]), per_farm, first.payers, state))
    assert len({m.results()["carbon_price"].iloc[-1] for m in models}) == 2
    for k, model in enumerate(models):
        pd.testing.assert_frame_equal(stacked.frame(k), model.results(), check_exact=True)


def test_stacked_runs_give_the_tables_of_the_runs_alone_whatever_their_place():
    """Three runs of a stochastic carbon price with a floor (each its own price path; counterfactuals alongside),
    differing in a region's discount rate, the farmer share of carbon revenue and the farm heterogeneity drawn when
    the rule is built, of 150, 200 and 250 farmers: stacked in one order and in the reverse one, each run's table is
    its table alone, bit for bit. The runs are built once and copied (building dominates a test of this size). The
    stacked counterfactual shares the programme's joined network, regions and catalogue, as each run's do alone."""
    base = sim.load_scenario(SCENARIOS / "volatile_price_floor.toml")
    values = ((0.5, 0.1, 0.1), (0.8, 0.2, 0.2), (0.6, 0.3, 0.15))
    built = [sim.AdoptionModel(scenario_with_overrides(base, {"carbon.farmer_share": share,
                                                             "regions.latin_america.discount_rate": rate,
                                                             "decision.rule.heterogeneity_share": spread}),
                               seed=seed, n_farmers=n)
             for (share, rate, spread), seed, n in zip(values, (3, 4, 5), (150, 200, 250), strict=True)]
    alone = tables_alone(built, 4)
    for order in ([0, 1, 2], [2, 1, 0]):
        model = stack([copy.deepcopy(built[k]) for k in order])
        twin = model.counterfactual.model
        assert all(getattr(twin, name) is getattr(model, name) for name in ("network", "regions", "catalogue"))
        model.run_for(4)
        for place, k in enumerate(order):
            pd.testing.assert_frame_equal(results(model, place), alone[k], check_exact=True)
    assert len({table["income_p50"].iloc[-1] for table in alone}) == 3


def test_a_batch_of_runs_stacks_what_it_can_and_gives_every_run_its_table_alone():
    """run_specs: runs differing in a region's values stack and give run_one's tables; a run whose values the
    scenario refuses fails alone; runs differing in a value the yearly step reads (the revision rate) cannot share a
    model: the stacked run stops at that read, and they run one at a time."""
    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")
    stacked = [RunSpec(scenario, "b", seed, 150, 3, (("regions.africa_dry.discount_rate", rate),))
               for seed, rate in ((1, 0.2), (2, 0.3))]
    refused = RunSpec(scenario, "b", 4, 150, 3, (("regions.africa_dry.discount_rate", -1.0),))
    apart = [RunSpec(scenario, "b", seed, 150, 3, (("decision.rule.revision_rate", rate),))
             for seed, rate in ((5, 0.1), (6, 0.3))]
    out = run_specs([*stacked, refused, *apart])
    assert isinstance(out[2], Exception) and "discount_rate" in str(out[2])
    for spec, table in zip(stacked, out[:2], strict=True):
        pd.testing.assert_frame_equal(table, run_one(spec), check_exact=True)
    assert all(isinstance(table, pd.DataFrame) and len(table) for table in out[3:])
    with pytest.raises(NotStackable, match=r"EconomicRule.spec.revision_rate differs between the runs"):
        stack([sim.AdoptionModel(scenario_with_overrides(scenario, dict(s.overrides)), seed=s.seed, n_farmers=150)
               for s in apart]).step()


def test_area_shares_of_stacked_runs_are_their_shares_alone():
    """Two runs of the Label bas-carbone scenario, 100 farmers x 11 years, stacked and alone: area shares are summed
    column by column (``sim.outputs._share``); the matrix product they were summed by rounded differently with the
    number of rows asked at once, and a referee found run 0's no-till area share a unit in the last place off."""
    base = sim.load_scenario(SCENARIOS / "label_bas_carbone_france.toml")
    specs = [RunSpec(base, "l", 100 + k, 100, 11) for k in range(2)]
    for stacked, alone in zip(run_specs(specs, stack=True), run_specs(specs, stack=False), strict=True):
        pd.testing.assert_frame_equal(stacked, alone, check_exact=True)


def test_runs_whose_overrides_set_different_horizons_each_run_their_own_years():
    """Runs of the scenario's horizon whose overrides set different years (4 and 9) run apart, each for its own
    years, as alone. A referee found both run for the first run's 4 years when they were stacked."""
    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")
    specs = [RunSpec(scenario, "b", 3 + k, 100, None, (("years", years),)) for k, years in enumerate((4, 9))]
    for spec, table in zip(specs, run_specs(specs), strict=True):
        pd.testing.assert_frame_equal(table, run_one(spec), check_exact=True)
        assert table["year"].max() == scenario.start_year + dict(spec.overrides)["years"]


@pytest.mark.parametrize(("field", "values", "extra"), [
    ("carbon.buyer", ("private", "public"), ()),
    # a floor above the price (421.9) that pays, under a private buyer (with a public buyer both are the public)
    ("carbon.price.guarantor", ("public", "buyer"), (("carbon.price.floor", 500.0), ("carbon.buyer", "private"))),
])
def test_runs_whose_credits_have_different_payers_run_apart(field, values, extra):
    """A stacked year books each money flow to one payer, so runs whose credits are bought (or whose floor is
    topped up) by different parties are not stacked: each keeps its own public and private spending, as alone.
    A referee found run 1's public purchases booked as private when they were stacked."""
    base = sim.load_scenario(SCENARIOS / "results_based_public.toml")
    specs = [RunSpec(base, "r", 12, 100, 8, ((field, value), *extra)) for value in values]
    for spec, table in zip(specs, run_specs(specs), strict=True):
        pd.testing.assert_frame_equal(table, run_one(spec), check_exact=True)
    with pytest.raises(NotStackable, match="paid by different parties"):
        stack([sim.AdoptionModel(scenario_with_overrides(base, dict(s.overrides)), seed=s.seed, n_farmers=100)
               for s in specs])


@pytest.mark.parametrize(("field", "values", "as_one"), [
    ("carbon.mrv.cost_per_farm", (60.0, 400.0), True),  # held per farm: the programmes are asked as one
    ("carbon.buffer", (0.1, 0.3), False),  # not held per run: each run's programme answers for its rows
])
@pytest.mark.parametrize("relative_sd", [0.275, "ipcc_tier1"])
def test_stacked_carbon_programmes_value_and_enrol_each_run_as_alone(field, values, as_one, relative_sd):
    """Two runs of a carbon programme that enrols from the first seasons (results_based_public, claw-back of reversed
    credits, 6 years: a verification after 5), differing in a carbon value: stacked, each run's table is its table
    alone, bit for bit, whether the runs' programmes are valued and enrol as one (``sim.incentives.stacked``) or each
    on its own; with one modelled relative sd, or one per farm from its region and bundle pair (each run's regions'
    rows of the stacked table)."""
    base = scenario_with_overrides(sim.load_scenario(SCENARIOS / "results_based_public.toml"),
                                   {"carbon.on_reversal": "clawback", "carbon.mrv.approach.relative_sd": relative_sd})
    built = [sim.AdoptionModel(scenario_with_overrides(base, {field: value}), seed=seed, n_farmers=150)
             for seed, value in zip((7, 8), values, strict=True)]
    alone = tables_alone_and_stacked(built, 6, lambda model: (model.incentives.stacked_carbon is not None) == as_one)
    assert all(table["enrolled_share"].iloc[-1] > 0 and table["credits_t_co2e"].sum() > 0 for table in alone)


@pytest.mark.parametrize(("field", "values", "joined"), [
    ("regions.africa_dry.discount_rate", (0.2, 0.35), True),  # the same rates: one design over every run's rows
    ("payments.per_ha.no_till", (20.0, 40.0), False),  # different rates: each run's design pays its rows
])
def test_stacked_per_ha_payments_pay_each_run_as_alone(field, values, joined):
    """Two runs of a per-ha payment (no carbon market), differing in a region's discount rate (the payments' PV
    factors, per stacked region) or in a payment rate, 3 years: stacked, each run's table is its table alone, bit
    for bit, whether the runs' payments are one design over their rows or each run's own."""
    base = sim.load_scenario(SCENARIOS / "per_ha_payment.toml")
    built = [sim.AdoptionModel(scenario_with_overrides(base, {field: value}), seed=seed, n_farmers=150)
             for seed, value in zip((9, 10), values, strict=True)]
    alone = tables_alone_and_stacked(built, 3, lambda model: ("payments" in model.incentives.joined) == joined)
    assert all(table["payments"].iloc[-1] > 0 for table in alone)


def test_stacked_carbon_registries_settle_as_one_as_each_alone():
    """Three runs of a public results-based programme differing in the price (USD 373/t under a ceiling of 300/t,
    150/t over a floor of 160/t, and 1/t, at which nobody joins) and in the farmer's share, 11 years: two
    verifications (credits at the second), credits paid after the lag, claw-back of reversals.
    The runs' registries settle as one (``sim.incentives.stacked.JoinedRegistry``, each run with its own prices,
    shares, MRV costs and buffer pool; a run with no farm to verify is verified with the others): each run's table is
    its table alone, bit for bit. At 120 farmers few join at 150/t: the seeds are chosen so that the first two runs
    are credited (seed 12 was, by 54 t, until farms' pasts were drawn at the start; seed 18 is by 120 t), with one
    modelled relative sd (0.275, as the seeds were chosen before the default became the per-farm "ipcc_tier1":
    with it run 0 is credited 9 t, run 1 120 t; the per-farm shares of stacked runs are tested by
    ``test_stacked_carbon_programmes_value_and_enrol_each_run_as_alone``)."""
    base = scenario_with_overrides(sim.load_scenario(SCENARIOS / "results_based_public.toml"),
                                   {"carbon.on_reversal": "clawback", "carbon.mrv.approach.relative_sd": 0.275})
    values = ((373.0, 0.8, {"carbon.price.ceiling": 300.0}), (150.0, 0.5, {"carbon.price.floor": 160.0}),
              (1.0, 0.6, {}))
    built = [sim.AdoptionModel(scenario_with_overrides(base, {"carbon.price.path.value": price,
                                                             "carbon.farmer_share": share, **guarantee}),
                               seed=seed, n_farmers=120)
             for (price, share, guarantee), seed in zip(values, (11, 18, 13), strict=True)]
    alone = tables_alone_and_stacked(built, 11, lambda model: model.incentives.stacked_carbon.registry is not None)
    credits = [table.loc[table["region"] == "all", "credits_t_co2e"] for table in alone]
    assert credits[0].sum() > credits[1].sum() > 0 and credits[2].sum() == 0
    assert alone[0].loc[alone[0]["region"] == "all", "carbon_to_farmers"].sum() > 0


def test_stacked_carbon_registries_cancel_unpaid_credits_as_each_alone():
    """Referee 26 m3: reversals cancel credits not yet paid (yearly verification, 2-year lag, claw-back:
    tests/scenarios/clawback_long_lag.toml, modelled changes so that the registries join). Two runs (seeds 3 and 4,
    300 farmers, 12 years) settled by one joined registry give each run's table alone, bit for bit, and both cancel
    money owed for reversed credits."""
    scenario = scenario_with_overrides(sim.load_scenario(TEST_SCENARIOS / "clawback_long_lag.toml"),
                                       {"carbon.quantification": "modelled"})
    built = [sim.AdoptionModel(scenario, seed=seed, n_farmers=300) for seed in (3, 4)]
    alone = tables_alone_and_stacked(built, 12, lambda model: model.incentives.stacked_carbon.registry is not None)
    assert all(table.loc[table["region"] == "all", "carbon_cancelled_to_farmers"].sum() > 0 for table in alone)


def test_stacked_carbon_runs_with_different_leakage_factors_keep_their_own():
    """Two runs differing only in the production displaced by a yield decline (0.5 and 5 t CO2e/ha, leakage counted
    from the first year and any decline): the joined registry takes the leakage factor from one run, so such runs
    settle run by run (``JoinedRegistry.joinable``), and each run's leakage and credits are its own, bit for bit.
    A referee found the first run's factor applied to every joined run (leakage 0.2 instead of 2.0 t CO2e)."""
    base = scenario_with_overrides(sim.load_scenario(SCENARIOS / "results_based_public.toml"),
                                   {"carbon.leakage.yield_decline_threshold": 0.0, "carbon.leakage.exempt_years": 0})
    built = [sim.AdoptionModel(scenario_with_overrides(base, {"ghg.displaced_production_t_co2e_per_ha": factor}),
                               seed=11, n_farmers=100) for factor in (0.5, 5.0)]
    alone = tables_alone_and_stacked(built, 6)
    leakage = [table.loc[table["region"] == "all", "leakage_t_co2e"].sum() for table in alone]
    assert leakage[1] == pytest.approx(10 * leakage[0]) and leakage[0] > 0


def test_stacked_carbon_programmes_expect_each_runs_prices_and_calendars_as_alone():
    """Two runs of a Twin Regions market (its seller region expects the market's price, the others the general
    market's), differing in the twin price, the general price and a region's discount rate (its verification
    calendar), 6 years: the stacked programmes' expected prices and calendars, computed for every run at once
    (``StackedCarbon.begin_year``), are those of each run's own programme, and each run's table is its table alone,
    bit for bit (its registry settles its own rows: a twin market is not joined)."""
    base = scenario_with_overrides(sim.load_scenario(SCENARIOS / "twin_regions_benin_germany.toml"),
                                   {"carbon.mrv.group_certification": False})
    values = ((50.0, 20.0, 0.2), (80.0, 45.0, 0.35))
    built = [sim.AdoptionModel(scenario_with_overrides(base, {
        "twin_market.price_per_t_co2e": twin, "carbon.price.path.value": price,
        "regions.africa_dry.discount_rate": rate}), seed=seed, n_farmers=150)
        for (twin, price, rate), seed in zip(values, (3, 4), strict=True)]
    alone = [copy.deepcopy(m) for m in built]
    tables = tables_alone(built, 6)
    model = stack(built)
    carbon = model.incentives.stacked_carbon
    assert carbon is not None and carbon.registry is None
    for year in range(model.year + 1, model.year + 3):
        carbon.begin_year(year)
        for m in alone:
            m.incentives.carbon.begin_year(year)
        expected = [m.incentives.carbon for m in alone]
        assert np.array_equal(carbon.mean, np.concatenate([p.expected_prices()[0] for p in expected]))
        assert np.array_equal(carbon.variance, np.concatenate([p.expected_prices()[1] for p in expected]))
        for name in ("credit_pv", "mrv_pv", "next_payment"):
            assert np.array_equal(getattr(carbon, name), np.concatenate([getattr(p, name) for p in expected]))
    assert len(set(carbon.mean.tolist())) == 4  # two runs' twin and general prices
    model.run_for(6)
    for k, table in enumerate(tables):
        pd.testing.assert_frame_equal(results(model, k), table, check_exact=True)
