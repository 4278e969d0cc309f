"""Farmer exchanges (issue 18): without channels a link is one more neighbour; each channel alone changes only its
own lever, and moves the outcome it should.

Small models: 900 farmers (270 to 315 per region), 150 links Latin America -> Africa dry, a few years. Comparisons are between
two models with the same seed, so the farms, network, weather and decision draws are identical and differences come
from the channel alone; most checks are exact (equal arrays) and need no tolerance.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from scipy import stats

import sim
from analysis.compare import (
    EXCHANGE_RATIOS,
    compare,
    compare_scenarios,
    exchange_cost_effectiveness,
    exchanges_markdown,
    summarise,
)
from experiments.spec import ExperimentError
from sim.behaviour.exchange import comparability
from sim.farmers import allocate_farmers
from sim.incentives import mrv
from sim.practices import NO_TILL
from sim.scenario import scenario_with_overrides

BASE = sim.load_scenario(SCENARIOS / "base.toml")
FARMERS = 900
SEED = 3
#: Farms of the served region (africa_dry) at FARMERS: 150 links and a 1,000 USD/yr equipment programme there.
SERVED_FARMS = allocate_farmers(BASE, FARMERS)[list(BASE.regions).index("africa_dry")]
LINKS_PER_1000 = 150 / SERVED_FARMS * 1000
CHANNELS = {
    "information": {"climate_length": 1.0, "soil_length": 1.0, "crop_length": 1.0, "farm_size_length": 2.5},
    "know_how": {"head_start_seasons": 2, "training_cost_per_participant": 150.0},
    "equipment": {"supply_scale_factor": 0.25, "cost_per_farm_per_year": 1000.0 / SERVED_FARMS},
    "organisation": {"loan_to_savings": 3.0, "group_certification": True, "crop_price_premium_share": 0.0,
                     "support_cost_per_member_per_year": 20.0},
}


def scenario(*channels: str, visits: float = 3.0):
    exchange = {"regions": ["latin_america", "africa_dry"], "links_per_1000_farms": LINKS_PER_1000, "visits_per_year": visits,
                "cost_per_visit": 0.0, **{name: CHANNELS[name] for name in channels}}
    return scenario_with_overrides(BASE, {"network.exchange": [exchange], "years": 6})


def model(*channels: str):
    return sim.AdoptionModel(scenario(*channels), seed=SEED, n_farmers=FARMERS)


def detached(m):
    """The same model with the exchange machinery unplugged: links stay in the network as plain neighbours."""
    m.social.exchanges = None
    m.situation = type(m.situation)(**{**vars(m.situation), "exchanges": None})
    m.exchanges.after_adoption = lambda years: None
    return m


def test_links_without_channels_are_one_more_neighbour():
    """With no channel table the yearly table equals that of the same links with the exchange code unplugged."""
    links_only = model()
    links_only.run()
    plain = detached(model())
    plain.run()
    a, b = links_only.results(), plain.results()
    assert links_only.exchanges.participant.sum() > 100
    assert a.equals(b)
    costs = a[[c for c in a.columns if c.startswith("exchange_") and c.endswith("_cost")]].fillna(0.0)
    assert (costs.to_numpy() == 0).all()  # visits cost 0 here; no channel, no programme cost


def levers(m):
    """Everything a channel may change, by channel."""
    return {
        "information": [pairs_change.copy() for _, pairs_change in m.exchanges.information],
        "know_how": m.exchanges.head_start.copy(),
        "equipment": m.access.supply_scale.copy(),
        "organisation": (m.access.loan_per_savings.copy(), m.exchanges.group_certified.copy(),
                         m.farms.crop_price_per_t.copy()),
    }


def same(x, y):
    if isinstance(x, tuple | list):
        return len(x) == len(y) and all(same(a, b) for a, b in zip(x, y, strict=True))
    return np.array_equal(x, y)


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_each_channel_alone_changes_only_its_own_lever(channel):
    base, alone = levers(model()), levers(model(channel))
    for name in CHANNELS:
        assert same(base[name], alone[name]) == (name != channel), name


def test_information_changes_participants_beliefs_only():
    """Year 1: the same decisions, yields and access; the beliefs of participants whose partner used a practice move,
    by exactly the re-weighting visits x k_ij - 1 of what that partner showed; non-participants' do not."""
    links, info = model(), model("information")
    links.step()
    info.step()
    assert np.array_equal(links.farms.bundle, info.farms.bundle)
    assert np.array_equal(links.farms.yield_kg_per_ha, info.farms.yield_kg_per_ha)
    outsiders = ~info.exchanges.participant
    assert np.array_equal(links.farms.belief_mean[outsiders], info.farms.belief_mean[outsiders])
    assert not np.array_equal(links.farms.belief_mean, info.farms.belief_mean)
    pairs = info.network.exchange_pairs[0]
    k = comparability(scenario("information").network.exchange[0].information, info.regions, info.farms.region,
                      info.farms.area_ha, pairs)
    # Cerrado soybean vs semi-arid African maize: climate, soil and crop differ and the median areas are 300 and 1.5 ha, so the
    # median pair has k = exp(-1.5 - ln(200)^2 / 12.5) = 0.024 (farm sizes are lognormal: some pairs are closer)
    assert np.median(k) < 0.05 and k.max() < 0.61
    weight, _ = info.learning.shown(info.farms.years_in_use, np.zeros((FARMERS, 4), np.float32),
                                    np.zeros(FARMERS, np.float32))
    expected = np.zeros(links.social.evidence.shape)
    np.add.at(expected, pairs[:, 1], (3.0 * k - 1.0)[:, None] * weight[pairs[:, 0]])
    np.add.at(expected, pairs[:, 0], (3.0 * k - 1.0)[:, None] * weight[pairs[:, 1]])
    africans = np.unique(pairs[:, 1])
    # float32 network sums: 1e-5 is ~100 float32 ulps of evidence values of order 1
    assert np.allclose(info.social.evidence[africans] - links.social.evidence[africans], expected[africans],
                       atol=1e-5)


def test_know_how_shortens_the_ramp_of_trained_starters():
    """Trained participants who start a practice begin 2 seasons along its ramp (no-till in the dry African region,
    from the per-crop-and-climate table: -5 % -> 0 % over 5 seasons, so its first season is at -5 + 5 x 2/4 = -2.5 %
    instead of -5 %); untrained starters begin at season 1; year-1 access is untouched."""
    links, trained = model(), model("know_how")
    started_trained = started_plain = 0
    for _ in range(5):
        before = trained.farms.uses.copy()
        trained.step()
        links.step()
        new = trained.farms.uses & ~before
        head = trained.exchanges.head_start > 0
        assert (trained.farms.years_in_use[new & head[:, None]] == 3).all()
        assert (trained.farms.years_in_use[new & ~head[:, None]] == 1).all()
        started_trained += int((new & head[:, None]).sum())
        started_plain += int((new & ~head[:, None]).sum())
    assert started_trained > 0 and started_plain > 0
    table = trained.catalogue.effect_table
    served = 1  # africa_dry, the region the know-how table serves
    assert table[3, served, NO_TILL] == pytest.approx(-0.025, abs=1e-7)
    assert table[1, served, NO_TILL] == pytest.approx(-0.05, abs=1e-7)


def test_equipment_raises_supply_of_the_served_region_only():
    links, equipment = model(), model("equipment")
    for _ in range(3):
        links.step()
        equipment.step()
    served = 1  # africa_dry
    assert equipment.access.seeder_supply[served] > links.access.seeder_supply[served]
    assert equipment.access.contractor_supply[served] > links.access.contractor_supply[served]
    others = [0, 2]
    assert np.array_equal(equipment.access.seeder_supply[others], links.access.seeder_supply[others])


def test_organisation_gives_small_participants_group_credit():
    """Served participants below the lenders' 5 ha get credit (money = savings x (1 + 3)); others keep theirs."""
    links, group = model(), model("organisation")
    links.step()
    group.step()
    member = group.exchanges.member
    small = group.farms.area_ha < 5.0
    assert member.sum() > 50
    assert np.array_equal(links.access.now.money[~member], group.access.now.money[~member])
    rows = member & small
    assert np.allclose(group.access.now.money[rows], links.access.now.money[rows] * 4.0)
    assert group.exchanges.group_certified[member].all() and not group.exchanges.group_certified[~member].any()


def test_programme_costs_are_public_and_add_up():
    """Costs: visits 150 links x 3 x 10, training 150 per served participant once, equipment 1,000 a year,
    group support 20 per member a year; all public, none in farm accounts."""
    spec = scenario(*CHANNELS)
    exchange = spec.network.exchange[0].model_copy(update={"cost_per_visit": 10.0})
    spec = spec.model_copy(update={"network": spec.network.model_copy(update={"exchange": [exchange]})})
    m = sim.AdoptionModel(spec, seed=SEED, n_farmers=FARMERS)
    m.run_for(2)
    table = m.results()
    rows = table[(table.region == "all") & (table.year > spec.start_year)]
    served = np.unique(m.network.exchange_pairs[0][:, 1]).size
    assert rows.exchange_visit_cost.tolist() == pytest.approx([150 * 3 * 10.0] * 2)
    assert rows.exchange_training_cost.tolist() == pytest.approx([150.0 * served, 0.0])
    assert rows.exchange_equipment_cost.tolist() == pytest.approx([1000.0] * 2)
    assert rows.exchange_organisation_cost.tolist() == pytest.approx([20.0 * served] * 2)
    total = rows.exchange_programme_cost.to_numpy()
    assert (rows.public_spending.to_numpy() >= total - 1e-6).all()


def test_participant_columns():
    m = model(*CHANNELS)
    m.run_for(2)
    table = m.results()
    row = table[(table.region == "africa_dry") & (table.year == m.year)].iloc[0]
    participants = m.exchanges.participant[m.farms.region == 1]
    assert row.exchange_participants == participants.sum()
    uses = m.farms.bundle[m.farms.region == 1] != 0
    assert row.exchange_participant_any_practice_share == pytest.approx(uses[participants].mean())
    assert row.exchange_non_participant_any_practice_share == pytest.approx(uses[~participants].mean())
    none = table[(table.region == "africa_moist")]
    assert (none.exchange_participants == 0).all() and none.exchange_participant_income_p50.isna().all()


def test_the_start_is_the_state_before_the_programme():
    """Referee 27 m2: the start was fitted on the network with the exchange links, so participants began with more
    no-till and other beliefs than the same farms without exchanges. It is fitted on the network without them:
    the same seed gives the baseline's network and start, bit for bit; the programme's links act from the first year."""
    with_exchanges = model(*CHANNELS)
    baseline = sim.AdoptionModel(scenario_with_overrides(BASE, {"years": 6}), seed=SEED, n_farmers=FARMERS)
    before, plain = with_exchanges.network.without_exchanges(), baseline.network
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(before.adjacency, name), getattr(plain.adjacency, name))
    np.testing.assert_array_equal(before.degree, plain.degree)
    for name in ("bundle", "years_in_use", "belief_mean", "belief_precision"):
        np.testing.assert_array_equal(getattr(with_exchanges.farms, name), getattr(baseline.farms, name))
    assert with_exchanges.social.network is with_exchanges.network
    assert (with_exchanges.network.degree > plain.degree)[with_exchanges.exchanges.participant].all()


def test_neighbours_and_others_split_the_non_participants():
    """Referee 27 M2: the spill-over group (neighbours) was compared with all non-participants, of whom it is most.
    The others (non-participants not linked to a participant) are the rest: each group's share is its own farms',
    and the two groups' users add up to the non-participants' users."""
    m = model(*CHANNELS)
    m.run_for(2)
    row = m.results().query("region == 'africa_dry' and year == @m.year").iloc[0]
    dry = m.farms.region == 1
    participant, neighbour = m.exchanges.participant[dry], m.exchanges.neighbour[dry]
    other = ~participant & ~neighbour
    assert 0 < neighbour.sum() < (~participant).sum() and not (neighbour & participant).any()
    uses = m.farms.bundle[dry] != 0
    assert row.exchange_neighbour_any_practice_share == pytest.approx(uses[neighbour].mean())
    assert row.exchange_other_any_practice_share == pytest.approx(uses[other].mean())
    users = (row.exchange_neighbour_any_practice_share * neighbour.sum()
             + row.exchange_other_any_practice_share * other.sum())
    assert users == pytest.approx(row.exchange_non_participant_any_practice_share * (~participant).sum())


def test_group_gains_pair_each_farm_with_itself_in_the_baseline():
    """A run against itself gains nothing in any group; participants, neighbours and others cover each region's
    farms once (as everyone does); scenarios whose farms do not pair row by row are refused."""
    from analysis.exchange_groups import group_gains_of_seed, spillover

    exchange = scenario(*CHANNELS)
    gains = group_gains_of_seed(exchange, exchange, SEED, FARMERS)
    assert (gains.gain_pp == 0).all()
    sizes = allocate_farmers(BASE, FARMERS)
    split = gains[gains.group != "everyone"].groupby("region", sort=False).farmers.sum()
    assert split.tolist() == sizes == gains[gains.group == "everyone"].farmers.tolist()
    assert (spillover(gains).spillover_pp == 0).all()
    shifted = scenario_with_overrides(exchange, {"regions.latin_america.farmers": 2 * BASE.regions["latin_america"].farmers})
    with pytest.raises(ExperimentError, match="pair row by row"):
        group_gains_of_seed(exchange, shifted, SEED, FARMERS)
    with pytest.raises(ExperimentError, match="no .*network.exchange"):
        group_gains_of_seed(BASE, BASE, SEED, FARMERS)


def test_exchange_groups_command_prints_the_groups_and_refuses_a_scenario_without_exchanges(casim):
    """``casim exchange-groups`` (2 seeds, 300 farmers): a table per region and group and the neighbours' gain beyond
    the others'; a scenario without exchange tables, or a baseline with other incentives, is a clean error (exit 2),
    not a traceback."""
    done = casim("exchange-groups", SCENARIOS / "exchange_network.toml", SCENARIOS / "baseline.toml",
                 "--replicates", 2, "--farmers", 300)
    assert done.returncode == 0, done.stderr
    assert "spill-over through links" in done.stdout and "neighbour" in done.stdout and "africa_dry" in done.stdout
    refused = casim("exchange-groups", SCENARIOS / "baseline.toml", SCENARIOS / "baseline.toml", "--farmers", 300)
    assert refused.returncode == 2 and "no [[network.exchange]] tables" in refused.stderr
    assert "Traceback" not in refused.stderr
    other = casim("exchange-groups", SCENARIOS / "exchange_network.toml", SCENARIOS / "per_ha_payment.toml",
                  "--farmers", 300)  # referee 28: the payment's effect read as the exchanges' (-14.2 pp)
    assert other.returncode == 2 and "its incentives are not" in other.stderr


def test_spillover_is_the_neighbours_gain_minus_the_others_within_seed():
    """Two seeds: neighbours gain 3 and 5 pp, others 1 and 4 pp: spill-over 2 and 1 pp, mean 1.5, standard error
    0.5, 95 % t interval 1.5 +- 12.706 x 0.5 (t with 1 degree of freedom)."""
    from analysis.exchange_groups import spillover, summary

    gains = pd.DataFrame({"seed": [0, 0, 0, 1, 1, 1], "region": ["r"] * 6,
                          "group": ["participant", "neighbour", "other"] * 2, "gain_pp": [9, 3, 1, 9, 5, 4]})
    spill = spillover(gains)
    assert spill.spillover_pp.tolist() == [2.0, 1.0]
    row = summary(spill, ["region"], "spillover_pp").iloc[0]
    assert (row["mean"], row.se, row.seeds) == pytest.approx((1.5, 0.5, 2))
    assert (row.lo, row.hi) == pytest.approx((1.5 - 12.7062 * 0.5, 1.5 + 12.7062 * 0.5), rel=1e-4)


def test_group_certification_lowers_members_mrv_cost_and_nothing_else():
    """Channel (d)'s group certification acts through the carbon MRV only. Same seed, same organisation channel
    (group credit on in both), with and without group certification, under USD 35/t and individual model-based MRV
    (150 per farm + 5 per ha; a group verification costs 3,000, parts/defaults.toml). Members of the exchange group
    verified together share 3,000 (here all ~130 served participants: about 23 each instead of 150, lower); non-members
    pay what they did; access (group credit, supply) is that of the run without it. (What a member expects to pay when
    deciding counts only the members eligible now, as main's group MRV does: few eligible members make it dear.)"""
    carbon = sim.load_scenario(SCENARIOS / "carbon_price_35.toml")
    organisation = {**CHANNELS["organisation"], "group_certification": False}

    def build(certified: bool):
        exchange = {"regions": ["latin_america", "africa_dry"], "links_per_1000_farms": LINKS_PER_1000, "visits_per_year": 1.0,
                    "cost_per_visit": 0.0, "organisation": {**organisation, "group_certification": certified}}
        spec = scenario_with_overrides(carbon, {"network.exchange": [exchange], "years": 6})
        return sim.AdoptionModel(spec, seed=SEED, n_farmers=FARMERS)

    plain, grouped = build(False), build(True)
    members = grouped.exchanges.member
    assert grouped.incentives.carbon.exchange_group is not None and plain.incentives.carbon.exchange_group is None
    assert np.array_equal(grouped.incentives.carbon.exchange_group >= 0, members)
    # the other levers of the channel are untouched
    assert np.array_equal(plain.access.now.money, grouped.access.now.money)
    assert np.array_equal(plain.access.supply_scale, grouped.access.supply_scale)
    # the rule itself, every farm verified: members pay 3,000 / members + 5/ha, others 150 + 5/ha as before
    spec = grouped.config.carbon
    area, everyone = grouped.farms.area_ha, np.ones(FARMERS, bool)
    alone = mrv.cost_per_verification(spec, area, grouped.network.organisation, everyone)
    together = mrv.cost_per_verification(spec, area, grouped.network.organisation, everyone, None,
                                         grouped.incentives.carbon.exchange_group)
    assert np.array_equal(alone[~members], together[~members])
    assert np.allclose(together[members], 3000.0 / members.sum() + 5.0 * area[members], rtol=1e-12)
    assert (together[members] < alone[members]).all()
    # the registry bills verifications with the members' groups (``CarbonRegistry.settle``)
    assert grouped.incentives.carbon.registry.exchange_group is grouped.incentives.carbon.exchange_group


def test_compare_reports_exchange_cost_effectiveness_with_reasons():
    """Cost per additional adopter / t CO2e / USD of income = programme cost over the mean paired difference; with a
    programme cost that does not vary, Fieller's interval is the cost over the bounds of the difference's t interval
    (when it reaches 0: [cost / upper bound, inf) and a negative piece, where the exchanges may lose adopters);
    undefined, with the reason, when the difference is not positive or there is no programme. Hand-made runs, three
    per scenario."""
    differences = {"none": [0.0, 0.0, 0.0], "clear": [9.0, 10.0, 11.0], "wide": [-5.0, 10.0, 25.0],
                   "worse": [-3.0, -2.0, -1.0]}
    costs = {"none": 0.0, "clear": 1000.0, "wide": 1000.0, "worse": 1000.0}
    per_run = pd.DataFrame([{"scenario": scenario, "exchange_programme_cost": costs[scenario],
                             "exchange_cost_vs_baseline": costs[scenario],  # a baseline without exchanges
                             **{difference: value for _, difference, _ in EXCHANGE_RATIOS}}
                            for scenario, values in differences.items() for value in values])
    table = per_run.groupby("scenario", sort=False).mean().reset_index()
    out = exchange_cost_effectiveness(table, per_run)
    name = "exchange_cost_per_additional_adopter"
    assert np.isnan(out[name][0]) and np.isnan(out[name][3])
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)  # t x sd / sqrt(n) of 9, 10, 11
    assert out[name][1] == 100.0
    assert np.allclose((out[f"{name}_lo"][1], out[f"{name}_hi"][1]), (1000 / (10 + half), 1000 / (10 - half)),
                       rtol=1e-12)
    assert out[name][2] == 100.0 and np.isinf(out[f"{name}_hi"][2])
    text = exchanges_markdown(out.assign(name=list(differences)), "USD")
    assert "n/a (no exchange programme)" in text and "n/a (no additional adopter)" in text
    wide = stats.t.ppf(0.975, 2) * 15.0 / np.sqrt(3)  # of -5, 10, 25: reaches below 0, the lower piece is negative
    assert f"100 ({1000 / (10 + half):,.0f} to {1000 / (10 - half):,.0f})" in text
    assert f"100 (>= {1000 / (10 + wide):,.0f}, or the exchanges may lose adopters)" in text
    assert exchanges_markdown(out.iloc[[0]], "USD") is None


def test_against_a_baseline_with_exchanges_only_the_extra_exchange_cost_is_divided():
    """Referee 26 m1: the cost per unit divided a design's whole exchange cost by its difference from a baseline that
    may run exchanges of its own. Hand-made runs: a design costing 1,000 against a baseline's 600 adds 9, 10 and 11
    adopters: 400 / 10 = 40 per adopter, with Fieller's interval 400 over the bounds of the adopters' t interval; one
    whose exchanges cost no more than the baseline's has no cost per unit, and says why; the table shows the extra
    cost beside the whole."""
    per_run = pd.DataFrame([{"scenario": scenario, "exchange_programme_cost": cost, "exchange_cost_vs_baseline": extra,
                             **{difference: adopters for _, difference, _ in EXCHANGE_RATIOS}}
                            for scenario, cost, extra in (("bigger", 1000.0, 400.0), ("same", 600.0, 0.0))
                            for adopters in (9.0, 10.0, 11.0)])
    table = summarise(per_run, ["scenario"])
    out = exchange_cost_effectiveness(table, per_run).assign(name=["bigger", "same"])
    name = "exchange_cost_per_additional_adopter"
    half = stats.t.ppf(0.975, 2) / np.sqrt(3)  # t x sd / sqrt(n) of 9, 10, 11
    assert out[name][0] == 40.0
    assert np.allclose((out[f"{name}_lo"][0], out[f"{name}_hi"][0]), (400 / (10 + half), 400 / (10 - half)),
                       rtol=1e-12)
    assert np.isnan(out[name][1])
    text = exchanges_markdown(out, "USD")
    assert "beyond the baseline's exchange programmes (USD)" in text
    assert f"| 40 ({400 / (10 + half):,.0f} to {400 / (10 - half):,.0f}) " in text
    assert "n/a (its exchanges cost no more than the baseline's)" in text.splitlines()[3]


def test_compare_puts_exchange_programmes_beside_the_carbon_designs():
    """A real comparison (2 seeds, 300 farmers, 4 years): the exchange scenario's programme cost is public money
    and its cost-effectiveness columns exist, with intervals; the baseline has none."""
    scenarios = {"baseline": sim.load_scenario(SCENARIOS / "baseline.toml"),
                 "exchanges": sim.load_scenario(SCENARIOS / "exchange_network.toml")}
    result = compare_scenarios(scenarios, replicates=2, farmers=300, years=4)
    table = result.table.set_index("scenario")
    assert table.loc["baseline", "exchange_programme_cost"] == 0
    cost = table.loc["exchanges", "exchange_programme_cost"]
    assert cost > 0 and table.loc["exchanges", "public_spending"] >= cost
    for name, difference, _ in EXCHANGE_RATIOS:
        assert {name, f"{name}_lo", f"{name}_hi", f"{difference}_lo"} <= set(table.columns)
        mean = table.loc["exchanges", difference]
        assert np.isnan(table.loc["exchanges", name]) if mean <= 0 else \
            table.loc["exchanges", name] == pytest.approx(cost / mean)
    assert "Exchange programmes against the baseline scenario" in result.report()


def test_dashboard_switches_each_channel_and_the_network_view_shows_exchange_links():
    """The dashboard has an on/off lever per channel the scenario's exchanges carry (labels from the catalogues);
    switching equipment off removes that table only, and changes the run (the dry region's seeder supply follows its
    adoption more slowly). The sampled network holds exchange links, drawn apart from village links."""
    from experiments.runs import with_overrides
    from facilitation.dashboard_app import lever_overrides, levers_for
    from facilitation.i18n import language
    from facilitation.story import layout, sample_farms

    base = sim.load_scenario(SCENARIOS / "exchange_network.toml")
    channels = ("information", "know_how", "equipment", "organisation")
    for code in ("en", "fr", "es", "pt"):
        levers = {lever.name: lever for lever in levers_for(base, language(code))}
        assert all(levers[f"channel_{c}"].value == 1 for c in channels)
        if code != "en":
            assert not any("Exchange channel" in levers[f"channel_{c}"].label for c in channels)
    assert not any(name.startswith("channel_") for name in
                   (lever.name for lever in levers_for(sim.load_scenario(SCENARIOS / "baseline.toml"), language("en"))))
    assert lever_overrides(base, {"channel_equipment": 1}) == {}
    off = with_overrides(base, lever_overrides(base, {"channel_equipment": 0}))
    assert all(link.equipment is None and link.know_how is not None and link.links_per_1000_farms == pytest.approx(600 / 3.5)
               for link in off.network.exchange)
    on_model, off_model = (sim.AdoptionModel(s, seed=SEED, n_farmers=FARMERS) for s in (base, off))
    for m in (on_model, off_model):
        m.run_for(3)
    dry = 1
    assert on_model.access.seeder_supply[dry] > off_model.access.seeder_supply[dry]
    sample = sample_farms(on_model, 40)
    drawn = layout(on_model, sample)
    assert drawn.exchange.sum() >= 10 and (~drawn.exchange).any()


def test_exchange_links_and_equipment_cost_scale_with_the_farmers_simulated(write_scenario):
    """Links and the equipment programme's cost are densities per served farm: at 4x the farmers a run has 4x the
    links (each count is density x farms / 1000, rounded up or down at random with an exact mean: 600 links to
    exchange_network.toml's 3,500 served farms, so 171.43 per 1,000) and books 4x the equipment cost (28.57 USD per
    farm of the served region a year), so the cost per participant and per adopter does not depend on --farmers.
    The old count keys are refused with what they became."""
    scenario = sim.load_scenario(SCENARIOS / "exchange_network.toml")
    costs = []
    for farmers in (1_000, 4_000):
        m = sim.AdoptionModel(scenario, seed=SEED, n_farmers=farmers)
        served = m.regions.sizes[m.regions.names.index("africa_dry")]
        links = sum(pairs.shape[0] for pairs in m.network.exchange_pairs[:1])
        assert abs(links - 600 / 3500 * served) <= 1 + 0.02 * links  # rounding, and duplicate pairs that merge
        costs.append(m.incentives.designs["exchange"].yearly["exchange_equipment_cost"].sum())
    assert costs[1] / costs[0] == pytest.approx(4.0, rel=1e-3)  # regions split 1,000 / 4,000 farmers in proportion
    for old, became in (("links = 600", "links_per_1000_farms"), ("probability = 0.001", "links_per_1000_farms")):
        path = write_scenario(f'[[network.exchange]]\nregions = ["latin_america", "africa_dry"]\n{old}\n'
                              'links_per_1000_farms = 1.0\n')
        with pytest.raises(sim.ScenarioError, match=became):
            sim.load_scenario(path)


def test_the_incentives_cost_per_additional_t_leaves_out_the_exchanges_kept_by_the_counterfactual():
    """Referee 24 B2: exchanges + a public purchase at USD 100/t (2 seeds, 1,000 farmers, 7 years; at 400 the
    purchase's additional t summed to -464 once the start's chain had try-and-abandon, and at 500 seed 42 bought
    nothing once the start was fitted to its adopters' supply: noise at those sizes). The counterfactual
    keeps the exchanges, so the additional t are the purchase's: the public cost per additional t (compare, and the
    yearly column) divides the public money without the exchanges' cost, recomputed here from the yearly rows; the
    exchanges' table gives no cost per unit for a design whose difference from the baseline includes the purchase."""
    exchanges = sim.load_scenario(SCENARIOS / "exchange_network.toml")
    both = scenario_with_overrides(exchanges, {"carbon.buyer": "public", "carbon.price.path.kind": "constant",
                                               "carbon.price.path.value": 100.0})
    result = compare_scenarios({"baseline": sim.load_scenario(SCENARIOS / "baseline.toml"), "both": both},
                               replicates=2, farmers=1000, years=7)
    runs = result.runs[(result.runs.scenario == "both") & (result.runs.region == "all")].sort_values("year")
    flows = runs[runs.year > runs.year.min()]
    per_seed = flows.groupby("seed")
    paid = per_seed.public_spending.sum()
    exchange_cost = per_seed.exchange_programme_cost.sum()
    purchase = paid - exchange_cost  # no per-ha payments or credit line in the design
    assert (exchange_cost > 0).all() and (purchase > 0).all()
    due = runs.groupby("seed").carbon_due_to_farmers.last()
    committed = due * purchase.sum() / per_seed.carbon_to_farmers.sum().sum()
    additional = runs.groupby("seed").additional_cum_t_co2e.last()
    assert additional.mean() > 0
    row = result.table.set_index("scenario").loc["both"]
    assert row.public_cost_per_additional_t_co2e == pytest.approx((purchase + committed).mean() / additional.mean(),
                                                                   rel=1e-9)
    assert row.public_spending_committed == pytest.approx((paid + committed).mean(), rel=1e-9)  # the budget: all
    cumulative = flows.groupby("seed")[["public_spending", "exchange_programme_cost"]].cumsum()
    yearly = (cumulative.public_spending - cumulative.exchange_programme_cost) / flows.additional_cum_t_co2e
    shown = flows.public_paid_per_additional_t_co2e
    defined = (flows.additional_cum_t_co2e > 0) & (yearly > 0)  # NaN otherwise (declared undefined)
    assert shown[~defined].isna().all()
    assert defined.any() and np.allclose(shown[defined], yearly[defined], rtol=1e-9)
    text = exchanges_markdown(result.table, "USD")
    assert row[[name for name, _, _ in EXCHANGE_RATIOS]].isna().all()  # in the tables written too
    flagged = [line for line in text.splitlines() if "incentives are not the baseline's" in line]
    assert len(flagged) == 1 and flagged[0].count("not the baseline's") == 3 + len(EXCHANGE_RATIOS)


def test_a_design_spending_only_on_exchanges_has_no_incentive_cost_per_t_and_says_why():
    """Its public money is all exchange programmes' (costed in their own table), so the incentives' cost per
    additional t is undefined: not 'no spending', which would hide a budget."""
    from analysis.compare import _cost_cell, _total_cell

    row = pd.Series({"incentive_public_spending_committed": 0.0, "private_spending_committed": 0.0,
                     "exchange_programme_cost": 2_941_050.0, "incentive_total_cost": 0.0, "co2e_additional_t": 0.0,
                     "runs": 2, "runs_without_additional_t": 2})
    why = "n/a (no incentive; exchange programmes are costed apart)"
    assert _cost_cell(row, "public_cost_per_additional_t_co2e", "public", "private") == why
    assert _total_cell(row) == why
    row["exchange_programme_cost"] = 0.0
    assert _cost_cell(row, "public_cost_per_additional_t_co2e", "public", "private") == "n/a (no spending)"


def test_a_design_whose_incentive_has_not_paid_yet_is_not_read_as_exchanges_alone():
    """Referee 26: exchanges + a public purchase at USD 100/t cut at 4 years (before the first verification, 2030):
    the purchase has paid nothing yet, but farmers already respond to it, so the design has an incentive (decided
    from the scenario, not from its spending): its cost per t says 'no spending', not 'no incentive', and the
    exchanges' table gives no cost per unit for a difference that includes the purchase's effect."""
    from analysis.compare import _cost_cell, _total_cell

    exchanges = sim.load_scenario(SCENARIOS / "exchange_network.toml")
    both = scenario_with_overrides(exchanges, {"carbon.buyer": "public", "carbon.price.path.kind": "constant",
                                               "carbon.price.path.value": 100.0})
    result = compare_scenarios({"baseline": sim.load_scenario(SCENARIOS / "baseline.toml"), "exchanges": exchanges,
                                "both": both}, replicates=2, farmers=400, years=4)
    table = result.table.set_index("scenario")
    row = table.loc["both"]
    assert row.incentive_public_spending_committed == 0 and row.private_spending_committed == 0  # nothing paid yet
    assert row.has_incentives and not table.loc["exchanges"].has_incentives
    assert _cost_cell(row, "public_cost_per_additional_t_co2e", "public", "private") == "n/a (no spending)"
    assert _total_cell(row) == "n/a (no spending)"
    assert row[[name for name, _, _ in EXCHANGE_RATIOS]].isna().all()
    assert table.loc["exchanges", [name for name, _, _ in EXCHANGE_RATIOS]].notna().any()


def test_the_exchanges_effect_is_read_only_against_a_baseline_with_the_same_incentives():
    """Referee 26 m1: with ``--baseline per_ha_payment``, exchanges + a public purchase were credited with the
    purchase-versus-payment difference (the safeguard asked only whether the baseline had any incentive). Now the
    exchanges' table reads a design's difference from the baseline only when their incentives are equal: exchanges
    + the same per-ha payment get their cost over their paired extra adopters (recomputed from the yearly rows, 2
    seeds, 400 farmers, 7 years); exchanges + the purchase get neither differences nor costs, with the reason; and
    without the scenarios (``compare`` from runs alone) a design that spent on incentives is never read as
    exchanges alone."""
    paid = sim.load_scenario(SCENARIOS / "per_ha_payment.toml")
    exchanges = sim.load_scenario(SCENARIOS / "exchange_network.toml")
    same = scenario_with_overrides(exchanges, {"name": "exchanges + payment", "payments.per_ha": dict(paid.payments.per_ha),
                                               "payments.duration_years": paid.payments.duration_years})
    other = scenario_with_overrides(exchanges, {"name": "exchanges + purchase", "carbon.buyer": "public",
                                                "carbon.price.path.kind": "constant", "carbon.price.path.value": 100.0})
    result = compare_scenarios({"per_ha": paid, "same": same, "other": other}, replicates=2, farmers=400, years=7,
                               baseline="per_ha")
    table = result.table.set_index("scenario")
    assert list(table.same_incentives_as_baseline) == [True, True, False]
    runs = result.runs[result.runs.region == "all"]
    last = runs[runs.year == runs.year.max()].set_index(["scenario", "seed"])
    adopters = (last.no_till_share * last.farmers).unstack("scenario")
    extra = (adopters["same"] - adopters["per_ha"]).mean()
    flows = runs[(runs.scenario == "same") & (runs.year > runs.year.min())]
    cost = flows.groupby("seed").exchange_programme_cost.sum().mean()
    assert cost > 0 and table.loc["same", "no_till_adopters_vs_baseline"] == pytest.approx(extra, rel=1e-12)
    name = "exchange_cost_per_additional_adopter"
    assert table.loc["same", name] == pytest.approx(cost / extra, rel=1e-9) if extra > 0 else \
        np.isnan(table.loc["same", name])
    assert table.loc["other", [n for n, _, _ in EXCHANGE_RATIOS]].isna().all()
    lines = {line.split("|")[1].strip(): line for line in exchanges_markdown(result.table, "USD").splitlines()[2:]}
    assert lines[other.name].count("n/a (the design's incentives are not the baseline's") == 3 + len(EXCHANGE_RATIOS)
    assert "not the baseline's" not in lines[same.name]
    alone = compare(result.runs, "per_ha").set_index("scenario")  # no scenarios: only the money is known
    assert list(alone.same_incentives_as_baseline) == [True, False, False]
