"""RothC-26.3: the official Rothamsted example reproduced, spin-up methods, vectorisation, and CA effects."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SHARED_REFERENCE

from sim.soil.rothc import MoistureLimits, RothCState, co2_to_biohum_ratio, falloon_iom, month_step
from sim.soil.rothc_io import MONTH_COLUMNS, YEAR_COLUMNS, read_input, run_input
from sim.soil.rothc_spinup import MonthlyInputs, equilibrium, plant_input_for_soc, yearly_map

EXAMPLE = SHARED_REFERENCE / "rothc" / "RothC_input.dat"


@pytest.fixture(scope="module")
def official():
    months, years = run_input(read_input(EXAMPLE))
    return months, years, pd.read_csv(SHARED_REFERENCE / "rothc" / "year_results.out")


def test_equilibrium_row_reproduced(official):
    _, years, reference = official
    assert years.iloc[0].Month == 20_916
    assert years.iloc[0].SOC_t_C_ha == pytest.approx(42.4779204556, abs=1e-9)
    assert np.allclose(years.iloc[0].to_numpy(), reference.iloc[0].to_numpy(), rtol=0, atol=1e-9)


def test_every_december_row_reproduced(official):
    _, years, reference = official
    assert list(years.columns) == list(reference.columns) == YEAR_COLUMNS
    assert len(years) == len(reference) == 70
    pools = ["DPM_t_C_ha", "RPM_t_C_ha", "Bio_t_C_ha", "Hum_t_C_ha", "IOM_t_C_ha", "SOC_t_C_ha", "CO2_t_C_ha"]
    assert np.max(np.abs(years[pools].to_numpy() - reference[pools].to_numpy())) < 1e-9
    assert (years.Year.to_numpy() == reference.Year.to_numpy()).all()
    # radiocarbon (deltaC, per mil) is a log of ratios of the pools: same algorithm, agreement to 1e-9 too
    assert np.max(np.abs(years.deltaC - reference.deltaC)) < 1e-9


def test_month_table_has_official_columns_and_matches_decembers(official):
    months, years, _ = official
    assert list(months.columns) == MONTH_COLUMNS
    assert len(months) == 828
    december = months[months.Month == 12].reset_index(drop=True)
    assert np.allclose(december.SOC_t_C_ha, years.SOC_t_C_ha.iloc[1:], atol=0)
    # RM_PC is 0.6 under cover and 1 bare; the moisture modifier stays within [0.2, 1]
    assert set(months.RM_PC) == {0.6, 1.0}
    assert months.RM_Moist.between(0.2, 1.0).all()


def test_cli_writes_both_tables(tmp_path):
    casim = Path(sys.executable).parent / "casim"
    done = subprocess.run([str(casim), "rothc", str(EXAMPLE), "--out", str(tmp_path)], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "20,916 months" in done.stdout
    assert pd.read_csv(tmp_path / "year_results.csv").shape == (70, 10)
    assert pd.read_csv(tmp_path / "month_results.csv").shape == (828, 19)


def test_bad_input_file_is_a_clean_error(tmp_path):
    bad = tmp_path / "bad.dat"
    bad.write_text("\n".join(EXAMPLE.read_text().splitlines()[:12]) + "\n1 2 3\n")
    casim = Path(sys.executable).parent / "casim"
    done = subprocess.run([str(casim), "rothc", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "bad.dat: line 13: expected 10 columns" in done.stderr


def constant_inputs(plant_per_month=0.25, temp=12.0, covered=True, n=None):
    shape = (12,) if n is None else (12, n)
    return MonthlyInputs(temp_c=np.full(shape, temp), rain_mm=np.full(shape, 80.0), evap_mm=np.full(shape, 40.0),
                         covered=np.full(shape, covered), plant_c=np.full(shape, plant_per_month),
                         fym_c=np.zeros(shape))


def test_analytic_fixed_point_equals_long_iteration():
    """Constant rate modifier (wet soil, constant temperature and cover) and constant input: the fixed point of
    the yearly affine map and 2,000 years of iteration agree to 1e-8 t C/ha in every pool (HUM, the slowest
    pool, decays by ~1.9 %/yr here, so after 2,000 years its remaining gap is below e^-38 of its size)."""
    inputs = constant_inputs()
    x, limits = co2_to_biohum_ratio(23.4), MoistureLimits.from_soil(23.4, 23.0)
    fixed = equilibrium(inputs, x, limits, iom=np.array([3.0]))
    state = RothCState.empty(np.array([3.0]))
    for _ in range(2000 * 12):
        month_step(state, x_ratio=x, limits=limits, **inputs.month(0))
    for pool in ("dpm", "rpm", "bio", "hum"):
        assert getattr(fixed, pool)[0] == pytest.approx(getattr(state, pool)[0], abs=1e-8)


def test_analytic_fixed_point_matches_reference_spin_up_on_the_example():
    spec = read_input(EXAMPLE)
    eq = spec.data.iloc[:12]
    inputs = MonthlyInputs(eq.Tmp.to_numpy(), eq.Rain.to_numpy(), eq.Evap.to_numpy(), eq.PC.to_numpy() == 1,
                           eq.Pl_inp.to_numpy(), eq.OA_inp.to_numpy(), eq.DPM_RPM.to_numpy())
    x, limits = co2_to_biohum_ratio(spec.clay_pct), MoistureLimits.from_soil(spec.clay_pct, spec.depth_cm)
    fixed = equilibrium(inputs, x, limits, iom=np.array([spec.iom_t_c_per_ha]))
    # The reference stops once the yearly change is below 1e-6 t C/ha. With the yearly map's slowest mode
    # shrinking by rho per year, the gap left to the fixed point is at most 1e-6 x rho / (1 - rho).
    big_m, _, _ = yearly_map(inputs, x, limits, 1)
    rho = np.max(np.abs(np.linalg.eigvals(big_m[0])))
    gap = abs(fixed.soc[0] - 42.4779204556)
    assert 0 < gap <= 1e-6 * rho / (1 - rho)


def test_inverse_spin_up_round_trip():
    inputs = constant_inputs(n=3)
    x, limits = co2_to_biohum_ratio(np.array([10.0, 25.0, 40.0])), MoistureLimits.from_soil(np.array([10, 25, 40.0]),
                                                                                              23.0)
    target = np.array([30.0, 45.0, 60.0])
    scale = plant_input_for_soc(inputs, x, limits, target)
    scaled = MonthlyInputs(**{**inputs.__dict__, "plant_c": inputs.plant_c * scale})
    soc = equilibrium(scaled, x, limits, iom=falloon_iom(target)).soc
    assert np.allclose(soc, target, atol=1e-6)
    back = plant_input_for_soc(scaled, x, limits, soc, iom=falloon_iom(target))
    assert np.allclose(back, 1.0, atol=1e-6)


def test_vectorised_run_equals_single_farm_runs():
    rng = np.random.default_rng(5)
    n = 50
    clay = rng.uniform(5, 50, n)
    depth = rng.uniform(15, 40, n)
    x, limits = co2_to_biohum_ratio(clay), MoistureLimits.from_soil(clay, depth)
    temp, rain, evap = rng.normal(12, 8, (36, n)), rng.gamma(2, 30, (36, n)), rng.gamma(3, 20, (36, n))
    covered = rng.random((36, n)) < 0.6
    plant, fym = rng.gamma(1, 0.2, (36, n)), rng.gamma(1, 0.05, (36, n))
    many = RothCState.empty(rng.uniform(1, 5, n), radiocarbon=True)
    many.dpm, many.rpm, many.bio, many.hum = (rng.uniform(0, s, n) for s in (0.5, 6, 1, 30))
    singles = [RothCState(*(np.array(v[..., i:i + 1]) for v in many.__dict__.values())) for i in range(n)]
    for m in range(36):
        month_step(many, temp[m], rain[m], evap[m], covered[m], plant[m], fym[m], 1.44, x, limits, 100.0)
        for i, single in enumerate(singles):
            lim = MoistureLimits(limits.max_deficit[i:i + 1], limits.one_bar[i:i + 1], limits.bare[i:i + 1])
            month_step(single, temp[m, i], rain[m, i], evap[m, i], covered[m, i], plant[m, i], fym[m, i], 1.44,
                       x[i], lim, 100.0)
    for i, single in enumerate(singles):
        for name in ("dpm", "rpm", "bio", "hum", "co2", "deficit_mm", "total_age"):
            assert getattr(many, name)[i] == pytest.approx(getattr(single, name)[0], abs=1e-12), name


def test_ca_farm_gains_soc_against_conventional_within_measured_band():
    """No-till + cover crops + residue retention vs conventional, same climate and yields, 20 years of RothC.

    Band: most measured SOC accrual rates under CA / no-till with cover crops are 0-1.1 t C/ha/yr (cover crops
    alone: 0.32 +- 0.08 t C/ha/yr, Poeplau & Don 2015, Agric. Ecosyst. Environ. 200:33; tropical no-till with
    residues: ~0.3-1 t C/ha/yr, e.g. Bayer et al. 2006, Soil Tillage Res. 86:237). Every region must fall in it."""
    import sim
    from sim.soil import RothCSoil

    scenario = sim.load_scenario(ROOT / "scenarios" / "rothc_baseline.toml")
    for r, name in enumerate(scenario.regions):
        soil = RothCSoil(scenario, np.array([r, r], np.int16), np.array([0, 0], np.uint8))
        soil.set_management(np.array([1]), np.array([0b0111], np.uint8))
        start = soil.stock_t_c_per_ha.copy()
        for _ in range(20):
            soil.advance_year()
        gained = soil.stock_t_c_per_ha - start
        assert abs(gained[0]) < 1e-6, name  # the conventional farm stays at its equilibrium
        rate = (gained[1] - gained[0]) / 20
        assert 0.05 < rate < 1.1, (name, rate)


def test_farm_model_year_equals_twelve_reference_months():
    """RothCSoil's fast yearly path (rate modifiers by region) equals twelve month_step calls on the same drivers."""
    import sim
    from sim.soil import RothCSoil

    scenario = sim.load_scenario(ROOT / "scenarios" / "rothc_baseline.toml")
    region = np.array([0, 0, 1, 2], np.int16)
    soil = RothCSoil(scenario, region, np.array([0, 0b1111, 0b0100, 0b0111], np.uint8))
    soil.observe_yields(np.array([3000.0, 3600.0, 900.0, 2000.0]))
    reference = soil.state.copy()
    inputs = soil._monthly(region.astype(np.int64), soil.bundle.astype(np.int64), soil.yield_kg_per_ha)
    for m in range(12):
        month_step(reference, x_ratio=soil.x, limits=soil.limits, **inputs.month(m))
    soil.advance_year()
    for name in ("dpm", "rpm", "bio", "hum", "deficit_mm"):
        assert np.allclose(getattr(soil.state, name), getattr(reference, name), rtol=0, atol=1e-12), name
