"""The chapter's figures: kernels, estimates and attention heatmaps (matplotlib).

Every function takes tensors or arrays from any device, draws on a new figure (or on ``ax=`` when
given) and returns the matplotlib ``Figure``, so a notebook cell is one call. The figures are drawn
for a narrow page: at most two panels side by side, :data:`BOOK_RC` fonts, the Okabe–Ito colours
with a marker or line style per series (:data:`SERIES_CYCLE`). Notebooks call
:func:`use_book_style` once to get the same style for their own figures and vector (SVG) output.

Three modules:

- :mod:`nwlib.plot.style`: the book's rc, palette and per-series cycle, :func:`use_book_style`,
  and :func:`styled` (the rc while a figure is built, for the widgets too);
- :mod:`nwlib.plot.artists`: what the static figures and :mod:`nwlib.widgets` draw alike
  (:func:`plot_estimate_on`, :func:`draw_attention` with its one colour norm
  :func:`attention_norm`), so a static figure and an explorer's frame draw the same thing;
- :mod:`nwlib.plot.figures` (the chapter's), :mod:`nwlib.plot.exercises` (exercises 1 and 3)
  and :mod:`nwlib.plot.widths` (exercises 2 and 4): the ``plot_*`` figure functions.
"""
from __future__ import annotations

from .artists import (
    attention_cmap,
    attention_norm,
    cell_edges,
    draw_attention,
    empty_window_patch,
    plot_estimate_on,
)
from .exercises import plot_fields_2d, plot_regions_2d, plot_weight_scatter, plot_weights_by_angle
from .figures import plot_attention, plot_estimates, plot_kernels
from .style import (
    BOOK_RC,
    COLOURS,
    EMPTY_GREY,
    FIG_WIDTH,
    HATCHES,
    LINESTYLES,
    MARKERS,
    SERIES_CYCLE,
    TRUTH_STYLE,
    series_style,
    styled,
    use_book_style,
)
from .widths import (
    plot_error_curves,
    plot_rates,
    plot_width_choices,
    plot_width_learning,
    plot_width_scores,
)

__all__ = ["use_book_style", "BOOK_RC", "COLOURS", "MARKERS", "LINESTYLES", "attention_norm",
           "attention_cmap", "cell_edges", "draw_attention", "empty_window_patch", "plot_kernels",
           "plot_estimates", "plot_attention", "plot_estimate_on",
           "plot_fields_2d", "plot_regions_2d", "plot_weights_by_angle", "plot_weight_scatter",
           "plot_width_learning", "plot_width_choices", "plot_error_curves", "plot_rates",
           "plot_width_scores",
           # public before but not listed (the widgets import them), and new with the package
           "TRUTH_STYLE", "EMPTY_GREY", "FIG_WIDTH", "HATCHES", "styled", "series_style",
           "SERIES_CYCLE"]
