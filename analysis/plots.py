"""Static figures (Matplotlib) of many runs: comparisons and sensitivity (one run's is ``experiments.run_figure``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from experiments.run_figure import DPI  # noqa: E402 - one resolution for every static figure

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
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def sensitivity_indices(indices: pd.DataFrame, path: Path) -> Path:
    """Bar chart of the indices of every output with their 95 % confidence intervals."""
    outputs = list(indices.output.unique())
    fig, axes = plt.subplots(len(outputs), 1, figsize=(10, 2.8 * len(outputs) + 0.6), squeeze=False)
    for ax, output in zip(axes[:, 0], outputs, strict=True):
        data = indices[indices.output == output]
        kinds = list(data["index"].unique())
        parameters = list(data.parameter.unique())
        width = 0.8 / len(kinds)
        for k, kind in enumerate(kinds):
            part = data[data["index"] == kind].set_index("parameter").loc[parameters]
            ax.bar([i + k * width for i in range(len(parameters))], part.value, width, yerr=part.conf.fillna(0),
                   capsize=3, label=kind)
        ax.set_xticks([i + width * (len(kinds) - 1) / 2 for i in range(len(parameters))])
        ax.set_xticklabels([p.replace("regions.", "").replace(".", "\n", 1) for p in parameters], fontsize=7)
        flagged = data.note.astype(str).str.len().gt(0).any() if "note" in data else False
        if data.value.isna().all() and flagged:
            ax.text(0.5, 0.5, f"no indices: {data.note.iloc[0]}", transform=ax.transAxes, ha="center", fontsize=8,
                    wrap=True)
        ax.set_title(output, fontsize=10)
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def sensitivity_convergence(convergence: pd.DataFrame, path: Path, method: str = "") -> Path:
    """Save ``convergence_figure`` to ``path``."""
    fig = convergence_figure(convergence, method)
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def convergence_figure(convergence: pd.DataFrame, method: str = "") -> plt.Figure:
    """Indices against the number of base samples, one panel per output and index (legends name whole fields).

    A FAST design cannot be cut into smaller ones: its panels show the one sample size run, and say so.
    """
    if convergence.empty:
        fig, ax = plt.subplots(figsize=(8, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "no output could be analysed: see outputs.csv", ha="center", va="center")
        return fig
    panels = convergence[["output", "index"]].drop_duplicates().to_records(index=False)
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 2.8 * len(panels) + 0.5), squeeze=False)
    for ax, (output, kind) in zip(axes[:, 0], panels, strict=True):
        data = convergence[(convergence.output == output) & (convergence["index"] == kind)]
        for parameter, line in data.groupby("parameter", sort=False):
            ax.errorbar(line.base_samples, line.value, yerr=line.conf.fillna(0), marker="o", ms=3, capsize=2,
                        label=parameter)
        ax.set_xscale("log", base=2)
        note = " (FAST: one design size; its design cannot be cut)" if method == "fast" else ""
        ax.set_title(f"{output}: {kind}{note}", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, ncol=1, loc="center left", bbox_to_anchor=(1.01, 0.5))
    axes[-1, 0].set_xlabel("base samples")
    fig.tight_layout()
    return fig

