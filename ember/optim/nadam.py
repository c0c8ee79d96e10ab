"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule."""
from __future__ import annotations

import numpy as np

from .optimizer import (Optimizer, _adam_moments_, _check_betas, _check_lr, _check_nonneg, _next_step, _pre_grad,
                        _scalar, _scalar_state, _zeros_state)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam. Matches `torch.optim.NAdam` (mu_product kept as a float32 0-dim tensor, like torch)."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        _check_nonneg(epsilon=eps)
        _check_betas(betas)
        _check_nonneg(weight_decay=weight_decay, momentum_decay=momentum_decay)
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
        psi = float(group["momentum_decay"])
        g = _pre_grad(p, g, group["maximize"], group["weight_decay"], group["decoupled_weight_decay"], lr)
        step = _next_step(state)
        bias_correction2 = 1 - beta2 ** step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mp = state["mu_product"]._data
        mp *= mu
        mu_product = float(mp)
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        _adam_moments_(m, v, g, beta1, beta2)
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
