"""Conservation Agriculture practices and practice bundles.

A farmer's management is a *bundle*: a set of the four practices below. Bundles are encoded as 4-bit masks
(bit ``i`` set = practice ``PRACTICES[i]`` in use), so per-farmer state is one small integer.
Full Conservation Agriculture (FAO's three principles) = minimum soil disturbance (no-till) + permanent soil
cover (residue retention or cover crops) + crop diversification (rotation).
"""

from __future__ import annotations

import numpy as np

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
