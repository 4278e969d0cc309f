"""The user-facing entry points: `casim run` output files, the Python API, agents as views, rescaling."""

import json
import subprocess
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from experiments.single import git_uncommitted, run_single
from sim import kernel_cache
from sim.farmers import allocate_farmers
from sim.outputs import COLUMNS
from sim.scenario import scenario_with_overrides


def test_casim_run_writes_parquet_manifest_and_plot(tmp_path, casim_process):
    """The installed program end to end (a real process; the other command-line tests run in-process)."""
    out = tmp_path / "run"
    done = casim_process("run", SCENARIOS / "baseline.toml", "--farmers", 1500, "--years", 6, "--seed", 11, "--out", out)
    assert done.returncode == 0, done.stderr
    table = pd.read_parquet(out / "yearly.parquet")
    assert list(table.columns) == list(COLUMNS)
    assert sorted(table.year.unique()) == list(range(2025, 2032))
    assert set(table.region) == {"latin_america", "africa_dry", "africa_moist", "all"}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["farmers"] == 1500 and manifest["years"] == 6
    assert manifest["scenario_content"] == (SCENARIOS / "baseline.toml").read_text()
    assert len(manifest["scenario_sha256"]) == 64
    assert (out / "trajectories.png").stat().st_size > 20_000
    pd.testing.assert_frame_equal(pd.read_csv(out / "yearly.csv", encoding="utf-8-sig"), table, check_dtype=False)
    assert (out / "yearly.xlsx").stat().st_size > 10_000
    assert "Africa, moist savanna" in done.stdout, "region names are never shortened in the printed table"
    # the file equals the API's table for the same scenario, seed and size, and the workflow's written from Python
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), seed=11, n_farmers=1500)
    model.run_for(6)
    pd.testing.assert_frame_equal(table, model.results())
    result = run_single(sim.load_scenario(SCENARIOS / "baseline.toml"), SCENARIOS / "baseline.toml", seed=11, years=6,
                        farmers=1500)
    written = result.write(tmp_path / "python")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "python" / "yearly.parquet"), table)
    again = json.loads((tmp_path / "python" / "manifest.json").read_text())
    assert {k: again[k] for k in ("seed", "farmers", "years", "scenario_sha256", "scenario_resolved_sha256")} == {
        k: manifest[k] for k in ("seed", "farmers", "years", "scenario_sha256", "scenario_resolved_sha256")}
    # the command only calls the workflow: its files are the workflow's, byte for byte, but for the manifest (the
    # command line, timings, time of writing) and the workbook's time of creation (docProps/core.xml)
    assert sorted(path.name for path in written) == sorted(path.name for path in out.iterdir()) == [
        "manifest.json", "start_constants.csv", "trajectories.png", "yearly.csv", "yearly.parquet", "yearly.xlsx"]
    for path in written:
        if path.suffix == ".xlsx":
            assert workbook_parts(path) == workbook_parts(out / path.name)
        elif path.name != "manifest.json":
            assert path.read_bytes() == (out / path.name).read_bytes(), path.name


def workbook_parts(path):
    """Each part of an .xlsx (a zip) by name, but its time of creation."""
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def test_casim_run_with_fewer_farmers_than_regions_is_a_clean_error(tmp_path, casim):
    done = casim("run", SCENARIOS / "baseline.toml", "--farmers", 2, "--out", tmp_path)
    assert done.returncode == 2 and "fewer than the 3 regions" in done.stderr and "Traceback" not in done.stderr


def test_allocation_keeps_shares_and_total():
    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")  # 3000 / 3500 / 3500
    assert allocate_farmers(scenario, None) == [3000, 3500, 3500]
    assert allocate_farmers(scenario, 1000) == [300, 350, 350]
    assert allocate_farmers(scenario, 1_000_001) == [300000, 350001, 350000]
    assert sum(allocate_farmers(scenario, 7)) == 7


def test_rescaled_population_keeps_initial_adoption():
    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")
    for n in (2000, 40_000):
        model = sim.AdoptionModel(scenario, n_farmers=n)
        t = model.results()
        la = t[(t.region == "latin_america")].iloc[0]
        # exactly 45 % drawn as no-till adopters; the demonstration farms (full CA) may add up to their number
        demo = int((model.farms.region[model.network.demo] == 0).sum())
        assert demo <= np.ceil(5 / 3000 * la.farmers)  # 5 per 3,000 farms (the file's count at its own size)
        assert 0.45 - 1e-12 <= la.no_till_share <= 0.45 + demo / la.farmers + 1e-12


def test_a_run_builds_no_agents():
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), n_farmers=300)
    model.run_for(2)
    assert len(model.agents) == 0 and not model.farmers.created
    assert len(model.farmers) == 300 and not model.farmers.created  # counting them builds nothing either


def test_agents_are_views_on_the_arrays():
    # 300 farmers at base's density (~1.5 per 1,000) may have no demonstration farm: 20 per 1,000 gives ~6
    scenario = scenario_with_overrides(sim.load_scenario(SCENARIOS / "baseline.toml"),
                                       {f"regions.{r}.demo_farms_per_1000_farms": 20.0
                                        for r in ("latin_america", "africa_dry", "africa_moist")})
    model = sim.AdoptionModel(scenario, n_farmers=300)
    farmer = model.farmers[17]  # the first access creates every agent
    assert len(model.agents) == 300
    assert farmer.index == 17 and model.farmers[17] is farmer
    model.step()
    assert farmer.soc_t_c_per_ha == model.soil.stock_t_c_per_ha[17]
    assert farmer.income == model.farms.income_per_farm[17]
    model.farms.bundle[17] = 0b0101
    assert farmer.bundle == "no_till+residue_retention"
    assert farmer.practices == {"no_till": True, "cover_crops": False, "residue_retention": True, "rotation": False}
    neighbour_ids = {a.index for a in farmer.neighbours()}
    row = model.network.adjacency[17]
    assert neighbour_ids == set(row.indices.tolist())
    assert farmer.region in model.regions.names
    assert set(farmer.beliefs) == {"no_till", "cover_crops", "residue_retention", "rotation"}
    mean, sd = farmer.beliefs["no_till"]
    assert mean == pytest.approx(float(model.farms.belief_mean[17, 0])) and sd > 0
    demo = model.farmers[int(model.network.demo[0])]
    assert demo.is_demo_farm and not any(model.farmers[i].is_demo_farm for i in range(3) if i not in model.network.demo)


def test_step_and_run_for_advance_years():
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), n_farmers=200)
    model.step()
    assert model.year == 2026 and model.steps == 1
    model.run_for(3)
    assert model.year == 2029
    model.run()
    assert model.year == 2050
    assert len(model.results()) == 26 * 4


def test_fewer_farmers_than_regions_is_a_clear_error():
    """A Python caller is told the argument it passed, and a command-line user the flag (referee 46 m4)."""
    with pytest.raises(ValueError, match=r"farmers \(n_farmers, --farmers\) 2 is fewer than the 3 regions"):
        sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), n_farmers=2)


def test_no_per_agent_step_loop():
    """The yearly step never calls agents: replacing every agent's step with a failure changes nothing."""
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), n_farmers=100)
    for agent in model.farmers:
        agent.step = lambda: (_ for _ in ()).throw(AssertionError("per-agent step called"))
    model.run_for(2)
    assert np.isfinite(model.farms.income_per_farm).all()


def test_a_run_manifest_names_the_model_code_and_uncommitted_changes(tmp_path):
    """Referee 41 m9: a run's manifest held only the commit, so a run from edited sim/ was stamped with a commit that
    did not produce it; sweeps recorded the model's source hash, runs did not."""
    result = run_single(sim.load_scenario(SCENARIOS / "baseline.toml"), SCENARIOS / "baseline.toml", seed=3, years=1,
                        farmers=200)
    result.write(tmp_path / "run")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["code_version"] == kernel_cache.SOURCE_HASH and len(manifest["code_version"]) == 64
    assert "git_uncommitted_changes" in manifest
    repo = tmp_path / "repo"
    repo.mkdir()
    assert git_uncommitted(repo) is None  # not a checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "model.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "model.py"], check=True)
    subprocess.run([*git, "commit", "-qm", "m"], check=True)
    assert git_uncommitted(repo) is False
    (repo / "model.py").write_text("x = 2\n")
    assert git_uncommitted(repo) is True


def test_yearly_parquet_names_each_columns_unit_and_the_currency(tmp_path):
    """Referee 41 m10: the result files held no units; money columns did not name their currency."""
    import pyarrow.parquet as pq

    scenario = sim.load_scenario(SCENARIOS / "label_bas_carbone_france.toml")
    result = run_single(scenario, SCENARIOS / "label_bas_carbone_france.toml", seed=3, years=1, farmers=200)
    result.write(tmp_path)
    schema = pq.read_schema(tmp_path / "yearly.parquet")
    unit = {name: schema.field(name).metadata[b"unit"].decode() for name in schema.names}
    assert unit["income_mean"] == "EUR/farm/yr" and unit["public_spending"] == "EUR/yr"
    # a money column says per what and whether it is a year's flow, a year-end stock or a sum so far ("EUR" alone
    # read the yearly flows as totals): stocks and sums are those whose meaning says so
    assert unit["public_committed"] == "EUR (owed at the end of the year)"
    assert unit["public_spending_cum"] == "EUR (cumulative since the start)"
    money = {name: u for name, u in unit.items() if u.startswith("EUR")}
    assert len(money) > 40 and not [name for name, u in money.items() if u == "EUR"]
    owed = {name for name, u in money.items() if "owed at the end" in u}
    cumulative = {name for name, u in money.items() if "cumulative" in u}
    assert cumulative == {name for name in money if name.endswith("_cum")}
    assert owed == {name for name in money if COLUMNS[name].meaning.startswith("owed ")}
    assert unit["soc_mean_t_c_per_ha"] == COLUMNS["soc_mean_t_c_per_ha"].unit == "t C/ha"
    # a year's tonnes say per year; stocks and sums so far do not (both read "t CO2e" before)
    assert unit["credits_t_co2e"] == unit["additional_t_co2e"] == unit["net_ghg_benefit_t_co2e"] == "t CO2e/yr"
    assert unit["soc_change_t_c"] == "t C/yr" and unit["soc_total_t_c"] == "t C"
    assert unit["credits_cum_t_co2e"] == unit["additional_cum_t_co2e"] == unit["buffer_pool_t_co2e"] == "t CO2e"
    assert schema.metadata[b"currency"] == b"EUR" and set(unit) == set(COLUMNS)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "yearly.parquet"), result.table)  # the values unchanged
