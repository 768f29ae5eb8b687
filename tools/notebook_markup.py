"""Mark up the book's notebooks so that they read in JupyterLab (jupyterlab-myst) as on the site.

Jupyter Book (myst-nb, Sphinx) and JupyterLab with jupyterlab-myst (mystmd, one cell at a time)
read different parts of a notebook. This tool rewrites a notebook so that both show the same
thing, and writes it the way JupyterLab saves it, so that opening and saving it changes nothing.
It is idempotent: run twice, it changes nothing the second time.

What it does to each notebook (the site's pages stay as they were):

* **Lab-only cells.** Markdown cells with an id starting ``lab-`` and the tag ``remove-cell``
  (myst-nb drops such cells from the site) are regenerated on every run:

  - ``lab-frontmatter`` (the first cell): MyST front matter that turns mystmd's automatic
    equation numbers off, so only equations with a ``\\tag`` are numbered, once, as on the site;
  - ``lab-solution-<label>`` before each ``{solution-start}`` cell: a "Solution" heading one
    level above the solution's own headings (``##`` if it has none), collapsed
    (``jp-MarkdownHeadingCollapsed``): Lab hides the solution's cells until one click, as the
    site's dropdown does;
  - ``lab-<figure name>`` after each figure cell (``mystnb.figure`` metadata): the caption as a
    MyST figure with the same label, so that Lab shows the caption and ``{numref}`` resolves.

* **Links.** ``{doc}`` roles become Markdown links to the file (``[text](exercise_2.ipynb)``):
  Lab opens the notebook, Sphinx resolves the link to the page (a bare ``{doc}`target``` gets the
  target's title as its text, as Sphinx gives it).
* **Hidden input.** Code cells tagged ``hide-input`` (the site hides their source) get
  ``jupyter.source_hidden``, which Lab reads; their output stays visible.
* **Saved state** (the same as ``--clean``): outputs, execution counts and widget state are
  removed, ``language_info`` and ``kernelspec`` are reset to their canonical values, cells get
  ids (nbformat 4.5) and the JSON is written as Jupyter writes it.

Usage (from the repository root)::

    python tools/notebook_markup.py chapters/*.ipynb      # rewrite in place
    python tools/notebook_markup.py --check chapters/*.ipynb   # exit 1 if one would change
    python tools/notebook_markup.py --clean < nb.ipynb > out   # a git "clean" filter
    python tools/notebook_markup.py --install-git-filter  # git status ignores outputs and state

``--install-git-filter`` sets, for this clone only, ``git config filter.nwlib-notebook.clean``
to the ``--clean`` mode; ``.gitattributes`` applies it to ``chapters/*.ipynb``. Git then sees a
notebook that a reader opened, ran and saved in JupyterLab as unchanged.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat

LAB_PREFIX = "lab-"
LAB_TAG = "remove-cell"  # myst-nb drops the cell from the site
HIDE_TAGS = ("hide-input", "remove-input")
SOLUTION_START = re.compile(r"^```\{solution-start\}\s*(\S*)", re.MULTILINE)
SOLUTION_END = re.compile(r"^```\{solution-end\}", re.MULTILINE)
DOC_ROLE = re.compile(r"\{doc\}`([^`]*)`")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
# what JupyterLab writes once ipykernel has started (all but the Python version, which is the
# reader's: Lab adds it, and the git filter takes it out again)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3"}
FRONTMATTER = """---
numbering:
  equation: false
  figure:
    start: {figure}
    template: Fig. %s
  exercise:
    start: {exercise}
---
% JupyterLab only (tagged remove-cell, so the website leaves it out; tools/notebook_markup.py
% writes it): as on the website, only equations with a \\tag are numbered, and figures and
% exercises are numbered through the book (Sphinx's numfig order: _toc.yml's)."""
FIGURE_DIRECTIVE = re.compile(r"^(```|:::)\{figure\}", re.MULTILINE)
EXERCISE_DIRECTIVE = re.compile(r"^(```|:::)\{exercise\}", re.MULTILINE)
SOLUTION_TITLE = "Solution"
# cell metadata that Jupyter front ends write while a notebook is read or run
VOLATILE_CELL_KEYS = ("execution", "collapsed", "scrolled", "ExecuteTime")


def _lab_cell(cell_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source, id=cell_id)
    cell.metadata["tags"] = [LAB_TAG]
    return cell


def is_lab_only(cell) -> bool:
    return (str(cell.get("id", "")).startswith(LAB_PREFIX)
            and LAB_TAG in cell.get("metadata", {}).get("tags", []))


def _cell_id(label: str) -> str:
    """A valid cell id (nbformat: 1 to 64 of [a-zA-Z0-9-_]) for a Lab-only cell."""
    return (LAB_PREFIX + re.sub(r"[^a-zA-Z0-9_-]", "-", label))[:64]


def _title(path: Path) -> str:
    """The page title Sphinx gives a document: its first level-1 heading."""
    if path.suffix == ".ipynb":
        text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "markdown")
    else:
        text = path.read_text()
    for level, title in HEADING.findall(text):
        if level == "#":
            return title
    raise ValueError(f"{path}: no level-1 heading to use as the link text of a {{doc}} role")


def _doc_link(match: re.Match, folder: Path) -> str:
    inner = match.group(1)
    explicit = re.fullmatch(r"(.*?)\s*<([^<>]+)>", inner, re.DOTALL)
    text, target = (explicit.group(1), explicit.group(2)) if explicit else (None, inner.strip())
    base = (folder / target.lstrip("/")) if not target.startswith("/") else folder / target[1:]
    for suffix in ("", ".ipynb", ".md"):
        path = base.with_name(base.name + suffix)
        if path.is_file():
            break
    else:
        raise ValueError(f"{{doc}}`{inner}`: no document {target!r} next to the notebook")
    href = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else target
    return f"[{text if text else _title(path)}]({href})"


def _counts(path: Path) -> tuple[int, int]:
    """The numbered figures and exercises of one page of the book."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        figures = sum(bool(c.get("metadata", {}).get("mystnb", {}).get("figure"))
                      for c in cells if c["cell_type"] == "code" and not is_lab_only(c))
        text = "\n".join("".join(c["source"]) for c in cells
                         if c["cell_type"] == "markdown" and not is_lab_only(c))
    else:
        figures, text = 0, path.read_text(encoding="utf-8")
    return figures + len(FIGURE_DIRECTIVE.findall(text)), len(EXERCISE_DIRECTIVE.findall(text))


def _toc_order(root: Path) -> list[Path]:
    """The book's pages in _toc.yml's order (the order Sphinx numbers figures in)."""
    import yaml

    def walk(entry):
        if isinstance(entry, dict):
            for key in ("root", "file"):
                if key in entry:
                    yield entry[key]
            for value in entry.values():
                if isinstance(value, (list, dict)):
                    yield from walk(value)
        elif isinstance(entry, list):
            for item in entry:
                yield from walk(item)

    pages = []
    for name in walk(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))):
        for suffix in (".ipynb", ".md"):
            if (root / (name + suffix)).is_file():
                pages.append(root / (name + suffix))
                break
    return pages


def site_numbers(path: Path) -> dict:
    """The number the site gives the page's first figure and first exercise: Sphinx numbers them
    through the whole book (no section numbers), in the order of _toc.yml."""
    root = next((p for p in path.resolve().parents if (p / "_toc.yml").is_file()), None)
    start = {"figure": 1, "exercise": 1}
    if root is None:
        return start
    for page in _toc_order(root):
        if page.resolve() == path.resolve():
            return start
        figures, exercises = _counts(page)
        start["figure"] += figures
        start["exercise"] += exercises
    return start


def clean(nb) -> None:
    """Remove what Jupyter adds while a notebook is read, run or saved (in place)."""
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = json.loads(json.dumps(LANGUAGE_INFO))
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)
        jupyter = cell.metadata.get("jupyter", {})
        jupyter.pop("outputs_hidden", None)
        if not jupyter:
            cell.metadata.pop("jupyter", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def heading_levels(cell) -> list[int]:
    """The levels of the Markdown headings in a cell (none in a code cell)."""
    if cell.cell_type != "markdown":
        return []
    text = re.sub(r"^(```|~~~).*?^\1", "", cell.source, flags=re.MULTILINE | re.DOTALL)
    return [len(level) for level, _ in HEADING.findall(text)]


def solution_heading_level(cells, start: int) -> int:
    """The level of the Lab-only heading that closes the solution starting at ``start``: one above
    the solution's own headings (Lab hides every cell up to the next heading of that level or
    above), and 2 for a solution without headings."""
    levels = []
    for cell in cells[start:]:
        levels += heading_levels(cell)
        if cell.cell_type == "markdown" and SOLUTION_END.search(cell.source):
            break
    return max(1, min(levels) - 1) if levels else 2


def markup(nb, folder: Path, notebook: str = "") -> None:
    """Regenerate the Lab-only cells and rewrite the markup (in place; see the module's doc)."""
    source = [cell for cell in nb.cells if not is_lab_only(cell)]
    cells = [_lab_cell(_cell_id("frontmatter"),
                       FRONTMATTER.format(**site_numbers(folder / notebook)))]
    for index, cell in enumerate(source):
        if cell.cell_type == "markdown":
            cell.source = DOC_ROLE.sub(lambda m: _doc_link(m, folder), cell.source)
            start = SOLUTION_START.search(cell.source)
            if start:
                level = solution_heading_level(source, index)
                heading = _lab_cell(_cell_id("solution-" + (start.group(1) or str(index))),
                                    "#" * level + " " + SOLUTION_TITLE)
                heading.metadata["jp-MarkdownHeadingCollapsed"] = True
                cells.append(heading)
        cells.append(cell)
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and any(t in tags for t in HIDE_TAGS):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        figure = cell.metadata.get("mystnb", {}).get("figure")
        if cell.cell_type == "code" and figure:
            name, caption = figure.get("name"), figure.get("caption", "")
            if not name:
                raise ValueError(f"a figure cell has no name: {cell.source[:60]!r}")
            cells.append(_lab_cell(_cell_id(name),
                                   f":::{{figure}}\n:label: {name}\n{caption}\n:::"))
    nb.cells = cells


def canonical(text: str, folder: Path, name: str = "") -> str:
    """The notebook ``text`` cleaned and marked up, as Jupyter writes it."""
    nb = nbformat.reads(text, as_version=4)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.nbformat_minor, 5)
    clean(nb)
    markup(nb, folder, name)
    seen = set()
    for index, cell in enumerate(nb.cells):
        if not cell.get("id") or cell["id"] in seen:  # stable: from the notebook, place and text
            digest = hashlib.sha1(f"{name}/{index}/{cell.source}".encode()).hexdigest()
            cell["id"] = digest[:8]
        seen.add(cell["id"])
    nbformat.validate(nb)
    out = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    return out if out.endswith("\n") else out + "\n"


def convert_file(path: Path) -> bool:
    """Rewrite ``path`` in place; return whether it changed."""
    text = path.read_text(encoding="utf-8")
    new = canonical(text, path.parent, path.name)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="change nothing; exit 1 if a "
                      "notebook is not in the form this tool writes")
    mode.add_argument("--clean", action="store_true", help="filter stdin to stdout (git)")
    mode.add_argument("--install-git-filter", action="store_true")
    args = parser.parse_args(argv)
    if args.clean:
        # git runs a clean filter from the repository root; the chapters are the notebooks' folder
        text = sys.stdin.read()
        path = Path(args.notebooks[0]) if args.notebooks else Path("-")
        sys.stdout.write(canonical(text, path.parent, path.name))
        return 0
    if args.install_git_filter:
        tool = Path(__file__).resolve().relative_to(Path.cwd().resolve()).as_posix()
        # this interpreter (it has nbformat); git runs filters from the repository root
        subprocess.run(["git", "config", "filter.nwlib-notebook.clean",
                        f"'{sys.executable}' {tool} --clean %f"], check=True)
        print("git filter 'nwlib-notebook' set for this clone (.gitattributes applies it to "
              "chapters/*.ipynb)")
        return 0
    if not args.notebooks:
        parser.error("name the notebooks, e.g. chapters/*.ipynb")
    stale = []
    for path in args.notebooks:
        if args.check:
            text = path.read_text(encoding="utf-8")
            if canonical(text, path.parent, path.name) != text:
                stale.append(path)
        elif convert_file(path):
            print(f"rewrote {path}")
    for path in stale:
        print(f"{path}: not in the form tools/notebook_markup.py writes; run it on the file")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
