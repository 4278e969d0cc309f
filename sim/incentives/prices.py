"""Carbon prices: the market price path of each kind, the guaranteed price, and what farmers expect.

Price paths (``[carbon.price.path]``, currency/t CO2e): "constant"; "ramp" (linear between two years, flat
outside); "series" (by year, linear between years); "stochastic": a mean-reverting log price
ln p(t+1) = ln p(t) + reversion x (c - ln p(t)) + volatility x e, e ~ N(0, 1), with c set so the long-run
arithmetic mean is ``mean``. The project's price g = the market price clipped to [floor, ceiling].
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.scenario.incentives import CarbonPrice, ConstantPrice, RampPrice, SeriesPrice, StochasticPrice
from sim.scenario.years import interpolate_by_year

#: Years of market prices generated beyond a scenario's last year, so a model run past it (``run_for``) still
#: has its own prices; after them the last price holds.
EXTRA_PRICE_YEARS = 100
#: Smallest price (currency/t CO2e) whose logarithm is taken (a zero price has no log).
MIN_LOG_PRICE = 1e-9
#: Nodes of the Gauss-Hermite rule for expectations over a normal distribution.
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)


def _constant(path: ConstantPrice, years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.full(years.size, float(path.value))


def _ramp(path: RampPrice, years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.interp(years, [path.start_year, path.end_year], [path.start_value, path.end_value])


def _series(path: SeriesPrice, years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return interpolate_by_year(path.by_year, years)


def _stochastic(path: StochasticPrice, years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n_years = years.size
    log_price = np.empty(n_years)
    log_price[0] = np.log(max(path.value, MIN_LOG_PRICE))
    shocks = rng.standard_normal(n_years)
    centre = log_centre(path)
    for t in range(1, n_years):
        log_price[t] = log_price[t - 1] + path.reversion * (centre - log_price[t - 1]) + path.volatility * shocks[t]
    return np.exp(log_price)


#: Market price generators by the path's ``kind``.
PATHS: dict[str, Callable[..., np.ndarray]] = {
    "constant": _constant, "ramp": _ramp, "series": _series, "stochastic": _stochastic,
}


def market_prices(path: ConstantPrice | RampPrice | SeriesPrice | StochasticPrice, start_year: int, n_years: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Market price of years start_year .. start_year + n_years - 1, currency/t CO2e (stochastic: draws from rng)."""
    return PATHS[path.kind](path, start_year + np.arange(n_years), rng)


def log_centre(path: StochasticPrice) -> float:
    """Centre of the mean-reverting log price chosen so the long-run arithmetic mean price equals ``path.mean``.

    The stationary log price is normal with variance s^2 = volatility^2 / (1 - (1 - reversion)^2), so its mean
    is ln(mean) - s^2 / 2 (without reversion there is no stationary law: the centre is ln(mean)).
    """
    keep = 1.0 - path.reversion
    if keep >= 1.0:
        return float(np.log(path.mean))
    return float(np.log(path.mean) - 0.5 * path.volatility**2 / (1.0 - keep**2))


def guarantee_bounds(price: CarbonPrice) -> tuple[float, float]:
    """(floor, ceiling) of the project's price, currency/t CO2e: the ceiling is inf when there is none."""
    return price.floor, price.ceiling if price.ceiling is not None else np.inf


def guaranteed(price: CarbonPrice, market: np.ndarray | float) -> np.ndarray:
    """The project's price: the market price clipped to [floor, ceiling]."""
    return np.clip(market, *guarantee_bounds(price))


def price_expectation(price: CarbonPrice, market_now: float, horizon_years: int) -> tuple[float, float]:
    """Mean and variance of the price a farmer expects over its planning horizon (currency/t CO2e).

    Deterministic paths: the current guaranteed price, variance 0 (myopic expectation). Stochastic: the guaranteed
    price at the horizon's midpoint h under the mean-reverting model, ln p_h ~ N(c + (1 - r)^h (ln p_now - c),
    volatility^2 x sum_{j<h} (1 - r)^(2j)) with c the log centre (``log_centre``), clipped to [floor, ceiling]
    (Gauss-Hermite quadrature). A fixed-price contract removes the variance for the share of the horizon it covers.
    """
    path = price.path
    if path.kind != "stochastic":
        return float(guaranteed(price, market_now)), 0.0
    h = max(horizon_years / 2.0, 1.0)
    keep = 1.0 - path.reversion
    centre = log_centre(path)
    mean_log = centre + keep**h * (np.log(max(market_now, MIN_LOG_PRICE)) - centre)
    var_log = path.volatility**2 * (h if keep == 1.0 else (1.0 - keep ** (2 * h)) / (1.0 - keep**2))
    values = guaranteed(price, np.exp(mean_log + np.sqrt(var_log) * _GH_NODES))
    weights = _GH_WEIGHTS / _GH_WEIGHTS.sum()
    mean = float(weights @ values)
    variance = float(weights @ (values - mean) ** 2)
    covered = min(price.contract_years / max(horizon_years, 1), 1.0)
    return mean, variance * (1.0 - covered)
