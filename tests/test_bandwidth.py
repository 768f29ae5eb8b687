"""nwlib.bandwidth: rules of thumb and leave-one-out cross-validation.

The leave-one-out definition itself is checked in test_properties.py.
"""
import numpy as np
import pytest
import scipy.stats
import torch
from _reference import DTYPES, data

from nwlib import bandwidth
from nwlib.bandwidth import loo_cv, scott, silverman
from nwlib.data import make_data


def test_rules_of_thumb_match_scipy():
    x = make_data(seed=2, dtype=torch.float64).x_train
    std = x.std().item()
    for rule, name in [(bandwidth.scott, "scott"), (bandwidth.silverman, "silverman")]:
        factor = scipy.stats.gaussian_kde(x.numpy(), bw_method=name).factor
        assert rule(x).item() == pytest.approx(factor * std, rel=1e-12)


def test_loo_equals_the_statsmodels_objective():
    kernel_regression = pytest.importorskip("statsmodels.nonparametric.kernel_regression")
    x, y, _ = data(60, 1, dtype=torch.float64, seed=4)
    kr = kernel_regression.KernelReg(endog=[y.numpy()], exog=[x.numpy()], var_type="c",
                                     reg_type="lc", bw=[0.3])
    sigmas = [0.1, 0.3, 0.9]
    ours = loo_cv(x, y, sigmas).scores
    theirs = [np.asarray(kr.cv_loo(np.array([s]), kr._est_loc_constant)).item() for s in sigmas]
    torch.testing.assert_close(ours, torch.tensor(theirs, dtype=torch.float64), rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_loo_tiny_sigma_is_finite_for_the_gaussian(dtype):
    x, y, _ = data(50, 1, dtype=dtype)
    res = loo_cv(x, y, [1e-12, 1e-3, 0.3])
    assert torch.isfinite(res.scores).all() and res.scores.dtype == dtype
    assert res.best_sigma > 0


def test_loo_with_several_outputs_adds_their_squared_errors():
    x, y, _ = data(70, 1, k=3, dtype=torch.float64, seed=5)
    sigmas = [0.05, 0.3, 1.0]
    total = loo_cv(x, y, sigmas).scores
    parts = sum(loo_cv(x, y[:, j], sigmas).scores for j in range(3))
    torch.testing.assert_close(total, parts, rtol=1e-12, atol=0)


def test_loo_cv_compact_kernel_with_empty_windows_scores_inf():
    result = loo_cv([0.0, 1.0, 5.0], [1.0, 2.0, 3.0], [0.5, 10.0], kernel="boxcar")
    assert result.scores[0] == float("inf") and torch.isfinite(result.scores[1])
    assert result.best_sigma == 10.0


@pytest.mark.parametrize("rule", [scott, silverman])
@pytest.mark.parametrize("scale", [1e200, 1e-200, 2.0 ** 1000])
def test_rules_of_thumb_scale_with_the_data_at_any_magnitude(rule, scale):
    """σ is proportional to the spread: finite on 1e200 coordinates (the variance itself would
    overflow) and exact for a power-of-two scale."""
    x = torch.tensor([[0.3, 1.0], [-1.2, 2.0], [0.7, 0.5], [2.1, -0.4]], dtype=torch.float64)
    expected = rule(x) * scale
    got = rule(x * scale)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, expected, rtol=1e-14, atol=0)
