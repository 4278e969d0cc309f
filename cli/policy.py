"""Commands for comparing incentive designs: ``compare`` and ``target``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from cli.common import app, console, executor, load, replicated_runs, user_errors
from cli.options import MAX_FARMERS, Farmers, Out, Replicates, ScenarioArg, ScenarioFiles, Scheduler, Workers, Years


@app.command()
def compare(
    scenarios: ScenarioFiles,
    replicates: Replicates = 3,
    farmers: Farmers = None,
    years: Years = None,
    baseline: Annotated[str | None, typer.Option(help="scenario (file stem) income changes are counted against "
                                                       "(default: the first named baseline*, else the first)")] = None,
    discount_rate: Annotated[float, typer.Option(min=0.0, max=0.99, help="yearly rate discounting public and buyer "
                                                  "spending and additional tonnes to the start year")] = 0.03,
    out: Out = Path("results/compare"),
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Compare scenarios side by side.

    Writes comparison.{csv,parquet,md}, comparison_by_region.{csv,parquet}, runs and compare.png in OUT.
    Windfall share (money of per-ha payments paid for practices the counterfactual uses too) and credits per
    additional t (tonnes of carbon designs) are different scales: comparison.md says how to read them.
    """
    from analysis.compare import compare_scenarios
    from experiments.store import check_writable

    with user_errors():  # before running: results that cannot be written would be lost
        check_writable(out)
    with replicated_runs(scenarios, replicates, scheduler, workers) as (specs, pool, update):
        result = compare_scenarios(specs, replicates, farmers, years, baseline, pool, update, discount_rate)
    result.write(out)
    console.print(result.markdown(), soft_wrap=True)
    console.print(f"baseline: {result.baseline}; mean and 95 % replicate interval over {result.replicates_line()}; "
                  f"discounted at {discount_rate:.0%}/yr. Details in [bold]{out}/comparison.md[/] (adoption per "
                  "practice, carbon integrity, MRV, farm cash income by region and the decision rule's constants); "
                  "tables in comparison.csv / .parquet")


#: What the interval beside target's cost per additional t is (``analysis.compare.fieller_interval``), so that it is
#: not read as the replicates' spread printed beside it (referee 47 minor 6).
RATIO_INTERVAL = "95 % interval of the ratio of means"
#: What the range beside the metric found is (``analysis.target.TargetResult.interval``): with few replicates it is
#: close to their minimum and maximum.
SPREAD = "spread of the replicates (5-95 % quantiles, not an interval of the mean)"
#: Said instead of the spread when the target was run on one replicate (referee 48: it read "0.3048-0.3048").
ONE_REPLICATE = "one replicate: no spread"


@app.command()
def target(
    scenario: ScenarioArg,
    metric: Annotated[str, typer.Option(help="adoption | no_till | any_practice | a yearly.parquet column")] = "adoption",
    year: Annotated[int, typer.Option(help="calendar year the target applies to")] = 2040,
    value: Annotated[float, typer.Option(help="target value of the metric")] = 0.8,
    lever: Annotated[str, typer.Option(help="carbon_price | payment_per_ha | farmer_share | mrv_cost_per_farm "
                                            "| a dotted scenario field")] = "carbon_price",
    low: Annotated[float, typer.Option(help="lowest lever value searched")] = 0.0,
    high: Annotated[float, typer.Option(help="highest lever value searched")] = 200.0,
    region: Annotated[str, typer.Option(help="region the metric is read for ('all' = every farmer)")] = "all",
    replicates: Replicates = 3,
    farmers: Farmers = None,
    tolerance: Annotated[float | None, typer.Option(help="stop when the bracket is this narrow "
                                                         "(default: 1/200 of the range)")] = None,
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Find the smallest lever value that reaches the target, and its cost.

    Bisection over seed replicates, or over posterior draws x seeds when the scenario names them.
    """
    from analysis.compare import MAY_LOSE_CARBON, unbounded_words
    from analysis.target import find_lever
    from experiments.runs import describe_replicates, replicates_of

    spec = load(scenario)
    currency = spec.currency

    def show(step: int, e, lo: float, hi: float) -> None:
        console.print(f"  step {step:2d}: {lever} = {e.lever_value:10.4g} -> {metric} = {e.metric_value:.4f}  "
                      f"(searching {lo:.4g} .. {hi:.4g})")

    with user_errors(ValueError):
        runs = replicates_of(spec, replicates, scenario)
        result = find_lever(spec, lever, metric, year, value, low, high, runs, farmers, tolerance,
                            executor(scheduler, workers, len(runs)), region, show)
    where = "" if region == "all" else f" in {region}"
    answer = result.answer
    cost = (f"{spec.start_year}-{year}, all regions: public budget {answer.public_spending:,.0f} {currency} paid + "
            f"{answer.public_committed:,.0f} committed, buyers {answer.buyer_spending:,.0f} paid + "
            f"{answer.buyer_committed:,.0f} committed, {answer.additional_t_co2e:,.0f} t CO2e additional")
    for label, name in (("public", "public_cost_per_additional_t_co2e"), ("buyers", "buyer_cost_per_additional_t_co2e")):
        per_t, lo, hi = (answer.costs.get(name + end, np.nan) for end in ("", "_lo", "_hi"))
        if np.isfinite(per_t):
            words = unbounded_words(lo, hi, answer.costs.get(name + "_below", np.nan), lambda v: f"{v:,.0f}",
                                    MAY_LOSE_CARBON)
            bounds = (f" ({RATIO_INTERVAL}: {words})" if words is not None else
                      f" ({RATIO_INTERVAL}: {lo:,.0f} to {hi:,.0f})" if np.isfinite(lo) else "")
            money = ("incentives' public money paid + committed, exchange programmes apart" if label == "public"
                     else "paid + committed")
            cost += f"; {label} {per_t:,.0f}{bounds} {currency} per additional t ({money}, mean / mean)"
    if answer.runs_without_additional_t:
        cost += f"; {answer.runs_without_additional_t} of {result.replicates} runs added no t CO2e"
    spread = (f"{SPREAD}: {result.interval[0]:.4f}-{result.interval[1]:.4f}" if result.replicates > 1
              else ONE_REPLICATE)
    if result.reached:
        console.print(f"[green]{lever} = {result.lever_value:.4g}[/] reaches {metric} >= {value} in {year}{where} "
                      f"({result.metric_value:.4f}, mean of {describe_replicates(spec, replicates)}; {spread}; "
                      f"{result.share_reaching:.0%} of the replicates reach it). Cost {cost}.")
    else:
        console.print(f"[yellow]not reached[/]: even {lever} = {high:g} gives {metric} = {result.metric_value:.4f} "
                      f"in {year}{where} (cost {cost}). What limits it:")
        for reason in result.limits:
            console.print(f"  - {reason}")


@app.command("exchange-groups")
def exchange_groups(
    exchange: ScenarioArg,
    baseline: Annotated[Path, typer.Argument(help="the same scenario without its [[network.exchange]] tables",
                                             show_default=False)],
    replicates: Replicates = 6,
    farmers: Annotated[int, typer.Option(min=1, max=MAX_FARMERS, help="total farmers per run")] = 10_000,
) -> None:
    """Each exchange group's no-till gain against the same farms of a baseline run, and the spill-over through links.

    Groups: participants, non-participants linked to one (neighbours), the other non-participants, everyone. The
    neighbours' gain minus the others' (paired within seed) bounds a spill-over through links without identifying
    it. BASELINE: the same scenario without its exchanges. Seeds are compare's replicates.
    """
    from analysis.exchange_groups import group_gains, report
    from experiments.runs import replicate_seeds

    scenario, base = load(exchange), load(baseline)
    with user_errors():
        gains = group_gains(scenario, base, replicate_seeds(scenario, replicates, exchange), farmers)
    console.print(report(gains), soft_wrap=True, markup=False)
