"""Speed and memory of the core model: farmer-years per second and bytes per farmer, vs a naive Mesa version.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_core.py [--sizes 1000,10000,...]``).
Each size runs in a fresh process so peak memory (max RSS above the RSS after imports) is per size.
Network construction is timed apart from the yearly step; the step figure excludes set-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
YEARS = {1_000: 25, 10_000: 25, 100_000: 10, 1_000_000: 5}
NAIVE_YEARS = {1_000: 5, 10_000: 2, 100_000: 1}

CHILD = Path(__file__).resolve().parent / "model_child.py"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    args = parser.parse_args()
    print(f"scenario: {SCENARIO.name}; Tier 1 soil; economic decision rule\n")
    header = (f"{'farmers':>10} {'network s':>10} {'set-up s':>9} {'s/year':>8} {'farmer-yr/s':>12} "
              f"{'B/farmer':>9} {'naive fy/s':>11} {'speed-up':>9}")
    print(header)
    print("-" * len(header))
    for n in (int(s) for s in args.sizes.split(",")):
        years, naive_years = YEARS.get(n, 5), NAIVE_YEARS.get(n, 0)
        done = subprocess.run([sys.executable, str(CHILD), str(n), str(years), "0", str(SCENARIO), str(naive_years)],
                              capture_output=True, text=True)
        if done.returncode:
            print(done.stderr)
            raise SystemExit(1)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        r["step_s"] = statistics.mean(r["step_s"]["0"])
        fy = r["n"] / r["step_s"]
        naive = f"{r['n'] / r['naive_step_s']:>11,.0f}" if "naive_step_s" in r else f"{'-':>11}"
        speedup = f"{r['naive_step_s'] / r['step_s']:>8.0f}x" if "naive_step_s" in r else f"{'-':>9}"
        print(f"{n:>10,} {r['network_s']:>10.2f} {r['build_s']:>9.2f} {r['step_s']:>8.3f} {fy:>12,.0f} "
              f"{r['bytes_per_farmer']:>9,.0f} {naive} {speedup}", flush=True)
    print("\ntargets (issue 3): >= 50x naive at 100k; >= 10,000,000 farmer-years/s at 1M; <= 2,048 B/farmer; "
          "network at 1M <= 20 s")


if __name__ == "__main__":
    main()
