"""Sphinx extension: the one pass over the built pages, and the site's own static files and templates.

The book's other extensions change the written HTML of every page (move the widget frames out,
work around the theme, size the images...). Rather than each reading and rewriting every page, each
registers a named **page transform** here, and after the build (``build-finished``) every page is
read once, given to the transforms in order, and written once if it changed. **Site steps** run
after that pass (they use what the transforms gathered: the icons the pages name, the fonts the
math uses); the notebooks' archive is one.

    from nwlib_site import add_page_transform, add_site_step

    def setup(app):
        add_page_transform(app, "widget-frames", rewrite_page, order=100)
        add_site_step(app, "icon-fonts", subset_icon_fonts, order=100)

A transform is ``fn(page: BuiltPage) -> None`` and edits ``page.text``; a step is
``fn(app, outdir: Path) -> None``. Lower ``order`` runs first (ties: registration order). The log
names each transform and step as it runs.

This extension also adds ``static/`` (the site's CSS and scripts) to ``html_static_path`` and
``templates/`` to ``templates_path``, once for all the book's extensions.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
# written by Sphinx or copied from the theme, not pages of the book
NOT_PAGES = ("_static", "_sources", "_images", "_downloads")


@dataclass
class BuiltPage:
    """A written HTML page: its path, the site's root and its text (transforms edit ``text``)."""

    path: Path
    outdir: Path
    text: str

    @property
    def name(self) -> str:
        return self.path.relative_to(self.outdir).as_posix()


@dataclass(order=True)
class _Entry:
    order: int
    index: int
    name: str = field(compare=False)
    run: Callable = field(compare=False)


def _registry(app: Sphinx, kind: str) -> list[_Entry]:
    if not hasattr(app, "nwlib_site"):
        app.nwlib_site = {"transforms": [], "steps": []}
    return app.nwlib_site[kind]


def _add(app: Sphinx, kind: str, name: str, run: Callable, order: int) -> None:
    entries = _registry(app, kind)
    if any(e.name == name for e in entries):
        raise ValueError(f"a {kind[:-1]} named {name!r} is registered already")
    entries.append(_Entry(order, len(entries), name, run))


def add_page_transform(app: Sphinx, name: str, transform: Callable[[BuiltPage], None],
                       order: int = 500) -> None:
    """Register ``transform(page)`` for the pass over the built pages (lower ``order`` first)."""
    _add(app, "transforms", name, transform, order)


def add_site_step(app: Sphinx, name: str, step: Callable[[Sphinx, Path], None],
                  order: int = 500) -> None:
    """Register ``step(app, outdir)``, run once after the pass over the pages."""
    _add(app, "steps", name, step, order)


def page_transforms(app: Sphinx) -> list[str]:
    """The names of the registered page transforms, in the order they run."""
    return [e.name for e in sorted(_registry(app, "transforms"))]


def built_pages(outdir: Path) -> list[Path]:
    return sorted(p for p in outdir.rglob("*.html")
                  if not set(NOT_PAGES) & set(p.relative_to(outdir).parts[:-1]))


def _configure(app: Sphinx, config) -> None:
    config.templates_path = [str(HERE / "templates"), *config.templates_path]
    config.html_static_path = [*config.html_static_path, str(HERE / "static")]


def _pass(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    transforms = sorted(_registry(app, "transforms"))
    pages = built_pages(outdir)
    changed = 0
    for path in pages:
        text = path.read_text(encoding="utf-8")
        page = BuiltPage(path, outdir, text)
        for entry in transforms:
            entry.run(page)
        if page.text != text:
            path.write_text(page.text, encoding="utf-8")
            changed += 1
    logger.info(f"nwlib_site: {len(pages)} pages read once, {changed} rewritten by "
                + ", ".join(e.name for e in transforms))
    for entry in sorted(_registry(app, "steps")):
        entry.run(app, outdir)


def setup(app: Sphinx) -> dict:
    _registry(app, "transforms")
    app.connect("config-inited", _configure)
    # late: after the theme's and other extensions' own build-finished work
    app.connect("build-finished", _pass, priority=800)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
