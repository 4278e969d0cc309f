"""IPCC Tier 1 tables (stock-change factors and reference stocks) shipped with the package.

Sources: IPCC 2019 Refinement, Vol. 4 (Table 5.5, Table 2.3) and IPCC 2006 Guidelines, Vol. 4 (same tables);
see the comment lines at the top of each CSV in ``sim/data``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

FactorSet = Literal["2006", "2019"]
CLIMATES = (
    "cool_temperate_dry",
    "cool_temperate_moist",
    "warm_temperate_dry",
    "warm_temperate_moist",
    "tropical_dry",
    "tropical_moist",
    "tropical_wet",
    "tropical_montane",
)
SOILS = ("HAC", "LAC", "sandy")
TILLAGE = ("full_till", "reduced_till", "no_till")
#: Carbon-input levels in increasing order.
INPUT_LEVELS = ("low", "medium", "high_without_manure", "high_with_manure")
#: Depth, cm, of the soil layer the Tier 1 stock-change factors and SOC_REF are for: 0-30 cm (IPCC 2019 Refinement,
#: Vol. 4, Tables 2.3 and 5.5; IPCC 2006 the same). A Tier 1 stock is a 0-30 cm stock whatever a scenario says.
IPCC_DEPTH_CM = 30.0


def _read_csv(name: str) -> list[dict[str, str]]:
    text = files("sim.data").joinpath(name).read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


@dataclass(frozen=True)
class Tier1Tables:
    """Tier 1 factors of one factor set, keyed by (climate, category), plus SOC_REF by (climate, soil).

    ``uncertainty_pct_2sd``: two standard deviations of a factor as % of its value, keyed by (factor, climate,
    category) with factor "F_MG", "F_I" or "F_LU" (category "annual_cropland"); absent where the table gives none
    (the reference categories full till and medium input, 1 by definition; every factor of the 2006 set, whose table
    here omits them).
    """

    factor_set: str
    f_lu: dict[str, float]
    f_mg: dict[tuple[str, str], float]
    f_i: dict[tuple[str, str], float]
    soc_ref_t_c_per_ha: dict[tuple[str, str], float]
    uncertainty_pct_2sd: dict[tuple[str, str, str], float]

    def equilibrium_t_c_per_ha(self, climate: str, soil: str, tillage: str, input_level: str) -> float:
        """Equilibrium SOC stock, t C/ha (0-30 cm): SOC_REF x F_LU x F_MG x F_I for annual cropland."""
        return (
            self.soc_ref_t_c_per_ha[climate, soil]
            * self.f_lu[climate]
            * self.f_mg[climate, tillage]
            * self.f_i[climate, input_level]
        )


def input_level(residues_returned: bool, n_fertiliser_or_n_fixing_crop: bool, low_residue_crop_or_bare_fallow: bool,
                carbon_increasing_practice: bool) -> str:
    """IPCC carbon-input category of cropland without manure, from the management that defines it.

    IPCC 2006/2019, Vol. 4, Ch. 5, Table 5.5 notes: *low* = residues removed (collected, burnt or grazed), or bare
    fallow / low-residue crops, or no mineral fertiliser nor N-fixing crop; *medium* = all residues returned, with
    mineral N or an N-fixing crop in rotation; *high without manure* = medium plus a practice that adds carbon input
    (cover crops, green manures, improved fallows, irrigation ...). Decision rules as in the HESTIA engine's IPCC 2019
    Tier 1 model (``hestia_earth.models.ipcc2019.organicCarbonPerHa_tier_1``): residues removed -> low; residues
    returned with a carbon-increasing practice -> high if N is supplied and the crop is not low-residue, else medium;
    residues returned without one -> medium if N is supplied and the crop is not low-residue, else low. Manure
    ('high with manure') is not modelled.
    """
    if not residues_returned:
        return "low"
    fertile = n_fertiliser_or_n_fixing_crop and not low_residue_crop_or_bare_fallow
    if carbon_increasing_practice:
        return "high_without_manure" if fertile else "medium"
    return "medium" if fertile else "low"


@cache
def tier1_tables(factor_set: FactorSet) -> Tier1Tables:
    """Load the Tier 1 factor tables of ``factor_set`` ("2006" or "2019")."""
    f_lu: dict[str, float] = {}
    f_mg: dict[tuple[str, str], float] = {}
    f_i: dict[tuple[str, str], float] = {}
    uncertainty: dict[tuple[str, str, str], float] = {}
    for row in _read_csv(f"ipcc_tier1_{factor_set}.csv"):
        value = float(row["value"])
        if row["uncertainty_pct_2sd"]:
            uncertainty[row["factor"], row["climate"], row["category"]] = float(row["uncertainty_pct_2sd"])
        if row["factor"] == "F_LU" and row["category"] == "annual_cropland":
            f_lu[row["climate"]] = value
        elif row["factor"] == "F_MG":
            f_mg[row["climate"], row["category"]] = value
        elif row["factor"] == "F_I":
            f_i[row["climate"], row["category"]] = value
    soc_ref = {
        (row["climate"], row["soil"]): float(row["soc_ref_t_c_ha"])
        for row in _read_csv(f"ipcc_soc_ref_{factor_set}.csv")
    }
    return Tier1Tables(factor_set, f_lu, f_mg, f_i, soc_ref, uncertainty)
