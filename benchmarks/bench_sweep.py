"""Sobol analysis of 8 parameters at N = 1024 (10,240 runs) at 1,000 farmers x 30 years, the real sweep path.

Run: ``.venv/bin/python benchmarks/bench_sweep.py [--n 1024] [--workers 2] [--one-at-a-time]``. Targets (issue 15):
at most 30 s on the 2-core machine, with a per-run overhead of at most 1 ms (issue 6 asked for 5 minutes). Prints
runs per second and the per-run overhead of the sweep machinery: wall time x workers / runs, minus the model's own
time per run (building and running the models), measured by the workers themselves (``Evaluated.model_seconds``, summed
in the manifest's session), so both are measured in the same processes under the same load. The overhead is split by
part (``overhead_parts``): what the workers spend around the models (each run's scenario with its overrides, its rows),
what the sweep's process spends writing and reading back the batch files, and the rest (sending tasks and results,
idle workers at the end of the sweep). The workers are
started first and timed apart: their start (a process importing the model) is paid once per sweep, not per run.
The runs of a batch are stacked in one model where they can share one (``sim.ensemble``); ``--one-at-a-time`` runs
each alone, for comparison.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import sim
from analysis.sensitivity import indices_table
from experiments.designs import Problem, salib_sample
from experiments.executors import LocalExecutor
from experiments.plan import Plan, make_plan
from experiments.spec import Output
from experiments.store import SweepStore
from experiments.sweep import run_sweep

SCENARIO = Path(__file__).resolve().parent / "sobol_8_parameters.toml"  # issue 15's workload, kept fixed


def sobol_plan(n: int, farmers: int, years: int, workers: int) -> tuple[Plan, Problem, np.ndarray]:
    """The plan of a Sobol design of ``SCENARIO``'s uncertain fields at ``n`` base samples, its problem and samples."""
    scenario = sim.load_scenario(SCENARIO)
    problem = Problem.of(scenario)
    samples = salib_sample(problem, "sobol", n, scenario.seed)
    plan = make_plan("casim", {"s": scenario}, problem.names, {"s": problem.decode(samples)}, 1, farmers, years,
                     "sobol", workers=workers)
    return plan, problem, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--farmers", type=int, default=1000)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--one-at-a-time", action="store_true")
    args = parser.parse_args()
    plan, problem, samples = sobol_plan(args.n, args.farmers, args.years, args.workers)
    scenario = plan.scenarios["s"]
    plan.stack = not args.one_at_a_time
    out = Path(tempfile.mkdtemp(prefix="casim-bench-"))
    try:
        with LocalExecutor(args.workers) as executor:
            t = time.perf_counter()
            list(executor.map_unordered(abs, range(args.workers)))  # start the workers (they import the model)
            start = time.perf_counter() - t
            sweep_started = time.perf_counter()
            store = SweepStore(out)
            finishes: list[float] = []  # when each batch's results reached this process (and when the first left)
            rows = run_sweep(plan, store, executor, lambda done, total: finishes.append(time.perf_counter()))
            wall = time.perf_counter() - sweep_started
        session = store.manifest()["sessions"][-1]
        t = time.perf_counter()
        outputs = [Output(k, v.column, min(v.year, scenario.start_year + args.years), v.change)
                   for k, v in scenario.outputs.items()]
        indices_table(problem, "sobol", samples, rows, outputs)
        analysis = time.perf_counter() - t
    finally:
        shutil.rmtree(out, ignore_errors=True)
    runs = len(plan.runs)
    model_seconds = session["model_seconds"]
    overhead = (wall * args.workers - model_seconds) / runs
    print(f"Sobol, {len(problem.names)} parameters, N = {args.n}: {runs:,} runs of {args.farmers:,} farmers x "
          f"{args.years} years on {args.workers} workers; load average {os.getloadavg()[0]:.2f}")
    print(f"sweep: {wall:.1f} s ({runs / wall:.1f} runs/s) after the workers' start ({start:.1f} s, once per sweep); "
          f"analysis {analysis:.1f} s; total {start + wall + analysis:.1f} s (target <= 30 s); runs "
          f"{'one at a time' if args.one_at_a_time else 'stacked where they can share a model'}")
    print(f"model time per run {model_seconds / runs * 1000:.1f} ms (building and running the models, measured in the "
          f"workers); sweep overhead per run {overhead * 1000:.2f} ms (target <= 1 ms; {len(plan.batches())} batches of "
          f"up to {plan.batch_size}); with the workers' start {(overhead + start * args.workers / runs) * 1000:.2f} ms")
    idle = {"idle at start": (finishes[0] - sweep_started) * args.workers, "idle at end": idle_at_end(finishes[1:], args.workers)}
    parts = overhead_parts(session, wall * args.workers - model_seconds, idle)
    print("overhead per run by part: " + ", ".join(f"{name} {seconds / runs * 1000:.2f} ms"
                                                  for name, seconds in parts.items()))


def idle_at_end(finishes: list[float], workers: int) -> float:
    """Seconds the workers stood idle at the end of a sweep, from the times its batches finished (in order).

    Once every batch is handed out, a worker whose batch finishes has nothing left: the last ``workers - 1`` batches
    to finish leave their workers idle until the very last one does.
    """
    last = finishes[-workers:]
    return sum(last[-1] - t for t in last[:-1])


def overhead_parts(session: dict, overhead: float, idle: dict[str, float]) -> dict[str, float]:
    """Seconds of the sweep's overhead (core-seconds beyond the models') by part, from a manifest's session.

    Measured in the workers: each run's scenario with its overrides (``scenarios``), its yearly table read, checked
    and made into stored rows (``rows``), the rest of a task (``other``); in the sweep's own process: writing the
    batch files (``store``) and reading them back (``load``); the workers ``idle`` while the sweep's process prepares
    the directory (manifest, design, fingerprint) before the first batch, and at the end of the sweep
    (``idle_at_end``); the ``rest`` is what no part measures: sending tasks and results between processes, the sweep's
    process's other work, and the load of other processes on the cores.
    """
    parts = {f"{name} (workers)": seconds for name, seconds in session["machinery_seconds"].items()}
    parts |= {"store (parent)": session["store_seconds"], "load (parent)": session["load_seconds"], **idle}
    return parts | {"rest": overhead - sum(parts.values())}

if __name__ == "__main__":
    main()
