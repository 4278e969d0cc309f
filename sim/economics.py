"""Money: carbon price path, discounting, and the yearly farm accounts with every flow accounted.

Per farm and year (money in the scenario currency):
    revenue          = yield (t/ha) x crop price x area
    costs            = (production cost + sum of practice cost changes + residue fodder value forgone) x area
    transition costs = sum of one-off costs of practices adopted this year x area
    payments         = sum of per-ha payments for practices in use within their paid years x area   (public)
    credits (t CO2e) = enrolled x max(dSOC, 0) x area x 44/12 x (1 - uncertainty deduction) x (1 - buffer)
    credit value     = credits x carbon price            (paid by the buyer: private or public)
      to farmers     = credit value x farmer share
      to intermediaries = credit value x (1 - farmer share)
    MRV cost         = enrolled x (MRV per farm + MRV per ha x area)                      (paid by farmers)
    income           = revenue - costs - transition costs + payments + credits to farmers - MRV cost
Identity: credit value = to farmers + to intermediaries (checked by the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import Carbon
from sim.units import CO2_PER_C


def carbon_price(carbon: Carbon, year: int) -> float:
    """Carbon price in ``year``, currency/t CO2e.

    The constant price, or the path interpolated linearly (held flat before the first and after the last year).
    """
    if carbon.price_per_t_co2e is not None:
        return float(carbon.price_per_t_co2e)
    years = sorted(carbon.price_path)
    xs = np.array([int(y) for y in years], dtype=float)
    ys = np.array([carbon.price_path[y] for y in years], dtype=float)
    return float(np.interp(year, xs, ys))


def annuity_factor(rate: np.ndarray | float, years: np.ndarray | int) -> np.ndarray | float:
    """Present value of 1 per year paid at the end of years 1..years at discount ``rate`` (1/yr)."""
    rate = np.asarray(rate, dtype=np.float64)
    years = np.asarray(years, dtype=np.float64)
    safe = np.where(rate > 1e-12, rate, 1.0)
    return np.where(rate > 1e-12, (1.0 - (1.0 + safe) ** -years) / safe, years)


def credit_factor(carbon: Carbon) -> float:
    """T CO2e credited per t C/ha of removal per ha: 44/12 x (1 - uncertainty deduction) x (1 - buffer)."""
    return CO2_PER_C * (1.0 - carbon.uncertainty_deduction) * (1.0 - carbon.buffer)


@dataclass
class CarbonFlows:
    """Carbon credit flows of every farm in one year (arrays of length n)."""

    credits_t_co2e: np.ndarray
    value: np.ndarray
    to_farmers: np.ndarray
    to_intermediaries: np.ndarray
    mrv_cost: np.ndarray


def carbon_flows(
    carbon: Carbon, price: float, enrolled: np.ndarray, soc_change_t_c_per_ha: np.ndarray, area_ha: np.ndarray
) -> CarbonFlows:
    """Credits and money of the carbon programme for one year (see the module docstring)."""
    credits = np.where(enrolled, np.maximum(soc_change_t_c_per_ha, 0.0) * area_ha * credit_factor(carbon), 0.0)
    value = credits * price
    to_farmers = value * carbon.farmer_share
    mrv = np.where(enrolled, carbon.mrv_cost_per_farm + carbon.mrv_cost_per_ha * area_ha, 0.0)
    return CarbonFlows(credits, value, to_farmers, value - to_farmers, mrv)
