"""Run nbval in strict mode against the book build's executed notebooks, as Jupyter runs them.

``make test`` executes every notebook twice: once in the book build, which writes the executed
copies to ``_build/jupyter_execute/``, and once under nbval, which re-runs those copies and compares
its text outputs with the build's (so it checks at once that each notebook runs and that it
reproduces). Loaded with ``-p tests.notebooks.nbval_jupyter``, this plugin mends two mismatches
between the tools that are not differences in the notebooks:

* nbval sends cells with ``store_history=False``, so IPython cannot see a trailing ``;`` and shows
  the value a notebook deliberately silences (``plot(...);``). Here cells are stored, as in Jupyter.
* myst-nb's ``nb_merge_streams`` merges a cell's stream outputs into the first one *in place*, and
  the executed copy it saves keeps the merged first output *and* the originals after it. Here a
  reference stream that the first one already holds is dropped before comparing.
"""
from __future__ import annotations

import nbformat
import nbval.kernel
import nbval.plugin

_execute = nbval.kernel.RunningKernel.execute_cell_input


def _execute_as_jupyter(self, cell_input, allow_stdin=None):
    return self.kc.execute(cell_input, store_history=True, allow_stdin=allow_stdin,
                           stop_on_error=False)


def _drop_merged_duplicates(nb) -> None:
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        streams = [o for o in outputs if o.get("output_type") == "stream"]
        drop = []
        for name in {o["name"] for o in streams}:
            head, *rest = [o for o in streams if o["name"] == name]
            # the first stream already holds the text of all the later ones: they are copies
            if rest and head["text"].endswith("".join(o["text"].rstrip() + "\n" for o in rest)):
                drop += rest
        if drop:
            cell["outputs"] = [o for o in outputs if not any(o is d for d in drop)]


class _ReadMended:
    """nbval's view of ``nbformat`` whose ``read`` mends myst-nb's merged streams."""

    def __getattr__(self, name):
        return getattr(nbformat, name)

    @staticmethod
    def read(*args, **kwargs):
        nb = nbformat.read(*args, **kwargs)
        _drop_merged_duplicates(nb)
        return nb


def pytest_configure(config):
    nbval.kernel.RunningKernel.execute_cell_input = _execute_as_jupyter
    nbval.plugin.nbformat = _ReadMended()
