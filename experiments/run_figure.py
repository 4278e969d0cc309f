"""The figure of one run's yearly table (``trajectories.png``), drawn where the run is written (``SingleRun.write``).

It is here, not in ``analysis.plots`` with the figures of many runs, because the experiments come before the analyses:
a run's ``.write(out)`` writes every file of ``casim run``, figure included. ``DPI`` is every static figure's.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

#: Figures are saved at this resolution: sharp on a projector, small enough to e-mail.
DPI = 110
#: Incomes are drawn on a symmetric log scale (losses are possible), linear within +-100 currency units.
INCOME_LINEAR_RANGE = 100.0

PANELS = (
    ("full_ca_share", "Full CA adoption (share of farmers)"),
    ("no_till_share", "No-till adoption (share of farmers)"),
    ("soc_mean_t_c_per_ha", "Soil organic carbon (t C/ha, 0-{depth:g} cm)"),
    ("four_per_1000_index", "'4 per 1000' index (1 = +0.4 %/yr)"),
    ("yield_mean_kg_per_ha", "Mean yield (kg/ha)"),
    ("income_p50", "Median farm income ({currency}/yr)"),
)


def trajectories(yearly: pd.DataFrame, path: Path, title: str, currency: str, depth_cm: float) -> Path:
    """Save a 2x3 panel figure of adoption, SOC (0-``depth_cm`` cm), the 4 per 1000 index, yield and income by region."""
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
            ax.set_yscale("symlog", linthresh=INCOME_LINEAR_RANGE)
        if column == "four_per_1000_index":
            ax.axhline(1.0, color="grey", lw=0.8, ls=":")
        ax.set_title(label.format(currency=currency, depth=depth_cm), fontsize=10)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="best")
    for ax in axes[1]:
        ax.set_xlabel("year")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
