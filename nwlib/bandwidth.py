"""Choosing the kernel width σ: rules of thumb and leave-one-out cross-validation."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from . import _engine
from . import _validate as v
from .device import default_device
from .kernels import get_kernel

__all__ = ["scott", "silverman", "loo_cv", "LOOResult"]


def _spread(x_train):
    """The points as float64 (n, d) and each coordinate's sample standard deviation."""
    # any finite coordinates: the spread is computed on data scaled by its largest magnitude
    x = v.read_data(device=None, points=("x_train", x_train), dtype=torch.float64,
                    purpose="a rule of thumb", magnitude=False).x
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"x_train needs at least 2 points to estimate a spread, got {n}")
    # a power of two near the largest magnitude: dividing by it is exact
    scale = torch.exp2((torch.frexp(x.abs().amax(dim=0)).exponent - 1).to(x.dtype))
    std = (x / scale).std(dim=0, unbiased=True) * scale
    if not bool(torch.isfinite(std).all()):
        raise ValueError("x_train spreads beyond the largest float64 (a standard deviation above "
                         "1.8e308); rescale the data")
    if not bool((std > 0).all()):
        raise ValueError("x_train has a coordinate with zero spread (all values equal); a rule of "
                         "thumb cannot scale a width from it")
    return x, std


def scott(x_train) -> torch.Tensor:
    """Scott's rule of thumb, one width per coordinate: ``σ_j = s_j · n^(−1/(d+4))``.

    ``s_j`` is the sample standard deviation of coordinate ``j``. Optimal for Gaussian data and a
    Gaussian kernel; it oversmooths anything with more structure. Same factor as
    ``scipy.stats.gaussian_kde(bw_method="scott")``.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)

    Returns
    -------
    torch.Tensor, shape (d,), float64

    References
    ----------
    Scott, D. W. (1992). *Multivariate Density Estimation*. Wiley.

    Examples
    --------
    >>> import torch
    >>> from nwlib.bandwidth import scott
    >>> from nwlib.data import make_data
    >>> scott(make_data(n=40, seed=0, dtype=torch.float64).x_train)
    tensor([0.5684], dtype=torch.float64)
    """
    x, std = _spread(x_train)
    n, d = x.shape
    return std * n ** (-1.0 / (d + 4))


def silverman(x_train) -> torch.Tensor:
    """Silverman's rule of thumb: ``σ_j = s_j · (n (d + 2) / 4)^(−1/(d+4))``.

    For ``d = 1`` this is ``1.06 · s · n^(−1/5)``. Same factor as
    ``scipy.stats.gaussian_kde(bw_method="silverman")``.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)

    Returns
    -------
    torch.Tensor, shape (d,), float64

    References
    ----------
    Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*, eq. (3.28).

    Examples
    --------
    >>> import torch
    >>> from nwlib.bandwidth import silverman
    >>> from nwlib.data import make_data
    >>> silverman(make_data(n=40, seed=0, dtype=torch.float64).x_train)
    tensor([0.6020], dtype=torch.float64)
    """
    x, std = _spread(x_train)
    n, d = x.shape
    return std * (n * (d + 2) / 4.0) ** (-1.0 / (d + 4))


@dataclass(frozen=True)
class LOOResult:
    """Leave-one-out scores over a grid of widths.

    Attributes
    ----------
    sigmas : torch.Tensor, shape (s,)
        The widths tried (sorted ascending).
    scores : torch.Tensor, shape (s,)
        ``CV(σ) = (1/n) Σ_i ‖y_i − f̂_{−i}(x_i)‖²``; ``inf`` where some point has no other point in
        its window (compact kernels).
    best_sigma : float
        The width of the smallest score.
    best_score : float
    """

    sigmas: torch.Tensor
    scores: torch.Tensor
    best_sigma: float
    best_score: float


def loo_cv(x_train, y_train, sigmas, kernel="gaussian", *, device=None) -> LOOResult:
    """Leave-one-out cross-validation of the width over a grid.

    .. math::

        CV(\\sigma) = \\frac1n \\sum_i \\lVert y_i - \\hat f_{-i}(x_i)\\rVert^2, \\qquad
        \\hat f_{-i}(x_i) = \\frac{\\sum_{j \\ne i} k(\\lVert x_i - x_j\\rVert/\\sigma)\\, y_j}
                               {\\sum_{j \\ne i} k(\\lVert x_i - x_j\\rVert/\\sigma)}

    The squared distances are computed once and reused for every σ; the point itself is removed
    by zeroing the diagonal of the kernel matrix. This is the objective of statsmodels'
    ``KernelReg(reg_type="lc", bw="cv_ls")``, evaluated on a grid instead of by an optimiser.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    y_train : array_like, shape (n,) or (n, k)
    sigmas : array_like of positive floats
        The widths to score.
    kernel : str or callable, default "gaussian"
    device : str or torch.device, optional

    Returns
    -------
    LOOResult

    References
    ----------
    Härdle, W. (1990). *Applied Nonparametric Regression*, §5.1. Cambridge University Press.

    Examples
    --------
    >>> import torch
    >>> from nwlib.bandwidth import loo_cv
    >>> from nwlib.data import make_data
    >>> data = make_data(n=40, seed=0, dtype=torch.float64)
    >>> result = loo_cv(data.x_train, data.y_train, [0.1, 0.3, 1.0])
    >>> result.scores
    tensor([0.9766, 0.8144, 0.7658], dtype=torch.float64)
    >>> result.best_sigma
    1.0
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       purpose="leave-one-out cross-validation")
    x, y = data.x, data.y
    if x.shape[0] < 2:
        raise ValueError(f"x_train has {x.shape[0]} point; leave-one-out needs at least 2 training "
                         "points (each is predicted from the others)")
    v.check_squared_errors(y, "y_train", "leave-one-out cross-validation")
    grid = v.check_widths(sigmas, device=device, dtype=data.dtype)
    grid, _ = torch.sort(grid)
    with torch.no_grad():
        scores = _loo_scores(x.detach(), y.detach(), grid, kern)
    best = int(torch.argmin(scores))
    return LOOResult(grid, scores, float(grid[best]), float(scores[best]))


def _loo_scores(x, y, grid, kern):
    """``CV(σ)`` for every σ of ``grid``; ``inf`` where some window holds no other point.

    The residuals are summed in a fixed order after the blocked sums, so the scores do not
    depend on how blocks were shared out to threads.
    """
    n = x.shape[0]
    exclude = torch.arange(n, device=x.device)
    est = _engine.kernel_sums(x, x, y, kern, grid=grid, exclude=exclude).estimates()
    scores = (est - y).square_().sum(dim=(1, 2)) / n  # 0/0 = NaN in an empty window
    return scores.nan_to_num_(nan=float("inf"))
