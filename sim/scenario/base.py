"""Building blocks of the scenario schema: the strict table base class, common value types, kind tables.

A *kind table* is a table with a ``kind`` key that selects which fields the table has (a Pydantic discriminated
union): ``[carbon.price.path]`` (how the market price moves) and ``[decision.rule]`` (how farmers choose).
A file that ``extends`` another and sets a different ``kind`` replaces the inherited table instead of merging
into it, so no field of the other kind is carried over (``sim.scenario.loader``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]
RelativeEffect = Annotated[float, Field(ge=-0.9, le=1.0)]
RegionName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]


@dataclass(frozen=True)
class LikelyUnit:
    """A field's unit, and the unit a value beyond its plausibility bounds was likely written in (schema metadata).

    The loader's error for such a value says what the mistake probably was (referee 32 m3). ``unit`` is the field's
    unit as the error names it ("kg/ha"), ``short`` the unit after a converted number ("per t" for "currency units
    per t"); ``below`` and ``above`` are (the unit mistaken for ``unit``, the factor turning a value in it into
    ``unit``) for a value under the lower and over the upper bound, or None where no unit mistake is likely there.
    """

    unit: str
    short: str
    below: tuple[str, float] | None = None
    above: tuple[str, float] | None = None

    def explain(self, name: str, value: float, too_small: bool, plausible: Callable[[float], bool]) -> str | None:
        """What the error adds for field ``name`` refusing ``value`` (under its lower bound if ``too_small``).

        The value converted from the likely unit is given when ``plausible`` accepts it; otherwise only the factor,
        since the mistake is then a guess. None when no unit mistake is likely on that side.
        """
        mistaken = self.below if too_small else self.above
        if mistaken is None:
            return None
        unit, factor = mistaken
        converted = value * factor
        if plausible(converted):
            return f"{name} is in {self.unit}: {value!r} looks like {unit} ({_significant(converted)} {self.short})"
        return f"{name} is in {self.unit} (a value in {unit} would be x {factor:,g})"


def _significant(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits with thousands separators and no exponent: 3,300 or 1.25."""
    return f"{float(f'{value:.{digits}g}'):,.15g}"


#: The key that selects the fields of a kind table.
KIND = "kind"
#: Largest magnitude of any number in a scenario file. No scenario quantity is meaningfully beyond a million
#: million in its unit (farmers, ha, currency, t CO2e), while products of larger numbers overflow in a run
#: (1e308 passes every ``ge`` bound and turns outputs into inf and NaN). Fields may set tighter bounds.
MAX_MAGNITUDE = 1e12
#: Plausibility bound of yearly money per ha (referee 33 m5): a production cost, a practice's cost change (either
#: sign), a hire fee, a herbicide spend, a fodder value, an unmodelled benefit or a payment, currency/ha/yr. Above
#: the full yearly cost of the most input-intensive grain production (US maize with land rent, about 2,000-2,500
#: USD/ha, USDA ERS commodity costs and returns, RECALLED). The schema's currencies (USD, EUR) are within ~10 % of
#: each other, so one bound serves both; a value per ha with a typo's zeros or in a wrong unit lies beyond it.
MAX_MONEY_PER_HA_PER_YEAR = 5_000.0
#: Yearly money per ha within the plausibility bound: a cost, fee or payment (>= 0) or a change of cost (either sign).
MoneyPerHa = Annotated[float, Field(ge=0.0, le=MAX_MONEY_PER_HA_PER_YEAR)]
MoneyChangePerHa = Annotated[float, Field(ge=-MAX_MONEY_PER_HA_PER_YEAR, le=MAX_MONEY_PER_HA_PER_YEAR)]


def _beyond_magnitude(value: Any) -> tuple[str, int | float] | None:
    """(where, number) of the first number in ``value`` (a leaf, list or dict) beyond ``MAX_MAGNITUDE``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return ("", value) if abs(value) > MAX_MAGNITUDE else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list | tuple) else ()
    for key, item in items:
        found = _beyond_magnitude(item)
        if found is not None:
            return f"[{key!r}]{found[0]}", found[1]
    return None


class Strict(BaseModel):
    """Base for all scenario tables: unknown keys are errors, values are not coerced, objects are frozen.

    Every number of every table is finite (``inf`` and ``nan`` are TOML floats, and rejected) and within
    +-``MAX_MAGNITUDE``: one check here for all fields, present and future, but ``NOT_QUANTITIES``.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)
    #: Fields that hold no quantity, only a label (a random seed), and have bounds of their own instead.
    NOT_QUANTITIES: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _finite_magnitude(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in cls.NOT_QUANTITIES:
            return value
        found = _beyond_magnitude(value)
        if found is not None:
            where, number = found
            at = f" at {where}" if where else ""
            raise ValueError(f"{number!r}{at} is beyond +-{MAX_MAGNITUDE:g}, the largest number a scenario may hold")
        return value


#: Fields that were renamed: old key -> what it became and how to convert a value. A file (or an uncertain path,
#: or a design column) that still uses the old key gets this as its error instead of "unknown field".
RENAMED_FIELDS = {
    "demo_farms": "renamed 'demo_farms_per_1000_farms': demonstration farms per 1,000 farms of the region (a share, "
                  "so that a run's mean path does not depend on --farmers); convert with count / the region's "
                  "farmers x 1000, e.g. 4 of 4,000 farms -> 1.0",
    "links": "[[network.exchange]] links (a count) was replaced by 'links_per_1000_farms': links per 1,000 farms of "
             "the served (second) region, so that a run does not depend on --farmers; convert with links / the "
             "served region's farmers x 1000, e.g. 600 links to 3,500 farms -> 171.43",
    "probability": "[[network.exchange]] probability (per farmer pair) was replaced by 'links_per_1000_farms': "
                   "links per 1,000 farms of the served (second) region; convert with probability x the first "
                   "region's farmers x 1000",
    "harvest_index": "[ghg] harvest_index was removed: the residue behind residue N2O now follows from each "
                     "region's crop, grain dry matter x allocation_straw / allocation_product of [crops.<crop>] "
                     "(the allocation RothC's inputs use: harvest index 0.50 for maize, 0.40 for soybean)",
    "programme_cost_per_year": "[[network.exchange.equipment]] programme_cost_per_year was replaced by "
                               "'cost_per_farm_per_year': the programme's yearly cost per farm of the served region "
                               "(a total fixed per run made cost per adopter depend on --farmers); convert with the "
                               "cost / the served region's farmers, e.g. 100,000 USD for 3,500 farms -> 28.57",
}


def renamed(dotted: str) -> str | None:
    """What the renamed field at the end of ``dotted`` (a key or a dotted path) became; None if it was not renamed."""
    return RENAMED_FIELDS.get(dotted.rsplit(".", 1)[-1])


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
