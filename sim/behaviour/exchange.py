"""What a farmer exchange carries: four channels, each switched on by its own table of ``[[network.exchange]]``.

Without channels an exchange link is one more neighbour (``sim.network``: weight 1 in the adjacency, nothing else).
Participants are the farmers at either end of a link; channels (b)-(d) serve those of the table's second region
(``regions[1]``, the visiting side). Every channel starts with the first simulated season: the initial state (an
equilibrium or as given, ``sim.behaviour.start``) is the one before the programme, found on the network without the
exchange links (``Network.without_exchanges``), so it is the baseline's, farm by farm.

(a) information: a partner's season enters the learning update (``sim.behaviour.social``) with weight
    visits_per_year x k_ij instead of 1, where k_ij = exp(-sum_m d_m^2 / (2 l_m^2)) is the comparability of the two
    farms over climate zone, soil class, crop (d = 0 when equal, 1 when not) and farm size (d = ln of the area
    ratio) (Munshi 2004 and Conley & Udry 2010 on learning from comparable farms; Rusinamhodzi et al. 2011 on how CA
    yield responses depend on rainfall and soil). Only beliefs change; neighbour shares and degrees do not.
(b) know-how: a trained participant starts a practice ``head_start_seasons`` seasons along its known yield ramp
    (``sim.yields.ramp``): a smaller first-season penalty and a shorter ramp, in its yields, in what it shows others
    (ramp-corrected as usual) and in the value it expects of a practice it does not use (``valuation_seasons``).
    No study measures this (dossier 6.1: assumption; farmer field schools raise yields ~13 % on average, Waddington
    et al. 2014).
(c) equipment and services: the served region's ``supply_scale`` (``sim.behaviour.access``) is multiplied by
    ``supply_scale_factor``: transferred designs, local manufacturers and trained hire-service providers make dealer
    and contractor supply follow local demand sooner (Sims et al. 2012; Sims & Kienzle 2015). Region-wide, so it
    reaches non-participants too, and only through the endogenous supply rule.
(d) organisations and markets: participants join a group whose lender grants ``loan_to_savings`` per unit of
    savings whatever the farm's size (group lending), which is certified as a group for the carbon programme (its
    members share one group verification's cost, ``sim.incentives.mrv``: only their MRV cost changes), and
    which may sell at a premium (``crop_price_premium_share``; 0 unless a scenario states a market).
Costs (visits, training, equipment programme, group support) are public money flows (``sim.incentives.exchange``).
"""

from __future__ import annotations

import numpy as np

from sim.behaviour.access import Access
from sim.farmers import FarmerTable, FarmParameters, Regions
from sim.network import Network
from sim.scenario import Scenario
from sim.scenario.network import Exchange, ExchangeInformation


def comparability(spec: ExchangeInformation, regions: Regions, region: np.ndarray, area_ha: np.ndarray,
                  pairs: np.ndarray) -> np.ndarray:
    """k_ij (m,) of the farm pairs ``pairs`` (m, 2) (module docstring, channel a)."""
    specs = regions.specs
    i, j = pairs[:, 0], pairs[:, 1]
    ri, rj = region[i], region[j]

    def differs(attribute: str) -> np.ndarray:
        codes = {value: k for k, value in enumerate(dict.fromkeys(getattr(s, attribute) for s in specs))}
        code = np.array([codes[getattr(s, attribute)] for s in specs])
        return (code[ri] != code[rj]).astype(np.float64)

    distance = (differs("climate") / spec.climate_length) ** 2 + (differs("soil") / spec.soil_length) ** 2 \
        + (differs("crop") / spec.crop_length) ** 2 + (np.log(area_ha[i] / area_ha[j]) / spec.farm_size_length) ** 2
    return np.exp(-0.5 * distance)


class Exchanges:
    """The scenario's exchange programmes: who takes part, and what each switched-on channel changes.

    Args:
        scenario: the scenario (``network.exchange``).
        regions: the regions in farm-row order.
        parameters: the farms' fixed parameters (regions, areas).
        network: the network (its ``exchange_pairs``).

    Attributes:
        participant: (n,) bool, at either end of an exchange link.
        served: (n,) bool, a participant of a table's second region (channels b-d).
        neighbour: (n,) bool, not a participant but linked to one in the network (where spill-overs show).
        head_start: (n,) int16 seasons of the ramp a trained farmer skips (0 = untrained).
        member: (n,) bool, in an exchange's farmer group (channel d).
        group_loan_to_savings: (n,) float64 the group lender's loan per unit of savings (members).
        group_certified: (n,) bool, certified as a group for the carbon programme (``sim.incentives.mrv``).
        certified_group: (n,) int64 the certified group (index of its exchange table), -1 for none.
        price_premium: (n,) float64 extra crop price share of members.
        supply_scale_factor: (R,) multiplier of each region's supply scale (channel c).

    """

    def __init__(self, scenario: Scenario, regions: Regions, parameters: FarmParameters, network: Network) -> None:
        n = regions.n
        self.specs: list[Exchange] = list(scenario.network.exchange)
        self.pairs = network.exchange_pairs or [np.empty((0, 2), np.int64) for _ in self.specs]
        index = {name: k for k, name in enumerate(regions.names)}
        self.participant = np.zeros(n, bool)
        self.served = np.zeros(n, bool)
        self.head_start = np.zeros(n, np.int16)
        self.member = np.zeros(n, bool)
        self.group_loan_to_savings = np.zeros(n)
        self.group_certified = np.zeros(n, bool)
        self.certified_group = np.full(n, -1, np.int64)
        self.price_premium = np.zeros(n)
        self.supply_scale_factor = np.ones(len(regions.names))
        self.information: list[tuple[np.ndarray, np.ndarray]] = []  # (pairs, weight - 1) of channel (a)
        for table, (spec, pairs) in enumerate(zip(self.specs, self.pairs, strict=True)):
            self.participant[pairs.ravel()] = True
            visitors = np.unique(pairs[:, 1])
            if spec.know_how or spec.equipment or spec.organisation:
                self.served[visitors] = True
            if spec.information is not None:
                k = comparability(spec.information, regions, parameters.region, parameters.area_ha, pairs)
                self.information.append((pairs, spec.visits_per_year * k - 1.0))
            if spec.know_how is not None:
                self.head_start[visitors] = np.maximum(self.head_start[visitors], spec.know_how.head_start_seasons)
            if spec.equipment is not None:
                self.supply_scale_factor[index[spec.regions[1]]] *= spec.equipment.supply_scale_factor
            if spec.organisation is not None:
                o = spec.organisation
                self.member[visitors] = True
                self.group_loan_to_savings[visitors] = np.maximum(self.group_loan_to_savings[visitors],
                                                                  o.loan_to_savings)
                if o.group_certification:
                    self.group_certified[visitors] = True
                    self.certified_group[visitors] = table  # a farm in two groups is certified with the last
                self.price_premium[visitors] = np.maximum(self.price_premium[visitors], o.crop_price_premium_share)
        linked = network.neighbour_sum(self.participant.astype(np.float32)) > 0 if n else np.zeros(0, bool)
        self.neighbour = linked & ~self.participant

    @property
    def any(self) -> bool:
        """True when some exchange has a link."""
        return bool(self.participant.any())

    def begin(self, farms: FarmerTable, access: Access) -> None:
        """Switch the channels on after the initial state: the equipment supply scale, group credit and market."""
        access.supply_scale = access.supply_scale * self.supply_scale_factor
        access.loan_per_savings = np.maximum(access.loan_per_savings, self.group_loan_to_savings)
        farms.crop_price_per_t = farms.crop_price_per_t * (1.0 + self.price_premium)

    def after_adoption(self, years_in_use: np.ndarray) -> None:
        """Trained farmers' practices started this season (1 season in use) jump ``head_start`` seasons, in place."""
        if self.head_start.any():
            started = (years_in_use == 1) & (self.head_start[:, None] > 0)
            years_in_use += np.where(started, self.head_start[:, None], 0).astype(years_in_use.dtype)

    def valuation_seasons(self, years_in_use: np.ndarray) -> np.ndarray:
        """Seasons in use (n, P) as deciding farmers value them (the shortfall row of ``sim.behaviour.valuation``).

        A trained farmer's unused practice starts at its head start; ``years_in_use`` itself when nobody is trained.
        """
        if not self.head_start.any():
            return years_in_use
        return np.where((years_in_use == 0) & (self.head_start[:, None] > 0), self.head_start[:, None],
                        years_in_use).astype(years_in_use.dtype)

    def adjust_evidence(self, weight: np.ndarray, weighted_signal: np.ndarray, evidence: np.ndarray,
                        signal: np.ndarray) -> None:
        """Channel (a): re-weight what exchange partners showed (weight 1 in the network sums) to visits x k, in place.

        ``weight`` and ``weighted_signal`` (n, P) are what each farm showed (r^2, r^2 z); ``evidence`` and ``signal``
        (n, P) float32 the network sums. Each pair counts both ways; evidence never goes below 0 by rounding.
        """
        for pairs, change in self.information:
            i, j = pairs[:, 0], pairs[:, 1]
            c = change[:, None]
            add_evidence = np.zeros(evidence.shape)
            add_signal = np.zeros(signal.shape)
            np.add.at(add_evidence, i, c * weight[j])
            np.add.at(add_evidence, j, c * weight[i])
            np.add.at(add_signal, i, c * weighted_signal[j])
            np.add.at(add_signal, j, c * weighted_signal[i])
            rows = np.unique(pairs.ravel())
            evidence[rows] = np.maximum(evidence[rows] + add_evidence[rows], 0.0)
            signal[rows] = signal[rows] + add_signal[rows]

    def state(self) -> dict[str, np.ndarray]:
        """Per-farm flags behind the exchange output columns (``sim.outputs``)."""
        return {"exchange_participant": self.participant, "exchange_neighbour": self.neighbour}
