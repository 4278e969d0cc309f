"""The state farmers start from: practices and their history, beliefs, savings, and the regions' equipment supply.

Both starts make every slow variable consistent with the rules that move it, so nothing drifts without a cause:
- savings drawn from the stationary distribution of the savings rule: saved from past seasons of the farm's
  conventional income under the yield model's weather (``sim.behaviour.access``, ``past_incomes``);
- equipment supply at its steady state for the initial no-till area shares;
- beliefs at the stationary state of the learning rule for each farmer's exposure (its own practices and what the
  others it hears show, ``sim.behaviour.learning``).
``decision.start = "as_given"``: each bundle of ``initial_adoption`` goes to exactly its count of farmers, placed at
random, in use for 1 to ``MAX_INITIAL_SEASONS_IN_USE`` seasons (a historical start such as Brazil's 1972, where
nearly nobody uses the practices, needs nothing more). ``"equilibrium"`` (economic rule): the practice constants are
fitted so that the initial shares are the rule's stationary state and adopters are drawn where adopting is most
likely (``sim.behaviour.equilibrium``); each farm's past, its bundles of the ``ESTABLISHED_SEASONS`` years before,
is then drawn from its own chain run backwards, and gives its practices' seasons in use and its soil's state
(``sim.soil.build_soil``), so the soil too starts at the behaviour's steady state. Other rules, and an economic rule
whose farmers never reconsider (``revision_rate`` = 0, so any state is stationary), start as given (their soil from
the conventional equilibrium, the bundle for its seasons). Demonstration farms use every practice of their region
(throughout their past).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from numba import njit, prange

from sim.behaviour import start_cache
from sim.behaviour.access import Access, no_till_area_share
from sim.behaviour.economic import EconomicRule
from sim.behaviour.equilibrium import (
    ESTABLISHED_SEASONS,
    FIRST_SAMPLE,
    FIRST_TOLERANCE,
    FIT_SAMPLE,
    MATRICES_KEPT_UP_TO,
    N_STATES,
    SUPPLY_TOLERANCE,
    ChainInputs,
    Fit,
    assign_bundles,
    bundle_keys,
    combination_levels,
    expected_remaining,
    fit_constants,
    move_tables,
    pick_pasts,
    region_chain_histories,
    region_chain_laws,
    sample_pasts,
    target_law,
)
from sim.behaviour.learning import Learning
from sim.behaviour.social import SocialInformation
from sim.behaviour.trial import review_table
from sim.behaviour.valuation import gross_and_margin, gross_and_margin_1d
from sim.economics import annuity_factor
from sim.farmers import FarmParameters, InitialState, Regions, initial_bundles, initial_counts
from sim.network import Network
from sim.parallel import unsigned
from sim.practices import FULL_CA_BY_MASK, N_PRACTICES, NO_TILL, USES_BY_MASK, Catalogue
from sim.scenario import Scenario
from sim.soil import build_soil
from sim.yields import YieldModel, lognormal_sigma

#: Under ``as_given``, farmers who use practices at the start have used them for 1 to this many seasons (uniform).
#: Assumption: adopters took up their practices over the previous decade.
MAX_INITIAL_SEASONS_IN_USE = 10
#: Farms whose pasts are drawn at once: their uniforms (``ESTABLISHED_SEASONS`` float64 each: 7.9 MB, less than the
#: chains of ``CHUNK`` farms that ``sim.footprint`` counts) are drawn from the population stream chunk by chunk, so
#: the draws do not depend on the thread count and memory stays bounded.
HISTORY_CHUNK = 16_384
#: Bundles a farm of a region fitted on a sample may get (the file's and conventional) up to which its past is drawn
#: from each of them in the pass that gives the laws its bundle is drawn from (``region_chain_laws``): C x
#: ``ESTABLISHED_SEASONS`` bytes a farm of the region, 240 B at this C, kept until the bundles are drawn. A region
#: with more bundles builds its farms' chains again once the bundles are known (``region_chain_histories``), as a
#: start found in the cache does. Every scenario of scenarios/ has at most three (two bundles and conventional).
MAX_PAST_STARTS = 4
#: Farms whose chains are built at once (their move tables take 4.4 KB per farm: ``sim.footprint`` counts them).
CHUNK = 5_000
#: Farms per region the fit is polished on after the fit on ``FIT_SAMPLE`` farms (all of them in a smaller region;
#: evenly spaced otherwise). A practice used by 1 % of farms is carried by few of 400 farms: measured on the base
#: scenario at 20,000 farmers, the whole region's mean stationary share then ranged over 0.8-1.8 % for a 1.2 %
#: target (by seed), and a region started that far from its stationary state drifts for decades (dealers follow
#: adoption); polished on 5,000 farms, within 0.1 pp. Polishing costs a few Newton steps on this many farms (about
#: 8 us per farm and step) and their move tables (``CHUNK``).
POLISH_SAMPLE = CHUNK
#: Equipment supply follows the no-till area share (``sim.behaviour.access``), and adopters drawn where adopting is
#: most likely farm more area than farms placed at random (base scenario, 20,000 farmers, 4 seeds: African dry
#: no-till on 1.34 % of the area against 1.15 %, so dealers reached 21.3 % of farms at the start against the 19.8 %
#: the fit had assumed, and adoption followed). The fit therefore uses the supply of the no-till area share its own
#: chains imply, a fixed point of farms and dealers (``fit_region``), found until the dealers' and hire services'
#: reach at the area share implied is within ``sim.behaviour.equilibrium.SUPPLY_TOLERANCE`` of the reach fitted at
#: (a region whose supply is saturated, as Latin America's at 99.9 %, is fitted once) in at most this many fits (each
#: one after the first warm-started from the last, on the same sample): the first move is by the gap, later ones by
#: the secant through the last two (its slope, the supply loop's gain, about 0.4 in the African regions, kept below
#: ``MAX_SUPPLY_SLOPE``). Measured on the base scenario at 20,000 farmers (12 seeds): the African regions took 1-3
#: further fits (3 is all this allows, so some may have stopped short). The search can stop short of the fixed point: access is
#: a per-farm threshold and each fit stops within its own tolerance, so the implied share is a step function of the
#: share fitted at, where no point within the tolerance need exist (referee 32, 4 seeds at 10,000 farmers: in 2 of 8
#: African fits the gap stayed 0.2 and 0.45 pp, one a two-point cycle). The fit records its gap (``Fit.supply_gap``,
#: start_constants.csv) and a run says when it is above the tolerance (``Fit.supply_at_fixed_point``).
SUPPLY_ROUNDS = 4
MAX_SUPPLY_SLOPE = 0.9


@dataclass(frozen=True)
class StartSetting:
    """What the start reads: the scenario and the parts of the model built before the farmer table."""

    scenario: Scenario
    parameters: FarmParameters
    regions: Regions
    catalogue: Catalogue
    network: Network
    learning: Learning
    access: Access
    social: SocialInformation


def past_incomes(setting: StartSetting, years: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Conventional incomes (n,) of ``years`` past seasons, oldest first, currency per farm.

    Each season: base yield x the yield model's mean-one lognormal weather factors (one per region, one per farm,
    ``sim.yields``) x crop price - production cost, times area.
    """
    parameters, regions = setting.parameters, setting.regions
    regional_sigma = lognormal_sigma(np.array([s.weather_cv for s in regions.specs]))
    farm_sigma = lognormal_sigma(regions.per_farm([s.yield_cv for s in regions.specs]))
    farm_half_variance = 0.5 * farm_sigma**2  # the same every season
    for _ in range(years):
        regional = np.exp(regional_sigma * rng.standard_normal(regional_sigma.size) - 0.5 * regional_sigma**2)
        farm = rng.standard_normal(regions.n)  # then the farm factor in place (NumPy's exp, as ``sim.yields``)
        np.exp(np.subtract(np.multiply(farm_sigma, farm, out=farm), farm_half_variance, out=farm), out=farm)
        income = np.empty(regions.n)
        conventional_income(parameters.base_yield_kg_per_ha, unsigned(parameters.region), regional, farm,
                            parameters.crop_price_per_t, parameters.production_cost_per_ha, parameters.area_ha, income)
        yield income


@njit(cache=True, parallel=True)
def conventional_income(base_yield, region, regional, farm, crop_price, production_cost, area_ha, out
                        ):  # pragma: no cover - compiled
    """``out`` (n,): (base yield x regional x farm weather factor x crop price / 1000 - production cost) x area.

    The products and the difference in the order of the NumPy expression this pass replaces (the same bits), per farm
    in parallel: at 10 M farmers its six serial passes a season took about 2 s of the start.
    """
    for i in prange(out.size):
        gross = base_yield[i] * regional[region[i]] * farm[i] * crop_price[i] / 1000
        out[i] = (gross - production_cost[i]) * area_ha[i]


def others_evidence(setting: StartSetting, bundle: np.ndarray, years_in_use: np.ndarray) -> np.ndarray:
    """(n, P) the evidence farmers get each year from others about each practice.

    From neighbours, demonstration farms and their organisation, with ``bundle`` in use for ``years_in_use`` seasons.
    """
    r = setting.learning.progress(years_in_use)
    weight = (r * r).astype(np.float32)
    setting.social.observe(bundle, USES_BY_MASK[bundle], weight, np.zeros_like(weight))
    return setting.social.evidence.copy()


def yearly_evidence(setting: StartSetting, bundle: np.ndarray, years_in_use: np.ndarray) -> np.ndarray:
    """(n, P) the evidence farmers get each year about each practice with ``bundle`` in use (own and others')."""
    r = setting.learning.progress(years_in_use)
    return others_evidence(setting, bundle, years_in_use) + (r * r).astype(np.float32)


def hire_route(setting: StartSetting) -> np.ndarray:
    """(n,) bool: each farm would start no-till with a hire service, at its access now (``setting.access.now``).

    The route the decision takes (``sim.behaviour.valuation.priced_move``): a hire service must reach the farm, and
    either its own seeder is out of reach (no dealer, or its one-off cost above the farm's money) or hiring is worth
    more than owning, which for a farm with both is the same comparison in every state: the yearly fee against the
    seeder's one-off cost annualised, ``contractor_fee_per_ha`` < ``transition_cost_per_ha`` / A (its region's
    annuity factor A; strictly, as the decision keeps its own seeder on a tie). The chains value a farm's no-till
    states by this route (its fee, and dropping no-till without the exit cost when hired: ``paid_exits``), and the
    start gives its no-till users this route, so both follow the decision; before, a farm with both routes was
    always counted an owner, so where hiring is the cheaper route (a seeder dearer than ``contractor_fee_per_ha``
    x A, e.g. Africa dry at a discount rate above about 0.40) the chains kept its no-till at no fee behind an exit
    cost that the simulated farm, which hires, never pays. Starting no-till with other practices needs money for
    their one-off costs too, so a farm whose money pays the seeder but not those may start them by hire; its route is
    still the one of no-till alone (none such in 2 seeds at 20,000 farmers of the base scenario).
    """
    access, scenario = setting.access.now, setting.scenario
    horizon = scenario.decision.planning_horizon_years
    annuity = np.array([float(annuity_factor(r.discount_rate, horizon)) for r in setting.regions.specs])
    hire_first = setting.access.contractor_fee_per_ha < setting.catalogue.transition_cost_per_ha[NO_TILL] / annuity
    own_route = access.dealer & (setting.access.no_till_cost_per_farm <= access.money)
    return access.contractor & (~own_route | hire_first[setting.parameters.region])


def initial_state(setting: StartSetting, rule: object, rng: np.random.Generator) -> InitialState:
    """The farms' state at the start (module docstring); draws from the population stream ``rng``."""
    scenario, parameters, regions, catalogue = setting.scenario, setting.parameters, setting.regions, setting.catalogue
    demo = setting.network.demo
    savings = setting.access.spin_up(past_incomes(setting, setting.access.spin_up_years(), rng))
    bundle = initial_bundles(scenario, regions.sizes, rng)
    bundle[demo] = catalogue.demo_bundle[parameters.region[demo]]
    history = None
    if scenario.decision.start == "equilibrium" and isinstance(rule, EconomicRule) and rule.spec.revision_rate > 0:
        bundle, years_in_use, history = equilibrium_bundles(setting, rule, bundle, savings, rng)
    else:
        established = rng.integers(1, MAX_INITIAL_SEASONS_IN_USE + 1, size=regions.n)
        years_in_use = np.where(USES_BY_MASK[bundle], established[:, None], 0).astype(np.int16)
    setting.access.start(scenario.start_year, no_till_area_share(regions.start, bundle, parameters.area_ha), savings)
    hires = USES_BY_MASK[bundle, NO_TILL] & hire_route(setting)
    noise = rng.standard_normal((regions.n, N_PRACTICES))
    mean, precision = setting.learning.stationary_beliefs(yearly_evidence(setting, bundle, years_in_use), noise)
    return InitialState(bundle, years_in_use, hires, mean, precision, savings, setting.access.served.copy(), history)


def equilibrium_bundles(setting: StartSetting, rule: EconomicRule, provisional: np.ndarray, savings: np.ndarray,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit the rule's constants region by region and draw the initial bundles, their pasts and ages.

    Returns (bundle (n,) uint8, years_in_use (n, P) int16, history (n, ``ESTABLISHED_SEASONS``) uint8: each farm's
    bundles of the years before the start, oldest first), ``sim.behaviour.equilibrium``: after its bundles are
    assigned, each farm's past is drawn from its own chain run backwards (``region_chain_histories``); demonstration
    farms have used their bundle throughout.

    What others show used in the fit is that of the file's shares placed at random (``provisional``); the supply
    starts there too, and each region's is then moved to the steady state of the no-till area share its fitted
    chains imply (``SUPPLY_ROUNDS``; ``Fit.supply_area_share``): adopters drawn where adopting is most likely
    farm more area than farms drawn at random, and dealers follow area. Beliefs follow the chain's state: about a
    practice it uses, a farm also learns from its own fields (one established season's evidence a year), about one
    it does not, only from others; each at its stationary mean, with its stationary spread averaged into each move's
    probability (beliefs move about as fast as practices are reconsidered). Without this the fit would credit the
    beliefs of farms placed at random to the farms that end up using a practice: where few use it (1 % in the African
    regions) adopters' own fields make them much surer of it than the fit assumed, and adoption drifted up from the
    start.

    A practice a farm has just started is reviewed as a trial (``sim.behaviour.trial``): the chains drop it at the
    exit probability averaged over its users' stationary ages (``sim.behaviour.trial.user_exit``), with each farm's
    know-how k from the same evidence from others and its own seasons read at face value (``review_table``).
    """
    scenario, parameters, regions, catalogue = setting.scenario, setting.parameters, setting.regions, setting.catalogue
    years = np.where(USES_BY_MASK[provisional], ESTABLISHED_SEASONS, 0).astype(np.int16)
    others = others_evidence(setting, provisional, years)
    review, learnt = review_table(setting.learning, rule.spec.revision_rate)
    own = np.float32(1.0)  # an established practice's own season: ramp progress 1, weight 1
    shape = (regions.n, 2, N_PRACTICES)  # without, with own fields
    mean, precision, spread = np.empty(shape, np.float32), np.empty(shape, np.float32), np.empty(shape)
    for k, evidence in enumerate((others, others + own)):
        # new arrays copied in, not views of these written: the kernel's one (C-contiguous) compiled signature
        mean[:, k], precision[:, k], spread[:, k] = setting.learning.stationary_state(evidence)
    # (R,) the no-till area share the supply is at: the file's placed at random, then each region's the chains' own
    area_share = no_till_area_share(regions.start, provisional, parameters.area_ha)
    access = hires = None

    def supply_at(shares: np.ndarray) -> None:
        """Supply, each farm's access and who would hire no-till, at the steady state of these area shares (R,)."""
        nonlocal access, hires
        setting.access.start(scenario.start_year, shares, savings)
        access = setting.access.now
        hires = hire_route(setting)

    supply_at(area_share)
    gross, margin = gross_and_margin_1d(parameters.base_yield_kg_per_ha, parameters.crop_price_per_t,
                                        parameters.production_cost_per_ha)
    soil = build_soil(scenario, np.arange(regions.sizes.size, dtype=np.int16), np.zeros(regions.sizes.size, np.uint8),
                      np.zeros(regions.sizes.size, np.int16))
    yields = YieldModel(scenario, regions, soil, catalogue)
    is_demo = np.zeros(regions.n, bool)
    is_demo[setting.network.demo] = True
    bundle, years_in_use = provisional.copy(), np.zeros((regions.n, N_PRACTICES), np.int16)
    history = np.empty((regions.n, ESTABLISHED_SEASONS), np.uint8)
    s, v = rule.spec, rule.valuation
    rule.fits = []

    extra = rule.heterogeneity.astype(np.float64) + s.conformity_share * margin[:, None] * setting.social.share

    def state_values(rows: np.ndarray, region: int) -> tuple[np.ndarray, np.ndarray]:
        potential = yields.potential(parameters.base_yield_kg_per_ha[rows][:, None], region,
                                     soil.equilibrium_table[region][None, :])  # (m, 16): G in each state's soil
        return gross_and_margin(potential, parameters.crop_price_per_t[rows][:, None],
                                parameters.production_cost_per_ha[rows][:, None])

    def farm_terms(region: int, shortfall: np.ndarray, synergy_shortfall: np.ndarray) -> tuple:
        """The arguments of ``move_tables`` from the beliefs to ``extra`` (per farm, then per region)."""
        return (mean, precision, access.dealer, access.contractor, access.money, parameters.area_ha,
                parameters.residue_value_per_ha, hires, v.annuity[region], v.risk_aversion[region], shortfall,
                synergy_shortfall, v.cost_change_per_ha, v.effect_initial[region], v.transition_cost_per_ha,
                v.synergy[region], setting.access.herbicide_extra_per_ha[region],
                setting.access.contractor_fee_per_ha[region], s.exit_cost_share, extra)

    def chain_arguments(region: int, shortfall: np.ndarray, synergy_shortfall: np.ndarray, fit: Fit) -> tuple:
        """The arguments of ``region_chain_laws`` and ``region_chain_histories`` after the farms' rows.

        What each farm's chain is built from (``farm_chain``), before what each kernel does with the chains.
        """
        reference = yields.reference_t_c_per_ha[region]  # the potential's [low, high] (``YieldModel.potential``)
        return (ESTABLISHED_SEASONS, parameters.base_yield_kg_per_ha, parameters.crop_price_per_t,
                parameters.production_cost_per_ha, soil.equilibrium_table[region], yields.response_kg_per_t_c[region],
                reference, reference, yields.plateau_t_c_per_ha[region], s.noise_share,
                *farm_terms(region, shortfall, synergy_shortfall), spread, combination_levels(fit.constants, fit.pairs),
                catalogue.available[region], s.revision_rate, review[region], learnt, others)

    def inputs(rows: np.ndarray, region: int, shortfall: np.ndarray, synergy_shortfall: np.ndarray) -> ChainInputs:
        state_gross, state_margin = state_values(rows, region)
        scale = s.noise_share * state_margin
        gain, feasible = move_tables(rows, ESTABLISHED_SEASONS, state_gross, state_margin,
                                     *farm_terms(region, shortfall, synergy_shortfall), spread, scale)
        return ChainInputs(gain, feasible, scale, margin[rows], catalogue.available[region], state_gross, others[rows],
                           review[region], learnt)

    def access_of(rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """What of the farms ``rows`` the supply sets and their moves read: dealer, contractor, money, hires (copies)."""
        return access.dealer[rows], access.contractor[rows], access.money[rows], hires[rows]

    def inputs_after_supply(previous: ChainInputs, rows: np.ndarray, region: int, aged: tuple[np.ndarray, np.ndarray],
                            before: tuple[np.ndarray, ...]) -> tuple[ChainInputs, np.ndarray]:
        """``inputs`` of the farms ``rows`` once the supply has moved, from ``previous`` (their ``inputs`` before).

        Only the farms whose access changed (``before``: ``access_of`` then) have their moves valued again: a farm's
        moves are its own (``fill_farm_moves``), so the others' are the same to the last bit, and a refit of the
        supply (``SUPPLY_ROUNDS``) changes the reach of a few percent of farms. Valuing all again took a tenth of a
        1,000-farmer run's start. Returns the inputs and those farms' positions in ``rows`` (c,), whose chains alone
        the refit's first iteration solves again (``fit_constants``' ``known``).
        """
        changed = np.zeros(rows.size, np.bool_)
        for was, now in zip(before, access_of(rows), strict=True):
            changed |= was != now
        part = np.flatnonzero(changed)
        if part.size == 0:
            return previous, part
        state_gross, state_margin = state_values(rows[part], region)
        gain, feasible = previous.gain.copy(), previous.feasible.copy()
        gain[part], feasible[part] = move_tables(rows[part], ESTABLISHED_SEASONS, state_gross, state_margin,
                                                 *farm_terms(region, *aged), spread, s.noise_share * state_margin)
        return replace(previous, gain=gain, feasible=feasible), part

    def region_laws(rows: np.ndarray, region: int, shortfall: np.ndarray, synergy_shortfall: np.ndarray, fit: Fit,
                    masks: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
        """Laws (m, K) at the bundles ``masks`` of the farms ``rows`` with ``fit``'s constants, and their pasts.

        Those of ``inputs`` and ``stationary_laws``, bit for bit, farm by farm in one compiled pass
        (``region_chain_laws``), chunk by chunk of ``HISTORY_CHUNK`` farms. With at most ``MAX_PAST_STARTS``
        bundles to get (the file's and conventional: ``starts`` (C,)), the same pass draws each farm's past from
        each of them with the uniforms ``region_pasts`` would draw for it (from the population stream, in the same
        order), and returns them (``starts``, pasts (m, C, H) uint8) for ``region_pasts`` to pick from: a region
        of more farms than the fit's samples would otherwise build every chain twice (at 1 M farmers the second
        pass took 4.8 s of an 11.4 s set-up under cProfile, on 2 threads). Else (None) ``region_pasts`` builds them
        again.
        """
        laws = np.empty((rows.size, masks.size))
        starts = np.union1d(masks, 0).astype(np.int64)
        drawn = starts.size <= MAX_PAST_STARTS
        if not drawn:
            starts = starts[:0]
        pasts = np.empty((rows.size, starts.size, ESTABLISHED_SEASONS), np.uint8)
        arguments = chain_arguments(region, shortfall, synergy_shortfall, fit)
        for first in range(0, rows.size, HISTORY_CHUNK):
            part = slice(first, first + HISTORY_CHUNK)
            size = rows[part].size
            uniforms = rng.random((size, ESTABLISHED_SEASONS)) if drawn else np.empty((0, ESTABLISHED_SEASONS))
            region_chain_laws(rows[part], *arguments, masks.astype(np.int64), laws[part], starts, uniforms,
                              pasts[part])
        return laws, (starts, pasts) if drawn else None

    def region_pasts(rows: np.ndarray, region: int, shortfall: np.ndarray, synergy_shortfall: np.ndarray, fit: Fit,
                     chains: tuple[np.ndarray, np.ndarray] | None, drawn: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Draw the pasts (``history``) and ages (``years_in_use``) of the farms ``rows`` from their chains.

        The chains of ``region_laws`` (``region_chain_histories``), chunk by chunk of ``HISTORY_CHUNK`` farms; or
        the fit's own (``chains``: year matrices (m, 16, 16) transposed and laws (m, 16), the same to the last bit),
        which a fit on all the region's farms keeps (``sample_pasts``): a stacked Sobol run's regions of 333 farms
        would build every chain again (about 9 us a farm); or, ``drawn`` (starts (C,), pasts (m, C, H)), the pasts
        ``region_laws`` drew from every bundle a farm may get, of which each farm's bundle picks its own
        (``pick_pasts``: the uniforms were drawn then).
        """
        if drawn is not None:
            starts, pasts = drawn
            if not np.isin(bundle[rows], starts).all():
                raise ValueError("region_pasts: a farm got a bundle its past was not drawn from")
            past, ages = np.empty((rows.size, ESTABLISHED_SEASONS), np.uint8), np.empty((rows.size, N_PRACTICES),
                                                                                         np.int16)
            pick_pasts(bundle[rows], starts.astype(np.uint8), pasts, past, ages)
            history[rows], years_in_use[rows] = past, ages
            return
        arguments = chain_arguments(region, shortfall, synergy_shortfall, fit) if chains is None else ()
        for first in range(0, rows.size, HISTORY_CHUNK):
            part = rows[first:first + HISTORY_CHUNK]
            uniforms = rng.random((part.size, ESTABLISHED_SEASONS))
            past, ages = np.empty((part.size, ESTABLISHED_SEASONS), np.uint8), np.empty((part.size, N_PRACTICES),
                                                                                         np.int16)
            if chains is not None:
                kept = slice(first, first + part.size)
                sample_pasts(chains[0][kept], chains[1][kept], bundle[part], uniforms, past, ages)
            else:
                region_chain_histories(part, *arguments, bundle[part], uniforms, past, ages)
            history[part], years_in_use[part] = past, ages

    def reach_gap(region: int, fitted: float, implied: float) -> float:
        """The largest change of the region's dealer and hire-service reach from area share ``fitted`` to ``implied``."""
        shares = np.repeat(area_share[None, :], 2, axis=0)
        shares[:, region] = fitted, implied
        (seeder, contractor), (seeder_implied, contractor_implied) = map(setting.access.target_supply, shares)
        return float(max(abs(seeder_implied[region] - seeder[region]), abs(contractor_implied[region] - contractor[region])))

    def chain_area_share(region: int, sample: np.ndarray, laws: np.ndarray, fit: Fit) -> float:
        """The region's no-till area share at the stationary laws (m, 16) of the farms ``sample`` under ``fit``.

        The sample's area-weighted mean probability of no-till, at the fit's target share (scaled by target /
        reached: the fit stops within ``sim.behaviour.equilibrium.TOLERANCE`` of it, which would otherwise move the
        supply with where each fit stopped), on the region's farms that decide; demonstration farms use no-till.
        """
        if (NO_TILL, NO_TILL) not in fit.parameters:
            return float(area_share[region])
        k = fit.parameters.index((NO_TILL, NO_TILL))
        area = parameters.area_ha[sample]
        weighted = float(area @ (laws @ USES_BY_MASK[:, NO_TILL])) / float(area.sum())
        if fit.reached[k] > 0.0:
            weighted *= fit.target[k] / fit.reached[k]
        lo, size = int(regions.start[region]), sizes[region]
        total, deciding = parameters.area_ha[lo:lo + size].sum(), parameters.area_ha[rows_of[region]].sum()
        return (weighted * deciding + total - deciding) / total

    def region_key(rows: np.ndarray, region: int, target: np.ndarray, masks: np.ndarray) -> bytes:
        """Digest of everything ``inputs`` and the fits read for the farms ``rows`` of ``region`` (start_cache)."""
        key = start_cache.Key().add(
            rows.size, target, masks, s.revision_rate, s.noise_share, s.exit_cost_share, v.annuity[region],
            v.risk_aversion[region], v.shortfall[region], v.synergy_shortfall[region], v.cost_change_per_ha,
            v.effect_initial[region], v.transition_cost_per_ha, v.synergy[region],
            setting.access.herbicide_extra_per_ha[region], setting.access.contractor_fee_per_ha[region],
            catalogue.available[region], review[region], learnt, area_share[region],
            setting.access.seeder_base[region], setting.access.contractor_base[region],
            setting.access.supply_scale[region], parameters.area_ha[regions.start[region]:][:sizes[region]])
        for first in range(0, rows.size, CHUNK):
            part = rows[first:first + CHUNK]
            key.add(*state_values(part, region), mean[part], precision[part], spread[part], access.dealer[part],
                    access.contractor[part], access.money[part], parameters.area_ha[part],
                    parameters.residue_value_per_ha[part], hires[part], extra[part], margin[part], others[part],
                    setting.access.dealer_draw[part], setting.access.contractor_draw[part],
                    setting.access.no_till_cost_per_farm[part], savings[part])
        return key.digest()

    def fit_region(rows: np.ndarray, region: int, target: np.ndarray, masks: np.ndarray
                   ) -> tuple[tuple, tuple | None, tuple | None]:
        """The fit of the farms ``rows`` of ``region``: its cache entry, its chains if it kept them, its pasts if drawn.

        The entry: (fit, laws (m, K) of the bundles ``masks``, the two ramp shortfalls of ``inputs``); the shortfalls
        (those at the stationary ages' expected remaining ramp) enter the chains the pasts are drawn from
        (``region_pasts``), so a start found in the cache has them too. The chains (not cached: 2 KB a farm): year
        matrices and laws of a region fitted on all its farms, at most ``MATRICES_KEPT_UP_TO``. The pasts (not
        cached: they are draws): those ``region_laws`` draws in a region of more farms than its fit's samples
        (None for a region fitted whole, or with more than ``MAX_PAST_STARTS`` bundles to get).
        """
        def spaced(size: int) -> np.ndarray:  # ``size`` farms evenly spaced, or all
            return rows if size >= rows.size else rows[np.unique(np.linspace(0, rows.size - 1, size).astype(np.int64))]

        # pass 1: established practices mature, on a few farms (it only gives pass 2 its exit hazards and first guess)
        mature = (np.vstack([v.shortfall[region], np.zeros(N_PRACTICES)]), np.append(v.synergy_shortfall[region], 0.0))
        fit, laws, hazard = fit_constants(inputs(spaced(FIRST_SAMPLE), region, *mature), s.revision_rate, target,
                                          tolerance=FIRST_TOLERANCE)
        in_use = laws @ np.column_stack([USES_BY_MASK, FULL_CA_BY_MASK]).astype(np.float64)
        mean_hazard = (hazard * in_use).sum(axis=0) / np.maximum(in_use.sum(axis=0), 1e-12)
        # pass 2: at the expected remaining ramp of the stationary ages, on FIT_SAMPLE farms, then polished
        aged = (np.vstack([v.shortfall[region], expected_remaining(v.shortfall[region], mean_hazard[:-1])]),
                np.append(v.synergy_shortfall[region], expected_remaining(v.synergy_shortfall[region], mean_hazard[-1])))
        sample = spaced(FIT_SAMPLE)
        kept = np.empty((rows.size, N_STATES, N_STATES)) if sample.size == rows.size <= MATRICES_KEPT_UP_TO else None
        chain_inputs = inputs(sample, region, *aged)
        fit, laws, _ = fit_constants(chain_inputs, s.revision_rate, target, fit, matrices=kept, hazards=False)
        polish = spaced(POLISH_SAMPLE)
        if polish.size > sample.size:
            sample = polish
            chain_inputs = inputs(polish, region, *aged)
            fit, laws, _ = fit_constants(chain_inputs, s.revision_rate, target, fit, hazards=False)
        # the supply at the area share these chains imply (``SUPPLY_ROUNDS``): fitted again from this fit
        tried, implied = [float(area_share[region])], [chain_area_share(region, sample, laws, fit)]
        gap = reach_gap(region, tried[-1], implied[-1])
        while gap > SUPPLY_TOLERANCE and len(tried) < SUPPLY_ROUNDS:
            slope = 0.0 if len(tried) < 2 else float(np.clip(
                (implied[-1] - implied[-2]) / (tried[-1] - tried[-2]), 0.0, MAX_SUPPLY_SLOPE))
            area_share[region] = tried[-1] + (implied[-1] - tried[-1]) / (1.0 - slope)
            before = access_of(sample)
            supply_at(area_share)
            chain_inputs, changed = inputs_after_supply(chain_inputs, sample, region, aged, before)
            # the last fit's laws (and ``kept`` matrices) are those at its constants of every farm not ``changed``
            fit, laws, _ = fit_constants(chain_inputs, s.revision_rate, target, fit, matrices=kept, hazards=False,
                                         known=(laws, changed))
            tried.append(float(area_share[region]))
            implied.append(chain_area_share(region, sample, laws, fit))
            gap = reach_gap(region, tried[-1], implied[-1])
        fit = replace(fit, supply_area_share=tried[-1], supply_gap=gap)
        if sample.size < rows.size:  # else the fit's own laws are the region's
            all_laws, drawn = region_laws(rows, region, *aged, fit, masks)
            return (fit, all_laws, *aged), None, drawn
        # (the polish above runs only on more farms than the sample: never on a region fitted whole)
        return (fit, laws[:, masks], *aged), None if kept is None else (kept, laws), None  # laws[:, masks]: a copy

    sizes = [int(size) for size in regions.sizes]
    rows_of = [np.arange(start, start + size)[~is_demo[start:start + size]]
               for start, size in zip(regions.start.tolist(), sizes, strict=True)]
    counts_of = [initial_counts(spec, size) for spec, size in zip(regions.specs, sizes, strict=True)]
    # The start is cached only if its regions' entries (laws (m, K), float64) fit in the cache
    # together: else a rebuild of the same model would find its first regions pushed out by its last (oldest out
    # first), and the keys (digests of every per-farm input: 0.6 s at 1 M farmers) would cost without a hit.
    entries = sum(rows.size * masks.size * 8 for rows, (masks, _) in zip(rows_of, counts_of, strict=True))
    cacheable = start_cache.active() and entries <= start_cache.MAX_BYTES
    for region, size in enumerate(sizes):
        rows, (masks, counts) = rows_of[region], counts_of[region]
        if rows.size == 0:
            rule.fits.append(None)
            continue
        target = target_law(masks, counts / size, catalogue.available[region],
                             setting.scenario.decision.unused_combination_share)
        key = region_key(rows, region, target, masks) if cacheable else None
        cached = start_cache.lookup(key) if cacheable else None
        keys = bundle_keys(masks, rows.size, rng)  # before any uniforms of the pasts (``region_laws`` may draw them)
        chains = drawn = None
        if cached is None:
            cached, chains, drawn = fit_region(rows, region, target, masks)
            if cacheable:
                start_cache.store(key, cached)
        fit, laws, *aged = cached
        if fit.supply_area_share != area_share[region]:  # a start found in the cache: the supply its fit ended at
            area_share[region] = fit.supply_area_share
            supply_at(area_share)
        rule.constants[region], rule.pairs[region] = fit.constants, fit.pairs
        rule.fits.append(fit)
        bundle[rows] = assign_bundles(laws, masks, counts, keys)
        region_pasts(rows, region, *(np.array(a) for a in aged), fit, chains, drawn)  # writeable: one signature
    demo = setting.network.demo
    years_in_use[demo] = np.where(USES_BY_MASK[bundle[demo]], ESTABLISHED_SEASONS, 0)
    history[demo] = bundle[demo, None]
    return bundle, years_in_use, history
