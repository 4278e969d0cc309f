"""Scaling, side by side in one run: a sweep of many small runs, and one big model on more and more threads.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_scaling.py [--quick] [--big auto|yes|no]``). Written to
run as is on any machine: it uses every core it finds.

1. Sweep (issue 15): runs/s and farmer-years/s of a sweep of the sensitivity scenario (a Latin hypercube over its
   eight uncertain fields, its carbon programme and counterfactual included) at 1,000 and 10,000 farmers, through
   the real sweep path (plan, batches, a local pool of one worker per core, storage), with every run built and
   stepped on its own ("one at a time") and with the runs of a batch stacked in one model ("batched").
2. One model (baseline scenario) at 1 M farmers, and at 10 M when the machine has the memory (``--big``): farmer-years
   per second of the yearly step at 1, 2, 4 ... threads up to the cores present, with the speed-up over 1 thread;
   network and model construction times; peak memory per farmer (max RSS above the RSS after imports, / farmers).
   Thread counts are interleaved year by year, so a change in the machine's load hits them alike; each figure is
   the median over the years.

Figures taken while other work runs on the machine are noisy: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SWEEP_SCENARIO = ROOT / "benchmarks" / "sobol_8_parameters.toml"  # issue 15's workload, kept fixed
MODEL_SCENARIO = ROOT / "scenarios" / "baseline.toml"
SWEEP_YEARS = 30
#: Runs per core of each sweep measurement (about 10-20 s each on today's code).
SWEEP_RUNS_PER_CORE = {1_000: 64, 10_000: 8}
#: Years each thread count is timed at each model size (interleaved), after one warm-up year.
MODEL_YEARS = {1_000_000: 5, 10_000_000: 3}
#: The big size runs with --big auto when available memory exceeds its estimated footprint by this factor.
MEMORY_MARGIN = 1.5

MODEL_CHILD = Path(__file__).resolve().parent / "model_child.py"


def thread_counts(cores: int) -> list[int]:
    """1, 2, 4 ... up to the cores present (the cores themselves last when not a power of two)."""
    counts = [1]
    while counts[-1] * 2 <= cores:
        counts.append(counts[-1] * 2)
    return counts if counts[-1] == cores else [*counts, cores]


def sweep_rates(farmers: int, runs: int, workers: int, batched: bool) -> tuple[float, float]:
    """(runs/s, farmer-years/s) of a Latin-hypercube sweep of ``runs`` runs through the real sweep path on ``workers``."""
    import sim
    from experiments.designs import Problem, design_matrix
    from experiments.executors import LocalExecutor
    from experiments.plan import make_plan
    from experiments.store import SweepStore
    from experiments.sweep import run_sweep

    scenario = sim.load_scenario(SWEEP_SCENARIO)
    design = design_matrix(scenario, "lhs", samples=runs)
    plan = make_plan("casim", {"s": scenario}, Problem.of(scenario).names, {"s": design}, 1, farmers, SWEEP_YEARS,
                     "lhs", workers=workers)
    plan.stack = batched
    out = Path(tempfile.mkdtemp(prefix="casim-bench-"))
    try:
        started = time.perf_counter()
        run_sweep(plan, SweepStore(out), LocalExecutor(workers))
        wall = time.perf_counter() - started
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return len(plan.runs) / wall, len(plan.runs) * farmers * SWEEP_YEARS / wall


def big_fits(farmers: int) -> bool:
    """Whether a model of ``farmers`` fits in the memory available now, with ``MEMORY_MARGIN`` to spare."""
    import sim
    from experiments.runs import available_memory
    from sim.footprint import run_footprint

    return run_footprint(sim.load_scenario(MODEL_SCENARIO), farmers).bytes * MEMORY_MARGIN < available_memory()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a quarter of the sweep runs, and no 10 M model")
    parser.add_argument("--big", choices=("auto", "yes", "no"), default="auto",
                        help="the 10 M-farmer model: when memory allows (auto), always, or never")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--skip-model", action="store_true")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    print(f"{cores} cores; load average {os.getloadavg()[0]:.2f} at the start\n")

    if not args.skip_sweep:
        print(f"1. Sweep: {SWEEP_SCENARIO.name} (a Latin hypercube over its uncertain fields, carbon programme and "
              "counterfactual),"
              f" {SWEEP_YEARS} years per run, {cores} workers")
        header = f"{'farmers':>8} {'runs':>6}   {'one at a time':>28}   {'batched':>28}   {'ratio':>6}"
        print(header + f"\n{'':>17}{'runs/s':>14}{'farmer-yr/s':>14}   {'runs/s':>14}{'farmer-yr/s':>14}\n"
              + "-" * len(header))
        for farmers, per_core in SWEEP_RUNS_PER_CORE.items():
            runs = max(1, per_core * cores // (4 if args.quick else 1))
            single = sweep_rates(farmers, runs, cores, batched=False)
            stacked = sweep_rates(farmers, runs, cores, batched=True)
            print(f"{farmers:>8,} {runs:>6}   {single[0]:>14,.1f}{single[1]:>14,.0f}   {stacked[0]:>14,.1f}"
                  f"{stacked[1]:>14,.0f}   {stacked[0] / single[0]:>5.1f}x", flush=True)
        print()

    if not args.skip_model:
        counts = thread_counts(cores)
        sizes = [1_000_000]
        if not args.quick and (args.big == "yes" or (args.big == "auto" and big_fits(10_000_000))):
            sizes.append(10_000_000)
        elif args.big != "no" and not args.quick:
            print("(10 M farmers left out: not enough memory available; --big yes to try anyway)")
        print(f"2. One model: {MODEL_SCENARIO.name}, farmer-years/s of the yearly step (median over the years) by "
              "thread count")
        header = (f"{'farmers':>11} {'network s':>9} {'set-up s':>9} {'B/farmer':>9}"
                  + "".join(f"{f'{k} thr':>12}" for k in counts) + f"{'speed-up':>10}")
        print(header + "\n" + "-" * len(header))
        for n in sizes:
            done = subprocess.run([sys.executable, str(MODEL_CHILD), str(n), str(MODEL_YEARS[n]),
                                   ",".join(map(str, counts)), str(MODEL_SCENARIO)], capture_output=True, text=True)
            if done.returncode:
                print(done.stderr)
                raise SystemExit(1)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            rates = [n / statistics.median(r["step_s"][str(k)]) for k in counts]
            print(f"{n:>11,} {r['network_s']:>9.1f} {r['build_s']:>9.1f} {r['bytes_per_farmer']:>9,.0f}"
                  + "".join(f"{rate / 1e6:>10.2f} M" for rate in rates) + f"{rates[-1] / rates[0]:>9.1f}x", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end. Targets (issue 15): the 10,240-run Sobol "
          "(benchmarks/bench_sweep.py) <= 30 s on 2 cores; >= 10 M farmer-years/s at 1 M farmers on 2 cores; >= 8x "
          "from 1 to 16 threads at 10 M; <= 1,024 B/farmer at 1 M")


if __name__ == "__main__":
    main()
