"""RAdam: Adam with a rectified adaptive learning rate."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _adam_moments_, _check_betas, _check_lr, _check_nonneg, _next_step, _pre_grad,
                        _scalar, _scalar_state, _zeros_state)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam. Matches `torch.optim.RAdam` (the rectification starts once rho_t > 5)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonneg(epsilon=eps)
        _check_betas(betas)
        _check_nonneg(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["exp_avg"] = _zeros_state(p)
        state["exp_avg_sq"] = _zeros_state(p)

    def _update(self, p, g, state, group):
        lr = _scalar(group["lr"])
        beta1, beta2 = map(_scalar, group["betas"])
        g = _pre_grad(p, g, group["maximize"], group["weight_decay"], group["decoupled_weight_decay"], lr)
        step = _next_step(state)
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        _adam_moments_(m, v, g, beta1, beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = m / bias_correction1
        update *= lr
        # length of the approximated simple moving average; rectify only when it exceeds 5
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            adaptive = np.sqrt(v)
            adaptive += float(group["eps"])
            adaptive = bias_correction2 ** 0.5 / adaptive
            update *= adaptive
            update *= ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        p -= update

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
