"""Sweep results on disk: a manifest, the design, and one Parquet file per finished batch, written atomically.

Layout of a sweep directory::

    manifest.json              what the sweep is (fingerprint, scenarios, versions, command, timings)
    design.parquet             every planned run: run_id, scenario, sample_id, replicate, seed, parameter values
    runs/batch-000001.parquet  one row per finished run and output year, with the run's parameters and seed
    failed/batch-000001.parquet  one row per failed run: its parameters, seed and error
    .partial/                  files being written (never read; cleared when a session starts)
    .lock                      held by the process writing the directory

A batch file appears only complete (written under ``.partial/``, flushed, then renamed into ``runs/``), so a
sweep killed at any moment (SIGKILL included) leaves only whole batches, and ``pandas.read_parquet(DIR / "runs")``
or DuckDB ``SELECT * FROM read_parquet('DIR/runs/*.parquet')`` always read complete data. The next run of the
same command computes the missing runs (and retries the failed ones), whatever batch size or worker count it uses.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from experiments.spec import ExperimentError

#: Name of a batch file (in ``runs/`` and ``failed/``).
BATCH_FILE = re.compile(r"^batch-(\d{6,})\.parquet$")
#: Columns every stored row has, whatever the model.
RUN_COLUMNS = ("run_id", "scenario", "sample_id", "replicate", "seed")
#: What became of a session the manifest records: still running (or killed before it could say, if another session
#: started since), finished, interrupted (Ctrl+C, SIGTERM or an error: its finished batches are kept), or killed
#: (it was still running when a later session took the directory: SIGKILL, out of memory, a power cut).
RUNNING, FINISHED, INTERRUPTED, KILLED = "running", "finished", "interrupted", "killed"
#: Manifest keys that make up a sweep's identity, in the order a mismatch names them.
IDENTITY_KEYS = ("model", "scenarios", "design_sha256", "farmers", "years", "code_version", "dependencies")


def _file_mode() -> int:
    """Permissions of a new file under the process's umask (temporary files are created 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: Permissions of written files: what ``open`` would give them (read by other users where the umask allows).
FILE_MODE = _file_mode()


class SweepMismatch(ValueError):
    """The directory holds a different sweep; the message says what differs."""


class StoreError(ExperimentError):
    """The sweep directory cannot be used (in use, unwritable, full, or holding files that are not this sweep's)."""


class SweepStore:
    """A sweep directory (created if missing)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.runs = self.directory / "runs"
        self.failed = self.directory / "failed"
        self.partial = self.directory / ".partial"
        self.manifest_path = self.directory / "manifest.json"
        self.design_path = self.directory / "design.parquet"

    # -- sessions ---------------------------------------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[SweepStore]:
        """Hold the directory's lock for a writing session (another process gets a clean error, not a mix).

        The lock (``fcntl.flock`` on ``.lock``) is released when the session ends or the process dies, SIGKILL
        included, so a killed sweep never leaves a stale lock.
        """
        check_writable(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StoreError(f"{self.directory} is being written by another casim process (pid {holder}); wait for it "
                             "to finish or use another --out directory") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        try:
            yield self
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def check(self, manifest: dict) -> None:
        """Raise ``SweepMismatch`` when the directory holds another sweep (nothing is written)."""
        old = self.manifest()
        if old is not None and old.get("fingerprint") != manifest["fingerprint"]:
            differs = [key for key in IDENTITY_KEYS if old.get(key) != manifest.get(key)]
            raise SweepMismatch(
                f"{self.directory} holds a different sweep (differs in: {', '.join(differs) or 'identity'}); use a "
                "new --out directory, or delete this one to start again (casim analyse re-analyses it as it is)")

    def prepare(self, manifest: dict, design: pd.DataFrame) -> None:
        """Create the directory, or check that it holds the same sweep (same fingerprint); clear partial files.

        Raises:
            SweepMismatch: the directory holds another sweep (the message names what differs).
            StoreError: stray or unreadable files in ``runs/``.

        """
        for directory in (self.runs, self.failed, self.partial):
            directory.mkdir(parents=True, exist_ok=True)
        for leftover in self.partial.iterdir():
            leftover.unlink()
        self.check(manifest)
        old = self.manifest()
        if old is not None:  # the sweep was created by the first session (each session's command is in sessions)
            manifest = {**manifest, "created": old.get("created", manifest["created"]), "sessions": old.get("sessions", [])}
        else:
            self.write_table(self.design_path, design)
        self.write_manifest(manifest)

    # -- reading ----------------------------------------------------------------------------------------------
    def manifest(self) -> dict | None:
        """The stored manifest (None when the directory holds no sweep)."""
        if not self.manifest_path.exists():
            return None
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.manifest_path}: unreadable ({exc}); not a sweep directory, or a damaged one: "
                             "use a new --out directory") from None

    def design(self) -> pd.DataFrame:
        """Every planned run (run_id, scenario, sample_id, replicate, seed, parameters)."""
        return self._read(self.design_path)

    def batch_files(self, directory: Path | None = None) -> list[Path]:
        """The batch files of ``runs/`` (or ``directory``), in id order.

        Raises:
            StoreError: a file that is not a batch file of this sweep (any other name): move it out first.

        """
        directory = directory or self.runs
        if not directory.is_dir():
            return []
        files = []
        for path in sorted(directory.iterdir()):
            if not BATCH_FILE.match(path.name):
                raise StoreError(f"{path}: not a batch file of this sweep (expected batch-NNNNNN.parquet); move it out "
                                 f"of {directory}/ so the results read there are only this sweep's")
            files.append(path)
        return files

    def finished(self) -> set[int]:
        """Run ids with stored results (reads only the run_id column of each batch)."""
        done: set[int] = set()
        for path in self.batch_files():
            done.update(self._read(path, ["run_id"]).run_id.tolist())
        return done

    def next_batch_id(self) -> int:
        """A batch id no stored batch (finished or failed) uses."""
        ids = [int(BATCH_FILE.match(p.name).group(1)) for d in (self.runs, self.failed) for p in self.batch_files(d)]
        return max(ids, default=-1) + 1

    def load(self) -> pd.DataFrame:
        """All stored rows, ordered by run and year (one row per run and year; a run stored twice counts once).

        The batches are joined as Arrow tables and converted to pandas once; rows are reordered only when they are
        not already in order (a resumed sweep, batches finished out of order).
        """
        tables = [self._read_arrow(path) for path in self.batch_files()]
        if not tables:
            return pd.DataFrame()
        try:
            table = pa.concat_tables(tables)
        except pa.ArrowInvalid:  # batches of different columns (another model's rows): pandas aligns them
            return _ordered_rows(pd.concat([t.to_pandas() for t in tables], ignore_index=True))
        keep = first_in_order(table["run_id"].to_numpy(), table["year"].to_numpy())
        if keep is not None:
            table = table.take(keep)
        return table.to_pandas().reset_index(drop=True)

    def failures(self) -> pd.DataFrame:
        """Failed runs of the latest session: run columns, parameters and ``error`` (empty when none failed)."""
        frames = [self._read(path) for path in self.batch_files(self.failed)]
        if not frames:
            return pd.DataFrame(columns=[*RUN_COLUMNS, "error"])
        return pd.concat(frames, ignore_index=True).sort_values("run_id", kind="stable").reset_index(drop=True)

    def nothing_stored(self) -> str:
        """Why no run is stored: every run of the latest session failed (how many and the first error), or none ran.

        For the analyses' refusal of an empty directory (referee 41 m7: "run the sweep first" hid that the runs had
        just failed).
        """
        failed = self.failures()
        if failed.empty:
            return f"{self.directory}: no finished runs stored yet (runs/ is empty); run the sweep first"
        first = failed.iloc[0]
        return (f"{self.directory}: no finished runs: all {len(failed):,} runs failed (recorded in failed/; the first, "
                f"run {first.run_id}: {first.error}); fix the cause and run again the casim sweep or sensitivity "
                f"command that wrote {self.directory} (same --out) to retry them: analyses read stored runs only")

    def _read(self, path: Path, columns: list[str] | None = None) -> pd.DataFrame:
        return self._read_arrow(path, columns).to_pandas()

    def _read_arrow(self, path: Path, columns: list[str] | None = None) -> pa.Table:
        try:
            return pq.read_table(path, columns=columns)
        except FileNotFoundError:
            raise StoreError(f"{path}: missing; the sweep directory is incomplete (run the sweep command again)") \
                from None
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise StoreError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc}); it may be truncated: "
                             "delete it and run the same command again to recompute its runs") from None

    # -- writing ----------------------------------------------------------------------------------------------
    def write_batch(self, batch_id: int, rows: pd.DataFrame | bytes, failed: bool = False) -> Path:
        """Write a batch of finished (or failed) runs atomically (rows, or their Parquet file's bytes); return its path."""
        directory = self.failed if failed else self.runs
        return self.write_table(directory / f"batch-{batch_id:06d}.parquet", rows)

    def clear_failures(self) -> None:
        """Forget recorded failures (their runs are about to be retried)."""
        for path in self.batch_files(self.failed):
            path.unlink()

    def write_table(self, path: Path, table: pd.DataFrame | bytes) -> Path:
        """Write a frame (or its Parquet file's bytes, ``parquet_bytes``) to ``path`` atomically.

        The file is written under ``.partial/``, flushed to the disk, then renamed to ``path``.
        """
        atomic_write_bytes(path, table if isinstance(table, bytes) else parquet_bytes(table), self.partial)
        return path

    def write_manifest(self, manifest: dict) -> None:
        """Write ``manifest.json`` atomically."""
        atomic_write_text(self.manifest_path, json.dumps(manifest, indent=1, sort_keys=False), self.partial)

    def record_session(self, session: dict) -> int:
        """Append a session (command, executor, status, timings, runs done and failed) to the manifest; its index.

        A session recorded earlier that is still ``RUNNING`` ended without a record (this session holds the lock,
        so its process is gone): it becomes ``KILLED``, with the runs it stored and failed counted from the directory
        (its own record still said 0: referee 41 m12) and its timings unknown (None).
        """
        manifest = self.manifest() or {}
        earlier = [self._killed(old, manifest) if old.get("status") == RUNNING else old
                   for old in manifest.get("sessions", [])]
        manifest["sessions"] = [*earlier, session]
        self.write_manifest(manifest)
        return len(earlier)

    def _killed(self, session: dict, manifest: dict) -> dict:
        """``session``, found ``RUNNING`` by a later one, as ``KILLED``: what it stored counted now, timings unknown.

        The runs stored when it started were the plan's runs less its ``runs_to_run``; whatever is stored beyond them
        it stored (only one session holds the directory at a time), and ``failed/`` still holds its failures.
        """
        killed = {**session, "status": KILLED}
        if "runs_to_run" in session and "runs" in manifest:
            stored_before = manifest["runs"] - session["runs_to_run"]
            failed = len(self.failures())
            killed["runs_run"] = len(self.finished()) - stored_before + failed
            killed["runs_failed"] = failed
        for timing in ("seconds", "model_seconds", "machinery_seconds", "store_seconds"):
            if timing in session:
                killed[timing] = None  # it died without saying
        return killed

    def update_session(self, index: int, session: dict) -> None:
        """Replace the session recorded at ``index`` (``record_session``) by ``session``, e.g. at its end."""
        manifest = self.manifest() or {}
        manifest["sessions"][index] = session
        self.write_manifest(manifest)


def first_in_order(run_id: np.ndarray, year: np.ndarray) -> np.ndarray | None:
    """Positions of the rows ordered by run and year, the first of each (run, year) kept; None when already so.

    The same rows, in the same order, as ``drop_duplicates(["run_id", "year"], keep="first")`` followed by a
    stable sort by run and year.
    """
    if len(run_id) < 2:
        return None
    step_run, step_year = np.diff(run_id), np.diff(year)
    if np.all((step_run > 0) | ((step_run == 0) & (step_year > 0))):
        return None
    order = np.lexsort((year, run_id))  # stable: duplicates stay in the order they were read
    run_sorted, year_sorted = run_id[order], year[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (run_sorted[1:] != run_sorted[:-1]) | (year_sorted[1:] != year_sorted[:-1])
    return order[first]


def _ordered_rows(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop_duplicates(["run_id", "year"], keep="first")
    return frame.sort_values(["run_id", "year"], kind="stable").reset_index(drop=True)


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The Parquet file of ``frame`` without its index (the bytes ``frame.to_parquet(path, index=False)`` writes).

    A worker encodes its batch's rows (``experiments.sweep.evaluate``), so the sweep's process only writes bytes.
    A frame of numbers (and text) is converted column by column against the schema pandas gives its columns, kept
    from one batch to the next (``_arrow_schema``): pandas' conversion of a batch of 113 columns spends more time
    describing the columns than converting them. Other frames are written by pandas itself.
    """
    buffer = io.BytesIO()
    numeric = all(dtype.kind in "biuf" or dtype == "str" for dtype in frame.dtypes)
    named = frame.columns.is_unique and all(isinstance(name, str) for name in frame.columns)
    if not numeric or not named or frame.attrs:
        frame.to_parquet(buffer, index=False)
        return buffer.getvalue()
    schema = _arrow_schema(frame)
    # from_pandas=True: NaN is stored as null, as pandas stores it
    arrays = [pa.array(column.array if field.type in TEXT else column.to_numpy(), type=field.type, from_pandas=True)
              for (_, column), field in zip(frame.items(), schema, strict=True)]
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), buffer, compression=PANDAS_COMPRESSION)
    return buffer.getvalue()


#: The compression ``DataFrame.to_parquet`` uses by default.
PANDAS_COMPRESSION = "snappy"
#: Arrow types of text columns (converted from pandas' string arrays, not from NumPy).
TEXT = (pa.string(), pa.large_string())


#: Arrow schemas of the frames written so far, by columns and dtypes (``_arrow_schema``).
_SCHEMAS: dict[tuple, pa.Schema] = {}


def _arrow_schema(frame: pd.DataFrame) -> pa.Schema:
    """The Arrow schema (pandas metadata included) pandas gives a frame of these columns and dtypes (no index)."""
    key = (tuple(frame.columns), tuple(frame.dtypes))  # dtypes, not their names: both string storages print "str"
    if key not in _SCHEMAS:
        _SCHEMAS[key] = pa.Schema.from_pandas(frame.head(0), preserve_index=False)
    return _SCHEMAS[key]


def write_error(path: Path, exc: OSError) -> StoreError:
    """A clean error for a failed write (a full disk says so, and that finished results are kept)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError(f"{path}: no space left on the device; finished results are kept: free some space and run "
                          "the same command again to resume")
    return StoreError(f"{path}: cannot write: {exc.strerror or exc}")


def atomic_write_text(path: Path, text: str, scratch: Path | None = None) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, as ``atomic_write_bytes``."""
    atomic_write_bytes(path, text.encode("utf-8"), scratch)


def atomic_write_bytes(path: Path, data: bytes, scratch: Path | None = None) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old or the new file whole, never a part of one.

    The data go to a temporary file in ``scratch`` (the same file system; ``path``'s directory when None), flushed
    to the disk, then renamed to ``path``. The temporary file is removed when the write fails (e.g. a full disk) or
    is interrupted, leaving the previous file untouched.
    """
    directory = scratch or path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable_file(path: Path) -> Path:
    """Check that the file ``path`` can be written (its folder created if missing) before any work starts.

    Raises:
        StoreError: ``path`` is a directory, or its folder cannot be created or written.

    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"--out {path}: is a directory; expected a file name, e.g. {path / 'report.html'}")
    try:
        check_writable(path.parent)
    except StoreError as exc:
        raise StoreError(f"--out {path}: its folder {str(exc).removeprefix('--out ')}") from None
    return path


def check_writable(directory: Path, need_bytes: int = 0) -> Path:
    """Check that results can be written into ``directory`` before any work starts, leaving nothing behind.

    The folders missing on its path are created for the check and removed again: a command refused after it (a
    scenario with a typo, a bad option) leaves no empty folder (referee 32 m4). The writers create them.

    Raises:
        StoreError: ``directory`` is a file, cannot be created or written (read-only file system), or has less
            free space than ``need_bytes``.

    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise StoreError(f"--out {directory}: is a file; expected a directory for the results")
    missing = [folder for folder in (directory, *directory.parents) if not folder.exists()]  # the deepest first
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".casim-write-test.", dir=directory)
        os.close(fd)
        os.unlink(probe)
        free = shutil.disk_usage(directory).free
    except OSError as exc:
        raise StoreError(f"--out {directory}: cannot write there: {exc.strerror or exc}") from None
    finally:
        for folder in missing:
            with suppress(OSError):  # not empty: another process is writing there now
                folder.rmdir()
    if need_bytes > free:
        raise StoreError(f"--out {directory}: {free / 1e6:,.0f} MB free on its device; the results need about "
                         f"{need_bytes / 1e6:,.0f} MB ({(need_bytes - free) / 1e6:,.0f} MB short)")
    return directory
