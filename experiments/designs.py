"""Experiment designs over a scenario's ``[uncertain]`` fields: SALib samples, Latin hypercubes and grids.

A design is a matrix (samples x parameters) of scenario field values, in the order of ``Problem.names``.
SALib works on its ``problem`` dictionary; distributions map as uniform -> unif, triangular -> triang,
normal -> truncnorm (truncated to [low, high]), discrete -> unif over [0, n) then the value at floor(u).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from sim.scenario import Scenario, Uncertain

#: SALib methods a sensitivity analysis can use.
METHODS = ("sobol", "morris", "fast", "delta")
#: Morris: levels of the grid each factor moves on (p = 4 is Saltelli et al.'s (2004) usual choice; SALib's default).
MORRIS_LEVELS = 4
#: FAST needs N > 4 M^2 samples per parameter, with interference factor M = 4 (SALib's default): at least 65.
FAST_MIN_SAMPLES = 65


@dataclass(frozen=True)
class Problem:
    """The uncertain fields of a scenario in a fixed order, with their distributions."""

    names: tuple[str, ...]
    dists: tuple[Uncertain, ...]

    @classmethod
    def of(cls, scenario: Scenario) -> Problem:
        """The problem of ``scenario.uncertain`` (raises ValueError when it has none)."""
        if not scenario.uncertain:
            raise ValueError("the scenario has no [uncertain] table: nothing to sample")
        return cls(tuple(scenario.uncertain), tuple(scenario.uncertain.values()))

    def salib(self) -> dict:
        """SALib's problem dictionary."""
        bounds, dists = [], []
        for d in self.dists:
            if d.dist == "uniform":
                bounds.append([d.low, d.high])
                dists.append("unif")
            elif d.dist == "triangular":
                bounds.append([d.low, d.high, (d.mode - d.low) / (d.high - d.low)])
                dists.append("triang")
            elif d.dist == "normal":
                bounds.append([d.low, d.high, d.mean, d.sd])
                dists.append("truncnorm")
            else:
                bounds.append([0.0, float(len(d.values))])
                dists.append("unif")
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": bounds, "dists": dists}

    def decode(self, samples: np.ndarray) -> np.ndarray:
        """Field values from SALib-scaled samples: discrete indices become the listed values."""
        out = np.array(samples, dtype=np.float64)
        for j, d in enumerate(self.dists):
            if d.dist == "discrete":
                index = np.clip(np.floor(out[:, j]).astype(int), 0, len(d.values) - 1)
                out[:, j] = np.asarray(d.values)[index]
        return out

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Field values from points of the unit hypercube (inverse CDFs)."""
        from SALib.util import scale_samples

        return self.decode(scale_samples(np.array(unit, dtype=np.float64), self.salib()))


def salib_sample(problem: Problem, method: str, n: int, seed: int) -> np.ndarray:
    """SALib's sample for ``method`` (in SALib's scaled units; ``Problem.decode`` gives field values).

    Sizes: sobol n (D + 2) (first-order and total indices), morris n (D + 1), fast n D, delta n.
    """
    from SALib.sample import fast_sampler, latin, morris, sobol

    p = problem.salib()
    if method == "sobol":
        return sobol.sample(p, n, calc_second_order=False, seed=seed)
    if method == "morris":
        return morris.sample(p, n, num_levels=MORRIS_LEVELS, seed=seed)
    if method == "fast":
        return fast_sampler.sample(p, max(n, FAST_MIN_SAMPLES), seed=seed)
    if method == "delta":
        return latin.sample(p, n, seed=seed)
    raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def latin_hypercube(problem: Problem, n: int, seed: int) -> np.ndarray:
    """N Latin-hypercube samples (scipy.stats.qmc), as field values."""
    unit = qmc.LatinHypercube(d=len(problem.names), seed=seed).random(n)
    return problem.from_unit(unit)


def grid(problem: Problem, levels: int) -> np.ndarray:
    """Full factorial grid: ``levels`` evenly spaced values per continuous field (all values of discrete ones)."""
    axes = []
    for d in problem.dists:
        if d.dist == "discrete":
            axes.append(list(d.values))
        else:
            axes.append(list(np.linspace(d.low, d.high, levels)))
    return np.array(list(itertools.product(*axes)), dtype=np.float64)


def design_matrix(scenario: Scenario, kind: str, levels: int = 3, samples: int | None = None) -> np.ndarray:
    """The design of a sweep over ``scenario``'s uncertain fields (samples x parameters).

    kind: "grid" (``levels`` values per continuous field), "lhs" (``samples`` Latin-hypercube points seeded by the
    scenario's seed) or "replicates" (one sample of no parameters: the scenario as it is).
    """
    if kind == "grid":
        return grid(Problem.of(scenario), levels)
    if kind == "lhs":
        return latin_hypercube(Problem.of(scenario), samples, scenario.seed)
    if kind == "replicates":
        return np.zeros((1, 0))
    raise ValueError(f"unknown design {kind!r}; expected grid, lhs or replicates")
