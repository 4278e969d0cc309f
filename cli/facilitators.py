"""Commands for facilitators: ``report``, ``animate`` and ``dashboard``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import ScenarioArg, app, console, error, load


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
    from experiments.runs import label_of
    from facilitation.report import render
    from facilitation.story import tell

    specs = [(label_of(p), load(p)) for p in scenarios]
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
    from facilitation.animation import animate as write_animation
    from facilitation.story import tell

    spec = load(scenario)
    if out.suffix.lower() not in (".gif", ".mp4"):
        error(f"--out {out}: expected a .gif or .mp4 file name")
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

    import facilitation.dashboard_app as app_module

    env = dict(os.environ)
    if scenario is not None:
        load(scenario)
        env["CASIM_SCENARIO"] = str(scenario.resolve())
    console.print(f"dashboard on [bold]http://127.0.0.1:{port}[/] (Ctrl+C stops it)")
    command = [sys.executable, "-m", "solara", "run", app_module.__file__, "--host", "127.0.0.1", "--port", str(port),
               "--production", "--no-open"]
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
