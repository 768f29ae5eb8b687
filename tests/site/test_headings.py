"""Sub-headings inside gated solutions (``_ext/nwlib_headings.py``).

A Markdown heading between ``solution-start`` and ``solution-end`` would split the solution across
docutils sections and break sphinx-exercise's merge; the extension turns it into a heading of the
same level inside the solution. First on a small project built here, then on the built site.
"""
from __future__ import annotations

import re
import shutil

import pytest
from sitekit import PAGES, ROOT

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


def test_headings_inside_a_gated_solution(tmp_path):
    sphinx = pytest.importorskip("sphinx.cmd.build")
    (tmp_path / "index.md").write_text(SOURCE, encoding="utf-8")
    shutil.copy(ROOT / "_ext" / "nwlib_headings.py", tmp_path / "nwlib_headings.py")
    (tmp_path / "conf.py").write_text(
        "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n"
        "extensions = ['myst_parser', 'sphinx_exercise', 'nwlib_headings']\n", encoding="utf-8")
    out = tmp_path / "_build"
    assert sphinx.build_main(["-W", "-q", "-b", "html", str(tmp_path), str(out)]) == 0
    html = (out / "index.html").read_text(encoding="utf-8")
    solution = html[html.index('class="solution'):html.index("After the solution")]
    found = re.findall(r'<h([23]) class="rubric" id="([^"]+)">([^<]+)', solution)
    assert found == [("2", "first-part", "First part"), ("3", "deeper", "Deeper"),
                     ("2", "second-part", "Second part")]
    assert "Three." in solution  # the whole solution stays inside it
    assert re.search(r"<h2>A real section", html[html.index("After the solution"):])


@pytest.mark.parametrize("name", ["exercise_1", "exercise_2", "exercise_3", "exercise_4"])
def test_solutions_have_sub_headings(name):
    page = next((p for p in PAGES if p.stem == name), None)
    if page is None:
        pytest.skip("the site is not built")
    html = page.read_text(encoding="utf-8")
    start = html.index('class="solution')
    headings = re.findall(r'<h2 class="rubric" id="[^"]+">', html[start:])
    assert len(headings) >= 3, f"{name}: {len(headings)} sub-headings in the solution"
