"""Spreadsheet copies of result tables, and where the regions are on the map (scenario field, bundled boundaries)."""

import zipfile

import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS

import sim
from experiments.spreadsheets import write_copies
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
