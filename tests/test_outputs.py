"""The yearly table is what ``sim.outputs.COLUMNS`` declares: names, order, units; adding a column is one line."""

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from sim import outputs
from sim.outputs import COLUMNS, Column, per_farmer


@pytest.fixture(scope="module")
def table():
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "hybrid_payment.toml"), seed=3, n_farmers=600)
    model.run_for(6)
    return model.results()


def test_written_table_has_exactly_the_declared_columns_in_order(table):
    assert list(table.columns) == list(COLUMNS)
    assert len(set(COLUMNS)) == len(COLUMNS) == len(outputs._DECLARED)


def test_every_column_has_a_unit_and_a_meaning(table):
    for name, column in COLUMNS.items():
        assert column.name == name and column.unit.strip() and column.meaning.strip(), name
        if column.dtype == "str":
            assert pd.api.types.is_string_dtype(table[name]), name
        else:
            assert str(table[name].dtype) == column.dtype, name


def test_flows_are_missing_only_in_the_initial_row(table):
    first, later = table[table.year == table.year.min()], table[table.year > table.year.min()]
    for name, column in COLUMNS.items():
        if column.dtype != "float64":
            continue
        if column.flow:
            assert first[name].isna().all(), name
        elif column.undefined_when is None:
            assert first[name].notna().all(), name
        if column.undefined_when is None and name not in ("soc_relative_change", "four_per_1000_index"):
            assert later[name].notna().all(), name
    # the baseline has no exchange participants: their columns are undefined (declared so), not zero
    assert (table.exchange_participants == 0).all()
    for name in (n for n in COLUMNS if n.startswith(("exchange_participant_", "exchange_neighbour_"))):
        assert COLUMNS[name].undefined_when and table[name].isna().all(), name
    # ... and every farmer is a non-participant not linked to a participant: the others are everyone
    for label in ("any_practice", "no_till"):
        assert table[f"exchange_other_{label}_share"].equals(table[f"exchange_non_participant_{label}_share"]), label


def test_a_new_column_is_one_declaration(monkeypatch):
    """Declaring a column of any per-farm result (here revenue per farm) is all it takes to get it written."""
    monkeypatch.setitem(COLUMNS, "revenue_per_farm", Column("revenue_per_farm", "currency/farm/yr",
                                                            "mean crop sales per farm", per_farmer("revenue"), flow=True))
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), seed=1, n_farmers=300)
    model.run_for(2)
    t = model.results()
    assert list(t.columns)[-1] == "revenue_per_farm"
    assert np.allclose(t.revenue_per_farm.iloc[4:], (t.revenue / t.farmers).iloc[4:], rtol=1e-12)


def test_nothing_is_zeros_known_without_reading_them():
    """A design with nothing to settle hands on ``nothing``: zeros in every use, taking no memory, known at once."""
    from sim.economics import is_nothing, nothing

    zero, none = nothing(5), nothing(5, np.bool_)
    assert np.array_equal(zero, np.zeros(5)) and np.array_equal(none, np.zeros(5, bool))
    assert zero.nbytes == 40 and zero.base.nbytes == 8 and not zero.flags.writeable
    assert is_nothing(zero) and is_nothing(none)
    assert not is_nothing(np.zeros(5)) and not is_nothing(np.broadcast_to(1.0, (5,)))


def test_flags_and_nothing_sum_as_their_float_values_do():
    """Flags are counted per region and ``nothing`` gives zeros: the same sums, exactly, as the 0.0/1.0 values give
    (whole numbers: every order of addition is exact), for one run and for stacked runs."""
    from sim.economics import nothing

    rng = np.random.default_rng(3)
    area = rng.uniform(1, 50, 1000)
    for starts, runs in ((np.array([0, 300, 650]), 1), (np.array([0, 200, 500, 620, 800, 990]), 2)):
        recorder = outputs.YearlyRecorder(["a", "b", "c"][: starts.size // runs], starts, area, 0, runs=runs)
        for flags in (rng.random(1000) < 0.3, np.zeros(1000, bool), np.ones(1000, bool)):
            per_region = np.add.reduceat(flags.astype(float), starts)
            expected = (np.append(per_region, per_region.sum()) if runs == 1
                        else recorder.with_totals(per_region[:, None]).ravel())
            assert np.array_equal(recorder.sum_by_region(flags), expected)
        assert np.array_equal(recorder.sum_by_region(nothing(1000)), np.zeros(recorder.rows))


def test_constant_sum_is_numpys_reduceat_of_the_copies_bit_for_bit():
    """NumPy sums a segment as its first value plus a pairwise sum of the rest (eight running sums in blocks of at
    most 128, halves at multiples of 8): ``constant_sum`` follows it for copies of one value, every branch of the
    recursion (counts 1-299) and the sizes of regions at 1 M farmers, values whose sums round; an array of values
    (segments of one size at once) gives each value's sum."""
    rng = np.random.default_rng(8)
    for count in [*range(1, 300), 1_000, 4_097, 65_537, 333_334, 1_000_000]:
        values = np.array([0.1, 1 / 3, *rng.uniform(0, 1, 3), 0.0, -0.0])  # -0.0: NumPy's sum keeps its sign
        together = outputs.constant_sum(values, count)
        for value, joint in zip(values, together, strict=True):
            got, want = outputs.constant_sum(float(value), count), np.add.reduceat(np.full(count, value), [0])[0]
            assert got == want and np.signbit(got) == np.signbit(want), (count, value)
            assert joint == want and np.signbit(joint) == np.signbit(want), (count, value)


def test_sums_of_negative_zeros_keep_their_sign_as_numpys_do():
    """Referee 19: the compiled sums began from +0.0, so a region whose values were all -0.0 summed to +0.0 where the
    (n,) arrays they replace sum to -0.0 (no model run has such values; the claim is bit for bit)."""
    area = np.full(16, 3.0)
    recorder = outputs.YearlyRecorder(["a", "b"], np.array([0, 8]), area, 0, runs=1)
    yields = np.concatenate([np.full(8, -0.0), np.full(8, 2.0)])
    for got, want in ((recorder.sum_of_products(yields, area), recorder.sum_by_region(yields * area)),
                      (recorder.sum_by_region(outputs.PerRegion(np.array([-0.0, 0.5]))),
                       recorder.sum_by_region(np.repeat([-0.0, 0.5], 8)))):
        assert np.array_equal(got, want) and np.array_equal(np.signbit(got), np.signbit(want)), (got, want)


def test_per_region_values_sum_as_their_per_farm_copies_do():
    """``PerRegion`` values (one per region, or per run and region) give the sums of the (n,) arrays they stand for,
    the 'all' rows included, an idle run's zeros included."""
    rng = np.random.default_rng(4)
    area = rng.uniform(1, 50, 1000)
    for starts, runs in ((np.array([0, 300, 650]), 1), (np.array([0, 200, 500, 620, 800, 990]), 2)):
        recorder = outputs.YearlyRecorder(["a", "b", "c"][: starts.size // runs], starts, area, 0, runs=runs)
        counts = np.diff(np.append(starts, 1000))
        for values in (rng.uniform(0, 1, starts.size), np.zeros(starts.size),
                       np.concatenate([np.zeros(3), rng.uniform(0, 1, starts.size - 3)])):
            per_farm = np.repeat(values, counts)
            assert np.array_equal(recorder.sum_by_region(outputs.PerRegion(values)), recorder.sum_by_region(per_farm))


def test_values_that_sum_to_zero_in_each_region_sum_to_zeros_only_when_all_are_zero():
    """A region's sum is looked at before its values: zeros (+0.0) when every value is 0.0 or -0.0, whose sum NumPy
    gives as -0.0; the sums themselves when values cancel out, for one run and for stacked runs."""
    area = np.ones(16)
    for starts, runs in ((np.array([0, 8]), 1), (np.array([0, 4, 8, 12]), 2)):
        recorder = outputs.YearlyRecorder(["a", "b"], starts, area, 0, runs=runs)
        negative_zeros = np.full(16, -0.0)
        assert np.array_equal(recorder.sum_by_region(negative_zeros), np.zeros(recorder.rows))
        assert not np.signbit(recorder.sum_by_region(negative_zeros)).any()
        cancelling = np.tile([1.0, -1.0], 8)
        assert np.array_equal(recorder.sum_by_region(cancelling), np.zeros(recorder.rows))
        nan = np.zeros(16)
        nan[3] = np.nan
        assert np.isnan(recorder.sum_by_region(nan)[0])


def test_a_group_of_every_farm_counts_its_users_as_the_per_farm_flags_do():
    """Non-participants are every farm without an exchange programme: their practice shares, counted from the farmers
    by bundle, are the per-farm flags' counts over the farmers, bit for bit, for one run and for stacked runs."""
    from sim.practices import USES_BY_MASK

    rng = np.random.default_rng(5)
    n = 1000
    area, bundle = rng.uniform(1, 50, n), rng.integers(0, 16, n).astype(np.uint8)
    nobody = np.zeros(n, bool)
    for starts, runs in ((np.array([0, 300, 650]), 1), (np.array([0, 200, 500, 620, 800, 990]), 2)):
        recorder = outputs.YearlyRecorder(["a", "b", "c"][: starts.size // runs], starts, area, 0, runs=runs)
        year = outputs.Year(recorder, outputs.YearRecord(2000, 0.0, bundle, np.ones(n), state={
            "exchange_participant": nobody, "exchange_neighbour": nobody}), None)
        for label, flags in (("any_practice", bundle != 0), ("no_till", USES_BY_MASK[bundle, 0])):
            expected = recorder.sum_by_region(flags) / recorder.farmers
            got = COLUMNS[f"exchange_non_participant_{label}_share"].rule(year)
            assert np.array_equal(got, expected)


def test_sums_of_products_are_the_sums_of_the_product_array_bit_for_bit():
    """SOC x area and yield x area are summed without an array of the products, following NumPy's pairwise
    summation: the sums of ``a * b`` in every bit, on regions of every size its branches treat apart (1-299 farms,
    then a region of 70,001), for one run and for stacked runs, zeros and an idle run included."""
    rng = np.random.default_rng(6)
    sizes = [*range(1, 300), 70_001]
    n = sum(sizes)
    area, soc = rng.uniform(0.5, 300, n), rng.uniform(20, 90, n)
    starts = np.cumsum([0, *sizes[:-1]])
    for runs in (1, 2):
        width = starts.size // runs
        recorder = outputs.YearlyRecorder([f"r{k}" for k in range(width)], starts, area, 0, runs=runs)
        idle_first_run = np.where(np.arange(n) < starts[width // 2 if runs == 1 else width], 0.0, soc)
        for values in (soc, np.zeros(n), idle_first_run):
            assert np.array_equal(recorder.sum_of_products(values, area), recorder.sum_by_region(values * area))


def test_sums_by_size_group_are_those_of_the_masked_arrays_bit_for_bit():
    """Each income group's sums come from one pass over the farms for all three groups, without the masked (n,) copies
    they replace: the sums of ``np.where(group == g, values, 0.0)`` in every bit, signs of zero included, on regions of
    every size the pairwise summation's branches treat apart (1-299 farms, then one of 70,001), for one run and for
    stacked runs, with an idle run, a run of -0.0s, values that cancel, and a NaN."""
    rng = np.random.default_rng(7)
    sizes = [*range(1, 300), 70_001]
    n = sum(sizes)
    area = rng.uniform(0.5, 300, n)
    starts = np.cumsum([0, *sizes[:-1]])
    income = rng.normal(0, 1e4, n)
    income[rng.random(n) < 0.1] = 0.0
    income[rng.random(n) < 0.1] = -0.0
    for runs in (1, 2):
        width = starts.size // runs
        recorder = outputs.YearlyRecorder([f"r{k}" for k in range(width)], starts, area, 0, runs=runs)
        first_run = np.arange(n) < starts[width // 2 if runs == 1 else width]
        with_nan = income.copy()
        with_nan[n // 2] = np.nan
        for values in (income, np.zeros(n), np.full(n, -0.0), np.where(first_run, 0.0, income),
                       np.where(first_run, -0.0, income), np.tile([1.0, -1.0], n // 2 + 1)[:n], with_nan):
            got = recorder.sum_by_size_group(values)
            for g in range(len(outputs.SIZE_GROUPS)):
                want = recorder.sum_by_region(np.where(recorder.size_group == g, values, 0.0))
                assert np.array_equal(got[g], want, equal_nan=True), (runs, g)
                assert np.array_equal(np.signbit(got[g]), np.signbit(want)), (runs, g)


def test_there_are_as_many_size_groups_as_the_one_pass_sums_apart():
    """``sim.parallel.segment_group_sums`` sums ``SUM_GROUPS`` groups apart (three running sums, written out one by
    one): the recorder's size groups must be that many. A module-level assert said so, gone under ``python -O``."""
    from sim.parallel import SUM_GROUPS

    assert len(outputs.SIZE_GROUPS) == SUM_GROUPS == 3


def test_a_model_that_keeps_no_table_says_so_when_asked_for_it():
    """Referee 46: ``results()`` of a model built with ``recorded=False`` failed with "'NoneType' object has no
    attribute 'frame'"; it names the cause and the two ways to a table, and the second of them works."""
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / "baseline.toml"), n_farmers=200, recorded=False)
    with pytest.raises(RuntimeError, match=r"built with recorded=False.*start_recording\(\) before its first step"):
        model.results()
    model.start_recording()
    table = model.results()
    assert table["year"].tolist() == [model.year] * (len(model.regions.names) + 1)
