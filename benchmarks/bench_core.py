"""Speed and memory of the core model: farmer-years per second and bytes per farmer, vs a naive Mesa version.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_core.py [--sizes 1000,10000,...]``).
Each size runs in a fresh process so peak memory (max RSS above the RSS after imports) is per size.
Network construction is timed apart from the yearly step; the step figure excludes set-up.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
YEARS = {1_000: 25, 10_000: 25, 100_000: 10, 1_000_000: 5}
NAIVE_YEARS = {1_000: 5, 10_000: 2, 100_000: 1}

CHILD = r"""
import json, resource, sys, time
import numpy as np
import sim
from sim.network import build_network
n, years, naive_years = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
scenario = sim.load_scenario(sys.argv[4])
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from sim.farmers import allocate_farmers
sizes = allocate_farmers(scenario, n)
t = time.perf_counter()
build_network(scenario.network, sizes, list(scenario.regions), [r.demo_farms_per_1000_farms for r in scenario.regions.values()],
              np.random.default_rng(0))
network_s = time.perf_counter() - t
t = time.perf_counter()
model = sim.AdoptionModel(scenario, n_farmers=n)
build_s = time.perf_counter() - t
model.step()  # warm-up
t = time.perf_counter()
model.run_for(years)
step_s = (time.perf_counter() - t) / years
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
out = dict(n=n, network_s=network_s, build_s=build_s, step_s=step_s, bytes_per_farmer=peak_kb * 1024 / n)
if naive_years:
    sys.path.insert(0, sys.argv[5])
    from naive_mesa import NaiveModel
    source = sim.AdoptionModel(scenario, n_farmers=n)
    naive = NaiveModel(source)
    t = time.perf_counter()
    for _ in range(naive_years):
        naive.step()
    out["naive_step_s"] = (time.perf_counter() - t) / naive_years
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parent)
    print(f"scenario: {SCENARIO.name}; Tier 1 soil; economic decision rule\n")
    header = (f"{'farmers':>10} {'network s':>10} {'set-up s':>9} {'s/year':>8} {'farmer-yr/s':>12} "
              f"{'B/farmer':>9} {'naive fy/s':>11} {'speed-up':>9}")
    print(header)
    print("-" * len(header))
    for n in (int(s) for s in args.sizes.split(",")):
        years, naive_years = YEARS.get(n, 5), NAIVE_YEARS.get(n, 0)
        done = subprocess.run([sys.executable, "-c", CHILD, str(n), str(years), str(naive_years), str(SCENARIO), here],
                              capture_output=True, text=True)
        if done.returncode:
            print(done.stderr)
            raise SystemExit(1)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        fy = r["n"] / r["step_s"]
        naive = f"{r['n'] / r['naive_step_s']:>11,.0f}" if "naive_step_s" in r else f"{'-':>11}"
        speedup = f"{r['naive_step_s'] / r['step_s']:>8.0f}x" if "naive_step_s" in r else f"{'-':>9}"
        print(f"{n:>10,} {r['network_s']:>10.2f} {r['build_s']:>9.2f} {r['step_s']:>8.3f} {fy:>12,.0f} "
              f"{r['bytes_per_farmer']:>9,.0f} {naive} {speedup}", flush=True)
    print("\ntargets (issue 3): >= 50x naive at 100k; >= 10,000,000 farmer-years/s at 1M; <= 2,048 B/farmer; "
          "network at 1M <= 20 s")


if __name__ == "__main__":
    main()
