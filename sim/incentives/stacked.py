"""Incentive designs of runs stacked in one model (``sim.ensemble``), asked as one.

Each run keeps its own ``CarbonProgramme`` (prices, registry, baseline); what deciding farmers expect and who joins or
leaves are computed for every run's farms at once, with the same formulas (``sim.incentives.expectation``) on the
runs' state in row order, and the parameters that may differ between runs held per stacked region (expected prices,
verification calendars) or per farm (the farmer's share of the credit value, the MRV cost per ha a farmer expects):
each farm's numbers are those of its run alone. Runs whose programmes differ in anything else, that cannot pay, or
that share MRV costs in groups are not stacked here (``of`` gives None: each run's programme then answers for its
rows). Where they can, the runs' registries are joined into one that settles every run's farms by its run's rules,
with the modelled baselines stacked (``JoinedRegistry``: a run's own settlement cost about 150 us of Python a year,
most of what a stacked run paid to settle); else each run's programme settles its rows. The effects of the programme
(``StackedEffect``) are settled for every run at once when the runs share their ``[ghg]`` table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sim.incentives import expectation, mrv
from sim.incentives.base import Settlement, Valuation
from sim.incentives.baselines import eligible_under
from sim.incentives.carbon import CarbonProgramme, calendar_of_year
from sim.incentives.effect import ProgrammeEffect, effects_of_year
from sim.incentives.expectation import Asked, Calendar
from sim.incentives.ghg import PracticeEmissions
from sim.incentives.prices import guarantee_bounds, price_expectation
from sim.incentives.registry import CarbonRegistry, FarmCarbon, farmer_value_share
from sim.scenario.incentives import Carbon


class RunPrices:
    """Every stacked run's market price path, read for all runs at once (``CarbonRegistry.market_price`` of each).

    Args:
        registries: each run's carbon registry (its ``prices`` by year from its ``start_year``).

    """

    def __init__(self, registries: Sequence[CarbonRegistry]) -> None:
        self.sizes = np.array([r.prices.size for r in registries], np.int64)
        self.starts = np.array([r.start_year for r in registries], np.int64)
        #: (K, longest path) each run's prices, currency/t CO2e (a shorter path padded with its last price)
        self.table = np.stack([np.concatenate([r.prices, np.repeat(r.prices[-1:], self.sizes.max() - r.prices.size)])
                               for r in registries])
        self.runs = np.arange(len(registries))

    def of(self, year: int) -> np.ndarray:
        """(K,) each run's market price of ``year`` (held at its last price beyond its path), currency/t CO2e."""
        return self.table[self.runs, np.clip(year - self.starts, 0, self.sizes - 1)]


def _common_part(c: Carbon) -> Carbon:
    """The carbon table without the values a stacked programme holds per run (price, farmer share, MRV costs)."""
    return c.model_copy(update={"price": None, "farmer_share": 0.0,
                                "mrv": c.mrv.model_copy(update={"cost_per_farm": 0.0, "cost_per_ha": 0.0})})


class StackedCarbon:
    """Every stacked run's carbon programme, asked as one (module docstring).

    When the runs' registries can be joined (``JoinedRegistry.joinable``) they settle as one (``registry``, with
    the baselines advanced as one), else each run's programme settles its rows (``registry`` None).

    Args:
        programmes: each run's programme, on views of its rows of the stacked model.
        farm_starts: (K + 1,) the first farm row of each run, and n.
        farms, soil: the stacked model's farmer table and soil.
        baseline_soil: the runs' modelled baselines' soils stacked (None when the baselines are fixed).
        counterfactual: the stacked counterfactual (its yields are the baselines').

    """

    def __init__(self, programmes: Sequence[CarbonProgramme], farm_starts: np.ndarray, farms, soil,
                 baseline_soil=None, counterfactual=None) -> None:
        self.programmes, self.starts, self.farms, self.soil = list(programmes), farm_starts, farms, soil
        first = self.programmes[0]
        self.spec, self.soil_spec, self.horizon = first.spec, first.setting.scenario.soil, first.horizon_years
        self.candidates = np.concatenate([p.baseline.candidates for p in self.programmes])
        self.baseline_bundle = np.concatenate([p.baseline.bundle for p in self.programmes])
        #: the modelled MRV's 1-sd share by (stacked region, baseline bundle, bundle), (R, 16, 16): each run's rows
        self.relative_sd = np.concatenate([p.relative_sd for p in self.programmes])
        #: the soil model's SOC by (stacked region, season, bundle) from the conventional equilibrium: each run's rows
        self.expectation_path = np.concatenate([p.expectation_path for p in self.programmes])
        self.per_farm_sd = first.per_farm_sd
        self.bulk_density = np.concatenate([p.bulk_density for p in self.programmes])
        #: (n,) the MRV cost per ha each farmer expects at a verification (individual certification: fixed)
        self.mrv_per_ha = np.concatenate([mrv.expected_cost_per_ha(p.spec, p.setting.farms.area_ha, None, None)
                                          for p in self.programmes])
        self.value_share = np.repeat([farmer_value_share(p.spec) for p in self.programmes], np.diff(farm_starts))
        self.mean = self.variance = np.zeros(0)
        self.credit_pv = self.mrv_pv = self.next_payment = np.zeros(0)
        self.run_prices = RunPrices([p.registry for p in self.programmes])
        #: (K,) each run's price floor and ceiling (inf when none): a deterministic path's expected price is its
        #: market price clipped to them (``price_expectation``); runs of stochastic paths are asked one by one
        self.floors, self.ceilings = np.array([guarantee_bounds(p.spec.price) for p in self.programmes], np.float64).T
        self.stochastic = [k for k, p in enumerate(self.programmes) if p.spec.price.path.kind == "stochastic"]
        self.regions_of_run = np.array([len(p.expected) for p in self.programmes])
        offsets = np.concatenate([[0], np.cumsum(self.regions_of_run)])
        #: stacked regions that sell to a Twin Regions market, and the markets they sell to (one per region)
        self.twin_regions = np.array([offsets[k] + r for k, p in enumerate(self.programmes)
                                      for r in sorted(p.twin_seller_regions)], np.int64)
        self.twin_markets = [p.twin for p in self.programmes for _ in sorted(p.twin_seller_regions)]
        #: the verification calendar's arguments but the discount rate (the same in every run: ``of``), and each
        #: stacked region's discount rate as an index into the runs' distinct rates
        spec, scenario = first.spec, first.setting.scenario
        self.calendar_of = (scenario.start_year, spec.verification_interval_years, spec.payment_lag_years)
        rates = [rate for p in self.programmes for rate in p.discount_rates]
        self.rates = list(dict.fromkeys(rates))
        index = {rate: i for i, rate in enumerate(self.rates)}
        self.rate_index = np.array([index[rate] for rate in rates], np.int64)
        self._state: dict[str, np.ndarray] | None = None  # the runs' state of the year (``state``)
        #: where each farm's baseline stock is heading (its pre-project practice's equilibrium, or fixed): constant
        self.baseline_heading = np.concatenate([p.baseline.equilibrium_t_c_per_ha(p.setting.soil.equilibrium_table)
                                                for p in self.programmes])
        registries = [p.registry for p in self.programmes]
        fixed = all(p.baseline.soil is None for p in self.programmes)
        joined = JoinedRegistry.joinable(registries) and (fixed or baseline_soil is not None)
        #: the runs' registries as one (None: each run's programme settles its rows)
        self.registry = JoinedRegistry(registries, farm_starts) if joined else None
        self.baseline_soil, self.counterfactual = baseline_soil, counterfactual
        self.fixed_baseline = np.concatenate([p.baseline.fixed_t_c_per_ha for p in self.programmes])
        self.eligible_now = self.leaving = np.zeros(farms.region.size, bool)

    @classmethod
    def of(cls, programmes: Sequence[CarbonProgramme], farm_starts: np.ndarray, farms, soil,
           stack_soils: Callable[[list], object] | None = None, counterfactual=None) -> StackedCarbon | None:
        """The programmes asked as one, or None when they cannot be (see the module docstring).

        ``stack_soils`` stacks the runs' modelled baselines' soils (``sim.ensemble.stack_room``).
        """
        first = programmes[0]
        if not all(p.active and p.exchange_group is None and not p.spec.mrv.group_certification for p in programmes):
            return None
        common = _common_part(first.spec)
        if any(_common_part(p.spec) != common or p.setting.scenario.soil != first.setting.scenario.soil
               or p.horizon_years != first.horizon_years for p in programmes[1:]):
            return None
        soils = [p.baseline.soil for p in programmes]
        modelled = stack_soils is not None and all(s is not None for s in soils) and JoinedRegistry.joinable(
            [p.registry for p in programmes])
        return cls(programmes, farm_starts, farms, soil, stack_soils(soils) if modelled else None, counterfactual)

    def baseline_stock(self) -> np.ndarray:
        """Every farm's baseline stock now, t C/ha (joined: the stacked baselines')."""
        return self.fixed_baseline if self.baseline_soil is None else self.baseline_soil.stock_t_c_per_ha

    def begin_year(self, year: int) -> None:
        """``CarbonProgramme.begin_year`` of every run at once: expected prices and calendars by stacked region.

        The same numbers as each run's programme (the runs' programmes keep only their ``year``): a deterministic
        path's expected price is its guaranteed market price, variance 0 (``price_expectation``), a stochastic one's is
        asked run by run; Twin Regions sellers expect the market's price on the share it last bought
        (``TwinRegionsMarket.expected_price``); each region's calendar is the cached
        ``calendar_of_year`` of its discount rate.
        """
        for programme in self.programmes:
            programme.year = year
        market = self.run_prices.of(year)
        mean, variance = np.clip(market, self.floors, self.ceilings), np.zeros(market.size)
        for k in self.stochastic:
            mean[k], variance[k] = price_expectation(self.programmes[k].spec.price, float(market[k]), self.horizon)
        self.mean, self.variance = np.repeat(mean, self.regions_of_run), np.repeat(variance, self.regions_of_run)
        for region, twin in zip(self.twin_regions, self.twin_markets, strict=True):
            self.mean[region], self.variance[region] = twin.expected_price(self.mean[region], self.variance[region])
        calendars = [calendar_of_year(year, *self.calendar_of, rate, self.horizon) for rate in self.rates]
        self.credit_pv = np.array([credit for credit, _, _ in calendars])[self.rate_index]
        self.mrv_pv = np.array([cost for _, cost, _ in calendars])[self.rate_index]
        self.next_payment = np.array([next_payment for _, _, next_payment in calendars])[self.rate_index]
        self._state = None

    def state(self) -> dict[str, np.ndarray]:
        """The runs' registry and baseline state, (n,) arrays in row order, gathered once a year.

        It changes only when the programmes enrol (``after_adoption``, which reads it first) and settle.
        """
        if self._state is None and self.registry is not None:
            reg = self.registry
            self._state = {
                "baseline_stock": self.baseline_stock(), "baseline_heading": self.baseline_heading,
                "enrolled": reg.enrolled.copy(), "ever": reg.ever.copy(),
                "seasons_left": reg.crediting_seasons_left(self.programmes[0].year),
                "last_gap": reg.last_gap.copy(), "outstanding": reg.outstanding_t_co2e.copy()}
        if self._state is None:
            def gather(of: Callable[[CarbonProgramme], np.ndarray]) -> np.ndarray:
                return np.concatenate([of(p) for p in self.programmes])

            self._state = {
                "baseline_stock": gather(lambda p: p.baseline.stock_t_c_per_ha),
                "baseline_heading": gather(lambda p: p.baseline.equilibrium_t_c_per_ha(p.setting.soil.equilibrium_table)),
                "enrolled": gather(lambda p: p.registry.enrolled), "ever": gather(lambda p: p.registry.ever),
                "seasons_left": gather(lambda p: p.registry.crediting_seasons_left(p.year)),
                "last_gap": gather(lambda p: p.registry.last_gap),
                "outstanding": gather(lambda p: p.registry.outstanding_t_co2e)}
        return self._state

    def asked(self, rows: np.ndarray) -> Asked:
        """What the expected value reads of stacked ``rows``."""
        state = self.state()
        baseline_stock = state["baseline_stock"][rows]
        return Asked(
            soc=self.soil.stock_t_c_per_ha[rows], drift=state["baseline_heading"][rows] - baseline_stock,
            bulk_density=self.bulk_density[rows], area=self.farms.area_ha[rows], candidates=self.candidates[rows],
            baseline=self.baseline_bundle[rows],
            enrolled=state["enrolled"][rows], ever=state["ever"][rows], seasons_left=state["seasons_left"][rows],
            mrv_per_ha=self.mrv_per_ha[rows], value_share=self.value_share[rows],
            gained=lambda: np.maximum((self.soil.stock_t_c_per_ha[rows] - baseline_stock) - state["last_gap"][rows], 0.0),
            outstanding=lambda: state["outstanding"][rows])

    def expected_value(self, rows: np.ndarray, region: np.ndarray, masks: np.ndarray, mean_price: np.ndarray,
                       variance: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``CarbonProgramme.expected_value`` of stacked ``rows`` (``region``: their stacked regions)."""
        calendar = Calendar(self.soil.equilibrium_table, self.credit_pv, self.mrv_pv, self.next_payment,
                            self.relative_sd, self.expectation_path)
        return expectation.expected_value(self.spec, self.soil_spec, self.horizon, self.asked(rows), calendar, region,
                                          masks, mean_price, variance)

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """``CarbonProgramme.value_rows`` of every run: stacked ``farms`` of stacked regions (``bounds``)."""
        return expectation.value_of_rows(self.expected_value, self.mean, self.variance, farms, bounds, masks)

    def after_adoption(self, year: int) -> None:
        """``CarbonProgramme.after_adoption`` of every run: who is eligible, who leaves, who joins."""
        farms = self.farms
        eligible_now = eligible_under(self.candidates, farms.bundle[:, None])[:, 0]
        state = self.state()
        leaving, joining = expectation.enrolment(eligible_now, state["enrolled"], state["ever"], farms.region,
                                                 farms.bundle, self.mean, self.expected_value)
        self._state = None  # the registries change now
        self.eligible_now, self.leaving = eligible_now, leaving
        if self.registry is not None:
            if joining.size:
                self.registry.enrol(joining, self.soil.stock_t_c_per_ha - self.baseline_stock(), year)
            return
        per_run = np.searchsorted(joining, self.starts)
        for k, programme in enumerate(self.programmes):
            rows = slice(int(self.starts[k]), int(self.starts[k + 1]))
            programme.eligible_now, programme.leaving = eligible_now[rows], leaving[rows]
            if per_run[k + 1] > per_run[k]:
                programme.registry.enrol(joining[per_run[k]:per_run[k + 1]] - self.starts[k],
                                         programme.gap_t_c_per_ha(), year)

    def settle(self, year: int) -> Settlement:
        """``CarbonProgramme.settle`` of every run at once (joined registries only: ``registry``)."""
        own_yields = self.farms.yield_kg_per_ha
        counterfactual = self.counterfactual
        baseline_yields = counterfactual.farms.yield_kg_per_ha if counterfactual is not None else own_yields
        if self.baseline_soil is not None:  # ``CreditingBaseline.advance_year``
            self.baseline_soil.advance_year()
            self.baseline_soil.observe_yields(baseline_yields)
        stock = self.soil.stock_t_c_per_ha
        heading = self.soil.equilibrium_table[self.farms.region, self.farms.bundle] - self.baseline_heading
        farms = FarmCarbon(gap_t_c_per_ha=stock - self.baseline_stock(), stock_t_c_per_ha=stock,
                           eligible=self.eligible_now, yield_kg_per_ha=own_yields,
                           baseline_yield_kg_per_ha=baseline_yields, heading_gap_t_c_per_ha=heading,
                           relative_sd=self.relative_sd[self.farms.region, self.baseline_bundle, self.farms.bundle]
                           if self.per_farm_sd else None)
        return self.registry.settle(year, farms, self.leaving, None)


class JoinedRegistry(CarbonRegistry):
    """Every stacked run's carbon registry as one registry over the stacked rows: each farm's numbers are its run's.

    The runs' registries may differ only in their run's price (general market and guaranteed price), the farmer's
    share and the MRV costs: held per farm (``farm_prices``, ``_market_prices``, ``value_share``, ``farmer_share``)
    or computed run by run (``_mrv_cost``); each run keeps its own buffer pool (``_draw_on_pool``). In a verification
    year a run with no farm to verify is verified with the others: every change that makes to its farms is zero, as
    when its registry alone skips the year. ``joinable`` says which runs' registries can be joined.

    Args:
        registries: each run's registry, before its first settlement.
        starts: (K + 1,) the first farm row of each run, and n.

    """

    def __init__(self, registries: Sequence[CarbonRegistry], starts: np.ndarray) -> None:
        first = registries[0]
        n = first.area.size

        def joined(name: str) -> np.ndarray:
            return np.concatenate([getattr(r, name) for r in registries])

        super().__init__(first.carbon, None, first.start_year, joined("area"), joined("organisation"), first.prices,
                         joined("bulk_density"), first.depth_cm, first.displaced_t_co2e_per_ha)
        for name, value in vars(first).items():  # every per-farm state array, run after run
            if isinstance(value, np.ndarray) and value.shape[:1] == (n,) and name != "prices":
                setattr(self, name, joined(name))
        self.registries, self.starts = list(registries), starts
        self.sizes = np.diff(starts)
        self.pools = np.array([r.buffer_pool_t_co2e for r in registries])  # t CO2e, each run's buffer pool
        self.value_share = np.repeat([farmer_value_share(r.carbon) for r in registries], self.sizes)
        self.farmer_share = np.repeat([r.carbon.farmer_share for r in registries], self.sizes)
        #: each run's price floor and ceiling (inf when none), currency/t CO2e (K,): ``guaranteed``'s bounds
        self.floors, self.ceilings = np.array([guarantee_bounds(r.carbon.price) for r in registries], np.float64).T
        self.run_prices = RunPrices(registries)  # (``prices`` is the first run's path, as a registry holds it)

    @staticmethod
    def joinable(registries: Sequence[CarbonRegistry]) -> bool:
        """Whether registries whose carbon tables differ at most in price, farmer share and MRV costs can be joined.

        Not joined: Twin Regions markets, measured quantification (each run draws its errors from its own stream),
        fixed-price contracts (contract prices by farm from each run's price), registries that have settled already,
        and registries whose constants the joined registry takes from the first (leakage factor, sampling depth,
        start year) differ. Runs whose credits have different payers are not stacked at all
        (``sim.ensemble.check_stackable``: one flow has one payer).
        """
        first = registries[0]
        return (first.carbon.quantification == "modelled"
                and all(r.twin is None and r.carbon.price.contract_years == 0 and not r.pending
                        and r.displaced_t_co2e_per_ha == first.displaced_t_co2e_per_ha
                        and r.depth_cm == first.depth_cm and r.start_year == first.start_year for r in registries))

    def _by_run(self, values: list[float]) -> np.ndarray:
        return np.repeat(np.asarray(values, np.float64), self.sizes)

    def farm_prices(self, year: int) -> np.ndarray:
        """Each run's guaranteed market price, on its farms (no contracts: ``joinable``)."""
        return self._by_run(np.clip(self.run_prices.of(year), self.floors, self.ceilings))  # every run's ``guaranteed``

    def _market_prices(self, year: int) -> np.ndarray:
        return self._by_run(self.run_prices.of(year))

    def _rows(self) -> list[slice]:
        return [slice(int(a), int(b)) for a, b in zip(self.starts[:-1], self.starts[1:], strict=True)]

    def _mrv_cost(self, verified: np.ndarray, issued: np.ndarray) -> np.ndarray:
        return np.concatenate([mrv.cost_per_verification(r.carbon, self.area[rows], self.organisation[rows],
                                                         verified[rows], issued[rows], None)
                               for r, rows in zip(self.registries, self._rows(), strict=True)])

    def _draw_on_pool(self, buffer_in: np.ndarray, from_buffer: np.ndarray) -> np.ndarray:
        covered_share = np.empty(self.pools.size)
        for k, rows in enumerate(self._rows()):  # each run's sums, as its registry alone takes them
            available = self.pools[k] + float(buffer_in[rows].sum())
            wanted = float(from_buffer[rows].sum())
            covered = min(wanted, available)
            self.pools[k] = available - covered
            covered_share[k] = covered / wanted if wanted > 0 else 0.0
        return np.repeat(covered_share, self.sizes)


class StackedEffect:
    """Every stacked run's ``ProgrammeEffect``, settled as one (the same numbers: per farm, and per stacked region).

    Args:
        effects: each run's effect (its SOC at the start is where each run's effect starts from).
        farms, soil: the stacked model's farmer table and soil. counterfactual: its counterfactual (None: none).
        regions: stacked regions.

    """

    def __init__(self, effects: Sequence[ProgrammeEffect], farms, soil, counterfactual, regions: int) -> None:
        self.farms, self.soil, self.counterfactual, self.regions = farms, soil, counterfactual, regions
        self.emissions = PracticeEmissions.joined([e.emissions for e in effects])
        self.displaced_t_co2e_per_ha = effects[0].setting.scenario.ghg.displaced_production_t_co2e_per_ha
        self.previous_stock_t_c_per_ha = np.concatenate([e.previous_stock_t_c_per_ha for e in effects])

    @classmethod
    def of(cls, effects: Sequence[ProgrammeEffect], farms, soil, counterfactual, regions: int) -> StackedEffect | None:
        """The effects settled as one, or None when the runs' ``[ghg]`` tables differ."""
        ghg = effects[0].setting.scenario.ghg
        if any(e.setting.scenario.ghg != ghg for e in effects[1:]):
            return None
        return cls(effects, farms, soil, counterfactual, regions)

    def begin_year(self, year: int) -> None:
        """Nothing to prepare."""

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """Worth nothing to a farmer."""
        return None

    def after_adoption(self, year: int) -> None:
        """No enrolment."""

    def settle(self, year: int, rng: object = None) -> Settlement:
        """``ProgrammeEffect.settle`` of every run."""
        stock = self.soil.stock_t_c_per_ha
        change = stock - self.previous_stock_t_c_per_ha
        self.previous_stock_t_c_per_ha = stock.copy()
        return effects_of_year(self.emissions, self.displaced_t_co2e_per_ha, self.regions, self.farms, change,
                               self.counterfactual)
