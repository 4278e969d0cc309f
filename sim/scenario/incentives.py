"""Incentive designs: the carbon programme (price, MRV, crediting, who gets what), Twin Regions market, per-ha payments.

Each design has one table here and one module in ``sim.incentives``. Money is in the scenario's currency.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.practices import PRACTICES
from sim.scenario.base import NonNegative, Positive, RegionName, Share, Strict, kind_table
from sim.scenario.years import check_year_keys

PracticeName = Literal[PRACTICES]  # type: ignore[valid-type]
_KIND = "price path model: constant, ramp, series or stochastic"


class ConstantPrice(Strict):
    """A constant market price."""

    kind: Literal["constant"] = Field(description=_KIND)
    value: NonNegative = Field(description="the price, currency/t CO2e")


class RampPrice(Strict):
    """A price linear from ``start_value`` in ``start_year`` to ``end_value`` in ``end_year``, flat outside."""

    kind: Literal["ramp"] = Field(description=_KIND)
    start_value: NonNegative = Field(description="price in start_year, currency/t CO2e")
    end_value: NonNegative = Field(description="price in end_year, currency/t CO2e")
    start_year: int = Field(description="first year of the ramp")
    end_year: int = Field(description="last year of the ramp")

    @model_validator(mode="after")
    def _ordered(self) -> RampPrice:
        if self.end_year <= self.start_year:
            raise ValueError("ramp: end_year must be after start_year")
        return self


class SeriesPrice(Strict):
    """A price by year, linear between the given years and flat outside them."""

    kind: Literal["series"] = Field(description=_KIND)
    by_year: dict[str, NonNegative] = Field(description="price by year {\"2025\" = 10, ...}, currency/t CO2e")

    @model_validator(mode="after")
    def _years(self) -> SeriesPrice:
        check_year_keys(self.by_year, 1900, 2200, "prices", "by_year ")
        return self


class StochasticPrice(Strict):
    """A mean-reverting log price, seeded (reproducible from the run's seed).

    ln p(t+1) = ln p(t) + reversion x (c - ln p(t)) + volatility x e, e ~ N(0, 1), starting at ``value``, with c
    set so the long-run arithmetic mean is ``mean``.
    """

    kind: Literal["stochastic"] = Field(description=_KIND)
    value: NonNegative = Field(description="initial price, currency/t CO2e")
    mean: Positive = Field(description="long-run (arithmetic) mean price, currency/t CO2e")
    reversion: Share = Field(description="yearly pull of the log price to the log mean")
    volatility: Annotated[float, Field(ge=0.0, le=3.0)] = Field(description="sd of yearly log-price shocks")


#: How the market price moves: a kind table (a derived file that changes ``kind`` replaces the whole table).
PricePath = kind_table(ConstantPrice, RampPrice, SeriesPrice, StochasticPrice)


class CarbonPrice(Strict):
    """The carbon price: its market path, and the guarantees on it (floor, ceiling, fixed-price contracts).

    The project's price g is the market price clipped to [floor, ceiling], or the farm's contract price.
    """

    path: PricePath = Field(description="the market price path, currency/t CO2e (kind: constant, ramp, series or "
                            "stochastic)")
    floor: NonNegative = Field(description="guaranteed minimum price to the project (contract for difference), 0 = none")
    ceiling: Positive | None = Field(None, description="price above which the excess returns to the guarantor (none if absent)")
    contract_years: Annotated[int, Field(ge=0, le=100)] = Field(
        description="a farm's price is fixed for this many years at its enrolment (0 = spot price every year)"
    )
    guarantor: Literal["public", "buyer"] = Field(description="who pays the floor top-up and contract differences")

    @model_validator(mode="after")
    def _ceiling_above_floor(self) -> CarbonPrice:
        if self.ceiling is not None and self.ceiling < self.floor:
            raise ValueError(f"ceiling {self.ceiling} is below floor {self.floor}")
        return self


class Mrv(Strict):
    """Measurement, reporting and verification: its cost, the uncertainty deduction, and group certification.

    Per enrolled farm and verification: individual = cost_per_farm + cost_per_ha x area;
    group = group_cost / (enrolled members of the farmer organisation) + cost_per_ha x area, and the aggregator
    keeps aggregator_fee_share of the credit value.
    """

    method: str = Field(description="label of the MRV approach (e.g. soil sampling, model-based, spectral)")
    cost_per_farm: NonNegative = Field(description="fixed cost per farm and verification (individual certification), currency")
    cost_per_ha: NonNegative = Field(description="cost per enrolled ha and verification, currency/ha")
    uncertainty_deduction: Share = Field(description="share of quantified removals withheld for uncertainty")
    measurement_sd_t_c_per_ha: NonNegative = Field(
        description="sd of a measured stock change (quantification = 'measured'), t C/ha"
    )
    group_certification: bool = Field(description="certify farmers in groups through their farmer organisation")
    group_cost: NonNegative = Field(description="fixed cost per farmer organisation and verification when grouped, currency")
    aggregator_fee_share: Share = Field(description="share of the credit value kept by the group aggregator (grouped only)")


class TwinMarket(Strict):
    """Twin Regions market: buyers of one place pay farmers of twinned regions under a Market Authority's rules."""

    buyer: str = Field(description="who buys (label, e.g. 'Alfter, Germany')")
    seller_regions: Annotated[list[RegionName], Field(min_length=1)] = Field(description="regions whose credits it buys")
    price_per_t_co2e: NonNegative = Field(description="price set by the Market Authority, currency/t CO2e")
    annual_budget: NonNegative | None = Field(None, description="buyers' yearly budget, currency (none if absent)")
    demand_cap_t_co2e: NonNegative | None = Field(None, description="most credits bought a year, t CO2e (none if absent)")
    authority_fee_share: Share = Field(description="share of the purchase kept by the Market Authority")


class Carbon(Strict):
    """Results-based carbon crediting: price, quantification, verification, reversals, MRV and who gets what.

    Credits issued at a verification = removals since the last one x 44/12 x (1 - uncertainty deduction)
    x (1 - buffer). Removals are the modelled stock change, or a measurement of it (with noise).
    """

    price: CarbonPrice
    mrv: Mrv
    buyer: Literal["private", "public"] = Field(description="who buys credits on the general market")
    farmer_share: Share = Field(description="share of the credit value (after any aggregator fee) paid to farmers")
    buffer: Share = Field(description="share of credits put into the non-permanence buffer pool")
    verification_interval_years: Annotated[int, Field(ge=1, le=50)] = Field(
        description="years between verifications, when credits are issued and paid (VM0042, Label Bas Carbone: 5)"
    )
    quantification: Literal["modelled", "measured"] = Field(description="credited removals: modelled or measured")
    on_reversal: Literal["buffer", "clawback"] = Field(
        description="a loss of credited carbon is cancelled from the buffer pool, or repaid by the farmer"
    )


class Payments(Strict):
    """Public per-hectare payments for practices in use (eco-scheme style)."""

    per_ha: dict[PracticeName, NonNegative] = Field(description="payment per practice in use, currency/ha/yr")
    duration_years: Annotated[int, Field(ge=0, le=200)] = Field(description="years of use for which a practice is paid")
