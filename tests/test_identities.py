"""Accounting identities and bounds over random valid scenarios (property-based with Hypothesis)."""

from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.scenario import scenario_with_overrides

BASE = sim.load_scenario(SCENARIOS / "baseline.toml")

price_paths = st.one_of(
    st.fixed_dictionaries({"kind": st.just("constant"), "value": st.floats(0, 150)}),
    st.fixed_dictionaries({"kind": st.just("stochastic"), "value": st.floats(0, 150), "mean": st.floats(1, 100),
                           "reversion": st.floats(0, 1), "volatility": st.floats(0, 1)}),
)

overrides = st.fixed_dictionaries(
    {
        "carbon.price": st.fixed_dictionaries({
            "path": price_paths, "floor": st.floats(0, 60), "contract_years": st.integers(0, 10),
            "guarantor": st.sampled_from(["public", "buyer"])}),
        "carbon.farmer_share": st.floats(0, 1),
        "carbon.buyer": st.sampled_from(["private", "public"]),
        "carbon.buffer": st.floats(0, 0.3),
        "carbon.verification_interval_years": st.integers(1, 6),
        "carbon.quantification": st.sampled_from(["modelled", "measured"]),
        "carbon.on_reversal": st.sampled_from(["buffer", "clawback"]),
        "carbon.permanence_discount": st.floats(0, 0.1),
        "carbon.payment_lag_years": st.integers(0, 2),
        "carbon.crediting_period_years": st.integers(6, 12),
        "carbon.monitoring_years_after_exit": st.integers(0, 10),
        "carbon.baseline.method": st.sampled_from(["modelled", "fixed"]),
        "carbon.baseline.common_practice_threshold": st.floats(0.05, 1),
        "carbon.mrv.approach": st.one_of(
            st.fixed_dictionaries({"kind": st.just("model"),
                                   "relative_sd": st.one_of(st.floats(0, 1), st.just("ipcc_tier1"))}),
            st.fixed_dictionaries({"kind": st.just("spectral"), "cost_per_sample": st.floats(0, 100),
                                   "samples_per_farm": st.integers(2, 10), "samples_per_group": st.integers(2, 100),
                                   "point_change_cv": st.floats(0.01, 0.2),
                                   "prediction_rmse_g_per_kg": st.floats(0, 2)})),
        "carbon.mrv.allowable_uncertainty": st.floats(0, 0.5),
        "carbon.mrv.cost_per_farm": st.floats(0, 200),
        "carbon.mrv.group_certification": st.booleans(),
        "carbon.mrv.group_fee_sharing": st.sampled_from(["equal", "area"]),
        "payments.per_ha": st.fixed_dictionaries({"no_till": st.floats(0, 80), "cover_crops": st.floats(0, 80)}),
        "payments.duration_years": st.integers(1, 10),
        "payments.eligible": st.sampled_from(["all_users", "new_adopters"]),
        "credit_line": st.one_of(st.none(), st.fixed_dictionaries({
            "interest_rate": st.floats(0, 0.1), "market_rate": st.floats(0.1, 0.2), "tenor_years": st.integers(2, 12),
            "grace_years": st.integers(0, 1), "max_loan": st.floats(0, 1e5), "reach": st.floats(0, 1)})),
        "decision.rule.revision_rate": st.floats(0, 1),
        "decision.rule.noise_share": st.floats(0.01, 1),
        "decision.rule.heterogeneity_share": st.floats(0, 1),
        "decision.rule.conformity_share": st.floats(0, 0.5),
        "soil.factor_set": st.sampled_from(["2006", "2019"]),
        "regions.africa_dry.risk_aversion": st.floats(0, 5),
        "regions.latin_america.farm_size_sigma": st.floats(0, 2),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overrides, st.integers(0, 2**31))
def test_identities_hold_in_random_valid_scenarios(check_identities, values, seed):
    if values["carbon.mrv.approach"].get("relative_sd") == "ipcc_tier1":  # derived from the 2019 factors only
        values = {**values, "soil.factor_set": "2019"}
    scenario = scenario_with_overrides(BASE, values)
    model = sim.AdoptionModel(scenario, seed=seed, n_farmers=600)
    model.run_for(6)
    check_identities(model)
