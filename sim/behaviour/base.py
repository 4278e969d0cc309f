"""The contract every decision rule keeps, and what a rule may read when farmers choose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.practices import NO_TILL

#: Why a farmer dropped a practice, as bits of ``Choice.dropped`` (one output column each, ``sim.outputs``):
#: bad_experience = its belief about the practice's effect fell (by more than the decision noise) since it adopted;
#: support_ended = the incentive value of the practice fell (by more than the decision noise) since it adopted;
#: constraint = it lost the means to continue (its hire service left); other = changed economics or decision noise.
DROP_REASONS: tuple[str, ...] = ("bad_experience", "support_ended", "constraint", "other")
BAD_EXPERIENCE, SUPPORT_ENDED, CONSTRAINT, OTHER = (1 << i for i in range(len(DROP_REASONS)))

if TYPE_CHECKING:
    from sim.behaviour.access import Access
    from sim.behaviour.exchange import Exchanges
    from sim.behaviour.learning import Learning
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
    """What farmers know when they choose next season's practices (shared objects; rules only read them).

    ``social`` holds last season's observations of the others; ``incentives`` values each bundle's expected incentive
    revenue for a farmer (``Incentives.tables``); ``access`` holds this year's supply, prices and each farm's access
    (``access.now``); ``learning`` the belief parameters.
    """

    farms: FarmerTable
    regions: Regions
    catalogue: Catalogue
    network: Network
    social: SocialInformation
    soil: SoilModel
    yields: YieldModel
    incentives: Incentives
    access: Access
    learning: Learning
    exchanges: Exchanges | None = None  # exchange programmes (``sim.behaviour.exchange``); None = none

    def valuation_seasons(self) -> np.ndarray:
        """(n, P) seasons in use as deciding farmers value them (trained farmers' head start, channel b)."""
        years = self.farms.years_in_use
        return years if self.exchanges is None else self.exchanges.valuation_seasons(years)


@dataclass(frozen=True)
class Choice:
    """Every farm's practices for next season and what changed."""

    bundle: np.ndarray  # (n,) uint8 practice bit mask
    hires: np.ndarray  # (n,) bool: no-till by a hire (contractor) service
    dropped: np.ndarray  # (n,) uint8: bits of DROP_REASONS for the practices dropped this year

    @classmethod
    def unchanged_but(cls, bundle: np.ndarray, situation: Situation) -> Choice:
        """A choice of ``bundle`` that keeps the hire routes and records no reasons (rules without dis-adoption)."""
        return cls(bundle, situation.farms.hires & (bundle & 1 << NO_TILL > 0), np.zeros(bundle.size, np.uint8))


class DecisionRule(Protocol):
    """How farmers choose their practices each season.

    A rule is built once per model by ``RuleBuilder`` (it may draw per-farm traits, such as thresholds, from the
    population stream it is given) and asked each year for every farm's next practices.
    """

    #: Whether farmers update their beliefs about the practices' yield effects from what they observe.
    learns: bool

    def decide(self, situation: Situation, decisions: FarmStreams) -> Choice:
        """Next season's practices of every farm.

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
