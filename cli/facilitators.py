"""Commands for facilitators: ``report``, ``animate`` and ``dashboard``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import app, console, fail, load, replicated_runs, user_errors
from cli.options import Farmers, Replicates, ScenarioArg, Scheduler, Workers, Years
from facilitation import default_scenario
from facilitation.i18n import LANGUAGES, UnknownLanguage, language

Sample = Annotated[int, typer.Option(min=10, help="farms per region shown in the network animation")]
Lang = Annotated[str, typer.Option("--lang", help=f"language of the text: {', '.join(LANGUAGES)}")]


def check_port_free(port: int) -> None:
    """Fail with a clear message when ``port`` on 127.0.0.1 is taken (by an earlier dashboard, say).

    Binds as the server will (``SO_REUSEADDR``, uvicorn's default), so a port left in TIME_WAIT counts as free.
    """
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise fail(f"port {port} on 127.0.0.1 is in use ({exc.strerror}): a dashboard may already be running "
                       f"there (stop it with Ctrl+C in its terminal), or choose another port with --port") from None


def chosen_language(code: str):
    """The language of ``--lang``, or a clean error naming the codes on offer."""
    with user_errors(UnknownLanguage):
        return language(code)


@app.command()
def report(
    scenarios: Annotated[list[Path], typer.Argument(help="scenario files (the first is the reference)",
                                                    show_default=False)],
    out: Annotated[Path, typer.Option(help="the HTML file to write")] = Path("results/report.html"),
    replicates: Replicates = 1,
    farmers: Farmers = None,
    years: Years = None,
    sample: Sample = 150,
    lang: Lang = "en",
    scheduler: Scheduler = None,
    workers: Workers = None,
) -> None:
    """Write one self-contained HTML report (summaries, animation, map, charts, comparison) that opens offline.

    Press P in it for presentation mode; print it for a handout with key frames.
    """
    from experiments.store import check_writable_file
    from facilitation.geography import UnknownCountry
    from facilitation.report import make_report

    chosen_language(lang)
    with user_errors():  # before running: a report that cannot be written would lose the runs
        check_writable_file(out)
    with replicated_runs(scenarios, replicates, scheduler, workers) as (specs, pool, update), user_errors(UnknownCountry):
        result = make_report(specs, replicates, farmers, years, sample, pool, update, lang)
    path = result.write(out)
    console.print(f"report: [bold]{path}[/] ({path.stat().st_size / 1e6:.1f} MB, opens offline in any browser)")


@app.command()
def animate(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option(help="adoption.gif or adoption.mp4")] = Path("results/adoption.gif"),
    farmers: Farmers = None,
    years: Years = None,
    sample: Sample = 150,
    fps: Annotated[float, typer.Option(min=0.1, help="frames (years) per second")] = 2.0,
    size: Annotated[str, typer.Option(help="frame size in pixels, WIDTHxHEIGHT (1920x1080 for a full-HD "
                                           "projector)")] = "1280x720",
    lang: Lang = "en",
) -> None:
    """Write a GIF or MP4 of adoption spreading through the farm network, one frame per year."""
    from experiments.store import check_writable_file
    from facilitation.animation import animate_scenario, check_format, parse_size

    spec = load(scenario)
    with user_errors(ValueError):
        check_format(out)
        pixels = parse_size(size)
        check_writable_file(out)
    chosen = chosen_language(lang)
    with user_errors(), console.status("simulating and drawing ..."):
        frames = animate_scenario(spec, out, farmers, years, sample, fps, label=scenario.stem, size=pixels,
                                  lang=chosen)
    console.print(f"animation: [bold]{out}[/] ({frames} frames, one per year, {pixels[0]}x{pixels[1]} px)")


@app.command()
def dashboard(
    scenario: Annotated[Path | None, typer.Argument(help="scenario file (default: scenarios/baseline.toml of the "
                                                         "checkout casim is installed from)")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="port on 127.0.0.1")] = 8765,
    lang: Lang = "en",
) -> None:
    """Start the live Mesa SolaraViz dashboard on http://127.0.0.1:PORT (Ctrl+C stops it)."""
    import os
    import subprocess
    import sys
    from importlib.util import find_spec

    chosen_language(lang)
    # Offline forums: Solara must not ask PyPI for a newer version ("New version available... pip install" in the
    # log; --no-check-version) nor send usage telemetry (api.ipify.org, api.mixpanel.com) while serving. Its footer
    # ("This website runs on Solara", an English link to the internet) is hidden, its loader is the plain one
    # (without "Made with Solara").
    env = dict(os.environ, CASIM_LANG=lang, SOLARA_TELEMETRY_MIXPANEL_ENABLE="False",
               SOLARA_THEME_SHOW_BANNER="False", SOLARA_THEME_LOADER="plain")
    with user_errors():
        path = scenario or default_scenario()
    load(path)
    env["CASIM_SCENARIO"] = str(path.resolve())
    check_port_free(port)
    console.print(f"dashboard on [bold]http://127.0.0.1:{port}[/] (Ctrl+C stops it)")
    page = find_spec("facilitation.dashboard_app").origin  # the file solara serves (not imported here)
    command = [sys.executable, "-m", "solara", "run", page, "--host", "127.0.0.1", "--port", str(port),
               "--production", "--no-open", "--no-check-version"]
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
