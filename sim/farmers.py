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

from sim.practices import FULL_CA_BY_MASK, USES_BY_MASK, Catalogue, is_full_ca, parse_bundle, practice_matrix
from sim.scenario import Scenario
from sim.scenario.farms import Region
from sim.scenario.years import interpolate_by_year

if TYPE_CHECKING:
    from sim.behaviour.learning import Learning

#: Farmers who use practices at the start have used them for 1 to this many seasons (uniform draw). Assumption:
#: the model starts in a population whose adopters took up their practices over the previous decade; with
#: ``belief_memory`` < 0.9 a farmer's initial belief keeps fewer seasons than this anyway.
MAX_INITIAL_SEASONS_IN_USE = 10


def allocate_farmers(scenario: Scenario, n_farmers: int | None) -> list[int]:
    """Farmers per region: as in the file, or ``n_farmers`` split by the file's regional shares.

    Uses the largest-remainder method so the counts add up to ``n_farmers`` exactly; each region keeps
    at least one farmer.
    """
    counts = np.array([r.farmers for r in scenario.regions.values()], dtype=np.float64)
    if n_farmers is None:
        return [int(c) for c in counts]
    if n_farmers < len(counts):
        raise ValueError(f"--farmers {n_farmers} is fewer than the {len(counts)} regions")
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

    @property
    def seeder_access_changes(self) -> bool:
        """True when some region's access to no-till equipment follows a path over the years."""
        return any(spec.seeder_access_by_year is not None for spec in self.specs)

    def seeder_access_in(self, year: int) -> list[float]:
        """Share of farmers of each region with access to no-till equipment in ``year``."""
        return [spec.seeder_access if spec.seeder_access_by_year is None
                else float(interpolate_by_year(spec.seeder_access_by_year, year)) for spec in self.specs]


@dataclass
class FarmParameters:
    """Fixed per-farm parameters (arrays of length n), drawn or gathered from the farm's region."""

    region: np.ndarray  # int16
    area_ha: np.ndarray  # float64, ha
    crop_price_per_t: np.ndarray  # float64, currency/t
    base_yield_kg_per_ha: np.ndarray  # float64, conventional yield at the region's reference SOC
    production_cost_per_ha: np.ndarray  # float64, currency/ha/yr
    residue_value_per_ha: np.ndarray  # float64, fodder value forgone when residue is retained, currency/ha/yr
    seeder_draw: np.ndarray  # float64, fixed uniform draw: access to no-till equipment when below the region's share
    credit_access: np.ndarray  # bool

    @classmethod
    def draw(cls, scenario: Scenario, regions: Regions, rng: np.random.Generator) -> FarmParameters:
        """Draw farm sizes and access to seeders and credit for every farmer (in this order, from ``rng``)."""
        specs = regions.specs
        n = regions.n

        def per_farm(attribute: str) -> np.ndarray:
            return regions.per_farm(np.array([getattr(r, attribute) for r in specs], dtype=np.float64))

        area = per_farm("farm_size_median_ha") * np.exp(per_farm("farm_size_sigma") * rng.standard_normal(n))
        seeder_draw = rng.random(n)
        credit = rng.random(n) < per_farm("credit_access")
        return cls(
            region=regions.per_farm(np.arange(len(specs), dtype=np.int16)),
            area_ha=area,
            crop_price_per_t=per_farm("crop_price_per_t"),
            base_yield_kg_per_ha=per_farm("base_yield_kg_per_ha"),
            production_cost_per_ha=per_farm("production_cost_per_ha"),
            residue_value_per_ha=per_farm("residue_livestock_value_per_ha"),
            seeder_draw=seeder_draw,
            credit_access=credit,
        )


def initial_bundles(scenario: Scenario, sizes: list[int] | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bundle mask of each farmer at the start, drawn so each region matches its initial adoption shares.

    Exactly round(share x farmers) farmers of a region use each bundle (largest remainder), placed at random.
    """
    out = []
    for spec, n in zip(scenario.regions.values(), sizes, strict=True):
        masks = [parse_bundle(b) for b in spec.initial_adoption]
        exact = np.array(list(spec.initial_adoption.values())) * n
        counts = np.floor(exact).astype(np.int64)
        short = int(round(exact.sum())) - int(counts.sum())
        counts[np.argsort(-(exact - counts), kind="stable")[:max(short, 0)]] += 1
        bundle = np.zeros(n, np.uint8)
        bundle[: counts.sum()] = np.repeat(np.array(masks, np.uint8), counts)
        out.append(rng.permutation(bundle))
    return np.concatenate(out) if out else np.zeros(0, np.uint8)


@dataclass
class Adoption:
    """What changing bundles did this season."""

    transition_cost: np.ndarray  # (n,) one-off cost of the practices each farm started, currency
    changed: np.ndarray  # row indices of farms whose bundle changed
    disadopted: np.ndarray  # (n,) bool, dropped every practice


@dataclass
class FarmerTable(FarmParameters):
    """Every farmer's parameters (``FarmParameters``) and state, as arrays with one row per farm.

    State:
        seeder_access: (n,) bool, access to no-till equipment this year.
        bundle: (n,) uint8 practice bit mask in use.
        uses: (n, P) bool practices in use (``bundle`` unpacked).
        years_in_use: (n, P) int16 seasons each practice has been in use, this season included.
        full_ca_years: (n,) int16 seasons under full CA.
        belief_mean, belief_precision: (n, P) float32 believed long-run relative yield effect of each practice
            and the precision (1/variance) of that belief (``sim.behaviour.learning``).
        yield_kg_per_ha, income_per_farm: (n,) float64 last season's realised values (NaN before the first step).

    """

    seeder_access: np.ndarray
    bundle: np.ndarray
    uses: np.ndarray
    years_in_use: np.ndarray
    full_ca_years: np.ndarray
    belief_mean: np.ndarray
    belief_precision: np.ndarray
    yield_kg_per_ha: np.ndarray
    income_per_farm: np.ndarray

    @classmethod
    def start(cls, parameters: FarmParameters, regions: Regions, start_year: int, bundles: np.ndarray,
              learning: Learning, catalogue: Catalogue, rng: np.random.Generator) -> FarmerTable:
        """The table at the start: ``bundles`` in use for 1-``MAX_INITIAL_SEASONS_IN_USE`` seasons already.

        Initial beliefs reflect those seasons (``learning.initial_beliefs``).
        """
        n = bundles.size
        uses = practice_matrix(bundles)
        established = rng.integers(1, MAX_INITIAL_SEASONS_IN_USE + 1, size=n, dtype=np.int16)
        years_in_use = np.where(uses, established[:, None], 0).astype(np.int16)
        belief_mean, belief_precision = learning.initial_beliefs(years_in_use, catalogue, parameters.region)
        return cls(
            **{f.name: getattr(parameters, f.name) for f in fields(FarmParameters)},
            seeder_access=parameters.seeder_draw < regions.per_farm(regions.seeder_access_in(start_year)),
            bundle=bundles.copy(),
            uses=uses,
            years_in_use=years_in_use,
            full_ca_years=np.where(is_full_ca(uses), established, 0).astype(np.int16),
            belief_mean=belief_mean,
            belief_precision=belief_precision,
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

    def update_seeder_access(self, regions: Regions, year: int) -> None:
        """Access to no-till equipment in ``year`` (regions with an access path over the years)."""
        if regions.seeder_access_changes:
            self.seeder_access = self.seeder_draw < regions.per_farm(regions.seeder_access_in(year))

    def adopt(self, new_bundle: np.ndarray, catalogue: Catalogue) -> Adoption:
        """Farms switch to ``new_bundle``: seasons in use advance (0 when dropped); one-off costs of new practices."""
        new_uses = np.empty(self.uses.shape, bool)
        transition = np.empty(self.n)
        advance_practices(self.bundle, new_bundle, USES_BY_MASK, FULL_CA_BY_MASK, catalogue.transition_cost_per_ha,
                          self.area_ha, self.years_in_use, self.full_ca_years, new_uses, transition)
        changed = np.flatnonzero(new_bundle != self.bundle)
        disadopted = (self.bundle != 0) & (new_bundle == 0)
        self.bundle = new_bundle
        self.uses = new_uses
        return Adoption(transition_cost=transition, changed=changed, disadopted=disadopted)


@njit(cache=True, parallel=True)
def advance_practices(old_bundle, new_bundle, uses_by_mask, full_ca_by_mask, transition_cost_per_ha, area_ha,
                      years_in_use, full_ca_years, new_uses, transition_cost):  # pragma: no cover - compiled
    """Practices in use next season: seasons in use advance (0 when dropped), one-off costs of practices started.

    Fills ``new_uses`` (n, P) and ``transition_cost`` (currency per farm: sum of the started practices'
    cost per ha x area); updates ``years_in_use`` and ``full_ca_years`` in place.
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
                if not uses_by_mask[old, p]:
                    cost += transition_cost_per_ha[p]
            else:
                years_in_use[i, p] = 0
        transition_cost[i] = cost * area_ha[i]
        full_ca_years[i] = full_ca_years[i] + 1 if full_ca_by_mask[new] else 0
