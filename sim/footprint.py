"""Memory a run needs, estimated from its scenario before anything is allocated.

A run's memory is the farmer table and the other per-farm arrays (a fixed number of bytes per farmer) plus the
social network (bytes per stored link of the CSR matrix, counting the edge lists it is built from) plus a fixed
overhead, plus, for a start in behavioural equilibrium, the chains of at most ``sim.behaviour.start.CHUNK`` farms
built at a time. The constants are measured, not derived (``benchmarks/bench_scaling.py`` prints the resident peak
per farmer at 1 M farmers); ``tests/test_input_hardening.py`` builds and runs models of several scenarios and
networks under ``tracemalloc`` and checks the estimate stays above the measured peak and within a factor of it.
Re-measure them when the farmer table or the network grows new arrays.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from sim.behaviour.start import CHUNK
from sim.farmers import allocate_farmers
from sim.incentives.counterfactual import has_programme
from sim.scenario import Scenario

#: Peak bytes per farmer without links: the farmer table (parameters, state, beliefs), soil, yields, access,
#: learning and social-information arrays, with the temporaries of a step (the largest: this year's harvest,
#: accounts and settlements alive while the year is recorded, or the observation's). Two measurements bound it:
#: - one model of the baseline at 1 M farmers (build and 3 years, ``benchmarks/model_child.py``): 859-892 B per
#:   farmer of resident peak in all, about 700 B without the 6.6 links per farmer (the estimate at 1 M, 979 B, is above);
#: - a carbon programme (model and counterfactual, each counted with this term) at 200,000 farmers over 10 years:
#:   tracemalloc peak 401 MB against an estimate of 412 MB (``tests/test_input_hardening.py``). The programme's
#:   credit and registry accounts make it the tighter of the two: 590 B, enough for the baseline since designs with
#:   nothing to settle stopped allocating their zeros, gave 0.87x its peak (referee 16).
#: The start's chains (``BYTES_PER_CHAIN_FARM``) are counted on top although they are freed before the first year:
#: at 40,000 farmers, where they weigh most, the estimate stays within 2x of the measured peak.
BYTES_PER_FARMER = 760
#: Peak bytes per farm whose chain the equilibrium start builds (move tables 16 x P x P x 2 float64, feasibility,
#: each state's gross revenue, margin and scale, laws; measured 4.8 KB at CHUNK = 5,000), one model at a time.
BYTES_PER_CHAIN_FARM = 5_300
#: Peak bytes per stored link (one direction of an edge): the CSR's index and weight, the int64 edge lists and
#: the COO copies it is built from (measured: 21-24 B).
BYTES_PER_LINK = 28
#: Memory of an empty model: Python objects, the yearly table, Numba's and Mesa's bookkeeping.
FIXED_BYTES = 8_000_000
#: Randomly drawn links are counted this many standard deviations above their expected number (a draw beyond
#: it has a probability below 1e-9).
RANDOM_LINK_SDS = 6


#: Models of at least this many farmers give freed memory back to the system after every year (``release_freed``):
#: above the largest stacked model of a sweep (``experiments.runs.MAX_STACKED_FARMERS``), so small runs never pay it.
RELEASE_FROM_FARMERS = 250_000


@cache
def _libc_function(name: str) -> Callable[..., int] | None:
    """The C library's function ``name`` (glibc: ``malloc_trim``, ``mallopt``), or None where it has none (musl, macOS)."""
    library = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(library), name, None) if library else None
    except OSError:
        return None


def release_freed(n_farmers: int) -> None:
    """Give the memory a year's temporaries freed back to the system, for a model of ``n_farmers`` (glibc only).

    glibc keeps freed blocks of a few MB in its heap (its mmap threshold rises after the first such free), and a
    year's per-farm temporaries of different sizes fragment it: at 1 M farmers the resident peak grew by about
    100 B per farmer over 7 years while the live arrays did not. ``malloc_trim`` after each year keeps it flat
    (1,146 -> 1,048 B per farmer after 7 years) for about 4 ms a year. Results do not change.
    Still needed once big models keep their (n, P) decision uniforms between years (``FarmStreams.keep_outputs``):
    measured at 1 M farmers (``benchmarks/model_child.py``, 2 threads, four runs each), without the trim a step took
    236-272 ms against 254-262 ms with it, but the peak was 1,008-1,052 B per farmer against 960-1,026 B; the
    year's other per-farm arrays (harvest, accounts, settlements) are still faulted in again after it, about 35 B
    per farmer a year (``benchmarks/profile_step.py`` counts them per stage).
    """
    trim = _libc_function("malloc_trim") if n_farmers >= RELEASE_FROM_FARMERS else None
    if trim is not None:
        trim(0)


#: glibc ``mallopt`` parameters (malloc.h): M_TRIM_THRESHOLD and M_MMAP_THRESHOLD.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Blocks up to this size come from the heap, not from their own mapping (glibc's largest on 64-bit systems).
HEAP_BLOCKS_UP_TO = 32 * 2**20
#: Free memory at the top of the heap kept for reuse rather than given back to the system.
KEEP_FREED_BYTES = 512 * 2**20


@cache
def keep_freed_memory() -> bool:
    """Let this process reuse the memory a stacked model's yearly temporaries free, rather than give it back (glibc).

    A stacked batch allocates per-farm tables of a few MB at every stage of every year (the deciding farms'
    valuation tables, (m, 16) float64: 2.4 MB at 19,000 farms), and glibc gives the top of its heap back to the
    system whenever more than its trim threshold is free there, so the next tables are mapped and zeroed again, page
    by page. Measured on a 32-run Sobol batch (1,000 farmers x 30 years, ``benchmarks/profile_batch.py``): 3,800
    page faults a run, 800 with these settings, about 5 % of the run's CPU time. The memory is kept for reuse, not
    leaked (the resident size stays near the batch's peak; ``release_freed`` still trims big models).
    Results do not change. Set once per process and kept by it (a big model built later in the same process takes
    its blocks up to ``HEAP_BLOCKS_UP_TO`` from the heap too); False where the C library has no ``mallopt``.
    """
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO)) and bool(mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES))


@dataclass(frozen=True)
class Footprint:
    """Estimated peak memory of one run, in bytes, and what it is made of."""

    farmers: int
    links: int  # stored links (both directions of every edge), an upper bound
    bytes: int
    models: int = 1  # 2 when the scenario has an incentive programme (its counterfactual runs alongside)

    def describe(self) -> str:
        """'1,000,000 farmers and 6,500,000 links: about 0.6 GB'."""
        return f"{self.farmers:,} farmers and {self.links:,} links: about {gigabytes(self.bytes)}"


def gigabytes(n_bytes: float) -> str:
    """Bytes as a short human figure ('0.6 GB', '1,234.5 GB')."""
    return f"{n_bytes / 1e9:,.1f} GB"


def expected_links(scenario: Scenario, sizes: list[int]) -> int:
    """Upper bound of the links a run stores (each edge counted in both directions), before drawing them.

    Ring lattice: ``neighbours`` per farmer; random links: ``inter_village_links_per_farmer`` per farmer;
    exchange links: twice their density's count, rounded up; demonstration farms: twice their reach. Random links
    (a Poisson number of edges) count ``RANDOM_LINK_SDS`` standard deviations above their mean.
    """
    net = scenario.network
    n = sum(sizes)
    if net.kind == "complete":
        return 0
    links = n * net.neighbours + 2 * _above_mean(n * net.inter_village_links_per_farmer / 2)
    index = {name: i for i, name in enumerate(scenario.regions)}
    for link in net.exchange:
        a, b = (sizes[index[r]] for r in link.regions)
        links += 2 * math.ceil(link.links_per_1000_farms * b / 1000)
    for size, region in zip(sizes, scenario.regions.values(), strict=True):
        links += 2 * min(math.ceil(region.demo_farms_per_1000_farms * size / 1000), size) * min(net.demo_reach, max(size - 1, 0))
    return int(links)


def _above_mean(mean: float) -> float:
    """A count drawn with ``mean`` (Poisson or binomial, variance at most the mean), ``RANDOM_LINK_SDS`` sd up."""
    return mean + RANDOM_LINK_SDS * math.sqrt(mean)


def run_footprint(scenario: Scenario, n_farmers: int | None = None) -> Footprint:
    """Estimated peak memory of a run of ``scenario`` with ``n_farmers`` (the file's counts when None).

    A scenario with an incentive programme runs its counterfactual alongside (``sim.incentives.counterfactual``):
    a second model of the same farms and network, so the per-farmer and per-link terms count twice.

    Raises ValueError for a population the scenario cannot take (fewer farmers than regions).
    """
    sizes = allocate_farmers(scenario, n_farmers)
    n = sum(sizes)
    links = expected_links(scenario, sizes)
    models = 2 if has_programme(scenario) else 1
    rule = scenario.decision.rule
    chains = min(max(sizes), CHUNK) if scenario.decision.start == "equilibrium" and rule.kind == "economic" and \
        rule.revision_rate > 0 else 0
    return Footprint(n, links, FIXED_BYTES + models * (BYTES_PER_FARMER * n + BYTES_PER_LINK * links)
                     + BYTES_PER_CHAIN_FARM * chains, models)
