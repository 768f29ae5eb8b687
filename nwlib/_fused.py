"""The 1-D Gaussian tile loop fused into one compiled loop, for large problems (private).

The eager 1-D Gaussian path (:func:`nwlib._engine._gaussian_1d`) makes six passes over each tile
of kernel values: ``q − x``, the shifted logit, the clamp, ``exp``, ``Σ k·y`` and ``Σ k``. Here
``torch.compile`` fuses them into one loop that keeps every value in registers (inductor writes
vectorised C++ with OpenMP on the CPU), computing for a tile of sorted queries and keys

.. math::

    k_{ai} = \\exp\\big(\\max(s_a - c\\,(q_a - x_i)^2,\\ \\text{floor})\\big), \\qquad
    D_a \\mathrel{+}= \\sum_i k_{ai}, \\qquad N_a \\mathrel{+}= \\sum_i k_{ai}\\, y_i,

with the engine's shift ``s_a = c·d_min²`` (the nearest key's logit is 0), ``c = log_slope/σ²``
and floor (:func:`nwlib._engine.exp_floor`). The engine does everything else as on its eager path
(sorting, the shift, the rows redone with an exact shift, the scaling of huge values, the order of
the queries), so only the tile loop differs, and only by the rounding of the sums.

When it runs: the CPU, estimates only (one width, one column of values, no weights kept), float32,
at least :data:`FUSED_MIN_ELEMENTS` kernel values, on the caller's thread (not inside the engine's
single-threaded pool, nor in a child of ``os.fork``: an OpenMP runtime that had threads in the
parent is not safe to use there). Tiles have a fixed shape (padded at the edges: padded keys
weigh 0), so one compiled loop serves every problem; the widths are an input, not a constant, so a
new σ compiles nothing. The loop is compiled once per process and thread count, on first use;
inductor's FX graph cache (on disk, on by default) lets later processes load it instead of
compiling it again. If compiling fails (no C++ compiler, a platform inductor does not support),
the failure is noted once at debug level and the eager engine runs from then on.

The environment variable ``NWLIB_FUSED`` turns it off (``0``, ``off``, ``false``, ``no``) or on
(``1``, ``on``, ``true``, ``yes``; the default); it is read at every call.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import warnings

import torch

from . import _pool
from ._options import check_switch

ENV_VAR = "NWLIB_FUSED"
# One static tile shape for every problem (the experiment's fastest, benchmarks/fused.py):
# 256 queries × 16384 keys, on inductor's OpenMP threads.
TILE_ROWS, TILE_COLS = 256, 2 ** 14
# The fused path starts at 2^29 ≈ 5.4e8 kernel values (about 0.3 s of the eager engine on a 2-core
# Xeon). The first fused call of a process costs about 1.7 s there (loading the loop from the
# on-disk cache; 10 s the first time the machine compiles it), and a fused call saves about
# 0.3 ns per value (0.57 → 0.28 s at 1e9 values): about a dozen calls at the threshold repay that
# first call, hundreds of calls a tenth its size would; and the book's own pages (a few million
# values per call at most) never start the compiler.
FUSED_MIN_ELEMENTS = 2 ** 29
_DTYPES = (torch.float32,)  # the measured case; float64 stays on the eager engine

_log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_COMPILED: dict[int, object] = {}  # thread count → the compiled tile loop
_READY: set[tuple] = set()  # (thread count, dtype) whose loop has compiled and run
_UNAVAILABLE: list[str] = []  # why compiling failed in this process (then: the eager engine)
_FORKED = False


def _after_fork_in_child() -> None:
    global _FORKED, _LOCK
    _FORKED = True  # the child runs the eager engine, single-threaded (see nwlib._pool)
    _LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def enabled() -> bool:
    """Whether ``NWLIB_FUSED`` allows the fused path (it does when unset)."""
    value = os.environ.get(ENV_VAR)
    return True if value is None or value == "" else check_switch(value, ENV_VAR)


def _tile(q, shift, x, y, valid, scale, floor: float):
    """Σ k and Σ k·y of one tile: queries (R, 1), shifts (R, 1), keys, values, 0/1 masks (C,)."""
    d = q - x
    w = torch.exp(torch.clamp(shift - scale * (d * d), min=floor))
    return (w * valid).sum(dim=1), (w * y).sum(dim=1)


def _compile(threads: int):
    """The tile loop compiled for ``threads`` OpenMP threads (inductor bakes the count in)."""
    return torch.compile(_tile, dynamic=False, options={"cpp.threads": threads})


def _loop_for(threads: int):
    with _LOCK:
        fn = _COMPILED.get(threads)
        if fn is None:
            fn = _COMPILED[threads] = _compile(threads)
        return fn


def applies(m: int, n: int, k: int, dtype: torch.dtype, device: torch.device) -> bool:
    """Whether a 1-D Gaussian sum of ``m × n`` values, ``k`` value columns, takes the fused path."""
    return (device.type == "cpu" and k == 1 and dtype in _DTYPES and m * n >= FUSED_MIN_ELEMENTS
            and not _UNAVAILABLE and not _FORKED and not _pool._in_pool() and enabled())


def tile_sums(q_row, shift, x_row, y_row, scale: float, floor: float, num, den) -> bool:
    """Write ``N`` into ``num`` (m,) and ``D`` into ``den`` (m,) for sorted ``q_row`` and ``x_row``.

    Returns False, writing nothing, if the loop cannot be compiled here (remembered: the caller
    runs the eager engine). The tiles are called from Python on the caller's thread, so an
    interrupt (Ctrl-C) stops it after the tile it is on.
    """
    threads = torch.get_num_threads()
    key = (threads, q_row.dtype)
    # compiling (the first call): torch's own deprecation notes are not the user's warnings
    quiet = contextlib.nullcontext() if key in _READY else warnings.catch_warnings(action="ignore")
    try:
        with quiet:
            sums = _padded_loop(_loop_for(threads), q_row, shift, x_row, y_row, scale, floor)
    except Exception as err:  # noqa: BLE001 (any compiler failure means: the eager engine)
        if key in _READY:  # it compiled and ran before: a real error, not a missing compiler
            raise
        _UNAVAILABLE.append(f"{type(err).__name__}: {err}")
        _log.debug("nwlib: torch.compile is unavailable, using the eager engine (%s)",
                   _UNAVAILABLE[0])
        return False
    _READY.add(key)
    num.copy_(sums[0])
    den.copy_(sums[1])
    return True


def _padded(t, size: int, fill):
    """``t`` extended to ``size`` entries along its first axis with ``fill`` (a number or a row)."""
    out = t.new_empty((size,) + t.shape[1:])
    out[: t.shape[0]] = t
    out[t.shape[0]:] = fill
    return out


def _padded_loop(fn, q_row, shift, x_row, y_row, scale, floor):
    m, n = q_row.shape[0], x_row.shape[0]
    mpad, npad = -(-m // TILE_ROWS) * TILE_ROWS, -(-n // TILE_COLS) * TILE_COLS
    # padded keys repeat the last key (finite, so that 0·(q − x)² stays 0 when c underflows to 0)
    # and weigh 0; padded queries repeat the last query and are dropped
    xs = _padded(x_row, npad, x_row[-1])
    ys = _padded(y_row, npad, 0.0)
    valid = _padded(torch.ones_like(x_row), npad, 0.0)
    qs = _padded(q_row, mpad, q_row[-1])[:, None]
    shifts = _padded(shift, mpad, shift[-1])[:, None]
    c = torch.tensor(scale, dtype=q_row.dtype)  # a tensor: a new σ is a new value, not a recompile
    num = torch.zeros(mpad, dtype=q_row.dtype)
    den = torch.zeros(mpad, dtype=q_row.dtype)
    for i in range(0, mpad, TILE_ROWS):
        rows = slice(i, i + TILE_ROWS)
        for j in range(0, npad, TILE_COLS):
            cols = slice(j, j + TILE_COLS)
            d, s = fn(qs[rows], shifts[rows], xs[cols], ys[cols], valid[cols], c, floor)
            den[rows] += d
            num[rows] += s
    return num[:m], den[:m]
