"""Plain-language findings of a set of runs, by region, with the spread between runs said in words.

A *set of runs* is any yearly table holding several runs of one scenario: seed replicates, posterior draws, or
both. Every column that is not a yearly output (``sim.outputs.COLUMNS``), e.g. ``seed`` or ``draw``, identifies a
run. Each finding is first computed per run, then summarised over the runs:

- adoption (no-till, full CA) in the milestone year, and in the first year;
- the median farm income of the region, averaged over the simulated years;
- the "4 per 1000" index over the period (``four_per_1000_over_period``: the one definition used by ``casim run``,
  ``casim compare`` and the report);
- CO2e stored by the last year, the part of it the scenario's incentives add (beyond the counterfactual), per-ha
  payments and their windfall (the part paid for a practice the same farm uses that year in the counterfactual; its
  share is mean windfall / mean payments, as in ``casim compare``), and carbon money paid to farmers, all farms
  together.

The centre is the mean over runs; the spread is the range that holds all runs, or, with 20 runs or more, the
range left after dropping the lowest and the highest 5 % of them ("in 18 runs out of 20").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from facilitation.i18n import Language
from sim.outputs import COLUMNS

#: Share of runs dropped at each end of the spread, once there are enough runs to drop any.
TAIL_SHARE = 0.05
#: Fewest runs for which tails are dropped: with fewer, 5 % of the runs is less than one run.
RUNS_FOR_TAILS = 20


def run_keys(table: pd.DataFrame) -> list[str]:
    """Columns that identify a run: every column that is not a yearly output (e.g. ``seed``, ``draw``)."""
    return [column for column in table.columns if column not in COLUMNS]


def four_per_1000_over_period(rows: pd.DataFrame) -> float:
    """The "4 per 1000" index of a period: the mean of the yearly index over its simulated years.

    ``rows`` are one run's rows of one region; the initial year (no change yet) is left out. The yearly index is
    the year's relative change of the soil carbon stock divided by 0.4 % (``sim.outputs``); 1 means the
    Initiative's target is met, 0 no change, below 0 a loss.
    """
    first = rows.year.min()
    return float(rows.loc[rows.year > first, "four_per_1000_index"].mean())


@dataclass(frozen=True)
class Spread:
    """A quantity over a set of runs: its mean, and the range holding ``inside`` of the ``runs`` runs."""

    mean: float
    low: float
    high: float
    inside: int
    runs: int


def spread(values: np.ndarray) -> Spread:
    """The mean and the range of ``values`` (one per run), tails dropped from ``RUNS_FOR_TAILS`` runs on."""
    ordered = np.sort(np.asarray(values, dtype=float))
    n = ordered.size
    drop = math.floor(TAIL_SHARE * n) if n >= RUNS_FOR_TAILS else 0
    return Spread(float(ordered.mean()), float(ordered[drop]), float(ordered[n - 1 - drop]), n - 2 * drop, n)


@dataclass(frozen=True)
class RegionFindings:
    """What a region's runs show."""

    region: str
    no_till: Spread  # share of farmers in ``year``
    full_ca: Spread
    no_till_start: Spread  # in ``first_year``
    full_ca_start: Spread
    income: Spread  # median farm income, mean over the simulated years, currency/farm/yr
    index: Spread  # "4 per 1000" index over the period


@dataclass(frozen=True)
class Findings:
    """What a scenario's runs show, by region and for all farms."""

    first_year: int
    year: int  # the year adoption is reported for (the milestone, else the last year)
    last_year: int
    currency: str
    regions: list[RegionFindings]
    co2e_stored: Spread  # t CO2e stored by ``last_year`` (all farms)
    carbon_to_farmers: Spread | None  # currency paid to farmers over the period (None without credits)
    carbon_net_to_farmers: Spread | None  # paid + owed for credits already issued - MRV costs - claw-backs
    carbon_due_to_farmers: Spread | None = None  # owed at ``last_year`` for credits already issued, paid later
    additional: Spread | None = None  # t CO2e stored by ``last_year`` beyond the counterfactual (None without any)
    payments: Spread | None = None  # per-ha payments to farmers over the period, currency (None without any)
    windfall: Spread | None = None  # the part of ``payments`` paid for practices the counterfactual uses, currency

    @property
    def windfall_share(self) -> float:
        """Mean windfall / mean per-ha payments (as ``analysis.compare``); NaN without payments."""
        return self.windfall.mean / self.payments.mean if self.payments is not None else math.nan

    @property
    def runs(self) -> int:
        """Number of runs summarised."""
        return self.co2e_stored.runs


def findings(table: pd.DataFrame, currency: str, milestone: int | None = None) -> Findings:
    """Summarise a set of runs of one scenario (yearly rows of every run); ``milestone`` is the adoption year."""
    keys = run_keys(table)
    runs = [rows for _, rows in table.groupby(keys, sort=False, dropna=False)] if keys else [table]
    first, last = int(table.year.min()), int(table.year.max())
    year = milestone if milestone is not None and first < milestone <= last else last

    def over_runs(region: str, value) -> Spread:
        return spread(np.array([value(run[run.region == region]) for run in runs]))

    def at(year_: int, column: str):
        return lambda rows: float(rows.loc[rows.year == year_, column].iloc[0])

    regions = []
    for region in [r for r in table.region.unique() if r != "all"]:
        regions.append(RegionFindings(
            region,
            no_till=over_runs(region, at(year, "no_till_share")),
            full_ca=over_runs(region, at(year, "full_ca_share")),
            no_till_start=over_runs(region, at(first, "no_till_share")),
            full_ca_start=over_runs(region, at(first, "full_ca_share")),
            income=over_runs(region, lambda rows: float(rows.loc[rows.year > first, "income_p50"].mean())),
            index=over_runs(region, four_per_1000_over_period),
        ))
    stored = over_runs("all", at(last, "co2e_stored_cum_t"))
    everyone = table[table.region == "all"]
    credited = everyone.credits_t_co2e.fillna(0).sum() > 0
    paid = over_runs("all", lambda rows: float(rows.carbon_to_farmers.fillna(0).sum())) if credited else None
    net = over_runs("all", lambda rows: float(rows.farmer_net_carbon_income.fillna(0).sum())) if credited else None
    due = over_runs("all", at(last, "carbon_due_to_farmers")) if credited else None
    additional = over_runs("all", at(last, "additional_cum_t_co2e")) \
        if everyone.additional_cum_t_co2e.fillna(0).ne(0).any() else None
    paying = everyone.payments.fillna(0).gt(0).any()
    payments = over_runs("all", lambda rows: float(rows.payments.fillna(0).sum())) if paying else None
    windfall = over_runs("all", lambda rows: float(rows.payments_windfall.fillna(0).sum())) if paying else None
    return Findings(first, year, last, currency, regions, stored, paid, net, due, additional, payments, windfall)


def _spread_words(lang: Language, s: Spread, show) -> str:
    """How much the runs differ, in words ("between A and B in all 5 runs"); nothing for a single run."""
    _ = lang._
    low, high = show(s.low), show(s.high)
    if s.runs == 1:
        return ""
    if s.low == s.high:
        return _("the same in both runs") if s.runs == 2 else \
            _("the same in all {runs} runs").format(runs=s.runs)
    if low == high:  # different values that read the same at this precision
        return _("about {value} in both runs").format(value=low) if s.runs == 2 else \
            _("about {value} in all {runs} runs").format(value=low, runs=s.runs)
    if s.runs == 2:
        return _("between {low} and {high} in both runs").format(low=low, high=high)
    if s.inside == s.runs:
        return _("between {low} and {high} in all {runs} runs").format(low=low, high=high, runs=s.runs)
    return _("between {low} and {high} in {inside} runs out of {runs}").format(
        low=low, high=high, inside=s.inside, runs=s.runs)


def sentences(found: Findings, lang: Language) -> list[str]:
    """The findings as plain sentences in ``lang``, one idea each (regions first, then all farms)."""
    return [sentence for group in sentences_by_region(found, lang).values() for sentence in group]


def sentences_by_region(found: Findings, lang: Language) -> dict[str, list[str]]:
    """The sentences of each region (by region key) and of all farms (key "all"), in ``lang``."""
    _ = lang._
    percent = lang.share

    def money(value: float) -> str:
        return lang.money(value, found.currency)

    def index(value: float) -> str:
        return lang.number(value, 2)

    def bracket(words: str) -> str:
        return f" ({words})" if words else ""

    groups: dict[str, list[str]] = {}
    for r in found.regions:
        name = lang.region(r.region)
        out = groups[r.region] = []
        out.append(_("{region}, {year}: {no_till} of farmers use no-till{no_till_spread} and {full_ca} practise full "
                     "Conservation Agriculture{full_ca_spread}; in {first_year}: {no_till_start} and "
                     "{full_ca_start}.").format(
            region=name, year=found.year, no_till=percent(r.no_till.mean),
            no_till_spread=bracket(_spread_words(lang, r.no_till, percent)), full_ca=percent(r.full_ca.mean),
            full_ca_spread=bracket(_spread_words(lang, r.full_ca, percent)), first_year=found.first_year,
            no_till_start=percent(r.no_till_start.mean), full_ca_start=percent(r.full_ca_start.mean)))
        out.append(_("{region}, {start}–{end}: the median farm earns {income} a year on average{income_spread}; the "
                     "soils' '4 per 1000' index averages {index}{index_spread}.").format(
            region=name, start=found.first_year + 1, end=found.last_year, income=money(r.income.mean),
            income_spread=bracket(_spread_words(lang, r.income, money)), index=index(r.index.mean),
            index_spread=bracket(_spread_words(lang, r.index, index))))
    stored = found.co2e_stored
    out = groups["all"] = []
    out.append(_("All farms together store {stored} t CO2e more in {last_year} than in {first_year}{spread}.").format(
        stored=lang.number(stored.mean), last_year=found.last_year, first_year=found.first_year,
        spread=bracket(_spread_words(lang, stored, lang.number))))
    if found.additional is not None:
        out.append(_("The scenario's incentives add {additional} t CO2e by {last_year}, beyond what the same farms "
                     "store without them{spread}.").format(
            additional=lang.number(found.additional.mean), last_year=found.last_year,
            spread=bracket(_spread_words(lang, found.additional, lang.number))))
    if found.payments is not None:
        out.append(_("Per-hectare payments give farmers {paid} over {start}–{end}{spread}.").format(
            paid=money(found.payments.mean), start=found.first_year + 1, end=found.last_year,
            spread=bracket(_spread_words(lang, found.payments, money))))
        out.append(_("Of these payments, {windfall} ({share}) pay for practices the same farms use that year "
                     "without the incentives (the counterfactual): a windfall{spread}.").format(
            windfall=money(found.windfall.mean), share=percent(found.windfall_share),
            spread=bracket(_spread_words(lang, found.windfall, money))))
    if found.carbon_to_farmers is not None:
        net = found.carbon_net_to_farmers
        out.append(_("Carbon credits pay farmers {paid} over {start}–{end} and owe them {due} more for credits "
                     "already issued; after MRV costs and claw-backs they keep {net}{spread}.").format(
            paid=money(found.carbon_to_farmers.mean), due=money(found.carbon_due_to_farmers.mean),
            net=money(net.mean), start=found.first_year + 1,
            end=found.last_year, spread=bracket(_spread_words(lang, net, money))))
    if found.runs == 1:
        out.append(_("These figures come from a single run: run more replicates to see how much they vary."))
    return groups


def index_explanation(lang: Language) -> str:
    """The one explanation of the "4 per 1000" index, for the report and the dashboard."""
    return lang._("The '4 per 1000' Initiative aims at soil carbon stocks that grow by 0.4 % a year. The index is a "
                  "year's relative change of the soil carbon stock (0-30 cm) divided by 0.4 %: 1 means the target "
                  "is met, 0 means no change, below 0 a loss. For a period, it is the mean of the yearly index "
                  "over the simulated years.")


def yearly_spread(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per year: the mean over runs of ``column`` and the range ``spread`` would give (columns mean, low, high).

    ``rows`` hold one region (or all farmers) of every run; charts draw this band so that it says what the
    sentences say.
    """
    keys = run_keys(rows)
    wide = rows.pivot_table(index="year", columns=keys, values=column, dropna=False) if keys else \
        rows.set_index("year")[[column]]
    values = np.sort(wide.to_numpy(dtype=float), axis=1)
    n = values.shape[1]
    drop = math.floor(TAIL_SHARE * n) if n >= RUNS_FOR_TAILS else 0
    return pd.DataFrame({"mean": values.mean(axis=1), "low": values[:, drop], "high": values[:, n - 1 - drop]}, index=wide.index)
