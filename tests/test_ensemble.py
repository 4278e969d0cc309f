"""Runs stacked in one model: each run's yearly table is the table of the run alone, bit for bit."""

import copy

import numpy as np
import pandas as pd
from conftest import SCENARIOS

import sim
from sim.outputs import YearlyRecorder, YearRecord


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
