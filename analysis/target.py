"""Find the smallest value of a policy lever that reaches a target ("what price gets us to 80 % by 2040?").

Bisection on the lever over [low, high], assuming the metric rises with the lever; each evaluation runs the same
replicates (common random numbers), so the comparison between lever values is not blurred by seed noise. The
metric is the mean over replicates; for a scenario naming posterior draws the replicates are every draw x every
seed, and the result also says how the metric spreads over them at the value found (parameter uncertainty).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from experiments.executors import Executor, local_for
from experiments.runs import Replicate, replicate_specs, run_many
from sim.scenario import Scenario

#: Default stopping width of the bisection: the searched range divided by this (8 halvings).
TOLERANCE_DIVISIONS = 200

#: Short lever names and the scenario overrides they set for a value v.
LEVERS: dict[str, Callable[[Scenario, float], dict]] = {
    "carbon_price": lambda s, v: {"carbon.price.path": {"kind": "constant", "value": v}},
    "payment_per_ha": lambda s, v: {"payments.per_ha": {p: v for p in ("no_till", "cover_crops")},
                                    "payments.duration_years": max(s.payments.duration_years, s.years)},
    "farmer_share": lambda s, v: {"carbon.farmer_share": v},
    "mrv_cost_per_farm": lambda s, v: {"carbon.mrv.cost_per_farm": v},
}
#: Short metric names and the yearly-table column they read (region 'all').
METRICS = {"adoption": "full_ca_share", "no_till": "no_till_share", "any_practice": "any_practice_share"}


@dataclass
class TargetResult:
    """The lever value found, the metric there, and every evaluation made."""

    lever_value: float
    metric_value: float
    reached: bool
    evaluations: list[tuple[float, float]]
    replicates: int = 0
    interval: tuple[float, float] = (float("nan"), float("nan"))  # 5-95 % of the replicates at lever_value
    share_reaching: float = float("nan")  # share of the replicates reaching the target at lever_value


#: The central range of the replicates reported at the lever value found, as (low, high) quantiles.
INTERVAL = (0.05, 0.95)


def _replicates(replicates: Sequence[int | Replicate]) -> list[Replicate]:
    return [r if isinstance(r, Replicate) else Replicate(int(r)) for r in replicates]


def metric_values(scenario: Scenario, overrides: dict, metric: str, year: int, replicates: Sequence[int | Replicate],
                  farmers: int | None, executor: Executor | None = None) -> np.ndarray:
    """``metric`` (a yearly-table column, region 'all') in ``year`` for each replicate (a seed or a ``Replicate``)."""
    column = METRICS.get(metric, metric)
    years = year - scenario.start_year
    specs = replicate_specs(scenario, "target", _replicates(replicates), farmers, years, overrides)
    runs = run_many(specs, executor)
    at = runs[(runs.region == "all") & (runs.year == year)]
    if column not in at.columns:
        raise ValueError(f"unknown metric {metric!r}; use {sorted(METRICS)} or a column of yearly.parquet")
    return at[column].to_numpy(dtype=float)


def metric_at(scenario: Scenario, overrides: dict, metric: str, year: int, replicates: Sequence[int | Replicate],
              farmers: int | None, executor: Executor | None = None) -> float:
    """Mean over replicates of ``metric`` in ``year`` (see ``metric_values``)."""
    return float(metric_values(scenario, overrides, metric, year, replicates, farmers, executor).mean())


def find_lever(scenario: Scenario, lever: str, metric: str, year: int, value: float, low: float, high: float,
               seeds: Sequence[int | Replicate], farmers: int | None = None, tolerance: float | None = None,
               executor: Executor | None = None) -> TargetResult:
    """Smallest lever value in [low, high] whose replicate-mean metric in ``year`` is at least ``value``.

    Every evaluation runs the same replicates ``seeds`` (seeds, or ``Replicate`` s from
    ``experiments.runs.replicates_of`` for posterior draws x seeds) on ``executor`` (default: a local pool of one
    worker per replicate, up to the cores), which stays open for the whole search. The result gives the 5-95 %
    range of the metric over the replicates at the value found and the share of them reaching ``value``.
    Raises ValueError for a year not after the start or an unknown metric.
    """
    if year <= scenario.start_year:
        raise ValueError(f"year {year} must be after the scenario's start year {scenario.start_year}")
    set_lever = LEVERS.get(lever) or (lambda s, v, path=lever: {path: v})
    tolerance = tolerance if tolerance is not None else (high - low) / TOLERANCE_DIVISIONS
    executor = executor or local_for(len(seeds))
    values: dict[float, np.ndarray] = {}

    def mean_at(v: float) -> float:
        values[v] = metric_values(scenario, set_lever(scenario, v), metric, year, seeds, farmers, executor)
        return float(values[v].mean())

    with executor:
        result = _bisect(mean_at, value, low, high, tolerance)
    found = values[result.lever_value]
    result.replicates = len(found)
    result.interval = (float(np.quantile(found, INTERVAL[0])), float(np.quantile(found, INTERVAL[1])))
    result.share_reaching = float((found >= value).mean())
    return result


def _bisect(metric: Callable[[float], float], value: float, low: float, high: float, tolerance: float
            ) -> TargetResult:
    """Bisection for the smallest lever value whose ``metric`` reaches ``value`` (the metric rising with the lever)."""
    evaluations = []

    def evaluate(v: float) -> float:
        result = metric(v)
        evaluations.append((v, result))
        return result

    at_high = evaluate(high)
    if at_high < value:
        return TargetResult(high, at_high, False, evaluations)
    at_low = evaluate(low)
    if at_low >= value:
        return TargetResult(low, at_low, True, evaluations)
    best = (high, at_high)
    while high - low > tolerance:
        mid = 0.5 * (low + high)
        result = evaluate(mid)
        if result >= value:
            high, best = mid, (mid, result)
        else:
            low = mid
    return TargetResult(best[0], best[1], True, evaluations)
