"""The Examples sections of nwlib's docstrings run, and print what they say they print."""
import doctest
import importlib

import pytest
import torch

MODULES = ["_engine", "_validate", "bandwidth", "consistency", "core", "data", "density", "device",
           "kernels", "learning", "regression", "sphere"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"nwlib.{name}")
    torch.set_printoptions(precision=4)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in nwlib.{name}"
