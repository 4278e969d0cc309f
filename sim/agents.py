"""Farmer agents: thin Mesa views on the model's arrays (no state of their own, no per-agent step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.practices import PRACTICES, bundle_name

if TYPE_CHECKING:
    from sim.model import AdoptionModel


class FarmerAgent(mesa.Agent):
    """One farmer, read from the model's arrays. ``index`` is the farmer's position in every array."""

    model: AdoptionModel

    @property
    def index(self) -> int:
        """Position of this farmer in the model's arrays (unique_id - 1)."""
        return self.unique_id - 1

    @property
    def region(self) -> str:
        """Region name."""
        return self.model.region_names[int(self.model.params.region[self.index])]

    @property
    def area_ha(self) -> float:
        """Farm area, ha."""
        return float(self.model.params.area_ha[self.index])

    @property
    def bundle(self) -> str:
        """Practices in use, e.g. 'no_till+residue_retention' or 'conventional'."""
        return bundle_name(int(self.model.state.bundle[self.index]))

    @property
    def practices(self) -> dict[str, bool]:
        """Which practices are in use."""
        mask = int(self.model.state.bundle[self.index])
        return {p: bool(mask >> i & 1) for i, p in enumerate(PRACTICES)}

    @property
    def soc_t_c_per_ha(self) -> float:
        """Soil organic carbon stock, t C/ha."""
        return float(self.model.soil.stock_t_c_per_ha[self.index])

    @property
    def yield_kg_per_ha(self) -> float:
        """Last season's yield, kg/ha (NaN before the first step)."""
        return float(self.model.state.yield_kg_per_ha[self.index])

    @property
    def income(self) -> float:
        """Last year's farm income, scenario currency (NaN before the first step)."""
        return float(self.model.state.income_per_farm[self.index])

    @property
    def beliefs(self) -> dict[str, tuple[float, float]]:
        """Believed long-run relative yield effect of each practice: (mean, sd)."""
        s = self.model.state
        return {p: (float(s.belief_mean[self.index, i]), float(1 / np.sqrt(s.belief_precision[self.index, i])))
                for i, p in enumerate(PRACTICES)}

    @property
    def is_demo_farm(self) -> bool:
        """True for a demonstration (signpost) farm."""
        return bool(np.isin(self.index, self.model.network.demo))

    def neighbours(self) -> list[FarmerAgent]:
        """The farmer's neighbours in the social network, as agents."""
        adjacency = self.model.network.adjacency
        if adjacency is None:
            ids = [i for i in range(self.model.n) if i != self.index]
        else:
            ids = adjacency.indices[adjacency.indptr[self.index] : adjacency.indptr[self.index + 1]].tolist()
        agents = self.model.farmers
        return [agents[i] for i in ids]
