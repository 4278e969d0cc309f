"""Soil carbon models behind one small interface (``SoilModel``)."""

from sim.soil.base import SoilModel
from sim.soil.tier1 import Tier1Soil, management_categories

__all__ = ["SoilModel", "Tier1Soil", "management_categories"]
