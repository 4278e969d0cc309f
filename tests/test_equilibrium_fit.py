"""The equilibrium start's Newton fit (sim.behaviour.equilibrium.fit_constants) on random chains: it reaches its
tolerance, and the laws and hazards it hands back (which the start uses as the region's when the fit covered every
farm, instead of solving the chains again) are those of the constants it returns."""

import numpy as np
import pytest

from sim.behaviour.equilibrium import (
    FIRST_TOLERANCE,
    TOLERANCE,
    ChainInputs,
    fit_constants,
    stationary_laws,
    sufficient_statistics,
    target_law,
)
from sim.practices import ALL_MASKS, N_PRACTICES, USES_BY_MASK

FARMS = 60


def random_chains(seed: int) -> ChainInputs:
    """Farms whose utility of each practice is -30 +- 20 per ha (a noise scale is 15-35), a practice started costs 10
    per ha a year more and a dropped one 5, beliefs make a move's gain vary by up to 20 per ha (sd), and a tenth of
    starts are out of reach; cover crops do not exist."""
    rng = np.random.default_rng(seed)
    value = rng.normal(-30, 20, (FARMS, N_PRACTICES))
    uses = USES_BY_MASK.astype(float)
    utility = value @ uses.T  # (m, 16)
    tables = np.empty((FARMS, ALL_MASKS.size, N_PRACTICES, N_PRACTICES, 2))
    feasible = np.empty(tables.shape[:-1], bool)
    reach = rng.random((FARMS, N_PRACTICES)) < 0.9
    for b in range(ALL_MASKS.size):
        for p in range(N_PRACTICES):
            for q in range(N_PRACTICES):
                to = b ^ (1 << p) ^ (1 << q if q != p else 0)
                started, dropped = uses[to] > uses[b], uses[to] < uses[b]
                tables[:, b, p, q, 0] = utility[:, to] - utility[:, b] - 10 * started.sum() - 5 * dropped.sum()
                feasible[:, b, p, q] = reach[:, started].all(axis=1)
    tables[..., 1] = rng.uniform(0, 400, tables.shape[:-1])
    tables[..., 1] = (tables[..., 1] + tables[..., 1].transpose(0, 1, 3, 2)) / 2  # p with q is q with p
    scale = rng.uniform(15, 35, (FARMS, ALL_MASKS.size))
    return ChainInputs.of(tables, feasible, scale, scale[:, 0] * 20, np.array([True, False, True, True]))


@pytest.mark.parametrize("seed", [0, 1])
def test_fit_reaches_its_tolerance_and_returns_the_laws_of_its_constants(seed):
    """Shares of 20 % (no-till alone) and 10 % (no-till with residues): both passes reach their tolerance, the
    second from the first's constants. The laws, hazards and moments returned are those of the returned constants,
    bit for bit (they come from the closest iterate, which must be kept, not overwritten by a later iterate).
    Not every target is reached on such random chains: with switching costs the Jacobian (exact without them) can
    send Newton round in circles, e.g. for 30 % no-till, 10 % residues and 10 % both here (the fit before issue
    15's changes circled too); the base scenario's fits are checked in tests/test_behaviour.py."""
    chains = random_chains(seed)
    available = chains.available
    target = target_law(np.array([1, 5]), np.array([0.2, 0.1]), available, 0.004)
    first, _, _ = fit_constants(chains, 0.2, target, tolerance=FIRST_TOLERANCE)
    assert first.error < FIRST_TOLERANCE
    fit, laws, hazard = fit_constants(chains, 0.2, target, first)
    assert fit.error < TOLERANCE
    again = np.empty_like(laws)
    assert np.array_equal(stationary_laws(chains, fit.constants, fit.pairs, 0.2, again), hazard)
    assert np.array_equal(again, laws)
    assert np.allclose(laws.mean(axis=0) @ sufficient_statistics(fit.parameters), fit.reached, rtol=0, atol=1e-15)
    assert fit.constants[1] == 0.0 and not fit.pairs[1].any()  # nothing is fitted for a practice that is absent
