"""Accounting identities and bounds over random valid scenarios (property-based with Hypothesis)."""

import numpy as np
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.scenario_loader import scenario_with_overrides

BASE = sim.load_scenario(SCENARIOS / "baseline.toml")

overrides = st.fixed_dictionaries(
    {
        "carbon.price": st.fixed_dictionaries({
            "kind": st.sampled_from(["constant", "stochastic"]), "value": st.floats(0, 150), "mean": st.floats(1, 100),
            "reversion": st.floats(0, 1), "volatility": st.floats(0, 1), "floor": st.floats(0, 60),
            "contract_years": st.integers(0, 10), "guarantor": st.sampled_from(["public", "buyer"])}),
        "carbon.farmer_share": st.floats(0, 1),
        "carbon.buyer": st.sampled_from(["private", "public"]),
        "carbon.buffer": st.floats(0, 0.3),
        "carbon.verification_interval_years": st.integers(1, 6),
        "carbon.quantification": st.sampled_from(["modelled", "measured"]),
        "carbon.on_reversal": st.sampled_from(["buffer", "clawback"]),
        "carbon.mrv.uncertainty_deduction": st.floats(0, 0.5),
        "carbon.mrv.cost_per_farm": st.floats(0, 200),
        "carbon.mrv.measurement_sd_t_c_per_ha": st.floats(0, 3),
        "carbon.mrv.group_certification": st.booleans(),
        "payments.per_ha": st.fixed_dictionaries({"no_till": st.floats(0, 80), "cover_crops": st.floats(0, 80)}),
        "payments.duration_years": st.integers(0, 10),
        "decision.revision_rate": st.floats(0, 1),
        "decision.social_weight": st.floats(0, 3),
        "decision.choice_intensity": st.floats(0, 30),
        "soil.factor_set": st.sampled_from(["2006", "2019"]),
        "regions.africa_dry.risk_aversion": st.floats(0, 5),
        "regions.latin_america.farm_size_sigma": st.floats(0, 2),
    }
)


def check_identities(model: sim.AdoptionModel) -> None:
    t = model.results()
    flows = t[t.year > model.config.start_year]
    # every unit of money accounted: payers = receivers, in every region and year
    paid = flows.buyer_spending + flows.clawback + flows.guarantor_spending + flows.twin_buyer_spending
    received = flows.authority_fees + flows.aggregator_fees + flows.carbon_to_farmers + flows.carbon_to_intermediaries
    assert np.allclose(paid, received, rtol=1e-9, atol=1e-6)
    value = flows.carbon_value.to_numpy()
    assert np.allclose(flows.aggregator_fees + flows.carbon_to_farmers + flows.carbon_to_intermediaries, value,
                       rtol=1e-9, atol=1e-6)
    c = model.config.carbon
    fee = c.mrv.aggregator_fee_share if c.mrv.group_certification else 0.0
    assert np.allclose(flows.carbon_to_farmers, value * (1 - fee) * c.farmer_share, rtol=1e-9, atol=1e-6)
    income_total = flows.income_mean * flows.farmers
    reconstructed = (flows.revenue - flows.production_costs - flows.transition_costs + flows.payments
                     + flows.carbon_to_farmers - flows.mrv_cost - flows.clawback)
    assert np.allclose(income_total, reconstructed, rtol=1e-9, atol=1e-6)
    public = (flows.payments + (flows.buyer_spending if c.buyer == "public" else 0.0)
              + (flows.guarantor_spending if c.price.guarantor == "public" else 0.0))
    assert np.allclose(flows.public_spending, public, rtol=1e-12)
    # regions add up to 'all'
    for column in ("farmers", "area_ha", "soc_total_t_c", "carbon_value", "payments", "revenue", "credits_t_co2e",
                   "buyer_spending", "mrv_cost", "clawback"):
        by_year = flows[flows.region != "all"].groupby("year")[column].sum()
        everyone = flows[flows.region == "all"].set_index("year")[column]
        assert np.allclose(by_year, everyone, rtol=1e-9, atol=1e-6), column
    # total area and farmers conserved over time
    everyone = t[t.region == "all"]
    assert everyone.area_ha.nunique() == 1 and everyone.farmers.nunique() == 1
    shares = flows[[c for c in t.columns if c.endswith("_share")]].to_numpy()
    assert np.all((shares >= 0) & (shares <= 1))
    assert np.all(model.soil.stock_t_c_per_ha >= 0)
    assert np.all(t.soc_total_t_c >= 0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides, st.integers(0, 2**31))
def test_identities_hold_in_random_valid_scenarios(values, seed):
    scenario = scenario_with_overrides(BASE, values)
    model = sim.AdoptionModel(scenario, seed=seed, n_farmers=600, create_agents=False)
    model.run_for(6)
    check_identities(model)
