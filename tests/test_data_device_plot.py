import matplotlib
import numpy as np
import pytest
import scipy.stats
import torch

matplotlib.use("Agg")

import nwlib
from nwlib import bandwidth, plot
from nwlib.data import make_data, true_function


def test_book_data_is_seeded_and_shaped():
    a, b = make_data(seed=7), make_data(seed=7)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_train, b.y_train)
    assert not torch.equal(a.y_train, make_data(seed=8).y_train)
    assert a.x_train.shape == (40,) and a.x_val.shape == (51,)
    assert a.x_val[0] == 0 and a.x_val[-1] == pytest.approx(5.0)
    assert torch.all(a.x_train.diff() >= 0) and a.x_train.min() >= 0 and a.x_train.max() <= 5
    assert torch.allclose(a.y_val, 2 * torch.sin(a.x_val) + a.x_val)


def test_noise_level():
    d = make_data(n=20000, noise=0.5, seed=0, dtype=torch.float64)
    resid = d.y_train - true_function(d.x_train)
    assert resid.std().item() == pytest.approx(0.5, rel=0.03)
    clean = make_data(noise=0.0)
    assert torch.allclose(clean.y_train, true_function(clean.x_train))


def test_device_precedence(monkeypatch):
    monkeypatch.setenv("NWLIB_DEVICE", "cpu")
    assert nwlib.default_device() == torch.device("cpu")
    assert nwlib.default_device("cpu") == torch.device("cpu")
    monkeypatch.setenv("NWLIB_DEVICE", "warp-drive")
    with pytest.raises(ValueError, match="NWLIB_DEVICE"):
        nwlib.default_device()
    assert nwlib.default_device("cpu") == torch.device("cpu")  # the argument wins


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without CUDA")
def test_cuda_request_without_gpu_is_clear():
    with pytest.raises(ValueError, match="no GPU"):
        nwlib.default_device("cuda")


def test_rules_of_thumb_match_scipy():
    x = make_data(seed=2, dtype=torch.float64).x_train
    std = x.std().item()
    for rule, name in [(bandwidth.scott, "scott"), (bandwidth.silverman, "silverman")]:
        factor = scipy.stats.gaussian_kde(x.numpy(), bw_method=name).factor
        assert rule(x).item() == pytest.approx(factor * std, rel=1e-12)


def test_loo_cv_matches_explicit_leave_one_out():
    d = make_data(n=25, seed=4, dtype=torch.float64)
    sigmas = [0.1, 0.3, 0.9]
    result = bandwidth.loo_cv(d.x_train, d.y_train, sigmas)
    for s, score in zip(sigmas, result.scores.tolist()):
        errors = []
        for i in range(25):
            keep = torch.arange(25) != i
            y_hat, _ = nwlib.nadaraya_watson(d.x_train[keep], d.y_train[keep], d.x_train[i:i + 1], sigma=s)
            errors.append((y_hat.item() - d.y_train[i].item()) ** 2)
        assert score == pytest.approx(np.mean(errors), rel=1e-10)
    assert result.best_sigma == sigmas[int(result.scores.argmin())]


def test_loo_cv_compact_kernel_with_empty_windows_scores_inf():
    result = bandwidth.loo_cv([0.0, 1.0, 5.0], [1.0, 2.0, 3.0], [0.5, 10.0], kernel="boxcar")
    assert result.scores[0] == float("inf") and torch.isfinite(result.scores[1])
    assert result.best_sigma == 10.0


def test_plots_have_labelled_axes_and_one_colour_scale():
    d = make_data()
    fig = plot.plot_kernels(["gaussian", "epanechnikov"])
    assert len(fig.axes) == 2 and fig.axes[0].get_xlabel()
    _, w1 = nwlib.nadaraya_watson(d.x_train, d.y_train, d.x_val, sigma=0.1)
    _, w2 = nwlib.nadaraya_watson(d.x_train, d.y_train, d.x_val, sigma=1.0)
    fig = plot.plot_attention({"narrow": w1, "wide": w2}, d.x_train, d.x_val)
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 2
    assert images[0].get_clim() == images[1].get_clim() == (0, pytest.approx(w1.max().item()))
    assert all(ax.get_xlabel() for ax in fig.axes[:2]) and fig.axes[0].get_ylabel()
    fig = plot.plot_estimates(d, {"a": w1 @ d.y_train, "b": w2 @ d.y_train})
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    matplotlib.pyplot.close("all")


def test_plots_refuse_what_they_cannot_draw():
    d = make_data()
    with pytest.raises(ValueError, match="nothing to plot"):
        plot.plot_kernels([])
    with pytest.raises(ValueError, match="nothing to plot"):
        plot.plot_attention({}, d.x_train, d.x_val)
    with pytest.raises(ValueError, match="one value per query"):
        plot.plot_estimates(d, {"short": d.y_val[:5]})
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        plot.plot_attention({"small": torch.eye(3)}, d.x_train, d.x_val)
    matplotlib.pyplot.close("all")
