"""Social information: what each farmer learns about each practice from others, and how many others use it.

Every farm j using practice p shows, this season, the practice's current relative yield effect plus its weather
deviation, o_jp = e_jp + d_j. The practice's ramp is known (``sim.yields.ramp``): after t seasons its effect is
e(t) = (1 - r_p(t)) e0_p + r_p(t) theta_p with r_p(t) in [0, 1], so o_jp is turned into a signal of the long-run
effect theta_p, z = (o - (1 - r) e0) / r, of precision r^2 / obs_sd^2 (a first season, r = 0, says nothing about
the long run). A farm's contribution is kept as its weight r^2 and its weighted signal r (o - (1 - r) e0) = r^2 z.

For farmer i and practice p, with link weights w_ij over network neighbours j (``sim.network``: peers, and
demonstration farms with their larger weight):
    share_ip    = sum_j w_ij [j uses p] / degree_i                                  (0 without neighbours)
    evidence_ip = sum_j w_ij r_jp^2       + [i member] w_org sum_{j in org(i), j != i} r_jp^2
    signal_ip   = sum_j w_ij r_jp^2 z_jp  + [i member] w_org sum_{j in org(i), j != i} r_jp^2 z_jp
The organisation terms are the farmer organisations of ``sim.network`` acting as growers' clubs (Brazil's Clube da
Minhoca, Clubes Amigos da Terra): a member hears every adopter of its organisation, each with weight ``w_org``.
Only practice-specific information moves beliefs; no term pulls a farmer towards what the majority does.
A fully mixed population has everyone else as a neighbour of weight 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit, prange

from sim.network import Network
from sim.parallel import chunk_rows, dealt_chunks, unsigned

if TYPE_CHECKING:
    from sim.behaviour.exchange import Exchanges


class SocialInformation:
    """Neighbours' practice shares and the ramp-corrected evidence they (and clubs) give, updated once a year.

    Args:
        network: the social network.
        n_practices: number of practices.
        member: (n,) bool, farmers who take part in their organisation's meetings.
        organisation_weight: weight of one adopter heard in the organisation.

    Attributes:
        share: (n, P) float32 weighted share of neighbours using each practice.
        evidence: (n, P) float32 precision weight of what others showed (sum of weights x r^2).
        signal: (n, P) float32 the matching weighted signals (sum of weights x r^2 z).

    """

    def __init__(self, network: Network, n_practices: int, member: np.ndarray, organisation_weight: float) -> None:
        self.use_network(network)
        n = network.degree.size
        self.member = member
        #: the members' rows (unsigned: ``sim.parallel.unsigned``): only they hear their organisation
        self.members = unsigned(np.flatnonzero(member))
        #: whether each organisation's farms are consecutive rows (as ``sim.network`` numbers them, and runs stacked
        #: with their ids offset keep): their totals are then summed side by side
        organisation = getattr(network, "organisation", None)
        self.organisations_consecutive = organisation is not None and consecutive(organisation)
        self.organisation_weight = np.float32(organisation_weight)
        self.share = np.zeros((n, n_practices), np.float32)
        self.evidence = np.zeros((n, n_practices), np.float32)
        self.signal = np.zeros((n, n_practices), np.float32)
        #: exchange programmes whose information channel re-weights partners' seasons (``sim.behaviour.exchange``);
        #: set when the programme starts, after the initial state
        self.exchanges: Exchanges | None = None

    def use_network(self, network: Network) -> None:
        """Look at others through ``network`` from now on (the model's start looks through the one before exchanges).

        The same farms and organisations; what was observed so far stays until the next ``observe``.
        """
        self.network = network
        degree = network.degree
        self.inverse_degree = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)

    def observe(self, bundle: np.ndarray, uses: np.ndarray, weight: np.ndarray, weighted_signal: np.ndarray) -> None:
        """Look at the others.

        From every farm's ``bundle`` (n,), ``uses`` (n, P), and what it shows: ``weight`` = r^2 and
        ``weighted_signal`` = r^2 z (n, P) float32, zero for practices not in use (``sim.behaviour.learning``).
        """
        adjacency = self.network.adjacency
        if adjacency is None:  # fully mixed: everyone else is a neighbour with weight 1
            self.share = ((uses.sum(axis=0) - uses) * self.inverse_degree[:, None]).astype(np.float32)
            self.evidence = (weight.sum(axis=0, dtype=np.float64) - weight).astype(np.float32)
            self.signal = (weighted_signal.sum(axis=0, dtype=np.float64) - weighted_signal).astype(np.float32)
        else:  # written over last season's arrays: no year's (n, P) arrays to allocate (the step's memory peak)
            neighbour_sums(adjacency.indptr, unsigned(adjacency.indices), adjacency.data, bundle, weight,
                           weighted_signal, self.inverse_degree, self.share, self.evidence, self.signal,
                           *dealt_chunks())
        if self.organisation_weight > 0 and self.members.size:  # ids passed unsigned (``sim.parallel.unsigned``)
            organisation = unsigned(self.network.organisation)
            hear_organisations(self.members, organisation, self.organisation_weight, weight, weighted_signal,
                               self._organisation_totals(organisation, weight, weighted_signal), self.evidence,
                               self.signal)
        if self.exchanges is not None:
            self.exchanges.adjust_evidence(weight, weighted_signal, self.evidence, self.signal)

    def _organisation_totals(self, organisation: np.ndarray, weight: np.ndarray, weighted_signal: np.ndarray
                             ) -> np.ndarray:
        """(organisations, 2, P) sums of what each ``organisation``'s farms show: weight, then weighted signal."""
        totals = np.zeros((int(organisation.max()) + 1, 2, weight.shape[1]))
        if self.organisations_consecutive:
            consecutive_organisation_totals(organisation, weight, weighted_signal, totals, ORGANISATION_CHUNKS)
        else:
            organisation_totals(organisation, weight, weighted_signal, totals)
        return totals

    def share_of(self, flag: np.ndarray) -> np.ndarray:
        """Weighted share of each farmer's neighbours for which ``flag`` (n,) holds (0 without neighbours)."""
        total = self.network.neighbour_sum(flag.astype(np.float32)).astype(np.float64)
        degree = self.network.degree.astype(np.float64)
        return np.divide(total, degree, out=np.zeros(flag.size), where=degree > 0)


@njit(cache=True, parallel=True)
def neighbour_sums(indptr, indices, link_weight, bundle, weight, weighted_signal, inverse_degree, share, evidence,
                   signal, threads=1, chunks=1):  # pragma: no cover - compiled
    """``share``, ``evidence`` and ``signal`` (module docstring, network part) from a CSR adjacency.

    ``weight`` and ``weighted_signal`` (n, P) are what each farm shows (zero for practices it does not use).
    Written for the four practices (scalar accumulators: no allocation per farmer); float32 sums. The rows are
    dealt to ``threads`` threads in ``chunks`` chunks (``sim.parallel.dealt_chunks``): a farm costs more the more
    of its neighbours use a practice, and adopters crowd in some regions' rows (at 1 M farmers, 2 threads: 24.9 ->
    19.8 ms a year, min of 6 years; the same bits).
    """
    n = bundle.shape[0]
    for t in prange(threads):
        for chunk in range(t, chunks, threads):
            first, end = chunk_rows(chunk, chunks, n)
            for i in range(first, end):
                _neighbour_row(np.uint64(i), indptr, indices, link_weight, bundle, weight, weighted_signal,
                               inverse_degree, share, evidence, signal)


@njit(cache=True)
def _neighbour_row(i, indptr, indices, link_weight, bundle, weight, weighted_signal, inverse_degree, share, evidence,
                   signal):  # pragma: no cover - compiled
    """Farm i's ``share``, ``evidence`` and ``signal`` from its links (``neighbour_sums``).

    ``i`` is uint64, the type Numba's parallel pass gives a ``prange`` index: callers cast it (``np.uint64``), so the
    row compiles once, not once more for the int64 index the loop has before that pass.
    """
    c0 = c1 = c2 = c3 = np.float32(0.0)
    e0 = e1 = e2 = e3 = np.float32(0.0)
    s0 = s1 = s2 = s3 = np.float32(0.0)
    for k in range(indptr[i], indptr[i + 1]):
        j = indices[k]
        b = bundle[j]
        if b == 0:  # a conventional neighbour shows no practice
            continue
        w = link_weight[k]
        c0 += w * np.float32(b & 1)  # branch-free: 1.0 when the neighbour uses the practice
        c1 += w * np.float32((b >> 1) & 1)
        c2 += w * np.float32((b >> 2) & 1)
        c3 += w * np.float32((b >> 3) & 1)
        e0 += w * weight[j, 0]
        e1 += w * weight[j, 1]
        e2 += w * weight[j, 2]
        e3 += w * weight[j, 3]
        s0 += w * weighted_signal[j, 0]
        s1 += w * weighted_signal[j, 1]
        s2 += w * weighted_signal[j, 2]
        s3 += w * weighted_signal[j, 3]
    inv = inverse_degree[i]
    share[i, 0], share[i, 1], share[i, 2], share[i, 3] = c0 * inv, c1 * inv, c2 * inv, c3 * inv
    evidence[i, 0], evidence[i, 1], evidence[i, 2], evidence[i, 3] = e0, e1, e2, e3
    signal[i, 0], signal[i, 1], signal[i, 2], signal[i, 3] = s0, s1, s2, s3


@njit(cache=True)
def organisation_totals(organisation, weight, weighted_signal, totals):  # pragma: no cover - compiled
    """``totals[o, 0, p]`` and ``totals[o, 1, p]``: sums of weight and weighted signal over organisation o's farms.

    One serial pass in farm order: the sums do not depend on the thread count.
    """
    n, n_practices = weight.shape
    for i in range(n):
        o = organisation[i]
        for p in range(n_practices):
            totals[o, 0, p] += weight[i, p]
            totals[o, 1, p] += weighted_signal[i, p]


def consecutive(ids: np.ndarray) -> bool:
    """Whether the rows of each value of ``ids`` (n,) are consecutive (no value comes back after another)."""
    if ids.size == 0:
        return True
    firsts = ids[np.concatenate([[0], np.flatnonzero(ids[1:] != ids[:-1]) + 1])]
    return np.unique(firsts).size == firsts.size


#: Chunks of rows whose organisations are summed side by side (``consecutive_organisation_totals``).
ORGANISATION_CHUNKS = 64


@njit(cache=True, parallel=True)
def consecutive_organisation_totals(organisation, weight, weighted_signal, totals, chunks):  # pragma: no cover
    """``organisation_totals`` when each organisation's farms are consecutive rows (``consecutive``).

    Each of ``chunks`` chunks of rows sums the organisations whose first row it holds, each in farm order from zero:
    every total is the serial pass's, bit for bit, whatever the thread count.
    """
    n, n_practices = weight.shape
    size = -(-n // chunks)
    for c in prange(chunks):
        start, end = min(c * size, n), min((c + 1) * size, n)
        while 0 < start < n and organisation[start] == organisation[start - 1]:  # an organisation begun before
            start += 1
        while 0 < end < n and organisation[end] == organisation[end - 1]:  # the last one runs on past the chunk
            end += 1
        for i in range(start, end):
            o = organisation[i]
            for p in range(n_practices):
                totals[o, 0, p] += weight[i, p]
                totals[o, 1, p] += weighted_signal[i, p]


@njit(cache=True, parallel=True)
def hear_organisations(members, organisation, organisation_weight, weight, weighted_signal, totals, evidence, signal
                       ):  # pragma: no cover - compiled
    """Add the organisation terms of the module docstring to ``evidence`` and ``signal`` of the ``members`` (rows).

    A loop over the members alone, a fifth of the farms by default: a test of every farm's membership cost more than
    the members' terms (3.5 ms of 38 at 1 M farmers on 1 thread, the neighbours' sums and the terms in one pass).
    """
    for k in prange(members.size):
        _hear_row(members[k], organisation, organisation_weight, weight, weighted_signal, totals, evidence, signal)


@njit(cache=True)
def _hear_row(i, organisation, organisation_weight, weight, weighted_signal, totals, evidence, signal
              ):  # pragma: no cover - compiled
    """Member i's organisation terms added to its ``evidence`` and ``signal`` (``hear_organisations``).

    ``i`` is uint64 (``SocialInformation.members``).
    """
    o = organisation[i]
    for p in range(weight.shape[1]):
        evidence[i, p] += organisation_weight * (totals[o, 0, p] - weight[i, p])
        signal[i, p] += organisation_weight * (totals[o, 1, p] - weighted_signal[i, p])
