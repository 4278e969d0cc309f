"""Yardstick only: the same yearly rules written the textbook Mesa way, one Python agent at a time.

Each ``NaiveFarmer`` holds its own state as Python attributes and steps itself (decide, adopt, soil,
yield, accounts, observe); the model calls the phases with ``AgentSet.do``. It is initialised from a vectorised
``AdoptionModel`` (same farms, network, beliefs) so both run identical rules on identical populations.
It exists to measure how much the vectorised design gains; nothing in ``sim`` uses it.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import mesa

from sim.behaviour.economic import MIN_MARGIN_SHARE, MIN_SCALE
from sim.incentives.carbon import credits_per_t_c
from sim.model import AdoptionModel
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, NO_TILL, RESIDUE_RETENTION, USES_BY_MASK


class NaiveFarmer(mesa.Agent):
    """A farmer with its own state, stepping itself."""

    def __init__(self, model: NaiveModel, i: int, source: AdoptionModel) -> None:
        super().__init__(model)
        p = s = source.farms
        self.i = i
        self.region = int(p.region[i])
        self.area = float(p.area_ha[i])
        self.base_yield = float(p.base_yield_kg_per_ha[i])
        self.seeder = bool(p.seeder_access[i])
        self.credit = bool(p.credit_access[i])
        self.bundle = int(s.bundle[i])
        self.years = [int(v) for v in s.years_in_use[i]]
        self.full_ca_years = int(s.full_ca_years[i])
        self.belief = [float(v) for v in s.belief_mean[i]]
        self.precision = [float(v) for v in s.belief_precision[i]]
        self.share = [0.0] * N_PRACTICES
        self.soc = float(source.soil.stock_t_c_per_ha[i])
        self.target = float(source.soil.target_t_c_per_ha[i])
        self.rate = float(source.soil.rate_t_c_per_ha_yr[i])
        self.years_left = int(source.soil.years_left[i])
        self.effects = [0.0] * N_PRACTICES
        self.noise = 0.0
        self.income = 0.0
        self.neighbours: list[tuple[NaiveFarmer, float]] = []
        self.is_demo = False

    def expected_yield(self) -> float:
        m = self.model
        ref, plateau, response = m.soc_ref[self.region], m.plateau[self.region], m.response[self.region]
        return max(self.base_yield + response * (min(self.soc, plateau) - min(ref, plateau)), 0.0)

    def decide(self) -> None:
        m = self.model
        if self.is_demo or m.random.random() >= m.revision_rate:
            return
        r = m.economics[self.region]
        c = m.constants
        gross = self.expected_yield() * r.crop_price_per_t / 1000.0
        margin = max(gross - r.production_cost_per_ha, MIN_MARGIN_SHARE * gross)
        scale = r.annuity * max(margin, MIN_SCALE)
        current = USES_BY_MASK[self.bundle]
        utilities = []
        for mask in m.masks:
            uses = USES_BY_MASK[mask]
            believed = sum(self.belief[p] for p in range(N_PRACTICES) if uses[p])
            believed += c.synergy_long_run[self.region] * FULL_CA_BY_MASK[mask]
            npv = r.annuity * gross * believed
            cost = sum(c.annual_cost_change_per_ha[p] for p in range(N_PRACTICES) if uses[p])
            if uses[c.residue_index]:
                cost += r.residue_value_per_ha
            npv -= r.annuity * cost
            cash = 0.0
            for p in range(N_PRACTICES):
                if uses[p] and not current[p]:
                    cash += c.transition_cost_per_ha[p]
                    npv -= c.transition_cost_per_ha[p]
                    npv -= gross * (c.effect_long_run[self.region, p] - c.effect_initial[self.region, p]) * r.ramp_pv[p]
            variance = sum(1.0 / self.precision[p] for p in range(N_PRACTICES) if uses[p])
            utility = npv - 0.5 * r.risk_aversion * r.annuity**2 * gross**2 * variance / scale
            utility /= scale
            conformity = sum(self.share[p] if uses[p] else 1.0 - self.share[p] for p in range(N_PRACTICES))
            utility += c.social_weight * conformity / N_PRACTICES
            if mask == self.bundle:
                utility += c.status_quo_bias
            elif (uses[c.no_till_index] and not self.seeder) or (not self.credit and cash > r.cash_limit_per_ha):
                utility = -math.inf
            utilities.append(utility)
        best = max(utilities)
        weights = [math.exp(c.choice_intensity * (u - best)) if u > -math.inf else 0.0 for u in utilities]
        draw = m.random.random() * sum(weights)
        for k, w in enumerate(weights):
            draw -= w
            if draw < 0:
                self.next_bundle = m.masks[k]
                return

    def adopt_and_grow(self) -> None:
        m = self.model
        new = getattr(self, "next_bundle", self.bundle)
        self.next_bundle = new
        if new != self.bundle and m.equilibrium[self.region][new] != self.target:
            self.target = m.equilibrium[self.region][new]
            self.rate = (self.target - self.soc) / m.transition_years
            self.years_left = m.transition_years
        uses = USES_BY_MASK[new]
        self.years = [y + 1 if uses[p] else 0 for p, y in enumerate(self.years)]
        self.full_ca_years = self.full_ca_years + 1 if FULL_CA_BY_MASK[new] else 0
        self.bundle = new
        if self.years_left > 0:
            self.soc = self.target if self.years_left == 1 else self.soc + self.rate
            self.years_left -= 1
        table = m.effect_table
        self.effects = [float(table[min(y, table.shape[0] - 1), self.region, p]) for p, y in enumerate(self.years)]
        multiplier = 1.0
        for e in self.effects:
            multiplier *= 1.0 + e
        synergy, synergy_years = m.synergy
        multiplier *= 1.0 + synergy[self.region] * min(self.full_ca_years / synergy_years[self.region], 1.0)
        sigma = m.farm_sigma[self.region]
        farm = math.exp(sigma * m.random.gauss(0.0, 1.0) - 0.5 * sigma**2)
        self.noise = farm - 1.0
        yield_kg = self.expected_yield() * multiplier * m.weather[self.region] * farm
        r = m.economics[self.region]
        cost = r.production_cost_per_ha + sum(m.constants.annual_cost_change_per_ha[p] for p in range(4) if uses[p])
        credits = max(self.rate, 0.0) * self.area * m.credit_factor if self.years_left > 0 and self.bundle else 0.0
        self.income = (yield_kg / 1000 * r.crop_price_per_t - cost) * self.area + credits * m.price

    def observe(self) -> None:
        m = self.model
        uses = USES_BY_MASK[self.bundle]
        counts = [float(u) for u in uses]
        sums = [self.effects[p] + self.noise if uses[p] else 0.0 for p in range(N_PRACTICES)]
        degree = 0.0
        seen = [0.0] * N_PRACTICES
        for other, weight in self.neighbours:
            degree += weight
            other_uses = USES_BY_MASK[other.bundle]
            for p in range(N_PRACTICES):
                if other_uses[p]:
                    seen[p] += weight
                    sums[p] += weight * (other.effects[p] + other.noise)
        for p in range(N_PRACTICES):
            self.share[p] = seen[p] / degree if degree else 0.0
            kept = m.prior_precision + m.memory * (self.precision[p] - m.prior_precision)
            evidence = (seen[p] + counts[p]) * m.inverse_obs_variance
            self.belief[p] = (kept * self.belief[p] + sums[p] * m.inverse_obs_variance) / (kept + evidence)
            self.precision[p] = kept + evidence


class NaiveModel(mesa.Model):
    """Per-agent Mesa implementation of the yearly step, built from a vectorised model's initial state."""

    def __init__(self, source: AdoptionModel, seed: int = 0) -> None:
        super().__init__(rng=seed)
        scenario = source.config
        self.config = scenario
        self.year = scenario.start_year
        rule, catalogue, yields = source.rule, source.catalogue, source.yields
        self.revision_rate = rule.spec.revision_rate
        self.masks = [int(m) for m in catalogue.masks]
        self.prices = source.incentives.carbon.prices
        self.economics = rule.regions
        self.constants = SimpleNamespace(
            synergy_long_run=catalogue.synergy_long_run, annual_cost_change_per_ha=catalogue.annual_cost_change_per_ha,
            transition_cost_per_ha=catalogue.transition_cost_per_ha, effect_long_run=catalogue.effect_long_run,
            effect_initial=catalogue.effect_initial, residue_index=RESIDUE_RETENTION, no_till_index=NO_TILL,
            social_weight=rule.spec.social_weight, status_quo_bias=rule.spec.status_quo_bias,
            choice_intensity=rule.spec.choice_intensity)
        self.equilibrium = source.soil.equilibrium_table
        self.transition_years = scenario.soil.transition_years
        self.effect_table = catalogue.effect_table
        self.synergy = (catalogue.synergy_long_run, catalogue.synergy_years)
        self.soc_ref, self.plateau = yields.reference_t_c_per_ha, yields.plateau_t_c_per_ha
        self.response = yields.response_kg_per_t_c
        self.weather_sigma = yields.weather_sigma
        self.farm_sigma = [float(yields.farm_sigma[start]) for start in source.regions.start]
        self.credit_factor = credits_per_t_c(scenario.carbon) * scenario.carbon.farmer_share
        d = scenario.decision.learning
        self.prior_precision = 1.0 / d.prior_yield_belief_sd**2
        self.inverse_obs_variance = 1.0 / d.observation_sd**2
        self.memory = d.belief_memory
        farmers = [NaiveFarmer(self, i, source) for i in range(source.n)]
        adjacency = source.network.adjacency
        for i, farmer in enumerate(farmers):
            lo, hi = adjacency.indptr[i], adjacency.indptr[i + 1]
            farmer.neighbours = [(farmers[j], float(w)) for j, w in
                                 zip(adjacency.indices[lo:hi], adjacency.data[lo:hi], strict=True)]
        for i in source.network.demo:
            farmers[i].is_demo = True
        self.farmers = farmers
        for farmer in farmers:
            farmer.observe()

    def step(self) -> None:
        self.year += 1
        self.price = self.prices[min(self.year - self.config.start_year, len(self.prices) - 1)]
        self.weather = [math.exp(s * self.random.gauss(0, 1) - 0.5 * s * s) for s in self.weather_sigma]
        self.agents.do("decide")
        self.agents.do("adopt_and_grow")
        self.agents.do("observe")
        self.adoption = sum(1 for f in self.farmers if f.bundle) / len(self.farmers)
