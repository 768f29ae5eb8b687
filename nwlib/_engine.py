"""The one blocked kernel sum behind every estimate of nwlib (private).

For queries ``q_a``, keys ``x_i``, values ``v_i`` and one width or a grid of widths ``σ_s``,

.. math::

    N_s[a] = \\sum_i k(\\lVert q_a - x_i\\rVert / \\sigma_s)\\, v_i, \\qquad
    D_s[a] = \\sum_i k(\\lVert q_a - x_i\\rVert / \\sigma_s),

and the Nadaraya–Watson estimate is ``N / D`` (0/0 = NaN marks an empty window). Regression,
leave-one-out scores, densities, the rate experiment and width learning all call this module.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from . import _fused
from ._pool import raise_if_stopped, run_blocks, single_threaded  # noqa: F401 (the threads)
from .kernels import Kernel

# Blocks of about 2^18 kernel values stay in the CPU's cache; the GPU wants far larger ones.
CPU_BLOCK_ELEMENTS = 2 ** 18
CUDA_BLOCK_ELEMENTS = 2 ** 24
# Tiles of the 1-D Gaussian path span at most this many keys, so that a tile of
# CPU_BLOCK_ELEMENTS values has enough rows for efficient row reductions (mv and sum).
_CPU_TILE_COLUMNS = 2 ** 14
# From this many kernel values on, a call shares its blocks out to several threads.
_PARALLEL_MIN_ELEMENTS = 2 ** 20
# torch's grain size: operations on fewer elements never use a second thread.
_GRAIN = 2 ** 15


def block_elements(device: torch.device) -> int:
    """Kernel values per block on ``device``."""
    return CUDA_BLOCK_ELEMENTS if device.type == "cuda" else CPU_BLOCK_ELEMENTS


def exp_floor(dtype: torch.dtype) -> float:
    """The exp floor: logits are clamped here, above the subnormal range where ``exp`` is slow.

    ``exp(floor)`` is a normal number, far below the rounding of a sum that contains a 1 (every
    shifted row does); unshifted sums (densities) count values below it as 0.
    """
    return -80.0 if dtype != torch.float64 else -700.0


def inverse_sq_width(sigma: float, dtype: torch.dtype) -> float:
    """``1/σ²``, clamped to the dtype's largest number, so that ``0 · (1/σ²)`` stays 0 for any σ > 0."""
    inv = 1.0 / sigma  # Python floats: 1/5e-324 is inf, and inf·inf no error
    return min(inv * inv, torch.finfo(dtype).max)


def inverse_sq_widths(sigma: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """:func:`inverse_sq_width` of every entry of ``sigma``, computed in float64, in ``dtype``."""
    inv = sigma.to(torch.float64).reciprocal().square_()
    return inv.clamp_(max=torch.finfo(dtype).max).to(dtype)


def squared_distances(q: torch.Tensor, x: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Return ``D[a, i] = ‖q_a − x_i‖²`` for points ``q`` (m, d) and ``x`` (n, d).

    Coordinates are subtracted directly (not expanded as ``‖q‖² + ‖x‖² − 2qᵀx``), so the result is
    exact to rounding and invariant under translating ``q`` and ``x`` together. Memory is one (m, n)
    matrix, whatever ``d``.

    Examples
    --------
    >>> import torch
    >>> from nwlib.core import squared_distances
    >>> squared_distances(torch.tensor([[0.0], [3.0]]), torch.tensor([[1.0], [2.0]]))
    tensor([[1., 4.],
            [4., 1.]])
    """
    m, d = q.shape
    n = x.shape[0]
    if out is None and torch.is_grad_enabled() and (q.requires_grad or x.requires_grad):
        # autograd cannot see through out=: the same sum, out of place
        return sum((q[:, j:j + 1] - x[:, j]).square() for j in range(d))
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


def fold_widths(q: torch.Tensor, x: torch.Tensor, sigma: torch.Tensor):
    """Fold per-coordinate widths into the coordinates; return (q, x, scalar σ)."""
    if sigma.ndim == 0:
        return q, x, sigma
    smallest = sigma.min()
    ratio = smallest / sigma  # ≤ 1: scaling never overflows
    return q * ratio, x * ratio, smallest


# ---------------------------------------------------------------- kernel values

class _InverseSquare(torch.autograd.Function):
    """``1/σ²`` clamped as in :func:`inverse_sq_width`, differentiable: ``−2/σ³``, and 0 where it is
    clamped or where no gradient flows in (never ``0 · inf``)."""

    @staticmethod
    def forward(ctx, sigma):
        inv = inverse_sq_widths(sigma, sigma.dtype)
        ctx.save_for_backward(sigma, inv)
        return inv

    @staticmethod
    def backward(ctx, grad):
        sigma, inv = ctx.saved_tensors
        live = (grad != 0) & (inv < torch.finfo(inv.dtype).max)
        return torch.where(live, grad * inv * (-2 / sigma), torch.zeros_like(grad))


def dense_weights(q: torch.Tensor, x: torch.Tensor, sigma: torch.Tensor, kern: Kernel,
                  exclude: torch.Tensor | None = None) -> torch.Tensor:
    """Normalised weights (m, n), differentiable in every input (σ included); NaN rows if empty.

    ``sigma`` has shape (), (d,) or (m, 1) as in :func:`kernel_sums`, and the numerical rules are
    the blocked path's: ``1/σ²`` clamped, log-form kernels shifted by each row's nearest key
    (a detached shift: the softmax does not depend on it) and clamped at :func:`exp_floor`, so the
    weights are finite at every σ > 0. ``exclude[a]`` is a key index left out of row ``a``
    (leave-one-out). Kernel values at ``u² = 0`` (the excluded diagonal, duplicate points, or an
    underflow) are ``k(0)`` with no gradient: profiles built on ``√u²`` have an infinite
    derivative there.
    """
    if sigma.ndim == 1:
        q, x, sigma = fold_widths(q, x, sigma)
    d2 = ((q.unsqueeze(1) - x.unsqueeze(0)) ** 2).sum(-1)
    inv = _InverseSquare.apply(sigma)
    rows = None if exclude is None else torch.arange(q.shape[0], device=q.device)
    if kern.log_slope is not None:
        nearest = d2.detach()
        if exclude is not None:
            nearest = nearest.index_put((rows, exclude), nearest.new_tensor(math.inf))
        logits = ((d2 - nearest.amin(dim=1, keepdim=True)) * (-kern.log_slope * inv))
        logits = logits.clamp(min=exp_floor(d2.dtype))
        if exclude is not None:
            logits = logits.index_put((rows, exclude), logits.new_tensor(-math.inf))
        return torch.softmax(logits, dim=1)
    u2 = d2 * inv
    zero = u2 == 0  # a distance of 0, or one that underflows: k(0), with no gradient through √0
    u2 = torch.where(zero, torch.ones_like(u2), u2)
    at_zero = kern.profile_sq(torch.zeros(1, dtype=d2.dtype, device=d2.device)).detach()
    w = torch.where(zero, at_zero, kern.profile_sq(u2))
    if kern.custom:
        w = w * _below_one(w)
    if exclude is not None:
        w = w.index_put((rows, exclude), w.new_tensor(0.0))
    return w / w.sum(dim=1, keepdim=True)


def _shift_rows(d2: torch.Tensor) -> torch.Tensor:
    """Subtract each row's smallest entry, in place (the softmax trick for log-form kernels).

    ``(d² − d²_min)·(−c/σ²)`` is then exactly 0 at the nearest key however small σ is, so the
    largest weight of every row is exactly 1 and no row sums to 0 or overflows.
    """
    return d2.sub_(d2.amin(dim=1, keepdim=True))


def _weights_in_place(d2, kern, inv, floor, shift, out=None):
    """Unnormalised kernel weights of squared distances ``d2``, written to ``out`` (or ``d2``).

    ``inv`` is ``1/σ²``: a number, or a (b, 1) column of one per query. With ``shift``, log-form
    rows must already be shifted (:func:`_shift_rows`) and logits are clamped at ``floor``;
    without it (absolute sums) values below the floor count as 0.
    """
    out = d2 if out is None else out
    if kern.log_slope is not None:
        logits = torch.mul(d2, -kern.log_slope * inv, out=out)
        if shift:
            logits.clamp_(min=floor).exp_()
        else:
            tiny = logits < floor
            logits.clamp_(min=floor).exp_().masked_fill_(tiny, 0.0)
    else:
        w = kern.profile_sq(torch.mul(d2, inv, out=out))
        if w.data_ptr() != out.data_ptr():
            out.copy_(w)


def _below_one(w: torch.Tensor) -> float:
    """A power of two (an exact factor) that brings a callable kernel's largest value to ≤ 1.

    A common factor of the weights cancels in every ratio (estimates, normalised weights); without
    it, a kernel with values near the dtype's largest number overflows its sums (inf / inf).
    Registry kernels are ≤ 1 already.
    """
    top = float(w.detach().amax()) if w.numel() else 0.0
    return 2.0 ** -math.frexp(top)[1] if top > 1 else 1.0


def _add_sums(block, yt, num, den):
    """Add one block's kernel sums: ``num += block @ y`` and ``den += block.sum(1)``."""
    if yt.shape[0] == 1:  # a matrix-vector product and a row sum beat a (b × n)·(n × 2) product
        num[:, 0].addmv_(block, yt[0])
    else:
        num.addmm_(block, yt.t())
    den.add_(block.sum(dim=1))


@dataclass
class Sums:
    """Kernel sums ``num`` (S, m, k) of the values times ``value_scale``, ``den`` (S, m), and the
    normalised ``weights`` (m, n) or None."""

    num: torch.Tensor
    den: torch.Tensor
    weights: torch.Tensor | None = None
    value_scale: float = 1.0

    def estimates(self) -> torch.Tensor:
        """``num / den``, shape (S, m, k); NaN where a window is empty."""
        est = self.num / self.den[..., None]
        return est if self.value_scale == 1.0 else est.div_(self.value_scale)

    def empty(self) -> torch.Tensor:
        """Where a window is empty (every kernel value 0, the estimate 0/0), shape (S, m)."""
        return self.den == 0

    def value_sums(self) -> torch.Tensor:
        """``Σ_i k_i v_i``, shape (S, m, k) (may overflow to inf where the true sum does)."""
        return self.num if self.value_scale == 1.0 else self.num / self.value_scale


def _value_scale(values: torch.Tensor) -> float:
    """A power of two that keeps sums of ``values`` below the dtype's largest number (else 1).

    Multiplying by a power of two is exact, so ordinary values are untouched and values near the
    largest number are pooled without overflowing.
    """
    if values.numel() == 0:
        return 1.0
    largest = float(values.abs().amax())
    top = torch.finfo(values.dtype).max
    if largest * values.shape[0] < top / 4:
        return 1.0
    # largest · 2^−e < 1, with e short of the top exponent so the scale stays a normal number
    return 2.0 ** -min(math.frexp(largest)[1], math.frexp(top)[1] - 8)


def kernel_sums(q: torch.Tensor, x: torch.Tensor, values: torch.Tensor, kern: Kernel, *,
                sigma: torch.Tensor | None = None, grid: torch.Tensor | None = None,
                exclude: torch.Tensor | None = None, keep_weights: bool = False,
                shift: bool = True, block_size: int | None = None) -> Sums:
    """Blocked kernel sums of ``values`` (n, k) at queries ``q`` (m, d) over keys ``x`` (n, d).

    Parameters
    ----------
    sigma : tensor of shape (), (d,) or (m, 1)
        One width; one per coordinate (d,); or one per query (m, 1), the balloon estimator
        ``N[a] = Σ_i k(‖q_a − x_i‖ / σ_a) v_i``, with the same rules as one width: each row is
        shifted by its nearest key, logits are clamped at :func:`exp_floor`, and each ``1/σ_a²``
        is clamped as in :func:`inverse_sq_width`. It runs on the blocked path (CPU threads or
        CUDA alike), in memory O(block × n); ``keep_weights`` and ``exclude`` work as for one
        width, ``grid`` cannot be combined with it. Or
    grid : tensor of shape (S,)
        Widths whose sums are computed from one set of squared distances.
    exclude : tensor of shape (m,), optional
        A key index to leave out of each query's sums (leave-one-out).
    keep_weights : bool
        Also return the (m, n) normalised weights (one width only).
    shift : bool
        Relative sums, whose ratios are exact: log-form kernels are shifted by each row's nearest
        key, and a callable kernel's values are scaled (by a power of two per block) to at most 1.
        ``False`` gives the absolute sums a density needs, with values below the exp floor counted
        as 0.
    block_size : int, optional
        Queries per block; by default a cache-sized block of kernel values.
    """
    q, x, values = q.detach(), x.detach(), values.detach()
    dtype, device = q.dtype, q.device
    row_scales = None  # 1/σ_a² of every query, (m, 1), with one width per query
    if grid is None and sigma.ndim == 2:
        if sigma.shape != (q.shape[0], 1):
            raise ValueError(f"one width per query needs sigma of shape ({q.shape[0]}, 1), got "
                             f"{tuple(sigma.shape)}")
        row_scales = inverse_sq_widths(sigma.detach(), dtype).to(device)
        widths = [math.nan]
    elif grid is None:
        q, x, sig = fold_widths(q, x, sigma.detach())
        widths = [float(sig)]
    else:
        widths = grid.tolist()
    scales = [inverse_sq_width(s, dtype) for s in widths]
    floor = exp_floor(dtype)
    n, m, k, s_count = x.shape[0], q.shape[0], values.shape[1], len(widths)
    value_scale = _value_scale(values)
    yt = values.t().contiguous()  # (k, n): contiguous rows for mv
    if value_scale != 1.0:
        yt = yt * value_scale  # not in place: yt may share the caller's memory
    num = torch.zeros(s_count, m, k, dtype=dtype, device=device)
    den = torch.zeros(s_count, m, dtype=dtype, device=device)
    weights = torch.empty(m, n, dtype=dtype, device=device) if keep_weights else None
    on_cpu = device.type == "cpu"
    budget = block_elements(device)
    if block_size is None:
        block_size = max(1, budget // (max(n, 1) * (2 if s_count > 1 else 1)))
    elements = m * n * s_count
    workers = (torch.get_num_threads() if on_cpu and not kern.custom
               and elements >= _PARALLEL_MIN_ELEMENTS else 1)
    inline = not on_cpu or elements < _GRAIN

    if (kern.log_slope is not None and s_count == 1 and x.shape[1] == 1 and shift
            and exclude is None and not keep_weights and n > 0 and row_scales is None):
        _gaussian_1d(q, x, yt, kern, scales[0], floor, num[0], den[0], block_size, workers, inline)
        return Sums(num, den, value_scale=value_scale)

    rows = max(1, min(m, block_size))
    diagonal = (exclude is not None and m <= n
                and bool(torch.equal(exclude, torch.arange(m, device=device))))

    def work(start, stop, buffers):
        b = stop - start
        d2 = weights[start:stop] if keep_weights else buffers[0][:b]
        squared_distances(q[start:stop], x, out=d2)

        def leave_out(t, value):  # set each row's excluded entry
            if diagonal:  # query a is key a (leave-one-out): a strided view of the block
                t.view(-1)[start::n + 1].fill_(value)
            else:
                t.scatter_(1, exclude[start:stop, None], value)

        if kern.log_slope is not None and shift:
            if exclude is not None:
                leave_out(d2, math.inf)  # not the row's nearest key
            _shift_rows(d2)  # once for every width; excluded entries stay inf
        for g, c in enumerate(scales):
            w = d2 if s_count == 1 else buffers[1][:b]  # one width: in place
            inv = c if row_scales is None else row_scales[start:stop]
            _weights_in_place(d2, kern, inv, floor, shift, out=w)
            if kern.custom and shift and (factor := _below_one(w)) != 1.0:
                w.mul_(factor)  # relative sums: a common factor cancels
            if exclude is not None:
                leave_out(w, 0.0)
            _add_sums(w, yt, num[g, start:stop], den[g, start:stop])

    def new_buffers():
        count = (0 if keep_weights else 1) + (1 if s_count > 1 else 0)
        return [torch.empty(rows, n, dtype=dtype, device=device) for _ in range(count)]

    run_blocks(work, new_buffers, m, rows, workers, inline=inline)
    if keep_weights:
        weights.div_(den[0, :, None])
    return Sums(num, den, weights, value_scale)


def _gaussian_1d(q, x, yt, kern, inv, floor, num, den, block_size, workers, inline):
    """The 1-D log-form fast path: rows are cut into tiles along the keys too.

    The shift of each row (its nearest key) is known before the row is computed. Queries and keys
    are sorted, so a block of queries and a tile of keys each span a short interval, and a bound
    tells when no logit of a tile can reach the floor (then the clamp is skipped). Large float32
    problems run the same tiles through one compiled loop instead (:mod:`nwlib._fused`).
    """
    dtype, device = q.dtype, q.device
    on_cpu = device.type == "cpu"
    n, m = x.shape[0], q.shape[0]
    scale = kern.log_slope * inv
    x_row, order = x[:, 0].sort()
    yt = yt[:, order].contiguous()
    q_row, query_order = q[:, 0].sort()
    shift = _nearest_sq_distance_1d(q_row, x_row).mul_(scale)
    # The nearest key's logit is shift − c/σ²·d_min² computed two ways, so it is 0 only to a few
    # roundings of shift: fine while 8·eps·shift ≤ 1. Rows past that (σ tiny next to d_min) are
    # redone below with the exact shift; their fast-path values are discarded.
    exact_rows = (~(shift * (8 * torch.finfo(dtype).eps) <= 1)).nonzero()[:, 0]
    # a tile holds block_size·n values, but on the CPU at least a cache-sized CPU_BLOCK_ELEMENTS
    elements = max(block_size * n, CPU_BLOCK_ELEMENTS) if on_cpu else block_size * n
    cols = min(n, _CPU_TILE_COLUMNS) if on_cpu else n
    rows = max(1, min(m, elements // cols))
    tile_starts = list(range(0, n, cols))
    x_first = x_row[tile_starts].tolist()
    x_last = x_row[[min(j + cols, n) - 1 for j in tile_starts]].tolist()
    q_list, shift_list = q_row.tolist(), shift.tolist()
    q_col = q_row[:, None]
    num_sorted = torch.zeros_like(num)
    den_sorted = torch.zeros_like(den)

    def work(start, stop, buffer):
        q_b, shift_b = q_col[start:stop], shift[start:stop, None]
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
            _add_sums(tile, yt[:, j:j + cols], num_sorted[start:stop], den_sorted[start:stop])

    # large problems: the same tiles in one compiled loop (nwlib._fused), if it compiles here
    if not (_fused.applies(m, n, yt.shape[0], dtype, device) and _fused.tile_sums(
            q_row, shift, x_row, yt[0], scale, floor, num_sorted[:, 0], den_sorted)):
        run_blocks(work, lambda: torch.empty(rows, cols, dtype=dtype, device=device), m, rows,
                   workers, inline=inline)
    if exact_rows.numel():
        chunk = max(1, (rows * cols) // n)
        x_col = x_row[:, None]
        for i in range(0, exact_rows.numel(), chunk):
            idx = exact_rows[i:i + chunk]
            block = _shift_rows(squared_distances(q_col[idx], x_col))
            _weights_in_place(block, kern, inv, floor, True)
            part_num = torch.zeros(idx.numel(), num.shape[1], dtype=dtype, device=device)
            part_den = torch.zeros(idx.numel(), dtype=dtype, device=device)
            _add_sums(block, yt, part_num, part_den)
            num_sorted[idx], den_sorted[idx] = part_num, part_den
    num.index_copy_(0, query_order, num_sorted)  # back to the caller's order of queries
    den.index_copy_(0, query_order, den_sorted)


def _nearest_sq_distance_1d(q: torch.Tensor, x_sorted: torch.Tensor) -> torch.Tensor:
    """Squared distance from each query to its nearest key, by binary search."""
    right = torch.searchsorted(x_sorted, q).clamp_(max=x_sorted.shape[0] - 1)
    left = (right - 1).clamp_(min=0)
    return torch.minimum((q - x_sorted[left]) ** 2, (q - x_sorted[right]) ** 2)
