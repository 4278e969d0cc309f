"""Conservation Agriculture adoption simulator: a vectorised Mesa model with soil carbon, yields and income."""

from importlib.metadata import PackageNotFoundError, version

from sim import kernel_cache

# Before any kernel module is imported: Numba fixes a kernel's cache directory when ``cache=True`` is applied.
kernel_cache.use_keyed_cache()

from sim.model import AdoptionModel  # noqa: E402
from sim.scenario import Scenario, ScenarioError, load_scenario  # noqa: E402

try:
    __version__ = version("ca-adoption-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["AdoptionModel", "Scenario", "ScenarioError", "load_scenario", "__version__"]
