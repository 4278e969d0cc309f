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
  share is mean windfall / mean payments, as in ``casim compare``), credit-line subsidies, what is still owed on
  running loans and their windfall (the subsidy on loans for practices the same farm takes up in the loan's year in
  the counterfactual, as in ``casim compare``), and carbon money paid to farmers, all farms together.

The centre is the mean over runs; the spread is the range that holds all runs, or, with 20 runs or more, the
range left after dropping the lowest and the highest 5 % of them ("in 18 runs out of 20").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.compare import (
    additional_over_time,
    by_region,
    carbon_payers_money,
    cash_income_per_ha,
    no_trend_read,
    public_carbon_flows,
    public_carbon_money,
    summarise,
)
from analysis.replicates import INTERVAL, half_width, mean_covariance
from facilitation.i18n import Language
from facilitation.soil_claims import no_till_factor_spread, no_till_gain_uncertainty
from facilitation.style import soil_depth
from sim.incentives.counterfactual import has_programme
from sim.outputs import COLUMNS, SIZE_GROUPS
from sim.scenario import Scenario
from sim.soil.factor_draws import draws_factors
from sim.units import FOUR_PER_1000

#: Share of runs dropped at each end of the spread, once there are enough runs to drop any.
TAIL_SHARE = 0.05
#: Fewest runs for which tails are dropped: with fewer, 5 % of the runs is less than one run.
RUNS_FOR_TAILS = 20
#: Below this many runs the summary warns that the ranges understate the spread (referee 29: 3 runs of the per-ha
#: payment gave Africa dry's 2040 no-till as 8.9-20 %; 30 runs gave 2.3-22.1 %).
FEW_RUNS = 10


def adoption_year(table: pd.DataFrame, milestone: int | None) -> int:
    """The year the summary says adoption at: ``milestone`` if the runs reach it after their first, else their last."""
    first, last = int(table.year.min()), int(table.year.max())
    return milestone if milestone is not None and first < milestone <= last else last


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
    income: Spread  # median farm cash income, mean over the simulated years, currency/farm/yr
    income_per_ha: Spread  # the region's farms' cash income per ha (total / farmed area), mean over years, currency/ha/yr
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
    credited: Spread | None = None  # t CO2e credited (issued, gross) by ``last_year`` (None without a carbon programme)
    standing: Spread | None = None  # of ``credited``, t CO2e still standing (not cancelled or clawed back)
    carbon_money: Spread | None = None  # carbon payers' money, paid + committed, currency (None without credits)
    public_receipts: Spread | None = None  # of ``carbon_money``, what the public receives as price guarantor
    public_paid: Spread | None = None  # of ``carbon_money``, what the public pays (top-ups, refund pay-backs), currency
    public_carbon: Spread | None = None  # the public's net carbon money, paid + owed (< 0: it receives), currency
    public_signs: tuple[int, int] = (0, 0)  # runs in which the public receives, and pays, as carbon guarantor or buyer
    carbon_windfall: Spread | None = None  # of ``carbon_money``, for credits beyond each farm's own additional t
    credit_line: Spread | None = None  # credit-line subsidies paid over the period, currency (None without any)
    credit_line_owed: Spread | None = None  # of the credit line, still owed at the end on running loans, currency
    credit_line_windfall: Spread | None = None  # of ``credit_line``, on loans for practices the counterfactual used
    on_no_till_factor: Spread | None = None  # additional t CO2e lost with no-till's factor off (None: no variant)
    no_till_factor_spread: float = math.nan  # 2 sd, t CO2e, that no-till's factor gives ``on_no_till_factor``
    no_till_uncertainty: tuple[float, float] = (math.nan, math.nan)  # least and most 2-sd share of its gain, regions
    tier1_drawn: bool = False  # the runs draw the IPCC Tier 1 factors (their ranges include them)
    depth_cm: float = 30.0  # the soil layer of every carbon figure, cm (``soil.depth_cm``)
    farmers: float = 0.0  # all farms in the first year, mean over the runs
    area_ha: float = math.nan  # farmed area of all farms in the first year, ha, mean over the runs
    additional_trend: pd.Series | None = None  # ``analysis.compare.additional_over_time``'s row of these runs
    money_by_region: pd.DataFrame | None = None  # ``analysis.compare.by_region`` of these runs, by region key
    exchange: pd.DataFrame | None = None  # exchange participants and the other farmers, by (run keys..., region)
    exchange_cost: Spread | None = None  # public cost of the exchange programmes over the period, currency

    @property
    def windfall_share(self) -> float:
        """Mean windfall / mean per-ha payments (as ``analysis.compare``); NaN without payments."""
        return self.windfall.mean / self.payments.mean if self.payments is not None else math.nan

    @property
    def credit_line_windfall_share(self) -> float:
        """Mean credit-line windfall / mean credit-line subsidies (as ``analysis.compare``); NaN without them."""
        return self.credit_line_windfall.mean / self.credit_line.mean if self.credit_line is not None else math.nan

    @property
    def carbon_windfall_share(self) -> float:
        """Mean carbon windfall / mean money reaching the project (as ``analysis.compare``); NaN without that money.

        The money reaching the project is the carbon payers' less what the public receives as price guarantor.
        """
        money = self.project_money
        return self.carbon_windfall.mean / money if money > 0 else math.nan

    @property
    def project_money(self) -> float:
        """Mean carbon payers' money less the public's mean receipts as price guarantor (0 without carbon money)."""
        money = self.carbon_money.mean if self.carbon_money is not None else 0.0
        return money - (self.public_receipts.mean if self.public_receipts is not None else 0.0)

    @property
    def runs(self) -> int:
        """Number of runs summarised."""
        return self.co2e_stored.runs


def carbon_programme(scenario: Scenario) -> bool:
    """Whether ``scenario`` can pay for carbon credits (a price or floor, a Twin Regions market), per-ha aside."""
    payments = scenario.payments.model_copy(update={"per_ha": {}, "repeat_bonus_per_ha": {}})
    return has_programme(scenario.model_copy(update={"payments": payments, "credit_line": None}))


def findings(table: pd.DataFrame, currency: str, milestone: int | None = None, scenario: Scenario | None = None,
             factor_off: pd.DataFrame | None = None) -> Findings:
    """Summarise a set of runs of one scenario (yearly rows of every run); ``milestone`` is the adoption year.

    With the ``scenario`` the runs are of: its soil depth, whether it has a carbon programme (then the credited
    tonnes, or that none were credited) and what its Tier 1 factors' uncertainty is; ``factor_off`` are the same
    runs with no-till's factor switched off (``facilitation.soil_claims.factor_off_runs``).
    """
    keys = run_keys(table)
    runs = [rows for _, rows in table.groupby(keys, sort=False, dropna=False)] if keys else [table]
    first, last = int(table.year.min()), int(table.year.max())
    year = adoption_year(table, milestone)

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
            income_per_ha=over_runs(region, _cash_income_per_ha),
            index=over_runs(region, four_per_1000_over_period),
        ))
    stored = over_runs("all", at(last, "co2e_stored_cum_t"))
    everyone = table[table.region == "all"]
    credited = everyone.credits_t_co2e.fillna(0).sum() > 0
    paid = over_runs("all", lambda rows: float(rows.carbon_to_farmers.fillna(0).sum())) if credited else None
    net = over_runs("all", lambda rows: float(rows.farmer_net_carbon_income.fillna(0).sum())) if credited else None
    due = over_runs("all", at(last, "carbon_due_to_farmers")) if credited else None
    has_additional = everyone.additional_cum_t_co2e.fillna(0).ne(0).any()
    additional = over_runs("all", at(last, "additional_cum_t_co2e")) if has_additional else None
    # when the mean additional t peaked and their trend at the end, read as ``casim compare`` reads them (referee 50 m4)
    trend = _additional_trend(table, last) if has_additional else None
    paying = everyone.payments.fillna(0).gt(0).any()
    payments = over_runs("all", lambda rows: float(rows.payments.fillna(0).sum())) if paying else None
    windfall = over_runs("all", lambda rows: float(rows.payments_windfall.fillna(0).sum())) if paying else None
    start = everyone[everyone.year == first]
    # means over the runs, as the totals they divide (referee 50 M2: the first run's area, 294,969 ha of a mean 299,516)
    extra = dict(farmers=float(start.farmers.mean()), area_ha=float(start.area_ha.mean()),
                 additional_trend=trend)
    if credited or (scenario is not None and carbon_programme(scenario)):
        extra["credited"] = over_runs("all", at(last, "credits_cum_t_co2e"))
        extra["standing"] = over_runs("all", at(last, "credits_net_cum_t_co2e"))
    if credited and "carbon_money_non_additional_cum" in table:  # not in tables written before it existed
        extra["carbon_money"] = over_runs("all", lambda rows: carbon_payers_money(
            rows[rows.year > first], rows[rows.year == last].iloc[0]))
        extra["carbon_windfall"] = over_runs("all", at(last, "carbon_money_non_additional_cum"))
        alls = [(rows[rows.year > first], rows[rows.year == last].iloc[0])
                for rows in (run[run.region == "all"] for run in runs)]
        public = np.array([public_carbon_money(flows, end)[1] for flows, end in alls])
        # year by year, as compare's: a collar's receipts are not netted against its top-ups (referee 54 M1)
        paid_received = np.array([public_carbon_flows(flows, end) for flows, end in alls])
        extra["public_paid"], extra["public_receipts"] = spread(paid_received[:, 0]), spread(paid_received[:, 1])
        extra["public_carbon"] = spread(public)
        extra["public_signs"] = (int((np.round(public) < 0).sum()), int((np.round(public) > 0).sum()))
    if everyone.credit_line_subsidy.fillna(0).gt(0).any() and "credit_line_windfall" in table:  # referee 47 M2, M4
        extra["credit_line"] = over_runs("all", lambda rows: float(rows.credit_line_subsidy.fillna(0).sum()))
        extra["credit_line_owed"] = over_runs("all", at(last, "credit_line_committed"))
        extra["credit_line_windfall"] = over_runs("all", lambda rows: float(rows.credit_line_windfall.fillna(0).sum()))
    if credited or paying:
        extra["money_by_region"] = _money_by_region(table)
    if "exchange_participants" in table and everyone.exchange_participants.fillna(0).gt(0).any():
        extra["exchange"] = _exchange_by_region(table, year)
        extra["exchange_cost"] = over_runs("all", lambda rows: float(rows.exchange_programme_cost.fillna(0).sum()))
    if scenario is not None:
        known = [v for v in no_till_gain_uncertainty(scenario).values() if math.isfinite(v)]
        extra.update(depth_cm=scenario.soil.depth_cm, tier1_drawn=draws_factors(scenario),
                     no_till_uncertainty=(min(known), max(known)) if known else (math.nan, math.nan))
        if factor_off is not None and additional is not None:
            on_factor = _on_no_till_factor(table, factor_off, last)
            extra["on_no_till_factor"] = spread(on_factor.xs("all", level="region").to_numpy())
            per_region = on_factor.drop(index="all", level="region").groupby(level="region").mean()
            extra["no_till_factor_spread"] = no_till_factor_spread(scenario, per_region.to_dict())
    return Findings(first, year, last, currency, regions, stored, paid, net, due, additional, payments, windfall,
                    **extra)


def _additional_trend(table: pd.DataFrame, last: int) -> pd.Series:
    """``analysis.compare.additional_over_time``'s row of these runs, with the last year's additional t interval.

    ``co2e_additional_t_lo``, as ``casim compare`` summarises it, that its ``no_trend_read`` applies.
    """
    trend = additional_over_time(table.assign(scenario="runs")).loc["runs"]
    keys = [k for k in run_keys(table) if k in ("draw", "seed")]
    ends = table[(table.region == "all") & (table.year == last)][[*keys, "additional_cum_t_co2e"]]
    interval = summarise(ends.rename(columns={"additional_cum_t_co2e": "co2e_additional_t"}).assign(scenario="runs"),
                         ["scenario"]).iloc[0]
    return pd.concat([trend, interval[["co2e_additional_t", "co2e_additional_t_lo"]]])


def _cash_income_per_ha(rows: pd.DataFrame) -> float:
    """One run's region: its farms' cash income per ha a year (total income / farmed area), mean over the seasons."""
    seasons = rows[rows.year > rows.year.min()]
    return float(cash_income_per_ha(seasons).mean())


def _on_no_till_factor(table: pd.DataFrame, factor_off: pd.DataFrame, last: int) -> pd.Series:
    """Additional t CO2e by ``last`` minus the same run's with no-till's factor off, by (run keys..., region)."""
    keys = run_keys(table)
    index = [*keys, "region"]
    end = table[table.year == last].set_index(index).additional_cum_t_co2e
    off = factor_off[factor_off.year == last].set_index(index).additional_cum_t_co2e
    if not end.index.sort_values().equals(off.index.sort_values()):
        raise ValueError("the runs with no-till's factor off are not the report's runs (seeds, draws, regions)")
    return end - off.reindex(end.index)


#: What the summary says of exchange programmes, by region (``sim.outputs``' exchange columns): in the adoption
#: year, participants and the shares of participants and of the other farmers using no-till; over the seasons, the
#: median cash income of each group. Each run's, said as the mean over runs and their spread.
EXCHANGE = {"participants": "exchange_participants", "no_till": "exchange_participant_no_till_share",
            "others_no_till": "exchange_non_participant_no_till_share"}
EXCHANGE_INCOME = {"income": "exchange_participant_income_p50", "others_income": "exchange_non_participant_income_p50"}


def _exchange_by_region(table: pd.DataFrame, year: int) -> pd.DataFrame:
    """``EXCHANGE`` at ``year`` and ``EXCHANGE_INCOME`` over the seasons, one row per (run keys..., region)."""
    keys = [*run_keys(table), "region"]
    at_year = table[table.year == year].groupby(keys)[list(EXCHANGE.values())].mean()
    seasons = table[table.year > table.year.min()].groupby(keys)[list(EXCHANGE_INCOME.values())].mean()
    return at_year.join(seasons).rename(columns={v: k for k, v in {**EXCHANGE, **EXCHANGE_INCOME}.items()})


def income_gap_is_clear(participants: np.ndarray, others: np.ndarray) -> bool:
    """Whether the ``INTERVAL`` t interval of the mean gap between two groups' incomes leaves out 0.

    One value per run, paired within run; never with one run (no spread to tell a gap from run-to-run noise).
    """
    gap = np.asarray(participants, float) - np.asarray(others, float)
    gap = gap[np.isfinite(gap)]
    width = half_width(mean_covariance(gap[:, None]), 0)
    return bool(np.isfinite(width) and abs(gap.mean()) > width)


def _exchange_sentence(found: Findings, region: str, lang: Language) -> list[str]:
    """A region's exchange participants and other farmers: no-till in the adoption year, cash income, over runs.

    Referee 40 M1: said as "participants, against the other farmers", it read as the programme's effect, which it is
    not: participants are drawn at random (``sim.network``), and the other farmers gain too, through the region's
    seeder supply and their neighbours (``analysis.exchange_groups``). An income gap whose interval over the runs holds
    0 is not given (Cerrado: +1,008 to +7,698 USD in 3 runs, read as a 3,750 USD gain).
    """
    table = found.exchange
    if table is None or region not in table.index.get_level_values("region"):
        return []
    runs = table[table.index.get_level_values("region") == region]
    runs = runs[runs.participants > 0]
    if runs.empty:
        return []
    _ = lang._
    share = lambda column: (lang.share(runs[column].mean()),  # noqa: E731
                            _bracket(_spread_words(lang, spread(runs[column].dropna().to_numpy()), lang.share)))
    money = lambda value: lang.money(value, found.currency)  # noqa: E731
    no_till, no_till_spread = share("no_till")
    others, others_spread = share("others_no_till")
    out = [_("{region}, {year}: {participants} farmers, drawn at random, take part in the exchange programme; {no_till} "
             "of them use no-till{no_till_spread}, and {others_no_till} of the other farmers{others_spread}. The other "
             "farmers gain from the programme too (through the region's seeder supply and their neighbours who take "
             "part), so the gap between the two is not its effect: that is each group against the same farms in a "
             "run without the programme.").format(
        region=lang.region(region), year=found.year, participants=lang.number(runs.participants.mean()),
        no_till=no_till, no_till_spread=no_till_spread, others_no_till=others, others_spread=others_spread)]
    incomes = runs[["income", "others_income"]].dropna()
    if incomes.empty:
        return out
    words = dict(income=money(incomes.income.mean()), start=found.first_year + 1, end=found.last_year,
                 spread=_bracket(_spread_words(lang, spread(incomes.income.to_numpy()), money)))
    if income_gap_is_clear(incomes.income.to_numpy(), incomes.others_income.to_numpy()):
        out.append(_("Their median cash income averages {income} a year over {start}–{end}{spread}, against "
                     "{others_income} for the other farmers{others_spread}.").format(
            others_income=money(incomes.others_income.mean()),
            others_spread=_bracket(_spread_words(lang, spread(incomes.others_income.to_numpy()), money)), **words))
    else:
        out.append(_("Their median cash income averages {income} a year over {start}–{end}{spread}: the same as the "
                     "other farmers' within the runs' spread.").format(**words))
    return out


def baseline_exchange_sentence(exchange: pd.DataFrame, baseline: pd.DataFrame, region: str, year: int,
                               baseline_name: str, lang: Language) -> list[str]:
    """The region's no-till share at ``year`` in the ``baseline`` runs, where ``exchange``'s runs have participants.

    The baseline is the same scenario without the programme, of the same seeds: the same farms. Participants are drawn
    at random, so without the programme either group would show about the region's share (referee 40 M1: Africa,
    dry savanna, 2040: 0.9 % in the baseline, against 5.8 % of participants and 2.3 % of the other farmers).
    """
    taking_part = exchange[(exchange.region == region) & (exchange.year == year)].exchange_participants.fillna(0)
    rows = baseline[(baseline.region == region) & (baseline.year == year)]
    if region == "all" or not taking_part.gt(0).any() or rows.empty:  # all farms: no groups said
        return []
    keys = run_keys(baseline)
    shares = rows.groupby(keys).no_till_share.mean() if keys else rows.no_till_share
    found = spread(shares.to_numpy())
    return [lang._("{region}, {year}: in the scenario “{baseline}”, the same farms without the exchange programme, "
                   "{share} use no-till{spread}. Participants are drawn at random, so without the programme either "
                   "group would show about this share.").format(
        region=lang.region(region), year=year, baseline=baseline_name, share=lang.share(found.mean),
        spread=_bracket(_spread_words(lang, found, lang.share)))]


def _money_by_region(table: pd.DataFrame) -> pd.DataFrame:
    """``analysis.compare.by_region`` of one scenario's runs (a single run without a seed column too), by region.

    With each region's farms and farmed area (ha) in the first year, means over the runs, that its money is said per
    farm and per ha a year by (referee 47 minor 2).
    """
    runs = table if "seed" in table.columns else table.assign(seed=0)
    first = runs[runs.year == runs.year.min()].groupby("region")[["farmers", "area_ha"]].mean()
    return by_region(runs.assign(scenario="runs")).set_index("region").join(first)


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


def depth_label(lang: Language, depth_cm: float) -> str:
    """The soil layer of the carbon figures ("0-30 cm"), from the scenario's ``soil.depth_cm``."""
    return lang._("0-{depth} cm").format(depth=soil_depth(depth_cm, lang))


def _disagree(s: Spread) -> bool:
    """The runs' range holds both a gain and a loss (the sign itself is uncertain)."""
    return s.low < 0.0 < s.high


def _negated(s: Spread) -> Spread:
    """The spread of the opposite quantity (a loss said as a positive amount)."""
    return Spread(-s.mean, -s.high, -s.low, s.inside, s.runs)


#: Most decimals of a per-ha or per-farm figure (0.0025 t CO2e/ha).
MAX_PER_UNIT_DECIMALS = 4


def _per_unit(lang: Language, value: float) -> str:
    """A per-ha or per-farm figure: whole numbers from 100, else two decimals or two significant digits.

    0.57 and 15.03 t CO2e/ha, 0.0025: a small figure never reads 0.00.
    """
    if abs(value) >= 100:
        return lang.number(value)
    small = value != 0 and abs(value) < 0.1
    digits = min(MAX_PER_UNIT_DECIMALS, 1 - math.floor(math.log10(abs(value)))) if small else 2
    return lang.number(value, digits)


#: Money per farm or per ha is said in whole units from this amount on, below it to the cent (``MONEY_DECIMALS``): a
#: tenth of a cent a year means nothing to a farm, and "0.0061 USD" read as a precision the runs do not have.
WHOLE_MONEY = 100
MONEY_DECIMALS = 2


def money_decimals(*values: float) -> int:
    """Decimals of a group of money figures said together (a mean and its range): one precision for all of them."""
    finite = [abs(v) for v in values if np.isfinite(v)]
    return 0 if finite and max(finite) >= WHOLE_MONEY else MONEY_DECIMALS


def money_per_unit(lang: Language, value: float, currency: str, decimals: int | None = None,
                   signed: bool = False) -> str:
    """A per-farm or per-ha amount at ``decimals`` (``money_decimals`` of it alone by default).

    "+103 USD", "0.18 USD", and "≈ 0 USD" for an amount that is not 0 but rounds to it; ``signed``: "+" before a gain.
    """
    decimals = money_decimals(value) if decimals is None else decimals
    if round(value, decimals) == 0:
        return f"{'' if value == 0 else APPROXIMATELY}0\N{NO-BREAK SPACE}{currency}"
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{lang.number(value, decimals)}\N{NO-BREAK SPACE}{currency}"


#: Before an amount that is not 0 but rounds to 0 at the precision shown.
APPROXIMATELY = "\N{ALMOST EQUAL TO}\N{NO-BREAK SPACE}"


def sentences_by_region(found: Findings, lang: Language) -> dict[str, list[str]]:
    """The sentences of each region (by region key) and of all farms (key "all"), in ``lang``."""
    _ = lang._
    percent = lang.share
    depth = depth_label(lang, found.depth_cm)
    years = found.last_year - found.first_year

    def money(value: float) -> str:
        return lang.money(value, found.currency)

    def index(value: float) -> str:
        return lang.number(value, 2)

    def per_ha(tonnes: float) -> str:
        return _per_unit(lang, tonnes / found.area_ha)

    def per_farm_and_ha(message: str, total: float) -> str:
        """``message`` with what a period total of money is per farm and per ha a year, over all farms (M2)."""
        return message.format(farmers=lang.number(found.farmers), area=lang.number(found.area_ha),
                              per_farm=money_per_unit(lang, total / found.farmers / years, found.currency),
                              per_ha=money_per_unit(lang, total / found.area_ha / years, found.currency))

    groups: dict[str, list[str]] = {}
    for r in found.regions:
        name = lang.region(r.region)
        out = groups[r.region] = []
        out.append(_("{region}, {year}: {no_till} of farmers use no-till{no_till_spread} and {full_ca} practise full "
                     "Conservation Agriculture{full_ca_spread}; in {first_year}: {no_till_start} and "
                     "{full_ca_start}.").format(
            region=name, year=found.year, no_till=percent(r.no_till.mean),
            no_till_spread=_bracket(_spread_words(lang, r.no_till, percent)), full_ca=percent(r.full_ca.mean),
            full_ca_spread=_bracket(_spread_words(lang, r.full_ca, percent)), first_year=found.first_year,
            no_till_start=percent(r.no_till_start.mean), full_ca_start=percent(r.full_ca_start.mean)))
        out.append(_("{region}, {start}–{end}: the median farm's cash income is {income} a year on "
                     "average{income_spread}, and the region's farms together earn {per_ha} per ha a year in cash; "
                     "the soils' '4 per 1000' index averages {index}{index_spread}.").format(
            region=name, start=found.first_year + 1, end=found.last_year, income=money(r.income.mean),
            income_spread=_bracket(_spread_words(lang, r.income, money)),
            per_ha=money_per_unit(lang, r.income_per_ha.mean, found.currency),
            index=index(r.index.mean), index_spread=_bracket(_spread_words(lang, r.index, index))))
        out.extend(_who_gets_the_money(found, r.region, lang))
        out.extend(_exchange_sentence(found, r.region, lang))
    out = groups["all"] = []
    out.append(_stored_sentence(found, lang, depth, per_ha))
    if found.additional is not None:
        out.extend(_additional_sentences(found, lang, depth, per_ha))
    out.append(_uncertainty_sentence(found, lang, depth))
    if found.credited is not None:
        out.append(_credited_sentence(found, lang))
        if found.carbon_money is not None and found.carbon_money.mean > 0:
            out.extend(_carbon_windfall_sentences(found, lang))
    if found.payments is not None:
        out.append(_("Per-hectare payments give farmers {paid} over {start}–{end}{spread}.").format(
            paid=money(found.payments.mean), start=found.first_year + 1, end=found.last_year,
            spread=_bracket(_spread_words(lang, found.payments, money))))
        out.append(_("Of these payments, {windfall} ({share}) pay for practices the same farms use that year "
                     "without the incentives (the counterfactual): a windfall{spread}.").format(
            windfall=money(found.windfall.mean), share=percent(found.windfall_share),
            spread=_bracket(_spread_words(lang, found.windfall, money))))
        out.append(per_farm_and_ha(_("Over all {farmers} farms and {area} ha, the per-hectare payments come to "
                                     "{per_farm} per farm and {per_ha} per ha a year."), found.payments.mean))
    if found.credit_line is not None:
        out.append(_("The credit line's interest subsidies come to {paid} over {start}–{end}{spread}, and the public "
                     "still owes {owed} on loans running at the end. Of the subsidies paid, {windfall} ({share}) are on "
                     "loans for practices the same farms take up that year without the incentives (the "
                     "counterfactual): a windfall.").format(
            paid=money(found.credit_line.mean), start=found.first_year + 1, end=found.last_year,
            spread=_bracket(_spread_words(lang, found.credit_line, money)), owed=money(found.credit_line_owed.mean),
            windfall=money(found.credit_line_windfall.mean), share=percent(found.credit_line_windfall_share)))
    if found.carbon_to_farmers is not None:
        out.extend(_carbon_income_sentences(found, lang, per_farm_and_ha))
    if (found.payments is not None or found.carbon_to_farmers is not None) and len(found.regions) > 1:
        # referee 47 minor 2: a mean over farms of about 2 ha and about 500 ha read as a typical farm's money
        out.append(_("These amounts per farm are means over the farms of every region, small and large alike: each "
                     "region's sentences give its own per farm and per ha."))
    if found.exchange_cost is not None:
        # no pooled income comparison: participants' share differs by region, whose incomes differ a hundredfold
        out.append(_("The exchange programme (visits, training, equipment, support of the participants' groups) costs "
                     "the public {cost} over {start}–{end}{spread}; {participants} farmers take part in {year}.").format(
            cost=money(found.exchange_cost.mean), start=found.first_year + 1, end=found.last_year,
            spread=_bracket(_spread_words(lang, found.exchange_cost, money)), year=found.year,
            participants=lang.number(found.exchange.participants[
                found.exchange.index.get_level_values("region") == "all"].mean())))
    out.append(cash_income_definition(lang))
    if found.runs == 1:
        out.append(_("These figures come from a single run: run more replicates to see how much they vary."))
    elif found.runs < FEW_RUNS:
        out.append(_("These ranges come from only {runs} runs: so few runs understate how much the results vary; "
                     "run at least {advised} replicates.").format(runs=found.runs, advised=FEW_RUNS))
    return groups


def _carbon_income_sentences(found: Findings, lang: Language, per_farm_and_ha) -> list[str]:
    """What farmers keep of the carbon money, in all and per farm and ha a year.

    Or what they lose, when MRV costs and claw-backs exceed it (referee 38: "they keep -4,467 USD").
    """
    _ = lang._

    def money(value: float) -> str:
        return lang.money(value, found.currency)

    net = found.carbon_net_to_farmers
    words = dict(paid=money(found.carbon_to_farmers.mean), due=money(found.carbon_due_to_farmers.mean),
                 start=found.first_year + 1, end=found.last_year)
    if round(net.mean) >= 0:
        return [_("Carbon credits pay farmers {paid} over {start}–{end} and owe them {due} more for credits already "
                  "issued; after MRV costs and claw-backs they keep {net}{spread}.").format(
                    net=money(net.mean), spread=_bracket(_spread_words(lang, net, money)), **words),
                per_farm_and_ha(_("Over all {farmers} farms and {area} ha, what farmers keep of the carbon money "
                                  "comes to {per_farm} per farm and {per_ha} per ha a year."), net.mean)]
    return [_("Carbon credits pay farmers {paid} over {start}–{end} and owe them {due} more for credits already "
              "issued; MRV costs and claw-backs exceed that: farmers lose {loss} on carbon{spread}.").format(
                loss=money(-net.mean), spread=_bracket(_spread_words(lang, _negated(net), money)), **words),
            per_farm_and_ha(_("Over all {farmers} farms and {area} ha, farmers' loss on carbon comes to {per_farm} "
                              "per farm and {per_ha} per ha a year."), -net.mean)]


def _bracket(words: str) -> str:
    """`` (words)``, or nothing when there are no words (a single run)."""
    return f" ({words})" if words else ""


def _stored_sentence(found: Findings, lang: Language, depth: str, per_ha) -> str:
    """What all farms' soils store or lose, by the sign of the change, or that the runs disagree on it (M5)."""
    _ = lang._
    stored = found.co2e_stored
    if _disagree(stored):
        return _("All farms' soils ({depth}) change by {mean} t CO2e on average from {first_year} to {last_year} "
                 "({spread}): the runs disagree on whether they store or lose carbon.").format(
            depth=depth, mean=lang.number(stored.mean), first_year=found.first_year, last_year=found.last_year,
            spread=_spread_words(lang, stored, lang.number))
    words = "" if stored.runs == 1 else f" ({_spread_words(lang, stored if stored.mean >= 0 else _negated(stored), lang.number)})"
    if stored.mean >= 0:
        return _("All farms together store {stored} t CO2e more ({depth}) in {last_year} than in {first_year}, "
                 "{per_ha} t CO2e per ha of all farmland over those years, not per year{spread}.").format(
            stored=lang.number(stored.mean), depth=depth, last_year=found.last_year, first_year=found.first_year,
            per_ha=per_ha(stored.mean), spread=words)
    return _("All farms together lose {lost} t CO2e ({depth}) from {first_year} to {last_year}, {per_ha} t CO2e "
             "per ha of all farmland over those years, not per year{spread}.").format(
        lost=lang.number(-stored.mean), depth=depth, first_year=found.first_year, last_year=found.last_year,
        per_ha=per_ha(-stored.mean), spread=words)


def _additional_sentences(found: Findings, lang: Language, depth: str, per_ha) -> list[str]:
    """What the incentives add against the counterfactual, by sign (M5), and how much rests on no-till's factor (M1)."""
    _ = lang._
    added = found.additional
    words = "" if added.runs == 1 else \
        f" ({_spread_words(lang, added if added.mean >= 0 else _negated(added), lang.number)})"
    if _disagree(added):
        out = [_("Against the same farms without the incentives, the scenario changes their soils' stock ({depth}) "
                 "by {mean} t CO2e on average by {last_year} ({spread}): the runs disagree on whether the incentives "
                 "add carbon or lose it.").format(depth=depth, mean=lang.number(added.mean),
                                                   last_year=found.last_year,
                                                   spread=_spread_words(lang, added, lang.number))]
    elif added.mean >= 0:
        out = [_("The scenario's incentives add {additional} t CO2e ({depth}) by {last_year}, beyond what the same "
                 "farms store without them, {per_ha} t CO2e per ha of all farmland by {last_year}, not per year"
                 "{spread}.").format(
            additional=lang.number(added.mean), depth=depth, last_year=found.last_year, per_ha=per_ha(added.mean),
            spread=words)]
    else:
        out = [_("With the scenario's incentives, the same farms' soils hold {lost} t CO2e less ({depth}) by "
                 "{last_year} than without them{spread}.").format(
            lost=lang.number(-added.mean), depth=depth, last_year=found.last_year, spread=words)]
    out.extend(_peak_sentence(found, lang))
    on_factor = found.on_no_till_factor
    if on_factor is not None:
        share = f" ({lang.share(on_factor.mean / added.mean)})" if added.mean > 0 and on_factor.mean >= 0 else ""
        without = added.mean - on_factor.mean
        words = dict(depth=depth, tonnes=lang.number(on_factor.mean), share=share)
        if round(without) >= 0:
            out.append(_("No-till's IPCC Tier 1 factor for {depth} accounts for {tonnes} t CO2e of this{share}: run on "
                         "the same seeds with that factor switched off, the incentives add {without} t "
                         "CO2e.").format(without=lang.number(without), **words))
        else:  # referee 50 n5: "the incentives add -862 t"
            out.append(_("No-till's IPCC Tier 1 factor for {depth} accounts for {tonnes} t CO2e of this{share}: run on "
                         "the same seeds with that factor switched off, the same farms' soils hold {lost} t CO2e less "
                         "with the incentives than without them.").format(lost=lang.number(-without), **words))
    out.append(no_till_depth_caveat(lang, depth))
    return out


def _peak_sentence(found: Findings, lang: Language) -> list[str]:
    """When the mean additional t peaked before the last year: the peak, the end, and why they fell.

    From ``analysis.compare.additional_over_time``, as compare's "additional t over time" (referee 50 m4: the report
    said "add 200,914 t by 2050" where they peaked at 221,591 t in 2044 and fell 1.6 % a year from 2045). The yearly
    rate only where compare reads one (``no_trend_read``) and it shows at one decimal (referee 52 M1, m3); nothing
    when they peak in the last year, never exceed 0 or read the same at the peak and the end; an end at or below 0 says
    so. The cause is measured, not assumed (``_fall_cause``), and said only where compare reads a trend.
    """
    trend = found.additional_trend
    if trend is None or not np.isfinite(trend.additional_t_peak_year) or \
            trend.additional_t_peak_year >= found.last_year:
        return []
    _ = lang._
    peak, end = trend.additional_t_peak, trend.additional_t_end
    if lang.number(peak) == lang.number(end):  # referee 52 m3: "peaked at 5,000 t, above the 5,000 t of 2050"
        return []
    words = dict(peak_year=int(trend.additional_t_peak_year), peak=lang.number(peak), end=lang.number(end),
                 last_year=found.last_year)
    change = trend.additional_t_trend_pct_per_yr
    rate = lang.percent(-change / 100, 1) if np.isfinite(change) and change < 0 else None
    if round(end) < 0:
        out = _("These additional tonnes (mean over the runs) peaked in {peak_year} at {peak} t CO2e; by {last_year} the "
                "same farms' soils hold {lost} t CO2e less with the incentives than without them.").format(
            lost=lang.number(-end), **words)
    elif round(end) == 0:
        out = _("These additional tonnes (mean over the runs) peaked in {peak_year} at {peak} t CO2e and are gone by "
                "{last_year}.").format(**words)
    elif rate is not None and rate != lang.percent(0.0, 1) and not no_trend_read(trend):
        out = _("These additional tonnes (mean over the runs) peaked in {peak_year} at {peak} t CO2e and fall by "
                "{rate} a year over {start}–{last_year} to {end} t CO2e.").format(
            rate=rate, start=int(trend.additional_t_trend_from), **words)
    else:
        out = _("These additional tonnes (mean over the runs) peaked in {peak_year} at {peak} t CO2e, above the {end} t "
                "CO2e of {last_year}.").format(**words)
    # referee 54 m1: where the end's interval reaches 0 the fall may be seed noise, so no cause is said for it
    return [out] if no_trend_read(trend) else [out, *_fall_cause(trend, found.last_year, lang)]


def _fall_cause(trend: pd.Series, last_year: int, lang: Language) -> list[str]:
    """Why the additional t fell since their peak, from the mean stocks (``additional_over_time``), in words.

    Additional t are the incentivised farms' stock less the counterfactual's: they fall where the first loses carbon
    or the second catches up (referee 52 M1: "farms leave the practices and the carbon they stored is lost again",
    where the incentivised stock rose by 11,507 t and the counterfactual's by 12,124 t). Nothing without the stocks.
    """
    treated, counterfactual = trend.treated_t_change_since_peak, trend.counterfactual_t_change_since_peak
    if not (np.isfinite(treated) and np.isfinite(counterfactual)):
        return []
    _ = lang._
    words = dict(peak_year=int(trend.additional_t_peak_year), last_year=last_year)
    general = _("Additional tonnes are the difference from the same farms without the incentives: they shrink when the "
                "incentivised farms' soils lose carbon or when the farms without the incentives catch up.")
    if round(treated) >= 0:
        return [general + " " + _("Here the incentivised farms' soils still gain {treated} t CO2e from {peak_year} to "
                                  "{last_year} and the same farms without the incentives gain {counterfactual} t CO2e: "
                                  "they catch up, so part of what the incentives add by {peak_year} these farms store "
                                  "later without them.").format(
            treated=lang.number(treated), counterfactual=lang.number(counterfactual), **words)]
    return [general + " " + _("Here the incentivised farms' soils lose {lost} t CO2e from {peak_year} to {last_year} "
                              "(the same farms without the incentives: {counterfactual} t CO2e), so the tonnes of "
                              "{last_year} are not lasting storage.").format(
        lost=lang.number(-treated), counterfactual=("+" if counterfactual > 0 else "") + lang.number(counterfactual),
        **words)]


def no_till_depth_caveat(lang: Language, depth: str) -> str:
    """Why no-till's gain at ``depth`` is not a gain of the whole soil (docs/ODD.md section 7, "Depth")."""
    return lang._("Whole-profile studies find little or no gain from no-till alone: most of its gain at {depth} is "
                  "carbon moved up from deeper layers (docs/ODD.md, section 7).").format(depth=depth)


def _uncertainty_sentence(found: Findings, lang: Language, depth: str) -> str:
    """What the ranges hold: the runs alone, or the Tier 1 factors' draws too (M7); how much no-till's adds."""
    _ = lang._
    if found.tier1_drawn:
        return _("These ranges include draws of the IPCC Tier 1 factors.")
    source = _("two standard deviations; IPCC 2019, Vol. 4, Table 5.5")
    if found.on_no_till_factor is not None and np.isfinite(found.no_till_factor_spread) and found.additional.mean > 0:
        return _("Ranges here are the model's runs alone: the runs do not draw the IPCC Tier 1 factors. No-till's "
                 "factor alone makes the tonnes resting on it uncertain by ±{tonnes} t CO2e ({source}), about "
                 "±{share} of the additional tonnes; the other factors add more.").format(
            tonnes=lang.number(found.no_till_factor_spread), source=source,
            share=lang.share(found.no_till_factor_spread / found.additional.mean))
    low, high = found.no_till_uncertainty
    if not (np.isfinite(low) and np.isfinite(high)):
        return _("Ranges here are the model's runs alone: the runs do not draw the IPCC Tier 1 factors, whose own "
                 "uncertainty is not included.")
    shown = lang.share(low) if lang.share(low) == lang.share(high) else \
        _("{low} to ±{high}, by climate").format(low=lang.share(low), high=lang.share(high))
    return _("Ranges here are the model's runs alone: the runs do not draw the IPCC Tier 1 factors. No-till's "
             "factor alone makes no-till's gain at {depth} uncertain by ±{uncertainty} ({source}).").format(
        depth=depth, uncertainty=shown, source=source)


def _carbon_windfall_sentences(found: Findings, lang: Language) -> list[str]:
    """The carbon windfall in money and its share of the money reaching the project (referee 36 R1, referee 35 M2).

    Where the public receives money as price guarantor, first what buyers pay, what the public receives of it year by
    year (as ``casim compare``) and, where it also pays in other years (claw-back refunds, a floor's top-ups), that.

    Beside credits per additional t, which pools the farms, and in the per-ha windfall's terms: money, farm by farm
    (``analysis.compare.READING_WINDFALL``).
    """
    _ = lang._

    def money(value: float) -> str:
        return lang.money(value, found.currency)

    words = _spread_words(lang, found.carbon_windfall, money)
    receiving, paying = found.public_signs
    public = found.public_carbon.mean if found.public_carbon is not None else 0.0
    # referee 52 M2: said on the mean of the public's net money (as the cost columns net it), not of per-run receipts
    if round(public) >= 0:
        # the buyers' and a paying guarantor's money, the guarantor counted by its mean net money over the runs
        out = [_("The credits' payers (buyers, price guarantors, Twin Regions buyers) paid or owe {money} for them; "
                 "{windfall} ({share}) of it pays for credits beyond each farm's own additional tonnes{spread}: the "
                 "carbon windfall, the counterpart of the per-hectare payments' windfall. Credits per additional tonne "
                 "pool all farms; this windfall counts farm by farm.").format(
            money=money(found.project_money), windfall=money(found.carbon_windfall.mean),
            share=lang.share(found.carbon_windfall_share), spread=f" ({words})" if words else "")]
        if receiving:
            out.append(_("As price guarantor, the public receives money in {receiving} of the {runs} runs and pays in "
                         "{paying}; on average it pays {paid}, counted above as a payer's.").format(
                receiving=receiving, paying=paying, runs=found.runs, paid=money(public)))
        return out
    # referee 54b: the receipts year by year, as compare's column, and what the public pays in its other years (its
    # part of claw-back refunds, a floor's top-ups); buyers' money - receipts + paid is the project's money
    receipts = found.public_receipts.mean
    paid = found.public_paid.mean if found.public_paid is not None else 0.0
    standing = found.standing.mean if found.standing is not None else 0.0
    per_t = _(", {per_t} per credited t CO2e still standing").format(per_t=lang.money(-public / standing, found.currency)) \
        if standing > 0 else ""
    spread_ = _("it receives in {receiving} of the {runs} runs and pays in {paying}").format(
        receiving=receiving, paying=paying, runs=found.runs) if paying else \
        _spread_words(lang, found.public_receipts, money)
    buyers = money(found.project_money + receipts - paid)
    if round(paid) > 0:
        bought = _("The credits' buyers (general-market and Twin Regions buyers) paid or owe {money} for them. As price "
                   "guarantor, the public receives {receipts} of it{spread}: the part of the market price above the "
                   "price the credits are paid at (a price ceiling, or fixed-price contracts below the market). It "
                   "also pays {paid} (claw-back refunds or floor top-ups), so it receives {net} net{per_t}.").format(
            money=buyers, receipts=money(receipts), paid=money(paid), net=money(-public), per_t=per_t,
            spread=_bracket(spread_))
    else:
        bought = _("The credits' buyers (general-market and Twin Regions buyers) paid or owe {money} for them. As "
                   "price guarantor, the public receives {receipts} of it{spread}{per_t}: the part of the market price "
                   "above the price the credits are paid at (a price ceiling, or fixed-price contracts below the "
                   "market).").format(money=buyers, receipts=money(receipts), per_t=per_t, spread=_bracket(spread_))
    return [bought,
            _("Of the {project} left for the project, {windfall} ({share}) pays for credits beyond each farm's own "
              "additional tonnes{spread}: the carbon windfall, the counterpart of the per-hectare payments' windfall. "
              "Credits per additional tonne pool all farms; this windfall counts farm by farm.").format(
                project=money(found.project_money), windfall=money(found.carbon_windfall.mean),
                share=lang.share(found.carbon_windfall_share), spread=f" ({words})" if words else "")]


def _credited_sentence(found: Findings, lang: Language) -> str:
    """Credited tonnes beside the additional ones (M4), or that no run issued any credit.

    Credits standing (issued, less those cancelled or clawed back) per additional t, as ``analysis.compare``'s
    credits per additional t: mean over mean.
    """
    _ = lang._
    credited, standing = found.credited, found.standing
    if credited.high <= 0:
        return _("No credit was issued in any run.")
    words = "" if credited.runs == 1 else f" ({_spread_words(lang, credited, lang.number)})"
    additional = found.additional.mean if found.additional is not None else 0.0
    if additional > 0:
        return _("Credits were issued for {credited} t CO2e by {last_year}{spread}; {standing} t CO2e of them still "
                 "stand (not cancelled or clawed back), {ratio} times the {additional} t CO2e the incentives "
                 "add.").format(
            credited=lang.number(credited.mean), last_year=found.last_year, spread=words,
            standing=lang.number(standing.mean), ratio=lang.number(standing.mean / additional, 1),
            additional=lang.number(additional))
    return _("Credits were issued for {credited} t CO2e by {last_year}{spread}, while the incentives add no tonnes "
             "on average.").format(credited=lang.number(credited.mean), last_year=found.last_year, spread=words)


def _share_of_all(lang: Language, share: float) -> str:
    """A region's share of all the money: as ``Language.share``, with a decimal where it would read 100 % wrongly.

    99.7 %, not 100 %: the other regions' 0.3 % is not nothing; and "< 0.1 %", not "0.0 %", for a share that is not 0.
    """
    shown = lang.share(share)
    if 0.0 < share and shown == lang.share(0.0):  # referee 50 n4: 324 of 1,269,540 read "0.0%"
        return f"<\N{NO-BREAK SPACE}{lang.share(SMALLEST_SHARE_SHOWN)}"
    return lang.percent(share, 1) if share < 1.0 and shown == lang.share(1.0) else shown


#: The smallest share a region's share of all the money is said as; a smaller one that is not 0 reads "< 0.1 %".
SMALLEST_SHARE_SHOWN = 0.001


def _who_gets_the_money(found: Findings, region: str, lang: Language) -> list[str]:
    """A region's share of the carbon money and of the public payments to farmers, and its size thirds' (M3).

    Shares are of the means over runs (``analysis.compare.by_region``), as the report's CSV summed by region gives.
    """
    _ = lang._
    table = found.money_by_region
    if table is None or region not in table.index or len(found.regions) < 2:  # one region gets it all
        return []
    here, everyone = table.loc[region], table.loc["all"]
    name = lang.region(region)
    out = []
    years = found.last_year - found.first_year

    def per_farm_and_ha(total: float) -> str:
        """What a period total of the region's money is per farm and per ha a year (referee 47 minor 2)."""
        return _("That is {per_farm} per farm and {per_ha} per ha a year over {region}'s {farmers} farms and {area} "
                 "ha.").format(per_farm=money_per_unit(lang, total / here.farmers / years, found.currency),
                               per_ha=money_per_unit(lang, total / here.area_ha / years, found.currency),
                               region=name, farmers=lang.number(here.farmers), area=lang.number(here.area_ha))
    thirds = [here[f"farmer_net_carbon_income_{third}"] for third in SIZE_GROUPS]
    amounts = [here.carbon_to_farmers, here.farmer_net_carbon_income, *thirds]
    nothing = all(round(amount) == 0 for amount in amounts)  # a region that gets no carbon money and pays no costs
    if found.carbon_to_farmers is not None and everyone.carbon_to_farmers > 0 and not nothing:
        words = dict(region=name, share=_share_of_all(lang, here.carbon_to_farmers / everyone.carbon_to_farmers),
                     paid=lang.money(here.carbon_to_farmers, found.currency),
                     **dict(zip(SIZE_GROUPS, (lang.money(v, found.currency) for v in thirds),
                                strict=True)))
        if round(here.farmer_net_carbon_income) >= 0:
            # "keep" counts the money still owed for issued credits, as all farms' sentence says: without saying so,
            # a region kept more than it received (referee 40)
            out.append(_("{region} receives {share} of the carbon money paid to farmers ({paid}); counting the money "
                         "still owed for credits already issued, after MRV costs and claw-backs its farms keep {net}: "
                         "{small} for the smallest third of its farms by size, "
                         "{middle} for the middle third, {large} for the largest.").format(
                net=lang.money(here.farmer_net_carbon_income, found.currency), **words))
            out.append(per_farm_and_ha(here.farmer_net_carbon_income))
        else:
            out.append(_("{region} receives {share} of the carbon money paid to farmers ({paid}); MRV costs and "
                         "claw-backs exceed it and the money still owed for credits already issued, so its farms lose "
                         "{loss} on carbon. Net carbon income by farm size: "
                         "{small} for the smallest third of its farms, {middle} for the middle third, {large} for the "
                         "largest.").format(loss=lang.money(-here.farmer_net_carbon_income, found.currency), **words))
            out.append(per_farm_and_ha(-here.farmer_net_carbon_income))
    if everyone.public_payments_to_farmers > 0:
        out.append(_("{region} receives {share} of the public payments to farmers ({paid}: per-ha payments and "
                     "credit-line subsidies).").format(
            region=name, share=_share_of_all(lang, here.public_payments_to_farmers / everyone.public_payments_to_farmers),
            paid=lang.money(here.public_payments_to_farmers, found.currency)))
        out.append(per_farm_and_ha(here.public_payments_to_farmers))
    return out


def cash_income_definition(lang: Language) -> str:
    """What the farm income of every figure is, and what it leaves out (``analysis.compare.CASH_INCOME``)."""
    return lang._("Farm income here is cash income: crop sales minus production and practice costs and one-off "
                  "adoption costs, plus payments and carbon money, minus MRV costs and claw-backs. It leaves out the "
                  "non-cash benefits and costs the model's farmers are fitted to value when they choose practices "
                  "(family labour, risk, convenience and the like), so a design can raise uptake while cash income "
                  "falls.")


#: Decimals of a relative change of income (in %) said beside its money change.
PERCENT_CHANGE_DECIMALS = 2


def signed_percent_change(percent: float, lang: Language) -> str:
    """A relative change given in %, signed ("+0.21 %"), and "≈ 0 %" when it is not 0 but rounds to it.

    Referee 40: "+0.01 USD a year (+0.00 %)" read as exactly no change, beside the money's "≈ 0".
    """
    if round(percent, PERCENT_CHANGE_DECIMALS) == 0:
        return ("" if percent == 0 else APPROXIMATELY) + lang.percent(0.0)
    return ("+" if percent > 0 else "") + lang.percent(percent / 100, PERCENT_CHANGE_DECIMALS)


def cash_income_changes(row: pd.Series, baseline: str, currency: str, lang: Language) -> list[str]:
    """A design's change of a region's farm cash income against ``baseline``, and why uptake can outrun it.

    ``row``: the design's row of ``analysis.compare.by_region`` for one region (paired changes, 95 % intervals of
    the mean); ``baseline``: the baseline's display name. Nothing when the change is undefined (unpaired runs).
    """
    _ = lang._
    if not np.isfinite(row.income_change_per_farm):
        return []

    low, high = row.income_change_per_farm_lo, row.income_change_per_farm_hi
    per_farm = money_decimals(row.income_change_per_farm, low, high)  # one precision for the change and its interval

    def signed(value: float, decimals: int | None = per_farm) -> str:  # small African changes in cents, never "-0 USD"
        return money_per_unit(lang, value, currency, decimals, signed=True)

    words = dict(region=lang.region(row.region), baseline=baseline, per_farm=signed(row.income_change_per_farm),
                 percent=signed_percent_change(row.income_mean_change_pct, lang),
                 per_ha=signed(row.income_change_per_ha, None))
    if np.isfinite(low) and np.isfinite(high) and signed(low) != signed(high):
        out = [_("{region}: against {baseline}, the mean cash income of a farm changes by {per_farm} a year "
                 "({percent}; {interval} interval {low} to {high}), {per_ha} per ha a year.").format(
            interval=lang.percent(INTERVAL), low=signed(low), high=signed(high), **words)]
    else:  # one run, or no change (the baseline itself)
        out = [_("{region}: against {baseline}, the mean cash income of a farm changes by {per_farm} a year "
                 "({percent}), {per_ha} per ha a year.").format(**words)]
    if row.get("uptake_without_cash_gain", False):
        out.append(_("{region}: the design raises the uptake of practices while farms' cash income falls. The model's "
                     "farmers weigh more than cash income counts (the fitted non-cash net benefits, their own beliefs, "
                     "one-off costs over the years), so cash income alone does not say whether they gain.").format(
            region=lang.region(row.region)))
    return out


def index_explanation(lang: Language, depth_cm: float = 30.0) -> str:
    """The one explanation of the "4 per 1000" index, for the report and the dashboard (``depth_cm``: soil.depth_cm)."""
    return lang._("The '4 per 1000' Initiative aims at soil carbon stocks that grow by {target} a year. The index is "
                  "a year's relative change of the soil carbon stock ({depth}) divided by {target}: 1 means the "
                  "target is met, 0 means no change, below 0 a loss. For a period, it is the mean of the yearly "
                  "index over the simulated years.").format(target=lang.percent(FOUR_PER_1000, 1),
                                                            depth=depth_label(lang, depth_cm))


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
