"""The built website in a real browser, with the network blocked.

Uses the site in ``_build/html`` (``make test`` builds it first). Headless Debian Chromium is driven
through the Python ``playwright`` package; the site is served on 127.0.0.1 by a small
``http.server`` thread and every request to any other address is blocked and recorded. For every
page: it loads, no request leaves the site, the math is typeset (``mjx-container``), every widget is
rendered, no live-only control shows, and the browser console has no error; each page is checked
served over http and opened from disk (file://). For every explorer:
moving each slider, choosing another entry of each menu and pressing Play changes the image shown.
Screenshots of each explorer at two slider positions go to ``_build/screenshots/``.

Without a built site or without Chromium the tests skip, saying why; with ``CI=true`` they fail.
A static audit (no ``src``/``href`` to http(s) for scripts, styles, fonts and images) runs on the
HTML and CSS of the site without a browser.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# NWLIB_SITE: test another build of the book (its screenshots go next to it)
SITE = Path(os.environ.get("NWLIB_SITE", ROOT / "_build" / "html")).resolve()
SHOTS = SITE.parent / "screenshots"
CHROMIUM = Path(os.environ.get("NWLIB_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000


def _unavailable(reason: str):
    """Skip with the reason; in CI (CI=true) a missing prerequisite fails the run instead."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser test must run in CI)", pytrace=False)
    pytest.skip(reason)


def _site_pages() -> list[Path]:
    if not (SITE / "index.html").is_file():
        return []
    return sorted(p for p in SITE.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(p.relative_to(SITE).parts))


PAGES = _site_pages()
PAGE_IDS = [p.relative_to(SITE).as_posix() for p in PAGES] or ["(no site)"]


@pytest.fixture(scope="module")
def site() -> Path:
    if not PAGES:
        _unavailable(f"no built site at {SITE}/index.html; build it first with "
                     "`jupyter-book build . --warningiserror --keep-going` (make test does)")
    return SITE


# ------------------------------------------------------------------------------------------
# Static audit: nothing on the site is fetched from the network
# ------------------------------------------------------------------------------------------

# tags whose src is fetched by the page; links whose href is (styles, fonts, icons, scripts)
_SRC_TAG = re.compile(r"<(script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc\s*=\s*[\"']?(https?:)?//",
                      re.IGNORECASE)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_FETCHED_REL = re.compile(r"\brel\s*=\s*[\"']?[^\"'>]*\b(stylesheet|preload|modulepreload|prefetch|icon|"
                          r"manifest)\b", re.IGNORECASE)
_REMOTE_HREF = re.compile(r"\bhref\s*=\s*[\"']?(https?:)?//", re.IGNORECASE)
_CSS_REMOTE = re.compile(r"(@import\s+(url\()?\s*[\"']?|url\(\s*[\"']?)(https?:)?//", re.IGNORECASE)


def _strip_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def test_no_remote_scripts_styles_or_fonts(site):
    offenders = []
    for page in PAGES:
        html = page.read_text(encoding="utf-8", errors="replace")
        rel = page.relative_to(site).as_posix()
        for m in _SRC_TAG.finditer(html):
            offenders.append(f"{rel}: {m.group(0)[:120]}")
        for m in _LINK_TAG.finditer(html):
            tag = m.group(0)
            if _FETCHED_REL.search(tag) and _REMOTE_HREF.search(tag):
                offenders.append(f"{rel}: {tag[:120]}")
        for m in re.finditer(r"<style\b[^>]*>(.*?)</style>", html, re.IGNORECASE | re.DOTALL):
            if _CSS_REMOTE.search(_strip_comments(m.group(1))):
                offenders.append(f"{rel}: a <style> block imports from the network")
    for css in site.rglob("*.css"):
        if _CSS_REMOTE.search(_strip_comments(css.read_text(encoding="utf-8", errors="replace"))):
            offenders.append(f"{css.relative_to(site).as_posix()}: url()/@import to the network")
    assert not offenders, "assets fetched from the network:\n" + "\n".join(offenders)


def test_audit_catches_remote_assets():
    # the audit's patterns, on the kinds of tags a default Jupyter Book build writes
    assert _SRC_TAG.search('<script src="https://cdn.jsdelivr.net/npm/x/embed-amd.js">')
    assert _SRC_TAG.search("<script async src='//unpkg.com/thebe'>")
    assert not _SRC_TAG.search('<script src="../_static/html-manager/embed.js">')
    tag = '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
    assert _FETCHED_REL.search(tag) and _REMOTE_HREF.search(tag)
    assert not _FETCHED_REL.search('<link rel="next" href="https://example.org/next.html">')
    assert _CSS_REMOTE.search("@font-face{src:url(https://example.org/f.woff2)}")
    assert not _CSS_REMOTE.search(_strip_comments("/* @import url('https://x.org/a.css'); */"))


def test_pages_load_the_vendored_widget_manager_and_mathjax(site):
    pages = [p for p in PAGES if "application/vnd.jupyter.widget-view+json" in p.read_text("utf-8")]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert re.search(r"<script[^>]*src=\"[^\"]*_static/html-manager/embed\.js", html), page
        assert "thebe.js" not in html and "THEBE_JS_URL" not in html, page
    for page in PAGES:
        html = page.read_text(encoding="utf-8")
        if 'class="math' in html:
            assert re.search(r"<script[^>]*src=\"[^\"]*_static/mathjax/tex-chtml\.js", html), page
    assert (site / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_embedded_widget_state_is_light(site):
    """The widget state a page embeds (precomputed frames included) stays under 3 MB per explorer."""
    budget = 3_000_000
    for page in PAGES:
        html = page.read_text(encoding="utf-8")
        views = html.count("application/vnd.jupyter.widget-view+json")
        state = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">(.*?)</script>',
                          html, re.DOTALL)
        if not views:
            continue
        assert state, f"{page.name}: widget views but no embedded state (was the notebook executed?)"
        size = len(state.group(1).encode("utf-8"))
        assert size / views < budget, f"{page.name}: {size / 1e6:.2f} MB of state for {views} explorer(s)"


# ------------------------------------------------------------------------------------------
# In the browser
# ------------------------------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def server(site):
    shutil.rmtree(SHOTS, ignore_errors=True)  # screenshots of this run only
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(server):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install -r requirements.txt)")
    if not CHROMIUM.is_file():
        _unavailable(f"no Chromium at {CHROMIUM}; install Debian's (apt-get install chromium) or set "
                     "NWLIB_CHROMIUM to a Chromium binary")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _Session:
    """One page in a fresh context: requests off the site blocked, console errors recorded."""

    def __init__(self, browser, origin: str):
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 1000},
                                           service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        self.page.on("requestfailed", self._failed)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text} @ {msg.location.get('url', '')}")

    def _failed(self, request):
        if request.url.startswith(self.origin + "/"):
            self.errors.append(f"failed request: {request.url} ({request.failure})")

    def close(self):
        self.context.close()


@pytest.fixture(params=["http", "file"])
def session(request, browser, server, site):
    """The site served on 127.0.0.1, and opened straight from disk (file://) as a reader might."""
    origin = server if request.param == "http" else site.as_uri()
    s = _Session(browser, origin)
    s.mode = request.param
    yield s
    s.close()


def _wait_for_math(page):
    # MathJax 3 typesets after its startup; wait for that promise, then count
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    return page.evaluate("""() => ({
        formulas: document.querySelectorAll('.math').length,
        typeset: document.querySelectorAll('mjx-container').length,
        raw: Array.from(document.querySelectorAll('.math'))
                  .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 60))
    })""")


def _shot(locator) -> bytes:
    return locator.screenshot(animations="disabled")


def _changes(page, display, before: bytes, what: str, timeout_ms: int = 5000) -> bytes:
    """Poll until the image shown differs from ``before``; fail with ``what`` if it never does."""
    waited = 0
    while waited <= timeout_ms:
        after = _shot(display)
        if after != before:
            return after
        page.wait_for_timeout(250)
        waited += 250
    pytest.fail(f"{what} did not change the image shown")


def _drag_slider(page, slider, fraction: float) -> None:
    """Drag a noUiSlider handle to ``fraction`` of its track, as a reader would with the mouse."""
    track = slider.locator(".noUi-target").first
    handle = slider.locator(".noUi-handle").first
    # mouse coordinates are the viewport's: bring the slider to the middle of it first
    track.evaluate("el => el.scrollIntoView({block: 'center'})")
    box, hbox = track.bounding_box(), handle.bounding_box()
    page.mouse.move(hbox["x"] + hbox["width"] / 2, hbox["y"] + hbox["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2, steps=8)
    page.mouse.up()


def _readout(slider) -> str:
    loc = slider.locator(".widget-readout")
    return loc.first.inner_text().strip() if loc.count() else ""


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "x"


@pytest.mark.parametrize("page_path", PAGE_IDS)
def test_page_offline(session, site, page_path):
    page = session.page
    html = (site / page_path).read_text(encoding="utf-8")
    page.goto(f"{session.origin}/{page_path}", wait_until="load")
    has_math = 'class="math' in html
    views = html.count("application/vnd.jupyter.widget-view+json")

    if has_math:
        math = _wait_for_math(page)
        assert math["typeset"] >= math["formulas"] > 0, f"math left untypeset: {math['raw'][:5]}"
    # solutions are hidden until a reader opens them: open each, as a reader would, so that the
    # explorers inside them are visible (and shown to work) too
    for toggle in page.locator(".dropdown button.toggle-button").all():
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
    if views:
        page.wait_for_function(f"() => document.querySelectorAll('.nwlib-explorer').length >= {views}"
                               " || document.body.innerText.includes('Error displaying widget')")
        assert "Error displaying widget" not in page.inner_text("body")
        explorers = page.locator(".nwlib-explorer")
        assert explorers.count() == views, "every widget output should be an nwlib explorer"
        for i in range(views):
            ex = explorers.nth(i)
            ex.locator(".nwlib-display img").first.wait_for(state="visible")
            # the live layer needs Python: a static page must not show it
            assert not ex.locator(".nwlib-live").first.is_visible(), f"explorer {i} shows live controls"
            _exercise_controls(page, ex, f"{Path(page_path).stem}-explorer{i}",
                               screenshots=session.mode == "http")

    page.wait_for_timeout(300)  # late console messages
    assert not session.blocked, f"requests left the site: {session.blocked}"
    assert not session.errors, "browser console errors:\n" + "\n".join(session.errors)


def _exercise_controls(page, explorer, name: str, *, screenshots: bool) -> None:
    """Every control of the precomputed layer must change the image shown."""
    display = explorer.locator(".nwlib-display").first
    static = explorer.locator(".nwlib-static").first
    img = display.locator("img").first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())

    plays = static.locator(".widget-play")
    if plays.count():
        before = _shot(display)
        plays.first.locator("button").first.click()  # the first button is "play"
        _changes(page, display, before, f"{name}: the Play button", timeout_ms=8000)
        plays.first.locator("button").nth(1).click()  # stop
        for button in plays.first.locator("button").all():
            # one icon per button, also after play ↔ pause (FontAwesome's SVG swap doubled it)
            assert button.locator("svg").count() <= 1, \
                f"{name}: Play button icons doubled: {button.inner_html()[:200]}"

    sliders = static.locator(".widget-slider")
    assert sliders.count() >= 1, f"{name}: no slider"
    for k in range(sliders.count()):
        slider = sliders.nth(k)
        for fraction in (0.15, 0.85):
            before = _shot(display)
            _drag_slider(page, slider, fraction)
            after = _changes(page, display, before, f"{name}: slider {k} moved to {fraction:.0%}")
            if k == 0 and screenshots:
                SHOTS.mkdir(parents=True, exist_ok=True)
                out = SHOTS / f"{name}-slider{k}-{_safe(_readout(slider))}.png"
                out.write_bytes(_shot(explorer))

    menus = static.locator("select")
    for k in range(menus.count()):
        menu = menus.nth(k)
        options = menu.locator("option")
        current = menu.evaluate("s => s.selectedIndex")
        for idx in range(options.count()):
            if idx == current:
                continue
            before = _shot(display)
            menu.select_option(index=idx)
            _changes(page, display, before, f"{name}: menu {k} option {idx}")
        menu.select_option(index=current)

    toggles = static.locator(".widget-toggle-buttons button")
    for k in range(toggles.count()):
        button = toggles.nth(k)
        if "mod-active" in (button.get_attribute("class") or ""):
            continue
        before = _shot(display)
        button.click()
        _changes(page, display, before, f"{name}: width button {k}")
