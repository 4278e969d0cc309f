"""A GIF or MP4 of adoption spreading through the sampled farm network, one frame per year (for slides)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

import sim  # noqa: E402
from experiments.executors import Executor  # noqa: E402
from facilitation.story import CATEGORIES, COLOURS, REGION_SPACING, Story, tell  # noqa: E402

#: File types an animation can be written as: a GIF (Pillow) for slides and e-mail, an MP4 (ffmpeg) for video.
FORMATS = (".gif", ".mp4")


def check_format(path: Path) -> None:
    """Raise ValueError unless ``path`` names a .gif or .mp4 file (checked before any simulation)."""
    if Path(path).suffix.lower() not in FORMATS:
        raise ValueError(f"{path}: expected a .gif or .mp4 file name")


def animate_scenario(scenario: sim.Scenario, out: Path, farmers: int | None = None, years: int | None = None,
                     per_region: int = 150, fps: float = 2.0, label: str = "scenario",
                     executor: Executor | None = None) -> int:
    """Simulate ``scenario`` (its seed) and write the animation of ``per_region`` sampled farms per region to ``out``.

    Returns the number of frames (the initial year plus one per simulated year).
    """
    check_format(out)
    return animate(tell(scenario, label, 1, farmers, years, per_region, executor), Path(out), fps)


def animate(story: Story, path: Path, fps: float = 2.0) -> int:
    """Write the animation (.gif with Pillow, .mp4 with the ffmpeg of imageio-ffmpeg); return the frame count."""
    check_format(path)
    lay = story.layout
    colours = np.array(COLOURS)
    fig, ax = plt.subplots(figsize=(10, 4.6), dpi=100)
    segments = np.stack([np.column_stack([lay.x[lay.edges[:, 0]], lay.y[lay.edges[:, 0]]]),
                         np.column_stack([lay.x[lay.edges[:, 1]], lay.y[lay.edges[:, 1]]])], axis=1)
    ax.add_collection(LineCollection(segments, colors="#d8d8d8", linewidths=0.4, zorder=1))
    dots = ax.scatter(lay.x, lay.y, s=np.where(lay.demo, 70, 16), c=colours[story.categories[0]], zorder=2,
                      edgecolors="white", linewidths=0.4)
    for i, name in enumerate(story.scenario.regions):
        ax.text(REGION_SPACING * i, 1.25, name.replace("_", " ").title(), ha="center", fontsize=11)
    title = ax.set_title("")
    ax.legend(handles=[Line2D([], [], marker="o", ls="", color=c, label=n) for n, c in zip(CATEGORIES, COLOURS,
                                                                                           strict=True)],
              loc="lower center", ncol=4, fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.12))
    ax.set_xlim(lay.x.min() - 0.2, lay.x.max() + 0.2)
    ax.set_ylim(-1.2, 1.4)
    ax.set_axis_off()
    fig.tight_layout()

    def draw(frame: int):
        dots.set_facecolor(colours[story.categories[frame]])
        title.set_text(f"{story.scenario.name}: {story.years[frame]}")
        return dots, title

    frames = len(story.years)
    animation = FuncAnimation(fig, draw, frames=frames, blit=False)
    if path.suffix.lower() == ".gif":
        writer = PillowWriter(fps=fps)
    else:
        import imageio_ffmpeg

        matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
        writer = FFMpegWriter(fps=fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p"])
    path.parent.mkdir(parents=True, exist_ok=True)
    animation.save(path, writer=writer)
    plt.close(fig)
    return frames
