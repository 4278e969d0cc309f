"""Mesa's SolaraViz, as the dashboard uses it: every dependence on Mesa's visualisation internals is in this module.

Tested with Mesa 3.5.1, the version pinned exactly in pyproject.toml; ``tests/test_dashboard.py`` drives the
page in a browser. Before moving the pin, run that test. What this module relies on:

- ``ModelController``, ``ModelCreator`` and ``ShowSteps`` from ``mesa.visualization.solara_viz`` and
  ``update_counter`` from ``mesa.visualization.utils``: SolaraViz's parts, not exported by
  ``mesa.visualization``. The page is assembled from them because SolaraViz's own draggable grid needs a
  JavaScript plugin that the offline Solara assets (solara-assets) do not carry.
- ``ModelController``'s Reset rebuilds the model as ``type(model)(**lever values)``, and ``ModelCreator`` checks
  the lever names against that signature: the model class takes its levers as keyword arguments with defaults,
  and must not set an attribute named ``scenario`` other than Mesa's own (Mesa treats it as an experiment
  scenario and passes it back to the constructor).
- Mesa's lever controls only take effect on Reset; here moving a lever rebuilds the model at once (the model
  exposes the values it was built with as ``levers``).
- Components redraw after each step when they read ``update_counter`` (``redraw_each_step``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mesa
import solara
from mesa.visualization import Slider, make_plot_component
from mesa.visualization.solara_viz import ModelController, ModelCreator, ShowSteps
from mesa.visualization.utils import update_counter

__all__ = ["Slider", "dashboard_page", "line_chart", "redraw_each_step"]

#: Milliseconds between steps while playing: slow enough for an audience to follow a year at a time.
PLAY_INTERVAL_MS = 400
#: Redraw the views after every step.
RENDER_EVERY_STEPS = 1


def redraw_each_step() -> None:
    """Call first in a component that shows the model, so it is redrawn after each step."""
    update_counter.get()


def line_chart(measures: str | list[str]) -> Callable[[mesa.Model], Any]:
    """A chart component of one or more model-level series of the model's ``datacollector``."""
    return make_plot_component(measures)[0]


def initial_levers(levers: dict[str, Any]) -> dict[str, Any]:
    """The value each lever starts at (a slider's value, or the fixed value)."""
    return {name: lever.value if isinstance(lever, Slider) else lever for name, lever in levers.items()}


@solara.component
def dashboard_page(title: str, model_class: Callable[..., mesa.Model], levers: dict[str, Any],
                   information: Sequence[Callable[[mesa.Model], Any]], views: Sequence[Callable[[mesa.Model], Any]],
                   charts: Sequence[Callable[[mesa.Model], Any]]) -> None:
    """Controls, levers and information in the sidebar; views, then charts in a row, in the main column.

    ``model_class(**lever values)`` builds a model; it is built once per session with the levers' initial values.
    """
    first = solara.use_memo(lambda: model_class(**initial_levers(levers)), [])
    model = solara.use_reactive(first)
    parameters = solara.use_reactive({})
    play_interval = solara.use_reactive(PLAY_INTERVAL_MS)
    render_interval = solara.use_reactive(RENDER_EVERY_STEPS)
    use_threads = solara.use_reactive(False)

    def apply_levers():
        """Moving a lever rebuilds the model at once (Mesa's own controls wait for Reset)."""
        if parameters.value and any(parameters.value.get(k) != getattr(model.value, "levers", {}).get(k)
                                    for k in parameters.value):
            model.value = model_class(**parameters.value)

    solara.use_effect(apply_levers, [tuple(sorted(parameters.value.items()))])
    with solara.AppBar():
        solara.AppBarTitle(title)
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            ModelController(model, model_parameters=parameters, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
        with solara.Card("Levers"):
            ModelCreator(model, levers, model_parameters=parameters)
        with solara.Card("Information"):
            ShowSteps(model.value)
            for view in information:
                view(model.value)
    with solara.Column():
        for view in views:
            view(model.value)
        with solara.Row():
            for chart in charts:
                chart(model.value)
