"""nwlib._engine: the blocked kernel sums, their memory and numerical edges (threads: test_pool.py).

No timings here: speed is measured by ``benchmarks/run.py`` (``make bench``), not by the tests.
The invariants every path must keep (blocked = dense, σ limits, empty windows) are in
test_properties.py.
"""
import warnings

import pytest
import torch
from _reference import DTYPES, TOL, balloon_estimate, data, dense_estimate
from torch.utils._python_dispatch import TorchDispatchMode

from nwlib import _engine, nadaraya_watson
from nwlib.bandwidth import loo_cv
from nwlib.kernels import get_kernel


class LargestOutput(TorchDispatchMode):
    """Record the largest number of elements of any tensor an operation produces (this thread)."""

    def __init__(self):
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else [out]:
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


@pytest.mark.parametrize("dtype", DTYPES)
def test_tiles_across_training_points_match_whole_rows(dtype):
    # n larger than one tile's columns: the 1-D Gaussian path cuts rows along the training points
    n = _engine._CPU_TILE_COLUMNS * 2 + 123
    x, y, q = data(n, 40, dtype=dtype)
    ref = dense_estimate(x, y, q, "gaussian", 0.05)
    for block_size in (None, 1, 3, 40):
        est = nadaraya_watson(x, y, q, "gaussian", 0.05, return_weights=False, block_size=block_size)
        torch.testing.assert_close(est.to(torch.float64), ref, rtol=0, atol=TOL[dtype] * 20)


def test_threaded_blocks_agree_with_one_thread_and_keep_the_callers_setting(monkeypatch):
    x, y, q = data(3000, 900, dtype=torch.float32)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        single = nadaraya_watson(x, y, q, sigma=0.2, return_weights=False, block_size=5)
        monkeypatch.setattr(_engine, "_PARALLEL_MIN_ELEMENTS", 0)
        torch.set_num_threads(3)
        runs = [nadaraya_watson(x, y, q, sigma=0.2, return_weights=False, block_size=5)
                for _ in range(3)]
        boxcar = [nadaraya_watson(x, y, q, "boxcar", 0.2, block_size=5)[0] for _ in range(2)]
        loo = [loo_cv(x[:500], y[:500], [0.1, 0.3]).scores for _ in range(2)]
        assert torch.get_num_threads() == 3  # never changed for the caller
    finally:
        torch.set_num_threads(before)
    # every block is computed by the same single-threaded operations, whichever thread runs it
    assert all(torch.equal(runs[0], r) for r in runs[1:])
    assert torch.equal(runs[0], single)
    assert torch.equal(boxcar[0], boxcar[1]) and torch.equal(loo[0], loo[1])
    torch.testing.assert_close(runs[0].double(), dense_estimate(x, y, q, "gaussian", 0.2),
                               rtol=0, atol=2e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_far_training_points_cost_nothing_and_change_nothing(dtype):
    # points 1e4 widths away have logits far below exp's underflow: clamped, not 0/0, not slow
    x, y, q = data(400, 60, dtype=dtype)
    far_x = torch.cat([x, x + 1e4 * 0.01])
    far_y = torch.cat([y, y * 100])
    est = nadaraya_watson(far_x, far_y, q, sigma=0.01, return_weights=False)
    near = nadaraya_watson(x, y, q, sigma=0.01, return_weights=False)
    torch.testing.assert_close(est, near, rtol=0, atol=TOL[dtype])


@pytest.mark.parametrize("kernel,d", [("gaussian", 1), ("gaussian", 2), ("boxcar", 1), ("triangular", 2)])
def test_estimates_only_never_hold_the_m_by_n_matrix(monkeypatch, kernel, d):
    monkeypatch.setattr(_engine, "_GRAIN", float("inf"))  # run on this thread, where the mode records
    monkeypatch.setattr(_engine, "_PARALLEL_MIN_ELEMENTS", float("inf"))
    n, m, block = 4000, 600, 8
    x, y, q = data(n, m, d=d, dtype=torch.float32)
    with LargestOutput() as mode:
        est = nadaraya_watson(x, y, q, kernel, 0.5, return_weights=False, block_size=block)
    assert torch.isfinite(est).all()
    # one block (the 1-D Gaussian's tiles hold at least CPU_BLOCK_ELEMENTS values)
    assert 0 < mode.largest <= max(block * n, _engine.CPU_BLOCK_ELEMENTS) < m * n
    with LargestOutput() as mode:
        nadaraya_watson(x, y, q, kernel, 0.5)
    assert mode.largest >= m * n  # the book's behaviour: the whole matrix is returned


def test_a_weight_matrix_that_cannot_fit_fails_before_allocating():
    x = torch.zeros(1_000_000)
    q = torch.zeros(100_000)
    message = r"return_weights=True: .*100000 queries × 1000000 .*373 GiB.*return_weights=False"
    with pytest.raises(ValueError, match=message):
        nadaraya_watson(x, x, q)


# ---------------------------------------------------------------- one width per query

def _per_query_widths(m, dtype, tiny=True):
    """Widths from 1e-3 to 10 (and, for the Gaussian, vanishing ones), one per query, (m, 1)."""
    widths = torch.logspace(-3, 1, m, dtype=torch.float64)
    if tiny:
        widths[::7] = 1e-30
        widths[3::7] = 1e-200 if dtype == torch.float64 else 1e-44
    return widths.to(dtype)[:, None]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,d", [("gaussian", 1), ("gaussian", 3), ("boxcar", 1),
                                      ("triangular", 2), ("epanechnikov", 1)])
def test_one_width_per_query_matches_the_brute_force_balloon_estimator(dtype, kernel, d):
    x, y, q = data(300, 50, d=d, k=2, dtype=dtype)
    x, q = x.reshape(300, -1), q.reshape(50, -1)
    sigmas = _per_query_widths(50, dtype, tiny=kernel == "gaussian")
    ref_est, ref_sums = balloon_estimate(x, y, q, kernel, sigmas[:, 0])
    kern = get_kernel(kernel)
    for block_size in (None, 1, 7):
        sums = _engine.kernel_sums(q, x, y, kern, sigma=sigmas, block_size=block_size)
        est = sums.estimates()[0].to(torch.float64)
        finite = torch.isfinite(ref_est[:, 0])  # compact kernels: empty windows are NaN in both
        assert torch.equal(torch.isfinite(est[:, 0]), finite)
        torch.testing.assert_close(est[finite], ref_est[finite], rtol=0, atol=TOL[dtype] * 10)
        absolute = _engine.kernel_sums(q, x, y, kern, sigma=sigmas, shift=False, block_size=block_size)
        torch.testing.assert_close(absolute.den[0].to(torch.float64), ref_sums,
                                   rtol=TOL[dtype] * 10, atol=1e-30)
    # the weights, and the differentiable path, give the same rows
    kept = _engine.kernel_sums(q, x, y, kern, sigma=sigmas, keep_weights=True).weights
    dense = _engine.dense_weights(q, x, sigmas, kern)
    torch.testing.assert_close(dense[finite], kept[finite], rtol=0, atol=TOL[dtype])
    torch.testing.assert_close((kept[finite] @ y).to(torch.float64), ref_est[finite], rtol=0,
                               atol=TOL[dtype] * 10)


def test_one_width_per_query_leaves_out_a_key_and_one_width_for_all_is_the_same_call():
    x, y, _ = data(200, 1, dtype=torch.float64)
    x, y = x[:, None], y[:, None]
    kern = get_kernel("gaussian")
    same = _engine.kernel_sums(x, x, y, kern, sigma=torch.full((200, 1), 0.3, dtype=torch.float64),
                               exclude=torch.arange(200))
    one = _engine.kernel_sums(x, x, y, kern, sigma=torch.tensor(0.3, dtype=torch.float64),
                              exclude=torch.arange(200))
    torch.testing.assert_close(same.estimates(), one.estimates(), rtol=0, atol=1e-14)
    with pytest.raises(ValueError, match=r"\(200, 1\)"):
        _engine.kernel_sums(x, x, y, kern, sigma=torch.ones(3, 1, dtype=torch.float64))


def test_one_width_per_query_stays_within_one_block_of_memory(monkeypatch):
    monkeypatch.setattr(_engine, "_GRAIN", float("inf"))  # run on this thread, where the mode records
    monkeypatch.setattr(_engine, "_PARALLEL_MIN_ELEMENTS", float("inf"))
    n, m, block = 4000, 600, 8
    x, y, q = data(n, m, dtype=torch.float32)
    sigmas = torch.logspace(-2, 0, m)[:, None]
    with LargestOutput() as mode:
        sums = _engine.kernel_sums(q[:, None], x[:, None], y[:, None], get_kernel("gaussian"),
                                   sigma=sigmas, block_size=block)
    assert torch.isfinite(sums.estimates()).all()
    assert 0 < mode.largest <= block * n < m * n


# ---------------------------------------------------------------- numerical edges

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "triangular", "epanechnikov", "constant"])
@pytest.mark.parametrize("sigma", [1e-308, 5e-324, 1e-45])
def test_every_positive_finite_width_works(dtype, kernel, sigma):
    x = torch.tensor([0.0, 1.0, 3.0], dtype=dtype)
    y = torch.tensor([1.0, 2.0, 3.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # compact kernels: empty windows
        est, w = nadaraya_watson(x, y, [0.0, 1.0, 0.4], kernel, sigma, empty="nearest")
        blocked = nadaraya_watson(x, y, [0.0, 1.0, 0.4], kernel, sigma, return_weights=False,
                                  empty="nearest")
        scores = loo_cv(x, y, [sigma, 1.0], kernel).scores
    expected = [2.0, 2.0, 2.0] if kernel == "constant" else [1.0, 2.0, 1.0]
    assert est.tolist() == expected and blocked.tolist() == expected
    assert torch.isfinite(w).all() and scores.shape == (2,)


@pytest.mark.parametrize("dtype", DTYPES)
def test_values_near_the_largest_number_do_not_overflow_the_pooled_sum(dtype):
    big = torch.finfo(dtype).max
    x = torch.tensor([0.0, 0.1, 0.2, 0.3], dtype=dtype)
    y = torch.full((4,), big, dtype=dtype) * torch.tensor([1.0, 0.9, 1.0, 0.95], dtype=dtype)
    for keep in (True, False):
        out = nadaraya_watson(x, y, [0.15], "constant", 1.0, return_weights=keep)
        est = out[0] if keep else out
        assert torch.isfinite(est).all()
        assert float(est[0]) == pytest.approx(0.9625 * big, rel=1e-5)


def _bell(u):
    return torch.exp(-u ** 2 / 2)


def _huge_bell(u):  # the same kernel times 3e37: its sums overflow float32 unless scaled
    return 3e37 * torch.exp(-u ** 2 / 2)


def test_a_kernel_with_huge_values_gives_the_ratios_of_the_same_kernel_scaled_down():
    x, y, q = data(300, 40, dtype=torch.float32)
    for keep in (True, False):
        torch.testing.assert_close(nadaraya_watson(x, y, q, _huge_bell, 0.3, return_weights=keep),
                                   nadaraya_watson(x, y, q, _bell, 0.3, return_weights=keep))
    huge, bell = (loo_cv(x, y, [0.1, 0.3], k).scores for k in (_huge_bell, _bell))
    assert torch.isfinite(huge).all()
    torch.testing.assert_close(huge, bell)
    sigma = torch.tensor(0.3, requires_grad=True)
    w = _engine.dense_weights(x[:, None], x[:, None], sigma, get_kernel(_huge_bell), torch.arange(300))
    torch.testing.assert_close(w, _engine.dense_weights(x[:, None], x[:, None], sigma,
                                                        get_kernel(_bell), torch.arange(300)))
    (w @ y).sum().backward()
    assert torch.isfinite(sigma.grad)


def test_dense_weights_leave_out_any_index_and_stay_differentiable():
    x = torch.linspace(0, 1, 5, dtype=torch.float64)[:, None]
    sigma = torch.tensor(0.4, dtype=torch.float64, requires_grad=True)
    idx = torch.tensor([3, 0])
    for name in ("gaussian", "epanechnikov"):
        w = _engine.dense_weights(x[idx], x, sigma, get_kernel(name), idx)
        assert w[0, 3] == 0 and w[1, 0] == 0
        torch.testing.assert_close(w.sum(1), torch.ones(2, dtype=torch.float64))
        (w @ x[:, 0]).sum().backward()
        assert torch.isfinite(sigma.grad)


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
    q2, x2 = q.reshape(300, -1), x.reshape(5000, -1)
    sigmas = _per_query_widths(300, dtype, tiny=kernel == "gaussian")
    per_cpu = _engine.kernel_sums(q2, x2, y[:, None], get_kernel(kernel), sigma=sigmas)
    per_gpu = _engine.kernel_sums(q2.cuda(), x2.cuda(), y[:, None].cuda(), get_kernel(kernel),
                                  sigma=sigmas.cuda())
    torch.testing.assert_close(per_gpu.estimates().cpu(), per_cpu.estimates(), rtol=0,
                               atol=TOL[dtype] * 10, equal_nan=True)


def test_the_callers_tensors_are_never_written_to():
    big = torch.finfo(torch.float64).max
    x = torch.tensor([0.0, 0.1, 0.2, 0.3], dtype=torch.float64)
    y = torch.full((4,), big / 2, dtype=torch.float64)  # large values are rescaled, on a copy
    keep_x, keep_y = x.clone(), y.clone()
    for kernel in ("gaussian", "boxcar"):
        nadaraya_watson(x, y, x, kernel, 1.0, return_weights=False)
        with pytest.raises(ValueError, match="y_train"):  # its squared errors would overflow
            loo_cv(x, y, [0.5, 1.0], kernel)
    assert torch.equal(x, keep_x) and torch.equal(y, keep_y)
