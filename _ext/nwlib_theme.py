"""Sphinx extension: work-arounds for the book's theme and its companions, each with its upstream issue.

Versions: jupyter-book 1.0.4, sphinx-book-theme 1.3, pydata-sphinx-theme 0.17, sphinx-thebe,
ipywidgets' html-manager 1.0.15. Drop a work-around when its issue is fixed in the version pinned.

* **Duplicate sidebar toggle** (pydata-sphinx-theme#2451, fixed in sphinx-book-theme by
  executablebooks/sphinx-book-theme#1000, unreleased): since pydata-sphinx-theme 0.17 its site
  header holds a second, hidden ``.primary-toggle``; the theme's script binds the first one, so on a
  phone the visible button did nothing. ``templates/layout.html`` empties that header.
* **Icons redrawn as SVG** (pydata-sphinx-theme#2379): the theme's ``fontawesome.js`` (1.5 MB,
  0.5 MB gzipped, on every page) replaces ``<i>`` icons with ``<svg>``, which breaks the ipywidgets
  Play button (``TypeError ... className``). The script is not loaded: the theme's stylesheet
  draws the same icons with the Font Awesome web font (``page transform "theme-fixes"``).
* **"Got invalid theme mode"** (pydata-sphinx-theme#1635): with no ``default_mode`` the theme's
  script logs a console error on a reader's first visit; the default here is "auto".
* **Thebe's configuration twice** (no upstream issue found; jupyter-book 1.0.4 with
  sphinx-thebe): Jupyter Book always loads sphinx-thebe, whose inline script (``const
  THEBE_JS_URL = ...``) ends up twice in every page, a ``SyntaxError`` in the console. With
  ``launch_buttons.thebe: false`` nothing uses Thebe: its scripts are dropped.
* **The sidebar's logo outside any landmark** (axe-core ``region``; pydata-sphinx-theme#1428, the
  theme's landmark work): the book's title and logo at the top of the sidebar belong to no landmark,
  so a screen reader's landmark list skips them. That item becomes the page's banner, which it
  is (the theme's own header is empty here: ``templates/layout.html``).
* **Names that differ from the visible text** (axe-core ``label-content-name-mismatch``, WCAG
  2.5.3; no upstream issue found): the search field says "Search Ctrl+K" but is named "Search";
  the colour-mode icons carry titles ("Light", "Dark"); myst-nb names the summary of a hidden cell
  "Toggle hidden content" while it shows "Show code cell source". The labels go, so each control is
  named by what it shows (``page transform "theme-fixes"``).
* **The search index on every page** (pydata-sphinx-theme's ``layout.html`` loads Sphinx's
  ``searchtools.js``, ``language_data.js`` and the whole ``searchindex.js`` on every page, for its
  search-as-you-type; no upstream issue found): with ``search_as_you_type`` off (the default, and
  this book's), nothing on a content page uses them, and on a phone they held up its first paint.
  They stay on the search page only (``page transform "search-scripts"``).
* **Scripts that hold up the first paint** (Sphinx and its extensions add their scripts to the
  ``<head>`` without ``defer``; no upstream issue found): on a phone each one kept the page blank
  until it had arrived and run. They run after the page is parsed, in the same order (``page
  transform "defer-scripts"``). ``documentation_options.js`` stays as it is: inline scripts in the
  ``<head>`` use what it defines. The search page is left as it is.
* **The colour theme resolved after the page is drawn** (pydata-sphinx-theme#1857): on a first
  visit the ``<head>``'s inline script leaves ``data-theme="auto"``, which no stylesheet rule
  matches; the theme's script sets "light" or "dark" only once it runs, after the first paint. A
  reader in dark mode saw a white flash, and every page restyled all its elements at that moment
  (on the chapter, 7,300 elements: the largest single task on a phone). The inline script now
  resolves "auto" from ``prefers-color-scheme`` itself, as the theme's script would
  (``page transform "theme-fixes"``).
"""
from __future__ import annotations

import re

from nwlib_site import BuiltPage, add_page_transform
from sphinx.application import Sphinx

# "auto" as the theme's script resolves it (pydata-sphinx-theme.js, autoTheme)
RESOLVE_AUTO = ('\n    if (document.documentElement.dataset.theme === "auto") {\n'
                '      document.documentElement.dataset.theme =\n'
                '        window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";\n'
                '    }')

# (pattern, replacement, what it works around)
THEME_FIXES = (
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    (re.compile(r'(<button class="btn search-button-field[^"]*"[^>]*?) aria-label="Search"'), r"\1"),
    (re.compile(r'(<i class="theme-switch [^"]*" data-mode="[a-z]+") +title="[^"]*"'),
     r'\1 aria-hidden="true"'),
    # pydata-sphinx-theme#1428: the sidebar's logo item is the banner
    (re.compile(r'<div class="sidebar-primary-item">(\s*<a class="navbar-brand logo")'),
     r'<div class="sidebar-primary-item" role="banner">\1'),
    # pydata-sphinx-theme#1857
    (re.compile(r'(document\.documentElement\.dataset\.theme = '
                r'localStorage\.getItem\("theme"\) \|\| "auto";)'), r"\1" + RESOLVE_AUTO),
    # pydata-sphinx-theme#2379
    (re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>'), ""),
)


# a classic script in the <head>: src and data-* attributes only (no type, defer or async)
DATA = r'((?: data-[\w-]+="[^"]*")*)'
HEAD_SCRIPT = re.compile(rf'<script{DATA} src="([^"]+)"{DATA}></script>')
KEEP_IN_ORDER = ("documentation_options.js",)


def defer_scripts(page: BuiltPage) -> None:
    """The <head>'s classic scripts are deferred (same order, after parsing)."""
    if page.name == "search.html":
        return
    end = page.text.find("</head>")
    if end < 0:
        return

    def defer(match: re.Match) -> str:
        if any(name in match.group(2) for name in KEEP_IN_ORDER):
            return match.group(0)
        return f'<script{match.group(1)} defer src="{match.group(2)}"{match.group(3)}></script>'

    page.text = HEAD_SCRIPT.sub(defer, page.text[:end]) + page.text[end:]


# pydata-sphinx-theme's layout.html: Sphinx's search on every page, for search-as-you-type
SEARCH_SCRIPTS = re.compile(r'\s*<script src="[^"]*?(?:_static/searchtools\.js|_static/language_data\.js'
                            r'|searchindex\.js)"></script>')


def drop_search_scripts(page: BuiltPage) -> None:
    """Sphinx's search scripts and index only on the search page."""
    if page.name != "search.html":
        page.text = SEARCH_SCRIPTS.sub("", page.text)


def fix_theme(page: BuiltPage) -> None:
    for pattern, replacement in THEME_FIXES:
        page.text = pattern.sub(replacement, page.text)


def _configure(app: Sphinx, config) -> None:
    # pydata-sphinx-theme#1635
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}


def _is_thebe(script) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        # In place: this list is the builder's, which later handlers (myst-nb's widget scripts)
        # still extend for this page; the builder restores it before the next page.
        scripts[:] = [s for s in scripts if not _is_thebe(s)]


def _search_scripts(app: Sphinx) -> None:
    if not (app.config.html_theme_options or {}).get("search_as_you_type"):
        add_page_transform(app, "search-scripts", drop_search_scripts, order=205)


def setup(app: Sphinx) -> dict:
    app.setup_extension("nwlib_site")
    app.connect("config-inited", _configure)
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", _drop_thebe, priority=100)
    add_page_transform(app, "theme-fixes", fix_theme, order=200)
    add_page_transform(app, "defer-scripts", defer_scripts, order=210)
    app.connect("builder-inited", _search_scripts)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
