"""Try and abandon: a farmer judges a practice it has just started on its own seasons, with what it knows of the ramp.

A practice's first seasons fall short of its long run (the ramp of ``sim.yields``: no-till's early yield penalty,
weeds that resprout, seeders and sprayers not yet mastered). Farmers who have heard about the practice from farms
that went through the ramp know the shortfall is temporary and discount it (``sim.behaviour.learning`` corrects every
signal for the ramp); pioneers, who have heard little, read their own first seasons at face value. So:

- **Own seasons read with the farmer's know-how.** For a practice p in use, what the farmer learns from its own
  farm this season is a mix of the ramp-corrected reading (weight r^2, signal r^2 z) and the face-value reading
  (weight 1, signal o = the effect it saw):
      weight = k r^2 + (1 - k),   signal = k r^2 z + (1 - k) o,   k_ip = E_ip / (prior precision + E_ip),
  E_ip = this season's evidence from others (``SocialInformation.evidence`` / obs_sd^2: neighbours', demonstration
  farms' and club members' ramp-corrected results, each weighted by r^2, so only farms well into the ramp teach
  it). k is the weight of others' ramp-aware results against the farmer's prior: 0 for a pioneer who hears from
  nobody, towards 1 where many farms have been through the ramp. No parameter is added, and a farmer's own
  face-value seasons do not teach it that the penalty is temporary.
- **A surprise prompts a review.** In its first ``trial_seasons`` seasons, while the practice is still below its long
  run, a farmer who did not know to expect that (1 - k) reconsiders it this year (``review_trials``), not only at
  ``revision_rate``. The decision itself is the rule's (``sim.behaviour.economic``): a farmer whose belief fell
  drops the practice; one who still expects it to pay keeps it. Farmers who know the ramp, and practices without
  an early shortfall, are reconsidered at the revision rate as before.

Evidence (docs/evidence.md, Behaviour): Brazil's pioneers "commonly abandoned the system in the third or fourth year
of adoption or even the year after" and few persisted, for inadequate seeders and desiccants, resprouting weeds and
double herbicide doses (Denardin, Embrapa Trigo); a Goiás pioneer failed on 200 ha by skipping a small trial
(Landers 2001, FAO Y2638E ch. 2); mature-phase dis-adoption is small (Canada's provinces: 1-5 points per 5 years,
StatCan 32-10-0162-01).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

if TYPE_CHECKING:
    from sim.behaviour.learning import Learning


@njit(cache=True, parallel=True)
def own_reading(weight, signal, years_in_use, effects, deviation, others_evidence, inverse_observation_variance,
                prior_precision):  # pragma: no cover - compiled
    """Own-farm (weight, signal), (n, P) float32, read with the farmer's know-how (module docstring), in place.

    ``weight`` and ``signal`` are the ramp-corrected r^2 and r^2 z of ``Learning.shown``; they are overwritten with
    the reading (0 for practices not in use, ``years_in_use`` (n, P) 0). The effect each farm saw is ``effects``
    (n, P) + ``deviation`` (n,), and its know-how k is ``know_how`` of ``others_evidence`` (n, P), float32 as there:
    one pass, no (n, P) temporaries.
    """
    n, n_practices = weight.shape
    for i in prange(n):
        for p in range(n_practices):
            if years_in_use[i, p] <= 0:
                weight[i, p] = 0.0
                signal[i, p] = 0.0
                continue
            yearly = others_evidence[i, p] * inverse_observation_variance
            k = yearly / (prior_precision + yearly)
            observed = effects[i, p] + deviation[i]
            weight[i, p] = k * weight[i, p] + (1.0 - k)
            signal[i, p] = k * signal[i, p] + (1.0 - k) * observed


def know_how(others_evidence: np.ndarray, learning: Learning) -> np.ndarray:
    """Know-how k (n, P) float32 of the module docstring, from this season's evidence from others (n, P)."""
    yearly = others_evidence * learning.inverse_observation_variance
    return (yearly / (learning.prior_precision + yearly)).astype(np.float32)


def review_trials(draws: np.ndarray, years_in_use: np.ndarray, others_evidence: np.ndarray, learning: Learning,
                  revision_rate: float) -> np.ndarray:
    """``draws`` (n, P) with practices on trial that met a penalty their farmer did not expect reconsidered this year.

    A practice is on trial in its first ``trial_seasons`` seasons; while its effect is below its long run (the ramp's
    shortfall) a farmer without know-how (k of the module docstring) did not expect it. Such a practice, otherwise
    reconsidered with probability ``revision_rate``, is reconsidered with probability rr + (1 - rr)(1 - k): a surprise
    prompts the review. A practice without a shortfall (or a farmer who knows the ramp) keeps the revision rate, so
    with equal utilities and no ramp adopters and non-adopters reconsider alike (the choice stays symmetric).
    The economic rule reconsiders when u < rr and decides with u / rr (uniform on [0, 1)); a trial's extra review
    reuses the same draw, so no random number is added: for u >= rr, v = (u - rr) / ((1 - rr) q) < 1 reviews, with
    the decision draw v x rr.
    """
    trial_seasons = learning.spec.trial_seasons
    if trial_seasons <= 0 or revision_rate <= 0.0 or revision_rate >= 1.0:
        return draws
    r = learning.progress(years_in_use)
    shortfall = (1.0 - r) * np.maximum(learning.truth - learning.effect_initial, 0.0)[learning.region] > 0.0
    on_trial = (years_in_use >= 1) & (years_in_use <= trial_seasons) & shortfall
    surprise = np.where(on_trial, 1.0 - know_how(others_evidence, learning), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (draws - revision_rate) / ((1.0 - revision_rate) * surprise)
    reviewed = (draws >= revision_rate) & (surprise > 0.0) & (v < 1.0)
    return np.where(reviewed, v * revision_rate, draws)
