"""Global sensitivity analysis of stored sweep results with SALib: indices, convergence, seed variance.

Each output of interest is reduced to one number per run (its value, or change since the start, in a year);
replicates of a sample are averaged before SALib's analysis.

Every number is either correct or flagged with the reason it cannot be computed, never a silent zero:

- An output that is undefined (NaN) or infinite in some runs, constant over all runs, or left with too few
  samples by failed runs gets no indices: its rows say why (``note``). Sobol and Morris analyse the whole base
  samples (blocks) that remain complete; FAST needs every run.
- SALib's bootstraps are seeded with non-zero seeds derived from the experiment's seed (SALib ignores a seed
  of 0), so the same analysis gives the same confidence intervals, whatever the workers or resumptions.
- Seed noise: the share of the output's variance over all runs that lies within samples,
  E_samples[Var_seeds(Y)] / Var_runs(Y), both with n - 1 (unbiased), with a bootstrap interval over samples.
  Each sample has its own seeds (``experiments.plan``), so the share is not confounded with parameters. When
  seed noise makes up most of the variance of the replicate means SALib analyses, the output is flagged.
"""

from __future__ import annotations

import json
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from analysis.plots import sensitivity_convergence, sensitivity_indices
from experiments.designs import (
    GIVEN_DATA_METHODS,
    METHODS,
    MORRIS_LEVELS,
    RBD_FAST_M,
    Problem,
    clamp_note,
    min_samples,
    min_samples_reason,
    salib_sample,
    sample_block,
    samples_used,
)
from experiments.executors import Executor, LocalExecutor, workers_of
from experiments.plan import make_plan
from experiments.posterior import refuse_posterior
from experiments.spec import ExperimentError, Output, outputs_of
from experiments.store import SweepStore
from experiments.sweep import run_sweep
from sim.outputs import COLUMNS
from sim.scenario import Scenario, Uncertain

#: Convergence check: indices are recomputed on the first 1/8, 1/4, 1/2 and all of the base samples.
CONVERGENCE_FRACTIONS = (8, 4, 2, 1)
#: Sobol's estimators need at least two base samples; the other methods are not worth running on fewer.
MIN_BASE_SAMPLES = 2
#: Noise dominates an output when more than this share of the variance of the replicate means SALib analyses
#: is seed noise: its indices then mostly measure noise.
NOISE_DOMINATES = 0.5
#: A noise-dominated output's warning says how many replicates would bring seed noise down to this share of the
#: variance of the replicate means (referee 51 m5: "under about 30 %"); seeds are independent, so the noise in a mean
#: of R replicates falls as 1/R whatever the output, while more farmers help only as far as its noise averages out.
NOISE_TARGET = 0.3
#: Indices on a 0-1 scale whose 95 % interval is wider than +- this cannot rank parameters whose indices differ by
#: less: the output is flagged as not resolved at this sample size (a referee's N = 32 Sobol gave ST = 2.50 +- 1.53
#: without a word). Unbounded indices are held to the same share of the output's largest index of their kind.
UNRESOLVED_HALF_WIDTH = 0.1
#: Indices on a 0-1 scale: shares of variance (Sobol, FAST, RBD-FAST, delta's S1), delta's moment-independent
#: measure and PAWN's Kolmogorov-Smirnov statistics.
UNIT_INDICES = ("S1", "ST", "delta", "pawn_median", "pawn_max")
#: Indices in the output's unit (Morris's mu_star): their scale is the output's largest index of the kind.
SCALED_INDICES = ("mu_star",)
#: Level of every confidence interval (SALib's, and the bootstrap intervals computed here).
CONF_LEVEL = 0.95
#: Bootstrap resamples of the seed-variance share's interval (1000 keeps the 2.5 % quantile's Monte Carlo error
#: near 0.01 of the interval's width) and of PAWN's indices (100, SALib's own default for its bootstraps: each
#: PAWN resample is a full analysis).
BOOTSTRAP_RESAMPLES = 1000
PAWN_RESAMPLES = 100
#: Seed used for SALib's bootstraps when a sweep has no scenario (e.g. the Ishigami plumbing check).
DEFAULT_ANALYSIS_SEED = 20_250_101


def analysis_seed(seed: int, *purpose: str | int) -> int:
    """A non-zero 31-bit seed for one bootstrap, derived from the experiment's ``seed`` and its ``purpose``.

    SALib's analyses skip seeding for a seed of 0 (``if seed:``), so 0 is never returned.
    """
    words = [int(seed) % 2**32, *(zlib.crc32(str(p).encode()) for p in purpose)]
    state = int(np.random.SeedSequence(words).generate_state(1, np.uint32)[0])
    return state % (2**31 - 2) + 1


def output_values(rows: pd.DataFrame, output: Output) -> pd.DataFrame:
    """One value per run: columns run_id, sample_id, replicate, value (ordered by run_id)."""
    if output.column not in rows.columns:
        raise ExperimentError(f"output {output.name!r}: no column {output.column!r} in the stored runs")
    at = rows[rows.year == output.year].set_index("run_id")
    value = at[output.column].astype(np.float64)
    if output.change:
        first = rows.sort_values("year").groupby("run_id").first()[output.column]
        value = value - first.loc[value.index]
    frame = at[["sample_id", "replicate"]].copy()
    frame["value"] = value
    return frame.reset_index().sort_values("run_id")


@dataclass(frozen=True)
class SeedVariance:
    """How much of an output's variance is seed noise (NaN when fewer than two samples have two replicates)."""

    share: float  # within-sample / total variance over runs (both with n - 1), clipped at 1 (``seed_variance``)
    low: float  # 95 % bootstrap interval of ``share`` (resampling samples), clipped at 1 like it
    high: float
    share_of_means: float  # seed noise in the replicate means / variance of the means (what SALib analyses)
    replicates: float  # replicates per sample (harmonic mean over samples)
    unclipped: float = np.nan  # ``share`` as computed: above 1 when the parameters' variance was not detected
    unclipped_high: float = np.nan  # ``high`` as computed

    @property
    def detected(self) -> bool:
        """False when the estimate reached 1: no parameter variance could be told from seed noise at this size."""
        return bool(self.unclipped < 1)

    @property
    def dominates(self) -> bool:
        """True when seed noise makes up most of the variance SALib decomposes."""
        return bool(self.share_of_means >= NOISE_DOMINATES)


def seed_variance(values: pd.DataFrame, seed: int = DEFAULT_ANALYSIS_SEED) -> SeedVariance:
    """The seed-noise share of ``values`` (run_id, sample_id, replicate, value), with its bootstrap interval.

    Unbiased variances (n - 1) within each sample with at least two finite replicates, averaged over samples,
    over the unbiased variance of all those runs; the interval resamples whole samples ``BOOTSTRAP_RESAMPLES``
    times (percentile interval), seeded from ``seed``.

    The estimate is a ratio of two unbiased estimators, so it and its bootstrap replicates can exceed 1 when the
    parameters add little variance (referee 51: an interval's upper end of 1.09-1.22). The estimate and the
    interval's ends are all clipped at 1, the largest share there is, so the estimate never lies outside its own
    interval (referee 53 m4: clipping the interval alone left it above its interval in about half of pure-noise
    datasets); the values as computed are kept (``unclipped``, ``unclipped_high``), and a share at 1 (``detected``
    False) means the parameters' variance was not detectable at this number of samples, not that it is known to
    be 0: an interval [1, 1] says only that every bootstrap resample also failed to detect it.
    """
    finite = values[np.isfinite(values.value)]
    groups = finite.groupby("sample_id").value
    counts = groups.size()
    kept = counts[counts >= 2].index
    nan = SeedVariance(*(np.nan,) * 4, replicates=float(counts.max()) if len(counts) else 0.0)
    if len(kept) < MIN_BASE_SAMPLES:
        return nan
    y = finite[finite.sample_id.isin(kept)]
    centred = y.value - y.value.mean()  # centring keeps the sums of squares below exact for large values
    by_sample = pd.DataFrame({"sample_id": y.sample_id, "v": centred}).groupby("sample_id").v
    n_i = by_sample.size().to_numpy(np.float64)
    s1 = by_sample.sum().to_numpy()
    s2 = by_sample.apply(lambda v: float((v * v).sum())).to_numpy()
    within_i = (s2 - s1 * s1 / n_i) / (n_i - 1)

    def share_of(index: np.ndarray) -> np.ndarray:
        n, t1, t2 = n_i[index].sum(-1), s1[index].sum(-1), s2[index].sum(-1)
        total = (t2 - t1 * t1 / n) / (n - 1)
        within = within_i[index].mean(-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, within / total, np.nan)

    share = float(share_of(np.arange(len(n_i))))
    rng = np.random.default_rng(analysis_seed(seed, "seed-variance"))
    boot = share_of(rng.integers(0, len(n_i), size=(BOOTSTRAP_RESAMPLES, len(n_i))))
    alpha = (1 - CONF_LEVEL) / 2
    low, unclipped_high = (np.nanquantile(boot, [alpha, 1 - alpha]) if np.isfinite(boot).any()
                           else (np.nan, np.nan))
    low, high = min(low, 1.0), min(unclipped_high, 1.0)
    unclipped_high = float(unclipped_high)
    r = len(n_i) / float((1 / n_i).sum())
    means = s1 / n_i
    var_means = float(means.var(ddof=1))
    noise_in_means = float(within_i.mean()) / r
    share_of_means = noise_in_means / var_means if var_means > 0 else np.nan
    return SeedVariance(min(share, 1.0), float(low), float(high), float(min(share_of_means, 1.0)) if share_of_means ==
                        share_of_means else np.nan, r, share, unclipped_high)


def replicates_for_target(noise: SeedVariance) -> str:
    """A warning's "(about R would bring it to 30 %) ", or "" when no parameter variance was measured.

    R is the replicate count at which seed noise would be ``NOISE_TARGET`` of the variance of the replicate means:
    the measured noise variance per replicate mean, scaled by 1/R, against the measured parameter variance.
    """
    if not noise.share_of_means < 1:
        return ""
    ratio = noise.share_of_means / (1 - noise.share_of_means) / (NOISE_TARGET / (1 - NOISE_TARGET))
    return f"(about {int(np.ceil(noise.replicates * ratio))} would bring it to {NOISE_TARGET:.0%}) "


def seed_variance_share(values: pd.DataFrame) -> float:
    """Share of the output's variance over all runs that is within samples (seed noise); NaN with 1 replicate."""
    return seed_variance(values).share


def _pawn(problem: dict, x: np.ndarray, y: np.ndarray, seed: int) -> dict:
    """SALib's PAWN (median and maximum KS statistic) with bootstrap intervals (SALib gives none)."""
    from SALib.analyze import pawn

    result = pawn.analyze(problem, x, y, seed=seed)
    rng = np.random.default_rng(seed)
    boot = {"median": [], "maximum": []}
    for _ in range(PAWN_RESAMPLES):
        index = rng.integers(0, len(y), len(y))
        again = pawn.analyze(problem, x[index], y[index], seed=int(rng.integers(1, 2**31 - 1)))
        for key in boot:
            boot[key].append(again[key])
    alpha = (1 - CONF_LEVEL) / 2
    for key, draws in boot.items():
        low, high = np.nanquantile(np.array(draws), [alpha, 1 - alpha], axis=0)
        result[f"{key}_conf"] = (high - low) / 2
    return result


def analyse(problem: Problem | dict, method: str, x: np.ndarray, y: np.ndarray, seed: int = DEFAULT_ANALYSIS_SEED,
            second_order: bool = False, levels: int = MORRIS_LEVELS) -> pd.DataFrame:
    """SALib indices of one output: columns parameter, index, value, conf (95 % interval half-width).

    ``seed`` seeds SALib's bootstrap; it must not be 0 (SALib would not seed). ``parameter`` names the factor:
    a parameter, a group, or "a x b" for second-order Sobol indices.
    """
    from SALib.analyze import delta, fast, morris, rbd_fast, sobol

    if seed == 0:
        raise ValueError("seed 0 leaves SALib's bootstrap unseeded; derive one with analysis_seed")
    p = problem.salib() if isinstance(problem, Problem) else problem
    factors = (problem.factors if isinstance(problem, Problem) else list(p["names"]))
    # one BLAS thread: SALib's estimators solve thousands of tiny systems (delta's kernel densities), where
    # OpenBLAS threads only wait on each other (30 times slower on a busy 2-core machine)
    # record=True keeps SALib's warnings (divisions by zero, delta's binning notices; delta resets the filters)
    # off the user's terminal: the checks of ``analyse_output`` flag the outputs they concern
    with warnings.catch_warnings(record=True), np.errstate(all="ignore"), threadpool_limits(1):
        if method == "sobol":
            result = sobol.analyze(p, y, calc_second_order=second_order, seed=seed)
            pairs = [("S1", "S1_conf", "S1"), ("ST", "ST_conf", "ST")]
        elif method == "morris":
            result = morris.analyze(p, x, y, num_levels=levels, seed=seed)
            pairs = [("mu_star", "mu_star_conf", "mu_star"), ("sigma", None, "sigma")]
        elif method == "fast":
            result = fast.analyze(p, y, seed=seed)
            pairs = [("S1", "S1_conf", "S1"), ("ST", "ST_conf", "ST")]
        elif method == "rbd_fast":
            result = rbd_fast.analyze(p, x, y, M=RBD_FAST_M, seed=seed)
            pairs = [("S1", "S1_conf", "S1")]
        elif method == "delta":
            result = delta.analyze(p, x, y, seed=seed, conf_level=CONF_LEVEL)
            pairs = [("delta_raw", "delta_raw_conf", "delta"), ("S1", "S1_conf", "S1")]
        elif method == "pawn":
            result = _pawn(p, x, y, seed)
            pairs = [("median", "median_conf", "pawn_median"), ("maximum", "maximum_conf", "pawn_max")]
        else:
            raise ExperimentError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    rows = []
    for key, conf, index in pairs:
        for j, name in enumerate(factors):
            rows.append({"parameter": name, "index": index, "value": float(result[key][j]),
                         "conf": float(result[conf][j]) if conf and conf in result else np.nan})
    if method == "sobol" and second_order:
        for a in range(len(factors)):
            for b in range(a + 1, len(factors)):
                rows.append({"parameter": f"{factors[a]} x {factors[b]}", "index": "S2",
                             "value": float(result["S2"][a, b]), "conf": float(result["S2_conf"][a, b])})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Design:
    """What a sensitivity analysis analyses: the problem, the method's sample (SALib units) and its options."""

    problem: Problem | dict
    method: str
    x: np.ndarray  # (rows, parameters), SALib units for sobol/morris/fast, field values for given-data methods
    seed: int  # the experiment's seed (bootstraps derive theirs from it)
    second_order: bool = False
    levels: int = MORRIS_LEVELS

    @property
    def factors(self) -> list[str]:
        """What the indices are about (groups or parameters)."""
        return self.problem.factors if isinstance(self.problem, Problem) else list(self.problem["names"])

    @property
    def block(self) -> int | None:
        """Rows per base sample (``sample_block``)."""
        return sample_block(self.method, len(self.factors), self.second_order)


def fewest_base_samples(method: str) -> int:
    """The fewest complete base samples an analysis with ``method`` uses.

    ``MIN_BASE_SAMPLES``, or the method's own minimum when larger (``experiments.designs.min_samples``).
    """
    return max(MIN_BASE_SAMPLES, min_samples(method) or 0)


def _usable(design: Design, y: np.ndarray) -> tuple[np.ndarray, str | None, int]:
    """(rows to analyse, a reason to analyse none, base samples kept): whole blocks whose runs are all finite."""
    block = design.block
    finite = np.isfinite(y)
    if block is None:  # FAST: the design cannot be cut
        return (np.arange(len(y)), None, len(y)) if finite.all() else (np.arange(0), "FAST needs every run", 0)
    n_blocks = len(y) // block
    whole = finite[: n_blocks * block].reshape(n_blocks, block).all(axis=1)
    rows = (np.flatnonzero(whole)[:, None] * block + np.arange(block)).ravel()
    return rows, None, int(whole.sum())


def analyse_output(design: Design, values: pd.DataFrame, output: Output) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(indices, convergence, status) of one output from its per-run ``values``.

    The status says what was analysed (runs, base samples kept) and, when no index can be computed, why:
    undefined (NaN) or infinite values, a constant output, too few samples, or SALib returning non-finite
    indices. Indices of such an output are rows with NaN values and the reason in ``note``.
    """
    n_rows = len(design.x)
    per_sample = values.groupby("sample_id").value
    y = per_sample.mean().reindex(range(n_rows)).to_numpy(dtype=np.float64)  # a NaN replicate makes its mean NaN
    raw = values.value.to_numpy(dtype=np.float64)
    undefined, infinite = int(np.isnan(raw).sum()), int(np.isinf(raw).sum())
    missing = int(n_rows - per_sample.size().reindex(range(n_rows)).notna().sum())
    rows, reason, kept = _usable(design, y)
    block = design.block or n_rows
    total_blocks = n_rows // block if design.block else 1
    status = {"output": output.name, "column": output.column, "year": output.year, "change": output.change,
              "runs": len(values), "undefined_runs": undefined, "infinite_runs": infinite,
              "samples_without_runs": missing, "base_samples": kept if design.block else (1 if reason is None else 0),
              "base_samples_planned": total_blocks, "note": ""}
    analysed = y[rows]
    problems = []
    if undefined:
        column = COLUMNS.get(output.column)
        why = f" ({column.undefined_when})" if column is not None and column.undefined_when else ""
        problems.append(f"undefined (NaN) in {undefined} of {len(raw)} runs{why}")
    if infinite:
        problems.append(f"infinite in {infinite} of {len(raw)} runs")
    if missing:
        problems.append(f"{missing} of {n_rows} samples have no finished run (failed or not run yet)")
    note = ""
    if reason:
        note = "; ".join(problems) + f": {reason}"
    elif design.block and kept < fewest_base_samples(design.method):
        why = min_samples_reason(design.method)
        have = f"only {kept} complete base samples of {total_blocks} remain" if kept < total_blocks else \
            f"only {kept} base samples"
        note = ("; ".join(problems) + ": " if problems else "") + \
            f"{have} (at least {fewest_base_samples(design.method)} needed{': ' + why if why else ''})"
    elif np.ptp(analysed) == 0:
        note = f"constant: every analysed run gives {analysed[0]:.6g}, so no parameter moves it"
    if note:
        status["note"] = note
        empty = pd.DataFrame({"parameter": design.factors, "index": "none", "value": np.nan, "conf": np.nan})
        empty.insert(1, "output", output.name)
        empty["note"] = note
        return empty, pd.DataFrame(), status
    if problems:
        status["note"] = "analysed the complete base samples only: " + "; ".join(problems)
    seed = analysis_seed(design.seed, output.name)
    table = analyse(design.problem, design.method, design.x[rows], analysed, seed, design.second_order, design.levels)
    bad = ~np.isfinite(table.value)
    table["note"] = np.where(bad, "SALib returned a non-finite index (the output hardly varies)", status["note"])
    table.insert(1, "output", output.name)
    flagged = unresolved_notes(table)
    table["note"] = [f"{note}; {why}" if note and why else note or why for note, why in zip(table.note, flagged,
                                                                                               strict=True)]
    convergence = []
    if design.block:
        n_kept = len(rows) // design.block
        for fraction in CONVERGENCE_FRACTIONS:
            m = max(n_kept // fraction, fewest_base_samples(design.method))
            if m > n_kept or (fraction > 1 and m == n_kept):
                continue
            part_rows = rows[: m * design.block]
            part = analyse(design.problem, design.method, design.x[part_rows], y[part_rows],
                           analysis_seed(design.seed, output.name, m), design.second_order, design.levels)
            part.insert(1, "output", output.name)
            part.insert(2, "base_samples", m)
            convergence.append(part)
    else:  # FAST: one sample size (its design cannot be cut into smaller ones)
        part = table.drop(columns="note").copy()
        part.insert(2, "base_samples", n_rows // len(design.factors))
        convergence.append(part)
    return table, pd.concat(convergence, ignore_index=True) if convergence else pd.DataFrame(), status


def indices_table(problem: Problem, method: str, x: np.ndarray, rows: pd.DataFrame, outputs: list[Output],
                  seed: int = DEFAULT_ANALYSIS_SEED, second_order: bool = False, levels: int = MORRIS_LEVELS
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(indices, convergence, seed variance) of every output (see ``analyse_output`` and ``seed_variance``)."""
    design = Design(problem, method, x, seed, second_order, levels)
    result = _analyse_all(design, rows, outputs)
    return result.indices, result.convergence, result.seed_variance


#: Kinds of unresolved indices (``unresolved_flags``): an interval wider than the limit (or none), or exactly 0 around a
#: non-zero index.
WIDE, ZERO = "wide", "zero"
#: How the note of an unresolved index starts (in indices.csv; the terminal marks such indices with it).
NOT_RESOLVED = "not resolved"
#: Why an interval of exactly 0 around a non-zero index is not a precise index. An index that is exactly 0 with an
#: interval of 0 is exact (e.g. Sobol's or Morris's for a parameter that never moves the output in the design) and
#: is not flagged.
ZERO_WHY = ("every bootstrap resample gave the same index, which happens when the estimator has too few samples to "
            "see anything but its own construction (e.g. RBD-FAST's S1 = 1 when no frequency lies above its "
            "harmonics), not when the index is known exactly")


def unresolved_flags(indices: pd.DataFrame) -> pd.DataFrame:
    """Which indices (rows of ``indices``: output, index, value, conf) are not resolved, and why.

    Returns a frame on the same index: ``checked`` (a finite index of ``UNIT_INDICES`` or ``SCALED_INDICES``),
    ``limit`` (the largest half-width that can rank parameters: ``UNRESOLVED_HALF_WIDTH`` for ``UNIT_INDICES``, that
    share of the output's largest index of the kind for ``SCALED_INDICES``) and ``kind``: ``WIDE`` for a wider (or
    undefined) interval, ``ZERO`` for an interval of exactly 0 around a non-zero index (``ZERO_WHY``), else "".
    """
    checked = indices["index"].isin(UNIT_INDICES + SCALED_INDICES) & np.isfinite(indices.value)
    largest = indices.value.abs().where(checked).groupby([indices.output, indices["index"]]).transform("max")
    limit = (UNRESOLVED_HALF_WIDTH * largest).where(indices["index"].isin(SCALED_INDICES), UNRESOLVED_HALF_WIDTH)
    zero = checked & (indices.conf == 0) & (indices.value != 0)
    wide = checked & ~(indices.conf <= limit)
    return pd.DataFrame({"checked": checked, "limit": limit.where(checked),
                         "kind": np.select([zero, wide], [ZERO, WIDE], "")}, index=indices.index)


def unresolved_notes(indices: pd.DataFrame) -> pd.Series:
    """The note of each unresolved index (``unresolved_flags``) for indices.csv ("" for the others)."""
    flags = unresolved_flags(indices)
    wide = f"{NOT_RESOLVED}: 95 % interval wider than +-" + flags.limit.map("{:.3g}".format) + "; increase --n"
    zero = pd.Series(f"{NOT_RESOLVED}: 95 % interval of exactly 0 around a non-zero index ({ZERO_WHY}); increase --n",
                     index=indices.index)
    return pd.Series(np.select([flags.kind == WIDE, flags.kind == ZERO], [wide, zero], ""), index=indices.index)


@dataclass
class SensitivityResult:
    """Indices with 95 % intervals, their convergence, seed noise, the status of every output, and notes."""

    method: str
    indices: pd.DataFrame  # output, parameter, index, value, conf, note
    convergence: pd.DataFrame  # output, base_samples, parameter, index, value, conf
    seed_variance: pd.DataFrame  # output, seed_variance_share, low, high, noise_share_of_means, replicates, warning
    runs: int
    outputs: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per output: what was analysed, notes
    per_run: pd.DataFrame = field(default_factory=pd.DataFrame)  # run columns, parameters, outputs, error
    failures: pd.DataFrame = field(default_factory=pd.DataFrame)  # failed runs (run_id, error, ...); empty if none
    notes: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)

    @property
    def size(self) -> str:
        """What was run, e.g. 'N = 256 base samples (2,816 rows) x 2 replicates of 1,000 farmers x 25 years'."""
        o = self.options
        if "base_samples" not in o:
            return f"{self.runs:,} runs"
        farmers = f"{o['farmers']:,} farmers" if o.get("farmers") else "the scenario's farmers"
        years = f"{o['years']} years" if o.get("years") else "the scenario's years"
        return (f"N = {o['base_samples']:,} base samples ({o['samples']:,} rows) x {o['replicates']} replicate(s) of "
                f"{farmers} x {years}")

    @property
    def warnings(self) -> list[str]:
        """Everything a reader of the indices must know: notes, flagged outputs, noise-dominated outputs."""
        lines = list(self.notes)
        for row in self.outputs.itertuples():
            if row.note:
                lines.append(f"{row.output}: {row.note}")
        for row in self.seed_variance.itertuples():
            if row.warning:
                lines.append(f"{row.output}: {row.warning}")
        return lines + self.unresolved()

    def unresolved(self) -> list[str]:
        """One line per output and kind of unresolved index (``unresolved_flags``).

        Kinds: intervals too wide to rank the output's parameters, intervals of exactly 0 around non-zero indices.
        """
        if not len(self.indices):
            return []
        flags = unresolved_flags(self.indices)
        checked = self.indices[flags.checked]
        lines = []
        for output, rows in checked.groupby("output", sort=False):
            kinds = flags.loc[rows.index]
            wide = rows[kinds.kind == WIDE]
            if len(wide):
                worst = wide.loc[(wide.conf / kinds.limit[wide.index]).fillna(np.inf).idxmax()]
                scale = f"+-{UNRESOLVED_HALF_WIDTH:g}" if not set(wide["index"]) & set(SCALED_INDICES) else \
                    f"+-{UNRESOLVED_HALF_WIDTH:g} (of the largest index for {', '.join(SCALED_INDICES)})"
                lines.append(f"{output}: {len(wide)} of its {len(rows)} indices have 95 % intervals wider than "
                             f"{scale} (e.g. {worst['index']} of {worst.parameter}: {worst.value:.3g} +- "
                             f"{worst.conf:.3g}); they are not resolved: increase --n")
            zero = rows[kinds.kind == ZERO]
            if len(zero):
                first = zero.iloc[0]
                lines.append(f"{output}: {len(zero)} of its {len(rows)} indices have 95 % intervals of exactly 0 "
                             f"though they are not 0 (e.g. {first['index']} of {first.parameter}: {first.value:.3g}): "
                             f"{ZERO_WHY}; they are not resolved: increase --n")
        return lines

    @property
    def analysed(self) -> bool:
        """True when at least one output got finite indices."""
        return bool(np.isfinite(self.indices.value).any()) if len(self.indices) else False

    def write(self, out: Path) -> list[Path]:
        """Write the tables, analysis.json and the figures into ``out``; the same analysis writes the same files.

        Files: indices.csv, convergence.csv, seed_variance.csv, outputs.csv (what was analysed per output and
        why not), runs.csv (one row per run: parameters, outputs, error), analysis.json, indices.png,
        convergence.png.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / name for name in ("indices.csv", "convergence.csv", "seed_variance.csv", "outputs.csv",
                                         "runs.csv", "analysis.json", "indices.png", "convergence.png")]
        self.indices.to_csv(paths[0], index=False)
        self.convergence.to_csv(paths[1], index=False)
        self.seed_variance.to_csv(paths[2], index=False)
        self.outputs.to_csv(paths[3], index=False)
        self.per_run.to_csv(paths[4], index=False)
        paths[5].write_text(json.dumps({"method": self.method, "runs": self.runs, **self.options,
                                        "notes": self.notes, "warnings": self.warnings}, indent=1, default=str))
        sensitivity_indices(self.indices, paths[6])
        sensitivity_convergence(self.convergence, paths[7], self.method)
        return paths


def _analyse_all(design: Design, rows: pd.DataFrame, outputs: list[Output]) -> SensitivityResult:
    indices, convergence, seeds, statuses, per_output = [], [], [], [], {}
    for output in outputs:
        values = output_values(rows, output) if len(rows) else pd.DataFrame(
            {"run_id": [], "sample_id": [], "replicate": [], "value": []})
        per_output[output.name] = values.set_index("run_id").value
        table, conv, status = analyse_output(design, values, output)
        indices.append(table)
        if len(conv):
            convergence.append(conv)
        statuses.append(status)
        noise = seed_variance(values, analysis_seed(design.seed, output.name, "seeds"))
        if noise.share != noise.share:
            warning = "" if noise.replicates >= 2 or not np.isfinite(values.value).any() else \
                "seed noise not measured: run --replicates 2 or more to separate seed from parameter variance"
        else:
            parts = [] if noise.detected else [
                f"the parameters' variance is not detectable at this --n: seed noise came out at {noise.unclipped:.0%} "
                f"of single runs' variance (bootstrap up to {noise.unclipped_high:.0%}), above 100 % by sampling "
                "error, so the share and its interval are shown clipped at 100 %"]
            if noise.dominates:
                parts.append(f"seed noise is {noise.share_of_means:.0%} of the variance of the replicate means "
                             f"analysed ({noise.share:.1%} of single runs'): the indices mostly measure noise; raise "
                             f"--replicates {replicates_for_target(noise)}or --farmers")
            warning = "; ".join(parts)
        seeds.append({"output": output.name, "seed_variance_share": noise.share, "low": noise.low, "high": noise.high,
                      "noise_share_of_means": noise.share_of_means, "replicates": noise.replicates,
                      "warning": warning})
    return SensitivityResult(design.method, pd.concat(indices, ignore_index=True),
                             pd.concat(convergence, ignore_index=True) if convergence else pd.DataFrame(),
                             pd.DataFrame(seeds), int(rows.run_id.nunique()) if len(rows) else 0,
                             pd.DataFrame(statuses), pd.DataFrame(per_output))


def _per_run(design_runs: pd.DataFrame, outputs: pd.DataFrame, failures: pd.DataFrame) -> pd.DataFrame:
    """One row per planned run: its columns and parameters, each output's value, and its error if it failed."""
    table = design_runs.set_index("run_id").join(outputs)
    errors = failures.set_index("run_id").error if len(failures) else pd.Series(dtype=str, name="error")
    table["error"] = errors.reindex(table.index).fillna("")
    return table.reset_index()


def problem_of_manifest(analysis: dict) -> Problem:
    """The ``Problem`` recorded in a sensitivity analysis's manifest."""
    return Problem(tuple(analysis["parameters"]), tuple(Uncertain.model_validate(d) for d in analysis["dists"]),
                   tuple(analysis["integer"]))


def analyse_sweep(directory: Path, method: str | None = None, outputs: list[Output] | None = None,
                  second_order: bool | None = None, levels: int | None = None,
                  notes: list[str] | None = None) -> SensitivityResult:
    """Analyse the runs stored in ``directory`` (finished or partial) without running anything.

    Args:
        directory: a sensitivity-analysis directory, or a sweep directory with varied parameters (then only
            given-data methods apply: ``GIVEN_DATA_METHODS``).
        method: the sweep's own method by default; a given-data method (rbd_fast, delta, pawn) analyses any
            sweep's runs from their parameter values.
        outputs: outputs of interest (the recorded ones by default): any column of the yearly table in any
            simulated year.
        second_order: Sobol second-order indices (only if the design was sampled for them).
        levels: Morris levels (the design's).
        notes: lines to add to the result's notes.

    Raises:
        ExperimentError: not a sweep, a method the design cannot serve, unknown outputs, no stored runs.

    """
    store = SweepStore(directory)
    manifest = store.manifest()
    if manifest is None:
        raise ExperimentError(f"{directory}: no manifest.json; not a sweep or sensitivity-analysis directory")
    recorded = manifest.get("analysis")
    method = method or (recorded or {}).get("method")
    if method is None:
        raise ExperimentError(f"{directory}: a sweep without a sensitivity design; choose a given-data method "
                              f"(--method {' | '.join(GIVEN_DATA_METHODS)})")
    if method not in METHODS:
        raise ExperimentError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    parameters = manifest.get("parameters") or []
    if not parameters:
        raise ExperimentError(f"{directory}: the sweep varied no parameters: nothing to analyse")
    runs = store.design()
    seed = (recorded or {}).get("seed", DEFAULT_ANALYSIS_SEED)
    if method in GIVEN_DATA_METHODS and (recorded is None or method != recorded["method"]):
        first = runs[runs.replicate == 0].sort_values("sample_id")
        labels = first.scenario.unique()
        if len(labels) > 1:
            raise ExperimentError(f"{directory}: runs of {len(labels)} scenarios; analyse one scenario's runs at a time")
        x = first[parameters].to_numpy(np.float64)
        bounds = [[float(c.min()), float(c.max()) if c.max() > c.min() else float(c.min()) + 1.0] for c in x.T]
        design = Design({"num_vars": len(parameters), "names": list(parameters), "bounds": bounds}, method, x, seed)
    elif recorded is None or method != recorded["method"]:
        raise ExperimentError(f"{directory}: a {recorded['method'] if recorded else manifest.get('method')} design "
                              f"cannot be analysed with {method} (its estimator needs its own design); given-data "
                              f"methods can: {', '.join(GIVEN_DATA_METHODS)}")
    else:
        x = store._read(store.directory / "samples.parquet").to_numpy(np.float64)
        if second_order and not recorded.get("second_order"):
            raise ExperimentError(f"{directory}: the design was not sampled for second-order indices; run the "
                                  "sensitivity analysis again with --second-order into a new directory")
        design = Design(problem_of_manifest(recorded), method, x, seed,
                        recorded.get("second_order", False) if second_order is None else second_order,
                        levels or recorded.get("levels", MORRIS_LEVELS))
    if outputs is None:
        known = manifest.get("outputs", {})
        first = next(iter(known.values()), {})
        known = known if "column" in first else first
        outputs = [Output(name, o["column"], o["year"], o["change"]) for name, o in known.items()]
    if not outputs:
        raise ExperimentError(f"{directory}: no outputs of interest recorded; name some with --output "
                              "NAME=COLUMN@YEAR")
    rows = store.load()
    if rows.empty:
        raise ExperimentError(store.nothing_stored())
    for output in outputs:
        if output.column not in rows.columns:
            raise ExperimentError(f"output {output.name}: no column {output.column!r} in the stored runs")
        years = rows.year.unique()
        if output.year not in years:
            raise ExperimentError(f"output {output.name}: year {output.year} is not stored (years "
                                  f"{years.min()}-{years.max()})")
    result = _analyse_all(design, rows, outputs)
    result.failures = store.failures()
    result.per_run = _per_run(runs, result.per_run, result.failures)
    planned, failed = len(runs), len(result.failures)
    result.notes = list(notes or [])
    if result.runs + failed < planned:
        result.notes.append(f"partial sweep: {result.runs:,} of {planned:,} runs finished")
    if failed:
        result.notes.append(f"{failed:,} runs failed (their errors are in runs.csv); their samples are left out")
    samples = len(design.x)
    result.options = {"seed": seed, "second_order": design.second_order, "levels": design.levels,
                      "base_samples": samples // design.block if design.block else samples, "samples": samples,
                      "replicates": manifest.get("replicates"), "farmers": manifest.get("farmers"),
                      "years": manifest.get("years"), "factors": design.factors,
                      "outputs": [vars(o) for o in outputs]}
    return result


class EveryRunFailed(ExperimentError):
    """Every run of a sensitivity analysis failed: nothing to analyse; ``failures`` (run_id, error, ...) say why."""

    def __init__(self, message: str, failures: pd.DataFrame) -> None:
        super().__init__(message)
        self.failures = failures


def sensitivity_analysis(scenario: Scenario, directory: Path, method: str = "sobol", n: int = 256,
                         replicates: int = 1, farmers: int | None = None, years: int | None = None,
                         executor: Executor | None = None, batch_size: int | None = None,
                         progress: Callable[[int, int], None] | None = None, label: str = "scenario",
                         source: str | Path | None = None, second_order: bool = False, levels: int = MORRIS_LEVELS,
                         design_seed: int | None = None, timeout: float | None = None) -> SensitivityResult:
    """Global sensitivity analysis (SALib) of the scenario's ``[outputs]`` to its ``[uncertain]`` fields.

    Args:
        scenario: a scenario with ``[uncertain]`` and ``[outputs]`` tables.
        directory: where runs are stored as batches finish (the same call resumes an interrupted analysis).
        method: one of ``METHODS``.
        n: SALib's base sample size N (FAST raises it to its minimum, and says so in the notes).
        replicates: seed replicates per sample (two or more separate seed from parameter variance).
        farmers: population of every run (the scenario's when None).
        years: horizon of every run (the scenario's when None).
        executor: where runs execute (default: a local process pool on every core).
        batch_size: runs per batch (default: ``experiments.plan.default_batch_size``).
        progress: ``progress(runs_done, runs_total)`` at the start and after every batch.
        label: the scenario's name in the stored runs (the file stem on the command line).
        source: the scenario file, named in error messages and recorded in the manifest.
        second_order: Sobol second-order indices (n (2D + 2) runs instead of n (D + 2)).
        levels: Morris grid levels.
        design_seed: seed of the SALib sample (the scenario's seed when None).
        timeout: seconds a run may take before it is stopped and recorded as failed.

    Raises:
        ExperimentError: no uncertain fields or outputs, an unknown method, groups with a method without them, a
            scenario with [posterior] draws (only compare, target and report replicate over them).
        EveryRunFailed: every run failed (recorded in ``directory``/failed/).

    """
    refuse_posterior(scenario, source or label, "sensitivity")
    if method not in METHODS:
        raise ExperimentError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    if not scenario.uncertain or not scenario.outputs:
        raise ExperimentError(f"{source or label}: a sensitivity analysis needs an [uncertain] table (fields and "
                              "distributions) and an [outputs] table (outputs of interest)")
    outputs = outputs_of(scenario, years, source)
    problem = Problem.of(scenario)
    seed = scenario.seed if design_seed is None else design_seed
    samples = salib_sample(problem, method, n, seed, second_order, levels)
    notes = [note for note in [clamp_note(method, n)] if note]
    executor = executor or LocalExecutor()
    plan = make_plan("casim", {label: scenario}, problem.names, {label: problem.decode(samples)}, replicates, farmers,
                     years, method, batch_size, workers_of(executor), varied_in=str(source or label))
    plan.sources = {label: str(source) if source else None}
    plan.timeout = timeout
    plan.extra = {"outputs": {k: v.model_dump() for k, v in scenario.outputs.items()}, "n": n,
                  "analysis": {"method": method, "n": n, "n_used": samples_used(method, n), "seed": seed,
                               "second_order": second_order, "levels": levels, "parameters": list(problem.names),
                               "dists": [d.model_dump(mode="json") for d in problem.dists],
                               "integer": [problem.is_integer(j) for j in range(len(problem.names))]}}
    store = SweepStore(directory)
    rows = run_sweep(plan, store, executor, progress, tables={"samples": pd.DataFrame(samples, columns=list(problem.names))})
    if rows.empty and len(failures := store.failures()):
        raise EveryRunFailed(store.nothing_stored(), failures)
    return analyse_sweep(directory, method, outputs, notes=notes)
