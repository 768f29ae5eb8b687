"""Frames (private to the explorers): figures drawn without pyplot to paletted PNG bytes, the
image widgets that carry them with their alt text, and what a page weighs. See `_frames` for the
design of the explorers built on them."""
from __future__ import annotations

import contextlib
import io

import ipywidgets as w
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image as PILImage

from ..plot import COLOURS, EMPTY_GREY, FIG_WIDTH
from ..plot import styled as book_styled

_DPI = 96  # one inch of figure is one inch of CSS: the size the frame shows at, in CSS pixels
# Device pixels per CSS pixel of a frame: phones and many laptops have 2-3 device pixels per CSS
# pixel, where a 1x frame is upscaled and soft. A 2x frame weighs 2.2-2.4 times a 1x frame (the
# palette keeps flat areas cheap: not the 4x of its pixels); frames load only when shown.
_SCALE = 2


# --------------------------------------------------------------------------------------------
# Rendering: figures without pyplot (no global state, nothing shown by accident), PNG bytes out
# --------------------------------------------------------------------------------------------

def _frame_palette() -> PILImage.Image:
    """The frames' fixed palette: the book's colours exactly (Okabe–Ito, the heatmap's grey), nine
    greys, sixteen steps of the heatmap's Reds and light tints of the line colours. Every pixel
    maps to its nearest entry: exact colours, few distinct pixels, small PNGs."""
    import matplotlib
    from matplotlib.colors import to_rgb

    colours = [to_rgb(c) for c in (*COLOURS, EMPTY_GREY)]
    colours += [(g, g, g) for g in np.linspace(0.0, 1.0, 9)]
    colours += [matplotlib.colormaps["Reds"](x)[:3] for x in np.linspace(0.0, 1.0, 16)]
    colours += [tuple(0.5 + 0.5 * np.array(to_rgb(c))) for c in COLOURS[:5]]
    rgb = (np.array(colours) * 255).round().astype(np.uint8).reshape(-1).tolist()
    image = PILImage.new("P", (1, 1))
    image.putpalette(rgb + [0] * (768 - len(rgb)))
    return image


_PALETTE = _frame_palette()


def _encode(rgba: np.ndarray, palette: bool) -> bytes:
    img = PILImage.fromarray(np.ascontiguousarray(rgba[..., :3]))
    buf = io.BytesIO()
    if palette:
        img.quantize(palette=_PALETTE, dither=PILImage.Dither.NONE).save(buf, format="png",
                                                                        optimize=True)
    else:
        img.save(buf, format="png", compress_level=1)
    return buf.getvalue()


class FrameFigure:
    """A figure drawn in full once, then updated by redrawing only its moving artists (blitting).

    A full matplotlib draw (ticks, labels, layout) costs far more than the few artists that change
    from frame to frame. The background (everything but the moving artists) is cached per set of
    axis limits, so returning to earlier limits is fast too; :meth:`invalidate` drops the cache
    when a static artist changes. ``fig`` is the matplotlib Figure; ``alt`` describes the frame
    last drawn, in words (the frame's alt text).
    """

    CACHED_BACKGROUNDS = 8

    def __init__(self, height: float, width: float = FIG_WIDTH):
        # Whole CSS pixels: the PNG is exactly _SCALE times the box the page gives it
        css = [int(inches * _DPI) / _DPI for inches in (width, height)]
        self.fig = Figure(figsize=css, dpi=_DPI * _SCALE, layout="constrained")
        FigureCanvasAgg(self.fig)
        self.moving: list = []
        self._backgrounds: dict = {}
        self.alt = ""

    def animate(self, *artists) -> None:
        for a in artists:
            a.set_animated(True)
            self.moving.append(a)

    def freeze(self) -> None:
        """Lay the figure out once (with the widest titles and labels already in place), then keep
        the axes where constrained layout put them: frames never jump."""
        for a in self.moving:
            a.set_animated(False)
        self.fig.canvas.draw()
        for a in self.moving:
            a.set_animated(True)
        self.fig.set_layout_engine("none")
        # Pin each y label where the layout put it: narrower tick labels of a later frame would
        # otherwise pull it right, wider ones push it out of the figure.
        renderer = self.fig.canvas.get_renderer()
        for ax in self.fig.axes:
            label = ax.yaxis.label
            if label.get_text() and ax.yaxis.get_label_position() == "left":
                box = label.get_window_extent(renderer)
                ax.yaxis.set_label_coords((box.x1 - ax.bbox.x0) / ax.bbox.width, 0.5)
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
    """Width and height from a PNG's header (the IHDR chunk), in device pixels."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _css_size(png: bytes) -> tuple[int, int]:
    """The size a frame shows at, in CSS pixels: its pixel size over :data:`_SCALE`."""
    width, height = _png_size(png)
    return round(width / _SCALE), round(height / _SCALE)


class FrameImage(w.Image):
    """An ``ipywidgets.Image`` that can carry a tooltip (its alt text).

    ipywidgets 8's browser side (``DOMWidgetView.updateTooltip``, in JupyterLab and in the static
    page's widget manager alike) reads the ``description`` of any widget with a tooltip, and
    ``Image`` has none: the view then fails to render. Syncing an empty description mends that;
    the model is still an ``ImageModel``, drawn by the standard ``ImageView``.
    """

    description = traitlets.Unicode("").tag(sync=True)


def _image(value: bytes = b"", alt: str = "") -> w.Image:
    # The width and height attributes let the browser reserve the image's box before it decodes
    # it, so switching frames never collapses the display (no jump of the page under the mouse).
    # The tooltip is the frame's alt text: the site copies it into the <img alt>.
    # They are the CSS size (half the PNG's pixels at 2x): the browser draws the frame at its
    # size, sharp on a screen with more device pixels per CSS pixel.
    size = dict(zip(("width", "height"), map(str, _css_size(value)))) if value else {}
    return FrameImage(value=value, format="png", tooltip=alt or None, **size,
                   layout=w.Layout(max_width="100%", height="auto"))


@contextlib.contextmanager
def styled():
    """The book's matplotlib style while a frame figure and its artists are created; text without
    antialiasing: at 2x it reads crisp on a 3x screen (looked at: hardly different from antialiased
    text), and a frame weighs about a third less (18 kB rather than 27 kB for the estimate
    explorer's)."""
    import matplotlib

    with book_styled(), matplotlib.rc_context({"text.antialiased": False}):
        yield
