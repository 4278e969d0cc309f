"""Results-based carbon crediting as an incentive design: prices, baselines, what farmers expect, enrolment, settlement.

Money flows of one year (all in the scenario currency), for credits issued to a farm at a verification and paid
``payment_lag_years`` later:
  general market: the buyer pays credits x market price p; the guarantor pays credits x (g - p), where the farm's
    price g is the market price clipped to [floor, ceiling], or its fixed contract price (``sim.incentives.prices``);
  Twin Regions market (seller regions): twin buyers pay credits x twin price, up to the budget or demand cap of
    the years the issuance covers (shared pro rata); the Market Authority keeps its fee share
    (``sim.incentives.twin_market``);
  project value V = credits x g (+ twin purchases net of the authority fee); a group aggregator keeps its fee
    share of V; farmers get farmer_share of the rest, intermediaries the remainder;
  MRV: paid by the farms verified, at each verification (``sim.incentives.mrv``);
  claw-back (on_reversal = 'clawback'): reversed credits not yet paid are cancelled with their money; the rest is
    repaid by the farmer, refunded to the payers of the farm's credits (buyers, guarantor, twin buyers) in the
    shares each paid for them, each payer's flow net of its part (``sim.incentives.registry``).
Identity (tested): buyer + claw-back + guarantor + twin buyers = authority fees + aggregator fees + to farmers
    + to intermediaries.

Crediting: each farm against its own baseline, while its practices make it eligible (``sim.incentives.baselines``);
verification, deductions, reversals and monitoring in ``sim.incentives.registry``.

What a farmer expects (``value``, and enrolment: a farm joins when this is positive for its current practices),
per ha, for bundle k over its planning horizon H at its discount rate:
  credited rate c_k = max((SOC_eq,k - SOC) - (baseline_eq - baseline SOC), 0) / D x a_k(n) x 44/12 x (1 - expected
    uncertainty deduction) x (1 - reference deduction) x (1 - buffer - permanence discount), t CO2e/ha/yr,
    with n the seasons credited within the horizon (at most D) and a_k(n) what the soil model's own path delivers in
    n seasons of k over this linear rule's gain: 1 under Tier 1, whose path is the rule (an empty ``expectation_path``);
    under RothC, which approaches equilibrium exponentially, its own n-season gain from the farm's equivalent age on
    k's path from the conventional equilibrium (``expectation._path_share``), so a farm at the conventional
    equilibrium, or one that has kept k since, expects RothC's mean rate over n seasons (referee 45 M1, 49 M1);
  PV_k = E[g] x farmer value share x c_k x sum_j s_j d^(v_j + lag) - MRV per ha x sum_j d^(v_j),
with v_j the verifications within the horizon and the farm's crediting seasons, s_j the seasons they credit
(at most D in all), d the discount factor: payments wait for verifications and the lag, MRV is paid at each.
Conventional farming and ineligible bundles earn nothing. An enrolled farm also keeps what it has accrued since its
last verification only if it stays eligible (leaving forfeits it) and, under claw-back, expects to repay the
issued credits its reverting practices would lose within the horizon.
"""

from __future__ import annotations

import copy
from functools import lru_cache

import numpy as np

from sim.incentives import expectation, model_uncertainty, mrv
from sim.incentives.base import Setting, Settlement, Valuation
from sim.incentives.baselines import CreditingBaseline
from sim.incentives.counterfactual import _price_can_be_positive
from sim.incentives.expectation import Asked, Calendar
from sim.incentives.prices import EXTRA_PRICE_YEARS, market_prices, price_expectation
from sim.incentives.registry import (
    AGGREGATOR,
    AUTHORITY,
    BUYER,
    INTERMEDIARIES,
    MRV_PROVIDER,
    PROJECT,
    TWIN_BUYERS,
    CarbonRegistry,
    FarmCarbon,
    farmer_value_share,
    issued_share,
)
from sim.incentives.twin_market import TwinRegionsMarket
from sim.scenario.incentives import Carbon
from sim.units import CO2_PER_C

__all__ = ["AGGREGATOR", "AUTHORITY", "BUYER", "INTERMEDIARIES", "MRV_PROVIDER", "PROJECT", "TWIN_BUYERS",
           "CarbonProgramme", "credits_per_t_c", "farmer_value_share"]


def credits_per_t_c(carbon: Carbon) -> float:
    """T CO2e issued per t C of credited removal before the uncertainty deduction: 44/12 x (1 - buffer - discount)."""
    return CO2_PER_C * issued_share(carbon)


def verification_calendar(year: int, start_year: int, interval: int, lag: int, discount_rate: float,
                          seasons: int) -> tuple[np.ndarray, np.ndarray]:
    """PV factors of crediting s = 0 .. ``seasons`` more seasons from ``year``: (credit, MRV), each (seasons + 1,).

    credit[s] = sum_j (seasons credited at verification j) x d^(v_j - year + 1 + lag); MRV[s] = sum_j d^(v_j - year + 1),
    over the verifications v_j in [year, year + s - 1]; d = 1 / (1 + discount_rate).
    """
    d = 1.0 / (1.0 + discount_rate)
    credit, cost = np.zeros(seasons + 1), np.zeros(seasons + 1)
    first = start_year + max(-(-(year - start_year) // interval), 1) * interval
    previous = year - 1
    for v in range(first, year + seasons, interval):
        t = v - year + 1
        s = np.arange(seasons + 1)
        counted = s >= t  # seasons credited reach this verification
        credit += np.where(counted, (v - previous) * d ** (t + lag), 0.0)
        cost += np.where(counted, d**t, 0.0)
        previous = v
    return credit, cost


#: Verification calendars kept (``calendar_of_year``): those of every (run, region) of a stacked batch in one year
#: are a few hundred; most runs of a sweep share their regions' discount rates, so the cache serves them.
CALENDARS_KEPT = 1024


@lru_cache(maxsize=CALENDARS_KEPT)
def calendar_of_year(year: int, start_year: int, interval: int, lag: int, discount_rate: float,
                     seasons: int) -> tuple[np.ndarray, np.ndarray, float]:
    """``verification_calendar`` (read-only arrays), and the discount factor of the next payment (0 when none)."""
    credit, cost = verification_calendar(year, start_year, interval, lag, discount_rate, seasons)
    next_payment = (1.0 / (1.0 + discount_rate)) ** (int(np.argmax(cost > 0)) + lag) if cost.any() else 0.0
    credit.flags.writeable = cost.flags.writeable = False
    return credit, cost, next_payment


class CarbonProgramme:
    """The ``[carbon]`` (and ``[twin_market]``) tables as an incentive design.

    Attributes:
        prices: market price by year from the start year (drawn from the policy stream when stochastic).
        baseline: each farm's crediting baseline and the eligibility rule. registry: the ``CarbonRegistry``.
        expected: per region, (mean, variance) of the price farmers expect this year (currency/t CO2e).
        active: whether the programme can ever pay (a price, a floor or a Twin Regions market).

    """

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        scenario = setting.scenario
        self.spec = scenario.carbon
        self.setting = setting
        self.horizon_years = scenario.decision.planning_horizon_years
        self.prices = market_prices(self.spec.price.path, scenario.start_year,
                                    scenario.years + 1 + EXTRA_PRICE_YEARS, rng)
        regions, farms = setting.regions, setting.farms
        twin = None
        self.twin_seller_regions: set[int] = set()
        if scenario.twin_market is not None:
            self.twin_seller_regions = {regions.names.index(r) for r in scenario.twin_market.seller_regions}
            twin = TwinRegionsMarket(scenario.twin_market, np.isin(farms.region, list(self.twin_seller_regions)),
                                     self.spec.verification_interval_years)
        self.twin = twin
        self.active = _price_can_be_positive(scenario) or twin is not None
        self.discount_rates = [s.discount_rate for s in regions.specs]
        self.bulk_density = regions.per_farm([s.bulk_density_g_cm3 for s in regions.specs])
        #: the modelled MRV's 1-sd share of a change by (region, baseline bundle, bundle), (R, 16, 16); read per farm
        #: at verifications only when derived (``per_farm_sd``: the approach's one number is used as it is)
        self.relative_sd = model_uncertainty.relative_sd_table(scenario)
        self.per_farm_sd = isinstance(getattr(self.spec.mrv.approach, "relative_sd", None), str)
        #: the soil model's SOC by (region, season, bundle) from the conventional equilibrium, (R, L + 1, 16) (Tier 1:
        #: (R, 0, 16)), on which each farm reads its equivalent age
        self.expectation_path = setting.soil.expectation_path()
        self.registry = CarbonRegistry(self.spec, twin, scenario.start_year, farms.area_ha, setting.network.organisation,
                                       self.prices, self.bulk_density, scenario.soil.depth_cm,
                                       scenario.ghg.displaced_production_t_co2e_per_ha)
        exchanges = setting.exchanges
        #: (n,) int certified exchange group of each farm, -1 for none (channel d, ``sim.behaviour.exchange``); None
        #: when no farm has one
        self.exchange_group = exchanges.certified_group if exchanges is not None and exchanges.group_certified.any() \
            else None
        self.registry.exchange_group = self.exchange_group
        self.baseline: CreditingBaseline | None = None
        if self.active:  # the baseline soil starts where the farms' does: a copy (their pasts are not kept)
            self.baseline = CreditingBaseline(scenario, farms.region, farms.area_ha, farms.bundle,
                                              setting.soil.stock_t_c_per_ha,
                                              lambda s, region, bundle: copy.deepcopy(setting.soil))
        self.expected: list[tuple[float, float]] = [(0.0, 0.0)] * regions.sizes.size
        #: per region, PV factors of crediting s more seasons (credit, MRV), (R, H + 1) each (``verification_calendar``)
        self.credit_pv = self.mrv_pv = np.zeros((regions.sizes.size, self.horizon_years + 1))
        #: per region, the discount factor of the next payment of what an enrolled farm has accrued
        self.next_payment = np.zeros(regions.sizes.size)
        self.eligible_now = np.zeros(regions.n, bool)
        self.leaving = np.zeros(regions.n, bool)
        self.year = scenario.start_year

    def market_price(self, year: int) -> float:
        """Market price of ``year``, currency/t CO2e."""
        return self.registry.market_price(year)

    def begin_year(self, year: int) -> None:
        """Prices farmers expect and the verification calendar's PV factors.

        Twin Regions sellers expect the market's price on the share of credits it bought at its last issuance, the
        general market's on the rest (``TwinRegionsMarket.expected_price``).

        Nothing to prepare for a programme that can never pay (it values nothing and enrols no one).
        """
        self.year = year
        if not self.active:
            return
        general = price_expectation(self.spec.price, self.market_price(year), self.horizon_years)
        twin = self.twin.expected_price(*general) if self.twin else general
        self.expected = [twin if r in self.twin_seller_regions else general for r in range(len(self.expected))]
        c = self.spec
        calendar = [calendar_of_year(year, self.setting.scenario.start_year, c.verification_interval_years,
                                     c.payment_lag_years, rate, self.horizon_years) for rate in self.discount_rates]
        self.credit_pv = np.array([credit for credit, _, _ in calendar])
        self.mrv_pv = np.array([cost for _, cost, _ in calendar])
        self.next_payment = np.array([next_payment for _, _, next_payment in calendar])

    def expected_prices(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, variance) of the price farmers of each region expect this year, (R,) each."""
        return np.array([mean for mean, _ in self.expected]), np.array([var for _, var in self.expected])

    def gap_t_c_per_ha(self, farms: np.ndarray | slice = slice(None)) -> np.ndarray:
        """(stock - baseline stock) of ``farms`` now, t C/ha."""
        return self.setting.soil.stock_t_c_per_ha[farms] - self.baseline.stock_t_c_per_ha[farms]

    def _expected_members(self, farms: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Members (count, area) a farmer expects to share its organisation's group MRV cost with, itself included.

        Under individual certification, the members of its certified exchange group (``exchange_group``), if any.
        """
        s = self.setting
        area = s.farms.area_ha
        if self.spec.mrv.group_certification:
            organisation, eligible = s.network.organisation, self.eligible_now
        elif self.exchange_group is not None:
            organisation = np.maximum(self.exchange_group, 0)
            eligible = self.eligible_now & (self.exchange_group >= 0)
        else:
            return None, None
        groups = organisation.max() + 1
        count = np.bincount(organisation[eligible], minlength=groups)[organisation[farms]]
        hectares = np.bincount(organisation, weights=np.where(eligible, area, 0.0), minlength=groups)[organisation[farms]]
        own = eligible[farms]
        return count - own + 1, hectares - np.where(own, area[farms], 0.0) + area[farms]

    def expected_value(self, farms: np.ndarray, region: int | np.ndarray, masks: np.ndarray,
                       mean_price: float | np.ndarray, variance: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """What each farmer expects from each bundle, currency/ha (``sim.incentives.expectation.expected_value``)."""
        s = self.setting
        return expectation.expected_value(self.spec, s.scenario.soil, self.horizon_years, self.asked(farms),
                                          self.calendar(), region, masks, mean_price, variance)

    def asked(self, farms: np.ndarray) -> Asked:
        """What the expected value reads of ``farms``."""
        s, reg = self.setting, self.registry
        members, hectares = self._expected_members(farms)
        grouped = None if self.exchange_group is None else self.exchange_group[farms] >= 0
        area = s.farms.area_ha[farms]
        return Asked(
            soc=s.soil.stock_t_c_per_ha[farms],
            drift=(self.baseline.equilibrium_of(s.soil.equilibrium_table, farms)
                   - self.baseline.stock_t_c_per_ha[farms]),
            bulk_density=self.bulk_density[farms], area=area, candidates=self.baseline.candidates[farms],
            baseline=self.baseline.bundle[farms],
            enrolled=reg.enrolled[farms], ever=reg.ever[farms],
            seasons_left=reg.crediting_seasons_left(self.year, farms),
            mrv_per_ha=mrv.expected_cost_per_ha(self.spec, area, members, hectares, grouped),
            value_share=farmer_value_share(self.spec),
            gained=lambda: np.maximum(self.gap_t_c_per_ha(farms) - reg.last_gap[farms], 0.0),
            outstanding=lambda: reg.outstanding_t_co2e[farms])

    def calendar(self) -> Calendar:
        """The year's tables by region (``begin_year``)."""
        return Calendar(self.setting.soil.equilibrium_table, self.credit_pv, self.mrv_pv, self.next_payment,
                        self.relative_sd, self.expectation_path)

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """PV of the expected net carbon revenue of each bundle, and its variance from the price (None: no price).

        A farm counts a bundle's PV only when positive (it would not join, or would leave the programme, otherwise);
        an enrolled farm under claw-back counts what reverting would make it repay.
        """
        mean_price, price_variance = self.expected[region]
        if mean_price <= 0 or not self.active:
            return None
        pv, sensitivity, liability = self.expected_value(farms, region, masks, mean_price)
        pays = pv > 0
        return Valuation(np.where(pays, pv, 0.0) - liability, np.where(pays, sensitivity, 0.0) ** 2 * price_variance)

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """``value`` of every region at once (farms of regions without a price: 0); None when no region has one."""
        if not self.active:
            return None
        return expectation.value_of_rows(self.expected_value, *self.expected_prices(), farms, bounds, masks)

    def after_adoption(self, year: int) -> None:
        """Note who is eligible, who joins and who leaves.

        Eligible farms never enrolled join when their practices pay; enrolled farms leave when their practices are
        no longer eligible, or when staying no longer pays.
        """
        if not self.active:
            return
        farms, reg = self.setting.farms, self.registry
        self.eligible_now = self.baseline.eligible(slice(None), farms.bundle[:, None])[:, 0]
        self.leaving, joining = expectation.enrolment(self.eligible_now, reg.enrolled, reg.ever, farms.region,
                                                      farms.bundle, self.expected_prices()[0], self.expected_value)
        if joining.size:
            reg.enrol(joining, self.gap_t_c_per_ha(), year)

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The registry's settlement of ``year`` (verification, credits, reversals, money)."""
        s = self.setting
        if not self.active:
            return self.registry.idle()
        counterfactual = s.counterfactual
        own_yields = s.farms.yield_kg_per_ha
        baseline_yields = counterfactual.farms.yield_kg_per_ha if counterfactual is not None else own_yields
        self.baseline.advance_year(baseline_yields)
        heading = (s.soil.equilibrium_table[s.farms.region, s.farms.bundle]
                   - self.baseline.equilibrium_t_c_per_ha(s.soil.equilibrium_table))
        farms = FarmCarbon(gap_t_c_per_ha=self.gap_t_c_per_ha(), stock_t_c_per_ha=s.soil.stock_t_c_per_ha,
                           eligible=self.eligible_now, yield_kg_per_ha=own_yields,
                           baseline_yield_kg_per_ha=baseline_yields, heading_gap_t_c_per_ha=heading,
                           relative_sd=self.relative_sd[s.farms.region, self.baseline.bundle, s.farms.bundle]
                           if self.per_farm_sd else None)
        return self.registry.settle(year, farms, self.leaving, rng)
