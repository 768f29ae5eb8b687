"""The Examples sections of nwlib's docstrings run, and print what they say they print.

The modules are collected by walking the package, so a new module (or a new sub-package, such as
``nwlib.plot``) is tested without being listed here.
"""
import doctest
import importlib
import pkgutil

import pytest
import torch

import nwlib


def _all_modules() -> list[str]:
    names = ["nwlib"]
    for info in pkgutil.walk_packages(nwlib.__path__, prefix="nwlib."):
        names.append(info.name)
    return sorted(names)


MODULES = _all_modules()


def test_every_module_is_collected():
    """The walk reaches the sub-packages and private modules, not only a hand-kept list."""
    found = set(MODULES)
    assert {"nwlib._engine", "nwlib._validate", "nwlib.regression", "nwlib.widgets"} <= found
    assert any(name == "nwlib.plot" or name.startswith("nwlib.plot.") for name in found)
    assert any(name.startswith("nwlib.widgets.") for name in found)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    torch.set_printoptions(precision=4)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        if test.examples:
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
