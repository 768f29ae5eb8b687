"""The conventions every notebook of chapters/ follows, read from the files (fast, no browser).

The markup that makes a notebook read in JupyterLab as on the site is written by
tools/notebook_markup.py (run ``python tools/notebook_markup.py chapters/*.ipynb`` after editing a
notebook); tests/lab checks what it gives in Chromium. Here: that every notebook is in the form
the tool writes, and the conventions of the guide that the tool cannot make true by itself.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = REPO / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
MAX_VISIBLE_LINES = 15
CHECK = re.compile(r"""print\(f?["']checked""")
ROLE = re.compile(r"\{([a-z][\w:-]*)\}`([^`]*)`")
# roles that mean the same in Lab (mystmd) and on the site (Sphinx); {doc} is not one of them
ROLES_IN_BOTH = {"numref", "math", "sub", "sup", "abbr", "kbd"}

_spec = importlib.util.spec_from_file_location("notebook_markup",
                                               REPO / "tools" / "notebook_markup.py")
markup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(markup)


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def _ids(paths):
    return [p.name for p in paths]


def _hidden_on_site(cell) -> bool:
    return any(t in cell.metadata.get("tags", []) for t in markup.HIDE_TAGS)


def _hidden_in_lab(cell) -> bool:
    return bool(cell.metadata.get("jupyter", {}).get("source_hidden"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 5


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_in_the_form_the_markup_tool_writes(path):
    text = path.read_text(encoding="utf-8")
    assert markup.canonical(text, path.parent, path.name) == text, (
        f"{path.name}: run `python tools/notebook_markup.py chapters/*.ipynb` (outputs, widget "
        "state or Lab's metadata in the file, or markup that reads differently in JupyterLab)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_visible_code_cell_is_longer_than_15_lines(path):
    long = [(i, len(c.source.splitlines())) for i, c in enumerate(_read(path).cells)
            if c.cell_type == "code" and not _hidden_on_site(c)
            and len(c.source.splitlines()) > MAX_VISIBLE_LINES]
    assert not long, f"{path.name}: visible code cells (index, lines) over 15 lines: {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_check_cells_are_hidden_on_the_site_and_in_lab_with_their_output_shown(path):
    checks = [(i, c) for i, c in enumerate(_read(path).cells)
              if c.cell_type == "code" and CHECK.search(c.source)]
    assert checks or "exercise" not in path.name, f"{path.name}: no check cell"
    for i, cell in checks:
        tags = cell.metadata.get("tags", [])
        assert "hide-input" in tags, f"{path.name} cell {i}: a check shows its code on the site"
        assert _hidden_in_lab(cell), f"{path.name} cell {i}: a check shows its code in Lab"
        assert not {"hide-output", "remove-output", "remove-cell"} & set(tags)
        assert not cell.metadata.get("jupyter", {}).get("outputs_hidden"), (
            f"{path.name} cell {i}: the 'checked' line must show")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_hidden_code_is_hidden_in_both_places(path):
    for i, cell in enumerate(_read(path).cells):
        if cell.cell_type == "code":
            assert _hidden_on_site(cell) == _hidden_in_lab(cell), (
                f"{path.name} cell {i}: hidden on the site but not in Lab, or the reverse")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_figure_has_a_caption_alt_text_and_its_caption_in_lab(path):
    cells = _read(path).cells
    for i, cell in enumerate(cells):
        figure = cell.metadata.get("mystnb", {}).get("figure") if cell.cell_type == "code" else None
        if not figure:
            continue
        name = figure.get("name", "")
        assert name.startswith("fig-") and figure.get("caption", "").strip(), (
            f"{path.name} cell {i}: a figure needs a name fig-… and a caption")
        assert cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "").strip(), (
            f"{path.name} {name}: no alt text")
        lab = cells[i + 1] if i + 1 < len(cells) else None
        assert lab is not None and markup.is_lab_only(lab), f"{path.name} {name}: no Lab caption"
        assert f":label: {name}\n" in lab.source and figure["caption"] in lab.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_roles_resolve_in_lab_and_on_the_site(path):
    cells = [c for c in _read(path).cells if c.cell_type == "markdown" and not markup.is_lab_only(c)]
    figures = {c.metadata["mystnb"]["figure"]["name"] for c in _read(path).cells
               if c.cell_type == "code" and c.metadata.get("mystnb", {}).get("figure")}
    for cell in cells:
        for role, target in ROLE.findall(cell.source):
            assert role in ROLES_IN_BOTH, (
                f"{path.name}: {{{role}}}`{target}` does not resolve in JupyterLab; use a "
                "Markdown link to the file (tools/notebook_markup.py rewrites {doc})")
            if role == "numref":
                label = re.sub(r".*<(.*)>", r"\1", target)
                assert label in figures, (
                    f"{path.name}: {{numref}}`{target}` is not a figure of this notebook (Lab "
                    "resolves references within the notebook only)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_links_to_pages_point_at_files(path):
    for cell in _read(path).cells:
        if cell.cell_type != "markdown":
            continue
        for href in re.findall(r"\]\(([^)\s]+)\)", cell.source):
            if re.match(r"[a-z]+:|#", href):
                continue
            assert (path.parent / href.split("#")[0]).is_file(), f"{path.name}: no file {href}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_a_solution_closes_in_lab_and_hides_nothing_else(path):
    cells = _read(path).cells
    starts = [i for i, c in enumerate(cells)
              if c.cell_type == "markdown" and markup.SOLUTION_START.search(c.source)]
    for start in starts:
        heading = cells[start - 1]
        assert markup.is_lab_only(heading) and heading.metadata.get("jp-MarkdownHeadingCollapsed")
        level = markup.heading_levels(heading)[0]
        end = next((j for j in range(start, len(cells)) if cells[j].cell_type == "markdown"
                    and markup.SOLUTION_END.search(cells[j].source)), None)
        assert end is not None, f"{path.name}: a solution without its solution-end"
        inside = [lv for c in cells[start:end + 1] for lv in markup.heading_levels(c)]
        assert all(lv > level for lv in inside), (
            f"{path.name}: a heading inside the solution would end its collapse in Lab")
        for cell in cells[end + 1:]:  # what follows the solution must not be hidden with it
            levels = markup.heading_levels(cell)
            if levels and min(levels) <= level:
                break
            assert markup.is_lab_only(cell), (
                f"{path.name}: a cell after the solution's end is hidden with the solution in "
                f"Lab; start it with a heading of level {level} or above")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_equation_numbers_are_the_tags_only(path):
    nb = _read(path)
    assert nb.cells[0].id == "lab-frontmatter" and "equation: false" in nb.cells[0].source
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            # a labelled $$…$$ (label) or {math} directive would get a second number on the site
            assert not re.search(r"\$\$\s*\([\w-]+\)", cell.source), path.name
            assert "{math}" not in cell.source.replace("{math}`", ""), path.name


def test_the_markup_tool_is_idempotent_and_cleans_what_lab_writes(tmp_path):
    """What JupyterLab saves after a reader opened a notebook, ran it and opened its solution
    comes back to the committed file through the git filter (``--clean``)."""
    path = next(p for p in NOTEBOOKS if "solution-start" in p.read_text(encoding="utf-8"))
    committed = markup.canonical(path.read_text(encoding="utf-8"), path.parent, path.name)
    assert markup.canonical(committed, path.parent, path.name) == committed
    nb = json.loads(committed)
    nb["metadata"]["language_info"]["version"] = "3.12.1"
    nb["metadata"]["kernelspec"]["display_name"] = "Python 3"
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    for n, cell in enumerate(nb["cells"]):
        cell["metadata"].pop("jp-MarkdownHeadingCollapsed", None)  # the reader opened it
        if cell["cell_type"] == "code":
            cell["execution_count"] = n
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}]
            cell["metadata"]["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    saved = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    assert saved != committed
    assert markup.canonical(saved, path.parent, path.name) == committed
