"""Per-hectare payments: what a farmer expects from them and what is paid, against hand-computed numbers."""

import numpy as np
import pytest
from conftest import SCENARIOS, TEST_SCENARIOS

import sim
from sim.economics import annuity_factor
from sim.practices import parse_bundle
from sim.scenario import scenario_with_overrides

BASE = sim.load_scenario(TEST_SCENARIOS / "one_region.toml")


def model_with(**overrides):
    scenario = scenario_with_overrides(BASE, {"payments.per_ha": {"no_till": 30.0, "rotation": 10.0},
                                              "payments.duration_years": 5, **overrides})
    return sim.AdoptionModel(scenario, seed=0, n_farmers=4)


@pytest.fixture
def model():
    return model_with()


def test_expected_payments_count_the_paid_years_left(model):
    farms, payments = model.farms, model.incentives.designs["payments"]
    farms.uses[:] = False
    farms.uses[0, 0] = True
    payments.paid_years[0, 0] = 3  # farm 0: paid 3 years for no-till, 2 paid years left
    masks = np.array([0, parse_bundle("no_till"), parse_bundle("full_ca")], np.uint8)
    value = payments.value(np.array([0, 1]), 0, masks).present_value_per_ha
    # a payment at the end of each paid year left, discounted at the region's 10 %/yr (within the 10-yr horizon),
    # summed by hand (referee 42 EC1: the expectation was built with annuity_factor, the function it relies on)
    assert model.config.regions["farms"].discount_rate == 0.1 and model.config.decision.planning_horizon_years >= 5
    a2, a5 = 1 / 1.1 + 1 / 1.1**2, sum(1.1**-k for k in range(1, 6))
    assert value[0] == pytest.approx([0.0, 30 * a2, 30 * a2 + 10 * a5], rel=1e-12)
    assert value[1] == pytest.approx([0.0, 30 * a5, 30 * a5 + 10 * a5], rel=1e-12)


def test_annuity_factor_pays_at_the_end_of_each_year():
    """Referee 42 EC1: ``annuity_factor`` is documented as the present value of 1 paid at the end of years 1..n, so
    it equals sum_k (1 + r)^-k, k = 1..n: (1 - 1.1^-5) / 0.1 = 3.790787 at 10 % over 5 years, 1 / (1 + r) for one
    year, n at a zero rate; it broadcasts over arrays."""
    assert annuity_factor(0.10, 5) == pytest.approx(3.7907867694084507, rel=1e-12)
    assert annuity_factor(0.05, 1) == pytest.approx(1 / 1.05, rel=1e-12)
    assert annuity_factor(0.0, 5) == 5.0
    assert annuity_factor(np.array([0.10, 0.0]), np.array([5, 3])) == pytest.approx([3.7907867694084507, 3.0],
                                                                                     rel=1e-12)


def test_paid_within_the_duration_per_hectare_by_the_public(model):
    farms, payments = model.farms, model.incentives.designs["payments"]
    farms.uses[:] = [[True, False, False, True], [True, False, False, False], [False] * 4, [True, False, False, True]]
    farms.years_in_use[:] = [[5, 0, 0, 6], [6, 0, 0, 0], [0] * 4, [1, 0, 0, 1]]
    payments.paid_years[:] = [[4, 0, 0, 4], [5, 0, 0, 0], [0] * 4, [0, 0, 0, 0]]
    (flow,) = payments.settle(model.year, np.random.default_rng(0)).flows
    assert (flow.name, flow.payer, flow.payee) == ("payments", "public", "farmer")
    assert flow.amount == pytest.approx(np.array([40.0, 0.0, 0.0, 40.0]) * farms.area_ha, rel=1e-12)


def test_dropping_and_readopting_does_not_restart_the_paid_years():
    """A farm paid 4 of its 5 years drops no-till and takes it up again: it is paid once more, then never."""
    model = model_with()
    farms, payments = model.farms, model.incentives.designs["payments"]
    farms.uses[:] = False
    farms.uses[0, 0] = True
    farms.years_in_use[:] = 0
    farms.years_in_use[0, 0] = 1  # re-adopted this season
    payments.paid_years[0, 0] = 4
    paid = [payments.settle(model.year, None).flows[0].amount[0] for _ in range(3)]
    assert paid == pytest.approx([30.0 * farms.area_ha[0], 0.0, 0.0], rel=1e-12)


def test_windfall_is_the_payment_for_practices_the_twin_uses_anyway(model):
    """Referee 24 M1: per farm and practice, the money paid for a practice that the farm's counterfactual twin uses
    that same year is windfall (deadweight). Farm 0 is paid 30 (no-till) + 10 (rotation) per ha and its twin uses
    no-till only; farm 1's twin uses no-till, but farm 1's paid years are over; farm 3's twin uses rotation only."""
    farms, payments = model.farms, model.incentives.designs["payments"]
    farms.uses[:] = [[True, False, False, True], [True, False, False, False], [False] * 4, [True, False, False, True]]
    farms.years_in_use[:] = [[5, 0, 0, 6], [6, 0, 0, 0], [0] * 4, [1, 0, 0, 1]]
    payments.paid_years[:] = [[4, 0, 0, 4], [5, 0, 0, 0], [0] * 4, [0, 0, 0, 0]]
    model.counterfactual.farms.uses[:] = [[True, False, False, False], [True, False, False, False], [False] * 4,
                                          [False, False, False, True]]
    settled = payments.settle(model.year, np.random.default_rng(0))
    assert settled.flows[0].amount == pytest.approx(np.array([40.0, 0.0, 0.0, 40.0]) * farms.area_ha, rel=1e-12)
    assert settled["payments_windfall"] == pytest.approx(np.array([30.0, 0.0, 0.0, 10.0]) * farms.area_ha, rel=1e-12)


def test_yearly_windfall_matches_a_recount_from_the_paid_years_and_the_twin():
    """The yearly ``payments_windfall`` of per_ha_payment (300 farmers, 6 years) against a recount made outside the
    design, from each year's new paid years, the farms' years in use and the twin's practices (the referee's
    check); its share of payments is between 0 and 1 and the payments themselves are unchanged."""
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "per_ha_payment.toml"), seed=42, n_farmers=300)
    design = model.incentives.designs["payments"]
    settle, recount = design.settle, {}

    def counted(year, rng):
        before = design.paid_years.copy()
        out = settle(year, rng)
        paid = design.paid_years > before  # (n, P) paid this year
        repeat = model.farms.years_in_use >= 2
        money = np.where(paid, design.per_ha + np.where(repeat, design.bonus, 0.0), 0.0) * (
            design.paid_share * model.farms.area_ha)[:, None]
        recount[year] = (money.sum(), money[model.counterfactual.farms.uses].sum())
        return out

    design.settle = counted
    model.run_for(6)
    rows = model.results().query("region == 'all'").set_index("year").loc[list(recount)]
    payments, windfall = np.array(list(recount.values())).T
    assert np.allclose(rows.payments, payments, rtol=1e-9) and payments.sum() > 0
    assert np.allclose(rows.payments_windfall, windfall, rtol=1e-9) and 0 < windfall.sum() < payments.sum()
    assert np.allclose(rows.payments_windfall_share, windfall / payments, rtol=1e-9)
