"""A sweep's plan: every run (scenario, parameter values, seed), cut into batches, with a fingerprint.

Seeds: with a design of several samples, every run gets its own seed, drawn from the scenario's seed, the sample
and the replicate (``numpy.random.SeedSequence``): samples never share seeds, so seed noise is independent of
the parameters and the replicates of a sample measure it without bias. A design of one sample (the scenarios
as they are) uses the scenario's seed + replicate, the seeds ``casim run --seed`` and ``casim compare`` use.
Results depend on the plan only, never on how its batches are executed.

The fingerprint covers what determines the results (scenario content, design and seeds, sizes, the model's
code and the numerical libraries' versions), not how they are computed (batch size, workers, executor), so a
finished sweep can be resumed with other workers, and is refused after a change that would mix results of two
models. The scenario content is the whole resolved scenario, its [outputs] included: to analyse other outputs of
stored runs, re-analyse them (``casim analyse DIR --output name=column@year``) rather than edit the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from experiments.executors import batch_size
from experiments.runs import available_memory, consecutive_seeds, stack_capacity
from experiments.single import git_commit, git_uncommitted, scenario_hash
from experiments.spec import ExperimentError
from experiments.store import RUN_COLUMNS
from sim import kernel_cache
from sim.footprint import gigabytes
from sim.outputs import COLUMNS
from sim.scenario import Scenario

#: Default batching (``experiments.executors.batch_size``): at most this many runs per batch (one Parquet file each),
#: so a killed sweep loses little and a resumed sweep never redoes much.
MAX_RUNS_PER_BATCH = 200
#: Batches per worker of a sweep of the model: few, since the runs of a batch share one stacked model, but enough that
#: a worker that finishes early finds another batch to take.
STACKED_BATCHES_PER_WORKER = 4
#: Batches the runs left are shared into at the end of a sweep, per worker (guided self-scheduling): the last batches
#: shrink, so the workers finish together instead of one idling while another runs a whole batch.
TAIL_BATCHES_PER_WORKER = 2
#: Fewest runs in one of those last batches: a stacked model's time per run is about the same from 8 runs up (1,000
#: farmers x 30 years: 141-158 ms per run at 4 to 80 runs, 320-340 ms alone, on the 2-core machine).
SMALLEST_TAIL_BATCH = 8
#: Upper bound of the stored size of one value (a run-year-column cell): an uncompressed float64.
BYTES_PER_CELL = 8
#: Columns a stored row holds besides the parameters: the run's columns and the 'all' region's recorded ones (region
#: included, though dropped, so the count bounds them).
STORED_COLUMNS = len(RUN_COLUMNS) + len(COLUMNS)
#: Libraries whose version can change a run's numbers (recorded in the manifest and part of the fingerprint).
NUMERICAL_LIBRARIES = ("numpy", "scipy", "numba", "pandas", "mesa")
#: Libraries recorded in the manifest for the record (they shape designs and analyses, not runs).
RECORDED_LIBRARIES = (*NUMERICAL_LIBRARIES, "SALib", "pyarrow", "dask", "distributed", "ema_workbench", "pydantic")


@dataclass
class Batch:
    """Runs evaluated together (one task)."""

    id: int
    model: str
    scenarios: dict[str, Scenario]
    runs: pd.DataFrame  # run_id, scenario, sample_id, replicate, seed, one column per parameter
    parameters: tuple[str, ...]
    farmers: int | None
    years: int | None
    timeout: float | None = None  # seconds a run may take before it is stopped and recorded as failed
    stack: bool = True  # runs that can share a model are stacked in one (``experiments.runs.run_specs``)
    #: whether another run of the plan has the same seed (only then can a run reuse another's start:
    #: ``sim.behaviour.start_cache``, bypassed otherwise)
    seeds_shared: bool = True


@dataclass
class Plan:
    """Every run of a sweep, how to cut it into batches, and what identifies it."""

    model: str
    scenarios: dict[str, Scenario]
    parameters: tuple[str, ...]
    runs: pd.DataFrame
    batch_size: int
    farmers: int | None
    years: int | None
    method: str
    samples: int
    replicates: int
    extra: dict = field(default_factory=dict)
    sources: dict[str, str | None] = field(default_factory=dict)  # label -> scenario file (recorded, not identity)
    timeout: float | None = None
    stack: bool = True  # stack the runs of a batch in one model where they can share one (same results either way)
    balance: int = 0  # workers whose finish the last, smaller batches even out (0: every batch of batch_size)

    def batches(self, todo: set[int] | None = None, first_id: int = 0) -> list[Batch]:
        """The runs (those in ``todo``; all when None) cut into batches (``batch_sizes``), numbered from ``first_id``."""
        runs = self.runs if todo is None else self.runs[self.runs.run_id.isin(todo)]
        sizes = batch_sizes(len(runs), self.batch_size, self.balance)
        starts = np.cumsum([0, *sizes])
        shared = bool(self.runs.seed.duplicated().any())
        return [Batch(first_id + i, self.model, self.scenarios, runs.iloc[start:start + size], self.parameters,
                      self.farmers, self.years, self.timeout, self.stack, shared)
                for i, (start, size) in enumerate(zip(starts, sizes, strict=False))]

    def identity(self) -> dict:
        """What determines the sweep's results; its hash is the fingerprint."""
        design = self.runs.to_csv(index=False, float_format="%.17g").encode()
        return {"model": self.model, "scenarios": {label: scenario_hash(s) for label, s in self.scenarios.items()},
                "design_sha256": hashlib.sha256(design).hexdigest(), "farmers": self.farmers, "years": self.years,
                "code_version": code_version() if self.model == "casim" else self.model,
                "dependencies": library_versions(NUMERICAL_LIBRARIES)}

    def manifest(self) -> dict:
        """What the sweep is: enough to recognise it, reproduce it and refuse a different one in its directory."""
        identity = self.identity()
        return {
            "fingerprint": hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest(),
            **identity,
            "parameters": list(self.parameters), "method": self.method, "samples": self.samples,
            "replicates": self.replicates, "runs": len(self.runs),
            "scenario_files": self.sources,
            "scenario_content": {label: _text(path) for label, path in self.sources.items()},
            "scenario_resolved": {label: s.model_dump(mode="json") for label, s in self.scenarios.items()},
            "package_version": sim.__version__, "git_commit": git_commit(Path(sim.__file__).parent),
            "git_uncommitted_changes": git_uncommitted(Path(sim.__file__).parent),
            "python": sys.version.split()[0], "platform": platform.platform(),
            "libraries": library_versions(RECORDED_LIBRARIES),
            "command": " ".join(sys.argv), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **self.extra,
        }


def _text(path: str | None) -> str | None:
    try:
        return Path(path).read_text() if path else None
    except OSError:
        return None


def code_version() -> str:
    """SHA-256 of the model's source (``sim.kernel_cache.source_hash`` of the sources this process imported).

    Any change to the model, committed or not, changes it; a change elsewhere (docs, tests, the CLI) does not. The
    same digest keys the cache of the compiled kernels, so it is computed once per process, at ``import sim``.
    """
    return kernel_cache.SOURCE_HASH


def library_versions(names: tuple[str, ...]) -> dict[str, str | None]:
    """Installed versions of ``names`` (None when missing), and Python's."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def run_seeds(base_seed: int, samples: int, replicates: int, where: str = "the scenario") -> np.ndarray:
    """Seeds of every run (samples x replicates): independent streams, or base + r for a single sample.

    Each seed is drawn by ``SeedSequence([base_seed, sample, replicate])`` and kept below 2^63 (Parquet int64): at
    most ``MAX_SEED``, so `casim run --seed` repeats the run alone. A single sample's are
    ``experiments.runs.consecutive_seeds`` (refused past the largest seed, naming ``where``).
    """
    if samples == 1:
        return np.array([consecutive_seeds(base_seed, replicates, where)], dtype=np.int64)
    seeds = np.empty((samples, replicates), dtype=np.int64)
    for i in range(samples):
        for r in range(replicates):
            seeds[i, r] = stream_seed(base_seed, i, r)
    return seeds


def stream_seed(base_seed: int, sample: int, replicate: int) -> int:
    """The own seed of replicate ``replicate`` of sample ``sample``: ``SeedSequence([base_seed, sample, replicate])``.

    A 63-bit integer (at most ``MAX_SEED``, so `casim run --seed` repeats the run alone) that depends on those three
    numbers only: within one design two samples, or two replicates, never share a seed's stream (up to a collision
    of two 63-bit draws), whatever else runs beside them. Used by ``run_seeds`` and by the posterior predictive check
    (``analysis.calibration.predictive_seeds``), so predictive draw d of a scenario runs on sweep sample d's seeds
    when both start from the same scenario seed (referee 53 n7c): harmless, as the parameters differ and the two
    analyses never pool their runs.
    """
    return int(np.random.SeedSequence([base_seed, sample, replicate]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def batch_sizes(runs: int, largest: int, workers: int = 0) -> list[int]:
    """Runs in each batch: ``largest`` each; with ``workers``, the last ones shrink so the workers finish together.

    Each batch takes at most a ``TAIL_BATCHES_PER_WORKER x workers``-th of the runs left (at least
    ``SMALLEST_TAIL_BATCH``, at most ``largest``). Results never depend on the batches.
    """
    sizes, left = [], runs
    while left > 0:
        size = largest if workers <= 0 else min(largest, max(SMALLEST_TAIL_BATCH,
                                                              math.ceil(left / (TAIL_BATCHES_PER_WORKER * workers))))
        sizes.append(min(size, left))
        left -= sizes[-1]
    return sizes


def default_batch_size(runs: int, workers: int, largest: int = MAX_RUNS_PER_BATCH) -> int:
    """``experiments.executors.BATCHES_PER_WORKER`` batches per worker, at most ``largest`` runs each."""
    return batch_size(runs, workers, min(largest, MAX_RUNS_PER_BATCH))


def stacked_batch_size(scenarios: dict[str, Scenario], farmers: int | None, runs: int, workers: int) -> int:
    """Runs per batch of a sweep of the model.

    Batches fill a stacked model (``experiments.runs.stack_capacity``, from the farmers of a run) but leave
    ``STACKED_BATCHES_PER_WORKER`` batches to each worker.
    """
    capacity = min(stack_capacity(scenario, farmers) for scenario in scenarios.values())
    return int(min(capacity, MAX_RUNS_PER_BATCH, max(1, math.ceil(runs / (STACKED_BATCHES_PER_WORKER * max(workers, 1))))))


def stored_bytes(runs: int, years: int, parameters: int) -> int:
    """Upper bound of the bytes of the rows ``runs`` runs store.

    (years + 1) rows a run, of ``STORED_COLUMNS`` values and the parameters, ``BYTES_PER_CELL`` each (Parquet files
    are smaller; the rows read back into memory are not).
    """
    return runs * (years + 1) * (STORED_COLUMNS + parameters) * BYTES_PER_CELL


def check_results_fit(runs: int, years: int, parameters: int) -> None:
    """Refuse, before planning, a sweep whose stored rows could not be read back into this machine's memory.

    A sweep reads every stored row back at its end (``experiments.store.SweepStore.load``; an analysis reads them too).
    """
    need, available = stored_bytes(runs, years, parameters), available_memory()
    if need > available:
        raise ExperimentError(f"{runs:,} runs of {years} years store up to {gigabytes(need)} of rows, which the sweep "
                              f"reads back when it ends: more than the {gigabytes(available)} of memory available "
                              "here; use fewer samples or replicates, or fewer --years")


def make_plan(model: str, scenarios: dict[str, Scenario], parameters: tuple[str, ...],
              designs: dict[str, np.ndarray], replicates: int, farmers: int | None = None, years: int | None = None,
              method: str = "design", batch_size: int | None = None, workers: int = 1, seed: int = 0,
              sources: Mapping[str, str] | None = None, varied_in: str | None = None) -> Plan:
    """Runs = scenarios x design rows x replicates, each with its seed (see the module docstring).

    Refuses (``ExperimentError``), before building it, a plan whose runs' rows could not be read back into memory
    (``check_results_fit``), and one varying a region's ``farmers`` with ``farmers`` given: the rescaled runs would
    not have the stored count (refusing beats storing the count that ran, which would no longer be the design's
    sample, so an analysis would read another design than the one sampled).

    Args:
        model: evaluator name (``EVALUATORS``).
        scenarios: label -> scenario.
        parameters: dotted field paths, the columns of each design.
        designs: label -> design matrix (samples x parameters).
        replicates: seed replicates per sample.
        farmers: population of every run (the scenario's when None).
        years: horizon of every run (the scenario's when None).
        method: how the design was made (recorded in the manifest).
        batch_size: runs per batch; by default ``stacked_batch_size`` for the model, else ``default_batch_size``,
            with the last batches smaller so that ``workers`` finish together (``batch_sizes``).
        workers: workers the sweep will use (for the default batch size).
        seed: base seed for non-scenario models.
        sources: label -> scenario file, named when a scenario's seed leaves no room for its replicates.
        varied_in: the file that varies ``parameters`` (a design CSV; default: the scenario files in ``sources``),
            named when a varied region's ``farmers`` meets ``farmers``.

    """
    counts = [name for name in parameters if name.startswith("regions.") and name.endswith(".farmers")
              and name.count(".") == 2]
    if farmers is not None and counts:
        where = varied_in or ", ".join(str(source) for source in (sources or {}).values() if source)
        raise ExperimentError(f"{f'{where}: ' if where else ''}{counts[0]} is varied and --farmers {farmers} is given: "
                              f"--farmers rescales every run to {farmers:,} farmers in all, keeping the regions' shares, "
                              f"so the stored {counts[0]} would be a count no run had; leave out --farmers to run the "
                              "sampled counts")
    runs_planned = sum(len(design) for design in designs.values()) * replicates
    check_results_fit(runs_planned, years or max((s.years for s in scenarios.values()), default=1), len(parameters))
    frames = []
    for label, design in designs.items():
        base_seed = scenarios[label].seed if label in scenarios else seed
        seeds = run_seeds(base_seed, len(design), replicates, (sources or {}).get(label) or f"scenario {label!r}")
        frame = pd.DataFrame({"scenario": [label] * (len(design) * replicates),
                              "sample_id": np.repeat(np.arange(len(design), dtype=np.int64), replicates),
                              "replicate": np.tile(np.arange(replicates, dtype=np.int64), len(design)),
                              "seed": seeds.ravel()})
        values = np.repeat(np.asarray(design, dtype=np.float64).reshape(len(design), len(parameters)), replicates, axis=0)
        frames.append(frame.assign(**{name: values[:, j] for j, name in enumerate(parameters)}))
    runs = pd.concat(frames, ignore_index=True)
    runs.insert(0, "run_id", np.arange(len(runs)))
    samples = int(max(len(d) for d in designs.values()))
    balance = workers if batch_size is None else 0
    if batch_size is None:
        batch_size = (stacked_batch_size(scenarios, farmers, len(runs), workers) if model == "casim"
                      else default_batch_size(len(runs), workers))
    return Plan(model, scenarios, parameters, runs, batch_size, farmers, years, method, samples, replicates,
                balance=balance)
