"""At the edge of the data: Nadaraya–Watson's and local-linear's estimates and weight rows."""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import torch

from .._engine import single_threaded
from ..data import true_function
from ..kernels import get_kernel
from ..local import local_linear
from ..plot import COLOURS, plot_estimate_on
from ._frames import (
    FrameFigure,
    _nw,
    _y_limits,
    styled,
)
from .query import QueryExplorer

__all__ = ["BoundaryExplorer", "BoundaryFigure", "boundary_explorer"]

# The weight axis: sign(w)·√|w| from −2 to 3.5 in every frame (negative weights visible; near the
# edge, with a narrow window, local-linear's weights reach about −1.8 and 3.3 on the book's data).
WEIGHT_LIMITS = (-2.0, 3.5)
NW_COLOUR, LL_COLOUR, QUERY_COLOUR = COLOURS[0], COLOURS[3], COLOURS[2]


def _signed_sqrt(w):
    return np.sign(w) * np.sqrt(np.abs(w))


def _signed_square(s):
    return np.sign(s) * s * s


def _both(x, y, q, kernel, sigma):
    """NW and local-linear estimates and weights (numpy); windows too small to fit a line are NaN.

    NW's empty windows come from `_nw` (no warning to catch). Local-linear's "too few points"
    warning is recorded, not ignored: the figure says so in its title and alt text instead."""
    nw, alpha, _ = _nw(x, y, q, kernel, sigma)

    def run():
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always", RuntimeWarning)
            return local_linear(x, y, q, kernel, sigma, device="cpu")

    ll, wts = single_threaded(run)  # many small calls: torch's own threads cost more than they save
    return nw, alpha, ll.numpy(), wts.numpy()


def _segments(x: np.ndarray, heights: np.ndarray, offset: float) -> np.ndarray:
    segs = np.zeros((x.shape[0], 2, 2))
    segs[:, :, 0] = (x + offset)[:, None]
    segs[:, 1, 1] = _signed_sqrt(np.nan_to_num(heights)).clip(*_signed_sqrt(np.array(WEIGHT_LIMITS)))
    return segs


class BoundaryFigure(FrameFigure):
    """Data with both estimates and the query (top); the query's two weight rows (bottom).

    The weight axis is fixed, ``sign(w)·√|w|`` from −0.5 to 1, so negative weights show below the
    zero line in every frame."""

    def __init__(self, data):
        super().__init__(height=5.4)
        with styled():
            self.ax_top, self.ax_bar = self.fig.subplots(2, 1, sharex=True, height_ratios=[1.3, 1])
            self.nw_curve, _, self.points = plot_estimate_on(
                self.ax_top, data, np.zeros(len(data.x_val)), truth=True)
            self.nw_curve.set_label("Nadaraya–Watson")
            self.ll_curve, = self.ax_top.plot([], [], color=LL_COLOUR, lw=2, ls="--",
                                              label="local-linear")
            self.ax_top.set_xlabel("")
            self.ax_top.set_ylabel("y")
            self.qline = self.ax_top.axvline(0, color=QUERY_COLOUR, lw=1.2, ls=":")
            self.nw_mark, = self.ax_top.plot([], [], "o", color=NW_COLOUR, ms=7, mec="black", mew=0.6)
            self.ll_mark, = self.ax_top.plot([], [], "s", color=LL_COLOUR, ms=7, mec="black", mew=0.6)
            self.ax_bar.axhline(0, color="black", lw=0.8)
            self.nw_bars = self.ax_bar.vlines([], [], [], color=NW_COLOUR, lw=2.2)
            self.ll_bars = self.ax_bar.vlines([], [], [], color=LL_COLOUR, lw=2.2)
            self.bar_qline = self.ax_bar.axvline(0, color=QUERY_COLOUR, lw=1.2, ls=":")
            self.ax_bar.set_ylim(*_signed_sqrt(np.array(WEIGHT_LIMITS)))
            ticks = np.array([-2, -0.5, -0.1, 0, 0.1, 0.5, 1, 3])
            self.ax_bar.set_yticks(_signed_sqrt(ticks), [f"{t:g}".replace("-", "−") for t in ticks])
            self.ax_bar.set_xlabel("key $k_i$")
            self.ax_bar.set_ylabel("weight of key $i$\n(signed √ scale)")
            handles, _ = self.ax_top.get_legend_handles_labels()
            self.fig.legend(handles=handles, loc="outside lower center", ncol=2, handlelength=1.8,
                            columnspacing=1.0)
            self.ax_top.set_title("epanechnikov, σ = 0.5, q = 0.00, f(q) = 10.00:\n"
                                  "NW 10.00, local-linear 10.00")
            self.ax_bar.set_title("weights at q: local-linear's from −0.00 to 0.00")
        self.animate(self.points, self.nw_curve, self.ll_curve, self.qline, self.nw_mark,
                     self.ll_mark, self.nw_bars, self.ll_bars, self.bar_qline, self.ax_top.title,
                     self.ax_bar.title)
        self.set_data(data)
        self.freeze()

    def set_data(self, data):
        self.data = data
        x, y = data.x_train.numpy(), data.y_train.numpy()
        self.points.set_data(x, y)
        self.ax_top.set_ylim(*_y_limits(y, data.y_val.numpy()))
        xv = data.x_val.numpy()
        self.ax_top.set_xlim(min(x.min(), xv[0]) - 0.1, max(x.max(), xv[-1]) + 0.1)
        self.gap = 0.15 * (xv[-1] - xv[0]) / max(len(x), 1)  # the two bars of a key side by side
        self.invalidate()

    def draw(self, kernel: str, sigma: float, query: float, *, palette: bool) -> bytes:
        d = self.data
        queries = torch.cat([d.x_val, torch.tensor([query], dtype=d.x_val.dtype)])
        nw, alpha, ll, wts = _both(d.x_train, d.y_train, queries, kernel, sigma)
        x = d.x_train.numpy()
        self.nw_curve.set_data(d.x_val.numpy(), nw[:-1])
        self.ll_curve.set_data(d.x_val.numpy(), ll[:-1])
        for line in (self.qline, self.bar_qline):
            line.set_xdata([query, query])
        self.nw_mark.set_data([query], [nw[-1]])
        self.ll_mark.set_data([query], [ll[-1]])
        self.nw_bars.set_segments(_segments(x, alpha[-1], -self.gap))
        self.ll_bars.set_segments(_segments(x, wts[-1], self.gap))
        truth = float(true_function(torch.tensor([query], dtype=torch.float64))[0])
        name = get_kernel(kernel).name

        def text(value):
            return f"{value:.2f}" if np.isfinite(value) else "undefined"

        finite = np.isfinite(wts[-1]).all()
        low, high = (float(np.min(wts[-1])), float(np.max(wts[-1]))) if finite else (0.0, 0.0)
        negatives = int(np.sum(wts[-1] < 0))
        def signed(value):
            return f"{value:.2f}".replace("-", "−")

        span = (f"local-linear's from {signed(low)} to {signed(high)}" if finite
                else "no line fits local-linear's window")
        self.ax_top.set_title(f"{name}, σ = {sigma:g}, q = {query:.2f}, f(q) = {truth:.2f}:\n"
                              f"NW {text(nw[-1])}, local-linear {text(ll[-1])}")
        self.ax_bar.set_title(f"weights at q: {span}")
        self.alt = (f"The {len(x)} training points, the true f, and the Nadaraya–Watson and "
                    f"local-linear estimates with the {name} kernel at σ = {sigma:g}; at the query "
                    f"q = {query:.2f} (true value {truth:.2f}) Nadaraya–Watson gives {text(nw[-1])} "
                    f"and local-linear {text(ll[-1])}. Below, the two rows of weights at q: "
                    f"Nadaraya–Watson's are all non-negative; {negatives} of local-linear's are "
                    "negative" + (f", the most negative {low:.2f}." if negatives else ".")
                    + ("" if finite else " Local-linear's window holds too few points to fit a "
                       "line there, so it has no estimate."))
        return self.png(palette)


class BoundaryExplorer(QueryExplorer):
    """Both estimates and both weight rows near the edge (made by :func:`boundary_explorer`,
    which holds the defaults). The query explorer's controls and frames, with this figure."""

    title = "At the edge: a constant or a line"
    figure_class = BoundaryFigure
    # near the left edge in steps of 0.1, then a few interior queries
    default_queries = tuple(np.round(np.arange(0, 16) * 0.1, 10)) + (2.5, 4.0, 4.5, 5.0)
    play_interval = 400

    def first_query(self, stops) -> int:
        return 0


def boundary_explorer(*, sigmas: Sequence[float] = (0.2, 0.5, 1.0),
                      queries: Sequence[float] | None = None, kernel: str = "gaussian",
                      n: int = 40, noise: float = 1.0, seed: int = 0,
                      max_n: int = 2000) -> BoundaryExplorer:
    """Slide a query towards the edge and compare Nadaraya–Watson with local-linear regression.

    The top panel shows the data, the true f and both estimates, with their values at the query;
    the bottom panel shows that query's two rows of weights as bars at the keys (Nadaraya–Watson's
    left of each key, local-linear's right), on a signed square-root axis on which local-linear's
    negative weights show below the zero line. On the website the query slider and the width
    buttons switch between precomputed frames of the book's data; in Jupyter the kernel and the
    data become live controls too.

    Parameters
    ----------
    sigmas : sequence of float, default (0.2, 0.5, 1.0)
        The widths offered, increasing; one set of frames each.
    queries : sequence of float, optional
        The stops of the query slider, increasing; by default 0, 0.1, …, 1.5 near the left edge,
        then 2.5, 4, 4.5 and 5.
    kernel : str, default "gaussian"
        The kernel of the precomputed frames (and the live menu's first choice).
    n, noise, seed : int, float, int
        The data (:func:`nwlib.data.make_data`); the defaults are the book's.
    max_n : int, default 2000
        The largest number of points of the live slider.

    Returns
    -------
    BoundaryExplorer
        Displays itself in a notebook; ``.widget`` is the ipywidgets root.

    References
    ----------
    Fan, J. (1992). Design-adaptive nonparametric regression. *JASA* 87(420), 998–1004.
    """
    return BoundaryExplorer(sigmas=sigmas, queries=queries, kernel=kernel, n=n, noise=noise,
                            seed=seed, max_n=max_n)
