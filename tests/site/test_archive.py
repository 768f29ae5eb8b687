"""The notebooks' archive (``_downloads/attention-pooling-notebooks.zip``) works where it is unpacked.

Unpacked into a temporary folder: its README and Makefile are the archive's own (no target that
needs the repository's files, no description of folders it has not); its ``make lab`` serves its
notebooks; and a notebook run from it imports that folder's own ``nwlib`` (``nwlib.__file__``),
not the repository's, and runs to the end.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from sitekit import ROOT

ARCHIVE = "_downloads/attention-pooling-notebooks.zip"
# the quickest of the book's notebooks to run (about 30 s here)
NOTEBOOK = "chapters/exercise_1.ipynb"
TOKEN = "nwlib-archive-test"


@pytest.fixture(scope="module")
def unpacked(site, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("archive")
    with zipfile.ZipFile(site / ARCHIVE) as zf:
        zf.extractall(folder)
    (root,) = list(folder.iterdir())
    return root


def test_readme_and_makefile_are_the_archives_own(unpacked):
    readme = (unpacked / "README.md").read_text(encoding="utf-8")
    makefile = (unpacked / "Makefile").read_text(encoding="utf-8")
    assert "make lab" in readme
    for absent in ("tests/", "_ext/", "benchmarks/", "make book", "make test"):
        assert absent not in readme, f"the archive's README speaks of {absent!r}, which it has not"
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))
    assert "lab" in targets and not targets & {"book", "test", "site", "audit", "bench"}
    # every file a target depends on is in the archive (the repository's Makefile needed package.json)
    for deps in re.findall(r"^[\w$().-]+:([^=\n]*)$", makefile, re.MULTILINE):
        for dep in deps.replace("|", " ").split():
            if not dep.startswith("$") and dep not in targets:
                assert (unpacked / dep).exists(), f"the archive's Makefile needs {dep}, not in the archive"


def test_make_lab_serves_the_archives_notebooks(unpacked, tmp_path):
    # a venv standing for the one `make lab` would install: this checkout's Jupyter
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "jupyter").symlink_to(Path(sys.executable).parent / "jupyter")
    (venv / ".installed").touch()  # newer than the unpacked requirements: no install
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    args = (f"--no-browser --ip=127.0.0.1 --port={port} --ServerApp.token={TOKEN} "
            "--ServerApp.port_retries=0 --LabApp.news_url=None")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"VENV={venv}", f"LAB_ARGS={args}"],
                            cwd=unpacked, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        for _ in range(120):
            if proc.poll() is not None:
                pytest.fail("make lab stopped:\n" + proc.stdout.read()[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents?token={TOKEN}",
                                            timeout=2) as answer:
                    listing = answer.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("make lab did not answer within 60 s")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    names = set(re.findall(r'"name":\s*"([^"]+)"', listing))
    assert Path(NOTEBOOK).name in names, f"make lab does not serve the notebooks: {sorted(names)}"


def test_a_notebook_runs_with_the_archives_own_nwlib(unpacked, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = unpacked / NOTEBOOK
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import nwlib\nprint(nwlib.__file__)"))
    # the folder first on the kernel's path, as its own `pip install -e .` would put it
    monkeypatch.setenv("PYTHONPATH", str(unpacked))
    monkeypatch.setenv("NWLIB_DEVICE", "cpu")
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs).strip()
    assert Path(printed).resolve() == (unpacked / "nwlib" / "__init__.py").resolve(), \
        f"the notebook imported {printed}, not the archive's nwlib"
    assert not Path(printed).resolve().is_relative_to(ROOT), "it imported the repository's nwlib"
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
