"""Benchmark of nwlib's Nadaraya–Watson regression at scale (run by ``make bench``, not by the tests).

In one run on the machine at hand it measures

* 1-D Gaussian estimates at (n, m) = (1e3, 1e3), (1e4, 1e4), (1e5, 1e4) with a fixed width:
  nwlib (float32 and float64, estimates only; float32 with the m × n weights kept), where nwlib's
  fused path runs (float32 from ``_fused.FUSED_MIN_ELEMENTS`` values on) also its eager engine
  (``NWLIB_FUSED=0``) in the same turns, the ``torch.exp`` limit, statsmodels
  ``KernelReg(reg_type="lc")``, a naive numpy broadcast, and
  scipy's ``gaussian_kde`` (a density: the same m·n kernel values, no division);
* peak memory (peak resident set size, VmHWM, of a fresh process) of ``return_weights=False`` at
  (1e5, 1e4) and (1e6, 2e4);
* leave-one-out choice of the width: nwlib's grid of 50 widths against statsmodels'
  ``KernelReg(bw="cv_ls")`` at n = 500 and 2000, with the chosen width of each and both
  objectives evaluated at the same width;
* on the CPU, fused loops compiled by ``torch.compile`` against the eager engine (``fused.py``);
* KeOps, the field's kernel-reduction library, against nwlib at the same sizes in float32
  (``keops_peer.py``; pykeops comes from ``benchmarks/requirements.txt``, which ``make bench``
  installs).

The ``torch.exp`` limit: each kernel value costs one ``exp``. It is measured on the same device,
dtype and number of threads, over the same number of elements (m·n), as ``torch.exp(src, out=dst)``
on a block of the size nwlib uses (``CPU_BLOCK_ELEMENTS`` or ``CUDA_BLOCK_ELEMENTS``) holding
logits drawn uniformly in [floor, 0] (the range nwlib passes to ``exp``), repeated until m·n
values are computed. On the CPU it is the faster of two ways of using the threads: torch's own
intra-op threads on one block, or one Python thread per torch thread, each on its own block
(the way nwlib uses them). The ratio nwlib / limit is reported from the same run.

Writes ``results/results.{md,json,png}``, ``results/keops.{md,json}`` and ``results/fused.{md,json}``
(``results-cuda.*`` and ``keops-cuda.*`` with ``--device cuda``). Usage::

    python benchmarks/run.py [--device cpu|cuda] [--quick] [--threads T] [--out DIR]
"""
# The timed closures are defined and called within one iteration of their loop, on purpose:
# ruff: noqa: B023
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import fused
import keops_peer
import numpy as np
import torch

import nwlib
from nwlib import _engine, _fused
from nwlib._engine import CPU_BLOCK_ELEMENTS, CUDA_BLOCK_ELEMENTS
from nwlib._engine import exp_floor as _exp_floor
from nwlib.bandwidth import loo_cv
from nwlib.data import make_data

SIZES = [(1_000, 1_000), (10_000, 10_000), (100_000, 10_000)]
SIGMA = 0.3  # the fixed width of every method (the book's data live on [0, 5])
LOO_SIZES = [500, 2_000]
LOO_GRID = (0.02, 2.0, 50)  # 50 widths, log-spaced
MEMORY_SIZES = [(100_000, 10_000), (1_000_000, 20_000)]
HERE = Path(__file__).resolve().parent


# ---------------------------------------------------------------- machine and timing

def machine(device: torch.device) -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"cpu": cpu, "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "device": str(device), "date_utc": datetime.datetime.now(datetime.UTC)
            .strftime("%Y-%m-%d %H:%M"), "load_average_1min_at_start": _load()}
    try:
        import scipy
        import statsmodels
        info["scipy"], info["statsmodels"] = scipy.__version__, statsmodels.__version__
    except ImportError:
        pass
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def _load():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def make_sync(device):
    return (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)


def timeit(fn, sync, *, budget_s: float, max_reps: int) -> dict:
    """Median wall time of ``fn``; a warm-up call first unless one call is slow (> 2 s)."""
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    first = time.perf_counter() - t0
    times = [first] if first > 2.0 else []
    while len(times) < max_reps and (sum(times) < budget_s or len(times) < min(3, max_reps)):
        if first > 2.0 and sum(times) + first > budget_s:
            break
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "reps": len(times)}


def alternate(fns: dict, sync, *, budget_s: float, max_reps: int) -> dict:
    """Median wall times of several functions run in turns (one warm-up each, then rounds).

    Taking turns exposes every function to the same background load, so the ratios of the
    medians are fair even on a shared machine.
    """
    times = {k: [] for k in fns}
    for f in fns.values():
        f()
    sync()
    while True:
        for k, f in fns.items():
            sync()
            t0 = time.perf_counter()
            f()
            sync()
            times[k].append(time.perf_counter() - t0)
        rounds = len(times[next(iter(fns))])
        spent = sum(sum(v) for v in times.values())
        if rounds >= max_reps or (rounds >= min(3, max_reps) and spent > budget_s):
            break
    return {k: {"median_s": statistics.median(v), "min_s": min(v), "reps": len(v)}
            for k, v in times.items()}


# ---------------------------------------------------------------- the methods

def book_like_data(n, m, seed=0):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0, 5, n))
    y = 2 * np.sin(x) + x + rng.normal(0, 1, n)
    q = rng.uniform(0, 5, m)
    return x, y, q


def exp_limit_functions(elements: int, dtype, device, block=None) -> tuple[dict, int, int]:
    """Ways of computing ``elements`` values of torch.exp on nwlib's block (module docstring)."""
    if block is None:
        block = CUDA_BLOCK_ELEMENTS if device.type == "cuda" else CPU_BLOCK_ELEMENTS
    block = min(block, elements)
    reps = -(-elements // block)
    gen = torch.Generator().manual_seed(0)
    src = (torch.rand(block, generator=gen, dtype=torch.float64) * _exp_floor(dtype)).to(device, dtype)

    def own_threads():
        dst = torch.empty_like(src)
        for _ in range(reps):
            torch.exp(src, out=dst)

    variants = {"torch threads": own_threads}
    threads = torch.get_num_threads()
    if device.type == "cpu" and threads > 1:
        def python_threads():
            def part(w):
                torch.set_num_threads(1)
                dst = torch.empty_like(src)
                for _ in range(w, reps, threads):
                    torch.exp(src, out=dst)
            try:
                with ThreadPoolExecutor(threads) as pool:
                    list(pool.map(part, range(threads)))
            finally:
                torch.set_num_threads(threads)
        variants["Python threads"] = python_threads
    return variants, block, reps


def eager_engine(fn):
    """``fn`` run with nwlib's fused path off (``NWLIB_FUSED=0``): the eager engine."""
    def call():
        before = os.environ.get(_fused.ENV_VAR)
        os.environ[_fused.ENV_VAR] = "0"
        try:
            fn()
        finally:
            if before is None:
                del os.environ[_fused.ENV_VAR]
            else:
                os.environ[_fused.ENV_VAR] = before
    return call


EAGER = "nwlib, eager engine (NWLIB_FUSED=0), float32"


def statsmodels_lc(x, y, q):
    from statsmodels.nonparametric.kernel_regression import KernelReg
    kr = KernelReg(endog=[y], exog=[x], var_type="c", reg_type="lc", bw=[SIGMA])
    return kr.fit(q)[0]


def numpy_broadcast(x, y, q):
    w = np.exp(-0.5 * ((q[:, None] - x[None, :]) / SIGMA) ** 2)
    return (w @ y) / w.sum(axis=1)


def scipy_kde(x, q):
    from scipy.stats import gaussian_kde
    return gaussian_kde(x, bw_method=SIGMA / x.std(ddof=1))(q)


def regression_benchmark(device, sync, quick, mem_cap_gb, log):
    rows = []
    budget, max_reps = (1.0, 3) if quick else (3.0, 7)
    for n, m in SIZES:
        x, y, q = book_like_data(n, m)
        big = n * m >= 10 ** 9
        entry = {"n": n, "m": m, "kernel_values": n * m, "methods": {}}
        res = entry["methods"]
        tensors = {dt: [torch.as_tensor(a, dtype=dt, device=device) for a in (x, y, q)]
                   for dt in (torch.float32, torch.float64)}
        reference = nwlib.nadaraya_watson(*tensors[torch.float64], sigma=SIGMA,
                                          return_weights=False, device=device).cpu().numpy()

        def record(name, fn, *, estimate=True, skip=None, **kw):
            if skip:
                res[name] = {"skipped": skip}
                log(f"  {name}: skipped ({skip})")
                return
            out = {}

            def call():
                out["value"] = fn()
            r = timeit(call, sync, budget_s=kw.get("budget_s", budget), max_reps=kw.get("max_reps", max_reps))
            if estimate:
                value = out["value"]
                value = value.cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
                r["max_abs_diff_vs_nwlib_f64"] = float(np.max(np.abs(value - reference)))
            r["kernel_values_per_s"] = n * m / r["median_s"]
            res[name] = r
            log(f"  {name}: {r['median_s']:.4g} s ({r['kernel_values_per_s'] / 1e9:.3g} G/s, "
                f"{r['reps']} reps)")

        log(f"(n, m) = ({n:.0e}, {m:.0e})")
        for dt, label in ((torch.float32, "float32"), (torch.float64, "float64")):
            xt, yt, qt = tensors[dt]
            out = {}

            def ours(xt=xt, yt=yt, qt=qt, key="est"):
                out[key] = nwlib.nadaraya_watson(xt, yt, qt, sigma=SIGMA, return_weights=False,
                                                 device=device)
            variants, block, reps = exp_limit_functions(n * m, dt, device)
            # where the fused path runs, the eager engine takes its turn beside it
            fused_here = _fused.applies(m, n, 1, dt, device)
            engines = {"nwlib": ours}
            if fused_here:
                engines["eager"] = eager_engine(lambda: ours(key="eager"))
            # nwlib and the exp limit take turns, so that both see the same load
            timed = alternate({**engines, **variants}, sync, budget_s=2 * budget,
                              max_reps=max_reps + 2)
            for key, name in (("est", f"nwlib, estimates only, {label}"), ("eager", EAGER)):
                if key == "est" or fused_here:
                    r = timed.pop("nwlib" if key == "est" else "eager")
                    r["max_abs_diff_vs_nwlib_f64"] = float(np.abs(out[key].cpu().double().numpy()
                                                                  - reference).max())
                    r["kernel_values_per_s"] = n * m / r["median_s"]
                    res[name] = r
            mine = res[f"nwlib, estimates only, {label}"]
            if dt == torch.float32:
                # whether the fused loop compiled and ran (else both rows are the eager engine)
                entry["fused_ran"] = fused_here and (torch.get_num_threads(), dt) in _fused._READY
                if not fused_here:
                    res[EAGER] = {"skipped": "no fused path here (below its threshold, or not "
                                             "the CPU): the row above is the eager engine"}
            best = min(timed, key=lambda k: timed[k]["median_s"])
            lim = dict(timed[best])
            lim["how"] = f"torch.exp on a block of {block} values, {reps} times, {best}"
            lim["variants"] = {k: r["median_s"] for k, r in timed.items()}
            lim["kernel_values_per_s"] = n * m / lim["median_s"]
            res[f"torch.exp limit, {label}"] = lim
            if dt == torch.float32:
                big_block = min(n * m, 2 ** 26)
                big_variants, _, big_reps = exp_limit_functions(n * m, dt, device, block=big_block)
                big = alternate(big_variants, sync, budget_s=budget, max_reps=max(1, max_reps // 2))
                name = min(big, key=lambda k: big[k]["median_s"])
                big = dict(big[name], how=f"torch.exp on an array of {big_block} values, "
                                          f"{big_reps} times, {name}")
                big["kernel_values_per_s"] = n * m / big["median_s"]
                res["torch.exp on large arrays (memory-bound), float32"] = big
                entry["ratio_to_large_array_exp_float32"] = big["median_s"] / mine["median_s"]
            log(f"  nwlib, estimates only, {label}: {mine['median_s']:.4g} s "
                f"({mine['kernel_values_per_s'] / 1e9:.3g} G/s, {mine['reps']} reps); torch.exp limit "
                f"{lim['median_s']:.4g} s ({lim['how']}); ratio {lim['median_s'] / mine['median_s']:.2f}")
        xt, yt, qt = tensors[torch.float32]
        weights_gb = 4 * n * m / 1e9
        record("nwlib, m×n weights kept, float32",
               lambda: nwlib.nadaraya_watson(xt, yt, qt, sigma=SIGMA, device=device)[0],
               skip=f"the m×n matrix needs {weights_gb:.1f} GB" if weights_gb > mem_cap_gb else None)
        cpu_skip = "--quick" if quick and big else None
        record("statsmodels KernelReg lc, float64", lambda: statsmodels_lc(x, y, q),
               skip=cpu_skip, budget_s=budget, max_reps=3)
        numpy_gb = 3 * 8 * n * m / 1e9
        record("numpy broadcast, float64", lambda: numpy_broadcast(x, y, q),
               skip=cpu_skip or (f"needs about {numpy_gb:.0f} GB" if numpy_gb > mem_cap_gb else None),
               max_reps=3)
        record("scipy gaussian_kde density, float64", lambda: scipy_kde(x, q), estimate=False,
               skip=cpu_skip, max_reps=3)
        f32, lim32 = res["nwlib, estimates only, float32"], res["torch.exp limit, float32"]
        entry["ratio_to_exp_float32"] = lim32["median_s"] / f32["median_s"]
        if "median_s" in res[EAGER]:
            entry["ratio_to_exp_float32_eager"] = lim32["median_s"] / res[EAGER]["median_s"]
            entry["fused_speedup_float32"] = res[EAGER]["median_s"] / f32["median_s"]
        f64, lim64 = res["nwlib, estimates only, float64"], res["torch.exp limit, float64"]
        entry["ratio_to_exp_float64"] = lim64["median_s"] / f64["median_s"]
        sm = res["statsmodels KernelReg lc, float64"]
        if "median_s" in sm:
            entry["speedup_vs_statsmodels_float32"] = sm["median_s"] / f32["median_s"]
        rows.append(entry)
    return rows


def op_profile(device, sync, quick, log) -> dict:
    """Time each operation of the 1-D Gaussian tile loop alone, on one tile of nwlib's shape.

    Each operation runs ``reps`` times on the same cache-resident tile, on one thread (the way
    nwlib's CPU workers run them); the share of each in the sum says what a kernel value costs.
    """
    n, m = 100_000, 10_000
    cols = min(n, _engine._CPU_TILE_COLUMNS) if device.type == "cpu" else n
    block = CUDA_BLOCK_ELEMENTS if device.type == "cuda" else CPU_BLOCK_ELEMENTS
    rows = max(1, min(m, block // cols))
    gen = torch.Generator().manual_seed(0)
    q = (torch.rand(rows, 1, generator=gen) * 5).to(device)
    x = (torch.rand(cols, generator=gen) * 5).sort().values.to(device)
    y = torch.randn(cols, generator=gen).to(device)
    shift = torch.zeros(rows, 1, device=device)
    num, den = torch.zeros(rows, device=device), torch.zeros(rows, device=device)
    tile, src = torch.empty(rows, cols, device=device), torch.empty(rows, cols, device=device)
    c, floor = 0.5 / SIGMA ** 2, _exp_floor(torch.float32)
    torch.sub(q, x, out=src)
    torch.addcmul(shift, src, src, value=-c, out=src)
    src.clamp_(min=floor)
    ops = {"q − x (sub)": lambda: torch.sub(q, x, out=tile),
           "shift − c·d² (addcmul)": lambda: torch.addcmul(shift, src, src, value=-c, out=tile),
           "clamp at the floor": lambda: torch.clamp(src, min=floor, out=tile),
           "exp": lambda: torch.exp(src, out=tile),
           "Σ k·y (addmv)": lambda: num.addmv_(src, y),
           "Σ k (sum) and add": lambda: den.add_(src.sum(dim=1))}
    reps = 50 if quick else 200
    before = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(1)
    try:
        out = {}
        for name, f in ops.items():
            best = float("inf")
            for _ in range(3 if quick else 5):
                sync()
                t0 = time.perf_counter()
                for _ in range(reps):
                    f()
                sync()
                best = min(best, (time.perf_counter() - t0) / reps)
            out[name] = best
    finally:
        torch.set_num_threads(before)
    total = sum(out.values())
    log("  tile profile (" + ", ".join(f"{k}: {v * 1e6:.1f} µs" for k, v in out.items()) + ")")
    return {"rows": rows, "cols": cols, "seconds_per_op": out, "exp_share": out["exp"] / total,
            "threads": 1 if device.type == "cpu" else "GPU"}


MEMORY_CODE = r"""
import json, sys, torch, nwlib
n, m, device, threads = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
torch.set_num_threads(threads)
gen = torch.Generator().manual_seed(0)
x = torch.rand(n, generator=gen) * 5
y = 2 * torch.sin(x) + x + torch.randn(n, generator=gen)
q = torch.rand(m, generator=gen) * 5
if device == "cuda":
    x, y, q = x.cuda(), y.cuda(), q.cuda()
def status_mb(key):
    # VmHWM is this process's peak RSS; ru_maxrss would also count the parent's before exec
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
before = status_mb("VmRSS")
est = nwlib.nadaraya_watson(x, y, q, sigma=0.3, return_weights=False, device=device)
out = {"rss_before_call_mb": before, "peak_rss_mb": status_mb("VmHWM"),
       "finite": bool(torch.isfinite(est).all())}
if device == "cuda":
    out["cuda_peak_allocated_mb"] = torch.cuda.max_memory_allocated() / 2**20
print(json.dumps(out))
"""


def memory_benchmark(device, log):
    rows = []
    for n, m in MEMORY_SIZES:
        proc = subprocess.run([sys.executable, "-c", MEMORY_CODE, str(n), str(m), device.type,
                               str(torch.get_num_threads())], capture_output=True, text=True,
                              check=True)
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        r.update(n=n, m=m)
        rows.append(r)
        log(f"  memory ({n:.0e}, {m:.0e}): peak RSS {r['peak_rss_mb']:.0f} MB "
            f"(before the call {r['rss_before_call_mb']:.0f} MB)")
    return rows


def loo_benchmark(device, sync, quick, log):
    from statsmodels.nonparametric.kernel_regression import KernelReg
    rows = []
    lo, hi, count = LOO_GRID
    for n in LOO_SIZES:
        data = make_data(n=n, seed=0, dtype=torch.float64)
        x, y = data.x_train.numpy(), data.y_train.numpy()
        grid = torch.logspace(np.log10(lo), np.log10(hi), count, dtype=torch.float64)
        xt, yt = data.x_train.to(device), data.y_train.to(device)
        out = {}

        def ours():
            out["nw"] = loo_cv(xt, yt, grid, device=device)
        mine = timeit(ours, sync, budget_s=1.0 if quick else 3.0, max_reps=5 if quick else 9)
        nw = out["nw"]

        def theirs():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out["sm"] = KernelReg(endog=[y], exog=[x], var_type="c", reg_type="lc", bw="cv_ls")
        sm_time = timeit(theirs, lambda: None, budget_s=1.0 if quick else 5.0, max_reps=3)
        kr = out["sm"]
        sm_sigma = float(kr.bw[0])

        def sm_objective(s):
            return np.asarray(kr.cv_loo(np.array([s]), kr._est_loc_constant)).item()
        nw_at_sm = float(loo_cv(xt, yt, [abs(sm_sigma)], device=device).scores[0])
        r = {"n": n, "widths": count,
             "nwlib_s": mine["median_s"], "statsmodels_cv_ls_s": sm_time["median_s"],
             "speedup": sm_time["median_s"] / mine["median_s"],
             "nwlib_sigma": nw.best_sigma, "nwlib_score": nw.best_score,
             "statsmodels_objective_at_nwlib_sigma": sm_objective(nw.best_sigma),
             "statsmodels_sigma": sm_sigma,
             "statsmodels_objective_at_its_sigma": sm_objective(sm_sigma),
             "nwlib_score_at_statsmodels_sigma": nw_at_sm}
        r["score_diff_at_nwlib_sigma"] = abs(r["nwlib_score"] - r["statsmodels_objective_at_nwlib_sigma"])
        r["score_diff_at_statsmodels_sigma"] = abs(nw_at_sm - r["statsmodels_objective_at_its_sigma"])
        rows.append(r)
        log(f"  LOO n={n}: nwlib {r['nwlib_s']:.4g} s (σ={nw.best_sigma:.4g}), statsmodels cv_ls "
            f"{r['statsmodels_cv_ls_s']:.4g} s (σ={sm_sigma:.4g}); × {r['speedup']:.1f}; "
            f"|Δscore| {r['score_diff_at_nwlib_sigma']:.1e}, {r['score_diff_at_statsmodels_sigma']:.1e}")
    return rows


# ---------------------------------------------------------------- reports

def _sci(v):
    """1000 → '1e3', 20000 → '2e4'."""
    mant, exp = f"{v:.0e}".split("e")
    return f"{mant}e{int(exp)}"


def _rate(per_s):
    g = per_s / 1e9
    return f"{g:.0f} G/s" if g >= 100 else f"{g:.2g} G/s"


def _fmt_s(r):
    if "skipped" in r:
        return f"not run: {r['skipped']}"
    return f"{r['median_s']:.3g} s ({_rate(r['kernel_values_per_s'])})"


def write_markdown(path, res):
    info, reg, mem, loo = res["machine"], res["regression"], res["memory"], res["loo"]
    where = info.get("gpu", info["cpu"])
    lines = [f"Measured on **{where}** ({info['device']}; CPU {info['cpu']}, {info['cpu_count']} cores, "
             f"{info['torch_threads']} torch threads; torch {info['torch']}, Python {info['python']}), "
             f"{info['date_utc']} UTC{', quick run' if res['quick'] else ''}; load average at start "
             f"{info['load_average_1min_at_start']:.2f}. Median wall time of each method, and kernel "
             "values per second (m·n / time). 1-D Gaussian kernel, σ = 0.3, n training points, "
             "m queries.", ""]
    names = list(reg[0]["methods"])
    head = "| method | " + " | ".join(f"n = {_sci(r['n'])}, m = {_sci(r['m'])}" for r in reg) + " |"
    lines += [head, "|" + " --- |" * (len(reg) + 1)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_fmt_s(r["methods"][name]) for r in reg) + " |")
    lines.append("| **nwlib float32 / torch.exp limit** | "
                 + " | ".join(f"**{r['ratio_to_exp_float32']:.2f}**" for r in reg) + " |")
    lines.append("| nwlib float32, eager engine (NWLIB_FUSED=0) / torch.exp limit | "
                 + " | ".join(f"{r['ratio_to_exp_float32_eager']:.2f}"
                              if "ratio_to_exp_float32_eager" in r else "same engine" for r in reg)
                 + " |")
    lines.append("| **nwlib float32: speed-up of the fused path over the eager engine** | "
                 + " | ".join(f"**×{r['fused_speedup_float32']:.2f}**"
                              if "fused_speedup_float32" in r else "not used" for r in reg) + " |")
    lines.append("| nwlib float32 / torch.exp on large arrays | "
                 + " | ".join(f"{r['ratio_to_large_array_exp_float32']:.2f}" for r in reg) + " |")
    lines.append("| nwlib float64 / torch.exp limit | "
                 + " | ".join(f"{r['ratio_to_exp_float64']:.2f}" for r in reg) + " |")
    lines.append("| **nwlib float32 speed-up over statsmodels** | "
                 + " | ".join(f"**×{r['speedup_vs_statsmodels_float32']:.0f}**"
                              if "speedup_vs_statsmodels_float32" in r else "–" for r in reg) + " |")
    lines.append("| largest difference from nwlib float64 (statsmodels, numpy, nwlib float32) | "
                 + " | ".join(", ".join(f"{r['methods'][k]['max_abs_diff_vs_nwlib_f64']:.0e}"
                                        for k in ("statsmodels KernelReg lc, float64",
                                                  "numpy broadcast, float64",
                                                  "nwlib, estimates only, float32")
                                        if "max_abs_diff_vs_nwlib_f64" in r["methods"][k]) or "–"
                              for r in reg) + " |")
    lines += ["", "Peak memory of a fresh process (peak resident set size, `VmHWM`) running "
              "`nadaraya_watson(..., return_weights=False)` in float32:", "",
              "| (n, m) | RSS before the call | peak RSS |" +
              (" peak GPU memory allocated |" if "cuda_peak_allocated_mb" in mem[0] else ""),
              "| --- | --- | --- |" + (" --- |" if "cuda_peak_allocated_mb" in mem[0] else "")]
    for r in mem:
        lines.append(f"| n = {_sci(r['n'])}, m = {_sci(r['m'])} | {r['rss_before_call_mb']:.0f} MB | "
                     f"**{r['peak_rss_mb']:.0f} MB** |" +
                     (f" {r['cuda_peak_allocated_mb']:.0f} MB |" if "cuda_peak_allocated_mb" in r else ""))
    lines += ["", f"Leave-one-out choice of σ, float64: nwlib scores a grid of {LOO_GRID[2]} widths "
              f"(log-spaced, {LOO_GRID[0]} to {LOO_GRID[1]}); statsmodels `KernelReg(reg_type=\"lc\", "
              "bw=\"cv_ls\")` minimises the same objective with an optimiser. Both objectives are "
              "evaluated at both chosen widths.", "",
              "| n | nwlib (50 widths) | statsmodels cv_ls | speed-up | σ nwlib | σ statsmodels | "
              "CV(σ nwlib): nwlib / statsmodels | CV(σ statsmodels): nwlib / statsmodels |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in loo:
        lines.append(f"| {r['n']} | {r['nwlib_s']:.3g} s | {r['statsmodels_cv_ls_s']:.3g} s | "
                     f"**×{r['speedup']:.0f}** | {r['nwlib_sigma']:.4f} | {r['statsmodels_sigma']:.4f} | "
                     f"{r['nwlib_score']:.12f} / {r['statsmodels_objective_at_nwlib_sigma']:.12f} | "
                     f"{r['nwlib_score_at_statsmodels_sigma']:.12f} / "
                     f"{r['statsmodels_objective_at_its_sigma']:.12f} |")
    prof = res["profile"]
    total = sum(prof["seconds_per_op"].values())
    lines += ["", f"What one tile of the 1-D Gaussian loop costs ({prof['rows']} queries × {prof['cols']} "
              f"training points, float32, each operation timed alone, "
              + ("on the GPU" if prof["threads"] == "GPU" else f"{prof['threads']} thread(s)") + "):", "",
              "| operation | time per tile | share |", "| --- | --- | --- |"]
    for name, t in prof["seconds_per_op"].items():
        lines.append(f"| {name} | {t * 1e6:.1f} µs | {t / total:.0%} |")
    lines.append(f"| all | {total * 1e6:.1f} µs | 100% |")
    lines += ["", "Targets, from this run:", "", "| target | measured | met |",
              "| --- | --- | --- |"]
    for t in res["targets"]:
        lines.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else '**no**'} |")
    Path(path).write_text("\n".join(lines) + "\n")


def targets(res):
    reg = {(r["n"], r["m"]): r for r in res["regression"]}
    big = reg[(100_000, 10_000)]
    out = [{"target": "float32 at (1e5, 1e4): ≥ 0.5 of the torch.exp limit",
            "measured": f"{big['ratio_to_exp_float32']:.2f}", "met": big["ratio_to_exp_float32"] >= 0.5}]
    if "fused_speedup_float32" in big:  # issue 17's bar for keeping the fused path
        ran = "" if big["fused_ran"] else " (it did not compile here: both are the eager engine)"
        out.append({"target": "float32 at (1e5, 1e4): fused path ≥ 1.5 × the eager engine",
                    "measured": f"× {big['fused_speedup_float32']:.2f}{ran}",
                    "met": big["fused_ran"] and big["fused_speedup_float32"] >= 1.5})
    if "speedup_vs_statsmodels_float32" in big:
        out.append({"target": "float32 at (1e5, 1e4): ≥ 30 × statsmodels",
                    "measured": f"× {big['speedup_vs_statsmodels_float32']:.1f}",
                    "met": big["speedup_vs_statsmodels_float32"] >= 30})
    mem = [r for r in res["memory"] if (r["n"], r["m"]) == (1_000_000, 20_000)][0]
    out.append({"target": "peak memory at n = 1e6, m = 2e4 < 1.5 GB",
                "measured": f"{mem['peak_rss_mb']:.0f} MB", "met": mem["peak_rss_mb"] < 1500})
    for r in res["loo"]:
        if r["n"] == 2000:
            diff = max(r["score_diff_at_nwlib_sigma"], r["score_diff_at_statsmodels_sigma"])
            out.append({"target": "LOO, 50 widths, n = 2000: ≥ 20 × statsmodels cv_ls",
                        "measured": f"× {r['speedup']:.1f}", "met": r["speedup"] >= 20})
            out.append({"target": "LOO: same score at the same σ to 1e-9 (float64)",
                        "measured": f"{diff:.1e}", "met": diff <= 1e-9})
    return out


def plot(path, res):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Okabe–Ito colours and a hatch per method: the bars read without colour vision too
    # (8 colours, 9 hatches: no two of the first 72 methods share both)
    colours = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
               "#F0E442")
    hatches = ("", "//", "..", "xx", "\\\\", "++", "--", "oo", "||")
    reg, loo = res["regression"], res["loo"]
    names = [k for k in reg[0]["methods"]]
    with plt.rc_context({"font.size": 12, "hatch.linewidth": 0.8}):
        # stacked panels, so the chart keeps a readable size on a narrow page
        fig, (ax, ax2) = plt.subplots(2, 1, figsize=(9, 9.5), height_ratios=[2, 1],
                                      layout="constrained")
        width = 0.8 / len(names)
        for i, name in enumerate(names):
            xs, vals = [], []
            for j, r in enumerate(reg):
                meth = r["methods"][name]
                if "kernel_values_per_s" in meth:
                    xs.append(j + (i - len(names) / 2 + 0.5) * width)
                    vals.append(meth["kernel_values_per_s"])
            ax.bar(xs, vals, width, label=name, color=colours[i % len(colours)],
                   hatch=hatches[i % len(hatches)], edgecolor="white", linewidth=0.5)
        ax.set_yscale("log")
        ax.set_xticks(range(len(reg)), [f"n = {_sci(r['n'])}\nm = {_sci(r['m'])}" for r in reg])
        ax.set_ylabel("kernel values per second (m·n / time)")
        info = res["machine"]
        ax.set_title(f"1-D Gaussian Nadaraya–Watson on {info.get('gpu', info['cpu'])}, "
                     f"{info['torch_threads']} threads")
        ax.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
        ax.grid(axis="y", alpha=0.3)
        xs = np.arange(len(loo))
        ax2.bar(xs - 0.2, [r["nwlib_s"] for r in loo], 0.4, label="nwlib, grid of 50",
                color=colours[0])
        ax2.bar(xs + 0.2, [r["statsmodels_cv_ls_s"] for r in loo], 0.4, label="statsmodels cv_ls",
                color=colours[1], hatch="//", edgecolor="white", linewidth=0.5)
        ax2.set_yscale("log")
        ax2.set_xticks(xs, [f"n={r['n']}" for r in loo])
        ax2.set_ylabel("seconds")
        ax2.set_title("leave-one-out choice of σ, float64")
        ax2.legend(fontsize=10, loc="upper left")
        ax2.grid(axis="y", alpha=0.3)
        fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repetitions; no statsmodels, numpy or scipy at (1e5, 1e4)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--memory-cap-gb", type=float, default=4.0,
                        help="skip naive methods whose m×n matrices need more than this")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = nwlib.default_device(args.device)
    sync = make_sync(device)
    torch.manual_seed(0)
    start = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - start:6.1f} s] {msg}", flush=True)

    res = {"machine": machine(device), "quick": args.quick, "sigma": SIGMA}
    log(f"machine: {res['machine']}")
    res["regression"] = regression_benchmark(device, sync, args.quick, args.memory_cap_gb, log)
    res["profile"] = op_profile(device, sync, args.quick, log)
    res["memory"] = memory_benchmark(device, log)
    res["loo"] = loo_benchmark(device, sync, args.quick, log)
    res["targets"] = targets(res)
    log("KeOps")
    res["keops"] = keops_peer.measure(
        SIZES, lambda n, m: book_like_data(n, m), SIGMA, device, sync, args.quick, log)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if device.type == "cpu" else f"-{device.type}"
    (args.out / f"keops{suffix}.json").write_text(json.dumps(res["keops"], indent=1) + "\n")
    (args.out / f"keops{suffix}.md").write_text(
        "\n".join(keops_peer.markdown(res["keops"], res["machine"].get("gpu", res["machine"]["cpu"])))
        + "\n")
    if device.type == "cpu":
        log("fused loops (torch.compile) against the eager engine")
        limit, _, _ = exp_limit_functions(fused.N * fused.M, torch.float32, device)
        res["fused"] = fused.measure(args.quick, log, limit=limit)
        (args.out / "fused.json").write_text(json.dumps(res["fused"], indent=1) + "\n")
        fused.write_markdown(args.out / "fused.md", res["fused"])
    res["seconds"] = time.perf_counter() - start
    stem = "results" if device.type == "cpu" else f"results-{device.type}"
    (args.out / f"{stem}.json").write_text(json.dumps(res, indent=1) + "\n")
    write_markdown(args.out / f"{stem}.md", res)
    plot(args.out / f"{stem}.png", res)
    log(f"wrote {args.out / stem}.{{md,json,png}}")
    for t in res["targets"]:
        log(f"target: {t['target']}: {t['measured']} ({'met' if t['met'] else 'NOT met'})")


if __name__ == "__main__":
    main()
