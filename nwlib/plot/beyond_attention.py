"""The figures of "Beyond the section: learned query and key maps, attention in linear time".

As in :mod:`nwlib.plot.figures`: any device, ``ax=`` optional, the ``Figure`` returned, empty input
refused with a ValueError naming the argument; each series takes the next style of
:data:`nwlib.plot.style.SERIES_CYCLE`, so no series is told from another by colour alone.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import torch
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from ..device import to_numpy
from ._layout import _nonempty, _nonempty_array, _nonempty_items, _one_axes
from .style import series_style, styled

__all__ = ["plot_kernel_shapes", "plot_scaling"]


def plot_kernel_shapes(metrics: Mapping[str, object], center, *, points=None,
                       truth: Callable | None = None, extent=(0.0, 1.0, 0.0, 1.0),
                       resolution: int = 161, ax=None):
    """Where a Gaussian kernel ``exp(−½‖W(p − c)‖²)`` centred at ``c`` has fallen to
    ``e^{−1/2}`` and ``e^{−2}`` (one and two widths), one map ``W`` per series, in the plane.

    A diagonal ``W`` draws an axis-aligned ellipse, a full one a turned ellipse, a rank-one one a
    strip. The training points and the level lines of the true function can go underneath.

    Parameters
    ----------
    metrics : mapping of label to array_like of shape (r, 2)
        The maps ``W`` (``diag(1/σ)`` for per-coordinate widths σ).
    center : array_like of shape (2,)
        The query the kernels are centred at.
    points : array_like of shape (n, 2), optional
        Training inputs, drawn as small grey dots.
    truth : callable, optional
        ``f`` of an (N, 2) float64 tensor, returning (N,): its level lines are drawn in grey.
    extent : (x1 min, x1 max, x2 min, x2 max)
    resolution : int, default 161
        Grid points per axis.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    _nonempty(metrics, "metrics", "{label: W of shape (r, 2)}")
    maps = {label: np.atleast_2d(to_numpy(W)).astype(float) for label, W in metrics.items()}
    for label, W in maps.items():
        if W.shape[1] != 2:
            raise ValueError(f"metrics[{label!r}] must have 2 columns (a map of the plane), got "
                             f"shape {W.shape}")
    c = to_numpy(center).astype(float).reshape(-1)
    if c.size != 2:
        raise ValueError(f"center must be one point of the plane (2 numbers), got {c.size}")
    x0, x1, y0, y1 = map(float, extent)
    g1, g2 = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([g1.ravel(), g2.ravel()], axis=1)
    with styled():
        ax = _one_axes(ax, height=4.4)
        handles = []
        if truth is not None:
            field = to_numpy(truth(torch.as_tensor(grid, dtype=torch.float64))).reshape(g1.shape)
            ax.contour(g1, g2, field, levels=8, colors="0.6", linewidths=0.7)
            handles.append(Line2D([], [], color="0.6", lw=0.7, label="level lines of f"))
        if points is not None:
            p = to_numpy(points)
            ax.plot(p[:, 0], p[:, 1], ".", color="0.45", ms=3, zorder=1)
            handles.append(Line2D([], [], ls="", marker=".", color="0.45", label="training inputs"))
        for k, (label, W) in enumerate(maps.items()):
            style = series_style(k)
            u2 = (((grid - c) @ W.T) ** 2).sum(axis=1).reshape(g1.shape)
            ax.contour(g1, g2, u2, levels=[1.0, 4.0], colors=[style["color"]],
                       linestyles=[style["linestyle"]], linewidths=[2.0, 1.2])
            handles.append(Line2D([], [], color=style["color"], ls=style["linestyle"], lw=2,
                                  label=label))
        ax.plot([c[0]], [c[1]], "X", color="black", ms=8, label="query", zorder=3)
        handles.append(Line2D([], [], ls="", marker="X", color="black", label="query"))
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=1)
    return ax.figure


def plot_scaling(x, curves: Mapping[str, object], *, xlabel: str, ylabel: str,
                 guides: Mapping[str, object] | None = None,
                 marks: Mapping[str, float] | None = None, ax=None):
    """Log–log curves against one quantity (features, points, widths), with dashed guide lines
    (a fitted or theoretical law) and marked values (a crossover) as vertical lines.

    Parameters
    ----------
    x : array_like, shape (S,)
    curves : mapping of label to array_like of shape (S,)
        Measured values, drawn with markers.
    xlabel, ylabel : str
    guides : mapping of label to array_like of shape (S,), optional
        Reference lines over the same ``x``, dashed.
    marks : mapping of label to float, optional
        Values of ``x`` to mark.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    xs = _nonempty_array(x, "x").astype(float)
    series = _nonempty_items(curves, "curves", "{label: one value per x}")
    lines = _nonempty_items(guides, "guides", "{label: one value per x}") if guides else {}
    for name, group in (("curves", series), ("guides", lines)):
        for label, values in group.items():
            if values.size != xs.size:
                raise ValueError(f"{name}[{label!r}] has {values.size} values for {xs.size} x")
    with styled():
        ax = _one_axes(ax, height=4.4)
        for k, (label, values) in enumerate(series.items()):
            style = series_style(k)
            ax.plot(xs, values, color=style["color"], ls=style["linestyle"],
                    marker=style["marker"], ms=5, lw=1.6, label=label)
        for k, (label, values) in enumerate(lines.items()):
            ax.plot(xs, values, color=series_style(k)["color"], ls=(0, (4, 3)), lw=1.0,
                    label=label)
        offset = len(series)
        for k, (label, value) in enumerate((marks or {}).items()):
            style = series_style(k + offset)
            ax.axvline(float(value), color=style["color"], ls=style["linestyle"], lw=1.2,
                       label=f"{label}: {float(value):.3g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        # the measured x as plain numbers (16, 64, …), every other one when there are many
        ax.xaxis.set_major_locator(FixedLocator(xs[::1 + (xs.size > 6)]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    return ax.figure
