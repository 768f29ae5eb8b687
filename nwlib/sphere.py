"""Gaussian attention pooling as dot-product attention: the unit sphere and the key bias.

Expanding the squared distance in the Gaussian kernel's exponent,

.. math::

    -\\frac{\\lVert q - k_i \\rVert^2}{2\\sigma^2}
    = \\underbrace{-\\frac{\\lVert q \\rVert^2}{2\\sigma^2}}_{\\text{same for every } i}
      + \\frac{q^\\top k_i}{\\sigma^2}
      \\underbrace{-\\,\\frac{\\lVert k_i \\rVert^2}{2\\sigma^2}}_{\\text{key bias } b_i},

and a softmax over ``i`` ignores terms that are the same for every ``i``. So the Gaussian
Nadaraya–Watson weights are ``softmax_i(qᵀk_i / σ² + b_i)`` for any points; on the unit sphere
``b_i = −1 / (2σ²)`` is the same for every key and cancels too, leaving dot-product attention
``softmax_i(qᵀk_i / σ²)`` with temperature σ².

References
----------
Vaswani, A. et al. (2017). Attention is all you need. *NeurIPS*, eq. (1).
*Dive into Deep Learning*, §11.2, exercise 3.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from . import _validate as v
from ._engine import fold_widths, inverse_sq_width, squared_distances
from ._memory import check_allocation
from .device import default_device

__all__ = ["random_unit_vectors", "key_bias", "gaussian_logits", "dot_product_logits",
           "sdpa_nadaraya_watson"]


def random_unit_vectors(n: int, d: int, *, seed: int = 0, dtype: torch.dtype = torch.float64,
                        device=None) -> torch.Tensor:
    """Draw ``n`` points uniformly on the unit sphere of ``R^d``, reproducibly.

    Normalised standard Gaussian vectors are uniform on the sphere, because the Gaussian density
    depends on the norm only (Muller 1959).

    Parameters
    ----------
    n : int
        Number of points.
    d : int
        Dimension of the space (the sphere has dimension ``d − 1``).
    seed : int, default 0
        Seed of a private ``torch.Generator``.
    dtype : torch.dtype, default torch.float64
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (n, d)
        Rows of norm 1 (to rounding).

    References
    ----------
    Muller, M. E. (1959). A note on a method for generating points uniformly on n-dimensional
    spheres. *Commun. ACM* 2(4), 19–20.

    Examples
    --------
    >>> from nwlib.sphere import random_unit_vectors
    >>> random_unit_vectors(3, 2).norm(dim=1)
    tensor([1., 1., 1.], dtype=torch.float64)
    """
    n = v.check_positive_int(n, "n")
    d = v.check_positive_int(d, "d")
    seed = v.check_seed(seed)
    dtype = v.check_dtype(dtype)
    check_allocation(2 * n * d * 8, f"{n} vectors of {d} coordinates", "n and d",  # z and z / ‖z‖
                     "use fewer or shorter vectors", device="cpu")
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, d, generator=gen, dtype=torch.float64)
    return (z / z.norm(dim=1, keepdim=True)).to(device=default_device(device), dtype=dtype)


def _queries_keys(queries, keys, sigma, device, *values):
    data = v.read_data(device=device, points=("keys", keys),
                       values=("values", values[0]) if values else None,
                       queries=("queries", queries), sigma=("sigma", sigma), purpose="attention")
    return data


def _finite_logits(logits: torch.Tensor, sigma, what: str, rows: bool = False) -> torch.Tensor:
    """``logits``, or a ValueError naming σ where ``1/σ²`` overflows them (their softmax is NaN)."""
    bad = ~torch.isfinite(logits)
    if (bad.all(dim=-1).any() if rows and logits.shape[-1] else bad.any()):
        raise ValueError(f"sigma={v._short(sigma)} overflows {what} in {logits.dtype} "
                         "(which scale as 1/σ²), so a softmax over them would be NaN: use a larger sigma, "
                         "or sdpa_nadaraya_watson or nadaraya_watson, which clamp 1/σ² and are "
                         "finite at every σ > 0")
    return logits


def key_bias(keys, sigma=1.0, *, device=None) -> torch.Tensor:
    """The key bias ``b_i = −‖k_i / σ‖² / 2`` that turns dot products into Gaussian logits.

    Parameters
    ----------
    keys : array_like, shape (n,) or (n, d)
    sigma : float or array_like of shape (d,), default 1.0
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (n,)
        Constant (``−1 / (2σ²)``) exactly when every key has norm 1 and σ is one number.

    Examples
    --------
    >>> from nwlib.sphere import key_bias, random_unit_vectors
    >>> key_bias(random_unit_vectors(3, 2), sigma=0.5)  # −1/(2σ²) for every unit key
    tensor([-2.0000, -2.0000, -2.0000], dtype=torch.float64)
    """
    data = v.read_data(device=default_device(device), points=("keys", keys),
                       sigma=("sigma", sigma), purpose="attention")
    return _finite_logits(-0.5 * ((data.x / data.sigma) ** 2).sum(dim=1), sigma, "the key bias")


def gaussian_logits(queries, keys, sigma=1.0, *, device=None) -> torch.Tensor:
    """Logits of Gaussian attention, ``L[a, i] = −‖(q_a − k_i) / σ‖² / 2``; softmax over ``i``
    gives the Nadaraya–Watson weights.

    Parameters
    ----------
    queries : array_like, shape (m,) or (m, d)
    keys : array_like, shape (n,) or (n, d)
    sigma : float or array_like of shape (d,), default 1.0
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (m, n)

    Examples
    --------
    >>> import torch
    >>> from nwlib.sphere import gaussian_logits
    >>> gaussian_logits([[0.0, 0.0]], [[1.0, 0.0], [0.0, 2.0]])
    tensor([[-0.5000, -2.0000]], dtype=torch.float64)
    """
    data = _queries_keys(queries, keys, sigma, default_device(device))
    q, k, sig = data.q, data.x, data.sigma
    logits = -0.5 * squared_distances(q / sig, k / sig)
    # a row of −inf has a NaN softmax; −inf beside finite logits is an exact zero weight
    return _finite_logits(logits, sigma, "the logits", rows=True)


def dot_product_logits(queries, keys, sigma=1.0, *, with_key_bias: bool = False,
                       device=None) -> torch.Tensor:
    """Logits of dot-product attention with temperature σ², ``L[a, i] = q_aᵀ k_i / σ²``.

    With ``with_key_bias=True`` the key bias ``−‖k_i‖² / (2σ²)`` is added; then the logits differ
    from :func:`gaussian_logits` by ``−‖q_a‖² / (2σ²)``, one constant per row, and the softmax of
    both is the same. With per-coordinate widths the dot product is ``Σ_j q_j k_j / σ_j²``.

    Parameters
    ----------
    queries : array_like, shape (m,) or (m, d)
    keys : array_like, shape (n,) or (n, d)
    sigma : float or array_like of shape (d,), default 1.0
    with_key_bias : bool, default False
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (m, n)

    Examples
    --------
    >>> import torch
    >>> from nwlib.sphere import dot_product_logits, gaussian_logits, random_unit_vectors
    >>> keys, query = random_unit_vectors(3, 2), random_unit_vectors(1, 2, seed=1)
    >>> torch.softmax(dot_product_logits(query, keys), dim=1)  # on the sphere: Gaussian attention
    tensor([[0.7273, 0.1405, 0.1322]], dtype=torch.float64)
    >>> torch.softmax(gaussian_logits(query, keys), dim=1)
    tensor([[0.7273, 0.1405, 0.1322]], dtype=torch.float64)
    """
    with_key_bias = v.check_bool(with_key_bias, "with_key_bias")
    data = _queries_keys(queries, keys, sigma, default_device(device))
    q, k, sig = data.q, data.x, data.sigma
    q, k = q / sig, k / sig
    logits = q @ k.T
    if with_key_bias:
        logits = logits - 0.5 * (k * k).sum(dim=1)
    return _finite_logits(logits, sigma, "the logits")


def _safe_scale(q: torch.Tensor, k: torch.Tensor, sigma: float, with_key_bias: bool) -> float:
    """``1/σ²`` as the engine clamps it, and at most what keeps every logit below a quarter of the
    dtype's largest number.

    Past that bound no logit can overflow (so no ``inf − inf``), and nothing is lost: a logit
    difference that rounding can resolve (``eps · bound`` in the dot products) is then at least
    ``eps · max / 4`` (1e31 in float32), far below the engine's exp floor, so each row's weight is
    on its nearest keys at either scale.
    """
    top = torch.finfo(q.dtype).max
    scale = inverse_sq_width(sigma, q.dtype)
    q_norm = float(q.norm(dim=1).amax()) if q.shape[0] else 0.0
    k_norm = float(k.norm(dim=1).amax())
    bound = q_norm * k_norm + (0.5 * k_norm * k_norm if with_key_bias else 0.0)
    return min(scale, top / (4 * bound)) if bound > 0 else scale


def sdpa_nadaraya_watson(queries, keys, values, sigma=1.0, *, with_key_bias: bool = True,
                         device=None) -> torch.Tensor:
    """Gaussian Nadaraya–Watson regression computed by ``torch.nn.functional.scaled_dot_product_attention``.

    .. math::

        \\hat f(q) = \\sum_i \\operatorname{softmax}_i\\!\\left(\\frac{q^\\top k_i}{\\sigma^2}
        + b_i\\right) v_i, \\qquad b_i = -\\frac{\\lVert k_i \\rVert^2}{2\\sigma^2}

    The scale is ``1/σ²`` (not the transformer's ``1/√d``) and the key bias is passed as an
    additive float ``attn_mask``. With ``with_key_bias=False`` it is plain dot-product attention,
    which equals Gaussian Nadaraya–Watson only when all keys have the same norm (e.g. on the unit
    sphere).

    The engine's numerical rules hold here too, so the answer is finite at every σ > 0: with the
    key bias, queries and keys are first translated by the keys' mean (the weights depend on
    differences only; smaller dot products round less), and ``1/σ²`` is clamped, at most to the
    scale past which the weights no longer change (every row on its nearest keys) and below which
    no logit overflows. The dot-product form still rounds more than the distance form of
    :func:`nwlib.nadaraya_watson`: about ``eps · ‖k‖² / σ²`` in the logits.

    Parameters
    ----------
    queries : array_like, shape (m,) or (m, d)
    keys : array_like, shape (n,) or (n, d)
    values : array_like, shape (n,) or (n, k)
    sigma : float or array_like of shape (d,), default 1.0
        One width, or one per coordinate (then coordinates are divided by σ and the scale is 1).
    with_key_bias : bool, default True
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (m,) or (m, k)

    References
    ----------
    Vaswani et al. (2017), eq. (1); Nadaraya (1964); Watson (1964).

    Examples
    --------
    >>> from nwlib import nadaraya_watson
    >>> from nwlib.sphere import random_unit_vectors, sdpa_nadaraya_watson
    >>> keys, query = random_unit_vectors(3, 2), random_unit_vectors(1, 2, seed=1)
    >>> sdpa_nadaraya_watson(query, keys, [1.0, 2.0, 3.0], sigma=1.0)
    tensor([1.4049], dtype=torch.float64)
    >>> nadaraya_watson(keys, [1.0, 2.0, 3.0], query, sigma=1.0, return_weights=False)
    tensor([1.4049], dtype=torch.float64)
    """
    with_key_bias = v.check_bool(with_key_bias, "with_key_bias")
    device = default_device(device)
    data = _queries_keys(queries, keys, sigma, device, values)
    q, k, sig, vals, vals_1d = data.q, data.x, data.sigma, data.y, data.y_1d
    q, k, sig = fold_widths(q, k, sig)  # per-coordinate widths into the coordinates, σ ≤ each
    if with_key_bias:  # weights depend on differences only: centring shrinks the dot products
        centre = k.mean(dim=0)
        q, k = q - centre, k - centre
    scale = _safe_scale(q, k, float(sig), with_key_bias)
    mask = None
    if with_key_bias:
        mask = (-0.5 * scale * (k * k).sum(dim=1)).unsqueeze(0)  # (1, n), broadcast over queries
    out = F.scaled_dot_product_attention(q, k, vals, attn_mask=mask, scale=scale)
    return out[:, 0] if vals_1d else out
