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
from .kernels import KERNELS, Kernel, get_kernel

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
        and 2^24 on a GPU. Memory beyond the inputs is O(max(block_size · n, 2^18)) when
        ``return_weights`` is False. On the CPU the blocks are shared out to
        ``torch.get_num_threads()`` threads (results do not depend on that number).
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
    # the queries take part in choosing the dtype: the widest floating dtype of the data wins
    x, y, y_1d, dtype, (q_raw,) = v.training_set(x_train, y_train, device=device,
                                                 extra=[("x_query", x_query)])
    q, _ = v.query_points(q_raw, x.shape[1], device=device, dtype=dtype)
    sig = v.check_sigma(sigma, x.shape[1], device=device, dtype=dtype)
    v.check_choice(empty, "empty", EMPTY_POLICIES)
    return_weights = v.check_bool(return_weights, "return_weights")
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


# Tiles of the 1-D Gaussian path span at most this many training points, so that a tile of
# CPU_BLOCK_ELEMENTS values has enough rows for efficient row reductions (mv and sum).
_CPU_TILE_COLUMNS = 2 ** 14
# Below this many kernel values a call runs on the calling thread alone (threads cost ~0.1 ms).
_PARALLEL_MIN_ELEMENTS = 2 ** 20


def _estimate(q, x, y, sig, kern, block_size, keep_weights):
    """Blocked evaluation; returns (estimates (m, k), weights (m, n) or None). Empty rows are NaN.

    Every block accumulates the numerators ``Σ_i k_ai y_i`` and denominators ``Σ_i k_ai`` of its
    queries; the estimates are their ratio, so 0/0 = NaN marks an empty window.

    On the CPU the blocks are shared out to ``torch.get_num_threads()`` Python threads, each running
    single-threaded torch operations on its own cache-sized buffer (torch releases the GIL inside
    an operation). This avoids an OpenMP barrier after each of the six operations of a tile,
    which costs an OS time slice whenever the cores are shared with other work.
    """
    q, x, y = q.detach(), x.detach(), y.detach()
    q, x, sig = _scale_coordinates(q, x, sig)
    inv = _inverse_sq_width(sig, q.dtype)
    floor = _exp_floor(q.dtype)
    n, m, k = x.shape[0], q.shape[0], y.shape[1]
    dtype, device = q.dtype, q.device
    yt = y.t().contiguous()  # (k, n): contiguous rows for mv
    num = torch.zeros(m, k, dtype=dtype, device=device)
    den = torch.zeros(m, dtype=dtype, device=device)
    weights = torch.empty(m, n, dtype=dtype, device=device) if keep_weights else None
    on_cpu = device.type == "cpu"

    query_order = None
    if kern.log_slope is not None and x.shape[1] == 1 and not keep_weights:
        # 1-D Gaussian: the shift of each row (its nearest point) is known before the row is
        # computed, so rows can be cut into tiles along the training points too. Queries and
        # training points are sorted, so a block of queries and a tile of points each span a
        # short interval, and the bound below tells when no logit of a tile can reach the floor.
        scale = kern.log_slope * inv
        x_row, order = x[:, 0].sort()
        yt = yt[:, order].contiguous()
        q_row, query_order = q[:, 0].sort()
        q = q_row[:, None]
        shift = _nearest_sq_distance_1d(q_row, x_row).mul_(scale)
        # The nearest point's logit is shift − c/σ²·d_min² computed two ways, so it is 0 only to
        # a few roundings of shift: fine while 8·eps·shift ≤ 1. Rows past that (σ tiny next to
        # d_min) are redone below with the exact shift; their fast-path values are discarded.
        exact_rows = (~(shift * (8 * torch.finfo(dtype).eps) <= 1)).nonzero()[:, 0]
        x = x_row[:, None]  # the order of yt
        # a tile holds block_size·n values, but on the CPU at least a cache-sized CPU_BLOCK_ELEMENTS
        elements = max(block_size * n, CPU_BLOCK_ELEMENTS) if on_cpu else block_size * n
        cols = min(n, _CPU_TILE_COLUMNS) if on_cpu else n
        rows = max(1, min(m, elements // cols))
        tile_starts = list(range(0, n, cols))
        x_first = x_row[tile_starts].tolist()
        x_last = x_row[[min(j + cols, n) - 1 for j in tile_starts]].tolist()
        q_list, shift_list = q_row.tolist(), shift.tolist()

        def work(start, stop, buffer):
            q_b, shift_b = q[start:stop], shift[start:stop, None]
            q_lo, q_hi, lowest = q_list[start], q_list[stop - 1], min(shift_list[start:stop])
            for t, j in enumerate(tile_starts):
                tile = buffer[: stop - start, : min(cols, n - j)]
                # logit = c/σ² · (d_min² − (q − x)²) ≤ 0
                torch.sub(q_b, x_row[j:j + cols], out=tile)
                torch.addcmul(shift_b, tile, tile, value=-scale, out=tile)
                # clamped above the slow subnormal range of exp, unless no logit can be that low
                widest = max(q_hi - x_first[t], x_last[t] - q_lo)
                if not lowest - scale * widest * widest >= floor + 1:
                    tile.clamp_(min=floor)
                tile.exp_()
                _accumulate(tile, yt[:, j:j + cols], num[start:stop], den[start:stop])
    else:
        rows, cols = max(1, min(m, block_size)), n
        exact_rows = None

        def work(start, stop, buffer):
            block = weights[start:stop] if keep_weights else buffer[: stop - start]
            squared_distances(q[start:stop], x, out=block)
            _weights_in_place(block, kern, inv, floor)
            _accumulate(block, yt, num[start:stop], den[start:stop])

    def new_buffer():
        return None if keep_weights else torch.empty(rows, cols, dtype=dtype, device=device)

    # user-supplied kernels are Python code of unknown thread safety: they stay on one thread
    builtin = kern.log_slope is not None or KERNELS.get(kern.name) is kern
    workers = torch.get_num_threads() if on_cpu and builtin and m * n >= _PARALLEL_MIN_ELEMENTS else 1
    _run_blocks(work, new_buffer, m, rows, workers, cpu=on_cpu)
    if exact_rows is not None and exact_rows.numel():
        _redo_rows(exact_rows, q, x, yt, kern, inv, floor, num, den, max(1, (rows * cols) // n))
    est = num / den[:, None]  # 0/0 = NaN marks empty windows
    if query_order is not None:  # back to the caller's order of queries
        est = torch.empty_like(est).index_copy_(0, query_order, est)
    if keep_weights:
        weights.div_(den[:, None])
    return est, weights


def _weights_in_place(d2, kern, inv, floor):
    """Turn squared distances into unnormalised kernel weights, in place.

    For ``exp(−c·u²)`` kernels each row is shifted by its own smallest entry first (the softmax
    trick): ``(d² − d²_min)·(−c/σ²)`` is exactly 0 at the nearest point however small σ is, so
    the largest weight of every row is exactly 1 and no row sums to 0 or overflows. The logits
    are clamped at ``floor``, above the subnormal range where ``exp`` is slow on CPUs.
    """
    if kern.log_slope is not None:
        d2.sub_(d2.amin(dim=1, keepdim=True)).mul_(-kern.log_slope * inv)
        d2.clamp_(min=floor).exp_()
    else:
        w = kern.profile_sq(d2.mul_(inv))
        if w.data_ptr() != d2.data_ptr():
            d2.copy_(w)


def _redo_rows(rows_idx, q, x, yt, kern, inv, floor, num, den, chunk):
    """Recompute the kernel sums of the queries ``rows_idx`` with whole rows and the exact shift."""
    for i in range(0, rows_idx.numel(), chunk):
        idx = rows_idx[i:i + chunk]
        block = squared_distances(q[idx], x)
        _weights_in_place(block, kern, inv, floor)
        part_num = torch.zeros(idx.numel(), num.shape[1], dtype=num.dtype, device=num.device)
        part_den = torch.zeros(idx.numel(), dtype=den.dtype, device=den.device)
        _accumulate(block, yt, part_num, part_den)
        num[idx], den[idx] = part_num, part_den


def _accumulate(block, yt, num, den):
    """Add one block's kernel sums: ``num += block @ y`` and ``den += block.sum(1)``."""
    if yt.shape[0] == 1:  # a matrix-vector product and a row sum beat a (b × n)·(n × 2) product
        num[:, 0].addmv_(block, yt[0])
    else:
        num.addmm_(block, yt.t())
    den.add_(block.sum(dim=1))


def _run_blocks(work, new_buffer, m, rows, workers, *, cpu=True):
    """Call ``work(start, stop, buffer)`` for every block of ``rows`` queries, on ``workers`` threads.

    Blocks are handed out dynamically (a shared counter), each thread owning one buffer. On the
    CPU every block is computed by single-threaded torch operations, whichever thread runs it, so
    the result does not depend on the scheduling; and no operation waits at an OpenMP barrier for
    a thread the OS has not scheduled (on a busy machine that costs a time slice per operation).
    """
    import itertools
    from concurrent.futures import ThreadPoolExecutor

    starts = range(0, m, rows)
    workers = max(1, min(workers, len(starts)))
    counter = itertools.count()  # its next() is atomic under the GIL

    def worker():
        if cpu:
            torch.set_num_threads(1)  # this thread's operations stay on this thread
        with torch.no_grad():
            buffer = new_buffer()
            while (i := next(counter)) < len(starts):
                work(starts[i], min(starts[i] + rows, m), buffer)

    previous = torch.get_num_threads()
    try:
        if workers == 1:
            worker()
        else:
            with ThreadPoolExecutor(workers) as pool:
                for future in [pool.submit(worker) for _ in range(workers)]:
                    future.result()
    finally:
        if cpu:
            torch.set_num_threads(previous)  # set_num_threads also sets a process-wide default


def _nearest_sq_distance_1d(q: torch.Tensor, x_sorted: torch.Tensor) -> torch.Tensor:
    """Squared distance from each query to its nearest training point, by binary search."""
    right = torch.searchsorted(x_sorted, q).clamp_(max=x_sorted.shape[0] - 1)
    left = (right - 1).clamp_(min=0)
    return torch.minimum((q - x_sorted[left]) ** 2, (q - x_sorted[right]) ** 2)
