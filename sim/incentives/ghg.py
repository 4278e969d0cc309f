"""Greenhouse gases beside soil carbon: N2O and fuel CO2 of the practices, and production displaced by lower yields.

Per farm and year (t CO2e, ``[ghg]``), reported against the counterfactual and not credited:
  N2O  = EF1 x N x 44/28 x GWP(N2O) / 1000, with N (kg N/ha) x area:
         residue N wherever residues stay on the field (the residue retention practice, or a region whose
         conventional farms return them: there the practice changes nothing, as in Tier 1 and the yields):
         grain dry matter x straw / grain of the region's crop (its ``[crops]`` carbon allocation, as RothC's inputs)
         x residue N share (IPCC 2019 F_CR, above-ground; roots stay in every system, so they do not change),
         + cover crop N when cover crops are used,
         + N mineralised from SOC lost this year: loss (t C/ha) x 1000 / C:N (IPCC 2006 Eq. 11.8, F_SOM);
  fuel = diesel change of no-till (vs ploughing) and of cover crops, in mechanised regions, x 2.68 kg CO2/L.
Productivity leakage (``displaced_ha``): the production a region loses against the counterfactual is grown
elsewhere on ``lost production / counterfactual yield`` ha, each emitting ``displaced_production_t_co2e_per_ha``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

from sim.practices import COVER_CROPS, NO_TILL, RESIDUE_RETENTION, USES_BY_MASK
from sim.units import DIESEL_T_CO2_PER_L, GWP100_N2O, KG_PER_T, N2O_PER_N2O_N

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from sim.scenario.farms import Crop


class PracticeEmissions:
    """The ``[ghg]`` table per farm: N2O and fuel CO2 of a farm's practices in a year.

    Args:
        scenario: the scenario. region: region of each farm. area_ha: farm areas.

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, area_ha: np.ndarray) -> None:
        g = scenario.ghg
        self.spec = g
        self.area = area_ha
        specs = scenario.regions.values()
        mechanised = np.array([name in g.mechanised_regions for name in scenario.regions])
        self.mechanised = mechanised[region]
        #: residues stay on the field without the residue retention practice (the region's conventional farms)
        self.residues_returned = np.array([spec.residues_returned for spec in specs])[region]
        #: above-ground residue dry matter per kg of harvested (fresh) grain, kg/kg
        self.residue_dm_per_kg_yield = np.array([residue_dm_per_kg_grain(scenario.crops[spec.crop])
                                                 for spec in specs])[region]
        #: t CO2e per kg N applied to soils
        self.n2o_per_kg_n = g.n2o_ef1 * N2O_PER_N2O_N * GWP100_N2O / KG_PER_T

    @classmethod
    def joined(cls, parts: list[PracticeEmissions]) -> PracticeEmissions:
        """The farms of ``parts`` (of one ``[ghg]`` table: runs stacked in one model) as one, in order."""
        out = object.__new__(cls)
        out.spec, out.n2o_per_kg_n = parts[0].spec, parts[0].n2o_per_kg_n
        out.area = np.concatenate([p.area for p in parts])
        out.mechanised = np.concatenate([p.mechanised for p in parts])
        out.residues_returned = np.concatenate([p.residues_returned for p in parts])
        out.residue_dm_per_kg_yield = np.concatenate([p.residue_dm_per_kg_yield for p in parts])
        return out

    def of(self, bundle: np.ndarray, yield_kg_per_ha: np.ndarray, soc_change_t_c_per_ha: np.ndarray) -> np.ndarray:
        """Emissions of each farm this year, t CO2e (N2O of residue, cover crop and SOM nitrogen, plus fuel CO2)."""
        g = self.spec
        out = np.empty(bundle.size)
        practice_emissions(bundle, yield_kg_per_ha, soc_change_t_c_per_ha, self.mechanised, self.area, USES_BY_MASK,
                           self.residues_returned, self.residue_dm_per_kg_yield, g.residue_n_share,
                           g.cover_crop_n_kg_per_ha, g.soil_c_to_n, g.no_till_diesel_change_l_per_ha,
                           g.cover_crops_diesel_change_l_per_ha, self.n2o_per_kg_n, out)
        return out


@njit(cache=True, parallel=True)
def practice_emissions(bundle, yield_kg_per_ha, soc_change_t_c_per_ha, mechanised, area_ha, uses_by_mask,
                       residues_returned, residue_dm_per_kg_yield, residue_n_share, cover_crop_n_kg_per_ha,
                       soil_c_to_n, no_till_diesel_l_per_ha, cover_crops_diesel_l_per_ha, n2o_per_kg_n, out
                       ):  # pragma: no cover - compiled
    """The module docstring's N2O and fuel CO2 per farm, t CO2e.

    N from residues where they stay (yield x ``residue_dm_per_kg_yield`` x residue N share, on farms retaining them
    or ``residues_returned`` by their region's practice), from cover crops, and from SOC lost (loss x 1000 / C:N,
    NaN kept); fuel only on mechanised farms.
    """
    for i in prange(bundle.size):
        b = bundle[i]
        residue_n = (yield_kg_per_ha[i] * residue_dm_per_kg_yield[i] * residue_n_share
                     if uses_by_mask[b, RESIDUE_RETENTION] or residues_returned[i] else 0.0)
        cover_n = cover_crop_n_kg_per_ha if uses_by_mask[b, COVER_CROPS] else 0.0
        lost = -soc_change_t_c_per_ha[i]
        if not (lost >= 0.0 or np.isnan(lost)):  # np.maximum(lost, 0.0)
            lost = 0.0
        som_n = lost * KG_PER_T / soil_c_to_n
        diesel = ((no_till_diesel_l_per_ha if uses_by_mask[b, NO_TILL] else 0.0)
                  + (cover_crops_diesel_l_per_ha if uses_by_mask[b, COVER_CROPS] else 0.0))
        fuel = diesel * DIESEL_T_CO2_PER_L if mechanised[i] else 0.0
        out[i] = ((residue_n + cover_n + som_n) * n2o_per_kg_n + fuel) * area_ha[i]


def residue_dm_per_kg_grain(crop: Crop) -> float:
    """Above-ground residue dry matter per kg of harvested grain (fresh), kg/kg: grain dry matter x straw / grain.

    From the crop's carbon allocation (``allocation_straw / allocation_product``, one carbon fraction for both), the
    same that sets RothC's inputs; by default straw / grain is 1.0 for maize (harvest index 0.50) and 1.5 for
    soybean (0.40), times 0.87 kg of dry matter per kg of grain sold.
    """
    return crop.grain_dry_matter_fraction * crop.allocation_straw / crop.allocation_product


def displaced_emissions_t_co2e(displaced_t_co2e_per_ha: float, n_regions: int, region: np.ndarray,
                               area_ha: np.ndarray, yield_kg_per_ha: np.ndarray,
                               counterfactual_yield_kg_per_ha: np.ndarray) -> np.ndarray:
    """Emissions of production displaced elsewhere this year, per farm, t CO2e (module docstring).

    Per region (``region`` < ``n_regions``): lost production = max(counterfactual production - production, 0) (kg);
    displaced ha = lost / the region's counterfactual mean yield; shared among the region's farms by their own
    shortfall; ``displaced_t_co2e_per_ha``: ``[ghg] displaced_production_t_co2e_per_ha``.
    Two compiled passes, bit for bit the NumPy expressions they replaced (``np.bincount``'s sums, one after another
    in row order; the shares in parallel), without their six (n,) temporaries: at 1 M farmers 27-32 ms a year serial,
    8-9 ms on 2 threads.
    """
    produced, counterfactual, area, total_shortfall = (np.zeros(n_regions) for _ in range(4))
    _region_production(region, area_ha, yield_kg_per_ha, counterfactual_yield_kg_per_ha, produced, counterfactual,
                       area, total_shortfall)
    lost = np.maximum(counterfactual - produced, 0.0)
    mean_yield = np.divide(counterfactual, area, out=np.zeros(n_regions), where=area > 0)
    displaced_ha = np.divide(lost, mean_yield, out=np.zeros(n_regions), where=mean_yield > 0)
    out = np.empty(area_ha.size)
    _displaced_shares(region, area_ha, yield_kg_per_ha, counterfactual_yield_kg_per_ha, total_shortfall,
                      displaced_ha * displaced_t_co2e_per_ha, out)
    return out


@njit(cache=True, nogil=True)
def _shortfall(counterfactual_yield, yield_kg, area):  # pragma: no cover - compiled
    """A farm's production shortfall, max(counterfactual - yield, 0) x area (``np.maximum``'s rule: NaN kept)."""
    lost = counterfactual_yield - yield_kg
    if not (lost >= 0.0 or np.isnan(lost)):
        lost = 0.0
    return lost * area


@njit(cache=True, nogil=True)
def _region_production(region, area_ha, yield_kg, counterfactual_yield, produced, counterfactual, area, shortfall
                       ):  # pragma: no cover - compiled
    """Per region: production, the counterfactual's, area and shortfall (kg, kg, ha, kg), added in row order.

    Into the zeroed (R,) ``produced``, ``counterfactual``, ``area`` and ``shortfall``, as ``np.bincount`` adds its
    weights (one after another, in row order); serial and releasing the GIL.
    """
    for i in range(region.size):
        r = region[i]
        produced[r] += yield_kg[i] * area_ha[i]
        counterfactual[r] += counterfactual_yield[i] * area_ha[i]
        area[r] += area_ha[i]
        shortfall[r] += _shortfall(counterfactual_yield[i], yield_kg[i], area_ha[i])


@njit(cache=True, parallel=True)
def _displaced_shares(region, area_ha, yield_kg, counterfactual_yield, total_shortfall, per_region, out
                      ):  # pragma: no cover - compiled
    """out[i] = (the farm's shortfall / its region's, 0 where the region has none) x ``per_region`` of its region."""
    for i in prange(region.size):
        r = region[i]
        total = total_shortfall[r]
        share = _shortfall(counterfactual_yield[i], yield_kg[i], area_ha[i]) / total if total > 0 else 0.0
        out[i] = share * per_region[r]
