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
        "carbon.price_per_t_co2e": st.floats(0, 150),
        "carbon.farmer_share": st.floats(0, 1),
        "carbon.buyer": st.sampled_from(["private", "public"]),
        "carbon.uncertainty_deduction": st.floats(0, 0.5),
        "carbon.buffer": st.floats(0, 0.3),
        "carbon.mrv_cost_per_farm": st.floats(0, 200),
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
    value = flows.carbon_value.to_numpy()
    parts = (flows.carbon_to_farmers + flows.carbon_to_intermediaries).to_numpy()
    assert np.allclose(parts, value, rtol=1e-9, atol=1e-9)
    share = model.config.carbon.farmer_share
    assert np.allclose(flows.carbon_to_farmers, value * share, rtol=1e-9, atol=1e-9)
    income_total = flows.income_mean * flows.farmers
    reconstructed = (flows.revenue - flows.production_costs - flows.transition_costs + flows.payments
                     + flows.carbon_to_farmers - flows.mrv_cost)
    assert np.allclose(income_total, reconstructed, rtol=1e-9, atol=1e-6)
    public = flows.payments + (flows.carbon_value if model.config.carbon.buyer == "public" else 0.0)
    assert np.allclose(flows.public_spending, public, rtol=1e-12)
    # regions add up to 'all'
    for column in ("farmers", "area_ha", "soc_total_t_c", "carbon_value", "payments", "revenue", "credits_t_co2e"):
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


def test_credits_equal_enrolled_removals_times_factors():
    scenario = scenario_with_overrides(BASE, {"carbon.price_per_t_co2e": 60.0, "carbon.mrv_cost_per_farm": 0.0,
                                              "carbon.mrv_cost_per_ha": 0.0})
    model = sim.AdoptionModel(scenario, seed=3, n_farmers=3000, create_agents=False)
    before = model.soil.stock_t_c_per_ha.copy()
    model.step()
    gained = np.maximum(model.soil.stock_t_c_per_ha - before, 0) * model.params.area_ha
    expected = (gained * model.state.enrolled).sum() * 44 / 12 * (1 - 0.2) * (1 - 0.1)
    t = model.results()
    credited = t[(t.region == "all") & (t.year == model.year)].credits_t_co2e.item()
    assert credited > 0
    assert np.isclose(credited, expected, rtol=1e-12)
