"""RothC vs IPCC Tier 1 soil at scale: 1M farms x 30 years (360 RothC months), soil model alone, one run.

Run: ``.venv/bin/python benchmarks/bench_rothc.py [--farmers N] [--years N]``. Target (issue 4): RothC at 1M farms
x 30 years in at most 15 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import sim
from sim.farmers import allocate_farmers, initial_bundles
from sim.soil import RothCSoil, Tier1Soil

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "rothc_baseline.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--farmers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=30)
    args = parser.parse_args()
    scenario = sim.load_scenario(SCENARIO)
    sizes = allocate_farmers(scenario, args.farmers)
    rng = np.random.default_rng(0)
    region = np.repeat(np.arange(len(sizes), dtype=np.int16), sizes)
    bundles = initial_bundles(scenario, sizes, rng)
    seasons = np.where(bundles != 0, rng.integers(1, 11, bundles.size), 0)  # initial adopters: 1-10 seasons of use
    switch = np.flatnonzero(rng.random(region.size) < 0.2)  # a fifth of farms change practice in year 1
    new = np.full(switch.size, 0b1111, np.uint8)
    results = {}
    for name, cls in (("IPCC Tier 1", Tier1Soil), ("RothC", RothCSoil)):
        t = time.perf_counter()
        soil = cls(scenario, region, bundles, seasons)
        build = time.perf_counter() - t
        soil.set_management(switch, new)
        t = time.perf_counter()
        for _ in range(args.years):
            soil.advance_year()
        results[name] = time.perf_counter() - t
        print(f"{name:12s} {region.size:,} farms x {args.years} years: {results[name]:7.2f} s "
              f"(set-up {build:.2f} s; {region.size * args.years / results[name]:,.0f} farm-years/s)")
    ratio = results["RothC"] / results["IPCC Tier 1"]
    print(f"RothC / Tier 1 time ratio: {ratio:.0f}x; RothC {region.size * args.years * 12 / results['RothC']:,.0f} "
          f"farm-months/s; target: RothC <= 15 s at 1M farms x 30 years")


if __name__ == "__main__":
    main()
