"""Local-linear regression: attention that fits a line instead of a constant.

Nadaraya–Watson is the constant ``c`` that minimises ``Σ_i κ_i(q) (y_i − c)²`` with kernel weights
``κ_i(q) = k(‖q − x_i‖/σ)``. Fitting a line ``c + bᵀ(x − q)`` instead gives local-linear
regression, whose estimate is the intercept ``ĉ``. With the attention weights ``α_i = κ_i / Σ_j κ_j``,
the weighted means ``x̄ = Σ α_i x_i``, ``ȳ = Σ α_i y_i`` and the weighted covariance
``C = Σ α_i (x_i − x̄)(x_i − x̄)ᵀ``,

.. math::

    \\hat f(q) = \\bar y + (q - \\bar x)^\\top C^{-1} \\sum_i \\alpha_i (x_i - \\bar x)\\, y_i
              = \\sum_i w_i(q)\\, y_i, \\qquad
    w_i(q) = \\alpha_i(q) \\bigl[1 + (q - \\bar x)^\\top C^{-1} (x_i - \\bar x)\\bigr].

The equivalent weights ``w_i`` sum to 1 and reproduce every linear function exactly; near the
boundary of the data (``q`` far from ``x̄``) some of them are negative.

References
----------
Fan, J. (1992). Design-adaptive nonparametric regression. *JASA* 87(420), 998–1004.
Fan, J. & Gijbels, I. (1996). *Local Polynomial Modelling and Its Applications*. Chapman & Hall.
"""
from __future__ import annotations

import warnings

import torch

from . import _engine
from . import _validate as v
from ._memory import check_weight_memory
from .device import default_device
from .kernels import get_kernel

__all__ = ["local_linear"]

# A window's covariance counts as singular (too few points to fit a line) below this many
# roundings of the second moments it is computed from.
_SINGULAR_ROUNDINGS = 2 ** 10


def moment_values(x: torch.Tensor, y: torch.Tensor, centre: torch.Tensor) -> torch.Tensor:
    """The values whose kernel sums are local-linear's moments: ``[u, u uᵀ, y, u yᵀ]``, ``u = x − c``.

    Shape (n, d + d² + k + d·k); the kernel sum of 1 (the denominator) comes with every sum.
    """
    n, d = x.shape
    u = x - centre
    return torch.cat([u, (u[:, :, None] * u[:, None, :]).reshape(n, d * d), y,
                      (u[:, :, None] * y[:, None, :]).reshape(n, -1)], dim=1)


def fit_from_sums(num: torch.Tensor, den: torch.Tensor, q: torch.Tensor, centre: torch.Tensor,
                  k: int):
    """Local-linear estimates from the kernel sums of :func:`moment_values`.

    ``num`` (..., m, d + d² + k + dk) and ``den`` (..., m) may carry leading width dimensions.
    Returns ``(estimates (..., m, k), g (..., m, d), mean_u (..., m, d), singular (..., m))``, where
    the equivalent weights are ``α_i [1 + gᵀ(u_i − ū)]``; singular rows (empty windows included)
    are NaN.
    """
    d = q.shape[1]
    mean = num / den[..., None]
    mu = mean[..., :d]                                   # ū = x̄ − c
    m2 = mean[..., d:d + d * d].unflatten(-1, (d, d))    # Σα u uᵀ
    ybar = mean[..., d + d * d:d + d * d + k]
    uy = mean[..., d + d * d + k:].unflatten(-1, (d, k))  # Σα u yᵀ
    cov = m2 - mu[..., :, None] * mu[..., None, :]
    cov_uy = uy - mu[..., :, None] * ybar[..., None, :]
    scale = m2.diagonal(dim1=-2, dim2=-1).sum(-1)  # what the covariance's rounding is relative to
    tol = _SINGULAR_ROUNDINGS * torch.finfo(q.dtype).eps * scale
    smallest = torch.linalg.eigvalsh(cov)[..., 0] if d > 1 else cov[..., 0, 0]
    singular = ~(smallest > tol)  # NaN (empty window) counts as singular
    eye = torch.eye(d, dtype=q.dtype, device=q.device)
    safe = torch.where(singular[..., None, None], eye, cov)
    offset = q - centre - mu                             # q − x̄
    g = torch.linalg.solve(safe, offset.unsqueeze(-1))[..., 0]
    est = ybar + (g[..., :, None] * cov_uy).sum(-2)
    est = est.masked_fill(singular[..., None], float("nan"))
    return est, g, mu, singular


def _warn_singular(count: int, m: int, d: int, sigma_text) -> None:
    warnings.warn(f"{count} of {m} queries have too few training points inside the kernel's window "
                  f"(sigma={sigma_text}) to fit a line (at least {d + 1} not on one "
                  f"{'point' if d == 1 else 'hyperplane'}); their estimates are NaN. Use a wider "
                  "sigma.", RuntimeWarning, stacklevel=3)


def local_linear(x_train, y_train, x_query, kernel="gaussian", sigma=1.0, *,
                 return_weights: bool = True, block_size: int | None = None, device=None):
    """Local-linear regression of ``y_train`` at ``x_query``: a kernel-weighted line fit per query.

    .. math::

        (\\hat c, \\hat b) = \\arg\\min_{c,\\, b} \\sum_i k(\\lVert q - x_i\\rVert/\\sigma)
        \\bigl(y_i - c - b^\\top (x_i - q)\\bigr)^2, \\qquad \\hat f(q) = \\hat c
        = \\sum_i w_i(q)\\, y_i .

    The weights ``w_i(q)`` sum to 1 but, unlike Nadaraya–Watson's, may be negative (near the
    boundary of the data). The estimate reproduces linear functions exactly, and its bias is of
    order σ² at the boundary as in the interior, where Nadaraya–Watson's is of order σ there.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
        Training inputs (the keys).
    y_train : array_like, shape (n,) or (n, k)
        Training values; each column is fitted separately (with the same weights).
    x_query : array_like, shape (m,) or (m, d)
        Query points.
    kernel : str or callable, default "gaussian"
        A name from :func:`nwlib.kernel_names` or a callable ``k(u)`` of the scaled distance.
    sigma : float or array_like of shape (d,) or (m, 1), default 1.0
        The width, as in :func:`nwlib.nadaraya_watson`: one, one per coordinate, or one per
        query (shape (m, 1); see :func:`nwlib.adaptive.knn_widths`).
    return_weights : bool, default True
        Also return the (m, n) equivalent weights ``w_i(q)``. With ``False`` the weights are never
        stored: the moments are kernel sums computed in blocks of queries (memory
        O(block_size × n)), on the CPU or a GPU.
    block_size : int, optional
        Queries per block (see :func:`nwlib.nadaraya_watson`).
    device : str or torch.device, optional
        Where to compute; see :func:`nwlib.default_device`.

    Returns
    -------
    y_hat : torch.Tensor, shape (m,) or (m, k)
        The estimates; NaN, with one ``RuntimeWarning``, at queries whose window holds too few
        points to fit a line (fewer than d + 1 not on one hyperplane; an empty window included).
    weights : torch.Tensor, shape (m, n)
        The equivalent weights, each row summing to 1; only when ``return_weights`` is True.

    Notes
    -----
    The moments are kernel sums of ``[1, u, u uᵀ, y, u yᵀ]`` with ``u = x − c`` about the mean
    ``c`` of ``x_train``, moved to each query afterwards; that loses about
    ``2 log10(spread / σ)`` digits, harmless in float64 and worth noting in float32 for widths far
    below the spread of the data.

    References
    ----------
    Fan (1992); Fan & Gijbels (1996), §2.3 and §3.2 (equivalent kernels, boundary behaviour).

    Examples
    --------
    >>> from nwlib import local_linear
    >>> x = [0.0, 1.0, 2.0, 3.0]
    >>> y_hat, w = local_linear(x, [1.0, 3.0, 5.0, 7.0], [0.0, 1.5], sigma=0.8)  # y = 1 + 2x
    >>> y_hat
    tensor([1.0000, 4.0000], dtype=torch.float64)
    >>> w.sum(dim=1)
    tensor([1.0000, 1.0000], dtype=torch.float64)
    >>> bool((w[0] < 0).any())  # at the edge some weights are negative
    True
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       queries=("x_query", x_query), sigma=("sigma", sigma),
                       purpose="local-linear regression", per_query=True)
    x, y, q, sig, y_1d = data.x, data.y, data.q, data.sigma, data.y_1d
    return_weights = v.check_bool(return_weights, "return_weights")
    if block_size is not None:
        block_size = v.check_positive_int(block_size, "block_size")
    n, m, d, k = x.shape[0], q.shape[0], x.shape[1], y.shape[1]
    check_weight_memory(m, n, x.dtype, return_weights, device=x.device)
    with torch.no_grad():
        centre = x.mean(dim=0)
        sums = _engine.kernel_sums(q, x, moment_values(x, y, centre), kern, sigma=sig,
                                   keep_weights=return_weights, block_size=block_size)
        est, g, mu, singular = fit_from_sums(sums.value_sums()[0], sums.den[0], q, centre, k)
        count = int(singular.sum())
        if count:
            _warn_singular(count, m, d, "one per query" if sig.ndim == 2
                           else sig.tolist() if sig.ndim else float(sig))
        weights = None
        if return_weights:
            alpha = sums.weights
            # w_i = α_i [1 + gᵀ(u_i − ū)]; a singular row is NaN
            lever = (x - centre) @ g.t() - (g * mu).sum(dim=1)  # (n, m)
            weights = alpha * (1 + lever.t())
            weights[singular] = float("nan")
    if y_1d:
        est = est[:, 0]
    return (est, weights) if return_weights else est


def estimates_over_widths(x: torch.Tensor, y: torch.Tensor, q: torch.Tensor, sigmas: torch.Tensor,
                          kern, max_elements: int) -> torch.Tensor:
    """Local-linear estimates (S, m) of a 1-D ``y`` at queries ``q`` for every width of ``sigmas``.

    One set of squared distances serves every width (the engine's grid); windows too small to fit
    a line give NaN, silently (the rate experiment skips such widths).
    """
    rows = max(1, max_elements // (2 * max(x.shape[0], 1)))  # two (rows, n) buffers
    centre = x.mean(dim=0)
    sums = _engine.kernel_sums(q, x, moment_values(x, y[:, None], centre), kern, grid=sigmas,
                               block_size=rows)
    est, _, _, _ = fit_from_sums(sums.value_sums(), sums.den, q, centre, 1)
    return est[..., 0]
