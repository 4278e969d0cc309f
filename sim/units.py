"""Unit conversions, in one place.

Conventions used across the package:
- soil carbon stocks in t C/ha (0-30 cm unless a depth is given), CO2 in t CO2e;
- yields in kg/ha of fresh grain at sale moisture (as reported and sold), prices in scenario currency per t of it;
  dry matter (for carbon) only through ``grain_dry_matter_t_per_ha``;
- money in the scenario's currency (USD or EUR), per ha per year unless the name says per farm.
"""

from __future__ import annotations

import numpy as np

#: Molar mass ratio CO2 / C (44/12): t CO2e per t C.
CO2_PER_C: float = 44.0 / 12.0

#: Target relative annual growth of soil carbon stocks of the "4 per 1000" Initiative (0.4 %/yr).
FOUR_PER_1000: float = 0.004

def grain_dry_matter_t_per_ha(fresh_kg_per_ha, dry_matter_fraction):
    """Dry matter of a harvest, t DM/ha: fresh grain (kg/ha at sale moisture) / 1000 x its dry-matter fraction.

    Works on scalars and NumPy arrays (e.g. soybean sold at 13 % moisture: fraction 0.87).
    """
    return fresh_kg_per_ha / 1000.0 * dry_matter_fraction


def soil_mass_t_per_ha(bulk_density_g_cm3: float, depth_cm: float) -> float:
    """Mass of fine soil in a layer, t/ha: BD (g/cm3) x depth (cm) x 100 (1e8 cm2/ha x 1e-6 t/g)."""
    return bulk_density_g_cm3 * depth_cm * 100.0


def soc_pct_to_t_c_per_ha(soc_pct: float, bulk_density_g_cm3: float, depth_cm: float) -> float:
    """Convert an SOC concentration (% by mass) to a stock in t C/ha for the layer."""
    return soc_pct / 100.0 * soil_mass_t_per_ha(bulk_density_g_cm3, depth_cm)


def soc_g_per_kg_to_t_c_per_ha(soc_g_per_kg: float | np.ndarray, bulk_density_g_cm3: float | np.ndarray,
                               depth_cm: float) -> float | np.ndarray:
    """Convert an SOC concentration in g C/kg soil (10 g/kg = 1 %) to a stock in t C/ha for the layer."""
    return soc_g_per_kg / 1000.0 * soil_mass_t_per_ha(bulk_density_g_cm3, depth_cm)


#: Molar mass ratio N2O / N2O-N (44/28): kg N2O per kg N2O-N.
N2O_PER_N2O_N: float = 44.0 / 28.0

#: Global warming potential of N2O over 100 years, t CO2e per t N2O (IPCC AR6 WG1, Table 7.15).
GWP100_N2O: float = 273.0

#: CO2 from burning one litre of diesel, t CO2/L (IPCC 2006 Vol. 2: 74.1 t CO2/TJ x 43.0 TJ/Gg x 0.84 kg/L;
#: DEFRA 2024 gives 2.66 kg CO2e/L).
DIESEL_T_CO2_PER_L: float = 2.68e-3

#: Kilograms per tonne.
KG_PER_T: float = 1000.0
