"""Tensor-level building blocks, without validation.

These functions take tensors already on one device and dtype (points ``(n, d)``, values
``(n, k)``, widths as tensors) and skip the checks of the public functions in :mod:`nwlib`. They
are for readers who want to build on the machinery (the notebooks' from-scratch comparisons, the
exercises). Their arguments use attention's vocabulary (queries ``q``, keys ``x``, values),
because at this level they are attention's parts; the validated public API uses the regression
one (``x_train``, ``y_train``, ``x_query``), because there they are a data set.

Examples
--------
>>> import torch
>>> from nwlib.core import attention_weights, kernel_sums, squared_distances
>>> from nwlib.kernels import get_kernel
>>> q, x = torch.tensor([[0.0]]), torch.tensor([[0.0], [1.0]])
>>> squared_distances(q, x)
tensor([[0., 1.]])
>>> attention_weights(q, x, torch.tensor(1.0), get_kernel("gaussian"))
tensor([[0.6225, 0.3775]])
>>> kernel_sums(q, x, torch.ones(2, 1), torch.tensor(1.0), get_kernel("gaussian"))
tensor([[1.6065]])
"""
from ._engine import squared_distances
from .density import kernel_sums
from .regression import attention_weights

__all__ = ["attention_weights", "squared_distances", "kernel_sums"]
