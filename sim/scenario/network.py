"""The social network: villages, farmer organisations, demonstration farms, exchange links between regions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import NonNegative, RegionName, Share, Strict


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
