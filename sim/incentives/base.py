"""The contract every incentive design keeps: what it tells the decision rule and what it pays in a year.

A design gives the decision rule the expected value of each bundle for a farmer (present value and its variance,
currency/ha) and gives the farm accounts and outputs its per-farm money flows of the year, each named by its
output column and labelled payer -> payee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from sim.economics import MoneyFlow

if TYPE_CHECKING:
    from sim.behaviour.exchange import Exchanges
    from sim.farmers import FarmerTable, Regions
    from sim.incentives.counterfactual import Counterfactual
    from sim.network import Network
    from sim.practices import Catalogue
    from sim.scenario import Scenario
    from sim.soil import SoilModel

@dataclass(frozen=True)
class Valuation:
    """What a bundle's incentives are worth to each of m farmers, for each of K bundles (currency/ha)."""

    present_value_per_ha: np.ndarray  # (m, K) expected PV over the planning horizon
    variance: np.ndarray | None = None  # (m, K) variance of that PV (e.g. from price uncertainty), None = 0
    owned: bool = False  # the tables are new arrays nothing else holds: ``sim.incentives.summed`` may write over them
    #: the tables are already 0.0 + their values (no -0.0 in them): ``sim.incentives.summed`` need not add the zero
    zero_added: bool = False


@dataclass(frozen=True)
class Settlement:
    """What a design settled this year: money flows and other per-farm quantities (each named by its output column)."""

    flows: list[MoneyFlow]
    quantities: dict[str, np.ndarray] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        """The per-farm amount of flow or quantity ``name``."""
        for flow in self.flows:
            if flow.name == name:
                return flow.amount
        return self.quantities[name]


def value_by_region(design: IncentiveDesign, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray
                    ) -> Valuation | None:
    """``IncentiveDesign.value_rows`` from ``value``, region by region (regions valued at nothing: 0)."""
    present_value = variance = None
    for region in range(bounds.size - 1):
        block = slice(bounds[region], bounds[region + 1])
        if block.start == block.stop:
            continue
        value = design.value(farms[block], region, masks)
        if value is None:
            continue
        if present_value is None:
            present_value = np.zeros((farms.size, masks.size))
        present_value[block] = value.present_value_per_ha
        if value.variance is not None:
            if variance is None:
                variance = np.zeros((farms.size, masks.size))
            variance[block] = value.variance
    return None if present_value is None else Valuation(present_value, variance)


@dataclass(frozen=True)
class Setting:
    """The parts of the model a design reads (shared objects: their arrays change every year)."""

    scenario: Scenario
    farms: FarmerTable
    regions: Regions
    catalogue: Catalogue
    network: Network
    soil: SoilModel
    counterfactual: Counterfactual | None = None  # the same farms without the programme (None: no programme)
    exchanges: Exchanges | None = None  # exchange programmes (their costs, ``sim.incentives.exchange``)


class IncentiveDesign(Protocol):
    """An incentive design, built once per model as ``Design(setting, rng)`` (``rng``: the policy stream)."""

    def begin_year(self, year: int) -> None:
        """Prices and expectations of ``year``, before farmers decide."""

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """Expected value for ``farms`` (rows, all of ``region``) of each bundle in ``masks`` (K,); None = nothing."""

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """``value`` for farms of every region at once: ``farms[bounds[r]:bounds[r + 1]]`` are region r's (sorted).

        (m, K) tables with 0 for farms of regions valued at nothing; None when no region values anything.
        ``value_by_region`` gives it from ``value``; a design may compute every region at once (the same numbers).
        """

    def after_adoption(self, year: int) -> None:
        """React to this season's bundles (e.g. enrol farms), before the soil and yields of the season."""

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The year's per-farm money flows and quantities, after the season (``rng``: the policy stream)."""
