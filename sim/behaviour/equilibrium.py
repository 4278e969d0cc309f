"""A start in behavioural equilibrium: practice constants fitted so the initial shares are the rule's steady state.

For each farm the economic rule (``sim.behaviour.economic``) is a Markov chain over the 2^P combinations of practices:
each year each practice is reconsidered with probability rho, in practice order, and its best feasible change (alone
or with a complement) made with its logit probability (switching costs in both directions, constraints on
starting; a practice just started reviewed as a trial and judged on seasons read at face value,
``sim.behaviour.trial``, through its users' exit averaged over their stationary ages, ``user_exit``). Given the
farm's beliefs, heterogeneity, access and
money at the start (practices in use counted as established), its yearly transition matrix T_i is built exactly and
its stationary law pi_i (pi_i T_i = pi_i) solved. The region's practice constants alpha_p and pair constants w_pq
(currency/ha/yr, the unmodelled net benefit of a practice and of using two together) are chosen so that the mean of
pi_i over the region's farms has the shares and pairwise co-adoption shares of ``initial_adoption``: a damped
Newton iteration on these moments, with the Jacobian mean_i Cov_pi_i(b_p, b_q) / s_i (exact without switching costs).
The target law is the file's bundle shares mixed with ``decision.unused_combination_share`` of a uniform law over the
region's combinations, so that a combination nobody uses is matched at a small share rather than by an infinite
constant (the constants of unused practices follow from that share: a sensitivity parameter, not a measurement),
then tilted back to the file's practice shares (``target_law``), which the mixing alone would move. The dealers' and
hire services' reach the chains are built with is that of the no-till area share the fitted chains imply
(``sim.behaviour.start``).
Initial adopters are then drawn where adopting is most likely: each bundle of the file gets exactly its count of
farms, chosen without replacement with probability proportional to pi_i(bundle) (Gumbel keys), largest bundles first.
Each farm's past is then drawn from its own chain run backwards from its bundle (the time-reversed stationary chain,
``region_chain_histories``): its bundles of the ``ESTABLISHED_SEASONS`` years before the start, which give its
practices' seasons in use and its soil's state (``sim.soil.build_soil``), so both are those of the chain's steady
state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.behaviour.trial import REVIEWED_SEASONS, review_terms, user_exit
from sim.behaviour.valuation import (
    COMPLEMENT_MARGIN_PER_HA,
    N_TERMS,
    bundle_utility,
    extra_utility,
    gross_and_margin,
    move_cost_table,
    practice_terms,
    tabulated_move_value,
)
from sim.practices import ALL_MASKS, FULL_CA_BY_MASK, N_PRACTICES, NO_TILL, USES_BY_MASK
from sim.yields import soc_yield_potential

#: Farms per region the constants are fitted on (evenly spaced; farms are drawn independently, so a sample of this
#: size gets the region's mean stationary shares to about 0.5 percentage point, then polished on more farms:
#: ``sim.behaviour.start.POLISH_SAMPLE``).
FIT_SAMPLE = 400
#: Farms per region of the first pass (practices in use mature), and the tolerance it stops at. That pass only gives
#: the second its first guess and the exit hazards of the stationary ages (through the ramp shortfall they leave), so
#: it need not resolve shares finer than its own sample's error (about 1 pp at 100 farms). Measured on the
#: sensitivity scenario at 1,000 farmers (40 Sobol draws, 120 regions of about 333 farms), in steps on 333 farms:
#: both passes on all farms at 1e-3, 9.8 + 1.0 steps a region; the first on every fourth farm at 1e-3, 3e-3 and
#: 1e-2: 2.6 + 3.7, 2.2 + 3.9 and 1.9 + 4.3 steps (the second pass starts further from its fit, but its steps
#: start close, where they gain most).
FIRST_SAMPLE = 100
FIRST_TOLERANCE = 1e-2
#: The moment tolerance that stops the iterations: 0.1 percentage point, a fifth of ``FIT_SAMPLE``'s own sampling
#: error, and the largest fit error a run passes without a warning (``cli.runs.FIT_ERROR_WARNING``). Newton gains
#: about a factor 3 a step near the fit (its Jacobian is exact only without switching costs), so the former 1e-4 cost
#: 2-3 more steps a fit, and the cycles described at ``STALL_ITERATIONS`` mostly sit between 1e-4 and 1e-3, where
#: 30 % of fits then ran until the stall rule: a precision nothing resolves, since a region of 333 farms (1,000
#: farmers, three regions) starts with shares whose five-year change varies between runs by about 2 pp
#: (``tests/test_behaviour.py``). Measured on the base scenario at 20,000 farmers (12 seeds): the largest mean
#: five-year change of a share 1.01 pp (1.00 with 1e-4), of an area share 1.07 pp (1.01); at 1,000 farmers 1.06 pp
#: (1.22) and 2.2 pp (1.5: area shares of 333 farms with lognormal sizes vary much between seeds).
TOLERANCE = 1e-3
#: Iterations without getting closer to the target that also stop them (the closest iterate is kept). A farm's best
#: move switches between a practice alone and a complement pair at a threshold of the constants, so the mean moments
#: jump there and Newton can circle such a jump for good: measured on the sensitivity scenario at 1,000 farmers (40
#: Sobol draws, 120 regions), such cycles alternate between two or three gaps (e.g. 3e-4 and 8e-4) and the best gap
#: never improved once the cycle began, so more than a few iterations without progress only repeat the cycle.
STALL_ITERATIONS = 4
#: Iterations at most. Measured as for ``STALL_ITERATIONS``: the first pass (100 farms, from zero constants) took 5.4
#: iterations on average, at most 9; the second (333 farms, from the first's constants) 3.9, at most 15, and 1 fit in
#: 120 ended above ``TOLERANCE`` (1.1e-3).
MAX_ITERATIONS = 30
#: Largest change of a constant in one iteration, in noise scales (the sample's mean conventional scale): a step of
#: Newton's approximate Jacobian is trusted that far. Fitted constants are up to 10-12 noise scales from zero (the
#: base scenario's Latin America), so a first pass from zero constants took 7.6 iterations on average with 2 (at most
#: 15), 5.2 with 4 (at most 8), 5.0 with 6, where 3 % of first passes overshot a threshold of the moments and missed
#: their tolerance (measured as for ``FIRST_SAMPLE`` on every third farm); the second pass is unaffected (3.8-4.1).
STEP_SCALES = 4.0
#: Constants are kept within this multiple of the region's mean margin (a fit that needs more says the initial
#: shares cannot be sustained by the modelled economics and constraints).
CONSTANT_BOUND = 5.0
#: Seasons counted as "established" for practices in use (longer than any ramp), the cap of drawn ages, and the years
#: of each farm's past drawn at the start (longer than any soil transition: IPCC D = 20 by default).
ESTABLISHED_SEASONS = 60


@dataclass(frozen=True)
class ChainInputs:
    """Per-farm inputs of the chains of m farms of one region (arrays indexed by row, money per ha unless noted)."""

    gain: np.ndarray  # (m, 16, P, P, 2) move gain from each state ([b, p, p] p alone, [b, p, q] p and q; no
    #                   constants) and the inverse of its logit's effective noise scale ([..., 1], ``inverse_scales``)
    feasible: np.ndarray  # (m, 16, P, P) bool
    scale: np.ndarray  # (m, 16) logit noise scale s in each state (s = noise share x the state's margin)
    margin: np.ndarray  # (m,) conventional gross margin W
    available: np.ndarray  # (P,) bool
    gross: np.ndarray  # (m, 16) gross G in each state (a drop's gain per unit of belief about the practice)
    others: np.ndarray  # (m, P) float32 yearly evidence from others (the know-how of a trial's review)
    review: np.ndarray  # (P, 1 + 2T) the region's ``sim.behaviour.trial.review_table``
    constants: np.ndarray  # (5,) and its learning constants

    @classmethod
    def of(cls, tables: np.ndarray, feasible: np.ndarray, scale: np.ndarray, margin: np.ndarray,
           available: np.ndarray, trial: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
           ) -> ChainInputs:
        """The inputs of gains and variances ``tables`` (variances replaced in place; ``move_tables`` gives scales).

        ``trial``: (gross, others, review, constants) of the trial review; None: no practice is reviewed.
        """
        tables[..., 1] = inverse_scales(scale[:, :, None, None], tables[..., 1])
        return cls(tables, feasible, scale, margin, available, *(no_review(*tables.shape[:3]) if trial is None else trial))

    def farms(self, rows: np.ndarray) -> ChainInputs:
        """The inputs of the farms at positions ``rows`` (c,) only (copies; the region's fields as they are)."""
        return ChainInputs(self.gain[rows], self.feasible[rows], self.scale[rows], self.margin[rows], self.available,
                           self.gross[rows], self.others[rows], self.review, self.constants)


def no_review(m: int, n_states: int, n_practices: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``ChainInputs``' trial fields of m farms whose practices are never reviewed (no trial seasons)."""
    return (np.zeros((m, n_states)), np.zeros((m, n_practices), np.float32), np.zeros((n_practices, 1)),
            np.array([1.0, 0.0, 1.0, 1.0, 0.0]))


def inverse_scales(scale: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """1 / the effective noise scale of a move whose gain has this variance from belief fluctuations.

    The logit averaged over them, by the probit approximation: E[1 / (1 + exp(-(g + e) / s))] ~ 1 / (1 + exp(-g /
    sqrt(s^2 + pi v / 8))). Computed once per set of tables, not at each Newton iteration (a square root and a
    division per move: a tenth of a chain's cost).
    """
    return 1.0 / np.sqrt(scale * scale + np.pi * variance / 8.0)


def move_tables(rows, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money, area_ha,
                residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, extra, spread,
                scale):
    """``move_value`` of every one- and two-practice change from every state, for farms ``rows`` (one region).

    Returns the ``ChainInputs.gain`` (m, 16, P, P, 2) of the moves: each move's gain and the inverse of its logit's
    effective noise scale (``inverse_scales`` of the state's noise scale ``scale`` (m, 16) and the move's variance,
    computed as the move is valued: a pass over the tables less), and ``feasible`` (m, 16, P, P).

    ``gross`` and ``margin`` (m, 16) are each farm's G and W in each state (at that state's soil equilibrium).
    Practices in use have been in use ``years_mature`` seasons, which ``shortfall`` (its last row) may value at the
    expected remaining shortfall of the stationary age distribution; ``extra`` (n, P) holds each farm's additive
    utility terms other than the region's constants (heterogeneity, conformity); no incentives. ``belief_mean``,
    ``belief_precision`` and ``spread`` (n, 2, P): each farmer's stationary belief about each practice, its
    precision and the sd of its mean, without ([:, 0]) and with ([:, 1]) the evidence of its own fields; in state b a
    farm holds the second about the practices of b and the first about the others, and values every move with them.
    A move's gain varies with the beliefs about the practices it changes by G (1 - S_p(t)) x (belief - mean) each.
    """
    m = rows.size
    gain = np.empty((m, ALL_MASKS.size, N_PRACTICES, N_PRACTICES, 2))
    feasible = np.empty((m, ALL_MASKS.size, N_PRACTICES, N_PRACTICES), np.bool_)
    fill_move_tables(rows, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money,
                     area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                     effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, extra,
                     spread, scale, gain, feasible)
    return gain, feasible


@njit(cache=True, parallel=True)
def fill_move_tables(rows, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money,
                     area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                     effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, extra,
                     spread, scale, gain, feasible):  # pragma: no cover - compiled
    """``gain`` (m, 16, P, P, 2) and ``feasible`` (m, 16, P, P) of ``move_tables``."""
    no_incentives, no_pairs = np.zeros(gain.shape[1]), np.zeros((gain.shape[2], gain.shape[2]))
    costs = move_cost_table(np.array([annuity]), transition_cost, exit_cost_share)[0]
    for r in prange(rows.size):
        years, table, term, mean, precision, sd = move_scratch(gain.shape[1], gain.shape[2])
        fill_farm_moves(np.uint64(r), rows[r], years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor,
                        money, area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall,
                        cost_change, effect_initial, transition_cost, synergy, no_till_extra, contractor_fee,
                        costs, extra, spread, scale, gain, feasible, years, table, term, mean, precision, sd,
                        no_incentives, no_pairs)


@njit(cache=True)
def move_scratch(n_states, n_practices):  # pragma: no cover - compiled
    """Work arrays of ``fill_farm_moves``: years (P,) int16, table (2 x 16,), term (``N_TERMS``,), mean, precision, sd."""
    return (np.zeros(n_practices, np.int16), np.empty(2 * n_states), np.empty(N_TERMS), np.empty(n_practices),
            np.empty(n_practices), np.empty(n_practices))


@njit(cache=True)
def fill_farm_moves(r, i, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money,
                    area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                    effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, costs, extra,
                    spread, scale, gain, feasible, years, table, term, mean, precision, sd, no_incentives, no_pairs
                    ):  # pragma: no cover - compiled
    """Row ``r`` of ``gain`` and ``feasible`` (``move_tables``): the moves of farm ``i``.

    ``r`` is uint64, the type Numba's parallel pass gives the ``prange`` index of ``fill_move_tables``: every caller
    casts it (``np.uint64``), so this kernel compiles once, not also for that loop's int64 index before the pass and
    for a literal 0 (``farm_chain``).

    ``gross``, ``margin`` and ``scale`` are read at row ``r`` (m, 16), the farm's own arrays at ``i``. Work arrays
    (``move_scratch``): ``years``, ``table``, ``term``, ``mean``, ``precision``, ``sd``, each written before it is
    read; ``no_incentives`` (16,) and ``no_pairs`` (P, P) zeros. ``costs``: the region's (4, 2^P)
    ``move_cost_table`` (the moves' costs looked up, as the decision kernel does, rather than summed again for each
    of a farm's 160 moves: the same sums, 40 % of the tables' time).

    In each state b the farm's utility terms are computed once (``practice_terms``) and its ``table`` holds only the
    bundles its moves read: b and the P(P + 1)/2 bundles one or two changes away (11 of 16 at P = 4, each by
    ``bundle_utility`` as ``fill_utility_row`` tabulates it, so with the same bits). Tabulating all 16 took a sixth
    of the tables' time more (measured on a Sobol batch's regions of 100-350 farms: 4.9 against 4.2 us a farm).
    """
    n_states, n_practices = gain.shape[1], gain.shape[2]
    for b in range(n_states):
        for q in range(n_practices):
            used = (b >> q) & 1
            years[q] = years_mature if used else 0
            mean[q], precision[q], sd[q] = belief_mean[i, used, q], belief_precision[i, used, q], spread[i, used, q]
        full = years_mature if FULL_CA_BY_MASK[b] else 0
        hired = hires[i] and (b >> NO_TILL) & 1 == 1
        synergy_term = practice_terms(term, years, full, gross[r, b], margin[r, b], mean, precision, risk_aversion,
                                      shortfall, synergy_shortfall, cost_change, effect_initial, synergy,
                                      residue_value[i], no_till_extra, extra[i], no_pairs)
        bundle_utility(table, b, term, synergy_term, margin[r, b], no_incentives, no_incentives, False, annuity,
                       risk_aversion, contractor_fee)
        for p in range(n_practices):
            for q in range(p, n_practices):  # changing p and q is changing q and p
                target = b ^ (1 << p) if q == p else b ^ (1 << p) ^ (1 << q)
                bundle_utility(table, target, term, synergy_term, margin[r, b], no_incentives, no_incentives, False,
                               annuity, risk_aversion, contractor_fee)  # every move reaches its own bundle
                value, ok, _ = tabulated_move_value(b, target, hired, money[i], table, area_ha[i], dealer[i],
                                                    contractor[i], transition_cost, costs)
                variance = 0.0
                for c in range(n_practices):
                    if (b ^ target) >> c & 1:
                        ramp_left = shortfall[0, c] if not (b >> c) & 1 else 0.0
                        variance += (gross[r, b] * (1.0 - ramp_left) * sd[c]) ** 2
                gain[r, b, p, q, 0] = gain[r, b, q, p, 0] = value
                # ``inverse_scales``, operation for operation (bit for bit)
                inverse = 1.0 / np.sqrt(scale[r, b] * scale[r, b] + np.pi * variance / 8.0)
                gain[r, b, p, q, 1] = gain[r, b, q, p, 1] = inverse
                feasible[r, b, p, q] = feasible[r, b, q, p] = ok


def year_matrix(gain: np.ndarray, feasible: np.ndarray, scale: np.ndarray, constants: np.ndarray, pairs: np.ndarray,
                available: np.ndarray, rate: float,
                trial: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """One farm's yearly transition matrix (16, 16).

    Each practice is reconsidered in order with probability ``rate``, making its best feasible change (alone, or with
    a complement) with its logit probability. ``gain`` (16, P, P, 2): each move's gain and, last, its variance from
    belief fluctuations, over which the logit is averaged (``inverse_scales``); ``scale`` (16,) the logit noise scale
    in each state. ``trial``: the farm's (gross (16,), others (P,) float32) and its region's (review, constants) of
    ``ChainInputs`` (None: no trial review).
    """
    tables = np.stack([gain[..., 0], inverse_scales(scale[:, None, None], gain[..., 1])], axis=-1)[None]
    gross, others, review, learnt = no_review(1, *gain.shape[:2]) if trial is None else (
        trial[0][None], trial[1][None], trial[2], trial[3])
    return year_matrix_transposed(tables, feasible[None], combination_levels(constants, pairs), available, rate,
                                  review, learnt, gross, others).T.copy()


@njit(cache=True)
def combination_levels(constants, pairs):  # pragma: no cover - compiled
    """(16,) the constants' part of the utility of each combination (``extra_utility``), the same for every farm."""
    level = np.empty(1 << constants.shape[0])
    for b in range(level.size):
        level[b] = extra_utility(b, constants, pairs)
    return level


@njit(cache=True)
def year_matrix_transposed(tables, feasible, level, available, rate, review, constants, gross, others
                           ):  # pragma: no cover - compiled
    """``year_matrix`` transposed (16, 16) of the one farm of ``tables`` (1, 16, P, P, 2) and ``feasible``.

    ``gross`` (1, 16) and ``others`` (1, P) float32: the farm's; ``review`` and ``constants``: its region's.
    """
    moved, alone, move, goes, state, weight, terms = matrix_scratch(tables.shape[1], tables.shape[2], review.shape[1])
    fill_year_matrix(tables, np.int64(0), feasible, level, available, rate, review, constants, gross[0], others[0],
                     alone, move, goes, state, weight, terms, moved)
    return moved


@njit(cache=True)
def matrix_scratch(n_states, n_practices, width):  # pragma: no cover - compiled
    """Work arrays of ``fill_year_matrix``: the matrix (16, 16), then alone, move, goes, state, weight and terms.

    ``width``: that of the review table's rows (1 + 2T), which ``terms`` has. Allocated once per block of farms: a
    chain's own allocations cost a tenth of it.
    """
    return (np.empty((n_states, n_states)), np.empty((n_states, n_practices)), np.empty((n_practices, n_states)),
            np.empty((n_practices, n_states), np.int64), np.empty(1 << n_practices, np.int64),
            np.empty(1 << n_practices), np.empty(width))


@njit(cache=True)
def fill_year_matrix(tables, r, feasible, level, available, rate, review, constants, gross, others, alone, move, goes,
                     state, weight, terms, total):  # pragma: no cover - compiled
    """``total`` (16, 16): farm ``r``'s year matrix transposed, entry [b, a] the probability of a -> b.

    ``r`` is int64: callers with a constant row pass ``np.int64(0)``, not ``0`` (Numba would compile this kernel once
    more for the literal). Likewise, sizes passed to the work arrays' kernels are read from arrays, not a constant.

    From the gain ``tables[r, ..., 0]`` (16, P, P) and inverse noise scale ``tables[r, ..., 1]`` of each move (as in
    ``ChainInputs.gain``), ``feasible[r]`` and the ``level`` (16,) of each combination (the region's constants).

    Each practice's step moves state b to one target with probability m_pb (else it stays), so a year started in
    state a reaches at most 2^P states: they are followed path by path (P branchings of at most 16 paths) rather than
    by multiplying P matrices of 16 x 16. Work arrays (``matrix_scratch``): ``alone`` (16, P) the gain of changing
    each practice alone from each state, ``move`` and ``goes`` (P, 16) the probability of each practice's change from
    each state and the state it leads to, ``state`` and ``weight`` (2^P,) the paths, ``terms`` (1 + 2T,) a reviewed
    practice's ``review_terms``.

    A practice in use that is reviewed as a trial in its first seasons (``review`` (P, 1 + 2T) and ``constants``
    (5,): the region's ``sim.behaviour.trial.review_table``; ``others`` (P,) float32 the farm's yearly evidence from
    others, which gives its know-how) is dropped with the exit probability averaged over its users' stationary ages
    (``sim.behaviour.trial.user_exit``), its belief in the trial seasons read at face value lowering it by ``gross``
    (16,) (G in each state) per unit: the state does not hold ages, so a user's trial seasons enter through the
    hazard, and the chain's share in use is that of the age-dependent hazard. The farm's review of a practice does not
    depend on the state or the constants: its ``review_terms`` are computed once per practice, not in each of the
    states that use it (the same numbers; on a Sobol batch's chains a farm's matrix took 2.6-2.9 us, now 2.45).
    """
    n_states, n_practices = tables.shape[1], tables.shape[2]
    for b in range(n_states):
        for p in range(n_practices):
            alone[b, p] = tables[r, b, p, p, 0] + level[b ^ (1 << p)] - level[b]
    for p in range(n_practices):
        bit = 1 << p
        reviewed = available[p] and review[p, REVIEWED_SEASONS] > 0.0
        if reviewed:
            review_terms(rate, others[p], review[p], constants, terms)
        for b in range(n_states):
            if not available[p]:  # a practice that does not exist here is never in use
                goes[p, b] = b & ~bit
                move[p, b] = 1.0
                continue
            best, target, inverse = (alone[b, p], b ^ bit, tables[r, b, p, p, 1]) if feasible[r, b, p, p] else (
                -np.inf, b, 0.0)
            for q in range(n_practices):
                if q == p or not available[q]:
                    continue
                both_to = b ^ bit ^ (1 << q)
                both = tables[r, b, p, q, 0] + level[both_to] - level[b]
                if feasible[r, b, p, q] and both > alone[b, p] + alone[b, q] + COMPLEMENT_MARGIN_PER_HA and both > best:
                    best, target, inverse = both, both_to, tables[r, b, p, q, 1]
            goes[p, b] = target
            if best == -np.inf:
                move[p, b] = 0.0
            elif (b >> p) & 1 and reviewed:
                move[p, b] = user_exit(rate, best, inverse, gross[b], review[p], terms)
            else:
                move[p, b] = rate / (1.0 + np.exp(-best * inverse))
    total[:, :] = 0.0
    for a in range(n_states):
        paths = 1
        state[0], weight[0] = a, 1.0
        for p in range(n_practices):
            for j in range(paths):
                b = state[j]
                m = move[p, b]
                if goes[p, b] == b or m == 0.0:
                    continue
                if m == 1.0:
                    state[j] = goes[p, b]
                    continue
                state[paths], weight[paths] = goes[p, b], weight[j] * m
                weight[j] *= 1.0 - m
                paths += 1
        for j in range(paths):
            total[state[j], a] += weight[j]


@njit(cache=True)
def stationary_law(matrix):  # pragma: no cover - compiled
    """Pi (pi T = pi, sum 1) of a transition matrix (16, 16) (``stationary_law_transposed``)."""
    return stationary_law_transposed(matrix.T.copy())


@njit(cache=True)
def stationary_law_transposed(transposed):  # pragma: no cover - compiled
    """Pi (pi T = pi, sum 1) from T transposed (``solve_stationary``)."""
    n = transposed.shape[0]
    solution = np.empty(n)
    solve_stationary(transposed, np.empty((n, n)), np.empty(n), solution)
    return solution


#: States of a farm's chain: the width of every row of its elimination (a constant, so rows are whole vectors).
N_STATES = 1 << N_PRACTICES


@njit(cache=True)
def solve_stationary(transposed, system, flow, solution):  # pragma: no cover - compiled
    """``solution`` (16,): pi (pi T = pi, sum 1) from T transposed; ``system`` (16, 16) and ``flow`` (16,): work arrays.

    The balance equations with the last replaced by the normalisation, solved in place by Gaussian elimination with
    partial pivoting (a 16 x 16 system: a library call's set-up costs more than the elimination). A chain with one
    closed class has exactly one solution (transient states get 0). Should the system be singular (more than one
    closed class: a farm that can never leave any of several states), the least-squares solution of the stacked
    system is used instead.
    Rows are swapped and reduced whole (``N_STATES`` wide): the entries left of the pivot column are never read
    again, and each entry right of it goes through the same operations, so the law is the same to the last bit.
    Every array must be ``N_STATES`` wide (a farm's chain): the rows are read at that width without bounds checks, so
    a smaller chain is refused rather than read past its end.
    """
    n = transposed.shape[0]
    if n != N_STATES or transposed.shape[1] != N_STATES or system.shape[1] != N_STATES or solution.size != N_STATES:
        raise ValueError("solve_stationary: a farm's chain has N_STATES = 2^P states")
    for i in range(n):
        for j in range(n):
            system[i, j] = transposed[i, j] - (1.0 if i == j else 0.0)
    system[n - 1, :] = 1.0
    solution[:] = 0.0
    solution[n - 1] = 1.0
    singular = False
    for k in range(n):
        pivot, largest = k, abs(system[k, k])
        for i in range(k + 1, n):
            if abs(system[i, k]) > largest:
                pivot, largest = i, abs(system[i, k])
        if not largest > 0.0:  # a nearly singular system fails the residual check below
            singular = True
            break
        if pivot != k:
            for j in range(N_STATES):
                system[k, j], system[pivot, j] = system[pivot, j], system[k, j]
            solution[k], solution[pivot] = solution[pivot], solution[k]
        pivot_row = system[k]
        for i in range(k + 1, n):
            factor = system[i, k] / system[k, k]
            if factor != 0.0:
                row = system[i]
                for j in range(N_STATES):
                    row[j] -= factor * pivot_row[j] if j > k else 0.0
                solution[i] -= factor * solution[k]
    if not singular:
        for k in range(n - 1, -1, -1):
            value = solution[k]
            for j in range(k + 1, n):
                value -= system[k, j] * solution[j]
            solution[k] = value / system[k, k]
        flow[:] = 0.0  # T^T pi, each entry summed over a in order (the states' sums side by side)
        for a in range(n):
            for b in range(n):
                flow[b] += transposed[b, a] * solution[a]
        residual = 0.0
        for b in range(n):
            residual = max(residual, abs(flow[b] - solution[b]))
        singular = not residual <= 1e-9
    if singular:
        stacked = np.empty((n + 1, n))
        stacked[:n, :] = transposed - np.eye(n)
        stacked[n, :] = 1.0
        full_rhs = np.zeros(n + 1)
        full_rhs[n] = 1.0
        solution[:] = np.linalg.lstsq(stacked, full_rhs)[0]
    total = 0.0
    for b in range(n):
        solution[b] = np.maximum(solution[b], 0.0)
        total += solution[b]
    for b in range(n):
        solution[b] /= total


def stationary_laws(inputs: ChainInputs, constants: np.ndarray, pairs: np.ndarray, rate: float,
                    out: np.ndarray, matrices: np.ndarray | None = None, hazards: bool = True) -> np.ndarray | None:
    """Stationary law (m, 16) of each farm's chain with these constants (P,) and ``pairs`` (P, P), written to ``out``.

    Returns each farm's yearly exit hazards at stationarity, (m, P + 1): P(drop p in a year | p in use) and, last,
    P(leave full CA in a year | in full CA). Given ``matrices`` (m, 16, 16), each farm's year matrix (transposed) is
    kept there instead and None returned: ``exit_hazards`` gives the hazards of the laws and matrices wanted (a
    Newton fit needs those of its closest iterate only). Without ``hazards``, None: the laws only.
    """
    levels = combination_levels(constants, pairs)
    m = inputs.gain.shape[0]
    kept = np.empty((0, ALL_MASKS.size, ALL_MASKS.size)) if matrices is None else matrices
    returned = matrices is None and hazards
    hazard = np.empty((m if returned else 0, N_PRACTICES + 1))
    chain_laws(inputs.gain, inputs.feasible, levels, inputs.available, rate, inputs.review, inputs.constants,
               inputs.gross, inputs.others, out, kept, hazard)
    return hazard if returned else None


#: Farms per block of ``chain_laws`` (each block allocates its work arrays once).
CHAIN_BLOCK = 64


@njit(cache=True, parallel=True)
def chain_laws(tables, feasible, level, available, rate, review, constants, gross, others, out, matrices, hazard
               ):  # pragma: no cover - compiled
    """``stationary_laws`` of the chains of ``ChainInputs.gain`` ``tables`` and the combinations' ``level`` (16,).

    ``review``, ``constants``, ``gross`` (m, 16) and ``others`` (m, P): the trial review (``ChainInputs``).
    ``matrices`` (m, 16, 16) keeps each farm's year matrix transposed, or is empty (0, 16, 16); ``hazard``
    (m, P + 1) receives the exit hazards (``fill_exit_hazards``), or is empty (0, P + 1).
    """
    m, n_states, n_practices = tables.shape[0], tables.shape[1], tables.shape[2]
    keep, hazards = matrices.shape[0] > 0, hazard.shape[0] > 0
    for block in prange((m + CHAIN_BLOCK - 1) // CHAIN_BLOCK):
        scratch, alone, move, goes, state, weight, terms = matrix_scratch(n_states, n_practices, review.shape[1])
        system, flow = np.empty((n_states, n_states)), np.empty(n_states)
        for r in range(block * CHAIN_BLOCK, min(m, (block + 1) * CHAIN_BLOCK)):
            moved = matrices[r] if keep else scratch
            fill_year_matrix(tables, r, feasible, level, available, rate, review, constants, gross[r], others[r],
                             alone, move, goes, state, weight, terms, moved)
            solve_stationary(moved, system, flow, out[r])
            if hazards:
                fill_exit_hazards(out[r], moved, hazard[r])


@njit(cache=True)
def chain_scratch(n_states, n_practices, width):  # pragma: no cover - compiled
    """Work arrays of ``farm_chain`` for one farm at a time (allocated once per block of farms).

    (gross, margin, scale (1, 16), gain (1, 16, P, P, 2), feasible, ``move_scratch``'s, ``matrix_scratch``'s but its
    terms (its matrix the farm's year matrix transposed), system (16, 16), flow (16,), law (16,), no incentives, no
    pairs, then ``matrix_scratch``'s terms: ``width`` that of the review table's rows).
    """
    years, table, term, mean, precision, sd = move_scratch(n_states, n_practices)
    moved, alone, move, goes, state, weight, reviewing = matrix_scratch(n_states, n_practices, width)
    return (np.empty((1, n_states)), np.empty((1, n_states)), np.empty((1, n_states)),
            np.empty((1, n_states, n_practices, n_practices, 2)),
            np.empty((1, n_states, n_practices, n_practices), np.bool_), years, table, term, mean, precision, sd,
            moved, alone, move, goes, state, weight, np.empty((n_states, n_states)), np.empty(n_states),
            np.empty(n_states), np.zeros(n_states), np.zeros((n_practices, n_practices)), reviewing)


@njit(cache=True)
def chain_terms(belief_mean, belief_precision, dealer, contractor, money, area_ha, residue_value, hires, annuity,
                risk_aversion, shortfall, synergy_shortfall, cost_change, effect_initial, transition_cost, synergy,
                no_till_extra, contractor_fee, exit_cost_share, extra, spread):  # pragma: no cover - compiled
    """``farm_chain``'s ``terms``: these arguments, the exit cost share replaced by the region's move costs.

    ``move_cost_table`` (4, 2^P), looked up by each move as the decision kernel does (``fill_farm_moves``).
    """
    costs = move_cost_table(np.array([annuity]), transition_cost, exit_cost_share)[0]
    return (belief_mean, belief_precision, dealer, contractor, money, area_ha, residue_value, hires, annuity,
            risk_aversion, shortfall, synergy_shortfall, cost_change, effect_initial, transition_cost, synergy,
            no_till_extra, contractor_fee, costs, extra, spread)


@njit(cache=True)
def farm_chain(i, years_mature, base_yield, crop_price, production_cost, soil_table, response, low, high, plateau,
               noise_share, terms, level, available, rate, review, constants, others, work
               ):  # pragma: no cover - compiled
    """Farm ``i``'s year matrix (transposed, ``work[11]``) and stationary law (``work[19]``) (``region_chain_laws``).

    ``terms``: the per-farm and per-region arguments of ``fill_farm_moves`` from ``belief_mean`` to ``spread`` (the
    region's ``move_cost_table`` in place of its exit cost share: ``chain_terms``); ``review``, ``constants`` and
    ``others`` (n, P) float32, per farm: the trial review (``ChainInputs``);
    ``work``: ``chain_scratch``. The one body of ``region_chain_laws`` and ``region_chain_histories``, so the laws
    and matrices of both are the same to the last bit.
    """
    (gross, margin, scale, gain, feasible, years, table, term, mean, precision, sd, moved, alone, move, goes, state,
     weight, system, flow, law, no_incentives, no_pairs, review_work) = work
    (belief_mean, belief_precision, dealer, contractor, money, area_ha, residue_value, hires, annuity, risk_aversion,
     shortfall, synergy_shortfall, cost_change, effect_initial, transition_cost, synergy, no_till_extra,
     contractor_fee, costs, extra, spread) = terms
    for b in range(level.size):
        potential = soc_yield_potential(soil_table[b], base_yield[i], response, low, high, plateau)
        gross[0, b], margin[0, b] = gross_and_margin(potential, crop_price[i], production_cost[i])
        scale[0, b] = noise_share * margin[0, b]
    fill_farm_moves(np.uint64(0), i, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money,
                    area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                    effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, costs, extra,
                    spread, scale, gain, feasible, years, table, term, mean, precision, sd, no_incentives, no_pairs)
    fill_year_matrix(gain, np.int64(0), feasible, level, available, rate, review, constants, gross[0], others[i],
                     alone, move, goes, state, weight, review_work, moved)
    solve_stationary(moved, system, flow, law)


@njit(cache=True, parallel=True)
def region_chain_laws(rows, years_mature, base_yield, crop_price, production_cost, soil_table, response, low, high,
                      plateau, noise_share, belief_mean, belief_precision, dealer, contractor, money, area_ha,
                      residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                      effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, extra,
                      spread, level, available, rate, review, constants, others, masks, laws, starts, uniforms,
                      pasts):  # pragma: no cover - compiled
    """Each farm's stationary law at the bundles ``masks`` (K,), of farms ``rows`` (m,) of one region, and its pasts.

    What ``move_tables`` then ``chain_laws`` give, farm by farm, the same to the last bit (the same compiled functions
    on the same numbers), without their (m, 16, P, P, 2) tables: a farm's moves are valued and its chain solved at
    once (``farm_chain``; the tables of a chunk of farms went to memory and back, and each chunk's state values were
    computed serially). Each state's gross G and margin W (currency/ha) come from the yield potential
    ``soc_yield_potential(soil_table[b], base_yield, response, low, high, plateau)`` at that state's soil equilibrium
    (``soil_table`` (16,) t C/ha) and ``gross_and_margin``, its logit noise scale is ``noise_share`` x W. ``laws``
    (m, K) receives the law at ``masks``; the rest as for ``move_tables`` (per farm: indexed by ``rows``) and
    ``chain_laws`` (``level`` (16,) of the region's constants).

    The farm's bundle is not known yet (it is drawn from every farm's laws), so its past is drawn, with the chain at
    hand, from each bundle it may get: ``pasts[r, c]`` (m, C, H) uint8 receives ``sample_past`` from ``starts[c]``
    (C,) with the farm's ``uniforms[r]`` (m, H); the one from the bundle it gets is the one ``region_chain_histories``
    draws (the same chain and uniforms), without building the chain again (``pick_pasts``). C = 0: laws only
    (``uniforms`` is then not read).
    """
    m, n_states, n_practices = rows.size, level.size, belief_mean.shape[2]  # not the literal N_PRACTICES (fill_year_matrix)
    terms = chain_terms(belief_mean, belief_precision, dealer, contractor, money, area_ha, residue_value, hires,
                        annuity, risk_aversion, shortfall, synergy_shortfall, cost_change, effect_initial,
                        transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, extra, spread)
    for block in prange((m + CHAIN_BLOCK - 1) // CHAIN_BLOCK):
        work = chain_scratch(n_states, n_practices, review.shape[1])
        moved, law = work[11], work[19]
        weights, totals = np.empty((n_states, n_states)), np.empty(n_states)
        for r in range(block * CHAIN_BLOCK, min(m, (block + 1) * CHAIN_BLOCK)):
            farm_chain(rows[r], years_mature, base_yield, crop_price, production_cost, soil_table, response, low,
                       high, plateau, noise_share, terms, level, available, rate, review, constants, others, work)
            for k in range(masks.size):
                laws[r, k] = law[masks[k]]
            if starts.size > 0:
                reversed_weights(moved, law, weights, totals)  # ``sample_past`` from each start, its weights once
            for c in range(starts.size):
                walk_back(weights, totals, starts[c], uniforms[r], pasts[r, c])


@njit(cache=True, parallel=True)
def pick_pasts(current, starts, pasts, history, ages):  # pragma: no cover - compiled
    """``history`` (m, H) and ``ages`` (m, P) of farms whose pasts were drawn from each of ``starts`` (C,).

    ``pasts`` (m, C, H): as ``region_chain_laws`` draws them; each farm's is the one from its ``current`` bundle
    (m,), which must be among ``starts``; its ages in use follow from it (``ages_in_use``).
    """
    for r in prange(current.size):
        c = 0
        while starts[c] != current[r]:
            c += 1
        history[r, :] = pasts[r, c]
        ages_in_use(current[r], history[r], ages[r])


@njit(cache=True, parallel=True)
def region_chain_histories(rows, years_mature, base_yield, crop_price, production_cost, soil_table, response, low,
                           high, plateau, noise_share, belief_mean, belief_precision, dealer, contractor, money,
                           area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall,
                           cost_change, effect_initial, transition_cost, synergy, no_till_extra, contractor_fee,
                           exit_cost_share, extra, spread, level, available, rate, review, constants, others,
                           current, uniforms, history, ages):  # pragma: no cover - compiled
    """Each farm's past bundles and ages in use, drawn from its time-reversed stationary chain.

    The chain of each farm of ``rows`` (m,) is that of ``region_chain_laws`` with the same arguments (``farm_chain``),
    so its law is the one its bundle was drawn from. From the farm's ``current`` bundle (m,) its bundles of the H
    years before go to ``history`` (m, H) uint8, oldest first (``sample_past``, with ``uniforms`` (m, H) in [0, 1),
    the first for the year before the start); ``ages`` (m, P) int16 receives each practice's seasons in use
    (``ages_in_use``).
    """
    m, n_states, n_practices = rows.size, level.size, ages.shape[1]
    terms = chain_terms(belief_mean, belief_precision, dealer, contractor, money, area_ha, residue_value, hires,
                        annuity, risk_aversion, shortfall, synergy_shortfall, cost_change, effect_initial,
                        transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, extra, spread)
    for block in prange((m + CHAIN_BLOCK - 1) // CHAIN_BLOCK):
        work = chain_scratch(n_states, n_practices, review.shape[1])
        moved, law = work[11], work[19]
        weights, totals = np.empty((n_states, n_states)), np.empty(n_states)
        for r in range(block * CHAIN_BLOCK, min(m, (block + 1) * CHAIN_BLOCK)):
            farm_chain(rows[r], years_mature, base_yield, crop_price, production_cost, soil_table, response, low,
                       high, plateau, noise_share, terms, level, available, rate, review, constants, others, work)
            reversed_weights(moved, law, weights, totals)  # ``sample_past``, its work arrays once per block
            walk_back(weights, totals, current[r], uniforms[r], history[r])
            ages_in_use(current[r], history[r], ages[r])


@njit(cache=True, parallel=True)
def sample_pasts(matrices, laws, current, uniforms, history, ages):  # pragma: no cover - compiled
    """``region_chain_histories`` from chains at hand: year matrices transposed (m, 16, 16) and laws (m, 16)."""
    m, n_states = current.size, laws.shape[1]
    for block in prange((m + CHAIN_BLOCK - 1) // CHAIN_BLOCK):
        weights, totals = np.empty((n_states, n_states)), np.empty(n_states)
        for r in range(block * CHAIN_BLOCK, min(m, (block + 1) * CHAIN_BLOCK)):
            reversed_weights(matrices[r], laws[r], weights, totals)  # ``sample_past``, its work arrays once per block
            walk_back(weights, totals, current[r], uniforms[r], history[r])
            ages_in_use(current[r], history[r], ages[r])


@njit(cache=True)
def sample_past(moved, law, current, uniforms, history):  # pragma: no cover - compiled
    """``history`` (H,): the states of the H years before ``current``, oldest first, by the time-reversed chain.

    A stationary chain run backwards is the chain P*(i -> j) = pi_j P(j -> i) / pi_i (``law`` pi (16,), ``moved``
    the year matrix transposed: moved[i, j] = P(j -> i), so row i holds what P* needs from state i). Each year back
    the previous state is drawn by inverting its cumulative weights pi_j P(j -> i) with one of ``uniforms`` (H,)
    (the first for the year before the start), normalised by their sum (pi_i to rounding). A state the stationary
    chain never enters (no weight: pi_i = 0) has no past under the chain; the farm is kept in it. The weights are
    computed once (``reversed_weights``), then walked (``walk_back``).
    """
    n_states = law.size
    weights, totals = np.empty((n_states, n_states)), np.empty(n_states)
    reversed_weights(moved, law, weights, totals)
    walk_back(weights, totals, current, uniforms, history)


@njit(cache=True)
def reversed_weights(moved, law, weights, totals):  # pragma: no cover - compiled
    """``weights`` (16, 16): pi_j P(j -> i) at [i, j] (``sample_past``), and ``totals`` (16,) their sums over j.

    Each product and sum as a walk computed them year by year (the same operations in the same order, so the same
    bits), once per chain: a farm whose past is drawn from several bundles (``region_chain_laws``) walks them many
    times.
    """
    n_states = law.size
    for i in range(n_states):
        total = 0.0
        for j in range(n_states):
            weight = law[j] * moved[i, j]
            weights[i, j] = weight
            total += weight
        totals[i] = total


@njit(cache=True)
def walk_back(weights, totals, current, uniforms, history):  # pragma: no cover - compiled
    """``sample_past``'s walk from ``current`` with its ``reversed_weights`` ``weights`` and ``totals``."""
    n_states, span = totals.size, history.size
    i = current
    for back in range(span):
        total = totals[i]
        if total > 0.0:
            threshold, cumulative, chosen = uniforms[back] * total, 0.0, i
            for j in range(n_states):
                weight = weights[i, j]
                if weight > 0.0:
                    cumulative += weight
                    chosen = j
                    if threshold < cumulative:
                        break
            i = chosen
        history[span - 1 - back] = i


@njit(cache=True)
def ages_in_use(current, history, ages):  # pragma: no cover - compiled
    """``ages`` (P,): seasons each practice of ``current`` has been in use, this season included (0 if not in use).

    1 + the years before the start it was in use without a break (``history`` (H,), oldest first), at most
    ``ESTABLISHED_SEASONS``.
    """
    span = history.size
    for p in range(ages.size):
        age = 0
        if (current >> p) & 1:
            age = 1
            back = span - 1
            while back >= 0 and (history[back] >> p) & 1:
                age += 1
                back -= 1
        ages[p] = min(age, ESTABLISHED_SEASONS)


@njit(cache=True, parallel=True)
def exit_hazards(laws, matrices):  # pragma: no cover - compiled
    """(m, P + 1) the exit hazards (``fill_exit_hazards``) of farms' ``laws`` (m, 16) and year matrices.

    ``matrices`` (m, 16, 16): as ``chain_laws`` keeps them (transposed).
    """
    hazard = np.empty((laws.shape[0], N_PRACTICES + 1))
    for r in prange(laws.shape[0]):
        fill_exit_hazards(laws[r], matrices[r], hazard[r])
    return hazard


@njit(cache=True)
def fill_exit_hazards(law, moved, hazard):  # pragma: no cover - compiled
    """``hazard`` (P + 1,): one farm's yearly exit hazards at stationarity (``stationary_laws``).

    From its ``law`` (16,) and year matrix transposed ``moved`` (16, 16).
    """
    n_states, n_practices = law.shape[0], hazard.shape[0] - 1
    for p in range(n_practices):
        on, leaving = 0.0, 0.0
        for b in range(n_states):
            if (b >> p) & 1:
                on += law[b]
                for to in range(n_states):
                    if not (to >> p) & 1:
                        leaving += law[b] * moved[to, b]
        hazard[p] = leaving / on if on > 0 else 0.0
    on, leaving = 0.0, 0.0
    for b in range(n_states):
        if FULL_CA_BY_MASK[b]:
            on += law[b]
            for to in range(n_states):
                if not FULL_CA_BY_MASK[to]:
                    leaving += law[b] * moved[to, b]
    hazard[n_practices] = leaving / on if on > 0 else 0.0


def sufficient_statistics(parameters: list[tuple[int, int]]) -> np.ndarray:
    """(16, K): b_p (p = q) and b_p b_q of each combination for each (p, q) of ``parameters``.

    Laws (m, 16) @ this are the moments E[b_p] and E[b_p b_q] of each law.
    """
    uses = USES_BY_MASK.astype(np.float64)
    return np.stack([uses[:, p] * uses[:, q] for p, q in parameters], axis=1)


#: The largest change of the dealers' or hire services' reach, a share of farms (0.1 percentage point), between the
#: no-till area share a fit's supply is at and the one its chains imply, at which the start takes the supply to be at
#: its fixed point (``sim.behaviour.start.SUPPLY_ROUNDS``; ``Fit.supply_at_fixed_point``).
SUPPLY_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Fit:
    """The fitted constants of one region and the shares they give."""

    constants: np.ndarray  # (P,) alpha, currency/ha/yr
    pairs: np.ndarray  # (P, P) w, symmetric, currency/ha/yr
    target: np.ndarray  # (K,) target moments
    reached: np.ndarray  # (K,) the sample's mean stationary moments at the fit
    parameters: list[tuple[int, int]]
    bound: float  # largest |constant| allowed, currency/ha/yr (CONSTANT_BOUND x the sample's mean margin)
    #: the region's no-till area share at whose steady state the dealers' and hire services' reach in the chains is
    #: (``sim.behaviour.start``: the chains' own, a fixed point); NaN where the caller did not say
    supply_area_share: float = float("nan")
    #: the largest change of the dealers' or hire services' reach (a share of farms) from that area share to the one
    #: the chains imply at it: within ``SUPPLY_TOLERANCE`` at the fixed point, more where the
    #: search stopped short of it (``supply_at_fixed_point``); NaN where the caller did not say
    supply_gap: float = float("nan")

    @property
    def supply_at_fixed_point(self) -> bool:
        """Whether ``supply_gap`` is within ``SUPPLY_TOLERANCE`` (True where none was computed)."""
        return not self.supply_gap > SUPPLY_TOLERANCE

    @property
    def error(self) -> float:
        """Largest gap between a target moment and the fitted chain's (a share: 1e-3 = 0.1 percentage point)."""
        return float(np.max(np.abs(self.target - self.reached)))


#: Newton steps at most, and the largest gap between a practice share of the target law and the file's at which they
#: stop (``target_law``): the tilt has one or two parameters per practice in use and converges in a few steps.
TILT_ITERATIONS = 50
TILT_TOLERANCE = 1e-12
#: ... and the largest gap as a fraction of a share the file gives, so that a small share is held as closely as a
#: large one: the absolute gap alone let a share of 1e-12 come out 1.38e-12 (referee 32 m1). The chains are fitted
#: to the law only to ``TOLERANCE`` (0.1 pp), so a closer tilt changes no fit; and every share a region can give
#: (a count of at least one farm in at most 100 million) meets it where it meets ``TILT_TOLERANCE`` (1e-12 / 1e-8):
#: over 2,398 random such inputs (1-3 bundles, 10 to 10^8 farms, unused_share 1e-12 to 0.99) the tilt stops at the
#: same Newton step as with the absolute gap alone (at most 21 steps).
TILT_RELATIVE_TOLERANCE = 1e-3


def target_law(masks: np.ndarray, shares: np.ndarray, available: np.ndarray, unused_share: float) -> np.ndarray:
    """The target law over the 16 combinations: the smoothed law, tilted back to the file's practice shares.

    The file's shares (the rest conventional) mixed, with weight ``unused_share``, with a uniform law over the
    combinations of the region's practices, so that every combination has some mass (one nobody uses would otherwise
    need an infinite constant); then exponentially tilted, Q(c) ~ S(c) exp(sum_p lambda_p c_p), so that each
    practice's share is the file's where the file's is in (0, 1), and the smoothed law's where it is 0 or 1 (the
    practices nobody uses keep ``unused_share`` x the share of combinations with them): of the laws with these
    practice shares, the one closest to the smoothed law (least relative entropy). The mixing alone moved the shares by
    ``unused_share`` x (half minus the share): African no-till, 1 % in the file, was fitted at 1.2 %, and adoption
    drifted there from the file's 1 % (``sim.behaviour.start``). Co-adoption shares are not held to the file's: where
    the file has two practices only together (no-till with residues), matching them would again need infinite
    constants (measured: pair constants of 20 noise scales, fits stopped at their tolerance); they stay smoothed.

    Raises:
        RuntimeError: the tilt did not reach the shares within ``TILT_TOLERANCE`` and ``TILT_RELATIVE_TOLERANCE`` in
            ``TILT_ITERATIONS`` Newton steps (no share a region can give needs more than 21; a share of 1e-300 would).

    """
    law = np.zeros(ALL_MASKS.size)
    np.add.at(law, masks, shares)
    law[0] += 1.0 - shares.sum()
    possible = ~(USES_BY_MASK & ~available).any(axis=1)
    smoothed = (1.0 - unused_share) * law + unused_share * possible / possible.sum()
    uses = USES_BY_MASK.astype(np.float64)
    given = law @ uses
    wanted = np.where((given > 0.0) & (given < 1.0), given, smoothed @ uses)
    held = np.flatnonzero((wanted > 0.0) & (wanted < 1.0))
    if held.size == 0:
        return smoothed
    x = uses[:, held]
    # the file's shares, to a fraction of themselves; the smoothed shares of practices nobody uses to TILT_TOLERANCE
    scale = np.where((given[held] > 0.0) & (given[held] < 1.0), wanted[held], np.inf)
    tilt = np.zeros(held.size)
    for _ in range(TILT_ITERATIONS):
        log_weight = np.where(smoothed > 0.0, x @ tilt, -np.inf)
        weight = smoothed * np.exp(log_weight - log_weight.max())
        tilted = weight / weight.sum()
        mean = tilted @ x
        gap = wanted[held] - mean
        if np.max(np.abs(gap)) < TILT_TOLERANCE and (np.abs(gap) <= TILT_RELATIVE_TOLERANCE * scale).all():
            return tilted
        covariance = (x * tilted[:, None]).T @ x - np.outer(mean, mean)  # the Hessian of the convex dual
        tilt = tilt + np.linalg.solve(covariance, gap)
    raise RuntimeError(f"target_law: the tilt did not reach the file's practice shares in {TILT_ITERATIONS} Newton "
                       f"steps: shares {mean.tolist()} against {wanted[held].tolist()} (practices {held.tolist()}, "
                       f"unused_combination_share {unused_share:g})")


#: Farms up to which a fit keeps its latest iterate's year matrices (16 x 16 float64, 2 KB a farm) to compute exit
#: hazards once, for its closest iterate: the fit samples do; a polish on more farms (``POLISH_SAMPLE``) computes
#: them at every iteration instead, so the start's peak memory (``sim.footprint.BYTES_PER_CHAIN_FARM``, its chains
#: of up to 5,000 farms) grows by at most 0.8 MB (a region of at most this many farms, fitted on all of them).
MATRICES_KEPT_UP_TO = FIT_SAMPLE


def fit_constants(inputs: ChainInputs, rate: float, target: np.ndarray, start: Fit | None = None,
                  tolerance: float = TOLERANCE, matrices: np.ndarray | None = None, hazards: bool = True,
                  known: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[Fit, np.ndarray, np.ndarray | None]:
    """Constants of one region whose sample's mean stationary moments equal those of the ``target`` law (16,).

    Newton iterations start from ``start``'s constants when given (else 0); they stop within ``tolerance`` or after
    ``STALL_ITERATIONS`` without getting closer, and the closest iterate is returned with the sample's stationary
    laws (m, 16) and exit hazards (m, P + 1) there (``stationary_laws``). On up to ``MATRICES_KEPT_UP_TO`` farms the
    hazards are computed for that iterate only (a tenth of a chain's cost at every iteration otherwise), from the
    year matrices kept of the latest iterate. ``matrices`` (m, 16, 16), for up to ``MATRICES_KEPT_UP_TO`` farms: where
    they are kept (else allocated here); on return they are the returned laws' year matrices (transposed), which the
    start draws the farms' pasts from (``sample_pasts``). Without ``hazards`` none are computed (None is returned in
    their place) and no matrices are kept but those given: the start's second pass and polish use its laws only
    (their hazards took 0.25 ms of a 1,000-farmer run's 30 ms set-up, and a tenth of a polish's chains).

    ``known``: (laws (m, 16), changed (c,) positions) when ``start``'s stationary laws for these inputs are at hand
    but for the farms ``changed``, whose inputs differ from those the laws were solved with; ``matrices``, if given,
    must then hold ``start``'s year matrices likewise (the start's refits of the supply, which change a few farms'
    access: ``sim.behaviour.start``). The first iteration, at ``start``'s constants, then solves only those farms'
    chains: a farm's chain is its own (``chain_laws``), so the others' laws are the same to the last bit. It needs
    either ``matrices`` or no ``hazards`` (the hazards of the other farms are not at hand).
    """
    available = inputs.available
    present = [p for p in range(N_PRACTICES) if available[p]]
    parameters = [(p, p) for p in present] + [(p, q) for i, p in enumerate(present) for q in present[i + 1:]]
    design = sufficient_statistics(parameters)
    wanted = target @ design
    theta = np.zeros(len(parameters)) if start is None else np.array(
        [start.constants[p] if p == q else start.pairs[p, q] for p, q in parameters])
    bound = CONSTANT_BOUND * float(np.mean(inputs.margin))
    scale = np.ascontiguousarray(inputs.scale[:, 0])  # the Jacobian's scale: the conventional state's (approximate)
    limit = STEP_SCALES * float(np.mean(scale))
    m = inputs.gain.shape[0]
    laws = np.empty((m, ALL_MASKS.size))
    if matrices is None and m <= MATRICES_KEPT_UP_TO and hazards:  # the latest iterate's
        matrices = np.empty((m, ALL_MASKS.size, ALL_MASKS.size))
    best = (np.inf, theta, wanted, laws, None)  # (largest moment gap, constants, moments, laws, hazards) so far
    since_best = 0
    identity = np.eye(len(parameters))
    if known is not None and (start is None or (hazards and matrices is None)):
        raise ValueError("fit_constants: known laws need the fit they were solved at, and matrices or no hazards")
    for iteration in range(MAX_ITERATIONS):
        constants, pairs = _unpack(theta, parameters)
        if iteration == 0 and known is not None:
            hazard = None
            known_laws(inputs, constants, pairs, rate, known, laws, matrices)
        else:
            hazard = stationary_laws(inputs, constants, pairs, rate, laws, matrices, hazards)  # None if kept/unwanted
        reached, jacobian = moment_system(laws, design, scale)
        error = wanted - reached
        gap = float(np.max(np.abs(error)))
        if gap < best[0]:
            best, since_best = (gap, theta, reached, laws.copy(), hazard), 0
        else:
            since_best += 1
        if gap < tolerance or since_best >= STALL_ITERATIONS:
            break
        damping = 1e-6 * np.trace(jacobian) / len(parameters) + 1e-12
        step = np.linalg.solve(jacobian + damping * identity, error)
        largest = np.max(np.abs(step))
        theta = np.clip(theta + step * min(1.0, limit / largest), -bound, bound)
    _, theta, reached, laws, hazard = best
    constants, pairs = _unpack(theta, parameters)
    if matrices is not None and since_best > 0:  # the closest iterate is an earlier one (Newton stalled): its
        stationary_laws(inputs, constants, pairs, rate, np.empty_like(laws), matrices)  # chains again, the same bits
    if hazard is None and hazards:  # from the matrices kept, now the closest iterate's
        hazard = exit_hazards(laws, matrices)
    return Fit(constants, pairs, wanted, reached, parameters, bound), laws, hazard


def known_laws(inputs: ChainInputs, constants: np.ndarray, pairs: np.ndarray, rate: float,
               known: tuple[np.ndarray, np.ndarray], out: np.ndarray, matrices: np.ndarray | None) -> None:
    """``stationary_laws`` (m, 16) into ``out`` (and year matrices into ``matrices``) from the laws ``known``.

    ``known`` (laws (m, 16), changed (c,) positions): ``fit_constants``'; only the chains of the farms ``changed`` are
    solved, with the same kernel on their own inputs (the same bits as solving every farm's).
    """
    laws, changed = known
    out[:] = laws
    if changed.size == 0:
        return
    part = np.empty((changed.size, ALL_MASKS.size))
    part_matrices = None if matrices is None else np.empty((changed.size, ALL_MASKS.size, ALL_MASKS.size))
    stationary_laws(inputs.farms(changed), constants, pairs, rate, part, part_matrices, hazards=False)
    out[changed] = part
    if matrices is not None:
        matrices[changed] = part_matrices


@njit(cache=True)
def moment_system(laws, design, scale):  # pragma: no cover - compiled
    """The mean moments (K,) of laws (m, 16) and Newton's Jacobian (K, K), mean_i Cov_pi_i(stats) / s_i.

    ``design`` (16, K): ``sufficient_statistics``; ``scale`` (m,): each farm's logit noise scale s_i. One pass over
    the farms (a chain of NumPy calls cost 0.1 ms an iteration, as much as 30 farms' chains).
    """
    m, n_states, k = laws.shape[0], laws.shape[1], design.shape[1]
    reached, weighted = np.zeros(k), np.zeros(n_states)
    second = np.zeros((k, k))
    stats = np.empty(k)
    for i in range(m):
        inverse = 1.0 / scale[i]
        stats[:] = 0.0
        for b in range(n_states):
            weighted[b] += laws[i, b] * inverse
            for row in range(k):
                stats[row] += laws[i, b] * design[b, row]
        for row in range(k):
            reached[row] += stats[row]
            for column in range(k):
                second[row, column] += stats[row] * stats[column] * inverse
    jacobian = np.empty((k, k))
    for row in range(k):
        for column in range(k):
            total = 0.0
            for b in range(n_states):
                total += design[b, row] * design[b, column] * weighted[b]
            jacobian[row, column] = (total - second[row, column]) / m
    return reached / m, jacobian


def _unpack(theta: np.ndarray, parameters: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    constants, pairs = np.zeros(N_PRACTICES), np.zeros((N_PRACTICES, N_PRACTICES))
    for value, (p, q) in zip(theta, parameters, strict=True):
        if p == q:
            constants[p] = value
        else:
            pairs[p, q] = pairs[q, p] = value
    return constants, pairs


def bundle_keys(masks: np.ndarray, m: int, rng: np.random.Generator) -> np.ndarray:
    """(K, m) the Gumbel draws ``assign_bundles`` gives m farms' keys for the bundles ``masks`` (K,).

    Drawn apart from the assignment so that the start can draw them before the laws they are added to: the pass
    that solves the laws also draws the farms' pasts with later draws of the same stream (``sim.behaviour.start``).
    """
    return rng.gumbel(size=(masks.size, m))


def assign_bundles(laws: np.ndarray, masks: np.ndarray, counts: np.ndarray, gumbel: np.ndarray) -> np.ndarray:
    """Bundle of each of m farms: exactly ``counts`` farms per bundle of ``masks``, the rest conventional.

    Farms are drawn without replacement with probability proportional to their stationary probability of the bundle,
    ``laws`` (m, K): column k that of bundle ``masks[k]``; ``gumbel`` (K, m): their Gumbel draws (``bundle_keys``).
    """
    m = laws.shape[0]
    bundle = np.zeros(m, np.uint8)
    free = np.ones(m, bool)
    for k in np.argsort(-counts, kind="stable"):
        if counts[k] == 0:
            continue
        with np.errstate(divide="ignore"):
            key = np.log(laws[:, k]) + gumbel[k]
        key[~free] = -np.inf
        chosen = largest(key, int(counts[k]))
        bundle[chosen] = masks[k]
        free[chosen] = False
    return bundle


def largest(key: np.ndarray, count: int) -> np.ndarray:
    """Rows of the ``count`` largest values of ``key`` (m,), ties going to the lower row, in no particular order.

    The rows ``np.argsort(-key, kind="stable")[:count]`` holds, found by one partition (linear) rather than a sort:
    every value above the count-th largest, then the lowest rows of those equal to it (-0.0 equals +0.0 in both).
    A sort of 10 M keys took about a second of the start, serially, per bundle; keys with a NaN are sorted.
    """
    if count >= key.size:
        return np.arange(key.size)
    if count <= 0:
        return np.empty(0, np.int64)
    if np.isnan(key).any():
        return np.argsort(-key, kind="stable")[:count]
    threshold = np.partition(key, key.size - count)[key.size - count]
    above = np.flatnonzero(key > threshold)
    return np.concatenate([above, np.flatnonzero(key == threshold)[: count - above.size]])


def expected_remaining(table: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """Mean of ``table`` rows (t = 1, 2, ...; the last row beyond) over ages geometric with yearly exit ``hazard``.

    ``table`` is a ramp's remaining shortfall by seasons in use, (T + 1, ...); ``hazard`` broadcasts over its other
    axes. Practices in use at stationarity have these ages, so this is the shortfall an established user still faces
    on average.
    """
    h = np.clip(hazard, 1.0 / ESTABLISHED_SEASONS, 1.0)
    ages = np.arange(1, table.shape[0])
    weight = h * (1.0 - h) ** (ages[:, None] - 1) if table.ndim == 2 else h * (1.0 - h) ** (ages - 1)
    beyond = 1.0 - weight.sum(axis=0)
    return (weight * table[1:]).sum(axis=0) + beyond * table[-1]
