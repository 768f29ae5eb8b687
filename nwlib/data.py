"""The book's data: f(x) = 2 sin x + x with Gaussian noise (D2L eq. 11.2.3)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from . import _validate as v
from ._memory import check_allocation

__all__ = ["true_function", "BookData", "make_data"]

MAX_GRID = 10 ** 7  # validation points; a finer grid is a typo, not a plot


def true_function(x):
    """The book's regression target ``f(x) = 2 sin(x) + x``, in any dimension.

    .. math::

        f(x) = \\sum_{j=1}^d (2 \\sin x_j + x_j)

    Parameters
    ----------
    x : array_like, shape () or (m,), or (m, d) points
        Numbers (one coordinate each), or ``m`` points of ``d`` coordinates.

    Returns
    -------
    torch.Tensor
        ``f`` elementwise for shape () or (m,); for points (m, d), shape (m,), the sum over the
        coordinates. Floating tensors keep their dtype.

    References
    ----------
    *Dive into Deep Learning*, §11.2, eq. (11.2.3) (the case d = 1).

    Examples
    --------
    >>> from nwlib.data import true_function
    >>> true_function([0.0, 1.5])
    tensor([0.0000, 3.4950], dtype=torch.float64)
    >>> true_function([[0.0, 1.5]])  # one point in two dimensions
    tensor([3.4950], dtype=torch.float64)
    """
    t = v.raw_tensor(x, "x")
    if not t.is_floating_point():
        t = t.to(torch.get_default_dtype())
    if t.ndim > 2:
        raise ValueError(f"x must be numbers (shape (m,)) or points (shape (m, d)), got a "
                         f"{t.ndim}-D array of shape {tuple(t.shape)}")
    f = 2 * torch.sin(t) + t
    return f.sum(dim=1) if t.ndim == 2 else f


@dataclass(frozen=True)
class BookData:
    """Training points and the validation grid of the section.

    Attributes
    ----------
    x_train, y_train : torch.Tensor, shape (n,)
        Sorted inputs ``x_i ~ U(0, high)`` and noisy values ``f(x_i) + ε_i``.
    x_val, y_val : torch.Tensor, shape (m,)
        The query grid ``0, step, …, high`` and the noiseless targets ``f(x)``.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor


def make_data(n: int = 40, noise: float = 1.0, seed: int = 0, *, high: float = 5.0,
              step: float = 0.1, dtype: torch.dtype = torch.float32) -> BookData:
    """Draw the section's data set, reproducibly.

    ``y_i = 2 sin(x_i) + x_i + ε_i`` with ``x_i ~ U(0, high)`` (sorted) and ``ε_i ~ N(0, noise²)``;
    the queries are the grid ``0, step, …, high`` (the Julia port's grid, which includes 5.0).

    Parameters
    ----------
    n : int, default 40
        Number of training points.
    noise : float, default 1.0
        Standard deviation of the noise ε (0 gives noiseless training values).
    seed : int, default 0
        Seed of a private ``torch.Generator``: the same seed gives the same data everywhere.
    high : float, default 5.0
        Upper end of the input interval.
    step : float, default 0.1
        Spacing of the validation grid.
    dtype : torch.dtype, default torch.float32

    Returns
    -------
    BookData
        CPU tensors; :func:`nwlib.nadaraya_watson` moves them to its device.

    References
    ----------
    *Dive into Deep Learning*, §11.2.1 "Kernels and Data".

    Examples
    --------
    >>> from nwlib.data import make_data
    >>> data = make_data(n=40, seed=0)
    >>> data.x_train.shape, data.x_val.shape
    (torch.Size([40]), torch.Size([51]))
    """
    n = v.check_positive_int(n, "n")
    seed = v.check_seed(seed)
    noise = v.check_number(noise, "noise", nonnegative=True)
    high = v.check_number(high, "high", positive=True)
    step = v.check_number(step, "step", positive=True)
    if high / step > MAX_GRID:
        raise ValueError(f"step={step!r} gives about {high / step:.3g} validation points on "
                         f"[0, {high!r}]; use a step of at least {high / MAX_GRID:.3g}")
    dtype = v.check_dtype(dtype)
    check_allocation(4 * n * 8, f"{n} training points", "n", "use a smaller n", device="cpu")  # x, ε, y, sort
    gen = torch.Generator().manual_seed(seed)
    x_train, _ = torch.sort(torch.rand(n, generator=gen, dtype=torch.float64) * high)
    eps = torch.randn(n, generator=gen, dtype=torch.float64) * noise
    y_train = true_function(x_train) + eps
    steps = int(round(high / step))
    x_val = torch.arange(steps + 1, dtype=torch.float64) * step
    data = BookData(x_train.to(dtype), y_train.to(dtype), x_val.to(dtype),
                    true_function(x_val).to(dtype))
    top = torch.finfo(dtype).max
    for name, value, arrays in (("high", high, (data.x_train, data.x_val, data.y_val)),
                                ("noise", noise, (data.y_train,))):
        if not all(bool(torch.isfinite(a).all()) for a in arrays):
            raise ValueError(f"{name}={value!r} makes the data overflow {dtype} (largest number "
                             f"{top:.3g}); use a smaller {name}"
                             + (" or dtype=torch.float64" if dtype != torch.float64 else ""))
    return data
