"""Metric learning for kernel regression: a full matrix W by leave-one-out (nwlib.metric)."""
import math

import pytest
import torch

from nwlib import nadaraya_watson
from nwlib.bandwidth import loo_cv
from nwlib.learning import width_objective
from nwlib.metric import MetricFit, learn_metric, metric_objective
from nwlib.sphere import sdpa_nadaraya_watson

F64 = torch.float64


def oblique(n=120, direction=(1.0, 1.0), seed=0, noise=0.1, dtype=F64):
    """y varies along ``direction`` only."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 2, generator=gen, dtype=F64)
    u = torch.tensor(direction, dtype=F64)
    y = torch.sin(3 * x @ (u / u.norm())) + noise * torch.randn(n, generator=gen, dtype=F64)
    return x.to(dtype), y.to(dtype)


def angle_to(W, direction):
    top = torch.linalg.eigh(W.T @ W).eigenvectors[:, -1]
    u = torch.tensor(direction, dtype=top.dtype)
    return math.degrees(math.acos(min(1.0, abs(float(top @ (u / u.norm()))))))


@pytest.fixture(scope="module")
def data():
    return oblique()


def test_diagonal_W_is_per_coordinate_widths(data):
    x, y = data
    for sigma in ([0.1, 0.3], [0.5, 0.05]):
        W = torch.diag(1 / torch.tensor(sigma, dtype=F64))
        assert metric_objective(x, y, W) == pytest.approx(width_objective(x, y, sigma), rel=1e-12)


def test_one_by_one_W_is_the_leave_one_out_score_of_one_width(data):
    x, y = data[0][:, 0], data[1]
    assert metric_objective(x, y, [[1 / 0.2]]) == pytest.approx(
        float(loo_cv(x, y, [0.2]).scores[0]), rel=1e-10)


def test_objective_is_an_explicit_refit_without_each_point(data):
    x, y = data
    W = torch.tensor([[2.0, 1.0], [-0.5, 3.0]], dtype=F64)
    z = x @ W.T
    residuals = []
    for i in range(len(x)):
        keep = torch.arange(len(x)) != i
        est = nadaraya_watson(z[keep], y[keep], z[i:i + 1], sigma=1.0, return_weights=False)
        residuals.append(float(y[i] - est[0]))
    assert metric_objective(x, y, W) == pytest.approx(
        sum(r * r for r in residuals) / len(x), rel=1e-10)


def test_only_WtW_matters(data):
    x, y = data
    W = torch.tensor([[2.0, 1.0], [-0.5, 3.0]], dtype=F64)
    theta = 0.7
    Q = torch.tensor([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]],
                     dtype=F64)
    assert metric_objective(x, y, Q @ W) == pytest.approx(metric_objective(x, y, W), rel=1e-12)


def test_first_adam_step_follows_the_finite_difference_gradient(data):
    # Adam's first step moves each entry by lr against the sign of its gradient
    x, y = data
    W0 = torch.tensor([[3.0, 0.5], [0.2, 2.0]], dtype=F64)
    lr, h = 1e-3, 1e-6
    fit = learn_metric(x, y, W0=W0, steps=1, batch_size=len(x), lr=lr, schedule="constant",
                       progress=False)
    step = fit.W - W0
    for i in range(2):
        for j in range(2):
            E = torch.zeros(2, 2, dtype=F64)
            E[i, j] = h
            grad = (metric_objective(x, y, W0 + E) - metric_objective(x, y, W0 - E)) / (2 * h)
            assert float(step[i, j]) == pytest.approx(-lr * math.copysign(1, grad), rel=1e-4)
    assert float(fit.loss_history[0]) == pytest.approx(metric_objective(x, y, W0), rel=1e-12)


@pytest.mark.parametrize("direction", [(1.0, 1.0), (1.0, -2.0)])
def test_learns_the_relevant_direction_and_beats_its_start(direction):
    x, y = oblique(direction=direction, seed=3)
    fit = learn_metric(x, y, steps=300, progress=False)
    assert angle_to(fit.W, direction) < 5
    eig = torch.linalg.eigvalsh(fit.metric)
    assert eig[0] < 0.25 * eig[1]  # twice as wide across the direction as along it
    assert fit.final_loss < 0.8 * metric_objective(x, y, fit.W_history[0])


def test_result_fields(data):
    x, y = data
    fit = learn_metric(x, y, steps=20, progress=False)
    assert isinstance(fit, MetricFit) and fit.steps == 20 and fit.kernel == "gaussian"
    assert fit.W.shape == (2, 2) and fit.W_history.shape == (21, 2, 2)
    assert not fit.W.requires_grad
    assert torch.equal(fit.W_history[-1], fit.W)
    assert fit.final_loss == pytest.approx(metric_objective(x, y, fit.W), rel=1e-12)
    torch.testing.assert_close(fit.metric, fit.W.T @ fit.W)


def test_default_start_is_silverman_per_coordinate(data):
    from nwlib.bandwidth import silverman

    x, y = data
    fit = learn_metric(x, y, steps=1, progress=False)
    torch.testing.assert_close(fit.W_history[0], torch.diag(1 / silverman(x)))


def test_same_seed_same_fit_other_seed_other_path(data):
    x, y = data
    a = learn_metric(x, y, steps=30, seed=1, progress=False)
    b = learn_metric(x, y, steps=30, seed=1, progress=False)
    c = learn_metric(x, y, steps=30, seed=2, progress=False)
    assert torch.equal(a.W, b.W) and not torch.equal(a.W, c.W)


def test_a_projection_to_fewer_dimensions():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(150, 3, generator=gen, dtype=F64)
    y = torch.sin(3 * (x[:, 0] - x[:, 2]))
    fit = learn_metric(x, y, W0=[[1.0, 1.0, 1.0]], steps=200, progress=False)
    assert fit.W.shape == (1, 3)
    u = fit.W[0] / fit.W[0].norm()
    assert abs(float(u @ torch.tensor([1.0, 0.0, -1.0], dtype=F64))) / math.sqrt(2) > 0.98


def test_vector_values_and_float32(data):
    x, y = data
    fit = learn_metric(x.float(), torch.stack([y, -y], dim=1).float(), steps=10, progress=False)
    assert fit.W.dtype == torch.float32 and math.isfinite(fit.final_loss)


def test_learned_nw_is_sdpa_on_the_mapped_points(data):
    x, y = data
    fit = learn_metric(x, y, steps=50, progress=False)
    z = x @ fit.W.T
    torch.testing.assert_close(sdpa_nadaraya_watson(z[:20], z, y),
                               nadaraya_watson(z, y, z[:20], sigma=1.0, return_weights=False),
                               rtol=1e-12, atol=1e-12)


def test_a_compact_kernel_learns_too(data):
    x, y = data
    W0 = torch.eye(2, dtype=F64)
    fit = learn_metric(x, y, W0=W0, kernel="epanechnikov", steps=30, progress=False)
    assert fit.kernel == "epanechnikov"
    assert fit.final_loss < metric_objective(x, y, W0, kernel="epanechnikov")


@pytest.mark.parametrize("call, exc, fragment", [
    (lambda x, y: learn_metric(x, y, W0=[[1.0, 0.0, 0.0]]), ValueError, "W0 must be a matrix"),
    (lambda x, y: learn_metric(x, y, W0=[[float("nan"), 0.0]]), ValueError, "W0 contains"),
    (lambda x, y: learn_metric(x, y, W0=torch.zeros(2, 2)), ValueError, "W0 is all zeros"),
    (lambda x, y: learn_metric(x, y, W0="eye"), TypeError, "W0"),
    (lambda x, y: learn_metric(x, y, kernel="boxcar"), ValueError, "boxcar"),
    (lambda x, y: learn_metric(x, y, steps=0), ValueError, "steps"),
    (lambda x, y: learn_metric(x, y, lr=-1.0), ValueError, "lr"),
    (lambda x, y: learn_metric(x, y, schedule="step"), ValueError, "schedule"),
    (lambda x, y: learn_metric(x[:1], y[:1]), ValueError, "at least 2"),
    (lambda x, y: metric_objective(x, y, [[1.0], [2.0]]), ValueError, "W must be a matrix"),
    (lambda x, y: metric_objective(x, y[:-1], torch.eye(2)), ValueError, "same number"),
])
def test_bad_input_is_refused_naming_the_argument(data, call, exc, fragment):
    x, y = data
    with pytest.raises(exc, match=fragment):
        call(x, y)


def test_a_nan_loss_names_its_cause():
    x = torch.tensor([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]], dtype=F64)
    y = torch.tensor([0.0, 1.0, 2.0], dtype=F64)
    with pytest.raises(FloatingPointError, match="compact kernel"):
        learn_metric(x, y, W0=torch.eye(2, dtype=F64), kernel="epanechnikov", steps=5,
                     batch_size=3, progress=False)
