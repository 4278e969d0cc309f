"""The economic decision rule: practice by practice, a binary logit on the practice's net benefit given the others.

Each year, each farmer (never a demonstration farm) reconsiders each practice p of its region with probability
``revision_rate``, in practice order, each decision seeing the ones made before it. Reconsidering p, the farmer
finds the best feasible change of p: switching p alone, or p together with another practice q when the two are worth
more together than apart (G(p and q) > G(p) + G(q) + ``COMPLEMENT_MARGIN_PER_HA``: complements such as no-till and
residue mulch, changed in one step as farmers do; practices without interaction change one at a time). It makes
that change with probability

    P = 1 / (1 + exp(-G / s)),    s = noise_share x W    (W: the farm's conventional gross margin)
    G = U(b') - U(b) - switching costs,   U(b) = V(b) + sum_{p in b} (eta_ip + alpha_rp + conformity_share W share_ip)
                                                 + sum_{p < q in b} w_rpq

where V is the annualised, risk-adjusted value of the bundle (``sim.behaviour.valuation``), the switching costs are
one-off costs of practices started (own means; a hire service's fee for no-till is in V) and ``exit_cost_share`` of
them for practices dropped (not for no-till done by a hire service: no seeder to re-tool; the ramp's early penalty is
in V), eta_ip ~ N(0, (heterogeneity_share x W_0)^2) a
persistent farm-specific net benefit (W_0: the margin at the region's base yield), alpha_rp and w_rpq the region's
practice and pair constants (``sim.behaviour.equilibrium`` fits them when the scenario starts in equilibrium;
otherwise alpha = ``practice_value_per_ha`` and w = 0), and share_ip the weighted share of neighbours using p (a
descriptive norm, 0 by default). A change that cannot be paid or has no seeder route is not a candidate; a hired
no-till farm whose contractor leaves drops it.

A practice's probability depends on its own utility difference (and, for complements, on the best joint change),
never on how many combinations contain it: with equal utilities it is used by half the farmers whatever the region's
other practices (tested). Without joint changes and switching costs the process is a Gibbs sampler whose stationary
law is the multinomial logit over all 2^P combinations, P(b) ~ exp(U(b) / s) (the multivariate logit of
cross-category choice); joint changes of complements let it cross the valley a strong complementarity puts between
"neither" and "both", which one-at-a-time changes would take decades to cross.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from sim.behaviour.base import CONSTRAINT, Choice, Situation
from sim.behaviour.trial import reconsider
from sim.behaviour.valuation import (
    COMPLEMENT_MARGIN_PER_HA,
    N_TERMS,
    Valuation,
    bundle_utility,
    drop_reason,
    gross_and_margin,
    gross_and_margin_1d,
    move_cost_table,
    practice_terms,
    tabulated_move_value,
)
from sim.farmers import Regions
from sim.parallel import FarmStreams, unsigned
from sim.practices import ALL_MASKS, N_PRACTICES, NO_TILL, PRACTICES, Catalogue
from sim.scenario import Scenario
from sim.yields import soc_yield_potential


def incentive_tables(situation: Situation, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """PV and variance of every bundle's incentives for farms ``rows`` (sorted), shape (m, 16); False when none.

    The designs are asked for every region at once (``Incentives.tables``); tables are allocated only when one
    values something (a scenario without incentives passes (1, 16) zeros).
    """
    bounds = np.searchsorted(rows, np.append(situation.regions.start, situation.regions.n))
    return situation.incentives.tables(rows, bounds, ALL_MASKS)


def reference_margin(regions: Regions) -> np.ndarray:
    """W_0 (R,): each region's conventional gross margin at its base yield, currency/ha/yr."""
    specs = regions.specs
    return gross_and_margin_1d(np.array([s.base_yield_kg_per_ha for s in specs]),
                               np.array([s.crop_price_per_t for s in specs]),
                               np.array([s.production_cost_per_ha for s in specs]))[1]


def expected_gross_and_margin(situation: Situation, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """G and W (currency/ha) of farms ``rows`` at their current SOC (``sim.yields.YieldModel.potential``)."""
    farms, yields = situation.farms, situation.yields
    gross, margin = np.empty(rows.size), np.empty(rows.size)
    expected_gross_and_margin_of(unsigned(rows), unsigned(farms.region), farms.base_yield_kg_per_ha,
                                 situation.soil.stock_t_c_per_ha, yields.response_kg_per_t_c,
                                 yields.reference_t_c_per_ha, yields.plateau_t_c_per_ha, farms.crop_price_per_t,
                                 farms.production_cost_per_ha, gross, margin)
    return gross, margin


@njit(cache=True, parallel=True)
def expected_gross_and_margin_of(rows, region, base_yield, stock, response, reference, plateau, crop_price,
                                 production_cost, gross, margin):  # pragma: no cover - compiled
    """``gross`` and ``margin`` (m,) of farms ``rows``: ``gross_and_margin`` of ``YieldModel.potential``, in one pass.

    Per farm: base yield, SOC stock, crop price, production cost (n,); per region: the yield response, reference
    stock (both ends of the range without response) and plateau (R,). The same compiled functions the arrays use.
    """
    for r in prange(rows.size):
        i = rows[r]
        g = region[i]
        expected = soc_yield_potential(stock[i], base_yield[i], response[g], reference[g], reference[g], plateau[g])
        gross[r], margin[r] = gross_and_margin(expected, crop_price[i], production_cost[i])


#: ``constants_table``'s term of a fitted region whose constants are all 0.
NO_CONSTANT = "none"


class EconomicRule:
    """The economic rule of ``[decision.rule]`` with ``kind = "economic"`` (see the module docstring).

    Attributes:
        heterogeneity: (n, P) float32 each farm's persistent net benefit of each practice, currency/ha/yr.
        constants: (R, P) practice constants alpha, currency/ha/yr. pairs: (R, P, P) pair constants w (symmetric).

    """

    learns = True

    def __init__(self, scenario: Scenario, catalogue: Catalogue, regions: Regions, rng: np.random.Generator) -> None:
        self.spec = scenario.decision.rule
        self.catalogue = catalogue
        self.valuation = Valuation.of(scenario, catalogue)
        self.base_margin = reference_margin(regions)
        z = rng.standard_normal((regions.n, N_PRACTICES))
        self.heterogeneity = (self.spec.heterogeneity_share * regions.per_farm(self.base_margin)[:, None] * z
                              ).astype(np.float32)
        self.constants = np.array([[r.behaviour.practice_value_per_ha.get(p, 0.0) for p in PRACTICES]
                                   for r in regions.specs], dtype=np.float64).reshape(len(regions.specs), N_PRACTICES)
        self.pairs = np.zeros((len(regions.specs), N_PRACTICES, N_PRACTICES))
        self.fits: list = []  # the start's fits per region (``sim.behaviour.equilibrium.Fit``; None: none fitted)

    def constants_table(self, region_names: list[str]) -> list[dict]:
        """The practice and pair constants in use, one row per region and non-zero term, for users to inspect.

        Rows: region, term (a practice, or 'p+q' for a pair), value_per_ha (currency/ha/yr), noise_scales (value /
        the region's logit noise scale at the conventional margin), share_of_margin (value / that margin), and for a
        start in equilibrium fit_error (largest gap between a target share and the fitted steady state), at_bound
        (the fit hit its bound: the initial shares need more than the modelled economics can give) and supply_gap (how
        far, as a share of farms, the dealers' and hire services' reach fitted at is from the steady state of the
        no-till area the fitted chains imply: ``sim.behaviour.equilibrium.Fit.supply_gap``) with
        supply_at_fixed_point (that gap within ``sim.behaviour.equilibrium.SUPPLY_TOLERANCE``). A fitted region whose
        constants are all 0 has one row of term ``NO_CONSTANT`` (value 0), so that its fit's error is still there to see:
        a fit that fails returns its zero starting point (referee 34 M1: no-till's one-off cost at 4,500 USD/ha).
        """
        rows = []
        for r, name in enumerate(region_names):
            margin = float(self.base_margin[r])
            fit = self.fits[r] if r < len(self.fits) else None
            terms = [(p, PRACTICES[p], self.constants[r, p]) for p in range(N_PRACTICES)]
            terms += [(None, f"{PRACTICES[p]}+{PRACTICES[q]}", self.pairs[r, p, q])
                      for p in range(N_PRACTICES) for q in range(p + 1, N_PRACTICES)]
            shown = [(term, value) for _, term, value in terms if value != 0.0]
            if not shown and fit is not None:
                shown = [(NO_CONSTANT, 0.0)]
            for term, value in shown:
                rows.append({"region": name, "term": term, "value_per_ha": float(value),
                             "noise_scales": float(value) / (self.spec.noise_share * margin),
                             "share_of_margin": float(value) / margin,
                             "fit_error": fit.error if fit is not None else float("nan"),
                             "at_bound": bool(fit is not None and abs(value) >= fit.bound * (1.0 - 1e-9)),
                             "supply_gap": fit.supply_gap if fit is not None else float("nan"),
                             "supply_at_fixed_point": fit is None or fit.supply_at_fixed_point})
        return rows

    def decide(self, situation: Situation, decisions: FarmStreams) -> Choice:
        """Reconsidered practices (one uniform draw per farm and practice) are decided by binary logits."""
        farms, s, v = situation.farms, self.spec, self.valuation
        d = deciding_farms(situation, decisions, s.revision_rate, review_surprised_trials=True)
        access = situation.access.now
        bundle, hires, dropped = farms.bundle.copy(), farms.hires.copy(), np.zeros(farms.n, np.uint8)
        # rows and regions unsigned: no negative-index test on each of the kernel's accesses (``unsigned``)
        choose_practices(unsigned(d.rows), unsigned(farms.region), d.draws, s.revision_rate, farms.bundle, farms.hires,
                         situation.catalogue.available, access.dealer, access.contractor, access.money, farms.area_ha,
                         v.annuity, v.transition_cost_per_ha, s.exit_cost_share, s.noise_share, d.gross, d.margin,
                         farms.belief_mean, farms.belief_precision, situation.valuation_seasons(), farms.full_ca_years,
                         d.incentive_pv, d.incentive_var, d.has_incentives, v.risk_aversion, v.shortfall,
                         v.synergy_shortfall, v.cost_change_per_ha, v.effect_initial, v.synergy,
                         farms.residue_value_per_ha, situation.access.herbicide_extra_per_ha,
                         situation.access.contractor_fee_per_ha, self.heterogeneity, self.constants,
                         s.conformity_share, situation.social.share, self.pairs, farms.belief_at_adoption,
                         farms.support_at_adoption, bundle, hires, dropped)
        return Choice(bundle, hires, dropped)


@dataclass(frozen=True)
class Deciding:
    """The farms that decide this year and what every rule needs about them (rows: their indices, sorted)."""

    draws: np.ndarray  # (n, P) uniform draws, one per farm and practice
    rows: np.ndarray  # (m,) farms reconsidering a practice or forced to (never a demonstration farm)
    gross: np.ndarray  # (m,) G, currency/ha, at current SOC
    margin: np.ndarray  # (m,) W, currency/ha
    incentive_pv: np.ndarray  # (m, 16) or (1, 16) zeros (``incentive_tables``)
    incentive_var: np.ndarray
    has_incentives: bool


def deciding_farms(situation: Situation, decisions: FarmStreams, revision_rate: float,
                   review_surprised_trials: bool = False) -> Deciding:
    """The year's deciding farms (shared by the rules that decide practice by practice).

    Farms with a draw below ``revision_rate`` decide, and those whose no-till hire service left (they must drop it);
    demonstration farms never do. With ``review_surprised_trials``, a trial that met a shortfall the farmer did not
    expect is reconsidered too (``sim.behaviour.trial.reconsider``, the same uniform draws).
    """
    farms = situation.farms
    draws = decisions.random(per_row=N_PRACTICES)
    deciding = reconsider(draws, farms.years_in_use, situation.social.evidence, situation.learning, revision_rate,
                          review_surprised_trials)
    deciding |= farms.hires & (farms.bundle & (1 << NO_TILL) > 0) & ~situation.access.now.contractor  # forced
    deciding[situation.network.demo] = False
    rows = np.flatnonzero(deciding)
    gross, margin = expected_gross_and_margin(situation, rows)
    pv, var, has_incentives = incentive_tables(situation, rows)
    return Deciding(draws, rows, gross, margin, pv, var, has_incentives)


@njit(cache=True, inline="always")
def best_move(p, mask, hired, budget, available, region, table, area_ha, dealer, contractor, transition_cost, costs
              ):  # pragma: no cover - compiled
    """The best feasible change of practice ``p`` for one farm: (new bundle, gain, hire); gain -inf when none.

    Candidates: switching p alone, or p together with another practice q of the region when the two are worth more
    together than apart (gain(p and q) > gain(p) + gain(q) + ``COMPLEMENT_MARGIN_PER_HA``: complements such as no-till
    and residue mulch); gain(q) is valued only for a joint change that is feasible and better than the best so far.
    ``table`` is the farm's utility table (``sim.behaviour.valuation.fill_utility_row``), ``available`` (R, P) the
    practices of each region (indexed here: a row view made per call costs as much as the move), ``costs`` the
    region's ``move_cost_table``.
    """
    single = mask ^ (1 << p)
    alone, feasible, hire = tabulated_move_value(mask, single, hired, budget, table, area_ha, dealer, contractor,
                                                 transition_cost, costs)
    best, target, best_hire = (alone, single, hire) if feasible else (-np.inf, mask, hired)
    for q in range(available.shape[1]):
        if q == p or not available[region, q]:
            continue
        both, feasible, hire = tabulated_move_value(mask, single ^ (1 << q), hired, budget, table, area_ha, dealer,
                                                    contractor, transition_cost, costs)
        if not (feasible and both > best):
            continue
        other, _, _ = tabulated_move_value(mask, mask ^ (1 << q), hired, budget, table, area_ha, dealer, contractor,
                                           transition_cost, costs)
        if both > alone + other + COMPLEMENT_MARGIN_PER_HA:
            best, target, best_hire = both, single ^ (1 << q), hire
    return target, best, best_hire


@njit(cache=True, inline="always")
def tabulate_moves(p, mask, known, available, region, table, term, full, margin, incentive_pv, incentive_var,
                   has_incentives, annuity, risk_aversion, contractor_fee):  # pragma: no cover - compiled
    """Write to ``table`` the bundles ``best_move(p, mask)`` reads that it lacks; returns ``known`` with them added.

    Bit b of ``known`` says bundle b's slots are in the table. The bundles: ``mask``, p switched, and for each other
    practice q of the region q switched and both switched (``sim.behaviour.valuation.bundle_utility`` of the farm's
    ``term`` and ``full``, so an entry has the same bits whenever it is computed).
    """
    single = mask ^ (1 << p)
    for q in range(-1, available.shape[1]):
        if q == p or (q >= 0 and not available[region, q]):
            continue
        flip = 0 if q < 0 else 1 << q
        for b in (mask ^ flip, single ^ flip):
            if not (known >> b) & 1:
                bundle_utility(table, b, term, full, margin, incentive_pv, incentive_var, has_incentives, annuity,
                               risk_aversion, contractor_fee)
                known |= 1 << b
    return known


#: Deciding farms per block of ``choose_practices`` (each block reuses one utility table).
DECISION_BLOCK = 1024


@njit(cache=True, parallel=True)
def choose_practices(rows, region, draws, revision_rate, bundle, hires, available, dealer, contractor, money,
                     area_ha, annuity, transition_cost, exit_cost_share, noise_share, gross, margin, belief_mean,
                     belief_precision, years_in_use, full_ca_years, incentive_pv, incentive_var, has_incentives,
                     risk_aversion, shortfall, synergy_shortfall, cost_change, effect_initial, synergy, residue_value,
                     no_till_extra, contractor_fee, heterogeneity, constants, conformity_share, share, pairs,
                     belief_at_adoption, support_at_adoption, new_bundle, new_hires, dropped
                     ):  # pragma: no cover - compiled
    """The module docstring's decisions for farms ``rows``, written to ``new_bundle``, ``new_hires``, ``dropped``.

    Each deciding farm's utility terms (``sim.behaviour.valuation.practice_terms``) are computed when it first
    reconsiders an available practice, with the rule's additive terms heterogeneity + constant + ``conformity_share``
    W share of each practice, and its utility table holds only the bundles its moves read (``tabulate_moves``: about
    half of them for a farm reconsidering one practice), in buffers reused farm after farm (never a table per farm
    in memory); the moves' costs are tabulated once per call (``sim.behaviour.valuation.move_cost_table``). ``gross``,
    ``margin`` (logit noise scale ``noise_share`` x W, currency/ha/yr) and the incentive tables are per row (the
    tables (1, 16) when ``has_incentives`` is False); other per-farm arrays are indexed by farm, per-region ones by
    region (as in ``sim.behaviour.valuation.utility_tables``). A draw u < revision_rate reconsiders its practice and
    u / revision_rate (uniform on [0, 1)) decides whether the best move is made. ``belief_at_adoption`` and
    ``support_at_adoption`` are set for practices started.
    """
    n_practices = belief_mean.shape[1]
    costs = move_cost_table(annuity, transition_cost, exit_cost_share)
    for block in prange((rows.size + DECISION_BLOCK - 1) // DECISION_BLOCK):
        table = np.empty(2 * (1 << n_practices))
        term = np.empty(N_TERMS)
        extra = np.empty(n_practices)
        for r in range(block * DECISION_BLOCK, min((block + 1) * DECISION_BLOCK, rows.size)):
            i = rows[r]
            reg = region[i]
            mask = bundle[i]
            hired = hires[i]
            budget = money[i]
            row = r * np.int64(has_incentives)
            scale = noise_share * margin[r]
            known, full = -1, 0.0  # bundles in the table, a bit each (-1: the farm's terms are not computed yet)
            if hired and mask & (1 << NO_TILL) and not contractor[i]:  # the hire service left: no-till cannot go on
                mask &= ~(1 << NO_TILL)
                hired = False
                dropped[i] |= CONSTRAINT
            for p in range(n_practices):
                u = draws[i, p]
                if not available[reg, p] or u >= revision_rate:
                    continue
                if known < 0:
                    for q in range(n_practices):
                        extra[q] = np.float64(heterogeneity[i, q]) + constants[reg, q]
                        if conformity_share != 0.0:  # the neighbours' shares are read only when they count
                            extra[q] += conformity_share * margin[r] * np.float64(share[i, q])
                    full = practice_terms(term, years_in_use[i], full_ca_years[i], gross[r], margin[r],
                                          belief_mean[i], belief_precision[i], risk_aversion[reg], shortfall[reg],
                                          synergy_shortfall[reg], cost_change, effect_initial[reg], synergy[reg],
                                          residue_value[i], no_till_extra[reg], extra, pairs[reg])
                    known = 0
                known = tabulate_moves(p, mask, known, available, reg, table, term, full, margin[r],
                                       incentive_pv[row], incentive_var[row], has_incentives, annuity[reg],
                                       risk_aversion[reg], contractor_fee[reg])
                target, gain, hire = best_move(p, mask, hired, budget, available, reg, table, area_ha[i], dealer[i],
                                               contractor[i], transition_cost, costs[reg])
                if gain == -np.inf or u / revision_rate >= 1.0 / (1.0 + np.exp(-gain / scale)):
                    continue
                for q in range(n_practices):
                    bit = 1 << q
                    if target & bit and not mask & bit:  # started
                        if q != NO_TILL or not hire:
                            budget -= transition_cost[q] * area_ha[i]
                        belief_at_adoption[i, q] = belief_mean[i, q]
                        support_at_adoption[i, q] = (incentive_pv[row, target]
                                                     - incentive_pv[row, target & ~bit]) / annuity[reg] \
                            if has_incentives else 0.0
                    elif mask & bit and not target & bit:  # dropped
                        support = (incentive_pv[row, mask] - incentive_pv[row, mask & ~bit]) / annuity[reg] \
                            if has_incentives else 0.0
                        dropped[i] |= drop_reason(gross[r], belief_mean[i, q], belief_at_adoption[i, q], support,
                                                  support_at_adoption[i, q], scale)
                if target & (1 << NO_TILL) and not mask & (1 << NO_TILL):
                    hired = hire
                else:
                    hired = hired and target & (1 << NO_TILL) > 0
                mask = target
            new_bundle[i] = mask
            new_hires[i] = hired



