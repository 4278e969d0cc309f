"""Soil carbon models behind one small interface (``SoilModel``)."""

import numpy as np

from sim import kernel_cache  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.scenario import Scenario
from sim.soil.base import SoilModel
from sim.soil.rothc_model import RothCSoil
from sim.soil.tier1 import Tier1Soil, management_categories

__all__ = ["RothCSoil", "SoilModel", "Tier1Soil", "build_soil", "management_categories"]


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
