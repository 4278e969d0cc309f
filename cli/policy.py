"""Commands for comparing incentive designs: ``compare`` and ``target``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import ScenarioArg, app, console, error, load, run_progress


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files to compare", show_default=False)],
    replicates: Annotated[int, typer.Option(min=1, help="seed replicates per scenario")] = 3,
    farmers: Annotated[int | None, typer.Option(min=1, help="total farmers, keeping regional shares")] = None,
    years: Annotated[int | None, typer.Option(min=1, help="years to simulate")] = None,
    baseline: Annotated[str | None, typer.Option(help="scenario (file stem) costs are counted against")] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results/compare"),
) -> None:
    """Compare scenarios side by side: comparison.csv, comparison.md, runs.parquet and compare.png in OUT."""
    from analysis.compare import compare as compare_table
    from analysis.compare import markdown
    from analysis.plots import compare_trajectories
    from experiments.runs import RunSpec, label_of, run_many

    specs_by_label = {label_of(path): load(path) for path in scenarios}
    if len(specs_by_label) != len(scenarios):
        error("two scenario files share a name; rename one")
        raise typer.Exit(2)
    labels = list(specs_by_label)
    base = baseline or next((label for label in labels if label.startswith("baseline")), labels[0])
    if base not in specs_by_label:
        error(f"--baseline {base!r} is not one of {labels}")
        raise typer.Exit(2)
    runs_spec = [RunSpec(spec, label, spec.seed + r, farmers, years)
                 for label, spec in specs_by_label.items() for r in range(replicates)]
    with run_progress() as progress:
        task = progress.add_task(f"{len(labels)} scenarios x {replicates} replicates", total=len(runs_spec))
        runs = run_many(runs_spec, progress=lambda: progress.advance(task))
    table = compare_table(runs, base)
    currency = specs_by_label[base].currency
    out.mkdir(parents=True, exist_ok=True)
    runs.to_parquet(out / "runs.parquet", index=False)
    table.to_csv(out / "comparison.csv", index=False)
    text = markdown(table, currency)
    (out / "comparison.md").write_text(f"Baseline: {base}; {replicates} replicates; mean ± sd.\n\n{text}\n")
    compare_trajectories(runs, out / "compare.png", currency)
    console.print(text, soft_wrap=True)
    console.print(f"baseline: {base}; results in [bold]{out}/[/] (comparison.csv, comparison.md, runs.parquet, "
                  "compare.png)")


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
    replicates: Annotated[int, typer.Option(min=1, help="seed replicates per evaluation")] = 3,
    farmers: Annotated[int | None, typer.Option(min=1, help="total farmers, keeping regional shares")] = None,
    tolerance: Annotated[float | None, typer.Option(help="stop when the bracket is this narrow")] = None,
) -> None:
    """Find the smallest lever value that reaches the target (bisection over seed replicates)."""
    from analysis.target import find_lever

    spec = load(scenario)
    try:
        with console.status("searching ..."):
            result = find_lever(spec, lever, metric, year, value, low, high,
                                [spec.seed + r for r in range(replicates)], farmers, tolerance)
    except ValueError as exc:
        error(str(exc))
        raise typer.Exit(2) from None
    for lever_value, metric_value in result.evaluations:
        console.print(f"  {lever} = {lever_value:10.4g}  ->  {metric} in {year} = {metric_value:.4f}")
    if result.reached:
        console.print(f"[green]{lever} = {result.lever_value:.4g}[/] reaches {metric} >= {value} in {year} "
                      f"({result.metric_value:.4f}, mean of {replicates} replicates)")
    else:
        console.print(f"[yellow]not reached[/]: even {lever} = {high:g} gives {metric} = {result.metric_value:.4f} "
                      f"in {year}; raise --high")
