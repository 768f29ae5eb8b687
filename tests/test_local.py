"""nwlib.local: local-linear regression against statsmodels and a direct weighted least squares."""
import math
import warnings

import numpy as np
import pytest
import torch

import nwlib
from nwlib.local import local_linear

F64 = torch.float64


def _data(n=60, d=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 5, size=(n, d))
    y = np.sin(x).sum(1) + x[:, 0] + rng.normal(size=n)
    q = np.concatenate([np.zeros((1, d)), rng.uniform(0, 5, size=(9, d)), np.full((1, d), 5.0)])
    return x, y, q


def _wls(x, y, q, sigma, kernel=lambda u: np.exp(-u ** 2 / 2)):
    """A direct weighted least-squares line fit per query, in numpy."""
    out = []
    for qa in q:
        kappa = kernel(np.linalg.norm((x - qa) / sigma, axis=1))
        design = np.column_stack([np.ones(len(x)), x - qa])
        coef = np.linalg.lstsq(design * np.sqrt(kappa)[:, None], y * np.sqrt(kappa), rcond=None)[0]
        out.append(coef[0])
    return np.array(out)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pandas, inside statsmodels
@pytest.mark.parametrize("d, sigma", [(1, 0.4), (1, 1.3), (2, 0.9)])
def test_agrees_with_statsmodels(d, sigma):
    from statsmodels.nonparametric.kernel_regression import KernelReg

    x, y, q = _data(d=d)
    reg = KernelReg(y, x, var_type="c" * d, reg_type="ll", bw=[sigma] * d)
    expected, _ = reg.fit(q)
    got, _ = local_linear(torch.tensor(x), torch.tensor(y), torch.tensor(q), sigma=sigma)
    assert np.abs(got.numpy() - expected).max() < 1e-9


@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "triangular", "epanechnikov"])
def test_agrees_with_weighted_least_squares(kernel):
    from tests._reference import REFERENCE

    x, y, q = _data(n=200, d=2, seed=1)
    ref_kernel = lambda u: REFERENCE[kernel](torch.tensor(u)).numpy()  # noqa: E731
    expected = _wls(x, y, q, 1.5, ref_kernel)
    got, _ = local_linear(x, y, q, kernel=kernel, sigma=1.5)
    assert np.abs(got.numpy() - expected).max() < 1e-10


def test_callable_kernel_and_per_coordinate_width():
    x, y, q = _data(d=2, seed=2)
    got = local_linear(x, y, q, kernel=lambda u: 1 / (1 + u ** 2), sigma=[0.7, 1.4],
                       return_weights=False)
    expected = _wls(x / [0.7, 1.4], y, q / [0.7, 1.4], 1.0, lambda u: 1 / (1 + u ** 2))
    assert np.abs(got.numpy() - expected).max() < 1e-10


@pytest.mark.parametrize("d", [1, 3])
def test_reproduces_a_linear_function_nw_does_not(d):
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(80, d, generator=gen, dtype=F64) * 5
    slope = torch.arange(1, d + 1, dtype=F64)
    q = torch.cat([torch.zeros(1, d, dtype=F64), torch.rand(20, d, generator=gen, dtype=F64) * 5])
    line = lambda z: 2.0 + z @ slope  # noqa: E731
    ll = local_linear(x, line(x), q, sigma=0.6, return_weights=False)
    nw = nwlib.nadaraya_watson(x, line(x), q, sigma=0.6, return_weights=False)
    assert torch.allclose(ll, line(q), atol=1e-10)
    assert (nw - line(q)).abs().max() > 0.1  # NW's boundary bias


def test_weights_sum_to_one_and_some_are_negative_at_the_boundary():
    x = torch.linspace(0, 5, 41, dtype=F64)
    q = torch.tensor([0.0, 0.1, 2.5], dtype=F64)
    y_hat, w = local_linear(x, torch.sin(x), q, sigma=0.5)
    assert torch.allclose(w.sum(dim=1), torch.ones(3, dtype=F64), atol=1e-12)
    assert torch.allclose(w @ torch.sin(x), y_hat, atol=1e-12)
    assert (w[0] < -1e-3).any() and (w[1] < -1e-3).any()
    # in the middle of an even design the line's slope term vanishes: NW's weights
    _, alpha = nwlib.nadaraya_watson(x, torch.sin(x), q[2:], sigma=0.5)
    assert torch.allclose(w[2], alpha[0], atol=1e-12)


def test_several_value_columns_fit_each_column():
    x, y, q = _data(seed=3)
    ys = np.column_stack([y, 2 * y + 1, -y])
    both, _ = local_linear(x, ys, q, sigma=0.5)
    one, _ = local_linear(x, y, q, sigma=0.5)
    assert both.shape == (len(q), 3)
    assert torch.allclose(both[:, 0], one) and torch.allclose(both[:, 1], 2 * one + 1)
    assert torch.allclose(both[:, 2], -one)


def test_blocked_path_equals_the_weights_path():
    x, y, q = _data(n=500, seed=4)
    q = np.linspace(0, 5, 333)[:, None]
    with_w, _ = local_linear(x, y, q, sigma=0.3)
    for block in (None, 1, 7, 1000):
        got = local_linear(x, y, q, sigma=0.3, return_weights=False, block_size=block)
        assert torch.allclose(got, with_w, atol=1e-12, rtol=0)


def test_float32_is_close_to_float64():
    x, y, q = _data(n=300, seed=5)
    hi = local_linear(x, y, q, sigma=0.3, return_weights=False)
    lo = local_linear(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32),
                      torch.tensor(q, dtype=torch.float32), sigma=0.3, return_weights=False)
    assert lo.dtype == torch.float32
    assert (lo.double() - hi).abs().max() < 1e-3


def test_too_few_points_in_the_window_gives_nan_and_one_warning():
    x = [0.0, 1.0, 2.0, 3.0, 10.0]
    y = [0.0, 1.0, 4.0, 9.0, 1.0]
    with pytest.warns(RuntimeWarning, match=r"2 of 4 queries have too few training points"):
        y_hat, w = local_linear(x, y, [1.5, 10.0, 20.0, 2.0], kernel="boxcar", sigma=1.0)
    assert math.isnan(y_hat[1]) and math.isnan(y_hat[2])  # one point in the window; none
    assert torch.isnan(w[1]).all() and torch.isnan(w[2]).all()
    assert torch.isfinite(y_hat[[0, 3]]).all()


def test_collinear_points_in_two_dimensions_are_too_few():
    x = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]  # all on one line: no plane fits
    with pytest.warns(RuntimeWarning, match="too few"):
        y_hat = local_linear(x, [0.0, 1.0, 2.0], [[1.0, 0.5]], sigma=1.0, return_weights=False)
    assert torch.isnan(y_hat).all()


def test_gaussian_with_a_tiny_width_warns_instead_of_returning_garbage():
    x = torch.linspace(0, 5, 20, dtype=F64)
    with pytest.warns(RuntimeWarning, match="too few"):
        y_hat = local_linear(x, torch.sin(x), [1.3], sigma=1e-3, return_weights=False)
    assert torch.isnan(y_hat).all()


def test_no_warning_on_ordinary_data():
    x, y, q = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        local_linear(x, y, q, sigma=0.5)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"sigma": 0.0}, ValueError, "sigma"),
    ({"sigma": [1.0, 2.0, 3.0]}, ValueError, "sigma"),
    ({"kernel": "nope"}, ValueError, "kernel"),
    ({"return_weights": "yes"}, TypeError, "return_weights"),
    ({"block_size": 0}, ValueError, "block_size"),
])
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        local_linear([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [0.5], **kwargs)


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="x_query"):
        local_linear([[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], [[0.5, 0.5, 0.5]])
    with pytest.raises(ValueError, match="same number of points"):
        local_linear([0.0, 1.0, 2.0], [0.0, 1.0], [0.5])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_agrees_with_the_cpu():
    x, y, q = _data(n=400, d=2, seed=6)
    cpu = local_linear(x, y, q, sigma=0.8, return_weights=False, device="cpu")
    gpu = local_linear(x, y, q, sigma=0.8, return_weights=False, device="cuda")
    assert torch.allclose(gpu.cpu(), cpu, atol=1e-10)
