"""Commands for experiments: ``sensitivity``, ``sweep``, ``discover`` and ``validate-patterns``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.common import ScenarioArg, app, console, error, executor, load, run_plan, sweep_progress


@app.command()
def sensitivity(
    scenario: ScenarioArg,
    method: Annotated[str, typer.Option(help="sobol | morris | fast | delta")] = "sobol",
    n: Annotated[int, typer.Option(min=2, help="base sample size (SALib's N)")] = 256,
    replicates: Annotated[int, typer.Option(min=1, help="seed replicates per sample")] = 1,
    farmers: Annotated[int | None, typer.Option(min=1, help="total farmers per run")] = None,
    years: Annotated[int | None, typer.Option(min=1, help="years per run")] = None,
    out: Annotated[Path, typer.Option(help="output directory (reused to resume)")] = Path("results/sensitivity"),
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes (default: all cores)")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="runs per batch (default: automatic)")] = None,
) -> None:
    """Global sensitivity analysis (SALib) over the scenario's uncertain fields and outputs of interest."""
    import os

    from analysis.plots import sensitivity_convergence, sensitivity_indices
    from analysis.sensitivity import Output, indices_table
    from experiments.designs import METHODS, Problem, salib_sample
    from experiments.sweep import make_plan

    spec = load(scenario)
    if method not in METHODS:
        error(f"--method {method!r}: expected one of {', '.join(METHODS)}")
        raise typer.Exit(2)
    if not spec.uncertain or not spec.outputs:
        error(f"{scenario}: a sensitivity analysis needs an [uncertain] table (fields "
                          "and distributions) and an [outputs] table (outputs of interest)")
        raise typer.Exit(2)
    last_year = spec.start_year + (years or spec.years)
    late = [name for name, o in spec.outputs.items() if o.year > last_year]
    if late:
        error(f"outputs {late} are after the last simulated year {last_year}")
        raise typer.Exit(2)
    problem = Problem.of(spec)
    samples = salib_sample(problem, method, n, spec.seed)
    label = scenario.stem
    plan = make_plan("casim", {label: spec}, problem.names, {label: problem.decode(samples)}, replicates, farmers,
                     years, method, batch_size, workers or os.cpu_count() or 1)
    plan.extra = {"outputs": {k: v.model_dump() for k, v in spec.outputs.items()}, "n": n}
    rows = run_plan(plan, out, scheduler, workers, f"{method}: {len(plan.runs):,} runs")
    outputs = [Output(k, v.column, v.year, v.change) for k, v in spec.outputs.items()]
    indices, convergence, seeds = indices_table(problem, method, samples, rows, outputs)
    indices.to_csv(out / "indices.csv", index=False)
    convergence.to_csv(out / "convergence.csv", index=False)
    seeds.to_csv(out / "seed_variance.csv", index=False)
    sensitivity_indices(indices, out / "indices.png")
    sensitivity_convergence(convergence, out / "convergence.png")
    table = Table(title=f"{method} indices (95 % CI)")
    for column in ("output", "parameter", "index", "value"):
        table.add_column(column)
    for row in indices.itertuples():
        table.add_row(row.output, row.parameter, row.index, f"{row.value:.3f} ± {row.conf:.3f}")
    console.print(table)
    for row in seeds.itertuples():
        if row.seed_variance_share == row.seed_variance_share:  # not NaN
            console.print(f"{row.output}: {row.seed_variance_share:.1%} of the variance comes from seeds "
                          f"(within-sample), the rest from parameters")
        else:
            console.print(f"{row.output}: run --replicates 2 or more to separate seed from parameter variance")
    console.print(f"results in [bold]{out}/[/] (indices.csv, indices.png, convergence.csv, convergence.png, "
                  "seed_variance.csv, runs/, manifest.json)")


@app.command()
def sweep(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files", show_default=False)],
    grid: Annotated[bool, typer.Option("--grid", help="full factorial grid over the [uncertain] fields")] = False,
    levels: Annotated[int, typer.Option(min=2, help="grid values per continuous field")] = 3,
    lhs: Annotated[int | None, typer.Option(min=1, help="Latin hypercube of N samples")] = None,
    replicates: Annotated[int, typer.Option(min=1, help="seed replicates per sample")] = 1,
    farmers: Annotated[int | None, typer.Option(min=1, help="total farmers per run")] = None,
    years: Annotated[int | None, typer.Option(min=1, help="years per run")] = None,
    out: Annotated[Path, typer.Option(help="output directory (reused to resume)")] = Path("results/sweep"),
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes (default: all cores)")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="runs per batch (default: automatic)")] = None,
) -> None:
    """Run scenario files x a design (grid or Latin hypercube over the uncertain fields) x seed replicates."""
    import os

    import numpy as np

    from experiments.designs import Problem, latin_hypercube
    from experiments.designs import grid as grid_design
    from experiments.runs import label_of
    from experiments.sweep import make_plan

    if grid and lhs:
        error("choose --grid or --lhs N, not both")
        raise typer.Exit(2)
    specs = {label_of(p): load(p) for p in scenarios}
    names = {tuple(s.uncertain) for s in specs.values()}
    if (grid or lhs) and (len(names) != 1 or not next(iter(names))):
        error("--grid/--lhs need the same non-empty [uncertain] fields in every file")
        raise typer.Exit(2)
    parameters: tuple[str, ...] = next(iter(names)) if (grid or lhs) else ()
    designs = {}
    for label, spec in specs.items():
        if grid:
            designs[label] = grid_design(Problem.of(spec), levels)
        elif lhs:
            designs[label] = latin_hypercube(Problem.of(spec), lhs, spec.seed)
        else:
            designs[label] = np.zeros((1, 0))
    method = "grid" if grid else "lhs" if lhs else "replicates"
    plan = make_plan("casim", specs, parameters, designs, replicates, farmers, years, method, batch_size,
                     workers or os.cpu_count() or 1)
    plan.extra = {"outputs": {label: {k: v.model_dump() for k, v in s.outputs.items()} for label, s in specs.items()}}
    rows = run_plan(plan, out, scheduler, workers, f"{method}: {len(plan.runs):,} runs")
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
    import json

    import pandas as pd

    from analysis.discovery import discover as find_box
    from analysis.sensitivity import Output, output_values
    from experiments.store import SweepStore

    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        error(f"{directory} has no manifest.json: not a sweep directory")
        raise typer.Exit(2)
    if (above is None) == (below is None):
        error("give exactly one of --above or --below")
        raise typer.Exit(2)
    manifest = json.loads(manifest_path.read_text())
    parameters = manifest["parameters"]
    if not parameters:
        error("the sweep varied no parameters: nothing to discover")
        raise typer.Exit(2)
    known = manifest.get("outputs", {})
    known = known if "column" in next(iter(known.values()), {"column": 1}) else next(iter(known.values()), {})
    if output in known:
        o = known[output]
        spec = Output(output, o["column"], o["year"], o["change"])
    elif year is not None and output:
        spec = Output(output, output, year)
    else:
        error(f"--output {output!r}: expected one of {sorted(known)} or a column with "
                          "--year")
        raise typer.Exit(2)
    rows = SweepStore(directory).load()
    values = output_values(rows, spec)
    x = rows.groupby("run_id")[parameters].first().loc[values.run_id]
    cases = values.value.to_numpy() > above if above is not None else values.value.to_numpy() < below
    try:
        box = find_box(pd.DataFrame(x.to_numpy(), columns=parameters), cases, threshold)
    except ValueError as exc:
        error(str(exc))
        raise typer.Exit(2) from None
    box.limits.to_csv(directory / "discovery.csv", index=False)
    table = Table(title=f"{output} {'>' if above is not None else '<'} {above if above is not None else below}: "
                        f"coverage {box.coverage:.0%}, density {box.density:.0%}, mass {box.mass:.0%}")
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
    replicates: Annotated[int, typer.Option(min=1, help="seed replicates per sample")] = 2,
    farmers: Annotated[int | None, typer.Option(min=10, help="farmers per run")] = 2000,
    accept: Annotated[float, typer.Option(min=0.01, max=1.0, help="share of samples accepted (ABC)")] = 0.1,
    out: Annotated[Path, typer.Option(help="output directory")] = Path("results/validation"),
    workers: Annotated[int | None, typer.Option(min=1, help="local worker processes")] = None,
) -> None:
    """Calibrate on Brazil's no-till history (ABC), then check unfitted patterns; write a report with figures."""
    from analysis.plots import validation_figure
    from analysis.validation import (
        FIT_YEARS,
        brazil_series,
        calibrate,
        contrast,
        global_series,
        growth_rate,
        pioneer_phase,
        run_with,
    )

    spec, base = load(scenario), load(contrast_scenario)
    if not spec.uncertain:
        error(f"{scenario} has no [uncertain] table of parameters to calibrate")
        raise typer.Exit(2)
    out.mkdir(parents=True, exist_ok=True)
    progress, update = sweep_progress("calibration runs")
    with progress:
        result = calibrate(spec, samples, replicates, farmers, out / "calibration", executor(None, workers), accept,
                           update)
    seeds = [spec.seed + r for r in range(max(replicates, 3))]
    with console.status("checking patterns ..."):
        brazil_runs = run_with(spec, result.median, seeds, farmers)
        behaviour = {k: v for k, v in result.median.items() if k.startswith("decision.")}
        base_runs = run_with(base, behaviour, seeds, farmers, 2040 - base.start_year)
    pioneer = pioneer_phase(brazil_runs, spec.start_year)
    regions = contrast(base_runs, 2040)
    world = global_series()
    world_growth = growth_rate(world[world.year >= 1999].year.to_numpy(), world[world.year >= 1999].area_mha.to_numpy())
    everyone = brazil_runs[brazil_runs.region == "all"].groupby("year").mean(numeric_only=True)
    adopted = everyone.no_till_area_share * everyone.area_ha
    after = adopted[everyone.no_till_area_share >= 0.10].iloc[:20]
    model_growth = growth_rate(after.index.to_numpy(), after.to_numpy()) if len(after) >= 3 else float("nan")
    brazil = brazil_series()
    validation_figure(brazil_runs, brazil, regions, world, after if len(after) else adopted, out / "validation.png")
    result.table.to_csv(out / "calibration.csv", index=False)
    result.all_samples.to_csv(out / "calibration_samples.csv", index=False)
    regions.to_csv(out / "contrast_2040.csv", index=False)
    la = regions[regions.region.str.contains("latin")].no_till_area_share
    africa = regions[regions.region.str.contains("africa")].no_till_share
    lines = [
        f"# Pattern-oriented validation ({scenario.name})",
        "",
        f"Calibrated by approximate Bayesian computation (rejection): {samples} Latin-hypercube samples of the priors "
        f"in `{scenario}` x {replicates} seeds, {farmers} farmers; distance = RMSE of the no-till share of area in "
        f"{', '.join(map(str, FIT_YEARS))}; the closest {accept:.0%} accepted.",
        "",
        result.table.round(4).to_markdown(index=False),
        "",
        f"Best distance {result.accepted.distance.min():.3f}; accepted up to {result.accepted.distance.max():.3f}.",
        "",
        "## Patterns not fitted (posterior median)",
        "",
        f"- Pioneer phase: 10 % of the area is reached in {pioneer['take_off_year']} "
        f"({pioneer['years_to_take_off']} years after {spec.start_year}; Brazil: about 19, take-off around 1991); "
        f"mean yearly dis-adoption rate before take-off {pioneer['disadoption_rate_before_take_off']:.1%} "
        "(Brazil: frequent dis-adoption after 1-4 years in the 1970s).",
        f"- Latin America vs Africa in 2040 (`{contrast_scenario}` with the calibrated behaviour): no-till on "
        f"{la.mean():.0%} of Latin American area; {africa.min():.1%}-{africa.max():.1%} of African farmers "
        "(observed: majority vs about 1 % of cropland).",
        f"- Growth of the adopted area: world CA area {world_growth:.1%}/yr since 1999 (FAO); the calibrated model "
        f"{model_growth:.1%}/yr in its first 20 years after 10 % adoption (shape only).",
        "",
        "![validation](validation.png)",
    ]
    (out / "validation.md").write_text("\n".join(lines) + "\n")
    console.print("\n".join(lines[:-1]), soft_wrap=True)
    console.print(f"report in [bold]{out}/validation.md[/] with validation.png")
