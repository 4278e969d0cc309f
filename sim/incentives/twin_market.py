"""Twin Regions market: buyers of one place buy the credits of farmers in twinned regions.

The price is set by a Market Authority, purchases are limited by a yearly budget or demand cap (pro rata), and
the Authority keeps a fee share.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.incentives import TwinMarket


class TwinRegionsMarket:
    """The ``[twin_market]`` table: which farms sell to it and how many of their credits it buys.

    Args:
        spec: the scenario's twin market.
        seller: (n,) bool, farms of the seller regions.

    """

    def __init__(self, spec: TwinMarket, seller: np.ndarray) -> None:
        self.spec = spec
        self.seller = seller

    @property
    def price_to_project(self) -> float:
        """What a credit sold to the market earns the project, net of the Authority's fee (currency/t CO2e)."""
        return self.spec.price_per_t_co2e * (1 - self.spec.authority_fee_share)

    def bought(self, credits_t_co2e: np.ndarray) -> np.ndarray:
        """Credits of each farm bought by the market (pro rata under its budget or demand cap), t CO2e."""
        offered = np.where(self.seller, credits_t_co2e, 0.0)
        total = offered.sum()
        if total <= 0:
            return offered
        cap = total
        if self.spec.demand_cap_t_co2e is not None:
            cap = min(cap, self.spec.demand_cap_t_co2e)
        if self.spec.annual_budget is not None and self.spec.price_per_t_co2e > 0:
            cap = min(cap, self.spec.annual_budget / self.spec.price_per_t_co2e)
        return offered * (cap / total)
