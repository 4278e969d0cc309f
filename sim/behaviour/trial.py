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


@njit(cache=True, inline="always")
def own_reading(weight, signal, years, effect, deviation, others_evidence, inverse_observation_variance,
                prior_precision):  # pragma: no cover - compiled
    """A farm's reading of its own season of one practice, read with its know-how (module docstring): (weight, signal).

    ``weight`` and ``signal`` are the ramp-corrected r^2 and r^2 z it showed (``Learning.shown``), float32; the
    reading is (0, 0) for a practice not in use (``years`` 0). The effect it saw is ``effect`` + ``deviation`` and its
    know-how k is ``know_how`` of ``others_evidence``, float32 as there; the reading is rounded to float32, as the
    arrays of what it showed held it (``sim.behaviour.learning.update_beliefs`` reads it on the way).
    """
    if years <= 0:
        return np.float32(0.0), np.float32(0.0)
    k = know_how(others_evidence, inverse_observation_variance, prior_precision)
    observed = effect + deviation
    return np.float32(k * weight + (1.0 - k)), np.float32(k * signal + (1.0 - k) * observed)


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
            years = years_in_use[i, p]
            # the seasons first: few practices are on trial, so that test is mostly false and well predicted, where
            # u >= rr (true four times in five, at random) was a branch mispredicted about once a farm
            if review and 1 <= years and years <= trial_seasons and u >= revision_rate:  # else kept as is
                g = region[i]
                reviewed = reviewed_draw(u, years, progress_table[min(years, last), g, p], shortfall[g, p],
                                         others_evidence[i, p], inverse_observation_variance, prior_precision,
                                         trial_seasons, revision_rate, kept_rate)
                if reviewed != u:  # written only when reviewed: most draws are read, not rewritten
                    draws[i, p] = u = reviewed
            any_below |= u < revision_rate  # no branch
        out[i] = any_below


#: The column of ``review_table`` that holds the seasons reviewed (the ramp's progresses and gaps follow).
REVIEWED_SEASONS = 0


def review_table(learning: Learning, revision_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """What the equilibrium start's chains need of the review (``sim.behaviour.equilibrium.fill_year_matrix``).

    Returns ``table`` (R, P, 1 + 2T) float64 (T = ``trial_seasons``): per region and practice the number of seasons
    in use t = 1, 2, ... at which it is still reviewed (column ``REVIEWED_SEASONS``: t <= T and still below its long
    run, ``reconsider``'s condition, a count since the ramp's progress only grows; 0 where no review happens: no trial
    seasons, a rate of 0 or 1, no early shortfall), then the ramp progress r_t of those seasons (T columns), then the
    gap e_t - theta of the effect a farm sees in them to the long run (T columns, (1 - r_t)(e0 - theta)); and
    ``constants`` (5,): the prior precision, the memory, 1 / obs_sd^2, the years of evidence a stationary belief
    remembers (``Learning.stationary_state``) and the prior's bias, for ``trial_step``.
    """
    trial_seasons = learning.spec.trial_seasons
    shortfall = np.maximum(learning.truth - learning.effect_initial, np.float32(0.0))  # (R, P)
    last = learning.progress_table.shape[0] - 1
    seasons = np.arange(1, trial_seasons + 1)
    progress = learning.progress_table[np.minimum(seasons, last)].astype(np.float64)  # (T, R, P)
    below = (np.float32(1.0) - learning.progress_table[np.minimum(seasons, last)]) * shortfall > 0.0
    table = np.zeros((*shortfall.shape, 1 + 2 * trial_seasons))
    if 0.0 < revision_rate < 1.0:
        table[..., REVIEWED_SEASONS] = below.sum(axis=0)
    table[..., 1:1 + trial_seasons] = np.moveaxis(progress, 0, -1)
    gap = (learning.effect_initial - learning.truth).astype(np.float64)
    table[..., 1 + trial_seasons:] = np.moveaxis((1.0 - progress) * gap, 0, -1)
    constants = np.array([learning.prior_precision, learning.memory, learning.inverse_observation_variance,
                          learning.remembered_years, learning.spec.prior_yield_belief_bias], np.float64)
    return table, constants


@njit(cache=True, inline="always")
def new_user(others_evidence, constants):  # pragma: no cover - compiled
    """(1 - k, precision, gap) of a farm that starts a practice, for ``trial_step``.

    Its surprise and its belief's stationary state without own fields (``Learning.stationary_state``: precision prior +
    E' x remembered years, mean at the long run, gap 0, or at the prior's bias without evidence).
    """
    prior, remembered = constants[0], constants[3]
    yearly = np.float64(others_evidence) * constants[2]
    return prior / (prior + yearly), prior + yearly * remembered, 0.0 if others_evidence > 0 else constants[4]


@njit(cache=True, inline="always")
def trial_step(surprise, precision, gap, others_evidence, row, t, constants):  # pragma: no cover - compiled
    """(precision, gap) after the user's season t + 1 in use (t = 0, 1, ...), from those before it.

    ``row`` (1 + 2T,): the practice's ``review_table`` row; ``others_evidence`` the farm's yearly evidence from others.
    The season brings others' unbiased evidence and the farm's own reading (``own_reading``): weight w = k r^2 +
    (1 - k), of mean theta w + (1 - k)(e_t - theta), so the mean's gap to the long run follows d' = (kept d + (1 - k)
    (e_t - theta) / obs_sd^2) / (kept + (E + w) / obs_sd^2), kept = prior + memory (precision - prior)
    (``update_beliefs``, in expectation over the weather).
    """
    prior, memory, inverse = constants[0], constants[1], constants[2]
    seasons = (row.size - 1) // 2
    r = row[1 + t]
    k = 1.0 - surprise
    kept = prior + memory * (precision - prior)
    updated = kept + (np.float64(others_evidence) + k * r * r + surprise) * inverse
    return updated, (kept * gap + surprise * row[1 + seasons + t] * inverse) / updated


def trial_bias(others_evidence: float, row: np.ndarray, constants: np.ndarray) -> np.ndarray:
    """(T,) a new user's belief mean minus the long run at each season in use t = 1..T (``trial_step``)."""
    surprise, precision, gap = new_user(others_evidence, constants)
    bias = np.empty((row.size - 1) // 2)
    for t in range(bias.size):
        precision, gap = trial_step(surprise, precision, gap, others_evidence, row, t, constants)
        bias[t] = gap
    return bias


@njit(cache=True, inline="always")
def review_terms(rate, others_evidence, row, constants, terms):  # pragma: no cover - compiled
    """``terms`` (at least 1 + T,): what ``user_exit`` needs of a farm's review of a practice, whatever the move.

    ``terms[0]``: the review probability R = rate + (1 - rate)(1 - k) of a surprised trial (``reconsider``; k from
    ``others_evidence``); ``terms[1 + t]``: its belief's gap d to the long run after its season t + 1 in use read at
    face value (``trial_step``), for the T = ``row[REVIEWED_SEASONS]`` seasons reviewed. They depend on the farm and
    the practice only, so a chain computes them once for all its states and iterations of its constants.
    """
    surprise, precision, gap = new_user(others_evidence, constants)
    terms[0] = rate + (1.0 - rate) * surprise
    for t in range(int(row[REVIEWED_SEASONS])):
        precision, gap = trial_step(surprise, precision, gap, others_evidence, row, t, constants)
        terms[1 + t] = gap


@njit(cache=True, inline="always")
def user_exit(rate, gain, inverse, sensitivity, row, terms):  # pragma: no cover - compiled
    """A user's yearly probability of a move that drops a practice, averaged over its stationary ages in use.

    The move has ``gain`` and inverse noise scale ``inverse`` (its logit probability q = 1 / (1 + exp(-gain x
    inverse))). Reconsidered with probability ``rate``, a mature user exits at h = rate q a year. In its first
    seasons (``row``'s ``REVIEWED_SEASONS``, ``review_table``) a surprised trial is reviewed at R = rate + (1 - rate)
    (1 - k) (``reconsider``), with its belief d below the long run after t seasons read at face value (``trial_step``),
    which adds -``sensitivity`` x d to the gain of dropping (``sensitivity``: the move's gain per unit of belief,
    currency/ha): h_t = R q_t. R and the d_t are the farm's ``review_terms`` ``terms``. A user then stays on average
    D = sum_t S_t years (S_1 = 1, S_t+1 = S_t (1 - h_t), the mature tail S_T+1 / (rate q)), and the chain's one
    hazard is 1 / D: a Markov chain of two states with this hazard has the share in use of the process with the
    age-dependent one (share = D / (D + time out), if every farm out of the practice re-enters at one rate:
    abandoners, who keep a lowered belief, re-enter less readily, so the real share is a little lower; docs/ODD.md
    section 5). Returns 1 / D (0 when q is, and when rate q underflows to 0 with users left: an endless tail).
    """
    q = 1.0 / (1.0 + np.exp(-gain * inverse))
    if q == 0.0:
        return 0.0
    reviewed = terms[0]
    stay, survive = 0.0, 1.0
    for t in range(int(row[REVIEWED_SEASONS])):
        stay += survive
        survive *= 1.0 - reviewed / (1.0 + np.exp(-(gain - sensitivity * terms[1 + t]) * inverse))
    mature = rate * q
    if mature == 0.0:  # a subnormal rate (5e-324) times q: dividing would raise inside the compiled chains
        return 0.0 if survive > 0.0 else 1.0 / stay
    return 1.0 / (stay + survive / mature)


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
