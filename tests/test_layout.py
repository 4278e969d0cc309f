"""Data flows one way: scenario -> model (sim) -> experiments -> analysis -> facilitation -> cli.

Each package imports only the packages before it, so the model never depends on the tools built on it.
"""

import ast

import pytest
from conftest import ROOT

LAYERS = ("sim", "experiments", "analysis", "facilitation", "cli")


def imports(path) -> set[str]:
    """Absolute module names imported by a Python file (anywhere in it, including inside functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str):
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("position", range(len(LAYERS)), ids=LAYERS)
def test_a_package_imports_only_the_packages_before_it(position):
    later = set(LAYERS[position + 1:])
    offending = {str(path.relative_to(ROOT)): sorted(name for name in imports(path) if name.split(".")[0] in later)
                 for path in modules(LAYERS[position])}
    assert {path: names for path, names in offending.items() if names} == {}


def test_mesa_visualisation_internals_are_reached_through_one_adapter():
    """Mesa is pinned for the dashboard's sake: only facilitation/solara_mesa.py may use mesa.visualization."""
    users = {str(path.relative_to(ROOT)) for package in LAYERS for path in modules(package)
             if any(name.startswith("mesa.visualization") for name in imports(path))}
    assert users == {"facilitation/solara_mesa.py"}
