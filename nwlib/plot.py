"""The chapter's figures: kernels, estimates and attention heatmaps (matplotlib).

Every function takes tensors or arrays from any device, draws on a new figure (or on ``ax=`` when
given) and returns the matplotlib ``Figure``, so a notebook cell is one call. The figures are drawn
for a narrow page: at most two panels side by side, :data:`BOOK_RC` fonts, the Okabe–Ito colours
with a marker or line style per series (:data:`COLOURS`, :data:`MARKERS`, :data:`LINESTYLES`).
Notebooks call :func:`use_book_style` once to get the same style for their own figures and vector
(SVG) output.

The artist builders :func:`plot_estimate_on` and :func:`draw_attention` (with its one colour norm,
:func:`attention_norm`) are shared with :mod:`nwlib.widgets`, so a static figure and an explorer's
frame draw the same thing the same way.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.colors import LogNorm
from matplotlib.patches import Patch

from .device import to_numpy
from .kernels import KERNELS, get_kernel

__all__ = ["use_book_style", "BOOK_RC", "COLOURS", "MARKERS", "LINESTYLES", "attention_norm",
           "attention_cmap", "cell_edges", "draw_attention", "empty_window_patch", "plot_kernels",
           "plot_estimates", "plot_attention", "plot_estimate_on"]

# Okabe & Ito (2008), "Color universal design": distinguishable with any common colour-vision
# deficiency. Yellow (#F0E442) is left out: too light on white for lines and dots.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 1)))
TRUTH_STYLE = dict(color="black", ls="--", lw=1.2)
EMPTY_GREY = "#b0b0b0"  # a query whose window holds no key: its weights are 0/0
FIG_WIDTH = 4.8  # inches: about 460 CSS px, so a phone (≈ 360 px of content) shrinks it by ¼ at most

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
    from . import _validate as v

    v.check_choice(fmt, "fmt", ("svg", "retina", "png"))
    matplotlib.rcParams.update(BOOK_RC)
    try:
        from IPython import get_ipython
        if get_ipython() is not None:
            from matplotlib_inline.backend_inline import set_matplotlib_formats
            set_matplotlib_formats(fmt)
    except ImportError:  # no IPython: nothing to configure
        pass


def _styled():
    """The book's rcParams while a figure is built (fonts and colours are fixed at creation)."""
    return plt.rc_context({k: v for k, v in BOOK_RC.items() if not k.startswith("svg")})


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
    import textwrap

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


# ---------------------------------------------------------------------------------------------
# Shared artist builders (used by nwlib.widgets too)
# ---------------------------------------------------------------------------------------------

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


def _figure_legend(fig, axes, handles=None, ncol: int = 3):
    handles = handles if handles is not None else axes[0].get_legend_handles_labels()[0]
    if fig.get_layout_engine() is not None and len(axes) > 1:
        fig.legend(handles=handles, loc="outside lower center", ncol=ncol)
    else:
        axes[-1].legend(handles=handles, loc="best")


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

    with _styled():
        u = torch.linspace(u_range[0], u_range[1], num, dtype=torch.float64)
        given = _given_axes(ax, len(kernels))
        fig, axes = (given[0].figure, given) if given else _panels(len(kernels), height=2.0)
        for a, name in zip(axes, kernels):
            kern = get_kernel(name)
            a.plot(u.numpy(), to_numpy(kern(u)), color=COLOURS[0], lw=2)
            a.set_title(f"{kern.name}\n$\\kappa(u)$ = {kern.formula}")
        if not given:
            _label_rows(axes, "κ(u)")
            _label_bottom(axes, "u = (q − k)/σ")
        else:
            for a in axes:
                a.set_xlabel("u = (q − k)/σ")
    return fig


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
    with _styled():
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
    with _styled():
        given = _given_axes(ax, len(estimates))
        fig, axes = (given[0].figure, given) if given else _panels(len(estimates), height=2.2)
        for a, (title, y_hat) in zip(axes, estimates.items()):
            plot_estimate_on(a, data, y_hat, title=_wrap(title) if len(axes) > 1 else title)
            a.set_xlabel("")
        if not given:
            _label_rows(axes, "y")
            _label_bottom(axes, "x")
        else:
            for a in axes:
                a.set_xlabel("x")
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
    from . import _validate as v

    shared_scale = v.check_bool(shared_scale, "shared_scale")
    mats = {title: to_numpy(w) for title, w in weights.items()}
    xs, qs = to_numpy(x_train).reshape(-1), to_numpy(x_query).reshape(-1)
    if not mats:
        raise ValueError("nothing to plot: weights is empty; pass {title: (m, n) weight matrix}")
    for title, mat in mats.items():
        if mat.shape != (qs.size, xs.size):
            raise ValueError(f"weights[{title!r}] has shape {mat.shape}, but x_query and x_train "
                             f"give ({qs.size}, {xs.size}): one row per query, one column per key")
    with _styled():
        given = _given_axes(ax, len(mats))
        fig, axes = (given[0].figure, given) if given else _panels(len(mats), height=2.3)
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
        if not given:
            _label_rows(axes, "query q")
            _label_bottom(axes, "key $k_i$")
        else:
            for a in axes:
                a.set_xlabel("key $k_i$")
                a.set_ylabel("query q")
        if shared_scale:
            fig.colorbar(mesh, ax=axes, location="bottom", shrink=0.9, aspect=30, extend="min",
                         label="weight $\\alpha_i(q)$ (log scale; white: below $0.1/n$)")
        if any(np.isnan(m).any() for m in mats.values()):
            axes[-1].legend(handles=[empty_window_patch()], loc="lower left")
    return fig


# --- exercises 1 and 3: densities, decision regions, dot-product attention ---

def _grid_extent(grid_x, grid_y):
    gx, gy = to_numpy(grid_x).reshape(-1), to_numpy(grid_y).reshape(-1)
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
        ax.scatter(pts[sel, 0], pts[sel, 1], s=16, color=colours[c], marker=MARKERS[c % len(MARKERS)],
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
    maps = {title: to_numpy(f).reshape(len(gy), len(gx)) for title, f in fields.items()}
    # the unsigned fields (densities) share one colour scale, so their heights compare
    vmax = max((float(np.nanmax(z)) for t, z in maps.items() if t not in signed), default=None)
    with _styled():
        given = _given_axes(ax, len(maps))
        fig, axes = (given[0].figure, given) if given else _panels(len(maps), height=2.5)
        num_classes = int(to_numpy(labels).max()) + 1 if labels is not None else 0
        for a, (title, z) in zip(axes, maps.items()):
            if title in signed:
                top = float(np.nanmax(np.abs(z))) or 1.0
                image = a.imshow(z, origin="lower", extent=extent, aspect="auto", cmap="RdBu_r",
                                 norm=TwoSlopeNorm(0.0, -top, top))
                a.contour(gx, gy, z, levels=[0.0], colors="k", linewidths=1.2)
            else:
                image = a.imshow(z, origin="lower", extent=extent, aspect="auto", cmap="viridis",
                                 vmin=0, vmax=vmax)
            fig.colorbar(image, ax=a, shrink=0.9)
            if points is not None:
                _scatter_classes(a, points, labels, num_classes, class_names)
            _finish_plane(a, title, extent, wrap=len(axes) > 1)
        if not given:
            _label_rows(axes, "$x_2$")
            _label_bottom(axes, "$x_1$")
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
    maps = {title: to_numpy(r).reshape(len(gy), len(gx)) for title, r in regions.items()}
    if num_classes is None:
        num_classes = int(max(to_numpy(labels).max(), *(m.max() for m in maps.values()))) + 1
    colours = ListedColormap(_class_colours(num_classes))
    norm = BoundaryNorm(np.arange(num_classes + 1) - 0.5, num_classes)
    with _styled():
        given = _given_axes(ax, len(maps))
        fig, axes = (given[0].figure, given) if given else _panels(len(maps), height=2.6)
        for a, (title, z) in zip(axes, maps.items()):
            a.imshow(z, origin="lower", extent=extent, aspect="auto", cmap=colours, norm=norm,
                     alpha=0.3, interpolation="nearest")
            # region borders in black, so the regions read without colour
            a.contour(gx, gy, z, levels=np.arange(num_classes - 1) + 0.5, colors="k",
                      linewidths=0.8)
            _scatter_classes(a, points, labels, num_classes, class_names)
            _finish_plane(a, title, extent, wrap=len(axes) > 1)
        if not given:
            _label_rows(axes, "$x_2$")
            _label_bottom(axes, "$x_1$")
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
    with _styled():
        ax = _one_axes(ax)
        t = to_numpy(theta).reshape(-1)
        order = np.argsort(t)
        for c, label in enumerate(kernel_weights):
            ax.plot(t[order], to_numpy(dot_weights[label]).reshape(-1)[order], color=COLOURS[c],
                    ls=LINESTYLES[c], lw=1.4, label=label)
            ax.plot(t, to_numpy(kernel_weights[label]).reshape(-1), MARKERS[c], ms=4, color=COLOURS[c])
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
    with _styled():
        ax = _one_axes(ax, height=3.6)
        ref = to_numpy(reference).reshape(-1)
        top = float(ref.max())
        for c, (label, w) in enumerate(candidates.items()):
            w = to_numpy(w).reshape(-1)
            top = max(top, float(w.max()))
            ax.plot(ref, w, MARKERS[c], ms=3.5, alpha=0.6, color=COLOURS[c], label=label)
        ax.plot([0, top], [0, top], "k--", lw=0.8, label="y = x")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("candidate weight")
        ax.legend()
    return ax.figure


__all__ += ["plot_fields_2d", "plot_regions_2d", "plot_weights_by_angle", "plot_weight_scatter"]


# --- exercises 2 and 4: learned widths, width choices over seeds, rates of convergence ---

def plot_width_learning(fits: Mapping[str, object], *, coordinate_names: Sequence[str] | None = None,
                        ax=None):
    """Two panels, one above the other: the minibatch loss and the width along the steps of
    :func:`nwlib.learning.learn_width`.

    Parameters
    ----------
    fits : mapping of label to :class:`nwlib.learning.WidthFit`
    coordinate_names : sequence of str, optional
        Names of the coordinates, for per-coordinate widths (default ``σ_1, σ_2, …``).
    ax : pair of matplotlib Axes, optional
        (loss axes, width axes).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with _styled():
        fig, (ax_loss, ax_sigma) = _stacked_pair(ax, height=4.6)
        for c, (label, fit) in enumerate(fits.items()):
            losses = to_numpy(fit.loss_history)
            ax_loss.plot(np.arange(1, losses.size + 1), losses, color=COLOURS[c], ls=LINESTYLES[c],
                         lw=0.9, alpha=0.85, label=label)
            hist = to_numpy(fit.sigma_history)
            if hist.ndim == 1:
                ax_sigma.plot(hist, color=COLOURS[c], ls=LINESTYLES[c], lw=1.5, label=label)
            else:
                names = coordinate_names or [f"$\\sigma_{j + 1}$" for j in range(hist.shape[1])]
                for j in range(hist.shape[1]):
                    ax_sigma.plot(hist[:, j], LINESTYLES[j % len(LINESTYLES)], color=COLOURS[c + j],
                                  lw=1.5, label=f"{label}: {names[j]}")
        if all(float(fit.loss_history.min()) > 0 for fit in fits.values()):
            ax_loss.set_yscale("log")
        else:  # in-sample minibatch losses reach exactly 0
            ax_loss.set_yscale("symlog", linthresh=1e-3)
        ax_loss.set_ylabel("minibatch loss")
        ax_sigma.set_yscale("log")
        ax_sigma.set_xlabel("step")
        ax_sigma.set_ylabel("width σ")
        ax_sigma.legend()
    return fig


def _plain_log_ticks(axis) -> None:
    """Label a log axis 0.2, 0.3, … rather than 2×10⁻¹ (short, and read at a glance)."""
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _: f"{value:g}")
    axis.set_major_formatter(plain)
    axis.set_minor_formatter(FuncFormatter(
        lambda value, _: f"{value:g}" if f"{value:.0e}"[0] in "235" else ""))


HATCHES = ("//", "\\\\", "..", "xx", "--", "++", "oo")


def plot_width_choices(widths: Mapping[str, object], *, bins: int = 30, xlabel: str = "width σ",
                       ax=None):
    """Histograms (one axis, log scale) of widths chosen by several rules over many data sets.

    Each rule has its colour and hatch, and its median is a labelled vertical line.

    Parameters
    ----------
    widths : mapping of rule name to array_like of widths (one per data set)
    bins : int, default 30
    xlabel : str
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    values = {name: to_numpy(w).reshape(-1) for name, w in widths.items()}
    low = min(float(w.min()) for w in values.values())
    high = max(float(w.max()) for w in values.values())
    edges = np.geomspace(low * 0.95, high * 1.05, bins + 1)
    with _styled():
        ax = _one_axes(ax)
        for c, (name, w) in enumerate(values.items()):
            median = float(np.median(w))
            ax.hist(w, bins=edges, histtype="stepfilled", alpha=0.35, color=COLOURS[c],
                    hatch=HATCHES[c % len(HATCHES)], edgecolor=COLOURS[c],
                    label=f"{name} (median {median:.2f})")
            ax.axvline(median, color=COLOURS[c], ls=LINESTYLES[c + 1], lw=1.5)
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("data sets")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    return ax.figure


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
    with _styled():
        ax = _one_axes(ax, height=3.4)
        colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(study.ns)))
        sig = to_numpy(study.sigmas)
        for k, (color, n, curve, s_star, e_star) in enumerate(zip(
                colors, to_numpy(study.ns), to_numpy(study.mean_errors),
                to_numpy(study.oracle_sigma), to_numpy(study.oracle_error))):
            ax.plot(sig, curve, color=color, lw=1.2, ls=LINESTYLES[k % len(LINESTYLES)],
                    label=f"n = {n}")
            ax.plot([s_star], [e_star], "o", color=color, ms=5, mec="black", mew=0.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("width σ")
        ax.set_ylabel("mean squared error")
        ax.set_title(f"d = {study.d}, {study.region}:\ndots mark the oracle widths")
        ax.legend(ncol=2)
    return ax.figure


def plot_rates(studies: Mapping[str, object], theory: Mapping[str, tuple[float, float]] | None = None,
               *, ax=None):
    """Log–log plots of the oracle width and its error against n, with theoretical slopes.

    One marker and colour per study; the theoretical slopes are dashed lines through each study's
    first point. The panels sit one above the other.

    Parameters
    ----------
    studies : mapping of label to :class:`nwlib.consistency.RateStudy`
    theory : mapping of label to (width slope, error slope), optional
    ax : pair of matplotlib Axes, optional
        (width axes, error axes).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with _styled():
        fig, (ax_s, ax_e) = _stacked_pair(ax, height=5.6)
        from .consistency import loglog_slope  # the rate experiment's own fit (imports tqdm)

        for c, (label, st) in enumerate(studies.items()):
            ns = to_numpy(st.ns).astype(float)
            for a, vals, k in ((ax_s, to_numpy(st.oracle_sigma), 0), (ax_e, to_numpy(st.oracle_error), 1)):
                slope, _ = loglog_slope(ns, vals)
                a.plot(ns, vals, "-", marker=MARKERS[c], color=COLOURS[c], ms=5,
                       label=f"{label}: slope {slope:.3f}")
                if theory is not None and label in theory:
                    t = theory[label][k]
                    a.plot(ns, vals[0] * (ns / ns[0]) ** t, "--", color=COLOURS[c], lw=1,
                           label=f"theory {t:.3f}")
        for a, name in ((ax_s, "oracle width σ*"), (ax_e, "error at σ* (MSE)")):
            a.set_xscale("log")
            a.set_yscale("log")
            a.set_ylabel(name)
            a.grid(alpha=0.3, which="both")
            a.legend()
        ax_e.set_xlabel("training points n")
    return fig


def plot_width_scores(sigmas, curves: Mapping[str, object], marks: Mapping[str, float] | None = None,
                      *, ax=None):
    """Curves over a grid of widths (log–log), with chosen widths marked as vertical lines.

    Parameters
    ----------
    sigmas : array_like, shape (S,)
    curves : mapping of label to array_like of shape (S,)
        E.g. the leave-one-out score and the error against the true function.
    marks : mapping of label to width, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    with _styled():
        ax = _one_axes(ax, height=3.6)
        sig = to_numpy(sigmas).reshape(-1)
        for c, (label, curve) in enumerate(curves.items()):
            ax.plot(sig, to_numpy(curve).reshape(-1), color=COLOURS[c], ls=LINESTYLES[c], lw=1.8,
                    label=label)
        offset = len(curves)
        for k, (label, width) in enumerate((marks or {}).items()):
            ax.axvline(float(width), ls=LINESTYLES[(k + offset) % len(LINESTYLES)],
                       color=COLOURS[(k + offset) % len(COLOURS)], lw=1.2,
                       label=f"{label}: σ = {float(width):.3g}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("width σ")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    return ax.figure


__all__ += ["plot_width_learning", "plot_width_choices", "plot_error_curves", "plot_rates",
            "plot_width_scores"]
