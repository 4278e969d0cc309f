"""The live dashboard end to end: served on 127.0.0.1, driven in headless Chromium, stopped afterwards."""

import io
import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from conftest import CASIM, ROOT

#: Seconds the server may take to answer its first request (solara start-up and the first model) ...
START_TIMEOUT_S = 90
#: ... and to stop listening after SIGTERM before it is killed.
STOP_TIMEOUT_S = 15


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard():
    """The dashboard of the per-hectare payment scenario (USD 30/ha for no-till and cover crops, no carbon price)."""
    port = free_port()
    process = subprocess.Popen([CASIM, "dashboard", str(ROOT / "scenarios" / "per_ha_payment.toml"), "--port", str(port)],
                               cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError("the dashboard did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the casim command and the solara server it started
        deadline = time.time() + STOP_TIMEOUT_S
        while listening(port) and time.time() < deadline:
            time.sleep(0.2)
        if listening(port):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    time.sleep(0.5)
    assert not listening(port), "the dashboard server must be stopped"


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


CHARTS = ".casim-main img"
#: Views (network, map) and charts (adoption, soil carbon, income) on the page.
FIGURES = 5


def visible_figures(page) -> list[str]:
    """The figures' sources, after checking each lies inside the viewport, uncovered, and is not blank."""
    import numpy as np
    from PIL import Image

    width, height = page.viewport_size["width"], page.viewport_size["height"]
    boxes = page.evaluate("""(sel) => Array.from(document.querySelectorAll(sel)).map(img => {
        const r = img.getBoundingClientRect();
        const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return [r.x, r.y, r.width, r.height, top === img]; })""", CHARTS)
    assert len(boxes) == FIGURES
    shot = Image.open(io.BytesIO(page.screenshot())).convert("L")
    for x, y, w, h, on_top in boxes:
        assert w > 150 and h > 100, "a chart large enough to read"
        assert x >= 0 and y >= 0 and x + w <= width + 1 and y + h <= height + 1, f"chart outside {width}x{height}"
        assert on_top, "nothing covers the chart"
        pixels = np.asarray(shot.crop((int(x), int(y), int(x + w), int(y + h))), dtype=float)
        assert pixels.std() > 10, "the chart is drawn, not blank"
    return [img.get_attribute("src") for img in page.locator(CHARTS).all()]


def test_dashboard_shows_its_charts_on_a_laptop_and_a_projector_and_they_follow_the_levers(browser, dashboard):
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    page.goto(dashboard)
    page.wait_for_selector(".casim-levers", timeout=90_000)
    page.wait_for_function(f"() => document.querySelectorAll('{CHARTS}').length >= {FIGURES}", timeout=60_000)
    page.wait_for_timeout(500)
    levers = page.locator(".casim-levers")
    assert "Year 2025" in levers.inner_text() and "carbon price 0" in levers.inner_text()
    payment = page.locator(".casim-lever", has_text="Payment for no-till")
    assert "30" in payment.inner_text(), "the levers start at the scenario's own settings"
    assert page.locator(".casim-lever", has_text="Years a practice is paid for").inner_text().strip().endswith("10")
    before = visible_figures(page)
    price = page.locator(".casim-lever", has_text="Carbon price")
    price.get_by_role("slider").focus()
    page.keyboard.press("End")  # carbon price to its maximum
    page.wait_for_function("() => document.querySelector('.casim-levers').textContent.includes('carbon price 200')",
                           timeout=30_000)
    assert "200" in price.inner_text(), "the slider's value is shown beside its label"
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
        page.wait_for_timeout(1000)
    page.wait_for_function("() => document.querySelector('.casim-levers').textContent.includes('Year 2028')",
                           timeout=30_000)
    page.wait_for_timeout(1000)
    after = visible_figures(page)
    assert all(a != b for a, b in zip(before, after, strict=True)), "every view and chart changes as the model steps"
    page.get_by_role("button", name="Hide controls").click()
    page.wait_for_function("() => !document.querySelector('.casim-panel')", timeout=10_000)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(1000)
    visible_figures(page)
