"""What exchange programmes cost (``[[network.exchange]]``): public money to the programme's providers, per farm.

Per year and exchange table, booked on the served participants (the second region's ends of its links):
    visits         = visits_per_year x cost_per_visit per link (on the link's served end)
    training       = training_cost_per_participant, once, in the programme's first season (channel b)
    equipment      = cost_per_farm_per_year x the served region's farms, shared equally by the table's served
                     participants (channel c)
    organisation   = support_cost_per_member_per_year per participant (channel d)
All are paid by the public (a donor or ministry) to the programme ("exchange_programme": hosts, trainers,
manufacturers, the group's facilitators), so they count in public spending and in the cost per additional adopter,
t CO2e and USD of farm income of ``analysis.compare``, not in the incentives' cost per additional t (the
counterfactual keeps the exchanges); farm accounts do not change. Exchanges value nothing for a
deciding farmer (what they change acts through the channels of ``sim.behaviour.exchange``).
"""

from __future__ import annotations

import numpy as np

from sim.economics import PUBLIC, MoneyFlow, nothing
from sim.incentives.base import Setting, Settlement, Valuation

#: Who receives the programme's money: hosts, trainers, manufacturers and group facilitators.
PROGRAMME = "exchange_programme"
#: Output columns of the programme's flows, in booking order.
FLOWS = ("exchange_visit_cost", "exchange_training_cost", "exchange_equipment_cost", "exchange_organisation_cost")


class ExchangeProgramme:
    """The money flows of the scenario's exchange programmes (module docstring)."""

    def __init__(self, setting: Setting, rng: np.random.Generator) -> None:
        n = setting.regions.n
        self.first_season = setting.scenario.start_year + 1
        exchanges = setting.exchanges
        specs = [] if exchanges is None else list(zip(exchanges.specs, exchanges.pairs, strict=True))
        self.zero = nothing(n)  # shared by every flow of a scenario without exchange programmes
        self.yearly = {name: np.zeros(n) if specs else self.zero for name in FLOWS}
        self.training = np.zeros(n) if specs else self.zero
        for spec, pairs in specs:
            served = np.unique(pairs[:, 1])
            np.add.at(self.yearly["exchange_visit_cost"], pairs[:, 1], spec.visits_per_year * spec.cost_per_visit)
            if served.size == 0:
                continue
            if spec.know_how is not None:
                self.training[served] += spec.know_how.training_cost_per_participant
            if spec.equipment is not None:
                region_farms = setting.regions.sizes[setting.regions.names.index(spec.regions[1])]
                self.yearly["exchange_equipment_cost"][served] += \
                    spec.equipment.cost_per_farm_per_year * region_farms / served.size
            if spec.organisation is not None:
                self.yearly["exchange_organisation_cost"][served] += spec.organisation.support_cost_per_member_per_year

    @classmethod
    def joined(cls, parts: list[ExchangeProgramme], farms: int) -> ExchangeProgramme | None:
        """The designs of runs stacked in one model (``sim.ensemble``) as one over their ``farms`` farms.

        None when some run pays for an exchange (each run's design then pays its rows).
        """
        if any(amount.any() for p in parts for amount in (*p.yearly.values(), p.training)):
            return None
        out = object.__new__(cls)
        out.first_season = parts[0].first_season
        out.zero = nothing(farms)
        out.yearly = {name: out.zero for name in FLOWS}
        out.training = out.zero
        return out

    def begin_year(self, year: int) -> None:
        """Nothing to price."""

    def value(self, farms: np.ndarray, region: int, masks: np.ndarray) -> Valuation | None:
        """Exchanges pay farmers nothing: no value for a deciding farmer."""
        return None

    def value_rows(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> Valuation | None:
        """No value for a deciding farmer of any region."""
        return None

    def after_adoption(self, year: int) -> None:
        """Nothing to enrol."""

    def settle(self, year: int, rng: np.random.Generator) -> Settlement:
        """The year's programme costs per served farm (currency), public -> programme."""
        amounts = dict(self.yearly)
        amounts["exchange_training_cost"] = self.training if year == self.first_season else self.zero
        return Settlement([MoneyFlow(name, PUBLIC, PROGRAMME, amounts[name]) for name in FLOWS])
