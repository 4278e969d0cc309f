"""Incentive designs side by side, as a ministry reads them: what each buys (additional carbon), at what cost, for whom.

Every indicator is computed per run (scenario x replicate) from the yearly table, then summarised over
replicates as the mean and its replicate interval (a two-sided 95 % Student t interval of the mean: mean +-
t(0.975, n - 1) x sd / sqrt(n); none with one replicate). A scenario that names posterior draws (``[posterior]``) is
replicated over every draw x every seed, so its interval includes parameter uncertainty, not only seed noise.
Scenarios are paired run by run (the same seed, and the same draw when the baseline has draws), so changes against
the baseline scenario are differences of paired runs.

Carbon: credited = credits issued by the standard's rules; additional = SOC stored beyond the counterfactual run
alongside each run (the same farms and seeds without the scenario's incentives); over-crediting = credited /
additional. Money over the period: public budget (payments, credit-line subsidies, public purchases and guarantees),
buyer spending (private and Twin Regions buyers, net of claw-back refunds); cost per additional t CO2e =
spending / additional t, undiscounted and discounted (present values of spending and of additional tonnes at
``discount_rate`` from the start year). Farmers: net carbon income = carbon payments - MRV costs - claw-backs,
by region and by size third (``by_region``), with what credits already issued still owe them at the end (payments
lag verifications). Income change: the mean over the period of mean farm income, against
the baseline's (not one year's: verification years carry lump payments).

Exchange programmes (``[[network.exchange]]``) are a separate lever, measured against the baseline scenario (not the
counterfactual, which keeps them: ``sim.incentives.counterfactual``): their public cost over the period per
additional adopter (farmers using no-till in the last year, beyond the paired baseline run), per additional t CO2e
stored (beyond the baseline run) and per USD of added farm income (the sum over the period of all farms' income,
beyond the baseline run). Each is the mean programme cost over the mean of the paired differences; its interval
runs from the cost over the difference's upper bound to the cost over its lower bound (unbounded when that lower
bound is not positive); undefined, with the reason, when the mean difference is not positive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analysis.plots import compare_trajectories
from experiments.executors import Executor
from experiments.runs import describe_replicates, replicate_specs, replicates_of, run_many
from experiments.spec import ExperimentError
from experiments.spreadsheets import write_copies
from sim.practices import PRACTICES
from sim.scenario import Scenario

#: Years at which adoption is reported: the forum's milestones (2030 targets, "80 % CA by 2040", 2050 horizon).
MILESTONES = (2030, 2040, 2050)
#: Default real discount rate for public money, 1/yr: the EU Better Regulation Toolbox's 3 % (tool #61; recalled,
#: verify), within the 3-7 % most ministries of finance use.
DISCOUNT_RATE = 0.03
#: Coverage of the replicate interval.
INTERVAL = 0.95
#: Size thirds of the farms of each region (``sim.outputs``): the income groups.
SIZE_GROUPS = ("small", "middle", "large")
#: Money flows summed over the period per run (yearly-table columns).
_SUMMED = ("payments", "credit_line_subsidy", "carbon_to_farmers", "mrv_cost", "clawback", "farmer_net_carbon_income",
           "uncertainty_deduction_t_co2e", "leakage_t_co2e", "reversals_t_co2e", "reversals_uncovered_t_co2e",
           "net_ghg_benefit_t_co2e", "practice_emissions_change_t_co2e", "displaced_emissions_t_co2e",
           "exchange_programme_cost")
#: Exchange programmes' cost-effectiveness: (indicator, the paired difference it divides by, why it is undefined).
EXCHANGE_RATIOS = (
    ("exchange_cost_per_additional_adopter", "no_till_adopters_vs_baseline", "no additional adopter"),
    ("exchange_cost_per_additional_t_co2e", "co2e_vs_baseline_t", "no additional t CO2e"),
    ("exchange_cost_per_usd_added_income", "farm_income_vs_baseline", "no added farm income"),
)


def run_keys(runs: pd.DataFrame) -> list[str]:
    """The columns that identify one run in a table of runs: scenario, posterior draw (if any), seed."""
    return ["scenario", *(["draw"] if "draw" in runs.columns else []), "seed"]


def present_value(values: pd.Series, years: pd.Series, start_year: int, rate: float) -> float:
    """Sum of ``values`` discounted to ``start_year`` at ``rate`` (one value per year)."""
    return float((values.to_numpy() / (1.0 + rate) ** (years.to_numpy() - start_year)).sum())


def _per_tonne(money: float, tonnes: float) -> float:
    """Money per tonne; NaN unless both are positive."""
    return money / tonnes if money > 0 and tonnes > 0 else np.nan


def indicators(runs: pd.DataFrame, discount_rate: float = DISCOUNT_RATE) -> pd.DataFrame:
    """One row per run (scenario, draw if any, seed): the indicators of one run (region 'all').

    Each row also carries its replicate index within its scenario.
    """
    everyone = runs[runs.region == "all"]
    keys = run_keys(runs)
    rows = []
    for key, run in everyone.groupby(keys, sort=False, dropna=False):
        run = run.sort_values("year")
        first, last = run.iloc[0], run.iloc[-1]
        flows = run.iloc[1:]
        start = int(first.year)
        row = {**dict(zip(keys, key, strict=True)), "last_year": int(last.year)}
        for year in MILESTONES:
            at = run[run.year == year]
            for practice in ("full_ca", *PRACTICES):
                row[f"{practice}_{year}"] = float(at[f"{practice}_share"].iloc[0]) if len(at) else np.nan
        public, private = flows.public_spending, flows.private_spending
        additional = float(last.additional_cum_t_co2e)
        credited = float(last.credits_cum_t_co2e)

        def pv(column: pd.Series, years: pd.Series = flows.year, start: int = start) -> float:
            return present_value(column, years, start, discount_rate)

        paid = (flows.buyer_spending + flows.clawback + flows.guarantor_spending + flows.twin_buyer_spending).sum()
        row.update(
            soc_gain_t_c_per_ha=float(last.soc_mean_t_c_per_ha - first.soc_mean_t_c_per_ha),
            co2e_stored_t=float(last.co2e_stored_cum_t),
            co2e_credited_t=credited,
            co2e_additional_t=additional,
            additional_share_of_credits=additional / credited if credited > 0 else np.nan,
            credits_per_additional_t=credited / additional if credited > 0 and additional > 0 else np.nan,
            four_per_1000_mean=float(flows.four_per_1000_index.mean()),
            income_mean_period=float(flows.income_mean.mean()),
            income_p50_period=float(flows.income_p50.mean()),
            farm_income_total=float((flows.income_mean * flows.farmers).sum()),
            no_till_adopters=float(last.no_till_share * last.farmers),
            public_spending=float(public.sum()),
            private_spending=float(private.sum()),
            public_spending_pv=pv(public),
            private_spending_pv=pv(private),
            additional_pv_t=pv(flows.additional_t_co2e),
            farmer_share_of_carbon_money=float(flows.carbon_to_farmers.sum() / paid) if paid > 0 else np.nan,
            participants_net_negative_share=float(last.participants_net_negative_share),
            carbon_due_to_farmers=float(last.carbon_due_to_farmers),
            buffer_pool_t=float(last.buffer_pool_t_co2e),
            reversal_exposure_t=float(last.reversal_exposure_t_co2e),
            **{column: float(flows[column].sum()) for column in _SUMMED},
        )
        row["public_cost_per_additional_t_co2e"] = _per_tonne(row["public_spending"], additional)
        row["public_cost_per_additional_t_co2e_pv"] = _per_tonne(row["public_spending_pv"], row["additional_pv_t"])
        row["buyer_cost_per_additional_t_co2e"] = _per_tonne(row["private_spending"], additional)
        row["buyer_cost_per_additional_t_co2e_pv"] = _per_tonne(row["private_spending_pv"], row["additional_pv_t"])
        row["mrv_cost_per_credited_t"] = _per_tonne(row["mrv_cost"], credited)
        row["farmer_net_carbon_income_with_due"] = row["farmer_net_carbon_income"] + row["carbon_due_to_farmers"]
        rows.append(row)
    table = pd.DataFrame(rows)
    table.insert(len(keys), "replicate", table.groupby("scenario", sort=False).cumcount())
    return table


def summarise(per_run: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean and replicate interval (``_lo``, ``_hi``) of every numeric column of ``per_run``, grouped by ``keys``."""
    values = per_run.drop(columns=[c for c in ("draw", "seed", "replicate", "last_year") if c in per_run])
    grouped = values.groupby(keys, sort=False)
    mean, sd, n = grouped.mean(), grouped.std(ddof=1), grouped.count()
    half = stats.t.ppf(0.5 + INTERVAL / 2, (n - 1).clip(lower=1)) * sd / np.sqrt(n)
    half = half.where(n > 1)
    columns = {}
    for column in mean.columns:
        columns[column] = mean[column]
        columns[f"{column}_lo"] = mean[column] - half[column]
        columns[f"{column}_hi"] = mean[column] + half[column]
    return pd.DataFrame(columns, index=mean.index).reset_index()


def exchange_cost_effectiveness(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (summarised, one row per scenario) with the ``EXCHANGE_RATIOS`` and their intervals (docstring).

    NaN where the scenario has no exchange programme or the mean difference is not positive; an upper bound of inf
    where the difference's interval reaches zero.
    """
    cost = table["exchange_programme_cost"]
    columns = {}
    for name, difference, _ in EXCHANGE_RATIOS:
        mean, lo, hi = table[difference], table[f"{difference}_lo"], table[f"{difference}_hi"]
        defined = (cost > 0) & (mean > 0)
        columns[name] = np.where(defined, cost / mean.where(mean > 0, 1.0), np.nan)
        columns[f"{name}_lo"] = np.where(defined & (hi > 0), cost / hi.where(hi > 0, 1.0), np.nan)
        columns[f"{name}_hi"] = np.where(defined, np.where(lo > 0, cost / lo.where(lo > 0, 1.0), np.inf), np.nan)
    return table.assign(**columns)


def compare(runs: pd.DataFrame, baseline: str, names: Mapping[str, str] | None = None,
            discount_rate: float = DISCOUNT_RATE) -> pd.DataFrame:
    """Every indicator per scenario (mean and replicate interval), with income changes against ``baseline``.

    ``names``: display name of each scenario label (default: the labels).
    """
    per_run = indicators(runs, discount_rate)
    if baseline not in set(per_run.scenario):
        raise ValueError(f"baseline scenario {baseline!r} is not among {list(dict.fromkeys(per_run.scenario))}")
    base = per_run[per_run.scenario == baseline]
    pair = [k for k in ("draw", "seed") if k in base.columns and base[k].notna().all()]
    base = base.set_index(pair)
    paired = per_run.merge(base[["income_mean_period", "income_p50_period", "co2e_stored_t", "farm_income_total",
                                 "no_till_adopters"]], how="left",
                           left_on=pair, right_index=True, suffixes=("", "_baseline"))
    per_run = per_run.assign(
        income_mean_change_pct=(paired.income_mean_period / paired.income_mean_period_baseline - 1) * 100,
        income_p50_change_pct=(paired.income_p50_period / paired.income_p50_period_baseline - 1) * 100,
        co2e_vs_baseline_t=paired.co2e_stored_t - paired.co2e_stored_t_baseline,
        farm_income_vs_baseline=paired.farm_income_total - paired.farm_income_total_baseline,
        no_till_adopters_vs_baseline=paired.no_till_adopters - paired.no_till_adopters_baseline)
    table = exchange_cost_effectiveness(summarise(per_run, ["scenario"]))
    head = pd.DataFrame({"name": [(names or {}).get(label, label) for label in table.scenario],
                         "discount_rate": discount_rate})
    return pd.concat([table[["scenario"]], head, table.drop(columns="scenario")], axis=1)


def by_region(runs: pd.DataFrame, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Farmer net carbon income over the period per scenario and region (and 'all').

    In total and by size third, with what makes it up (mean and replicate interval).
    """
    columns = ["carbon_to_farmers", "mrv_cost", "clawback", "farmer_net_carbon_income",
               *(f"farmer_net_carbon_income_{g}" for g in SIZE_GROUPS)]
    keys = run_keys(runs)
    flows = runs[runs.year > runs.groupby(keys, dropna=False).year.transform("min")]
    per_run = flows.groupby([*keys, "region"], sort=False, dropna=False)[columns].sum()
    last = flows.sort_values("year").groupby([*keys, "region"], sort=False, dropna=False).last()
    per_run["participants_net_negative_share"] = last.participants_net_negative_share
    per_run["carbon_due_to_farmers"] = last.carbon_due_to_farmers
    per_run["enrolled_share_mean"] = flows.groupby([*keys, "region"], sort=False, dropna=False).enrolled_share.mean()
    table = summarise(per_run.reset_index(), ["scenario", "region"])
    head = pd.DataFrame({"name": [(names or {}).get(label, label) for label in table.scenario]})
    return pd.concat([table[["scenario"]], head, table.drop(columns="scenario")], axis=1)


def _cell(row: pd.Series, column: str, fmt: str) -> str:
    """'mean (lo-hi)' of ``column`` in ``row``; the mean alone without an interval; 'n/a' when undefined."""
    value = row[column]
    if not np.isfinite(value):
        return "n/a"
    lo, hi = row.get(f"{column}_lo", np.nan), row.get(f"{column}_hi", np.nan)
    text = f"{value:{fmt}}"
    interval = np.isfinite(lo) and np.isfinite(hi) and f"{lo:{fmt}}" != f"{hi:{fmt}}"
    return f"{text} ({lo:{fmt}} to {hi:{fmt}})" if interval else text


def _cost_cell(row: pd.Series, column: str, spender: str, other: str) -> str:
    """A cost per additional tonne, or why there is none."""
    if row[f"{spender}_spending"] <= 0:
        return f"n/a ({other} buyer)" if row[f"{other}_spending"] > 0 else "n/a (no spending)"
    if not row["co2e_additional_t"] > 0:
        return "n/a (nothing additional)"
    return f"{_cell(row, column, ',.0f')} / {_cell(row, column + '_pv', ',.0f')}"


def markdown(table: pd.DataFrame, currency: str, discount_rate: float | None = None) -> str:
    """The headline table: what each design buys, at what cost, for whom (mean and replicate interval)."""
    rate = float(table.discount_rate.iloc[0]) if discount_rate is None and "discount_rate" in table else \
        (DISCOUNT_RATE if discount_rate is None else discount_rate)
    names = table["name"] if "name" in table else table.scenario
    last = max((y for y in MILESTONES if table[f"full_ca_{y}"].notna().any()), default=None)
    out = pd.DataFrame({"scenario": names})
    if last is not None:
        out[f"full CA {last}"] = table.apply(lambda r: _cell(r, f"full_ca_{last}", ".1%"), axis=1)
    out["t CO2e credited"] = table.apply(lambda r: _cell(r, "co2e_credited_t", ",.0f"), axis=1)
    out["t CO2e additional"] = table.apply(lambda r: _cell(r, "co2e_additional_t", ",.0f"), axis=1)
    out[f"public budget ({currency})"] = table.apply(lambda r: _cell(r, "public_spending", ",.0f"), axis=1)
    out[f"buyer spending ({currency})"] = table.apply(lambda r: _cell(r, "private_spending", ",.0f"), axis=1)
    per_t = f"({currency}/t, undiscounted / at {rate:.0%})"
    out[f"public cost per additional t {per_t}"] = table.apply(
        lambda r: _cost_cell(r, "public_cost_per_additional_t_co2e", "public", "private"), axis=1)
    out[f"buyer cost per additional t {per_t}"] = table.apply(
        lambda r: _cost_cell(r, "buyer_cost_per_additional_t_co2e", "private", "public"), axis=1)
    out[f"farmer net carbon income ({currency})"] = table.apply(
        lambda r: _cell(r, "farmer_net_carbon_income", ",.0f"), axis=1)
    out["mean farm income vs baseline (period mean)"] = table.apply(
        lambda r: _cell(r, "income_mean_change_pct", "+.1f") + " %", axis=1)
    return out.to_markdown(index=False)


def details_markdown(table: pd.DataFrame, currency: str) -> str:
    """Adoption per practice, carbon integrity and MRV tables (mean and replicate interval)."""
    names = table["name"] if "name" in table else table.scenario
    last = max((y for y in MILESTONES if table[f"full_ca_{y}"].notna().any()), default=None)
    adoption = pd.DataFrame({"scenario": names})
    if last is not None:
        for practice in ("full_ca", *PRACTICES):
            adoption[f"{practice} {last}"] = table.apply(lambda r, p=practice: _cell(r, f"{p}_{last}", ".1%"), axis=1)
    integrity = pd.DataFrame({
        "scenario": names,
        "credits per additional t": table.apply(lambda r: _cell(r, "credits_per_additional_t", ",.2f"), axis=1),
        "net GHG benefit (t CO2e)": table.apply(lambda r: _cell(r, "net_ghg_benefit_t_co2e", ",.0f"), axis=1),
        "leakage deducted (t)": table.apply(lambda r: _cell(r, "leakage_t_co2e", ",.0f"), axis=1),
        "reversals (t)": table.apply(lambda r: _cell(r, "reversals_t_co2e", ",.0f"), axis=1),
        "uncovered by the buffer (t)": table.apply(lambda r: _cell(r, "reversals_uncovered_t_co2e", ",.0f"), axis=1),
        "buffer pool at the end (t)": table.apply(lambda r: _cell(r, "buffer_pool_t", ",.0f"), axis=1),
        "exposure at the end (t)": table.apply(lambda r: _cell(r, "reversal_exposure_t", ",.0f"), axis=1),
    })
    money = pd.DataFrame({
        "scenario": names,
        f"MRV cost ({currency})": table.apply(lambda r: _cell(r, "mrv_cost", ",.0f"), axis=1),
        f"MRV cost per credited t ({currency})": table.apply(lambda r: _cell(r, "mrv_cost_per_credited_t", ",.1f"),
                                                             axis=1),
        "withheld for MRV uncertainty (t)": table.apply(lambda r: _cell(r, "uncertainty_deduction_t_co2e", ",.0f"),
                                                        axis=1),
        f"paid to farmers ({currency})": table.apply(lambda r: _cell(r, "carbon_to_farmers", ",.0f"), axis=1),
        f"still due at the end ({currency})": table.apply(lambda r: _cell(r, "carbon_due_to_farmers", ",.0f"),
                                                          axis=1),
        "farmer share of carbon money": table.apply(lambda r: _cell(r, "farmer_share_of_carbon_money", ".0%"), axis=1),
        "participants with a net loss": table.apply(lambda r: _cell(r, "participants_net_negative_share", ".0%"),
                                                    axis=1),
    })
    return "\n\n".join([f"Adoption (share of farmers) in {last}\n\n{adoption.to_markdown(index=False)}",
                        f"Carbon integrity (totals over the period)\n\n{integrity.to_markdown(index=False)}",
                        f"MRV and farmers' carbon money (totals over the period)\n\n{money.to_markdown(index=False)}"])


def _ratio_cell(row: pd.Series, name: str, difference: str, why: str, fmt: str) -> str:
    """An exchange programme's cost per unit of what it adds, or why there is none."""
    if not row["exchange_programme_cost"] > 0:
        return "n/a (no exchange programme)"
    if not row[difference] > 0:
        return f"n/a ({why})"
    value, lo, hi = row[name], row[f"{name}_lo"], row[f"{name}_hi"]
    upper = "unbounded" if np.isinf(hi) else f"{hi:{fmt}}"
    return f"{value:{fmt}} ({lo:{fmt}} to {upper})" if np.isfinite(lo) else f"{value:{fmt}}"


def exchanges_markdown(table: pd.DataFrame, currency: str) -> str | None:
    """Exchange programmes against the baseline scenario (None when no scenario has one)."""
    if "exchange_programme_cost" not in table or not (table.exchange_programme_cost > 0).any():
        return None
    names = table["name"] if "name" in table else table.scenario
    out = pd.DataFrame({
        "scenario": names,
        f"exchange programme cost ({currency})": table.apply(lambda r: _cell(r, "exchange_programme_cost", ",.0f"),
                                                              axis=1),
        "additional no-till adopters": table.apply(lambda r: _cell(r, "no_till_adopters_vs_baseline", ",.0f"), axis=1),
        "additional t CO2e stored": table.apply(lambda r: _cell(r, "co2e_vs_baseline_t", ",.0f"), axis=1),
        f"added farm income ({currency})": table.apply(lambda r: _cell(r, "farm_income_vs_baseline", ",.0f"), axis=1),
    })
    labels = (f"cost per additional adopter ({currency})", f"cost per additional t CO2e ({currency}/t)",
              f"cost per {currency} of added farm income")
    for label, (name, difference, why), fmt in zip(labels, EXCHANGE_RATIOS, (",.0f", ",.0f", ",.2f"), strict=True):
        out[label] = table.apply(lambda r, n=name, d=difference, w=why, f=fmt: _ratio_cell(r, n, d, w, f), axis=1)
    return out.to_markdown(index=False)


@dataclass
class Comparison:
    """Scenarios side by side: the table, farmer carbon income by region, every run's yearly rows, and how made."""

    table: pd.DataFrame
    runs: pd.DataFrame
    baseline: str
    replicates: int
    currency: str
    by_region: pd.DataFrame | None = None
    discount_rate: float = DISCOUNT_RATE
    replication: dict[str, str] = field(default_factory=dict)  # label -> '3 seeds' or '20 posterior draws x 3 seeds'

    def replicates_line(self) -> str:
        """How each scenario was replicated, e.g. 'baseline: 3 seeds; calibrated: 20 posterior draws x 3 seeds'."""
        kinds = set(self.replication.values()) or {f"{self.replicates} seed(s)"}
        if len(kinds) == 1:
            return kinds.pop()
        return "; ".join(f"{label}: {text}" for label, text in self.replication.items())

    def markdown(self) -> str:
        """The headline table (mean and replicate interval)."""
        return markdown(self.table, self.currency, self.discount_rate)

    def report(self) -> str:
        """Everything as Markdown: how it was made, the headline table, details, and farmer income by region."""
        head = (f"Baseline: {self.baseline}; replicates: {self.replicates_line()}; mean and {INTERVAL:.0%} replicate "
                f"interval; costs discounted at {self.discount_rate:.0%}/yr to the start year. Additional = beyond "
                "the same farms and seeds without the scenario's incentives.")
        parts = [head, self.markdown(), details_markdown(self.table, self.currency)]
        exchanges = exchanges_markdown(self.table, self.currency)
        if exchanges is not None:
            parts.append("Exchange programmes against the baseline scenario (public cost over the period; adopters "
                         f"in the last year; paired runs)\n\n{exchanges}")
        if self.by_region is not None:
            regions = self.by_region
            income = pd.DataFrame({"scenario": regions["name"], "region": regions.region})
            for column, label in (("farmer_net_carbon_income", "net carbon income"),
                                  *((f"farmer_net_carbon_income_{g}", f"{g} farms") for g in SIZE_GROUPS),
                                  ("carbon_due_to_farmers", "still due at the end"),
                                  ("participants_net_negative_share", "participants with a net loss")):
                fmt = ".0%" if column.endswith("share") else ",.0f"
                income[label] = regions.apply(lambda r, c=column, f=fmt: _cell(r, c, f), axis=1)
            parts.append(f"Farmers' net carbon income by region and size third ({self.currency}, over the period)"
                         f"\n\n{income.to_markdown(index=False)}")
        return "\n\n".join(parts) + "\n"

    def write(self, out: Path) -> list[Path]:
        """Write every table (runs, comparison, comparison_by_region) as Parquet with .csv and .xlsx copies.

        Also comparison.md and compare.png; returns the paths written.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        tables = {"runs": self.runs, "comparison": self.table}
        if self.by_region is not None:
            tables["comparison_by_region"] = self.by_region
        paths = []
        for name, table in tables.items():
            paths.append(out / f"{name}.parquet")
            table.to_parquet(paths[-1], index=False)
            paths += write_copies(table, paths[-1])
        paths += [out / "comparison.md", out / "compare.png"]
        paths[-2].write_text(self.report())
        compare_trajectories(self.runs, paths[-1], self.currency)
        return paths


def default_baseline(labels: list[str]) -> str:
    """The first label starting with 'baseline', else the first label."""
    return next((label for label in labels if label.startswith("baseline")), labels[0])


def compare_scenarios(scenarios: Mapping[str, Scenario], replicates: int = 3, farmers: int | None = None,
                      years: int | None = None, baseline: str | None = None, executor: Executor | None = None,
                      progress: Callable[[int, int], None] | None = None,
                      discount_rate: float = DISCOUNT_RATE) -> Comparison:
    """Run every scenario (label -> scenario) with seed replicates and compare them against ``baseline``.

    Replicate r of a scenario uses seed ``scenario.seed + r`` whatever the executor, so the table does not
    depend on where or in how many processes the runs execute; a scenario naming posterior draws runs every draw
    with those seeds. ``baseline`` defaults to ``default_baseline``.
    """
    labels = list(scenarios)
    base = baseline or default_baseline(labels)
    if base not in scenarios:
        raise ExperimentError(f"baseline {base!r} is not one of {labels}")
    if not 0 <= discount_rate < 1:
        raise ExperimentError(f"discount rate {discount_rate} must be in [0, 1)")
    specs = [spec for label, scenario in scenarios.items()
             for spec in replicate_specs(scenario, label, replicates_of(scenario, replicates), farmers, years)]
    runs = run_many(specs, executor, progress)
    names = {label: scenario.name for label, scenario in scenarios.items()}
    replication = {label: describe_replicates(scenario, replicates) for label, scenario in scenarios.items()}
    return Comparison(compare(runs, base, names, discount_rate), runs, base, replicates, scenarios[base].currency,
                      by_region(runs, names), discount_rate, replication)
