"""The posterior predictive check of a committed posterior on a calibration scenario's current patterns.

Run: ``.venv/bin/python scripts/predictive_check.py scenarios/validation_brazil.toml scenarios/posteriors/brazil.csv
--draws 20 --seeds 2 --farmers 2000`` (the settings of ``scenarios/posteriors/brazil.json``). It runs what
``casim calibrate`` runs after ABC (``analysis.calibration.predictive_runs`` and ``predictive_check``): the first
``draws`` draws of the posterior x ``seeds`` seeds (each run its own, ``analysis.calibration.predictive_seeds`` of
the scenario's seed, the draw and the replicate; until referee 51 every draw ran on the scenario's seed and the
following integers, so the check held only ``seeds`` realisations of seed noise), and prints the
per-pattern summary and every statistic as the calibration report does. With the scenario the posterior was made
from it reproduces the report's tables; with patterns changed since (a check added, a pattern pointed at another
column) it re-scores them without calibrating again. ``--out ppc.csv`` also writes the check as the calibration
writes its ``ppc.csv``, so ``scripts/curve_benchmark.py ppc.csv`` scores this check's predictive median too (20 draws
x 2 seeds are too few to rank two posteriors: docs/validation.md section 7 compares them at 100 draws).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import sim
from analysis.calibration import countries_of, pattern_summary, predictive_check, predictive_runs
from experiments.executors import LocalExecutor

#: Decimals of the printed tables (as the calibration report rounds them).
DIGITS = 4


def main() -> None:
    """Run the check and print its two tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", type=Path)
    parser.add_argument("posterior", type=Path, help="posterior.csv written by casim calibrate")
    parser.add_argument("--draws", type=int, default=20)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--farmers", type=int, default=None, help="farmers per run (default: the scenario's)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="also write the check here (a ppc.csv)")
    args = parser.parse_args()
    countries, _, _ = countries_of({args.scenario.stem: sim.load_scenario(args.scenario)})
    draws = pd.read_csv(args.posterior).iloc[: args.draws]
    with LocalExecutor(args.workers) as executor:
        runs = predictive_runs(countries, draws, args.seeds, args.farmers, executor)
    check = predictive_check(countries, runs)
    if args.out is not None:
        check.to_csv(args.out, index=False)
    print(pattern_summary(check).round(DIGITS).to_markdown(index=False))
    print()
    print(check.drop(columns=["source"]).round(DIGITS).to_markdown(index=False))


if __name__ == "__main__":
    main()
