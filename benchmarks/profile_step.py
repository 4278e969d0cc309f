"""Where a yearly step spends its time, stage by stage, at 1 thread and at every core: what stays serial.

Run: ``.venv/bin/python benchmarks/profile_step.py [--farmers 1000000] [--years 3] [--scenario ...]``.
The stages are the calls ``AdoptionModel.step`` makes (its rooms: decide, adopt, soil, yields, accounts, observe,
record), timed with cProfile over a few years after a warm-up year; the second table lists the functions with the
most time of their own (compiled kernels count in the function that calls them). A stage whose time does not fall
with more threads is serial: NumPy calls, random draws, Python work.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from pathlib import Path

import sim
from sim import parallel

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def profile(model: sim.AdoptionModel, years: int) -> tuple[float, pstats.Stats]:
    """Seconds per year and the cProfile statistics of ``years`` steps."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(years):
        model.step()
    profiler.disable()
    return (time.perf_counter() - started) / years, pstats.Stats(profiler)


def stages(stats: pstats.Stats, years: int) -> dict[str, float]:
    """Seconds per year of each call ``AdoptionModel.step`` makes (cumulative), by 'module:function'."""
    out: dict[str, float] = {}
    for (file, _, function), (_, _, _, cumulative, callers) in stats.stats.items():
        if any(f.endswith("sim/model.py") and name == "step" for f, _, name in callers):
            key = f"{file.split('/sim/')[-1] if '/sim/' in file else Path(file).name}:{function}"
            out[key] = out.get(key, 0.0) + callers_time(callers) / years
    return out


def callers_time(callers: dict) -> float:
    """Cumulative time of a function when called from ``AdoptionModel.step``."""
    return sum(row[3] for (f, _, name), row in callers.items() if f.endswith("sim/model.py") and name == "step")


def own_times(stats: pstats.Stats, years: int, top: int) -> list[tuple[str, float]]:
    """The ``top`` functions by time of their own, seconds per year."""
    rows = [(f"{Path(file).name}:{line}({function})", own / years)
            for (file, line, function), (_, _, own, _, _) in stats.stats.items()]
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--farmers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    model = sim.AdoptionModel(sim.load_scenario(args.scenario), n_farmers=args.farmers)
    model.step()  # warm-up (compiled kernels load from the cache)
    results = {}
    for threads in sorted({1, cores}):
        parallel.set_threads(threads)
        results[threads] = profile(model, args.years)
    print(f"{args.scenario.name}, {args.farmers:,} farmers, {args.years} years per thread count; load average "
          f"{os.getloadavg()[0]:.2f} on {cores} cores\n")
    header = f"{'stage (call in AdoptionModel.step)':<52}" + "".join(f"{f'{t} thr ms':>11}" for t in results)
    print(header + f"{'speed-up':>10}\n" + "-" * (len(header) + 10))
    per_stage = {t: stages(stats, args.years) for t, (_, stats) in results.items()}
    one, many = per_stage[1], per_stage[max(results)]
    for key in sorted(one, key=lambda k: -one[k]):
        if one[key] * 1000 >= 0.5:
            print(f"{key:<52}" + "".join(f"{per_stage[t].get(key, 0.0) * 1000:>11.1f}" for t in results)
                  + f"{one[key] / max(many.get(key, 0.0), 1e-9):>9.1f}x")
    print(f"{'whole step':<52}" + "".join(f"{results[t][0] * 1000:>11.1f}" for t in results)
          + f"{results[1][0] / results[max(results)][0]:>9.1f}x")
    for threads, (_, stats) in results.items():
        print(f"\nmost time of their own at {threads} thread(s), ms per year:")
        for name, seconds in own_times(stats, args.years, args.top):
            print(f"  {name:<70}{seconds * 1000:>9.1f}")


if __name__ == "__main__":
    main()
