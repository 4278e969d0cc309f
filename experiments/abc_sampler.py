"""A pyabc sampler that runs on the project's ``Executor`` and gives the same particles on any executor.

pyabc's parallel samplers re-seed every worker from operating-system entropy (ICB-DCM/pyABC issue #392), so their
posteriors change from run to run. ``ExecutorSampler`` uses static scheduling instead: a generation of ``n``
particles is ``n`` slots; slot ``i`` of generation ``t`` seeds NumPy's and Python's global generators (which pyabc
and its scipy priors draw from) with a seed keyed on (seed, generation, slot) and simulates until one particle is
accepted; results are put back in slot order. A slot's particle depends only on (seed, t, i) and the generation's
proposal, never on which worker ran it, how many workers there are or in which order slots finished.

A slot that reaches ``max_tries`` simulations without an acceptance ends the generation: the sample is marked not
ok and pyabc stops cleanly (the acceptance rate fell to about 1 / ``max_tries``), instead of running forever.

With a ``SlotStore`` every finished task of the generation in progress is kept on disk as it arrives, so an
interrupted calibration loses none of its finished simulations: the resumed generation runs only the tasks that
were missing and gives the particles the uninterrupted run gives.
"""

from __future__ import annotations

import math
import os
import pickle
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

from experiments.executors import Executor, map_ordered

#: Slots per executor task: about this many tasks per generation, so the workers stay busy while a few slow slots
#: finish, without pickling the generation's proposal once per slot. Results do not depend on it.
TASKS_PER_GENERATION = 32
#: pyabc numbers its calibration sample (drawn from the prior before generation 0) -1; seeds are keyed on t + this.
PRIOR_SAMPLE = -1
GENERATION_KEY_OFFSET = 2


def slot_seed(seed: int, generation: int, slot: int) -> int:
    """The 32-bit seed of one slot, keyed on (seed, generation, slot) by NumPy's SeedSequence."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(generation + GENERATION_KEY_OFFSET, slot))
    return int(sequence.generate_state(1)[0])


@dataclass(frozen=True)
class SlotTask:
    """A run of consecutive slots of one generation, for one executor task."""

    slots: tuple[int, ...]
    seeds: tuple[int, ...]
    simulate_one: bytes  # pyabc's simulate-one closure, cloudpickled once per generation
    max_tries: int
    all_accepted: bool
    keep_rejected: bool


@dataclass
class SlotResult:
    """What one slot produced: its particles (the accepted one last), how many simulations, whether one was accepted."""

    slot: int
    particles: list
    simulations: int
    accepted: bool


class SlotStore:
    """The finished tasks of the generation in progress, one file each in ``directory``, written as they finish.

    ``key(t)`` digests everything generation t's simulations depend on besides a task's own fields (the
    calibration, the generation's threshold, the population its proposal was fitted to): a file is reused only
    under the same key and for the same task (slots, seeds, tries), so a resumed generation takes exactly the
    results the interrupted one had finished; any other file is stale and deleted. pyabc commits a generation to
    its history before it samples the next, so generation t's start deletes the files of generation t - 1, but
    the prior sample's (t = -1) last until generation 1 starts: a history without generation 0 starts again from
    the prior sample. Files are pickles of pyabc particles (like the sum statistics pyabc's own history keeps): a run directory
    is the user's own output, read by the calibration that wrote it.
    """

    def __init__(self, directory: Path, key: Callable[[int], str]) -> None:
        self.directory = Path(directory)
        self.key = key

    def finished(self, t: int, tasks: list[SlotTask]) -> dict[tuple[int, ...], list[SlotResult]]:
        """Results of the ``tasks`` of generation t already on disk, by their slots; stale files are deleted."""
        for folder in self.directory.glob("generation_*"):
            generation = int(folder.name.removeprefix("generation_"))
            if generation < t and not (generation == PRIOR_SAMPLE and t == 0):
                shutil.rmtree(folder)
        folder, key = self._folder(t), self.key(t)
        identities = {_identity(task): task.slots for task in tasks}
        kept = {}
        for path in sorted(folder.glob("*")) if folder.is_dir() else ():
            if path.suffix == ".pkl" and path.name.startswith(f"{key}_"):
                identity, results = pickle.loads(path.read_bytes())
                if identity in identities:
                    kept[identities[identity]] = results
                    continue
            path.unlink()
        return kept

    def save(self, t: int, task: SlotTask, results: list[SlotResult]) -> None:
        """Keep one finished task of generation t (written whole, then renamed: a kill leaves no partial file)."""
        folder = self._folder(t)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.key(t)}_{task.slots[0]}-{task.slots[-1]}.pkl"
        partial_path = path.with_suffix(".part")
        partial_path.write_bytes(pickle.dumps((_identity(task), results)))
        os.replace(partial_path, path)

    def clear(self) -> None:
        """Delete every kept task (the calibration's generations are all in its history)."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def _folder(self, t: int) -> Path:
        return self.directory / f"generation_{t}"


def _identity(task: SlotTask) -> SlotTask:
    """A task without its pickled proposal (whose bytes differ between processes; the store's key stands for it)."""
    return replace(task, simulate_one=b"")


def simulate_slots(task: SlotTask) -> list[SlotResult]:
    """Run each slot of ``task``: seed the global generators with its seed, simulate until a particle is accepted.

    The caller's global generator states are restored afterwards (a one-worker executor runs tasks in-process).
    """
    simulate_one = cloudpickle.loads(task.simulate_one)
    numpy_state, python_state = np.random.get_state(), random.getstate()
    try:
        results = []
        for slot, seed in zip(task.slots, task.seeds, strict=True):
            np.random.seed(seed)
            random.seed(seed)
            particles, accepted, tries = [], False, 0
            while tries < task.max_tries:
                particle = simulate_one()
                tries += 1
                if particle.accepted or task.all_accepted:
                    particles.append(particle)
                    accepted = True
                    break
                if task.keep_rejected:
                    particles.append(particle)
            results.append(SlotResult(slot, particles, tries, accepted))
        return results
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)


class ExecutorSampler(Sampler):
    """Static-scheduling pyabc sampler on an ``Executor``, reproducible from ``seed`` (see the module docstring).

    Args:
        executor: where slots run (a local pool or Dask); used inside its ``with`` block or opened per generation.
        seed: the calibration's seed.
        max_tries: simulations a slot may spend before the generation is declared failed.
        progress: ``progress(generation, slots_done, slots)`` as tasks finish.
        store: where finished tasks are kept until their generation is in pyabc's history (None: nowhere).

    """

    def __init__(self, executor: Executor, seed: int, max_tries: int,
                 progress: Callable[[int, int, int], None] | None = None, store: SlotStore | None = None) -> None:
        super().__init__()
        self.executor = executor
        self.seed = seed
        self.max_tries = max_tries
        self.progress = progress
        self.store = store

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        """Fill ``n`` slots of generation ``t`` (see the class docstring); pyabc's ``max_eval`` is not used."""
        payload = cloudpickle.dumps(simulate_one)
        per_task = max(1, math.ceil(n / TASKS_PER_GENERATION))
        # whether pyabc wants rejected particles (an adaptive distance does); the factory's record_rejected is the
        # method that switches it on, always truthy: reading it shipped every rejected particle back from workers
        keep_rejected = self._create_empty_sample().record_rejected
        tasks = []
        for first in range(0, n, per_task):
            slots = tuple(range(first, min(first + per_task, n)))
            tasks.append(SlotTask(slots, tuple(slot_seed(self.seed, t, s) for s in slots), payload, self.max_tries,
                                  all_accepted, keep_rejected))

        kept = self.store.finished(t, tasks) if self.store else {}
        missing = [task for task in tasks if task.slots not in kept]

        def keep(i: int, results: list[SlotResult]) -> None:
            if self.store:
                self.store.save(t, missing[i], results)

        def report(done: int, total: int) -> None:
            if self.progress:
                self.progress(t, min((len(kept) + done) * per_task, n), n)

        fresh = map_ordered(self.executor, simulate_slots, missing, report, finished=keep)
        results = sorted((r for rs in [*kept.values(), *fresh] for r in rs), key=lambda r: r.slot)
        sample = self._create_empty_sample()
        for result in results:
            for particle in result.particles:
                sample.append(particle)
        self.nr_evaluations_ = sum(r.simulations for r in results)
        if not all(r.accepted for r in results):
            sample.ok = False
        return sample
