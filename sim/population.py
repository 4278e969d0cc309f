"""The farmer population as a struct of arrays: per-farm parameters (fixed) and state (changes every year).

Farmers of one region occupy one contiguous block of indices, in the scenario's region order, so regional
aggregates are ``np.add.reduceat`` over ``region_start``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.practices import N_PRACTICES, is_full_ca, parse_bundle, practice_matrix
from sim.scenario import Scenario


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


@dataclass
class FarmParameters:
    """Fixed per-farm parameters (arrays of length n), gathered from the farm's region."""

    region: np.ndarray  # int16
    area_ha: np.ndarray  # float64, ha
    crop_price_per_t: np.ndarray  # float64, currency/t
    base_yield_kg_per_ha: np.ndarray
    production_cost_per_ha: np.ndarray
    residue_value_per_ha: np.ndarray
    seeder_access: np.ndarray  # bool, this year's access (see ``seeder_draw``)
    seeder_draw: np.ndarray  # float, fixed uniform draw: access when below the region's share of the year
    credit_access: np.ndarray  # bool
    threshold: np.ndarray  # float64, Granovetter threshold (share of neighbours)


@dataclass
class FarmerState:
    """Per-farm state that changes each year.

    Attributes:
        bundle: practice bit mask in use (uint8).
        years_in_use: (n, N_PRACTICES) seasons each practice has been in use, this season included (int16).
        full_ca_years: seasons under full CA (int16).
        belief_mean: (n, N_PRACTICES) believed long-run relative yield effect of each practice (float32).
        belief_precision: (n, N_PRACTICES) precision (1/variance) of that belief (float32).
        yield_kg_per_ha, income_per_farm: last year's realised values (float64).
        enrolled: enrolled in the carbon programme last year (bool).

    """

    bundle: np.ndarray
    years_in_use: np.ndarray
    full_ca_years: np.ndarray
    belief_mean: np.ndarray
    belief_precision: np.ndarray
    yield_kg_per_ha: np.ndarray = field(default_factory=lambda: np.empty(0))
    income_per_farm: np.ndarray = field(default_factory=lambda: np.empty(0))
    enrolled: np.ndarray = field(default_factory=lambda: np.empty(0, bool))


def build_parameters(scenario: Scenario, sizes: list[int], rng: np.random.Generator) -> FarmParameters:
    """Draw farm sizes, access to seeders and credit, and thresholds for every farmer."""
    regions = list(scenario.regions.values())
    counts = np.asarray(sizes)
    region = np.repeat(np.arange(len(regions), dtype=np.int16), counts)
    n = int(counts.sum())

    def per_farm(attribute: str) -> np.ndarray:
        return np.repeat(np.array([getattr(r, attribute) for r in regions], dtype=np.float64), counts)

    median = per_farm("farm_size_median_ha")
    sigma = per_farm("farm_size_sigma")
    area = median * np.exp(sigma * rng.standard_normal(n))
    seeder_draw = rng.random(n)
    access = np.repeat([r.seeder_access_in(scenario.start_year) for r in regions], counts)
    seeder = seeder_draw < access
    credit = rng.random(n) < per_farm("credit_access")
    if scenario.decision.threshold is not None:
        t = scenario.decision.threshold
        threshold = np.clip(rng.normal(t.mean, t.sd, n), 0.0, 1.0)
    else:
        threshold = np.ones(n)
    return FarmParameters(
        region=region,
        area_ha=area,
        crop_price_per_t=per_farm("crop_price_per_t"),
        base_yield_kg_per_ha=per_farm("base_yield_kg_per_ha"),
        production_cost_per_ha=per_farm("production_cost_per_ha"),
        residue_value_per_ha=per_farm("residue_livestock_value_per_ha"),
        seeder_access=seeder,
        seeder_draw=seeder_draw,
        credit_access=credit,
        threshold=threshold,
    )


def initial_bundles(scenario: Scenario, sizes: list[int], rng: np.random.Generator) -> np.ndarray:
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


def initial_state(
    scenario: Scenario, bundles: np.ndarray, rng: np.random.Generator, long_run_effects: np.ndarray,
    effect_table: np.ndarray,
) -> FarmerState:
    """State at the start: practices in use for 1-10 seasons already, and beliefs that reflect it.

    Everyone starts from the scenario's prior (true long-run effect + bias, sd ``prior_yield_belief_sd``); a
    farmer already using a practice has also seen it on its own farm for its seasons of use (at most the
    1 / (1 - belief_memory) seasons that memory keeps): a precision-weighted update towards the mean effect of
    those seasons, as the yearly learning rule would have made.

    Args:
        scenario: the scenario (decision priors).
        bundles: initial bundle masks.
        rng: random generator.
        long_run_effects: true long-run relative yield effect of each practice, shape (N_PRACTICES,).
        effect_table: each practice's effect by seasons in use (``sim.yields.ramp_table``), shape (T + 1, P).

    """
    n = bundles.size
    uses = practice_matrix(bundles)  # (n, N_PRACTICES)
    established = rng.integers(1, 11, size=n, dtype=np.int16)
    years_in_use = np.where(uses, established[:, None], 0).astype(np.int16)
    d = scenario.decision
    prior = long_run_effects + d.prior_yield_belief_bias
    prior_precision = 1.0 / d.prior_yield_belief_sd**2
    seasons = np.arange(1, 11)
    rows = effect_table[np.minimum(seasons, effect_table.shape[0] - 1)]  # (10, P) effect in seasons 1..10
    seen_mean = np.cumsum(rows, axis=0) / seasons[:, None]  # mean effect seen after 1..10 seasons
    remembered = np.minimum(years_in_use, 1.0 / max(1.0 - d.belief_memory, 1e-9))
    evidence = remembered / d.observation_sd**2
    observed = seen_mean[np.maximum(years_in_use, 1) - 1, np.arange(N_PRACTICES)]
    belief_precision = (prior_precision + evidence).astype(np.float32)
    belief_mean = ((prior_precision * prior + evidence * observed) / belief_precision).astype(np.float32)
    return FarmerState(
        bundle=bundles.copy(),
        years_in_use=years_in_use,
        full_ca_years=np.where(is_full_ca(uses), established, 0).astype(np.int16),
        belief_mean=belief_mean,
        belief_precision=belief_precision,
        yield_kg_per_ha=np.full(n, np.nan),
        income_per_farm=np.full(n, np.nan),
        enrolled=np.zeros(n, bool),
    )
