"""Gaussian attention on the unit sphere is dot-product attention (nwlib.sphere)."""
import math

import pytest
import torch
import torch.nn.functional as F

import nwlib
from nwlib.sphere import (
    dot_product_logits,
    gaussian_logits,
    key_bias,
    random_unit_vectors,
    sdpa_nadaraya_watson,
)

F64 = torch.float64
DIMS = [1, 2, 3, 16, 128]


@pytest.mark.parametrize("d", DIMS)
def test_unit_vectors_have_norm_one(d):
    u = random_unit_vectors(200, d, seed=d)
    assert u.shape == (200, d) and u.dtype == F64
    torch.testing.assert_close(u.norm(dim=1), torch.ones(200, dtype=F64), rtol=0, atol=1e-15)
    assert torch.equal(u, random_unit_vectors(200, d, seed=d))  # reproducible
    assert not torch.equal(u, random_unit_vectors(200, d, seed=d + 1))


def test_unit_vectors_are_uniform_on_the_circle():
    # uniform on the circle: the angle is uniform, so its mean is near 0 and each quadrant holds ~¼
    u = random_unit_vectors(40_000, 2, seed=0)
    angle = torch.atan2(u[:, 1], u[:, 0])
    quarter = torch.histc(angle, bins=4, min=-math.pi, max=math.pi) / 40_000
    torch.testing.assert_close(quarter, torch.full((4,), 0.25, dtype=F64), rtol=0, atol=0.01)


def test_distance_identity_hand_computed():
    # orthogonal unit vectors: ‖x − y‖² = 2 = 2 − 2·0; opposite: 4 = 2 − 2·(−1)
    q = torch.tensor([[1.0, 0.0]], dtype=F64)
    k = torch.tensor([[0.0, 1.0], [-1.0, 0.0], [1.0, 0.0]], dtype=F64)
    assert gaussian_logits(q, k).tolist() == [[-1.0, -2.0, 0.0]]
    assert dot_product_logits(q, k).tolist() == [[0.0, -1.0, 1.0]]
    assert key_bias(k, 0.5).tolist() == [-2.0, -2.0, -2.0]


@pytest.mark.parametrize("d", DIMS)
@pytest.mark.parametrize("sigma", [0.1, 0.5, 2.0])
def test_sphere_gaussian_weights_are_softmax_of_dot_products(d, sigma):
    keys = random_unit_vectors(50, d, seed=1)
    queries = random_unit_vectors(20, d, seed=2)
    _, weights = nwlib.nadaraya_watson(keys, torch.zeros(50, dtype=F64), queries, sigma=sigma)
    dot = F.softmax(queries @ keys.T / sigma ** 2, dim=1)
    torch.testing.assert_close(weights, dot, rtol=1e-12, atol=1e-15)
    # the logits themselves differ by exactly the constant (‖q‖² + ‖k‖²) / (2σ²) = 1/σ²
    diff = dot_product_logits(queries, keys, sigma) - gaussian_logits(queries, keys, sigma)
    torch.testing.assert_close(diff, torch.full_like(diff, 1 / sigma ** 2), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("d", DIMS)
def test_sphere_outputs_equal_sdpa(d):
    keys = random_unit_vectors(64, d, seed=3)
    queries = random_unit_vectors(32, d, seed=4)
    values = torch.randn(64, 5, generator=torch.Generator().manual_seed(5), dtype=F64)
    sigma = 0.4
    y = nwlib.nadaraya_watson(keys, values, queries, sigma=sigma, return_weights=False)
    sdpa = F.scaled_dot_product_attention(queries, keys, values, scale=1 / sigma ** 2)
    torch.testing.assert_close(y, sdpa, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(y, sdpa_nadaraya_watson(queries, keys, values, sigma, with_key_bias=False),
                               rtol=1e-12, atol=1e-14)


def test_float32_agrees_to_float32_rounding():
    keys = random_unit_vectors(64, 32, seed=6, dtype=torch.float32)
    queries = random_unit_vectors(16, 32, seed=7, dtype=torch.float32)
    values = torch.randn(64, 3, generator=torch.Generator().manual_seed(8))
    y = nwlib.nadaraya_watson(keys, values, queries, sigma=0.5, return_weights=False)
    sdpa = F.scaled_dot_product_attention(queries, keys, values, scale=4.0)
    torch.testing.assert_close(y, sdpa, rtol=1e-5, atol=1e-5)


def test_off_sphere_key_bias_is_needed():
    gen = torch.Generator().manual_seed(9)
    keys = torch.randn(40, 3, generator=gen, dtype=F64) * 2
    queries = torch.randn(10, 3, generator=gen, dtype=F64) * 3
    values = torch.randn(40, generator=gen, dtype=F64)
    y, weights = nwlib.nadaraya_watson(keys, values, queries, sigma=0.8)
    with_bias = F.softmax(dot_product_logits(queries, keys, 0.8, with_key_bias=True), dim=1)
    torch.testing.assert_close(weights, with_bias, rtol=1e-11, atol=1e-14)
    torch.testing.assert_close(y, sdpa_nadaraya_watson(queries, keys, values, 0.8), rtol=1e-11, atol=1e-13)
    # without it the weights favour long keys and are wrong
    plain = F.softmax(dot_product_logits(queries, keys, 0.8), dim=1)
    assert float((plain - weights).abs().max()) > 0.1
    # ‖q‖² does not matter: the biased logits differ from the Gaussian ones by −‖q‖²/(2σ²) per row
    diff = gaussian_logits(queries, keys, 0.8) - dot_product_logits(queries, keys, 0.8, with_key_bias=True)
    expected = -(queries ** 2).sum(1, keepdim=True) / (2 * 0.8 ** 2)
    torch.testing.assert_close(diff, expected.expand_as(diff), rtol=1e-12, atol=1e-12)


def test_per_coordinate_widths():
    gen = torch.Generator().manual_seed(10)
    keys = torch.randn(30, 4, generator=gen, dtype=F64)
    queries = torch.randn(6, 4, generator=gen, dtype=F64)
    values = torch.randn(30, 2, generator=gen, dtype=F64)
    sigma = torch.tensor([0.5, 1.0, 2.0, 4.0], dtype=F64)
    y = nwlib.nadaraya_watson(keys, values, queries, sigma=sigma, return_weights=False)
    torch.testing.assert_close(sdpa_nadaraya_watson(queries, keys, values, sigma), y, rtol=1e-11, atol=1e-13)
    torch.testing.assert_close(key_bias(keys, sigma), -0.5 * ((keys / sigma) ** 2).sum(1))


def test_one_dimensional_values_and_points():
    keys = torch.tensor([-1.0, 1.0], dtype=F64)  # the unit "sphere" of R¹
    y = sdpa_nadaraya_watson(torch.tensor([1.0], dtype=F64), keys, torch.tensor([0.0, 1.0], dtype=F64),
                             1.0, with_key_bias=False)
    # weights ∝ (e^{−1}, e^{1}) → y = e / (e + 1/e)
    assert y.shape == (1,)
    assert float(y) == pytest.approx(math.e / (math.e + 1 / math.e), rel=1e-14)


def test_bad_input():
    with pytest.raises(ValueError, match="d must be"):
        random_unit_vectors(3, 0)
    with pytest.raises(TypeError, match="n must be"):
        random_unit_vectors(2.5, 3)
    with pytest.raises(TypeError, match="dtype"):
        random_unit_vectors(3, 3, dtype=torch.int64)
    with pytest.raises(ValueError, match="queries"):
        gaussian_logits(torch.zeros(2, 3), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="sigma"):
        dot_product_logits(torch.zeros(2, 3), torch.zeros(4, 3), sigma=-1.0)
    with pytest.raises(ValueError, match="same number of rows"):
        sdpa_nadaraya_watson(torch.zeros(2, 3), torch.zeros(4, 3), torch.zeros(5))
    with pytest.raises(TypeError, match="with_key_bias"):
        sdpa_nadaraya_watson(torch.zeros(2, 3), torch.zeros(4, 3), torch.zeros(4), with_key_bias="yes")
    with pytest.raises(ValueError, match="keys is empty"):
        gaussian_logits(torch.zeros(1, 3), torch.zeros(0, 3))
    with pytest.raises(ValueError, match="values contains"):
        sdpa_nadaraya_watson(torch.zeros(2, 3), torch.zeros(2, 3), torch.tensor([0.0, float("nan")]))


def test_plot_weights_by_angle_and_scatter():
    import matplotlib.pyplot as plt

    from nwlib.plot import plot_weight_scatter, plot_weights_by_angle

    theta = torch.linspace(-3, 3, 25, dtype=F64)
    w = F.softmax(torch.cos(theta) / 0.25, dim=0)
    fig = plot_weights_by_angle(theta, {"σ = 0.5": w}, {"σ = 0.5": w})
    (ax,) = fig.axes
    assert len(ax.lines) == 2 and [t.get_text() for t in ax.get_legend().get_texts()] == ["σ = 0.5"]
    plt.close(fig)
    fig = plot_weight_scatter(w, {"same": w, "flat": torch.full_like(w, 1 / 25)})
    (ax,) = fig.axes
    assert len(ax.lines) == 3  # two candidates and the diagonal
    x, y = ax.lines[0].get_data()
    assert list(x) == list(y)  # the perfect candidate lies on y = x
    plt.close(fig)


@pytest.mark.parametrize("dtype,sigma", [(torch.float32, 1e-20), (torch.float32, 1e-44),
                                         (torch.float64, 1e-155), (torch.float64, 1e-200),
                                         (torch.float64, 5e-324), (torch.float64, 1e300)])
@pytest.mark.parametrize("per_coordinate", [False, True])
def test_sdpa_is_finite_and_is_nadaraya_watson_at_every_width(dtype, sigma, per_coordinate):
    keys = torch.tensor([[0.0, 1.0], [2.0, 0.5], [3.0, 3.0], [-1.0, 2.0]], dtype=dtype) * 1e3
    queries = torch.tensor([[0.1, 0.9], [2.9, 3.2], [-2.0, 2.0]], dtype=dtype) * 1e3
    values = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=dtype)
    sig = [sigma, sigma * 2] if per_coordinate else sigma
    got = sdpa_nadaraya_watson(queries, keys, values, sig)
    expected = nwlib.nadaraya_watson(keys, values, queries, sigma=sig, return_weights=False)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, expected)
    if sigma < 1:
        assert got.tolist() == [1.0, 3.0, 4.0]  # each query's nearest key


def test_gaussian_logits_pass_the_gradient_through():
    q = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    k = torch.randn(5, 2, dtype=torch.float64)
    logits = nwlib.sphere.gaussian_logits(q, k, sigma=0.7)
    assert logits.requires_grad
    (grad,) = torch.autograd.grad(logits.sum(), q)
    # d/dq of −‖q − k‖²/(2σ²) summed over keys: −Σ_i (q − k_i)/σ²
    expected = -(q.detach()[:, None, :] - k[None]).sum(1) / 0.7 ** 2
    assert torch.allclose(grad, expected)


@pytest.mark.parametrize("logits", [
    lambda q, k, s: key_bias(k, s),
    lambda q, k, s: gaussian_logits(q, k, s),
    lambda q, k, s: dot_product_logits(q, k, s),
    lambda q, k, s: dot_product_logits(q, k, s, with_key_bias=True),
], ids=["key_bias", "gaussian_logits", "dot_product_logits", "with_key_bias"])
@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_logits_that_overflow_name_sigma_instead_of_a_nan_softmax(logits, dtype):
    q, k = random_unit_vectors(4, 3, seed=1, dtype=dtype), random_unit_vectors(12, 3, seed=2, dtype=dtype)
    for sigma in (1e-300, 5e-324, 1e-160, 1e-25):
        if dtype == F64 and sigma == 1e-25:  # float64 holds 1/σ² = 1e50: finite logits
            assert torch.isfinite(torch.softmax(logits(q, k, sigma), dim=-1)).all()
            continue
        with pytest.raises(ValueError, match=r"sigma=.* overflows .* larger sigma"):
            logits(q, k, sigma)
    assert torch.isfinite(torch.softmax(logits(q, k, 1e-3), dim=-1)).all()


def test_gaussian_logits_keep_a_row_with_some_finite_logits():
    """−inf beside a finite logit is an exact zero weight, not an overflow."""
    logits = gaussian_logits([[0.0]], [[0.0], [1e10]], sigma=1e-150)
    assert logits[0, 0] == 0 and logits[0, 1] == -math.inf
    assert torch.softmax(logits, dim=1).tolist() == [[1.0, 0.0]]
