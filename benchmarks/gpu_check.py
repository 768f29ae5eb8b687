"""Run nwlib's public computations on CUDA and on the CPU, and print how far apart they are.

A check for a machine with a GPU (``python benchmarks/gpu_check.py``); the project never needs one.
Each line names the function, the largest absolute difference CUDA − CPU (float64 unless noted),
and whether it is within the tolerance of float rounding.
"""
import sys

import torch

import nwlib
from nwlib import learning
from nwlib.data import make_data


def main() -> int:
    if not torch.cuda.is_available():
        print("no CUDA device: nothing to compare")
        return 0
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    d = make_data(n=400, seed=0, dtype=torch.float64)
    g = torch.Generator().manual_seed(1)
    x2 = torch.rand(300, 2, generator=g, dtype=torch.float64) * 4
    labels = (x2[:, 0] > x2[:, 1]).long()
    q2 = torch.rand(200, 2, generator=g, dtype=torch.float64) * 4
    checks = {
        "nadaraya_watson gaussian": lambda dev: nwlib.nadaraya_watson(
            d.x_train, d.y_train, d.x_val, sigma=0.3, device=dev)[0],
        "nadaraya_watson blocked": lambda dev: nwlib.nadaraya_watson(
            d.x_train, d.y_train, d.x_val, sigma=0.3, return_weights=False, device=dev),
        "nadaraya_watson float32": lambda dev: nwlib.nadaraya_watson(
            d.x_train.float(), d.y_train.float(), d.x_val.float(), sigma=0.3, device=dev)[0].double(),
        "nadaraya_watson epanechnikov 2-D": lambda dev: nwlib.nadaraya_watson(
            x2, labels.double(), q2, kernel="epanechnikov", sigma=[0.8, 1.2], empty="nearest",
            device=dev)[0],
        "nadaraya_watson tiny sigma": lambda dev: nwlib.nadaraya_watson(
            d.x_train, d.y_train, d.x_val, sigma=1e-9, return_weights=False, device=dev),
        "loo_cv scores": lambda dev: nwlib.loo_cv(
            d.x_train, d.y_train, torch.logspace(-2, 0.5, 50), device=dev).scores,
        "parzen_density 2-D": lambda dev: nwlib.parzen_density(x2, q2, sigma=0.5, device=dev),
        "nw_classify 2-D": lambda dev: nwlib.nw_classify(x2, labels, q2, sigma=0.5, device=dev),
        "learn_width loo": lambda dev: torch.as_tensor(learning.learn_width(
            d.x_train, d.y_train, objective="loo", steps=50, seed=0, progress=False,
            device=dev).sigma),
    }
    worst_fail = 0
    for name, run in checks.items():
        cpu, cuda = run("cpu"), run("cuda")
        assert cuda.device.type == "cuda" or name == "learn_width loo", name
        gap = (cuda.detach().cpu().double() - cpu.detach().cpu().double()).abs().max().item()
        tol = 1e-5 if "float32" in name or "learn_width" in name else 1e-9
        ok = gap <= tol
        worst_fail += not ok
        print(f"{name:34s} max |CUDA − CPU| = {gap:.2e}  {'ok' if ok else 'OFF'} (tolerance {tol:g})")
    return 1 if worst_fail else 0


if __name__ == "__main__":
    sys.exit(main())
