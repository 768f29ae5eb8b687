"""The chapter's figures: kernels, estimates and attention heatmaps.

Every function takes tensors or arrays from any device, draws on a new figure (or on ``ax=`` when
given) and returns the matplotlib ``Figure``, so a notebook cell is one call. Empty input (no
kernel, no estimate, no weight matrix, no key) is refused with a ValueError naming the argument.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.colors import LogNorm

from ..device import to_numpy
from ..kernels import KERNELS, get_kernel
from ._layout import _figure_legend, _label_panels, _nonempty, _panel_grid, _wrap
from .artists import attention_norm, draw_attention, empty_window_patch, plot_estimate_on
from .style import COLOURS, styled

__all__ = ["plot_kernels", "plot_estimates", "plot_attention"]


def plot_kernels(kernels: Sequence = tuple(KERNELS), *, u_range: tuple[float, float] = (-2.5, 2.5),
                 num: int = 501, ax=None):
    """Plot each kernel ``κ(u)`` in its own panel (the section's first figure).

    Parameters
    ----------
    kernels : sequence of str or callable, default every kernel of :data:`nwlib.KERNELS`
        Names from :func:`nwlib.kernel_names` or callables ``κ(u)``.
    u_range : (float, float)
        The scaled distances shown.
    num : int
        Points per curve.
    ax : matplotlib Axes or sequence of them, optional
        One per kernel; by default a new figure, two panels a row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import torch

    kernels = list(_nonempty(kernels, "kernels", "at least one kernel name or callable"))
    with styled():
        u = torch.linspace(u_range[0], u_range[1], num, dtype=torch.float64)
        fig, axes, given = _panel_grid(ax, len(kernels), height=2.0)
        for a, name in zip(axes, kernels):
            kern = get_kernel(name)
            a.plot(u.numpy(), to_numpy(kern(u)), color=COLOURS[0], lw=2)
            a.set_title(f"{kern.name}\n$\\kappa(u)$ = {kern.formula}")
        _label_panels(axes, "u = (q − k)/σ", "κ(u)", given=given)
    return fig

def plot_estimates(data, estimates: Mapping[str, object], *, ax=None):
    """One panel per estimate: the estimate, the true f (dashed) and the training points.

    Parameters
    ----------
    data : BookData
        The training points and the query grid (:func:`nwlib.data.make_data`).
    estimates : mapping of title to estimate
        Each estimate has one value per query of ``data.x_val``.
    ax : matplotlib Axes or sequence of them, optional
        One per estimate; by default a new figure, two panels a row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _nonempty(estimates, "estimates", "{title: one value per query of data.x_val}")
    with styled():
        fig, axes, given = _panel_grid(ax, len(estimates), height=2.2)
        for a, (title, y_hat) in zip(axes, estimates.items()):
            plot_estimate_on(a, data, y_hat, title=_wrap(title) if len(axes) > 1 else title)
            a.set_xlabel("")
        _label_panels(axes, "x", "y", given=given)
        _figure_legend(fig, axes)
    return fig


def plot_attention(weights: Mapping[str, object], x_train, x_query, *, shared_scale: bool = True,
                   ax=None):
    """Attention heatmaps, one panel per entry: queries down, keys across, each at its own x.

    Parameters
    ----------
    weights : mapping of title to an (m, n) weight matrix
    x_train : array_like, shape (n,)
        Training inputs (keys), in the order of the weight columns; each column is drawn at its
        key (:func:`draw_attention`), so the query and key axes share the diagonal q = k.
    x_query : array_like, shape (m,)
        Queries, in the order of the weight rows.
    shared_scale : bool, default True
        One logarithmic colour scale for every panel (:func:`attention_norm`, the explorers'
        scale), so colours compare across panels; the book's figure shares a colour bar but
        scales each panel separately. False: each panel from the floor to its largest weight.
    ax : matplotlib Axes or sequence of them, optional
        One per matrix; by default a new figure, two panels a row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import nwlib
    >>> data = nwlib.make_data()
    >>> _, w = nwlib.nadaraya_watson(data.x_train, data.y_train, data.x_val, sigma=0.5)
    >>> fig = plot_attention({"σ = 0.5": w}, data.x_train, data.x_val)
    >>> fig.axes[0].get_xlabel()
    'key $k_i$'
    """
    from .. import _validate as v

    shared_scale = v.check_bool(shared_scale, "shared_scale")
    mats = {title: to_numpy(w) for title, w in weights.items()}
    xs, qs = to_numpy(x_train).reshape(-1), to_numpy(x_query).reshape(-1)
    _nonempty(mats, "weights", "{title: (m, n) weight matrix}")
    for name, values in (("x_train", xs), ("x_query", qs)):
        if values.size == 0:
            raise ValueError(f"nothing to plot: {name} is empty; pass at least one point")
    for title, mat in mats.items():
        if mat.shape != (qs.size, xs.size):
            raise ValueError(f"weights[{title!r}] has shape {mat.shape}, but x_query and x_train "
                             f"give ({qs.size}, {xs.size}): one row per query, one column per key")
    with styled():
        fig, axes, given = _panel_grid(ax, len(mats), height=2.3)
        norm = attention_norm(xs.size)
        mesh = None
        for a, (title, mat) in zip(axes, mats.items()):
            own = norm
            if not shared_scale:
                finite = mat[np.isfinite(mat)]
                own = LogNorm(norm.vmin, max(float(finite.max()) if finite.size else 1.0, 2 * norm.vmin))
            mesh = draw_attention(a, mat, xs, qs, norm=own)
            a.set_title(_wrap(title) if len(axes) > 1 else title)
            if not shared_scale:
                fig.colorbar(mesh, ax=a, extend="min")
        _label_panels(axes, "key $k_i$", "query q", given=given, on_given="xy")
        if shared_scale:
            fig.colorbar(mesh, ax=axes, location="bottom", shrink=0.9, aspect=30, extend="min",
                         label="weight $\\alpha_i(q)$ (log scale; white: below $0.1/n$)")
        if any(np.isnan(m).any() for m in mats.values()):
            axes[-1].legend(handles=[empty_window_patch()], loc="lower left")
    return fig
