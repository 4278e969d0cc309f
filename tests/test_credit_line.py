"""The credit line's public commitments and windfall (referee 47 M2, M4), against hand-computed numbers."""

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from sim.practices import NO_TILL, PRACTICES
from sim.scenario import load_scenario

RENOVAGRO = load_scenario(SCENARIOS / "preset_credit_line_renovagro.toml")
#: RenovAgro's interest equalisation, 13.75 % - 10 %, and its balance shares: whole for 8 seasons, then a quarter
#: less each season to the 12th (``test_presets``)
SPREAD = 0.0375
SHARES = [1.0] * 8 + [1.0, 0.75, 0.5, 0.25]


def line_of(model):
    return model.incentives.designs["credit_line"]


def test_the_subsidy_still_owed_and_the_windfall_of_running_loans_by_hand():
    """Four loans settled in 2034: farm 0 lent 800 in 2025 (season 9: pays 0.0375 x 800 x 0.75 = 22.5; seasons 10-11
    still owe 0.0375 x 800 x (0.5 + 0.25) = 22.5); farm 1's loan of 2016 is over (0, 0); farm 2 lent 400 in 2030
    (season 4: 15; seasons 5-11 owe 0.0375 x 400 x (3 x 1 + 1 + 0.75 + 0.5 + 0.25) = 82.5); farm 3 lent 200 in 2023
    (its last season 11: 0.0375 x 200 x 0.25 = 1.875, nothing owed after). The windfall is the subsidy x the share
    of the loan that financed practices the twin used when it was taken: all of farm 0's (22.5), a quarter of farm
    2's (3.75), none of farm 3's."""
    model = sim.AdoptionModel(RENOVAGRO, seed=0, n_farmers=30)
    line = line_of(model)
    line.principal[:] = 0.0
    line.principal[:4] = [800.0, 1000.0, 400.0, 200.0]
    line.loan_year[:4] = [2025, 2016, 2030, 2023]
    line.windfall_share[:4] = [1.0, 1.0, 0.25, 0.0]
    settled = line.settle(2034, None)
    (flow,) = settled.flows
    assert flow.amount[:4] == pytest.approx([22.5, 0.0, 15.0, 1.875], rel=1e-12) and flow.amount[4:].sum() == 0
    assert settled.quantities["credit_line_committed"][:4] == pytest.approx([22.5, 0.0, 82.5, 0.0], rel=1e-12)
    assert settled.quantities["credit_line_committed"][4:].sum() == 0
    assert settled.quantities["credit_line_windfall"][:4] == pytest.approx([22.5, 0.0, 3.75, 0.0], rel=1e-12)
    assert settled.quantities["credit_line_windfall"][4:].sum() == 0


def test_a_loans_windfall_share_is_the_cost_share_of_practices_the_twin_takes_up_that_year():
    """Transition costs 60 (no-till), 20 (cover crops), 10 (rotation) USD/ha. Farm 0 starts no-till and rotation, its
    twin only rotation: 10 / 70 of the loan is windfall; farm 1 starts cover crops, as its twin does: all of it;
    farm 2 starts rotation, its twin nothing: none."""
    model = sim.AdoptionModel(RENOVAGRO, seed=0, n_farmers=30)
    line, farms = line_of(model), model.farms
    assert list(model.catalogue.transition_cost_per_ha) == [60.0, 20.0, 0.0, 10.0]
    twin = line.counterfactual.farms
    started = {0: ("no_till", "rotation"), 1: ("cover_crops",), 2: ("rotation",)}
    twin_uses = {0: ("rotation",), 1: ("cover_crops",), 2: ()}
    line.principal[:] = 0.0
    farms.uses[:] = twin.uses[:] = False
    farms.hires[:] = False
    farms.credit_access[:3] = True
    for farm, practices in started.items():
        for practice in practices:
            farms.uses[farm, PRACTICES.index(practice)] = True
            farms.years_in_use[farm, PRACTICES.index(practice)] = 1
        for practice in twin_uses[farm]:
            twin.uses[farm, PRACTICES.index(practice)] = True
    line.after_adoption(2030)
    assert (line.principal[:3] > 0).all()
    assert line.windfall_share[:3] == pytest.approx([10 / 70, 1.0, 0.0], rel=1e-12)


@pytest.fixture(scope="module")
def recorded():
    """RenovAgro, 300 farmers, 12 years, seed 1, stepped year by year: every loan taken (farm, year, principal,
    the share of its one-off cost per ha on practices the twin uses that year), and the yearly table."""
    model = sim.AdoptionModel(RENOVAGRO, seed=1, n_farmers=300)
    line, farms, costs = line_of(model), model.farms, model.catalogue.transition_cost_per_ha
    loans = []
    for _ in range(12):
        model.step()
        new = np.flatnonzero((line.loan_year == model.year) & (line.principal > 0))
        for farm in new:
            started = farms.uses[farm] & (farms.years_in_use[farm] == 1)
            started[NO_TILL] &= not farms.hires[farm]
            twin = line.counterfactual.farms.uses[farm]
            cost = {p: costs[p] for p in range(len(PRACTICES)) if started[p]}
            loans.append((farm, model.year, float(line.principal[farm]),
                          sum(c for p, c in cost.items() if twin[p]) / sum(cost.values())))
    return model, loans, model.results()


def test_the_yearly_windfall_and_what_is_owed_are_a_recount_of_the_loans(recorded):
    """Each year's subsidy, windfall and subsidy still owed, recounted loan by loan from the recorded loans: subsidy
    0.0375 x P x share(season), windfall that x the loan's twin share, owed 0.0375 x P x the shares of the seasons
    left. The run has loans wholly, partly and not at all windfall; the public's committed money is the credit
    line's (no carbon programme)."""
    model, loans, table = recorded
    every = table[table.region == "all"].set_index("year").loc[2026:]
    assert len(loans) > 20 and {share for *_, share in loans} >= {0.0, 1.0}
    for year, row in every.iterrows():
        running = [(p, year - y, share) for _, y, p, share in loans if 0 <= year - y < 12]
        assert row.credit_line_subsidy == pytest.approx(sum(SPREAD * p * SHARES[t] for p, t, _ in running), rel=1e-9)
        assert row.credit_line_windfall == pytest.approx(sum(SPREAD * p * SHARES[t] * s for p, t, s in running),
                                                         rel=1e-9)
        assert row.credit_line_committed == pytest.approx(sum(SPREAD * p * sum(SHARES[t + 1:]) for p, t, _ in running),
                                                          rel=1e-9)
        assert row.public_committed == row.credit_line_committed
    assert 0 < every.credit_line_windfall.sum() < every.credit_line_subsidy.sum()


def test_compare_counts_the_subsidy_owed_as_committed_and_its_windfall_share(recorded):
    """compare's row of the run: the public's committed money is the subsidy still owed at the end (2037), paid +
    committed in its cost, discounted from 2038 (1.03^-13 from 2025); the intermediaries take nothing of it; the
    money closes with it (public paid + committed = public payments to farmers + the subsidy owed); the windfall
    share is the windfall over the subsidies."""
    from analysis.compare import indicators, payment_calendar, present_value

    _, _, table = recorded
    every = table[table.region == "all"].set_index("year")
    owed = every.loc[2037, "credit_line_committed"]
    runs = table.assign(scenario="renovagro", seed=1)
    row = indicators(runs, calendars={"renovagro": payment_calendar(RENOVAGRO)}).iloc[0]
    paid = every.loc[2026:, "credit_line_subsidy"]
    assert row.public_committed == row.credit_line_committed == owed > 0
    assert row.public_spending_committed == pytest.approx(paid.sum() + owed, rel=1e-12)
    pv = present_value(paid, pd.Series(paid.index), 2025, 0.03)
    assert row.incentive_public_spending_committed_pv == pytest.approx(pv + owed * 1.03**-13, rel=1e-12)
    assert row.intermediaries_take == 0
    assert row.public_spending_committed == pytest.approx(row.public_payments_to_farmers + row.credit_line_committed
                                                          + row.farmer_net_carbon_income + row.mrv_cost,
                                                          rel=1e-12)
    assert row.credit_line_windfall == pytest.approx(every.loc[2026:, "credit_line_windfall"].sum(), rel=1e-12)


def test_compare_and_the_summary_show_the_subsidy_owed_and_the_windfall(recorded):
    """The tables and the summary say the run's numbers: the money table's public payments to farmers with the
    subsidy owed on running loans beside them, "who else gains" with the credit-line windfall and its share (no
    longer only "n/a (no per-ha payments)"), and the summary's sentence with the same three sums."""
    from analysis.compare import compare, details_markdown, markdown
    from facilitation.i18n import language
    from facilitation.summary import findings, sentences

    _, _, table = recorded
    every = table[table.region == "all"].set_index("year").loc[2026:]
    paid, windfall = every.credit_line_subsidy.sum(), every.credit_line_windfall.sum()
    owed = every.loc[2037, "credit_line_committed"]
    runs = pd.concat([table.assign(scenario=label, seed=1) for label in ("baseline", "renovagro")])
    summary = compare(runs, "baseline", calendars={"renovagro": (5, 1), "baseline": (5, 1)}).set_index("scenario")
    assert summary.loc["renovagro", "credit_line_windfall_share"] == pytest.approx(windfall / paid, rel=1e-12)
    line = next(row for row in markdown(summary.reset_index(), "USD").splitlines() if "| renovagro" in row)
    assert f"{paid:,.0f} + {owed:,.0f} owed on running loans" in line
    line = next(row for row in details_markdown(summary.reset_index(), "USD").splitlines()
                if "| renovagro" in row and "n/a (no per-ha payments)" in row)
    assert f" {windfall:,.0f} |" in line and f"| {windfall / paid:.0%} " in line
    assert line.count("n/a (no carbon money)") == 2  # the subsidy owed is no carbon money: no carbon windfall
    text = " ".join(sentences(findings(table.assign(seed=1), "USD", scenario=RENOVAGRO), language("en")))
    english = language("en")
    assert (f"The credit line's interest subsidies come to {english.money(paid, 'USD')} over 2026–2037, and the "
            f"public still owes {english.money(owed, 'USD')} on loans running at the end. Of the subsidies paid, "
            f"{english.money(windfall, 'USD')} ({english.share(windfall / paid)}) are on loans") in text
