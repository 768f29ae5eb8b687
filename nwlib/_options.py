"""Checks of the options of nwlib's public functions (private): names, integers, numbers, flags,
seeds. Each returns the value in its canonical type or raises a TypeError/ValueError that names the
argument; `_validate` re-exports them beside its reader of data."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch


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


def check_seed(value, name: str = "seed") -> int:
    """Return ``value`` as an int if it is a valid seed of a ``torch.Generator``: in [0, 2**64)."""
    seed = check_positive_int(value, name, minimum=0)
    if seed >= 2 ** 64:
        raise ValueError(f"{name} must be an integer in [0, 2**64), got {_short(value)}; "
                         "a torch.Generator takes 64-bit seeds")
    return seed


_SWITCH = {"1": True, "on": True, "true": True, "yes": True,
           "0": False, "off": False, "false": False, "no": False}


def check_switch(value, name: str) -> bool:
    """Return a switch given as text (an environment variable): ``1/on/true/yes`` or
    ``0/off/false/no``, in any case."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string such as 'on' or 'off', got {_describe(value)}")
    switch = _SWITCH.get(value.strip().lower())
    if switch is None:
        raise ValueError(f"{name}={value!r} is not valid; use one of "
                         f"{', '.join(map(repr, _SWITCH))}")
    return switch
