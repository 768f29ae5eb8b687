"""The explorers of nwlib.widgets, without a browser: the jslinked precomputed layer, the live layer,
what the figures show, the page weight, and argument checks. (tests/test_browser.py drives the
built website in Chromium.)"""
from __future__ import annotations

import base64
import io
import math

import ipywidgets as w
import numpy as np
import pytest
import torch
from ipywidgets.widgets.widget import _instances as widget_registry
from ipywidgets.widgets.widget_link import Link
from PIL import Image as PILImage

import nwlib
from nwlib import widgets as nw
from nwlib.bandwidth import loo_cv
from nwlib.data import make_data

PAGE_BUDGET = 3_000_000  # bytes of precomputed frames per explorer, as the page embeds them
SMALL = dict(sigmas=(0.05, 0.3, 1.0))


def _links():
    # every live widget, as the notebook's saved state (and so the page) holds them
    return [x for x in list(widget_registry.values()) if isinstance(x, Link)]


def _linked(source, source_trait, target, target_trait) -> bool:
    return any(link.source == (source, source_trait) and link.target == (target, target_trait)
               for link in _links())


def _frames(root):
    """The precomputed images: one list per selector option (kernel or width)."""
    outer = root._nwlib.display.children[0]
    return [list(inner.children) for inner in outer.children]


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(png)).convert("RGB"))


@pytest.fixture(scope="module")
def main():
    return nw.explorer()


@pytest.fixture(scope="module")
def small():
    return nw.explorer(kernels=("gaussian", "constant", "boxcar"), **SMALL)


# ---------------------------------------------------------------------------------------------
# The precomputed layer: what the website shows
# ---------------------------------------------------------------------------------------------

def test_main_explorer_defaults_cover_the_book(main):
    ex = main._nwlib
    menu, slider = ex.static_controls["kernel"], ex.static_controls["sigma"]
    assert list(menu.options) == list(nw.BOOK_KERNELS)
    sigmas = [value for _, value in slider.options]
    assert sigmas[0] == 0.01 and sigmas[-1] == 5.0
    assert {0.1, 0.2, 0.5, 1.0} <= set(sigmas)
    ratios = np.diff(np.log(sigmas))
    assert (ratios > 0).all() and ratios.max() / ratios.min() < 2.5  # roughly log-spaced
    frames = _frames(main)
    assert len(frames) == len(nw.BOOK_KERNELS)
    assert all(len(row) == len(sigmas) for row in frames)


def test_controls_are_jslinked_to_the_frames(small):
    ex = small._nwlib
    menu, slider = ex.static_controls["kernel"], ex.static_controls["sigma"]
    outer = ex.display.children[0]
    assert _linked(menu, "index", outer, "selected_index")
    for inner in outer.children:
        assert _linked(slider, "index", inner, "selected_index")
    play = [c for c in small.children[1].children if isinstance(c, w.Play)][0]
    assert _linked(play, "value", slider, "index")
    assert (play.min, play.max) == (0, len(slider.options) - 1)
    # the initial selection agrees everywhere, so the page opens on a consistent frame
    assert all(inner.selected_index == slider.index for inner in outer.children)
    assert outer.selected_index == menu.index == 0
    assert ex.display.selected_index == 0


def test_frames_are_valid_distinct_pngs(small):
    frames = _frames(small)
    gaussian, constant, boxcar = frames
    sizes = {PILImage.open(io.BytesIO(im.value)).size for row in frames for im in row}
    assert len(sizes) == 1
    size = tuple(str(px) for px in sizes.pop())
    # the page reserves each image's box from these attributes before decoding it
    assert all((im.width, im.height) == size for row in frames for im in row)
    # every width draws a different picture; the constant kernel ignores σ: one shared image
    assert len({im.value for im in gaussian}) == len(gaussian)
    assert len({im.model_id for im in constant}) == 1
    assert gaussian[0].value != boxcar[0].value


def test_frames_are_deterministic():
    a = nw.explorer(kernels=("gaussian",), **SMALL)
    b = nw.explorer(kernels=("gaussian",), **SMALL)
    assert [im.value for im in _frames(a)[0]] == [im.value for im in _frames(b)[0]]


@pytest.mark.parametrize("make", [nw.explorer, nw.query_explorer, nw.loo_explorer,
                                  nw.temperature_explorer])
def test_page_weight_of_each_default_explorer(make):
    root = make()
    weight = nw.page_weight(root)
    assert 0 < weight < PAGE_BUDGET, f"{make.__name__}: {weight / 1e6:.2f} MB"
    # the live image is empty until a kernel redraws it: nothing extra on the page
    assert root._nwlib.live_image.value == b""


def test_page_weight_counts_a_shared_image_once(small):
    constant = _frames(small)[1]
    one = len(base64.b64encode(constant[0].value))
    box = w.VBox([w.Stack(children=constant)])
    assert nw.page_weight(box) == one


# ---------------------------------------------------------------------------------------------
# The live layer: only with a front end, recomputes on change
# ---------------------------------------------------------------------------------------------

def test_live_controls_hidden_until_a_view_appears():
    root = nw.explorer(kernels=("gaussian",), **SMALL)
    ex = root._nwlib
    assert ex.live_box.layout.display == "none"
    assert root._view_count == 0  # the front end counts views from 0
    root._view_count = 1  # what a live front end reports when it displays the explorer
    assert ex.live_box.layout.display is None


def test_live_update_recomputes_and_returns_to_frames():
    root = nw.explorer(kernels=("gaussian", "boxcar"), **SMALL)
    ex = root._nwlib
    ex.live_controls["n"].value = 300
    assert ex.display.selected_index == 1
    first = ex.live_image.value
    assert _decode(first).shape[0] == int(ex.live_image.height)
    ex.static_controls["sigma"].index = 0
    assert ex.live_image.value != first
    ex.static_controls["kernel"].value = "boxcar"
    assert ex.live_image.value != first
    assert ex.last_update_ms is not None and ex.last_update_ms > 0
    assert "live" in ex.status.value
    ex.reset()
    assert ex.display.selected_index == 0
    assert ex.live_controls["n"].value == 40


def test_live_estimate_is_nadaraya_watson_of_the_new_data():
    ex = nw.explorer(kernels=("gaussian",), **SMALL)._nwlib
    ex.live_controls["n"].value = 500
    ex.live_controls["noise"].value = 0.5
    ex.live_controls["seed"].value = 3
    figure = _closure_value(ex.render, "fig")
    data = make_data(n=500, noise=0.5, seed=3)
    sigma = ex.static_controls["sigma"].value
    expected = nwlib.nadaraya_watson(data.x_train, data.y_train, data.x_val, "gaussian", sigma,
                                     return_weights=False, device="cpu")
    np.testing.assert_allclose(figure.line.get_ydata(), expected.numpy(), rtol=1e-5, atol=1e-6)
    rows = figure.heat.get_array()
    np.testing.assert_allclose(np.asarray(rows).sum(axis=1), 1.0, rtol=1e-5)


def _closure_value(fn, name):
    return dict(zip(fn.__code__.co_freevars, (c.cell_contents for c in fn.__closure__)))[name]


def test_query_explorer_bars_are_one_row_of_weights():
    root = nw.query_explorer(sigmas=(0.2, 0.5), queries=(1.0, 2.5, 4.0))
    ex = root._nwlib
    ex.live_controls["n"].value = 60  # go live, so the figure holds the current frame
    figure = _closure_value(ex.render, "fig")
    heights = np.array([seg[1][1] for seg in figure.bars.get_segments()])
    assert heights.shape == (60,)
    assert heights.sum() == pytest.approx(1.0, abs=1e-5)
    data = make_data(n=60)
    q = ex.static_controls["query"].value
    est = nwlib.nadaraya_watson(data.x_train, data.y_train, [q], "gaussian",
                                ex.static_controls["sigma"].value, return_weights=False)
    assert figure.qmark.get_ydata()[0] == pytest.approx(float(est[0]), abs=1e-5)
    assert float(heights @ data.y_train.numpy()) == pytest.approx(float(est[0]), abs=1e-4)
    widths = ex.static_controls["sigma"]
    assert _linked(widths, "index", ex.display.children[0], "selected_index")


def test_loo_explorer_marks_the_leave_one_out_minimum():
    root = nw.loo_explorer(sigmas=(0.01, 0.3, 5.0))
    figure = _closure_value(root._nwlib.render, "fig")
    res = loo_cv(make_data().x_train, make_data().y_train, torch.tensor(figure.grid), "gaussian")
    assert figure.best_sigma == pytest.approx(res.best_sigma)
    train = figure.tr_line.get_ydata()
    # exercise 2.1: keeping the point, the error falls towards 0 as σ → 0; leaving it out does not
    assert train[0] < 0.1 * train[-1]
    assert figure.scores[0] > res.best_score
    assert 0.01 < figure.best_sigma < 5


def test_temperature_explorer_softmax_equals_gaussian_weights():
    root = nw.temperature_explorer(temperatures=(0.05, 0.5))
    ex = root._nwlib
    figure = _closure_value(ex.render, "fig")
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
    ex = nw.explorer(kernels=("gaussian",), **SMALL)._nwlib
    figure = _closure_value(ex.render, "fig")
    figure.draw("gaussian", 0.3, palette=False)  # background cached
    fast = _decode(figure.draw("gaussian", 0.7, palette=False))
    figure.invalidate()
    full = _decode(figure.draw("gaussian", 0.7, palette=False))
    assert np.array_equal(fast, full)


# ---------------------------------------------------------------------------------------------
# Argument checks at the public edge
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda: nw.explorer(kernels=("nope",)), ValueError, "kernel"),
    (lambda: nw.explorer(kernels="gaussian"), TypeError, "kernels"),
    (lambda: nw.explorer(kernels=()), TypeError, "kernels"),
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
    (lambda: nw.temperature_explorer(temperatures=(1.0, float("inf"))), ValueError, "temperatures"),
    (lambda: nw.temperature_explorer(n=0), ValueError, "n must"),
])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_nice_top_is_above_the_value():
    for value in (0.003, 0.019, 0.04, 0.3, 0.94, 1.0):
        top = nw._nice_top(value)
        assert top > value and math.isfinite(top)
