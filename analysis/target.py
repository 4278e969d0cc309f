"""Find the smallest value of a policy lever that reaches a target ("what price gets us to 80 % by 2040?").

Bisection on the lever over [low, high], assuming the metric rises with the lever; each evaluation runs the same
seed replicates (common random numbers), so the comparison between lever values is not blurred by seed noise. The
lever changes one thing: every other field of the scenario (payment durations, floors, MRV ...) is kept. The answer
comes with its cost (public budget and buyer spending up to the target year, and per additional t CO2e, computed
as ``analysis.compare`` computes it: a ratio of means over the replicates, counting what is committed for credits
already issued, with its interval and the runs that added nothing); a target
that is not reached comes with what limits it: access (who could start no-till in the target year: dealers' and
hire services' reach and money, as simulated at the top of the lever's range), biophysics (soil carbon approaches
a new equilibrium over decades), or the lever's range. For a scenario naming posterior draws the replicates are
every draw x every seed, and the result also says how the metric spreads over them at the value found (parameter
uncertainty).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from analysis.compare import RATIOS, indicators, payment_calendar, summarise, with_ratios
from experiments.executors import Executor, local_for
from experiments.runs import Replicate, replicate_specs, run_many, with_overrides
from sim.outputs import COLUMNS
from sim.practices import NO_TILL, PRACTICES, USES_BY_MASK, parse_bundle
from sim.scenario import Scenario, ScenarioError, numeric_fields, scenario_with_overrides

#: Default stopping width of the bisection: the searched range divided by this (8 halvings).
TOLERANCE_DIVISIONS = 200
#: Practices paid by the payment_per_ha lever when the scenario pays none.
DEFAULT_PAID_PRACTICES = ("no_till", "cover_crops")
#: A metric that moves less than this share of the target between --low and --high does not respond to the lever.
FLAT_SHARE = 0.01
#: The central range of the replicates reported at the lever value found, as (low, high) quantiles.
INTERVAL = (0.05, 0.95)


def _payment_per_ha(scenario: Scenario, value: float) -> dict:
    """Every practice the scenario pays (or no-till and cover crops) at ``value`` per ha, for its own duration."""
    payments = scenario.payments
    if payments.duration_years == 0:
        raise ValueError("payments.duration_years is 0 in the scenario: set for how many years a farm is paid "
                         "before searching a per-ha payment")
    paid = [p for p, rate in payments.per_ha.items() if rate > 0] or list(DEFAULT_PAID_PRACTICES)
    return {"payments.per_ha": {**payments.per_ha, **{p: value for p in paid}}}


#: Short lever names and the scenario overrides they set for a value v (nothing else of the scenario changes).
LEVERS: dict[str, Callable[[Scenario, float], dict]] = {
    "carbon_price": lambda s, v: {"carbon.price.path": {"kind": "constant", "value": v}},
    "payment_per_ha": _payment_per_ha,
    "farmer_share": lambda s, v: {"carbon.farmer_share": v},
    "mrv_cost_per_farm": lambda s, v: {"carbon.mrv.cost_per_farm": v},
}
#: Columns of the yearly table that say who could start no-till (``sim.behaviour.access``), read for the diagnosis.
ACCESS_COLUMNS = ("no_till_access_share", "seeder_supply", "contractor_supply", "finance_no_till_share")
#: Short metric names and the yearly-table column they read.
METRICS = {"adoption": "full_ca_share", "no_till": "no_till_share", "any_practice": "any_practice_share"}


@dataclass(frozen=True)
class Evaluation:
    """One lever value tried: the metric (mean over replicates) and what it cost up to the target year (region 'all').

    Money and tonnes are means over the replicates; ``costs`` holds ``analysis.compare.RATIOS`` for these runs (the
    public and buyer cost per additional t, counting what is committed for credits already issued, undiscounted
    and discounted, with ``_lo`` / ``_hi`` / ``_below`` bounds: ``analysis.compare.unbounded_words``), so ``compare``
    and ``target`` give the same cost for the same runs.
    """

    lever_value: float
    metric_value: float
    public_spending: float  # cumulative cash paid, currency
    buyer_spending: float  # cumulative cash paid, private and Twin Regions buyers, currency
    additional_t_co2e: float  # beyond the counterfactual, cumulative
    replicate_values: tuple[float, ...] = field(default=(), compare=False)  # the metric in each replicate
    access: dict[str, float] = field(default_factory=dict, compare=False)  # ACCESS_COLUMNS in the year (means)
    public_committed: float = 0.0  # owed for credits already issued, not yet paid by the target year, currency
    buyer_committed: float = 0.0
    costs: dict[str, float] = field(default_factory=dict, compare=False)
    runs_without_additional_t: int = 0

    @property
    def public_cost_per_additional_t(self) -> float:
        """Public spending (paid + committed) per additional t CO2e, a ratio of means (NaN unless both > 0)."""
        return self.costs.get("public_cost_per_additional_t_co2e", np.nan)


@dataclass
class TargetResult:
    """The lever value found, the metric there, every evaluation made, and what limits an unreached target."""

    lever_value: float
    metric_value: float
    reached: bool
    evaluations: list[Evaluation]
    limits: list[str] = field(default_factory=list)
    target_value: float = float("nan")

    @property
    def answer(self) -> Evaluation:
        """The evaluation at the lever value found (or at the top of the range when not reached)."""
        return next(e for e in reversed(self.evaluations) if e.lever_value == self.lever_value)

    @property
    def replicates(self) -> int:
        """Replicates behind each evaluation (seeds, or posterior draws x seeds)."""
        return len(self.answer.replicate_values)

    @property
    def interval(self) -> tuple[float, float]:
        """5-95 % range of the metric over the replicates at the lever value found."""
        values = np.asarray(self.answer.replicate_values)
        return float(np.quantile(values, INTERVAL[0])), float(np.quantile(values, INTERVAL[1]))

    @property
    def share_reaching(self) -> float:
        """Share of the replicates reaching the target at the lever value found."""
        return float((np.asarray(self.answer.replicate_values) >= self.target_value).mean())


def _replicates(replicates: Sequence[int | Replicate]) -> list[Replicate]:
    return [r if isinstance(r, Replicate) else Replicate(int(r)) for r in replicates]


def evaluate(scenario: Scenario, overrides: dict, column: str, year: int, region: str,
             seeds: Sequence[int | Replicate], farmers: int | None, lever_value: float,
             executor: Executor | None = None) -> Evaluation:
    """Mean over replicates of ``column`` for ``region`` in ``year``, with the spending and additional carbon to then.

    Replicates are seeds, or ``Replicate`` s for posterior draws x seeds.
    """
    specs = replicate_specs(scenario, "target", _replicates(seeds), farmers, year - scenario.start_year, overrides)
    runs = run_many(specs, executor)
    at = runs[(runs.year == year)]
    if column not in at.columns:
        raise ValueError(f"unknown metric {column!r}; use {sorted(METRICS)} or a column of yearly.parquet")
    per_run = indicators(runs, calendars={"target": payment_calendar(with_overrides(scenario, overrides))})
    table = with_ratios(summarise(per_run, ["scenario"]), per_run).iloc[0]
    costs = {f"{name}{end}": float(table[f"{name}{end}"])
             for name, _, _ in RATIOS[:4] for end in ("", "_lo", "_hi", "_below")}
    here = at[at.region == region]
    values = here[column].to_numpy(dtype=float)
    access = {name: float(here[name].mean()) for name in ACCESS_COLUMNS if name in here.columns}
    return Evaluation(lever_value, float(values.mean()), float(table.public_spending), float(table.private_spending),
                      float(table.co2e_additional_t), tuple(values), access, float(table.public_committed),
                      float(table.private_committed), costs, int(table.runs_without_additional_t))


def access_ceiling(scenario: Scenario, column: str, region: str, evaluation: Evaluation
                   ) -> tuple[float, list[str]] | None:
    """Most farmers that could use what ``column`` counts, given who could start no-till in ``evaluation``'s year.

    Returns (ceiling, a sentence on the access behind it), or None when ``column`` is not a practice-share metric
    that needs no-till or the evaluation has no access columns. Access follows the model (dealers and hire services
    follow adoption, money follows income), so the ceiling is read from the runs, not from the scenario: the
    initial users (shares of ``region``'s ``initial_adoption``, farmer-weighted over regions for 'all') plus the
    others x the share of farmers who could start no-till that year.
    """
    base = column.removesuffix("_area_share").removesuffix("_share")
    if column == base or "no_till_access_share" not in evaluation.access:
        return None
    if base == "target_bundle":
        needed = parse_bundle(scenario.decision.target_bundle)
    elif base == "full_ca":
        needed = parse_bundle("full_ca")
    elif base in PRACTICES:
        needed = parse_bundle(base)
    else:
        return None
    if not USES_BY_MASK[needed, NO_TILL]:
        return None
    using, farmers = [], []
    for name, spec in scenario.regions.items():
        if region in ("all", name):
            using.append(sum(share for bundle, share in spec.initial_adoption.items()
                             if (parse_bundle(bundle) & needed) == needed))
            farmers.append(spec.farmers)
    users = float(np.average(using, weights=farmers))
    access = evaluation.access
    ceiling = users + (1.0 - users) * access["no_till_access_share"]
    note = (f"{access['no_till_access_share']:.0%} of farmers could start no-till that year (dealers reach "
            f"{access.get('seeder_supply', np.nan):.0%}, hire services {access.get('contractor_supply', np.nan):.0%}, "
            f"{access.get('finance_no_till_share', np.nan):.0%} can finance a seeder), {users:.0%} used it at the "
            f"start: ceiling {ceiling:.0%}")
    return ceiling, [note]


def diagnose(scenario: Scenario, column: str, year: int, region: str, value: float,
             evaluations: list[Evaluation], high: float) -> list[str]:
    """Why a target was not reached: access, biophysics, or the lever (sentences for the user).

    The lever's response is read between ``high`` and the highest value below it that was evaluated (``find_lever``
    evaluates its --low when --high misses); with ``high`` alone nothing is said of the response but that it was
    not tried higher.
    """
    top = next(e for e in evaluations if e.lever_value == high)
    at_high = top.metric_value
    ceiling = access_ceiling(scenario, column, region, top)
    reasons = []
    if ceiling is not None and ceiling[0] < value:
        reasons.append(f"access: at most {ceiling[0]:.1%} of farmers can adopt by {year} ({'; '.join(ceiling[1])}); "
                       "widen access (regions.<name>.behaviour: seeder or contractor supply, lenders; a credit line), "
                       "not the lever")
    if any(word in column for word in ("soc", "co2e", "four_per_1000", "additional")):
        reasons.append("biophysics: soil carbon approaches a new equilibrium over decades (IPCC default 20 years), "
                       "so it rises slowly whatever the incentive")
    below = [e for e in evaluations if e.lever_value < high]
    if below:
        lower = max(below, key=lambda e: e.lever_value)
        change = at_high - lower.metric_value
        may_reach = change > FLAT_SHARE * abs(value)
        if may_reach:
            lever_words = (f"; it rose from {lower.metric_value:.4g} at {lower.lever_value:g} and was not tried "
                           f"higher: raise high (--high) to see whether a higher value reaches {value:g}")
        elif change < -FLAT_SHARE * abs(value):
            lever_words = (f"; it fell from {lower.metric_value:.4g} at {lower.lever_value:g}: the metric does not "
                           "rise with this lever")
        else:
            lever_words = (f"; it was {lower.metric_value:.4g} at {lower.lever_value:g}: the lever does not move "
                           "the metric between these values")
    else:
        may_reach = True  # one evaluation says nothing about the response: do not call the lever spent
        lever_words = (f"; the lever was tried only there: raise high (--high) to see whether a higher value "
                       f"reaches {value:g}")
    if not reasons or may_reach:
        reasons.append(f"the lever's range: at {high:g} the metric is {at_high:.4g}" + lever_words)
    return reasons


def find_lever(scenario: Scenario, lever: str, metric: str, year: int, value: float, low: float, high: float,
               seeds: Sequence[int | Replicate], farmers: int | None = None, tolerance: float | None = None,
               executor: Executor | None = None, region: str = "all",
               progress: Callable[[int, Evaluation, float, float], None] | None = None) -> TargetResult:
    """Smallest lever value in [low, high] whose replicate-mean metric in ``year`` (for ``region``) is at least ``value``.

    Every evaluation runs the same replicates ``seeds`` (seeds, or ``Replicate`` s from
    ``experiments.runs.replicates_of`` for posterior draws x seeds) on ``executor`` (default: a local pool of one
    worker per replicate, up to the cores), which stays open for the whole search.
    ``progress(step, evaluation, low, high)`` follows the bisection. When ``high`` misses the target, ``low`` is
    evaluated too, so that ``diagnose`` can say whether the lever moves the metric. Raises ValueError for a year not after the
    start, an unknown metric or region, or low >= high.
    """
    if year <= scenario.start_year:
        raise ValueError(f"year (--year) {year} must be after the scenario's start year {scenario.start_year}")
    if not low < high:
        raise ValueError(f"low (--low) {low:g} must be below high (--high) {high:g}")
    if region != "all" and region not in scenario.regions:
        raise ValueError(f"unknown region {region!r}; expected 'all' or one of {sorted(scenario.regions)}")
    if tolerance is not None and not (math.isfinite(tolerance) and tolerance > 0):
        raise ValueError(f"tolerance (--tolerance) {tolerance:g}: expected a width above 0 (the bisection stops when its bracket "
                         "is this narrow)")
    if lever not in LEVERS and "." not in lever:
        close = difflib.get_close_matches(lever, list(LEVERS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"lever (--lever) {lever!r}: not a lever; expected one of {', '.join(LEVERS)} or a dotted scenario "
                         f"field{hint}")
    if lever not in LEVERS:
        fields = numeric_fields(scenario.model_dump(exclude={"uncertain", "outputs"}))
        if lever not in fields:  # else its error would blame low, the first value tried
            close = difflib.get_close_matches(lever, fields, n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"lever (--lever) {lever!r}: not a numeric field of the scenario; expected one of "
                             f"{', '.join(LEVERS)} or a dotted numeric scenario field{hint}")
    set_lever = LEVERS.get(lever) or (lambda s, v, path=lever: {path: v})
    for option, bound in (("low (--low)", low), ("high (--high)", high)):  # a value the scenario cannot take fails before any run
        try:
            scenario_with_overrides(scenario, set_lever(scenario, bound))
        except ScenarioError as exc:
            reason = str(exc).removeprefix("invalid override:\n  <overrides>: ")
            raise ValueError(f"{option} {bound:g}: the lever {lever} cannot take it: {reason}") from None
    column = METRICS.get(metric, metric)
    if column in COLUMNS and COLUMNS[column].unit == "share" and not 0.0 <= value <= 1.0:
        raise ValueError(f"value (--value) {value:g}: {metric} is a share (0 to 1), e.g. 0.3 for 30 %")
    tolerance = tolerance if tolerance is not None else (high - low) / TOLERANCE_DIVISIONS
    executor = executor or local_for(len(seeds))
    evaluations: list[Evaluation] = []

    def at(v: float, bracket: tuple[float, float]) -> float:
        result = evaluate(scenario, set_lever(scenario, v), column, year, region, seeds, farmers, v, executor)
        evaluations.append(result)
        if progress:
            progress(len(evaluations), result, *bracket)
        return result.metric_value

    with executor:
        found, metric_value, reached = _bisect(at, value, low, high, tolerance)
        if not reached:  # the search stopped at --high, its one evaluation: --low says whether the lever acts
            at(low, (low, high))
    limits = [] if reached else diagnose(scenario, column, year, region, value, evaluations, high)
    return TargetResult(found, metric_value, reached, evaluations, limits, value)


def _bisect(metric: Callable[[float, tuple[float, float]], float], value: float, low: float, high: float,
            tolerance: float) -> tuple[float, float, bool]:
    """Bisection for the smallest lever value whose ``metric`` reaches ``value`` (the metric rising with the lever).

    Returns (lever value, metric there, reached).
    """
    at_high = metric(high, (low, high))
    if at_high < value:
        return high, at_high, False
    at_low = metric(low, (low, high))
    if at_low >= value:
        return low, at_low, True
    best = (high, at_high)
    while high - low > tolerance:
        mid = 0.5 * (low + high)
        result = metric(mid, (low, high))
        if result >= value:
            high, best = mid, (mid, result)
        else:
            low = mid
    return best[0], best[1], True
