"""Ensembles: many runs of one scenario structure stacked in one model, advanced together by one yearly step.

A small run pays Python's cost on every stage of every year; stacked, R runs pay it once. ``stack(models)`` joins
runs built alone (``AdoptionModel``: each its own scenario, seed and size, so each starts exactly as it would alone):
- run k's farmers are a block of rows, run after run; each (run, region) is a region of the stacked model, so every
  regional table, per-region draw and regional sum is per run, and parameters of the regions (the ``[regions]``
  tables) may differ between runs;
- per-farm arrays are joined; per-region tables stacked along their region axis (``PER_REGION``); ids offset
  (regions, villages, organisations, demonstration farms); networks joined block-diagonally; every other value of a
  room must be the same in every run, else ``NotStackable`` names it (e.g. a decision parameter that differs; a
  field of a scenario table only when a room reads it, ``SpecOfRuns``: a field used only to build a room may differ);
- the year's random draws come from each run's own generators in the run's own order (``sim.parallel.FarmStreams``);
- incentive designs stay one per run, reading their run's rows of the stacked rooms through views (``RunView``):
  their parameters (carbon price, farmer share, MRV costs ...) may differ between runs; what they are worth to
  deciding farmers is asked design by design for every run's rows at once (``RunIncentives.tables``), and the yearly
  work that would cost Python per run is done once for every run where the runs allow it
  (``sim.incentives.stacked``: the carbon programmes' valuation and enrolment, the programme's effects; each design's
  ``joined``: per-ha payments of the same rates, no credit line, no exchange costs; the carbon registries' yearly
  settlement and the modelled baselines, ``JoinedRegistry``);
- the counterfactual runs (the same farms without the programme) are stacked the same way;
- one recorder writes every run's rows; ``results(model, k)`` gives run k's yearly table.
Each run's table equals its table alone, bit for bit, whatever the other runs and its place among them
(``tests/test_ensemble.py``). Not stacked (``NotStackable``; such runs run one at a time): the RothC soil model (its
monthly pools are not stacked yet), fully mixed populations (every farmer would see every run's farmers), runs of
fewer than ``MIN_FARMS`` farmers, runs with different regions or start years, runs of which only some have an
incentive programme, exchange programmes with links (their pairs of farms are not stacked yet), and runs that differ
in a value a room reads each year outside the regions and the incentives (say, the revision rate of the rule).

What stacking saves is Python's cost per stage and year; the compiled work and the set-up of each run (its
network, its start in behavioural equilibrium) stay per run, and so does some Python of each run's incentive designs
(payments of different rates, credit lines; carbon programmes that cannot be asked as one, and the carbon
registries' settlement where they cannot be joined: ``sim.incentives.stacked.JoinedRegistry.joinable``). The year's
prices and verification calendars of the carbon programmes asked as one are computed for every run at once
(``StackedCarbon.begin_year``), and programmes that cannot pay (the counterfactuals') are not asked at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields, is_dataclass
from types import SimpleNamespace
from typing import Any

import mesa
import numpy as np
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel

from sim.agents import FarmerViews
from sim.behaviour import Situation
from sim.behaviour.access import Access
from sim.behaviour.economic import EconomicRule
from sim.behaviour.exchange import Exchanges
from sim.behaviour.learning import Learning
from sim.behaviour.social import SocialInformation
from sim.behaviour.tpb import TpbRule
from sim.behaviour.valuation import Valuation
from sim.farmers import FarmerTable, Regions
from sim.footprint import keep_freed_memory
from sim.incentives import Counterfactual, Incentives, Setting, Settlement, summed
from sim.incentives.base import Valuation as IncentiveValue
from sim.incentives.credit_line import ConcessionalCredit
from sim.incentives.exchange import ExchangeProgramme
from sim.incentives.payments import PerHectarePayments
from sim.incentives.stacked import RunPrices, StackedCarbon, StackedEffect
from sim.model import AdoptionModel
from sim.network import Network
from sim.outputs import YearlyRecorder
from sim.parallel import FarmStreams
from sim.practices import Catalogue
from sim.soil.tier1 import Tier1Soil
from sim.yields import YieldModel

#: Runs with fewer farmers than this are not stacked: a per-farm array is told from other arrays by its length.
MIN_FARMS = 64
#: Arrays that hold one entry per region, by room and name: the axis of the regions.
PER_REGION: dict[type, dict[str, int]] = {
    Catalogue: {"available": 0, "demo_bundle": 0, "effect_initial": 0, "effect_long_run": 0, "effect_years": 0,
                "effect_table": 1, "synergy_long_run": 0, "synergy_years": 0},
    Tier1Soil: {"equilibrium_table": 0},
    YieldModel: {"response_kg_per_t_c": 0, "reference_t_c_per_ha": 0, "low_t_c_per_ha": 0, "high_t_c_per_ha": 0,
                 "plateau_t_c_per_ha": 0, "weather_sigma": 0},
    EconomicRule: {"base_margin": 0, "constants": 0, "pairs": 0},
    TpbRule: {"base_margin": 0},
    Valuation: {"annuity": 0, "risk_aversion": 0, "shortfall": 0, "synergy_shortfall": 0, "effect_initial": 0,
                "synergy": 0},
    Learning: {"progress_table": 1, "effect_initial": 0, "truth": 0},
    Access: {"seeder_base": 0, "contractor_base": 0, "contractor_fee_per_ha": 0, "herbicide_cost_per_ha": 0,
             "min_credit_farm_ha": 0, "supply_scale": 0, "seeder_supply": 0, "contractor_supply": 0,
             "herbicide_index": 0},
    Exchanges: {"supply_scale_factor": 0},
}
#: Arrays of one value per practice (P,), by room: told apart from per-region arrays when there are as many regions.
PER_PRACTICE: dict[type, set[str]] = {
    Catalogue: {"transition_cost_per_ha", "annual_cost_change_per_ha"},
    Valuation: {"cost_change_per_ha", "transition_cost_per_ha"},
}
#: Lists with one entry per region, by room and name.
PER_REGION_LISTS: dict[type, set[str]] = {EconomicRule: {"fits"}, Access: {"herbicide_paths"}}
#: Arrays of ids, by room and name, and what they count (offset by the runs before).
IDS: dict[type, dict[str, str]] = {
    FarmerTable: {"region": "regions"},
    Tier1Soil: {"region": "regions"},
    Learning: {"region": "regions"},
    Access: {"region": "regions"},
    Network: {"village": "villages", "organisation": "organisations"},
    SocialInformation: {"members": "farms"},
}
#: Tables by seasons in use (their axis 0) whose length follows the longest transition, read at min(seasons, last
#: row): a shorter one is padded with its last row.
BY_SEASONS = {(Catalogue, "effect_table"), (Learning, "progress_table")}

class NotStackable(Exception):
    """Runs that cannot share one model (the message says which value differs); run them one at a time."""


class SpecOfRuns:
    """A scenario table a room holds that differs between the stacked runs, read field by field.

    A field the same in every run reads as usual; one that differs raises ``NotStackable`` when it is read. Rooms
    keep their scenario table whole, but many fields serve only to build them (a farm trait drawn once), so runs that
    differ only there still share a model: the difference is found where a field is read, not where it is held.
    """

    def __init__(self, values: list[Any], path: str) -> None:
        self._values, self._path = values, path

    def __getattr__(self, name: str) -> Any:
        values = [getattr(v, name) for v in self._values]
        if _same(values):
            return values[0]
        if all(isinstance(v, BaseModel) for v in values):
            return SpecOfRuns(values, f"{self._path}.{name}")
        raise NotStackable(f"{self._path}.{name} differs between the runs")


class Layout:
    """Where each run sits in the stacked model: rows of its farms and of its regions, offsets of its ids.

    Args:
        models: the runs, built alone.

    Attributes:
        farms, regions: (K + 1,) the first farm row and first region of each run, and the totals.
        villages, organisations: (K + 1,) the offsets of each run's village and organisation ids.

    """

    def __init__(self, models: Sequence[AdoptionModel]) -> None:
        self.runs = len(models)
        self.sizes = np.array([m.n for m in models], np.int64)
        self.farms = np.concatenate([[0], np.cumsum(self.sizes)])
        self.regions = np.concatenate([[0], np.cumsum([m.regions.sizes.size for m in models])])
        self.villages = np.concatenate([[0], np.cumsum([int(m.network.village.max()) + 1 for m in models])])
        self.organisations = np.concatenate([[0], np.cumsum([int(m.network.organisation.max()) + 1 for m in models])])

    def offsets(self, what: str) -> np.ndarray:
        """(K + 1,) offsets of ids counting ``what`` ('farms', 'regions', 'villages', 'organisations')."""
        return getattr(self, what)

    def rows(self, k: int) -> slice:
        """Run k's farm rows."""
        return slice(int(self.farms[k]), int(self.farms[k + 1]))

    def region_rows(self, k: int) -> slice:
        """Run k's regions."""
        return slice(int(self.regions[k]), int(self.regions[k + 1]))


def _same(values: list[Any]) -> bool:
    """Whether every value equals the first (arrays by value, NaN equal to NaN)."""
    first = values[0]
    if isinstance(first, np.ndarray):
        return all(isinstance(v, np.ndarray) and v.shape == first.shape and v.dtype == first.dtype
                   and np.array_equal(v, first, equal_nan=v.dtype.kind == "f") for v in values[1:])
    return all(v is first or v == first for v in values[1:])


def _pad_seasons(tables: list[np.ndarray]) -> list[np.ndarray]:
    """Tables by seasons (axis 0) padded to the longest by repeating their last row (the long-run value)."""
    longest = max(t.shape[0] for t in tables)
    return [np.concatenate([t, np.repeat(t[-1:], longest - t.shape[0], axis=0)]) for t in tables]


def stack_value(room: type, name: str, values: list[Any], layout: Layout, stacked: dict[int, Any]) -> Any:
    """One attribute of a room, from its value in every run (see the module docstring for the rules)."""
    first = values[0]
    if id(first) in stacked and all(stacked.get(id(v)) is stacked[id(first)] for v in values):
        return stacked[id(first)]  # a room already stacked
    axes = PER_REGION.get(room, {})
    if name in axes:
        if (room, name) in BY_SEASONS:
            values = _pad_seasons(values)
        try:
            return np.concatenate(values, axis=axes[name])
        except ValueError:
            raise NotStackable(f"{room.__name__}.{name} has a different shape in some runs") from None
    if name in PER_REGION_LISTS.get(room, set()):
        return [item for value in values for item in value]
    if name in IDS.get(room, {}):
        offsets = layout.offsets(IDS[room][name])
        return np.concatenate([v + np.asarray(offsets[k], v.dtype) for k, v in enumerate(values)])
    if isinstance(first, np.ndarray) and first.ndim and all(
            v.shape[0] == n for v, n in zip(values, layout.sizes, strict=True)):
        return np.concatenate(values)
    if _is_part(first) and all(type(v) is type(first) for v in values):
        return stack_room(values, layout, stacked)  # a part of the room (its valuation tables, this year's access)
    if (isinstance(first, np.ndarray) and first.ndim and name not in PER_PRACTICE.get(room, set())
            and all(v.shape[0] == r for v, r in zip(values, np.diff(layout.regions), strict=True))):
        raise NotStackable(f"{room.__name__}.{name} has one entry per region but is not declared in "
                           "sim.ensemble.PER_REGION")  # never kept for the first run's regions only
    if _same(values):
        return first
    if all(isinstance(v, BaseModel) for v in values):
        return SpecOfRuns(values, f"{room.__name__}.{name}")
    raise NotStackable(f"{room.__name__}.{name} differs between the runs")


def _is_part(value: Any) -> bool:
    """Whether a value is an object of the model's own (``sim``) classes, stacked attribute by attribute."""
    return (type(value).__module__.startswith("sim.") and not isinstance(value, BaseModel | SpecOfRuns)
            and (is_dataclass(value) or hasattr(value, "__dict__")))


def stack_room(parts: list[Any], layout: Layout, stacked: dict[int, Any]) -> Any:
    """A room of the stacked model from the same room of every run (``stack_value`` for each attribute)."""
    room = type(parts[0])
    if any(type(p) is not room for p in parts):
        raise NotStackable(f"the runs use different {room.__name__} rooms")
    out = object.__new__(room)
    names = [f.name for f in fields(room)] if is_dataclass(room) else list(vars(parts[0]))
    for name in names:
        object.__setattr__(out, name, stack_value(room, name, [getattr(p, name) for p in parts], layout, stacked))
    for part in parts:
        stacked[id(part)] = out
    return out


def stack_regions(parts: list[Regions], layout: Layout) -> Regions:
    """Every run's regions as regions of the stacked model, run after run (names repeat: each run has its own)."""
    return Regions([n for p in parts for n in p.names], [s for p in parts for s in p.specs],
                   np.concatenate([p.sizes for p in parts]),
                   np.concatenate([p.start + layout.farms[k] for k, p in enumerate(parts)]))


def stack_network(parts: list[Network], layout: Layout) -> Network:
    """The runs' networks joined block-diagonally (no link between runs), ids and demonstration farms offset."""
    if any((p.adjacency is None) != (parts[0].adjacency is None) for p in parts):
        raise NotStackable("Network.adjacency: fully mixed in some runs only")
    adjacency = None
    if parts[0].adjacency is not None:
        adjacency = sp.block_diag([p.adjacency for p in parts], format="csr", dtype=np.float32)
        adjacency.indices = adjacency.indices.astype(np.int32, copy=False)
        adjacency.indptr = adjacency.indptr.astype(np.int32 if adjacency.nnz < 2**31 else np.int64, copy=False)
    else:
        raise NotStackable("Network.adjacency: a fully mixed population mixes every run's farmers")
    return Network(adjacency, np.concatenate([p.degree for p in parts]),
                   np.concatenate([p.village + layout.villages[k] for k, p in enumerate(parts)]).astype(np.int32),
                   np.concatenate([p.organisation + layout.organisations[k] for k, p in enumerate(parts)]
                                  ).astype(np.int32),
                   np.concatenate([p.demo + layout.farms[k] for k, p in enumerate(parts)]))


def stack_streams(parts: list[FarmStreams], layout: Layout) -> FarmStreams:
    """The runs' streams of one room as one, keeping each run's blocks and their spawned generators."""
    out = object.__new__(FarmStreams)
    out.generators = [g for p in parts for g in p.generators]
    out.farms, out.regions, out.n = layout.farms, layout.regions, int(layout.farms[-1])
    out.blocks = [(a + layout.farms[k], b + layout.farms[k]) for k, p in enumerate(parts) for a, b in p.blocks]
    out.block_generators = [g for p in parts for g in p.block_generators]
    return out


class RunView:
    """Run k's rows of a stacked room, read at every access (so arrays the room replaces each year are seen).

    Per-farm arrays give the run's rows (ids counted from the run's own start), per-region tables its regions;
    anything else is the stacked room's. Setting an attribute writes the run's rows of the stacked array.
    """

    def __init__(self, room: Any, layout: Layout, k: int) -> None:
        # what every read needs, looked up once (views are read tens of thousands of times a run)
        ids = IDS.get(type(room), {})
        object.__setattr__(self, "_room", room)
        object.__setattr__(self, "_rows", layout.rows(k))
        object.__setattr__(self, "_farms", int(layout.farms[-1]))
        object.__setattr__(self, "_n", int(layout.sizes[k]))
        object.__setattr__(self, "_per_region", {name: (axis, layout.region_rows(k))
                                                 for name, axis in PER_REGION.get(type(room), {}).items()})
        object.__setattr__(self, "_offsets", {name: layout.offsets(what)[k] for name, what in ids.items()})

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._room, name)
        if name == "n":
            return self._n
        if name in self._per_region:
            axis, regions = self._per_region[name]
            index = [slice(None)] * value.ndim
            index[axis] = regions
            return value[tuple(index)]
        if isinstance(value, np.ndarray) and value.ndim and value.shape[0] == self._farms:
            rows = value[self._rows]
            offset = self._offsets.get(name)
            return rows if offset is None else rows - np.asarray(offset, rows.dtype)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        getattr(self._room, name)[self._rows] = value


class CounterfactualView:
    """Run k of a stacked counterfactual, as a ``Counterfactual`` reads to the run's incentive designs."""

    def __init__(self, counterfactual: Counterfactual, layout: Layout, k: int) -> None:
        self._counterfactual, self._layout, self._k = counterfactual, layout, k
        self.farms = RunView(counterfactual.model.farms, layout, k)
        self.soil = RunView(counterfactual.model.soil, layout, k)

    @property
    def stock_change_t_c_per_ha(self) -> np.ndarray:
        """Change of each of the run's farms' stock over the last year, t C/ha."""
        return self._counterfactual.stock_change_t_c_per_ha[self._layout.rows(self._k)]


def _rebind(obj: Any, replacements: dict[int, Any]) -> None:
    """Point ``obj``'s attributes that are rooms of a run at their views in the stacked model.

    The objects ``obj`` holds are looked into too, one level down (a design's registry, baseline ...).
    """
    for holder in [obj, *(v for v in vars(obj).values() if hasattr(v, "__dict__") and id(v) not in replacements)]:
        for name, value in list(vars(holder).items()):
            if id(value) in replacements:
                object.__setattr__(holder, name, replacements[id(value)])


class RunIncentives:
    """The incentive designs of every run (one ``Incentives`` per run, on views of its rows), asked as one.

    Each run keeps its own designs, parameters and policy stream; ``tables`` and ``settle`` ask every run about its
    rows and join the runs' answers in row order. The runs' carbon programmes value and enrol every run's farms at
    once where they can (``sim.incentives.stacked``), and designs the runs share are one design over every run's rows
    (``joined``): the same numbers, once per year rather than once per run.
    """

    def __init__(self, runs: list[Incentives], policy: list[np.random.Generator], layout: Layout,
                 farms: FarmerTable, soil: Tier1Soil, catalogue: Catalogue, counterfactual: Counterfactual | None
                 ) -> None:
        self.runs, self.policy, self.layout = runs, policy, layout
        self.carbon = SimpleNamespace(market_price=RunPrices([r.carbon.registry for r in runs]).of)  # (K,) a year
        self.stacked_carbon = StackedCarbon.of([r.carbon for r in runs], layout.farms, farms, soil,
                                               lambda soils: stack_room(soils, layout, {}), counterfactual)
        #: no run's carbon programme can pay (a counterfactual's): they settle as one, all zeros
        self.idle_carbon = not any(r.carbon.active for r in runs)
        n = int(layout.farms[-1])
        of = {name: [r.designs[name] for r in runs] for name in runs[0].designs}
        joined = {"payments": PerHectarePayments.joined(of["payments"], farms, counterfactual),
                  "credit_line": ConcessionalCredit.joined(of["credit_line"], farms, catalogue),
                  "effect": StackedEffect.of(of["effect"], farms, soil, counterfactual, int(layout.regions[-1])),
                  "exchange": ExchangeProgramme.joined(of["exchange"], n)}
        #: designs whose every run is one design over the stacked rows (the same numbers, once per year)
        self.joined = {name: design for name, design in joined.items() if design is not None}
        #: designs asked run by run each year (the carbon programmes' valuation and enrolment are asked as one
        #: when they can be, ``stacked_carbon``; when none can pay, they value nothing and enrol no one)
        self.per_run = [name for name in runs[0].designs if self._per_run(name)
                        and not (name == "carbon" and (self.stacked_carbon is not None or self.idle_carbon))]

    def _per_run(self, name: str) -> bool:
        """Whether design ``name`` is asked run by run (not joined into one design over every run's rows)."""
        return name not in self.joined

    def begin_year(self, year: int) -> None:
        """Every run's prices and expectations of ``year``."""
        for run in self.runs:
            designs = run.designs
            for name in self.per_run:
                designs[name].begin_year(year)
        for design in self.joined.values():
            design.begin_year(year)
        if self.stacked_carbon is not None:
            self.stacked_carbon.begin_year(year)
        elif self.idle_carbon:  # ``CarbonProgramme.begin_year`` of a programme that cannot pay: the year only
            for run in self.runs:
                run.carbon.year = year

    def tables(self, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
        """``Incentives.tables`` of every run for its rows of ``farms`` (sorted), joined in row order.

        ``farms[bounds[r]:bounds[r + 1]]`` are stacked region r's. Design by design, in booking order, every run's
        value joined (a run whose design values nothing: zeros), so each farm's sum is the one of its run alone.
        """
        return summed((self._value_rows(name, farms, bounds, masks) for name in self.runs[0].designs), farms.size,
                      masks.size)

    def _value_rows(self, name: str, farms: np.ndarray, bounds: np.ndarray, masks: np.ndarray) -> IncentiveValue | None:
        """Design ``name``'s ``value_rows`` of every run, joined in row order (None when no run's values anything)."""
        if name == "carbon" and self.stacked_carbon is not None:
            return self.stacked_carbon.value_rows(farms, bounds, masks)
        if name == "carbon" and self.idle_carbon:  # a programme that cannot pay values nothing
            return None
        if not self._per_run(name):
            return self.joined[name].value_rows(farms, bounds, masks)
        layout, parts = self.layout, []
        for k, run in enumerate(self.runs):
            own = bounds[int(layout.regions[k]):int(layout.regions[k + 1]) + 1]
            value = run.designs[name].value_rows(farms[own[0]:own[-1]] - layout.farms[k], own - own[0], masks)
            if value is not None:
                parts.append((slice(int(own[0]), int(own[-1])), value))
        if not parts:
            return None
        present_value, variance = np.zeros((farms.size, masks.size)), None
        for rows, value in parts:
            present_value[rows] = value.present_value_per_ha
            if value.variance is not None:
                variance = np.zeros((farms.size, masks.size)) if variance is None else variance
                variance[rows] = value.variance
        return IncentiveValue(present_value, variance)

    def after_adoption(self, year: int) -> None:
        """Every run's designs react to this season's bundles (the carbon programmes at once where they can)."""
        for run in self.runs:
            designs = run.designs
            for name in self.per_run:
                designs[name].after_adoption(year)
        for design in self.joined.values():
            design.after_adoption(year)
        if self.stacked_carbon is not None:
            self.stacked_carbon.after_adoption(year)

    def settle(self, year: int, rng: object = None) -> list[Settlement]:
        """Every run's settlements, joined design by design in row order.

        Each run's designs draw from the run's own policy stream (``rng``, the stacked model's, is not used).
        """
        out = []
        for name in self.runs[0].designs:
            if not self._per_run(name):
                out.append(self.joined[name].settle(year, None))
                continue
            if name == "carbon" and self.idle_carbon:
                out.append(self.runs[0].carbon.registry.idle(int(self.layout.farms[-1])))
                continue
            if name == "carbon" and self.stacked_carbon is not None and self.stacked_carbon.registry is not None:
                out.append(self.stacked_carbon.settle(year))  # every run's registry as one
                continue
            settlements = [run.designs[name].settle(year, stream) for run, stream in zip(self.runs, self.policy,
                                                                                         strict=True)]
            first = settlements[0]
            flows = [type(flow)(flow.name, flow.payer, flow.payee, np.concatenate([s.flows[i].amount for s in settlements]))
                     for i, flow in enumerate(first.flows)]
            out.append(Settlement(flows, {name: np.concatenate([s.quantities[name] for s in settlements])
                                          for name in first.quantities}))
        return out


def check_stackable(models: Sequence[AdoptionModel]) -> None:
    """Raise ``NotStackable`` for runs that cannot share one model (before anything is joined)."""
    first = models[0]
    if any(m.n < MIN_FARMS for m in models):
        raise NotStackable(f"runs of fewer than {MIN_FARMS} farmers")
    if any(type(m.soil) is not Tier1Soil for m in models):
        raise NotStackable("only the Tier 1 soil model is stacked (RothC runs one at a time)")
    if any(m.year != first.year for m in models):
        raise NotStackable("the runs start in different years")
    if any(m.regions.names != first.regions.names for m in models):
        raise NotStackable("the runs have different regions")
    if any((m.counterfactual is None) != (first.counterfactual is None) for m in models):
        raise NotStackable("only some runs have an incentive programme (and its counterfactual)")
    if any(m.exchanges.any for m in models):
        raise NotStackable("exchange programmes' links are not stacked yet")
    if len({(m.config.carbon.buyer, m.config.carbon.price.guarantor) for m in models}) > 1:
        raise NotStackable("the runs' carbon credits are paid by different parties (carbon.buyer or "
                           "carbon.price.guarantor): a stacked year books each money flow to one payer")


def stack(models: Sequence[AdoptionModel], recorded: bool = True, rooms: dict[int, Any] | None = None
          ) -> AdoptionModel:
    """One model advancing every run of ``models`` (built alone, not yet stepped) with one yearly step.

    Read each run's yearly table with ``results(model, k)``; a model not ``recorded`` (the runs' counterfactuals)
    keeps no table. ``rooms``: the stacked rooms of another stacked model by the id of each run's room; the rooms the
    runs share with it are not joined again (a counterfactual shares its programme's regions, catalogue and network
    alone, ``AdoptionModel.without_programme``: stacked, the two models share the joined ones).

    Raises:
        NotStackable: the runs differ in something the stacked model cannot hold per run (the message says what).

    """
    check_stackable(models)
    keep_freed_memory()
    layout = Layout(models)
    rooms = {} if rooms is None else rooms
    out = object.__new__(AdoptionModel)
    mesa.Model.__init__(out, rng=0)
    first = models[0]
    out.config, out.seed, out.year, out.layout = first.config, None, first.year, layout
    out.regions = _joined([m.regions for m in models], rooms, lambda parts: stack_regions(parts, layout))
    out.n = int(layout.farms[-1])
    for name in ("catalogue", "farms"):
        setattr(out, name, _joined([getattr(m, name) for m in models], rooms,
                                   lambda parts: stack_room(parts, layout, rooms)))
    out.network = _joined([m.network for m in models], rooms, lambda parts: stack_network(parts, layout))
    for name in ("rule", "learning", "access", "exchanges", "social", "soil", "yields"):
        setattr(out, name, stack_room([getattr(m, name) for m in models], layout, rooms))
    out.weather = stack_streams([m.weather for m in models], layout)
    out.decisions = stack_streams([m.decisions for m in models], layout)
    out.streams = SimpleNamespace(policy=None)  # each run's designs draw from their run's policy stream
    out.counterfactual = None
    if first.counterfactual is not None:
        out.counterfactual = Counterfactual(stack([m.counterfactual.model for m in models], recorded=False, rooms=rooms))
    runs = []
    for k, m in enumerate(models):
        views = {id(getattr(m, name)): RunView(getattr(out, name), layout, k) for name in ("farms", "soil")}
        views[id(m.network)] = RunView(out.network, layout, k)
        if m.counterfactual is not None:
            views[id(m.counterfactual)] = CounterfactualView(out.counterfactual, layout, k)
        setting = m.incentives.designs["carbon"].setting
        views[id(m.exchanges)] = RunView(out.exchanges, layout, k)
        views[id(setting)] = Setting(setting.scenario, views[id(m.farms)], setting.regions, setting.catalogue,
                                     views[id(m.network)], views[id(m.soil)], views.get(id(m.counterfactual)),
                                     views[id(m.exchanges)])
        for design in m.incentives.designs.values():
            _rebind(design, views)
        runs.append(m.incentives)
    out.incentives = RunIncentives(runs, [m.streams.policy for m in models], layout, out.farms, out.soil,
                                   out.catalogue, out.counterfactual)
    out.situation = Situation(out.farms, out.regions, out.catalogue, out.network, out.social, out.soil, out.yields,
                              out.incentives, out.access, out.learning, out.exchanges)
    out.recorder = None
    if recorded:
        out.recorder = YearlyRecorder(first.regions.names, out.regions.start, out.farms.area_ha,
                                      np.array([m.catalogue.target_bundle for m in models]), runs=layout.runs)
        out.recorder.record(out._record())
    out.farmers = FarmerViews(out)
    return out


def _joined(parts: list[Any], rooms: dict[int, Any], join: Callable[[list[Any]], Any]) -> Any:
    """The runs' ``parts`` of one room joined (``join``), or the room they were joined into already (in ``rooms``)."""
    done = rooms.get(id(parts[0]))
    if done is not None and all(rooms.get(id(p)) is done for p in parts):
        return done
    out = join(parts)
    for part in parts:
        rooms[id(part)] = out
    return out


def results(model: AdoptionModel, k: int) -> pd.DataFrame:
    """Run k's yearly table (as its model alone gives it) from a stacked model."""
    return model.recorder.frame(k)
