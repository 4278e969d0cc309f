"""Decision rules: which bundle each farmer uses next season. Pure functions on arrays.

``economic`` (default), for the farmers who reconsider this year (``revision_rate``), over the allowed bundles k:

    NPV_k = A(r, H) x [Y p / 1000 x (sum_p m_p + e_CA[k full CA]) - sum_p dc_p - residue fodder value]
            + PV of per-ha payments still due + PV of expected net carbon revenue (if positive; else not enrolled)
            - one-off costs of new practices - PV of the known early-year yield penalty of new practices
    CE_k  = NPV_k - 0.5 x R x Var_k / W           (Arrow-Pratt certainty equivalent, relative risk aversion R)
    Var_k = (A x Y p / 1000)^2 x sum_p 1 / precision_p     (uncertainty of the believed yield effects)
    U_k   = CE_k / W + social_weight x conformity_k + status_quo_bias x [k is current]
    P(k)  = exp(choice_intensity x U_k) / sum_j exp(choice_intensity x U_j)   over feasible bundles

with m_p the farmer's belief about practice p's long-run yield effect, Y its expected yield (kg/ha), p the crop
price, A(r, H) the annuity factor of its discount rate over the planning horizon, W = A x baseline gross margin
(the scale that makes utilities unit-free), conformity_k the mean over practices of the neighbours' share that
do as bundle k does. Infeasible: no-till without seeder access; new one-off costs above the cash limit without
credit (the current bundle is always feasible).

``bass``: a non-adopter of the target bundle adopts with probability p + q x (neighbour share using it).
``threshold``: a non-adopter adopts once the neighbour share using the target bundle reaches its threshold.
Adopters never revert under these two textbook rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.economics import annuity_factor


@dataclass
class EconomicInputs:
    """Everything the economic rule needs for the m farmers who reconsider (arrays of length m or (m, P))."""

    current_k: np.ndarray  # index of the current bundle in the allowed list
    current_uses: np.ndarray  # (m, P) bool
    years_in_use: np.ndarray  # (m, P)
    belief_mean: np.ndarray  # (m, P)
    belief_precision: np.ndarray  # (m, P)
    neighbour_share: np.ndarray  # (m, P) share of neighbours using each practice
    expected_yield_kg_per_ha: np.ndarray
    crop_price_per_t: np.ndarray
    production_cost_per_ha: np.ndarray
    residue_value_per_ha: np.ndarray
    area_ha: np.ndarray
    discount_rate: np.ndarray
    risk_aversion: np.ndarray
    ramp_pv: np.ndarray  # (m, P) PV factor of the early-year penalty, per unit of (long-run - initial) effect
    seeder_access: np.ndarray
    credit_access: np.ndarray
    cash_limit_per_ha: np.ndarray
    carbon_pv_per_ha: np.ndarray  # (m, K) expected PV of net carbon revenue under each bundle (>= 0)


@dataclass
class EconomicConstants:
    """Scenario constants of the economic rule: practices (P,), bundles (P, K) and behaviour weights."""

    bundle_uses: np.ndarray  # (P, K) float, 1 where bundle k uses practice p
    bundle_full_ca: np.ndarray  # (K,) bool
    transition_cost_per_ha: np.ndarray  # (P,)
    annual_cost_change_per_ha: np.ndarray  # (P,)
    effect_initial: np.ndarray  # (P,)
    effect_long_run: np.ndarray  # (P,)
    residue_index: int
    no_till_index: int
    payment_per_ha: np.ndarray  # (P,)
    payment_years: int
    synergy_long_run: float
    horizon_years: int
    choice_intensity: float
    social_weight: float
    status_quo_bias: float


def economic_utilities(x: EconomicInputs, c: EconomicConstants) -> np.ndarray:
    """Utility of each allowed bundle for each reconsidering farmer, shape (m, K); -inf where infeasible."""
    uses = c.bundle_uses
    annuity = annuity_factor(x.discount_rate, c.horizon_years)[:, None]
    gross = (x.expected_yield_kg_per_ha * x.crop_price_per_t / 1000.0)[:, None]  # currency/ha/yr at Y
    new = ~x.current_uses

    yearly = gross * x.belief_mean - c.annual_cost_change_per_ha
    yearly[:, c.residue_index] -= x.residue_value_per_ha
    paid_left = np.where(new, c.payment_years, np.maximum(c.payment_years - x.years_in_use, 0))
    payments_pv = c.payment_per_ha * annuity_factor(x.discount_rate[:, None], np.minimum(paid_left, c.horizon_years))
    one_off = new * (c.transition_cost_per_ha + gross * (c.effect_long_run - c.effect_initial) * x.ramp_pv)
    npv = (annuity * yearly + payments_pv - one_off) @ uses
    npv += annuity * gross * c.synergy_long_run * c.bundle_full_ca
    npv += x.carbon_pv_per_ha

    baseline_margin = np.maximum(gross[:, 0] - x.production_cost_per_ha, 0.1 * gross[:, 0])
    scale = (annuity[:, 0] * np.maximum(baseline_margin, 1e-9))[:, None]
    variance = ((annuity * gross) ** 2) * ((1.0 / x.belief_precision) @ uses)
    certainty_equivalent = npv - 0.5 * x.risk_aversion[:, None] * variance / scale

    share = x.neighbour_share
    conformity = (share @ uses + (1.0 - share) @ (1.0 - uses)) / uses.shape[0]
    utility = certainty_equivalent / scale + c.social_weight * conformity
    rows = np.arange(utility.shape[0])
    utility[rows, x.current_k] += c.status_quo_bias

    cash_needed = (new * c.transition_cost_per_ha) @ uses
    infeasible = (~x.seeder_access[:, None] & (uses[c.no_till_index] > 0)) | (
        ~x.credit_access[:, None] & (cash_needed > x.cash_limit_per_ha[:, None] + 1e-9)
    )
    infeasible[rows, x.current_k] = False
    utility[infeasible] = -np.inf
    return utility


def logit_choice(utility: np.ndarray, intensity: float, rng: np.random.Generator) -> np.ndarray:
    """Sample one column per row with probability proportional to exp(intensity x utility)."""
    feasible = np.isfinite(utility)
    z = np.where(feasible, intensity * (utility - utility.max(axis=1, keepdims=True)), -np.inf)
    weights = np.exp(z)
    cumulative = np.cumsum(weights, axis=1)
    draw = rng.random(utility.shape[0])[:, None] * cumulative[:, -1:]
    return np.minimum((cumulative <= draw).sum(axis=1), utility.shape[1] - 1)


def bass_adopters(adopted: np.ndarray, neighbour_share: np.ndarray, p: float, q: float,
                  rng: np.random.Generator) -> np.ndarray:
    """New adopter mask under the Bass rule (adopted farmers stay adopted)."""
    probability = np.minimum(p + q * neighbour_share, 1.0)
    return ~adopted & (rng.random(adopted.size) < probability)


def threshold_adopters(adopted: np.ndarray, neighbour_share: np.ndarray, threshold: np.ndarray) -> np.ndarray:
    """New adopter mask under Granovetter's threshold rule (synchronous update)."""
    return ~adopted & (neighbour_share >= threshold - 1e-9)


def ramp_present_value(discount_rate: float, transition_years: int) -> float:
    """PV factor of the early-year shortfall of a linear ramp: sum_t d^t x (1 - (t-1)/(T-1)), t = 1..T-1."""
    if transition_years <= 1:
        return 0.0
    t = np.arange(1, transition_years)
    return float(np.sum((1.0 + discount_rate) ** -t * (1.0 - (t - 1) / (transition_years - 1))))
