"""The figures of exercises 2 and 4: learned and chosen widths, error curves, rates of convergence.

As in :mod:`nwlib.plot.figures`: any device, ``ax=`` optional, the ``Figure`` returned, empty input
refused with a ValueError naming the argument. Each series takes the next style of
:data:`nwlib.plot.style.SERIES_CYCLE` (:func:`~nwlib.plot.style.series_style`), so there is no
limit on the number of series.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..device import to_numpy
from ._layout import (
    _nonempty,
    _nonempty_array,
    _nonempty_items,
    _one_axes,
    _stacked_pair,
    _stacked_panels,
)
from .style import series_style, styled

__all__ = ["plot_width_learning", "plot_width_choices", "plot_error_curves", "plot_rates",
           "plot_width_scores"]



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
    _nonempty(fits, "fits", "{label: WidthFit}")
    with styled():
        fig, (ax_loss, ax_sigma) = _stacked_pair(ax, height=4.6)
        for c, (label, fit) in enumerate(fits.items()):
            style = series_style(c)
            losses = to_numpy(fit.loss_history)
            ax_loss.plot(np.arange(1, losses.size + 1), losses, color=style["color"],
                         ls=style["linestyle"], lw=0.9, alpha=0.85, label=label)
            hist = to_numpy(fit.sigma_history)
            if hist.ndim == 1:
                ax_sigma.plot(hist, color=style["color"], ls=style["linestyle"], lw=1.5,
                              label=label)
            else:
                names = coordinate_names or [f"$\\sigma_{j + 1}$" for j in range(hist.shape[1])]
                for j in range(hist.shape[1]):
                    # coordinate j: the line style of series j, the colour of series c + j
                    ax_sigma.plot(hist[:, j], ls=series_style(j)["linestyle"],
                                  color=series_style(c + j)["color"], lw=1.5,
                                  label=f"{label}: {names[j]}")
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
    values = _nonempty_items(widths, "widths", "{rule name: widths, one per data set}")
    low = min(float(w.min()) for w in values.values())
    high = max(float(w.max()) for w in values.values())
    edges = np.geomspace(low * 0.95, high * 1.05, bins + 1)
    with styled():
        ax = _one_axes(ax)
        for c, (name, w) in enumerate(values.items()):
            style, median = series_style(c), float(np.median(w))
            ax.hist(w, bins=edges, histtype="stepfilled", alpha=0.35, color=style["color"],
                    hatch=style["hatch"], edgecolor=style["color"],
                    label=f"{name} (median {median:.2f})")
            # the median line takes the next series' line style: rule 0's is dashed, not solid
            ax.axvline(median, color=style["color"], ls=series_style(c + 1)["linestyle"], lw=1.5)
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("data sets")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    return ax.figure


def _check_study(study, name: str) -> None:
    """A TypeError naming ``name`` for what is not a RateStudy (duck-typed: consistency imports tqdm)."""
    if not all(hasattr(study, f) for f in ("ns", "sigmas", "mean_errors", "oracle_sigma", "oracle_error")):
        raise TypeError(f"{name} must be a RateStudy (from nwlib.consistency.oracle_study), "
                        f"got {type(study).__name__}")


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
    _check_study(study, "study")
    _nonempty_array(study.ns, "study.ns")
    with styled():
        ax = _one_axes(ax, height=3.4)
        colors = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(study.ns)))
        sig = to_numpy(study.sigmas)
        for k, (color, n, curve, s_star, e_star) in enumerate(zip(
                colors, to_numpy(study.ns), to_numpy(study.mean_errors),
                to_numpy(study.oracle_sigma), to_numpy(study.oracle_error))):
            ax.plot(sig, curve, color=color, lw=1.2, ls=series_style(k)["linestyle"],
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
    _nonempty(studies, "studies", "{label: RateStudy}")
    with styled():
        fig, (ax_s, ax_e) = _stacked_pair(ax, height=5.6)
        from ..consistency import loglog_slope  # the rate experiment's own fit (imports tqdm)

        for c, (label, st) in enumerate(studies.items()):
            _check_study(st, f"studies[{label!r}]")
            style = series_style(c)
            ns = _nonempty_array(st.ns, f"studies[{label!r}].ns").astype(float)
            for a, vals, k in ((ax_s, to_numpy(st.oracle_sigma), 0), (ax_e, to_numpy(st.oracle_error), 1)):
                slope, _ = loglog_slope(ns, vals)
                a.plot(ns, vals, "-", marker=style["marker"], color=style["color"], ms=5,
                       label=f"{label}: slope {slope:.3f}")
                if theory is not None and label in theory:
                    t = theory[label][k]
                    a.plot(ns, vals[0] * (ns / ns[0]) ** t, "--", color=style["color"], lw=1,
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
                      *, ylabel: str = "score", stacked: bool = False, ax=None):
    """Curves over a grid of widths, with chosen widths marked as vertical lines.

    By default the curves share one log–log panel. With ``stacked=True`` each curve gets its own
    panel (linear y, labelled with the curve's name), one above the other on the shared log x
    axis, so that a curve's shallow valleys are not flattened by another curve's range.

    Parameters
    ----------
    sigmas : array_like, shape (S,)
    curves : mapping of label to array_like of shape (S,)
        E.g. the leave-one-out score and the error against the true function.
    marks : mapping of label to width, optional
        Drawn on every panel.
    ylabel : str, default "score"
        What the curves measure, when they share one panel.
    stacked : bool, default False
        One panel per curve.
    ax : matplotlib Axes, or one per curve with ``stacked=True``, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    sig = _nonempty_array(sigmas, "sigmas")
    curves = _nonempty_items(curves, "curves", "{label: one value per width of sigmas}")
    with styled():
        if stacked:
            fig, axes = _stacked_panels(ax, len(curves), height=1.6 + 1.7 * len(curves))
        else:
            axes = [_one_axes(ax, height=3.6)]
            fig = axes[0].figure
        for c, (label, curve) in enumerate(curves.items()):
            style = series_style(c)
            axes[c if stacked else 0].plot(sig, curve, color=style["color"], ls=style["linestyle"],
                                           lw=1.8, label=label)
        offset = len(curves)  # the marks go on with the series after the curves
        for a in axes:
            for k, (label, width) in enumerate((marks or {}).items()):
                style = series_style(k + offset)
                a.axvline(float(width), ls=style["linestyle"], color=style["color"], lw=1.2,
                          label=f"{label}: σ = {float(width):.3g}")
            a.set_xscale("log")
            a.grid(alpha=0.3, which="both")
        if stacked:
            for a, label in zip(axes, curves):
                a.set_ylabel(label)
        else:
            axes[0].set_yscale("log")
            axes[0].set_ylabel(ylabel)
        axes[-1].set_xlabel("width σ")
        # stacked: the y labels name the curves, so the legend lists the marks
        handles = axes[0].get_legend_handles_labels()[0][1:] if stacked else None
        axes[-1].legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.3 if stacked else -0.2),
                        ncol=1)
    return fig
