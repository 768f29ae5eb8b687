"""Sub-headings inside gated solutions (``_ext/nwlib_headings.py``).

A Markdown heading between ``solution-start`` and ``solution-end`` would split the solution across
docutils sections and break sphinx-exercise's merge; the extension turns it into a heading of the
same level inside the solution. First on a small project built here, then on the built site.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from sitekit import DESKTOP, PAGES, ROOT

SOURCE = """# Title

```{exercise}
:label: ex-1

Do it.
```

```{solution-start} ex-1
:class: dropdown
```

Answer.

## First part

One.

### Deeper

Two.

## Second part

Three.

```{solution-end}
```

After the solution.

## A real section

Four.
"""


# Run in a child process: a Sphinx application sets up the "sphinx" loggers for the whole process
# (warnings as errors, no propagation), which other tests in this worker must not inherit.
BUILD = """
import json, sys
from docutils import nodes
from sphinx.application import Sphinx

def toc(item):
    found = []
    for child in item.children:
        if isinstance(child, nodes.bullet_list):
            for entry in child.children:
                reference = next(entry[0].findall(nodes.reference))
                found.append([reference.astext(), reference["anchorname"], toc(entry)])
    return found

src, out = sys.argv[1:]
app = Sphinx(src, src, out, out + "/.doctrees", "html", status=None, warningiserror=True)
app.build()
(title,) = app.env.tocs["index"].children
print(json.dumps(toc(title)))
"""


@pytest.fixture(scope="module")
def small_project(tmp_path_factory):
    """The small project above, built by Sphinx: its page's table of contents (env.tocs) as
    [[title, anchor, [children...]], ...], and its HTML."""
    pytest.importorskip("sphinx_exercise")
    src = tmp_path_factory.mktemp("headings")
    (src / "index.md").write_text(SOURCE, encoding="utf-8")
    shutil.copy(ROOT / "_ext" / "nwlib_headings.py", src / "nwlib_headings.py")
    (src / "conf.py").write_text(
        "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n"
        "extensions = ['myst_parser', 'sphinx_exercise', 'nwlib_headings']\n", encoding="utf-8")
    out = src / "_build"
    done = subprocess.run([sys.executable, "-c", BUILD, str(src), str(out)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), (out / "index.html").read_text("utf-8")


def test_headings_inside_a_gated_solution(small_project):
    _, html = small_project
    solution = html[html.index('class="solution'):html.index("After the solution")]
    found = re.findall(r'<h([23]) class="rubric" id="([^"]+)">([^<]+)', solution)
    assert found == [("2", "first-part", "First part"), ("3", "deeper", "Deeper"),
                     ("2", "second-part", "Second part")]
    assert "Three." in solution  # the whole solution stays inside it
    assert re.search(r"<h2>A real section", html[html.index("After the solution"):])


EXERCISES = ["exercise_1", "exercise_2", "exercise_3", "exercise_4"]


def _solution_headings(name: str) -> tuple[str, list[tuple[str, str]]]:
    """An exercise page's HTML and its solution's headings as (level, id)."""
    page = next((p for p in PAGES if p.stem == name), None)
    if page is None:
        pytest.skip("the site is not built")
    html = page.read_text(encoding="utf-8")
    start = html.index('class="solution')
    return html, re.findall(r'<h([23]) class="rubric" id="([^"]+)">', html[start:])


@pytest.mark.parametrize("name", EXERCISES)
def test_solutions_have_sub_headings(name):
    _, headings = _solution_headings(name)
    level_2 = [h for level, h in headings if level == "2"]
    assert len(level_2) >= 3, f"{name}: {len(level_2)} sub-headings in the solution"


def test_solution_headings_are_in_the_pages_table_of_contents(small_project):
    """Sphinx's toc holds sections only: the solution's headings are added, nested by level and in
    document order with the page's real sections."""
    toc, _ = small_project
    assert toc == [["First part", "#first-part", [["Deeper", "#deeper", []]]],
                   ["Second part", "#second-part", []],
                   ["A real section", "#a-real-section", []]]


def _on_this_page(html: str) -> list[str]:
    nav = re.search(r'<nav id="pst-page-toc-nav"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'href="#([^"]+)"', nav.group(1)) if nav else []


@pytest.mark.parametrize("name", EXERCISES)
def test_on_this_page_lists_every_solution_heading(name):
    html, found = _solution_headings(name)
    headings = [h for _, h in found]
    listed = _on_this_page(html)
    assert headings and [h for h in listed if h in headings] == headings, (headings, listed)


def test_a_heading_in_a_closed_solution_opens_it_from_on_this_page(open_session, site):
    """Following an "On this page" link into a closed solution opens the solution and shows the
    heading; a link to it from elsewhere (with the #anchor in the address) does the same."""
    page_id = "chapters/exercise_2.html"
    html = (site / page_id).read_text(encoding="utf-8")
    anchor = _on_this_page(html)[-1]
    session = open_session(**DESKTOP)
    page = session.goto(page_id)
    solution = page.locator(".solution.dropdown").first
    page.wait_for_function("s => s.classList.contains('toggle-hidden')",
                           arg=solution.element_handle())
    page.locator(f'nav#pst-page-toc-nav a[href="#{anchor}"]').click()
    page.wait_for_function("s => !s.classList.contains('toggle-hidden')",
                           arg=solution.element_handle(), timeout=5000)
    heading = page.locator(f"#{anchor}")
    page.wait_for_function("h => { const r = h.getBoundingClientRect(); "
                           "return r.height > 0 && r.top >= 0 && r.top < innerHeight; }",
                           arg=heading.element_handle(), timeout=5000)
    # the same from a link with the anchor in the address
    other = open_session(**DESKTOP)
    page = other.goto(f"{page_id}#{anchor}")
    page.wait_for_function("h => { const r = h.getBoundingClientRect(); "
                           "return r.height > 0 && r.top >= 0 && r.top < innerHeight; }",
                           arg=page.locator(f"#{anchor}").element_handle(), timeout=5000)
    assert not session.errors and not other.errors, session.errors + other.errors
