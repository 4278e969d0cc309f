"""Constraints on adoption that respond to the model: equipment supply, hire services, savings and credit, herbicide.

Per region r and year t (``[decision.access]`` and ``[regions.<name>.behaviour]``):
    S*_r = base_r + (1 - base_r) x (1 - exp(-A_r / supply_scale))       target reach of no-till seeder/herbicide dealers
    S_r(t) = S_r(t-1) + supply_adjustment_rate x (S*_r(A_r(t-1)) - S_r(t-1))   dealers follow demand with a lag
    C_r(t): the same for hire (contractor) services, from contractor_supply_base
where A_r is the region's no-till area share last season: dealers, local manufacturers and contractors set up where
farmers already no-till (Brazil: Semeato's seeders from 1976/77 and in the machinery statistics from 1978; the
Saskatchewan farm-shop seeder firms), so access is an outcome that can be checked against history, not an input.
Farm i is reached by dealers when its fixed uniform draw is below S_r, by contractors when another draw is below C_r.

Money for one-off costs (currency per farm): savings W_i plus, on farms of at least ``min_credit_farm_ha`` (lenders'
fixed cost per loan excludes small farms), a loan of ``loan_to_savings`` x W_i (savings as collateral and track
record), plus what a concessional credit line would lend the farm now (``sim.incentives.credit_line``; 0 without one).
Savings follow income: W(t+1) = (1 - spending rate) W(t) + savings_rate x max(income(t), 0), whose steady state is
savings_rate / spending rate x income; a transition paid this year is in this year's income. At the start savings
are those of a farm that has saved from ``spin_up_years`` past seasons of its income: a draw from the rule's
stationary distribution, not its mean (with money and one-off costs both proportional to area, the mean would put
whole regions on one side of a threshold that weather then moves them across: measured, 98 % of the African moist
savanna's farms could finance no-till at the start and 45 % a year later).

No-till can be started with an own seeder (dealer reach, one-off cost within the farm's money) or hired (contractor
reach; the yearly fee replaces the one-off cost). Its yearly cost changes with the herbicide price:
herbicide_cost_per_ha x (index(t) - 1), the index a year-keyed path (1 if none).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.outputs import PerRegion
from sim.parallel import PAIRWISE_BLOCK
from sim.practices import NO_TILL, Catalogue
from sim.scenario import Scenario
from sim.scenario.years import interpolate_by_year

#: Weight of the seasons before the spin-up in the starting savings ((1 - spending rate)^years): their income no
#: longer matters.
SPIN_UP_REMAINDER = 1e-3
#: At most this many past seasons (a savings_spending_rate near 0 would need millions): longer than a farmer saves.
MAX_SPIN_UP_YEARS = 100


def no_till_area_share(start: np.ndarray, bundle: np.ndarray, area_ha: np.ndarray) -> np.ndarray:
    """(R,) share of each region's area under no-till (regions are the row blocks beginning at ``start``).

    The no-till bit of each bundle mask (``USES_BY_MASK[bundle, NO_TILL]``, 1 or 0) read by a shift, not a lookup.
    The area under it is ``np.add.reduceat(area_ha * bit, start)`` bit for bit, summed by a kernel that follows
    NumPy's summation (``no_till_area``): no (n,) products to allocate, the regions side by side.
    """
    start = np.asarray(start, np.int64)
    end = np.append(start[1:], bundle.size)
    if (end <= start).any():  # an empty region: NumPy's reduceat has a rule of its own there
        under = np.add.reduceat(area_ha * ((bundle >> NO_TILL) & 1), start)
    else:
        under = np.empty(start.size)
        no_till_area(bundle, area_ha, start, end, NO_TILL, under)
    return under / np.add.reduceat(area_ha, start)


@njit(cache=True, parallel=True)
def no_till_area(bundle, area_ha, start, end, bit, out):  # pragma: no cover - compiled
    """out[s] = ``np.add.reduceat(area_ha * ((bundle >> bit) & 1), start)[s]`` for segments [start, end), end > start.

    NumPy sums a segment as its first value plus the pairwise sum of the rest (``_pairwise_no_till_area``); the
    products are computed where they are added. Segments in parallel, each in NumPy's order.
    """
    for s in prange(start.size):
        first = start[s]
        out[s] = area_ha[first] * ((bundle[first] >> bit) & 1) + \
            _pairwise_no_till_area(bundle, area_ha, bit, first + 1, end[s] - first - 1)


@njit(cache=True)
def _pairwise_no_till_area(bundle, area_ha, bit, first, count):  # pragma: no cover - compiled
    """NumPy's pairwise sum of the ``count`` products from row ``first``.

    In order below 8 values, eight running sums up to ``PAIRWISE_BLOCK``, else the two halves (the first a multiple
    of 8) summed so and added.
    """
    if count < 8:
        total = -0.0  # NumPy's start: the additive identity, so that a sum of -0.0 stays -0.0
        for i in range(first, first + count):
            total += area_ha[i] * ((bundle[i] >> bit) & 1)
        return total
    if count <= PAIRWISE_BLOCK:
        i = first
        r0 = area_ha[i] * ((bundle[i] >> bit) & 1)
        r1 = area_ha[i + 1] * ((bundle[i + 1] >> bit) & 1)
        r2 = area_ha[i + 2] * ((bundle[i + 2] >> bit) & 1)
        r3 = area_ha[i + 3] * ((bundle[i + 3] >> bit) & 1)
        r4 = area_ha[i + 4] * ((bundle[i + 4] >> bit) & 1)
        r5 = area_ha[i + 5] * ((bundle[i + 5] >> bit) & 1)
        r6 = area_ha[i + 6] * ((bundle[i + 6] >> bit) & 1)
        r7 = area_ha[i + 7] * ((bundle[i + 7] >> bit) & 1)
        i += 8
        while i < first + count - count % 8:
            r0 += area_ha[i] * ((bundle[i] >> bit) & 1)
            r1 += area_ha[i + 1] * ((bundle[i + 1] >> bit) & 1)
            r2 += area_ha[i + 2] * ((bundle[i + 2] >> bit) & 1)
            r3 += area_ha[i + 3] * ((bundle[i + 3] >> bit) & 1)
            r4 += area_ha[i + 4] * ((bundle[i + 4] >> bit) & 1)
            r5 += area_ha[i + 5] * ((bundle[i + 5] >> bit) & 1)
            r6 += area_ha[i + 6] * ((bundle[i + 6] >> bit) & 1)
            r7 += area_ha[i + 7] * ((bundle[i + 7] >> bit) & 1)
            i += 8
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        for k in range(i, first + count):
            total += area_ha[k] * ((bundle[k] >> bit) & 1)
        return total
    half = count // 2
    half -= half % 8
    return _pairwise_no_till_area(bundle, area_ha, bit, first, half) + \
        _pairwise_no_till_area(bundle, area_ha, bit, first + half, count - half)


@dataclass(frozen=True)
class FarmAccess:
    """Who can start no-till this year and how (per farm, shape (n,))."""

    dealer: np.ndarray  # bool: reached by seeder/herbicide dealers
    contractor: np.ndarray  # bool: reached by hire services
    money: np.ndarray  # float64: currency available for one-off costs (savings + loan)


class Access:
    """The constraints of every region: supply levels (R,), herbicide prices, and each farm's access this year.

    Args:
        scenario: the scenario (``decision.access`` and each region's ``behaviour`` table).
        region: region index of each farm (n,).
        area_ha: farm areas (n,).
        dealer_draw, contractor_draw: each farm's fixed uniform draws (n,).
        catalogue: the practices (no-till's one-off cost).

    Attributes:
        seeder_supply, contractor_supply: (R,) share of farms dealers and hire services reach this year.
        herbicide_index: (R,) herbicide price index this year.
        now: this year's ``FarmAccess`` (set by ``start`` and ``begin_year``).

    """

    def __init__(self, scenario: Scenario, region: np.ndarray, area_ha: np.ndarray, dealer_draw: np.ndarray,
                 contractor_draw: np.ndarray, catalogue: Catalogue) -> None:
        self.spec = scenario.decision.access
        behaviour = [r.behaviour for r in scenario.regions.values()]
        self.seeder_base = np.array([b.seeder_supply_base for b in behaviour])
        self.contractor_base = np.array([b.contractor_supply_base for b in behaviour])
        self.contractor_fee_per_ha = np.array([b.contractor_fee_per_ha for b in behaviour])
        self.herbicide_cost_per_ha = np.array([b.herbicide_cost_per_ha for b in behaviour])
        self.herbicide_paths = [b.herbicide_price_index_by_year for b in behaviour]
        self.min_credit_farm_ha = np.array([b.min_credit_farm_ha for b in behaviour])
        self.region = region
        self.area_ha = area_ha
        self.served = area_ha >= self.min_credit_farm_ha[region]
        #: (n,) loan per unit of savings each farm's lender grants (0 where no lender serves it; exchange groups raise
        #: it, ``sim.behaviour.exchange``)
        self.loan_per_savings = np.where(self.served, self.spec.loan_to_savings, 0.0)
        #: (R,) no-till area share at which supply reaches 63 % of the farms it missed (exchange equipment lowers it)
        self.supply_scale = np.full(self.seeder_base.size, self.spec.supply_scale)
        self.dealer_draw = dealer_draw
        self.contractor_draw = contractor_draw
        self.no_till_cost_per_farm = catalogue.transition_cost_per_ha[NO_TILL] * area_ha
        self.seeder_supply = self.seeder_base.copy()
        self.contractor_supply = self.contractor_base.copy()
        self.herbicide_index = np.ones(self.seeder_base.size)
        self.now = FarmAccess(np.zeros(region.size, bool), np.zeros(region.size, bool), np.zeros(region.size))

    def target_supply(self, no_till_area_share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """S* and C* (R,) for the regions' no-till area shares (R,)."""
        reach = 1.0 - np.exp(-np.asarray(no_till_area_share) / self.supply_scale)
        return (self.seeder_base + (1.0 - self.seeder_base) * reach,
                self.contractor_base + (1.0 - self.contractor_base) * reach)

    def start(self, year: int, no_till_area_share: np.ndarray, savings: np.ndarray) -> None:
        """Start: supply at its steady state for the initial no-till area shares (R,).

        Also the prices of ``year`` and each farm's access with its ``savings`` (n,).
        """
        self.seeder_supply, self.contractor_supply = self.target_supply(no_till_area_share)
        self.herbicide_index = self._herbicide_index(year)
        self.now = self.farms(savings)

    def begin_year(self, year: int, no_till_area_share: np.ndarray, savings: np.ndarray,
                   line_credit: np.ndarray) -> None:
        """A new year: supply moves towards its target for last season's no-till area shares (R,).

        Also the prices of ``year`` and each farm's access with its ``savings`` (n,) and the loan a credit line would
        grant it, ``line_credit`` (n,) (currency).
        """
        rate = self.spec.supply_adjustment_rate
        seeder, contractor = self.target_supply(no_till_area_share)
        self.seeder_supply = self.seeder_supply + rate * (seeder - self.seeder_supply)
        self.contractor_supply = self.contractor_supply + rate * (contractor - self.contractor_supply)
        self.herbicide_index = self._herbicide_index(year)
        self.now = self.farms(savings, line_credit)

    def _herbicide_index(self, year: int) -> np.ndarray:
        return np.array([1.0 if path is None else float(interpolate_by_year(path, year)) for path in self.herbicide_paths])

    @property
    def herbicide_extra_per_ha(self) -> np.ndarray:
        """Change of no-till's yearly cost from the herbicide price this year (R,), currency/ha/yr."""
        return self.herbicide_cost_per_ha * (self.herbicide_index - 1.0)

    def farms(self, savings: np.ndarray, line_credit: np.ndarray | None = None) -> FarmAccess:
        """Each farm's access this year, given its savings and credit-line loan (n,) (currency; none at the start)."""
        n = self.region.size
        access = FarmAccess(np.empty(n, np.bool_), np.empty(n, np.bool_), np.empty(n))
        farm_access(savings, self.loan_per_savings, line_credit is not None,
                    savings if line_credit is None else line_credit, self.dealer_draw, self.contractor_draw,
                    self.seeder_supply, self.contractor_supply, self.region, access.dealer, access.contractor,
                    access.money)
        return access

    def yearly_input_cost_per_ha(self, uses_no_till: np.ndarray, hires: np.ndarray) -> np.ndarray:
        """(n,) extra yearly cost of no-till users: herbicide price change, plus the fee when hiring, currency/ha."""
        out = np.empty(self.region.size)
        no_till_input_cost(uses_no_till, hires, self.herbicide_extra_per_ha, self.contractor_fee_per_ha, self.region,
                           out)
        return out

    def spin_up_years(self) -> int:
        """Past seasons whose income the starting savings count (at most ``MAX_SPIN_UP_YEARS``).

        All but ``SPIN_UP_REMAINDER`` of their weight.
        """
        kept = 1.0 - self.spec.savings_spending_rate
        if kept <= SPIN_UP_REMAINDER:
            return 1
        return min(int(np.ceil(np.log(SPIN_UP_REMAINDER) / np.log(kept))), MAX_SPIN_UP_YEARS)

    def spin_up(self, incomes: Iterable[np.ndarray]) -> np.ndarray:
        """Savings (n,) after saving from ``incomes`` (each (n,), oldest first), starting from none."""
        savings = None
        for income in incomes:
            savings = self.update_savings(np.zeros(income.shape) if savings is None else savings, income)
        return savings

    def update_savings(self, savings: np.ndarray, income: np.ndarray) -> np.ndarray:
        """Next year's savings (n,) after a year with ``income`` (n,) (transition costs included)."""
        out = np.empty(savings.shape)
        saved(savings, income, 1.0 - self.spec.savings_spending_rate, self.spec.savings_rate, out)
        return out

    def state(self) -> dict[str, np.ndarray | PerRegion]:
        """Per-farm values behind the access output columns (``sim.outputs``), this year.

        Supplies and the price index are their regions' (``PerRegion``): no (n,) copies to fill and sum each year.
        """
        n = self.region.size
        finances, can_start = np.empty(n, np.bool_), np.empty(n, np.bool_)
        access_state(self.no_till_cost_per_farm, self.now.money, self.now.dealer, self.now.contractor, finances,
                     can_start)
        return {"seeder_supply": PerRegion(self.seeder_supply.copy()),
                "contractor_supply": PerRegion(self.contractor_supply.copy()),
                "herbicide_price_index": PerRegion(self.herbicide_index.copy()),
                "finances_no_till": finances, "can_start_no_till": can_start}


@njit(cache=True, parallel=True)
def farm_access(savings, loan_per_savings, has_line_credit, line_credit, dealer_draw, contractor_draw, seeder_supply,
                contractor_supply, region, dealer, contractor, money):  # pragma: no cover - compiled
    """``Access.farms`` in one pass: ``dealer``, ``contractor`` (n,) bool and ``money`` (n,), written in place.

    money = savings x (1 + loan per savings) (+ ``line_credit`` when ``has_line_credit``); a farm is reached when
    its fixed draw is below its region's supply (R,). The NumPy expressions' operations, in their order.
    """
    for i in prange(region.size):
        g = region[i]
        m = savings[i] * (1.0 + loan_per_savings[i])
        money[i] = m + line_credit[i] if has_line_credit else m
        dealer[i] = dealer_draw[i] < seeder_supply[g]
        contractor[i] = contractor_draw[i] < contractor_supply[g]


@njit(cache=True, parallel=True)
def no_till_input_cost(uses_no_till, hires, herbicide_extra, contractor_fee, region, out
                       ):  # pragma: no cover - compiled
    """``Access.yearly_input_cost_per_ha`` in one pass into ``out`` (n,): per-region herbicide change and fee (R,)."""
    for i in prange(region.size):
        g = region[i]
        out[i] = herbicide_extra[g] + (contractor_fee[g] if hires[i] else 0.0) if uses_no_till[i] else 0.0


@njit(cache=True, parallel=True)
def saved(savings, income, kept, savings_rate, out):  # pragma: no cover - compiled
    """``Access.update_savings`` in one pass into ``out``: kept x savings + savings_rate x max(income, 0)."""
    for i in prange(out.size):
        out[i] = kept * savings[i] + savings_rate * np.maximum(income[i], 0.0)


@njit(cache=True, parallel=True)
def access_state(no_till_cost, money, dealer, contractor, finances_out, can_start_out):  # pragma: no cover - compiled
    """The per-farm flags of ``Access.state`` in one pass, into ``finances_out`` and ``can_start_out`` (n,) bool.

    Whether each farm's money covers an own seeder, and whether it can start no-till (an own seeder within reach
    and money, or a hire service).
    """
    for i in prange(money.size):
        finances = no_till_cost[i] <= money[i]
        finances_out[i] = finances
        can_start_out[i] = (dealer[i] and finances) or contractor[i]
