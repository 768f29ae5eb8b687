"""Argument checks for the public edge of nwlib: one place, clear messages.

Every message names the argument, says what was wrong and what is expected. Checks run once, where
a public function receives its arguments; the numerical core assumes valid tensors.

How inputs are reconciled (containers, dtypes, devices, values) is described in CONTRIBUTING.md.
A wrong type is a TypeError; a value out of range (NaN included) a ValueError.
"""
from __future__ import annotations

import collections.abc as cabc
import math
import numbers
import os
from collections.abc import Sequence

import numpy as np
import torch

_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_NOT_ARRAYS = (str, bytes, bytearray, cabc.Mapping, cabc.Set, cabc.Iterator)
ARRAY_HINT = "a list, numpy array or tensor of numbers"


def _short(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value) -> str:
    """``'the string 'abc''``, ``'None'``, ``'a dict'``: how a wrong value is named in a message."""
    if value is None:
        return "None"
    if isinstance(value, (str, bytes)):
        return f"the string {_short(value)}"
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape}"
    kind = type(value).__name__
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def _object_array_to_float(arr: np.ndarray, name: str) -> np.ndarray:
    """Convert an object array whose entries are all real numbers (big ints, Fractions, Decimals)."""
    for pos, item in enumerate(arr.flat):
        complex_only = isinstance(item, numbers.Complex) and not isinstance(item, numbers.Real)
        if isinstance(item, numbers.Number) and not complex_only:  # Decimal is a Number, not Real
            continue
        where = f" at position {np.unravel_index(pos, arr.shape)}" if arr.ndim > 1 else (
            f" at position {pos}" if arr.ndim == 1 else "")
        if item is None:
            raise TypeError(f"{name} must hold numbers, got None{where}; drop or impute missing "
                            "values first")
        if complex_only:
            raise TypeError(f"{name} must hold real numbers, got the complex number {item!r}{where}")
        raise TypeError(f"{name} must be {ARRAY_HINT}, got {_describe(item)}{where}")
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError, OverflowError) as err:
        raise TypeError(f"{name} holds values that cannot be read as floats: {err}") from None


def _first_text(arr: np.ndarray) -> str:
    """The first entry of a text array that is not a number written as text, quoted for a message."""
    for item in arr.flat:
        try:
            float(item)
        except ValueError:
            return repr(str(item))
    return f"{str(arr.flat[0])!r}, a number written as a string" if arr.size else "''"


def raw_tensor(value, name: str) -> torch.Tensor:
    """Turn a scalar, list, array or tensor into a tensor (shape kept), refusing what is not numeric."""
    if isinstance(value, torch.Tensor):
        t = value
    else:
        if value is None or isinstance(value, _NOT_ARRAYS):
            raise TypeError(f"{name} must be {ARRAY_HINT}, got {_describe(value)}")
        try:
            arr = np.asarray(value)
        except ValueError as err:
            if "inhomogeneous" in str(err):
                raise ValueError(f"{name} is ragged: its rows have different lengths; it must be a "
                                 "rectangular array (n points, each with the same number of "
                                 "coordinates)") from None
            raise ValueError(f"{name} could not be read as an array of numbers: {err}") from None
        except (TypeError, RuntimeError) as err:
            raise TypeError(f"{name} could not be read as an array of numbers: {err}") from None
        kind = arr.dtype.kind
        if kind == "O":
            arr = _object_array_to_float(arr, name)
        elif kind in "US":
            raise TypeError(f"{name} must hold numbers, got text such as {_first_text(arr)}; "
                            "convert it to numbers first (e.g. with float(...))")
        elif kind == "c":
            raise TypeError(f"{name} must hold real numbers, got complex values (dtype {arr.dtype})")
        elif kind in "mM":
            raise TypeError(f"{name} must hold real numbers, got {arr.dtype} values; convert them "
                            "to numbers first (e.g. days since a start date)")
        elif kind not in "biuf":
            raise TypeError(f"{name} must hold real numbers, got values of dtype {arr.dtype}")
        elif kind == "f" and arr.dtype.itemsize > 8:  # numpy longdouble: torch has no such dtype
            raise TypeError(f"{name} holds {arr.dtype} (numpy longdouble) values, which torch cannot "
                            "compute with; convert them first, e.g. with .astype(np.float64)")
        if not arr.flags.c_contiguous or not arr.flags.writeable:
            arr = arr.copy()  # a copy keeps the shape (ascontiguousarray would make a scalar 1-D)
        t = torch.from_numpy(arr)
    if t.is_complex():
        raise TypeError(f"{name} must hold real numbers, got a complex tensor ({t.dtype})")
    if t.dtype == torch.bool:
        t = t.to(torch.get_default_dtype())
    elif not (t.is_floating_point() or t.dtype in (torch.uint8, torch.int8, torch.int16,
                                                   torch.int32, torch.int64)):
        raise TypeError(f"{name} must hold real numbers, got a tensor of dtype {t.dtype}")
    return t


def common_dtype(*tensors: torch.Tensor) -> torch.dtype:
    """The widest floating dtype of ``tensors`` (float32 at least); the default dtype if none floats."""
    floats = [t.dtype for t in tensors if t.dtype in _FLOATS]
    if not floats:
        return torch.get_default_dtype()
    dtype = floats[0]
    for other in floats[1:]:
        dtype = torch.promote_types(dtype, other)
    # half precision cannot hold kernel sums reliably on the CPU
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def check_finite(t: torch.Tensor, name: str) -> None:
    """Refuse NaN and ±inf, saying how many there are and where the first one is."""
    if not t.is_floating_point():
        return
    t = t.detach()
    bad = ~torch.isfinite(t)
    if not bool(bad.any()):
        return
    n_nan = int(torch.isnan(t).sum())
    n_inf = int(bad.sum()) - n_nan
    parts = [f"{n_nan} NaN"] * bool(n_nan) + [f"{n_inf} infinite"] * bool(n_inf)
    first = bad.reshape(bad.shape[0], -1).any(dim=1).nonzero()[0, 0] if t.ndim else None
    where = f" (the first in row {int(first)})" if first is not None else ""
    raise ValueError(f"{name} contains {' and '.join(parts)} value(s){where}; every value must be "
                     "finite: drop or impute those points first")


def check_magnitude(t: torch.Tensor, name: str, d: int) -> None:
    """Refuse coordinates whose squared distances would overflow ``t.dtype`` (to inf, then NaN)."""
    if t.numel() == 0:
        return
    limit = math.sqrt(torch.finfo(t.dtype).max / max(d, 1)) / 2
    largest = float(t.detach().abs().amax())
    if largest > limit:
        raise ValueError(f"{name} has a coordinate of size {largest:.3g}; in {t.dtype} squared "
                         f"distances overflow for coordinates beyond {limit:.3g}: rescale the data "
                         "(e.g. standardise it)" + (" or pass float64 arrays"
                                                   if t.dtype != torch.float64 else ""))


def as_points(t: torch.Tensor, name: str) -> torch.Tensor:
    """Shape points as (n, d): a scalar is one point, a 1-D array is n points in one dimension."""
    if t.ndim == 0:
        return t.reshape(1, 1)
    if t.ndim == 1:
        return t.unsqueeze(1)
    if t.ndim == 2:
        if t.shape[1] == 0:
            raise ValueError(f"{name} has shape {tuple(t.shape)}: 0 coordinates per point; each "
                             "point needs at least one coordinate")
        return t
    raise ValueError(f"{name} must be 1-D (n points) or 2-D (n points × d coordinates), "
                     f"got a {t.ndim}-D array of shape {tuple(t.shape)}")


def as_values(t: torch.Tensor, name: str) -> torch.Tensor:
    """Shape values as (n, k); a scalar is one value, a 1-D y of length n is k = 1."""
    if t.ndim == 0:
        return t.reshape(1, 1)
    if t.ndim == 1:
        return t.unsqueeze(1)
    if t.ndim == 2:
        if t.shape[1] == 0:
            raise ValueError(f"{name} has shape {tuple(t.shape)}: 0 values per point; each point "
                             "needs at least one value (k ≥ 1 columns)")
        return t
    raise ValueError(f"{name} must be 1-D (n values) or 2-D (n × k, e.g. one-hot labels), "
                     f"got a {t.ndim}-D array of shape {tuple(t.shape)}")


def check_sigma(sigma, d: int, *, device, dtype, name: str = "sigma") -> torch.Tensor:
    """Return σ as a tensor of shape () or (d,), positive and finite."""
    width = name.startswith("sigma")  # other callers check e.g. a temperature the same way
    expected = "a positive finite number" + (" (the kernel width)" if width else "") + (
        f" or {d} of them, one per coordinate" if d > 1 else "")
    if isinstance(sigma, bool):
        raise TypeError(f"{name} must be {expected}, got the bool {sigma}")
    if isinstance(sigma, numbers.Real):
        try:
            value = float(sigma)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value) or value <= 0:
            hint = (f"; for example {name}=0.5, or a rule of thumb such as "
                    "nwlib.bandwidth.silverman(x_train)") if width else ""
            raise ValueError(f"{name} must be {expected}, got {_short(sigma)}{hint}")
        # a width below the dtype's smallest normal number acts as that number (the nearest key)
        info = torch.finfo(dtype)
        return torch.tensor(min(max(value, info.tiny), info.max), device=device, dtype=dtype)
    if sigma is None or isinstance(sigma, _NOT_ARRAYS):
        raise TypeError(f"{name} must be {expected}, got {_describe(sigma)}")
    t = raw_tensor(sigma, name)
    if t.ndim > 1 or (t.ndim == 1 and t.numel() not in (1, d)):
        raise ValueError(f"{name} must be {expected}; got {t.numel()} value(s) of shape "
                         f"{tuple(t.shape)} for data with d = {d} coordinate(s)")
    t = t.to(device=device)
    if not bool(torch.isfinite(t).all()) or not bool((t > 0).all()):
        raise ValueError(f"{name} must be {expected}, got {_short(t.detach().cpu().tolist())}")
    info = torch.finfo(dtype)
    t = t.to(torch.float64).clamp(info.tiny, info.max).to(dtype)
    return t.reshape(()) if t.numel() == 1 else t


def check_widths(sigmas, *, device, dtype, name: str = "sigmas") -> torch.Tensor:
    """Return a grid of widths as a 1-D tensor (one width is a grid of one), positive and finite.

    Widths below the dtype's smallest normal number act as that number, as in :func:`check_sigma`.
    """
    if sigmas is None or isinstance(sigmas, _NOT_ARRAYS):
        raise TypeError(f"{name} must be a list of positive widths, got {_describe(sigmas)}")
    grid = raw_tensor(sigmas, name)
    grid = grid.reshape(1) if grid.ndim == 0 else grid
    if grid.ndim != 1 or grid.numel() == 0:
        raise ValueError(f"{name} must be a non-empty 1-D list of widths (e.g. "
                         f"torch.logspace(-1.5, 0.5, 30)), got shape {tuple(grid.shape)}")
    grid = grid.to(device=device, dtype=torch.float64)
    bad = ~torch.isfinite(grid) | (grid <= 0)
    if bool(bad.any()):
        raise ValueError(f"{name} must all be positive finite widths; got {int(bad.sum())} that "
                         f"are not: {_short(grid[bad].tolist())}")
    info = torch.finfo(dtype)
    return grid.clamp(info.tiny, info.max).to(dtype)


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of the strings ``choices``."""
    options = ", ".join(map(repr, choices))
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {options}, got {_describe(value)}")
    if value not in choices:
        raise ValueError(f"{name}={value!r} is not valid; choose one of {options}")
    return value


def check_choices(values, name: str, choices) -> tuple[str, ...]:
    """Return ``values`` as a tuple if it is a non-empty sequence of the strings ``choices``."""
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{name} must be a non-empty sequence of names, got {_describe(values)}")
    return tuple(check_choice(value, name, choices) for value in values)


def check_increasing(values, name: str, *, positive: bool = False) -> tuple[float, ...]:
    """Return ``values`` as floats if they are at least 2 finite, strictly increasing numbers
    (positive too if ``positive``): the stops of a slider, the positions of queries."""
    t = raw_tensor(values, name).to(torch.float64).reshape(-1)
    check_finite(t, name)
    if t.numel() < 2:
        raise ValueError(f"{name} needs at least 2 values, got {t.numel()}")
    if positive and not bool((t > 0).all()):
        raise ValueError(f"{name} must be positive, got {_short(t.tolist())}")
    if not bool((t[1:] > t[:-1]).all()):
        raise ValueError(f"{name} must be strictly increasing, got {_short(t.tolist())}")
    return tuple(float(x) for x in t)


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int if it is an integer (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer ≥ {minimum}, got {_describe(value)}"
                        + (f" ({value!r})" if isinstance(value, numbers.Number)
                           and not isinstance(value, bool) else ""))
    if value < minimum:
        raise ValueError(f"{name} must be an integer ≥ {minimum}, got {value}")
    return int(value)


def check_number(value, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number (not a bool), of the given sign.

    A value of the wrong type is a TypeError; NaN, ±inf or the wrong sign a ValueError.
    """
    kind = "a positive" if positive else "a non-negative" if nonnegative else "a"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {kind} finite number, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or (positive and number <= 0) or (nonnegative and number < 0):
        raise ValueError(f"{name} must be {kind} finite number, got {_short(value)}")
    return number


def check_positive_float(value, name: str) -> float:
    """Return ``value`` as a float if it is a positive finite real number."""
    return check_number(value, name, positive=True)


def check_dtype(value, name: str = "dtype", choices=(torch.float32, torch.float64)) -> torch.dtype:
    """Return ``value`` if it is one of the torch dtypes ``choices``."""
    if value not in choices:
        raise TypeError(f"{name} must be one of {', '.join(map(str, choices))}, got {_short(value)}")
    return value


def check_optional_bool(value, name: str) -> bool | None:
    """Return ``value`` if it is True, False or None."""
    return None if value is None else check_bool(value, name)


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is True or False (numpy bools included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_short(value)}")
    return bool(value)


def training_set(x_train, y_train, *, device, extra=()):
    """Validate a training set; return (x (n, d), y (n, k), y_was_1d, dtype, extras).

    ``extra`` is a sequence of ``(name, value)`` pairs of further data arrays (e.g. the queries):
    they are read with :func:`raw_tensor` and take part in choosing the common dtype, and are
    returned raw (not moved, not reshaped) for their own checks.
    """
    x = raw_tensor(x_train, "x_train")
    y = raw_tensor(y_train, "y_train")
    others = [raw_tensor(v, n) for n, v in extra]
    dtype = common_dtype(x, y, *others)
    x = as_points(x, "x_train")
    y_1d = y.ndim <= 1
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
    check_magnitude(x, "x_train", x.shape[1])
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
                         f"both must be points in the same space: pass x_query of shape (m, {d})")
    q = q.to(device=device, dtype=dtype)
    check_finite(q, "x_query")
    check_magnitude(q, "x_query", d)
    return q, scalar


def _device_memory(device: torch.device) -> int | None:
    """Total memory of ``device`` in bytes, or None if unknown."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def check_weight_memory(m: int, n: int, dtype: torch.dtype, return_weights: bool, *,
                        device="cpu") -> None:
    """Refuse, before allocating it, an (m, n) weight matrix larger than the device's memory."""
    if not return_weights:
        return
    size = m * n * torch.finfo(dtype).bits // 8
    total = _device_memory(torch.device(device))
    if total is not None and size > total:
        raise ValueError(f"return_weights=True: the attention weights of {m} queries × {n} training "
                         f"points need {size / 2 ** 30:.3g} GiB ({dtype}), more than the "
                         f"{total / 2 ** 30:.3g} GiB of memory of this {torch.device(device).type}; "
                         "pass return_weights=False to get the estimates only, computed in blocks")
