"""Twin Regions market: buyers of one place buy the credits of farmers in twinned regions.

The price is set by a Market Authority, purchases are limited by a yearly budget or demand cap (pro rata), and
the Authority keeps a fee share.

Credits are issued once per verification and cover the ``verification_interval_years`` seasons since the last one
(verifications fall every interval from the start year, so every issuance covers exactly that many), so an issuance
may be bought with the budget (and demand cap) of every year it covers: cap = yearly budget x years covered / price
(referee 47 M1: the yearly budget capped a whole 5-year issuance, a fifth of what its name says). A year's budget
left unspent lapses, as a budget voted year by year does: it is not carried to later issuances. The money is paid
when the issuance is (``payment_lag_years`` after the verification), so the buyers' yearly spending is lumpy, but
an issuance never costs more than the budgets of the years it covers.

What sellers expect (``expected_price``): when the budget or cap binds, not every credit is bought at the twin
price, so a seller expects the share bought at the last issuance (1 before any) at the twin price net of the
Authority's fee, and the rest at the general market's expected price: an adaptive expectation, like the general
market's (farmers expect the current price), here of the rationing they last saw.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.incentives import TwinMarket


class TwinRegionsMarket:
    """The ``[twin_market]`` table: which farms sell to it and how many of their credits it buys.

    Args:
        spec: the scenario's twin market.
        seller: (n,) bool, farms of the seller regions.
        years_per_issuance: the seasons one issuance covers (the carbon table's ``verification_interval_years``).

    Attributes:
        share_bought: share of the credits offered that the market bought at its last issuance (1 before any).

    """

    def __init__(self, spec: TwinMarket, seller: np.ndarray, years_per_issuance: int) -> None:
        self.spec = spec
        self.seller = seller
        self.years_per_issuance = years_per_issuance
        self.share_bought = 1.0

    @property
    def price_to_project(self) -> float:
        """What a credit sold to the market earns the project, net of the Authority's fee (currency/t CO2e)."""
        return self.spec.price_per_t_co2e * (1 - self.spec.authority_fee_share)

    def expected_price(self, general_mean: float, general_variance: float) -> tuple[float, float]:
        """(mean, variance) of what a seller expects a credit to earn, currency/t CO2e.

        The twin price net of the fee on the share last bought, the general market's expected price (mean, variance)
        on the rest.
        """
        share = self.share_bought
        return (share * self.price_to_project + (1.0 - share) * general_mean,
                (1.0 - share) ** 2 * general_variance)

    def cap_t_co2e(self) -> float:
        """Most credits one issuance can be sold (t CO2e): the budget and demand cap of the years it covers (inf: none)."""
        spec, years = self.spec, self.years_per_issuance
        cap = np.inf
        if spec.demand_cap_t_co2e is not None:
            cap = min(cap, spec.demand_cap_t_co2e * years)
        if spec.annual_budget is not None and spec.price_per_t_co2e > 0:
            cap = min(cap, spec.annual_budget * years / spec.price_per_t_co2e)
        return cap

    def bought(self, credits_t_co2e: np.ndarray) -> np.ndarray:
        """Credits of each farm bought by the market at an issuance (pro rata under its cap), t CO2e.

        Notes the share bought (``share_bought``) when any credit is offered.
        """
        offered = np.where(self.seller, credits_t_co2e, 0.0)
        total = offered.sum()
        if total <= 0:
            return offered
        cap = min(total, self.cap_t_co2e())
        self.share_bought = cap / total
        return offered * (cap / total)
