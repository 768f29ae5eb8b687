"""nwlib._fused: the compiled tile loop of large 1-D Gaussian sums, and when it does not run.

The threshold is lowered for these tests (``FUSED_MIN_ELEMENTS``), so that problems of a few
million values take the fused path: the loop is compiled once per process (the on-disk cache makes
that a load after the first run on a machine). No timings here: ``make bench`` measures the speed.
"""
import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
import warnings

import pytest
import torch
from _reference import data

from nwlib import _engine, _fused, nadaraya_watson

N = 2 * _fused.TILE_COLS + 123  # three tiles of keys, the last one padded
M = 2 * _fused.TILE_ROWS + 89  # three tiles of queries, the last one padded
TEST_THRESHOLD = 10 ** 6
HAS_COMPILER = any(shutil.which(cc) for cc in (os.environ.get("CXX", "g++"), "g++", "clang++"))
needs_compiler = pytest.mark.skipif(not HAS_COMPILER, reason="no C++ compiler: torch.compile "
                                    "cannot build the fused loop here (the eager engine runs)")


@pytest.fixture
def fused_calls(monkeypatch):
    """Lower the threshold; record whether each call took the fused path (True) or fell back."""
    monkeypatch.setattr(_fused, "FUSED_MIN_ELEMENTS", TEST_THRESHOLD)
    monkeypatch.delenv(_fused.ENV_VAR, raising=False)
    calls, tile_sums = [], _fused.tile_sums

    def recording(*args):
        calls.append(tile_sums(*args))
        return calls[-1]

    monkeypatch.setattr(_fused, "tile_sums", recording)
    return calls


def _eager(monkeypatch, *args, **kwargs):
    """The eager engine's answer to the same call."""
    with monkeypatch.context() as patch:
        patch.setenv(_fused.ENV_VAR, "off")
        return nadaraya_watson(*args, return_weights=False, **kwargs)


def _cases():
    x, y, q = data(N, M, dtype=torch.float32)
    far = q.clone()
    far[::5] += 100.0  # 100 from every key: tiny σ/d_min, the rows the engine redoes exactly
    return {
        "book-like data": (x, y, q, 0.05),
        "far queries": (x, y, far, 0.05),
        "values near the largest float32": (x, y * 1e37, q, 0.05),  # the engine scales them
        "a width whose 1/σ² underflows": (x, y, q, 1e30),  # every weight 1: the mean
        "a vanishing width": (x, y, q, 1e-30),  # the nearest key's value
    }


@needs_compiler
@pytest.mark.parametrize("case", list(_cases()))
def test_the_fused_loop_gives_the_eager_estimates_to_float32_rounding(monkeypatch, fused_calls,
                                                                      case):
    x, y, q, sigma = _cases()[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither path warns for the Gaussian
        fused = nadaraya_watson(x, y, q, sigma=sigma, return_weights=False)
        eager = _eager(monkeypatch, x, y, q, sigma=sigma)
    assert fused_calls == [True]
    assert torch.isfinite(fused).all() and torch.isfinite(eager).all()
    # The same kernel values (to an ulp of exp) summed in another order: each sum of positive terms
    # moves by a few float32 roundings, and so does the weighted mean, on the scale of the values.
    # Measured: 6e-8 of max |y| (half an eps). 4e-6 (32 eps) leaves room for other vector widths
    # and orders of summation; a wrong shift, clamp, padding or query order moves far more.
    scale = float(y.abs().max())
    torch.testing.assert_close(fused, eager, rtol=0, atol=4e-6 * scale)
    if case == "a vanishing width":  # exactly the nearest key's value, on both paths
        assert torch.equal(fused, eager)


@needs_compiler
def test_float64_and_several_value_columns_stay_on_the_eager_engine(monkeypatch, fused_calls):
    x, y, q = data(N, M, dtype=torch.float64)
    compiled = []
    monkeypatch.setattr(_fused, "_compile", lambda threads: compiled.append(threads))
    assert torch.equal(nadaraya_watson(x, y, q, sigma=0.05, return_weights=False),
                       _eager(monkeypatch, x, y, q, sigma=0.05))
    two = torch.stack([y, -y], dim=1).float()
    nadaraya_watson(x.float(), two, q.float(), sigma=0.05, return_weights=False)
    assert fused_calls == [] and compiled == []


@pytest.mark.parametrize("failure", ["torch.compile raises", "the first compiled call raises"])
def test_without_a_compiler_the_eager_engine_runs_quietly_and_the_failure_is_remembered(
        monkeypatch, fused_calls, failure):
    monkeypatch.setattr(_fused, "_COMPILED", {})
    monkeypatch.setattr(_fused, "_READY", set())
    monkeypatch.setattr(_fused, "_UNAVAILABLE", [])
    attempts = []

    def no_compiler(*args):
        raise RuntimeError("InvalidCxxCompiler: no working C++ compiler found")

    def compile_step(threads):
        attempts.append(threads)
        if failure == "torch.compile raises":
            no_compiler()
        return no_compiler  # inductor compiles on the first call

    monkeypatch.setattr(_fused, "_compile", compile_step)
    x, y, q = data(N, M, dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not noisy: a debug note at most
        first = nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)
        second = nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)
    eager = _eager(monkeypatch, x, y, q, sigma=0.05)
    assert torch.equal(first, eager) and torch.equal(second, eager)  # the eager engine's answer
    assert fused_calls == [False] and len(attempts) == 1  # the second call did not try again
    assert "InvalidCxxCompiler" in _fused._UNAVAILABLE[0]


def test_nwlib_fused_off_runs_the_eager_engine_and_a_bad_value_is_named(monkeypatch, fused_calls):
    x, y, q = data(N, M, dtype=torch.float32)
    compiled = []
    monkeypatch.setattr(_fused, "_compile", lambda threads: compiled.append(threads))
    for off in ("0", "off", "False", " no "):
        monkeypatch.setenv(_fused.ENV_VAR, off)
        nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)
    assert fused_calls == [] and compiled == []
    monkeypatch.setenv(_fused.ENV_VAR, "maybe")
    with pytest.raises(ValueError, match=r"NWLIB_FUSED='maybe' is not valid.*'off'"):
        nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)


def test_problems_below_the_threshold_never_start_the_compiler(monkeypatch, fused_calls):
    x, y, q = data(N, M, dtype=torch.float32)
    compiled = []
    for name, fresh in (("_COMPILED", {}), ("_READY", set()), ("_UNAVAILABLE", [])):
        monkeypatch.setattr(_fused, name, fresh)
    monkeypatch.setattr(_fused, "_compile", lambda threads: compiled.append(threads))
    monkeypatch.setattr(_fused, "FUSED_MIN_ELEMENTS", N * M + 1)
    nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)
    assert fused_calls == [] and compiled == []
    monkeypatch.setattr(_fused, "FUSED_MIN_ELEMENTS", N * M)  # at the threshold it compiles
    nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)
    assert compiled == [torch.get_num_threads()] and fused_calls == [False]  # None is no loop


def test_inside_the_single_threaded_pool_the_eager_engine_runs(fused_calls):
    x, y, q = data(N, M, dtype=torch.float32)
    _engine.single_threaded(nadaraya_watson, x, y, q, sigma=0.05, return_weights=False)
    assert fused_calls == []


@pytest.fixture
def _ctrl_c_raises():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@needs_compiler
@pytest.mark.usefixtures("_ctrl_c_raises")
def test_ctrl_c_stops_the_fused_loop_after_the_tile_it_is_on(monkeypatch, fused_calls):
    x, y, q = data(N, 200 * _fused.TILE_ROWS, dtype=torch.float32)  # 600 tiles
    nadaraya_watson(x, y, q[:M], sigma=0.05, return_weights=False)  # compiled beforehand
    assert fused_calls == [True]
    loop, done = _fused._loop_for(torch.get_num_threads()), itertools.count()

    def tile_then_ctrl_c(*args):  # Ctrl-C arrives while the third tile runs
        out = loop(*args)
        if next(done) == 2:
            signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        return out

    monkeypatch.setitem(_fused._COMPILED, torch.get_num_threads(), tile_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        nadaraya_watson(x, y, q, sigma=0.05, return_weights=False)
    assert next(done) == 3  # the loop took no tile after that one


_CHILD_SCRIPT = """
import multiprocessing, os, sys, torch
from torch._dynamo.utils import counters
from nwlib import _fused, nadaraya_watson
_fused.FUSED_MIN_ELEMENTS = 10 ** 6
g = torch.Generator().manual_seed(0)
x, q = torch.rand(40000, generator=g) * 5, torch.rand(600, generator=g) * 5
parent = nadaraya_watson(x, torch.sin(x), q, sigma=0.05, return_weights=False)
assert (torch.get_num_threads(), torch.float32) in _fused._READY, _fused._UNAVAILABLE

def child_work(_):  # the eager engine, single-threaded: OpenMP is not safe after a fork
    est = nadaraya_watson(x, torch.sin(x), q, sigma=0.05, return_weights=False)
    return bool((est - parent).abs().max() < 2e-5) and _fused._FORKED

if sys.argv[1] == "fork":
    pid = os.fork()
    if pid == 0:
        os._exit(0 if child_work(0) else 3)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0, "os.fork child failed"
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert all(pool.map(child_work, range(2))), "multiprocessing child failed"
print(dict(counters["inductor"]))
"""


def _run_child(mode):
    run = subprocess.run([sys.executable, "-c", _CHILD_SCRIPT, mode], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return eval(run.stdout.strip().splitlines()[-1])  # the inductor counters, a dict literal


@needs_compiler
def test_a_forked_child_runs_nwlib_after_its_parent_used_the_fused_loop():
    _run_child("fork")  # before the fork handler, OpenMP in the child could hang


@needs_compiler
def test_a_second_process_loads_the_compiled_loop_from_the_on_disk_cache():
    _run_child("load")  # compiles, unless an earlier run on this machine did
    counters = _run_child("load")
    assert counters.get("fxgraph_cache_hit", 0) >= 1 and counters.get("fxgraph_cache_miss", 0) == 0
