"""A start in behavioural equilibrium: practice constants fitted so the initial shares are the rule's steady state.

For each farm the economic rule (``sim.behaviour.economic``) is a Markov chain over the 2^P combinations of practices:
each year each practice is reconsidered with probability rho, in practice order, and switched by its binary logit
(switching costs in both directions, constraints on starting). Given the farm's beliefs, heterogeneity, access and
money at the start (practices in use counted as established), its yearly transition matrix T_i is built exactly and
its stationary law pi_i (pi_i T_i = pi_i) solved. The region's practice constants alpha_p and pair constants w_pq
(currency/ha/yr, the unmodelled net benefit of a practice and of using two together) are chosen so that the mean of
pi_i over the region's farms has the shares and pairwise co-adoption shares of ``initial_adoption``: a damped
Newton iteration on these moments, with the Jacobian mean_i Cov_pi_i(b_p, b_q) / s_i (exact without switching costs).
The target law is the file's bundle shares mixed with ``SMOOTHING`` of a uniform law over the region's combinations,
so that a combination nobody uses is matched at a small share rather than by an infinite constant.
Initial adopters are then drawn where adopting is most likely: each bundle of the file gets exactly its count of
farms, chosen without replacement with probability proportional to pi_i(bundle) (Gumbel keys), largest bundles first.
Their seasons in use are drawn from the stationary age distribution, geometric with the chain's yearly exit hazard.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.behaviour.valuation import practice_gain
from sim.practices import ALL_MASKS, FULL_CA_BY_MASK, N_PRACTICES, USES_BY_MASK

#: Share of the target law spread uniformly over the region's combinations (see the module docstring). Assumption:
#: 0.4 % of farms (0.025 % per combination) is below what the shares in a scenario file resolve.
SMOOTHING = 0.004
#: Farms per region used to fit the constants (evenly spaced; farms are drawn independently, so a sample of this
#: size fits the region's mean stationary shares to about 0.5 percentage point).
FIT_SAMPLE = 400
#: Newton iterations and the moment tolerance that stops them.
MAX_ITERATIONS = 60
TOLERANCE = 1e-4
#: Constants are kept within this multiple of the region's mean margin (a fit that needs more says the initial
#: shares cannot be sustained by the modelled economics and constraints).
CONSTANT_BOUND = 5.0
#: Seasons counted as "established" for practices in use (longer than any ramp), and the cap of drawn ages.
ESTABLISHED_SEASONS = 60


@dataclass(frozen=True)
class ChainInputs:
    """Per-farm inputs of the chains of m farms of one region (arrays indexed by row, money per ha unless noted)."""

    gain: np.ndarray  # (m, 16, P) practice_gain by state and practice, without constants or heterogeneity
    feasible: np.ndarray  # (m, 16, P) bool
    heterogeneity: np.ndarray  # (m, P)
    scale: np.ndarray  # (m,) logit noise scale s
    margin: np.ndarray  # (m,) conventional gross margin W
    available: np.ndarray  # (P,) bool


def gain_tables(rows, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money, area_ha,
                residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share):
    """practice_gain for every state and practice of farms ``rows`` (one region), established practices mature."""
    m = rows.size
    gain = np.empty((m, ALL_MASKS.size, N_PRACTICES))
    feasible = np.empty((m, ALL_MASKS.size, N_PRACTICES), np.bool_)
    fill_gain_tables(rows, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money,
                     area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                     effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, gain,
                     feasible)
    return gain, feasible


@njit(cache=True, parallel=True)
def fill_gain_tables(rows, years_mature, gross, margin, belief_mean, belief_precision, dealer, contractor, money,
                     area_ha, residue_value, hires, annuity, risk_aversion, shortfall, synergy_shortfall, cost_change,
                     effect_initial, transition_cost, synergy, no_till_extra, contractor_fee, exit_cost_share, gain,
                     feasible):  # pragma: no cover - compiled
    """``gain`` and ``feasible`` (m, 16, P): each state's practices in use for ``years_mature`` seasons, no incentives."""
    n_states, n_practices = gain.shape[1], gain.shape[2]
    no_incentives = np.zeros(n_states)
    for r in prange(rows.size):
        i = rows[r]
        years = np.zeros(n_practices, np.int16)
        for b in range(n_states):
            for q in range(n_practices):
                years[q] = years_mature if (b >> q) & 1 else 0
            full = years_mature if FULL_CA_BY_MASK[b] else 0
            for p in range(n_practices):
                value, ok, _, _ = practice_gain(
                    p, b, hires[i], money[i], years, full, gross[r], margin[r], belief_mean[i], belief_precision[i],
                    no_incentives, no_incentives, False, dealer[i], contractor[i], area_ha[i], annuity, risk_aversion,
                    shortfall, synergy_shortfall, cost_change, effect_initial, transition_cost, synergy,
                    residue_value[i], no_till_extra, contractor_fee, exit_cost_share)
                gain[r, b, p] = value
                feasible[r, b, p] = ok


@njit(cache=True)
def year_matrix(gain, feasible, heterogeneity, scale, constants, pairs, available, rate):  # pragma: no cover
    """One farm's yearly transition matrix (16, 16): practices reconsidered in order, each with probability ``rate``."""
    n_states, n_practices = gain.shape
    total = np.eye(n_states)
    step = np.empty((n_states, n_states))
    for p in range(n_practices):
        step[:, :] = 0.0
        bit = 1 << p
        for b in range(n_states):
            if not available[p]:
                step[b, b & ~bit] = 1.0  # a practice that does not exist here is never in use
                continue
            utility = gain[b, p] + heterogeneity[p] + constants[p]
            for q in range(n_practices):
                if q != p and (b >> q) & 1:
                    utility += pairs[p, q]
            use = 1.0 / (1.0 + np.exp(-utility / scale))
            if b & bit:
                move = rate * (1.0 - use)
            elif feasible[b, p]:
                move = rate * use
            else:
                move = 0.0
            step[b, b ^ bit] += move
            step[b, b] += 1.0 - move
        total = total @ step
    return total


@njit(cache=True)
def stationary_law(matrix):  # pragma: no cover - compiled
    """Pi with pi T = pi and sum 1, for a chain with one closed class (least squares on the stacked system)."""
    n = matrix.shape[0]
    system = np.empty((n + 1, n))
    system[:n, :] = matrix.T - np.eye(n)
    system[n, :] = 1.0
    rhs = np.zeros(n + 1)
    rhs[n] = 1.0
    solution = np.linalg.lstsq(system, rhs)[0]
    solution = np.maximum(solution, 0.0)
    return solution / solution.sum()


@njit(cache=True, parallel=True)
def stationary_laws(gain, feasible, heterogeneity, scale, constants, pairs, available, rate, out
                    ):  # pragma: no cover - compiled
    """Stationary law (m, 16) of each farm's chain, written to ``out``.

    Returns each farm's yearly exit hazard by practice at stationarity, (m, P): P(drop p in a year | p in use).
    """
    m, n_states, n_practices = gain.shape
    hazard = np.zeros((m, n_practices))
    for r in prange(m):
        law = stationary_law(year_matrix(gain[r], feasible[r], heterogeneity[r], scale[r], constants, pairs,
                                         available, rate))
        out[r] = law
        for p in range(n_practices):
            on, leaving = 0.0, 0.0
            for b in range(n_states):
                if (b >> p) & 1:
                    utility = gain[r, b, p] + heterogeneity[r, p] + constants[p]
                    for q in range(n_practices):
                        if q != p and (b >> q) & 1:
                            utility += pairs[p, q]
                    on += law[b]
                    leaving += law[b] * rate * (1.0 - 1.0 / (1.0 + np.exp(-utility / scale[r])))
            hazard[r, p] = leaving / on if on > 0 else 0.0
    return hazard


def moments(laws: np.ndarray, parameters: list[tuple[int, int]]) -> np.ndarray:
    """E[b_p] (p = q) and E[b_p b_q] of each law (m, 16) for each (p, q) of ``parameters``, shape (m, K)."""
    uses = USES_BY_MASK.astype(np.float64)
    return laws @ np.stack([uses[:, p] * uses[:, q] for p, q in parameters], axis=1)


@dataclass(frozen=True)
class Fit:
    """The fitted constants of one region and the shares they give."""

    constants: np.ndarray  # (P,) alpha, currency/ha/yr
    pairs: np.ndarray  # (P, P) w, symmetric, currency/ha/yr
    target: np.ndarray  # (K,) target moments
    reached: np.ndarray  # (K,) the sample's mean stationary moments at the fit
    parameters: list[tuple[int, int]]


def target_law(masks: np.ndarray, shares: np.ndarray, available: np.ndarray) -> np.ndarray:
    """The smoothed target law over the 16 combinations.

    The file's shares (the rest conventional) mixed with a uniform law over the combinations of the region's practices.
    """
    law = np.zeros(ALL_MASKS.size)
    np.add.at(law, masks, shares)
    law[0] += 1.0 - shares.sum()
    possible = ~(USES_BY_MASK & ~available).any(axis=1)
    return (1.0 - SMOOTHING) * law + SMOOTHING * possible / possible.sum()


def fit_constants(inputs: ChainInputs, rate: float, target: np.ndarray) -> Fit:
    """Constants of one region whose sample's mean stationary moments equal those of the ``target`` law (16,)."""
    available = inputs.available
    present = [p for p in range(N_PRACTICES) if available[p]]
    parameters = [(p, p) for p in present] + [(p, q) for i, p in enumerate(present) for q in present[i + 1:]]
    wanted = moments(target[None, :], parameters)[0]
    uses = USES_BY_MASK.astype(np.float64)
    design = np.stack([uses[:, p] * uses[:, q] for p, q in parameters], axis=1)  # (16, K) sufficient statistics
    theta = np.zeros(len(parameters))
    bound = CONSTANT_BOUND * float(np.mean(inputs.margin))
    laws = np.empty((inputs.gain.shape[0], ALL_MASKS.size))
    reached = wanted
    for _ in range(MAX_ITERATIONS):
        constants, pairs = _unpack(theta, parameters)
        stationary_laws(inputs.gain, inputs.feasible, inputs.heterogeneity, inputs.scale, constants, pairs, available,
                        rate, laws)
        stats = moments(laws, parameters)
        reached = stats.mean(axis=0)
        error = wanted - reached
        if np.max(np.abs(error)) < TOLERANCE:
            break
        jacobian = design.T @ (design * (laws / inputs.scale[:, None]).sum(axis=0)[:, None])
        jacobian -= (stats / inputs.scale[:, None]).T @ stats  # mean_i Cov_i / s_i, summed here
        jacobian /= laws.shape[0]
        damping = 1e-6 * np.trace(jacobian) / len(parameters) + 1e-12
        step = np.linalg.solve(jacobian + damping * np.eye(len(parameters)), error)
        largest = np.max(np.abs(step))
        limit = 2.0 * float(np.mean(inputs.scale))  # at most two noise scales per iteration
        theta = np.clip(theta + step * min(1.0, limit / largest), -bound, bound)
    constants, pairs = _unpack(theta, parameters)
    return Fit(constants, pairs, wanted, reached, parameters)


def _unpack(theta: np.ndarray, parameters: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    constants, pairs = np.zeros(N_PRACTICES), np.zeros((N_PRACTICES, N_PRACTICES))
    for value, (p, q) in zip(theta, parameters, strict=True):
        if p == q:
            constants[p] = value
        else:
            pairs[p, q] = pairs[q, p] = value
    return constants, pairs


def assign_bundles(laws: np.ndarray, masks: np.ndarray, counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bundle of each of m farms: exactly ``counts`` farms per bundle of ``masks``, the rest conventional.

    Farms are drawn without replacement with probability proportional to their stationary probability of the bundle.
    """
    m = laws.shape[0]
    bundle = np.zeros(m, np.uint8)
    free = np.ones(m, bool)
    gumbel = rng.gumbel(size=(masks.size, m))
    for k in np.argsort(-counts, kind="stable"):
        if counts[k] == 0:
            continue
        with np.errstate(divide="ignore"):
            key = np.log(laws[:, masks[k]]) + gumbel[k]
        key[~free] = -np.inf
        chosen = np.argsort(-key, kind="stable")[: counts[k]]
        bundle[chosen] = masks[k]
        free[chosen] = False
    return bundle


def stationary_ages(uses: np.ndarray, hazard: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Seasons in use (m, P) int16 of practices in use: geometric with the yearly exit ``hazard`` (m, P), capped."""
    h = np.clip(hazard, 1.0 / ESTABLISHED_SEASONS, 1.0)
    ages = np.minimum(rng.geometric(h), ESTABLISHED_SEASONS)
    return np.where(uses, ages, 0).astype(np.int16)
