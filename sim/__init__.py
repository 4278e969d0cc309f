"""Conservation Agriculture adoption simulator: a vectorised Mesa model with soil carbon, yields and income.

``AdoptionModel`` is imported when first asked for (``sim.AdoptionModel``, ``from sim import AdoptionModel``): importing
``sim`` or its scenario schema alone loads neither the model nor Numba, so the command line's help and scenario checks
start in a fraction of a second. The modules that compile kernels set Numba's cache directory first
(``sim.kernel_cache``).
"""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from sim.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from sim.model import AdoptionModel

try:
    __version__ = version("ca-adoption-sim")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"


def __getattr__(name: str) -> type:
    """``AdoptionModel``, imported on first use (module ``__getattr__``, PEP 562); any other name is an error."""
    if name != "AdoptionModel":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sim.model import AdoptionModel

    globals()[name] = AdoptionModel  # later uses find it without this call
    return AdoptionModel


__all__ = ["AdoptionModel", "Scenario", "ScenarioError", "load_scenario", "__version__"]
