"""nwlib.adaptive and one width per query: knn_widths, loo_knn, sigma of shape (m, 1)."""
import math

import numpy as np
import pytest
import torch

import nwlib
from nwlib.adaptive import knn_widths, loo_knn

F64 = torch.float64


def _data(n=50, d=1, m=13, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, d, generator=gen, dtype=F64) ** 2 * 5  # uneven: dense near 0
    y = torch.sin(x).sum(1) + 0.3 * torch.randn(n, generator=gen, dtype=F64)
    q = torch.rand(m, d, generator=gen, dtype=F64) * 5
    return x, y, q


@pytest.mark.parametrize("d", [1, 3])
def test_knn_widths_are_the_kth_distance(d):
    x, _, q = _data(d=d)
    for k in (1, 4, 50):
        exact = ((q[:, None, :] - x[None, :, :]) ** 2).sum(-1).sqrt()  # cdist rounds more
        expected = exact.sort(dim=1).values[:, k - 1:k]
        assert torch.allclose(knn_widths(x, q, k), expected, atol=0, rtol=1e-14)


def test_without_queries_each_point_leaves_itself_out():
    x, _, _ = _data(d=2)
    dist = torch.cdist(x, x)
    dist.fill_diagonal_(math.inf)
    expected = dist.sort(dim=1).values[:, 2:3]
    assert torch.allclose(knn_widths(x, k=3), expected, atol=1e-12)


def test_knn_widths_in_blocks_equal_one_block(monkeypatch):
    x, _, q = _data(n=300, m=200)
    whole = knn_widths(x, q, 7)
    monkeypatch.setattr(nwlib._engine, "CPU_BLOCK_ELEMENTS", 300 * 3)  # 3 queries per block
    assert torch.equal(knn_widths(x, q, 7), whole)
    assert torch.equal(knn_widths(x, k=7), knn_widths(x, x, 8))  # self at distance 0 is 1st


def test_duplicates_give_a_tiny_width_and_the_mean_of_the_copies():
    x = [1.0, 1.0, 1.0, 4.0]
    widths = knn_widths(x, [1.0], k=2)
    assert 0 < float(widths) <= torch.finfo(F64).tiny
    y_hat = nwlib.nadaraya_watson(x, [1.0, 2.0, 3.0, 9.0], [1.0], sigma=widths,
                                  return_weights=False)
    assert float(y_hat) == pytest.approx(2.0)


@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "triangular"])
@pytest.mark.parametrize("fit", [nwlib.nadaraya_watson, nwlib.local_linear])
def test_one_width_per_query_equals_one_call_per_query(kernel, fit):
    x, y, q = _data(d=2, seed=1)
    widths = knn_widths(x, q, 12)
    together, weights = fit(x, y, q, kernel, widths)
    for a in range(q.shape[0]):
        alone, w = fit(x, y, q[a:a + 1], kernel, float(widths[a]))
        assert torch.allclose(together[a], alone[0], atol=1e-12)
        assert torch.allclose(weights[a], w[0], atol=1e-12)
    blocked = fit(x, y, q, kernel, widths, return_weights=False, block_size=2)
    assert torch.allclose(blocked, together, atol=1e-12)


def test_boxcar_with_knn_widths_is_the_mean_of_the_k_nearest():
    x, y, q = _data(n=40, seed=2)
    widths = knn_widths(x, q, 5)
    y_hat = nwlib.nadaraya_watson(x, y, q, "boxcar", widths, return_weights=False)
    nearest = torch.cdist(q, x).argsort(dim=1)[:, :5]
    assert torch.allclose(y_hat, y[nearest].mean(dim=1), atol=1e-12)


def test_loo_knn_equals_leaving_each_point_out_by_hand():
    x, y, _ = _data(n=30, seed=3)
    result = loo_knn(x, y, [2, 5, 9])
    for k, score in zip(result.ks, result.scores.tolist()):
        errors = []
        for i in range(30):
            keep = torch.arange(30) != i
            width = float(torch.cdist(x[i:i + 1], x[keep]).sort().values[0, k - 1])
            est = nwlib.nadaraya_watson(x[keep], y[keep], x[i:i + 1], sigma=width,
                                        return_weights=False)
            errors.append(float(est[0] - y[i]) ** 2)
        assert score == pytest.approx(np.mean(errors), rel=1e-10)
    assert result.best_k == result.ks[int(result.scores.argmin())]
    assert result.best_score == float(result.scores.min())


def test_loo_knn_marks_a_k_that_leaves_some_window_empty():
    x = [0.0, 0.1, 5.0, 5.1]  # boxcar at k = 1: each point has its partner inside the window
    assert math.isfinite(float(loo_knn(x, [0.0, 1.0, 2.0, 3.0], [1], "boxcar").scores[0]))


@pytest.mark.parametrize("call, error, match", [
    (lambda: knn_widths([0.0, 1.0, 2.0], [0.5], k=4), ValueError, "between 1 and 3"),
    (lambda: knn_widths([0.0, 1.0, 2.0], k=3), ValueError, "leaves itself out"),
    (lambda: knn_widths([0.0, 1.0, 2.0], [0.5], k=0), ValueError, "k=0"),
    (lambda: knn_widths([0.0, 1.0, 2.0], [0.5], k=1.5), TypeError, "k must"),
    (lambda: knn_widths([0.0, 1.0, 2.0], [[0.5, 0.5]], k=1), ValueError, "x_query"),
    (lambda: loo_knn([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [3]), ValueError, "n − 1 = 2"),
    (lambda: loo_knn([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], []), ValueError, "ks is empty"),
    (lambda: loo_knn([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], 2), TypeError, "ks must"),
    (lambda: loo_knn([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], torch.tensor(2)), TypeError, "ks must"),
    (lambda: loo_knn([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], np.array(2)), TypeError, "ks must"),
    (lambda: loo_knn([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [2.0]), TypeError, "ks must"),
    (lambda: loo_knn([0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [np.bool_(True)]), TypeError, "ks must"),
    (lambda: loo_knn([0.0], [0.0], [1]), ValueError, "at least 2"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("ks", [np.arange(1, 4), torch.arange(1, 4), [np.int32(1), 2, np.int64(3)]])
def test_numpy_and_tensor_integers_count_as_whole_numbers(ks):
    x = torch.linspace(0.0, 5.0, 12, dtype=torch.float64)
    assert loo_knn(x, 2 * x, ks).ks == (1, 2, 3)
    assert loo_knn(x, 2 * x, ks).scores.tolist() == loo_knn(x, 2 * x, [1, 2, 3]).scores.tolist()
    assert knn_widths(x, k=np.int64(2)).tolist() == knn_widths(x, k=2).tolist()


@pytest.mark.parametrize("fit", [nwlib.nadaraya_watson, nwlib.local_linear])
@pytest.mark.parametrize("sigma, match", [
    ([[0.5], [0.5], [0.5]], r"shape \(2, 1\) for 2 queries"),
    ([[0.5, 0.5], [0.5, 0.5]], r"shape \(2, 1\)"),
    ([[0.5], [-1.0]], "positive finite widths"),
    ([[0.5], [float("nan")]], "positive finite widths"),
])
def test_bad_per_query_widths_are_named(fit, sigma, match):
    with pytest.raises(ValueError, match=match):
        fit([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 2.0, 3.0], [0.5, 1.5], sigma=sigma)
