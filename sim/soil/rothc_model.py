"""RothC as the farm model's soil: twelve RothC months per model year for every farm at once.

Carbon inputs come from the farm's crop and practices (t C/ha/yr), entering at the harvest month:
    crop residue and roots = C_f x Y/1000 x [(1 - HI)/HI x (1 if residue retained else stubble share)
                                               + R:S / HI]
    + cover crop input (at the last cover-crop month, when cover crops are used) + manure,
with Y the farm's last realised yield (kg/ha), HI the harvest index, R:S the root:shoot ratio and C_f the carbon
fraction of dry matter. The soil is covered in the crop months, and also in the cover-crop months when cover
crops are used. No-till can multiply the decomposition rate by ``no_till_rate_modifier`` (1 = off, default).
Farms start at the analytic RothC equilibrium of their initial management at the region's base yield; IOM is
Falloon's estimate from that equilibrium SOC.
"""

from __future__ import annotations

import numpy as np

from sim.practices import N_PRACTICES, PRACTICES, USES_BY_MASK
from sim.scenario import Scenario
from sim.soil.rothc import (
    PAN_COEFFICIENT,
    MoistureLimits,
    RothCState,
    co2_to_biohum_ratio,
    cover_rate,
    decompose_and_add,
    falloon_iom,
    moisture_step,
    temperature_rate,
)
from sim.soil.rothc_spinup import MonthlyInputs, equilibrium, plant_input_for_soc

N_MASKS = 1 << N_PRACTICES
NO_TILL = PRACTICES.index("no_till")
COVER = PRACTICES.index("cover_crops")
RESIDUE = PRACTICES.index("residue_retention")


class RothCSoil:
    """Monthly RothC pools of all farms, advanced a year at a time.

    Args:
        scenario: the scenario (``soil.model = "rothc"``, regions with ``rothc`` tables).
        region: region index of each farm (regions in contiguous blocks, scenario order).
        bundles: initial bundle mask of each farm.

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, bundles: np.ndarray) -> None:
        specs = list(scenario.regions.values())
        self.transition_years = scenario.soil.transition_years
        settings = scenario.soil.rothc
        self.dpm_rpm_ratio = settings.dpm_rpm_ratio
        self.no_till_rate = settings.no_till_rate_modifier
        self.region = region
        self.sizes = np.bincount(region, minlength=len(specs))
        r = [s.rothc for s in specs]
        self.temp = np.array([x.temp_c for x in r])  # (R, 12)
        self.rain = np.array([x.rain_mm for x in r])
        self.evap = np.array([x.evap_mm for x in r])
        self.crop_cover = np.array([[m + 1 in x.crop_months for m in range(12)] for x in r])  # (R, 12)
        self.cover_crop_cover = np.array([[m + 1 in x.cover_crop_months for m in range(12)] for x in r])
        self.harvest_month = np.array([x.harvest_month - 1 for x in r])
        self.cover_input_month = np.array([max(x.cover_crop_months, default=x.harvest_month) - 1 for x in r])
        self.residue_c_per_kg = np.array([x.carbon_fraction * (1 - x.harvest_index) / x.harvest_index / 1000 for x in r])
        self.root_c_per_kg = np.array([x.carbon_fraction * x.root_shoot_ratio / x.harvest_index / 1000 for x in r])
        self.stubble = np.array([x.stubble_share for x in r])
        self.cover_input = np.array([x.cover_crop_input_t_c_per_ha for x in r])
        self.manure = np.array([x.manure_t_c_per_ha for x in r])
        clay = np.array([x.clay_pct for x in r])
        depth = np.array([x.depth_cm for x in r])
        self._r_x = co2_to_biohum_ratio(clay)
        self._r_limits = MoistureLimits.from_soil(clay, depth)
        base_yield = np.array([s.base_yield_kg_per_ha for s in specs])
        self.background_c = np.zeros(len(specs))
        self.input_scale = self._calibrate([x.calibrate_to_soc_t_c_per_ha for x in r], base_yield)

        # equilibrium of every (region, bundle) at the base yield: decisions' expectations and initial pools
        table_states = self._equilibria(base_yield)
        self.equilibrium_table = table_states.soc.reshape(len(specs), N_MASKS)
        index = region.astype(np.int64) * N_MASKS + bundles
        self.iom_by_region = table_states.iom.reshape(len(specs), N_MASKS)[:, 0]
        self.state = RothCState(
            dpm=table_states.dpm[index], rpm=table_states.rpm[index], bio=table_states.bio[index],
            hum=table_states.hum[index], iom=self.iom_by_region[region], deficit_mm=table_states.deficit_mm[index],
            co2=np.zeros(region.size))
        # re-express the table with each region's IOM (initial farms use the conventional farm's IOM)
        active = (table_states.soc - table_states.iom).reshape(len(specs), N_MASKS)
        self.equilibrium_table = active + self.iom_by_region[:, None]
        self.bundle = bundles.copy()
        self.yield_kg_per_ha = base_yield[region].astype(np.float64)
        self.x = self._r_x[region]
        self.limits = MoistureLimits(*(np.repeat(v, self.sizes) for v in
                                       (self._r_limits.max_deficit, self._r_limits.one_bar, self._r_limits.bare)))

    # ------------------------------------------------------------------------------------------------ inputs
    def _yearly_inputs(self, region: np.ndarray, bundle: np.ndarray, yield_kg: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """(crop residue + root C at harvest, cover-crop C) in t C/ha/yr for farms of ``region`` using ``bundle``."""
        uses = USES_BY_MASK[bundle]
        residue_share = np.where(uses[:, RESIDUE], 1.0, self.stubble[region])
        crop = yield_kg * (self.residue_c_per_kg[region] * residue_share + self.root_c_per_kg[region])
        crop = crop + self.manure[region] + self.background_c[region]
        cover = np.where(uses[:, COVER], self.cover_input[region], 0.0)
        return crop, cover

    def _monthly(self, region: np.ndarray, bundle: np.ndarray, yield_kg: np.ndarray) -> MonthlyInputs:
        """Twelve months of drivers, shape (12, n), for farms of ``region`` using ``bundle``."""
        crop, cover = self._yearly_inputs(region, bundle, yield_kg)
        uses = USES_BY_MASK[bundle]
        months = np.arange(12)[:, None]
        plant = np.where(months == self.harvest_month[region], crop, 0.0)
        plant = plant + np.where(months == self.cover_input_month[region], cover, 0.0)
        covered = self.crop_cover[region].T | (self.cover_crop_cover[region].T & uses[:, COVER])
        extra = np.where(uses[:, NO_TILL], self.no_till_rate, 1.0)
        return MonthlyInputs(temp_c=self.temp[region].T, rain_mm=self.rain[region].T, evap_mm=self.evap[region].T,
                             covered=covered, plant_c=plant, fym_c=np.zeros_like(plant),
                             dpm_rpm_ratio=self.dpm_rpm_ratio, extra_rate=np.broadcast_to(extra, plant.shape))

    def _calibrate(self, targets: list[float | None], base_yield: np.ndarray) -> np.ndarray:
        """Background plant input of each region (t C/ha/yr) that makes its conventional equilibrium equal the target.

        Inverse spin-up: the conventional input that reaches the target SOC, minus the allometric crop input. The
        background (roots and rhizodeposits not in the allometry, weeds, unmodelled inputs) is added at harvest for
        every farm whatever its practices, so practices change inputs by their own amounts. Regions without a
        target get 0.
        """
        self.background_c = np.zeros(len(targets))
        scale = np.ones(len(targets))
        for i, target in enumerate(targets):
            if target is None:
                continue
            region = np.array([i])
            inputs = self._monthly(region, np.zeros(1, np.int64), base_yield[region])
            limits = MoistureLimits(*(v[region] for v in (self._r_limits.max_deficit, self._r_limits.one_bar,
                                                          self._r_limits.bare)))
            scale[i] = plant_input_for_soc(inputs, self._r_x[region], limits, np.array([target]))[0]
            crop, _ = self._yearly_inputs(region, np.zeros(1, np.int64), base_yield[region])
            self.background_c[i] = (scale[i] - 1.0) * crop[0]
        if np.any(self.background_c < 0):
            worst = int(np.argmin(self.background_c))
            raise ValueError(f"RothC calibration: region {worst} reaches its target SOC with less than its crop's own "
                             f"carbon input (x {scale[worst]:.2f}); lower the allometric inputs or raise the target")
        return scale

    def _equilibria(self, base_yield: np.ndarray) -> RothCState:
        """Equilibrium of every (region, bundle mask) pair, IOM from Falloon's relation to total SOC."""
        n_regions = base_yield.size
        region = np.repeat(np.arange(n_regions), N_MASKS)
        bundle = np.tile(np.arange(N_MASKS), n_regions)
        inputs = self._monthly(region, bundle, base_yield[region])
        limits = MoistureLimits(*(v[region] for v in (self._r_limits.max_deficit, self._r_limits.one_bar,
                                                      self._r_limits.bare)))
        state = equilibrium(inputs, self._r_x[region], limits, iom=np.zeros(region.size))
        active = state.soc
        conventional = active.reshape(n_regions, N_MASKS)[:, 0]
        iom = np.zeros(n_regions)
        for _ in range(100):  # SOC = active + 0.049 SOC^1.139: a contraction, converges in a few steps
            iom = falloon_iom(conventional + iom)
        state.iom = iom[region]
        return state

    # ------------------------------------------------------------------------------------------- interface
    @property
    def stock_t_c_per_ha(self) -> np.ndarray:
        """Total SOC of each farm (IOM included), t C/ha."""
        return self.state.soc

    def set_management(self, farms: np.ndarray, bundles: np.ndarray) -> None:
        """Farms ``farms`` now use ``bundles``: inputs and soil cover change from the next month."""
        self.bundle[farms] = bundles

    def observe_yields(self, yield_kg_per_ha: np.ndarray) -> None:
        """Yields of the season just harvested: they set next year's residue and root inputs."""
        self.yield_kg_per_ha = yield_kg_per_ha

    def advance_year(self) -> np.ndarray:
        """Run twelve RothC months for every farm; return the change of SOC, t C/ha."""
        before = self.state.soc
        crop, cover = self._yearly_inputs(self.region, self.bundle, self.yield_kg_per_ha)
        uses = USES_BY_MASK[self.bundle]
        uses_cover = uses[:, COVER]
        extra = np.where(uses[:, NO_TILL], self.no_till_rate, 1.0) if self.no_till_rate != 1.0 else 1.0
        rm_temp = temperature_rate(self.temp)  # (R, 12): by region, not by farm
        water = self.rain - PAN_COEFFICIENT * self.evap
        for m in range(12):
            def per_farm(table: np.ndarray, month: int = m) -> np.ndarray:
                return np.repeat(table[:, month], self.sizes)

            covered = per_farm(self.crop_cover) | (per_farm(self.cover_crop_cover) & uses_cover)
            plant = np.where(np.repeat(self.harvest_month == m, self.sizes), crop, 0.0)
            plant += np.where(np.repeat(self.cover_input_month == m, self.sizes), cover, 0.0)
            self.state.deficit_mm, rm_moist = moisture_step(self.state.deficit_mm, per_farm(water), 0.0, covered,
                                                            self.limits)
            rate = per_farm(rm_temp) * rm_moist * cover_rate(covered) * extra
            decompose_and_add(self.state, rate, plant, 0.0, self.dpm_rpm_ratio, self.x)
        return self.state.soc - before

    def reference_stock(self, region: int) -> float:
        """Conventional RothC equilibrium of ``region`` at its base yield, t C/ha."""
        return float(self.equilibrium_table[region, 0])
