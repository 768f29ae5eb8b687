"""Sphinx extension: the book's website needs no network.

* Math needs no script: ``nwlib_math`` typesets it at build time (the MathJax web fonts it uses
  are served from ``_static/mathjax``).
* The ipywidgets HTML manager (``_assets/html-manager/embed.js``, vendored, with its fonts) is what
  ``nb_ipywidgets_js`` in ``_config.yml`` points at; this extension checks that it is there and
  that nothing there names the network.
* The theme's FontAwesome script and Thebe's scripts are not loaded (``nwlib_theme``).
* The widget manager typesets its labels with MathJax 2's ``MathJax.Hub`` only when
  ``window.MathJax`` exists; no page defines it (the labels hold no TeX).
"""
from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError


def _check_widget_manager(app: Sphinx, config) -> None:
    for path in config.nb_ipywidgets_js:
        if "://" in path:
            raise ConfigError(f"nb_ipywidgets_js loads {path!r} from the network; point it at the "
                              "vendored _assets/html-manager/embed.js")
        if not any((Path(app.confdir) / static / path).is_file()
                   for static in config.html_static_path):
            raise ConfigError(f"nb_ipywidgets_js names {path!r}, which no html_static_path holds")


def setup(app: Sphinx) -> dict:
    # after nwlib_site has added static/ (priority 500)
    app.connect("config-inited", _check_widget_manager, priority=600)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
