"""`compare` and `target` answer a ministry's questions: names, budgets, additional tonnes, costs, limits."""

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from analysis.compare import DISCOUNT_RATE, compare_scenarios, markdown, present_value
from analysis.target import LEVERS, access_ceiling, find_lever
from experiments.executors import LocalExecutor
from experiments.runs import load_labelled
from sim.scenario import scenario_with_overrides


@pytest.fixture(scope="module")
def comparison():
    scenarios = load_labelled([SCENARIOS / name for name in ("baseline.toml", "carbon_price_35.toml",
                                                             "results_based_public.toml")])
    return compare_scenarios(scenarios, replicates=2, farmers=900, years=8, executor=LocalExecutor(1))


def test_compare_names_scenarios_and_says_who_pays(comparison):
    table = comparison.table.set_index("scenario")
    assert table.loc["carbon_price_35", "name"] == "Carbon price USD 35/t (societal value)"
    assert table.loc["carbon_price_35", "public_spending"] == 0 < table.loc["carbon_price_35", "private_spending"]
    assert table.loc["results_based_public", "private_spending"] == 0 < table.loc["results_based_public",
                                                                                  "public_spending"]
    text = markdown(comparison.table, "USD")
    row = next(line for line in text.splitlines() if "Carbon price USD 35/t" in line)
    assert "n/a (private buyer)" in row and "0.0" not in row.split("|")[6]
    assert "n/a (public buyer)" in next(line for line in text.splitlines() if "Results-based public" in line)
    assert table.loc["baseline", "co2e_additional_t"] == 0 == table.loc["baseline", "co2e_credited_t"]


def test_compare_counts_additional_tonnes_costs_and_income_from_the_runs(comparison):
    """Hand-recomputed from runs.parquet: additional t (the in-run counterfactual), discounted public cost per
    additional t, the period-mean income change against the paired baseline run, and the replicate interval
    (two replicates: t(0.975, 1) = 12.706). At 900 farmers a run can pay for fewer tonnes than its counterfactual
    (seed noise); such a run has no cost per tonne and is left out, as compare does."""
    runs = comparison.runs[comparison.runs.region == "all"]
    table = comparison.table.set_index("scenario")
    public = runs[runs.scenario == "results_based_public"]
    start = int(public.year.min())
    values = []
    for _, run in public.groupby("seed"):
        flows = run[run.year > start]
        pv_cost = present_value(flows.public_spending, flows.year, start, DISCOUNT_RATE)
        pv_t = present_value(flows.additional_t_co2e, flows.year, start, DISCOUNT_RATE)
        if pv_cost > 0 and pv_t > 0:  # a run without positive additional tonnes has no cost per tonne
            values.append(pv_cost / pv_t)
    assert values and table.loc["results_based_public", "public_cost_per_additional_t_co2e_pv"] == pytest.approx(
        np.mean(values))
    hi = table.loc["results_based_public", "public_cost_per_additional_t_co2e_pv_hi"]
    if len(values) == 2:
        assert hi == pytest.approx(np.mean(values) + 12.706205 * np.std(values, ddof=1) / np.sqrt(2), rel=1e-6)
    else:  # one valid replicate: no interval
        assert np.isnan(hi)
    additional = public.groupby("seed").additional_cum_t_co2e.last().mean()
    assert table.loc["results_based_public", "co2e_additional_t"] == pytest.approx(additional)
    income = [run[run.year > start].income_mean.mean() for _, run in runs.groupby(["scenario", "seed"], sort=False)]
    base, price = np.array(income[:2]), np.array(income[2:4])
    assert table.loc["carbon_price_35", "income_mean_change_pct"] == pytest.approx(np.mean((price / base - 1) * 100))


def test_compare_writes_csv_beside_parquet(comparison, tmp_path):
    comparison.write(tmp_path)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "comparison.parquet"), comparison.table)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "comparison.csv"), comparison.table)
    regions = pd.read_csv(tmp_path / "comparison_by_region.csv")
    assert set(regions.region) == {"latin_america", "africa_dry", "africa_moist", "all"}
    report = (tmp_path / "comparison.md").read_text()
    assert "Farmers' net carbon income by region and size third" in report and "discounted at 3%" in report


def test_payment_lever_keeps_the_scenarios_duration_and_checks_its_inputs():
    scenario = sim.load_scenario(SCENARIOS / "per_ha_payment.toml")
    changed = scenario_with_overrides(scenario, LEVERS["payment_per_ha"](scenario, 55.0))
    assert changed.payments.per_ha == {"no_till": 55.0, "cover_crops": 55.0}
    assert changed.payments.duration_years == scenario.payments.duration_years == 10
    with pytest.raises(ValueError, match="duration_years is 0"):
        find_lever(sim.load_scenario(SCENARIOS / "baseline.toml"), "payment_per_ha", "adoption", 2030, 0.5, 0, 10, [0])
    with pytest.raises(ValueError, match="--low 100 must be below --high 50"):
        find_lever(scenario, "carbon_price", "adoption", 2030, 0.5, 100, 50, [0])
    with pytest.raises(ValueError, match="unknown region 'mars'"):
        find_lever(scenario, "carbon_price", "adoption", 2030, 0.5, 0, 50, [0], region="mars")


def test_an_unreachable_target_names_access_as_the_limit():
    """rass_80pct_2040.toml with dealers that barely follow demand (base reach 10 %, supply scale 1: at 12 % no-till
    area they reach about 20 % of farms) and no hire services: 12 % start in full CA and few others can start
    no-till, so 80 % is out of reach whatever the price. The ceiling is the initial users plus the others x the
    simulated share who could start no-till in the target year (access follows the model, so it is read from the
    runs)."""
    scenario = scenario_with_overrides(sim.load_scenario(SCENARIOS / "rass_80pct_2040.toml"), {
        "regions.world.behaviour.seeder_supply_base": 0.1, "regions.world.behaviour.contractor_supply_base": 0.0,
        "decision.access.supply_scale": 1.0})
    steps = []
    result = find_lever(scenario, "carbon_price", "adoption", 2026, 0.8, 0.0, 100.0, [0], farmers=400,
                        executor=LocalExecutor(1), progress=lambda *step: steps.append(step))
    assert not result.reached and len(steps) == 1 == len(result.evaluations)
    access = result.answer.access
    assert 0 < access["no_till_access_share"] < 0.5
    ceiling, notes = access_ceiling(scenario, "full_ca_share", "all", result.answer)
    assert ceiling == pytest.approx(0.12 + 0.88 * access["no_till_access_share"], rel=1e-12)
    assert result.limits[0].startswith(f"access: at most {ceiling:.1%} of farmers")
    assert access_ceiling(scenario, "any_practice_share", "all", result.answer) is None  # needs no no-till
    assert result.answer.public_spending == 0  # private buyers pay a carbon price (none yet: nobody could switch)
