"""Who gains by farm size: public payments and cash income by size third of each region (referee 35 M3).

The README promised that ``comparison_by_region.csv`` splits public payments and the income change by farm-size
third; only net carbon income was split. These tests recompute the thirds farm by farm from the per-farm arrays the
model hands its recorder, and check that the thirds add up to their region.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from analysis.compare import SIZE_GROUPS, by_region
from sim.outputs import YearRecord

#: Farms and years of the captured runs: every region has its three thirds, and the payments run past their start.
FARMERS, YEARS = 300, 6


def _captured(name: str, seed: int) -> tuple[sim.AdoptionModel, list[YearRecord]]:
    """A run of scenario ``name`` and every year's record with its per-farm arrays (copied when recorded)."""
    model = sim.AdoptionModel(sim.load_scenario(SCENARIOS / f"{name}.toml"), seed=seed, n_farmers=FARMERS)
    recorder, records = model.recorder, []
    record = recorder.record

    def capture(year: YearRecord) -> None:
        if year.per_farm is not None:
            records.append((year.year, {k: np.array(v, dtype=float) for k, v in year.per_farm.items()
                                        if k in ("payments", "credit_line_subsidy", "income")}))
        record(year)

    recorder.record = capture
    model.run_for(YEARS)
    return model, records


@pytest.fixture(scope="module")
def runs():
    """Per-ha payments (no-till and cover crops) and a credit line: both public payments to farmers have money."""
    return {name: _captured(name, seed) for name, seed in (("per_ha_payment", 4), ("preset_credit_line_renovagro", 5))}


def _thirds(model: sim.AdoptionModel) -> tuple[np.ndarray, np.ndarray]:
    """Each farm's region and size third, by hand: the k-th smallest of a region's n farms (ties by row) is in
    third k * 3 // n."""
    recorder = model.recorder
    area = model.farms.area_ha
    region, third = np.empty(area.size, int), np.empty(area.size, int)
    for r, (start, end) in enumerate(zip(recorder.starts, recorder.ends, strict=True)):
        region[start:end] = r
        order = start + np.argsort(area[start:end], kind="stable")
        third[order] = np.arange(end - start) * 3 // (end - start)
    return region, third


def test_payments_and_income_by_size_third_are_the_per_farm_sums(runs):
    """Each (year, region, third): payments and credit-line subsidies are the sums over the third's farms, and mean
    income the mean over them, of the per-farm arrays; 'all' pools the same third of every region. The money is not
    spread evenly: the largest third of Latin American farms gets more than each smaller third."""
    for name, (model, records) in runs.items():
        table = model.results().set_index(["year", "region"])
        region, third = _thirds(model)
        names = model.recorder.names
        flow = "payments" if name == "per_ha_payment" else "credit_line_subsidy"
        assert sum(arrays[flow].sum() for _, arrays in records) > 0, name  # the test has money to split
        for year, arrays in records:
            for r, label in enumerate(names):
                here = np.ones(region.size, bool) if label == "all" else region == r
                row = table.loc[(year, label)]
                for g, group in enumerate(SIZE_GROUPS):
                    farms = here & (third == g)
                    for key in ("payments", "credit_line_subsidy"):
                        assert row[f"{key}_{group}"] == pytest.approx(arrays[key][farms].sum(), rel=1e-9, abs=1e-6)
                    assert row[f"income_mean_{group}"] == pytest.approx(arrays["income"][farms].mean(), rel=1e-9)
        latin = table.xs("latin_america", level="region")
        assert (latin[f"{flow}_large"].sum() > latin[f"{flow}_middle"].sum() > 0), name


def test_size_thirds_add_up_to_their_region(runs):
    """Conservation: the thirds' payments and credit-line subsidies sum to the region's, and the thirds' mean income
    times their farms to the region's total income, in every year and row."""
    for model, _ in runs.values():
        flows = model.results()
        flows = flows[flows.year > flows.year.min()]
        farms = {group: np.tile(model.recorder.size_group_farmers[g], len(flows) // model.recorder.rows)
                 for g, group in enumerate(SIZE_GROUPS)}
        assert sum(farms.values()) == pytest.approx(flows.farmers.to_numpy(float))
        for key in ("payments", "credit_line_subsidy"):
            thirds = sum(flows[f"{key}_{group}"] for group in SIZE_GROUPS)
            assert np.allclose(thirds, flows[key], rtol=1e-9, atol=1e-6), key
        income = sum(flows[f"income_mean_{group}"].to_numpy() * farms[group] for group in SIZE_GROUPS)
        assert np.allclose(income, flows.income_mean * flows.farmers, rtol=1e-9)


def test_by_region_splits_public_payments_and_the_income_change_by_size_third(runs):
    """``by_region``: public payments to farmers by third (per-ha payments + credit-line subsidies over the period)
    add up to the region's; the income change per farm of a third is the paired difference of the third's period-mean
    income per farm, by hand from the yearly rows (one run each, so no interval)."""
    tables = {name: model.results().assign(scenario=name, seed=0) for name, (model, _) in runs.items()}
    # the credit-line run as the 'baseline' of the per-ha run: other seeds' farms, but the same farm counts and years
    # (pairing is by seed, both 0 here), so the difference is defined and checkable by hand
    regions = by_region(pd.concat(tables.values(), ignore_index=True),
                        baseline="preset_credit_line_renovagro").set_index(["scenario", "region"])
    for name, yearly in tables.items():
        flows = yearly[yearly.year > yearly.year.min()]
        for label, rows in flows.groupby("region"):
            got = regions.loc[(name, label)]
            parts = [got[f"public_payments_to_farmers_{group}"] for group in SIZE_GROUPS]
            assert sum(parts) == pytest.approx(got.public_payments_to_farmers, rel=1e-9, abs=1e-6)
            for group in SIZE_GROUPS:
                assert got[f"public_payments_to_farmers_{group}"] == pytest.approx(
                    (rows[f"payments_{group}"] + rows[f"credit_line_subsidy_{group}"]).sum(), rel=1e-9, abs=1e-6)
                base = tables["preset_credit_line_renovagro"]
                base = base[(base.year > base.year.min()) & (base.region == label)]
                change = rows[f"income_mean_{group}"].mean() - base[f"income_mean_{group}"].mean()
                assert got[f"income_change_per_farm_{group}"] == pytest.approx(change, rel=1e-9, abs=1e-9)


def test_tables_written_before_the_split_still_say_who_gains():
    """A yearly table written before payments and income were split by size third (tests/data's pinned baseline)
    still gives the by-region table, without those thirds, and the report's cells read n/a for them."""
    from analysis.compare import _thirds_cell

    old = pd.read_parquet(Path(__file__).resolve().parent / "data" / "baseline_2000x10_seed7.parquet")
    assert "income_mean_small" not in old
    regions = by_region(old.assign(scenario="old", seed=0), baseline="old")
    assert "public_payments_to_farmers_small" not in regions and "income_change_per_farm_small" not in regions
    assert (regions.public_payments_to_farmers == 0).all() and (regions.income_change_per_farm == 0).all()
    assert _thirds_cell(regions.iloc[0], "income_change_per_farm", "+,.0f") == "n/a / n/a / n/a"
