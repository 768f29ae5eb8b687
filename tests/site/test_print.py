"""Printing a page, as a reader does with the browser's print dialog (``page.pdf`` in Chromium).

* Printed at once, right after ``load`` (most figures are lazy and not yet loaded): every image of
  the page outside its closed solutions (a closed solution prints closed) is loaded by the time it
  prints and prints at its natural aspect ratio, and every
  raster image (an explorer's default frame, a PNG figure) is in the PDF at its pixel size.
  Matplotlib's SVG figures print as vectors, not as images of the PDF: for them the loaded state
  in the page is what tells.
* Code and text outputs wrap: no code box of the printed page is wider than its column.
* With the widgets drawn and the solutions open, as a reader who read through before printing:
  no slider or button prints, and each explorer prints its default frame.
"""
from __future__ import annotations

import io

import pytest
from sitekit import CONTENT_IDS, DESKTOP, SITE, page_html, wait_for_widgets

pypdf = pytest.importorskip("pypdf")

VIEW = "application/vnd.jupyter.widget-view+json"
# page.pdf's default sheet, US Letter without margins, in CSS pixels (8.5 in x 11 in at 96 px/in)
PAPER = {"width": 816, "height": 1056}
# what an explorer shows besides its frame: none of it prints
CONTROLS = (".widget-slider, .widget-play, .widget-toggle-buttons, .widget-dropdown, "
            ".widget-readout, .widget-label")
# every image of the page's content that prints: its source, its loaded state, its box on paper
PRINTED_IMAGES = """() => Array.from(document.querySelectorAll('main img'))
    .filter(i => i.getClientRects().length > 0)
    .map(i => ({src: i.getAttribute('src'), cls: i.className, complete: i.complete,
                natural: [i.naturalWidth,
                i.naturalHeight], box: [i.getBoundingClientRect().width,
                i.getBoundingClientRect().height]}))"""
WIDE_CODE = """() => Array.from(document.querySelectorAll('main pre'))
    .filter(p => p.getClientRects().length > 0 && p.scrollWidth > p.clientWidth + 1)
    .map(p => p.textContent.split('\\n').reduce((a, b) => a.length >= b.length ? a : b).trim())"""


def _png_size(path) -> tuple[int, int] | None:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _pdf_image_sizes(data: bytes) -> list[tuple[int, int]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [image.image.size for page in reader.pages for image in page.images]


def _print(page) -> tuple[bytes, list[dict]]:
    """Print the page; then lay it out as on paper (print media, the sheet's width) for the checks
    and return the images that print."""
    data = page.pdf(print_background=True)
    page.emulate_media(media="print")
    page.set_viewport_size(PAPER)
    images = page.evaluate(PRINTED_IMAGES)
    return data, images


def _check_images(page_id: str, data: bytes, images: list[dict]) -> None:
    for image in images:
        assert image["complete"] and min(image["natural"]) > 0, \
            f"{page_id}: {image['src']} had not loaded when the page printed (a blank figure)"
        (w, h), (bw, bh) = image["natural"], image["box"]
        assert bw > 0 and bh > 0, f"{page_id}: {image['src']} prints with no size"
        assert abs((bh / bw) / (h / w) - 1) < 0.02, \
            f"{page_id}: {image['src']} prints distorted ({bw:.0f} x {bh:.0f} for {w} x {h})"
    in_pdf = _pdf_image_sizes(data)
    page_dir = (SITE / page_id).parent
    for image in images:
        size = _png_size(page_dir / image["src"].split("?")[0])
        if size is not None:
            assert size in in_pdf, f"{page_id}: {image['src']} ({size}) is not in the PDF: {in_pdf}"
            in_pdf.remove(size)


@pytest.mark.parametrize("page_id", CONTENT_IDS)
def test_printed_at_once_every_image_prints(open_session, site, page_id):
    session = open_session(**DESKTOP)
    page = session.goto(page_id)
    data, images = _print(page)
    # a closed solution prints closed: only the images outside the solutions print
    outside = page.evaluate("() => Array.from(document.querySelectorAll('main img'))"
                            ".filter(i => !i.closest('.dropdown')).length")
    assert len(images) == outside, f"{page_id}: {len(images)} images print, {outside} expected"
    _check_images(page_id, data, images)
    wide = page.evaluate(WIDE_CODE)
    assert not wide, f"{page_id}: code cut at the right margin on paper: {wide[:3]}"
    assert not session.blocked, f"requests left the site: {session.blocked}"


@pytest.mark.parametrize("page_id", [p for p in CONTENT_IDS if VIEW in page_html(p)]
                         or ["(no widgets)"])
def test_printed_after_reading_explorers_print_their_default_frame(open_session, site, page_id):
    if page_id == "(no widgets)":
        pytest.skip("no page has widgets")
    session = open_session(**DESKTOP)
    page = session.goto(page_id)
    for toggle in page.locator(".dropdown button.toggle-button").all():
        toggle.click()
    views = page_html(page_id).count(VIEW)
    wait_for_widgets(page, views)
    page.evaluate("() => window.scrollTo(0, 0)")
    data, images = _print(page)
    # every image but the live widgets' frames, which give way to the default frames on paper
    expected = page.evaluate("() => Array.from(document.querySelectorAll('main img'))"
                             ".filter(i => !i.closest('.widget-subarea')).length")
    assert len(images) == expected, f"{page_id}: {len(images)} images print, {expected} expected"
    _check_images(page_id, data, images)
    controls = page.locator(CONTROLS).evaluate_all(
        "els => els.filter(e => e.getClientRects().length > 0).map(e => e.className)")
    assert not controls, f"{page_id}: explorer controls print: {controls[:5]}"
    frames = [i for i in images if "nwlib-fallback" in i["cls"]]
    assert len(frames) == views, f"{page_id}: {len(frames)} default frames print for {views} explorers"
    widgets_shown = page.locator(".widget-image").evaluate_all(
        "els => els.filter(e => e.getClientRects().length > 0).length")
    assert widgets_shown == 0, f"{page_id}: {widgets_shown} live widget frames print besides the default"
