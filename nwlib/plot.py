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


def _panels(count: int, width: float = 3.0, height: float = 2.6, *, sharey=True, columns: int = 3):
    """A grid of ``count`` panels, at most ``columns`` wide (a book page is narrow)."""
    if count < 1:
        raise ValueError("nothing to plot: pass at least one kernel, estimate or weight matrix")
    ncols = 2 if count == 4 else min(count, columns)
    nrows = -(-count // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), sharey=sharey,
                             layout="constrained", squeeze=False)
    axes = list(grid.flat)
    for ax in axes[count:]:
        ax.remove()
    return fig, axes[:count]


def _label_rows(axes, label: str):
    for ax in axes:
        if ax.get_subplotspec().is_first_col():
            ax.set_ylabel(label)


def _largest(mat) -> float:
    finite = mat[np.isfinite(mat)]  # NaN rows: empty windows of compact kernels
    return float(finite.max()) if finite.size else 1.0


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
    _label_rows(axes, "k(u)")
    return fig


def plot_estimate_on(ax, data, y_hat, *, title: str | None = None, truth: bool = True):
    """Draw one estimate with the true f (dashed) and the training points on ``ax``."""
    if to_numpy(y_hat).reshape(-1).shape[0] != len(data.x_val):
        raise ValueError(f"the estimate {title or ''!s} has {to_numpy(y_hat).size} values, but "
                         f"data.x_val has {len(data.x_val)} queries: pass one value per query")
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
    _label_rows(axes, "y")
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
    if not mats:
        raise ValueError("nothing to plot: weights is empty; pass {title: (m, n) weight matrix}")
    for title, mat in mats.items():
        if mat.shape != (qs.size, xs.size):
            raise ValueError(f"weights[{title!r}] has shape {mat.shape}, but x_query and x_train "
                             f"give ({qs.size}, {xs.size}): one row per query, one column per key")
    vmax = max(_largest(m) for m in mats.values()) if shared_scale else None
    fig, axes = _panels(len(mats), height=3.0)
    extent = (xs.min(), xs.max(), qs.max(), qs.min())
    image = None
    for ax, (title, mat) in zip(axes, mats.items()):
        image = ax.imshow(mat, cmap="Reds", vmin=0, vmax=vmax if shared_scale else _largest(mat),
                          extent=extent, aspect="auto", interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("training input $x_i$ (key)")
        if not shared_scale:
            fig.colorbar(image, ax=ax, shrink=0.8)
    _label_rows(axes, "query $x$")
    if shared_scale:
        fig.colorbar(image, ax=axes, shrink=0.8, label="attention weight")
    return fig


# --- exercises 1 and 3: densities, decision regions, dot-product attention ---

def _grid_extent(grid_x, grid_y):
    gx, gy = to_numpy(grid_x).reshape(-1), to_numpy(grid_y).reshape(-1)
    return gx, gy, (gx.min(), gx.max(), gy.min(), gy.max())


def _scatter_classes(ax, points, labels, num_classes):
    pts, lab = to_numpy(points), to_numpy(labels).astype(int)
    cmap = plt.get_cmap("tab10")
    for c in range(num_classes):
        sel = lab == c
        ax.scatter(pts[sel, 0], pts[sel, 1], s=9, color=cmap(c), edgecolor="white", linewidth=0.4,
                   label=f"class {c}")


def plot_fields_2d(grid_x, grid_y, fields: Mapping[str, object], points=None, labels=None, *,
                   signed: Sequence[str] = ()):
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
        Training points, drawn as dots coloured by ``labels`` (class indices).
    labels : array_like of int, shape (n,), optional
    signed : sequence of str
        Titles of fields that change sign: drawn with a diverging map centred at 0 and their zero
        contour (a decision boundary) in black. The others share one sequential scale from 0.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import TwoSlopeNorm

    gx, gy, extent = _grid_extent(grid_x, grid_y)
    maps = {title: to_numpy(f).reshape(len(gy), len(gx)) for title, f in fields.items()}
    # the unsigned fields (densities) share one colour scale, so their heights compare
    vmax = max((float(np.nanmax(z)) for t, z in maps.items() if t not in signed), default=None)
    fig, axes = _panels(len(maps), width=3.2, height=3.0)
    num_classes = int(to_numpy(labels).max()) + 1 if labels is not None else 0
    for ax, (title, z) in zip(axes, maps.items()):
        if title in signed:
            top = float(np.nanmax(np.abs(z))) or 1.0
            image = ax.imshow(z, origin="lower", extent=extent, aspect="auto", cmap="RdBu_r",
                              norm=TwoSlopeNorm(0.0, -top, top))
            ax.contour(gx, gy, z, levels=[0.0], colors="k", linewidths=1.0)
        else:
            image = ax.imshow(z, origin="lower", extent=extent, aspect="auto", cmap="viridis", vmin=0,
                              vmax=vmax)
        fig.colorbar(image, ax=ax, shrink=0.8)
        if points is not None:
            _scatter_classes(ax, points, labels, num_classes)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("$x_1$")
    _label_rows(axes, "$x_2$")
    return fig


def plot_regions_2d(grid_x, grid_y, regions: Mapping[str, object], points, labels, *,
                    num_classes: int | None = None):
    """Decision regions (a class index per grid point), one panel each, with the training points.

    Parameters
    ----------
    grid_x, grid_y, points, labels
        As in :func:`plot_fields_2d`.
    regions : mapping of title to array_like of int, shape (ny, nx)
        The predicted class at each grid point.
    num_classes : int, optional
        By default one more than the largest label or region index.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap

    gx, gy, extent = _grid_extent(grid_x, grid_y)
    maps = {title: to_numpy(r).reshape(len(gy), len(gx)) for title, r in regions.items()}
    if num_classes is None:
        num_classes = int(max(to_numpy(labels).max(), *(m.max() for m in maps.values()))) + 1
    colours = ListedColormap([plt.get_cmap("tab10")(c) for c in range(num_classes)])
    norm = BoundaryNorm(np.arange(num_classes + 1) - 0.5, num_classes)
    fig, axes = _panels(len(maps), width=3.0, height=3.0)
    for ax, (title, z) in zip(axes, maps.items()):
        ax.imshow(z, origin="lower", extent=extent, aspect="auto", cmap=colours, norm=norm, alpha=0.35,
                  interpolation="nearest")
        _scatter_classes(ax, points, labels, num_classes)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("$x_1$")
    _label_rows(axes, "$x_2$")
    axes[-1].legend(fontsize=7, loc="upper right")
    return fig


def plot_weights_by_angle(theta, kernel_weights: Mapping[str, object], dot_weights: Mapping[str, object],
                          *, ax=None):
    """Attention weights of keys on the unit circle against their angle to the query.

    Kernel weights are drawn as dots, dot-product weights as lines of the same colour: where the
    two agree every dot sits on its line.

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
    if ax is None:
        fig, (ax,) = _panels(1, width=4.2, height=3.0)
    fig = ax.figure
    t = to_numpy(theta).reshape(-1)
    order = np.argsort(t)
    cmap = plt.get_cmap("tab10")
    for c, label in enumerate(kernel_weights):
        ax.plot(t[order], to_numpy(dot_weights[label]).reshape(-1)[order], color=cmap(c), lw=1.2,
                label=label)
        ax.plot(t, to_numpy(kernel_weights[label]).reshape(-1), "o", ms=3, color=cmap(c))
    ax.set_title("dots: Gaussian kernel; lines: softmax of dot products", fontsize=9)
    ax.set_xlabel("angle between query and key θ (radians)")
    ax.set_ylabel("attention weight")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return fig


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
    if ax is None:
        fig, (ax,) = _panels(1, width=3.6, height=3.2)
    fig = ax.figure
    ref = to_numpy(reference).reshape(-1)
    top = float(ref.max())
    for label, w in candidates.items():
        w = to_numpy(w).reshape(-1)
        top = max(top, float(w.max()))
        ax.plot(ref, w, "o", ms=2.5, alpha=0.6, label=label)
    ax.plot([0, top], [0, top], "k--", lw=0.8, label="y = x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("candidate weight")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return fig


__all__ += ["plot_fields_2d", "plot_regions_2d", "plot_weights_by_angle", "plot_weight_scatter"]


# --- exercises 2 and 4: learned widths, width choices over seeds, rates of convergence ---

def plot_width_learning(fits: Mapping[str, object], *, coordinate_names: Sequence[str] | None = None):
    """Two panels: the minibatch loss and the width along the steps of :func:`nwlib.learning.learn_width`.

    Parameters
    ----------
    fits : mapping of label to :class:`nwlib.learning.WidthFit`
    coordinate_names : sequence of str, optional
        Names of the coordinates, for per-coordinate widths (default ``σ_1, σ_2, …``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax_loss, ax_sigma) = plt.subplots(1, 2, figsize=(8.4, 2.9), layout="constrained")
    cmap = plt.get_cmap("tab10")
    for c, (label, fit) in enumerate(fits.items()):
        losses = to_numpy(fit.loss_history)
        ax_loss.plot(np.arange(1, losses.size + 1), losses, color=cmap(c), lw=0.8, alpha=0.8,
                     label=label)
        hist = to_numpy(fit.sigma_history)
        if hist.ndim == 1:
            ax_sigma.plot(hist, color=cmap(c), label=label)
        else:
            names = coordinate_names or [f"$\\sigma_{j + 1}$" for j in range(hist.shape[1])]
            for j, style in zip(range(hist.shape[1]), ("-", "--", ":", "-.") * hist.shape[1]):
                ax_sigma.plot(hist[:, j], style, color=cmap(c), label=f"{label}: {names[j]}")
    if all(float(fit.loss_history.min()) > 0 for fit in fits.values()):
        ax_loss.set_yscale("log")
    else:  # in-sample minibatch losses reach exactly 0
        ax_loss.set_yscale("symlog", linthresh=1e-3)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("minibatch loss")
    ax_sigma.set_yscale("log")
    ax_sigma.set_xlabel("step")
    ax_sigma.set_ylabel("width σ")
    for ax in (ax_loss, ax_sigma):
        ax.grid(alpha=0.3)
    ax_sigma.legend(fontsize=7)
    return fig


def plot_width_choices(widths: Mapping[str, object], *, bins: int = 30, xlabel: str = "width σ"):
    """Histograms (one axis, log scale) of widths chosen by several rules over many data sets.

    Parameters
    ----------
    widths : mapping of rule name to array_like of widths (one per data set)
    bins : int, default 30
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    values = {name: to_numpy(w).reshape(-1) for name, w in widths.items()}
    low = min(float(w.min()) for w in values.values())
    high = max(float(w.max()) for w in values.values())
    edges = np.geomspace(low * 0.95, high * 1.05, bins + 1)
    fig, ax = plt.subplots(figsize=(6.0, 3.0), layout="constrained")
    for name, w in values.items():
        ax.hist(w, bins=edges, alpha=0.5, label=f"{name} (median {np.median(w):.2f})")
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("data sets")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return fig


def plot_error_curves(study, *, ax=None):
    """Seed-averaged error against the width, one curve per n, oracle widths marked.

    Parameters
    ----------
    study : :class:`nwlib.consistency.RateStudy`
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 3.0), layout="constrained")
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(study.ns)))
    sig = to_numpy(study.sigmas)
    for color, n, curve, s_star, e_star in zip(colors, to_numpy(study.ns), to_numpy(study.mean_errors),
                                               to_numpy(study.oracle_sigma), to_numpy(study.oracle_error)):
        ax.plot(sig, curve, color=color, lw=1, label=f"n = {n}")
        ax.plot([s_star], [e_star], "o", color=color, ms=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width σ")
    ax.set_ylabel("mean squared error")
    ax.set_title(f"d = {study.d}, {study.region}: dots mark the oracle widths", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, ncol=2)
    return ax.figure


def plot_rates(studies: Mapping[str, object], theory: Mapping[str, tuple[float, float]] | None = None):
    """Log–log plots of the oracle width and its error against n, with theoretical slopes.

    Parameters
    ----------
    studies : mapping of label to :class:`nwlib.consistency.RateStudy`
    theory : mapping of label to (width slope, error slope), optional
        Drawn as dashed lines through each study's first point.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, (ax_s, ax_e) = plt.subplots(1, 2, figsize=(8.4, 3.2), layout="constrained")
    cmap = plt.get_cmap("tab10")
    for c, (label, st) in enumerate(studies.items()):
        ns = to_numpy(st.ns).astype(float)
        for ax, vals, k in ((ax_s, to_numpy(st.oracle_sigma), 0), (ax_e, to_numpy(st.oracle_error), 1)):
            slope = np.polyfit(np.log(ns), np.log(vals), 1)[0]
            ax.plot(ns, vals, "o-", color=cmap(c), ms=3, label=f"{label}: slope {slope:.3f}")
            if theory is not None and label in theory:
                t = theory[label][k]
                ax.plot(ns, vals[0] * (ns / ns[0]) ** t, "--", color=cmap(c), lw=0.8,
                        label=f"theory {t:.3f}")
    for ax, name in ((ax_s, "oracle width σ*"), (ax_e, "error at σ* (MSE)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("training points n")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=6)
    return fig


def plot_width_scores(sigmas, curves: Mapping[str, object], marks: Mapping[str, float] | None = None):
    """Curves over a grid of widths (log–log), with chosen widths marked as vertical lines.

    Parameters
    ----------
    sigmas : array_like, shape (S,)
    curves : mapping of label to array_like of shape (S,)
        E.g. the leave-one-out score and the error against the true function.
    marks : mapping of label to width, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = plt.subplots(figsize=(5.6, 3.2), layout="constrained")
    sig = to_numpy(sigmas).reshape(-1)
    for label, curve in curves.items():
        ax.plot(sig, to_numpy(curve).reshape(-1), label=label)
    styles = ("--", ":", "-.", (0, (5, 1)), (0, (1, 3)))
    for k, (label, width) in enumerate((marks or {}).items()):
        ax.axvline(float(width), ls=styles[k % len(styles)], color=plt.get_cmap("tab10")(k + 2),
                   lw=1, label=f"{label}: σ = {float(width):.3g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("width σ")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7)
    return fig


__all__ += ["plot_width_learning", "plot_width_choices", "plot_error_curves", "plot_rates",
            "plot_width_scores"]
