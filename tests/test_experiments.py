"""The experiments package: one executor protocol whose results never depend on the executor, the experiment spec."""

import json
import time

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, TEST_SCENARIOS

import sim
from analysis.compare import compare_scenarios
from experiments.executors import DaskExecutor, Executor, LocalExecutor, executor_for, map_ordered
from experiments.runs import load_labelled
from experiments.spec import ExperimentError, Output, outputs_of

SWEEP = TEST_SCENARIOS / "sweep_small.toml"  # 2025 + 6 years, one output of interest in 2031


def slow_square(x: int) -> int:
    """Later tasks finish first (they sleep less), so completion order is not task order."""
    time.sleep(0.05 * (5 - x))
    return x * x


def test_map_ordered_returns_results_in_task_order_and_shares_an_open_pool():
    calls = []
    with LocalExecutor(2) as executor:
        squares = map_ordered(executor, slow_square, range(5), lambda done, total: calls.append((done, total)))
        assert executor._pool is not None  # the nested use left the outer block's pool open
        assert map_ordered(executor, slow_square, [4]) == [16]
    assert squares == [0, 1, 4, 9, 16]
    assert calls == [(0, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert executor._pool is None


def test_executors_follow_the_protocol_and_run_only_inside_with():
    assert isinstance(LocalExecutor(1), Executor) and isinstance(DaskExecutor("tcp://nowhere:1"), Executor)
    with pytest.raises(RuntimeError, match="inside a 'with' block"):
        list(LocalExecutor(1).map_unordered(abs, [-1]))
    assert isinstance(executor_for("tcp://head:8786", 4), DaskExecutor)
    assert executor_for(None, 3).workers == 3 and executor_for(None, None, tasks=1).workers == 1


class RecordingExecutor(LocalExecutor):
    """Runs tasks in this process and keeps what each task received (what a Dask worker would receive)."""

    def __init__(self) -> None:
        super().__init__(1)
        self.items = []

    def map_unordered(self, fn, items, lost=None):
        for item in items:
            self.items.append(item[1])  # map_ordered numbers its items
            yield fn(item)


def test_many_runs_reach_the_workers_in_batches_and_give_the_tables_of_single_runs():
    """Tasks carry batches of runs (experiments.executors.batch_size: 20 tasks per worker), never change a number,
    and progress counts runs."""
    from experiments.runs import RunSpec, run_many, run_one

    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")
    specs = [RunSpec(scenario, "baseline", seed, 30, 1) for seed in range(45)]
    executor, calls = RecordingExecutor(), []
    table = run_many(specs, executor, lambda done, total: calls.append((done, total)))
    assert [len(batch) for batch in executor.items] == [3] * 15
    assert [spec.seed for batch in executor.items for spec in batch] == list(range(45))
    assert calls == [(3 * i, 45) for i in range(16)]
    alone = pd.concat([run_one(spec) for spec in specs], ignore_index=True)
    pd.testing.assert_frame_equal(table, alone, check_exact=True)


def test_compare_gives_identical_numbers_on_one_or_two_workers_and_a_dask_cluster(tmp_path, dask_cluster):
    """Seeds belong to runs (scenario seed + replicate), not to workers: the executor cannot change a number."""
    scenarios = load_labelled([SCENARIOS / "baseline.toml", SCENARIOS / "carbon_price_100.toml"])

    def compare(executor):
        return compare_scenarios(scenarios, replicates=2, farmers=400, years=6, executor=executor)

    one, two = compare(LocalExecutor(1)), compare(LocalExecutor(2))
    dask = compare(DaskExecutor(dask_cluster))
    for other in (two, dask):
        pd.testing.assert_frame_equal(other.table, one.table, check_exact=True)
        pd.testing.assert_frame_equal(other.runs, one.runs, check_exact=True)
    assert one.baseline == "baseline" and list(one.table.scenario) == ["baseline", "carbon_price_100"]
    assert one.table.loc[1, "co2e_credited_t"] > 0 == one.table.loc[0, "co2e_credited_t"]
    written = one.write(tmp_path)
    assert [p.name for p in written] == [f"{name}.{kind}" for name in ("runs", "comparison", "comparison_by_region")
                                         for kind in ("parquet", "csv", "xlsx")] + ["comparison.md", "compare.png"]
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "comparison.csv", encoding="utf-8-sig"),
                                  one.table.assign(currency=one.currency))  # the file names its money's unit
    with pytest.raises(ExperimentError, match=r"baseline 'nope' is not one of \['baseline', 'carbon_price_100'\]"):
        compare_scenarios(scenarios, baseline="nope")


def test_two_scenario_files_with_one_name_are_told_apart_and_one_file_twice_is_refused(tmp_path):
    """Issue 17: two files named baseline.toml ran silently as one. Their labels now carry their folders."""
    (tmp_path / "a").mkdir()
    copy = tmp_path / "a" / "baseline.toml"
    copy.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n')
    assert list(load_labelled([SCENARIOS / "baseline.toml", copy])) == ["scenarios/baseline", "a/baseline"]
    assert list(load_labelled([SCENARIOS / "baseline.toml", SCENARIOS / "mrv_group.toml"])) == ["baseline",
                                                                                                 "mrv_group"]
    with pytest.raises(ExperimentError, match="given twice"):
        load_labelled([SCENARIOS / "baseline.toml", SCENARIOS / ".." / "scenarios" / "baseline.toml"])


def test_outputs_of_interest_name_a_yearly_column_and_a_simulated_year():
    scenario = sim.load_scenario(SWEEP)
    assert outputs_of(scenario) == [Output("any_practice_2031", "any_practice_share", 2031)]
    declared = scenario.outputs["any_practice_2031"]
    typo = scenario.model_copy(update={"outputs": {"a": declared.model_copy(update={"column": "any_practise_share"})}})
    with pytest.raises(ExperimentError, match=r"^s\.toml: outputs\.a\.column: unknown column 'any_practise_share'; "
                                              r"did you mean 'any_practice_share'\?$"):
        outputs_of(typo, source="s.toml")
    key = scenario.model_copy(update={"outputs": {"r": declared.model_copy(update={"column": "region"})}})
    with pytest.raises(ExperimentError, match="outputs.r.column: unknown column 'region'"):
        outputs_of(key)
    with pytest.raises(ExperimentError, match="outputs.any_practice_2031.year: 2031 is outside the simulated years "
                                              "2025-2029"):
        outputs_of(scenario, years=4)
    assert outputs_of(scenario, years=10)[0].year == 2031


def test_validate_names_the_file_and_field_of_a_bad_output(write_scenario, casim):
    typo = write_scenario('[outputs]\nadoption = { column = "full_ca_shar", year = 2030 }\n', name="typo.toml")
    done = casim("validate", typo)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "typo.toml" in done.stderr and "outputs.adoption.column" in done.stderr
    assert "did you mean 'full_ca_share'" in done.stderr
    late = write_scenario('[outputs]\nadoption = { column = "full_ca_share", year = 2100 }\n', name="late.toml")
    done = casim("validate", late)
    assert done.returncode == 2 and "outputs.adoption.year: 2100 is outside" in done.stderr


def test_a_sweep_shorter_than_its_outputs_stops_before_running(tmp_path, casim):
    done = casim("sweep", SWEEP, "--lhs", 4, "--years", 3, "--out", tmp_path / "sweep")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "outputs.any_practice_2031.year: 2031 is outside the simulated years 2025-2028" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_replicate_seeds_never_pass_the_largest_seed_casim_run_takes(write_scenario, casim, tmp_path):
    """Referee 31 (m3): a scenario with seed = 4294967295 (MAX_SEED) swept with --replicates 2 ran seed 4294967296,
    which `casim run --seed` refuses, so that replicate could not be repeated. Every command's replicate seeds come
    from one function, which refuses them before anything runs, naming the file and the largest seed it may have."""
    from experiments.plan import make_plan
    from experiments.runs import consecutive_seeds, replicate_seeds, replicates_of
    from sim.scenario.scenario import MAX_SEED

    assert consecutive_seeds(MAX_SEED - 1, 2) == [MAX_SEED - 1, MAX_SEED] and consecutive_seeds(MAX_SEED, 1) == [MAX_SEED]
    path = write_scenario(f"seed = {MAX_SEED}\n", name="maxseed.toml", extends=str(TEST_SCENARIOS / "one_region.toml"))
    scenario = sim.load_scenario(path)
    expected = (f"{path}: seed {MAX_SEED} with 2 replicates runs seeds up to {MAX_SEED + 1}, past the largest seed "
                f"{MAX_SEED} (`casim run --seed` could not repeat those runs); lower `seed` in {path} to at most "
                f"{MAX_SEED - 1}, or run fewer replicates")
    with pytest.raises(ExperimentError) as refused:
        replicate_seeds(scenario, 2, path)
    assert str(refused.value) == expected
    with pytest.raises(ExperimentError, match=f"scenario 'maxseed': seed {MAX_SEED} with 3 replicates"):
        make_plan("casim", {"maxseed": scenario}, (), {"maxseed": np.zeros((1, 0))}, 3)  # sweep of the file as it is
    with pytest.raises(ExperimentError, match="runs seeds up to"):
        replicates_of(scenario, 2)  # compare, target, report
    assert len(make_plan("casim", {"maxseed": scenario}, ("years",), {"maxseed": np.array([[5.0], [6.0]])}, 2).runs) == 4
    for command in (["sweep", path, "--replicates", 2, "--out", tmp_path / "sweep"],
                    ["compare", TEST_SCENARIOS / "one_region.toml", path, "--replicates", 2, "--out", tmp_path / "cmp"]):
        done = casim(*command)
        said = " ".join(done.stderr.split())
        assert done.returncode == 2 and f"lower `seed` in {path} to at most {MAX_SEED - 1}" in said, said
        assert "Traceback" not in said and not (tmp_path / "sweep" / "runs").exists()


def test_a_sweep_runs_seed_repeats_it_alone_with_casim_run(write_scenario, casim, tmp_path):
    """A design of several samples draws each run a 63-bit seed (``experiments.plan.run_seeds``), which `casim run
    --seed` and a scenario's ``seed`` refused (at most 2^32 - 1): no run of such a sweep could be repeated alone. The
    largest seed is now the largest a sweep draws, and a run repeated alone, with its seed and its parameter value,
    gives the sweep's rows to the last bit, whether the seed comes from --seed or from the scenario file."""
    from experiments.sweep import sweep_scenarios
    from sim.scenario.scenario import MAX_SEED

    design = (("carbon.price.path.value",), np.array([[10.0], [120.0]]))
    sweep = sweep_scenarios({"sweep_small": sim.load_scenario(SWEEP)}, tmp_path / "sweep", "csv", farmers=40,
                            executor=LocalExecutor(1), design_table=design)
    run = sweep.rows[sweep.rows.sample_id == 1]
    seed = int(run.seed.iloc[0])
    assert 2**32 <= seed <= MAX_SEED == 2**63 - 1  # a seed casim run refused
    alone = write_scenario(f"seed = {seed}\n[carbon.price.path]\nvalue = 120.0\n", name="alone.toml",
                           extends=str(SWEEP))
    for label, command in (("file", ["run", alone, "--farmers", 40, "--out", tmp_path / "file"]),
                           ("option", ["run", write_scenario("[carbon.price.path]\nvalue = 120.0\n", name="o.toml",
                                                             extends=str(SWEEP)),
                                       "--seed", seed, "--farmers", 40, "--out", tmp_path / "option"])):
        done = casim(*command)
        assert done.returncode == 0, done.stderr
        assert json.loads((tmp_path / label / "manifest.json").read_text())["seed"] == seed
        table = pd.read_parquet(tmp_path / label / "yearly.parquet")
        table = table[table.region == "all"].drop(columns="region")  # what a sweep stores of a run
        columns = [c for c in table.columns if c in run.columns]
        assert len(columns) == len(table.columns) > 100 and len(table) == len(run) == 7
        pd.testing.assert_frame_equal(table[columns].reset_index(drop=True), run[columns].reset_index(drop=True),
                                      check_exact=True, check_dtype=False)
