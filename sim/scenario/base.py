"""Building blocks of the scenario schema: the strict table base class, common value types, kind tables.

A *kind table* is a table with a ``kind`` key that selects which fields the table has (a Pydantic discriminated
union): ``[carbon.price.path]`` (how the market price moves) and ``[decision.rule]`` (how farmers choose).
A file that ``extends`` another and sets a different ``kind`` replaces the inherited table instead of merging
into it, so no field of the other kind is carried over (``sim.scenario.loader``).
"""

from __future__ import annotations

from typing import Annotated, Any, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.fields import FieldInfo

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
RelativeEffect = Annotated[float, Field(ge=-0.9, le=1.0)]
RegionName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]

#: The key that selects the fields of a kind table.
KIND = "kind"


class Strict(BaseModel):
    """Base for all scenario tables: unknown keys are errors, values are not coerced, objects are frozen."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def kind_table(*members: type[Strict]) -> Any:
    """The annotation of a kind table whose ``kind`` selects one of ``members`` (each with a ``kind`` literal)."""
    return Annotated[Union[members], Field(discriminator=KIND)]  # noqa: UP007 (a tuple of members)


def kinds_of(field: FieldInfo | None) -> dict[str, type[BaseModel]]:
    """{kind: table model} of a kind-table field; empty for any other field."""
    if field is None or field.discriminator != KIND:
        return {}
    out = {}
    for member in get_args(field.annotation):
        out.update({tag: member for tag in get_args(member.model_fields[KIND].annotation)})
    return out
