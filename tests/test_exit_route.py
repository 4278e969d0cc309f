"""Referee 33 m5: the exit cost (``exit_cost_share`` x no-till's one-off cost: re-tooling for tillage) was charged to
farms that hired their no-till and never bought a seeder, so at a high one-off cost hired adopters could hardly leave
and no-till adoption *rose* with its cost (Africa dry 0.7 % -> 17 % at 10^5 USD/ha). Now only a farm that owns its
seeder pays it, in the yearly decision and in the equilibrium start's chains, which value moves the same way
(``sim.behaviour.valuation.paid_exits``)."""

import numpy as np
import pytest
from conftest import SCENARIOS

import sim
from sim.behaviour.valuation import TABLE_SLOTS, move_cost_table, move_value, tabulated_move_value
from sim.practices import NO_TILL, RESIDUE_RETENTION
from sim.scenario import scenario_with_overrides

ANNUITY, EXIT_SHARE = 6.1, 0.37
TRANSITION = np.array([60.0, 20.0, 7.0, 10.0])


@pytest.mark.parametrize("tabulated", [False, True])
def test_a_hired_no_till_farm_drops_it_without_the_exit_cost_an_owner_pays_it(tabulated):
    """Dropping no-till (alone, or with residues) is worth U(new) - U(old) to a farm that hires it, and that less
    exit share x one-off cost / annuity to a farm with its own seeder; residues' own exit cost is paid either way."""
    table = np.random.default_rng(7).normal(0.0, 100.0, TABLE_SLOTS)
    costs = move_cost_table(np.array([ANNUITY]), TRANSITION, EXIT_SHARE)[0]

    def gain(old, new, hires):
        if tabulated:
            return tabulated_move_value(old, new, hires, 1e9, table, 10.0, True, True, TRANSITION, costs)[0]
        return move_value(old, new, hires, 1e9, table, 10.0, True, True, ANNUITY, TRANSITION, EXIT_SHARE)[0]

    no_till, residues = 1 << NO_TILL, 1 << RESIDUE_RETENTION
    exit_no_till = EXIT_SHARE * TRANSITION[NO_TILL] / ANNUITY
    exit_residues = EXIT_SHARE * TRANSITION[RESIDUE_RETENTION] / ANNUITY
    assert gain(no_till, 0, True) == table[0] - table[2 * no_till + 1]
    assert gain(no_till, 0, False) == pytest.approx(table[0] - table[2 * no_till] - exit_no_till, rel=1e-14)
    both = no_till | residues
    assert gain(both, 0, True) == pytest.approx(table[0] - table[2 * both + 1] - exit_residues, rel=1e-14)
    assert gain(both, 0, False) == pytest.approx(table[0] - table[2 * both] - exit_residues - exit_no_till, rel=1e-14)
    assert gain(both, no_till, True) == pytest.approx(table[2 * no_till + 1] - table[2 * both + 1] - exit_residues,
                                                      rel=1e-14)  # residues dropped, no-till kept: no change


def no_till_shares(transition_cost: float, seeds=(1, 2)) -> np.ndarray:
    """Mean no-till share by region (latin_america, africa_dry, africa_moist) in 2040, baseline, 2 x 1,500 farms."""
    scenario = scenario_with_overrides(sim.load_scenario(SCENARIOS / "baseline.toml"),
                                       {"practices.no_till.transition_cost_per_ha": transition_cost})
    shares = []
    for seed in seeds:
        model = sim.AdoptionModel(scenario, seed=seed, n_farmers=1500)
        for _ in range(15):
            model.step()
        last = model.results().query("year == 2040").set_index("region")
        shares.append([last.loc[r, "no_till_share"] for r in ("latin_america", "africa_dry", "africa_moist")])
    return np.mean(shares, axis=0)


#: Africa dry's no-till share in 2040 at the largest one-off cost allowed stays below this. Before: 17.4 % (these
#: runs; 17 % at 3 x 3,000 farms and 10^5 USD/ha, referee 33), against 1.4-1.7 % at the default 60 USD/ha; now 5.7 %
#: (4.6 % at 3 x 3,000). The rest comes with the exit cost still paid by seeder owners (0.7 % with exit_cost_share
#: 0): the start counts no-till users without a hire service as owners even where nobody could pay 5,000 USD/ha for a
#: seeder (docs/ODD.md, the start; not traced further). Up to 1,500 USD/ha Africa dry's share no longer rises
#: (0.63-0.73 % against 0.70 % at 60, 3 x 3,000 farms; before 0.95 % at 500 and 1.08 % at 1,500).
DEAR_SEEDER_DRY_SHARE_AT_MOST = 0.10


def test_a_dearer_seeder_no_longer_locks_hired_adopters_in():
    """At 5,000 USD/ha, the largest one-off cost allowed, hired adopters could hardly leave before (the exit cost they
    never paid was 0.5 x 5,000 / A, ~400 USD/ha/yr against a margin of ~190): Africa dry's no-till share rose tenfold.
    Now it stays below ``DEAR_SEEDER_DRY_SHARE_AT_MOST``, and Africa moist's does not rise at all."""
    default, dear = no_till_shares(60.0), no_till_shares(5000.0)
    assert dear[1] < DEAR_SEEDER_DRY_SHARE_AT_MOST, (default, dear)
    assert dear[2] <= default[2] + 0.005, (default, dear)
