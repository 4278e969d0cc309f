"""Issue 17: sweeps that record exactly what they ran, resume only what they should, and survive bad luck.

Most tests run SALib's Ishigami function as the 'model' (instant); those about the model's runs use the
one-region test scenario at 40-100 farmers.
"""

import errno
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest
from conftest import CASIM, ROOT, SCENARIOS, TEST_SCENARIOS

import sim
from analysis.sensitivity import sensitivity_analysis
from experiments.designs import Problem, grid, read_design, salib_sample
from experiments.executors import DaskExecutor, LocalExecutor, check_scheduler_address
from experiments.plan import BYTES_PER_CELL, make_plan, stored_bytes
from experiments.runs import check_size
from experiments.spec import ExperimentError
from experiments.store import FINISHED, INTERRUPTED, KILLED, RUNNING, StoreError, SweepMismatch, SweepStore, check_writable
from experiments.sweep import Evaluated, evaluate_ishigami, run_sweep, sweep_scenarios
from sim.footprint import gigabytes
from sim.kernel_cache import source_hash
from sim.scenario import Uncertain

SWEEP = TEST_SCENARIOS / "sweep_small.toml"
UNIFORM = Uncertain(dist="uniform", low=-np.pi, high=np.pi)
PROBLEM = Problem(("x1", "x2", "x3"), (UNIFORM,) * 3)


def ishigami_plan(n: int = 16, batch_size: int = 10, model: str = "ishigami"):
    samples = salib_sample(PROBLEM, "sobol", n, seed=1)
    return make_plan(model, {}, PROBLEM.names, {"ishigami": PROBLEM.decode(samples)}, 1, method="sobol",
                     batch_size=batch_size)


def killing_evaluator(batch):
    """Ishigami, except that run 3 kills its worker process (as the kernel's OOM killer would)."""
    if 3 in batch.runs.run_id.tolist():
        os.kill(os.getpid(), signal.SIGKILL)
    return evaluate_ishigami(batch)


def test_the_manifest_records_interrupted_and_killed_sessions(tmp_path):
    """Only a finished session was recorded: after Ctrl+C at 112 of 320 runs and a resume, the manifest named one
    session of 208 runs and nothing said who made the first 112 (referee 20, S8)."""

    def interrupt_after_the_first_batch(done: int, total: int) -> None:
        if 0 < done < total:
            raise KeyboardInterrupt

    store = SweepStore(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(ishigami_plan(batch_size=10), store, LocalExecutor(1), interrupt_after_the_first_batch)
    first, = store.manifest()["sessions"]
    assert first["status"] == INTERRUPTED and first["runs_run"] == 10 and first["runs_to_run"] == 80
    store.record_session({"status": RUNNING})  # a session killed before it could say (SIGKILL)
    rows = run_sweep(ishigami_plan(batch_size=10), store, LocalExecutor(1))
    sessions = store.manifest()["sessions"]
    assert [s["status"] for s in sessions] == [INTERRUPTED, KILLED, FINISHED] and len(rows) == 80
    assert sessions[-1]["runs_run"] == 70 and sessions[-1]["load_seconds"] >= 0


def test_the_fingerprint_follows_the_results_not_the_execution(tmp_path, monkeypatch):
    """Batch size and workers used to be part of a sweep's identity (the same command with --workers 1 was
    refused) while the model's code was not (a resumed sweep mixed 120 old and 180 new runs)."""
    store = SweepStore(tmp_path)
    run_sweep(ishigami_plan(batch_size=10), store, LocalExecutor(1))
    files = sorted(p.name for p in store.runs.iterdir())
    plan = ishigami_plan(batch_size=3)
    plan.extra = {"outputs": {"other": {"column": "y", "year": 0, "change": False}}}
    rows = run_sweep(plan, store, LocalExecutor(2))  # other batches, workers and outputs: the same sweep
    assert sorted(p.name for p in store.runs.iterdir()) == files and len(rows) == 80
    assert store.manifest()["sessions"][-1]["runs_run"] == 0
    monkeypatch.setattr("experiments.plan.code_version", lambda: "another model")
    casim_plan = make_plan("casim", {"s": sim.load_scenario(SWEEP)}, (), {"s": np.zeros((1, 0))}, 1, farmers=40)
    identity = casim_plan.identity()
    assert identity["code_version"] == "another model" and set(identity["dependencies"]) >= {"numpy", "numba"}
    other = tmp_path / "casim"
    SweepStore(other).prepare(casim_plan.manifest(), casim_plan.runs)
    monkeypatch.setattr("experiments.plan.code_version", lambda: "the model changed")
    with pytest.raises(SweepMismatch, match="differs in: code_version"):
        SweepStore(other).prepare(casim_plan.manifest(), casim_plan.runs)


def test_the_code_version_changes_with_any_source_file(tmp_path):
    tree = tmp_path / "sim"
    (tree / "soil" / "__pycache__").mkdir(parents=True)
    (tree / "soil" / "tier1.py").write_text("RATE = 0.1\n")
    before = source_hash(tree)
    (tree / "soil" / "__pycache__" / "tier1.cpython-312.pyc").write_bytes(b"compiled")
    assert source_hash(tree) == before  # caches are not source
    (tree / "soil" / "tier1.py").write_text("RATE = 0.2\n")
    assert source_hash(tree) != before


def test_the_folder_is_locked_and_temporary_files_stay_out_of_the_readable_glob(tmp_path):
    """Two commands on one --out shared batch-N.parquet.tmp; a .tmp left in runs/ broke pandas.read_parquet."""
    store = SweepStore(tmp_path)
    run_sweep(ishigami_plan(), store, LocalExecutor(1))
    with store.session():
        with pytest.raises(StoreError, match=f"being written by another casim process \\(pid {os.getpid()}\\)"):
            with SweepStore(tmp_path).session():
                pass
    # a write interrupted at any moment leaves its temporary file under .partial/, never in runs/
    (store.partial / "batch-000099.parquet.x1").write_bytes(b"PAR1 half a file")
    shutil.copy(store.runs / "batch-000000.parquet", store.partial / "batch-000100.parquet.x2")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "runs").sort_values("run_id").reset_index(drop=True),
                                  store.load().drop(columns=[]).reset_index(drop=True), check_like=True)
    run_sweep(ishigami_plan(), store, LocalExecutor(1))
    assert not list(store.partial.iterdir())  # a session clears them


def test_stray_and_truncated_batch_files_are_clean_errors(tmp_path, casim):
    store = SweepStore(tmp_path)
    run_sweep(ishigami_plan(), store, LocalExecutor(1))
    (store.runs / "notes.txt").write_text("my notes")
    with pytest.raises(StoreError, match="notes.txt: not a batch file of this sweep"):
        store.load()
    (store.runs / "notes.txt").unlink()
    good = (store.runs / "batch-000000.parquet").read_bytes()
    (store.runs / "batch-000000.parquet").write_bytes(good[: len(good) // 2])
    with pytest.raises(StoreError, match="batch-000000.parquet: not a readable Parquet file .* truncated"):
        run_sweep(ishigami_plan(), store, LocalExecutor(1))
    done = casim("discover", tmp_path, "--output", "y", "--year", 0, "--above", 0)
    assert done.returncode == 2 and "not a readable Parquet file" in done.stderr and "Traceback" not in done.stderr


def test_discover_needs_batches_and_a_known_column(tmp_path):
    from analysis.discovery import discover_in_sweep

    store = SweepStore(tmp_path)
    plan = ishigami_plan()
    store.prepare(plan.manifest(), plan.runs)
    with pytest.raises(ExperimentError, match="no finished runs stored yet"):
        discover_in_sweep(tmp_path, "y", 0, above=0.0)
    run_sweep(plan, store, LocalExecutor(1))
    with pytest.raises(ExperimentError, match="output 'yy': not a column of the stored runs; did you mean 'y'"):
        discover_in_sweep(tmp_path, "yy", 0, above=0.0)


def test_a_worker_killed_mid_batch_fails_only_its_run(tmp_path):
    """A local BrokenProcessPool aborted the sweep (Dask retried). Now the pool is replaced, the batch is retried
    run by run, and only the run that kills its worker each time is recorded as failed."""
    store = SweepStore(tmp_path)
    executor = LocalExecutor(2)
    rows = run_sweep(ishigami_plan(n=4, batch_size=2, model="test_sweep_storage:killing_evaluator"), store, executor)
    failures = store.failures()
    assert failures.run_id.tolist() == [3] and "WorkerLost" in failures.error.item()
    assert sorted(rows.run_id) == [r for r in range(20) if r != 3]
    assert executor.restarts >= 2  # once for the batch, once for run 3 alone


def test_failed_runs_are_recorded_then_retried_and_a_run_can_time_out(tmp_path, write_scenario):
    """One [uncertain] combination with the price ceiling below the floor sank the whole sweep and kept nothing."""
    path = write_scenario(f'''
        extends = "{SWEEP}"
        [carbon.price]
        ceiling = 40.0
        [uncertain]
        "carbon.price.floor" = {{ dist = "uniform", low = 10.0, high = 40.0 }}
        "carbon.price.ceiling" = {{ dist = "uniform", low = 20.0, high = 50.0 }}
        ''', extends=None)
    scenario = sim.load_scenario(path)
    sweep = sweep_scenarios({"s": scenario}, tmp_path / "a", "lhs", samples=8, farmers=40,
                            executor=LocalExecutor(1))
    design = SweepStore(tmp_path / "a").design()
    refused = design["carbon.price.ceiling"] < design["carbon.price.floor"]
    assert refused.any() and not refused.all()  # a known margin: LHS seed 42 puts 3 of 8 samples below
    assert sorted(sweep.failures.run_id) == design.run_id[refused].tolist()
    assert sweep.failures.error.str.contains("ceiling .* is below floor").all()
    assert sweep.rows.run_id.nunique() == (~refused).sum()
    again = sweep_scenarios({"s": scenario}, tmp_path / "a", "lhs", samples=8, farmers=40,
                            executor=LocalExecutor(1))
    assert SweepStore(tmp_path / "a").manifest()["sessions"][-1]["runs_run"] == refused.sum()  # only those retried
    pd.testing.assert_frame_equal(again.rows, sweep.rows)
    slow = sweep_scenarios({"s": sim.load_scenario(SWEEP)}, tmp_path / "b", "lhs", samples=2, farmers=40,
                           executor=LocalExecutor(1), timeout=1e-6)
    assert slow.rows.empty and slow.failures.error.str.contains("longer than the limit of 1e-06 s per run").all()


def test_a_full_disk_keeps_finished_batches_and_the_manifest_whole(tmp_path, monkeypatch):
    """A full disk left 4 kB of invalid JSON beside a complete table; now every write is atomic and says why."""
    store = SweepStore(tmp_path)
    plan = ishigami_plan(batch_size=20)
    run_sweep(plan, store, LocalExecutor(1))
    before = store.manifest_path.read_text()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StoreError, match="no space left on the device; finished results are kept"):
        store.write_manifest({"broken": True})
    assert store.manifest_path.read_text() == before and json.loads(before)["fingerprint"]
    with pytest.raises(StoreError, match="no space left"):
        store.write_batch(99, pd.DataFrame({"run_id": [0]}))
    assert sorted(p.name for p in store.runs.iterdir()) == ["batch-000000.parquet", "batch-000001.parquet",
                                                            "batch-000002.parquet", "batch-000003.parquet"]
    monkeypatch.undo()
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(StoreError, match="1,000 bytes free|0 MB free on its device"):
        check_writable(tmp_path / "new", need_bytes=10**6)


def test_out_that_is_a_file_or_unwritable_is_refused_before_simulating(tmp_path, casim, monkeypatch):
    def simulated(*args, **kwargs):
        raise AssertionError("a model was built or workers started before the output was checked")

    # the commands run in this process (see the casim fixture): building a model or starting a worker pool raises, and
    # the command then does not end with the refusal (exit 2 and its message) asserted below: no simulation ran
    monkeypatch.setattr(sim.AdoptionModel, "__init__", simulated)
    monkeypatch.setattr(LocalExecutor, "_start", simulated)
    monkeypatch.setattr(DaskExecutor, "_start", simulated)
    done = casim("run", SCENARIOS / "baseline.toml", "--out", ROOT / "README.md")
    assert done.returncode == 2 and "is a file; expected a directory" in done.stderr
    done = casim("sweep", SWEEP, "--lhs", 2, "--out", "/proc/self/casim-results")
    assert done.returncode == 2 and "cannot write there" in done.stderr and "Traceback" not in done.stderr
    # compare, report and animate check too, before their runs (referee 18: they failed with a traceback after them)
    done = casim("compare", SCENARIOS / "baseline.toml", "--out", ROOT / "README.md")
    assert done.returncode == 2 and "is a file; expected a directory" in done.stderr
    done = casim("report", SCENARIOS / "baseline.toml", "--out", tmp_path)
    assert done.returncode == 2 and "is a directory; expected a file name" in done.stderr
    for command, name in (("report", "r.html"), ("animate", "a.gif")):
        done = casim(command, SCENARIOS / "baseline.toml", "--out", f"/proc/self/casim/{name}")
        assert done.returncode == 2 and "cannot write there" in done.stderr and "Traceback" not in done.stderr
    done = casim("dashboard", "--port", 99999)
    assert done.returncode == 2 and "65535" in done.stderr


def test_a_refused_command_leaves_no_folder_behind(tmp_path, casim, write_scenario, monkeypatch):
    """Referee 32 m4: a refused `casim compare` (a scenario with a typo) left an empty results/compare/, because the
    output check created the folder before the scenarios loaded; report and animate left results/ likewise. The check
    now removes the folders it created, so no refusal after it, in any command, leaves one."""
    def simulated(*args, **kwargs):
        raise AssertionError("a model was built before the refusal")

    monkeypatch.setattr(sim.AdoptionModel, "__init__", simulated)
    typo = write_scenario("[regions.africa_dry]\nbase_yeild_kg_per_ha = 900.0\n", name="typo.toml")
    new = tmp_path / "new"
    for command in (["compare", SCENARIOS / "baseline.toml", typo, "--out", new / "results" / "compare"],
                    ["compare", SCENARIOS / "baseline.toml", "--baseline", "elsewhere", "--out", new / "compare"],
                    ["report", typo, "--out", new / "results" / "report.html"],
                    ["animate", SCENARIOS / "baseline.toml", "--lang", "xx", "--out", new / "results" / "a.gif"],
                    ["run", typo, "--out", new / "results"],
                    ["sweep", typo, "--out", new / "sweep"],
                    ["sensitivity", typo, "--out", new / "sensitivity"]):
        done = casim(*command)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (command, done.stderr)
        assert not new.exists(), f"casim {command[0]} left {sorted(new.rglob('*'))} behind: {done.stderr}"
    assert check_writable(new / "a" / "b") == new / "a" / "b" and not new.exists()
    with pytest.raises(StoreError, match="MB short"):
        check_writable(new / "c", need_bytes=10**18)
    assert not new.exists()


def test_scheduler_addresses_unreachable_schedulers_and_schedulers_without_workers(tmp_path, casim):
    from distributed import LocalCluster

    for bad in ("tcp//host:8786", "tcp://host", "tcp://host:99999", "host port"):
        with pytest.raises(ExperimentError, match="not a Dask scheduler address"):
            check_scheduler_address(bad)
    assert check_scheduler_address("tcp://10.0.0.5:8786") and check_scheduler_address("localhost:8786")
    with pytest.raises(ExperimentError, match="cannot reach the Dask scheduler within 1 s"):
        run_sweep(ishigami_plan(), SweepStore(tmp_path), DaskExecutor("tcp://127.0.0.1:9", timeout=1))
    assert not (tmp_path / "manifest.json").exists()  # refused before anything was written
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster:
        with pytest.raises(ExperimentError, match="the scheduler has no workers \\(waited 1 s\\)"):
            with DaskExecutor(cluster.scheduler_address, timeout=1):
                pass
    done = casim("sweep", SWEEP, "--scheduler", "tcp//nowhere", "--out", "/tmp/never-written")
    assert done.returncode == 2 and "not a Dask scheduler address" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGKILL"])
def test_no_process_outlives_an_interrupted_sweep(tmp_path, how):
    """SIGKILL/SIGTERM of casim sweep left the forkserver, pool workers and resource tracker running (600 MB)."""
    out = tmp_path / "sweep"
    # 400 runs: the signal comes after the second batch, long before the end even on a loaded machine
    command = [CASIM, "sweep", str(SWEEP), "--lhs", "400", "--farmers", "60", "--years", "6", "--out", str(out),
               "--workers", "2", "--batch-size", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "runs").glob("batch-*.parquet"))) < 2:
        time.sleep(0.05)
    children = psutil.Process(process.pid).children(recursive=True)
    assert len(children) >= 3  # resource tracker, forkserver, workers
    process.send_signal(getattr(signal, how))
    process.wait(60)
    stderr = process.stderr.read().decode()
    if how != "SIGKILL":
        assert process.returncode == {"SIGINT": 130, "SIGTERM": 143}[how] and "finished results are kept" in stderr
        assert "Traceback" not in stderr and "Warning" not in stderr
    # workers poll their parent every 0.5 s; allow 10 s on a busy machine
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], [p.cmdline() for p in alive]


def test_a_stopped_pool_leaves_its_wake_up_pipe_closed_for_the_exit_hook(monkeypatch):
    """CI, 1 run in 5 of the full suite: casim sweep stopped by Ctrl+C printed its message, then "Exception ignored
    in: <module 'threading'> ... OSError: [Errno 9] Bad file descriptor". At exit, Python 3.12's hook for process
    pools (``concurrent.futures.process._python_exit``) writes to the wake-up pipe of each pool manager thread still
    running, after checking without a lock that it is open; a manager thread that was late (a loaded machine) closed
    the pipe in between. A stopped pool now waits for its manager thread, so the hook finds the pipe closed and writes
    nothing. Here the manager thread is made 0.3 s late, as on the loaded machine: before, its pipe was still open."""
    import concurrent.futures.process as pools

    for name in ("terminate_broken", "join_executor_internals"):  # where the manager thread closes the pool
        original = getattr(pools._ExecutorManagerThread, name)
        monkeypatch.setattr(pools._ExecutorManagerThread, name,
                            lambda self, *args, original=original: (time.sleep(0.3), original(self, *args))[1])
    executor = LocalExecutor(2)
    with pytest.raises(KeyboardInterrupt), executor:
        for _ in executor.map_unordered(time.sleep, [0, 60, 60]):  # Ctrl+C while two tasks run
            manager = executor._pool._executor_manager_thread  # started by the first task
            raise KeyboardInterrupt
    assert not manager.is_alive() and pools._threads_wakeups[manager]._closed


HANGING_UNWIND = """
import subprocess, sys, time
import cli.common as common
common.STOP_GRACE_SECONDS = 1.0
common.stop_cleanly_on_signals()
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
told = False
while True:  # an unwind that never ends: the interrupt is swallowed, as by a library holding a lock
    try:
        if not told:
            print(child.pid, flush=True)
            told = True
        time.sleep(600)
    except KeyboardInterrupt:
        told = True
"""


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM"])
def test_a_stop_that_hangs_is_ended_by_the_watchdog(how):
    """CI once saw casim sweep still alive 60 s after SIGTERM: the unwind must end, workers and all, whatever it meets."""
    process = subprocess.Popen([sys.executable, "-c", HANGING_UNWIND], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=ROOT)
    child = psutil.Process(int(process.stdout.readline()))
    process.send_signal(getattr(signal, how))
    process.wait(30)
    assert process.returncode == {"SIGINT": 130, "SIGTERM": 143}[how]
    assert f"stopped by {how}; finished results are kept" in process.stderr.read()
    _, alive = psutil.wait_procs([child], timeout=10)
    assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_the_manifest_records_what_ran_and_the_stored_size_bound_holds(tmp_path):
    scenario = sim.load_scenario(SWEEP)
    sweep = sweep_scenarios({"sweep_small": scenario}, tmp_path, "lhs", samples=2, farmers=40,
                            executor=LocalExecutor(1), sources={"sweep_small": SWEEP})
    # the bound the disk and memory checks use counts every stored cell (it once assumed 80 columns of 117)
    cells = sweep.rows.shape[0] * sweep.rows.shape[1]
    assert stored_bytes(2, scenario.years, len(sweep.plan.parameters)) >= cells * BYTES_PER_CELL
    manifest = SweepStore(tmp_path).manifest()
    assert manifest["git_commit"] and len(manifest["code_version"]) == 64
    assert manifest["python"] and manifest["libraries"]["SALib"] and manifest["libraries"]["numpy"]
    assert manifest["scenario_content"]["sweep_small"] == SWEEP.read_text()
    assert manifest["scenario_files"]["sweep_small"] == str(SWEEP) and manifest["command"]
    session = manifest["sessions"][-1]
    assert session["runs_run"] == 2 and session["seconds"] > 0 and "LocalExecutor" in session["executor"]


def test_a_design_read_from_a_csv_file(tmp_path, write_scenario):
    scenario = sim.load_scenario(SWEEP)
    good = tmp_path / "design.csv"
    good.write_text("carbon.price.path.value,network.demo_reach\n10,0\n80.5,3\n")
    names, values = read_design(good, scenario)
    assert names == ("carbon.price.path.value", "network.demo_reach") and values.tolist() == [[10, 0], [80.5, 3]]
    sweep = sweep_scenarios({"s": scenario}, tmp_path / "out", "csv", farmers=40, executor=LocalExecutor(1),
                            design_table=(names, values))
    stored = sweep.rows.groupby("run_id").first()
    assert stored["network.demo_reach"].tolist() == [0, 3] and sweep.failures.empty
    for text, message in [("carbon.price.path.valeu\n1\n", "did you mean 'carbon.price.path.value'"),
                          ("carbon.price.path.value\nabc\n", "line 2: 'abc' is not a finite number"),
                          ("carbon.price.path.value\ninf\n", "line 2: 'inf' is not a finite number"),
                          ("network.demo_reach\n1.5\n", "line 2: '1.5' is not a whole number"),
                          ("carbon.farmer_share\n0.5\n1.5\n", "the value 1.5 is not allowed"),
                          ("carbon.farmer_share\n", "no design rows"),
                          # pandas took a leading value too many as the row's index and shifted the others
                          ("carbon.farmer_share,carbon.price.path.value\n0.5,30\n\n0.5,0.7,30\n",
                           "line 4: 3 values, but the header names 2 fields"),
                          ("carbon.farmer_share,carbon.price.path.value\n0.5\n", "line 2: 1 value, but"),
                          ("seed,carbon.farmer_share\n3,0.5\n", "column 'seed': the seed is the run's, not a "
                                                                   "parameter")]:
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(ExperimentError, match=message) as info:
            read_design(bad, scenario)
        assert str(bad) in str(info.value)


def test_designs_too_big_are_refused_before_they_are_built(casim, tmp_path, monkeypatch):
    """A grid of 10 levels over 8 fields (10^8 runs) and a Sobol N of 10^6 raised MemoryError tracebacks; N = 10^5
    spent 58 s and 1.5 GB planning 10^6 runs of 31 years, rows the sweep could not read back (referee 20, S1). The
    refusals come from counts, so these designs are never built: each call returns at once."""
    eight = Problem(tuple(f"x{j}" for j in range(8)), (UNIFORM,) * 8)
    with pytest.raises(ExperimentError, match=r"a grid of 10 levels over 8 fields makes 100,000,000 samples, more "
                                              r"than the 1,000,000 a design may have"):
        grid(eight, 10)
    with pytest.raises(ExperimentError, match=r"a sobol sample of N = 1048576 over 8 factors makes 10,485,760"):
        salib_sample(eight, "sobol", 2**20, seed=1)
    with pytest.raises(ExperimentError, match=r"N = 100: a Sobol' sample needs N a power of 2 .* e\.g\. 64 or 128"):
        salib_sample(eight, "sobol", 100, seed=1)  # SALib printed its raw UserWarning and sampled (N7)
    done = casim("sweep", SWEEP, "--lhs", 2_000_000, "--out", tmp_path / "lhs")
    assert done.returncode == 2 and "a Latin hypercube of 2,000,000 points makes 2,000,000 samples" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "lhs").exists()
    monkeypatch.setattr("experiments.plan.available_memory", lambda: 10**9)
    # 10^4 runs x 7 rows x (STORED_COLUMNS + 2) values x 8 bytes (~70 MB) fit in 1 GB; 10^6 runs (~7 GB) do not
    assert len(make_plan("ishigami", {}, ("x1", "x2"), {"a": np.zeros((5_000, 2))}, 2, years=6).runs) == 10_000
    too_big = gigabytes(stored_bytes(10**6, 6, 2))
    with pytest.raises(ExperimentError, match=rf"1,000,000 runs of 6 years store up to {too_big} of rows, which the sweep "
                                              r"reads back when it ends: more than the 1.0 GB"):
        make_plan("ishigami", {}, ("x1", "x2"), {"a": np.zeros((500_000, 2))}, 2, years=6)


def test_runs_that_cannot_fit_say_so_before_allocating(write_scenario):
    """Three regions of 100M farmers validated, then raised MemoryError; --farmers 1e12 and --years 100000 ran."""
    huge = write_scenario("""
        [regions.latin_america]
        farmers = 100000000
        [regions.africa_dry]
        farmers = 100000000
        [regions.africa_moist]
        farmers = 100000000
        """, extends=str(SCENARIOS / "baseline.toml"))
    scenario = sim.load_scenario(huge)
    with pytest.raises(ExperimentError, match=r"not enough memory: a run needs 300,000,000 farmers .* about "
                                              r"\d{3}\.\d GB .*; 24\.0 GB is available, \d{3}\.\d GB short "
                                              r"\(about [\d,]+ farmers fit"):
        check_size(scenario, available=24 * 10**9)
    with pytest.raises(ExperimentError, match="2 runs at once .* need"):
        check_size(scenario, 20_000_000, workers=2, available=24 * 10**9)
    baseline = sim.load_scenario(SCENARIOS / "baseline.toml")
    with pytest.raises(ExperimentError, match="puts 300,000,000,000 farmers in region 'latin_america'; a region holds "
                                              "at most 100,000,000"):
        check_size(baseline, 10**12)
    with pytest.raises(ExperimentError, match=r"years \(--years\) 100000: expected 1 to 500"):
        check_size(baseline, years=100_000)
    assert check_size(baseline, 1000, 10, available=10**9).farmers == 1000


def test_the_same_analysis_gives_the_same_files_whatever_the_workers_or_interruptions(tmp_path):
    """Sobol intervals differed between two identical commands (conf by up to 0.48). Here: one worker and small
    batches; two workers and default batches; and an analysis resumed after losing half its batches."""
    scenario = sim.load_scenario(SWEEP)

    def analysis(out: Path, executor, batch_size=None):
        result = sensitivity_analysis(scenario, out, "morris", 4, replicates=2, farmers=60, executor=executor,
                                      batch_size=batch_size, label="sweep_small")
        result.write(out)

    analysis(tmp_path / "a", LocalExecutor(1), batch_size=3)
    analysis(tmp_path / "b", LocalExecutor(2))
    analysis(tmp_path / "c", LocalExecutor(1), batch_size=5)
    for lost in sorted((tmp_path / "c" / "runs").glob("batch-*.parquet"))[::2]:
        lost.unlink()
    analysis(tmp_path / "c", LocalExecutor(2), batch_size=2)
    files = ["indices.csv", "convergence.csv", "seed_variance.csv", "outputs.csv", "runs.csv", "analysis.json",
             "indices.png", "convergence.png"]
    for name in files:
        a = (tmp_path / "a" / name).read_bytes()
        assert a == (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name
    indices = pd.read_csv(tmp_path / "a" / "indices.csv")
    assert indices.conf.notna().any() and np.isfinite(indices.value).all()


def test_help_keeps_bracketed_words(casim):
    """The help said "grid over the  fields": Rich markup swallowed "[uncertain]"."""
    done = casim("sweep", "--help")
    assert "grid over the [uncertain] fields" in " ".join(done.stdout.split())


def test_the_readme_sweep_example_names_files_with_uncertain_fields():
    """The README's casim sweep example named two files without [uncertain] and failed."""
    readme = (ROOT / "README.md").read_text()
    commands = [line for line in readme.splitlines() if "casim sweep" in line and ".toml" in line]
    assert commands
    for command in commands:
        files = [word for word in command.split() if word.endswith(".toml")]
        kinds = [("--lhs" in command or "--grid" in command) and not sim.load_scenario(ROOT / f).uncertain
                 for f in files]
        assert not any(kinds), command


def test_evaluated_batches_carry_their_failures():
    batch = ishigami_plan(n=2, batch_size=10).batches()[0]
    result = evaluate_ishigami(batch)
    assert isinstance(result, Evaluated) and result.failures == [] and len(result.rows) == len(batch.runs)


def test_a_full_disk_while_writing_a_single_run_is_a_clean_error(tmp_path, monkeypatch):
    """casim run on a full disk: a message, and no manifest beside a table (nor a table without manifest)."""
    from typer.testing import CliRunner

    from cli import app

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    monkeypatch.setattr(pq, "write_table", full)  # yearly.parquet, with its units (experiments.single.described)
    handler = signal.getsignal(signal.SIGTERM)
    try:
        result = CliRunner().invoke(app, ["run", str(TEST_SCENARIOS / "one_region.toml"), "--farmers", "40", "--years",
                                          "2", "--out", str(tmp_path)])
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert result.exit_code == 2 and "no space left on the device" in result.stderr
    assert not [p.name for p in tmp_path.iterdir()]


def test_sweep_exports_csv_and_dense_networks_are_refused_before_running(tmp_path, casim, write_scenario):
    done = casim("sweep", SWEEP, "--lhs", 2, "--farmers", 40, "--workers", 1, "--out", tmp_path / "s", "--csv")
    assert done.returncode == 0, done.stderr
    exported = pd.read_csv(tmp_path / "s" / "runs.csv")
    assert exported.run_id.nunique() == 2 and "carbon.price.path.value" in exported
    dense = sim.load_scenario(write_scenario("[network]\ninter_village_links_per_farmer = 1e6\n"))
    with pytest.raises(ExperimentError, match="not enough memory: a run needs 10,000 farmers and 10,00[\\d,]+ links"):
        check_size(dense, available=24 * 10**9)


def test_last_batches_shrink_so_the_workers_finish_together():
    """A batch of 40 runs at the end kept one worker busy for half a minute while the other idled. Batches of
    the default size shrink at the end (each at most a quarter of the runs left on 2 workers, at least
    SMALLEST_TAIL_BATCH); a batch size the user gives is kept for every batch."""
    from experiments.plan import SMALLEST_TAIL_BATCH, batch_sizes

    sizes = batch_sizes(320, 40, workers=2)
    assert sum(sizes) == 320 and max(sizes) == 40 and sizes == sorted(sizes, reverse=True)
    left = 320 - np.cumsum([0, *sizes[:-1]])
    assert all(size <= max(SMALLEST_TAIL_BATCH, -(-n // 4)) for size, n in zip(sizes, left, strict=True))
    assert sizes[-4:] == [SMALLEST_TAIL_BATCH] * 3 + [3]
    assert batch_sizes(100, 7) == [7] * 14 + [2] and batch_sizes(0, 10, 2) == []
    plan = make_plan("ishigami", {}, PROBLEM.names, {"ishigami": PROBLEM.decode(salib_sample(PROBLEM, "sobol", 64,
                                                                                               seed=1))}, 1, workers=1)
    batches = plan.batches()
    assert plan.balance == 1 and len(batches[-1].runs) < plan.batch_size
    assert pd.concat([b.runs for b in batches]).equals(plan.runs) and [b.id for b in batches] == list(range(len(batches)))
    assert ishigami_plan(batch_size=10).balance == 0


def test_stored_rows_are_each_runs_all_region_rows_after_its_run_columns():
    """The rows of a batch used to be built run by run (filter, drop, one insert per column, then a concat). The
    batch-wide assembly gives the same frame, column order and dtypes included, with failed runs in between (one
    that raised, one left out after it ran, e.g. for non-finite values)."""
    from experiments.runs import RunTables
    from experiments.sweep import stored_rows

    plan = ishigami_plan(n=2, batch_size=10)
    batch = plan.batches()[0]
    rng = np.random.default_rng(3)

    def table():
        years = np.repeat([2020, 2021, 2022], 3)
        return pd.DataFrame({"year": years, "region": np.tile(["all", "a", "b"], 3), "farmers": np.int64(7),
                             "soc": rng.normal(size=9)})

    results = [table(), table(), ValueError("failed"), table(), table(), table()]
    finished = [0, 1, 3, 5]  # run 4 ran but is left out
    expected = []
    for i in finished:  # the run-by-run assembly it replaces
        run = batch.runs.iloc[i].to_dict()
        frame = results[i][results[i].region == "all"].drop(columns=["region"])
        for name in ("run_id", "scenario", "sample_id", "replicate", "seed", *batch.parameters):
            frame.insert(0, name, run[name])
        expected.append(frame)
    pd.testing.assert_frame_equal(stored_rows(batch, RunTables.of(results), [2, 4]),
                                  pd.concat(expected, ignore_index=True), check_exact=True)
    assert stored_rows(batch, RunTables.of([ValueError("failed")]), [0]).empty
    assert stored_rows(batch, RunTables.of([results[0]]), [0]).empty


def test_loading_keeps_the_first_row_of_each_run_and_year_in_order(tmp_path):
    """Batches read back as one table: ordered by run and year, a run stored twice (a resumed sweep) counted once,
    as pandas' drop_duplicates(keep="first") and a stable sort give them."""
    store = SweepStore(tmp_path)
    store.runs.mkdir(parents=True)
    rng = np.random.default_rng(5)
    for batch_id, runs in enumerate([[4, 1], [0, 2], [1, 3]]):
        rows = pd.DataFrame({"scenario": "s", "run_id": np.repeat(runs, 3), "year": np.tile([2, 0, 1], len(runs)),
                             "y": rng.normal(size=3 * len(runs))})
        store.write_batch(batch_id, rows)
    every = pd.concat([pd.read_parquet(p) for p in store.batch_files()], ignore_index=True)
    expected = every.drop_duplicates(["run_id", "year"]).sort_values(["run_id", "year"], kind="stable")
    loaded = store.load()
    pd.testing.assert_frame_equal(loaded, expected.reset_index(drop=True), check_exact=True)
    assert len(loaded) == 15 and loaded.run_id.tolist() == sorted(loaded.run_id)


def test_batch_files_are_the_bytes_pandas_writes():
    """Workers encode batches column by column against a schema kept between batches (experiments.store.
    parquet_bytes); the file must be byte for byte what DataFrame.to_parquet writes: NaN stored as null, text, whole
    numbers, flags, an empty frame, and a frame pandas must write itself (a column of objects)."""
    from experiments.store import parquet_bytes

    rng = np.random.default_rng(5)
    numbers = pd.DataFrame({"run_id": np.arange(6), "scenario": ["a", "b", None, "a", "b", "c"],
                            "share": rng.random(6), "soc": [1.0, np.nan, 3.0, np.inf, -0.0, 2.5],
                            "adopted": rng.random(6) > 0.5, "farmers": np.arange(6, dtype=np.uint32)})
    # both string storages print as "str" but pandas writes them as different Arrow types (a referee's case)
    text = {storage: numbers.assign(scenario=pd.array(["a", "b", None, "a", "b", "c"],
                                                      dtype=pd.StringDtype(storage, na_value=np.nan)))
            for storage in ("pyarrow", "python")}
    frames = [numbers, numbers.iloc[2:5], numbers.iloc[:0], ishigami_plan(n=2, batch_size=10).runs,
              numbers.assign(other=pd.Series(["x", "y"] * 3, dtype=object)), text["pyarrow"], text["python"]]
    for frame in [*frames, numbers]:  # the first frame again: its schema is now kept
        expected = io.BytesIO()
        frame.to_parquet(expected, index=False)
        assert parquet_bytes(frame) == expected.getvalue()


def test_a_killed_session_is_recorded_with_the_runs_it_stored(tmp_path):
    """Referee 41 m12: a SIGKILLed session's record said runs_run 0 and 0.015 s after it had stored 960 runs."""

    def stop_after_two_batches(done: int, total: int) -> None:
        if done >= 20:
            raise KeyboardInterrupt

    store = SweepStore(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(ishigami_plan(batch_size=10), store, LocalExecutor(1), stop_after_two_batches)
    manifest = store.manifest()
    # what SIGKILL leaves: the record the session wrote as it started
    manifest["sessions"][-1].update(status=RUNNING, runs_run=0, seconds=0.015)
    store.write_manifest(manifest)
    run_sweep(ishigami_plan(batch_size=10), store, LocalExecutor(1))
    killed, resumed = store.manifest()["sessions"]
    assert killed["status"] == KILLED and killed["runs_run"] == 20 and killed["runs_failed"] == 0
    assert killed["seconds"] is None and killed["model_seconds"] is None
    assert resumed["status"] == FINISHED and resumed["runs_run"] == 60
