"""What practices are worth to a farmer: the annualised, risk-adjusted value of a bundle (currency/ha/yr).

For farm i and bundle b (a set of practices), with G = expected gross revenue (expected yield potential x crop
price / 1000, currency/ha), A = annuity factor of the farm's discount rate over the planning horizon H, and
W = max(G - conventional production cost, MIN_MARGIN_SHARE x G) the farm's conventional gross margin:

    V(b) = sum_{p in b} [ G (m_p - (m_p - e0_p) x S_p(t_p)) - dc_p - 0.5 R G^2 / (W x precision_p) ]
           - [residue in b] fodder value - [no-till in b] (herbicide price change + [hired] contractor fee)
           + [b full CA] G x e_CA x (1 - S_CA(t_CA))
           + PV(incentives of b) / A - 0.5 R Var(PV(incentives of b)) / (A^2 W)

m_p is the farmer's belief about p's long-run relative yield effect (``sim.behaviour.learning``), e0_p its known
first-season effect, t_p the seasons it has been in use (0 if not), and S_p(t) the present value over the horizon of
the known ramp's remaining shortfall, (sum_{k=1..H} (1+r)^-k (1 - ramp_p(t + k))) / A: the early penalty of a new
practice is counted here, once, and never in the belief. The risk terms are the Arrow-Pratt certainty equivalent
(relative risk aversion R, wealth scale A W) of the belief uncertainty and of the incentive revenue, annualised.
One-off costs enter a decision annualised (/ A): adopting costs the practice's ``transition_cost_per_ha`` (own route);
dropping costs ``exit_cost_share`` of it (re-tooling for tillage), except no-till done by a hire service, which the
farm drops at no cost: it bought no seeder and has nothing to re-tool (``paid_exits``; referee 33 m5). A deciding
farm's U = V + the rule's additive terms (``extra_utility``) of every bundle is tabulated once a year
(``utility_tables``); ``move_value`` values a change from one bundle to another from that table, with the switching
costs and the constraints on starting.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.behaviour.base import BAD_EXPERIENCE, OTHER, SUPPORT_ENDED
from sim.economics import annuity_factor
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, NO_TILL, RESIDUE_RETENTION, Catalogue
from sim.scenario import Scenario
from sim.units import KG_PER_T
from sim.yields import ramp

#: The margin W is at least this share of gross revenue, so that a farm whose conventional margin is negative or near
#: zero still has a positive, finite scale. Assumption (no source): a tenth of revenue is the smallest margin a farm
#: lives on.
MIN_MARGIN_SHARE = 0.1
#: Smallest margin scale (currency/ha), guarding a zero gross revenue.
MIN_SCALE = 1e-9
#: A change of two practices at once is a complement move only when it is worth more than this (currency/ha/yr)
#: above the two changes made apart. For practices without interaction the two are equal in exact arithmetic, and
#: without a margin the last bits of rounding (which differ with the order of a sum) would decide whether a farm
#: changes one practice or two. Values are at most ~1e4 currency/ha, so rounding is ~1e-12; the logit scale is ~10.
COMPLEMENT_MARGIN_PER_HA = 1e-6


def shortfall_table(discount_rate: float, horizon: int, annuity: float, transition_years: np.ndarray,
                    rows: int) -> np.ndarray:
    """S_p(t) for t = 0 .. rows - 1, shape (rows, P): PV of the ramp's remaining shortfall / A.

    Row t: a practice in use for t seasons (0 = new); its next seasons are t + 1 .. t + H. ``rows`` > max(T) so the
    last row is that of an established practice.
    """
    t = np.arange(rows)[:, None, None]
    k = np.arange(1, horizon + 1)[None, :, None]
    progress = ramp(np.zeros(transition_years.size), np.ones(transition_years.size), transition_years, t + k)
    pv = ((1.0 + discount_rate) ** -k * (1.0 - progress)).sum(axis=1)
    return (pv / annuity).astype(np.float64)


def synergy_shortfall_table(discount_rate: float, horizon: int, annuity: float, synergy_years: int,
                            rows: int) -> np.ndarray:
    """S_CA(t) for t = 0 .. rows - 1, shape (rows,): the synergy ramps as min(t / T, 1) (``rows`` > T)."""
    t = np.arange(rows)[:, None]
    k = np.arange(1, horizon + 1)[None, :]
    pv = ((1.0 + discount_rate) ** -k * (1.0 - np.minimum((t + k) / synergy_years, 1.0))).sum(axis=1)
    return pv / annuity


@dataclass(frozen=True)
class Valuation:
    """Per-region constants of bundle values (R regions, P practices); money in the scenario currency per ha.

    Yield effects follow each region's crop and climate (``sim.yields.RegionYieldEffects``), so the ramps' shortfalls,
    first-season effects and the synergy are per region; tables share one length (the longest ramp + 1).
    """

    annuity: np.ndarray  # (R,) A
    risk_aversion: np.ndarray  # (R,)
    shortfall: np.ndarray  # (R, T + 1, P) S_p(t)
    synergy_shortfall: np.ndarray  # (R, T_CA + 1) S_CA(t)
    cost_change_per_ha: np.ndarray  # (P,) currency/ha/yr
    effect_initial: np.ndarray  # (R, P)
    transition_cost_per_ha: np.ndarray  # (P,) one-off
    synergy: np.ndarray  # (R,) full-CA synergy once established

    @classmethod
    def of(cls, scenario: Scenario, catalogue: Catalogue) -> Valuation:
        """The constants of ``scenario``'s regions and practices."""
        horizon = scenario.decision.planning_horizon_years
        specs = list(scenario.regions.values())
        annuity = np.array([float(annuity_factor(s.discount_rate, horizon)) for s in specs])
        rows, synergy_rows = int(np.max(catalogue.effect_years)) + 1, int(np.max(catalogue.synergy_years)) + 1
        return cls(
            annuity=annuity,
            risk_aversion=np.array([s.risk_aversion for s in specs]),
            shortfall=np.stack([shortfall_table(s.discount_rate, horizon, a, catalogue.effect_years[r], rows)
                                for r, (s, a) in enumerate(zip(specs, annuity, strict=True))]),
            synergy_shortfall=np.stack([synergy_shortfall_table(s.discount_rate, horizon, a,
                                                                int(catalogue.synergy_years[r]), synergy_rows)
                                        for r, (s, a) in enumerate(zip(specs, annuity, strict=True))]),
            cost_change_per_ha=catalogue.annual_cost_change_per_ha.astype(np.float64),
            effect_initial=catalogue.effect_initial.astype(np.float64),
            transition_cost_per_ha=catalogue.transition_cost_per_ha.astype(np.float64),
            synergy=catalogue.synergy_long_run.astype(np.float64),
        )


@njit(cache=True)
def gross_and_margin(expected_yield_kg_per_ha, crop_price_per_t, production_cost_per_ha):  # pragma: no cover - compiled
    """G and W (currency/ha) of farms with these expected yields, prices and conventional costs.

    One definition for the arrays of the start and the reference margins (broadcast as NumPy does) and the numbers of
    one farm in compiled kernels (``sim.behaviour.economic.expected_gross_and_margin_of``). Inputs are float64, as the
    farm table's are: compiled, float32 arrays would be computed in float64 (NumPy would keep float32).
    """
    gross = expected_yield_kg_per_ha * crop_price_per_t / KG_PER_T
    margin = np.maximum(np.maximum(gross - production_cost_per_ha, MIN_MARGIN_SHARE * gross), MIN_SCALE)
    return gross, margin


def gross_and_margin_1d(expected_yield_kg_per_ha: np.ndarray, crop_price_per_t: np.ndarray,
                        production_cost_per_ha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``gross_and_margin`` of contiguous (n,) float64 arrays, (n,) each, computed as one row of a (1, n) array.

    The 2-D arrays of the start's state values and the 1-D ones (reference margins, every farm's base margin) then
    share one compiled signature (2-D, C-contiguous) instead of compiling one each; the same values.
    """
    gross, margin = gross_and_margin(expected_yield_kg_per_ha[None], crop_price_per_t[None],
                                     production_cost_per_ha[None])
    return gross[0], margin[0]


@njit(cache=True, inline="always")
def extra_utility(mask, extra, pairs):  # pragma: no cover - compiled
    """Additive utility terms of a bundle, currency/ha/yr.

    The sum of ``extra`` (P,) over its practices and of ``pairs`` (P, P) over its pairs of practices (heterogeneity,
    practice and pair constants, conformity).
    """
    total = 0.0
    n = extra.shape[0]
    for p in range(n):
        if (mask >> p) & 1:
            total += extra[p]
            for q in range(p + 1, n):
                if (mask >> q) & 1:
                    total += pairs[p, q]
    return total


#: Slots of a utility table: U of every bundle mask, with no-till by an own seeder (slot 2 b) or hired (2 b + 1).
TABLE_SLOTS = 2 * (1 << N_PRACTICES)


def bundle_terms(n_practices: int) -> tuple[np.ndarray, np.ndarray]:
    """The terms ``extra_utility`` adds for each bundle, in its order: (2^P, P + P(P - 1)/2) int64 and counts (2^P,).

    Term p < P is practice p's value, term P + k the k-th pair (p, q), p < q, in row order of the upper triangle.
    Summing a bundle's terms in this order gives ``extra_utility``'s value bit for bit, with no test of bits.
    """
    pair_index = {pair: n_practices + k for k, pair in
                  enumerate((p, q) for p in range(n_practices) for q in range(p + 1, n_practices))}
    terms = np.zeros((1 << n_practices, len(pair_index) + n_practices), np.int64)
    counts = np.zeros(1 << n_practices, np.int64)
    for mask in range(1 << n_practices):
        order = []
        for p in range(n_practices):
            if mask >> p & 1:
                order.append(p)
                order += [pair_index[p, q] for q in range(p + 1, n_practices) if mask >> q & 1]
        terms[mask, : len(order)], counts[mask] = order, len(order)
    return terms, counts


BUNDLE_TERMS, BUNDLE_TERM_COUNTS = bundle_terms(N_PRACTICES)


#: Length of a farm's list of utility terms (``practice_terms``): the practices' parts, then the pair constants.
N_TERMS = BUNDLE_TERMS.shape[1]


@njit(cache=True, inline="always")
def practice_terms(term, years_in_use, full_ca_years, gross, margin, belief_mean, belief_precision, risk_aversion,
                   shortfall, synergy_shortfall, cost_change, effect_initial, synergy, residue_value, no_till_extra,
                   extra, pairs):  # pragma: no cover - compiled
    """One farm's utility terms, written to ``term`` (``N_TERMS``,); returns the full-CA synergy, currency/ha/yr.

    V is a sum over the practices in a bundle except for the synergy of full CA and the incentives: term p < P is
    practice p's part of it with the rule's ``extra`` (P,) added, term P + k the k-th pair constant of ``pairs``
    (P, P) (upper triangle, in ``bundle_terms``' order). Arrays as in ``fill_utility_row``.
    """
    n_practices = cost_change.shape[0]
    last = shortfall.shape[0] - 1
    for p in range(n_practices):
        m = belief_mean[p]
        term[p] = gross * (m - (m - effect_initial[p]) * shortfall[min(years_in_use[p], last), p]) - cost_change[p] \
            - 0.5 * risk_aversion * gross * gross / (margin * belief_precision[p]) + extra[p]
        if p == RESIDUE_RETENTION:
            term[p] -= residue_value
        elif p == NO_TILL:
            term[p] -= no_till_extra
    k = n_practices
    for p in range(n_practices):
        for q in range(p + 1, n_practices):
            term[k] = pairs[p, q]
            k += 1
    return gross * synergy * (1.0 - synergy_shortfall[min(full_ca_years, synergy_shortfall.shape[0] - 1)])


@njit(cache=True, inline="always")
def bundle_utility(out, mask, term, full, margin, incentive_pv, incentive_var, has_incentives, annuity, risk_aversion,
                   contractor_fee):  # pragma: no cover - compiled
    """U of bundle ``mask`` from the farm's ``term`` and ``full`` (``practice_terms``), written to ``out``.

    Its two slots: own seeder (2 mask) and hired no-till (2 mask + 1, paying ``contractor_fee``); the incentive terms
    (``incentive_pv``/``var`` (16,), read only when ``has_incentives``) as in the module docstring.
    """
    level = 0.0  # extra_utility(mask, part, pairs), its terms added in its order from the bundle's list
    for j in range(BUNDLE_TERM_COUNTS[mask]):
        level += term[BUNDLE_TERMS[mask, j]]
    if FULL_CA_BY_MASK[mask]:
        level += full
    if has_incentives:
        level += incentive_pv[mask] / annuity - 0.5 * risk_aversion * incentive_var[mask] / (
            annuity * annuity * margin)
    out[2 * mask] = level
    out[2 * mask + 1] = level - contractor_fee if (mask >> NO_TILL) & 1 else level


@njit(cache=True, inline="always")
def fill_utility_row(out, years_in_use, full_ca_years, gross, margin, belief_mean, belief_precision, incentive_pv,
                     incentive_var, has_incentives, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                     effect_initial, synergy, residue_value, no_till_extra, contractor_fee, extra, pairs
                     ):  # pragma: no cover - compiled
    """One farm's utility table ``out`` (32,): U(b) = V(b) + ``extra_utility``, own seeder (2 b) or hired (2 b + 1).

    ``practice_terms`` then ``bundle_utility`` of every bundle. Per-farm rows: ``years_in_use`` (P,),
    ``belief_mean``/``belief_precision`` (P,), ``incentive_pv``/``var`` (16,) (read only when ``has_incentives``),
    ``extra`` (P,) and ``pairs`` (P, P) (upper triangle read); ``shortfall`` (T + 1, P) and ``synergy_shortfall``
    (T_CA + 1,) of the farm's region; ``no_till_extra`` the herbicide price change of the year (currency/ha/yr); the
    hired slots pay ``contractor_fee``.
    """
    term = np.empty(N_TERMS)
    full = practice_terms(term, years_in_use, full_ca_years, gross, margin, belief_mean, belief_precision,
                          risk_aversion, shortfall, synergy_shortfall, cost_change, effect_initial, synergy,
                          residue_value, no_till_extra, extra, pairs)
    for mask in range(out.shape[0] // 2):
        bundle_utility(out, mask, term, full, margin, incentive_pv, incentive_var, has_incentives, annuity,
                       risk_aversion, contractor_fee)


@njit(cache=True, parallel=True)
def utility_tables(rows, region, years_in_use, full_ca_years, gross, margin, belief_mean, belief_precision,
                   incentive_pv, incentive_var, has_incentives, annuity, risk_aversion, shortfall, synergy_shortfall,
                   cost_change, effect_initial, synergy, residue_value, no_till_extra, contractor_fee, extra, pairs,
                   out):  # pragma: no cover - compiled
    """``out`` (m, 32): each deciding farm's utility table (``fill_utility_row``) for this year.

    Per-row: ``gross``, ``margin`` and the incentive tables (rows of (1, 16) zeros when ``has_incentives`` is False);
    ``extra`` (m, P) per row (the rule's additive terms of each practice); per farm (indexed by ``rows``): the rest;
    per region: annuity ... contractor fee, ``effect_initial`` (R, P), ``synergy`` (R,) and ``pairs`` (R, P, P).
    """
    for r in prange(rows.size):
        i = rows[r]
        reg = region[i]
        row = r * np.int64(has_incentives)
        fill_utility_row(out[r], years_in_use[i], full_ca_years[i], gross[r], margin[r], belief_mean[i],
                         belief_precision[i], incentive_pv[row], incentive_var[row], has_incentives, annuity[reg],
                         risk_aversion[reg], shortfall[reg], synergy_shortfall[reg], cost_change, effect_initial[reg],
                         synergy[reg], residue_value[i], no_till_extra[reg], contractor_fee[reg], extra[r], pairs[reg])


@njit(cache=True, inline="always")
def move_costs(started, dropped, annuity, transition_cost, exit_cost_share):  # pragma: no cover - compiled
    """The costs of a move that depend only on the practices ``started`` and ``dropped`` (bit masks), currency/ha.

    Returns (switching, others, others / A, (others + no-till's) / A): ``exit_cost_share`` x the one-off cost of the
    practices dropped, annualised; the one-off costs of the practices other than no-till started; those annualised;
    and with no-till's own seeder added. ``move_cost_table`` tabulates them; the sums run in practice order either way.
    """
    switching, others = 0.0, 0.0
    for p in range(transition_cost.shape[0]):
        if (dropped >> p) & 1:
            switching += exit_cost_share * transition_cost[p] / annuity
        elif (started >> p) & 1 and p != NO_TILL:
            others += transition_cost[p]
    return switching, others, others / annuity, (others + transition_cost[NO_TILL]) / annuity


#: Rows of ``move_cost_table``: each a cost of ``move_costs`` by bit mask of the practices dropped or started.
SWITCHING, START_COST, START_COST_PER_YEAR, START_COST_OWN_NO_TILL_PER_YEAR = range(4)


@njit(cache=True)
def move_cost_table(annuity, transition_cost, exit_cost_share):  # pragma: no cover - compiled
    """``move_costs`` of every set of practices, (R, 4, 2^P): dropped (row ``SWITCHING``) or started (the others).

    Per region (``annuity`` (R,)); a move's costs are the row of its dropped set and those of its started set.
    """
    n_sets = 1 << transition_cost.shape[0]
    table = np.empty((annuity.size, 4, n_sets))
    for r in range(annuity.size):
        for s in range(n_sets):
            table[r, SWITCHING, s] = move_costs(0, s, annuity[r], transition_cost, exit_cost_share)[0]
            _, others, per_year, own_no_till = move_costs(s, 0, annuity[r], transition_cost, exit_cost_share)
            table[r, START_COST, s], table[r, START_COST_PER_YEAR, s] = others, per_year
            table[r, START_COST_OWN_NO_TILL_PER_YEAR, s] = own_no_till
    return table


@njit(cache=True, inline="always")
def paid_exits(old, new, hires):  # pragma: no cover - compiled
    """The practices a move from ``old`` to ``new`` drops that cost their exit share (a bit mask).

    All those dropped, but no-till when the farm ``hires`` it: it has no seeder of its own to re-tool (a farm hires
    only while no-till is in ``old``). An int64 whatever the masks' type: a uint64 mask and a signed bit would make
    a float in Numba.
    """
    dropped = np.int64(old & ~new)
    return dropped & ~(1 << NO_TILL) if hires else dropped


@njit(cache=True, inline="always")
def move_value(old, new, hires, budget, table, area_ha, dealer, contractor, annuity, transition_cost,
               exit_cost_share):  # pragma: no cover - compiled
    """What moving from bundle ``old`` to ``new`` is worth to one farm, currency/ha/yr, from its utility ``table``.

    Returns (gain, feasible, hire): U(new) - U(old) - annualised one-off costs of the practices started (own means)
    - ``exit_cost_share`` x the one-off cost of those dropped (``paid_exits``: not no-till the farm ``hires``).
    Starting no-till takes the better feasible route: an own seeder (``dealer`` reach, its one-off cost within
    ``budget``, currency per farm, with the other practices started) or a hire service (``contractor`` reach; its
    fee is in U). ``feasible`` is False when the started
    practices cannot all be paid or no-till has no route (the gain is then that of the own route, for comparisons
    only). ``hire``: no-till in ``new`` is done by a hire service.
    """
    switching, others, per_year, own_no_till = move_costs(new & ~old, paid_exits(old, new, hires), annuity,
                                                          transition_cost, exit_cost_share)
    return priced_move(old, new, hires, budget, table, area_ha, dealer, contractor, transition_cost[NO_TILL],
                       switching, others, per_year, own_no_till)


@njit(cache=True, inline="always")
def tabulated_move_value(old, new, hires, budget, table, area_ha, dealer, contractor, transition_cost, costs
                         ):  # pragma: no cover - compiled
    """``move_value`` with the move's costs read from ``costs``, the region's (4, 2^P) ``move_cost_table``."""
    started = new & ~old
    return priced_move(old, new, hires, budget, table, area_ha, dealer, contractor, transition_cost[NO_TILL],
                       costs[SWITCHING, paid_exits(old, new, hires)], costs[START_COST, started],
                       costs[START_COST_PER_YEAR, started],
                       costs[START_COST_OWN_NO_TILL_PER_YEAR, started])


@njit(cache=True, inline="always")
def priced_move(old, new, hires, budget, table, area_ha, dealer, contractor, no_till_cost, switching, others,
                per_year, own_no_till):  # pragma: no cover - compiled
    """``move_value`` given the move's ``move_costs`` and no-till's one-off cost (own seeder), currency/ha."""
    base = table[2 * old + (1 if hires and (old >> NO_TILL) & 1 else 0)]
    if ((new & ~old) >> NO_TILL) & 1:
        best, feasible, hire = table[2 * new] - own_no_till, False, False
        if dealer and (others + no_till_cost) * area_ha <= budget:
            feasible = True
        if contractor and others * area_ha <= budget:
            hired = table[2 * new + 1] - per_year
            if not feasible or hired > best:
                best, feasible, hire = hired, True, True
        return best - base - switching, feasible, hire
    hire = hires and (new >> NO_TILL) & 1 == 1
    value = table[2 * new + (1 if hire else 0)] - per_year
    return value - base - switching, others * area_ha <= budget, hire


@njit(cache=True, inline="always")
def drop_reason(gross, belief_now, belief_at_adoption, support_now, support_at_adoption, scale
                ):  # pragma: no cover - compiled
    """Why a farm drops a practice: a bit of ``sim.behaviour.base.DROP_REASONS``.

    Support ended when the practice's incentive value fell by more than ``scale`` (the decision noise, currency/ha/yr)
    since adoption, else a bad experience when its believed yield value fell by more than ``scale``, else other.
    """
    if support_at_adoption - support_now > scale:
        return SUPPORT_ENDED
    if gross * (belief_at_adoption - belief_now) > scale:
        return BAD_EXPERIENCE
    return OTHER
