"""Farm money: discounting and the yearly farm account.

Per farm and year (money in the scenario currency):
    revenue          = yield (t/ha) x crop price x area
    costs            = (production cost + sum of practice cost changes + residue fodder value forgone) x area
    transition costs = sum of one-off costs of practices adopted this year x area
    payments         = sum of per-ha payments for practices in use within their paid years x area   (public)
    income           = revenue - costs - transition costs + payments
                       + carbon revenue to farmers - MRV cost - claw-back         (``sim.carbon_market``)
"""

from __future__ import annotations

import numpy as np


def annuity_factor(rate: np.ndarray | float, years: np.ndarray | int) -> np.ndarray | float:
    """Present value of 1 per year paid at the end of years 1..years at discount ``rate`` (1/yr)."""
    rate = np.asarray(rate, dtype=np.float64)
    years = np.asarray(years, dtype=np.float64)
    safe = np.where(rate > 1e-12, rate, 1.0)
    return np.where(rate > 1e-12, (1.0 - (1.0 + safe) ** -years) / safe, years)
