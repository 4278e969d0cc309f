"""Colours and names shared by every facilitation view (report, dashboard, animation), so a colour means one thing.

- Practice categories of a farm: grey (conventional) to dark green (full CA).
- Regions: the Okabe-Ito colour-blind-safe set, in the scenario's region order (lines of one scenario's charts,
  outlines on the map).
- Scenarios: a second set with no colour of the first, plus a dash style each (lines of comparison charts).
- Adoption on the map: a sequential scale from white to the full-CA green.
"""

from __future__ import annotations

import numpy as np

from facilitation.i18n import N_, Language

#: Practice categories shown in colour, in legend order (see ``story.category``).
CATEGORIES = (N_("conventional"), N_("some CA practices"), N_("no-till + soil cover"), N_("full CA"))
CATEGORY_COLOURS = ("#b9b9b9", "#f2a541", "#7cc47f", "#1b7837")
#: Demonstration farms are drawn larger, with a dark outline.
DEMO_OUTLINE = "#222222"
#: Exchange links between regions (the only links that cross regions), drawn over the grey village links.
EXCHANGE_LINK_COLOUR = "#6a3d9a"
REGION_COLOURS = ("#0072B2", "#D55E00", "#CC79A7", "#56B4E9", "#E69F00", "#F0E442")
SCENARIO_COLOURS = ("#222222", "#EE3377", "#009988", "#999933", "#332288", "#8C564B")
SCENARIO_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: The count whose plural form a range of counts takes ("1–2 demonstration farms"): plural in every language.
RANGE_COUNT = 2
#: What the maps' outlines are (referee 50 m8: "Brazil, Cerrado" shaded all of Brazil, Southern Brazil too).
MAP_OUTLINES = N_("The outlines are whole countries; each is shaded by the simulated farms of the region named in "
                  "the key, not by all of the country's farms.")
#: Map shading: share of farmers 0 -> 1, white to the full-CA green.
ADOPTION_SCALE = (("0.0", "#f7fcf5"), ("0.5", "#74c476"), ("1.0", "#1b7837"))


def region_colour(index: int) -> str:
    """Colour of the scenario's ``index``-th region."""
    return REGION_COLOURS[index % len(REGION_COLOURS)]


def scenario_colour(index: int) -> str:
    """Colour of the ``index``-th scenario of a comparison."""
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def scenario_dash(index: int) -> str:
    """Plotly dash style of the ``index``-th scenario."""
    return SCENARIO_DASHES[index % len(SCENARIO_DASHES)]


def soil_depth(depth_cm: float, lang: Language) -> str:
    """A soil depth (cm, ``soil.depth_cm``) as chart titles write it: "30", "22.5" ("22,5" in French)."""
    return lang.number(depth_cm, 0 if float(depth_cm).is_integer() else 1)


def sample_caption(regions: np.ndarray, lang: Language, runs: int = 1, demo: np.ndarray | None = None) -> str:
    """What a network view shows: one run (of ``runs``) and how many sampled farms per region.

    ``regions``: the region index of each sampled farm (``story.Layout.region``). Samples are whole villages plus
    demonstration and exchange farms, so regions differ a little: "148-152 sampled farms per region". With ``demo``
    (bool per sampled farm), the demonstration farms are not counted: ``demo_caption`` says them apart.
    """
    counts = np.bincount(regions if demo is None else regions[~demo])
    farms = _count_range(counts[counts > 0], lang)
    if runs > 1:
        return lang._("One run of {runs}; {farms} sampled farms per region").format(runs=runs, farms=farms)
    return lang._("One run; {farms} sampled farms per region").format(farms=farms)


def demo_caption(regions: np.ndarray, demo: np.ndarray, lang: Language) -> str:
    """That the larger dots are every demonstration farm of each region, drawn beyond their share ("" without any).

    Referee 38 m13: the 5 demonstration farms a region has (all of them in full CA) among its ~150 sampled farms made
    3 % of Africa's drawn farms look like full CA, where the run has 0.1-0.2 %.

    Referee 50 m3: at 2,000 farmers each region has one, which read "each region's 1 demonstration farms"; the
    caption takes the plural form of its count, and of a range ("1–2") the plural.
    """
    counts = np.bincount(regions[demo], minlength=regions.max(initial=0) + 1)
    if not counts.any():
        return ""
    count = int(counts.min()) if counts.min() == counts.max() else RANGE_COUNT
    return lang.ngettext("Larger dots: {demos} demonstration farm per region, drawn far beyond its share of the "
                         "region's farms.",
                         "Larger dots: each region's {demos} demonstration farms, all drawn, far beyond their share "
                         "of its farms.", count).format(demos=_count_range(counts, lang))


def layout_caption(regions: np.ndarray, demo: np.ndarray, lang: Language, runs: int = 1) -> str:
    """``sample_caption`` and ``demo_caption`` as one text, where a view's caption is one block (animation, print)."""
    return " ".join(filter(None, (sample_caption(regions, lang, runs, demo) + ".", demo_caption(regions, demo, lang))))


def _count_range(counts: np.ndarray, lang: Language) -> str:
    """Counts per region as one number, or their range when they differ ("148–152")."""
    low, high = (lang.number(n) for n in (counts.min(), counts.max()))
    return low if low == high else lang.interval(low, high)


def heading_lines(name: str) -> list[str]:
    """A region's name as a network view's heading: the place, then what the region is ("Africa," / "dry savanna").

    On two lines, neighbouring headings over panels a third of a figure wide do not run into one another.
    """
    place, comma, what = name.partition(", ")
    return [place + comma.strip(), what] if what else [name]
