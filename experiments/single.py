"""One run of a scenario, and writing it to disk: the yearly table (Parquet) and a manifest that makes it reproducible."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import sim
from experiments.runs import (
    build_model,
    check_finite,
    check_size,
    model_arithmetic,
    model_size,
    yearly_table,
)
from experiments.spreadsheets import write_copies
from experiments.store import FILE_MODE, atomic_write_text, write_error
from sim.outputs import COLUMNS

#: Seconds to wait for ``git rev-parse`` before recording no commit.
GIT_TIMEOUT_SECONDS = 5


@dataclass
class SingleRun:
    """A finished run: its yearly table, what it was built from, and how long it took."""

    scenario: sim.Scenario
    source: Path | None  # the scenario file (None when the scenario was built in Python)
    seed: int
    farmers: int
    years: int
    table: pd.DataFrame
    build_seconds: float
    run_seconds: float
    start_constants: pd.DataFrame  # the decision rule's constants (``sim.AdoptionModel.start_constants``)

    def write(self, out: Path) -> list[Path]:
        """Write every file of ``casim run`` into ``out``; return their paths.

        ``yearly.parquet`` with its spreadsheet copies ``yearly.csv`` and ``yearly.xlsx`` (``write_copies``; no .xlsx
        beyond Excel's rows), ``manifest.json``, ``start_constants.csv`` when the decision rule has constants, and the
        figure ``trajectories.png`` (``experiments.run_figure``).
        """
        from experiments.run_figure import trajectories

        out = Path(out)
        parquet = write_yearly(self.table, out, self.scenario.currency)
        paths = [parquet, *write_copies(self.table, parquet),
                 write_manifest(out, self.source, self.scenario, self.seed, self.farmers, self.years,
                                self.run_seconds, self.build_seconds)]
        if not self.start_constants.empty:
            path = out / "start_constants.csv"
            atomic_write_text(path, self.start_constants.to_csv(index=False, float_format="%.6g"))
            paths.append(path)
        paths.append(trajectories(self.table, out / "trajectories.png", self.scenario.name, self.scenario.currency,
                                  self.scenario.soil.depth_cm))
        return paths


def run_single(scenario: sim.Scenario, source: Path | None = None, seed: int | None = None, years: int | None = None,
               farmers: int | None = None, on_year: Callable[[int, int], None] | None = None) -> SingleRun:
    """Build and run one model of ``scenario``.

    Args:
        scenario: the scenario.
        source: its file, recorded in the manifest.
        seed: random seed (the scenario's when None).
        years: years to simulate (the scenario's when None).
        farmers: total farmers, keeping the regional shares (the scenario's when None).
        on_year: ``on_year(years_done, years_total)`` after each simulated year.

    Raises ExperimentError for a size the scenario cannot take (fewer farmers than regions, more years than the
    schema allows, more memory than is available) before anything is built, and for a run whose table holds
    non-finite values (``check_finite``).

    """
    n_years = years or scenario.years
    check_size(scenario, farmers, years, source=source)
    with model_arithmetic(scenario, str(source) if source else scenario.name):
        t0 = time.perf_counter()
        model = build_model(scenario, seed, farmers)
        build = time.perf_counter() - t0
        t1 = time.perf_counter()
        for year in range(1, n_years + 1):
            model.step()
            if on_year:
                on_year(year, n_years)
        elapsed = time.perf_counter() - t1
    used_seed, n_farmers = model_size(model)
    table = yearly_table(model)
    check_finite(table, str(source) if source else scenario.name)
    return SingleRun(scenario, Path(source) if source else None, used_seed, n_farmers, n_years, table, build, elapsed,
                     model.start_constants())


def git_commit(directory: Path) -> str | None:
    """The git commit of the source tree at ``directory`` (None outside a checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
                             timeout=GIT_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def git_uncommitted(directory: Path) -> bool | None:
    """Whether the checkout at ``directory`` has uncommitted changes to tracked files (None outside a checkout).

    Beside ``git_commit`` in a manifest: a run from edited code is not the commit's (referee 41 m9); the model's own
    source hash (``code_version``) says which code it was.
    """
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=directory,
                             capture_output=True, text=True, timeout=GIT_TIMEOUT_SECONDS)
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None


def scenario_hash(scenario: sim.Scenario) -> str:
    """SHA-256 of the resolved scenario (``extends`` applied; JSON with sorted keys): files that mean the same agree.

    It identifies the scenario in manifest.json, a sweep's plan (resume) and a posterior's record.

    Its ``translations`` are left out: titles in other languages change nothing a run computes or stores, so
    translating a scenario keeps its stored results and its posterior's record (``analysis.calibration``).
    """
    dumped = scenario.model_dump(mode="json", exclude={"translations"})
    return hashlib.sha256(json.dumps(dumped, sort_keys=True).encode()).hexdigest()


def described(frame: pd.DataFrame, currency: str) -> pa.Table:
    """The yearly table as Arrow, each column's unit and meaning in its field metadata (``sim.outputs.COLUMNS``).

    Money units name the run's ``currency`` ("USD/farm/yr"), and the table's metadata holds it too, so the file says
    what its numbers are in without its manifest (referee 41 m10). The values are the frame's, unchanged.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for field in table.schema:
        column = COLUMNS.get(field.name)
        fields.append(field if column is None else field.with_metadata(
            {"unit": column.unit.replace("currency", currency), "meaning": column.meaning}))
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}), b"currency": currency.encode()})
    return table.cast(schema)


def write_yearly(frame: pd.DataFrame, out_dir: Path, currency: str) -> Path:
    """Write the yearly table to ``out_dir/yearly.parquet`` atomically (a temporary file, fsync, rename).

    Each column's unit names ``currency`` where it is money (``described``). Raises experiments.store.StoreError
    when it cannot be written (a full disk says so).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "yearly.parquet"
    fd, tmp = tempfile.mkstemp(prefix=".yearly.parquet.", dir=out_dir)
    os.close(fd)
    try:
        os.chmod(tmp, FILE_MODE)
        pq.write_table(described(frame, currency), tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def write_manifest(out_dir: Path, scenario_path: Path | None, scenario: sim.Scenario, seed: int, n_farmers: int,
                   years: int, run_seconds: float, build_seconds: float) -> Path:
    """Write ``manifest.json`` for a run, atomically (never a partial file beside a complete table).

    It holds the scenario file's content and SHA-256 (null without a file), the resolved scenario (``extends``
    applied) and its hash, the seed, sizes, package, Python and library versions, the model's source hash (as a
    sweep's ``code_version``), git commit and whether the checkout had uncommitted changes, the command line and
    timings.
    """
    from experiments.plan import NUMERICAL_LIBRARIES, code_version, library_versions

    content = scenario_path.read_text() if scenario_path else None
    resolved = scenario.model_dump(mode="json")
    manifest = {
        "scenario_file": str(scenario_path) if scenario_path else None,
        "scenario_sha256": hashlib.sha256(content.encode()).hexdigest() if content is not None else None,
        "scenario_content": content,
        "scenario_resolved": resolved,
        "scenario_resolved_sha256": scenario_hash(scenario),
        "seed": seed,
        "farmers": n_farmers,
        "years": years,
        "package_version": sim.__version__,
        "code_version": code_version(),
        "git_commit": git_commit(Path(sim.__file__).parent),
        "git_uncommitted_changes": git_uncommitted(Path(sim.__file__).parent),
        "python": sys.version.split()[0],
        "libraries": library_versions(NUMERICAL_LIBRARIES),
        "command": " ".join(sys.argv),
        "build_seconds": round(build_seconds, 3),
        "run_seconds": round(run_seconds, 3),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = out_dir / "manifest.json"
    atomic_write_text(path, json.dumps(manifest, indent=2))
    return path
