"""Shared test helpers: paths to the repository, the shared reference data and small scenario files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
TEST_SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture
def write_scenario(tmp_path):
    """Write a scenario file (extending scenarios/base.toml unless told otherwise) and return its path."""

    def write(body: str, name: str = "scenario.toml", extends: str | None = str(SCENARIOS / "base.toml")) -> Path:
        path = tmp_path / name
        head = f'extends = "{extends}"\n' if extends else ""
        path.write_text(head + textwrap.dedent(body))
        return path

    return write


def pytest_configure(config):
    """On CI, Hypothesis draws the same examples every run (reproducible); locally it explores new ones."""
    import os

    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, print_blob=True)
    if os.environ.get("CI"):
        settings.load_profile("ci")
