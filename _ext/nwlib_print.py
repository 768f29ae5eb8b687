"""Sphinx extension: the book on paper, and the whole book as one PDF.

* **Printing a page** (``static/nwlib-print.css``, a ``media="print"`` stylesheet, so the screen
  never waits for it): code and outputs wrap instead of being cut at the right margin, nothing
  scrolls, and an explorer prints its default frame (the image ``nwlib_frames`` puts before each
  widget, which ``nwlib-widgets.js`` hides rather than removes once the widget is drawn), not its
  sliders and buttons. Lazy images print: Chromium loads every lazy image of a page before it
  prints it (``Document::WillPrintSoon``); ``tests/site/test_print.py`` checks that, right after
  the page loads, with and without the widgets drawn and with the solutions open.
* **The book as one PDF**, ``_downloads/attention-pooling.pdf`` (site step "book-pdf", after the
  pass over the pages, so the pages are final: math typeset into HTML and CSS, default frames in
  place): the articles of the book's pages in the order of the table of contents, after a title
  page with the contents, go into one HTML document, which Chromium (through Playwright) prints
  with JavaScript off, so the solutions are open (they close only under JavaScript), explorers
  show their default frames and no image is lazy. The PDF is tagged (each figure a ``Figure``
  with its alt text), has bookmarks from the headings, and numbered pages. Links between the
  book's pages become links inside the PDF. Each page's download menu links it.

Chromium: ``NWLIB_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium``, ``google-chrome`` on
the PATH. Without one the build warns (an error under ``--warningiserror``: the menu would link a
missing file). ``make pdf`` rebuilds the PDF alone from an already built site
(``python _ext/nwlib_print.py _build/html``).
"""
from __future__ import annotations

import functools
import html
import http.server
import os
import posixpath
import re
import shutil
import sys
import threading
import time
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

PDF = "_downloads/attention-pooling.pdf"
# the combined document, written next to the site's pages while Chromium prints it, then removed
PRINT_DOC = "_nwlib-book-print.html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*?)</article>', re.DOTALL)
MATH_STYLE = re.compile(r'<style id="nwlib-math">(.*?)</style>', re.DOTALL)
STYLESHEET = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*>')
HREF = re.compile(r'\bhref="([^"]+)"')
TITLE = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL)
URL_ATTR = re.compile(r'\b(href|src)="([^"]*)"')
TAG = re.compile(r"<[^>]+>")
# what prints nothing useful: the headings' pilcrow links and the solutions' toggle buttons
PDF_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm 15mm; }
html, body { background: #fff; }
body { margin: 0; }
.nwlib-pdf-page { break-before: page; }
.nwlib-pdf-title { font-size: 2.4rem; font-weight: 700; margin: 8rem 0 3rem; }
.nwlib-pdf-cover ol { font-size: 1.1rem; line-height: 1.8; }
a.headerlink, button.toggle-button, .toggle-button, button.copybtn { display: none !important; }
"""
PDF_SCALE = 0.85
# the theme's containers around the articles, as on the site: without them, Chromium drew some
# of the theme's rules as page-sized image masks (3 MB of the PDF)
LAYOUT = ('<div class="bd-container"><div class="bd-container__inner bd-page-width"><main class="bd-main">'
          '<div class="bd-content"><div class="bd-article-container"><article class="bd-article">',
          "</article></div></div></main></div></div>")
FOOTER = ('<div style="width:100%;font-size:8px;text-align:center;color:#555">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


def find_chromium() -> str | None:
    """The Chromium to print with: ``NWLIB_CHROMIUM``, Debian's, or one on the PATH."""
    named = os.environ.get("NWLIB_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


def toc_order(env, root: str) -> list[str]:
    """The book's documents in reading order: the root, then its toctree, depth first."""
    order = [root]
    for child in env.toctree_includes.get(root, []):
        order += [d for d in toc_order(env, child) if d not in order]
    return order


def _rebase(page_html: str, page_dir: str, pages: dict[str, str]) -> str:
    """URLs of a page in ``page_dir`` made relative to the site's root; a link to another page of
    the book (``pages``: its path -> its anchor here) becomes a link inside the document; other
    links to the site's files, which would point into this machine, lose their target."""
    def fix(match: re.Match) -> str:
        attr, url = match.groups()
        if not url or url.startswith(("#", "data:", "mailto:")) or "://" in url:
            return match.group(0)
        path, _, fragment = html.unescape(url).partition("#")
        target = posixpath.normpath(posixpath.join(page_dir, path)) if path else ""
        if attr == "src":
            return f'src="{html.escape(target)}"'
        if target in pages:
            return f'href="#{html.escape(fragment or pages[target])}"'
        return 'data-nwlib-link="site file"'
    return URL_ATTR.sub(fix, page_html)


def _plain(fragment: str) -> str:
    return html.unescape(TAG.sub("", fragment)).replace("#", "").strip()


def print_document(outdir: Path, docnames: list[str], title: str) -> tuple[str, list[str]]:
    """The book's pages as one HTML document for the site's root; also each page's title."""
    paths = {f"{doc}.html": f"nwlib-pdf-{doc.replace('/', '-')}" for doc in docnames}
    sheets: list[str] = []
    styles: list[str] = []
    sections: list[str] = []
    titles: list[str] = []
    for doc in docnames:
        page = (outdir / f"{doc}.html").read_text(encoding="utf-8")
        page_dir = posixpath.dirname(f"{doc}.html")
        article = ARTICLE.search(page)
        if article is None:
            raise ValueError(f"{doc}.html has no <article class=\"bd-article\">: the theme changed")
        # every stylesheet of the page, the print ones (media="print") included
        for link in STYLESHEET.findall(page[:page.find("</head>")]):
            href = posixpath.normpath(posixpath.join(page_dir, html.unescape(HREF.search(link).group(1))))
            if href not in sheets:
                sheets.append(href)
        styles += [s for s in MATH_STYLE.findall(page) if s not in styles]
        heading = TITLE.search(article.group(1))
        titles.append(_plain(heading.group(1)) if heading else doc)
        sections.append(f'<section class="nwlib-pdf-page" id="{paths[f"{doc}.html"]}">'
                        f'{_rebase(article.group(1), page_dir, paths)}</section>')
    contents = "".join(f'<li><a href="#{paths[f"{doc}.html"]}">{html.escape(t)}</a></li>'
                       for doc, t in zip(docnames, titles))
    # the title as a styled paragraph: an <h1> there did not show (hidden by the theme's styles)
    cover = (f'<section class="nwlib-pdf-cover"><p class="nwlib-pdf-title" role="heading" aria-level="1">'
             f"{html.escape(title)}</p>"
             f"<ol>{contents}</ol></section>")
    links = "".join(f'<link rel="stylesheet" href="{html.escape(s)}">' for s in sheets)
    # data-theme: the theme's colours are defined for html[data-theme]; no data-mode, which is
    # what collapses the solutions (nwlib-site.css)
    document = (f'<!DOCTYPE html><html lang="en" data-theme="light"><head><meta charset="utf-8">'
                f"<title>{html.escape(title)}</title>{links}"
                + "".join(f"<style>{s}</style>" for s in styles)
                + f"<style>{PDF_CSS}</style></head><body>{LAYOUT[0]}{cover}"
                + "".join(sections) + f"{LAYOUT[1]}</body></html>")
    return document, titles


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def print_pdf(outdir: Path, document: str, target: Path, chromium: str) -> int:
    """Print ``document`` (HTML for the site's root) to ``target`` with Chromium; returns the
    number of images it shows. The site is served on 127.0.0.1 (web fonts do not load from
    file:// pages), with JavaScript off."""
    from playwright.sync_api import sync_playwright

    doc_path = outdir / PRINT_DOC
    doc_path.write_text(document, encoding="utf-8")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(outdir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(java_script_enabled=False)
            origin = f"http://127.0.0.1:{server.server_address[1]}/"
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin)
                          else route.abort())
            page = context.new_page()
            page.goto(origin + PRINT_DOC, wait_until="load", timeout=120_000)
            page.evaluate("document.fonts.ready")
            broken = page.evaluate("""() => Array.from(document.images)
                .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))""")
            if broken:
                raise RuntimeError(f"the book's PDF: images did not load: {broken}")
            images = page.evaluate("document.images.length")
            target.parent.mkdir(parents=True, exist_ok=True)
            # scale: the page's column is as many CSS pixels wide as on a desktop screen, so
            # what fits there (a wide equation) fits on paper, at 10 pt rather than 12
            page.pdf(path=str(target), print_background=True, prefer_css_page_size=True, scale=PDF_SCALE,
                     display_header_footer=True, header_template="<span></span>",
                     footer_template=FOOTER, tagged=True, outline=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        doc_path.unlink(missing_ok=True)
    return images


def build_pdf(outdir: Path, docnames: list[str], title: str) -> Path | None:
    chromium = find_chromium()
    if chromium is None:
        logger.warning("nwlib_print: no Chromium to print the book's PDF with (install chromium, or "
                       f"set NWLIB_CHROMIUM to a Chromium binary): {PDF} is not built")
        return None
    start = time.perf_counter()
    document, titles = print_document(outdir, docnames, title)
    target = outdir / PDF
    images = print_pdf(outdir, document, target, chromium)
    logger.info(f"nwlib_print: {len(titles)} pages, {images} images -> {PDF} "
                f"({target.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - start:.0f} s)")
    return target


def _pdf_step(app: Sphinx, outdir: Path) -> None:
    # Jupyter Book puts the book's title in html_title; project stays Sphinx's placeholder
    build_pdf(outdir, toc_order(app.env, app.config.root_doc),
              app.config.html_title or app.config.project)


def _download_menu(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """The book's PDF in each page's download menu (after nwlib_reader's archive, 502)."""
    pathto = context.get("pathto")
    for group in context.get("header_buttons") or []:
        if group.get("label") == "download-buttons" and pathto:
            group["buttons"].insert(1, {
                "type": "link", "url": pathto(PDF, 1), "text": "book (.pdf)",
                "tooltip": "Download the whole book as one PDF, solutions included",
                "icon": "fas fa-file-pdf", "label": "download-book-pdf-button"})


def setup(app: Sphinx) -> dict:
    from nwlib_site import add_site_step

    app.setup_extension("nwlib_site")
    app.add_css_file("nwlib-print.css", media="print")
    app.connect("html-page-context", _download_menu, priority=503)
    # after the archive and the icon fonts: the pages and their assets are final
    add_site_step(app, "book-pdf", _pdf_step, order=800)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}


def _main(argv: list[str]) -> int:
    """``python _ext/nwlib_print.py SITE``: rebuild the PDF of a built site (``make pdf``)."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    site = Path(argv[1] if len(argv) > 1 else root / "_build" / "html")
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]
    for part in toc.get("parts", []):
        docs += [chapter["file"] for chapter in part.get("chapters", [])]
    if not (site / "index.html").is_file():
        print(f"no built site at {site}: run `make book` first", file=sys.stderr)
        return 1
    logging_setup = __import__("logging")
    logging_setup.basicConfig(level=logging_setup.INFO, format="%(message)s")
    return 0 if build_pdf(site, docs, config["title"]) else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
