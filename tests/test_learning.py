"""Width learning by stochastic gradient descent (nwlib.learning)."""
import math

import pytest
import torch

from nwlib import nadaraya_watson
from nwlib.bandwidth import loo_cv
from nwlib.data import make_data, true_function
from nwlib.learning import WidthFit, learn_width, width_objective


@pytest.fixture(scope="module")
def book():
    return make_data(seed=1, dtype=torch.float64)


def fine_grid(low=0.05, high=3.0, num=400):
    return torch.exp(torch.linspace(math.log(low), math.log(high), num, dtype=torch.float64))


def test_loo_objective_is_the_leave_one_out_score(book):
    for sigma in (0.1, 0.4, 1.5):
        grid = loo_cv(book.x_train, book.y_train, [sigma])
        assert width_objective(book.x_train, book.y_train, sigma) == pytest.approx(
            float(grid.scores[0]), rel=1e-10)


def test_insample_objective_is_the_training_error(book):
    for sigma in (0.05, 0.5):
        est = nadaraya_watson(book.x_train, book.y_train, book.x_train, sigma=sigma,
                              return_weights=False)
        expected = float(((book.y_train - est) ** 2).mean())
        got = width_objective(book.x_train, book.y_train, sigma, objective="insample")
        assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("objective", ["loo", "insample"])
def test_one_full_batch_sgd_step_follows_the_finite_difference_gradient(book, objective):
    # θ1 = θ0 − η ∂L/∂θ with θ = log σ, so the step reveals the autograd gradient
    sigma0, eta, h = 0.5, 1e-3, 1e-5
    fit = learn_width(book.x_train, book.y_train, objective=objective, sigma0=sigma0, steps=1,
                      batch_size=book.x_train.shape[0], lr=eta, optimizer="sgd",
                      schedule="constant", progress=False)
    grad = -(math.log(float(fit.sigma)) - math.log(sigma0)) / eta
    up = width_objective(book.x_train, book.y_train, sigma0 * math.exp(h), objective=objective)
    down = width_objective(book.x_train, book.y_train, sigma0 * math.exp(-h), objective=objective)
    assert grad == pytest.approx((up - down) / (2 * h), rel=1e-5)
    assert fit.loss_history[0] == pytest.approx(
        width_objective(book.x_train, book.y_train, sigma0, objective=objective), rel=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_loo_learning_finds_the_grid_minimum(seed):
    data = make_data(seed=seed, dtype=torch.float64)
    fit = learn_width(data.x_train, data.y_train, objective="loo", steps=300, batch_size=16,
                      progress=False)
    grid = loo_cv(data.x_train, data.y_train, fine_grid())
    assert float(fit.sigma) == pytest.approx(grid.best_sigma, rel=0.05)
    # the grid's best score is only a grid point: SGD may beat it slightly, never by much lose
    assert fit.final_loss <= grid.best_score * (1 + 1e-3)


def test_insample_learning_collapses_the_width(book):
    fit = learn_width(book.x_train, book.y_train, objective="insample", sigma0=1.0, steps=300,
                      batch_size=16, lr=0.1, schedule="constant", progress=False)
    assert float(fit.sigma) < 0.01
    assert fit.final_loss < 1e-2 * width_objective(book.x_train, book.y_train, 1.0,
                                                   objective="insample")
    # the width keeps falling: the last iterates are below the first ones
    assert float(fit.sigma_history[-50:].max()) < float(fit.sigma_history[:50].min())


def test_per_coordinate_widths_separate_relevant_from_irrelevant():
    gen = torch.Generator().manual_seed(0)
    x = 5 * torch.rand(150, 2, generator=gen, dtype=torch.float64)
    y = true_function(x[:, 0]) + torch.randn(150, generator=gen, dtype=torch.float64)
    fit = learn_width(x, y, per_coordinate=True, steps=200, batch_size=32, progress=False)
    start = fit.sigma_history[0]
    assert fit.sigma.shape == (2,)
    assert float(fit.sigma[1]) > 5 * float(fit.sigma[0])
    assert float(fit.sigma[1]) > float(start[1])  # the irrelevant width grew
    assert float(fit.sigma[0]) < float(start[0])


def test_history_shapes_and_types(book):
    fit = learn_width(book.x_train, book.y_train, steps=7, progress=False)
    assert isinstance(fit, WidthFit)
    assert fit.steps == 7
    assert fit.loss_history.shape == (7,)
    assert fit.sigma_history.shape == (8,)
    assert fit.sigma.shape == ()
    assert fit.objective == "loo" and fit.kernel == "gaussian"
    assert torch.equal(fit.sigma_history[-1], fit.sigma.cpu())
    x2 = torch.stack([book.x_train, book.x_train.flip(0)], dim=1)
    fit2 = learn_width(x2, book.y_train, steps=3, per_coordinate=True, progress=False)
    assert fit2.sigma_history.shape == (4, 2)


def test_seeded_runs_repeat_and_seeds_differ(book):
    kw = dict(steps=20, batch_size=8, progress=False)
    a = learn_width(book.x_train, book.y_train, seed=3, **kw)
    b = learn_width(book.x_train, book.y_train, seed=3, **kw)
    c = learn_width(book.x_train, book.y_train, seed=4, **kw)
    assert torch.equal(a.loss_history, b.loss_history)
    assert torch.equal(a.sigma_history, b.sigma_history)
    assert not torch.equal(a.loss_history, c.loss_history)


def test_default_start_is_silverman(book):
    from nwlib.bandwidth import silverman
    fit = learn_width(book.x_train, book.y_train, steps=1, progress=False)
    assert float(fit.sigma_history[0]) == pytest.approx(float(silverman(book.x_train)[0]), rel=1e-12)


def test_compact_kernel_learns_and_reports_an_empty_window(book):
    fit = learn_width(book.x_train, book.y_train, kernel="epanechnikov", sigma0=1.0, steps=50,
                      progress=False)
    assert math.isfinite(fit.final_loss)
    with pytest.raises(FloatingPointError, match="window"):
        learn_width(book.x_train, book.y_train, kernel="triangular", sigma0=1e-4, steps=5,
                    progress=False)


def test_float32_input_learns_in_float32():
    data = make_data(seed=0)
    fit = learn_width(data.x_train, data.y_train, steps=5, progress=False)
    assert fit.sigma.dtype == torch.float32


def test_progress_bar_can_be_forced(book, capsys):
    learn_width(book.x_train, book.y_train, steps=3, progress=True)
    assert "learning" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(objective="mse"), ValueError, "objective"),
    (dict(kernel="boxcar"), ValueError, "gradient"),
    (dict(kernel="constant"), ValueError, "gradient"),
    (dict(sigma0=-1.0), ValueError, "sigma0"),
    (dict(sigma0=float("nan")), ValueError, "sigma0"),
    (dict(steps=0), ValueError, "steps"),
    (dict(steps=2.5), TypeError, "steps"),
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(lr=-0.1), ValueError, "lr"),
    (dict(lr="fast"), TypeError, "lr"),
    (dict(optimizer="lbfgs"), ValueError, "optimizer"),
    (dict(schedule="step"), ValueError, "schedule"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(per_coordinate="yes"), TypeError, "per_coordinate"),
    (dict(progress="auto"), TypeError, "progress"),
])
def test_bad_arguments_are_named(book, kwargs, error, text):
    with pytest.raises(error, match=text):
        learn_width(book.x_train, book.y_train, **kwargs)


def test_bad_data_is_named():
    with pytest.raises(ValueError, match="same number"):
        learn_width([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2"):
        learn_width([1.0], [1.0], sigma0=1.0)
    with pytest.raises(ValueError, match="x_train"):
        learn_width([1.0, float("nan")], [1.0, 2.0])
    x2 = torch.rand(10, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="per_coordinate"):
        learn_width(x2, torch.rand(10, dtype=torch.float64), sigma0=[0.5, 0.5])
    with pytest.raises(ValueError, match="sigma"):
        width_objective(x2, torch.rand(10, dtype=torch.float64), [0.5, 0.5, 0.5])


def test_width_plots_draw_what_they_are_given(book):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nwlib.plot import plot_width_choices, plot_width_learning, plot_width_scores
    fit = learn_width(book.x_train, book.y_train, steps=5, progress=False)
    x2 = torch.stack([book.x_train, book.x_train.flip(0)], dim=1)
    fit2 = learn_width(x2, book.y_train, steps=5, per_coordinate=True, progress=False)
    fig = plot_width_learning({"one": fit, "two": fit2})
    loss_ax, sigma_ax = fig.axes
    assert len(loss_ax.lines) == 2 and len(sigma_ax.lines) == 3  # one width, then two
    fig = plot_width_choices({"a": [0.2, 0.3, 0.4], "b": torch.tensor([0.7, 0.8])})
    assert len(fig.axes[0].patches) > 0
    fig = plot_width_scores([0.1, 0.2, 0.4], {"curve": [3.0, 2.0, 2.5]}, {"best": 0.2})
    assert len(fig.axes[0].lines) == 2
    plt.close("all")
