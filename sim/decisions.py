"""Decision rules: which bundle each farmer uses next season. Pure functions on arrays.

``economic`` (default), for the farmers who reconsider this year (``revision_rate``), over the allowed bundles k:

    NPV_k = A(r, H) x [Y p / 1000 x (sum_p m_p + e_CA[k full CA]) - sum_p dc_p - residue fodder value]
            + PV of per-ha payments still due + PV of expected net carbon revenue (if positive; else not enrolled)
            - one-off costs of new practices - PV of the known early-year yield penalty of new practices
    CE_k  = NPV_k - 0.5 x R x Var_k / W           (Arrow-Pratt certainty equivalent, relative risk aversion R)
    Var_k = (A x Y p / 1000)^2 x sum_p 1 / precision_p     (uncertainty of the believed yield effects)
            + Var(PV of carbon revenue)                      (carbon price uncertainty, ``sim.carbon_market``)
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


@dataclass
class RegionEconomics:
    """Per-region scalars of the economic rule (money in scenario currency, per ha)."""

    annuity: float  # A(r, H)
    risk_aversion: float
    crop_price_per_t: float
    production_cost_per_ha: float
    residue_value_per_ha: float
    cash_limit_per_ha: float
    ramp_pv: np.ndarray  # (P,) PV factor of the early-year penalty per unit of (long-run - initial) effect
    payment_annuity: np.ndarray  # (payment_years + 1,) A(r, min(t, H)) for t paid years left


@dataclass
class Reconsidering:
    """Per-farmer arrays of the m reconsidering farmers of one region."""

    current_k: np.ndarray  # index of the current bundle in the allowed list
    current_uses: np.ndarray  # (m, P) bool
    years_in_use: np.ndarray  # (m, P)
    belief_mean: np.ndarray  # (m, P)
    belief_precision: np.ndarray  # (m, P)
    neighbour_share: np.ndarray  # (m, P) share of neighbours using each practice
    expected_yield_kg_per_ha: np.ndarray
    seeder_access: np.ndarray
    credit_access: np.ndarray
    carbon_pv_per_ha: np.ndarray | None  # (m, K) PV of expected net carbon revenue (>= 0), None without price
    carbon_pv_variance: np.ndarray | None  # (m, K) variance of that PV from carbon price uncertainty


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
    choice_intensity: float
    social_weight: float
    status_quo_bias: float


def economic_utilities(x: Reconsidering, r: RegionEconomics, c: EconomicConstants) -> np.ndarray:
    """Utility of each allowed bundle for each reconsidering farmer of one region, shape (m, K).

    -inf marks infeasible bundles. See the module docstring for the formulas.
    """
    uses = c.bundle_uses
    n_practices = uses.shape[0]
    annuity = r.annuity
    gross = x.expected_yield_kg_per_ha * (r.crop_price_per_t / 1000.0)  # currency/ha/yr at the expected yield
    new = ~x.current_uses

    yearly_cost = c.annual_cost_change_per_ha.copy()
    yearly_cost[c.residue_index] += r.residue_value_per_ha
    npv = x.belief_mean @ uses + c.synergy_long_run * c.bundle_full_ca  # believed relative yield change
    npv *= (annuity * gross)[:, None]
    npv -= annuity * (yearly_cost @ uses)
    penalty = (c.effect_long_run - c.effect_initial) * r.ramp_pv
    npv -= (new * c.transition_cost_per_ha) @ uses
    npv -= gross[:, None] * ((new * penalty) @ uses)
    if c.payment_years > 0 and np.any(c.payment_per_ha > 0):
        paid_left = np.where(new, c.payment_years, np.maximum(c.payment_years - x.years_in_use, 0))
        npv += (c.payment_per_ha * r.payment_annuity[paid_left]) @ uses
    if x.carbon_pv_per_ha is not None:
        npv += x.carbon_pv_per_ha

    baseline_margin = np.maximum(gross - r.production_cost_per_ha, 0.1 * gross)
    scale = annuity * np.maximum(baseline_margin, 1e-9)
    risk = (0.5 * r.risk_aversion * annuity**2) * gross**2 / scale
    utility = npv - risk[:, None] * ((1.0 / x.belief_precision) @ uses)
    if x.carbon_pv_variance is not None:  # an unstable carbon price is worth less to a risk-averse farmer
        utility -= (0.5 * r.risk_aversion / scale)[:, None] * x.carbon_pv_variance
    utility /= scale[:, None]
    # conformity: mean over practices of the neighbour share doing as the bundle does
    utility += (c.social_weight / n_practices) * (x.neighbour_share @ (2.0 * uses - 1.0) + (1.0 - uses).sum(axis=0))
    rows = np.arange(utility.shape[0])
    utility[rows, x.current_k] += c.status_quo_bias
    current = utility[rows, x.current_k]  # the current bundle stays feasible whatever the constraints

    no_seeder = np.flatnonzero(~x.seeder_access)
    if no_seeder.size:
        blocked = np.flatnonzero(uses[c.no_till_index] > 0)
        utility[np.ix_(no_seeder, blocked)] = -np.inf
    no_credit = np.flatnonzero(~x.credit_access)
    if no_credit.size:
        cash_needed = (new[no_credit] * c.transition_cost_per_ha) @ uses
        sub = utility[no_credit]
        sub[cash_needed > r.cash_limit_per_ha + 1e-9] = -np.inf
        utility[no_credit] = sub
    utility[rows, x.current_k] = current
    return utility


def logit_choice(utility: np.ndarray, intensity: float, rng: np.random.Generator) -> np.ndarray:
    """Sample one column per row with probability proportional to exp(intensity x utility)."""
    feasible = np.isfinite(utility)
    gap = np.where(feasible, utility - utility.max(axis=1, keepdims=True), 0.0)
    weights = np.where(feasible, np.exp(intensity * gap), 0.0)
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
