"""Greenhouse gases beside soil carbon: N2O and fuel CO2 of the practices, and production displaced by lower yields.

Per farm and year (t CO2e, ``[ghg]``), reported against the counterfactual and not credited:
  N2O  = EF1 x N x 44/28 x GWP(N2O) / 1000, with N (kg N/ha) x area:
         residue N when residues are retained: yield x (1 - HI)/HI x residue N share (IPCC 2019 F_CR, above-ground;
         roots stay in every system, so they do not change), + cover crop N when cover crops are used,
         + N mineralised from SOC lost this year: loss (t C/ha) x 1000 / C:N (IPCC 2006 Eq. 11.8, F_SOM);
  fuel = diesel change of no-till (vs ploughing) and of cover crops, in mechanised regions, x 2.68 kg CO2/L.
Productivity leakage (``displaced_ha``): the production a region loses against the counterfactual is grown
elsewhere on ``lost production / counterfactual yield`` ha, each emitting ``displaced_production_t_co2e_per_ha``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.practices import COVER_CROPS, NO_TILL, RESIDUE_RETENTION, USES_BY_MASK
from sim.units import DIESEL_T_CO2_PER_L, GWP100_N2O, KG_PER_T, N2O_PER_N2O_N

if TYPE_CHECKING:
    from sim.scenario import Scenario


class PracticeEmissions:
    """The ``[ghg]`` table per farm: N2O and fuel CO2 of a farm's practices in a year.

    Args:
        scenario: the scenario. region: region of each farm. area_ha: farm areas.

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, area_ha: np.ndarray) -> None:
        g = scenario.ghg
        self.spec = g
        self.area = area_ha
        mechanised = np.array([name in g.mechanised_regions for name in scenario.regions])
        self.mechanised = mechanised[region]
        #: t CO2e per kg N applied to soils
        self.n2o_per_kg_n = g.n2o_ef1 * N2O_PER_N2O_N * GWP100_N2O / KG_PER_T

    def of(self, bundle: np.ndarray, yield_kg_per_ha: np.ndarray, soc_change_t_c_per_ha: np.ndarray) -> np.ndarray:
        """Emissions of each farm this year, t CO2e (N2O of residue, cover crop and SOM nitrogen, plus fuel CO2)."""
        g = self.spec
        uses = USES_BY_MASK[bundle]
        residue_n = np.where(uses[:, RESIDUE_RETENTION],
                             yield_kg_per_ha * (1.0 - g.harvest_index) / g.harvest_index * g.residue_n_share, 0.0)
        cover_n = np.where(uses[:, COVER_CROPS], g.cover_crop_n_kg_per_ha, 0.0)
        som_n = np.maximum(-soc_change_t_c_per_ha, 0.0) * KG_PER_T / g.soil_c_to_n
        diesel = (np.where(uses[:, NO_TILL], g.no_till_diesel_change_l_per_ha, 0.0)
                  + np.where(uses[:, COVER_CROPS], g.cover_crops_diesel_change_l_per_ha, 0.0))
        fuel = np.where(self.mechanised, diesel * DIESEL_T_CO2_PER_L, 0.0)
        return ((residue_n + cover_n + som_n) * self.n2o_per_kg_n + fuel) * self.area


def displaced_emissions_t_co2e(scenario: Scenario, region: np.ndarray, area_ha: np.ndarray,
                               yield_kg_per_ha: np.ndarray, counterfactual_yield_kg_per_ha: np.ndarray) -> np.ndarray:
    """Emissions of production displaced elsewhere this year, per farm, t CO2e (module docstring).

    Per region: lost production = max(counterfactual production - production, 0) (kg); displaced ha = lost /
    the region's counterfactual mean yield; shared among the region's farms by their own shortfall.
    """
    n_regions = len(scenario.regions)
    produced = np.bincount(region, weights=yield_kg_per_ha * area_ha, minlength=n_regions)
    counterfactual = np.bincount(region, weights=counterfactual_yield_kg_per_ha * area_ha, minlength=n_regions)
    area = np.bincount(region, weights=area_ha, minlength=n_regions)
    lost = np.maximum(counterfactual - produced, 0.0)
    mean_yield = np.divide(counterfactual, area, out=np.zeros(n_regions), where=area > 0)
    displaced_ha = np.divide(lost, mean_yield, out=np.zeros(n_regions), where=mean_yield > 0)
    shortfall = np.maximum(counterfactual_yield_kg_per_ha - yield_kg_per_ha, 0.0) * area_ha
    total_shortfall = np.bincount(region, weights=shortfall, minlength=n_regions)
    share = np.divide(shortfall, total_shortfall[region], out=np.zeros(area_ha.size), where=total_shortfall[region] > 0)
    return share * (displaced_ha * scenario.ghg.displaced_production_t_co2e_per_ha)[region]
