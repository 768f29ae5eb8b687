"""KeOps, the field's kernel-reduction library, as a peer of nwlib (run by ``make bench``).

KeOps (pykeops 2.3, a benchmark-only dependency: ``benchmarks/requirements.txt``) writes a C++
(CPU) or CUDA (GPU) reduction for each symbolic formula and compiles it with g++/nvcc and
pybind11 on its first use. The estimate is its stable softmax-weighted sum,

    f̂(q_a) = Σ_i exp(ℓ_ai) y_i / Σ_i exp(ℓ_ai),  ℓ_ai = −(q_a − x_i)² / (2σ²),

which KeOps computes with a running maximum (as nwlib's shift by the nearest key). The first call
of each formula (the compile) is timed apart, then KeOps and nwlib are timed in turns, warm, on
the same data, dtype and device, and compared with nwlib in float64.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

import nwlib


def available() -> str | None:
    """None if pykeops can be imported, else why not."""
    try:
        import pykeops  # noqa: F401
    except ImportError as err:
        return f"pykeops is not installed ({err}); `make bench` installs it"
    return None


def keops_nw(x, y, q, sigma):
    from pykeops.torch import LazyTensor
    q_i = LazyTensor(q[:, None, None])
    x_j = LazyTensor(x[None, :, None])
    y_j = LazyTensor(y[None, :, None])
    logits = -((q_i - x_j) ** 2).sum(-1) * (0.5 / sigma ** 2)
    return logits.sumsoftmaxweight(y_j, axis=1)[:, 0]


def compile_time() -> float:
    """Seconds of the first KeOps call of a fresh process whose build folder is empty."""
    here = str(Path(__file__).resolve().parent)
    with tempfile.TemporaryDirectory() as build:
        code = (f"import sys, time, torch, pykeops; sys.path.insert(0, {here!r}); "
                f"import keops_peer; pykeops.set_build_folder({build!r}); "
                "x = torch.rand(1000); q = torch.rand(100); t = time.perf_counter(); "
                "keops_peer.keops_nw(x, x, q, 0.3); print(time.perf_counter() - t)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env=dict(os.environ))
    return float(out.stdout.strip().splitlines()[-1])


def measure(sizes, make_data, sigma, device, sync, quick, log) -> dict:
    """KeOps against nwlib at each (n, m), float32, timed warm and in turns."""
    why = available()
    if why:
        log(f"  KeOps: skipped ({why})")
        return {"skipped": why}
    import pykeops
    t0 = time.perf_counter()
    out = {"pykeops": pykeops.__version__, "sizes": [],
           "load_average_1min_at_start": round(os.getloadavg()[0], 2), "compile_s": compile_time(),
           "load_average_1min_at_compile": round(os.getloadavg()[0], 2)}
    log(f"  KeOps: first call with an empty build folder {out['compile_s']:.1f} s "
        f"(in {time.perf_counter() - t0:.1f} s)")
    rounds = 3 if quick else 5
    for n, m in sizes:
        x, y, q = (torch.as_tensor(a, dtype=torch.float32, device=device) for a in make_data(n, m))
        t0 = time.perf_counter()
        keops_nw(x, y, q, sigma)  # compiles the formula on its first use (then cached on disk)
        sync()
        first = time.perf_counter() - t0
        reference = nwlib.nadaraya_watson(x.double(), y.double(), q.double(), sigma=sigma,
                                          return_weights=False, device=device)
        fns = {"KeOps": lambda x=x, y=y, q=q: keops_nw(x, y, q, sigma),
               "nwlib": lambda x=x, y=y, q=q: nwlib.nadaraya_watson(
                   x, y, q, sigma=sigma, return_weights=False, device=device)}
        times = {k: [] for k in fns}
        values = {k: f() for k, f in fns.items()}
        for _ in range(rounds):
            for k, f in fns.items():
                sync()
                t = time.perf_counter()
                f()
                sync()
                times[k].append(time.perf_counter() - t)
        row = {"n": n, "m": m, "first_call_s": first}
        for k, v in times.items():
            med = statistics.median(v)
            row[k] = {"median_s": med, "kernel_values_per_s": n * m / med,
                      "max_abs_diff_vs_nwlib_f64":
                          float((values[k].double() - reference).abs().max())}
        row["nwlib_over_keops"] = row["KeOps"]["median_s"] / row["nwlib"]["median_s"]
        log(f"  KeOps at ({n:.0e}, {m:.0e}): {row['KeOps']['median_s']:.3g} s warm "
            f"(first call {first:.1f} s), nwlib {row['nwlib']['median_s']:.3g} s, "
            f"diff {row['KeOps']['max_abs_diff_vs_nwlib_f64']:.1e}")
        out["sizes"].append(row)
    return out


def _sci(v: int) -> str:
    return f"{v:.0e}".replace("e+0", "e")


def markdown(res: dict, device_name: str) -> list[str]:
    if "skipped" in res:
        return [f"KeOps was not measured: {res['skipped']}."]
    lines = [f"KeOps (pykeops {res['pykeops']}) against nwlib on {device_name}, float32 (load "
             f"average {res.get('load_average_1min_at_start', 'not recorded')} at the start), "
             "both warm and timed in turns. The first call of a formula compiles it, unless "
             "KeOps's on-disk cache already holds it (then it is as fast as the others).", "",
             "| (n, m) | KeOps | nwlib | nwlib speed-up over KeOps | KeOps first call | "
             "largest difference from nwlib float64 (KeOps, nwlib) |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in res["sizes"]:
        k, w = r["KeOps"], r["nwlib"]
        lines.append(f"| ({_sci(r['n'])}, {_sci(r['m'])}) | {k['median_s']:.3g} s "
                     f"({k['kernel_values_per_s'] / 1e9:.2g} G/s) | {w['median_s']:.3g} s "
                     f"({w['kernel_values_per_s'] / 1e9:.2g} G/s) | ×{r['nwlib_over_keops']:.2f} | "
                     f"{r['first_call_s']:.1f} s | {k['max_abs_diff_vs_nwlib_f64']:.0e}, "
                     f"{w['max_abs_diff_vs_nwlib_f64']:.0e} |")
    if "compile_s" in res:
        lines += ["", f"KeOps's first call in a fresh process with an empty build folder (the "
                  f"compile of the formula): {res['compile_s']:.1f} s (load average "
                  f"{res['load_average_1min_at_compile']})."]
    return lines
