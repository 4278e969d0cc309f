"""Spreadsheet copies of result tables, and where the regions are on the map (scenario field, bundled boundaries)."""

import errno
import os
import zipfile

import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS

import sim
from experiments.spreadsheets import write_copies
from experiments.store import StoreError
from facilitation.geography import UnknownCountry, region_shapes, view_of


def test_csv_and_excel_copies_hold_the_parquet_table(tmp_path):
    table = pd.read_parquet(ROOT / "tests" / "data" / "baseline_2000x10_seed7.parquet")
    table.to_parquet(tmp_path / "yearly.parquet", index=False)
    csv, xlsx = write_copies(table, tmp_path / "yearly.parquet")
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf"), "a byte-order mark, so that Excel reads UTF-8"
    back = pd.read_csv(csv, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, table, check_dtype=False, rtol=1e-12)
    with zipfile.ZipFile(xlsx) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<row ") == len(table) + 1


def test_copies_are_written_atomically_and_a_full_disk_keeps_the_old_ones(tmp_path, monkeypatch):
    """Referee 46 NIT: the CSV and Excel copies were written in place, unlike every other result file, so a full disk
    or an interrupted write left half a copy over the previous one."""
    table = pd.DataFrame({"year": [2025, 2026], "adoption": [0.1, 0.2]})
    csv, xlsx = write_copies(table, tmp_path / "yearly.parquet")
    before = {path: path.read_bytes() for path in (csv, xlsx)}

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StoreError, match="no space left on the device"):
        write_copies(table.assign(adoption=[0.3, 0.4]), tmp_path / "yearly.parquet")
    assert {path: path.read_bytes() for path in (csv, xlsx)} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["yearly.csv", "yearly.xlsx"], "no partial file left"


def test_base_regions_lie_in_their_countries_and_the_view_holds_them():
    shapes = region_shapes(sim.load_scenario(SCENARIOS / "baseline.toml"))
    assert [(s.key, s.countries) for s in shapes] == [
        ("latin_america", ("BR",)), ("africa_dry", ("ZW",)), ("africa_moist", ("ZM", "MW"))]
    view = view_of(shapes)
    brasilia, lusaka, bulawayo = (-47.9, -15.8), (28.3, -15.4), (28.6, -20.2)
    for lon, lat in (brasilia, lusaka, bulawayo):
        assert view.lon[0] < lon < view.lon[1] and view.lat[0] < lat < view.lat[1]


def test_a_country_code_is_checked_by_the_scenario_and_by_the_map(write_scenario):
    bad_format = write_scenario('[regions.latin_america]\ncountries = ["Brazil"]\n')
    with pytest.raises(sim.ScenarioError, match="regions.latin_america.countries"):
        sim.load_scenario(bad_format)
    unknown = sim.load_scenario(write_scenario('[regions.latin_america]\ncountries = ["XXX"]\n'))
    with pytest.raises(UnknownCountry, match="regions.latin_america.countries: 'XXX'"):
        region_shapes(unknown)


def test_small_regions_are_named_beside_themselves_so_their_colour_shows():
    """The African regions (Zambia and Malawi, Zimbabwe: 8-14 degrees wide in a 126-degree view) were labelled on
    themselves, the label hiding the colour it names, and the two labels nearly touched. Now each small region's label
    ends west of the region's westernmost point, in the view, the two at least a gap apart; Brazil (about 40 degrees)
    keeps its label on itself, as does a small region on a map of its own."""
    import numpy as np

    from facilitation.geography import LABEL_GAP_SHARE, labels

    shapes = region_shapes(sim.load_scenario(SCENARIOS / "baseline.toml"))
    view = view_of(shapes)
    placed = labels(shapes, view)
    assert not placed["latin_america"].pointed
    small = [placed[key] for key in ("africa_moist", "africa_dry")]
    for label, shape in zip(small, (s for s in shapes if s.key in ("africa_moist", "africa_dry")), strict=False):
        west = np.concatenate(shape.polygons)[:, 0].min()
        assert label.pointed and label.align == "right" and view.lon[0] < label.text_at[0] < west
        assert view.lat[0] < label.text_at[1] < view.lat[1]
    gap = abs(small[0].text_at[1] - small[1].text_at[1])
    assert gap >= LABEL_GAP_SHARE * (view.lat[1] - view.lat[0]) - 1e-9
    alone = [s for s in shapes if s.key == "africa_moist"]  # a map of that region alone is mostly that region
    assert not labels(alone, view_of(alone))["africa_moist"].pointed
