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

from sim.yields import soc_yield_potential


@njit(cache=True, parallel=True)
def neighbour_sums(indptr, indices, weights, bundle, effects, noise, inverse_degree, share, sums
                   ):  # pragma: no cover - compiled
    """Per farmer and practice: the weighted share of neighbours using it, and the effects they show.

    ``share`` = link weight of neighbours using the practice / degree; ``sums`` = sum of link weight x (practice
    effect + that farm's weather deviation). From a CSR adjacency (``indptr``, ``indices``, ``weights``) and each
    farm's bundle bit mask. Written for the four practices (scalar accumulators: no allocation per farmer).
    """
    n = bundle.shape[0]
    for i in prange(n):
        c0 = c1 = c2 = c3 = np.float32(0.0)
        t0 = t1 = t2 = t3 = np.float32(0.0)
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            b = bundle[j]
            if b == 0:  # a conventional neighbour shows no practice
                continue
            w = weights[k]
            deviation = noise[j]
            u0 = np.float32(b & 1)  # branch-free: 1.0 when the neighbour uses the practice
            u1 = np.float32((b >> 1) & 1)
            u2 = np.float32((b >> 2) & 1)
            u3 = np.float32((b >> 3) & 1)
            c0 += w * u0
            c1 += w * u1
            c2 += w * u2
            c3 += w * u3
            t0 += w * u0 * (effects[j, 0] + deviation)
            t1 += w * u1 * (effects[j, 1] + deviation)
            t2 += w * u2 * (effects[j, 2] + deviation)
            t3 += w * u3 * (effects[j, 3] + deviation)
        d = inverse_degree[i]
        share[i, 0], share[i, 1], share[i, 2], share[i, 3] = c0 * d, c1 * d, c2 * d, c3 * d
        sums[i, 0], sums[i, 1], sums[i, 2], sums[i, 3] = t0, t1, t2, t3


@njit(cache=True, parallel=True)
def update_beliefs(share, degree, sums, uses, effects, noise, belief_mean, belief_precision, prior_precision, memory,
                   inverse_obs_variance):  # pragma: no cover - compiled
    """Bayesian update of each farmer's belief about each practice's long-run yield effect, in place.

    counts = share x degree (the link weight of neighbours using the practice); the farmer's own farm is added to
    counts and sums; then kept = prior + memory x (precision - prior), evidence = counts / obs_sd^2,
    mean' = (kept x mean + sums / obs_sd^2) / (kept + evidence), precision' = kept + evidence (a weighted mean of
    the effects seen, with the prior's weight decaying).
    """
    n, n_practices = uses.shape
    for i in prange(n):
        for p in range(n_practices):
            count = share[i, p] * degree[i]
            total = sums[i, p]
            if uses[i, p]:
                count += 1.0
                total += effects[i, p] + noise[i]
            kept = prior_precision + memory * (belief_precision[i, p] - prior_precision)
            evidence = count * inverse_obs_variance
            belief_mean[i, p] = (kept * belief_mean[i, p] + total * inverse_obs_variance) / (kept + evidence)
            belief_precision[i, p] = kept + evidence


@njit(cache=True, parallel=True)
def farm_yields(years_in_use, table, full_ca_years, synergy, synergy_years, soc, base_yield, response, soc_ref,
                plateau, region, regional_factor, farm_sigma, z, effects, yields, deviation):  # pragma: no cover
    """Realised yields (see ``sim.yields``): SOC potential x practice multiplier x regional x farm weather.

    Each practice's current effect comes from the ramp table by seasons in use (written to ``effects``); the
    multiplier is prod_p (1 + e_p) x (1 + synergy x min(full CA seasons / synergy years, 1)); the farm's weather
    factor is exp(sigma z - sigma^2 / 2), and ``deviation`` = that factor - 1.
    """
    n, n_practices = years_in_use.shape
    last = table.shape[0] - 1
    for i in prange(n):
        product = 1.0
        for p in range(n_practices):
            e = table[min(years_in_use[i, p], last), p]
            effects[i, p] = e
            product *= 1.0 + e
        product *= 1.0 + synergy * min(full_ca_years[i] / synergy_years, 1.0)
        sigma = farm_sigma[i]
        weather = np.exp(sigma * z[i] - 0.5 * sigma * sigma)
        deviation[i] = weather - 1.0
        potential = soc_yield_potential(soc[i], base_yield[i], response[i], soc_ref[i], plateau[i])
        yields[i] = potential * product * regional_factor[region[i]] * weather


@njit(cache=True, parallel=True)
def tier1_advance(stock, target, rate, years_left, change):  # pragma: no cover - compiled
    """One year of the IPCC Tier 1 linear transition; the last step lands exactly on the target."""
    for i in prange(stock.size):
        left = years_left[i]
        if left > 0:
            new = target[i] if left == 1 else stock[i] + rate[i]
            change[i] = new - stock[i]
            stock[i] = new
            years_left[i] = left - 1
        else:
            change[i] = 0.0


@njit(cache=True)
def bundle_histograms(region, bundle, area, n_masks, farmers, farmed):  # pragma: no cover - compiled
    """Farmers and area by (region, bundle mask) in one serial pass (serial: sums in a fixed order)."""
    farmers[:] = 0.0
    farmed[:] = 0.0
    for i in range(bundle.size):
        farmers[region[i], bundle[i]] += 1.0
        farmed[region[i], bundle[i]] += area[i]


def set_threads(threads: int) -> None:
    """Limit the kernels' threads (sweep workers run one model per core: use 1)."""
    numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))


@njit(cache=True, parallel=True)
def logit_choice(utility, intensity, draws, weights, chosen):  # pragma: no cover - compiled
    """Column chosen in each row with probability exp(intensity x utility) / sum (infeasible = -inf never chosen).

    ``draws`` are uniform numbers in [0, 1), one per row; the chosen column is the first whose cumulative weight
    exceeds draw x total weight. ``weights`` is scratch space of the shape of ``utility``.
    """
    m, k = utility.shape
    for i in prange(m):
        best = -np.inf
        for j in range(k):
            if utility[i, j] > best:
                best = utility[i, j]
        total = 0.0
        for j in range(k):
            w = np.exp(intensity * (utility[i, j] - best)) if np.isfinite(utility[i, j]) else 0.0
            weights[i, j] = w
            total += w
        target = draws[i] * total
        running = 0.0
        chosen[i] = k - 1
        for j in range(k):
            running += weights[i, j]
            if weights[i, j] > 0.0 and running > target:
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


@njit(cache=True, parallel=True)
def adopt(old_bundle, new_bundle, uses_by_mask, full_ca_by_mask, transition_cost, area, years_in_use, full_ca_years,
          new_uses, transition):  # pragma: no cover - compiled
    """Practices in use next season: seasons in use advance (0 when dropped), one-off costs of practices started.

    Fills ``new_uses`` (n, P) and ``transition`` (currency per farm); updates ``years_in_use`` and
    ``full_ca_years`` in place.
    """
    n, n_practices = years_in_use.shape
    for i in prange(n):
        old, new = old_bundle[i], new_bundle[i]
        cost = 0.0
        for p in range(n_practices):
            used = uses_by_mask[new, p]
            new_uses[i, p] = used
            if used:
                years_in_use[i, p] += 1
                if not uses_by_mask[old, p]:
                    cost += transition_cost[p]
            else:
                years_in_use[i, p] = 0
        transition[i] = cost * area[i]
        full_ca_years[i] = full_ca_years[i] + 1 if full_ca_by_mask[new] else 0


@njit(cache=True, parallel=True)
def farm_accounts(yields, crop_price, area, production_cost, residue_value, uses, years_in_use, cost_change,
                  residue_index, payment_per_ha, payment_years, transition, carbon_to_farmers, mrv_cost, clawback,
                  revenue, costs, payments, income):  # pragma: no cover - compiled
    """The farm account of the year (see ``sim.economics``): revenue, costs, payments and income per farm."""
    n, n_practices = uses.shape
    for i in prange(n):
        per_ha = production_cost[i]
        paid = 0.0
        for p in range(n_practices):
            if uses[i, p]:
                per_ha += cost_change[p]
                if p == residue_index:
                    per_ha += residue_value[i]
                if years_in_use[i, p] <= payment_years:
                    paid += payment_per_ha[p]
        revenue[i] = yields[i] / 1000.0 * crop_price[i] * area[i]
        costs[i] = per_ha * area[i]
        payments[i] = paid * area[i]
        income[i] = revenue[i] - costs[i] - transition[i] + payments[i] + carbon_to_farmers[i] - mrv_cost[i] - clawback[i]
