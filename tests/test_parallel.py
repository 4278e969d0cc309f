"""Parallel work that never depends on the thread count (sim.parallel): percentiles equal NumPy's bit for bit,
per-farm draws in blocks of their own generators."""

import numpy as np
import pytest

from sim import parallel


def segments(n: int, count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``count`` contiguous segments covering n rows, at random places."""
    starts = np.sort(rng.choice(np.arange(1, n), size=min(count, n) - 1, replace=False)) if n > 1 else np.empty(0, int)
    starts = np.concatenate([[0], starts]).astype(np.int64)
    return starts, np.append(starts[1:], n)


def values(n: int, kind: str, rng: np.random.Generator) -> np.ndarray:
    """Heavy-tailed values of both signs, rounded ones (ties), or zeros (including -0.0)."""
    x = rng.standard_normal(n) * np.exp(3 * rng.standard_normal(n))
    return {"spread": x, "ties": np.round(x), "zeros": np.where(rng.random(n) < 0.5, 0.0, -0.0)}[kind]


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1_000, parallel.SELECT_SERIAL + 5_000])
@pytest.mark.parametrize("kind", ["spread", "ties", "zeros"])
def test_segment_percentiles_are_numpys_bit_for_bit(n, kind):
    """Exact order statistics (a partition, or radix selection above SELECT_SERIAL values), then NumPy's own
    interpolation: equal to np.percentile; the whole array as one more segment overlapping the others."""
    rng = np.random.default_rng(n + 1)
    x = values(n, kind, rng)
    x[: n // 3] += 1e12 if kind == "spread" else 0.0  # a far outlier group: most values share few digits
    starts, ends = segments(n, 3, rng)
    starts, ends = np.append(starts, 0), np.append(ends, n)
    expected = np.array([np.percentile(x[s:e], (10, 50, 90)) for s, e in zip(starts, ends, strict=True)]).T
    assert np.array_equal(parallel.segment_percentiles(x, starts, ends, (10, 50, 90)), expected)


#: NaNs of either sign, with their payload high (NumPy's) or low in the mantissa (referee 21: a NaN check reading half
#: the infinities' digits missed 0x7FF0000000000001, 0xFFF0000000000001 and 0x7FF4000000000000, and gave numbers).
NANS = [np.nan, -np.nan, *np.array([0x7FF0000000000001, 0xFFF0000000000001, 0x7FF4000000000000],
                                   np.uint64).view(np.float64)]


@pytest.mark.parametrize("serial", [parallel.SELECT_SERIAL, 2])
@pytest.mark.parametrize("nan", NANS)
def test_segment_percentiles_of_a_segment_with_nan_are_nan_as_numpys(serial, nan, monkeypatch):
    """By partition, and by radix selection (every segment above 2 values), a NaN of either sign bit and any payload
    (its digits are among the infinities' at either end of the sort keys)."""
    monkeypatch.setattr(parallel, "SELECT_SERIAL", serial)
    x = np.arange(10.0)
    x[3] = nan
    got = parallel.segment_percentiles(x, np.array([0, 5]), np.array([5, 10]), (10, 50))
    assert np.isnan(got[:, 0]).all() and np.array_equal(got[:, 1], np.percentile(x[5:], (10, 50)))


@pytest.fixture
def restore_threads():
    """Leave the thread count as the test found it."""
    threads = parallel.threads()
    yield
    parallel.set_threads(threads)


@pytest.mark.parametrize("kind", ["spread", "ties", "zeros"])
def test_large_segments_searched_side_by_side_find_numpys_percentiles(kind, monkeypatch, restore_threads):
    """Several segments above SELECT_SERIAL are searched at once on the thread pool, each by serial passes
    (``order_statistics``): the same order statistics, so np.percentile's values bit for bit."""
    monkeypatch.setattr(parallel, "SELECT_SERIAL", 300)
    parallel.set_threads(2)
    rng = np.random.default_rng(11)
    n = 20_000
    x = values(n, kind, rng)
    x[: n // 4] += 1e12 if kind == "spread" else 0.0
    starts, ends = segments(n, 4, rng)
    starts, ends = np.append(starts, 0), np.append(ends, n)
    expected = np.array([np.percentile(x[s:e], (10, 50, 90)) for s, e in zip(starts, ends, strict=True)]).T
    assert np.array_equal(parallel.segment_percentiles(x, starts, ends, (10, 50, 90)), expected)
    ranks = np.array([0, 7, n // 2, n - 1])
    assert np.array_equal(parallel.order_statistics(x, ranks), np.sort(x)[ranks])


@pytest.mark.parametrize("case", ["crowded", "signed zeros", "infinite", "equal"])
def test_radix_selection_finds_every_order_statistic(case, monkeypatch):
    """Radix selection against a full sort, every rank at once, where its digits are hard: values that share their
    first 16 and 32 key bits (searched to the last digit), -0.0 beside +0.0 (the key orders them; as floats they
    are equal, so either is the order statistic: compared with ==), infinities of both signs, one value repeated."""
    monkeypatch.setattr(parallel, "SELECT_SERIAL", 50)
    rng = np.random.default_rng(3)
    n = 3_000
    x = {"crowded": 1000.0 + rng.integers(0, 2**12, n) * np.spacing(1000.0),
         "signed zeros": np.where(rng.random(n) < 0.5, 0.0, -0.0) * rng.integers(0, 3, n),
         "infinite": np.where(rng.random(n) < 0.2, np.where(rng.random(n) < 0.5, np.inf, -np.inf), rng.standard_normal(n)),
         "equal": np.full(n, -2.5)}[case]
    ranks = np.arange(n)
    assert np.array_equal(parallel.order_statistics(x, ranks), np.sort(x))


def test_block_streams_draw_a_small_population_as_the_stream_itself_and_blocks_from_spawned_generators(
        monkeypatch, restore_threads):
    small = parallel.FarmStreams.of(np.random.default_rng(5), 1_000, 1)
    assert np.array_equal(small.standard_normal(np.float32), np.random.default_rng(5).standard_normal(1_000, np.float32))
    monkeypatch.setattr(parallel, "BLOCK_FARMS", 300)
    draws = {}
    for threads in (1, 2):
        parallel.set_threads(threads)
        draws[threads] = parallel.FarmStreams.of(np.random.default_rng(5), 1_000, 1).random()
    assert np.array_equal(draws[1], draws[2])
    children = np.random.default_rng(5).spawn(3)
    assert np.array_equal(draws[1][:300], np.random.default_rng(5).random(300))
    assert np.array_equal(draws[1][900:], children[2].random(100))


def test_stacked_runs_draw_what_each_run_draws_alone(monkeypatch):
    """Two runs stacked (of 700 and 500 farmers, blocks of 300 rows from each run's start): each run's rows and
    regions hold what its streams give alone, per region before per farm as the call order says."""
    monkeypatch.setattr(parallel, "BLOCK_FARMS", 300)
    alone = [parallel.FarmStreams.of(np.random.default_rng(seed), n, 2) for seed, n in ((1, 700), (2, 500))]
    expected = [(s.per_region(lambda g, m: g.standard_normal(m)), s.random(per_row=4)) for s in alone]
    both = parallel.FarmStreams([np.random.default_rng(1), np.random.default_rng(2)], np.array([0, 700, 1200]),
                                np.array([0, 2, 4]))
    regional, per_farm = both.per_region(lambda g, m: g.standard_normal(m)), both.random(per_row=4)
    assert np.array_equal(regional, np.concatenate([e[0] for e in expected]))
    assert np.array_equal(per_farm, np.concatenate([e[1] for e in expected]))


def test_streams_that_keep_their_outputs_draw_the_same_numbers_year_after_year_into_one_array(monkeypatch):
    """A big model's streams fill the same arrays every year (``keep_outputs``): the draws equal a fresh stream's,
    call after call and kind after kind (float32 normals, (n, P) uniforms), in blocks of their own generators."""
    monkeypatch.setattr(parallel, "BLOCK_FARMS", 300)
    fresh, kept = (parallel.FarmStreams.of(np.random.default_rng(9), 1_000, 1) for _ in range(2))
    kept.keep_outputs()
    first = kept.random(per_row=4)
    assert np.array_equal(first, fresh.random(per_row=4))
    for _ in range(2):
        expected = fresh.random(per_row=4), fresh.standard_normal(np.float32)
        got = kept.random(per_row=4), kept.standard_normal(np.float32)
        assert np.array_equal(got[0], expected[0]) and np.array_equal(got[1], expected[1])
        assert got[0] is first  # the same array, filled again


def test_radix_passes_cover_the_sort_key_exactly():
    """Radix selection reads ``RADIX_BITS`` of the key a pass, from the top: a width that does not divide the key's
    bits would end on a negative shift (referee 21: 12 bits passed every test by the luck of x86's shift modulo 64)."""
    assert parallel.KEY_BITS % parallel.RADIX_BITS == 0
