"""How much memory nwlib may allocate: the smallest of the machine's and the process's limits.

The host's RAM is not the limit under a container or ``ulimit`` (Colab, Binder, Docker
``--memory``): there an allocation beyond the cgroup or rlimit budget fails deep inside torch, or
the process is killed. The guards of the public edge compare against the smallest limit found.
"""
from __future__ import annotations

import os

import torch

_UNLIMITED = 2 ** 62  # cgroup v1 writes a huge page-rounded number for "no limit"

# cgroup v2 (unified), then cgroup v1 (memory controller), as mounted inside a container
CGROUP_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def _read_cgroup_limit(path: str) -> int | None:
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    if not text.isdigit():  # "max": no limit
        return None
    value = int(text)
    return value if 0 < value < _UNLIMITED else None


def _rlimits() -> list[int]:
    try:
        import resource
    except ImportError:  # not on Windows
        return []
    limits = []
    for name in ("RLIMIT_AS", "RLIMIT_DATA"):
        which = getattr(resource, name, None)
        if which is None:
            continue
        soft, _ = resource.getrlimit(which)
        if soft != resource.RLIM_INFINITY and soft > 0:
            limits.append(int(soft))
    return limits


def _physical_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def memory_limit(device: torch.device) -> tuple[int, str] | None:
    """The memory nwlib may use on ``device`` in bytes, and where that limit comes from; or None.

    A GPU's memory is its total memory; on the CPU it is the smallest of the physical memory,
    the cgroup (v2 or v1) limit and the ``RLIMIT_AS``/``RLIMIT_DATA`` soft rlimits.
    """
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory, "memory of this GPU"
    found = []
    ram = _physical_memory()
    if ram:
        found.append((ram, "memory of this machine"))
    for path in CGROUP_FILES:
        limit = _read_cgroup_limit(path)
        if limit is not None:
            found.append((limit, "container (cgroup) memory limit"))
    found += [(limit, "process memory limit (ulimit)") for limit in _rlimits()]
    return min(found) if found else None


def check_allocation(size: int, what: str, name: str, remedy: str, *, device) -> None:
    """Refuse, before allocating, ``size`` bytes that exceed :func:`memory_limit`."""
    device = torch.device(device)
    limit = memory_limit(device)
    if limit is not None and size > limit[0]:
        raise ValueError(f"{name}: {what} need {size / 2 ** 30:.3g} GiB, more than the "
                         f"{limit[0] / 2 ** 30:.3g} GiB {limit[1]} ({device.type}); {remedy}")


def check_weight_memory(m: int, n: int, dtype: torch.dtype, return_weights: bool, *,
                        device="cpu") -> None:
    """Refuse, before allocating it, an (m, n) weight matrix larger than the memory nwlib may use
    (the device's, a container's or a ulimit's: :func:`nwlib._memory.memory_limit`)."""
    if not return_weights:
        return
    size = m * n * torch.finfo(dtype).bits // 8
    check_allocation(size, f"the attention weights of {m} queries × {n} training points ({dtype})",
                     "return_weights=True", "pass return_weights=False to get the estimates only, "
                     "computed in blocks", device=device)
