"""Exercise 2: the leave-one-out score against σ, with the current σ marked."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from .. import _validate as v
from .._engine import single_threaded
from ..bandwidth import loo_cv
from ..data import make_data
from ..kernels import get_kernel
from ..plot import COLOURS, TRUTH_STYLE, plot_estimate_on
from ._frames import (
    SIGMA_STOPS,
    Explorer,
    FrameFigure,
    _check_data_args,
    _check_start,
    _data_controls,
    _frame,
    _kernel_menu,
    _nw,
    _sigma_slider,
    styled,
)

__all__ = ["LOOExplorer", "LOOFigure", "loo_explorer"]


def _training_mse(data, kernel, grid):
    """In-sample error with the point itself kept: it goes to 0 as σ → 0 (exercise 2.1)."""
    out = []
    for s in grid:
        y_hat, _, _ = _nw(data.x_train, data.y_train, data.x_train, kernel, float(s))
        out.append(float(np.mean((y_hat - data.y_train.numpy()) ** 2)))
    return np.array(out)


class LOOFigure(FrameFigure):
    """The leave-one-out score and the training error against σ (top); the estimate (bottom).
    Legends sit under their panels, so they never cover a curve or the best width's star."""

    def __init__(self, data, kernel, curve_grid):
        super().__init__(height=6.8)
        with styled():
            self.ax_cv, self.ax_est = self.fig.subplots(2, 1)
            self.grid = np.asarray(curve_grid)
            self.cv_line, = self.ax_cv.plot([], [], lw=2, color=COLOURS[0], label="leave-one-out CV(σ)")
            self.tr_line, = self.ax_cv.plot([], [], label="training error, point kept", **TRUTH_STYLE)
            self.best, = self.ax_cv.plot([], [], "*", ms=14, color=COLOURS[2], mec="black", mew=0.5,
                                         label="LOO best σ")
            self.mark = self.ax_cv.axvline(1, color=COLOURS[1], lw=1.2, ls=":")
            self.dot, = self.ax_cv.plot([], [], "o", color=COLOURS[1], ms=8, mec="black", mew=0.5,
                                        label="current σ")
            self.ax_cv.set_xscale("log")
            self.ax_cv.set_xlabel("width σ")
            self.ax_cv.set_ylabel("mean squared error")
            self.ax_cv.grid(alpha=0.3, which="both")
            self.ax_cv.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2,
                              handlelength=1.5, columnspacing=1.0)
            self.est, self.truth, self.points = plot_estimate_on(self.ax_est, data,
                                                                 np.zeros(len(data.x_val)))
            self.ax_est.set_ylabel("y")
            self.ax_est.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3,
                               handlelength=1.5, columnspacing=1.0)
            self.ax_est.set_title("σ = 0.015: CV(σ) = 10.000")
            self.ax_cv.set_title("epanechnikov kernel: LOO best σ = 0.333")
        self.animate(self.mark, self.dot, self.est, self.ax_est.title)
        self.set_data(data, kernel)
        self.freeze()

    def set_data(self, data, kernel):
        self.data, self.kernel = data, kernel
        res = single_threaded(loo_cv, data.x_train, data.y_train, torch.tensor(self.grid), kernel,
                              device="cpu")
        self.scores = res.scores.numpy().copy()
        self.scores[~np.isfinite(self.scores)] = np.nan  # a compact kernel's empty windows
        self.best_sigma, self.best_score = res.best_sigma, res.best_score
        self.cv_line.set_data(self.grid, self.scores)
        self.train = _training_mse(data, kernel, self.grid)
        self.tr_line.set_data(self.grid, self.train)
        self.best.set_data([res.best_sigma], [res.best_score])
        self.ax_cv.set_xlim(self.grid[0], self.grid[-1])
        top = np.nanmax(np.concatenate([self.scores, self.train]))
        self.ax_cv.set_ylim(0, 1.05 * top)
        xv = data.x_val.numpy()
        self.truth.set_data(xv, data.y_val.numpy())
        self.points.set_data(data.x_train.numpy(), data.y_train.numpy())
        y = data.y_train.numpy()
        self.ax_est.set_xlim(xv[0], xv[-1])
        self.ax_est.set_ylim(min(float(y.min()), float(data.y_val.min())) - 0.5,
                             max(float(y.max()), float(data.y_val.max())) + 0.5)
        self.ax_cv.set_title(f"{get_kernel(kernel).name} kernel: LOO best σ = {self.best_sigma:.3g}")
        self.invalidate()

    def draw(self, sigma: float, *, palette: bool) -> bytes:
        d = self.data
        score = single_threaded(loo_cv, d.x_train, d.y_train, [sigma], self.kernel,
                                device="cpu").best_score
        score = score if math.isfinite(score) else float("nan")
        self.mark.set_xdata([sigma, sigma])
        self.dot.set_data([sigma], [score])
        y_hat, _, _ = _nw(d.x_train, d.y_train, d.x_val, self.kernel, sigma)
        self.est.set_data(d.x_val.numpy(), y_hat)
        self.ax_est.set_title(f"σ = {sigma:g}: CV(σ) = {score:.3f}")
        name = get_kernel(self.kernel).name
        self.alt = (f"Top: the leave-one-out score CV(σ) and the training error with each point kept, "
                    f"against the width σ on a log axis, for the {name} kernel and "
                    f"{d.x_train.shape[0]} points; the training error falls towards 0 as σ shrinks, "
                    f"the leave-one-out score is lowest at σ = {self.best_sigma:.3g} (star); the "
                    f"current σ = {sigma:g} has CV(σ) = {score:.3f}. Bottom: the estimate at "
                    f"σ = {sigma:g} against the true function.")
        return self.png(palette)


class LOOExplorer(Explorer):
    """The leave-one-out score against the width (made by :func:`loo_explorer`, which
    holds the defaults)."""

    title = "Leave-one-out score against the width"
    note = "move σ or press Play"

    def __init__(self, *, sigmas: Sequence[float], sigma: float,
                 kernel: str, curve_points: int, n: int, noise: float,
                 seed: int, max_n: int):
        stops = v.check_increasing(sigmas, "sigmas", positive=True)
        sigma = _check_start(sigma, "sigma")
        kernel = get_kernel(kernel).name
        curve_points = v.check_positive_int(curve_points, "curve_points", minimum=2)
        max_n = _check_data_args(n, noise, seed, max_n)
        grid = np.geomspace(stops[0], stops[-1], curve_points)
        figure = LOOFigure(make_data(n=n, noise=noise, seed=seed), kernel, grid)
        slider = _sigma_slider(stops, sigma, "σ", "kernel width σ")
        frames = [[_frame(figure, figure.draw(s, palette=True)) for s in stops]]
        live = {"kernel": _kernel_menu(kernel), **_data_controls(n, noise, seed, max_n)}
        state = {"key": (n, noise, seed, kernel)}

        def render(p):
            key = (p["n"], p["noise"], p["seed"], p["kernel"])
            if key != state["key"]:
                figure.set_data(make_data(n=p["n"], noise=p["noise"], seed=p["seed"]), p["kernel"])
                state["key"] = key
            return figure.draw(p["sigma"], palette=False)

        self._build(figure, frames, slider, "sigma", live, render)


def loo_explorer(*, sigmas: Sequence[float] = SIGMA_STOPS, sigma: float = 0.3,
                 kernel: str = "gaussian", curve_points: int = 80, n: int = 40, noise: float = 1.0,
                 seed: int = 0, max_n: int = 2000) -> LOOExplorer:
    """The leave-one-out score against σ, with the current σ marked, and the estimate at that σ.

    .. math::

        CV(\\sigma) = \\frac1n \\sum_i \\bigl(v_i - \\hat f_{-i}(k_i)\\bigr)^2

    drawn with the training error that keeps each point in its own estimate, which falls to 0 as
    σ → 0 (exercise 2.1): only the leave-one-out score has a minimum at a finite width (2.2).

    Parameters
    ----------
    sigmas : sequence of float, default :data:`SIGMA_STOPS`
        The stops of the σ slider, increasing; one precomputed frame each.
    sigma : float, default 0.3
        The starting width (the nearest stop).
    kernel : str, default "gaussian"
        The kernel of the precomputed frames (and the live menu's first choice).
    curve_points : int, default 80
        Widths of the score curve, log-spaced over the slider's range.
    n, noise, seed : int, float, int
        The data (:func:`nwlib.data.make_data`); the defaults are the book's.
    max_n : int, default 2000
        The largest number of points of the live slider.

    Returns
    -------
    LOOExplorer
        Displays itself in a notebook; ``.widget`` is the ipywidgets root.

    References
    ----------
    *Dive into Deep Learning*, §11.2, exercise 2; :func:`nwlib.bandwidth.loo_cv`.
    """
    return LOOExplorer(sigmas=sigmas, sigma=sigma, kernel=kernel, curve_points=curve_points, n=n,
                       noise=noise, seed=seed, max_n=max_n)
