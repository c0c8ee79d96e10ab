"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from __future__ import annotations

import numpy as np

from .._tensor_base import _wrap
from ..autograd.grad_mode import enable_grad
from .optimizer import Optimizer, _check_lr, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum). Matches `torch.optim.SGD`.

    `foreach`, `fused` and `differentiable` are accepted for compatibility and ignored.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if _scalar(weight_decay) < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one optimization step. Matches `torch.optim.SGD.step`."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        state_all = self.state
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            momentum = float(group["momentum"])
            dampening = float(group["dampening"])
            wd = _scalar(group["weight_decay"])
            nesterov = group["nesterov"]
            maximize = group["maximize"]
            for p in group["params"]:
                gt = getattr(p, "_grad", None)
                if gt is None:
                    continue
                data = p._data
                g = gt._data
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * data
                if momentum != 0:
                    state = state_all[p]
                    buf_t = state.get("momentum_buffer")
                    if buf_t is None:
                        buf = np.array(g, copy=True)
                        state["momentum_buffer"] = _wrap(buf)
                    else:
                        buf = buf_t._data
                        buf *= momentum
                        if dampening == 0:
                            buf += g
                        else:
                            buf += (1 - dampening) * g
                    if nesterov:
                        g = g + momentum * buf
                    else:
                        g = buf
                data -= lr * g
                p._vc[0] += 1
        return loss
