"""The Mesa model: wiring and the yearly schedule. Each stage is one call into its room.

Yearly step (one season), after the counterfactual (the same farms without the incentives, when the scenario has
any: ``sim.incentives.counterfactual``) has taken the same year:
  0. access   - equipment supply follows last season's regional adoption; input prices and each farm's access and
                money this year (``sim.behaviour.access``);
  1. decide   - farmers reconsider their practices (``sim.behaviour``), from last season's observations and the
                incentives they expect (``sim.incentives``);
  2. adopt    - seasons in use advance (trained exchange participants start further along the ramp,
                ``sim.behaviour.exchange``); one-off costs of new practices (``sim.farmers``); the soil is told;
                incentive designs react (carbon enrolment);
  3. soil     - SOC advances one year (``sim.soil``);
  4. yields   - SOC response x practice effects x weather (``sim.yields``);
  5. accounts - incentives settle the year (credits, payments, MRV); farm accounts (``sim.economics``); savings;
  6. observe  - farmers see their own and others' results (``sim.behaviour.social``) and update their beliefs
                (``sim.behaviour.learning``) when the rule learns;
  7. record   - one row per region and 'all' (``sim.outputs``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import mesa
import numpy as np
import pandas as pd

from sim import parallel
from sim.agents import FarmerViews
from sim.behaviour import Situation, build_rule
from sim.behaviour.access import Access, no_till_area_share
from sim.behaviour.base import DROP_REASONS
from sim.behaviour.exchange import Exchanges
from sim.behaviour.learning import Learning
from sim.behaviour.social import SocialInformation
from sim.behaviour.start import StartSetting, initial_state
from sim.economics import farm_accounts
from sim.farmers import Adoption, FarmerTable, FarmParameters, Regions
from sim.footprint import RELEASE_FROM_FARMERS, release_freed
from sim.fork import fork
from sim.incentives import Counterfactual, Incentives, Setting, Settlement
from sim.incentives.counterfactual import without_programme
from sim.network import build_network
from sim.outputs import YearlyRecorder, YearRecord
from sim.parallel import FarmStreams
from sim.practices import N_PRACTICES, NO_TILL, Catalogue
from sim.scenario import Scenario
from sim.soil import build_soil
from sim.soil.factor_draws import for_run
from sim.yields import Harvest, YieldModel


@dataclass(frozen=True)
class Streams:
    """Independent random streams spawned from the run's seed, one per room.

    Changing, say, a decision parameter changes neither the population nor the network nor the weather. The next
    child of the seed (``sim.soil.factor_draws.FACTOR_STREAM``) draws the run's Tier 1 factors, when it draws them.
    """

    population: np.random.Generator
    network: np.random.Generator
    weather: np.random.Generator
    decisions: np.random.Generator
    policy: np.random.Generator

    @classmethod
    def spawn(cls, seed: int) -> Streams:
        """One stream per field, the first children of ``seed`` (``numpy.random.SeedSequence(seed).spawn``).

        ``sim.soil.factor_draws.FACTOR_STREAM`` is the next child (``tests/test_factor_draws.py`` checks it).
        """
        return cls(*(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(fields(cls)))))


class AdoptionModel(mesa.Model):
    """Conservation Agriculture adoption by farmers in linked networks, with soil carbon, yields and income.

    Args:
        scenario: a validated scenario (``sim.load_scenario``).
        seed: random seed; the scenario's ``seed`` when None. Same scenario + seed = same results.
        n_farmers: total farmers, split over regions by the scenario's shares; the file's counts when None.
        recorded: whether the model keeps a yearly table from its initial row; a run built to be stacked with others
            (``sim.ensemble.stack`` records every run itself) skips it, and ``start_recording`` begins the table
            before the first step if the run goes on alone after all.

    Attributes:
        config: the scenario (``mesa.Model.scenario`` is Mesa's own), with the run's seed as its own when its runs
            draw their Tier 1 factors (``sim.soil.factor_draws.for_run``). year: calendar year of the latest state.
        n: number of farmers.
        regions: names and row blocks of the regions. farms: the farmer table (parameters and state arrays).
        farmers: the farmers as Mesa agents (thin views, created on first access).
        network, soil, yields, rule, learning, social, access, incentives: the rooms of the model.

    """

    def __init__(self, scenario: Scenario, seed: int | None = None, n_farmers: int | None = None,
                 recorded: bool = True) -> None:
        seed = scenario.seed if seed is None else int(seed)
        scenario = for_run(scenario, seed)  # a run that draws its Tier 1 factors draws them from its own seed
        super().__init__(rng=seed)
        self.config, self.seed, self.year = scenario, seed, scenario.start_year
        self.streams = Streams.spawn(seed)
        self.regions = Regions.of(scenario, n_farmers)
        self.n = self.regions.n
        parallel.use_threads_for(self.n)  # the build's kernels too (the equilibrium start's chains)
        self.catalogue = Catalogue.from_scenario(scenario)
        parameters = FarmParameters.draw(scenario, self.regions, self.streams.population)
        self.network = build_network(scenario.network, self.regions.sizes, self.regions.names,
                                     [s.demo_farms_per_1000_farms for s in self.regions.specs], self.streams.network)
        self.rule = build_rule(scenario, self.catalogue, self.regions, self.streams.population)
        self.learning = Learning(scenario.decision.learning, self.catalogue, parameters.region)
        self.access = Access(scenario, parameters.region, parameters.area_ha, parameters.dealer_draw,
                             parameters.contractor_draw, self.catalogue)
        social = scenario.decision.social
        before_exchanges = self.network.without_exchanges()  # the start is the state before the programmes
        self.social = SocialInformation(before_exchanges, N_PRACTICES,
                                        parameters.member_draw < social.organisation_membership,
                                        social.organisation_weight)
        start = initial_state(StartSetting(scenario, parameters, self.regions, self.catalogue, before_exchanges,
                                           self.learning, self.access, self.social), self.rule, self.streams.population)
        if before_exchanges is not self.network:
            self.social.use_network(self.network)
        del before_exchanges
        self.farms = FarmerTable.start(parameters, start)
        self.exchanges = Exchanges(scenario, self.regions, parameters, self.network)  # channels start now
        self.exchanges.begin(self.farms, self.access)
        self.social.exchanges = self.exchanges
        self.soil = build_soil(scenario, self.farms.region, self.farms.bundle, self.farms.bundle_seasons, start.history)
        del start  # its history (n x H bytes) is the soil's start only
        self.yields = YieldModel(scenario, self.regions, self.soil, self.catalogue)
        # per-farm draws of the year, in parallel blocks (``sim.parallel.FarmStreams``)
        self.weather = FarmStreams.of(self.streams.weather, self.n, self.regions.sizes.size)
        self.decisions = FarmStreams.of(self.streams.decisions, self.n, self.regions.sizes.size)
        if self.n >= RELEASE_FROM_FARMERS:  # big models draw into the same arrays every year (not stacked runs)
            self.weather.keep_outputs()
            self.decisions.keep_outputs()
        # the same farms without the scenario's incentives, run alongside (None without a programme); exchange
        # programmes are not incentives: the counterfactual keeps them (``sim.incentives.counterfactual``)
        self.counterfactual = Counterfactual.of(self)
        self._add_incentives(recorded)

    #: What a model holds before its incentives: the rooms a counterfactual copies (``without_programme``) rather
    #: than builds again. Their values do not depend on the incentives (no room reads an incentive table), and the
    #: copy's random streams are in the state a build without the programme would leave them in.
    ROOMS_BEFORE_INCENTIVES = ("streams", "regions", "n", "catalogue", "network", "rule", "learning", "access",
                               "social", "farms", "exchanges", "soil", "yields", "weather", "decisions")

    def without_programme(self) -> AdoptionModel:
        """A copy of this model (built up to its incentives) with every incentive switched off: its counterfactual.

        The same as building ``without_programme(scenario)`` from the same seed, at the cost of a copy (``sim.fork``:
        its rooms share no mutable array with this model's).
        """
        twin = object.__new__(type(self))
        mesa.Model.__init__(twin, rng=self.seed)
        twin.config, twin.seed, twin.year = without_programme(self.config), self.seed, self.year
        shared = {id(self.regions): self.regions, id(self.catalogue): self.catalogue, id(self.network): self.network}
        for name in self.ROOMS_BEFORE_INCENTIVES:
            setattr(twin, name, fork(getattr(self, name), shared))
        twin.counterfactual = None
        twin._add_incentives(recorded=False)
        return twin

    def _add_incentives(self, recorded: bool = True) -> None:
        """The incentive designs, what a deciding farmer knows, the recorder with the initial row, the agents.

        A model that is not ``recorded`` (a counterfactual, whose state is read directly) gets no recorder
        (``recorder`` None): nothing is recorded, nor the year's per-farm results gathered for it.
        """
        scenario = self.config
        self.incentives = Incentives(Setting(scenario, self.farms, self.regions, self.catalogue, self.network,
                                             self.soil, self.counterfactual, self.exchanges), self.streams.policy)
        self.situation = Situation(self.farms, self.regions, self.catalogue, self.network, self.social, self.soil,
                                   self.yields, self.incentives, self.access, self.learning, self.exchanges)
        self.recorder = None
        if recorded:
            self.start_recording()
        self.farmers = FarmerViews(self)

    def start_recording(self) -> None:
        """Begin the yearly table (``recorder``) with the current state as its initial row (before the first step)."""
        self.recorder = YearlyRecorder(self.regions.names, self.regions.start, self.farms.area_ha,
                                       self.catalogue.target_bundle)
        self.recorder.record(self._record())

    def step(self) -> None:
        """Advance one year."""
        parallel.use_threads_for(self.n)  # as many compiled threads as the model's size is worth
        self.year += 1
        if self.counterfactual is not None:
            self.counterfactual.step()
        self.access.begin_year(self.year, no_till_area_share(self.regions.start, self.farms.bundle, self.farms.area_ha),
                               self.farms.savings, self.farms.credit_line_loan)  # 0. access
        self.incentives.begin_year(self.year)
        choice = self.rule.decide(self.situation, self.decisions)  # 1. decide
        adoption = self.farms.adopt(choice, self.catalogue)  # 2. adopt
        self.exchanges.after_adoption(self.farms.years_in_use)
        self.soil.set_management(adoption.changed, choice.bundle[adoption.changed])
        self.incentives.after_adoption(self.year)
        self.soil.advance_year()  # 3. soil
        harvest = self.yields.harvest(self.farms, self.soil.stock_t_c_per_ha, self.weather)  # 4. yields
        self.farms.yield_kg_per_ha = harvest.yield_kg_per_ha
        self.soil.observe_yields(harvest.yield_kg_per_ha)
        settlements = self.incentives.settle(self.year, self.streams.policy)  # 5. accounts
        accounts = farm_accounts(self.farms, harvest.yield_kg_per_ha, adoption.transition_cost, self.catalogue,
                                 [flow for settlement in settlements for flow in settlement.flows],
                                 self.access.yearly_input_cost_per_ha(self.farms.uses[:, NO_TILL], self.farms.hires))
        self.farms.income_per_farm = accounts.income
        self.farms.savings = self.access.update_savings(self.farms.savings, accounts.income)
        self._observe(harvest)  # 6. observe
        del harvest  # its per-practice effects are not recorded: freed before the year's peak of memory, the record
        if self.recorder is not None:  # 7. record
            self.recorder.record(self._record(adoption, self.farms.yield_kg_per_ha, settlements, vars(accounts)))
        release_freed(self.n)

    def _observe(self, harvest: Harvest) -> None:
        """Farmers see their own and others' results and, when the rule learns, update their beliefs.

        What farms show (weight and signal, (n, P) float32 each) lives only here: freed when the stage ends.
        """
        weight, signal = self.learning.shown(self.farms.years_in_use, harvest.effects, harvest.deviation,
                                             self._shown_arrays())
        self.social.observe(self.farms.bundle, self.farms.uses, weight, signal)
        if self.rule.learns:
            self.learning.update(self.farms.belief_mean, self.farms.belief_precision, self.social.evidence,
                                 self.social.signal, self.farms.years_in_use, harvest.effects, harvest.deviation,
                                 weight, signal)

    def _shown_arrays(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Two (n, P) float32 arrays for what farms show, in the memory of the year's decision uniforms; or None.

        A big model keeps its (n, P) float64 uniforms between years (``FarmStreams.keep_outputs``); they are used up
        by the decision, and weight and signal (the same bytes) live only in the observation: one kept block serves
        both, where two new 16 MB arrays a year at 1 M farmers cost 15-60 ms of page faults after the yearly trim, and
        two more kept ones 32 B per farmer of peak memory. None for other models (and rules without (n, P) draws).
        """
        draws = (self.decisions.kept or {}).get((np.float64, N_PRACTICES))
        if draws is None:
            return None
        flat = draws.reshape(-1).view(np.float32)
        half = flat.size // 2
        return flat[:half].reshape(draws.shape), flat[half:].reshape(draws.shape)

    def run(self) -> None:
        """Run the scenario's number of years from the current state's year."""
        self.run_for(self.config.end_year - self.year)

    def results(self) -> pd.DataFrame:
        """The yearly table (one row per year and region, plus 'all'), as written to ``yearly.parquet``.

        Raises ``RuntimeError`` for a model that keeps no table (built with ``recorded=False``, never started).
        """
        if self.recorder is None:
            raise RuntimeError("this model keeps no yearly table: it was built with recorded=False; build it with "
                               "recorded=True, or call start_recording() before its first step")
        return self.recorder.frame()

    def start_constants(self) -> pd.DataFrame:
        """The decision rule's practice and pair constants (unmodelled net benefits, currency/ha/yr) per region.

        With ``decision.start = "equilibrium"`` they are fitted so the initial shares are the rule's steady state
        (``sim.behaviour.equilibrium``); they are part of every policy result, so users should see them. Empty for
        rules without constants. Columns: see ``sim.behaviour.economic.EconomicRule.constants_table``.
        """
        table = getattr(self.rule, "constants_table", None)
        return pd.DataFrame(table(self.regions.names) if table else [])

    def _record(self, adoption: Adoption | None = None, yield_kg_per_ha: np.ndarray | None = None,
                settlements: list[Settlement] = (), accounts: dict[str, np.ndarray] | None = None) -> YearRecord:
        """The year's per-farm arrays for the recorder (the initial state has no season: no per-farm results)."""
        per_farm = payers = None
        if adoption is not None:
            per_farm = {"yield_kg_per_ha": yield_kg_per_ha, "disadopted": adoption.disadopted, **accounts,
                        **{f"dropped_{reason}": adoption.dropped & (1 << k) > 0
                           for k, reason in enumerate(DROP_REASONS)}}
            payers = {}
            for settlement in settlements:
                per_farm.update(settlement.quantities)
                per_farm.update({flow.name: flow.amount for flow in settlement.flows})
                payers.update({flow.name: flow.payer for flow in settlement.flows})
        return YearRecord(self.year, self.incentives.carbon.market_price(self.year), self.farms.bundle,
                          self.soil.stock_t_c_per_ha, per_farm, payers,
                          {**self.access.state(), **self.exchanges.state(), "decides": self._decides()})

    def _decides(self) -> np.ndarray:
        """(n,) bool: the farm decides each year (demonstration farms keep their practices and never do)."""
        decides = np.ones(self.n, bool)
        decides[self.network.demo] = False
        return decides
