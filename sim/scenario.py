"""Scenario schema: every field a scenario file may set, with its unit, range and meaning.

Scenario files are TOML (see ``sim.scenario_loader``). All fields are required unless documented as
optional: a derived scenario gets them from its ``extends`` base (``scenarios/base.toml`` documents the
defaults with their sources), so nothing is silently defaulted in code.
Money is in the scenario's ``currency``; "per ha" values are per hectare per year unless called one-off.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from sim.ipcc import CLIMATES, INPUT_LEVELS, SOILS
from sim.practices import CONVENTIONAL, PRACTICES, parse_bundle

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
RelativeEffect = Annotated[float, Field(ge=-0.9, le=1.0)]
RegionName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Climate = Literal[CLIMATES]  # type: ignore[valid-type]
SoilClass = Literal[SOILS]  # type: ignore[valid-type]
InputLevel = Literal[INPUT_LEVELS[:3]]  # type: ignore[valid-type]
PracticeName = Literal[PRACTICES]  # type: ignore[valid-type]


def check_year_keys(table: dict[str, float], low: int, high: int, what: str, name: str = "") -> None:
    """Raise ValueError unless ``table`` is non-empty and keyed by years ("1985") between low and high."""
    if not table:
        raise ValueError(f"{name}is empty; expected years mapped to {what}")
    for key in table:
        if not (key.isdigit() and low <= int(key) <= high):
            raise ValueError(f"{name}key {key!r} is not a year from {low} to {high} (expected e.g. \"2030\")")


def interpolate_by_year(table: dict[str, float], year: int | np.ndarray) -> float | np.ndarray:
    """Value of a year-keyed table in ``year``: linear between the given years, held flat outside them."""
    years = sorted(table, key=int)
    return np.interp(year, [int(y) for y in years], [table[y] for y in years])


class Strict(BaseModel):
    """Base for all scenario tables: unknown keys are errors, values are not coerced, objects are frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Practice(Strict):
    """One practice: its costs, its yield effect over the years since adoption, and its soil effect."""

    transition_cost_per_ha: NonNegative = Field(description="one-off cost when adopting (equipment, learning), currency/ha")
    annual_cost_change_per_ha: float = Field(description="change of yearly production cost while in use, currency/ha/yr")
    yield_effect_initial: RelativeEffect = Field(description="relative yield change in the first year of use (-0.1 = -10 %)")
    yield_effect_long_run: RelativeEffect = Field(description="relative yield change once established")
    yield_transition_years: Annotated[int, Field(ge=1, le=50)] = Field(
        description="years of use until the long-run effect is reached (linear ramp from the initial effect)"
    )
    tillage_after: Literal["unchanged", "reduced_till", "no_till"] = Field(
        description="IPCC Tier 1 tillage category while in use ('unchanged' = keeps full tillage)"
    )
    input_level_steps: Annotated[int, Field(ge=0, le=2)] = Field(
        description="steps up the IPCC carbon-input ladder (low < medium < high without manure) while in use"
    )


class Practices(Strict):
    """The four practices, each required."""

    no_till: Practice
    cover_crops: Practice
    residue_retention: Practice
    rotation: Practice


class CaSynergy(Strict):
    """Extra yield effect when all three CA principles are combined (the 'CA effect' after some years)."""

    yield_effect_long_run: RelativeEffect = Field(description="relative yield change added under full CA once established")
    yield_transition_years: Annotated[int, Field(ge=1, le=50)] = Field(description="years of full CA to reach it (linear from 0)")


Months = Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(max_length=12)]
Monthly = Annotated[list[float], Field(min_length=12, max_length=12)]


class RegionRothC(Strict):
    """Soil, monthly climate normals and crop carbon inputs of a region, for the RothC soil model."""

    clay_pct: Annotated[float, Field(gt=0.0, le=100.0)] = Field(description="topsoil clay content, %")
    depth_cm: Annotated[float, Field(gt=0.0, le=100.0)] = Field(description="depth of the modelled layer, cm (RothC: 23)")
    temp_c: Monthly = Field(description="mean monthly air temperature, deg C, January to December")
    rain_mm: Monthly = Field(description="monthly rainfall, mm, January to December")
    evap_mm: Monthly = Field(description="monthly open-pan evaporation, mm, January to December")
    climate_source: str = Field(description="where the climate normals come from (citation)")
    crop_months: Months = Field(description="months the main crop covers the soil (1-12)")
    harvest_month: Annotated[int, Field(ge=1, le=12)] = Field(description="month crop residues and roots enter the soil")
    cover_crop_months: Months = Field(description="months a cover crop covers the soil when cover crops are used")
    harvest_index: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(description="grain / above-ground dry matter")
    root_shoot_ratio: Annotated[float, Field(ge=0.0, le=2.0)] = Field(description="root / above-ground dry matter")
    carbon_fraction: Annotated[float, Field(gt=0.0, le=0.6)] = Field(description="t C per t of plant dry matter")
    stubble_share: Share = Field(description="share of above-ground residue left in the field when residue is removed")
    cover_crop_input_t_c_per_ha: NonNegative = Field(description="carbon a cover crop adds, t C/ha/yr")
    manure_t_c_per_ha: NonNegative = Field(description="farmyard manure applied, t C/ha/yr (at harvest)")
    calibrate_to_soc_t_c_per_ha: Positive | None = Field(
        None, description="measured SOC of conventional farms, t C/ha: plant inputs are scaled (inverse spin-up) so "
        "the conventional equilibrium equals it; omit to use the allometric inputs as they are")


class Region(Strict):
    """A farming region: its farmers, farms, soil, climate, crop economics and behaviour."""

    farmers: Annotated[int, Field(ge=1, le=100_000_000)] = Field(description="number of farmers (rescaled by --farmers)")
    climate: Climate = Field(description="IPCC climate zone")
    soil: SoilClass = Field(description="IPCC soil class (HAC, LAC, sandy)")
    bulk_density_g_cm3: Annotated[float, Field(ge=0.5, le=2.0)] = Field(description="topsoil bulk density, g/cm3")
    baseline_input: InputLevel = Field(description="IPCC carbon-input level of conventional farms")
    farm_size_median_ha: Positive = Field(description="median farm area, ha (lognormal)")
    farm_size_sigma: Annotated[float, Field(ge=0.0, le=3.0)] = Field(description="sd of log farm area")
    crop: str = Field(description="main crop (label)")
    base_yield_kg_per_ha: Positive = Field(description="mean conventional yield at the region's initial SOC, kg/ha")
    crop_price_per_t: NonNegative = Field(description="farm-gate crop price, currency/t")
    production_cost_per_ha: NonNegative = Field(description="conventional production cost, currency/ha/yr")
    weather_cv: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="year-to-year regional yield variation (cv)")
    yield_cv: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="farm-level yield variation each year (cv)")
    yield_response_kg_per_t_c: NonNegative = Field(
        description="yield gain per t C/ha of extra SOC below the plateau, kg/ha per t C/ha (seed: 40-100)"
    )
    soc_plateau_pct: Positive = Field(description="SOC concentration (%) above which yield no longer rises (seed: ~2 %)")
    initial_adoption: dict[str, Share] = Field(description="share of farmers using each bundle at the start")
    discount_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="farmers' discount rate, 1/yr")
    risk_aversion: Annotated[float, Field(ge=0.0, le=20.0)] = Field(description="relative (Arrow-Pratt) risk aversion")
    seeder_access: Share = Field(description="share of farmers with access to no-till seeders and herbicide")
    seeder_access_by_year: dict[str, Share] | None = Field(
        None, description="access share by year {\"1975\" = 0.05, ...}, linear between years (replaces "
        "seeder_access when given: equipment and herbicides spreading over time)")
    credit_access: Share = Field(description="share of farmers who can borrow for transition costs")
    cash_limit_per_ha: NonNegative = Field(
        description="largest one-off transition cost a farmer without credit can pay, currency/ha"
    )
    residue_livestock_value_per_ha: NonNegative = Field(
        description="value of crop residue as fodder, forgone when residue is retained, currency/ha/yr"
    )
    demo_farms: Annotated[int, Field(ge=0)] = Field(description="demonstration (signpost) farms practising full CA")
    rothc: RegionRothC | None = Field(None, description="RothC inputs (required when soil.model = 'rothc')")

    @field_validator("seeder_access_by_year")
    @classmethod
    def _years(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None:
            check_year_keys(value, 1800, 2300, "shares")
        return value

    def seeder_access_in(self, year: int) -> float:
        """Share of farmers with access to no-till equipment in ``year``."""
        if self.seeder_access_by_year is None:
            return self.seeder_access
        return float(interpolate_by_year(self.seeder_access_by_year, year))

    @field_validator("initial_adoption")
    @classmethod
    def _bundles_known_and_sum_le_one(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            parse_bundle(name)
        if sum(value.values()) > 1.0 + 1e-12:
            raise ValueError(f"shares add up to {sum(value.values()):.4g}; expected at most 1 (the rest is conventional)")
        return value


class RothCSettings(Strict):
    """Settings of the RothC soil model."""

    dpm_rpm_ratio: Positive = Field(description="DPM/RPM ratio of crop inputs (RothC default for crops: 1.44)")
    no_till_rate_modifier: Annotated[float, Field(gt=0.0, le=1.5)] = Field(
        description="extra decomposition rate modifier under no-till (1 = off; uncertain, see docs/ODD.md)"
    )


class SoilSettings(Strict):
    """Soil carbon model settings."""

    model: Literal["ipcc_tier1", "rothc"] = Field(description="soil carbon model: IPCC Tier 1 (yearly) or RothC (monthly)")
    factor_set: Literal["2006", "2019"] = Field(description="IPCC Tier 1 factor set")
    transition_years: Annotated[int, Field(ge=1, le=100)] = Field(description="years to reach a new equilibrium (IPCC D = 20)")
    depth_cm: Annotated[float, Field(gt=0.0, le=100.0)] = Field(description="depth of the SOC stock, cm (Tier 1: 30)")
    rothc: RothCSettings | None = Field(None, description="RothC settings (required when model = 'rothc')")

    @model_validator(mode="after")
    def _rothc_settings(self) -> SoilSettings:
        if self.model == "rothc" and self.rothc is None:
            raise ValueError("model = 'rothc' needs a [soil.rothc] table")
        return self


class CarbonPrice(Strict):
    """Carbon price path (currency/t CO2e), with an optional floor/ceiling guarantee and fixed-price contracts.

    kind = "constant": ``value``. "ramp": linear from ``start_value`` in ``start_year`` to ``end_value`` in
    ``end_year``, flat outside. "series": ``by_year`` {"2025" = 10, ...}, linear between years, flat outside.
    "stochastic": mean-reverting log price, ln p(t+1) = ln p(t) + reversion x (c - ln p(t)) + volatility x e,
    e ~ N(0, 1), starting at ``value``, with c set so the long-run arithmetic mean is ``mean`` (seeded: reproducible
    from the run's seed).
    """

    kind: Literal["constant", "ramp", "series", "stochastic"] = Field(description="price path model")
    value: NonNegative | None = Field(None, description="constant price, or the initial price of a stochastic path")
    start_value: NonNegative | None = Field(None, description="ramp: price in start_year")
    end_value: NonNegative | None = Field(None, description="ramp: price in end_year")
    start_year: int | None = Field(None, description="ramp: first year of the ramp")
    end_year: int | None = Field(None, description="ramp: last year of the ramp")
    by_year: dict[str, NonNegative] | None = Field(None, description="series: price by year, linear between years")
    mean: Positive | None = Field(None, description="stochastic: long-run (arithmetic) mean price")
    reversion: Share | None = Field(None, description="stochastic: yearly pull of the log price to the log mean")
    volatility: Annotated[float, Field(ge=0.0, le=3.0)] | None = Field(
        None, description="stochastic: sd of yearly log-price shocks"
    )
    floor: NonNegative = Field(description="guaranteed minimum price to the project (contract for difference), 0 = none")
    ceiling: Positive | None = Field(None, description="price above which the excess returns to the guarantor (none if absent)")
    contract_years: Annotated[int, Field(ge=0, le=100)] = Field(
        description="a farm's price is fixed for this many years at its enrolment (0 = spot price every year)"
    )
    guarantor: Literal["public", "buyer"] = Field(description="who pays the floor top-up and contract differences")

    @model_validator(mode="after")
    def _fields_of_kind(self) -> CarbonPrice:
        needed = {"constant": ["value"], "ramp": ["start_value", "end_value", "start_year", "end_year"],
                  "series": ["by_year"], "stochastic": ["value", "mean", "reversion", "volatility"]}[self.kind]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"kind = '{self.kind}' needs {', '.join(missing)}")
        if self.kind == "ramp" and self.end_year <= self.start_year:
            raise ValueError("ramp: end_year must be after start_year")
        if self.by_year is not None:
            check_year_keys(self.by_year, 1900, 2200, "prices", "by_year ")
        if self.ceiling is not None and self.ceiling < self.floor:
            raise ValueError(f"ceiling {self.ceiling} is below floor {self.floor}")
        return self


class Mrv(Strict):
    """Measurement, reporting and verification: its cost, the uncertainty deduction, and group certification.

    Per enrolled farm and verification: individual = cost_per_farm + cost_per_ha x area;
    group = group_cost / (enrolled members of the farmer organisation) + cost_per_ha x area, and the aggregator
    keeps aggregator_fee_share of the credit value.
    """

    method: str = Field(description="label of the MRV approach (e.g. soil sampling, model-based, spectral)")
    cost_per_farm: NonNegative = Field(description="fixed cost per farm and verification (individual certification), currency")
    cost_per_ha: NonNegative = Field(description="cost per enrolled ha and verification, currency/ha")
    uncertainty_deduction: Share = Field(description="share of quantified removals withheld for uncertainty")
    measurement_sd_t_c_per_ha: NonNegative = Field(
        description="sd of a measured stock change (quantification = 'measured'), t C/ha"
    )
    group_certification: bool = Field(description="certify farmers in groups through their farmer organisation")
    group_cost: NonNegative = Field(description="fixed cost per farmer organisation and verification when grouped, currency")
    aggregator_fee_share: Share = Field(description="share of the credit value kept by the group aggregator (grouped only)")


class TwinMarket(Strict):
    """Twin Regions market: buyers of one place pay farmers of twinned regions under a Market Authority's rules."""

    buyer: str = Field(description="who buys (label, e.g. 'Alfter, Germany')")
    seller_regions: Annotated[list[RegionName], Field(min_length=1)] = Field(description="regions whose credits it buys")
    price_per_t_co2e: NonNegative = Field(description="price set by the Market Authority, currency/t CO2e")
    annual_budget: NonNegative | None = Field(None, description="buyers' yearly budget, currency (none if absent)")
    demand_cap_t_co2e: NonNegative | None = Field(None, description="most credits bought a year, t CO2e (none if absent)")
    authority_fee_share: Share = Field(description="share of the purchase kept by the Market Authority")


class Carbon(Strict):
    """Results-based carbon crediting: price, quantification, verification, reversals, MRV and who gets what.

    Credits issued at a verification = removals since the last one x 44/12 x (1 - uncertainty deduction)
    x (1 - buffer). Removals are the modelled stock change, or a measurement of it (with noise).
    """

    price: CarbonPrice
    mrv: Mrv
    buyer: Literal["private", "public"] = Field(description="who buys credits on the general market")
    farmer_share: Share = Field(description="share of the credit value (after any aggregator fee) paid to farmers")
    buffer: Share = Field(description="share of credits put into the non-permanence buffer pool")
    verification_interval_years: Annotated[int, Field(ge=1, le=50)] = Field(
        description="years between verifications, when credits are issued and paid (VM0042, Label Bas Carbone: 5)"
    )
    quantification: Literal["modelled", "measured"] = Field(description="credited removals: modelled or measured")
    on_reversal: Literal["buffer", "clawback"] = Field(
        description="a loss of credited carbon is cancelled from the buffer pool, or repaid by the farmer"
    )


class Payments(Strict):
    """Public per-hectare payments for practices in use (eco-scheme style)."""

    per_ha: dict[PracticeName, NonNegative] = Field(description="payment per practice in use, currency/ha/yr")
    duration_years: Annotated[int, Field(ge=0, le=200)] = Field(description="years of use for which a practice is paid")


class Bass(Strict):
    """Bass diffusion rule: a non-adopter adopts with probability p + q x adopter share of its neighbours."""

    p: Share = Field(description="innovation coefficient, 1/yr")
    q: Annotated[float, Field(ge=0.0, le=5.0)] = Field(description="imitation coefficient, 1/yr")


class Threshold(Strict):
    """Granovetter threshold rule: adopt once the adopter share of neighbours reaches the farmer's threshold."""

    mean: Share = Field(description="mean threshold (share of neighbours)")
    sd: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="sd of thresholds (normal, clipped to [0, 1])")


class Decision(Strict):
    """How farmers choose a bundle each year."""

    rule: Literal["economic", "bass", "threshold"] = Field(description="decision rule")
    target_bundle: str = Field(description="bundle adopted under the bass and threshold rules")
    revision_rate: Share = Field(description="share of farmers who reconsider their bundle each year")
    planning_horizon_years: Annotated[int, Field(ge=1, le=100)] = Field(description="years a farmer looks ahead")
    choice_intensity: NonNegative = Field(description="logit intensity on utility (utility in units of baseline NPV)")
    social_weight: NonNegative = Field(description="weight of conformity with neighbours' practices in the utility")
    status_quo_bias: NonNegative = Field(description="utility bonus for keeping the current bundle")
    prior_yield_belief_bias: Annotated[float, Field(ge=-1.0, le=1.0)] = Field(
        description="prior belief about each practice's long-run yield effect minus its true value"
    )
    prior_yield_belief_sd: Positive = Field(description="prior uncertainty (sd) of the belief about a yield effect")
    observation_sd: Positive = Field(description="noise (sd) of one neighbour's yield effect as observed")
    belief_memory: Share = Field(description="share of last year's belief precision kept (1 = no forgetting)")
    bass: Bass | None = None
    threshold: Threshold | None = None

    @field_validator("target_bundle")
    @classmethod
    def _known_bundle(cls, value: str) -> str:
        if parse_bundle(value) == 0:
            raise ValueError("the target bundle must contain at least one practice")
        return value

    @model_validator(mode="after")
    def _rule_parameters_present(self) -> Decision:
        if self.rule == "bass" and self.bass is None:
            raise ValueError("rule = 'bass' needs a [decision.bass] table with p and q")
        if self.rule == "threshold" and self.threshold is None:
            raise ValueError("rule = 'threshold' needs a [decision.threshold] table with mean and sd")
        return self


class Exchange(Strict):
    """Farmer exchange links between two regions: a fixed count, or a probability per farmer pair."""

    regions: Annotated[list[RegionName], Field(min_length=2, max_length=2)] = Field(
        description="the two linked regions"
    )
    links: Annotated[int, Field(ge=0)] | None = Field(None, description="number of links")
    probability: Share | None = Field(None, description="probability of a link per farmer pair")

    @model_validator(mode="after")
    def _one_of(self) -> Exchange:
        if (self.links is None) == (self.probability is None):
            raise ValueError("give exactly one of links (a count) or probability (per farmer pair)")
        if self.regions[0] == self.regions[1]:
            raise ValueError("an exchange links two different regions")
        return self


class Network(Strict):
    """Social network: small-world villages, farmer organisations, demonstration farms, exchange links."""

    kind: Literal["small_world", "complete"] = Field(description="'complete' = fully mixed population")
    village_size: Annotated[int, Field(ge=2, le=10_000)] = Field(description="farmers per village")
    neighbours: Annotated[int, Field(ge=0, le=1000)] = Field(description="ring-lattice neighbours per farmer (even)")
    rewire_probability: Share = Field(description="Watts-Strogatz rewiring probability within the village")
    inter_village_links_per_farmer: NonNegative = Field(description="mean extra links to random farmers of the region")
    villages_per_organisation: Annotated[int, Field(ge=1)] = Field(description="villages grouped in one organisation")
    demo_reach: Annotated[int, Field(ge=0)] = Field(description="farmers of its region each demonstration farm reaches")
    demo_weight: NonNegative = Field(description="weight of a demonstration-farm link relative to a peer link")
    exchange: list[Exchange] = Field(default_factory=list, description="links between regions (none if absent)")

    @model_validator(mode="after")
    def _lattice(self) -> Network:
        if self.neighbours % 2:
            raise ValueError(f"neighbours = {self.neighbours} must be even (a ring lattice links k/2 on each side)")
        if self.kind == "small_world" and self.neighbours >= self.village_size:
            raise ValueError(f"neighbours = {self.neighbours} must be below village_size = {self.village_size}")
        return self


class Uncertain(Strict):
    """A distribution for an uncertain scenario field (sensitivity analysis and sweeps).

    uniform: low, high. triangular: low, mode, high. normal: mean, sd, truncated to [low, high].
    discrete: values (sampled with equal probability).
    """

    dist: Literal["uniform", "triangular", "normal", "discrete"] = Field(description="distribution")
    low: float | None = Field(None, description="lower bound (uniform, triangular, normal)")
    high: float | None = Field(None, description="upper bound (uniform, triangular, normal)")
    mode: float | None = Field(None, description="most likely value (triangular)")
    mean: float | None = Field(None, description="mean (normal)")
    sd: Positive | None = Field(None, description="standard deviation (normal)")
    values: Annotated[list[float], Field(min_length=2)] | None = Field(None, description="the values (discrete)")

    @model_validator(mode="after")
    def _parameters(self) -> Uncertain:
        needed = {"uniform": ["low", "high"], "triangular": ["low", "mode", "high"],
                  "normal": ["mean", "sd", "low", "high"], "discrete": ["values"]}[self.dist]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"dist = '{self.dist}' needs {', '.join(missing)}")
        if self.dist != "discrete" and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie between low and high")
        return self

    def extremes(self) -> list[float]:
        """The values a sample can take at the edges (checked against the field's allowed range)."""
        return list(self.values) if self.dist == "discrete" else [self.low, self.high]


class OutputOfInterest(Strict):
    """An output of a run for sensitivity analysis: a column of the yearly table (region 'all') in a year."""

    column: str = Field(description="column of yearly.parquet (see sim/outputs.py)")
    year: int = Field(description="calendar year")
    change: bool = Field(False, description="report the change since the start year instead of the level")


class Scenario(Strict):
    """A complete, validated scenario."""

    name: str = Field(description="short title")
    description: str = Field("", description="what question the scenario answers (optional)")
    currency: Literal["USD", "EUR"] = Field(description="currency of all money fields")
    start_year: Annotated[int, Field(ge=1900, le=2200)] = Field(description="calendar year of the initial state")
    years: Annotated[int, Field(ge=1, le=500)] = Field(description="years simulated")
    seed: Annotated[int, Field(ge=0)] = Field(description="default random seed")
    bundles: list[str] = Field(description="bundles farmers choose from; must include 'conventional'")
    soil: SoilSettings
    practices: Practices
    ca_synergy: CaSynergy
    regions: dict[RegionName, Region]
    carbon: Carbon
    twin_market: TwinMarket | None = Field(None, description="a Twin Regions market (none if absent)")
    payments: Payments
    decision: Decision
    network: Network
    uncertain: dict[str, Uncertain] = Field(default_factory=dict, description="uncertain fields: dotted path -> "
                                            "distribution (none if absent)")
    outputs: dict[str, OutputOfInterest] = Field(default_factory=dict, description="outputs of interest for "
                                                 "sensitivity analysis: name -> column and year (none if absent)")

    @field_validator("bundles")
    @classmethod
    def _bundles(cls, value: list[str]) -> list[str]:
        masks = [parse_bundle(b) for b in value]
        if 0 not in masks:
            raise ValueError(f"must include '{CONVENTIONAL}'")
        if len(set(masks)) != len(masks):
            raise ValueError("a bundle is listed twice")
        return value

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        if not self.regions:
            raise ValueError("regions: at least one region is needed")
        allowed = {parse_bundle(b) for b in self.bundles}
        for region_name, region in self.regions.items():
            for bundle in region.initial_adoption:
                if parse_bundle(bundle) not in allowed:
                    raise ValueError(
                        f"regions.{region_name}.initial_adoption: bundle {bundle!r} is not in bundles {self.bundles}"
                    )
        from sim.outputs import COLUMNS

        for name, output in self.outputs.items():
            if output.column not in COLUMNS or output.column in ("year", "region"):
                close = difflib.get_close_matches(output.column, list(COLUMNS), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"outputs.{name}.column: unknown column {output.column!r}{hint}")
            if not self.start_year <= output.year <= self.end_year:
                raise ValueError(f"outputs.{name}.year: {output.year} is outside {self.start_year}-{self.end_year}")
        if self.twin_market is not None:
            for region in self.twin_market.seller_regions:
                if region not in self.regions:
                    raise ValueError(f"twin_market.seller_regions: unknown region {region!r}; expected one of "
                                     f"{sorted(self.regions)}")
        if self.soil.model == "rothc":
            for region_name, region in self.regions.items():
                if region.rothc is None:
                    raise ValueError(f"regions.{region_name}.rothc: missing; soil.model = 'rothc' needs it per region")
        if parse_bundle(self.decision.target_bundle) not in allowed:
            raise ValueError(f"decision.target_bundle {self.decision.target_bundle!r} is not in bundles {self.bundles}")
        for i, link in enumerate(self.network.exchange):
            for region in link.regions:
                if region not in self.regions:
                    raise ValueError(
                        f"network.exchange[{i}].regions: unknown region {region!r}; expected one of {sorted(self.regions)}"
                    )
        return self

    @property
    def bundle_masks(self) -> list[int]:
        """Bit masks of the allowed bundles, in file order."""
        return [parse_bundle(b) for b in self.bundles]

    @property
    def end_year(self) -> int:
        """Calendar year of the last simulated step."""
        return self.start_year + self.years
