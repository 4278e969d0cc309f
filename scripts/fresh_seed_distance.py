"""Did a calibration select lucky seeds? Its ABC distance for posterior draws re-simulated on fresh seeds.

Run: ``.venv/bin/python scripts/fresh_seed_distance.py scenarios/validation_brazil.toml scenarios/posteriors/brazil.csv
--draws 60 --replicates 6 --farmers 2000`` (the replicates and farmers of ``scenarios/posteriors/brazil.json``).
Each draw is simulated as one ABC simulation is (``analysis.calibration.PatternSimulator``: the statistics averaged
over ``replicates`` seeds), with NumPy's generator seeded ``first_seed + draw`` instead of ABC's slot seeds, and
scored with the calibration's distance (``analysis.patterns.PatternDistance``, the scenario's current patterns).
Printed: the median and 5-95 % range of the distances and the share within ``--epsilon`` (the calibration's final
epsilon). A posterior that ABC fitted to its seeds rather than its parameters has fresh-seed distances far above
the epsilon its particles were accepted at.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from analysis import patterns as pt
from analysis.calibration import PatternSimulator, countries_of

#: Default seed of the first draw's generator: far from the small integers ABC's slot seeds are spawned from.
FIRST_SEED = 10_000
#: The printed range, as (low, high) quantiles.
RANGE = (0.05, 0.95)


def distance(job: tuple[Path, int, int | None, int, dict[str, float]]) -> float:
    """The calibration distance of one draw (dotted field -> value) re-simulated from generator seed ``seed``."""
    scenario, replicates, farmers, seed, parameters = job
    countries, _, _ = countries_of({scenario.stem: sim.load_scenario(scenario)})
    statistics = [s for c in countries for s in pt.layout(c.label, c.scenario.patterns)]
    np.random.seed(seed)
    simulated = PatternSimulator(tuple(countries), replicates, farmers)(parameters)
    return pt.PatternDistance(statistics)(simulated)


def main() -> None:
    """Simulate the draws and print the distances' summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", type=Path)
    parser.add_argument("posterior", type=Path, help="posterior.csv written by casim calibrate")
    parser.add_argument("--draws", type=int, default=60)
    parser.add_argument("--replicates", type=int, default=6, help="seeds averaged per simulation (as in ABC)")
    parser.add_argument("--farmers", type=int, default=None, help="farmers per run (default: the scenario's)")
    parser.add_argument("--first-seed", type=int, default=FIRST_SEED)
    parser.add_argument("--epsilon", type=float, default=None, help="the calibration's final epsilon")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    draws = pd.read_csv(args.posterior).drop(columns="draw").iloc[: args.draws]
    jobs = [(args.scenario, args.replicates, args.farmers, args.first_seed + i, row.to_dict())
            for i, row in draws.iterrows()]
    with ProcessPoolExecutor(args.processes) as pool:
        found = np.array(list(pool.map(distance, jobs)))
    low, high = np.quantile(found, RANGE)
    line = (f"{args.posterior}: {found.size} draws x {args.replicates} fresh seeds: distance median "
            f"{np.median(found):.3f}, {RANGE[0]:.0%}-{RANGE[1]:.0%} {low:.3f}-{high:.3f}")
    if args.epsilon is not None:
        line += f"; within epsilon {args.epsilon}: {np.mean(found <= args.epsilon):.2f}"
    print(line)


if __name__ == "__main__":
    main()
