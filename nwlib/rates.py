"""The theory's rates of convergence of Nadaraya–Watson regression, and log–log fits of them.

With the oracle width ``h* ∝ n^(−1/(d+4))`` the mean squared error at an interior point falls
as ``n^(−4/(d+4))`` (Stone 1982); at a boundary point, where the bias is of order ``h``, as
``n^(−2/(d+2))`` (Fan & Gijbels 1996). :mod:`nwlib.consistency` measures these slopes.

References
----------
Stone, C. J. (1982). Optimal global rates of convergence for nonparametric regression.
*Ann. Statist.* 10(4), 1040–1053.
Fan, J. & Gijbels, I. (1996). *Local Polynomial Modelling and Its Applications*, §3.2.
"""
from __future__ import annotations

import numpy as np
import torch

from . import _validate as v

__all__ = ["theory_slopes", "boundary_slopes", "loglog_slope"]


def theory_slopes(d: int) -> tuple[float, float]:
    """Interior log–log slopes in n: ``(−1/(d+4), −4/(d+4))`` for the width and the MSE.

    References
    ----------
    Stone (1982): ``n^(−4/(d+4))`` is the minimax rate for twice-differentiable targets.

    Examples
    --------
    >>> from nwlib.rates import theory_slopes
    >>> theory_slopes(1)
    (-0.2, -0.8)
    """
    d = v.check_positive_int(d, "d")
    return -1.0 / (d + 4), -4.0 / (d + 4)


def boundary_slopes(d: int) -> tuple[float, float]:
    """Slopes at a boundary point, where the bias is of order h: ``(−1/(d+2), −2/(d+2))``.

    References
    ----------
    Fan & Gijbels (1996), §3.2.5: the local-constant fit has O(h) bias at the boundary.

    Examples
    --------
    >>> from nwlib.rates import boundary_slopes
    >>> boundary_slopes(2)
    (-0.25, -0.5)
    """
    d = v.check_positive_int(d, "d")
    return -1.0 / (d + 2), -2.0 / (d + 2)


def loglog_slope(x, y) -> tuple[float, float]:
    """Least-squares fit ``log y = a + b log x``; returns ``(b, a)``.

    Parameters
    ----------
    x, y : array_like of positive numbers, same length ≥ 2

    Returns
    -------
    (slope, intercept) : (float, float)

    Examples
    --------
    >>> from nwlib.rates import loglog_slope
    >>> slope, intercept = loglog_slope([10, 100, 1000], [1.0, 0.1, 0.01])
    >>> round(slope, 12), round(intercept, 6)
    (-1.0, 2.302585)
    """
    xs, ys = (v.raw_tensor(t, name).detach().cpu().to(torch.float64).reshape(-1).numpy()
              for name, t in (("x", x), ("y", y)))
    if xs.shape != ys.shape or xs.size < 2:
        raise ValueError(f"x and y must have the same length, at least 2; got {xs.size} and {ys.size}")
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys)) and np.all(xs > 0) and np.all(ys > 0)):
        raise ValueError("x and y must be positive and finite to take logarithms")
    if np.ptp(xs) == 0:
        raise ValueError("x must take at least two distinct values to fit a slope")
    slope, intercept = np.polyfit(np.log(xs), np.log(ys), 1)
    return float(slope), float(intercept)
