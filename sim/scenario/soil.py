"""Soil carbon model settings: IPCC Tier 1 or RothC."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import Positive, Strict


class RothCSettings(Strict):
    """Settings of the RothC soil model."""

    dpm_rpm_ratio: Positive = Field(description="DPM/RPM ratio of crop inputs (RothC default for crops: 1.44)")
    no_till_rate_modifier: Annotated[float, Field(gt=0.0, le=1.5)] = Field(
        description="extra decomposition rate modifier under no-till (1 = off; uncertain, see docs/ODD.md)"
    )


class SoilSettings(Strict):
    """Soil carbon model settings."""

    model: Literal["ipcc_tier1", "rothc"] = Field(description="soil carbon model: IPCC Tier 1 (yearly) or RothC (monthly)")
    factor_set: Literal["2006", "2019"] = Field(description="IPCC Tier 1 factor set")
    transition_years: Annotated[int, Field(ge=1, le=100)] = Field(description="years to reach a new equilibrium (IPCC D = 20)")
    depth_cm: Annotated[float, Field(gt=0.0, le=100.0)] = Field(description="depth of the SOC stock, cm (Tier 1: 30)")
    rothc: RothCSettings | None = Field(None, description="RothC settings (required when model = 'rothc')")

    @model_validator(mode="after")
    def _rothc_settings(self) -> SoilSettings:
        if self.model == "rothc" and self.rothc is None:
            raise ValueError("model = 'rothc' needs a [soil.rothc] table")
        return self
