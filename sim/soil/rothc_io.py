"""RothC input files in the official format, and result tables with the official column names.

Input: ``RothC_input.dat`` of the Rothamsted releases; output: as ``month_results.out`` and ``year_results.out``.

Supported: the classic moisture function (opt_RMmoist = 1) with either bare-soil limit (opt_SMDbare = 1, classic,
or 2, the -1500 kPa deficit of RothC v2.0 for semi-arid regions); the data
columns ``year month modern Tmp Rain Evap Pl_inp OA_inp PC DPM_RPM``. The first 12 data rows are the
equilibrium months used for the spin-up; the rest are run month by month after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.soil.rothc import MoistureLimits, RothCState, co2_to_biohum_ratio, month_step
from sim.soil.rothc_spinup import MonthlyInputs, spin_up_reference

DATA_COLUMNS = ["year", "month", "modern", "Tmp", "Rain", "Evap", "Pl_inp", "OA_inp", "PC", "DPM_RPM"]
MONTH_COLUMNS = ["Year", "Month", "Pl_inp_t_C_ha", "OA_inp_t_C_ha", "TEMP_C", "RM_Temp", "RAIN_mm", "PEVAP_mm",
                 "SMD_mm", "RM_Moist", "PC", "RM_PC", "DPM_t_C_ha", "RPM_t_C_ha", "Bio_t_C_ha", "Hum_t_C_ha",
                 "IOM_t_C_ha", "SOC_t_C_ha", "CO2_t_C_ha"]
YEAR_COLUMNS = ["Year", "Month", "DPM_t_C_ha", "RPM_t_C_ha", "Bio_t_C_ha", "Hum_t_C_ha", "IOM_t_C_ha",
                "SOC_t_C_ha", "CO2_t_C_ha", "deltaC"]


class RothCInputError(ValueError):
    """The input file is not in the supported official format; the message names the file, line and problem."""


@dataclass
class RothCInput:
    """Contents of an official RothC input file."""

    clay_pct: float
    depth_cm: float
    iom_t_c_per_ha: float
    n_steps: int
    data: pd.DataFrame  # DATA_COLUMNS, one row per month
    bare_soil: str = "classic"  # opt_SMDbare 1 ('classic') or 2 ('wilting_point')


def read_input(path: str | Path) -> RothCInput:
    """Parse an official-format RothC input file."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise RothCInputError(f"{path}: cannot read: {exc.strerror}") from None

    def numbers(line_no: int, what: str) -> list[float]:
        try:
            return [float(v) for v in lines[line_no].split()]
        except (IndexError, ValueError):
            raise RothCInputError(f"{path}: line {line_no + 1}: expected {what}") from None

    options = numbers(4, "the option switches opt_RMmoist opt_SMDbare")
    if len(options) < 2 or options[0] != 1.0 or options[1] not in (1.0, 2.0):
        raise RothCInputError(f"{path}: line 5: only opt_RMmoist = 1 with opt_SMDbare = 1 or 2 is supported")
    soil = numbers(7, "clay depth iom nsteps")
    clay, depth, iom, n_steps = soil[0], soil[1], soil[2], int(soil[3])
    rows = []
    for i in range(10, len(lines)):
        if not lines[i].strip():
            continue
        values = numbers(i, f"{len(DATA_COLUMNS)} numbers ({' '.join(DATA_COLUMNS)})")
        if len(values) != len(DATA_COLUMNS):
            raise RothCInputError(f"{path}: line {i + 1}: expected {len(DATA_COLUMNS)} columns, found {len(values)}")
        rows.append(values)
    data = pd.DataFrame(rows, columns=DATA_COLUMNS)
    if len(data) != n_steps:
        raise RothCInputError(f"{path}: nsteps = {n_steps} but {len(data)} monthly rows follow")
    if n_steps < 12:
        raise RothCInputError(f"{path}: at least the 12 equilibrium months are needed")
    return RothCInput(clay, depth, iom, n_steps, data, "classic" if options[1] == 1.0 else "wilting_point")


class RothCRun(NamedTuple):
    """The results of an input file: month and year tables with the official column names and order."""

    months: pd.DataFrame  # MONTH_COLUMNS, one row per dated month
    years: pd.DataFrame  # YEAR_COLUMNS: the spin-up's row, then each December

    def write(self, out: Path) -> list[Path]:
        """Write ``month_results.csv`` and ``year_results.csv`` into ``out`` (created if missing); return their paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / "month_results.csv", out / "year_results.csv"]
        for table, path in zip((self.months, self.years), paths, strict=True):
            table.to_csv(path, index=False)
        return paths


def run_input(spec: RothCInput) -> RothCRun:
    """Spin up on the first 12 months (reference rule), then run the dated months.

    Returns:
        (month results, year results) with the official column names and order, as a ``RothCRun``.

    """
    x = co2_to_biohum_ratio(spec.clay_pct)
    limits = MoistureLimits.from_soil(spec.clay_pct, spec.depth_cm, spec.bare_soil)
    d = spec.data
    eq = d.iloc[:12]
    inputs = MonthlyInputs(temp_c=eq.Tmp.to_numpy(), rain_mm=eq.Rain.to_numpy(), evap_mm=eq.Evap.to_numpy(),
                           covered=eq.PC.to_numpy() == 1, plant_c=eq.Pl_inp.to_numpy(), fym_c=eq.OA_inp.to_numpy(),
                           dpm_rpm_ratio=eq.DPM_RPM.to_numpy(), modern_pct=eq.modern.to_numpy())
    state, months = spin_up_reference(RothCState.empty(np.array([spec.iom_t_c_per_ha]), radiocarbon=True),
                                      inputs, x, limits)
    year_rows = [[1, int(months[0]), *_pools(state), 0.0, float(state.delta_c[0])]]
    state.co2 = np.zeros(1)
    month_rows = []
    for row in d.iloc[12:].itertuples(index=False):
        covered = row.PC == 1
        diag = month_step(state, row.Tmp, row.Rain, row.Evap, covered, row.Pl_inp, row.OA_inp, row.DPM_RPM, x, limits,
                          modern_pct=row.modern)
        month_rows.append([int(row.year), int(row.month), row.Pl_inp, row.OA_inp, row.Tmp, float(diag.rm_temp),
                           row.Rain, row.Evap, float(diag.deficit_mm[0]), float(diag.rm_moist[0]), int(row.PC),
                           float(diag.rm_pc), *_pools(state), float(state.co2[0])])
        if int(row.month) == 12:
            year_rows.append([int(row.year), 12, *_pools(state), float(state.co2[0]), float(state.delta_c[0])])
    return RothCRun(pd.DataFrame(month_rows, columns=MONTH_COLUMNS), pd.DataFrame(year_rows, columns=YEAR_COLUMNS))


def _pools(state: RothCState) -> list[float]:
    return [float(v[0]) for v in (state.dpm, state.rpm, state.bio, state.hum, state.iom, state.soc)]
