"""Interactive explorers of the chapter: sliders that work in Jupyter and on the static website.

Five explorers, one call each in a notebook cell; each returns an :class:`Explorer` that displays
itself (its ``.widget``), draws its frames with ``.figure`` and gives its first frame as PNG bytes
(:meth:`Explorer.default_png`, the page's image without JavaScript):

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
from ._frames import BOOK_KERNELS, SIGMA_STOPS, Explorer, FrameFigure, page_weight
from .boundary import BoundaryExplorer, BoundaryFigure, boundary_explorer
from .estimate import EstimateExplorer, EstimateFigure, explorer
from .loo import LOOExplorer, LOOFigure, loo_explorer
from .query import QueryExplorer, QueryFigure, query_explorer
from .temperature import TemperatureExplorer, TemperatureFigure, temperature_explorer

__all__ = ["explorer", "query_explorer", "loo_explorer", "temperature_explorer", "page_weight",
           "SIGMA_STOPS", "BOOK_KERNELS", "Explorer", "FrameFigure", "EstimateExplorer",
           "EstimateFigure", "QueryExplorer", "QueryFigure", "LOOExplorer", "LOOFigure",
           "TemperatureExplorer", "TemperatureFigure", "boundary_explorer", "BoundaryExplorer",
           "BoundaryFigure"]
