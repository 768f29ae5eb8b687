"""nwlib.regression: nadaraya_watson by hand on small cases; invariants are in test_properties.py."""
import math
import warnings

import numpy as np
import pytest
import torch

import nwlib


def test_gaussian_two_points_by_hand():
    y_hat, w = nwlib.nadaraya_watson([0.0, 1.0], [0.0, 2.0], [0.0], sigma=1.0)
    e = math.exp(-0.5)
    assert w[0].tolist() == pytest.approx([1 / (1 + e), e / (1 + e)])
    assert y_hat.item() == pytest.approx(2 * e / (1 + e))


@pytest.mark.parametrize("kernel, query, expected", [
    ("boxcar", 0.5, 1.5),            # points 0 and 1 inside the window, 3 outside
    ("triangular", 0.25, 1.25),      # weights 0.75 and 0.25
    ("epanechnikov", 0.25, (0.703125 * 1 + 0.328125 * 2) / 1.03125),
    ("constant", 0.25, 2.0),         # the mean
])
def test_compact_kernels_by_hand(kernel, query, expected):
    y_hat, _ = nwlib.nadaraya_watson([0.0, 1.0, 3.0], [1.0, 2.0, 3.0], [query], kernel=kernel)
    assert y_hat.item() == pytest.approx(expected)


def test_width_scales_distance():
    narrow, _ = nwlib.nadaraya_watson([0.0, 2.0], [0.0, 1.0], [0.0], sigma=2.0)
    wide, _ = nwlib.nadaraya_watson([0.0, 1.0], [0.0, 1.0], [0.0], sigma=1.0)
    assert narrow.item() == pytest.approx(wide.item())  # u = 2/2 = 1/1


def test_two_dimensions_and_per_coordinate_width():
    x = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
    y = torch.tensor([0.0, 1.0, 2.0], dtype=torch.float64)
    _, w = nwlib.nadaraya_watson(x, y, [[0.0, 0.0]], sigma=1.0)
    k = torch.exp(-torch.tensor([0.0, 1.0, 4.0], dtype=torch.float64) / 2)
    assert torch.allclose(w[0], k / k.sum())
    _, w = nwlib.nadaraya_watson(x, y, [[0.0, 0.0]], sigma=[1.0, 2.0])
    k = torch.exp(-torch.tensor([0.0, 1.0, 1.0], dtype=torch.float64) / 2)
    assert torch.allclose(w[0], k / k.sum())


@pytest.mark.parametrize("kernel", list(nwlib.KERNELS))
def test_shapes(kernel):
    data = nwlib.data.make_data(n=40, seed=3)
    y_hat, w = nwlib.nadaraya_watson(data.x_train, data.y_train, data.x_val, kernel=kernel,
                                     sigma=1.5, empty="nearest")
    assert y_hat.shape == (51,) and w.shape == (51, 40)  # stochastic rows: test_properties.py


def test_one_hot_values_give_class_probabilities():
    x = torch.tensor([0.0, 0.1, 1.0, 1.1, 2.0])
    labels = torch.tensor([0, 0, 1, 1, 2])
    one_hot = torch.nn.functional.one_hot(labels, 3).float()
    probs, w = nwlib.nadaraya_watson(x, one_hot, [0.05, 1.05, 2.0], sigma=0.2)
    assert probs.shape == (3, 3)
    assert torch.allclose(probs.sum(dim=1), torch.ones(3, dtype=probs.dtype))
    assert probs.argmax(dim=1).tolist() == [0, 1, 2]


def test_list_numpy_and_tensor_inputs_agree():
    x, y, q = [0.0, 1.0, 2.5], [1.0, 3.0, 2.0], [0.5, 2.0]
    from_list, _ = nwlib.nadaraya_watson(x, y, q)
    from_numpy, _ = nwlib.nadaraya_watson(np.array(x), np.array(y), np.array(q))
    from_tensor, _ = nwlib.nadaraya_watson(torch.tensor(x), torch.tensor(y), torch.tensor(q))
    assert from_list.dtype == torch.float64  # numpy reads Python floats as float64 (documented)
    assert torch.equal(from_list, from_numpy)
    assert torch.allclose(from_list, from_tensor.double())


def test_mixed_dtypes_use_the_widest():
    y_hat, _ = nwlib.nadaraya_watson(torch.zeros(3, dtype=torch.float32),
                                     torch.ones(3, dtype=torch.float64), [0.0])
    assert y_hat.dtype == torch.float64


def test_integer_inputs_become_default_float():
    y_hat, _ = nwlib.nadaraya_watson([0, 1, 2], [0, 1, 2], [1])
    assert y_hat.dtype == torch.get_default_dtype()  # nothing floating: torch's default
    assert y_hat.item() == pytest.approx(1.0)


def test_an_overflowing_callable_kernel_is_not_reported_as_an_empty_window():
    """Kernel sums that would overflow are the kernel's scale, not a window without points: the
    engine scales them (constant factors cancel), with no "no training point inside the window"
    warning, and gives the estimate of the same kernel divided by its constant."""
    x, y = torch.tensor([0.0, 1.0, 2.0]), torch.tensor([0.0, 1.0, 4.0]) * 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = nwlib.nadaraya_watson(x, y, torch.tensor([0.5]), kernel=lambda u: torch.exp(85 - u),
                                    return_weights=False)
    # divided by its constant e^85, the same kernel gives the same estimate
    est = nwlib.nadaraya_watson(x, y, torch.tensor([0.5]), kernel=lambda u: torch.exp(-u),
                                return_weights=False)
    assert torch.isfinite(big).all()
    torch.testing.assert_close(big, est)
