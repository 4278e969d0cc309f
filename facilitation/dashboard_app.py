"""The live dashboard (Mesa SolaraViz): sliders for the main levers, the farm network and charts, step by step.

Served by ``casim dashboard`` (``solara run`` on 127.0.0.1). The scenario file comes from the environment
variable ``CASIM_SCENARIO`` (default: scenarios/baseline.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

import mesa
import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization import Slider, make_plot_component
from mesa.visualization.solara_viz import ModelController, ModelCreator, ShowSteps
from mesa.visualization.utils import update_counter

import sim
from facilitation.story import COLOURS, category, layout, sample_farms
from sim.scenario_loader import scenario_with_overrides

SCENARIO = Path(os.environ.get("CASIM_SCENARIO", Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"))


class DashboardModel(sim.AdoptionModel):
    """The adoption model built from the dashboard's levers, collecting the charted series each year."""

    def __init__(self, carbon_price: float = 0.0, payment_per_ha: float = 0.0, farmer_share: float = 0.6,
                 mrv_cost_per_farm: float = 150.0, exchange_links: int = 0, farmers: int = 3000,
                 rng: int | None = None) -> None:
        base = sim.load_scenario(SCENARIO)
        names = list(base.regions)
        exchange = [{"regions": [names[0], other], "links": int(exchange_links)} for other in names[1:]
                    ] if exchange_links and len(names) > 1 else base.network.model_dump()["exchange"]
        scenario = scenario_with_overrides(base, {
            "carbon.price": {**base.carbon.price.model_dump(), "kind": "constant", "value": float(carbon_price)},
            "payments.per_ha": {"no_till": float(payment_per_ha), "cover_crops": float(payment_per_ha)},
            "payments.duration_years": base.years if payment_per_ha else base.payments.duration_years,
            "carbon.farmer_share": float(farmer_share),
            "carbon.mrv.cost_per_farm": float(mrv_cost_per_farm),
            "network.exchange": exchange,
        })
        super().__init__(scenario, seed=None if rng is None else int(rng), n_farmers=int(farmers),
                         create_agents=False)
        self.levers = dict(carbon_price=carbon_price, payment_per_ha=payment_per_ha, farmer_share=farmer_share,
                           mrv_cost_per_farm=mrv_cost_per_farm, exchange_links=exchange_links, farmers=farmers)
        self.sample = sample_farms(self, 80)
        self.sample_layout = layout(self, self.sample, seed=self.seed)
        self.datacollector = mesa.DataCollector(model_reporters={
            "Full CA": lambda m: m.latest("full_ca_share"),
            "No-till": lambda m: m.latest("no_till_share"),
            "SOC (t C/ha)": lambda m: m.latest("soc_mean_t_c_per_ha"),
            "Median income": lambda m: m.latest("income_p50"),
            "Credits (t CO2e)": lambda m: m.latest("credits_t_co2e"),
        })
        self.datacollector.collect(self)

    def latest(self, column: str) -> float:
        """Latest value of a yearly column for all farmers (NaN before the first year for flows)."""
        values = self.recorder.columns[column]
        return float(values[-1])  # the last row of a year is region 'all'

    def step(self) -> None:
        """One year, then record the charted series."""
        super().step()
        self.datacollector.collect(self)


@solara.component
def NetworkView(model: DashboardModel):
    """The sampled farms coloured by practice (grey conventional ... dark green full CA)."""
    update_counter.get()
    lay = model.sample_layout
    fig = Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    segments = np.stack([np.column_stack([lay.x[lay.edges[:, 0]], lay.y[lay.edges[:, 0]]]),
                         np.column_stack([lay.x[lay.edges[:, 1]], lay.y[lay.edges[:, 1]]])], axis=1)
    ax.add_collection(LineCollection(segments, colors="#d8d8d8", linewidths=0.4))
    colours = np.array(COLOURS)[category(model.state.bundle[model.sample])]
    ax.scatter(lay.x, lay.y, s=np.where(lay.demo, 60, 14), c=colours, edgecolors="white", linewidths=0.3)
    ax.set_title(f"{model.year}: practices on a sample of farms", fontsize=10)
    ax.set_axis_off()
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def LeverView(model: DashboardModel):
    """The year and the levers the running model was built with."""
    update_counter.get()
    c = model.config
    solara.Text(f"Year {model.year}; carbon price {model.carbon.market_price(model.year):.0f} {c.currency}/t CO2e; "
                f"{c.carbon.farmer_share:.0%} to farmers", classes=["casim-levers"])


model_params = {
    "carbon_price": Slider("Carbon price (per t CO2e)", value=35.0, min=0.0, max=150.0, step=5.0),
    "payment_per_ha": Slider("Payment per ha (no-till, cover crops)", value=0.0, min=0.0, max=100.0, step=5.0),
    "farmer_share": Slider("Share of carbon value to farmers", value=0.6, min=0.1, max=1.0, step=0.05),
    "mrv_cost_per_farm": Slider("MRV cost per farm and verification", value=150.0, min=0.0, max=1000.0, step=25.0),
    "exchange_links": Slider("Exchange links between regions", value=0, min=0, max=2000, step=100),
    "farmers": 3000,
}

CHARTS = [make_plot_component(["Full CA", "No-till"])[0], make_plot_component("SOC (t C/ha)")[0],
          make_plot_component("Median income")[0]]


@solara.component
def Page():
    """Mesa's SolaraViz controls and levers in the sidebar; the network and charts in one column.

    (Mesa's draggable grid needs a JavaScript plugin that the offline Solara assets do not carry, so the
    components are laid out in a plain column; everything is served from this machine.)
    """
    first = solara.use_memo(lambda: DashboardModel(carbon_price=35.0), [])  # built once per session
    model = solara.use_reactive(first)
    parameters = solara.use_reactive({})
    play_interval = solara.use_reactive(400)
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)

    def apply_levers():
        """Moving a lever rebuilds the model at once (Mesa's own controls wait for Reset)."""
        if parameters.value and any(parameters.value.get(k) != getattr(model.value, "levers", {}).get(k)
                                    for k in parameters.value):
            model.value = DashboardModel(**parameters.value)

    solara.use_effect(apply_levers, [tuple(sorted(parameters.value.items()))])
    with solara.AppBar():
        solara.AppBarTitle("Conservation Agriculture adoption")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            ModelController(model, model_parameters=parameters, play_interval=play_interval,
                            render_interval=render_interval, use_threads=use_threads)
        with solara.Card("Levers"):
            ModelCreator(model, model_params, model_parameters=parameters)
        with solara.Card("Information"):
            ShowSteps(model.value)
            LeverView(model.value)
    with solara.Column():
        NetworkView(model.value)
        with solara.Row():
            for chart in CHARTS:
                chart(model.value)
