"""The built website in a real browser, with the network blocked: every page works offline.

The site in ``_build/html`` is served on 127.0.0.1 by a small ``http.server`` thread (see
``conftest.py``); every request to any other address is blocked and recorded. For every page: it
loads, no request leaves the site, the math arrives typeset (``mjx-container``, no MathJax script),
every widget is rendered,
no live-only control shows, and the browser console has no error; each page is checked served over
http and opened from disk (file://). For every explorer: moving each slider, choosing another entry
of each menu, pressing each width button and pressing Play changes the image shown. Screenshots of
each explorer at two slider positions go to ``_build/screenshots/``.

Without a built site or without Chromium the tests skip, saying why; with ``CI=true`` they fail.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sitekit import PAGE_IDS, SHOTS, Session, open_solutions, wait_for_widgets

# ------------------------------------------------------------------------------------------
# In the browser
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module", autouse=True)
def _fresh_screenshots():
    shutil.rmtree(SHOTS, ignore_errors=True)  # screenshots of this run only


@pytest.fixture(params=["http", "file"])
def session(request, browser, server, site):
    """The site served on 127.0.0.1, and opened straight from disk (file://) as a reader might."""
    origin = server if request.param == "http" else site.as_uri()
    s = Session(browser, origin)
    s.mode = request.param
    yield s
    s.close()


def _math(page):
    # typeset when the book was built: nothing to wait for, and no MathJax in the page
    return page.evaluate("""() => ({
        mathjax: typeof window.MathJax !== "undefined",
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
        math = _math(page)
        assert math["typeset"] >= math["formulas"] > 0, f"math left untypeset: {math['raw'][:5]}"
        assert not math["mathjax"], "the page loads MathJax, though its math is typeset at build time"
    # solutions are hidden until a reader opens them: open each, as a reader would, so that the
    # explorers inside them are visible (and shown to work) too
    open_solutions(page)
    if views:
        wait_for_widgets(page, views)
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
    # frames load when they come near the screen (lazy), as the reader scrolls to them
    explorer.scroll_into_view_if_needed()
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
            _changes(page, display, before, f"{name}: slider {k} moved to {fraction:.0%}")
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
