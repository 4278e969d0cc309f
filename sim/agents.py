"""Farmer agents: thin Mesa views on the model's arrays, created only when asked for (no state, no per-agent step).

``model.farmers`` is a ``FarmerViews`` sequence: the first time one of its agents is read, one ``FarmerAgent``
per farm is created (and registered with the Mesa model), each with its row in the farmer table.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

import mesa
import numpy as np

from sim.practices import PRACTICES, bundle_name

if TYPE_CHECKING:
    from sim.model import AdoptionModel


class FarmerAgent(mesa.Agent):
    """One farmer, read from the model's arrays. ``index`` is the farmer's row in every array."""

    model: AdoptionModel

    def __init__(self, model: AdoptionModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def region(self) -> str:
        """Region name."""
        return self.model.regions.names[int(self.model.farms.region[self.index])]

    @property
    def area_ha(self) -> float:
        """Farm area, ha."""
        return float(self.model.farms.area_ha[self.index])

    @property
    def bundle(self) -> str:
        """Practices in use, e.g. 'no_till+residue_retention' or 'conventional'."""
        return bundle_name(int(self.model.farms.bundle[self.index]))

    @property
    def practices(self) -> dict[str, bool]:
        """Which practices are in use."""
        mask = int(self.model.farms.bundle[self.index])
        return {p: bool(mask >> i & 1) for i, p in enumerate(PRACTICES)}

    @property
    def soc_t_c_per_ha(self) -> float:
        """Soil organic carbon stock, t C/ha."""
        return float(self.model.soil.stock_t_c_per_ha[self.index])

    @property
    def yield_kg_per_ha(self) -> float:
        """Last season's yield, kg/ha (NaN before the first step)."""
        return float(self.model.farms.yield_kg_per_ha[self.index])

    @property
    def income(self) -> float:
        """Last year's farm income, scenario currency (NaN before the first step)."""
        return float(self.model.farms.income_per_farm[self.index])

    @property
    def beliefs(self) -> dict[str, tuple[float, float]]:
        """Believed long-run relative yield effect of each practice: (mean, sd)."""
        f = self.model.farms
        return {p: (float(f.belief_mean[self.index, i]), float(1 / np.sqrt(f.belief_precision[self.index, i])))
                for i, p in enumerate(PRACTICES)}

    @property
    def is_demo_farm(self) -> bool:
        """True for a demonstration (signpost) farm."""
        return bool(np.isin(self.index, self.model.network.demo))

    def neighbours(self) -> list[FarmerAgent]:
        """The farmer's neighbours in the social network, as agents."""
        adjacency = self.model.network.adjacency
        if adjacency is None:
            rows = [i for i in range(self.model.n) if i != self.index]
        else:
            rows = adjacency.indices[adjacency.indptr[self.index] : adjacency.indptr[self.index + 1]].tolist()
        agents = self.model.farmers
        return [agents[i] for i in rows]


class FarmerViews(Sequence[FarmerAgent]):
    """The farmers of a model as agents in row order, created on first access (a model run never needs them)."""

    def __init__(self, model: AdoptionModel) -> None:
        self._model = model
        self._agents: list[FarmerAgent] | None = None

    def _built(self) -> list[FarmerAgent]:
        if self._agents is None:
            self._agents = [FarmerAgent(self._model, i) for i in range(self._model.n)]
        return self._agents

    @property
    def created(self) -> bool:
        """True once the agents exist."""
        return self._agents is not None

    def __len__(self) -> int:
        return self._model.n

    @overload
    def __getitem__(self, index: int) -> FarmerAgent: ...
    @overload
    def __getitem__(self, index: slice) -> list[FarmerAgent]: ...
    def __getitem__(self, index):
        return self._built()[index]

    def __iter__(self) -> Iterator[FarmerAgent]:
        return iter(self._built())
