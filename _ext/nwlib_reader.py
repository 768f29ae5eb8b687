"""Sphinx extension: the book's website for every reader (phones, keyboards, screen readers, slow links).

* Layout: ``static/nwlib-site.css`` lets wide equations, code and outputs scroll inside their box
  and widgets shrink to the column, so no page scrolls sideways at 390 px (the theme's own
  defects are worked around in ``nwlib_theme``).
* Page scripts, each only where it is needed: ``nwlib-site.js`` (every page: wide boxes that scroll
  become focusable), ``nwlib-solutions.js`` (pages with solutions: the whole title bar opens a
  solution), ``nwlib-widgets.js`` (pages with widgets: lazy frames; names and states of sliders,
  toggle and Play buttons and frames), ``nwlib-search.js`` (the search page: snippets show formulas
  as plain text, not TeX).
* Math is typeset at build time (``nwlib_math``): no MathJax script, nothing re-flows.
* The images of a page's content load lazily and carry their size (no layout shift when they
  arrive): page transform "lazy-sized-images" (``nwlib_site``).
* Icon fonts: the theme's Font Awesome 6 fonts (the solid one alone is 157 kB, fetched by every
  page) are cut down with fontTools to the icons the site names (``subset_icon_fonts``; the names
  are gathered by page transform "icons-used" during the pass over the pages).
* Downloads: one archive, ``_downloads/attention-pooling-notebooks.zip``, with the notebooks (as
  committed, without outputs), ``nwlib``, ``requirements.txt``, ``pyproject.toml`` and the archive's
  own ``README.md`` and ``Makefile`` (``archive/``; the repository's would offer targets that need
  files the archive has not): unpacked, ``make lab`` runs the book's notebooks. Each page's
  download menu links it.
"""
from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from nwlib_site import BuiltPage, add_page_transform, add_site_step
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

ARCHIVE = "_downloads/attention-pooling-notebooks.zip"
ARCHIVE_ROOT = "attention-pooling"
# name in the archive -> source, relative to the repository (README and Makefile: the archive's own)
ARCHIVE_FILES = {"README.md": "_ext/archive/README.md", "Makefile": "_ext/archive/Makefile",
                 "pyproject.toml": "pyproject.toml", "requirements.txt": "requirements.txt"}
# a fixed date: the archive is the same bytes for the same files (1980 is the zip format's epoch)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _has_widgets(body: str) -> bool:
    return "application/vnd.jupyter.widget-view+json" in body


def _page_assets(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Scripts only where they are needed (runs after sphinx.ext.mathjax and myst-nb, priority 500)."""
    body = context.get("body", "") or ""
    if _has_widgets(body):
        # before the widget manager (myst-nb adds it at priority 500): its images are created lazy
        app.builder.add_js_file("nwlib-widgets.js", defer="defer", priority=450)
    if "toggle-button" in body or 'class="solution dropdown' in body or "dropdown admonition" in body:
        app.builder.add_js_file("nwlib-solutions.js", defer="defer", priority=900)
    if pagename == "search":
        app.builder.add_js_file("nwlib-search.js", defer="defer", priority=900)


def _download_menu(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Add the notebooks' archive to the page's download menu (after sphinx-book-theme, 501)."""
    pathto = context.get("pathto")
    for group in context.get("header_buttons") or []:
        if group.get("label") == "download-buttons" and pathto:
            group["buttons"].insert(0, {
                "type": "link", "url": pathto(ARCHIVE, 1), "text": "notebooks (.zip)",
                "tooltip": "Download every notebook with nwlib and requirements.txt",
                "icon": "fas fa-file-zipper", "label": "download-notebooks-button"})


DESCRIPTION_CHARS = 160


def _plain_text(node) -> str:
    """A node's text with each formula's TeX as Unicode (pylatexenc): "p̂(x) = 1/n ∑_i=1^n κ(x, x_i)"."""
    from docutils import nodes
    from pylatexenc.latex2text import LatexNodes2Text

    if isinstance(node, nodes.math):
        return LatexNodes2Text(math_mode="text").latex_to_text(node.astext())
    if isinstance(node, nodes.Text):
        return node.astext()
    return "".join(_plain_text(child) for child in node.children)


def page_description(doctree, fallback: str = "") -> str:
    """A page's summary for search engines (``<meta name="description">``): its first paragraph of
    prose (not in a note, a solution or a figure; formulas as Unicode text, since a search result
    shows no math), cut at a word near 160 characters."""
    from docutils import nodes

    skip = (nodes.figure, nodes.caption, nodes.table, nodes.literal_block)
    for paragraph in doctree.findall(nodes.paragraph) if doctree is not None else ():
        parent, inside = paragraph.parent, False
        while parent is not None:
            classes = parent.get("classes", []) if isinstance(parent, nodes.Element) else []
            # an exercise's statement says what the page is about; a solution or a note does not
            if isinstance(parent, skip) or "solution" in classes or (
                    isinstance(parent, nodes.Admonition) and "exercise" not in classes):
                inside = True
                break
            parent = parent.parent
        # a paragraph all in italics is an aside ("To run this notebook yourself: ...")
        aside = len(paragraph.children) == 1 and isinstance(paragraph[0], nodes.emphasis)
        text = " ".join(_plain_text(paragraph).split())
        if not inside and not aside and len(text) >= 60:
            break
    else:
        text = fallback
    if len(text) > DESCRIPTION_CHARS:
        text = text[:DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def _description(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Each page says what it holds (Lighthouse SEO: "Document has a meta description")."""
    fallback = f"{context.get('title') or pagename} — {app.config.project}"
    text = page_description(doctree, re.sub(r"<[^>]+>", "", fallback))
    tag = f'<meta name="description" content="{html.escape(text, quote=True)}" />'
    context["metatags"] = (context.get("metatags") or "") + "\n" + tag


def build_archive(srcdir: Path, outdir: Path, notebooks: list[Path]) -> Path:
    """Write the notebooks, ``nwlib`` and the files to install and run them into one zip."""
    members: list[tuple[Path, str]] = [(nb, nb.relative_to(srcdir).as_posix()) for nb in notebooks]
    package = srcdir / "nwlib"
    members += [(f, f.relative_to(srcdir).as_posix()) for f in sorted(package.rglob("*"))
                if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"]
    members += [(srcdir / source, name) for name, source in ARCHIVE_FILES.items()]
    target = outdir / ARCHIVE
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, name in members:
            info = zipfile.ZipInfo(f"{ARCHIVE_ROOT}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    return target


IMG_TAG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\bsrc="([^"]+)"')


def image_size(path: Path) -> tuple[int, int] | None:
    """Pixel size of a PNG (its IHDR) or an SVG (its viewBox), else None."""
    try:
        head = path.read_bytes()[:4096] if path.suffix.lower() == ".svg" else path.open("rb").read(24)
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    box = re.search(rb'viewBox="\s*[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)[ ,]+([\d.]+)', head)
    if box:
        return round(float(box.group(1))), round(float(box.group(2)))
    return None


def _lazy_sized(tag: str, page_dir: Path) -> str:
    """Images load when scrolled to, and have their size before they load (no layout shift)."""
    if "loading=" not in tag:
        tag = tag[:4] + ' loading="lazy"' + tag[4:]
    src = SRC.search(tag)
    if "width=" not in tag and src and "://" not in src.group(1) and not src.group(1).startswith("data:"):
        size = image_size(page_dir / src.group(1).split("?")[0])
        if size and all(size):
            tag = tag[:4] + f' width="{size[0]}" height="{size[1]}"' + tag[4:]
    return tag


EMPTY_HEADER = re.compile(r"<th>\s*</th>")


def no_empty_table_headers(page: BuiltPage) -> None:
    """A table's empty corner header (pandas writes ``<th></th>`` above its index) becomes an empty
    data cell: a header with no text names nothing (axe-core: empty-table-header)."""
    page.text = EMPTY_HEADER.sub("<td></td>", page.text)


def lazy_sized_images(page: BuiltPage) -> None:
    """The images of the page's content (not the theme's logo) load lazily, with their size."""
    start = page.text.find('<main id="main-content"')
    if start >= 0:
        page.text = page.text[:start] + IMG_TAG.sub(lambda m: _lazy_sized(m.group(0), page.path.parent),
                                                     page.text[start:])


# Font Awesome 6 as pydata-sphinx-theme vendors it: the stylesheet maps each icon class to a code
# point (".fa-bars:before{content:"\f0c9"}", aliases share a rule) and the fonts hold the glyphs.
ICON_CSS = "_static/styles/pydata-sphinx-theme.css"
ICON_FONTS = "_static/vendor/fontawesome/webfonts"
ICON_RULE = re.compile(r'([^{}]+)\{content:"\\([0-9a-fA-F]+) ?"\}')
ICON_CLASS = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
# the widget manager's Play widget draws these itself (class "fa fa-play", ...), which the
# theme's ".fa" rule may style; its own script is not searched, since it lists every icon
WIDGET_ICONS = ("play", "pause", "stop", "retweet")


def icon_code_points(css: str) -> dict[str, int]:
    """Icon name -> code point, from the Font Awesome rules of a stylesheet."""
    points: dict[str, int] = {}
    for selectors, code in ICON_RULE.findall(css):
        for selector in selectors.split(","):
            name = re.fullmatch(r"\s*\.fa-([a-z0-9-]+):{1,2}before\s*", selector)
            if name:
                points[name.group(1)] = int(code, 16)
    return points


def theme_script_icons(outdir: Path) -> set[str]:
    """Icon names the theme's scripts use (``fa-NAME``), and those the widgets draw."""
    names = set(WIDGET_ICONS)
    for path in (outdir / "_static").rglob("*.js"):
        if "html-manager" not in path.parts:
            names.update(ICON_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def subset_icon_fonts(outdir: Path, names: set[str]) -> dict[str, tuple[int, int]]:
    """Keep in the theme's icon fonts only the glyphs of the icons named (``names``).

    Returns ``{font file: (bytes before, bytes after)}``; the fonts keep their names, so the
    theme's stylesheet still finds them.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    css = outdir / ICON_CSS
    fonts = outdir / ICON_FONTS
    if not css.is_file() or not fonts.is_dir():
        return {}
    points = icon_code_points(css.read_text(encoding="utf-8"))
    keep = {points[name] for name in names if name in points}
    sizes = {}
    for path in sorted(fonts.iterdir()):
        if path.suffix not in (".woff2", ".ttf"):
            continue
        before = path.stat().st_size
        font = TTFont(path)
        options = subset.Options()
        options.flavor = "woff2" if path.suffix == ".woff2" else None
        options.layout_features = ["*"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep & set(font.getBestCmap()))
        subsetter.subset(font)
        font.flavor = options.flavor
        font.save(path)
        sizes[path.name] = (before, path.stat().st_size)
    return sizes


def _archive(app: Sphinx, outdir: Path) -> None:
    srcdir = Path(app.srcdir)
    notebooks = sorted(srcdir / f"{doc}.ipynb" for doc in app.env.found_docs
                       if (srcdir / f"{doc}.ipynb").is_file())
    target = build_archive(srcdir, outdir, notebooks)
    logger.info(f"nwlib_reader: {len(notebooks)} notebooks archived in {target.relative_to(outdir)}")


def setup(app: Sphinx) -> dict:
    app.setup_extension("nwlib_site")
    app.add_css_file("nwlib-site.css")
    app.add_js_file("nwlib-site.js", loading_method="defer", priority=900)
    app.connect("html-page-context", _page_assets, priority=600)
    app.connect("html-page-context", _download_menu, priority=502)
    app.connect("html-page-context", _description)
    icons: set[str] = set()

    def icons_used(page: BuiltPage) -> None:
        icons.update(ICON_CLASS.findall(page.text))

    def icon_fonts(app: Sphinx, outdir: Path) -> None:
        sizes = subset_icon_fonts(outdir, icons | theme_script_icons(outdir))
        if sizes:
            logger.info("nwlib_reader: icon fonts cut to the icons used: " + ", ".join(
                f"{name} {a / 1e3:.0f} -> {b / 1e3:.0f} kB" for name, (a, b) in sizes.items()))

    add_page_transform(app, "lazy-sized-images", lazy_sized_images, order=300)
    add_page_transform(app, "no-empty-table-headers", no_empty_table_headers, order=400)
    add_page_transform(app, "icons-used", icons_used, order=900)
    add_site_step(app, "notebook-archive", _archive, order=100)
    add_site_step(app, "icon-fonts", icon_fonts, order=200)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
