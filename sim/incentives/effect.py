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

from typing import TYPE_CHECKING

import numpy as np

from sim.economics import nothing
from sim.incentives.base import Setting, Settlement, Valuation
from sim.incentives.ghg import PracticeEmissions, displaced_emissions_t_co2e
from sim.units import CO2_PER_C

if TYPE_CHECKING:
    from sim.farmers import FarmerTable
    from sim.incentives.counterfactual import Counterfactual


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
        stock, previous = s.soil.stock_t_c_per_ha, self.previous_stock_t_c_per_ha
        change = np.subtract(stock, previous, out=previous)  # last year's stock is used up here: no (n,) arrays a year
        settlement = effects_of_year(self.emissions, s.scenario.ghg.displaced_production_t_co2e_per_ha,
                                     len(s.scenario.regions), s.farms, change, s.counterfactual)
        np.copyto(previous, stock)
        return settlement


def effects_of_year(emissions: PracticeEmissions, displaced_t_co2e_per_ha: float, n_regions: int, farms: FarmerTable,
                    change: np.ndarray, counterfactual: Counterfactual | None) -> Settlement:
    """The year's effects per farm (module docstring) of ``farms`` (their SOC ``change`` over the year, t C/ha)."""
    emitted = emissions.of(farms.bundle, farms.yield_kg_per_ha, change)
    if counterfactual is None:  # no programme: nothing to measure against (0 - 0 - 0 is +0.0 on every farm)
        zero = nothing(change.size)
        return Settlement([], {"additional_t_co2e": zero, "practice_emissions_t_co2e": emitted,
                               "practice_emissions_change_t_co2e": zero, "displaced_emissions_t_co2e": zero,
                               "net_ghg_benefit_t_co2e": zero})
    other = counterfactual.stock_change_t_c_per_ha
    additional = (change - other) * farms.area_ha * CO2_PER_C
    emissions_change = emitted - emissions.of(counterfactual.farms.bundle, counterfactual.farms.yield_kg_per_ha, other)
    displaced = displaced_emissions_t_co2e(displaced_t_co2e_per_ha, n_regions, farms.region, farms.area_ha,
                                           farms.yield_kg_per_ha, counterfactual.farms.yield_kg_per_ha)
    return Settlement([], {"additional_t_co2e": additional, "practice_emissions_t_co2e": emitted,
                           "practice_emissions_change_t_co2e": emissions_change, "displaced_emissions_t_co2e": displaced,
                           "net_ghg_benefit_t_co2e": additional - emissions_change - displaced})
