"""RMSprop (optionally centered, with momentum)."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _addcmul_sq_, _check_lr, _check_nonneg, _lerp_, _next_step, _pre_grad, _scalar,
                        _scalar_state, _zeros_state)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop. Matches `torch.optim.RMSprop`."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        _check_nonneg(epsilon=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["square_avg"] = _zeros_state(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_state(p)
        if group["centered"]:
            state["grad_avg"] = _zeros_state(p)

    def _update(self, p, g, state, group):
        lr = _scalar(group["lr"])
        alpha = float(group["alpha"])
        momentum = float(group["momentum"])
        g = _pre_grad(p, g, group["maximize"], group["weight_decay"])
        _next_step(state)
        sq = state["square_avg"]._data
        sq *= alpha
        _addcmul_sq_(sq, g, 1 - alpha)
        if group["centered"]:
            ga = state["grad_avg"]._data
            _lerp_(ga, g, 1 - alpha)
            avg = -ga
            avg *= ga
            avg += sq
            avg = np.sqrt(avg)
        else:
            avg = np.sqrt(sq)
        avg += float(group["eps"])
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= momentum
            buf += g / avg
            p -= lr * buf
        else:
            t = g * -lr
            t /= avg
            p += t

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
