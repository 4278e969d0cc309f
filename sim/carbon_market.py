"""Results-based carbon crediting: price paths, enrolment, verification, reversals, MRV, and every money flow.

Money flows of one year (all in the scenario currency), for the credits issued to a farm:
  general market: the buyer pays credits x market price p; the guarantor pays credits x (g - p), where the farm's
    price g is the market price clipped to [floor, ceiling], or its fixed contract price;
  Twin Regions market (seller regions): twin buyers pay credits x twin price, up to their budget or demand cap
    (shared pro rata); the Market Authority keeps its fee share; these credits get the twin price, net of the fee;
  project value V = credits x g (+ twin purchases net of the authority fee); a group aggregator keeps its fee
    share of V; farmers get farmer_share of the rest, intermediaries the remainder;
  MRV: paid by farmers at each verification (individual: cost per farm + per ha; group: group cost shared by the
    organisation's enrolled members + per ha);
  reversals (a verified loss): 'buffer' cancels the lost CO2 from the buffer pool; 'clawback' makes the farmer
    repay the lost credits at its price x farmer_share (at most what it was paid for), refunded to the buyer.
Identity (tested): buyer + guarantor + twin buyers = authority fees + aggregator fees + to farmers
    + to intermediaries, and clawback leaves farmers and goes back to buyers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import Carbon, CarbonPrice, TwinMarket, interpolate_by_year
from sim.units import CO2_PER_C

_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)  # expectations over a normal distribution


def market_prices(price: CarbonPrice, start_year: int, n_years: int, rng: np.random.Generator) -> np.ndarray:
    """Market price of years start_year .. start_year + n_years - 1, currency/t CO2e."""
    years = start_year + np.arange(n_years)
    if price.kind == "constant":
        return np.full(n_years, float(price.value))
    if price.kind == "ramp":
        return np.interp(years, [price.start_year, price.end_year], [price.start_value, price.end_value])
    if price.kind == "series":
        return interpolate_by_year(price.by_year, years)
    log_price = np.empty(n_years)
    log_price[0] = np.log(max(price.value, 1e-9))
    shocks = rng.standard_normal(n_years)
    centre = _log_centre(price)
    for t in range(1, n_years):
        log_price[t] = log_price[t - 1] + price.reversion * (centre - log_price[t - 1]) + price.volatility * shocks[t]
    return np.exp(log_price)


def _log_centre(price: CarbonPrice) -> float:
    """Centre of the mean-reverting log price chosen so the long-run arithmetic mean price equals ``price.mean``.

    The stationary log price is normal with variance s^2 = volatility^2 / (1 - (1 - reversion)^2), so its mean
    is ln(mean) - s^2 / 2 (without reversion there is no stationary law: the centre is ln(mean)).
    """
    keep = 1.0 - price.reversion
    if keep >= 1.0:
        return float(np.log(price.mean))
    return float(np.log(price.mean) - 0.5 * price.volatility**2 / (1.0 - keep**2))


def guaranteed(price: CarbonPrice, market: np.ndarray | float) -> np.ndarray:
    """The project's price: the market price clipped to [floor, ceiling]."""
    return np.clip(market, price.floor, price.ceiling if price.ceiling is not None else np.inf)


def price_expectation(price: CarbonPrice, market_now: float, horizon_years: int) -> tuple[float, float]:
    """Mean and variance of the price a farmer expects over its planning horizon (currency/t CO2e).

    Deterministic paths: the current guaranteed price, variance 0 (myopic expectation). Stochastic: the guaranteed
    price at the horizon's midpoint h under the mean-reverting model, ln p_h ~ N(c + (1 - r)^h (ln p_now - c),
    volatility^2 x sum_{j<h} (1 - r)^(2j)) with c the log centre (``_log_centre``), clipped to [floor, ceiling]
    (Gauss-Hermite quadrature).
    A fixed-price contract removes the variance for the share of the horizon it covers.
    """
    if price.kind != "stochastic":
        return float(guaranteed(price, market_now)), 0.0
    h = max(horizon_years / 2.0, 1.0)
    keep = 1.0 - price.reversion
    centre = _log_centre(price)
    mean_log = centre + keep**h * (np.log(max(market_now, 1e-9)) - centre)
    var_log = price.volatility**2 * (h if keep == 1.0 else (1.0 - keep ** (2 * h)) / (1.0 - keep**2))
    values = guaranteed(price, np.exp(mean_log + np.sqrt(var_log) * _GH_NODES))
    weights = _GH_WEIGHTS / _GH_WEIGHTS.sum()
    mean = float(weights @ values)
    variance = float(weights @ (values - mean) ** 2)
    covered = min(price.contract_years / max(horizon_years, 1), 1.0)
    return mean, variance * (1.0 - covered)


def credits_per_t_c(carbon: Carbon) -> float:
    """T CO2e credited per t C of verified removal: 44/12 x (1 - uncertainty deduction) x (1 - buffer)."""
    return CO2_PER_C * (1.0 - carbon.mrv.uncertainty_deduction) * (1.0 - carbon.buffer)


def farmer_value_share(carbon: Carbon) -> float:
    """Share of the credit value a farmer receives: farmer_share x (1 - aggregator fee when grouped)."""
    fee = carbon.mrv.aggregator_fee_share if carbon.mrv.group_certification else 0.0
    return carbon.farmer_share * (1.0 - fee)


def mrv_cost_per_verification(carbon: Carbon, area_ha: np.ndarray, organisation: np.ndarray,
                              enrolled: np.ndarray) -> np.ndarray:
    """MRV cost of each enrolled farm at a verification (0 for others), currency.

    Individual: cost_per_farm + cost_per_ha x area. Group: group_cost / (enrolled farms of the same farmer
    organisation) + cost_per_ha x area.
    """
    m = carbon.mrv
    if m.group_certification:
        members = np.bincount(organisation[enrolled], minlength=organisation.max() + 1)
        fixed = m.group_cost / np.maximum(members[organisation], 1)
    else:
        fixed = m.cost_per_farm
    return np.where(enrolled, fixed + m.cost_per_ha * area_ha, 0.0)


@dataclass
class CarbonYear:
    """Per-farm results of one year of the carbon programme (arrays of length n, currency or t CO2e)."""

    credits_t_co2e: np.ndarray
    reversal_t_co2e: np.ndarray
    buffer_t_co2e: np.ndarray  # contributions to (+) and cancellations from (-) the buffer pool
    value: np.ndarray  # project value V
    buyer: np.ndarray
    guarantor: np.ndarray
    twin_buyers: np.ndarray
    authority_fees: np.ndarray
    aggregator_fees: np.ndarray
    to_farmers: np.ndarray
    to_intermediaries: np.ndarray
    mrv_cost: np.ndarray
    clawback: np.ndarray


class CarbonProgramme:
    """Enrolment, verification and payment state of every farm.

    Args:
        carbon: the scenario's carbon table.
        twin: the Twin Regions market, or None.
        start_year: first model year; verifications fall every ``verification_interval_years`` after it.
        region: region index of each farm; twin_regions: indices of the twin market's seller regions.
        area_ha, organisation: farm areas and farmer-organisation ids.
        prices: market price by year from start_year (``market_prices``).

    """

    def __init__(self, carbon: Carbon, twin: TwinMarket | None, start_year: int, region: np.ndarray,
                 twin_regions: list[int], area_ha: np.ndarray, organisation: np.ndarray, prices: np.ndarray) -> None:
        n = region.size
        self.carbon = carbon
        self.twin = twin
        self.start_year = start_year
        self.area = area_ha
        self.organisation = organisation
        self.prices = prices
        self.in_twin = np.isin(region, twin_regions) if twin is not None else np.zeros(n, bool)
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
               ) -> CarbonYear:
        """Verify (every interval, and farms ``leaving`` the programme now), issue credits, pay, handle reversals."""
        c = self.carbon
        n = self.area.size
        if not (self.enrolled.any() or leaving.any()):  # nobody in the programme: every flow is zero
            zero = np.zeros(n)
            return CarbonYear(*([zero] * 13))
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

        twin_credits = self._twin_allocation(credits)
        general = credits - twin_credits
        twin_paid = twin_credits * (self.twin.price_per_t_co2e if self.twin else 0.0)
        authority = twin_paid * (self.twin.authority_fee_share if self.twin else 0.0)
        value = general * farm_price + (twin_paid - authority)
        aggregator = value * (c.mrv.aggregator_fee_share if c.mrv.group_certification else 0.0)
        to_farmers = (value - aggregator) * c.farmer_share
        mrv = mrv_cost_per_verification(c, self.area, self.organisation, verified)

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
        return CarbonYear(
            credits_t_co2e=credits, reversal_t_co2e=loss, buffer_t_co2e=buffer_change, value=value,
            buyer=general * market - clawback, guarantor=general * (farm_price - market), twin_buyers=twin_paid,
            authority_fees=authority, aggregator_fees=aggregator, to_farmers=to_farmers,
            to_intermediaries=value - aggregator - to_farmers, mrv_cost=mrv, clawback=clawback)

    def _twin_allocation(self, credits: np.ndarray) -> np.ndarray:
        """Credits of each farm bought by the Twin Regions market (pro rata under its budget or cap)."""
        if self.twin is None:
            return np.zeros_like(credits)
        offered = np.where(self.in_twin, credits, 0.0)
        total = offered.sum()
        if total <= 0:
            return offered
        cap = total
        if self.twin.demand_cap_t_co2e is not None:
            cap = min(cap, self.twin.demand_cap_t_co2e)
        if self.twin.annual_budget is not None and self.twin.price_per_t_co2e > 0:
            cap = min(cap, self.twin.annual_budget / self.twin.price_per_t_co2e)
        return offered * (cap / total)
