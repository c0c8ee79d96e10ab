"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _addcmul_sq_, _check_betas, _check_lr, _lerp_, _scalar, _scalar_state,
                        _zeros_state)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam. Matches `torch.optim.NAdam` (mu_product kept as a float32 0-dim tensor, like torch)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["mu_product"] = _scalar_state(1.0)
        state["exp_avg"] = _zeros_state(p)
        state["exp_avg_sq"] = _zeros_state(p)

    def _update(self, p, g, state, group):
        lr = _scalar(group["lr"])
        beta1, beta2 = map(_scalar, group["betas"])
        wd = float(group["weight_decay"])
        psi = float(group["momentum_decay"])
        if group["maximize"]:
            g = -g
        st = state["step"]._data
        st += 1
        step = float(st)
        bias_correction2 = 1 - beta2 ** step
        if wd != 0:
            if group["decoupled_weight_decay"]:
                p *= 1 - lr * wd
            else:
                g = g + wd * p
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mp = state["mu_product"]._data
        mp *= mu
        mu_product = float(mp)
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        _lerp_(m, g, 1 - beta1)
        v *= beta2
        _addcmul_sq_(v, g, 1 - beta2)
        denom = np.sqrt(v / bias_correction2)
        denom += float(group["eps"])
        t = g * (-lr * (1.0 - mu) / (1.0 - mu_product))
        t /= denom
        p += t
        t = m * ((-lr * mu_next) / (1.0 - mu_product * mu_next))
        t /= denom
        p += t

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
