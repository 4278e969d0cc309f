"""What the programme does against its counterfactual: additional soil carbon, practice emissions, displaced production.

Per farm and year, with the counterfactual farm of the same row (``sim.incentives.counterfactual``; all zero when the
scenario has no programme):
  additional_t_co2e = (SOC change - counterfactual SOC change) x area x 44/12;
  practice_emissions_change_t_co2e = practice N2O and fuel CO2 - the counterfactual's (``sim.incentives.ghg``);
  displaced_emissions_t_co2e = emissions of production displaced by lower yields than the counterfactual's;
  net_ghg_benefit_t_co2e = additional - emissions change - displaced emissions.
It pays nothing: an incentive design only in that it settles every year beside the others.
"""

from __future__ import annotations

import numpy as np

from sim.incentives.base import Setting, Settlement, Valuation
from sim.incentives.ghg import PracticeEmissions, displaced_emissions_t_co2e
from sim.units import CO2_PER_C


class ProgrammeEffect:
    """The programme's effect on the soil and the other gases, measured against the counterfactual each year."""

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        self.setting = setting
        farms = setting.farms
        self.emissions = PracticeEmissions(setting.scenario, farms.region, farms.area_ha)
        self.previous_stock_t_c_per_ha = setting.soil.stock_t_c_per_ha.copy()

    def begin_year(self, year: int) -> None:
        """Nothing to prepare."""

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """Worth nothing to a farmer."""
        return None

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """Worth nothing to a farmer of any region."""
        return None

    def after_adoption(self, year: int) -> None:
        """No enrolment."""

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The year's effects per farm (module docstring), named by their output columns."""
        s = self.setting
        stock = s.soil.stock_t_c_per_ha
        change = stock - self.previous_stock_t_c_per_ha
        self.previous_stock_t_c_per_ha = stock.copy()
        emitted = self.emissions.of(s.farms.bundle, s.farms.yield_kg_per_ha, change)
        counterfactual = s.counterfactual
        if counterfactual is None:
            zero = np.zeros(change.size)
            additional = emissions_change = displaced = zero
        else:
            other = counterfactual.stock_change_t_c_per_ha
            additional = (change - other) * s.farms.area_ha * CO2_PER_C
            emissions_change = emitted - self.emissions.of(counterfactual.farms.bundle,
                                                           counterfactual.farms.yield_kg_per_ha, other)
            displaced = displaced_emissions_t_co2e(s.scenario, s.farms.region, s.farms.area_ha, s.farms.yield_kg_per_ha,
                                                   counterfactual.farms.yield_kg_per_ha)
        return Settlement([], {"additional_t_co2e": additional, "practice_emissions_t_co2e": emitted,
                               "practice_emissions_change_t_co2e": emissions_change,
                               "displaced_emissions_t_co2e": displaced,
                               "net_ghg_benefit_t_co2e": additional - emissions_change - displaced})
