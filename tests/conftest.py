"""Shared test set-up.

nwlib computes on CUDA when a GPU is present, so results come back on the GPU. Most tests compare
with CPU tensors written in the test, so they pin nwlib to the CPU; the tests that compare CUDA
with the CPU pass ``device=`` explicitly and run where a GPU is present.
"""
import pytest


@pytest.fixture(autouse=True)
def _compute_on_cpu(monkeypatch):
    monkeypatch.setenv("NWLIB_DEVICE", "cpu")
