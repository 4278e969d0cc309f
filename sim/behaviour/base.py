"""The contract every decision rule keeps, and what a rule may read when farmers choose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sim.behaviour.social import SocialInformation
    from sim.farmers import FarmerTable, Regions
    from sim.incentives import Incentives
    from sim.network import Network
    from sim.parallel import FarmStreams
    from sim.practices import Catalogue
    from sim.scenario import Scenario
    from sim.soil import SoilModel
    from sim.yields import YieldModel


@dataclass(frozen=True)
class Situation:
    """What farmers know when they choose next season's bundle (shared objects; rules only read them).

    ``social`` holds last season's observations of the neighbours; ``incentives`` values each bundle's
    expected incentive revenue for a farmer (``Incentives.value``).
    """

    farms: FarmerTable
    regions: Regions
    catalogue: Catalogue
    network: Network
    social: SocialInformation
    soil: SoilModel
    yields: YieldModel
    incentives: Incentives


class DecisionRule(Protocol):
    """How farmers choose their bundle of practices each season.

    A rule is built once per model by ``RuleBuilder`` (it may draw per-farm traits, such as thresholds, from the
    population stream it is given) and asked each year for every farm's next bundle.
    """

    #: Whether farmers update their beliefs about the practices' yield effects from what they observe.
    learns: bool

    def decide(self, situation: Situation, decisions: FarmStreams) -> np.ndarray:
        """Next season's bundle mask of every farm, shape (n,) uint8.

        Every random draw comes from ``decisions``: per farm, or from the generator of a farm's region, so that runs
        stacked in one model draw as alone.
        """
        ...


class RuleBuilder(Protocol):
    """Builds a rule from the scenario (called in set-up, after the farm parameters are drawn)."""

    def __call__(self, scenario: Scenario, catalogue: Catalogue, regions: Regions,
                 rng: np.random.Generator) -> DecisionRule:
        """The rule of ``scenario.decision.rule`` (``rng``: the population stream, for per-farm traits)."""
        ...
