"""Uncertainty of a modelled (practice-based) stock change from the IPCC Tier 1 factors' own uncertainties.

With ``[carbon.mrv.approach] kind = "model"`` and ``relative_sd = "ipcc_tier1"``, the 1-sd uncertainty of a farm's
credited change, as a share of the change, is derived for its region's climate and for the pair (its baseline
bundle o -> its current bundle n) from the 2-sd uncertainties of the IPCC 2019 Tier 1 stock-change factors
(Vol. 4, Ch. 5, Table 5.5; ``sim/data/ipcc_tier1_2019.csv``). A number instead gives one share to every pair.

The change credited after t of the D transition years, t C/ha (``sim.soil.tier1``):
  dSOC = SOC_REF x F_LU x (F_MG,n x F_I,n - F_MG,o x F_I,o) x t / D = S x P x t / D,
with S = SOC_REF x F_LU (t C/ha) and P dimensionless (F_MG: tillage, F_I: carbon input, of each bundle's IPCC
categories: ``sim.soil.tier1.management_categories``). Each factor x_j is taken as an independent normal error with
sd(x_j) = (uncertainty_pct_2sd / 2 / 100) x value (dimensionless); the reference categories (full till, medium
input) are 1 by definition, sd 0. A factor both bundles use (the same tillage, or the same input level) is one
variable in both terms. To first order
  sd(P)^2 = sum_j (dP/dx_j)^2 sd(x_j)^2 over the distinct factors x_j, with
  dP/dF_MG,n = F_I,n, dP/dF_MG,o = -F_I,o (one variable: F_I,n - F_I,o), and likewise for F_I,
  relative sd = sd(P) / |P| (dimensionless): S and t / D cancel, so it is the same share for every period.
E.g. tropical moist no-till on medium input: P = 1.10 - 1 = 0.10, sd(P) = 0.025 x 1.10, relative sd 0.275;
tropical dry no-till on low input: P = (1.04 - 1) x 0.95, relative sd 0.91.

Assumptions and limits:
  - the factors' errors are independent (IPCC gives each factor's range alone; no covariance is published); first
    order drops the product of two factors' errors (a second-order term);
  - SOC_REF and F_LU are not included: they multiply both bundles' stocks alike (the land stays cropland), so
    they would add their relative sds in quadrature (tropical moist LAC: 0.275 -> 0.282; africa_dry, tropical dry
    sandy: 0.912 -> 0.916); the designs this stands for start their model from the farm's own initial stock,
    which is where those two defaults enter, not the change;
  - the pair is the farm's baseline bundle (its practice at the programme start) and its current one: exact for
    a farm that took up its current bundle from its baseline one; a farm that changed bundles since, or whose stock
    was moving at the start, is given the current pair's share (an approximation);
  - a pair whose factors predict no change (P = 0: the same categories, or equal products) has no relative sd:
    inf, so a change credited under it is deducted in full (the Tier 1 estimate of it is 0);
  - under RothC (``soil.model = "rothc"``) the change is RothC's and its relative sd still the Tier 1 pair's: a
    stand-in, as RothC's own parameter and input uncertainty is not propagated;
  - when the runs draw their factors (``soil.factor_uncertainty = "ipcc_tier1"``, ``sim.soil.factor_draws``) the
    soil follows the run's draw while this share stays the published table's: it is the registry's estimate of its
    error, the same in every run;
  - farms certified as a group share the factors: their errors are taken as fully correlated, so the group's
    standard error is |sum_i a_i x relative sd_i x change_i| / sum_i a_i (``sim.incentives.mrv``), exact for the
    farms of one region and pair; with members gaining and losing on different factors, errors in fact independent
    would cancel less than fully correlated ones, so it can then understate the group's error (referee 25).
The 2006 factor table shipped here has no uncertainties: the named method needs ``soil.factor_set = "2019"``
(the scenario schema checks it).
"""

from __future__ import annotations

import math

import numpy as np

from sim.ipcc import Tier1Tables, tier1_tables
from sim.scenario import Scenario
from sim.scenario.incentives import Modelled
from sim.soil.tier1 import N_MASKS, management_categories, table_inputs


def factor_sd(tables: Tier1Tables, factor: str, climate: str, category: str) -> float:
    """1-sd of one Tier 1 factor, dimensionless: uncertainty_pct_2sd / 2 / 100 x value (0 where none is given)."""
    value = (tables.f_mg if factor == "F_MG" else tables.f_i)[climate, category]
    return tables.uncertainty_pct_2sd.get((factor, climate, category), 0.0) / 2.0 / 100.0 * value


def relative_sd_of_change(tables: Tier1Tables, climate: str, old: tuple[str, str], new: tuple[str, str]) -> float:
    """1-sd of the Tier 1 change from bundle categories ``old`` to ``new``, as a share of it (module docstring).

    ``old`` and ``new`` are (tillage, input level). Returns sd(P) / |P|, dimensionless; inf when P = 0.
    """
    values = {}
    gradient: dict[tuple[str, str], float] = {}
    for sign, (tillage, inputs) in ((1.0, new), (-1.0, old)):
        mg, f_i = tables.f_mg[climate, tillage], tables.f_i[climate, inputs]
        values[sign] = mg * f_i
        for key, other in ((("F_MG", tillage), f_i), (("F_I", inputs), mg)):
            gradient[key] = gradient.get(key, 0.0) + sign * other  # a factor of both bundles: one variable
    change = values[1.0] - values[-1.0]
    if change == 0.0:
        return math.inf
    variance = sum((slope * factor_sd(tables, factor, climate, category)) ** 2
                   for (factor, category), slope in gradient.items())
    return math.sqrt(variance) / abs(change)


#: Tables kept per process, by what they are computed from (``sim.soil.tier1.table_inputs``): every run of a sweep
#: asks for its own; runs that differ in other fields share it. Bounded as ``sim.soil.tier1``'s equilibrium tables.
_TABLES: dict[tuple, np.ndarray] = {}
MAX_TABLES = 256


def tier1_relative_sd_table(scenario: Scenario) -> np.ndarray:
    """``relative_sd_of_change`` by (region, baseline mask o, current mask n), shape (R, 16, 16), read-only."""
    key = table_inputs(scenario)
    table = _TABLES.get(key)
    if table is None:
        tables = tier1_tables(scenario.soil.factor_set)
        table = np.empty((len(scenario.regions), N_MASKS, N_MASKS))
        for r, spec in enumerate(scenario.regions.values()):
            categories = list(zip(*management_categories(scenario, spec), strict=True))
            for o in range(N_MASKS):
                for n in range(N_MASKS):
                    table[r, o, n] = relative_sd_of_change(tables, spec.climate, categories[o], categories[n])
        table.flags.writeable = False
        if len(_TABLES) >= MAX_TABLES:
            for old in list(_TABLES)[: MAX_TABLES // 2]:
                del _TABLES[old]
        _TABLES[key] = table
    return table


def relative_sd_table(scenario: Scenario) -> np.ndarray:
    """The modelled approach's 1-sd share of a change by (region, baseline mask, current mask), (R, 16, 16).

    Its number in every cell, or the Tier 1 derivation (``relative_sd = "ipcc_tier1"``); zeros for the sampling
    approaches (not read).
    """
    approach = scenario.carbon.mrv.approach
    shape = (len(scenario.regions), N_MASKS, N_MASKS)
    if not isinstance(approach, Modelled):
        return np.zeros(shape)
    if isinstance(approach.relative_sd, str):
        return tier1_relative_sd_table(scenario)
    return np.full(shape, approach.relative_sd)
