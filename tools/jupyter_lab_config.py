"""JupyterLab settings of ``make lab`` (``jupyter lab --config=tools/jupyter_lab_config.py``).

A reader who only opens and reads a notebook must leave ``git status`` clean. Lab marks a
notebook modified as soon as its kernel starts (it writes the kernel's ``language_info``, with
the reader's Python version) or a solution is opened (``jp-MarkdownHeadingCollapsed``), and
autosave then writes the file. Before each save, this hook puts back what the committed file
says about those (tools/notebook_markup.py writes the committed form), so a notebook that was
only read is saved byte for byte as it is in git. Outputs of cells the reader runs are kept: they
are the reader's work (``tools/notebook_markup.py --install-git-filter`` keeps them out of git).
"""
import copy
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "notebook_markup", Path(__file__).resolve().parent / "notebook_markup.py")
_markup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_markup)


def keep_the_committed_markup(model, **kwargs):
    """``FileContentsManager.pre_save_hook``: the reader's state of a notebook's markup is not
    saved (kernel metadata, opened solutions), the cells and their outputs are."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    metadata = nb.setdefault("metadata", {})
    metadata["kernelspec"] = dict(_markup.KERNELSPEC)
    metadata["language_info"] = copy.deepcopy(_markup.LANGUAGE_INFO)
    for cell in nb.get("cells", []):
        if _markup.is_lab_only(cell) and str(cell.get("id", "")).startswith("lab-solution"):
            cell.setdefault("metadata", {})["jp-MarkdownHeadingCollapsed"] = True
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and any(t in tags for t in _markup.HIDE_TAGS):
            cell["metadata"].setdefault("jupyter", {})["source_hidden"] = True


c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.FileContentsManager.pre_save_hook = keep_the_committed_markup
