"""Data flows one way: scenario -> model (sim) -> experiments -> analysis -> facilitation -> cli.

Each package imports only the packages before it, so the model never depends on the tools built on it. Imports
are read from the source with ``ast``, so a lazy import inside a function or an ``importlib`` call counts too.
"""

import ast
import re
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


#: A backticked name ending in ``.py``, or a backticked directory (``behaviour/``), in docs/architecture.md.
DOC_NAME = re.compile(r"`([\w./*-]+?\.py|[\w]+/)`")


def doc_modules(doc: str) -> tuple[set[str], set[str]]:
    """The modules docs/architecture.md names, as paths from the repository root: (anywhere, in its tables).

    A heading naming a package (`` `sim/` ``) sets the package that follows; so does a table row whose first cell is
    a package (rows with an empty first cell continue it). A row whose first cell is another directory
    (`` `behaviour/` ``) names its files in that directory of the package. Elsewhere a name is taken from the package,
    but a path from a directory of the repository (`` `tests/test_outputs.py` ``) is taken as it is.
    """
    anywhere, in_tables, package = set(), set(), None
    for line in doc.splitlines():
        names = DOC_NAME.findall(line)
        directory = ""
        if line.startswith("#") or line.startswith("| `") and names and names[0] in {f"{p}/" for p in LAYERS}:
            package = next((n for n in names if n.rstrip("/") in LAYERS), package)
            names = [n for n in names if n != package]
        elif line.startswith("| `") and names and names[0].endswith("/"):
            directory, names = names[0], names[1:]
        for name in names:
            if name.endswith(".py") and package:
                from_root = "/" in name and (ROOT / name.split("/")[0]).is_dir()  # sim/..., tests/...
                path = name if from_root else f"{package}{directory}{name}"
                anywhere.add(path)
                if line.startswith("|"):
                    in_tables.add(path)
    return anywhere, in_tables


def package_modules() -> set[str]:
    """Every module of the five packages but their ``__init__.py``, as paths from the repository root."""
    return {path.relative_to(ROOT).as_posix() for package in LAYERS for path in (ROOT / package).rglob("*.py")
            if path.name != "__init__.py"}


def test_the_architecture_doc_names_every_module_and_only_modules_that_exist():
    """A module added without its line in docs/architecture.md, or a line left for a module gone, fails here."""
    anywhere, in_tables = doc_modules((ROOT / "docs" / "architecture.md").read_text())
    modules = package_modules()
    assert len(modules) > 80  # the scan sees the packages
    assert sorted(modules - anywhere) == []
    assert sorted(path for path in in_tables - modules if path.split("/")[0] in LAYERS) == []


def test_the_doc_scan_reads_rows_and_directories():
    doc = ("## Rooms (`sim/`)\n| room | what |\n|---|---|\n| `model.py` | the model |\n"
           "| `soil/` | `base.py`, `tier1.py` and `rothc_model.py` |\n"
           "The Tier 1 step in `soil/tier1.py`; `tests/test_kernels.py` checks kernels.\n"
           "## Workflows\n| package | module | job |\n|---|---|---|\n| `experiments/` | `runs.py` | runs |\n"
           "| | `gone.py` | no longer there |\n| `cli/` | `runs.py` | commands |\n")
    anywhere, in_tables = doc_modules(doc)
    assert in_tables == {"sim/model.py", "sim/soil/base.py", "sim/soil/tier1.py", "sim/soil/rothc_model.py",
                         "experiments/runs.py", "experiments/gone.py", "cli/runs.py"}
    assert anywhere == in_tables | {"tests/test_kernels.py"}
    assert "experiments/gone.py" not in package_modules() and "sim/soil/rothc.py" in package_modules()
