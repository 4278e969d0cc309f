"""Exchange groups against the same farms of a baseline run: each group's gain, and the spill-over through links.

A run with exchange programmes and a baseline run of the same seed and size have the same farms in the same rows
(the population stream does not depend on the network), the same network but the exchange links (drawn from a child
of the network stream, ``sim.network``) and the same initial state (found on the network without the exchange links,
``sim.model``), so each farm of the exchange run has its twin in the baseline. A group's gain is its no-till share at
the end of the exchange run minus the share of the same farms at the end of the baseline run (percentage points).
The groups (``sim.outputs``): participants, non-participants linked to a participant (neighbours), non-participants
not linked to one (others), and everyone (the region's paired difference). Neighbours and others both gain through
what the whole region shares (the dealer supply that follows adoption); the neighbours' gain minus the others',
paired within seed, bounds a spill-over through links (referee 27 M2: neighbours minus all non-participants compares
a group mostly with itself) but does not identify it: the neighbours of random participants are the better connected
farms and start ahead, so part of the difference is who they are (referee 28; docs/validation.md section 8). The
baseline must be the same scenario without the exchanges; one with other incentives is refused (referee 28: against
per_ha_payment the exchanges' effect read -14.2 pp).

    casim exchange-groups scenarios/exchange_network.toml scenarios/baseline.toml --replicates 20 --farmers 10000
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

import sim
from analysis.compare import incentive_programme
from experiments.spec import ExperimentError
from sim.practices import NO_TILL, USES_BY_MASK

#: Two-sided coverage of the replicate interval of a mean.
INTERVAL = 0.95


def group_masks(model: sim.AdoptionModel) -> dict[str, np.ndarray]:
    """(n,) bool per group, in table order: participant, neighbour (their non-participant neighbours), other, everyone.

    The first three are ``sim.outputs._EXCHANGE_GROUPS``' names; 'everyone' is every farm.
    """
    participant, neighbour = model.exchanges.participant, model.exchanges.neighbour
    return {"participant": participant, "neighbour": neighbour, "other": ~(participant | neighbour),
            "everyone": np.ones(model.n, bool)}


def group_gains_of_seed(exchange: sim.Scenario, baseline: sim.Scenario, seed: int, farmers: int) -> pd.DataFrame:
    """One seed's no-till share per region and group at the end of both runs, and the gain, percentage points.

    Columns: seed, region, group, farmers (group size), exchange_pct, baseline_pct (the same farms in the baseline
    run), gain_pp. Regions without members of a group have no row for it.
    """
    if not exchange.network.exchange:
        raise ExperimentError(f"{exchange.name}: no [[network.exchange]] tables, so no exchange groups to compare")
    if incentive_programme(baseline) != incentive_programme(exchange):
        raise ExperimentError(f"{baseline.name}: its incentives are not {exchange.name}'s; expected the same scenario "
                              "without its exchanges, so that the difference is the exchanges'")
    runs = [sim.AdoptionModel(scenario, seed=seed, n_farmers=farmers) for scenario in (exchange, baseline)]
    first, second = runs
    if first.regions.names != second.regions.names or not np.array_equal(first.farms.region, second.farms.region):
        raise ExperimentError("the two scenarios must have the same regions and shares, so their farms pair row by "
                              "row")
    for model in runs:
        model.run()
    uses = [USES_BY_MASK[model.farms.bundle, NO_TILL] for model in runs]
    rows = []
    for group, members in group_masks(first).items():
        for r, region in enumerate(first.regions.names):
            selected = members & (first.farms.region == r)
            if selected.any():
                shares = [100.0 * used[selected].mean() for used in uses]
                rows.append(dict(seed=seed, region=region, group=group, farmers=int(selected.sum()),
                                 exchange_pct=shares[0], baseline_pct=shares[1], gain_pp=shares[0] - shares[1]))
    return pd.DataFrame(rows)


def group_gains(exchange: sim.Scenario, baseline: sim.Scenario, seeds: Sequence[int], farmers: int) -> pd.DataFrame:
    """``group_gains_of_seed`` of every seed, one table."""
    return pd.concat([group_gains_of_seed(exchange, baseline, seed, farmers) for seed in seeds], ignore_index=True)


def spillover(gains: pd.DataFrame) -> pd.DataFrame:
    """Per seed and region: the neighbours' gain minus the others' gain (``spillover_pp``, percentage points)."""
    wide = gains.pivot_table(index=["region", "seed"], columns="group", values="gain_pp")
    wide = wide.dropna(subset=["neighbour", "other"])
    return (wide.neighbour - wide.other).rename("spillover_pp").reset_index()


def summary(values: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Mean, standard error and ``INTERVAL`` t interval of ``column`` over the seeds, per ``keys``."""
    grouped = values.groupby(keys, sort=False)[column]
    out = grouped.agg(mean="mean", se="sem", seeds="count")
    half = stats.t.ppf(0.5 + INTERVAL / 2, (out.seeds - 1).clip(lower=1)) * out.se
    return out.assign(lo=out["mean"] - half, hi=out["mean"] + half).reset_index()


def report(gains: pd.DataFrame) -> str:
    """``group_gains``' table as text: each group's shares and gain per region, then the spill-over per region."""
    shares = gains.groupby(["region", "group"], sort=False)[["farmers", "exchange_pct", "baseline_pct"]].mean()
    table = shares.join(summary(gains, ["region", "group"], "gain_pp").set_index(["region", "group"])).round(2)
    spill = summary(spillover(gains), ["region"], "spillover_pp").round(2)
    return ("no-till share at the end, %, and the gain against the same farms of the baseline, pp:\n"
            f"{table.to_string()}\nneighbours' gain - others' gain, pp (bounds a spill-over through links; not "
            "identified, as neighbours are better connected and start ahead: docs/validation.md section 8):\n"
            f"{spill.to_string(index=False)}")
