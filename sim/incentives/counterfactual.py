"""The counterfactual: the same farms, seeds and weather without the scenario's incentive programme, run alongside.

Credits follow each standard's own baseline rules (``sim.incentives.baselines``); what the programme truly adds is
measured against this counterfactual. It is a second model of the scenario with every incentive switched off (no
carbon price or floor, no per-ha payments, no Twin Regions market, no credit line): a copy of the model as built
before its incentives (``AdoptionModel.without_programme``; no room reads an incentive table, so building it from the
same seed gives the same), with the same population, network, initial state and random streams, consumed in the same
order (common random numbers): each room has its own stream, and the decision, weather and population streams draw
a fixed number of values whatever the incentives are worth. Differences between the two runs therefore come from the
programme only. It exists only when the scenario has a programme; it then doubles the model's yearly work.

Exchange programmes (``[[network.exchange]]``, ``sim.behaviour.exchange``) are a separate policy lever, not part of
the incentive programme: the counterfactual keeps the links and every channel. In a scenario with both, the baseline
of "additional" tonnes is therefore the same farms WITH their exchanges and WITHOUT the carbon price, payments or
credit line: the additional tonnes are the incentives', not the exchanges'. What exchanges add is measured against
another scenario, by ``casim compare`` (``analysis.compare``: the baseline scenario's run, replicate by replicate);
a scenario with exchanges and no incentive has no counterfactual and credits nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from sim.scenario.incentives import ConstantPrice

if TYPE_CHECKING:
    from sim.farmers import FarmerTable
    from sim.scenario import Scenario
    from sim.soil import SoilModel


def _price_can_be_positive(scenario: Scenario) -> bool:
    price = scenario.carbon.price
    path = price.path
    if price.floor > 0:
        return True
    if path.kind == "constant":
        return path.value > 0
    if path.kind == "ramp":
        return max(path.start_value, path.end_value) > 0
    if path.kind == "series":
        return any(v > 0 for v in path.by_year.values())
    return path.value > 0 or path.mean > 0


def has_programme(scenario: Scenario) -> bool:
    """True when some incentive can pay: a carbon price or floor, a Twin Regions market, per-ha payments, a credit line."""
    payments = scenario.payments
    return (_price_can_be_positive(scenario) or scenario.twin_market is not None or scenario.credit_line is not None
            or any(rate > 0 for rate in (*payments.per_ha.values(), *payments.repeat_bonus_per_ha.values())))


def without_programme(scenario: Scenario) -> Scenario:
    """``scenario`` with every incentive switched off (everything else, seed included, unchanged)."""
    carbon = scenario.carbon
    price = carbon.price.model_copy(update={"path": ConstantPrice(kind="constant", value=0.0), "floor": 0.0})
    payments = scenario.payments.model_copy(update={"per_ha": {}, "repeat_bonus_per_ha": {}})
    return scenario.model_copy(update={"carbon": carbon.model_copy(update={"price": price}), "payments": payments,
                                       "twin_market": None, "credit_line": None})


class Counterfactual:
    """A model of the scenario without its programme, stepped one year ahead of each settlement.

    Attributes:
        model: the programme-free ``AdoptionModel`` (same seed and size).

    """

    def __init__(self, model: Any) -> None:
        self.model = model
        model.recorder = None  # it keeps no yearly table: its state is read directly
        self.previous_stock_t_c_per_ha = model.soil.stock_t_c_per_ha.copy()

    @classmethod
    def of(cls, model: Any) -> Counterfactual | None:
        """The counterfactual of ``model``, an ``AdoptionModel`` built up to its incentives (None without a programme).

        A copy of its farms without the programme (``AdoptionModel.without_programme``).
        """
        if not has_programme(model.config):
            return None
        return cls(model.without_programme())

    def step(self) -> None:
        """Advance the counterfactual one year (call once per model year, before the model settles the year)."""
        self.previous_stock_t_c_per_ha = self.model.soil.stock_t_c_per_ha.copy()
        self.model.step()

    @property
    def farms(self) -> FarmerTable:
        """The counterfactual farmer table (bundles, last yields)."""
        return self.model.farms

    @property
    def soil(self) -> SoilModel:
        """The counterfactual soil."""
        return self.model.soil

    @property
    def stock_change_t_c_per_ha(self) -> np.ndarray:
        """Change of each farm's stock over the last year, t C/ha."""
        return self.model.soil.stock_t_c_per_ha - self.previous_stock_t_c_per_ha
