"""The figures of exercises 1 and 3: 2-D densities and decision regions, dot-product attention.

As in :mod:`nwlib.plot.figures`: any device, ``ax=`` optional, the ``Figure`` returned, empty input
refused with a ValueError naming the argument. Each series takes the next style of
:data:`nwlib.plot.style.SERIES_CYCLE` (:func:`~nwlib.plot.style.series_style`), so there is no
limit on the number of series.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..device import to_numpy
from ._layout import (
    _figure_legend,
    _label_panels,
    _nonempty,
    _nonempty_array,
    _nonempty_items,
    _one_axes,
    _panel_grid,
    _wrap,
)
from .style import COLOURS, series_style, styled

__all__ = ["plot_fields_2d", "plot_regions_2d", "plot_weights_by_angle", "plot_weight_scatter"]


def _grid_extent(grid_x, grid_y):
    gx, gy = _nonempty_array(grid_x, "grid_x"), _nonempty_array(grid_y, "grid_y")
    return gx, gy, (gx.min(), gx.max(), gy.min(), gy.max())


def _class_names(num_classes: int, class_names):
    if class_names is not None:
        names = [str(c) for c in class_names]
        if len(names) < num_classes:
            raise ValueError(f"class_names has {len(names)} names for {num_classes} classes")
        return names
    if num_classes == 2:  # the labels y ∈ {−1, +1} of the text, stored as class indices 0, 1
        return ["y = −1", "y = +1"]
    return [f"class {c}" for c in range(num_classes)]


def _class_colours(num_classes: int):
    # Vermillion and blue for two classes (y = −1, +1), then the rest of the palette.
    order = (COLOURS[1], COLOURS[0], *COLOURS[2:])
    return [order[c % len(order)] for c in range(num_classes)]


def _scatter_classes(ax, points, labels, num_classes, class_names=None):
    pts, lab = to_numpy(points), to_numpy(labels).astype(int)
    names, colours = _class_names(num_classes, class_names), _class_colours(num_classes)
    for c in range(num_classes):
        sel = lab == c
        ax.scatter(pts[sel, 0], pts[sel, 1], s=16, color=colours[c], marker=series_style(c)["marker"],
                   edgecolor="white", linewidth=0.5, label=names[c])


def plot_fields_2d(grid_x, grid_y, fields: Mapping[str, object], points=None, labels=None, *,
                   signed: Sequence[str] = (), class_names: Sequence[str] | None = None, ax=None):
    """Heatmaps of scalar fields on a 2-D grid, one panel each, with labelled points on top.

    Parameters
    ----------
    grid_x : array_like, shape (nx,)
        The grid's first coordinates.
    grid_y : array_like, shape (ny,)
        The grid's second coordinates.
    fields : mapping of title to array_like, shape (ny, nx)
        ``field[j, i]`` is the value at ``(grid_x[i], grid_y[j])``.
    points : array_like, shape (n, 2), optional
        Training points, drawn with a colour and a marker per class of ``labels``.
    labels : array_like of int, shape (n,), optional
        Class indices; two classes are named y = −1 and y = +1 (indices 0 and 1).
    signed : sequence of str
        Titles of fields that change sign: drawn with a diverging map centred at 0 and their zero
        contour (a decision boundary) in black. The others share one sequential scale from 0.
    class_names : sequence of str, optional
        Legend names of the classes.
    ax : matplotlib Axes or sequence of them, optional
        One per field; by default a new figure, two panels a row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import TwoSlopeNorm

    gx, gy, extent = _grid_extent(grid_x, grid_y)
    _nonempty(fields, "fields", "{title: values of shape (ny, nx)}")
    if labels is not None:
        _nonempty_array(labels, "labels")
    maps = {title: to_numpy(f).reshape(len(gy), len(gx)) for title, f in fields.items()}
    # the unsigned fields (densities) share one colour scale, so their heights compare
    vmax = max((float(np.nanmax(z)) for t, z in maps.items() if t not in signed), default=None)
    with styled():
        fig, axes, given = _panel_grid(ax, len(maps), height=2.5)
        num_classes = int(to_numpy(labels).max()) + 1 if labels is not None else 0
        for a, (title, z) in zip(axes, maps.items()):
            if title in signed:
                top = float(np.nanmax(np.abs(z))) or 1.0
                # RdBu: positive blue, negative red, as the classes' own colours (y = +1 blue)
                image = a.imshow(z, origin="lower", extent=extent, aspect="auto", cmap="RdBu",
                                 norm=TwoSlopeNorm(0.0, -top, top))
                a.contour(gx, gy, z, levels=[0.0], colors="k", linewidths=1.2)
            else:
                image = a.imshow(z, origin="lower", extent=extent, aspect="auto", cmap="viridis",
                                 vmin=0, vmax=vmax)
            fig.colorbar(image, ax=a, shrink=0.9)
            if points is not None:
                _scatter_classes(a, points, labels, num_classes, class_names)
            _finish_plane(a, title, extent, wrap=len(axes) > 1)
        _label_panels(axes, "$x_1$", "$x_2$", given=given, on_given="")
        if points is not None:
            _figure_legend(fig, axes, ncol=num_classes)
    return fig


def _finish_plane(a, title: str, extent, *, wrap: bool) -> None:
    """Title and limits of a panel over the (x_1, x_2) plane, without grid lines over the image."""
    a.set_title(_wrap(title) if wrap else title)
    a.set_xlim(extent[0], extent[1])
    a.set_ylim(extent[2], extent[3])
    a.grid(False)


def plot_regions_2d(grid_x, grid_y, regions: Mapping[str, object], points, labels, *,
                    num_classes: int | None = None, class_names: Sequence[str] | None = None,
                    ax=None):
    """Decision regions (a class index per grid point), one panel each, with the training points.

    Parameters
    ----------
    grid_x, grid_y, points, labels, class_names
        As in :func:`plot_fields_2d`.
    regions : mapping of title to array_like of int, shape (ny, nx)
        The predicted class at each grid point.
    num_classes : int, optional
        By default one more than the largest label or region index.
    ax : matplotlib Axes or sequence of them, optional
        One per region map; by default a new figure, two panels a row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    gx, gy, extent = _grid_extent(grid_x, grid_y)
    _nonempty(regions, "regions", "{title: class indices of shape (ny, nx)}")
    _nonempty_array(labels, "labels")
    maps = {title: to_numpy(r).reshape(len(gy), len(gx)) for title, r in regions.items()}
    if num_classes is None:
        num_classes = int(max(to_numpy(labels).max(), *(m.max() for m in maps.values()))) + 1
    colours = ListedColormap(_class_colours(num_classes))
    norm = BoundaryNorm(np.arange(num_classes + 1) - 0.5, num_classes)
    with styled():
        fig, axes, given = _panel_grid(ax, len(maps), height=2.6)
        for a, (title, z) in zip(axes, maps.items()):
            a.imshow(z, origin="lower", extent=extent, aspect="auto", cmap=colours, norm=norm,
                     alpha=0.3, interpolation="nearest")
            # region borders in black, so the regions read without colour
            a.contour(gx, gy, z, levels=np.arange(num_classes - 1) + 0.5, colors="k",
                      linewidths=0.8)
            _scatter_classes(a, points, labels, num_classes, class_names)
            _finish_plane(a, title, extent, wrap=len(axes) > 1)
        _label_panels(axes, "$x_1$", "$x_2$", given=given, on_given="")
        _figure_legend(fig, axes, ncol=num_classes)
    return fig


def plot_weights_by_angle(theta, kernel_weights: Mapping[str, object], dot_weights: Mapping[str, object],
                          *, ax=None):
    """Attention weights of keys on the unit circle against their angle to the query.

    Kernel weights are drawn as markers, dot-product weights as lines of the same colour: where
    the two agree every marker sits on its line.

    Parameters
    ----------
    theta : array_like, shape (n,)
        Angle of each key from the query, in radians.
    kernel_weights, dot_weights : mapping of label to array_like, shape (n,)
        The same labels in both (e.g. one per width σ).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = _nonempty_array(theta, "theta")
    _nonempty(kernel_weights, "kernel_weights", "{label: one weight per key}")
    with styled():
        ax = _one_axes(ax)
        order = np.argsort(t)
        for c, label in enumerate(kernel_weights):
            style = series_style(c)
            ax.plot(t[order], to_numpy(dot_weights[label]).reshape(-1)[order],
                    color=style["color"], ls=style["linestyle"], lw=1.4, label=label)
            ax.plot(t, to_numpy(kernel_weights[label]).reshape(-1), style["marker"], ms=4,
                    color=style["color"])
        ax.set_title("markers: Gaussian kernel\nlines: softmax of dot products")
        ax.set_xlabel("angle θ between q and $k_i$ (radians)")
        ax.set_ylabel("weight $\\alpha_i(q)$")
        ax.legend()
    return ax.figure


def plot_weight_scatter(reference, candidates: Mapping[str, object], *, ax=None,
                        xlabel: str = "Gaussian Nadaraya–Watson weight"):
    """Scatter each candidate's attention weights against the reference weights, with y = x.

    Parameters
    ----------
    reference : array_like
        The weights every candidate should reproduce.
    candidates : mapping of label to array_like of the same shape
    ax : matplotlib Axes, optional
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    ref = _nonempty_array(reference, "reference")
    candidates = _nonempty_items(candidates, "candidates", "{label: weights shaped as reference}")
    with styled():
        ax = _one_axes(ax, height=3.6)
        top = float(ref.max())
        for c, (label, w) in enumerate(candidates.items()):
            style = series_style(c)
            top = max(top, float(w.max()))
            ax.plot(ref, w, style["marker"], ms=3.5, alpha=0.6, color=style["color"], label=label)
        ax.plot([0, top], [0, top], "k--", lw=0.8, label="y = x")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("candidate weight")
        ax.legend()
    return ax.figure

