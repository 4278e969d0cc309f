"""The live dashboard (Mesa SolaraViz): sliders for the main levers, the farm network and charts, step by step.

Served by ``casim dashboard`` (``solara run`` on 127.0.0.1). The scenario file comes from the environment
variable ``CASIM_SCENARIO`` (default: scenarios/baseline.toml). Mesa's visualisation is reached only through
``facilitation.solara_mesa``; the model's state only through ``facilitation.model_view``.
"""

from __future__ import annotations

import os
from pathlib import Path

import mesa
import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

import sim
from experiments.runs import build_model, with_overrides, yearly_table
from facilitation import model_view
from facilitation.solara_mesa import Slider, dashboard_page, line_chart, redraw_each_step
from facilitation.story import COLOURS, category, layout, sample_farms

SCENARIO = Path(os.environ.get("CASIM_SCENARIO", Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"))
#: Farms per region drawn in the network view: enough to show villages and exchange links, few enough to redraw
#: every step.
FARMS_SHOWN_PER_REGION = 80
#: Yearly-table columns charted, by their label on the dashboard.
SERIES = {"Full CA": "full_ca_share", "No-till": "no_till_share", "SOC (t C/ha)": "soc_mean_t_c_per_ha",
          "Median income": "income_p50", "Credits (t CO2e)": "credits_t_co2e"}


def lever_overrides(base: sim.Scenario, carbon_price: float, payment_per_ha: float, farmer_share: float,
                    mrv_cost_per_farm: float, exchange_links: int) -> dict:
    """Scenario overrides for the dashboard's levers (a constant carbon price; payments for the whole run)."""
    names = list(base.regions)
    exchange = [{"regions": [names[0], other], "links": int(exchange_links)} for other in names[1:]
                ] if exchange_links and len(names) > 1 else base.network.model_dump()["exchange"]
    return {
        "carbon.price.path": {"kind": "constant", "value": float(carbon_price)},
        "payments.per_ha": {"no_till": float(payment_per_ha), "cover_crops": float(payment_per_ha)},
        "payments.duration_years": base.years if payment_per_ha else base.payments.duration_years,
        "carbon.farmer_share": float(farmer_share),
        "carbon.mrv.cost_per_farm": float(mrv_cost_per_farm),
        "network.exchange": exchange,
    }


class DashboardModel(mesa.Model):
    """The adoption model built from the dashboard's levers, stepped by Mesa's controls, charting its series."""

    def __init__(self, carbon_price: float = 0.0, payment_per_ha: float = 0.0, farmer_share: float = 0.6,
                 mrv_cost_per_farm: float = 150.0, exchange_links: int = 0, farmers: int = 3000,
                 rng: int | None = None) -> None:
        super().__init__(rng=rng)
        base = sim.load_scenario(SCENARIO)
        overrides = lever_overrides(base, carbon_price, payment_per_ha, farmer_share, mrv_cost_per_farm,
                                    exchange_links)
        self.adoption = build_model(with_overrides(base, overrides), seed=None if rng is None else int(rng),
                                    farmers=int(farmers))
        self.levers = dict(carbon_price=carbon_price, payment_per_ha=payment_per_ha, farmer_share=farmer_share,
                           mrv_cost_per_farm=mrv_cost_per_farm, exchange_links=exchange_links, farmers=farmers)
        self.sample = sample_farms(self.adoption, FARMS_SHOWN_PER_REGION)
        self.sample_layout = layout(self.adoption, self.sample, seed=model_view.scenario_of(self.adoption).seed)
        self.datacollector = mesa.DataCollector(
            model_reporters={label: (lambda m, column=column: m.latest(column)) for label, column in SERIES.items()})
        self._refresh()

    def latest(self, column: str) -> float:
        """Latest value of a yearly column for all farmers (NaN before the first year for flows)."""
        return float(self._everyone[column])

    def step(self) -> None:
        """One year, then record the charted series."""
        self.adoption.step()
        self._refresh()

    def _refresh(self) -> None:
        table = yearly_table(self.adoption)
        self._everyone = table[table.region == "all"].iloc[-1]
        self.datacollector.collect(self)


@solara.component
def NetworkView(model: DashboardModel):
    """The sampled farms coloured by practice (grey conventional ... dark green full CA)."""
    redraw_each_step()
    lay = model.sample_layout
    fig = Figure(figsize=(8, 3.6))
    ax = fig.subplots()
    segments = np.stack([np.column_stack([lay.x[lay.edges[:, 0]], lay.y[lay.edges[:, 0]]]),
                         np.column_stack([lay.x[lay.edges[:, 1]], lay.y[lay.edges[:, 1]]])], axis=1)
    ax.add_collection(LineCollection(segments, colors="#d8d8d8", linewidths=0.4))
    colours = np.array(COLOURS)[category(model_view.bundles(model.adoption)[model.sample])]
    ax.scatter(lay.x, lay.y, s=np.where(lay.demo, 60, 14), c=colours, edgecolors="white", linewidths=0.3)
    ax.set_title(f"{model_view.current_year(model.adoption)}: practices on a sample of farms", fontsize=10)
    ax.set_axis_off()
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def LeverView(model: DashboardModel):
    """The year and the levers the running model was built with."""
    redraw_each_step()
    scenario = model_view.scenario_of(model.adoption)
    solara.Text(f"Year {model_view.current_year(model.adoption)}; carbon price "
                f"{model_view.market_price(model.adoption):.0f} {scenario.currency}/t CO2e; "
                f"{scenario.carbon.farmer_share:.0%} to farmers", classes=["casim-levers"])


LEVERS = {
    "carbon_price": Slider("Carbon price (per t CO2e)", value=35.0, min=0.0, max=150.0, step=5.0),
    "payment_per_ha": Slider("Payment per ha (no-till, cover crops)", value=0.0, min=0.0, max=100.0, step=5.0),
    "farmer_share": Slider("Share of carbon value to farmers", value=0.6, min=0.1, max=1.0, step=0.05),
    "mrv_cost_per_farm": Slider("MRV cost per farm and verification", value=150.0, min=0.0, max=1000.0, step=25.0),
    "exchange_links": Slider("Exchange links between regions", value=0, min=0, max=2000, step=100),
    "farmers": 3000,
}

CHARTS = [line_chart(["Full CA", "No-till"]), line_chart("SOC (t C/ha)"), line_chart("Median income")]


@solara.component
def Page():
    """The page ``solara run`` serves."""
    dashboard_page("Conservation Agriculture adoption", DashboardModel, LEVERS, information=[LeverView],
                   views=[NetworkView], charts=CHARTS)
