"""One model's set-up, yearly step and peak memory, measured in a fresh process (run by bench_core and bench_scaling).

Run: ``python benchmarks/model_child.py FARMERS YEARS THREADS SCENARIO [NAIVE_YEARS]``; THREADS is a comma-separated
list of thread counts (``0``: leave the default). Prints one JSON line: ``network_s`` (building the network alone),
``build_s`` (the whole model), ``step_s`` {threads: [seconds of each timed year]} (after one warm-up year, thread
counts interleaved year by year so that a change in the machine's load hits them alike), ``bytes_per_farmer`` (peak
resident memory above that after imports, / farmers) and, with NAIVE_YEARS > 0, ``naive_step_s`` (the naive Mesa
version of ``naive_mesa.py``, per year).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

import sim
from sim import parallel
from sim.farmers import allocate_farmers
from sim.network import build_network


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure(n: int, years: int, threads: list[int], scenario_path: str, naive_years: int = 0) -> dict:
    """The figures of the module docstring for ``n`` farmers of the scenario at ``scenario_path``."""
    scenario = sim.load_scenario(scenario_path)
    rss0 = peak_rss_bytes()
    sizes = allocate_farmers(scenario, n)
    started = time.perf_counter()
    demo_per_1000 = [r.demo_farms_per_1000_farms for r in scenario.regions.values()]
    build_network(scenario.network, sizes, list(scenario.regions), demo_per_1000, np.random.default_rng(0))
    network_s = time.perf_counter() - started
    started = time.perf_counter()
    model = sim.AdoptionModel(scenario, n_farmers=n)
    build_s = time.perf_counter() - started
    model.step()  # warm-up
    seconds: dict[int, list[float]] = {k: [] for k in threads}
    for _ in range(years):
        for k in threads:
            if k:
                parallel.set_threads(k)
            started = time.perf_counter()
            model.step()
            seconds[k].append(time.perf_counter() - started)
    out = {"n": n, "network_s": network_s, "build_s": build_s, "step_s": seconds,
           "bytes_per_farmer": (peak_rss_bytes() - rss0) / n}
    if naive_years:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from naive_mesa import NaiveModel

        naive = NaiveModel(sim.AdoptionModel(scenario, n_farmers=n))
        started = time.perf_counter()
        for _ in range(naive_years):
            naive.step()
        out["naive_step_s"] = (time.perf_counter() - started) / naive_years
    return out


if __name__ == "__main__":
    farmers, timed_years, thread_list, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    naive = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    print(json.dumps(measure(farmers, timed_years, [int(t) for t in thread_list.split(",")], path, naive)))
