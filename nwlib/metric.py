"""Learning a metric for kernel regression: a full matrix ``W`` in ``‖W(q − k)‖²``.

Per-coordinate widths (:func:`nwlib.learning.learn_width` with ``per_coordinate=True``) stretch
each axis; a matrix ``W`` of shape (r, d) also turns them. The Gaussian weights become

.. math::

    \\alpha_i(q) = \\operatorname{softmax}_i\\bigl(-\\tfrac12 \\lVert W (q - x_i) \\rVert^2\\bigr),

which is Nadaraya–Watson with ``σ = 1`` on the mapped points ``W x``: a diagonal ``W`` is
``diag(1/σ_1, …, 1/σ_d)``. ``W`` is learned, as in metric learning for kernel regression (MLKR),
by minimising the leave-one-out squared error with Adam on minibatches; the estimate at each point
of a batch pools over every other training point. Only ``M = WᵀW`` matters (``QW`` gives the same
weights for any orthogonal ``Q``): its eigenvectors are the directions the kernel follows, and a
small eigenvalue switches its direction off, as a large width switches off a coordinate.

References
----------
Weinberger, K. Q. & Tesauro, G. (2007). Metric learning for kernel regression. *AISTATS*, PMLR 2,
612–619.
Kingma, D. P. & Ba, J. (2015). Adam: a method for stochastic optimization. *ICLR*.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from . import _engine
from . import _validate as v
from .bandwidth import silverman
from .device import default_device
from .learning import _check_kernel, _loss, minibatches

__all__ = ["learn_metric", "metric_objective", "MetricFit"]

# A progress bar appears only for runs longer than this many seconds (progress=None).
_PROGRESS_DELAY_S = 2.0


@dataclass(frozen=True)
class MetricFit:
    """The result of :func:`learn_metric`.

    Attributes
    ----------
    W : torch.Tensor, shape (r, d)
        The learned map, detached: the kernel compares ``W q`` with ``W x_i``.
    W_history : torch.Tensor, shape (steps + 1, r, d)
        ``W`` before the first step and after every step.
    loss_history : torch.Tensor, shape (steps,)
        The minibatch leave-one-out loss of every step (evaluated before the step).
    final_loss : float
        The leave-one-out loss on the whole training set at ``W``.
    kernel : str
        The kernel's name.
    """

    W: torch.Tensor
    W_history: torch.Tensor
    loss_history: torch.Tensor
    final_loss: float
    kernel: str

    @property
    def metric(self) -> torch.Tensor:
        """``M = WᵀW``, shape (d, d): the kernel's distance is ``(q − k)ᵀ M (q − k)``."""
        return self.W.T @ self.W

    @property
    def steps(self) -> int:
        """The number of gradient steps taken."""
        return int(self.loss_history.shape[0])


def _check_map(W, d: int, *, device, dtype, name: str = "W") -> torch.Tensor:
    """Return ``W`` as an (r, d) tensor of finite numbers (a 1-D ``W`` of length d is one row)."""
    t = v.raw_tensor(W, name)
    if t.ndim == 1 and t.shape[0] == d:
        t = t.unsqueeze(0)
    if t.ndim != 2 or t.shape[1] != d or t.shape[0] == 0:
        raise ValueError(f"{name} must be a matrix of shape (r, {d}) (r ≥ 1 rows, one column per "
                         f"coordinate of x_train), got shape {tuple(t.shape)}")
    t = t.to(device=device, dtype=dtype)
    v.check_finite(t, name)
    if not bool(t.any()):
        raise ValueError(f"{name} is all zeros: every point would have the same weight; start from "
                         "e.g. the identity, or leave it out to start from Silverman's widths")
    return t


def _validated(x_train, y_train, kernel, device):
    device = default_device(device)
    kern = _check_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       purpose="learning a metric")
    x, y, dtype = data.x, data.y, data.dtype
    if x.shape[0] < 2:
        raise ValueError("leave-one-out needs at least 2 training points")
    return device, kern, x, y, dtype


def metric_objective(x_train, y_train, W, *, kernel="gaussian", device=None) -> float:
    """The leave-one-out loss of Nadaraya–Watson with the distance ``‖W(q − k)‖``.

    .. math::

        L(W) = \\frac1n \\sum_{i=1}^n \\lVert y_i - \\hat f_{-i}(x_i) \\rVert^2, \\qquad
        \\hat f_{-i}(x_i) = \\frac{\\sum_{j \\ne i} k(\\lVert W(x_i - x_j) \\rVert)\\, y_j}
                               {\\sum_{j \\ne i} k(\\lVert W(x_i - x_j) \\rVert)}

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    y_train : array_like, shape (n,) or (n, k)
    W : array_like, shape (r, d)
        The map; ``diag(1/σ)`` gives per-coordinate widths σ.
    kernel : str or callable, default "gaussian"
    device : str or torch.device, optional

    Returns
    -------
    float

    References
    ----------
    Weinberger & Tesauro (2007), eq. (3).

    Examples
    --------
    >>> import torch
    >>> from nwlib.learning import width_objective
    >>> from nwlib.metric import metric_objective
    >>> x = torch.tensor([[0.0, 0.0], [1.0, 0.5], [2.0, 1.5], [3.0, 1.0]], dtype=torch.float64)
    >>> y = torch.tensor([0.0, 1.0, 2.0, 1.5], dtype=torch.float64)
    >>> round(metric_objective(x, y, torch.diag(torch.tensor([2.0, 4.0]))), 6)  # diag(1/σ)
    0.620395
    >>> round(width_objective(x, y, [0.5, 0.25]), 6)
    0.620395
    """
    device, kern, x, y, dtype = _validated(x_train, y_train, kernel, device)
    W = _check_map(W, x.shape[1], device=device, dtype=dtype)
    with torch.no_grad():
        idx = torch.arange(x.shape[0], device=device)
        return float(_loss(x @ W.T, y, idx, torch.ones((), dtype=dtype, device=device), kern, True))


def learn_metric(x_train, y_train, *, W0=None, kernel="gaussian", steps: int = 300,
                 batch_size: int = 32, lr: float = 0.05, schedule: str = "cosine", seed: int = 0,
                 progress: bool | None = None, device=None) -> MetricFit:
    """Learn the map ``W`` of the distance ``‖W(q − k)‖`` by leave-one-out (MLKR).

    Minimises the minibatch leave-one-out loss

    .. math::

        L_B(W) = \\frac{1}{|B|} \\sum_{i \\in B} \\lVert y_i - \\hat f_{-i}(x_i) \\rVert^2, \\qquad
        \\hat f_{-i}(x_i) = \\sum_{j \\ne i}
            \\operatorname{softmax}_j\\bigl(-\\tfrac12 \\lVert W(x_i - x_j) \\rVert^2\\bigr)\\, y_j

    (for the Gaussian kernel) over every entry of ``W`` with Adam. The estimates are
    Nadaraya–Watson with ``σ = 1`` on the mapped points ``W x``, computed by the same
    differentiable weights as :func:`nwlib.learning.learn_width`. Each epoch visits the points in
    a fresh random order, ``batch_size`` at a time.

    Parameters
    ----------
    x_train : array_like, shape (n, d)
    y_train : array_like, shape (n,) or (n, k)
    W0 : array_like of shape (r, d), optional
        The starting map (r < d learns a projection to r dimensions). Default:
        ``diag(1/σ)`` with σ Silverman's per-coordinate widths, the start of
        ``learn_width(per_coordinate=True)``.
    kernel : str or callable, default "gaussian"
        A kernel with a gradient (not ``"boxcar"`` or ``"constant"``).
    steps : int, default 300
    batch_size : int, default 32
        Points per minibatch (capped at n; n gives full-batch gradient descent).
    lr : float, default 0.05
        Adam's step size on the entries of ``W``.
    schedule : {"cosine", "constant"}, default "cosine"
    seed : int, default 0
        Seeds the minibatch order (a private generator).
    progress : bool or None, default None
        A progress bar always, never, or for runs longer than two seconds (None).
    device : str or torch.device, optional

    Returns
    -------
    MetricFit

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN (a compact kernel's window emptied; start from a smaller W0).

    References
    ----------
    Weinberger & Tesauro (2007); Kingma & Ba (2015).

    Examples
    --------
    >>> import torch
    >>> from nwlib.metric import learn_metric
    >>> gen = torch.Generator().manual_seed(0)
    >>> x = torch.rand(100, 2, generator=gen, dtype=torch.float64)
    >>> y = torch.sin(4 * (x[:, 0] + x[:, 1]))  # varies along (1, 1) only
    >>> fit = learn_metric(x, y, steps=200, progress=False)
    >>> direction = torch.linalg.eigh(fit.metric).eigenvectors[:, -1]  # the largest eigenvalue's
    >>> round(abs(float(direction.sum())) / 2 ** 0.5, 2)  # |cos| of its angle with (1, 1)
    1.0
    """
    device, kern, x, y, dtype = _validated(x_train, y_train, kernel, device)
    steps = v.check_positive_int(steps, "steps")
    batch_size = v.check_positive_int(batch_size, "batch_size")
    lr = v.check_positive_float(lr, "lr")
    v.check_choice(schedule, "schedule", ("cosine", "constant"))
    seed = v.check_seed(seed)
    progress = v.check_optional_bool(progress, "progress")
    n, d = x.shape
    if W0 is None:
        W0 = torch.diag(1.0 / silverman(x.detach().cpu()).to(device=device, dtype=dtype))
    W = _check_map(W0, d, device=device, dtype=dtype, name="W0").clone().requires_grad_(True)

    batch_size = min(batch_size, n)
    one = torch.ones((), dtype=dtype, device=device)
    opt = torch.optim.Adam([W], lr=lr)
    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
                 if schedule == "cosine" else None)
    gen = torch.Generator().manual_seed(seed)
    history = torch.empty((steps + 1,) + tuple(W.shape), dtype=dtype)
    losses = torch.empty(steps, dtype=dtype)
    history[0] = W.detach().cpu()
    batches = minibatches(n, batch_size, gen, device)
    bar = tqdm(total=steps, desc="learning W (loo)", disable=progress is False,
               delay=0 if progress else _PROGRESS_DELAY_S, leave=False)

    def run():  # many small operations: one thread (see nwlib._engine)
        for t in range(steps):
            _engine.raise_if_stopped()
            idx = next(batches)
            opt.zero_grad()
            loss = _loss(x @ W.T, y, idx, one, kern, True)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"the loss became {float(loss.detach())} at step {t}: a compact kernel "
                    f"({kern.name!r}) left some point with no neighbour inside its window; start "
                    "from a smaller W0 (wider windows) or use the Gaussian kernel")
            loss.backward()
            opt.step()
            if scheduler is not None:
                scheduler.step()
            losses[t] = loss.detach().cpu()
            history[t + 1] = W.detach().cpu()
            bar.update(1)

    try:
        _engine.single_threaded(run)
    finally:
        bar.close()

    W = W.detach()
    with torch.no_grad():
        final = float(_loss(x @ W.T, y, torch.arange(n, device=device), one, kern, True))
    return MetricFit(W=W, W_history=history, loss_history=losses, final_loss=final,
                     kernel=kern.name)
