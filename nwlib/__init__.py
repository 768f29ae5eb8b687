"""nwlib: Nadaraya–Watson kernel regression seen as attention pooling, in PyTorch.

The machinery behind the chapter "Attention Pooling by Similarity":

=================  ==================================================================
module             what it holds
=================  ==================================================================
``kernels``        the kernels, as functions of the scaled distance, and their registry
``regression``     :func:`nadaraya_watson`: attention pooling with a fixed kernel
``local``          :func:`local_linear`: attention that fits a line (beyond the section)
``adaptive``       a width per query: the k nearest keys, k by leave-one-out
``bandwidth``      widths: Scott's and Silverman's rules, leave-one-out cross-validation
``learning``       widths learned by stochastic gradient descent (exercise 2)
``density``        Parzen windows and Nadaraya–Watson classification (exercise 1)
``sphere``         the unit sphere and dot-product attention (exercise 3)
``consistency``    how fast the width should shrink: the rate experiment (exercise 4)
``rates``          the theory's rates of convergence and log–log fits
``data``           the book's data, ``f(x) = 2 sin x + x`` with noise
``plot``           the figures
``widgets``        the interactive explorers (imported on first use: needs ipywidgets)
``device``         CUDA when available, else the CPU; ``NWLIB_DEVICE`` overrides
``features``       positive random features: Gaussian attention in linear time (beyond the section)
``metric``         a learned metric ‖W(q − k)‖²: query and key maps (beyond the section)
``core``           tensor-level building blocks without validation (attention's vocabulary)
=================  ==================================================================
"""
import importlib

from . import adaptive, bandwidth, core, data, density, features, kernels, local, regression, sphere  # noqa: F401 (nwlib.<module>)
from .adaptive import knn_widths, loo_knn
from .bandwidth import LOOResult, loo_cv, scott, silverman
from .data import make_data, true_function
from .density import joint_densities, nw_classify, one_hot_labels, parzen_density
from .device import default_device, to_numpy
from .features import random_feature_nw
from .kernels import KERNELS, Kernel, get_kernel, kernel_names
from .local import local_linear
from .regression import nadaraya_watson

__all__ = ["default_device", "to_numpy", "KERNELS", "Kernel", "get_kernel", "kernel_names",
           "nadaraya_watson", "local_linear", "knn_widths", "loo_knn",
           "make_data", "true_function", "scott", "silverman", "loo_cv", "LOOResult",
           "parzen_density", "joint_densities", "nw_classify", "one_hot_labels",
           "random_feature_nw"]
__version__ = "0.1.0"

_LAZY = {"plot", "widgets", "learning", "consistency", "rates",
         "metric"}  # matplotlib, ipywidgets, tqdm: load on use


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nwlib' has no attribute {name!r}")
