"""Sphinx extension: make the book's website work with no network.

* MathJax 3 is served from the site. The files come from the PyPI package
  ``sphinx-mathjax-offline`` (MathJax 3.2.2), whose own extension cannot be imported (it installs
  a folder named ``sphinx-mathjax-offline``, with hyphens, so ``import sphinx_mathjax_offline``
  fails); this extension copies from that package's ``static/mathjax`` only what the site uses
  (``MATHJAX_FILES``: the ``tex-chtml`` component, its web fonts, the TeX extensions it loads on
  demand and the accessibility components of its menu, not the speech rule engine; 2.5 MB of the
  24 MB distribution) to
  ``_static/mathjax`` and sets the same relative ``mathjax_path``.
* The ipywidgets HTML manager (``_assets/html-manager/embed.js``, vendored, with its fonts) is what
  ``nb_ipywidgets_js`` in ``_config.yml`` points at; this extension only checks that it is there.
* FontAwesome: pydata-sphinx-theme's FontAwesome script replaced ``<i>`` icons by ``<svg>``, which
  broke the ipywidgets ``Play`` button (``TypeError ... className``); the site no longer loads that
  script (``nwlib_reader`` removes it: the theme's stylesheet draws the same icons with a web font).
* MathJax 2 API: the widget manager typesets labels with ``MathJax.Hub.Queue``, which MathJax 3
  lacks (a ``TypeError`` per widget label); ``static/nwlib-mathjax2-hub.js`` maps it onto
  ``MathJax.typesetPromise``.
* Theme: pydata-sphinx-theme's default colour mode is empty, which its script reports as a console
  error on a reader's first visit; the default here is "auto" (follow the system).
* Thebe: Jupyter Book always loads sphinx-thebe, and its inline configuration script (``const
  THEBE_JS_URL = "https://unpkg.com/..."``) ends up twice in every page, a ``SyntaxError`` in the
  console. With ``launch_buttons.thebe: false`` nothing on the site uses Thebe, so its scripts are
  removed from every page.
"""
from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError

MATHJAX_DIST = "sphinx-mathjax-offline"
MATHJAX_ENTRY = "mathjax/tex-chtml.js"
MATHJAX2_SHIM = "nwlib-mathjax2-hub.js"
# what the site loads from the MathJax distribution: the component, then what it fetches itself
MATHJAX_FILES = ("tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions", "a11y")


def mathjax_folder() -> Path:
    """The ``static`` folder of the installed ``sphinx-mathjax-offline`` (holds ``mathjax/``)."""
    try:
        dist = metadata.distribution(MATHJAX_DIST)
    except metadata.PackageNotFoundError as err:
        raise ConfigError(f"the offline site needs the PyPI package {MATHJAX_DIST!r} (MathJax "
                          "files); install requirements.txt") from err
    for f in dist.files or ():
        if f.as_posix().endswith("static/" + MATHJAX_ENTRY):
            entry = Path(dist.locate_file(f))
            return entry.parent.parent
    raise ConfigError(f"{MATHJAX_DIST} is installed but holds no static/{MATHJAX_ENTRY}")


def _configure(app: Sphinx, config) -> None:
    folder = mathjax_folder()
    # A relative mathjax_path is served from _static: the site's own copy, no CDN.
    config.mathjax_path = MATHJAX_ENTRY
    # pydata-sphinx-theme logs "Got invalid theme mode" on a first visit unless a default is set.
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}
    config.html_static_path = list(config.html_static_path) + [str(Path(__file__).parent / "static")]
    app.nwlib_mathjax_folder = folder
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


def _copy_mathjax(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = Path(app.nwlib_mathjax_folder) / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    for name in MATHJAX_FILES:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    # Early: html-page-context stops at the first handler that returns a template name.
    app.connect("html-page-context", _drop_thebe, priority=100)
    # after sphinx.ext.mathjax's deferred script (priority 500), so MathJax 3 exists when it runs
    app.add_js_file(MATHJAX2_SHIM, loading_method="defer", priority=800)
    app.connect("build-finished", _copy_mathjax)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
