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
  run, a farmer who did not know to expect that (1 - k) reconsiders it this year (``reconsider``), not only at
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


@njit(cache=True, inline="always")
def know_how(others_evidence, inverse_observation_variance, prior_precision):  # pragma: no cover - compiled
    """Know-how k (float32) of the module docstring, from this season's evidence from others (float32)."""
    yearly = others_evidence * inverse_observation_variance
    return yearly / (prior_precision + yearly)


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
            k = know_how(others_evidence[i, p], inverse_observation_variance, prior_precision)
            observed = effects[i, p] + deviation[i]
            weight[i, p] = k * weight[i, p] + (1.0 - k)
            signal[i, p] = k * signal[i, p] + (1.0 - k) * observed


@njit(cache=True, inline="always")
def reviewed_draw(u, years, progress, shortfall, others_evidence, inverse_observation_variance, prior_precision,
                  trial_seasons, revision_rate, kept_rate):  # pragma: no cover - compiled
    """One practice's draw after the review of ``reconsider``: v x rr when a surprised trial is reviewed, else u.

    ``progress`` r and ``shortfall`` (the region's long-run minus first-season effect, at least 0) are float32 as
    ``Learning`` holds them, ``kept_rate`` is float32(1 - rr): float32 arithmetic where NumPy's was (the same bits).
    """
    one = np.float32(1.0)
    if u < revision_rate or years < 1 or years > trial_seasons or not (one - progress) * shortfall > 0.0:
        return u
    surprise = one - know_how(others_evidence, inverse_observation_variance, prior_precision)
    denominator = np.float64(kept_rate * surprise)
    if not (surprise > 0.0 and denominator > 0.0):
        return u
    v = (u - revision_rate) / denominator
    return v * revision_rate if v < 1.0 else u


@njit(cache=True, parallel=True)
def reconsidered(draws, revision_rate, review, years_in_use, region, progress_table, shortfall, others_evidence,
                 inverse_observation_variance, prior_precision, trial_seasons, kept_rate, out
                 ):  # pragma: no cover - compiled
    """``out`` (n,) bool: the farm reconsiders some practice (a draw below ``revision_rate``); ``draws`` reviewed first.

    With ``review`` each draw (n, P) float64 is first reviewed in place (``reviewed_draw``; ``progress_table``
    (T + 2, R, P) and ``shortfall`` (R, P) as in ``reconsider``). One pass over the draws, no (n, P) temporaries.
    """
    n, n_practices = draws.shape
    last = progress_table.shape[0] - 1
    for i in prange(n):
        any_below = False
        for p in range(n_practices):
            u = draws[i, p]
            if review and u >= revision_rate and 1 <= years_in_use[i, p] <= trial_seasons:  # else kept as is
                years, g = years_in_use[i, p], region[i]
                reviewed = reviewed_draw(u, years, progress_table[min(years, last), g, p], shortfall[g, p],
                                         others_evidence[i, p], inverse_observation_variance, prior_precision,
                                         trial_seasons, revision_rate, kept_rate)
                if reviewed != u:  # written only when reviewed: most draws are read, not rewritten
                    draws[i, p] = u = reviewed
            any_below = any_below or u < revision_rate
        out[i] = any_below


def reconsider(draws: np.ndarray, years_in_use: np.ndarray, others_evidence: np.ndarray, learning: Learning,
               revision_rate: float, review: bool = True) -> np.ndarray:
    """Which farms reconsider some practice this year, (n,) bool; with ``review``, ``draws`` (n, P) reviewed in place.

    A practice is on trial in its first ``trial_seasons`` seasons; while its effect is below its long run (the ramp's
    shortfall) a farmer without know-how (k of the module docstring) did not expect it. Such a practice, otherwise
    reconsidered with probability ``revision_rate``, is reconsidered with probability rr + (1 - rr)(1 - k): a surprise
    prompts the review. A practice without a shortfall (or a farmer who knows the ramp) keeps the revision rate, so
    with equal utilities and no ramp adopters and non-adopters reconsider alike (the choice stays symmetric).
    The economic rule reconsiders when u < rr and decides with u / rr (uniform on [0, 1)); a trial's extra review
    reuses the same draw, so no random number is added: for u >= rr, v = (u - rr) / ((1 - rr) q) < 1 reviews, with
    the decision draw v x rr (q = 1 - k, the surprise). Without ``review`` (or with no trial seasons, or a rate of 0
    or 1) the draws are left as they are.
    """
    trial_seasons = learning.spec.trial_seasons
    review = review and trial_seasons > 0 and 0.0 < revision_rate < 1.0
    shortfall = np.maximum(learning.truth - learning.effect_initial, np.float32(0.0))
    out = np.empty(draws.shape[0], np.bool_)
    reconsidered(draws, revision_rate, review, years_in_use, learning.region, learning.progress_table, shortfall,
                 others_evidence, learning.inverse_observation_variance, learning.prior_precision, trial_seasons,
                 np.float32(1.0 - revision_rate), out)
    return out
