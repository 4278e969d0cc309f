"""Per-hectare payments for practices in use (eco-scheme style), paid by the public budget.

A practice is paid ``per_ha`` x area each year of use up to ``duration_years`` (its seasons in use counted from 1).
A farmer valuing a bundle counts, per practice, the PV of the payments still due: per_ha x A(r, min(years left, H)).
"""

from __future__ import annotations

import numpy as np

from sim.economics import FARMER, PUBLIC, MoneyFlow, annuity_factor
from sim.incentives.base import Setting, Settlement, Valuation
from sim.practices import PRACTICES, practice_matrix


class PerHectarePayments:
    """The ``[payments]`` table as an incentive design."""

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        spec = setting.scenario.payments
        self.farms = setting.farms
        self.per_ha = np.array([spec.per_ha.get(p, 0.0) for p in PRACTICES])
        self.duration_years = spec.duration_years
        horizon = setting.scenario.decision.planning_horizon_years
        paid_years_left = np.arange(self.duration_years + 1)
        #: per region: PV factor of 1/ha/yr paid for t more years (t = 0 .. duration), within the horizon
        self.annuity = [annuity_factor(s.discount_rate, np.minimum(paid_years_left, horizon)) for s in setting.regions.specs]
        self.paid = np.flatnonzero(self.per_ha > 0)  # practices that are paid

    def begin_year(self, year: int) -> None:
        """Nothing changes from year to year."""

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """PV of the payments still due under each bundle: for practices in use, what is left of their paid years."""
        if self.paid.size == 0:
            return None
        uses, years = self.farms.uses[farms], self.farms.years_in_use[farms]
        bundle_uses = practice_matrix(masks)  # (K, P)
        pv = np.zeros((farms.size, masks.size))
        for p in self.paid:
            left = np.where(uses[:, p], np.maximum(self.duration_years - years[:, p], 0), self.duration_years)
            pv = pv + np.where(bundle_uses[:, p], (self.per_ha[p] * self.annuity[region][left])[:, None], 0.0)
        return Valuation(pv)

    def after_adoption(self, year: int) -> None:
        """Payments need no enrolment."""

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The year's payments per farm: per-ha rates of practices in use within their paid years x area."""
        farms = self.farms
        paid_per_ha = np.zeros(farms.n)
        for p in self.paid:
            paid_per_ha += np.where(farms.uses[:, p] & (farms.years_in_use[:, p] <= self.duration_years),
                                    self.per_ha[p], 0.0)
        return Settlement([MoneyFlow("payments", PUBLIC, FARMER, paid_per_ha * farms.area_ha)])
