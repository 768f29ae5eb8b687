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
    assert math.isfinite(fit.final_loss) and fit.sigma != 1.0
    # at σ0 = 1e-4 no point has another within its window: the first batch is all empty windows
    x = book.x_train
    gaps = (x[:, None] - x[None, :]).abs() + torch.eye(x.shape[0], dtype=x.dtype) * 1e9
    assert float(gaps.min()) > 1e-4
    b = min(32, x.shape[0])
    for kernel in ("triangular", "epanechnikov"):
        with pytest.raises(FloatingPointError, match=rf"step 0 .*: {b} of {b} points of the batch "
                           f"have no other training point inside the window of the compact "
                           f"'{kernel}'"):
            learn_width(x, book.y_train, kernel=kernel, sigma0=1e-4, steps=5, progress=False)


def _laplace(u):
    return torch.exp(-u)


def _triangle(u):  # the triangular kernel as a callable: a cusp at 0 and at 1
    return (1 - u).clamp(min=0)


@pytest.mark.parametrize("kernel", ["gaussian", "triangular", "epanechikov", "epanechnikov",
                                    _laplace, _triangle])
def test_every_kernel_with_a_gradient_learns_from_the_default_start(kernel):
    data = make_data(seed=2, dtype=torch.float64)
    fit = learn_width(data.x_train, data.y_train, kernel=kernel, steps=300, batch_size=16,
                      progress=False)
    assert torch.isfinite(fit.sigma_history).all() and torch.isfinite(fit.loss_history).all()
    start = width_objective(data.x_train, data.y_train, float(fit.sigma_history[0]), kernel=kernel)
    best = float(loo_cv(data.x_train, data.y_train, fine_grid(0.05, 3.0, 300), kernel).scores.min())
    assert fit.final_loss < start
    assert fit.final_loss <= best * 1.01  # the grid's best, to 1 %


@pytest.mark.parametrize("kernel", ["triangular", "epanechikov", "gaussian", _triangle, _laplace])
@pytest.mark.parametrize("objective", ["loo", "insample"])
def test_zero_distances_have_a_finite_gradient(kernel, objective):
    # duplicate inputs and the (excluded) diagonal are at distance 0, where √u² has no derivative
    x = torch.tensor([0.0, 0.0, 0.3, 0.3, 0.5, 1.0, 1.0, 1.4], dtype=torch.float64)
    y = torch.tensor([0.0, 0.2, 1.0, 0.8, 0.1, 0.9, 1.1, 0.0], dtype=torch.float64)
    sigma0, eta, h = 0.65, 1e-3, 1e-5  # no distance is σ0 (the triangle's cusp at u = 1)
    fit = learn_width(x, y, kernel=kernel, objective=objective, sigma0=sigma0, steps=1,
                      batch_size=8, lr=eta, optimizer="sgd", schedule="constant", progress=False)
    grad = -(math.log(float(fit.sigma)) - math.log(sigma0)) / eta
    up = width_objective(x, y, sigma0 * math.exp(h), objective=objective, kernel=kernel)
    down = width_objective(x, y, sigma0 * math.exp(-h), objective=objective, kernel=kernel)
    assert grad == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-9)


def test_a_callable_without_a_finite_derivative_is_named(book):
    def root(u):  # finite values, but the untaken branch sqrt(1 − u) is NaN for u > 1
        return torch.where(u < 1, torch.sqrt(1 - u), torch.zeros_like(u))

    with pytest.raises(FloatingPointError, match=r"callable 'root' has no finite derivative"):
        learn_width(book.x_train, book.y_train, kernel=root, sigma0=3.0, steps=5, progress=False)
    with pytest.raises(FloatingPointError, match=r"no other training point inside the window of "
                       r"the 'root' kernel"):  # its window, not its derivative, fails first
        learn_width(book.x_train, book.y_train, kernel=root, sigma0=1e-4, steps=5, progress=False)


def test_a_width_that_cannot_move_and_a_step_that_is_too_long_are_named(book):
    with pytest.raises(ValueError, match=r"gradient is exactly 0 .*1\.0+\d*e-300.*far below the spacing"):
        learn_width(book.x_train, book.y_train, sigma0=1e-300, steps=5, progress=False)
    with pytest.raises(ValueError, match=r"gradient is exactly 0"):
        learn_width(book.x_train, book.y_train, sigma0=1e300, kernel="triangular", steps=5,
                    progress=False)
    with pytest.raises(FloatingPointError, match=r"left the floating-point range .*lr=1000.0"):
        learn_width(book.x_train, book.y_train, lr=1e3, steps=5, progress=False)


@pytest.mark.parametrize("sigma", [5e-324, 1e-200, 1e-20, 0.3, 1e200])
@pytest.mark.parametrize("objective", ["loo", "insample"])
def test_the_objective_is_the_blocked_score_at_every_width(book, sigma, objective):
    x, y = book.x_train, book.y_train
    got = width_objective(x, y, sigma, objective=objective)
    if objective == "loo":
        expected = float(loo_cv(x, y, [sigma]).scores[0])
    else:
        est = nadaraya_watson(x, y, x, sigma=sigma, return_weights=False)
        expected = float(((y - est) ** 2).mean())
    assert math.isfinite(got) and got == pytest.approx(expected, rel=1e-12)


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


def test_learn_width_imports_nothing_a_ctrl_c_could_leave_half_done():
    """torch.optim's first optimizer imports torch._dynamo and sympy (about 1 s); a Ctrl-C in that
    window left sympy half-imported and every later learn_width failing. nwlib.learning imports
    them itself, so learn_width imports neither (checked in a fresh interpreter)."""
    import subprocess
    import sys

    code = ("import sys, torch, nwlib.learning as L\n"
            "before = set(sys.modules)\n"
            "x = torch.linspace(0, 5, 20, dtype=torch.float64)\n"
            "for opt in ('adam', 'sgd'):\n"
            "    L.learn_width(x, torch.sin(x), steps=2, optimizer=opt, progress=False)\n"
            "new = [m for m in set(sys.modules) - before if m.startswith(('sympy', 'torch._dynamo'))]\n"
            "print(len(new), sorted(new)[:3])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("0 "), out.stdout


def test_minibatches_visit_every_point_once_per_epoch_and_never_stall():
    from nwlib.learning import minibatches

    batches = minibatches(10, 3, torch.Generator().manual_seed(0), "cpu")
    epoch = torch.cat([next(batches) for _ in range(3)])  # 3 batches of 3: one left out
    assert epoch.unique().numel() == 9
    assert next(minibatches(4, 100, torch.Generator().manual_seed(0), "cpu")).numel() == 4
