"""The Theory of Planned Behaviour rule (Ajzen 1991), in the form of InSEEDS' tillage farmers (Breier et al. 2025).

Each year each farmer (never a demonstration farm) reconsiders each practice p of its region with probability
``revision_rate``, in practice order. Its intention to use p is

    I_ip = w_A A_ip + w_N N_ip + w_C C_ip,    w_A + w_N + w_C = 1
    A_ip = 1 / (1 + exp(-beta x gain_ip / W_i))        attitude: the practice's net benefit in units of margin
    N_ip = share_ip                                    subjective norm: weighted share of neighbours using p
    C_ip = [feasible] x (c0 + (1 - c0) x (1 - prior precision / precision_ip))   perceived behavioural control

with gain_ip the same annualised net benefit the economic rule uses for switching p alone
(``sim.behaviour.valuation.move_value``: for a practice in use, the value of keeping it; switching costs included, no
heterogeneity or constants, no exit cost: the rule's inertia is its hysteresis), W_i the conventional gross margin,
feasible = the farmer can start it (seeder route, money; always for a practice in use), and the know-how term
growing from c0 as evidence about p accumulates. A non-user adopts when I_ip > tau_i; a user drops when I_ip < tau_i
- h (hysteresis). Thresholds tau_i ~ Beta with the given mean and sd, one per farmer, drawn at set-up. The rule is
deterministic given who reconsiders; its heterogeneity is in the thresholds (InSEEDS: two farmer types; here a
continuum).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.behaviour.base import CONSTRAINT, Choice, Situation
from sim.behaviour.economic import deciding_farms
from sim.behaviour.valuation import TABLE_SLOTS, Valuation, drop_reason, move_value, utility_tables
from sim.farmers import Regions
from sim.parallel import FarmStreams
from sim.practices import NO_TILL, Catalogue
from sim.scenario import Scenario


def beta_thresholds(mean: float, sd: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """N thresholds from a Beta with this mean and sd (all equal to the mean when sd = 0)."""
    if sd == 0.0:
        return np.full(n, mean)
    concentration = mean * (1.0 - mean) / sd**2 - 1.0
    return rng.beta(mean * concentration, (1.0 - mean) * concentration, n)


class TpbRule:
    """The TPB rule of ``[decision.rule]`` with ``kind = "tpb"`` (see the module docstring).

    Attributes:
        threshold: (n,) each farmer's intention threshold.

    """

    learns = True

    def __init__(self, scenario: Scenario, catalogue: Catalogue, regions: Regions, rng: np.random.Generator) -> None:
        self.spec = scenario.decision.rule
        self.valuation = Valuation.of(scenario, catalogue)
        self.threshold = beta_thresholds(self.spec.threshold_mean, self.spec.threshold_sd, regions.n, rng)

    def decide(self, situation: Situation, decisions: FarmStreams) -> Choice:
        """Reconsidered practices (one uniform draw per farm and practice) follow the farmer's intention."""
        farms, s, v = situation.farms, self.spec, self.valuation
        n_practices = v.effect_initial.shape[1]
        d = deciding_farms(situation, decisions, s.revision_rate)
        rows, draws, gross, margin, pv, has_incentives = d.rows, d.draws, d.gross, d.margin, d.incentive_pv, \
            d.has_incentives
        access = situation.access.now
        table = np.empty((rows.size, TABLE_SLOTS))
        utility_tables(rows, farms.region, situation.valuation_seasons(), farms.full_ca_years, gross, margin, farms.belief_mean,
                       farms.belief_precision, pv, d.incentive_var, has_incentives, v.annuity, v.risk_aversion, v.shortfall,
                       v.synergy_shortfall, v.cost_change_per_ha, v.effect_initial, v.synergy,
                       farms.residue_value_per_ha, situation.access.herbicide_extra_per_ha,
                       situation.access.contractor_fee_per_ha, np.zeros((rows.size, n_practices)),
                       np.zeros((situation.regions.sizes.size, n_practices, n_practices)), table)
        bundle, hires, dropped = farms.bundle.copy(), farms.hires.copy(), np.zeros(farms.n, np.uint8)
        intend_practices(
            rows, farms.region, draws, s.revision_rate, farms.bundle, farms.hires, table, gross, margin,
            farms.belief_mean, farms.belief_precision, situation.social.share, self.threshold,
            situation.catalogue.available, access.dealer, access.contractor, access.money, farms.area_ha, pv,
            has_incentives, v.annuity, v.transition_cost_per_ha, s.attitude_weight, s.norm_weight, s.control_weight,
            s.attitude_sensitivity, s.control_without_know_how, s.hysteresis, situation.learning.prior_precision,
            farms.belief_at_adoption, farms.support_at_adoption, bundle, hires, dropped)
        return Choice(bundle, hires, dropped)


@njit(cache=True, parallel=True)
def intend_practices(rows, region, draws, revision_rate, bundle, hires, table, gross, margin, belief_mean,
                     belief_precision, share, threshold, available, dealer, contractor, money, area_ha, incentive_pv,
                     has_incentives, annuity, transition_cost, attitude_weight, norm_weight, control_weight,
                     attitude_sensitivity, control_without_know_how, hysteresis, prior_precision, belief_at_adoption,
                     support_at_adoption, new_bundle, new_hires, dropped):  # pragma: no cover - compiled
    """The module docstring's decisions for farms ``rows`` (arrays as in ``economic.choose_practices``)."""
    for r in prange(rows.size):
        i = rows[r]
        reg = region[i]
        mask = bundle[i]
        hired = hires[i]
        budget = money[i]
        g, w = gross[r], margin[r]
        row = r * np.int64(has_incentives)
        if hired and mask & (1 << NO_TILL) and not contractor[i]:
            mask &= ~(1 << NO_TILL)
            hired = False
            dropped[i] |= CONSTRAINT
        for p in range(belief_mean.shape[1]):
            if not available[reg, p] or draws[i, p] >= revision_rate:
                continue
            bit = 1 << p
            gain, feasible, hire = move_value(mask, mask ^ bit, hired, budget, table[r], area_ha[i], dealer[i],
                                              contractor[i], annuity[reg], transition_cost, 0.0)
            if mask & bit:  # the value of keeping it
                gain, feasible = -gain, True
            with_p, without_p = mask | bit, mask & ~bit
            support = (incentive_pv[row, with_p] - incentive_pv[row, without_p]) / annuity[reg] if has_incentives \
                else 0.0
            attitude = 1.0 / (1.0 + np.exp(-attitude_sensitivity * gain / w))
            know_how = 1.0 - prior_precision / belief_precision[i, p]
            control = (control_without_know_how + (1.0 - control_without_know_how) * max(know_how, 0.0)) * feasible
            intention = attitude_weight * attitude + norm_weight * share[i, p] + control_weight * control
            if not mask & bit and feasible and intention > threshold[i]:
                mask |= bit
                if p == NO_TILL:
                    hired = hire
                if not hire or p != NO_TILL:
                    budget -= transition_cost[p] * area_ha[i]
                belief_at_adoption[i, p] = belief_mean[i, p]
                support_at_adoption[i, p] = support
            elif mask & bit and intention < threshold[i] - hysteresis:
                mask &= ~bit
                if p == NO_TILL:
                    hired = False
                dropped[i] |= drop_reason(g, belief_mean[i, p], belief_at_adoption[i, p], support,
                                          support_at_adoption[i, p], w / attitude_sensitivity)
        new_bundle[i] = mask
        new_hires[i] = hired
