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

import torch

from . import _validate as v
from .core import kernel_sums
from .device import default_device
from .kernels import Kernel, get_kernel
from .regression import nadaraya_watson

__all__ = ["parzen_density", "joint_densities", "one_hot_labels", "nw_classify"]


def _density_scale(kern: Kernel, sigma: torch.Tensor, d: int, n: int) -> float:
    """``c_d / (n ∏ σ_j)``: turns kernel sums into a density (raises for non-integrable kernels)."""
    c_d = kern.normalizer(d)
    volume = float(sigma) ** d if sigma.ndim == 0 else float(torch.prod(sigma.to(torch.float64)))
    return c_d / (n * volume)


def _points_and_queries(x_train, x_query, sigma, device, extra_dtype_source=None):
    x = v.raw_tensor(x_train, "x_train")
    x_query = v.raw_tensor(x_query, "x_query")  # the queries take part in the dtype, as in regression
    sources = (x, x_query) if extra_dtype_source is None else (x, x_query, extra_dtype_source)
    dtype = v.common_dtype(*sources)
    x = v.as_points(x, "x_train")
    if x.shape[0] == 0:
        raise ValueError("x_train is empty: a density estimate needs at least one training point")
    x = x.to(device=device, dtype=dtype)
    v.check_finite(x, "x_train")
    q, _ = v.query_points(x_query, x.shape[1], device=device, dtype=dtype)
    sig = v.check_sigma(sigma, x.shape[1], device=device, dtype=dtype)
    return x, q, sig


def parzen_density(x_train, x_query, kernel="gaussian", sigma=1.0, *, device=None) -> torch.Tensor:
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
    device : str or torch.device, optional
        Where to compute; see :func:`nwlib.default_device`.

    Returns
    -------
    torch.Tensor, shape (m,)
        Density values, non-negative. Far from every training point a Gaussian estimate may
        underflow to 0.

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
    x, q, sig = _points_and_queries(x_train, x_query, sigma, device)
    scale = _density_scale(kern, sig, x.shape[1], x.shape[0])
    ones = torch.ones(x.shape[0], 1, dtype=x.dtype, device=device)
    return kernel_sums(q, x, ones, sig, kern)[:, 0] * scale


def one_hot_labels(labels, num_classes: int | None = None, *, n: int | None = None,
                   device=None, dtype=None) -> torch.Tensor:
    """Validate integer class labels ``0, …, C − 1`` and return their one-hot rows, shape (n, C).

    Parameters
    ----------
    labels : array_like of int, shape (n,)
        Class indices (any integer dtype, or floats holding whole numbers).
    num_classes : int, optional
        ``C``; by default ``max(labels) + 1``. Larger values add classes with no training point.
    n : int, optional
        The number of training points the labels must match.
    device, dtype : optional
        Of the result (default: :func:`nwlib.default_device`, torch's default float dtype).

    Raises
    ------
    ValueError
        For labels that are not whole numbers, negative, or not below ``num_classes``; a length
        that is not ``n``; an empty array.
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
    t = t.to(torch.int64)
    if int(t.min()) < 0:
        raise ValueError(f"labels must be class indices 0, 1, …, got {int(t.min())}; map labels such "
                         "as ±1 to indices first, e.g. (y > 0).long()")
    top = int(t.max()) + 1
    if num_classes is None:
        num_classes = top
    else:
        num_classes = v.check_positive_int(num_classes, "num_classes")
        if num_classes < top:
            raise ValueError(f"labels has class index {top - 1}, which needs num_classes ≥ {top}, "
                             f"got num_classes={num_classes}")
    dtype = dtype or torch.get_default_dtype()
    return torch.nn.functional.one_hot(t.to(device), num_classes).to(dtype)


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
    x, q, sig = _points_and_queries(x_train, x_query, sigma, device)
    onehot = one_hot_labels(labels, num_classes, n=x.shape[0], device=device, dtype=x.dtype)
    scale = _density_scale(kern, sig, x.shape[1], x.shape[0])
    return kernel_sums(q, x, onehot, sig, kern) * scale


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
    x = v.raw_tensor(x_train, "x_train")
    dtype = v.common_dtype(x)
    n = v.as_points(x, "x_train").shape[0]
    onehot = one_hot_labels(labels, num_classes, n=n, device=device, dtype=dtype)
    return nadaraya_watson(x_train, onehot, x_query, kernel, sigma, return_weights=False,
                           empty=empty, device=device)
