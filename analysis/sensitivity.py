"""Global sensitivity analysis of stored sweep results with SALib: indices, convergence, seed variance.

Each output of interest is reduced to one number per run (its value, or change since the start, in a year);
replicates of a sample are averaged before SALib's analysis, and the share of the output's variance that comes
from seeds rather than parameters is reported: E_samples[Var_seeds(Y)] / Var_all_runs(Y).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.plots import sensitivity_convergence, sensitivity_indices
from experiments.designs import METHODS, MORRIS_LEVELS, Problem, salib_sample
from experiments.executors import Executor, LocalExecutor
from experiments.plan import make_plan
from experiments.spec import ExperimentError, Output, outputs_of
from experiments.store import SweepStore
from experiments.sweep import parallelism, run_sweep
from sim.scenario import Scenario

#: Convergence check: indices are recomputed on the first 1/8, 1/4, 1/2 and all of the base samples.
CONVERGENCE_FRACTIONS = (8, 4, 2, 1)
#: Sobol's estimators need at least two base samples.
MIN_BASE_SAMPLES = 2


def output_values(rows: pd.DataFrame, output: Output) -> pd.DataFrame:
    """One value per run: columns run_id, sample_id, replicate, value (ordered by run_id)."""
    at = rows[rows.year == output.year].set_index("run_id")
    value = at[output.column]
    if output.change:
        first = rows.sort_values("year").groupby("run_id").first()[output.column]
        value = value - first.loc[value.index]
    frame = at[["sample_id", "replicate"]].copy()
    frame["value"] = value
    return frame.reset_index().sort_values("run_id")


def seed_variance_share(values: pd.DataFrame) -> float:
    """Share of the output's variance over all runs that is within samples (seed noise); NaN with 1 replicate."""
    if values.groupby("sample_id").size().max() < 2:
        return float("nan")
    total = values.value.var(ddof=0)
    if not np.isfinite(total) or total == 0:
        return 0.0
    within = values.groupby("sample_id").value.var(ddof=0).mean()
    return float(within / total)


def analyse(problem: Problem, method: str, x: np.ndarray, y: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """SALib indices of one output: columns parameter, index, value, conf (95 % interval half-width)."""
    from SALib.analyze import delta, fast, morris, sobol

    p = problem.salib()
    if method == "sobol":
        result = sobol.analyze(p, y, calc_second_order=False, seed=seed)
        pairs = [("S1", "S1_conf"), ("ST", "ST_conf")]
    elif method == "morris":
        result = morris.analyze(p, x, y, num_levels=MORRIS_LEVELS, seed=seed)
        pairs = [("mu_star", "mu_star_conf"), ("sigma", None)]
    elif method == "fast":
        result = fast.analyze(p, y, seed=seed)
        pairs = [("S1", "S1_conf"), ("ST", "ST_conf")]
    elif method == "delta":
        result = delta.analyze(p, x, y, seed=seed)
        pairs = [("delta", "delta_conf"), ("S1", "S1_conf")]
    else:
        raise ValueError(f"unknown method {method!r}")
    rows = []
    for index, conf in pairs:
        for j, name in enumerate(problem.names):
            rows.append({"parameter": name, "index": index, "value": float(result[index][j]),
                         "conf": float(result[conf][j]) if conf and conf in result else np.nan})
    return pd.DataFrame(rows)


def sample_block(method: str, n_parameters: int) -> int | None:
    """Rows per base sample of a method's design (subsets of whole blocks are valid designs); None if not."""
    return {"sobol": n_parameters + 2, "morris": n_parameters + 1, "delta": 1}.get(method)


def indices_table(problem: Problem, method: str, x: np.ndarray, rows: pd.DataFrame, outputs: list[Output]
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(indices, convergence, seed shares) for every output.

    Convergence: indices recomputed on the first 1/8, 1/4, 1/2 and all base samples (``CONVERGENCE_FRACTIONS``;
    methods whose designs can be cut so: Sobol, Morris, delta).
    """
    all_indices, convergence, seeds = [], [], []
    block = sample_block(method, len(problem.names))
    for output in outputs:
        values = output_values(rows, output)
        y = values.groupby("sample_id").value.mean().reindex(range(len(x))).to_numpy()
        table = analyse(problem, method, x, y)
        table.insert(1, "output", output.name)
        all_indices.append(table)
        seeds.append({"output": output.name, "seed_variance_share": seed_variance_share(values)})
        if block:
            n_base = len(x) // block
            for fraction in CONVERGENCE_FRACTIONS:
                m = max(n_base // fraction, MIN_BASE_SAMPLES) * block
                if m > len(x) or (method == "sobol" and m // block < MIN_BASE_SAMPLES):
                    continue
                part = analyse(problem, method, x[:m], y[:m])
                part.insert(1, "output", output.name)
                part.insert(2, "base_samples", m // block)
                convergence.append(part)
    return (pd.concat(all_indices, ignore_index=True),
            pd.concat(convergence, ignore_index=True) if convergence else pd.DataFrame(),
            pd.DataFrame(seeds))


@dataclass
class SensitivityResult:
    """Indices with 95 % intervals, their convergence with sample size, and the share of variance due to seeds."""

    method: str
    indices: pd.DataFrame  # output, parameter, index, value, conf
    convergence: pd.DataFrame  # output, base_samples, parameter, index, value, conf
    seed_variance: pd.DataFrame  # output, seed_variance_share (NaN with one replicate)
    runs: int

    def write(self, out: Path) -> list[Path]:
        """Write indices.csv, convergence.csv, seed_variance.csv, indices.png and convergence.png into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / name for name in ("indices.csv", "convergence.csv", "seed_variance.csv", "indices.png",
                                         "convergence.png")]
        self.indices.to_csv(paths[0], index=False)
        self.convergence.to_csv(paths[1], index=False)
        self.seed_variance.to_csv(paths[2], index=False)
        sensitivity_indices(self.indices, paths[3])
        sensitivity_convergence(self.convergence, paths[4])
        return paths


def sensitivity_analysis(scenario: Scenario, directory: Path, method: str = "sobol", n: int = 256,
                         replicates: int = 1, farmers: int | None = None, years: int | None = None,
                         executor: Executor | None = None, batch_size: int | None = None,
                         progress: Callable[[int, int], None] | None = None, label: str = "scenario",
                         source: str | Path | None = None) -> SensitivityResult:
    """Global sensitivity analysis (SALib) of the scenario's ``[outputs]`` to its ``[uncertain]`` fields.

    Args:
        scenario: a scenario with ``[uncertain]`` and ``[outputs]`` tables.
        directory: where runs are stored as batches finish (the same call resumes an interrupted analysis).
        method: one of ``METHODS``.
        n: SALib's base sample size N.
        replicates: seed replicates per sample (two or more separate seed from parameter variance).
        farmers: population of every run (the scenario's when None).
        years: horizon of every run (the scenario's when None).
        executor: where runs execute (default: a local process pool on every core).
        batch_size: runs per batch (default: ``experiments.plan.make_plan``'s).
        progress: ``progress(runs_done, runs_total)`` at the start and after every batch.
        label: the scenario's name in the stored runs (the file stem on the command line).
        source: the scenario file, named in error messages.

    """
    if method not in METHODS:
        raise ExperimentError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    if not scenario.uncertain or not scenario.outputs:
        raise ExperimentError(f"{source or label}: a sensitivity analysis needs an [uncertain] table (fields and "
                              "distributions) and an [outputs] table (outputs of interest)")
    outputs = outputs_of(scenario, years, source)
    problem = Problem.of(scenario)
    samples = salib_sample(problem, method, n, scenario.seed)
    executor = executor or LocalExecutor()
    plan = make_plan("casim", {label: scenario}, problem.names, {label: problem.decode(samples)}, replicates, farmers,
                     years, method, batch_size, parallelism(executor))
    plan.extra = {"outputs": {k: v.model_dump() for k, v in scenario.outputs.items()}, "n": n}
    rows = run_sweep(plan, SweepStore(directory), executor, progress)
    indices, convergence, seeds = indices_table(problem, method, samples, rows, outputs)
    return SensitivityResult(method, indices, convergence, seeds, len(plan.runs))
