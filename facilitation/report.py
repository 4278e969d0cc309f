"""One self-contained HTML file for facilitators: the network animation, charts, comparison and a plain summary.

Everything is inline (Plotly's JavaScript included once, CSS in the page, no fonts or images fetched), so the file
opens on a borrowed laptop with no network.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

import sim
from analysis.compare import compare, markdown
from experiments.executors import Executor
from experiments.runs import describe_replicates
from facilitation.story import CATEGORIES, COLOURS, REGION_SPACING, Story, summary_sentences, tell_stories

CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["sendDataToCloud"]}
METRICS = (
    ("full_ca_share", "Full CA (share of farmers)", ".0%"),
    ("no_till_share", "No-till (share of farmers)", ".0%"),
    ("soc_mean_t_c_per_ha", "Soil organic carbon (t C/ha)", ".1f"),
    ("four_per_1000_index", "'4 per 1000' index (1 = target)", ".2f"),
    ("yield_mean_kg_per_ha", "Mean yield (kg/ha)", ",.0f"),
    ("income_p50", "Median farm income", ",.0f"),
)
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
#: The summary speaks of this year when the run reaches it (the forum's horizon: "80 % CA by 2040"), else of the
#: last simulated year.
MILESTONE_YEAR = 2040


def network_figure(story: Story) -> go.Figure:
    """Animated network of sampled farms, coloured by practice category; play/pause and a year slider."""
    lay = story.layout
    ex, ey = [], []
    for a, b in lay.edges:
        ex += [lay.x[a], lay.x[b], None]
        ey += [lay.y[a], lay.y[b], None]
    colours = np.array(COLOURS)
    size = np.where(lay.demo, 14, 7)
    hover = [f"farm {f}{' (demonstration farm)' if d else ''}" for f, d in zip(lay.farms, lay.demo, strict=True)]

    def nodes(frame: int) -> go.Scatter:
        return go.Scatter(x=lay.x, y=lay.y, mode="markers", hovertext=hover, hoverinfo="text", showlegend=False,
                          marker=dict(color=colours[story.categories[frame]], size=size, line=dict(width=0.5,
                                                                                                   color="white")))

    legend = [go.Scatter(x=[None], y=[None], mode="markers", name=name, marker=dict(color=c, size=10))
              for name, c in zip(CATEGORIES, COLOURS, strict=True)]
    edges = go.Scatter(x=ex, y=ey, mode="lines", line=dict(width=0.4, color="#d0d0d0"), hoverinfo="skip",
                       showlegend=False)
    fig = go.Figure(data=[edges, nodes(0), *legend])
    fig.frames = [go.Frame(data=[nodes(i)], traces=[1], name=str(year)) for i, year in enumerate(story.years)]
    steps = [dict(method="animate", label=str(year), args=[[str(year)], dict(mode="immediate", frame=dict(
        duration=0, redraw=False), transition=dict(duration=0))]) for year in story.years]
    names = list(story.scenario.regions)
    fig.update_layout(
        title=f"{story.scenario.name}: practices on a sample of farms (large dots: demonstration farms)",
        height=560, margin=dict(l=10, r=10, t=90, b=110), plot_bgcolor="white",
        xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"),
        legend=dict(orientation="h", y=1.12, x=0.5, xanchor="center"),
        annotations=[dict(x=REGION_SPACING * i, y=1.2, text=n.replace("_", " ").title(), showarrow=False, font=dict(size=13))
                     for i, n in enumerate(names)],
        updatemenus=[dict(type="buttons", direction="left", x=0.0, y=0.0, yanchor="top", pad=dict(t=45),
                          showactive=False, buttons=[
            dict(label="▶ Play", method="animate", args=[None, dict(frame=dict(duration=700, redraw=False),
                                                                  fromcurrent=True, transition=dict(duration=0))]),
            dict(label="❚❚ Pause", method="animate", args=[[None], dict(mode="immediate", frame=dict(
                duration=0, redraw=False))])])],
        sliders=[dict(active=0, x=0.16, len=0.84, y=0.0, yanchor="top", currentvalue=dict(prefix="Year: "),
                      pad=dict(t=30), steps=steps)],
    )
    return fig


def _band(fig, x, low, high, colour, row, col):
    fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([high, low[::-1]]), fill="toself",
                             fillcolor=colour, opacity=0.18, line=dict(width=0), hoverinfo="skip", showlegend=False),
                  row=row, col=col)


def charts_figure(stories: list[Story], by_region: bool) -> go.Figure:
    """2 x 3 panels: one line per region (one story) or per scenario (several), band = min-max of replicates."""
    fig = make_subplots(rows=2, cols=3, subplot_titles=[label for _, label, _ in METRICS])
    series = []
    if by_region:
        story = stories[0]
        for region in story.results.region.unique():
            series.append((region.replace("_", " "), story.results[story.results.region == region]))
    else:
        for story in stories:
            series.append((story.label, story.results[story.results.region == "all"]))
    for k, (name, data) in enumerate(series):
        colour = "#000000" if name == "all" else PALETTE[k % len(PALETTE)]
        for m, (column, _, fmt) in enumerate(METRICS):
            row, col = m // 3 + 1, m % 3 + 1
            stats = data.groupby("year")[column].agg(["mean", "min", "max"]).dropna()
            x = stats.index.to_numpy()
            if len(data[[c for c in ("draw", "seed") if c in data.columns]].drop_duplicates()) > 1:
                _band(fig, x, stats["min"].to_numpy(), stats["max"].to_numpy(), colour, row, col)
            fig.add_trace(go.Scatter(x=x, y=stats["mean"], name=name, legendgroup=name, showlegend=m == 0,
                                     line=dict(color=colour, width=2, dash="dash" if name == "all" else "solid"),
                                     hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>{html.escape(name)}</extra>"),
                          row=row, col=col)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], row=1, col=1)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], row=1, col=2)
    fig.update_layout(height=620, margin=dict(l=40, r=10, t=60, b=40), legend=dict(orientation="h", y=-0.08),
                      plot_bgcolor="white")
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    return fig


STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafaf7}
header{background:#1b7837;color:white;padding:18px 28px}
header h1{margin:0;font-size:1.6em} header p{margin:6px 0 0;opacity:.9}
main{max-width:1200px;margin:auto;padding:10px 24px 40px}
section{background:white;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin:18px 0;padding:14px 20px}
ul.summary li{font-size:1.12em;margin:6px 0}
table{border-collapse:collapse;font-size:.9em} td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
footer{font-size:.8em;color:#666;text-align:center;padding:10px}
"""


def render(stories: list[Story], replicates: int | str) -> str:
    """The whole report as one HTML string."""
    first = stories[0]
    blocks = []
    for story in stories:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in summary_sentences(story, MILESTONE_YEAR))
        blocks.append(f"<section><h2>{html.escape(story.scenario.name)}</h2>"
                      f"<p>{html.escape(story.scenario.description)}</p><ul class='summary'>{items}</ul></section>")
    networks, charts = [], []
    for story in stories:
        networks.append(pio.to_html(network_figure(story), full_html=False, include_plotlyjs=False, config=CONFIG,
                                    div_id=f"network-{story.label}", auto_play=False))
        charts.append(pio.to_html(charts_figure([story], by_region=True), full_html=False, include_plotlyjs=False,
                                  config=CONFIG))
    comparison = ""
    if len(stories) > 1:
        runs = pd.concat([s.results.assign(scenario=s.label) for s in stories], ignore_index=True)
        table = compare(runs, stories[0].label)
        text = markdown(table, first.scenario.currency)
        rows = [line.strip("|").split("|") for line in text.splitlines() if not line.startswith("|:")]
        head = "".join(f"<th>{html.escape(c.strip())}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in r) + "</tr>" for r in rows[1:])
        overlay = pio.to_html(charts_figure(stories, by_region=False), full_html=False, include_plotlyjs=False,
                              config=CONFIG)
        comparison = (f"<section><h2>Scenarios side by side</h2><p>All farmers; mean ± sd over replicates "
                      f"({html.escape(str(replicates))}); costs against <b>{html.escape(stories[0].label)}</b>.</p>"
                      f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{overlay}</section>")
    title = " vs ".join(s.scenario.name for s in stories)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>"
            f"<header><h1>Conservation Agriculture adoption: {html.escape(title)}</h1><p>Simulated with casim "
            f"{html.escape(sim.__version__)}, {time.strftime('%Y-%m-%d')}; replicates: {html.escape(str(replicates))}. "
            "Open offline; "
            f"press ▶ Play to watch adoption spread.</p></header><main>"
            f"{''.join(f'<section>{f}</section>' for f in networks)}{''.join(blocks)}{comparison}"
            f"{''.join(f'<section>{f}</section>' for f in charts)}</main>"
            "<footer>Every script and style is inside this file: it needs no network.</footer></body></html>")


@dataclass
class Report:
    """The offline HTML report of one or more scenarios (the first is the reference for costs)."""

    stories: list[Story]
    replicates: int
    html: str

    def write(self, out: Path) -> Path:
        """Write the HTML file ``out`` (parent directories created)."""
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(self.html, encoding="utf-8")
        return out


def make_report(scenarios: Mapping[str, sim.Scenario], replicates: int = 1, farmers: int | None = None,
                years: int | None = None, per_region: int = 150, executor: Executor | None = None,
                progress: Callable[[int, int], None] | None = None) -> Report:
    """Simulate every scenario (label -> scenario) with seed replicates on ``executor`` and render the report.

    ``per_region`` farms of each region are drawn in the network animation.
    """
    stories = tell_stories(scenarios, replicates, farmers, years, per_region, executor, progress)
    replication = {label: describe_replicates(scenario, replicates) for label, scenario in scenarios.items()}
    kinds = set(replication.values())
    text = kinds.pop() if len(kinds) == 1 else "; ".join(f"{label}: {how}" for label, how in replication.items())
    return Report(stories, replicates, render(stories, text))
