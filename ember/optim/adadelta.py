"""Adadelta."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _addcmul_sq_, _check_lr, _check_nonneg, _next_step, _pre_grad, _scalar,
                        _scalar_state, _zeros_state)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta. Matches `torch.optim.Adadelta`."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonneg(epsilon=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["square_avg"] = _zeros_state(p)
        state["acc_delta"] = _zeros_state(p)

    def _update(self, p, g, state, group):
        rho, eps = float(group["rho"]), float(group["eps"])
        g = _pre_grad(p, g, group["maximize"], group["weight_decay"])
        _next_step(state)
        sq = state["square_avg"]._data
        acc = state["acc_delta"]._data
        sq *= rho
        _addcmul_sq_(sq, g, 1 - rho)
        std = np.sqrt(sq + eps)
        delta = np.sqrt(acc + eps)
        delta /= std
        delta *= g
        acc *= rho
        _addcmul_sq_(acc, delta, 1 - rho)
        delta *= -_scalar(group["lr"])
        p += delta

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
