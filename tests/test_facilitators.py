"""Facilitators' outputs: the offline HTML report in headless Chromium, and the animation files."""

import matplotlib.image as mpimg
import pandas as pd
import pytest
from conftest import SCENARIOS

import sim
from experiments.executors import LocalExecutor
from experiments.runs import RunSpec, run_many
from facilitation.story import tell_stories


@pytest.fixture(scope="module")
def report(tmp_path_factory, casim):
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = casim("report", SCENARIOS / "baseline.toml", SCENARIOS / "carbon_price_35.toml", "--farmers", 1500,
                 "--years", 12, "--replicates", 2, "--sample", 60, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_report_is_one_self_contained_file(report):
    text = report.read_text()
    assert "<script src=" not in text and "<link" not in text  # nothing loaded from elsewhere
    assert "cdn." not in text.split("</head>")[1]
    assert "By 2040" not in text  # the run ends in 2037: sentences use the last year
    assert "By 2037" in text and "Scenarios side by side" in text


def test_report_plays_offline_in_headless_chromium(report, browser, tmp_path):
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
    assert [u for u in requests if not u.startswith(("file:", "data:", "blob:"))] == []
    assert errors == []
    assert before[0] == 0 and after[0] > 0, "the year slider must move after pressing play"
    assert after[1] != before[1], "farm colours must change as years pass"
    pixels = mpimg.imread(shot)
    assert pixels[..., :3].std() > 0.05, "the screenshot must not be blank"


@pytest.mark.parametrize("suffix", [".gif", ".mp4"])
def test_animation_has_one_frame_per_year(tmp_path, suffix, casim):
    out = tmp_path / f"adoption{suffix}"
    done = casim("animate", SCENARIOS / "baseline.toml", "--farmers", 900, "--years", 7, "--sample", 40, "--out", out)
    assert done.returncode == 0, done.stderr
    if suffix == ".gif":
        from PIL import Image

        assert Image.open(out).n_frames == 8  # the initial year plus 7
    else:
        import imageio_ffmpeg

        assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 8


def test_animation_refuses_other_file_types_before_simulating(tmp_path, casim):
    done = casim("animate", SCENARIOS / "baseline.toml", "--out", tmp_path / "adoption.avi")
    assert done.returncode == 2 and "expected a .gif or .mp4 file name" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "adoption.avi").exists()


def test_stories_hold_the_same_runs_as_run_many_and_record_each_year():
    """A story's replicates are the runs any other workflow makes of the same scenario and seeds (whatever the
    executor); the sampled farms' practices are recorded for the initial year and every simulated year."""
    scenario = sim.load_scenario(SCENARIOS / "baseline.toml")
    story, = tell_stories({"baseline": scenario}, replicates=2, farmers=600, years=4, per_region=20,
                          executor=LocalExecutor(2))
    runs = run_many([RunSpec(scenario, "baseline", scenario.seed + r, 600, 4) for r in range(2)], LocalExecutor(1))
    pd.testing.assert_frame_equal(story.results, runs.drop(columns="scenario"))
    assert list(story.years) == list(range(2025, 2030))
    assert story.categories.shape == (5, len(story.layout.farms))
    assert story.categories.min() >= 0 and story.categories.max() <= 3
