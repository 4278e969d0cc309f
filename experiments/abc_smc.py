"""ABC-SMC (pyabc) over a scenario's uncertain fields, on the project's executor, resumable and reproducible.

``run_abc`` fits any simulator (parameters -> dict of statistics) to observed statistics with a distance:

- priors are the ``[uncertain]`` distributions (uniform, triangular, truncated normal; discrete ones cannot be
  perturbed by the SMC kernel and are refused);
- the acceptance threshold of generation t is the ``quantile`` of generation t-1's distances, but never below the
  absolute ``threshold``: once it reaches the threshold that generation is the last, so the posterior is the
  particles within ``threshold`` of the data (in the distance's units) whenever the run gets there;
- slots run on ``ExecutorSampler`` (same particles on any executor and worker count);
- every finished generation is committed to pyabc's SQLite history in the run directory, and every finished task
  of the generation in progress to the directory's ``slots/`` (``SlotStore``); calling ``run_abc`` again on the
  directory continues from there (an interrupted run loses only the simulations that were running) and refuses a
  directory that holds a different calibration;
- the directory records the code that started it (``fitted_by``, referee 53 m2): a call on a model whose source
  hash (``code_version``) differs is refused unless ``allow_code_change``, and the code of a later call that differs
  in any way (commit, edits, libraries) is returned as ``resumed_by``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pyabc.epsilon import Epsilon
from pyabc.weighted_statistics import weighted_quantile

from experiments.abc_sampler import ExecutorSampler, SlotStore
from experiments.executors import Executor
from experiments.spec import ExperimentError
from sim.scenario import Uncertain

#: A slot may try this many times 1 / min_acceptance_rate before its generation is declared failed: a slot whose
#: acceptance probability is exactly the minimum then fails with probability e^-5 (0.7 %).
TRIES_PER_MINIMUM_RATE = 5
#: Files of a run directory: pyabc's history (SQLite) and the calibration's fingerprint and stopping state.
HISTORY_FILE = "abc.db"
STATE_FILE = "abc.json"
#: Folder of a run directory keeping the finished tasks of the generation in progress.
SLOTS_FOLDER = "slots"


@dataclass(frozen=True)
class AbcSettings:
    """How the ABC-SMC runs.

    population: particles per generation. generations: at most this many generations. threshold: absolute
    acceptance threshold, in the distance's units. quantile: each generation's threshold is this quantile of the
    previous generation's weighted distances (0.5 = median), floored at ``threshold``. min_acceptance_rate: below
    about this acceptance rate a generation stops the run. seed: every random draw follows from it.
    """

    population: int = 100
    generations: int = 6
    threshold: float = 1.0
    quantile: float = 0.5
    min_acceptance_rate: float = 0.02
    seed: int = 0

    @property
    def max_tries(self) -> int:
        """Simulations a slot may spend before its generation fails."""
        return math.ceil(TRIES_PER_MINIMUM_RATE / self.min_acceptance_rate)


@dataclass
class AbcRun:
    """An ABC-SMC run: its generations, the last generation's particles and why it stopped."""

    directory: Path
    names: tuple[str, ...]
    generations: pd.DataFrame  # t, epsilon, simulations, particles, acceptance_rate (t = -1: the prior sample)
    particles: pd.DataFrame  # one row per particle of the last generation: parameters, weight, distance
    stop: str  # "threshold" | "generations" | "acceptance"
    settings: AbcSettings
    fitted_by: dict | None = None  # the code that started the run (None: a directory older than this record)
    resumed_by: dict | None = None  # this call's code, where it differs from ``fitted_by`` (else None)

    @property
    def epsilon(self) -> float:
        """The acceptance threshold of the last generation (the posterior's)."""
        return float(self.generations.epsilon.iloc[-1])

    @property
    def simulations(self) -> int:
        """Simulations run, the prior sample included."""
        return int(self.generations.simulations.sum())


def prior_of(names: tuple[str, ...], dists: tuple[Uncertain, ...]):
    """The prior of the uncertain fields ``names``: a pyabc Distribution of independent scipy distributions."""
    import pyabc

    rvs = {}
    for name, d in zip(names, dists, strict=True):
        if d.dist == "uniform":
            rvs[name] = pyabc.RV("uniform", d.low, d.high - d.low)  # scipy: loc, scale -> U[low, high]
        elif d.dist == "triangular":
            rvs[name] = pyabc.RV("triang", (d.mode - d.low) / (d.high - d.low), d.low, d.high - d.low)
        elif d.dist == "normal":
            rvs[name] = pyabc.RV("truncnorm", (d.low - d.mean) / d.sd, (d.high - d.mean) / d.sd, d.mean, d.sd)
        else:
            raise ExperimentError(f"uncertain.\"{name}\": dist = 'discrete' cannot be calibrated (ABC-SMC perturbs "
                                  "parameters continuously); use uniform, triangular or normal")
    return pyabc.Distribution(**rvs)


class FlooredQuantileEpsilon(Epsilon):
    """Acceptance threshold of generation t, never below ``floor`` (the absolute threshold).

    It is the ``alpha`` weighted quantile of generation t-1's distances (of the prior sample for t = 0).
    """

    def __init__(self, floor: float, alpha: float) -> None:
        super().__init__()
        self.floor, self.alpha = floor, alpha
        self.values: dict[int, float] = {}

    def requires_calibration(self) -> bool:
        """Generation 0 needs the prior sample's distances."""
        return True

    def is_adaptive(self) -> bool:
        """The threshold follows the previous generation."""
        return True

    def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config) -> None:
        """The first generation's threshold, from the prior sample (or, on resume, the last stored generation)."""
        self._set(t, get_weighted_distances())

    def update(self, t, get_weighted_distances, get_all_records, acceptance_rate, acceptor_config) -> None:
        """Generation t's threshold from generation t-1."""
        self._set(t, get_weighted_distances())

    def _set(self, t: int, weighted: pd.DataFrame) -> None:
        weights = weighted.w.to_numpy(dtype=float)
        quantile = weighted_quantile(weighted.distance.to_numpy(dtype=float), weights / weights.sum(),
                                     alpha=self.alpha)
        self.values[t] = max(float(quantile), self.floor)

    def __call__(self, t: int) -> float:
        """The threshold of generation t."""
        return self.values[t]

    def get_config(self) -> dict:
        """Stored in pyabc's history."""
        return {**super().get_config(), "floor": self.floor, "alpha": self.alpha}


def _read_state(directory: Path) -> dict | None:
    path = directory / STATE_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def _write_state(directory: Path, state: dict) -> None:
    path = directory / STATE_FILE
    path.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")


def _finished(state: dict | None, history, settings: AbcSettings) -> bool:
    """True when a stored run needs no more generations for ``settings``."""
    if state is None or history is None or history.max_t is None or history.max_t < 0:
        return False
    stop = state.get("stop")
    return (stop == "threshold" or (stop == "acceptance" and state.get("max_tries") == settings.max_tries)
            or history.max_t + 1 >= settings.generations)


def run_abc(model: Callable[[Mapping[str, float]], dict[str, float]], names: tuple[str, ...],
            dists: tuple[Uncertain, ...], observed: dict[str, float], distance: Callable, settings: AbcSettings,
            directory: Path, executor: Executor, fingerprint: dict,
            progress: Callable[[int, int, int], None] | None = None, code: dict | None = None,
            allow_code_change: bool = False) -> AbcRun:
    """Run (or continue) an ABC-SMC calibration in ``directory``; see the module docstring.

    Args:
        model: picklable simulator, parameters (by name) -> statistics (by key); it draws its seeds from NumPy's
            global generator, which the sampler seeds per slot.
        names: the parameters (dotted fields).
        dists: their priors.
        observed: the observed statistics.
        distance: picklable ``distance(simulated, observed) -> float``.
        settings: population, generations, thresholds, seed.
        directory: the run directory (created); holds pyabc's history and the fingerprint.
        executor: where slots run.
        fingerprint: JSON-able description of everything that determines the result (scenarios, patterns, sizes);
            a directory holding another fingerprint is refused.
        progress: ``progress(generation, slots_done, slots)``.
        code: JSON-able record of the code running this call (``analysis.calibration.provenance``: git commit,
            uncommitted changes, ``code_version``, libraries), stored as ``fitted_by`` when the directory starts.
        allow_code_change: continue a directory started on another model source (``code_version``); the run then
            holds generations of two models, which ``resumed_by`` records.

    Raises:
        ExperimentError: a directory with another calibration, or started on another model source without
            ``allow_code_change``, or a prior that cannot be calibrated.

    """
    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)  # pyabc's per-generation log lines; results are returned
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fingerprint = json.loads(json.dumps({**fingerprint, "names": list(names), "population": settings.population,
                                         "threshold": settings.threshold, "quantile": settings.quantile,
                                         "seed": settings.seed, "pyabc": pyabc.__version__}))
    state = _read_state(directory)
    if state is not None and state.get("fingerprint") != fingerprint:
        raise ExperimentError(f"{directory} holds a different calibration (other scenarios, patterns or settings); "
                              "use another --out or delete it")
    code = json.loads(json.dumps(code)) if code is not None else None
    fitted_by = state.get("fitted_by") if state is not None else code
    _check_code(directory, fitted_by, code, allow_code_change)
    database = directory / HISTORY_FILE
    url = f"sqlite:///{database}"
    prior = prior_of(names, dists)
    sampler = ExecutorSampler(executor, settings.seed, settings.max_tries, progress)
    abc = pyabc.ABCSMC(model, prior, distance, population_size=settings.population, sampler=sampler,
                       eps=FlooredQuantileEpsilon(settings.threshold, settings.quantile))
    sampler.store = SlotStore(directory / SLOTS_FOLDER, lambda t: generation_key(abc, fingerprint, t))
    history = pyabc.History(url) if database.is_file() and state is not None else None
    if history is not None and (history.max_t is None or history.max_t < 0):
        history = None  # interrupted before its first generation: start again
    if history is None:
        database.unlink(missing_ok=True)
        fitted_by = code
        _write_state(directory, {"fingerprint": fingerprint, "fitted_by": fitted_by})
        abc.new(url, observed, meta_info={"casim": json.dumps(fingerprint)})
        done = 0
    else:
        abc.load(url, 1)
        done = history.max_t + 1
    if not _finished(state if done else None, history, settings):
        with executor:
            abc.run(minimum_epsilon=settings.threshold, max_nr_populations=settings.generations - done)
    sampler.store.clear()
    history = pyabc.History(url)
    generations = _generations(history)
    last = generations.iloc[-1]
    stop = ("threshold" if last.epsilon <= settings.threshold else
            "generations" if last.t + 1 >= settings.generations else "acceptance")
    _write_state(directory, {"fingerprint": fingerprint, "fitted_by": fitted_by, "stop": stop,
                             "max_tries": settings.max_tries})
    resumed_by = code if code is not None and code != fitted_by else None
    return AbcRun(directory, tuple(names), generations, _particles(history, names), stop, settings, fitted_by,
                  resumed_by)


def _check_code(directory: Path, fitted_by: dict | None, code: dict | None, allow_code_change: bool) -> None:
    """Refuse to continue ``directory``, started by ``fitted_by``, on another model source than ``code``'s.

    A directory older than the record (``fitted_by`` None) or a call without one (``code`` None) cannot be
    compared and is let through; the caller records what it knows.
    """
    if allow_code_change or fitted_by is None or code is None:
        return
    if fitted_by.get("code_version") != code.get("code_version"):
        raise ExperimentError(
            f"{directory} was started on another model: sim/ source hash {fitted_by.get('code_version')} (git commit "
            f"{fitted_by.get('git_commit')}), this code's is {code.get('code_version')} (git commit "
            f"{code.get('git_commit')}). Continuing would mix generations of two models, and the predictive check "
            "would run on the new one. Start afresh (another --out, or delete the directory), or pass "
            "--allow-code-change to continue (posterior.json then records both codes)")


def generation_key(abc, fingerprint: dict, t: int) -> str:  # noqa: ANN001 (pyabc.ABCSMC)
    """A digest of what generation t's simulations depend on besides their seeds, for ``SlotStore``.

    The calibration (``fingerprint``) and t; from generation 0 on, its threshold (the prior sample's proposal is the
    prior); from generation 1 on, the population its proposal is fitted to (generation t-1 in the history, rows
    sorted, so the digest does not rest on the order SQLite returns them in).
    """
    digest = hashlib.blake2b(json.dumps(fingerprint, sort_keys=True).encode(), digest_size=16)
    digest.update(str(t).encode())
    if t >= 0:
        digest.update(repr(float(abc.eps(t))).encode())
    if t >= 1:
        frame, weights = abc.history.get_distribution(m=0, t=t - 1)
        frame = frame.assign(_weight=weights)
        columns = sorted(frame.columns)
        digest.update(json.dumps(columns).encode())
        digest.update(frame[columns].sort_values(columns).to_numpy(dtype=float).tobytes())
    return digest.hexdigest()


def _generations(history) -> pd.DataFrame:
    frame = history.get_all_populations().rename(columns={"samples": "simulations"})
    prior_sample = frame.t < 0  # pyabc's calibration sample: every simulation kept, no threshold
    frame.loc[prior_sample, "particles"] = frame.loc[prior_sample, "simulations"]
    frame.loc[prior_sample, "epsilon"] = np.nan
    frame["acceptance_rate"] = frame.particles / frame.simulations
    return frame[["t", "epsilon", "simulations", "particles", "acceptance_rate"]].reset_index(drop=True)


def _particles(history, names: tuple[str, ...]) -> pd.DataFrame:
    population = history.get_population()
    rows = [{**{name: float(p.parameter[name]) for name in names}, "weight": float(p.weight),
             "distance": float(p.distance)} for p in population.particles]
    frame = pd.DataFrame(rows)
    frame["weight"] /= frame.weight.sum()
    return frame


def resample(particles: pd.DataFrame, names: tuple[str, ...], draws: int, seed: int) -> pd.DataFrame:
    """``draws`` parameter sets drawn from the weighted particles (with replacement), numbered from 0."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(0,)))
    index = rng.choice(len(particles), size=draws, p=particles.weight.to_numpy())
    frame = particles.iloc[index][list(names)].reset_index(drop=True)
    frame.insert(0, "draw", np.arange(draws))
    return frame


def settings_dict(settings: AbcSettings) -> dict:
    """The settings as a plain dictionary (for manifests)."""
    return asdict(settings)


#: The toy model's sample size: its statistic is the mean of this many N(mu, 1) draws.
TOY_DRAWS = 20


def toy_normal_mean(parameters: Mapping[str, float]) -> dict[str, float]:
    """A model with a known posterior, to check the whole ABC path: the mean of ``TOY_DRAWS`` draws of N(mu, 1).

    With a flat prior and observed mean m, the posterior of ``mu`` is about N(m, 1 / sqrt(TOY_DRAWS)).
    """
    return {"mean": float(np.random.normal(parameters["mu"], 1.0, TOY_DRAWS).mean())}


def toy_distance(simulated: Mapping[str, float], observed: Mapping[str, float]) -> float:
    """|simulated mean - observed mean| (the toy model's distance)."""
    return abs(simulated["mean"] - observed["mean"])
