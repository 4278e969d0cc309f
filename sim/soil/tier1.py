"""IPCC Tier 1 soil carbon: SOC = SOC_REF x F_LU x F_MG x F_I, reached linearly over D years.

Management categories follow the IPCC definitions: tillage is the most conserving ``tillage_after`` of the
practices in use; the carbon-input level follows the IPCC rule (``sim.ipcc.input_level``) from the region's
conventional management and what the practices change (residues returned, an N-fixing crop, a practice that
increases carbon input), so a practice that leaves the category unchanged (residue retention where residues are
already returned) changes nothing.

After a change of equilibrium the stock moves in equal yearly steps from its current value to the new equilibrium
over ``transition_years`` (IPCC default D = 20), then stays there (IPCC 2019 Refinement, Vol. 4, Ch. 2, Eq. 2.25
with the Tier 1 linear-change assumption). A bundle change that leaves the equilibrium unchanged does not restart
the transition: the stock keeps its rate and remaining years (as the HESTIA engine's IPCC 2019 Tier 1 model, where
a new regime starts only when a category changes). At the start, a farm whose past is known (the equilibrium start
draws it from the farm's own behaviour: ``sim.behaviour.equilibrium``) starts at the equilibrium of its oldest
bundle and lives through its past under these rules (a farm that changed practices 5 years ago is 5 years into that
transition); otherwise it has used conventional practice until it took up its bundle s seasons ago: its stock is
s/D of the way from the conventional to the bundle's equilibrium, with D - s years left.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.ipcc import TILLAGE, input_level
from sim.practices import N_PRACTICES, PRACTICES
from sim.scenario import Scenario
from sim.scenario.farms import Region
from sim.soil.factor_draws import run_key, run_tables

N_MASKS = 1 << N_PRACTICES


def management_categories(scenario: Scenario, region: Region) -> tuple[list[str], list[str]]:
    """IPCC (tillage, input level) of each of the 16 bundle masks in ``region``."""
    tillage, inputs = [], []
    for mask in range(N_MASKS):
        used = [getattr(scenario.practices, p) for i, p in enumerate(PRACTICES) if mask >> i & 1]
        till = max((TILLAGE.index(p.tillage_after) for p in used if p.tillage_after != "unchanged"), default=0)
        tillage.append(TILLAGE[till])
        inputs.append(input_level(
            region.residues_returned or any(p.returns_residues for p in used),
            region.n_fertiliser_or_n_fixing_crop or any(p.adds_n_fixing_crop for p in used),
            region.low_residue_crop_or_bare_fallow,
            any(p.increases_carbon_input for p in used)))
    return tillage, inputs


#: Equilibrium tables kept per process, by what they are computed from (``table_inputs``): every run of a sweep
#: builds the table three times (its model, the counterfactual's baseline, the equilibrium start's yields), and runs
#: that differ in other fields share it. Bounded: the oldest half is dropped when full.
_TABLES: dict[tuple, np.ndarray] = {}
MAX_TABLES = 256


def table_inputs(scenario: Scenario) -> tuple:
    """Every value a table of the published factors reads (a key: equal inputs, equal tables).

    The factor set, each region's climate, soil and conventional management, and each practice's tillage and
    carbon-input attributes. ``equilibrium_table`` adds the run's factor draw (``sim.soil.factor_draws.run_key``).
    """
    practices = tuple((p.tillage_after, p.returns_residues, p.adds_n_fixing_crop, p.increases_carbon_input)
                      for p in (getattr(scenario.practices, name) for name in PRACTICES))
    regions = tuple((s.climate, s.soil, s.residues_returned, s.n_fertiliser_or_n_fixing_crop,
                     s.low_residue_crop_or_bare_fallow) for s in scenario.regions.values())
    return scenario.soil.factor_set, regions, practices


def equilibrium_table(scenario: Scenario) -> np.ndarray:
    """Tier 1 equilibrium stock by (region, bundle mask), t C/ha, shape (R, 16) (a new array each call).

    From the run's factors: the published ones, or its draw (``soil.factor_uncertainty``, ``sim.soil.factor_draws``).
    """
    key = table_inputs(scenario), run_key(scenario)
    table = _TABLES.get(key)
    if table is None:
        tables = run_tables(scenario)
        rows = []
        for spec in scenario.regions.values():
            tillage, inputs = management_categories(scenario, spec)
            rows.append([tables.equilibrium_t_c_per_ha(spec.climate, spec.soil, t, i)
                         for t, i in zip(tillage, inputs, strict=True)])
        table = np.array(rows, dtype=np.float64)
        if len(_TABLES) >= MAX_TABLES:
            for old in list(_TABLES)[: MAX_TABLES // 2]:
                del _TABLES[old]
        _TABLES[key] = table
    return table.copy()


def stock_after(table: np.ndarray, seasons: np.ndarray | int, transition_years: int) -> np.ndarray:
    """Stock after ``seasons`` of each bundle from the conventional equilibrium, shape of ``table`` (R, 16)."""
    progress = np.minimum(np.asarray(seasons, dtype=np.float64) / transition_years, 1.0)
    return table[:, :1] + progress * (table - table[:, :1])


class Tier1Soil:
    """Tier 1 stocks of all farms as arrays.

    Args:
        scenario: the validated scenario (factor set, D, regions' climate, soil and conventional management).
        region: region index of each farm.
        bundles: initial bundle mask of each farm.
        seasons: seasons each farm has used its initial bundle (0 for conventional farms).
        history: (n, H) uint8 each farm's bundles of the H years before, oldest first (``sim.soil.build_soil``); then
            ``seasons`` is not read.

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, bundles: np.ndarray, seasons: np.ndarray,
                 history: np.ndarray | None = None) -> None:
        self.transition_years = d = scenario.soil.transition_years
        #: equilibrium stock by (region, bundle mask), t C/ha
        self.equilibrium_table = equilibrium_table(scenario)
        self.region = region
        if history is not None:
            self._live_through(bundles, history)
            return
        conventional = self.equilibrium_table[region, 0]
        target = self.equilibrium_table[region, bundles]
        used = np.minimum(np.asarray(seasons, dtype=np.int64), d)
        moving = (target != conventional) & (used < d)
        self.rate_t_c_per_ha_yr = np.where(moving, (target - conventional) / d, 0.0)
        self.stock_t_c_per_ha = np.where(moving, conventional + used * self.rate_t_c_per_ha_yr, target)
        self.target_t_c_per_ha = target.copy()
        self.years_left = np.where(moving, d - used, 0).astype(np.int16)

    def _live_through(self, bundles: np.ndarray, history: np.ndarray) -> None:
        """Each farm's state after its ``history`` (n, H) and this season of ``bundles`` (n,).

        From the equilibrium of its oldest bundle, year by year as ``set_management`` then ``advance_year`` move it
        (``tier1_live_through``: their arithmetic, farm by farm in one compiled pass, rather than H passes of NumPy
        over every farm). Farms that never changed bundle are at its equilibrium: only the others live through their
        past.
        """
        target = self.equilibrium_table[self.region, bundles]
        self.stock_t_c_per_ha, self.target_t_c_per_ha = target.copy(), target
        self.rate_t_c_per_ha_yr, self.years_left = np.zeros(target.size), np.zeros(target.size, np.int16)
        changed = np.flatnonzero((history != bundles[:, None]).any(axis=1))
        if changed.size == 0:
            return
        path = np.column_stack([history[changed], bundles[changed]])
        stock, target_after = np.empty(changed.size), np.empty(changed.size)
        rate, years_left = np.empty(changed.size), np.empty(changed.size, np.int16)
        tier1_live_through(self.equilibrium_table, self.region[changed], path, self.transition_years, stock,
                           target_after, rate, years_left)
        self.stock_t_c_per_ha[changed] = stock
        self.target_t_c_per_ha[changed] = target_after
        self.rate_t_c_per_ha_yr[changed] = rate
        self.years_left[changed] = years_left

    def set_management(self, farms: np.ndarray, bundles: np.ndarray) -> None:
        """``farms`` now use ``bundles``: a new D-year transition from the current stock where the equilibrium changes."""
        target = self.equilibrium_table[self.region[farms], bundles]
        changed = target != self.target_t_c_per_ha[farms]
        farms, target = farms[changed], target[changed]
        self.target_t_c_per_ha[farms] = target
        self.rate_t_c_per_ha_yr[farms] = (target - self.stock_t_c_per_ha[farms]) / self.transition_years
        self.years_left[farms] = self.transition_years

    def advance_year(self) -> np.ndarray:
        """Move transitioning farms one yearly step; the last step lands exactly on the target."""
        change = np.empty_like(self.stock_t_c_per_ha)
        tier1_advance(self.stock_t_c_per_ha, self.target_t_c_per_ha, self.rate_t_c_per_ha_yr, self.years_left, change)
        return change

    def observe_yields(self, yield_kg_per_ha: np.ndarray) -> None:
        """Tier 1 stocks do not depend on yields."""

    def reference_stock(self, region: int) -> float:
        """Conventional equilibrium stock of ``region``, t C/ha."""
        return float(self.equilibrium_table[region, 0])

    def stock_after_seasons(self, seasons: int) -> np.ndarray:
        """Stock of each (region, bundle) after ``seasons`` of use from the conventional equilibrium, (R, 16)."""
        return stock_after(self.equilibrium_table, seasons, self.transition_years)

    def expectation_path(self) -> np.ndarray:
        """An empty (R, 0, 16) table: Tier 1's path is the linear rule, whose share of each farm's own gap is exactly 1."""
        return np.zeros((self.equilibrium_table.shape[0], 0, self.equilibrium_table.shape[1]))


@njit(cache=True, parallel=True)
def tier1_live_through(table, region, path, transition_years, stock, target, rate, years_left
                       ):  # pragma: no cover - compiled
    """The state of farms that lived through ``path`` (m, H + 1) of bundles, oldest first, from the first's equilibrium.

    ``table`` (R, 16) equilibrium stocks, ``region`` (m,); each year after the first, as ``Tier1Soil.set_management``
    (a new ``transition_years`` transition from the current stock where the equilibrium changes) then
    ``tier1_advance`` (``transition_step``), operation for operation (the same bits).
    Writes ``stock``, ``target``, ``rate`` (m,) t C/ha and t C/ha/yr and ``years_left`` (m,) int16.
    """
    for f in prange(path.shape[0]):
        r = region[f]
        now = table[r, path[f, 0]]
        goal, step, left = now, 0.0, 0
        for year in range(1, path.shape[1]):
            new_goal = table[r, path[f, year]]
            if new_goal != goal:
                goal, step, left = new_goal, (new_goal - now) / transition_years, transition_years
            if left > 0:
                now, left = transition_step(now, goal, step, left)
        stock[f], target[f], rate[f], years_left[f] = now, goal, step, left


@njit(cache=True)
def transition_step(stock, target, rate, left):  # pragma: no cover - compiled
    """One year of a linear transition with ``left`` > 0 years to go: (stock after, years left after), t C/ha.

    ``stock`` + ``rate`` (t C/ha/yr), except the last step, which lands exactly on ``target``.
    """
    return (target if left == 1 else stock + rate), left - 1


@njit(cache=True, parallel=True)
def tier1_advance(stock_t_c_per_ha, target_t_c_per_ha, rate_t_c_per_ha_yr, years_left, change_t_c_per_ha
                  ):  # pragma: no cover - compiled
    """One year of the linear transition of every farm, in place; the last step lands exactly on the target."""
    for i in prange(stock_t_c_per_ha.size):
        left = years_left[i]
        if left > 0:
            new, years_left[i] = transition_step(stock_t_c_per_ha[i], target_t_c_per_ha[i], rate_t_c_per_ha_yr[i],
                                                 left)
            change_t_c_per_ha[i] = new - stock_t_c_per_ha[i]
            stock_t_c_per_ha[i] = new
        else:
            change_t_c_per_ha[i] = 0.0
