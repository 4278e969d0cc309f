"""Conservation Agriculture practices and practice bundles.

A farmer's management is a *bundle*: a set of the four practices below. Bundles are encoded as 4-bit masks
(bit ``i`` set = practice ``PRACTICES[i]`` in use), so per-farmer state is one small integer.
Full Conservation Agriculture (FAO's three principles) = minimum soil disturbance (no-till) + permanent soil
cover (residue retention or cover crops) + crop diversification (rotation).
``Catalogue`` holds a scenario's practices as arrays and which practices exist in each region. Farmers decide practice
by practice (``sim.behaviour``), so every combination of the practices of a region can occur.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario import Scenario

PRACTICES: tuple[str, ...] = ("no_till", "cover_crops", "residue_retention", "rotation")
N_PRACTICES = len(PRACTICES)
CONVENTIONAL = "conventional"
#: Alias accepted in scenario files for the bundle with all four practices.
FULL_CA_ALIAS = "full_ca"

_BIT = {name: 1 << i for i, name in enumerate(PRACTICES)}


def parse_bundle(name: str) -> int:
    """Return the bit mask of a bundle name such as ``"no_till+residue_retention"``.

    Raises:
        ValueError: with the list of valid practice names when a part is unknown or repeated.

    """
    if name == CONVENTIONAL:
        return 0
    if name == FULL_CA_ALIAS:
        return (1 << N_PRACTICES) - 1
    mask = 0
    for part in name.split("+"):
        part = part.strip()
        if part not in _BIT:
            raise ValueError(
                f"unknown practice {part!r} in bundle {name!r}; expected '{CONVENTIONAL}', '{FULL_CA_ALIAS}' "
                f"or practices joined by '+' from {', '.join(PRACTICES)}"
            )
        if mask & _BIT[part]:
            raise ValueError(f"practice {part!r} repeated in bundle {name!r}")
        mask |= _BIT[part]
    return mask


def bundle_name(mask: int) -> str:
    """Canonical name of a bundle mask (practices in ``PRACTICES`` order)."""
    if mask == 0:
        return CONVENTIONAL
    return "+".join(p for i, p in enumerate(PRACTICES) if mask >> i & 1)


def is_full_ca(uses: np.ndarray) -> np.ndarray:
    """Full CA from a (..., N_PRACTICES) boolean array: no-till and soil cover and rotation."""
    no_till, cover, residue, rotation = (uses[..., i] for i in range(N_PRACTICES))
    return no_till & (cover | residue) & rotation


#: Every bundle mask, 0 (conventional) to 15 (all four practices).
ALL_MASKS = np.arange(1 << N_PRACTICES, dtype=np.uint8)
#: Lookup tables by bundle mask: practices used (16, N_PRACTICES) and full CA (16,).
USES_BY_MASK = (np.arange(1 << N_PRACTICES)[:, None] >> np.arange(N_PRACTICES)) & 1 == 1
FULL_CA_BY_MASK = is_full_ca(USES_BY_MASK)


def practice_matrix(masks: np.ndarray) -> np.ndarray:
    """Boolean matrix (len(masks), N_PRACTICES): which practices each bundle mask contains."""
    return USES_BY_MASK[np.asarray(masks)]

#: Indices of the practices the rules single out (residue retention forgoes fodder; no-till needs a seeder).
RESIDUE_RETENTION = PRACTICES.index("residue_retention")
NO_TILL = PRACTICES.index("no_till")
COVER_CROPS = PRACTICES.index("cover_crops")


@dataclass(frozen=True)
class Catalogue:
    """The scenario's practices as arrays over practices (P,) and which of them exist in each region (R, P).

    Money in the scenario currency per ha; yield effects relative (-0.1 = -10 %) and by region (R, P), since they
    follow each region's crop and climate (``sim.yields.RegionYieldEffects``).
    """

    available: np.ndarray  # (R, P) bool, practices that exist in each region
    demo_bundle: np.ndarray  # (R,) uint8, the bundle demonstration farms use: every practice of their region
    target_bundle: int  # the decision target bundle (diffused by bass / threshold, always reported)
    transition_cost_per_ha: np.ndarray  # (P,) one-off, currency/ha
    annual_cost_change_per_ha: np.ndarray  # (P,) currency/ha/yr
    effect_initial: np.ndarray  # (R, P)
    effect_long_run: np.ndarray  # (R, P)
    effect_years: np.ndarray  # (R, P) seasons to reach the long-run effect
    effect_table: np.ndarray  # (T + 1, R, P) float32, effect by seasons in use (``sim.yields.ramp_table``)
    synergy_long_run: np.ndarray  # (R,) full-CA synergy once established
    synergy_years: np.ndarray  # (R,) seasons of full CA to reach it

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Catalogue:
        """The practices of ``scenario``, where they exist and their yield effects in each region."""
        from sim.yields import RegionYieldEffects, ramp_table

        available = np.array([[p in r.behaviour.practices for p in PRACTICES] for r in scenario.regions.values()],
                             dtype=bool).reshape(len(scenario.regions), N_PRACTICES)
        practices = [getattr(scenario.practices, p) for p in PRACTICES]
        effects = RegionYieldEffects.of(scenario)
        return cls(
            available=available, demo_bundle=(available * (1 << np.arange(N_PRACTICES))).sum(axis=1).astype(np.uint8),
            target_bundle=parse_bundle(scenario.decision.target_bundle),
            transition_cost_per_ha=np.array([p.transition_cost_per_ha for p in practices]),
            annual_cost_change_per_ha=np.array([p.annual_cost_change_per_ha for p in practices]),
            effect_initial=effects.initial, effect_long_run=effects.long_run, effect_years=effects.years,
            effect_table=ramp_table(effects.initial, effects.long_run, effects.years),
            synergy_long_run=effects.synergy_long_run, synergy_years=effects.synergy_years,
        )
