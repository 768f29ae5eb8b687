"""Audit of the built website as a reader downloads it (run by ``make audit``, not by the tests).

The site in ``_build/html`` is served on 127.0.0.1 with gzip, as a static host (GitHub Pages,
Netlify) serves it, by ``shared/tools/serve_gzip.py`` (found next to the repository or in one of
its parents; ``NWLIB_SHARED`` names the ``shared`` folder). For every page it records

* the bytes transferred (gzip) by loading the page, and its HTML alone, raw and gzipped;
* Lighthouse 12.2.3 (npm; Node 20) performance, accessibility and SEO scores and the cumulative layout
  shift, with the desktop preset and with the default mobile preset (a throttled phone), each the
  best of ``--runs`` runs: on a shared machine the scores move by about ±10 from run to run.

Lighthouse is not a dependency of the project (``package.json`` holds only what the tests use):
it is installed on first use with ``npm i --prefix`` into ``~/.cache/nwlib-audit`` (or
``NWLIB_LIGHTHOUSE_PREFIX``). Chromium is ``/usr/bin/chromium`` unless ``CHROME_PATH`` says
otherwise. Figures are written to ``benchmarks/results/audit.md`` (``--out``) and printed; they are
never checked by a test. Usage::

    python benchmarks/audit.py [--site DIR] [--runs N] [--pages SUBSTR ...] [--out FILE]
                               [--no-lighthouse] [--label TEXT]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import gzip
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = "lighthouse@12.2.3"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
PRESETS = ("desktop", "mobile")


def find_server() -> Path:
    """``shared/tools/serve_gzip.py``: from ``NWLIB_SHARED``, or next to the repository or above it."""
    candidates = [Path(os.environ["NWLIB_SHARED"])] if os.environ.get("NWLIB_SHARED") else []
    candidates += [parent / "shared" for parent in ROOT.parents]
    for shared in candidates:
        script = shared / "tools" / "serve_gzip.py"
        if script.is_file():
            return script
    raise SystemExit("audit: shared/tools/serve_gzip.py not found; set NWLIB_SHARED to the shared folder")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(site: Path):
    port = free_port()
    # quiet: Lighthouse asks for /favicon.ico at the server root, a 404 that would print a traceback
    proc = subprocess.Popen([sys.executable, str(find_server()), str(site), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/index.html", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("audit: the gzip server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait()


def pages(site: Path, only: list[str]) -> list[str]:
    found = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                   if not {"_static", "_sources", "_images"} & set(p.relative_to(site).parts)
                   and p.name not in {"genindex.html", "search.html"})
    # the site's index.html only redirects to the intro
    found = [p for p in found if 'http-equiv="Refresh"' not in (site / p).read_text(errors="replace")[:500]]
    return [p for p in found if not only or any(s in p for s in only)]


def lighthouse_bin() -> Path:
    prefix = Path(os.environ.get("NWLIB_LIGHTHOUSE_PREFIX",
                                 Path.home() / ".cache" / "nwlib-audit"))
    binary = prefix / "node_modules" / ".bin" / "lighthouse"
    if not binary.is_file():
        print(f"audit: installing {LIGHTHOUSE} into {prefix}", flush=True)
        prefix.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "i", "--prefix", str(prefix), "-E", LIGHTHOUSE, "--no-audit", "--no-fund"],
                       check=True)
    return binary


def lighthouse(binary: Path, url: str, preset: str) -> dict:
    # the machine's load as the run starts: Lighthouse's simulated phone scales what it observed,
    # so a busy machine lowers the scores (trust runs at a load below about 1.5 on 2 cores)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [str(binary), url, "--output=json", f"--output-path={out}", "--quiet",
               "--only-categories=performance,accessibility,seo", f"--chrome-flags={CHROME_FLAGS}"]
        if preset == "desktop":
            cmd.append("--preset=desktop")
        subprocess.run(cmd, check=True, env={**os.environ, "CHROME_PATH": CHROME}, timeout=300)
        report = json.loads(out.read_text())
    audits, cats = report["audits"], report["categories"]
    return {"perf": round(100 * (cats["performance"]["score"] or 0)),
            "a11y": round(100 * (cats["accessibility"]["score"] or 0)),
            "seo": round(100 * (cats["seo"]["score"] or 0)),
            "cls": audits["cumulative-layout-shift"]["numericValue"],
            "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
            "bytes": audits["total-byte-weight"]["numericValue"],
            "tbt_ms": audits["total-blocking-time"]["numericValue"],
            "fcp_ms": audits["first-contentful-paint"]["numericValue"],
            "load": load,
            "failed_a11y": sorted(k for k, a in audits.items()
                                  if a.get("score") == 0 and k in _a11y_ids(report))}


def _a11y_ids(report) -> set[str]:
    return {ref["id"] for ref in report["categories"]["accessibility"]["auditRefs"]}


def transferred(url: str) -> tuple[int, int]:
    """Bytes on the wire (gzip): when Chromium has loaded the page and it settles; and once a reader
    has opened every solution and scrolled through the whole page (lazy images, the widget state
    and manager, the frames shown)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROME, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes: dict[str, float] = {}
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(1000)
        first = int(sum(sizes.values()))
        for toggle in page.locator(".dropdown button.toggle-button").all():
            toggle.click()
        height = page.evaluate("() => document.scrollingElement.scrollHeight")
        for _ in range(0, height + 1000, 800):
            page.mouse.wheel(0, 800)
            page.wait_for_timeout(100)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(4000)
        whole = int(sum(sizes.values()))
        browser.close()
    return first, whole


def mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    ap.add_argument("--runs", type=int, default=2, help="Lighthouse runs per page and preset (best kept)")
    ap.add_argument("--pages", nargs="*", default=[], help="only pages whose path contains one of these")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "audit.md")
    ap.add_argument("--no-lighthouse", action="store_true", help="page weights only")
    ap.add_argument("--label", default="", help="what the site is (goes in the report's header)")
    args = ap.parse_args()
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        raise SystemExit(f"audit: no built site at {site}; run `make book` first")
    todo = pages(site, args.pages)
    binary = None if args.no_lighthouse else lighthouse_bin()

    rows = []
    with serve(site) as base:
        for rel in todo:
            url = f"{base}/{rel}"
            html = (site / rel).read_bytes()
            first, whole = transferred(url)
            row = {"page": rel, "html": len(html), "html_gz": len(gzip.compress(html, 6)),
                   "transferred": first, "read_through": whole}
            for preset in () if binary is None else PRESETS:
                runs = [lighthouse(binary, url, preset) for _ in range(args.runs)]
                best = max(runs, key=lambda r: (r["perf"], r["a11y"]))
                row[preset] = {**best, "all_perf": [r["perf"] for r in runs],
                               "all_load": [r["load"] for r in runs]}
            print(json.dumps(row), flush=True)
            rows.append(row)

    site_bytes = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    lines = [
        "# Site audit",
        "",
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, commit {commit or '?'}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; served with gzip (`shared/tools/serve_gzip.py`)."
        + (f" {args.label}" if args.label else ""),
        f"Built site on disk: {mb(site_bytes)}. Lighthouse {LIGHTHOUSE.split('@')[1]}, best of "
        f"{args.runs} run(s) per page and preset; on a shared machine scores move by about ±10: each"
        " run's score is given with the machine's 1-minute load average as it started.",
        "",
        "Transferred: bytes on the wire (gzip) once the page has loaded and settled; read through: once"
        " a reader has also opened every solution and scrolled to the end (lazy images, the widget state"
        " and manager, the frames shown).",
        "",
        "| page | transferred (gzip) | read through | HTML raw / gzip | desktop perf / a11y / SEO / CLS | "
        "mobile perf / a11y / SEO / CLS | desktop runs (load) | mobile runs (load) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        cells = []
        for preset in PRESETS:
            p = r.get(preset)
            cells.append(f"{p['perf']} / {p['a11y']} / {p['seo']} / {p['cls']:.3f}" if p else "–")
        runs = [", ".join(f"{perf} ({load:.1f})" for perf, load in zip(r[p]["all_perf"], r[p]["all_load"]))
                if p in r else "–" for p in PRESETS]
        lines.append(f"| {r['page']} | {mb(r['transferred'])} | {mb(r['read_through'])} | "
                     f"{mb(r['html'])} / {mb(r['html_gz'])} | "
                     f"{cells[0]} | {cells[1]} | {runs[0]} | {runs[1]} |")
    failed = sorted({a for r in rows for p in PRESETS if p in r for a in r[p]["failed_a11y"]})
    if failed:
        lines += ["", "Lighthouse accessibility audits failed on some page: " + ", ".join(failed)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
