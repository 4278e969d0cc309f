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

Committed (referee 47 M2): at the end of each year the public still owes the subsidy of the seasons left on every
running loan, whatever the farm does next: spread x P x sum_{s > t} share(s), undiscounted (``credit_line_committed``,
added to the public's committed money, as the carbon registry's owed payments are).
Windfall (referee 47 M4), the counterpart of the per-ha payments' (``sim.incentives.payments``): the subsidy on the
part of a loan that financed practices the farm's counterfactual twin (the same farm without the incentives) uses
in the year the loan is taken, i.e. adoption that happens anyway: each year's subsidy on the loan x (one-off cost
per ha of the financed practices the twin uses that year) / (one-off cost per ha of all the practices the loan
financed) (``credit_line_windfall``). The share is fixed when the loan is taken: the loan finances that year's
adoption, and its subsidy is owed for the tenor whatever either farm does later. So it is a lower bound: a twin
that takes the practice up a year or more after the loan leaves that loan's subsidy counted as additional.
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


def shares_left(shares: np.ndarray) -> np.ndarray:
    """Sum of the balance ``shares`` of the seasons after each season t: sum_{s > t} shares[s], shape (tenor,)."""
    return np.concatenate([np.cumsum(shares[::-1])[::-1][1:], [0.0]])


class ConcessionalCredit:
    """The ``[credit_line]`` table as an incentive design (nothing when the scenario has none)."""

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        self.spec = setting.scenario.credit_line
        self.farms = setting.farms
        self.catalogue = setting.catalogue
        n = setting.farms.n
        self.counterfactual = setting.counterfactual
        self.principal = np.zeros(n)
        self.loan_year = np.zeros(n, np.int64)
        if self.spec is None:
            return
        #: (n,) share of the running loan that financed practices the counterfactual twin used in the loan's year
        self.windfall_share = np.zeros(n)
        spec = self.spec
        reached = rng.random(n) < spec.reach
        self.farms.credit_access = self.farms.credit_access | reached
        self.spread = spec.market_rate - spec.interest_rate
        self.shares = balance_shares(spec.tenor_years, spec.grace_years)
        self.shares_left = shares_left(self.shares)
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
        financed = started * self.catalogue.transition_cost_per_ha  # (n, P) currency/ha
        anyway = (financed * self.counterfactual.farms.uses).sum(axis=1)  # the twin has taken the year already
        total = financed.sum(axis=1)
        self.windfall_share = np.where(borrowing, np.divide(anyway, total, out=np.zeros(total.size), where=total > 0),
                                       self.windfall_share)
        self.loan_year = np.where(borrowing, year, self.loan_year)
        self._offer()

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The year's interest equalisation per farm, public -> farmer (via the bank); finished loans close.

        Quantities (n,), currency: ``credit_line_committed``, the subsidy still owed on the loan after this year;
        ``credit_line_windfall``, the part of this year's subsidy on the share of each loan that financed practices
        the counterfactual twin used in the loan's year; both as the module docstring says.
        """
        n = self.farms.n
        if self.spec is None:
            return Settlement([MoneyFlow("credit_line_subsidy", PUBLIC, FARMER, nothing(n))],
                              {"credit_line_committed": nothing(n), "credit_line_windfall": nothing(n)})
        t = year - self.loan_year
        running = (self.principal > 0) & (t < self.spec.tenor_years)
        season = np.clip(t, 0, self.spec.tenor_years - 1)
        subsidy = np.where(running, self.spread * self.principal * self.shares[season], 0.0)
        committed = np.where(running, self.spread * self.principal * self.shares_left[season], 0.0)
        windfall = subsidy * self.windfall_share
        self.principal = np.where(running, self.principal, 0.0)
        self._offer()
        return Settlement([MoneyFlow("credit_line_subsidy", PUBLIC, FARMER, subsidy)],
                          {"credit_line_committed": committed, "credit_line_windfall": windfall})
