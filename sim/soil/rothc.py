"""RothC-26.3, the Rothamsted monthly soil carbon model, vectorised over farms.

Five pools (t C/ha): decomposable and resistant plant material (DPM, RPM), microbial biomass (BIO), humified
organic matter (HUM) and inert organic matter (IOM). Each month, with rate modifier a x b x c
(temperature, topsoil moisture deficit, soil cover), every active pool decays as
``pool x exp(-a b c k / 12)`` (k = 10, 0.3, 0.66, 0.02 per year); decomposed carbon goes to CO2 and to
BIO + HUM in the ratio x : 1 with x = 1.67 (1.85 + 1.60 exp(-0.0786 clay %)), BIO : HUM = 0.46 : 0.54. Plant
inputs are then added to DPM and RPM by the DPM/RPM ratio (1.44 for crops) and farmyard manure 0.49 / 0.49 /
0 / 0.02 to DPM / RPM / BIO / HUM. Radiocarbon ages are tracked as in the reference implementation.
Source: Coleman & Jenkinson, RothC-26.3 model description (Rothamsted Research; ``RothC_description.pdf``).

Every function takes NumPy arrays (one value per farm) or scalars and broadcasts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DECAY_PER_YEAR = np.array([10.0, 0.3, 0.66, 0.02])  # DPM, RPM, BIO, HUM
FYM_SPLIT = (0.49, 0.49, 0.0, 0.02)  # farmyard manure to DPM, RPM, BIO, HUM
BIO_HUM_SPLIT = (0.46, 0.54)  # decomposed carbon that is not respired, to BIO, HUM
PAN_COEFFICIENT = 0.75  # open-pan evaporation -> potential evapotranspiration
COVERED_RATE = 0.6  # soil-cover rate modifier when a crop covers the soil (1.0 bare)
MIN_MOISTURE_RATE = 0.2
RADIOCARBON_DECAY = np.log(2.0) / 5568.0  # 1/yr (Libby half-life)
#: Years, the radiocarbon mean life in delta 14C = (exp(-age / mean life) - 1) x 1000 per mil, as the RothC-26.3
#: reference code writes it (Libby's 5568-year half-life / ln 2 is 8033 years; kept as the reference has it).
RADIOCARBON_MEAN_LIFE_YEARS = 8035.0
IOM_AGE_YEARS = 50_000.0
MONTH = 1.0 / 12.0


#: Below this mean monthly air temperature (deg C) RothC's temperature rate modifier is 0: nothing decomposes.
NO_DECOMPOSITION_BELOW_C = -5.0


def temperature_rate(temp_c: np.ndarray | float) -> np.ndarray:
    """Rate modifier for mean monthly air temperature (deg C): 47.91 / (1 + exp(106.06 / (T + 18.27))), 0 below -5."""
    temp_c = np.asarray(temp_c, dtype=np.float64)
    safe = np.where(temp_c < NO_DECOMPOSITION_BELOW_C, 0.0, temp_c)
    return np.where(temp_c < NO_DECOMPOSITION_BELOW_C, 0.0, 47.91 / (np.exp(106.06 / (safe + 18.27)) + 1.0))


def co2_to_biohum_ratio(clay_pct: np.ndarray | float) -> np.ndarray:
    """X = CO2 / (BIO + HUM) released by decomposition, from clay (%)."""
    return 1.67 * (1.85 + 1.60 * np.exp(-0.0786 * np.asarray(clay_pct, dtype=np.float64)))


def falloon_iom(soc_t_c_per_ha: np.ndarray | float) -> np.ndarray:
    """Inert organic matter from total SOC (Falloon et al. 1998): IOM = 0.049 x SOC^1.139, t C/ha."""
    return 0.049 * np.asarray(soc_t_c_per_ha, dtype=np.float64) ** 1.139


#: How far a bare topsoil may dry, as a share of the maximum deficit, by the official ``opt_SMDbare`` option:
#: 'classic' (1): the maximum divided by 1.8 (0.556); 'wilting_point' (2, RothC v2.0, Farina et al. 2013, Geoderma
#: 200-201:18 "for semi-arid regions"): the -1500 kPa deficit, the same limit as covered soil.
BARE_SOIL_SHARE = {"classic": 0.556, "wilting_point": 1.0}


@dataclass(frozen=True)
class MoistureLimits:
    """Topsoil moisture deficit limits (mm, negative) of the classic RothC moisture function."""

    max_deficit: np.ndarray  # at -15 bar, scaled to the layer depth
    one_bar: np.ndarray  # deficit below which decomposition slows (0.444 x max)
    bare: np.ndarray  # largest deficit of a bare soil (``BARE_SOIL_SHARE`` x max)

    @classmethod
    def from_soil(cls, clay_pct: np.ndarray | float, depth_cm: np.ndarray | float, bare_soil: str = "classic"
                  ) -> MoistureLimits:
        """Limits from clay (%) and layer depth (cm): max = -(20 + 1.3 clay - 0.01 clay^2) x depth / 23.

        ``bare_soil``: 'classic' or 'wilting_point' (``BARE_SOIL_SHARE``).
        """
        clay = np.asarray(clay_pct, dtype=np.float64)
        max_deficit = -(20.0 + 1.3 * clay - 0.01 * (clay * clay)) * np.asarray(depth_cm, dtype=np.float64) / 23.0
        return cls(max_deficit, 0.444 * max_deficit, BARE_SOIL_SHARE[bare_soil] * max_deficit)

    def take(self, index: np.ndarray) -> MoistureLimits:
        """The limits of the soils at ``index`` (e.g. each farm's region)."""
        return MoistureLimits(self.max_deficit[index], self.one_bar[index], self.bare[index])


def moisture_step(deficit_mm: np.ndarray, rain_mm, evap_mm, covered, limits: MoistureLimits
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Advance the topsoil moisture deficit one month; return (new deficit, moisture rate modifier).

    The deficit falls by rain - 0.75 x open-pan evaporation, never above 0 nor below the maximum deficit
    (covered soil) or below the bare-soil limit (bare soil, unless already drier).
    """
    balance = np.minimum(0.0, deficit_mm + (rain_mm - PAN_COEFFICIENT * evap_mm))
    floor = np.where(covered, limits.max_deficit, np.minimum(limits.bare, deficit_mm))
    deficit = np.maximum(floor, balance)
    slowed = MIN_MOISTURE_RATE + (1.0 - MIN_MOISTURE_RATE) * (limits.max_deficit - deficit) / (
        limits.max_deficit - limits.one_bar)
    return deficit, np.where(deficit > limits.one_bar, 1.0, slowed)


def cover_rate(covered) -> np.ndarray:
    """Soil-cover rate modifier: 0.6 under a crop, 1.0 bare."""
    return np.where(covered, COVERED_RATE, 1.0)


@dataclass
class RothCState:
    """Pools (t C/ha), moisture deficit (mm), cumulative CO2 (t C/ha) and radiocarbon ages (years) of n farms."""

    dpm: np.ndarray
    rpm: np.ndarray
    bio: np.ndarray
    hum: np.ndarray
    iom: np.ndarray
    deficit_mm: np.ndarray
    co2: np.ndarray
    ages: np.ndarray | None = field(default=None)  # (4, n) DPM, RPM, BIO, HUM ages, or None when not tracked
    total_age: np.ndarray | None = field(default=None)

    @classmethod
    def empty(cls, iom: np.ndarray | float, n: int | None = None, radiocarbon: bool = False) -> RothCState:
        """All active pools at 0 (the reference spin-up start), given IOM."""
        iom = np.asarray(iom, dtype=np.float64)
        n = iom.size if n is None else n
        zeros = np.zeros(n)
        return cls(zeros.copy(), zeros.copy(), zeros.copy(), zeros.copy(), np.broadcast_to(iom, (n,)).copy(),
                   zeros.copy(), zeros.copy(), np.zeros((4, n)) if radiocarbon else None,
                   np.zeros(n) if radiocarbon else None)

    @property
    def active(self) -> np.ndarray:
        """DPM + RPM + BIO + HUM, t C/ha."""
        return self.dpm + self.rpm + self.bio + self.hum

    @property
    def soc(self) -> np.ndarray:
        """Total SOC including IOM, t C/ha."""
        return self.dpm + self.rpm + self.bio + self.hum + self.iom

    @property
    def delta_c(self) -> np.ndarray:
        """Delta 14C of total SOC (per mil), from its radiocarbon age."""
        return (np.exp(-self.total_age / RADIOCARBON_MEAN_LIFE_YEARS) - 1.0) * 1000.0

    def copy(self) -> RothCState:
        """Deep copy."""
        return RothCState(*(None if v is None else np.array(v) for v in self.__dict__.values()))


@dataclass
class MonthDiagnostics:
    """Rate modifiers and moisture deficit of one month."""

    rm_temp: np.ndarray
    rm_moist: np.ndarray
    rm_pc: np.ndarray
    deficit_mm: np.ndarray


def month_step(state: RothCState, temp_c, rain_mm, evap_mm, covered, plant_c, fym_c, dpm_rpm_ratio,
               x_ratio, limits: MoistureLimits, modern_pct=100.0, extra_rate=1.0) -> MonthDiagnostics:
    """Advance ``state`` by one month in place (decomposition, then inputs); return the month's modifiers.

    Args:
        state: pools of n farms (changed in place).
        temp_c: mean air temperature of the month, deg C.
        rain_mm: rainfall of the month, mm.
        evap_mm: open-pan evaporation of the month, mm.
        covered: soil covered by a crop (bool).
        plant_c: plant carbon added this month, t C/ha.
        fym_c: farmyard-manure carbon added this month, t C/ha.
        dpm_rpm_ratio: DPM/RPM ratio of the plant input (1.44 for agricultural crops).
        x_ratio: ``co2_to_biohum_ratio(clay)``.
        limits: moisture limits of the soil.
        modern_pct: % modern carbon of new inputs (radiocarbon only).
        extra_rate: an additional multiplicative rate modifier (e.g. a no-till option; 1 = none).

    """
    rm_temp = temperature_rate(temp_c)
    deficit, rm_moist = moisture_step(state.deficit_mm, rain_mm, evap_mm, covered, limits)
    rm_pc = cover_rate(covered)
    state.deficit_mm = deficit
    decompose_and_add(state, rm_temp * rm_moist * rm_pc * extra_rate, plant_c, fym_c, dpm_rpm_ratio, x_ratio,
                      modern_pct)
    return MonthDiagnostics(rm_temp, rm_moist, rm_pc, deficit)


def decompose_and_add(state: RothCState, rate, plant_c, fym_c, dpm_rpm_ratio, x_ratio, modern_pct=100.0) -> None:
    """One month of decomposition at combined rate modifier ``rate``, then the month's inputs (in place)."""
    dpm1 = state.dpm * np.exp(-rate * DECAY_PER_YEAR[0] * MONTH)
    rpm1 = state.rpm * np.exp(-rate * DECAY_PER_YEAR[1] * MONTH)
    bio1 = state.bio * np.exp(-rate * DECAY_PER_YEAR[2] * MONTH)
    hum1 = state.hum * np.exp(-rate * DECAY_PER_YEAR[3] * MONTH)
    decayed = [state.dpm - dpm1, state.rpm - rpm1, state.bio - bio1, state.hum - hum1]
    total = decayed[0] + decayed[1] + decayed[2] + decayed[3]
    per_part = 1.0 / (x_ratio + 1.0)
    state.co2 = state.co2 + total * (x_ratio * per_part)
    plant_dpm = plant_c * (dpm_rpm_ratio / (dpm_rpm_ratio + 1.0))
    plant_rpm = plant_c * (1.0 / (dpm_rpm_ratio + 1.0))
    fym = [fym_c * share for share in FYM_SPLIT]
    activity = None
    if state.ages is not None:  # radiocarbon needs the flows from each pool separately
        to_bio, to_hum = BIO_HUM_SPLIT[0] * per_part, BIO_HUM_SPLIT[1] * per_part
        activity = _radiocarbon_activity(state, (dpm1, rpm1, bio1, hum1), [d * to_bio for d in decayed],
                                         [d * to_hum for d in decayed], (plant_dpm, plant_rpm), fym, modern_pct)
    state.dpm = dpm1 + plant_dpm + fym[0]
    state.rpm = rpm1 + plant_rpm + fym[1]
    state.bio = bio1 + total * (BIO_HUM_SPLIT[0] * per_part) + fym[2]
    state.hum = hum1 + total * (BIO_HUM_SPLIT[1] * per_part) + fym[3]
    if activity is not None:
        _set_ages(state, activity)


def _radiocarbon_activity(state, kept, new_bio, new_hum, plant, fym, modern_pct) -> tuple[np.ndarray, ...]:
    """Radiocarbon activity of each pool after the month (inputs carry the month's % modern carbon)."""
    ages = state.ages
    survive = np.exp(-RADIOCARBON_DECAY * MONTH)
    activity = [np.exp(-RADIOCARBON_DECAY * ages[i]) for i in range(4)]
    modern = np.asarray(modern_pct, dtype=np.float64) / 100.0
    dpm = modern * plant[0] + modern * fym[0] + kept[0] * activity[0] * survive
    rpm = modern * plant[1] + modern * fym[1] + kept[1] * activity[1] * survive
    bio = (kept[2] * activity[2] + sum(new_bio[i] * activity[i] for i in range(4))) * survive
    hum = modern * fym[3] + (kept[3] * activity[3] + sum(new_hum[i] * activity[i] for i in range(4))) * survive
    return dpm, rpm, bio, hum


def _set_ages(state: RothCState, activity: tuple[np.ndarray, ...]) -> None:
    """Radiocarbon age of each pool and of total SOC from pool sizes and activities (years)."""
    dpm, rpm, bio, hum = activity
    pools = (state.dpm, state.rpm, state.bio, state.hum)
    for i, (pool, act) in enumerate(zip(pools, (dpm, rpm, bio, hum), strict=True)):
        with np.errstate(divide="ignore", invalid="ignore"):
            state.ages[i] = np.where(pool <= 0.0, 0.0, np.log(pool / act) / RADIOCARBON_DECAY)
    total_activity = dpm + rpm + bio + hum + state.iom * np.exp(-RADIOCARBON_DECAY * IOM_AGE_YEARS)
    soc = state.soc
    with np.errstate(divide="ignore", invalid="ignore"):
        state.total_age = np.where(soc <= 0.0, 0.0, np.log(soc / total_activity) / RADIOCARBON_DECAY)
