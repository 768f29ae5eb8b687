"""Oracle widths and rates of convergence (nwlib.consistency)."""
import math

import numpy as np
import pytest
import torch

from nwlib import nadaraya_watson
from nwlib.consistency import (
    RateStudy,
    _refined_minimum,
    design_queries,
    error_curve,
    oracle_study,
)
from nwlib.data import true_function
from nwlib.rates import theory_slopes

GRID = torch.exp(torch.linspace(math.log(0.03), math.log(2.0), 25, dtype=torch.float64))


def draw(n, d, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = 5 * torch.rand(n, d, generator=gen, dtype=torch.float64)
    return x, true_function(x) + torch.randn(n, generator=gen, dtype=torch.float64)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_error_curve_matches_nadaraya_watson_at_every_width(d):
    x, y = draw(300, d)
    q = design_queries(d, "interior", num=57, seed=1)
    truth = true_function(q)
    curve = error_curve(x, y, q, truth, GRID)
    for s, e in zip(GRID.tolist(), curve.tolist()):
        est = nadaraya_watson(x, y, q, sigma=s, return_weights=False)
        assert e == pytest.approx(float(((est - truth) ** 2).mean()), rel=1e-9)


def test_error_curve_with_a_compact_kernel_gives_nan_for_empty_windows():
    x, y = draw(30, 1)
    q = torch.tensor([[0.5], [2.5], [4.5]], dtype=torch.float64)
    truth = true_function(q)
    curve = error_curve(x, y, q, truth, [1e-4, 1.0], kernel="triangular")
    assert math.isnan(float(curve[0]))
    est = nadaraya_watson(x, y, q, "triangular", 1.0, return_weights=False)
    assert float(curve[1]) == pytest.approx(float(((est - truth) ** 2).mean()), rel=1e-12)


def test_error_curve_does_not_depend_on_the_block_size():
    x, y = draw(500, 2)
    q = design_queries(2, "all", num=101, seed=2)
    truth = true_function(q)
    small = error_curve(x, y, q, truth, GRID, max_elements=700)
    large = error_curve(x, y, q, truth, GRID, max_elements=2 ** 24)
    torch.testing.assert_close(small, large, rtol=1e-12, atol=0)


def test_design_queries():
    q = design_queries(1, "interior", num=31, margin=1.0)
    assert q.shape == (31, 1) and float(q.min()) == 1.0 and float(q.max()) == 4.0
    q = design_queries(3, "interior", num=500, margin=0.5, seed=4)
    assert q.shape == (500, 3) and float(q.min()) >= 0.5 and float(q.max()) <= 4.5
    torch.testing.assert_close(q, design_queries(3, "interior", num=500, margin=0.5, seed=4))
    edges = design_queries(2, "edge")
    assert edges.shape == (4, 2)
    # every edge query lies on a face of the cube
    assert bool(((edges == 0) | (edges == 5)).any(dim=1).all())
    with pytest.raises(ValueError, match="region"):
        design_queries(1, "middle")
    with pytest.raises(ValueError, match="margin"):
        design_queries(1, "interior", margin=3.0)


def test_refined_minimum_finds_the_vertex_of_a_parabola():
    ls = np.linspace(-3, 0, 13)
    le = 2.0 * (ls + 1.3) ** 2 - 4.0
    at, value, interior = _refined_minimum(ls, le)
    assert interior
    assert at == pytest.approx(-1.3, abs=1e-12) and value == pytest.approx(-4.0, abs=1e-12)
    at, _, interior = _refined_minimum(ls, ls)
    assert not interior and at == ls[0]


@pytest.fixture(scope="module")
def small_study():
    return oracle_study([50, 200, 800, 3200], d=1, seeds=8, sigmas=GRID, num_queries=61)


def test_oracle_study_shapes_and_reproducibility(small_study):
    st = small_study
    assert isinstance(st, RateStudy)
    assert st.errors.shape == (4, 8, GRID.shape[0])
    assert st.mean_errors.shape == (4, GRID.shape[0])
    assert st.seed_oracle_sigma.shape == (4, 8)
    assert st.region == "interior" and st.d == 1
    again = oracle_study([50, 200, 800, 3200], d=1, seeds=8, sigmas=GRID, num_queries=61)
    # the same to rounding: some BLAS builds (MKL, seen on a 16-core GPU machine) round
    # differently with the alignment of their buffers, so bitwise equality is not guaranteed
    assert torch.allclose(st.errors, again.errors, rtol=1e-12, atol=0)
    other = oracle_study([50, 200, 800, 3200], d=1, seeds=8, sigmas=GRID, num_queries=61, seed=1)
    assert not torch.equal(st.errors, other.errors)


def test_oracle_study_minimises_the_mean_error_curve(small_study):
    st = small_study
    for a in range(4):
        curve = st.mean_errors[a]
        best = int(curve.argmin())
        # the refined minimum lies between the grid neighbours of the best grid point
        assert float(GRID[best - 1]) <= float(st.oracle_sigma[a]) <= float(GRID[best + 1])
        assert float(st.oracle_error[a]) <= float(curve[best]) * (1 + 1e-9)


def test_oracle_width_and_error_shrink_with_n(small_study):
    width_slope, error_slope = small_study.slopes()
    theory_width, theory_error = theory_slopes(1)
    # a small study (8 seeds, 1.8 decades): the signs and rough size of the rates
    assert abs(width_slope - theory_width) < 0.1
    assert abs(error_slope - theory_error) < 0.15


def test_float32_and_float64_studies_agree():
    kw = dict(d=2, seeds=3, sigmas=GRID, num_queries=50)
    a = oracle_study([100, 400], dtype=torch.float32, **kw)
    b = oracle_study([100, 400], dtype=torch.float64, **kw)
    torch.testing.assert_close(a.errors, b.errors, rtol=1e-4, atol=1e-7)


def test_custom_queries_and_target():
    q = torch.tensor([[2.5]], dtype=torch.float64)
    st = oracle_study([100, 400], seeds=3, sigmas=GRID, region=q, target=lambda x: x[:, 0] ** 2)
    assert st.region == "custom" and st.errors.shape == (2, 3, GRID.shape[0])


def test_a_too_narrow_grid_warns():
    with pytest.warns(RuntimeWarning, match="end of the grid"):
        oracle_study([50, 100], seeds=2, sigmas=[1.0, 1.5, 2.0])


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(ns=[100]), ValueError, "ns"),
    (dict(ns=[100, 1]), ValueError, "n"),
    (dict(ns=[100, 150.5]), ValueError, "whole"),
    (dict(seeds=0), ValueError, "seeds"),
    (dict(region="middle"), ValueError, "region"),
    (dict(sigmas=[0.1, -0.2]), ValueError, "sigmas"),
    (dict(target=3.0), TypeError, "target"),
    (dict(noise=-1.0), ValueError, "noise"),
    (dict(noise=float("nan")), ValueError, "noise"),
    (dict(noise="loud"), TypeError, "noise"),
    (dict(low=float("nan")), ValueError, "low"),
    (dict(dtype=torch.int64), TypeError, "dtype"),
    (dict(d=0), ValueError, "d"),
])
def test_oracle_study_bad_arguments_are_named(kwargs, error, text):
    args = dict(ns=[50, 100], seeds=2, sigmas=GRID)
    args.update(kwargs)
    with pytest.raises(error, match=text):
        oracle_study(**args)


def test_error_curve_bad_arguments_are_named():
    x, y = draw(20, 1)
    q = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match="truth"):
        error_curve(x, y, q, [1.0, 2.0, 3.0], GRID)
    with pytest.raises(ValueError, match="sigmas"):
        error_curve(x, y, q, [1.0, 2.0], [0.0, 1.0])
    with pytest.raises(ValueError, match="x_query"):
        error_curve(x, y, torch.zeros(2, 2), [1.0, 2.0], GRID)
    with pytest.raises(ValueError, match="truth"):
        error_curve(x, y, q, [1.0, float("inf")], GRID)


def test_rate_plots_draw_every_study(small_study):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nwlib.plot import plot_error_curves, plot_rates
    fig = plot_rates({"a": small_study, "b": small_study}, {"a": theory_slopes(1)})
    width_ax, error_ax = fig.axes
    assert len(width_ax.lines) == 3 and len(error_ax.lines) == 3  # two studies, one theory line
    fig = plot_error_curves(small_study)
    assert len(fig.axes[0].lines) == 2 * len(small_study.ns)  # a curve and an oracle dot per n
    plt.close("all")
