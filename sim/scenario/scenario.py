"""The scenario as a whole: its tables (one module per room) and the checks that span several of them.

Scenario files are TOML (see ``sim.scenario.loader``). All fields are required unless documented as
optional: a derived scenario gets them from its ``extends`` base (``scenarios/base.toml`` documents the
defaults with their sources), so nothing is silently defaulted in code.
Money is in the scenario's ``currency``; "per ha" values are per hectare per year unless called one-off.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.practices import bundle_name, parse_bundle
from sim.scenario.base import RegionName, Strict
from sim.scenario.behaviour import Decision
from sim.scenario.experiment import OutputOfInterest, Pattern, PatternName, PosteriorDraws, Uncertain
from sim.scenario.farms import Crop, Practices, Region
from sim.scenario.incentives import Carbon, CreditLine, GhgAccounting, Payments, TwinMarket
from sim.scenario.network import Network
from sim.scenario.soil import SoilSettings

#: Largest seed: 63 bits, the range of the seeds a sweep draws for its runs (``experiments.plan.run_seeds``), so that
#: `casim run --seed` (or a scenario's ``seed``) repeats any run of a sweep alone. A seed and the replicate seeds
#: after it (seed + r, refused past this) are exact integers everywhere they are stored (Parquet int64 columns, JSON
#: manifests).
MAX_SEED = 2**63 - 1
#: Most years a run simulates (``--years`` obeys it too).
MAX_YEARS = 500


#: Languages a scenario's title may be translated into: the forum's languages other than English, the language of
#: ``name`` and ``description`` (``facilitation.i18n.LANGUAGES``; a test keeps the two lists the same).
TITLE_LANGUAGES = ("fr", "es", "pt")


class Title(Strict):
    """A scenario's name and description in one more language (``Scenario.translations``)."""

    name: Annotated[str, Field(min_length=1)] = Field(description="short title in that language")
    description: str = Field("", description="what question the scenario answers, in that language (optional)")


#: Decision rules whose farmers learn practices' effects from their neighbours' seasons (``sim.behaviour.learning``).
LEARNING_RULES = ("economic", "tpb")


def cheapest_cost_terms(name: str, region: Region, practices: Practices) -> list[tuple[str, float]]:
    """The terms of region ``name``'s lowest yearly production cost per ha: (field, currency/ha/yr), summed.

    Its conventional production cost, the cost change of each of its practices that saves (< 0), all used at once, and
    for no-till the herbicide price index at its lowest (``herbicide_cost_per_ha`` x (index - 1), when below 1). Other
    terms (hire fee, fodder forgone, cost increases) only add to it (``sim.economics``).
    """
    terms = [(f"regions.{name}.production_cost_per_ha", region.production_cost_per_ha)]
    for practice in region.behaviour.practices:
        change = getattr(practices, practice).annual_cost_change_per_ha
        if change < 0.0:
            terms.append((f"practices.{practice}.annual_cost_change_per_ha", change))
    index = region.behaviour.herbicide_price_index_by_year
    if "no_till" in region.behaviour.practices and index and min(index.values()) < 1.0:
        terms.append((f"regions.{name}.behaviour.herbicide_cost_per_ha x (lowest herbicide_price_index_by_year - 1)",
                      region.behaviour.herbicide_cost_per_ha * (min(index.values()) - 1.0)))
    return terms


class Scenario(Strict):
    """A complete, validated scenario."""

    NOT_QUANTITIES = frozenset({"seed"})  # up to MAX_SEED, past MAX_MAGNITUDE

    name: str = Field(description="short title")
    description: str = Field("", description="what question the scenario answers (optional)")
    translations: dict[Literal[TITLE_LANGUAGES], Title] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="name and description in the forum's other languages, shown by the "
        "report, animation and dashboard in that language: language code (fr, es, pt) -> {name, description}; a "
        "file that sets its own name inherits none of its base's, one that sets its own description none of its "
        "translated descriptions (none if absent: the English name or description is shown)")
    currency: Literal["USD", "EUR"] = Field(description="currency of all money fields")
    start_year: Annotated[int, Field(ge=1900, le=2200)] = Field(description="calendar year of the initial state")
    years: Annotated[int, Field(ge=1, le=MAX_YEARS)] = Field(description="years simulated")
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] = Field(description="default random seed")
    soil: SoilSettings
    practices: Practices
    crops: dict[str, Crop] = Field(description="main crops by name (a region's `crop` picks one): carbon allocation, "
                                   "grain dry matter and yield effects by climate class")
    regions: dict[RegionName, Region]
    carbon: Carbon
    twin_market: TwinMarket | None = Field(None, description="a Twin Regions market (none if absent)")
    payments: Payments
    credit_line: CreditLine | None = Field(None, description="a concessional credit line for practice adoption "
                                           "(none if absent)")
    ghg: GhgAccounting
    decision: Decision
    network: Network
    uncertain: dict[str, Uncertain] = Field(default_factory=dict, description="uncertain fields: dotted path -> "
                                            "distribution (none if absent)")
    outputs: dict[str, OutputOfInterest] = Field(default_factory=dict, description="outputs of interest for "
                                                 "sensitivity analysis: name -> column and year (none if absent)")
    patterns: dict[PatternName, Pattern] = Field(default_factory=dict, description="observed patterns a calibration "
                                                 "fits: name -> statistic, observed value, scale, source (none if absent)")
    posterior: PosteriorDraws | None = Field(None, description="posterior draws used as replicates by compare, "
                                             "target and report (none if absent)")

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        if not self.regions:
            raise ValueError("regions: at least one region is needed")
        for region_name, region in self.regions.items():
            if region.crop not in self.crops:
                raise ValueError(f"regions.{region_name}.crop: {region.crop!r} has no [crops.{region.crop}] table; "
                                 f"expected one of {sorted(self.crops)}")
            there = region.behaviour.practices
            for bundle in region.initial_adoption:
                missing = [p for p in bundle_name(parse_bundle(bundle)).split("+") if p not in there]
                if missing and parse_bundle(bundle):
                    raise ValueError(f"regions.{region_name}.initial_adoption: bundle {bundle!r} uses "
                                     f"{', '.join(missing)}, not in regions.{region_name}.behaviour.practices {there}")
            terms = cheapest_cost_terms(region_name, region, self.practices)
            if (cheapest := sum(value for _, value in terms)) < 0.0:
                raise ValueError(
                    " + ".join(f"{field} ({value:g})" for field, value in terms) + f" = "
                    f"{cheapest:g} {self.currency}/ha/yr; expected >= 0, else a farm using "
                    "every practice that saves costs has a negative production cost (lower the savings or raise the "
                    "production cost)")
            if self.decision.start == "equilibrium" and region.behaviour.practice_value_per_ha:
                raise ValueError(f"regions.{region_name}.behaviour.practice_value_per_ha: set only with decision.start "
                                 "= 'as_given' (with 'equilibrium' the practice constants are fitted to the initial "
                                 "shares)")
        for name, output in self.outputs.items():
            if not self.start_year <= output.year <= self.end_year:
                raise ValueError(f"outputs.{name}.year: {output.year} is outside {self.start_year}-{self.end_year}")
        for name, pattern in self.patterns.items():
            outside = [year for year in pattern.years() if not self.start_year <= year <= self.end_year]
            if outside:
                raise ValueError(f"patterns.{name}: year {outside[0]} is outside {self.start_year}-{self.end_year}")
            if pattern.region != "all" and pattern.region not in self.regions:
                raise ValueError(f"patterns.{name}.region: unknown region {pattern.region!r}; expected 'all' or one "
                                 f"of {sorted(self.regions)}")
        if self.twin_market is not None:
            for region in self.twin_market.seller_regions:
                if region not in self.regions:
                    raise ValueError(f"twin_market.seller_regions: unknown region {region!r}; expected one of "
                                     f"{sorted(self.regions)}")
        for region in self.ghg.mechanised_regions:
            if region not in self.regions:
                raise ValueError(f"ghg.mechanised_regions: unknown region {region!r}; expected one of "
                                 f"{sorted(self.regions)}")
        if self.network.kind == "complete" and self.decision.rule.kind in LEARNING_RULES:
            raise ValueError(f"network.kind: 'complete' makes every farmer of every region a neighbour of weight 1, so "
                             f"with decision.rule.kind = {self.decision.rule.kind!r}, which learns from neighbours' "
                             "seasons, the evidence would grow with the number of farmers and mix the regions' crops "
                             "and climates; expected 'small_world' (or a 'bass' or 'threshold' rule, which read the "
                             "share of neighbours only)")
        approach = self.carbon.mrv.approach
        if getattr(approach, "relative_sd", None) == "ipcc_tier1" and self.soil.factor_set != "2019":
            raise ValueError(f"carbon.mrv.approach.relative_sd: 'ipcc_tier1' derives the uncertainty from the IPCC "
                             f"2019 factors' uncertainties, which the {self.soil.factor_set} table does not give; "
                             "expected soil.factor_set = '2019' or a number")
        if self.soil.model == "rothc":
            for region_name, region in self.regions.items():
                if region.rothc is None:
                    raise ValueError(f"regions.{region_name}.rothc: missing; soil.model = 'rothc' needs it per region")
                if region.rothc.depth_cm != self.soil.depth_cm:
                    raise ValueError(f"regions.{region_name}.rothc.depth_cm: {region.rothc.depth_cm:g} but "
                                     f"soil.depth_cm = {self.soil.depth_cm:g}; expected the same depth: RothC's pools "
                                     "are for the region's rothc.depth_cm layer, and charts, report and spectral MRV "
                                     "label and convert the stock as soil.depth_cm")
        for region_name, region in self.regions.items():  # after the depth check: a depth in metres is named as such
            if (problem := region.soc_target_problem()) is not None:
                raise ValueError(f"regions.{region_name}.{problem}")
        anywhere = {p for region in self.regions.values() for p in region.behaviour.practices}
        target = bundle_name(parse_bundle(self.decision.target_bundle)).split("+")
        if not set(target) <= anywhere:
            raise ValueError(f"decision.target_bundle {self.decision.target_bundle!r} uses practices that exist in no "
                             f"region (regions.<name>.behaviour.practices): {sorted(set(target) - anywhere)}")
        for i, link in enumerate(self.network.exchange):
            for region in link.regions:
                if region not in self.regions:
                    raise ValueError(
                        f"network.exchange[{i}].regions: unknown region {region!r}; expected one of {sorted(self.regions)}"
                    )
        return self

    @property
    def end_year(self) -> int:
        """Calendar year of the last simulated step."""
        return self.start_year + self.years
