"""nwlib.widgets without a browser: the jslinked precomputed layer, the live layer, what the frames
show (titles that never collide, one heatmap norm, a fixed weight axis, legends off the curves),
alt text and accessible names, the page weight, and argument checks. Small explorers (a few
frames) keep it fast; tests/site/test_browser.py drives the built website in Chromium and
tests/lab/test_lab.py the live explorers in JupyterLab."""
from __future__ import annotations

import base64
import importlib
import inspect
import io

import ipywidgets as w
import matplotlib
import numpy as np
import pytest
import torch
from PIL import Image as PILImage

import nwlib
from nwlib import plot
from nwlib import widgets as nw
from nwlib.bandwidth import loo_cv
from nwlib.data import make_data
from nwlib.widgets._frames import _SCALE, BOOK_KERNELS, SIGMA_STOPS
from nwlib.widgets.estimate import EstimateFigure
from nwlib.widgets.loo import LOOFigure
from nwlib.widgets.query import QueryFigure

# bytes of precomputed frames per explorer, as a notebook embeds them (the site serves them as
# files, loaded when shown): 2x frames took the default explorer from 0.76 to 1.65 MB
PAGE_BUDGET = 2_000_000
SMALL = dict(sigmas=(0.05, 0.3, 1.0))


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB"))


def _linked(ex, source, source_trait, target, target_trait) -> bool:
    return any(link.source == (source, source_trait) and link.target == (target, target_trait)
               for link in ex.links)


@pytest.fixture(scope="module")
def small():
    return nw.explorer(kernels=("gaussian", "constant", "boxcar"), **SMALL)


# ---------------------------------------------------------------------------------------------
# Defaults: from the registry and the book, read without rendering 85 frames
# ---------------------------------------------------------------------------------------------

def test_default_options_cover_the_book():
    assert BOOK_KERNELS == tuple(nwlib.KERNELS)
    defaults = inspect.signature(nw.explorer).parameters
    assert defaults["kernels"].default == BOOK_KERNELS
    sigmas = defaults["sigmas"].default
    assert sigmas == SIGMA_STOPS and sigmas[0] == 0.01 and sigmas[-1] == 5.0
    assert {0.1, 0.2, 0.5, 1.0} <= set(sigmas)
    ratios = np.diff(np.log(sigmas))
    assert (ratios > 0).all() and ratios.max() / ratios.min() < 2.5  # roughly log-spaced


# ---------------------------------------------------------------------------------------------
# The precomputed layer: what the website shows
# ---------------------------------------------------------------------------------------------

def test_controls_are_jslinked_to_the_frames(small):
    menu, slider = small.controls["kernel"], small.controls["sigma"]
    assert _linked(small, menu, "index", small.stack, "selected_index")
    for inner in small.stack.children:
        assert _linked(small, slider, "index", inner, "selected_index")
    assert _linked(small, small.play, "value", slider, "index")
    assert (small.play.min, small.play.max) == (0, len(slider.options) - 1)
    # the initial selection agrees everywhere, so the page opens on a consistent frame
    assert all(inner.selected_index == slider.index for inner in small.stack.children)
    assert small.stack.selected_index == menu.index == 0
    assert small.display.selected_index == 0
    assert [list(inner.children) for inner in small.stack.children] == small.frames


def test_frames_are_valid_distinct_pngs(small):
    gaussian, constant, boxcar = small.frames
    sizes = {PILImage.open(io.BytesIO(im.value)).size for row in small.frames for im in row}
    assert len(sizes) == 1
    width, height = sizes.pop()
    # the page reserves each image's box from these attributes (its CSS size) before decoding it
    size = (str(width // _SCALE), str(height // _SCALE))
    assert all((im.width, im.height) == size for row in small.frames for im in row)
    # every width draws a different picture; the constant kernel ignores σ: one shared image
    assert len({im.value for im in gaussian}) == len(gaussian)
    assert len({im.model_id for im in constant}) == 1
    assert gaussian[0].value != boxcar[0].value


def test_every_frame_has_alt_text_saying_what_it_shows(small):
    for name, row in zip(("gaussian", "constant", "boxcar"), small.frames):
        for sigma, im in zip(SMALL["sigmas"], row):
            assert im.tooltip and name in im.tooltip and "attention weights" in im.tooltip
            if name != "constant":
                assert f"σ = {sigma:g}" in im.tooltip
    assert len({im.tooltip for im in small.frames[0]}) == len(small.frames[0])


def test_images_with_a_tooltip_sync_a_description(small):
    # ipywidgets 8's browser side reads `description` wherever a tooltip is set; an Image without
    # one fails to render (in JupyterLab and on the static page): each frame must sync one
    images = [im for row in small.frames for im in row] + [small.live_image]
    for im in images:
        state = im.get_state()
        assert isinstance(state.get("description"), str), "an Image with a tooltip needs a description"
        assert state["_view_name"] == "ImageView" and state["_model_name"] == "ImageModel"


def test_controls_have_names_and_value_labels(small):
    slider = small.controls["sigma"]
    assert slider.description == "σ" and small.controls["kernel"].description == "kernel"
    assert [label for label, _ in slider.options] == [f"{s:g}" for s in SMALL["sigmas"]]
    q = nw.query_explorer(sigmas=(0.2, 0.5), queries=(1.0, 2.5))
    assert q.controls["query"].description == "query q"
    assert [label for label, _ in q.controls["query"].options] == ["1", "2.5"]
    assert q.controls["sigma"].description == "σ"
    assert all(c.description for c in q.live_controls.values())
    assert q.live_controls["noise"].description == "noise σ_ε"


def test_default_png_is_the_first_frame_shown(small):
    png = small.default_png()
    assert isinstance(png, bytes) and png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == small.frames[small.controls["kernel"].index][small.controls["sigma"].index].value
    assert small.default_alt() and "gaussian" in small.default_alt()


def test_explorer_displays_as_its_widget(small):
    bundle = small._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == small.widget.model_id


def test_frames_are_deterministic(small):
    again = nw.explorer(kernels=("gaussian",), **SMALL)
    assert [im.value for im in again.frames[0]] == [im.value for im in small.frames[0]]


@pytest.mark.parametrize("make, default_frames", [
    (lambda: nw.explorer(kernels=("gaussian", "constant"), sigmas=(0.01, 0.5, 5.0)),
     (len(BOOK_KERNELS) - 1) * len(SIGMA_STOPS) + 1),
    (lambda: nw.query_explorer(sigmas=(0.1, 1.0), queries=(0.0, 2.4, 5.0)), 4 * 26),
    (lambda: nw.loo_explorer(sigmas=(0.01, 0.3, 5.0)), len(SIGMA_STOPS)),
    (lambda: nw.temperature_explorer(temperatures=(0.01, 0.3, 5.0)), len(SIGMA_STOPS)),
])
def test_page_weight_of_each_default_explorer(make, default_frames):
    """The default explorer's weight, from the mean weight of a few of its frames (extremes of σ
    included) times its number of distinct frames: building all frames here would be slow."""
    ex = make()
    distinct = {im.model_id: im for row in ex.frames for im in row}
    per_frame = nw.page_weight(ex) / len(distinct)
    assert per_frame == pytest.approx(np.mean([len(base64.b64encode(im.value)) for im in distinct.values()]))
    assert 0 < per_frame * default_frames < PAGE_BUDGET, f"{per_frame * default_frames / 1e6:.2f} MB"
    # the live image is empty until a kernel redraws it: nothing extra on the page
    assert ex.live_image.value == b""


def test_page_weight_counts_a_shared_image_once(small):
    constant = small.frames[1]
    one = len(base64.b64encode(constant[0].value))
    assert nw.page_weight(w.VBox([w.Stack(children=constant)])) == one


# ---------------------------------------------------------------------------------------------
# What the frames show, and that they stay readable
# ---------------------------------------------------------------------------------------------

def _text_collisions(figure) -> list[str]:
    """Titles that leave the figure or overlap another axes, legend or label (measured by the
    renderer, as drawn)."""
    fig = figure.fig
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    boxes = []
    for ax in fig.axes:
        boxes.append((f"axes {ax.get_label() or id(ax)}", ax.get_window_extent(renderer), ax))
        for t in (ax.xaxis.label, ax.yaxis.label):
            if t.get_text():
                boxes.append((t.get_text(), t.get_window_extent(renderer), ax))
        if ax.get_legend():
            boxes.append(("legend", ax.get_legend().get_window_extent(renderer), ax))
    boxes += [("figure legend", leg.get_window_extent(renderer), None) for leg in fig.legends]
    titles = [(ax.title.get_text(), ax.title.get_window_extent(renderer), ax) for ax in fig.axes
              if ax.title.get_text()]
    bad = []
    for text, box, ax in titles:
        if box.x0 < frame.x0 or box.x1 > frame.x1 or box.y1 > frame.y1:
            bad.append(f"{text!r} leaves the figure")
        for other, obox, _ in boxes + [t for t in titles if t[2] is not ax]:
            if other != text and box.overlaps(obox):
                bad.append(f"{text!r} overlaps {other!r}")
    return bad


@pytest.fixture(scope="module")
def estimate_figures():
    return {}


@pytest.mark.parametrize("kernel, sigma, n", [
    ("epanechnikov", 0.01, 40),   # the most queries without a key: the longest title
    ("epanechnikov", 0.015, 2000),
    ("boxcar", 0.01, 40),
    ("constant", 0.01, 40),
    ("triangular", 5.0, 2000),
])
def test_main_explorer_titles_never_collide(estimate_figures, kernel, sigma, n):
    if n not in estimate_figures:
        estimate_figures[n] = EstimateFigure(make_data(n=n))
    figure = estimate_figures[n]
    figure.draw(kernel, sigma, palette=False)
    assert _text_collisions(figure) == []
    renderer = figure.fig.canvas.get_renderer()
    title, panel = figure.ax_est.title.get_window_extent(renderer), figure.ax_est.bbox
    assert panel.x0 - 1 <= title.x0 and title.x1 <= panel.x1 + 1  # within its own panel


def test_query_and_loo_titles_never_collide():
    q = QueryFigure(make_data())
    for kernel, sigma, query in (("epanechnikov", 0.1, 2.4), ("boxcar", 1.0, 0.0), ("gaussian", 0.2, 5.0)):
        q.draw(kernel, sigma, query, palette=False)
        assert _text_collisions(q) == []
    loo = LOOFigure(make_data(), "boxcar", np.geomspace(0.01, 5, 20))
    loo.draw(0.015, palette=False)
    assert _text_collisions(loo) == []


def test_live_update_recomputes_and_returns_to_frames():
    ex = nw.explorer(kernels=("gaussian", "boxcar"), **SMALL)
    ex.controls["n"].value = 300
    assert ex.display.selected_index == 1
    first = ex.live_image.value
    assert _decode(first).shape[0] == _SCALE * int(ex.live_image.height)
    assert ex.live_image.tooltip and "300" in ex.live_image.tooltip
    ex.controls["sigma"].index = 0
    assert ex.live_image.value != first
    ex.controls["kernel"].value = "boxcar"
    assert ex.live_image.value != first
    assert ex.last_update_ms is not None and ex.last_update_ms > 0
    assert "live" in ex.status.value
    ex.reset()
    assert ex.display.selected_index == 0
    assert ex.controls["n"].value == 40


def test_changes_in_a_kernel_draw_the_latest_value_once():
    """A drag sends a change per step: in a running event loop (as in a kernel) they are coalesced
    into one redraw of the last value, and a redraw under way is shown at once."""
    import asyncio

    ex = nw.explorer(kernels=("gaussian",), **SMALL)
    sigma = ex.controls["sigma"]

    async def drag():
        ex.controls["n"].value = 100  # live: every change now needs a redraw
        assert "redrawing" in ex.status.value and "nwlib-busy" in ex.display._dom_classes
        for step in range(20):
            sigma.index = step % len(sigma.options)
        await asyncio.sleep(5 * ex.COALESCE_S)
        while ex._scheduled:
            await asyncio.sleep(ex.COALESCE_S)

    asyncio.run(drag())
    assert ex.renders == 1
    last = sigma.options[19 % len(sigma.options)][1]
    assert f"σ = {last:g}" in ex.live_image.tooltip
    assert "nwlib-busy" not in ex.display._dom_classes and "updated" in ex.status.value


def test_change_back_to_the_defaults_drops_a_scheduled_redraw():
    import asyncio

    ex = nw.explorer(kernels=("gaussian",), **SMALL)

    async def there_and_back():
        ex.controls["n"].value = 100
        ex.controls["n"].value = 40
        await asyncio.sleep(5 * ex.COALESCE_S)

    asyncio.run(there_and_back())
    assert ex.renders == 0 and ex.display.selected_index == 0


def test_the_kernel_echoes_no_change_of_the_linked_controls():
    """The slider, Play and the frame stacks are kept in step by browser-side links: the kernel
    sends no echo of their changes (a late echo set the slider back and started a loop in Lab);
    a live control is echoed as ipywidgets does by default."""
    ex = nw.explorer(kernels=("gaussian", "boxcar"), **SMALL)
    linked = [(ex.slider, "index"), (ex.play, "value"), (ex.stack, "selected_index"),
              (ex.selector, "index")] + [(stack, "selected_index") for stack in ex.stack.children]

    def echoes(widget, trait, value):
        sent = []
        widget._send = lambda msg, buffers=None: sent.append(msg)
        try:
            widget.set_state({trait: value})
        finally:
            del widget._send
        return [m for m in sent if m.get("method") == "echo_update"]

    for widget, trait in linked:
        assert echoes(widget, trait, 1) == [], f"{type(widget).__name__}.{trait} is echoed"
    assert echoes(ex.controls["n"], "value", 100), "a live control lost ipywidgets' echo"


def test_changes_that_come_back_to_the_drawn_values_render_nothing():
    """A change and its reversal (or a front end's late echo of the drawn value) while a redraw
    waits: the live image already shows those values, so nothing is rendered again."""
    import asyncio

    ex = nw.explorer(kernels=("gaussian",), **SMALL)
    sigma = ex.controls["sigma"]

    async def away_and_back():
        ex.controls["n"].value = 100
        await asyncio.sleep(5 * ex.COALESCE_S)
        drawn = ex.renders
        sigma.index = (sigma.index + 1) % len(sigma.options)
        sigma.index = (sigma.index - 1) % len(sigma.options)
        assert "redrawing" in ex.status.value
        await asyncio.sleep(5 * ex.COALESCE_S)
        return drawn

    assert asyncio.run(away_and_back()) == 1
    assert ex.renders == 1 and ex.display.selected_index == 1
    assert "updated" in ex.status.value and "nwlib-busy" not in ex.display._dom_classes


def test_empty_windows_show_as_gaps_without_a_warning():
    # the explorer draws the empty windows itself: it must not cause the "no training point"
    # warning (and has nothing to silence)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ex = nw.explorer(kernels=("boxcar",), sigmas=(0.01, 0.3))
        ex.controls["n"].value = 10
    assert not np.isfinite(ex.figure.line.get_ydata()).all()


def test_the_package_exports_the_explorers_and_page_weight():
    assert sorted(nw.__all__) == sorted(["explorer", "query_explorer", "loo_explorer",
                                         "temperature_explorer", "boundary_explorer",
                                         "page_weight"])


@pytest.mark.parametrize("factory", ["explorer", "query_explorer", "loo_explorer",
                                     "temperature_explorer", "boundary_explorer"])
def test_defaults_live_in_the_factory_only(factory):
    made = getattr(nw, factory)
    cls = inspect.signature(made).return_annotation
    cls = getattr(importlib.import_module(made.__module__), cls) if isinstance(cls, str) else cls
    params = inspect.signature(cls.__init__).parameters
    assert all(p.default is inspect.Parameter.empty for name, p in params.items() if name != "self")
    assert set(params) - {"self"} == set(inspect.signature(made).parameters)


def test_live_controls_hidden_until_shown_live():
    ex = nw.temperature_explorer(temperatures=(0.1, 1.0))
    assert ex.live_box.layout.display == "none"
    ex.show_live()
    assert ex.live_box.layout.display is None


def test_live_estimate_is_nadaraya_watson_of_the_new_data():
    ex = nw.explorer(kernels=("gaussian",), sigmas=(0.3, 1.0))
    ex.controls["n"].value = 500
    ex.controls["noise"].value = 0.5
    ex.controls["seed"].value = 3
    data = make_data(n=500, noise=0.5, seed=3)
    sigma = ex.controls["sigma"].value
    expected = nwlib.nadaraya_watson(data.x_train, data.y_train, data.x_val, "gaussian", sigma,
                                     return_weights=False, device="cpu")
    np.testing.assert_allclose(ex.figure.line.get_ydata(), expected.numpy(), rtol=1e-5, atol=1e-6)
    rows = np.asarray(ex.figure.mesh.get_array()).reshape(len(data.x_val), 500)
    np.testing.assert_allclose(rows.sum(axis=1), 1.0, rtol=1e-5)
    keys = data.x_train.numpy()  # the heatmap's columns moved to the new keys
    np.testing.assert_allclose(ex.figure.mesh.get_coordinates()[0, 1:-1, 0], (keys[1:] + keys[:-1]) / 2)


def test_heatmap_uses_the_books_norm_and_its_floor_follows_n():
    ex = nw.explorer(kernels=("gaussian",), sigmas=(0.3, 5.0))
    norm = ex.figure.mesh.norm
    reference = plot.attention_norm(40)
    assert isinstance(norm, matplotlib.colors.LogNorm)
    assert (norm.vmin, norm.vmax) == (reference.vmin, reference.vmax)
    ex.controls["n"].value = 2000
    ex.controls["sigma"].index = 1  # σ = 5: every weight is about 1/2000, under the old 1e-3 floor
    values = np.asarray(ex.figure.mesh.get_array())
    assert ex.figure.mesh.norm.vmin == pytest.approx(0.1 / 2000)
    assert values.max() < 1e-3 and values.min() > ex.figure.mesh.norm.vmin  # not blank
    # the grey rows are explained in the legend
    texts = [t.get_text() for t in ex.figure.fig.legends[0].get_texts()]
    assert any("no key in the window" in t for t in texts)


def test_heatmap_keys_sit_at_their_x(small):
    coords = small.figure.mesh.get_coordinates()
    keys = make_data().x_train.numpy()
    np.testing.assert_allclose(coords[0, 1:-1, 0], (keys[1:] + keys[:-1]) / 2)


def test_query_explorer_bars_are_one_row_of_weights_on_a_fixed_axis():
    ex = nw.query_explorer(sigmas=(0.2, 0.5), queries=(1.0, 2.5, 4.0))
    limits = set()
    for sigma in (0.2, 0.5):
        for query in (0.0, 1.0, 2.5):
            ex.figure.draw("gaussian", sigma, query, palette=False)
            limits.add(ex.figure.ax_bar.get_ylim())
    assert limits == {(0.0, 1.0)}  # the weight axis never rescales
    ex.controls["n"].value = 60  # go live, so the figure holds the current frame
    heights = np.array([seg[1][1] for seg in ex.figure.bars.get_segments()])
    assert heights.shape == (60,)
    assert heights.sum() == pytest.approx(1.0, abs=1e-5)
    data = make_data(n=60)
    q = ex.controls["query"].value
    est = nwlib.nadaraya_watson(data.x_train, data.y_train, [q], "gaussian",
                                ex.controls["sigma"].value, return_weights=False)
    assert ex.figure.qmark.get_ydata()[0] == pytest.approx(float(est[0]), abs=1e-5)
    assert float(heights @ data.y_train.numpy()) == pytest.approx(float(est[0]), abs=1e-4)
    assert _linked(ex, ex.controls["sigma"], "index", ex.stack, "selected_index")


def test_query_weight_label_stays_inside_at_n300_boxcar():
    ex = nw.query_explorer(sigmas=(0.2, 0.5), queries=(1.0, 2.5))
    ex.controls["kernel"].value = "boxcar"
    ex.controls["n"].value = 300
    fig = ex.figure.fig
    box = ex.figure.ax_bar.yaxis.label.get_window_extent(fig.canvas.get_renderer())
    assert box.x0 >= fig.bbox.x0 and box.x1 <= ex.figure.ax_bar.bbox.x0
    ticks = [t.get_window_extent() for t in ex.figure.ax_bar.get_yticklabels() if t.get_text()]
    assert all(not box.overlaps(t) for t in ticks)


def test_loo_explorer_marks_the_minimum_and_its_legend_covers_nothing():
    ex = nw.loo_explorer(sigmas=(0.01, 0.3, 5.0))
    figure = ex.figure
    res = loo_cv(make_data().x_train, make_data().y_train, torch.tensor(figure.grid), "gaussian")
    assert figure.best_sigma == pytest.approx(res.best_sigma)
    # exercise 2.1: keeping the point, the error falls towards 0 as σ → 0; leaving it out does not
    assert figure.train[0] < 0.1 * figure.train[-1]
    assert figure.scores[0] > res.best_score
    figure.set_data(make_data(), "boxcar")
    figure.draw(0.3, palette=False)
    renderer = figure.fig.canvas.get_renderer()
    for ax in (figure.ax_cv, figure.ax_est):
        legend = ax.get_legend().get_window_extent(renderer)
        assert not legend.overlaps(ax.bbox)  # under the panel: never over a curve or the star


def test_temperature_explorer_softmax_equals_gaussian_weights():
    figure = nw.temperature_explorer(temperatures=(0.05, 0.5)).figure
    for tau in (0.05, 0.5):
        figure.draw(tau, 30.0, palette=False)
        soft = np.array([seg[1][1] for seg in figure.bars.get_segments()])
        assert soft.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(figure.nw.get_ydata(), soft, atol=1e-12)
    # a lower temperature concentrates the weight: fewer effective keys
    figure.draw(0.05, 30.0, palette=False)
    hot = np.array([seg[1][1] for seg in figure.bars.get_segments()])
    figure.draw(0.5, 30.0, palette=False)
    cool = np.array([seg[1][1] for seg in figure.bars.get_segments()])
    assert 1 / (hot ** 2).sum() < 1 / (cool ** 2).sum()


def test_fast_redraw_matches_a_full_draw():
    figure = nw.explorer(kernels=("gaussian",), **SMALL).figure
    figure.draw("gaussian", 0.3, palette=False)  # background cached
    fast = _decode(figure.draw("gaussian", 0.7, palette=False))
    figure.invalidate()
    full = _decode(figure.draw("gaussian", 0.7, palette=False))
    assert np.array_equal(fast, full)


def test_frames_are_phone_sized(small):
    # 4.8 inches at 96 dpi: a 390-px phone shrinks a frame by a quarter at most
    assert int(small.frames[0][0].width) <= 470


def test_frames_have_two_device_pixels_per_css_pixel(small):
    """Sharp on a 2x or 3x screen: each frame's PNG has twice the pixels of the box it shows in
    (its width and height attributes, which the page and the no-JavaScript image keep)."""
    assert _SCALE == 2
    for im in (small.frames[0][0], small.frames[2][-1]):
        shape = _decode(im.value).shape
        assert (shape[1], shape[0]) == (2 * int(im.width), 2 * int(im.height))
    # the CSS width is the figure's width at 96 CSS pixels per inch, as it was at 1x
    assert int(small.frames[0][0].width) == int(plot.FIG_WIDTH * 96)


# ---------------------------------------------------------------------------------------------
# Argument checks at the public edge
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda: nw.explorer(kernels=("nope",)), ValueError, "kernel"),
    (lambda: nw.explorer(kernels="gaussian"), TypeError, "kernels"),
    (lambda: nw.explorer(kernels=()), TypeError, "kernels"),
    (lambda: nw.explorer(kernels=(3,)), TypeError, "kernels"),
    (lambda: nw.explorer(sigmas=(0.5,)), ValueError, "sigmas"),
    (lambda: nw.explorer(sigmas=(0.5, 0.1)), ValueError, "increasing"),
    (lambda: nw.explorer(sigmas=(0.0, 1.0)), ValueError, "positive"),
    (lambda: nw.explorer(sigma=-1.0), ValueError, "sigma"),
    (lambda: nw.explorer(n=0), ValueError, "n must"),
    (lambda: nw.explorer(noise=-1.0), ValueError, "noise must"),
    (lambda: nw.explorer(max_n=1), ValueError, "max_n"),
    (lambda: nw.query_explorer(queries=(1.0, 1.0)), ValueError, "queries"),
    (lambda: nw.query_explorer(kernel="nope"), ValueError, "kernel"),
    (lambda: nw.loo_explorer(curve_points=1), ValueError, "curve_points"),
    (lambda: nw.temperature_explorer(query_deg="north"), TypeError, "query_deg"),
    (lambda: nw.temperature_explorer(query_deg=float("nan")), ValueError, "query_deg"),
    (lambda: nw.temperature_explorer(temperatures=(1.0, float("inf"))), ValueError, "temperatures"),
    (lambda: nw.temperature_explorer(n=0), ValueError, "n must"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_nice_top_is_above_the_value():
    from nwlib.widgets._frames import _nice_top

    for value in (0.003, 0.019, 0.04, 0.3, 0.94, 1.0):
        assert value < _nice_top(value) <= 1.05
