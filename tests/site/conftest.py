"""The site tests' fixtures live in ``sitekit.py`` (a module name of its own, so that test modules can
import its helpers too); registering them here makes them fixtures of every test in this folder."""
from sitekit import axe_source, browser, node, open_session, server, site  # noqa: F401
