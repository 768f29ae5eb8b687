"""Interactive explorers of the chapter: sliders that work in Jupyter and on the static website.

Five explorers, one call each in a notebook cell; each returns an explorer that displays
itself (its ``.widget``), draws its frames with ``.figure`` and gives its first frame as PNG bytes
(``default_png()``, the page's image without JavaScript):

=======================  ============================================================  ==========
function                 what it shows                                                 module
=======================  ============================================================  ==========
:func:`explorer`         kernel and width σ: the estimate and the attention heatmap    estimate
:func:`query_explorer`   one query's row of attention weights, as bars under the data  query
:func:`loo_explorer`     the leave-one-out score against σ (exercise 2)                loo
:func:`temperature_explorer`  dot-product attention on the circle (exercise 3)         temperature
:func:`boundary_explorer`  NW against local-linear at the edge: estimates, weight rows  boundary
=======================  ============================================================  ==========

The shared layer (frames, jslinked controls, the live layer) is in ``_frames``; the figures'
artists come from :mod:`nwlib.plot`, so the frames look like the book's static figures.
"""
from ._frames import page_weight
from .boundary import boundary_explorer
from .estimate import explorer
from .loo import loo_explorer
from .query import query_explorer
from .temperature import temperature_explorer

# The classes (``estimate.EstimateExplorer`` …) and the shared layer stay in their modules: a
# reader calls one of the five functions.
__all__ = ["explorer", "query_explorer", "loo_explorer", "temperature_explorer",
           "boundary_explorer", "page_weight"]
