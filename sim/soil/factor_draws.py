"""The IPCC Tier 1 stock-change factors of a run: the published ones, or one draw from their uncertainty per run.

``soil.factor_uncertainty = "none"`` (the default): every run uses the published factors (``sim.ipcc.tier1_tables``).
``"ipcc_tier1"``: each run draws its factors once, as IPCC Approach 2 propagates the Tier 1 uncertainty (2006/2019
Guidelines Vol. 4 Ch. 2, 2.3.3.2 and Vol. 1 Ch. 3, 3.2.3: Monte Carlo over the factors' probability density
functions), so a set of runs spreads by the factors as well as by the model's own noise:
  - what is drawn: every entry of the 2019 Tier 1 table (Vol. 4 Ch. 5 Table 5.5; ``sim/data/ipcc_tier1_2019.csv``)
    that has an uncertainty: F_LU (long-term cultivated cropland) by climate, F_MG (reduced and no till) and F_I
    (low, high without and with manure) by climate; the reference categories (full till, medium input) are 1 by
    definition and not drawn, nor is SOC_REF (a reference stock, not a stock-change factor: Table 2.3, e.g. LAC
    tropical moist 38 t C/ha +- 5 %, tropical dry sandy 9 +- 9 %);
  - one entry, one draw: the table gives one estimate for several of the model's climate keys where IPCC groups
    climates (F_I by moisture regime across temperate and tropical climates; tropical moist and wet); such climates
    hold the same (value, uncertainty) and share one draw (``factor_entries``), and every farm of the run uses it;
  - the distribution: lognormal with the published mean (the value) and sd = uncertainty_pct_2sd / 200 x value (the
    table's "+- two standard deviations as % of the mean", of factors estimated as means of linear mixed-effects
    models: Ogle et al. 2005, Biogeochemistry 72:87): x = value x exp(s z - s^2 / 2), s^2 = ln(1 + cv^2), z standard
    normal. A factor is a ratio of stocks: positive, and multiplicative in the stock. Up to +- 16 % (every entry but
    tropical montane's) the lognormal is the normal of the same mean and sd to within its skew (its median is
    1 - cv^2 / 2 of the mean: 0.9997 at +- 7 %); at the +- 50 % of tropical montane (IPCC's expert-judgement default,
    cv 25 %) the normal, truncated at 0, put no-till's F_MG (1.08) down to 0.14 in 3,000 runs (referee 31 m5), a
    no-till losing 86 % of the stock; the lognormal's 1-in-10,000 quantile is 0.42 (the normal's 0.08), its least
    draw in those runs 0.44, and every draw is positive, so none is redrawn;
  - entries are independent (IPCC publishes no covariance; as ``sim.incentives.model_uncertainty`` assumes);
  - the stream: a child of the run's seed (``numpy.random.SeedSequence(seed)``'s child ``FACTOR_STREAM``, after the
    five of ``sim.model.Streams``) that draws nothing else, in the table's order, whatever the scenario's regions.
    So a design and its baseline run on the same seed draw the same factors (paired differences stay paired), its
    counterfactual too (``AdoptionModel.without_programme`` copies the run's scenario), and a run stacked with others
    (``sim.ensemble``) draws what it draws alone.
What reads the run's factors (``run_tables``): the Tier 1 equilibrium table (``sim.soil.tier1``: the start's stocks,
their transitions, the yield model's reference stocks, the carbon programmes' baselines) and, under RothC, its
tillage modifier (F_MG; RothC's start is calibrated to a number in the scenario, not to F_LU). Not the MRV
deduction's relative sd (``relative_sd = "ipcc_tier1"``, ``sim.incentives.model_uncertainty``): that is the
registry's estimate of its error from the published table, the same in every run.
The run's seed reaches the code that builds soils from the scenario (the equilibrium start too) as the scenario's
``seed``: ``for_run`` gives an ``AdoptionModel`` the scenario with its run's seed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from sim.ipcc import FactorSet, Tier1Tables, tier1_tables
from sim.scenario import Scenario

#: Spawn key of the factors' child stream of a run's seed: ``sim.model.Streams`` spawns keys 0-4.
FACTOR_STREAM = 5
#: Drawn tables kept per process (``drawn_tables``): one per seed, a few kB each; a sweep's batch uses a few hundred.
DRAWS_KEPT = 1024
#: The factor tables of ``Tier1Tables``, by factor name.
FACTOR_TABLES = {"F_LU": "f_lu", "F_MG": "f_mg", "F_I": "f_i"}
#: Half the "two standard deviations, as % of the mean" of the table: sd = pct / PCT_2SD_PER_SD x value.
PCT_2SD_PER_SD = 200.0


def draws_factors(scenario: Scenario) -> bool:
    """Whether the runs of ``scenario`` draw their Tier 1 factors (``soil.factor_uncertainty`` other than "none")."""
    return scenario.soil.factor_uncertainty != "none"


@dataclass(frozen=True)
class FactorEntry:
    """One entry of the Tier 1 table: a factor's estimate and sd for one category and the climates that share it.

    ``keys``: the keys of ``Tier1Tables``' factor table that hold it (climate for F_LU, (climate, category) else).
    """

    factor: str
    category: str
    keys: tuple
    value: float
    sd: float


@cache
def factor_entries(factor_set: FactorSet) -> tuple[FactorEntry, ...]:
    """The entries of ``factor_set`` with an uncertainty, in the order they are drawn (F_LU, F_MG, F_I; table order).

    Climates of one factor and category with the same value and uncertainty are one entry (module docstring).
    """
    tables = tier1_tables(factor_set)
    groups: dict[tuple[str, str, float, float], list] = {}
    for (factor, climate, category), pct in tables.uncertainty_pct_2sd.items():
        key = climate if factor == "F_LU" else (climate, category)
        value = getattr(tables, FACTOR_TABLES[factor])[key]
        groups.setdefault((factor, category, value, pct), []).append(key)
    order = list(FACTOR_TABLES)
    entries = [FactorEntry(factor, category, tuple(keys), value, pct / PCT_2SD_PER_SD * value)
               for (factor, category, value, pct), keys in groups.items()]
    return tuple(sorted(entries, key=lambda e: order.index(e.factor)))  # stable: table order within a factor


def factor_stream(seed: int) -> np.random.Generator:
    """The generator of a run's factor draws: child ``FACTOR_STREAM`` of ``SeedSequence(seed)``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(FACTOR_STREAM,)))


@lru_cache(maxsize=DRAWS_KEPT)
def drawn_tables(factor_set: FactorSet, seed: int) -> Tier1Tables:
    """The Tier 1 tables of a run of ``seed``: each entry of ``factor_entries`` drawn once (module docstring).

    Lognormal with mean ``value`` and sd ``sd``: value x exp(s z - s^2 / 2), s^2 = ln(1 + (sd / value)^2), one
    standard normal z per entry from the run's factor stream.
    """
    entries = factor_entries(factor_set)
    rng = factor_stream(seed)
    value = np.array([e.value for e in entries])
    log_sd = np.sqrt(np.log1p((np.array([e.sd for e in entries]) / value) ** 2))
    drawn = value * np.exp(log_sd * rng.standard_normal(len(entries)) - log_sd**2 / 2.0)
    published = tier1_tables(factor_set)
    factors = {name: dict(getattr(published, name)) for name in FACTOR_TABLES.values()}
    for entry, x in zip(entries, drawn.tolist(), strict=True):
        for key in entry.keys:
            factors[FACTOR_TABLES[entry.factor]][key] = x
    return dataclasses.replace(published, **factors)


def run_tables(scenario: Scenario) -> Tier1Tables:
    """The Tier 1 tables a run of ``scenario`` uses: published, or drawn for its ``seed`` (``for_run``)."""
    if not draws_factors(scenario):
        return tier1_tables(scenario.soil.factor_set)
    return drawn_tables(scenario.soil.factor_set, scenario.seed)


def run_key(scenario: Scenario) -> int | None:
    """What besides the published tables decides ``run_tables``: the seed when the run draws its factors, else None."""
    return scenario.seed if draws_factors(scenario) else None


def for_run(scenario: Scenario, seed: int) -> Scenario:
    """The scenario a run of ``seed`` holds: ``scenario`` itself, or, when its runs draw factors, with ``seed`` as its own.

    Everything that builds the run's soil from its scenario (``sim.soil.build_soil``, in the model and in the
    equilibrium start) then draws the run's factors. Without draws the scenario is returned as it is.
    """
    if not draws_factors(scenario) or scenario.seed == seed:
        return scenario
    return scenario.model_copy(update={"seed": seed})
