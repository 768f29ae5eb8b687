"""Choosing the kernel width σ: rules of thumb and leave-one-out cross-validation."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from . import _validate as v
from .device import default_device
from .kernels import get_kernel
from .regression import (CPU_BLOCK_ELEMENTS, CUDA_BLOCK_ELEMENTS, _exp_floor, _run_blocks,
                         squared_distances)

__all__ = ["scott", "silverman", "loo_cv", "LOOResult"]


def _spread(x_train, name="x_train"):
    x = v.as_points(v.raw_tensor(x_train, name), name).to(torch.float64)
    v.check_finite(x, name)
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"{name} needs at least 2 points to estimate a spread, got {n}")
    std = x.std(dim=0, unbiased=True)
    if not bool((std > 0).all()):
        raise ValueError(f"{name} has a coordinate with zero spread (all values equal); a rule of "
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
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    x, y, _, dtype, _ = v.training_set(x_train, y_train, device=device)
    if x.shape[0] < 2:
        raise ValueError(f"x_train has {x.shape[0]} point; leave-one-out needs at least 2 training "
                         "points (each is predicted from the others)")
    grid = v.raw_tensor(sigmas, "sigmas")
    grid = grid.reshape(1) if grid.ndim == 0 else grid  # one width is a grid of one
    if grid.ndim != 1 or grid.numel() == 0:
        raise ValueError(f"sigmas must be a non-empty 1-D list of widths (e.g. "
                         f"torch.logspace(-1.5, 0.5, 30)), got shape {tuple(grid.shape)}")
    grid = grid.to(device=device, dtype=dtype)
    bad = ~torch.isfinite(grid) | (grid <= 0)
    if bool(bad.any()):
        raise ValueError(f"sigmas must all be positive finite widths; got {int(bad.sum())} that "
                         f"are not: {v._short(grid[bad].tolist())}")
    grid, _ = torch.sort(grid)
    with torch.no_grad():
        scores = _loo_scores(x.detach(), y.detach(), grid, kern)
    best = int(torch.argmin(scores))
    return LOOResult(grid, scores, float(grid[best]), float(scores[best]))


def _loo_scores(x, y, grid, kern):
    """``CV(σ)`` for every σ of ``grid``, in blocks of training points (rows).

    Each block's squared distances are computed once and stay in the cache while every σ is
    scored; for the Gaussian they are shifted by each row's nearest other point (the softmax
    trick) and the logits clamped above the subnormal range, as in :func:`nadaraya_watson`.
    Each block's squared errors go to their own row and are added in a fixed order at the end,
    so the scores do not depend on how blocks were shared out to threads. A window with no other
    point gives 0/0 = NaN, hence a NaN sum, reported as an infinite score.
    """
    n, k, device, dtype = x.shape[0], y.shape[1], x.device, x.dtype
    budget = CUDA_BLOCK_ELEMENTS if device.type == "cuda" else CPU_BLOCK_ELEMENTS
    rows = max(1, min(n, budget // (2 * n)))  # two (rows, n) buffers share the budget
    starts = range(0, n, rows)
    largest = torch.finfo(dtype).max
    scales = [min(1.0 / (s * s), largest) for s in grid.tolist()]
    if kern.log_slope is not None:
        scales = [-kern.log_slope * c for c in scales]
    floor = _exp_floor(dtype)
    sq_err = torch.empty(len(starts), len(scales), dtype=dtype, device=device)

    def work(start, stop, buffers):
        b = stop - start
        d2, w = buffers["d2"][:b], buffers["w"][:b]
        num, den = buffers["num"][:, :b], buffers["den"][:, :b]
        self_d2 = d2.view(-1)[start::n + 1]  # the pairs (i, i) of the block's rows
        self_w = w.view(-1)[start::n + 1]
        squared_distances(x[start:stop], x, out=d2)
        self_d2.fill_(float("inf"))
        if kern.log_slope is not None:
            d2.sub_(d2.amin(dim=1, keepdim=True))  # the diagonal stays inf
        for g, c in enumerate(scales):
            if kern.log_slope is not None:
                torch.mul(d2, c, out=w)
                w.clamp_(min=floor).exp_()
            else:
                w.copy_(kern.profile_sq(d2 * c))
            self_w.fill_(0.0)  # leave the point itself out
            if k == 1:
                torch.mv(w, y[:, 0], out=num[g, :, 0])
            else:
                torch.mm(w, y, out=num[g])
            torch.sum(w, dim=1, out=den[g])
        residual = y[start:stop] - num / den[:, :, None]
        sq_err[start // rows] = residual.square_().sum(dim=(1, 2))

    def new_buffers():
        return {"d2": torch.empty(rows, n, dtype=dtype, device=device),
                "w": torch.empty(rows, n, dtype=dtype, device=device),
                "num": torch.empty(len(scales), rows, k, dtype=dtype, device=device),
                "den": torch.empty(len(scales), rows, dtype=dtype, device=device)}

    workers = torch.get_num_threads() if device.type == "cpu" else 1
    _run_blocks(work, new_buffers, n, rows, workers, cpu=device.type == "cpu")
    scores = sq_err.sum(dim=0) / n
    return scores.nan_to_num_(nan=float("inf"))
