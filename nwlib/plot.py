"""The chapter's figures: kernels, estimates and attention heatmaps (matplotlib).

Every function takes tensors or arrays from any device and returns the matplotlib ``Figure``, so a
notebook cell is one call. Heatmaps that are compared share one colour scale: the book's shared
colour bar scaled each panel separately.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .device import to_numpy
from .kernels import get_kernel

__all__ = ["plot_kernels", "plot_estimates", "plot_attention", "plot_estimate_on"]


def _panels(count: int, width: float = 3.0, height: float = 2.6, *, sharey=True):
    fig, axes = plt.subplots(1, count, figsize=(width * count, height), sharey=sharey,
                             layout="constrained", squeeze=False)
    return fig, list(axes[0])


def plot_kernels(kernels: Sequence = ("gaussian", "boxcar", "constant", "triangular", "epanechnikov"),
                 *, u_range: tuple[float, float] = (-2.5, 2.5), num: int = 501):
    """Plot each kernel ``k(u)`` in its own panel (the section's first figure).

    Parameters
    ----------
    kernels : sequence of str or callable
        Names from :func:`nwlib.kernel_names` or callables ``k(u)``.
    u_range : (float, float)
        The distances shown.
    num : int
        Points per curve.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import torch

    u = torch.linspace(u_range[0], u_range[1], num, dtype=torch.float64)
    fig, axes = _panels(len(kernels))
    for ax, name in zip(axes, kernels):
        kern = get_kernel(name)
        ax.plot(u.numpy(), to_numpy(kern(u)))
        ax.set_title(f"{kern.name}\n$k(u)$ = {kern.formula}", fontsize=9)
        ax.set_xlabel("u = (q − k) / σ")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("k(u)")
    return fig


def plot_estimate_on(ax, data, y_hat, *, title: str | None = None, truth: bool = True):
    """Draw one estimate with the true f (dashed) and the training points on ``ax``."""
    ax.plot(to_numpy(data.x_val), to_numpy(y_hat), label="estimate")
    if truth:
        ax.plot(to_numpy(data.x_val), to_numpy(data.y_val), "--", color="gray", label="true f")
    ax.plot(to_numpy(data.x_train), to_numpy(data.y_train), "o", ms=3, alpha=0.5, label="training data")
    if title:
        ax.set_title(title, fontsize=10)
    ax.set_xlabel("x")
    ax.grid(alpha=0.3)


def plot_estimates(data, estimates: Mapping[str, object]):
    """One panel per estimate: the estimate, the true f (dashed) and the training points.

    Parameters
    ----------
    data : BookData
        The training points and the query grid (:func:`nwlib.data.make_data`).
    estimates : mapping of title to estimate
        Each estimate has one value per query of ``data.x_val``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _panels(len(estimates))
    for ax, (title, y_hat) in zip(axes, estimates.items()):
        plot_estimate_on(ax, data, y_hat, title=title)
    axes[0].set_ylabel("y")
    axes[-1].legend(fontsize=8, loc="upper left")
    return fig


def plot_attention(weights: Mapping[str, object], x_train, x_query, *, shared_scale: bool = True):
    """Attention heatmaps, one panel per entry: queries down, sorted training inputs across.

    Parameters
    ----------
    weights : mapping of title to an (m, n) weight matrix
    x_train : array_like, shape (n,)
        Training inputs, in the order of the weight columns (sort them for a readable picture).
    x_query : array_like, shape (m,)
        Queries, in the order of the weight rows.
    shared_scale : bool, default True
        One colour scale for every panel (0 to the largest weight shown), so colours compare
        across panels; the book's figure shares a colour bar but scales each panel separately.

    Returns
    -------
    matplotlib.figure.Figure
    """
    mats = {title: to_numpy(w) for title, w in weights.items()}
    xs, qs = to_numpy(x_train).reshape(-1), to_numpy(x_query).reshape(-1)
    vmax = max(float(np.nanmax(m)) for m in mats.values()) if shared_scale else None
    fig, axes = _panels(len(mats), height=3.0)
    extent = (xs.min(), xs.max(), qs.max(), qs.min())
    image = None
    for ax, (title, mat) in zip(axes, mats.items()):
        image = ax.imshow(mat, cmap="Reds", vmin=0, vmax=vmax if shared_scale else float(np.nanmax(mat)),
                          extent=extent, aspect="auto", interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("training input $x_i$ (key)")
        if not shared_scale:
            fig.colorbar(image, ax=ax, shrink=0.8)
    axes[0].set_ylabel("query $x$")
    if shared_scale:
        fig.colorbar(image, ax=axes, shrink=0.8, label="attention weight")
    return fig
