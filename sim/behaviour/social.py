"""Social information: what each farmer sees of its neighbours' practices and of the yield effects they show.

For farmer i and practice p, with link weights w_ij over neighbours j (``sim.network``):
    share_ip = sum_j w_ij [j uses p] / degree_i                     (0 without neighbours)
    shown_ip = sum_j w_ij [j uses p] (effect_jp + weather deviation_j)
where effect_jp is the practice's current relative yield effect on farm j and the deviation is j's farm-level
weather factor minus 1 (``sim.yields``). A fully mixed population has everyone else as a neighbour of weight 1.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from sim.network import Network


class SocialInformation:
    """Neighbours' practice shares and shown effects, per farmer and practice, updated once a year.

    Attributes:
        share: (n, P) float32 weighted share of neighbours using each practice (read by the economic rule).
        shown: (n, P) float32 weighted sum of the effects neighbours using each practice show (for learning).

    """

    def __init__(self, network: Network, n_practices: int) -> None:
        self.network = network
        degree = network.degree
        self.inverse_degree = np.divide(1.0, degree, out=np.zeros_like(degree), where=degree > 0)
        n = degree.size
        self.share = np.zeros((n, n_practices), np.float32)
        self.shown = np.zeros((n, n_practices), np.float32)

    def observe(self, bundle: np.ndarray, uses: np.ndarray, effects: np.ndarray, deviation: np.ndarray) -> None:
        """Look at the neighbours.

        From every farm's ``bundle`` (n,) and ``uses`` (n, P), its practices' current ``effects`` (n, P) float32 and
        its weather ``deviation`` (n,) float32.
        """
        adjacency = self.network.adjacency
        if adjacency is None:  # fully mixed: everyone else is a neighbour with weight 1
            shown = (effects + deviation[:, None]) * uses
            self.share = ((uses.sum(axis=0) - uses) * self.inverse_degree[:, None]).astype(np.float32)
            self.shown = (shown.sum(axis=0, dtype=np.float64) - shown).astype(np.float32)
        else:
            self.share = np.empty(uses.shape, np.float32)
            self.shown = np.empty(uses.shape, np.float32)
            neighbour_sums(adjacency.indptr, adjacency.indices, adjacency.data, bundle, effects, deviation,
                           self.inverse_degree, self.share, self.shown)

    def share_of(self, flag: np.ndarray) -> np.ndarray:
        """Weighted share of each farmer's neighbours for which ``flag`` (n,) holds (0 without neighbours)."""
        total = self.network.neighbour_sum(flag.astype(np.float32)).astype(np.float64)
        degree = self.network.degree.astype(np.float64)
        return np.divide(total, degree, out=np.zeros(flag.size), where=degree > 0)


@njit(cache=True, parallel=True)
def neighbour_sums(indptr, indices, link_weight, bundle, effects, deviation, inverse_degree, share, shown
                   ):  # pragma: no cover - compiled
    """``share`` and ``shown`` (see the module docstring) from a CSR adjacency and each farm's bundle bit mask.

    Written for the four practices (scalar accumulators: no allocation per farmer); float32 sums.
    """
    n = bundle.shape[0]
    for i in prange(n):
        c0 = c1 = c2 = c3 = np.float32(0.0)
        t0 = t1 = t2 = t3 = np.float32(0.0)
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            b = bundle[j]
            if b == 0:  # a conventional neighbour shows no practice
                continue
            w = link_weight[k]
            d = deviation[j]
            u0 = np.float32(b & 1)  # branch-free: 1.0 when the neighbour uses the practice
            u1 = np.float32((b >> 1) & 1)
            u2 = np.float32((b >> 2) & 1)
            u3 = np.float32((b >> 3) & 1)
            c0 += w * u0
            c1 += w * u1
            c2 += w * u2
            c3 += w * u3
            t0 += w * u0 * (effects[j, 0] + d)
            t1 += w * u1 * (effects[j, 1] + d)
            t2 += w * u2 * (effects[j, 2] + d)
            t3 += w * u3 * (effects[j, 3] + d)
        inv = inverse_degree[i]
        share[i, 0], share[i, 1], share[i, 2], share[i, 3] = c0 * inv, c1 * inv, c2 * inv, c3 * inv
        shown[i, 0], shown[i, 1], shown[i, 2], shown[i, 3] = t0, t1, t2, t3
