"""What compare's headline says beside a cost per t measured at the last year (referee 35 M1, m3, m4).

Synthetic yearly tables with known paths: the peak and the yearly change of additional t over the last years, the
buffer pool against the credits at risk, the area shares and the credits-per-additional-t cell's reasons.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from analysis.compare import (
    COST_AT_LAST_YEAR,
    TREND_YEARS,
    _credits_cell,
    _exposure_cell,
    _trend_cell,
    additional_over_time,
    buffer_shortfall_runs,
    compare_scenarios,
)
from experiments.executors import LocalExecutor
from experiments.runs import load_labelled

YEARS = np.arange(2025, 2051)
#: Peak and yearly decline of the falling design's additional t: 1,000 t a year added up to 2040, then 2 % lost a year.
PEAK_YEAR, DECLINE = 2040, 0.02


def _falling(year: int) -> float:
    return 1000.0 * (min(year, PEAK_YEAR) - 2025) * (1 - DECLINE) ** max(year - PEAK_YEAR, 0)


def _yearly(paths: dict[str, callable], seeds=(0, 1)) -> pd.DataFrame:
    """Region 'all' and one region's rows for every scenario and seed; seed s scales the path by (0.8 + 0.4 s), so
    the mean over the two seeds is the path itself; the initial row is NaN, as a flow's is."""
    rows = []
    for scenario, path in paths.items():
        for seed in seeds:
            for year in YEARS:
                value = np.nan if year == YEARS[0] else path(year) * (0.8 + 0.4 * seed)
                for region, share in (("all", 1.0), ("somewhere", 0.5)):
                    rows.append({"scenario": scenario, "seed": seed, "year": year, "region": region,
                                 "additional_cum_t_co2e": value * share})
    return pd.DataFrame(rows)


def test_the_peak_and_the_yearly_change_of_additional_t_are_read_from_the_mean_path():
    """A path that peaks in 2040 and then loses 2 % a year: peak 2040 (15,000 t), -2.000 %/yr over 2045-2050, read
    "falling 2.0 %/yr"; one growing 1 % a year: still rising, +1.000 %/yr; one with nothing additional: n/a."""
    paths = {"falling": _falling, "rising": lambda year: 100.0 * 1.01 ** (year - 2025), "none": lambda year: 0.0}
    out = additional_over_time(_yearly(paths))
    assert out.loc["falling", "additional_t_peak_year"] == PEAK_YEAR
    assert out.loc["falling", "additional_t_peak"] == pytest.approx(15000.0)
    assert out.loc["falling", "additional_t_trend_from"] == 2050 - TREND_YEARS
    assert out.loc["falling", "additional_t_trend_pct_per_yr"] == pytest.approx(-100 * DECLINE, rel=1e-12)
    assert out.loc["rising", "additional_t_peak_year"] == 2050
    assert out.loc["rising", "additional_t_trend_pct_per_yr"] == pytest.approx(1.0, rel=1e-12)
    assert np.isnan(out.loc["none", ["additional_t_peak_year", "additional_t_trend_pct_per_yr"]].astype(float)).all()
    cells = {name: _trend_cell(out.loc[name]) for name in paths}
    # referee 47 minor 7: beside the peak year, the peak's and the end's tonnes (15,000 x 0.98^10 = 12,256.1)
    assert out.loc["falling", "additional_t_end"] == pytest.approx(15000.0 * (1 - DECLINE) ** 10, rel=1e-12)
    assert cells == {"falling": "peaked in 2040 at 15,000 t (12,256 t at the end); falling 2.0 %/yr over 2045-2050",
                     "rising": "still rising at the end: +1.0 %/yr over 2045-2050", "none": "n/a (no additional t)"}


def test_a_path_that_reaches_zero_has_a_peak_but_no_yearly_change():
    """Additional t gone by the last year: the peak stands, with its tonnes and the end's (referee 48 m2: they were
    left out, where the tonnes reversed the most: 1,000 x 22 = 22,000 t in 2026, 0 in 2050), and the relative change
    is undefined and says why."""
    gone = additional_over_time(_yearly({"gone": lambda year: max(0.0, 1000.0 * (2048 - year))})).loc["gone"]
    assert gone.additional_t_peak_year == 2026 and np.isnan(gone.additional_t_trend_pct_per_yr)
    assert _trend_cell(gone) == ("peaked in 2026 at 22,000 t (0 t at the end); no change measured over 2045-2050 "
                                 "(not > 0 at both ends)")


def test_no_trend_is_read_from_additional_t_whose_interval_reaches_zero():
    """Referee 36 r2: "+18.5 %/yr" was read from additional t whose 95 % interval included 0; such a row names its peak
    and the interval's lower end, and reads no trend. The same row with an interval above 0 reads its trend. Both
    give the peak's and the end's tonnes (referee 48 m2: the first did not, where tonnes may have reversed the most)."""
    row = additional_over_time(_yearly({"falling": _falling})).loc["falling"]
    uncertain, certain = row.copy(), row.copy()
    uncertain["co2e_additional_t_lo"], certain["co2e_additional_t_lo"] = -5000.0, 10.0
    assert _trend_cell(uncertain) == ("peaked in 2040 at 15,000 t (12,256 t at the end); no trend read (the last "
                                      "year's additional t may be 0: interval from -5,000)")
    assert _trend_cell(certain) == "peaked in 2040 at 15,000 t (12,256 t at the end); falling 2.0 %/yr over 2045-2050"


def test_the_trend_cell_gives_both_stock_changes_since_the_peak_where_it_reads_a_trend():
    """Referee 54 m2: the stock changes since the peak (with the design, without it) were in the CSV only. A design
    stock of 40,000 t at the 2040 peak and 45,000 t in 2050 (+5,000 t), additional t 15,000 -> 12,256 t (-2,744 t): the
    counterfactual's stock rose 5,000 + 2,744 = +7,744 t. None where no trend is read (a fall within noise)."""
    yearly = _yearly({"falling": _falling})
    yearly["co2e_stored_cum_t"] = [40_000.0 + 500.0 * max(year - PEAK_YEAR, 0) if year >= PEAK_YEAR else 0.0
                                   for year in yearly.year]
    row = additional_over_time(yearly).loc["falling"]
    certain, uncertain = row.copy(), row.copy()
    certain["co2e_additional_t_lo"], uncertain["co2e_additional_t_lo"] = 10.0, -5000.0
    assert _trend_cell(certain) == ("peaked in 2040 at 15,000 t (12,256 t at the end); falling 2.0 %/yr over 2045-2050"
                                    "; stock change since the peak: +5,000 t with the design, +7,744 t without")
    assert "stock change" not in _trend_cell(uncertain)


def test_exposure_above_the_buffer_pool_is_flagged_run_by_run():
    """Runs whose credits at risk at the end exceed the buffer pool left: 2 of 3 here (150,000 against 75,000 t as
    the referee's results-based purchase in 2050); the cell names them and the ratio of the means (2.0); a design
    whose pool covers its exposure reads "no", one without credits "n/a (no credits)"."""
    per_run = pd.DataFrame({"scenario": ["rbp"] * 3 + ["safe"] * 2,
                            "reversal_exposure_t": [150_000.0, 160_000.0, 140_000.0, 10.0, 0.0],
                            "buffer_pool_t": [75_000.0, 80_000.0, 170_000.0, 20.0, 5.0]})
    runs = buffer_shortfall_runs(per_run)
    assert runs.to_dict() == {"rbp": 2, "safe": 0}
    rbp = pd.Series({"co2e_credited_t": 1.0, "runs": 3, "runs_exposure_beyond_buffer": 2,
                     "reversal_exposure_t": 150_000.0, "buffer_pool_t": 75_000.0})
    assert _exposure_cell(rbp) == ("yes, in 2 of 3 runs (mean exposure 2.0 x the mean pool): later reversals may go "
                                   "uncovered")
    assert _exposure_cell(pd.Series({**rbp, "buffer_pool_t": 0.0})) == ("yes, in 2 of 3 runs (no pool left): later "
                                                                       "reversals may go uncovered")
    assert _exposure_cell(pd.Series({**rbp, "runs_exposure_beyond_buffer": 0})) == "no"
    assert _exposure_cell(pd.Series({**rbp, "co2e_credited_t": 0.0})) == "n/a (no credits)"


def test_credits_per_additional_t_says_whether_there_were_no_credits_or_no_additional_t():
    """Referee 35 m4: a bare n/a read the same for the baseline (no credits) and for EUR 4/t (2,012 t credited, none
    additional in 3 of 3 runs)."""
    row = pd.Series({"credits_per_additional_t": np.nan, "co2e_credited_t": 0.0, "co2e_credited_net_t": 0.0,
                     "runs": 3, "runs_without_additional_t": 3})
    assert _credits_cell(row) == "n/a (no credits)"
    issued = pd.Series({**row, "co2e_credited_t": 2012.0, "co2e_credited_net_t": 2012.0})
    assert _credits_cell(issued) == "n/a (credits issued, no additional t on average; 3 of 3 runs added none)"
    cancelled = pd.Series({**issued, "co2e_credited_net_t": 0.0})
    assert _credits_cell(cancelled) == "n/a (every credit issued was cancelled or clawed back)"


@pytest.fixture(scope="module")
def comparison():
    """The baseline and the per-ha payment, 2 paired runs each of 300 farmers over 6 years (to 2031)."""
    scenarios = load_labelled([SCENARIOS / "baseline.toml", SCENARIOS / "per_ha_payment.toml"])
    return compare_scenarios(scenarios, replicates=2, farmers=300, years=6, executor=LocalExecutor(1))


def test_the_headline_gives_adoption_of_farmers_and_of_area_and_the_paired_additional_adopters(comparison):
    """Referee 35 m3: "full CA 2050" was a share of farmers that read as land. The headline now says "of farmers",
    gives the share of farmed area beside it (the mean over runs of the yearly table's full_ca_area_share at the
    last milestone, 2030 here) and the additional no-till adopters as the paired difference at the end (by hand:
    each seed's no-till farmers in the last year minus its baseline run's). Under the table: the cost per t is the
    last year's."""
    text = comparison.markdown()
    header = [cell.strip() for cell in text.splitlines()[0].split("|")[1:-1]]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[1:-1]]
            for line in text.splitlines()[2:] if line.startswith("|")}
    runs = comparison.runs[comparison.runs.region == "all"]
    per_ha = rows[comparison.table.set_index("scenario").loc["per_ha_payment", "name"]]
    area = runs[(runs.year == 2030) & (runs.scenario == "per_ha_payment")].full_ca_area_share
    farmers = runs[(runs.year == 2030) & (runs.scenario == "per_ha_payment")].full_ca_share
    assert per_ha[header.index("full CA 2030, of farmed area")].startswith(f"{area.mean():.1%}")
    assert per_ha[header.index("full CA 2030, of farmers")].startswith(f"{farmers.mean():.1%}")
    last = runs[runs.year == runs.year.max()].set_index(["scenario", "seed"])
    adopters = (last.no_till_share * last.farmers).unstack("scenario")
    added = (adopters.per_ha_payment - adopters.baseline).mean()
    assert added > 0
    assert per_ha[header.index("additional no-till adopters at the end vs baseline (farmers, paired)")].startswith(
        f"{added:+,.0f}")
    assert text.endswith(COST_AT_LAST_YEAR) and "--years" in COST_AT_LAST_YEAR
    # referee 47 minor 7: the note says what discounting does to tonnes later lost
    assert "tonnes gained and later lost count at their discounted value" in COST_AT_LAST_YEAR
    assert per_ha[header.index("additional t over time (mean over runs)")].startswith(("peaked in", "still rising"))
