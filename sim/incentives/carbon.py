"""Results-based carbon crediting: enrolment, verification, crediting, buffer, reversals, MRV and every money flow.

Money flows of one year (all in the scenario currency), for the credits issued to a farm:
  general market: the buyer pays credits x market price p; the guarantor pays credits x (g - p), where the farm's
    price g is the market price clipped to [floor, ceiling], or its fixed contract price (``sim.incentives.prices``);
  Twin Regions market (seller regions): twin buyers pay credits x twin price, up to their budget or demand cap
    (shared pro rata); the Market Authority keeps its fee share (``sim.incentives.twin_market``);
  project value V = credits x g (+ twin purchases net of the authority fee); a group aggregator keeps its fee
    share of V; farmers get farmer_share of the rest, intermediaries the remainder;
  MRV: paid by farmers at each verification (``sim.incentives.mrv``);
  reversals (a verified loss): 'buffer' cancels the lost CO2 from the buffer pool; 'clawback' makes the farmer
    repay the lost credits at its price x farmer_share (at most what it was paid for), refunded to the buyer.
Identity (tested): buyer + guarantor + twin buyers = authority fees + aggregator fees + to farmers
    + to intermediaries, and clawback leaves farmers and goes back to buyers.

Enrolment: a farm using practices joins when its expected yearly net carbon revenue is positive; the same
expectation, over the planning horizon, is what the bundle is worth to a farmer deciding (``expected_yearly``).
"""

from __future__ import annotations

import numpy as np

from sim.economics import FARMER, PUBLIC, MoneyFlow, annuity_factor
from sim.incentives import mrv
from sim.incentives.base import Setting, Settlement, Valuation
from sim.incentives.prices import EXTRA_PRICE_YEARS, guaranteed, market_prices, price_expectation
from sim.incentives.twin_market import TwinRegionsMarket
from sim.scenario.incentives import Carbon
from sim.units import CO2_PER_C

#: Parties of the carbon market (``MoneyFlow`` payers and payees) besides the public and farmers.
PROJECT = "carbon project"
BUYER = "credit buyer"
TWIN_BUYERS = "twin regions buyers"
AUTHORITY = "market authority"
AGGREGATOR = "aggregator"
INTERMEDIARIES = "intermediaries"
MRV_PROVIDER = "MRV provider"


def credits_per_t_c(carbon: Carbon) -> float:
    """T CO2e credited per t C of verified removal: 44/12 x (1 - uncertainty deduction) x (1 - buffer)."""
    return CO2_PER_C * (1.0 - carbon.mrv.uncertainty_deduction) * (1.0 - carbon.buffer)


def farmer_value_share(carbon: Carbon) -> float:
    """Share of the credit value a farmer receives: farmer_share x (1 - aggregator fee when grouped)."""
    fee = carbon.mrv.aggregator_fee_share if carbon.mrv.group_certification else 0.0
    return carbon.farmer_share * (1.0 - fee)


class CarbonRegistry:
    """Enrolment, verification, crediting and payment state of every farm.

    Args:
        carbon: the scenario's carbon table.
        twin: the Twin Regions market, or None.
        start_year: first model year; verifications fall every ``verification_interval_years`` after it.
        area_ha, organisation: farm areas and farmer-organisation ids.
        prices: market price by year from start_year (``market_prices``).

    """

    def __init__(self, carbon: Carbon, twin: TwinRegionsMarket | None, start_year: int, area_ha: np.ndarray,
                 organisation: np.ndarray, prices: np.ndarray) -> None:
        n = area_ha.size
        self.carbon = carbon
        self.twin = twin
        self.start_year = start_year
        self.area = area_ha
        self.organisation = organisation
        self.prices = prices
        self.enrolled = np.zeros(n, bool)
        self.baseline_t_c_per_ha = np.zeros(n)
        self.paid_t_co2e = np.zeros(n)  # credits paid to the farm and not yet reversed (claw-back cap)
        self.contract_price = np.zeros(n)
        self.contract_end = np.zeros(n, np.int64)
        self.buffer_pool_t_co2e = 0.0

    def market_price(self, year: int) -> float:
        """Market price of ``year`` (held at the last known value beyond the generated path)."""
        return float(self.prices[min(max(year - self.start_year, 0), self.prices.size - 1)])

    def enrol(self, farms: np.ndarray, soc_t_c_per_ha: np.ndarray, year: int) -> None:
        """Start crediting ``farms`` from their current stock; fix contract prices when contracts apply."""
        self.enrolled[farms] = True
        self.baseline_t_c_per_ha[farms] = soc_t_c_per_ha[farms]
        price = self.carbon.price
        if price.contract_years > 0:
            self.contract_price[farms] = guaranteed(price, self.market_price(year))
            self.contract_end[farms] = year + price.contract_years

    def settle(self, year: int, soc_t_c_per_ha: np.ndarray, leaving: np.ndarray, rng: np.random.Generator
               ) -> Settlement:
        """Verify (every interval, and farms ``leaving`` the programme now), issue credits, pay, handle reversals."""
        c = self.carbon
        n = self.area.size
        enrolled = self.enrolled.copy()
        if not (self.enrolled.any() or leaving.any()):  # nobody in the programme: every flow is zero
            zero = np.zeros(n)
            return self._settlement(zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero,
                                    enrolled)
        verify_all = (year - self.start_year) % c.verification_interval_years == 0
        verified = self.enrolled & (verify_all | leaving)
        change = np.where(verified, soc_t_c_per_ha - self.baseline_t_c_per_ha, 0.0)
        if c.quantification == "measured" and c.mrv.measurement_sd_t_c_per_ha > 0:
            change = change + np.where(verified, rng.normal(0.0, c.mrv.measurement_sd_t_c_per_ha, n), 0.0)
        self.baseline_t_c_per_ha = np.where(verified, soc_t_c_per_ha, self.baseline_t_c_per_ha)
        quantified_t_co2e = change * self.area * CO2_PER_C * (1.0 - c.mrv.uncertainty_deduction)
        gain = np.maximum(quantified_t_co2e, 0.0)
        credits = gain * (1.0 - c.buffer)
        loss = np.maximum(-quantified_t_co2e, 0.0)

        market = self.market_price(year)
        farm_price = np.full(n, float(guaranteed(c.price, market)))
        if c.price.contract_years > 0:
            renew = self.enrolled & (self.contract_end <= year)
            self.contract_price[renew] = farm_price[renew]
            self.contract_end[renew] = year + c.price.contract_years
            farm_price = np.where(self.enrolled, self.contract_price, farm_price)

        twin_credits = self.twin.bought(credits) if self.twin else np.zeros_like(credits)
        general = credits - twin_credits
        twin_paid = twin_credits * (self.twin.spec.price_per_t_co2e if self.twin else 0.0)
        authority = twin_paid * (self.twin.spec.authority_fee_share if self.twin else 0.0)
        value = general * farm_price + (twin_paid - authority)
        aggregator = value * (c.mrv.aggregator_fee_share if c.mrv.group_certification else 0.0)
        to_farmers = (value - aggregator) * c.farmer_share
        mrv_cost = mrv.cost_per_verification(c, self.area, self.organisation, verified)

        self.paid_t_co2e += credits
        if c.on_reversal == "clawback":
            repaid_t = np.minimum(loss * (1.0 - c.buffer), self.paid_t_co2e)
            clawback = repaid_t * farm_price * c.farmer_share
            self.paid_t_co2e -= repaid_t
            buffer_change = gain * c.buffer
        else:
            clawback = np.zeros(n)
            buffer_change = gain * c.buffer - loss
        self.buffer_pool_t_co2e += float(buffer_change.sum())
        self.enrolled &= ~leaving
        return self._settlement(credits, loss, buffer_change, value, general * market - clawback,
                                general * (farm_price - market), twin_paid, authority, aggregator, to_farmers,
                                value - aggregator - to_farmers, mrv_cost, clawback, enrolled)

    def _settlement(self, credits, reversals, buffer, value, buyer, guarantor, twin_buyers, authority, aggregator,
                    to_farmers, to_intermediaries, mrv_cost, clawback, enrolled) -> Settlement:
        """The year's flows (per farm, currency) and quantities, named by their output columns."""
        c = self.carbon
        buyer_party = PUBLIC if c.buyer == "public" else BUYER
        guarantor_party = PUBLIC if c.price.guarantor == "public" else BUYER
        return Settlement(
            flows=[
                MoneyFlow("buyer_spending", buyer_party, PROJECT, buyer),  # net of claw-back refunds
                MoneyFlow("guarantor_spending", guarantor_party, PROJECT, guarantor),
                MoneyFlow("twin_buyer_spending", TWIN_BUYERS, PROJECT, twin_buyers),
                MoneyFlow("authority_fees", PROJECT, AUTHORITY, authority),
                MoneyFlow("aggregator_fees", PROJECT, AGGREGATOR, aggregator),
                MoneyFlow("carbon_to_farmers", PROJECT, FARMER, to_farmers),
                MoneyFlow("carbon_to_intermediaries", PROJECT, INTERMEDIARIES, to_intermediaries),
                MoneyFlow("mrv_cost", FARMER, MRV_PROVIDER, mrv_cost),
                MoneyFlow("clawback", FARMER, buyer_party, clawback),
            ],
            quantities={"credits_t_co2e": credits, "reversals_t_co2e": reversals, "buffer_t_co2e": buffer,
                        "carbon_value": value, "enrolled": enrolled},
        )


class CarbonProgramme:
    """The ``[carbon]`` (and ``[twin_market]``) tables as an incentive design.

    Prices, expectations, enrolment, the value of a bundle to a farmer deciding, and the registry's yearly settlement.

    Attributes:
        prices: market price by year from the start year (drawn from the policy stream when stochastic).
        registry: the ``CarbonRegistry`` of enrolled farms.
        expected: per region, (mean, variance) of the price farmers expect this year (currency/t CO2e).

    """

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        scenario = setting.scenario
        self.spec = scenario.carbon
        self.setting = setting
        self.horizon_years = scenario.decision.planning_horizon_years
        self.prices = market_prices(self.spec.price.path, scenario.start_year,
                                    scenario.years + 1 + EXTRA_PRICE_YEARS, rng)
        regions = setting.regions
        twin = None
        self.twin_seller_regions: set[int] = set()
        if scenario.twin_market is not None:
            self.twin_seller_regions = {regions.names.index(r) for r in scenario.twin_market.seller_regions}
            twin = TwinRegionsMarket(scenario.twin_market, np.isin(setting.farms.region, list(self.twin_seller_regions)))
        self.twin = twin
        self.registry = CarbonRegistry(self.spec, twin, scenario.start_year, setting.farms.area_ha,
                                       setting.network.organisation, self.prices)
        credit_years = min(scenario.soil.transition_years, self.horizon_years)
        self.annuity = annuity_factor(np.array([s.discount_rate for s in regions.specs]), credit_years)
        self.expected: list[tuple[float, float]] = [(0.0, 0.0)] * regions.sizes.size
        self.leaving = np.zeros(regions.n, bool)

    def market_price(self, year: int) -> float:
        """Market price of ``year``, currency/t CO2e."""
        return self.registry.market_price(year)

    def begin_year(self, year: int) -> None:
        """The price farmers of each region expect: Twin Regions sellers the market's price, others the general one."""
        general = price_expectation(self.spec.price, self.market_price(year), self.horizon_years)
        twin = (self.twin.price_to_project, 0.0) if self.twin else general
        self.expected = [twin if r in self.twin_seller_regions else general for r in range(len(self.expected))]

    def expected_yearly(self, farms: np.ndarray, region: int, masks: np.ndarray, mean_price: float
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Expected yearly carbon revenue net of MRV (currency/ha/yr) and t CO2e/ha/yr credited to the farmer.

        ``masks`` is (K,) (every farm x every bundle: results (m, K)) or (m, 1) (each farm's own bundle: (m, 1)).
        Removal rate under a bundle: (equilibrium - SOC)+ / D; MRV spread over the verification interval, a group's
        fixed cost shared by the organisation's farms using practices (counting the farm itself). Conventional
        farming earns nothing (-inf: it cannot enrol).
        """
        c, s = self.spec, self.setting
        soc = s.soil.stock_t_c_per_ha[farms]
        equilibrium = s.soil.equilibrium_table[region, masks]
        credited = np.maximum(equilibrium - soc[:, None], 0.0) / s.scenario.soil.transition_years
        credited *= credits_per_t_c(c)
        members = None
        if c.mrv.group_certification:  # the group's cost is expected to be shared by the organisation's adopters
            organisation, bundle = s.network.organisation, s.farms.bundle
            adopters = np.bincount(organisation[bundle != 0], minlength=organisation.max() + 1)[organisation[farms]]
            members = adopters + (bundle[farms] == 0)
        cost = mrv.expected_cost_per_ha_year(c, s.farms.area_ha[farms], members)
        yearly = credited * (farmer_value_share(c) * mean_price) - np.broadcast_to(cost, soc.shape)[:, None]
        yearly = np.where(masks == 0, -np.inf, yearly)
        return yearly, credited * farmer_value_share(c)

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """PV of the expected net carbon revenue of each bundle over min(D, H) years, and its variance.

        Counted only when positive (else the farm would not enrol); the variance comes from the price. None when
        farmers expect no price.
        """
        mean_price, price_variance = self.expected[region]
        if mean_price <= 0:
            return None
        yearly, credited = self.expected_yearly(farms, region, masks, mean_price)
        joins = yearly > 0  # a farmer enrols only when it pays
        annuity = self.annuity[region]
        return Valuation(np.where(joins, yearly * annuity, 0.0),
                         np.where(joins, (annuity * credited) ** 2 * price_variance, 0.0))

    def after_adoption(self, year: int) -> None:
        """Farms using practices join when their expected yearly net revenue is positive; note who leaves."""
        farms = self.setting.farms
        candidates = np.flatnonzero(~self.registry.enrolled & (farms.bundle != 0))
        joining = []
        for region, block in self.setting.regions.blocks(candidates):
            if self.expected[region][0] > 0:
                yearly, _ = self.expected_yearly(block, region, farms.bundle[block][:, None], self.expected[region][0])
                joining.append(block[yearly[:, 0] > 0])
        if joining:
            self.registry.enrol(np.concatenate(joining), self.setting.soil.stock_t_c_per_ha, year)
        self.leaving = self.registry.enrolled & (farms.bundle == 0)

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """Verification, credits and money flows of ``year`` (``CarbonRegistry.settle``)."""
        return self.registry.settle(year, self.setting.soil.stock_t_c_per_ha, self.leaving, rng)
