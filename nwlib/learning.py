"""Learning kernel widths by stochastic gradient descent (torch autograd).

The width is parameterised by its logarithm, ``σ = exp(θ)``, so every step keeps it positive. Each
step draws a minibatch ``B`` of training points and takes a gradient step on

.. math::

    L_B(\\sigma) = \\frac{1}{|B|} \\sum_{i \\in B} \\lVert y_i - \\hat f_\\sigma(x_i) \\rVert^2,

where ``f̂_σ(x_i)`` pools over *all* training points (``objective="insample"``) or over all but
``(x_i, y_i)`` itself (``objective="loo"``, the diagonal of the kernel matrix removed). The
in-sample objective is minimised by ``σ → 0`` (each point's weight on itself tends to 1, so the
estimate interpolates the data); leave-one-out has a finite minimiser.

References
----------
Härdle, W. (1990). *Applied Nonparametric Regression*, §5.1 (cross-validation). Cambridge.
Robbins, H. & Monro, S. (1951). A stochastic approximation method. *Ann. Math. Statist.* 22(3).
Kingma, D. P. & Ba, J. (2015). Adam: a method for stochastic optimization. *ICLR*.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

# torch.optim imports torch._dynamo (and sympy: about 1 s) when the first optimizer is made; done
# here, a Ctrl-C in learn_width cannot leave sympy half-imported and every later call broken
import torch._dynamo  # noqa: F401
from tqdm.auto import tqdm

from . import _engine
from . import _validate as v
from .bandwidth import silverman
from .device import default_device
from .kernels import Kernel, get_kernel

__all__ = ["learn_width", "width_objective", "WidthFit", "OBJECTIVES", "OPTIMIZERS", "SCHEDULES"]

OBJECTIVES = ("loo", "insample")
OPTIMIZERS = ("adam", "sgd")
SCHEDULES = ("cosine", "constant")
# A progress bar appears only for runs longer than this many seconds (progress=None).
_PROGRESS_DELAY_S = 2.0


@dataclass(frozen=True)
class WidthFit:
    """The result of :func:`learn_width`.

    Attributes
    ----------
    sigma : torch.Tensor, shape () or (d,)
        The learned width (one per coordinate with ``per_coordinate=True``), detached.
    sigma_history : torch.Tensor, shape (steps + 1,) or (steps + 1, d)
        The width before the first step and after every step.
    loss_history : torch.Tensor, shape (steps,)
        The minibatch loss of every step (evaluated before the step).
    final_loss : float
        The objective on the whole training set at ``sigma``.
    objective : str
        ``"loo"`` or ``"insample"``.
    kernel : str
        The kernel's name.
    """

    sigma: torch.Tensor
    sigma_history: torch.Tensor
    loss_history: torch.Tensor
    final_loss: float
    objective: str
    kernel: str

    @property
    def steps(self) -> int:
        """The number of gradient steps taken."""
        return int(self.loss_history.shape[0])


def _check_kernel(kernel) -> Kernel:
    kern = get_kernel(kernel)
    if kern.name in ("boxcar", "constant"):
        raise ValueError(f"kernel={kern.name!r} has zero gradient with respect to the width almost "
                         "everywhere, so it cannot be learned by gradient descent; use 'gaussian', "
                         "'triangular' or 'epanechnikov'")
    return kern


def _pooled(x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor, sigma: torch.Tensor, kern: Kernel,
            leave_out: bool) -> torch.Tensor:
    """Estimates at the training points ``x[idx]``, differentiable in σ; shape (b, k)."""
    return _engine.dense_weights(x[idx], x, sigma, kern, idx if leave_out else None) @ y


def minibatches(n: int, batch_size: int, gen: torch.Generator, device):
    """Indices of minibatches without replacement, forever: each epoch a fresh order from ``gen``
    (the tail shorter than a batch is left out). Width and metric learning draw from it."""
    batch_size = max(1, min(batch_size, n))  # never an epoch without a batch
    while True:
        order = torch.randperm(n, generator=gen)
        for pos in range(0, n - batch_size + 1, batch_size):
            yield order[pos:pos + batch_size].to(device)


def _loss(x, y, idx, sigma, kern, leave_out) -> torch.Tensor:
    est = _pooled(x, y, idx, sigma, kern, leave_out)
    return ((y[idx] - est) ** 2).sum(dim=1).mean()


def _check_width(sigma, step, lr) -> None:
    """The width must stay a positive finite number: a step that leaves that range was too long."""
    if not bool(((sigma > 0) & torch.isfinite(sigma)).all()):
        raise FloatingPointError(
            f"the width left the floating-point range at step {step} (σ = {sigma.tolist()}): "
            f"a step of size lr={lr} on log σ was too long; use a smaller lr (the default is "
            "0.05)")


def _explain_loss(x, idx, sigma, kern, leave_out, step) -> None:
    """Raise the true cause of a non-finite loss."""
    with torch.no_grad():
        w = _engine.dense_weights(x[idx], x, sigma.detach(), kern, idx if leave_out else None)
    where = f"at step {step} (σ = {sigma.detach().tolist()})"
    empty = int((~torch.isfinite(w).all(dim=1)).sum())
    if empty:
        compact = "compact " if kern.compact else ""
        raise FloatingPointError(
            f"the loss is not finite {where}: {empty} of {idx.shape[0]} points of the batch have no "
            f"other training point inside the window of the {compact}{kern.name!r} kernel (its "
            "weights are all 0); start from a wider sigma0 or use the Gaussian kernel")
    raise FloatingPointError(f"the loss is not finite {where}, with the {kern.name!r} kernel: its "
                             "weights or the values give a non-finite estimate")


def _check_gradient(grad, loss, sigma, kern, step) -> None:
    """A gradient that is not finite, or exactly 0 at the start, stops the run with its cause."""
    where = f"at step {step} (σ = {sigma.detach().tolist()})"
    if not bool(torch.isfinite(grad).all()):
        whose = (f"the kernel callable {kern.name!r} has no finite derivative at some scaled "
                 "distance u > 0 (torch.where over a branch that is NaN there, such as "
                 "sqrt(1 - u) for u > 1, gives a NaN gradient even where it is not taken)"
                 if kern.custom
                 else "the width is at the edge of the floating-point range")
        raise FloatingPointError(f"the gradient with respect to σ is {grad.tolist()} {where}: "
                                 f"{whose}; start from another sigma0")
    if step == 0 and float(loss.detach()) > 0 and not bool((grad != 0).any()):
        raise ValueError(
            f"the loss does not change with σ at sigma0 (its gradient is exactly 0 {where}): "
            "every kernel weight there is 0 or 1 to floating-point precision, because σ is far "
            "below the spacing of the training points or far above their spread, so gradient "
            "descent cannot move; start from a width on the scale of the data, such as the "
            "default (Silverman's rule)")


def _validated(x_train, y_train, objective, kernel, device):
    device = default_device(device)
    v.check_choice(objective, "objective", OBJECTIVES)
    kern = _check_kernel(kernel)
    data = v.read_data(device=device, points=("x_train", x_train), values=("y_train", y_train),
                       purpose="learning a width")
    x, y, dtype = data.x, data.y, data.dtype
    v.check_squared_errors(y, "y_train", "the width objective")
    if objective == "loo" and x.shape[0] < 2:
        raise ValueError("objective='loo' needs at least 2 training points")
    return device, kern, x, y, dtype


def width_objective(x_train, y_train, sigma, *, objective: str = "loo", kernel="gaussian",
                    device=None) -> float:
    """The width-selection objective on the whole training set.

    .. math::

        L(\\sigma) = \\frac1n \\sum_{i=1}^n \\lVert y_i - \\hat f^{(\\cdot)}_\\sigma(x_i) \\rVert^2

    with ``f̂`` pooling over every training point (``"insample"``) or every point but ``i``
    (``"loo"``: the leave-one-out score of :func:`nwlib.bandwidth.loo_cv`).

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    y_train : array_like, shape (n,) or (n, k)
    sigma : float or array_like of shape (d,)
        The width, or one per coordinate.
    objective : {"loo", "insample"}, default "loo"
    kernel : str or callable, default "gaussian"
    device : str or torch.device, optional

    Returns
    -------
    float
        NaN when a compact kernel leaves some point with no other point in its window.

    References
    ----------
    Härdle, W. (1990). *Applied Nonparametric Regression*, §5.1. Cambridge University Press.

    Examples
    --------
    >>> import torch
    >>> from nwlib.data import make_data
    >>> from nwlib.learning import width_objective
    >>> data = make_data(n=40, seed=0, dtype=torch.float64)
    >>> round(width_objective(data.x_train, data.y_train, 0.5), 4)
    0.7424
    """
    device, kern, x, y, dtype = _validated(x_train, y_train, objective, kernel, device)
    sig = v.check_sigma(sigma, x.shape[1], device=device, dtype=dtype)
    with torch.no_grad():
        idx = torch.arange(x.shape[0], device=device)
        return float(_loss(x, y, idx, sig, kern, objective == "loo"))


def _initial_log_width(sigma0, x, per_coordinate, device, dtype) -> torch.Tensor:
    d = x.shape[1]
    if sigma0 is None:
        if x.shape[0] < 2:
            raise ValueError("sigma0 is needed when x_train has a single point (no spread to scale "
                             "Silverman's rule from)")
        rule = silverman(x.detach().cpu()).to(device=device, dtype=dtype)
        start = rule if per_coordinate else rule.log().mean().exp()  # geometric mean for one width
    else:
        start = v.check_sigma(sigma0, d, device=device, dtype=dtype, name="sigma0")
        if start.ndim == 1 and not per_coordinate and d > 1:
            raise ValueError(f"sigma0 has one width per coordinate (length {d}) but "
                             "per_coordinate=False learns a single width; pass one number or set "
                             "per_coordinate=True")
    if per_coordinate:
        start = start.expand(d) if start.ndim == 0 else start
    return start.log().clone()


def learn_width(x_train, y_train, *, objective: str = "loo", sigma0=None,
                per_coordinate: bool = False, kernel="gaussian", steps: int = 300,
                batch_size: int = 32, lr: float = 0.05, optimizer: str = "adam",
                schedule: str = "cosine", seed: int = 0, progress: bool | None = None,
                device=None) -> WidthFit:
    """Learn the kernel width of Nadaraya–Watson regression by stochastic gradient descent.

    Minimises, over ``θ = log σ``, the minibatch squared error

    .. math::

        L_B(\\sigma) = \\frac{1}{|B|} \\sum_{i \\in B} \\lVert y_i - \\hat f_\\sigma(x_i) \\rVert^2,
        \\qquad
        \\hat f_\\sigma(x_i) = \\frac{\\sum_{j \\in J_i} k(\\lVert (x_i - x_j)/\\sigma \\rVert)\\, y_j}
                                    {\\sum_{j \\in J_i} k(\\lVert (x_i - x_j)/\\sigma \\rVert)},

    with ``J_i`` all training points (``"insample"``) or all but ``i`` (``"loo"``). Each epoch
    visits the training points in a fresh random order, ``batch_size`` at a time; the estimate at
    each point of a batch pools over the whole training set. Gradients come from torch autograd.

    Parameters
    ----------
    x_train : array_like, shape (n,) or (n, d)
    y_train : array_like, shape (n,) or (n, k)
    objective : {"loo", "insample"}, default "loo"
        ``"insample"`` keeps ``(x_i, y_i)`` in its own estimate: the loss is minimised by σ → 0
        (overfitting). ``"loo"`` removes it (leave-one-out cross-validation).
    sigma0 : float or array_like of shape (d,), optional
        The starting width. Default: Silverman's rule (:func:`nwlib.bandwidth.silverman`), per
        coordinate, or its geometric mean for a single width.
    per_coordinate : bool, default False
        Learn one width per coordinate (``u = ‖(q − x) / σ‖``) instead of one for all.
    kernel : str or callable, default "gaussian"
        A kernel with a gradient in σ (not ``"boxcar"`` or ``"constant"``).
    steps : int, default 300
        Gradient steps (minibatches).
    batch_size : int, default 32
        Training points per minibatch (capped at n; n gives full-batch gradient descent).
    lr : float, default 0.05
        Step size on ``log σ``.
    optimizer : {"adam", "sgd"}, default "adam"
        Adam (per-parameter step sizes; robust to the scale of the loss) or plain SGD.
    schedule : {"cosine", "constant"}, default "cosine"
        The step size decays as ``lr · ½(1 + cos(π t / steps))`` so the last iterates settle, or
        stays constant.
    seed : int, default 0
        Seeds the minibatch order (a private generator): the same seed gives the same run.
    progress : bool or None, default None
        Show a progress bar: always (True), never (False), or only for runs that take longer than
        two seconds (None).
    device : str or torch.device, optional

    Returns
    -------
    WidthFit
        The learned width, its history, the minibatch losses and the final full-data objective.

    Raises
    ------
    FloatingPointError
        If the loss becomes NaN (a compact kernel left a point with no neighbour in its window:
        start from a wider σ), the gradient does (a callable kernel without a finite derivative),
        or σ leaves the floating-point range (``lr`` too large); the message names the cause.
    ValueError
        If the gradient is exactly 0 at ``sigma0`` (σ far below the spacing of the points or far
        above their spread: every weight is 0 or 1), so the run could not move.

    References
    ----------
    Härdle (1990), §5.1; Robbins & Monro (1951); Kingma & Ba (2015).

    Examples
    --------
    >>> import torch
    >>> from nwlib.data import make_data
    >>> from nwlib.learning import learn_width
    >>> data = make_data(n=40, seed=0, dtype=torch.float64)
    >>> fit = learn_width(data.x_train, data.y_train, steps=50, progress=False)
    >>> fit.sigma, fit.steps
    (tensor(0.6374, dtype=torch.float64), 50)
    """
    device, kern, x, y, dtype = _validated(x_train, y_train, objective, kernel, device)
    per_coordinate = v.check_bool(per_coordinate, "per_coordinate")
    steps = v.check_positive_int(steps, "steps")
    batch_size = v.check_positive_int(batch_size, "batch_size")
    lr = v.check_positive_float(lr, "lr")
    v.check_choice(optimizer, "optimizer", OPTIMIZERS)
    v.check_choice(schedule, "schedule", SCHEDULES)
    seed = v.check_seed(seed)
    progress = v.check_optional_bool(progress, "progress")

    n = x.shape[0]
    batch_size = min(batch_size, n)
    leave_out = objective == "loo"
    theta = _initial_log_width(sigma0, x, per_coordinate, device, dtype).requires_grad_(True)
    opt = (torch.optim.Adam([theta], lr=lr) if optimizer == "adam"
           else torch.optim.SGD([theta], lr=lr))
    gen = torch.Generator().manual_seed(seed)
    history = torch.empty((steps + 1,) + tuple(theta.shape), dtype=dtype)
    losses = torch.empty(steps, dtype=dtype)
    history[0] = theta.detach().exp().cpu()
    batches = minibatches(n, batch_size, gen, device)

    scheduler = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
                 if schedule == "cosine" else None)
    bar = tqdm(total=steps, desc=f"learning σ ({objective})", disable=progress is False,
               delay=0 if progress else _PROGRESS_DELAY_S, leave=False)

    def run():  # many small operations: one thread (see nwlib._engine)
        for t in range(steps):
            _engine.raise_if_stopped()
            idx = next(batches)
            opt.zero_grad()
            sigma = theta.exp()
            _check_width(sigma, t, lr)
            loss = _loss(x, y, idx, sigma, kern, leave_out)
            if not torch.isfinite(loss):
                _explain_loss(x, idx, sigma, kern, leave_out, t)
            loss.backward()
            _check_gradient(theta.grad, loss, sigma, kern, t)
            opt.step()
            if scheduler is not None:
                scheduler.step()
            losses[t] = loss.detach().cpu()
            history[t + 1] = theta.detach().exp().cpu()
            bar.update(1)

    try:
        _engine.single_threaded(run)
    finally:
        bar.close()

    sigma = theta.detach().exp()
    with torch.no_grad():
        final = float(_loss(x, y, torch.arange(n, device=device), sigma, kern, leave_out))
    return WidthFit(sigma=sigma, sigma_history=history, loss_history=losses, final_loss=final,
                    objective=objective, kernel=kern.name)
