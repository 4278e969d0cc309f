"""Side-by-side comparison of incentive designs: adoption, soil carbon, income, who gets the carbon value, cost.

Every indicator is computed per run (scenario x replicate) from the yearly table (region 'all'), then
summarised as mean and sd over replicates. A scenario that names posterior draws (``[posterior]``) is replicated
over every draw x every seed, so its sd includes parameter uncertainty, not only seed noise. Cost-effectiveness
is against the baseline scenario, not against zero:

    public cost per additional t CO2e = (public spending - baseline's) / (CO2e stored - baseline's), cumulative,

with both differences taken between replicate means at the last year (NaN when the scenario stores no more
than the baseline).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.plots import compare_trajectories
from experiments.executors import Executor
from experiments.runs import describe_replicates, replicate_specs, replicates_of, run_many
from experiments.spec import ExperimentError
from sim.scenario import Scenario

#: Years at which adoption is reported: the forum's milestones (2030 targets, "80 % CA by 2040", 2050 horizon).
MILESTONES = (2030, 2040, 2050)


def run_keys(runs: pd.DataFrame) -> list[str]:
    """The columns that identify one run in a table of runs: scenario, posterior draw (if any), seed."""
    return ["scenario", *(["draw"] if "draw" in runs.columns else []), "seed"]


def indicators(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run (scenario, draw if any, seed): the indicators of one run."""
    everyone = runs[runs.region == "all"]
    keys = run_keys(runs)
    rows = []
    for key, run in everyone.groupby(keys, sort=False, dropna=False):
        run = run.sort_values("year")
        first, last = run.iloc[0], run.iloc[-1]
        flows = run.iloc[1:]
        row = {**dict(zip(keys, key, strict=True)), "last_year": int(last.year)}
        for year in MILESTONES:
            at = run[run.year == year]
            row[f"full_ca_{year}"] = float(at.full_ca_share.iloc[0]) if len(at) else np.nan
            row[f"no_till_{year}"] = float(at.no_till_share.iloc[0]) if len(at) else np.nan
        payers = (flows.buyer_spending + flows.clawback + flows.guarantor_spending + flows.twin_buyer_spending).sum()
        row.update(
            soc_gain_t_c_per_ha=float(last.soc_mean_t_c_per_ha - first.soc_mean_t_c_per_ha),
            co2e_stored_t=float(last.co2e_stored_cum_t),
            co2e_credited_t=float(flows.credits_t_co2e.sum()),
            four_per_1000_mean=float(flows.four_per_1000_index.mean()),
            income_p10=float(last.income_p10),
            income_p50=float(last.income_p50),
            income_p90=float(last.income_p90),
            income_mean=float(last.income_mean),
            farmer_share_of_carbon_value=float(flows.carbon_to_farmers.sum() / payers) if payers > 0 else np.nan,
            public_spending=float(last.public_spending_cum),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def compare(runs: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Mean and sd over replicates of every indicator, plus changes and cost against ``baseline``."""
    per_run = indicators(runs)
    numeric = per_run.drop(columns=[k for k in run_keys(per_run) if k != "scenario"]).groupby("scenario", sort=False)
    mean, sd = numeric.mean(), numeric.std(ddof=1).fillna(0.0)
    if baseline not in mean.index:
        raise ValueError(f"baseline scenario {baseline!r} is not among {list(mean.index)}")
    base = mean.loc[baseline]
    table = pd.DataFrame(index=mean.index)
    for column in mean.columns:
        if column == "last_year":
            continue
        table[column] = mean[column]
        table[f"{column}_sd"] = sd[column]
    table["income_p50_change_pct"] = (mean.income_p50 / base.income_p50 - 1.0) * 100.0
    extra_co2 = mean.co2e_stored_t - base.co2e_stored_t
    extra_public = mean.public_spending - base.public_spending
    table["additional_co2e_t"] = extra_co2
    table["public_cost_per_additional_t_co2e"] = np.where(extra_co2 > 0, extra_public / extra_co2.where(extra_co2 > 0),
                                                          np.nan)
    table.loc[baseline, "public_cost_per_additional_t_co2e"] = np.nan
    return table.reset_index()


def markdown(table: pd.DataFrame, currency: str) -> str:
    """The headline columns as a Markdown table (mean +- sd over replicates)."""
    def pm(column: str, fmt: str) -> pd.Series:
        return table.apply(lambda r: f"{r[column]:{fmt}} ± {r[column + '_sd']:{fmt}}"
                           if np.isfinite(r[column]) else "n/a", axis=1)

    out = pd.DataFrame({"scenario": table.scenario})
    for year in MILESTONES:
        if table[f"full_ca_{year}"].notna().any():
            out[f"full CA {year}"] = pm(f"full_ca_{year}", ".1%")
    out["SOC gain (t C/ha)"] = pm("soc_gain_t_c_per_ha", ".2f")
    out["t CO2e credited"] = pm("co2e_credited_t", ",.0f")
    out["4 per 1000 index"] = pm("four_per_1000_mean", ".2f")
    out[f"median income ({currency})"] = pm("income_p50", ",.0f")
    out["vs baseline"] = table.income_p50_change_pct.map(lambda v: f"{v:+.1f} %")
    out["carbon value to farmers"] = table.farmer_share_of_carbon_value.map(
        lambda v: f"{v:.0%}" if np.isfinite(v) else "n/a")
    out[f"public cost / additional t CO2e ({currency})"] = table.public_cost_per_additional_t_co2e.map(
        lambda v: f"{v:,.1f}" if np.isfinite(v) else "n/a")
    return out.to_markdown(index=False)


@dataclass
class Comparison:
    """Scenarios side by side: the table (``comparison.csv``), every run's yearly rows, and how they were made."""

    table: pd.DataFrame
    runs: pd.DataFrame
    baseline: str
    replicates: int
    currency: str
    replication: dict[str, str] = field(default_factory=dict)  # label -> '3 seeds' or '20 posterior draws x 3 seeds'

    def markdown(self) -> str:
        """The headline columns as a Markdown table (mean +- sd over replicates)."""
        return markdown(self.table, self.currency)

    def replicates_line(self) -> str:
        """How each scenario was replicated, e.g. 'baseline: 3 seeds; calibrated: 20 posterior draws x 3 seeds'."""
        kinds = set(self.replication.values())
        if len(kinds) == 1:
            return kinds.pop()
        return "; ".join(f"{label}: {text}" for label, text in self.replication.items())

    def write(self, out: Path) -> list[Path]:
        """Write runs.parquet, comparison.csv, comparison.md and compare.png into ``out``; return the paths."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / name for name in ("runs.parquet", "comparison.csv", "comparison.md", "compare.png")]
        self.runs.to_parquet(paths[0], index=False)
        self.table.to_csv(paths[1], index=False)
        paths[2].write_text(f"Baseline: {self.baseline}; replicates: {self.replicates_line()}; mean ± sd.\n\n"
                            f"{self.markdown()}\n")
        compare_trajectories(self.runs, paths[3], self.currency)
        return paths


def default_baseline(labels: list[str]) -> str:
    """The first label starting with 'baseline', else the first label."""
    return next((label for label in labels if label.startswith("baseline")), labels[0])


def compare_scenarios(scenarios: Mapping[str, Scenario], replicates: int = 3, farmers: int | None = None,
                      years: int | None = None, baseline: str | None = None, executor: Executor | None = None,
                      progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run every scenario (label -> scenario) with seed replicates and compare them against ``baseline``.

    Replicate r of a scenario uses seed ``scenario.seed + r`` whatever the executor, so the table does not
    depend on where or in how many processes the runs execute; a scenario naming posterior draws runs every draw
    with those seeds. ``baseline`` defaults to ``default_baseline``.
    """
    labels = list(scenarios)
    base = baseline or default_baseline(labels)
    if base not in scenarios:
        raise ExperimentError(f"baseline {base!r} is not one of {labels}")
    specs = [spec for label, scenario in scenarios.items()
             for spec in replicate_specs(scenario, label, replicates_of(scenario, replicates), farmers, years)]
    runs = run_many(specs, executor, progress)
    replication = {label: describe_replicates(scenario, replicates) for label, scenario in scenarios.items()}
    return Comparison(compare(runs, base), runs, base, replicates, scenarios[base].currency, replication)
