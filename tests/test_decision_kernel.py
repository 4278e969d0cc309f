"""The economic rule's compiled decisions against the plain path of the same rule, bit for bit.

``choose_practices`` tabulates only the bundles a farm's moves read and takes the moves' costs from a per-region
table; the plain path here fills every bundle's utility and values every move, farm by farm in Python, with the
former ``fill_utility_row`` and ``move_value`` (before the decision kept its terms and costs in tables: main
236da8a), copied below as the independent reference: calling today's helpers here would compare them with
themselves (referee 19: a change of arithmetic inside them passed). Both do the same floating-point operations on
each entry, so bundles, routes, reasons and the beliefs and support recorded at adoption must be identical (no
tolerance), including unavailable practices, infeasible moves, farms without money, hired no-till whose contractor
left, and with and without incentives (and conformity, which the kernel skips when its share is 0).
"""

import math

import numpy as np
import pytest
from numba import njit

from sim.behaviour.base import CONSTRAINT
from sim.behaviour.economic import choose_practices
from sim.behaviour.valuation import (
    BUNDLE_TERM_COUNTS,
    BUNDLE_TERMS,
    COMPLEMENT_MARGIN_PER_HA,
    TABLE_SLOTS,
    drop_reason,
    move_cost_table,
    move_value,
    tabulated_move_value,
)
from sim.parallel import unsigned
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, NO_TILL, RESIDUE_RETENTION, USES_BY_MASK

P = N_PRACTICES
NO_TILL_BIT = 1 << NO_TILL


@njit(cache=True)
def former_fill_utility_row(out, years_in_use, full_ca_years, gross, margin, belief_mean, belief_precision,
                            incentive_pv, incentive_var, has_incentives, annuity, risk_aversion, shortfall,
                            synergy_shortfall, cost_change, effect_initial, synergy, residue_value, no_till_extra,
                            contractor_fee, extra, pairs):  # pragma: no cover - compiled
    """``sim.behaviour.valuation.fill_utility_row`` as it was at main 236da8a: every bundle's U, own and hired."""
    n_practices = cost_change.shape[0]
    last = shortfall.shape[0] - 1
    term = np.empty(BUNDLE_TERMS.shape[1])
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
    full = gross * synergy * (1.0 - synergy_shortfall[min(full_ca_years, synergy_shortfall.shape[0] - 1)])
    for mask in range(out.shape[0] // 2):
        level = 0.0
        for j in range(BUNDLE_TERM_COUNTS[mask]):
            level += term[BUNDLE_TERMS[mask, j]]
        if FULL_CA_BY_MASK[mask]:
            level += full
        if has_incentives:
            level += incentive_pv[mask] / annuity - 0.5 * risk_aversion * incentive_var[mask] / (
                annuity * annuity * margin)
        out[2 * mask] = level
        out[2 * mask + 1] = level - contractor_fee if (mask >> NO_TILL) & 1 else level


@njit(cache=True)
def former_move_value(old, new, hires, budget, table, area_ha, dealer, contractor, annuity, transition_cost,
                      exit_cost_share):  # pragma: no cover - compiled
    """``sim.behaviour.valuation.move_value`` as it was at main 236da8a: (gain, feasible, hire) of one move; since
    referee 33 m5 a farm that hires its no-till drops it without the exit cost (no seeder to re-tool)."""
    started, dropped = new & ~old, old & ~new
    base = table[2 * old + (1 if hires and (old >> NO_TILL) & 1 else 0)]
    switching, other_costs = 0.0, 0.0
    for p in range(transition_cost.shape[0]):
        if (dropped >> p) & 1:
            if not (p == NO_TILL and hires):
                switching += exit_cost_share * transition_cost[p] / annuity
        elif (started >> p) & 1 and p != NO_TILL:
            other_costs += transition_cost[p]
    if (started >> NO_TILL) & 1:
        own = table[2 * new] - (other_costs + transition_cost[NO_TILL]) / annuity
        best, feasible, hire = own, False, False
        if dealer and (other_costs + transition_cost[NO_TILL]) * area_ha <= budget:
            feasible = True
        if contractor and other_costs * area_ha <= budget:
            hired = table[2 * new + 1] - other_costs / annuity
            if not feasible or hired > best:
                best, feasible, hire = hired, True, True
        return best - base - switching, feasible, hire
    hire = hires and (new >> NO_TILL) & 1 == 1
    value = table[2 * new + (1 if hire else 0)] - other_costs / annuity
    return value - base - switching, other_costs * area_ha <= budget, hire


def decision_inputs(seed, incentives):
    """choose_practices' arguments for 3 regions (one without practice 1, one without no-till and practice 3)."""
    rng = np.random.default_rng(seed)
    n, m, regions = 3000, 2400, 3
    available = np.ones((regions, P), bool)
    available[1, 1] = False
    available[2, [NO_TILL, 3]] = False
    region = rng.integers(0, regions, n).astype(np.int16)
    offered = (available[region] * (1 << np.arange(P))).sum(axis=1)
    bundle = (rng.integers(0, 16, n) & offered).astype(np.uint8)
    uses_no_till = bundle & NO_TILL_BIT > 0
    hires = uses_no_till & (rng.random(n) < 0.4)
    contractor = rng.random(n) < 0.5
    contractor[hires & (rng.random(n) < 0.3)] = False  # some hire services left
    years = np.where(USES_BY_MASK[bundle], rng.integers(1, 12, (n, P)), 0).astype(np.int16)
    full_years = np.where(FULL_CA_BY_MASK[bundle], years.min(axis=1, initial=12), 0).astype(np.int16)
    money = np.where(rng.random(n) < 0.25, 0.0, rng.uniform(0, 5000, n))  # a quarter cannot pay any start
    pairs = np.triu(rng.normal(0, 60, (regions, P, P)), 1)
    pairs = pairs + pairs.transpose(0, 2, 1)
    rows = np.sort(rng.choice(n, m, replace=False))
    shape = (m, 16) if incentives else (1, 16)
    pv = rng.uniform(0, 300, shape) if incentives else np.zeros(shape)
    var = rng.uniform(0, 1e4, shape) if incentives else np.zeros(shape)
    return dict(
        rows=rows, region=region, draws=rng.random((n, P)), revision_rate=0.6, bundle=bundle, hires=hires,
        available=available, dealer=rng.random(n) < 0.6, contractor=contractor, money=money,
        area_ha=rng.uniform(1, 100, n), annuity=rng.uniform(4, 9, regions), transition_cost=rng.uniform(0, 80, P),
        exit_cost_share=0.37, noise_share=0.08, gross=rng.uniform(300, 1500, m), margin=rng.uniform(100, 500, m),
        belief_mean=rng.normal(0, 0.05, (n, P)).astype(np.float32),
        belief_precision=rng.uniform(50, 400, (n, P)).astype(np.float32), years_in_use=years,
        full_ca_years=full_years, incentive_pv=pv, incentive_var=var, has_incentives=incentives,
        risk_aversion=rng.uniform(0.5, 2, regions), shortfall=rng.uniform(0, 0.3, (regions, 6, P)),
        synergy_shortfall=rng.uniform(0, 0.4, (regions, 9)), cost_change=rng.uniform(-30, 40, P),
        effect_initial=rng.uniform(-0.2, 0, (regions, P)), synergy=rng.uniform(0, 0.1, regions),
        residue_value=rng.uniform(0, 20, n), no_till_extra=rng.uniform(0, 10, regions),
        contractor_fee=rng.uniform(10, 40, regions),
        heterogeneity=rng.normal(0, 20, (n, P)).astype(np.float32), constants=rng.normal(0, 20, (regions, P)),
        conformity_share=0.05 if incentives else 0.0, share=rng.random((n, P)).astype(np.float32), pairs=pairs,
        belief_at_adoption=rng.normal(0, 0.05, (n, P)).astype(np.float32),
        support_at_adoption=rng.uniform(-30, 30, (n, P)).astype(np.float32),
    )


def plain_move(a, mask, target, hired, budget, table, i, reg):
    """The former ``move_value`` of one move of farm ``i``."""
    return former_move_value(mask, target, hired, budget, table, a["area_ha"][i], a["dealer"][i], a["contractor"][i],
                      a["annuity"][reg], a["transition_cost"], a["exit_cost_share"])


def plain_choices(a):
    """The rule of ``sim.behaviour.economic`` farm by farm: full utility table, every move valued (former helpers)."""
    bundle, hires = a["bundle"].copy(), a["hires"].copy()
    dropped = np.zeros(bundle.size, np.uint8)
    at_adoption, support_at_adoption = a["belief_at_adoption"].copy(), a["support_at_adoption"].copy()
    pv, var, has = a["incentive_pv"], a["incentive_var"], a["has_incentives"]
    for r, i in enumerate(a["rows"]):
        reg, mask, hired, budget = a["region"][i], int(a["bundle"][i]), bool(a["hires"][i]), a["money"][i]
        row, margin, rate = r if has else 0, a["margin"][r], a["revision_rate"]
        scale = a["noise_share"] * margin
        if hired and mask & NO_TILL_BIT and not a["contractor"][i]:
            mask, hired = mask & ~NO_TILL_BIT, False
            dropped[i] |= CONSTRAINT
        table = None
        for p in range(P):
            u = a["draws"][i, p]
            if not a["available"][reg, p] or u >= rate:
                continue
            if table is None:
                extra = np.array([np.float64(a["heterogeneity"][i, q]) + a["constants"][reg, q]
                                  + a["conformity_share"] * margin * np.float64(a["share"][i, q]) for q in range(P)])
                table = np.empty(TABLE_SLOTS)
                former_fill_utility_row(table, a["years_in_use"][i], a["full_ca_years"][i], a["gross"][r], margin,
                                 a["belief_mean"][i], a["belief_precision"][i], pv[row], var[row], has,
                                 a["annuity"][reg], a["risk_aversion"][reg], a["shortfall"][reg],
                                 a["synergy_shortfall"][reg], a["cost_change"], a["effect_initial"][reg],
                                 a["synergy"][reg], a["residue_value"][i], a["no_till_extra"][reg],
                                 a["contractor_fee"][reg], extra, a["pairs"][reg])
            single = mask ^ 1 << p
            alone, feasible, hire = plain_move(a, mask, single, hired, budget, table, i, reg)
            best, target, best_hire = (alone, single, hire) if feasible else (-np.inf, mask, hired)
            for q in range(P):
                if q == p or not a["available"][reg, q]:
                    continue
                other = plain_move(a, mask, mask ^ 1 << q, hired, budget, table, i, reg)[0]
                both, feasible, hire = plain_move(a, mask, single ^ 1 << q, hired, budget, table, i, reg)
                if feasible and both > alone + other + COMPLEMENT_MARGIN_PER_HA and both > best:
                    best, target, best_hire = both, single ^ 1 << q, hire
            if best == -np.inf or u / rate >= 1.0 / (1.0 + math.exp(-best / scale)):
                continue
            for q in range(P):
                bit = 1 << q
                if target & bit and not mask & bit:
                    if q != NO_TILL or not best_hire:
                        budget -= a["transition_cost"][q] * a["area_ha"][i]
                    at_adoption[i, q] = a["belief_mean"][i, q]
                    support_at_adoption[i, q] = (pv[row, target] - pv[row, target & ~bit]) / a["annuity"][reg] \
                        if has else 0.0
                elif mask & bit and not target & bit:
                    support = (pv[row, mask] - pv[row, mask & ~bit]) / a["annuity"][reg] if has else 0.0
                    dropped[i] |= drop_reason(a["gross"][r], a["belief_mean"][i, q], at_adoption[i, q], support,
                                              support_at_adoption[i, q], scale)
            hired = best_hire if target & NO_TILL_BIT and not mask & NO_TILL_BIT else bool(hired and target & NO_TILL_BIT)
            mask = target
        bundle[i], hires[i] = mask, hired
    return bundle, hires, dropped, at_adoption, support_at_adoption


@pytest.mark.parametrize("incentives", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_compiled_decisions_are_the_plain_paths_bit_for_bit(seed, incentives):
    """Every output array of choose_practices equals the plain path's exactly (same operations on every entry)."""
    a = decision_inputs(seed, incentives)
    expected = plain_choices(a)
    out = [a["bundle"].copy(), a["hires"].copy(), np.zeros(a["bundle"].size, np.uint8)]
    at_adoption, support_at_adoption = a["belief_at_adoption"].copy(), a["support_at_adoption"].copy()
    choose_practices(**dict(a, belief_at_adoption=at_adoption, support_at_adoption=support_at_adoption),
                     new_bundle=out[0], new_hires=out[1], dropped=out[2])
    for name, got, want in zip(("bundle", "hires", "dropped", "belief_at_adoption", "support_at_adoption"),
                               (*out, at_adoption, support_at_adoption), expected, strict=True):
        assert np.array_equal(got, want), name
    changed = out[0] != a["bundle"]
    assert changed.sum() > 30 and (np.bitwise_count(out[0] ^ a["bundle"]) == 2).any()  # single and joint changes
    assert (out[2] & CONSTRAINT).any() and (out[1] & ~a["hires"]).any()  # forced drops and new hires happen
    # as ``EconomicRule.decide`` calls it: rows and regions viewed unsigned (``sim.parallel.unsigned``)
    viewed = [a["bundle"].copy(), a["hires"].copy(), np.zeros(a["bundle"].size, np.uint8)]
    at_adoption, support_at_adoption = a["belief_at_adoption"].copy(), a["support_at_adoption"].copy()
    choose_practices(**dict(a, rows=unsigned(a["rows"]), region=unsigned(a["region"]), belief_at_adoption=at_adoption,
                            support_at_adoption=support_at_adoption), new_bundle=viewed[0], new_hires=viewed[1],
                     dropped=viewed[2])
    for name, got, want in zip(("bundle", "hires", "dropped", "belief_at_adoption", "support_at_adoption"),
                               (*viewed, at_adoption, support_at_adoption), expected, strict=True):
        assert np.array_equal(got, want), name


def test_tabulated_move_costs_value_every_move_as_move_value():
    """tabulated_move_value equals move_value, and both the former move_value, bit for bit for every pair of bundles,
    route, reach and budget. An exit cost share of 0.37, not 0.5: a power of two would make reordering its products
    exact, so a reordering would pass (referee 19)."""
    rng = np.random.default_rng(4)
    annuity, transition_cost = rng.uniform(4, 9, 2), rng.uniform(0, 80, P)
    costs = move_cost_table(annuity, transition_cost, 0.37)
    table = rng.normal(0, 100, TABLE_SLOTS)
    for reg in range(2):
        for old in range(16):
            for new in range(16):
                for hires, dealer, contractor in [(False, True, False), (True, False, True), (True, True, True),
                                                  (False, False, False)]:
                    for budget in (0.0, 500.0, 1e9):
                        want = former_move_value(old, new, hires, budget, table, 10.0, dealer, contractor,
                                                 annuity[reg], transition_cost, 0.37)
                        assert move_value(old, new, hires, budget, table, 10.0, dealer, contractor, annuity[reg],
                                          transition_cost, 0.37) == want
                        got = tabulated_move_value(old, new, hires, budget, table, 10.0, dealer, contractor,
                                                   transition_cost, costs[reg])
                        assert got == want
