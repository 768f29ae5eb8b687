"""The memory guards read the limits users run under: cgroups (Docker, Colab, Binder) and ulimits."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from nwlib import _memory, nadaraya_watson
from nwlib.density import joint_densities, one_hot_labels

GIB = 2 ** 30
# 20000 × 20000 float32 weights: 1.5 GiB, refused under a 1 GiB limit before anything is allocated
X = np.linspace(0.0, 1.0, 20000, dtype=np.float32)


@pytest.fixture
def no_host_limits(monkeypatch):
    """Only the limits a test sets: no cgroup file, no rlimit, a large machine."""
    monkeypatch.setattr(_memory, "CGROUP_FILES", ())
    monkeypatch.setattr(_memory, "_rlimits", lambda: [])
    monkeypatch.setattr(_memory, "_physical_memory", lambda: 1024 * GIB)


@pytest.mark.parametrize("text, limited", [
    ("1073741824\n", True),  # cgroup v2 memory.max or v1 memory.limit_in_bytes: 1 GiB
    ("max\n", False),  # v2: no limit
    ("9223372036854771712\n", False),  # v1: "no limit" is a huge page-rounded number
])
def test_a_cgroup_limit_is_read(tmp_path, monkeypatch, no_host_limits, text, limited):
    path = tmp_path / "memory.max"
    path.write_text(text)
    monkeypatch.setattr(_memory, "CGROUP_FILES", (str(tmp_path / "missing"), str(path)))
    limit = _memory.memory_limit(torch.device("cpu"))
    assert limit == ((GIB, "container (cgroup) memory limit") if limited
                     else (1024 * GIB, "memory of this machine"))
    if limited:
        with pytest.raises(ValueError, match=r"return_weights=True: .*1\.49 GiB.*1 GiB container"):
            nadaraya_watson(X, X, X)
    else:
        assert nadaraya_watson(X[:5], X[:5], X[:3])[1].shape == (3, 5)


def test_an_rlimit_is_read(monkeypatch, no_host_limits):
    monkeypatch.setattr(_memory, "_rlimits", lambda: [4 * GIB, GIB])
    assert _memory.memory_limit(torch.device("cpu")) == (GIB, "process memory limit (ulimit)")
    with pytest.raises(ValueError, match="return_weights=True: .*ulimit.*return_weights=False"):
        nadaraya_watson(X, X, X)


def test_the_smallest_limit_wins(tmp_path, monkeypatch, no_host_limits):
    path = tmp_path / "memory.limit_in_bytes"
    path.write_text(str(3 * GIB))
    monkeypatch.setattr(_memory, "CGROUP_FILES", (str(path),))
    monkeypatch.setattr(_memory, "_rlimits", lambda: [2 * GIB])
    assert _memory.memory_limit(torch.device("cpu"))[0] == 2 * GIB


def test_the_limit_of_this_process_is_at_most_its_machine():
    limit = _memory.memory_limit(torch.device("cpu"))
    assert limit is not None and 0 < limit[0] <= _memory._physical_memory()


def test_labels_are_guarded_by_the_same_limit(monkeypatch, no_host_limits):
    monkeypatch.setattr(_memory, "_rlimits", lambda: [GIB])
    with pytest.raises(ValueError, match="num_classes: .*GiB.*ulimit"):
        one_hot_labels([0, 1], num_classes=2 ** 28)
    with pytest.raises(ValueError, match="num_classes: .*and 10000000 queries"):
        joint_densities([0.0, 1.0], [0, 1], np.zeros(10 ** 7), num_classes=40)


@pytest.mark.parametrize("which", ["RLIMIT_AS", "RLIMIT_DATA"])
def test_a_real_ulimit_gives_the_clear_error_not_an_allocator_error(which):
    """Under `ulimit -v` (or -d) a weight matrix beyond the limit is refused by the guard; without
    it, torch's allocator fails with a RuntimeError."""
    script = textwrap.dedent(f"""
        import resource
        import numpy as np
        import nwlib

        def used():  # the address space in use now (bytes)
            with open("/proc/self/status") as f:
                fields = dict(line.split(":", 1) for line in f)
            return int(fields["VmSize"].split()[0]) * 1024

        limit = used() + 2 ** 30
        resource.setrlimit(resource.{which}, (limit, resource.getrlimit(resource.{which})[1]))
        x = np.linspace(0.0, 1.0, 60000, dtype=np.float32)  # weights: 13.4 GiB
        try:
            nwlib.nadaraya_watson(x, x, x)
        except ValueError as err:
            print("ValueError", err)
        except Exception as err:
            print(type(err).__name__, err)
        """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120)
    assert out.stdout.startswith("ValueError return_weights=True"), out.stdout + out.stderr
    assert "ulimit" in out.stdout
