"""Sphinx extension: the book's math typeset at build time, so the website ships no MathJax script.

By default Sphinx writes each formula as TeX for MathJax to typeset in the reader's browser. On a
phone that was most of the page's start-up cost (MathJax's 260 kB script, then typesetting on the
main thread, and the article held back until it was done so that the text would not jump). This
extension is instead the HTML builder's **math renderer** (``html_math_renderer = "nwlib_math"``):

* while a page is written, each ``math`` and ``math_block`` node becomes the markup Sphinx's
  MathJax renderer writes around it, with a placeholder in place of the TeX;
* when the page is put together (``html-page-context``), ``typeset_math.cjs`` (MathJax 3.2.2 from
  npm ``mathjax-full``, run by Node, one call per page) typesets all of the page's formulas and the
  placeholders are filled with MathJax's CommonHTML output: an ``<mjx-container>`` each, with MathML
  beside it for screen readers (MathJax's assistive MathML);
* the page's ``<head>`` gets the CSS those formulas need (only their glyphs); the MathJax web fonts
  it names are copied to ``_static/mathjax/woff-v2``. The formulas' layout does not wait for
  those fonts (``typeset_math.cjs``: a local font with MathJax's line metrics comes first);
* since MathJax is not the renderer, Sphinx adds no MathJax script to any page;
* a TeX error (an unknown macro, a missing brace) is a build warning naming the page and the
  formula, hence an error under ``jb build -W``, rather than red text on the page.

Node.js and ``npm ci`` (``make node-deps``, which ``make book`` runs) are needed to build the book.
The punctuation right after an inline formula is kept on its line with it (``nwlib-nowrap``, a
doctree change before writing). Formulas are no tab stops (nothing in them is focusable); a formula
whose visible width exceeds the column scrolls (``nwlib-site.css``), and ``nwlib-site.js`` makes
such a box focusable so a keyboard can scroll it.
"""
from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ConfigError, ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

RENDERER = "nwlib_math"
HERE = Path(__file__).parent
SCRIPT = HERE / "typeset_math.cjs"
PACKAGE = "mathjax-full"
FONTS = Path("es5/output/chtml/fonts/woff-v2")
FONTS_TARGET = "_static/mathjax/woff-v2"
FONT_FILE = re.compile(r'url\("[^"]*/([A-Za-z0-9_-]+\.woff)"\)')
# A placeholder in the written HTML: private-use characters around a number (no tag, so it
# survives escaping and Jinja's striptags wherever the theme puts a rendered title)
PLACEHOLDER = "\ue000nwlib-math-{}\ue000"
PLACEHOLDERS = re.compile("\ue000nwlib-math-(\\d+)\ue000")
# what keeps to the formula before it: no line starts with a comma or a closing bracket
PUNCTUATION = re.compile(r"[.,;:!?)\]]+")


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


def typeset_page(formulas: list[tuple[str, bool]], font_url: str, cwd: Path,
                 where: str = "") -> tuple[list[str], str]:
    """Typeset one page's formulas (one Node call); a TeX error is a build warning.
    Returns the HTML of each formula and the CSS they need."""
    if not formulas:
        return [], ""
    result = typeset(formulas, font_url, cwd)
    for error in result["errors"]:
        tex = formulas[error["index"]][0]
        logger.warning(f"TeX error in a formula of {where or 'a page'}: {error['message']} "
                       f"(in {tex.strip()!r})", type="nwlib", subtype="math")
    return result["html"], result["css"]


# --- the renderer: Sphinx's MathJax markup, with a placeholder where the TeX was ----------------

def _pending(translator) -> dict[int, tuple[str, bool]]:
    return translator.builder.nwlib_math_pending


def _placeholder(translator, tex: str, display: bool) -> str:
    index = next(translator.builder.nwlib_math_counter)
    _pending(translator)[index] = (tex, display)
    return PLACEHOLDER.format(index)


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_placeholder(self, node.astext(), False) + "</span>")
    raise nodes.SkipNode


def display_tex(node: nodes.math_block) -> str:
    """The TeX MathJax would typeset for a display block: as Sphinx's MathJax renderer joins
    paragraphs (``aligned``) and lines (``split``)."""
    if node["nowrap"]:
        return node.astext().strip()
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    tex = [r" \begin{align}\begin{aligned}"] if len(parts) > 1 else []
    for i, part in enumerate(parts):
        tex.append(r"\begin{split}" + part + r"\end{split}" if r"\\" in part else part)
        if i < len(parts) - 1:
            tex.append(r"\\")
    if len(parts) > 1:
        tex.append(r"\end{aligned}\end{align} ")
    return "".join(tex)


def visit_math_block(self, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", "", CLASS="math notranslate nohighlight"))
    if node["number"] and not node["nowrap"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    # as Sphinx's MathJax renderer: no line break after a block Sphinx does not wrap
    self.body.append(_placeholder(self, display_tex(node), True)
                     + ("</div>" if node["nowrap"] else "</div>\n"))
    raise nodes.SkipNode


def keep_punctuation(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """An inline formula and the punctuation right after it become one ``nwlib-nowrap`` span."""
    for math in list(doctree.findall(nodes.math)):
        parent = math.parent
        index = parent.index(math) if parent is not None else -1
        after = parent[index + 1] if 0 <= index < len(parent) - 1 else None
        mark = PUNCTUATION.match(after.astext()) if isinstance(after, nodes.Text) else None
        if not mark:
            continue
        rest = after.astext()[mark.end():]
        if rest:
            parent.replace(after, nodes.Text(rest))
        else:
            parent.remove(after)
        parent.remove(math)
        parent.insert(index, nodes.inline("", "", math, nodes.Text(mark.group(0)),
                                          classes=["nwlib-nowrap"]))


def _fill(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Typeset the page's formulas (one Node call) and put them in place of their placeholders."""
    pending = app.builder.nwlib_math_pending
    keys = [k for k, v in context.items() if isinstance(v, str) and "\ue000nwlib-math-" in v]
    if not keys:
        return
    found = dict.fromkeys(int(i) for key in keys for i in PLACEHOLDERS.findall(context[key]))
    # display blocks first, then inline formulas (MathJax writes the CSS in the order it meets them)
    found = sorted(found, key=lambda index: not pending[index][1])
    order = {index: n for n, index in enumerate(found)}
    font_url = context["pathto"](FONTS_TARGET, 1)
    rendered, css = typeset_page([pending[i] for i in order], font_url, HERE.parent,
                                 where=pagename)
    for key in keys:
        context[key] = PLACEHOLDERS.sub(lambda m: rendered[order[int(m.group(1))]], context[key])
    # pydata-sphinx-theme renders "On this page" before this hook (to drop it when empty) and
    # caches it: drop the copy with placeholders, so the page renders it from the typeset toc
    getattr(context.get("generate_toc_html"), "cache_clear", lambda: None)()
    for index in order:
        pending.pop(index, None)
    if css:
        app.nwlib_math_fonts.update(FONT_FILE.findall(css))
        context["metatags"] = (context.get("metatags") or "") + f'\n<style id="nwlib-math">{css}</style>'


def _configure(app: Sphinx, config) -> None:
    _node()
    # node_modules of the book (where typeset_math.cjs finds MathJax too)
    app.nwlib_math_source = package_folder(HERE.parent) / FONTS
    app.nwlib_math_fonts = set()
    if config.html_math_renderer in (None, "mathjax"):
        config.html_math_renderer = RENDERER


def _builder_ready(app: Sphinx) -> None:
    app.builder.nwlib_math_pending = {}
    app.builder.nwlib_math_counter = itertools.count()


def copy_fonts(app: Sphinx, outdir: Path) -> None:
    target = outdir / FONTS_TARGET
    target.mkdir(parents=True, exist_ok=True)
    for name in sorted(app.nwlib_math_fonts):
        shutil.copy2(app.nwlib_math_source / name, target / name)


def setup(app: Sphinx) -> dict:
    from nwlib_site import add_site_step

    app.setup_extension("nwlib_site")
    app.add_html_math_renderer(RENDERER, inline_renderers=(visit_math, None),
                               block_renderers=(visit_math_block, None))
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _builder_ready)
    app.connect("doctree-resolved", keep_punctuation)
    app.connect("html-page-context", _fill, priority=600)
    add_site_step(app, "math-fonts", copy_fonts, order=300)
    # not parallel-write safe: the formulas and fonts are gathered on the main process
    return {"version": "0.2", "parallel_read_safe": True, "parallel_write_safe": False}
