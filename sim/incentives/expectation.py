"""What a farmer expects from the carbon programme, per ha and bundle (``sim.incentives.carbon``'s module docstring).

The formulas read the farms asked about through ``Asked`` (their state, gathered by whoever asks) and the year's
per-region tables through ``Calendar``, so one farm's value is the same whether its run's programme asks alone or
the runs stacked in one model ask together (``sim.incentives.stacked``): regions then count across runs, and the
farmer's value share may differ from farm to farm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from sim.incentives import mrv
from sim.incentives.base import Valuation
from sim.incentives.baselines import eligible_under
from sim.incentives.mrv import NO_CHANGE_T_C_PER_HA
from sim.incentives.registry import issued_share
from sim.scenario.incentives import Carbon
from sim.scenario.soil import SoilSettings as Soil
from sim.units import CO2_PER_C


@dataclass(frozen=True)
class Asked:
    """The farms asked about, (m,) arrays in the order asked."""

    soc: np.ndarray  # stock now, t C/ha
    drift: np.ndarray  # baseline equilibrium - baseline stock, t C/ha
    bulk_density: np.ndarray  # g/cm3
    area: np.ndarray  # ha
    candidates: np.ndarray  # bit mask of the practices that make the farm eligible
    baseline: np.ndarray  # bit mask of the farm's baseline bundle (its practice at the programme start)
    enrolled: np.ndarray  # bool
    ever: np.ndarray  # bool: enrolled once
    seasons_left: np.ndarray  # crediting seasons left, renewals included (0 when not enrolled)
    mrv_per_ha: np.ndarray  # MRV cost expected at each verification, currency/ha
    value_share: float | np.ndarray  # farmer's share of the credit value (``farmer_value_share``), or one per farm
    gained: Callable[[], np.ndarray]  # max(gap - gap at the last verification, 0), t C/ha (read when one is enrolled)
    outstanding: Callable[[], np.ndarray]  # credited carbon outstanding, t CO2e (read under claw-back)


class Calendar(NamedTuple):
    """The year's tables by region.

    Soil equilibria (R, 16) t C/ha; PV factors of crediting s more seasons (credit and MRV), (R, H + 1) each; the
    discount factor of the next payment of what an enrolled farm has accrued, (R,); the modelled MRV's 1-sd share
    of a change by (region, baseline bundle, bundle), (R, 16, 16) (``sim.incentives.model_uncertainty``); the SOC of
    each (region, bundle) after s = 0 .. L seasons from the conventional equilibrium, (R, L + 1, 16)
    (``SoilModel.expectation_path``: RothC's, on which a farm reads its equivalent age; (R, 0, 16) under Tier 1,
    whose farms expect the linear rule as it is).
    """

    equilibrium: np.ndarray
    credit_pv: np.ndarray
    mrv_pv: np.ndarray
    next_payment: np.ndarray
    relative_sd: np.ndarray
    path: np.ndarray


def by_region(table: np.ndarray, region: int | np.ndarray, masks: np.ndarray) -> np.ndarray:
    """``table[region, masks]`` of one region, or of each farm's region (``region`` (m,)): (K,) or (m, K) / (m, 1).

    Every farm's bundles (K,) are the bundles' columns gathered by row: a copy of whole rows, not element by element.
    """
    if np.ndim(region) == 0:
        return table[region, masks]
    return np.take(table[:, masks], region, axis=0) if np.ndim(masks) == 1 else table[region[:, None], masks]


def column(value: float | np.ndarray) -> float | np.ndarray:
    """A value for every farm as is, one per farm as a column (m, 1) against (m, K) tables."""
    return value if np.ndim(value) == 0 else value[:, None]


#: An equilibrium gap smaller than this (t C/ha) is none: the bundle holds the conventional stock (residue retention
#: where conventional farms already return every residue) and the linear rule's gain is 0 whatever the path
#: (``_path_share``).
NO_GAP_T_C_PER_HA = 1e-9
#: ``_expected``'s ``variance`` when it does not make the paying tables (read only then).
_NO_VARIANCE = np.zeros(0)


def per_farm(value: float | np.ndarray, m: int, dtype: type | None = None) -> np.ndarray:
    """One value for every farm or one per farm as a contiguous, read-only (m,) array (of ``dtype``, if given).

    Read-only whether it is a view of ``value`` or a copy, and of one dtype, so that the kernel has one compiled
    signature, not one per kind of caller.
    """
    out = np.ascontiguousarray(np.broadcast_to(value, (m,)), dtype=dtype)
    out.flags.writeable = False
    return out


def expected_value(c: Carbon, soil: Soil, horizon: int, asked: Asked, calendar: Calendar, region: int | np.ndarray,
                   masks: np.ndarray, mean_price: float | np.ndarray, variance: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """What each farmer asked about expects from each bundle, currency/ha (``sim.incentives.carbon``).

    ``masks`` is (K,) (every farm x every bundle: results (m, K)) or (m, 1) (each farm's own bundle: (m, 1)).
    ``region`` and ``mean_price`` (the expected price) are one for all farms or one per farm, (m,).
    Returns (PV of staying in or joining the programme with the bundle, 0 where the farm may not be credited
    under it; dPV/dprice; the claw-back an enrolled farm expects if the bundle makes it leave).
    With ``variance`` (m,), the price variance each farm expects, and no claw-back to expect, the tables come back
    as ``_paying`` makes them (PV where it pays, else 0; (dPV/dprice where it pays) ** 2 x variance) and the
    liability as None: computed in the same pass, where ``_paying`` would read both tables and a table of zeros
    again (bit for bit: x - 0.0 is x, -0.0 included). The variance is then 0.0 + that product, as the first table
    of ``sim.incentives.summed`` adds it (the PV holds no -0.0: a positive PV or +0.0), so the tables are
    ``zero_added``.
    """
    transition = soil.transition_years
    soc = asked.soc
    m = soc.size
    enrolled = asked.enrolled
    seasons = np.where(enrolled, asked.seasons_left, c.crediting_period_years * (1 + c.crediting_renewals))
    counted = np.minimum(np.minimum(seasons, transition), horizon)  # seasons credited within the horizon
    per_ton = asked.value_share * calendar.credit_pv[region, counted]
    price_per_ton = per_farm(per_ton * mean_price, m)
    mrv_cost = per_farm(asked.mrv_per_ha * calendar.mrv_pv[region, np.minimum(seasons, horizon)], m)
    accrued = None
    if enrolled.any():  # accrued since the last verification: kept by staying eligible, forfeited by leaving
        accrued = np.where(enrolled, asked.gained() * CO2_PER_C * issued_share(c) * asked.value_share * mean_price
                           * calendar.next_payment[region], 0.0)
    approach = c.mrv.approach
    modelled = isinstance(approach, mrv.Modelled)
    # sampling: the half-width depends on the farm's stock only (the stock is the same under every bundle)
    half_width = (per_farm(0.0, m) if modelled else per_farm(
        mrv.quantile(c) * mrv.standard_error_t_c_per_ha(c, soc, soc, asked.bulk_density, soil.depth_cm), m))
    masks_2d = np.asarray(masks)
    masks_2d = masks_2d[None, :] if masks_2d.ndim == 1 else masks_2d
    clawback = accrued is not None and c.on_reversal == "clawback"
    paying = variance is not None and not clawback
    identity = masks_2d.shape[0] == 1 and np.array_equal(masks_2d[0], np.arange(masks_2d.shape[1]))
    pv, sensitivity = _expected(
        calendar.equilibrium, calendar.path, per_farm(counted, m, np.int64), per_farm(region, m, np.int64),
        masks_2d, identity, soc, asked.drift, float(transition),
        float(c.verification_interval_years), modelled, calendar.relative_sd, asked.baseline,
        mrv.quantile(c), half_width, c.mrv.allowable_uncertainty,
        1.0 - c.baseline.reference_deduction, issued_share(c),
        price_per_ton, mrv_cost, per_farm(per_ton, m), accrued is not None,
        np.zeros(m) if accrued is None else accrued, asked.candidates, enrolled | ~asked.ever, paying,
        variance if paying else _NO_VARIANCE)
    if paying:
        return pv, sensitivity, None
    liability = np.zeros(pv.shape)
    if clawback:
        eligible = eligible_under(asked.candidates, masks)
        liability = np.where(enrolled[:, None] & ~eligible,
                             exit_liability(c, soil, horizon, asked, by_region(calendar.equilibrium, region, masks),
                                            mean_price), 0.0)
    return pv, sensitivity, liability


@njit(cache=True, parallel=True)
def _expected(table, path, counted, region, masks, identity, soc, drift, transition, interval, modelled,
              relative_sd, baseline, quantile, half_width, allowable, kept, issued, price_per_ton, mrv_cost, per_ton,
              add_accrued, accrued, candidates, may_count, paying, variance):  # pragma: no cover - compiled
    """``expected_value``'s (PV, dPV/dprice) of every farm i and bundle column k, 0 where not counted.

    One pass over the (m, K) table, each element's floating-point operations in the order of the NumPy expressions
    it replaces (so bit for bit): ``masks`` is (1, K) (every farm, every bundle) or (m, 1) (each farm's own).
    Rate = max((equilibrium - soc) - drift, 0) / transition x the soil model's gain in the farm's ``counted``
    seasons over the linear rule's: with no ``path`` (Tier 1) 1.0, the rule as it is (x / transition x 1.0 is
    x / transition to the bit); else ``_path_share`` of the farm's stock on its bundle's ``path`` (RothC);
    change = rate x interval; the half-width is quantile x (relative_sd x |change|) (modelled:
    ``relative_sd[region, baseline bundle, bundle]``) or the farm's ``half_width`` (sampling); relative =
    half-width / |change| (inf below ``NO_CHANGE_T_C_PER_HA``); deduction =
    min(max(relative - allowable, 0), 1), 1 where the modelled relative sd is inf (a change its factors do not
    support); credited = rate x CO2_PER_C x (1 - deduction) x kept x issued. Farms in parallel, each its own rows
    (at 1 M farmers the tables are about 80 MB each, mapped afresh every year: their page faults are shared too).
    With ``paying``, each element is then what ``_paying`` makes of it with no liability (``variance`` (m,)), the
    variance's plus 0.0 (``summed``'s zero: it turns a -0.0 into +0.0 and changes no other bit; added again to a sum
    that holds no -0.0, nor does it there).
    ``identity``: ``masks`` is the one row 0, 1, ..., K - 1 (every bundle, as the decision asks), so column k is
    bundle k, and a loop of its own lets the compiler read each farm's rows of the tables in order (the same
    operations on each element, so the same bits). With the farm's values read once before its row, a value call of
    a 64-run Sobol batch (37,880 farms x 16 bundles, one thread, interleaved medians of 30 on a loaded machine) took
    3.5-4.3 ms instead of 5.4-6.6; the enrolment's own bundles ((m, 1) masks) take the time they took.
    """
    m, k_count = soc.size, masks.shape[1]
    own = masks.shape[0] > 1
    pv = np.empty((m, k_count))
    sensitivity = np.empty((m, k_count))
    for i in prange(m):
        row = masks[i] if own else masks[0]
        r = region[i]
        soc_i, drift_i, baseline_i, half_width_i, accrued_i = soc[i], drift[i], baseline[i], half_width[i], accrued[i]
        price_i, mrv_cost_i, per_ton_i, candidates_i, may_count_i = (price_per_ton[i], mrv_cost[i], per_ton[i],
                                                                     candidates[i], may_count[i])
        variance_i = variance[i] if paying else 0.0
        n_i = counted[i]
        if identity:  # two loops, so that the compiler sees k as the bundle in the first
            for k in range(k_count):
                pv[i, k], sensitivity[i, k] = _element(
                    k, r, soc_i, drift_i, baseline_i, half_width_i, price_i, mrv_cost_i, per_ton_i, accrued_i,
                    candidates_i, may_count_i, variance_i, table, path, n_i, transition, interval, modelled,
                    relative_sd, quantile, allowable, kept, issued, add_accrued, paying)
        else:
            for k in range(k_count):
                pv[i, k], sensitivity[i, k] = _element(
                    row[k], r, soc_i, drift_i, baseline_i, half_width_i, price_i, mrv_cost_i, per_ton_i, accrued_i,
                    candidates_i, may_count_i, variance_i, table, path, n_i, transition, interval, modelled,
                    relative_sd, quantile, allowable, kept, issued, add_accrued, paying)
    return pv, sensitivity


@njit(cache=True, inline="always")
def _element(mask, r, soc, drift, baseline, half_width, price_per_ton, mrv_cost, per_ton, accrued, candidates,
             may_count, variance, table, path, seasons, transition, interval, modelled, relative_sd, quantile,
             allowable, kept, issued, add_accrued, paying):  # pragma: no cover - compiled
    """(PV, dPV/dprice) of bundle ``mask`` for one farm of region ``r`` with its values (``_expected``).

    The soil model's share of the linear rule's gain in the farm's counted ``seasons``: 1.0 when ``path`` is empty
    (Tier 1, whose path is the rule), else the share on the farm's equivalent age on the bundle's path.
    """
    rate = (table[r, mask] - soc) - drift
    share_of_rule = 1.0 if path.shape[1] == 0 else _path_share(path[r, :, mask], table[r, mask], soc, seasons,
                                                               transition)
    rate = max(rate, 0.0) / transition * share_of_rule
    size = abs(rate * interval)
    share = relative_sd[r, baseline, mask] if modelled else 0.0
    width = quantile * (share * size) if modelled else half_width
    relative = width / size if size > NO_CHANGE_T_C_PER_HA else np.inf
    deduction = 1.0 if share == np.inf else min(max(relative - allowable, 0.0), 1.0)
    credited = rate * CO2_PER_C * (1.0 - deduction) * kept * issued
    value = credited * price_per_ton - mrv_cost
    if add_accrued:
        value = value + accrued
    counted = may_count and (mask & candidates) != 0
    value = value if counted else 0.0
    slope = credited * per_ton if counted else 0.0
    if paying:  # ``_paying``'s element, less a liability of +0.0 (which changes no bit)
        pays = value > 0
        slope = slope if pays else 0.0
        value = value if pays else 0.0
        slope = 0.0 + slope * slope * variance
    return value, slope


@njit(cache=True, inline="always")
def _path_share(path, equilibrium, soc, seasons, transition):  # pragma: no cover - compiled
    """What a farm at ``soc`` gains in ``seasons`` on a bundle's ``path`` over the rule's (gap / transition x seasons).

    ``path`` (L + 1,): the bundle's SOC after 0 .. L seasons from the conventional equilibrium (t C/ha), toward
    ``equilibrium``. The farm's equivalent age a is where the path (yearly stocks, linear in between) first reaches
    its stock, looked up in [0, L - transition] (so a + seasons <= L) and clamped there; the share is
    (path(a + seasons) - path(a)) / (seasons x (equilibrium - path(a)) / transition). On the path (a farm that has
    kept the bundle since the conventional state) its gain is then path(a + seasons) - soc, RothC's own; a farm
    below the path's start (below the conventional stock) expects the share from the conventional start of its own
    gap, as the rule read before (referee 49 M1), and one beyond the path's reach (nearer the equilibrium than it
    gets in L - transition seasons) the share from there, RothC's slowest pace of the path. 1 where the bundle holds
    the conventional stock or nothing is counted.
    """
    start = path[0]
    gap = equilibrium - start
    if seasons == 0 or abs(gap) <= NO_GAP_T_C_PER_HA:
        return 1.0
    toward = 1.0 if gap > 0 else -1.0
    last = path.size - 1 - int(transition)
    age = 0.0
    if toward * (soc - start) > 0:
        age = float(last)
        for s in range(last):
            if toward * (path[s + 1] - soc) >= 0:
                age = s + (soc - path[s]) / (path[s + 1] - path[s])  # path[s] short of soc: a step toward it
                break
    here = _at(path, age)
    rest = equilibrium - here
    if toward * rest <= NO_GAP_T_C_PER_HA:  # the path has reached the equilibrium: the rule's own pace
        return 1.0
    return (_at(path, age + seasons) - here) / (seasons * rest / transition)


@njit(cache=True, inline="always")
def _at(path, age):  # pragma: no cover - compiled
    """``path`` (L + 1,) at ``age`` in [0, L], linear between its yearly values."""
    whole = min(int(age), path.size - 2)
    return path[whole] + (age - whole) * (path[whole + 1] - path[whole])


def exit_liability(c: Carbon, soil: Soil, horizon: int, asked: Asked, equilibrium: np.ndarray,
                   mean_price: float | np.ndarray) -> np.ndarray:
    """Claw-back an enrolled farm expects if it reverts to bundle k (``equilibrium``: its stock under k), currency/ha.

    The issued credits its stock would lose within min(horizon, monitoring) years (linear Tier 1 path), at the
    expected price.
    """
    years = min(horizon, c.monitoring_years_after_exit, soil.transition_years)
    loss_t_per_ha = np.maximum(asked.soc[:, None] - equilibrium, 0.0) * years / soil.transition_years * CO2_PER_C
    owed_per_ha = np.minimum(loss_t_per_ha, (asked.outstanding() / asked.area)[:, None])
    return owed_per_ha * issued_share(c) * column(asked.value_share) * column(mean_price)


def enrolment(eligible_now: np.ndarray, enrolled: np.ndarray, ever: np.ndarray, region: np.ndarray,
              bundle: np.ndarray, mean: np.ndarray, expected: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Who leaves the programme (n,) bool, and who joins (sorted rows), after this season's adoption.

    Eligible farms never enrolled join when their practices pay; enrolled farms leave when their practices are no
    longer eligible, or when staying no longer pays. ``region`` (n,) and ``mean`` (R,) give each farm's expected
    price; ``expected`` is the programme's ``expected_value``.
    """
    leaving = enrolled & ~eligible_now
    candidates = np.flatnonzero(eligible_now & (~ever | enrolled))
    block = candidates[mean[region[candidates]] > 0]  # of regions with a price, every region's at once
    if not block.size:
        return leaving, block
    own = region[block]
    pv, _, _ = expected(block, own, bundle[block][:, None], mean[own])
    pays = pv[:, 0] > 0
    leaving[block[~pays & enrolled[block]]] = True
    return leaving, block[pays & ~enrolled[block]]


def value_of_rows(expected: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray | None]], mean: np.ndarray,
                  variance: np.ndarray, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
    """PV and price variance of each bundle for ``farms`` of every region (``farms[bounds[r]:bounds[r + 1]]``: r's).

    ``expected(farms, region, masks, mean_price, variance)`` is the programme's ``expected_value``; ``mean`` and
    ``variance`` (R,) the prices farmers of each region expect. A farm counts a bundle's PV only when positive; farms
    of regions without a price get 0; None when no region asked about has one.
    """
    priced = mean > 0
    if not priced[np.diff(bounds) > 0].any():
        return None
    region = np.repeat(np.arange(bounds.size - 1), np.diff(bounds))
    mine = priced[region]
    if mine.all():
        pv, var, zero_added = _paid(expected, farms, region, masks, mean[region], variance[region])
        return Valuation(pv, var, owned=True, zero_added=zero_added)
    out_pv, out_var = np.zeros((farms.size, masks.size)), np.zeros((farms.size, masks.size))
    out_pv[mine], out_var[mine], zero_added = _paid(expected, farms[mine], region[mine], masks, mean[region[mine]],
                                                    variance[region[mine]])
    return Valuation(out_pv, out_var, owned=True, zero_added=zero_added)


def _paid(expected: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray | None]], farms: np.ndarray,
          region: np.ndarray, masks: np.ndarray, mean_price: np.ndarray, variance: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, bool]:
    """``_paying`` of ``expected``'s tables for ``farms``, and whether they are zero-added (``Valuation``).

    Made in ``expected``'s own pass, zero-added, when it has no liability.
    """
    pv, sensitivity, liability = expected(farms, region, masks, mean_price, variance)
    if liability is None:
        return pv, sensitivity, True
    return *_paying(pv, sensitivity, liability, variance), False


@njit(cache=True, parallel=True)
def _paying(pv, sensitivity, liability, variance):  # pragma: no cover - compiled
    """(PV where it pays, else 0, - liability; (dPV/dprice where the PV pays, else 0) ** 2 x the farm's ``variance``).

    (m, K) tables and (m,) variances, in one pass (farms in parallel), written over ``pv`` and ``sensitivity`` (the
    fresh tables of ``expected_value``; returned): bit for bit ``np.where(pv > 0, pv, 0.0) - liability`` and
    ``np.where(pv > 0, sensitivity, 0.0) ** 2 * variance[:, None]``. At 1 M farmers two new tables would be about
    160 MB, mapped and faulted in afresh every year.
    """
    m, k_count = pv.shape
    for i in prange(m):
        for k in range(k_count):
            pays = pv[i, k] > 0
            slope = sensitivity[i, k] if pays else 0.0
            pv[i, k] = (pv[i, k] if pays else 0.0) - liability[i, k]
            sensitivity[i, k] = slope * slope * variance[i]
    return pv, sensitivity
