"""Numba's cache of the compiled kernels is keyed by the package's sources (sim/kernel_cache.py).

Numba checks a cached kernel against its own file only, so a kernel inlining an @njit function of another module
(``economic.choose_practices`` -> ``valuation.move_value``) kept the callee's old code after the callee alone was
edited. These tests check the mechanism that prevents it without recompiling anything: an edit of the callee's module
changes the cache directory, and every cached kernel of the package is placed in that directory from the first import.
"""

import ast
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numba

from sim import kernel_cache
from sim.kernel_cache import GRACE_S, KEPT_VERSIONS, cache_key, prune, source_hash, use_keyed_cache

#: Kernels of the package compiled with ``cache=True`` (49 today); the check below must see most of them.
MIN_CACHED_KERNELS = 40
#: Modules of the package that import Numba (21 today besides ``kernel_cache``); the scan below must find most of them.
MIN_KERNEL_MODULES = 18


def test_an_edit_of_a_callee_module_alone_changes_the_cache_directory(tmp_path):
    tree = tmp_path / "sim"
    shutil.copytree(kernel_cache.PACKAGE_ROOT, tree, ignore=shutil.ignore_patterns("__pycache__"))
    key = cache_key(source_hash(tree))
    assert key == cache_key()  # the same sources elsewhere: by relative path and content, not where they live

    (tree / "behaviour" / "__pycache__").mkdir(exist_ok=True)
    (tree / "behaviour" / "__pycache__" / "economic.choose_practices-235.py312.nbi").write_bytes(b"compiled")
    (tree / "behaviour" / ".valuation.py.swp").write_bytes(b"an editor's swap file")
    assert cache_key(source_hash(tree)) == key  # compiled caches and hidden files are not sources

    callee = tree / "behaviour" / "valuation.py"  # inlined by the cached economic.choose_practices, not edited
    callee.write_text(callee.read_text().replace("return value - base - switching,", "return value - base,"))
    edited = cache_key(source_hash(tree))
    assert edited != key

    data = tree / "data" / "ipcc_tier1_2019.csv"  # packaged data read into the kernels' inputs count as well
    data.write_bytes(data.read_bytes() + b"\n")
    assert cache_key(source_hash(tree)) not in (key, edited)


def test_every_cached_kernel_lives_in_the_keyed_directory_from_the_first_import(tmp_path):
    """A fresh interpreter (as a spawned sweep worker): the directory is set before any kernel is decorated."""
    probe = """
import importlib, json, pkgutil, sys
import numba, sim
for module in pkgutil.walk_packages(sim.__path__, "sim."):  # every module, each kernel module's own way in
    importlib.import_module(module.name)
from sim import kernel_cache
paths = {f"{name}.{attr}": value._cache.cache_path
         for name, module in list(sys.modules.items()) if name.startswith("sim")
         for attr, value in vars(module).items()
         if isinstance(value, numba.core.registry.CPUDispatcher) and hasattr(value._cache, "cache_path")}
print(json.dumps({"cache_dir": numba.config.CACHE_DIR, "root": str(kernel_cache.CACHE_ROOT), "paths": paths}))
"""
    env = {name: value for name, value in os.environ.items() if name != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    expected = os.path.join(found["root"], cache_key())
    assert found["cache_dir"] == expected and os.path.isdir(expected)
    if sys.platform.startswith("linux"):  # platformdirs follows XDG_CACHE_HOME on Linux only
        assert expected.startswith(str(tmp_path))
    assert len(found["paths"]) >= MIN_CACHED_KERNELS
    assert {kernel: path for kernel, path in found["paths"].items() if not path.startswith(expected + os.sep)} == {}


def test_a_cache_directory_the_user_chose_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path / "mine"))  # what NUMBA_CACHE_DIR sets
    assert use_keyed_cache(tmp_path / "keyed") is None
    assert numba.config.CACHE_DIR == str(tmp_path / "mine") and not (tmp_path / "keyed").exists()


def test_an_unwritable_cache_root_leaves_numba_its_own_locators(tmp_path, monkeypatch):
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    (tmp_path / "a file").write_text("")
    assert use_keyed_cache(tmp_path / "a file" / "numba") is None
    assert numba.config.CACHE_DIR == ""


def test_a_new_directory_prunes_the_least_recently_used_beyond_the_kept_ones(tmp_path, monkeypatch):
    now = time.time()
    # More directories used within the grace period than are kept (kept whatever their rank), then older ones.
    ages_s = {f"used {minutes} min ago": minutes * 60 for minutes in range(1, 60, 50 // KEPT_VERSIONS)}
    ages_s |= {f"used {days} days ago": days * 86400 for days in range(1, 4)}
    for name, age_s in ages_s.items():
        (tmp_path / name / "behaviour_0").mkdir(parents=True)
        os.utime(tmp_path / name, (now - age_s, now - age_s))
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")

    assert use_keyed_cache(tmp_path, key="new") == tmp_path / "new"
    assert numba.config.CACHE_DIR == str(tmp_path / "new")
    recent = [name for name, age_s in ages_s.items() if age_s <= GRACE_S]
    assert len(recent) > KEPT_VERSIONS
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["new", *recent])

    prune(tmp_path, keep=tmp_path / "new", now=now + 10 * GRACE_S)  # later, nothing in use any more
    assert len(list(tmp_path.iterdir())) == KEPT_VERSIONS + 1


def first_package_import(path: Path) -> str | None:
    """The first module of ``sim`` a file imports at its top level ('sim.kernel_cache' for ``from sim import
    kernel_cache, parallel``), None when it imports none."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] == "sim":
            return f"{node.module}.{node.names[0].name}" if node.module == "sim" else node.module
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sim":
                    return alias.name
    return None


def test_every_kernel_module_sets_the_cache_directory_before_its_kernels_whatever_is_imported_first():
    """Importing ``sim`` alone does not set it (the command line's help must not load Numba: test_cli_startup.py),
    so each module of ``sim`` that imports Numba must reach ``sim.kernel_cache`` before any other module of ``sim``
    (whose kernels would be decorated first) and before its own kernels: itself, or through a package above it."""
    root = Path(kernel_cache.__file__).parent
    checked, unguarded = [], []
    for path in sorted(root.rglob("*.py")):
        if path.name == "kernel_cache.py" or "numba" not in {module.split(".")[0] for module in imports_in(path)}:
            continue
        checked.append(path)
        packages = [folder / "__init__.py" for folder in path.parents if folder != root.parent and root in
                    (folder, *folder.parents)]
        if not any(first_package_import(file) == "sim.kernel_cache" for file in (path, *packages)):
            unguarded.append(str(path.relative_to(root)))
    assert len(checked) >= MIN_KERNEL_MODULES and unguarded == []


def imports_in(path: Path) -> list[str]:
    """Modules a file imports at its top level."""
    found = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found
