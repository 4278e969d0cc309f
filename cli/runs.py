"""Commands for single runs: ``run``, ``validate`` and ``rothc``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from cli.common import app, console, err_console, load, runs_progress, user_errors
from cli.options import Farmers, Out, ScenarioArg, Seed, Years

if TYPE_CHECKING:
    import pandas as pd


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file without running it (its experiment tables and posterior draws too)."""
    from experiments.posterior import posterior_draws
    from experiments.runs import available_memory
    from experiments.spec import check_patterns, outputs_of
    from sim.footprint import gigabytes, run_footprint

    spec = load(scenario)  # with the soil model's start-up checks, as run has
    with user_errors():
        outputs_of(spec, source=scenario)
        check_patterns(spec, source=scenario)
        if spec.posterior is not None:
            posterior_draws(spec, scenario)
    farmers = sum(r.farmers for r in spec.regions.values())
    console.print(Text.assemble(("ok", "green"), f" {scenario}: '{spec.name}', {len(spec.regions)} regions, "
                                f"{farmers:,} farmers, {spec.start_year}-{spec.end_year}"))
    footprint, available = run_footprint(spec), available_memory()
    if footprint.bytes > available:
        err_console.print(Text.assemble(("warning: ", "bold yellow"), f"a run of {footprint.describe()} needs more "
                                        f"memory than this machine has available ({gigabytes(available)}); use "
                                        "--farmers to run it smaller"))


@app.command()
def run(
    scenario: ScenarioArg,
    seed: Seed = None,
    years: Years = None,
    farmers: Farmers = None,
    out: Out = Path("results"),
) -> None:
    """Run one scenario; write yearly.parquet (and .csv, .xlsx copies), manifest.json, start_constants.csv, trajectories.png.

    The files go to OUT; start_constants.csv only when the decision rule has constants.

    A [posterior] table is not used: the run takes the scenario's own values (compare, target and report replicate
    over posterior draws).
    """
    from experiments.posterior import POSTERIOR_COMMANDS
    from experiments.runs import check_size
    from experiments.single import run_single
    from experiments.store import check_writable
    from sim.incentives.counterfactual import has_programme

    spec = load(scenario)
    if spec.posterior is not None:
        err_console.print(Text(f"note: {scenario} names [posterior] draws ({spec.posterior.file}); 'casim run' does not "
                               f"use them: it runs the scenario's own values with one seed ({', '.join(POSTERIOR_COMMANDS)}"
                               " replicate over the draws)"), soft_wrap=True)
    with user_errors():  # before simulating: a run that cannot fit, or results that cannot be written
        check_size(spec, farmers, years, source=scenario)
        check_writable(out)
    progress, update = runs_progress(spec.name, unit="years", transient=True)
    with progress, user_errors():
        result = run_single(spec, scenario, seed, years, farmers, update)
    with user_errors():
        written = result.write(out)
    console.print(summary_table(result.table, spec.currency, console.width))
    console.print(Text(stored_note(result.table, has_programme(spec), spec.soil.model == "rothc")))
    console.print(f"{result.farmers:,} farmers x {result.years} years in {result.run_seconds:.2f} s "
                  f"(+ {result.build_seconds:.2f} s set-up); results in [bold]{out}/[/] "
                  f"({', '.join(path.name for path in written)})")
    describe_constants(result.start_constants, spec.currency)


def describe_constants(constants: pd.DataFrame, currency: str) -> None:
    """Print one line on the decision rule's constants, which shape every policy result.

    Warns when the start's fit missed its shares or hit its bound, or its supply stopped short of its fixed point.
    """
    if constants.empty:
        return
    largest = constants.loc[constants.value_per_ha.abs().idxmax()]
    console.print(f"decision constants (unmodelled net benefits, start_constants.csv): largest {largest.term} in "
                  f"{largest.region}, {largest.value_per_ha:+,.0f} {currency}/ha/yr = {largest.noise_scales:+.1f} "
                  f"noise scales = {largest.share_of_margin:+.0%} of the conventional margin")
    missed = constants[(constants.fit_error > FIT_ERROR_WARNING) | constants.at_bound]
    for region in missed.region.unique():
        rows = missed[missed.region == region]
        err_console.print(Text.assemble(("warning: ", "bold yellow"), (
            f"{region}: the start in equilibrium reached its initial shares only to {rows.fit_error.max():.1%}"
            + (" with constants at their bound" if rows.at_bound.any() else "")
            + ": the modelled economics and constraints cannot sustain the file's shares")))
    short = constants[~constants.supply_at_fixed_point.astype(bool)]
    for region in short.region.unique():
        gap = short[short.region == region].supply_gap.max()
        err_console.print(Text.assemble(("warning: ", "bold yellow"), (
            f"{region}: the start's dealer and hire-service reach is {gap:.1%} of farms from the steady state of the "
            "no-till area its fitted chains imply (the fixed point was not reached): its adoption may drift towards "
            "it (docs/ODD.md section 5)")))


#: Largest gap between an initial share and the fitted steady state that passes without a warning (a share).
FIT_ERROR_WARNING = 1e-3


def stored_note(frame: pd.DataFrame, programme: bool, rothc: bool = False) -> str:
    """What "t CO2e stored" counts, and with a ``programme`` the tonnes additional to its counterfactual by region.

    The stored tonnes are every change of the farms' SOC since the start, whatever its cause; only the additional
    ones (beyond the same farms and seeds without the programme) are the programme's. With ``rothc`` the stocks
    follow each year's weather (crop inputs), so the last year's stored tonnes are one year's snapshot.
    """
    from facilitation.i18n import language

    lang = language(None)
    note = "t CO2e stored: the change of the farms' SOC since the start, x 44/12, whatever its cause."
    if rothc:
        note += (" With RothC the stocks follow each year's weather through the crops' carbon inputs: the last year's "
                 "figure is one year's (yearly.parquet has every year; the additional tonnes share the weather).")
    if not programme:
        return note + " Without a programme nothing here is additional."
    end = frame[frame["year"] == frame["year"].max()].set_index("region").additional_cum_t_co2e
    regions = ", ".join(f"{lang.region(region)} {tonnes:,.0f}" for region, tonnes in end.drop("all").items())
    return (f"{note} Additional (beyond the same farms and seeds without the programme: what a price or payment can "
            f"claim): {end['all']:,.0f} t CO2e ({regions}).")


def summary_table(frame: pd.DataFrame, currency: str, width: int = 80) -> Table:
    """First -> last year by region: adoption, SOC, CO2e stored, the "4 per 1000" index over the period, income.

    Region names are never shortened (the other columns wrap instead), so the table reads in a terminal of
    ``width`` columns from 80 on.
    """
    from facilitation.i18n import language
    from facilitation.summary import four_per_1000_over_period

    lang = language(None)
    first, last = frame["year"].min(), frame["year"].max()
    start = frame[frame["year"] == first].set_index("region")
    end = frame[frame["year"] == last].set_index("region")
    rows = []
    for region in end.index:
        a, b = start.loc[region], end.loc[region]
        rows.append([
            lang.region(region),
            f"{a.no_till_share:.0%} → {b.no_till_share:.0%}",
            f"{a.full_ca_share:.0%} → {b.full_ca_share:.0%}",
            f"{a.soc_mean_t_c_per_ha:.1f} → {b.soc_mean_t_c_per_ha:.1f}",
            f"{b.co2e_stored_cum_t:,.0f}",
            f"{four_per_1000_over_period(frame[frame.region == region]):.2f}",
            f"{b.income_p50:,.0f}",
        ])
    table = Table(title=f"{first} → {last}", box=box.SIMPLE_HEAD)
    headers = ("region", "no-till", "full CA", "SOC (t C/ha)", "t CO2e stored", "4 per 1000 index (mean)",
               f"median cash income ({currency}/ farm)")
    columns = list(zip(*rows, strict=True))
    natural = [max(len(header), *map(len, cells)) for header, cells in zip(headers, columns, strict=True)]
    # each column may wrap at spaces down to its longest word; numbers and region names never break
    narrowest = [max(len(word) for text in (header, *cells) for word in text.split())
                 for header, cells in zip(headers, columns, strict=True)]
    narrowest[0] = natural[0]
    widths = list(narrowest)
    room = width - (3 * len(headers) + 1) - sum(widths)  # padding 1 + 1 and a separator per column, the edge
    # spare room goes first to cells on one line, then to headers on fewer lines
    for wanted in ([max(map(len, cells)) for cells in columns], natural):
        for i, target in enumerate(wanted):
            extra = min(max(target - widths[i], 0), max(room, 0))
            widths[i] += extra
            room -= extra
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right", no_wrap=i == 0, width=widths[i])
    for row in rows:
        table.add_row(*row)
    return table


@app.command()
def rothc(
    input_file: Annotated[Path, typer.Argument(help="RothC input file in the official format (RothC_input.dat)")],
    out: Out = Path("results/rothc"),
) -> None:
    """Run a RothC input file; write month_results.csv and year_results.csv (official columns)."""
    from sim.soil.rothc_io import RothCInputError, read_input, run_input

    with user_errors(RothCInputError):
        spec = read_input(input_file)
    months, years = result = run_input(spec)
    result.write(out)
    spin_up = years.iloc[0]
    last = years.iloc[-1]
    console.print(f"spin-up: {int(spin_up.Month):,} months to equilibrium, SOC {spin_up.SOC_t_C_ha:.4f} t C/ha; "
                  f"{len(months):,} months run; SOC {int(last.Year)}: {last.SOC_t_C_ha:.4f} t C/ha; "
                  f"results in [bold]{out}/[/]")
