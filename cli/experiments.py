"""Commands for experiments: ``sensitivity``, ``sweep``, ``discover`` and ``validate-patterns``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.common import app, console, executor, fail, load, runs_progress, user_errors
from cli.options import (
    BatchSize,
    Farmers,
    Replicates,
    ResumableOut,
    ScenarioArg,
    ScenarioFiles,
    Scheduler,
    Workers,
    Years,
)


@app.command()
def sensitivity(
    scenario: ScenarioArg,
    method: Annotated[str, typer.Option(help="sobol | morris | fast | delta")] = "sobol",
    n: Annotated[int, typer.Option(min=2, help="base sample size (SALib's N)")] = 256,
    replicates: Replicates = 1,
    farmers: Farmers = None,
    years: Years = None,
    out: ResumableOut = Path("results/sensitivity"),
    scheduler: Scheduler = None,
    workers: Workers = None,
    batch_size: BatchSize = None,
) -> None:
    """Global sensitivity analysis (SALib) over the scenario's uncertain fields and outputs of interest."""
    from analysis.sensitivity import sensitivity_analysis

    spec = load(scenario)
    progress, update = runs_progress(f"{method}: runs")
    with user_errors(), progress:
        result = sensitivity_analysis(spec, out, method, n, replicates, farmers, years, executor(scheduler, workers),
                                      batch_size, update, label=scenario.stem, source=scenario)
    result.write(out)
    table = Table(title=f"{method} indices (95 % CI)")
    for column in ("output", "parameter", "index", "value"):
        table.add_column(column)
    for row in result.indices.itertuples():
        table.add_row(row.output, row.parameter, row.index, f"{row.value:.3f} ± {row.conf:.3f}")
    console.print(table)
    for row in result.seed_variance.itertuples():
        if row.seed_variance_share == row.seed_variance_share:  # not NaN
            console.print(f"{row.output}: {row.seed_variance_share:.1%} of the variance comes from seeds "
                          f"(within-sample), the rest from parameters")
        else:
            console.print(f"{row.output}: run --replicates 2 or more to separate seed from parameter variance")
    console.print(f"results in [bold]{out}/[/] (indices.csv, indices.png, convergence.csv, convergence.png, "
                  "seed_variance.csv, runs/, manifest.json)")


@app.command()
def sweep(
    scenarios: ScenarioFiles,
    grid: Annotated[bool, typer.Option("--grid", help="full factorial grid over the [uncertain] fields")] = False,
    levels: Annotated[int, typer.Option(min=2, help="grid values per continuous field")] = 3,
    lhs: Annotated[int | None, typer.Option(min=1, help="Latin hypercube of N samples")] = None,
    replicates: Replicates = 1,
    farmers: Farmers = None,
    years: Years = None,
    out: ResumableOut = Path("results/sweep"),
    scheduler: Scheduler = None,
    workers: Workers = None,
    batch_size: BatchSize = None,
) -> None:
    """Run scenario files x a design (grid or Latin hypercube over the uncertain fields) x seed replicates."""
    from experiments.runs import load_labelled
    from experiments.sweep import sweep_scenarios

    if grid and lhs:
        raise fail("choose --grid or --lhs N, not both")
    design = "grid" if grid else "lhs" if lhs else "replicates"
    progress, update = runs_progress(f"{design}: runs")
    with user_errors():
        specs = load_labelled(scenarios)
        with progress:
            result = sweep_scenarios(specs, out, design, levels, lhs, replicates, farmers, years,
                                     executor(scheduler, workers), batch_size, update)
    rows = result.rows
    console.print(f"{rows.run_id.nunique():,} runs, {len(rows):,} rows in [bold]{out}/runs/[/] "
                  "(pandas.read_parquet or DuckDB read_parquet('runs/*.parquet'))")


@app.command()
def discover(
    directory: Annotated[Path, typer.Argument(help="a sweep or sensitivity output directory")],
    output: Annotated[str, typer.Option(help="an output of interest (from [outputs]) or a yearly column")] = "",
    year: Annotated[int | None, typer.Option(help="year, when --output is a column")] = None,
    above: Annotated[float | None, typer.Option(help="cases of interest: output above this")] = None,
    below: Annotated[float | None, typer.Option(help="cases of interest: output below this")] = None,
    threshold: Annotated[float, typer.Option(help="minimum density of the box")] = 0.8,
) -> None:
    """Scenario discovery (PRIM): the parameter box where the outcome holds, with coverage and density."""
    from analysis.discovery import discover_in_sweep

    if (above is None) == (below is None):
        raise fail("give exactly one of --above or --below")
    with user_errors():
        found = discover_in_sweep(directory, output, year, above, below, threshold)
    found.write(directory)
    box = found.box
    table = Table(title=f"{output} {found.condition}: coverage {box.coverage:.0%}, density {box.density:.0%}, "
                        f"mass {box.mass:.0%}")
    for column in ("parameter", "low", "high"):
        table.add_column(column)
    for row in box.limits.itertuples():
        table.add_row(row.parameter, f"{row.low:.4g}", f"{row.high:.4g}")
    console.print(table)
    console.print(f"{box.cases_of_interest} of {box.cases} runs are cases of interest; box in {directory}/discovery.csv")


@app.command("validate-patterns")
def validate_patterns(
    scenario: Annotated[Path, typer.Argument(help="the calibration scenario")] = Path("scenarios/validation_brazil.toml"),
    contrast_scenario: Annotated[Path, typer.Option(help="scenario for the regional contrast")] = Path(
        "scenarios/base.toml"),
    samples: Annotated[int, typer.Option(min=4, help="calibration samples (Latin hypercube over the priors)")] = 200,
    replicates: Replicates = 2,
    farmers: Annotated[int | None, typer.Option(min=10, help="farmers per run")] = 2000,
    accept: Annotated[float, typer.Option(min=0.01, max=1.0, help="share of samples accepted (ABC)")] = 0.1,
    out: ResumableOut = Path("results/validation"),
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Calibrate on Brazil's no-till history (ABC), then check unfitted patterns; write a report with figures."""
    from analysis.validation import validate_patterns as validate

    progress, update = runs_progress("calibration and pattern runs")
    with user_errors(), progress:
        result = validate(scenario, contrast_scenario, out / "calibration", samples, replicates, farmers, accept,
                          executor(scheduler, workers), update)
    result.write(out)
    console.print("\n".join(result.lines()[:-1]), soft_wrap=True)
    console.print(f"report in [bold]{out}/validation.md[/] with validation.png")
