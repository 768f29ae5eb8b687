"""Adaptive widths: attend to the k nearest keys.

One width for all queries is a compromise where the inputs are uneven: narrow enough for the dense
region is too narrow for the sparse one. The *balloon* (k-nearest-neighbour) width gives every
query its own,

.. math::

    \\sigma(q) = \\lVert q - x_{(k)}(q) \\rVert, \\qquad
    \\hat f(q) = \\frac{\\sum_i k(\\lVert q - x_i\\rVert / \\sigma(q))\\, y_i}
                      {\\sum_j k(\\lVert q - x_j\\rVert / \\sigma(q))},

the distance from ``q`` to its k-th nearest key: wide where keys are sparse, narrow where they are
dense. With the boxcar kernel the estimate is the mean of the k nearest values, the continuous
cousin of top-k attention. :func:`nwlib.nadaraya_watson` and :func:`nwlib.local_linear` take such
widths as ``sigma`` of shape (m, 1); :func:`knn_widths` computes them and :func:`loo_knn` chooses
``k`` by leave-one-out cross-validation.

References
----------
Loftsgaarden, D. O. & Quesenberry, C. P. (1965). A nonparametric estimate of a multivariate
density function. *Ann. Math. Statist.* 36(3), 1049–1051.
Terrell, G. R. & Scott, D. W. (1992). Variable kernel density estimation. *Ann. Statist.* 20(3),
1236–1265 (balloon and sample-point estimators).
Abramson, I. S. (1982). On bandwidth variation in kernel estimates: a square root law. *Ann.
Statist.* 10(4), 1217–1223.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import torch

from . import _engine
from . import _validate as v
from .device import default_device
from .kernels import get_kernel

__all__ = ["knn_widths", "loo_knn", "KnnLOOResult"]

# Widths are this many roundings wider than the k-th distance (see _kth_distances).
_WIDEN = 8


def _whole(k, name: str) -> int:
    """``k`` as an int: Python, numpy and 0-d tensor integers (what ``np.arange`` yields) alike."""
    if isinstance(k, torch.Tensor) and k.ndim == 0 and not k.is_floating_point() and not k.is_complex():
        k = k.item()
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral):
        raise TypeError(f"{name} must hold whole numbers of neighbours, got {k!r}" if name == "ks"
                        else f"{name} must be a whole number of neighbours, got {k!r}")
    return int(k)


def _kth_distances(q: torch.Tensor, x: torch.Tensor, k: int, leave_out_self: bool) -> torch.Tensor:
    """Distance (m, 1) from each query to its k-th nearest key, in blocks of queries."""
    m, n = q.shape[0], x.shape[0]
    out = torch.empty(m, 1, dtype=q.dtype, device=q.device)
    rows = max(1, _engine.block_elements(q.device) // max(n, 1))
    for start in range(0, m, rows):
        stop = min(m, start + rows)
        d2 = _engine.squared_distances(q[start:stop], x)
        if leave_out_self:  # query a is key a
            d2.view(-1)[start::n + 1].fill_(float("inf"))
        out[start:stop, 0] = d2.kthvalue(k, dim=1).values
    # A few roundings wider, so that a compact kernel's window (u ≤ 1, u computed as d²·(1/σ²))
    # still holds the k-th key; a width of 0 (k keys at the query) acts as the smallest normal one.
    info = torch.finfo(q.dtype)
    return out.sqrt_().mul_(1 + _WIDEN * info.eps).clamp_(min=info.tiny)


def knn_widths(x_train, x_query=None, k: int = 10, *, device=None) -> torch.Tensor:
    """One width per query: the distance from the query to its k-th nearest key.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
        The keys.
    x_query : array_like, shape (m,) or (m, d), optional
        The queries. Without it, the queries are the keys themselves and each leaves itself out
        (its k-th nearest *other* key): the widths of leave-one-out cross-validation.
    k : int, default 10
        Which neighbour: 1 ≤ k ≤ n (≤ n − 1 without ``x_query``).
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (m, 1)
        Widths to pass as ``sigma`` to :func:`nwlib.nadaraya_watson` or :func:`nwlib.local_linear`.
        Each is wider than the k-th distance by 8 roundings (a relative 8·eps), so that a compact
        kernel's window, ``u ≤ 1``, holds the k-th key whatever the rounding of ``u``. A width
        of 0 (k keys at the query's own position) is returned as the dtype's smallest normal
        number, which weights only the nearest keys.

    Examples
    --------
    >>> from nwlib import nadaraya_watson
    >>> from nwlib.adaptive import knn_widths
    >>> x = [0.0, 1.0, 2.0, 10.0]
    >>> widths = knn_widths(x, [0.5, 9.0], k=2)  # the 2nd nearest key: 0 or 1, and 2
    >>> widths.round(decimals=6)
    tensor([[0.5000],
            [7.0000]], dtype=torch.float64)
    >>> nadaraya_watson(x, [1.0, 2.0, 3.0, 4.0], [0.5, 9.0], "boxcar", widths, return_weights=False)
    tensor([1.5000, 3.5000], dtype=torch.float64)
    >>> knn_widths(x, k=1).flatten().round(decimals=6)  # each point's nearest other point
    tensor([1., 1., 1., 8.], dtype=torch.float64)
    """
    device = default_device(device)
    if x_query is None:
        x = v.read_data(device=device, points=("x_train", x_train), purpose="a width").x
        q, leave_out = x, True
    else:
        data = v.read_data(device=device, points=("x_train", x_train),
                           queries=("x_query", x_query), purpose="a width")
        x, q, leave_out = data.x, data.q, False
    n = x.shape[0]
    top = n - 1 if leave_out else n
    k = _whole(k, "k")
    if not 1 <= k <= top:
        raise ValueError(f"k={k} is out of range: with {n} keys it must be between 1 and {top}"
                         + (" (each point leaves itself out)" if leave_out else ""))
    with torch.no_grad():  # small operations: one thread (nwlib._engine's threading policy)
        return _engine.single_threaded(_kth_distances, q, x, k, leave_out)


@dataclass(frozen=True)
class KnnLOOResult:
    """Leave-one-out scores of the k-nearest-key width over a grid of k (:func:`loo_knn`).

    Attributes
    ----------
    ks : tuple of int
    scores : torch.Tensor, shape (len(ks),)
        ``CV(k) = (1/n) Σ_i ‖y_i − f̂_{−i}(x_i)‖²``, each ``f̂_{−i}`` with the width
        ``σ_{−i}(x_i)``, the distance to the k-th nearest other point.
    best_k : int
        The k of the smallest score.
    best_score : float
    """

    ks: tuple
    scores: torch.Tensor
    best_k: int
    best_score: float


def loo_knn(x_train, y_train, ks, kernel="gaussian", *, device=None) -> KnnLOOResult:
    """Choose the number of neighbours ``k`` of the adaptive width by leave-one-out.

    .. math::

        CV(k) = \\frac1n \\sum_i \\lVert y_i - \\hat f_{-i}(x_i)\\rVert^2, \\qquad
        \\hat f_{-i}(x_i) = \\frac{\\sum_{j \\ne i} k(\\lVert x_i - x_j\\rVert / \\sigma_i)\\, y_j}
                               {\\sum_{j \\ne i} k(\\lVert x_i - x_j\\rVert / \\sigma_i)},

    with ``σ_i`` the distance from ``x_i`` to its k-th nearest other point
    (:func:`knn_widths` without queries). Each k is one blocked kernel sum with a width per query.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    y_train : array_like, shape (n,) or (n, k)
    ks : sequence of int
        Numbers of neighbours to score, each between 1 and n − 1.
    kernel : str or callable, default "gaussian"
    device : str or torch.device, optional

    Returns
    -------
    KnnLOOResult

    References
    ----------
    Härdle, W. (1990). *Applied Nonparametric Regression*, §3.2 and §5.1 (k-NN estimates; cross-
    validation).

    Examples
    --------
    >>> import torch
    >>> from nwlib.adaptive import loo_knn
    >>> from nwlib.data import make_data
    >>> data = make_data(n=40, seed=0, dtype=torch.float64)
    >>> result = loo_knn(data.x_train, data.y_train, [2, 5, 10, 20])
    >>> result.scores
    tensor([0.9799, 0.7339, 0.7497, 0.7928], dtype=torch.float64)
    >>> result.best_k
    5
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       purpose="leave-one-out")
    x, y, dtype = data.x, data.y, data.dtype
    v.check_squared_errors(y, "y_train", "leave-one-out cross-validation")
    n = x.shape[0]
    if n < 2:
        raise ValueError(f"x_train has {n} point; leave-one-out needs at least 2 training points")
    if isinstance(ks, (str, bytes)) or not hasattr(ks, "__iter__") or getattr(ks, "ndim", 1) == 0:
        raise TypeError(f"ks must be a list of whole numbers of neighbours, got {ks!r}")
    ks = tuple(_whole(k, "ks") for k in ks)
    if not ks:
        raise ValueError("ks is empty: pass at least one number of neighbours")
    for k in ks:
        if not 1 <= k <= n - 1:
            raise ValueError(f"each k in ks must be between 1 and n − 1 = {n - 1}, got {k}")
    rows = torch.arange(n, device=device)
    scores = torch.empty(len(ks), dtype=dtype)

    def run():  # many small operations: one thread (nwlib._engine's threading policy)
        with torch.no_grad():
            for j, k in enumerate(ks):
                _engine.raise_if_stopped()
                widths = _kth_distances(x, x, k, True)
                est = _engine.kernel_sums(x, x, y, kern, sigma=widths, exclude=rows).estimates()[0]
                scores[j] = ((est - y) ** 2).sum(dim=1).mean()  # NaN (no other key) stays NaN

    _engine.single_threaded(run)
    scores = torch.nan_to_num(scores, nan=float("inf"))
    best = int(torch.argmin(scores))
    return KnnLOOResult(ks, scores, ks[best], float(scores[best]))
