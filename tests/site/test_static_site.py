"""The built site without a browser: nothing fetched from the network, light pages, what ships.

* No ``src``/``href`` to http(s) for scripts, styles, fonts and images in the HTML and CSS.
* Widget pages load the vendored widget manager and their widget state (a file) only when needed.
  Math arrives typeset (build time): no page loads MathJax, every formula is MathJax's HTML with
  MathML for screen readers and no tab stop, and the fonts a page's math CSS names are on the site.
  The theme's icon fonts are cut down; a TeX error is a build warning.
* No widget frame is embedded in a page as base64: each ``Image`` model points at a frame file that
  exists, and each widget view has, just before it, a plain image of its default frame with alt text.
* The notebooks' archive holds every notebook of the book, ``nwlib`` and what installs it.
* No script holds up a page's first paint: the scripts in a content page's ``<head>`` are deferred
  (but ``documentation_options.js``, which inline scripts use), and Sphinx's search index loads on
  the search page only.
"""
from __future__ import annotations

import base64
import json
import re
import sys
import zipfile
from html.parser import HTMLParser

import pytest
from sitekit import PAGES, ROOT

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


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


def test_widget_manager_vendored_and_not_blocking(site):
    pages = [p for p in PAGES if "application/vnd.jupyter.widget-view+json" in p.read_text("utf-8")]
    assert pages, "no page embeds widgets: were the notebooks executed by the build?"
    for page in pages:
        html = page.read_text(encoding="utf-8")
        manager = [t for t in _scripts(html) if "_static/html-manager/embed.js" in t]
        assert manager, f"{page.name}: the vendored widget manager is not referenced"
        # loaded by nwlib-widgets.js when needed (a type no browser runs), or at least deferred
        assert all('type="nwlib/widget-manager"' in t or re.search(r"\b(defer|async)\b", t)
                   for t in manager), f"{page.name}: the widget manager blocks the first paint: {manager}"
        assert any("_static/nwlib-widgets.js" in t for t in _scripts(html)), page.name
        # the widget state (0.4 MB on the chapter) is a file loaded with the manager, not in the page
        assert "application/vnd.jupyter.widget-state+json" not in html, f"{page.name} embeds its state"
        assert _widget_state(page), f"{page.name}: no widget state file"
        assert "thebe.js" not in html and "THEBE_JS_URL" not in html, page


_JS_TYPE = re.compile(r'\btype="(?!text/javascript|module)[^"]*"')


def test_no_script_holds_up_the_first_paint(site):
    search = [p for p in PAGES if p.name == "search.html"]
    assert search and "searchindex.js" in search[0].read_text("utf-8"), "the search page lost its index"
    for page in PAGES:
        if page.name == "search.html":
            continue
        html = page.read_text(encoding="utf-8")
        head = html[:html.find("</head>")]  # (the site's index.html, a redirect, has no head)
        blocking = [t for t in _scripts(head) if "src=" in t and not re.search(r"\b(defer|async)\b", t)
                    and not _JS_TYPE.search(t) and "documentation_options.js" not in t]
        assert not blocking, f"{page.name}: scripts that hold up the first paint: {blocking}"
        loaded = [t for t in _scripts(html) if re.search(r"(searchindex|searchtools|language_data)\.js", t)]
        assert not loaded, f"{page.name} loads Sphinx's search, which only the search page uses: {loaded}"


_MATH_BOX = re.compile(r'<(span|div) class="math notranslate nohighlight[^"]*"[^>]*>(.*?)</\1>\s*(?=<|$)',
                       re.DOTALL)
_INLINE_THEN_PUNCTUATION = re.compile(
    r'<span class="math notranslate nohighlight"><mjx-container(?:(?!</mjx-container>).)*</mjx-container>'
    r'</span>[.,;:!?)]', re.DOTALL)
_MATH_CSS = re.compile(r'<style id="nwlib-math">(.*?)</style>', re.DOTALL)
_FONT_URL = re.compile(r'url\("([^"]+\.woff)"\)')


def test_math_is_typeset_at_build_time(site):
    pages_with_math = 0
    for page in PAGES:
        html = page.read_text(encoding="utf-8")
        assert not any("mathjax" in t.lower() for t in _scripts(html)), f"{page.name} loads MathJax"
        assert "window.MathJax" not in html, f"{page.name} configures MathJax"
        boxes = [m.group(2) for m in _MATH_BOX.finditer(html)]
        if not boxes:
            continue
        pages_with_math += 1
        raw = [b[:60] for b in boxes if "<mjx-container" not in b]
        assert not raw, f"{page.name}: formulas left as TeX: {raw[:3]}"
        # screen readers read the MathML beside each formula; the drawn glyphs are hidden from them
        assert html.count("<mjx-container") == html.count("<mjx-assistive-mml"), page.name
        assert 'class="merror"' not in html and "<mjx-merror" not in html, f"{page.name}: a TeX error"
        assert "tabindex" not in "".join(boxes), f"{page.name}: a formula is a tab stop"
        # punctuation right after an inline formula is kept on its line (no line starts with ".")
        loose = [html[m.start() - 40:m.start()] for m in _INLINE_THEN_PUNCTUATION.finditer(html)
                 if not html[:m.start()].endswith('<span class="nwlib-nowrap">')]
        assert not loose, f"{page.name}: punctuation can wrap away from its formula: {loose[:3]}"
        css = _MATH_CSS.search(html)
        assert css, f"{page.name} has math but not the CSS that draws it"
        for url in set(_FONT_URL.findall(css.group(1))):
            assert (page.parent / url).is_file(), f"{page.name}: math font {url} is not on the site"
        # a local font with MathJax's line metrics comes first: the math does not re-flow when the
        # web fonts arrive
        assert "font-family: NWLIBSTRUT, MJXZERO," in css.group(1), page.name
    assert pages_with_math >= 5, "expected math on the chapter and the exercise pages"


def test_a_tex_error_is_a_build_warning(node, caplog):
    # under `jb build -W` a warning fails the build: a typo in the TeX cannot reach the site
    if not (ROOT / "node_modules" / "mathjax-full").is_dir():
        pytest.skip("mathjax-full is not installed: run `npm ci`")
    sys.path.insert(0, str(ROOT / "_ext"))
    import nwlib_math

    html, css = nwlib_math.typeset_page([("\\sigma < 1", False), ("\\sigmaa", False)], "fonts", ROOT,
                                        where="a test page")
    assert len(html) == 2 and all("<mjx-container" in h for h in html) and "mjx-c" in css
    assert "<mo>&lt;</mo>" in html[0], "the TeX was not escaped into HTML"
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("a test page" in w and "\\sigmaa" in w for w in warnings), warnings


def test_icon_fonts_are_cut_to_the_icons_used(site):
    # pydata-sphinx-theme ships all of Font Awesome 6 (the solid font alone is 157 kB); the site
    # keeps the icons it uses (tests/site/test_reader.py checks each icon shown has its glyph)
    fonts = site / "_static" / "vendor" / "fontawesome" / "webfonts"
    sizes = {f.name: f.stat().st_size for f in fonts.glob("*.woff2")}
    assert "fa-solid-900.woff2" in sizes, sorted(sizes)
    assert all(size < 20_000 for size in sizes.values()), sizes


_STATE_TAG = re.compile(r'<script type="nwlib/widget-state" src="([^"]+)"></script>')
_STATE_FILE = re.compile(r"\s*window\.nwlibWidgetState = (.*);\s*", re.DOTALL)


def _widget_state(page) -> dict:
    """The page's widget models, from the state file it names (nwlib_frames.py)."""
    tag = _STATE_TAG.search(page.read_text(encoding="utf-8"))
    if not tag:
        return {}
    text = (page.parent / tag.group(1)).read_text(encoding="utf-8")
    return json.loads(_STATE_FILE.fullmatch(text).group(1))["state"]


class _Imgs(HTMLParser):
    """Each <img> and each widget view script, in document order."""

    def __init__(self):
        super().__init__()
        self.items: list[tuple[str, dict]] = []
        self._in_view = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.items.append(("img", attrs))
        elif tag == "script" and attrs.get("type") == "application/vnd.jupyter.widget-view+json":
            self.items.append(("view", attrs))


def test_widget_frames_are_files_not_base64(site):
    images = 0
    for page in PAGES:
        state = _widget_state(page)
        for model_id, model in state.items():
            if model.get("model_name") != "ImageModel":
                continue
            images += 1
            attrs = model["state"]
            value = [b for b in model.get("buffers", []) if b.get("path") == ["value"]]
            data = base64.b64decode(value[0]["data"]) if value else b""
            if attrs["format"] != "url":
                # an empty image (the live explorer's, filled by Python) embeds nothing
                assert not data, f"{page.name}: image {model_id} is embedded as {attrs['format']}"
                continue
            url = data.decode("utf-8")
            frame = (page.parent / url).resolve()
            assert frame.is_file() and frame.stat().st_size > 0, f"{page.name}: {url} is missing"
            assert site.resolve() in frame.parents, f"{page.name}: {url} points outside the site"
    assert images, "no widget frames found on any page"


def test_each_explorer_has_a_default_frame_without_javascript(site):
    views = 0
    for page in PAGES:
        parser = _Imgs()
        parser.feed(page.read_text(encoding="utf-8"))
        for k, (kind, _) in enumerate(parser.items):
            if kind != "view":
                continue
            views += 1
            assert k and parser.items[k - 1][0] == "img", f"{page.name}: a widget view has no image before it"
            img = parser.items[k - 1][1]
            assert "nwlib-fallback" in img.get("class", "")
            assert (page.parent / img["src"]).is_file(), f"{page.name}: {img['src']} is missing"
            assert img.get("alt", "").strip(), f"{page.name}: the default frame {img['src']} has no alt text"
            assert img.get("width") and img.get("height"), "no size: the page would jump when it loads"
    assert views, "no widget views found on any page"


def test_notebook_archive(site):
    archive = site / "_downloads" / "attention-pooling-notebooks.zip"
    assert archive.is_file(), "the notebooks' archive is missing"
    names = set(zipfile.ZipFile(archive).namelist())
    notebooks = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "chapters").glob("*.ipynb"))
    assert notebooks
    for name in [*notebooks, "nwlib/__init__.py", "requirements.txt", "pyproject.toml", "Makefile",
                 "README.md"]:
        assert f"attention-pooling/{name}" in names, f"{name} is not in the archive"
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    for page in PAGES:
        html = page.read_text(encoding="utf-8")
        if "download-buttons" in html:  # the theme's download menu of a book page
            assert "_downloads/attention-pooling-notebooks.zip" in html, f"{page.name}: no archive link"


# ------------------------------------------------------------------------------------------
# What a search engine shows: a title said once, a plain-text description
# ------------------------------------------------------------------------------------------

_DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)"')
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


def test_every_content_page_has_a_plain_description_and_a_title_said_once(site):
    import html as html_lib

    checked = 0
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        if "bd-article" not in text or page.name in {"search.html", "genindex.html"}:
            continue
        descriptions = _DESCRIPTION.findall(text)
        assert len(descriptions) == 1, f"{page.name}: {len(descriptions)} meta descriptions"
        description = html_lib.unescape(descriptions[0])
        assert 40 <= len(description) <= 160, f"{page.name}: description {description!r}"
        assert "\\" not in description and "$" not in description, \
            f"{page.name}: raw TeX in the description {description!r}"
        title = html_lib.unescape(_TITLE.search(text).group(1)).strip()
        parts = [p.strip() for p in title.split("—")]
        assert len(parts) == len(set(parts)), f"{page.name}: title says a part twice: {title!r}"
        checked += 1
    assert checked >= 9
