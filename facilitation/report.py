"""One self-contained HTML file for facilitators: summaries, farm networks, maps, titled charts, a comparison.

Everything is inline (Plotly's JavaScript once, the page's CSS and script from ``facilitation/assets``, the
printed key frames as PNG data), so the file opens on a borrowed laptop with no network. Each ``<section>`` holds
one idea: read as a page, shown one per screen in presentation mode (key P, arrows to move, Esc to leave), printed
on A4 or Letter with key frames in place of the animation.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from babel.dates import format_date
from plotly.offline import get_plotlyjs

import sim
from analysis.compare import (
    MILESTONES,
    RECEIPTS_PER_T,
    RECEIVES,
    by_region,
    compare,
    cost_reason,
    guarantor_runs,
    incentive_programme,
    one_currency,
    payment_calendar,
    public_receives,
    receipts,
    unbounded_words,
    unpaired_reason,
)
from analysis.replicates import INTERVAL
from experiments.executors import Executor
from experiments.runs import replicates_of
from experiments.single import git_commit, scenario_hash
from facilitation.figures import NetworkDrawing, legend_handles, map_key_frames_figure
from facilitation.geography import region_shapes, view_of
from facilitation.i18n import LANGUAGES, N_, Language, language
from facilitation.report_figures import (
    METRICS,
    chart_title,
    map_figure,
    narrow_headings,
    network_figure,
    on_its_scale,
    region_chart,
    region_shares,
    scenario_chart,
)
from facilitation.soil_claims import factor_off_runs
from facilitation.story import Story, tell_stories
from facilitation.style import (
    CATEGORIES,
    CATEGORY_COLOURS,
    DEMO_OUTLINE,
    EXCHANGE_LINK_COLOUR,
    MAP_OUTLINES,
    demo_caption,
    layout_caption,
    sample_caption,
    scenario_colour,
)
from facilitation.summary import (
    adoption_year,
    baseline_exchange_sentence,
    cash_income_changes,
    depth_label,
    findings,
    index_explanation,
    no_till_depth_caveat,
    run_keys,
    sentences_by_region,
)
from sim.incentives.counterfactual import has_programme

ASSETS = Path(__file__).resolve().parent / "assets"
#: The summary speaks of this year when the run reaches it (the forum's horizon: "80 % CA by 2040"), else of the
#: last simulated year.
MILESTONE_YEAR = 2040
#: Years shown as printed key frames: the first, the last and this many in between.
KEY_FRAMES_BETWEEN = 2
#: Printed key frames: inches per panel and resolution (sharp on paper, small in the file).
KEY_FRAME_DPI = 110
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}
#: Hex digits of each resolved scenario's SHA-256 shown on the cover (64 bits: enough to tell files apart by eye).
DIGEST_SHOWN = 16


def key_years(years: np.ndarray) -> list[int]:
    """Indices of the key frames: first, evenly spaced middle ones, last."""
    return sorted({int(i) for i in np.linspace(0, len(years) - 1, KEY_FRAMES_BETWEEN + 2).round()})


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=KEY_FRAME_DPI)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def network_key_frames(story: Story, lang: Language) -> str:
    """A PNG (data URI) of the sampled farms at the key years, one row per year."""
    import matplotlib.pyplot as plt

    frames = key_years(story.years)
    fig, axes = plt.subplots(len(frames), 1, figsize=(7.5, 1.9 * len(frames)), squeeze=False)
    for ax, frame in zip(axes[:, 0], frames, strict=True):
        NetworkDrawing(ax, story.layout, story.scenario_regions, lang, label_size=8).show(story.categories[frame])
        ax.set_title(str(story.years[frame]), loc="left", fontsize=10, fontweight="bold")
    fig.legend(handles=legend_handles(lang, bool(story.layout.exchange.any())), loc="lower center", ncol=5,
               fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return _png(fig)


def map_key_frames(story: Story, shapes, view, lang: Language) -> str:
    """A PNG (data URI) of the map at the key years, with the regions' key and the colour scale."""
    frames = key_years(story.years)
    shares = region_shares(story)
    return _png(map_key_frames_figure(shapes, view, lang, [int(story.years[f]) for f in frames],
                                      [[shares[s.key].iloc[f] for s in shapes] for f in frames]))


def _section(key: str, title: str, body: str, classes: str = "", subtitle: str = "") -> str:
    """A section: its title (over ``subtitle``, HTML, when there is one) and its body (HTML)."""
    head = f"<header><h2>{html.escape(title)}</h2>{subtitle}</header>" if subtitle else f"<h2>{html.escape(title)}</h2>"
    return f"<section id='{key}' class='slide {classes}'>{head}<div class='body'>{body}</div></section>"


def _legend(lang: Language, links: bool = False) -> str:
    """The network views' key: the farms' categories, the demonstration farms, and the exchange links if ``links``.

    The links' entry is here, not in the figures' own legend, where it sat over a region heading (referee 40 m1).
    """
    items = "".join(f"<span><i class='dot' style='background:{c}'></i>{html.escape(lang._(n))}</span>"
                    for n, c in zip(CATEGORIES, CATEGORY_COLOURS, strict=True))
    items += (f"<span><i class='dot demo' style='border-color:{DEMO_OUTLINE}'></i>"
              f"{html.escape(lang._('demonstration farm (larger dot)'))}</span>")
    if links:
        items += (f"<span><i class='swatch link' style='background:{EXCHANGE_LINK_COLOUR}'></i>"
                  f"{html.escape(lang._('exchange link'))}</span>")
    return f"<p class='legend'>{items}</p>"


def _controls(lang: Language, years: list[int]) -> str:
    return (f"<div class='controls no-print'><button class='play' type='button' data-play='{html.escape(lang._('Play'))}'"
            f" data-pause='{html.escape(lang._('Pause'))}'>▶ {html.escape(lang._('Play'))}</button>"
            f"<input class='year-slider' type='range' min='0' max='{len(years) - 1}' value='0' step='1' "
            f"aria-label='{html.escape(lang._('year'))}'><output class='year'>{years[0]}</output></div>")


#: Why a scenario has no cost per additional t (``analysis.compare.cost_reason``), in words to translate.
COST_REASONS = {"paid by buyers": N_("n/a (paid by buyers)"), "paid by the public": N_("n/a (paid by the public)"),
                "no spending": N_("n/a (no spending)"), "no additional t on average": N_("n/a (no additional t on average)"),
                "no incentive": N_("n/a (no incentive; exchange programmes are costed apart)")}


#: What a net receiving public's cell says in place of a cost (``analysis.compare.receipts``).
RECEIPTS = N_("net receipts: the public receives {money} (paid + owed), {per_t} per additional t (a negative cost)")
#: How an unbounded Fieller set of a cost per additional t reads (``analysis.compare.UNBOUNDED``), in words to
#: translate, and what its negative lower piece means.
UNBOUNDED = {"all": N_("unbounded"), "above": N_("≥ {low}"), "or_negative": N_("≥ {low}, or {negative}"),
             "apart": N_("≤ {below}, or ≥ {low}")}
MAY_LOSE_CARBON = N_("the design may lose carbon")
#: Why a scenario has no change against the baseline (``analysis.compare.NOT_PAIRED``, but the region's, which the
#: report's all-farms table never meets), in words to translate.
NOT_PAIRED = (N_("n/a: other farms or years than the baseline"),
              N_("n/a: seeds differ from the baseline's (unpaired runs)"),
              N_("n/a: posterior draws differ from the baseline's (unpaired runs)"))


def _comparison_columns(stories: list[Story], replicates: int | str, lang: Language) -> tuple[list, str]:
    """The comparison of ``analysis.compare`` (its columns and headline income measure), with headers in ``lang``.

    Returns the columns, each (header, one cell per scenario; the first column names the scenarios), and the note
    that says what the cells are.
    """
    runs = pd.concat([s.results.assign(scenario=s.label) for s in stories], ignore_index=True)
    table = compare(runs, stories[0].label, incentives={s.label: incentive_programme(s.scenario) for s in stories},
                    calendars={s.label: payment_calendar(s.scenario) for s in stories})
    currency = one_currency({s.label: s.scenario for s in stories})
    names = {s.label: lang.scenario_name(s.scenario) for s in stories}
    _ = lang._

    def bounded(column: str, show, row: pd.Series) -> str:
        """'mean (low–high)': the mean and its 95 % replicate interval (the mean alone with one run)."""
        m, lo, hi = row[column], row[column + "_lo"], row[column + "_hi"]
        if not np.isfinite(m):
            return "–"
        words = unbounded_words(lo, hi, row.get(column + "_below", np.nan), show, _(MAY_LOSE_CARBON),
                                {key: _(text) for key, text in UNBOUNDED.items()})
        if words is not None:  # a ratio whose tonnes' interval reaches 0 (``analysis.compare``)
            return f"{show(m)} ({words})"
        if not np.isfinite(lo) or show(lo) == show(hi):
            return show(m)  # one run, or an interval that reads as one value at this precision
        return f"{show(m)} ({lang.interval(show(lo), show(hi))})"

    def pm(column: str, show) -> list[str]:
        return [bounded(column, show, row) for _i, row in table.iterrows()]

    def per_ha(show) -> list[str]:
        """``show(row)`` for each scenario that paid per-ha payments; for the others, that it paid none."""
        return [show(row) if row.payments > 0 else _("n/a (no per-ha payments)") for _i, row in table.iterrows()]

    def carbon(show) -> list[str]:
        """``show(row)`` for each scenario with carbon payers' money (referee 36 R1); for the others, that it had none."""
        return [show(row) if row.carbon_payers_money > 0 else _("n/a (no carbon money)")
                for _i, row in table.iterrows()]

    def cost(spender: str, other: str) -> list[str]:
        """The cost per additional t with its interval, or why there is none; how many runs added nothing."""
        cells = []
        for _i, row in table.iterrows():
            why = cost_reason(row, spender, other)
            if why == RECEIVES:  # a public price ceiling: the public is paid (referee 47 minor 4)
                money, per_t, _pv = receipts(row)  # per t with Fieller's set, as a cost's (referee 50 M1)
                text = _(RECEIPTS).format(money=lang.number(money), per_t=bounded(
                    RECEIPTS_PER_T[0], lang.number, row) if np.isfinite(per_t) else "–")
            else:
                text = _(COST_REASONS[why.split(";")[0]]) if why is not None else \
                    bounded(f"{'buyer' if spender == 'private' else 'public'}_cost_per_additional_t_co2e", lang.number,
                            row)
            if row.runs_without_additional_t and (why in (None, RECEIVES) or why.startswith("no additional")):
                count = int(row.runs_without_additional_t)
                between = lang.pgettext("between the entries of a list", "; ")  # French: " ; "
                text += between + lang.ngettext("{count} of {runs} runs added none",
                                                "{count} of {runs} runs added none", count).format(
                    count=count, runs=int(row.runs))
            cells.append(text)
        return cells

    def receipts_cell(row: pd.Series) -> str:
        """The public's net receipts where it receives on average, else that it pays (referee 52 M2), as compare."""
        receiving, paying = guarantor_runs(row)
        runs = _("receives in {receiving} and pays in {paying} of {runs} runs").format(
            receiving=receiving, paying=paying, runs=int(row.runs))
        if public_receives(row):
            shown = bounded("public_carbon_net_receipts", lang.number, row)
            return f"{shown}{lang.pgettext('between the entries of a list', '; ')}{runs}" if paying else shown
        if not receiving:
            return _("none")
        return _("none on average: pays {paid} net ({runs})").format(
            paid=lang.number(-row.public_carbon_net_receipts), runs=runs)

    columns = [(_("scenario"), [names.get(label, label) for label in table.scenario])]
    for year in MILESTONES:
        if table[f"full_ca_{year}"].notna().any():
            columns.append((_("full CA in {year}").format(year=year), pm(f"full_ca_{year}", lang.share)))
    columns += [
        (_("SOC gain (t C/ha)"), pm("soc_gain_t_c_per_ha", lambda v: lang.number(v, 2))),
        (_("t CO2e credited (issued, gross of reversals)"), pm("co2e_credited_t", lang.number)),
        (_("t CO2e additional"), pm("co2e_additional_t", lang.number)),
        (_("public budget, paid + committed ({currency})").format(currency=currency),
         pm("public_spending_committed", lang.number)),
        (_("buyer spending, paid + committed ({currency})").format(currency=currency),
         pm("private_spending_committed", lang.number)),
        (_("'4 per 1000' index"), pm("four_per_1000_mean", lambda v: lang.number(v, 2))),
        (_("mean cash income, all farms pooled (small and large alike), period mean ({currency})").format(
            currency=currency),
         pm("income_mean_period", lang.number)),
        (_("change against {baseline}").format(baseline=names[stories[0].label]),
         [_(why) if (why := unpaired_reason(row)) else bounded("income_mean_change_pct",
                                                               lambda v: lang.percent(v / 100, 1), row)
          for _i, row in table.iterrows()]),
        (_("share of carbon money reaching farmers, before their MRV costs"),
         carbon(lambda row: bounded("farmer_share_of_carbon_money", lang.percent, row))),
        (_("share of carbon money farmers keep after their MRV costs (net carbon income / carbon payers' money, "
           "paid + owed)"), carbon(lambda row: lang.share(row.farmer_net_share_of_carbon_money))),
        (_("farmers' net carbon income, incl. money owed for issued credits ({currency})").format(currency=currency),
         pm("farmer_net_carbon_income", lang.number)),
        (_("public payments to farmers ({currency})").format(currency=currency),
         pm("public_payments_to_farmers", lang.number)),
        (_("of which windfall: for practices the same farm uses that year without the incentives (the "
           "counterfactual) ({currency})").format(currency=currency),
         per_ha(lambda row: bounded("payments_windfall", lang.number, row))),
        (_("windfall share of per-ha payments"), per_ha(lambda row: lang.share(row.payments_windfall_share))),
        (_("carbon windfall: the carbon payers' money (paid + owed) for credits beyond each farm's own additional "
           "t ({currency})").format(currency=currency),
         carbon(lambda row: bounded("carbon_money_non_additional", lang.number, row))),
        (_("carbon windfall share of the money reaching the project (the payers' less the public's receipts)"),
         carbon(lambda row: lang.share(row.carbon_money_non_additional_share))),
        (_("kept by intermediaries, aggregators and authority, paid + owed for issued credits ({currency})").format(
            currency=currency), pm("intermediaries_take", lang.number)),
        *([(_("received by the public as price guarantor (a price ceiling), paid + owed ({currency})").format(
            currency=currency), [receipts_cell(row) for _i, row in table.iterrows()])]
          if table.public_carbon_receipts.round().gt(0).any() else []),  # referee 50 m1
        (_("public cost of the incentives per additional t CO2e against the counterfactual, paid + committed "
           "({currency})").format(currency=currency), cost("public", "private")),
        (_("buyer cost per additional t CO2e against the counterfactual, paid + committed ({currency})").format(
            currency=currency), cost("private", "public")),
    ]
    note = _("All farmers; mean and {interval} interval of the mean over {runs} runs (not below 0 where a quantity cannot "
             "be negative): narrower than the ranges of the summaries, which hold the runs themselves. Income "
             "changes against {baseline}; additional t CO2e and costs per t against the "
             "counterfactual (the same farms and seeds without the scenario's incentives). Costs per t: mean "
             "spending over mean additional t, counting what is owed for credits already issued.").format(
        interval=lang.percent(INTERVAL), runs=replicates, baseline=names[stories[0].label])
    # referee 50 n6: the note said every cell had an interval
    note += " " + _("Without an interval: the share of carbon money farmers keep after their MRV costs, the two "
                    "windfall shares (ratios of the means) and the public's net receipts in the cost columns.")
    return columns, note


def _wide_table(columns: list) -> str:
    """One row per scenario, one column per indicator: the page's and paper's table."""
    head = "".join(f"<th>{html.escape(name)}</th>" for name, _values in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(values[i])}</td>" for _name, values in columns) + "</tr>"
                   for i in range(len(columns[0][1])))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _comparison_table(stories: list[Story], replicates: int | str, lang: Language) -> str:
    """The comparison's note and its wide table (one row per scenario), with headers in ``lang``."""
    columns, note = _comparison_columns(stories, replicates, lang)
    return f"<p>{html.escape(note)}</p><div class='table'>{_wide_table(columns)}</div>"


def _comparison(stories: list[Story], replicates: int | str, lang: Language) -> str:
    """The comparison section's body: the note, the wide table on the page and paper, one row per indicator on screen.

    Referee 38 M2: on a projector the wide table's 20-odd columns, their headers several lines tall, filled the
    screen before its first row. Turned (a column per scenario, the scenarios' colours over them), each indicator is
    one row a room reads across, and Next in presentation mode shows it a screenful at a time; nothing is left out.
    """
    columns, note = _comparison_columns(stories, replicates, lang)
    (_header, names), indicators = columns[0], columns[1:]
    head = "<th></th>" + "".join(f"<th><i class='swatch' style='background:{scenario_colour(k)}'></i>"
                                 f"{html.escape(name)}</th>" for k, name in enumerate(names))
    def cell(value: str) -> str:
        """A number and its interval each kept on one line ("45 %" / "(44 %–46 %)"); words wrap as they will."""
        if re.search(r"[^\W\d_]", value.replace(lang.interval_words, " ")):
            return html.escape(value)
        return " ".join(f"<span>{html.escape(part)}</span>" for part in value.replace(" (", "\0(", 1).split("\0"))

    body = "".join(f"<tr><th scope='row'>{html.escape(name)}</th>"
                   + "".join(f"<td>{cell(value)}</td>" for value in values) + "</tr>"
                   for name, values in indicators)
    return (f"<p>{html.escape(note)}</p><div class='table page-only'>{_wide_table(columns)}</div>"
            f"<div class='table present-only'><table class='by-indicator'><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


def _against_baseline(stories: list[Story], said: list[dict[str, list[str]]], lang: Language) -> None:
    """Add to each design's summary, region by region, its change of farm cash income against the first scenario.

    From ``analysis.compare.by_region`` (paired runs; referee 33 M1, m7): per farm, per ha and in percent, and, where
    the design raises uptake while cash income falls, why (``facilitation.summary.cash_income_changes``).
    """
    runs = pd.concat([s.results.assign(scenario=s.label) for s in stories], ignore_index=True)
    regions = by_region(runs, baseline=stories[0].label)
    baseline = lang.scenario_name(stories[0].scenario)
    first = stories[0].scenario
    for story, sentences in zip(stories[1:], said[1:], strict=True):
        for _i, row in regions[regions.scenario == story.label].iterrows():
            if row.region in sentences:
                sentences[row.region].extend(cash_income_changes(row, baseline, story.scenario.currency, lang))
        # an exchange programme's groups against the same farms without it (referee 40 M1): only against the same
        # scenario without the exchanges (``analysis.exchange_groups``' rule)
        if story.scenario.network.exchange and not first.network.exchange and \
                incentive_programme(first) == incentive_programme(story.scenario):
            year = adoption_year(story.results, MILESTONE_YEAR)
            for region, region_sentences in sentences.items():
                region_sentences.extend(baseline_exchange_sentence(story.results, stories[0].results, region, year,
                                                                   baseline, lang))


def csv_text(runs: pd.DataFrame, lang: Language) -> str:
    """The yearly table as CSV that a spreadsheet in ``lang``'s locale opens as columns.

    The locale's decimal sign, and ';' between fields where the decimal sign is a comma (as spreadsheets in those
    locales expect).
    """
    decimal = lang.locale.number_symbols["latn"]["decimal"]
    return runs.to_csv(index=False, sep=";" if decimal == "," else ",", decimal=decimal)


def inline_json(value) -> str:
    r"""``value`` as JSON safe inside a ``<script>`` element.

    '</' is written '<\/', which ``JSON.parse`` reads back as '</'. (``html.escape`` would not do: a script element's
    text is not HTML-decoded, so '&' would stay '&amp;'.)
    """
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def yearly_numbers(stories: list[Story], lang: Language) -> pd.DataFrame:
    """The stories' yearly tables, stacked: ``scenario`` the file's stem, ``scenario_name`` the name the page shows.

    Referee 50 n7: the download named the scenarios by their stems only ("per_ha_payment").
    """
    return pd.concat([s.results.assign(scenario=s.label, scenario_name=lang.scenario_name(s.scenario))
                      [["scenario", "scenario_name", *(c for c in s.results.columns if c != "scenario")]]
                      for s in stories], ignore_index=True)


def _download(stories: list[Story], lang: Language) -> str:
    runs = yearly_numbers(stories, lang)
    return (f"<p class='no-print'><button type='button' class='download' data-file='casim-yearly.csv'>"
            f"{html.escape(lang._('Download the yearly numbers (CSV, for a spreadsheet)'))}</button></p>"
            f"<script type='application/json' id='casim-csv'>{inline_json(csv_text(runs, lang))}</script>")


def runs_per_scenario(stories: list[Story]) -> str:
    """Runs behind each scenario's numbers (seeds, or posterior draws x seeds): '3', or '3-60' when they differ."""
    counts = sorted({len(s.results[run_keys(s.results)].drop_duplicates()) for s in stories})
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"


def _seeds(stories: list[Story]) -> str:
    """The seeds behind the runs ("42–44", or "42, 50" when they are not consecutive), and posterior draws if any."""
    seeds = sorted({int(v) for s in stories for v in s.results.seed.unique()})
    consecutive = seeds == list(range(seeds[0], seeds[-1] + 1))
    return f"{seeds[0]}–{seeds[-1]}" if consecutive and len(seeds) > 1 else ", ".join(map(str, seeds))


def population(story: Story, lang: Language) -> str:
    """Farmers and farmed hectares per region and in all in the first year: means over the runs, as the summary's.

    Farms' sizes are drawn per seed, so the runs' areas differ: then the mean and the runs' range (referee 50 M2: the
    cover gave the first run's 292,049 ha of Cerrado, the sentences the mean 296,608 ha).
    """
    results = story.results
    first = results[results.year == results.year.min()].groupby("region")[["farmers", "area_ha"]]
    mean, low, high = first.mean(), first.min(), first.max()
    between = lang.pgettext("between the entries of a list", "; ")  # French sets a space before the semicolon

    def one(key: str) -> str:
        words = dict(region=lang.region(key), farmers=lang.number(mean.farmers[key]), area=lang.number(mean.area_ha[key]))
        if lang.number(low.area_ha[key]) == lang.number(high.area_ha[key]):
            return lang._("{region}: {farmers} farmers, {area} ha").format(**words)
        return lang._("{region}: {farmers} farmers, {area} ha on average over the runs ({low}–{high})").format(
            low=lang.number(low.area_ha[key]), high=lang.number(high.area_ha[key]), **words)
    return between.join(one(key) for key in [*story.scenario_regions, "all"])


def _cover(stories: list[Story], replicates: int | str, lang: Language) -> str:
    """The cover: the scenarios, each with its population and identity, and how, when and by what code it ran."""
    _ = lang._
    commit = git_commit(Path(sim.__file__).parent)
    years = sorted({int(y) for s in stories for y in s.years})
    most = int(str(replicates).split("-")[-1])  # "3", or "3-60" when scenarios differ
    made = lang.ngettext("Simulated with casim {version} (git commit {commit}) on {date}: {first}–{last}, {runs} run "
                         "per scenario, seeds {seeds}.",
                         "Simulated with casim {version} (git commit {commit}) on {date}: {first}–{last}, {runs} runs "
                         "per scenario, seeds {seeds}.", most).format(
        version=sim.__version__, commit=commit[:12] if commit else _("unknown"),
        date=format_date(date.today(), "long", locale=lang.code),
        first=years[0], last=years[-1], runs=replicates, seeds=_seeds(stories))
    identity = _("scenario SHA-256 (resolved, as in manifest.json): {digest}")
    items = "".join(
        f"<li><i class='swatch' style='background:{scenario_colour(k)}'></i>"
        f"<b>{html.escape(lang.scenario_name(s.scenario))}</b><br>"
        f"<span>{html.escape(lang.scenario_description(s.scenario))}</span><br><span class='population'>"
        f"{html.escape(population(s, lang))}</span><br><span class='hash'>"
        f"{html.escape(identity.format(digest=scenario_hash(s.scenario)[:DIGEST_SHOWN]))}</span></li>"
        for k, s in enumerate(stories))
    return (f"<p class='lead'>{html.escape(_('Conservation Agriculture adoption, simulated'))}</p>"
            f"<ul class='scenarios'>{items}</ul><p class='meta'>{html.escape(made)}</p>"
            f"<p class='no-print buttons'><button type='button' class='present'>▶ {html.escape(_('Presentation mode'))}"
            f" (P)</button> <button type='button' class='print'>{html.escape(_('Print'))}</button></p>"
            f"<p class='hint no-print'>{html.escape(_('In presentation mode: arrows or space to move, Esc to leave.'))}</p>")


def render(stories: list[Story], replicates: int | str, lang: Language | None = None,
           factor_off: Mapping[str, pd.DataFrame] | None = None) -> str:
    """The whole report as one HTML string, in ``lang`` (English by default).

    ``factor_off``: by story label, the same runs with no-till's factor switched off
    (``facilitation.soil_claims.factor_off_runs``), for the scenarios with incentives; the summary then says how many
    of the additional tonnes rest on that factor.
    """
    lang = lang or language(None)
    factor_off = factor_off or {}
    _ = lang._
    figures: dict[str, dict] = {}
    data = {"networks": [], "maps": [], "years": []}
    sections = []
    title = " · ".join(lang.scenario_name(s.scenario) for s in stories)
    years = sorted({int(y) for s in stories for y in s.years})
    data["years"] = years

    sections.append(f"<section id='cover' class='slide cover'><h1>{html.escape(title)}</h1>"
                    f"{_cover(stories, replicates, lang)}</section>")

    said = [sentences_by_region(findings(s.results, s.scenario.currency, MILESTONE_YEAR, s.scenario,
                                         factor_off.get(s.label)), lang) for s in stories]
    if len(stories) > 1:
        _against_baseline(stories, said, lang)
    # one section per region and scenario (referee 38 M1): on a projector a region's sentences for two scenarios
    # took three screens, and the screens after the first no longer said which scenario they were about; the title
    # and the scenario's name stay at the top while a section scrolls
    for key in [*stories[0].scenario_regions, "all"]:
        for k, story in enumerate(stories):
            items = "".join(f"<li>{html.escape(s)}</li>" for s in said[k].get(key, []))
            name = (f"<p class='scenario'><i class='swatch' style='background:{scenario_colour(k)}'></i>"
                    f"{html.escape(lang.scenario_name(story.scenario))}</p>") if len(stories) > 1 else ""
            sections.append(_section(f"summary-{key}" + (f"-{k}" if k else ""),
                                     _("{region}: what the runs show").format(region=lang.region(key)),
                                     f"<ul class='summary'>{items}</ul>", subtitle=name))

    cells, prints, demos = [], [], []
    for k, story in enumerate(stories):
        fig, frames = network_figure(story, lang)
        div = f"network-{k}"
        figures[div] = fig
        data["networks"].append({"div": div, "years": [int(y) for y in story.years], "frames": frames,
                                 "colours": list(CATEGORY_COLOURS), "narrow": narrow_headings(story, lang)})
        lay = story.layout
        # the captions are the page's text under the figures, not the figures' margins (referee 40 M0); the
        # demonstration farms' sentence once for the section where the scenarios' samples agree
        cells.append(f"<figure class='network'><div class='plot network' id='{div}'></div><figcaption>"
                     f"{html.escape(sample_caption(lay.region, lang, story.runs, lay.demo))}</figcaption></figure>")
        if (said_demo := demo_caption(lay.region, lay.demo, lang)) and said_demo not in demos:
            demos.append(said_demo)
        caption = f"{lang.scenario_name(story.scenario)} · {layout_caption(lay.region, lay.demo, lang, story.runs)}"
        prints.append(f"<figure class='print-only'><figcaption>{html.escape(caption)}</figcaption>"
                      f"<img alt='' src='{network_key_frames(story, lang)}'></figure>")
    sections.append(_section("networks", _("Adoption spreading through farm networks"),
                             _legend(lang, any(s.layout.exchange.any() for s in stories)) + _controls(lang, years)
                             + f"<div class='grid n{len(stories)}'>{''.join(cells)}</div>"
                             + "".join(f"<p class='caption no-print'>{html.escape(d)}</p>" for d in demos)
                             + "".join(prints), "animated"))

    shapes = region_shapes(stories[0].scenario)
    if shapes:
        view = view_of(shapes)
        cells, prints = [], []
        for k, story in enumerate(stories):
            mine = region_shapes(story.scenario)
            fig, colours = map_figure(story, mine, view, lang)
            div = f"map-{k}"
            figures[div] = fig
            data["maps"].append({"div": div, "years": [int(y) for y in story.years], "colours": colours,
                                 "traces": list(range(1, len(mine) + 1))})
            cells.append(f"<div class='plot map' id='{div}'></div>")
            prints.append(f"<figure class='print-only'><figcaption>{html.escape(lang.scenario_name(story.scenario))}</figcaption>"
                          f"<img alt='' src='{map_key_frames(story, mine, view, lang)}'></figure>")
        sections.append(_section("map", _("Where the farms are: share of farmers using no-till"),
                                 _controls(lang, years) + f"<div class='grid n{len(stories)}'>{''.join(cells)}</div>"
                                 + "".join(prints) + f"<p class='caption'>{html.escape(_(MAP_OUTLINES))}</p>",
                                 "animated"))

    for metric in METRICS:
        metric = on_its_scale(stories[0], metric) if len(stories) == 1 else metric
        div = f"chart-{metric.column}"
        figures[div] = region_chart(stories[0], metric, lang) if len(stories) == 1 else \
            scenario_chart(stories, metric, lang)
        heading = chart_title(metric, lang, stories)
        sections.append(f"<section id='{div}-slide' class='slide chart'><h2>{html.escape(heading)}</h2>"
                        f"<div class='body'><div class='plot chart' id='{div}'></div></div></section>")

    if len(stories) > 1:
        sections.append(_section("comparison", _("Scenarios side by side"), _comparison(stories, replicates, lang)))
    depth_cm = stories[0].scenario.soil.depth_cm
    sections.append(_section("index", _("What the '4 per 1000' index means"),
                             f"<p>{html.escape(index_explanation(lang, depth_cm))}</p>"
                             f"<p>{html.escape(no_till_depth_caveat(lang, depth_label(lang, depth_cm)))}</p>"
                             + _download(stories, lang)))

    strings = {"slide": _("{current} of {total}"), "exit": _("Esc: leave the presentation")}
    payload = json.dumps({**data, "figures": figures, "config": PLOTLY_CONFIG, "strings": strings},
                         separators=(",", ":"), default=_json_default).replace("</", "<\\/")
    style = (ASSETS / "report.css").read_text(encoding="utf-8")
    script = (ASSETS / "report.js").read_text(encoding="utf-8")
    footer = _("Every script and style is inside this file: it needs no network.")
    return (f"<!DOCTYPE html><html lang='{lang.code}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{style}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>"
            f"<main>{''.join(sections)}</main>"
            f"<div class='pager no-print' aria-live='polite'></div>"
            f"<footer>{html.escape(footer)}</footer>"
            f"<script type='application/json' id='casim-data'>{payload}</script><script>{script}</script></body></html>")


def _json_default(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


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
                progress: Callable[[int, int], None] | None = None, lang: str | None = None) -> Report:
    """Simulate every scenario (label -> scenario) with seed replicates on ``executor`` and render the report.

    Each scenario with incentives is also run with no-till's 0-30 cm factor switched off, on the same seeds
    (``facilitation.soil_claims``: about as long again as its own runs). ``per_region`` farms of each region are
    drawn in the network animation; ``lang`` is one of ``LANGUAGES``.
    """
    chosen = language(lang)  # an unknown language fails before any simulation
    one_currency(scenarios)  # so do scenarios whose money cannot be set side by side
    runs = {label: len(replicates_of(scenario, replicates)) for label, scenario in scenarios.items()}
    again = [label for label, scenario in scenarios.items() if has_programme(scenario)]
    total = sum(runs.values()) + sum(runs[label] for label in again)

    def counted(before: int) -> Callable[[int, int], None] | None:
        """``progress`` over all the report's runs, of which ``before`` were done before this batch."""
        return None if progress is None else lambda done, _total: progress(before + done, total)

    stories = tell_stories(scenarios, replicates, farmers, years, per_region, executor, counted(0))
    factor_off, done = {}, sum(runs.values())
    for story in stories:
        if story.label in again:
            factor_off[story.label] = factor_off_runs(story.scenario, story.label, replicates, farmers, years,
                                                      executor, counted(done))
            done += runs[story.label]
    return Report(stories, replicates, render(stories, runs_per_scenario(stories), chosen, factor_off))


__all__ = ["LANGUAGES", "Report", "make_report", "render"]
