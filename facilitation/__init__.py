"""What facilitators show: stories of runs, the offline HTML report, animations and the live dashboard."""

from __future__ import annotations

from pathlib import Path

from sim.scenario import ScenarioError

#: The scenario the dashboard opens when given none: scenarios/baseline.toml of the checkout casim is installed from
#: (``pip install -e .``, as ``make demo`` does). scenarios/ is not package data, so a wheel install has no default.
DEFAULT_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def default_scenario() -> Path:
    """``DEFAULT_SCENARIO``, or a ``ScenarioError`` naming where it was looked for and what to pass instead."""
    if not DEFAULT_SCENARIO.is_file():
        raise ScenarioError(f"no scenario given, and the default one is not at {DEFAULT_SCENARIO}: casim's scenarios "
                            "come with a checkout of its repository (installed with `pip install -e .` or `make demo`), "
                            "not with an installed wheel. Pass a scenario file: casim dashboard path/to/scenario.toml")
    return DEFAULT_SCENARIO
