"""Panel layout shared by the figure functions: grids of panels, given axes, labels, legends,
and the check that there is something to draw."""
from __future__ import annotations

import textwrap
from collections.abc import Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from ..device import to_numpy
from .style import FIG_WIDTH


def _nonempty(values, name: str, what: str):
    """``values`` (a mapping or sequence of series), refused with a ValueError naming ``name``
    when it holds nothing to draw."""
    if values is None or len(values) == 0:
        raise ValueError(f"nothing to plot: {name} is empty; pass {what}")
    return values


def _nonempty_array(values, name: str) -> np.ndarray:
    """``values`` as a flat numpy array, refused with a ValueError naming ``name`` when empty."""
    flat = to_numpy(values).reshape(-1)
    if flat.size == 0:
        raise ValueError(f"nothing to plot: {name} is empty; pass at least one value")
    return flat


def _nonempty_items(values: Mapping, name: str, what: str) -> dict:
    """A mapping of label to array, each flattened; the mapping and every array must be nonempty."""
    _nonempty(values, name, what)
    return {label: _nonempty_array(v, f"{name}[{label!r}]") for label, v in values.items()}


def _panels(count: int, width: float = FIG_WIDTH, height: float = 2.4, *, sharey=True,
            columns: int = 2):
    """A grid of ``count`` panels, at most ``columns`` wide (a phone shows two, not three)."""
    if count < 1:
        raise ValueError("nothing to plot: pass at least one kernel, estimate or weight matrix")
    ncols = min(count, columns)
    nrows = -(-count // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(width, height * nrows + 0.4), sharey=sharey,
                             layout="constrained", squeeze=False)
    axes = list(grid.flat)
    for ax in axes[count:]:
        ax.remove()
    return fig, axes[:count]


def _one_axes(ax, width: float = FIG_WIDTH, height: float = 3.2):
    if ax is None:
        _, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def _wrap(title: str, columns: int = 22) -> str:
    """Break a long panel title into lines, so it never runs into its neighbour's (titles with
    math are left whole: a break inside $…$ would break the formula)."""
    if "$" in str(title):
        return str(title)
    return "\n".join(textwrap.fill(line, columns) for line in str(title).split("\n"))


def _label_rows(axes, label: str):
    for ax in axes:
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel(label)


def _label_bottom(axes, label: str):
    for ax in axes:
        spec = ax.get_subplotspec()
        below = [o for o in axes if o.get_subplotspec().colspan.start == spec.colspan.start
                 and o.get_subplotspec().rowspan.start > spec.rowspan.start]
        if not below:
            ax.set_xlabel(label)
        else:
            ax.tick_params(labelbottom=True)


def _given_axes(ax, count: int):
    """``ax`` as a list of ``count`` axes (one per panel), or None to make a new figure."""
    if ax is None:
        return None
    axes = [ax] if isinstance(ax, matplotlib.axes.Axes) else list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != count or not all(isinstance(a, matplotlib.axes.Axes) for a in axes):
        raise ValueError(f"ax must be {count} matplotlib Axes (one per panel), got {ax!r}")
    return axes


def _stacked_pair(ax, height: float):
    """The figure and two panels, one above the other sharing x: ``ax`` if given, else new ones."""
    given = _given_axes(ax, 2)
    if given:
        return given[0].figure, tuple(given)
    fig, axes = plt.subplots(2, 1, figsize=(FIG_WIDTH, height), sharex=True, layout="constrained")
    return fig, tuple(axes)


def _stacked_panels(ax, count: int, height: float):
    """The figure and ``count`` panels, one above the other sharing x: ``ax`` if given, else new."""
    given = _given_axes(ax, count)
    if given:
        return given[0].figure, given
    fig, axes = plt.subplots(count, 1, figsize=(FIG_WIDTH, height), sharex=True, squeeze=False,
                             layout="constrained")
    return fig, list(axes[:, 0])


def _figure_legend(fig, axes, handles=None, ncol: int = 3):
    handles = handles if handles is not None else axes[0].get_legend_handles_labels()[0]
    if fig.get_layout_engine() is not None and len(axes) > 1:
        fig.legend(handles=handles, loc="outside lower center", ncol=ncol)
    else:
        axes[-1].legend(handles=handles, loc="best")



def _panel_grid(ax, count: int, height: float):
    """The figure and its ``count`` panels: ``ax`` if given (one Axes per panel), else a new
    grid two panels a row. Also says whether the axes were given (the caller labels them then)."""
    given = _given_axes(ax, count)
    if given:
        return given[0].figure, given, True
    fig, axes = _panels(count, height=height)
    return fig, axes, False


def _label_panels(axes, xlabel: str, ylabel: str, *, given: bool, on_given: str = "x") -> None:
    """Axis labels of a grid of panels: the y label on the first column and the x label on the
    bottom row of a new grid; on given axes, the labels named in ``on_given`` on every panel."""
    if not given:
        _label_rows(axes, ylabel)
        _label_bottom(axes, xlabel)
        return
    for a in axes:
        if "x" in on_given:
            a.set_xlabel(xlabel)
        if "y" in on_given:
            a.set_ylabel(ylabel)
