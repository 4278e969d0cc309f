"""Fieller's interval of a cost per tonne (``analysis.compare.fieller_interval``): its definition, its special case
and its coverage, against the former interval that divided the mean money by the tonnes' bounds alone."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.replicates import INTERVAL, fieller_interval, half_width, mean_covariance


def t_statistic(numerator: np.ndarray, denominator: np.ndarray, ratio: float) -> float:
    """The one-sample t statistic of the paired differences numerator - ratio x denominator."""
    differences = numerator - ratio * denominator
    return differences.mean() / (differences.std(ddof=1) / np.sqrt(differences.size))


def test_each_bound_is_where_the_paired_t_test_just_rejects():
    """Fieller's bounds are the ratios R at which the t statistic of (money - R x tonnes) is exactly the t quantile:
    the definition of the interval, checked on five runs whose money and tonnes are negatively correlated."""
    money = np.array([320.0, 410.0, 290.0, 380.0, 355.0])
    tonnes = np.array([1.10, 0.80, 1.30, 0.95, 1.00])
    low, high, below = fieller_interval(money, tonnes)
    assert np.isnan(below)  # one interval
    quantile = stats.t.ppf(0.5 + INTERVAL / 2, money.size - 1)
    assert low < money.mean() / tonnes.mean() < high
    assert t_statistic(money, tonnes, low) == pytest.approx(quantile, rel=1e-10)
    assert t_statistic(money, tonnes, high) == pytest.approx(-quantile, rel=1e-10)


def test_with_money_that_does_not_vary_it_divides_by_the_tonnes_bounds():
    """A fixed cost over varying tonnes: the interval is the cost over the bounds of the tonnes' t interval (the
    former rule, exact in this case); unbounded above when that interval reaches 0."""
    tonnes = np.array([9.0, 10.0, 11.0])
    half = stats.t.ppf(0.5 + INTERVAL / 2, 2) * tonnes.std(ddof=1) / np.sqrt(3)
    low, high, _ = fieller_interval(np.full(3, 1000.0), tonnes)
    assert (low, high) == pytest.approx((1000 / (10 + half), 1000 / (10 - half)), rel=1e-12)
    wide = stats.t.ppf(0.5 + INTERVAL / 2, 2) * 15 / np.sqrt(3)  # the tonnes' half width: 10 - wide < 0
    low, high, below = fieller_interval(np.full(3, 1000.0), np.array([-5.0, 10.0, 25.0]))
    assert low == pytest.approx(1000 / (10 + wide), rel=1e-12)
    assert np.isinf(high)
    assert below == pytest.approx(1000 / (10 - wide), rel=1e-12)  # the other piece: the tonnes may be negative


def test_tonnes_indistinguishable_from_zero_leave_the_ratio_unbounded_and_one_run_has_no_interval():
    """Tonnes whose interval reaches 0 and money that does not clearly differ from 0: every ratio is in the set."""
    low, high, below = fieller_interval(np.array([-50.0, 10.0, 60.0]), np.array([-1.0, 0.5, 1.0]))
    assert (low, high) == (-np.inf, np.inf) and np.isnan(below)
    assert np.isnan(fieller_interval(np.array([5.0]), np.array([1.0]))).all()
    assert np.isnan(fieller_interval(np.array([5.0, np.nan]), np.array([1.0, 2.0]))).all()


@pytest.mark.parametrize(("money", "tonnes", "words"), [
    ([103.0, 127.0, 159.0], [0.8, 1.8, 2.5], ">= 51, or the design may lose carbon"),
    ([473.0, 9.0, 90.0], [3.5, -0.3, 0.5], "<= 115, or >= 128"),
    ([28.0, 4.0, 51.0], [0.6, 0.8, 0.2], "unbounded")])
def test_an_unbounded_set_keeps_both_pieces_and_reads_as_they_are(money, tonnes, words):
    """Referee 28 m1: where the tonnes' interval reaches 0 the set is (-inf, r1] and [r2, inf), and compare showed
    "(r2 to unbounded)", dropping the lower piece, and "(-50 to unbounded)" where r2 < 0. Both roots are where the
    paired t statistic is +-t(0.975, 2), and the cell reads the set as it is: money clearly above 0 and r1 < 0 (the
    tonnes may be negative: the design may lose carbon); money not clearly above 0 and both roots positive (a gap
    between them); r2 <= 0 (every positive cost is in the set: unbounded)."""
    from analysis.compare import MAY_LOSE_CARBON, _cell

    money, tonnes = np.array(money), np.array(tonnes)
    low, high, below = fieller_interval(money, tonnes)
    quantile = stats.t.ppf(0.5 + INTERVAL / 2, 2)
    assert np.isinf(high) and below < low
    for root in (low, below):
        assert abs(t_statistic(money, tonnes, root)) == pytest.approx(quantile, rel=1e-9)
    row = pd.Series({"cost": money.mean() / tonnes.mean(), "cost_lo": low, "cost_hi": high, "cost_below": below})
    assert _cell(row, "cost", ",.0f", MAY_LOSE_CARBON) == f"{row.cost:,.0f} ({words})"


@pytest.mark.parametrize("runs", [3, 10])
def test_coverage_is_95_percent_where_the_former_interval_missed(runs):
    """4,000 replicated comparisons of paired runs drawn from a bivariate normal law whose money and tonnes correlate
    at -0.87 (referee 24's per-ha payment, 3 and 10 seeds) with the spreads of that design (money CV 0.1, tonnes CV
    0.25): Fieller's interval holds the true ratio of means in 95 % of them (its pivot is exactly t-distributed;
    binomial sd 0.34 %, so +-1.5 % is more than 4 sd), the former interval (mean money over the tonnes' bounds) in
    91 % (3 runs) and 88 % (10 runs): it ignored the money's spread and its correlation with the tonnes."""
    generator = np.random.default_rng(2026)
    mean = np.array([300.0, 1.0])  # money (USD), tonnes (t): true ratio 300
    sd = np.array([30.0, 0.25])
    correlation = -0.87
    covariance = np.outer(sd, sd) * np.array([[1, correlation], [correlation, 1]])
    quantile = stats.t.ppf(0.5 + INTERVAL / 2, runs - 1)
    fieller = former = 0
    repetitions = 4000
    for _ in range(repetitions):
        money, tonnes = generator.multivariate_normal(mean, covariance, size=runs).T
        fieller += fieller_interval(money, tonnes).holds(mean[0] / mean[1])
        half = quantile * tonnes.std(ddof=1) / np.sqrt(runs)
        top = tonnes.mean() + half
        bottom = tonnes.mean() - half
        former_high = money.mean() / bottom if bottom > 0 else np.inf
        former += money.mean() / top <= mean[0] / mean[1] <= former_high
    assert abs(fieller / repetitions - INTERVAL) < 0.015
    assert abs(former / repetitions - INTERVAL) > 0.025


def test_draws_sharing_seeds_are_a_crossed_design_with_a_known_variance():
    """Four posterior draws x the same three seeds, each run = draw effect a_d + seed effect b_s (a = 0..3,
    b = 0, 10, 20): mean squares 3 x 5 / 3 = 5 (draws) and 4 x 200 / 2 = 400 (seeds), so the mean's variance is
    (5 + 400) / 12 = 33.75, with Satterthwaite's 405^2 / (5^2 / 3 + 400^2 / 2) = 2.05 degrees of freedom; taken as 12
    independent runs it would be 66.1 / 12 = 5.5 (referee 28: draws share seeds, so runs of a seed move together)."""
    draw, seed = np.repeat(np.arange(4), 3), np.tile([42, 43, 44], 4)
    values = (draw + 10.0 * (seed - 42))[:, None]
    covariance = mean_covariance(values, draw, seed)
    variance, df = covariance.variance_and_df(np.ones(1))
    assert variance == pytest.approx(405 / 12, rel=1e-12)
    assert df == pytest.approx(405**2 / (5**2 / 3 + 400**2 / 2), rel=1e-12)
    assert mean_covariance(values).matrix[0, 0] == pytest.approx(values.var(ddof=1) / 12, rel=1e-12)
    shuffled = np.random.default_rng(0).permutation(12)  # the runs' order does not matter
    assert mean_covariance(values[shuffled], draw[shuffled], seed[shuffled]).matrix == pytest.approx(
        covariance.matrix, rel=1e-12)
    assert len(mean_covariance(values[:-1], draw[:-1], seed[:-1]).parts) == 1  # a missing run: independent runs


@pytest.mark.parametrize(("seed_sd", "least", "former"), [(2.0, 0.91, 0.31), (0.2, 0.94, 0.72)])
def test_crossed_intervals_cover_where_intervals_over_independent_runs_did_not(seed_sd, least, former):
    """2,000 comparisons of 20 draws x 3 shared seeds, run = mu + draw effect (sd 1) + seed effect (sd 2, or 0.2) +
    noise (sd 0.5). The crossed interval of the mean covers mu in 92.4 % of them when seeds carry most of the
    variance (Satterthwaite's degrees of freedom, estimated from 3 seeds, are a little optimistic) and 95.5 % when
    draws do; the interval over 60 'independent' runs in 31 % and 72 % (``former``); the crossed Fieller interval of
    a ratio of two such means covers the true ratio about as often as the mean's (92.7 %, 95.7 %). Binomial sd 0.5 %."""
    generator = np.random.default_rng(28)
    draws, seeds, repetitions = 20, 3, 2000
    draw, seed = np.repeat(np.arange(draws), seeds), np.tile(np.arange(seeds), draws)
    crossed = naive = ratio = 0
    for _ in range(repetitions):
        def run_values(mu):
            return (mu + generator.normal(0, 1, draws)[draw] + generator.normal(0, seed_sd, seeds)[seed]
                    + generator.normal(0, 0.5, draws * seeds))
        tonnes, money = run_values(10.0), run_values(30.0)
        crossed += abs(tonnes.mean() - 10.0) <= half_width(mean_covariance(tonnes[:, None], draw, seed), 0)
        naive += abs(tonnes.mean() - 10.0) <= half_width(mean_covariance(tonnes[:, None]), 0)
        ratio += fieller_interval(money, tonnes, draw, seed).holds(3.0)
    assert crossed / repetitions >= least and ratio / repetitions >= least
    assert naive / repetitions == pytest.approx(former, abs=0.02)


def test_compare_summarises_posterior_draws_as_a_crossed_design():
    """compare's table: a scenario of 4 draws x 3 seeds gets the crossed interval of the known example above (mean
    +- t(2.05) x sqrt(33.75)); a scenario of seeds alone keeps the t interval over its runs."""
    from analysis.compare import summarise

    draw, seed = np.repeat(np.arange(4.0), 3), np.tile([42, 43, 44], 4)
    crossed = pd.DataFrame({"scenario": "drawn", "draw": draw, "seed": seed, "mrv_cost": draw + 10.0 * (seed - 42)})
    plain = pd.DataFrame({"scenario": "seeds", "draw": np.nan, "seed": [42, 43, 44], "mrv_cost": [1.0, 2.0, 6.0]})
    table = summarise(pd.concat([crossed, plain], ignore_index=True), ["scenario"]).set_index("scenario")
    half = stats.t.ppf(0.975, 405**2 / (5**2 / 3 + 400**2 / 2)) * np.sqrt(405 / 12)
    assert table.loc["drawn", "mrv_cost_hi"] - table.loc["drawn", "mrv_cost"] == pytest.approx(half, rel=1e-12)
    assert table.loc["seeds", "mrv_cost_hi"] - 3.0 == pytest.approx(
        stats.t.ppf(0.975, 2) * np.std([1.0, 2.0, 6.0], ddof=1) / np.sqrt(3), rel=1e-12)
