"""The model package depends on nothing that uses it: ``sim`` imports nothing from experiments, analysis,
facilitation or cli (read from the source with ``ast``, so a lazy import inside a function counts too)."""

import ast
from pathlib import Path

from conftest import ROOT

#: Packages built on the model; data flows scenario -> model -> outputs -> these, never back.
USERS = {"experiments", "analysis", "facilitation", "cli"}
#: ``sim/cli`` is the command line moving out to the top-level ``cli`` package (issue 11); until then it is the one
#: part of ``sim`` allowed to call the packages above.
MOVING_OUT = {"cli"}


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


def imports_of_users(package: Path) -> list[str]:
    """'file:line module' for every import of a user package in ``package`` (excluding ``MOVING_OUT``)."""
    out = []
    for path in sorted(package.rglob("*.py")):
        if MOVING_OUT & set(path.relative_to(package).parts[:-1]):
            continue
        for line, module in imported_modules(path):
            if module.split(".")[0] in USERS:
                out.append(f"{path.relative_to(package.parent)}:{line} {module}")
    return out


def test_sim_imports_nothing_from_the_packages_that_use_it():
    scanned = [p for p in (ROOT / "sim").rglob("*.py") if not MOVING_OUT & set(p.relative_to(ROOT / "sim").parts)]
    assert len(scanned) > 30  # the scan sees the whole package
    assert imports_of_users(ROOT / "sim") == []


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
    assert imports_of_users(package) == ["sim/rooms/planted.py:3 experiments.spec",
                                         "sim/rooms/planted.py:4 facilitation.report",
                                         "sim/rooms/planted.py:6 analysis.sweep", "sim/rooms/planted.py:7 cli"]
