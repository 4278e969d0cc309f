"""Experiment tables: uncertain fields (distributions for sweeps and sensitivity analysis) and outputs of interest.

Their shapes are checked here; whether an output names a column of the yearly table is checked by the
experiment workflows, which know the outputs (the schema does not depend on the model's output code).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import Positive, Strict


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
        needed = {"uniform": ["low", "high"], "triangular": ["low", "mode", "high"],
                  "normal": ["mean", "sd", "low", "high"], "discrete": ["values"]}[self.dist]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"dist = '{self.dist}' needs {', '.join(missing)}")
        if self.dist != "discrete" and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.dist == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie between low and high")
        return self

    def extremes(self) -> list[float]:
        """The values a sample can take at the edges (checked against the field's allowed range)."""
        return list(self.values) if self.dist == "discrete" else [self.low, self.high]


class OutputOfInterest(Strict):
    """An output of a run for sensitivity analysis: a column of the yearly table (region 'all') in a year."""

    column: str = Field(description="column of yearly.parquet (see sim/outputs.py)")
    year: int = Field(description="calendar year")
    change: bool = Field(False, description="report the change since the start year instead of the level")
