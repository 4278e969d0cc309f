"""Where building one big model spends its time: the set-up's functions by time with callees and by time of their own.

Run: ``.venv/bin/python benchmarks/profile_setup.py [--farmers 1000000] [--threads 2] [--scenario ...] [--top 25]``.
A model of ``WARM_FARMERS`` is built first (kernels load from Numba's cache), then the big one under cProfile;
compiled kernels count in the Python function that calls them. A function whose time does not fall with more
threads is serial (NumPy calls, random draws, Python work). At 10 M farmers a build takes minutes and ~9 GB: run it
under the shared lock.
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
#: Farmers of the warm-up build (every kernel of the set-up runs once, at a negligible cost).
WARM_FARMERS = 1_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--farmers", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    parallel.set_threads(args.threads)
    scenario = sim.load_scenario(args.scenario)
    sim.AdoptionModel(scenario, n_farmers=WARM_FARMERS)
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    sim.AdoptionModel(scenario, n_farmers=args.farmers)
    profiler.disable()
    seconds = time.perf_counter() - started
    print(f"{args.scenario.name}, {args.farmers:,} farmers, {args.threads} thread(s): build {seconds:.2f} s under "
          f"cProfile; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    package = Path(sim.__file__).parent
    rows = [(f"{Path(f).parent.name}/{Path(f).name}:{line}({name})", Path(f).is_relative_to(package), calls, own,
             total) for (f, line, name), (calls, _, own, total, _) in pstats.Stats(profiler).stats.items()]
    for title, column in (("with callees (functions of sim)", 4), ("of their own", 3)):
        print(f"\nmost time {title}, s:\n  {'function':<70}{'calls':>8}{'own':>9}{'total':>9}")
        chosen = [row for row in rows if row[1] or column == 3]
        for name, _, calls, own, total in sorted(chosen, key=lambda row: -row[column])[: args.top]:
            print(f"  {name:<70}{calls:>8}{own:>9.2f}{total:>9.2f}")

if __name__ == "__main__":
    main()
