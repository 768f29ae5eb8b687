"""The figures of the page "Beyond the section: learned query and key maps, attention in linear
time" (nwlib.plot.beyond_attention)."""
import matplotlib
import pytest
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nwlib.plot import FIG_WIDTH  # noqa: E402
from nwlib.plot.beyond_attention import plot_kernel_shapes, plot_scaling  # noqa: E402

CALLS = {
    "plot_kernel_shapes": lambda ax: plot_kernel_shapes(
        {"widths": torch.diag(torch.tensor([4.0, 2.0])), "W": [[3.0, 3.0], [0.1, -0.1]]},
        center=[0.5, 0.5], points=torch.rand(30, 2), truth=lambda p: p.sum(dim=1), ax=ax),
    "plot_scaling": lambda ax: plot_scaling(
        [16, 64, 256], {"a": [0.1, 0.05, 0.025], "b": [0.3, 0.3, 0.29]}, xlabel="r",
        ylabel="error", guides={"1/√r": [0.1, 0.05, 0.025]}, marks={"crossover": 100}, ax=ax),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_draws_on_given_axes_and_alone_legibly(name):
    fig, ax = plt.subplots()
    assert CALLS[name](ax) is fig and len(ax.get_children()) > 10
    new = CALLS[name](None)
    sizes = [t.get_fontsize() for t in new.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert min(sizes) >= 9.5  # readable on a 390-px phone
    assert new.get_size_inches()[0] <= FIG_WIDTH + 1e-9
    plt.close("all")


def test_series_differ_by_more_than_colour():
    fig = CALLS["plot_scaling"](None)
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() in ("a", "b")]
    assert lines[0].get_marker() != lines[1].get_marker()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    plt.close("all")


def test_kernel_shapes_are_where_the_kernel_is_one_width_away():
    fig = plot_kernel_shapes({"σ = 0.25": torch.eye(2) * 4}, center=[0.5, 0.5])
    one, two = fig.axes[0].collections[0].get_paths()  # one path per level
    for path, width in ((one, 0.25), (two, 0.5)):  # ‖W(p − c)‖ = 1 and 2
        radius = ((path.vertices - 0.5) ** 2).sum(axis=1) ** 0.5
        assert abs(radius - width).max() < 0.005
    plt.close("all")


@pytest.mark.parametrize("call, fragment", [
    (lambda: plot_kernel_shapes({}, center=[0, 0]), "metrics is empty"),
    (lambda: plot_kernel_shapes({"W": torch.eye(3)}, center=[0, 0]), "2 columns"),
    (lambda: plot_kernel_shapes({"W": torch.eye(2)}, center=[0, 0, 0]), "center"),
    (lambda: plot_scaling([], {"a": []}, xlabel="x", ylabel="y"), "x is empty"),
    (lambda: plot_scaling([1, 2], {}, xlabel="x", ylabel="y"), "curves is empty"),
    (lambda: plot_scaling([1, 2], {"a": [1.0]}, xlabel="x", ylabel="y"), "1 values for 2 x"),
])
def test_refuses_what_it_cannot_draw(call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call()
    plt.close("all")
