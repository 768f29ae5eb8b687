"""Sphinx extension: light pages for the explorers (precomputed ipywidgets frames).

When the book executes a notebook, myst-nb embeds the whole widget state in the page: every frame
of every explorer as a base64 PNG inside one JSON script, megabytes of HTML that a reader downloads
before anything paints. After the HTML is written, in the pass over the pages (``nwlib_site``, page transform
"widget-frames"), this extension rewrites each page:

* Every ``ipywidgets.Image`` whose value is embedded becomes a file, ``_images/frames/<sha>.<ext>``
  (named by content, so identical frames are stored once), and its model is switched to
  ``format: "url"`` with the file's URL, relative to the page, as value: ipywidgets 8's
  ``ImageView`` shows a ``"url"`` value as the image's ``src``. The browser fetches a frame when it
  is shown (``nwlib-widgets.js`` makes the images the widget manager creates lazy), not all up front.
* Before each widget view, an ``<img class="jupyter-widget">`` of the explorer's default frame (the
  selected child of each ``Stack``, down to an ``Image``) with its size and alt text: what a reader
  sees with JavaScript off and before the widget manager runs. ``nwlib-widgets.js`` removes it once
  the widget is drawn (``@jupyter-widgets/html-manager`` 1.0.15 means to, but compares the tag name
  with "img", which is "IMG" in an HTML page).
* The widget state (the models, without their frames; 0.4 MB on the chapter) leaves the page for
  ``_images/frames/state-<sha>.js``, which ``nwlib-widgets.js`` loads with the manager: in the
  page it held back the first paint (Lighthouse, phone preset: the chapter's first paint came
  1.3 s after the request rather than 0.3 s), and a reader who never moves needs none of it.
* The widget manager (``embed.js``, 1.9 MB, 0.45 MB gzipped, and half a second of main thread) no
  longer loads with the page: its ``<script>`` becomes ``type="nwlib/widget-manager"`` (which no
  browser runs or fetches), and ``nwlib-widgets.js`` loads it when an explorer comes near the
  screen, or when the reader first scrolls, taps or types; a reader who stays at the top of the page
  never pays for it (it used to load 3 s after the page, which on a throttled phone was most of
  the chapter's blocking time). Until then the default frames show.

Alt text: the ``Image``'s ``tooltip`` (nwlib's explorers set it to what the frame shows), else its
``description``, else a generic "Default view of an interactive figure".
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from pathlib import Path

from nwlib_site import BuiltPage, add_page_transform, add_site_step
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

FRAMES_DIR = "_images/frames"
STATE_SCRIPT = re.compile(r'(<script type="application/vnd\.jupyter\.widget-state\+json">)(.*?)(</script>)',
                          re.DOTALL)
MANAGER_SCRIPT = re.compile(r'<script(?: defer="defer")? src="([^"]*_static/html-manager/embed\.js[^"]*)">'
                            r"</script>")
# what the state file defines, for nwlib-widgets.js
STATE_GLOBAL = "window.nwlibWidgetState"
VIEW_SCRIPT = re.compile(r'<script type="application/vnd\.jupyter\.widget-view\+json">(.*?)</script>',
                         re.DOTALL)
FORMATS = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "gif": "gif", "webp": "webp", "svg+xml": "svg"}
GENERIC_ALT = "Default view of an interactive figure"


def _ref(value) -> str | None:
    return value[len("IPY_MODEL_"):] if isinstance(value, str) and value.startswith("IPY_MODEL_") else None


def default_image(state: dict, model_id: str, seen: frozenset = frozenset()) -> str | None:
    """The ``Image`` model a view of ``model_id`` shows first: each Stack's selected child, the first
    image found in a box's children in order."""
    model = state.get(model_id)
    if model is None or model_id in seen:
        return None
    seen = seen | {model_id}
    name, attrs = model.get("model_name"), model.get("state", {})
    if name == "ImageModel":
        return model_id
    children = [c for c in (_ref(x) for x in attrs.get("children") or []) if c]
    if name == "StackModel":
        index = attrs.get("selected_index")
        children = [children[index]] if index is not None and 0 <= index < len(children) else []
    hidden = {c for c in children
              if (state.get(_ref(state.get(c, {}).get("state", {}).get("layout")) or "", {})
                  .get("state", {}).get("display")) == "none"}
    for child in children:
        if child not in hidden:
            found = default_image(state, child, seen)
            if found:
                return found
    return None


def _alt(attrs: dict) -> str:
    for key in ("tooltip", "description"):
        text = attrs.get(key)
        if isinstance(text, str) and text.strip():
            return text.strip()
    return GENERIC_ALT


def rewrite_page(text: str, page_dir: Path, outdir: Path) -> tuple[str, int]:
    """Move the embedded frames of a page (in ``page_dir``) to files and add the no-JavaScript
    fallback images. Returns the new text and the number of frames moved."""
    match = STATE_SCRIPT.search(text)
    if not match:
        return text, 0
    bundle = json.loads(match.group(2))
    state = bundle.get("state", {})
    frames_dir = outdir / FRAMES_DIR
    rel_dir = Path(os.path.relpath(frames_dir, page_dir)).as_posix()
    urls: dict[str, str] = {}
    moved = 0
    for model_id, model in state.items():
        attrs = model.get("state", {})
        ext = FORMATS.get(str(attrs.get("format", "")).lower())
        if model.get("model_name") != "ImageModel" or ext is None:
            continue
        buffers = model.get("buffers") or []
        value = next((b for b in buffers if b.get("path") == ["value"]), None)
        if value is None or value.get("encoding") != "base64":
            continue
        data = base64.b64decode(value["data"])
        if not data:
            continue
        name = f"{hashlib.sha256(data).hexdigest()[:20]}.{ext}"
        frames_dir.mkdir(parents=True, exist_ok=True)
        target = frames_dir / name
        if not target.exists():
            target.write_bytes(data)
        url = f"{rel_dir}/{name}"
        attrs["format"] = "url"
        value["data"] = base64.b64encode(url.encode("utf-8")).decode("ascii")
        urls[model_id] = url
        moved += 1

    def fallback(view: re.Match) -> str:
        try:
            model_id = json.loads(html.unescape(view.group(1))).get("model_id")
        except ValueError:
            return view.group(0)
        image = default_image(state, model_id) if model_id else None
        if image is None or image not in urls:
            return view.group(0)
        attrs = state[image]["state"]
        size = "".join(f' {k}="{html.escape(str(attrs[k]))}"' for k in ("width", "height")
                       if str(attrs.get(k) or "").isdigit())
        img = (f'<img class="jupyter-widget nwlib-fallback" src="{html.escape(urls[image])}"'
               f' alt="{html.escape(_alt(attrs))}"{size} decoding="async">')
        return img + view.group(0)

    # The state (the models without their frames: 0.4 MB on the chapter) leaves the page for a
    # script file that nwlib-widgets.js loads with the manager (a script, not JSON: a page opened
    # from disk may load scripts but not fetch files).
    new_state = json.dumps(bundle, separators=(",", ":"))
    state_name = f"state-{hashlib.sha256(new_state.encode()).hexdigest()[:20]}.js"
    frames_dir.mkdir(parents=True, exist_ok=True)
    (frames_dir / state_name).write_text(f"{STATE_GLOBAL} = {new_state};\n", encoding="utf-8")
    tag = f'<script type="nwlib/widget-state" src="{html.escape(rel_dir)}/{state_name}"></script>'
    text = text[:match.start()] + tag + text[match.end():]
    if "nwlib-fallback" not in text:
        text = VIEW_SCRIPT.sub(fallback, text)
    text = MANAGER_SCRIPT.sub(r'<script type="nwlib/widget-manager" src="\1"></script>', text)
    return text, moved


def setup(app: Sphinx) -> dict:
    app.setup_extension("nwlib_site")
    moved = []

    def widget_frames(page: BuiltPage) -> None:
        page.text, count = rewrite_page(page.text, page.path.parent, page.outdir)
        moved.append(count)

    def report(app: Sphinx, outdir: Path) -> None:
        if sum(moved):
            logger.info(f"nwlib_frames: {sum(moved)} widget frames written to {FRAMES_DIR}/")

    add_page_transform(app, "widget-frames", widget_frames, order=100)
    add_site_step(app, "widget-frames-report", report, order=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
