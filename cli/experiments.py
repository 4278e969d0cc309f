"""Commands for experiments: ``sensitivity``, ``analyse``, ``sweep``, ``discover`` and ``calibrate``.

Every command checks what it can before any run (scenario files, options, the scheduler address, the output
directory, memory and disk space) and turns bad input into a message naming the file and field, exit code 2.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.table import Table
from rich.text import Text

from cli.common import (
    RUNS_FAILED,
    USER_ERROR,
    app,
    console,
    err_console,
    error,
    executor,
    fail,
    load,
    runs_progress,
    stage_progress,
    user_errors,
)
from cli.options import (
    DASK_TIMEOUT_SECONDS,
    BatchSize,
    Farmers,
    Replicates,
    ResumableOut,
    RunTimeout,
    ScenarioArg,
    ScenarioFiles,
    Scheduler,
    SchedulerTimeout,
    Workers,
    Years,
    finite,
)
from experiments.designs import METHODS, MORRIS_LEVELS
from sim.scenario.scenario import MAX_SEED

if TYPE_CHECKING:
    import pandas as pd

Method = Annotated[str, typer.Option(help=" | ".join(METHODS))]
#: An output of interest on the command line: NAME=COLUMN@YEAR, optionally +change (change since the start).
OUTPUT_SPEC = re.compile(r"^(?:(?P<name>[A-Za-z_][\w.-]*)=)?(?P<column>[A-Za-z_]\w*)@(?P<year>\d{1,4})"
                         r"(?P<change>\+change)?$")


def warn(message: str) -> None:
    """Print a warning on stderr (plain text: brackets are not markup)."""
    err_console.print(Text.assemble(("warning: ", "bold yellow"), message), soft_wrap=True)


def show_sensitivity(result, written: list[Path], runs: Path) -> None:  # noqa: ANN001 (analysis.sensitivity.SensitivityResult)
    """Print the indices, seed noise and warnings of a sensitivity analysis, and where its files are.

    ``written`` are the files the analysis wrote (``SensitivityResult.write``), ``runs`` the directory of the runs
    it analysed (its runs/ and manifest.json). Exits 2 when nothing was analysed.
    """
    from analysis.sensitivity import NOT_RESOLVED

    table = Table(title=f"{result.method} indices (95 % CI): {result.size}")
    for column in ("output", "parameter", "index", "value"):
        table.add_column(column)
    for row in result.indices.itertuples():
        note = getattr(row, "note", "") or ""
        if not math.isfinite(row.value):
            shown = "not computed"
        elif row.conf == 0 and NOT_RESOLVED in note:  # never "± 0.000" for an index that is not exact
            shown = f"{row.value:.3f} ({NOT_RESOLVED}: no interval)"
        else:
            shown = f"{row.value:.3f} ± {row.conf:.3f}" + (f" ({NOT_RESOLVED})" if NOT_RESOLVED in note else "")
        table.add_row(Text(row.output), Text(row.parameter), Text(row.index), Text(shown))
    console.print(table)
    for row in result.seed_variance.itertuples():
        if row.seed_variance_share >= 1:  # clipped at 1: parameters add nothing detectable (the warning says more)
            console.print(Text(f"{row.output}: as far as this run can tell, all the variance of single runs comes "
                               f"from seeds (share at 100 %, 95 % interval from {row.low:.1%}); the parameters' "
                               "effect is not detectable at this size"))
        elif row.seed_variance_share == row.seed_variance_share:  # not NaN
            console.print(Text(f"{row.output}: {row.seed_variance_share:.1%} of the variance of single runs comes "
                               f"from seeds (95 % interval {row.low:.1%}-{row.high:.1%}), the rest from parameters"))
    for line in result.warnings:
        warn(line)
    out = written[0].parent
    names = ", ".join(path.name for path in written)
    if out.resolve() == runs.resolve():
        console.print(Text(f"results in {out}/ ({names}, runs/, manifest.json)"))
    else:
        console.print(Text(f"results in {out}/ ({names}); the runs analysed and their manifest.json are in {runs}/"))
    if not result.analysed:
        raise fail("no output could be analysed (see the warnings above and outputs.csv)")


@app.command()
def sensitivity(
    scenario: ScenarioArg,
    method: Method = "sobol",
    n: Annotated[int, typer.Option(min=2, max=10**7, help="base sample size (SALib's N; a power of 2 for Sobol)")] = 256,
    replicates: Replicates = 1,
    farmers: Farmers = None,
    years: Years = None,
    second_order: Annotated[bool, typer.Option("--second-order", help="Sobol second-order indices too "
                                               "(N (2D + 2) runs instead of N (D + 2))")] = False,
    levels: Annotated[int, typer.Option(min=2, max=1000, help="Morris: grid levels")] = MORRIS_LEVELS,
    design_seed: Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="seed of the SALib sample "
                                                    "(default: the scenario's seed)")] = None,
    out: ResumableOut = Path("results/sensitivity"),
    scheduler: Scheduler = None,
    scheduler_timeout: SchedulerTimeout = DASK_TIMEOUT_SECONDS,
    workers: Workers = None,
    batch_size: BatchSize = None,
    run_timeout: RunTimeout = None,
) -> None:
    """Global sensitivity analysis (SALib) over the scenario's [uncertain] fields and [outputs].

    Fields of [uncertain] may name a group (group = "economics") for grouped Sobol or Morris indices. A scenario with
    [posterior] draws is refused: only compare, target and report replicate over them. As a sweep, exits 1 when some
    runs failed (recorded in OUT/failed/; the indices leave their samples out and the same command retries them), 2 when
    each failed because its values make an invalid scenario.
    """
    from analysis.sensitivity import EveryRunFailed, sensitivity_analysis

    spec = load(scenario)
    pool = executor(scheduler, workers, timeout=scheduler_timeout)
    progress, update = runs_progress(f"{method}: runs")
    failures = None
    with user_errors(), progress:
        try:
            result = sensitivity_analysis(spec, out, method, n, replicates, farmers, years, pool, batch_size, update,
                                          label=scenario.stem, source=scenario, second_order=second_order,
                                          levels=levels, design_seed=design_seed, timeout=run_timeout)
        except EveryRunFailed as exc:
            failures = exc.failures
    if failures is not None:
        failed_sweep(failures, out, every=True)
    with user_errors():
        written = result.write(out)
    show_sensitivity(result, written, out)
    if len(result.failures):  # indices without some samples: a batch job must tell them from a complete analysis
        failed_sweep(result.failures, out, every=False)


def parse_output(text: str) -> object:
    """An output of interest from NAME=COLUMN@YEAR[+change] (NAME defaults to COLUMN_YEAR)."""
    from experiments.spec import Output

    match = OUTPUT_SPEC.match(text.strip())
    if not match:
        raise fail(f"--output {text!r}: expected NAME=COLUMN@YEAR, e.g. adoption=full_ca_share@2040 (add +change "
                   "for the change since the start year)")
    name = match["name"] or f"{match['column']}_{match['year']}"
    return Output(name, match["column"], int(match["year"]), bool(match["change"]))


@app.command()
def analyse(
    directory: Annotated[Path, typer.Argument(help="a sensitivity-analysis or sweep output directory", show_default=False)],
    method: Annotated[str | None, typer.Option(help=f"{' | '.join(METHODS)} (default: the design's; rbd_fast, delta "
                                               "and pawn analyse any sweep)")] = None,
    output: Annotated[list[str] | None, typer.Option(help="output of interest NAME=COLUMN@YEAR[+change] (repeat; "
                                                     "default: the recorded [outputs])")] = None,
    second_order: Annotated[bool, typer.Option("--second-order", help="Sobol second-order indices (if the design "
                                               "was sampled for them)")] = False,
    out: Annotated[Path | None, typer.Option(help="where to write the tables and figures (default: DIRECTORY)")] = None,
) -> None:
    """Re-analyse the runs stored by a sensitivity analysis or sweep (finished or partial) without running any."""
    from analysis.sensitivity import analyse_sweep
    from experiments.store import check_writable

    outputs = [parse_output(o) for o in output] if output else None
    target = out or directory
    with user_errors():
        if not (directory / "manifest.json").exists():
            raise fail(f"{directory}: no manifest.json; not a sweep or sensitivity-analysis directory")
        check_writable(target)
        result = analyse_sweep(directory, method, outputs, second_order or None)
        written = result.write(target)
    show_sensitivity(result, written, directory)


@app.command()
def sweep(
    scenarios: ScenarioFiles,
    grid: Annotated[bool, typer.Option("--grid", help="full factorial grid over the [uncertain] fields")] = False,
    levels: Annotated[int, typer.Option(min=2, max=1000, help="grid values per continuous field")] = 3,
    lhs: Annotated[int | None, typer.Option(min=1, max=10**7, help="Latin hypercube of N samples")] = None,
    design: Annotated[Path | None, typer.Option(help="a design as a CSV file: a header of dotted scenario fields, "
                                                "one row of values per sample")] = None,
    replicates: Replicates = 1,
    farmers: Farmers = None,
    years: Years = None,
    out: ResumableOut = Path("results/sweep"),
    scheduler: Scheduler = None,
    scheduler_timeout: SchedulerTimeout = DASK_TIMEOUT_SECONDS,
    workers: Workers = None,
    batch_size: BatchSize = None,
    run_timeout: RunTimeout = None,
    csv: Annotated[bool, typer.Option("--csv", help="also write every stored row to OUT/runs.csv")] = False,
) -> None:
    """Run scenario files x a design (grid, Latin hypercube or CSV over the [uncertain] fields) x seed replicates.

    A scenario with [posterior] draws is refused: only compare, target and report replicate over them. Exits 1 when
    some runs failed (recorded in OUT/failed/; the same command retries them), 2 when each failed because its values
    make an invalid scenario.
    """
    from experiments.designs import read_design
    from experiments.runs import labels_of, load_labelled
    from experiments.sweep import sweep_scenarios

    if sum(bool(x) for x in (grid, lhs, design)) > 1:
        raise fail("choose one of --grid, --lhs N and --design FILE.csv")
    kind = "grid" if grid else "lhs" if lhs else "csv" if design else "replicates"
    pool = executor(scheduler, workers, timeout=scheduler_timeout)
    progress, update = runs_progress(f"{kind}: runs")
    with user_errors():
        specs = load_labelled(scenarios, replicates)
        table = read_design(design, next(iter(specs.values()))) if design else None
        with progress:
            result = sweep_scenarios(specs, out, kind, levels, lhs, replicates, farmers, years, pool, batch_size, update,
                                     run_timeout, dict(zip(labels_of(scenarios), map(str, scenarios), strict=True)),
                                     table, design)
        written = result.export_csv() if csv else None
    rows = result.rows
    runs = rows.run_id.nunique() if len(rows) else 0
    console.print(Text(f"{runs:,} runs, {len(rows):,} rows in {out}/runs/ (pandas.read_parquet or DuckDB "
                       "read_parquet('runs/*.parquet'))" + (f"; all rows in {written}" if written else "")))
    if len(result.failures):
        failed_sweep(result.failures, out, every=not runs)


#: How a failed run's recorded error starts when its values make an invalid scenario (``build_model``): bad input,
#: which running the same command again cannot fix.
INVALID_RUN = "ExperimentError: invalid scenario"


def failed_sweep(failures: pd.DataFrame, out: Path, every: bool) -> NoReturn:
    """Report the failed runs (``run_id``, ``error``) of a sweep or sensitivity analysis and exit.

    Exit 2 when each failed because its values make an invalid scenario (bad input: retrying cannot help), else 1
    (runs failed: the same command retries them).
    """
    first = failures.iloc[0]
    invalid = failures.error.str.startswith(INVALID_RUN)
    head = f"{'every run failed: ' if every else ''}{len(failures):,} runs failed (recorded in {out}/failed/; "
    if invalid.all():
        error(f"{head}their values make an invalid scenario, which running again cannot fix: narrow the [uncertain] "
              f"ranges or the design); the first, run {first.run_id}: {first.error}")
        raise typer.Exit(USER_ERROR)
    cannot = (f"; {invalid.sum():,} of them because their values make an invalid scenario, which running again cannot "
              "fix" if invalid.any() else "")
    error(f"{head}run the same command again to retry them{cannot}); the first, run {first.run_id}: {first.error}")
    raise typer.Exit(RUNS_FAILED)


@app.command()
def discover(
    directory: Annotated[Path, typer.Argument(help="a sweep or sensitivity output directory")],
    output: Annotated[str, typer.Option(help="an output of interest (from [outputs]) or a yearly column")] = "",
    year: Annotated[int | None, typer.Option(help="year, when --output is a column")] = None,
    above: Annotated[float | None, typer.Option(callback=finite, help="cases of interest: output above this")] = None,
    below: Annotated[float | None, typer.Option(callback=finite, help="cases of interest: output below this")] = None,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0, callback=finite, help="minimum density of the box")
                         ] = 0.8,
) -> None:
    """Scenario discovery (PRIM): the parameter box where the outcome holds, with coverage and density."""
    from analysis.discovery import discover_in_sweep

    if (above is None) == (below is None):
        raise fail("give exactly one of --above or --below")
    with user_errors():
        found = discover_in_sweep(directory, output, year, above, below, threshold)
        found.write(directory)
    box = found.box
    table = Table(title=Text(f"{output} {found.condition}: coverage {box.coverage:.0%}, density {box.density:.0%}, "
                             f"mass {box.mass:.0%}"))
    for column in ("parameter", "low", "high"):
        table.add_column(column)
    for row in box.limits.itertuples():
        table.add_row(Text(row.parameter), f"{row.low:.4g}", f"{row.high:.4g}")
    console.print(table)
    if box.warning:
        warn(box.warning)
    if found.left_out:
        warn(f"{found.left_out} runs left out: their {output} is undefined (NaN) or infinite")
    console.print(Text(f"{box.cases_of_interest} of {box.cases} runs are cases of interest; box in "
                       f"{directory}/discovery.csv"))


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
    seed: Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="ABC seed (default: the first scenario's); "
                                             "the predictive check's seeds follow each scenario's seed, not this")
                    ] = None,
    posterior_draws: Annotated[int, typer.Option(min=1, help="draws written to posterior.csv/.parquet")] = 200,
    ppc_draws: Annotated[int, typer.Option(min=1, help="posterior draws in the predictive check")] = 20,
    ppc_seeds: Annotated[int, typer.Option(min=1, help="seeds per draw in the predictive check")] = 2,
    loco: Annotated[bool, typer.Option("--loco/--no-loco", help="leave each country out in turn")] = True,
    min_acceptance_rate: Annotated[float, typer.Option(min=1e-4, max=1.0, help="stop when a generation's "
                                                       "acceptance rate falls to about this")] = 0.02,
    allow_code_change: Annotated[bool, typer.Option(help="resume an --out started on another model source (sim/ "
                                                    "hash); posterior.json then records both codes")] = False,
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
                                     {label: path for label, path in zip(specs, scenarios, strict=True)},
                                     allow_code_change)
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
    for column in ("country", "pattern", "role", "RMSE", "covered"):
        patterns.add_column(column)
    for row in result.patterns().itertuples():
        patterns.add_row(row.country, row.pattern, "fitted" if row.fit else "checked", f"{row.rmse:.4g}",
                         f"{row.covered:.0%}")
    console.print(patterns)
    console.print(f"results in [bold]{out}/[/] (posterior.csv/.parquet/.json, calibration.md, generations.csv, "
                  "parameters.csv, ppc.csv, patterns.csv, loco.csv, calibration_fit.png, calibration_posterior.png)")
