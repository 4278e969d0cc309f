"""Posterior draws as a scenario input (issue 12 item 9): compare, target and report replicate over draws x seeds,
and a posterior file that cannot be used is a clean error."""

import textwrap

import numpy as np
import pandas as pd
import pytest
from conftest import TEST_SCENARIOS

import sim
from analysis.compare import compare_scenarios, indicators
from analysis.target import find_lever
from experiments.executors import LocalExecutor
from experiments.runs import RunSpec, describe_replicates, load_labelled, replicates_of, run_one
from experiments.spec import ExperimentError
from experiments.sweep import sweep_scenarios
from facilitation.story import tell_stories

BASS = TEST_SCENARIOS / "bass_mixed.toml"
#: Two draws far apart: a slow and a fast imitation coefficient.
DRAWS = pd.DataFrame({"draw": [0, 1, 2], "decision.rule.q": [0.2, 0.6, 0.4]})


def posterior_scenario(tmp_path, draws: int = 2, columns: str = "", file: str = "fit/posterior.csv",
                       table: pd.DataFrame = DRAWS):
    (tmp_path / "fit").mkdir(exist_ok=True)
    table.to_csv(tmp_path / "fit" / "posterior.csv", index=False)
    table.to_parquet(tmp_path / "fit" / "posterior.parquet", index=False)
    path = tmp_path / "calibrated.toml"
    path.write_text(textwrap.dedent(f"""\
        extends = "{BASS}"
        [posterior]
        file = "{file}"
        draws = {draws}
        {columns}
        """))
    return path


def test_compare_replicates_over_draws_and_seeds(tmp_path):
    """The calibrated scenario runs 2 draws x 2 seeds; each run is the plain scenario with that draw's value at that
    seed, and its spread (q = 0.2 vs 0.6) is far above the seed-only spread of the baseline."""
    path = posterior_scenario(tmp_path)
    scenarios = load_labelled([BASS, path])
    result = compare_scenarios(scenarios, replicates=2, farmers=300, executor=LocalExecutor(1))
    calibrated = result.runs[result.runs.scenario == "calibrated"]
    assert sorted(calibrated.groupby(["draw", "seed"]).groups) == [(0, 42), (0, 43), (1, 42), (1, 43)]
    direct = run_one(RunSpec(scenarios["bass_mixed"], "calibrated", 43, 300, None, (("decision.rule.q", 0.6),), draw=1))
    one = calibrated[(calibrated.draw == 1) & (calibrated.seed == 43)][direct.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, direct, check_dtype=False)
    spread = indicators(result.runs).groupby("scenario").full_ca_2030.std(ddof=1)
    assert spread["calibrated"] > 3 * spread["bass_mixed"]
    assert result.replicates_line() == "bass_mixed: 2 seeds; calibrated: 2 posterior draws x 2 seeds"
    written = result.write(tmp_path / "out")
    assert "2 posterior draws x 2 seeds" in next(p for p in written if p.name == "comparison.md").read_text()


def test_target_and_report_use_the_draws(tmp_path):
    """target's bisection averages over draws x seeds and says how they spread at the value found; a report's
    story holds every draw's run."""
    scenario = sim.load_scenario(posterior_scenario(tmp_path, draws=3, file="fit/posterior.parquet"))
    replicates = replicates_of(scenario, 1)
    assert [(r.draw, r.overrides) for r in replicates] == [(d, (("decision.rule.q", q),))
                                                           for d, q in zip(DRAWS.draw, DRAWS["decision.rule.q"], strict=True)]
    assert describe_replicates(scenario, 1) == "3 posterior draws x 1 seed"
    result = find_lever(scenario, "decision.rule.p", "target_bundle_share", 2030, 0.35, 0.0, 0.2, replicates,
                        farmers=400, tolerance=0.01, executor=LocalExecutor(1))
    assert result.reached and result.replicates == 3
    assert result.interval[0] < result.metric_value < result.interval[1]
    assert 0.0 < result.share_reaching < 1.0  # q = 0.2 and q = 0.6 land on either side of the mean
    story, = tell_stories({"calibrated": scenario}, replicates=1, farmers=300, years=3, per_region=20,
                          executor=LocalExecutor(1))
    assert sorted(story.results.draw.unique()) == [0, 1, 2]


def test_posterior_files_that_cannot_be_used_are_clean_errors(tmp_path):
    missing = posterior_scenario(tmp_path, file="nowhere/posterior.csv")
    with pytest.raises(sim.ScenarioError, match=r"calibrated\.toml: posterior\.file: .*nowhere/posterior\.csv not "
                                                r"found"):
        sim.load_scenario(missing)
    typo = posterior_scenario(tmp_path, table=DRAWS.rename(columns={"decision.rule.q": "decision.rule.qq"}))
    with pytest.raises(ExperimentError, match=r"calibrated\.toml: posterior\.file: column 'decision\.rule\.qq' .* "
                                              r"closest field is 'decision\.rule\.q'"):
        load_labelled([typo])
    too_few = posterior_scenario(tmp_path, draws=5)
    with pytest.raises(ExperimentError, match="5 draws asked but .* has 3"):
        load_labelled([too_few])
    out_of_range = posterior_scenario(tmp_path, table=DRAWS.assign(**{"decision.rule.q": [0.2, 9.0, 0.4]}))
    with pytest.raises(ExperimentError, match="draw 1 of .* is not a valid value"):
        load_labelled([out_of_range])
    unknown_column = posterior_scenario(tmp_path, columns='columns = ["decision.rule.p"]')
    with pytest.raises(ExperimentError, match="posterior.columns: 'decision.rule.p' is not a column"):
        load_labelled([unknown_column])


def test_posterior_values_that_are_not_numbers_name_the_file_row_and_column(tmp_path):
    """Text raised a raw ValueError; NaN named no column or row; a value too many was 'a missing value' (pandas took
    the row's first value as its index)."""
    path = posterior_scenario(tmp_path)
    for value in ("abc", "nan", ""):
        (tmp_path / "fit" / "posterior.csv").write_text(f"draw,decision.rule.q\n0,0.2\n1,{value}\n2,0.4\n")
        with pytest.raises(ExperimentError, match=r"posterior\.csv, line 3, column 'decision\.rule\.q': .* is not a "
                                                  r"finite number"):
            load_labelled([path])
    (tmp_path / "fit" / "posterior.csv").write_text("draw,decision.rule.q\n0,0.2\n1,0.6,9\n2,0.4\n")
    with pytest.raises(ExperimentError, match=r"posterior\.csv, line 3: 3 values, but the header names 2 fields"):
        load_labelled([path])
    parquet = posterior_scenario(tmp_path, file="fit/posterior.parquet",
                                 table=DRAWS.assign(**{"decision.rule.q": [0.2, np.nan, 0.4]}))
    with pytest.raises(ExperimentError, match=r"posterior\.parquet, row 2, column 'decision\.rule\.q': nan"):
        load_labelled([parquet])
    seeds = posterior_scenario(tmp_path, table=DRAWS.assign(seed=[1, 2, 3]))
    with pytest.raises(ExperimentError, match="column 'seed' .*: the seed is the run's, not a parameter"):
        load_labelled([seeds])


def test_sweep_and_sensitivity_refuse_posterior_draws_and_run_says_what_it_runs(tmp_path, casim):
    """A sweep planned the scenario's own values with no word on its [posterior] table (referee 20, S3)."""
    path = posterior_scenario(tmp_path)
    with pytest.raises(ExperimentError, match=r"calibrated\.toml: \[posterior\] names draws of .*posterior\.csv, "
                                              r"which 'casim sweep' does not use: only compare, target, report"):
        sweep_scenarios({"calibrated": sim.load_scenario(path)}, tmp_path / "sweep", sources={"calibrated": path})
    assert not (tmp_path / "sweep").exists()
    done = casim("sensitivity", path, "--n", 4, "--out", tmp_path / "sa")
    said = " ".join(done.stderr.split())
    assert done.returncode == 2 and "which 'casim sensitivity' does not use" in said and "Traceback" not in said
    assert "vary the calibrated fields in [uncertain]" in said
    done = casim("run", path, "--farmers", 100, "--years", 1, "--out", tmp_path / "run")
    said = " ".join(done.stderr.split())
    assert done.returncode == 0 and "'casim run' does not use them: it runs the scenario's own values" in said


def test_compare_command_with_a_bad_posterior_is_a_clean_error(tmp_path, casim):
    path = posterior_scenario(tmp_path, table=DRAWS.assign(extra=np.ones(3)))
    done = casim("compare", BASS, path, "--farmers", 100, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "column 'extra'" in done.stderr and "Traceback" not in done.stderr
