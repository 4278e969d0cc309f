"""Conservation Agriculture practices and practice bundles.

A farmer's management is a *bundle*: a set of the four practices below. Bundles are encoded as 4-bit masks
(bit ``i`` set = practice ``PRACTICES[i]`` in use), so per-farmer state is one small integer.
Full Conservation Agriculture (FAO's three principles) = minimum soil disturbance (no-till) + permanent soil
cover (residue retention or cover crops) + crop diversification (rotation).
``Catalogue`` holds a scenario's practices as arrays and the bundles its farmers may choose.
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


def demo_bundle_of(masks: list[int]) -> int:
    """The bundle demonstration farms show: full CA if allowed, else the allowed bundle with most practices."""
    return max(masks, key=lambda m: (bool(FULL_CA_BY_MASK[m]), bin(m).count("1")))


@dataclass(frozen=True)
class Catalogue:
    """The scenario's practices as arrays over practices (P,) and the bundles farmers may choose (K,).

    Money in the scenario currency per ha; yield effects relative (-0.1 = -10 %) and by region (R, P), since they
    follow each region's crop and climate (``sim.yields.RegionYieldEffects``).
    """

    masks: np.ndarray  # (K,) uint8, allowed bundle masks in file order
    mask_to_k: np.ndarray  # (16,) int64, position of each mask in ``masks`` (-1 if not allowed)
    bundle_uses: np.ndarray  # (P, K) float64, 1 where bundle k uses practice p
    bundle_full_ca: np.ndarray  # (K,) bool
    demo_bundle: int  # the bundle demonstration farms use
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
        """The practices and bundles of ``scenario``."""
        from sim.yields import RegionYieldEffects, ramp_table

        masks = np.array(scenario.bundle_masks, dtype=np.uint8)
        mask_to_k = np.full(1 << N_PRACTICES, -1, np.int64)
        mask_to_k[masks] = np.arange(masks.size)
        practices = [getattr(scenario.practices, p) for p in PRACTICES]
        effects = RegionYieldEffects.of(scenario)
        return cls(
            masks=masks, mask_to_k=mask_to_k, bundle_uses=practice_matrix(masks).T.astype(np.float64),
            bundle_full_ca=FULL_CA_BY_MASK[masks], demo_bundle=demo_bundle_of(scenario.bundle_masks),
            target_bundle=parse_bundle(scenario.decision.target_bundle),
            transition_cost_per_ha=np.array([p.transition_cost_per_ha for p in practices]),
            annual_cost_change_per_ha=np.array([p.annual_cost_change_per_ha for p in practices]),
            effect_initial=effects.initial, effect_long_run=effects.long_run, effect_years=effects.years,
            effect_table=ramp_table(effects.initial, effects.long_run, effects.years),
            synergy_long_run=effects.synergy_long_run, synergy_years=effects.synergy_years,
        )
