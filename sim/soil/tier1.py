"""IPCC Tier 1 soil carbon: SOC = SOC_REF x F_LU x F_MG x F_I, reached linearly over D years.

After a management change the stock moves in equal yearly steps from its current value to the new
equilibrium over ``transition_years`` (IPCC default D = 20), then stays there (IPCC 2019 Refinement,
Vol. 4, Ch. 2, Eq. 2.25 with the Tier 1 linear-change assumption). A change during a transition starts a new
transition from the current stock. Farms start at the equilibrium of their initial management.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.ipcc import INPUT_LEVELS, TILLAGE, tier1_tables
from sim.practices import N_PRACTICES, PRACTICES
from sim.scenario import Scenario

N_MASKS = 1 << N_PRACTICES


def management_categories(scenario: Scenario, baseline_input: str) -> tuple[list[str], list[str]]:
    """IPCC (tillage, input level) of each of the 16 bundle masks for a region with ``baseline_input``.

    Tillage is the most conserving category among the practices in use; the input level rises from the
    region's baseline by each practice's ``input_level_steps``, capped at 'high_without_manure'.
    """
    tillage, inputs = [], []
    base = INPUT_LEVELS.index(baseline_input)
    for mask in range(N_MASKS):
        used = [getattr(scenario.practices, p) for i, p in enumerate(PRACTICES) if mask >> i & 1]
        till = max((TILLAGE.index(p.tillage_after) for p in used if p.tillage_after != "unchanged"), default=0)
        steps = sum(p.input_level_steps for p in used)
        tillage.append(TILLAGE[till])
        inputs.append(INPUT_LEVELS[min(base + steps, 2)])
    return tillage, inputs


class Tier1Soil:
    """Tier 1 stocks of all farms as arrays.

    Args:
        scenario: the validated scenario (factor set, D, regions' climate, soil and baseline input).
        region: region index of each farm.
        bundles: initial bundle mask of each farm; farms start at that bundle's equilibrium.

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, bundles: np.ndarray) -> None:
        tables = tier1_tables(scenario.soil.factor_set)
        self.transition_years = scenario.soil.transition_years
        rows = []
        for spec in scenario.regions.values():
            tillage, inputs = management_categories(scenario, spec.baseline_input)
            rows.append(
                [tables.equilibrium_t_c_per_ha(spec.climate, spec.soil, t, i) for t, i in zip(tillage, inputs, strict=True)]
            )
        #: equilibrium stock by (region, bundle mask), t C/ha
        self.equilibrium_table = np.array(rows, dtype=np.float64)
        self.region = region
        self.stock_t_c_per_ha = self.equilibrium_table[region, bundles]
        self.target_t_c_per_ha = self.stock_t_c_per_ha.copy()
        self.rate_t_c_per_ha_yr = np.zeros_like(self.stock_t_c_per_ha)
        self.years_left = np.zeros(region.size, dtype=np.int16)

    def set_management(self, farms: np.ndarray, bundles: np.ndarray) -> None:
        """Start a D-year linear transition of ``farms`` towards the equilibrium of ``bundles``."""
        target = self.equilibrium_table[self.region[farms], bundles]
        self.target_t_c_per_ha[farms] = target
        self.rate_t_c_per_ha_yr[farms] = (target - self.stock_t_c_per_ha[farms]) / self.transition_years
        self.years_left[farms] = self.transition_years

    def advance_year(self) -> np.ndarray:
        """Move transitioning farms one yearly step; the last step lands exactly on the target."""
        change = np.empty_like(self.stock_t_c_per_ha)
        tier1_advance(self.stock_t_c_per_ha, self.target_t_c_per_ha, self.rate_t_c_per_ha_yr,
                              self.years_left, change)
        return change

    def observe_yields(self, yield_kg_per_ha: np.ndarray) -> None:
        """Tier 1 stocks do not depend on yields."""

    def reference_stock(self, region: int) -> float:
        """Conventional equilibrium stock of ``region``, t C/ha."""
        return float(self.equilibrium_table[region, 0])


@njit(cache=True, parallel=True)
def tier1_advance(stock_t_c_per_ha, target_t_c_per_ha, rate_t_c_per_ha_yr, years_left, change_t_c_per_ha
                  ):  # pragma: no cover - compiled
    """One year of the linear transition of every farm, in place; the last step lands exactly on the target."""
    for i in prange(stock_t_c_per_ha.size):
        left = years_left[i]
        if left > 0:
            new = target_t_c_per_ha[i] if left == 1 else stock_t_c_per_ha[i] + rate_t_c_per_ha_yr[i]
            change_t_c_per_ha[i] = new - stock_t_c_per_ha[i]
            stock_t_c_per_ha[i] = new
            years_left[i] = left - 1
        else:
            change_t_c_per_ha[i] = 0.0
