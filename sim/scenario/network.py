"""The social network: villages, farmer organisations, demonstration farms, exchange links between regions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import NonNegative, Positive, RegionName, Share, Strict

#: Most exchange links a table may ask for per 1,000 farms of the served region: ten per served farm on average.
MAX_EXCHANGE_LINKS_PER_1000_FARMS = 10_000.0

class ExchangeInformation(Strict):
    """Channel (a): what partners see of each other's seasons, weighted by how comparable their farms are.

    An exchange link's observations enter the learning update with weight visits_per_year x k_ij (instead of a
    neighbour's weight 1), k_ij = exp(-sum_m d_m^2 / (2 l_m^2)) over climate zone, soil class, crop (0 when equal,
    1 when not) and farm size (d = ln of the area ratio) (``sim.behaviour.exchange``).
    """

    climate_length: Positive = Field(description="length scale l of the climate-zone difference (0 or 1)")
    soil_length: Positive = Field(description="length scale l of the soil-class difference (0 or 1)")
    crop_length: Positive = Field(description="length scale l of the crop difference (0 or 1)")
    farm_size_length: Positive = Field(description="length scale l of ln(farm area ratio)")


class ExchangeKnowHow(Strict):
    """Channel (b): training by exchange visits and farmer field schools for the served region's participants.

    A trained farmer starts a new practice as far along its yield ramp as an untrained one after this many seasons:
    a smaller first-season penalty and a shorter ramp (``sim.behaviour.exchange``).
    """

    head_start_seasons: Annotated[int, Field(ge=0, le=5)] = Field(
        description="seasons of the practice's yield ramp a trained participant skips when starting it")
    training_cost_per_participant: NonNegative = Field(
        description="one-off cost of training one participant (field school, visits), currency, paid by the public")


class ExchangeEquipment(Strict):
    """Channel (c): South-South transfer of equipment designs and service know-how to the served region.

    Local manufacturers and trained hire-service providers make dealer and contractor supply follow local demand
    sooner: the region's ``supply_scale`` is multiplied by ``supply_scale_factor`` (``sim.behaviour.access``).
    """

    supply_scale_factor: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="multiplier of the served region's supply_scale (1 = no change)")
    cost_per_farm_per_year: NonNegative = Field(
        description="yearly cost of the equipment programme (trade missions, manufacturer training) per farm of the "
                    "served region, currency/farm/yr (a total that grows with the region, not with --farmers)")


class ExchangeOrganisation(Strict):
    """Channel (d): participants join a farmer group with group credit, group carbon certification and a market."""

    loan_to_savings: NonNegative = Field(
        description="loan the group's lender grants per unit of a participant's savings, whatever the farm's size")
    group_certification: bool = Field(description="participants are certified as a group for the carbon programme")
    crop_price_premium_share: Annotated[float, Field(ge=0.0, le=2.0)] = Field(
        description="extra crop price participants get through the group's output market, share of the price")
    support_cost_per_member_per_year: NonNegative = Field(
        description="yearly cost of the group's support per participant, currency, paid by the public")


class Exchange(Strict):
    """Farmer exchange links between two regions, as a density: links per 1,000 farms of the served region.

    A density (like the demonstration farms') keeps a farmer's chance of an exchange link, and the programme's cost per
    participant and per adopter, the same whatever the number of farmers simulated.

    Without channels a link is one more neighbour, at full weight (a partner of another continent and crop counts as
    a village neighbour does; channel (a) weights him visits x k instead). Channel (a) acts on both sides; (b), (c)
    and (d) serve the participants of the second region (``regions[1]``), the visiting side.
    """

    regions: Annotated[list[RegionName], Field(min_length=2, max_length=2)] = Field(
        description="the two linked regions (the second is the one channels b-d serve)"
    )
    links_per_1000_farms: Annotated[float, Field(ge=0.0, le=MAX_EXCHANGE_LINKS_PER_1000_FARMS)] = Field(
        description="exchange links per 1,000 farms of the served (second) region; each joins a random farm of each "
                    "region")
    visits_per_year: NonNegative = Field(0.0, description="exchange visits per link and year (0 = links only)")
    cost_per_visit: NonNegative = Field(0.0, description="cost of one visit (travel, hosting), currency, public")
    information: ExchangeInformation | None = Field(None, description="channel (a); absent = off, and then a partner "
                                                    "counts as a full neighbour of the farmer's own region (weight 1, "
                                                    "more than visits x k)")
    know_how: ExchangeKnowHow | None = Field(None, description="channel (b); absent = off")
    equipment: ExchangeEquipment | None = Field(None, description="channel (c); absent = off")
    organisation: ExchangeOrganisation | None = Field(None, description="channel (d); absent = off")

    @model_validator(mode="after")
    def _one_of(self) -> Exchange:
        if self.regions[0] == self.regions[1]:
            raise ValueError("an exchange links two different regions")
        return self


class Network(Strict):
    """Social network: small-world villages, farmer organisations, demonstration farms, exchange links."""

    kind: Literal["small_world", "complete"] = Field(
        description="'complete' = fully mixed population, every farmer of every region a neighbour (bass and threshold "
        "rules only: learning rules' evidence would grow with the number of farmers)")
    village_size: Annotated[int, Field(ge=2, le=10_000)] = Field(description="farmers per village")
    neighbours: Annotated[int, Field(ge=0, le=1000)] = Field(description="ring-lattice neighbours per farmer (even)")
    rewire_probability: Share = Field(description="Watts-Strogatz rewiring probability within the village")
    inter_village_links_per_farmer: NonNegative = Field(description="mean extra links to random farmers of the region")
    villages_per_organisation: Annotated[int, Field(ge=1)] = Field(description="villages grouped in one organisation")
    demo_reach: Annotated[int, Field(ge=0)] = Field(
        description="farmers of its region each demonstration farm reaches (per demonstration farm, so with "
        "regions.*.demo_farms_per_1000_farms a farmer's expected demonstration links do not depend on --farmers)")
    demo_weight: NonNegative = Field(description="weight of a demonstration-farm link relative to a peer link")
    exchange: list[Exchange] = Field(default_factory=list, description="links between regions (none if absent)")

    @model_validator(mode="after")
    def _lattice(self) -> Network:
        if self.neighbours % 2:
            raise ValueError(f"neighbours = {self.neighbours} must be even (a ring lattice links k/2 on each side)")
        if self.kind == "complete" and self.exchange:
            raise ValueError("exchange links need kind = 'small_world' (a fully mixed population has no links)")
        if self.kind == "small_world" and self.neighbours >= self.village_size:
            raise ValueError(f"neighbours = {self.neighbours} must be below village_size = {self.village_size}")
        return self
