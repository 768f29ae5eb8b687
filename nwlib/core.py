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
from __future__ import annotations

import torch

from . import _engine
from ._engine import squared_distances
from .kernels import Kernel

__all__ = ["attention_weights", "squared_distances", "kernel_sums"]


def attention_weights(q: torch.Tensor, x: torch.Tensor, sigma: torch.Tensor, kern: Kernel, *,
                      exclude_self: bool = False) -> torch.Tensor:
    """Differentiable attention weights, shape (m, n), rows summing to 1 (NaN rows if empty).

    .. math::

        \\alpha_{ai} = \\frac{k(\\lVert (q_a - x_i)/\\sigma\\rVert)}
                          {\\sum_j k(\\lVert (q_a - x_j)/\\sigma\\rVert)}

    A pure tensor function (no validation): σ may require grad, as in width learning, and may be a
    scalar or one width per coordinate. ``exclude_self`` zeroes the diagonal (leave-one-out; it
    needs ``q`` to be ``x``). Log-form kernels (the Gaussian) are normalised by a max-shifted
    softmax, so rows never give 0/0. The numerical rules are the blocked engine's (``1/σ²``
    clamped, logits floored), so the weights and their gradient are finite at every σ > 0.

    References
    ----------
    *Dive into Deep Learning*, §11.2, eq. (11.2.2).

    Examples
    --------
    >>> import torch
    >>> from nwlib.core import attention_weights
    >>> from nwlib.kernels import get_kernel
    >>> x = torch.tensor([[0.0], [1.0], [2.0]])
    >>> w = attention_weights(x, x, torch.tensor(1.0), get_kernel("boxcar"), exclude_self=True)
    >>> w
    tensor([[0.0000, 1.0000, 0.0000],
            [0.5000, 0.0000, 0.5000],
            [0.0000, 1.0000, 0.0000]])
    """
    exclude = torch.arange(q.shape[0], device=q.device) if exclude_self else None
    return _engine.dense_weights(q, x, sigma, kern, exclude)


def kernel_sums(q: torch.Tensor, x: torch.Tensor, values: torch.Tensor, sigma: torch.Tensor,
                kern: Kernel, *, block_size: int | None = None) -> torch.Tensor:
    """Return ``S[a] = Σ_i k(‖(q_a − x_i) / σ‖) · values_i``, shape (m, k), unnormalised.

    A pure tensor function (no validation): ``q`` (m, d), ``x`` (n, d), ``values`` (n, k), σ a
    scalar or (d,) tensor. Queries are processed in blocks, so memory is O(block × n). Gaussian
    kernel values below ``e^−700`` (float64; ``e^−80`` in float32) count as 0.

    Examples
    --------
    >>> import torch
    >>> from nwlib.core import kernel_sums
    >>> from nwlib.kernels import get_kernel
    >>> x = torch.tensor([[0.0], [0.5], [3.0]])
    >>> kernel_sums(torch.tensor([[0.0]]), x, torch.ones(3, 1), torch.tensor(1.0), get_kernel("boxcar"))
    tensor([[2.]])
    """
    return _engine.kernel_sums(q, x, values, kern, sigma=sigma, shift=False,
                               block_size=block_size).value_sums()[0]
