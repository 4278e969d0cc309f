"""Sweep results on disk: a manifest and one Parquet file per finished batch, written atomically.

Layout of a sweep directory::

    manifest.json             what the sweep is (fingerprint, scenarios, design, seeds, sizes, versions)
    runs/batch-000001.parquet one row per run and output year, with the run's parameters and seed

A batch file appears only complete (written to a temporary name, flushed, then renamed), so a sweep killed at
any moment (SIGKILL included) leaves only whole batches; the next run of the same command computes the missing
ones. Read everything with ``pandas.read_parquet(DIR / "runs")`` or DuckDB
``SELECT * FROM read_parquet('DIR/runs/*.parquet')``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd


class SweepMismatch(ValueError):
    """The directory holds a different sweep; the message says what differs."""


class SweepStore:
    """A sweep directory (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.runs = self.directory / "runs"

    def prepare(self, manifest: dict) -> None:
        """Create the directory, or check that it holds the same sweep (same fingerprint); clear partial files."""
        self.runs.mkdir(parents=True, exist_ok=True)
        path = self.directory / "manifest.json"
        if path.exists():
            old = json.loads(path.read_text())
            if old.get("fingerprint") != manifest["fingerprint"]:
                differs = [key for key in ("scenarios", "method", "samples", "replicates", "farmers", "years",
                                           "design_sha256", "model")
                           if old.get(key) != manifest.get(key)]
                raise SweepMismatch(
                    f"{self.directory} holds a different sweep (differs in: {', '.join(differs) or 'batching'}); "
                    "use a new --out directory, or delete this one to start again")
        else:
            _atomic_write_text(path, json.dumps(manifest, indent=1))
        for partial in self.runs.glob("*.tmp"):
            partial.unlink()

    def manifest(self) -> dict | None:
        """The stored manifest (None when the directory holds no sweep)."""
        path = self.directory / "manifest.json"
        return json.loads(path.read_text()) if path.exists() else None

    def batch_path(self, batch_id: int) -> Path:
        """File of a batch."""
        return self.runs / f"batch-{batch_id:06d}.parquet"

    def finished(self) -> set[int]:
        """Ids of the batches already on disk."""
        return {int(p.stem.split("-")[1]) for p in self.runs.glob("batch-*.parquet")}

    def write_batch(self, batch_id: int, rows: pd.DataFrame) -> None:
        """Write a batch atomically."""
        path = self.batch_path(batch_id)
        tmp = path.with_name(path.name + ".tmp")
        rows.to_parquet(tmp, index=False)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def load(self) -> pd.DataFrame:
        """All rows, ordered by run and year."""
        files = sorted(self.runs.glob("batch-*.parquet"))
        if not files:
            return pd.DataFrame()
        frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        return frame.sort_values(["run_id", "year"], kind="stable").reset_index(drop=True)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
