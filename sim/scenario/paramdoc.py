"""Generate the scenario parameter reference (``docs/parameters.md``) from the schema itself.

Run ``python -m sim.scenario.paramdoc > docs/parameters.md``; a test fails when the file is out of date or a field
has no description.
"""

from __future__ import annotations

import types
import typing

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.base import KIND, MAX_MAGNITUDE, kinds_of
from sim.scenario.scenario import Scenario


def _model_of(annotation: typing.Any) -> tuple[type[BaseModel] | None, str]:
    """The scenario table model inside an annotation, and the path suffix for dict/list containers."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    origin = typing.get_origin(annotation)
    for arg in typing.get_args(annotation):
        model, _ = _model_of(arg)
        if model is not None:
            return model, ".<name>" if origin is dict else "[]" if origin is list else ""
    return None, ""


def _constraints(info: FieldInfo) -> str:
    parts = []
    for meta in info.metadata:
        for attr, symbol in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if getattr(meta, attr, None) is not None:
                parts.append(f"{symbol} {getattr(meta, attr)}")
    return ", ".join(parts)


def _type_name(annotation: typing.Any) -> str:
    """A short, readable type: Annotated and Optional unwrapped, dicts as tables."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(repr(a) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join("omitted" if a is type(None) else _type_name(a) for a in args)
    if origin is dict:
        return f"table {_type_name(args[0])} -> {_type_name(args[1])}"
    if origin is list:
        return f"list of {_type_name(args[0])}"
    return annotation.__name__ if isinstance(annotation, type) else str(annotation)


def rows(model: type[BaseModel] = Scenario, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(dotted path, type, constraints, description) for every field, depth first."""
    out = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        kinds = kinds_of(info)
        inner, suffix = _model_of(info.annotation)
        if kinds:  # a kind table: the kind, then each kind's own fields
            first = next(iter(kinds.values()))
            out.append((path, "kind table", "", info.description or ""))
            out.append((f"{path}.{KIND}", _type_name(typing.Literal[tuple(kinds)]), "",
                        first.model_fields[KIND].description or ""))
            for kind, member in kinds.items():
                out.extend((p, t, c, f"({KIND} = '{kind}') {d}") for p, t, c, d in rows(member, f"{path}.")
                           if p != f"{path}.{KIND}")
        elif inner is not None:
            out.append((path + suffix, "table", "", info.description or inner.__doc__.splitlines()[0]))
            out.extend(rows(inner, f"{path}{suffix}."))
        else:
            annotation = typing.get_args(info.annotation)[0] if typing.get_origin(info.annotation) is typing.Annotated \
                else info.annotation
            out.append((path, _type_name(annotation), _constraints(info), info.description or ""))
    return out


def markdown() -> str:
    """The parameter reference as Markdown."""
    lines = [
        "# Scenario parameter reference",
        "",
        "Generated from the schema in `sim/scenario/` by `python -m sim.scenario.paramdoc`; do not edit by hand.",
        "Defaults and their sources are in `scenarios/parts/defaults.toml` and `scenarios/base.toml`.",
        f"Every number is finite (no `inf` or `nan`) and within +-{MAX_MAGNITUDE:g}, besides the bounds below.",
        "",
        "| field | type | allowed | meaning (units) |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{p}` | {t} | {c} | {d.replace('|', '\\|')} |" for p, t, c, d in rows()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
