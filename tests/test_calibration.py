"""Calibration (issue 12): pattern statistics, the reproducible ABC-SMC sampler, resume, recovery of a known
parameter, and the data behind the calibration scenarios."""

import csv
import json
import pickle
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS, SHARED_REFERENCE, TEST_SCENARIOS

import sim
from analysis import patterns as pt
from analysis.calibration import calibrate, countries_of, predictive_check, scenario_digest, weighted_quantile
from analysis.calibration_report import provenance_lines
from experiments.abc_sampler import slot_seed
from experiments.abc_smc import AbcSettings, run_abc, toy_distance, toy_normal_mean
from experiments.executors import DaskExecutor, LocalExecutor
from experiments.plan import code_version, library_versions
from experiments.single import git_commit
from experiments.spec import ExperimentError
from sim.scenario import Pattern, Uncertain

DATA = ROOT / "analysis" / "data"


def rows(name: str) -> list[dict]:
    lines = [line for line in (DATA / name).read_text().splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


def yearly(values: dict[int, float], column: str = "no_till_area_share") -> pd.DataFrame:
    return pd.DataFrame({"year": list(values), "region": "all", column: list(values.values())})


# ------------------------------------------------------------------------------------------- pattern statistics
def test_statistics_of_known_series():
    """Exact answers: a linear series has its slope, a geometric one its growth, ratios of windows and of slopes."""
    years = range(1990, 2001)
    line = yearly({y: 0.01 * (y - 1990) for y in years})
    series = pt.column_by_year(line, "no_till_area_share")
    assert pt.slope(series, 1990, 2000) == pytest.approx(0.01, abs=1e-12)
    assert pt.window_mean(series, 1990, 1992) == pytest.approx(0.01)
    assert pt.ratio(series, [2000, 2000], [1995, 1995]) == pytest.approx(2.0)
    geometric = pt.column_by_year(yearly({y: 0.02 * 1.15 ** (y - 1990) for y in years}), "no_till_area_share")
    assert pt.growth(geometric, 1990, 2000) == pytest.approx(0.15, abs=1e-12)
    # two phases: 0.001/yr then 0.02/yr -> log10(20)
    kinked = pt.column_by_year(yearly({y: 0.001 * (y - 1990) if y <= 1995 else 0.005 + 0.02 * (y - 1995)
                                       for y in years}), "no_till_area_share")
    assert pt.slope_ratio(kinked, [1995, 2000], [1990, 1995]) == pytest.approx(np.log10(20.0), abs=1e-9)
    # a flat first phase counts as the floor, not as a division by zero
    flat = pt.column_by_year(yearly({y: 0.0 if y <= 1995 else 0.01 * (y - 1995) for y in years}), "no_till_area_share")
    assert pt.slope_ratio(flat, [1995, 2000], [1990, 1995]) == pytest.approx(np.log10(0.01 / pt.SLOPE_FLOOR))
    assert np.isnan(pt.growth(flat, 1990, 2000))  # zeros have no growth rate


def test_growth_rate_recovers_the_forums_ten_percent_a_year():
    """The forum's path, 12 % of farms growing 10 % a year (relative) from 2020 to 80.7 % in 2040, is a geometric
    series: the log-linear fit must return exactly 10 %/yr for it (not the log rate, 9.53 %)."""
    years = np.arange(2020, 2041)
    path = 0.12 * 1.1 ** (years - 2020)
    assert path[-1] == pytest.approx(0.807, abs=0.0005)
    assert pt.growth_rate(years, path) == pytest.approx(0.10, abs=1e-12)


def pattern(**fields) -> Pattern:
    return Pattern(**{"column": "no_till_area_share", "scale": 0.1, "source": "test", **fields})


def test_distance_weights_countries_and_patterns_equally():
    """d^2 = mean over countries of the weight-averaged mean z^2 of each pattern; bounds are one-sided; a statistic
    the run cannot produce counts MISSING_Z. Hand-computed: country a has a level pattern with two years (z = 1 and
    3: mean z^2 = 5) and an upper bound respected (z = 0); country b one mean off by 2 scales (z^2 = 4).
    d^2 = ((5 + 0) / 2 + 4) / 2 = 3.25."""
    a = {"levels": pattern(statistic="level", observed={"2000": 0.1, "2001": 0.2}),
         "bound": pattern(statistic="ratio", window=[2001, 2001], relative_to=[2000, 2000], observed=3.0,
                          bound="upper"),
         "unfitted": pattern(statistic="mean", window=[2000, 2001], observed=0.9, fit=False)}
    b = {"rate": pattern(statistic="mean", window=[2000, 2001], observed=0.5)}
    distance = pt.PatternDistance(pt.layout("a", a) + pt.layout("b", b))
    simulated = {**pt.statistics("a", a, yearly({2000: 0.2, 2001: 0.5})),
                 **pt.statistics("b", b, yearly({2000: 0.7, 2001: 0.7}))}
    assert simulated["a/levels:2000"] == pytest.approx(0.2) and simulated["a/bound"] == pytest.approx(2.5)
    assert distance(simulated) == pytest.approx(np.sqrt(3.25))
    assert distance({**simulated, "b/rate": float("nan")}) == pytest.approx(np.sqrt((2.5 + pt.MISSING_Z ** 2) / 2))
    assert pt.observed("a", a)["a/levels:2001"] == 0.2


def test_a_bound_is_covered_when_the_predictive_median_respects_it():
    """20 runs, 2 at 0.1 and 18 at 0.4. An upper bound of 0.2 is not covered (the median is twice it; the former rule,
    "5 % of the runs at or below it", said covered) and 10 % of the runs are within it; a lower bound of 0.3 is
    covered with 90 % within; a two-sided value of 0.4 keeps the 5-95 % rule and has no share within."""
    country = SimpleNamespace(label="c", scenario=SimpleNamespace(patterns={
        "upper": pattern(statistic="mean", window=[2000, 2000], observed=0.2, bound="upper"),
        "lower": pattern(statistic="mean", window=[2000, 2000], observed=0.3, bound="lower"),
        "two_sided": pattern(statistic="mean", window=[2000, 2000], observed=0.4)}))
    runs = pd.concat([yearly({2000: 0.1 if k < 2 else 0.4}).assign(scenario="c", draw=k, seed=0) for k in range(20)])
    check = predictive_check([country], runs).set_index("pattern")
    assert check.p05.upper <= 0.2 < check.p50.upper
    assert not check.covered.upper and check.within_bound.upper == pytest.approx(0.1)
    assert check.covered.lower and check.within_bound.lower == pytest.approx(0.9)
    assert check.covered.two_sided and np.isnan(check.within_bound.two_sided)


def test_weighted_quantile_with_equal_weights_is_hazens_rule():
    """With equal weights the mid-weight rule is Hazen's plotting position, as in numpy's method="hazen"; weights
    move the quantile towards the heavier values."""
    values = np.array([3.0, 1.0, 7.0, 2.0, 10.0])
    for q in (0.05, 0.3, 0.5, 0.95):
        assert weighted_quantile(values, np.ones(5), q) == pytest.approx(np.quantile(values, q, method="hazen"))
    # 100 of 104 weight units on 10: its mid-weight point is at 0.52, so the median is 96 % of the way from 7 to 10
    assert weighted_quantile(values, np.array([1, 1, 1, 1, 100.0]), 0.5) == pytest.approx(7 + 3 * (0.5 - 3.5 / 104)
                                                                                          / (54 / 104 - 3.5 / 104))


# ---------------------------------------------------------------------------------------------- the sampler
TOY_PRIOR = (Uncertain(dist="uniform", low=-5.0, high=5.0),)


def toy(directory: Path, executor, generations: int = 3, progress=None):
    settings = AbcSettings(population=30, generations=generations, threshold=0.01, seed=11)
    return run_abc(toy_normal_mean, ("mu",), TOY_PRIOR, {"mean": 1.0}, toy_distance, settings, directory, executor,
                   {"model": "toy"}, progress)


@pytest.fixture(scope="module")
def toy_reference(tmp_path_factory):
    """``toy`` run once on one worker in this process: the uninterrupted reference the tests compare with (~1 s)."""
    return toy(tmp_path_factory.mktemp("toy") / "reference", LocalExecutor(1))


def test_slot_seeds_depend_only_on_seed_generation_and_slot():
    assert slot_seed(1, 0, 5) == slot_seed(1, 0, 5)
    assert len({slot_seed(1, t, s) for t in (-1, 0, 1) for s in range(50)} | {slot_seed(2, 0, 0)}) == 151


def test_same_posterior_on_one_and_two_workers_and_dask(tmp_path, bass_recursion, toy_reference, dask_cluster):
    """One worker in-process, a two-process pool and a local Dask cluster of two worker processes give identical
    particles, for the toy model (mean of 20 N(mu, 1) draws) and for a small calibration of the real model (the
    Bass scenario below; referee 51 n9: docs/validation.md 3 said Dask was tested, and only the local pools were).
    The toy's posterior mean must be within 0.3 of the observed 1.0: the exact posterior has sd 1 / sqrt(20) = 0.22
    and the last generation's tolerance (about 0.3) widens it; 0.3 is more than three standard errors of a
    30-particle mean."""
    bass = {"bass": sim.load_scenario(bass_calibration_scenario(tmp_path, bass_recursion))}
    settings = AbcSettings(population=8, generations=2, threshold=0.5, seed=3)

    def real(directory, executor):
        return calibrate(bass, directory, settings, farmers=400, posterior_draws=8, ppc_draws=2, ppc_seeds=1,
                         executor=executor)

    one, real_one = toy_reference, real(tmp_path / "real_one", LocalExecutor(1))
    with LocalExecutor(2) as pool:
        two, real_two = toy(tmp_path / "two", pool), real(tmp_path / "real_two", pool)
    with DaskExecutor(dask_cluster) as cluster:
        dask, real_dask = toy(tmp_path / "dask", cluster), real(tmp_path / "real_dask", cluster)
    for other, real_other in ((two, real_two), (dask, real_dask)):
        pd.testing.assert_frame_equal(one.particles, other.particles)
        pd.testing.assert_frame_equal(one.generations, other.generations)
        pd.testing.assert_frame_equal(real_one.posterior, real_other.posterior)
        pd.testing.assert_frame_equal(real_one.check, real_other.check)
    assert abs(np.average(one.particles.mu, weights=one.particles.weight) - 1.0) < 0.3
    assert one.generations.epsilon.iloc[-1] < one.generations.epsilon.iloc[1]


SIMULATED: list[int] = []


def counted_toy(parameters):
    """The toy model, counting its simulations in ``SIMULATED`` (one worker runs tasks in this process)."""
    SIMULATED.append(1)
    return toy_normal_mean(parameters)


@pytest.mark.parametrize("stop_in", [-1, 0, 2])
def test_interrupted_calibration_resumes_to_the_uninterrupted_posterior(tmp_path, stop_in, toy_reference):
    """Stopped after 10 of the 30 slots of the prior sample (t = -1), of generation 0 (neither in the history yet)
    or of generation 2 (a progress callback raises, as Ctrl+C would), the same call again gives the uninterrupted
    posterior and generations, and no simulation is lost or run twice: the simulations of the interrupted and the
    resumed call add up to the uninterrupted run's (each slot is one task of 30; finished ones are kept on disk)."""
    reference = toy_reference
    settings = AbcSettings(population=30, generations=3, threshold=0.01, seed=11)

    def counted(progress=None):
        SIMULATED.clear()
        run = run_abc(counted_toy, ("mu",), TOY_PRIOR, {"mean": 1.0}, toy_distance, settings, tmp_path / "resumed",
                      LocalExecutor(1), {"model": "toy"}, progress)
        return run, len(SIMULATED)

    def interrupt(generation, done, total):
        if generation == stop_in and done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        counted(interrupt)
    before_resume = len(SIMULATED)
    assert sorted(pd.read_json(tmp_path / "resumed" / "abc.json", typ="series").index) == ["fingerprint", "fitted_by"]
    kept = sorted((tmp_path / "resumed" / "slots" / f"generation_{stop_in}").glob("*.pkl"))
    assert len(kept) == 10
    # nothing asks pyabc for rejected particles here: a slot sends back its accepted particle only
    assert all(len(result.particles) == 1 for path in kept for result in pickle.loads(path.read_bytes())[1])
    resumed, after_resume = counted()
    pd.testing.assert_frame_equal(reference.particles, resumed.particles)
    pd.testing.assert_frame_equal(reference.generations, resumed.generations)
    assert before_resume + after_resume == reference.simulations
    assert resumed.stop == "generations"
    assert not (tmp_path / "resumed" / "slots").exists()
    # a finished run is not run again, and another calibration in the same directory is refused
    assert toy(tmp_path / "resumed", LocalExecutor(1)).simulations == reference.simulations
    with pytest.raises(ExperimentError, match="holds a different calibration"):
        run_abc(toy_normal_mean, ("mu",), TOY_PRIOR, {"mean": 2.0}, toy_distance, AbcSettings(population=30, seed=12),
                tmp_path / "resumed", LocalExecutor(1), {"model": "toy"})


def test_a_run_directory_records_the_code_that_started_it_and_refuses_another_model(tmp_path, toy_reference):
    """Referee 53 m2: a resumed calibration recorded the resuming code as the code that fitted it. The directory
    now keeps the code that started it; a call on another model source (``code_version``) is refused, naming both
    hashes and how to go on, unless ``allow_code_change``; a call on other code with the same model (another commit)
    goes on; either returns the starting code as ``fitted_by`` and its own as ``resumed_by``."""
    settings = AbcSettings(population=30, generations=3, threshold=0.01, seed=11)
    started = {"git_commit": "a" * 40, "git_uncommitted_changes": False, "code_version": "1" * 64, "libraries": {}}

    def again(code: dict, allow: bool = False):
        return run_abc(toy_normal_mean, ("mu",), TOY_PRIOR, {"mean": 1.0}, toy_distance, settings, tmp_path,
                       LocalExecutor(1), {"model": "toy"}, None, code, allow)

    first = again(started)
    assert first.fitted_by == started and first.resumed_by is None
    pd.testing.assert_frame_equal(first.particles, toy_reference.particles)
    other_model = {**started, "git_commit": "b" * 40, "code_version": "2" * 64}
    with pytest.raises(ExperimentError, match=f"sim/ source hash {'1' * 64} \\(git commit {'a' * 40}\\), this "
                                              f"code's is {'2' * 64}.*Start afresh.*--allow-code-change"):
        again(other_model)
    resumed = again(other_model, allow=True)
    assert resumed.fitted_by == started and resumed.resumed_by == other_model
    assert json.loads((tmp_path / "abc.json").read_text())["fitted_by"] == started
    same_model = {**started, "git_commit": "c" * 40, "git_uncommitted_changes": True}
    assert again(same_model).resumed_by == same_model and again(started).resumed_by is None


def test_the_report_names_the_resuming_code_beside_the_fitting_one():
    """Referee 53 m2: posterior.json's ``resumed_by`` is a second line of the report's code paragraph; a directory
    older than the record says the starting code is unknown."""
    fitted = {"git_commit": "a" * 40, "git_uncommitted_changes": False, "code_version": "1" * 64, "libraries": {}}
    resumed = {**fitted, "git_commit": "b" * 40, "code_version": "2" * 64}
    lines = provenance_lines({**fitted, "resumed_by": resumed})
    assert "a" * 40 in lines[0] and "1" * 64 in lines[0] and lines[1].startswith("Resumed or re-reported")
    assert "b" * 40 in lines[1] and "2" * 64 in lines[1] and lines[2] == ""
    legacy = provenance_lines({"resumed_by": resumed})
    assert "not recorded" in legacy[0] and "2" * 64 in legacy[1]


def test_the_last_generation_runs_at_the_absolute_threshold(tmp_path):
    """Each threshold is the median of the previous generation's distances but never below the absolute one; the
    generation that reaches it is the last, and every posterior particle lies within it. The toy's medians fall
    3.03 -> 1.61 -> 0.85 -> 0.35 (seed 11), so a threshold of 0.5 is reached in the fourth generation of six."""
    settings = AbcSettings(population=30, generations=6, threshold=0.5, seed=11)
    run = run_abc(toy_normal_mean, ("mu",), TOY_PRIOR, {"mean": 1.0}, toy_distance, settings, tmp_path,
                  LocalExecutor(1), {"model": "toy"})
    assert run.stop == "threshold" and run.epsilon == 0.5 and len(run.generations) == 5  # prior sample + 4
    assert (run.generations.epsilon.iloc[1:-1] > 0.5).all() and (run.particles.distance <= 0.5).all()


def test_discrete_priors_are_refused(tmp_path):
    with pytest.raises(ExperimentError, match="discrete"):
        run_abc(toy_normal_mean, ("mu",), (Uncertain(dist="discrete", values=[0.0, 1.0]),), {"mean": 1.0},
                toy_distance, AbcSettings(population=4), tmp_path, LocalExecutor(1), {})


# ------------------------------------------------------------------------- a known parameter of the real model
BASS_YEARS = 10


def bass_calibration_scenario(tmp_path: Path, bass_recursion, q_prior=(0.1, 0.8)) -> Path:
    """bass_mixed.toml with q uncertain and the discrete Bass recursion (p = 0.03, q = 0.38) as observed levels."""
    expected = bass_recursion(0.03, 0.38, BASS_YEARS)
    observed = ", ".join(f'"{2025 + t}" = {expected[t]:.6f}' for t in range(2, BASS_YEARS + 1, 2))
    path = tmp_path / "bass_calibration.toml"
    path.write_text(textwrap.dedent(f"""\
        extends = "{TEST_SCENARIOS / 'bass_mixed.toml'}"
        [uncertain]
        "decision.rule.q" = {{ dist = "uniform", low = {q_prior[0]}, high = {q_prior[1]} }}
        [patterns.adoption]
        statistic = "level"
        column = "target_bundle_share"
        observed = {{ {observed} }}
        scale = 0.03
        source = "the discrete Bass recursion, p = 0.03, q = 0.38"
        """))
    return path


def test_abc_recovers_the_bass_imitation_coefficient(tmp_path, bass_recursion):
    """ABC-SMC on the fully mixed Bass scenario, observed = the discrete Bass recursion at q = 0.38 (years 2, 4, ...,
    10), recovers q: 0.38 lies in the 90 % posterior interval, and the interval keeps less than half the prior's
    width. One run of 1,000 farmers has between-seed sd up to 0.034 in F(t) (test_bass_threshold: 0.0075 at
    20,000), about the scale 0.03; F(10) moves by about 0.07 per 0.1 of q, so q is well identified. With this seed
    the interval is 0.33-0.42 (width ratio 0.15): the margins are about one posterior sd on either side."""
    path = bass_calibration_scenario(tmp_path, bass_recursion)
    settings = AbcSettings(population=25, generations=3, threshold=0.5, seed=5)
    result = calibrate({"bass": sim.load_scenario(path)}, tmp_path / "out", settings, farmers=1000,
                       posterior_draws=40, ppc_draws=10, ppc_seeds=1, executor=LocalExecutor(1))
    q = result.parameters.set_index("parameter").loc["decision.rule.q"]
    assert q.posterior_p05 <= 0.38 <= q.posterior_p95, q
    assert q.width_ratio < 0.5 and q.identified
    paths = result.write(tmp_path / "out")
    posterior = pd.read_csv(tmp_path / "out" / "posterior.csv")
    assert list(posterior.columns) == ["draw", "decision.rule.q"] and len(posterior) == 40
    assert posterior["decision.rule.q"].between(0.1, 0.8).all()
    pd.testing.assert_frame_equal(posterior, pd.read_parquet(tmp_path / "out" / "posterior.parquet"))
    assert {p.name for p in paths} >= {"calibration.md", "calibration_fit.png", "ppc.csv", "parameters.csv"}
    check = pd.read_csv(tmp_path / "out" / "ppc.csv")
    assert len(check) == 5 and check.covered.mean() >= 0.6  # 10 draws: a 5-95 % band may miss one of five years


def test_calibrate_command_writes_the_posterior_and_report(tmp_path, bass_recursion, casim):
    """The command at a tiny size: the posterior files, the tables and the report, and its code record."""
    path = bass_calibration_scenario(tmp_path, bass_recursion)
    command = ("calibrate", path, "--population", 6, "--generations", 1, "--threshold", 0.5, "--seed", 3,
               "--farmers", 300, "--posterior-draws", 6, "--ppc-draws", 2, "--ppc-seeds", 1, "--workers", 1,
               "--out", tmp_path / "cli")
    done = casim(*command)
    assert done.returncode == 0, done.stderr
    assert "final epsilon" in done.stdout and "decision.rule.q" in done.stdout
    for name in ("posterior.csv", "posterior.parquet", "posterior.json", "generations.csv", "parameters.csv",
                 "ppc.csv", "patterns.csv", "calibration_fit.png", "calibration_posterior.png"):
        assert (tmp_path / "cli" / name).stat().st_size > 0, name
    report = (tmp_path / "cli" / "calibration.md").read_text()
    assert "Absolute threshold 0.5" in report and "width ratio" in report
    assert len(pd.read_csv(tmp_path / "cli" / "posterior.csv")) == 6
    made = json.loads((tmp_path / "cli" / "posterior.json").read_text())
    assert made["scenario_hashes"] == {path.stem: scenario_digest(sim.load_scenario(path))}
    # referee 51 m7: which code fitted it, as a sweep's manifest says (the committed brazil.json predates this)
    assert made["code_version"] == code_version() and made["git_commit"] == git_commit(ROOT)
    assert made["libraries"] == library_versions(("numpy", "scipy", "numba", "pandas", "mesa", "pyabc"))
    assert provenance_lines(made)[0] in report and made["code_version"] in provenance_lines(made)[0]
    assert "resumed_by" not in made
    # referee 53 m2: the same command on another model source is refused, without a traceback, unless allowed; the
    # posterior then names the code that started the ABC and the one that resumed it
    state = tmp_path / "cli" / "abc" / "abc.json"
    stored = json.loads(state.read_text())
    assert stored["fitted_by"]["code_version"] == code_version()
    state.write_text(json.dumps({**stored, "fitted_by": {**stored["fitted_by"], "code_version": "0" * 64}}))
    refused = casim(*command)
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "0" * 64 in refused.stderr + refused.stdout and "--allow-code-change" in refused.stderr + refused.stdout
    allowed = casim(*command, "--allow-code-change")
    assert allowed.returncode == 0, allowed.stderr
    made = json.loads((tmp_path / "cli" / "posterior.json").read_text())
    assert made["code_version"] == "0" * 64 and made["resumed_by"]["code_version"] == code_version()
    assert provenance_lines(made)[1] in (tmp_path / "cli" / "calibration.md").read_text()


def test_a_posterior_manifest_without_provenance_still_reads():
    """Brazil's committed posterior.json (fitted on main b4a28d2, before the code was recorded) has no provenance:
    the report's paragraph on it is left out rather than failing, and the manifest's other fields are there."""
    old = json.loads((SCENARIOS / "posteriors" / "brazil.json").read_text())
    assert "code_version" not in old and provenance_lines(old) == []
    assert old["scenario_hashes"] and old["pyabc"]


# ------------------------------------------------------------------------------------------------ clean errors
def test_calibration_errors_name_the_file_and_field(tmp_path, write_scenario):
    bass = sim.load_scenario(TEST_SCENARIOS / "bass_mixed.toml")
    with pytest.raises(ExperimentError, match=r"bass\.toml: no \[uncertain\] table"):
        countries_of({"bass": bass}, {"bass": "bass.toml"})
    no_patterns = bass.model_copy(update={"uncertain": {"decision.rule.q": TOY_PRIOR[0]}})
    with pytest.raises(ExperimentError, match="no \\[patterns\\] table"):
        countries_of({"bass": no_patterns})
    typo = no_patterns.model_copy(update={"patterns": {"x": pattern(statistic="mean", window=[2026, 2027],
                                                                    observed=0.1, column="no_till_shar")}})
    with pytest.raises(ExperimentError, match="patterns.x.column: unknown column 'no_till_shar'; did you mean"):
        countries_of({"bass": typo})
    other_prior = typo.model_copy(update={"uncertain": {"decision.rule.q": Uncertain(dist="uniform", low=0.0,
                                                                                      high=0.5)},
                                          "patterns": {"x": pattern(statistic="mean", window=[2026, 2027],
                                                                    observed=0.1)}})
    fine = other_prior.model_copy(update={"uncertain": no_patterns.uncertain})
    with pytest.raises(ExperimentError, match="its prior differs"):
        countries_of({"a": fine, "b": other_prior})


def predictive_seeds_of(countries, draws: pd.DataFrame, seeds: int, monkeypatch) -> dict[tuple[int, int], int]:
    """The seed ``predictive_runs`` gives each (draw, replicate), read from its run specs (nothing runs)."""
    import analysis.calibration as calibration

    specs = []
    monkeypatch.setattr(calibration, "run_many", lambda batch, executor, progress=None: specs.extend(batch))
    calibration.predictive_runs(countries, draws, seeds, 100, None)
    by_draw: dict[int, list[int]] = {}
    for spec in specs:  # a draw's replicates come in order
        by_draw.setdefault(spec.draw, []).append(spec.seed)
    return {(draw, r): seed for draw, row in by_draw.items() for r, seed in enumerate(row)}


def test_every_run_of_the_predictive_check_has_its_own_seed(tmp_path, bass_recursion, monkeypatch):
    """Referee 51 (finding 1): every posterior draw ran on the scenario's seed and the next (42, 43), so "100 draws x
    2 seeds" held two realisations of seed noise. Each (draw, replicate) now has its own seed,
    ``SeedSequence([scenario seed, draw, replicate])`` as a sweep seeds its samples (``experiments.plan``), which
    depends on the draw's number, not on how many draws run, their position or batch; draw d of two posteriors gets
    the same seeds (a paired comparison)."""
    from experiments.plan import run_seeds

    countries, _, _ = countries_of({"bass": sim.load_scenario(bass_calibration_scenario(tmp_path, bass_recursion))})
    seed = countries[0].scenario.seed
    draws = pd.DataFrame({"draw": np.arange(6), "decision.rule.q": np.linspace(0.2, 0.5, 6)})
    seeds = predictive_seeds_of(countries, draws, 3, monkeypatch)
    assert len(set(seeds.values())) == 18  # 6 draws x 3 replicates, no seed shared
    assert [seeds[(d, r)] for d in range(6) for r in range(3)] == run_seeds(seed, 6, 3).ravel().tolist()
    assert seeds[(0, 0)] != seed and seeds[(0, 1)] != seed + 1  # not the scenario's consecutive seeds
    fewer = predictive_seeds_of(countries, draws.iloc[:2], 3, monkeypatch)
    later = predictive_seeds_of(countries, draws.iloc[3:], 3, monkeypatch)
    other_posterior = predictive_seeds_of(countries, draws.assign(**{"decision.rule.q": 0.7}), 3, monkeypatch)
    assert fewer == {k: v for k, v in seeds.items() if k[0] < 2}
    assert later == {k: v for k, v in seeds.items() if k[0] >= 3}
    assert other_posterior == seeds


def test_the_predictive_seeds_of_the_largest_scenario_seed_are_seeds_casim_run_takes():
    """Referee 31 (m3) had the check run the scenario's seed + r, refused past ``MAX_SEED``; its own seeds are drawn
    below 2^63 from any scenario seed, so `casim run --seed` repeats each run."""
    from analysis.calibration import predictive_seeds
    from sim.scenario.scenario import MAX_SEED

    seeds = predictive_seeds(MAX_SEED, 199, 4)
    assert len(set(seeds)) == 4 and all(0 <= s <= MAX_SEED for s in seeds)


@pytest.mark.parametrize("body, message", [
    ('[patterns.p]\nstatistic = "level"\ncolumn = "no_till_share"\nobserved = 0.5\nscale = 0.1\nsource = "x"',
     "needs observed = "),
    ('[patterns.p]\nstatistic = "slope"\ncolumn = "no_till_share"\nobserved = 0.5\nscale = 0.1\nsource = "x"',
     "needs window"),
    ('[patterns.p]\nstatistic = "mean"\ncolumn = "no_till_share"\nwindow = [2026, 2090]\nobserved = 0.5\n'
     'scale = 0.1\nsource = "x"', "patterns.p: year 2090 is outside"),
    ('[patterns.p]\nstatistic = "mean"\ncolumn = "no_till_share"\nregion = "mars"\nwindow = [2026, 2027]\n'
     'observed = 0.5\nscale = 0.1\nsource = "x"', "patterns.p.region: unknown region 'mars'"),
    ('[patterns.p]\nstatistic = "mean"\ncolumn = "no_till_share"\nwindow = [2026, 2027]\nobserved = 0.5\n'
     'scale = 0.1', "patterns.p.source: missing"),
])
def test_bad_patterns_are_clean_scenario_errors(write_scenario, body, message):
    path = write_scenario(body, extends=str(TEST_SCENARIOS / "bass_mixed.toml"))
    with pytest.raises(sim.ScenarioError, match=message) as error:
        sim.load_scenario(path)
    assert str(path) in str(error.value)


# ----------------------------------------------------------------------------------------- data and scenarios
POSTERIORS = SCENARIOS / "posteriors"
SHIPPED = sorted(POSTERIORS.glob("*.json"))


def test_every_posterior_a_scenario_runs_over_has_its_manifest():
    """A scenario's ``[posterior]`` file (baseline_calibrated.toml: Brazil's) is one whose manifest is checked
    below, so no shipped scenario runs over draws whose scenario digest nobody compares."""
    named = {Path(s.posterior.file) for s in map(sim.load_scenario, sorted(SCENARIOS.glob("*.toml"))) if s.posterior}
    assert named and {path.with_suffix(".json") for path in named} <= set(SHIPPED)


@pytest.mark.parametrize("made", SHIPPED, ids=lambda path: path.name)
def test_a_shipped_posterior_was_fitted_on_its_scenario_as_it_is(made):
    """Each committed posterior's manifest records the digest of every scenario it was fitted on (the resolved
    scenario: its file, what it extends and the schema's defaults); the scenario files must still have it, and the
    draws file must hold the draws and parameters the manifest names. A pattern re-pointed, a prior or any field
    changed, or a default that the scenario relies on changed, makes it fail: re-calibrate with the command of
    docs/validation.md section 7 (a change that cannot move the posterior gives it back byte for byte, with the new
    digest, and in posterior.json the new commit and source hash). Main's brazil.json of 27 Nov (d4c95f0fdb50995b,
    fitted before referee 27's M7) fails here."""
    manifest = json.loads(made.read_text())
    assert manifest["scenario_files"] and manifest["scenario_hashes"].keys() == manifest["scenario_files"].keys()
    now = {label: scenario_digest(sim.load_scenario(ROOT / source))
           for label, source in manifest["scenario_files"].items()}
    assert now == manifest["scenario_hashes"], (
        f"{made.relative_to(ROOT)} was fitted on scenarios that have changed since (digests now {now}): "
        "re-calibrate (docs/validation.md section 7) and commit the new posterior")
    draws = pd.read_csv(made.with_suffix(".csv"))
    assert list(draws.columns) == ["draw", *manifest["parameters"]]
    assert draws.draw.tolist() == list(range(manifest["draws"]))


def test_canada_census_shares_and_the_prairie_patterns():
    """Every share in the StatCan file is its counts' ratio (to the 0.05 rounding); the Prairie patterns of
    validation_canada.toml are SK + AB + MB summed, to 4 decimals; the initial farm share is the 1991 census."""
    table = pd.DataFrame(rows("ca_adoption_canada_statcan.csv"))
    numbers = table.drop(columns="area").astype(float)
    assert np.allclose(100 * numbers.no_till_ha / numbers.prepared_ha, numbers.no_till_area_share_pct, atol=0.051)
    assert np.allclose(100 * numbers.farms_no_till / numbers.farms_prepared, numbers.no_till_farm_share_pct,
                       atol=0.051)
    prairies = numbers[table.area.isin(["Saskatchewan", "Alberta", "Manitoba"])].groupby("year").sum()
    scenario = sim.load_scenario(SCENARIOS / "validation_canada.toml")
    for name, num, den in (("census_area_share", "no_till_ha", "prepared_ha"),
                           ("census_farm_share", "farms_no_till", "farms_prepared")):
        for year, value in scenario.patterns[name].observed.items():
            assert value == pytest.approx(prairies.loc[float(year), num] / prairies.loc[float(year), den], abs=5e-5)
    farm_1991 = prairies.loc[1991.0, "farms_no_till"] / prairies.loc[1991.0, "farms_prepared"]
    assert scenario.regions["prairies"].initial_adoption["no_till"] == pytest.approx(farm_1991, abs=5e-4)
    mean_area = prairies.loc[1991.0, "prepared_ha"] / prairies.loc[1991.0, "farms_prepared"]
    region = scenario.regions["prairies"]
    assert region.farm_size_median_ha * np.exp(region.farm_size_sigma ** 2 / 2) == pytest.approx(mean_area, rel=0.01)


def test_brazil_patterns_come_from_one_source_type_each():
    """The census share uses the census denominator; federation values enter only as ratios and growth rates
    within the federation series; the phase patterns are the published slopes' ratios."""
    anchors = pd.DataFrame(rows("ca_adoption_brazil_anchors.csv"))
    value = {(int(r.year), r.source_type): float(r.value) for r in anchors.itertuples()}
    phases = {r["phase"]: float(r["slope_ha_per_yr"]) for r in rows("ca_adoption_brazil_phases.csv")}
    p = sim.load_scenario(SCENARIOS / "validation_brazil.toml").patterns
    assert p["census_share"].observed["2006"] == pytest.approx(value[2006, "census"] / 36.6, abs=5e-5)
    assert p["federation_1992_vs_2006"].observed == pytest.approx(value[1992, "federation"] / value[2006, "federation"],
                                                                  abs=5e-5)
    assert p["federation_growth"].observed == pytest.approx(
        (value[2006, "federation"] / value[2001, "federation"]) ** (1 / 5) - 1, abs=5e-5)
    assert p["phase_2_vs_1"].observed == pytest.approx(np.log10(phases["second"] / phases["pioneer"]), abs=5e-5)
    assert p["phase_3_vs_2"].observed == pytest.approx(np.log10(phases["take_off"] / phases["second"]), abs=5e-5)
    world = pd.DataFrame(rows("ca_adoption_world.csv"))
    recent = world[world.in_shared.eq("yes") & world.season.isin(["1998/99", "2002/03", "2008/09"])]
    years = recent.season.str.split("/").str[0].astype(int).to_numpy() + 1
    assert p["world_growth_shape"].observed == pytest.approx(
        pt.growth_rate(years, recent.area_mha.astype(float).to_numpy()), abs=5e-5)
    assert not p["world_growth_shape"].fit
    # the pioneers' dis-adoption is fitted among farms that decide: demonstration farms never drop (referee 27 M7)
    assert p["pioneer_disadoption"].column == "disadoption_rate_deciding" and p["pioneer_disadoption"].fit


def test_brazil_census_point_check_is_on_the_census_basis_at_the_sources_own_seasons():
    """Issue 12's criterion (RMSE <= 0.08) is a check, not a target, on one basis: the 2006 census share, and the
    federation's and Landers' areas of 1998, 2000 and 2001 (the second year of their seasons) times the census share
    over the federation's 2006 area (a constant bias cancels), to 4 decimals; the federation's 1992 value is an upper
    bound, checked on the same basis with the fitted ratio's tolerance. No 2011 point: the shared file's "2011" was
    the federation's 2005/06 area."""
    anchors = pd.DataFrame(rows("ca_adoption_brazil_anchors.csv"))
    value = {(int(r.year), r.source_type): float(r.value) for r in anchors.itertuples()}
    p = sim.load_scenario(SCENARIOS / "validation_brazil.toml").patterns
    census_share = value[2006, "census"] / 36.6  # unrounded (the pattern's 0.4863 is rounded)
    to_census = census_share / value[2006, "federation"]
    check, bound = p["census_points_check"], p["census_1992_bound_check"]
    assert not check.fit and not bound.fit and check.bound == "none"
    assert check.observed == {"1998": pytest.approx(value[1998, "expert_estimate"] * to_census, abs=5e-5),
                              "2000": pytest.approx(value[2000, "expert_estimate"] * to_census, abs=5e-5),
                              "2001": pytest.approx(value[2001, "federation"] * to_census, abs=5e-5),
                              "2006": p["census_share"].observed["2006"]}
    assert bound.bound == "upper" and bound.observed == {"1992": pytest.approx(value[1992, "federation"] * to_census,
                                                                               abs=5e-5)}
    assert bound.scale == pytest.approx(p["federation_1992_vs_2006"].scale * census_share, abs=5e-5)


def test_haryana_example_patterns_are_the_survey_values():
    survey = {r["quantity"]: float(r["value"]) for r in rows("ca_adoption_india_haryana.csv")}
    scenario = sim.load_scenario(SCENARIOS / "validation_haryana.toml")
    assert scenario.patterns["survey_farm_share"].observed == {"2007": survey["farm_share"]}
    assert scenario.patterns["survey_area_share"].observed == {"2007": survey["area_share"]}
    assert scenario.crops["wheat"].dry.no_till.long_run == survey["zero_till_yield_effect"]
    region = scenario.regions["haryana"]
    assert region.base_yield_kg_per_ha * (1 + survey["zero_till_yield_effect"]) == pytest.approx(
        survey["zero_till_yield"], rel=0.001)


def test_world_series_extends_the_shared_one():
    """Every row of the shared world series is in ours (marked in_shared = yes), and only those are so marked."""
    shared = [line.split(",")[:2] for line in (SHARED_REFERENCE / "ca_adoption_global.csv").read_text().splitlines()
              if line and not line.startswith("#")][1:]
    ours = rows("ca_adoption_world.csv")
    assert sorted([r["season"], r["area_mha"]] for r in ours if r["in_shared"] == "yes") == sorted(shared)


def test_calibration_scenarios_share_their_behavioural_priors():
    """The calibration countries calibrate together: shared parameters need one prior (countries_of refuses
    otherwise)."""
    scenarios = {name: sim.load_scenario(SCENARIOS / f"{name}.toml")
                 for name in ("validation_brazil", "validation_canada", "validation_haryana")}
    countries, names, _ = countries_of(scenarios)
    assert len(countries) == 3 and set(names) == set(scenarios["validation_brazil"].uncertain)



def test_the_curve_benchmark_fits_brazil_as_section_7_says():
    """docs/validation.md section 7 and README: a 3-parameter logistic fitted with the calibration's own distance to
    Brazil's five fitted area patterns scores 0.62 (the model's predictive median 1.48 at 100 draws x 2 seeds, 1.38-1.48
    over four seed sets, 1.40 for the 3-seed posterior; 1.24 on the calibration report's 20 draws, too few to rank
    posteriors: referee 43 M1)
    with a census-point RMSE of 0.033 (referee 37 M3). The benchmark's own functions (``scripts/curve_benchmark.py``),
    the logistic only."""
    import runpy

    bench = SimpleNamespace(**runpy.run_path(str(ROOT / "scripts" / "curve_benchmark.py")))
    scenario = sim.load_scenario(bench.SCENARIO)
    patterns = {name: p for name, p in scenario.patterns.items() if p.column == bench.COLUMN}
    statistics = pt.layout(bench.COUNTRY, patterns)
    distance = pt.PatternDistance(statistics)
    years = np.arange(scenario.start_year, scenario.start_year + scenario.years + 1, dtype=float)
    curve, bounds, starts = bench.CURVES["logistic"]
    theta = bench.fit(curve, bounds, starts, years, patterns, distance)
    values = pt.statistics(bench.COUNTRY, patterns, bench.table_of(years, curve(years, theta)))
    assert distance(values) == pytest.approx(0.62, abs=0.005)
    assert bench.rmse(values, [s for s in statistics if s.pattern == "census_points_check"]) == pytest.approx(
        0.033, abs=0.0005)
