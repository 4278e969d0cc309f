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

from sim.behaviour.valuation import MIN_MARGIN_SHARE, MIN_SCALE
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
        self.dealer_draw = float(p.dealer_draw[i])
        self.contractor_draw = float(p.contractor_draw[i])
        self.served = bool(source.access.served[i])
        self.member = bool(source.social.member[i])
        self.organisation = int(source.network.organisation[i])
        self.residue_value = float(p.residue_value_per_ha[i])
        self.price = float(p.crop_price_per_t[i])
        self.cost = float(p.production_cost_per_ha[i])
        self.heterogeneity = [float(v) for v in source.rule.heterogeneity[i]]
        self.savings = float(s.savings[i])
        self.hires = bool(s.hires[i])
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
        self.weight = [0.0] * N_PRACTICES
        self.signal = [0.0] * N_PRACTICES
        self.noise = 0.0
        self.income = 0.0
        self.neighbours: list[tuple[NaiveFarmer, float]] = []
        self.is_demo = False

    def expected_yield(self) -> float:
        m = self.model
        ref, plateau, response = m.soc_ref[self.region], m.plateau[self.region], m.response[self.region]
        return max(self.base_yield + response * (min(self.soc, plateau) - min(ref, plateau)), 0.0)

    def value(self, mask: int, hires: bool, gross: float, margin: float) -> float:
        """V(b) of ``sim.behaviour.valuation`` (no incentives: the benchmark's scenario has none), currency/ha/yr."""
        m, c = self.model, self.model.constants
        r = m.economics[self.region]
        value = 0.0
        for p in range(N_PRACTICES):
            if mask >> p & 1:
                mean = self.belief[p]
                shortfall = r.shortfall[min(self.years[p], len(r.shortfall) - 1)][p]
                value += gross * (mean - (mean - c.effect_initial[self.region][p]) * shortfall) - c.annual_cost_change_per_ha[p]
                value -= 0.5 * r.risk_aversion * gross * gross / (margin * self.precision[p])
                if p == c.residue_index:
                    value -= self.residue_value
                elif p == c.no_till_index:
                    value -= r.herbicide_extra + (r.contractor_fee if hires else 0.0)
        if FULL_CA_BY_MASK[mask]:
            ramp_left = r.synergy_shortfall[min(self.full_ca_years, len(r.synergy_shortfall) - 1)]
            value += gross * c.synergy[self.region] * (1 - ramp_left)
        return value

    def decide(self) -> None:
        """Each practice reconsidered with the revision rate and decided by its binary logit (the economic rule)."""
        m, c = self.model, self.model.constants
        if self.is_demo:
            return
        r = m.economics[self.region]
        dealer = self.dealer_draw < m.seeder_supply[self.region]
        contractor = self.contractor_draw < m.contractor_supply[self.region]
        budget = self.savings * (1.0 + m.loan_to_savings * self.served)
        gross = self.expected_yield() * self.price / 1000.0
        margin = max(gross - self.cost, MIN_MARGIN_SHARE * gross, MIN_SCALE)
        mask, hired = self.bundle, self.hires
        if hired and mask & 1 << c.no_till_index and not contractor:
            mask, hired = mask & ~(1 << c.no_till_index), False
        for p in range(N_PRACTICES):
            draw = m.random.random()
            if not r.available[p] or draw >= m.revision_rate:
                continue
            bit = 1 << p
            without = self.value(mask & ~bit, hired and p != c.no_till_index, gross, margin)
            if mask & bit:
                gain, hire = self.value(mask, hired, gross, margin) - without, hired
                gain += c.exit_cost_share * c.transition_cost_per_ha[p] / r.annuity
            else:
                options = []
                if c.transition_cost_per_ha[p] * self.area <= budget and (p != c.no_till_index or dealer):
                    own = self.value(mask | bit, hired and p != c.no_till_index, gross, margin)
                    options.append((own - c.transition_cost_per_ha[p] / r.annuity, False))
                if p == c.no_till_index and contractor:
                    options.append((self.value(mask | bit, True, gross, margin), True))
                if not options:
                    continue
                best, hire = max(options, key=lambda option: option[0])
                gain = best - without
            utility = gain + self.heterogeneity[p] + r.constants[p] + c.conformity_share * margin * self.share[p]
            utility += sum(r.pairs[p][q] for q in range(N_PRACTICES) if q != p and mask >> q & 1)
            use = draw / m.revision_rate < 1.0 / (1.0 + math.exp(-utility / (c.noise_share * margin)))
            if use and not mask & bit:
                mask |= bit
                hired = hire if p == c.no_till_index else hired
                if not (p == c.no_till_index and hire):
                    budget -= c.transition_cost_per_ha[p] * self.area
            elif not use and mask & bit:
                mask &= ~bit
                hired = False if p == c.no_till_index else hired
        self.next_bundle, self.next_hires = mask, hired

    def adopt_and_grow(self) -> None:
        m = self.model
        new = getattr(self, "next_bundle", self.bundle)
        self.next_bundle = new
        started = [USES_BY_MASK[new][p] and not USES_BY_MASK[self.bundle][p] for p in range(N_PRACTICES)]
        self.hires = getattr(self, "next_hires", self.hires)
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
        c, r = m.constants, m.economics[self.region]
        cost = self.cost + sum(c.annual_cost_change_per_ha[p] for p in range(N_PRACTICES) if uses[p])
        cost += self.residue_value if uses[c.residue_index] else 0.0
        cost += (r.herbicide_extra + (r.contractor_fee if self.hires else 0.0)) if uses[c.no_till_index] else 0.0
        one_off = sum(c.transition_cost_per_ha[p] for p in range(N_PRACTICES)
                      if started[p] and not (p == c.no_till_index and self.hires)) * self.area
        credits = max(self.rate, 0.0) * self.area * m.credit_factor if self.years_left > 0 and self.bundle else 0.0
        self.income = (yield_kg / 1000 * self.price - cost) * self.area - one_off + credits * m.price
        self.savings = (1 - m.spending_rate) * self.savings + m.savings_rate * max(self.income, 0.0)
        progress = [float(m.progress_table[min(y, len(m.progress_table) - 1)][self.region][p])
                    for p, y in enumerate(self.years)]
        self.weight = [x * x for x in progress]
        self.signal = [x * (self.effects[p] + self.noise - (1 - x) * c.effect_initial[self.region][p]) if uses[p] else 0.0
                       for p, x in enumerate(progress)]

    def observe(self) -> None:
        """Ramp-corrected evidence from own farm, neighbours and (members) the organisation; belief update."""
        m = self.model
        evidence, signal = list(self.weight), list(self.signal)
        degree = 0.0
        seen = [0.0] * N_PRACTICES
        for other, weight in self.neighbours:
            degree += weight
            other_uses = USES_BY_MASK[other.bundle]
            for p in range(N_PRACTICES):
                if other_uses[p]:
                    seen[p] += weight
                    evidence[p] += weight * other.weight[p]
                    signal[p] += weight * other.signal[p]
        if self.member:
            totals = m.organisation_totals[self.organisation]
            for p in range(N_PRACTICES):
                evidence[p] += m.organisation_weight * (totals[0][p] - self.weight[p])
                signal[p] += m.organisation_weight * (totals[1][p] - self.signal[p])
        for p in range(N_PRACTICES):
            self.share[p] = seen[p] / degree if degree else 0.0
            if not m.learns:
                continue
            kept = m.prior_precision + m.memory * (self.precision[p] - m.prior_precision)
            self.belief[p] = (kept * self.belief[p] + signal[p] * m.inverse_obs_variance) / (
                kept + evidence[p] * m.inverse_obs_variance)
            self.precision[p] = kept + evidence[p] * m.inverse_obs_variance


class NaiveModel(mesa.Model):
    """Per-agent Mesa implementation of the yearly step, built from a vectorised model's initial state."""

    def __init__(self, source: AdoptionModel, seed: int = 0) -> None:
        super().__init__(rng=seed)
        scenario = source.config
        self.config = scenario
        self.year = scenario.start_year
        rule, catalogue, yields, access = source.rule, source.catalogue, source.yields, source.access
        spec, valuation = rule.spec, rule.valuation
        self.revision_rate = spec.revision_rate
        self.prices = source.incentives.carbon.prices
        self.access = access
        self.economics = [SimpleNamespace(
            annuity=float(valuation.annuity[r]), risk_aversion=float(valuation.risk_aversion[r]),
            shortfall=valuation.shortfall[r].tolist(), synergy_shortfall=valuation.synergy_shortfall[r].tolist(),
            available=catalogue.available[r].tolist(), constants=rule.constants[r].tolist(),
            pairs=rule.pairs[r].tolist(), herbicide_extra=0.0, contractor_fee=float(access.contractor_fee_per_ha[r]))
            for r in range(len(source.regions.names))]
        self.constants = SimpleNamespace(
            synergy=catalogue.synergy_long_run, annual_cost_change_per_ha=catalogue.annual_cost_change_per_ha.tolist(),
            transition_cost_per_ha=catalogue.transition_cost_per_ha.tolist(),
            effect_initial=catalogue.effect_initial.tolist(), residue_index=RESIDUE_RETENTION, no_till_index=NO_TILL,
            noise_share=spec.noise_share, exit_cost_share=spec.exit_cost_share, conformity_share=spec.conformity_share)
        self.learns = rule.learns
        self.progress_table = source.learning.progress_table.tolist()
        a = scenario.decision.access
        self.savings_rate, self.spending_rate, self.loan_to_savings = a.savings_rate, a.savings_spending_rate, \
            a.loan_to_savings
        self.organisation_weight = scenario.decision.social.organisation_weight
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
        self.organisation_totals = {}
        for farmer in farmers:
            farmer.share = [float(v) for v in source.social.share[farmer.i]]

    def step(self) -> None:
        self.year += 1
        self.price = self.prices[min(self.year - self.config.start_year, len(self.prices) - 1)]
        self.update_supply()
        self.weather = [math.exp(s * self.random.gauss(0, 1) - 0.5 * s * s) for s in self.weather_sigma]
        self.agents.do("decide")
        self.agents.do("adopt_and_grow")
        self.organisation_totals = {}
        for farmer in self.farmers:
            totals = self.organisation_totals.setdefault(farmer.organisation, ([0.0] * N_PRACTICES, [0.0] * N_PRACTICES))
            for p in range(N_PRACTICES):
                totals[0][p] += farmer.weight[p]
                totals[1][p] += farmer.signal[p]
        self.agents.do("observe")
        self.adoption = sum(1 for f in self.farmers if f.bundle) / len(self.farmers)

    def update_supply(self) -> None:
        """Dealers and hire services move towards their target for last season's no-till area share."""
        a, regions = self.access, range(len(self.economics))
        area = [0.0 for _ in regions]
        no_till = [0.0 for _ in regions]
        for farmer in self.farmers:
            area[farmer.region] += farmer.area
            no_till[farmer.region] += farmer.area if farmer.bundle & 1 << NO_TILL else 0.0
        scale, rate = a.spec.supply_scale, a.spec.supply_adjustment_rate
        if not hasattr(self, "seeder_supply"):
            self.seeder_supply, self.contractor_supply = list(a.seeder_supply), list(a.contractor_supply)
        for r in regions:
            reach = 1.0 - math.exp(-no_till[r] / area[r] / scale)
            for supply, base in ((self.seeder_supply, a.seeder_base[r]), (self.contractor_supply, a.contractor_base[r])):
                supply[r] += rate * (base + (1.0 - base) * reach - supply[r])
