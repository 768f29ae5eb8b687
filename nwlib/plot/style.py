"""The book's figure style: palette, per-series styles, rcParams, and :func:`styled`.

The figures are drawn for a narrow page: at most two panels side by side, :data:`BOOK_RC` fonts,
the Okabe–Ito colours with a marker or line style per series. Each series takes the next entry of
:data:`SERIES_CYCLE`, a :class:`cycler.Cycler` of colour, line style, marker and hatch that repeats
without end, so a figure with more series than colours never runs out (:func:`series_style`).
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
from cycler import cycler

__all__ = ["use_book_style", "styled", "series_style", "BOOK_RC", "COLOURS", "MARKERS",
           "LINESTYLES", "HATCHES", "SERIES_CYCLE", "TRUTH_STYLE", "EMPTY_GREY", "FIG_WIDTH"]

# Okabe & Ito (2008), "Color universal design": distinguishable with any common colour-vision
# deficiency. Yellow (#F0E442) is left out: too light on white for lines and dots.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)))
HATCHES = ("//", "\\\\", "..", "xx", "--", "++", "oo")
TRUTH_STYLE = dict(color="black", ls="--", lw=1.2)
EMPTY_GREY = "#b0b0b0"  # a query whose window holds no key: its weights are 0/0
FIG_WIDTH = 4.8  # inches: about 460 CSS px, so a phone (≈ 360 px of content) shrinks it by ¼ at most

#: One entry per series: ``{"color", "linestyle", "marker", "hatch"}``. Calling it
#: (``SERIES_CYCLE()``) gives an endless iterator, as matplotlib's own property cycle does.
SERIES_CYCLE = (cycler(color=COLOURS) + cycler(linestyle=LINESTYLES) + cycler(marker=MARKERS)
                + cycler(hatch=HATCHES))
_SERIES = tuple(SERIES_CYCLE)

# Fonts of at least 10 pt on a 4.8-inch figure: 13 CSS px at natural size, 10 px on a 390-px phone.
BOOK_RC = {
    "font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11, "xtick.labelsize": 10,
    "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 11,
    "legend.title_fontsize": 10, "figure.dpi": 96, "savefig.dpi": 192,
    "axes.prop_cycle": cycler(color=COLOURS),
    "image.cmap": "viridis", "axes.grid": True, "grid.alpha": 0.3,
    "svg.hashsalt": "nwlib",  # stable ids in SVG output
    "legend.framealpha": 0.85,
}


def series_style(k: int) -> dict:
    """The style of the ``k``-th series: entry ``k`` of :data:`SERIES_CYCLE`, repeating.

    Examples
    --------
    >>> series_style(0)["color"] == COLOURS[0]
    True
    >>> series_style(len(COLOURS)) == series_style(0)  # more series than colours: it repeats
    True
    """
    return dict(_SERIES[int(k) % len(_SERIES)])


def use_book_style(fmt: str = "svg") -> None:
    """Set the book's figure style for the session: fonts, colours, and inline SVG (or 2× PNG).

    Call it once at the top of a notebook (after ``import nwlib.plot``). It updates
    ``matplotlib.rcParams`` with :data:`BOOK_RC` (so figures a notebook makes itself match nwlib's)
    and, inside IPython, sets the inline backend's format: ``"svg"`` (vector, sharp at any zoom;
    heatmaps are embedded as images inside it) or ``"retina"`` (PNG at twice the resolution).

    Parameters
    ----------
    fmt : {"svg", "retina", "png"}, default "svg"

    Examples
    --------
    >>> import matplotlib
    >>> with matplotlib.rc_context():  # restores the caller's settings afterwards
    ...     use_book_style()
    ...     print(matplotlib.rcParams["font.size"])
    11.0
    """
    from .. import _validate as v

    v.check_choice(fmt, "fmt", ("svg", "retina", "png"))
    matplotlib.rcParams.update(BOOK_RC)
    try:
        from IPython import get_ipython
        if get_ipython() is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats
            set_matplotlib_formats(fmt)
    except ImportError:  # no IPython: nothing to configure
        pass


def styled():
    """The book's rcParams while a figure is built (fonts and colours are fixed at creation).

    A context manager, or a decorator for a function that draws (the caller's settings come back
    afterwards either way).

    Examples
    --------
    >>> import matplotlib
    >>> with styled():
    ...     print(matplotlib.rcParams["legend.fontsize"])
    10.0
    """
    return plt.rc_context({k: v for k, v in BOOK_RC.items() if not k.startswith("svg")})
