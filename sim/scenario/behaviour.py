"""Farmer behaviour: the decision rule (a kind table), the start, learning, social information and constraints.

Constraints on adoption: equipment supply, hire services, savings and credit, input prices.

Each decision rule has one table class here and one module in ``sim.behaviour`` (registered there by its kind).
A region's own behavioural settings (which practices exist there, its equipment market, lenders, input prices)
are the ``[regions.<name>.behaviour]`` table (``RegionBehaviour``).
Money is in the scenario's currency; "share of margin" means a share of the farm's conventional gross margin per ha
and year (``sim.behaviour.economics``), the unit that makes one value meaningful on a 300 ha soybean farm and on a
1.5 ha maize plot.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.practices import PRACTICES, parse_bundle
from sim.scenario.base import (
    MAX_MONEY_PER_HA_PER_YEAR,
    MoneyChangePerHa,
    MoneyPerHa,
    NonNegative,
    Positive,
    Share,
    Strict,
    kind_table,
)
from sim.scenario.years import check_year_keys

_KIND = "decision rule: economic, tpb, bass or threshold"
MarginShare = Annotated[float, Field(ge=0.0, le=5.0)]


class EconomicRule(Strict):
    """Practice by practice: binary logits on each practice's annualised net benefit given the others.

    A farmer reconsidering a practice adopts (or keeps) it with the logit probability of its risk-adjusted net benefit
    given the other practices it uses, net of switching costs.
    """

    kind: Literal["economic"] = Field(description=_KIND)
    revision_rate: Share = Field(description="probability that a farmer reconsiders a given practice in a year, 1/yr")
    noise_share: Annotated[float, Field(gt=0.0, le=5.0)] = Field(
        description="scale of the logit's transient decision noise (Gumbel scale), share of margin")
    heterogeneity_share: MarginShare = Field(
        description="sd of each farm's persistent, unobserved net benefit of each practice, share of margin")
    exit_cost_share: Annotated[float, Field(ge=0.0, le=5.0)] = Field(
        description="one-off cost of dropping a practice, share of its one-off adoption cost (re-tooling for tillage; "
        "none for no-till done by a hire service, which bought no seeder)")
    conformity_share: MarginShare = Field(
        description="utility of a practice per unit share of neighbours using it, share of margin (0 = no conformity)")


class TpbRule(Strict):
    """Theory of Planned Behaviour: attitude, subjective norm and perceived control against a threshold.

    A farmer reconsidering a practice intends to use it when the weighted sum passes its own threshold (InSEEDS-like;
    Ajzen 1991).
    """

    kind: Literal["tpb"] = Field(description=_KIND)
    revision_rate: Share = Field(description="probability that a farmer reconsiders a given practice in a year, 1/yr")
    attitude_weight: Share = Field(description="weight of attitude in the intention (the three weights add up to 1)")
    norm_weight: Share = Field(description="weight of the subjective (descriptive) norm: neighbours using the practice")
    control_weight: Share = Field(description="weight of perceived behavioural control: access, finance, know-how")
    attitude_sensitivity: Positive = Field(
        description="slope of attitude (a logistic) on the practice's net benefit in units of margin")
    control_without_know_how: Share = Field(
        description="perceived control over a feasible practice the farmer knows nothing about (0-1)")
    threshold_mean: Annotated[float, Field(gt=0.0, lt=1.0)] = Field(description="mean intention threshold (Beta)")
    threshold_sd: Annotated[float, Field(ge=0.0, le=0.3)] = Field(description="sd of intention thresholds across farmers")
    hysteresis: Annotated[float, Field(ge=0.0, le=0.5)] = Field(
        description="a user drops a practice only when its intention falls this far below its threshold")

    @model_validator(mode="after")
    def _weights(self) -> TpbRule:
        total = self.attitude_weight + self.norm_weight + self.control_weight
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"attitude_weight + norm_weight + control_weight = {total:.6g}; expected 1")
        variance_limit = self.threshold_mean * (1.0 - self.threshold_mean)
        if self.threshold_sd**2 >= variance_limit:
            raise ValueError(f"threshold_sd = {self.threshold_sd} is too large for a Beta with mean "
                             f"{self.threshold_mean}; expected below {variance_limit**0.5:.3g}")
        return self


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
DecisionRule = kind_table(EconomicRule, TpbRule, BassRule, ThresholdRule)


class Learning(Strict):
    """Beliefs about each practice's long-run yield effect: a prior, updated from own and others' results.

    Each result is corrected for the practice's known ramp (a first season says nothing about the long run).
    """

    prior_yield_belief_bias: Annotated[float, Field(ge=-1.0, le=1.0)] = Field(
        description="prior belief about each practice's long-run yield effect minus its true value"
    )
    prior_yield_belief_sd: Positive = Field(description="prior uncertainty (sd) of the belief about a yield effect")
    observation_sd: Positive = Field(description="noise (sd) of one farm's yield effect as observed")
    belief_memory: Share = Field(description="share of last year's belief precision kept (1 = no forgetting)")
    trial_seasons: Annotated[int, Field(ge=0, le=20)] = Field(
        description="seasons after starting a practice during which the farmer reviews it every year, judging its own "
        "seasons with what it knows of the ramp (sim.behaviour.trial; 0 = no trial review)")


class Social(Strict):
    """Where practice-specific information comes from besides network neighbours and demonstration farms."""

    organisation_weight: NonNegative = Field(
        description="weight of one adopter's results heard in the farmer organisation (growers' club), relative to a "
        "neighbour's (0 = no clubs)")
    organisation_membership: Share = Field(description="share of farmers who take part in their organisation's meetings")


class Access(Strict):
    """How constraints respond to the model: equipment supply follows regional adoption, savings follow income.

    The region-specific levels are in ``[regions.<name>.behaviour]``.
    """

    supply_scale: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="no-till area share of a region at which dealers and hire services reach 63 % (1 - 1/e) of the "
        "farms they did not reach without local demand")
    supply_adjustment_rate: Share = Field(description="share of the gap to that supply closed each year, 1/yr")
    savings_rate: Share = Field(description="share of a year's positive farm income added to savings")
    savings_spending_rate: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        description="share of savings spent each year (household needs, other investment)")
    loan_to_savings: NonNegative = Field(
        description="loan a lender grants per unit of the farm's savings (farms it serves only)")


class Decision(Strict):
    """How farmers choose their practices each year, how the model starts, how far they look ahead, what they learn."""

    rule: DecisionRule = Field(description="the decision rule (kind: economic, tpb, bass or threshold)")
    start: Literal["equilibrium", "as_given"] = Field(
        description="'equilibrium': the economic rule's practice constants are fitted so the initial shares are its "
        "stationary state and initial adopters are drawn where adopting is most likely; 'as_given': bundles placed "
        "at random, constants from regions.<name>.behaviour.practice_value_per_ha")
    unused_combination_share: Annotated[float, Field(gt=0.0, le=0.1)] = Field(
        description="decision.start = 'equilibrium': share of the target law spread evenly over the region's "
        "combinations of practices, so that a combination nobody uses in the file (e.g. cover crops at 0 %) is "
        "matched at a small share rather than by an infinite constant (the law is then tilted back to the file's "
        "practice shares); it sets the fitted constants of unused practices, and through them their response to "
        "incentives (a sensitivity parameter)")
    target_bundle: str = Field(description="bundle the bass and threshold rules diffuse (its share is always reported)")
    planning_horizon_years: Annotated[int, Field(ge=1, le=100)] = Field(
        description="years a farmer looks ahead (NPV, expected carbon and payment revenue, price expectations)")
    learning: Learning
    social: Social
    access: Access

    @field_validator("target_bundle")
    @classmethod
    def _known_bundle(cls, value: str) -> str:
        if parse_bundle(value) == 0:
            raise ValueError("the target bundle must contain at least one practice")
        return value


class RegionBehaviour(Strict):
    """A region's practices and constraints: its equipment market and hire services, its lenders, its input prices."""

    practices: list[str] = Field(description=f"practices that exist in the region (of {', '.join(PRACTICES)})")
    seeder_supply_base: Share = Field(
        description="share of farms that no-till seeder and herbicide dealers reach without local demand (imports)")
    contractor_supply_base: Share = Field(
        description="share of farms that no-till hire (contractor) services reach without local demand")
    contractor_fee_per_ha: MoneyPerHa = Field(
        description="yearly fee for hired no-till seeding, replacing the own seeder's one-off cost, currency/ha/yr (<= "
        f"{MAX_MONEY_PER_HA_PER_YEAR:,.0f})")
    min_credit_farm_ha: NonNegative = Field(description="smallest farm lenders serve (fixed cost of a loan), ha")
    herbicide_cost_per_ha: MoneyPerHa = Field(
        description="herbicide spend contained in no-till's yearly cost change at price index 1, currency/ha/yr (<= "
        f"{MAX_MONEY_PER_HA_PER_YEAR:,.0f})")
    herbicide_price_index_by_year: dict[str, Annotated[float, Field(ge=0.0, le=20.0)]] | None = Field(
        None, description="herbicide price index by year {\"1975\" = 2.0, ...}, linear between years (1 if absent); "
        "no-till's yearly cost changes by herbicide_cost_per_ha x (index - 1)")
    practice_value_per_ha: dict[str, MoneyChangePerHa] = Field(
        default_factory=dict, description="unmodelled net benefit of each practice, currency/ha/yr (decision.start = "
        f"'as_given' only; 0 for a practice not listed; within +-{MAX_MONEY_PER_HA_PER_YEAR:,.0f})")

    @field_validator("practices")
    @classmethod
    def _practices(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in PRACTICES:
                raise ValueError(f"unknown practice {name!r}; expected some of {', '.join(PRACTICES)}")
        if len(set(value)) != len(value):
            raise ValueError("a practice is listed twice")
        return value

    @field_validator("practice_value_per_ha")
    @classmethod
    def _values(cls, value: dict[str, float]) -> dict[str, float]:
        for name in value:
            if name not in PRACTICES:
                raise ValueError(f"unknown practice {name!r}; expected some of {', '.join(PRACTICES)}")
        return value

    @field_validator("herbicide_price_index_by_year")
    @classmethod
    def _years(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        if value is not None:
            check_year_keys(value, 1800, 2300, "price indices")
        return value
