"""The ``casim`` command line (Typer + Rich). Each module registers its commands on the shared ``app``."""

import importlib

from cli.common import app

# Registration order is the order of ``casim --help``: single runs, policy comparison, experiments, facilitators.
for _module in ("runs", "policy", "experiments", "facilitators"):
    importlib.import_module(f"cli.{_module}")

__all__ = ["app"]
