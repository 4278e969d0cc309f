"""Yearly outputs: one row per year and region, plus region ``all``. Each column is declared once, in ``COLUMNS``.

A column has a name, a unit, a meaning and a rule that turns the year's per-farm arrays into one value per
region and 'all' (``Year`` offers sums, shares and previous rows). The model hands the recorder the season's
per-farm results by name (farm accounts, yields, every incentive design's money flows and quantities), so a
column of any of them is one line here.
Shares are of farmers (``*_share``) or of farmed area (``*_area_share``); SOC in t C/ha (area-weighted mean)
and t C (total); CO2 in t CO2e, a year's tonnes in t CO2e/yr; money in the scenario currency: a region's yearly
flows in currency/yr, farm income in currency/farm/yr, and what is owed at a year's end or cumulative since the
start says so (``MONEY_*``).
Flows (income, credits, payments) are NaN in the initial row (``year == start_year``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
import pandas as pd
from numba import njit, prange

from sim import kernel_cache, parallel  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.economics import PUBLIC, is_nothing
from sim.incentives.exchange import FLOWS as EXCHANGE_FLOWS
from sim.incentives.registry import BUYER, TWIN_BUYERS
from sim.parallel import (
    PAIRWISE_BLOCK,
    segment_blocks,
    segment_group_sums,
    segment_percentiles,
    segment_product_sums,
)
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, NO_TILL, PRACTICES, USES_BY_MASK
from sim.units import CO2_PER_C, FOUR_PER_1000

_MASKS = np.arange(1 << N_PRACTICES)
QUANTILES = (10, 50, 90)
#: Units of money columns ("currency" becomes the scenario's, e.g. EUR, in yearly.parquet's field metadata): a
#: region's (or all farms') yearly flow; what is owed at the end of the year (a stock); a sum over the years so far.
MONEY_PER_YEAR = "currency/yr"
MONEY_OWED = "currency (owed at the end of the year)"
MONEY_CUMULATIVE = "currency (cumulative since the start)"
#: Unit of a region's yearly tonnes (credits issued, reversals, deductions, additional storage, emissions in the
#: year); stocks and sums so far (``*_cum_*``, the buffer pool, exposure) stay "t CO2e".
TONNES_CO2E_PER_YEAR = "t CO2e/yr"


@dataclass(frozen=True)
class PerRegion:
    """A per-farm quantity that is the same on every farm of a region, held as its value per region.

    One value per region (of each run when runs are stacked), shape (segments,): summed over a region's farms as
    NumPy would sum the (n,) array (``constant_sum``), bit for bit, without making it.
    """

    values: np.ndarray


def constant_sum(value: float | np.ndarray, count: int) -> float | np.ndarray:
    """``np.add.reduceat`` of ``count`` >= 1 copies of ``value`` over one segment, exactly; of each of ``value`` (m,).

    Its first value, then the rest by NumPy's pairwise summation (blocks of at most 128 values in eight running sums,
    halves at multiples of 8 above that; ``tests/test_outputs.py`` checks it against NumPy). The halves of a level
    have at most two sizes: each size is summed once (a few dozen additions for a million copies). An array of values
    takes the same additions elementwise (each element's sum is its own, bit for bit): segments of one size at once.
    """
    known: dict[int, float | np.ndarray] = {}

    def pairwise(count: int) -> float | np.ndarray:
        found = known.get(count)
        if found is None:
            if count <= PAIRWISE_BLOCK:
                found = _pairwise_block(value, count)
            else:
                half = count // 2 - count // 2 % 8
                found = pairwise(half) + pairwise(count - half)
            known[count] = found
        return found

    return value + pairwise(count - 1)


def _pairwise_block(value: float | np.ndarray, count: int) -> float | np.ndarray:
    """NumPy's sum of ``count`` <= ``PAIRWISE_BLOCK`` copies of ``value``: in order below 8, else eight running sums."""
    if count < 8:
        total = -0.0  # NumPy's start: the additive identity, so that a sum of -0.0 stays -0.0
        for _ in range(count):
            total += value
        return total
    lane = value  # each of the eight running sums, all equal
    for _ in range(count // 8 - 1):
        lane = lane + value  # not in place: ``lane`` starts as ``value`` itself
    total = ((lane + lane) + (lane + lane)) + ((lane + lane) + (lane + lane))
    for _ in range(count % 8):
        total += value
    return total


@dataclass(frozen=True)
class YearRecord:
    """What the model hands the recorder at the end of a year (per-farm arrays, in farm-row order)."""

    year: int
    carbon_price: float | np.ndarray  # market price of the year, currency/t CO2e (one per run when stacked)
    bundle: np.ndarray  # (n,) practice bit mask of each farm
    soc_t_c_per_ha: np.ndarray  # (n,)
    per_farm: dict[str, np.ndarray] | None = None  # the season's results and flows by name; None in the initial row
    payers: dict[str, str] | None = None  # who pays each money flow in ``per_farm`` (in booking order)
    state: dict[str, np.ndarray | PerRegion] | None = None  # per-farm state of every row, initial row included


@dataclass(frozen=True)
class Column:
    """One column of the yearly table.

    ``rule`` gives the values of the regions and 'all' (shape (R + 1,)) from the ``Year``; a ``flow`` column is
    a quantity of the season (NaN in the initial row, which has no season).
    """

    name: str
    unit: str
    meaning: str
    rule: Callable[[Year], np.ndarray] | None = None  # None for the key columns year and region
    flow: bool = False
    dtype: str = "float64"
    undefined_when: str | None = None  # when the value is NaN by definition (a ratio with nothing to divide by)


def _share(by_bundle: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """Share of the total in the selected bundle masks, as part / (part + rest): never above 1 by rounding.

    ``by_bundle`` (rows, 16), ``selected`` (16,) bool, or (rows, 16) for a selection of each row's own. Each sum adds
    the masks' columns in mask order, so a row's share does not depend on how many rows are asked at once (a matrix
    product's rounding does: a stacked model's rows).
    """
    out = np.empty(by_bundle.shape[0])
    _share_rows(np.ascontiguousarray(by_bundle), np.ascontiguousarray(np.atleast_2d(selected)), out)
    return out


@njit(cache=True)
def _share_rows(by_bundle, selected, out):  # pragma: no cover - compiled
    """``out[r]`` = part / (part + rest) of row r (0 unless the total is > 0): ``selected`` (1, 16) or (rows, 16).

    part and rest start from +0.0 and add the row's masks in order: the same operations as adding whole columns.
    """
    own = selected.shape[0] > 1
    for r in range(by_bundle.shape[0]):
        chosen = selected[r] if own else selected[0]
        part, rest = 0.0, 0.0
        for mask in range(by_bundle.shape[1]):
            if chosen[mask]:
                part += by_bundle[r, mask]
            else:
                rest += by_bundle[r, mask]
        total = part + rest
        out[r] = part / total if total > 0 else 0.0


def total(name: str) -> Callable[[Year], np.ndarray]:
    """Rule: the sum over farms of the season's per-farm quantity ``name``."""
    return lambda t: t.total(name)


def farmer_share_of(selected: np.ndarray) -> Callable[[Year], np.ndarray]:
    """Rule: share of farmers whose bundle mask is ``selected`` (a (16,) bool table by mask)."""
    return lambda t: _share(t.farmers_by_bundle, selected)


def area_share_of(selected: np.ndarray) -> Callable[[Year], np.ndarray]:
    """Rule: share of farmed area whose bundle mask is ``selected``."""
    return lambda t: _share(t.area_by_bundle, selected)


def per_farmer(name: str) -> Callable[[Year], np.ndarray]:
    """Rule: the season's per-farm ``name`` (a flag or an amount) summed, per farmer."""
    return lambda t: t.total(name) / t.farmers


def _deciding_disadoption_rate(t: Year) -> np.ndarray:
    """Deciding farmers who dropped every practice this year / deciding farmers using one last year, 1/yr.

    NaN when no deciding farmer used one. The dis-adoption the decision rule produces, undiluted by demonstration
    farms (which never decide and so never drop).
    """
    dropped = t.total_of(t.per_farm["disadopted"] & t.record.state["decides"])
    users = t.last.deciding_users
    return np.divide(dropped, users, out=np.full(t.rows, np.nan), where=users > 0)


def state_mean(name: str) -> Callable[[Year], np.ndarray]:
    """Rule: the mean over farmers of the per-farm state ``name`` (a flag gives a share)."""
    return lambda t: t.total_of(t.record.state[name]) / t.farmers


#: Income groups: thirds of the farms of each region by farm size (smallest first).
#: As many as ``sim.parallel.SUM_GROUPS``, the groups its one pass sums apart (``YearlyRecorder.sum_by_size_group``;
#: tests/test_outputs.py).
SIZE_GROUPS = ("small", "middle", "large")
#: The per-farm quantities whose sums by income group the columns take (``by_size_group`` adds them; ``Year`` computes
#: each name's groups together, keyed (name, ``BY_SIZE_GROUP``)).
GROUP_SUMS: list[str] = []
#: The second part of the key of a name's sums by income group (``Year.sum``: (name, ``BY_SIZE_GROUP``)).
BY_SIZE_GROUP = "by size group"


def by_size_group(name: str, group: int) -> Callable[[Year], np.ndarray]:
    """Rule: the sum of per-farm ``name`` over the farms of size third ``group`` of each region, and in total."""
    if name not in GROUP_SUMS:
        GROUP_SUMS.append(name)
    return lambda t: t.sum((name, BY_SIZE_GROUP))[group]


def size_group_mean(name: str, group: int) -> Callable[[Year], np.ndarray]:
    """Rule: the mean of per-farm ``name`` over the farms of size third ``group`` (``by_size_group`` / its farms).

    NaN for a row whose third has no farm (a region of fewer than three farms).
    """
    total = by_size_group(name, group)

    def rule(t: Year) -> np.ndarray:
        farms = t.recorder.size_group_farmers[group]
        return np.divide(total(t), farms, out=np.full(t.rows, np.nan), where=farms > 0)
    return rule


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Numerator / denominator where both are > 0, else NaN."""
    valid = (denominator > 0) & (numerator > 0)
    return np.where(valid, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


def _public_paid_per_additional_t(t: Year) -> np.ndarray:
    """Public cash paid so far on incentives per t CO2e stored beyond the counterfactual so far (NaN unless both > 0).

    Exchange programmes' cost is not in it: the counterfactual keeps them, so the additional t are the incentives'.
    """
    return _ratio(t.row["incentive_public_spending_cum"], t.row["additional_cum_t_co2e"])


#: The payers' flows of a farm's carbon credits, paid in the year (currency, net of claw-back refunds).
CARBON_PAYER_FLOWS = ("buyer_spending", "guarantor_spending", "twin_buyer_spending")


class CarbonLedger:
    """Per farm, so far: standing credits, additional t and the payers' cash for the farm's credits (referee 35 M2).

    Each (n,) float64, in farm-row order (every stacked run's rows); None until the run has any: the additional t
    from the first season with a counterfactual, the credits and cash from the first season with either. What the
    money of ``carbon_money_non_additional_cum`` is made of; 8 to 24 B per farmer only for runs that have them.
    """

    def __init__(self) -> None:
        self.additional_t_co2e: np.ndarray | None = None  # additional_t_co2e summed over the seasons
        self.credits_t_co2e: np.ndarray | None = None  # credits standing: issued - cancelled - clawed back
        self.paid: np.ndarray | None = None  # CARBON_PAYER_FLOWS summed over the seasons

    def add(self, per_farm: dict[str, np.ndarray]) -> None:
        """Add a season's per-farm quantities and flows."""
        additional = per_farm["additional_t_co2e"]
        if not is_nothing(additional):
            self.additional_t_co2e = _plus(self.additional_t_co2e, additional)
        standing = [per_farm[name] for name in ("credits_t_co2e", "credits_cancelled_t_co2e",
                                                "credits_clawed_back_t_co2e")]
        paid = [per_farm[name] for name in CARBON_PAYER_FLOWS]
        if self.credits_t_co2e is None and all(is_nothing(x) for x in (*standing, *paid)):
            return
        self.credits_t_co2e = _plus(self.credits_t_co2e, standing[0] - standing[1] - standing[2])
        self.paid = _plus(self.paid, paid[0] + paid[1] + paid[2])

    def non_additional_money(self, committed: np.ndarray) -> np.ndarray | None:
        """Per farm (n,), currency: the payers' money for its credits x the share of them beyond its additional t.

        The money is the cash so far + ``committed`` (n,); the share max(0, credits - max(0, additional)) / credits
        of its standing credits (0 without credits). None before the run has any credits or payers' cash.
        """
        if self.credits_t_co2e is None:
            return None
        credits = self.credits_t_co2e
        share = credits.copy() if self.additional_t_co2e is None else \
            credits - np.maximum(self.additional_t_co2e, 0.0)
        np.maximum(share, 0.0, out=share)  # the credits beyond the farm's own additional t: 0 where credits <= 0
        np.divide(share, credits, out=share, where=credits > 0)
        money = self.paid + committed
        money *= share
        return money


def _public_committed(t: Year) -> np.ndarray:
    """The public's committed money: the carbon registry's (owed for issued credits) + the credit line's.

    Where no credit-line money is owed the registry's sum is kept as it is (adding 0.0 would turn a -0.0 into 0.0).
    """
    carbon, credit_line = t.total("public_committed"), t.total("credit_line_committed")
    return np.where(credit_line == 0, carbon, carbon + credit_line)


def _plus(total: np.ndarray | None, values: np.ndarray) -> np.ndarray:
    """``values`` added to the running per-farm ``total`` in place (a new float64 array for the first)."""
    if total is None:
        return np.array(values, dtype=np.float64)
    total += values
    return total


def _non_additional_carbon_money(t: Year) -> np.ndarray:
    """The payers' money so far (paid + committed) for credits beyond each farm's own additional t, per region."""
    ledger = t.recorder.carbon_ledger
    ledger.add(t.per_farm)
    money = ledger.non_additional_money(t.per_farm["public_committed"] + t.per_farm["private_committed"])
    return np.zeros(t.rows) if money is None else t.total_of(money)


# ---------------------------------------------------------------- exchange programmes (``sim.behaviour.exchange``)
#: Who an exchange group's columns describe, from the per-farm flags (``Exchanges.state``): participants;
#: non-participants; non-participants linked to a participant (neighbours); and non-participants not linked to one
#: (others). Neighbours and others split the non-participants, so a spill-over through links is the neighbours'
#: against the others' (referee 27 M2: neighbours were 66 % of the non-participants, a comparison mostly with itself).
_EXCHANGE_GROUPS: dict[str, Callable[[dict[str, np.ndarray]], np.ndarray]] = {
    "participant": lambda state: state["exchange_participant"],
    "non_participant": lambda state: ~state["exchange_participant"],
    "neighbour": lambda state: state["exchange_neighbour"],
    "other": lambda state: ~(state["exchange_participant"] | state["exchange_neighbour"]),
}


def _members(t: Year, group: str) -> np.ndarray:
    """(n,) bool, the farms of exchange ``group`` (``_EXCHANGE_GROUPS``) this year."""
    return _EXCHANGE_GROUPS[group](t.record.state)


def _group_share(group: str, practice: int | None) -> Callable[[Year], np.ndarray]:
    """Rule: share of the group's farmers using ``practice`` (any practice when None); NaN for an empty group.

    A group of every farm counts its users from the farmers by bundle (``Year.farmers_by_bundle``): whole numbers,
    the counts of the per-farm flags exactly, without a pass over the farms.
    """
    selected = _MASKS > 0 if practice is None else USES_BY_MASK[:, practice]

    def rule(t: Year) -> np.ndarray:
        members, extent = t.members(group)
        if extent == "none":
            return np.full(t.rows, np.nan)
        if extent == "all":
            used, count = t.farmers_by_bundle[:, selected].sum(axis=1), t.farmers
        else:
            uses = t.record.bundle != 0 if practice is None else USES_BY_MASK[t.record.bundle, practice]
            used, count = t.total_of(members & uses), t.total_of(members)
        return np.divide(used, count, out=np.full(t.rows, np.nan), where=count > 0)
    return rule


def _group_yield(group: str) -> Callable[[Year], np.ndarray]:
    """Rule: the group's area-weighted mean yield, kg/ha; NaN for an empty group.

    A group of every farm is the table's own yield mean (the same sums: its area is every farm's).
    """
    def rule(t: Year) -> np.ndarray:
        members, extent = t.members(group)
        if extent == "none":
            return np.full(t.rows, np.nan)
        if extent == "all":
            total, produced = t.area, t.sum("yield x area")
        else:
            area = np.where(members, t.area_per_farm, 0.0)
            total, produced = t.total_of(area), t.total_of(t.per_farm["yield_kg_per_ha"] * area)
        return np.divide(produced, total, out=np.full(t.rows, np.nan), where=total > 0)
    return rule


def _group_income(group: str, i: int) -> Callable[[Year], np.ndarray]:
    """Rule: the ``QUANTILES[i]``th percentile of the group's farm income per region and 'all'; NaN for an empty group."""
    return lambda t: t.group_income_quantiles(group)[i]


def _exchange_programme_cost(t: Year) -> np.ndarray:
    """Public cost of the season's exchange programmes per region and in total (their four flows), currency."""
    return sum(t.total(name) for name in EXCHANGE_FLOWS)


def _exchange_columns() -> tuple[Column, ...]:
    """Participants vs non-participants of exchange programmes, their neighbours vs the others, programme costs."""
    nan = " (NaN when the region has none)"
    empty = "the region has no farmer in this group"
    costs = (("visit", "exchange visits"), ("training", "training of participants (once, first season)"),
             ("equipment", "equipment programme"), ("organisation", "support of participants' groups"))
    return (
        Column("exchange_participants", "count", "farmers at either end of an exchange link",
               lambda t: t.total_of(_members(t, "participant"))),
        *(Column(f"exchange_{group}_{label}_share", "share", f"share of {who} using {what}{nan}",
                 _group_share(group, practice), undefined_when=empty)
          for group, who in (("participant", "exchange participants"), ("non_participant", "non-participants"),
                             ("neighbour", "non-participants linked to a participant (spill-over through links shows "
                                           "against the others)"),
                             ("other", "non-participants not linked to a participant (the neighbours' comparison "
                                       "group)"))
          for label, what, practice in (("any_practice", "at least one practice", None), ("no_till", "no-till", NO_TILL))),
        *(Column(f"exchange_{group}_yield_mean_kg_per_ha", "kg/ha", f"area-weighted mean yield of {who}{nan}",
                 _group_yield(group), flow=True, undefined_when=empty)
          for group, who in (("participant", "exchange participants"), ("non_participant", "non-participants"))),
        *(Column(f"exchange_{group}_income_p{q}", "currency/farm/yr", f"{q}th percentile of farm income of {who}{nan}",
                 _group_income(group, i), flow=True, undefined_when=empty)
          for group, who in (("participant", "exchange participants"), ("non_participant", "non-participants"))
          for i, q in enumerate(QUANTILES)),
        *(Column(f"exchange_{name}_cost", MONEY_PER_YEAR, f"public cost of {what} (sim.incentives.exchange)",
                 total(f"exchange_{name}_cost"), flow=True) for name, what in costs),
        Column("exchange_programme_cost", MONEY_PER_YEAR, "public cost of exchange programmes (sum of the four above)",
               _exchange_programme_cost, flow=True),
    )


_DECLARED: tuple[Column, ...] = (
    Column("year", "calendar year", "year of the row", dtype="int64"),
    Column("region", "name", "region name or 'all'", dtype="str"),
    Column("farmers", "count", "farmers", lambda t: t.farmers, dtype="int64"),
    Column("area_ha", "ha", "farmed area", lambda t: t.area),
    *(Column(f"{p}_share", "share", f"share of farmers using {p}", farmer_share_of(USES_BY_MASK[:, i]))
      for i, p in enumerate(PRACTICES)),
    *(Column(f"{p}_area_share", "share", f"share of area under {p}", area_share_of(USES_BY_MASK[:, i]))
      for i, p in enumerate(PRACTICES)),
    Column("full_ca_share", "share", "share of farmers in full CA (no-till + soil cover + rotation)",
           farmer_share_of(FULL_CA_BY_MASK)),
    Column("full_ca_area_share", "share", "share of area in full CA", area_share_of(FULL_CA_BY_MASK)),
    Column("any_practice_share", "share", "share of farmers using at least one practice", farmer_share_of(_MASKS > 0)),
    Column("target_bundle_share", "share", "share of farmers using the decision target bundle",
           lambda t: _share(t.farmers_by_bundle, _MASKS == t.per_run(t.target_bundle)[:, None])),
    Column("soc_mean_t_c_per_ha", "t C/ha", "area-weighted mean SOC stock", lambda t: t.soc_total / t.area),
    Column("soc_total_t_c", "t C", "total SOC stock", lambda t: t.soc_total),
    Column("soc_change_t_c", "t C/yr", "change of total SOC stock over the year",
           lambda t: t.soc_total - t.previous("soc_total_t_c")),
    Column("soc_relative_change", "1/yr", "soc_change_t_c / last year's soc_total_t_c",
           lambda t: t.row["soc_change_t_c"] / np.where(t.previous("soc_total_t_c") > 0, t.previous("soc_total_t_c"),
                                                        np.nan)),
    Column("four_per_1000_index", "index", f"soc_relative_change / {FOUR_PER_1000} (1 = the '4 per 1000' target); "
           "over a period, the mean of this yearly index over its simulated years (as run, compare and the summaries "
           "report it)",
           lambda t: t.row["soc_relative_change"] / FOUR_PER_1000),
    Column("co2e_stored_cum_t", "t CO2e", "(soc_total_t_c - initial) x 44/12",
           lambda t: (t.soc_total - t.first("soc_total_t_c")) * CO2_PER_C),
    Column("yield_mean_kg_per_ha", "kg/ha", "area-weighted mean yield",
           lambda t: t.sum("yield x area") / t.area, flow=True),
    Column("income_mean", "currency/farm/yr", "mean farm income", per_farmer("income"), flow=True),
    *(Column(f"income_mean_{group}", "currency/farm/yr", f"mean farm income of the {group} third of farms by size "
             "within each region (income group; 'all': those thirds of every region together)",
             size_group_mean("income", i), flow=True, undefined_when="the region has no farm in this third")
      for i, group in enumerate(SIZE_GROUPS)),
    *(Column(f"income_p{q}", "currency/farm/yr", f"{q}th percentile of farm income",
             lambda t, i=i: t.income_quantiles[i], flow=True) for i, q in enumerate(QUANTILES)),
    Column("enrolled_share", "share", "share of farmers enrolled in the carbon programme", per_farmer("enrolled"),
           flow=True),
    Column("disadoption_share", "share", "share of farmers who dropped all practices this year",
           per_farmer("disadopted"), flow=True),
    Column("disadoption_rate", "1/yr", "farmers who dropped all practices this year / farmers using a practice last year "
           "(demonstration farms, which never drop, count among the users: see disadoption_rate_deciding)",
           lambda t: np.divide(t.total("disadopted"), t.last.adopters, out=np.zeros(t.rows),
                               where=t.last.adopters > 0), flow=True),
    Column("disadoption_rate_deciding", "1/yr", "deciding farmers (demonstration farms excluded: they never decide) "
           "who dropped all practices this year / deciding farmers using a practice last year",
           _deciding_disadoption_rate, flow=True,
           undefined_when="no deciding farmer used a practice last year"),
    Column("disadoption_bad_experience_share", "share", "share of farmers who dropped a practice this year after a bad "
           "experience (its believed yield value fell since adoption)", per_farmer("dropped_bad_experience"), flow=True),
    Column("disadoption_support_ended_share", "share", "share of farmers who dropped a practice this year after its "
           "incentive value fell since adoption", per_farmer("dropped_support_ended"), flow=True),
    Column("disadoption_constraint_share", "share", "share of farmers who dropped a practice this year because they "
           "lost the means to continue (hire service gone)", per_farmer("dropped_constraint"), flow=True),
    Column("disadoption_other_share", "share", "share of farmers who dropped a practice this year for other reasons "
           "(changed economics, decision noise)", per_farmer("dropped_other"), flow=True),
    Column("seeder_supply", "share", "share of farms no-till seeder and herbicide dealers reach (follows regional "
           "adoption)", state_mean("seeder_supply")),
    Column("contractor_supply", "share", "share of farms no-till hire services reach (follows regional adoption)",
           state_mean("contractor_supply")),
    Column("finance_no_till_share", "share", "share of farmers who can pay no-till's one-off cost from savings or "
           "credit", state_mean("finances_no_till")),
    Column("no_till_access_share", "share", "share of farmers who could start no-till this year (own seeder within "
           "reach and money, or a hire service)", state_mean("can_start_no_till")),
    Column("herbicide_price_index", "index", "herbicide price index of the year (1 = the price in no-till's cost)",
           state_mean("herbicide_price_index")),
    Column("carbon_price", "currency/t CO2e", "market carbon price of the year",
           lambda t: t.per_run(t.record.carbon_price)),
    Column("credits_t_co2e", TONNES_CO2E_PER_YEAR, "credits issued this year (at verifications)",
           total("credits_t_co2e"), flow=True),
    Column("reversals_t_co2e", TONNES_CO2E_PER_YEAR, "verified losses of credited carbon this year", total("reversals_t_co2e"),
           flow=True),
    Column("buffer_pool_t_co2e", "t CO2e", "buffer pool: contributions minus cancellations so far (a region: its "
           "net contribution)", lambda t: t.running_total("buffer_pool_t_co2e", t.total("buffer_t_co2e")), flow=True),
    Column("credits_cancelled_t_co2e", TONNES_CO2E_PER_YEAR, "issued credits a reversal cancelled this year before "
           "they were paid (claw-back; only when the payment lag reaches the verification interval)",
           total("credits_cancelled_t_co2e"), flow=True),
    Column("credits_clawed_back_t_co2e", TONNES_CO2E_PER_YEAR, "issued credits whose money farmers repaid this year (claw-back)",
           total("credits_clawed_back_t_co2e"), flow=True),
    Column("credits_cum_t_co2e", "t CO2e", "credits issued so far, gross: with those since cancelled or clawed back "
           "(credits_net_cum_t_co2e: without them)",
           lambda t: t.running_total("credits_cum_t_co2e", t.total("credits_t_co2e")), flow=True),
    Column("credits_net_cum_t_co2e", "t CO2e", "credits standing so far: issued - cancelled - clawed back (those whose "
           "reversal the buffer pool covered stand; without claw-back, credits_cum_t_co2e)",
           lambda t: t.running_total("credits_net_cum_t_co2e", t.total("credits_t_co2e")
                                     - t.total("credits_cancelled_t_co2e") - t.total("credits_clawed_back_t_co2e")),
           flow=True),
    Column("additional_t_co2e", TONNES_CO2E_PER_YEAR, "SOC stored this year beyond the counterfactual (the same farms and seeds "
           "without the programme), x 44/12", total("additional_t_co2e"), flow=True),
    Column("additional_cum_t_co2e", "t CO2e", "additional_t_co2e so far",
           lambda t: t.running_total("additional_cum_t_co2e", t.row["additional_t_co2e"]), flow=True),
    Column("overcrediting_ratio", "ratio", "credits_net_cum_t_co2e / additional_cum_t_co2e: credits standing per "
           "additional t (NaN unless both > 0)",
           lambda t: _ratio(t.row["credits_net_cum_t_co2e"], t.row["additional_cum_t_co2e"]), flow=True,
           undefined_when="no credits issued or nothing additional yet"),
    Column("uncertainty_deduction_t_co2e", TONNES_CO2E_PER_YEAR, "removals withheld for MRV uncertainty at verifications",
           total("uncertainty_deduction_t_co2e"), flow=True),
    Column("leakage_t_co2e", TONNES_CO2E_PER_YEAR, "leakage deducted at verifications (yields below the baseline's)",
           total("leakage_t_co2e"), flow=True),
    Column("reversals_uncovered_t_co2e", TONNES_CO2E_PER_YEAR, "reversals the buffer pool could not cover this year",
           total("reversals_uncovered_t_co2e"), flow=True),
    Column("reversal_exposure_t_co2e", "t CO2e", "credited carbon that enrolled and monitored farms' current practices "
           "will lose", total("reversal_exposure_t_co2e"), flow=True),
    Column("monitored_share", "share", "share of farmers monitored for reversals after leaving the programme",
           per_farmer("monitored"), flow=True),
    Column("practice_emissions_t_co2e", TONNES_CO2E_PER_YEAR, "N2O and fuel CO2 of the practices in use (Tier 1; [ghg])",
           total("practice_emissions_t_co2e"), flow=True),
    Column("practice_emissions_change_t_co2e", TONNES_CO2E_PER_YEAR, "practice_emissions_t_co2e minus the counterfactual's",
           total("practice_emissions_change_t_co2e"), flow=True),
    Column("displaced_emissions_t_co2e", TONNES_CO2E_PER_YEAR, "emissions of production displaced by yields below the "
           "counterfactual's", total("displaced_emissions_t_co2e"), flow=True),
    Column("net_ghg_benefit_t_co2e", TONNES_CO2E_PER_YEAR, "additional_t_co2e - practice_emissions_change_t_co2e - "
           "displaced_emissions_t_co2e", total("net_ghg_benefit_t_co2e"), flow=True),
    Column("carbon_value", MONEY_PER_YEAR, "project value of the credits (general market at the farm's price + twin "
           "purchases net of fees)", total("carbon_value"), flow=True),
    Column("buyer_spending", MONEY_PER_YEAR, "paid by general-market buyers, net of their part of claw-back refunds",
           total("buyer_spending"), flow=True),
    Column("guarantor_spending", MONEY_PER_YEAR, "paid by the price guarantor (floor top-ups, contract differences; "
           "< 0 = received), net of its part of claw-back refunds", total("guarantor_spending"), flow=True),
    Column("twin_buyer_spending", MONEY_PER_YEAR, "paid by Twin Regions buyers, net of their part of claw-back refunds",
           total("twin_buyer_spending"), flow=True),
    Column("authority_fees", MONEY_PER_YEAR, "kept by the Twin Regions Market Authority", total("authority_fees"), flow=True),
    Column("aggregator_fees", MONEY_PER_YEAR, "kept by group-certification aggregators", total("aggregator_fees"), flow=True),
    Column("carbon_to_farmers", MONEY_PER_YEAR, "part of carbon_value paid to farmers (before MRV)",
           total("carbon_to_farmers"), flow=True),
    Column("carbon_to_intermediaries", MONEY_PER_YEAR, "part of carbon_value kept by intermediaries",
           total("carbon_to_intermediaries"), flow=True),
    Column("mrv_cost", MONEY_PER_YEAR, "MRV cost paid by farmers", total("mrv_cost"), flow=True),
    Column("clawback", MONEY_PER_YEAR, "repaid by farmers for reversed credits, refunded to the payers of the farm's "
           "credits in the shares each paid for them (buyers, the guarantor, Twin Regions buyers)", total("clawback"),
           flow=True),
    Column("carbon_issued_to_farmers", MONEY_PER_YEAR, "farmers' part of the credits issued this year (owed to them from "
           "now, paid after the payment lag: the carbon_to_farmers of a later year)", total("carbon_issued_to_farmers"),
           flow=True),
    Column("carbon_cancelled_to_farmers", MONEY_PER_YEAR, "farmers' part of issued credits not yet paid that a reversal "
           "cancelled this year (claw-back: no longer owed to them, nor paid by anyone; only when the payment lag "
           "reaches the verification interval)", total("carbon_cancelled_to_farmers"), flow=True),
    Column("farmer_net_carbon_income", MONEY_PER_YEAR, "carbon_issued_to_farmers - carbon_cancelled_to_farmers - mrv_cost "
           "- clawback: counts the money owed for credits issued this year when they are issued, not when paid "
           "(summed over years: carbon_to_farmers + carbon_due_to_farmers at the end - mrv_cost - clawback); the cash "
           "of the year is carbon_to_farmers - mrv_cost - clawback", total("farmer_net_carbon_income"), flow=True),
    *(Column(f"farmer_net_carbon_income_{group}", MONEY_PER_YEAR, f"farmer_net_carbon_income of the {group} third of "
             "farms by size within each region (income group)", by_size_group("farmer_net_carbon_income", i), flow=True)
      for i, group in enumerate(SIZE_GROUPS)),
    Column("carbon_due_to_farmers", MONEY_OWED, "owed to farmers for credits already issued, paid in later years "
           "(payment lag)", total("carbon_due_to_farmers"), flow=True),
    Column("public_committed", MONEY_OWED, "owed by the public for credits already issued (as buyer or price "
           "guarantor), paid in later years (payment lag), plus credit_line_committed", _public_committed, flow=True),
    Column("credit_line_committed", MONEY_OWED, "owed by the public on loans running at the end of the year: the "
           "credit-line subsidy (interest equalisation) still to pay, whatever the farm does next: spread x principal x "
           "the loan's balance shares of the seasons left, undiscounted", total("credit_line_committed"), flow=True),
    Column("private_committed", MONEY_OWED, "owed by private credit buyers and Twin Regions buyers for credits already "
           "issued, paid in later years (payment lag)", total("private_committed"), flow=True),
    Column("participants_net_negative_share", "share", "share of farms ever enrolled whose carbon income so far "
           "(received + owed for credits already issued) is below their MRV costs and claw-backs (0 without "
           "participants)",
           lambda t: np.divide(t.total("participant_net_negative"), t.total("participant"), out=np.zeros(t.rows),
                               where=t.total("participant") > 0), flow=True),
    Column("revenue", MONEY_PER_YEAR, "crop sales", total("revenue"), flow=True),
    Column("production_costs", MONEY_PER_YEAR, "production costs incl. practice cost changes and residue fodder forgone",
           total("production_costs"), flow=True),
    Column("transition_costs", MONEY_PER_YEAR, "one-off adoption costs paid by farmers", total("transition_costs"),
           flow=True),
    Column("payments", MONEY_PER_YEAR, "per-ha practice payments (public)", total("payments"), flow=True),
    Column("payments_windfall", MONEY_PER_YEAR, "part of payments made for a practice the farm's counterfactual twin "
           "(the same farm without the incentives) uses that same year anyway: windfall (deadweight), per farm and "
           "practice", total("payments_windfall"), flow=True),
    Column("payments_windfall_share", "share", "payments_windfall / payments (NaN without payments)",
           lambda t: np.divide(t.row["payments_windfall"], t.row["payments"], out=np.full(t.rows, np.nan),
                               where=t.row["payments"] > 0), flow=True,
           undefined_when="no per-ha payments this year"),
    Column("carbon_money_non_additional_cum", MONEY_CUMULATIVE, "the carbon payers' money so far for credits beyond each "
           "farm's own additional t, the carbon counterpart of payments_windfall: per farm, its buyers', price "
           "guarantor's and Twin Regions buyers' money paid so far (net of claw-back refunds) plus committed for "
           "credits already issued, x max(0, standing credits - max(0, its additional t)) / standing credits, where "
           "its additional t are its SOC change against its counterfactual twin x 44/12 so far (0 for a farm without "
           "standing credits); farm by farm, so tonnes a farm adds without being credited offset no other farm's "
           "credits, as they do in overcrediting_ratio", _non_additional_carbon_money, flow=True),
    Column("credit_line_subsidy", MONEY_PER_YEAR, "interest equalisation of the credit line (public -> farmers)",
           total("credit_line_subsidy"), flow=True),
    Column("credit_line_windfall", MONEY_PER_YEAR, "part of credit_line_subsidy paid on loans for practices the farm's "
           "counterfactual twin used anyway in the year the loan was taken: windfall (deadweight), the counterpart of "
           "payments_windfall: per farm, the year's subsidy x the share of the loan's one-off cost per ha that financed "
           "practices the twin used that year", total("credit_line_windfall"), flow=True),
    *(Column(f"{flow}_{group}", MONEY_PER_YEAR, f"{flow} to the {group} third of farms by size within each region "
             "(income group)", by_size_group(flow, i), flow=True)
      for flow in ("payments", "credit_line_subsidy") for i, group in enumerate(SIZE_GROUPS)),
    Column("public_spending", MONEY_PER_YEAR, "money flows paid by the public (payments, purchases when the buyer is "
           "public, price guarantees when the guarantor is public or is a public buyer)", lambda t: t.paid_by(PUBLIC), flow=True),
    Column("public_spending_cum", MONEY_CUMULATIVE, "cumulative public spending",
           lambda t: t.running_total("public_spending_cum", t.row["public_spending"]), flow=True),
    Column("incentive_public_spending_cum", MONEY_CUMULATIVE, "public_spending_cum without exchange programmes' cost: the "
           "public cash paid so far for the scenario's incentives (the counterfactual keeps exchange programmes, so "
           "their effect is not in additional_cum_t_co2e)",
           lambda t: t.running_total("incentive_public_spending_cum",
                                     t.row["public_spending"] - _exchange_programme_cost(t)), flow=True),
    Column("public_paid_per_additional_t_co2e", "currency/t CO2e", "incentive_public_spending_cum / "
           "additional_cum_t_co2e: public cash paid so far on incentives per t stored beyond the counterfactual (NaN "
           "unless both > 0; `casim compare` also counts what is owed for credits already issued)",
           _public_paid_per_additional_t, flow=True,
           undefined_when="no public spending or no additional carbon yet"),
    Column("private_spending", MONEY_PER_YEAR, "money flows paid by private credit buyers and Twin Regions buyers "
           "(net of claw-back refunds)", lambda t: t.paid_by(BUYER) + t.paid_by(TWIN_BUYERS), flow=True),
    *_exchange_columns(),
)

#: The columns of the yearly table, in order, by name.
COLUMNS: dict[str, Column] = {column.name: column for column in _DECLARED}


class Year:
    """One year's aggregates for the column rules: per region and 'all' (arrays of shape (R + 1,)).

    Runs stacked in one model (``sim.ensemble``) give each run its R + 1 rows, run after run: (K (R + 1),).

    Attributes:
        record: the year's per-farm arrays. row: the values of the columns computed so far this year.
        last: last year's ``Year`` (None in the initial row).

    """

    def __init__(self, recorder: YearlyRecorder, record: YearRecord, last: Year | None) -> None:
        self.recorder = recorder
        self.record = record
        self.per_farm = record.per_farm or {}
        self.last = last
        self.row: dict[str, np.ndarray] = {}
        self.rows = recorder.rows
        self.farmers = recorder.farmers
        self.area = recorder.area_sum
        self.area_per_farm = recorder.area
        self.target_bundle = recorder.target_bundle
        self._sums: dict[str | tuple[str, str], np.ndarray | Future] = {}
        self._group_quantiles: dict[str, np.ndarray] = {}
        self._members: dict[str, tuple[np.ndarray, str]] = {}
        if parallel.threads() > 1 and self.area_per_farm.size > parallel.BLOCK_FARMS:  # every sum at once, threaded
            self._sums = parallel.start({key: partial(self._sum_of, key) for key in self.sum_keys()})

    def sum_keys(self) -> list[str | tuple[str, str]]:
        """Every sum over farms the columns take this year (``sum``)."""
        if not self.per_farm:
            return ["soc x area"]
        return [*self.per_farm, "soc x area", "yield x area",
                *((name, BY_SIZE_GROUP) for name in GROUP_SUMS if name in self.per_farm)]

    def _sum_of(self, key: str | tuple[str, str]) -> np.ndarray:
        """The sum named ``key``, per region and in total.

        A per-farm quantity by name, soil carbon or yield x area, or (per-farm quantity, ``BY_SIZE_GROUP``): its sums
        by income group, (``SIZE_GROUPS``, rows).
        """
        sum_by_region = self.recorder.sum_by_region
        if key == "soc x area":
            return self.recorder.sum_of_products(self.record.soc_t_c_per_ha, self.area_per_farm)
        if key == "yield x area":
            return self.recorder.sum_of_products(self.per_farm["yield_kg_per_ha"], self.area_per_farm)
        if isinstance(key, tuple):
            return self.recorder.sum_by_size_group(self.per_farm[key[0]])
        return sum_by_region(self.per_farm[key])

    def sum(self, key: str | tuple[str, str]) -> np.ndarray:
        """A sum of ``sum_keys`` per region and in total (computed once a year; on the thread pool for large models)."""
        value = self._sums.get(key)
        if value is None:
            value = self._sums[key] = self._sum_of(key)
        elif isinstance(value, Future):
            value = self._sums[key] = value.result()
        return value

    def total(self, name: str) -> np.ndarray:
        """Sum of the season's per-farm ``name`` per region and in total."""
        return self.sum(name)

    def per_run(self, values: float | np.ndarray) -> np.ndarray:
        """A value of each run (or one for all) on every row of its run, shape (rows,)."""
        return np.repeat(np.broadcast_to(values, (self.recorder.runs,)), len(self.recorder.names)).astype(np.float64)

    def total_of(self, x: np.ndarray) -> np.ndarray:
        """Sum of per-farm ``x`` per region and in total."""
        return self.recorder.sum_by_region(x)

    def paid_by(self, payer: str) -> np.ndarray:
        """Money paid by ``payer`` this year: its flows summed in booking order."""
        flows = [self.total(name) for name, who in (self.record.payers or {}).items() if who == payer]
        out = flows[0] if flows else np.zeros(self.rows)
        for flow in flows[1:]:
            out = out + flow
        return out

    def previous(self, column: str) -> np.ndarray:
        """Last year's value of ``column`` (this year's in the initial row)."""
        return (self.last or self).row[column]

    def first(self, column: str) -> np.ndarray:
        """The initial row's value of ``column``."""
        return (self.recorder.first or self).row[column]

    def running_total(self, column: str, values: np.ndarray) -> np.ndarray:
        """``values`` added to the running total kept in ``column`` (which starts from 0 in the first season)."""
        last = self.last
        before = last.row[column] if last is not None and last.record.per_farm is not None else np.zeros(self.rows)
        return before + values

    @cached_property
    def _histograms(self) -> tuple[np.ndarray, np.ndarray]:
        recorder = self.recorder
        farmers = np.empty((recorder.starts.size, _MASKS.size))
        area = np.empty((recorder.starts.size, _MASKS.size))
        bundle_histograms(recorder.blocks, recorder.block_segment, self.record.bundle, recorder.area, farmers, area)
        return recorder.with_totals(farmers), recorder.with_totals(area)

    @property
    def farmers_by_bundle(self) -> np.ndarray:
        """Farmers by (region + 'all', bundle mask), shape (R + 1, 16)."""
        return self._histograms[0]

    @property
    def area_by_bundle(self) -> np.ndarray:
        """Farmed area by (region + 'all', bundle mask), ha, shape (R + 1, 16)."""
        return self._histograms[1]

    @cached_property
    def adopters(self) -> np.ndarray:
        """Farmers using at least one practice."""
        return self.farmers_by_bundle[:, 1:].sum(axis=1)

    @cached_property
    def deciding_users(self) -> np.ndarray:
        """Deciding farmers (``state["decides"]``: not demonstration farms) using at least one practice."""
        return self.total_of((self.record.bundle != 0) & self.record.state["decides"])

    @cached_property
    def soc_total(self) -> np.ndarray:
        """Total SOC stock, t C."""
        return self.sum("soc x area")

    @cached_property
    def income_quantiles(self) -> np.ndarray:
        """The ``QUANTILES`` of farm income per region and in total, shape (3, rows)."""
        recorder = self.recorder
        return segment_percentiles(self.per_farm["income"], recorder.row_starts, recorder.row_ends, QUANTILES)

    def members(self, group: str) -> tuple[np.ndarray, str]:
        """The members of an exchange group (``_members``), and whether they are "none", "all" or "some" of the farms.

        Computed once a year per group: most models have no exchange programme (no participant, everyone else).
        """
        found = self._members.get(group)
        if found is None:
            members = _members(self, group)
            extent = "all" if members.all() else "some" if members.any() else "none"
            found = self._members[group] = (members, extent)
        return found

    def group_income_quantiles(self, group: str) -> np.ndarray:
        """The ``QUANTILES`` of the farm income of an exchange group's members per region and in total, (3, rows).

        NaN for a row without members. Every row's members at once (``member_percentiles``), computed once a year.
        """
        found = self._group_quantiles.get(group)
        if found is None:
            recorder, (members, extent) = self.recorder, self.members(group)
            if extent == "none":
                found = np.full((len(QUANTILES), self.rows), np.nan)
            elif extent == "all":
                found = self.income_quantiles  # everyone's
            else:
                found = member_percentiles(self.per_farm["income"], members, recorder.row_starts, recorder.row_ends,
                                           QUANTILES)
            self._group_quantiles[group] = found
        return found


def member_percentiles(values: np.ndarray, members: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                       percentiles: tuple[float, ...]) -> np.ndarray:
    """``np.percentile(values[start:end][members[start:end]], percentiles)`` of each segment, (Q, S); NaN if none.

    The members' values, kept in row order, are segments of their own (``segment_percentiles``: exact, bit for bit).
    """
    before = np.concatenate([[0], np.cumsum(members, dtype=np.int64)])  # members before each row
    first, last = before[starts], before[ends]
    out = np.full((len(percentiles), starts.size), np.nan)
    some = last > first
    if some.any():
        out[:, some] = segment_percentiles(values[members], first[some], last[some], percentiles)
    return out


@njit(cache=True, parallel=True)
def bundle_histograms(blocks, block_segment, bundle, area_ha, farmers, farmed_ha):  # pragma: no cover - compiled
    """Farmers and area by (segment, bundle mask), shape (S, 16).

    Blocks of rows [blocks[b, 0], blocks[b, 1]) of segment ``block_segment[b]`` are counted in parallel, each in row
    order from 0, then added per segment in block order (``sim.parallel``: no thread count changes a sum). Explicit
    loops outside the ``prange``: an array expression there would be one more parallel region.
    """
    n_blocks, n_masks = block_segment.size, farmers.shape[1]
    counts = np.empty((n_blocks, n_masks))
    hectares = np.empty((n_blocks, n_masks))
    for b in prange(n_blocks):
        for m in range(n_masks):
            counts[b, m] = 0.0
            hectares[b, m] = 0.0
        for i in range(blocks[b, 0], blocks[b, 1]):
            counts[b, bundle[i]] += 1.0
            hectares[b, bundle[i]] += area_ha[i]
    for s in range(farmers.shape[0]):
        for m in range(n_masks):
            farmers[s, m] = 0.0
            farmed_ha[s, m] = 0.0
    for b in range(n_blocks):
        for m in range(n_masks):
            farmers[block_segment[b], m] += counts[b, m]
            farmed_ha[block_segment[b], m] += hectares[b, m]


class YearlyRecorder:
    """Collects one row per year and region (and 'all') as columns of Python lists.

    Args:
        region_names: names in farmer-row order.
        region_start: first farmer row of each region; of each (run, region), run after run, for runs stacked in
            one model (``sim.ensemble``).
        area_ha: farm areas.
        target_bundle: the decision target bundle's mask (``target_bundle_share``), or one per run.
        runs: runs stacked in the model; each gets its own rows ('all' is the run's total) and table (``frame``).

    """

    def __init__(self, region_names: list[str], region_start: np.ndarray, area_ha: np.ndarray,
                 target_bundle: int | np.ndarray, runs: int = 1):
        self.names = [*region_names, "all"]
        self.runs = runs
        self.rows = runs * len(self.names)
        self.starts = np.asarray(region_start)
        self.ends = np.append(self.starts[1:], area_ha.size)
        run_starts = self.starts[:: len(region_names)]
        self.run_starts, self.run_ends = run_starts, np.append(run_starts[1:], area_ha.size)
        #: each row's farmer rows: the (run, region) segment, or the whole run for its 'all' row
        self.row_starts = self.with_totals(self.starts[:, None], self.run_starts[:, None]).ravel()
        self.row_ends = self.with_totals(self.ends[:, None], self.run_ends[:, None]).ravel()
        self.area = area_ha
        self.farmers = (self.row_ends - self.row_starts).astype(np.float64)
        self.blocks, self.block_segment = segment_blocks(self.starts, self.ends)  # for the histograms
        self.target_bundle = np.broadcast_to(target_bundle, (runs,))
        self.area_sum = self.sum_by_region(area_ha)
        #: the columns computed by a rule (all but the keys year and region), in order
        self.value_columns = [name for name, column in COLUMNS.items() if column.rule is not None]
        #: the recorded years, and each year's values of ``value_columns``, (rows, columns) float64
        self.years: list[int] = []
        self.values: list[np.ndarray] = []
        self._stacked: np.ndarray | None = None  # ``values`` as one table (``_table``)
        self.first: Year | None = None  # the initial row
        self.carbon_ledger = CarbonLedger()  # per farm, what carbon_money_non_additional_cum is made of
        self.last: Year | None = None  # last year's row

    @cached_property
    def size_group(self) -> np.ndarray:
        """(n,) int8: each farm's income group, the third of its region by farm size it is in (ties by row)."""
        group = np.empty(self.area.size, np.int8)
        for start, end in zip(self.starts, self.ends, strict=True):
            order = np.argsort(self.area[start:end], kind="stable")
            rank = np.empty(end - start, np.int64)
            rank[order] = np.arange(end - start)
            group[start:end] = rank * len(SIZE_GROUPS) // max(end - start, 1)
        return group

    @cached_property
    def size_group_farmers(self) -> list[np.ndarray]:
        """For each income group, its farms per row of the yearly table (region, and 'all'), shape (rows,)."""
        return [self.sum_by_region(self.size_group == g) for g in range(len(SIZE_GROUPS))]

    def with_totals(self, per_region: np.ndarray, totals: np.ndarray | None = None) -> np.ndarray:
        """Rows of the yearly table from values per (run, region), shape (K R, ...).

        Each run's regions, then its 'all' (``totals``, else the sum of its regions' values): (K (R + 1), ...).
        """
        if self.runs == 1:
            return np.vstack([per_region, per_region.sum(axis=0) if totals is None else totals])
        table = per_region.reshape(self.runs, len(self.names) - 1, *per_region.shape[1:])
        everyone = table.sum(axis=1) if totals is None else totals
        return np.concatenate([table, everyone[:, None]], axis=1).reshape(self.rows, *per_region.shape[1:])

    def sum_by_region(self, x: np.ndarray | PerRegion) -> np.ndarray:
        """Sum of per-farm ``x`` (flags count 1) per region and in total, shape (rows,).

        A run whose values are all zero (e.g. flows without a carbon programme) gets zeros. Flags of one run are
        counted per region (the same sums as their 0.0 and 1.0 added, exactly: whole numbers below 2^53).
        """
        if isinstance(x, PerRegion):
            return self._sum_of_constants(np.asarray(x.values, np.float64))
        if is_nothing(x) or x.size == 0:
            return np.zeros(self.rows)
        if x.dtype == bool:
            if self.runs == 1:
                per_region = np.array([np.count_nonzero(x[start:end]) for start, end in zip(self.starts, self.ends,
                                                                                           strict=True)], np.float64)
                return np.append(per_region, per_region.sum())
            x = x.astype(np.float64)
        return self._region_totals(np.add.reduceat(x, self.starts), self._nonzero(lambda: x))

    def sum_of_products(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``sum_by_region(a * b)`` of two (n,) float64 arrays, bit for bit, without an (n,) array of the products.

        The regions' sums follow NumPy's summation (``sim.parallel.segment_product_sums``); the products are made only
        when every sum is zero, to tell idle runs as ``sum_by_region`` does.
        """
        counts = self.ends - self.starts
        if not (a.dtype == b.dtype == np.float64 and a.flags.c_contiguous and b.flags.c_contiguous) or \
                is_nothing(a) or is_nothing(b) or a.size == 0 or (counts < 1).any():
            return self.sum_by_region(a * b)
        per_region = np.empty(self.starts.size)
        segment_product_sums(a, b, self.starts, self.ends, per_region)
        return self._region_totals(per_region, self._nonzero(lambda: a * b))

    def sum_by_size_group(self, x: np.ndarray) -> np.ndarray:
        """``sum_by_region`` of per-farm ``x`` where the farm is in each income group, else 0.0: (``SIZE_GROUPS``, rows).

        Bit for bit those of ``np.where(self.size_group == g, x, 0.0)``, from one compiled pass over a float64 ``x``
        for every group (``sim.parallel.segment_group_sums``) without the three masked (n,) copies (they cost about
        3 % of a 1 M-farmer year and 24 B per farmer of peak memory).
        """
        if is_nothing(x):
            return np.zeros((len(SIZE_GROUPS), self.rows))
        if not (x.dtype == np.float64 and x.flags.c_contiguous) or x.size == 0 or self.starts[0] != 0 or \
                (self.ends - self.starts < 1).any():
            return np.stack([self.sum_by_region(np.where(self.size_group == g, x, 0.0))
                             for g in range(len(SIZE_GROUPS))])
        per_region = np.empty((len(SIZE_GROUPS), self.starts.size))
        nonzero = np.empty((len(SIZE_GROUPS), self.starts.size), np.bool_)
        segment_group_sums(x, self.size_group, self.starts, self.ends, per_region, nonzero)
        if self.runs == 1:
            return np.stack([self._region_totals(sums, lambda flags=flags: flags)
                             for sums, flags in zip(per_region, nonzero, strict=True)])
        return np.stack([self._region_totals(sums, lambda flags=flags: flags.reshape(self.runs, -1).any(axis=1))
                         for sums, flags in zip(per_region, nonzero, strict=True)])

    def _region_totals(self, per_region: np.ndarray, nonzero: Callable[[], np.ndarray]) -> np.ndarray:
        """The rows of ``sum_by_region`` from the sums of a float64 (n,) array per (run, region) segment.

        ``nonzero()``, called only when a sum is zero (an all-zero run gets zeros, +0.0): one run's array itself, or
        anything whose ``any()`` is its (``values.any()``); of stacked runs, (runs,) bool: whether each run's farms hold
        a value other than zero.
        """
        if self.runs == 1:
            if not per_region.any() and not nonzero().any():  # all zero (a sum of -0.0 included): a pass only then
                return np.zeros(self.rows)
            return np.append(per_region, per_region.sum())
        sums = self.with_totals(per_region)
        if not (sums == 0).any():  # no run is idle: its sums would be zeros (two passes over the farms saved)
            return sums
        idle = ~nonzero()
        sums[np.repeat(idle, len(self.names))] = 0.0
        return sums

    def _nonzero(self, values: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
        """``_region_totals``' ``nonzero`` of the (n,) float64 array ``values()`` (made only if called)."""
        if self.runs == 1:
            return values
        return lambda: np.logical_or.reduceat(values() != 0, self.run_starts)

    def _sum_of_constants(self, values: np.ndarray) -> np.ndarray:
        """``sum_by_region`` of the (n,) array holding ``values`` (segments,) on each segment's farms, bit for bit."""
        counts = self.ends - self.starts
        if (counts < 1).any():  # an empty segment: NumPy's reduceat has a rule of its own there
            return self.sum_by_region(np.repeat(values, counts))
        if not values.any():
            return np.zeros(self.rows)
        per_region = np.empty(values.size)
        for count in np.unique(counts):  # the segments of each size at once (a stacked model's runs: a few sizes)
            same = counts == count
            per_region[same] = constant_sum(values[same], int(count))
        if self.runs == 1:
            return np.append(per_region, per_region.sum())
        sums = self.with_totals(per_region)
        idle = ~(values.reshape(self.runs, -1) != 0).any(axis=1)
        sums[np.repeat(idle, len(self.names))] = 0.0
        return sums

    def record(self, record: YearRecord) -> None:
        """Append the rows of one year (of every run)."""
        year = Year(self, record, self.last)
        for name, column in COLUMNS.items():
            if column.rule is None:
                continue
            if column.flow and record.per_farm is None:
                year.row[name] = np.full(year.rows, np.nan)
            else:
                year.row[name] = column.rule(year)
        year.adopters  # noqa: B018 (computed now: next year's disadoption rates need them)
        year.deciding_users  # noqa: B018
        self.years.append(record.year)
        self.values.append(np.stack([np.asarray(year.row[name], dtype=np.float64) for name in self.value_columns], axis=1))
        year.last = None  # keep one year of history
        self.first = self.first or year
        self.last = year

    def frame(self, run: int = 0) -> pd.DataFrame:
        """The yearly table of ``run``, with the declared integer columns as int64."""
        return self.frames([run])

    def frames(self, runs: Sequence[int]) -> pd.DataFrame:
        """The yearly tables of ``runs`` one after another, as ``pd.concat`` of their ``frame`` would give them.

        The rows of every year are taken from one (years, rows, columns) table, built once for every run, and made
        into one frame (a frame per run costs about a millisecond of pandas work).
        """
        width, columns = len(self.names), len(self.value_columns)
        table = self._table().reshape(len(self.years), self.runs, width, columns)[:, list(runs)]
        frame = pd.DataFrame(table.transpose(1, 0, 2, 3).reshape(-1, columns), columns=self.value_columns)
        frame.insert(0, "region", self.names * (len(self.years) * len(runs)))
        frame.insert(0, "year", np.tile(np.repeat(np.array(self.years, np.int64), width), len(runs)))
        for name, column in COLUMNS.items():
            if column.dtype == "int64" and name != "year":
                frame[name] = frame[name].astype("int64")
        return frame

    def _table(self) -> np.ndarray:
        """Every recorded value, (years, rows, columns) (kept until a year is recorded)."""
        table = self._stacked
        if table is None or table.shape[0] != len(self.values):
            table = self._stacked = np.stack(self.values)
        return table
