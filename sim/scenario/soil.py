"""Soil carbon model settings: IPCC Tier 1 or RothC."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from sim.ipcc import IPCC_DEPTH_CM
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
    factor_uncertainty: Literal["none", "ipcc_tier1"] = Field(
        "none", description="'none': the published Tier 1 stock-change factors in every run; 'ipcc_tier1': each run "
        "draws F_LU, F_MG and F_I from their published 2-sd uncertainties (IPCC Approach 2 Monte Carlo, one draw per "
        "table entry per run from the run's seed, shared by its farms; needs factor_set = '2019'; "
        "sim.soil.factor_draws)")
    transition_years: Annotated[int, Field(ge=1, le=100)] = Field(description="years to reach a new equilibrium (IPCC D = 20)")
    depth_cm: Annotated[float, Field(gt=0.0, le=100.0)] = Field(
        description="depth of the SOC stock, cm, as charts, report and spectral MRV state it: the depth the soil model's "
        f"stock is for, not a parameter; with 'ipcc_tier1' it must be {IPCC_DEPTH_CM:g} (the IPCC factors and SOC_REF "
        f"are for 0-{IPCC_DEPTH_CM:g} cm), with 'rothc' every region's rothc.depth_cm (the layer RothC runs for); no [uncertain] "
        "field, design column or override may vary it")
    rothc: RothCSettings | None = Field(None, description="RothC settings (required when model = 'rothc')")

    @field_validator("depth_cm")
    @classmethod
    def _tier1_depth_is_ipccs(cls, depth_cm: float, info: ValidationInfo) -> float:
        if info.data.get("model") == "ipcc_tier1" and depth_cm != IPCC_DEPTH_CM:
            raise ValueError(f"model = 'ipcc_tier1' needs depth_cm = {IPCC_DEPTH_CM:g}: the IPCC Tier 1 stock-change "
                             f"factors and SOC_REF are for 0-{IPCC_DEPTH_CM:g} cm (IPCC 2019 Vol. 4, Tables 2.3 and "
                             f"5.5), so another depth would relabel the 0-{IPCC_DEPTH_CM:g} cm stock without changing it "
                             "(and change the yield plateau's and spectral MRV's conversions of it)")
        return depth_cm

    @model_validator(mode="after")
    def _rothc_settings(self) -> SoilSettings:
        if self.model == "rothc" and self.rothc is None:
            raise ValueError("model = 'rothc' needs a [soil.rothc] table")
        return self

    @model_validator(mode="after")
    def _factor_uncertainty_needs_2019(self) -> SoilSettings:
        if self.factor_uncertainty != "none" and self.factor_set != "2019":
            raise ValueError(f"factor_uncertainty = {self.factor_uncertainty!r} needs factor_set = '2019' (the 2006 "
                             "table shipped has no uncertainties)")
        return self
