"""Adam (with AMSGrad, L2 or decoupled weight decay)."""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .optimizer import (Optimizer, _adam_moments_, _check_betas, _check_lr, _check_nonneg, _next_step, _pre_grad,
                        _scalar, _scalar_state, _zeros_state)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam. Matches `torch.optim.Adam` (single-tensor path).

    `foreach`, `fused`, `capturable` and `differentiable` are accepted for compatibility and ignored.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        _check_nonneg(epsilon=eps)
        _check_betas(betas)
        _check_nonneg(weight_decay=weight_decay)
        if not (all(isinstance(b, float) for b in betas[:2]) or all(isinstance(b, Tensor) for b in betas[:2])):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = (_scalar(betas[0]), _scalar(betas[1]))
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["exp_avg"] = _zeros_state(p)
        state["exp_avg_sq"] = _zeros_state(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_state(p)

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
        step_size = lr / bias_correction1
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            denom = np.sqrt(vmax)
        else:
            denom = np.sqrt(v)
        denom /= bias_correction2 ** 0.5
        denom += float(group["eps"])
        # p <- p + (-step_size * m) / denom   (torch's addcdiv order)
        t = m * -step_size
        t /= denom
        p += t

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
