"""The farmer table: per-farm parameters and state as a struct of arrays (one row per farm), and how it is drawn.

Farmers of one region occupy one contiguous block of rows, in the scenario's region order (``Regions``), so
regional aggregates are ``np.add.reduceat`` over ``Regions.start``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

from sim import kernel_cache  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.practices import FULL_CA_BY_MASK, NO_TILL, USES_BY_MASK, Catalogue, parse_bundle
from sim.scenario import Scenario
from sim.scenario.farms import Region

if TYPE_CHECKING:
    from sim.behaviour.base import Choice


def allocate_farmers(scenario: Scenario, n_farmers: int | None) -> list[int]:
    """Farmers per region: as in the file, or ``n_farmers`` split by the file's regional shares.

    Uses the largest-remainder method so the counts add up to ``n_farmers`` exactly; each region keeps
    at least one farmer.
    """
    counts = np.array([r.farmers for r in scenario.regions.values()], dtype=np.float64)
    if n_farmers is None:
        return [int(c) for c in counts]
    if n_farmers < len(counts):
        raise ValueError(f"farmers (n_farmers, --farmers) {n_farmers} is fewer than the {len(counts)} regions")
    exact = counts / counts.sum() * n_farmers
    alloc = np.maximum(np.floor(exact).astype(np.int64), 1)
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    i = 0
    while alloc.sum() < n_farmers:
        alloc[order[i % len(order)]] += 1
        i += 1
    while alloc.sum() > n_farmers:  # only when the floor of 1 pushed the total up
        j = int(np.argmax(alloc))
        alloc[j] -= 1
    return [int(a) for a in alloc]


@dataclass(frozen=True)
class Regions:
    """The regions in farmer-row order: names, scenario tables, and the block of rows each occupies."""

    names: list[str]
    specs: list[Region]
    sizes: np.ndarray  # (R,) int64 farmers per region
    start: np.ndarray  # (R,) int64 first row of each region

    @classmethod
    def of(cls, scenario: Scenario, n_farmers: int | None) -> Regions:
        """The scenario's regions with ``n_farmers`` in total (the file's counts when None)."""
        sizes = np.array(allocate_farmers(scenario, n_farmers), dtype=np.int64)
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        return cls(list(scenario.regions), list(scenario.regions.values()), sizes, start)

    @property
    def n(self) -> int:
        """Farmers in all regions."""
        return int(self.sizes.sum())

    def per_farm(self, values: np.ndarray | list) -> np.ndarray:
        """One value per region (R,) repeated over the region's farmers (n,)."""
        return np.repeat(values, self.sizes)

    def blocks(self, farms: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
        """(region, its rows among ``farms``) for each region with some of the sorted row indices ``farms``."""
        bounds = np.searchsorted(farms, np.append(self.start, self.n))
        for region in range(self.sizes.size):
            block = farms[bounds[region] : bounds[region + 1]]
            if block.size:
                yield region, block



@dataclass
class FarmParameters:
    """Fixed per-farm parameters (arrays of length n), drawn or gathered from the farm's region."""

    region: np.ndarray  # int16
    area_ha: np.ndarray  # float64, ha
    crop_price_per_t: np.ndarray  # float64, currency/t
    base_yield_kg_per_ha: np.ndarray  # float64, conventional yield at the region's reference SOC
    production_cost_per_ha: np.ndarray  # float64, currency/ha/yr
    residue_value_per_ha: np.ndarray  # float64, fodder value forgone when residue is retained, currency/ha/yr
    dealer_draw: np.ndarray  # float64, fixed uniform draw: reached by seeder dealers when below the region's supply
    contractor_draw: np.ndarray  # float64, fixed uniform draw: reached by hire services when below their supply
    member_draw: np.ndarray  # float64, fixed uniform draw: takes part in its organisation when below membership

    @classmethod
    def draw(cls, scenario: Scenario, regions: Regions, rng: np.random.Generator) -> FarmParameters:
        """Draw farm sizes, then the dealer, contractor and membership draws of every farmer (in this order)."""
        specs = regions.specs
        n = regions.n

        def per_farm(attribute: str) -> np.ndarray:
            return regions.per_farm(np.array([getattr(r, attribute) for r in specs], dtype=np.float64))

        area = per_farm("farm_size_median_ha") * np.exp(per_farm("farm_size_sigma") * rng.standard_normal(n))
        dealer_draw, contractor_draw, member_draw = rng.random(n), rng.random(n), rng.random(n)
        return cls(
            region=regions.per_farm(np.arange(len(specs), dtype=np.int16)),
            area_ha=area,
            crop_price_per_t=per_farm("crop_price_per_t"),
            base_yield_kg_per_ha=per_farm("base_yield_kg_per_ha"),
            production_cost_per_ha=per_farm("production_cost_per_ha"),
            residue_value_per_ha=per_farm("residue_livestock_value_per_ha"),
            dealer_draw=dealer_draw,
            contractor_draw=contractor_draw,
            member_draw=member_draw,
        )


def initial_counts(region: Region, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(masks, counts) of the bundles of ``region``'s ``initial_adoption`` among its ``n`` farmers.

    Exactly round(share x farmers) farmers per bundle, the total rounded by largest remainder.
    """
    masks = np.array([parse_bundle(b) for b in region.initial_adoption], np.uint8)
    exact = np.array(list(region.initial_adoption.values())) * n
    counts = np.floor(exact).astype(np.int64)
    short = int(round(exact.sum())) - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:max(short, 0)]] += 1
    return masks, counts


def initial_bundles(scenario: Scenario, sizes: list[int] | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bundle mask of each farmer at the start, drawn so each region matches its initial adoption shares.

    Exactly round(share x farmers) farmers of a region use each bundle (``initial_counts``), placed at random.
    """
    out = []
    for spec, n in zip(scenario.regions.values(), sizes, strict=True):
        masks, counts = initial_counts(spec, int(n))
        bundle = np.zeros(n, np.uint8)
        bundle[: counts.sum()] = np.repeat(masks, counts)
        out.append(rng.permutation(bundle))
    return np.concatenate(out) if out else np.zeros(0, np.uint8)


@dataclass(frozen=True)
class InitialState:
    """Every farm's practices, their history, beliefs and savings at the start (``sim.behaviour.start``)."""

    bundle: np.ndarray  # (n,) uint8
    years_in_use: np.ndarray  # (n, P) int16 seasons each practice has been in use
    hires: np.ndarray  # (n,) bool, no-till by a hire service
    belief_mean: np.ndarray  # (n, P) float32
    belief_precision: np.ndarray  # (n, P) float32
    savings: np.ndarray  # (n,) float64, currency per farm
    credit_access: np.ndarray  # (n,) bool, a lender serves the farm
    #: (n, H) uint8 each farm's bundles of the H years before the start, oldest first (its soil's history,
    #: ``sim.soil.build_soil``), or None: farms used conventional practice before their current bundle (``as_given``)
    history: np.ndarray | None = None


@dataclass
class Adoption:
    """What changing practices did this season."""

    transition_cost: np.ndarray  # (n,) one-off cost of the practices each farm started (own route), currency
    changed: np.ndarray  # row indices of farms whose bundle changed
    disadopted: np.ndarray  # (n,) bool, dropped every practice
    dropped: np.ndarray  # (n,) uint8, bits of the reasons for practices dropped (``sim.behaviour.base.DROP_REASONS``)


@dataclass
class FarmerTable(FarmParameters):
    """Every farmer's parameters (``FarmParameters``) and state, as arrays with one row per farm.

    State:
        bundle: (n,) uint8 practice bit mask in use.
        uses: (n, P) bool practices in use (``bundle`` unpacked).
        years_in_use: (n, P) int16 seasons each practice has been in use, this season included.
        full_ca_years: (n,) int16 seasons under full CA.
        hires: (n,) bool, no-till done by a hire (contractor) service instead of an own seeder.
        savings: (n,) float64 money the farm holds, currency (``sim.behaviour.access``).
        credit_access: (n,) bool, the farm can borrow for one-off costs: a lender serves it, or a credit line reaches it
            (``sim.incentives.credit_line``). credit_line_loan: (n,) float64 what that line would lend it now,
            currency (0 without a line, or while a loan is outstanding).
        belief_mean, belief_precision: (n, P) float32 believed long-run relative yield effect of each practice
            and the precision (1/variance) of that belief (``sim.behaviour.learning``).
        belief_at_adoption, support_at_adoption: (n, P) float32 the belief, and the incentive value of the practice
            (currency/ha/yr), when the farm last adopted it (to record why it drops it).
        yield_kg_per_ha, income_per_farm: (n,) float64 last season's realised values (NaN before the first step).

    """

    bundle: np.ndarray
    uses: np.ndarray
    years_in_use: np.ndarray
    full_ca_years: np.ndarray
    hires: np.ndarray
    savings: np.ndarray
    credit_access: np.ndarray
    credit_line_loan: np.ndarray
    belief_mean: np.ndarray
    belief_precision: np.ndarray
    belief_at_adoption: np.ndarray
    support_at_adoption: np.ndarray
    yield_kg_per_ha: np.ndarray
    income_per_farm: np.ndarray

    @classmethod
    def start(cls, parameters: FarmParameters, start: InitialState) -> FarmerTable:
        """The table at the start."""
        n = start.bundle.size
        uses = USES_BY_MASK[start.bundle]
        return cls(
            **{f.name: getattr(parameters, f.name) for f in fields(FarmParameters)},
            bundle=start.bundle.copy(),
            uses=uses,
            years_in_use=start.years_in_use.astype(np.int16),
            full_ca_years=full_ca_seasons(start.years_in_use, start.bundle),
            hires=start.hires.copy(),
            savings=start.savings.astype(np.float64),
            credit_access=start.credit_access.copy(),
            credit_line_loan=np.zeros(n),
            belief_mean=start.belief_mean,
            belief_precision=start.belief_precision,
            belief_at_adoption=start.belief_mean.copy(),
            support_at_adoption=np.zeros(uses.shape, np.float32),
            yield_kg_per_ha=np.full(n, np.nan),
            income_per_farm=np.full(n, np.nan),
        )

    @property
    def bundle_seasons(self) -> np.ndarray:
        """(n,) seasons each farm has used its current bundle: the longest-used practice in it (0 if conventional)."""
        return self.years_in_use.max(axis=1, initial=0)

    @property
    def n(self) -> int:
        """Number of farms."""
        return int(self.bundle.size)

    def adopt(self, choice: Choice, catalogue: Catalogue) -> Adoption:
        """Farms switch to the chosen practices: seasons in use advance (0 when dropped).

        One-off costs are paid for practices started with the farm's own means (not no-till by a hire service).
        """
        new_uses = np.empty(self.uses.shape, bool)
        transition = np.empty(self.n)
        new_bundle = choice.bundle
        advance_practices(self.bundle, new_bundle, choice.hires, USES_BY_MASK, FULL_CA_BY_MASK,
                          catalogue.transition_cost_per_ha, NO_TILL, self.area_ha, self.years_in_use,
                          self.full_ca_years, new_uses, transition)
        changed = np.flatnonzero(new_bundle != self.bundle)
        disadopted = (self.bundle != 0) & (new_bundle == 0)
        self.bundle = new_bundle
        self.uses = new_uses
        self.hires = choice.hires
        return Adoption(transition_cost=transition, changed=changed, disadopted=disadopted, dropped=choice.dropped)


def full_ca_seasons(years_in_use: np.ndarray, bundle: np.ndarray) -> np.ndarray:
    """(n,) int16 seasons under full CA: those of its most recent component (no-till, soil cover, rotation)."""
    no_till, cover, residue, rotation = (years_in_use[:, i].astype(np.int64) for i in range(years_in_use.shape[1]))
    seasons = np.minimum(np.minimum(no_till, np.maximum(cover, residue)), rotation)
    return np.where(FULL_CA_BY_MASK[bundle], seasons, 0).astype(np.int16)


@njit(cache=True, parallel=True)
def advance_practices(old_bundle, new_bundle, hires, uses_by_mask, full_ca_by_mask, transition_cost_per_ha,
                      no_till_index, area_ha, years_in_use, full_ca_years, new_uses, transition_cost
                      ):  # pragma: no cover - compiled
    """Practices in use next season: seasons in use advance (0 when dropped), one-off costs of practices started.

    Fills ``new_uses`` (n, P) and ``transition_cost`` (currency per farm: sum of the started practices' cost per ha
    x area, except no-till started with a hire service); updates ``years_in_use`` and ``full_ca_years`` in place.
    """
    n, n_practices = years_in_use.shape
    for i in prange(n):
        old, new = old_bundle[i], new_bundle[i]
        cost = 0.0
        for p in range(n_practices):
            used = uses_by_mask[new, p]
            new_uses[i, p] = used
            if used:
                years_in_use[i, p] += 1
                if not uses_by_mask[old, p] and not (p == no_till_index and hires[i]):
                    cost += transition_cost_per_ha[p]
            else:
                years_in_use[i, p] = 0
        transition_cost[i] = cost * area_ha[i]
        full_ca_years[i] = full_ca_years[i] + 1 if full_ca_by_mask[new] else 0
