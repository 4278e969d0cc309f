"""Crop yield: SOC response (linear up to a plateau) x practice effects (by years in use) x weather.

Y = [Y_base + s x (min(SOC, SOC_plateau) - min(SOC_ref, SOC_plateau))]
    x prod_p (1 + e_p(t_p)) x (1 + e_CA(t_CA)) x W_region,year x W_farm,year

- Y_base: the region's conventional yield at SOC_ref, its conventional Tier 1 equilibrium (kg/ha);
- s: yield response, kg/ha per t C/ha (seed document: 400-1,000 kg/ha per 10 t C/ha in degraded soils);
- SOC_plateau: from the plateau concentration (~2 % SOC) via bulk density and depth (``sim.units``);
- e_p(t): a practice's relative effect after t seasons, linear from its initial to its long-run value over
  its transition years (no-till's early yield penalty); e_CA: the full-CA synergy, linear from 0;
- W: mean-one lognormal weather factors, one per region and year and one per farm and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange, vectorize

from sim.units import soc_pct_to_t_c_per_ha

if TYPE_CHECKING:
    from sim.farmers import FarmerTable, Regions
    from sim.practices import Catalogue
    from sim.scenario import Scenario


def ramp(initial: np.ndarray, long_run: np.ndarray, transition_years: np.ndarray, seasons: np.ndarray) -> np.ndarray:
    """Relative effect after ``seasons`` seasons of use (0 when not in use), linear over the transition.

    Shapes broadcast: parameters (P,), seasons (..., P).
    """
    span = np.maximum(transition_years - 1, 1)
    progress = np.minimum((seasons - 1) / span, 1.0)
    effect = initial + (long_run - initial) * progress
    return np.where(seasons > 0, effect, 0.0)


def ramp_table(initial: np.ndarray, long_run: np.ndarray, transition_years: np.ndarray) -> np.ndarray:
    """``ramp`` tabulated for seasons 0 .. max(transition_years), shape (max + 1, P), float32.

    Row ``min(seasons, max)`` holds the effect: seasons beyond the transition keep the long-run value.
    """
    seasons = np.arange(int(np.max(transition_years)) + 1)[:, None]
    return ramp(initial, long_run, transition_years, seasons).astype(np.float32)


def lognormal_sigma(cv: np.ndarray | float) -> np.ndarray | float:
    """Sigma of a lognormal with coefficient of variation ``cv``."""
    return np.sqrt(np.log1p(np.square(cv)))


@vectorize(["float64(float64, float64, float64, float64, float64)"], cache=True)
def soc_yield_potential(soc_t_c_per_ha, base_yield_kg_per_ha, response_kg_per_t_c, soc_ref_t_c_per_ha,
                        soc_plateau_t_c_per_ha):  # pragma: no cover - compiled
    """Yield before practice effects and weather, kg/ha (never below zero); a ufunc (arrays broadcast)."""
    gain = min(soc_t_c_per_ha, soc_plateau_t_c_per_ha) - min(soc_ref_t_c_per_ha, soc_plateau_t_c_per_ha)
    return max(base_yield_kg_per_ha + response_kg_per_t_c * gain, 0.0)


@dataclass(frozen=True)
class Harvest:
    """The season's realised yields and what farmers can see in them."""

    yield_kg_per_ha: np.ndarray  # (n,) float64
    effects: np.ndarray  # (n, P) float32 current relative effect of each practice (0 when not in use)
    deviation: np.ndarray  # (n,) float32 farm weather factor - 1


class YieldModel:
    """The regions' yield constants (per region and copied per farm) and the season's yields.

    Args:
        scenario: the scenario (regions' yield response, plateau, weather and farm variability).
        regions: the regions in farm-row order.
        reference_stock_t_c_per_ha: each region's conventional SOC at equilibrium, Y_base's reference (R,).
        catalogue: the practices (effect table, synergy).

    """

    def __init__(self, scenario: Scenario, regions: Regions, reference_stock_t_c_per_ha: np.ndarray,
                 catalogue: Catalogue) -> None:
        specs = regions.specs
        depth = scenario.soil.depth_cm
        self.catalogue = catalogue
        self.response_kg_per_t_c = np.array([s.yield_response_kg_per_t_c for s in specs])
        self.reference_t_c_per_ha = np.asarray(reference_stock_t_c_per_ha, dtype=np.float64)
        self.plateau_t_c_per_ha = np.array([soc_pct_to_t_c_per_ha(s.soc_plateau_pct, s.bulk_density_g_cm3, depth)
                                            for s in specs])
        self.weather_sigma = np.array([lognormal_sigma(s.weather_cv) for s in specs])
        # per-farm copies (no gathering by region every year)
        self.farm_sigma = lognormal_sigma(regions.per_farm([s.yield_cv for s in specs])).astype(np.float32)
        self.farm_response = regions.per_farm(self.response_kg_per_t_c)
        self.farm_reference = regions.per_farm(self.reference_t_c_per_ha)
        self.farm_plateau = regions.per_farm(self.plateau_t_c_per_ha)

    def potential(self, base_yield_kg_per_ha: np.ndarray, region: int, soc_t_c_per_ha: np.ndarray) -> np.ndarray:
        """Yield potential (before practices and weather), kg/ha, of farms of ``region`` at their SOC."""
        return soc_yield_potential(soc_t_c_per_ha, base_yield_kg_per_ha, self.response_kg_per_t_c[region],
                                   self.reference_t_c_per_ha[region], self.plateau_t_c_per_ha[region])

    def harvest(self, farms: FarmerTable, soc_t_c_per_ha: np.ndarray, rng: np.random.Generator) -> Harvest:
        """The season's yields: regional weather (one draw per region), then farm weather (one per farm, float32)."""
        sigma = self.weather_sigma
        regional = np.exp(sigma * rng.standard_normal(sigma.size) - 0.5 * sigma**2)
        z = rng.standard_normal(farms.n, dtype=np.float32)
        effects = np.empty(farms.years_in_use.shape, np.float32)
        yields, deviation = np.empty(farms.n), np.empty(farms.n, np.float32)
        c = self.catalogue
        farm_yields(farms.years_in_use, c.effect_table, farms.full_ca_years, c.synergy_long_run, float(c.synergy_years),
                    soc_t_c_per_ha, farms.base_yield_kg_per_ha, self.farm_response, self.farm_reference,
                    self.farm_plateau, farms.region, regional, self.farm_sigma, z, effects, yields, deviation)
        return Harvest(yields, effects, deviation)


@njit(cache=True, parallel=True)
def farm_yields(years_in_use, effect_table, full_ca_years, synergy, synergy_years, soc_t_c_per_ha, base_yield_kg_per_ha,
                response_kg_per_t_c, reference_t_c_per_ha, plateau_t_c_per_ha, region, regional_factor, farm_sigma, z,
                effects, yields_kg_per_ha, deviation):  # pragma: no cover - compiled
    """Realised yields (the module's formula): SOC potential x practice multiplier x regional x farm weather.

    Each practice's current effect comes from the ramp table by seasons in use (written to ``effects``); the
    multiplier is prod_p (1 + e_p) x (1 + synergy x min(full CA seasons / synergy years, 1)); the farm's weather
    factor is exp(sigma z - sigma^2 / 2), and ``deviation`` = that factor - 1.
    """
    n, n_practices = years_in_use.shape
    last = effect_table.shape[0] - 1
    for i in prange(n):
        product = 1.0
        for p in range(n_practices):
            e = effect_table[min(years_in_use[i, p], last), p]
            effects[i, p] = e
            product *= 1.0 + e
        product *= 1.0 + synergy * min(full_ca_years[i] / synergy_years, 1.0)
        sigma = farm_sigma[i]
        weather = np.exp(sigma * z[i] - 0.5 * sigma * sigma)
        deviation[i] = weather - 1.0
        potential = soc_yield_potential(soc_t_c_per_ha[i], base_yield_kg_per_ha[i], response_kg_per_t_c[i],
                                        reference_t_c_per_ha[i], plateau_t_c_per_ha[i])
        yields_kg_per_ha[i] = potential * product * regional_factor[region[i]] * weather
