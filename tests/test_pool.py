"""nwlib._pool: the engine's threads, their stop signals and the reset after fork.

Nothing here measures time: an interrupt is checked by counting the blocks (or loop steps) that
run after it, which must be at most one per worker.
"""
import itertools
import signal
import subprocess
import sys
import threading
import time

import pytest
import torch
from _reference import data

from nwlib import _engine, _pool, nadaraya_watson


def test_pool_threads_compute_single_threaded():
    assert _engine.single_threaded(torch.get_num_threads) == 1
    assert torch.get_num_threads() >= 1  # the caller's count is its own


@pytest.fixture(autouse=True)
def _ctrl_c_raises():
    """SIGINT raises KeyboardInterrupt, as in a notebook, whatever the test runner set (a pytest-xdist
    worker ignores SIGINT)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _interrupt_soon(after_s=0.2):
    """Ctrl-C (SIGINT) to this, the main thread, from a timer: what a notebook's interrupt does."""
    timer = threading.Timer(after_s, signal.pthread_kill,
                            (threading.main_thread().ident, signal.SIGINT))
    timer.start()
    return timer


def test_ctrl_c_stops_the_workers_after_their_current_block():
    done = itertools.count()
    blocks, workers = 20000, 2  # far more than the interrupt leaves time for, even on a busy machine

    def work(start, stop, buffer):
        time.sleep(0.005)
        next(done)

    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        _engine.run_blocks(work, lambda: None, blocks, 1, workers)
    at_interrupt = next(done)
    _pool._pool(workers).submit(lambda: None).result(timeout=60)  # the workers are idle again
    # each worker finished the block it was on and took no other
    assert next(done) - at_interrupt - 1 <= workers
    assert at_interrupt < blocks // 2


def test_ctrl_c_during_a_large_call_leaves_no_work_behind(monkeypatch):
    monkeypatch.setattr(_engine, "_PARALLEL_MIN_ELEMENTS", 0)
    done, add_sums = itertools.count(), _engine._add_sums

    def slow_add_sums(*args):  # a block that takes 2 ms: 20000 of them would take 20 s
        time.sleep(0.002)
        add_sums(*args)
        next(done)

    monkeypatch.setattr(_engine, "_add_sums", slow_add_sums)
    x, y, q = data(200, 20000, d=2, dtype=torch.float32)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        _interrupt_soon()
        with pytest.raises(KeyboardInterrupt):
            nadaraya_watson(x, y, q, sigma=0.3, return_weights=False, block_size=1)
        at_interrupt = next(done)
        _pool._pool(2).submit(lambda: None).result(timeout=60)
    finally:
        torch.set_num_threads(before)
    assert next(done) - at_interrupt - 1 <= 2 and at_interrupt < 10000


def test_an_interrupted_loop_stops_at_its_next_iteration_and_a_new_call_does_not_undo_that():
    steps = itertools.count()

    def loop():
        for _ in range(20000):
            _engine.raise_if_stopped()
            time.sleep(0.005)
            next(steps)

    _interrupt_soon()
    with pytest.raises(KeyboardInterrupt):
        _engine.single_threaded(loop)
    at_interrupt = next(steps)
    # a new call, queued behind the interrupted one, has its own stop signal: the old loop still
    # stops at its next iteration instead of running its 20000 steps to the end
    assert _engine.single_threaded(lambda: 42) == 42
    assert next(steps) - at_interrupt - 1 <= 1
    _engine.raise_if_stopped()  # outside a call: nothing to stop


_FORK_SCRIPT = """
import multiprocessing, os, torch
import nwlib
from nwlib import _engine
_engine._PARALLEL_MIN_ELEMENTS = 0  # the parent's call uses a pool of several threads
torch.set_num_threads(2)
x = torch.rand(3000, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
q = x[:2000] + 0.01
parent = nwlib.nadaraya_watson(x, x, q, sigma=0.1, return_weights=False)
torch.rand(400, 400) @ torch.rand(400, 400)  # torch's own threads too

def child_work(_):
    est = nwlib.nadaraya_watson(x, x, q, sigma=0.1, return_weights=False)
    scores = nwlib.bandwidth.loo_cv(x[:400], x[:400], [0.1, 0.2]).scores
    torch.rand(400, 400) @ torch.rand(400, 400)
    return bool(torch.equal(est, parent)) and bool(torch.isfinite(scores).all())

pid = os.fork()
if pid == 0:
    os._exit(0 if child_work(0) else 3)
assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, "os.fork child failed"
with multiprocessing.get_context("fork").Pool(2) as pool:
    assert all(pool.map(child_work, range(2))), "multiprocessing child failed"
print("ok")
"""


def test_a_forked_child_uses_nwlib_after_its_parent_did():
    # before the fork handler, the child hung forever on the parent's pools and OpenMP threads
    run = subprocess.run([sys.executable, "-c", _FORK_SCRIPT], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


