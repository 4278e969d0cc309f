"""The live dashboard end to end: served on 127.0.0.1, driven in headless Chromium, stopped afterwards."""

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
    port = free_port()
    process = subprocess.Popen([CASIM, "dashboard", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
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


def test_slider_changes_the_model_and_steps_update_the_charts(browser, dashboard):
    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    page.goto(dashboard)
    page.wait_for_selector("text=Carbon price (per t CO2e)", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('img').length >= 4", timeout=60_000)
    levers = page.locator(".casim-levers")
    assert "carbon price 35" in levers.inner_text()
    charts = lambda: [img.get_attribute("src") for img in page.locator("img").all()]  # noqa: E731
    slider = page.get_by_role("slider").first
    slider.focus()
    page.keyboard.press("End")  # carbon price to its maximum
    page.wait_for_function("() => document.querySelector('.casim-levers').textContent.includes('carbon price 150')",
                           timeout=30_000)
    before = charts()
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
        page.wait_for_timeout(1200)
    page.wait_for_function("() => document.querySelector('.casim-levers').textContent.includes('Year 2028')",
                           timeout=30_000)
    after = charts()
    assert len(before) == len(after) >= 4
    assert all(a != b for a, b in zip(before, after, strict=True)), "every chart must change as the model steps"
