"""Crediting rules, price paths and MRV cost against hand-computed numbers."""

import numpy as np
import pytest
from conftest import SCENARIOS, TEST_SCENARIOS

import sim
from sim.incentives import mrv
from sim.incentives.carbon import CarbonRegistry
from sim.incentives.prices import guaranteed, market_prices, price_expectation
from sim.scenario import scenario_with_overrides

BASE = sim.load_scenario(SCENARIOS / "baseline.toml")
F = 44 / 12


def registry(**overrides):
    scenario = scenario_with_overrides(BASE, {"carbon.price.path.value": 50.0, **overrides})
    area = np.array([1.0, 2.0, 3.0])
    prices = market_prices(scenario.carbon.price.path, 2025, 30, np.random.default_rng(0))
    reg = CarbonRegistry(scenario.carbon, None, 2025, area, np.array([0, 0, 1]), prices)
    reg.enrol(np.arange(3), np.full(3, 30.0), 2025)
    return reg, scenario.carbon


def test_credits_only_at_verification_and_from_removals_since_the_last_one():
    reg, c = registry()
    none = np.zeros(3, bool)
    early = reg.settle(2026, np.array([30.2, 30.0, 30.1]), none, np.random.default_rng(0))
    assert early["credits_t_co2e"].sum() == 0 and early["mrv_cost"].sum() == 0
    year = reg.settle(2030, np.array([31.0, 29.0, 30.5]), none, np.random.default_rng(0))
    expected = np.array([1.0 * 1, 0.0, 0.5 * 3]) * F * (1 - 0.2) * (1 - 0.1)
    assert np.allclose(year["credits_t_co2e"], expected, rtol=1e-12)
    assert np.allclose(year["carbon_value"], expected * 50.0, rtol=1e-12)
    assert np.allclose(year["carbon_to_farmers"], expected * 50.0 * 0.6, rtol=1e-12)
    assert year["reversals_t_co2e"][1] == pytest.approx(1.0 * 2 * F * 0.8)
    # buffer mode: contributions minus the reversal
    assert reg.buffer_pool_t_co2e == pytest.approx((1.5 + 1.0) * F * 0.8 * 0.1 - 2 * F * 0.8)
    assert year["clawback"].sum() == 0
    assert np.allclose(year["mrv_cost"], 150.0 + 5.0 * np.array([1, 2, 3]))  # individual MRV
    later = reg.settle(2035, np.array([31.0, 29.0, 30.5]), none, np.random.default_rng(0))
    assert later["credits_t_co2e"].sum() == 0  # nothing new since 2030


def test_every_flow_names_its_payer_and_payee():
    reg, _ = registry(**{"carbon.buyer": "public"})
    year = reg.settle(2030, np.array([31.0, 29.0, 30.5]), np.zeros(3, bool), np.random.default_rng(0))
    parties = {flow.name: (flow.payer, flow.payee) for flow in year.flows}
    assert parties["buyer_spending"][0] == "public" and parties["guarantor_spending"][0] == "public"
    assert parties["carbon_to_farmers"][1] == "farmer" and parties["mrv_cost"][0] == "farmer"
    assert parties["clawback"] == ("farmer", "public")  # refunds go back to the (public) buyer


def test_clawback_repays_lost_credits_at_most_what_was_paid():
    reg, c = registry(**{"carbon.on_reversal": "clawback"})
    none = np.zeros(3, bool)
    reg.settle(2030, np.array([31.0, 30.0, 30.0]), none, np.random.default_rng(0))  # farm 0 credited 1 t C
    year = reg.settle(2035, np.array([29.0, 30.0, 30.0]), none, np.random.default_rng(0))  # loses 2 t C
    paid_t = 1.0 * F * 0.8 * 0.9
    assert year["clawback"][0] == pytest.approx(paid_t * 50.0 * 0.6)  # capped at the credits it was paid for
    assert year["buyer_spending"][0] == pytest.approx(-paid_t * 50.0 * 0.6)  # refunded to the buyer


def test_group_mrv_cost_formula():
    c = scenario_with_overrides(BASE, {"carbon.mrv.group_certification": True}).carbon
    area = np.array([1.0, 2.0, 3.0, 4.0])
    org = np.array([0, 0, 0, 1])
    enrolled = np.array([True, True, False, True])
    cost = mrv.cost_per_verification(c, area, org, enrolled)
    assert np.allclose(cost, [3000 / 2 + 5 * 1, 3000 / 2 + 5 * 2, 0, 3000 / 1 + 5 * 4])
    # what a farmer deciding expects: the same rule per ha and year, over the verification interval
    expected = mrv.expected_cost_per_ha_year(c, area, np.array([2, 2, 3, 1]))
    assert np.allclose(expected, (5 + 3000 / np.array([2, 2, 3, 1]) / area) / 5)


def test_price_paths():
    p = scenario_with_overrides(BASE, {"carbon.price.path": {"kind": "ramp", "start_value": 10.0, "end_value": 60.0,
                                                             "start_year": 2030, "end_year": 2040}}).carbon.price
    prices = market_prices(p.path, 2025, 20, np.random.default_rng(0))
    assert prices[0] == 10 and prices[10] == 35 and prices[15] == 60 and prices[19] == 60
    s = scenario_with_overrides(BASE, {"carbon.price.path": {"kind": "stochastic", "value": 30.0, "mean": 30.0,
                                                             "reversion": 0.3, "volatility": 0.4},
                                       "carbon.price.floor": 25.0}).carbon.price
    a = market_prices(s.path, 2025, 2000, np.random.default_rng(1))
    assert np.array_equal(a, market_prices(s.path, 2025, 2000, np.random.default_rng(1)))
    # stationary sd of the log price: 0.4 / sqrt(1 - 0.7^2) = 0.560
    assert np.std(np.log(a[100:])) == pytest.approx(0.4 / np.sqrt(1 - 0.49), rel=0.1)
    assert guaranteed(s, 10.0) == 25.0
    mean, variance = price_expectation(s, 30.0, 10)
    mean_unfloored, variance_unfloored = price_expectation(s.model_copy(update={"floor": 0.0}), 30.0, 10)
    assert mean > mean_unfloored and variance < variance_unfloored  # a floor raises the mean, cuts the risk
    assert price_expectation(s.model_copy(update={"contract_years": 10}), 30.0, 10)[1] == 0.0


def test_series_price_path_from_a_file(write_scenario):
    path = write_scenario('[carbon.price.path]\nkind = "series"\nby_year = { "2030" = 10.0, "2040" = 30.0 }\n',
                          extends=str(TEST_SCENARIOS / "one_region.toml"))
    model = sim.AdoptionModel(sim.load_scenario(path), n_farmers=50)
    carbon = model.incentives.carbon
    assert [carbon.market_price(y) for y in (2025, 2030, 2035, 2040, 2050)] == [10.0, 10.0, 20.0, 30.0, 30.0]
