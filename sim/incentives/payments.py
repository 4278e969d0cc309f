"""Per-hectare payments for practices in use (eco-scheme style), paid by the public budget.

Each year a farm is paid, for each paid practice it uses: per_ha x paid area (+ repeat_bonus_per_ha x paid area
when it used the practice last season too), for at most ``duration_years`` years per farm and practice, counted
from the scheme's start: dropping and re-adopting a practice does not restart the count. Paid area = area up to
``degressive_above_ha`` + ``degressive_rate_share`` x the area above it. With ``eligible = "new_adopters"`` a farm
is not paid for practices it used at the start.
A farmer valuing a bundle counts, per practice, the PV of the payments still due:
(per_ha + bonus) x paid area / area x A(r, min(paid years left, H)), the bonus from the second season of use.
Windfall (deadweight): the part of a farm's payments made for a practice that its counterfactual twin (the same farm
without the incentives, ``sim.incentives.counterfactual``) uses that same year anyway, per farm and practice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.economics import FARMER, PUBLIC, MoneyFlow, annuity_factor, nothing
from sim.incentives.base import Setting, Settlement, Valuation, value_by_region
from sim.practices import PRACTICES, practice_matrix

if TYPE_CHECKING:
    from sim.farmers import FarmerTable
    from sim.incentives.counterfactual import Counterfactual


def paid_area_ha(area_ha: np.ndarray, above_ha: float | None, rate_share: float) -> np.ndarray:
    """Area paid at the full rate: area up to ``above_ha`` + ``rate_share`` x the area above it (all when None)."""
    if above_ha is None:
        return area_ha
    return np.minimum(area_ha, above_ha) + rate_share * np.maximum(area_ha - above_ha, 0.0)


class PerHectarePayments:
    """The ``[payments]`` table as an incentive design.

    Attributes:
        paid_years: (n, P) years each farm has been paid for each practice.
        eligible: (n, P) practices each farm may be paid for.

    """

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        spec = setting.scenario.payments
        self.farms = setting.farms
        self.counterfactual = setting.counterfactual
        self.per_ha = np.array([spec.per_ha.get(p, 0.0) for p in PRACTICES])
        self.bonus = np.array([spec.repeat_bonus_per_ha.get(p, 0.0) for p in PRACTICES])
        self.duration_years = spec.duration_years
        horizon = setting.scenario.decision.planning_horizon_years
        paid_years_left = np.arange(self.duration_years + 1)
        #: per region: PV factor of 1/ha/yr paid for t more years (t = 0 .. duration), within the horizon
        self.annuity = [annuity_factor(s.discount_rate, np.minimum(paid_years_left, horizon)) for s in setting.regions.specs]
        self.paid = np.flatnonzero((self.per_ha > 0) | (self.bonus > 0))  # practices that are paid
        farms = setting.farms
        self.paid_share = paid_area_ha(farms.area_ha, spec.degressive_above_ha, spec.degressive_rate_share) / farms.area_ha
        self.paid_years = np.zeros(farms.uses.shape, np.int16)  # at most the run's years
        self.eligible = ~farms.uses if spec.eligible == "new_adopters" else np.ones(farms.uses.shape, bool)

    @classmethod
    def joined(cls, parts: list[PerHectarePayments], farms: FarmerTable, counterfactual: Counterfactual | None
               ) -> PerHectarePayments | None:
        """The payments of runs stacked in one model (``sim.ensemble``) as one design over ``farms``, their farms.

        ``counterfactual``: the stacked runs' counterfactual. None when the runs pay different rates or for
        different years (each run's design then pays its rows).
        """
        first = parts[0]
        if any(not (np.array_equal(p.per_ha, first.per_ha) and np.array_equal(p.bonus, first.bonus)
                    and p.duration_years == first.duration_years) for p in parts[1:]):
            return None
        out = object.__new__(cls)
        out.farms, out.per_ha, out.bonus, out.duration_years, out.paid = (farms, first.per_ha, first.bonus,
                                                                           first.duration_years, first.paid)
        out.annuity = [annuity for p in parts for annuity in p.annuity]  # by stacked region
        out.paid_share = np.concatenate([p.paid_share for p in parts])
        out.paid_years = np.concatenate([p.paid_years for p in parts])
        out.eligible = np.concatenate([p.eligible for p in parts])
        out.counterfactual = counterfactual
        return out

    def begin_year(self, year: int) -> None:
        """Nothing changes from year to year."""

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """PV of the payments still due under each bundle: what is left of each paid practice's years for the farm."""
        if self.paid.size == 0:
            return None
        uses = self.farms.uses[farms]
        bundle_uses = practice_matrix(masks)  # (K, P)
        annuity = self.annuity[region]
        pv = np.zeros((farms.size, masks.size))
        for p in self.paid:
            left = np.where(self.eligible[farms, p], np.maximum(self.duration_years - self.paid_years[farms, p], 0), 0)
            bonus_left = np.where(uses[:, p], left, np.maximum(left - 1, 0))
            per_ha = (self.per_ha[p] * annuity[left] + self.bonus[p] * annuity[bonus_left]) * self.paid_share[farms]
            pv = pv + np.where(bundle_uses[:, p], per_ha[:, None], 0.0)
        return Valuation(pv)

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """``value`` of every region's farms (``base.IncentiveDesign.value_rows``)."""
        return None if self.paid.size == 0 else value_by_region(self, farms, bounds, masks)

    def after_adoption(self, year: int) -> None:
        """Payments need no enrolment."""

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The year's payments per farm (module docstring); each paid practice adds a paid year to the farm.

        Quantity ``payments_windfall`` (n,), currency: the payments for practices the farm's counterfactual twin
        uses this year (the twin has taken the year already).
        """
        farms = self.farms
        if self.paid.size == 0:  # no practice is paid: nothing (0 per ha x paid area would be +0.0 on every farm)
            return Settlement([MoneyFlow("payments", PUBLIC, FARMER, nothing(farms.n))],
                              {"payments_windfall": nothing(farms.n)})
        twin_uses = self.counterfactual.farms.uses
        paid_per_ha = np.zeros(farms.n)
        windfall_per_ha = np.zeros(farms.n)
        for p in self.paid:
            paid = farms.uses[:, p] & self.eligible[:, p] & (self.paid_years[:, p] < self.duration_years)
            repeat = farms.years_in_use[:, p] >= 2
            per_ha = np.where(paid, self.per_ha[p] + np.where(repeat, self.bonus[p], 0.0), 0.0)
            paid_per_ha += per_ha
            windfall_per_ha += np.where(twin_uses[:, p], per_ha, 0.0)
            self.paid_years[:, p] += paid
        return Settlement([MoneyFlow("payments", PUBLIC, FARMER, paid_per_ha * self.paid_share * farms.area_ha)],
                          {"payments_windfall": windfall_per_ha * self.paid_share * farms.area_ha})
