"""Yearly outputs: one row per year and region, plus region ``all``. Declared here, in one place.

Shares are of farmers (``*_share``) or of farmed area (``*_area_share``); SOC in t C/ha (area-weighted mean)
and t C (total); CO2 in t CO2e; money in the scenario currency (income per farm per year).
Flows (income, credits, payments) are NaN in the initial row (``year == start_year``).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim import kernels
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, PRACTICES, USES_BY_MASK
from sim.units import CO2_PER_C, FOUR_PER_1000

#: Columns of the yearly table, in order, with their units.
COLUMNS: dict[str, str] = {
    "year": "calendar year",
    "region": "region name or 'all'",
    "farmers": "count",
    "area_ha": "ha",
    **{f"{p}_share": "share of farmers using the practice" for p in PRACTICES},
    **{f"{p}_area_share": "share of area under the practice" for p in PRACTICES},
    "full_ca_share": "share of farmers in full CA (no-till + soil cover + rotation)",
    "full_ca_area_share": "share of area in full CA",
    "any_practice_share": "share of farmers using at least one practice",
    "target_bundle_share": "share of farmers using the decision target bundle",
    "soc_mean_t_c_per_ha": "area-weighted mean SOC stock, t C/ha",
    "soc_total_t_c": "total SOC stock, t C",
    "soc_change_t_c": "change of total SOC stock over the year, t C",
    "soc_relative_change": "soc_change_t_c / last year's soc_total_t_c, 1/yr",
    "four_per_1000_index": "soc_relative_change / 0.004 (1 = the '4 per 1000' target)",
    "co2e_stored_cum_t": "(soc_total_t_c - initial) x 44/12, t CO2e",
    "yield_mean_kg_per_ha": "area-weighted mean yield, kg/ha",
    "income_mean": "mean farm income, currency/farm/yr",
    "income_p10": "10th percentile of farm income",
    "income_p50": "median farm income",
    "income_p90": "90th percentile of farm income",
    "enrolled_share": "share of farmers enrolled in the carbon programme",
    "disadoption_share": "share of farmers who dropped all practices this year",
    "disadoption_rate": "farmers who dropped all practices this year / farmers using a practice last year",
    "carbon_price": "market carbon price of the year, currency/t CO2e",
    "credits_t_co2e": "credits issued this year (at verifications), t CO2e",
    "reversals_t_co2e": "verified losses of credited carbon this year, t CO2e",
    "buffer_pool_t_co2e": "buffer pool: contributions minus cancellations so far, t CO2e",
    "carbon_value": "project value of the credits (general market at the farm's price + twin purchases net of fees)",
    "buyer_spending": "paid by general-market buyers, net of claw-back refunds",
    "guarantor_spending": "paid by the price guarantor (floor top-ups, contract differences; < 0 = received)",
    "twin_buyer_spending": "paid by Twin Regions buyers",
    "authority_fees": "kept by the Twin Regions Market Authority",
    "aggregator_fees": "kept by group-certification aggregators",
    "carbon_to_farmers": "part of carbon_value paid to farmers (before MRV)",
    "carbon_to_intermediaries": "part of carbon_value kept by intermediaries",
    "mrv_cost": "MRV cost paid by farmers",
    "clawback": "repaid by farmers for reversed credits",
    "revenue": "crop sales, currency",
    "production_costs": "production costs incl. practice cost changes and residue fodder forgone, currency",
    "transition_costs": "one-off adoption costs paid by farmers",
    "payments": "per-ha practice payments (public)",
    "public_spending": "payments + buyer spending if the buyer is public + guarantor spending if the guarantor is public",
    "public_spending_cum": "cumulative public spending",
    "public_cost_per_t_co2e": "public_spending_cum / co2e_stored_cum_t (NaN unless both > 0)",
}


@dataclass
class YearInputs:
    """Per-farm arrays of one year that the summary needs (flows may be None in the initial row)."""

    year: int
    carbon_price: float
    bundle: np.ndarray  # practice bit mask of each farm
    soc_t_c_per_ha: np.ndarray
    yield_kg_per_ha: np.ndarray | None = None
    income: np.ndarray | None = None
    enrolled: np.ndarray | None = None
    disadopted: np.ndarray | None = None
    credits_t_co2e: np.ndarray | None = None
    reversals_t_co2e: np.ndarray | None = None
    buffer_t_co2e: np.ndarray | None = None
    carbon_value: np.ndarray | None = None
    buyer_spending: np.ndarray | None = None
    guarantor_spending: np.ndarray | None = None
    twin_buyer_spending: np.ndarray | None = None
    authority_fees: np.ndarray | None = None
    aggregator_fees: np.ndarray | None = None
    carbon_to_farmers: np.ndarray | None = None
    carbon_to_intermediaries: np.ndarray | None = None
    mrv_cost: np.ndarray | None = None
    clawback: np.ndarray | None = None
    revenue: np.ndarray | None = None
    production_costs: np.ndarray | None = None
    transition_costs: np.ndarray | None = None
    payments: np.ndarray | None = None


#: Flow columns summed over farms, from the YearInputs field of the same name.
SUMMED = ("credits_t_co2e", "reversals_t_co2e", "carbon_value", "buyer_spending", "guarantor_spending",
          "twin_buyer_spending", "authority_fees", "aggregator_fees", "carbon_to_farmers", "carbon_to_intermediaries",
          "mrv_cost", "clawback", "revenue", "production_costs", "transition_costs", "payments")


_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="casim-quantiles")


def _share(by_bundle: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """Share of the total in the selected bundle masks, as part / (part + rest): never above 1 by rounding."""
    part = by_bundle @ selected
    rest = by_bundle @ ~selected
    total = part + rest
    return np.divide(part, total, out=np.zeros_like(part), where=total > 0)


class YearlyRecorder:
    """Collects one row per year and region (and 'all') as columns of Python lists.

    Args:
        region_names: names in farmer-index order.
        region_start: first farmer index of each region.
        area_ha: farm areas.
        public_buyer: True when credit purchases are public spending.

    """

    def __init__(self, region_names: list[str], region_start: np.ndarray, area_ha: np.ndarray, target_mask: int,
                 public_buyer: bool, public_guarantor: bool):
        self.names = [*region_names, "all"]
        self.starts = np.asarray(region_start)
        self.ends = np.append(self.starts[1:], area_ha.size)
        self.area = area_ha
        self.area_sum = self._sum(area_ha)
        self.farmers = np.append(self.ends - self.starts, area_ha.size).astype(np.float64)
        self.public_buyer = public_buyer
        self.public_guarantor = public_guarantor
        self._buffer_pool = np.zeros(len(self.names))
        self._adopters_before: np.ndarray | None = None
        self.target_mask = target_mask
        self._region = np.repeat(np.arange(len(self.starts)), self.ends - self.starts)
        self.columns: dict[str, list] = {name: [] for name in COLUMNS}
        self._soc_initial: np.ndarray | None = None
        self._soc_previous: np.ndarray | None = None
        self._public_cum = np.zeros(len(self.names))

    def _sum(self, x: np.ndarray) -> np.ndarray:
        """Sum per region and in total."""
        if x.dtype != bool and not x.any():  # flows that are zero this year (e.g. no carbon programme)
            return np.zeros(len(self.names))
        per_region = np.add.reduceat(x, self.starts) if x.size else np.zeros(len(self.starts))
        return np.append(per_region, per_region.sum())

    def _bundle_histograms(self, bundle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Farmers and area by (region + 'all', bundle mask), shape (regions + 1, 16) each."""
        n_masks = 1 << N_PRACTICES
        farmers = np.empty((len(self.starts), n_masks))
        area = np.empty((len(self.starts), n_masks))
        kernels.bundle_histograms(self._region, bundle, self.area, n_masks, farmers, area)
        return np.vstack([farmers, farmers.sum(axis=0)]), np.vstack([area, area.sum(axis=0)])

    def _quantiles(self, x: np.ndarray) -> tuple[Future, Future]:
        """10th, 50th and 90th percentiles in total and per region, as futures.

        Partitioning is the costly part; the whole population and the regions are partitioned in two background
        threads (NumPy releases the GIL) while the caller computes the other columns.
        """
        pieces = [x[s:e] for s, e in zip(self.starts, self.ends, strict=True)]
        everyone = _THREADS.submit(np.percentile, x, [10, 50, 90])
        regions = _THREADS.submit(lambda: [np.percentile(piece, [10, 50, 90]) for piece in pieces])
        return everyone, regions

    def record(self, y: YearInputs) -> None:
        """Append the rows of one year."""
        quantiles = self._quantiles(y.income) if y.income is not None else None
        farmers, area = self.farmers, self.area_sum
        soc_total = self._sum(y.soc_t_c_per_ha * self.area)
        if self._soc_initial is None:
            self._soc_initial = soc_total
            self._soc_previous = soc_total
        change = soc_total - self._soc_previous
        relative = change / np.where(self._soc_previous > 0, self._soc_previous, np.nan)
        self._soc_previous = soc_total
        stored = (soc_total - self._soc_initial) * CO2_PER_C
        by_bundle, area_by_bundle = self._bundle_histograms(y.bundle)
        row: dict[str, np.ndarray] = {
            "farmers": farmers,
            "area_ha": area,
            "full_ca_share": _share(by_bundle, FULL_CA_BY_MASK),
            "full_ca_area_share": _share(area_by_bundle, FULL_CA_BY_MASK),
            "any_practice_share": _share(by_bundle, np.arange(1 << N_PRACTICES) > 0),
            "target_bundle_share": _share(by_bundle, np.arange(1 << N_PRACTICES) == self.target_mask),
            "soc_mean_t_c_per_ha": soc_total / area,
            "soc_total_t_c": soc_total,
            "soc_change_t_c": change,
            "soc_relative_change": relative,
            "four_per_1000_index": relative / FOUR_PER_1000,
            "co2e_stored_cum_t": stored,
        }
        for i, p in enumerate(PRACTICES):
            row[f"{p}_share"] = _share(by_bundle, USES_BY_MASK[:, i])
            row[f"{p}_area_share"] = _share(area_by_bundle, USES_BY_MASK[:, i])
        row["carbon_price"] = np.full(len(self.names), y.carbon_price)
        if y.income is None:
            for name in COLUMNS:
                row.setdefault(name, np.full(len(self.names), np.nan))
        else:
            for name in SUMMED:
                row[name] = self._sum(getattr(y, name))
            public = row["payments"] + (row["buyer_spending"] if self.public_buyer else 0.0) + (
                row["guarantor_spending"] if self.public_guarantor else 0.0)
            self._public_cum = self._public_cum + public
            self._buffer_pool = self._buffer_pool + self._sum(y.buffer_t_co2e)
            p10, p50, p90 = np.array([*quantiles[1].result(), quantiles[0].result()]).T
            row.update(
                yield_mean_kg_per_ha=self._sum(y.yield_kg_per_ha * self.area) / area,
                income_mean=self._sum(y.income) / farmers,
                income_p10=p10,
                income_p50=p50,
                income_p90=p90,
                enrolled_share=self._sum(y.enrolled.astype(np.float64)) / farmers,
                disadoption_share=self._sum(y.disadopted.astype(np.float64)) / farmers,
                disadoption_rate=np.divide(self._sum(y.disadopted.astype(np.float64)), self._adopters_before,
                                           out=np.zeros(len(self.names)), where=self._adopters_before > 0),
                buffer_pool_t_co2e=self._buffer_pool.copy(),
                public_spending=public,
                public_spending_cum=self._public_cum.copy(),
                public_cost_per_t_co2e=np.where(
                    (self._public_cum > 0) & (stored > 0), self._public_cum / np.where(stored > 0, stored, 1), np.nan
                ),
            )
        self._adopters_before = by_bundle[:, 1:].sum(axis=1)
        self.columns["year"].extend([y.year] * len(self.names))
        self.columns["region"].extend(self.names)
        for name in COLUMNS:
            if name not in ("year", "region"):
                self.columns[name].extend(np.asarray(row[name], dtype=np.float64).tolist())
