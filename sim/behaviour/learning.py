"""Learning: each farmer's belief about each practice's long-run relative yield effect (a Gaussian, updated yearly).

What a farm shows of a practice in use for t seasons is corrected for the practice's known ramp
(``sim.behaviour.social``): signal z = (o - (1 - r) e0) / r with weight r^2, r = ramp_p(t) in [0, 1]. For farmer i and
practice p, with evidence E_ip and weighted signal S_ip from others (``SocialInformation``) plus its own farm
(weight r_ip^2 and r_ip^2 z_ip when it uses p):
    kept       = prior precision + memory x (precision_ip - prior precision)    (precision decays to the prior)
    precision' = kept + E_ip / obs_sd^2
    mean'      = (kept x mean_ip + S_ip / obs_sd^2) / precision'
a precision-weighted mean of ramp-corrected signals: an unbiased estimate of the long-run effect theta_p, so beliefs
move towards the truth as adopters' seasons accumulate (the early-season penalty is counted once, in the value of a
new practice, ``sim.behaviour.valuation``). With steady evidence E per year the belief's stationary state is
mean = theta_p and precision = prior + E / (obs_sd^2 (1 - memory)); without any evidence it stays at the prior.
Effects follow each region's crop and climate (``sim.yields.RegionYieldEffects``): theta_p, e0 and the ramp are those
of the showing farm's region, so a result heard over an exchange link between regions is evidence about the other
region's effect (farmers in exchanges learn from a different crop and climate).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.behaviour.trial import own_reading
from sim.practices import Catalogue
from sim.scenario.behaviour import Learning as LearningSpec
from sim.yields import ramp

#: With no forgetting (``belief_memory`` = 1) the stationary precision is unbounded; the initial belief of a farmer
#: with steady evidence counts at most this many years of it. Assumption: CA practices have been around for decades,
#: not centuries.
MAX_REMEMBERED_YEARS = 50


class Learning:
    """The scenario's learning parameters, what farms show, and the yearly belief update (in place).

    Args:
        spec: the ``[decision.learning]`` table.
        catalogue: the practices (first-season and long-run effects and ramp lengths of each region, (R, P)).
        region: each farm's region (n,): the effects follow its crop and climate.

    """

    def __init__(self, spec: LearningSpec, catalogue: Catalogue, region: np.ndarray) -> None:
        self.spec = spec
        self.prior_precision = np.float32(1.0 / spec.prior_yield_belief_sd**2)
        self.memory = np.float32(spec.belief_memory)
        self.inverse_observation_variance = np.float32(1.0 / spec.observation_sd**2)
        self.region = region
        self.effect_initial = catalogue.effect_initial.astype(np.float32)  # (R, P), a farm's are its region's row
        self.truth = catalogue.effect_long_run.astype(np.float32)  # (R, P)
        years = catalogue.effect_years  # (R, P)
        seasons = np.arange(int(np.max(years)) + 2)[:, None, None]
        #: ramp progress r by seasons in use (row, clipped to the last), shape (T + 2, R, P); 0 when not in use
        self.progress_table = ramp(np.zeros(years.shape), np.ones(years.shape), years, seasons).astype(np.float32)

    @property
    def remembered_years(self) -> float:
        """Years of steady evidence a stationary belief counts: 1 / (1 - memory), at most ``MAX_REMEMBERED_YEARS``."""
        return min(1.0 / max(1.0 - self.spec.belief_memory, 1e-12), MAX_REMEMBERED_YEARS)

    def progress(self, years_in_use: np.ndarray) -> np.ndarray:
        """Ramp progress r (n, P) float32 of each farm's practices this season (0 when not in use)."""
        rows = np.minimum(years_in_use, self.progress_table.shape[0] - 1)
        return self.progress_table[rows, self.region[:, None], np.arange(rows.shape[1])]

    def shown(self, years_in_use: np.ndarray, effects: np.ndarray, deviation: np.ndarray,
              out: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """What each farm shows of its practices this season: weight r^2 and weighted signal r^2 z, (n, P) float32.

        ``effects`` (n, P) float32 are the practices' current effects and ``deviation`` (n,) float32 the farm's
        weather deviation. One compiled pass (``show``): no (n, P) temporaries beside the two results, written to
        ``out`` (two C-contiguous (n, P) float32 arrays) when given.
        """
        weight, signal = out or (np.empty(effects.shape, np.float32), np.empty(effects.shape, np.float32))
        show(years_in_use, self.region, self.progress_table, effects, deviation, self.effect_initial, weight, signal)
        return weight, signal

    def stationary_beliefs(self, evidence: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, precision), each (n, P) float32, at the stationary state for steady yearly ``evidence``.

        ``stationary_state`` with these ``noise`` (n, P) standard normal draws.
        """
        mean, precision, _ = self.stationary_state(evidence, noise)
        return mean, precision

    def stationary_state(self, evidence: np.ndarray, noise: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(mean, precision, sd), (n, P) float32, float32 and float64, at the stationary state for steady ``evidence``.

        With evidence E' = E / obs_sd^2 a year the precision settles at prior + E' / (1 - memory) (at most
        ``MAX_REMEMBERED_YEARS`` of evidence) and the mean is an AR(1) around the true effect: m' - theta =
        a (m - theta) + (1 - a) e with a = kept / precision and Var(e) = 1 / E', so its stationary sd is
        sqrt((1 - a) / (1 + a) / E') (0 without evidence). The initial mean is truth + sd x ``noise`` (n, P), standard
        normal draws (None: the mean itself). Farmers without evidence keep the prior (truth + bias). One compiled
        pass (``fill_stationary_state``) into new C-contiguous arrays: its one compiled signature.
        """
        remembered = self.remembered_years
        mean, precision, sd = (np.empty(evidence.shape, np.float32), np.empty(evidence.shape, np.float32),
                               np.empty(evidence.shape))
        fill_stationary_state(evidence, np.empty((0, evidence.shape[1])) if noise is None else noise, self.region,
                              self.truth, self.prior_precision, self.inverse_observation_variance, remembered,
                              np.float32(self.spec.prior_yield_belief_bias), mean, precision, sd)
        return mean, precision, sd

    def update(self, belief_mean: np.ndarray, belief_precision: np.ndarray, others_evidence: np.ndarray,
               others_signal: np.ndarray, years_in_use: np.ndarray, effects: np.ndarray, deviation: np.ndarray,
               weight: np.ndarray, signal: np.ndarray) -> None:
        """The season's update of ``belief_mean`` and ``belief_precision`` (n, P) in place (module docstring).

        Others' ``others_evidence`` and ``others_signal`` (n, P) float32 (``SocialInformation``); the farm's own season
        is what it showed, ``weight`` and ``signal`` of ``shown`` (left as they are), read with its know-how when
        ``trial_seasons`` > 0 (``sim.behaviour.trial.own_reading``: the effects (n, P) and weather ``deviation`` (n,)
        it saw, for what it does not know of the ramp), else ramp-corrected as shown. One compiled pass.
        """
        update_beliefs(others_evidence, others_signal, weight, signal, self.spec.trial_seasons > 0, years_in_use,
                       effects, deviation, belief_mean, belief_precision, self.prior_precision, self.memory,
                       self.inverse_observation_variance)


@njit(cache=True, parallel=True)
def show(years_in_use, region, progress_table, effects, deviation, effect_initial, weight, signal
         ):  # pragma: no cover - compiled
    """``weight`` = r^2 and ``signal`` = r (o - (1 - r) e0), (n, P) float32, of ``Learning.shown``, in one pass.

    r = ``progress_table[min(years_in_use, last row), region, p]``, o = effect + deviation, e0 = ``effect_initial``
    (R, P) of the farm's region; float32 arithmetic in the order of the NumPy expressions it replaces (the same numbers
    bit for bit).
    """
    n, n_practices = effects.shape
    last = progress_table.shape[0] - 1
    one = np.float32(1.0)
    for i in prange(n):
        g = region[i]
        d = deviation[i]
        for p in range(n_practices):
            r = progress_table[min(years_in_use[i, p], last), g, p]
            observed = effects[i, p] + d
            weight[i, p] = r * r
            signal[i, p] = r * (observed - (one - r) * effect_initial[g, p])


@njit(cache=True, parallel=True)
def fill_stationary_state(evidence, noise, region, truth, prior_precision, inverse_observation_variance, remembered,
                          bias, mean, precision, sd):  # pragma: no cover - compiled
    """``mean``, ``precision`` and ``sd`` (n, P) of ``Learning.stationary_state`` for ``evidence`` (n, P) float32.

    ``noise`` (n, P), or (0, P) for none; ``truth`` (R, P) float32 of each farm's ``region``; ``bias`` float32.
    float64 arithmetic from the float32 evidence, then rounded to float32, in the order of the NumPy expressions it
    replaces (the same numbers bit for bit); the prior mean truth + bias is a float32 sum, as NumPy's was.
    """
    n, n_practices = evidence.shape
    noisy = noise.shape[0] > 0
    for i in prange(n):
        g = region[i]
        for p in range(n_practices):
            yearly = np.float64(evidence[i, p]) * np.float64(inverse_observation_variance)
            settled = np.float64(prior_precision) + yearly * remembered
            a = (settled - yearly) / settled
            precision[i, p] = np.float32(settled)
            if evidence[i, p] > 0:
                spread = np.sqrt((1.0 - a) / (1.0 + a) / yearly)
                mean[i, p] = np.float32(np.float64(truth[g, p]) + spread * (noise[i, p] if noisy else 0.0))
                sd[i, p] = spread
            else:
                mean[i, p] = truth[g, p] + bias
                sd[i, p] = 0.0


@njit(cache=True, parallel=True)
def update_beliefs(others_evidence, others_signal, own_weight, own_signal, read_own, years_in_use, effects, deviation,
                   belief_mean, belief_precision, prior_precision, memory, inverse_observation_variance
                   ):  # pragma: no cover - compiled
    """The update of the module docstring for every farmer and practice, in place.

    The farm's own season is ``own_weight`` and ``own_signal`` (n, P), or with ``read_own`` their reading with its
    know-how (``own_reading``, of ``years_in_use``, ``effects`` (n, P) and ``deviation`` (n,)), computed on the way:
    no pass that writes the reading back (at 1 M farmers the reading and the update took 6.9 + 7.7 ms a year on
    one thread in two passes).
    """
    n, n_practices = belief_mean.shape
    for i in prange(n):
        for p in range(n_practices):
            own_w, own_s = own_weight[i, p], own_signal[i, p]  # float32, as the reading (no type widened)
            if read_own:
                own_w, own_s = own_reading(own_w, own_s, years_in_use[i, p], effects[i, p], deviation[i],
                                           others_evidence[i, p], inverse_observation_variance, prior_precision)
            evidence = (others_evidence[i, p] + own_w) * inverse_observation_variance
            signal = (others_signal[i, p] + own_s) * inverse_observation_variance
            kept = prior_precision + memory * (belief_precision[i, p] - prior_precision)
            belief_mean[i, p] = (kept * belief_mean[i, p] + signal) / (kept + evidence)
            belief_precision[i, p] = kept + evidence
