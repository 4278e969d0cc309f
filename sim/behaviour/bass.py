"""Bass diffusion: a non-adopter of the target bundle adopts with probability p + q x (neighbour share using it).

Adopters never revert (the textbook rule). In a fully mixed population the adopter share follows
F(t+1) = F(t) + (p + q F(t)) (1 - F(t)) (tested).
"""

from __future__ import annotations

import numpy as np

from sim.behaviour.base import Choice, Situation
from sim.farmers import Regions
from sim.parallel import FarmStreams
from sim.practices import Catalogue
from sim.scenario import Scenario


class BassRule:
    """The Bass rule of ``[decision.rule]`` with ``kind = "bass"``."""

    learns = False

    def __init__(self, scenario: Scenario, catalogue: Catalogue, regions: Regions, rng: np.random.Generator) -> None:
        self.p = scenario.decision.rule.p
        self.q = scenario.decision.rule.q
        self.target = catalogue.target_bundle

    def decide(self, situation: Situation, decisions: FarmStreams) -> Choice:
        """Non-adopters adopt the target bundle with probability p + q x adopter share of their neighbours."""
        bundle = situation.farms.bundle
        adopted = bundle == self.target
        share = situation.social.share_of(adopted)
        probability = np.minimum(self.p + self.q * share, 1.0)
        new = ~adopted & (decisions.random() < probability)
        return Choice.unchanged_but(np.where(new, np.uint8(self.target), bundle), situation)
