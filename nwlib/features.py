"""Positive random features: Gaussian Nadaraya–Watson (attention) in linear time.

For ``ω ~ N(0, I_d)``, ``E[exp(ωᵀx − ‖x‖²/2) · exp(ωᵀy − ‖y‖²/2)] = exp(xᵀy)``, so with ``r``
independent draws ``ω_1, …, ω_r`` (the columns of ``omega``) the features

.. math::

    \\varphi(x) = \\frac{1}{\\sqrt r}\\,
        \\bigl[\\exp(\\omega_j^\\top x - \\lVert x \\rVert^2 / 2)\\bigr]_{j=1}^{r}

are positive and ``φ(x)ᵀφ(y)`` is an unbiased estimate of ``exp(xᵀy)``, with variance
``exp(2xᵀy) (exp(‖x + y‖²) − 1) / r``. Gaussian attention weights are
``exp(qᵀk/σ² − ‖k‖²/2σ²)`` up to a factor of the query, so with ``q' = q/σ`` and ``k' = k/σ``

.. math::

    \\hat f(q) \\approx \\frac{\\varphi(q')^\\top \\sum_i \\psi(k'_i)\\, v_i}
                           {\\varphi(q')^\\top \\sum_i \\psi(k'_i)}, \\qquad
    \\psi(k') = \\varphi(k')\\, e^{-\\lVert k' \\rVert^2 / 2},

where the two sums over the keys are computed once: ``O((n + m) r)`` operations for ``n`` keys and
``m`` queries instead of ``O(n m)``. The relative variance grows like ``exp(‖q' + k'‖²)``: fine
when the points are within about a width of each other (after centring), hopeless as ``σ``
shrinks against the spread of the data.

References
----------
Choromanski, K. et al. (2021). Rethinking attention with Performers. *ICLR*. (Lemma 1: positive
random features.)
Katharopoulos, A. et al. (2020). Transformers are RNNs: fast autoregressive transformers with
linear attention. *ICML*.
"""
from __future__ import annotations

import math
import warnings

import torch

from . import _engine
from . import _validate as v
from ._memory import check_allocation
from .device import default_device

__all__ = ["draw_omega", "positive_features", "random_feature_nw"]


def draw_omega(d: int, r: int, *, seed: int = 0, dtype: torch.dtype = torch.float64,
               device=None) -> torch.Tensor:
    """``r`` independent directions ``ω_j ~ N(0, I_d)``, as the columns of a (d, r) tensor.

    Drawn on the CPU in float64 from a private generator, so a seed gives the same directions on
    every device.

    Examples
    --------
    >>> from nwlib.features import draw_omega
    >>> draw_omega(2, 3, seed=0).shape
    torch.Size([2, 3])
    """
    d = v.check_positive_int(d, "d")
    r = v.check_positive_int(r, "r")
    seed = v.check_seed(seed)
    dtype = v.check_dtype(dtype)
    gen = torch.Generator().manual_seed(seed)
    omega = torch.randn(d, r, generator=gen, dtype=torch.float64)
    return omega.to(device=default_device(device), dtype=dtype)


def positive_features(x: torch.Tensor, omega: torch.Tensor) -> torch.Tensor:
    """The positive random features ``φ(x) = exp(ωᵀx − ‖x‖²/2) / √r``, shape (n, r).

    A tensor function without validation: ``x`` (n, d) and ``omega`` (d, r) on one device and
    dtype. ``φ(x)ᵀφ(y)`` estimates ``exp(xᵀy)`` without bias. Computed as written: for large
    ``‖x‖`` it overflows (:func:`random_feature_nw` works in the log domain).

    References
    ----------
    Choromanski et al. (2021), Lemma 1.

    Examples
    --------
    >>> import math, torch
    >>> from nwlib.features import draw_omega, positive_features
    >>> x = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    >>> y = torch.tensor([[0.1, 0.4]], dtype=torch.float64)
    >>> omega = draw_omega(2, 200_000, seed=1)
    >>> estimate = float(positive_features(x, omega) @ positive_features(y, omega).T)
    >>> exact = math.exp(float(x @ y.T))
    >>> abs(estimate / exact - 1) < 0.01
    True
    """
    r = omega.shape[1]
    return torch.exp(x @ omega - 0.5 * (x * x).sum(dim=1, keepdim=True) - 0.5 * math.log(r))


def _workers(elements: int, device: torch.device) -> tuple[int, bool]:
    """Threads and inline flag for ``elements`` feature values, by the engine's policy."""
    on_cpu = device.type == "cpu"
    workers = (torch.get_num_threads() if on_cpu and elements >= _engine._PARALLEL_MIN_ELEMENTS
               else 1)
    return workers, not on_cpu or elements < _engine._GRAIN


def _key_sums(k: torch.Tensor, values: torch.Tensor, omega: torch.Tensor, rows: int):
    """``S = Σ_i ψ(k_i) v_iᵀ`` (r, c) and ``z = Σ_i ψ(k_i)`` (r,), both times ``e^−shift``.

    Each block of ``rows`` keys is summed with its own largest log-feature subtracted (so no
    exponential overflows); the blocks are then rescaled to the largest of those shifts and
    added. The common factor ``e^−shift`` cancels in the estimate.
    """
    r, c = omega.shape[1], values.shape[1]
    starts = list(range(0, k.shape[0], rows))
    S = torch.empty(len(starts), r, c, dtype=k.dtype, device=k.device)
    z = torch.empty(len(starts), r, dtype=k.dtype, device=k.device)
    shifts = torch.empty(len(starts), dtype=k.dtype, device=k.device)

    def work(start, stop, _):
        b = start // rows
        kb = k[start:stop]
        logits = kb @ omega - (kb * kb).sum(dim=1, keepdim=True)  # φ and the key bias, in logs
        shifts[b] = logits.max()
        feats = logits.sub_(shifts[b]).exp_()
        torch.mm(feats.T, values[start:stop], out=S[b])
        torch.sum(feats, dim=0, out=z[b])

    workers, inline = _workers(k.shape[0] * r, k.device)
    _engine.run_blocks(work, lambda: None, k.shape[0], rows, workers, inline=inline)
    scale = torch.exp(shifts - shifts.max())
    return (S * scale[:, None, None]).sum(dim=0), (z * scale[:, None]).sum(dim=0)


def random_feature_nw(x_train, y_train, x_query, sigma=1.0, *, features: int = 256,
                      seed: int = 0, center: bool = True, device=None) -> torch.Tensor:
    """Gaussian Nadaraya–Watson regression by positive random features, in linear time.

    .. math::

        \\hat f(q) = \\frac{\\varphi(q')^\\top \\sum_i \\psi(x'_i)\\, y_i^\\top}
                          {\\varphi(q')^\\top \\sum_i \\psi(x'_i)}, \\qquad
        x' = \\frac{x - c}{\\sigma}, \\quad
        \\psi(x') = \\varphi(x')\\, e^{-\\lVert x' \\rVert^2/2}

    with ``φ`` the features of :func:`positive_features` and ``c`` the mean of ``x_train``
    (``center=True``; the Gaussian kernel does not change, the features' variance falls). The
    cost is ``O((n + m) · r · (d + k))`` operations and ``O((n + m) · r)`` memory at most (keys
    and queries in blocks), against ``O(n · m · d)`` for :func:`nwlib.nadaraya_watson`. The
    estimate is random: it converges to the exact one as ``features`` grows, with an error of
    order ``1/√r`` when the points lie within a few widths of ``c``; it is useless for small
    widths, where the variance, ``∝ exp(‖q' + x'‖²)``, explodes.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    y_train : array_like, shape (n,) or (n, k)
    x_query : array_like, shape (m,) or (m, d)
    sigma : float or array_like of shape (d,), default 1.0
        The Gaussian kernel's width (or one per coordinate).
    features : int, default 256
        The number ``r`` of random features.
    seed : int, default 0
        Seeds the directions ``ω`` (:func:`draw_omega`).
    center : bool, default True
        Subtract the mean of ``x_train`` from every point first.
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (m,) or (m, k)
        NaN, with a ``RuntimeWarning``, for a query whose feature sums underflow to 0 (a width far
        too small for random features).

    Raises
    ------
    ValueError
        If the features would need more memory than nwlib may use (before allocating them).

    References
    ----------
    Choromanski et al. (2021); Katharopoulos et al. (2020).

    Examples
    --------
    >>> import torch
    >>> from nwlib import nadaraya_watson
    >>> from nwlib.features import random_feature_nw
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.rand(500, 2, generator=gen, dtype=torch.float64)
    >>> y = torch.sin(3 * x[:, 0]) + x[:, 1]
    >>> q = torch.rand(5, 2, generator=gen, dtype=torch.float64)
    >>> exact = nadaraya_watson(x, y, q, sigma=0.5, return_weights=False)
    >>> approx = random_feature_nw(x, y, q, sigma=0.5, features=4096)
    >>> float((approx - exact).abs().max()) < 0.02
    True
    """
    device = default_device(device)
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       queries=("x_query", x_query), sigma=("sigma", sigma),
                       purpose="random-feature Nadaraya–Watson")
    x, y, q, sig, dtype = data.x, data.y, data.q, data.sigma, data.dtype
    r = v.check_positive_int(features, "features")
    seed = v.check_seed(seed)
    center = v.check_bool(center, "center")

    rows = max(1, _engine.block_elements(device) // r)
    # ω, the per-block key sums and one block of features per thread, before allocating any
    blocks = -(-x.shape[0] // rows) + 1
    check_allocation(r * torch.finfo(dtype).bits // 8 * (x.shape[1] + blocks * (y.shape[1] + 1)
                                                         + rows * torch.get_num_threads()),
                     f"{r} random features for {x.shape[0]} keys", "features",
                     "pass fewer features (the error falls only like 1/√features)", device=device)
    omega = draw_omega(x.shape[1], r, seed=seed, dtype=dtype, device=device)
    c = x.mean(dim=0) if center else torch.zeros(x.shape[1], dtype=dtype, device=device)
    k, q = (x - c) / sig, (q - c) / sig
    with torch.no_grad():
        S, z = _key_sums(k, y, omega, rows)
        est = torch.empty(q.shape[0], y.shape[1], dtype=dtype, device=device)

        def work(start, stop, _):
            logits = q[start:stop] @ omega  # −‖q'‖²/2 and 1/√r are the same for every key
            feats = logits.sub_(logits.amax(dim=1, keepdim=True)).exp_()
            est[start:stop] = (feats @ S) / (feats @ z).unsqueeze(1)

        workers, inline = _workers(q.shape[0] * r, device)
        _engine.run_blocks(work, lambda: None, q.shape[0], rows, workers, inline=inline)
    bad = ~torch.isfinite(est).all(dim=1)
    if bool(bad.any()):
        est[bad] = float("nan")
        warnings.warn(f"{int(bad.sum())} of {est.shape[0]} queries got no usable feature sums "
                      f"at sigma={v._short(sigma)} (they underflowed or overflowed); their "
                      "estimates are NaN. Random features need widths comparable to the spread "
                      "of the data; use nwlib.nadaraya_watson for small widths.",
                      RuntimeWarning, stacklevel=2)
    return est[:, 0] if data.y_1d else est
