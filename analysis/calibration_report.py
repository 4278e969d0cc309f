"""What a calibration writes: the posterior file, its tables, two figures and a Markdown report."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from analysis.calibration import (  # noqa: E402
    INTERVAL,
    NOT_IDENTIFIED_WIDTH_RATIO,
    Calibration,
    manifest,
    pattern_summary,
    prior_draws,
)
from analysis.patterns import column_by_year  # noqa: E402
from analysis.plots import DPI  # noqa: E402
from experiments.posterior import write_posterior  # noqa: E402

#: Prior draws drawn to show each prior's shape beside its posterior.
PRIOR_SAMPLE = 4000
#: Histogram bins of the posterior figure.
BINS = 20
STOPS = {
    "threshold": "reached the absolute threshold",
    "generations": "stopped at the last generation allowed, above the absolute threshold",
    "acceptance": "stopped because the acceptance rate fell below the minimum, above the absolute threshold",
}


def _band(runs: pd.DataFrame, column: str, region: str) -> pd.DataFrame:
    """Per year: 5/50/95 % quantiles of ``column`` over the runs (one per draw and seed)."""
    per_run = pd.DataFrame({key: column_by_year(table, column, region)
                            for key, table in runs.groupby(["draw", "seed"], sort=True)})
    return per_run.quantile([INTERVAL[0], 0.5, INTERVAL[1]], axis=1).T.set_axis(["low", "median", "high"], axis=1)


def fit_figure(calibration: Calibration, path: Path) -> Path:
    """One panel per level pattern: the predictive band and median, and the observed values with their scale.

    Where the country was also left out, the median predicted by the other countries is dashed.
    """
    panels = [(c, name, p) for c in calibration.countries for name, p in c.scenario.patterns.items()
              if p.statistic == "level"]
    loco = {item.left_out: item.runs for item in calibration.loco}
    columns = min(3, max(1, len(panels)))
    rows = max(1, int(np.ceil(len(panels) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(4.8 * columns, 3.6 * rows), squeeze=False)
    for ax, (country, name, pattern) in zip(axes.flat, panels, strict=False):
        band = _band(calibration.runs[calibration.runs.scenario == country.label], pattern.column, pattern.region)
        ax.fill_between(band.index, band.low, band.high, color="#1b7837", alpha=0.25, lw=0,
                        label="posterior predictive 5-95 %")
        ax.plot(band.index, band["median"], color="#1b7837", lw=1.8, label="median")
        if country.label in loco:
            other = _band(loco[country.label], pattern.column, pattern.region)
            ax.plot(other.index, other["median"], color="#762a83", ls="--", lw=1.4,
                    label="left out: predicted from the others")
        years = [int(y) for y in pattern.observed]
        ax.errorbar(years, list(pattern.observed.values()), yerr=pattern.scale, fmt="o", color="black", ms=4,
                    capsize=2, label="observed ± scale" + (" (not fitted)" if not pattern.fit else ""))
        ax.set_title(f"{country.label}: {name}", fontsize=10)
        ax.set_ylabel(pattern.column, fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def posterior_figure(calibration: Calibration, path: Path) -> Path:
    """One panel per parameter: the prior (grey) and the weighted posterior (green) as densities."""
    names, particles = calibration.names, calibration.run.particles
    prior = prior_draws(names, calibration.dists, PRIOR_SAMPLE, calibration.run.settings.seed)
    table = calibration.parameters.set_index("parameter")
    columns = min(3, len(names))
    rows = int(np.ceil(len(names) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.0 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        bins = np.linspace(prior[name].min(), prior[name].max(), BINS + 1)
        ax.hist(prior[name], bins=bins, density=True, color="#999999", alpha=0.5, label="prior")
        ax.hist(particles[name], bins=bins, weights=particles.weight, density=True, color="#1b7837", alpha=0.7,
                label="posterior")
        flag = "" if table.loc[name, "identified"] else " (not identified)"
        ax.set_title(f"{name}\nwidth ratio {table.loc[name, 'width_ratio']:.2f}{flag}", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _md(frame: pd.DataFrame, digits: int = 4) -> str:
    return frame.round(digits).to_markdown(index=False)


def _code_line(label: str, code: dict) -> str:
    """One line naming ``code`` (``analysis.calibration.provenance``)."""
    commit = code.get("git_commit") or "unknown (not a git checkout)"
    edited = {True: ", with uncommitted changes", False: "", None: ""}[code.get("git_uncommitted_changes")]
    libraries = ", ".join(f"{name} {found or 'missing'}" for name, found in code.get("libraries", {}).items())
    return f"{label}: git commit {commit}{edited}; model source (sim/) hash {code['code_version']}; {libraries}."


def provenance_lines(meta: dict) -> list[str]:
    """The report's paragraph on the code that fitted it (``analysis.calibration.provenance``), and a blank line.

    With ``resumed_by`` (a later call on other code, referee 53 m2), a second line names that code, which resumed
    the ABC and ran the predictive check. Nothing when ``meta`` has neither (a calibration made before the code was
    recorded).
    """
    lines = [_code_line("Code", meta)] if "code_version" in meta else []
    if "resumed_by" in meta:
        if not lines:
            lines.append("Code that started the ABC: not recorded (a run directory older than the record).")
        lines.append(_code_line("Resumed or re-reported (and predictive check run) by", meta["resumed_by"]))
    return [*lines, ""] if lines else []


def markdown(calibration: Calibration) -> str:
    """The calibration report."""
    run, settings = calibration.run, calibration.settings
    generations = run.generations
    prior_median = generations.epsilon[generations.t == 0]
    countries = ", ".join(f"`{c.source}`" for c in calibration.countries)
    farmers = settings["farmers"] or "the scenarios'"
    lines = [
        "# Calibration",
        "",
        f"ABC-SMC (pyabc {calibration.meta.get('pyabc', '')}, reproducible sampler on the project's executor) on "
        f"{countries}: {len(calibration.names)} parameters, population {settings['population']}, at most "
        f"{settings['generations']} generations, {settings['replicates']} seed(s) per country per simulation, "
        f"{farmers} farmers per run, seed {settings['seed']}; {run.simulations:,} simulations (each runs every country "
        f"with its seeds: {run.simulations * len(calibration.countries) * settings['replicates']:,} model runs); this "
        f"call took {calibration.seconds:,.0f} s (generations already stored in the output directory are not run "
        "again).",
        "",
        *provenance_lines(calibration.meta),
        "Distance: root mean square over countries and patterns of (simulated - observed) / scale (each country "
        "counts equally, each pattern by its weight): 1 means one tolerance off on average.",
        "",
        f"**Absolute threshold {run.settings.threshold:g}; final epsilon {run.epsilon:.3f}: {STOPS[run.stop]}.** "
        + (f"The median distance of prior draws was {prior_median.iloc[0]:.3f}." if len(prior_median) else ""),
        "",
        "## Generations",
        "",
        _md(generations),
        "",
        "## Parameters and identifiability",
        "",
        f"90 % intervals; width ratio = posterior / prior 90 % width. A parameter whose ratio exceeds "
        f"{NOT_IDENTIFIED_WIDTH_RATIO} is not identified by these patterns: fix it at a sourced value (or drop it "
        "from [uncertain]) rather than report its posterior.",
        "",
        _md(calibration.parameters),
        "",
        "## Observed vs simulated, per pattern",
        "",
        f"Posterior predictive check: {settings['ppc_draws']} posterior draws x {settings['ppc_seeds']} seeds per "
        "country, every run on its own seed. RMSE of the predictive median against the observed values, in the "
        "statistic's unit; covered = share of the pattern's statistics whose observed value lies in the 5-95 % "
        "predictive range (for a bound: at least half of whose runs are on its allowed side: within_bound, the share "
        "of runs on that side, >= 0.5).",
        "",
        _md(calibration.patterns()),
        "",
        "### Every statistic",
        "",
        _md(calibration.check.drop(columns=["source"])),
        "",
        "![fit](calibration_fit.png)",
        "",
        "![posterior](calibration_posterior.png)",
    ]
    if calibration.loco:
        summary = pattern_summary(calibration.loco_table())
        lines += ["", "## Leave one country out", "",
                  "Each country predicted by a calibration on the others (its own parameters drawn from its prior: "
                  + "; ".join(f"{item.left_out}: {', '.join(item.from_prior) or 'none'}" for item in calibration.loco)
                  + ").", "", _md(summary)]
    return "\n".join(lines) + "\n"


def write_calibration(calibration: Calibration, out: Path) -> list[Path]:
    """Write everything a calibration produces into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = write_posterior(calibration.posterior, out)
    extra = out / "posterior.json"
    extra.write_text(json.dumps(manifest(calibration), indent=1, default=str) + "\n")
    tables = {"generations.csv": calibration.run.generations, "parameters.csv": calibration.parameters,
              "ppc.csv": calibration.check, "patterns.csv": calibration.patterns(),
              "loco.csv": calibration.loco_table()}
    for name, table in tables.items():
        table.to_csv(out / name, index=False)
    paths += [extra, *(out / name for name in tables)]
    paths.append(fit_figure(calibration, out / "calibration_fit.png"))
    paths.append(posterior_figure(calibration, out / "calibration_posterior.png"))
    report = out / "calibration.md"
    report.write_text(markdown(calibration))
    paths.append(report)
    return paths
