"""Demonstration farms are a density (per 1,000 farms), so a run's mean adoption path does not depend on --farmers.

With counts, a scenario's 4 pioneers at its own 4,000 farmers became 4 pioneers at 1,000 farmers in a calibration
run: four times the share of farmers linked to a demonstration farm, and an early take-off that depended on the
number of farmers simulated (issue 12).
"""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from experiments.designs import read_design
from experiments.spec import ExperimentError
from sim.network import build_network, expected_counts
from sim.scenario import ScenarioError, scenario_with_overrides

BRAZIL = sim.load_scenario(SCENARIOS / "validation_brazil.toml")
DENSITY = "regions.brazil_south.demo_farms_per_1000_farms"
EARLY = slice(1990, 2000)  # the early diffusion that the pioneers' information drives (census point 1990 to 2000)
SEEDS = range(24)


def early_share(scenario, farmers: int) -> np.ndarray:
    """(seeds,) mean no-till area share over 1990-2000 of each seed's run."""
    out = []
    for seed in SEEDS:
        model = sim.AdoptionModel(scenario, seed=seed, n_farmers=farmers)
        model.run()
        rows = model.results()
        out.append(rows[rows.region == "all"].set_index("year")["no_till_area_share"].loc[EARLY].mean())
    return np.array(out)


def seed_error(a: np.ndarray, b: np.ndarray) -> float:
    """Standard error of the difference of two independent seed means."""
    return float(np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size))


def test_brazil_mean_path_agrees_at_1000_and_4000_farmers_and_would_not_with_counts():
    """Mean 1990-2000 no-till share over 24 seeds at 1,000 vs the scenario's own 4,000 farmers: within 3 standard
    errors of the difference (a seed-error bound that a scale-free model fails with probability 0.3 %; measured
    0.063 vs 0.079, 1.4 standard errors). The same comparison with the old count semantics (4 demonstration farms
    at 1,000 farmers = 4 per 1,000) gives 0.169, 5.7 standard errors above: more than 4 is required, so the test
    fails if the density is a count."""
    small, own = early_share(BRAZIL, 1000), early_share(BRAZIL, 4000)
    assert abs(small.mean() - own.mean()) < 3 * seed_error(small, own)
    counts = early_share(scenario_with_overrides(BRAZIL, {DENSITY: 4.0}), 1000)
    assert counts.mean() - own.mean() > 4 * seed_error(counts, own)


def test_counts_round_stochastically_with_the_exact_mean_and_leave_whole_counts_untouched():
    """1.5 per 1,000 at 1,000 farms is 1 or 2 farms with mean 1.5: 2,000 draws give a mean within 4 sd
    (sd of a mean of 2,000 Bernoulli(0.5) = 0.011). A whole count (4 of 4,000) draws nothing: the generator that
    builds the network is in the same state as without the rounding."""
    counts = [expected_counts([1.5], np.array([1000]), np.random.default_rng(s))[0] for s in range(2000)]
    assert set(counts) == {1, 2} and np.mean(counts) == pytest.approx(1.5, abs=4 * 0.5 / np.sqrt(2000))
    rng = np.random.default_rng(7)
    assert expected_counts([1.0, 5 / 3], np.array([4000, 3000]), rng) == [4, 5]
    assert rng.random() == np.random.default_rng(7).random()
    net = build_network(BRAZIL.network, [4000], ["r"], [1.0], np.random.default_rng(3))
    assert net.demo.size == 4


def test_the_old_count_field_names_what_it_became(write_scenario, tmp_path):
    """A file, an uncertain path or a design column that still says demo_farms gets the new name and the
    conversion, not 'unknown field'."""
    path = write_scenario("[regions.latin_america]\ndemo_farms = 5\n")
    with pytest.raises(ScenarioError) as error:
        sim.load_scenario(path)
    assert "regions.latin_america.demo_farms: renamed 'demo_farms_per_1000_farms'" in str(error.value)
    assert "count / the region's farmers x 1000" in str(error.value)
    path = write_scenario('[uncertain]\n"regions.latin_america.demo_farms" = { dist = "uniform", low = 0, high = 9 }\n',
                          name="uncertain.toml")
    with pytest.raises(ScenarioError, match="demo_farms\": renamed 'demo_farms_per_1000_farms'"):
        sim.load_scenario(path)
    design = tmp_path / "design.csv"
    design.write_text("regions.latin_america.demo_farms\n3\n")
    with pytest.raises(ExperimentError, match="renamed 'demo_farms_per_1000_farms'"):
        read_design(design, sim.load_scenario(SCENARIOS / "base.toml"))
