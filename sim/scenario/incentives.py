"""Incentive designs: the carbon programme (price, MRV, crediting, who gets what), Twin Regions market, per-ha payments.

Each design has one table here and one module in ``sim.incentives``. Money is in the scenario's currency.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.practices import PRACTICES
from sim.scenario.base import (
    MAX_MONEY_PER_HA_PER_YEAR,
    MoneyPerHa,
    NonNegative,
    Positive,
    RegionName,
    Share,
    Strict,
    kind_table,
)
from sim.scenario.years import check_year_keys

PracticeName = Literal[PRACTICES]  # type: ignore[valid-type]
_KIND = "price path model: constant, ramp, series or stochastic"
_MRV_KIND = "MRV approach: soil_sampling, spectral or model"
#: Highest carbon price a scenario may set, currency/t CO2e (referee 33 m5): above the carbon values of 1.5 degC
#: pathways in 2100 (IPCC AR6 WGIII, up to a few thousand USD/t, RECALLED) and the cost of engineered removals (direct
#: air capture ~100-1,000 USD/t, RECALLED), in the schema's currencies (USD, EUR); a price with a typo's zeros lies
#: above it.
MAX_CARBON_PRICE_PER_T_CO2E = 10_000.0
#: A carbon price within that bound (>= 0; ``PositiveCarbonPrice`` > 0).
CarbonPriceValue = Annotated[float, Field(ge=0.0, le=MAX_CARBON_PRICE_PER_T_CO2E)]
PositiveCarbonPrice = Annotated[float, Field(gt=0.0, le=MAX_CARBON_PRICE_PER_T_CO2E)]
_PRICE_BOUND = f"<= {MAX_CARBON_PRICE_PER_T_CO2E:,.0f}: above 1.5 degC pathways' carbon values in 2100"


class ConstantPrice(Strict):
    """A constant market price."""

    kind: Literal["constant"] = Field(description=_KIND)
    value: CarbonPriceValue = Field(description=f"the price, currency/t CO2e ({_PRICE_BOUND})")


class RampPrice(Strict):
    """A price linear from ``start_value`` in ``start_year`` to ``end_value`` in ``end_year``, flat outside."""

    kind: Literal["ramp"] = Field(description=_KIND)
    start_value: CarbonPriceValue = Field(description=f"price in start_year, currency/t CO2e ({_PRICE_BOUND})")
    end_value: CarbonPriceValue = Field(description=f"price in end_year, currency/t CO2e ({_PRICE_BOUND})")
    start_year: int = Field(description="first year of the ramp")
    end_year: int = Field(description="last year of the ramp")

    @model_validator(mode="after")
    def _ordered(self) -> RampPrice:
        if self.end_year <= self.start_year:
            raise ValueError("ramp: end_year must be after start_year")
        return self


class SeriesPrice(Strict):
    """A price by year, linear between the given years and flat outside them."""

    kind: Literal["series"] = Field(description=_KIND)
    by_year: dict[str, CarbonPriceValue] = Field(description="price by year {\"2025\" = 10, ...}, currency/t CO2e "
                                                 f"({_PRICE_BOUND})")

    @model_validator(mode="after")
    def _years(self) -> SeriesPrice:
        check_year_keys(self.by_year, 1900, 2200, "prices", "by_year ")
        return self


class StochasticPrice(Strict):
    """A mean-reverting log price, seeded (reproducible from the run's seed).

    ln p(t+1) = ln p(t) + reversion x (c - ln p(t)) + volatility x e, e ~ N(0, 1), starting at ``value``, with c
    set so the long-run arithmetic mean is ``mean``.
    """

    kind: Literal["stochastic"] = Field(description=_KIND)
    value: CarbonPriceValue = Field(description=f"initial price, currency/t CO2e ({_PRICE_BOUND})")
    mean: PositiveCarbonPrice = Field(description=f"long-run (arithmetic) mean price, currency/t CO2e ({_PRICE_BOUND})")
    reversion: Share = Field(description="yearly pull of the log price to the log mean")
    volatility: Annotated[float, Field(ge=0.0, le=3.0)] = Field(description="sd of yearly log-price shocks")


#: How the market price moves: a kind table (a derived file that changes ``kind`` replaces the whole table).
PricePath = kind_table(ConstantPrice, RampPrice, SeriesPrice, StochasticPrice)


class CarbonPrice(Strict):
    """The carbon price: its market path, and the guarantees on it (floor, ceiling, fixed-price contracts).

    The project's price g is the market price clipped to [floor, ceiling], or the farm's contract price.
    """

    path: PricePath = Field(description="the market price path, currency/t CO2e (kind: constant, ramp, series or "
                            "stochastic)")
    floor: CarbonPriceValue = Field(description="guaranteed minimum price to the project (contract for difference), "
                                    f"0 = none ({_PRICE_BOUND})")
    ceiling: PositiveCarbonPrice | None = Field(None, description="price above which the excess returns to the "
                                                f"guarantor (none if absent; {_PRICE_BOUND})")
    contract_years: Annotated[int, Field(ge=0, le=100)] = Field(
        description="a farm's price is fixed for this many years at its enrolment (0 = spot price every year)"
    )
    guarantor: Literal["public", "buyer"] = Field(description="who pays the floor top-up and contract differences "
                                                  "(and receives the excess above a ceiling): the public, or the "
                                                  "general market's buyer, which is the public too when carbon.buyer "
                                                  "is public")

    @model_validator(mode="after")
    def _ceiling_above_floor(self) -> CarbonPrice:
        if self.ceiling is not None and self.ceiling < self.floor:
            raise ValueError(f"ceiling {self.ceiling} is below floor {self.floor}")
        return self


class _Sampling(Strict):
    """Fields shared by the measure-and-re-measure designs (paired composite samples re-measured at each verification)."""

    cost_per_sample: NonNegative = Field(description="sampling and analysis of one composite sample, currency")
    samples_per_farm: Annotated[int, Field(ge=2, le=10_000)] = Field(
        description="paired composite samples per farm and verification (individual certification)")
    samples_per_group: Annotated[int, Field(ge=2, le=100_000)] = Field(
        description="paired composite samples per farmer organisation and verification (group certification: one "
                    "stratified design for the group)")
    point_change_cv: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="sd of the stock change measured at one paired point, as a share of the stock")


class SoilSampling(_Sampling):
    """Direct soil sampling, measure and re-measure (VM0042 QA2, Gold Standard Approach 1): laboratory analyses.

    Standard error of a unit's change (t C/ha) = point_change_cv x stock / sqrt(samples).
    """

    kind: Literal["soil_sampling"] = Field(description=_MRV_KIND)


class Spectral(_Sampling):
    """The sampling design of ``soil_sampling`` with samples analysed by vis-NIR/MIR spectroscopy.

    Cheaper per sample, with a prediction error added twice per paired point (time 1 and time 2).

    Standard error of a unit's change = sqrt((point_change_cv x stock)^2 + 2 x prediction^2) / sqrt(samples), with
    prediction = prediction_rmse_g_per_kg converted to t C/ha with the region's bulk density and the soil depth.
    """

    kind: Literal["spectral"] = Field(description=_MRV_KIND)
    prediction_rmse_g_per_kg: NonNegative = Field(description="prediction error (RMSE) of one spectral SOC estimate, "
                                                  "g C/kg soil")


#: Named ways of deriving a modelled change's relative sd (``Modelled.relative_sd``): "ipcc_tier1" propagates the
#: IPCC 2019 Tier 1 factors' uncertainties per region (climate) and bundle pair (``sim.incentives.model_uncertainty``).
RELATIVE_SD_METHODS = ("ipcc_tier1",)
#: Largest relative sd a scenario may give as a number (a share of the change).
MAX_RELATIVE_SD = 5.0


class Modelled(Strict):
    """Practice-based modelling (measure-and-model with a calibrated model, or IPCC default factors).

    The change is computed from practice records; its uncertainty is a share of the change, whatever the number
    of farms: one number for every practice and climate, or derived per region and bundle pair from the IPCC
    Tier 1 factors' uncertainties ("ipcc_tier1", ``sim.incentives.model_uncertainty``).
    """

    kind: Literal["model"] = Field(description=_MRV_KIND)
    relative_sd: Annotated[float, Field(ge=0.0, le=MAX_RELATIVE_SD)] | Literal[RELATIVE_SD_METHODS] = Field(  # type: ignore[valid-type]
        description=f"1-sd uncertainty of a modelled stock change, as a share of the change: a number from 0 to "
                    f"{MAX_RELATIVE_SD:g} for every practice and climate, or 'ipcc_tier1': derived for each region's "
                    "climate and each farm's baseline -> current bundle from the IPCC 2019 Tier 1 factors' "
                    "uncertainties (needs soil.factor_set = '2019'; derived shares range 0.22 to 12.75, inf where the "
                    "factors predict no change; at the default quantile and allowance a share above 0.70 deducts the whole "
                    "change)")

    @field_validator("relative_sd", mode="before")
    @classmethod
    def _number_or_method(cls, value: object) -> object:
        expected = (f"expected a number from 0 to {MAX_RELATIVE_SD:g} (one share for every practice and climate) or "
                    f"one of {', '.join(repr(m) for m in RELATIVE_SD_METHODS)}")
        if isinstance(value, str):
            if value not in RELATIVE_SD_METHODS:
                raise ValueError(f"{value!r} is not a known method; {expected}")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"not a number nor a method name; {expected}")
        elif not 0.0 <= value <= MAX_RELATIVE_SD:
            raise ValueError(f"{value} is outside 0 to {MAX_RELATIVE_SD:g}; {expected}")
        return value


#: How removals are quantified and how uncertain that is: a kind table.
MrvApproach = kind_table(SoilSampling, Spectral, Modelled)


class Mrv(Strict):
    """Measurement, reporting and verification: the approach, its cost, the uncertainty deduction, group certification.

    Cost per enrolled farm and verification: individual = cost_per_farm + cost_per_ha x area (+ cost_per_sample x
    samples_per_farm when sampling); group = the organisation's group_cost (+ cost_per_sample x samples_per_group)
    shared by the members verified (equally or by area) + cost_per_ha x area; the aggregator keeps
    aggregator_fee_share of the credit value. Uncertainty deduction of a unit (farm, or the group when grouped):
    U = z(uncertainty_quantile) x standard error / |mean change|, deduction = min(max(U - allowable_uncertainty, 0), 1).
    """

    approach: MrvApproach = Field(description="how removals are quantified: soil_sampling, spectral or model")
    cost_per_farm: NonNegative = Field(description="fixed cost per farm and verification (individual certification), "
                                       "currency")
    cost_per_ha: MoneyPerHa = Field(description="cost per enrolled ha and verification, currency/ha (<= "
                                    f"{MAX_MONEY_PER_HA_PER_YEAR:,.0f})")
    uncertainty_quantile: Annotated[float, Field(ge=0.5, lt=1.0)] = Field(
        description="normal (model) or Student t (sampling) quantile of the half-width: 0.95 = a two-sided 90 % "
                    "interval")
    allowable_uncertainty: NonNegative = Field(
        description="relative half-width allowed without deduction; the excess is deducted")
    group_certification: bool = Field(description="certify farmers in groups through their farmer organisation")
    group_cost: NonNegative = Field(description="fixed cost per farmer organisation and verification when grouped, "
                                    "currency")
    group_fee_sharing: Literal["equal", "area", "credits"] = Field(
        description="how the group's fixed cost is shared by the members verified: equally, by area, or by the "
                    "credits of the verification")
    aggregator_fee_share: Share = Field(description="share of the credit value kept by the group aggregator "
                                        "(grouped only)")


class TwinMarket(Strict):
    """Twin Regions market: buyers of one place pay farmers of twinned regions under a Market Authority's rules."""

    buyer: str = Field(description="who buys (label, e.g. 'Alfter, Germany')")
    seller_regions: Annotated[list[RegionName], Field(min_length=1)] = Field(description="regions whose credits it buys")
    price_per_t_co2e: CarbonPriceValue = Field(description="price set by the Market Authority, currency/t CO2e "
                                               f"({_PRICE_BOUND})")
    annual_budget: NonNegative | None = Field(None, description="buyers' yearly budget, currency (none if absent); an "
                                              "issuance is bought with the budgets of the years it covers "
                                              "(verification_interval_years), unspent budget lapses")
    demand_cap_t_co2e: NonNegative | None = Field(None, description="most credits bought a year, t CO2e (none if "
                                                  "absent); an issuance may take the caps of the years it covers")
    authority_fee_share: Share = Field(description="share of the purchase kept by the Market Authority")


#: Standards whose decisive rules a scenario can be checked against (``Carbon.standard``).
STANDARDS = ("none", "verra_vm0042", "gold_standard_soc", "label_bas_carbone", "fao_recsoil")
Standard = Literal[STANDARDS]  # type: ignore[valid-type]


class CreditingBaseline(Strict):
    """What a farm's removals are counted against, and which practice changes may be credited.

    Credited change of a farm = (stock - baseline stock) now - the same at its last verification. The baseline stock
    is its practice at the programme start modelled forward with the same soil model ('modelled', VM0042) or its
    stock at the start ('fixed', Gold Standard). Eligible: a farm using a practice it did not use at the start
    (``new_practice_required``) that is not common practice in its region (adopted on at least
    ``common_practice_threshold`` of the region's area at the start; 1 = no test).
    """

    method: Literal["modelled", "fixed"] = Field(
        description="'modelled': pre-project practice modelled forward; 'fixed': the stock at the programme start")
    reference_deduction: Share = Field(description="share of the credited change withheld for a generic (regional) "
                                       "reference (Label Bas Carbone: 10 %)")
    new_practice_required: bool = Field(description="only farms that adopted a practice after the programme start "
                                        "are credited")
    common_practice_threshold: Share = Field(
        description="a practice on at least this share of a region's area at the start is common practice there "
                    "and does not make a farm eligible (1 = no common-practice test)")


class ProductivityLeakage(Strict):
    """Leakage when yields fall: production displaced elsewhere, deducted from the credited change.

    Per farm and verification: decline = 1 - mean yield / mean baseline yield over the period (baseline: the same
    farm without the programme, same weather); leakage = max(decline - threshold, 0) x area x years
    x ghg.displaced_production_t_co2e_per_ha, none in the farm's first exempt_years.
    """

    yield_decline_threshold: Share = Field(description="yield decline beyond which leakage is deducted")
    exempt_years: Annotated[int, Field(ge=0, le=100)] = Field(description="years after enrolment without leakage "
                                                              "deduction")


class Carbon(Strict):
    """Results-based carbon crediting: price, baseline and eligibility, quantification, deductions, permanence, money.

    Credits issued at a verification = (removals since the last one - leakage) x 44/12 x (1 - uncertainty deduction)
    x (1 - reference deduction) x (1 - buffer - permanence discount), for farms enrolled and within their crediting
    period. Farms that leave or end their crediting period stay monitored; later losses are reversals.
    """

    standard: Standard = Field(
        description="check the decisive rules of this standard: none, verra_vm0042, gold_standard_soc, "
                    "label_bas_carbone or fao_recsoil")
    price: CarbonPrice
    mrv: Mrv
    baseline: CreditingBaseline
    leakage: ProductivityLeakage
    buyer: Literal["private", "public"] = Field(description="who buys credits on the general market")
    farmer_share: Share = Field(description="share of the credit value (after any aggregator fee) paid to farmers")
    buffer: Share = Field(description="share of credited removals put into the non-permanence buffer pool")
    permanence_discount: Share = Field(description="share of credited removals withheld for the risk of reversal "
                                       "and never issued (no pool)")
    verification_interval_years: Annotated[int, Field(ge=1, le=50)] = Field(
        description="years between verifications, when credits are issued (VM0042, Label Bas Carbone: 5)"
    )
    crediting_period_years: Annotated[int, Field(ge=1, le=100)] = Field(
        description="years from a farm's enrolment during which it is credited")
    crediting_renewals: Annotated[int, Field(ge=0, le=20)] = Field(
        description="times a crediting period is renewed for a farm still eligible at its end")
    monitoring_years_after_exit: Annotated[int, Field(ge=0, le=200)] = Field(
        description="years a farm stays monitored for reversals after it leaves or its crediting ends")
    payment_lag_years: Annotated[int, Field(ge=0, le=10)] = Field(
        description="years from a verification to the payment of its credits")
    quantification: Literal["modelled", "measured"] = Field(
        description="credited change: the soil model's, or measured with the MRV approach's sampling error")
    on_reversal: Literal["buffer", "clawback"] = Field(
        description="a loss of credited carbon is cancelled from the buffer pool, or repaid by the farmer"
    )

    @model_validator(mode="after")
    def _deductions_and_standard(self) -> Carbon:
        if self.crediting_period_years < self.verification_interval_years:
            raise ValueError(f"crediting_period_years ({self.crediting_period_years}) is shorter than "
                             f"verification_interval_years ({self.verification_interval_years}): a crediting period "
                             "must contain a verification")
        if self.buffer + self.permanence_discount > 1.0:
            raise ValueError(f"buffer ({self.buffer}) + permanence_discount ({self.permanence_discount}) exceed 1")
        problems = [rule for rule, holds in standard_rules(self) if not holds]
        if problems:
            raise ValueError(f"standard = {self.standard!r} requires " + "; ".join(problems))
        return self


def standard_rules(c: Carbon) -> list[tuple[str, bool]]:
    """(rule, holds) for the decisive rules of ``c.standard`` (sources: scenarios/preset_*.toml)."""
    b = c.baseline
    if c.standard == "verra_vm0042":
        return [("buffer >= 0.10 (AFOLU NPRT v4.0 minimum)", c.buffer >= 0.10),
                ("verification_interval_years <= 5 (SOC re-measured at least every 5 years)",
                 c.verification_interval_years <= 5),
                ("crediting_period_years >= 20 (VCS Standard: ALM crediting 20-100 years)",
                 c.crediting_period_years >= 20),
                ("baseline.method = 'modelled' (continuation of pre-project practice)", b.method == "modelled"),
                ("baseline.new_practice_required = true", b.new_practice_required),
                ("baseline.common_practice_threshold <= 0.20", b.common_practice_threshold <= 0.20)]
    if c.standard == "gold_standard_soc":
        return [("buffer = 0.20 (fixed compliance buffer)", c.buffer == 0.20),
                ("crediting_period_years = 10 and crediting_renewals = 0 (tillage module)",
                 c.crediting_period_years == 10 and c.crediting_renewals == 0),
                ("baseline.method = 'fixed'", b.method == "fixed")]
    if c.standard == "label_bas_carbone":
        return [("crediting_period_years = 5 (a 5-year project, renewable)", c.crediting_period_years == 5),
                ("verification_interval_years = 5 (verified at the end of the project)",
                 c.verification_interval_years == 5)]
    if c.standard == "fao_recsoil":
        return [("crediting_period_years >= 8 (at least 8 consecutive years)", c.crediting_period_years >= 8),
                ("permanence_discount >= 0.05 (5 % risk-of-reversal discount)", c.permanence_discount >= 0.05)]
    return []


class Payments(Strict):
    """Public per-hectare payments for practices in use (eco-scheme style).

    A practice is paid per_ha x paid area each year it is used, for at most duration_years years per farm (dropping
    and re-adopting does not restart the count). Paid area = area up to degressive_above_ha, plus
    degressive_rate_share of the area above it. ``eligible = "new_adopters"`` pays only practices a farm did not use
    at the start. A practice used again after last season also earns repeat_bonus_per_ha (Spain's multi-year complement).
    """

    per_ha: dict[PracticeName, MoneyPerHa] = Field(description="payment per practice in use, currency/ha/yr (<= "
                                                   f"{MAX_MONEY_PER_HA_PER_YEAR:,.0f} each)")
    duration_years: Annotated[int, Field(ge=0, le=200)] = Field(
        description="years a farm is paid for a practice (needed, >= 1, when a rate is set)")
    eligible: Literal["all_users", "new_adopters"] = Field(
        description="who is paid: every user of a practice, or only farms that did not use it at the start")
    degressive_above_ha: NonNegative | None = Field(
        None, description="area above which the rate is reduced, ha (none if absent)")
    degressive_rate_share: Share = Field(description="rate above degressive_above_ha, as a share of the full rate")
    repeat_bonus_per_ha: dict[PracticeName, MoneyPerHa] = Field(
        description="extra payment for a practice used again after last season, currency/ha/yr (<= "
        f"{MAX_MONEY_PER_HA_PER_YEAR:,.0f} each)")

    @model_validator(mode="after")
    def _paid_for_some_years(self) -> Payments:
        paid = [p for p, rate in {**self.per_ha, **self.repeat_bonus_per_ha}.items() if rate > 0]
        if paid and self.duration_years == 0:
            raise ValueError(f"duration_years is 0 but {', '.join(paid)} {'is' if len(paid) == 1 else 'are'} paid: "
                             "set for how many years a farm is paid (>= 1)")
        return self


class CreditLine(Strict):
    """A concessional credit line for the one-off costs of new practices (Brazil's ABC / RenovAgro).

    A farm that starts practices borrows their one-off cost (at most max_loan); it pays interest_rate instead of
    market_rate: the public pays the difference on the outstanding balance (full during grace_years, then repaid in
    equal parts until tenor_years). One loan per farm at a time. A share ``reach`` of the farms without other credit
    can borrow through the line.
    """

    interest_rate: Share = Field(description="the line's interest rate, 1/yr")
    market_rate: Share = Field(description="the rate the farm would pay otherwise, 1/yr")
    tenor_years: Annotated[int, Field(ge=1, le=50)] = Field(description="years until the loan is repaid")
    grace_years: Annotated[int, Field(ge=0, le=49)] = Field(description="years before principal repayments start")
    max_loan: NonNegative = Field(description="largest loan per beneficiary, currency")
    reach: Share = Field(description="share of farms without other credit access that can borrow through the line")

    @model_validator(mode="after")
    def _consistent(self) -> CreditLine:
        if self.interest_rate > self.market_rate:
            raise ValueError(f"interest_rate {self.interest_rate} is above market_rate {self.market_rate}")
        if self.grace_years >= self.tenor_years:
            raise ValueError(f"grace_years {self.grace_years} must be below tenor_years {self.tenor_years}")
        return self


class GhgAccounting(Strict):
    """Net GHG effect reported beside SOC: Tier 1 N2O and fuel CO2 changes of the practices, displaced production.

    Per farm and year (t CO2e): N2O = EF1 x N x 44/28 x GWP(N2O), N = residue N where residues stay on the field
    (grain dry matter x the crop's straw / grain carbon allocation x residue_n_share) + cover crop N + SOC lost /
    C:N; fuel CO2 = diesel change of no-till and cover crops in mechanised regions x 2.68 kg CO2/L. Reported
    against the counterfactual; not credited.
    """

    n2o_ef1: Share = Field(description="IPCC direct N2O emission factor EF1, kg N2O-N per kg N")
    residue_n_share: Share = Field(description="N content of above-ground crop residue, kg N per kg dry matter")
    cover_crop_n_kg_per_ha: NonNegative = Field(description="N of cover crop residues counted for N2O, kg N/ha/yr")
    soil_c_to_n: Positive = Field(description="C:N ratio of soil organic matter (N mineralised when SOC is lost)")
    mechanised_regions: list[RegionName] = Field(description="regions whose tillage uses diesel machinery")
    no_till_diesel_change_l_per_ha: float = Field(description="diesel change of no-till vs ploughing, L/ha/yr")
    cover_crops_diesel_change_l_per_ha: float = Field(description="diesel for sowing and terminating a cover crop, "
                                                      "L/ha/yr")
    displaced_production_t_co2e_per_ha: NonNegative = Field(
        description="emissions of bringing one ha into production elsewhere, t CO2e/ha/yr (leakage)")
