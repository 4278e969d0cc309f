"""Farmer behaviour: decision rules behind one protocol (``DecisionRule``), learning, and social information.

A new decision rule = one module here with a class following ``base.DecisionRule``, one table class in
``sim.scenario.behaviour`` (added to ``DecisionRule`` there) and one line in ``RULES`` below. What practices are worth
(``valuation``), the constraints (``access``), learning, social information and the start (``start``,
``equilibrium``) are shared by the rules.
"""

from __future__ import annotations

import numpy as np

from sim import kernel_cache  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.behaviour.base import Choice, DecisionRule, RuleBuilder, Situation
from sim.behaviour.bass import BassRule
from sim.behaviour.economic import EconomicRule
from sim.behaviour.threshold import ThresholdRule
from sim.behaviour.tpb import TpbRule
from sim.farmers import Regions
from sim.practices import Catalogue
from sim.scenario import Scenario

#: Decision rules by the ``kind`` of ``[decision.rule]``.
RULES: dict[str, RuleBuilder] = {
    "economic": EconomicRule,
    "tpb": TpbRule,
    "bass": BassRule,
    "threshold": ThresholdRule,
}


def build_rule(scenario: Scenario, catalogue: Catalogue, regions: Regions, rng: np.random.Generator) -> DecisionRule:
    """The decision rule the scenario asks for; ``rng`` is the population stream (per-farm traits)."""
    return RULES[scenario.decision.rule.kind](scenario, catalogue, regions, rng)


__all__ = ["RULES", "Choice", "DecisionRule", "Situation", "build_rule"]
