"""Runs stacked in one model: each run's yearly table is the table of the run alone, bit for bit."""

import copy

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from sim.outputs import YearlyRecorder, YearRecord
from sim.scenario import scenario_with_overrides


def recorded_run(scenario: sim.Scenario, seed: int, farmers: int, years: int) -> tuple[sim.AdoptionModel, list]:
    """A run alone, and (copies of) the records its recorder was handed each year (some arrays change in place)."""
    model = sim.AdoptionModel(scenario, seed=seed, n_farmers=farmers)
    records, record = [copy.deepcopy(model._record())], model.recorder.record  # the initial row, as recorded

    def keep(r: YearRecord) -> None:
        records.append(copy.deepcopy(r))
        record(r)

    model.recorder.record = keep
    model.run_for(years)
    return model, records


def test_a_recorder_of_stacked_runs_gives_each_run_its_own_table():
    """Three runs of a stochastic carbon price (each its own price path), their per-farm arrays stacked: one recorder
    gives every run the rows of its own recorder (sums, shares, percentiles, size groups, running totals)."""
    scenario = sim.load_scenario(SCENARIOS / "volatile_price_floor.toml")
    runs = [recorded_run(scenario, seed, 300 + 50 * seed, 4) for seed in range(3)]
    models = [model for model, _ in runs]
    offsets = np.cumsum([0] + [m.n for m in models])[:-1]
    stacked = YearlyRecorder(models[0].regions.names, np.concatenate([m.regions.start + o for m, o in
                                                                      zip(models, offsets, strict=True)]),
                             np.concatenate([m.farms.area_ha for m in models]),
                             np.array([m.catalogue.target_bundle for m in models]), runs=len(models))
    for records in zip(*(r for _, r in runs), strict=True):
        first = records[0]
        per_farm = None if first.per_farm is None else {
            name: np.concatenate([r.per_farm[name] for r in records]) for name in first.per_farm}
        stacked.record(YearRecord(first.year, np.array([r.carbon_price for r in records]),
                                  np.concatenate([r.bundle for r in records]),
                                  np.concatenate([r.soc_t_c_per_ha for r in records]), per_farm, first.payers))
    assert len({m.results()["carbon_price"].iloc[-1] for m in models}) == 3
    for k, model in enumerate(models):
        pd.testing.assert_frame_equal(stacked.frame(k), model.results(), check_exact=True)


def lone_and_stacked(scenarios: list[sim.Scenario], seeds: list[int], farmers: list[int], years: int):
    """Each run's table alone, and from one model stacking them all."""
    from sim.ensemble import results, stack

    alone = []
    for scenario, seed, n in zip(scenarios, seeds, farmers, strict=True):
        model = sim.AdoptionModel(scenario, seed=seed, n_farmers=n)
        model.run_for(years)
        alone.append(model.results())
    model = stack([sim.AdoptionModel(s, seed=seed, n_farmers=n) for s, seed, n in zip(scenarios, seeds, farmers,
                                                                                           strict=True)])
    model.run_for(years)
    return alone, [results(model, k) for k in range(len(scenarios))]


def test_stacked_runs_give_the_tables_of_the_runs_alone():
    base = sim.load_scenario(SCENARIOS / "volatile_price_floor.toml")
    scenarios = [scenario_with_overrides(base, {"carbon.farmer_share": share, "regions.latin_america.discount_rate": rate})
                 for share, rate in ((0.5, 0.1), (0.8, 0.2), (0.6, 0.3))]
    alone, stacked = lone_and_stacked(scenarios, [3, 4, 5], [300, 250, 400], 5)
    for one, other in zip(alone, stacked, strict=True):
        pd.testing.assert_frame_equal(other, one, check_exact=True)


def test_a_batch_of_runs_stacks_what_it_can_and_gives_every_run_its_table_alone():
    """run_specs: runs differing in region and carbon values stack; a run whose values the scenario refuses fails
    alone; runs differing in a decision parameter cannot share a model and run one at a time. Every table is
    run_one's, bit for bit."""
    from experiments.runs import RunSpec, run_one, run_specs
    from sim.ensemble import NotStackable, stack

    scenario = sim.load_scenario(SCENARIOS / "hybrid_payment.toml")
    stacked = [RunSpec(scenario, "h", seed, 150, 3, (("regions.africa_dry.discount_rate", rate),
                                                     ("carbon.farmer_share", share)))
               for seed, rate, share in ((1, 0.2, 0.5), (2, 0.3, 0.7), (3, 0.25, 0.9))]
    refused = RunSpec(scenario, "h", 4, 150, 3, (("carbon.farmer_share", 2.0),))
    apart = [RunSpec(scenario, "h", seed, 150, 3, (("decision.rule.social_weight", weight),))
             for seed, weight in ((5, 0.1), (6, 0.9))]
    out = run_specs([*stacked, refused, *apart])
    assert isinstance(out[3], Exception) and "farmer_share" in str(out[3])
    for spec, table in zip([*stacked, None, *apart], out, strict=True):
        if spec is not None:
            pd.testing.assert_frame_equal(table, run_one(spec), check_exact=True)
    model = stack([sim.AdoptionModel(scenario_with_overrides(scenario, dict(s.overrides)), seed=s.seed, n_farmers=150)
                   for s in apart])
    with pytest.raises(NotStackable, match=r"EconomicRule.spec.social_weight differs between the runs"):
        model.step()
