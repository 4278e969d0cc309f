"""Crediting baselines and eligibility: what a standard counts a farm's removals against, and who may be credited.

Baseline stock of a farm (t C/ha), by ``[carbon.baseline] method``:
  'modelled': its practice at the programme start (its pre-project practice, which it has used for at least the
    look-back years of VM0042 (3) or Gold Standard (5) in the model's initial state) modelled forward with the
    same soil model, under the yields of the counterfactual farm (the closest estimate of baseline yields);
  'fixed': its stock at the programme start (Gold Standard's fixed baseline).
The credited quantity of a farm is the change of (stock - baseline stock) since it enrolled.

Eligibility (a farm may enrol, and stays credited, while it is eligible): it uses a practice that is not common
practice in its region and, when ``new_practice_required``, that it did not use at the programme start. A practice
is common practice in a region when it is used on at least ``common_practice_threshold`` of the region's area at
the start (VM0042 v1.0: < 20 % of regional land; the top-3 weighted average rule is not modelled: a bundle
qualifies through any one non-common new practice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.practices import N_PRACTICES, USES_BY_MASK

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from sim.soil import SoilModel

#: Bit mask with every practice set.
ALL_PRACTICES = (1 << N_PRACTICES) - 1


def common_practices(bundle: np.ndarray, area_ha: np.ndarray, region: np.ndarray, n_regions: int,
                     threshold: float) -> np.ndarray:
    """(R,) bit mask of the practices used on at least ``threshold`` of each region's area (none when threshold > 1)."""
    uses = USES_BY_MASK[bundle]  # (n, P)
    area = np.bincount(region, weights=area_ha, minlength=n_regions)
    masks = np.zeros(n_regions, np.uint8)
    for p in range(N_PRACTICES):
        used = np.bincount(region, weights=np.where(uses[:, p], area_ha, 0.0), minlength=n_regions)
        share = np.divide(used, area, out=np.zeros(n_regions), where=area > 0)
        masks |= np.where(share >= threshold, np.uint8(1 << p), np.uint8(0))
    return masks


def eligible_under(candidates: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Whether farms of ``candidates`` (m,) (practices that make each eligible) are eligible under each bundle.

    masks (K,) -> (m, K); (m, 1) -> (m, 1).
    """
    masks = np.asarray(masks)
    if masks.ndim == 1:
        return (masks[None, :] & candidates[:, None]) != 0
    return (masks & candidates[:, None]) != 0


class CreditingBaseline:
    """Each farm's baseline (pre-project practice and stock) and the eligibility rule of the scenario's standard.

    Args:
        scenario: the scenario (``[carbon.baseline]``, the soil model to run forward).
        region: region of each farm. area_ha: farm areas.
        bundle: each farm's practice at the programme start. stock_t_c_per_ha: each farm's stock then.
        soil_builder: (scenario, region, bundle) -> the soil run forward: the farms' own soil model in its state at
            the programme start (a copy: ``sim.incentives.carbon``).

    Attributes:
        bundle: (n,) pre-project practice of each farm. common: (R,) common practices per region.
        candidates: (n,) the practices that make each farm eligible.

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, area_ha: np.ndarray, bundle: np.ndarray,
                 stock_t_c_per_ha: np.ndarray, soil_builder) -> None:
        spec = scenario.carbon.baseline
        self.region = region
        self.bundle = bundle.copy()
        threshold = spec.common_practice_threshold
        self.common = common_practices(bundle, area_ha, region, len(scenario.regions),
                                       threshold if threshold < 1.0 else np.inf)
        new = np.uint8(ALL_PRACTICES) & ~self.bundle if spec.new_practice_required else np.full_like(bundle, ALL_PRACTICES)
        self.candidates = new & ~self.common[region]
        self.soil: SoilModel | None = None
        self.fixed_t_c_per_ha = stock_t_c_per_ha.copy()
        if spec.method == "modelled":
            self.soil = soil_builder(scenario, region, self.bundle)

    @property
    def stock_t_c_per_ha(self) -> np.ndarray:
        """Baseline stock of every farm now, t C/ha."""
        return self.fixed_t_c_per_ha if self.soil is None else self.soil.stock_t_c_per_ha

    def equilibrium_t_c_per_ha(self, equilibrium_table: np.ndarray) -> np.ndarray:
        """Where each farm's baseline stock is heading, t C/ha (its pre-project practice's equilibrium, or fixed)."""
        if self.soil is None:
            return self.fixed_t_c_per_ha
        return equilibrium_table[self.region, self.bundle]

    def equilibrium_of(self, equilibrium_table: np.ndarray, farms: np.ndarray) -> np.ndarray:
        """``equilibrium_t_c_per_ha(equilibrium_table)[farms]``, looked up for those farms only, t C/ha."""
        if self.soil is None:
            return self.fixed_t_c_per_ha[farms]
        return equilibrium_table[self.region[farms], self.bundle[farms]]

    def advance_year(self, baseline_yields_kg_per_ha: np.ndarray) -> None:
        """Move the modelled baseline one year (after the farms' soil), then show it the season's yields."""
        if self.soil is not None:
            self.soil.advance_year()
            self.soil.observe_yields(baseline_yields_kg_per_ha)

    def eligible(self, farms: np.ndarray | slice, masks: np.ndarray) -> np.ndarray:
        """Whether each of ``farms`` would be eligible under each bundle: masks (K,) -> (m, K); (m, 1) -> (m, 1)."""
        return eligible_under(self.candidates[farms], masks)
