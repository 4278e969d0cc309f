"""Commands for single runs: ``run``, ``validate`` and ``rothc``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from cli.common import ScenarioArg, app, console, error, load


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file without running it."""
    spec = load(scenario)
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
    from experiments.single import write_manifest, write_yearly
    from sim.model import AdoptionModel

    spec = load(scenario)
    n_years = years or spec.years
    t0 = time.perf_counter()
    try:
        model = AdoptionModel(spec, seed=seed, n_farmers=farmers)
    except ValueError as exc:
        error(str(exc))
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
        error(str(exc))
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
