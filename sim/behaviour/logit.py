"""Multinomial logit choice: one alternative per row with probability exp(intensity x utility) / sum."""

from __future__ import annotations

import numpy as np
from numba import njit, prange


def logit_choice(utility: np.ndarray, intensity: float, rng: np.random.Generator) -> np.ndarray:
    """Column chosen in each row of ``utility`` (m, K) (-inf = infeasible, never chosen); one uniform draw per row."""
    chosen = np.empty(utility.shape[0], np.int64)
    utility = np.ascontiguousarray(utility)
    choose(utility, float(intensity), rng.random(utility.shape[0]), np.empty_like(utility), chosen)
    return chosen


@njit(cache=True, parallel=True)
def choose(utility, intensity, draws, weights, chosen):  # pragma: no cover - compiled
    """Logit choice given ``draws`` (uniform in [0, 1), one per row).

    The chosen column is the first whose cumulative weight exceeds draw x total weight, with weight
    exp(intensity x (utility - row maximum)). ``weights`` is scratch space.
    """
    m, k = utility.shape
    for i in prange(m):
        best = -np.inf
        for j in range(k):
            if utility[i, j] > best:
                best = utility[i, j]
        total = 0.0
        for j in range(k):
            w = np.exp(intensity * (utility[i, j] - best)) if np.isfinite(utility[i, j]) else 0.0
            weights[i, j] = w
            total += w
        target = draws[i] * total
        running = 0.0
        chosen[i] = k - 1
        for j in range(k):
            running += weights[i, j]
            if weights[i, j] > 0.0 and running > target:
                chosen[i] = j
                break
