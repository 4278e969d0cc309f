"""Measurement, reporting and verification (MRV) costs, paid by enrolled farmers at each verification.

Per farm and verification: fixed + cost_per_ha x area, where fixed = cost_per_farm (individual certification)
or group_cost / members (group certification: the cost of the farmer organisation shared by its members).
The same rule gives what a farm pays (members = enrolled farms of its organisation) and what a farmer expects
to pay when deciding (members = farms of its organisation using practices, itself included).
"""

from __future__ import annotations

import numpy as np

from sim.scenario.incentives import Carbon


def fixed_cost_per_farm(carbon: Carbon, members: np.ndarray) -> np.ndarray | float:
    """Fixed MRV cost of a farm per verification (currency); ``members``: farms sharing the group's cost."""
    m = carbon.mrv
    return m.group_cost / members if m.group_certification else m.cost_per_farm


def cost_per_verification(carbon: Carbon, area_ha: np.ndarray, organisation: np.ndarray,
                          verified: np.ndarray) -> np.ndarray:
    """MRV cost of each farm verified now (0 for others), currency: fixed + cost_per_ha x area."""
    members = None
    if carbon.mrv.group_certification:
        by_organisation = np.bincount(organisation[verified], minlength=organisation.max() + 1)
        members = np.maximum(by_organisation[organisation], 1)
    return np.where(verified, fixed_cost_per_farm(carbon, members) + carbon.mrv.cost_per_ha * area_ha, 0.0)


def expected_cost_per_ha_year(carbon: Carbon, area_ha: np.ndarray, members: np.ndarray) -> np.ndarray:
    """MRV cost a farmer expects, currency/ha/yr: (cost_per_ha + fixed / area) / verification interval."""
    return (carbon.mrv.cost_per_ha + fixed_cost_per_farm(carbon, members) / area_ha) / carbon.verification_interval_years
