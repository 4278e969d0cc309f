"""The ``casim`` command line (Typer + Rich). Each module registers its commands on the shared ``app``."""

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
