"""Nadaraya–Watson regression: attention pooling with a fixed kernel.

The estimate at a query ``q`` is the attention-weighted mean of the training values,

.. math::

    \\hat f(q) = \\sum_i \\alpha_i(q)\\, y_i, \\qquad
    \\alpha_i(q) = \\frac{k(\\lVert q - x_i\\rVert / \\sigma)}{\\sum_j k(\\lVert q - x_j\\rVert / \\sigma)},

so the weights of one query are non-negative and sum to 1 (one row of an attention matrix).

References
----------
Nadaraya, E. A. (1964). On estimating regression. *Theory Probab. Appl.* 9(1), 141–142.
Watson, G. S. (1964). Smooth regression analysis. *Sankhyā A* 26(4), 359–372.
"""
from __future__ import annotations

import warnings

import torch

from . import _engine
from . import _validate as v
from ._memory import check_weight_memory
from .device import default_device
from .kernels import _too_large, get_kernel

__all__ = ["nadaraya_watson", "EMPTY_POLICIES"]

# What a query with no key inside a compact kernel's window gets (see nadaraya_watson's `empty`).
EMPTY_POLICIES = ("nan", "nearest")


def _fill_empty(est, weights, empty_rows, q, x, y, policy, name_sigma):
    """Apply the empty-window policy to the rows the engine found empty (all kernel values 0)."""
    count = int(empty_rows.sum())
    if count == 0:
        return
    if policy == "nearest":
        idx = _engine.squared_distances(q[empty_rows], x).argmin(dim=1)
        est[empty_rows] = y[idx]
        if weights is not None:
            rows = torch.zeros(count, x.shape[0], dtype=weights.dtype, device=weights.device)
            rows[torch.arange(count, device=rows.device), idx] = 1
            weights[empty_rows] = rows
    else:
        est[empty_rows] = float("nan")
        if weights is not None:
            weights[empty_rows] = float("nan")
        warnings.warn(f"{count} of {est.shape[0]} queries have no training point inside the kernel's "
                      f"window (sigma={name_sigma}); their estimates are NaN. Use a wider sigma, or "
                      "empty='nearest' to fall back to the nearest training point.",
                      RuntimeWarning, stacklevel=3)


def nadaraya_watson(x_train, y_train, x_query, kernel="gaussian", sigma=1.0, *,
                    return_weights: bool = True, empty: str = "nan",
                    block_size: int | None = None, device=None):
    """Nadaraya–Watson regression (attention pooling) of ``y_train`` at ``x_query``.

    .. math::

        \\hat f(q) = \\sum_i \\frac{k(\\lVert q - x_i\\rVert/\\sigma)}
                              {\\sum_j k(\\lVert q - x_j\\rVert/\\sigma)}\\, y_i

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
        Training inputs (the keys). A list, numpy array or tensor.
    y_train : array_like, shape (n,) or (n, k)
        Training values. With one-hot rows (k classes) the estimate is a vector of class
        probabilities (Nadaraya–Watson classification).
    x_query : array_like, shape (m,) or (m, d)
        Query points, in the same space as ``x_train``.
    kernel : str or callable, default "gaussian"
        A name from :func:`nwlib.kernel_names` or a callable ``k(u)`` of the scaled distance.
    sigma : float or array_like of shape (d,) or (m, 1), default 1.0
        The width: one positive number; one per coordinate, shape (d,) (then
        ``u = ‖(q − x) / σ‖``); or one per query, shape (m, 1) (``u = ‖q_a − x‖ / σ_a``, the
        balloon estimator; :func:`nwlib.adaptive.knn_widths` computes the k-nearest-key widths).
    return_weights : bool, default True
        Return the (m, n) attention matrix too (the book's behaviour). With ``False`` only the
        estimates are returned and the weights are never stored: queries are processed in blocks,
        so memory is O(block_size × n) whatever m is.
    empty : {"nan", "nearest"}, default "nan"
        What a compact kernel (boxcar, triangular, epanechnikov) does at a query with no training
        point inside its window, where every weight is 0 and the ratio is 0/0. ``"nan"`` gives NaN
        there (weights too) and one ``RuntimeWarning`` that counts such queries; ``"nearest"``
        gives the value of the nearest training point (a one-hot weight row). The Gaussian is
        normalised in the log domain (a max-shifted softmax) and never has empty rows: as σ → 0 it
        tends to the nearest neighbour's value.
    block_size : int, optional
        Queries per block. By default about 2^18 kernel values per block on the CPU (cache sized)
        and 2^24 on a GPU. Memory beyond the inputs is O(max(block_size · n, 2^18)) when
        ``return_weights`` is False. On the CPU the blocks are shared out to
        ``torch.get_num_threads()`` threads (results do not depend on that number).
    device : str or torch.device, optional
        Where to compute; see :func:`nwlib.default_device`. Results are returned on it.

    Returns
    -------
    y_hat : torch.Tensor, shape (m,) or (m, k)
        The estimates; ``(m,)`` when ``y_train`` is 1-D.
    weights : torch.Tensor, shape (m, n)
        The attention weights, each row summing to 1; only when ``return_weights`` is True.

    Notes
    -----
    The dtype is the widest floating dtype of the inputs (float64 if any is float64), else
    float32. Every input is moved to the computing device. Inputs that require grad are read as
    constants: the blocked sums run without autograd, so the results carry no gradient (for a
    differentiable estimate use :func:`nwlib.core.attention_weights`).

    Large one-dimensional Gaussian estimates in float32 on the CPU (from about 5e8 kernel values,
    without ``return_weights``) run one compiled loop per tile (``torch.compile``), faster than
    the eager engine on an idle machine (the book's Performance page has the measurement); the
    first such call in a process compiles or loads it (seconds). ``NWLIB_FUSED=0`` in the
    environment keeps the eager engine, which is faster when other programs keep the cores busy.

    References
    ----------
    Nadaraya (1964); Watson (1964); *Dive into Deep Learning*, §11.2, eq. (11.2.2).

    Examples
    --------
    >>> from nwlib import nadaraya_watson
    >>> y_hat, weights = nadaraya_watson([0.0, 1.0, 2.0], [0.0, 1.0, 4.0], [0.5, 1.5], sigma=0.5)
    >>> y_hat
    tensor([0.5318, 2.4773], dtype=torch.float64)
    >>> weights.sum(dim=1)
    tensor([1., 1.], dtype=torch.float64)
    >>> nadaraya_watson([0.0, 1.0, 2.0], [0.0, 1.0, 4.0], [0.5], "boxcar", 0.5, return_weights=False)
    tensor([0.5000], dtype=torch.float64)
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    # the queries take part in choosing the dtype: the widest floating dtype of the data wins
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       queries=("x_query", x_query), sigma=("sigma", sigma),
                       purpose="Nadaraya–Watson", per_query=True)
    v.check_choice(empty, "empty", EMPTY_POLICIES)
    return_weights = v.check_bool(return_weights, "return_weights")
    if block_size is not None:
        block_size = v.check_positive_int(block_size, "block_size")
    est, weights = _estimate(data.x, data.y, data.q, kern, data.sigma, return_weights=return_weights,
                             empty=empty, block_size=block_size)
    if data.y_1d:
        est = est[:, 0]
    return (est, weights) if return_weights else est


def _estimate(x, y, q, kern, sig, *, return_weights, empty, block_size=None):
    """Estimates (m, k) and weights (or None) from validated tensors (no gradient flows)."""
    check_weight_memory(q.shape[0], x.shape[0], x.dtype, return_weights, device=x.device)
    with torch.no_grad():
        sums = _engine.kernel_sums(q, x, y, kern, sigma=sig, keep_weights=return_weights,
                                   block_size=block_size)
        est, weights = sums.estimates()[0], sums.weights
        empty_rows = sums.empty()[0]
        if not bool(torch.isfinite(est[~empty_rows]).all()):  # not an empty window: an overflow
            raise ValueError(_too_large(kern.name, x.dtype))
        sigma_text = ("one per query" if sig.ndim == 2 else sig.tolist() if sig.ndim
                      else float(sig))
        _fill_empty(est, weights, empty_rows, q, x, y, empty, sigma_text)
    return est, weights
