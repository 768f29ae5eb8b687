"""Where nwlib computes, and how inputs become tensors there.

The device is chosen, in order of precedence, by

1. the ``device`` argument of a public function,
2. the environment variable ``NWLIB_DEVICE`` (for example ``cpu`` or ``cuda:0``),
3. CUDA when ``torch.cuda.is_available()``, else the CPU.

Every input (Python list, numpy array or tensor on any device) is moved to that device, and the
results are returned there.
"""
from __future__ import annotations

import os

import numpy as np
import torch

ENV_VAR = "NWLIB_DEVICE"


def default_device(device: str | torch.device | None = None) -> torch.device:
    """Return the device nwlib computes on.

    Parameters
    ----------
    device : str or torch.device, optional
        An explicit choice; it wins over ``NWLIB_DEVICE`` and over the CUDA auto-detection.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If the device string is not one torch understands, or names CUDA on a machine without it.

    Examples
    --------
    >>> from nwlib.device import default_device
    >>> default_device("cpu")
    device(type='cpu')
    """
    source = "device"
    if device is None:
        device = os.environ.get(ENV_VAR) or None
        source = f"the environment variable {ENV_VAR}"
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{source} must be a string such as 'cpu' or 'cuda', or a torch.device; "
                        f"got {type(device).__name__}")
    try:
        resolved = torch.device(device)
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"{source}={device!r} is not a device torch knows; use 'cpu' or 'cuda'") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{source}={device!r} asks for CUDA, but torch finds no GPU on this machine; "
                         "use 'cpu' or leave it unset")
    return resolved


def to_numpy(t) -> np.ndarray:
    """Return a numpy copy of a tensor (any device, with or without grad), array or list.

    Examples
    --------
    >>> import torch
    >>> from nwlib.device import to_numpy
    >>> to_numpy(torch.tensor([1.0, 2.0]))
    array([1., 2.], dtype=float32)
    """
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t)
