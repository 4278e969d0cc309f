"""Commands for comparing incentive designs: ``compare`` and ``target``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import app, console, executor, load, replicated_runs, user_errors
from cli.options import Farmers, Out, Replicates, ScenarioArg, ScenarioFiles, Scheduler, Workers, Years


@app.command()
def compare(
    scenarios: ScenarioFiles,
    replicates: Replicates = 3,
    farmers: Farmers = None,
    years: Years = None,
    baseline: Annotated[str | None, typer.Option(help="scenario (file stem) costs are counted against "
                                                       "(default: the first named baseline*, else the first)")] = None,
    out: Out = Path("results/compare"),
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Compare scenarios side by side: comparison.csv, comparison.md, runs.parquet and compare.png in OUT."""
    from analysis.compare import compare_scenarios
    from facilitation.spreadsheets import write_copies

    with replicated_runs(scenarios, replicates, scheduler, workers) as (specs, pool, update):
        result = compare_scenarios(specs, replicates, farmers, years, baseline, pool, update)
    result.write(out)
    write_copies(result.runs, out / "runs.parquet")
    console.print(result.markdown(), soft_wrap=True)
    console.print(f"baseline: {result.baseline}; replicates: {result.replicates_line()}; results in [bold]{out}/[/] "
                  "(comparison.csv, comparison.md, runs.parquet with runs.csv and runs.xlsx, compare.png)")


@app.command()
def target(
    scenario: ScenarioArg,
    metric: Annotated[str, typer.Option(help="adoption | no_till | any_practice | a yearly.parquet column")] = "adoption",
    year: Annotated[int, typer.Option(help="calendar year the target applies to")] = 2040,
    value: Annotated[float, typer.Option(help="target value of the metric (region 'all')")] = 0.8,
    lever: Annotated[str, typer.Option(help="carbon_price | payment_per_ha | farmer_share | mrv_cost_per_farm "
                                            "| a dotted scenario field")] = "carbon_price",
    low: Annotated[float, typer.Option(help="lowest lever value searched")] = 0.0,
    high: Annotated[float, typer.Option(help="highest lever value searched")] = 200.0,
    replicates: Replicates = 3,
    farmers: Farmers = None,
    tolerance: Annotated[float | None, typer.Option(help="stop when the bracket is this narrow "
                                                         "(default: 1/200 of the range)")] = None,
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Find the smallest lever value that reaches the target (bisection over seed replicates or posterior draws)."""
    from analysis.target import find_lever
    from experiments.runs import describe_replicates, replicates_of

    spec = load(scenario)
    with user_errors(ValueError), console.status("searching ..."):
        runs = replicates_of(spec, replicates, scenario)
        result = find_lever(spec, lever, metric, year, value, low, high, runs, farmers, tolerance,
                            executor(scheduler, workers, len(runs)))
    for lever_value, metric_value in result.evaluations:
        console.print(f"  {lever} = {lever_value:10.4g}  ->  {metric} in {year} = {metric_value:.4f}")
    if result.reached:
        console.print(f"[green]{lever} = {result.lever_value:.4g}[/] reaches {metric} >= {value} in {year} "
                      f"({result.metric_value:.4f}, mean of {describe_replicates(spec, replicates)}; 5-95 %: "
                      f"{result.interval[0]:.4f}-{result.interval[1]:.4f}; {result.share_reaching:.0%} of the "
                      "replicates reach it)")
    else:
        console.print(f"[yellow]not reached[/]: even {lever} = {high:g} gives {metric} = {result.metric_value:.4f} "
                      f"in {year}; raise --high")
