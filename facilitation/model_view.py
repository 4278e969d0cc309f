"""What the facilitation package reads from a running model, in one place.

The story, the animation and the dashboard need a few arrays of the model's state (practices of each farm, the
network, the regions); every such read goes through this module, so a change of the model's internals is
one edit here.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

import sim
from sim.incentives.prices import guaranteed
from sim.practices import FULL_CA_BY_MASK, PRACTICES, USES_BY_MASK


def bundles(model: sim.AdoptionModel) -> np.ndarray:
    """Practice bundle (bit mask) of every farm, shape (farms,)."""
    return model.farms.bundle


def uses(bundle: np.ndarray, practice: str) -> np.ndarray:
    """True where a bundle mask includes ``practice`` ("no_till", "cover_crops", ...), shape of ``bundle``."""
    return USES_BY_MASK[bundle][..., PRACTICES.index(practice)]


def is_full_ca(bundle: np.ndarray) -> np.ndarray:
    """True where a bundle mask is full Conservation Agriculture, shape (farms,)."""
    return FULL_CA_BY_MASK[bundle]


def farm_regions(model: sim.AdoptionModel) -> np.ndarray:
    """Region index of every farm (order of the scenario's regions), shape (farms,)."""
    return model.farms.region


def region_blocks(model: sim.AdoptionModel) -> list[tuple[int, int]]:
    """(first farm, number of farms) of each region: farms of a region are contiguous."""
    return [(int(start), int(size)) for start, size in zip(model.regions.start, model.regions.sizes, strict=True)]


def villages(model: sim.AdoptionModel) -> np.ndarray:
    """Village index of every farm, shape (farms,); villages are numbered in farm order within a region."""
    return model.network.village


def demo_farms(model: sim.AdoptionModel) -> np.ndarray:
    """Indices of the demonstration farms."""
    return model.network.demo


def adjacency(model: sim.AdoptionModel) -> sp.csr_matrix | None:
    """The farm network (farms x farms, CSR), or None when farmers are fully mixed."""
    return model.network.adjacency


def exchange_pairs(model: sim.AdoptionModel) -> list[np.ndarray]:
    """Farm pairs (m, 2) of each exchange table of the scenario (first column in its first region)."""
    return model.network.exchange_pairs


def current_year(model: sim.AdoptionModel) -> int:
    """Calendar year of the model's current state."""
    return int(model.year)


def scenario_of(model: sim.AdoptionModel) -> sim.Scenario:
    """The scenario the model was built from (overrides applied)."""
    return model.config


def market_price(model: sim.AdoptionModel) -> float:
    """Carbon market price this year, in the scenario's currency per t CO2e."""
    return float(model.incentives.carbon.market_price(model.year))


def project_price(model: sim.AdoptionModel) -> float:
    """The price projects are paid this year: the market price clipped to the scenario's [floor, ceiling].

    In the scenario's currency per t CO2e; a farm on a fixed-price contract keeps the price of its enrolment year.
    """
    return float(guaranteed(model.incentives.carbon.spec.price, market_price(model)))


def carbon_market_pays(model: sim.AdoptionModel) -> bool:
    """Whether the scenario's carbon market can ever pay: a positive market price in some year, or a price floor.

    (A Twin Regions market is apart: ``scenario_of(model).twin_market``.)
    """
    carbon = model.incentives.carbon
    return bool(carbon.prices.max() > 0 or carbon.spec.price.floor > 0)
