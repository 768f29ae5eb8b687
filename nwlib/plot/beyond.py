"""Figures of the part "Beyond the section": local-linear weights, boundary bias, adaptive widths.

Equivalent weights of local-linear regression can be negative, so their heatmaps use a diverging,
symmetric-logarithmic colour scale (:func:`signed_weight_norm`) with the negative cells hatched
(not colour alone), and weight rows are drawn on a signed square-root axis
(:func:`use_signed_sqrt_axis`) that shows small weights of either sign.
"""
from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import SymLogNorm
from matplotlib.patches import Patch

from ..device import to_numpy
from ._layout import _nonempty, _nonempty_items
from .artists import cell_edges
from .style import FIG_WIDTH, series_style, styled

__all__ = ["signed_weight_norm", "signed_weight_cmap", "use_signed_sqrt_axis",
           "plot_equivalent_weights", "plot_weight_rows", "plot_edge_bias", "plot_local_errors"]

NEGATIVE_HATCH = "////"


def signed_weight_norm(n_keys: int, top: float = 1.0) -> SymLogNorm:
    """A symmetric-log colour scale for weights of either sign: linear within ``0.1 / n`` of 0
    (a tenth of the uniform weight, as :func:`nwlib.plot.attention_norm`), logarithmic beyond,
    from ``−top`` to ``top``.

    Examples
    --------
    >>> norm = signed_weight_norm(40)
    >>> float(norm.vmin), float(norm.vmax), norm.linthresh
    (-1.0, 1.0, 0.0025)
    """
    return SymLogNorm(linthresh=0.1 / max(int(n_keys), 1), vmin=-top, vmax=top, base=10)


def signed_weight_cmap():
    """Diverging: orange-brown for positive weights, purple for negative (PuOr, safe for colour-blind
    readers), white near 0."""
    return matplotlib.colormaps["PuOr_r"]


def _signed_sqrt(w):
    return np.sign(w) * np.sqrt(np.abs(w))


def _signed_square(s):
    return np.sign(s) * s * s


def use_signed_sqrt_axis(ax, low: float = -0.5, high: float = 1.0) -> None:
    """A y axis ``sign(w)·√|w|`` from ``low`` to ``high``: small weights of either sign show, and the
    axis is the same in every frame."""
    ax.set_yscale("function", functions=(_signed_sqrt, _signed_square))
    ax.set_ylim(low, high)
    ticks = [t for t in (-0.5, -0.2, -0.05, 0, 0.05, 0.2, 0.5, 1) if low <= t <= high]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.axhline(0, color="black", lw=0.8)


def plot_equivalent_weights(weights: Mapping[str, object], x_train, x_query):
    """Heatmaps of weight matrices (queries down, keys across) on one signed colour scale.

    Cells below ``−0.1 / n`` (negative, and beyond the scale's linear zone) are hatched as well as
    coloured. Each matrix is (m, n); every panel shares the
    scale :func:`signed_weight_norm` of n, so the panels compare.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _nonempty(weights, "weights", "a mapping of label to an (m, n) weight matrix")
    xs, qs = to_numpy(x_train).reshape(-1), to_numpy(x_query).reshape(-1)
    kcol, qrow = np.argsort(xs, kind="stable"), np.argsort(qs, kind="stable")
    kx, qy = xs[kcol], qs[qrow]
    kedge, qedge = cell_edges(kx), cell_edges(qy)
    norm = signed_weight_norm(xs.size)
    with styled():
        fig, axes = plt.subplots(1, len(weights), figsize=(FIG_WIDTH, 3.3), sharey=True,
                                 layout="constrained", squeeze=False)
        for ax, (label, w) in zip(axes[0], weights.items()):
            mat = to_numpy(w)[np.ix_(qrow, kcol)]
            mesh = ax.pcolormesh(kedge, qedge, mat, cmap=signed_weight_cmap(), norm=norm,
                                 rasterized=True)
            if (mat < -norm.linthresh).any():  # hatched where the colour shows it negative
                ax.contourf(kx, qy, mat, levels=[-np.inf, -norm.linthresh], colors="none",
                            hatches=[NEGATIVE_HATCH])
                ax.contour(kx, qy, mat, levels=[-norm.linthresh], colors="black",
                           linewidths=0.6)
            lo, hi = min(kedge[0], qedge[0]), max(kedge[-1], qedge[-1])
            ax.set_xlim(lo, hi)
            ax.set_ylim(hi, lo)
            ax.grid(False)
            ax.set_title(label)
            ax.set_xlabel("key $k_i$")
        axes[0, 0].set_ylabel("query $q$")
        bar = fig.colorbar(mesh, ax=list(axes[0]), location="bottom", shrink=0.9, aspect=30)
        bar.set_label("weight (symmetric log scale)")
        bar.set_ticks([-1, -0.1, 0, 0.1, 1], labels=["−1", "−0.1", "0", "0.1", "1"])
        below = f"{-norm.linthresh:.2g}".replace("-", "−")
        fig.legend(handles=[Patch(facecolor="white", edgecolor="black", hatch=NEGATIVE_HATCH,
                                  label=f"weight below {below}")], loc="outside upper right")
    return fig


def plot_weight_rows(x_train, rows: Mapping[str, object], *, query: float | None = None, ax=None,
                     low: float = -0.5, high: float = 1.0):
    """One query's weights per estimator, as stems at the keys on a signed square-root axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    rows = _nonempty_items(rows, "rows", "a mapping of label to one query's (n,) weights")
    xs = to_numpy(x_train).reshape(-1)
    gap = 0.12 * (np.ptp(xs) / max(xs.size, 1))
    with styled():
        if ax is None:
            _, ax = plt.subplots(figsize=(FIG_WIDTH, 2.8), layout="constrained")
        use_signed_sqrt_axis(ax, low, high)
        for c, (label, row) in enumerate(rows.items()):
            at = xs + (c - (len(rows) - 1) / 2) * gap
            style = series_style(c)
            ax.vlines(at, 0, row, color=style["color"], lw=1.6, linestyles=style["linestyle"])
            ax.plot(at, row, style["marker"], color=style["color"], ms=3.5, label=label)
        if query is not None:
            ax.axvline(query, color="black", ls=":", lw=1.2, label="query $q$")
        ax.set_xlabel("key $k_i$")
        ax.set_ylabel("weight\n(signed √ scale)")
        ax.legend(loc="upper right")
    return ax.figure


def plot_edge_bias(hs, biases: Mapping[str, object], slopes: Mapping[str, float] | None = None,
                   *, where: str = "the end point", ax=None):
    """|bias| at a boundary point against the width, log–log, with reference slopes (dashed).

    Returns
    -------
    matplotlib.figure.Figure
    """
    biases = _nonempty_items(biases, "biases", "a mapping of label to one bias per width")
    h = to_numpy(hs).reshape(-1).astype(float)
    with styled():
        if ax is None:
            _, ax = plt.subplots(figsize=(FIG_WIDTH, 3.0), layout="constrained")
        for c, (label, b) in enumerate(biases.items()):
            b = np.abs(b)
            style = series_style(c)
            ax.plot(h, b, "-", marker=style["marker"], color=style["color"], label=label)
            if slopes and label in slopes:
                ax.plot(h, b[0] * (h / h[0]) ** slopes[label], "--", color=style["color"], lw=1,
                        label=f"slope {slopes[label]:g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(h, [f"{v:g}" for v in h])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("width σ")
        ax.set_ylabel(f"|bias| at {where}")
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    return ax.figure


def plot_local_errors(x_query, errors: Mapping[str, object], x_train=None, *, ax=None,
                      ylabel: str = "mean squared error"):
    """Pointwise error curves against the query position, one per method, with a rug of the
    design's inputs (where the keys are dense or sparse).

    Returns
    -------
    matplotlib.figure.Figure
    """
    errors = _nonempty_items(errors, "errors", "a mapping of label to one error per query")
    q = to_numpy(x_query).reshape(-1)
    with styled():
        if ax is None:
            _, ax = plt.subplots(figsize=(FIG_WIDTH, 3.0), layout="constrained")
        for c, (label, e) in enumerate(errors.items()):
            style = series_style(c)
            ax.plot(q, e, color=style["color"], ls=style["linestyle"], lw=1.8, label=label)
        ax.set_yscale("log")
        if x_train is not None:
            xs = to_numpy(x_train).reshape(-1)
            ax.plot(xs, np.zeros_like(xs), "|", color="black", ms=8, alpha=0.4,
                    transform=ax.get_xaxis_transform(), label="inputs $x_i$ (one data set)")
        ax.set_xlabel("query q")
        ax.set_ylabel(ylabel)
        ax.legend()
    return ax.figure
