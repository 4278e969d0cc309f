"""The interface every soil carbon model implements, so the farm model does not depend on which one runs."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class SoilModel(Protocol):
    """Soil organic carbon of every farm, advanced one year at a time (vectorised over farms).

    Attributes:
        stock_t_c_per_ha: current SOC stock of each farm, t C/ha (0-30 cm for Tier 1).
        equilibrium_table: equilibrium stock of each (region, bundle mask), t C/ha, (R, 16).

    """

    stock_t_c_per_ha: np.ndarray
    equilibrium_table: np.ndarray

    def set_management(self, farms: np.ndarray, bundles: np.ndarray) -> None:
        """Tell the model that ``farms`` (indices) now use ``bundles`` (practice bit masks)."""

    def advance_year(self) -> np.ndarray:
        """Advance every farm by one year; return the change of stock, t C/ha."""

    def observe_yields(self, yield_kg_per_ha: np.ndarray) -> None:
        """Yields of the season just harvested (models whose carbon inputs follow yields use them)."""

    def reference_stock(self, region: int) -> float:
        """Stock of a conventional farm of ``region`` at equilibrium, t C/ha (yield reference point)."""

    def stock_after_seasons(self, seasons: int) -> np.ndarray:
        """Stock of each (region, bundle mask) after ``seasons`` of use from the conventional equilibrium, (R, 16)."""

    def expectation_path(self) -> np.ndarray:
        """SOC of each (region, bundle mask) after s = 0, 1, ... seasons from the conventional equilibrium, (R, L + 1, 16).

        What farmers expect of carbon credits reads a farm's equivalent age on its bundle's path from it
        (``sim.incentives.expectation``); (R, 0, 16) where the model's path is the linear rule (Tier 1), which the
        expectation then applies as it is.
        """
