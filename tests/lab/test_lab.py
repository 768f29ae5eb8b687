"""`make lab` serves the chapters in JupyterLab, with the book's MyST markup rendered as on the site.

The tests run the README's command (`make lab`, as the user running the tests, root included) on
a free port, open every notebook of chapters/ in headless Chromium and read them as a reader
does: no MyST directive or role shows as raw text and no reference is unresolved, a solution is
closed until one click, every figure has its caption, the checks' code is hidden, only tagged
equations are numbered, once; a notebook only read is saved as committed; and a live explorer
given 20 quick changes draws the last one, with a few redraws only. (tools/notebook_markup.py
writes the markup that makes this so.) Lab runs with autosave off, and the one test that saves
puts the file back: the tests leave the checkout as they found it.
"""
from __future__ import annotations

import json
import math
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
NOTEBOOKS = sorted(p.name for p in (REPO / "chapters").glob("*.ipynb"))
EXERCISES = [name for name in NOTEBOOKS if "solution-start" in (REPO / "chapters" / name).read_text()]
UNRESOLVED = "Cross reference target was not found"


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
    # the tests only read: nothing may be written into the checkout
    docmanager = settings / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings"
    docmanager.parent.mkdir(parents=True)
    docmanager.write_text('{"autosave": false}')
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


def _cells(name: str) -> list[dict]:
    return json.loads((REPO / "chapters" / name).read_text(encoding="utf-8"))["cells"]


class Opened:
    """A notebook open in Lab, every cell rendered, with the console messages it logged."""

    def __init__(self, page, name: str, messages: list[str]):
        self.page, self.name, self.messages = page, name, messages
        self.notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        self.cells = self.notebook.locator(".jp-Cell")


def _open(lab, browser, name: str, wait_ms: int = 3000) -> Opened:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(f"{lab}/lab/workspaces/{name.removesuffix('.ipynb')}/tree/{name}?reset&token={TOKEN}",
              timeout=90_000)
    opened = Opened(page, name, messages)
    opened.notebook.locator(".jp-MarkdownCell .jp-RenderedMarkdown, .jp-MarkdownCell .myst"
                            ).first.wait_for(timeout=90_000)
    page.wait_for_timeout(wait_ms)  # let the remaining cells render
    assert opened.cells.count() == len(_cells(name)), "Lab shows every cell (windowing off)"
    return opened


@pytest.fixture(scope="module")
def opened(lab, browser):
    pages: dict[str, Opened] = {}

    def get(name: str) -> Opened:
        if name not in pages:
            pages[name] = _open(lab, browser, name)
        return pages[name]

    yield get
    for o in pages.values():
        o.page.close()


def _expand_solutions(o: Opened) -> None:
    buttons = o.notebook.locator(".jp-showHiddenCellsButton")
    while buttons.count():
        buttons.first.click()
        o.page.wait_for_timeout(500)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_lab_opens_the_notebook_with_myst_rendered(opened, name):
    o = opened(name)
    text = o.notebook.inner_text()
    assert "Exercise" in text or "Attention" in text, text[:500]
    raw = sorted(set(RAW_MYST.findall(text))) + (["```"] if "```" in text else [])
    assert not raw, f"{name}: MyST shown as raw text in JupyterLab: {raw}"


@pytest.mark.parametrize("name", EXERCISES)
def test_a_solution_is_closed_until_one_click(opened, name):
    o = opened(name)
    answer = o.notebook.locator(".jp-MarkdownCell", has_text="Answer").last
    assert not answer.is_visible(), f"{name}: the solution shows before the reader opens it"
    buttons = o.notebook.locator(".jp-showHiddenCellsButton")
    assert buttons.count() == 1, f"{name}: one closed solution to open"
    buttons.first.click()
    answer.wait_for(state="visible", timeout=10_000)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_reference_resolves_and_links_open_in_lab(opened, name):
    o = opened(name)
    _expand_solutions(o)
    unresolved = [m for m in o.messages if UNRESOLVED in m]
    assert not unresolved, f"{name}: {unresolved}"
    text = o.notebook.inner_text()
    assert not RAW_MYST.findall(text)
    # figure references read as the site numbers them ("Fig. 12"), and point at the figure
    refs = o.notebook.locator(".jp-MarkdownCell a[href^='#fig-']").evaluate_all(
        "links => links.filter(a => !a.closest('figcaption'))"
        ".map(a => [a.innerText.trim(), a.getAttribute('href').slice(1)])")
    for label, target in refs:
        assert re.fullmatch(r"Fig\. \d+", label), f"{name}: reference shown as {label!r}"
        assert o.notebook.locator(f"figure#{target}").count() == 1, target
    # links to pages are links to the files, which Lab opens (a {doc} role gave a 404)
    for href in o.notebook.locator(".jp-MarkdownCell a[href]").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"):
        if not href.startswith(("#", "http://127.0.0.1")):
            continue
        path = href.split("/files/")[-1].split("?")[0] if "/files/" in href else None
        if path:
            assert (REPO / "chapters" / path).is_file(), f"{name}: link to a missing file {href}"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_figure_shows_its_caption(opened, name):
    o = opened(name)
    _expand_solutions(o)
    figures = [c["metadata"]["mystnb"]["figure"] for c in _cells(name)
               if c["cell_type"] == "code" and c.get("metadata", {}).get("mystnb", {}).get("figure")]
    for figure in figures:
        shown = o.notebook.locator(f"figure#{figure['name']} figcaption")
        assert shown.count() == 1, f"{name}: no caption shown for {figure['name']}"
        assert shown.first.is_visible()
        words = re.findall(r"[A-Za-z]{4,}", re.sub(r"\$[^$]*\$|`[^`]*`", " ", figure["caption"]))[:3]
        assert all(w in shown.first.inner_text() for w in words), (figure["name"], words)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_check_sources_are_hidden_in_lab(opened, name):
    o = opened(name)
    _expand_solutions(o)
    for index, cell in enumerate(_cells(name)):
        if cell["cell_type"] != "code":
            continue
        hidden = "hide-input" in cell.get("metadata", {}).get("tags", [])
        editor = o.cells.nth(index).locator(".jp-InputArea-editor")
        first_line = "".join(cell["source"]).splitlines()[0]
        assert editor.is_visible() != hidden, f"{name}: cell {index} ({first_line!r}) " + (
            "shows its source in Lab" if hidden else "hides its source")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_only_tagged_equations_are_numbered_once(opened, name):
    o = opened(name)
    _expand_solutions(o)
    # each display equation: the numbers it shows, beside the formula or inside it (\tag)
    shown = o.notebook.locator(".jp-MarkdownCell .katex-display").evaluate_all("""displays =>
        displays.map(d => {
          const box = d.closest('div.flex') || d.parentElement;
          const copy = box.cloneNode(true);
          copy.querySelectorAll('.katex-mathml').forEach(e => e.remove());
          return [d.querySelectorAll('.tag').length, copy.textContent];
        })""")
    assert shown, f"{name}: no display equation rendered"
    for tags, text in shown:
        numbers = re.findall(r"\(\d+(?:\.\d+)*\)", text)
        assert len(numbers) == tags, f"{name}: an equation with {tags} tag(s) shows {numbers}"


@pytest.mark.parametrize("name", EXERCISES[:1])
def test_a_notebook_only_read_is_saved_as_committed(lab, browser, name):
    """Lab marks a notebook modified once its kernel starts, and opening the solution changes
    its metadata; saved (as autosave would), the file must stay as git has it."""
    path = REPO / "chapters" / name
    before = path.read_bytes()
    o = _open(lab, browser, name)
    try:
        _expand_solutions(o)
        o.page.wait_for_selector(".jp-mod-dirty", timeout=60_000)  # the kernel's metadata
        o.page.keyboard.press("Control+s")
        o.page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')",
                                 timeout=30_000)
        o.page.wait_for_timeout(1000)
        assert path.read_bytes() == before, f"{name}: saving a notebook only read changed it"
    finally:
        o.page.close()
        path.write_bytes(before)


@pytest.fixture(scope="module")
def explorer_page(lab, browser):
    """The chapter's query explorer, run live: its notebook's set-up cell, then the explorer."""
    name = "attention_pooling.ipynb"
    cells = _cells(name)
    setup = next(i for i, c in enumerate(cells) if c["cell_type"] == "code")
    explorer = next(i for i, c in enumerate(cells) if "query_explorer()" in "".join(c["source"]))
    o = _open(lab, browser, name)
    for index in (setup, explorer):
        o.cells.nth(index).locator(".jp-InputPrompt").click()
        o.page.keyboard.press("Shift+Enter")
    widget = o.cells.nth(explorer).locator(".nwlib-explorer")
    widget.locator(".nwlib-live").wait_for(state="visible", timeout=120_000)
    yield o, widget
    o.page.close()


COUNT_REDRAWS = (  # one line, so that Lab's editor adds no indentation
    'exec("from nwlib.widgets._frames import Explorer\\n'
    'if not hasattr(Explorer, \'redraws\'):\\n'
    '    def counted(self, update=Explorer.update):\\n'
    '        Explorer.redraws += 1\\n'
    '        return update(self)\\n'
    '    Explorer.redraws, Explorer.update = 0, counted\\n'
    '    def requested(self, request=Explorer._request):\\n'
    '        Explorer.changes += 1\\n'
    '        return request(self)\\n'
    '    Explorer.changes, Explorer._request = 0, requested\\n'
    'print(\'changes\', Explorer.changes, \'redraws\', Explorer.redraws)")')


def _redraws(o: Opened, below: int) -> tuple[int, int]:
    """The changes that reached the kernel and the live images it has drawn since the first call,
    asked in a new cell (never saved): the explorers' ``_request`` and ``update`` are wrapped to
    count their calls."""
    o.cells.nth(below).locator(".jp-InputPrompt").click()
    o.page.keyboard.press("Escape")
    o.page.keyboard.press("b")
    o.page.keyboard.press("Enter")  # edit mode: the keys go into the cell
    o.page.keyboard.type(COUNT_REDRAWS)
    o.page.keyboard.press("Shift+Enter")
    out = o.cells.nth(below + 1).locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']",
        has_text=re.compile(r"redraws \d+"))
    out.wait_for(timeout=60_000)
    words = out.inner_text().split()
    return int(words[1]), int(words[3])


def test_live_explorer_draws_the_last_of_20_quick_changes_with_few_redraws(explorer_page):
    o, widget = explorer_page
    live_img = widget.locator(".nwlib-display img")
    status = widget.locator(".nwlib-live .widget-html-content")
    # leave the book's data: from now on every change needs a redraw in Python
    widget.locator(".nwlib-live select").select_option("boxcar")
    o.page.wait_for_function("s => s.textContent.includes('updated')", arg=status.element_handle(),
                             timeout=60_000)
    # and the most points the live slider offers: a redraw takes longer than a key press
    widget.locator(".nwlib-live .widget-slider .noUi-handle").first.focus()
    o.page.keyboard.press("End")
    o.page.wait_for_function("s => s.textContent.includes('redrawing')",
                             arg=status.element_handle(), timeout=60_000)
    o.page.wait_for_function("s => s.textContent.includes('updated')", arg=status.element_handle(),
                             timeout=60_000)
    widget.evaluate("""w => {
        window.__redraws = 0; window.__busy = 0;
        new MutationObserver(ms => { window.__redraws += ms.length; })
          .observe(w.querySelector('.nwlib-display'),
                   {attributes: true, attributeFilter: ['src'], subtree: true});
        new MutationObserver(() => {
            if (w.querySelector('.nwlib-live').textContent.includes('redrawing')) window.__busy++;
        }).observe(w.querySelector('.nwlib-live'), {childList: true, subtree: true,
                                                     characterData: true});
    }""")
    handle = widget.locator(".nwlib-static .widget-slider .noUi-handle").first
    explorer_cell = next(i for i, c in enumerate(_cells(o.name))
                         if "query_explorer()" in "".join(c["source"]))
    changes_before, before = _redraws(o, explorer_cell)
    handle.focus()
    start = time.perf_counter()
    times = []
    for key in ["ArrowRight"] * 12 + ["ArrowLeft"] * 8:  # 20 changes, ending inside the range
        o.page.keyboard.press(key)
        times.append(time.perf_counter())
    pressed = time.perf_counter() - start
    # the value the slider shows once the keys are handled (ipywidgets' echo of a change can
    # move it back a step or two on a loaded machine: that is the front end's, not drawn here)
    readout = widget.locator(".nwlib-static .widget-readout").first
    o.page.wait_for_timeout(500)
    last = f"{float(readout.inner_text()):.2f}"
    o.page.wait_for_function(
        "([w, q]) => w.querySelector('.nwlib-live').textContent.includes('updated') && "
        "[...w.querySelectorAll('.nwlib-display img')].some(i => i.offsetParent && "
        "(i.title || '').includes('q = ' + q))",
        arg=[widget.element_handle(), last], timeout=120_000)
    settled = time.perf_counter() - start
    o.page.wait_for_timeout(3000)  # nothing stale may arrive after the last value
    moved = f"{float(readout.inner_text()):.2f}"
    if moved != last:  # the front end moved the slider (see above): the image must follow it
        print(f"the slider moved from {last} to {moved} after the last key")
        last = moved
        o.page.wait_for_timeout(3000)
    images = o.page.evaluate("window.__redraws")
    changes, redraws = (a - b for a, b in zip(_redraws(o, explorer_cell), (changes_before, before)))
    shown = [t for t in live_img.evaluate_all("imgs => imgs.filter(i => i.offsetParent)"
                                              ".map(i => i.title || i.alt)")]
    assert any(f"q = {float(last):.2f}" in t for t in shown), (last, shown)
    print(f"20 changes pressed in {pressed:.2f} s; the last value shown after {settled:.2f} s, "
          f"{changes} changes reached the kernel, {redraws} redraws ({images} new images in the page); "
          f"{status.inner_text()}")
    # The design's bound: one redraw per pause of COALESCE_S between key presses (a loaded machine
    # makes some), one per MAX_WAIT_S of pressing, the last value, and one for a front-end echo.
    from nwlib.widgets._frames import Explorer
    pauses = sum(b - a >= Explorer.COALESCE_S for a, b in zip(times, times[1:]))
    bound = pauses + math.ceil(pressed / Explorer.MAX_WAIT_S) + 2
    print(f"{pauses} pauses of {Explorer.COALESCE_S} s between presses: at most {bound} redraws")
    assert 1 <= redraws <= min(bound, 10), (f"{redraws} redraws for 20 key presses, {changes} changes in the "
                                            f"kernel (bound {bound})")
    assert o.page.evaluate("window.__busy") >= 1, "no sign that a redraw was under way"
