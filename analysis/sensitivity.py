"""Global sensitivity analysis of stored sweep results with SALib: indices, convergence, seed variance.

Each output of interest is reduced to one number per run (its value, or change since the start, in a year);
replicates of a sample are averaged before SALib's analysis, and the share of the output's variance that comes
from seeds rather than parameters is reported: E_samples[Var_seeds(Y)] / Var_all_runs(Y).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from experiments.designs import Problem


@dataclass(frozen=True)
class Output:
    """An output of interest: a column of the stored rows in a year, or its change since the first year."""

    name: str
    column: str
    year: int
    change: bool = False


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
        result = morris.analyze(p, x, y, num_levels=4, seed=seed)
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

    Convergence: indices recomputed on the first 1/8, 1/4, 1/2 and all base samples (methods whose designs
    can be cut so: Sobol, Morris, delta).
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
            for fraction in (8, 4, 2, 1):
                m = max(n_base // fraction, 2) * block
                if m > len(x) or (method == "sobol" and m // block < 2):
                    continue
                part = analyse(problem, method, x[:m], y[:m])
                part.insert(1, "output", output.name)
                part.insert(2, "base_samples", m // block)
                convergence.append(part)
    return (pd.concat(all_indices, ignore_index=True),
            pd.concat(convergence, ignore_index=True) if convergence else pd.DataFrame(),
            pd.DataFrame(seeds))
