"""Where one stacked batch of a Sobol sweep spends its time: set-up, yearly steps, results (cProfile).

Run: ``.venv/bin/python benchmarks/profile_batch.py [--runs 32] [--farmers 1000] [--years 30] [--top 40]``. Takes the
first batch of a Sobol design of ``benchmarks/sobol_8_parameters.toml`` (8 parameters, carbon programme and
counterfactual), evaluates it once to compile and warm up, then again under cProfile in this process (one thread),
and prints the milliseconds per run and the functions with the largest cumulative time. The runs are stacked in one
model as in a sweep (``sim.ensemble``). After the warm-up the objects alive are frozen out of the cyclic garbage
collector, as a sweep's workers do (``experiments.executors._worker_start``): otherwise a full collection (~130 ms,
about 4 ms a run of a batch of 32) lands in whichever function happened to allocate when it was due. Every run of
the plan has its own seed, so the start cache is bypassed as in a sweep (``sim.behaviour.start_cache``). cProfile
adds its own cost to every Python call (about 5 ms of a run's 68); ``--wall`` times the batch without it.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time

from bench_sweep import sobol_plan

from experiments.sweep import evaluate_casim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=32)
    parser.add_argument("--farmers", type=int, default=1000)
    parser.add_argument("--years", type=int, default=30)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--wall", action="store_true", help="time the batch without cProfile")
    args = parser.parse_args()
    plan, _, _ = sobol_plan(max(8, args.runs), args.farmers, args.years, workers=1)  # at least two batches of runs
    plan.batch_size = args.runs
    warm_up, batch = plan.batches()[1], plan.batches()[0]
    evaluate_casim(warm_up)  # compiles the kernels: not part of a batch's cost in a sweep
    gc.collect()
    gc.freeze()  # as sweep workers do
    if args.wall:
        started = time.perf_counter()
        evaluate_casim(batch)
        wall = time.perf_counter() - started
        print(f"{len(batch.runs)} stacked runs of {args.farmers:,} farmers x {args.years} years: {wall:.2f} s, "
              f"{wall / len(batch.runs) * 1000:.1f} ms a run (no profiler)")
        return
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    evaluate_casim(batch)
    profile.disable()
    wall = time.perf_counter() - started
    print(f"{len(batch.runs)} stacked runs of {args.farmers:,} farmers x {args.years} years: {wall:.2f} s under "
          f"cProfile, {wall / len(batch.runs) * 1000:.1f} ms a run")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
