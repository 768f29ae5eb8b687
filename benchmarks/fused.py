"""nwlib's fused loop against its eager engine, and the variants tried (``make bench``; issue 17).

The eager 1-D Gaussian path makes six passes over each tile of kernel values (subtract, shifted
logit, clamp, ``exp``, ``Σ k·y``, ``Σ k``). ``torch.compile`` can fuse them into one loop that
keeps every value in registers: inductor writes vectorised C++ on the CPU (Triton on CUDA). This
module times such loops against the eager engine (``NWLIB_FUSED=0``), in turns in the same
process, at (n, m) = (1e5, 1e4) in float32, and checks that they agree with nwlib in float64.

The variants (each computes the same shifted sums as the engine, over sorted queries and keys
padded to whole tiles: padded keys sit at +inf and weigh 0):

* ``nwlib, fused path``: what ``nwlib.nadaraya_watson`` runs by default at this size
  (``nwlib._fused``): one compiled call per tile of 256 × 16384 values, on inductor's OpenMP
  threads;
* ``tiles, Python threads``: compiled for one thread, the blocks of rows shared out to Python
  threads as the eager engine does (the compiled call releases the GIL);
* ``clamp only where needed``: as the last, with a second compiled loop without the clamp for the
  tiles where the engine's bound shows that no logit can reach the floor;
* ``whole rows``: one compiled call per block of 16 rows, reducing over all n keys at once.

It also times nwlib's first fused call in a fresh process with an empty inductor cache (the
compile), and again with the cache the first process filled (the on-disk cache).
Writes ``results/fused.{md,json}``.
Usage::

    python benchmarks/fused.py [--quick] [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

import nwlib
from nwlib import _engine, _fused

HERE = Path(__file__).resolve().parent
EAGER = "eager engine (nwlib, NWLIB_FUSED=0)"
NWLIB = "nwlib, fused path (the default): tiles 256 × 16384, OpenMP threads"
N, M, SIGMA = 100_000, 10_000, 0.3
SLOPE = 0.5  # the Gaussian's log slope: log k(u) = −u²/2


def _load():
    return round(os.getloadavg()[0], 2)


def data(n=N, m=M, seed=0, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, generator=gen, dtype=torch.float64) * 5
    y = 2 * torch.sin(x) + x + torch.randn(n, generator=gen, dtype=torch.float64)
    q = torch.rand(m, generator=gen, dtype=torch.float64) * 5
    return x.to(dtype), y.to(dtype), q.to(dtype)


def tile_sums(q_b, shift_b, xs, ys, scale: float, floor: float):
    """Σ k and Σ k·y of one tile; k = exp(max(shift − c·(q − x)², floor))."""
    t = q_b - xs[None, :]
    w = (shift_b - scale * t * t).clamp(min=floor).exp()
    return w.sum(1), (w * ys[None, :]).sum(1)


def tile_sums_unclamped(q_b, shift_b, xs, ys, scale: float):
    t = q_b - xs[None, :]
    w = (shift_b - scale * t * t).exp()
    return w.sum(1), (w * ys[None, :]).sum(1)


class Fused:
    """Sorted, padded inputs and compiled tile loops for one problem (n, m, σ)."""

    def __init__(self, x, y, q, sigma, rows, cols, *, threads=None):
        n, m = x.shape[0], q.shape[0]
        self.n, self.m, self.rows, self.cols = n, m, rows, cols
        self.scale = SLOPE / sigma ** 2
        self.floor = _engine.exp_floor(x.dtype)
        xs, order = x.sort()
        ys = y[order]
        qs, self.query_order = q.sort()
        shift = _engine._nearest_sq_distance_1d(qs, xs) * self.scale
        npad, mpad = -(-n // cols) * cols, -(-m // rows) * rows
        self.xs = torch.cat([xs, xs.new_full((npad - n,), float("inf"))])
        self.ys = torch.cat([ys, ys.new_zeros(npad - n)])
        self.qs = torch.cat([qs, qs[-1:].expand(mpad - m)])[:, None].contiguous()
        self.shift = torch.cat([shift, shift[-1:].expand(mpad - m)])[:, None].contiguous()
        self.mpad, self.npad = mpad, npad
        options = {} if threads is None else {"cpp.threads": threads}
        self.clamped = torch.compile(tile_sums, dynamic=False, options=options)
        self.unclamped = torch.compile(tile_sums_unclamped, dynamic=False, options=options)
        # the engine's bound: no logit of (block, tile) can reach the floor
        q_list, s_list, x_list = qs.tolist(), shift.tolist(), xs.tolist()
        self.needs_clamp = {}
        for s in range(0, m, rows):
            e = min(s + rows, m)
            lowest = min(s_list[s:e])
            for j in range(0, n, cols):
                widest = max(q_list[e - 1] - x_list[j], x_list[min(j + cols, n) - 1] - q_list[s])
                self.needs_clamp[s, j] = not lowest - self.scale * widest * widest >= self.floor + 1

    def _block(self, s, selective, den, num):
        qb, sb = self.qs[s:s + self.rows], self.shift[s:s + self.rows]
        for j in range(0, self.npad, self.cols):
            xs, ys = self.xs[j:j + self.cols], self.ys[j:j + self.cols]
            if selective and not self.needs_clamp[s, j]:
                d, nn = self.unclamped(qb, sb, xs, ys, self.scale)
            else:
                d, nn = self.clamped(qb, sb, xs, ys, self.scale, self.floor)
            den[s:s + self.rows] += d
            num[s:s + self.rows] += nn

    def run(self, *, selective=False, python_threads=0):
        den = torch.zeros(self.mpad, dtype=self.xs.dtype)
        num = torch.zeros(self.mpad, dtype=self.xs.dtype)
        starts = range(0, self.mpad, self.rows)
        if python_threads:
            def part(w):
                for s in starts[w::python_threads]:
                    self._block(s, selective, den, num)
            with ThreadPoolExecutor(python_threads) as pool:
                list(pool.map(part, range(python_threads)))
        else:
            for s in starts:
                self._block(s, selective, den, num)
        out = torch.empty(self.m, dtype=self.xs.dtype)
        out[self.query_order] = (num / den)[: self.m]
        return out


def alternate(fns, rounds):
    """Median and min wall time of each function, run in turns (one warm-up call each)."""
    times = {k: [] for k in fns}
    values = {k: f() for k, f in fns.items()}
    for _ in range(rounds):
        for k, f in fns.items():
            t0 = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t0)
    return {k: {"median_s": statistics.median(v), "min_s": min(v), "reps": len(v)}
            for k, v in times.items()}, values


def under_load(fns, rounds) -> dict:
    """``fns`` timed in turns while one busy process per core competes for the processor.

    What a machine busy with other work does to each engine: the busy processes are pure Python
    loops, started before and stopped (by their own process ids) after the timing.
    """
    spin = [sys.executable, "-c", "while True: pass"]
    busy = [subprocess.Popen(spin) for _ in range(os.cpu_count() or 1)]
    try:
        time.sleep(1.0)  # let the scheduler share the cores out
        timed, _ = alternate(fns, rounds)
        load = _load()
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    return {"busy_processes": len(busy), "load_average_1min_at_end": load, "variants": timed}


def tile_profile(quick=False) -> dict:
    """One tile of the engine's shape on one thread: eager operations against compiled loops.

    Each entry is the best of several runs of 100 calls on the same cache-resident tile.
    """
    rows, cols = 16, 16384
    gen = torch.Generator().manual_seed(0)
    q = torch.rand(rows, 1, generator=gen) * 5
    x = (torch.rand(cols, generator=gen) * 5).sort().values
    y = torch.randn(cols, generator=gen)
    shift, tile = torch.zeros(rows, 1), torch.empty(rows, cols)
    num, den = torch.zeros(rows), torch.zeros(rows)
    scale, floor = SLOPE / SIGMA ** 2, _engine.exp_floor(torch.float32)
    logits = torch.rand(rows, cols, generator=gen) * floor
    out = torch.empty(rows, cols)

    def eager_tile():
        torch.sub(q, x, out=tile)
        torch.addcmul(shift, tile, tile, value=-scale, out=tile)
        tile.clamp_(min=floor).exp_()
        num.addmv_(tile, y)
        den.add_(tile.sum(1))

    fused_tile = torch.compile(tile_sums, dynamic=False)
    exp_sum = torch.compile(lambda t: t.exp().sum(1), dynamic=False)
    fns = {"eager tile: six operations": eager_tile,
           "fused tile (compiled loop)": lambda: fused_tile(q, shift, x, y, scale, floor),
           "eager exp alone": lambda: torch.exp(logits, out=out),
           "compiled exp and sum, fused": lambda: exp_sum(logits)}
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for f in fns.values():
            f()
        best = dict.fromkeys(fns, float("inf"))
        for _ in range(3 if quick else 7):
            for k, f in fns.items():
                t0 = time.perf_counter()
                for _ in range(100):
                    f()
                best[k] = min(best[k], (time.perf_counter() - t0) / 100)
    finally:
        torch.set_num_threads(before)
    return {"rows": rows, "cols": cols, "seconds": best, "load_average_1min": _load()}


def compile_time(cache_dir: str) -> float:
    """Seconds of nwlib's first fused call in a fresh process using inductor cache ``cache_dir``
    (on a problem made to take the fused path: its tiles have the one static shape)."""
    code = (f"import time, torch, sys; sys.path.insert(0, {str(HERE)!r}); import fused, nwlib; "
            "from nwlib import _fused; _fused.FUSED_MIN_ELEMENTS = 0; "
            "x, y, q = fused.data(2000, 500); t = time.perf_counter(); "
            "nwlib.nadaraya_watson(x, y, q, sigma=0.3, return_weights=False); "
            "print(time.perf_counter() - t); assert _fused._READY, _fused._UNAVAILABLE")
    env = {k: v for k, v in os.environ.items() if k != _fused.ENV_VAR}
    env["TORCHINDUCTOR_CACHE_DIR"] = cache_dir
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(quick=False, log=print, limit=None) -> dict:
    """Time the variants and the eager engine in turns; ``limit``: the ``torch.exp`` limit's ways
    (``run.exp_limit_functions``), timed in the same turns, the fastest of them counting."""
    threads = torch.get_num_threads()
    res = {"n": N, "m": M, "sigma": SIGMA, "dtype": "float32", "torch_threads": threads,
           "load_average_1min_at_start": _load()}
    x, y, q = data()
    reference = nwlib.nadaraya_watson(x.double(), y.double(), q.double(), sigma=SIGMA,
                                      return_weights=False).numpy()
    tiles = Fused(x, y, q, SIGMA, 256, 16384, threads=1)
    rows = Fused(x, y, q, SIGMA, 16, tiles.npad, threads=1)
    on = f"{threads} Python threads" if threads > 1 else "1 thread"
    out = {}

    def ours(key):
        out[key] = nwlib.nadaraya_watson(x, y, q, sigma=SIGMA, return_weights=False)
        return out[key]

    import run  # its switch for the eager engine (NWLIB_FUSED=0)
    eager = run.eager_engine(lambda: ours("eager"))
    fns = {
        EAGER: lambda: (eager(), out["eager"])[1],
        NWLIB: lambda: ours("fused"),
        f"fused tiles 256 × 16384, {on}": lambda: tiles.run(python_threads=threads),
        f"fused tiles, clamp only where needed, {on}":
            lambda: tiles.run(selective=True, python_threads=threads),
        f"fused whole rows 16 × n, {on}": lambda: rows.run(python_threads=threads),
    }
    t0 = time.perf_counter()
    fns[NWLIB]()  # compile every variant before timing
    res["nwlib_fused_ran"] = (threads, torch.float32) in _fused._READY
    for f in (tiles, rows):
        f.run(selective=True)
    res["compile_all_variants_s"] = time.perf_counter() - t0
    limit = limit or {}
    timed, values = alternate({**fns, **limit}, 3 if quick else 5)
    exp_limit = min(timed.pop(k)["median_s"] for k in limit) if limit else None
    res["torch_exp_limit_s"] = exp_limit
    base = timed[EAGER]["median_s"]
    for k, r in timed.items():
        if exp_limit:
            r["ratio_to_exp_limit"] = exp_limit / r["median_s"]
        r["speedup_vs_eager"] = base / r["median_s"]
        r["kernel_values_per_s"] = N * M / r["median_s"]
        r["max_abs_diff_vs_nwlib_f64"] = float(abs(values[k].double().numpy() - reference).max())
        log(f"  {k}: {r['median_s']:.3g} s, ×{r['speedup_vs_eager']:.2f} of eager, "
            f"diff {r['max_abs_diff_vs_nwlib_f64']:.1e}")
    res["variants"] = timed
    res["load_average_1min_at_end"] = _load()
    res["under_load"] = under_load({k: fns[k] for k in (EAGER, NWLIB)}, 2 if quick else 3)
    loaded = res["under_load"]["variants"]
    log(f"  with {res['under_load']['busy_processes']} busy processes: eager engine "
        f"{loaded[EAGER]['median_s']:.3g} s, fused path {loaded[NWLIB]['median_s']:.3g} s")
    res["tile"] = tile_profile(quick)
    log("  one tile, one thread: " + ", ".join(f"{k} {v * 1e6:.0f} µs"
                                               for k, v in res["tile"]["seconds"].items()))
    with tempfile.TemporaryDirectory() as cache:
        res["first_call_empty_cache_s"] = compile_time(cache)
        res["first_call_warm_cache_s"] = compile_time(cache)
    log(f"  first call: {res['first_call_empty_cache_s']:.1f} s with an empty inductor cache, "
        f"{res['first_call_warm_cache_s']:.1f} s with the on-disk cache")
    best = max((k for k in timed if k != EAGER), key=lambda k: timed[k]["speedup_vs_eager"])
    res["best"] = best
    # the bar: ×1.5 the eager engine, and agreement to float32 rounding (the estimates are
    # of order 10, float32's epsilon 1.2e-7: 1e-5 leaves room for a few roundings of the sums)
    res["pays"] = (res["nwlib_fused_ran"] and timed[NWLIB]["speedup_vs_eager"] >= 1.5
                   and timed[NWLIB]["max_abs_diff_vs_nwlib_f64"] <= 1e-5)
    return res


def write_markdown(path: Path, res: dict) -> None:
    lines = [
        f"Fused loops against the eager engine, in turns in one process: 1-D Gaussian, "
        f"(n, m) = (1e5, 1e4), float32, σ = {res['sigma']}, {res['torch_threads']} torch threads; "
        f"load average {res['load_average_1min_at_start']} at the start and "
        f"{res['load_average_1min_at_end']} at the end of the timing (on "
        f"{os.cpu_count()} cores).",
        "",
        "| variant | median | speed-up over the eager engine | ratio to the torch.exp limit "
        "| largest difference from nwlib float64 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for k, r in res["variants"].items():
        ratio = f"{r['ratio_to_exp_limit']:.2f}" if "ratio_to_exp_limit" in r else "not measured"
        lines.append(f"| {k} | {r['median_s']:.3g} s | ×{r['speedup_vs_eager']:.2f} | {ratio} | "
                     f"{r['max_abs_diff_vs_nwlib_f64']:.1e} |")
    loaded = res["under_load"]
    busy = loaded["variants"]
    lines += ["", f"The same two engines again while {loaded['busy_processes']} other processes keep "
              f"every core busy (load average {loaded['load_average_1min_at_end']} at the end):", "",
              "| engine, with the cores busy | median | speed-up over the eager engine |",
              "| --- | --- | --- |"]
    for k, r in busy.items():
        lines.append(f"| {k} | {r['median_s']:.3g} s | "
                     f"×{busy[EAGER]['median_s'] / r['median_s']:.2f} |")
    tile = res["tile"]
    lines += ["", f"One tile of {tile['rows']} × {tile['cols']} values on one thread, the best of "
              f"several runs of 100 calls (load average {tile['load_average_1min']}):", "",
              "| what | time per tile |", "| --- | --- |"]
    lines += [f"| {k} | {v * 1e6:.0f} µs |" for k, v in tile["seconds"].items()]
    t = tile["seconds"]
    fused_vs_eager = t["fused tile (compiled loop)"] / t["eager tile: six operations"]
    exp_vs_exp = t["compiled exp and sum, fused"] / t["eager exp alone"]
    lines += ["", f"On one tile the fused loop takes ×{fused_vs_eager:.2f} the time of the engine's "
              f"six operations, and the compiled `exp` with its row sum ×{exp_vs_exp:.2f} the time "
              "of eager `exp` alone."]
    ours, eager = res["variants"][NWLIB], res["variants"][EAGER]
    verdict = "meets" if res["pays"] else "does not meet"
    ran = "" if res["nwlib_fused_ran"] else (" (torch.compile failed here, so nwlib ran its eager "
                                             "engine in both rows)")
    lines += [
        "",
        f"Ratio to the `torch.exp` limit ({res['torch_exp_limit_s']:.3g} s in these turns): "
        f"**{eager['ratio_to_exp_limit']:.2f}** for the eager engine, "
        f"**{ours['ratio_to_exp_limit']:.2f}** for nwlib with its fused path{ran}.",
        "",
        f"First fused call of a fresh process (compiling the loop): "
        f"{res['first_call_empty_cache_s']:.1f} s with an empty inductor cache, "
        f"{res['first_call_warm_cache_s']:.1f} s with the on-disk cache.",
        "",
        f"nwlib's fused path runs at ×{ours['speedup_vs_eager']:.2f} of its eager engine and agrees "
        f"with nwlib's float64 estimates to {ours['max_abs_diff_vs_nwlib_f64']:.0e}: in this run "
        f"it **{verdict}** the bar (×1.5, and agreement to 1e-5). The fastest row is "
        f"{res['best']}.",
        "",
        _what_nwlib_runs(),
    ]
    path.write_text("\n".join(lines) + "\n")


def _what_nwlib_runs() -> str:
    """What nwlib does, read from its code (nwlib._fused), not from this measurement."""
    mant, exp = f"{_fused.FUSED_MIN_ELEMENTS:.1e}".split("e")
    return (f"nwlib runs the fused loop for 1-D Gaussian estimates on the CPU in float32 from "
            f"{mant}e{int(exp)} kernel values per call, and the eager engine otherwise, when "
            f"torch.compile fails, or with `{_fused.ENV_VAR}=0`.")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    import run  # the exp limit, measured as the main benchmark does
    limit, _, _ = run.exp_limit_functions(N * M, torch.float32, torch.device("cpu"))
    res = measure(args.quick, limit=limit)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "fused.json").write_text(json.dumps(res, indent=1) + "\n")
    write_markdown(args.out / "fused.md", res)


if __name__ == "__main__":
    main()
