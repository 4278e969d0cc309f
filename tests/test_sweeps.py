"""Sweeps and sensitivity analysis: analytic Ishigami indices, resume after SIGKILL, Dask = local, PRIM."""

import json
import os
import signal
import subprocess
import time
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from conftest import CASIM, ROOT, SCENARIOS, TEST_SCENARIOS

import sim
from analysis.discovery import discover, discover_in_sweep
from analysis.sensitivity import indices_table, sensitivity_analysis
from experiments.designs import Problem, grid, latin_hypercube, salib_sample
from experiments.executors import DaskExecutor, LocalExecutor
from experiments.plan import make_plan
from experiments.spec import Output
from experiments.store import SweepMismatch, SweepStore
from experiments.sweep import run_sweep, sweep_scenarios
from sim.scenario import Uncertain

SWEEP = TEST_SCENARIOS / "sweep_small.toml"


def test_ishigami_through_the_whole_sweep_path(tmp_path):
    """Sampling, batching, execution, storage and analysis with SALib's Ishigami function as the model.

    Analytic indices (a = 7, b = 0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244. Each estimate must lie
    within twice its 95 % confidence half-width of the analytic value (N = 2048 base samples)."""
    dist = Uncertain(dist="uniform", low=-np.pi, high=np.pi)
    problem = Problem(("x1", "x2", "x3"), (dist, dist, dist))
    samples = salib_sample(problem, "sobol", 2048, seed=1)
    plan = make_plan("ishigami", {}, problem.names, {"ishigami": problem.decode(samples)}, 1, method="sobol",
                     batch_size=1000)
    rows = run_sweep(plan, SweepStore(tmp_path / "ishigami"), LocalExecutor(2))
    assert len(rows) == 2048 * 5 and rows.run_id.is_unique
    indices, convergence, _ = indices_table(problem, "sobol", samples, rows, [Output("y", "y", 0)])
    expected = {("S1", "x1"): 0.3139, ("S1", "x2"): 0.4424, ("S1", "x3"): 0.0,
                ("ST", "x1"): 0.5576, ("ST", "x2"): 0.4424, ("ST", "x3"): 0.2437}
    for row in indices.itertuples():
        truth = expected[row.index, row.parameter]
        assert abs(row.value - truth) <= 2 * row.conf, (row.index, row.parameter, row.value, row.conf)
    assert set(convergence.base_samples) == {256, 512, 1024, 2048}


def sweep_command(out, *extra):
    return [CASIM, "sweep", str(SWEEP), "--lhs", "12", "--replicates", "2", "--farmers", "400", "--out", str(out),
            "--batch-size", "2", "--workers", "1", *extra]


def test_killed_sweep_resumes_to_identical_results(tmp_path, casim):
    """The command killed part-way and run again gives the rows of the uninterrupted sweep (run from Python)."""
    reference = tmp_path / "uninterrupted"
    sweep_scenarios({"sweep_small": sim.load_scenario(SWEEP)}, reference, "lhs", samples=12, replicates=2,
                    farmers=400, executor=LocalExecutor(1), batch_size=2)
    killed = tmp_path / "killed"
    process = subprocess.Popen(sweep_command(killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                               start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((killed / "runs").glob("batch-*.parquet"))) < 3:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list((killed / "runs").glob("batch-*.parquet")))
    assert 3 <= finished < 12, "the kill must land part-way"
    done = casim(*sweep_command(killed)[1:])  # the same command again (in-process: only the kill needs a process)
    assert done.returncode == 0, done.stderr
    a, b = SweepStore(reference).load(), SweepStore(killed).load()
    assert a.run_id.nunique() == 24 and len(b) == len(a)
    assert not b.duplicated(["run_id", "year"]).any()
    pd.testing.assert_frame_equal(a, b)


def test_changed_design_in_existing_directory_is_refused(tmp_path, casim):
    out = tmp_path / "sweep"
    assert casim(*sweep_command(out)[1:]).returncode == 0
    changed = casim(*[c if c != "12" else "13" for c in sweep_command(out)[1:]])
    assert changed.returncode == 2 and "holds a different sweep" in changed.stderr
    assert "Traceback" not in changed.stderr


def small_plan():
    scenario = sim.load_scenario(SWEEP)
    problem = Problem.of(scenario)
    return make_plan("casim", {"s": scenario}, problem.names, {"s": latin_hypercube(problem, 6, 3)}, 2,
                     farmers=300, batch_size=3)


def test_dask_local_cluster_gives_the_same_results_as_the_local_pool(tmp_path, dask_cluster):
    local = run_sweep(small_plan(), SweepStore(tmp_path / "local"), LocalExecutor(2))
    dask = run_sweep(small_plan(), SweepStore(tmp_path / "dask"), DaskExecutor(dask_cluster))
    pd.testing.assert_frame_equal(local, dask)


def test_store_refuses_another_plan_and_reads_with_duckdb(tmp_path):
    import duckdb

    plan = small_plan()
    run_sweep(plan, SweepStore(tmp_path), LocalExecutor(1))
    scenario = sim.load_scenario(SWEEP)
    problem = Problem.of(scenario)
    other = make_plan("casim", {"s": scenario}, problem.names, {"s": latin_hypercube(problem, 6, 3)}, 3, farmers=300,
                      batch_size=3)
    with pytest.raises(SweepMismatch, match="design_sha256"):
        SweepStore(tmp_path).prepare(other.manifest(), other.runs)
    count = duckdb.sql(f"SELECT count(DISTINCT run_id) FROM read_parquet('{tmp_path}/runs/*.parquet')").fetchall()[0][0]
    assert count == 12


def test_designs():
    scenario = sim.load_scenario(SWEEP)
    problem = Problem.of(scenario)
    g = grid(problem, 4)
    assert g.shape == (4 * 3, 2) and set(g[:, 1]) == {0.03, 0.05, 0.1}
    lhs = latin_hypercube(problem, 50, 0)
    # one value per stratum of 1/50 in the continuous field
    assert sorted(np.floor(lhs[:, 0] / 3.0).astype(int)) == list(range(50))


def test_prim_finds_a_known_box():
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(2000), "b": rng.random(2000), "c": rng.random(2000)})
    box = discover(x, ((x.a > 0.5) & (x.b < 0.3)).to_numpy())
    limits = box.limits.set_index("parameter")
    assert set(limits.index) == {"a", "b"}
    assert limits.loc["a", "low"] == pytest.approx(0.5, abs=0.03) and limits.loc["b", "high"] == pytest.approx(0.3, abs=0.05)
    assert box.density >= 0.8 and box.coverage >= 0.8


def test_sensitivity_and_discover_commands(tmp_path, casim):
    out = tmp_path / "sens"
    done = casim("sensitivity", SWEEP, "--method", "morris", "--n", 6, "--replicates", 2, "--farmers", 300, "--out", out,
                 "--workers", 2)
    assert done.returncode == 0, done.stderr
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["index"]) == {"mu_star", "sigma"} and len(indices) == 4
    price = indices[(indices.parameter == "carbon.price.path.value") & (indices["index"] == "mu_star")].value.item()
    assert price > 0  # the carbon price moves adoption
    assert (out / "indices.png").exists() and (out / "convergence.png").exists()
    seeds = pd.read_csv(out / "seed_variance.csv")
    assert 0 < seeds.seed_variance_share.item() < 1
    # referee 20: what was run is stated beside the indices (Morris: 3 rows a trajectory for 2 parameters)
    recorded = json.loads((out / "analysis.json").read_text())
    assert (recorded["base_samples"], recorded["samples"], recorded["replicates"], recorded["farmers"]) == (6, 18, 2, 300)
    assert "N = 6 base samples (18 rows) x 2 replicate(s) of 300 farmers" in " ".join(done.stdout.split())
    found = casim("discover", out, "--output", "any_practice_2031", "--above", 0.7)
    assert found.returncode == 0, found.stderr
    assert "coverage" in found.stdout and (out / "discovery.csv").exists()
    stray = casim("discover", out, "--output", "any_practice_2031", "--year", 1990, "--above", 0.7)  # was ignored
    assert stray.returncode == 2 and "year (--year) 1990: output 'any_practice_2031' is an output of interest of year 2031" \
        in stray.stderr, stray.stderr
    # the same workflows from Python with another worker count: every run is already stored (batch size and
    # workers are not part of a sweep's identity), so nothing runs again and the numbers agree
    again = sensitivity_analysis(sim.load_scenario(SWEEP), out, "morris", 6, replicates=2, farmers=300,
                                 executor=LocalExecutor(1), label="sweep_small")
    # no output is unusable; Morris at N = 6 leaves mu_star unresolved, which indices.csv notes (referee 31)
    notes = again.indices.note
    assert notes[again.indices["index"] == "sigma"].eq("").all()
    assert notes[again.indices["index"] == "mu_star"].str.startswith("not resolved: 95 % interval wider than").all()
    assert list(indices.note.fillna("")) == list(notes)
    pd.testing.assert_frame_equal(again.indices.drop(columns="note"), indices.drop(columns="note"))
    box = discover_in_sweep(out, "any_practice_2031", above=0.7).box
    pd.testing.assert_frame_equal(box.limits, pd.read_csv(out / "discovery.csv")[["parameter", "low", "high"]])


def test_uncertain_field_errors(write_scenario):
    bad = write_scenario('[uncertain]\n"decision.rule.noise_shar" = { dist = "uniform", low = 0.01, high = 1 }\n')
    with pytest.raises(sim.ScenarioError, match="closest valid field is 'decision.rule.noise_share'"):
        sim.load_scenario(bad)
    out_of_range = write_scenario('[uncertain]\n"carbon.farmer_share" = { dist = "uniform", low = 0.5, high = 1.5 }\n')
    with pytest.raises(sim.ScenarioError, match="the value 1.5 is not allowed"):
        sim.load_scenario(out_of_range)


def test_an_uncertain_distribution_refuses_what_it_would_ignore_or_pile_up(write_scenario):
    """Referee 20 (N2): a uniform given a mean was accepted (the mean ignored), and a normal of mean 5, sd 0.01,
    truncated to [0.4, 0.9] put every sample at 0.8999-0.9. Both are errors naming the file and field; a normal
    keeping 1 % or more of its mass in range is accepted (mean 0.95, sd 0.1 on [0.4, 0.9] keeps 31 %)."""
    ignored = write_scenario('[uncertain]\n"carbon.farmer_share" = { dist = "uniform", low = 0.5, high = 0.9, '
                             'mean = 0.6 }\n')
    with pytest.raises(sim.ScenarioError, match=r"carbon\.farmer_share.*takes low, high; it does not use mean"):
        sim.load_scenario(ignored)
    piled = write_scenario('[uncertain]\n"carbon.farmer_share" = { dist = "normal", mean = 5.0, sd = 0.01, '
                           'low = 0.4, high = 0.9 }\n')
    with pytest.raises(sim.ScenarioError, match=r"keeps less than 1% of its mass in \[0.4, 0.9\]"):
        sim.load_scenario(piled)
    near = write_scenario('[uncertain]\n"carbon.farmer_share" = { dist = "normal", mean = 0.95, sd = 0.1, '
                          'low = 0.4, high = 0.9 }\n')
    assert sim.load_scenario(near).uncertain["carbon.farmer_share"].mean == 0.95


def test_a_sweep_whose_runs_failed_exits_non_zero_and_the_analyses_say_they_failed(tmp_path, casim):
    """Referee 41 m7: a sweep in which every run failed exited 0 (a batch script could not tell it from success), and
    sensitivity's message "run the sweep first" hid that its runs had just failed."""
    out = tmp_path / "failed"
    done = casim("sweep", SWEEP, "--replicates", 2, "--farmers", 50, "--workers", 1, "--run-timeout",
                 0.001, "--out", out)
    assert done.returncode == 1 and "every run failed: 2 runs failed" in done.stderr, done.stderr
    assert "longer than the limit of 0.001 s per run" in done.stderr and "Traceback" not in done.stderr
    # an analysis of that directory points to the command that retries runs, not to itself ("run the same command
    # again" read as re-running the analysis, which reads stored runs only)
    why = SweepStore(out).nothing_stored()
    assert "no finished runs: all 2 runs failed" in why and "casim sweep or sensitivity command that wrote" in why \
        and "same command" not in why, why
    sens = casim("sensitivity", SWEEP, "--method", "morris", "--n", 2, "--farmers", 50, "--workers", 1,
                 "--run-timeout", 0.001, "--out", tmp_path / "sens")
    # as sweep (not exit 2, bad input: a time limit is not)
    assert sens.returncode == 1 and "every run failed: 6 runs failed (recorded in" in sens.stderr and \
        "longer than the limit of 0.001 s per run" in sens.stderr.replace("\n", " "), sens.stderr


def test_runs_whose_values_make_an_invalid_scenario_are_bad_input_not_runs_to_retry(tmp_path, casim, capsys):
    """Referee 44 MINOR 1: a design value making RothC's start impossible failed its runs with exit 1 and "run the same
    command again to retry them", which could never succeed."""
    import typer

    from cli.experiments import failed_sweep

    design = tmp_path / "design.csv"  # 0.1: below the 0.6 x crop input rothc_baseline's SOC target needs; 1.0 runs
    design.write_text("regions.latin_america.rothc.max_background_input_ratio\n0.1\n1.0\n")
    done = casim("sweep", SCENARIOS / "rothc_baseline.toml", "--farmers", 300, "--years", 2, "--workers", 1,
                 "--design", design, "--out", tmp_path / "partly")
    message = done.stderr.replace("\n", " ")
    assert done.returncode == 2 and "1 runs failed (recorded in" in message and "every run" not in message and \
        "their values make an invalid scenario, which running again cannot fix" in message and "retry" not in message \
        and "max_background_input_ratio = 0.1" in message and "Traceback" not in message, done.stderr
    assert pd.read_parquet(tmp_path / "partly" / "runs").run_id.nunique() == 1  # the valid run is kept
    failures = pd.DataFrame({"run_id": [3, 4], "error": ["RunTimeout: took longer", "ExperimentError: invalid "
                                                         "scenario: regions.x: no"]})
    with pytest.raises(typer.Exit) as exit_:  # other failures too: the same command retries those
        failed_sweep(failures, tmp_path, every=False)
    shown = capsys.readouterr().err.replace("\n", " ")
    assert exit_.value.exit_code == 1 and "2 runs failed (recorded in" in shown and "run the same command again to " \
        "retry them; 1 of them because their values make an invalid scenario, which running again cannot fix); the " \
        "first, run 3: RunTimeout" in shown, shown


def test_a_sensitivity_analysis_with_failed_runs_exits_as_a_sweep_does(write_scenario, casim, tmp_path, monkeypatch):
    """A sensitivity analysis some of whose runs failed printed a warning and exited 0, so a batch job took indices
    missing samples for a complete analysis; it exits as ``sweep`` does: 2 when every failed run's values make an
    invalid scenario, 1 when running the same command again may succeed."""
    path = write_scenario('[uncertain]\n"regions.latin_america.rothc.max_background_input_ratio" = { dist = "uniform", '
                          'low = 0.1, high = 1.0 }\n"decision.rule.noise_share" = { dist = "uniform", low = 0.02, '
                          'high = 0.2 }\n[outputs]\nadoption = { column = "any_practice_share", year = 2027 }\n',
                          extends=str(SCENARIOS / "rothc_baseline.toml"))  # a ratio below 0.6 cannot start RothC
    command = ("sensitivity", path, "--method", "pawn", "--n", 16, "--farmers", 300, "--years", 2, "--workers", 1,
               "--out", tmp_path / "sens")
    done = casim(*command)
    message = done.stderr.replace("\n", " ")
    indices = pd.read_csv(tmp_path / "sens" / "indices.csv")
    assert np.isfinite(indices.value).all()  # the analysis of the runs that finished is written, as before
    assert done.returncode == 2 and "runs failed (recorded in" in message and "their values make an invalid scenario" \
        in message and "Traceback" not in message, done.stderr
    relabel = SweepStore.failures  # the same runs failing for a cause a second attempt may not meet (a time limit)

    def timed_out(store):
        return relabel(store).assign(error="RunTimeout: stopped after 1 of 2 years")

    monkeypatch.setattr(SweepStore, "failures", timed_out)
    again = casim(*command)
    assert again.returncode == 1 and "run the same command again to retry them" in again.stderr.replace("\n", " "), \
        again.stderr


def test_a_varied_regional_count_with_farmers_given_is_refused(write_scenario, casim, tmp_path):
    """Referee 41 m8: --farmers 900 rescaled every run, so runs stored regions.<r>.farmers = 77 while having 900."""
    path = write_scenario('[uncertain]\n"regions.farms.farmers" = { dist = "uniform", low = 50, high = 100 }\n'
                          '[outputs]\nadoption = { column = "any_practice_share", year = 2027 }\n',
                          extends=str(TEST_SCENARIOS / "one_region.toml"))
    done = casim("sweep", path, "--lhs", 2, "--years", 2, "--workers", 1, "--farmers", 60, "--out", tmp_path / "s")
    message = done.stderr.replace("\n", " ")  # the file varying it is named; no internal review label (referee 44)
    assert done.returncode == 2 and f"{path}: regions.farms.farmers is varied and --farmers 60 is given" in message \
        and "referee" not in message, done.stderr
    assert not (tmp_path / "s" / "runs").exists()
    design = tmp_path / "design.csv"
    design.write_text("regions.farms.farmers\n70\n")
    done = casim("sweep", TEST_SCENARIOS / "one_region.toml", "--design", design, "--years", 2, "--workers", 1,
                 "--farmers", 60, "--out", tmp_path / "s")
    assert done.returncode == 2 and f"{design}: regions.farms.farmers is varied and --farmers 60 is given" in \
        done.stderr.replace("\n", " "), done.stderr
    ran = casim("sweep", path, "--lhs", 2, "--years", 2, "--workers", 1, "--out", tmp_path / "kept")
    assert ran.returncode == 0, ran.stderr
    rows = pd.read_parquet(tmp_path / "kept" / "runs")
    assert (rows.farmers == rows["regions.farms.farmers"]).all()  # what was stored is what ran


def test_a_dask_worker_with_other_code_is_refused(dask_cluster, monkeypatch, tmp_path):
    """Referee 41 m11: workers' code was never compared with the client's, so a cluster with another casim would store
    its numbers under the client's code version."""
    import experiments.executors as executors

    with DaskExecutor(dask_cluster) as same:
        assert list(same.map_unordered(abs, [-2])) == [2]  # the same code: runs
    real = executors.code_identity()
    refused = (r"Dask worker tcp://\S+ runs other code than this client \(model code .*: "
               f"{real['model code (sim/ source hash)'][:16]} on the worker, 0000000000000000 here\\); its runs were "
               "refused")
    with DaskExecutor(dask_cluster) as joined:  # a worker joining after the connection's check: each task checks
        monkeypatch.setattr(executors, "code_identity", lambda: {**real, "model code (sim/ source hash)": "0" * 64})
        with pytest.raises(executors.OtherCode, match=refused):
            list(joined.map_unordered(abs, [-2]))
    # Referee 44 MINOR 2: a worker on an older casim could not unpickle the per-task check and left, and the sweep
    # waited for ever; the connection itself now compares every worker's code, with a function sent by value
    with pytest.raises(executors.OtherCode, match=refused), DaskExecutor(dask_cluster, timeout=30):
        pytest.fail("entered a cluster running other code")
    # a sweep refused on connecting, after taking its directory's lock, ends its session: the next one may start
    out = tmp_path / "refused"
    with pytest.raises(executors.OtherCode, match=refused):
        sweep_scenarios({"sweep_small": sim.load_scenario(SWEEP)}, out, "lhs", samples=2, farmers=50,
                        executor=DaskExecutor(dask_cluster, timeout=30))
    assert not (out / "runs").exists()  # refused before anything was written
    with SweepStore(out).session():  # another session would be refused as "being written by another casim process"
        pass
    assert cloudpickle_by_value(executors._WORKER_IDENTITY) and cloudpickle_by_value(
        executors._on_the_clients_code(abs, real))  # what an older worker lacks is not named by reference


def cloudpickle_by_value(fn) -> bool:
    """Whether cloudpickle sends ``fn`` by value: its pickle unpickles where the module defining it is absent."""
    import pickle
    import sys

    import cloudpickle

    data = cloudpickle.dumps(fn)
    saved = sys.modules.pop("experiments.executors"), sys.modules.pop("experiments")
    try:
        with mock.patch.dict(sys.modules, {"experiments": None, "experiments.executors": None}):
            pickle.loads(data)  # importing experiments.executors (by reference) would fail here
        return True
    except ImportError:
        return False
    finally:
        sys.modules["experiments.executors"], sys.modules["experiments"] = saved
