"""Brute-force references, written independently of nwlib, shared by the tests.

The kernels are written out again here; estimates and leave-one-out scores are computed from the
definitions in float64, one query (or one left-out point) at a time where it matters.
"""
from __future__ import annotations

import torch

# The kernels written out again, independently of nwlib.kernels.
REFERENCE = {
    "gaussian": lambda u: torch.exp(-u ** 2 / 2),
    "boxcar": lambda u: (u <= 1).to(u.dtype),
    "constant": lambda u: torch.ones_like(u),
    "triangular": lambda u: (1 - u).clamp(min=0),
    "epanechnikov": lambda u: 0.75 * (1 - u ** 2).clamp(min=0),
}
DTYPES = [torch.float32, torch.float64]
TOL = {torch.float32: 2e-5, torch.float64: 1e-12}


def data(n, m, d=1, k=None, dtype=torch.float64, seed=0, spread=5.0):
    """x (n,) or (n, d), y (n,) or (n, k) and queries q, drawn reproducibly."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, d, generator=gen, dtype=torch.float64) * spread
    q = torch.rand(m, d, generator=gen, dtype=torch.float64) * spread
    y = torch.sin(x).sum(1, keepdim=True) + torch.randn(n, 1, generator=gen, dtype=torch.float64)
    if k is not None:
        y = torch.cat([y + j for j in range(k)], dim=1)
    if d == 1:
        x, q = x[:, 0], q[:, 0]
    if k is None:
        y = y[:, 0]
    return x.to(dtype), y.to(dtype), q.to(dtype)


def dense_weights(x, q, kernel, sigma):
    """The whole (m, n) attention matrix in float64 (softmax for the Gaussian)."""
    x64 = x.to(torch.float64).reshape(x.shape[0], -1)
    q64 = q.to(torch.float64).reshape(q.shape[0], -1)
    s = torch.as_tensor(sigma, dtype=torch.float64)
    u2 = (((q64[:, None, :] - x64[None, :, :]) / s) ** 2).sum(-1)
    if kernel == "gaussian":
        return torch.softmax(-u2 / 2, dim=1)
    w = REFERENCE[kernel](u2.sqrt())
    return w / w.sum(1, keepdim=True)  # 0/0 = NaN where the window is empty


def dense_estimate(x, y, q, kernel, sigma):
    """Σ_i α_i(q) y_i from :func:`dense_weights`, float64."""
    return dense_weights(x, q, kernel, sigma) @ y.to(torch.float64)


def naive_loo(x, y, sigmas, kernel):
    """One σ at a time, one left-out point at a time: the definition (1-D x and y)."""
    n, scores = x.shape[0], []
    for s in sigmas:
        err = 0.0
        for i in range(n):
            keep = torch.arange(n) != i
            w = REFERENCE[kernel]((x[keep] - x[i]).abs() / s)
            err += float((y[i] - (w * y[keep]).sum() / w.sum()) ** 2) if w.sum() > 0 else float("nan")
        scores.append(err / n)
    return torch.tensor(scores, dtype=torch.float64).nan_to_num(nan=float("inf"))


def balloon_estimate(x, y, q, kernel, sigmas):
    """Nadaraya–Watson with one width per query (the balloon estimator), one query at a time.

    Returns the estimates (m, k) and the kernel sums Σ_i k(‖q_a − x_i‖ / σ_a) (m,), float64;
    the Gaussian's estimate is a softmax (exact at any width), its sum is the unshifted one.
    """
    x64 = x.to(torch.float64).reshape(x.shape[0], -1)
    q64 = q.to(torch.float64).reshape(q.shape[0], -1)
    y64 = y.to(torch.float64).reshape(y.shape[0], -1)
    est, sums = [], []
    for a in range(q64.shape[0]):
        s = float(sigmas[a])
        d2 = ((q64[a] - x64) ** 2).sum(1)
        u2 = d2 / s / s  # not d2 / s², which is 0/0 for a vanishing s
        # the Gaussian as a softmax of the shifted logits: the nearest key's is 0, never −inf
        w = (torch.softmax(-((d2 - d2.min()) / s / s) / 2, 0) if kernel == "gaussian"
             else REFERENCE[kernel](u2.sqrt()))
        est.append((w @ y64) / w.sum())
        sums.append(REFERENCE[kernel](u2.sqrt()).sum())
    return torch.stack(est), torch.stack(sums)
