"""The Mesa model: wiring and the yearly schedule. Each stage is one vectorised call into its own module.

Yearly step (one season):
  1. decide   - reconsidering farmers choose a bundle (``sim.decisions``), using last season's observations;
  2. adopt    - practices' seasons in use advance; one-off costs of new practices; soil told of changes;
  3. soil     - SOC advances one year (``sim.soil``);
  4. yields   - SOC response x practice effects x weather (``sim.yields``);
  5. accounts - revenue, costs, payments; carbon enrolment, verification, credits, MRV (``sim.carbon_market``);
  6. observe  - farmers see their own and their neighbours' results and update beliefs;
  7. record   - one row per region and 'all' (``sim.outputs``).
"""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from sim import carbon_market, decisions, kernels
from sim.agents import FarmerAgent
from sim.economics import annuity_factor
from sim.network import Network, build_network
from sim.outputs import YearInputs, YearlyRecorder
from sim.population import allocate_farmers, build_parameters, initial_bundles, initial_state
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, PRACTICES, USES_BY_MASK, parse_bundle, practice_matrix
from sim.scenario import Scenario
from sim.soil import build_soil
from sim.units import soc_pct_to_t_c_per_ha
from sim.yields import lognormal_sigma, ramp_table, soc_yield_potential


class AdoptionModel(mesa.Model):
    """Conservation Agriculture adoption by farmers in linked networks, with soil carbon, yields and income.

    Args:
        scenario: a validated scenario (``sim.load_scenario``).
        seed: random seed; the scenario's ``seed`` when None. Same scenario + seed = same results.
        n_farmers: total farmers, split over regions by the scenario's shares; the file's counts when None.
        create_agents: create one Mesa ``FarmerAgent`` (a thin view on the arrays) per farmer.

    Attributes:
        config: the scenario. params / state: per-farm parameter and state arrays. network: the CSR network.
        soil: the soil carbon model. year: calendar year of the latest state.

    """

    def __init__(self, scenario: Scenario, seed: int | None = None, n_farmers: int | None = None,
                 create_agents: bool = True) -> None:
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.config = scenario
        self.seed = seed
        streams = np.random.SeedSequence(seed).spawn(5)
        rng_population, rng_network, self._rng_weather, self._rng_decisions, self._rng_policy = (
            np.random.default_rng(s) for s in streams
        )
        names = list(scenario.regions)
        specs = list(scenario.regions.values())
        self.region_names = names
        self.region_sizes = allocate_farmers(scenario, n_farmers)
        self.region_start = np.concatenate([[0], np.cumsum(self.region_sizes)[:-1]]).astype(np.int64)
        self.n = int(sum(self.region_sizes))

        self.params = build_parameters(scenario, self.region_sizes, rng_population)
        bundles = initial_bundles(scenario, self.region_sizes, rng_population)
        self.network: Network = build_network(
            scenario.network, self.region_sizes, names, [s.demo_farms for s in specs], rng_network
        )
        self._masks = np.array(scenario.bundle_masks, dtype=np.uint8)
        self._mask_to_k = np.full(1 << N_PRACTICES, -1, np.int64)
        self._mask_to_k[self._masks] = np.arange(self._masks.size)
        self.demo_bundle = max(scenario.bundle_masks, key=lambda m: (bool(FULL_CA_BY_MASK[m]), bin(m).count("1")))
        bundles[self.network.demo] = self.demo_bundle
        self._target_mask = parse_bundle(scenario.decision.target_bundle)

        practices = [getattr(scenario.practices, p) for p in PRACTICES]
        self._effect_initial = np.array([p.yield_effect_initial for p in practices])
        self._effect_long_run = np.array([p.yield_effect_long_run for p in practices])
        self._effect_years = np.array([p.yield_transition_years for p in practices])
        self._transition_cost = np.array([p.transition_cost_per_ha for p in practices])
        self._cost_change = np.array([p.annual_cost_change_per_ha for p in practices])
        self._payment = np.array([scenario.payments.per_ha.get(p, 0.0) for p in PRACTICES])
        self._effect_table = ramp_table(self._effect_initial, self._effect_long_run, self._effect_years)

        self.state = initial_state(scenario, bundles, rng_population, self._effect_long_run, self._effect_table)
        self.soil = build_soil(scenario, self.params.region, bundles)
        self._uses = practice_matrix(bundles)  # (n, P) practices in use
        self._region_arrays(specs)
        self._economic_constants()
        self._seeder_paths = any(r.seeder_access_by_year is not None for r in specs)
        self.year = scenario.start_year
        degree = self.network.degree
        self._inverse_degree = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
        self._observe(update_beliefs=False)
        carbon = scenario.carbon
        prices = carbon_market.market_prices(carbon.price, scenario.start_year, scenario.years + 101, self._rng_policy)
        twin_regions = [names.index(r) for r in scenario.twin_market.seller_regions] if scenario.twin_market else []
        self.carbon = carbon_market.CarbonProgramme(carbon, scenario.twin_market, scenario.start_year,
                                                    self.params.region, twin_regions, self.params.area_ha,
                                                    self.network.organisation, prices)
        self.recorder = YearlyRecorder(names, self.region_start, self.params.area_ha, self._target_mask,
                                       public_buyer=carbon.buyer == "public",
                                       public_guarantor=carbon.price.guarantor == "public")
        self.recorder.record(self._year_inputs())
        if create_agents:
            FarmerAgent.create_agents(self, self.n)

    @property
    def farmers(self) -> list[FarmerAgent]:
        """Farmer agents in array order (empty when built with ``create_agents=False``)."""
        if getattr(self, "_farmers", None) is None or len(self._farmers) != len(self.agents):
            self._farmers = sorted(self.agents_by_type.get(FarmerAgent, []), key=lambda a: a.unique_id)
        return self._farmers

    # ----------------------------------------------------------------------------------------------- set-up
    def _region_arrays(self, specs: list) -> None:
        """Per-region constants (arrays indexed by region) used in the yearly step."""
        depth = self.config.soil.depth_cm
        self._r_discount = np.array([s.discount_rate for s in specs])
        self._r_response = np.array([s.yield_response_kg_per_t_c for s in specs])
        self._r_soc_ref = np.array([self.soil.reference_stock(i) for i in range(len(specs))])
        self._r_plateau = np.array([soc_pct_to_t_c_per_ha(s.soc_plateau_pct, s.bulk_density_g_cm3, depth) for s in specs])
        self._r_weather_sigma = np.array([lognormal_sigma(s.weather_cv) for s in specs])
        self._farm_sigma = lognormal_sigma(np.repeat([s.yield_cv for s in specs], self.region_sizes)).astype(np.float32)
        horizon = self.config.decision.planning_horizon_years
        credit_years = min(self.config.soil.transition_years, horizon)
        self._r_carbon_annuity = annuity_factor(self._r_discount, credit_years)
        payment_years = np.arange(self.config.payments.duration_years + 1)
        self._region_economics = [
            decisions.RegionEconomics(
                annuity=float(annuity_factor(s.discount_rate, horizon)),
                risk_aversion=s.risk_aversion,
                crop_price_per_t=s.crop_price_per_t,
                production_cost_per_ha=s.production_cost_per_ha,
                residue_value_per_ha=s.residue_livestock_value_per_ha,
                cash_limit_per_ha=s.cash_limit_per_ha,
                ramp_pv=np.array([decisions.ramp_present_value(s.discount_rate, t) for t in self._effect_years]),
                payment_annuity=annuity_factor(s.discount_rate, np.minimum(payment_years, horizon)),
            )
            for s in specs
        ]
        # per-farm copies of the yield constants (avoid gathering by region every year)
        sizes = self.region_sizes
        self._f_response = np.repeat(self._r_response, sizes)
        self._f_soc_ref = np.repeat(self._r_soc_ref, sizes)
        self._f_plateau = np.repeat(self._r_plateau, sizes)

    def _economic_constants(self) -> None:
        d = self.config.decision
        uses = practice_matrix(self._masks).T.astype(np.float64)  # (P, K)
        self._constants = decisions.EconomicConstants(
            bundle_uses=uses,
            bundle_full_ca=FULL_CA_BY_MASK[self._masks],
            transition_cost_per_ha=self._transition_cost,
            annual_cost_change_per_ha=self._cost_change,
            effect_initial=self._effect_initial,
            effect_long_run=self._effect_long_run,
            residue_index=PRACTICES.index("residue_retention"),
            no_till_index=PRACTICES.index("no_till"),
            payment_per_ha=self._payment,
            payment_years=self.config.payments.duration_years,
            synergy_long_run=self.config.ca_synergy.yield_effect_long_run,
            choice_intensity=d.choice_intensity,
            social_weight=d.social_weight,
            status_quo_bias=d.status_quo_bias,
        )

    # ------------------------------------------------------------------------------------------- schedule
    def step(self) -> None:
        """Advance one year."""
        self.year += 1
        if self._seeder_paths:
            access = np.repeat([r.seeder_access_in(self.year) for r in self.config.regions.values()],
                               self.region_sizes)
            self.params.seeder_access = self.params.seeder_draw < access
        price = self.carbon.market_price(self.year)
        expected = self._expected_prices(price)
        previous = self.state.bundle
        new_bundle = self._decide(expected)
        transition = self._adopt(new_bundle)
        self._enrol(expected)
        leaving = self.carbon.enrolled & (new_bundle == 0)
        self._disadopted = (previous != 0) & (new_bundle == 0)
        self.soil.advance_year()
        yields, farm_noise = self._yields()
        self._accounts(yields, transition, leaving)
        self._observe(update_beliefs=True, farm_noise=farm_noise)
        self.recorder.record(self._year_inputs())

    def run(self) -> None:
        """Run the scenario's number of years from the current state's year."""
        self.run_for(self.config.end_year - self.year)

    def results(self) -> pd.DataFrame:
        """The yearly table (one row per year and region, plus 'all'), as written to ``yearly.parquet``."""
        frame = pd.DataFrame(self.recorder.columns)
        frame["year"] = frame["year"].astype("int64")
        frame["farmers"] = frame["farmers"].astype("int64")
        return frame

    # ------------------------------------------------------------------------------------------- stages
    def _expected_prices(self, market_price: float) -> list[tuple[float, float]]:
        """Mean and variance of the carbon price farmers of each region expect (currency/t CO2e).

        Sellers to a Twin Regions market expect its fixed price; everyone else the general market's
        (``carbon_market.price_expectation``).
        """
        general = carbon_market.price_expectation(self.config.carbon.price, market_price,
                                                  self.config.decision.planning_horizon_years)
        twin = self.config.twin_market
        sellers = set(twin.seller_regions) if twin else set()
        return [(twin.price_per_t_co2e * (1 - twin.authority_fee_share), 0.0) if name in sellers else general
                for name in self.region_names]

    def _decide(self, price: list[tuple[float, float]]) -> np.ndarray:
        """Stage 1: next season's bundle of every farmer."""
        bundle = self.state.bundle
        rule = self.config.decision.rule
        if rule in ("bass", "threshold"):
            adopted = bundle == self._target_mask
            share = self._share_of(adopted)
            if rule == "bass":
                b = self.config.decision.bass
                new = decisions.bass_adopters(adopted, share, b.p, b.q, self._rng_decisions)
            else:
                new = decisions.threshold_adopters(adopted, share, self.params.threshold)
            return np.where(new, np.uint8(self._target_mask), bundle)

        revising = self._rng_decisions.random(self.n) < self.config.decision.revision_rate
        revising[self.network.demo] = False
        idx = np.flatnonzero(revising)
        out = bundle.copy()
        bounds = np.searchsorted(idx, np.append(self.region_start, self.n))
        for region, economics in enumerate(self._region_economics):
            block = idx[bounds[region] : bounds[region + 1]]
            if block.size == 0:
                continue
            utility = decisions.economic_utilities(self._reconsidering(block, region, price[region]), economics,
                                                   self._constants)
            choice = decisions.logit_choice(utility, self.config.decision.choice_intensity, self._rng_decisions)
            out[block] = self._masks[choice]
        return out

    def _carbon_yearly_per_ha(self, idx: np.ndarray, region: int, bundle_masks: np.ndarray, mean_price: float
                              ) -> tuple[np.ndarray, np.ndarray]:
        """Expected yearly carbon revenue net of MRV (currency/ha/yr) and credited t CO2e/ha/yr.

        ``bundle_masks`` is (K,) (every farmer x every bundle: results (m, K)) or (m, 1) (each farmer's own bundle:
        results (m, 1)). Removal rate under a bundle: (equilibrium - SOC)+ / D; MRV spread over the verification
        interval; group fixed costs shared by the organisation's farmers using practices (counting the farmer itself).
        Conventional farming earns nothing (-inf: it cannot enrol).
        """
        c = self.config.carbon
        soc = self.soil.stock_t_c_per_ha[idx]
        eq = self.soil.equilibrium_table[region, bundle_masks]
        credited = np.maximum(eq - soc[:, None], 0.0) / self.config.soil.transition_years
        credited *= carbon_market.credits_per_t_c(c)
        if c.mrv.group_certification:  # the group's cost is expected to be shared by the organisation's adopters
            org = self.network.organisation
            adopters = np.bincount(org[self.state.bundle != 0], minlength=org.max() + 1)[org[idx]]
            fixed = c.mrv.group_cost / (adopters + (self.state.bundle[idx] == 0))
        else:
            fixed = c.mrv.cost_per_farm
        mrv = (c.mrv.cost_per_ha + fixed / self.params.area_ha[idx]) / c.verification_interval_years
        yearly = credited * (carbon_market.farmer_value_share(c) * mean_price) - np.broadcast_to(mrv, soc.shape)[:, None]
        yearly = np.where(bundle_masks == 0, -np.inf, yearly)
        return yearly, credited * carbon_market.farmer_value_share(c)

    def _enrol(self, expected: list[tuple[float, float]]) -> None:
        """Farms using practices join the carbon programme when its expected yearly net revenue is positive."""
        candidates = np.flatnonzero(~self.carbon.enrolled & (self.state.bundle != 0))
        if candidates.size == 0:
            return
        joining = []
        starts = np.searchsorted(candidates, np.append(self.region_start, self.n))
        for region in range(len(self.region_sizes)):
            block = candidates[starts[region] : starts[region + 1]]
            if block.size and expected[region][0] > 0:
                yearly, _ = self._carbon_yearly_per_ha(block, region, self.state.bundle[block][:, None],
                                                       expected[region][0])
                joining.append(block[yearly[:, 0] > 0])
        if joining:
            self.carbon.enrol(np.concatenate(joining), self.soil.stock_t_c_per_ha, self.year)

    def _reconsidering(self, idx: np.ndarray, region: int, price: tuple[float, float]) -> decisions.Reconsidering:
        """Decision inputs of the reconsidering farmers ``idx``, all of ``region``."""
        p, s = self.params, self.state
        soc = self.soil.stock_t_c_per_ha[idx]
        expected_yield = soc_yield_potential(soc, p.base_yield_kg_per_ha[idx], self._r_response[region],
                                             self._r_soc_ref[region], self._r_plateau[region])
        carbon_pv = carbon_variance = None
        mean_price, price_variance = price
        if mean_price > 0:
            yearly, credited = self._carbon_yearly_per_ha(idx, region, self._masks, mean_price)
            joins = yearly > 0  # a farmer enrols only when it pays
            annuity = self._r_carbon_annuity[region]
            carbon_pv = np.where(joins, yearly * annuity, 0.0)
            carbon_variance = np.where(joins, (annuity * credited) ** 2 * price_variance, 0.0)
        view = decisions.FarmView(uses=self._uses, years_in_use=s.years_in_use, belief_mean=s.belief_mean,
                                  belief_precision=s.belief_precision, neighbour_share=self._neighbour_share,
                                  seeder_access=p.seeder_access, credit_access=p.credit_access)
        return decisions.Reconsidering(farms=idx, current_k=self._mask_to_k[s.bundle[idx]],
                                       expected_yield_kg_per_ha=expected_yield, carbon_pv_per_ha=carbon_pv,
                                       carbon_pv_variance=carbon_variance, view=view)

    def _adopt(self, new_bundle: np.ndarray) -> np.ndarray:
        """Stage 2: update practices in use; return one-off transition costs per farm (currency)."""
        s = self.state
        new_uses = np.empty(self._uses.shape, bool)
        transition = np.empty(self.n)
        kernels.adopt(s.bundle, new_bundle, USES_BY_MASK, FULL_CA_BY_MASK, self._transition_cost, self.params.area_ha,
                      s.years_in_use, s.full_ca_years, new_uses, transition)
        changed = np.flatnonzero(new_bundle != s.bundle)
        if changed.size:
            self.soil.set_management(changed, new_bundle[changed])
        s.bundle = new_bundle
        self._uses = new_uses
        return transition

    def _yields(self) -> tuple[np.ndarray, np.ndarray]:
        """Stage 4: realised yield of each farm, kg/ha, and the farm-level weather deviation (mean 0)."""
        p, s = self.params, self.state
        sig = self._r_weather_sigma
        regional = np.exp(sig * self._rng_weather.standard_normal(sig.size) - 0.5 * sig**2)
        z = self._rng_weather.standard_normal(self.n, dtype=np.float32)
        self._effects = np.empty(s.years_in_use.shape, np.float32)
        yields, deviation = np.empty(self.n), np.empty(self.n, np.float32)
        synergy = self.config.ca_synergy
        kernels.farm_yields(s.years_in_use, self._effect_table, s.full_ca_years, synergy.yield_effect_long_run,
                            float(synergy.yield_transition_years), self.soil.stock_t_c_per_ha, p.base_yield_kg_per_ha,
                            self._f_response, self._f_soc_ref, self._f_plateau, p.region, regional, self._farm_sigma, z,
                            self._effects, yields, deviation)
        s.yield_kg_per_ha = yields
        self.soil.observe_yields(yields)
        return yields, deviation

    def _accounts(self, yields: np.ndarray, transition: np.ndarray, leaving: np.ndarray) -> None:
        """Stage 5: the farm accounts of the year (``sim.economics``, ``sim.carbon_market``)."""
        p, s = self.params, self.state
        enrolled = self.carbon.enrolled.copy()
        c = self.carbon.settle(self.year, self.soil.stock_t_c_per_ha, leaving, self._rng_policy)
        s.enrolled = enrolled
        revenue, costs, payments, s.income_per_farm = (np.empty(self.n) for _ in range(4))
        kernels.farm_accounts(yields, p.crop_price_per_t, p.area_ha, p.production_cost_per_ha, p.residue_value_per_ha,
                              self._uses, s.years_in_use, self._cost_change, PRACTICES.index("residue_retention"),
                              self._payment, self.config.payments.duration_years, transition, c.to_farmers,
                              c.mrv_cost, c.clawback, revenue, costs, payments, s.income_per_farm)
        self._flows = dict(revenue=revenue, production_costs=costs, transition_costs=transition, payments=payments,
                           credits_t_co2e=c.credits_t_co2e, reversals_t_co2e=c.reversal_t_co2e,
                           buffer_t_co2e=c.buffer_t_co2e, carbon_value=c.value, buyer_spending=c.buyer,
                           guarantor_spending=c.guarantor, twin_buyer_spending=c.twin_buyers,
                           authority_fees=c.authority_fees, aggregator_fees=c.aggregator_fees,
                           carbon_to_farmers=c.to_farmers, carbon_to_intermediaries=c.to_intermediaries,
                           mrv_cost=c.mrv_cost, clawback=c.clawback, disadopted=self._disadopted)

    def _share_of(self, flag: np.ndarray) -> np.ndarray:
        """Weighted share of each farmer's neighbours for which ``flag`` holds (0 without neighbours)."""
        total = self.network.neighbour_sum(flag.astype(np.float32)).astype(np.float64)
        degree = self.network.degree.astype(np.float64)
        return np.divide(total, degree, out=np.zeros(self.n), where=degree > 0)

    def _observe(self, update_beliefs: bool, farm_noise: np.ndarray | None = None) -> None:
        """Stage 6: neighbours' practice shares; Bayesian update of beliefs about each practice's yield effect.

        Each farmer sees, for each practice, the effect shown by neighbours using it (weighted by link weight)
        and by its own farm: the practice's current effect plus that farm's weather deviation. Evidence
        precision = weighted count / observation_sd^2. Precision decays towards the prior by belief_memory.
        """
        uses = self._uses
        update = update_beliefs and self.config.decision.rule == "economic"
        effects = self._effects if update else np.zeros(uses.shape, np.float32)
        noise = farm_noise if update else np.zeros(self.n, np.float32)
        adjacency = self.network.adjacency
        if adjacency is None:  # fully mixed: everyone else is a neighbour with weight 1
            shown = (effects + noise[:, None]) * uses
            share = ((uses.sum(axis=0) - uses) * self._inverse_degree[:, None]).astype(np.float32)
            sums = (shown.sum(axis=0, dtype=np.float64) - shown).astype(np.float32)
        else:
            share = np.empty(uses.shape, np.float32)
            sums = np.empty(uses.shape, np.float32)
            kernels.neighbour_sums(adjacency.indptr, adjacency.indices, adjacency.data, self.state.bundle, effects,
                                   noise, self._inverse_degree, share, sums)
        self._neighbour_share = share
        if update:
            d = self.config.decision
            kernels.update_beliefs(share, self.network.degree, sums, uses, effects, noise, self.state.belief_mean,
                                   self.state.belief_precision, np.float32(1.0 / d.prior_yield_belief_sd**2),
                                   np.float32(d.belief_memory), np.float32(1.0 / d.observation_sd**2))

    def _year_inputs(self) -> YearInputs:
        flows = getattr(self, "_flows", None) if self.year > self.config.start_year else None
        extra = {} if flows is None else dict(
            yield_kg_per_ha=self.state.yield_kg_per_ha, income=self.state.income_per_farm,
            enrolled=self.state.enrolled, **flows)
        return YearInputs(year=self.year, carbon_price=self.carbon.market_price(self.year), bundle=self.state.bundle,
                          soc_t_c_per_ha=self.soil.stock_t_c_per_ha, **extra)
