"""Learning: each farmer's belief about each practice's long-run relative yield effect (a Gaussian, updated yearly).

For practice p, from what farmer i saw this season (``sim.behaviour.social``) and its own farm:
    count_ip = share_ip x degree_i + [i uses p]           (weighted number of farms seen using p)
    total_ip = shown_ip + [i uses p] (effect_ip + deviation_i)
    kept     = prior precision + memory x (precision_ip - prior precision)   (precision decays to the prior)
    mean'    = (kept x mean_ip + total_ip / obs_sd^2) / (kept + count_ip / obs_sd^2)
    precision' = kept + count_ip / obs_sd^2
a precision-weighted mean of the effects seen, with the prior's weight decaying (``belief_memory``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.farmers import FarmerTable
from sim.practices import N_PRACTICES, Catalogue
from sim.scenario.behaviour import Learning as LearningSpec


class Learning:
    """The scenario's learning parameters and the yearly belief update (in place on the farmer table)."""

    def __init__(self, spec: LearningSpec) -> None:
        self.spec = spec
        self.prior_precision = np.float32(1.0 / spec.prior_yield_belief_sd**2)
        self.memory = np.float32(spec.belief_memory)
        self.inverse_observation_variance = np.float32(1.0 / spec.observation_sd**2)

    def initial_beliefs(self, years_in_use: np.ndarray, catalogue: Catalogue, region: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray]:
        """(mean, precision), each (n, P) float32, of farms that have used their practices ``years_in_use`` seasons.

        ``region``: each farm's region (its practices' true effects follow its crop and climate).

        Everyone starts from the prior (true long-run effect + bias, sd ``prior_yield_belief_sd``); a farmer already
        using a practice has also seen it on its own farm for its seasons of use (at most the 1 / (1 - memory)
        seasons that memory keeps): a precision-weighted update towards the mean effect of those seasons, as the
        yearly rule would have made.
        """
        s = self.spec
        prior = catalogue.effect_long_run[region] + s.prior_yield_belief_bias
        prior_precision = 1.0 / s.prior_yield_belief_sd**2
        seasons = np.arange(1, max(int(years_in_use.max(initial=0)), 1) + 1)
        table = catalogue.effect_table
        rows = table[np.minimum(seasons, table.shape[0] - 1)]  # effect in seasons 1, 2, ... (S, R, P)
        seen_mean = np.cumsum(rows, axis=0) / seasons[:, None, None]  # mean effect seen after 1, 2, ... seasons
        remembered = np.minimum(years_in_use, 1.0 / max(1.0 - s.belief_memory, 1e-9))
        evidence = remembered / s.observation_sd**2
        observed = seen_mean[np.maximum(years_in_use, 1) - 1, region[:, None], np.arange(N_PRACTICES)]
        precision = (prior_precision + evidence).astype(np.float32)
        mean = ((prior_precision * prior + evidence * observed) / precision).astype(np.float32)
        return mean, precision

    def update(self, farms: FarmerTable, share: np.ndarray, shown: np.ndarray, degree: np.ndarray,
               effects: np.ndarray, deviation: np.ndarray) -> None:
        """The season's update of ``farms.belief_mean`` and ``farms.belief_precision`` (see the module docstring)."""
        update_beliefs(share, degree, shown, farms.uses, effects, deviation, farms.belief_mean, farms.belief_precision,
                       self.prior_precision, self.memory, self.inverse_observation_variance)


@njit(cache=True, parallel=True)
def update_beliefs(share, degree, shown, uses, effects, deviation, belief_mean, belief_precision, prior_precision,
                   memory, inverse_observation_variance):  # pragma: no cover - compiled
    """The update of the module docstring for every farmer and practice, in place."""
    n, n_practices = uses.shape
    for i in prange(n):
        for p in range(n_practices):
            count = share[i, p] * degree[i]
            total = shown[i, p]
            if uses[i, p]:
                count += 1.0
                total += effects[i, p] + deviation[i]
            kept = prior_precision + memory * (belief_precision[i, p] - prior_precision)
            evidence = count * inverse_observation_variance
            belief_mean[i, p] = (kept * belief_mean[i, p] + total * inverse_observation_variance) / (kept + evidence)
            belief_precision[i, p] = kept + evidence
