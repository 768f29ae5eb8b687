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
from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["Kernel", "KERNELS", "ALIASES", "get_kernel", "kernel_names",
           "gaussian", "boxcar", "constant", "triangular", "epanechnikov"]


def _unit_ball_volume(d: int) -> float:
    return math.pi ** (d / 2) / math.gamma(d / 2 + 1)


@dataclass(frozen=True)
class Kernel:
    """A radial kernel ``k(u)`` of the scaled distance ``u ≥ 0``.

    Attributes
    ----------
    name : str
        The registry name.
    profile_sq : callable
        ``k`` as a function of ``u²`` (avoids a square root on the hot path).
    log_slope : float or None
        ``c`` for kernels of the form ``k(u) = exp(−c·u²)`` (the Gaussian, ``c = ½``). Such kernels
        are normalised in the log domain (a max-shifted softmax), so they never give 0/0, however
        small the width.
    radius : float
        ``k(u) = 0`` for ``u > radius`` (``inf`` for kernels with unbounded support).
    formula : str
        The formula, for plots and error messages.
    radial_mass : callable or None
        ``d ↦ ∫_{R^d} k(‖u‖) du``, used to turn the kernel into a density; ``None`` if not integrable.
    """

    name: str
    profile_sq: Callable[[torch.Tensor], torch.Tensor]
    log_slope: float | None
    radius: float
    formula: str
    radial_mass: Callable[[int], float] | None = None

    def __call__(self, u) -> torch.Tensor:
        """Evaluate ``k(u)`` elementwise; ``u`` may be negative (only ``|u|`` counts)."""
        u = torch.as_tensor(u, dtype=torch.get_default_dtype()) if not isinstance(u, torch.Tensor) else u
        return self.profile_sq(u * u)

    @property
    def compact(self) -> bool:
        """Whether the kernel is zero beyond a finite radius (then a query can see no key)."""
        return math.isfinite(self.radius)

    def normalizer(self, d: int = 1) -> float:
        """Return ``c_d`` such that ``c_d · k(‖u‖)`` integrates to 1 over ``R^d``.

        Parameters
        ----------
        d : int
            The dimension of the data.

        Raises
        ------
        ValueError
            For a kernel that is not integrable (the constant kernel) or a non-positive ``d``.
        """
        if not isinstance(d, int) or d < 1:
            raise ValueError(f"d must be a positive integer dimension, got {d!r}")
        if self.radial_mass is None:
            raise ValueError(f"the {self.name!r} kernel does not integrate to a finite value, "
                             "so it defines no density; use 'gaussian', 'boxcar', 'triangular' "
                             "or 'epanechnikov'")
        return 1.0 / self.radial_mass(d)


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


gaussian = Kernel("gaussian", _gaussian_sq, 0.5, math.inf, "exp(−u²/2)",
                  lambda d: (2 * math.pi) ** (d / 2))
boxcar = Kernel("boxcar", _boxcar_sq, None, 1.0, "1 if |u| ≤ 1 else 0",
                _unit_ball_volume)
constant = Kernel("constant", _constant_sq, None, math.inf, "1", None)
# ∫ (1 − ‖u‖) du over the unit ball = V_d · d · ∫₀¹ (1 − r) r^(d−1) dr = V_d / (d + 1)
triangular = Kernel("triangular", _triangular_sq, None, 1.0, "max(0, 1 − |u|)",
                    lambda d: _unit_ball_volume(d) / (d + 1))
# ∫ ¾ (1 − ‖u‖²) du over the unit ball = ¾ · V_d · 2 / (d + 2); equals 1 for d = 1
epanechnikov = Kernel("epanechnikov", _epanechnikov_sq, None, 1.0, "¾(1 − u²) if |u| ≤ 1 else 0",
                      lambda d: 0.75 * _unit_ball_volume(d) * 2 / (d + 2))

KERNELS: dict[str, Kernel] = {k.name: k for k in (gaussian, boxcar, constant, triangular, epanechnikov)}
ALIASES: dict[str, str] = {"epanechikov": "triangular"}


def kernel_names() -> list[str]:
    """Return the names :func:`get_kernel` accepts, aliases included."""
    return list(KERNELS) + list(ALIASES)


def _from_callable(fn: Callable) -> Kernel:
    name = getattr(fn, "__name__", "custom")

    def profile_sq(u2):
        values = fn(torch.sqrt(u2))
        if not isinstance(values, torch.Tensor) or values.shape != u2.shape:
            got = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
            raise ValueError(f"kernel callable {name!r} must return a tensor of the same shape as "
                             f"its input u (here {tuple(u2.shape)}), got {got}")
        if values.dtype != u2.dtype:
            values = values.to(u2.dtype)
        if torch.isnan(values).any() or (values < 0).any():
            raise ValueError(f"kernel callable {name!r} returned negative or NaN values; a kernel "
                             "must be non-negative, like exp(-u**2 / 2)")
        return values

    return Kernel(name, profile_sq, None, math.inf, f"{name}(u)", None)


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
    raise TypeError(f"kernel must be a kernel name or a callable k(u), got {type(kernel).__name__}")
