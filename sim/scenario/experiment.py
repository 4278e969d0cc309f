"""Experiment tables: what varies, what is measured, what is observed, and posterior draws used as replicates.

Uncertain fields (distributions for sweeps, sensitivity analysis and calibration priors), outputs of interest,
observed patterns (what a calibration fits) and posterior draws (a calibration's result, used as replicates).

Their shapes are checked here; whether an output names a column of the yearly table is checked by the
experiment workflows, which know the outputs (the schema does not depend on the model's output code).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from sim.scenario.base import Positive, Strict
from sim.scenario.years import check_year_keys

#: The parameters each distribution reads (``group`` aside); another one given is a mistake, not ignored.
DIST_PARAMETERS = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
                   "normal": ("mean", "sd", "low", "high"), "discrete": ("values",)}
#: A truncated normal keeping less than this share of its mass in [low, high] is refused: its samples would pile up
#: at the bound nearest the mean (a mean of 5, sd 0.01, on [0.4, 0.9] gave 0.8999-0.9 every time).
MIN_TRUNCATED_MASS = 0.01


def normal_mass(mean: float, sd: float, low: float, high: float) -> float:
    """Probability that a normal(mean, sd) falls in [low, high]."""
    def cdf(x: float) -> float:
        return 0.5 * math.erfc(-(x - mean) / (sd * math.sqrt(2.0)))
    return cdf(high) - cdf(low)


class Uncertain(Strict):
    """A distribution for an uncertain scenario field (sensitivity analysis and sweeps).

    uniform: low, high. triangular: low, mode, high. normal: mean, sd, truncated to [low, high].
    discrete: values (sampled with equal probability).
    """

    dist: Literal["uniform", "triangular", "normal", "discrete"] = Field(description="distribution")
    low: float | None = Field(None, description="lower bound (uniform, triangular, normal)")
    high: float | None = Field(None, description="upper bound (uniform, triangular, normal)")
    mode: float | None = Field(None, description="most likely value (triangular)")
    mean: float | None = Field(None, description="mean (normal)")
    sd: Positive | None = Field(None, description="standard deviation (normal)")
    values: Annotated[list[float], Field(min_length=2)] | None = Field(None, description="the values (discrete)")
    group: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="group for grouped Sobol or Morris indices (fields of one group move together; none if "
        "absent: the field is its own group)")

    @model_validator(mode="after")
    def _parameters(self) -> Uncertain:
        needed = DIST_PARAMETERS[self.dist]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"dist = '{self.dist}' needs {', '.join(missing)}")
        unused = [name for names in DIST_PARAMETERS.values() for name in names
                  if name not in needed and getattr(self, name) is not None]
        if unused:
            raise ValueError(f"dist = '{self.dist}' takes {', '.join(needed)}; it does not use "
                             f"{', '.join(dict.fromkeys(unused))}")
        if self.dist != "discrete" and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie between low and high")
        if self.dist == "normal" and normal_mass(self.mean, self.sd, self.low, self.high) < MIN_TRUNCATED_MASS:
            raise ValueError(f"a normal of mean {self.mean} and sd {self.sd} keeps less than "
                             f"{MIN_TRUNCATED_MASS:.0%} of its mass in [{self.low}, {self.high}]: its samples would "
                             "pile up at a bound; put the mean near the range or widen sd")
        return self

    def extremes(self) -> list[float]:
        """The values a sample can take at the edges (checked against the field's allowed range)."""
        return list(self.values) if self.dist == "discrete" else [self.low, self.high]


class OutputOfInterest(Strict):
    """An output of a run for sensitivity analysis: a column of the yearly table (region 'all') in a year."""

    column: str = Field(description="column of yearly.parquet (see sim/outputs.py)")
    year: int = Field(description="calendar year")
    change: bool = Field(False, description="report the change since the start year instead of the level")


#: Statistics a pattern can be (``analysis/patterns.py`` computes them from the yearly table).
PATTERN_STATISTICS = ("level", "mean", "slope", "growth", "ratio", "slope_ratio")
PatternName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


class Pattern(Strict):
    """An observed pattern a calibration fits (or only checks): a statistic of one column of the yearly table.

    level: the column in each year of ``observed`` (a table year -> value). mean, slope (per year) and growth
    (relative, per year, log-linear) over the years of ``window``; ratio = mean over ``window`` / mean over
    ``relative_to``; slope_ratio = log10 of slope over ``window`` / slope over ``relative_to``. The distance counts
    (simulated - observed) / ``scale``; with ``bound`` the observed value is an upper or lower limit only.
    """

    statistic: Literal[PATTERN_STATISTICS] = Field(description="level | mean | slope | growth | ratio | slope_ratio")  # type: ignore[valid-type]
    column: str = Field(description="column of yearly.parquet (see sim/outputs.py)")
    region: str = Field("all", description="region of the yearly table ('all' = every farmer)")
    observed: dict[str, float] | float = Field(description="observed value; for 'level' a table year -> value")
    window: Annotated[list[int], Field(min_length=2, max_length=2)] | None = Field(
        None, description="[first year, last year] of the statistic (not for 'level')")
    relative_to: Annotated[list[int], Field(min_length=2, max_length=2)] | None = Field(
        None, description="[first year, last year] of the reference (ratio, slope_ratio)")
    scale: Positive = Field(description="tolerance in the statistic's unit: one scale off counts 1 in the distance")
    bound: Literal["none", "upper", "lower"] = Field("none", description="observed value is an upper/lower limit")
    fit: bool = Field(True, description="false: checked after calibration (predictive check) but not fitted")
    weight: Positive = Field(1.0, description="weight of this pattern among the scenario's patterns")
    source: str = Field(description="where the observed value comes from (citation; 'computed' with the arithmetic)")

    @model_validator(mode="after")
    def _shape(self) -> Pattern:
        if self.statistic == "level":
            if not isinstance(self.observed, dict):
                raise ValueError("statistic = 'level' needs observed = { \"year\" = value, ... }")
            check_year_keys(self.observed, 1800, 2300, "observed values")
            if self.window is not None or self.relative_to is not None:
                raise ValueError("statistic = 'level' takes its years from observed; remove window/relative_to")
            return self
        if isinstance(self.observed, dict):
            raise ValueError(f"statistic = '{self.statistic}' needs one observed value (a number)")
        needs_reference = self.statistic in ("ratio", "slope_ratio")
        if self.window is None or (needs_reference and self.relative_to is None):
            missing = "window and relative_to" if needs_reference else "window"
            raise ValueError(f"statistic = '{self.statistic}' needs {missing} = [first year, last year]")
        if not needs_reference and self.relative_to is not None:
            raise ValueError(f"statistic = '{self.statistic}' takes no relative_to")
        for name in ("window", "relative_to"):
            years = getattr(self, name)
            if years is not None and years[0] > years[1]:
                raise ValueError(f"{name}: first year {years[0]} is after last year {years[1]}")
        if self.statistic in ("slope", "growth", "slope_ratio") and self.window[0] == self.window[1]:
            raise ValueError(f"statistic = '{self.statistic}' needs a window of at least two years")
        return self

    def years(self) -> list[int]:
        """Every year the statistic reads."""
        if self.statistic == "level":
            return sorted(int(year) for year in self.observed)
        return [*self.window, *(self.relative_to or [])]


class PosteriorDraws(Strict):
    """Posterior draws (written by ``casim calibrate``) used as replicates: each draw x each seed is one run."""

    file: str = Field(description="posterior.csv or posterior.parquet, relative to the scenario file that names it")
    draws: Annotated[int, Field(ge=1)] = Field(description="how many draws to use (the file's first rows)")
    columns: list[str] | None = Field(None, description="the parameters (dotted fields) to take from the file "
                                      "(default: every column except 'draw')")
