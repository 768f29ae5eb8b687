"""nwlib.core: the tensor-level building blocks, and the public API's surface."""
import pytest
import torch

import nwlib
from nwlib.core import attention_weights, kernel_sums, squared_distances

F64 = torch.float64


def test_tensor_helpers_live_in_core_not_at_the_top_level():
    assert set(nwlib.core.__all__) == {"attention_weights", "squared_distances", "kernel_sums"}
    for name in nwlib.core.__all__:
        assert name not in nwlib.__all__
        with pytest.raises(AttributeError):
            getattr(nwlib, name)


def test_the_top_level_exports_exist_and_the_registry_is_read_only():
    for name in nwlib.__all__:
        assert getattr(nwlib, name) is not None
    with pytest.raises(TypeError):
        nwlib.KERNELS["mine"] = nwlib.KERNELS["gaussian"]


def test_attention_weights_is_differentiable_and_excludes_self():
    x = torch.linspace(0, 1, 6, dtype=torch.float64).unsqueeze(1)
    sigma = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    w = attention_weights(x, x, sigma, nwlib.get_kernel("gaussian"), exclude_self=True)
    assert torch.all(w.diagonal() == 0)
    assert torch.allclose(w.sum(dim=1), torch.ones(6, dtype=torch.float64))
    (w @ x[:, 0]).sum().backward()
    assert sigma.grad is not None and torch.isfinite(sigma.grad)


def test_squared_distances_exact_under_translation():
    q = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    x = torch.tensor([[1.5, 2.0], [0.0, 0.0]], dtype=torch.float64)
    d = squared_distances(q, x)
    assert d.tolist() == [[0.25, 5.0]]
    assert torch.equal(squared_distances(q + 1e6, x + 1e6), d)


def test_kernel_sums_blocks_agree():
    x, _ = (torch.randn(60, 2, generator=torch.Generator().manual_seed(5), dtype=F64), None)
    q = torch.randn(37, 2, generator=torch.Generator().manual_seed(6), dtype=F64)
    vals = torch.randn(60, 3, generator=torch.Generator().manual_seed(7), dtype=F64)
    kern = nwlib.get_kernel("triangular")
    sig = torch.tensor([0.7, 1.3], dtype=F64)
    full = kernel_sums(q, x, vals, sig, kern)
    torch.testing.assert_close(kernel_sums(q, x, vals, sig, kern, block_size=5), full)
    u = ((q[:, None, :] - x[None]) / sig).norm(dim=-1)
    torch.testing.assert_close(full, kern(u) @ vals)


@pytest.mark.parametrize("dtype,sigma", [(torch.float32, 1e-20), (torch.float32, 1e-44),
                                         (torch.float64, 1e-200), (torch.float64, 5e-324)])
@pytest.mark.parametrize("kernel", ["gaussian", "triangular", "epanechnikov"])
def test_attention_weights_at_a_vanishing_width_give_a_finite_loss_and_gradient(dtype, sigma, kernel):
    # leave-one-out at σ → 0: each point's estimate is its nearest other point's value (the
    # Gaussian), or its window is empty (NaN rows, compact kernels); the gradient is finite
    x = torch.tensor([0.0, 0.1, 0.25, 0.7], dtype=dtype)[:, None]
    y = torch.tensor([1.0, 2.0, 4.0, 8.0], dtype=dtype)
    sig = torch.tensor(sigma, dtype=dtype, requires_grad=True)
    w = attention_weights(x, x, sig, nwlib.get_kernel(kernel), exclude_self=True)
    if kernel == "gaussian":
        nearest = torch.tensor([[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], dtype=dtype)
        torch.testing.assert_close(w, nearest, rtol=0, atol=1e-30)  # e^-80: the exp floor
    else:
        assert bool(w.isnan().all())
    loss = ((w @ y - y) ** 2).nansum()
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(sig.grad)
