"""nwlib at scale: blocked evaluation, extreme widths, empty windows, dtypes, bounded memory.

No timings here: speed is measured by ``benchmarks/run.py`` (``make bench``), not by the tests.
"""
import warnings

import numpy as np
import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

import nwlib
import nwlib.bandwidth as bandwidth
import nwlib.regression as regression
from nwlib.bandwidth import loo_cv
from nwlib.kernels import get_kernel
from nwlib.regression import attention_weights, nadaraya_watson

DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: 2e-5, torch.float64: 1e-12}


def data(n, m, d=1, k=None, dtype=torch.float64, seed=0, spread=5.0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, d, generator=gen, dtype=torch.float64) * spread
    q = torch.rand(m, d, generator=gen, dtype=torch.float64) * spread
    y = torch.sin(x).sum(1, keepdim=True) + torch.randn(n, 1, generator=gen, dtype=torch.float64)
    if k is not None:
        y = torch.cat([y + j for j in range(k)], dim=1)
    if d == 1:
        x, q = x[:, 0], q[:, 0]
    if k is None:
        y = y[:, 0]
    return x.to(dtype), y.to(dtype), q.to(dtype)


def dense_reference(x, y, q, kernel, sigma):
    """The whole attention matrix in float64 (softmax for the Gaussian), as in the book."""
    x64, y64, q64 = (t.to(torch.float64) for t in (x, y, q))
    x64 = x64[:, None] if x64.ndim == 1 else x64
    q64 = q64[:, None] if q64.ndim == 1 else q64
    w = attention_weights(q64, x64, torch.as_tensor(sigma, dtype=torch.float64), get_kernel(kernel))
    return w @ y64


@pytest.fixture(autouse=True)
def on_the_cpu(monkeypatch):
    """Compute on the CPU unless a test names a device (the references here are CPU tensors)."""
    monkeypatch.setenv("NWLIB_DEVICE", "cpu")


@pytest.fixture
def one_thread():
    """Run on the calling thread only (operation-recording modes are per thread)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class LargestOutput(TorchDispatchMode):
    """Record the largest number of elements of any tensor an operation produces."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else [out]:
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


# ---------------------------------------------------------------- blocked vs dense

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "triangular", "epanechnikov", "constant"])
@pytest.mark.parametrize("d,k", [(1, None), (1, 3), (2, None)])
def test_blocked_estimates_match_the_dense_attention_matrix(dtype, kernel, d, k):
    x, y, q = data(300, 70, d=d, k=k, dtype=dtype)
    ref = dense_reference(x, y, q, kernel, 0.7)
    assert torch.isfinite(ref).all()
    for block_size in (None, 1, 7, 70, 1000):
        est = nadaraya_watson(x, y, q, kernel, 0.7, return_weights=False, block_size=block_size)
        assert est.dtype == dtype and est.shape == ref.shape
        torch.testing.assert_close(est.to(torch.float64), ref, rtol=0, atol=TOL[dtype] * 10)
        est_w, w = nadaraya_watson(x, y, q, kernel, 0.7, block_size=block_size)
        torch.testing.assert_close(est_w.to(torch.float64), ref, rtol=0, atol=TOL[dtype] * 10)
        torch.testing.assert_close(w.sum(1).to(torch.float64), torch.ones(70, dtype=torch.float64),
                                   rtol=0, atol=TOL[dtype] * 10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tiles_across_training_points_match_whole_rows(dtype):
    # n larger than one tile's columns: the 1-D Gaussian path cuts rows along the training points
    n = regression._CPU_TILE_COLUMNS * 2 + 123
    x, y, q = data(n, 40, dtype=dtype)
    ref = dense_reference(x, y, q, "gaussian", 0.05)
    for block_size in (None, 1, 3, 40):
        est = nadaraya_watson(x, y, q, "gaussian", 0.05, return_weights=False, block_size=block_size)
        torch.testing.assert_close(est.to(torch.float64), ref, rtol=0, atol=TOL[dtype] * 20)


def test_threaded_blocks_agree_with_one_thread_and_are_reproducible(monkeypatch):
    x, y, q = data(3000, 900, dtype=torch.float32)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        single = nadaraya_watson(x, y, q, sigma=0.2, return_weights=False, block_size=5)
        monkeypatch.setattr(regression, "_PARALLEL_MIN_ELEMENTS", 0)
        torch.set_num_threads(3)
        runs = [nadaraya_watson(x, y, q, sigma=0.2, return_weights=False, block_size=5)
                for _ in range(3)]
        boxcar = [nadaraya_watson(x, y, q, "boxcar", 0.2, block_size=5)[0] for _ in range(2)]
        assert torch.get_num_threads() == 3  # the caller's setting is restored
    finally:
        torch.set_num_threads(before)
    # every block is computed by the same single-threaded operations, whichever thread runs it
    assert all(torch.equal(runs[0], r) for r in runs[1:])
    assert torch.equal(runs[0], single)
    assert torch.equal(boxcar[0], boxcar[1])
    torch.testing.assert_close(runs[0].double(), dense_reference(x, y, q, "gaussian", 0.2),
                               rtol=0, atol=2e-5)


# ---------------------------------------------------------------- extreme widths

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", [1, 2])
@pytest.mark.parametrize("return_weights", [False, True])
@pytest.mark.parametrize("sigma", [1e-3, 1e-8, 1e-30])
def test_tiny_sigma_gives_the_nearest_neighbour(dtype, d, return_weights, sigma):
    x, y, q = data(200, 50, d=d, dtype=dtype, seed=1)
    x2 = x[:, None] if d == 1 else x
    q2 = q[:, None] if d == 1 else q
    dist = ((q2[:, None, :].double() - x2[None].double()) ** 2).sum(-1)
    two = dist.topk(2, dim=1, largest=False).values
    nearest = dist.argmin(dim=1)
    # queries whose two nearest points are nearly tied are left out: there both count
    clear = (two[:, 1] - two[:, 0]) * 0.5 / sigma ** 2 > 50
    assert clear.sum() > 10
    out = nadaraya_watson(x, y, q, sigma=sigma, return_weights=return_weights)
    est = out[0] if return_weights else out
    assert torch.isfinite(est).all()  # the naive ratio Σ k y / Σ k would be 0/0 here
    torch.testing.assert_close(est[clear], y[nearest][clear], rtol=0, atol=TOL[dtype])
    if return_weights:
        assert torch.equal(out[1][clear].argmax(dim=1), nearest[clear])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "triangular", "epanechnikov"])
@pytest.mark.parametrize("return_weights", [False, True])
def test_huge_sigma_gives_the_mean(dtype, kernel, return_weights):
    x, y, q = data(500, 30, dtype=dtype)
    out = nadaraya_watson(x, y, q, kernel, 1e12, return_weights=return_weights)
    est = out[0] if return_weights else out
    mean = y.double().mean()
    torch.testing.assert_close(est.double(), mean.expand(30), rtol=0, atol=TOL[dtype] * 10)
    if return_weights:
        torch.testing.assert_close(out[1].double(), torch.full((30, 500), 1 / 500, dtype=torch.float64),
                                   rtol=TOL[dtype] * 10, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_far_training_points_cost_nothing_and_change_nothing(dtype):
    # points 1e4 widths away have logits far below exp's underflow: clamped, not 0/0, not slow
    x, y, q = data(400, 60, dtype=dtype)
    far_x = torch.cat([x, x + 1e4 * 0.01])
    far_y = torch.cat([y, y * 100])
    est = nadaraya_watson(far_x, far_y, q, sigma=0.01, return_weights=False)
    near = nadaraya_watson(x, y, q, sigma=0.01, return_weights=False)
    torch.testing.assert_close(est, near, rtol=0, atol=TOL[dtype])


# ---------------------------------------------------------------- empty windows

def _query_far_from_data(dtype):
    x = torch.tensor([0.0, 0.5, 1.0, 1.5], dtype=dtype)
    y = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=dtype)
    q = torch.tensor([0.1, 5.0, 1.4, -3.0, 9.0], dtype=dtype)  # 5.0, -3.0 and 9.0 see nothing
    return x, y, q, torch.tensor([False, True, False, True, True])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["boxcar", "triangular", "epanechnikov"])
@pytest.mark.parametrize("return_weights", [False, True])
def test_empty_windows_are_nan_with_one_warning(dtype, kernel, return_weights):
    x, y, q, empty = _query_far_from_data(dtype)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = nadaraya_watson(x, y, q, kernel, 0.3, return_weights=return_weights)
    est = out[0] if return_weights else out
    ours = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(ours) == 1
    message = str(ours[0].message)
    assert "3 of 5 queries" in message and "wider sigma" in message and "nearest" in message
    assert torch.isnan(est[empty]).all() and torch.isfinite(est[~empty]).all()
    if return_weights:
        assert torch.isnan(out[1][empty]).all()
        torch.testing.assert_close(out[1][~empty].sum(1), torch.ones(2, dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["boxcar", "triangular", "epanechnikov"])
@pytest.mark.parametrize("return_weights", [False, True])
def test_empty_windows_fall_back_to_the_nearest_point(dtype, kernel, return_weights):
    x, y, q, empty = _query_far_from_data(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning with this policy
        out = nadaraya_watson(x, y, q, kernel, 0.3, return_weights=return_weights, empty="nearest")
    est = out[0] if return_weights else out
    assert torch.equal(est[empty], torch.tensor([4.0, 1.0, 4.0], dtype=dtype))
    reference = nadaraya_watson(x, y, q[~empty], kernel, 0.3, return_weights=False)
    torch.testing.assert_close(est[~empty], reference)
    if return_weights:
        expected = torch.zeros(3, 4, dtype=dtype)
        expected[[0, 1, 2], [3, 0, 3]] = 1
        assert torch.equal(out[1][empty], expected)


def test_the_gaussian_never_has_an_empty_window():
    x, y, q, _ = _query_far_from_data(torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = nadaraya_watson(x, y, q, "gaussian", 1e-4, return_weights=False)
    assert torch.equal(est, torch.tensor([1.0, 4.0, 4.0, 1.0, 4.0]))


# ---------------------------------------------------------------- dtypes and devices

@pytest.mark.parametrize("dtype", DTYPES)
def test_the_dtype_is_kept(dtype):
    x, y, q = data(100, 20, dtype=dtype)
    assert nadaraya_watson(x, y, q, return_weights=False).dtype == dtype
    est, w = nadaraya_watson(x, y, q)
    assert est.dtype == w.dtype == dtype


def test_float32_and_float64_agree_to_float32_rounding():
    x, y, q = data(2000, 300, dtype=torch.float64)
    e64 = nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)
    e32 = nadaraya_watson(x.float(), y.float(), q.float(), sigma=0.05, return_weights=False)
    torch.testing.assert_close(e32.double(), e64, rtol=0, atol=2e-5)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,d", [("gaussian", 1), ("gaussian", 2), ("epanechnikov", 1)])
def test_cuda_gives_the_cpu_results(dtype, kernel, d):
    x, y, q = data(5000, 300, d=d, dtype=dtype)
    cpu = nadaraya_watson(x, y, q, kernel, 0.3, return_weights=False, device="cpu")
    gpu = nadaraya_watson(x, y, q, kernel, 0.3, return_weights=False, device="cuda")
    assert gpu.device.type == "cuda"
    torch.testing.assert_close(gpu.cpu(), cpu, rtol=0, atol=TOL[dtype] * 10)
    scores_cpu = loo_cv(x, y, [0.1, 0.3], kernel, device="cpu").scores
    scores_gpu = loo_cv(x, y, [0.1, 0.3], kernel, device="cuda").scores
    torch.testing.assert_close(scores_gpu.cpu(), scores_cpu, rtol=TOL[dtype] * 10, atol=0)


# ---------------------------------------------------------------- bounded memory

@pytest.mark.parametrize("kernel,d", [("gaussian", 1), ("gaussian", 2), ("boxcar", 1), ("triangular", 2)])
def test_estimates_only_never_hold_the_m_by_n_matrix(one_thread, kernel, d):
    n, m, block = 4000, 2000, 8
    x, y, q = data(n, m, d=d, dtype=torch.float32)
    with LargestOutput() as mode:
        est = nadaraya_watson(x, y, q, kernel, 0.5, return_weights=False, block_size=block)
    assert torch.isfinite(est).all()
    # one block (the 1-D Gaussian's tiles hold at least CPU_BLOCK_ELEMENTS values)
    assert mode.largest <= max(block * n, regression.CPU_BLOCK_ELEMENTS) < m * n
    with LargestOutput() as mode:
        nadaraya_watson(x, y, q, kernel, 0.5)
    assert mode.largest >= m * n  # the book's behaviour: the whole matrix is returned


# ---------------------------------------------------------------- leave-one-out

def naive_loo(x, y, sigmas, kernel):
    """One σ at a time, one left-out point at a time: the definition."""
    kern, n, scores = get_kernel(kernel), x.shape[0], []
    for s in sigmas:
        err = 0.0
        for i in range(n):
            keep = torch.arange(n) != i
            w = kern((x[keep] - x[i]) / s)
            err += float((y[i] - (w * y[keep]).sum() / w.sum()) ** 2) if w.sum() > 0 else float("nan")
        scores.append(err / n)
    return torch.tensor(scores, dtype=torch.float64).nan_to_num(nan=float("inf"))


@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "epanechnikov"])
def test_loo_matches_the_definition_across_blocks(monkeypatch, kernel):
    x, y, _ = data(90, 1, dtype=torch.float64, seed=3)
    sigmas = [0.005, 0.05, 0.2, 0.6, 3.0]
    expected = naive_loo(x, y, sigmas, kernel)
    whole = loo_cv(x, y, sigmas, kernel).scores
    monkeypatch.setattr(bandwidth, "CPU_BLOCK_ELEMENTS", 2 * 90 * 7)  # blocks of 7 rows
    blocked = loo_cv(x, y, sigmas, kernel).scores
    for scores in (whole, blocked):
        assert torch.equal(torch.isinf(scores), torch.isinf(expected))
        fin = torch.isfinite(expected)
        torch.testing.assert_close(scores[fin], expected[fin], rtol=1e-12, atol=0)
    if kernel != "gaussian":
        assert torch.isinf(whole[0])  # at σ = 0.005 some point has no other point in its window


def test_loo_equals_the_statsmodels_objective():
    kernel_regression = pytest.importorskip("statsmodels.nonparametric.kernel_regression")
    x, y, _ = data(60, 1, dtype=torch.float64, seed=4)
    kr = kernel_regression.KernelReg(endog=[y.numpy()], exog=[x.numpy()], var_type="c",
                                     reg_type="lc", bw=[0.3])
    sigmas = [0.1, 0.3, 0.9]
    ours = loo_cv(x, y, sigmas).scores
    theirs = [np.asarray(kr.cv_loo(np.array([s]), kr._est_loc_constant)).item() for s in sigmas]
    torch.testing.assert_close(ours, torch.tensor(theirs, dtype=torch.float64), rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_loo_tiny_sigma_is_finite_for_the_gaussian(dtype):
    x, y, _ = data(50, 1, dtype=dtype)
    res = loo_cv(x, y, [1e-12, 1e-3, 0.3])
    assert torch.isfinite(res.scores).all() and res.scores.dtype == dtype
    assert res.best_sigma > 0


def test_nwlib_exports_the_regression():
    assert nwlib.nadaraya_watson is nadaraya_watson


def test_loo_with_several_outputs_adds_their_squared_errors():
    x, y, _ = data(70, 1, k=3, dtype=torch.float64, seed=5)
    sigmas = [0.05, 0.3, 1.0]
    total = loo_cv(x, y, sigmas).scores
    parts = sum(loo_cv(x, y[:, j], sigmas).scores for j in range(3))
    torch.testing.assert_close(total, parts, rtol=1e-12, atol=0)
