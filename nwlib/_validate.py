"""Argument checks for the public edge of nwlib: one place, clear messages.

Inputs are reconciled predictably: every array is moved to the computing device (see
:mod:`nwlib.device`), and the floating dtype is the widest floating dtype among the inputs
(``float64`` if any is ``float64``), or torch's default dtype (``float32``) when none is floating.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch

_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def raw_tensor(value, name: str) -> torch.Tensor:
    """Turn a list, array or tensor into a tensor, refusing what is not numeric."""
    if isinstance(value, torch.Tensor):
        t = value
    else:
        if isinstance(value, (str, bytes)) or value is None:
            raise TypeError(f"{name} must be numbers (a list, numpy array or tensor), "
                            f"got {type(value).__name__}")
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError) as err:
            raise ValueError(f"{name} could not be read as an array of numbers (are its rows of "
                             f"unequal length?): {err}") from None
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got values of type {arr.dtype} "
                            f"(e.g. {arr.flat[0]!r})" if arr.size else
                            f"{name} must hold real numbers, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if t.is_complex():
        raise TypeError(f"{name} must be real, got a complex tensor")
    if t.dtype == torch.bool:
        t = t.to(torch.get_default_dtype())
    return t


def common_dtype(*tensors: torch.Tensor) -> torch.dtype:
    floats = [t.dtype for t in tensors if t.dtype in _FLOATS]
    if not floats:
        return torch.get_default_dtype()
    dtype = floats[0]
    for other in floats[1:]:
        dtype = torch.promote_types(dtype, other)
    # half precision cannot hold kernel sums reliably on the CPU
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def check_finite(t: torch.Tensor, name: str) -> None:
    if t.is_floating_point():
        bad = ~torch.isfinite(t)
        if bool(bad.any()):
            count = int(bad.sum())
            kind = "NaN" if bool(torch.isnan(t).any()) else "inf"
            raise ValueError(f"{name} contains {count} non-finite value(s) ({kind}); remove or "
                             "impute them before fitting")


def as_points(t: torch.Tensor, name: str) -> torch.Tensor:
    """Shape points as (n, d): a scalar is one point, a 1-D array is n points in one dimension."""
    if t.ndim == 0:
        return t.reshape(1, 1)
    if t.ndim == 1:
        return t.unsqueeze(1)
    if t.ndim == 2:
        return t
    raise ValueError(f"{name} must be 1-D (n points) or 2-D (n points × d coordinates), "
                     f"got shape {tuple(t.shape)}")


def as_values(t: torch.Tensor, name: str) -> torch.Tensor:
    """Shape values as (n, k); a 1-D y of length n is k = 1."""
    if t.ndim == 1:
        return t.unsqueeze(1)
    if t.ndim == 2:
        return t
    raise ValueError(f"{name} must be 1-D (n values) or 2-D (n × k, e.g. one-hot labels), "
                     f"got shape {tuple(t.shape)}")


def check_sigma(sigma, d: int, *, device, dtype, name: str = "sigma") -> torch.Tensor:
    """Return σ as a tensor of shape () or (d,), positive and finite."""
    if isinstance(sigma, bool):
        raise TypeError(f"{name} must be a positive number, got a bool")
    if isinstance(sigma, numbers.Real):
        if not math.isfinite(sigma) or sigma <= 0:
            raise ValueError(f"{name} must be a positive finite number (a kernel width), got {sigma!r}")
        return torch.tensor(float(sigma), device=device, dtype=dtype)
    t = raw_tensor(sigma, name)
    if t.ndim > 1 or (t.ndim == 1 and t.numel() not in (1, d)):
        raise ValueError(f"{name} must be one width or one width per coordinate (length {d}), "
                         f"got shape {tuple(t.shape)}")
    t = t.to(device=device, dtype=dtype)
    if not bool(torch.isfinite(t).all()) or not bool((t > 0).all()):
        raise ValueError(f"{name} must be positive and finite, got {t.detach().cpu().tolist()}")
    return t.reshape(()) if t.numel() == 1 else t


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not valid; choose one of {', '.join(map(repr, choices))}")
    return value


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def training_set(x_train, y_train, *, device, extra=()):
    """Validate a training set; return (x (n, d), y (n, k), y_was_1d, dtype, extras)."""
    x = raw_tensor(x_train, "x_train")
    y = raw_tensor(y_train, "y_train")
    others = [raw_tensor(v, n) for n, v in extra]
    dtype = common_dtype(x, y, *others)
    x = as_points(x, "x_train")
    y_1d = y.ndim == 1
    y = as_values(y, "y_train")
    if x.shape[0] == 0:
        raise ValueError("x_train is empty: Nadaraya–Watson needs at least one training point")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x_train and y_train must have the same number of points: x_train has "
                         f"{x.shape[0]}, y_train has {y.shape[0]}")
    x = x.to(device=device, dtype=dtype)
    y = y.to(device=device, dtype=dtype)
    check_finite(x, "x_train")
    check_finite(y, "y_train")
    return x, y, y_1d, dtype, others


def query_points(x_query, d: int, *, device, dtype) -> tuple[torch.Tensor, bool]:
    """Validate queries against the training dimension; return (q (m, d), was_scalar)."""
    q = raw_tensor(x_query, "x_query")
    scalar = q.ndim == 0
    if q.ndim == 1 and d > 1 and q.shape[0] == d:
        raise ValueError(f"x_query has shape {tuple(q.shape)} but x_train has d = {d} coordinates; "
                         f"pass one query as shape (1, {d})")
    q = as_points(q, "x_query")
    if q.shape[1] != d:
        raise ValueError(f"x_query has {q.shape[1]} coordinate(s) per point but x_train has {d}; "
                         "both must describe points in the same space")
    q = q.to(device=device, dtype=dtype)
    check_finite(q, "x_query")
    return q, scalar
