"""Mesa's SolaraViz, as the dashboard uses it: every dependence on Mesa's visualisation internals is in this module.

Tested with Mesa 3.5.1, the version pinned exactly in pyproject.toml; ``tests/test_dashboard.py`` drives the
page in a browser. Before moving the pin, run that test. What this module relies on:

- ``update_counter`` and ``force_update`` from ``mesa.visualization.utils``, SolaraViz's redraw signal (not
  exported by ``mesa.visualization``): components that read it (``redraw_each_step``) redraw after each step.
- The page and its controls (Reset, Play/Pause, Step) are this module's own, in the page's language: SolaraViz's
  sidebar covers the charts on a laptop screen, its buttons are English only, and its draggable grid needs a
  JavaScript plugin that the offline Solara assets (solara-assets) do not carry. A model stops playing when its
  ``running`` turns False (Mesa's convention).

The levers are the page's own sliders (each shows its value); moving one rebuilds the model at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mesa
import solara
from mesa.visualization.utils import force_update, update_counter

__all__ = ["Lever", "dashboard_page", "redraw_each_step"]

#: Milliseconds between steps while playing: slow enough for an audience to follow a year at a time.
PLAY_INTERVAL_MS = 400
#: Width of the controls panel, px: the rest of a 1280 px laptop screen holds the views and charts.
PANEL_PX = 300

CSS = f"""
.casim-panel {{ flex: 0 0 {PANEL_PX}px; width: {PANEL_PX}px; padding: 0 10px 0 0; }}
.casim-main {{ flex: 1 1 auto; min-width: 0; max-width: 100%; padding-right: 12px; box-sizing: border-box; overflow-x: hidden; }}
.casim-main img {{ max-width: 100%; height: auto; display: block; }}
.casim-row {{ display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }}
.casim-row > div {{ flex: 1 1 0; min-width: 200px; }}
.casim-lever {{ margin: 2px 0 6px; }}
.casim-lever .v-input__slot {{ margin-bottom: 0; }}
.casim-lever-label {{ font-size: 14px; display: flex; justify-content: space-between; gap: 8px; }}
.casim-lever-label b {{ white-space: nowrap; }}
.casim-panel .v-btn {{ text-transform: none; padding: 0 10px !important; min-width: 0 !important; }}
.casim-bar {{ display: flex; align-items: center; gap: 16px; margin-bottom: 6px; }}
.casim-bar h1 {{ font-size: 20px; margin: 0; font-weight: 600; }}
.casim-levers {{ font-size: 15px; }}
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
def LeverSlider(lever: Lever, values: solara.Reactive[dict]) -> None:
    """One lever: its label and current value on a line, the slider below."""
    value = values.value.get(lever.name, lever.value)

    def move(new) -> None:
        values.value = {**values.value, lever.name: int(new) if lever.integer else float(new)}

    with solara.Column(classes=["casim-lever"], gap="0px"):
        solara.HTML(tag="div", unsafe_innerHTML=f"<span>{lever.label}</span><b>{lever.show(value)}</b>",
                    classes=["casim-lever-label"])
        if lever.integer:
            solara.SliderInt("", value=int(value), min=int(lever.min), max=int(lever.max), step=int(lever.step),
                             on_value=move, thumb_label=False)
        else:
            solara.SliderFloat("", value=float(value), min=lever.min, max=lever.max, step=lever.step, on_value=move,
                               thumb_label=False)


@solara.component
def Controls(model: solara.Reactive[mesa.Model], rebuild: Callable[[], None], words: dict[str, str]) -> None:
    """Reset (a new model from the levers), Play / Pause (a step every ``PLAY_INTERVAL_MS``) and Step."""
    playing = solara.use_reactive(False)

    def play() -> None:
        while playing.value and model.value.running:
            time.sleep(PLAY_INTERVAL_MS / 1000)
            if playing.value:
                model.value.step()
                force_update()
        playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        model.value.step()
        force_update()

    def reset() -> None:
        playing.value = False
        rebuild()

    with solara.Row(justify="space-between", style={"flex-wrap": "wrap", "gap": "6px"}):
        solara.Button(words["reset"], color="primary", on_click=reset)
        solara.Button("❚❚" if playing.value else "▶", color="primary", on_click=lambda: playing.set(not playing.value),
                      disabled=not model.value.running)
        solara.Button(words["step"], color="primary", on_click=step, disabled=playing.value or not model.value.running)


@solara.component
def dashboard_page(title: str, model_class: Callable[..., mesa.Model], levers: Sequence[Lever],
                   information: Sequence[Callable[[mesa.Model], Any]], views: Sequence[Callable[[mesa.Model], Any]],
                   charts: Sequence[Callable[[mesa.Model], Any]], words: dict[str, str]) -> None:
    """A bar (title, show/hide controls, information), a collapsible controls panel, and the views and charts.

    ``model_class(**lever values)`` builds a model; it is built once per session with the levers' starting
    values, and again whenever a lever moves. ``words`` holds the page's own labels in the chosen language
    ("hide", "show", "levers", "reset", "step").
    """
    start = {lever.name: lever.value for lever in levers}
    first = solara.use_memo(lambda: model_class(**start), [])
    model = solara.use_reactive(first)
    parameters = solara.use_reactive(start)
    open_panel = solara.use_reactive(True)

    def apply_levers():
        """Moving a lever rebuilds the model at once (Mesa's own controls wait for Reset)."""
        if any(parameters.value.get(k) != getattr(model.value, "levers", {}).get(k) for k in parameters.value):
            model.value = model_class(**parameters.value)

    solara.use_effect(apply_levers, [tuple(sorted(parameters.value.items()))])
    solara.Style(CSS)
    with solara.Column(gap="0px"):
        with solara.Row(classes=["casim-bar"]):
            solara.Button(("◀ " + words["hide"]) if open_panel.value else ("▶ " + words["show"]),
                          on_click=lambda: open_panel.set(not open_panel.value), outlined=True,
                          classes=["casim-toggle"])
            solara.HTML(tag="h1", unsafe_innerHTML=title)
            for view in information:
                view(model.value)
        with solara.Row(style={"flex-wrap": "nowrap", "align-items": "flex-start"}):
            if open_panel.value:
                with solara.Column(classes=["casim-panel"]):
                    Controls(model, lambda: model.set(model_class(**parameters.value)), words)
                    solara.Text(words["levers"], style={"font-weight": "600", "margin-top": "8px"})
                    for lever in levers:
                        LeverSlider(lever, parameters)
            with solara.Column(classes=["casim-main"], gap="4px"):
                with solara.Div(classes=["casim-row"]):
                    for view in views:
                        with solara.Div():
                            view(model.value)
                with solara.Div(classes=["casim-row"]):
                    for chart in charts:
                        with solara.Div():
                            chart(model.value)
