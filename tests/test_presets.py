"""Each preset of a standard or programme (scenarios/preset_*.toml) pins the rule its comments call decisive.

The presets themselves validate and run in test_scenarios.py and keep the money identities in test_policy.py.
"""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.incentives.credit_line import balance_shares
from sim.incentives.payments import paid_area_ha
from sim.incentives.registry import FarmCarbon
from sim.practices import parse_bundle
from sim.scenario import ScenarioError, load_scenario, scenario_with_overrides
from sim.units import CO2_PER_C


def preset(name: str, **overrides) -> sim.Scenario:
    return scenario_with_overrides(load_scenario(SCENARIOS / f"preset_{name}.toml"), overrides)


def run_recording(scenario, years, farmers=1500, seed=1):
    """Run ``scenario`` keeping every year's carbon settlement, and which farms ever changed their bundle."""
    model = sim.AdoptionModel(scenario, seed=seed, n_farmers=farmers)
    registry, settled = model.incentives.carbon.registry, []
    original = registry.settle
    registry.settle = lambda year, farms, leaving, rng: settled.append((year, original(year, farms, leaving, rng))) \
        or settled[-1][1]
    initial, changed = model.farms.bundle.copy(), np.zeros(model.n, bool)
    for _ in range(years):
        model.step()
        changed |= model.farms.bundle != initial
    return model, dict(settled), changed


def test_vm0042_credits_no_farm_for_a_practice_it_already_used_or_one_that_is_common_practice():
    """VM0042: the baseline is each farm's pre-project practice; no-till (45 % of Latin American farms at the start)
    fails the < 20 % common-practice test there, and passes in Africa (1 %). About 28 of this seed's farms keep
    their initial no-till bundle for all 11 years: each of them must be neither enrolled nor credited."""
    model, settled, changed = run_recording(preset("verra_vm0042"), 11)
    carbon = model.incentives.carbon
    africa = list(model.config.regions).index("africa_moist")
    common = carbon.baseline.common
    assert common[0] == parse_bundle("no_till+residue_retention") and common[africa] == 0
    no_till = np.array([parse_bundle("no_till+residue_retention")], np.uint8)
    latin, moist = np.flatnonzero(model.farms.region == 0), np.flatnonzero(model.farms.region == africa)
    conventional_latin = latin[carbon.baseline.bundle[latin] == 0]
    assert not carbon.baseline.eligible(conventional_latin, no_till).any()
    assert carbon.baseline.eligible(moist[carbon.baseline.bundle[moist] == 0], no_till).all()
    assert carbon.baseline.eligible(conventional_latin, np.array([parse_bundle("full_ca")], np.uint8)).all()
    assert sum(s["credits_t_co2e"].sum() for s in settled.values()) > 0
    # farms using no-till at the start that never changed: never enrolled, never credited
    unchanged = (carbon.baseline.bundle != 0) & ~changed
    credits = sum(s["credits_t_co2e"] for s in settled.values())
    assert unchanged.sum() > 15 and not carbon.registry.ever[unchanged].any() and credits[unchanged].sum() == 0


def test_gold_standard_puts_20_percent_of_each_issuance_in_the_buffer_and_credits_ten_years_at_most():
    """At USD 400/t (the eligible practices are those nobody uses at the start, which the equilibrium start values
    low, and in Africa few farms can start no-till; at 300 seed 1 enrols 4 farms by 2029 and none is credited in
    2030's first verification) 35 of 1,500 farms enrol by 2029 and 7,800 t are credited in 2030."""
    model, settled, _ = run_recording(preset("gold_standard_soc", **{"carbon.price.path.value": 400.0}), 21)
    registry = model.incentives.carbon.registry
    first = settled[2030]
    credited = first["credits_t_co2e"] + first["buffer_t_co2e"]
    assert credited.sum() > 0
    assert first["buffer_t_co2e"] == pytest.approx(0.20 * credited, rel=1e-12)  # no reversal in the first round
    early = registry.ever & (registry.enrol_year <= 2029)  # credited to 2035 at most (period of 10 seasons)
    assert early.sum() > 0 and not registry.enrolled[early].any()
    assert settled[2040]["credits_t_co2e"][early].sum() == 0 and settled[2045]["credits_t_co2e"][early].sum() == 0


def _registry_of(scenario):
    model = sim.AdoptionModel(scenario, seed=0, n_farmers=30)
    return model.incentives.carbon.registry


def _farms(gap):
    n = gap.size
    return FarmCarbon(gap, 30.0 + gap, np.ones(n, bool), np.ones(n), np.ones(n), gap)


def test_label_bas_carbone_recognises_nothing_before_year_five_then_the_change_less_the_generic_rabais():
    registry = _registry_of(preset("label_bas_carbone", **{"carbon.baseline.reference_deduction": 0.10}))
    n = registry.area.size
    registry.enrol(np.arange(n), np.zeros(n), 2026)
    for year in range(2026, 2030):
        assert registry.settle(year, _farms(np.full(n, 0.1 * (year - 2025))), np.zeros(n, bool),
                               None)["credits_t_co2e"].sum() == 0
    year5 = registry.settle(2030, _farms(np.full(n, 0.5)), np.zeros(n, bool), None)
    assert year5["credits_t_co2e"] == pytest.approx(0.5 * registry.area * CO2_PER_C * 0.9, rel=1e-12)


def test_recsoil_discounts_5_percent_for_reversal_risk_and_needs_8_years():
    registry = _registry_of(preset("fao_recsoil"))
    n = registry.area.size
    registry.enrol(np.arange(n), np.zeros(n), 2026)
    year = registry.settle(2027, _farms(np.full(n, 0.4)), np.zeros(n, bool), None)
    assert year["credits_t_co2e"] == pytest.approx(0.4 * registry.area * CO2_PER_C * 0.95, rel=1e-12)
    with pytest.raises(ScenarioError, match="fao_recsoil' requires crediting_period_years >= 8"):
        preset("fao_recsoil", **{"carbon.crediting_period_years": 7})


def _payments(scenario, areas, uses, years_in_use):
    model = sim.AdoptionModel(scenario, seed=0, n_farmers=len(areas) * 3)
    farms, payments = model.farms, model.incentives.designs["payments"]
    rows = np.arange(len(areas))
    farms.area_ha[rows] = areas
    spec = scenario.payments
    payments.paid_share = paid_area_ha(farms.area_ha, spec.degressive_above_ha, spec.degressive_rate_share) / farms.area_ha
    farms.uses[rows] = uses
    farms.years_in_use[rows] = years_in_use
    return model, payments


def test_spanish_eco_scheme_pays_every_user_70_ha_at_the_full_rate_and_a_repeat_complement():
    """A 100-ha rain-fed farm: 70 x 47.87 + 30 x 0.70 x 47.87 USD, + 100 x 27 when it repeats no-till; 0 without it."""
    scenario = preset("eco_scheme_all_users")
    no_till = [True, False, False, False]
    model, payments = _payments(scenario, [100.0, 100.0, 100.0], [no_till, no_till, [False] * 4],
                                [[1, 0, 0, 0], [2, 0, 0, 0], [0] * 4])
    paid = payments.settle(model.year, None).flows[0].amount[:3]
    rate = 47.87
    assert paid == pytest.approx([70 * rate + 30 * 0.7 * rate, (70 + 30 * 0.7) * (rate + 27.0), 0.0], rel=1e-12)


def test_new_adopter_eco_scheme_never_pays_farms_that_used_the_practice_at_the_start():
    model = sim.AdoptionModel(preset("eco_scheme_new_adopters"), seed=2, n_farmers=1500)
    payments = model.incentives.designs["payments"]
    users_at_start = model.farms.uses[:, 0].copy()
    paid = np.zeros(model.n)
    original = payments.settle

    def recording(year, rng):
        settlement = original(year, rng)
        paid[:] += settlement.flows[0].amount
        return settlement

    payments.settle = recording
    model.run_for(12)
    assert users_at_start.sum() > 100 and paid[users_at_start].sum() == 0 and paid.sum() > 0
    assert payments.paid_years.max() <= 5


def test_credit_line_pays_the_interest_spread_on_the_balance_and_caps_the_loan():
    """RenovAgro: 12 years, 8 of grace: the balance is whole for 8 seasons, then falls by a quarter a year;
    subsidy = (13.75 % - 10 %) x balance."""
    scenario = preset("credit_line_renovagro", **{"credit_line.max_loan": 1000.0})
    assert balance_shares(12, 8) == pytest.approx([1] * 8 + [1.0, 0.75, 0.5, 0.25])
    model = sim.AdoptionModel(scenario, seed=0, n_farmers=30)
    line = model.incentives.designs["credit_line"]
    line.principal[:] = 0.0
    line.principal[:2] = [800.0, 1000.0]  # 1000 = the cap
    line.loan_year[:2] = [2025, 2016]
    subsidy = line.settle(2034, None).flows[0].amount
    assert subsidy[:2] == pytest.approx([0.0375 * 800 * 0.75, 0.0]) and subsidy[2:].sum() == 0
    farms = model.farms
    farms.uses[:] = False
    farms.uses[2, 0], farms.years_in_use[2, 0], farms.area_ha[2] = True, 1, 100.0  # no-till: 60/ha one-off
    farms.credit_access[2:4] = True
    farms.uses[3, 0], farms.years_in_use[3, 0], farms.hires[3] = True, 1, True  # no-till by a hire service
    line.after_adoption(2034)
    assert line.principal[2] == 1000.0  # 6,000 asked, 1,000 lent
    assert line.principal[3] == 0.0  # the contractor's seeder: the farm paid no one-off cost, so it borrows nothing
    assert line.settle(2034, None).flows[0].amount[2] == pytest.approx(0.0375 * 1000.0)
