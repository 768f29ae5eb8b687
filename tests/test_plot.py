"""nwlib.plot: what the static figures draw (keys at their x, one log colour scale, labels, styles),
the shared artist builders, and what they refuse."""
from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import nwlib  # noqa: E402
from nwlib import plot  # noqa: E402
from nwlib.data import make_data  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def book():
    d = make_data()
    weights = {f"σ = {s}": nwlib.nadaraya_watson(d.x_train, d.y_train, d.x_val, sigma=s)[1]
               for s in (0.1, 1.0)}
    return d, weights


def _meshes(fig):
    """The heatmaps (a colour bar's strip is a one-column QuadMesh too: left out)."""
    return [c for ax in fig.axes for c in ax.collections
            if isinstance(c, matplotlib.collections.QuadMesh) and c.get_coordinates().shape[1] > 2]


def test_heatmap_columns_sit_at_their_keys(book):
    d, weights = book
    keys = d.x_train.numpy()
    shuffled = np.random.default_rng(0).permutation(keys.size)
    # columns given out of order are drawn at their own x all the same
    w = weights["σ = 0.1"][:, shuffled]
    fig = plot.plot_attention({"one": w}, keys[shuffled], d.x_val)
    mesh, = _meshes(fig)
    coords = mesh.get_coordinates()  # (rows + 1, columns + 1, 2) cell corners
    edges, keys_sorted = coords[0, :, 0], np.sort(keys)
    # each key's column runs from the midpoint to its left neighbour to the midpoint to its right
    # one: the key sits inside its own column, and the columns tile the axis without overlap
    assert np.allclose(edges[1:-1], (keys_sorted[1:] + keys_sorted[:-1]) / 2)
    assert np.all((edges[:-1] <= keys_sorted) & (keys_sorted <= edges[1:]))
    assert np.allclose(edges[0], keys_sorted[0] - (edges[1] - keys_sorted[0]))
    # the rows likewise sit at the queries
    rows = coords[:, 0, 1]
    assert np.all((rows[:-1] <= d.x_val.numpy()) & (d.x_val.numpy() <= rows[1:]))
    # the colour of column j is the weight of key j: the largest weight of a query near key 20
    row = int(np.argmin(np.abs(d.x_val.numpy() - keys[20])))
    drawn = mesh.get_array().reshape(len(d.x_val), len(keys))[row]
    assert np.sort(keys)[int(np.argmax(drawn))] == keys[int(weights["σ = 0.1"][row].argmax())]
    # query and key axes share the diagonal: both in x units over the same span
    ax = fig.axes[0]
    assert ax.get_xlim() == ax.get_ylim()[::-1]
    assert ax.get_xlim()[0] <= min(edges[0], d.x_val.min().item())


def test_all_heatmap_panels_share_one_log_norm(book):
    d, weights = book
    fig = plot.plot_attention(weights, d.x_train, d.x_val)
    meshes = _meshes(fig)
    assert len(meshes) == 2
    norms = {id(m.norm) for m in meshes}
    assert len(norms) == 1
    norm = meshes[0].norm
    assert isinstance(norm, matplotlib.colors.LogNorm)
    assert (norm.vmin, norm.vmax) == (pytest.approx(0.1 / 40), 1.0)
    # the explorers use the same builder: same scale for the same number of keys
    other = plot.attention_norm(40)
    assert (other.vmin, other.vmax) == (norm.vmin, norm.vmax)
    separate = _meshes(plot.plot_attention(weights, d.x_train, d.x_val, shared_scale=False))
    assert separate[0].norm.vmax != separate[1].norm.vmax


def test_floor_scales_with_n_so_wide_kernels_are_not_blank():
    d = make_data(n=2000, seed=1)
    _, w = nwlib.nadaraya_watson(d.x_train, d.y_train, d.x_val, sigma=5.0)
    assert float(w.max()) < 1e-3  # below the old fixed floor: the old heatmap was blank
    fig = plot.plot_attention({"wide": w}, d.x_train, d.x_val)
    mesh, = _meshes(fig)
    assert mesh.norm.vmin == pytest.approx(0.1 / 2000)
    assert float(np.min(mesh.get_array())) > mesh.norm.vmin  # every weight gets a colour


def test_empty_windows_are_grey_and_explained_zeros_are_white():
    d = make_data()
    with pytest.warns(RuntimeWarning, match="no training point"):
        _, w = nwlib.nadaraya_watson(d.x_train, d.y_train, d.x_val, kernel="boxcar", sigma=0.05)
    assert torch.isnan(w).any() and (w == 0).any()
    fig = plot.plot_attention({"boxcar": w}, d.x_train, d.x_val)
    mesh, = _meshes(fig)
    rgba = mesh.to_rgba(mesh.get_array())
    values = np.ma.getdata(mesh.get_array())
    grey = matplotlib.colors.to_rgba(plot.EMPTY_GREY)
    assert np.allclose(rgba[np.isnan(values)], grey)
    assert np.allclose(rgba[(values > 0) & (values < 1e-300)], (1, 1, 1, 1))  # exact zeros: white
    labels = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    assert any("no key in the window" in t for t in labels)


def test_plots_have_labelled_axes(book):
    d, weights = book
    fig = plot.plot_kernels(["gaussian", "epanechnikov"])
    assert len(fig.axes) == 2 and all(ax.get_xlabel() for ax in fig.axes)
    assert "\\kappa" in fig.axes[0].get_title()
    fig = plot.plot_attention(weights, d.x_train, d.x_val)
    assert all("k_i" in ax.get_xlabel() for ax in fig.axes[:2]) and fig.axes[0].get_ylabel() == "query q"
    fig = plot.plot_estimates(d, {"a": weights["σ = 0.1"] @ d.y_train,
                                  "b": weights["σ = 1.0"] @ d.y_train})
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["training $(k_i, v_i)$", "true $f$", "estimate $\\hat f(q)$"]
    fig = plot.plot_width_scores([0.1, 0.3], {"loo": [2.0, 1.0]}, ylabel="loss")
    assert fig.axes[0].get_xlabel() == "width σ" and fig.axes[0].get_ylabel() == "loss"
    assert plot.plot_width_scores([0.1, 0.3], {"loo": [2.0, 1.0]}).axes[0].get_ylabel() == "score"


def test_default_kernels_come_from_the_registry():
    fig = plot.plot_kernels()
    assert len(fig.axes) == len(nwlib.KERNELS)


def test_long_panel_titles_wrap_but_math_stays_whole():
    assert "\n" in plot._layout._wrap("Triangular (book: Epanechikov)")
    assert plot._layout._wrap("$\\hat p(x, y=+1) - \\hat p(x, y=-1)$ long") .count("\n") == 0


def _fields():
    gx, gy = torch.linspace(-1, 1, 9), torch.linspace(-1, 1, 7)
    z = torch.outer(gy, gx)
    pts = torch.tensor([[0.1, 0.2], [-0.3, 0.5], [0.4, -0.4], [0.0, 0.0]])
    return gx, gy, z, pts


class _Fit:
    loss_history = torch.tensor([1.0, 0.5, 0.25])
    sigma_history = torch.tensor([1.0, 0.8, 0.7])


class _Study:
    ns = torch.tensor([10, 40, 160])
    sigmas = torch.tensor([0.1, 0.3, 1.0])
    mean_errors = torch.tensor([[3.0, 2.0, 2.5], [2.0, 1.0, 1.5], [1.5, 0.5, 1.0]])
    oracle_sigma = torch.tensor([0.3, 0.25, 0.2])
    oracle_error = torch.tensor([2.0, 1.0, 0.5])
    d, region = 1, "interior"


def _calls(book):
    d, weights = book
    gx, gy, z, pts = _fields()
    labels = torch.tensor([0, 1, 0, 1])
    return {
        "plot_kernels": (1, lambda ax: plot.plot_kernels(["gaussian"], ax=ax)),
        "plot_estimates": (1, lambda ax: plot.plot_estimates(d, {"a": d.y_val}, ax=ax)),
        "plot_attention": (2, lambda ax: plot.plot_attention(weights, d.x_train, d.x_val, ax=ax)),
        "plot_fields_2d": (1, lambda ax: plot.plot_fields_2d(gx, gy, {"z": z}, pts, labels, ax=ax)),
        "plot_regions_2d": (1, lambda ax: plot.plot_regions_2d(gx, gy, {"r": (z > 0).long()}, pts,
                                                               labels, ax=ax)),
        "plot_weights_by_angle": (1, lambda ax: plot.plot_weights_by_angle(
            torch.tensor([0.1, 0.5]), {"a": torch.tensor([0.6, 0.4])}, {"a": torch.tensor([0.6, 0.4])},
            ax=ax)),
        "plot_weight_scatter": (1, lambda ax: plot.plot_weight_scatter(
            torch.tensor([0.6, 0.4]), {"c": torch.tensor([0.6, 0.4])}, ax=ax)),
        "plot_width_learning": (2, lambda ax: plot.plot_width_learning({"fit": _Fit()}, ax=ax)),
        "plot_width_choices": (1, lambda ax: plot.plot_width_choices(
            {"rule": torch.tensor([0.5, 0.6, 0.7]), "other": torch.tensor([0.4, 0.9, 1.0])}, ax=ax)),
        "plot_error_curves": (1, lambda ax: plot.plot_error_curves(_Study(), ax=ax)),
        "plot_rates": (2, lambda ax: plot.plot_rates({"s": _Study()}, {"s": (-0.2, -0.8)}, ax=ax)),
        "plot_width_scores": (1, lambda ax: plot.plot_width_scores(
            [0.1, 0.3, 1.0], {"loo": [3.0, 1.0, 2.0]}, {"best": 0.3}, ax=ax)),
    }


PLOT_FUNCTIONS = [name for name in plot.__all__ if name.startswith("plot_") and name != "plot_estimate_on"]


def test_every_plot_function_is_covered(book):
    assert sorted(_calls(book)) == sorted(PLOT_FUNCTIONS)


@pytest.mark.parametrize("name", PLOT_FUNCTIONS)
def test_every_plot_function_draws_on_given_axes(book, name):
    count, call = _calls(book)[name]
    fig, axes = plt.subplots(1, count, squeeze=False)
    given = list(axes.flat)
    before = [len(ax.get_children()) for ax in given]
    out = call(given if count > 1 else given[0])
    assert out is fig
    assert all(len(ax.get_children()) > b for ax, b in zip(given, before))
    # and without ax, a new figure whose text is at least 10 pt: readable on a 390-px phone
    new = call(None)
    assert new is not fig
    sizes = [t.get_fontsize() for t in new.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert min(sizes) >= 9.5, f"{name}: smallest font {min(sizes)} pt"
    width_in = new.get_size_inches()[0]
    assert width_in <= plot.FIG_WIDTH + 1e-9, f"{name}: {width_in} inches wide"


def test_ax_must_match_the_panels(book):
    d, weights = book
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="ax must be 2"):
        plot.plot_attention(weights, d.x_train, d.x_val, ax=ax)


def test_classes_differ_by_marker_and_colour_and_two_classes_are_y_pm1():
    gx, gy, z, pts = _fields()
    fig = plot.plot_regions_2d(gx, gy, {"r": (z > 0).long()}, pts, torch.tensor([0, 1, 0, 1]))
    scatters = [c for c in fig.axes[0].collections if isinstance(c, matplotlib.collections.PathCollection)]
    assert len(scatters) == 2
    paths = [tuple(map(tuple, s.get_paths()[0].vertices.round(3))) for s in scatters]
    assert paths[0] != paths[1]  # different markers, not only colours
    assert [s.get_label() for s in scatters] == ["y = −1", "y = +1"]
    fig = plot.plot_regions_2d(gx, gy, {"r": (z > 0).long()}, pts, torch.tensor([0, 1, 2, 1]))
    assert [s.get_label() for s in fig.axes[0].collections if s.get_label().startswith("class")] \
        == ["class 0", "class 1", "class 2"]


def test_palette_is_okabe_ito():
    okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
    assert set(plot.COLOURS) <= okabe_ito
    assert len(set(plot.MARKERS)) == len(plot.MARKERS) and len(plot.LINESTYLES) >= len(plot.COLOURS)


def test_width_histograms_differ_by_hatch():
    fig = plot.plot_width_choices({"a": torch.tensor([0.5, 0.6]), "b": torch.tensor([0.7, 0.8])})
    hatches = [p.get_hatch() for p in fig.axes[0].patches]
    assert len(set(hatches)) == 2


def test_use_book_style_sets_rcparams():
    with matplotlib.rc_context():
        plot.use_book_style()
        assert matplotlib.rcParams["font.size"] == plot.BOOK_RC["font.size"]
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"] == list(plot.COLOURS)
    with pytest.raises(ValueError, match="fmt"):
        plot.use_book_style("gif")


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
    with pytest.raises(TypeError, match="shared_scale"):
        plot.plot_attention({"one": torch.eye(3)}, [0.0, 1.0, 2.0], [0.0, 1.0, 2.0], shared_scale="yes")
    with pytest.raises(TypeError, match="study must be a RateStudy.*got NoneType"):
        plot.plot_error_curves(None)
    with pytest.raises(TypeError, match=r"studies\['a'\] must be a RateStudy.*got str"):
        plot.plot_rates({"a": "not a study"})


def test_plot_fields_and_regions():
    from nwlib.density import joint_densities
    from nwlib.plot import plot_fields_2d, plot_regions_2d

    f64 = torch.float64
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(60, 2, generator=gen, dtype=f64)
    labels = torch.randint(0, 2, (60,), generator=gen)
    x[labels == 1] += torch.tensor([1.5, 0.5], dtype=f64)
    gx = torch.linspace(-3, 4, 30, dtype=f64)
    gy = torch.linspace(-3, 3, 20, dtype=f64)
    X, Y = torch.meshgrid(gx, gy, indexing="xy")
    q = torch.stack([X.ravel(), Y.ravel()], 1)
    J = joint_densities(x, labels, q, sigma=0.5)
    fig = plot_fields_2d(gx, gy, {"a": J[:, 0], "b": J[:, 1], "diff": J[:, 1] - J[:, 0]}, x, labels,
                         signed=("diff",))
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["a", "b", "diff"]
    # the unsigned panels share one colour scale; the signed one is centred at 0
    (lo_a, hi_a), (lo_b, hi_b) = (ax.images[0].get_clim() for ax in panels[:2])
    assert lo_a == lo_b == 0 and hi_a == hi_b == pytest.approx(float(J.max()))
    lo, hi = panels[2].images[0].get_clim()
    assert lo == -hi
    assert len(panels[2].collections) >= 1 + 2  # the zero contour and the two classes of points
    # a signed field's sign has its class's colour: y = +1 (blue points) on blue, y = −1 on red
    image, dots = panels[2].images[0], panels[2].collections[-2:]
    for value, dot in zip((lo, hi), dots):
        background = np.array(image.cmap(image.norm(value))[:3])
        point = np.array(matplotlib.colors.to_rgb(dot.get_facecolor()[0]))
        assert np.argmax(background) == np.argmax(point), (value, background, point)
    plt.close(fig)
    fig = plot_regions_2d(gx, gy, {"r": J.argmax(1)}, x, labels)
    (ax,) = fig.axes
    assert ax.images[0].get_array().shape == (20, 30)
    # two classes are the labels y = ±1 of the text
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["y = −1", "y = +1"]
    plt.close(fig)


# --- the package: same public names, modules under 450 lines, styles from a cycler ---

PUBLIC_BEFORE_THE_PACKAGE = [  # dir(nwlib.plot) of the single module, less what it imported
    "use_book_style", "BOOK_RC", "COLOURS", "MARKERS", "LINESTYLES", "TRUTH_STYLE", "EMPTY_GREY",
    "FIG_WIDTH", "HATCHES", "attention_norm", "attention_cmap", "cell_edges", "draw_attention",
    "empty_window_patch", "plot_kernels", "plot_estimates", "plot_attention", "plot_estimate_on",
    "plot_fields_2d", "plot_regions_2d", "plot_weights_by_angle", "plot_weight_scatter",
    "plot_width_learning", "plot_width_choices", "plot_error_curves", "plot_rates",
    "plot_width_scores"]


def test_the_package_keeps_every_public_name():
    names = set(dir(plot))
    assert set(PUBLIC_BEFORE_THE_PACKAGE) <= names
    assert set(PUBLIC_BEFORE_THE_PACKAGE) <= set(plot.__all__)
    assert all(hasattr(plot, name) for name in plot.__all__)
    assert {"styled", "series_style", "SERIES_CYCLE"} <= set(plot.__all__)
    assert not hasattr(plot, "_styled")  # the widgets use the public styled()


def test_styled_is_a_context_and_a_decorator():
    default = matplotlib.rcParams["legend.fontsize"]
    with plot.styled():
        assert matplotlib.rcParams["legend.fontsize"] == plot.BOOK_RC["legend.fontsize"]
    assert matplotlib.rcParams["legend.fontsize"] == default

    @plot.styled()
    def size():
        return matplotlib.rcParams["font.size"]

    assert size() == plot.BOOK_RC["font.size"]
    assert matplotlib.rcParams["legend.fontsize"] == default


def test_series_styles_come_from_one_cycler_and_repeat():
    import cycler

    assert isinstance(plot.SERIES_CYCLE, cycler.Cycler)
    assert plot.SERIES_CYCLE.keys == {"color", "linestyle", "marker", "hatch"}
    first = [plot.series_style(k) for k in range(len(plot.COLOURS))]
    assert [s["color"] for s in first] == list(plot.COLOURS)
    assert [s["linestyle"] for s in first] == list(plot.LINESTYLES)
    assert [s["marker"] for s in first] == list(plot.MARKERS)
    assert plot.series_style(len(plot.COLOURS) + 2) == first[2]
    assert plot.BOOK_RC["axes.prop_cycle"].by_key()["color"] == list(plot.COLOURS)


def _series(count, values=(3.0, 1.0, 2.0)):
    return {f"s{k}": torch.tensor(values) * (k + 1) for k in range(count)}


def test_more_series_than_colours():
    count = len(plot.COLOURS) + 1  # 8: IndexError before
    sig = [0.1, 0.3, 1.0]
    fig = plot.plot_width_scores(sig, _series(count), {f"m{k}": 0.2 + 0.1 * k for k in range(3)})
    lines = fig.axes[0].get_lines()
    assert len(lines) == count + 3
    # the first seven curves differ in colour and line style; the eighth repeats the first
    assert len({(ln.get_color(), str(ln.get_linestyle())) for ln in lines[:7]}) == 7
    assert lines[7].get_color() == lines[0].get_color()
    for rules in (7, 8):  # 7 rules: IndexError before (the median line took style c + 1)
        fig = plot.plot_width_choices({f"r{k}": torch.tensor([0.5, 0.6]) * (k + 1)
                                       for k in range(rules)})
        assert len({p.get_hatch() for p in fig.axes[0].patches}) == min(rules, 7)
        assert len(fig.axes[0].get_lines()) == rules  # one median line each
    theta = torch.tensor([0.1, 0.5, 0.9])
    weights = _series(count, (0.2, 0.3, 0.5))
    fig = plot.plot_weights_by_angle(theta, weights, weights)
    assert len(fig.axes[0].get_lines()) == 2 * count
    fig = plot.plot_weight_scatter(theta, _series(count, (0.2, 0.3, 0.5)))
    assert len(fig.axes[0].get_lines()) == count + 1
    fig = plot.plot_rates({f"s{k}": _Study() for k in range(count)})
    assert len(fig.axes[0].get_lines()) == count


class _FitPerCoordinate:
    loss_history = torch.tensor([1.0, 0.5, 0.25])
    sigma_history = torch.rand(3, 6) + 0.5  # six coordinates: line styles past the strings


def test_per_coordinate_widths_of_many_fits():
    # series c + j ran past the palette at c + j = 7 (line 678 of the old module)
    fits = {f"fit {c}": _FitPerCoordinate() for c in range(4)}
    fig = plot.plot_width_learning(fits)
    assert len(fig.axes[1].get_lines()) == 4 * 6


def test_panel_setup_is_one_helper(book):
    from nwlib.plot import _layout

    fig, axes, given = _layout._panel_grid(None, 3, height=2.0)
    assert not given and len(axes) == 3 and len(fig.axes) == 3  # two a row: the fourth removed
    _, mine = plt.subplots(1, 2)
    fig2, axes2, given2 = _layout._panel_grid(mine, 2, height=2.0)
    assert given2 and fig2 is mine[0].figure and list(axes2) == list(mine)
    # the five panel figures use it, and nothing else builds panels
    import inspect
    import re

    from nwlib.plot import exercises, figures, widths
    source = "".join(inspect.getsource(m) for m in (figures, exercises, widths))
    assert source.count("_panel_grid(ax,") == 5
    assert not re.search(r"\b_given_axes\(|\b_panels\(", source)


def _empty_calls():
    d = make_data()
    gx, gy, z, pts = _fields()
    labels = torch.tensor([0, 1, 0, 1])
    empty = torch.tensor([])
    return [
        ("kernels", lambda: plot.plot_kernels([])),
        ("estimates", lambda: plot.plot_estimates(d, {})),
        ("weights", lambda: plot.plot_attention({}, d.x_train, d.x_val)),
        ("x_train", lambda: plot.plot_attention({"w": torch.zeros(3, 0)}, empty, [0.0, 1, 2])),
        ("x_query", lambda: plot.plot_attention({"w": torch.zeros(0, 3)}, [0.0, 1, 2], empty)),
        ("fields", lambda: plot.plot_fields_2d(gx, gy, {}, pts, labels)),
        ("grid_x", lambda: plot.plot_fields_2d(empty, gy, {"z": z})),
        ("labels", lambda: plot.plot_fields_2d(gx, gy, {"z": z}, pts[:0], labels[:0])),
        ("regions", lambda: plot.plot_regions_2d(gx, gy, {}, pts, labels)),
        ("theta", lambda: plot.plot_weights_by_angle(empty, {}, {})),
        ("kernel_weights", lambda: plot.plot_weights_by_angle([0.1], {}, {})),
        ("reference", lambda: plot.plot_weight_scatter(empty, {"c": empty})),
        ("candidates", lambda: plot.plot_weight_scatter([0.5, 0.5], {})),
        ("fits", lambda: plot.plot_width_learning({})),
        ("widths", lambda: plot.plot_width_choices({})),
        (r"widths\['a'\]", lambda: plot.plot_width_choices({"a": empty})),
        ("study.ns", lambda: plot.plot_error_curves(type("S", (_Study,), {"ns": empty})())),
        ("studies", lambda: plot.plot_rates({})),
        ("sigmas", lambda: plot.plot_width_scores(empty, {"loo": empty})),
        ("curves", lambda: plot.plot_width_scores([0.1, 0.2], {})),
        ("centres", lambda: plot.cell_edges([])),
    ]


@pytest.mark.parametrize("name, call", _empty_calls(), ids=[n for n, _ in _empty_calls()])
def test_empty_input_is_refused_naming_the_argument(name, call):
    with pytest.raises(ValueError, match=f"{name} is empty"):
        call()
    assert not plt.get_fignums()  # no empty figure left behind


def test_width_scores_stacked_gives_each_curve_its_panel():
    sig, curves = [0.1, 0.3, 1.0], {"loo": [3.0, 1.0, 2.0], "mse": [0.5, 0.2, 0.4]}
    fig = plot.plot_width_scores(sig, curves, {"best": 0.3}, stacked=True)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loo", "mse"]
    assert all(ax.get_yscale() == "linear" and ax.get_xscale() == "log" for ax in fig.axes)
    assert fig.axes[-1].get_xlabel() == "width σ"
    assert all(any(line.get_label() == "best: σ = 0.3" for line in ax.get_lines()) for ax in fig.axes)
    assert [t.get_text() for t in fig.axes[-1].get_legend().get_texts()] == ["best: σ = 0.3"]
    sizes = [t.get_fontsize() for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip()]
    assert min(sizes) >= 9.5
    given, axes = plt.subplots(2, 1)
    assert plot.plot_width_scores(sig, curves, stacked=True, ax=axes) is given
    with pytest.raises(ValueError, match="ax must be 2"):
        plot.plot_width_scores(sig, curves, stacked=True, ax=axes[0])
