"""Soil carbon models behind one small interface (``SoilModel``)."""

from pathlib import Path

import numpy as np

from sim import kernel_cache  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.scenario import Scenario, ScenarioError
from sim.soil.base import SoilModel
from sim.soil.rothc_model import RothCSoil
from sim.soil.tier1 import Tier1Soil, management_categories

__all__ = ["RothCSoil", "SoilModel", "Tier1Soil", "build_soil", "check_start", "management_categories"]


def build_soil(scenario: Scenario, region: np.ndarray, bundles: np.ndarray, seasons: np.ndarray,
               history: np.ndarray | None = None) -> SoilModel:
    """The soil model the scenario asks for (``soil.model``), each farm's soil in the state its past left it in.

    Farms use ``bundles`` (n,) this season. With a ``history`` (n, H) uint8 of their bundles in the H years before,
    oldest first, each farm starts at the equilibrium of its oldest bundle and lives through its history and this
    season under the model's own yearly rules; without, each has used conventional practice until it took up its
    bundle ``seasons`` (n,) seasons ago (this season included).
    """
    if scenario.soil.model == "rothc":
        return RothCSoil(scenario, region, bundles, seasons, history)
    return Tier1Soil(scenario, region, bundles, seasons, history)


def check_start(scenario: Scenario, source: str | Path | None = None) -> None:
    """Run the soil model's start-up checks without farms, as every run's start would (``casim validate``, ``run``).

    RothC fits each region's background input to ``calibrate_to_soc_t_c_per_ha`` and refuses a target the documented
    inputs cannot hold; that needs the model's equilibria, not the schema (referee 41 m4: validate said ok to files
    that run refused). Raises ScenarioError naming ``source`` (the scenario file) when given. Under a second.
    """
    if scenario.soil.model != "rothc":
        return
    none = np.zeros(0, np.int64)
    try:
        RothCSoil(scenario, none, none, none)
    except ScenarioError as exc:
        if source is None:
            raise
        head = "invalid scenario: "
        raise ScenarioError(f"{head}{source}: {str(exc).removeprefix(head)}") from None
