"""Compiled (Numba) kernels for the hot stages of the yearly step, over the same arrays as the rest of the model.

Each kernel loops over farmers in parallel with no cross-farmer reduction, so results do not depend on the number
of threads or their scheduling. Random numbers are drawn with NumPy beforehand and passed in, so a run stays
reproducible from its seed. The formulas are documented where they are defined for readers (``sim.decisions``,
``sim.yields``, ``AdoptionModel._observe``); these kernels compute the same quantities in one pass.
Compiled code is cached on disk (``cache=True``), so only the first run on a machine pays the compilation.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange


@njit(cache=True, parallel=True)
def neighbour_sums(indptr, indices, weights, bundle, shown, counts, sums):  # pragma: no cover - compiled
    """Per farmer and practice: link weight of neighbours using it (``counts``) and the effects they show (``sums``).

    From a CSR adjacency (``indptr``, ``indices``, ``weights``) and each farm's bundle bit mask. Written for the
    four practices (scalar accumulators: no allocation per farmer).
    """
    n = shown.shape[0]
    for i in prange(n):
        c0 = c1 = c2 = c3 = np.float32(0.0)
        t0 = t1 = t2 = t3 = np.float32(0.0)
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            b = bundle[j]
            if b == 0:  # a conventional neighbour shows no practice
                continue
            w = weights[k]
            if b & 1:
                c0 += w
                t0 += w * shown[j, 0]
            if b & 2:
                c1 += w
                t1 += w * shown[j, 1]
            if b & 4:
                c2 += w
                t2 += w * shown[j, 2]
            if b & 8:
                c3 += w
                t3 += w * shown[j, 3]
        counts[i, 0], counts[i, 1], counts[i, 2], counts[i, 3] = c0, c1, c2, c3
        sums[i, 0], sums[i, 1], sums[i, 2], sums[i, 3] = t0, t1, t2, t3


@njit(cache=True, parallel=True)
def update_beliefs(counts, sums, uses, shown, belief_mean, belief_precision, prior_precision, memory,
                   inverse_obs_variance):  # pragma: no cover - compiled
    """Bayesian update of each farmer's belief about each practice's long-run yield effect, in place.

    The farmer's own farm is added to the neighbours' ``counts`` and ``sums``; then kept = prior + memory x
    (precision - prior), evidence = counts / obs_sd^2, mean' = (kept x mean + sums / obs_sd^2) / (kept + evidence),
    precision' = kept + evidence (a weighted mean of the effects seen, with the prior's weight decaying).
    """
    n, n_practices = uses.shape
    for i in prange(n):
        for p in range(n_practices):
            count = counts[i, p]
            total = sums[i, p]
            if uses[i, p]:
                count += 1.0
                total += shown[i, p]
            kept = prior_precision + memory * (belief_precision[i, p] - prior_precision)
            evidence = count * inverse_obs_variance
            belief_mean[i, p] = (kept * belief_mean[i, p] + total * inverse_obs_variance) / (kept + evidence)
            belief_precision[i, p] = kept + evidence


@njit(cache=True, parallel=True)
def practice_effects(years_in_use, table, effects, multiplier, full_ca_years, synergy, synergy_years
                     ):  # pragma: no cover - compiled
    """Each practice's current relative yield effect and the farm's yield multiplier.

    Effects come from the ramp table by seasons in use; multiplier = prod_p (1 + e_p) x (1 + synergy x
    min(full CA seasons / synergy years, 1)).
    """
    n, n_practices = years_in_use.shape
    last = table.shape[0] - 1
    for i in prange(n):
        product = 1.0
        for p in range(n_practices):
            e = table[min(years_in_use[i, p], last), p]
            effects[i, p] = e
            product *= 1.0 + e
        multiplier[i] = product * (1.0 + synergy * min(full_ca_years[i] / synergy_years, 1.0))


def set_threads(threads: int) -> None:
    """Limit the kernels' threads (sweep workers run one model per core: use 1)."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


@njit(cache=True, parallel=True)
def logit_choice(utility, intensity, draws, chosen):  # pragma: no cover - compiled
    """Column chosen in each row with probability exp(intensity x utility) / sum (infeasible = -inf never chosen).

    ``draws`` are uniform numbers in [0, 1), one per row; the chosen column is the first whose cumulative weight
    exceeds draw x total weight.
    """
    m, k = utility.shape
    for i in prange(m):
        best = -np.inf
        for j in range(k):
            if utility[i, j] > best:
                best = utility[i, j]
        total = 0.0
        for j in range(k):
            if np.isfinite(utility[i, j]):
                total += np.exp(intensity * (utility[i, j] - best))
        target = draws[i] * total
        running = 0.0
        chosen[i] = k - 1
        for j in range(k):
            if np.isfinite(utility[i, j]):
                running += np.exp(intensity * (utility[i, j] - best))
                if running > target:
                    chosen[i] = j
                    break


@njit(cache=True, parallel=True)
def bundle_utilities(farms, current_k, uses, years_in_use, belief_mean, belief_precision, neighbour_share,
                     expected_yield, seeder_access, credit_access, carbon_pv, carbon_var, bundle_uses, bundle_full_ca,
                     transition_cost, cost_change, penalty, payment_per_ha, payment_annuity, payment_years,
                     residue_index, no_till_index, annuity, risk_aversion, crop_price, production_cost, residue_value,
                     cash_limit, synergy, social_weight, status_quo_bias, utility):  # pragma: no cover - compiled
    """Utility of every allowed bundle for the reconsidering ``farms`` of one region (see ``sim.decisions``).

    Per-farm arrays are indexed by farm (``farms[r]`` for row r) except ``expected_yield``, ``carbon_pv`` and
    ``carbon_var``, which are per row. ``penalty`` = (long-run - initial effect) x ramp PV factor per practice.
    Infeasible bundles get -inf; the current bundle is always feasible.
    """
    m = farms.size
    n_practices, n_bundles = bundle_uses.shape
    for r in prange(m):
        i = farms[r]
        gross = expected_yield[r] * crop_price / 1000.0
        margin = max(gross - production_cost, 0.1 * gross)
        scale = annuity * max(margin, 1e-9)
        risk = 0.5 * risk_aversion * annuity * annuity * gross * gross / scale
        for k in range(n_bundles):
            believed = synergy * bundle_full_ca[k]
            yearly_cost = 0.0
            one_off = 0.0
            cash = 0.0
            payments = 0.0
            variance = 0.0
            conformity = 0.0
            blocked = False
            for p in range(n_practices):
                share = neighbour_share[i, p]
                if bundle_uses[p, k] > 0.0:
                    believed += belief_mean[i, p]
                    yearly_cost += cost_change[p] + (residue_value if p == residue_index else 0.0)
                    variance += 1.0 / belief_precision[i, p]
                    conformity += share
                    if uses[i, p]:
                        left = max(payment_years - years_in_use[i, p], 0)
                    else:
                        left = payment_years
                        one_off += transition_cost[p] + gross * penalty[p]
                        cash += transition_cost[p]
                    if payment_per_ha[p] > 0.0:
                        payments += payment_per_ha[p] * payment_annuity[left]
                    if p == no_till_index and not seeder_access[i]:
                        blocked = True
                else:
                    conformity += 1.0 - share
            npv = annuity * (gross * believed - yearly_cost) + payments - one_off + carbon_pv[r, k]
            value = (npv - risk * variance - 0.5 * risk_aversion * carbon_var[r, k] / scale) / scale
            value += social_weight * conformity / n_practices
            if k == current_k[r]:
                value += status_quo_bias
            elif blocked or (not credit_access[i] and cash > cash_limit + 1e-9):
                value = -np.inf
            utility[r, k] = value
