"""Incentive designs behind one protocol (``IncentiveDesign``): per-ha payments, the carbon programme, a credit line.

Besides them, ``effect`` measures what the programme changes against its counterfactual (the same farms without
it, ``counterfactual``): it pays nothing.

A new design = one module here with a class following ``base.IncentiveDesign``, one table class in
``sim.scenario.incentives`` (a field of ``Scenario``), and one line in ``DESIGNS`` below; its money flows reach
the farm accounts and the outputs by their names (``sim.outputs`` declares the columns).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numba import njit, prange

from sim import kernel_cache  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.economics import FARMER, PUBLIC, MoneyFlow
from sim.incentives.base import IncentiveDesign, Setting, Settlement, Valuation
from sim.incentives.carbon import CarbonProgramme
from sim.incentives.counterfactual import Counterfactual
from sim.incentives.credit_line import ConcessionalCredit
from sim.incentives.effect import ProgrammeEffect
from sim.incentives.exchange import ExchangeProgramme
from sim.incentives.payments import PerHectarePayments

#: The designs every model runs, in the order their money flows are booked (a design without a policy in the
#: scenario, e.g. no payments or no carbon price, values nothing and pays nothing).
DESIGNS: dict[str, type] = {
    "payments": PerHectarePayments,
    "carbon": CarbonProgramme,
    "credit_line": ConcessionalCredit,
    "effect": ProgrammeEffect,
    "exchange": ExchangeProgramme,
}


def summed(values: Iterable[Valuation | None], farms: int, bundles: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """The designs' values (in booking order) summed: PV and variance (farms, bundles), True.

    (1, bundles) zeros and False when none values anything (tables are allocated only then). The sums are those of
    tables of zeros the values are added to, in booking order; the first value is added to 0 as it is copied, or
    is taken as it is when it owns tables that are already 0 + their values (``Valuation.zero_added``).
    """
    present_value = variance = None
    for value in values:
        if value is None:
            continue
        if present_value is None and value.owned and value.zero_added and value.variance is not None:
            present_value, variance = value.present_value_per_ha, value.variance
            continue
        if present_value is None:  # 0 + the first value, in one pass (bit for bit a zero table's sum, -0.0 too)
            present_value = plus_zero(value.present_value_per_ha, farms, bundles, value.owned)
            variance = (np.zeros((farms, bundles)) if value.variance is None
                        else plus_zero(value.variance, farms, bundles, value.owned))
            continue
        present_value += value.present_value_per_ha
        if value.variance is not None:
            variance += value.variance
    if present_value is None:
        return np.zeros((1, bundles)), np.zeros((1, bundles)), False
    return present_value, variance, True


def plus_zero(values: np.ndarray, farms: int, bundles: int, in_place: bool = False) -> np.ndarray:
    """0.0 + ``values`` as a (farms, bundles) float64 table: ``np.add(0.0, values)``, -0.0 made +0.0.

    A C-contiguous float64 table of that shape is added to by a compiled pass, farms in parallel
    (``_plus_zero_rows``), and with ``in_place`` (a ``Valuation`` that owns its tables) over itself; any other is
    copied by NumPy into a new table. At 1 M farmers the deciding farms' tables are about 80 MB each: a new one is
    mapped and faulted in afresh every year, and NumPy fills it on one thread.
    """
    fits = values.dtype == np.float64 and values.shape == (farms, bundles) and values.flags.c_contiguous
    out = values if in_place and fits else np.empty((farms, bundles))
    if fits:
        _plus_zero_rows(values, out)
    else:
        np.add(0.0, values, out=out)
    return out


@njit(cache=True, parallel=True)
def _plus_zero_rows(values, out):  # pragma: no cover - compiled
    """``out[i, k] = 0.0 + values[i, k]`` of (m, K) float64 tables (``out`` may be ``values``), rows in parallel."""
    for i in prange(values.shape[0]):
        for k in range(values.shape[1]):
            out[i, k] = 0.0 + values[i, k]


class Incentives:
    """All incentive designs of a model, asked together.

    Attributes:
        designs: the designs by name (``DESIGNS``).

    """

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        self.designs: dict[str, IncentiveDesign] = {name: design(setting, rng) for name, design in DESIGNS.items()}

    @property
    def carbon(self) -> CarbonProgramme:
        """The carbon programme (prices, registry)."""
        return self.designs["carbon"]

    def begin_year(self, year: int) -> None:
        """Prices and expectations of ``year``."""
        for design in self.designs.values():
            design.begin_year(year)

    def tables(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """PV and variance of each bundle's incentives summed over designs, for ``farms`` of every region (sorted).

        ``farms[bounds[r]:bounds[r + 1]]`` are region r's. Shape (m, K), or (1, K) zeros and False when no design
        values anything (tables are allocated only then). Designs are added in ``DESIGNS`` order.
        """
        return summed((design.value_rows(farms, bounds, masks) for design in self.designs.values()), farms.size,
                      masks.size)

    def after_adoption(self, year: int) -> None:
        """Each design reacts to this season's bundles (enrolment)."""
        for design in self.designs.values():
            design.after_adoption(year)

    def settle(self, year: int, rng: np.random.Generator) -> list[Settlement]:
        """Every design's settlement of ``year``, in ``DESIGNS`` order."""
        return [design.settle(year, rng) for design in self.designs.values()]


__all__ = ["DESIGNS", "FARMER", "PUBLIC", "Counterfactual", "IncentiveDesign", "Incentives", "MoneyFlow", "Settlement", "Setting",
           "Valuation"]
