"""One query's row of attention weights, as bars under the data."""
from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as w
import numpy as np
import torch

from .. import _validate as v
from ..data import make_data
from ..kernels import get_kernel
from ..plot import COLOURS, plot_estimate_on
from ._frames import (
    BOOK_KERNELS,
    Explorer,
    FrameFigure,
    _bar_segments,
    _check_data_args,
    _data_controls,
    _frame,
    _kernel_menu,
    _nw,
    _y_limits,
    styled,
)

__all__ = ["QueryExplorer", "QueryFigure", "query_explorer"]


class QueryFigure(FrameFigure):
    """Data, estimate and the query (top); that query's attention weights as bars (bottom).

    The weight axis is the same in every frame (0 to 1, square-root scale)."""

    def __init__(self, data):
        super().__init__(height=5.0)
        with styled():
            self.ax_top, self.ax_bar = self.fig.subplots(2, 1, sharex=True, height_ratios=[1.3, 1])
            self.curve, _, self.points = plot_estimate_on(self.ax_top, data, np.zeros(len(data.x_val)),
                                                          truth=False)
            self.ax_top.set_xlabel("")
            self.qline = self.ax_top.axvline(0, color=COLOURS[2], lw=1.2, ls=":")
            self.qmark, = self.ax_top.plot([], [], "D", color=COLOURS[2], ms=8, mec="black", mew=0.6,
                                           label="estimate at q")
            self.ax_top.set_ylabel("y")
            self.bars = self.ax_bar.vlines([], [], [], color=COLOURS[2], lw=2.5)
            self.ax_bar.set_xlabel("key $k_i$")
            self.ax_bar.set_ylabel("weight $\\alpha_i(q)$\n(square-root scale)")
            # One fixed axis for every frame: weights from 0 to 1 on a square-root scale, so a
            # wide kernel's small weights and a narrow kernel's large ones both show, and the
            # axis never rescales as the query or the width moves.
            self.ax_bar.set_yscale("function", functions=(np.sqrt, np.square))
            self.ax_bar.set_ylim(0, 1)
            self.ax_bar.set_yticks([0, 0.01, 0.05, 0.2, 0.5, 1], ["0", "0.01", "0.05", "0.2", "0.5", "1"])
            self.fig.legend(handles=[self.points, self.curve, self.qmark], loc="outside lower center",
                            ncol=3, handlelength=1.5, columnspacing=1.0)
            self.ax_top.set_title("epanechnikov kernel, σ = 0.2, q = 2.40:\n"
                                  "no key in the window, f̂(q) undefined")
        self.animate(self.points, self.curve, self.qline, self.qmark, self.bars, self.ax_top.title)
        self.set_data(data)
        self.freeze()

    def set_data(self, data):
        self.data = data
        x, y = data.x_train.numpy(), data.y_train.numpy()
        self.points.set_data(x, y)
        self.ax_top.set_ylim(*_y_limits(y))
        xv = data.x_val.numpy()
        self.ax_top.set_xlim(min(x.min(), xv[0]) - 0.05, max(x.max(), xv[-1]) + 0.05)
        self.invalidate()

    def draw(self, kernel: str, sigma: float, query: float, *, palette: bool) -> bytes:
        d = self.data
        queries = torch.cat([d.x_val, torch.tensor([query], dtype=d.x_val.dtype)])
        y_hat, weights, _ = _nw(d.x_train, d.y_train, queries, kernel, sigma)
        row = weights[-1]
        self.curve.set_data(d.x_val.numpy(), y_hat[:-1])
        self.qline.set_xdata([query, query])
        self.qmark.set_data([query], [y_hat[-1]])
        x = d.x_train.numpy()
        self.bars.set_segments(_bar_segments(x, row))
        name = get_kernel(kernel).name
        if np.isfinite(y_hat[-1]):
            value = f"f̂(q) = Σᵢ αᵢ(q) vᵢ = {y_hat[-1]:.2f}"  # subscript letters, as in the text
            i = int(np.nanargmax(row))
            eff = 1.0 / float(np.sum(row ** 2))
            words = (f"the estimate there, {y_hat[-1]:.2f}, is the weighted mean of the values; the "
                     f"bars below are the weights α_i(q): the largest, {row[i]:.2f}, on the key at "
                     f"{x[i]:.2f}, and the weight is spread over about {eff:.0f} keys")
        else:
            value = "no key in the window, f̂(q) undefined"
            words = "no training point lies within its window, so it has no weights and no estimate"
        self.ax_top.set_title(f"{name} kernel, σ = {sigma:g}, q = {query:.2f}:\n{value}")
        self.alt = (f"The {len(x)} training points and the {name}-kernel estimate at σ = {sigma:g}, "
                    f"with the query q = {query:.2f} marked; {words}.")
        return self.png(palette)


class QueryExplorer(Explorer):
    """One query's attention weights (made by :func:`query_explorer`, which
    holds the defaults)."""

    title = "One query's attention weights"
    note = "drag the query or press Play"
    # what a subclass with another figure of (kernel, σ, query) changes (boundary.py)
    figure_class = QueryFigure
    default_queries = tuple(np.round(np.arange(0, 26) * 0.2, 10))
    play_interval = 300

    def first_query(self, stops) -> int:
        """The slider's starting stop."""
        return len(stops) // 2

    def __init__(self, *, sigmas: Sequence[float],
                 queries: Sequence[float] | None, kernel: str, n: int,
                 noise: float, seed: int, max_n: int):
        stops = v.check_increasing(sigmas, "sigmas", positive=True)
        q_stops = v.check_increasing(self.default_queries if queries is None else queries,
                                     "queries")
        kernel = get_kernel(kernel).name
        max_n = _check_data_args(n, noise, seed, max_n)
        figure = self.figure_class(make_data(n=n, noise=noise, seed=seed))
        slider = w.SelectionSlider(options=[(f"{q:g}", q) for q in q_stops],
                                   index=self.first_query(q_stops),
                                   description="query q", tooltip="position of the query q",
                                   layout=w.Layout(width="min(420px, 100%)"),
                                   style={"description_width": "initial"})
        widths = w.ToggleButtons(options=[(f"σ = {s:g}", s) for s in stops],
                                 index=min(len(stops) - 1, 1), description="σ",
                                 tooltips=[f"kernel width σ = {s:g}" for s in stops],
                                 style={"button_width": "70px", "description_width": "initial"})
        frames = [[_frame(figure, figure.draw(kernel, s, q, palette=True)) for q in q_stops]
                  for s in stops]
        live = {"kernel": _kernel_menu(kernel, BOOK_KERNELS), **_data_controls(n, noise, seed, max_n)}
        state = {"key": (n, noise, seed)}

        def render(p):
            key = (p["n"], p["noise"], p["seed"])
            if key != state["key"]:
                figure.set_data(make_data(n=p["n"], noise=p["noise"], seed=p["seed"]))
                state["key"] = key
            return figure.draw(p["kernel"], p["sigma"], p["query"], palette=False)

        self._build(figure, frames, slider, "query", live, render, selector=widths,
                    selector_name="sigma", play_interval=self.play_interval)


def query_explorer(*, sigmas: Sequence[float] = (0.1, 0.2, 0.5, 1.0),
                   queries: Sequence[float] | None = None, kernel: str = "gaussian",
                   n: int = 40, noise: float = 1.0, seed: int = 0, max_n: int = 2000) -> QueryExplorer:
    """Drag a query along the x axis and see its row of attention weights as bars under the data.

    The weights ``α_i(q) = κ(|q − k_i|/σ) / Σ_j κ(|q − k_j|/σ)`` of one query are non-negative and
    sum to 1; the estimate at ``q`` (the diamond) is their weighted mean of the values ``v_i``. On
    the website the query slider, the width buttons and the Play button switch between precomputed
    frames of the book's data with ``kernel``; in Jupyter the kernel and the data become live
    controls too.

    Parameters
    ----------
    sigmas : sequence of float, default (0.1, 0.2, 0.5, 1.0)
        The widths offered (the book's four), increasing; one set of frames each.
    queries : sequence of float, optional
        The stops of the query slider, increasing; by default 0, 0.2, …, 5.
    kernel : str, default "gaussian"
        The kernel of the precomputed frames (and the live menu's first choice).
    n, noise, seed : int, float, int
        The data (:func:`nwlib.data.make_data`); the defaults are the book's.
    max_n : int, default 2000
        The largest number of points of the live slider.

    Returns
    -------
    QueryExplorer
        Displays itself in a notebook; ``.widget`` is the ipywidgets root.

    References
    ----------
    *Dive into Deep Learning*, §11.2, eq. (11.2.2).
    """
    return QueryExplorer(sigmas=sigmas, queries=queries, kernel=kernel, n=n, noise=noise, seed=seed,
                         max_n=max_n)
