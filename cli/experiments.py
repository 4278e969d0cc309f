"""Commands for experiments: ``sensitivity``, ``sweep``, ``discover`` and ``calibrate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.common import app, console, executor, fail, load, runs_progress, stage_progress, user_errors
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


@app.command()
def calibrate(
    scenarios: Annotated[list[Path], typer.Argument(help="calibration scenarios, one per country, each with "
                                                    "[uncertain] priors and [patterns]", show_default=False)],
    out: ResumableOut = Path("results/calibration"),
    population: Annotated[int, typer.Option(min=2, help="particles per ABC-SMC generation")] = 100,
    generations: Annotated[int, typer.Option(min=1, help="at most this many generations")] = 6,
    threshold: Annotated[float, typer.Option(min=0.0, help="absolute acceptance threshold (distance: RMS of "
                                                           "(simulated - observed) / scale)")] = 1.0,
    replicates: Annotated[int, typer.Option(min=1, help="seeds per country in each simulation (averaged)")] = 1,
    farmers: Farmers = None,
    seed: Annotated[int | None, typer.Option(help="calibration seed (default: the first scenario's)")] = None,
    posterior_draws: Annotated[int, typer.Option(min=1, help="draws written to posterior.csv/.parquet")] = 200,
    ppc_draws: Annotated[int, typer.Option(min=1, help="posterior draws in the predictive check")] = 20,
    ppc_seeds: Annotated[int, typer.Option(min=1, help="seeds per draw in the predictive check")] = 2,
    loco: Annotated[bool, typer.Option("--loco/--no-loco", help="leave each country out in turn")] = True,
    min_acceptance_rate: Annotated[float, typer.Option(min=1e-4, max=1.0, help="stop when a generation's "
                                                       "acceptance rate falls to about this")] = 0.02,
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Calibrate on observed patterns (ABC-SMC): posterior draws, predictive checks, leave-one-country-out, report."""
    from analysis.calibration import calibrate as run_calibration
    from experiments.abc_smc import AbcSettings
    from experiments.runs import load_labelled

    progress, update = stage_progress()
    with user_errors():
        specs = load_labelled(scenarios)
        first_seed = next(iter(specs.values())).seed
        settings = AbcSettings(population, generations, threshold, min_acceptance_rate=min_acceptance_rate,
                               seed=first_seed if seed is None else seed)
        with progress:
            result = run_calibration(specs, out, settings, replicates, farmers, posterior_draws, ppc_draws, ppc_seeds,
                                     loco, executor(scheduler, workers), update,
                                     {label: path for label, path in zip(specs, scenarios, strict=True)})
    result.write(out)
    run = result.run
    console.print(f"final epsilon {run.epsilon:.3f} (absolute threshold {threshold:g}; stop: {run.stop}); "
                  f"{run.simulations:,} simulations; this call took {result.seconds:,.0f} s")
    table = Table(title="parameters: 90 % posterior interval (prior width kept)")
    for column in ("parameter", "median", "5-95 %", "width ratio"):
        table.add_column(column)
    for row in result.parameters.itertuples():
        flag = "" if row.identified else " not identified"
        table.add_row(row.parameter, f"{row.posterior_p50:.4g}", f"{row.posterior_p05:.4g} - {row.posterior_p95:.4g}",
                      f"{row.width_ratio:.2f}{flag}")
    console.print(table)
    patterns = Table(title="patterns: predictive median vs observed")
    for column in ("country", "pattern", "fit", "RMSE", "covered"):
        patterns.add_column(column)
    for row in result.patterns().itertuples():
        patterns.add_row(row.country, row.pattern, "yes" if row.fit else "check", f"{row.rmse:.4g}",
                         f"{row.covered:.0%}")
    console.print(patterns)
    console.print(f"results in [bold]{out}/[/] (posterior.csv/.parquet/.json, calibration.md, generations.csv, "
                  "parameters.csv, ppc.csv, patterns.csv, loco.csv, calibration_fit.png, calibration_posterior.png)")
