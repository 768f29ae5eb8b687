"""nwlib.plot: the figures of the chapter."""
import matplotlib
import pytest
import torch

matplotlib.use("Agg")

import nwlib  # noqa: E402
from nwlib import plot  # noqa: E402
from nwlib.data import make_data  # noqa: E402


def test_plots_have_labelled_axes_and_one_colour_scale():
    d = make_data()
    fig = plot.plot_kernels(["gaussian", "epanechnikov"])
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel()
    _, w1 = nwlib.nadaraya_watson(d.x_train, d.y_train, d.x_val, sigma=0.1)
    _, w2 = nwlib.nadaraya_watson(d.x_train, d.y_train, d.x_val, sigma=1.0)
    fig = plot.plot_attention({"narrow": w1, "wide": w2}, d.x_train, d.x_val)
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 2
    assert images[0].get_clim() == images[1].get_clim() == (0, pytest.approx(w1.max().item()))
    assert all(ax.get_xlabel() for ax in fig.axes[:2]) and fig.axes[0].get_ylabel()
    fig = plot.plot_estimates(d, {"a": w1 @ d.y_train, "b": w2 @ d.y_train})
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    matplotlib.pyplot.close("all")


def test_plots_refuse_what_they_cannot_draw():
    d = make_data()
    with pytest.raises(ValueError, match="nothing to plot"):
        plot.plot_kernels([])
    with pytest.raises(ValueError, match="nothing to plot"):
        plot.plot_attention({}, d.x_train, d.x_val)
    with pytest.raises(ValueError, match="one value per query"):
        plot.plot_estimates(d, {"short": d.y_val[:5]})
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        plot.plot_attention({"small": torch.eye(3)}, d.x_train, d.x_val)
    matplotlib.pyplot.close("all")
