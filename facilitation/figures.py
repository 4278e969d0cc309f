"""Matplotlib drawings shared by the animation, the dashboard and the report's printed key frames.

- ``NetworkDrawing``: sampled farms coloured by practice, regions side by side, demonstration farms large.
- ``MapDrawing``: the regions' countries shaded by a share of farmers, on a grey map of their neighbours;
  ``map_key_frames_figure``: the printed maps of a few years, with a key of the regions and the colour scale.

Each draws once and then only recolours (``show(frame or shares)``), so an animation or a dashboard step costs
a recolouring, not a redraw of every shape.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.colors as mcolors  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.cm import ScalarMappable  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from facilitation.geography import RegionShape, View, labels, rings_in, view_of  # noqa: E402
from facilitation.i18n import Language  # noqa: E402
from facilitation.story import REGION_SPACING, Layout  # noqa: E402
from facilitation.style import (  # noqa: E402
    ADOPTION_SCALE,
    CATEGORIES,
    CATEGORY_COLOURS,
    DEMO_OUTLINE,
    EXCHANGE_LINK_COLOUR,
    heading_lines,
    region_colour,
)

#: Marker areas (points^2) of an ordinary and a demonstration farm.
FARM_SIZE, DEMO_SIZE = 16.0, 80.0
#: The map's colour scale of the share of farmers (0-1).
ADOPTION_CMAP = mcolors.LinearSegmentedColormap.from_list("adoption", [(float(s), c) for s, c in ADOPTION_SCALE])
#: Printed maps: the page width they fill (inches, A4 less margins), maps per row, and the height of the title
#: above each map and of the key and colour scale below them (inches).
PRINT_WIDTH_IN, PRINT_COLUMNS, PRINT_TITLE_IN, PRINT_KEY_IN = 7.5, 2, 0.3, 1.1
#: Region outlines on a map (points).
OUTLINE_WIDTH = 1.4


def legend_handles(lang: Language, exchange: bool = False) -> list[Line2D]:
    """Legend entries: the practice categories, the demonstration farms' larger marker, exchange links if drawn."""
    handles = [Line2D([], [], marker="o", ls="", color=c, label=lang._(name))
               for name, c in zip(CATEGORIES, CATEGORY_COLOURS, strict=True)]
    handles.append(Line2D([], [], marker="o", ls="", markersize=10, markerfacecolor="white",
                          markeredgecolor=DEMO_OUTLINE, label=lang._("demonstration farm")))
    if exchange:
        handles.append(Line2D([], [], color=EXCHANGE_LINK_COLOUR, lw=1.2, label=lang._("exchange link")))
    return handles


class NetworkDrawing:
    """Sampled farms on ``ax`` (links grey), recoloured by ``show(categories)``."""

    def __init__(self, ax: Axes, lay: Layout, regions: list[str], lang: Language, label_size: float = 11) -> None:
        segments = np.stack([np.column_stack([lay.x[lay.edges[:, 0]], lay.y[lay.edges[:, 0]]]),
                             np.column_stack([lay.x[lay.edges[:, 1]], lay.y[lay.edges[:, 1]]])], axis=1)
        exchange = lay.exchange
        ax.add_collection(LineCollection(segments[~exchange], colors="#d8d8d8", linewidths=0.4, zorder=1))
        ax.add_collection(LineCollection(segments[exchange], colors=EXCHANGE_LINK_COLOUR, linewidths=0.7, alpha=0.6,
                                         zorder=1))
        self.dots = ax.scatter(lay.x, lay.y, s=np.where(lay.demo, DEMO_SIZE, FARM_SIZE), c=CATEGORY_COLOURS[0],
                               zorder=2, edgecolors=np.where(lay.demo, DEMO_OUTLINE, "white"),
                               linewidths=np.where(lay.demo, 1.2, 0.4))
        for i, key in enumerate(regions):
            ax.text(REGION_SPACING * i, 1.22, "\n".join(heading_lines(lang.region(key))), ha="center", va="bottom",
                    fontsize=label_size, linespacing=1.1, color=region_colour(i), fontweight="bold")
        ax.set_xlim(lay.x.min() - 0.2, lay.x.max() + 0.2)
        ax.set_ylim(-1.15, 1.5)
        ax.set_axis_off()
        self.colours = np.array(CATEGORY_COLOURS)

    def show(self, categories: np.ndarray) -> None:
        """Colour each sampled farm by its practice category index."""
        self.dots.set_facecolor(self.colours[categories])


class MapDrawing:
    """The regions' countries on ``ax``, shaded by ``show(shares)`` (one share of farmers per region).

    Each region is named on the map, or, with ``label_size`` None (small printed maps, where names would cover each
    other), only by its outline colour, which ``region_key`` names.
    """

    def __init__(self, ax: Axes, shapes: list[RegionShape], lang: Language, view: View | None = None,
                 label_size: float | None = 9) -> None:
        view = view or view_of(shapes)
        background = PolyCollection(rings_in(view), facecolors="#eeeeee", edgecolors="#bbbbbb", linewidths=0.4)
        ax.add_collection(background)
        self.regions = []
        places = labels(shapes, view)
        for shape in shapes:
            polygons = PolyCollection(list(shape.polygons), facecolors="white", linewidths=OUTLINE_WIDTH,
                                      edgecolors=region_colour(shape.index), zorder=2)
            ax.add_collection(polygons)
            self.regions.append(polygons)
            if label_size is None:
                continue
            label = places[shape.key]
            pointer = dict(arrowstyle="-", color=region_colour(shape.index), lw=1.0) if label.pointed else None
            ax.annotate(lang.region(shape.key), xy=label.at, xytext=label.text_at, ha=label.align, va="center",
                        fontsize=label_size, zorder=3, color="#111111", arrowprops=pointer,
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.7))
        ax.set_xlim(*view.lon)
        ax.set_ylim(*view.lat)
        ax.set_aspect(view.aspect)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor("#dce9f5")  # sea

    def show(self, shares: list[float]) -> None:
        """Shade each region (order of ``shapes``) by its share of farmers, 0-1."""
        for polygons, share in zip(self.regions, shares, strict=True):
            polygons.set_facecolor(ADOPTION_CMAP(float(np.clip(share, 0.0, 1.0))))


def region_key(shapes: list[RegionShape], lang: Language) -> list[Patch]:
    """Legend entries naming each region by its outline colour on the map."""
    return [Patch(facecolor="white", edgecolor=region_colour(shape.index), linewidth=OUTLINE_WIDTH,
                  label=lang.region(shape.key)) for shape in shapes]


def adoption_colour_bar(fig: Figure, axes, lang: Language):
    """The maps' colour scale under ``axes``: share of farmers using no-till, 0-100 %, in the language's style."""
    bar = fig.colorbar(ScalarMappable(norm=mcolors.Normalize(0.0, 1.0), cmap=ADOPTION_CMAP), ax=axes,
                       orientation="horizontal", fraction=0.05, aspect=40)
    bar.set_label(lang._("No-till, share of farmers"))
    bar.ax.xaxis.set_major_formatter(lambda v, _pos: lang.percent(v))
    return bar


def map_key_frames_figure(shapes: list[RegionShape], view: View, lang: Language, years: list[int],
                          shares: list[list[float]]) -> Figure:
    """The printed maps, ``PRINT_COLUMNS`` to a row; the regions named in a key below them, over the colour scale.

    One map per year of ``years``; ``shares``: each region's share of farmers that year, in the order of ``shapes``.
    Names are kept off these small maps: on maps a quarter of a page wide they covered one another.
    """
    columns = min(len(years), PRINT_COLUMNS)
    rows = -(-len(years) // columns)
    map_width = PRINT_WIDTH_IN / columns
    map_height = map_width * (view.lat[1] - view.lat[0]) * view.aspect / (view.lon[1] - view.lon[0])
    fig = Figure(figsize=(PRINT_WIDTH_IN, rows * (map_height + PRINT_TITLE_IN) + PRINT_KEY_IN), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax, year, year_shares in zip(axes.flat, years, shares, strict=False):
        MapDrawing(ax, shapes, lang, view, label_size=None).show(year_shares)
        ax.set_title(str(year), fontsize=9, fontweight="bold")
    for ax in axes.flat[len(years):]:
        ax.set_visible(False)
    adoption_colour_bar(fig, axes, lang).ax.tick_params(labelsize=8)
    fig.legend(handles=region_key(shapes, lang), loc="outside lower center", ncol=len(shapes), fontsize=8,
               frameon=False)
    return fig
