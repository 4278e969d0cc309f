"""The report's Plotly figures, as plain dicts for ``Plotly.newPlot``: farm networks, maps and titled charts.

Animated views (networks, maps) are drawn at their first year; ``report.js`` recolours them for every year from
the compact per-year data returned beside them, so two scenarios play in step from one set of controls.
Colours follow ``facilitation.style``: regions keep their colour in every chart, scenarios theirs.
"""

from __future__ import annotations

import html
import math
import textwrap
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.compare import one_currency
from facilitation.geography import RegionShape, View, rings_in
from facilitation.i18n import MINUS, N_, Language
from facilitation.story import REGION_SPACING, Story
from facilitation.style import (
    ADOPTION_SCALE,
    CATEGORY_COLOURS,
    DEMO_OUTLINE,
    EXCHANGE_LINK_COLOUR,
    heading_lines,
    region_colour,
    scenario_colour,
    scenario_dash,
    soil_depth,
)
from facilitation.summary import run_keys, yearly_spread

#: Plotly's number separators (decimal, thousands) per language, as the summaries write numbers.
SEPARATORS = {"en": ".,", "fr": ", ", "es": ",.", "pt": ",."}
#: Marker diameters (px) of an ordinary and a demonstration farm in the network view.
FARM_PX, DEMO_PX = 7, 15
#: The share of farmers shaded on the maps.
MAP_COLUMN = "no_till_share"
#: Characters per line of a map's or network view's title (the scenario's name, which French, Spanish and Portuguese
#: make long): Plotly does not wrap titles, and a long one ran past the edge of a figure. 360 px, a phone's width
#: (one figure to a row), holds 36 characters of 16 px type (~9 px each) beside the figure's 5 px margins.
TITLE_CHARS = 36
#: A figure's title: its type size (px), its lines' height (Plotly's 1.3 em), and the space above and below it (px).
#: The title hangs from the figure's top and the top margin is set to hold its lines: anchored on the plot's top
#: edge with Plotly's automargin, a second line came down over the network view's region headings (referee 38 m3).
TITLE_PX = 16
TITLE_LINE_PX = 1.3 * TITLE_PX
TITLE_PAD_PX = 8
#: The network view's y axis (farms span -1..1, their dots a little more); the regions' two-line headings sit in the
#: top margin, over the title's lines: inside the plot, a short plot (a projector's screen shares its height with
#: the legend and controls) pushed them up into a two-line title (referee 38 m3).
NETWORK_RANGE = (-1.12, 1.12)
HEADING_PX = 15
HEADING_LINE_PX = 1.3 * HEADING_PX
#: Lines of a region heading (``style.heading_lines``: the place, then what the region is) the top margin holds.
HEADING_LINES = 2
HEADINGS_PX = math.ceil(HEADING_LINES * HEADING_LINE_PX + TITLE_PAD_PX)
#: The year a map shows, in its top right corner (px): with 3-4 scenarios the section's year control scrolls out of a
#: projector's screen above the maps (referee 50 m7). Its text is "<b>year</b>"; report.js rewrites it.
MAP_YEAR_PX = 20
#: Shares of farmers are drawn in percent (0-100), so that tick and hover labels carry the language's percent sign
#: ("20 %" in French): Plotly's "%" number format writes "20%" in every language.
PERCENT = 100.0
#: Most ticks Plotly puts on an automatic axis (plotly.js ``autoTicks``: at most 9 + 1), so its tick step is at least
#: the axis range over this, rounded up to 1, 2 or 5 x 10^k.
MAX_AUTO_TICKS = 10
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class Metric:
    """A charted column of the yearly table, its title, and how its axis is drawn."""

    column: str
    title: str  # marked with N_; may contain {currency}
    share: bool = False  # a share of farmers: drawn in percent (``PERCENT``), a 0-100 % axis
    log: bool = False  # log axis in by-region charts (magnitudes differ by orders between regions)
    reference: float | None = None  # a dotted line (a target)
    flow: bool = False  # no value in the initial year
    change: bool = False  # a stock drawn as its change since each run's first year, the comparison's region panels
    # on one axis (one unit: the regions' changes compare at a glance)


METRICS = (
    Metric("no_till_share", N_("No-till: share of farmers"), share=True),
    Metric("full_ca_share", N_("Full Conservation Agriculture: share of farmers"), share=True),
    Metric("soc_mean_t_c_per_ha", N_("Soil organic carbon: change since {start} (t C/ha, 0-{depth} cm)"), change=True),
    Metric("four_per_1000_index", N_("'4 per 1000' index, year by year (1 = target met)"), reference=1.0, flow=True),
    Metric("yield_mean_kg_per_ha", N_("Mean yield (kg/ha)"), flow=True),
    Metric("income_p50", N_("Median farm cash income ({currency} a year)"), log=True, flow=True),
)


def base_layout(lang: Language, **extra) -> dict:
    """Layout shared by every figure: the page's font, the language's number separators, no Plotly branding."""
    layout = dict(font=dict(family=FONT, size=14), separators=SEPARATORS[lang.code], plot_bgcolor="white",
                  paper_bgcolor="white", autosize=True, margin=dict(l=60, r=20, t=40, b=50), hovermode="closest")
    layout.update(extra)
    return layout


def figure_title(text: str) -> tuple[dict, int]:
    """A figure's title on lines of at most ``TITLE_CHARS`` characters, and the top margin (px) that holds them."""
    lines = textwrap.wrap(text, TITLE_CHARS) or [text]
    # plotly.js sets a title of n lines (n - 1) / 2 lines above its anchor, whatever the anchor: the pad makes up for it
    title = dict(text="<br>".join(html.escape(line) for line in lines), x=0.01, font=dict(size=TITLE_PX),
                 y=1.0, yref="container", yanchor="top", pad=dict(t=TITLE_PAD_PX + (len(lines) - 1) * TITLE_LINE_PX / 2))
    return title, math.ceil(2 * TITLE_PAD_PX + len(lines) * TITLE_LINE_PX)


def as_dict(fig: go.Figure) -> dict:
    """The figure as JSON-ready data and layout."""
    return fig.to_plotly_json()


# ---------------------------------------------------------------------------------------------------- networks
def network_figure(story: Story, lang: Language) -> tuple[dict, list[str]]:
    """The sampled farms at the first year, and their category each year as strings of digits (one per farm).

    Its caption (``style.sample_caption``, ``style.demo_caption``) and its exchange links' key are the page's HTML, not
    the figure's: drawn in its margins, a 4-5 line caption and the headings left a projector's screen of 3-4 scenarios
    a strip 2-44 px tall for the farms (referee 40 M0), and the links' Plotly legend entry sat over a region heading
    (referee 40 m1).
    """
    lay = story.layout
    ex, ey, links_x, links_y = [], [], [], []  # village links grey, exchange links between regions in colour
    for (a, b), between in zip(lay.edges, lay.exchange, strict=True):
        xs, ys = (links_x, links_y) if between else (ex, ey)
        xs += [lay.x[a], lay.x[b], None]
        ys += [lay.y[a], lay.y[b], None]
    demo_word = lang._("demonstration farm")
    hover = [f"{lang.region(story.scenario_regions[r])}{' · ' + demo_word if d else ''}"
             for r, d in zip(lay.region, lay.demo, strict=True)]
    fig = go.Figure([
        go.Scatter(x=ex, y=ey, mode="lines", line=dict(width=0.5, color="#d0d0d0"), hoverinfo="skip",
                   showlegend=False),
        go.Scatter(x=lay.x, y=lay.y, mode="markers", hovertext=hover, hoverinfo="text", showlegend=False,
                   marker=dict(color=np.array(CATEGORY_COLOURS)[story.categories[0]].tolist(),
                               size=np.where(lay.demo, DEMO_PX, FARM_PX).tolist(),
                               line=dict(width=np.where(lay.demo, 1.5, 0.5).tolist(),
                                         color=[DEMO_OUTLINE if d else "white" for d in lay.demo]))),
        # after the farms: report.js recolours trace 1 each year
        go.Scatter(x=links_x, y=links_y, mode="lines", line=dict(width=1.0, color=EXCHANGE_LINK_COLOUR),
                   opacity=0.6, hoverinfo="skip", showlegend=False),
    ])
    annotations = [dict(x=REGION_SPACING * i, y=1.0, yref="paper", yanchor="bottom", showarrow=False,
                        text=_heading_text(heading_lines(lang.region(key))),
                        font=dict(color=region_colour(i), size=HEADING_PX))
                   for i, key in enumerate(story.scenario_regions)]
    title, top = figure_title(lang.scenario_name(story.scenario))
    fig.update_layout(**base_layout(lang, margin=dict(l=5, r=5, t=top + HEADINGS_PX, b=5), showlegend=False,
                                    annotations=annotations, title=title,
                                    xaxis=dict(visible=False, fixedrange=True),
                                    yaxis=dict(visible=False, fixedrange=True, range=list(NETWORK_RANGE))))
    frames = ["".join(map(str, row)) for row in story.categories]
    return as_dict(fig), frames


def narrow_headings(story: Story, lang: Language) -> dict:
    """The network view's region headings one word to a line, for report.js where its two-line headings overlap.

    Referee 50 m7: on a phone (390 px) three regions' panels are ~120 px wide, and "savane sèche" ran into "savane
    humide"; smaller type would go below the report's 14 px. Returns {"texts": one heading per region, "extra": px
    to add to the figure's top margin, which holds two lines of headings, for the tallest}.
    """
    words = [lang.region(key).split() for key in story.scenario_regions]
    return {"texts": [_heading_text(w) for w in words],
            "extra": math.ceil(max(max(map(len, words)) - HEADING_LINES, 0) * HEADING_LINE_PX)}


def _heading_text(lines: list[str]) -> str:
    """A region heading's lines, bold, as a Plotly annotation's text."""
    return "<br>".join(f"<b>{html.escape(line)}</b>" for line in lines)


# ---------------------------------------------------------------------------------------------------- maps
def _ring_xy(rings: list[np.ndarray]) -> tuple[list, list]:
    x, y = [], []
    for ring in rings:
        x += ring[:, 0].round(3).tolist() + [None]
        y += ring[:, 1].round(3).tolist() + [None]
    return x, y


def shade(share: float) -> str:
    """The map colour of a share of farmers (0-1): linear in RGB between the stops of ``ADOPTION_SCALE``."""
    stops = [(float(s), tuple(int(c[i:i + 2], 16) for i in (1, 3, 5))) for s, c in ADOPTION_SCALE]
    share = float(np.clip(share if np.isfinite(share) else 0.0, 0.0, 1.0))
    for (s0, c0), (s1, c1) in zip(stops, stops[1:], strict=False):
        if share <= s1:
            t = (share - s0) / (s1 - s0)
            return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(c0, c1, strict=True))
    return ADOPTION_SCALE[-1][1]


def region_shares(story: Story, column: str = MAP_COLUMN) -> pd.DataFrame:
    """Mean over runs of ``column`` by year (rows) and region (columns, the scenario's order)."""
    rows = story.results[story.results.region != "all"]
    table = rows.groupby(["year", "region"])[column].mean().unstack("region")
    return table.reindex(index=story.years, columns=story.scenario_regions)


def map_figure(story: Story, shapes: list[RegionShape], view: View, lang: Language) -> tuple[dict, list[list[str]]]:
    """The regions shaded by the share of farmers using no-till at the first year; the colours of every year.

    The regions are named in a key below the map by their outline colours, as on the printed maps: names on the map
    were set a share of its height apart in text of a fixed size, and overlapped on maps under ~500 px wide (two to
    a row on a laptop, and on a phone); Plotly lays the key out at every size. Hovering a region names it too.
    The year shown is in the map's top right corner (annotation 0, which report.js rewrites with the colours).
    """
    shares = region_shares(story)
    bx, by = _ring_xy(rings_in(view))
    traces = [go.Scatter(x=bx, y=by, mode="lines", fill="toself", fillcolor="#eeeeee", hoverinfo="skip",
                         line=dict(color="#bbbbbb", width=0.6), showlegend=False)]
    key = []
    for shape in shapes:  # traces 1..n: report.js reshades them year by year
        x, y = _ring_xy(list(shape.polygons))
        name = lang.region(shape.key)
        countries = ", ".join(lang.country(c) for c in shape.countries)
        traces.append(go.Scatter(x=x, y=y, mode="lines", fill="toself", showlegend=False, hoveron="fills",
                                 hoverinfo="text", text=f"{name}: {countries}",
                                 fillcolor=shade(shares[shape.key].iloc[0]),
                                 line=dict(color=region_colour(shape.index), width=2)))
        # the key's entry: the outline colour alone (the region's own trace would show its shade, which is the year's)
        key.append(go.Scatter(x=[None], y=[None], mode="lines", name=html.escape(name), hoverinfo="skip",
                              line=dict(color=region_colour(shape.index), width=4)))
    # the colour bar: an invisible marker carrying the scale
    traces.append(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip", marker=dict(
        colorscale=[[float(s), c] for s, c in ADOPTION_SCALE], cmin=0, cmax=PERCENT, color=[0], showscale=True,
        colorbar=dict(title=dict(text=lang._("no-till"), side="right"), tickformat=".0f", thickness=14, len=0.8,
                      **_percent_ticks(lang)))))
    fig = go.Figure(traces + key)
    title, top = figure_title(lang.scenario_name(story.scenario))
    year = dict(text=f"<b>{int(story.years[0])}</b>", x=1, y=1, xref="paper", yref="paper", xanchor="right",
                yanchor="top", showarrow=False, font=dict(size=MAP_YEAR_PX), bgcolor="rgba(255,255,255,0.8)")
    fig.update_layout(**base_layout(
        lang, margin=dict(l=5, r=5, t=top, b=5), plot_bgcolor="#dce9f5", showlegend=True,
        legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="top", itemclick=False, itemdoubleclick=False),
        title=title, annotations=[year],
        xaxis=dict(range=list(view.lon), visible=False, fixedrange=True),
        yaxis=dict(range=list(view.lat), visible=False, fixedrange=True, scaleanchor="x", scaleratio=view.aspect)))
    colours = [[shade(shares.loc[year, shape.key]) for shape in shapes] for year in story.years]
    return as_dict(fig), colours


# ---------------------------------------------------------------------------------------------------- charts
def _band(x, low, high, colour: str) -> go.Scatter:
    return go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([high, low[::-1]]), fill="toself",
                      fillcolor=colour, opacity=0.18, line=dict(width=0), hoverinfo="skip", showlegend=False)


def _runs(rows: pd.DataFrame):
    """``rows`` split into runs (one group when the table has no run key)."""
    keys = run_keys(rows)
    return [group for _key, group in rows.groupby(keys, dropna=False)] if keys else [rows]


def since_start(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """``rows`` with ``column`` replaced by its change since each run's first year (the first year reads 0)."""
    return pd.concat([run.assign(**{column: run[column] - run.sort_values("year")[column].iloc[0]})
                      for run in _runs(rows)])


def relative_change(rows: pd.DataFrame, column: str) -> float:
    """Mean over runs of ``column``'s change from each run's first year to its last, as a share of the first."""
    ends = [run.sort_values("year")[column].iloc[[0, -1]].to_numpy(dtype=float) for run in _runs(rows)]
    return float(np.mean([last / first - 1.0 for first, last in ends]))


def _series(rows: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """What a chart draws of ``metric``: mean, low and high by year (a share in percent)."""
    stats = yearly_spread(since_start(rows, metric.column) if metric.change else rows, metric.column)
    stats = stats * PERCENT if metric.share else stats
    return stats.iloc[1:] if metric.flow else stats


def on_its_scale(story: Story, metric: Metric) -> Metric:
    """``metric`` as one scenario's by-region chart draws it.

    On a log axis only if every value drawn (each region's mean and band) is positive, else on a linear one, so a
    loss or a zero is drawn, never dropped (the chart's title says "log scale" only with a log axis).
    """
    if not metric.log:
        return metric
    drawn = [_series(story.results[story.results.region == key], metric) for key in story.scenario_regions]
    positive = all((stats[["low", "mean", "high"]] > 0).all(axis=None) for stats in drawn)
    return metric if positive else replace(metric, log=False)


def share_tick_format(top: float) -> str:
    """The d3 format of a share axis from 0 to ``top`` (percent): as many decimals as its finest tick step needs.

    Plotly's automatic step is at least ``top / MAX_AUTO_TICKS``, a 1, 2 or 5 x 10^k: one decimal per power of ten
    below 1 percentage point, so 0-0.3 % ticks read 0, 0.05, 0.1, not 0, 0.1, 0.1. "~" trims the zeros a coarser
    tick does not need (20, not 20.00). The percent sign is the language's (``_percent_ticks``).
    """
    if not top > 0:
        return ".0f"
    finest = top / MAX_AUTO_TICKS  # percentage points
    return f".{max(0, -math.floor(math.log10(finest)))}~f"


def _percent_ticks(lang: Language) -> dict:
    """Plotly tick options that write a percentage as the language does ("20%", "20 %"), around the number."""
    prefix, suffix = lang.percent_affixes
    return dict(tickprefix=prefix, ticksuffix=suffix)


def _top(fig: go.Figure, **where) -> float:
    """The largest y value drawn in ``fig`` (in the subplot ``where``: row, col), 0 when none."""
    tops = [np.nanmax(np.asarray(t.y, dtype=float), initial=0.0) for t in fig.select_traces(**where) if t.y is not None]
    return max(tops, default=0.0)


def _axis(metric: Metric, fig: go.Figure, lang: Language, **where) -> None:
    """A linear axis always holds 0 (a truncated axis makes a 0.5 % change fill the panel); a log axis cannot."""
    if metric.share:
        fig.update_yaxes(tickformat=share_tick_format(_top(fig, **where)), **_percent_ticks(lang), **where)
    if metric.log:
        fig.update_yaxes(type="log", **where)
    else:
        fig.update_yaxes(rangemode="tozero", zeroline=True, zerolinecolor="#888888", zerolinewidth=1, **where)
    if metric.reference is not None:
        fig.add_hline(y=metric.reference, line=dict(color="#777777", dash="dot", width=1), **where)
    fig.update_xaxes(title_text=lang._("year"), gridcolor="#eeeeee", **where)
    # whole numbers, not SI's "250k": the language's group separator from five digits on (Plotly's default)
    fig.update_yaxes(gridcolor="#eeeeee", exponentformat="none", **where)


def _hover(metric: Metric, name: str, lang: Language) -> str:
    """A line's hover label: the year, the value in its format (a share with the language's percent sign), the name."""
    prefix, suffix = lang.percent_affixes if metric.share else ("", "")
    return f"%{{x}}: {prefix}%{{y:{_format(metric)}}}{suffix}<extra>{html.escape(name)}</extra>"


#: d3 formats of hover values by column: changes of SOC signed to 0.01 t C/ha, yields and incomes to the unit.
HOVER_FORMATS = {"soc_mean_t_c_per_ha": "+.2f", "four_per_1000_index": ".2f", "yield_mean_kg_per_ha": ",.0f",
                 "income_p50": ",.0f"}


def _format(metric: Metric) -> str:
    """The d3 format of a metric's hover value: shares to 0.01 percentage point, zeros trimmed (0.3, not 0)."""
    return ".2~f" if metric.share else HOVER_FORMATS.get(metric.column, ",.2f")


def signed_percent(share: float, lang: Language) -> str:
    """A relative change in the locale's percent style with one decimal and its sign ("+0.5%", "-0.1 %")."""
    text = lang.percent(share, 1)
    return text if text.startswith(MINUS) or round(share * 100, 1) == 0 else "+" + text


def _one_word(values, show) -> str:
    """Distinct values (start years, depths) as one word: "2025", or "2025/2030" when scenarios differ."""
    return "/".join(show(v) for v in sorted(set(values)))


def _starts(stories: list[Story]) -> str:
    return _one_word((int(s.years[0]) for s in stories), str)


def _depths(stories: list[Story], lang: Language) -> str:
    """The soil depth (cm) of the scenarios' SOC stock, ``soil.depth_cm``, in the locale's style ("30", "22,5")."""
    return _one_word((float(s.scenario.soil.depth_cm) for s in stories), lambda d: soil_depth(d, lang))


def chart_title(metric: Metric, lang: Language, stories: list[Story]) -> str:
    """The title of a metric's chart (the page's heading: it wraps on a projector, a Plotly title would not).

    The SOC chart names the start year its change counts from and the soil depth of the scenarios' stock.
    """
    several = len(stories) > 1
    title = lang._(metric.title).format(
        currency=one_currency({s.label: s.scenario for s in stories}), start=_starts(stories), depth=_depths(stories, lang))
    if several:
        scale = lang._("every region on the same scale; under each region's name: the change in % of its {start} "
                       "stock, by scenario").format(start=_starts(stories)) if metric.change else \
            lang._("each region on its own scale, from 0")
        return title + " · " + scale
    return title + (" · " + lang._("log scale") if metric.log else "")


def change_words(stories: list[Story], lang: Language) -> str:
    """What a stock chart's percentages are: the change since the start year, in % of that year's stock."""
    return lang._("change in % of the {start} stock").format(start=_starts(stories))


def region_chart(story: Story, metric: Metric, lang: Language) -> dict:
    """One scenario: a line per region (region colours), the band the summary's spread gives.

    A stock charted as its change (``Metric.change``) names each region's change in % of its start in the legend.
    """
    fig = go.Figure()
    for i, key in enumerate(story.scenario_regions):
        rows = story.results[story.results.region == key]
        stats = _series(rows, metric)
        x = stats.index.to_numpy()
        colour = region_colour(i)
        name = lang.region(key)
        if metric.change:
            name += " " + signed_percent(relative_change(rows, metric.column), lang)
        if stats["low"].ne(stats["high"]).any():
            fig.add_trace(_band(x, stats["low"].to_numpy(), stats["high"].to_numpy(), colour))
        fig.add_trace(go.Scatter(x=x, y=stats["mean"], mode="lines", name=name, line=dict(color=colour, width=3),
                                 hovertemplate=_hover(metric, lang.region(key), lang)))
    legend = dict(orientation="h", y=-0.2, x=0)
    if metric.change:
        legend["title"] = dict(text=html.escape(change_words([story], lang)), side="top")
    fig.update_layout(**base_layout(lang, margin=dict(l=70, r=20, t=20, b=50), legend=legend))
    _axis(metric, fig, lang)
    return as_dict(fig)


def _panel_title(stories: list[Story], key: str, metric: Metric, lang: Language) -> str:
    """A region panel's heading; for a stock charted as its change, each scenario's change in % (its colour)."""
    title = html.escape(lang.region(key))
    if not metric.change:
        return title
    changes = [f"<span style='color:{scenario_colour(k)}'>"
               f"{html.escape(signed_percent(relative_change(rows, metric.column), lang))}</span>"
               for k, story in enumerate(stories)
               if not (rows := story.results[story.results.region == key]).empty]
    return f"{title}<br><span style='font-size:13px'>{' · '.join(changes)}</span>"


def scenario_chart(stories: list[Story], metric: Metric, lang: Language) -> dict:
    """Several scenarios: one panel per region, a line per scenario (scenario colours).

    Panels share one axis for a stock's change (``Metric.change``), else each has its own; every linear axis holds 0,
    so a 0.5 % change never fills a panel.
    """
    regions = stories[0].scenario_regions
    fig = make_subplots(rows=1, cols=len(regions), subplot_titles=[_panel_title(stories, r, metric, lang) for r in regions],
                        horizontal_spacing=0.06, shared_yaxes=metric.change)
    for k, story in enumerate(stories):
        name = lang.scenario_name(story.scenario)
        for i, key in enumerate(regions):
            rows = story.results[story.results.region == key]
            if rows.empty:
                continue
            stats = _series(rows, metric)
            x = stats.index.to_numpy()
            colour = scenario_colour(k)
            if stats["low"].ne(stats["high"]).any():
                fig.add_trace(_band(x, stats["low"].to_numpy(), stats["high"].to_numpy(), colour), row=1, col=i + 1)
            fig.add_trace(go.Scatter(x=x, y=stats["mean"], mode="lines", name=name, legendgroup=story.label,
                                     showlegend=i == 0, line=dict(color=colour, width=3, dash=scenario_dash(k)),
                                     hovertemplate=_hover(metric, name, lang)), row=1, col=i + 1)
    for i in range(len(regions)):
        _axis(replace(metric, log=False), fig, lang, row=1, col=i + 1)
    for i, annotation in enumerate(fig.layout.annotations[:len(regions)]):
        annotation.font = dict(color=region_colour(i), size=15)
    top = 70 if metric.change else 40  # room for the second line of the panels' headings
    fig.update_layout(**base_layout(lang, margin=dict(l=70, r=20, t=top, b=50), legend=dict(orientation="h", y=-0.2, x=0)))
    return as_dict(fig)
