"""Notebooks are reproducible and tidy.

* Executing a notebook twice gives the same text outputs (every notebook is seeded).
* A notebook writes nothing outside ``_build/`` or a temporary folder.

Each notebook runs in a temporary copy of ``chapters/`` (so the repository is never touched), in a
fresh kernel whose HOME, TMPDIR and caches point to a scratch folder. An audit hook
(:func:`sys.addaudithook`), installed by an extra first cell, records every file the kernel opens
for writing, creates, renames or removes outside the allowed folders; on top, the copy of
``chapters/`` is compared before and after (which also catches shell commands).

By default only the chapter notebook runs (about 15 s a run). Set ``NWLIB_ALL_NOTEBOOKS=1`` to
check every notebook in ``chapters/``.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = REPO / "chapters"
MAIN = "attention_pooling.ipynb"
ALL_VAR = "NWLIB_ALL_NOTEBOOKS"
TIMEOUT_S = 600
# Notebooks whose printed numbers differ run to run by design (wall-clock timings).
TIMED = {"performance.ipynb"}

HOOK = r'''
def _nw_install(allowed):
    import os, sys
    # everything the hook needs is bound here: it still runs while the kernel shuts down
    realpath, join, getcwd, fsdecode, fspath, sep, PathLike = (
        os.path.realpath, os.path.join, os.getcwd, os.fsdecode, os.fspath, os.sep, os.PathLike)
    roots = tuple(realpath(p) for p in allowed)
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    events = {{"os.mkdir", "os.rename", "os.remove", "os.rmdir", "shutil.rmtree", "os.symlink",
              "os.link", "os.truncate", "shutil.copyfile", "shutil.move"}}
    writes = []

    def audit(event, args):
        if event == "open":
            if not isinstance(args[2], int) or not args[2] & write_flags:
                return
            paths = [args[0]]
        elif event in events:
            paths = [a for a in args[:2] if isinstance(a, (str, bytes, PathLike))]
        else:
            return
        for path in paths:
            if isinstance(path, int):
                continue
            full = realpath(join(getcwd(), fsdecode(fspath(path))))
            if not any(full == root or full.startswith(root + sep) for root in roots):
                writes.append(event + " " + full)

    sys.addaudithook(audit)
    return writes

_NW_WRITES = _nw_install({allowed!r})
del _nw_install
'''
REPORT = "import json as _nw_json; print(_nw_json.dumps(sorted(set(_NW_WRITES))))"


def _params():
    names = sorted(p.name for p in CHAPTERS.glob("*.ipynb")) or [MAIN]
    for name in names:
        marks = []
        if name != MAIN:
            marks.append(pytest.mark.skipif(not os.environ.get(ALL_VAR),
                                            reason=f"slow: set {ALL_VAR}=1 to run every notebook"))
        yield pytest.param(name, marks=marks, id=name.removesuffix(".ipynb"))


NOTEBOOKS = list(_params())


def _tree(root: Path) -> dict[str, str]:
    """Relative path → content hash, for every file under ``root`` except ``_build``."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and "_build" not in rel.parts and ".ipynb_checkpoints" not in rel.parts:
            out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


class Run:
    """One execution of a notebook in a scratch copy: its text outputs and what it wrote."""

    def __init__(self, name: str):
        if not (CHAPTERS / name).exists():
            pytest.skip(f"chapters/{name} does not exist yet")
        scratch = Path(tempfile.mkdtemp(prefix="nwlib-nb-"))
        try:
            repo = scratch / "repo"
            shutil.copytree(CHAPTERS, repo / "chapters",
                            ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints"))
            home, tmp = scratch / "home", scratch / "tmp"
            home.mkdir()
            tmp.mkdir()
            allowed = [str(home), str(tmp), str(repo / "_build"), str(repo / "chapters" / "_build"),
                       "/dev"]
            env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp), MPLCONFIGDIR=str(home / "mpl"),
                       IPYTHONDIR=str(home / "ipython"), XDG_CACHE_HOME=str(home / "cache"),
                       PYDEVD_DISABLE_FILE_VALIDATION="1")
            before = _tree(repo)
            nb = nbformat.read(repo / "chapters" / name, as_version=4)
            n_cells = len(nb.cells)
            nb.cells.insert(0, nbformat.v4.new_code_cell(HOOK.format(allowed=allowed)))
            nb.cells.append(nbformat.v4.new_code_cell(REPORT))
            client = nbclient.NotebookClient(nb, timeout=TIMEOUT_S, kernel_name="python3",
                                             resources={"metadata": {"path": str(repo / "chapters")}})
            client.execute(env=env)
            self.outputs = [_text(cell) for cell in nb.cells[1:1 + n_cells]]
            report = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
            self.writes = json.loads(report.strip().splitlines()[-1])
            after = _tree(repo)
            self.changed = sorted(set(after) ^ set(before) | {k for k in before
                                                              if after.get(k, before[k]) != before[k]})
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


_RUNS: dict[tuple[str, int], Run] = {}


def run(name: str, index: int) -> Run:
    """The ``index``-th execution of ``name`` (cached: the two tests share the first run)."""
    if (name, index) not in _RUNS:
        _RUNS[name, index] = Run(name)
    return _RUNS[name, index]


_VOLATILE = [
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),                       # memory addresses
    (re.compile(r"model_id['\"]?\s*[:=]\s*['\"][0-9a-f-]+['\"]"), "model_id=…"),  # widget ids
    (re.compile(r"\b[0-9a-f]{32}\b"), "<uuid>"),                       # other random ids
    (re.compile(r"\d+(\.\d+)?\s*(it/s|s/it)"), "<rate>"),             # tqdm rates
    (re.compile(r"\[\d+:\d+(:\d+)?<[\d:?]+"), "[<time>"),              # tqdm elapsed<remaining
]


def _normalise(text: str) -> str:
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return text


def _text(cell) -> list[str]:
    """The text a reader sees in a code cell's outputs (images and widget views left out)."""
    if cell.cell_type != "code":
        return []
    texts = []
    for out in cell.outputs:
        if out.output_type == "stream":
            # a stream arrives in chunks that depend on timing: join neighbours of the same name
            head = f"{out.name}: "
            if texts and texts[-1].startswith(head):
                texts[-1] += out.text
            else:
                texts.append(head + out.text)
        elif out.output_type in ("execute_result", "display_data"):
            for mime in ("text/plain", "text/markdown", "text/latex"):
                if mime in out.data:
                    texts.append(f"{mime}: {out.data[mime]}")
        elif out.output_type == "error":
            texts.append(f"error: {out.ename}: {out.evalue}")
    return [_normalise(t) for t in texts]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_gives_the_same_text_outputs_twice(name):
    if name in TIMED:
        pytest.skip(f"{name} prints wall-clock timings, which differ from run to run by design")
    first, second = run(name, 0), run(name, 1)
    assert any(first.outputs), f"{name} printed nothing: nothing was compared"
    for index, (a, b) in enumerate(zip(first.outputs, second.outputs)):
        assert a == b, f"{name}, cell {index}: the outputs differ between two runs"


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_writes_only_to_build_or_temp(name):
    result = run(name, 0)
    assert result.writes == [], f"{name} wrote outside _build/ and the temp folder: {result.writes}"
    assert result.changed == [], f"{name} created or changed files next to it: {result.changed}"


def test_the_audit_hook_sees_writes():
    """The check above can fail: a write into the notebook's folder is reported."""
    scratch = Path(tempfile.mkdtemp(prefix="nwlib-hook-"))
    try:
        allowed = [str(scratch / "ok")]
        code = HOOK.format(allowed=allowed) + (
            f"open({str(scratch / 'ok.txt')!r}, 'w').close()\n"
            f"import os; os.makedirs({str(scratch / 'ok' / 'sub')!r})\n"
            f"open({str(scratch / 'ok' / 'sub' / 'a.txt')!r}, 'w').close()\n"
            f"open({str(scratch / 'ok.txt')!r}).read()\n"
            + REPORT)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
        writes = json.loads(nb.cells[0].outputs[-1].text.strip().splitlines()[-1])
        assert writes == [f"open {os.path.realpath(scratch / 'ok.txt')}"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
