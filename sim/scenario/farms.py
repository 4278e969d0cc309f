"""Farms and regions: practices, crops (allocation, yield effects) and each region's farms, soil, climate, behaviour."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.ipcc import CLIMATES, INPUT_LEVELS, SOILS, input_level
from sim.practices import parse_bundle
from sim.scenario.base import (
    MAX_MONEY_PER_HA_PER_YEAR,
    LikelyUnit,
    MoneyChangePerHa,
    MoneyPerHa,
    NonNegative,
    Positive,
    RelativeEffect,
    Share,
    Strict,
)
from sim.scenario.behaviour import RegionBehaviour

#: Plausibility bounds of fields a wrong unit would put far outside them (referee 31 m1): each field's description
#: gives the range it is set from. Lowest mean grain yield, kg/ha: below the lowest national cereal means (millet
#: and sorghum in the Sahel, ~400-600 kg/ha, FAOSTAT, recalled); a yield in t/ha (3.3) lies below it.
MIN_YIELD_KG_PER_HA = 100.0
#: Highest mean grain yield, kg/ha: above the yield potential of irrigated maize, the highest-yielding grain crop
#: (~15-18 t/ha in the Global Yield Gap Atlas, recalled; national means stay below 12 t/ha).
MAX_YIELD_KG_PER_HA = 25_000.0
#: Lowest farm-gate crop price, currency/t: world maize at its lowest (~75 USD/t, 1999-2000 and 2005, recalled)
#: in the currency with the largest unit (Kuwaiti dinar, ~3.3 USD) is ~23/t; a price per kg (0.38) lies below it.
MIN_CROP_PRICE_PER_T = 20.0
#: Highest farm-gate crop price, currency/t (referee 33 m5): five times the highest world price of a grain or oilseed
#: (Thai rice ~1,000 USD/t in May 2008, soybean ~650-700 USD/t in 2012 and 2022, RECALLED), room for remote farm-gate
#: and premium prices in the schema's currencies (USD, EUR); a price in cents per t lies above it.
MAX_CROP_PRICE_PER_T = 5_000.0
#: Largest one-off adoption cost of a practice, currency/ha (referee 33 m5): above buying a new no-till seeder outright
#: for a 20 ha farm (a 3-6 m seeder, ~30,000-80,000 USD new, RECALLED: 1,500-4,000 USD/ha); the cost is charged per ha
#: to every adopting farm, large or small. At 10^5 USD/ha (accepted before) no farm could ever pay it.
MAX_TRANSITION_COST_PER_HA = 5_000.0
#: Largest yield response to SOC, kg/ha per t C/ha (referee 33 m5): the evidence range is 0-20 (Lal 2004: maize
#: 10-20, wheat 20-40, RECALLED; docs/evidence.md) and the highest value cited anywhere is the seed's forum statement
#: of 40-100; twice that. At 10^6 (accepted before) a t C/ha more would add 1,000 t/ha of grain.
MAX_SOC_YIELD_RESPONSE_KG_PER_T_C = 200.0
#: Largest cover-crop shoot dry matter, t DM/ha/yr: above the most productive covers (sunn hemp, sorghum-sudangrass,
#: brachiaria: up to ~15-20 t DM/ha, recalled; Cerrado covers 3-11 t, base.toml); kg DM/ha (3,300) lie above it.
MAX_COVER_CROP_SHOOT_DM_T_PER_HA = 25.0
#: Least topsoil clay, %: cropped sands hold ~2-8 % (the Sahelian and Kalahari sands; the USDA sand class is < 10 %,
#: recalled); a clay fraction (0.45) lies below it.
MIN_CLAY_PCT = 1.0
#: SOC concentration bounds of the yield plateau, %: below the lowest critical SOC reported (Aune & Lal 1997: ~1.1 %
#: in tropical Alfisols, recalled; Oldfield et al. 2019: ~2 %), so a fraction (0.02) is refused; and at most the
#: organic-carbon content from which soil material counts as organic (12-18 %, USDA Soil Taxonomy): the soil models
#: are for mineral soils.
MIN_SOC_PLATEAU_PCT = 0.5
MAX_SOC_PLATEAU_PCT = 12.0
#: Median farm area bounds, ha (referee 41 m5: 1 m2 and 300,000 ha passed): below the smallest national mean
#: holdings (~0.3-0.5 ha in Bangladesh and Rwanda, recalled) and above the largest (Australia's ~4,000 ha, recalled),
#: so a median in m2 of any farm over 1 ha lies above it.
MIN_FARM_SIZE_MEDIAN_HA = 0.05
MAX_FARM_SIZE_MEDIAN_HA = 10_000.0
#: Bounds of RothC's monthly climate normals (referee 41 M3: negative rainfall and kelvin ran silently). Mean monthly
#: air temperature, deg C: below the coldest monthly means on Earth (~-65 to -70 deg C on the East Antarctic plateau,
#: Vostok's winter months, recalled) and above the hottest (~42 deg C, Death Valley, July 2018, recalled); kelvin
#: (~230-320) and most summer months in deg F lie above it.
MIN_MONTHLY_TEMP_C = -80.0
MAX_MONTHLY_TEMP_C = 50.0
#: Largest monthly rainfall, mm: above the wettest calendar month recorded, ~9,300 mm at Cherrapunji in July 1861
#: (WMO's record, recalled). Rainfall and evaporation cannot be negative.
MAX_MONTHLY_RAIN_MM = 10_000.0
#: Largest monthly open-pan evaporation, mm: above the hottest, driest deserts' summer months (~15-20 mm/day, i.e.
#: ~500-620 mm a month; Class A pans in the Sahara and Death Valley, recalled).
MAX_MONTHLY_EVAP_MM = 1_000.0
#: The units a value beyond those bounds was likely written in, which the loader's error names (referee 32 m3): a
#: yield in t/ha, or in hg/ha (FAOSTAT's yield unit for decades, recalled); a price per kg; a cover crop in kg DM/ha;
#: clay and SOC as fractions, or in g/kg (as SoilGrids and many soil surveys give them, recalled).
YIELD_UNIT = LikelyUnit("kg/ha", "kg/ha", below=("t/ha", 1000.0), above=("hg/ha", 0.1))
PRICE_UNIT = LikelyUnit("currency units per t", "per t", below=("a price per kg", 1000.0))
COVER_UNIT = LikelyUnit("t DM/ha", "t DM/ha", above=("kg DM/ha", 0.001))
CLAY_UNIT = LikelyUnit("%", "%", below=("a fraction", 100.0), above=("g/kg", 0.1))
PLATEAU_UNIT = LikelyUnit("% SOC", "% SOC", below=("a fraction", 100.0), above=("g C/kg", 0.1))

Climate = Literal[CLIMATES]  # type: ignore[valid-type]
SoilClass = Literal[SOILS]  # type: ignore[valid-type]
InputLevel = Literal[INPUT_LEVELS[:3]]  # type: ignore[valid-type]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class Practice(Strict):
    """One practice: its costs and what it changes in the IPCC Tier 1 management categories.

    Its yield effect depends on the crop and the climate: ``[crops.<crop>.<humid|dry>.<practice>]``.
    """

    transition_cost_per_ha: Annotated[float, Field(ge=0.0, le=MAX_TRANSITION_COST_PER_HA)] = Field(
        description=f"one-off cost when adopting (equipment, learning), currency/ha (<= {MAX_TRANSITION_COST_PER_HA:,.0f}: "
        "above buying a new no-till seeder outright for a 20 ha farm)")
    annual_cost_change_per_ha: MoneyChangePerHa = Field(
        description="change of yearly production cost while in use, currency/ha/yr (within +-"
        f"{MAX_MONEY_PER_HA_PER_YEAR:,.0f}; every region's production_cost_per_ha plus its practices' savings must stay "
        ">= 0)")
    tillage_after: Literal["unchanged", "reduced_till", "no_till"] = Field(
        description="IPCC Tier 1 tillage category while in use ('unchanged' = keeps full tillage)"
    )
    returns_residues: bool = Field(description="crop residues are returned to the field while in use (IPCC input rule)")
    adds_n_fixing_crop: bool = Field(description="an N-fixing crop (legume) enters the rotation while in use (IPCC "
                                     "medium-input condition: mineral N or an N-fixing crop)")
    increases_carbon_input: bool = Field(description="an IPCC 'practice increasing C input' (cover crop, green manure, "
                                         "improved fallow): high input where residues are returned and N is supplied")


class Practices(Strict):
    """The four practices, each required."""

    no_till: Practice
    cover_crops: Practice
    residue_retention: Practice
    rotation: Practice


class YieldEffect(Strict):
    """A practice's relative effect on the main crop's yield, by seasons of use (linear from initial to long run)."""

    initial: RelativeEffect = Field(description="relative yield change in the first season of use (-0.1 = -10 %)")
    long_run: RelativeEffect = Field(description="relative yield change once established")
    years: Annotated[int, Field(ge=1, le=50)] = Field(description="seasons of use until the long-run effect is reached")


class SynergyEffect(Strict):
    """Extra relative yield change under full CA (no-till + soil cover + rotation), linear from 0."""

    long_run: RelativeEffect = Field(description="relative yield change added under full CA once established")
    years: Annotated[int, Field(ge=1, le=50)] = Field(description="seasons of full CA to reach it")


class ClimateYieldEffects(Strict):
    """Yield effects of each practice for one crop in one climate class (meta-analytic, relative to conventional)."""

    no_till: YieldEffect
    cover_crops: YieldEffect
    residue_retention: YieldEffect
    rotation: YieldEffect
    ca_synergy: SynergyEffect


class Crop(Strict):
    """A main crop: how its carbon is allocated (RothC inputs), its grain moisture, and its yield responses.

    Allocation of the plant's yearly carbon (Bolinder et al. 2007): product (grain), straw (above-ground residue),
    roots and extra-root carbon (rhizodeposits); fractions of net primary production, summing to 1.
    """

    grain_dry_matter_fraction: Annotated[float, Field(gt=0.5, le=1.0)] = Field(
        description="t dry matter per t of grain as sold (yields are fresh weight at sale moisture)")
    carbon_fraction: Annotated[float, Field(gt=0.0, le=0.6)] = Field(description="t C per t of plant dry matter")
    allocation_product: Annotated[float, Field(gt=0.0, le=1.0)] = Field(description="share of plant C in the grain (R_P)")
    allocation_straw: Fraction = Field(description="share of plant C in above-ground residues (R_S)")
    allocation_roots: Fraction = Field(description="share of plant C in roots (R_R)")
    allocation_rhizodeposits: Fraction = Field(description="share of plant C released by roots (R_E)")
    soc_yield_response_kg_per_t_c: Annotated[float, Field(ge=0.0, le=MAX_SOC_YIELD_RESPONSE_KG_PER_T_C)] = Field(
        description="yield change per t C/ha of SOC outside what the practice effects contain (see soc_response_after_"
        f"years), kg/ha per t C/ha, below the region's plateau (<= {MAX_SOC_YIELD_RESPONSE_KG_PER_T_C:g}: the evidence "
        "range is 0-20, the highest value cited 100)")
    soc_response_after_years: Annotated[int, Field(ge=1, le=100)] = Field(
        description="seasons of use the practice yield effects represent (the trials behind them): SOC a bundle gains "
        "after that, or loses below the conventional stock, changes yield by soc_yield_response_kg_per_t_c")
    humid: ClimateYieldEffects = Field(description="yield effects in humid and sub-humid climates (aridity index >= 0.65; "
                                       "IPCC zones not named '_dry')")
    dry: ClimateYieldEffects = Field(description="yield effects in dry climates (aridity index < 0.65; IPCC '_dry' zones)")

    @model_validator(mode="after")
    def _allocation_adds_up(self) -> Crop:
        total = self.allocation_product + self.allocation_straw + self.allocation_roots + self.allocation_rhizodeposits
        if abs(total - 1.0) > 0.011:
            raise ValueError(f"allocation_product + allocation_straw + allocation_roots + allocation_rhizodeposits = "
                             f"{total:.3f}; expected 1 (shares of the plant's carbon)")
        return self

    def input_per_t_grain_c(self, residue_share: float) -> float:
        """Carbon entering the soil per t C of harvested grain: (R_S x residue share + R_R + R_E) / R_P."""
        return (self.allocation_straw * residue_share + self.allocation_roots
                + self.allocation_rhizodeposits) / self.allocation_product


def moisture_class(climate: str) -> Literal["humid", "dry"]:
    """Climate class of the yield effects: 'dry' for the IPCC '_dry' zones, else 'humid'."""
    return "dry" if climate.endswith("_dry") else "humid"


Months = Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(max_length=12)]


def monthly(low: float, high: float) -> object:
    """Twelve monthly values, January to December, each in [low, high]."""
    return Annotated[list[Annotated[float, Field(ge=low, le=high)]], Field(min_length=12, max_length=12)]


MonthlyTemperature = monthly(MIN_MONTHLY_TEMP_C, MAX_MONTHLY_TEMP_C)
MonthlyRain = monthly(0.0, MAX_MONTHLY_RAIN_MM)
MonthlyEvaporation = monthly(0.0, MAX_MONTHLY_EVAP_MM)


class RegionRothC(Strict):
    """Soil, monthly climate normals and carbon inputs of a region, for the RothC soil model.

    The main crop's allocation comes from its ``[crops.<crop>]`` table.
    """

    clay_pct: Annotated[float, Field(ge=MIN_CLAY_PCT, le=100.0), CLAY_UNIT] = Field(
        description=f"topsoil clay content, % (>= {MIN_CLAY_PCT:g}: cropped sands hold ~2-8 %, so a smaller value is "
        "a fraction, 0.45 for 45 %)")
    depth_cm: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        description="depth of the modelled layer, cm (RothC's own default: 23); under soil.model = 'rothc' it must "
        "equal soil.depth_cm, the depth charts, report and spectral MRV state")
    temp_c: MonthlyTemperature = Field(
        description=f"mean monthly air temperature, deg C, January to December (each {MIN_MONTHLY_TEMP_C:g} to "
        f"{MAX_MONTHLY_TEMP_C:g}: the coldest monthly means on Earth, on the East Antarctic plateau, are ~-70 and the "
        "hottest, Death Valley's July, ~42; kelvin, ~230-320, lies above it)")
    rain_mm: MonthlyRain = Field(
        description=f"monthly rainfall, mm, January to December (each 0 to {MAX_MONTHLY_RAIN_MM:,.0f}: the wettest "
        "calendar month recorded, Cherrapunji, July 1861, had ~9,300 mm)")
    evap_mm: MonthlyEvaporation = Field(
        description=f"monthly open-pan evaporation, mm, January to December (each 0 to {MAX_MONTHLY_EVAP_MM:,.0f}: "
        "hot deserts' summer pans lose ~15-20 mm/day, ~500-620 mm a month)")
    climate_source: str = Field(description="where the climate normals come from (citation)")
    crop_months: Months = Field(description="months the main crop covers the soil (1-12)")
    harvest_month: Annotated[int, Field(ge=1, le=12)] = Field(description="month crop residues and roots enter the soil")
    cover_crop_months: Months = Field(description="months a cover crop covers the soil when cover crops are used")
    stubble_share: Share = Field(description="share of above-ground residue conventional farms leave in the field "
                                 "(1 where the region returns residues)")
    cover_crop_shoot_dm_t_per_ha: Annotated[float, Field(ge=0.0, le=MAX_COVER_CROP_SHOOT_DM_T_PER_HA),
                                            COVER_UNIT] = Field(
        description="shoot dry matter of a cover crop, t/ha/yr (its roots and exudates follow [soil.rothc]; <= "
        f"{MAX_COVER_CROP_SHOOT_DM_T_PER_HA:g}: the most productive covers make ~15-20 t DM/ha, so a larger value is "
        "kg/ha)")
    manure_t_c_per_ha: NonNegative = Field(description="farmyard manure applied, t C/ha/yr (at harvest)")
    calibrate_to_soc_t_c_per_ha: Positive | None = Field(
        None, description="SOC of conventional farms to match, t C/ha: the gap between the documented plant inputs and "
        "the input that holds this stock at equilibrium is added as a background input for every farm; omit to start "
        f"from the documented inputs' own equilibrium (at most {MAX_SOC_PLATEAU_PCT:g} % carbon, where organic soil "
        "material begins, in the region's bulk density x depth_cm)")
    max_background_input_ratio: NonNegative = Field(
        description="largest background input allowed, as a multiple of the conventional crop's own input (a larger "
        "gap is an error: the stock is no equilibrium of the documented inputs); say in a comment what it stands for")


class Region(Strict):
    """A farming region: its farmers, farms, soil, climate, crop economics and behaviour."""

    farmers: Annotated[int, Field(ge=1, le=100_000_000)] = Field(description="number of farmers (rescaled by --farmers)")
    climate: Climate = Field(description="IPCC climate zone")
    soil: SoilClass = Field(description="IPCC soil class (HAC, LAC, sandy)")
    bulk_density_g_cm3: Annotated[float, Field(ge=0.5, le=2.0)] = Field(description="topsoil bulk density, g/cm3")
    baseline_input: InputLevel = Field(description="IPCC carbon-input level of conventional farms (must follow from "
                                       "the three management fields below by the IPCC rule)")
    residues_returned: bool = Field(description="conventional farms return crop residues (not removed, burnt or grazed)")
    n_fertiliser_or_n_fixing_crop: bool = Field(description="conventional farms use mineral N fertiliser or grow an "
                                                "N-fixing crop in rotation")
    low_residue_crop_or_bare_fallow: bool = Field(description="conventional farms grow low-residue crops or leave bare "
                                                  "fallows (IPCC low-input condition)")
    farm_size_median_ha: Annotated[float, Field(ge=MIN_FARM_SIZE_MEDIAN_HA, le=MAX_FARM_SIZE_MEDIAN_HA)] = Field(
        description=f"median farm area, ha (lognormal; {MIN_FARM_SIZE_MEDIAN_HA:g}-{MAX_FARM_SIZE_MEDIAN_HA:,.0f}: the "
        "smallest national mean holdings are ~0.3-0.5 ha, the largest, Australia's, ~4,000 ha; a value in m2 lies above "
        "it)")
    farm_size_sigma: Annotated[float, Field(ge=0.0, le=3.0)] = Field(description="sd of log farm area")
    crop: str = Field(description="main crop: a key of [crops] (its allocation and yield effects)")
    base_yield_kg_per_ha: Annotated[float, Field(ge=MIN_YIELD_KG_PER_HA, le=MAX_YIELD_KG_PER_HA), YIELD_UNIT] = Field(
        description=f"mean conventional yield at the region's initial SOC, kg/ha ({MIN_YIELD_KG_PER_HA:,.0f}-"
        f"{MAX_YIELD_KG_PER_HA:,.0f}: from below the lowest national cereal means, ~400 kg/ha, to above irrigated "
        "maize's yield potential, ~15-18 t/ha; a smaller value is t/ha)")
    crop_price_per_t: Annotated[float, Field(ge=MIN_CROP_PRICE_PER_T, le=MAX_CROP_PRICE_PER_T), PRICE_UNIT] = Field(
        description=f"farm-gate crop price, currency/t ({MIN_CROP_PRICE_PER_T:g}-{MAX_CROP_PRICE_PER_T:,.0f}: world maize "
        "at its lowest, ~75 USD/t, is ~23/t even in the largest currency unit, the Kuwaiti dinar, so a smaller value is "
        "a price per kg; five times the highest world grain price, Thai rice at ~1,000 USD/t in 2008)")
    production_cost_per_ha: MoneyPerHa = Field(
        description=f"conventional production cost, currency/ha/yr (<= {MAX_MONEY_PER_HA_PER_YEAR:,.0f}: above the full "
        "cost of the most input-intensive grain production, ~2,500 USD/ha)")
    weather_cv: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="year-to-year regional yield variation (cv)")
    yield_cv: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="farm-level yield variation each year (cv)")
    soc_plateau_pct: Annotated[float, Field(ge=MIN_SOC_PLATEAU_PCT, le=MAX_SOC_PLATEAU_PCT), PLATEAU_UNIT] = Field(
        description="SOC concentration (%) above which yield no longer responds to SOC (Oldfield et al. 2019: ~2 %; "
        f"{MIN_SOC_PLATEAU_PCT:g}-{MAX_SOC_PLATEAU_PCT:g}: below the lowest critical SOC reported, ~1.1 %, so a smaller "
        "value is a fraction, up to where soil counts as organic, 12-18 % organic C)")
    initial_adoption: dict[str, Share] = Field(description="share of farmers using each bundle at the start")
    discount_rate: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="farmers' discount rate, 1/yr")
    risk_aversion: Annotated[float, Field(ge=0.0, le=20.0)] = Field(description="relative (Arrow-Pratt) risk aversion")
    residue_livestock_value_per_ha: MoneyPerHa = Field(
        description="value of crop residue as fodder, forgone when residue is retained, currency/ha/yr (<= "
        f"{MAX_MONEY_PER_HA_PER_YEAR:,.0f})")
    demo_farms_per_1000_farms: Annotated[float, Field(ge=0.0, le=1000.0)] = Field(
        description="demonstration (signpost) farms practising every practice of the region, per 1,000 of its farms "
        "(a share, so a run's mean path does not depend on --farmers)")
    behaviour: RegionBehaviour = Field(description="the region's practices, equipment market, lenders and input prices")
    rothc: RegionRothC | None = Field(None, description="RothC inputs (required when soil.model = 'rothc')")
    countries: list[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]] | None = Field(
        None, description="ISO 3166-1 alpha-3 codes of the countries where the region's farms are, e.g. [\"BRA\"]; "
        "used only to draw the region on maps (none if absent: the region is left off the map)")

    @model_validator(mode="after")
    def _baseline_input_follows_management(self) -> Region:
        rule = input_level(self.residues_returned, self.n_fertiliser_or_n_fixing_crop,
                           self.low_residue_crop_or_bare_fallow, False)
        if rule != self.baseline_input:
            raise ValueError(
                f"baseline_input: {self.baseline_input!r} does not follow from residues_returned = "
                f"{str(self.residues_returned).lower()}, n_fertiliser_or_n_fixing_crop = "
                f"{str(self.n_fertiliser_or_n_fixing_crop).lower()}, low_residue_crop_or_bare_fallow = "
                f"{str(self.low_residue_crop_or_bare_fallow).lower()}: the IPCC rule gives {rule!r}")
        if self.rothc is not None and self.residues_returned and self.rothc.stubble_share != 1.0:
            raise ValueError(f"rothc.stubble_share: {self.rothc.stubble_share} but residues_returned = true; expected 1 "
                             "(conventional farms leave all residues)")
        return self

    def soc_target_problem(self) -> str | None:
        """What is wrong with ``rothc.calibrate_to_soc_t_c_per_ha`` (more than a mineral soil's layer holds), or None.

        Checked by the scenario after its depth check (``Scenario``): a depth typed in metres is named as such, not
        as a target too large for the shallow layer it makes.
        """
        target = self.rothc.calibrate_to_soc_t_c_per_ha if self.rothc is not None else None
        if target is None or target <= self.mineral_soc_limit_t_c_per_ha():
            return None
        return (f"rothc.calibrate_to_soc_t_c_per_ha: {target:g} t C/ha is more than a mineral soil's layer holds, "
                f"{self.mineral_soc_limit_t_c_per_ha():,.0f} t C/ha ({MAX_SOC_PLATEAU_PCT:g} % organic carbon, where "
                f"USDA Soil Taxonomy's organic soil material begins, x bulk_density_g_cm3 = {self.bulk_density_g_cm3:g} "
                f"x rothc.depth_cm = {self.rothc.depth_cm:g}); expected the stock in t C/ha (not kg C/ha), and the "
                "soil models are for mineral soils")

    def mineral_soc_limit_t_c_per_ha(self) -> float:
        """Most organic carbon a mineral soil's modelled RothC layer holds, t C/ha (referee 41 m5: 31,540 passed).

        ``MAX_SOC_PLATEAU_PCT`` % carbon (from there on soil material counts as organic) x bulk density (g/cm3 = t/m3)
        x depth (cm): % / 100 x t/m3 x cm / 100 x 10,000 m2/ha.
        """
        return MAX_SOC_PLATEAU_PCT / 100.0 * self.bulk_density_g_cm3 * self.rothc.depth_cm * 100.0

    @field_validator("initial_adoption")
    @classmethod
    def _bundles_known_and_sum_le_one(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            parse_bundle(name)
        if sum(value.values()) > 1.0 + 1e-12:
            raise ValueError(f"shares add up to {sum(value.values()):.4g}; expected at most 1 (the rest is conventional)")
        return value
