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

import numpy as np
from numba import vectorize


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
