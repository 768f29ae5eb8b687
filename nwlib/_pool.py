"""The engine's threads: private pools, one stop signal per call, and a reset after ``fork`` (private).

nwlib's kernel sums run as single-threaded torch operations on cache-sized blocks. On the CPU,
large calls share their blocks out to ``torch.get_num_threads()`` threads of a private pool (torch
releases the GIL inside an operation); each pool thread sets its own torch thread count to 1 once,
when it starts. This avoids an OpenMP barrier after each operation of a block, which costs an OS
time slice whenever the cores are shared with other work. The caller's thread count is never
changed: OpenMP keeps it per thread, and the process-wide default for new threads, which
``torch.set_num_threads`` also sets, is restored as soon as a pool has started. Loops of many small
operations (width learning, the rate experiment) run whole in the one-thread pool through
:func:`single_threaded`.

Every call has its own stop signal: when its caller is interrupted (Ctrl-C in a notebook), the
call's workers finish the block they are on and take no other, and a loop run by
:func:`single_threaded` stops at its next :func:`raise_if_stopped`. A later call never clears an
earlier call's signal.

A child of ``os.fork`` inherits none of its parent's threads: it drops the pools (new ones start
on first use) and runs torch single-threaded, as torch's own ``DataLoader`` workers do, since an
OpenMP runtime that had threads in the parent is not safe to use in a forked child.
"""
from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import torch

_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()
_LOCAL = threading.local()  # .in_pool: a pool thread; .stop: the stop signal of the call it runs


def _reset_after_fork() -> None:
    global _POOLS_LOCK, _LOCAL
    _POOLS.clear()  # their threads did not survive the fork
    _POOLS_LOCK = threading.Lock()  # another thread may have held it at the fork
    _LOCAL = threading.local()  # the forking thread may have been a pool thread
    torch.set_num_threads(1)


os.register_at_fork(after_in_child=_reset_after_fork)


def _pool(workers: int) -> ThreadPoolExecutor:
    with _POOLS_LOCK:
        pool = _POOLS.get(workers)
        if pool is None:
            default = torch.get_num_threads()
            ready = threading.Barrier(workers + 1)

            def start():
                torch.get_num_threads()  # torch's lazy per-thread set-up first, or it undoes the next line
                torch.set_num_threads(1)  # this thread's own count (OpenMP and MKL keep it per thread)
                _LOCAL.in_pool = True
                ready.wait()

            pool = ThreadPoolExecutor(workers, thread_name_prefix="nwlib")
            for _ in range(workers):
                pool.submit(start)
            ready.wait()  # every thread has started and set its count
            torch.set_num_threads(default)  # restore torch's default for threads started later
            _POOLS[workers] = pool
        return pool


def _in_pool() -> bool:
    return getattr(_LOCAL, "in_pool", False)


def _current_stop() -> threading.Event | None:
    return getattr(_LOCAL, "stop", None)


def single_threaded(fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` with single-threaded torch operations, in the private pool.

    On an interrupt (Ctrl-C in a notebook) the caller stops waiting at once, and loops that call
    :func:`raise_if_stopped` stop at their next iteration. Each call has its own stop signal.
    """
    if _in_pool():
        return fn(*args, **kwargs)
    stop = threading.Event()

    def call():
        _LOCAL.stop = stop
        try:
            return fn(*args, **kwargs)
        finally:
            _LOCAL.stop = None

    future = _pool(1).submit(call)
    try:
        return future.result()
    except BaseException:
        stop.set()
        future.cancel()  # if it has not started yet
        raise


def raise_if_stopped() -> None:
    """Inside a call run by :func:`single_threaded`: stop if that call's caller was interrupted."""
    stop = _current_stop()
    if stop is not None and stop.is_set():
        raise KeyboardInterrupt("interrupted by the caller")


def run_blocks(work, new_buffer, m: int, rows: int, workers: int, *, inline: bool = False) -> None:
    """Call ``work(start, stop, buffer)`` for every block of ``rows`` queries, on ``workers`` threads.

    Blocks are handed out dynamically (a shared counter), each thread owning one buffer; each
    block writes only its own rows, so results do not depend on the scheduling. With ``inline``
    (a small call, or not on the CPU) one worker runs on the caller's thread. If the caller is
    interrupted, or a block raises, the other workers take no further block.
    """
    starts = range(0, m, rows)
    workers = max(1, min(workers, len(starts)))
    counter = itertools.count()  # its next() is atomic under the GIL
    stop = threading.Event()
    outer = _current_stop()  # set when this runs inside an interrupted single_threaded call

    def worker():
        with torch.no_grad():
            buffer = new_buffer()
            while not stop.is_set() and (i := next(counter)) < len(starts):
                if outer is not None and outer.is_set():
                    raise KeyboardInterrupt("interrupted by the caller")
                work(starts[i], min(starts[i] + rows, m), buffer)

    if workers == 1 and (inline or _in_pool()):
        worker()
        return
    futures = [_pool(workers).submit(worker) for _ in range(workers)]
    try:
        for future in futures:
            future.result()
    except BaseException:
        stop.set()
        raise
