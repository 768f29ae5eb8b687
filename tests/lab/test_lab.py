"""`make lab` serves the chapters in JupyterLab, with the book's MyST markup rendered as on the site.

The test runs the README's command (`make lab`, as the user running the tests, root included) on a
free port, opens notebooks in headless Chromium and reads the rendered Markdown cells: no MyST
directive or role may show as raw text (jupyterlab-myst renders them).
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
TOKEN = "nwlib-lab-test"
# what a notebook shows when MyST is not rendered: a directive's fence or a role's name
RAW_MYST = re.compile(r"\{(exercise|solution-start|solution-end|solution|doc|numref|ref|math|download|"
                      r"admonition|note|figure)\}")
NOTEBOOKS = ["attention_pooling.ipynb", "exercise_1.ipynb"]


def _need(condition: bool, why: str):
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(why + " (CI must have it)")
        pytest.skip(why)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    _need(Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.token={TOKEN} "
            "--ServerApp.port_retries=0 --LabApp.news_url=None --LabApp.check_for_updates_class="
            "jupyterlab.NeverCheckForUpdate")
    settings = tmp_path_factory.mktemp("lab-settings")
    # render every cell at once (Lab's default draws only the cells in view)
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    env.update(JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path_factory.mktemp("lab-workspaces")))
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={args}"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if proc.poll() is not None:
                pytest.fail("make lab stopped:\n" + proc.stdout.read()[-3000:])
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within 60 s")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_lab_opens_the_notebook_with_myst_rendered(lab, browser, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{lab}/lab/workspaces/{name.removesuffix('.ipynb')}/tree/{name}?reset&token={TOKEN}",
              timeout=90_000)
    cells = page.locator(".jp-MarkdownCell .jp-RenderedMarkdown, .jp-MarkdownCell .myst")
    cells.first.wait_for(timeout=90_000)
    page.wait_for_timeout(2000)  # let the remaining cells render
    text = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").inner_text()
    assert "Exercise" in text or "Attention" in text, text[:500]
    raw = sorted(set(RAW_MYST.findall(text))) + (["```"] if "```" in text else [])
    assert not raw, f"{name}: MyST shown as raw text in JupyterLab: {raw}"
    page.close()
