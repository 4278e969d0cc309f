"""The economic decision rule: farmers who reconsider choose the bundle of highest expected utility (logit).

For the farmers who reconsider this year (``revision_rate``; never demonstration farms), over the allowed bundles k:

    NPV_k = A(r, H) x [Y p / 1000 x (sum_p m_p + e_CA [k full CA]) - sum_p dc_p - residue fodder value]
            - one-off costs of new practices - PV of the known early-year yield penalty of new practices
            + PV of expected incentive revenue (``sim.incentives``: per-ha payments still due, net carbon revenue)
    CE_k  = NPV_k - 0.5 x R x Var_k / W           (Arrow-Pratt certainty equivalent, relative risk aversion R)
    Var_k = (A x Y p / 1000)^2 x sum_p 1 / precision_p     (uncertainty of the believed yield effects)
            + Var(PV of incentive revenue)                   (e.g. carbon price uncertainty)
    U_k   = CE_k / W + social_weight x conformity_k + status_quo_bias x [k is current]
    P(k)  = exp(choice_intensity x U_k) / sum_j exp(choice_intensity x U_j)   over feasible bundles

with m_p the farmer's belief about practice p's long-run yield effect (``sim.behaviour.learning``), Y its expected
yield potential (kg/ha, ``sim.yields``), p the crop price, A(r, H) the annuity factor of its discount rate over
the planning horizon, W = A x max(baseline gross margin, MIN_MARGIN_SHARE x gross revenue) (the scale that makes
utilities unit-free), conformity_k the mean over practices of the neighbours' share that do as bundle k does
(``sim.behaviour.social``). Infeasible: no-till without seeder access; new one-off costs above the cash limit
without credit (the current bundle is always feasible).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.behaviour.base import Situation
from sim.behaviour.logit import logit_choice
from sim.economics import annuity_factor
from sim.farmers import Regions
from sim.parallel import FarmStreams
from sim.practices import NO_TILL, RESIDUE_RETENTION, Catalogue
from sim.scenario import Scenario

#: The utility scale W uses at least this share of gross revenue as the baseline margin, so that a farm whose
#: conventional margin is negative or near zero still has a positive, finite scale. Assumption (no source): a
#: tenth of revenue is the smallest margin a farm lives on.
MIN_MARGIN_SHARE = 0.1
#: Smallest utility scale (currency/ha), guarding a zero gross revenue.
MIN_SCALE = 1e-9
#: One-off costs up to the cash limit plus this rounding tolerance (currency/ha) are affordable without credit.
CASH_TOLERANCE = 1e-9


def ramp_present_value(discount_rate: float, transition_years: int) -> float:
    """PV factor of the early-year shortfall of a linear ramp: sum_t d^t x (1 - (t-1)/(T-1)), t = 1..T-1."""
    if transition_years <= 1:
        return 0.0
    t = np.arange(1, transition_years)
    return float(np.sum((1.0 + discount_rate) ** -t * (1.0 - (t - 1) / (transition_years - 1))))


@dataclass(frozen=True)
class RegionEconomics:
    """Per-region scalars of the economic rule (money in scenario currency, per ha)."""

    annuity: float  # A(r, H)
    risk_aversion: float
    crop_price_per_t: float
    production_cost_per_ha: float
    residue_value_per_ha: float
    cash_limit_per_ha: float
    ramp_pv: np.ndarray  # (P,) PV factor of the early-year penalty per unit of (long-run - initial) effect


class EconomicRule:
    """The economic rule of ``[decision.rule]`` with ``kind = "economic"`` (see the module docstring)."""

    learns = True

    def __init__(self, scenario: Scenario, catalogue: Catalogue, regions: Regions, rng: np.random.Generator) -> None:
        self.spec = scenario.decision.rule
        self.catalogue = catalogue
        horizon = scenario.decision.planning_horizon_years
        self.regions = [
            RegionEconomics(
                annuity=float(annuity_factor(s.discount_rate, horizon)),
                risk_aversion=s.risk_aversion,
                crop_price_per_t=s.crop_price_per_t,
                production_cost_per_ha=s.production_cost_per_ha,
                residue_value_per_ha=s.residue_livestock_value_per_ha,
                cash_limit_per_ha=s.cash_limit_per_ha,
                ramp_pv=np.array([ramp_present_value(s.discount_rate, t) for t in catalogue.effect_years[r]]),
            )
            for r, s in enumerate(regions.specs)
        ]

    def decide(self, situation: Situation, decisions: FarmStreams) -> np.ndarray:
        """Reconsidering farmers (drawn first, one uniform number per farm) choose by logit, region by region."""
        bundle = situation.farms.bundle
        revising = decisions.random() < self.spec.revision_rate
        revising[situation.network.demo] = False
        out = bundle.copy()
        for region, farms in situation.regions.blocks(np.flatnonzero(revising)):
            choice = logit_choice(self.utilities(situation, farms, region), self.spec.choice_intensity,
                                  decisions.of_region(region))
            out[farms] = self.catalogue.masks[choice]
        return out

    def utilities(self, situation: Situation, farms: np.ndarray, region: int) -> np.ndarray:
        """Utility of each allowed bundle for ``farms`` (rows, all of ``region``), shape (m, K); -inf = infeasible."""
        f, c, r = situation.farms, self.catalogue, self.regions[region]
        soc = situation.soil.stock_t_c_per_ha[farms]
        expected_yield = situation.yields.potential(f.base_yield_kg_per_ha[farms], region, soc)
        value = situation.incentives.value(farms, region, c.masks)
        utility = np.empty((farms.size, c.masks.size))
        bundle_utilities(
            farms, c.mask_to_k[f.bundle[farms]], f.uses, f.belief_mean, f.belief_precision, situation.social.share,
            expected_yield, f.seeder_access, f.credit_access, value.present_value_per_ha, value.variance,
            c.bundle_uses, c.bundle_full_ca.astype(np.float64), c.transition_cost_per_ha, c.annual_cost_change_per_ha,
            (c.effect_long_run[region] - c.effect_initial[region]) * r.ramp_pv, RESIDUE_RETENTION, NO_TILL, r.annuity,
            r.risk_aversion, r.crop_price_per_t, r.production_cost_per_ha, r.residue_value_per_ha, r.cash_limit_per_ha,
            c.synergy_long_run[region], self.spec.social_weight, self.spec.status_quo_bias, MIN_MARGIN_SHARE, MIN_SCALE,
            CASH_TOLERANCE, utility)
        return utility


@njit(cache=True, parallel=True)
def bundle_utilities(farms, current_k, uses, belief_mean, belief_precision, neighbour_share, expected_yield_kg_per_ha,
                     seeder_access, credit_access, incentive_pv_per_ha, incentive_variance, bundle_uses, bundle_full_ca,
                     transition_cost_per_ha, cost_change_per_ha, penalty, residue_index, no_till_index, annuity,
                     risk_aversion, crop_price_per_t, production_cost_per_ha, residue_value_per_ha, cash_limit_per_ha,
                     synergy, social_weight, status_quo_bias, min_margin_share, min_scale, cash_tolerance,
                     utility):  # pragma: no cover - compiled
    """U_k of the module docstring for the reconsidering ``farms`` of one region, written to ``utility`` (m, K).

    Per-farm arrays are indexed by farm (``farms[r]`` for row r) except ``expected_yield_kg_per_ha``,
    ``incentive_pv_per_ha`` and ``incentive_variance``, which are per row. ``penalty`` = (long-run - initial
    effect) x ramp PV factor per practice. Infeasible bundles get -inf; the current bundle is always feasible.
    """
    m = farms.size
    n_practices, n_bundles = bundle_uses.shape
    for r in prange(m):
        i = farms[r]
        gross = expected_yield_kg_per_ha[r] * crop_price_per_t / 1000.0
        margin = max(gross - production_cost_per_ha, min_margin_share * gross)
        scale = annuity * max(margin, min_scale)
        risk = 0.5 * risk_aversion * annuity * annuity * gross * gross / scale
        for k in range(n_bundles):
            believed = synergy * bundle_full_ca[k]
            yearly_cost = 0.0
            one_off = 0.0
            cash = 0.0
            variance = 0.0
            conformity = 0.0
            blocked = False
            for p in range(n_practices):
                share = neighbour_share[i, p]
                if bundle_uses[p, k] > 0.0:
                    believed += belief_mean[i, p]
                    yearly_cost += cost_change_per_ha[p] + (residue_value_per_ha if p == residue_index else 0.0)
                    variance += 1.0 / belief_precision[i, p]
                    conformity += share
                    if not uses[i, p]:
                        one_off += transition_cost_per_ha[p] + gross * penalty[p]
                        cash += transition_cost_per_ha[p]
                    if p == no_till_index and not seeder_access[i]:
                        blocked = True
                else:
                    conformity += 1.0 - share
            npv = annuity * (gross * believed - yearly_cost) - one_off + incentive_pv_per_ha[r, k]
            value = (npv - risk * variance - 0.5 * risk_aversion * incentive_variance[r, k] / scale) / scale
            value += social_weight * conformity / n_practices
            if k == current_k[r]:
                value += status_quo_bias
            elif blocked or (not credit_access[i] and cash > cash_limit_per_ha + cash_tolerance):
                value = -np.inf
            utility[r, k] = value
