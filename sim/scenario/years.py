"""Tables keyed by calendar year (``{"2030" = 35.0, ...}``): checking their keys, and reading them in a year."""

from __future__ import annotations

import numpy as np


def check_year_keys(table: dict[str, float], low: int, high: int, what: str, name: str = "") -> None:
    """Raise ValueError unless ``table`` is non-empty and keyed by years ("1985") between low and high."""
    if not table:
        raise ValueError(f"{name}is empty; expected years mapped to {what}")
    for key in table:
        if not (key.isdigit() and low <= int(key) <= high):
            raise ValueError(f"{name}key {key!r} is not a year from {low} to {high} (expected e.g. \"2030\")")


def interpolate_by_year(table: dict[str, float], year: int | np.ndarray) -> float | np.ndarray:
    """Value of a year-keyed table in ``year``: linear between the given years, held flat outside them."""
    years = sorted(table, key=int)
    return np.interp(year, [int(y) for y in years], [table[y] for y in years])
