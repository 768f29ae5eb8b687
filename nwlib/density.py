"""Parzen-window densities and Nadaraya–Watson classification.

A Parzen window (kernel density) estimate puts a normalised bump on every training point,

.. math::

    \\hat p(x) = \\frac{1}{n} \\sum_{i=1}^n K_\\sigma(x - x_i), \\qquad
    K_\\sigma(x) = \\frac{c_d}{\\prod_j \\sigma_j}\\, k\\!\\left(\\lVert x / \\sigma \\rVert\\right),

where ``c_d`` (:meth:`nwlib.Kernel.normalizer`) makes ``K_σ`` integrate to 1 over ``R^d``. Summing
only the points of one class gives the joint density ``p̂(x, y = c)``; summing over the classes gives
back ``p̂(x)``. Nadaraya–Watson classification averages one-hot labels with attention weights, so its
class probabilities are ``p̂(x, y = c) / p̂(x)``: the same numbers as the densities, divided by one
positive factor, and therefore the same decisions.

References
----------
Parzen, E. (1962). On estimation of a probability density function and mode.
*Ann. Math. Statist.* 33(3), 1065–1076.
Rosenblatt, M. (1956). Remarks on some nonparametric estimates of a density function.
*Ann. Math. Statist.* 27(3), 832–837.
*Dive into Deep Learning*, §11.2, exercise 1.
"""
from __future__ import annotations

import math

import torch

from . import _validate as v
from ._memory import check_allocation
from .core import kernel_sums
from .device import default_device
from .kernels import Kernel, get_kernel
from .regression import EMPTY_POLICIES, _estimate

__all__ = ["parzen_density", "joint_densities", "one_hot_labels", "nw_classify"]


def _log_density_scale(kern: Kernel, sigma: torch.Tensor, d: int, n: int) -> float:
    """``log(c_d / (n ∏ σ_j))``: turns kernel sums into a density (raises for non-integrable
    kernels). In logs, because ``c_d`` and ``σ^d`` overflow or underflow in high dimension."""
    log_volume = (d * math.log(float(sigma)) if sigma.ndim == 0
                  else float(sigma.to(torch.float64).log().sum()))
    return kern.log_normalizer(d) - math.log(n) - log_volume


def _densities(q, x, values, kern, sig, *, log: bool = False) -> torch.Tensor:
    """``(c_d / (n ∏ σ)) Σ_i k_i v_i`` (or its log) from validated tensors; the scale is applied
    in logs, so that no dimension overflows it."""
    log_scale = _log_density_scale(kern, sig, x.shape[1], x.shape[0])
    sums = kernel_sums(q, x, values, sig, kern)
    if log:  # log(0) = -inf where every kernel value underflows
        return (sums.to(torch.float64).log() + log_scale).to(sums.dtype)
    if sums.dtype == torch.float64 and -700 < log_scale < 700:  # the usual case: one product
        dens = sums * math.exp(log_scale)
    else:  # log(0) = -inf gives exp(-inf) = 0, as it should
        dens = torch.exp(sums.to(torch.float64).log() + log_scale).to(sums.dtype)
    if not bool(torch.isfinite(dens).all()):
        raise ValueError(f"sigma={_sigma_text(sig)} is too small for d = {x.shape[1]}: the density "
                         "exceeds the largest float (the normaliser is about "
                         f"10^{log_scale / math.log(10):.0f}); use a larger sigma, or log=True")
    return dens


def _sigma_text(sig: torch.Tensor):
    return sig.tolist() if sig.ndim else float(sig)


def parzen_density(x_train, x_query, kernel="gaussian", sigma=1.0, *, log: bool = False,
                   device=None) -> torch.Tensor:
    """Parzen-window (kernel) density estimate of the training inputs, at the queries.

    .. math::

        \\hat p(x) = \\frac{1}{n} \\sum_{i=1}^n \\frac{c_d}{\\prod_j \\sigma_j}\\,
        k\\!\\left(\\left\\lVert \\frac{x - x_i}{\\sigma} \\right\\rVert\\right)

    with ``c_d = 1 / ∫ k(‖u‖) du`` (:meth:`nwlib.Kernel.normalizer`), so ``p̂`` integrates to 1.
    For the Gaussian kernel and one width this is ``scipy.stats.gaussian_kde`` with bandwidth σ.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
        The sample whose density is estimated.
    x_query : array_like, shape (m,) or (m, d)
        Where to evaluate the density.
    kernel : str or Kernel, default "gaussian"
        An integrable kernel: "gaussian", "boxcar", "triangular" or "epanechnikov" (the constant
        kernel integrates to infinity and defines no density).
    sigma : float or array_like of shape (d,), default 1.0
        The width, one for all coordinates or one per coordinate.
    log : bool, default False
        Return ``log p̂`` (as scikit-learn's ``KernelDensity.score_samples``): finite in every
        dimension where ``p̂`` itself exceeds the largest float (high d, small σ).
    device : str or torch.device, optional
        Where to compute; see :func:`nwlib.default_device`.

    Returns
    -------
    torch.Tensor, shape (m,)
        Density values, non-negative (or their logs). Far from every training point a Gaussian
        estimate may underflow to 0 (``-inf`` in logs).

    Raises
    ------
    ValueError
        For a non-integrable kernel (the constant kernel, a callable), bad shapes or widths.

    References
    ----------
    Parzen (1962); Rosenblatt (1956); Silverman, B. W. (1986). *Density Estimation for
    Statistics and Data Analysis*, §4.2.

    Examples
    --------
    >>> from nwlib.density import parzen_density
    >>> parzen_density([0.0], [0.0, 1.0], sigma=1.0)  # the standard normal density
    tensor([0.3989, 0.2420], dtype=torch.float64)
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), queries=("x_query", x_query),
                       sigma=("sigma", sigma), purpose="a density estimate")
    log = v.check_bool(log, "log")
    ones = torch.ones(data.x.shape[0], 1, dtype=data.dtype, device=device)
    return _densities(data.q, data.x, ones, kern, data.sigma, log=log)[:, 0]


def one_hot_labels(labels, num_classes: int | None = None, *, n: int | None = None,
                   device=None, dtype=None) -> torch.Tensor:
    """Validate integer class labels ``0, …, C − 1`` and return their one-hot rows, shape (n, C).

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class indices (any integer dtype, or floats holding whole numbers).
    num_classes : int, optional
        ``C``; by default ``max(labels) + 1``, which may be at most ``max(2n, 64)``: a larger
        index is taken for a stray label and refused (map labels with ``np.unique`` first).
        Larger values add classes with no training point.
    n : int, optional
        The number of training points the labels must match.
    device, dtype : optional
        Of the result (default: :func:`nwlib.default_device`, torch's default float dtype).

    Raises
    ------
    ValueError
        For labels that are not whole numbers, negative, or not below ``num_classes``; a length
        that is not ``n``; an empty array; an index far beyond the number of labels (by
        default); a one-hot matrix larger than the memory nwlib may use.
    TypeError
        For non-numeric labels or a non-integer ``num_classes``.

    Examples
    --------
    >>> from nwlib.density import one_hot_labels
    >>> one_hot_labels([0, 2, 1])
    tensor([[1., 0., 0.],
            [0., 0., 1.],
            [0., 1., 0.]])
    """
    return _one_hot(labels, num_classes, n=n, device=device, dtype=dtype)


def _sparse_labels_message(top: int, present: int, limit: int) -> str:
    return (f"labels has class index {top - 1}, which would make {top} classes for {present} "
            f"distinct label(s); class indices must be 0, 1, …, C − 1 with C at most {limit} "
            "here: map arbitrary labels to indices first, e.g. "
            "classes, labels = np.unique(labels, return_inverse=True)")


def _one_hot(labels, num_classes, *, n=None, m=None, device=None, dtype=None) -> torch.Tensor:
    """One-hot rows of validated labels; with ``m`` queries, also refuse an (m, C) result that
    does not fit in memory."""
    device = default_device(device)
    t = v.raw_tensor(labels, "labels")
    if t.ndim != 1:
        raise ValueError(f"labels must be 1-D (one class index per training point), got shape "
                         f"{tuple(t.shape)}")
    if t.numel() == 0:
        raise ValueError("labels is empty: classification needs at least one labelled point")
    if n is not None and t.shape[0] != n:
        raise ValueError(f"x_train and labels must have the same number of points: x_train has {n}, "
                         f"labels has {t.shape[0]}")
    if t.is_floating_point():
        v.check_finite(t, "labels")
        if not bool((t == t.round()).all()):
            raise ValueError("labels must be whole numbers (class indices 0, 1, …), got fractional values")
    low, high = float(t.min()), float(t.max())  # in floats: 1e30 must not wrap round in int64
    if low < 0:
        raise ValueError(f"labels must be class indices 0, 1, …, got {low:.15g}; map labels such "
                         "as ±1 to indices first, e.g. (y > 0).long()")
    present = int(torch.unique(t).numel())
    # More class columns than a few per labelled point are index gaps, e.g. a stray label: a
    # one-hot matrix of 2e8 columns took 17 GB for 3 points.
    limit = max(2 * t.shape[0], 64)
    if num_classes is None:
        if high + 1 > limit:
            raise ValueError(_sparse_labels_message(int(high) + 1, present, limit))
        num_classes = int(high) + 1
    else:
        num_classes = v.check_positive_int(num_classes, "num_classes")
        if num_classes < high + 1:
            raise ValueError(f"labels has class index {high:.15g}, which needs num_classes ≥ "
                             f"{high + 1:.15g}, got num_classes={num_classes}")
    dtype = dtype or torch.get_default_dtype()
    itemsize = torch.finfo(dtype).bits // 8
    rows = t.shape[0] + (m or 0)  # the one-hot matrix and the (m, C) result
    check_allocation(rows * num_classes * itemsize, f"{num_classes} classes for {t.shape[0]} "
                     f"labels{f' and {m} queries' if m else ''}", "num_classes",
                     "pass fewer classes (map labels to 0, …, C − 1 with np.unique)", device=device)
    return torch.nn.functional.one_hot(t.to(device=device, dtype=torch.int64),
                                       num_classes).to(dtype)


def joint_densities(x_train, labels, x_query, kernel="gaussian", sigma=1.0, *,
                    num_classes: int | None = None, device=None) -> torch.Tensor:
    """Parzen estimates of the joint densities ``p̂(x, y = c)``, one column per class.

    .. math::

        \\hat p(x, y = c) = \\frac{1}{n} \\sum_{i:\\, y_i = c} K_\\sigma(x - x_i)

    The columns sum to :func:`parzen_density`, and column ``c`` integrates to the class frequency
    ``n_c / n``; dividing by it gives the class-conditional density ``p̂(x | y = c)``.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    labels : array_like of int, shape (n,)
        Class indices ``0, …, C − 1`` (see :func:`one_hot_labels`).
    x_query : array_like, shape (m,) or (m, d)
    kernel, sigma, device
        As in :func:`parzen_density`.
    num_classes : int, optional
        ``C``; by default ``max(labels) + 1``.

    Returns
    -------
    torch.Tensor, shape (m, C)

    References
    ----------
    Parzen (1962); *Dive into Deep Learning*, §11.2, exercise 1.

    Examples
    --------
    >>> from nwlib.density import joint_densities
    >>> joint_densities([0.0, 1.0], [0, 1], [0.0], sigma=1.0)
    tensor([[0.1995, 0.1210]], dtype=torch.float64)
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), queries=("x_query", x_query),
                       sigma=("sigma", sigma), purpose="a density estimate")
    onehot = _one_hot(labels, num_classes, n=data.x.shape[0], device=device,
                            dtype=data.dtype, m=data.q.shape[0])
    return _densities(data.q, data.x, onehot, kern, data.sigma)


def nw_classify(x_train, labels, x_query, kernel="gaussian", sigma=1.0, *,
                num_classes: int | None = None, empty: str = "nan", device=None) -> torch.Tensor:
    """Nadaraya–Watson classification: attention-weighted one-hot labels, i.e. class probabilities.

    .. math::

        \\hat P(y = c \\mid x) = \\sum_i \\alpha_i(x)\\, [y_i = c]
        = \\frac{\\sum_{i:\\, y_i = c} k(\\lVert x - x_i \\rVert / \\sigma)}
               {\\sum_j k(\\lVert x - x_j \\rVert / \\sigma)}
        = \\frac{\\hat p(x, y = c)}{\\hat p(x)}

    Each row is non-negative and sums to 1; predict with ``argmax`` over the columns. Computed by
    :func:`nwlib.nadaraya_watson` with one-hot values, so any kernel works (normalising constants
    cancel) and the Gaussian never gives 0/0.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    labels : array_like of int, shape (n,)
        Class indices ``0, …, C − 1``, any number of classes.
    x_query : array_like, shape (m,) or (m, d)
    kernel : str or callable, default "gaussian"
        Any kernel :func:`nwlib.get_kernel` accepts.
    sigma : float or array_like of shape (d,), default 1.0
    num_classes : int, optional
        ``C``; by default ``max(labels) + 1``.
    empty : {"nan", "nearest"}, default "nan"
        For compact kernels, queries with no training point in the window; see
        :func:`nwlib.nadaraya_watson`.
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (m, C)
        Class probabilities.

    References
    ----------
    Nadaraya (1964); Watson (1964); *Dive into Deep Learning*, §11.2, eq. (11.2.2) with one-hot
    values.

    Examples
    --------
    >>> from nwlib.density import nw_classify
    >>> nw_classify([0.0, 1.0], [0, 1], [0.0], sigma=1.0)  # the joint densities, normalised
    tensor([[0.6225, 0.3775]], dtype=torch.float64)
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), queries=("x_query", x_query),
                       sigma=("sigma", sigma), purpose="classification")
    v.check_choice(empty, "empty", EMPTY_POLICIES)
    onehot = _one_hot(labels, num_classes, n=data.x.shape[0], device=device,
                            dtype=data.dtype, m=data.q.shape[0])
    return _estimate(data.x, onehot, data.q, kern, data.sigma, return_weights=False,
                     empty=empty)[0]
