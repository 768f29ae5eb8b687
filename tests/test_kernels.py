import math

import pytest
import torch

import nwlib
from nwlib.kernels import KERNELS, get_kernel, kernel_names


def test_values_hand_computed():
    u = torch.tensor([0.0, 0.5, 1.0, 1.5, -0.5], dtype=torch.float64)
    assert torch.allclose(KERNELS["gaussian"](u), torch.exp(-u**2 / 2))
    assert KERNELS["gaussian"](torch.tensor(2.0)) < KERNELS["gaussian"](torch.tensor(1.0))  # minus sign
    assert KERNELS["boxcar"](u).tolist() == [1, 1, 1, 0, 1]  # the edge belongs to the window
    assert KERNELS["constant"](u).tolist() == [1] * 5
    assert KERNELS["triangular"](u).tolist() == [1, 0.5, 0, 0, 0.5]
    assert KERNELS["epanechnikov"](u).tolist() == [0.75, 0.75 * 0.75, 0, 0, 0.75 * 0.75]


def test_book_name_is_the_triangular_kernel():
    assert get_kernel("epanechikov") is KERNELS["triangular"]
    assert get_kernel("Epanechnikov") is KERNELS["epanechnikov"]
    assert "epanechikov" in kernel_names()


@pytest.mark.parametrize("name", ["gaussian", "boxcar", "triangular", "epanechnikov"])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_normalizer_makes_a_density(name, d):
    kern = get_kernel(name)
    # radial integral: ∫ k(‖u‖) du = d V_d ∫ k(r) r^(d-1) dr
    r = torch.linspace(0, 12, 400001, dtype=torch.float64)
    surface = d * math.pi ** (d / 2) / math.gamma(d / 2 + 1)
    mass = surface * torch.trapezoid(kern(r) * r ** (d - 1), r).item()
    assert mass * kern.normalizer(d) == pytest.approx(1, abs=2e-4)


@pytest.mark.parametrize("name", ["gaussian", "boxcar", "triangular", "epanechnikov"])
def test_log_normalizer_is_finite_in_every_dimension(name):
    kern = get_kernel(name)
    for d in (1, 2, 7):
        assert kern.log_normalizer(d) == pytest.approx(math.log(kern.normalizer(d)), rel=1e-12)
    for d in (342, 772, 10 ** 5):
        assert math.isfinite(kern.log_normalizer(d))


def test_normalizer_beyond_a_float_is_a_clear_error():
    with pytest.raises(ValueError, match="'boxcar'.*d = 1000.*log_normalizer"):
        get_kernel("boxcar").normalizer(1000)


def test_constant_kernel_has_no_density():
    with pytest.raises(ValueError, match="does not integrate"):
        KERNELS["constant"].normalizer(1)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'gaussian'.*'epanechnikov'"):
        get_kernel("gausian")


def test_callable_kernel_matches_builtin():
    x = torch.linspace(0, 5, 30, dtype=torch.float64)
    y = torch.sin(x)
    q = torch.linspace(-1, 6, 17, dtype=torch.float64)
    mine, _ = nwlib.nadaraya_watson(x, y, q, kernel=lambda u: torch.exp(-u**2 / 2), sigma=0.7)
    builtin, _ = nwlib.nadaraya_watson(x, y, q, kernel="gaussian", sigma=0.7)
    assert torch.allclose(mine, builtin, atol=1e-12)


@pytest.mark.parametrize("name, variance", [("gaussian", 1), ("boxcar", 1 / 3),
                                            ("triangular", 1 / 6), ("epanechnikov", 1 / 5)])
def test_std_closed_forms(name, variance):
    assert get_kernel(name).std() == pytest.approx(math.sqrt(variance), rel=1e-6)
