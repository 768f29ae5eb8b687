"""The site's Sphinx extensions on a small project of their own (no book build needed).

* ``nwlib_site``: one pass over the built pages; each page goes once through the named page
  transforms, in their order; then the site steps run.
* ``nwlib_math`` is the HTML builder's math renderer: formulas come out typeset by MathJax in Node,
  with Sphinx's markup around them (equation numbers and their links), the punctuation after an
  inline formula kept with it, no MathJax script, and a TeX error as a build warning.
* ``nwlib_theme``: each work-around names the upstream issue it works around.
"""
from __future__ import annotations

import re
import sys
from io import StringIO

import pytest
from sitekit import ROOT

EXT = ROOT / "_ext"

INDEX = r"""
Page one
========

Inline :math:`\sigma^2`, and a display one:

.. math::
   :label: kernel

   K(u) = e^{-u^2/2}

See :eq:`kernel`. A bad macro :math:`\sigmaa` (here on purpose).

.. toctree::

   two
"""
TWO = """
Page two
========

No math here.
"""


def _build(tmp_path, extensions, setup=None, *, index=INDEX, conf=""):
    from sphinx.application import Sphinx

    if not (ROOT / "node_modules" / "mathjax-full").is_dir() and "nwlib_math" in extensions:
        pytest.skip("mathjax-full is not installed: run `npm ci`")
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(f"extensions = {extensions!r}\n{conf}")
    (src / "index.rst").write_text(index)
    (src / "two.rst").write_text(TWO)
    sys.path.insert(0, str(EXT))
    warnings = StringIO()
    app = Sphinx(str(src), str(src), str(tmp_path / "out"), str(tmp_path / "doctrees"), "html",
                 status=None, warning=warnings, freshenv=True)
    if setup:
        setup(app)
    app.build()
    return app, tmp_path / "out", warnings.getvalue()


def test_one_pass_over_the_pages_in_the_named_order(tmp_path):
    import importlib

    sys.path.insert(0, str(EXT))
    site = importlib.import_module("nwlib_site")
    seen: list[tuple[str, str]] = []
    steps: list[str] = []

    def register(app):
        site.add_page_transform(app, "second", lambda page: seen.append(("second", page.name)), order=20)
        site.add_page_transform(app, "first", lambda page: seen.append(("first", page.name)), order=10)

        def mark(page):
            page.text = page.text.replace("</body>", "<!-- marked --></body>")
        site.add_page_transform(app, "mark", mark, order=30)
        site.add_site_step(app, "after", lambda app, outdir: steps.append(str(len(seen))))
        with pytest.raises(ValueError, match="first"):
            site.add_page_transform(app, "first", mark)
        assert site.page_transforms(app) == ["first", "second", "mark"]

    _, out, _ = _build(tmp_path, ["nwlib_site"], register)
    pages = sorted(p.relative_to(out).as_posix() for p in site.built_pages(out))
    assert {"index.html", "two.html", "genindex.html", "search.html"} <= set(pages)
    assert sorted(name for step, name in seen if step == "first") == pages, "a page seen twice or not at all"
    # each page meets "first" before "second"
    for name in pages:
        assert seen.index(("first", name)) < seen.index(("second", name))
    assert steps == [str(len(seen))], "the site steps ran before the pass ended"
    assert "<!-- marked -->" in (out / "two.html").read_text()


def test_math_renderer_typesets_with_sphinx_markup(tmp_path):
    app, out, warnings = _build(tmp_path, ["nwlib_math"])
    assert app.builder.math_renderer_name == "nwlib_math"
    html = (out / "index.html").read_text()
    assert "mathjax" not in " ".join(re.findall(r"<script[^>]*>", html)).lower(), "a MathJax script"
    assert html.count("<mjx-container") == 3 and html.count("<mjx-assistive-mml") == 3
    assert "\ue000" not in html, "a placeholder was left in the page"
    # the display block keeps Sphinx's number and its link; the inline formula keeps its comma
    assert re.search(r'<div class="math notranslate nohighlight" id="equation-kernel">'
                     r'<span class="eqno">\(1\)<a class="headerlink"[^>]*>.*?</a></span><mjx-container',
                     html), "the display block lost Sphinx's markup"
    assert re.search(r'<span class="nwlib-nowrap"><span class="math notranslate nohighlight">'
                     r'<mjx-container[^>]*>.*?</mjx-container></span>,</span>', html, re.DOTALL)
    assert '<style id="nwlib-math">' in html and "NWLIBSTRUT" in html
    assert "<mjx-container" not in (out / "two.html").read_text()
    assert re.search(r"TeX error in a formula of index: .*\\\\sigmaa", warnings), warnings
    assert list((out / "_static" / "mathjax" / "woff-v2").glob("*.woff")), "no math fonts copied"


def test_a_formula_in_a_heading_is_typeset_in_on_this_page_too(tmp_path):
    """The theme renders "On this page" once before the formulas are typeset (to see whether it
    is empty) and caches it; the typeset one must be what the page shows."""
    index = "Title\n=====\n\nWhat :math:`\\hat p(x)` changes\n" + "-" * 30 + "\n\nText.\n\n" \
        "Other\n-----\n\nMore.\n\n.. toctree::\n\n   two\n"
    _, out, warnings = _build(tmp_path, ["nwlib_math"], index=index,
                              conf='html_theme = "sphinx_book_theme"\n')
    html = (out / "index.html").read_text()
    assert "\ue000" not in html, "a placeholder was left in the page"
    toc = re.search(r'<nav id="pst-page-toc-nav"[^>]*>(.*?)</nav>', html, re.DOTALL)
    assert toc and "<mjx-container" in toc.group(1), "the formula in On this page is not typeset"
    # (a second Sphinx application in one process warns that node classes are registered again)
    assert not [w for w in warnings.splitlines() if "already registered" not in w], warnings


def test_theme_work_arounds_name_their_upstream_issues():
    text = (EXT / "nwlib_theme.py").read_text()
    doc = text.split('"""')[1]
    items = [item for item in doc.split("\n* ")[1:]]
    assert len(items) >= 5
    for item in items:
        assert re.search(r"[\w.-]+#\d+|no upstream issue found", item), f"names no issue: {item[:60]}"
