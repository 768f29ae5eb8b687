"""Invariants of Nadaraya–Watson regression, as property-based tests (hypothesis).

Over random training sets, queries, widths and kernels: the weights form a stochastic matrix, the
estimate stays in the range of the values, it ignores the order of the training points, follows
affine maps of the values and translations of the inputs, tends to the mean as σ → ∞ and to the
nearest neighbour as σ → 0, and every evaluation path (dense, blocked, float32, CUDA) agrees.
Also the home of the other invariants, each tested once: empty windows, dtypes, and the
leave-one-out definition.

Tolerances are not guessed: :func:`error_bound` is a first-order bound on how far the estimate can
move when each scaled distance ``u`` is perturbed by ``δu`` (rounding), computed from a float64
reference. Compact kernels jump (boxcar) or lose their last point at ``u = 1``; examples with a
distance within rounding of that edge are skipped with ``assume``, since no tolerance is honest
there. Examples are derandomized, so CI sees the same cases every run.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from _reference import DTYPES, REFERENCE, data, naive_loo
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nwlib import _engine, nadaraya_watson
from nwlib.bandwidth import loo_cv
from nwlib.data import make_data
from nwlib.kernels import KERNELS

EPS64 = torch.finfo(torch.float64).eps
EPS32 = torch.finfo(torch.float32).eps
ALL_KERNELS = tuple(KERNELS)
COMPACT = tuple(name for name, kern in KERNELS.items() if kern.compact)
# Largest |k'(u)| on the support: boxcar is flat away from its edge (the edge is assumed away).
LIPSCHITZ = {"boxcar": 0.0, "triangular": 1.0, "epanechnikov": 1.5, "constant": 0.0}

PROPERTY = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# float32-representable values, so a float32 run sees exactly the float64 run's inputs
coords = st.floats(-10, 10, width=32, allow_subnormal=False)
values = st.floats(-100, 100, width=32, allow_subnormal=False)
widths = st.floats(0.0625, 20, width=32)


@dataclass
class Problem:
    x: np.ndarray      # (n, d) float64
    y: np.ndarray      # (n, k) float64
    q: np.ndarray      # (m, d) float64
    sigma: object      # float or (d,) array
    kernel: str
    flat: bool         # pass x, q (and y) as 1-D arrays: the d = 1, k = 1 calling convention

    def args(self, dtype=np.float64):
        x, y, q = (a.astype(dtype) for a in (self.x, self.y, self.q))
        if self.flat:
            x, y, q = x[:, 0], y[:, 0], q[:, 0]
        return x, y, q

    def widths(self) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.sigma, dtype=np.float64), (self.x.shape[1],))


@st.composite
def problems(draw, kernels=ALL_KERNELS, sigma=widths, max_n=12):
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, 3))
    m = draw(st.integers(1, 6))
    k = draw(st.sampled_from([1, 1, 2]))
    x = np.array(draw(st.lists(coords, min_size=n * d, max_size=n * d)), dtype=np.float64)
    y = np.array(draw(st.lists(values, min_size=n * k, max_size=n * k)), dtype=np.float64)
    q = np.array(draw(st.lists(coords, min_size=m * d, max_size=m * d)), dtype=np.float64)
    if d > 1 and draw(st.booleans()):
        s = np.array(draw(st.lists(sigma, min_size=d, max_size=d)), dtype=np.float64)
    else:
        s = draw(sigma)
    flat = d == 1 and k == 1 and draw(st.booleans())
    return Problem(x.reshape(n, d), y.reshape(n, k), q.reshape(m, d), s, draw(st.sampled_from(kernels)),
                   flat)


def run(p: Problem, dtype=np.float64, **kw):
    """nadaraya_watson on the problem, estimates always (m, k); empty windows give NaN silently."""
    x, y, q = p.args(dtype)
    sigma = p.sigma if np.ndim(p.sigma) == 0 else np.asarray(p.sigma, dtype=dtype)
    kw.setdefault("device", "cpu")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*queries have no training point", RuntimeWarning)
        out = nadaraya_watson(x, y, q, kernel=p.kernel, sigma=sigma, **kw)
    est, w = out if isinstance(out, tuple) else (out, None)
    est = est.reshape(q.shape[0], -1)
    return est.detach().cpu().to(torch.float64), (None if w is None else w.cpu().to(torch.float64))


def scaled_distances(p: Problem) -> torch.Tensor:
    """u[a, i] = ‖(q_a − x_i) / σ‖ in float64, shape (m, n)."""
    diff = (p.q[:, None, :] - p.x[None, :, :]) / p.widths()
    return torch.from_numpy(np.sqrt((diff ** 2).sum(-1)))


def assume_off_the_edge(p: Problem, margin: float) -> None:
    """Skip examples with a distance within ``margin`` of a compact kernel's edge u = 1."""
    if p.kernel in COMPACT:
        assume(bool(((scaled_distances(p) - 1).abs() > margin).all()))


def error_bound(p: Problem, delta_u: torch.Tensor, eps: float, *, weights: bool = False):
    """First-order bound, per query (m, 1), on |Δ estimate| when each u is off by ``delta_u``.

    Gaussian: a weight's log moves by u·δu, so the estimate moves by at most
    range(y) · Σ_i w_i u_i δu_i. Compact kernels: each kernel value moves by at most Lip · δu,
    so the estimate moves by at most range(y) · Lip · Σ_i δu_i / Σ_j k(u_j). On top, the rounding
    of the sums: 4 n eps max|y|. With ``weights=True``, the bound on each attention weight (the
    same with y's range and size taken as 1: |Δw_i| is at most twice the relative movement).
    """
    u = scaled_distances(p)
    y = torch.from_numpy(p.y)
    spread = 1.0 if weights else float((y.max(0).values - y.min(0).values).max())
    n = p.x.shape[0]
    if p.kernel == "gaussian":
        w = torch.softmax(-0.5 * u ** 2, dim=1)
        moved = spread * (w * u * delta_u).sum(1)
    else:
        k = REFERENCE[p.kernel](u)
        inside = (k > 0).to(torch.float64)
        total = k.sum(1)
        moved = spread * LIPSCHITZ[p.kernel] * (inside * delta_u).sum(1) / total.clamp(min=1e-300)
        moved = torch.where(total > 0, moved, torch.zeros_like(moved))  # empty rows: NaN in both
    rounding = 4 * n * eps * ((0.0 if weights else float(np.abs(p.y).max())) + 1)
    return (4 * moved + rounding).unsqueeze(1)


def assert_within(actual, expected, bound):
    """|actual − expected| ≤ bound elementwise; NaN (empty windows) must match NaN."""
    nan_a, nan_e = torch.isnan(actual), torch.isnan(expected)
    assert torch.equal(nan_a, nan_e), f"empty windows differ: {nan_a.tolist()} vs {nan_e.tolist()}"
    gap = (actual - expected).abs().nan_to_num(0.0)
    excess = gap - bound.expand_as(gap)
    assert bool((excess <= 0).all()), (
        f"max deviation {float(gap.max()):.3g} exceeds its bound by {float(excess.max()):.3g}\n"
        f"actual={actual.tolist()}\nexpected={expected.tolist()}")


def rounding_of_u(p: Problem, eps: float) -> torch.Tensor:
    """How far rounding can move each scaled distance u, shape (m, n).

    Differences and sums of squares round relative to u; per-coordinate widths are folded into the
    coordinates first (q·σ_min/σ_j), which rounds at the scale of the coordinates themselves.
    """
    u = scaled_distances(p)
    delta = 8 * eps * (u + 1)
    if np.ndim(p.sigma) > 0:
        scale = max(float(np.abs(p.x).max()), float(np.abs(p.q).max()))
        delta = delta + 4 * eps * scale * math.sqrt(p.x.shape[1]) / float(p.widths().min())
    return delta


def rounding_only(p: Problem, eps: float = EPS64) -> torch.Tensor:
    """The bound when the scaled distances themselves are identical (only the sums round)."""
    return 4 * p.x.shape[0] * eps * (float(np.abs(p.y).max()) + 1) * torch.ones(p.q.shape[0], 1)


# ------------------------------------------------------------------------------------ weights

@PROPERTY
@given(problems())
def test_weights_are_non_negative_and_rows_sum_to_one(p):
    _, w = run(p, empty="nearest")
    n = p.x.shape[0]
    assert bool((w >= 0).all())
    assert bool(((w.sum(1) - 1).abs() <= 4 * n * EPS64).all()), w.sum(1).tolist()


@PROPERTY
@given(problems())
def test_estimate_is_the_weighted_mean_and_lies_within_the_range_of_y(p):
    est, w = run(p, empty="nearest")
    y = torch.from_numpy(p.y)
    tol = rounding_only(p)
    assert_within(est, w @ y, tol)
    assert bool((est >= y.min(0).values - tol).all() and (est <= y.max(0).values + tol).all())


@PROPERTY
@given(problems())
def test_estimate_matches_the_definition(p):
    """f̂(q) = Σ_i k(u_i) y_i / Σ_j k(u_j), from a float64 reference built straight from u."""
    delta_u = rounding_of_u(p, EPS64)
    assume_off_the_edge(p, 1e3 * float(delta_u.max()))
    u = scaled_distances(p)
    if p.kernel == "gaussian":
        ref_w = torch.softmax(-0.5 * u ** 2, dim=1)  # exp(−u²/2), normalised without underflow
    else:
        k = REFERENCE[p.kernel](u)
        ref_w = k / k.sum(1, keepdim=True)  # 0/0 = NaN where the window is empty
    est, w = run(p)
    assert_within(est, ref_w @ torch.from_numpy(p.y), error_bound(p, delta_u, EPS64))
    assert_within(w, ref_w, error_bound(p, delta_u, EPS64, weights=True))


# --------------------------------------------------------------------------------- invariances

@PROPERTY
@given(problems(), st.randoms(use_true_random=False))
def test_permuting_the_training_points_changes_nothing(p, rnd):
    perm = list(range(p.x.shape[0]))
    rnd.shuffle(perm)
    shuffled = Problem(p.x[perm], p.y[perm], p.q, p.sigma, p.kernel, p.flat)
    est, w = run(p)
    est_s, w_s = run(shuffled)
    assert_within(est_s, est, rounding_only(p))
    assert_within(w_s, w[:, perm], 4 * p.x.shape[0] * EPS64 * torch.ones(1, 1))


@PROPERTY
@given(problems(), st.floats(-10, 10), st.floats(-100, 100))
def test_affine_map_of_values_maps_the_estimate(p, a, b):
    mapped = Problem(p.x, a * p.y + b, p.q, p.sigma, p.kernel, p.flat)
    est, w = run(p)
    est_m, w_m = run(mapped)
    assert torch.equal(w.isnan(), w_m.isnan())
    assert torch.equal(w.nan_to_num(), w_m.nan_to_num())  # the values play no part in the weights
    bound = 4 * p.x.shape[0] * EPS64 * (abs(a) * (float(np.abs(p.y).max()) + 1) + abs(b) + 1)
    assert_within(est_m, a * est + b, bound * torch.ones(1, 1))


@PROPERTY
@given(problems(), st.lists(st.floats(-100, 100), min_size=3, max_size=3))
def test_translating_inputs_and_queries_together_changes_nothing(p, shift):
    c = np.array(shift[: p.x.shape[1]])
    moved = Problem(p.x + c, p.y, p.q + c, p.sigma, p.kernel, p.flat)
    # each coordinate difference is now rounded at the scale of the translated values
    scale = max(float(np.abs(moved.x).max()), float(np.abs(moved.q).max()))
    delta_u = 4 * EPS64 * scale * math.sqrt(p.x.shape[1]) / float(p.widths().min())
    assume_off_the_edge(p, 1e3 * delta_u)
    est, _ = run(p)
    est_m, _ = run(moved)
    u = scaled_distances(p)
    assert_within(est_m, est, error_bound(p, torch.full_like(u, delta_u) + 4 * EPS64 * u, EPS64))


# ------------------------------------------------------------------------------------- limits

@PROPERTY
@given(problems(sigma=st.just(1e12)))
def test_infinite_width_gives_the_mean(p):
    est, _ = run(p)
    y = torch.from_numpy(p.y)
    # u ≤ 35/1e12: every kernel value is k(0) to within 1e-10 of itself
    assert_within(est, y.mean(0, keepdim=True).expand_as(est),
                  rounding_only(p) + 1e-10 * (float(np.abs(p.y).max()) + 1))


@PROPERTY
@given(problems(kernels=("constant",)))
def test_constant_kernel_gives_the_mean(p):
    est, w = run(p)
    y = torch.from_numpy(p.y)
    assert_within(est, y.mean(0, keepdim=True).expand_as(est), rounding_only(p))
    assert bool(((w - 1 / p.x.shape[0]).abs() <= 4 * EPS64).all())


# σ = 1e-150 makes u² ≈ 1e300: the Gaussian's row shift must leave the nearest logit exactly 0
# (a shift computed as c·d²_min − c·d² cancels catastrophically and gave NaN or the plain mean).
VANISHING = [1e-3, 1e-150]


@pytest.mark.parametrize("sigma", VANISHING)
@PROPERTY
@given(data=st.data())
def test_vanishing_width_gives_the_nearest_neighbour(sigma, data):
    p = data.draw(problems(kernels=("gaussian", "boxcar", "triangular", "epanechnikov"),
                           sigma=st.just(sigma)))
    d2 = scaled_distances(p) ** 2 * sigma ** 2
    if p.x.shape[0] > 1:
        # no ties: the second nearest point is farther in squared distance by 1e-3 at least,
        # so its Gaussian weight is below exp(−1e-3 / (2 σ²)) = exp(−500) for σ = 1e-3
        two = d2.topk(2, dim=1, largest=False).values
        assume(bool((two[:, 1] - two[:, 0] >= 1e-3).all()))
    nearest = d2.argmin(1)
    for keep in (True, False):
        est, _ = run(p, empty="nearest", return_weights=keep)
        assert_within(est, torch.from_numpy(p.y)[nearest], rounding_only(p))


@pytest.mark.parametrize("sigma", [1e-3, 1e-6, 1e-30])
@pytest.mark.parametrize("keep", [True, False])
def test_vanishing_width_on_the_book_data_in_float32(sigma, keep):
    data = make_data()  # float32, as in the chapter
    nearest = (data.x_val[:, None] - data.x_train[None, :]).abs().argmin(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no query may come out empty
        out = nadaraya_watson(data.x_train, data.y_train, data.x_val, sigma=sigma,
                              return_weights=keep, device="cpu")
    est = out[0] if keep else out
    torch.testing.assert_close(est, data.y_train[nearest])


# --------------------------------------------------------------------------- evaluation paths

@PROPERTY
@given(problems(max_n=20), st.integers(1, 4))
def test_blocked_and_dense_evaluation_agree(p, block_size):
    delta_u = rounding_of_u(p, EPS64)
    assume_off_the_edge(p, 1e3 * float(delta_u.max()))
    dense, _ = run(p)
    blocked, _ = run(p, return_weights=False, block_size=block_size)
    assert_within(blocked, dense, error_bound(p, delta_u, EPS64))
    default, _ = run(p, return_weights=False)
    assert_within(default, dense, error_bound(p, delta_u, EPS64))


@PROPERTY
@given(problems())
def test_float32_agrees_with_float64_to_float32_precision(p):
    delta_u = rounding_of_u(p, EPS32)
    assume_off_the_edge(p, 1e2 * float(delta_u.max()))
    e64, w64 = run(p, np.float64)
    for keep in (True, False):
        e32, _ = run(p, np.float32, return_weights=keep)
        assert_within(e32, e64, error_bound(p, delta_u, EPS32))
    _, w32 = run(p, np.float32)
    assert w32 is not None and torch.equal(w32.isnan(), w64.isnan())


@pytest.mark.parametrize("kernel", ALL_KERNELS)
@pytest.mark.parametrize("d", [1, 2])
def test_large_problems_agree_across_paths(kernel, d):
    """Past about 2^21 kernel values the CPU path splits the work over threads: same answers."""
    rng = np.random.default_rng(d)
    p = Problem(rng.uniform(0, 5, (1024, d)), rng.normal(size=(1024, 1)),
                rng.uniform(-0.5, 5.5, (2048, d)), 0.3, kernel, False)
    bound = error_bound(p, rounding_of_u(p, EPS64), EPS64)
    dense, _ = run(p)
    for block_size in (None, 7):
        blocked, _ = run(p, return_weights=False, block_size=block_size)
        assert_within(blocked, dense, bound)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
@PROPERTY
@given(problems(max_n=20))
def test_cuda_agrees_with_cpu(p):
    assume_off_the_edge(p, 1e2 * float(rounding_of_u(p, EPS32).max()))
    cpu, _ = run(p, np.float64, device="cpu")
    for dtype, eps in ((np.float64, EPS64), (np.float32, EPS32)):
        for keep in (True, False):
            gpu, _ = run(p, dtype, device="cuda", return_weights=keep)
            assert_within(gpu, cpu, error_bound(p, rounding_of_u(p, eps), eps))


# ------------------------------------------------------------------------------ empty windows

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


# ------------------------------------------------------------------------------------- dtypes

@pytest.mark.parametrize("dtype", DTYPES)
def test_the_dtype_is_kept(dtype):
    x, y, q = data(100, 20, dtype=dtype)
    assert nadaraya_watson(x, y, q, return_weights=False).dtype == dtype
    est, w = nadaraya_watson(x, y, q)
    assert est.dtype == w.dtype == dtype


# ----------------------------------------------------------------------------- leave-one-out

@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "epanechnikov"])
def test_loo_matches_the_definition_across_blocks(monkeypatch, kernel):
    x, y, _ = data(90, 1, dtype=torch.float64, seed=3)
    sigmas = [0.005, 0.05, 0.2, 0.6, 3.0]
    expected = naive_loo(x, y, sigmas, kernel)
    whole = loo_cv(x, y, sigmas, kernel).scores
    monkeypatch.setattr(_engine, "CPU_BLOCK_ELEMENTS", 2 * 90 * 7)  # blocks of 7 rows
    blocked = loo_cv(x, y, sigmas, kernel).scores
    for scores in (whole, blocked):
        assert torch.equal(torch.isinf(scores), torch.isinf(expected))
        fin = torch.isfinite(expected)
        torch.testing.assert_close(scores[fin], expected[fin], rtol=1e-12, atol=0)
    if kernel != "gaussian":
        assert torch.isinf(whole[0])  # at σ = 0.005 some point has no other point in its window


# --------------------------------------------------------------------------- every path, every σ

def _every_path(x, y, q, kernel, sigma):
    """The estimate of each evaluation path at one width: {path: (m,) float64 tensor}."""
    from nwlib.core import attention_weights
    from nwlib.kernels import get_kernel
    from nwlib.sphere import sdpa_nadaraya_watson
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # compact kernels: empty windows are NaN
        out = {"blocked": nadaraya_watson(x, y, q, kernel, sigma, return_weights=False),
               "weights": nadaraya_watson(x, y, q, kernel, sigma)[0]}
    sig = torch.tensor(sigma, dtype=x.dtype, requires_grad=True)
    w = attention_weights(q.reshape(q.shape[0], -1), x.reshape(x.shape[0], -1), sig,
                          get_kernel(kernel))
    out["differentiable"] = (w @ y).detach()
    finite = torch.isfinite(w).all(dim=1)
    if finite.any() and w.requires_grad:  # boxcar, constant: no gradient in σ
        # a loss over the rows that have a window: its gradient is finite too
        ((w[finite] @ y) ** 2).sum().backward()
        assert torch.isfinite(sig.grad)
    if kernel == "gaussian":
        out["sdpa"] = sdpa_nadaraya_watson(q, x, y, sigma)
    return {name: est.to(torch.float64) for name, est in out.items()}


@PROPERTY
@given(seed=st.integers(0, 10 ** 6),
       log_sigma=st.one_of(st.floats(-3, 2), st.floats(-300, 300)),  # the data's scale, and all
       kernel=st.sampled_from(ALL_KERNELS), d=st.sampled_from([1, 2]))
def test_every_path_gives_the_same_answer_at_every_width(seed, log_sigma, kernel, d):
    """Blocked, kept weights, differentiable (core) and SDPA paths at σ from 1e-300 to 1e300.

    SDPA's dot-product form rounds about ``eps · ‖k‖² / σ²`` in its logits where the distance
    form rounds ``eps · d²/σ²``: its tolerance is wider, and it is checked in float64.
    """
    sigma = 10.0 ** log_sigma
    x, y, q = data(12, 9, d=d, dtype=torch.float64, seed=seed)
    if KERNELS[kernel].compact:  # no distance within rounding of the window's edge
        u2 = ((q.reshape(9, -1)[:, None] - x.reshape(12, -1)[None]) ** 2).sum(-1) / sigma / sigma
        assume(bool(((u2 - 1).abs() > 1e-9).all()))
    paths = _every_path(x, y, q, kernel, sigma)
    blocked = paths.pop("blocked")
    if kernel == "gaussian":
        assert torch.isfinite(blocked).all()
    for name, est in paths.items():
        tol = 1e-7 if name == "sdpa" else 1e-10
        torch.testing.assert_close(est, blocked, rtol=0, atol=tol, equal_nan=True, msg=name)


@pytest.mark.parametrize("sigma", [1e-44, 1e-30, 1e-20, 1e-3, 0.3, 1e10, 1e30, 3e38])
@pytest.mark.parametrize("kernel", ALL_KERNELS)
def test_every_path_gives_the_same_answer_in_float32(sigma, kernel):
    x, y, q = data(40, 30, dtype=torch.float32, seed=3)
    paths = _every_path(x, y, q, kernel, sigma)
    blocked = paths.pop("blocked")
    paths.pop("sdpa", None)  # its float32 rounding at moderate σ is the dot product's: test_sphere
    for name, est in paths.items():
        torch.testing.assert_close(est, blocked, rtol=0, atol=1e-5, equal_nan=True, msg=name)
