"""Bringing RothC pools to equilibrium: the reference spin-up, an analytic fixed point, and its inverse.

- ``spin_up_reference``: cycle the 12 equilibrium months from empty pools and stop, farm by farm, at the first
  December at which DPM + RPM + BIO + HUM changed by less than 1e-6 t C/ha over the year (the rule of the
  official RothC code; reproduces its 20,916 months on the example).
- ``equilibrium``: the December state of the periodic solution, exactly: the yearly map of the pools is affine,
  P_dec = M P_dec + c, so P_dec = (I - M)^-1 c, solved for all farms at once. Thousands of farms in milliseconds.
- ``plant_input_for_soc``: the inverse: the yearly plant-input scale that gives a target SOC at equilibrium
  (SOC is affine in that scale).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.soil.rothc import (
    BIO_HUM_SPLIT,
    DECAY_PER_YEAR,
    FYM_SPLIT,
    MONTH,
    MoistureLimits,
    RothCState,
    cover_rate,
    moisture_step,
    month_step,
    temperature_rate,
)


@dataclass
class MonthlyInputs:
    """Twelve months of drivers; each array has shape (12,) or (12, n) (broadcast over farms).

    Attributes: temp_c (deg C), rain_mm, evap_mm (open pan), covered (bool), plant_c and fym_c (t C/ha/month),
    dpm_rpm_ratio, modern_pct (radiocarbon; 100 = modern), extra_rate (additional rate modifier, 1 = none).
    """

    temp_c: np.ndarray
    rain_mm: np.ndarray
    evap_mm: np.ndarray
    covered: np.ndarray
    plant_c: np.ndarray
    fym_c: np.ndarray
    dpm_rpm_ratio: np.ndarray | float = 1.44
    modern_pct: np.ndarray | float = 100.0
    extra_rate: np.ndarray | float = 1.0

    def month(self, m: int) -> dict:
        """Keyword arguments of ``month_step`` for month index m (0-11)."""
        def pick(v):
            v = np.asarray(v)
            return v[m] if v.ndim >= 1 and v.shape[0] == 12 else v
        return dict(temp_c=pick(self.temp_c), rain_mm=pick(self.rain_mm), evap_mm=pick(self.evap_mm),
                    covered=pick(self.covered), plant_c=pick(self.plant_c), fym_c=pick(self.fym_c),
                    dpm_rpm_ratio=pick(self.dpm_rpm_ratio), modern_pct=pick(self.modern_pct),
                    extra_rate=pick(self.extra_rate))


def spin_up_reference(state: RothCState, inputs: MonthlyInputs, x_ratio, limits: MoistureLimits,
                      tolerance: float = 1e-6, max_years: int = 100_000) -> tuple[RothCState, np.ndarray]:
    """Run the 12 months from ``state`` until each farm meets the reference stopping rule.

    Returns:
        The state of each farm at its stopping December, and the number of months each farm ran.

    """
    n = state.dpm.size
    result = state.copy()
    months = np.zeros(n, np.int64)
    done = np.zeros(n, bool)
    previous = np.zeros(n)
    for year in range(1, max_years + 1):
        for m in range(12):
            month_step(state, x_ratio=x_ratio, limits=limits, **inputs.month(m))
        total = state.active
        newly = ~done & (np.abs(total - previous) < tolerance)
        if newly.any():
            for name, value in state.__dict__.items():
                if value is not None:
                    getattr(result, name)[..., newly] = value[..., newly]
            months[newly] = 12 * year
            done |= newly
        if done.all():
            return result, months
        previous = total
    raise RuntimeError(f"RothC spin-up did not converge in {max_years} years for {int((~done).sum())} farms")


def periodic_moisture(inputs: MonthlyInputs, limits: MoistureLimits, n: int, max_years: int = 200
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Moisture deficit cycle repeated until periodic; return (rate modifier (12, n), December deficit (n,))."""
    deficit = np.zeros(n)
    for _ in range(max_years):
        start = deficit
        rates = []
        for m in range(12):
            kw = inputs.month(m)
            deficit, rm = moisture_step(deficit, kw["rain_mm"], kw["evap_mm"], kw["covered"], limits)
            rates.append(np.broadcast_to(rm, (n,)))
        if np.array_equal(deficit, start):
            break
    return np.array(rates), deficit


def yearly_map(inputs: MonthlyInputs, x_ratio, limits: MoistureLimits, n: int, plant_scale=1.0, fym_scale=1.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Affine yearly map of the active pools at the periodic moisture cycle: P_dec' = M P_dec + c.

    Returns M (n, 4, 4), c (n, 4) and the December moisture deficit (n,).
    """
    moist, deficit = periodic_moisture(inputs, limits, n)
    x = np.broadcast_to(np.asarray(x_ratio, dtype=np.float64), (n,))
    to_biohum = np.stack([np.zeros(n), np.zeros(n), BIO_HUM_SPLIT[0] / (x + 1.0), BIO_HUM_SPLIT[1] / (x + 1.0)], axis=1)  # (n, 4)
    big_m = np.broadcast_to(np.eye(4), (n, 4, 4)).copy()
    c = np.zeros((n, 4))
    for m in range(12):
        kw = inputs.month(m)
        rate = temperature_rate(kw["temp_c"]) * moist[m] * cover_rate(kw["covered"]) * kw["extra_rate"]
        kept = np.exp(-np.multiply.outer(np.broadcast_to(rate, (n,)), DECAY_PER_YEAR) * MONTH)  # (n, 4)
        a = np.zeros((n, 4, 4))
        a[:, np.arange(4), np.arange(4)] = kept
        a += to_biohum[:, :, None] * (1.0 - kept)[:, None, :]
        ratio = np.broadcast_to(kw["dpm_rpm_ratio"], (n,))
        plant = np.broadcast_to(kw["plant_c"], (n,)) * plant_scale
        fym = np.broadcast_to(kw["fym_c"], (n,)) * fym_scale
        b = np.stack([plant * ratio / (ratio + 1.0) + fym * FYM_SPLIT[0], plant / (ratio + 1.0) + fym * FYM_SPLIT[1],
                      fym * FYM_SPLIT[2], fym * FYM_SPLIT[3]], axis=1)
        big_m = a @ big_m
        c = np.einsum("nij,nj->ni", a, c) + b
    return big_m, c, deficit


def equilibrium(inputs: MonthlyInputs, x_ratio, limits: MoistureLimits, iom) -> RothCState:
    """December state of the periodic equilibrium of every farm (analytic fixed point of the yearly map)."""
    iom = np.asarray(iom, dtype=np.float64)
    n = max(iom.size, _farms(inputs))
    big_m, c, deficit = yearly_map(inputs, x_ratio, limits, n)
    pools = np.linalg.solve(np.eye(4) - big_m, c[..., None])[..., 0]
    state = RothCState.empty(np.broadcast_to(iom, (n,)), n)
    state.dpm, state.rpm, state.bio, state.hum = (pools[:, i].copy() for i in range(4))
    state.deficit_mm = deficit
    return state


def plant_input_for_soc(inputs: MonthlyInputs, x_ratio, limits: MoistureLimits, target_soc, iom=None) -> np.ndarray:
    """Scale of ``inputs.plant_c`` that gives ``target_soc`` (t C/ha, IOM included) at equilibrium.

    IOM defaults to Falloon's estimate from the target SOC.
    """
    from sim.soil.rothc import falloon_iom

    target = np.asarray(target_soc, dtype=np.float64)
    iom = falloon_iom(target) if iom is None else np.asarray(iom, dtype=np.float64)
    n = max(target.size, _farms(inputs))
    m_plant, c_plant, _ = yearly_map(inputs, x_ratio, limits, n, plant_scale=1.0, fym_scale=0.0)
    _, c_fym, _ = yearly_map(inputs, x_ratio, limits, n, plant_scale=0.0, fym_scale=1.0)
    solve = np.linalg.solve
    per_unit = solve(np.eye(4) - m_plant, c_plant[..., None])[..., 0].sum(axis=1)
    from_fym = solve(np.eye(4) - m_plant, c_fym[..., None])[..., 0].sum(axis=1)
    return (target - iom - from_fym) / per_unit


def _farms(inputs: MonthlyInputs) -> int:
    sizes = [np.asarray(v).shape[1] for v in inputs.__dict__.values() if np.ndim(v) == 2]
    return max(sizes, default=1)
