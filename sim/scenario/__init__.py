"""The scenario: the schema of every field a scenario file may set (one module per room) and the file loader.

Rooms: ``farms`` (practices, regions), ``behaviour`` (decision rules, learning), ``incentives`` (carbon programme,
Twin Regions market, payments), ``soil``, ``network``, ``experiment`` (uncertain fields, outputs of interest,
observed patterns, posterior draws);
``scenario`` puts them together; ``loader`` reads files; ``paramdoc`` writes docs/parameters.md.
"""

from sim.scenario.experiment import OutputOfInterest, Pattern, PosteriorDraws, Uncertain
from sim.scenario.loader import (
    DEPTH_FIELD,
    DEPTH_IS_THE_STOCKS,
    FIXED_FIELDS,
    SEED_FIELD,
    SEED_IS_THE_RUNS,
    ScenarioError,
    integer_fields,
    load_scenario,
    numeric_fields,
    scenario_with_overrides,
    unread_reason,
)
from sim.scenario.scenario import TITLE_LANGUAGES, Scenario, Title

__all__ = [
    "DEPTH_FIELD",
    "DEPTH_IS_THE_STOCKS",
    "FIXED_FIELDS",
    "SEED_FIELD",
    "SEED_IS_THE_RUNS",
    "TITLE_LANGUAGES",
    "OutputOfInterest",
    "Pattern",
    "PosteriorDraws",
    "Scenario",
    "ScenarioError",
    "Title",
    "Uncertain",
    "integer_fields",
    "load_scenario",
    "numeric_fields",
    "scenario_with_overrides",
    "unread_reason",
]
