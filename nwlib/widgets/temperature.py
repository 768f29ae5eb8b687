"""Exercise 3: dot-product attention on the circle and its temperature τ = σ²."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as w
import numpy as np
import torch

from .. import _validate as v
from ..plot import COLOURS
from ._frames import (
    SIGMA_STOPS,
    Explorer,
    FrameFigure,
    _bar_segments,
    _check_start,
    _frame,
    _nice_top,
    _nw,
    _sigma_slider,
    styled,
)

__all__ = ["TemperatureExplorer", "TemperatureFigure", "temperature_explorer"]


@dataclass(frozen=True)
class _Circle:
    angles: torch.Tensor   # (n,) sorted, radians
    keys: torch.Tensor     # (n, 2) on the unit circle


def _circle(n: int, seed: int) -> _Circle:
    gen = torch.Generator().manual_seed(seed)
    angles, _ = torch.sort(torch.rand(n, generator=gen, dtype=torch.float64) * 2 * math.pi)
    return _Circle(angles, torch.stack([angles.cos(), angles.sin()], dim=1))


class TemperatureFigure(FrameFigure):
    """Keys on the unit circle, sized and coloured by weight (top); softmax weights against the
    Gaussian Nadaraya–Watson weights with σ² = τ (bottom): the same numbers."""

    def __init__(self, circle):
        super().__init__(height=6.4)
        with styled():
            self.ax_c, self.ax_w = self.fig.subplots(2, 1, height_ratios=[1, 1])
            t = np.linspace(0, 2 * np.pi, 200)
            self.ax_c.plot(np.cos(t), np.sin(t), color="lightgray", lw=1)
            self.scatter = self.ax_c.scatter([], [], s=[], c=[], cmap="Reds", vmin=0, vmax=1,
                                             edgecolors="k", linewidths=0.4)
            self.arrow = self.ax_c.annotate("", xy=(1, 0), xytext=(0, 0),
                                            arrowprops=dict(arrowstyle="->", color=COLOURS[0], lw=2))
            self.ax_c.set_aspect("equal")
            self.ax_c.set_xlim(-1.3, 1.3)
            self.ax_c.set_ylim(-1.3, 1.3)
            self.ax_c.set_xticks([])
            self.ax_c.set_yticks([])
            self.ax_c.grid(False)
            self.bars = self.ax_w.vlines([], [], [], color=COLOURS[1], lw=2.5,
                                         label="softmax($q^\\top k_i/τ$)")
            self.nw, = self.ax_w.plot([], [], "o", mfc="none", color=COLOURS[0], ms=7, mew=1.2,
                                      label="Gaussian NW, σ² = τ")
            self.ax_w.set_xlim(0, 360)
            self.ax_w.set_xticks([0, 90, 180, 270, 360])
            self.ax_w.set_xlabel("angle of key $k_i$ (degrees)")
            self.ax_w.set_ylabel("weight $\\alpha_i(q)$")
            self.ax_w.set_ylim(0, 0.01)  # the widest tick labels, so the layout leaves room
            self.ax_w.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2,
                             handlelength=1.5, columnspacing=1.0)
            self.circle = circle
            self.ax_c.set_title("arrow: query q at 360°, τ = 0.015;\ndots: keys $k_i$, by weight")
            self.ax_w.set_title("2000 keys; effective number 1/Σα² = 2000.0\n"
                                "max |softmax − NW| = 1e-16")
        self.animate(self.scatter, self.arrow, self.bars, self.nw, self.ax_c.title, self.ax_w.title)
        self.freeze()

    def draw(self, tau: float, query_deg: float, *, palette: bool) -> bytes:
        c = self.circle
        a = math.radians(query_deg)
        q = torch.tensor([[math.cos(a), math.sin(a)]], dtype=torch.float64)
        soft = torch.softmax((c.keys @ q.T)[:, 0] / tau, dim=0).numpy()
        _, nw_w, _ = _nw(c.keys, torch.zeros(c.keys.shape[0], dtype=torch.float64), q, "gaussian",
                         math.sqrt(tau))
        nw_w = nw_w[0]
        gap = float(np.max(np.abs(soft - nw_w)))
        deg = np.degrees(c.angles.numpy())
        keys = c.keys.numpy()
        self.scatter.set_offsets(keys)
        self.scatter.set_array(soft / soft.max())
        self.scatter.set_sizes(15 + 200 * soft / soft.max())
        self.arrow.xy = (math.cos(a), math.sin(a))
        self.bars.set_segments(_bar_segments(deg, soft))
        self.nw.set_data(deg, nw_w)
        top = _nice_top(float(soft.max()))
        if self.ax_w.get_ylim() != (0.0, top):
            self.ax_w.set_ylim(0.0, top)
        eff = 1.0 / float(np.sum(soft ** 2))
        n = keys.shape[0]
        self.ax_c.set_title(f"arrow: query q at {query_deg:.0f}°, τ = {tau:g};\n"
                            "dots: keys $k_i$, by weight")
        self.ax_w.set_title(f"{n} keys; effective number 1/Σα² = {eff:.1f}\n"
                            f"max |softmax − NW| = {gap:.0e}")
        self.alt = (f"{n} keys on the unit circle and a query at {query_deg:.0f}°; at temperature "
                    f"τ = {tau:g} the softmax of the dot products gives the keys near the query the "
                    f"most weight, about {eff:.1f} keys in effect. Below, the weights against the "
                    f"key angle: the softmax bars and the Gaussian Nadaraya–Watson weights with "
                    f"σ² = τ coincide (largest difference {gap:.0e}).")
        return self.png(palette)


class TemperatureExplorer(Explorer):
    """Dot-product attention on the circle (made by :func:`temperature_explorer`, which
    holds the defaults)."""

    title = "Temperature of dot-product attention on the circle"
    note = "move τ or press Play"

    def __init__(self, *, temperatures: Sequence[float], temperature: float,
                 n: int, seed: int, query_deg: float, max_n: int):
        stops = v.check_increasing(temperatures, "temperatures", positive=True)
        tau = _check_start(temperature, "temperature", width=False)
        n = v.check_positive_int(n, "n")
        seed = v.check_seed(seed)
        max_n = v.check_positive_int(max_n, "max_n", minimum=2)
        query_deg = v.check_number(query_deg, "query_deg")
        figure = TemperatureFigure(_circle(n, seed))
        slider = _sigma_slider(stops, tau, "τ = σ²", "temperature τ = σ²")
        frames = [[_frame(figure, figure.draw(t, query_deg, palette=True)) for t in stops]]
        style = {"description_width": "initial"}
        live = {
            "query_deg": w.FloatSlider(value=query_deg, min=0, max=360, step=1,
                                       description="query angle (°)", style=style),
            "n": w.IntSlider(value=n, min=2, max=max(max_n, n), description="keys n",
                             continuous_update=False, style=style),
            "seed": w.BoundedIntText(value=seed, min=0, max=2 ** 31 - 1, description="seed",
                                     layout=w.Layout(width="150px"), style=style),
        }
        state = {"key": (n, seed)}

        def render(p):
            if (p["n"], p["seed"]) != state["key"]:
                figure.circle = _circle(p["n"], p["seed"])
                state["key"] = (p["n"], p["seed"])
            return figure.draw(p["tau"], p["query_deg"], palette=False)

        self._build(figure, frames, slider, "tau", live, render)


def temperature_explorer(*, temperatures: Sequence[float] = SIGMA_STOPS, temperature: float = 0.1,
                         n: int = 40, seed: int = 0, query_deg: float = 90.0,
                         max_n: int = 2000) -> TemperatureExplorer:
    """Dot-product attention on the unit circle: the temperature τ = σ² sets how many keys count.

    On the sphere ``‖q − k_i‖² = 2 − 2 qᵀk_i``, so the Gaussian Nadaraya–Watson weights are

    .. math::  \\alpha_i(q) = \\mathrm{softmax}_i\\bigl(q^\\top k_i / \\sigma^2\\bigr),

    dot-product attention with temperature ``τ = σ²``. The bottom panel draws both (bars: softmax
    of the dot products; circles: :func:`nwlib.nadaraya_watson` weights with σ = √τ) and prints
    their largest difference; the top panel sizes and colours the keys by weight. Small τ: one key
    takes all the weight (hard attention); large τ: every key counts alike (the mean). On the
    website the τ slider and the Play button switch between precomputed frames; in Jupyter the
    query angle, the number of keys and the seed become live controls too.

    Parameters
    ----------
    temperatures : sequence of float, default :data:`SIGMA_STOPS`
        The stops of the τ slider, increasing; one precomputed frame each.
    temperature : float, default 0.1
        The starting temperature (the nearest stop).
    n : int, default 40
        Number of keys, at uniformly random angles.
    seed : int, default 0
        Seed of the key angles.
    query_deg : float, default 90
        The query's angle in degrees.
    max_n : int, default 2000
        The largest number of keys of the live slider.

    Returns
    -------
    TemperatureExplorer
        Displays itself in a notebook; ``.widget`` is the ipywidgets root.

    References
    ----------
    Vaswani et al. (2017), *Attention is all you need*, eq. (1); *Dive into Deep Learning*, §11.2,
    exercise 3.
    """
    return TemperatureExplorer(temperatures=temperatures, temperature=temperature, n=n, seed=seed,
                               query_deg=query_deg, max_n=max_n)
