"""The plugin that runs nbval against the book's executed copies: it mends, and it still fails."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tests.notebooks.nbval_jupyter import _drop_merged_duplicates

HERE = Path(__file__).parent
REPO = HERE.parents[1]


def _stream(text):
    return new_output("stream", name="stdout", text=text)


def test_merged_copies_are_dropped_and_real_repeats_kept():
    merged = new_code_cell("", outputs=[_stream("a\nb\nc\n"), _stream("b\n"), _stream("c\n")])
    repeated = new_code_cell("", outputs=[_stream("x\n"), _stream("y\n")])
    nb = new_notebook(cells=[merged, repeated])
    _drop_merged_duplicates(nb)
    assert [o["text"] for o in nb.cells[0].outputs] == ["a\nb\nc\n"]
    assert [o["text"] for o in nb.cells[1].outputs] == ["x\n", "y\n"]


def _nbval(tmp_path, stored_text, source):
    cell = new_code_cell(source, outputs=[_stream(stored_text)], execution_count=1)
    path = tmp_path / "probe.ipynb"
    nbformat.write(new_notebook(cells=[cell, new_code_cell("1 + 1;", execution_count=2)]), path)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.notebooks.nbval_jupyter",
                           "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", str(path)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_strict_comparison_passes_on_the_same_output_and_fails_on_another(tmp_path):
    same = _nbval(tmp_path, "3\n", "print(1 + 2)")
    assert same.returncode == 0, same.stdout[-2000:]
    other = _nbval(tmp_path, "4\n", "print(1 + 2)")
    assert other.returncode != 0 and "mismatch 'stdout'" in other.stdout, other.stdout[-2000:]
