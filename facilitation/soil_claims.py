"""What the report's carbon figures rest on: their depth, no-till's 0-30 cm Tier 1 factor, the factors' uncertainty.

Referee 29 (M1, M7). Both soil models count the top ``soil.depth_cm`` (0-30 cm, the IPCC depth), where no-till's
Tier 1 factor (1.10 in the moist tropics) makes its gain; whole-profile studies find little or no gain from no-till
alone (docs/ODD.md section 7). ODD's check is run beside each scenario with incentives: the same scenario with
no-till's tillage factor switched off (``[practices.no_till] tillage_after = "unchanged"``, ``NO_TILL_FACTOR_OFF``),
on the same seeds (and posterior draws); the additional tonnes it loses are those that rest on the factor (with
what the factor's credits do to adoption in a carbon design, as ODD's own check).

The runs do not draw the IPCC Tier 1 factors unless the scenario asks for it (``sim.soil.factor_draws.draws_factors``), so their
ranges are the model's runs alone. The part of the additional tonnes that rests on no-till's factor is then
uncertain by that factor's own uncertainty: with F the no-till factor of a region's climate and u its two standard
deviations as a share of F (IPCC 2019 Refinement, Vol. 4, Ch. 5, Table 5.5; ``sim/data/ipcc_tier1_2019.csv``), a
region's no-till-factor tonnes N = k (F - 1) (k: the stock, area and transition each farm reaches, which do not
depend on F) have two standard deviations u F / (F - 1) x |N| (``no_till_gain_uncertainty``: 55 % in the moist
tropics, 1.10 +- 5 %; 182 % in the dry tropics, 1.04 +- 7 %). Regions of one climate share the factor (their
errors add), climates are independent (their errors add in quadrature: ``no_till_factor_spread``). The other
factors (carbon input, SOC_REF) are not counted, so this is a lower bound on the Tier 1 factors' share.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from experiments.executors import Executor
from experiments.runs import replicate_specs, replicates_of, run_many
from sim.ipcc import tier1_tables
from sim.scenario import Scenario

#: ODD section 7's check: no-till's tillage factor switched off (no-till leaves the tillage category unchanged).
NO_TILL_FACTOR_OFF = {"practices.no_till.tillage_after": "unchanged"}


def no_till_gain_uncertainty(scenario: Scenario) -> dict[str, float]:
    """Per region: two standard deviations of no-till's Tier 1 gain as a share of it, u F / (F - 1) (docstring).

    NaN where the factor table gives no uncertainty (the 2006 set) or no-till leaves the factor at 1.
    """
    tables = tier1_tables(scenario.soil.factor_set)
    out = {}
    for key, region in scenario.regions.items():
        factor = tables.f_mg[region.climate, "no_till"]
        share = tables.uncertainty_pct_2sd.get(("F_MG", region.climate, "no_till"), math.nan) / 100.0
        out[key] = share * factor / (factor - 1.0) if factor != 1.0 else math.nan
    return out


def no_till_factor_spread(scenario: Scenario, on_factor: Mapping[str, float]) -> float:
    """Two standard deviations, t CO2e, that no-till's factor gives the tonnes ``on_factor`` (region -> t CO2e).

    Regions of one climate add their errors; climates add in quadrature. NaN when a region with tonnes on the
    factor has no known uncertainty.
    """
    relative = no_till_gain_uncertainty(scenario)
    by_climate: dict[str, float] = {}
    for key, tonnes in on_factor.items():
        if tonnes == 0.0:
            continue
        climate = scenario.regions[key].climate
        by_climate[climate] = by_climate.get(climate, 0.0) + relative[key] * tonnes
    return float(np.sqrt(sum(v * v for v in by_climate.values())))


def factor_off_runs(scenario: Scenario, label: str, replicates: int, farmers: int | None, years: int | None,
                    executor: Executor | None = None, progress: Callable[[int, int], None] | None = None
                    ) -> pd.DataFrame:
    """The runs of ``scenario`` with no-till's factor switched off, on the report's seeds and draws.

    The yearly table (without a scenario column), run for run in the order of ``facilitation.story.tell_stories``;
    ``progress(runs_done, runs_total)`` as in ``experiments.runs.run_many``.
    """
    specs = replicate_specs(scenario, label, replicates_of(scenario, replicates), farmers, years or scenario.years,
                            NO_TILL_FACTOR_OFF)
    return run_many(specs, executor, progress).drop(columns="scenario")
