"""nwlib.device: where nwlib computes."""
import pytest
import torch

import nwlib


def test_device_precedence(monkeypatch):
    monkeypatch.setenv("NWLIB_DEVICE", "cpu")
    assert nwlib.default_device() == torch.device("cpu")
    assert nwlib.default_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("NWLIB_DEVICE", "warp-drive")
    with pytest.raises(ValueError, match="NWLIB_DEVICE"):
        nwlib.default_device()
    assert nwlib.default_device("cpu") == torch.device("cpu")  # the argument wins


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_request_without_gpu_is_clear():
    with pytest.raises(ValueError, match="no GPU"):
        nwlib.default_device("cuda")
