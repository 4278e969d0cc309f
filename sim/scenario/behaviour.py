"""Farmer behaviour: the decision rule (a kind table), what farmers look ahead to, and how they learn.

Each decision rule has one table class here and one module in ``sim.behaviour`` (registered there by its kind).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from sim.practices import parse_bundle
from sim.scenario.base import NonNegative, Positive, Share, Strict, kind_table

_KIND = "decision rule: economic, bass or threshold"


class EconomicRule(Strict):
    """Farmers who reconsider choose the bundle of highest expected utility (risk-adjusted NPV, conformity; logit)."""

    kind: Literal["economic"] = Field(description=_KIND)
    revision_rate: Share = Field(description="share of farmers who reconsider their bundle each year")
    choice_intensity: NonNegative = Field(description="logit intensity on utility (utility in units of baseline NPV)")
    social_weight: NonNegative = Field(description="weight of conformity with neighbours' practices in the utility")
    status_quo_bias: NonNegative = Field(description="utility bonus for keeping the current bundle")


class BassRule(Strict):
    """Bass diffusion: a non-adopter adopts the target bundle with probability p + q x adopter share of neighbours."""

    kind: Literal["bass"] = Field(description=_KIND)
    p: Share = Field(description="innovation coefficient, 1/yr")
    q: Annotated[float, Field(ge=0.0, le=5.0)] = Field(description="imitation coefficient, 1/yr")


class ThresholdRule(Strict):
    """Granovetter thresholds: adopt the target bundle once the adopter share of neighbours reaches the threshold."""

    kind: Literal["threshold"] = Field(description=_KIND)
    mean: Share = Field(description="mean threshold (share of neighbours)")
    sd: Annotated[float, Field(ge=0.0, le=1.0)] = Field(description="sd of thresholds (normal, clipped to [0, 1])")


#: How farmers choose: a kind table (a derived file that changes ``kind`` replaces the whole table).
DecisionRule = kind_table(EconomicRule, BassRule, ThresholdRule)


class Learning(Strict):
    """Beliefs about each practice's long-run yield effect: a prior, updated from own and neighbours' results."""

    prior_yield_belief_bias: Annotated[float, Field(ge=-1.0, le=1.0)] = Field(
        description="prior belief about each practice's long-run yield effect minus its true value"
    )
    prior_yield_belief_sd: Positive = Field(description="prior uncertainty (sd) of the belief about a yield effect")
    observation_sd: Positive = Field(description="noise (sd) of one neighbour's yield effect as observed")
    belief_memory: Share = Field(description="share of last year's belief precision kept (1 = no forgetting)")


class Decision(Strict):
    """How farmers choose a bundle each year, how far they look ahead, and how they learn."""

    rule: DecisionRule = Field(description="the decision rule (kind: economic, bass or threshold)")
    target_bundle: str = Field(description="bundle the bass and threshold rules diffuse (its share is always reported)")
    planning_horizon_years: Annotated[int, Field(ge=1, le=100)] = Field(
        description="years a farmer looks ahead (NPV, expected carbon and payment revenue, price expectations)")
    learning: Learning

    @field_validator("target_bundle")
    @classmethod
    def _known_bundle(cls, value: str) -> str:
        if parse_bundle(value) == 0:
            raise ValueError("the target bundle must contain at least one practice")
        return value
