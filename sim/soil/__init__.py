"""Soil carbon models behind one small interface (``SoilModel``)."""

import numpy as np

from sim.scenario import Scenario
from sim.soil.base import SoilModel
from sim.soil.rothc_model import RothCSoil
from sim.soil.tier1 import Tier1Soil, management_categories

__all__ = ["RothCSoil", "SoilModel", "Tier1Soil", "build_soil", "management_categories"]


def build_soil(scenario: Scenario, region: np.ndarray, bundles: np.ndarray, seasons: np.ndarray) -> SoilModel:
    """The soil model the scenario asks for (``soil.model``); farms have used ``bundles`` for ``seasons`` seasons."""
    if scenario.soil.model == "rothc":
        return RothCSoil(scenario, region, bundles, seasons)
    return Tier1Soil(scenario, region, bundles, seasons)
