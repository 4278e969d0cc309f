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


def _sweep_progress(total_label: str):
    """A Rich progress bar showing runs done, runs per second and time left; returns (progress, callback)."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} runs"),
                        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console, transient=False)
    task = progress.add_task(total_label, total=None, rate="")
    started = {"t": time.perf_counter(), "first": None}

    def update(done: int, total: int) -> None:
        if started["first"] is None:
            started["first"] = done
        elapsed = time.perf_counter() - started["t"]
        fresh = done - started["first"]
        rate = f"{fresh / elapsed:.1f} runs/s" if elapsed > 0 and fresh else ""
        progress.update(task, completed=done, total=total, rate=rate)

    return progress, update


def _executor(scheduler: str | None, workers: int | None):
    from analysis.executors import executor_for

    return executor_for(scheduler, workers)


def _run_plan(plan, out: Path, scheduler: str | None, workers: int | None, label: str):
    from analysis.store import SweepMismatch, SweepStore
    from analysis.sweep import run_sweep

    progress, update = _sweep_progress(label)
    try:
        with progress:
            return run_sweep(plan, SweepStore(out), _executor(scheduler, workers), update)
    except SweepMismatch as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None


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
    """Global sensitivity analysis (SALib) over the scenario's [uncertain] fields and [outputs]."""
    import os

    from analysis.design import METHODS, Problem, salib_sample
    from analysis.plots import sensitivity_convergence, sensitivity_indices
    from analysis.sensitivity import Output, indices_table
    from analysis.sweep import make_plan

    spec = _load(scenario)
    if method not in METHODS:
        err_console.print(f"[bold red]error:[/] --method {method!r}: expected one of {', '.join(METHODS)}")
        raise typer.Exit(2)
    if not spec.uncertain or not spec.outputs:
        err_console.print(f"[bold red]error:[/] {scenario}: a sensitivity analysis needs an [uncertain] table (fields "
                          "and distributions) and an [outputs] table (outputs of interest)")
        raise typer.Exit(2)
    last_year = spec.start_year + (years or spec.years)
    late = [name for name, o in spec.outputs.items() if o.year > last_year]
    if late:
        err_console.print(f"[bold red]error:[/] outputs {late} are after the last simulated year {last_year}")
        raise typer.Exit(2)
    problem = Problem.of(spec)
    samples = salib_sample(problem, method, n, spec.seed)
    label = scenario.stem
    plan = make_plan("casim", {label: spec}, problem.names, {label: problem.decode(samples)}, replicates, farmers,
                     years, method, batch_size, workers or os.cpu_count() or 1)
    plan.extra = {"outputs": {k: v.model_dump() for k, v in spec.outputs.items()}, "n": n}
    rows = _run_plan(plan, out, scheduler, workers, f"{method}: {len(plan.runs):,} runs")
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
    """Run scenario files x a design (grid or Latin hypercube over [uncertain]) x seed replicates."""
    import os

    import numpy as np

    from analysis.design import Problem, latin_hypercube
    from analysis.design import grid as grid_design
    from analysis.runner import label_of
    from analysis.sweep import make_plan

    if grid and lhs:
        err_console.print("[bold red]error:[/] choose --grid or --lhs N, not both")
        raise typer.Exit(2)
    specs = {label_of(p): _load(p) for p in scenarios}
    names = {tuple(s.uncertain) for s in specs.values()}
    if (grid or lhs) and (len(names) != 1 or not next(iter(names))):
        err_console.print("[bold red]error:[/] --grid/--lhs need the same non-empty [uncertain] fields in every file")
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
    rows = _run_plan(plan, out, scheduler, workers, f"{method}: {len(plan.runs):,} runs")
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
    from analysis.store import SweepStore

    manifest_path = directory / "manifest.json"
    if not manifest_path.exists():
        err_console.print(f"[bold red]error:[/] {directory} has no manifest.json: not a sweep directory")
        raise typer.Exit(2)
    if (above is None) == (below is None):
        err_console.print("[bold red]error:[/] give exactly one of --above or --below")
        raise typer.Exit(2)
    manifest = json.loads(manifest_path.read_text())
    parameters = manifest["parameters"]
    if not parameters:
        err_console.print("[bold red]error:[/] the sweep varied no parameters: nothing to discover")
        raise typer.Exit(2)
    known = manifest.get("outputs", {})
    known = known if "column" in next(iter(known.values()), {"column": 1}) else next(iter(known.values()), {})
    if output in known:
        o = known[output]
        spec = Output(output, o["column"], o["year"], o["change"])
    elif year is not None and output:
        spec = Output(output, output, year)
    else:
        err_console.print(f"[bold red]error:[/] --output {output!r}: expected one of {sorted(known)} or a column with "
                          "--year")
        raise typer.Exit(2)
    rows = SweepStore(directory).load()
    values = output_values(rows, spec)
    x = rows.groupby("run_id")[parameters].first().loc[values.run_id]
    cases = values.value.to_numpy() > above if above is not None else values.value.to_numpy() < below
    try:
        box = find_box(pd.DataFrame(x.to_numpy(), columns=parameters), cases, threshold)
    except ValueError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
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


@app.command()
def report(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files (the first is the reference)", show_default=False)],
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = Path("results/report.html"),
    replicates: Annotated[int, typer.Option(min=1, help="seed replicates (uncertainty bands)")] = 1,
    farmers: Annotated[int | None, typer.Option(min=1, help="total farmers, keeping regional shares")] = None,
    years: Annotated[int | None, typer.Option(min=1, help="years to simulate")] = None,
    sample: Annotated[int, typer.Option(min=10, help="farms per region shown in the network animation")] = 150,
) -> None:
    """Write one self-contained HTML report (animation, charts, comparison, summary) that opens offline."""
    from analysis.report import render
    from analysis.runner import label_of
    from analysis.story import tell

    specs = [(label_of(p), _load(p)) for p in scenarios]
    with console.status("simulating ..."):
        stories = [tell(spec, label, replicates, farmers, years, sample) for label, spec in specs]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(stories, replicates), encoding="utf-8")
    console.print(f"report: [bold]{out}[/] ({out.stat().st_size / 1e6:.1f} MB, opens offline in any browser)")


@app.command()
def animate(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option(help="adoption.gif or adoption.mp4")] = Path("results/adoption.gif"),
    farmers: Annotated[int | None, typer.Option(min=1, help="total farmers, keeping regional shares")] = None,
    years: Annotated[int | None, typer.Option(min=1, help="years to simulate")] = None,
    sample: Annotated[int, typer.Option(min=10, help="farms per region shown")] = 150,
    fps: Annotated[float, typer.Option(min=0.1, help="frames (years) per second")] = 2.0,
) -> None:
    """Write a GIF or MP4 of adoption spreading through the farm network, one frame per year."""
    from analysis.animation import animate as write_animation
    from analysis.story import tell

    spec = _load(scenario)
    if out.suffix.lower() not in (".gif", ".mp4"):
        err_console.print(f"[bold red]error:[/] --out {out}: expected a .gif or .mp4 file name")
        raise typer.Exit(2)
    with console.status("simulating and drawing ..."):
        frames = write_animation(tell(spec, scenario.stem, 1, farmers, years, sample), out, fps)
    console.print(f"animation: [bold]{out}[/] ({frames} frames, one per year)")


@app.command()
def dashboard(
    scenario: Annotated[Path | None, typer.Argument(help="scenario file (default: scenarios/baseline.toml)")] = None,
    port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 8765,
) -> None:
    """Start the live Mesa SolaraViz dashboard on http://127.0.0.1:PORT (Ctrl+C stops it)."""
    import os
    import subprocess
    import sys

    import analysis.dashboard_app as app_module

    env = dict(os.environ)
    if scenario is not None:
        _load(scenario)
        env["CASIM_SCENARIO"] = str(scenario.resolve())
    console.print(f"dashboard on [bold]http://127.0.0.1:{port}[/] (Ctrl+C stops it)")
    command = [sys.executable, "-m", "solara", "run", app_module.__file__, "--host", "127.0.0.1", "--port", str(port),
               "--production", "--no-open"]
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


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

    spec, base = _load(scenario), _load(contrast_scenario)
    if not spec.uncertain:
        err_console.print(f"[bold red]error:[/] {scenario} has no [uncertain] table of parameters to calibrate")
        raise typer.Exit(2)
    out.mkdir(parents=True, exist_ok=True)
    progress, update = _sweep_progress("calibration runs")
    with progress:
        result = calibrate(spec, samples, replicates, farmers, out / "calibration", _executor(None, workers), accept,
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
