"""nwlib.data: the book's data and its true function."""
import pytest
import torch

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


def test_true_function_in_any_dimension():
    x = torch.linspace(0, 5, 11, dtype=torch.float64)
    torch.testing.assert_close(true_function(x), 2 * torch.sin(x) + x)
    points = torch.stack([x, x.flip(0)], dim=1)
    torch.testing.assert_close(true_function(points), true_function(x) + true_function(x.flip(0)))
    torch.testing.assert_close(true_function(x[:, None]), true_function(x))
    assert true_function(2).dtype == torch.get_default_dtype()


def test_huge_noise_gives_finite_data_or_a_clear_error():
    big = make_data(noise=1e300, dtype=torch.float64)
    assert torch.isfinite(big.y_train).all() and float(big.y_train.abs().max()) > 1e299
    with pytest.raises(ValueError, match="noise=1e\\+300 makes the data overflow torch.float32"):
        make_data(noise=1e300)
