"""Referee 52: why additional t fall (M1, m3) and a guarantor whose runs pay and receive (M2), in the report and compare.

Synthetic paths, the referee's collar runs' money and one stored ceiling run (tests/data): no model runs.
"""

from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import TEST_DATA

from analysis.compare import _guarantor_receipts_cell, additional_over_time, indicators
from facilitation.i18n import LANGUAGES, language
from facilitation.summary import Spread, _carbon_windfall_sentences, _peak_sentence, findings, sentences, spread

YEARS = range(2025, 2051)


def _trend(additional: dict[int, float], stock: dict[int, float] | None = None, lo: float = 1.0) -> pd.Series:
    """``additional_over_time``'s row of one mean path, with the end's interval bottom ``lo`` as the report adds it."""
    table = pd.DataFrame({"scenario": "s", "region": "all", "year": list(additional),
                          "additional_cum_t_co2e": list(additional.values())})
    if stock is not None:
        table["co2e_stored_cum_t"] = [stock[y] for y in additional]
    return pd.concat([additional_over_time(table).loc["s"], pd.Series({"co2e_additional_t_lo": lo})])


def _said(trend: pd.Series, code: str = "en") -> list[str]:
    return _peak_sentence(SimpleNamespace(additional_trend=trend, last_year=2050), language(code))


#: carbon_price_35, the referee's means (3 runs x 1,500 farmers): additional t 5,645 in 2045, 5,030 in 2050, while the
#: incentivised stock rose from 14,551 to 26,058 t: the counterfactual (stock - additional) rose from 8,905 to 21,029.
ADDITIONAL = {**{y: 5_645.0 * (y - 2024) / 21 for y in range(2025, 2045)}, 2045: 5_645.0, 2046: 5_500.0,
              2047: 5_400.0, 2048: 5_250.0, 2049: 5_100.0, 2050: 5_030.0}
STOCK = {**{y: 14_551.0 * (y - 2024) / 21 for y in range(2025, 2045)}, 2045: 14_551.0, 2046: 17_000.0,
         2047: 19_000.0, 2048: 21_500.0, 2049: 24_000.0, 2050: 26_058.0}


def test_a_fall_from_the_counterfactual_catching_up_is_said_so_not_as_farms_leaving_the_practices():
    """M1: the fall (615 t) is the counterfactual's gain (12,122 t) beyond the incentivised stock's (11,507 t)."""
    trend = _trend(ADDITIONAL, STOCK)
    assert trend.treated_t_change_since_peak == pytest.approx(26_058 - 14_551)
    assert trend.counterfactual_t_change_since_peak == pytest.approx((26_058 - 5_030) - (14_551 - 5_645))
    said = _said(trend)
    assert said[0] == ("These additional tonnes (mean over the runs) peaked in 2045 at 5,645 t CO2e and fall by 2.3% "
                       "a year over 2045–2050 to 5,030 t CO2e.")  # (5,030 / 5,645) ** (1 / 5) - 1 = -2.3 %
    assert "Here the incentivised farms' soils still gain 11,507 t CO2e from 2045 to 2050 and the same farms without " \
           "the incentives gain 12,122 t CO2e: they catch up" in said[1]
    assert not any("leave the practices" in s or "not lasting" in s for s in said)
    for code in LANGUAGES:
        assert len(_said(trend, code)) == 2


def test_a_fall_from_the_incentivised_soils_losing_carbon_says_the_tonnes_do_not_last():
    """M1: the incentivised stock falls by 2,000 t while the counterfactual's rises by 100 t."""
    stock = {**STOCK, 2050: 14_551.0 - 2_000.0}
    additional = {**ADDITIONAL, 2050: 5_645.0 - 2_100.0}
    said = _said(_trend(additional, stock))
    assert "the incentivised farms' soils lose 2,000 t CO2e from 2045 to 2050 (the same farms without the incentives: " \
           "+100 t CO2e), so the tonnes of 2050 are not lasting storage" in said[1]


def test_no_rate_and_no_cause_where_compare_reads_no_trend():
    """M1: compare withholds the trend where the end's interval reaches 0 (referee: "interval from -13,283"). Referee
    54 m1: nor is the fall explained ("they catch up"), the runs peaking in 2050, 2045 and 2042 and ending at
    +11,870, +5,997 and -2,778 t: a fall within noise, in every language."""
    trend = _trend(ADDITIONAL, STOCK, lo=-13_283.0)
    assert _said(trend) == ["These additional tonnes (mean over the runs) peaked in 2045 at 5,645 t CO2e, above the "
                            "5,030 t CO2e of 2050."]
    for code in LANGUAGES:
        assert len(_said(trend, code)) == 1


def test_flat_tiny_and_negative_ends_of_a_peak():
    """m3: a flat path after its peak says nothing; a fall of 0.4 t in 5,000 has no "0.0 %" rate; an end below 0
    says the incentives end with less carbon than without them; an end at 0 that the tonnes are gone."""
    rise = {y: 5_000.0 * (y - 2024) / 16 for y in range(2025, 2040)}
    assert _said(_trend({**rise, **{y: 5_000.0 for y in range(2040, 2051)}})) == []
    tiny = _said(_trend({**rise, **{y: 5_000.4 for y in range(2040, 2050)}, 2050: 5_000.0}))
    assert tiny == []  # 5,000 and 5,000: the same at the shown precision
    small = _said(_trend({**rise, **{y: 5_002.0 for y in range(2040, 2050)}, 2050: 5_000.0}))
    assert small == ["These additional tonnes (mean over the runs) peaked in 2040 at 5,002 t CO2e, above the 5,000 t "
                     "CO2e of 2050."]  # -0.008 %/yr reads 0.0 %: no rate
    down = {**{y: 3_000.0 * (y - 2024) / 11 for y in range(2025, 2036)}, **{y: 3_000.0 - 400.0 * (y - 2035)
                                                                             for y in range(2036, 2051)}}
    assert _said(_trend(down)) == ["These additional tonnes (mean over the runs) peaked in 2035 at 3,000 t CO2e; by "
                                   "2050 the same farms' soils hold 3,000 t CO2e less with the incentives than without "
                                   "them."]
    assert _said(_trend({**down, 2050: 0.0})) == [
        "These additional tonnes (mean over the runs) peaked in 2035 at 3,000 t CO2e and are gone by 2050."]


#: The referee's collar2 (floor 25, ceiling 33; seeds 42-44): buyers' money and the public's net carbon money, paid +
#: owed, per run (> 0: pays).
COLLAR_BUYERS = (1_646_148.0, 949_565.0, 725_837.0)
COLLAR_PUBLIC = (-166_003.0, 385_951.0, 35_770.0)


def test_a_collar_that_pays_on_average_is_said_a_payer_with_the_runs_of_each_sign():
    """M2: the report read "the public receives 55,334 USD" (the mean of max(-P, 0)) and gave the buyers' money with
    the paying runs' top-ups; on average the public pays (1 / 3) x (385,951 + 35,770 - 166,003) = 85,239, and buyers
    + that is 1,107,183 + 85,239 = 1,192,423 (the money reaching the project)."""
    project = [b + p for b, p in zip(COLLAR_BUYERS, COLLAR_PUBLIC, strict=True)]
    payers = [b + max(p, 0.0) for b, p in zip(COLLAR_BUYERS, COLLAR_PUBLIC, strict=True)]
    receipts = [max(-p, 0.0) for p in COLLAR_PUBLIC]
    found = SimpleNamespace(
        currency="USD", runs=3, carbon_money=spread(payers), public_receipts=spread(receipts),
        public_carbon=spread(COLLAR_PUBLIC), public_signs=(1, 2), standing=Spread(1e4, 1e4, 1e4, 3, 3),
        carbon_windfall=spread([0.9 * m for m in project]), project_money=sum(project) / 3,
        carbon_windfall_share=0.9)
    said = " ".join(_carbon_windfall_sentences(found, language("en")))
    assert "paid or owe 1,192,423\u00a0USD for them" in said
    assert "the public receives money in 1 of the 3 runs and pays in 2; on average it pays 85,239\u00a0USD" in said
    assert "the public receives 55,334" not in said
    for code in set(LANGUAGES) - {"en"}:  # translated: no English sentence left
        assert "on average it pays" not in " ".join(_carbon_windfall_sentences(found, language(code)))
    row = pd.Series({"public_carbon_net_receipts": -sum(COLLAR_PUBLIC) / 3, "public_receiving_runs": 1 / 3,
                     "public_paying_runs": 2 / 3, "runs": 3})
    assert _guarantor_receipts_cell(row) == "none on average: pays 85,239 net (receives in 1 and pays in 2 of 3 runs)"
    receiving = pd.Series({**row, "public_carbon_net_receipts": 500.0, "public_carbon_net_receipts_lo": -100.0,
                           "public_carbon_net_receipts_hi": 1_100.0})
    assert _guarantor_receipts_cell(receiving).endswith("; receives in 1 and pays in 2 of 3 runs")


def test_under_a_ceiling_with_claw_backs_the_report_gives_compares_receipts_and_what_the_public_paid():
    """Referee 54 (after its M1): under a public ceiling (35 price, 20 ceiling) with claw-backs, compare reads the
    public's carbon money year by year: 739,771 USD received, 21,381 paid back as its part of the refunds. The report
    said "the public receives 718,390" (the net) beside compare's 739,771. It now gives compare's receipts, what the
    public paid and the net, from ``public_carbon_flows`` alone, and the money closes: buyers' 1,676,243 - 739,771 +
    21,381 = 957,853 left for the project, in every language. Referee 52's run (1,500 farmers, 2025-2050, seed 42,
    yearly rows of all farms: tests/data)."""
    runs = pd.read_parquet(TEST_DATA / "ceiling_clawback_1500x26_seed42.parquet")
    found = findings(runs, "USD")
    row = indicators(runs.assign(scenario="ceiling_claw")).iloc[0]
    assert found.public_receipts.mean == pytest.approx(row.public_carbon_receipts, rel=1e-12)
    assert (round(found.public_receipts.mean), round(found.public_paid.mean)) == (739_771, 21_381)
    assert found.project_money == pytest.approx(found.public_carbon.mean + found.carbon_money.mean
                                                - found.public_paid.mean, rel=1e-12)  # paid - received is the net
    said = " ".join(sentences(found, language("en")))
    assert "paid or owe 1,676,243\u00a0USD for them. As price guarantor, the public receives 739,771\u00a0USD of it" \
        in said
    assert "It also pays 21,381\u00a0USD (claw-back refunds or floor top-ups), so it receives 718,390\u00a0USD net" in said
    assert "Of the 957,853\u00a0USD left for the project" in said
    assert 1_676_243 - 739_771 + 21_381 == 957_853
    words = {"fr": "les pouvoirs publics en reçoivent 739\u202f771", "es": "el sector público recibe 739.771",
             "pt": "o setor público recebe 739.771"}
    for code in set(LANGUAGES) - {"en"}:
        translated = " ".join(sentences(found, language(code)))
        assert words[code] in translated and "It also pays" not in translated
