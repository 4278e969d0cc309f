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

from sim import kernels


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
class FarmView:
    """Whole-population arrays the economic rule reads, indexed by farm (n rows; (n, P) where per practice)."""

    uses: np.ndarray  # (n, P) bool
    years_in_use: np.ndarray  # (n, P)
    belief_mean: np.ndarray  # (n, P)
    belief_precision: np.ndarray  # (n, P)
    neighbour_share: np.ndarray  # (n, P) share of neighbours using each practice
    seeder_access: np.ndarray  # (n,) bool
    credit_access: np.ndarray  # (n,) bool


@dataclass
class Reconsidering:
    """The m reconsidering farmers of one region: their indices and per-row inputs."""

    farms: np.ndarray  # farm indices into the FarmView arrays
    current_k: np.ndarray  # index of the current bundle in the allowed list
    expected_yield_kg_per_ha: np.ndarray
    carbon_pv_per_ha: np.ndarray | None  # (m, K) PV of expected net carbon revenue (>= 0), None without price
    carbon_pv_variance: np.ndarray | None  # (m, K) variance of that PV from carbon price uncertainty
    view: FarmView


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

    -inf marks infeasible bundles. See the module docstring for the formulas; computed in one pass by the
    compiled kernel ``sim.kernels.bundle_utilities``.
    """
    m, k = x.farms.size, c.bundle_uses.shape[1]
    v = x.view
    zeros = np.zeros((m, k))
    utility = np.empty((m, k))
    kernels.bundle_utilities(
        x.farms, x.current_k, v.uses, v.years_in_use, v.belief_mean, v.belief_precision, v.neighbour_share,
        x.expected_yield_kg_per_ha, v.seeder_access, v.credit_access,
        zeros if x.carbon_pv_per_ha is None else x.carbon_pv_per_ha,
        zeros if x.carbon_pv_variance is None else x.carbon_pv_variance,
        c.bundle_uses, c.bundle_full_ca.astype(np.float64), c.transition_cost_per_ha, c.annual_cost_change_per_ha,
        (c.effect_long_run - c.effect_initial) * r.ramp_pv, c.payment_per_ha, r.payment_annuity, c.payment_years,
        c.residue_index, c.no_till_index, r.annuity, r.risk_aversion, r.crop_price_per_t, r.production_cost_per_ha,
        r.residue_value_per_ha, r.cash_limit_per_ha, c.synergy_long_run, c.social_weight, c.status_quo_bias, utility)
    return utility


def logit_choice(utility: np.ndarray, intensity: float, rng: np.random.Generator) -> np.ndarray:
    """Sample one column per row with probability proportional to exp(intensity x utility) (compiled kernel)."""
    chosen = np.empty(utility.shape[0], np.int64)
    utility = np.ascontiguousarray(utility)
    kernels.logit_choice(utility, float(intensity), rng.random(utility.shape[0]), np.empty_like(utility), chosen)
    return chosen


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
