"""Sphinx extension: make the book's website work with no network.

* Math needs no script: ``nwlib_math`` typesets it at build time (the MathJax web fonts it uses
  are served from ``_static/mathjax``).
* The ipywidgets HTML manager (``_assets/html-manager/embed.js``, vendored, with its fonts) is what
  ``nb_ipywidgets_js`` in ``_config.yml`` points at; this extension only checks that it is there.
* FontAwesome: pydata-sphinx-theme's FontAwesome script replaced ``<i>`` icons by ``<svg>``, which
  broke the ipywidgets ``Play`` button (``TypeError ... className``); the site no longer loads that
  script (``nwlib_reader`` removes it: the theme's stylesheet draws the same icons with a web font).
* The widget manager typesets its labels with MathJax 2's ``MathJax.Hub`` only when
  ``window.MathJax`` exists; no page defines it (the labels hold no TeX).
* Theme: pydata-sphinx-theme's default colour mode is empty, which its script reports as a console
  error on a reader's first visit; the default here is "auto" (follow the system).
* Thebe: Jupyter Book always loads sphinx-thebe, and its inline configuration script (``const
  THEBE_JS_URL = "https://unpkg.com/..."``) ends up twice in every page, a ``SyntaxError`` in the
  console. With ``launch_buttons.thebe: false`` nothing on the site uses Thebe, so its scripts are
  removed from every page.
"""
from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError


def _configure(app: Sphinx, config) -> None:
    # pydata-sphinx-theme logs "Got invalid theme mode" on a first visit unless a default is set.
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}
    config.html_static_path = list(config.html_static_path) + [str(Path(__file__).parent / "static")]
    for path in config.nb_ipywidgets_js:
        if "://" in path:
            raise ConfigError(f"nb_ipywidgets_js loads {path!r} from the network; point it at the "
                              "vendored _assets/html-manager/embed.js")
        if not any((Path(app.confdir) / static / path).is_file()
                   for static in config.html_static_path):
            raise ConfigError(f"nb_ipywidgets_js names {path!r}, which no html_static_path holds")


def _is_thebe(script) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    body = getattr(script, "attributes", {}).get("body", "") or ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def _drop_thebe(app: Sphinx, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        # In place: this list is the builder's, which later handlers (myst-nb's widget and MathJax
        # scripts) still extend for this page; the builder restores it before the next page.
        scripts[:] = [s for s in scripts if not _is_thebe(s)]


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", _drop_thebe, priority=100)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
