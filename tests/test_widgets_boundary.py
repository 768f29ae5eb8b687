"""nwlib.widgets.boundary: the boundary explorer's frames, weight rows and live layer."""
import numpy as np
import pytest

from nwlib import widgets as nw
from nwlib.widgets.boundary import WEIGHT_LIMITS, _signed_sqrt


@pytest.fixture(scope="module")
def small():
    return nw.boundary_explorer(sigmas=(0.2, 0.5), queries=(0.0, 2.5))


def test_frames_one_per_width_and_query_with_alt_text(small):
    assert [len(row) for row in small.frames] == [2, 2]
    alt = small.default_alt()
    assert "local-linear" in alt and "negative" in alt and "q = 0.00" in alt
    assert small.default_png().startswith(b"\x89PNG")


def test_negative_weights_are_drawn_below_zero_on_a_fixed_axis(small):
    figure = small.figure
    figure.draw("gaussian", 0.5, 0.0, palette=False)
    ll = np.array([seg[1, 1] for seg in figure.ll_bars.get_segments()])
    nw_heights = np.array([seg[1, 1] for seg in figure.nw_bars.get_segments()])
    assert (ll < 0).any() and (nw_heights >= 0).all()
    assert figure.ax_bar.get_ylim() == pytest.approx(tuple(_signed_sqrt(np.array(WEIGHT_LIMITS))))
    figure.draw("gaussian", 0.2, 2.5, palette=False)
    assert figure.ax_bar.get_ylim() == pytest.approx(tuple(_signed_sqrt(np.array(WEIGHT_LIMITS))))


def test_a_window_too_small_for_a_line_says_so(small):
    small.figure.draw("boxcar", 0.2, 0.0, palette=False)  # no key within 0.2 of 0
    assert "undefined" in small.figure.ax_top.get_title()
    assert "too few points" in small.figure.alt


def test_live_controls_render_new_data(small):
    small.controls["n"].value = 100
    assert small.display.selected_index == 1 and small.last_update_ms is not None
    small.reset()
    assert small.display.selected_index == 0


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="sigmas"):
        nw.boundary_explorer(sigmas=(0.5, 0.2))
    with pytest.raises(ValueError, match="queries"):
        nw.boundary_explorer(queries=(1.0, 0.0))
