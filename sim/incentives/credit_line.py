"""A concessional credit line for adopting practices (Brazil's Programa ABC, now RenovAgro), paid for by the public.

A farm that starts practices borrows their one-off cost, at most ``max_loan``; one loan per farm at a time. The
balance stays whole for ``grace_years`` and is then repaid in equal parts until ``tenor_years``. The farm pays the
line's rate instead of the market rate: the public pays the difference (interest equalisation to the bank), which
is what the farm gains each year:

    subsidy(t) = (market_rate - interest_rate) x balance(t),  balance(t) = P for t < grace,
                 P x (tenor - t) / (tenor - grace) for grace <= t < tenor, 0 after (t: seasons since the loan).

The loan's principal and market interest are not in the farm account (one-off costs are expensed when paid, as
without the line): the line shows there as the interest saved. The line also reaches a share ``reach`` of the farms
without other credit (drawn once from the policy stream). A farm the line can lend to (no loan outstanding) has
``max_loan`` more money for one-off costs (``farms.credit_line_loan``, read by ``sim.behaviour.access``). A farmer
deciding counts the PV of the subsidy on the loan for a bundle's new practices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.economics import FARMER, PUBLIC, MoneyFlow, nothing
from sim.incentives.base import Setting, Settlement, Valuation, value_by_region
from sim.practices import NO_TILL, practice_matrix

if TYPE_CHECKING:
    from sim.farmers import FarmerTable
    from sim.practices import Catalogue


def balance_shares(tenor_years: int, grace_years: int) -> np.ndarray:
    """Outstanding share of the principal in each season of a loan, t = 0 .. tenor - 1, shape (tenor,)."""
    t = np.arange(tenor_years)
    return np.where(t < grace_years, 1.0, (tenor_years - t) / (tenor_years - grace_years))


class ConcessionalCredit:
    """The ``[credit_line]`` table as an incentive design (nothing when the scenario has none)."""

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        self.spec = setting.scenario.credit_line
        self.farms = setting.farms
        self.catalogue = setting.catalogue
        n = setting.farms.n
        self.principal = np.zeros(n)
        self.loan_year = np.zeros(n, np.int64)
        if self.spec is None:
            return
        spec = self.spec
        reached = rng.random(n) < spec.reach
        self.farms.credit_access = self.farms.credit_access | reached
        self.spread = spec.market_rate - spec.interest_rate
        self.shares = balance_shares(spec.tenor_years, spec.grace_years)
        horizon = setting.scenario.decision.planning_horizon_years
        seasons = np.arange(min(spec.tenor_years, horizon))
        #: per region: PV of the subsidy per unit of principal over the planning horizon
        self.subsidy_pv = [float(self.spread * np.sum(self.shares[seasons] * (1.0 + s.discount_rate) ** -(seasons + 1.0)))
                           for s in setting.regions.specs]
        self._offer()

    @classmethod
    def joined(cls, parts: list[ConcessionalCredit], farms: FarmerTable, catalogue: Catalogue
               ) -> ConcessionalCredit | None:
        """The designs of runs stacked in one model (``sim.ensemble``) as one over ``farms``, their farms.

        None when some run has a credit line (each run's line then lends on its own terms).
        """
        if any(p.spec is not None for p in parts):
            return None
        out = object.__new__(cls)
        out.spec, out.farms, out.catalogue = None, farms, catalogue
        out.principal = np.concatenate([p.principal for p in parts])
        out.loan_year = np.concatenate([p.loan_year for p in parts])
        return out

    def _offer(self) -> None:
        """What the line would lend each farm now (``farms.credit_line_loan``): ``max_loan`` to those that can borrow."""
        self.farms.credit_line_loan = np.where(self._borrows(slice(None)), float(self.spec.max_loan), 0.0)

    def begin_year(self, year: int) -> None:
        """Nothing changes from year to year."""

    def _borrows(self, farms: np.ndarray | slice) -> np.ndarray:
        """Farms that can take a new loan: credit access (other or through the line) and no loan outstanding."""
        return self.farms.credit_access[farms] & (self.principal[farms] == 0)

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """PV of the subsidy on the loan for each bundle's new practices (currency/ha)."""
        if self.spec is None:
            return None
        uses = practice_matrix(masks)  # (K, P), or (m, 1, P) for each farm's own bundle
        new = (uses if uses.ndim == 3 else uses[None]) & ~self.farms.uses[farms][:, None, :]  # (m, K, P)
        cost_per_ha = new @ self.catalogue.transition_cost_per_ha
        area = self.farms.area_ha[farms][:, None]
        loan_per_ha = np.minimum(cost_per_ha, self.spec.max_loan / area)
        return Valuation(np.where(self._borrows(farms)[:, None], loan_per_ha * self.subsidy_pv[region], 0.0))

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """``value`` of every region's farms (``base.IncentiveDesign.value_rows``)."""
        return None if self.spec is None else value_by_region(self, farms, bounds, masks)

    def after_adoption(self, year: int) -> None:
        """Farms that started practices this season borrow the one-off cost they paid (capped).

        No-till started with a hire service costs the farm no seeder, so nothing is lent for it.
        """
        if self.spec is None:
            return
        farms = self.farms
        started = farms.uses & (farms.years_in_use == 1)
        started[:, NO_TILL] &= ~farms.hires
        cost = (started @ self.catalogue.transition_cost_per_ha) * farms.area_ha
        borrowing = self._borrows(slice(None)) & (cost > 0)
        self.principal = np.where(borrowing, np.minimum(cost, self.spec.max_loan), self.principal)
        self.loan_year = np.where(borrowing, year, self.loan_year)
        self._offer()

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The year's interest equalisation per farm, public -> farmer (via the bank); finished loans close."""
        if self.spec is None:
            return Settlement([MoneyFlow("credit_line_subsidy", PUBLIC, FARMER, nothing(self.farms.n))])
        t = year - self.loan_year
        running = (self.principal > 0) & (t < self.spec.tenor_years)
        share = self.shares[np.clip(t, 0, self.spec.tenor_years - 1)]
        subsidy = np.where(running, self.spread * self.principal * share, 0.0)
        self.principal = np.where(running, self.principal, 0.0)
        self._offer()
        return Settlement([MoneyFlow("credit_line_subsidy", PUBLIC, FARMER, subsidy)])
