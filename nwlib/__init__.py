"""nwlib: Nadaraya–Watson kernel regression seen as attention pooling, in PyTorch.

The machinery behind the chapter "Attention Pooling by Similarity": kernels, the regression
(:func:`nadaraya_watson`), width selection, the book's data, plots and interactive explorers.
"""
from .device import default_device, to_numpy
from .kernels import KERNELS, Kernel, get_kernel, kernel_names
from .regression import attention_weights, nadaraya_watson, squared_distances

__all__ = ["default_device", "to_numpy", "KERNELS", "Kernel", "get_kernel", "kernel_names",
           "nadaraya_watson", "attention_weights", "squared_distances"]
__version__ = "0.1.0"
