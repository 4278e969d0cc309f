"""Conservation Agriculture adoption simulator: a vectorised Mesa model with soil carbon, yields and income."""

from importlib.metadata import PackageNotFoundError, version

from sim.model import AdoptionModel
from sim.scenario import Scenario, ScenarioError, load_scenario

try:
    __version__ = version("ca-adoption-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["AdoptionModel", "Scenario", "ScenarioError", "load_scenario", "__version__"]
