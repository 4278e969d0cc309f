"""Farms and regions: the practices, the CA synergy, and each region's farmers, soil, climate, economics and behaviour."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from sim.ipcc import CLIMATES, INPUT_LEVELS, SOILS
from sim.practices import parse_bundle
from sim.scenario.base import NonNegative, Positive, RelativeEffect, Share, Strict
from sim.scenario.behaviour import RegionBehaviour

Climate = Literal[CLIMATES]  # type: ignore[valid-type]
SoilClass = Literal[SOILS]  # type: ignore[valid-type]
InputLevel = Literal[INPUT_LEVELS[:3]]  # type: ignore[valid-type]


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
    residue_livestock_value_per_ha: NonNegative = Field(
        description="value of crop residue as fodder, forgone when residue is retained, currency/ha/yr"
    )
    demo_farms: Annotated[int, Field(ge=0)] = Field(
        description="demonstration (signpost) farms practising every practice of the region")
    behaviour: RegionBehaviour = Field(description="the region's practices, equipment market, lenders and input prices")
    rothc: RegionRothC | None = Field(None, description="RothC inputs (required when soil.model = 'rothc')")

    @field_validator("initial_adoption")
    @classmethod
    def _bundles_known_and_sum_le_one(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            parse_bundle(name)
        if sum(value.values()) > 1.0 + 1e-12:
            raise ValueError(f"shares add up to {sum(value.values()):.4g}; expected at most 1 (the rest is conventional)")
        return value
