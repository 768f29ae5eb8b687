"""Sphinx extension: the book's math typeset at build time, so the website ships no MathJax script.

Sphinx and MyST write each formula as TeX in ``<span class="math">\\(...\\)</span>`` or
``<div class="math">\\[...\\]</div>`` for MathJax to typeset in the reader's browser. On a phone
that was most of the page's start-up cost (MathJax's 260 kB script, then typesetting on the main
thread, and the article held back until it was done so that the text would not jump). Here, for
every page with math, ``typeset_math.cjs`` (MathJax 3.2.2 from npm ``mathjax-full``, run by Node)
turns those formulas into MathJax's own CommonHTML output before the page is written:

* each formula becomes an ``<mjx-container>``, as MathJax in the browser would have made it, with
  MathML beside it for screen readers (MathJax's assistive MathML);
* the page's ``<head>`` gets the CSS those formulas need (only their glyphs); the MathJax web fonts
  it names are copied to ``_static/mathjax/woff-v2``. The formulas' layout does not wait for
  those fonts (``typeset_math.cjs``: a local font with MathJax's line metrics comes first);
* the MathJax script and its configuration are removed from every page;
* a TeX error (an unknown macro, a missing brace) is a build warning naming the page and the
  formula, hence an error under ``jb build -W``, rather than red text on the page.

Node.js and ``npm ci`` (``make node-deps``, which ``make book`` runs) are needed to build the book.
The punctuation right after an inline formula is kept on its line with it (``nwlib-nowrap``).
Formulas are no tab stops (nothing in them is focusable); a formula wider than the column scrolls
(``nwlib-site.css``), and ``nwlib-site.js`` makes such a box focusable so a keyboard can scroll it.
"""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ConfigError, ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
SCRIPT = HERE / "typeset_math.cjs"
PACKAGE = "mathjax-full"
FONTS = Path("es5/output/chtml/fonts/woff-v2")
FONTS_TARGET = "_static/mathjax/woff-v2"

INLINE = re.compile(r'<span class="math notranslate nohighlight">\\\((.*?)\\\)</span>([.,;:!?)\]]*)',
                    re.DOTALL)
DISPLAY = re.compile(r'(<div class="math notranslate nohighlight[^"]*"[^>]*>)(.*?)</div>', re.DOTALL)
EQNO = re.compile(r'\s*(<span class="eqno">.*?</span>)', re.DOTALL)
FONT_FILE = re.compile(r'url\("[^"]*/([A-Za-z0-9_-]+\.woff)"\)')


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise ConfigError("the book's math is typeset at build time with Node.js; install Node.js "
                          "(20 or later) and run `npm ci` (make node-deps)")
    return node


def package_folder(root: Path) -> Path:
    """``node_modules/mathjax-full`` of the book (``npm ci`` installs it from package.json)."""
    folder = root / "node_modules" / PACKAGE
    if not (folder / "js" / "mathjax.js").is_file():
        raise ConfigError(f"node_modules/{PACKAGE} is missing: run `npm ci` in {root.name}/ "
                          "(make node-deps) before building the book")
    return folder


def typeset(formulas: list[tuple[str, bool]], font_url: str, cwd: Path) -> dict:
    """Typeset ``(tex, display)`` pairs with MathJax; returns ``{"html", "css", "errors"}``."""
    request = {"formulas": [{"tex": tex, "display": display} for tex, display in formulas],
               "fontURL": font_url}
    run = subprocess.run([_node(), str(SCRIPT)], input=json.dumps(request), capture_output=True,
                         text=True, encoding="utf-8", cwd=cwd, check=False)
    if run.returncode != 0:
        raise ExtensionError(f"typeset_math.cjs failed: {run.stderr.strip()[-2000:]}")
    return json.loads(run.stdout)


def _display_parts(inner: str) -> tuple[str, str]:
    """The equation number (Sphinx's ``eqno`` span, or '') and the TeX of a display block."""
    eqno = EQNO.match(inner)
    number = eqno.group(1) if eqno else ""
    tex = inner[eqno.end():] if eqno else inner
    tex = tex.strip()
    if tex.startswith("\\[") and tex.endswith("\\]"):
        tex = tex[2:-2]
    return number, html.unescape(tex)


def typeset_body(body: str, font_url: str, cwd: Path, where: str = "") -> tuple[str, str]:
    """Replace the TeX formulas of a page body by typeset HTML; returns (body, css)."""
    formulas: list[tuple[str, bool]] = []
    for match in DISPLAY.finditer(body):
        formulas.append((_display_parts(match.group(2))[1], True))
    for match in INLINE.finditer(DISPLAY.sub("", body)):
        formulas.append((html.unescape(match.group(1)), False))
    if not formulas:
        return body, ""
    result = typeset(formulas, font_url, cwd)
    for error in result["errors"]:
        tex = formulas[error["index"]][0]
        logger.warning(f"TeX error in a formula of {where or 'a page'}: {error['message']} "
                       f"(in {tex.strip()!r})", type="nwlib", subtype="math")
    rendered = iter(result["html"])

    def display(match: re.Match) -> str:
        number, _ = _display_parts(match.group(2))
        return f"{match.group(1)}{number}{next(rendered)}</div>"

    def inline(match: re.Match) -> str:
        formula = f'<span class="math notranslate nohighlight">{next(rendered)}</span>'
        # the punctuation after a formula stays with it: no line starts with its comma or full stop
        punctuation = match.group(2)
        return f'<span class="nwlib-nowrap">{formula}{punctuation}</span>' if punctuation else formula

    # the same order as above: all display blocks, then the inline formulas outside them
    body = DISPLAY.sub(display, body)
    body = INLINE.sub(inline, body)
    return body, result["css"]


def _is_mathjax(script) -> bool:
    filename = str(getattr(script, "filename", script) or "")
    attributes = getattr(script, "attributes", {}) or {}
    return "mathjax" in filename.lower() or (attributes.get("body") or "").startswith("window.MathJax")


def _page(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Typeset the page's math and drop MathJax (after sphinx.ext.mathjax, priority 500)."""
    scripts = context.get("script_files")
    if scripts:
        scripts[:] = [s for s in scripts if not _is_mathjax(s)]
    body = context.get("body") or ""
    if "math notranslate nohighlight" not in body:
        return
    font_url = context["pathto"](FONTS_TARGET, 1)
    body, css = typeset_body(body, font_url, Path(app.confdir), where=pagename)
    context["body"] = body
    if css:
        app.nwlib_math_fonts.update(FONT_FILE.findall(css))
        context["metatags"] = (context.get("metatags") or "") + f'\n<style id="nwlib-math">{css}</style>'


def _configure(app: Sphinx, config) -> None:
    _node()
    app.nwlib_math_source = package_folder(Path(app.confdir)) / FONTS
    app.nwlib_math_fonts = set()


def _copy_fonts(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / FONTS_TARGET
    target.mkdir(parents=True, exist_ok=True)
    for name in sorted(app.nwlib_math_fonts):
        shutil.copy2(app.nwlib_math_source / name, target / name)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    app.connect("html-page-context", _page, priority=600)
    app.connect("build-finished", _copy_fonts)
    # not parallel-write safe: the set of fonts used is gathered on the main process
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": False}
