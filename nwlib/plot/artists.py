"""What the static figures and the explorers of :mod:`nwlib.widgets` draw alike.

The artist builders :func:`plot_estimate_on` and :func:`draw_attention` (with its one colour norm,
:func:`attention_norm`, colour map :func:`attention_cmap` and cells :func:`cell_edges`) are shared,
so a static figure and an explorer's frame draw the same thing the same way.
"""
from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.patches import Patch

from ..device import to_numpy
from .style import COLOURS, EMPTY_GREY, TRUTH_STYLE, styled

__all__ = ["attention_norm", "attention_cmap", "cell_edges", "draw_attention",
           "empty_window_patch", "plot_estimate_on"]


def attention_norm(n_keys: int) -> LogNorm:
    """The one colour scale of attention weights: logarithmic, from ``0.1 / n`` to 1.

    Every heatmap of the book and every explorer frame uses it, so colours compare across panels,
    kernels and widths. The floor is a tenth of the uniform weight ``1/n``: a key drawn white gets
    less than a tenth of an equal share. A fixed floor would leave a wide kernel blank at large
    ``n`` (at n = 2000 every weight of a wide kernel is about 1/2000, below 10⁻³).

    Parameters
    ----------
    n_keys : int
        The number of keys (training points).

    Returns
    -------
    matplotlib.colors.LogNorm

    Examples
    --------
    >>> norm = attention_norm(40)
    >>> float(norm.vmin), float(norm.vmax)
    (0.0025, 1.0)
    """
    return LogNorm(vmin=0.1 / max(int(n_keys), 1), vmax=1.0, clip=False)


def attention_cmap():
    """Reds for weights; white below the floor; grey for a query with no key in its window."""
    return matplotlib.colormaps["Reds"].with_extremes(bad=EMPTY_GREY, under="white")


def cell_edges(centres) -> np.ndarray:
    """Edges of cells centred at the sorted ``centres``: midpoints between neighbours, and half a
    neighbouring gap beyond each end (a single centre gets a cell of width 1).

    Examples
    --------
    >>> cell_edges([0.0, 1.0, 3.0]).tolist()
    [-0.5, 0.5, 2.0, 4.0]
    """
    c = np.asarray(centres, dtype=float).reshape(-1)
    if c.size == 0:
        raise ValueError("centres is empty: pass at least one cell centre")
    if c.size == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def draw_attention(ax, weights, x_train, x_query, *, norm=None):
    """Draw an (m, n) weight matrix on ``ax``: queries down, keys across, each at its own x.

    Columns are centred at the keys ``x_i`` and rows at the queries (cell edges at the midpoints
    between sorted neighbours), so the axes are in x units and a key's column sits where a query
    equal to it sits: the diagonal ``q = k`` is the line y = x.

    Parameters
    ----------
    ax : matplotlib Axes
    weights : array_like, shape (m, n)
        NaN rows (a query whose window holds no key) are drawn grey.
    x_train : array_like, shape (n,)
    x_query : array_like, shape (m,)
    norm : matplotlib Normalize, optional
        Default :func:`attention_norm` of ``n``.

    Returns
    -------
    matplotlib.collections.QuadMesh
    """
    mat = to_numpy(weights)
    xs, qs = to_numpy(x_train).reshape(-1), to_numpy(x_query).reshape(-1)
    for name, values in (("x_train", xs), ("x_query", qs)):
        if values.size == 0:
            raise ValueError(f"nothing to plot: {name} is empty; pass at least one point")
    kcol, qrow = np.argsort(xs, kind="stable"), np.argsort(qs, kind="stable")
    mat = mat[np.ix_(qrow, kcol)]
    # A weight of exactly 0 (outside a compact kernel's window) is "below the floor" (white);
    # only NaN, a query with no key in its window, is drawn grey.
    mat = np.where(mat == 0, np.finfo(float).tiny, mat)
    mesh = ax.pcolormesh(cell_edges(xs[kcol]), cell_edges(qs[qrow]), mat, cmap=attention_cmap(),
                         norm=norm if norm is not None else attention_norm(xs.size),
                         rasterized=True)
    # one span for both axes, so the diagonal of the panel is the line q = k
    kedge, qedge = cell_edges(xs[kcol]), cell_edges(qs[qrow])
    lo, hi = min(kedge[0], qedge[0]), max(kedge[-1], qedge[-1])
    ax.set_xlim(lo, hi)
    ax.set_ylim(hi, lo)  # queries down, as rows of a matrix
    ax.grid(False)
    return mesh


def empty_window_patch() -> Patch:
    """The legend entry that explains a heatmap's grey rows."""
    return Patch(facecolor=EMPTY_GREY, edgecolor="none", label="grey: no key in the window")


def plot_estimate_on(ax, data, y_hat, *, title: str | None = None, truth: bool = True):
    """Draw one estimate with the true f (dashed) and the training points on ``ax``.

    The builder shared with :mod:`nwlib.widgets`: the same colours, markers and labels everywhere.

    Returns
    -------
    (Line2D, Line2D or None, Line2D)
        The estimate, the true f and the training points, for callers that update them.
    """
    if to_numpy(y_hat).reshape(-1).shape[0] != len(data.x_val):
        raise ValueError(f"the estimate {title or ''!s} has {to_numpy(y_hat).size} values, but "
                         f"data.x_val has {len(data.x_val)} queries: pass one value per query")
    with styled():
        points, = ax.plot(to_numpy(data.x_train), to_numpy(data.y_train), "o", ms=4, alpha=0.75,
                          color=COLOURS[1], mec="white", mew=0.4,
                          label="training $(k_i, v_i)$")
        true = None
        if truth:
            true, = ax.plot(to_numpy(data.x_val), to_numpy(data.y_val), label="true $f$",
                            **TRUTH_STYLE)
        line, = ax.plot(to_numpy(data.x_val), to_numpy(y_hat).reshape(-1), color=COLOURS[0],
                        lw=2, label="estimate $\\hat f(q)$")
        if title:
            ax.set_title(title)
        ax.set_xlabel("x")
    return line, true, points
