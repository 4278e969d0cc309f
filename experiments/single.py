"""Writing a run to disk: the yearly table (Parquet) and a manifest that makes the run reproducible."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from pathlib import Path

import pandas as pd

import sim


def git_commit(directory: Path) -> str | None:
    """The git commit of the source tree at ``directory`` (None outside a checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def write_yearly(frame: pd.DataFrame, out_dir: Path) -> Path:
    """Write the yearly table to ``out_dir/yearly.parquet`` atomically (write, then rename)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "yearly.parquet"
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    return path


def write_manifest(out_dir: Path, scenario_path: Path, scenario: sim.Scenario, seed: int, n_farmers: int,
                   years: int, run_seconds: float, build_seconds: float) -> Path:
    """Write ``manifest.json`` for a run.

    It holds the scenario file's content and SHA-256, the resolved scenario (``extends`` applied) and its hash,
    the seed, sizes, package version, git commit and timings.
    """
    content = scenario_path.read_text()
    resolved = scenario.model_dump(mode="json")
    manifest = {
        "scenario_file": str(scenario_path),
        "scenario_sha256": hashlib.sha256(content.encode()).hexdigest(),
        "scenario_content": content,
        "scenario_resolved": resolved,
        "scenario_resolved_sha256": hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest(),
        "seed": seed,
        "farmers": n_farmers,
        "years": years,
        "package_version": sim.__version__,
        "git_commit": git_commit(Path(sim.__file__).parent),
        "build_seconds": round(build_seconds, 3),
        "run_seconds": round(run_seconds, 3),
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2))
    return path
