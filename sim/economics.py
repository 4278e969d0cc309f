"""Farm money: discounting and the yearly farm account.

Per farm and year (money in the scenario currency):
    revenue           = yield (t/ha) x crop price x area
    production costs  = (production cost + sum of practice cost changes + residue fodder value forgone
                         + no-till's herbicide price change and hire fee, ``sim.behaviour.access``) x area
    transition costs  = sum of one-off costs of practices adopted this year x area        (``sim.farmers``)
    income            = revenue - production costs - transition costs
                        + incentive money paid to the farmer - incentive money the farmer pays
                          (per-ha payments, carbon revenue; MRV cost, claw-back: ``sim.incentives``)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim import kernel_cache  # noqa: F401 - first: Numba's cache directory before any kernel
from sim.farmers import FarmerTable
from sim.practices import RESIDUE_RETENTION, Catalogue
from sim.units import KG_PER_T

#: Parties money flows between (``MoneyFlow.payer`` and ``payee``); incentive designs name others.
PUBLIC = "public"
FARMER = "farmer"

#: Discount rates below this are treated as zero (the annuity factor is then the number of years).
ZERO_RATE = 1e-12


def annuity_factor(rate: np.ndarray | float, years: np.ndarray | int) -> np.ndarray | float:
    """Present value of 1 per year paid at the end of years 1..years at discount ``rate`` (1/yr)."""
    rate = np.asarray(rate, dtype=np.float64)
    years = np.asarray(years, dtype=np.float64)
    safe = np.where(rate > ZERO_RATE, rate, 1.0)
    return np.where(rate > ZERO_RATE, (1.0 - (1.0 + safe) ** -years) / safe, years)


def nothing(n: int, dtype: type = np.float64) -> np.ndarray:
    """(n,) zeros of ``dtype`` that take no memory: a read-only view of one zero (``is_nothing`` knows it at once).

    What a design with nothing to settle (no payments, no carbon price, no credit line, no counterfactual) hands on
    as a flow or quantity: no array to allocate and fill each year, and no pass over a million zeros to add it to the
    accounts or to sum it in the outputs.
    """
    return np.broadcast_to(np.zeros((), dtype), (n,))


def is_nothing(x: np.ndarray) -> bool:
    """Whether ``x`` is one of ``nothing``'s views: every value zero, known without reading them."""
    return x.ndim == 1 and x.size > 0 and x.strides[0] == 0 and not x[0]


@dataclass(frozen=True)
class MoneyFlow:
    """Money paid this year, per farm (currency), from ``payer`` to ``payee``; ``name`` is its output column."""

    name: str
    payer: str
    payee: str
    amount: np.ndarray  # (n,)


@dataclass(frozen=True)
class FarmAccounts:
    """The farm account of the year, per farm (currency), named by the output columns."""

    revenue: np.ndarray
    production_costs: np.ndarray
    transition_costs: np.ndarray
    income: np.ndarray


def farm_accounts(farms: FarmerTable, yield_kg_per_ha: np.ndarray, transition_costs: np.ndarray,
                  catalogue: Catalogue, flows: list[MoneyFlow], input_cost_per_ha: np.ndarray) -> FarmAccounts:
    """The year's account of every farm; incentive ``flows`` to or from farmers are booked in their order.

    ``input_cost_per_ha`` (n,) is each farm's extra yearly cost of its practices' inputs and services, currency/ha.
    """
    revenue, costs, income = np.empty(farms.n), np.empty(farms.n), np.empty(farms.n)
    crop_budget(yield_kg_per_ha, farms.crop_price_per_t, farms.area_ha, farms.production_cost_per_ha,
                farms.residue_value_per_ha, farms.uses, catalogue.annual_cost_change_per_ha, RESIDUE_RETENTION,
                input_cost_per_ha, transition_costs, revenue, costs, income)
    for flow in flows:
        if is_nothing(flow.amount):  # adding or taking zero changes no income (none is -0.0: revenue is >= +0.0)
            continue
        if flow.payee == FARMER:
            income += flow.amount
        elif flow.payer == FARMER:
            income -= flow.amount
    return FarmAccounts(revenue, costs, transition_costs, income)


@njit(cache=True, parallel=True)
def crop_budget(yield_kg_per_ha, crop_price_per_t, area_ha, production_cost_per_ha, residue_value_per_ha, uses,
                cost_change_per_ha, residue_index, input_cost_per_ha, transition_cost, revenue, costs, income
                ):  # pragma: no cover
    """Revenue, production costs, and income before incentives (revenue - costs - transition costs), per farm."""
    n, n_practices = uses.shape
    for i in prange(n):
        per_ha = production_cost_per_ha[i] + input_cost_per_ha[i]
        for p in range(n_practices):
            if uses[i, p]:
                per_ha += cost_change_per_ha[p]
                if p == residue_index:
                    per_ha += residue_value_per_ha[i]
        revenue[i] = yield_kg_per_ha[i] / KG_PER_T * crop_price_per_t[i] * area_ha[i]
        costs[i] = per_ha * area_ha[i]
        income[i] = revenue[i] - costs[i] - transition_cost[i]
