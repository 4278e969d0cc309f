"""Data flows one way: scenario -> model (sim) -> experiments -> analysis -> facilitation -> cli.

Each package imports only the packages before it, so the model never depends on the tools built on it. Imports
are read from the source with ``ast``, so a lazy import inside a function or an ``importlib`` call counts too.
"""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

LAYERS = ("sim", "experiments", "analysis", "facilitation", "cli")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a Python file, including ``importlib.import_module("...")`` calls."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str) and getattr(node.func, "attr", getattr(node.func, "id", None)) in (
                    "import_module", "__import__"):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def imports_of(package: Path, forbidden: set[str]) -> list[str]:
    """'file:line module' for every import of a ``forbidden`` top-level package anywhere in ``package``."""
    out = []
    for path in sorted(package.rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                out.append(f"{path.relative_to(package.parent)}:{line} {module}")
    return out


@pytest.mark.parametrize("position", range(len(LAYERS)), ids=LAYERS)
def test_a_package_imports_only_the_packages_before_it(position):
    package = ROOT / LAYERS[position]
    assert len(list(package.rglob("*.py"))) > 3  # the scan sees the package
    assert imports_of(package, set(LAYERS[position + 1:])) == []


def test_the_scan_finds_a_planted_import(tmp_path):
    package = tmp_path / "sim"
    (package / "rooms").mkdir(parents=True)
    (package / "clean.py").write_text("import numpy\nfrom sim.outputs import COLUMNS\nimport analysisx\n")
    (package / "rooms" / "planted.py").write_text(
        "import os\n"
        "def later():\n"
        "    from experiments.spec import check\n"
        "    import facilitation.report as report\n"
        "    import importlib\n"
        "    return importlib.import_module('analysis.sweep')\n"
        "from cli import app\n")
    assert imports_of(package, set(LAYERS[1:])) == [
        "sim/rooms/planted.py:3 experiments.spec", "sim/rooms/planted.py:4 facilitation.report",
        "sim/rooms/planted.py:6 analysis.sweep", "sim/rooms/planted.py:7 cli"]


def test_mesa_visualisation_internals_are_reached_through_one_adapter():
    """Mesa is pinned for the dashboard's sake: only facilitation/solara_mesa.py may use mesa.visualization."""
    users = {str(path.relative_to(ROOT)) for package in LAYERS for path in sorted((ROOT / package).rglob("*.py"))
             if any(module.startswith("mesa.visualization") for _, module in imported_modules(path))}
    assert users == {"facilitation/solara_mesa.py"}
