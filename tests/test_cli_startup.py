"""`casim --help` and every command's --help start without the model: no Numba, model, pandas or SciPy imported.

The command line imports what a command runs in the command's body (``cli/__init__``), so reading the help costs the
interpreter, Typer and the scenario schema (a fraction of a second), not the 2-3 s of the model's import. Checked on
the modules a fresh interpreter holds after printing every help page, not by timing.
"""

import json
import os
import subprocess
import sys

#: Modules the help must not import: the compiled kernels and the model, and the libraries only runs need.
HEAVY = ("numba", "sim.model", "sim.outputs", "sim.ensemble", "mesa", "pandas", "scipy", "pyarrow", "experiments.runs")

PROBE = """
import json, sys
import typer
from cli import app
commands = sorted(typer.main.get_command(app).commands)
pages = {}
for args in (["--help"], *([name, "--help"] for name in commands)):
    try:
        app(args=args, prog_name="casim")
    except SystemExit as done:
        pages[" ".join(args)] = done.code
print(json.dumps({"pages": pages, "commands": commands, "loaded": sorted(sys.modules)}))
"""


def test_every_help_page_is_printed_without_importing_the_model():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.splitlines()[-1])
    assert {"run", "sweep", "sensitivity", "compare", "calibrate", "report"} <= set(found["commands"])
    assert found["pages"] == {page: 0 for page in ["--help", *(f"{name} --help" for name in found["commands"])]}
    assert "Usage: casim sweep" in done.stdout and "--years" in done.stdout
    loaded = set(found["loaded"])
    assert "cli.experiments" in loaded and "sim.scenario" in loaded  # the probe did import the command line
    assert sorted(module for module in HEAVY if module in loaded) == []


def test_the_model_is_still_reached_through_the_package():
    """``sim.AdoptionModel`` is imported on first use, and kernels then load from the keyed cache directory."""
    probe = ("import sys, sim; assert 'sim.model' not in sys.modules; model = sim.AdoptionModel; "
             "from sim import AdoptionModel, kernel_cache; import numba; "
             "print(model is AdoptionModel is sys.modules['sim.model'].AdoptionModel, "
             "numba.config.CACHE_DIR == str(kernel_cache.DIRECTORY))")
    env = {name: value for name, value in os.environ.items() if name != "NUMBA_CACHE_DIR"}  # the package's own
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "True"]
