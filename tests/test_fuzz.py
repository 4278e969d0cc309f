"""Fuzz suite (issue 17): hostile scenario files and command-line flags, generated (Hypothesis) and hand-written.

Every case must end in one of two ways: a clean error (a ``ScenarioError`` or ``ExperimentError`` naming the
file and the field, or exit code 2 with a message and no traceback), or a run whose outputs are finite. Never a
traceback, never a hang: each example runs under an alarm (``EXAMPLE_SECONDS``). Examples are small (40
farmers, a few years) so the suite fits the test budget; on CI Hypothesis draws the same examples every run
(``conftest.pytest_configure``).
"""

from __future__ import annotations

import json
import math
import signal
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIOS, TEST_SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import sim
from cli import app
from experiments.executors import LocalExecutor
from experiments.runs import RunSpec, run_one
from experiments.spec import ExperimentError
from experiments.sweep import sweep_scenarios
from sim import ScenarioError
from sim.scenario.loader import numeric_leaves

BASE = TEST_SCENARIOS / "one_region.toml"  # one region: every run is small
SWEEP = TEST_SCENARIOS / "sweep_small.toml"
#: Longest an example may take before it counts as a hang (a run of 40 farmers x 3 years takes ~0.1 s).
EXAMPLE_SECONDS = 60
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])
#: Command-line examples run whole commands in this process (a run writes a figure): fewer of them.
FUZZ_CLI = settings(FUZZ, max_examples=20)


class Hang(Exception):
    """An example that did not finish in time."""


@contextmanager
def no_hang(seconds: int = EXAMPLE_SECONDS):
    """Fail (instead of waiting forever) when the block takes longer than ``seconds``."""

    def expire(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def toml_value(value) -> str:
    """A TOML literal for ``value`` (bool, int, float including inf and nan, str, list, table)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"


def leaves(data: dict, prefix: tuple = ()) -> list[tuple]:
    """Every leaf path (through tables, not lists) of a scenario's data."""
    out = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out += leaves(value, (*prefix, key))
        else:
            out.append((*prefix, key))
    return out


BASE_DATA = sim.load_scenario(BASE).model_dump(mode="json", exclude={"uncertain", "outputs"})
PATHS = leaves(BASE_DATA)
NUMERIC = sorted(numeric_leaves(BASE_DATA))

hostile = st.one_of(
    st.floats(),  # NaN, +-inf, subnormals, +-1.8e308
    st.sampled_from([0.0, -0.0, -1.0, 1e-300, 1e12, 1e13, 1e308, 0.5, 2.0, 100.0]),
    st.integers(min_value=-2**70, max_value=2**70),
    st.sampled_from([0, 1, -1, 2**31, 2**63 - 1, 2**63, 2**64 + 1]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
    st.booleans(),
    st.lists(st.floats(width=32), max_size=3),
    st.dictionaries(st.sampled_from(["kind", "value", "low", "x"]), st.integers(-3, 3), max_size=2),
)


def write_child(directory: Path, path: tuple, value, name: str = "fuzz.toml") -> Path:
    """A scenario extending BASE that sets ``path`` to ``value``."""
    table = ".".join(json.dumps(p) if not str(p).replace("_", "").isalnum() else str(p) for p in path[:-1])
    head = f"[{table}]\n" if table else ""
    file = directory / name
    file.write_text(f'extends = "{BASE}"\n{head}{json.dumps(path[-1])} = {toml_value(value)}\n')
    return file


def check_load_and_run(file: Path, path: tuple) -> str:
    """Load ``file`` and run it small: a clean error naming the file (and the field, or a table on its path),
    or a run with finite outputs. Returns what happened ("error" or "ran")."""
    try:
        scenario = sim.load_scenario(file)
    except ScenarioError as exc:
        message = str(exc)
        assert str(file) in message or file.name in message, message
        if "not valid TOML" not in message:
            names = [".".join(map(str, path[:i])) for i in range(1, len(path) + 1)]
            assert any(name in message for name in names) or "(top level)" in message or "bundle" in message, message
        return "error"
    try:
        table = run_one(RunSpec(scenario, file.stem, 1, farmers=40, years=3))
    except ExperimentError as exc:
        message = str(exc)
        assert file.stem in message or "--farmers" in message or "memory" in message, message
        if "arithmetic" in message:  # the suspects named are the scenario's extreme numbers: the fuzzed field's
            assert ".".join(map(str, path)) in message, message
        return "error"
    numbers = table.select_dtypes("number").to_numpy(dtype=np.float64)
    assert not np.isinf(numbers).any()
    return "ran"


@FUZZ
@given(path=st.sampled_from(PATHS), value=hostile)
def test_any_value_in_any_field_gives_a_clean_error_or_a_finite_run(tmp_path, path, value):
    with no_hang():
        check_load_and_run(write_child(tmp_path, path, value), path)


@FUZZ
@given(path=st.sampled_from(NUMERIC), factor=st.sampled_from([-1.0, 0.0, 1e-6, 0.5, 2.0, 1e3, 1e6, 1e11]))
def test_scaled_numbers_give_a_clean_error_or_a_finite_run(tmp_path, path, factor):
    """Numbers near the edges of their ranges (scaled defaults) stress the model rather than the parser."""
    dotted = tuple(path.split("."))
    node = BASE_DATA
    for key in dotted:
        node = node[key]
    value = node * factor if isinstance(node, float) else int(node * factor)
    with no_hang():
        check_load_and_run(write_child(tmp_path, dotted, value), dotted)


HAND_WRITTEN = {
    "empty file": "",
    "extends a number": "extends = 5\n",
    "extends itself": 'extends = "self.toml"\n',
    "no farmers": f'extends = "{BASE}"\n[regions.farms]\nfarmers = 0\n',
    "negative share": f'extends = "{BASE}"\n[carbon]\nfarmer_share = -0.1\n',
    "shares above one": f'extends = "{BASE}"\n[regions.farms]\ninitial_adoption = {{ no_till = 0.7, full_ca = 0.6 }}\n',
    "a number as text": f'extends = "{BASE}"\n[regions.farms]\ncrop_price_per_t = "200 USD"\n',
    "a table for a number": f'extends = "{BASE}"\n[regions.farms.crop_price_per_t]\nvalue = 1\n',
    "huge exchange": f'extends = "{SCENARIOS / "exchange_network.toml"}"\n[[network.exchange]]\nregions = '
                     '["latin_america", "africa_dry"]\nlinks_per_1000_farms = 1000000000000\n',
    "dense villages": f'extends = "{BASE}"\n[network]\ninter_village_links_per_farmer = 1e12\n',
    "upper-case region": f'extends = "{BASE}"\n[regions.Farms]\nfarmers = 10\n',
    "no bundles": f'extends = "{BASE}"\nbundles = []\n',
    "zero years": f'extends = "{BASE}"\nyears = 0\n',
    "far future": f'extends = "{BASE}"\nstart_year = 99999\n',
    "NUL in a name": f'extends = "{BASE}"\nname = "a\\u0000b"\n',
    "unknown kind": f'extends = "{BASE}"\n[decision.rule]\nkind = "imitation"\n',
    "bass without q": f'extends = "{BASE}"\n[decision.rule]\nkind = "bass"\np = 0.03\n',
    "uncertain inf": f'extends = "{BASE}"\n[uncertain]\n"carbon.buffer" = {{ dist = "uniform", low = 0, high = inf }}\n',
    "uncertain unknown": f'extends = "{BASE}"\n[uncertain]\n"carbon.bufer" = {{ dist = "uniform", low = 0, high = 1 }}\n',
    "output unknown": f'extends = "{BASE}"\n[outputs]\nx = {{ column = "nope", year = 2026 }}\n',
    "duplicate key": f'extends = "{BASE}"\nyears = 3\nyears = 4\n',
}


@pytest.mark.parametrize("case", sorted(HAND_WRITTEN))
def test_hand_written_hostile_files(tmp_path, case):
    """Each file through the command line: a clean error naming the file (exit 2), or a finished small run."""
    file = tmp_path / "self.toml"
    file.write_text(HAND_WRITTEN[case])
    with no_hang():
        result = invoke("validate", file)
        if result.exit_code == 0:
            result = invoke("run", file, "--farmers", 40, "--years", 2, "--out", tmp_path / "out")
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert "self.toml" in result.stderr or "--farmers" in result.stderr, result.stderr


def invoke(*args):
    """Run ``casim`` in this process; a traceback (an exception other than exit) fails the test."""
    handler = signal.getsignal(signal.SIGTERM)  # the command installs its own SIGTERM handler
    try:
        result = CliRunner().invoke(app, [str(a) for a in args])
    finally:
        signal.signal(signal.SIGTERM, handler)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def number_text(low: int, high: int):
    """Option values: valid small numbers, or hostile text (negative, huge, fractional, not a number)."""
    return st.one_of(st.integers(low, high).map(str),
                     st.sampled_from(["-1", "0", "1.5", "nan", "inf", "-inf", "1e3", "", "abc", "99999999999999999999",
                                      str(2**64 + 1), "0x10", " 3"]))


@FUZZ_CLI
@given(farmers=number_text(1, 60), years=number_text(1, 3), seed=number_text(0, 100))
def test_run_flags(tmp_path, farmers, years, seed):
    with no_hang():
        result = invoke("run", BASE, "--farmers", farmers, "--years", years, "--seed", seed, "--out", tmp_path / "r")
    assert result.exit_code in (0, 2)


@FUZZ_CLI
@given(lhs=number_text(1, 3), replicates=number_text(1, 2), batch=number_text(1, 5), timeout=number_text(1, 60),
       scheduler=st.sampled_from([None, "tcp//x", "localhost", "tcp://host:999999", "", "inproc"]))
def test_sweep_flags(tmp_path, lhs, replicates, batch, timeout, scheduler):
    args = ["sweep", SWEEP, "--lhs", lhs, "--replicates", replicates, "--batch-size", batch, "--run-timeout", timeout,
            "--farmers", 40, "--workers", 1, "--out", tmp_path / "s"]
    if scheduler is not None:
        args += ["--scheduler", scheduler, "--scheduler-timeout", 1]
    with no_hang():
        result = invoke(*args)
    assert result.exit_code in (0, 2)


@pytest.fixture(scope="module")
def stored_sweep(tmp_path_factory):
    """A finished sweep of 6 runs to discover in and re-analyse."""
    directory = tmp_path_factory.mktemp("fuzz") / "sweep"
    sweep_scenarios({"sweep_small": sim.load_scenario(SWEEP)}, directory, "lhs", samples=6, farmers=40,
                    executor=LocalExecutor(1))
    return directory


@FUZZ_CLI
@given(above=st.sampled_from(["0.3", "-1", "nan", "inf", "abc", "1e400"]),
       threshold=st.sampled_from(["0.8", "0", "1", "1.5", "-0.1", "nan"]),
       output=st.sampled_from(["any_practice_2031", "full_ca_share", "nope", "", "year", "seed"]),
       year=st.sampled_from([None, "2031", "2025", "1999", "-5", "x"]))
def test_discover_flags(stored_sweep, above, threshold, output, year):
    args = ["discover", stored_sweep, "--output", output, "--above", above, "--threshold", threshold]
    if year is not None:
        args += ["--year", year]
    with no_hang():
        result = invoke(*args)
    assert result.exit_code in (0, 2)


@FUZZ_CLI
@given(method=st.sampled_from(["pawn", "rbd_fast", "sobol", "morris", "fast", "nope", ""]),
       output=st.sampled_from([None, "a=full_ca_share@2031", "b=income_p50@2025", "c=nope@2031", "d=full_ca_share@1990",
                               "full_ca_share", "=@", "e=public_paid_per_additional_t_co2e@2031+change", "x" * 300]))
def test_analyse_flags(stored_sweep, tmp_path, method, output):
    args = ["analyse", stored_sweep, "--method", method, "--out", tmp_path / "a"]
    if output is not None:
        args += ["--output", output]
    with no_hang():
        result = invoke(*args)
    assert result.exit_code in (0, 2)
