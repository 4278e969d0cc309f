"""Facilitators' outputs: the offline HTML report in headless Chromium, and the animation files."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pytest
from conftest import ROOT, SCENARIOS

CASIM = str(Path(sys.executable).parent / "casim")
CHROMIUM = shutil.which("chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = subprocess.run([CASIM, "report", str(SCENARIOS / "baseline.toml"), str(SCENARIOS / "carbon_price_35.toml"),
                           "--farmers", "1500", "--years", "12", "--replicates", "2", "--sample", "60", "--out",
                           str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return out


def test_report_is_one_self_contained_file(report):
    text = report.read_text()
    assert "<script src=" not in text and "<link" not in text  # nothing loaded from elsewhere
    assert "cdn." not in text.split("</head>")[1]
    assert "By 2040" not in text  # the run ends in 2037: sentences use the last year
    assert "By 2037" in text and "Scenarios side by side" in text


@needs_chromium
def test_report_plays_offline_in_headless_chromium(report, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_context(offline=True, viewport={"width": 1280, "height": 900}).new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        page.wait_for_timeout(1500)
        state = ("() => { const g = document.getElementById('network-baseline'); "
                 "return [g.layout.sliders[0].active, g._fullData[1].marker.color.join(',')]; }")
        before = page.evaluate(state)
        page.locator("#network-baseline .updatemenu-button").first.click()  # ▶ Play
        page.wait_for_timeout(3000)
        after = page.evaluate(state)
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot))
        browser.close()
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert errors == []
    assert before[0] == 0 and after[0] > 0, "the year slider must move after pressing play"
    assert after[1] != before[1], "farm colours must change as years pass"
    pixels = mpimg.imread(shot)
    assert pixels[..., :3].std() > 0.05, "the screenshot must not be blank"


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_animation_has_one_frame_per_year(tmp_path, suffix):
    out = tmp_path / f"adoption{suffix}"
    done = subprocess.run([CASIM, "animate", str(SCENARIOS / "baseline.toml"), "--farmers", "900", "--years", "7",
                           "--sample", "40", "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    if suffix == ".gif":
        from PIL import Image

        assert Image.open(out).n_frames == 8  # the initial year plus 7
    else:
        import imageio_ffmpeg

        assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 8
