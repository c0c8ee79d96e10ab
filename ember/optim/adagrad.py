"""Adagrad (with learning-rate decay and an initial accumulator value)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, _check_lr, _check_nonneg, _full_state, _next_step, _pre_grad, _scalar, _scalar_state

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad. Matches `torch.optim.Adagrad`.

    As in torch, the state of every parameter is created at construction.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_nonneg(lr_decay=lr_decay, weight_decay=weight_decay,
                      initial_accumulator_value=initial_accumulator_value, epsilon=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p, state, group):
        state["step"] = _scalar_state()
        state["sum"] = _full_state(p, group["initial_accumulator_value"])

    def share_memory(self):
        pass

    def _update(self, p, g, state, group):
        g = _pre_grad(p, g, group["maximize"], group["weight_decay"])
        step = _next_step(state)
        clr = _scalar(group["lr"]) / (1 + (step - 1) * float(group["lr_decay"]))
        s = state["sum"]._data
        t = g * g
        s += t
        std = np.sqrt(s)
        std += float(group["eps"])
        t = g * -clr
        t /= std
        p += t

    def step(self, closure=None):
        """Perform one optimization step."""
        return self._elementwise_step(closure)
