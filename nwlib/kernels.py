"""Kernels of Nadaraya–Watson regression, as functions of the scaled distance.

Every kernel here is radial: it depends on the query ``q`` and the key ``k`` only through the scaled
distance ``u = ‖q − k‖ / σ`` (with per-coordinate widths, ``u = ‖(q − k) / σ‖``). The attention
weight of a key is its kernel value divided by the sum over all keys, so constant factors of a kernel
cancel in regression; they matter only for densities (:func:`Kernel.normalizer`).

=============  =============================  =========================================
name           k(u)                           note
=============  =============================  =========================================
gaussian       exp(−u²/2)                     the book's Gaussian, minus sign restored
boxcar         1 if u ≤ 1 else 0              the book's code uses ``u < 1``; here ``≤``
constant       1                              every weight equal: the estimate is the mean
triangular     max(0, 1 − u)                  what the book calls "Epanechikov"
epanechnikov   ¾ (1 − u²) if u ≤ 1 else 0     the true Epanechnikov kernel
=============  =============================  =========================================

``"epanechikov"`` (the book's spelling) is kept as an alias of ``"triangular"``, because that is the
formula the book gives for it (d2l-en issue #2440).

References
----------
Zhang, Lipton, Li & Smola, *Dive into Deep Learning*, §11.2 "Attention Pooling by Similarity".
Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*, Table 3.1.
"""
from __future__ import annotations

import math
import types
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ._validate import _describe, check_positive_int, raw_tensor

__all__ = ["Kernel", "KERNELS", "ALIASES", "get_kernel", "kernel_names",
           "gaussian", "boxcar", "constant", "triangular", "epanechnikov"]


def _log_unit_ball_volume(d: int) -> float:
    # in logs: the volume itself underflows to 0 for d ≥ 1366 and Γ overflows for d ≥ 342
    return d / 2 * math.log(math.pi) - math.lgamma(d / 2 + 1)


@dataclass(frozen=True)
class Kernel:
    """A radial kernel ``k(u)`` of the scaled distance ``u ≥ 0``: what it is, in one record.

    Attributes
    ----------
    name : str
        The registry name.
    profile_sq : callable
        ``k`` as a function of ``u²`` (avoids a square root on the hot path).
    log_slope : float or None
        The log form: ``c`` for kernels ``k(u) = exp(−c·u²)`` (the Gaussian, ``c = ½``). nwlib sums
        such kernels in the log domain (a max-shifted softmax), so they never give 0/0, however
        small the width. ``None`` for kernels without a log form.
    radius : float
        The support: ``k(u) = 0`` for ``u > radius`` (``inf`` for unbounded support).
    formula : str
        The formula, for plots and error messages.
    log_radial_mass : callable or None
        ``d ↦ log ∫_{R^d} k(‖u‖) du`` in closed form (a log, so that no dimension overflows);
        ``None`` if not integrable (or unknown).
    variance : float or None
        ``∫u²k(u)du / ∫k(u)du`` in one dimension, in closed form; ``None`` if not integrable.
    custom : bool
        Whether ``profile_sq`` wraps a user's callable (then nwlib calls it from one thread only).

    Examples
    --------
    >>> from nwlib.kernels import KERNELS
    >>> KERNELS["boxcar"].std() ** 2
    0.3333333333333333
    >>> KERNELS["gaussian"].log_slope, KERNELS["triangular"].radius
    (0.5, 1.0)
    """

    name: str
    profile_sq: Callable[[torch.Tensor], torch.Tensor]
    log_slope: float | None
    radius: float
    formula: str
    log_radial_mass: Callable[[int], float] | None = None
    variance: float | None = None
    custom: bool = False

    def __call__(self, u) -> torch.Tensor:
        """Evaluate ``k(u)`` elementwise; ``u`` may be negative (only ``|u|`` counts)."""
        u = raw_tensor(u, "u")
        if not u.is_floating_point():
            u = u.to(torch.get_default_dtype())
        return self.profile_sq(u * u)

    @property
    def compact(self) -> bool:
        """Whether the kernel is zero beyond a finite radius (then a query can see no key)."""
        return math.isfinite(self.radius)

    def normalizer(self, d: int = 1) -> float:
        """Return ``c_d`` such that ``c_d · k(‖u‖)`` integrates to 1 over ``R^d``.

        ``c_d`` overflows a float in high dimension (d ≥ 342 for the boxcar); densities use
        :meth:`log_normalizer`.

        Parameters
        ----------
        d : int
            The dimension of the data.

        Raises
        ------
        ValueError
            For a kernel that is not integrable (the constant kernel), or ``d < 1``.
        TypeError
            For a ``d`` that is not an integer.

        Examples
        --------
        >>> from nwlib.kernels import KERNELS
        >>> round(KERNELS["gaussian"].normalizer(1), 6)  # 1 / √(2π)
        0.398942
        """
        log_c = self.log_normalizer(d)
        if log_c > math.log(float.fromhex("0x1.fffffffffffffp+1023")):
            raise ValueError(f"the normalising constant of the {self.name!r} kernel in d = {d} "
                             f"dimensions is about 10^{log_c / math.log(10):.0f}, beyond a float; "
                             "use log_normalizer(d)")
        return math.exp(log_c)

    def log_normalizer(self, d: int = 1) -> float:
        """Return ``log c_d`` (:meth:`normalizer`), finite in every dimension.

        Examples
        --------
        >>> from nwlib.kernels import KERNELS
        >>> round(KERNELS["boxcar"].log_normalizer(1000), 1)  # c_d itself is about 10^885
        2039.0
        """
        d = check_positive_int(d, "d")
        if self.log_radial_mass is None:
            why = ("is a custom callable, which nwlib does not integrate (its normalising "
                   "constant is unknown)" if self.custom else "does not integrate to a finite value")
            raise ValueError(f"the {self.name!r} kernel {why}, so it defines no density; use "
                             "'gaussian', 'boxcar', 'triangular' or 'epanechnikov'")
        return -self.log_radial_mass(d)

    def std(self) -> float:
        """Standard deviation of ``u`` under the kernel read as a 1-D density, ``√(∫u²k / ∫k)``.

        Kernels with equal ``std`` have equal effective widths: a boxcar of width ``√3·σ`` averages
        over the same spread as a Gaussian of width ``σ``. Closed forms: Silverman (1986), Table 3.1.

        Raises
        ------
        ValueError
            For a kernel that is not integrable (the constant kernel) or a custom callable.
        """
        if self.variance is None:
            raise ValueError(f"the {self.name!r} kernel is not integrable (or its moments are "
                             "unknown), so it has no standard deviation")
        return math.sqrt(self.variance)


def _gaussian_sq(u2):
    return torch.exp(-0.5 * u2)


def _boxcar_sq(u2):
    return (u2 <= 1).to(u2.dtype)


def _constant_sq(u2):
    return torch.ones_like(u2)


def _triangular_sq(u2):
    return torch.clamp(1 - torch.sqrt(u2), min=0)


def _epanechnikov_sq(u2):
    return 0.75 * torch.clamp(1 - u2, min=0)


# The variances are ∫u²k / ∫k in 1-D: 1, 1/3, 1/6 and 1/5 (Silverman 1986, Table 3.1).
gaussian = Kernel("gaussian", _gaussian_sq, 0.5, math.inf, "exp(−u²/2)",
                  lambda d: d / 2 * math.log(2 * math.pi), 1.0)
boxcar = Kernel("boxcar", _boxcar_sq, None, 1.0, "1 if |u| ≤ 1 else 0", _log_unit_ball_volume,
                1 / 3)
constant = Kernel("constant", _constant_sq, None, math.inf, "1", None, None)
# ∫ (1 − ‖u‖) du over the unit ball = V_d · d · ∫₀¹ (1 − r) r^(d−1) dr = V_d / (d + 1)
triangular = Kernel("triangular", _triangular_sq, None, 1.0, "max(0, 1 − |u|)",
                    lambda d: _log_unit_ball_volume(d) - math.log(d + 1), 1 / 6)
# ∫ ¾ (1 − ‖u‖²) du over the unit ball = ¾ · V_d · 2 / (d + 2); equals 1 for d = 1
epanechnikov = Kernel("epanechnikov", _epanechnikov_sq, None, 1.0, "¾(1 − u²) if |u| ≤ 1 else 0",
                      lambda d: math.log(1.5 / (d + 2)) + _log_unit_ball_volume(d), 1 / 5)

# Read-only views: the registry is the one source of kernel names (plots and menus read it).
KERNELS = types.MappingProxyType({k.name: k for k in (gaussian, boxcar, constant, triangular,
                                                      epanechnikov)})
ALIASES = types.MappingProxyType({"epanechikov": "triangular"})


def kernel_names() -> list[str]:
    """Return the names :func:`get_kernel` accepts, aliases included.

    Examples
    --------
    >>> from nwlib.kernels import kernel_names
    >>> kernel_names()
    ['gaussian', 'boxcar', 'constant', 'triangular', 'epanechnikov', 'epanechikov']
    """
    return list(KERNELS) + list(ALIASES)


def _too_large(name: str, dtype: torch.dtype) -> str:
    return (f"kernel callable {name!r} returns values too large for {dtype} (beyond "
            f"{torch.finfo(dtype).max:.3g}, or summing beyond it); constant factors of a kernel "
            "cancel in regression: divide it by a constant, e.g. so that k(0) = 1")


def _from_callable(fn: Callable) -> Kernel:
    name = getattr(fn, "__name__", "custom")

    def profile_sq(u2):
        try:
            values = fn(torch.sqrt(u2))
        except Exception as err:  # the user's function: say which argument failed, keep the cause
            raise TypeError(f"kernel callable {name!r} failed on a tensor of scaled distances u "
                            f"(shape {tuple(u2.shape)}, {u2.dtype}): {type(err).__name__}: {err}; "
                            "it must map a torch tensor u to a tensor of the same shape, "
                            "like lambda u: torch.exp(-u**2 / 2)") from err
        if not isinstance(values, torch.Tensor) or values.shape != u2.shape:
            got = (f"shape {tuple(values.shape)}" if isinstance(values, torch.Tensor)
                   else _describe(values))
            hint = "; use torch operations (torch.exp, not np.exp)" if not isinstance(
                values, torch.Tensor) else ""
            raise ValueError(f"kernel callable {name!r} must return a tensor of the same shape as "
                             f"its input u (here {tuple(u2.shape)}), got {got}{hint}")
        if values.is_complex():  # a cast would drop the imaginary part with only a warning
            raise TypeError(f"kernel callable {name!r} returned complex values ({values.dtype}); "
                            "a kernel must be real, like torch.exp(-u**2 / 2)")
        if not bool(torch.isfinite(values).all()) or bool((values < 0).any()):
            raise ValueError(f"kernel callable {name!r} returned negative, NaN or infinite values; "
                             "a kernel must be finite and non-negative, like exp(-u**2 / 2)")
        if values.dtype != u2.dtype:
            values = values.to(u2.dtype)
            if not bool(torch.isfinite(values).all()):
                raise ValueError(_too_large(name, u2.dtype))
        return values

    # Try it once on a few distances (0 included), so a broken callable fails here, at the edge.
    # In float64, so that a kernel whose values only float64 holds is not refused for float32's sake.
    profile_sq(torch.tensor([0.0, 0.25, 1.0, 4.0, 100.0], dtype=torch.float64))
    return Kernel(name, profile_sq, None, math.inf, f"{name}(u)", custom=True)


def get_kernel(kernel: str | Kernel | Callable) -> Kernel:
    """Look a kernel up by name, or wrap a callable ``k(u)``.

    Parameters
    ----------
    kernel : str, Kernel or callable
        A name from :func:`kernel_names` (case-insensitive), a :class:`Kernel`, or any function that
        maps a tensor of scaled distances ``u ≥ 0`` to non-negative weights of the same shape.

    Returns
    -------
    Kernel

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    TypeError
        For anything that is neither a string nor callable.

    Examples
    --------
    >>> import torch
    >>> from nwlib.kernels import get_kernel
    >>> get_kernel("epanechikov").name  # the book's spelling names the triangular kernel
    'triangular'
    >>> get_kernel(lambda u: torch.exp(-u.abs())).name
    '<lambda>'
    """
    if isinstance(kernel, Kernel):
        return kernel
    if isinstance(kernel, str):
        key = kernel.strip().lower()
        key = ALIASES.get(key, key)
        if key not in KERNELS:
            raise ValueError(f"kernel={kernel!r} is not a known kernel; choose one of "
                             f"{', '.join(repr(n) for n in kernel_names())}, or pass a callable k(u)")
        return KERNELS[key]
    if callable(kernel):
        return _from_callable(kernel)
    raise TypeError(f"kernel must be a kernel name ({', '.join(repr(n) for n in kernel_names())}) "
                    f"or a callable k(u), got {_describe(kernel)}")
