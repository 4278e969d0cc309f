"""RothC as the farm model's soil: twelve RothC months per model year for every farm at once.

Carbon inputs (t C/ha/yr), from documented allocations:
- crop, at the harvest month: grain C = Y/1000 x DM x C_f (Y the farm's last yield, kg/ha fresh grain at sale
  moisture, DM its dry-matter fraction, C_f the carbon fraction of dry matter), and per t of grain C the crop returns
  (R_S x s + R_R + R_E) / R_P: straw, roots and rhizodeposits in Bolinder et al.'s (2007) allocation of plant carbon,
  with s the share of straw left in the field (1 with residue retention or where conventional farms return residues,
  else the region's stubble share);
- cover crop, at its last month, when cover crops are used: shoot dry matter x C_f x (1 + (1 + exudation) / shoot:root)
  (the cover-crop allocation of Seitz et al. 2023, Plant Soil 488:157);
- farmyard manure, at the harvest month (split 0.49 / 0.49 / 0 / 0.02 to DPM / RPM / BIO / HUM);
- a background input, where the region matches a measured stock: the gap between the documented conventional input
  and the input that holds ``calibrate_to_soc_t_c_per_ha`` at equilibrium (inverse spin-up), the same for every farm
  whatever its practices, and capped at the region's ``max_background_input_ratio`` x the conventional crop input.
Soil cover follows the official rule: covered (rate modifier 0.6, soil may dry to the full deficit) in the crop months
and, with cover crops, in the cover-crop months; bare otherwise (how far it dries: ``soil.rothc.bare_soil_moisture``).
Tillage: with ``tillage_effect = "ipcc_tier1"`` decomposition under a bundle's tillage category is multiplied by the
rate modifier that makes the conventional equilibrium F_MG times larger, F_MG being the IPCC Tier 1 tillage factor of
the region's climate (the IPCC 2019 Tier 2 steady-state method also puts tillage on decomposition rates).
Farms whose past is known (the equilibrium start: ``sim.soil.build_soil``) start at the equilibrium of their oldest
bundle and run their past bundles year by year, each at the base yield times its long-run yield effect; otherwise
farms start at the equilibrium of conventional management at the region's base yield (IOM from Falloon's relation)
and farms already using a bundle then run it for their seasons of use at the base yield times its long-run yield
effect.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from scipy.optimize import brentq

from sim.ipcc import TILLAGE
from sim.practices import N_PRACTICES, PRACTICES, USES_BY_MASK, bundle_name
from sim.scenario import Scenario, ScenarioError
from sim.scenario.farms import MAX_SOC_PLATEAU_PCT
from sim.soil.factor_draws import run_tables
from sim.soil.rothc import (
    BIO_HUM_SPLIT,
    COVERED_RATE,
    DECAY_PER_YEAR,
    FYM_SPLIT,
    MIN_MOISTURE_RATE,
    MONTH,
    NO_DECOMPOSITION_BELOW_C,
    PAN_COEFFICIENT,
    MoistureLimits,
    RothCState,
    co2_to_biohum_ratio,
    falloon_iom,
    temperature_rate,
)
from sim.soil.rothc_spinup import MonthlyInputs, equilibrium, plant_input_for_soc
from sim.soil.tier1 import management_categories
from sim.units import grain_dry_matter_t_per_ha
from sim.yields import RegionYieldEffects

N_MASKS = 1 << N_PRACTICES
COVER = PRACTICES.index("cover_crops")
RESIDUE = PRACTICES.index("residue_retention")
#: The expectation's path runs this many times ``transition_years`` from the conventional equilibrium: a farm's
#: equivalent age is looked up in the first PATH_SPAN - 1 of them and it counts at most one more (40 + 20 seasons in
#: ``rothc_baseline.toml``); a farm further along reads the path's last pace (``expectation._path_share``).
PATH_SPAN = 3
#: Search interval of the tillage rate modifier (a factor of 3 either way covers every IPCC F_MG).
MODIFIER_BOUNDS = (1.0 / 3.0, 3.0)


class RothCSoil:
    """Monthly RothC pools of all farms, advanced a year at a time.

    Args:
        scenario: the scenario (``soil.model = "rothc"``, regions with ``rothc`` tables).
        region: region index of each farm.
        bundles: initial bundle mask of each farm.
        seasons: seasons each farm has used its initial bundle (0 for conventional farms).
        history: (n, H) uint8 each farm's bundles of the H years before, oldest first (``sim.soil.build_soil``); then
            ``seasons`` is not read.

    Attributes:
        crop_input_t_c_per_ha: (R,) conventional crop input at the base yield, t C/ha/yr.
        background_c: (R,) background input, t C/ha/yr (0 where no stock is matched).
        tillage_rate: (R, 16) decomposition-rate modifier of each bundle's tillage category.
        equilibrium_table: (R, 16) equilibrium SOC of each bundle at the base yield x its long-run yield effect.

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, bundles: np.ndarray, seasons: np.ndarray,
                 history: np.ndarray | None = None) -> None:
        specs = list(scenario.regions.values())
        settings = scenario.soil.rothc
        self.transition_years = scenario.soil.transition_years
        self.dpm_rpm_ratio = settings.dpm_rpm_ratio
        self.region = region
        r = [s.rothc for s in specs]
        crops = [scenario.crops[s.crop] for s in specs]
        self.temp = np.array([x.temp_c for x in r])  # (R, 12)
        self.water = np.array([x.rain_mm for x in r]) - PAN_COEFFICIENT * np.array([x.evap_mm for x in r])
        self.rm_temp = temperature_rate(self.temp)  # (R, 12)
        _refuse_frozen(list(scenario.regions), self.temp, self.rm_temp)
        self.crop_cover = np.array([[m + 1 in x.crop_months for m in range(12)] for x in r])  # (R, 12)
        self.cover_crop_cover = np.array([[m + 1 in x.cover_crop_months for m in range(12)] for x in r])
        self.harvest_month = np.array([x.harvest_month - 1 for x in r])
        self.cover_input_month = np.array([max(x.cover_crop_months, default=x.harvest_month) - 1 for x in r])
        grain_c_per_kg = np.array([grain_dry_matter_t_per_ha(1.0, c.grain_dry_matter_fraction) * c.carbon_fraction
                                   for c in crops])  # t C per kg of fresh grain
        conventional_share = [1.0 if s.residues_returned else x.stubble_share for s, x in zip(specs, r, strict=True)]
        #: (R, 2) crop C input per kg of fresh grain: [conventional straw share, all straw returned], t C/kg
        self.crop_c_per_kg = grain_c_per_kg[:, None] * np.array(
            [[c.input_per_t_grain_c(share), c.input_per_t_grain_c(1.0)]
             for c, share in zip(crops, conventional_share, strict=True)])
        per_shoot = settings.cover_crop_carbon_fraction * (
            1.0 + (1.0 + settings.cover_crop_root_exudation_factor) / settings.cover_crop_shoot_root_ratio)
        self.cover_input = np.array([x.cover_crop_shoot_dm_t_per_ha * per_shoot for x in r])
        self.manure = np.array([x.manure_t_c_per_ha for x in r])
        self.base_yield = np.array([s.base_yield_kg_per_ha for s in specs])
        self.yield_multiplier = RegionYieldEffects.of(scenario).long_run_multipliers()  # (R, 16)
        clay = np.array([x.clay_pct for x in r])
        self._x = co2_to_biohum_ratio(clay)
        self._limits = MoistureLimits.from_soil(clay, np.array([x.depth_cm for x in r]), settings.bare_soil_moisture)
        self.crop_input_t_c_per_ha = self.base_yield * self.crop_c_per_kg[:, 0]
        self.background_c = np.zeros(len(specs))
        self.tillage_rate = np.ones((len(specs), N_MASKS))
        self.iom_by_region = self._calibrate(scenario)
        if settings.tillage_effect == "ipcc_tier1":
            self.tillage_rate = self._tillage_modifiers(scenario)

        everything = np.arange(len(specs) * N_MASKS)
        #: equilibrium state of every (region, bundle), flattened as region x 16 + bundle
        self._equilibria_by_pair = self._equilibria(everything // N_MASKS, everything % N_MASKS)
        self.equilibrium_table = self._equilibria_by_pair.soc.reshape(len(specs), N_MASKS)
        _refuse_above_mineral(scenario, self.equilibrium_table)
        self.bundle = bundles.copy()
        self.yield_kg_per_ha = self.base_yield[region].astype(np.float64)
        self.x = self._x[region]
        self.limits = self._limits.take(region)
        if history is None:
            self.state = self._state_of(region.astype(np.int64) * N_MASKS)  # all at the conventional equilibrium
            self._use_for(bundles, seasons)
        else:
            self.state = self._state_of(region.astype(np.int64) * N_MASKS + bundles)  # at their bundle's equilibrium
            self._live_through(bundles, history)
        self._reached = {0: self.equilibrium_table[:, :1].repeat(N_MASKS, axis=1)}

    # ------------------------------------------------------------------------------------------------ inputs
    def _yearly_inputs(self, region: np.ndarray, bundle: np.ndarray, yield_kg: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """(crop + background plant C at harvest, cover-crop C) in t C/ha/yr for farms of ``region`` using ``bundle``."""
        uses = USES_BY_MASK[bundle]
        crop = yield_kg * self.crop_c_per_kg[region, uses[:, RESIDUE].astype(np.int64)] + self.background_c[region]
        cover = np.where(uses[:, COVER], self.cover_input[region], 0.0)
        return crop, cover

    def _monthly(self, region: np.ndarray, bundle: np.ndarray, yield_kg: np.ndarray, background: bool = True,
                 tillage: bool = True) -> MonthlyInputs:
        """Twelve months of drivers, shape (12, n), for farms of ``region`` using ``bundle`` (the reference path)."""
        crop, cover = self._yearly_inputs(region, bundle, yield_kg)
        if not background:
            crop = crop - self.background_c[region]
        uses = USES_BY_MASK[bundle]
        months = np.arange(12)[:, None]
        plant = np.where(months == self.harvest_month[region], crop, 0.0)
        plant = plant + np.where(months == self.cover_input_month[region], cover, 0.0)
        fym = np.where(months == self.harvest_month[region], self.manure[region], 0.0)
        covered = self.crop_cover[region].T | (self.cover_crop_cover[region].T & uses[:, COVER])
        rate = self.tillage_rate[region, bundle] if tillage else np.ones(region.size)
        return MonthlyInputs(temp_c=self.temp[region].T, rain_mm=self.water[region].T, evap_mm=np.zeros_like(plant),
                             covered=covered, plant_c=plant, fym_c=fym, dpm_rpm_ratio=self.dpm_rpm_ratio,
                             extra_rate=np.broadcast_to(rate, plant.shape))

    # ------------------------------------------------------------------------------------------- start-up
    def _calibrate(self, scenario: Scenario) -> np.ndarray:
        """Fit each region's background input to its target stock (inverse spin-up); return IOM by region, t C/ha.

        Without a target the background is 0 and IOM is Falloon's estimate at the documented inputs' equilibrium.
        """
        names = list(scenario.regions)
        specs = [s.rothc for s in scenario.regions.values()]
        n_regions = len(names)
        region = np.arange(n_regions)
        conventional = np.zeros(n_regions, np.int64)
        inputs = self._monthly(region, conventional, self.base_yield, background=False, tillage=False)
        iom = np.zeros(n_regions)
        for i, spec in enumerate(specs):
            target, max_ratio = spec.calibrate_to_soc_t_c_per_ha, spec.max_background_input_ratio
            one = np.array([i])
            single = MonthlyInputs(**{k: v[:, one] if np.ndim(v) == 2 else v for k, v in inputs.__dict__.items()})
            if target is None:
                active = equilibrium(single, self._x[one], self._limits.take(one), iom=np.zeros(1)).soc[0]
                iom[i] = _falloon_fixed_point(active)
                continue
            scale = plant_input_for_soc(single, self._x[one], self._limits.take(one), np.array([target]))[0]
            crop = self.crop_input_t_c_per_ha[i]
            self.background_c[i] = (scale - 1.0) * crop
            iom[i] = falloon_iom(target)
            where = f"regions.{names[i]}.rothc.calibrate_to_soc_t_c_per_ha"
            if self.background_c[i] < 0:
                raise ScenarioError(f"invalid scenario: {where}: {target} t C/ha is below the equilibrium of the "
                                    f"documented inputs alone (x {scale:.2f} of the crop input); expected a higher target")
            if self.background_c[i] > max_ratio * crop:
                raise ScenarioError(
                    f"invalid scenario: {where}: matching {target} t C/ha needs a background input of {self.background_c[i]:.2f} "
                    f"t C/ha/yr, {self.background_c[i] / crop:.1f} x the crop's own {crop:.2f}; more than "
                    f"regions.{names[i]}.rothc.max_background_input_ratio = {max_ratio} (the stock is not an "
                    "equilibrium of the documented inputs: omit the target, or document the missing input)")
        return iom

    def _tillage_modifiers(self, scenario: Scenario) -> np.ndarray:
        """(R, 16) rate modifier of each bundle's tillage category: RothC's conventional equilibrium x the run's F_MG.

        The run's factors: the published ones, or its draw (``soil.factor_uncertainty``, ``sim.soil.factor_draws``).
        """
        tables = run_tables(scenario)
        out = np.ones((len(scenario.regions), N_MASKS))
        for i, spec in enumerate(scenario.regions.values()):
            tillage, _ = management_categories(scenario, spec)
            one, conventional = np.array([i]), np.zeros(1, np.int64)
            inputs = self._monthly(one, conventional, self.base_yield[one], tillage=False)
            x, limits, iom = self._x[one], self._limits.take(one), self.iom_by_region[one]
            base = equilibrium(inputs, x, limits, iom).soc[0]
            for category in sorted(set(tillage) - {TILLAGE[0]}):
                wanted = base * tables.f_mg[spec.climate, category] / tables.f_mg[spec.climate, TILLAGE[0]]

                def gap(m: float, inputs: MonthlyInputs = inputs, wanted: float = wanted, x: np.ndarray = x,
                        limits: MoistureLimits = limits, iom: np.ndarray = iom) -> float:
                    scaled = MonthlyInputs(**{**inputs.__dict__, "extra_rate": m})
                    return equilibrium(scaled, x, limits, iom).soc[0] - wanted

                modifier = brentq(gap, *MODIFIER_BOUNDS, xtol=1e-12)
                out[i, [m for m in range(N_MASKS) if tillage[m] == category]] = modifier
        return out

    def _equilibria(self, region: np.ndarray, bundle: np.ndarray) -> RothCState:
        """Equilibrium of each (region, bundle) pair at the base yield x the bundle's long-run yield effect."""
        yield_kg = self.base_yield[region] * self.yield_multiplier[region, bundle]
        return equilibrium(self._monthly(region, bundle, yield_kg), self._x[region], self._limits.take(region),
                           iom=self.iom_by_region[region])

    def _state_of(self, pairs: np.ndarray) -> RothCState:
        """Equilibrium states of the (region x 16 + bundle) ``pairs``, as a new state (CO2 counters at 0)."""
        e = self._equilibria_by_pair
        return RothCState(dpm=e.dpm[pairs], rpm=e.rpm[pairs], bio=e.bio[pairs], hum=e.hum[pairs], iom=e.iom[pairs],
                          deficit_mm=e.deficit_mm[pairs], co2=np.zeros(pairs.size))

    def _use_for(self, bundles: np.ndarray, seasons: np.ndarray) -> None:
        """Farms using a bundle at the start run it from the conventional equilibrium for their seasons of use.

        Every farm of one (region, bundle, seasons) starts alike, so each such case runs once and is copied.
        """
        seasons = np.where(bundles != 0, np.asarray(seasons, dtype=np.int64), 0)
        farms = np.flatnonzero(seasons > 0)
        if farms.size == 0:
            return
        span = int(seasons.max()) + 1
        key = (self.region[farms].astype(np.int64) * N_MASKS + bundles[farms]) * span + seasons[farms]
        cases, which = np.unique(key, return_inverse=True)
        left, pair = cases % span, cases // span
        region, bundle = pair // N_MASKS, pair % N_MASKS
        sub = self._state_of(region * N_MASKS)  # each case from its region's conventional equilibrium
        yield_kg = self.base_yield[region] * self.yield_multiplier[region, bundle]
        ready = RothCState(*(None if v is None else v.copy() for v in sub.__dict__.values()))
        for year in range(1, int(left.max()) + 1):
            self._year(sub, region, bundle, yield_kg, self._x[region], self._limits.take(region))
            done = left == year
            for name, value in sub.__dict__.items():
                if value is not None:
                    getattr(ready, name)[..., done] = value[..., done]
        for name, value in ready.__dict__.items():
            if value is not None:
                getattr(self.state, name)[..., farms] = value[..., which]

    def _live_through(self, bundles: np.ndarray, history: np.ndarray) -> None:
        """Farms with another bundle in their ``history`` (n, H) than this season's ``bundles`` (n,) run their past.

        From the equilibrium of their oldest bundle, then this season, each year at its bundle's long-run yield (as
        ``_use_for``); the others stay at their bundle's equilibrium.
        """
        farms = np.flatnonzero((history != bundles[:, None]).any(axis=1))
        if farms.size == 0:
            return
        path = np.column_stack([history[farms], bundles[farms]]).astype(np.int64)
        region = self.region[farms].astype(np.int64)
        past = self._state_of(region * N_MASKS + path[:, 0])
        x, limits = self._x[region], self._limits.take(region)
        for year in range(1, path.shape[1]):
            bundle = path[:, year]
            self._year(past, region, bundle, self.base_yield[region] * self.yield_multiplier[region, bundle], x, limits)
        for name, value in past.__dict__.items():
            if value is not None:
                getattr(self.state, name)[..., farms] = value

    # ------------------------------------------------------------------------------------------- one year
    def _year(self, state: RothCState, region: np.ndarray, bundle: np.ndarray, yield_kg: np.ndarray, x: np.ndarray,
              limits: MoistureLimits) -> None:
        """Twelve months for the farms of ``state`` (in place): the compiled ``rothc_year`` on this year's inputs."""
        crop, cover = self._yearly_inputs(region, bundle, yield_kg)
        rothc_year(state.dpm, state.rpm, state.bio, state.hum, state.deficit_mm, state.co2, region, crop, cover,
                   USES_BY_MASK[bundle][:, COVER], self.tillage_rate[region, bundle], x, limits.max_deficit,
                   limits.one_bar, limits.bare, self.rm_temp, self.water, self.crop_cover, self.cover_crop_cover,
                   self.harvest_month, self.cover_input_month, self.manure, self.dpm_rpm_ratio)

    # ------------------------------------------------------------------------------------------- interface
    @property
    def stock_t_c_per_ha(self) -> np.ndarray:
        """Total SOC of each farm (IOM included), t C/ha."""
        return self.state.soc

    def set_management(self, farms: np.ndarray, bundles: np.ndarray) -> None:
        """Farms ``farms`` now use ``bundles``: inputs, cover and tillage change from the next month."""
        self.bundle[farms] = bundles

    def observe_yields(self, yield_kg_per_ha: np.ndarray) -> None:
        """Yields of the season just harvested: they set next year's crop inputs."""
        self.yield_kg_per_ha = yield_kg_per_ha

    def advance_year(self) -> np.ndarray:
        """Run twelve RothC months for every farm; return the change of SOC, t C/ha."""
        before = self.state.soc
        self._year(self.state, self.region, self.bundle.astype(np.int64), self.yield_kg_per_ha, self.x, self.limits)
        return self.state.soc - before

    def reference_stock(self, region: int) -> float:
        """Conventional RothC equilibrium of ``region`` at its base yield, t C/ha."""
        return float(self.equilibrium_table[region, 0])

    def stock_after_seasons(self, seasons: int) -> np.ndarray:
        """SOC of each (region, bundle) after ``seasons`` of use from the conventional equilibrium, (R, 16), t C/ha."""
        if seasons not in self._reached:
            self._run_paths(seasons)
        return self._reached[seasons]

    def _run_paths(self, seasons: int) -> None:
        """Every (region, bundle) from the conventional equilibrium for ``seasons`` years, each year's SOC kept."""
        pairs = np.arange(self.equilibrium_table.size)
        region, bundle = pairs // N_MASKS, pairs % N_MASKS
        state = self._state_of(region * N_MASKS)
        yield_kg = self.base_yield[region] * self.yield_multiplier[region, bundle]
        for year in range(1, seasons + 1):
            self._year(state, region, bundle, yield_kg, self._x[region], self._limits.take(region))
            self._reached.setdefault(year, state.soc.reshape(self.equilibrium_table.shape))

    def expectation_path(self) -> np.ndarray:
        """SOC of each (region, bundle) after s = 0 .. ``PATH_SPAN`` x D seasons from the conventional equilibrium.

        (R, PATH_SPAN x D + 1, 16), t C/ha: the path on which a farm's expectation reads its equivalent age
        (``sim.incentives.expectation``).
        """
        seasons = PATH_SPAN * self.transition_years
        if seasons not in self._reached:
            self._run_paths(seasons)
        start = np.broadcast_to(self.equilibrium_table[:, :1], self.equilibrium_table.shape)
        return np.stack([start] + [self._reached[s] for s in range(1, seasons + 1)], axis=1)


def _refuse_frozen(names: list[str], temp_c: np.ndarray, rm_temp: np.ndarray) -> None:
    """Refuse a region whose every month is too cold for RothC to decompose (``temp_c`` and its modifier, (R, 12)).

    With the temperature modifier 0 all year nothing decomposes: the yearly map is the identity, the soil has no
    equilibrium (carbon would accumulate without bound) and the spin-up's solve is singular (referee 45 m1).
    """
    for name, temps, rates in zip(names, temp_c, rm_temp, strict=True):
        if not rates.any():
            raise ScenarioError(
                f"invalid scenario: regions.{name}.rothc.temp_c: every month is below {NO_DECOMPOSITION_BELOW_C:g} C "
                f"(warmest {temps.max():g} C), where RothC's temperature rate modifier is 0: nothing decomposes, so "
                f"the soil has no equilibrium; expected at least one month at or above {NO_DECOMPOSITION_BELOW_C:g} C "
                "(mean monthly air temperature of a cropland climate)")


def _refuse_above_mineral(scenario: Scenario, table: np.ndarray) -> None:
    """Refuse a region whose RothC equilibria (``table`` (R, 16), t C/ha) exceed what a mineral soil's layer holds.

    The start (conventional) and every bundle of the region's practices, against the cap its calibration target
    already meets (``Region.mineral_soc_limit_t_c_per_ha``): without a target, a climate that barely decomposes
    (-4.9 C all year) gave 4,068 t C/ha in 0-30 cm, more carbon than the layer's 3,600 t of soil (referee 45 m2).
    """
    for i, (name, spec) in enumerate(scenario.regions.items()):
        limit = spec.mineral_soc_limit_t_c_per_ha()
        own = sum(1 << PRACTICES.index(p) for p in spec.behaviour.practices)
        bundles = [b for b in range(N_MASKS) if b & ~own == 0]
        worst = max(bundles, key=lambda b: (table[i, b], b))  # a tie: the higher mask
        if table[i, worst] > limit:
            raise ScenarioError(
                f"invalid scenario: regions.{name}.rothc: RothC's equilibria from the region's inputs and climate "
                f"exceed what a mineral soil's layer holds, {limit:,.0f} t C/ha ({MAX_SOC_PLATEAU_PCT:g} % organic "
                f"carbon x bulk_density_g_cm3 = {spec.bulk_density_g_cm3:g} x rothc.depth_cm = "
                f"{spec.rothc.depth_cm:g}): conventional {table[i, 0]:,.1f} t C/ha, "
                f"{bundle_name(worst)} {table[i, worst]:,.1f} t C/ha; expected the climate and inputs of mineral "
                "cropland (temp_c, rain_mm, evap_mm, inputs; the soil models are for mineral soils)")


def _falloon_fixed_point(active_t_c_per_ha: float) -> float:
    """IOM such that IOM = 0.049 (active + IOM)^1.139 (a contraction: converges in a few steps), t C/ha."""
    iom = 0.0
    for _ in range(100):
        iom = float(falloon_iom(active_t_c_per_ha + iom))
    return iom


@njit(cache=True, parallel=True)
def rothc_year(dpm, rpm, bio, hum, deficit_mm, co2, region, crop_c, cover_c, uses_cover, tillage_rate, x_ratio,
               max_deficit, one_bar, bare, rm_temp, water_mm, crop_cover, cover_crop_cover, harvest_month,
               cover_input_month, manure_c, dpm_rpm_ratio):  # pragma: no cover - compiled
    """Twelve RothC months for every farm, in place: ``month_step`` fused over the months of one year.

    Per farm (n,): pools, deficit and CO2 (t C/ha, mm), region, this year's crop and cover-crop C (t C/ha), cover
    crops used, tillage rate modifier, x = CO2 / (BIO + HUM), moisture limits (mm). Per region (R, 12): temperature
    rate modifier, rain - 0.75 x pan evaporation (mm), crop and cover-crop cover; (R,): harvest and cover-input month
    (0-11), manure C. Month by month: the moisture deficit and modifier of ``moisture_step``, the rate a x b x c x
    tillage, then ``decompose_and_add`` (decay, CO2 and BIO + HUM by x, plant C by the DPM/RPM ratio, manure
    0.49 / 0.49 / 0 / 0.02).
    """
    plant_dpm = dpm_rpm_ratio / (dpm_rpm_ratio + 1.0)
    plant_rpm = 1.0 / (dpm_rpm_ratio + 1.0)
    for i in prange(dpm.size):
        r = region[i]
        per_part = 1.0 / (x_ratio[i] + 1.0)
        for m in range(12):
            covered = crop_cover[r, m] or (cover_crop_cover[r, m] and uses_cover[i])
            balance = min(0.0, deficit_mm[i] + water_mm[r, m])
            floor = max_deficit[i] if covered else min(bare[i], deficit_mm[i])
            deficit = max(floor, balance)
            deficit_mm[i] = deficit
            if deficit > one_bar[i]:
                moist = 1.0
            else:
                moist = MIN_MOISTURE_RATE + (1.0 - MIN_MOISTURE_RATE) * (max_deficit[i] - deficit) / (
                    max_deficit[i] - one_bar[i])
            rate = rm_temp[r, m] * moist * (COVERED_RATE if covered else 1.0) * tillage_rate[i]
            dpm1 = dpm[i] * np.exp(-rate * DECAY_PER_YEAR[0] * MONTH)
            rpm1 = rpm[i] * np.exp(-rate * DECAY_PER_YEAR[1] * MONTH)
            bio1 = bio[i] * np.exp(-rate * DECAY_PER_YEAR[2] * MONTH)
            hum1 = hum[i] * np.exp(-rate * DECAY_PER_YEAR[3] * MONTH)
            total = (dpm[i] - dpm1) + (rpm[i] - rpm1) + (bio[i] - bio1) + (hum[i] - hum1)
            co2[i] += total * (x_ratio[i] * per_part)
            plant = (crop_c[i] if m == harvest_month[r] else 0.0) + (cover_c[i] if m == cover_input_month[r] else 0.0)
            fym = manure_c[r] if m == harvest_month[r] else 0.0
            dpm[i] = dpm1 + plant * plant_dpm + fym * FYM_SPLIT[0]
            rpm[i] = rpm1 + plant * plant_rpm + fym * FYM_SPLIT[1]
            bio[i] = bio1 + total * (BIO_HUM_SPLIT[0] * per_part) + fym * FYM_SPLIT[2]
            hum[i] = hum1 + total * (BIO_HUM_SPLIT[1] * per_part) + fym * FYM_SPLIT[3]
