"""Digests of every shipped scenario's yearly tables, alone and stacked, to show that a change moves no result.

Speed work must leave every result identical to the last bit. Run this on the code before and after a change, then
compare the two files:

    .venv/bin/python scripts/results_digest.py before.json [--farmers 300] [--years 12] [--seeds 3]
    .venv/bin/python scripts/results_digest.py after.json
    .venv/bin/python scripts/results_digest.py --compare before.json after.json

Each scenario of ``scenarios/`` runs ``--seeds`` seeds at ``--farmers`` farmers for ``--years`` years, each run
alone and then all stacked in one model (``experiments.runs.run_specs``). A table's digest is the SHA-256 of its
columns' names, dtypes and bytes, so any changed bit, column or order shows. A run that fails records its error.
``--compare`` prints every digest that differs (and exits 1), else how many agree. The pinned runs, thread counts
and kept arrays are covered by ``tests/test_reproducibility.py``; this covers every scenario.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

import sim
from experiments.runs import RunSpec, run_specs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 (hex) of a table's column names, dtypes and values' bytes, column by column in order."""
    digest = hashlib.sha256()
    for name in table.columns:
        column = table[name]
        digest.update(f"{name}:{column.dtype}".encode())
        values = column.to_numpy()
        digest.update(values.tobytes() if values.dtype != object else repr(values.tolist()).encode())
    return digest.hexdigest()


def scenario_digests(path: Path, farmers: int, years: int, seeds: int) -> dict[str, str]:
    """Digest of each run of the scenario at ``path``, keyed 'alone/seed' and 'stacked/seed' (or an error line)."""
    try:
        scenario = sim.load_scenario(path)
    except Exception as exc:  # noqa: BLE001 - recorded, so a scenario that stops loading shows as a difference
        return {"load": f"error: {exc}"}
    specs = [RunSpec(scenario, path.stem, seed=seed, farmers=farmers, years=min(years, scenario.years))
             for seed in range(seeds)]
    out = {}
    for mode, stack in (("alone", False), ("stacked", True)):
        for seed, result in enumerate(run_specs(specs, stack=stack)):
            out[f"{mode}/{seed}"] = (f"error: {type(result).__name__}: {result}" if isinstance(result, Exception)
                                     else table_digest(result))
    return out


def compare(before: Path, after: Path) -> int:
    """Print the digests that differ between two files; 1 if any differ, else 0."""
    old, new = json.loads(before.read_text()), json.loads(after.read_text())
    differ = [(name, key) for name in sorted(set(old) | set(new))
              for key in sorted(set(old.get(name, {})) | set(new.get(name, {})))
              if old.get(name, {}).get(key) != new.get(name, {}).get(key)]
    for name, key in differ:
        print(f"{name} {key}: {old.get(name, {}).get(key)} -> {new.get(name, {}).get(key)}")
    total = sum(len(v) for v in new.values())
    print(f"{len(differ)} of {total} digests differ" if differ else f"all {total} digests agree")
    return 1 if differ else 0


def main() -> int:
    """Write the digests of every scenario, or compare two files of them (exit status 1 when any differ)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", type=Path, help="where to write the digests (JSON)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--farmers", type=int, default=300)
    parser.add_argument("--years", type=int, default=12)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        parser.error("give the file to write, or --compare BEFORE AFTER")
    digests = {}
    for path in sorted(SCENARIOS.glob("*.toml")):
        digests[path.stem] = scenario_digests(path, args.farmers, args.years, args.seeds)
        print(path.stem, "ok" if not any(v.startswith("error") for v in digests[path.stem].values()) else "error",
              flush=True)
    args.out.write_text(json.dumps(digests, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
