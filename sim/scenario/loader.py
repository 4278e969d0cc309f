"""Reading scenario files: TOML only (data, never code), ``extends`` inheritance, clear errors.

``extends = "base.toml"`` (a path relative to the file) loads the base first; tables are merged key by key,
the derived file winning, except a *kind table* (``[carbon.price.path]``, ``[decision.rule]``) whose ``kind``
the derived file changes: it replaces the inherited table whole, so no field of the other kind is carried over;
and ``[translations]``, which translate the words of the file that wrote them: a derived file that sets its own
``name`` inherits none of them (only its own ``[translations]`` are kept), and one that sets its own ``description``
keeps the inherited translated names but not the inherited translated descriptions it does not set itself (the
English description is shown in their place).
Every error names the file, the dotted field path and what was expected.
"""

from __future__ import annotations

import copy
import difflib
import math
import stat
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError

from sim.ipcc import IPCC_DEPTH_CM
from sim.scenario.base import KIND, LikelyUnit, kinds_of, renamed
from sim.scenario.scenario import Scenario

MAX_EXTENDS_DEPTH = 16
#: Largest scenario file read: the biggest shipped scenario is a few kB; a larger file is a wrong path.
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of tables and arrays in a file (the schema needs five: regions.<name>.rothc.temp_c[i]).
MAX_NESTING = 16
#: The field no sweep, design or posterior draw may vary: each run's seed is the run's own, made from the scenario's
#: seed and the run's sample and replicate (stored beside the run as its ``seed`` column).
SEED_FIELD = "seed"
#: Why ``SEED_FIELD`` is not a parameter, and what sets the seeds instead.
SEED_IS_THE_RUNS = ("the seed is the run's, not a parameter: every run's seed comes from the scenario's seed and "
                    "the run's replicate (--replicates; casim sensitivity --design-seed seeds the sample)")

#: The field no sweep, design, posterior draw or override may vary: the depth the soil model's stock is for
#: (``sim.scenario.soil.SoilSettings.depth_cm``), which the schema ties to the model (Tier 1: the IPCC 30 cm; RothC:
#: every region's ``rothc.depth_cm``).
DEPTH_FIELD = "soil.depth_cm"
#: Why ``DEPTH_FIELD`` is not a parameter.
DEPTH_IS_THE_STOCKS = ("the depth is the one the soil model's stock is for, not a parameter: the Tier 1 stock is a "
                       f"0-{IPCC_DEPTH_CM:g} cm stock (IPCC 2019 Vol. 4, Tables 2.3 and 5.5) and RothC's is each region's "
                       "rothc.depth_cm layer, so varying soil.depth_cm would only relabel the same stock and an "
                       "analysis would find SOC insensitive to depth")
#: The fields no sweep, design or posterior draw may vary, each with why: the message every refusal gives.
FIXED_FIELDS = {SEED_FIELD: SEED_IS_THE_RUNS, DEPTH_FIELD: DEPTH_IS_THE_STOCKS}

def unread_reason(scenario: Scenario, dotted: str) -> str | None:
    """Why the soil model ``scenario`` chose never reads field ``dotted``, or None when it may.

    RothC's tables (``soil.rothc``, ``regions.<name>.rothc``) are read only under ``soil.model = 'rothc'``: a sweep,
    design or posterior varying them under Tier 1 would change nothing a run computes, and an analysis would call them
    uninfluential (referee 41 m6), as it would ``DEPTH_FIELD``.
    """
    parts = dotted.split(".")
    rothc_table = parts[:2] == ["soil", "rothc"] or (len(parts) > 3 and parts[0] == "regions" and parts[2] == "rothc")
    if rothc_table and scenario.soil.model != "rothc":
        return (f"{dotted} is read only by the RothC soil model and this scenario's soil.model is "
                f"{scenario.soil.model!r}: varying it changes nothing a run computes, so an analysis would call it "
                "uninfluential (vary it in a scenario with soil.model = 'rothc')")
    return None


#: What Pydantic puts last in an error's location when the key of a table's entry, not its value, is refused.
KEY_LOC = "[key]"


class ScenarioError(ValueError):
    """A scenario file could not be read or is invalid; the message is meant for the user as it is."""


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML data of ``path``: a regular UTF-8 file of at most ``MAX_FILE_BYTES``, nested ``MAX_NESTING`` deep.

    Named pipes, devices (``/dev/zero``), directories and binary files are refused before they are read, so a
    hostile path can neither hang the loader nor fill the memory.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the name
        raise ScenarioError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(f"{path}: is a directory; expected a scenario file (TOML)")
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(f"{path}: is not a regular file (a named pipe, device or socket); expected a scenario "
                            "file (TOML)")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"{path}: {info.st_size:,} bytes; a scenario file is at most {MAX_FILE_BYTES:,} bytes")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"{path}: not a text file (byte {raw[exc.start]:#04x} at position {exc.start} is not "
                            "UTF-8); expected a scenario file (TOML)") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested more than {MAX_NESTING} levels") from None
    _check_nesting(data, path)
    return data


def _check_nesting(data: dict[str, Any], path: Path) -> None:
    """Refuse tables or arrays nested deeper than ``MAX_NESTING`` (iteratively: no recursion to exhaust)."""
    stack = [(data, 1, "")]
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_NESTING:
            raise ScenarioError(f"{path}: {where.lstrip('.')}: nested more than {MAX_NESTING} levels; a scenario "
                                "needs at most a few")
        children = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1, f"{where}.{key}" if isinstance(node, dict) else f"{where}[{key}]"))


def _merge(base: dict, override: dict, origin: dict, origin_base: dict, file: Path, prefix: tuple) -> dict:
    """Merge ``override`` into a copy of ``base``; record in ``origin`` which file set each leaf path."""
    merged = dict(base)
    origin.update({k: v for k, v in origin_base.items() if k[: len(prefix)] == prefix})
    for key, value in override.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not _kind_changes(path, merged[key], value):
            merged[key] = _merge(merged[key], value, origin, origin_base, file, path)
        else:
            merged[key] = value
            for sub in [k for k in origin if k[: len(path)] == path]:
                del origin[sub]
            origin[path] = file
    return merged


def _kind_changes(path: tuple, base: dict, override: dict) -> bool:
    """True when ``path`` is a kind table and ``override`` sets a kind other than the inherited one."""
    return KIND in override and override[KIND] != base.get(KIND) and bool(_place(path).kinds)


@dataclass
class _Place:
    """Where an error location or a merge path lands in the schema."""

    path: tuple  # the field path, without the kind tags Pydantic inserts into error locations
    kind: str | None  # the kind tag passed through, if any
    model: type[BaseModel] | None  # the table model at the end (None at a leaf)
    kinds: dict[str, type[BaseModel]]  # the kinds of the last field, when it is a kind table


def _place(loc: tuple) -> _Place:
    """Follow ``loc`` (keys, list indices and kind tags) through the schema from ``Scenario``."""
    model: type[BaseModel] | None = Scenario
    kinds: dict[str, type[BaseModel]] = {}
    kind = None
    path = []
    for part in loc:
        if str(part) in kinds:  # a kind tag: continue in that kind's table
            model, kind, kinds = kinds[str(part)], str(part), {}
            continue
        path.append(part)
        field = model.model_fields.get(str(part)) if model else None
        if field is not None:  # dict keys (region names) and list indices keep the value model
            kinds = kinds_of(field)
            model = _model_in(field.annotation)
    return _Place(tuple(path), kind, model, kinds)


def _resolve(path: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], dict[tuple, Path]]:
    """Load ``path`` with its ``extends`` chain; return the merged data and the file of every leaf."""
    try:
        path = path.resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte in the name, a loop of symbolic links
        where = f" (the base that {chain[-1]} extends)" if chain else ""
        raise ScenarioError(f"{str(path)!r}: cannot read: {exc}{where}") from None
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{path}: extends: circular inheritance ({cycle})")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path}: extends: more than {MAX_EXTENDS_DEPTH} levels of inheritance")
    try:
        data = _read_toml(path)
    except ScenarioError as exc:
        if not chain:
            raise
        raise ScenarioError(f"{exc} (the base that {chain[-1]} extends)") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data, {(k,): path for k in data}
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends: expected a file name (string), got {parent!r}")
    base_data, base_origin = _resolve(path.parent / parent, (*chain, path))
    origin: dict[tuple, Path] = {}
    merged = _merge(base_data, data, origin, base_origin, path, ())
    return _own_titles(merged, data, origin, path), origin


def _own_titles(merged: dict[str, Any], data: dict[str, Any], origin: dict[tuple, Path], file: Path) -> dict[str, Any]:
    """``merged`` without the inherited translations of words that ``data`` (the derived file) rewrites.

    A translated title translates the English of the file that wrote it; a variant that sets its own ``name`` or
    ``description`` asks another question, and its base's translations would describe the base's design (referee 50
    m6). With its own ``name``, only the file's own ``[translations]`` stay; with its own ``description``, each
    language keeps its inherited name but loses an inherited description the file does not translate itself.
    Tables of the wrong type are left for validation to report; ``origin`` then names ``file`` as the one that set
    every translation kept with its own ``name``.
    """
    own = data.get("translations", {})
    if "name" in data:
        merged.pop("translations", None)
        for inherited in [loc for loc in origin if loc[0] == "translations"]:
            del origin[inherited]
        if "translations" in data:
            merged["translations"] = copy.deepcopy(own)
            origin[("translations",)] = file
    elif "description" in data and isinstance(merged.get("translations"), dict) and isinstance(own, dict):
        merged["translations"] = {code: _without_description(title, own.get(code))
                                  for code, title in merged["translations"].items()}
    return merged


def _without_description(title: Any, own_title: Any) -> Any:
    """A merged translated title without its description, unless the derived file's own title sets one."""
    if not isinstance(title, dict) or (isinstance(own_title, dict) and "description" in own_title):
        return title
    return {key: value for key, value in title.items() if key != "description"}


def _file_of(loc: tuple, origin: dict[tuple, Path], default: Path) -> Path:
    """The file that set ``loc`` or its nearest ancestor; the loaded file if none did."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in origin:
            return origin[loc[:n]]
    return default


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found:
            return found
    return None


def _describe(error: dict, origin: dict[tuple, Path], path: Path) -> str:
    place = _place(tuple(error["loc"]))
    loc, kind = place.path, place.kind
    key_refused = bool(loc) and loc[-1] == KEY_LOC  # the name of a table's entry failed (a region, a language)
    loc = loc[:-1] if key_refused else loc
    dotted = ".".join(f'"{p}"' if "." in str(p) else str(p) for p in loc) or "(top level)"
    of_kind = f" of kind = '{kind}'" if kind else ""
    error_type = error["type"]
    if error_type == "extra_forbidden":
        table = _place(tuple(error["loc"])[:-1]).model
        allowed = list(table.model_fields) if table else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; expected one of {', '.join(allowed)}" if allowed else "")
        where = _file_of(loc, origin, path)
        became = renamed(str(loc[-1]))
        if became:
            return f"{where}: {dotted}: {became}"
        return f"{where}: {dotted}: unknown field{of_kind}{hint}"
    if error_type == "missing":
        table = f" in [{'.'.join(str(p) for p in loc[:-1])}]" if len(loc) > 1 else ""
        if loc[0] == "translations" and origin.get(("name",)) == path:  # referee 52 m4: it inherits no translations
            return (f"{path}: {dotted}: missing required field{of_kind} (a file that sets its own name inherits no "
                    f"translated titles: set it{table} here)")
        return f"{path}: {dotted}: missing required field{of_kind} (set it{table} here or in the file this one extends)"
    got = error.get("input")
    # a check across a whole table may involve fields from several files: name the file being loaded; an
    # experiment entry (one distribution, one output) is set by one file: name it
    entry = len(loc) >= 2 and loc[0] in ("uncertain", "outputs")
    where = path if isinstance(got, dict) and not entry else _file_of(loc, origin, path)
    message = error["msg"].removeprefix("Value error, ")
    if key_refused:
        message = f"{loc[-1]!r} is not a name this table takes: {message}"
    if error_type in ("union_tag_invalid", "union_tag_not_found"):
        expected = place.kinds
        got_kind = got.get(KIND) if isinstance(got, dict) else None
        message = (f"kind = {got_kind!r} is not a known kind" if got_kind is not None else "kind: missing") + \
            f"; expected one of {', '.join(repr(k) for k in expected)}"
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    if not loc:  # whole-scenario checks name their fields in the message
        return f"{where}: {message}"
    field_loc = tuple(error["loc"])
    while len(field_loc) > 1 and isinstance(field_loc[-1], int):  # an item of a list field: the list's own field
        field_loc = field_loc[:-1]
    table, name = _place(field_loc[:-1]).model, str(field_loc[-1])
    hint = _unit_hint(error, table, name) or _bound_reason(error, table, name)
    return f"{where}: {dotted}: {message}{shown}" + (f"; {hint}" if hint else "")


#: Pydantic's error types for a number beyond a bound, and whether it is under the lower one.
_BOUND_ERRORS = {"greater_than_equal": True, "greater_than": True, "less_than_equal": False, "less_than": False}


def _unit_hint(error: dict, table: type[BaseModel] | None, name: str) -> str | None:
    """The field's unit and the unit its refused value was likely written in, for a field with ``LikelyUnit``."""
    field = table.model_fields.get(name) if table is not None else None
    if field is None or error["type"] not in _BOUND_ERRORS or not isinstance(error.get("input"), int | float):
        return None
    likely = next((m for m in field.metadata if isinstance(m, LikelyUnit)), None)
    if likely is None:
        return None
    bounds = [m for m in field.metadata if isinstance(m, Ge | Gt | Le | Lt)]

    def plausible(value: float) -> bool:
        return all(_within(bound, value) for bound in bounds)

    return likely.explain(name, error["input"], _BOUND_ERRORS[error["type"]], plausible)


def _bound_reason(error: dict, table: type[BaseModel] | None, name: str) -> str | None:
    """The field's description, for a number refused by a bound of a field without ``LikelyUnit``.

    The description gives the field's unit and the bound's reason (a money bound's "<= 5,000: above the full cost of
    ...", referee 34 m3).
    """
    field = table.model_fields.get(name) if table is not None else None
    if field is None or error["type"] not in _BOUND_ERRORS or not field.description:
        return None
    return f"{name}: {field.description}"


def _within(bound: Ge | Gt | Le | Lt, value: float) -> bool:
    """Whether ``value`` is within one bound of a field (its ``annotated_types`` metadata)."""
    if isinstance(bound, Ge):
        return value >= bound.ge
    if isinstance(bound, Gt):
        return value > bound.gt
    if isinstance(bound, Le):
        return value <= bound.le
    return value < bound.lt


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge and validate a scenario file.

    Args:
        path: the scenario TOML file.

    Returns:
        The validated, frozen ``Scenario``.

    Raises:
        ScenarioError: naming the file, the field path and what was expected, for every problem found.

    """
    path = Path(path)
    data, origin = _resolve(path, ())
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err, origin, path.resolve()) for err in exc.errors()]
        raise ScenarioError("invalid scenario:\n  " + "\n  ".join(lines)) from None
    _check_uncertain(scenario, lambda dotted: _file_of(("uncertain", dotted), origin, path.resolve()))
    return _resolve_posterior(scenario, _file_of(("posterior", "file"), origin, path.resolve()))


def _resolve_posterior(scenario: Scenario, file: Path) -> Scenario:
    """The scenario with ``posterior.file`` made absolute (relative to ``file``, which named it); it must exist."""
    if scenario.posterior is None:
        return scenario
    draws = (file.parent / scenario.posterior.file).resolve()
    if not draws.is_file():
        raise ScenarioError(f"invalid scenario:\n  {file}: posterior.file: {draws} not found; expected the "
                            "posterior.csv or posterior.parquet written by 'casim calibrate'")
    return scenario.model_copy(update={"posterior": scenario.posterior.model_copy(update={"file": str(draws)})})


def numeric_fields(data: dict, prefix: str = "") -> list[str]:
    """Dotted paths of every numeric (int or float, not bool) leaf of a scenario's data."""
    return list(numeric_leaves(data, prefix))


def numeric_leaves(data: dict, prefix: str = "") -> dict[str, int | float]:
    """Dotted path -> value of every numeric (int or float, not bool) leaf of a scenario's data."""
    leaves: dict[str, int | float] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            leaves.update(numeric_leaves(value, path + "."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            leaves[path] = value
    return leaves


def integer_fields(scenario: Scenario) -> set[str]:
    """Dotted paths of the scenario's integer fields (sampled values of these are whole numbers)."""
    leaves = numeric_leaves(scenario.model_dump(exclude={"uncertain", "outputs"}))
    return {path for path, value in leaves.items() if isinstance(value, int)}


def _check_uncertain(scenario: Scenario, file_of: Callable[[str], Path]) -> None:
    """Each uncertain path names a numeric field, and every edge value of its distribution is allowed there.

    An integer field takes whole numbers: a continuous distribution covers the whole numbers between its bounds,
    a discrete one must list whole numbers. Errors name the file that set the distribution.
    """
    if not scenario.uncertain:
        return
    leaves = numeric_leaves(scenario.model_dump(exclude={"uncertain", "outputs"}))
    base = scenario.model_copy(update={"uncertain": {}})
    for dotted, dist in scenario.uncertain.items():
        where = f"invalid scenario:\n  {file_of(dotted)}: uncertain.\"{dotted}\""
        if dotted not in leaves and renamed(dotted):
            raise ScenarioError(f"{where}: {renamed(dotted)}")
        if dotted in FIXED_FIELDS:
            raise ScenarioError(f"{where}: {FIXED_FIELDS[dotted]}")
        if unread_reason(scenario, dotted):
            raise ScenarioError(f"{where}: {unread_reason(scenario, dotted)}")
        if dotted not in leaves:
            close = difflib.get_close_matches(dotted, list(leaves), n=1, cutoff=0.5)
            hint = f"; the closest valid field is '{close[0]}'" if close else ""
            raise ScenarioError(f"{where}: not a numeric field of the scenario{hint}")
        integer = isinstance(leaves[dotted], int)
        if integer and dist.dist == "discrete" and not all(float(v).is_integer() for v in dist.values):
            raise ScenarioError(f"{where}: {dotted} is an integer field; its values must be whole numbers "
                                f"(got {dist.values})")
        extremes = dist.extremes()
        if integer:
            extremes = sorted({int(v) for v in extremes}) if dist.dist == "discrete" else \
                [math.ceil(dist.low), math.floor(dist.high)]
            if extremes[0] > extremes[-1]:
                raise ScenarioError(f"{where}: {dotted} is an integer field and no whole number lies between "
                                    f"low = {dist.low} and high = {dist.high}")
        for value in extremes:
            try:
                scenario_with_overrides(base, {dotted: value})
            except ScenarioError as exc:
                reason = str(exc).split(": ", 2)[-1]
                raise ScenarioError(f"{where}: the value {value} is not allowed: {reason}") from None
    _check_cost_corner(scenario, base, file_of)


#: What ends the scenario's production-cost check (``sim.scenario.scenario.cheapest_cost_terms``) reads: the last key
#: of each field -> the end of an uncertain range that lowers the cost (the herbicide index's keys are years). Kept in
#: step with the terms by hand: tests/test_money_bounds.py fails when a field or an end disagrees.
COST_FLOOR_ENDS = {"production_cost_per_ha": min, "annual_cost_change_per_ha": min, "herbicide_cost_per_ha": max}
#: The table whose entries (years) are a herbicide price index the production-cost check reads at its lowest.
HERBICIDE_INDEX = "herbicide_price_index_by_year"


def _check_cost_corner(scenario: Scenario, base: Scenario, file_of: Callable[[str], Path]) -> None:
    """The uncertain fields of the production-cost check, each at the end of its range that lowers the cost, together.

    Each end is allowed alone (``_check_uncertain``), but a sweep samples the fields jointly: a production cost at
    its low end with a no-till saving at its low end could give a negative cost no single end shows. The cost falls
    with each field's end named by ``COST_FLOOR_ENDS`` (a higher herbicide spend lowers it only where the index is
    below 1, and is harmless elsewhere), so this one corner is the worst.
    """
    corner = {}
    for dotted, dist in scenario.uncertain.items():
        parts = dotted.split(".")
        end = min if len(parts) > 1 and parts[-2] == HERBICIDE_INDEX else COST_FLOOR_ENDS.get(parts[-1])
        if end is not None:
            corner[dotted] = end(dist.extremes())
    if len(corner) < 2:
        return
    try:
        scenario_with_overrides(base, corner)
    except ScenarioError as exc:
        reason = str(exc).split(": ", 2)[-1]
        ends = ", ".join(f'uncertain."{dotted}" = {value:g}' for dotted, value in corner.items())
        raise ScenarioError(f"invalid scenario:\n  {file_of(next(iter(corner)))}: the ranges' ends {ends} are not "
                            f"allowed together, as a sweep may sample them: {reason}") from None


def scenario_with_overrides(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """Return a re-validated copy of ``scenario`` with dotted-path overrides (``{"carbon.farmer_share": 0.8}``).

    A table given as a value replaces the table at that path whole (``{"decision.rule": {"kind": "bass", ...}}``).

    Only the tables on the overridden paths are validated again (``_revalidated``), each with its fields' checks and
    its checks across fields, from the table that holds the value up to the scenario: a sweep asks for a scenario per
    run, and a whole scenario's validation costs ten times as much. A table's validators see only that table's
    values, so the result is the scenario that validating it whole gives (tests/test_overrides.py compares both for
    random overrides). Any override the quick way refuses is validated whole (``_validated_whole``), so an invalid
    override gets the same error either way.

    Raises:
        ScenarioError: an override names no field or names ``DEPTH_FIELD``, or gives a value its field (or a check
            across fields) refuses.

    """
    if DEPTH_FIELD in overrides:
        raise ScenarioError(f"{DEPTH_FIELD}: {DEPTH_IS_THE_STOCKS}")
    try:
        return _revalidated(scenario, _change_tree(overrides))
    except (_SlowPath, ValidationError):
        return _validated_whole(scenario, overrides)


class _SlowPath(Exception):
    """Overrides the quick validation leaves to the whole scenario's (unknown fields, paths inside other overrides)."""


@dataclass(frozen=True)
class _NewValue:
    """The value an override gives a field (a leaf of ``_change_tree``)."""

    value: Any


def _change_tree(overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides as a tree of field names with ``_NewValue`` leaves: {"carbon": {"farmer_share": _NewValue(0.8)}}.

    Raises ``_SlowPath`` when an override's path lies inside another's (a table replaced and one of its fields).
    """
    tree: dict[str, Any] = {}
    for dotted, value in overrides.items():
        node = tree
        *parents, name = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if isinstance(node, _NewValue):
                raise _SlowPath
        if name in node:
            raise _SlowPath
        node[name] = _NewValue(value)
    return tree


def _revalidated(table: Any, changes: dict[str, Any]) -> Any:
    """``table`` (a scenario table or a dict of them) with ``changes`` applied, its tables on their paths validated.

    A table is validated from its fields' values, the unchanged ones as they are (validated tables are taken as
    they are); a dict of tables (regions, crops) is checked by the table that holds it.

    Raises:
        ValidationError: a table refuses its new values.
        _SlowPath: a path that is not a field.

    """
    if isinstance(table, BaseModel):
        values = {name: getattr(table, name) for name in type(table).model_fields}
    elif isinstance(table, dict):
        values = dict(table)
    else:
        raise _SlowPath
    for name, change in changes.items():
        if name not in values:
            raise _SlowPath
        values[name] = change.value if isinstance(change, _NewValue) else _revalidated(values[name], change)
    return type(table).model_validate(values) if isinstance(table, BaseModel) else values


def _validated_whole(scenario: Scenario, overrides: dict[str, Any]) -> Scenario:
    """``scenario`` with ``overrides`` applied to its data and validated whole (every table, every check).

    Tables given whole are applied before the fields inside them (shorter paths first, whatever the order given),
    and copied, so a field overridden inside a table never writes into the caller's table.
    """
    data = scenario.model_dump(exclude_unset=False)
    for dotted, value in sorted(overrides.items(), key=lambda item: item[0].count(".")):
        value = copy.deepcopy(value)
        node = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(f"override {dotted!r}: no field {part!r}")
            node = node[part]
        if not isinstance(node, dict) or parts[-1] not in node:
            raise ScenarioError(f"override {dotted!r}: no field {parts[-1]!r}")
        node[parts[-1]] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err, {}, Path("<overrides>")) for err in exc.errors()]
        raise ScenarioError("invalid override:\n  " + "\n  ".join(lines)) from None
