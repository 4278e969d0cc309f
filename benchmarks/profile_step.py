"""Where a yearly step spends its time, stage by stage, at 1 thread and at every core: what stays serial.

Run: ``.venv/bin/python benchmarks/profile_step.py [--farmers 1000000] [--years 3] [--scenario ...]``.
A stage is a call the step makes into one of the model's rooms (``model.rule.decide``, ``model.yields.harvest``,
``model.recorder.record`` ...) or into a function of ``sim`` (``farm_accounts``): every public method of the
model's rooms is wrapped with a timer that counts only outermost calls, so nothing is counted twice. The second
table lists the functions with the most time of their own (cProfile; compiled kernels count in the function that
calls them). A stage whose time does not fall with more threads is serial: NumPy calls, random draws, Python work.
"""

from __future__ import annotations

import argparse
import cProfile
import inspect
import os
import pstats
import resource
import time
from collections import defaultdict
from pathlib import Path

import sim
import sim.model
from sim import parallel

#: Bytes of a page the kernel maps (and zeroes) at a fault.
PAGE = resource.getpagesize()
SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
#: The step's time outside every wrapped stage.
OTHER = "other (the step's own NumPy work, Python)"


def minor_faults() -> int:
    """Minor page faults of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class StageTimer:
    """Seconds spent in each wrapped callable, counting only calls made outside another wrapped one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.faults: dict[str, int] = defaultdict(int)  # minor page faults
        self.depth = 0

    def wrap(self, name: str, function):
        def timed(*args, **kwargs):
            self.depth += 1
            faults = minor_faults()
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds[name] += time.perf_counter() - started
                    self.faults[name] += minor_faults() - faults

        return timed

    def attach(self, model: sim.AdoptionModel) -> None:
        """Wrap the public methods of the model's rooms and the ``sim`` functions ``sim.model`` calls."""
        for attribute, room in vars(model).items():
            if type(room).__module__.startswith("sim.") and room is not model:
                for name, method in inspect.getmembers(room, inspect.ismethod):
                    if not name.startswith("_"):
                        try:
                            setattr(room, name, self.wrap(f"{attribute}.{name}", method))
                        except (AttributeError, ValueError):  # a frozen record (the streams), not a room
                            break
        for name, function in vars(sim.model).items():
            if inspect.isfunction(function) and function.__module__.startswith("sim."):
                setattr(sim.model, name, self.wrap(name, function))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--farmers", type=int, default=1_000_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    model = sim.AdoptionModel(sim.load_scenario(args.scenario), n_farmers=args.farmers)
    timer = StageTimer()
    timer.attach(model)
    stages, steps, own, least = {}, {}, {}, {}
    for threads in sorted({1, cores}):
        parallel.set_threads(threads)
        model.step()  # warm-up at this thread count: kernels first used load from the cache (~0.2 s at 1 thread)
        timer.seconds.clear()
        timer.faults.clear()
        faults = minor_faults()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        years = []  # each year's seconds by stage, and the step's
        for _ in range(args.years):
            before, year_started = dict(timer.seconds), time.perf_counter()
            model.step()
            year = {k: v - before.get(k, 0.0) for k, v in timer.seconds.items()}
            whole = time.perf_counter() - year_started
            years.append(year | {OTHER: whole - sum(year.values()), "whole step": whole})
        profiler.disable()
        steps[threads] = (time.perf_counter() - started) / args.years
        stages[threads] = {k: v / args.years for k, v in timer.seconds.items()}
        least[threads] = {k: min(year.get(k, 0.0) for year in years) for k in years[0]}
        faulted = {k: v * PAGE / args.years / args.farmers for k, v in timer.faults.items()}
        faulted["whole step"] = (minor_faults() - faults) * PAGE / args.years / args.farmers
        rows = [(f"{Path(f).name}:{line}({name})", row[2] / args.years)
                for (f, line, name), row in pstats.Stats(profiler).stats.items()]
        own[threads] = sorted(rows, key=lambda r: -r[1])[: args.top]
    one, many = stages[1], stages[max(stages)]
    one[OTHER] = steps[1] - sum(one.values())
    many[OTHER] = steps[max(steps)] - sum(many.values())
    print(f"{args.scenario.name}, {args.farmers:,} farmers, {args.years} years per thread count; load average "
          f"{os.getloadavg()[0]:.2f} on {cores} cores\n")
    header = f"{'stage':<48}" + "".join(f"{f'{t} thr ms':>11}" for t in stages) + f"{'speed-up':>10}" + \
        f"{'faults B/farmer':>17}" + "".join(f"{f'{t} thr min':>12}" for t in stages)
    print(header + "\n" + "-" * len(header))
    for key in sorted(one, key=lambda k: -one[k]):
        if one[key] * 1000 >= 0.01:
            print(f"{key:<48}" + "".join(f"{stages[t].get(key, 0.0) * 1000:>11.1f}" for t in stages)
                  + f"{one[key] / max(many.get(key, 0.0), 1e-9):>9.1f}x" + f"{faulted.get(key, 0.0):>17.1f}"
                  + "".join(f"{least[t].get(key, 0.0) * 1000:>12.1f}" for t in stages))
    print(f"{'whole step':<48}" + "".join(f"{steps[t] * 1000:>11.1f}" for t in steps)
          + f"{steps[1] / steps[max(steps)]:>9.1f}x" + f"{faulted['whole step']:>17.1f}"
          + "".join(f"{least[t]['whole step'] * 1000:>12.1f}" for t in stages))
    print("(min: the least of the years, steadier than the mean on cores other work shares)")
    for threads, rows in own.items():
        print(f"\nmost time of their own at {threads} thread(s), ms per year:")
        for name, seconds in rows:
            print(f"  {name:<70}{seconds * 1000:>9.1f}")


if __name__ == "__main__":
    main()
