"""A naive benchmark for Brazil's calibration: 3-parameter curves fitted with the calibration's own distance.

Run: ``.venv/bin/python scripts/curve_benchmark.py results/calibration_brazil/ppc.csv`` (optional: the
``ppc.csv`` a calibration wrote, to score the model's predictive median on the same patterns). Takes a few seconds.

A logistic ``K / (1 + exp(-r (t - t0)))`` and a Bass curve ``m (1 - e) / (1 + (q / p) e)``, ``e = exp(-(p + q)
(t - first year + 1))``, each with 3 free parameters (the model has 3 calibrated ones), are fitted to the fitted
patterns of ``scenarios/validation_brazil.toml`` that read the area share: the census share 2006, the federation's
1992/2006 ratio, its growth 2001-06 and the two phase-slope ratios. Pioneer dis-adoption is left out (a curve has
no dis-adoption). The distance is the calibration's (``analysis.patterns.PatternDistance``: root mean square of
z, each pattern weighted equally), restricted to those five patterns; the curve is fitted by Nelder-Mead from a few
starts within bounds.

Prints, for each curve: its parameters, the distance, every area statistic's simulated value and z (checks
included: the census-basis points with their RMSE over all four points and over 1998 and 2000 only, the two not
already fitted; the 1992 bound; the world growth), and the curve at a few years. With a ``ppc.csv``: the model's
predictive median's distance over the same five patterns, from its ``z_median`` column.

Then the naive forecasts of the Canadian Prairies' census shares (``scenarios/validation_canada.toml``'s patterns,
1996-2021) from what a Brazil calibration knows plus the Prairies' 1991 census level (the level the Canadian run
starts from): no change from 1991, and the fitted logistic moved along its own time axis from the point where it
has the 1991 level. Their RMSEs are the yardstick for Brazil's posterior run on Canada
(``scripts/predictive_check.py scenarios/validation_canada.toml scenarios/posteriors/brazil.csv``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

import sim
from analysis import patterns as pt

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "validation_brazil.toml"
CANADA = ROOT / "scenarios" / "validation_canada.toml"
CANADA_DATA = ROOT / "analysis" / "data" / "ca_adoption_canada_statcan.csv"
PRAIRIES = ("Saskatchewan", "Alberta", "Manitoba")
#: Canada's census patterns and the data columns (numerator, denominator) of their 1991 level.
CANADA_SHARES = {"census_area_share": ("no_till_ha", "prepared_ha"),
                 "census_farm_share": ("farms_no_till", "farms_prepared")}
COUNTRY = "validation_brazil"
COLUMN = "no_till_area_share"
#: Census-basis points not already fitted: 2006 is the fitted census share, 2001 the start of the fitted growth.
UNFITTED_POINTS = ("1998", "2000")
#: Years at which the fitted curves are printed.
SHOWN_YEARS = (1974, 1979, 1985, 1991, 1992, 1998, 2000, 2001, 2006, 2010)


def logistic(years: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Share by year: ceiling ``K`` (share), rate ``r`` (1/yr), midpoint ``t0`` (calendar year)."""
    ceiling, rate, midpoint = theta
    return ceiling / (1.0 + np.exp(-rate * (years - midpoint)))


def bass(years: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Share by year: market ``m`` (share), innovation ``p`` and imitation ``q`` (1/yr), from the first year."""
    market, innovation, imitation = theta
    elapsed = years - years[0] + 1.0
    decay = np.exp(-(innovation + imitation) * elapsed)
    return market * (1.0 - decay) / (1.0 + imitation / innovation * decay)


#: Each curve: its function, the bounds of its parameters and the starts of the search.
CURVES: dict[str, tuple[Callable[[np.ndarray, np.ndarray], np.ndarray], list[tuple[float, float]],
                        list[tuple[float, float, float]]]] = {
    "logistic": (logistic, [(0.05, 1.0), (0.01, 2.0), (1970.0, 2040.0)],
                 [(0.6, 0.3, 2005.0), (0.9, 0.2, 2008.0), (0.5, 0.5, 2003.0), (1.0, 0.15, 2010.0)]),
    "Bass": (bass, [(0.05, 1.0), (1e-8, 0.1), (0.0, 2.0)],
             [(0.6, 1e-4, 0.3), (0.9, 1e-3, 0.2), (0.7, 1e-5, 0.4)]),
}


def table_of(years: np.ndarray, shares: np.ndarray) -> pd.DataFrame:
    """A yearly table as the model writes it, holding only the area share of all farms."""
    return pd.DataFrame({"year": years, "region": "all", COLUMN: shares})


def fit(curve: Callable[[np.ndarray, np.ndarray], np.ndarray], bounds: list[tuple[float, float]],
        starts: list[tuple[float, float, float]], years: np.ndarray, patterns: dict,
        distance: pt.PatternDistance) -> np.ndarray:
    """The curve's parameters of least distance, the best of Nelder-Mead searches from ``starts``."""
    def objective(theta: np.ndarray) -> float:
        return distance(pt.statistics(COUNTRY, patterns, table_of(years, curve(years, theta))))

    results = [minimize(objective, np.array(start), method="Nelder-Mead", bounds=bounds,
                        options={"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-10}) for start in starts]
    return min(results, key=lambda result: result.fun).x


def rmse(values: dict[str, float], statistics: list[pt.Statistic]) -> float:
    """Root mean square of simulated minus observed over ``statistics``."""
    return float(np.sqrt(np.mean([(values[s.key] - s.observed) ** 2 for s in statistics])))


def canada_forecasts(theta: np.ndarray) -> None:
    """Print the RMSEs of the no-change and logistic forecasts of the Prairies' census shares from 1991."""
    canada = sim.load_scenario(CANADA)
    data = pd.read_csv(CANADA_DATA, comment="#")
    in_1991 = data[(data.year == canada.start_year) & data.area.isin(PRAIRIES)].sum(numeric_only=True)
    ceiling, rate, midpoint = theta
    print(f"\nthe Prairies from {canada.start_year} (RMSE over the census years): no change | Brazil's logistic "
          f"started at the {canada.start_year} level")
    for name, (numerator, denominator) in CANADA_SHARES.items():
        observed = canada.patterns[name].observed
        years = np.array([int(year) for year in observed], dtype=float)
        values = np.array(list(observed.values()))
        start = float(in_1991[numerator] / in_1991[denominator])
        # the logistic's year at which it has the starting level: t0 - ln(K / s - 1) / r
        shifted = midpoint - np.log(ceiling / start - 1.0) / rate - canada.start_year
        forecast = logistic(years + shifted, theta)
        print(f"  {name}: {canada.start_year} level {start:.4f}; no change "
              f"{np.sqrt(np.mean((values - start) ** 2)):.3f} | logistic {np.sqrt(np.mean((values - forecast) ** 2)):.3f}"
              f" ({', '.join(f'{v:.3f}' for v in forecast)})")


def main() -> None:
    """Fit both curves, print their scores, and the model's from a ``ppc.csv`` if given."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ppc", type=Path, nargs="?", help="ppc.csv of a Brazil calibration (optional)")
    args = parser.parse_args()
    scenario = sim.load_scenario(SCENARIO)
    patterns = {name: p for name, p in scenario.patterns.items() if p.column == COLUMN}
    statistics = pt.layout(COUNTRY, patterns)
    distance = pt.PatternDistance(statistics)
    fitted = sorted({s.pattern for s in statistics if s.fit})
    print(f"fitted area patterns ({len(fitted)}): {', '.join(fitted)}")
    # the model's table holds the initial state and every simulated year
    years = np.arange(scenario.start_year, scenario.start_year + scenario.years + 1, dtype=float)
    points = [s for s in statistics if s.pattern == "census_points_check"]
    thetas = {}
    for name, (curve, bounds, starts) in CURVES.items():
        theta = thetas[name] = fit(curve, bounds, starts, years, patterns, distance)
        shares = curve(years, theta)
        values = pt.statistics(COUNTRY, patterns, table_of(years, shares))
        z = distance.z_scores(values)
        print(f"\n{name}: parameters {np.array2string(theta, precision=5)}; distance over the fitted area patterns "
              f"{distance(values):.3f}")
        for s in statistics:
            label = s.key.split(pt.COUNTRY_SEPARATOR, 1)[1]
            print(f"  {label:36s} {'fitted' if s.fit else 'check':6s} observed {s.observed:.4f} "
                  f"curve {values[s.key]:.4f} z {z[s.key]:+.2f}")
        print(f"  census-basis points RMSE: all four {rmse(values, points):.4f}; "
              f"{' and '.join(UNFITTED_POINTS)} only {rmse(values, [s for s in points if s.year in UNFITTED_POINTS]):.4f}")
        shown = "  ".join(f"{year}: {shares[int(year - years[0])]:.4f}" for year in SHOWN_YEARS)
        print(f"  curve: {shown}")
    canada_forecasts(thetas["logistic"])
    if args.ppc:
        ppc = pd.read_csv(args.ppc)
        rows = ppc[ppc.fit & (ppc.column == COLUMN)]
        per_pattern = rows.groupby("pattern").z_median.apply(lambda z: float(np.mean(z ** 2)))
        print(f"\nmodel's predictive median ({args.ppc}): distance over the same {len(per_pattern)} patterns "
              f"{np.sqrt(per_pattern.mean()):.3f}; z: "
              + ", ".join(f"{pattern} {z:+.2f}" for pattern, z in zip(rows.pattern, rows.z_median, strict=True)))


if __name__ == "__main__":
    main()
