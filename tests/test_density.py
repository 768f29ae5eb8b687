"""Parzen densities, joint class densities and Nadaraya–Watson classification (nwlib.density)."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nwlib
from nwlib.density import joint_densities, nw_classify, one_hot_labels, parzen_density

DENSITY_KERNELS = ["gaussian", "boxcar", "triangular", "epanechnikov"]
F64 = torch.float64


def two_class_data(n=60, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 2, generator=gen, dtype=F64)
    labels = torch.randint(0, 2, (n,), generator=gen)
    x[labels == 1] += torch.tensor([1.5, 0.5], dtype=F64)
    return x, labels


# --- hand-computed small cases ---------------------------------------------------------------

def test_gaussian_single_point_peak():
    p = parzen_density(torch.tensor([0.0], dtype=F64), torch.tensor([0.0, 1.0], dtype=F64))
    assert p.tolist() == pytest.approx([1 / math.sqrt(2 * math.pi), math.exp(-0.5) / math.sqrt(2 * math.pi)],
                                       rel=1e-14)


def test_gaussian_width_scales_height():
    # K_σ(0) = 1 / (σ √(2π)) in 1-D and 1 / (2π σ²) in 2-D
    p1 = parzen_density([0.0], [0.0], sigma=0.25, device="cpu")
    p2 = parzen_density([[0.0, 0.0]], [[0.0, 0.0]], sigma=0.5, device="cpu")
    assert float(p1) == pytest.approx(1 / (0.25 * math.sqrt(2 * math.pi)), rel=1e-6)
    assert float(p2) == pytest.approx(1 / (2 * math.pi * 0.25), rel=1e-6)


def test_boxcar_hand_computed():
    # two points, window [x_i − 1, x_i + 1], kernel height 1/2: p̂(0.5) = (1/2)(1/2 + 1/2)
    x = torch.tensor([0.0, 1.0], dtype=F64)
    p = parzen_density(x, torch.tensor([0.5, 1.5, 2.5], dtype=F64), kernel="boxcar")
    assert p.tolist() == pytest.approx([0.5, 0.25, 0.0])


def test_triangular_and_epanechnikov_hand_computed():
    x = torch.tensor([0.0, 0.5], dtype=F64)
    q = torch.tensor([0.0], dtype=F64)
    # triangular: (1/2)(1 + 0.5); Epanechnikov: (1/2)(¾ + ¾(1 − ¼))
    assert float(parzen_density(x, q, kernel="triangular")) == pytest.approx(0.75)
    assert float(parzen_density(x, q, kernel="epanechnikov")) == pytest.approx(0.5 * (0.75 + 0.75 * 0.75))


def test_per_coordinate_width_hand_computed():
    # product of 1-D Gaussians: at the point itself 1 / (2π σ₁ σ₂)
    p = parzen_density(torch.zeros(1, 2, dtype=F64), torch.zeros(1, 2, dtype=F64), sigma=[0.5, 2.0])
    assert float(p) == pytest.approx(1 / (2 * math.pi * 0.5 * 2.0), rel=1e-14)


def test_joint_densities_hand_computed():
    x = torch.tensor([0.0, 0.0, 3.0], dtype=F64)
    labels = [0, 1, 1]
    J = joint_densities(x, labels, torch.tensor([0.0], dtype=F64), kernel="boxcar")
    # at 0 both points at 0 are inside the window, each contributes (1/3)(1/2)
    assert J.tolist() == [pytest.approx([1 / 6, 1 / 6])]


def test_nw_classify_hand_computed():
    x = torch.tensor([0.0, 1.0, 10.0], dtype=F64)
    P = nw_classify(x, [0, 1, 2], torch.tensor([0.5], dtype=F64), kernel="boxcar")
    assert P.tolist() == [pytest.approx([0.5, 0.5, 0.0])]


# --- integrals --------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel", DENSITY_KERNELS)
def test_integrates_to_one_1d(kernel):
    x = torch.tensor([-1.0, 0.2, 0.3, 2.5], dtype=F64)
    grid = torch.linspace(-8, 10, 360_001, dtype=F64)
    p = parzen_density(x, grid, kernel=kernel, sigma=0.7)
    assert float(torch.trapezoid(p, grid)) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("kernel,tol", [("gaussian", 1e-6), ("epanechnikov", 2e-4),
                                        ("triangular", 2e-4), ("boxcar", 5e-3)])
@pytest.mark.parametrize("sigma", [0.8, (0.6, 1.1)])
def test_integrates_to_one_2d(kernel, tol, sigma):
    x, _ = two_class_data(n=5)
    axis = torch.linspace(-7, 8, 601, dtype=F64)
    gx, gy = torch.meshgrid(axis, axis, indexing="ij")
    p = parzen_density(x, torch.stack([gx.ravel(), gy.ravel()], 1), kernel=kernel, sigma=sigma)
    cell = float(axis[1] - axis[0]) ** 2
    assert float(p.sum()) * cell == pytest.approx(1.0, abs=tol)


def test_gaussian_height_3d():
    # in 3-D the height at the centre checks c_3 = (2π)^(−3/2) exactly
    p = parzen_density(torch.zeros(1, 3, dtype=F64), torch.zeros(1, 3, dtype=F64), sigma=2.0)
    assert float(p) == pytest.approx((2 * math.pi) ** -1.5 / 8, rel=1e-14)


# --- against reference implementations --------------------------------------------------------

def test_matches_scipy_gaussian_kde_1d():
    from scipy.stats import gaussian_kde

    rng = np.random.default_rng(1)
    x = rng.normal(size=80)
    q = np.linspace(-4, 4, 101)
    sigma = 0.4
    kde = gaussian_kde(x, bw_method=sigma / x.std(ddof=1))  # kernel std = factor · sample std
    np.testing.assert_allclose(nwlib.to_numpy(parzen_density(x, q, sigma=sigma)), kde(q), rtol=1e-10)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pandas, inside statsmodels
def test_matches_statsmodels_product_kernel_2d():
    from statsmodels.nonparametric.kernel_density import KDEMultivariate

    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 2))
    q = rng.normal(size=(20, 2))
    bw = [0.3, 0.9]
    ref = KDEMultivariate(x, var_type="cc", bw=bw).pdf(q)
    np.testing.assert_allclose(nwlib.to_numpy(parzen_density(x, q, sigma=bw)), ref, rtol=1e-10)


# --- identities -------------------------------------------------------------------------------

@pytest.mark.parametrize("kernel", DENSITY_KERNELS)
def test_columns_sum_to_density(kernel):
    x, labels = two_class_data()
    q = torch.randn(40, 2, generator=torch.Generator().manual_seed(3), dtype=F64)
    J = joint_densities(x, labels, q, kernel=kernel, sigma=0.9)
    p = parzen_density(x, q, kernel=kernel, sigma=0.9)
    torch.testing.assert_close(J.sum(dim=1), p, rtol=1e-13, atol=1e-16)


def test_binary_identity_difference_is_density_times_nw():
    # p̂(x, +1) − p̂(x, −1) = p̂(x) · f_NW(x) with values y_i = ±1
    x, labels = two_class_data()
    y = 2.0 * labels.to(F64) - 1
    axis = torch.linspace(-3, 4, 41, dtype=F64)
    gx, gy = torch.meshgrid(axis, axis, indexing="ij")
    q = torch.stack([gx.ravel(), gy.ravel()], 1)
    J = joint_densities(x, labels, q, sigma=0.6)
    p = parzen_density(x, q, sigma=0.6)
    f = nwlib.nadaraya_watson(x, y, q, sigma=0.6, return_weights=False)
    lhs, rhs = J[:, 1] - J[:, 0], p * f
    assert float(((lhs - rhs).abs() / p).max()) < 1e-13
    assert torch.equal(torch.sign(lhs), torch.sign(f))


@pytest.mark.parametrize("kernel", ["gaussian", "boxcar", "triangular", "epanechnikov"])
def test_multiclass_joint_is_density_times_probability(kernel):
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(90, 2, generator=gen, dtype=F64) * 2
    labels = torch.randint(0, 4, (90,), generator=gen)
    q = torch.randn(30, 2, generator=gen, dtype=F64)
    J = joint_densities(x, labels, q, kernel=kernel, sigma=1.5)
    P = nw_classify(x, labels, q, kernel=kernel, sigma=1.5, empty="nearest")
    p = parzen_density(x, q, kernel=kernel, sigma=1.5)
    seen = p > 0
    assert bool(seen.all())
    torch.testing.assert_close(J, p[:, None] * P, rtol=1e-12, atol=1e-16)
    assert torch.equal(J.argmax(1), P.argmax(1))


def test_joint_column_integrates_to_class_frequency():
    x, labels = two_class_data(n=7)
    axis = torch.linspace(-7, 8, 301, dtype=F64)
    gx, gy = torch.meshgrid(axis, axis, indexing="ij")
    J = joint_densities(x, labels, torch.stack([gx.ravel(), gy.ravel()], 1), sigma=0.9)
    mass = J.sum(0) * float(axis[1] - axis[0]) ** 2
    expected = torch.bincount(labels, minlength=2).to(F64) / len(labels)
    torch.testing.assert_close(mass, expected, rtol=0, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), classes=st.integers(1, 5), seed=st.integers(0, 10_000),
       sigma=st.floats(0.05, 5.0))
def test_probabilities_rows_sum_to_one(n, classes, seed, sigma):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=gen, dtype=F64)
    labels = torch.randint(0, classes, (n,), generator=gen)
    q = torch.randn(8, 3, generator=gen, dtype=F64)
    P = nw_classify(x, labels, q, sigma=sigma, num_classes=classes)
    assert P.shape == (8, classes)
    assert bool((P >= 0).all())
    torch.testing.assert_close(P.sum(1), torch.ones(8, dtype=F64))


def test_nw_classify_equals_nadaraya_watson_with_one_hot_values():
    x, labels = two_class_data()
    q = torch.randn(10, 2, generator=torch.Generator().manual_seed(5), dtype=F64)
    ref = nwlib.nadaraya_watson(x, torch.nn.functional.one_hot(labels, 3).to(F64), q, sigma=0.5,
                                return_weights=False)
    torch.testing.assert_close(nw_classify(x, labels, q, sigma=0.5, num_classes=3), ref)


def test_extra_class_has_zero_density_and_probability():
    x, labels = two_class_data()
    q = x[:5]
    assert bool((joint_densities(x, labels, q, num_classes=3)[:, 2] == 0).all())
    assert bool((nw_classify(x, labels, q, num_classes=3)[:, 2] == 0).all())


def test_dtypes_follow_inputs():
    assert parzen_density(torch.tensor([0.0, 1.0]), torch.tensor([0.5])).dtype == torch.float32
    assert parzen_density(np.array([0.0, 1.0]), [0.5]).dtype == torch.float64
    assert nw_classify(torch.tensor([0.0, 1.0]), [0, 1], torch.tensor([0.5])).dtype == torch.float32
    assert nw_classify(np.array([0.0, 1.0]), [0, 1], [0.5]).dtype == torch.float64


def test_compact_kernel_empty_window():
    x = torch.tensor([0.0, 1.0], dtype=F64)
    with pytest.warns(RuntimeWarning, match="no training point"):
        P = nw_classify(x, [0, 1], torch.tensor([5.0], dtype=F64), kernel="boxcar")
    assert bool(torch.isnan(P).all())
    P = nw_classify(x, [0, 1], torch.tensor([5.0], dtype=F64), kernel="boxcar", empty="nearest")
    assert P.tolist() == [[0.0, 1.0]]
    assert float(parzen_density(x, torch.tensor([5.0], dtype=F64), kernel="boxcar")) == 0.0


# --- bad input --------------------------------------------------------------------------------

def test_constant_kernel_has_no_density():
    with pytest.raises(ValueError, match="constant.*does not integrate"):
        parzen_density([0.0, 1.0], [0.5], kernel="constant")
    with pytest.raises(ValueError, match="does not integrate"):
        joint_densities([0.0, 1.0], [0, 1], [0.5], kernel=lambda u: 1 / (1 + u))


@pytest.mark.parametrize("labels,match", [
    ([0, -1, 1], "class indices"),
    ([0, 0.5, 1], "whole numbers"),
    ([0, 1], "same number of points"),
    ([[0, 1, 1]], "1-D"),
])
def test_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        nw_classify([0.0, 1.0, 2.0], labels, [0.5])
    with pytest.raises(ValueError, match=match):
        joint_densities([0.0, 1.0, 2.0], labels, [0.5])


def test_bad_num_classes_and_types():
    with pytest.raises(ValueError, match="num_classes"):
        nw_classify([0.0, 1.0, 2.0], [0, 1, 2], [0.5], num_classes=2)
    with pytest.raises(TypeError, match="num_classes"):
        one_hot_labels([0, 1], num_classes=2.0)
    with pytest.raises(TypeError, match="labels"):
        one_hot_labels(["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        one_hot_labels([])


def test_bad_points_and_widths():
    with pytest.raises(ValueError, match="sigma"):
        parzen_density([0.0, 1.0], [0.5], sigma=0.0)
    with pytest.raises(ValueError, match="sigma"):
        parzen_density([[0.0, 1.0]], [[0.5, 0.5]], sigma=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x_query"):
        parzen_density([[0.0, 1.0]], [[0.5, 0.5, 0.5]])
    with pytest.raises(ValueError, match="x_train is empty"):
        parzen_density([], [0.5])
    with pytest.raises(ValueError, match="x_train contains"):
        parzen_density([0.0, float("nan")], [0.5])
    with pytest.raises(TypeError, match="x_train"):
        parzen_density("abc", [0.5])
    with pytest.raises(ValueError, match="kernel"):
        parzen_density([0.0], [0.5], kernel="cosine")


@pytest.mark.parametrize("kernel", DENSITY_KERNELS)
@pytest.mark.parametrize("d", [341, 342, 771, 772, 2000])
def test_high_dimension_densities_are_computed_in_log_space(kernel, d):
    """Γ(d/2 + 1) overflows for d ≥ 342 (boxcar) and (2π)^(d/2) for d ≥ 772 (Gaussian): the scale
    is applied in logs, so the density is finite where it is representable, a clear error
    (naming sigma) where it is not, and its log (log=True) finite everywhere."""
    kern = nwlib.get_kernel(kernel)
    x = torch.zeros(3, d, dtype=F64)
    q = torch.zeros(1, d, dtype=F64)
    log_expected = kern.log_normalizer(d) + math.log(float(kern(0.0)))  # all 3 points at q
    log_p = parzen_density(x, q, kernel, 1.0, log=True)
    assert float(log_p[0]) == pytest.approx(log_expected, rel=1e-12)
    if log_expected > math.log(torch.finfo(F64).max):
        with pytest.raises(ValueError, match="sigma=1.0 is too small for d = .*log=True"):
            parzen_density(x, q, kernel, 1.0)
        return
    p = parzen_density(x, q, kernel, 1.0)
    assert torch.isfinite(p).all()
    assert float(p[0]) == pytest.approx(math.exp(log_expected), rel=1e-9, abs=1e-320)


def test_high_dimension_densities_with_per_coordinate_widths():
    d = 800  # ∏ σ_j = 0.5^800 underflows to 0 in a float; its log does not
    x = torch.zeros(2, d, dtype=F64)
    p = parzen_density(x, x[:1], "gaussian", torch.full((d,), 0.5, dtype=F64))
    log_expected = nwlib.get_kernel("gaussian").log_normalizer(d) + d * math.log(2)
    assert float(p[0]) == pytest.approx(math.exp(log_expected), rel=1e-9)


def test_labels_with_gaps_are_class_indices_up_to_a_bound():
    # gaps are allowed (classes with no point) up to max(2n, 64) classes
    assert joint_densities([0.0, 1.0], [0, 63], [0.5]).shape == (1, 64)
    assert nw_classify([0.0, 1.0], [0, 5], [0.5]).shape == (1, 6)
    with pytest.raises(ValueError, match="class index 64, .*65 classes for 2 distinct"):
        one_hot_labels([0, 64])
    # an explicit num_classes is taken at its word (within memory)
    assert one_hot_labels([0, 64], num_classes=100).shape == (2, 100)


def test_a_stray_label_is_refused_quickly_without_allocating():
    import time

    start = time.perf_counter()
    with pytest.raises(ValueError, match="np.unique"):
        nw_classify([0.0, 1.0, 2.0], [0, 1, int(2e8)], [0.5])
    assert time.perf_counter() - start < 5  # it took 75 s and 17 GB before


# --- figures ----------------------------------------------------------------------------------

def test_far_gaussian_values_flush_to_zero():
    # values below e^−700 are flushed to 0 (u > √1400 ≈ 37.4); u = 30 is still resolved
    x = torch.tensor([0.0], dtype=F64)
    p = parzen_density(x, torch.tensor([30.0, 37.0, 38.0], dtype=F64))
    assert float(p[0]) == pytest.approx(math.exp(-450) / math.sqrt(2 * math.pi), rel=1e-12)
    assert float(p[1]) > 0 and float(p[2]) == 0.0
    p32 = parzen_density(x.float(), torch.tensor([12.0, 13.0]))  # float32 floor e^−80: u > √160 ≈ 12.6
    assert float(p32[0]) > 0 and float(p32[1]) == 0.0
