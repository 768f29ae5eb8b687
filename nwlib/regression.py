"""Nadaraya–Watson regression: attention pooling with a fixed kernel.

The estimate at a query ``q`` is the attention-weighted mean of the training values,

.. math::

    \\hat f(q) = \\sum_i \\alpha_i(q)\\, y_i, \\qquad
    \\alpha_i(q) = \\frac{k(\\lVert q - x_i\\rVert / \\sigma)}{\\sum_j k(\\lVert q - x_j\\rVert / \\sigma)},

so the weights of one query are non-negative and sum to 1 (one row of an attention matrix).

References
----------
Nadaraya, E. A. (1964). On estimating regression. *Theory Probab. Appl.* 9(1), 141–142.
Watson, G. S. (1964). Smooth regression analysis. *Sankhyā A* 26(4), 359–372.
"""
from __future__ import annotations

import warnings

import torch

from . import _validate as v
from .device import default_device
from .kernels import Kernel, get_kernel

__all__ = ["nadaraya_watson", "attention_weights", "squared_distances", "EMPTY_POLICIES"]

EMPTY_POLICIES = ("nan", "nearest")
# Blocks of about 2^18 kernel values stay in the CPU's cache; the GPU wants far larger ones.
CPU_BLOCK_ELEMENTS = 2 ** 18
CUDA_BLOCK_ELEMENTS = 2 ** 24


def squared_distances(q: torch.Tensor, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Return ``D[a, i] = ‖q_a − x_i‖²`` for points ``q`` (m, d) and ``x`` (n, d).

    Coordinates are subtracted directly (not expanded as ``‖q‖² + ‖x‖² − 2qᵀx``), so the result is
    exact to rounding and invariant under translating ``q`` and ``x`` together. Memory is one (m, n)
    matrix, whatever ``d``.
    """
    m, d = q.shape
    n = x.shape[0]
    if out is None:
        out = torch.empty(m, n, dtype=q.dtype, device=q.device)
    torch.sub(q[:, :1], x[:, 0], out=out)
    out.square_()
    if d > 1:
        tmp = torch.empty_like(out)
        for j in range(1, d):
            torch.sub(q[:, j:j + 1], x[:, j], out=tmp)
            out.addcmul_(tmp, tmp)
    return out


def _inverse_sq_width(sigma: torch.Tensor, dtype: torch.dtype) -> float:
    # Clamped to the largest float of the dtype: then 0 · (1/σ²) stays 0 for an absurdly small σ.
    s = float(sigma)
    return min(1.0 / (s * s) if s > 0 else float("inf"), torch.finfo(dtype).max)


def _scale_coordinates(q, x, sigma):
    """Fold per-coordinate widths into the coordinates; return (q, x, scalar σ)."""
    if sigma.ndim == 0:
        return q, x, sigma
    smallest = sigma.min()
    ratio = smallest / sigma  # ≤ 1: scaling never overflows
    return q * ratio, x * ratio, smallest


def _kernel_block(d2: torch.Tensor, kern: Kernel, inv_sq_width: float, floor: float) -> torch.Tensor:
    """Unnormalised weights of a block of squared distances, computed in place where possible.

    For ``exp(−c·u²)`` kernels each row is shifted by its nearest point first (the softmax trick),
    so the largest weight of every row is exactly 1 and no row sums to 0. ``floor`` clamps the
    logits above the subnormal range, where ``exp`` is slow on CPUs and contributes nothing.
    """
    if kern.log_slope is not None:
        scale = kern.log_slope * inv_sq_width
        torch.add(d2.amin(dim=1, keepdim=True) * scale, d2, alpha=-scale, out=d2)
        d2.clamp_(min=floor)
        return d2.exp_()
    return kern.profile_sq(d2.mul_(inv_sq_width))


def _exp_floor(dtype: torch.dtype) -> float:
    # exp(floor) is a normal number, far below the rounding of a sum of terms that include 1.
    return -80.0 if dtype != torch.float64 else -700.0


def attention_weights(q: torch.Tensor, x: torch.Tensor, sigma: torch.Tensor, kern: Kernel, *,
                      exclude_self: bool = False) -> torch.Tensor:
    """Differentiable attention weights, shape (m, n), rows summing to 1 (NaN rows if empty).

    A pure tensor function (no validation): σ may require grad, as in width learning, and may be a
    scalar or one width per coordinate. ``exclude_self`` zeroes the diagonal (leave-one-out; it
    needs ``q`` to be ``x``).
    """
    u2 = (((q.unsqueeze(1) - x.unsqueeze(0)) / sigma) ** 2).sum(-1)
    if exclude_self:
        eye = torch.eye(u2.shape[0], u2.shape[1], dtype=torch.bool, device=u2.device)
    if kern.log_slope is not None:
        logits = -kern.log_slope * u2
        if exclude_self:
            logits = logits.masked_fill(eye, float("-inf"))
        return torch.softmax(logits, dim=1)
    w = kern.profile_sq(u2)
    if exclude_self:
        w = w.masked_fill(eye, 0.0)
    return w / w.sum(dim=1, keepdim=True)


def _fill_empty(est, weights, empty_rows, q, x, y, policy, name_sigma):
    """Apply the empty-window policy to rows whose weights are all zero."""
    count = int(empty_rows.sum())
    if count == 0:
        return
    if policy == "nearest":
        idx = squared_distances(q[empty_rows], x).argmin(dim=1)
        est[empty_rows] = y[idx]
        if weights is not None:
            rows = torch.zeros(count, x.shape[0], dtype=weights.dtype, device=weights.device)
            rows[torch.arange(count, device=rows.device), idx] = 1
            weights[empty_rows] = rows
    else:
        est[empty_rows] = float("nan")
        if weights is not None:
            weights[empty_rows] = float("nan")
        warnings.warn(f"{count} of {est.shape[0]} queries have no training point inside the kernel's "
                      f"window (sigma={name_sigma}); their estimates are NaN. Use a wider sigma, or "
                      "empty='nearest' to fall back to the nearest training point.",
                      RuntimeWarning, stacklevel=3)


def nadaraya_watson(x_train, y_train, x_query, kernel="gaussian", sigma=1.0, *,
                    return_weights: bool = True, empty: str = "nan",
                    block_size: int | None = None, device=None):
    """Nadaraya–Watson regression (attention pooling) of ``y_train`` at ``x_query``.

    .. math::

        \\hat f(q) = \\sum_i \\frac{k(\\lVert q - x_i\\rVert/\\sigma)}
                              {\\sum_j k(\\lVert q - x_j\\rVert/\\sigma)}\\, y_i

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
        Training inputs (the keys). A list, numpy array or tensor.
    y_train : array_like, shape (n,) or (n, k)
        Training values. With one-hot rows (k classes) the estimate is a vector of class
        probabilities (Nadaraya–Watson classification).
    x_query : array_like, shape (m,) or (m, d)
        Query points, in the same space as ``x_train``.
    kernel : str or callable, default "gaussian"
        A name from :func:`nwlib.kernel_names` or a callable ``k(u)`` of the scaled distance.
    sigma : float or array_like of shape (d,), default 1.0
        The width: one positive number, or one per coordinate (then ``u = ‖(q − x) / σ‖``).
    return_weights : bool, default True
        Return the (m, n) attention matrix too (the book's behaviour). With ``False`` only the
        estimates are returned and the weights are never stored: queries are processed in blocks,
        so memory is O(block_size × n) whatever m is.
    empty : {"nan", "nearest"}, default "nan"
        What a compact kernel (boxcar, triangular, epanechnikov) does at a query with no training
        point inside its window, where every weight is 0 and the ratio is 0/0. ``"nan"`` gives NaN
        there (weights too) and one ``RuntimeWarning`` that counts such queries; ``"nearest"``
        gives the value of the nearest training point (a one-hot weight row). The Gaussian is
        normalised in the log domain (a max-shifted softmax) and never has empty rows: as σ → 0 it
        tends to the nearest neighbour's value.
    block_size : int, optional
        Queries per block. By default about 2^18 kernel values per block on the CPU (cache sized)
        and 2^24 on a GPU.
    device : str or torch.device, optional
        Where to compute; see :func:`nwlib.default_device`. Results are returned on it.

    Returns
    -------
    y_hat : torch.Tensor, shape (m,) or (m, k)
        The estimates; ``(m,)`` when ``y_train`` is 1-D.
    weights : torch.Tensor, shape (m, n)
        The attention weights, each row summing to 1; only when ``return_weights`` is True.

    Notes
    -----
    The dtype is the widest floating dtype of the inputs (float64 if any is float64), else
    float32. Every input is moved to the computing device.

    References
    ----------
    Nadaraya (1964); Watson (1964); *Dive into Deep Learning*, §11.2, eq. (11.2.2).
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    x, y, y_1d, dtype, _ = v.training_set(x_train, y_train, device=device)
    q, _ = v.query_points(x_query, x.shape[1], device=device, dtype=dtype)
    sig = v.check_sigma(sigma, x.shape[1], device=device, dtype=dtype)
    v.check_choice(empty, "empty", EMPTY_POLICIES)
    if not isinstance(return_weights, bool):
        raise TypeError(f"return_weights must be True or False, got {return_weights!r}")
    n, m = x.shape[0], q.shape[0]
    if block_size is None:
        budget = CUDA_BLOCK_ELEMENTS if device.type == "cuda" else CPU_BLOCK_ELEMENTS
        block_size = max(1, budget // n)
    else:
        block_size = v.check_positive_int(block_size, "block_size")

    with torch.no_grad():
        est, weights = _estimate(q, x, y, sig, kern, block_size, return_weights)
        empty_rows = ~torch.isfinite(est[:, 0]) if m else est[:, 0].bool()
        sigma_text = sig.tolist() if sig.ndim else float(sig)
        _fill_empty(est, weights, empty_rows, q, x, y, empty, sigma_text)
    if y_1d:
        est = est[:, 0]
    return (est, weights) if return_weights else est


def _estimate(q, x, y, sig, kern, block_size, keep_weights):
    """Blocked evaluation; returns (estimates (m, k), weights (m, n) or None). Empty rows are NaN."""
    q, x, sig = _scale_coordinates(q, x, sig)
    inv = _inverse_sq_width(sig, q.dtype)
    floor = _exp_floor(q.dtype)
    n, m, k = x.shape[0], q.shape[0], y.shape[1]
    # One matmul gives numerators and denominators: [y, 1] has the denominators in its last row.
    # Stored as (k + 1, n) and used transposed: that layout makes the product several times faster.
    y1t = torch.cat([y.t(), torch.ones(1, n, dtype=y.dtype, device=y.device)], dim=0).contiguous()
    out = torch.empty(m, k + 1, dtype=y.dtype, device=y.device)
    weights = torch.empty(m, n, dtype=q.dtype, device=q.device) if keep_weights else None
    fast_1d = kern.log_slope is not None and x.shape[1] == 1 and not keep_weights
    if fast_1d:
        x_row, order = x[:, 0].sort()
        y1t = y1t[:, order].contiguous()
        nearest_sq = _nearest_sq_distance_1d(q[:, 0], x_row)
        buffer = torch.empty(min(block_size, m), n, dtype=q.dtype, device=q.device)
    elif not keep_weights:
        buffer = torch.empty(min(block_size, m), n, dtype=q.dtype, device=q.device)
    for start in range(0, m, block_size):
        stop = min(start + block_size, m)
        block = weights[start:stop] if keep_weights else buffer[: stop - start]
        if fast_1d:
            # logit = c/σ² · (d_min² − (q − x)²) ≤ 0, in one fused pass after the subtraction
            scale = kern.log_slope * inv
            torch.sub(q[start:stop], x_row, out=block)
            torch.addcmul(nearest_sq[start:stop, None] * scale, block, block, value=-scale, out=block)
            block.clamp_(min=floor).exp_()
        else:
            squared_distances(q[start:stop], x, out=block)
            w = _kernel_block(block, kern, inv, floor)
            if w.data_ptr() != block.data_ptr():
                block.copy_(w)
        if k == 1:  # a matrix-vector product and a row sum beat a (b × n)·(n × 2) product
            torch.mv(block, y1t[0], out=out[start:stop, 0])
            torch.sum(block, dim=1, out=out[start:stop, 1])
        else:
            torch.mm(block, y1t.t(), out=out[start:stop])
    den = out[:, k:]
    est = out[:, :k] / den  # 0/0 = NaN marks empty windows
    if keep_weights:
        weights.div_(den)
    return est, weights


def _nearest_sq_distance_1d(q: torch.Tensor, x_sorted: torch.Tensor) -> torch.Tensor:
    """Squared distance from each query to its nearest training point, by binary search."""
    right = torch.searchsorted(x_sorted, q).clamp_(max=x_sorted.shape[0] - 1)
    left = (right - 1).clamp_(min=0)
    return torch.minimum((q - x_sorted[left]) ** 2, (q - x_sorted[right]) ** 2)
