"""nwlib.plot.beyond: the figures of the part "Beyond the section"."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from nwlib import local_linear, nadaraya_watson  # noqa: E402
from nwlib.plot import beyond  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _weights():
    x = torch.linspace(0, 5, 30, dtype=torch.float64)
    q = torch.linspace(0, 5, 21, dtype=torch.float64)
    _, w_nw = nadaraya_watson(x, torch.sin(x), q, sigma=0.5)
    _, w_ll = local_linear(x, torch.sin(x), q, sigma=0.5)
    return x, q, w_nw, w_ll


def test_equivalent_weights_hatch_the_negative_cells_only_where_there_are_some():
    x, q, w_nw, w_ll = _weights()
    fig = beyond.plot_equivalent_weights({"NW": w_nw, "LL": w_ll}, x, q)
    nw_ax, ll_ax = fig.axes[:2]
    def hatched(ax):
        return [c for c in ax.collections if any(getattr(c, "hatches", None) or ())]

    assert hatched(ll_ax) and not hatched(nw_ax)
    mesh = ll_ax.collections[0]
    assert mesh.norm.vmin == -1 and mesh.norm.vmax == 1  # one symmetric scale for both
    assert fig.legends and "below" in fig.legends[0].get_texts()[0].get_text()


def test_signed_norm_is_linear_within_a_tenth_of_the_uniform_weight():
    norm = beyond.signed_weight_norm(40)
    assert norm.linthresh == pytest.approx(0.0025)
    assert norm(0.0) == pytest.approx(0.5) and norm(-1.0) == 0 and norm(1.0) == 1


def test_weight_rows_on_a_signed_square_root_axis():
    x, _, w_nw, w_ll = _weights()
    fig = beyond.plot_weight_rows(x, {"NW": w_nw[0], "LL": w_ll[0]}, query=0.0, low=-1, high=3)
    ax = fig.axes[0]
    assert ax.get_ylim() == (-1, 3) and ax.get_yscale() == "function"
    assert len(ax.get_legend().get_texts()) == 3


def test_edge_bias_and_local_errors_draw_one_series_per_label():
    fig = beyond.plot_edge_bias([0.1, 0.2, 0.4], {"a": [0.1, 0.2, 0.4], "b": [0.01, 0.04, 0.16]},
                                {"a": 1, "b": 2}, where="q = 5")
    assert fig.axes[0].get_ylabel() == "|bias| at q = 5"
    assert len(fig.axes[0].get_lines()) == 4  # two series, two slope lines
    fig = beyond.plot_local_errors(np.linspace(0, 1, 5), {"a": np.ones(5), "b": 2 * np.ones(5)},
                                   np.random.default_rng(0).uniform(size=10))
    assert len(fig.axes[0].get_lines()) == 3  # two curves and the rug


@pytest.mark.parametrize("call, name", [
    (lambda: beyond.plot_equivalent_weights({}, [0.0], [0.0]), "weights"),
    (lambda: beyond.plot_weight_rows([0.0], {}), "rows"),
    (lambda: beyond.plot_edge_bias([0.1], {}), "biases"),
    (lambda: beyond.plot_local_errors([0.0], {"a": []}), "errors"),
])
def test_nothing_to_plot_is_refused_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=f"nothing to plot: {name}"):
        call()
