"""The chapter's main explorer: a kernel and a width σ; the estimate and the attention weights."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import _validate as v
from ..data import make_data
from ..kernels import get_kernel
from ..plot import attention_norm, cell_edges, draw_attention, empty_window_patch, plot_estimate_on
from ._frames import (
    BOOK_KERNELS,
    SIGMA_STOPS,
    Explorer,
    FrameFigure,
    _check_data_args,
    _check_kernels,
    _check_start,
    _data_controls,
    _effective_keys,
    _frame,
    _nw,
    _sigma_slider,
    _y_limits,
    styled,
)

__all__ = ["EstimateExplorer", "EstimateFigure", "explorer"]


class EstimateFigure(FrameFigure):
    """The estimate against the truth (top) and the attention heatmap (bottom), stacked so that a
    phone shows both at a readable size. The heatmap uses :func:`nwlib.plot.draw_attention` with
    the one logarithmic scale :func:`nwlib.plot.attention_norm`, fixed for every frame of a data
    set, so colours compare across widths and kernels."""

    def __init__(self, data):
        super().__init__(height=6.8)
        with styled():
            self.ax_est, self.ax_att = self.fig.subplots(2, 1, height_ratios=[1, 1.15])
            self.line, self.truth, self.points = plot_estimate_on(
                self.ax_est, data, np.zeros(len(data.x_val)))
            self.ax_est.set_ylabel("y")
            self.ax_est.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3,
                               handlelength=1.5, columnspacing=1.0)
            self.norm = attention_norm(len(data.x_train))
            self.mesh = draw_attention(self.ax_att, np.full((len(data.x_val), len(data.x_train)), 0.5),
                                       data.x_train, data.x_val, norm=self.norm)
            # the colour bar under the heatmap, so both panels keep the figure's full width
            self.colorbar = self.fig.colorbar(self.mesh, ax=self.ax_att, extend="min",
                                              location="bottom", aspect=35, pad=0.02,
                                              label="weight $\\alpha_i(q)$ (log scale)")
            self.ax_att.set_xlabel("key $k_i$")
            self.ax_att.set_ylabel("query q")
            self.ax_att.set_title("attention weights: a row per query, sums to 1")
            self.fig.legend(handles=[empty_window_patch()], loc="outside lower center", frameon=False)
            # the widest title the frames can have, so the layout leaves room for it
            self.ax_est.set_title("epanechnikov kernel, σ = 0.015, n = 2000\n"
                                  "51 of 51 queries have no key in the window")
        # drawn in this order: the points, then the true f and the estimate on top of them
        self.animate(self.points, self.truth, self.line, self.mesh, self.ax_est.title)
        self.set_data(data)
        self.freeze()

    def set_data(self, data):
        self.data = data
        x, y = data.x_train.numpy(), data.y_train.numpy()
        self.points.set_data(x, y)
        self.ax_est.set_ylim(*_y_limits(y, data.y_val.numpy()))
        xv = data.x_val.numpy()
        self.ax_est.set_xlim(xv[0], xv[-1])
        same_n = getattr(self, "norm", None) is not None and self.mesh.get_array().shape[1] == len(x)
        if not same_n:
            self.norm = attention_norm(len(x))  # the floor follows n: 0.1 / n
        self._order = np.argsort(xv, kind="stable"), np.argsort(x, kind="stable")  # as draw_attention
        # new keys: a new mesh, its columns at the new x_i (draw_attention sets both axes' span)
        self.moving.remove(self.mesh)
        self.mesh.remove()
        with styled():
            self.mesh = draw_attention(self.ax_att, np.full((len(xv), len(x)), np.nan), x, xv,
                                       norm=self.norm)
        self.animate(self.mesh)
        # A span that new data seldom moves (the queries' cells, widened to the keys if need be),
        # so the cached background stays valid and a new seed redraws fast.
        qe = cell_edges(xv)
        lo, hi = min(qe[0], float(x.min())), max(qe[-1], float(x.max()))
        self.ax_att.set_xlim(lo, hi)
        self.ax_att.set_ylim(hi, lo)
        if not same_n:  # the colour bar shows the new floor: redraw the background
            self.colorbar.update_normal(self.mesh)
            self.invalidate()

    def _set_weights(self, weights):
        rows, cols = self._order
        ordered = weights[np.ix_(rows, cols)]
        # as in draw_attention: exact zeros are below the floor (white), NaN rows grey
        self.mesh.set_array(np.where(ordered == 0, np.finfo(float).tiny, ordered))

    def draw(self, kernel: str, sigma: float, *, palette: bool) -> bytes:
        d = self.data
        y_hat, weights, empty = _nw(d.x_train, d.y_train, d.x_val, kernel, sigma)
        self.line.set_ydata(y_hat)
        self._set_weights(weights)
        n, m = d.x_train.shape[0], d.x_val.shape[0]
        name = get_kernel(kernel).name
        width = "σ plays no role" if name == "constant" else f"σ = {sigma:g}"
        gaps = f"{empty} of {m} queries have no key in the window" if empty else "every query sees a key"
        self.ax_est.set_title(f"{name} kernel, {width}, n = {n}\n{gaps}")
        eff = _effective_keys(weights)
        self.alt = (f"Nadaraya–Watson estimate with the {name} kernel, {width}, from {n} noisy "
                    f"points, drawn against the true function; below, the attention weights of "
                    f"{m} queries over the {n} keys on a log colour scale: each query spreads its "
                    f"weight over about {eff:.0f} keys" + (f"; {empty} queries have no key in "
                                                            "their window (grey rows)" if empty else "")
                    + ".")
        return self.png(palette)


class EstimateExplorer(Explorer):
    """The chapter's main explorer (made by :func:`explorer`, which
    holds the defaults)."""

    title = "Kernel and width"
    note = "choose a kernel, move σ or press Play"

    def __init__(self, *, kernels: Sequence[str], sigmas: Sequence[float],
                 sigma: float, n: int, noise: float, seed: int, max_n: int):
        kernels = _check_kernels(kernels)
        stops = v.check_increasing(sigmas, "sigmas", positive=True)
        sigma = _check_start(sigma, "sigma")
        max_n = _check_data_args(n, noise, seed, max_n)
        figure = EstimateFigure(make_data(n=n, noise=noise, seed=seed))
        slider = _sigma_slider(stops, sigma, "σ", "kernel width σ")
        import ipywidgets as w

        menu = w.Dropdown(options=list(kernels), value=kernels[0], description="kernel",
                          layout=w.Layout(width="230px"))
        frames = []
        for name in kernels:
            if get_kernel(name).name == "constant":  # σ plays no role: one frame at every stop
                one = _frame(figure, figure.draw(name, stops[0], palette=True))
                frames.append([one] * len(stops))
            else:
                frames.append([_frame(figure, figure.draw(name, s, palette=True)) for s in stops])
        state = {"key": (n, noise, seed)}

        def render(p):
            key = (p["n"], p["noise"], p["seed"])
            if key != state["key"]:
                figure.set_data(make_data(n=p["n"], noise=p["noise"], seed=p["seed"]))
                state["key"] = key
            return figure.draw(p["kernel"], p["sigma"], palette=False)

        self._build(figure, frames, slider, "sigma", _data_controls(n, noise, seed, max_n), render,
                    selector=menu, selector_name="kernel")


def explorer(*, kernels: Sequence[str] = BOOK_KERNELS, sigmas: Sequence[float] = SIGMA_STOPS,
             sigma: float = 0.5, n: int = 40, noise: float = 1.0, seed: int = 0,
             max_n: int = 2000) -> EstimateExplorer:
    """The chapter's main explorer: pick a kernel and a width σ, see the estimate and the weights.

    Top, the Nadaraya–Watson estimate

    .. math::

        \\hat f(q) = \\sum_i \\frac{\\kappa(|q - k_i| / \\sigma)}
                                {\\sum_j \\kappa(|q - k_j|/\\sigma)}\\, v_i

    against the true ``f(x) = 2 sin x + x`` and the training points ``(k_i, v_i)``; below, the
    attention weights ``α_i(q)`` (queries down, keys across, each at its x) on one logarithmic
    colour scale (:func:`nwlib.plot.attention_norm`). On the website the kernel menu, the σ slider
    and the Play button switch between precomputed frames of the book's data; in Jupyter the
    number of points, the noise and the seed become live controls too.

    Parameters
    ----------
    kernels : sequence of str, default every kernel of :data:`nwlib.KERNELS`
        The kernel menu (names of :func:`nwlib.kernel_names`).
    sigmas : sequence of float, default :data:`SIGMA_STOPS` (0.01 to 5, log-spaced)
        The stops of the σ slider, increasing; one precomputed frame per kernel and stop.
    sigma : float, default 0.5
        The starting width (the nearest stop is selected).
    n, noise, seed : int, float, int
        The data (:func:`nwlib.data.make_data`); the defaults are the book's: 40 points, noise 1.
    max_n : int, default 2000
        The largest number of points of the live slider.

    Returns
    -------
    EstimateExplorer
        Displays itself in a notebook; ``.widget`` is the ipywidgets root, ``.figure`` what draws
        the frames.

    References
    ----------
    *Dive into Deep Learning*, §11.2, figures of the estimates and attention weights.

    Examples
    --------
    >>> ex = explorer(kernels=("gaussian",), sigmas=(0.2, 1.0))
    >>> ex.default_png()[:4]
    b'\\x89PNG'
    """
    return EstimateExplorer(kernels=kernels, sigmas=sigmas, sigma=sigma, n=n, noise=noise,
                            seed=seed, max_n=max_n)
