"""Argument checks for the public edge of nwlib: one place, clear messages.

Every message names the argument, says what was wrong and what is expected. Checks run once, where
a public function receives its arguments; the numerical core assumes valid tensors. Data arrays
are read by one function, :func:`read_data`; scalars and options by the ``check_*`` functions.

How inputs are reconciled (containers, dtypes, devices, values) is described in CONTRIBUTING.md.
A wrong type is a TypeError; a value out of range (NaN included) a ValueError.
"""
from __future__ import annotations

import collections.abc as cabc
import math
import numbers
from dataclasses import dataclass

import numpy as np
import torch

from ._options import (  # noqa: F401 (re-exported: `_validate` is the one place checks come from)
    _describe,
    _short,
    check_bool,
    check_choice,
    check_choices,
    check_dtype,
    check_number,
    check_optional_bool,
    check_positive_float,
    check_positive_int,
    check_seed,
)

_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_NOT_ARRAYS = (str, bytes, bytearray, cabc.Mapping, cabc.Set, cabc.Iterator)
ARRAY_HINT = "a list, numpy array or tensor of numbers"


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


_WIDE_UNSIGNED = (torch.uint16, torch.uint32, torch.uint64)


def _wider_signed(arr: np.ndarray) -> np.ndarray:
    """Unsigned integers wider than a byte as a signed dtype that holds them (torch has few
    operations on uint16/32/64); uint64 values beyond int64's range become float64."""
    if arr.itemsize < 8:
        return arr.astype(np.int32 if arr.itemsize == 2 else np.int64)
    if arr.size and int(arr.max()) > np.iinfo(np.int64).max:
        return arr.astype(np.float64)
    return arr.astype(np.int64)


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
        elif kind == "u" and arr.itemsize > 1:
            arr = _wider_signed(arr)
        if not arr.flags.c_contiguous or not arr.flags.writeable:
            arr = arr.copy()  # a copy keeps the shape (ascontiguousarray would make a scalar 1-D)
        t = torch.from_numpy(arr)
    if t.is_complex():
        raise TypeError(f"{name} must hold real numbers, got a complex tensor ({t.dtype})")
    if t.dtype in _WIDE_UNSIGNED:  # torch computes little with them: read them as numpy's are
        t = torch.from_numpy(_wider_signed(t.detach().cpu().numpy())).to(t.device)
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


def check_magnitude(t: torch.Tensor, name: str, d: int, dtype=None) -> None:
    """Refuse coordinates whose squared distances would overflow ``dtype`` (by default
    ``t.dtype``) to inf, then NaN."""
    if t.numel() == 0:
        return
    dtype = dtype or t.dtype
    limit = math.sqrt(torch.finfo(dtype).max / max(d, 1)) / 2
    largest = float(t.detach().abs().amax())
    if largest > limit:
        raise ValueError(f"{name} has a coordinate of size {largest:.3g}; in {dtype} squared "
                         f"distances overflow for coordinates beyond {limit:.3g}: rescale the data "
                         "(e.g. standardise it)" + (" or pass float64 arrays"
                                                   if dtype != torch.float64 else ""))


def check_squared_errors(t: torch.Tensor, name: str, purpose: str, count: int | None = None) -> None:
    """Refuse values (n, k) so large that a sum of ``count`` (default: n·k) of their squared
    errors overflows to inf.

    Estimates lie within the values' range, so each squared error is at most ``(2 max|y|)²``.
    """
    if t.numel() == 0:
        return
    count = count or t.numel()
    limit = math.sqrt(torch.finfo(t.dtype).max / (4 * count))
    largest = float(t.detach().abs().amax())
    if largest > limit:
        raise ValueError(f"{name} has a value of size {largest:.3g}; in {t.dtype} the squared errors "
                         f"of {purpose} overflow for {count} values beyond {limit:.3g}: rescale "
                         f"{name} (e.g. standardise it)")


def as_rows(t: torch.Tensor, name: str, *, columns: str = "coordinates") -> torch.Tensor:
    """Shape data as (n, c) rows: a scalar is one row of one, a 1-D array is n rows of one.

    ``columns`` says what a row holds, for messages: "coordinates" (points, shape (n, d)) or
    "values" (values such as y or one-hot labels, shape (n, k)).
    """
    if t.ndim == 0:
        return t.reshape(1, 1)
    if t.ndim == 1:
        return t.unsqueeze(1)
    letter = "d" if columns == "coordinates" else "k"
    if t.ndim == 2:
        if t.shape[1] == 0:
            raise ValueError(f"{name} has shape {tuple(t.shape)}: 0 {columns} per point; each "
                             f"point needs at least one ({letter} ≥ 1 columns)")
        return t
    example = "n points × d coordinates" if columns == "coordinates" else "n × k, e.g. one-hot labels"
    raise ValueError(f"{name} must be 1-D (n {'points' if columns == 'coordinates' else columns}) or "
                     f"2-D ({example}), got a {t.ndim}-D array of shape {tuple(t.shape)}")


def _is_bool(value) -> bool:
    """A bool of any kind: Python, numpy, or a bool array or tensor."""
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, torch.Tensor):
        return value.dtype == torch.bool
    return isinstance(value, np.ndarray) and value.dtype.kind == "b"


def check_sigma(sigma, d: int, *, device, dtype, name: str = "sigma",
                width: bool = True, queries: int | None = None) -> torch.Tensor:
    """Return σ as a tensor of shape () or (d,), positive and finite; or (m, 1), one per query.

    ``width`` says whether the value is a kernel width (the message then suggests one); other
    callers check a positive scale, e.g. a temperature, the same way. With ``queries = m``, a
    2-D ``sigma`` of shape (m, 1) is one width per query (the balloon estimator).
    """
    expected = "a positive finite number" + (" (the kernel width)" if width else "") + (
        f" or {d} of them, one per coordinate" if d > 1 else "") + (
        f", or one per query, shape ({queries}, 1)" if queries is not None else "")
    if _is_bool(sigma):  # True would read as 1.0: a flag passed where a width belongs
        raise TypeError(f"{name} must be {expected}, got the bool {_short(sigma)}")
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
    if queries is not None and t.ndim == 2:
        return _query_widths(t, queries, device=device, dtype=dtype, name=name)
    if t.ndim > 1 or (t.ndim == 1 and t.numel() not in (1, d)):
        raise ValueError(f"{name} must be {expected}; got {t.numel()} value(s) of shape "
                         f"{tuple(t.shape)} for data with d = {d} coordinate(s)")
    t = t.to(device=device)
    if not bool(torch.isfinite(t).all()) or not bool((t > 0).all()):
        raise ValueError(f"{name} must be {expected}, got {_short(t.detach().cpu().tolist())}")
    info = torch.finfo(dtype)
    t = t.to(torch.float64).clamp(info.tiny, info.max).to(dtype)
    return t.reshape(()) if t.numel() == 1 else t


def _query_widths(t: torch.Tensor, m: int, *, device, dtype, name: str) -> torch.Tensor:
    """One width per query: ``t`` of shape (m, 1), positive and finite, as a tensor (m, 1)."""
    if tuple(t.shape) != (m, 1):
        raise ValueError(f"{name} of shape {tuple(t.shape)}: one width per query needs shape "
                         f"({m}, 1) for {m} queries (for example nwlib.adaptive.knn_widths("
                         "x_train, x_query, k)); one width is a number, one per coordinate "
                         "shape (d,)")
    t = t.to(device=device, dtype=torch.float64)
    bad = ~torch.isfinite(t) | (t <= 0)
    if bool(bad.any()):
        raise ValueError(f"{name} must hold positive finite widths, one per query; "
                         f"{int(bad.sum())} are not: {_short(t[bad].tolist())}")
    info = torch.finfo(dtype)
    return t.clamp(info.tiny, info.max).to(dtype)


def check_widths(sigmas, *, device, dtype, name: str = "sigmas") -> torch.Tensor:
    """Return a grid of widths as a 1-D tensor (one width is a grid of one), positive and finite.

    Widths below the dtype's smallest normal number act as that number, as in :func:`check_sigma`.
    """
    if sigmas is None or isinstance(sigmas, _NOT_ARRAYS):
        raise TypeError(f"{name} must be a list of positive widths, got {_describe(sigmas)}")
    if _is_bool(sigmas):
        raise TypeError(f"{name} must be a list of positive widths, got bools {_short(sigmas)}")
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


@dataclass(frozen=True)
class Data:
    """Validated data of one call (:func:`read_data`); fields not asked for are None.

    x : (n, d) points (training inputs, keys); y : (n, k) values; q : (m, d) queries;
    sigma : () or (d,) width, or (m, 1) with per_query; extras : further arrays, each flattened;
    dtype : the common dtype;
    y_1d : whether the values were given as one value per point (shape (n,)).
    """

    x: torch.Tensor | None
    y: torch.Tensor | None
    q: torch.Tensor | None
    sigma: torch.Tensor | None
    extras: tuple
    dtype: torch.dtype
    y_1d: bool


def read_data(*, device, points=None, values=None, queries=None, sigma=None, extras=(),
              d=None, dtype=None, purpose: str = "the estimate", magnitude: bool = True,
              per_query: bool = False) -> Data:
    """The one reader of nwlib's data: every public function reads its arrays here.

    Arrays come as ``(name, value)`` pairs, the name being the caller's argument name, so that
    messages name what the user passed. ``points`` (n, d): training inputs or keys, non-empty;
    ``values`` (n, k): one row per point; ``queries`` (m, d): in the points' space (or of
    dimension ``d = (name, int)`` without points); ``sigma``: see :func:`check_sigma`;
    ``extras``: further arrays (e.g. the truth at the queries), flattened; with ``per_query``,
    ``sigma`` may also be one width per query, shape (m, 1). All are finite and
    in one dtype (the widest floating one, :func:`common_dtype`, unless ``dtype`` is given) on
    ``device`` (None: where the points are); with ``magnitude``, points and queries are small
    enough that squared distances do not overflow. ``purpose`` says what needs the points.
    """
    named = [pair for pair in (points, values, queries) if pair is not None] + list(extras)
    raw = {name: raw_tensor(value, name) for name, value in named}  # type errors first
    dtype = dtype or common_dtype(*raw.values())
    x = y = q = sig = None
    y_1d = False
    if points is not None:
        pname = points[0]
        x = as_rows(raw[pname], pname)
        if x.shape[0] == 0:
            raise ValueError(f"{pname} is empty: {purpose} needs at least one point")
        if device is None:
            device = x.device
        if values is not None:
            vname = values[0]
            y_1d = raw[vname].ndim <= 1
            y = as_rows(raw[vname], vname, columns="values")
            if x.shape[0] != y.shape[0]:
                raise ValueError(f"{pname} and {vname} must have the same number of points (the "
                                 f"same number of rows): {pname} has {x.shape[0]}, {vname} has "
                                 f"{y.shape[0]}")
        x = x.to(device=device, dtype=dtype)
        check_finite(x, pname)
        if y is not None:
            y = y.to(device=device, dtype=dtype)
            check_finite(y, values[0])
        if magnitude:
            check_magnitude(x, pname, x.shape[1])
        dim, against = x.shape[1], f"{pname} has {x.shape[1]}"
    elif d is not None:
        dim, against = d[1], f"{d[0]} = {d[1]}"
    if queries is not None:
        qname = queries[0]
        q = raw[qname]
        if q.ndim == 1 and dim > 1 and q.shape[0] == dim:
            raise ValueError(f"{qname} has shape {tuple(q.shape)} but {against} coordinates; "
                             f"pass one query as shape (1, {dim})")
        q = as_rows(q, qname)
        if q.shape[1] != dim:
            raise ValueError(f"{qname} has {q.shape[1]} coordinate(s) per point but {against}; "
                             f"both must be points in the same space: pass {qname} of shape "
                             f"(m, {dim})")
        q = q.to(device=device, dtype=dtype)
        check_finite(q, qname)
        if magnitude:
            check_magnitude(q, qname, dim)
    if sigma is not None:
        sig = check_sigma(sigma[1], dim, device=device, dtype=dtype, name=sigma[0],
                          queries=q.shape[0] if per_query and q is not None else None)
    more = []
    for name, _ in extras:
        t = raw[name].to(device=device, dtype=dtype).reshape(-1)
        check_finite(t, name)
        more.append(t)
    return Data(x, y, q, sig, tuple(more), dtype, y_1d)
