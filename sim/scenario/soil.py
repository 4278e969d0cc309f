"""Soil carbon model settings: IPCC Tier 1 or RothC."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.scenario.base import NonNegative, Positive, Strict


class RothCSettings(Strict):
    """Settings of the RothC soil model."""

    dpm_rpm_ratio: Positive = Field(description="DPM/RPM ratio of crop inputs (RothC default for crops: 1.44)")
    bare_soil_moisture: Literal["classic", "wilting_point"] = Field(
        description="how far a bare topsoil dries: 'classic' = to 0.556 of the maximum deficit (RothC opt_SMDbare = 1); "
        "'wilting_point' = to the -1500 kPa deficit like covered soil (opt_SMDbare = 2, for semi-arid regions)")
    tillage_effect: Literal["ipcc_tier1", "none"] = Field(
        description="'ipcc_tier1': a decomposition-rate modifier per region and tillage category that reproduces the "
        "IPCC Tier 1 tillage factor (F_MG) at the conventional equilibrium; 'none': RothC as published (no tillage term)")
    cover_crop_shoot_root_ratio: Positive = Field(description="cover-crop shoot / root dry matter")
    cover_crop_root_exudation_factor: NonNegative = Field(description="cover-crop root exudates / root carbon")
    cover_crop_carbon_fraction: Annotated[float, Field(gt=0.0, le=0.6)] = Field(
        description="t C per t of cover-crop dry matter")


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
