"""Crop yield: SOC potential x practice effects (by crop, climate and seasons in use) x weather.

Y = [Y_base + s x (g(SOC) - clip(g(SOC), g(lo), g(hi)))] x prod_p (1 + e_p(t_p)) x (1 + e_CA(t_CA)) x W_r x W_i

- Y_base: the region's conventional yield at its conventional SOC (kg/ha, fresh grain at sale moisture);
- e_p(t): practice p's relative effect after t seasons of use, linear from its initial to its long-run value over its
  years, from the region's crop and climate class (``[crops.<crop>.<humid|dry>]``, meta-analyses; residue retention
  has no effect where conventional farms already return residues); e_CA: the full-CA synergy, linear from 0;
- SOC term: the practice effects come from multi-year paired trials, so they already contain the yield change
  caused by the SOC their practices built over the trials (``soc_response_after_years`` seasons). The crop's slope s
  (kg/ha per t C/ha) applies only to SOC outside that: above the stock the farm's bundle reaches after that many
  seasons (hi) or below the conventional stock (lo); g(SOC) = min(SOC, plateau), the plateau being the region's
  ``soc_plateau_pct`` converted with bulk density and depth (``sim.units``);
- W: mean-one lognormal weather factors, one per region and year and one per farm and year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange, vectorize

from sim import kernel_cache  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.practices import FULL_CA_BY_MASK, PRACTICES, USES_BY_MASK
from sim.scenario.farms import moisture_class
from sim.units import soc_pct_to_t_c_per_ha

if TYPE_CHECKING:
    from sim.farmers import FarmerTable, Regions
    from sim.parallel import FarmStreams
    from sim.practices import Catalogue
    from sim.scenario import Scenario
    from sim.soil.base import SoilModel

RESIDUE = PRACTICES.index("residue_retention")


@dataclass(frozen=True)
class RegionYieldEffects:
    """Each region's practice effects from its crop and climate class: (R, P) arrays and (R,) synergy."""

    initial: np.ndarray
    long_run: np.ndarray
    years: np.ndarray  # int64
    synergy_long_run: np.ndarray
    synergy_years: np.ndarray  # int64

    @classmethod
    def of(cls, scenario: Scenario) -> RegionYieldEffects:
        """Effects of ``scenario``'s regions; residue retention is 0 where conventional farms return residues."""
        rows = []
        for spec in scenario.regions.values():
            effects = getattr(scenario.crops[spec.crop], moisture_class(spec.climate))
            practice = [getattr(effects, p) for p in PRACTICES]
            initial = [e.initial for e in practice]
            long_run = [e.long_run for e in practice]
            if spec.residues_returned:  # the practice changes nothing on these farms
                initial[RESIDUE] = long_run[RESIDUE] = 0.0
            rows.append((initial, long_run, [e.years for e in practice], effects.ca_synergy.long_run,
                         effects.ca_synergy.years))
        initial, long_run, years, synergy, synergy_years = (np.array(v) for v in zip(*rows, strict=True))
        return cls(initial.astype(np.float64), long_run.astype(np.float64), years.astype(np.int64),
                   synergy.astype(np.float64), synergy_years.astype(np.int64))

    def long_run_multipliers(self) -> np.ndarray:
        """Long-run yield multiplier of every (region, bundle mask), shape (R, 16): prod (1 + e_p) x (1 + e_CA)."""
        factors = np.where(USES_BY_MASK[None, :, :], 1.0 + self.long_run[:, None, :], 1.0).prod(axis=2)
        return factors * np.where(FULL_CA_BY_MASK[None, :], 1.0 + self.synergy_long_run[:, None], 1.0)


def ramp(initial: np.ndarray, long_run: np.ndarray, transition_years: np.ndarray, seasons: np.ndarray) -> np.ndarray:
    """Relative effect after ``seasons`` seasons of use (0 when not in use), linear over the transition.

    Shapes broadcast: parameters (..., P), seasons (S, ..., P) or scalars.
    """
    span = np.maximum(transition_years - 1, 1)
    progress = np.minimum((seasons - 1) / span, 1.0)
    effect = initial + (long_run - initial) * progress
    return np.where(seasons > 0, effect, 0.0)


def ramp_table(initial: np.ndarray, long_run: np.ndarray, transition_years: np.ndarray) -> np.ndarray:
    """``ramp`` tabulated for seasons 0 .. max(transition_years), shape (max + 1, *initial.shape), float32.

    Row ``min(seasons, max)`` holds the effect: seasons beyond the transition keep the long-run value.
    """
    seasons = np.arange(int(np.max(transition_years)) + 1).reshape(-1, *[1] * np.ndim(initial))
    return ramp(initial, long_run, transition_years, seasons).astype(np.float32)


def lognormal_sigma(cv: np.ndarray | float) -> np.ndarray | float:
    """Sigma of a lognormal with coefficient of variation ``cv``."""
    return np.sqrt(np.log1p(np.square(cv)))


@vectorize(["float64(float64, float64, float64, float64, float64, float64)"], cache=True)
def soc_yield_potential(soc_t_c_per_ha, base_yield_kg_per_ha, response_kg_per_t_c, low_t_c_per_ha, high_t_c_per_ha,
                        plateau_t_c_per_ha):  # pragma: no cover - compiled
    """Yield before practice effects and weather, kg/ha (never below zero); a ufunc (arrays broadcast).

    The slope applies to SOC outside [low, high] (the range the practice effects contain), below the plateau.
    """
    soc = min(soc_t_c_per_ha, plateau_t_c_per_ha)
    inside = min(max(soc, min(low_t_c_per_ha, plateau_t_c_per_ha)), min(high_t_c_per_ha, plateau_t_c_per_ha))
    return max(base_yield_kg_per_ha + response_kg_per_t_c * (soc - inside), 0.0)


@dataclass(frozen=True)
class Harvest:
    """The season's realised yields and what farmers can see in them."""

    yield_kg_per_ha: np.ndarray  # (n,) float64
    effects: np.ndarray  # (n, P) float32 current relative effect of each practice (0 when not in use)
    deviation: np.ndarray  # (n,) float32 farm weather factor - 1


class YieldModel:
    """The regions' yield constants (per region and copied per farm) and the season's yields.

    Args:
        scenario: the scenario (crops' SOC response, regions' plateau, weather and farm variability).
        regions: the regions in farm-row order.
        soil: the soil model (each region's conventional stock, and the stock each bundle reaches after the seasons
            its crop's practice effects represent).
        catalogue: the practices (effect table, synergy).

    """

    def __init__(self, scenario: Scenario, regions: Regions, soil: SoilModel, catalogue: Catalogue) -> None:
        specs = regions.specs
        depth = scenario.soil.depth_cm
        crops = [scenario.crops[s.crop] for s in specs]
        self.catalogue = catalogue
        self.response_kg_per_t_c = np.array([c.soc_yield_response_kg_per_t_c for c in crops])
        self.reference_t_c_per_ha = np.array([soil.reference_stock(r) for r in range(len(specs))])
        reached = np.array([soil.stock_after_seasons(c.soc_response_after_years)[r] for r, c in enumerate(crops)])
        #: (R, 16) range of SOC the practice effects contain: conventional stock .. stock after the trials' seasons
        self.low_t_c_per_ha = np.minimum(reached, self.reference_t_c_per_ha[:, None])
        self.high_t_c_per_ha = np.maximum(reached, self.reference_t_c_per_ha[:, None])
        self.plateau_t_c_per_ha = np.array([soc_pct_to_t_c_per_ha(s.soc_plateau_pct, s.bulk_density_g_cm3, depth)
                                            for s in specs])
        self.weather_sigma = np.array([lognormal_sigma(s.weather_cv) for s in specs])
        # per-farm copies (no gathering by region every year)
        self.farm_sigma = lognormal_sigma(regions.per_farm([s.yield_cv for s in specs])).astype(np.float32)
        self.farm_response = regions.per_farm(self.response_kg_per_t_c)
        self.farm_plateau = regions.per_farm(self.plateau_t_c_per_ha)

    def potential(self, base_yield_kg_per_ha: np.ndarray, region: int, soc_t_c_per_ha: np.ndarray) -> np.ndarray:
        """Yield potential (before practices and weather), kg/ha, of conventional farms of ``region`` at their SOC."""
        reference = self.reference_t_c_per_ha[region]
        return soc_yield_potential(soc_t_c_per_ha, base_yield_kg_per_ha, self.response_kg_per_t_c[region], reference,
                                   reference, self.plateau_t_c_per_ha[region])

    def harvest(self, farms: FarmerTable, soc_t_c_per_ha: np.ndarray, weather: FarmStreams) -> Harvest:
        """The season's yields.

        Regional weather: one draw per region from the weather stream; then farm weather: one draw per farm (float32,
        in blocks: ``sim.parallel.FarmStreams``).
        """
        sigma = self.weather_sigma
        regional = np.exp(sigma * weather.per_region(lambda g, m: g.standard_normal(m)) - 0.5 * sigma**2)
        z = weather.standard_normal(np.float32)
        effects = np.empty(farms.years_in_use.shape, np.float32)
        yields, deviation = np.empty(farms.n), np.empty(farms.n, np.float32)
        c = self.catalogue
        farm_yields(farms.years_in_use, c.effect_table, farms.full_ca_years, c.synergy_long_run,
                    c.synergy_years.astype(np.float64), farms.bundle, soc_t_c_per_ha, farms.base_yield_kg_per_ha,
                    self.farm_response, self.low_t_c_per_ha, self.high_t_c_per_ha, self.farm_plateau, farms.region,
                    regional, self.farm_sigma, z, effects, yields, deviation)
        return Harvest(yields, effects, deviation)


@njit(cache=True, parallel=True)
def farm_yields(years_in_use, effect_table, full_ca_years, synergy, synergy_years, bundle, soc_t_c_per_ha,
                base_yield_kg_per_ha, response_kg_per_t_c, low_t_c_per_ha, high_t_c_per_ha, plateau_t_c_per_ha, region,
                regional_factor, farm_sigma, z, effects, yields_kg_per_ha, deviation):  # pragma: no cover - compiled
    """Realised yields (the module's formula): SOC potential x practice multiplier x regional x farm weather.

    Each practice's current effect comes from the region's ramp table (T + 1, R, P) by seasons in use (written to
    ``effects``); the multiplier is prod_p (1 + e_p) x (1 + synergy_r x min(full CA seasons / synergy years_r, 1));
    the SOC range [low, high] is the farm's (region, bundle) entry; the farm's weather factor is
    exp(sigma z - sigma^2 / 2), and ``deviation`` = that factor - 1.
    """
    n, n_practices = years_in_use.shape
    last = effect_table.shape[0] - 1
    for i in prange(n):
        r = region[i]
        product = 1.0
        for p in range(n_practices):
            e = effect_table[min(years_in_use[i, p], last), r, p]
            effects[i, p] = e
            product *= 1.0 + e
        product *= 1.0 + synergy[r] * min(full_ca_years[i] / synergy_years[r], 1.0)
        sigma = farm_sigma[i]
        weather = np.exp(sigma * z[i] - 0.5 * sigma * sigma)
        deviation[i] = weather - 1.0
        b = bundle[i]
        potential = soc_yield_potential(soc_t_c_per_ha[i], base_yield_kg_per_ha[i], response_kg_per_t_c[i],
                                        low_t_c_per_ha[r, b], high_t_c_per_ha[r, b], plateau_t_c_per_ha[i])
        yields_kg_per_ha[i] = potential * product * regional_factor[r] * weather
