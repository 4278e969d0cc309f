"""The documentation stays in step with the code."""

from conftest import ROOT

from sim.scenario.paramdoc import markdown, rows


def test_parameter_reference_is_up_to_date():
    expected = markdown()
    assert (ROOT / "docs" / "parameters.md").read_text() == expected, "run: python -m sim.scenario.paramdoc > docs/parameters.md"


def test_every_scenario_field_has_a_description():
    missing = [path for path, _, _, description in rows() if not description.strip()]
    assert missing == []


def test_odd_covers_its_sections_and_links_the_reference():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    for section in ("Purpose and patterns", "Entities, state variables and scales", "Process overview and scheduling",
                    "Design concepts", "Initialization", "Input data", "Submodels", "parameters.md",
                    "Theoretical and empirical background", "Individual decision-making", "Learning",
                    "Individual sensing", "Individual prediction", "Interaction", "Collectives", "Heterogeneity",
                    "Stochasticity", "Observation", "validation.md"):
        assert section in odd, section
