"""Granovetter thresholds: a non-adopter adopts the target bundle once its neighbours' adopter share is high enough.

It adopts when that share reaches its own threshold (synchronous update; adopters never revert).

Thresholds are normal(mean, sd) clipped to [0, 1], one per farmer, drawn at set-up from the population stream.
"""

from __future__ import annotations

import numpy as np

from sim.behaviour.base import Choice, Situation
from sim.farmers import Regions
from sim.parallel import FarmStreams
from sim.practices import Catalogue
from sim.scenario import Scenario

#: A share equal to the threshold up to rounding counts as reaching it (shares are ratios of float32 sums).
SHARE_TOLERANCE = 1e-9


class ThresholdRule:
    """The threshold rule of ``[decision.rule]`` with ``kind = "threshold"``.

    Attributes:
        threshold: (n,) each farmer's threshold, a share of its neighbours (weighted by link weight).

    """

    learns = False

    def __init__(self, scenario: Scenario, catalogue: Catalogue, regions: Regions, rng: np.random.Generator) -> None:
        spec = scenario.decision.rule
        self.threshold = np.clip(rng.normal(spec.mean, spec.sd, regions.n), 0.0, 1.0)
        self.target = catalogue.target_bundle

    def decide(self, situation: Situation, decisions: FarmStreams) -> Choice:
        """Non-adopters whose neighbours' adopter share reaches their threshold adopt the target bundle."""
        bundle = situation.farms.bundle
        adopted = bundle == self.target
        share = situation.social.share_of(adopted)
        new = ~adopted & (share >= self.threshold - SHARE_TOLERANCE)
        return Choice.unchanged_but(np.where(new, np.uint8(self.target), bundle), situation)
