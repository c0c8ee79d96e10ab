"""Adamax: Adam with the infinity norm."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _check_betas, _check_lr, _check_nonneg, _lerp_, _next_step, _pre_grad, _scalar,
                        _scalar_state, _zeros_state)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax. Matches `torch.optim.Adamax`."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_nonneg(epsilon=eps)
        _check_betas(betas)
        _check_nonneg(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["exp_avg"] = _zeros_state(p)
        state["exp_inf"] = _zeros_state(p)

    def _update(self, p, g, state, group):
        lr = _scalar(group["lr"])
        beta1, beta2 = map(_scalar, group["betas"])
        g = _pre_grad(p, g, group["maximize"], group["weight_decay"])
        step = _next_step(state)
        m = state["exp_avg"]._data
        u = state["exp_inf"]._data
        _lerp_(m, g, 1 - beta1)
        u *= beta2
        a = np.abs(g)
        a += float(group["eps"])
        np.maximum(u, a, out=u)
        clr = lr / (1 - beta1 ** step)
        t = m * -clr
        t /= u
        p += t

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
