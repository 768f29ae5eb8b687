"""The whole book as one PDF (``_downloads/attention-pooling.pdf``, printed by ``_ext/nwlib_print.py``).

Read back with pypdf: it has every page's title and each exercise's solution (open), as many
figures as the pages have images (each figure is a tagged ``Figure`` with its alt text; matplotlib's
SVG figures are vectors, so the count comes from the tags), every raster image (the explorers'
default frames) at its pixel size, math typeset (no TeX left), numbered pages; each page's download
menu and the intro link it.
"""
from __future__ import annotations

import re
import unicodedata
from html import unescape
from html.parser import HTMLParser

import pytest
from sitekit import CONTENT_IDS, ROOT, SITE, page_html

pypdf = pytest.importorskip("pypdf")

PDF = "_downloads/attention-pooling.pdf"
ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*?)</article>', re.DOTALL)
IMG = re.compile(r"<img\b[^>]*>")
H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL)
SOLUTION_TITLE = re.compile(r'class="solution[^"]*dropdown[^"]*"')
PRE = re.compile(r"<pre\b[^>]*>(.*?)</pre>", re.DOTALL)
TEX = re.compile(r"\\(frac|sum|sigma|alpha|kappa|mathrm|left|right|begin)\b|\$\$|\\\(|\\\[")


class _Solutions(HTMLParser):
    """The prose of each solution (``<div class="solution dropdown ...">``) of a page: the text
    runs of its paragraphs, math and code left out (they extract from a PDF differently)."""

    SKIP = {"pre", "code", "summary", "mjx-container", "script", "style"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.paragraph = 0
        self.skip = 0
        self.runs: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self.depth:
            self.depth += tag == "div"
            self.paragraph += tag == "p"
            self.skip += tag in self.SKIP
        elif tag == "div" and "solution" in classes and "dropdown" in classes:
            self.depth = 1
            self.runs.append([])

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= tag == "div"
            self.paragraph -= tag == "p" and self.paragraph > 0
            self.skip -= tag in self.SKIP and self.skip > 0

    def handle_data(self, data):
        if self.depth and self.paragraph and not self.skip:
            self.runs[-1].append(" ".join(data.split()))


def _solution_phrases(article: str) -> list[str]:
    """From each solution, the longest run of plain prose among its last ones."""
    parser = _Solutions()
    parser.feed(article)
    phrases = []
    for runs in parser.runs:
        long = [r for r in runs if len(r) >= 25]
        if long:
            phrases.append(max(long[-8:], key=len))
    return phrases


def _text(fragment: str) -> str:
    text = unescape(re.sub(r"<[^>]+>", "", fragment)).replace("#", "")
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def book(site):
    path = site / PDF
    assert path.is_file(), f"{PDF} is missing: the book build prints it (or `make pdf`)"
    reader = pypdf.PdfReader(path)
    # NFKC: the PDF's text has ligatures ("ﬁ") where the page has letters
    texts = [unicodedata.normalize("NFKC", page.extract_text() or "") for page in reader.pages]
    return reader, texts


def _articles() -> dict[str, str]:
    return {p: ARTICLE.search(page_html(p)).group(1) for p in CONTENT_IDS if p != "(no site)"}


def _figures(reader) -> list[str]:
    """The alt texts of the PDF's tagged figures that have one (Chromium tags an <img> as a Figure
    with its alt; an HTML <figure> is a Figure too, without alt)."""
    found: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/Figure" and node.get("/Alt"):
                found.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    tree = reader.trailer["/Root"].get("/StructTreeRoot")
    assert tree is not None, "the PDF is not tagged"
    walk(tree)
    return found


def test_pdf_has_every_page_title_and_numbered_pages(book):
    reader, texts = book
    whole = re.sub(r"\s+", "", "".join(texts))
    for page_id, article in _articles().items():
        title = _text(H1.search(article).group(1))
        assert title and title in whole, f"the PDF lacks the title of {page_id}: {title!r}"
    n = len(texts)
    assert n > len(_articles()), f"{n} sheets for {len(_articles())} pages"
    unnumbered = [k + 1 for k, t in enumerate(texts) if not re.search(rf"\b{k + 1}\s*/\s*{n}\b", t)]
    assert not unnumbered, f"sheets without their number 'k / {n}': {unnumbered[:10]}"


def test_pdf_is_titled_with_the_books_title(book):
    """The cover and the document's title are the book's title (_config.yml), not Sphinx's
    "Project name not set" (Jupyter Book sets html_title from it, not project)."""
    reader, texts = book
    title = re.search(r"^title:\s*(.+)$", (ROOT / "_config.yml").read_text("utf-8"),
                      re.MULTILINE).group(1).strip().strip("\"'")
    assert reader.metadata.title == title, reader.metadata.title
    assert texts[0].lstrip().startswith(title), texts[0][:80]


def test_pdf_has_every_figure_and_the_solutions_open(book, site):
    reader, texts = book
    articles = _articles()
    alts = [unescape(m.group(1)) for a in articles.values() for img in IMG.findall(a)
            for m in [re.search(r'\balt="([^"]*)"', img)] if m and m.group(1).strip()]
    images = sum(len(IMG.findall(a)) for a in articles.values())
    assert images and len(alts) == images, "an image of the pages has no alt text"
    figures = _figures(reader)
    assert len(figures) == images, f"the PDF has {len(figures)} figures, the pages {images} images"
    assert sorted(a.strip() for a in figures) == sorted(a.strip() for a in alts)
    # raster images (default frames, PNG figures) are in it at their pixel size
    in_pdf = [image.image.size for page in reader.pages for image in page.images]
    for page_id, article in articles.items():
        for src in re.findall(r'<img\b[^>]*\bsrc="([^"]+\.png)"', article):
            head = ((SITE / page_id).parent / src).read_bytes()[:24]
            size = (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"))
            assert size in in_pdf, f"{page_id}: {src} {size} is not in the PDF"
    # solutions open: the end of each one prints
    solutions = sum(len(SOLUTION_TITLE.findall(a)) for a in articles.values())
    phrases = [p for a in articles.values() for p in _solution_phrases(a)]
    assert solutions and len(phrases) == solutions, f"{len(phrases)} phrases for {solutions} solutions"
    whole = re.sub(r"\s+", "", "".join(texts))
    # its first and last words: a page break may split a phrase, with other text between
    missing = [p for p in phrases
               if not all(_text(" ".join(words)) in whole for words in (p.split()[:4], p.split()[-4:]))]
    assert not missing, f"solutions missing from the PDF (closed?): {missing}"


def test_pdf_math_is_typeset(book):
    """TeX in the PDF comes from code (matplotlib labels) only, never from the prose's math."""
    _, texts = book
    in_code = sum(len(TEX.findall(unescape(re.sub(r"<[^>]+>", "", pre))))
                  for a in _articles().values() for pre in PRE.findall(a))
    raw = [(k + 1, m.group(0)) for k, t in enumerate(texts) for m in TEX.finditer(t)]
    assert len(raw) <= in_code, f"TeX left untypeset in the PDF (sheet, text): {raw[:10]}"


def test_pdf_is_linked_from_every_page_and_the_intro(site):
    for page_id in CONTENT_IDS:
        html = page_html(page_id)
        if "download-buttons" in html:
            assert PDF in html, f"{page_id}: its download menu does not link the PDF"
    intro = next(p for p in CONTENT_IDS if p.endswith("intro.html"))
    assert f'href="../{PDF}"' in ARTICLE.search(page_html(intro)).group(1), "the intro does not link the PDF"
