"""Experiment designs over a scenario's ``[uncertain]`` fields: SALib samples, Latin hypercubes, grids, CSV tables.

A design is a matrix (samples x parameters) of scenario field values, in the order of ``Problem.names``.
SALib works on its ``problem`` dictionary; distributions map as uniform -> unif, triangular -> triang,
normal -> truncnorm (truncated to [low, high]), discrete -> unif over [0, n) then the value at floor(u).
Integer fields take whole numbers: a uniform one is uniform over the whole numbers from ceil(low) to floor(high)
(unif over [ceil(low), floor(high) + 1), then floor), other distributions are rounded to the nearest.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from experiments.spec import ExperimentError
from sim.scenario import (
    FIXED_FIELDS,
    Scenario,
    ScenarioError,
    Uncertain,
    integer_fields,
    numeric_fields,
    scenario_with_overrides,
    unread_reason,
)
from sim.scenario.base import renamed

#: SALib methods a sensitivity analysis can use, with the sampler each analyses.
METHODS = ("sobol", "morris", "fast", "rbd_fast", "delta", "pawn")
#: Methods that estimate indices from any sample of the parameter space ("given data"): they can re-analyse
#: the runs of a sweep made for another method.
GIVEN_DATA_METHODS = ("rbd_fast", "delta", "pawn")
#: Methods whose indices SALib computes for groups of parameters.
GROUP_METHODS = ("sobol", "morris")
#: Morris: levels of the grid each factor moves on (p = 4 is Saltelli et al.'s (2004) usual choice; SALib's default).
MORRIS_LEVELS = 4
#: FAST's interference factor M (SALib's default) and the smallest N it accepts: N > 4 M^2, so 65.
FAST_M = 4
FAST_MIN_SAMPLES = 4 * FAST_M**2 + 1
#: RBD-FAST's harmonics M (SALib's default) and the smallest N whose indices and intervals mean anything. A
#: periodogram of n points has n // 2 frequencies; SALib's bootstrap resamples N // 2 points, so below
#: N = 4 M + 4 every resample has no frequency above the M harmonics, reads S1 = 1 exactly and the interval is 0
#: (at N // 2 = 2 M SALib 1.6 divides by zero). On Ishigami (100 Latin designs per N) every N from 12 to 43 gave
#: intervals of 0 around S1 up to 3.3 from the analytic value; from N = 44 the interval (+-1.0 at 44, +-0.09 at
#: 500) covered the analytic S1 for every design and parameter. ``analysis.sensitivity`` flags intervals too wide
#: to rank parameters.
RBD_FAST_M = 10
RBD_FAST_MIN_SAMPLES = 4 * RBD_FAST_M + 4
#: Most samples a design may have, however it is made (a CSV file, a grid, a hypercube, a SALib sample): each is at
#: least one run, and 10^6 runs of 1,000 farmers take 8.4 hours a replicate at the 33 runs/s the 2-core benchmark
#: reaches (README, bench_sweep), with every run's rows read back at the sweep's end (``experiments.plan``'s memory
#: check). A larger design is a mistake (a grid's levels^fields, an N meant for another method), not a plan.
MAX_DESIGN_ROWS = 1_000_000


@dataclass(frozen=True)
class Problem:
    """The uncertain fields of a scenario in a fixed order, with their distributions, types and groups."""

    names: tuple[str, ...]
    dists: tuple[Uncertain, ...]
    integer: tuple[bool, ...] = ()

    @classmethod
    def of(cls, scenario: Scenario) -> Problem:
        """The problem of ``scenario.uncertain`` (raises ExperimentError when it has none)."""
        if not scenario.uncertain:
            raise ExperimentError("the scenario has no [uncertain] table: nothing to sample")
        ints = integer_fields(scenario)
        return cls(tuple(scenario.uncertain), tuple(scenario.uncertain.values()),
                   tuple(name in ints for name in scenario.uncertain))

    def is_integer(self, j: int) -> bool:
        """True when parameter ``j`` is an integer field."""
        return bool(self.integer) and self.integer[j]

    @property
    def groups(self) -> list[str] | None:
        """The group of each parameter (its own name when it has none); None when no parameter names a group."""
        if not any(d.group for d in self.dists):
            return None
        return [d.group or name for name, d in zip(self.names, self.dists, strict=True)]

    @property
    def factors(self) -> list[str]:
        """What the indices are about: the groups (in order of first appearance) or the parameters."""
        return list(dict.fromkeys(self.groups)) if self.groups else list(self.names)

    def salib(self) -> dict:
        """SALib's problem dictionary."""
        bounds, dists = [], []
        for j, d in enumerate(self.dists):
            if d.dist == "uniform" and self.is_integer(j):
                bounds.append([math.ceil(d.low), math.floor(d.high) + 1])
                dists.append("unif")
            elif d.dist == "uniform":
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
        problem = {"num_vars": len(self.names), "names": list(self.names), "bounds": bounds, "dists": dists}
        if self.groups:
            problem["groups"] = self.groups
        return problem

    def decode(self, samples: np.ndarray) -> np.ndarray:
        """Field values from SALib-scaled samples: discrete indices become the listed values, integers whole."""
        out = np.array(samples, dtype=np.float64)
        for j, d in enumerate(self.dists):
            if d.dist == "discrete":
                index = np.clip(np.floor(out[:, j]).astype(int), 0, len(d.values) - 1)
                out[:, j] = np.asarray(d.values)[index]
            elif self.is_integer(j):
                whole = np.floor(out[:, j]) if d.dist == "uniform" else np.round(out[:, j])
                out[:, j] = np.clip(whole, math.ceil(d.low), math.floor(d.high))
        return out

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Field values from points of the unit hypercube (inverse CDFs)."""
        from SALib.util import scale_samples

        return self.decode(scale_samples(np.array(unit, dtype=np.float64), self.salib()))


def check_design_size(samples: int, what: str) -> None:
    """Refuse a design of more than ``MAX_DESIGN_ROWS`` samples before it is built; ``what`` says what made it."""
    if samples > MAX_DESIGN_ROWS:
        raise ExperimentError(f"{what} makes {samples:,} samples, more than the {MAX_DESIGN_ROWS:,} a design may have "
                              f"(each sample is at least one run); choose a smaller design")


def check_sobol_n(n: int) -> None:
    """Refuse a Sobol' base sample size N that is not a power of 2 (SALib warns and samples anyway)."""
    if n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise ExperimentError(f"N = {n}: a Sobol' sample needs N a power of 2 (its sequence has its convergence "
                              f"properties only then), e.g. {lower} or {2 * lower}")


def sample_block(method: str, n_factors: int, second_order: bool = False) -> int | None:
    """Rows per base sample of a method's design (subsets of whole blocks are valid designs); None if not.

    Given-data methods take any rows (block 1); FAST's design cannot be cut (None).
    """
    if method == "sobol":
        return 2 * n_factors + 2 if second_order else n_factors + 2
    if method == "morris":
        return n_factors + 1
    return 1 if method in GIVEN_DATA_METHODS else None


def salib_sample_size(problem: Problem, method: str, n: int, second_order: bool = False) -> int:
    """Samples ``salib_sample`` makes (see its docstring), computed without sampling."""
    if method == "fast":
        return samples_used(method, n) * len(problem.names)
    return samples_used(method, n) * sample_block(method, len(problem.factors), second_order)


def min_samples(method: str) -> int | None:
    """The smallest base sample size ``method``'s estimator works with, when it has one below which it cannot."""
    return {"fast": FAST_MIN_SAMPLES, "rbd_fast": RBD_FAST_MIN_SAMPLES}.get(method)


def min_samples_reason(method: str) -> str:
    """Why ``method`` needs ``min_samples(method)`` (empty for methods without a minimum)."""
    return {"fast": f"N > 4 M^2 with M = {FAST_M}",
            "rbd_fast": f"N >= 4 M + 4 with M = {RBD_FAST_M} harmonics: with fewer, its bootstrap sees no frequency "
                        "above the harmonics, every S1 reads 1 and every interval 0"}.get(method, "")


def samples_used(method: str, n: int) -> int:
    """The base sample size a method runs for a requested ``n`` (at least ``min_samples(method)``)."""
    return max(n, min_samples(method) or n)


def clamp_note(method: str, n: int) -> str | None:
    """The note saying a method ran more base samples than the requested ``n`` (None when it ran ``n``)."""
    used = samples_used(method, n)
    if used == n:
        return None
    name = {"fast": "FAST", "rbd_fast": "RBD-FAST"}[method]
    return f"{name} needs N >= {used} ({min_samples_reason(method)}): ran N = {used} instead of the requested {n}"


def salib_sample(problem: Problem, method: str, n: int, seed: int, second_order: bool = False,
                 levels: int = MORRIS_LEVELS) -> np.ndarray:
    """SALib's sample for ``method`` (in SALib's scaled units; ``Problem.decode`` gives field values).

    Sizes (D parameters, or G groups): sobol n (G + 2), or n (2G + 2) with second-order indices; morris
    n (G + 1) trajectories on ``levels`` levels; fast ``samples_used(n)`` x D; rbd_fast ``samples_used(n)``, delta
    and pawn n Latin-hypercube points. ``seed`` may be 0 (samplers seed a generator with it as it is).

    Raises:
        ExperimentError: an unknown method, groups with a method that does not support them, a Sobol' N that is not
            a power of 2, or a sample of more than ``MAX_DESIGN_ROWS`` (refused before sampling).

    """
    from SALib.sample import fast_sampler, latin, morris, sobol

    if method not in METHODS:
        raise ExperimentError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    if problem.groups and method not in GROUP_METHODS:
        raise ExperimentError(f"method {method!r} computes no group indices; [uncertain] fields name groups, which "
                              f"only {' and '.join(GROUP_METHODS)} support (remove the groups or change --method)")
    if method == "sobol":
        check_sobol_n(n)
    check_design_size(salib_sample_size(problem, method, n, second_order),
                      f"a {method} sample of N = {n} over {len(problem.factors)} factors")
    p = problem.salib()
    if method == "sobol":
        return sobol.sample(p, n, calc_second_order=second_order, seed=seed)
    if method == "morris":
        return morris.sample(p, n, num_levels=levels, seed=seed)
    if method == "fast":
        return fast_sampler.sample(p, samples_used(method, n), M=FAST_M, seed=seed)
    return latin.sample(p, samples_used(method, n), seed=seed)


def latin_hypercube(problem: Problem, n: int, seed: int) -> np.ndarray:
    """N Latin-hypercube samples (scipy.stats.qmc), as field values (at most ``MAX_DESIGN_ROWS``)."""
    check_design_size(n, f"a Latin hypercube of {n:,} points")
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(problem.names), seed=seed).random(n)
    return problem.from_unit(unit)


def grid(problem: Problem, levels: int) -> np.ndarray:
    """Full factorial grid: ``levels`` evenly spaced values per continuous field (all values of discrete ones).

    An integer field gets the distinct whole numbers nearest to its evenly spaced values. A grid of more than
    ``MAX_DESIGN_ROWS`` points is refused before it is built.
    """
    axes = []
    for j, d in enumerate(problem.dists):
        if d.dist == "discrete":
            axes.append(list(d.values))
        elif problem.is_integer(j):
            axes.append(sorted({float(v) for v in np.round(np.linspace(math.ceil(d.low), math.floor(d.high), levels))}))
        else:
            axes.append(list(np.linspace(d.low, d.high, levels)))
    check_design_size(math.prod(map(len, axes)), f"a grid of {levels} levels over {len(axes)} fields")
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
    raise ExperimentError(f"unknown design {kind!r}; expected grid, lhs or replicates")


def read_design(path: Path, scenario: Scenario) -> tuple[tuple[str, ...], np.ndarray]:
    """A design from a CSV file: a header of dotted scenario fields, one row of values per sample.

    Each column must be a numeric field of ``scenario`` (not only an ``[uncertain]`` one), each value a finite
    number (a whole number for an integer field), and the smallest and largest value of each column must be
    allowed in its field. Combinations the scenario refuses (e.g. a ceiling below a floor) fail as single runs.

    Returns:
        (parameter names, values (rows x parameters)).

    Raises:
        ExperimentError: naming the file, the column (and row) and what was expected.

    """
    path = Path(path)
    if not path.is_file():
        raise ExperimentError(f"{path}: not a file; expected a CSV design (a header of dotted scenario fields)")
    header, lines, cells = read_csv_rows(path, MAX_DESIGN_ROWS)
    if not lines or not header:
        raise ExperimentError(f"{path}: no design rows; expected a header of dotted scenario fields and one row per "
                              "sample")
    fields = numeric_fields(scenario.model_dump(exclude={"uncertain", "outputs"}))
    ints = integer_fields(scenario)
    base = scenario.model_copy(update={"uncertain": {}})
    columns = [c.strip() for c in header]
    if len(set(columns)) != len(columns):
        raise ExperimentError(f"{path}: a column is named twice in the header {columns}")
    values = np.empty((len(lines), len(columns)), dtype=np.float64)
    for j, name in enumerate(columns):
        where = f"{path}: column {name!r}"
        if name not in fields and renamed(name):
            raise ExperimentError(f"{where}: {renamed(name)}")
        if name in FIXED_FIELDS:
            raise ExperimentError(f"{where}: {FIXED_FIELDS[name]}")
        if unread_reason(scenario, name):
            raise ExperimentError(f"{where}: {unread_reason(scenario, name)}")
        if name not in fields:
            close = difflib.get_close_matches(name, fields, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else "; expected a dotted numeric scenario field"
            raise ExperimentError(f"{where}: not a numeric field of the scenario{hint}")
        for i, (line, row) in enumerate(zip(lines, cells, strict=True)):
            text = row[j]
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not math.isfinite(number) or (name in ints and not number.is_integer()):
                kind = "a whole number" if name in ints else "a finite number"
                raise ExperimentError(f"{where}, line {line}: {text!r} is not {kind}")
            values[i, j] = number
        for value in (values[:, j].min(), values[:, j].max()):
            try:
                scenario_with_overrides(base, {name: int(value) if name in ints else float(value)})
            except ScenarioError as exc:
                reason = str(exc).split(": ", 2)[-1]
                raise ExperimentError(f"{where}: the value {value:g} is not allowed: {reason}") from None
    return tuple(columns), values


def read_csv_rows(path: Path, max_rows: int) -> tuple[list[str], list[int], list[list[str]]]:
    """A CSV file's header, the line number of each row and its cells as text (blank lines skipped).

    Raises:
        ExperimentError: a file that is not UTF-8 text, more than ``max_rows`` rows, or a row with more or fewer
            values than the header names fields (naming its line: a value too many would shift the others).

    """
    lines, cells = [], []
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:  # -sig: a spreadsheet's byte-order mark
            reader = csv.reader(file)
            header = next(reader, [])
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    count = f"{len(row)} value" + ("s" if len(row) != 1 else "")
                    raise ExperimentError(f"{path}, line {reader.line_num}: {count}, but the header names "
                                          f"{len(header)} fields; expected one value per field")
                if len(lines) == max_rows:
                    raise ExperimentError(f"{path}: more than {max_rows:,} rows")
                lines.append(reader.line_num)
                cells.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExperimentError(f"{path}: not a readable CSV file ({exc})") from None
    return header, lines, cells
