"""Shared test fixtures: paths, the command line, a headless browser, the Bass recursion and the accounting
identities every run must satisfy."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import textwrap
import traceback
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pytest

import sim
from sim.outputs import COLUMNS

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TEST_SCENARIOS = Path(__file__).resolve().parent / "scenarios"
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
#: The installed ``casim`` command (the package's entry point), beside the Python running the tests.
CASIM = str(Path(sys.executable).parent / "casim")
CHROMIUM = shutil.which("chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


@pytest.fixture
def write_scenario(tmp_path):
    """Write a scenario file (extending scenarios/base.toml unless told otherwise) and return its path."""

    def write(body: str, name: str = "scenario.toml", extends: str | None = str(SCENARIOS / "base.toml")) -> Path:
        path = tmp_path / name
        head = f'extends = "{extends}"\n' if extends else ""
        path.write_text(head + textwrap.dedent(body))
        return path

    return write


@pytest.fixture(scope="session")
def casim_process():
    """Run the installed ``casim`` program from the repository root: ``casim_process("run", path)`` -> CompletedProcess.

    For what only a real process shows: the entry point itself, exit on signals, no process left behind. Each
    call pays ~2-3 s of interpreter start and imports before the command begins."""

    def run(*args) -> subprocess.CompletedProcess:
        return subprocess.run([CASIM, *map(str, args)], capture_output=True, text=True, cwd=ROOT)

    return run


def _invoke_casim(*args) -> subprocess.CompletedProcess:
    """``casim ARGS`` in this process, as the program would run it from the repository root.

    What the user would see is kept: an exception that escapes the command is on stderr as a traceback with exit
    code 1, and warnings are on stderr under a fresh interpreter's default filters. ``sys.argv`` is the command's
    (manifests record it).
    """
    from typer.testing import CliRunner

    from cli import app

    argv = [str(a) for a in args]
    with contextlib.chdir(ROOT), mock.patch.object(sys, "argv", ["casim", *argv]), \
            warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.simplefilter("default")
        for hidden in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
            warnings.simplefilter("ignore", hidden)
        result = CliRunner().invoke(app, argv, prog_name="casim")
    stderr = result.stderr + "".join(warnings.formatwarning(w.message, w.category, w.filename, w.lineno)
                                     for w in caught)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(["casim", *argv], result.exit_code, result.stdout, stderr)


@pytest.fixture(scope="session")
def casim():
    """Run a ``casim`` command in this process (Typer's CliRunner): ``casim("run", path, "--seed", 7)`` ->
    CompletedProcess with returncode, stdout and stderr as the program gives them.

    The same code as the installed program minus its start-up (~2-3 s a call) and its signal handlers; the tests
    about those use ``casim_process``."""
    return _invoke_casim


@pytest.fixture(scope="session")
def dask_cluster():
    """A local Dask cluster of 2 single-threaded worker processes, started once for the tests that run on one
    (its workers keep nothing between tasks that could change a number: seeds belong to runs)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster


@pytest.fixture
def browser():
    """Debian's chromium, headless, driven by Playwright (skipped where it is missing, except on CI)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium for the browser tests (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


def _bass_recursion(p: float, q: float, years: int) -> list[float]:
    """Discrete Bass diffusion: F(t+1) = F(t) + (p + q F(t)) (1 - F(t)), F(0) = 0; returns F(0..years)."""
    f = [0.0]
    for _ in range(years):
        f.append(f[-1] + (p + q * f[-1]) * (1 - f[-1]))
    return f


def _check_identities(model: sim.AdoptionModel) -> None:
    """Assert the money, area and aggregation identities of a run's yearly table."""
    t = model.results()
    flows = t[t.year > model.config.start_year]
    # every unit of money accounted: payers = receivers, in every region and year
    paid = flows.buyer_spending + flows.clawback + flows.guarantor_spending + flows.twin_buyer_spending
    received = flows.authority_fees + flows.aggregator_fees + flows.carbon_to_farmers + flows.carbon_to_intermediaries
    assert np.allclose(paid, received, rtol=1e-9, atol=1e-6)
    value = flows.carbon_value.to_numpy()
    assert np.allclose(flows.aggregator_fees + flows.carbon_to_farmers + flows.carbon_to_intermediaries, value,
                       rtol=1e-9, atol=1e-6)
    c = model.config.carbon
    fee = c.mrv.aggregator_fee_share if c.mrv.group_certification else 0.0
    assert np.allclose(flows.carbon_to_farmers, value * (1 - fee) * c.farmer_share, rtol=1e-9, atol=1e-6)
    income_total = flows.income_mean * flows.farmers
    reconstructed = (flows.revenue - flows.production_costs - flows.transition_costs + flows.payments
                     + flows.credit_line_subsidy + flows.carbon_to_farmers - flows.mrv_cost - flows.clawback)
    assert np.allclose(income_total, reconstructed, rtol=1e-9, atol=1e-6)
    # a guarantor "buyer" is whoever buys: the public when the buyer is public (referee 35 M4)
    public_guarantees = c.price.guarantor == "public" or c.buyer == "public"
    public = (flows.payments + flows.credit_line_subsidy + (flows.buyer_spending if c.buyer == "public" else 0.0)
              + (flows.guarantor_spending if public_guarantees else 0.0) + flows.exchange_programme_cost)
    assert np.allclose(flows.public_spending, public, rtol=1e-12, atol=1e-6)
    private = (flows.twin_buyer_spending + (flows.buyer_spending if c.buyer == "private" else 0.0)
               + (flows.guarantor_spending if not public_guarantees else 0.0))
    assert np.allclose(flows.private_spending, private, rtol=1e-9, atol=1e-6)
    # the incentives' public money is public spending without exchange programmes, so far (referee 26 m7)
    for _region, rows in flows.sort_values("year").groupby("region"):
        incentives = (rows.public_spending - rows.exchange_programme_cost).cumsum()
        assert np.allclose(rows.incentive_public_spending_cum, incentives, rtol=1e-9, atol=1e-6)
    # windfall is a part of what per-ha payments paid
    assert ((flows.payments_windfall >= -1e-9) & (flows.payments_windfall <= flows.payments + 1e-6)).all()
    # every unit of money a farmer gets from or pays to the carbon programme is in its net carbon income, the farmers'
    # part of credits counted when issued (owed from then, paid after the lag, unless a reversal cancels it first)
    assert np.allclose(flows.farmer_net_carbon_income, flows.carbon_issued_to_farmers - flows.carbon_cancelled_to_farmers
                       - flows.mrv_cost - flows.clawback, rtol=1e-9, atol=1e-6)
    assert (flows.carbon_due_to_farmers >= -1e-9).all() and (flows.carbon_cancelled_to_farmers >= 0).all()
    # what is owed to farmers is conserved: owed now = owed a year ago + issued - cancelled - paid this year
    for _region, rows in t.sort_values("year").groupby("region"):
        owed = rows.carbon_due_to_farmers.fillna(0.0).to_numpy()
        change = rows.carbon_issued_to_farmers - rows.carbon_cancelled_to_farmers - rows.carbon_to_farmers
        assert np.allclose(np.diff(owed), change.to_numpy()[1:], rtol=1e-9, atol=1e-6)
    for flow in ("farmer_net_carbon_income", "payments", "credit_line_subsidy"):  # size thirds add up to the region
        groups = sum(flows[f"{flow}_{g}"] for g in ("small", "middle", "large"))
        assert np.allclose(groups, flows[flow], rtol=1e-9, atol=1e-6), flow
    assert np.allclose(flows.net_ghg_benefit_t_co2e, flows.additional_t_co2e - flows.practice_emissions_change_t_co2e
                       - flows.displaced_emissions_t_co2e, rtol=1e-9, atol=1e-6)
    if model.counterfactual is None:  # no programme: nothing is additional
        assert (flows.additional_t_co2e == 0).all() and (flows.credits_t_co2e == 0).all()
    # regions add up to 'all'
    for column in ("farmers", "area_ha", "soc_total_t_c", "carbon_value", "payments", "revenue", "credits_t_co2e",
                   "buyer_spending", "mrv_cost", "clawback", "credit_line_subsidy", "additional_t_co2e",
                   "farmer_net_carbon_income", "carbon_cancelled_to_farmers", "reversals_t_co2e",
                   "net_ghg_benefit_t_co2e", "private_spending"):
        by_year = flows[flows.region != "all"].groupby("year")[column].sum()
        everyone = flows[flows.region == "all"].set_index("year")[column]
        assert np.allclose(by_year, everyone, rtol=1e-9, atol=1e-6), column
    # total area and farmers conserved over time
    everyone = t[t.region == "all"]
    assert everyone.area_ha.nunique() == 1 and everyone.farmers.nunique() == 1
    shares = flows[[c for c in t.columns if c.endswith("_share")]].to_numpy()
    undefined = np.array([COLUMNS[c].undefined_when is not None for c in t.columns if c.endswith("_share")])
    assert not np.isnan(shares[:, ~undefined]).any()
    shares = shares[~np.isnan(shares)]  # NaN only where declared undefined (no exchange participant in a region)
    assert np.all((shares >= 0) & (shares <= 1))
    assert np.all(model.soil.stock_t_c_per_ha >= 0)
    assert np.all(t.soc_total_t_c >= 0)


@pytest.fixture(scope="session")
def bass_recursion():
    """The discrete Bass recursion, ``bass_recursion(p, q, years)`` -> [F(0), ..., F(years)]."""
    return _bass_recursion


@pytest.fixture(scope="session")
def check_identities():
    """``check_identities(model)``: assert the money identities and bounds of a model that has run."""
    return _check_identities


def pytest_configure(config):
    """On CI, Hypothesis draws the same examples every run (reproducible); locally it explores new ones."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")


def rothc_at_depth(directory: Path, depth_cm: float, extends: Path = SCENARIOS / "carbon_price_35.toml") -> Path:
    """Write ``directory``/rothc_<depth>cm.toml: ``extends`` with RothC soil for a ``depth_cm`` layer in every region
    (``soil.depth_cm`` and each ``regions.<r>.rothc.depth_cm``, which the schema keeps equal) and return its path."""
    regions = sim.load_scenario(extends).regions
    tables = "".join(f"[regions.{name}.rothc]\ndepth_cm = {depth_cm}\n" for name in regions)
    path = directory / f"rothc_{depth_cm:g}cm.toml"
    path.write_text(f'extends = "{extends}"\n[soil]\nmodel = "rothc"\ndepth_cm = {depth_cm}\n{tables}')
    return path
