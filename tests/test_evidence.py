"""docs/evidence.md: every table row names a real scenario field whose shipped value it states, inside its range, with
a source; and every default of the soil, crop and practice tables and of the regions' agronomy is listed.

A table is a field table when its header is ``| field | value | unit | source | range | note |``. ``value`` is a TOML
value; ``regions.*`` (or any ``*``) stands for every key of that table; ``range`` is ``low..high`` when numeric (for
an effect table, the range of its ``long_run``). Values are compared with the scenario ``scenarios/base.toml``
ships (it extends ``scenarios/parts/defaults.toml``), so the rows of every room are checked, not only this one's;
a field written ``path (name)`` is compared with ``scenarios/name.toml`` instead (e.g. a calibration country).
"""

from __future__ import annotations

import math
import re
import tomllib

import pytest
from conftest import ROOT, SCENARIOS
from pydantic import BaseModel

import sim

EVIDENCE = ROOT / "docs" / "evidence.md"
HEADER = ["field", "value", "unit", "source", "range", "note"]
ROOMS = ["Soil carbon", "Yields", "Costs and prices", "Behaviour", "Incentives and MRV", "Network and exchanges"]
#: Defaults that drive SOC, yield, cost or price and must each have a row (a field, a ``*`` row or a parent table).
REQUIRED = ("soil.", "practices.", "crops.")
REGION_FIELDS = ("climate", "soil", "bulk_density_g_cm3", "baseline_input", "residues_returned",
                 "n_fertiliser_or_n_fixing_crop", "low_residue_crop_or_bare_fallow", "crop", "base_yield_kg_per_ha",
                 "crop_price_per_t", "production_cost_per_ha", "farm_size_median_ha", "farm_size_sigma", "weather_cv",
                 "yield_cv", "soc_plateau_pct",
                 "residue_livestock_value_per_ha", "discount_rate", "risk_aversion", "rothc.")
UNDOCUMENTED = {"soil.model", "soil.rothc"}  # the model switch (Tier 1 by default) and the table itself


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def field_rows(text: str) -> list[tuple[str, int, list[str]]]:
    """(section, line number, cells) of every row of every field table."""
    rows, section, header = [], "", None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            section, header = line[3:].strip(), None
        elif line.startswith("|"):
            parts = cells(line)
            if header is None:
                header = parts
            elif header == HEADER and not set(line) <= set("|- "):
                rows.append((section, number, parts))
        else:
            header = None
    return rows


def plain(value):
    """A scenario value as TOML would read it: tables as dicts, tuples as lists."""
    if isinstance(value, BaseModel):
        return {k: plain(v) for k, v in value.model_dump().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def resolve(node, parts: list[str]) -> list[tuple[str, object]]:
    """(path, value) of every field the dotted ``parts`` name; ``*`` expands to every key of a table or item of a list."""
    if not parts:
        return [("", plain(node))]
    head, rest = parts[0], parts[1:]
    if isinstance(node, dict):
        keys = list(node) if head == "*" else [head]
        missing = [k for k in keys if k not in node]
        if missing:
            raise KeyError(missing[0])
        return [(f"{k}.{p}".rstrip("."), v) for k in keys for p, v in resolve(node[k], rest)]
    if isinstance(node, list | tuple) and head == "*":  # every item of an array of tables (e.g. network.exchange)
        return [(f"{k}.{p}".rstrip("."), v) for k, item in enumerate(node) for p, v in resolve(item, rest)]
    if isinstance(node, BaseModel) and head in type(node).model_fields:
        return [(f"{head}.{p}".rstrip("."), v) for p, v in resolve(getattr(node, head), rest)]
    raise KeyError(head)


def same(stated, shipped) -> bool:
    if isinstance(stated, bool) or isinstance(shipped, bool):
        return type(stated) is type(shipped) and stated == shipped
    if isinstance(stated, int | float) and isinstance(shipped, int | float):
        return math.isclose(stated, shipped, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(stated, dict) and isinstance(shipped, dict):
        return stated.keys() == shipped.keys() and all(same(stated[k], shipped[k]) for k in stated)
    if isinstance(stated, list) and isinstance(shipped, list):
        return len(stated) == len(shipped) and all(same(a, b) for a, b in zip(stated, shipped, strict=True))
    return stated == shipped


@pytest.fixture(scope="module")
def shipped():
    return sim.load_scenario(SCENARIOS / "base.toml")


@pytest.fixture(scope="module")
def rows():
    return field_rows(EVIDENCE.read_text())


def test_every_room_has_its_table(rows):
    text = EVIDENCE.read_text()
    for room in ROOMS:
        assert f"## {room}" in text, room
    assert {section for section, _, _ in rows} >= {"Soil carbon", "Yields", "Costs and prices"}


def test_every_row_states_the_shipped_value_in_range_with_a_source(rows, shipped):
    problems = []
    others: dict[str, sim.Scenario] = {}
    for section, line, parts in rows:
        where = f"docs/evidence.md:{line} ({section})"
        if len(parts) != len(HEADER):
            problems.append(f"{where}: expected {len(HEADER)} cells, found {len(parts)}")
            continue
        field, value, unit, source, bounds, _ = parts
        try:
            stated = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"{where}: {field}: value {value!r} is not a TOML value ({exc})")
            continue
        named = re.fullmatch(r"(\S+) \((\w+)\)", field)
        scenario = shipped
        if named:
            field = named[1]
            if named[2] not in others:
                others[named[2]] = sim.load_scenario(SCENARIOS / f"{named[2]}.toml")
            scenario = others[named[2]]
        try:
            found = resolve(scenario, field.split("."))
        except KeyError as exc:
            problems.append(f"{where}: {field}: no such scenario field ({exc})")
            continue
        for path, value_shipped in found:
            if not same(stated, value_shipped):
                problems.append(f"{where}: {path}: evidence says {value}, the scenario has {value_shipped!r}")
        if not unit or not source:
            problems.append(f"{where}: {field}: needs a unit ('-' when unitless) and a source")
        numbers = re.fullmatch(r"(-?[\d.]+)\.\.(-?[\d.]+)", bounds)
        if numbers:
            low, high = float(numbers[1]), float(numbers[2])
            checked = stated.get("long_run") if isinstance(stated, dict) else stated
            if not isinstance(checked, int | float) or not low <= checked <= high:
                problems.append(f"{where}: {field}: {checked} is outside its range {bounds}")
        elif bounds not in ("-", ""):
            problems.append(f"{where}: {field}: range {bounds!r} is neither 'low..high' nor '-'")
    assert not problems, "\n".join(problems)


def leaves(node, prefix: str = "") -> list[str]:
    """Dotted paths of every leaf of a scenario table (tables of models and dicts walked)."""
    if isinstance(node, BaseModel):
        return [p for name in type(node).model_fields for p in leaves(getattr(node, name), f"{prefix}{name}.")]
    if isinstance(node, dict) and node and all(isinstance(v, BaseModel) for v in node.values()):
        return [p for key, value in node.items() for p in leaves(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def test_every_soil_crop_practice_and_regional_agronomy_default_is_listed(rows, shipped):
    """Each leaf under soil, practices, crops and each agronomic field of every region is covered by a row: the
    field itself, a ``*`` row matching it, or a row for the table that holds it."""
    patterns = [re.compile(re.escape(parts[0]).replace(r"\*", r"[^.]+") + r"(\..+)?$") for _, _, parts in rows]
    wanted = [p for p in leaves(shipped) if p.startswith(REQUIRED) and p not in UNDOCUMENTED]
    for region in shipped.regions:
        wanted += [p for p in leaves(shipped.regions[region], f"regions.{region}.")
                   if p.removeprefix(f"regions.{region}.").startswith(REGION_FIELDS)
                   and not p.endswith(".climate_source")]
    missing = [p for p in wanted if not any(pattern.match(p) for pattern in patterns)]
    assert not missing, "docs/evidence.md lacks rows for: " + ", ".join(missing)


def test_the_checker_catches_a_wrong_value_an_unknown_field_and_a_value_out_of_range(shipped):
    """The checks above can fail: a row with a wrong value, one with a misspelt field and one outside its range."""
    table = "\n".join(["## Yields", "| " + " | ".join(HEADER) + " |", "|---|---|---|---|---|---|",
                       "| crops.maize.allocation_roots | 0.2 | share | x | - | |",
                       "| crops.maize.alocation_roots | 0.138 | share | x | - | |",
                       "| regions.*.soc_plateau_pct | 2.0 | % | x | 2.5..3 | |"])
    parsed = field_rows(table)
    assert len(parsed) == 3
    assert not same(0.2, resolve(shipped, ["crops", "maize", "allocation_roots"])[0][1])
    with pytest.raises(KeyError):
        resolve(shipped, ["crops", "maize", "alocation_roots"])
    assert [v for _, v in resolve(shipped, ["regions", "*", "soc_plateau_pct"])] == [2.0] * len(shipped.regions)


def _range_of(rows, field: str) -> tuple[float, float] | None:
    """The numeric range of ``field``'s row (a row for the field itself, a ``*`` row matching it, or the field
    written for a named scenario, ``field (name)``); None when no row states one."""
    for _, _, parts in rows:
        named = re.sub(r" \(\w+\)$", "", parts[0])
        pattern = re.escape(named).replace(r"\*", r"[^.]+") + "$"
        numbers = re.fullmatch(r"(-?[\d.]+)\.\.(-?[\d.]+)", parts[4])
        if re.match(pattern, field) and numbers:
            return float(numbers[1]), float(numbers[2])
    return None


def test_sensitivity_ranges_of_shipped_scenarios_are_the_evidence_ranges(rows):
    """Referee 20: scenarios/sensitivity_baseline.toml varied parameters over ranges with no source, some outside
    evidence.md's (an African seeder supply up to 0.6 against 0.02..0.4). Every [uncertain] range of a shipped
    scenario that is not a calibration prior (a scenario without [patterns]) lies inside the evidence row's range."""
    problems, checked = [], 0
    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = sim.load_scenario(path)
        if not scenario.uncertain or scenario.patterns:
            continue
        for field, spec in scenario.uncertain.items():
            bounds = _range_of(rows, field)
            values = spec.values if spec.dist == "discrete" else [spec.low, spec.high]
            if bounds is None:
                problems.append(f"{path.name}: {field} has no evidence row with a range")
            elif not all(bounds[0] <= v <= bounds[1] for v in values):
                problems.append(f"{path.name}: {field} varies over {values}, outside evidence's {bounds}")
            checked += 1
    assert checked >= 9 and not problems, "\n".join(problems)


def test_the_readme_uncertain_example_lies_inside_the_evidence(rows):
    """Referee 51 n11: the README's [uncertain] example, introduced with sensitivity_baseline.toml, showed ranges of
    neither that file nor the evidence (a yield-belief bias up to +0.05 against -0.25..0, a carbon price of 4-100
    against 4.3..108). It shows the syntax; its ranges (a truncated normal's bounds, a discrete law's values) are
    inside docs/evidence.md's, and it loads as [uncertain] entries."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```toml\n(\[uncertain\].*?)```", readme, re.DOTALL)
    example = tomllib.loads(block[1])["uncertain"]
    problems = []
    for field, spec in example.items():
        sim.scenario.Uncertain(**spec)
        bounds = _range_of(rows, field)
        values = spec["values"] if spec["dist"] == "discrete" else [spec["low"], spec["high"]]
        if bounds is None or not all(bounds[0] <= v <= bounds[1] for v in values):
            problems.append(f"{field}: {values} against evidence's {bounds}")
    assert len(example) == 5 and not problems, "\n".join(problems)
