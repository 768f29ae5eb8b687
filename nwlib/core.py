"""Tensor-level building blocks, without validation.

These functions take tensors already on one device and dtype (points ``(n, d)``, values
``(n, k)``, widths as tensors) and skip the checks of the public functions in :mod:`nwlib`. They
are for readers who want to build on the machinery (the notebooks' from-scratch comparisons, the
exercises) and for nwlib's own modules. Their arguments use attention's vocabulary (queries ``q``,
keys ``x``, values), while the validated public API uses the regression one (``x_train``,
``y_train``, ``x_query``).
"""
from .density import kernel_sums
from .regression import attention_weights, squared_distances

__all__ = ["attention_weights", "squared_distances", "kernel_sums"]
