"""A scenario with overrides, validated table by table on the overridden paths, is the scenario validated whole.

``scenario_with_overrides`` re-validates only the tables on the overridden paths (a sweep asks for one scenario per
run); ``_validated_whole`` is the reference: the scenario's data with the overrides, validated whole.
"""

from __future__ import annotations

import random

import pytest
from conftest import SCENARIOS
from pydantic import ValidationError

import sim
from sim.scenario import DEPTH_FIELD, DEPTH_IS_THE_STOCKS, ScenarioError, scenario_with_overrides
from sim.scenario.loader import _change_tree, _revalidated, _SlowPath, _validated_whole

#: Scenarios whose tables differ in kind: a stochastic price with a floor, RothC soil, a credit line, a Twin Regions
#: market, uncertain fields with outputs of interest, sampled MRV.
NAMES = ["baseline", "volatile_price_floor", "rothc_baseline", "preset_credit_line_renovagro",
         "twin_regions_benin_germany", "sensitivity_baseline", "mrv_group_sampling"]
#: Random override sets per scenario: enough to hit every kind of leaf several times (~150 leaves a scenario) and
#: the checks across fields (shares adding up, regions named elsewhere), in about a second in all.
CASES = 300


def leaves(data: dict, prefix: str = "") -> dict[str, object]:
    """Dotted path -> value of every leaf (anything but a dict) of a scenario's data."""
    out: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out |= leaves(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def tables(data: dict, prefix: str = "") -> dict[str, dict]:
    """Dotted path -> every non-empty table of a scenario's data."""
    out: dict[str, dict] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out[f"{prefix}{key}"] = value
            out |= tables(value, f"{prefix}{key}.")
    return out


def new_value(rng: random.Random, value: object, pool: list[object]) -> object:
    """A value for a field now holding ``value``: near it, beyond its likely bounds, of another type, or another
    field's value (a region, crop or kind named elsewhere)."""
    if isinstance(value, bool):
        return rng.choice([not value, 1, "yes"])
    if isinstance(value, int | float):
        if rng.random() < 0.6:  # near the value: most such overrides are valid
            return type(value)(value * rng.choice([0.99, 1.0, 1.01]))
        scale = rng.choice([0.0, 0.5, 2.0, -1.0, 1e13, 1e-300])
        changed = value * scale if value else rng.choice([1, 0.5, -1, 2e12])
        return rng.choice([changed, int(changed) if abs(changed) < 1e15 else changed, float(changed),
                           float("nan"), rng.random()])
    return rng.choice([*pool, None, "nonsense", 3.0])


def outcome(make):
    try:
        scenario = make()
    except ScenarioError as exc:
        return "error", str(exc)
    return "ok", repr(scenario.model_dump())


@pytest.mark.parametrize("name", NAMES)
def test_overrides_validated_by_table_are_the_scenario_validated_whole(name):
    """Same scenario (every field, every type: repr of the data) or same error, for random overrides of 1 to 4
    fields, tables given whole (another kind of a kind table) among them. The quick path must accept every valid
    override itself (else sweeps silently lose its speed), and at least a tenth of the cases are valid (30, enough
    to exercise the quick path; sensitivity_baseline, whose fourteen [uncertain] ranges overrides often invert, has 49-61
    valid cases of 300 over six random streams, the other scenarios 65-99)."""
    scenario = sim.load_scenario(SCENARIOS / f"{name}.toml")
    data = scenario.model_dump()
    fields, whole = leaves(data), tables(data)
    pool = [v for v in fields.values() if isinstance(v, str)]
    kinds = [t for t in whole.values() if "kind" in t]
    rng = random.Random(name)
    quick = valid = 0
    for _ in range(CASES):
        overrides = {}
        for path in rng.sample(sorted(fields), rng.randint(1, 4)):
            overrides[path] = new_value(rng, fields[path], pool)
        if rng.random() < 0.1:
            path = rng.choice([p for p, t in whole.items() if "kind" in t])
            overrides[path] = rng.choice(kinds)
        if rng.random() < 0.05:
            overrides[rng.choice(["carbon.no_such_field", "regions.nowhere.crop", "carbon.farmer_share.x"])] = 1.0
        if DEPTH_FIELD in overrides:  # refused before either validation (tests/test_soil_depth.py)
            assert outcome(lambda overrides=overrides: scenario_with_overrides(scenario, overrides)) == \
                ("error", f"{DEPTH_FIELD}: {DEPTH_IS_THE_STOCKS}")
            continue
        reference = outcome(lambda overrides=overrides: _validated_whole(scenario, overrides))
        assert outcome(lambda overrides=overrides: scenario_with_overrides(scenario, overrides)) == reference, overrides
        valid += reference[0] == "ok"
        try:
            fast = _revalidated(scenario, _change_tree(overrides))
        except (ValidationError, _SlowPath):
            continue
        quick += 1
        assert reference == ("ok", repr(fast.model_dump())) and fast == _validated_whole(scenario, overrides), overrides
    assert valid >= CASES // 10 and quick == valid


def test_checks_across_fields_still_run_and_name_the_field():
    """A value each field allows but the table's check across fields refuses (buffer + permanence discount > 1),
    and a path through a number, get the errors of a whole validation."""
    base = sim.load_scenario(SCENARIOS / "baseline.toml")
    with pytest.raises(ScenarioError, match=r"buffer \(0.6\) \+ permanence_discount \(0.5\) exceed 1"):
        scenario_with_overrides(base, {"carbon.buffer": 0.6, "carbon.permanence_discount": 0.5})
    with pytest.raises(ScenarioError, match="override 'carbon.farmer_share.x': no field 'x'"):
        scenario_with_overrides(base, {"carbon.farmer_share.x": 1.0})
    replaced = scenario_with_overrides(base, {"carbon.price.path": {"kind": "constant", "value": 20.0},
                                              "carbon.price.path.value": 30.0})
    assert replaced.carbon.price.path.value == 30.0


@pytest.mark.parametrize("order", ["table first", "field first"])
def test_a_field_inside_a_table_given_whole_wins_in_any_order_and_leaves_the_callers_table(order):
    """A table given whole and a field inside it: the field is applied after the table whatever the order given,
    and the caller's table is not written to (a referee found the field silently dropped when given first, and the
    caller's dict changed, so a later run given the same table alone got the field's value)."""
    base = sim.load_scenario(SCENARIOS / "baseline.toml")
    table = {"kind": "constant", "value": 20.0}
    items = [("carbon.price.path", table), ("carbon.price.path.value", 30.0)]
    overrides = dict(items if order == "table first" else items[::-1])
    assert scenario_with_overrides(base, overrides).carbon.price.path.value == 30.0
    assert table == {"kind": "constant", "value": 20.0}
    assert scenario_with_overrides(base, {"carbon.price.path": table}).carbon.price.path.value == 20.0
