"""Interactive explorers of the chapter: sliders that work in Jupyter and on the static website.

Four explorers, one call each in a notebook cell:

* :func:`explorer` — kernel and width σ: the estimate against the truth and the attention heatmap;
* :func:`query_explorer` — one query's row of attention weights, as bars under the data;
* :func:`loo_explorer` — the leave-one-out score against σ, the current σ marked (exercise 2);
* :func:`temperature_explorer` — dot-product attention on the circle and its temperature (exercise 3).

Design: one widget, two layers
------------------------------
Each explorer returns one :class:`ipywidgets.VBox` with two layers.

1. **Precomputed layer** (works everywhere). For the default data, every frame is rendered to a PNG
   when the explorer is created and held by an :class:`~ipywidgets.Image` inside a
   :class:`~ipywidgets.Stack`. The σ slider (a log-spaced :class:`~ipywidgets.SelectionSlider`),
   the :class:`~ipywidgets.Play` button and the kernel (or width) selector are bound to the stacks'
   ``selected_index`` with :func:`ipywidgets.jslink`, a link that runs in the browser. When the book
   is built, the notebook is executed and the widget state (frames included) is embedded in the
   page, so on the website these controls work with no Python at all.
2. **Live layer** (needs a Python kernel). Further controls (number of points, noise, seed, …) and
   an image re-rendered by ``observe`` callbacks. These controls are created hidden. The root widget
   counts its views (``_view_count``): when a live front end (JupyterLab, Notebook, VS Code) displays
   the explorer, the count becomes positive, Python is told, and it reveals the live controls. The
   book build executes notebooks without displaying anything, so the website embeds them hidden, and
   a reader of the static page never sees a control that would need Python.

While the live controls are at their defaults the explorer shows the precomputed frames (instant);
once one is changed it shows the live image, re-rendered on every change of any control (σ and the
kernel included), and back at the defaults it returns to the frames. The live status line says how
long the last update took. Measured for :func:`explorer` at n = 1000 on a shared 2-core CPU
(medians of two runs at load 4–5): 16–27 ms for a new σ, 16–37 ms for a new kernel, 18–61 ms for
new data. An update is one Nadaraya–Watson pass (on one torch thread), a redraw of only the
artists that move over a cached background (blitting; a full draw, 90–230 ms, only when the axis
limits change) and a fast PNG encode.

Static frames are paletted PNGs (at most 128 colours), which keeps one explorer's frames well under
3 MB of page weight (:func:`page_weight` measures it as the page embeds it, base64 included).
"""
from __future__ import annotations

import base64
import io
import math
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import ipywidgets as w
import matplotlib
import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.image import NonUniformImage
from PIL import Image as PILImage

from . import _validate as v
from .bandwidth import loo_cv
from .data import make_data
from .device import one_cpu_thread
from .kernels import get_kernel
from .regression import nadaraya_watson

__all__ = ["explorer", "query_explorer", "loo_explorer", "temperature_explorer", "page_weight",
           "SIGMA_STOPS"]

# Roughly log-spaced "nice" widths from 0.01 to 5 (a 1–1.5–2–3–5–7 series): it contains the book's
# widths 0.1, 0.2, 0.5, 1 and the leave-one-out optimum region around 0.3.
SIGMA_STOPS = (0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0,
               3.0, 5.0)
BOOK_KERNELS = ("gaussian", "boxcar", "constant", "triangular", "epanechnikov")
_PALETTE_COLOURS = 128
_DPI = 80


# --------------------------------------------------------------------------------------------
# Rendering: figures without pyplot (no global state, nothing shown by accident), PNG bytes out
# --------------------------------------------------------------------------------------------

def _encode(rgba: np.ndarray, palette: bool) -> bytes:
    img = PILImage.fromarray(rgba[..., :3])
    buf = io.BytesIO()
    if palette:
        img.quantize(colors=_PALETTE_COLOURS, method=PILImage.Quantize.MEDIANCUT,
                     dither=PILImage.Dither.NONE).save(buf, format="png", optimize=True)
    else:
        img.save(buf, format="png", compress_level=1)
    return buf.getvalue()


class _Canvas:
    """A figure drawn in full once, then updated by redrawing only its moving artists (blitting).

    A full matplotlib draw (ticks, labels, layout) costs far more than the few artists that change
    from frame to frame. The background (everything but the moving artists) is cached per set of
    axis limits, so returning to earlier limits is fast too; :meth:`invalidate` drops the cache
    when a static artist changes.
    """

    CACHED_BACKGROUNDS = 8

    def __init__(self, width: float, height: float):
        self.fig = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.moving: list = []
        self._backgrounds: dict = {}

    def animate(self, *artists) -> None:
        for a in artists:
            a.set_animated(True)
            self.moving.append(a)

    def freeze(self) -> None:
        # Constrained layout runs once; then the axes stay where it put them.
        self.fig.canvas.draw()
        self.fig.set_layout_engine("none")
        self.invalidate()

    def invalidate(self) -> None:
        self._backgrounds.clear()

    def png(self, palette: bool) -> bytes:
        """Encode the current state: paletted and optimised (small) or plain and fast (live)."""
        canvas = self.fig.canvas
        key = tuple((ax.get_xlim(), ax.get_ylim()) for ax in self.fig.axes)
        background = self._backgrounds.get(key)
        if background is None:
            canvas.draw()  # animated artists are left out of a full draw
            if len(self._backgrounds) >= self.CACHED_BACKGROUNDS:
                self._backgrounds.pop(next(iter(self._backgrounds)))
            background = self._backgrounds[key] = canvas.copy_from_bbox(self.fig.bbox)
        else:
            canvas.restore_region(background)
        for a in self.moving:
            self.fig.draw_artist(a)
        return _encode(np.asarray(canvas.buffer_rgba()), palette)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (the IHDR chunk)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _image(value: bytes = b"") -> w.Image:
    # The width and height attributes let the browser reserve the image's box before it decodes
    # it, so switching frames never collapses the display (no jump of the page under the mouse).
    size = {"width": str(_png_size(value)[0]), "height": str(_png_size(value)[1])} if value else {}
    return w.Image(value=value, format="png", **size,
                   layout=w.Layout(max_width="100%", height="auto"))


def page_weight(widget) -> int:
    """Bytes of precomputed frames that a page embeds for ``widget``: the base64 text of every
    distinct :class:`~ipywidgets.Image` reachable from it (each model is stored once).

    Parameters
    ----------
    widget : ipywidgets.Widget
        An explorer returned by this module.

    Returns
    -------
    int
    """
    seen: dict[str, int] = {}

    def walk(obj):
        if isinstance(obj, w.Widget):
            if obj.model_id in seen:
                return
            seen[obj.model_id] = (len(base64.b64encode(obj.value)) if isinstance(obj, w.Image)
                                  else 0)
            for name in obj.keys:
                walk(getattr(obj, name))
        elif isinstance(obj, (list, tuple)):
            for item in obj:
                walk(item)

    walk(widget)
    return sum(seen.values())


# --------------------------------------------------------------------------------------------
# The two layers, shared by every explorer
# --------------------------------------------------------------------------------------------

def _sigma_slider(stops: Sequence[float], value: float, description: str) -> w.SelectionSlider:
    options = [(f"{s:g}", float(s)) for s in stops]
    index = int(np.argmin([abs(math.log(s / value)) for s in stops]))
    return w.SelectionSlider(options=options, index=index, description=description,
                             continuous_update=True, layout=w.Layout(width="420px"),
                             style={"description_width": "initial"})


def _play_for(slider: w.SelectionSlider, interval: int = 400) -> w.Play:
    play = w.Play(value=slider.index, min=0, max=len(slider.options) - 1, step=1, interval=interval,
                  description="Play", layout=w.Layout(width="auto"))
    w.jslink((play, "value"), (slider, "index"))
    return play


def _frame_stacks(frames: list[list[w.Image]], slider, selector=None) -> w.Stack:
    """Nested stacks: one inner stack per selector option, each indexed by the slider (jslinks)."""
    inner = []
    for row in frames:
        stack = w.Stack(children=row, selected_index=slider.index)
        w.jslink((slider, "index"), (stack, "selected_index"))
        inner.append(stack)
    outer = w.Stack(children=inner, selected_index=selector.index if selector is not None else 0)
    if selector is not None:
        w.jslink((selector, "index"), (outer, "selected_index"))
    return outer


class _Explorer:
    """Wire the precomputed frames and the live layer into one root widget.

    ``render(params) -> bytes`` draws the live figure for a dict of the current control values.
    ``live_controls`` maps parameter names to widgets hidden until a live view appears;
    ``static_controls`` maps names to the jslinked controls (their ``value`` is read live too).
    """

    def __init__(self, title: str, frames: w.Stack, static_row: list, static_controls: dict,
                 live_controls: dict, render: Callable[[dict], bytes], note: str = ""):
        self.render = render
        self.static_controls = static_controls
        self.live_controls = live_controls
        self.defaults = {k: c.value for k, c in live_controls.items()}
        self.live_image = _image()
        self.display = w.Stack(children=[frames, self.live_image], selected_index=0)
        self.status = w.HTML("")
        reset = w.Button(description="book's data", tooltip="back to the default data and the "
                         "precomputed frames", layout=w.Layout(width="auto"))
        reset.on_click(lambda _: self.reset())
        self.live_box = w.VBox([w.HBox(list(live_controls.values()) + [reset],
                                       layout=w.Layout(flex_flow="row wrap")), self.status],
                               layout=w.Layout(display="none"))
        header = w.HTML(f"<b>{title}</b>" + (f" <small>{note}</small>" if note else ""))
        static_box = w.HBox(static_row, layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.root = w.VBox([header, static_box, self.live_box, self.display])
        # CSS classes name the parts for the browser test (and for any styling)
        self.root.add_class("nwlib-explorer")
        static_box.add_class("nwlib-static")
        self.live_box.add_class("nwlib-live")
        self.display.add_class("nwlib-display")
        self.last_update_ms: float | None = None
        for control in list(static_controls.values()) + list(live_controls.values()):
            control.observe(self._changed, names="value")
        # Count views: a positive count means a live front end is showing the explorer.
        self.root._view_count = 0
        self.root.observe(self._shown, names="_view_count")

    def _shown(self, change) -> None:
        if change["new"]:
            self.live_box.layout.display = None

    def params(self) -> dict:
        values = {k: c.value for k, c in self.static_controls.items()}
        values.update({k: c.value for k, c in self.live_controls.items()})
        return values

    def is_default(self) -> bool:
        return all(c.value == self.defaults[k] for k, c in self.live_controls.items())

    def _changed(self, _change=None) -> None:
        if self.is_default():
            self.display.selected_index = 0
            self.status.value = "<small>precomputed frames of the book's data</small>"
            return
        self.update()

    def update(self) -> float:
        """Re-render the live image for the current controls; return the time it took in ms."""
        start = time.perf_counter()
        png = self.render(self.params())
        width, height = _png_size(png)
        self.live_image.value, self.live_image.width, self.live_image.height = png, str(width), str(height)
        self.display.selected_index = 1
        self.last_update_ms = (time.perf_counter() - start) * 1e3
        self.status.value = f"<small>live: updated in {self.last_update_ms:.0f} ms</small>"
        return self.last_update_ms

    def reset(self) -> None:
        for k, c in self.live_controls.items():
            c.value = self.defaults[k]
        self._changed()


def _data_controls(n: int, noise: float, seed: int, max_n: int) -> dict:
    style = {"description_width": "initial"}
    return {
        "n": w.IntSlider(value=n, min=2, max=max(max_n, n), step=1, description="points n",
                         continuous_update=False, style=style),
        "noise": w.FloatSlider(value=noise, min=0.0, max=max(3.0, noise), step=0.1,
                               description="noise", continuous_update=False, style=style),
        "seed": w.BoundedIntText(value=seed, min=0, max=2 ** 31 - 1, description="seed",
                                 layout=w.Layout(width="150px"), style=style),
    }


def _check_stops(values, name: str) -> tuple[float, ...]:
    t = v.raw_tensor(values, name).to(torch.float64).reshape(-1)
    if t.numel() < 2:
        raise ValueError(f"{name} needs at least 2 values for a slider, got {t.numel()}")
    if not bool(torch.isfinite(t).all()) or not bool((t > 0).all()):
        raise ValueError(f"{name} must be positive and finite, got {t.tolist()}")
    if not bool((t[1:] > t[:-1]).all()):
        raise ValueError(f"{name} must be strictly increasing, got {t.tolist()}")
    return tuple(float(s) for s in t)


def _check_start(value, name: str) -> float:
    v.check_sigma(value, 1, device="cpu", dtype=torch.float64, name=name)
    return float(value)


def _check_data_args(n, noise, seed, max_n):
    make_data(n=n, noise=noise, seed=seed)  # validates n, noise, seed with clear messages
    return v.check_positive_int(max_n, "max_n", minimum=2)


def _check_kernels(kernels) -> tuple[str, ...]:
    if isinstance(kernels, str) or not isinstance(kernels, Sequence) or not kernels:
        raise TypeError(f"kernels must be a non-empty sequence of kernel names, got {kernels!r}")
    names = []
    for k in kernels:
        if not isinstance(k, str):
            raise TypeError(f"kernels must hold kernel names (strings), got {type(k).__name__}")
        names.append(get_kernel(k).name)  # ValueError lists the valid names
    return tuple(dict.fromkeys(names))


def _nw(x, y, q, kernel, sigma):
    """Estimates and weights; empty windows of compact kernels stay NaN (drawn as gaps)."""
    with one_cpu_thread(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y_hat, weights = nadaraya_watson(x, y, q, kernel, sigma, device="cpu")
    empty = int((~torch.isfinite(y_hat)).sum())
    return y_hat.numpy(), weights.numpy(), empty


# --------------------------------------------------------------------------------------------
# The main explorer
# --------------------------------------------------------------------------------------------

class _EstimateFigure(_Canvas):
    """Estimate against the truth (left) and the attention heatmap on a fixed log scale (right)."""

    def __init__(self, data):
        super().__init__(9.0, 3.3)
        fig = self.fig
        self.ax_est, self.ax_att = fig.subplots(1, 2, width_ratios=[1, 1.15])
        xv = data.x_val.numpy()
        self.line, = self.ax_est.plot(xv, np.zeros_like(xv), lw=2, label="estimate")
        self.truth, = self.ax_est.plot(xv, data.y_val.numpy(), "--", color="gray", label="true f")
        self.points, = self.ax_est.plot([], [], "o", ms=3, alpha=0.5, color="C1",
                                        label="training data")
        self.ax_est.set_xlabel("x")
        self.ax_est.set_ylabel("y")
        self.ax_est.grid(alpha=0.3)
        self.ax_est.legend(fontsize=8, loc="upper left")
        # grey: empty windows of compact kernels (NaN rows); white: weights below the scale
        cmap = matplotlib.colormaps["Reds"].with_extremes(bad="lightgray", under="white")
        # One fixed log scale for every frame, so colours compare across widths and kernels.
        self.heat = NonUniformImage(self.ax_att, cmap=cmap, norm=LogNorm(1e-3, 1.0),
                                    interpolation="nearest")
        self.heat.set_in_layout(False)  # it has no extent of its own; the axes limits place it
        self.ax_att.add_image(self.heat)
        fig.colorbar(self.heat, ax=self.ax_att, label="attention weight", extend="min")
        self.ax_att.set_xlabel("training input $x_i$ (key)")
        self.ax_att.set_ylabel("query $x$")
        self.ax_att.set_title("attention weights (one row per query, sums to 1)", fontsize=10)
        self.ax_est.set_title("estimate", fontsize=10)
        self.animate(self.points, self.line, self.heat, self.ax_est.title)
        self.set_data(data)
        self.freeze()

    def set_data(self, data):
        self.data = data
        x, y = data.x_train.numpy(), data.y_train.numpy()
        self.points.set_data(x, y)
        self.ax_est.set_ylim(*_y_limits(y, data.y_val.numpy()))
        xv = data.x_val.numpy()
        self.ax_est.set_xlim(xv[0], xv[-1])
        self.ax_att.set_xlim(min(x.min(), xv[0]), max(x.max(), xv[-1]))
        self.ax_att.set_ylim(xv[-1], xv[0])
        self.heat.set_data(x, xv, np.full((xv.shape[0], x.shape[0]), np.nan))

    def draw(self, kernel: str, sigma: float, *, palette: bool) -> bytes:
        d = self.data
        y_hat, weights, empty = _nw(d.x_train, d.y_train, d.x_val, kernel, sigma)
        self.line.set_ydata(y_hat)
        self.heat.set_data(d.x_train.numpy(), d.x_val.numpy(), weights)
        note = f"; {empty} queries see no point (gaps)" if empty else ""
        width = "σ plays no role" if get_kernel(kernel).name == "constant" else f"σ = {sigma:g}"
        self.ax_est.set_title(f"{kernel}, {width}, n = {d.x_train.shape[0]}{note}", fontsize=10)
        return self.png(palette)


def explorer(*, kernels: Sequence[str] = BOOK_KERNELS, sigmas: Sequence[float] = SIGMA_STOPS,
             sigma: float = 0.5, n: int = 40, noise: float = 1.0, seed: int = 0,
             max_n: int = 2000) -> w.VBox:
    """The chapter's main explorer: pick a kernel and a width σ, see the estimate and the weights.

    Left, the Nadaraya–Watson estimate

    .. math::  \\hat f(q) = \\sum_i \\frac{k(|q - x_i| / \\sigma)}{\\sum_j k(|q - x_j|/\\sigma)}\\, y_i

    against the true ``f(x) = 2 sin x + x`` and the training points; right, the attention weights
    (queries down, keys across) on one logarithmic colour scale for every frame. On the website the
    kernel menu, the σ slider and the Play button switch between precomputed frames of the book's
    data; in Jupyter the number of points, the noise and the seed become live controls too (see the
    module docstring for how the two layers work).

    Parameters
    ----------
    kernels : sequence of str, default all five kernels of :mod:`nwlib.kernels`
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
    ipywidgets.VBox

    References
    ----------
    *Dive into Deep Learning*, §11.2, figures of the estimates and attention weights.
    """
    kernels = _check_kernels(kernels)
    stops = _check_stops(sigmas, "sigmas")
    sigma = _check_start(sigma, "sigma")
    max_n = _check_data_args(n, noise, seed, max_n)
    data = make_data(n=n, noise=noise, seed=seed)
    fig = _EstimateFigure(data)

    slider = _sigma_slider(stops, sigma, "width σ")
    menu = w.Dropdown(options=list(kernels), value=kernels[0], description="kernel",
                      layout=w.Layout(width="230px"))
    frames = []
    for name in kernels:
        if get_kernel(name).name == "constant":  # σ plays no role: one frame, shown at every stop
            one = _image(fig.draw(name, stops[0], palette=True))
            frames.append([one] * len(stops))
        else:
            frames.append([_image(fig.draw(name, s, palette=True)) for s in stops])
    stack = _frame_stacks(frames, slider, menu)
    play = _play_for(slider)

    state = {"key": (n, noise, seed)}

    def render(p):
        key = (p["n"], p["noise"], p["seed"])
        if key != state["key"]:
            fig.set_data(make_data(n=p["n"], noise=p["noise"], seed=p["seed"]))
            state["key"] = key
        return fig.draw(p["kernel"], p["sigma"], palette=False)

    ex = _Explorer("Kernel and width", stack, [menu, slider, play],
                   {"kernel": menu, "sigma": slider}, _data_controls(n, noise, seed, max_n), render,
                   note="choose a kernel, move σ or press Play")
    ex.root._nwlib = ex  # for tests and for measuring the live update
    return ex.root


# --------------------------------------------------------------------------------------------
# One query's weights
# --------------------------------------------------------------------------------------------

def _bar_segments(x: np.ndarray, heights: np.ndarray) -> np.ndarray:
    segs = np.zeros((x.shape[0], 2, 2))
    segs[:, :, 0] = x[:, None]
    segs[:, 1, 1] = np.nan_to_num(heights)
    return segs


def _y_limits(*values: np.ndarray) -> tuple[float, float]:
    """Whole-number limits around the values with a margin: new data seldom moves them, so the
    cached background of the figure stays valid (a fast redraw)."""
    lo = min(float(np.nanmin(v)) for v in values)
    hi = max(float(np.nanmax(v)) for v in values)
    return float(math.floor(lo - 0.3)), float(math.ceil(hi + 0.3))


def _nice_top(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k above ``value`` (few distinct limits: few full redraws)."""
    for top in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0):
        if value <= 0.95 * top:
            return top
    return 1.05


def _set_top(ax, top: float) -> None:
    if ax.get_ylim() != (0.0, top):
        ax.set_ylim(0.0, top)


class _QueryFigure(_Canvas):
    """Data, estimate and the query (top); that query's attention weights as bars (bottom)."""

    def __init__(self, data):
        super().__init__(7.0, 4.2)
        fig = self.fig
        self.ax_top, self.ax_bar = fig.subplots(2, 1, sharex=True, height_ratios=[1.4, 1])
        self.points, = self.ax_top.plot([], [], "o", ms=3, alpha=0.6, color="C1",
                                        label="training data")
        self.curve, = self.ax_top.plot([], [], lw=1.5, alpha=0.6, label="estimate")
        self.qline = self.ax_top.axvline(0, color="C3", lw=1)
        self.qmark, = self.ax_top.plot([], [], "D", color="C3", ms=7, label="estimate at q")
        self.ax_top.legend(fontsize=8, loc="upper left")
        self.ax_top.set_ylabel("y")
        self.ax_top.grid(alpha=0.3)
        self.bars = self.ax_bar.vlines([], [], [], color="C3", lw=2)
        self.ax_bar.set_xlabel("training input $x_i$")
        self.ax_bar.set_ylabel("weight $α_i(q)$")
        self.ax_bar.grid(alpha=0.3)
        self.ax_top.set_title("query", fontsize=10)
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
        # A 1-2-5 upper limit: few distinct limits as the query moves, so most frames are fast.
        top = float(np.nanmax(row)) if np.isfinite(row).any() else 1.0
        _set_top(self.ax_bar, _nice_top(top))
        value = "no training point in the window" if not np.isfinite(y_hat[-1]) else \
            f"f̂(q) = Σ α_i y_i = {y_hat[-1]:.2f}"
        self.ax_top.set_title(f"{kernel}, σ = {sigma:g}, query q = {query:.2f}: {value}", fontsize=10)
        return self.png(palette)


def query_explorer(*, sigmas: Sequence[float] = (0.1, 0.2, 0.5, 1.0),
                   queries: Sequence[float] | None = None, kernel: str = "gaussian",
                   n: int = 40, noise: float = 1.0, seed: int = 0, max_n: int = 2000) -> w.VBox:
    """Drag a query along the x axis and see its row of attention weights as bars under the data.

    The weights ``α_i(q) = k(|q − x_i|/σ) / Σ_j k(|q − x_j|/σ)`` of one query are non-negative and
    sum to 1; the estimate at ``q`` (the diamond) is their average of the ``y_i``. On the website the
    query slider, the width buttons and the Play button switch between precomputed frames of the
    book's data with ``kernel``; in Jupyter the kernel and the data become live controls too.

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
    ipywidgets.VBox

    References
    ----------
    *Dive into Deep Learning*, §11.2, eq. (11.2.2).
    """
    stops = _check_stops(sigmas, "sigmas")
    if queries is None:
        queries = tuple(np.round(np.arange(0, 26) * 0.2, 10))
    q_raw = v.raw_tensor(queries, "queries").to(torch.float64).reshape(-1)
    v.check_finite(q_raw, "queries")
    if q_raw.numel() < 2 or not bool((q_raw[1:] > q_raw[:-1]).all()):
        raise ValueError(f"queries must hold at least 2 strictly increasing positions, got {q_raw.tolist()}")
    q_stops = tuple(float(q) for q in q_raw)
    kernel = get_kernel(kernel).name
    max_n = _check_data_args(n, noise, seed, max_n)
    data = make_data(n=n, noise=noise, seed=seed)
    fig = _QueryFigure(data)

    slider = w.SelectionSlider(options=[(f"{q:g}", q) for q in q_stops],
                               index=len(q_stops) // 2, description="query q",
                               layout=w.Layout(width="420px"))
    widths = w.ToggleButtons(options=[(f"σ = {s:g}", s) for s in stops],
                             index=min(len(stops) - 1, 1), style={"button_width": "70px"})
    frames = [[_image(fig.draw(kernel, s, q, palette=True)) for q in q_stops] for s in stops]
    stack = _frame_stacks(frames, slider, widths)
    play = _play_for(slider, interval=300)
    menu = w.Dropdown(options=list(dict.fromkeys([kernel, *BOOK_KERNELS])), value=kernel,
                      description="kernel", layout=w.Layout(width="230px"))
    live = {"kernel": menu, **_data_controls(n, noise, seed, max_n)}
    state = {"key": (n, noise, seed)}

    def render(p):
        key = (p["n"], p["noise"], p["seed"])
        if key != state["key"]:
            fig.set_data(make_data(n=p["n"], noise=p["noise"], seed=p["seed"]))
            state["key"] = key
        return fig.draw(p["kernel"], p["sigma"], p["query"], palette=False)

    ex = _Explorer("One query's attention weights", stack, [slider, play, widths],
                   {"query": slider, "sigma": widths}, live, render,
                   note="drag the query or press Play")
    ex.root._nwlib = ex
    return ex.root


# --------------------------------------------------------------------------------------------
# Exercise 2: the leave-one-out score against σ
# --------------------------------------------------------------------------------------------

def _training_mse(data, kernel, grid):
    """In-sample error with the point itself kept: it goes to 0 as σ → 0 (exercise 2.1)."""
    out = []
    for s in grid:
        y_hat, _, _ = _nw(data.x_train, data.y_train, data.x_train, kernel, float(s))
        out.append(float(np.mean((y_hat - data.y_train.numpy()) ** 2)))
    return np.array(out)


class _LOOFigure(_Canvas):
    """The leave-one-out score and the training error against σ (left); the estimate (right)."""

    def __init__(self, data, kernel, curve_grid):
        super().__init__(9.0, 3.3)
        fig = self.fig
        self.ax_cv, self.ax_est = fig.subplots(1, 2)
        self.grid = np.asarray(curve_grid)
        self.cv_line, = self.ax_cv.plot([], [], lw=2, label="leave-one-out CV(σ)")
        self.tr_line, = self.ax_cv.plot([], [], "--", color="gray",
                                        label="training error, point kept")
        self.best, = self.ax_cv.plot([], [], "*", ms=12, color="C2", label="LOO best σ")
        self.mark = self.ax_cv.axvline(1, color="C3", lw=1)
        self.dot, = self.ax_cv.plot([], [], "o", color="C3", ms=7, label="current σ")
        self.ax_cv.set_xscale("log")
        self.ax_cv.set_xlabel("width σ")
        self.ax_cv.set_ylabel("mean squared error")
        self.ax_cv.grid(alpha=0.3, which="both")
        self.ax_cv.legend(fontsize=7, loc="upper right")
        self.est, = self.ax_est.plot([], [], lw=2, label="estimate")
        self.truth, = self.ax_est.plot([], [], "--", color="gray", label="true f")
        self.points, = self.ax_est.plot([], [], "o", ms=3, alpha=0.5, color="C1",
                                        label="training data")
        self.ax_est.set_xlabel("x")
        self.ax_est.grid(alpha=0.3)
        self.ax_est.legend(fontsize=8, loc="upper left")
        self.ax_est.set_title("estimate", fontsize=10)
        self.ax_cv.set_title("scores", fontsize=10)
        self.animate(self.mark, self.dot, self.est, self.ax_est.title)
        self.set_data(data, kernel)
        self.freeze()

    def set_data(self, data, kernel):
        self.data, self.kernel = data, kernel
        with one_cpu_thread():
            res = loo_cv(data.x_train, data.y_train, torch.tensor(self.grid), kernel, device="cpu")
        self.scores = res.scores.numpy().copy()
        self.scores[~np.isfinite(self.scores)] = np.nan  # a compact kernel's empty windows
        self.best_sigma = res.best_sigma
        self.cv_line.set_data(self.grid, self.scores)
        train = _training_mse(data, kernel, self.grid)
        self.tr_line.set_data(self.grid, train)
        self.best.set_data([res.best_sigma], [res.best_score])
        self.ax_cv.set_xlim(self.grid[0], self.grid[-1])
        top = np.nanmax(np.concatenate([self.scores, train]))
        self.ax_cv.set_ylim(0, 1.05 * top)
        xv = data.x_val.numpy()
        self.truth.set_data(xv, data.y_val.numpy())
        self.points.set_data(data.x_train.numpy(), data.y_train.numpy())
        y = data.y_train.numpy()
        self.ax_est.set_xlim(xv[0], xv[-1])
        self.ax_est.set_ylim(min(float(y.min()), float(data.y_val.min())) - 0.5,
                             max(float(y.max()), float(data.y_val.max())) + 0.5)
        self.ax_cv.set_title(f"{kernel}: LOO best σ = {self.best_sigma:.3g}", fontsize=10)
        self.invalidate()

    def draw(self, sigma: float, *, palette: bool) -> bytes:
        d = self.data
        with one_cpu_thread():
            score = loo_cv(d.x_train, d.y_train, [sigma], self.kernel, device="cpu").best_score
        score = score if math.isfinite(score) else float("nan")
        self.mark.set_xdata([sigma, sigma])
        self.dot.set_data([sigma], [score])
        y_hat, _, _ = _nw(d.x_train, d.y_train, d.x_val, self.kernel, sigma)
        self.est.set_data(d.x_val.numpy(), y_hat)
        self.ax_est.set_title(f"σ = {sigma:g}: CV(σ) = {score:.3f}", fontsize=10)
        return self.png(palette)


def loo_explorer(*, sigmas: Sequence[float] = SIGMA_STOPS, sigma: float = 0.3,
                 kernel: str = "gaussian", curve_points: int = 80, n: int = 40, noise: float = 1.0,
                 seed: int = 0, max_n: int = 2000) -> w.VBox:
    """The leave-one-out score against σ, with the current σ marked, and the estimate at that σ.

    .. math::

        CV(\\sigma) = \\frac1n \\sum_i \\bigl(y_i - \\hat f_{-i}(x_i)\\bigr)^2

    drawn with the training error that keeps each point in its own estimate, which falls to 0 as
    σ → 0 (exercise 2.1): only the leave-one-out score has a minimum at a finite width (2.2).

    Parameters
    ----------
    sigmas : sequence of float, default :data:`SIGMA_STOPS`
        The stops of the σ slider, increasing; one precomputed frame each.
    sigma : float, default 0.3
        The starting width (the nearest stop).
    kernel : str, default "gaussian"
        The kernel of the precomputed frames (and the live menu's first choice).
    curve_points : int, default 80
        Widths of the score curve, log-spaced over the slider's range.
    n, noise, seed : int, float, int
        The data (:func:`nwlib.data.make_data`); the defaults are the book's.
    max_n : int, default 2000
        The largest number of points of the live slider.

    Returns
    -------
    ipywidgets.VBox

    References
    ----------
    *Dive into Deep Learning*, §11.2, exercise 2; :func:`nwlib.bandwidth.loo_cv`.
    """
    stops = _check_stops(sigmas, "sigmas")
    sigma = _check_start(sigma, "sigma")
    kernel = get_kernel(kernel).name
    curve_points = v.check_positive_int(curve_points, "curve_points", minimum=2)
    max_n = _check_data_args(n, noise, seed, max_n)
    grid = np.geomspace(stops[0], stops[-1], curve_points)
    fig = _LOOFigure(make_data(n=n, noise=noise, seed=seed), kernel, grid)
    slider = _sigma_slider(stops, sigma, "width σ")
    stack = _frame_stacks([[_image(fig.draw(s, palette=True)) for s in stops]], slider)
    play = _play_for(slider)
    menu = w.Dropdown(options=list(dict.fromkeys([kernel, *BOOK_KERNELS])), value=kernel,
                      description="kernel", layout=w.Layout(width="230px"))
    live = {"kernel": menu, **_data_controls(n, noise, seed, max_n)}
    state = {"key": (n, noise, seed, kernel)}

    def render(p):
        key = (p["n"], p["noise"], p["seed"], p["kernel"])
        if key != state["key"]:
            fig.set_data(make_data(n=p["n"], noise=p["noise"], seed=p["seed"]), p["kernel"])
            state["key"] = key
        return fig.draw(p["sigma"], palette=False)

    ex = _Explorer("Leave-one-out score against the width", stack, [slider, play],
                   {"sigma": slider}, live, render, note="move σ or press Play")
    ex.root._nwlib = ex
    return ex.root


# --------------------------------------------------------------------------------------------
# Exercise 3: dot-product attention on the circle
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Circle:
    angles: torch.Tensor   # (n,) sorted, radians
    keys: torch.Tensor     # (n, 2) on the unit circle


def _circle(n: int, seed: int) -> _Circle:
    gen = torch.Generator().manual_seed(seed)
    angles, _ = torch.sort(torch.rand(n, generator=gen, dtype=torch.float64) * 2 * math.pi)
    return _Circle(angles, torch.stack([angles.cos(), angles.sin()], dim=1))


class _TemperatureFigure(_Canvas):
    """Keys on the unit circle coloured by weight (left); softmax weights against the Gaussian
    Nadaraya–Watson weights with σ² = τ (right): the same numbers."""

    def __init__(self, circle):
        super().__init__(9.0, 3.6)
        fig = self.fig
        self.ax_c, self.ax_w = fig.subplots(1, 2, width_ratios=[1, 1.6])
        t = np.linspace(0, 2 * np.pi, 200)
        self.ax_c.plot(np.cos(t), np.sin(t), color="lightgray", lw=1)
        self.scatter = self.ax_c.scatter([], [], s=[], c=[], cmap="Reds", vmin=0, vmax=1,
                                         edgecolors="k", linewidths=0.3)
        self.arrow = self.ax_c.annotate("", xy=(1, 0), xytext=(0, 0),
                                        arrowprops=dict(arrowstyle="->", color="C0", lw=2))
        self.ax_c.set_aspect("equal")
        self.ax_c.set_xlim(-1.3, 1.3)
        self.ax_c.set_ylim(-1.3, 1.3)
        self.ax_c.set_xticks([])
        self.ax_c.set_yticks([])
        self.bars = self.ax_w.vlines([], [], [], color="C3", lw=2, label="softmax(qᵀk_i / τ)")
        self.nw, = self.ax_w.plot([], [], "o", mfc="none", color="C0", ms=6,
                                  label="Gaussian NW weights, σ² = τ")
        self.ax_w.set_xlim(0, 360)
        self.ax_w.set_xlabel("angle of key $k_i$ (degrees)")
        self.ax_w.set_ylabel("attention weight")
        self.ax_w.grid(alpha=0.3)
        self.ax_w.legend(fontsize=8, loc="upper right")
        self.circle = circle
        self.ax_c.set_title("query", fontsize=10)
        self.ax_w.set_title("weights", fontsize=9)
        self.animate(self.scatter, self.arrow, self.bars, self.nw, self.ax_c.title, self.ax_w.title)
        self.freeze()

    def draw(self, tau: float, query_deg: float, *, palette: bool) -> bytes:
        c = self.circle
        a = math.radians(query_deg)
        q = torch.tensor([[math.cos(a), math.sin(a)]], dtype=torch.float64)
        soft = torch.softmax((c.keys @ q.T)[:, 0] / tau, dim=0).numpy()
        _, nw_w, _ = _nw(c.keys, torch.zeros(c.keys.shape[0], dtype=torch.float64), q, "gaussian",
                         math.sqrt(tau))
        nw_w = nw_w[0]
        gap = float(np.max(np.abs(soft - nw_w)))
        deg = np.degrees(c.angles.numpy())
        keys = c.keys.numpy()
        self.scatter.set_offsets(keys)
        self.scatter.set_array(soft / soft.max())
        self.scatter.set_sizes(15 + 200 * soft / soft.max())
        self.arrow.xy = (math.cos(a), math.sin(a))
        self.bars.set_segments(_bar_segments(deg, soft))
        self.nw.set_data(deg, nw_w)
        _set_top(self.ax_w, _nice_top(float(soft.max())))
        eff = 1.0 / float(np.sum(soft ** 2))
        self.ax_c.set_title(f"query at {query_deg:.0f}°, τ = {tau:g}", fontsize=10)
        self.ax_w.set_title(f"{keys.shape[0]} keys; effective number of keys 1/Σα² = {eff:.1f}; "
                            f"max |softmax − NW| = {gap:.0e}", fontsize=9)
        return self.png(palette)


def temperature_explorer(*, temperatures: Sequence[float] = SIGMA_STOPS, temperature: float = 0.1,
                         n: int = 40, seed: int = 0, query_deg: float = 90.0,
                         max_n: int = 2000) -> w.VBox:
    """Dot-product attention on the unit circle: the temperature τ = σ² sets how many keys count.

    On the sphere ``‖q − k_i‖² = 2 − 2 qᵀk_i``, so the Gaussian Nadaraya–Watson weights are

    .. math::  \\alpha_i(q) = \\mathrm{softmax}_i\\bigl(q^\\top k_i / \\sigma^2\\bigr),

    dot-product attention with temperature ``τ = σ²``. The right panel draws both (bars: softmax of
    the dot products; circles: :func:`nwlib.nadaraya_watson` weights with σ = √τ) and prints their
    largest difference; the left panel colours the keys by weight. Small τ: one key takes all the
    weight (hard attention); large τ: every key counts alike (the mean). On the website the τ slider
    and the Play button switch between precomputed frames; in Jupyter the query angle, the number of
    keys and the seed become live controls too.

    Parameters
    ----------
    temperatures : sequence of float, default :data:`SIGMA_STOPS`
        The stops of the τ slider, increasing; one precomputed frame each.
    temperature : float, default 0.1
        The starting temperature (the nearest stop).
    n : int, default 40
        Number of keys, at uniformly random angles.
    seed : int, default 0
        Seed of the key angles.
    query_deg : float, default 90
        The query's angle in degrees.
    max_n : int, default 2000
        The largest number of keys of the live slider.

    Returns
    -------
    ipywidgets.VBox

    References
    ----------
    Vaswani et al. (2017), *Attention is all you need*, eq. (1); *Dive into Deep Learning*, §11.2,
    exercise 3.
    """
    stops = _check_stops(temperatures, "temperatures")
    tau = _check_start(temperature, "temperature")
    n = v.check_positive_int(n, "n")
    seed = v.check_positive_int(seed, "seed", minimum=0)
    max_n = v.check_positive_int(max_n, "max_n", minimum=2)
    if isinstance(query_deg, bool) or not isinstance(query_deg, (int, float)) \
            or not math.isfinite(query_deg):
        raise TypeError(f"query_deg must be a finite number of degrees, got {query_deg!r}")
    fig = _TemperatureFigure(_circle(n, seed))
    slider = _sigma_slider(stops, tau, "temperature τ = σ²")
    stack = _frame_stacks([[_image(fig.draw(t, query_deg, palette=True)) for t in stops]], slider)
    play = _play_for(slider)
    style = {"description_width": "initial"}
    live = {
        "query_deg": w.FloatSlider(value=query_deg, min=0, max=360, step=1,
                                   description="query angle (°)", style=style),
        "n": w.IntSlider(value=n, min=2, max=max(max_n, n), description="keys n",
                         continuous_update=False, style=style),
        "seed": w.BoundedIntText(value=seed, min=0, max=2 ** 31 - 1, description="seed",
                                 layout=w.Layout(width="150px"), style=style),
    }
    state = {"key": (n, seed)}

    def render(p):
        if (p["n"], p["seed"]) != state["key"]:
            fig.circle = _circle(p["n"], p["seed"])
            state["key"] = (p["n"], p["seed"])
        return fig.draw(p["tau"], p["query_deg"], palette=False)

    ex = _Explorer("Temperature of dot-product attention on the circle", stack, [slider, play],
                   {"tau": slider}, live, render, note="move τ or press Play")
    ex.root._nwlib = ex
    return ex.root
