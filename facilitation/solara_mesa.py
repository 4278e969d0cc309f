"""Mesa's SolaraViz, as the dashboard uses it: every dependence on Mesa's visualisation internals is in this module.

Tested with Mesa 3.5.1, the version pinned exactly in pyproject.toml; ``tests/test_dashboard.py`` drives the
page in a browser. Before moving the pin, run that test. What this module relies on:

- ``update_counter`` and ``force_update`` from ``mesa.visualization.utils``, SolaraViz's redraw signal (not
  exported by ``mesa.visualization``): components that read it (``redraw_each_step``) redraw after each step.
- The page and its controls (Reset, Play/Pause, Step) are this module's own, in the page's language: SolaraViz's
  sidebar covers the charts on a laptop screen, its buttons are English only, and its draggable grid needs a
  JavaScript plugin that the offline Solara assets (solara-assets) do not carry. A model stops playing when its
  ``running`` turns False (Mesa's convention).

The levers are the page's own sliders (each shows its value); moving one rebuilds the model at once, in a thread,
while the page says it is recomputing (a rebuild takes about a second; the views still show the old model). A
lever setting the model refuses (``invalid``) keeps the previous model and sliders and says so in the page's
language. While the first model is built and a warm-up (``warm_up``, once per server) runs, the page says the
model is being prepared: the first use on a computer compiles the model's kernels for a minute or two.
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import solara
from mesa.visualization.utils import force_update, update_counter

__all__ = ["Lever", "dashboard_page", "levers_moved", "redraw_each_step"]

#: Milliseconds between steps while playing: slow enough for an audience to follow a year at a time.
PLAY_INTERVAL_MS = 400
#: Width of the controls panel, px: the rest of a 1280 px laptop screen holds the views and charts; on a narrower
#: screen (an XGA projector, 1024 px) the panel narrows.
PANEL_PX, NARROW_PANEL_PX, NARROW_SCREEN_PX = 300, 250, 1200
#: Narrowest chart, px: charts sit side by side while each gets this much (three beside the panel at 1280 px), else
#: two per row (tick labels of 8 pt stay above 6 px high).
CHART_MIN_PX = 300
#: Opacity of the views while the model they show is being recomputed.
STALE_OPACITY = 0.45

CSS = f"""
.casim-panel {{ flex: 0 0 {PANEL_PX}px; width: {PANEL_PX}px; padding: 0 10px 0 0; }}
.casim-main {{ flex: 1 1 auto; min-width: 0; max-width: 100%; padding-right: 12px; box-sizing: border-box; overflow-x: hidden; }}
.casim-main img {{ max-width: 100%; height: auto; display: block; }}
.casim-row {{ display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }}
.casim-row > div {{ flex: 1 1 0; min-width: 200px; }}
.casim-charts {{ display: grid; grid-template-columns: repeat(auto-fit, minmax({CHART_MIN_PX}px, 1fr)); gap: 8px; }}
.casim-stale {{ opacity: {STALE_OPACITY}; transition: opacity 0.2s; }}
@media (max-width: {NARROW_SCREEN_PX - 1}px) {{
  .casim-panel {{ flex-basis: {NARROW_PANEL_PX}px; width: {NARROW_PANEL_PX}px; }}
}}
.casim-lever {{ margin: 2px 0 6px; }}
.casim-lever .v-input__slot {{ margin-bottom: 0; }}
.casim-lever-label {{ font-size: 14px; display: flex; justify-content: space-between; gap: 8px; }}
.casim-lever-label b {{ white-space: nowrap; }}
.casim-bar .v-btn {{ text-transform: none; padding: 0 10px !important; min-width: 0 !important; }}
.casim-bar {{ display: flex; flex-wrap: wrap; align-items: center; gap: 6px 16px; margin-bottom: 6px; }}
.casim-bar h1 {{ font-size: 20px; margin: 0; font-weight: 600; }}
.casim-controls {{ display: flex; gap: 6px; }}
.casim-levers {{ font-size: 15px; }}
.casim-run, .casim-caption {{ font-size: 13px; color: #555; }}
.casim-moved {{ font-weight: 400; color: #8a5a00; }}
.casim-note {{ font-size: 15px; font-weight: 600; color: #8a5a00; }}
.casim-problem {{ font-size: 14px; color: #b00020; margin: 4px 0; }}
"""


@dataclass(frozen=True)
class Lever:
    """A slider: the model's keyword ``name``, its label (with the unit), range and starting value."""

    name: str
    label: str
    value: float
    min: float
    max: float
    step: float
    integer: bool = False
    show: Callable[[float], str] = str  # how its value is written beside the label


def redraw_each_step() -> None:
    """Call first in a component that shows the model, so it is redrawn after each step."""
    update_counter.get()


@solara.component
def LeverSlider(lever: Lever, values: solara.Reactive[dict], revision: int = 0) -> None:
    """One lever: its label and current value on a line, the slider below.

    ``revision``: a new one re-creates the slider at ``values``' value (a slider keeps the value it was moved to
    when ``values`` goes back to the model's).
    """
    value = values.value.get(lever.name, lever.value)

    def move(new) -> None:
        values.value = {**values.value, lever.name: int(new) if lever.integer else float(new)}

    with solara.Column(classes=["casim-lever"], gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML=f"<span>{lever.label}</span><b>{lever.show(value)}</b>",
                    classes=["casim-lever-label"])
        if lever.integer:
            solara.SliderInt("", value=int(value), min=int(lever.min), max=int(lever.max), step=int(lever.step),
                             on_value=move, thumb_label=False).key(f"{lever.name}-{revision}")
        else:
            solara.SliderFloat("", value=float(value), min=lever.min, max=lever.max, step=lever.step, on_value=move,
                               thumb_label=False).key(f"{lever.name}-{revision}")


#: Set once the warm-up has run in this server process (every page of the server shares the compiled kernels).
_WARM = threading.Event()
#: Held while a model is built or stepped, or the warm-up runs: builds run in threads beside steps and other pages,
#: and Numba's workqueue threading layer (its fallback without OpenMP or TBB, e.g. on macOS) aborts the process
#: when two threads enter parallel kernels at once.
_MODEL_LOCK = threading.RLock()


@solara.component
def Controls(model: solara.Reactive[mesa.Model | None], rebuild: Callable[[], None], words: dict[str, str],
             busy: bool) -> None:
    """Reset (a new model from the levers), Play / Pause (a step every ``PLAY_INTERVAL_MS``) and Step.

    ``busy``: the model is being prepared or recomputed; Play and Step wait for it.
    """
    playing = solara.use_reactive(False)

    def play() -> None:
        while playing.value and model.value is not None and model.value.running:
            time.sleep(PLAY_INTERVAL_MS / 1000)
            if playing.value:
                with _MODEL_LOCK:
                    model.value.step()
                force_update()
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        with _MODEL_LOCK:
            model.value.step()
        force_update()

    def reset() -> None:
        playing.value = False
        rebuild()

    can_run = model.value is not None and model.value.running and not busy
    with solara.Div(classes=["casim-controls"]):
        solara.Button(words["reset"], color="primary", on_click=reset, disabled=busy)
        solara.Button("❚❚" if playing.value else "▶", color="primary", on_click=lambda: playing.set(not playing.value),
                      disabled=not can_run)
        solara.Button(words["step"], color="primary", on_click=step, disabled=playing.value or not can_run)


def levers_moved(values: dict[str, float], start: dict[str, float], unmarked: Collection[str] = ()) -> bool:
    """Whether a lever other than the ``unmarked`` ones is not at its starting value (the title then says so).

    A run's seed is unmarked in casim's dashboard: another draw of the same scenario, which the run's caption says.
    """
    return any(values[name] != value for name, value in start.items() if name not in unmarked)


@solara.component
def dashboard_page(title: str, model_class: Callable[..., mesa.Model], levers: Sequence[Lever],
                   information: Sequence[Callable[[mesa.Model], Any]], views: Sequence[Callable[[mesa.Model], Any]],
                   charts: Sequence[Callable[[mesa.Model], Any]], words: dict[str, str],
                   invalid: tuple[type[Exception], ...] = (), warm_up: Callable[..., None] | None = None,
                   view_widths: Sequence[float] | None = None, unmarked: Collection[str] = ()) -> None:
    """A bar (show/hide controls, title, Reset / Play / Step, information), a levers panel, the views and charts.

    ``model_class(**lever values)`` builds a model (it keeps them as ``levers``); it is built in a thread with the
    levers' starting values, and again whenever a lever moves. It may raise one of ``invalid`` for a setting it
    refuses: the previous model stays and the sliders go back to its values. ``warm_up(**lever values)`` runs once
    per server process, beside the first model. ``view_widths``: the views' figures' widths (any unit): a row
    narrower than the figures shares its width in those proportions, so that their text shrinks alike (equal
    shares by default). ``words`` holds the page's own labels in the chosen language
    ("hide", "show", "levers", "reset", "step", "preparing", "recomputing", "invalid", and "moved", marking the
    title while the model's levers, the ``unmarked`` ones aside, are not the starting ones: ``levers_moved``).
    """
    start = {lever.name: lever.value for lever in levers}
    model = solara.use_reactive(None)
    parameters = solara.use_reactive(start)
    open_panel = solara.use_reactive(True)
    problem = solara.use_reactive(False)
    revision = solara.use_reactive(0)  # sliders re-created after a refused setting
    warm = solara.use_reactive(_WARM.is_set() or warm_up is None)

    def rebuild_from_levers() -> None:
        """A new model for the levers' values, unless the model already has them or they moved again meanwhile."""
        values, current = dict(parameters.value), model.value
        if current is not None and values == current.levers:
            return
        try:
            with _MODEL_LOCK:
                built = model_class(**values)
        except invalid:
            problem.value = True
            if current is not None:
                parameters.value = dict(current.levers)
                revision.value += 1
            return
        if parameters.value == values:
            problem.value = False
            model.value = built

    def rebuild_now() -> None:
        """Reset: a new model from the levers (valid: a refused setting never stays in ``parameters``)."""
        with _MODEL_LOCK:
            model.value = model_class(**parameters.value)

    def prepare() -> None:
        if warm_up is not None:
            with _MODEL_LOCK:
                if not _WARM.is_set():
                    warm_up(**start)
                    _WARM.set()
        warm.value = True

    solara.lab.use_task(rebuild_from_levers, dependencies=[tuple(sorted(parameters.value.items()))],
                        prefer_threaded=True)
    solara.lab.use_task(prepare, dependencies=[], prefer_threaded=True)
    shown = model.value
    stale = shown is not None and parameters.value != shown.levers
    solara.Style(CSS)
    with solara.Column(gap="0px"):
        with solara.Div(classes=["casim-bar"]):
            solara.Button(("◀ " + words["hide"]) if open_panel.value else ("▶ " + words["show"]),
                          on_click=lambda: open_panel.set(not open_panel.value), outlined=True,
                          classes=["casim-toggle"])
            moved = f' <span class="casim-moved">({html.escape(words["moved"])})</span>'
            marked = shown is not None and levers_moved(shown.levers, start, unmarked)
            solara.HTML(tag="h1", unsafe_innerHTML=title + (moved if marked else ""))
            Controls(model, rebuild_now, words,
                     busy=shown is None or stale or not warm.value)
            if shown is None or not warm.value:
                solara.Text(words["preparing"], classes=["casim-note"])
            elif stale:
                solara.Text(words["recomputing"], classes=["casim-note"])
            if shown is not None:
                for view in information:
                    view(shown)
        with solara.Row(style={"flex-wrap": "nowrap", "align-items": "flex-start"}):
            if open_panel.value:
                with solara.Column(classes=["casim-panel"]):
                    solara.Text(words["levers"], style={"font-weight": "600"})
                    if problem.value:
                        solara.Text(words["invalid"], classes=["casim-problem"])
                    for lever in levers:
                        LeverSlider(lever, parameters, revision.value)
            if shown is not None:
                with solara.Column(classes=["casim-main"] + (["casim-stale"] if stale else []), gap="4px"):
                    with solara.Div(classes=["casim-row"]):
                        for view, width in zip(views, view_widths or [1.0] * len(views), strict=True):
                            with solara.Div(style={"flex": f"{width} 1 0"}):
                                view(shown)
                    with solara.Div(classes=["casim-charts"]):
                        for chart in charts:
                            with solara.Div():
                                chart(shown)
