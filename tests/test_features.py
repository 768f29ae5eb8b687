"""Positive random features and Gaussian Nadaraya–Watson in linear time (nwlib.features)."""
import math
import warnings

import pytest
import torch

import nwlib
from nwlib import nadaraya_watson
from nwlib.features import draw_omega, positive_features, random_feature_nw

F64 = torch.float64


@pytest.fixture(scope="module")
def data():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1000, 2, generator=gen, dtype=F64)
    y = torch.sin(3 * x[:, 0]) + x[:, 1] + 0.1 * torch.randn(1000, generator=gen, dtype=F64)
    q = torch.rand(200, 2, generator=gen, dtype=F64)
    return x, y, q


def direct(x, y, q, sigma, r, seed, center=True):
    """The estimator as written, in one piece (no blocks, no log-domain shifts)."""
    omega = draw_omega(x.shape[1], r, seed=seed)
    c = x.mean(dim=0) if center else torch.zeros(x.shape[1], dtype=F64)
    k, qq = (x - c) / sigma, (q - c) / sigma
    psi = positive_features(k, omega) * torch.exp(-0.5 * (k * k).sum(1, keepdim=True))
    phi = positive_features(qq, omega)
    return (phi @ (psi.T @ y)) / (phi @ psi.sum(dim=0))


def test_features_estimate_exp_of_the_dot_product_with_the_stated_variance():
    a = torch.tensor([[0.4, -0.3, 0.1]], dtype=F64)
    b = torch.tensor([[0.5, 0.2, -0.2]], dtype=F64)
    omega = draw_omega(3, 400_000, seed=5)
    draws = omega.shape[1] * positive_features(a, omega) * positive_features(b, omega)
    assert bool((draws > 0).all())  # positive features
    mean = math.exp(float(a @ b.T))
    var = math.exp(2 * float(a @ b.T)) * math.expm1(float(((a + b) ** 2).sum()))
    assert abs(float(draws.mean()) - mean) < 4 * math.sqrt(var / draws.numel())
    assert float(draws.var()) == pytest.approx(var, rel=0.05)


def test_features_are_scaled_by_one_over_root_r():
    x = torch.tensor([[0.3, 0.1]], dtype=F64)
    omega = draw_omega(2, 16, seed=0)
    expected = torch.exp(x @ omega - 0.5 * float((x * x).sum())) / 4
    torch.testing.assert_close(positive_features(x, omega), expected, rtol=1e-14, atol=0)


@pytest.mark.parametrize("r", [8, 4096])  # 4096: many blocks, shared out to threads
@pytest.mark.parametrize("center", [True, False])
def test_blocked_estimate_equals_the_direct_formula(data, r, center):
    x, y, q = data
    got = random_feature_nw(x, y, q, sigma=0.8, features=r, seed=2, center=center)
    torch.testing.assert_close(got, direct(x, y, q, 0.8, r, 2, center), rtol=1e-10, atol=1e-12)


def test_error_against_exact_falls_like_one_over_root_r(data):
    x, y, q = data
    exact = nadaraya_watson(x, y, q, sigma=1.0, return_weights=False)

    def rms(r):
        runs = torch.stack([random_feature_nw(x, y, q, 1.0, features=r, seed=s) for s in range(8)])
        return float(((runs - exact) ** 2).mean().sqrt())

    small, large = rms(64), rms(4096)
    assert large < small / 4  # 64 times the features: ideally 8 times smaller
    assert large < 0.01


def test_translation_and_scale_do_not_change_the_centred_estimate(data):
    x, y, q = data
    base = random_feature_nw(x, y, q, 0.7, features=256, seed=1)
    shift = torch.tensor([1e3, -2e3], dtype=F64)
    torch.testing.assert_close(random_feature_nw(x + shift, y, q + shift, 0.7, features=256,
                                                 seed=1), base, rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(random_feature_nw(x * 1e5, y, q * 1e5, 0.7e5, features=256,
                                                 seed=1), base, rtol=1e-9, atol=1e-11)


def test_huge_coordinates_with_a_matching_width_stay_finite(data):
    x, y, q = data
    est = random_feature_nw(x.float() * 1e15, y.float(), q.float() * 1e15, 1e15, features=64)
    assert est.dtype == torch.float32 and bool(torch.isfinite(est).all())


def test_tiny_widths_give_nan_with_a_warning_never_silently(data):
    x, y, q = data
    with pytest.warns(RuntimeWarning, match="sigma=1e-05.*NaN"):
        est = random_feature_nw(x, y, q, 1e-5, features=64)
    bad = ~torch.isfinite(est)
    assert bool(bad.any()) and bool(torch.isnan(est[bad]).all())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bool(torch.isfinite(random_feature_nw(x, y, q, 0.5, features=64)).all())


def test_shapes_dtypes_and_containers(data):
    x, y, q = data
    two = random_feature_nw(x, torch.stack([y, 2 * y], dim=1), q, 0.5, features=32)
    one = random_feature_nw(x, y, q, 0.5, features=32)
    assert two.shape == (200, 2) and one.shape == (200,)
    torch.testing.assert_close(two[:, 1], 2 * one)
    assert random_feature_nw(x.float(), y.float(), q.float(), 0.5).dtype == torch.float32
    as_lists = random_feature_nw(x[:, 0].tolist(), y.tolist(), [0.2, 0.5], 0.5, features=32)
    assert as_lists.shape == (2,) and as_lists.dtype == F64
    assert random_feature_nw(x, y, torch.empty(0, 2, dtype=F64), 0.5).shape == (0,)


def test_per_coordinate_widths_are_the_scaled_coordinates(data):
    x, y, q = data
    s = torch.tensor([0.5, 2.0], dtype=F64)
    torch.testing.assert_close(random_feature_nw(x, y, q, s, features=64, seed=4),
                               random_feature_nw(x / s, y, q / s, 1.0, features=64, seed=4))


def test_seeds(data):
    x, y, q = data
    a = random_feature_nw(x, y, q, 0.5, features=32, seed=7)
    assert torch.equal(a, random_feature_nw(x, y, q, 0.5, features=32, seed=7))
    assert not torch.equal(a, random_feature_nw(x, y, q, 0.5, features=32, seed=8))
    omega = draw_omega(3, 5, seed=7, dtype=torch.float32)
    assert omega.shape == (3, 5) and omega.dtype == torch.float32
    assert torch.equal(omega, draw_omega(3, 5, seed=7).float())


def test_the_estimator_is_at_the_top_level_and_the_tensor_helpers_are_not():
    assert nwlib.random_feature_nw is random_feature_nw and "random_feature_nw" in nwlib.__all__
    assert not {"positive_features", "draw_omega"} & set(nwlib.__all__)


@pytest.mark.parametrize("kwargs, exc, fragment", [
    (dict(features=0), ValueError, "features"),
    (dict(features=2.5), TypeError, "features"),
    (dict(sigma=-1.0), ValueError, "sigma"),
    (dict(sigma=[1.0, 2.0, 3.0]), ValueError, "sigma"),
    (dict(center="yes"), TypeError, "center"),
    (dict(seed=-1), ValueError, "seed"),
])
def test_bad_arguments_are_refused_by_name(data, kwargs, exc, fragment):
    x, y, q = data
    with pytest.raises(exc, match=fragment):
        random_feature_nw(x, y, q, **{"sigma": 1.0, **kwargs})


def test_bad_data_is_refused_by_name(data):
    x, y, q = data
    bad = x.clone()
    bad[3, 0] = float("nan")
    with pytest.raises(ValueError, match="x_train contains 1 NaN"):
        random_feature_nw(bad, y, q)
    with pytest.raises(ValueError, match="x_query has 3 coordinate"):
        random_feature_nw(x, y, torch.zeros(4, 3))
    with pytest.raises(ValueError, match="same number of points"):
        random_feature_nw(x, y[:-1], q)
    with pytest.raises(ValueError, match="d must be"):
        draw_omega(0, 3)


def test_too_many_features_for_the_memory_are_refused_before_allocating(data):
    x, y, q = data
    with pytest.raises(ValueError, match="features: 1000000000000 random features .* GiB"):
        random_feature_nw(x, y, q, features=10**12)
