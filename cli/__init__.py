"""The ``casim`` command line (Typer + Rich). Each module registers its commands on the shared ``app``.

A command imports what it runs (the model and its compiled kernels, pandas, SciPy, the analyses) in its own body, not
at the module's import: ``casim --help`` and a command's ``--help`` then start in a fraction of a second instead of
the model's 2-3 s (``tests/test_cli_startup.py`` checks that importing the command line loads neither Numba nor the
model). What the help shows (option limits, methods, languages) comes from light modules: the scenario schema,
``experiments.spec``, ``experiments.executors``, ``experiments.designs``, ``facilitation.i18n``.
"""

import importlib

from cli.common import app, stop_cleanly_on_signals

# Registration order is the order of ``casim --help``: single runs, policy comparison, experiments, facilitators.
for _module in ("runs", "policy", "experiments", "facilitators"):
    importlib.import_module(f"cli.{_module}")



def main() -> None:
    """The ``casim`` program: the command line, stopping cleanly on Ctrl+C and SIGTERM."""
    stop_cleanly_on_signals()
    app()


__all__ = ["app", "main"]
