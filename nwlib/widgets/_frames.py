"""The layer every explorer shares: figures drawn to PNG frames, the jslinked controls, the live layer.

Design: one widget, two layers
------------------------------
Each explorer's :attr:`Explorer.widget` is one :class:`ipywidgets.VBox` with two layers.

1. **Precomputed layer** (works everywhere). For the default data, every frame is rendered to a PNG
   when the explorer is created and held by an :class:`~ipywidgets.Image` inside a
   :class:`~ipywidgets.Stack`. The σ slider (a log-spaced :class:`~ipywidgets.SelectionSlider`
   whose labels are the values), the :class:`~ipywidgets.Play` button and the kernel (or width)
   selector are bound to the stacks' ``selected_index`` with :func:`ipywidgets.jslink`, a link
   that runs in the browser. The book build embeds the widget state in the page, so on the website
   these controls work with no Python at all. Every frame carries alt text (its ``tooltip``,
   which the site copies into the image's ``alt``).
2. **Live layer** (needs a Python kernel). Further controls (number of points, noise, seed, …) and
   an image re-rendered by ``observe`` callbacks. They are created hidden; when a live front end
   (JupyterLab, Notebook, VS Code) displays the explorer, the root widget's view count becomes
   positive, Python is told, and :meth:`Explorer.show_live` reveals them. The book build executes
   notebooks without displaying anything, so a reader of the static page never sees a control that
   would need Python.

While the live controls are at their defaults the explorer shows the precomputed frames; once one
is changed it shows the live image, and back at the defaults it returns to the frames. A change
in a kernel does not draw at once: it says "redrawing…", and one redraw runs on the kernel's
event loop when the changes stop coming (a drag sends many), for the latest values only
(:meth:`Explorer._request`). An update is one :func:`nwlib.nadaraya_watson` pass (on
one torch thread), a redraw of only the artists that move over a cached background (blitting)
and a fast PNG encode.

Frames are drawn for a narrow page (4.8 inches at 96 dpi, panels stacked, fonts of at least 10 pt:
readable when a 390-px phone shrinks them by a quarter) and stored as paletted PNGs, which keeps
an explorer's page weight small (:func:`page_weight`): a fixed palette of the book's colours,
and text drawn without antialiasing.
"""
from __future__ import annotations

import asyncio
import base64
import math
import time
from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np
import torch

from .. import _validate as v
from .._engine import single_threaded
from ..data import make_data
from ..kernels import KERNELS, get_kernel, kernel_names
from ..regression import nadaraya_watson
from ._render import (  # noqa: F401 (the explorers import the frame layer from here)
    _DPI,
    _SCALE,
    FrameFigure,
    FrameImage,
    _css_size,
    _image,
    _png_size,
    styled,
)

# Roughly log-spaced "nice" widths from 0.01 to 5 (a 1–1.5–2–3–5–7 series): it contains the book's
# widths 0.1, 0.2, 0.5, 1 and the leave-one-out optimum region around 0.3.
SIGMA_STOPS = (0.01, 0.015, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0,
               3.0, 5.0)
BOOK_KERNELS = tuple(KERNELS)  # the registry's kernels, without aliases


def page_weight(widget) -> int:
    """Bytes of precomputed frames that a page embeds for an explorer: the base64 text of every
    distinct :class:`~ipywidgets.Image` reachable from it (each model is stored once).

    Parameters
    ----------
    widget : Explorer or ipywidgets.Widget
        An explorer of this package, or any widget.

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

    walk(widget.widget if isinstance(widget, Explorer) else widget)
    return sum(seen.values())



def _check_kernels(kernels) -> tuple[str, ...]:
    """Registry names, aliases replaced by their kernel's name, each once."""
    names = v.check_choices(kernels, "kernels", kernel_names())
    return tuple(dict.fromkeys(get_kernel(k).name for k in names))


def _check_start(value, name: str, *, width: bool = True) -> float:
    v.check_sigma(value, 1, device="cpu", dtype=torch.float64, name=name, width=width)
    return float(value)


def _check_data_args(n, noise, seed, max_n):
    make_data(n=n, noise=noise, seed=seed)  # validates n, noise, seed with clear messages
    return v.check_positive_int(max_n, "max_n", minimum=2)


def _nw(x, y, q, kernel, sigma):
    """Estimates and weights of nwlib's Nadaraya–Watson. A query with no training point inside a
    compact kernel's window stays NaN (the figures draw it as a gap and a grey row), as
    ``empty="nan"`` would give it, but without that policy's warning: the explorer shows those
    queries itself, so it asks for the ``"nearest"`` fill and blanks the empty rows."""
    # many small calls: torch's own threads cost more than they save (nwlib's threading policy)
    y_hat, weights = single_threaded(nadaraya_watson, x, y, q, kernel, sigma, empty="nearest",
                                     device="cpu")
    k = get_kernel(kernel)
    empty_rows = torch.zeros(y_hat.shape[0], dtype=torch.bool)
    if k.compact:  # every registry kernel decreases with u: a window is empty if the nearest key's is 0
        nearest = torch.cdist(torch.as_tensor(q, dtype=torch.float64).reshape(y_hat.shape[0], -1),
                              torch.as_tensor(x, dtype=torch.float64).reshape(weights.shape[1], -1))
        empty_rows = k(nearest.amin(dim=1) / float(sigma)) == 0
        y_hat[empty_rows] = float("nan")
        weights[empty_rows] = float("nan")
    return y_hat.numpy(), weights.numpy(), int(empty_rows.sum())


def _effective_keys(weights: np.ndarray) -> float:
    """Median over queries of 1 / Σ α_i²: how many keys share a query's weight."""
    rows = weights[np.isfinite(weights).all(axis=1)]
    return float(np.median(1.0 / np.sum(rows ** 2, axis=1))) if rows.size else float("nan")


def _y_limits(*values: np.ndarray) -> tuple[float, float]:
    """Whole-number limits around the values with a margin: new data seldom moves them, so the
    cached background of the figure stays valid (a fast redraw)."""
    lo = min(float(np.nanmin(v)) for v in values)
    hi = max(float(np.nanmax(v)) for v in values)
    return float(math.floor(lo - 0.3)), float(math.ceil(hi + 0.3))


def _bar_segments(x: np.ndarray, heights: np.ndarray) -> np.ndarray:
    segs = np.zeros((x.shape[0], 2, 2))
    segs[:, :, 0] = x[:, None]
    segs[:, 1, 1] = np.nan_to_num(heights)
    return segs


def _nice_top(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k above ``value`` (few distinct limits: few full redraws)."""
    for top in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0):
        if value <= 0.95 * top:
            return top
    return 1.05


# --------------------------------------------------------------------------------------------
# Controls
# --------------------------------------------------------------------------------------------

_STYLE = {"description_width": "initial"}


def _sigma_slider(stops: Sequence[float], value: float, description: str,
                  tooltip: str = "") -> w.SelectionSlider:
    # option labels are the values ("0.5"): the page reads them out as the slider's value
    options = [(f"{s:g}", float(s)) for s in stops]
    index = int(np.argmin([abs(math.log(s / value)) for s in stops]))
    return w.SelectionSlider(options=options, index=index, description=description,
                             tooltip=tooltip or None, continuous_update=True,
                             layout=w.Layout(width="min(420px, 100%)"), style=_STYLE)


def _data_controls(n: int, noise: float, seed: int, max_n: int) -> dict:
    return {
        "n": w.IntSlider(value=n, min=2, max=max(max_n, n), step=1, description="points n",
                         continuous_update=False, style=_STYLE),
        "noise": w.FloatSlider(value=noise, min=0.0, max=max(3.0, noise), step=0.1,
                               description="noise σ_ε", continuous_update=False, style=_STYLE),
        "seed": w.BoundedIntText(value=seed, min=0, max=2 ** 31 - 1, description="seed",
                                 layout=w.Layout(width="150px"), style=_STYLE),
    }


def _kernel_menu(kernel: str, kernels: Sequence[str] = BOOK_KERNELS) -> w.Dropdown:
    return w.Dropdown(options=list(dict.fromkeys([kernel, *kernels])), value=kernel,
                      description="kernel", layout=w.Layout(width="230px"))


# --------------------------------------------------------------------------------------------
# The explorer: both layers wired into one root widget
# --------------------------------------------------------------------------------------------

class Explorer:
    """An interactive explorer: precomputed frames with jslinked controls, and a live layer.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root widget (what a notebook displays; the explorer displays itself as this widget).
    figure : FrameFigure
        What draws the frames: its ``fig`` is the matplotlib Figure, its artists are attributes.
    frames : list of list of ipywidgets.Image
        The precomputed frames, one list per option of the selector (kernel or width; one list
        when there is none), one image per stop of the slider.
    controls : dict
        Every control by parameter name: the jslinked ones (``slider``, ``selector``) and the live
        ones (``live_controls``).
    links : list of ipywidgets.Link
        The browser-side links between the controls and the frame stacks.
    """

    title = ""
    note = ""
    COALESCE_S = 0.25  # a redraw waits until no change has come for this long ...
    MAX_WAIT_S = 1.0  # ... or this long after the first change it draws

    def _build(self, figure: FrameFigure, frames: list[list[w.Image]], slider, slider_name: str,
               live_controls: dict, render: Callable[[dict], bytes], *, selector=None,
               selector_name: str | None = None, play_interval: int = 400) -> None:
        self.figure = figure
        self.frames = frames
        self.render = render
        self.links: list = []
        self.slider, self.selector = slider, selector
        self.play = w.Play(value=slider.index, min=0, max=len(slider.options) - 1, step=1,
                           interval=play_interval, description="Play", tooltip="play the frames",
                           layout=w.Layout(width="auto"))
        self.links.append(w.jslink((self.play, "value"), (slider, "index")))
        inner = []
        for row in frames:
            stack = w.Stack(children=row, selected_index=slider.index)
            self.links.append(w.jslink((slider, "index"), (stack, "selected_index")))
            inner.append(stack)
        self.stack = w.Stack(children=inner, selected_index=selector.index if selector else 0)
        if selector is not None:
            self.links.append(w.jslink((selector, "index"), (self.stack, "selected_index")))
        for link in self.links:
            for widget, trait in (link.source, link.target):
                _no_echo(widget, trait)
        self.static_controls = {slider_name: slider}
        if selector is not None:
            self.static_controls[selector_name] = selector
        self.live_controls = live_controls
        self.controls = {**self.static_controls, **live_controls}
        self.defaults = {k: c.value for k, c in live_controls.items()}

        self.live_image = _image()
        self.display = w.Stack(children=[self.stack, self.live_image], selected_index=0)
        self.status = w.HTML("")
        reset = w.Button(description="book's data", tooltip="back to the default data and the "
                         "precomputed frames", layout=w.Layout(width="auto"))
        reset.on_click(lambda _: self.reset())
        self.live_box = w.VBox([w.HBox(list(live_controls.values()) + [reset],
                                       layout=w.Layout(flex_flow="row wrap")), self.status],
                               layout=w.Layout(display="none"))
        header = w.HTML(f"<b>{self.title}</b>" + (f" <small>{self.note}</small>" if self.note else ""))
        row = ([selector] if selector is not None and selector_name == "kernel" else []) + \
            [slider, self.play] + ([selector] if selector is not None and selector_name != "kernel"
                                   else [])
        static_box = w.HBox(row, layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([header, static_box, self.live_box, self.display])
        # CSS classes name the parts for the browser test (and for any styling)
        self.widget.add_class("nwlib-explorer")
        static_box.add_class("nwlib-static")
        self.live_box.add_class("nwlib-live")
        self.display.add_class("nwlib-display")
        self.last_update_ms: float | None = None
        self._drawn_params: dict | None = None  # what the live image shows
        self.renders = 0  # live images drawn (the changes a drag sends are coalesced)
        self._generation, self._scheduled = 0, False
        self._first_change = self._last_change = 0.0
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        # The front end counts the root's views: a positive count means a live front end shows it.
        self.widget.observe(lambda change: change["new"] and self.show_live(), names="_view_count")
        self.widget._view_count = 0

    # --- display in a notebook: the explorer is its widget ---
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def default_png(self) -> bytes:
        """The frame shown before any control moves, as PNG bytes (the page's no-JavaScript image)."""
        row = self.selector.index if self.selector is not None else 0
        return bytes(self.frames[row][self.slider.index].value)

    def default_alt(self) -> str:
        """The alt text of :meth:`default_png`."""
        row = self.selector.index if self.selector is not None else 0
        return self.frames[row][self.slider.index].tooltip or ""

    def show_live(self) -> None:
        """Reveal the live controls (called when a live front end displays the explorer)."""
        self.live_box.layout.display = None

    def params(self) -> dict:
        return {k: c.value for k, c in self.controls.items()}

    def is_default(self) -> bool:
        return all(c.value == self.defaults[k] for k, c in self.live_controls.items())

    def _changed(self, _change=None) -> None:
        if self.is_default():
            self._generation += 1  # a redraw already scheduled is stale now
            self.display.selected_index = 0
            self._busy(False)
            self.status.value = "<small>precomputed frames of the book's data</small>"
            return
        self._request()

    def _request(self) -> None:
        """Redraw for the latest controls, once the changes stop coming.

        A drag sends one change per step, faster than a large redraw. In a kernel, each change
        only marks the image stale and shows that a redraw is under way; the redraw runs on the
        kernel's event loop once no change has come for ``COALESCE_S`` (or ``MAX_WAIT_S`` after
        the first, so a long drag still shows its way), and draws whatever the controls say
        then: stale values are dropped, never drawn. Without an event loop (a script, a test) the
        redraw is immediate.
        """
        self._generation += 1
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._draw()
            return
        now = loop.time()
        self._last_change = now
        self._busy(True)
        if not self._scheduled:
            self._scheduled, self._first_change = True, now
            loop.call_later(self.COALESCE_S, self._draw_latest, loop)

    def _draw_latest(self, loop) -> None:
        now = loop.time()
        quiet = now - self._last_change >= self.COALESCE_S
        if not quiet and now - self._first_change < self.MAX_WAIT_S:
            loop.call_later(self._last_change + self.COALESCE_S - now, self._draw_latest, loop)
            return
        self._scheduled = False
        generation = self._generation
        if self.is_default():
            return
        try:
            self._draw()
        finally:
            if generation != self._generation and not self._scheduled:  # moved while drawing
                self._request()

    def _draw(self) -> None:
        """Show the live image for the current controls, rendering it only if it is not the one
        drawn last (changes that come back to the drawn values, such as a front end's echo of
        an older value, cost nothing)."""
        if self.params() == self._drawn_params:
            self.display.selected_index = 1
            self._busy(False)
            self.status.value = f"<small>live: updated in {self.last_update_ms:.0f} ms</small>"
            return
        self.update()

    def _busy(self, busy: bool) -> None:
        if busy:
            self.display.add_class("nwlib-busy")
            self.status.value = "<small>live: redrawing…</small>"
        else:
            self.display.remove_class("nwlib-busy")

    def update(self) -> float:
        """Re-render the live image for the current controls; return the time it took in ms."""
        start = time.perf_counter()
        params = self.params()
        png = self.render(params)
        self._drawn_params = params
        width, height = _css_size(png)
        img = self.live_image
        img.value, img.width, img.height, img.tooltip = png, str(width), str(height), self.figure.alt
        self.display.selected_index = 1
        self.renders += 1
        self.last_update_ms = (time.perf_counter() - start) * 1e3
        self._busy(False)
        self.status.value = f"<small>live: updated in {self.last_update_ms:.0f} ms</small>"
        return self.last_update_ms

    def reset(self) -> None:
        for k, c in self.live_controls.items():
            c.value = self.defaults[k]
        self._changed()


def _no_echo(widget: w.Widget, trait: str) -> None:
    """The kernel does not echo this trait's changes back to the front end.

    ipywidgets 8 echoes every change it receives. The browser-side links keep the slider, the
    Play button and the frame stacks in step; an echo that arrives after newer key presses set
    its widget back a step, and through a two-way link the slider too, which sent that as a new
    change: in Lab, 20 key presses made 70 changes and a redraw that never settled. (Traitlets
    reads per-instance metadata from ``_<trait>_metadata``.)
    """
    setattr(widget, f"_{trait}_metadata", {"echo_update": False})


def _frame(figure: FrameFigure, png: bytes) -> w.Image:
    """One precomputed frame: the PNG just drawn, with the figure's description as alt text."""
    return _image(png, figure.alt)
