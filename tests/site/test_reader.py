"""The site as readers meet it: on a 390 px phone, by keyboard and screen reader, without JavaScript.

* Phone (390 × 844, touch): the table-of-contents and "on this page" buttons open their panels;
  a tap on the middle of a solution's title bar opens the solution (and jumps nowhere); no page
  scrolls sideways, with its solutions open and its widgets drawn; slider handles fit a thumb;
  a closed solution is not laid out, an opened one shows.
* axe-core (``node_modules/axe-core``, ``npm ci``) finds no violation, of any impact, on any page,
  solutions open, in light and in dark mode.
* Widgets: each frame shown has alt text; each slider announces its label and value (its readout,
  not the option index); toggle buttons expose which one is pressed; Play's buttons have names.
* Keyboard: Tab reaches the chapter's first slider within a handful of stops (formulas are not stops).
* JavaScript off: each explorer shows its default frame as an image with alt text.
* A code block's copy button copies its code; search snippets show formulas as text, not TeX.
* Slow links: the widget manager is not fetched with the page, only once the reader moves; every
  icon the page shows (theme and widgets) has its glyph in the cut-down icon fonts.
Every check also records requests that leave the site (blocked) and console errors.
"""
from __future__ import annotations

import pytest
from sitekit import CONTENT_IDS, DESKTOP, PHONE, has_widgets, open_solutions, page_html, wait_for_widgets

WIDGET_IDS = [p for p in CONTENT_IDS if p != "(no site)" and has_widgets(p)] or ["(no widgets)"]
SOLUTION_IDS = [p for p in CONTENT_IDS if p != "(no site)" and "solution dropdown" in page_html(p)] \
    or ["(no solutions)"]
# a handful of key presses from the top of the chapter to its first slider
MAX_KEYS_TO_FIRST_SLIDER = 6


def _ready(page, page_id: str) -> None:
    """Solutions open, widgets drawn: the page as a reader has it in full (math comes typeset)."""
    html = page_html(page_id)
    open_solutions(page)
    views = html.count("application/vnd.jupyter.widget-view+json")
    if views:
        wait_for_widgets(page, views)
    page.wait_for_timeout(300)


def _chapter_with_widgets() -> str:
    """The chapter (or else the first page with widgets); skips when no page has widgets."""
    if WIDGET_IDS == ["(no widgets)"]:
        pytest.skip("no page has widgets")
    return next((p for p in WIDGET_IDS if "attention_pooling" in p), WIDGET_IDS[0])


def _clean(session) -> None:
    assert not session.blocked, f"requests left the site: {session.blocked}"
    assert not session.errors, "browser console errors:\n" + "\n".join(session.errors)


def _tap(page, locator) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box, "nothing to tap"
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


# ---------------------------------------------------------------------------------------------
# Phone
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("toggle,dialog", [("primary-toggle", "pst-primary-sidebar-modal"),
                                           ("secondary-toggle", "pst-secondary-sidebar-modal")])
def test_phone_panels_open(open_session, site, toggle, dialog):
    session = open_session(**PHONE)
    page = session.goto(CONTENT_IDS[0])
    buttons = page.locator(f"button.{toggle}")
    assert buttons.count() == 1, f"expected one .{toggle} button, found {buttons.count()}"
    assert buttons.first.is_visible(), f"the .{toggle} button is not shown on a phone"
    _tap(page, buttons.first)
    panel = page.locator(f"#{dialog}")
    page.wait_for_function(f"() => document.getElementById('{dialog}').open", timeout=5000)
    links = panel.locator("a")
    assert links.count() > 0 and links.first.is_visible(), "the panel opened empty"
    page.keyboard.press("Escape")
    page.wait_for_function(f"() => !document.getElementById('{dialog}').open", timeout=5000)
    _clean(session)


def test_phone_has_one_header_bar(open_session, site):
    session = open_session(**PHONE)
    page = session.goto(CONTENT_IDS[0])
    header = page.locator("#pst-header")
    assert not header.is_visible() and header.locator("button").count() == 0, \
        "the near-empty site header bar is back"
    assert page.locator(".bd-header-article").first.is_visible()


@pytest.mark.parametrize("page_id", SOLUTION_IDS)
def test_phone_solution_opens_on_tap(open_session, site, page_id):
    if page_id == "(no solutions)":
        pytest.skip("no page has a solution")
    session = open_session(**PHONE)
    page = session.goto(page_id)
    solution = page.locator(".solution.dropdown").first
    title = solution.locator(".admonition-title").first
    assert "toggle-hidden" in (solution.get_attribute("class") or ""), "the solution starts open"
    url = page.url
    _tap(page, title)  # the middle of the bar: the "Exercise N" link
    page.wait_for_function("el => !el.classList.contains('toggle-hidden')", arg=solution.element_handle(),
                           timeout=5000)
    assert solution.locator("section, p").nth(1).is_visible()
    assert page.url == url, "tapping the title bar navigated away"
    _tap(page, title)
    page.wait_for_function("el => el.classList.contains('toggle-hidden')", arg=solution.element_handle(),
                           timeout=5000)
    _clean(session)


@pytest.mark.parametrize("page_id", CONTENT_IDS)
def test_phone_no_sideways_scroll(open_session, site, page_id):
    session = open_session(**PHONE)
    page = session.goto(page_id)
    _ready(page, page_id)
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        culprits = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
        pytest.fail(f"{page_id} scrolls sideways at 390 px ({width[0]} > {width[1]}): {culprits}")
    # a display equation wider than the column scrolls inside its box, from its left end: nothing of
    # it lies left of the box, where no scrolling reaches
    cut = page.evaluate("""() => Array.from(document.querySelectorAll('div.math mjx-container'))
        .filter(m => m.getBoundingClientRect().left < m.parentElement.getBoundingClientRect().left - 1)
        .map(m => m.textContent.slice(0, 40))""")
    assert not cut, f"{page_id}: display equations cut off on the left at 390 px: {cut}"
    _clean(session)


def test_phone_slider_handles_fit_a_thumb(open_session, site):
    # WCAG 2.2 target size: 24 x 24 CSS px at least (ipywidgets draws 16 px; nwlib-site.css, on
    # touch screens, 28 px)
    page_id = _chapter_with_widgets()
    session = open_session(**PHONE)
    page = session.goto(page_id)
    _ready(page, page_id)
    sizes = page.evaluate("""() => Array.from(document.querySelectorAll('.widget-slider .noUi-handle'))
        .map(h => h.getBoundingClientRect()).filter(r => r.width > 0).map(r => [r.width, r.height])""")
    assert sizes, f"{page_id}: no slider shown"
    small = [s for s in sizes if min(s) < 24]
    assert not small, f"{page_id}: slider handles smaller than 24 px on a phone: {small}"
    _clean(session)


# ---------------------------------------------------------------------------------------------
# axe-core
# ---------------------------------------------------------------------------------------------

def _axe(page, axe_source: str, rules: list[str] | None = None) -> list[dict]:
    """Every violation, of any impact (critical, serious, moderate, minor)."""
    page.add_script_tag(content=axe_source)
    options = {"runOnly": {"type": "rule", "values": rules}} if rules else {}
    result = page.evaluate("async opts => await axe.run(document, opts)", options)
    return result["violations"]


def _describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']}: {v['id']} ({v['help']}): "
                     + "; ".join(n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
                                 for n in v["nodes"][:4]) for v in violations)


@pytest.mark.parametrize("page_id", CONTENT_IDS)
def test_axe_no_violations(open_session, site, axe_source, page_id):
    session = open_session(**DESKTOP)
    page = session.goto(page_id)
    _ready(page, page_id)
    violations = _axe(page, axe_source)
    assert not violations, f"{page_id}:\n{_describe(violations)}"
    _clean(session)


@pytest.mark.parametrize("page_id", CONTENT_IDS)
def test_axe_no_violations_in_dark_mode(open_session, site, axe_source, page_id):
    session = open_session(**DESKTOP, color_scheme="dark")
    page = session.goto(page_id)
    page.evaluate("() => { localStorage.setItem('theme', 'dark'); "
                  "document.documentElement.dataset.theme = 'dark'; }")
    _ready(page, page_id)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    violations = _axe(page, axe_source)
    assert not violations, f"{page_id} (dark):\n{_describe(violations)}"


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_the_first_paint_has_the_readers_colour_theme(open_session, site, mode):
    """Before the theme's script runs (blocked here), the page already has the reader's theme, so
    the script changes nothing: no flash of the light theme in dark mode (pydata-sphinx-theme#1857)
    and no restyle of the whole page on a first visit (_ext/nwlib_theme.py)."""
    session = open_session(**DESKTOP, color_scheme=mode)
    session.context.route("**/pydata-sphinx-theme.js*", lambda route: route.abort())
    page = session.goto(CONTENT_IDS[0])
    assert page.evaluate("() => document.documentElement.dataset.theme") == mode
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(255, 255, 255)") == (mode == "light"), (mode, background)


# ---------------------------------------------------------------------------------------------
# Widgets for keyboards and screen readers
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page_id", WIDGET_IDS)
def test_widgets_have_names_and_states(open_session, site, page_id):
    if page_id == "(no widgets)":
        pytest.skip("no page has widgets")
    session = open_session(**DESKTOP)
    page = session.goto(page_id)
    _ready(page, page_id)
    facts = page.evaluate("""() => Array.from(document.querySelectorAll('.nwlib-explorer')).map(ex => ({
        frames: Array.from(ex.querySelectorAll('.nwlib-display img')).filter(i => i.offsetParent)
                     .map(i => i.getAttribute('alt') || ''),
        sliders: Array.from(ex.querySelectorAll('.nwlib-static .widget-slider')).map(s => ({
            label: (s.querySelector('.widget-label') || {}).textContent || '',
            readout: ((s.querySelector('.widget-readout') || {}).textContent || '').trim(),
            text: s.querySelector('[role=slider]').getAttribute('aria-valuetext') || '',
            name: s.querySelector('[role=slider]').getAttribute('aria-label') || ''})),
        toggles: Array.from(ex.querySelectorAll('.nwlib-static .widget-toggle-buttons')).map(g =>
            Array.from(g.querySelectorAll('button')).map(b => b.getAttribute('aria-pressed'))),
        play: Array.from(ex.querySelectorAll('.nwlib-static .widget-play button'))
                   .map(b => b.getAttribute('aria-label') || b.textContent.trim()),
    }))""")
    assert facts, "no explorer drawn"
    for k, ex in enumerate(facts):
        assert ex["frames"], f"explorer {k}: no frame shown"
        for s in ex["sliders"]:
            assert s["readout"] and s["readout"] in s["text"], \
                f"explorer {k}: slider {s} does not announce its value"
            assert s["name"].strip(), f"explorer {k}: a slider has no name"
        for group in ex["toggles"]:
            assert sorted(group) == ["false"] * (len(group) - 1) + ["true"], \
                f"explorer {k}: toggle buttons' pressed state: {group}"
        assert all(name for name in ex["play"]), f"explorer {k}: unnamed Play buttons: {ex['play']}"
        # the frames' alt text is their Image's tooltip, set by nwlib's explorers
        assert all(alt.strip() for alt in ex["frames"]), f"explorer {k}: a frame has no alt text"
    _clean(session)


def test_slider_value_is_announced_after_a_move(open_session, site):
    if WIDGET_IDS == ["(no widgets)"]:
        pytest.skip("no page has widgets")
    session = open_session(**DESKTOP)
    page = session.goto(WIDGET_IDS[0])
    _ready(page, WIDGET_IDS[0])
    slider = page.locator(".nwlib-explorer .nwlib-static .widget-slider").first
    handle = slider.locator("[role=slider]").first
    handle.focus()
    before = handle.get_attribute("aria-valuetext")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("([h, b]) => h.getAttribute('aria-valuetext') !== b",
                           arg=[handle.element_handle(), before], timeout=5000)
    readout = slider.locator(".widget-readout").first.inner_text().strip()
    assert readout in handle.get_attribute("aria-valuetext")


def test_keyboard_reaches_the_first_slider(open_session, site):
    """From the top of the chapter: Tab to the skip link to the interactive figure, Enter, Tab."""
    page_id = _chapter_with_widgets()
    session = open_session(**DESKTOP)
    page = session.goto(page_id)
    _ready(page, page_id)
    page.evaluate("() => { window.scrollTo(0, 0); document.activeElement && document.activeElement.blur(); }")
    keys = []
    while len(keys) < MAX_KEYS_TO_FIRST_SLIDER:
        key = "Enter" if keys and keys[-1][1] == "skip to the interactive figure" else "Tab"
        page.keyboard.press(key)
        here = page.evaluate("() => { const e = document.activeElement; return [e.getAttribute('role'), "
                             "(e.getAttribute('aria-label') || e.textContent || '').trim().toLowerCase()"
                             ".slice(0, 40)]; }")
        keys.append((key, here[1]))
        if here[0] == "slider":
            return
    pytest.fail(f"{MAX_KEYS_TO_FIRST_SLIDER} key presses did not reach a slider: {keys}")


# ---------------------------------------------------------------------------------------------
# Without JavaScript
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page_id", WIDGET_IDS)
def test_no_javascript_shows_each_explorer(open_session, site, page_id):
    if page_id == "(no widgets)":
        pytest.skip("no page has widgets")
    session = open_session(**DESKTOP, java_script_enabled=False)
    page = session.goto(page_id)
    views = page_html(page_id).count("application/vnd.jupyter.widget-view+json")
    images = page.locator("img.nwlib-fallback")
    assert images.count() == views
    for k in range(views):
        img = images.nth(k)
        img.scroll_into_view_if_needed()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle())
        assert img.get_attribute("alt").strip()
        assert img.bounding_box()["height"] > 50, "the default frame shows as an empty box"
    assert not session.blocked, f"requests left the site: {session.blocked}"


# ---------------------------------------------------------------------------------------------
# Copying code
# ---------------------------------------------------------------------------------------------

def test_copy_button_copies_code_offline(open_session, site):
    page_id = next((p for p in CONTENT_IDS if "copybtn" in page_html(p) or "highlight" in page_html(p)),
                   CONTENT_IDS[0])
    session = open_session(**DESKTOP, permissions=["clipboard-read", "clipboard-write"])
    page = session.goto(page_id)
    block = page.locator("div.highlight >> visible=true").first  # setup cells are hidden
    block.hover()
    button = block.locator("button.copybtn")
    assert button.count() == 1, "a code block has no copy button"
    button.click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    code = block.locator("pre").inner_text()
    assert copied.strip() and copied.strip() == code.strip()
    _clean(session)


# ---------------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------------

def test_search_snippets_show_formulas_as_text(open_session, site):
    """The search page cuts its snippets from each page's text: formulas there read as text, not TeX."""
    session = open_session(**DESKTOP)
    page = session.goto("search.html")
    page.wait_for_function("() => typeof Search !== 'undefined' && Search._nwlibPlainMath")
    text = page.evaluate("""() => Search.htmlToText('<div role="main"><p>weights ' +
        '<span class="math notranslate nohighlight">\\\\(\\\\alpha_i(q) = \\\\frac{K_\\\\sigma(q - k_i)}' +
        '{\\\\sum_j K_\\\\sigma(q - k_j)}\\\\)</span> sum to one</p></div>')""")
    assert "\\" not in text and "σ" in text and "weights" in text, text
    # (the first load settles first: a second navigation would abort its favicon request)
    page.wait_for_load_state("networkidle")
    page.goto(f"{session.origin}/search.html?q=kernel", wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('#search-results li').length > 0")
    page.wait_for_timeout(1500)  # snippets arrive page by page
    snippets = page.locator("#search-results p.context").all_inner_texts()
    assert snippets, "no snippet shown for 'kernel'"
    assert not [s for s in snippets if "\\(" in s or "\\frac" in s or "\\sigma" in s], snippets
    _clean(session)


# ---------------------------------------------------------------------------------------------
# Slow links
# ---------------------------------------------------------------------------------------------

def test_widget_manager_waits_for_the_reader(open_session, site):
    page_id = _chapter_with_widgets()
    session = open_session(**PHONE)
    fetched = []
    session.page.on("request", lambda r: fetched.append(r.url)
                    if "html-manager/embed.js" in r.url or "/state-" in r.url else None)
    page = session.goto(page_id)
    page.wait_for_load_state("load")
    # it used to arrive 3 s after the page loaded, whether or not the reader went on
    page.wait_for_timeout(3500)
    first_view = page.evaluate("""() => document.querySelector('img.nwlib-fallback')
                                        .getBoundingClientRect().top / window.innerHeight""")
    if first_view < 2:
        pytest.skip(f"{page_id}: an explorer is near the first screen, so the manager loads at once")
    assert not fetched, "the widget manager was fetched before the reader did anything"
    wait_for_widgets(page, page_html(page_id).count("application/vnd.jupyter.widget-view+json"))
    assert len(fetched) == 2, f"expected the state and the manager to be fetched once each: {fetched}"
    _clean(session)


ICON_FONT_FILES = {("Font Awesome 6 Free", "900"): "fa-solid-900.woff2",
                   ("Font Awesome 6 Free", "400"): "fa-regular-400.woff2",
                   ("Font Awesome 6 Brands", "400"): "fa-brands-400.woff2"}


@pytest.mark.parametrize("page_id", CONTENT_IDS)
def test_every_icon_shown_has_its_glyph(open_session, site, page_id):
    from fontTools.ttLib import TTFont

    session = open_session(**DESKTOP)
    page = session.goto(page_id)
    _ready(page, page_id)
    icons = page.evaluate("""() => Array.from(document.querySelectorAll('body *')).map(e => {
        const s = getComputedStyle(e, '::before');
        const c = s.content.replace(/^"|"$/g, '');
        return c.length === 1 && c.codePointAt(0) >= 0xe000 && c.codePointAt(0) <= 0xf8ff
            ? [s.fontFamily, s.fontWeight, c.codePointAt(0), e.className] : null;
    }).filter(Boolean)""")
    assert icons, f"{page_id}: no icon found (the theme's header has some)"
    fonts = site / "_static" / "vendor" / "fontawesome" / "webfonts"
    # (a font none of whose icons is used keeps no character map at all)
    cmaps = {key: set(TTFont(fonts / name).getBestCmap() or ()) for key, name in ICON_FONT_FILES.items()}
    missing = []
    for family, weight, code, cls in icons:
        family = next((f for f, _ in ICON_FONT_FILES if f in family), None)
        if family is None:  # the widget manager's own Font Awesome 5, shipped whole
            continue
        weight = "900" if int(weight) >= 600 else "400"
        if code not in cmaps[(family, weight)]:
            missing.append(f"{cls} U+{code:04X} ({family} {weight})")
    assert not missing, f"{page_id}: icons without a glyph in the cut-down fonts: {missing}"


@pytest.mark.parametrize("page_id", SOLUTION_IDS)
def test_closed_solutions_are_not_laid_out(open_session, site, page_id):
    # sphinx-togglebutton hid a closed solution with height 0, yet the browser styled and laid out
    # all of it (most of an exercise page); nwlib-site.css takes it out of the layout
    if page_id == "(no solutions)":
        pytest.skip("no page has solutions")
    session = open_session(**PHONE)
    page = session.goto(page_id)
    page.wait_for_function("() => document.querySelector('.dropdown.toggle-hidden')")
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll(
        '.dropdown.toggle-hidden > .admonition-title ~ * *'))
        .filter(e => e.getClientRects().length).length""")
    assert drawn == 0, f"{page_id}: {drawn} elements of closed solutions are laid out"
    open_solutions(page)
    # (a solution still closed inside another, and the labels of hidden code cells, stay hidden)
    shown, visible = page.evaluate("""() => {
        const ps = Array.from(document.querySelectorAll('.dropdown .admonition-title ~ * p'))
            .filter(p => !p.closest('.toggle-hidden, summary'));
        return [ps.length, ps.filter(p => p.getClientRects().length).length]; }""")
    assert shown and visible == shown, f"{page_id}: an opened solution shows {visible} of {shown} paragraphs"
    _clean(session)
