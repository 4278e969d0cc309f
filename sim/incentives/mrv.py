"""Measurement, reporting and verification (MRV): what a verification costs each farm, and how uncertain it is.

Cost per farm and verification (currency), paid by the farms verified (``Mrv`` in ``sim.scenario.incentives``):
  individual: cost_per_farm + cost_per_sample x samples_per_farm (sampling approaches) + cost_per_ha x area;
  group: the organisation's group_cost + cost_per_sample x samples_per_group, shared by its members verified now
    (equally, by area, or by the credits of the verification; a farm that left before the verification is not a
    member and pays nothing)
    + cost_per_ha x area.
The same rule, with the members a farmer expects, gives what it expects to pay when deciding.
Members of an exchange programme's farmer group with group certification (``sim.behaviour.exchange``, channel d;
``exchange_group``, one group per exchange table) pay the group rule, shared equally among the members of their group
verified now, even when the programme certifies farms one by one. Only their cost changes (lower once enough
members are verified together: group cost / members < the cost per farm); the programme's uncertainty rule (one
unit per farm) stays (an assumption: the group's sampling design is taken to be as informative per farm as the
programme's own).

Uncertainty of a unit's estimated stock change (a farm, or the organisation's members together when grouped),
t C/ha: sampling, standard error = sd_point / sqrt(samples) with sd_point = point_change_cv x stock (+ twice the
spectral prediction variance); modelled, relative_sd x change (one share, or one per farm from its region and
bundle pair: ``sim.incentives.model_uncertainty``). Relative half-width U = q x standard error / |change|
with q the Student t (sampling, samples - 1 degrees of freedom) or normal (model) quantile; deduction =
min(max(U - allowable, 0), 1) (VM0042 v2.2 Eq. 74 as read by a third party; Gold Standard: extra deduction above
20 %).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from numba import njit
from scipy import stats

from sim.scenario.incentives import Carbon, Modelled, Spectral
from sim.units import soc_g_per_kg_to_t_c_per_ha

#: A change smaller than this (t C/ha) has an unbounded relative uncertainty: everything is deducted.
NO_CHANGE_T_C_PER_HA = 1e-12


def sampling_costs(carbon: Carbon) -> tuple[float, float]:
    """Cost of the samples of one verification, currency: (per farm when individual, per group when grouped)."""
    approach = carbon.mrv.approach
    if isinstance(approach, Modelled):
        return 0.0, 0.0
    return approach.cost_per_sample * approach.samples_per_farm, approach.cost_per_sample * approach.samples_per_group


def group_fixed_cost(carbon: Carbon) -> float:
    """Fixed cost of one organisation's verification when grouped (group cost + its samples), currency."""
    return carbon.mrv.group_cost + sampling_costs(carbon)[1]


def cost_per_verification(carbon: Carbon, area_ha: np.ndarray, organisation: np.ndarray,
                          verified: np.ndarray, credited_t_co2e: np.ndarray | None = None,
                          exchange_group: np.ndarray | None = None) -> np.ndarray:
    """MRV cost of each farm verified now (0 for others), currency (module docstring).

    ``credited_t_co2e``: what each farm is credited at this verification (group fee shared by credits).
    ``exchange_group``: (n,) int, each farm's certified exchange group (-1 for none), used under individual
    certification.
    """
    m = carbon.mrv
    per_ha = m.cost_per_ha * area_ha
    if not m.group_certification:
        fixed = m.cost_per_farm + sampling_costs(carbon)[0]
        cost = np.where(verified, fixed + per_ha, 0.0)
        if exchange_group is None or not (exchange_group >= 0).any():
            return cost
        in_group = verified & (exchange_group >= 0)
        group = np.maximum(exchange_group, 0)
        members = np.bincount(group[in_group], minlength=group.max() + 1)[group]
        return np.where(in_group, group_fixed_cost(carbon) / np.maximum(members, 1) + per_ha, cost)
    groups = organisation.max() + 1
    if m.group_fee_sharing in ("area", "credits"):
        weight = area_ha if m.group_fee_sharing == "area" else credited_t_co2e
        if weight is None:
            raise ValueError("group_fee_sharing = 'credits' needs the credits of the verification")
        weight = np.where(verified, weight, 0.0)
        total = np.bincount(organisation, weights=weight, minlength=groups)[organisation]
        share = np.divide(weight, total, out=np.zeros(weight.size), where=total > 0)
        if m.group_fee_sharing == "credits":  # a group credited nothing shares its cost equally
            members = np.bincount(organisation[verified], minlength=groups)[organisation]
            share = np.where(total > 0, share, 1.0 / np.maximum(members, 1))
    else:
        members = np.bincount(organisation[verified], minlength=groups)
        share = 1.0 / np.maximum(members[organisation], 1)
    return np.where(verified, group_fixed_cost(carbon) * share + per_ha, 0.0)


def expected_cost_per_ha(carbon: Carbon, area_ha: np.ndarray, members: np.ndarray | None,
                         members_area_ha: np.ndarray | None, grouped: np.ndarray | None = None) -> np.ndarray:
    """MRV cost per ha a farmer expects at each verification, currency/ha.

    ``members`` and ``members_area_ha``: farms of its organisation expected to be verified with it (itself
    included) and their area (group certification; or, for ``grouped`` farms under individual certification, the
    members of their exchange group, sharing equally).
    """
    m = carbon.mrv
    if not m.group_certification:
        individual = m.cost_per_ha + (m.cost_per_farm + sampling_costs(carbon)[0]) / area_ha
        if grouped is None or not grouped.any():
            return individual
        shared = m.cost_per_ha + group_fixed_cost(carbon) / np.maximum(members, 1) / area_ha
        return np.where(grouped, shared, individual)
    if m.group_fee_sharing in ("area", "credits"):  # credits: expected in proportion to area
        return m.cost_per_ha + group_fixed_cost(carbon) / members_area_ha
    return m.cost_per_ha + group_fixed_cost(carbon) / members / area_ha


def sampling_sd_t_c_per_ha(carbon: Carbon, stock_t_c_per_ha: np.ndarray, bulk_density_g_cm3: np.ndarray | float,
                           depth_cm: float) -> np.ndarray:
    """Sd of the change measured at one paired point, t C/ha (sampling approaches; module docstring)."""
    approach = carbon.mrv.approach
    variance = (approach.point_change_cv * stock_t_c_per_ha) ** 2
    if isinstance(approach, Spectral):
        prediction = soc_g_per_kg_to_t_c_per_ha(approach.prediction_rmse_g_per_kg, bulk_density_g_cm3, depth_cm)
        variance = variance + 2.0 * prediction**2
    return np.sqrt(variance)


def standard_error_t_c_per_ha(carbon: Carbon, change_t_c_per_ha: np.ndarray, stock_t_c_per_ha: np.ndarray,
                              bulk_density_g_cm3: np.ndarray | float, depth_cm: float,
                              relative_sd: float | np.ndarray | None = None) -> np.ndarray:
    """Standard error of an estimated change of a unit (farm when individual, group when grouped), t C/ha.

    ``relative_sd``: the modelled approach's 1-sd share of each unit's change (``sim.incentives.model_uncertainty``;
    inf where the factors predict no change: the standard error is then inf, or 0 for a unit with no change), or
    None for the approach's own number.
    """
    approach = carbon.mrv.approach
    if isinstance(approach, Modelled):
        share = approach.relative_sd if relative_sd is None else relative_sd
        if isinstance(share, str):
            raise ValueError(f"relative_sd = {share!r} is derived per farm: pass each unit's relative_sd")
        if np.ndim(share) == 0 and np.isfinite(share):
            return share * np.abs(change_t_c_per_ha)
        size = np.abs(change_t_c_per_ha)
        finite = np.isfinite(share)
        return np.where(finite, np.where(finite, share, 0.0) * size, np.where(size > NO_CHANGE_T_C_PER_HA, np.inf, 0.0))
    samples = approach.samples_per_group if carbon.mrv.group_certification else approach.samples_per_farm
    return sampling_sd_t_c_per_ha(carbon, stock_t_c_per_ha, bulk_density_g_cm3, depth_cm) / np.sqrt(samples)


def quantile(carbon: Carbon) -> float:
    """Multiplier of the standard error in the half-width: normal (model) or Student t (sampling) quantile."""
    m = carbon.mrv
    approach = m.approach
    if isinstance(approach, Modelled):
        return _quantile(m.uncertainty_quantile, None)
    return _quantile(m.uncertainty_quantile, approach.samples_per_group if m.group_certification
                     else approach.samples_per_farm)


@cache
def _quantile(level: float, samples: int | None) -> float:
    """Normal quantile (``samples`` None) or Student t quantile with samples - 1 degrees of freedom."""
    return float(stats.norm.ppf(level) if samples is None else stats.t.ppf(level, samples - 1))


def uncertainty_deduction(carbon: Carbon, change_t_c_per_ha: np.ndarray, stock_t_c_per_ha: np.ndarray,
                          bulk_density_g_cm3: np.ndarray | float, depth_cm: float,
                          relative_sd: float | np.ndarray | None = None) -> np.ndarray:
    """Share of a unit's credited change deducted for uncertainty: min(max(U - allowable, 0), 1).

    A unit whose standard error is inf (a modelled change its factors do not support) is deducted in full.
    """
    se = standard_error_t_c_per_ha(carbon, change_t_c_per_ha, stock_t_c_per_ha, bulk_density_g_cm3, depth_cm,
                                   relative_sd)
    size = np.abs(change_t_c_per_ha)
    unsupported = np.isinf(se)
    if unsupported.any():
        se = np.where(unsupported, 0.0, se)
    relative = relative_half_width(np.broadcast_to(quantile(carbon) * se, size.shape), size)
    deduction = np.clip(relative - carbon.mrv.allowable_uncertainty, 0.0, 1.0)
    return np.where(unsupported, 1.0, deduction) if unsupported.any() else deduction


@njit(cache=True)
def relative_half_width(half_width, size):  # pragma: no cover - compiled
    """half_width / size where size > ``NO_CHANGE_T_C_PER_HA``, else inf: arrays of one shape.

    Bit for bit ``np.divide(half_width, size, out=np.full(size.shape, np.inf), where=size > NO_CHANGE_T_C_PER_HA)``.
    A loop without branches: NumPy's masked divide branches on each element, several times the arithmetic on the
    (farms, bundles) tables of a stacked batch.
    """
    flat_half_width, flat_size = half_width.ravel(), size.ravel()
    out = np.empty(flat_size.size)
    for i in range(out.size):
        out[i] = flat_half_width[i] / flat_size[i] if flat_size[i] > NO_CHANGE_T_C_PER_HA else np.inf
    return out.reshape(size.shape)


def group_means(values: np.ndarray, weights: np.ndarray, organisation: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each farm's organisation's weighted mean of ``values`` over ``members`` (0 where an organisation has none)."""
    groups = organisation.max() + 1
    w = np.where(members, weights, 0.0)
    total = np.bincount(organisation, weights=w, minlength=groups)
    mean = np.bincount(organisation, weights=w * values, minlength=groups) / np.where(total > 0, total, 1.0)
    return mean[organisation]


def unit_relative_sd(change_t_c_per_ha: np.ndarray, relative_sd: np.ndarray, area_ha: np.ndarray,
                     organisation: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each farm's organisation's relative sd of its members' area-weighted mean change (group certification).

    Members share the factors, so their errors are taken as fully correlated: standard error = |sum_i a_i x
    relative_sd_i x change_i| / sum_i a_i, returned as a share of |the mean change| (0 where the mean change is 0).
    A member whose ``relative_sd`` is inf (its factors predict no change) adds no error; ``_unit`` takes the members
    that gained on such a pair out of the group first.
    """
    finite = np.isfinite(relative_sd)
    spread = group_means(np.where(finite, relative_sd, 0.0) * change_t_c_per_ha, area_ha, organisation, members)
    mean = np.abs(group_means(change_t_c_per_ha, area_ha, organisation, members))
    return np.divide(np.abs(spread), mean, out=np.zeros(mean.size), where=mean > 0)


def unsupported_gains(change_t_c_per_ha: np.ndarray, relative_sd: np.ndarray) -> np.ndarray:
    """(n,) bool: farms that gained on a bundle pair whose factors predict no change (``relative_sd`` inf)."""
    return np.isinf(relative_sd) & (change_t_c_per_ha > NO_CHANGE_T_C_PER_HA)


def _unit(carbon: Carbon, change_t_c_per_ha: np.ndarray, stock_t_c_per_ha: np.ndarray, area_ha: np.ndarray,
          organisation: np.ndarray, members: np.ndarray, relative_sd: float | np.ndarray | None
          ) -> tuple[np.ndarray, np.ndarray, float | np.ndarray | None]:
    """(change, stock, relative sd) of each farm's unit: its own, or its group's (area-weighted means of ``members``).

    With a relative sd per farm, a member that gained on a pair its factors do not support is its own unit, deducted
    in full (relative sd inf), and out of its group's means: one member's switch does not take its group's credits
    (referee 25). A member that lost carbon on such a pair stays in, its loss in the mean, with no error of its own.
    """
    if not carbon.mrv.group_certification:
        return change_t_c_per_ha, stock_t_c_per_ha, relative_sd
    if np.ndim(relative_sd) > 0:
        alone = unsupported_gains(change_t_c_per_ha, relative_sd)
        members = members & ~alone
        relative_sd = np.where(alone, np.inf, unit_relative_sd(change_t_c_per_ha, relative_sd, area_ha, organisation,
                                                               members))
    return (group_means(change_t_c_per_ha, area_ha, organisation, members),
            group_means(stock_t_c_per_ha, area_ha, organisation, members), relative_sd)


def unit_deduction(carbon: Carbon, change_t_c_per_ha: np.ndarray, stock_t_c_per_ha: np.ndarray,
                   bulk_density_g_cm3: np.ndarray, depth_cm: float, area_ha: np.ndarray, organisation: np.ndarray,
                   members: np.ndarray, relative_sd: float | np.ndarray | None = None) -> np.ndarray:
    """The deduction of each farm's unit at a verification.

    Its own (individual certification) or its group's (area-weighted mean change and stock of the organisation's
    ``members``; ``unit_relative_sd`` when the modelled relative sd is per farm).
    """
    change, stock, share = _unit(carbon, change_t_c_per_ha, stock_t_c_per_ha, area_ha, organisation, members,
                                 relative_sd)
    return uncertainty_deduction(carbon, change, stock, bulk_density_g_cm3, depth_cm, share)


def measurement_error_t_c_per_ha(carbon: Carbon, change_t_c_per_ha: np.ndarray, stock_t_c_per_ha: np.ndarray,
                                 bulk_density_g_cm3: np.ndarray, depth_cm: float, area_ha: np.ndarray,
                                 organisation: np.ndarray, members: np.ndarray,
                                 rng: np.random.Generator, relative_sd: float | np.ndarray | None = None) -> np.ndarray:
    """Error of each farm's measured change (quantification = 'measured'), t C/ha.

    One normal draw per farm and one per organisation every time (a fixed number of draws); the group's draw is
    shared by its members when grouped. A unit whose standard error is inf (a modelled change its factors do not
    support) gets no error: its gain is deducted in full (``uncertainty_deduction``).
    """
    per_farm = rng.standard_normal(area_ha.size)
    per_group = rng.standard_normal(organisation.max() + 1)[organisation]
    z = per_group if carbon.mrv.group_certification else per_farm
    change, stock, share = _unit(carbon, change_t_c_per_ha, stock_t_c_per_ha, area_ha, organisation, members,
                                 relative_sd)
    se = standard_error_t_c_per_ha(carbon, change, stock, bulk_density_g_cm3, depth_cm, share)
    return z * se if np.ndim(share) == 0 else z * np.where(np.isinf(se), 0.0, se)
