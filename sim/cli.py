"""The ``casim`` command line: run and validate scenarios."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from sim.scenario_loader import ScenarioError, load_scenario

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Conservation Agriculture adoption simulator (Mesa, vectorised).")
console = Console()
err_console = Console(stderr=True, soft_wrap=True)

ScenarioArg = Annotated[Path, typer.Argument(help="scenario TOML file", show_default=False)]


def _load(path: Path):
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(2) from None


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file without running it."""
    spec = _load(scenario)
    farmers = sum(r.farmers for r in spec.regions.values())
    console.print(f"[green]ok[/] {scenario}: '{spec.name}', {len(spec.regions)} regions, {farmers:,} farmers, "
                  f"{spec.start_year}-{spec.end_year}")


@app.command()
def run(
    scenario: ScenarioArg,
    seed: Annotated[int | None, typer.Option(help="random seed (default: the scenario's)")] = None,
    years: Annotated[int | None, typer.Option(min=1, help="years to simulate (default: the scenario's)")] = None,
    farmers: Annotated[int | None, typer.Option(min=1, help="total farmers, keeping regional shares")] = None,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results"),
) -> None:
    """Run one scenario; write yearly.parquet, manifest.json and trajectories.png to OUT."""
    from analysis.plots import trajectories
    from sim.model import AdoptionModel
    from sim.runio import write_manifest, write_yearly

    spec = _load(scenario)
    n_years = years or spec.years
    t0 = time.perf_counter()
    try:
        model = AdoptionModel(spec, seed=seed, n_farmers=farmers)
    except ValueError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} years"),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True) as progress:
        task = progress.add_task(f"{spec.name}: {model.n:,} farmers", total=n_years)
        for _ in range(n_years):
            model.step()
            progress.advance(task)
    elapsed = time.perf_counter() - t1
    frame = model.results()
    write_yearly(frame, out)
    write_manifest(out, scenario, spec, model.seed, model.n, n_years, elapsed, build)
    trajectories(frame, out / "trajectories.png", spec.name, spec.currency)
    _summary(frame, spec.currency)
    console.print(f"{model.n:,} farmers x {n_years} years in {elapsed:.2f} s (+ {build:.2f} s set-up); "
                  f"results in [bold]{out}/[/] (yearly.parquet, manifest.json, trajectories.png)")


def _summary(frame, currency: str) -> None:
    first, last = frame["year"].min(), frame["year"].max()
    table = Table(title=f"{first} -> {last}")
    for column in ("region", "no-till", "full CA", "SOC t C/ha", "CO2e stored (t)", "4 per 1000 index",
                   f"median income ({currency}/farm)"):
        table.add_column(column, justify="right" if column != "region" else "left")
    start = frame[frame["year"] == first].set_index("region")
    end = frame[frame["year"] == last].set_index("region")
    for region in end.index:
        a, b = start.loc[region], end.loc[region]
        table.add_row(
            region,
            f"{a.no_till_share:.0%} -> {b.no_till_share:.0%}",
            f"{a.full_ca_share:.0%} -> {b.full_ca_share:.0%}",
            f"{a.soc_mean_t_c_per_ha:.2f} -> {b.soc_mean_t_c_per_ha:.2f}",
            f"{b.co2e_stored_cum_t:,.0f}",
            f"{b.four_per_1000_index:.2f}",
            f"{b.income_p50:,.0f}",
        )
    console.print(table)


@app.command()
def rothc(
    input_file: Annotated[Path, typer.Argument(help="RothC input file in the official format (RothC_input.dat)")],
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results/rothc"),
) -> None:
    """Run a RothC input file; write month_results.csv and year_results.csv (official columns)."""
    from sim.soil.rothc_io import RothCInputError, read_input, run_input

    try:
        spec = read_input(input_file)
    except RothCInputError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    months, years = run_input(spec)
    out.mkdir(parents=True, exist_ok=True)
    months.to_csv(out / "month_results.csv", index=False)
    years.to_csv(out / "year_results.csv", index=False)
    spin_up = years.iloc[0]
    last = years.iloc[-1]
    console.print(f"spin-up: {int(spin_up.Month):,} months to equilibrium, SOC {spin_up.SOC_t_C_ha:.4f} t C/ha; "
                  f"{len(months):,} months run; SOC {int(last.Year)}: {last.SOC_t_C_ha:.4f} t C/ha; "
                  f"results in [bold]{out}/[/]")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True)


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
    from analysis.runner import RunSpec, label_of, run_many

    specs_by_label = {label_of(path): _load(path) for path in scenarios}
    if len(specs_by_label) != len(scenarios):
        err_console.print("[bold red]error:[/] two scenario files share a name; rename one")
        raise typer.Exit(2)
    labels = list(specs_by_label)
    base = baseline or next((label for label in labels if label.startswith("baseline")), labels[0])
    if base not in specs_by_label:
        err_console.print(f"[bold red]error:[/] --baseline {base!r} is not one of {labels}")
        raise typer.Exit(2)
    runs_spec = [RunSpec(spec, label, spec.seed + r, farmers, years)
                 for label, spec in specs_by_label.items() for r in range(replicates)]
    with _progress() as progress:
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

    spec = _load(scenario)
    try:
        with console.status("searching ..."):
            result = find_lever(spec, lever, metric, year, value, low, high,
                                [spec.seed + r for r in range(replicates)], farmers, tolerance)
    except ValueError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    for lever_value, metric_value in result.evaluations:
        console.print(f"  {lever} = {lever_value:10.4g}  ->  {metric} in {year} = {metric_value:.4f}")
    if result.reached:
        console.print(f"[green]{lever} = {result.lever_value:.4g}[/] reaches {metric} >= {value} in {year} "
                      f"({result.metric_value:.4f}, mean of {replicates} replicates)")
    else:
        console.print(f"[yellow]not reached[/]: even {lever} = {high:g} gives {metric} = {result.metric_value:.4f} "
                      f"in {year}; raise --high")
