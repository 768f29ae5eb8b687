"""How fast the width should shrink: oracle widths and error rates against a known truth.

For a twice-differentiable target and a design density bounded away from 0, the Nadaraya–Watson
estimate with width ``h`` has, at an interior point, bias of order ``h²`` and variance of order
``1/(n h^d)``, so

.. math::

    \\mathrm{MSE}(h) \\approx B h^4 + \\frac{V}{n h^d}, \\qquad
    h^* \\propto n^{-1/(d+4)}, \\qquad \\mathrm{MSE}(h^*) \\propto n^{-4/(d+4)}.

Near the boundary of the design the kernel's window is one-sided and the bias is of order ``h``:
there ``MSE(h) ≈ B' h² + V'/(n h^d)``, so ``h* ∝ n^(−1/(d+2))`` and ``MSE ∝ n^(−2/(d+2))``.

This module measures both: for each ``n`` it draws data sets, evaluates the squared error of the
estimate against the true function on a grid of widths (all widths at once per data set), averages
over seeds and takes the minimiser (the oracle width, which needs the truth), then fits log–log
slopes.

References
----------
Mack, Y. P. & Silverman, B. W. (1982). Weak and strong uniform consistency of kernel regression
estimates. *Z. Wahrscheinlichkeitstheorie verw. Gebiete* 61, 405–415.
Stone, C. J. (1982). Optimal global rates of convergence for nonparametric regression.
*Ann. Statist.* 10(4), 1040–1053.
Fan, J. & Gijbels, I. (1996). *Local Polynomial Modelling and Its Applications*, §3.2 (boundary bias).
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from . import _engine
from . import _validate as v
from ._memory import check_allocation
from .data import true_function
from .device import default_device
from .kernels import get_kernel
from .local import estimates_over_widths as _local_linear_over_widths
from .rates import boundary_slopes, loglog_slope, theory_slopes

__all__ = ["theory_slopes", "boundary_slopes", "loglog_slope", "design_queries",
           "error_curve", "oracle_study", "RateStudy", "QUERY_REGIONS", "ESTIMATORS"]

QUERY_REGIONS = ("interior", "all", "edge")
ESTIMATORS = ("nadaraya_watson", "local_linear")


def design_queries(d: int, region: str = "interior", *, num: int = 200, margin: float = 1.0,
                   low: float = 0.0, high: float = 5.0, seed: int = 0,
                   dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Query points at which to measure the error, for a design on the cube ``[low, high]^d``.

    Parameters
    ----------
    d : int
        Dimension.
    region : {"interior", "all", "edge"}
        ``"interior"``: the cube shrunk by ``margin`` on every side; ``"all"``: the whole cube;
        ``"edge"``: the centres of the ``2d`` faces (for d = 1 the two end points).
    num : int, default 200
        Points for "interior" and "all": an even grid for d = 1, uniform random (seeded) for d > 1.
    margin : float, default 1.0
        Distance kept from the faces for "interior".
    low, high : float
        The design's cube.
    seed : int
        Seed of the random points (d > 1).
    dtype : torch.dtype, default float64

    Returns
    -------
    torch.Tensor, shape (m, d)

    Examples
    --------
    >>> from nwlib.consistency import design_queries
    >>> design_queries(2, "edge")  # the centres of the square's four sides
    tensor([[0.0000, 2.5000],
            [5.0000, 2.5000],
            [2.5000, 0.0000],
            [2.5000, 5.0000]], dtype=torch.float64)
    """
    d = v.check_positive_int(d, "d")
    v.check_choice(region, "region", QUERY_REGIONS)
    num = v.check_positive_int(num, "num")
    low, high, margin = (v.check_number(value, name) for name, value in
                         (("low", low), ("high", high), ("margin", margin)))
    seed = v.check_seed(seed)
    dtype = v.check_dtype(dtype)
    v.check_magnitude(torch.tensor([low, high], dtype=torch.float64), "low and high", d, dtype)
    check_allocation(2 * num * d * 8, f"{num} query points of {d} coordinates", "num and d",
                     "use fewer query points", device="cpu")  # the draw and its copy in dtype
    if not high > low:
        raise ValueError(f"high must be larger than low, got low={low!r}, high={high!r}")
    if region == "edge":
        centre = torch.full((2 * d, d), (low + high) / 2, dtype=dtype)
        for j in range(d):
            centre[2 * j, j], centre[2 * j + 1, j] = low, high
        return centre
    a, b = (low, high) if region == "all" else (low + margin, high - margin)
    if not b > a:
        raise ValueError(f"margin={margin!r} leaves no interior in [{low}, {high}]")
    if d == 1:
        return torch.linspace(a, b, num, dtype=dtype).unsqueeze(1)
    gen = torch.Generator().manual_seed(seed)
    return a + (b - a) * torch.rand(num, d, generator=gen, dtype=dtype)


def _estimates_over_widths(x, y, q, sigmas, kern, max_elements: int) -> torch.Tensor:
    """Nadaraya–Watson estimates (S, m) at queries q for every width of the 1-D tensor sigmas."""
    rows = max(1, max_elements // (2 * max(x.shape[0], 1)))  # two (rows, n) buffers
    sums = _engine.kernel_sums(q, x, y[:, None], kern, grid=sigmas, block_size=rows)
    return sums.estimates()[:, :, 0]


def error_curve(x_train, y_train, x_query, truth, sigmas, kernel="gaussian", *,
                max_elements: int = 2 ** 18, device=None) -> torch.Tensor:
    """Mean squared error against the truth at every width of a grid, for one data set.

    .. math::

        E(\\sigma) = \\frac1m \\sum_{a=1}^m \\bigl(\\hat f_\\sigma(q_a) - f(q_a)\\bigr)^2

    The squared distances are computed once and the estimates for all widths in batches of at most
    ``max_elements`` kernel values; each estimate equals :func:`nwlib.nadaraya_watson` at that σ.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    y_train : array_like, shape (n,)
    x_query : array_like, shape (m,) or (m, d)
    truth : array_like, shape (m,)
        The true function at the queries.
    sigmas : array_like, shape (S,)
        Positive widths.
    kernel : str or callable, default "gaussian"
    max_elements : int, default 2**18
        Kernel values held at once (about 2^18 stay in the CPU's cache).
    device : str or torch.device, optional

    Returns
    -------
    torch.Tensor, shape (S,)
        ``E(σ)`` for each width; NaN where a compact kernel leaves a query with an empty window.

    References
    ----------
    Härdle, W. (1990). *Applied Nonparametric Regression*, §4.1 (the averaged squared error).

    Examples
    --------
    >>> import torch
    >>> from nwlib.consistency import error_curve
    >>> from nwlib.data import make_data
    >>> data = make_data(n=40, seed=0, dtype=torch.float64)
    >>> error_curve(data.x_train, data.y_train, data.x_val, data.y_val, [0.1, 0.5])
    tensor([0.4822, 0.5811], dtype=torch.float64)
    """
    device = default_device(device)
    kern = get_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       queries=("x_query", x_query), extras=[("truth", truth)],
                       purpose="an error curve")
    x, y, q, (f,) = data.x, data.y, data.q, data.extras
    if y.shape[1] != 1:
        raise ValueError(f"y_train must be one value per point (shape (n,)), got {y.shape[1]} columns")
    if f.shape[0] != q.shape[0]:
        raise ValueError(f"truth must have one value per query: {q.shape[0]} queries, "
                         f"{f.shape[0]} values")
    for t, name in ((y, "y_train"), (f, "truth")):  # the estimates lie within y_train's range
        v.check_squared_errors(t, name, "the error curve", count=q.shape[0])
    s = v.check_widths(sigmas, device=device, dtype=data.dtype)
    max_elements = v.check_positive_int(max_elements, "max_elements")
    with torch.no_grad():
        est = _estimates_over_widths(x, y[:, 0], q, s, kern, max_elements)
        return ((est - f) ** 2).mean(dim=1)


def _refined_minimum(log_s: np.ndarray, log_e: np.ndarray) -> tuple[float, float, bool]:
    """Minimum of a curve on a grid, refined by a parabola through the 3 points around it.

    Returns (log σ*, log E*, interior); ``interior`` is False when the minimum is at an end of the
    grid (then the grid point itself is returned).
    """
    finite = np.isfinite(log_e)
    if not finite.any():
        return math.nan, math.nan, False
    i = int(np.nanargmin(np.where(finite, log_e, np.inf)))
    if i == 0 or i == len(log_s) - 1 or not finite[i - 1:i + 2].all():
        return float(log_s[i]), float(log_e[i]), False
    c2, c1, c0 = np.polyfit(log_s[i - 1:i + 2], log_e[i - 1:i + 2], 2)
    if c2 <= 0:
        return float(log_s[i]), float(log_e[i]), True
    at = -c1 / (2 * c2)
    return float(at), float(c0 + c1 * at + c2 * at * at), True


@dataclass(frozen=True)
class RateStudy:
    """Oracle widths and errors over sample sizes, averaged over seeds (:func:`oracle_study`).

    Attributes
    ----------
    d : int
        Dimension.
    region : str
        Where the error was measured (``"interior"``, ``"all"``, ``"edge"`` or ``"custom"``).
    ns : torch.Tensor, shape (N,)
        Sample sizes.
    sigmas : torch.Tensor, shape (S,)
        The grid of widths.
    errors : torch.Tensor, shape (N, seeds, S)
        Mean squared error against the truth, per n, seed and width.
    oracle_sigma : torch.Tensor, shape (N,)
        The minimiser of the seed-averaged error curve (refined between grid points).
    oracle_error : torch.Tensor, shape (N,)
        The seed-averaged error at that width (the MISE of the oracle width).
    seed_oracle_sigma : torch.Tensor, shape (N, seeds)
        Each data set's own best grid width (noisier).
    """

    d: int
    region: str
    ns: torch.Tensor
    sigmas: torch.Tensor
    errors: torch.Tensor
    oracle_sigma: torch.Tensor
    oracle_error: torch.Tensor
    seed_oracle_sigma: torch.Tensor

    @property
    def mean_errors(self) -> torch.Tensor:
        """The seed-averaged error curves, shape (N, S)."""
        return self.errors.mean(dim=1)

    def slopes(self) -> tuple[float, float]:
        """Log–log slopes in n of the oracle width and of its error: ``(width, error)``."""
        return (loglog_slope(self.ns, self.oracle_sigma)[0],
                loglog_slope(self.ns, self.oracle_error)[0])


def _data_seed(seed: int, n: int, d: int, rep: int) -> int:
    # distinct, reproducible streams for every (study seed, n, d, repetition)
    state = np.random.SeedSequence([seed, d, n, rep]).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31) | (int(state[1]) >> 1)  # 62 bits: a valid torch seed


def _target_values(target, x: torch.Tensor, name: str) -> torch.Tensor:
    """The target at points ``x`` (m, d) as float64 (m,): one finite value per point."""
    f = v.raw_tensor(target(x), name).to(torch.float64).reshape(-1)
    if f.shape[0] != x.shape[0]:
        raise ValueError(f"target must return one value per point: got {f.shape[0]} values "
                         f"for {x.shape[0]} points")
    v.check_finite(f, name)
    return f


def oracle_study(ns, d: int = 1, *, seeds: int = 20, sigmas=None, region="interior",
                 num_queries: int = 200, margin: float = 1.0, noise: float = 1.0,
                 low: float = 0.0, high: float = 5.0, target: Callable | None = None,
                 kernel="gaussian", seed: int = 0, dtype: torch.dtype = torch.float32,
                 progress: bool | None = False, estimator: str = "nadaraya_watson",
                 device=None) -> RateStudy:
    """Oracle widths and their errors for growing n: the experiment behind the rates.

    For each sample size ``n`` and each of ``seeds`` repetitions: draw ``x_i ~ U([low, high]^d)``,
    ``y_i = f(x_i) + ε_i`` with ``ε_i ~ N(0, noise²)``, and compute the error curve
    ``E(σ)`` of :func:`error_curve` at the queries. The oracle width is the minimiser of the
    seed-averaged curve ``MISE(σ) = mean_seeds E(σ)``, refined by a parabola in ``(log σ, log MISE)``
    around the best grid point.

    Parameters
    ----------
    ns : sequence of int
        Sample sizes (at least 2).
    d : int, default 1
        Dimension of the design.
    seeds : int, default 20
        Data sets per sample size.
    sigmas : array_like, optional
        The grid of widths; default 48 log-spaced widths from 0.01 to 3.
    region : {"interior", "all", "edge"} or array_like of shape (m, d), default "interior"
        Where to measure the error (see :func:`design_queries`), or explicit query points.
    num_queries, margin : int, float
        Passed to :func:`design_queries`.
    noise : float, default 1.0
        Standard deviation of ε.
    low, high : float, default 0 and 5
        The design's cube.
    target : callable, optional
        ``f`` mapping an (m, d) tensor to (m,); default :func:`nwlib.data.true_function`.
    kernel : str or callable, default "gaussian"
    seed : int, default 0
        The study's seed: the same seed gives the same numbers.
    dtype : torch.float32 or torch.float64, default float32
        The dtype of the kernel sums (data are drawn in float64, then cast). float32 moves half
        the bytes; its rounding (about 1e-7 relative) is far below the errors measured.
    progress : bool or None, default False
        A progress bar over the data sets (None: only if the run exceeds two seconds).
    estimator : {"nadaraya_watson", "local_linear"}, default "nadaraya_watson"
        The estimate whose error is measured (:func:`nwlib.local_linear` for the second; use
        float64 with it, and widths too small to fit a line count as NaN errors).
    device : str or torch.device, optional

    Returns
    -------
    RateStudy

    Warns
    -----
    RuntimeWarning
        If an oracle width falls at an end of the grid (widen ``sigmas``).

    References
    ----------
    Mack & Silverman (1982); Stone (1982).

    Examples
    --------
    >>> from nwlib.consistency import oracle_study
    >>> study = oracle_study([100, 400], seeds=2, sigmas=[0.1, 0.2, 0.4, 0.8, 1.6])
    >>> study.errors.shape  # (sample sizes, seeds, widths)
    torch.Size([2, 2, 5])
    """
    device = default_device(device)
    d = v.check_positive_int(d, "d")
    seeds = v.check_positive_int(seeds, "seeds")
    seed = v.check_seed(seed)
    ns_t = v.raw_tensor(ns, "ns")
    if ns_t.ndim != 1 or ns_t.numel() < 2:
        raise ValueError(f"ns must be a 1-D list of at least 2 sample sizes, got shape {tuple(ns_t.shape)}")
    ns_list = []
    for k in ns_t.tolist():
        if isinstance(k, float) and not k.is_integer():
            raise ValueError(f"ns must hold whole sample sizes, got {k!r}")
        ns_list.append(v.check_positive_int(int(k), "each n in ns", minimum=2))
    noise = v.check_number(noise, "noise", nonnegative=True)
    low, high, margin = (v.check_number(value, name) for name, value in
                         (("low", low), ("high", high), ("margin", margin)))
    target = true_function if target is None else target
    if not callable(target):
        raise TypeError(f"target must be a callable f(x) of (m, d) points, got {type(target).__name__}")
    kern = get_kernel(kernel)
    dtype = v.check_dtype(dtype)
    v.check_magnitude(torch.tensor([low, high], dtype=torch.float64), "low and high", d, dtype)
    v.check_choice(estimator, "estimator", ESTIMATORS)
    over_widths = (_estimates_over_widths if estimator == "nadaraya_watson"
                   else _local_linear_over_widths)
    f64 = torch.float64
    grid = (torch.exp(torch.linspace(math.log(0.01), math.log(3.0), 48, dtype=f64)) if sigmas is None
            else v.check_widths(sigmas, device="cpu", dtype=f64))
    grid, _ = torch.sort(grid)
    if isinstance(region, str):
        v.check_choice(region, "region", QUERY_REGIONS)
        q = design_queries(d, region, num=num_queries, margin=margin, low=low, high=high, seed=seed,
                           dtype=f64)
        region_name = region
    else:
        q = v.read_data(device="cpu", queries=("region", region), d=("d", d), dtype=f64).q
        region_name = "custom"
    if q.shape[0] == 0:
        raise ValueError("region has no query points: pass at least one point of shape (m, d), "
                         "or one of " + ", ".join(map(repr, QUERY_REGIONS)))
    truth_q = _target_values(target, q, "target(queries)").to(device=device, dtype=dtype)
    q = q.to(device=device, dtype=dtype)
    sig_dev = grid.to(device=device, dtype=dtype)

    n_max = max(ns_list)  # each draw: x (n, d), ε and y in float64, and their copies in dtype
    check_allocation(2 * n_max * (d + 2) * 8, f"the training data of n = {n_max} points in d = {d}",
                     "ns", "use smaller sample sizes", device="cpu")  # drawn on the CPU
    errors = torch.empty(len(ns_list), seeds, grid.shape[0], dtype=f64)
    total = len(ns_list) * seeds
    bar = tqdm(total=total, desc=f"oracle widths, d={d}", disable=progress is False,
               delay=0 if progress else 2.0, leave=False)

    def run():  # many small operations: one thread (see nwlib._engine)
        with torch.no_grad():
            for a, n in enumerate(ns_list):
                for r in range(seeds):
                    _engine.raise_if_stopped()
                    gen = torch.Generator().manual_seed(_data_seed(seed, n, d, r))
                    x = low + (high - low) * torch.rand(n, d, generator=gen, dtype=f64)
                    eps = noise * torch.randn(n, generator=gen, dtype=f64)
                    y = _target_values(target, x, "target(x)") + eps
                    x, y = x.to(device=device, dtype=dtype), y.to(device=device, dtype=dtype)
                    est = over_widths(x, y, q, sig_dev, kern, _engine.CPU_BLOCK_ELEMENTS)
                    errors[a, r] = ((est - truth_q) ** 2).mean(dim=1).to(device="cpu", dtype=f64)
                    bar.update(1)

    try:
        _engine.single_threaded(run)
    finally:
        bar.close()

    mean = errors.mean(dim=1).numpy()
    log_s = np.log(grid.numpy())
    best_s, best_e = [], []
    for a, n in enumerate(ns_list):
        ls, le, inside = _refined_minimum(log_s, np.log(mean[a]))
        if not inside:
            warnings.warn(f"the oracle width for n={n} is at an end of the grid of sigmas "
                          f"({math.exp(ls):.3g}); widen the grid", RuntimeWarning, stacklevel=2)
        best_s.append(math.exp(ls))
        best_e.append(math.exp(le))
    per_seed = grid[torch.nan_to_num(errors, nan=math.inf).argmin(dim=2)]
    return RateStudy(d=d, region=region_name, ns=torch.tensor(ns_list), sigmas=grid, errors=errors,
                     oracle_sigma=torch.tensor(best_s, dtype=f64),
                     oracle_error=torch.tensor(best_e, dtype=f64), seed_oracle_sigma=per_seed)
