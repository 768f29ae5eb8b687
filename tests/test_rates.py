"""The theory's rates and log–log fits (nwlib.rates)."""
import math

import numpy as np
import pytest

from nwlib import consistency
from nwlib.rates import boundary_slopes, loglog_slope, theory_slopes


def test_theory_and_boundary_slopes():
    assert theory_slopes(1) == pytest.approx((-0.2, -0.8))
    assert theory_slopes(4) == pytest.approx((-1 / 8, -1 / 2))
    assert boundary_slopes(1) == pytest.approx((-1 / 3, -2 / 3))
    with pytest.raises(ValueError, match="d"):
        theory_slopes(0)


def test_loglog_slope_recovers_a_power_law():
    n = np.array([10.0, 100.0, 1000.0, 5000.0])
    slope, intercept = loglog_slope(n, 3.0 * n ** -0.8)
    assert slope == pytest.approx(-0.8, abs=1e-12)
    assert intercept == pytest.approx(math.log(3.0), abs=1e-12)
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2], [1, -1])
    with pytest.raises(ValueError, match="same length"):
        loglog_slope([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="distinct"):
        loglog_slope([2, 2], [1, 3])


def test_consistency_still_exports_the_rates():
    assert consistency.theory_slopes is theory_slopes and consistency.loglog_slope is loglog_slope
