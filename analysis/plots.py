"""Static figures (Matplotlib) of the yearly table."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

PANELS = (
    ("full_ca_share", "Full CA adoption (share of farmers)"),
    ("no_till_share", "No-till adoption (share of farmers)"),
    ("soc_mean_t_c_per_ha", "Soil organic carbon (t C/ha, 0-30 cm)"),
    ("four_per_1000_index", "'4 per 1000' index (1 = +0.4 %/yr)"),
    ("yield_mean_kg_per_ha", "Mean yield (kg/ha)"),
    ("income_p50", "Median farm income ({currency}/yr)"),
)


def trajectories(yearly: pd.DataFrame, path: Path, title: str, currency: str = "USD") -> Path:
    """Save a 2x3 panel figure of adoption, SOC, the 4 per 1000 index, yield and income by region."""
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5), sharex=True)
    regions = [r for r in yearly["region"].unique() if r != "all"]
    for ax, (column, label) in zip(axes.flat, PANELS, strict=True):
        for region in regions:
            data = yearly[yearly["region"] == region]
            ax.plot(data["year"], data[column], label=region.replace("_", " "), lw=1.8)
        if column.endswith("_share"):
            everyone = yearly[yearly["region"] == "all"]
            ax.plot(everyone["year"], everyone[column], label="all farmers", color="black", ls="--", lw=1.4)
            ax.set_ylim(0, 1)
        if column.startswith("income"):
            ax.set_yscale("symlog", linthresh=100.0)
        if column == "four_per_1000_index":
            ax.axhline(1.0, color="grey", lw=0.8, ls=":")
        ax.set_title(label.format(currency=currency), fontsize=10)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="best")
    for ax in axes[1]:
        ax.set_xlabel("year")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


COMPARE_PANELS = (
    ("full_ca_share", "Full CA adoption (share of farmers)"),
    ("soc_mean_t_c_per_ha", "Soil organic carbon (t C/ha)"),
    ("income_p50", "Median farm income ({currency}/yr)"),
    ("public_spending_cum", "Cumulative public spending ({currency})"),
)


def compare_trajectories(runs: pd.DataFrame, path: Path, currency: str = "USD") -> Path:
    """Save trajectories of several scenarios (all farmers): replicate mean with a min-max band."""
    everyone = runs[runs.region == "all"]
    fig, axes = plt.subplots(2, 2, figsize=(13, 8), sharex=True)
    for scenario, data in everyone.groupby("scenario", sort=False):
        for ax, (column, _) in zip(axes.flat, COMPARE_PANELS, strict=True):
            stats = data.groupby("year")[column].agg(["mean", "min", "max"])
            line, = ax.plot(stats.index, stats["mean"], label=scenario, lw=1.6)
            if data.seed.nunique() > 1:
                ax.fill_between(stats.index, stats["min"], stats["max"], color=line.get_color(), alpha=0.15)
    for ax, (column, label) in zip(axes.flat, COMPARE_PANELS, strict=True):
        ax.set_title(label.format(currency=currency), fontsize=10)
        ax.grid(alpha=0.3)
        if column.endswith("_share"):
            ax.set_ylim(0, 1)
    axes[0, 0].legend(fontsize=7)
    for ax in axes[1]:
        ax.set_xlabel("year")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
