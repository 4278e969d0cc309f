"""Observed patterns as statistics of a run's yearly table, and the distance between simulated and observed ones.

A scenario's ``[patterns]`` table names each pattern: a statistic of one column of the yearly table (one region),
its observed value, a scale (the tolerance in the statistic's unit) and its source. Everything here is a pure
function of a yearly table (``experiments.runs.run_one``'s output) and the pattern definitions:

- ``level``: the column in each observed year (one statistic per year, keyed ``name:year``);
- ``mean``, ``slope`` (least squares, per year) and ``growth`` (log-linear, relative per year) over ``window``;
- ``ratio``: mean over ``window`` / mean over ``relative_to`` (a multiplicative bias of one source cancels);
- ``slope_ratio``: log10 of slope over ``window`` / slope over ``relative_to`` (phases of a diffusion curve).

The distance of a set of statistics to the observed ones, in units of their scales, is

    d = sqrt( mean over countries [ sum over fitted patterns p (w_p / W) mean over statistics k of p z_k^2 ] ),
    z_k = (simulated_k - observed_k) / scale_k (one-sided for bounds),

so each country counts equally, each pattern by its weight whatever its number of statistics, and d = 1 means
"on average one tolerance off". Statistics are keyed ``country/pattern`` (``country/pattern:year`` for levels).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.scenario import Pattern

#: A statistic the run cannot produce (e.g. the growth of an area that stays at zero) counts this many scales off.
MISSING_Z = 10.0
#: slope_ratio: slopes below this (column units per year) count as this, so a flat phase has a finite ratio. Far
#: below what a calibration population can resolve (one adopter in 10,000 farmers per decade is 1e-5/yr).
SLOPE_FLOOR = 1e-5
#: Separates the country (scenario label) from the pattern name in a statistic's key.
COUNTRY_SEPARATOR = "/"
#: Separates a level pattern's name from its year in a statistic's key.
YEAR_SEPARATOR = ":"


def column_by_year(table: pd.DataFrame, column: str, region: str = "all") -> pd.Series:
    """One column of a yearly table for one region, indexed by year (mean over rows sharing a year)."""
    rows = table[table.region == region]
    return rows.groupby("year")[column].mean()


def _window(series: pd.Series, first: int, last: int) -> pd.Series:
    return series.loc[first:last].dropna()


def window_mean(series: pd.Series, first: int, last: int) -> float:
    """Mean of the series over the years first..last (missing years skipped; NaN if none)."""
    values = _window(series, first, last)
    return float(values.mean()) if len(values) else float("nan")


def slope(series: pd.Series, first: int, last: int) -> float:
    """Least-squares slope over the years first..last, in the series' unit per year (NaN with fewer than 2 years)."""
    values = _window(series, first, last)
    if len(values) < 2:
        return float("nan")
    return float(np.polyfit(values.index.to_numpy(dtype=float), values.to_numpy(dtype=float), 1)[0])


def growth_rate(years: np.ndarray, values: np.ndarray) -> float:
    """Average relative growth per year of positive values (log-linear least squares): exp(slope of log) - 1."""
    return float(np.exp(np.polyfit(years, np.log(values), 1)[0]) - 1.0)


def growth(series: pd.Series, first: int, last: int) -> float:
    """Relative growth per year over first..last (NaN when a value is not positive or fewer than 2 years)."""
    values = _window(series, first, last)
    if len(values) < 2 or (values <= 0).any():
        return float("nan")
    return growth_rate(values.index.to_numpy(dtype=float), values.to_numpy(dtype=float))


def ratio(series: pd.Series, window: list[int], relative_to: list[int]) -> float:
    """Mean over ``window`` / mean over ``relative_to`` (NaN when the reference is not positive)."""
    reference = window_mean(series, *relative_to)
    return window_mean(series, *window) / reference if reference > 0 else float("nan")


def slope_ratio(series: pd.Series, window: list[int], relative_to: list[int]) -> float:
    """log10(slope over ``window`` / slope over ``relative_to``), slopes floored at ``SLOPE_FLOOR``."""
    later, earlier = slope(series, *window), slope(series, *relative_to)
    if np.isnan(later) or np.isnan(earlier):
        return float("nan")
    return float(np.log10(max(later, SLOPE_FLOOR) / max(earlier, SLOPE_FLOOR)))


def simulated(pattern: Pattern, table: pd.DataFrame) -> dict[str, float]:
    """The pattern's statistics in one run's yearly table: ``{year: value}`` for levels, else ``{"": value}``."""
    series = column_by_year(table, pattern.column, pattern.region)
    kind = pattern.statistic
    if kind == "level":
        return {year: float(series.get(int(year), np.nan)) for year in pattern.observed}
    if kind == "mean":
        value = window_mean(series, *pattern.window)
    elif kind == "slope":
        value = slope(series, *pattern.window)
    elif kind == "growth":
        value = growth(series, *pattern.window)
    elif kind == "ratio":
        value = ratio(series, pattern.window, pattern.relative_to)
    else:
        value = slope_ratio(series, pattern.window, pattern.relative_to)
    return {"": value}


def _key(country: str, name: str, year: str) -> str:
    return f"{country}{COUNTRY_SEPARATOR}{name}" + (f"{YEAR_SEPARATOR}{year}" if year else "")


def observed(country: str, patterns: Mapping[str, Pattern]) -> dict[str, float]:
    """The observed statistics of a country's patterns, by key."""
    out = {}
    for name, pattern in patterns.items():
        values = pattern.observed if isinstance(pattern.observed, dict) else {"": pattern.observed}
        out.update({_key(country, name, year): float(value) for year, value in values.items()})
    return out


def statistics(country: str, patterns: Mapping[str, Pattern], table: pd.DataFrame) -> dict[str, float]:
    """Every statistic of a country's patterns in one run's yearly table, by key."""
    out = {}
    for name, pattern in patterns.items():
        out.update({_key(country, name, year): value for year, value in simulated(pattern, table).items()})
    return out


@dataclass(frozen=True)
class Statistic:
    """One statistic of one pattern: what it is, its observed value and how it counts in the distance."""

    key: str
    country: str
    pattern: str
    year: str  # the level's year, "" for other statistics
    statistic: str
    column: str
    observed: float
    scale: float
    bound: str
    fit: bool
    weight: float
    source: str


def layout(country: str, patterns: Mapping[str, Pattern]) -> list[Statistic]:
    """Every statistic of a country's patterns, in key order of ``observed``."""
    out = []
    for name, pattern in patterns.items():
        values = pattern.observed if isinstance(pattern.observed, dict) else {"": pattern.observed}
        for year, value in values.items():
            out.append(Statistic(_key(country, name, year), country, name, year, pattern.statistic, pattern.column,
                                 float(value), pattern.scale, pattern.bound, pattern.fit, pattern.weight,
                                 pattern.source))
    return out


def z_score(statistic: Statistic, value: float) -> float:
    """(simulated - observed) / scale, zero on the allowed side of a bound, ``MISSING_Z`` when not a number."""
    if value is None or not np.isfinite(value):
        return MISSING_Z
    z = (value - statistic.observed) / statistic.scale
    if statistic.bound == "upper":
        return max(z, 0.0)
    if statistic.bound == "lower":
        return min(z, 0.0)
    return z


class PatternDistance:
    """The distance of simulated statistics to the observed ones (see the module docstring); picklable.

    Called as ``distance(simulated, observed)`` (pyabc's signature; the observed values it compares with are the
    ones in ``statistics``, so ``observed`` is ignored).
    """

    def __init__(self, statistics: list[Statistic]) -> None:
        self.statistics = list(statistics)
        fitted = [s for s in self.statistics if s.fit]
        if not fitted:
            raise ValueError("no fitted pattern: every pattern has fit = false")
        countries = sorted({s.country for s in fitted})
        count = {(s.country, s.pattern): 0 for s in fitted}
        for s in fitted:
            count[s.country, s.pattern] += 1
        weight_total = {c: sum(s.weight / count[s.country, s.pattern] for s in fitted if s.country == c)
                        for c in countries}
        # d^2 = sum_k factor_k z_k^2 over fitted statistics
        self.factors = {s.key: s.weight / count[s.country, s.pattern] / weight_total[s.country] / len(countries)
                        for s in fitted}

    def z_scores(self, simulated: Mapping[str, float]) -> dict[str, float]:
        """The z-score of every statistic (fitted or not), by key."""
        return {s.key: z_score(s, simulated.get(s.key, float("nan"))) for s in self.statistics}

    def __call__(self, simulated: Mapping[str, float], observed: Mapping[str, float] | None = None,
                 t: int | None = None, par: Mapping | None = None) -> float:
        """The distance of ``simulated`` statistics to the observed ones (fitted patterns only)."""
        z = self.z_scores(simulated)
        return float(np.sqrt(sum(factor * z[key] ** 2 for key, factor in self.factors.items())))
